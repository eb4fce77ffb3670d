// Package graphqlapi is the part of the GraphQL content API that needs no
// executor: for now, the budget a document must keep before anything
// validates or runs it. It reads documents with gqlparser, whose parser
// follows graphql-js, and knows nothing of the executor behind it.
package graphqlapi

import (
	"errors"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/tokenadmin/tokenadmin/content"
)

// Limits bound what one GraphQL document may ask for. Each is checked on
// the parsed document alone, in time linear in its size, before the
// executor validates it: validation itself is where documents get
// expensive (comparing every pair of fields under one response key), and it
// runs before permissions, so any key holder could otherwise send the work.
//
// Counts are taken with fragments expanded where they are spread, since
// that is the work they stand for; a fragment spread inside itself is
// refused. A zero field means no limit.
type Limits struct {
	// MaxBytes is the size of the document ("query"); variables are not
	// counted, so large values belong there.
	MaxBytes int
	// MaxTokens is how many lexical tokens the document may hold.
	MaxTokens int
	// MaxDepth is how deeply fields with sub-selections may nest, not
	// counting introspection (fields named __*), which MaxIntrospection
	// bounds instead. {articles {title}} has depth 1.
	MaxDepth int
	// MaxIntrospection is how deeply the list fields of __Type (fields,
	// interfaces, possibleTypes, inputFields) may nest under __schema or
	// __type, as graphql-js's MaxIntrospectionDepthRule counts them (it
	// refuses 3).
	MaxIntrospection int
	// MaxValueDepth is how deeply argument values may nest lists and
	// objects.
	MaxValueDepth int
	// MaxSelections is how many fields, fragment spreads and inline
	// fragments every operation holds, plus those of fragments no
	// operation spreads.
	MaxSelections int
	// MaxAliases is how many fields may be given an alias.
	MaxAliases int
	// MaxRepeats is how many times, in all, a response key may be selected
	// again in the same selection set (fragments merged) by a field that
	// takes arguments or has sub-fields. Such fields must be compared with
	// each other, pair by pair; plain leaves like title or __typename are
	// cheap to compare and not counted. It is checked only together with
	// MaxSelections, which bounds the walk it takes.
	MaxRepeats int
	// MaxFilterConditions is how many conditions the "filters" arguments
	// of the whole document may hold together, values given in variables
	// included: every aliased or repeated field runs its filter again.
	MaxFilterConditions int
}

// Default are the limits of POST /graphql. Strapi's GraphQL plugin allows
// a depth of 10; 15 aliases is graphql-armor's default; the filter budget
// is the REST API's for one request, so a GraphQL request can cost no more
// than one REST find. The other figures keep the worst document within
// them to a few milliseconds of validation while leaving every realistic
// query (GraphiQL's introspection query selects about 150 fields) room.
var Default = Limits{
	MaxBytes:            64 << 10,
	MaxTokens:           2_500,
	MaxDepth:            10,
	MaxIntrospection:    2,
	MaxValueDepth:       32,
	MaxSelections:       500,
	MaxAliases:          15,
	MaxRepeats:          3,
	MaxFilterConditions: content.MaxFilterConditions,
}

// Error codes, as Apollo Server (and so Strapi) spells them.
const (
	CodeParseFailed      = "GRAPHQL_PARSE_FAILED"
	CodeValidationFailed = "GRAPHQL_VALIDATION_FAILED"
	CodeBadUserInput     = "BAD_USER_INPUT"
)

// Names of the limits, as Error.Limit reports them.
const (
	LimitBytes            = "maxBytes"
	LimitTokens           = "maxTokens"
	LimitDepth            = "maxDepth"
	LimitIntrospection    = "maxIntrospectionDepth"
	LimitValueDepth       = "maxValueDepth"
	LimitSelections       = "maxSelections"
	LimitAliases          = "maxAliases"
	LimitRepeats          = "maxRepeats"
	LimitFilterConditions = "maxFilterConditions"
)

// Location is a place in the document, 1-based as GraphQL reports it.
type Location struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

// Error is a document refused before validation: a limit it breaks
// (Limit and Max set) or a syntax error (Limit empty). Code is the
// extensions.code to answer with.
type Error struct {
	Message   string
	Code      string
	Limit     string
	Max       int
	Locations []Location
}

func (e *Error) Error() string { return e.Message }

func limitError(code, limit string, max int, msg string) *Error {
	return &Error{Message: msg, Code: code, Limit: limit, Max: max}
}

// filtersArg is the argument that carries Strapi-style filters.
const filtersArg = "filters"

// Check parses query and holds it to the limits; variables are the
// request's, for the filters given through them. It returns the parsed
// document, or an *Error.
func (l Limits) Check(query string, variables map[string]any) (*ast.QueryDocument, error) {
	if l.MaxBytes > 0 && len(query) > l.MaxBytes {
		return nil, limitError(CodeParseFailed, LimitBytes, l.MaxBytes,
			"The document is larger than "+strconv.Itoa(l.MaxBytes)+" bytes; send large values as variables")
	}
	src := &ast.Source{Name: "GraphQL request", Input: query}
	var (
		doc *ast.QueryDocument
		err error
	)
	if l.MaxTokens > 0 {
		doc, err = parser.ParseQueryWithTokenLimit(src, l.MaxTokens)
	} else {
		doc, err = parser.ParseQuery(src)
	}
	if err != nil {
		return nil, parseError(err, l.MaxTokens)
	}
	c := &checker{lim: l, vars: variables, frags: map[string]*ast.FragmentDefinition{},
		memo: map[string]tally{}, state: map[string]visit{}}
	for _, f := range doc.Fragments {
		if _, dup := c.frags[f.Name]; !dup { // a duplicate name is the validator's to report
			c.frags[f.Name] = f
		}
	}
	if err := c.check(doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// parseError turns gqlparser's error into an Error with its locations.
func parseError(err error, maxTokens int) *Error {
	var ge *gqlerror.Error
	if !errors.As(err, &ge) {
		return &Error{Message: err.Error(), Code: CodeParseFailed}
	}
	if maxTokens > 0 && ge.Message == "exceeded token limit of "+strconv.Itoa(maxTokens) {
		return limitError(CodeParseFailed, LimitTokens, maxTokens,
			"The document has more than "+strconv.Itoa(maxTokens)+" tokens")
	}
	// graphql-js's wording: "Syntax Error: Expected Name, found <EOF>."
	msg := "Syntax Error: " + ge.Message
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	e := &Error{Message: msg, Code: CodeParseFailed}
	for _, loc := range ge.Locations {
		e.Locations = append(e.Locations, Location{Line: loc.Line, Column: loc.Column})
	}
	return e
}

// tally is what a selection set costs, fragments expanded. Sums saturate
// at ceiling, so that fragments doubling at every level cannot overflow.
type tally struct {
	selections, aliases, conditions int
	depth                           int // fields with sub-selections, introspection left out
	introspection                   int // nesting of __Type's list fields
}

const ceiling = 1 << 40

func sat(a, b int) int { return min(a+b, ceiling) }

func (t *tally) add(u tally) {
	t.selections = sat(t.selections, u.selections)
	t.aliases = sat(t.aliases, u.aliases)
	t.conditions = sat(t.conditions, u.conditions)
	t.depth = max(t.depth, u.depth)
	t.introspection = max(t.introspection, u.introspection)
}

type visit int

const (
	visiting visit = iota + 1
	visited
)

// checker holds one document's fragments and what each costs, so that
// every fragment is walked once however often it is spread.
type checker struct {
	lim    Limits
	vars   map[string]any
	frags  map[string]*ast.FragmentDefinition
	memo   map[string]tally
	state  map[string]visit
	err    *Error
	spread map[string]bool // fragments some operation or fragment spreads
}

func (c *checker) check(doc *ast.QueryDocument) *Error {
	c.spread = map[string]bool{}
	var total tally
	for _, op := range doc.Operations {
		for _, v := range op.VariableDefinitions {
			c.checkValue(v.DefaultValue)
		}
		c.checkDirectives(op.Directives)
		total.add(c.set(op.SelectionSet))
		if c.err != nil {
			return c.err
		}
	}
	// Fragments nobody spreads are still validated; the others were
	// counted where they are spread.
	for _, f := range doc.Fragments {
		if c.fragment(f.Name); c.err != nil {
			return c.err
		}
	}
	var unused []*ast.FragmentDefinition
	for _, f := range doc.Fragments {
		if !c.spread[f.Name] {
			total.add(c.memo[f.Name])
			unused = append(unused, f)
		}
	}
	if err := c.totals(total); err != nil {
		return err
	}
	// Only now is the expanded document known to be small enough to walk
	// spread by spread.
	if c.lim.MaxRepeats <= 0 || c.lim.MaxSelections <= 0 {
		return nil
	}
	repeats, key := 0, ""
	for _, op := range doc.Operations {
		c.repeats([]ast.SelectionSet{op.SelectionSet}, &repeats, &key)
	}
	for _, f := range unused {
		c.repeats([]ast.SelectionSet{f.SelectionSet}, &repeats, &key)
	}
	if repeats > c.lim.MaxRepeats {
		return limitError(CodeValidationFailed, LimitRepeats, c.lim.MaxRepeats,
			"Response key \""+key+"\" is selected again by a field with arguments or sub-fields; a document may do that at most "+
				strconv.Itoa(c.lim.MaxRepeats)+" times")
	}
	return nil
}

func (c *checker) totals(t tally) *Error {
	l := c.lim
	switch {
	case l.MaxSelections > 0 && t.selections > l.MaxSelections:
		return limitError(CodeValidationFailed, LimitSelections, l.MaxSelections,
			"The document selects more than "+strconv.Itoa(l.MaxSelections)+" fields, fragments counted where they are spread")
	case l.MaxDepth > 0 && t.depth > l.MaxDepth:
		return limitError(CodeValidationFailed, LimitDepth, l.MaxDepth,
			"The document nests fields more than "+strconv.Itoa(l.MaxDepth)+" levels deep")
	case l.MaxAliases > 0 && t.aliases > l.MaxAliases:
		return limitError(CodeValidationFailed, LimitAliases, l.MaxAliases,
			"The document uses more than "+strconv.Itoa(l.MaxAliases)+" aliases, fragments counted where they are spread")
	case l.MaxFilterConditions > 0 && t.conditions > l.MaxFilterConditions:
		return limitError(CodeBadUserInput, LimitFilterConditions, l.MaxFilterConditions,
			"The filters of this request hold more than "+strconv.Itoa(l.MaxFilterConditions)+
				" conditions in all; every aliased or repeated field runs its filters again")
	}
	return nil
}

// fragment returns what a fragment costs, walking it the first time.
func (c *checker) fragment(name string) tally {
	switch c.state[name] {
	case visited:
		return c.memo[name]
	case visiting:
		c.fail(limitError(CodeValidationFailed, "", 0, `Cannot spread fragment "`+name+`" within itself.`))
		return tally{}
	}
	f, ok := c.frags[name]
	if !ok {
		return tally{} // unknown: the validator says so
	}
	c.state[name] = visiting
	c.checkDirectives(f.Directives)
	t := c.set(f.SelectionSet)
	c.state[name] = visited
	c.memo[name] = t
	return t
}

func (c *checker) fail(e *Error) {
	if c.err == nil {
		c.err = e
	}
}

// set walks one selection set.
func (c *checker) set(ss ast.SelectionSet) tally {
	var t tally
	for _, sel := range ss {
		if c.err != nil {
			return t
		}
		t.selections = sat(t.selections, 1)
		switch s := sel.(type) {
		case *ast.Field:
			t.add(c.field(s))
		case *ast.InlineFragment:
			c.checkDirectives(s.Directives)
			t.add(c.set(s.SelectionSet))
		case *ast.FragmentSpread:
			c.checkDirectives(s.Directives)
			c.spread[s.Name] = true
			t.add(c.fragment(s.Name))
		}
	}
	return t
}

func (c *checker) field(f *ast.Field) tally {
	var t tally
	if f.Alias != "" && f.Alias != f.Name {
		t.aliases = 1
	}
	for _, a := range f.Arguments {
		c.checkValue(a.Value)
		if a.Name == filtersArg {
			t.conditions = sat(t.conditions, c.conditions(a.Value))
		}
	}
	c.checkDirectives(f.Directives)
	sub := c.set(f.SelectionSet)
	t.selections, t.aliases, t.conditions = sat(t.selections, sub.selections),
		sat(t.aliases, sub.aliases), sat(t.conditions, sub.conditions)

	introspection := strings.HasPrefix(f.Name, "__")
	if len(f.SelectionSet) > 0 && !introspection {
		t.depth = 1 + sub.depth
	}
	t.introspection = sub.introspection
	switch f.Name {
	case "fields", "interfaces", "possibleTypes", "inputFields":
		t.introspection++
	case "__schema", "__type":
		if c.lim.MaxIntrospection > 0 && sub.introspection > c.lim.MaxIntrospection {
			c.fail(limitError(CodeValidationFailed, LimitIntrospection, c.lim.MaxIntrospection,
				"Maximum introspection depth exceeded: fields, interfaces, possibleTypes and inputFields may nest "+
					strconv.Itoa(c.lim.MaxIntrospection)+" levels"))
		}
		t.introspection = 0
	}
	return t
}

func (c *checker) checkDirectives(ds ast.DirectiveList) {
	for _, d := range ds {
		for _, a := range d.Arguments {
			c.checkValue(a.Value)
		}
	}
}

// checkValue holds a literal to MaxValueDepth.
func (c *checker) checkValue(v *ast.Value) {
	if c.lim.MaxValueDepth > 0 && valueDepth(v) > c.lim.MaxValueDepth {
		c.fail(limitError(CodeValidationFailed, LimitValueDepth, c.lim.MaxValueDepth,
			"An argument value nests lists and objects more than "+strconv.Itoa(c.lim.MaxValueDepth)+" levels deep"))
	}
}

func valueDepth(v *ast.Value) int {
	if v == nil || (v.Kind != ast.ListValue && v.Kind != ast.ObjectValue) {
		return 0
	}
	d := 0
	for _, ch := range v.Children {
		d = max(d, valueDepth(ch.Value))
	}
	return 1 + d
}

// repeats merges the selection sets that answer under one response key
// (the root set, or the sub-selections of every field sharing a key),
// fragments expanded, and counts the fields that select a key again and
// must be compared with the others: those with arguments or sub-fields.
// key is set to the first such response key.
func (c *checker) repeats(sets []ast.SelectionSet, n *int, key *string) {
	var order []string
	groups := map[string][]*ast.Field{}
	var collect func(ss ast.SelectionSet)
	collect = func(ss ast.SelectionSet) {
		for _, sel := range ss {
			switch s := sel.(type) {
			case *ast.Field:
				k := s.Alias
				if k == "" {
					k = s.Name
				}
				if _, ok := groups[k]; !ok {
					order = append(order, k)
				}
				groups[k] = append(groups[k], s)
			case *ast.InlineFragment:
				collect(s.SelectionSet)
			case *ast.FragmentSpread:
				if f, ok := c.frags[s.Name]; ok {
					collect(f.SelectionSet)
				}
			}
		}
	}
	for _, ss := range sets {
		collect(ss)
	}
	for _, k := range order {
		fields := groups[k]
		heavy := 0
		var subs []ast.SelectionSet
		for _, f := range fields {
			if len(f.Arguments) > 0 || len(f.SelectionSet) > 0 {
				heavy++
			}
			if len(f.SelectionSet) > 0 {
				subs = append(subs, f.SelectionSet)
			}
		}
		if heavy > 1 {
			if *n == 0 {
				*key = k
			}
			*n += heavy - 1
		}
		if len(subs) > 0 {
			c.repeats(subs, n, key)
		}
	}
}

// conditions counts the conditions of a filters value: every operator
// given a value or a list of values, wherever it sits in and/or/not.
// Variables are read from the request's variables.
func (c *checker) conditions(v *ast.Value) int {
	if v == nil {
		return 0
	}
	switch v.Kind {
	case ast.Variable:
		return jsonConditions(c.vars[v.Raw])
	case ast.ObjectValue:
		n := 0
		for _, ch := range v.Children {
			n = sat(n, c.conditions(ch.Value))
		}
		return n
	case ast.ListValue:
		if !listOfObjects(v) {
			return 1
		}
		n := 0
		for _, ch := range v.Children {
			n = sat(n, c.conditions(ch.Value))
		}
		return n
	}
	return 1
}

// listOfObjects reports whether a list holds filter objects (and/or)
// rather than values ($in, $between).
func listOfObjects(v *ast.Value) bool {
	for _, ch := range v.Children {
		if ch.Value != nil && (ch.Value.Kind == ast.ObjectValue || ch.Value.Kind == ast.Variable) {
			return true
		}
	}
	return false
}

// jsonConditions counts conditions as conditions does, in a decoded JSON
// variable value.
func jsonConditions(v any) int {
	switch x := v.(type) {
	case nil:
		return 0
	case map[string]any:
		n := 0
		for _, e := range x {
			n = sat(n, jsonConditions(e))
		}
		return n
	case []any:
		objects := false
		for _, e := range x {
			if _, ok := e.(map[string]any); ok {
				objects = true
			}
		}
		if !objects {
			return 1
		}
		n := 0
		for _, e := range x {
			n = sat(n, jsonConditions(e))
		}
		return n
	}
	return 1
}
