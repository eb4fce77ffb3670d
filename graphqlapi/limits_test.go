package graphqlapi

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// check runs Default (or lim) on q and returns the *Error, nil when the
// document passes.
func check(t *testing.T, lim Limits, q string, vars map[string]any) *Error {
	t.Helper()
	doc, err := lim.Check(q, vars)
	if err == nil {
		if doc == nil {
			t.Fatalf("no document and no error for %.80q", q)
		}
		return nil
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T %v is not an *Error", err, err)
	}
	return e
}

func wantLimit(t *testing.T, name string, e *Error, limit, code string) {
	t.Helper()
	if e == nil {
		t.Errorf("%s: passed, want %s", name, limit)
		return
	}
	if e.Limit != limit || e.Code != code || e.Message == "" {
		t.Errorf("%s: got limit %q code %q message %q, want %s %s", name, e.Limit, e.Code, e.Message, limit, code)
	}
}

// sameKey is the validation bomb of issue 9: n fields under one response
// key, each with other arguments. field is the field with a %d for
// where its argument goes.
func sameKey(n int, field string) string {
	var b strings.Builder
	b.WriteString("{ ")
	for i := range n {
		fmt.Fprintf(&b, field+" { title } ", i)
	}
	return b.String() + "}"
}

const (
	aliasedBomb = `a: articles(filters: {title: {eq: "%d"}})`
	pagedBomb   = `articles(pagination: {page: %d})`
)

func TestDefaultLimitsRefuseTheKnownBombs(t *testing.T) {
	untokened := Default
	untokened.MaxTokens = 0
	cases := []struct {
		name, query string
		limit, code string
	}{
		// As sent in the issue, every field aliased "a".
		{"240 fields under one alias", sameKey(240, aliasedBomb), LimitTokens, CodeParseFailed},
		{"80 fields under one alias", sameKey(80, aliasedBomb), LimitAliases, CodeValidationFailed},
		// Without aliases, under the response key articles.
		{"240 paged fields under one key", sameKey(240, pagedBomb), LimitTokens, CodeParseFailed},
		{"80 paged fields under one key", sameKey(80, pagedBomb), LimitRepeats, CodeValidationFailed},
		{"5 paged fields under one key", sameKey(5, pagedBomb), LimitRepeats, CodeValidationFailed},
	}
	for _, tc := range cases {
		wantLimit(t, tc.name, check(t, Default, tc.query, nil), tc.limit, tc.code)
	}
	// Were the token limit higher, the other limits would still refuse
	// the largest ones.
	wantLimit(t, "240 fields under one alias, more tokens", check(t, untokened, sameKey(240, aliasedBomb), nil), LimitAliases, CodeValidationFailed)
	wantLimit(t, "240 filtered fields under one key, more tokens", check(t, untokened, sameKey(240, aliasedBomb[3:]), nil), LimitFilterConditions, CodeBadUserInput)
	wantLimit(t, "240 paged fields under one key, more tokens", check(t, untokened, sameKey(240, pagedBomb), nil), LimitRepeats, CodeValidationFailed)

	// 50 aliases, each with a heavy filter: over the alias limit and the
	// filter budget alike.
	var heavy strings.Builder
	heavy.WriteString("{ ")
	for i := range 50 {
		fmt.Fprintf(&heavy, "a%d: articles(filters: {or: [", i)
		for j := range 20 {
			fmt.Fprintf(&heavy, `{title: {containsi: "x%d"}} `, j)
		}
		heavy.WriteString("]}) { title } ")
	}
	heavy.WriteString("}")
	wantLimit(t, "50 heavy aliases", check(t, untokened, heavy.String(), nil), LimitAliases, CodeValidationFailed)
	noAliases := untokened
	noAliases.MaxAliases = 0
	wantLimit(t, "50 heavy aliases, aliases unlimited", check(t, noAliases, heavy.String(), nil), LimitFilterConditions, CodeBadUserInput)
}

func TestEveryLimit(t *testing.T) {
	one := func(f func(*Limits)) Limits {
		var l Limits
		f(&l)
		return l
	}
	cases := []struct {
		name      string
		lim       Limits
		pass, bad string
		limit     string
		code      string
	}{
		{"bytes", one(func(l *Limits) { l.MaxBytes = 30 }),
			`{ articles { title } }`, `{ articles { title description slug } }`, LimitBytes, CodeParseFailed},
		{"tokens", one(func(l *Limits) { l.MaxTokens = 6 }),
			`{ articles { title } }`, `{ articles { title slug } }`, LimitTokens, CodeParseFailed},
		{"depth", one(func(l *Limits) { l.MaxDepth = 2 }),
			`{ a { b { c } } }`, `{ a { b { c { d } } } }`, LimitDepth, CodeValidationFailed},
		{"depth through fragments", one(func(l *Limits) { l.MaxDepth = 2 }),
			`{ a { ...F } } fragment F on T { b { c } }`, `{ a { ...F } } fragment F on T { b { c { d } } }`, LimitDepth, CodeValidationFailed},
		{"depth through inline fragments", one(func(l *Limits) { l.MaxDepth = 1 }),
			`{ a { ... on T { b } } }`, `{ a { ... on T { b { c } } } }`, LimitDepth, CodeValidationFailed},
		{"value depth", one(func(l *Limits) { l.MaxValueDepth = 3 }),
			`{ a(x: {y: [{z: 1}]}) }`, `{ a(x: {y: [{z: [1]}]}) }`, LimitValueDepth, CodeValidationFailed},
		{"value depth in a directive", one(func(l *Limits) { l.MaxValueDepth = 1 }),
			`{ a @d(x: [1]) }`, `{ a @d(x: [[1]]) }`, LimitValueDepth, CodeValidationFailed},
		{"value depth in a variable default", one(func(l *Limits) { l.MaxValueDepth = 1 }),
			`query($v: [[Int]] = [1]) { a }`, `query($v: [[Int]] = [[1]]) { a }`, LimitValueDepth, CodeValidationFailed},
		{"selections", one(func(l *Limits) { l.MaxSelections = 3 }),
			`{ a { b c } }`, `{ a { b c d } }`, LimitSelections, CodeValidationFailed},
		{"selections of a fragment spread twice", one(func(l *Limits) { l.MaxSelections = 7 }),
			`{ a { ...F } } fragment F on T { b c d }`, `{ a { ...F } x { ...F } } fragment F on T { b c d }`, LimitSelections, CodeValidationFailed},
		{"selections of an unused fragment", one(func(l *Limits) { l.MaxSelections = 3 }),
			`{ a } fragment F on T { b c }`, `{ a } fragment F on T { b c d }`, LimitSelections, CodeValidationFailed},
		{"aliases", one(func(l *Limits) { l.MaxAliases = 2 }),
			`{ x: a y: a a }`, `{ x: a y: a z: a }`, LimitAliases, CodeValidationFailed},
		{"aliases in a fragment spread twice", one(func(l *Limits) { l.MaxAliases = 2 }),
			`{ a { ...F } } fragment F on T { x: b }`, `{ a { ...F } b { ...F } c { ...F } } fragment F on T { x: b }`, LimitAliases, CodeValidationFailed},
		{"repeats", one(func(l *Limits) { l.MaxRepeats = 1; l.MaxSelections = 100 }),
			`{ a(x: 1) { b } a(x: 2) { b } }`, `{ a(x: 1) { b } a(x: 2) { b } a(x: 3) { b } }`, LimitRepeats, CodeValidationFailed},
		{"repeats merged through fragments", one(func(l *Limits) { l.MaxRepeats = 1; l.MaxSelections = 100 }),
			`{ ...F ...G } fragment F on Q { a(x: 1) } fragment G on Q { a(x: 2) }`,
			`{ ...F ...G ...H } fragment F on Q { a(x: 1) } fragment G on Q { a(x: 2) } fragment H on Q { a(x: 3) }`, LimitRepeats, CodeValidationFailed},
		{"repeats of sub-fields of one key", one(func(l *Limits) { l.MaxRepeats = 1; l.MaxSelections = 100 }),
			`{ a { b(x: 1) } a { c } }`, `{ a { b(x: 1) } a { b(x: 2) } }`, LimitRepeats, CodeValidationFailed},
		{"filter conditions", one(func(l *Limits) { l.MaxFilterConditions = 3 }),
			`{ a(filters: {title: {eq: "x", ne: "y"}, or: [{n: {gt: 1}}]}) }`,
			`{ a(filters: {title: {eq: "x", ne: "y"}, or: [{n: {gt: 1}}, {n: {lt: 0}}]}) }`, LimitFilterConditions, CodeBadUserInput},
		{"filter conditions across aliases", one(func(l *Limits) { l.MaxFilterConditions = 3 }),
			`{ x: a(filters: {t: {eq: 1}}) y: a(filters: {t: {eq: 2}}) }`,
			`{ x: a(filters: {t: {eq: 1}}) y: a(filters: {t: {eq: 2}}) z: a(filters: {t: {eq: 3}}) w: a(filters: {t: {eq: 4}}) }`, LimitFilterConditions, CodeBadUserInput},
		{"filter conditions in a fragment spread again", one(func(l *Limits) { l.MaxFilterConditions = 3 }),
			`{ ...F } fragment F on Q { a(filters: {t: {eq: 1}, u: {eq: 2}}) }`,
			`{ x { ...F } y { ...F } } fragment F on Q { a(filters: {t: {eq: 1}, u: {eq: 2}}) }`, LimitFilterConditions, CodeBadUserInput},
		{"filter conditions across operations", one(func(l *Limits) { l.MaxFilterConditions = 2 }),
			`query A { a(filters: {t: {eq: 1}}) } query B { a(filters: {t: {eq: 1}}) }`,
			`query A { a(filters: {t: {eq: 1}}) } query B { a(filters: {t: {eq: 1}, u: {in: [1, 2, 3]}}) }`, LimitFilterConditions, CodeBadUserInput},
		{"introspection depth", one(func(l *Limits) { l.MaxIntrospection = 2 }),
			`{ __schema { types { fields { type { fields { name } } } } } }`,
			`{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }`, LimitIntrospection, CodeValidationFailed},
		{"introspection depth through a fragment", one(func(l *Limits) { l.MaxIntrospection = 2 }),
			`{ __type(name: "A") { ...F } } fragment F on __Type { fields { type { interfaces { name } } } }`,
			`{ __type(name: "A") { ...F } } fragment F on __Type { fields { type { interfaces { possibleTypes { name } } } } }`, LimitIntrospection, CodeValidationFailed},
	}
	for _, tc := range cases {
		if e := check(t, tc.lim, tc.pass, nil); e != nil {
			t.Errorf("%s: the document within the limit is refused: %v (%s)", tc.name, e, e.Limit)
		}
		wantLimit(t, tc.name, check(t, tc.lim, tc.bad, nil), tc.limit, tc.code)
		var none Limits
		if e := check(t, none, tc.bad, nil); e != nil {
			t.Errorf("%s: refused without limits: %v", tc.name, e)
		}
	}
}

func TestErrorCarriesLimitAndMax(t *testing.T) {
	e := check(t, Limits{MaxDepth: 2}, `{ a { b { c { d } } } }`, nil)
	if e == nil || e.Max != 2 || !strings.Contains(e.Message, "2") {
		t.Fatalf("got %+v, want max 2 named in the message", e)
	}
}

func TestPlainLeavesMayRepeat(t *testing.T) {
	// Apollo Client adds __typename to every selection set, fragments
	// included; merging many fragments repeats it, and a field selected
	// by several fragments is common too. Those compare cheaply.
	var b strings.Builder
	b.WriteString("{ articles { __typename title ")
	for i := range 30 {
		fmt.Fprintf(&b, "...F%d ", i)
	}
	b.WriteString("} } ")
	for i := range 30 {
		fmt.Fprintf(&b, "fragment F%d on Article { __typename title documentId } ", i)
	}
	if e := check(t, Default, b.String(), nil); e != nil {
		t.Fatalf("repeated plain leaves refused: %v", e)
	}
}

func TestFilterConditionsFromVariables(t *testing.T) {
	lim := Limits{MaxFilterConditions: 3}
	q := `query($f: ArticleFiltersInput, $t: String) { x: articles(filters: $f) { title } y: articles(filters: {title: {eq: $t}}) { title } }`
	ok := map[string]any{"f": map[string]any{"or": []any{
		map[string]any{"title": map[string]any{"eq": "a"}},
		map[string]any{"title": map[string]any{"in": []any{"b", "c", "d"}}},
	}}, "t": "z"}
	if e := check(t, lim, q, ok); e != nil {
		t.Fatalf("3 conditions refused: %v", e)
	}
	over := map[string]any{"f": map[string]any{"or": []any{
		map[string]any{"title": map[string]any{"eq": "a"}},
		map[string]any{"title": map[string]any{"eq": "b"}},
		map[string]any{"title": map[string]any{"eq": "c"}},
	}}, "t": "z"}
	wantLimit(t, "conditions in a variable", check(t, lim, q, over), LimitFilterConditions, CodeBadUserInput)
	// An or list of variables counts what each variable holds.
	q2 := `query($a: ArticleFiltersInput, $b: ArticleFiltersInput) { articles(filters: {or: [$a, $b]}) { title } }`
	two := map[string]any{"title": map[string]any{"eq": "a", "ne": "b"}}
	wantLimit(t, "or of variables", check(t, lim, q2, map[string]any{"a": two, "b": two}), LimitFilterConditions, CodeBadUserInput)
}

func TestFragmentsAreWalkedOnce(t *testing.T) {
	// Each fragment spreads the next twice: 2^60 selections expanded. The
	// check must answer at once (memoized) and refuse it, without
	// overflowing its counts.
	var b strings.Builder
	b.WriteString("{ a { ...F0 } } ")
	for i := range 60 {
		fmt.Fprintf(&b, "fragment F%d on T { x: a ...F%d ...F%d } ", i, i+1, i+1)
	}
	b.WriteString("fragment F60 on T { b }")
	wantLimit(t, "doubling fragments", check(t, Default, b.String(), nil), LimitSelections, CodeValidationFailed)
	if e := check(t, Limits{}, b.String(), nil); e != nil {
		t.Fatalf("without limits: %v", e)
	}
}

func TestFragmentCycleIsRefused(t *testing.T) {
	for _, q := range []string{
		`{ a { ...F } } fragment F on T { b { ...F } }`,
		`{ a { ...F } } fragment F on T { ...G } fragment G on T { ...F }`,
		`{ a } fragment F on T { ...G } fragment G on T { ...F }`,
	} {
		e := check(t, Default, q, nil)
		if e == nil || e.Code != CodeValidationFailed || !strings.Contains(e.Message, "within itself") {
			t.Errorf("%s: got %+v", q, e)
		}
	}
}

func TestUnknownFragmentIsLeftToTheValidator(t *testing.T) {
	if e := check(t, Default, `{ a { ...Nope } }`, nil); e != nil {
		t.Fatalf("got %v", e)
	}
}

func TestSyntaxErrorSaysWhere(t *testing.T) {
	e := check(t, Default, "{\n  articles { title ", nil)
	if e == nil || e.Code != CodeParseFailed || e.Limit != "" || len(e.Locations) != 1 || e.Locations[0].Line != 2 {
		t.Fatalf("got %+v", e)
	}
}

func TestIntrospectionQueryPasses(t *testing.T) {
	if e := check(t, Default, introspectionQuery, nil); e != nil {
		t.Fatalf("the introspection query GraphiQL sends is refused: %v (%s)", e, e.Limit)
	}
}

// introspectionQuery is graphql-js's getIntrospectionQuery() with every
// option on, TypeRef nested as deep as graphql-js 16 nests it.
const introspectionQuery = `
query IntrospectionQuery {
  __schema {
    description
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives {
      name
      description
      isRepeatable
      locations
      args(includeDeprecated: true) { ...InputValue }
    }
  }
}
fragment FullType on __Type {
  kind
  name
  description
  specifiedByURL
  isOneOf
  fields(includeDeprecated: true) {
    name
    description
    args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef }
    isDeprecated
    deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) {
    name
    description
    isDeprecated
    deprecationReason
  }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name
  description
  type { ...TypeRef }
  defaultValue
  isDeprecated
  deprecationReason
}
fragment TypeRef on __Type {
  kind
  name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
}
`
