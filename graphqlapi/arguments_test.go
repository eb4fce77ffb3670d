package graphqlapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/graphql-go/graphql"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/contentapi"
)

// argsType has an attribute of every kind a filter compares differently.
func argsType() content.ContentType {
	return content.ContentType{Kind: content.CollectionType, SingularName: "article", PluralName: "articles",
		Attributes: []content.Attribute{
			{Name: "title", Type: content.TypeString, Required: true},
			{Name: "views", Type: content.TypeInteger},
			{Name: "score", Type: content.TypeFloat},
			{Name: "featured", Type: content.TypeBoolean},
			{Name: "day", Type: content.TypeDate},
			{Name: "big", Type: content.TypeBigInteger},
			{Name: "rating", Type: content.TypeEnumeration, Enum: []string{"low", "mid", "high"}},
			{Name: "meta", Type: content.TypeJSON},
		}}
}

// obj builds an argument object from key, value pairs.
func obj(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func list(v ...any) []any { return v }

func leaf(field string, op content.Operator, v any) content.Filter {
	return content.Filter{Field: field, Op: op, Value: v}
}

// never is how a filter that matches nothing is written.
var never = leaf(content.FieldID, content.OpNull, true)

func filterOf(t *testing.T, filters map[string]any) *content.Filter {
	t.Helper()
	q, err := gqlQuery(argsType(), map[string]any{"filters": filters})
	if err != nil {
		t.Fatalf("%v: %v", filters, err)
	}
	return q.Filter
}

func TestFilterOperatorsTypeTheirValues(t *testing.T) {
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		field string
		ops   map[string]any
		want  content.Filter
	}{
		{"eq on a string", "title", obj("eq", "A"), leaf("title", content.OpEq, "A")},
		{"eq on an integer is int64", "views", obj("eq", 5), leaf("views", content.OpEq, int64(5))},
		{"gt on a float", "score", obj("gt", 1.5), leaf("score", content.OpGt, 1.5)},
		{"eq on a boolean", "featured", obj("eq", false), leaf("featured", content.OpEq, false)},
		{"lte on a date", "day", obj("lte", "2026-03-01"), leaf("day", content.OpLte, day)},
		{"datetime from a date", "createdAt", obj("gte", "2026-03-01"), leaf("createdAt", content.OpGte, day)},
		{"biginteger from its string", "big", obj("ne", "12"), leaf("big", content.OpNe, int64(12))},
		{"enum compared as its value", "rating", obj("eq", "mid"), leaf("rating", content.OpEq, "mid")},
		{"text operator", "title", obj("containsi", "a%"), leaf("title", content.OpContainsi, "a%")},
		{"notContains", "title", obj("notContains", "x"), leaf("title", content.OpNotContains, "x")},
		{"startsWith", "documentId", obj("startsWith", "ab"), leaf("documentId", content.OpStartsWith, "ab")},
		{"in", "views", obj("in", list(1, 2)), leaf("views", content.OpIn, []any{int64(1), int64(2)})},
		{"notIn", "rating", obj("notIn", list("low")), leaf("rating", content.OpNotIn, []any{"low"})},
		{"between", "score", obj("between", list(1.0, 2.5)), leaf("score", content.OpBetween, []any{1.0, 2.5})},
		{"null", "day", obj("null", true), leaf("day", content.OpNull, true)},
		{"notNull false", "day", obj("notNull", false), leaf("day", content.OpNotNull, false)},
		{"field-level or of values", "title", obj("or", list("a", "b")),
			content.Filter{Or: []content.Filter{leaf("title", content.OpEq, "a"), leaf("title", content.OpEq, "b")}}},
		{"field-level and of values", "views", obj("and", list(1)),
			content.Filter{And: []content.Filter{leaf("views", content.OpEq, int64(1))}}},
		{"field-level not", "title", obj("not", obj("eq", "a")), content.Filter{Not: &content.Filter{Field: "title", Op: content.OpEq, Value: "a"}}},
		{"several operators all hold", "views", obj("gte", 1, "lt", 9),
			content.Filter{And: []content.Filter{leaf("views", content.OpGte, int64(1)), leaf("views", content.OpLt, int64(9))}}},
	}
	for _, tt := range tests {
		got := filterOf(t, obj(tt.field, tt.ops))
		if got == nil || !reflect.DeepEqual(*got, tt.want) {
			t.Errorf("%s: got %#v, want %#v", tt.name, got, tt.want)
		}
	}
}

func TestFilterNesting(t *testing.T) {
	a, b, c := leaf("title", content.OpEq, "a"), leaf("views", content.OpEq, int64(2)), leaf("featured", content.OpEq, true)
	tests := []struct {
		name    string
		filters map[string]any
		want    *content.Filter
	}{
		{"no condition", obj(), nil},
		{"fields at one level all hold", obj("title", obj("eq", "a"), "views", obj("eq", 2)), &content.Filter{And: []content.Filter{a, b}}},
		{"and", obj("and", list(obj("title", obj("eq", "a")), obj("views", obj("eq", 2)))), &content.Filter{And: []content.Filter{a, b}}},
		{"or", obj("or", list(obj("title", obj("eq", "a")), obj("views", obj("eq", 2)))), &content.Filter{Or: []content.Filter{a, b}}},
		{"not", obj("not", obj("title", obj("eq", "a"))), &content.Filter{Not: &a}},
		{"and of or and not", obj("and", list(obj("or", list(obj("title", obj("eq", "a")), obj("views", obj("eq", 2)))), obj("not", obj("featured", obj("eq", true))))),
			&content.Filter{And: []content.Filter{{Or: []content.Filter{a, b}}, {Not: &c}}}},
		{"logical operators before fields", obj("featured", obj("eq", true), "or", list(obj("title", obj("eq", "a")))),
			&content.Filter{And: []content.Filter{{Or: []content.Filter{a}}, c}}},
		{"or with an empty branch holds always", obj("or", list(obj(), obj("title", obj("eq", "a")))), nil},
		{"and leaves an empty branch out", obj("and", list(obj(), obj("title", obj("eq", "a")))), &content.Filter{And: []content.Filter{a}}},
		{"not of nothing matches nothing", obj("not", obj()), &never},
		{"not of an empty field", obj("not", obj("title", obj())), &never},
		{"field not of nothing matches nothing", obj("title", obj("not", obj())), &never},
		{"not of not of nothing holds", obj("title", obj("not", obj("not", obj()))), nil},
	}
	for _, tt := range tests {
		if got := filterOf(t, tt.filters); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %#v, want %#v", tt.name, got, tt.want)
		}
	}
}

// wantArgError checks a refusal: a ValidationError with the message and,
// for a limit, the limit's name in its details.
func wantArgError(t *testing.T, name string, err error, msg, limit string) {
	t.Helper()
	var ve *content.ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("%s: error %v (%T), want a ValidationError", name, err, err)
		return
	}
	if ve.Message != msg {
		t.Errorf("%s: message %q, want %q", name, ve.Message, msg)
	}
	if got, _ := ve.Details["limit"].(string); got != limit {
		t.Errorf("%s: details.limit %q, want %q (%v)", name, got, limit, ve.Details)
	}
}

func TestFilterRefusals(t *testing.T) {
	many := func(n int, v func(i int) any) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = v(i)
		}
		return out
	}
	// filters[$not]…[$not][title][$eq]: as deep as the limit allows.
	deep := obj("title", obj("eq", "x"))
	for range content.MaxQueryDepth - 2 {
		deep = obj("not", deep)
	}
	tests := []struct {
		name       string
		filters    map[string]any
		msg, limit string
	}{
		{"text operator on an integer", obj("views", obj("containsi", 1)), "Invalid key $containsi at views", ""},
		{"bad date", obj("day", obj("eq", "yesterday")), "day must be a valid date (YYYY-MM-DD)", ""},
		{"bad biginteger", obj("big", obj("eq", "x")), "big must be a number", ""},
		{"null value", obj("title", obj("eq", nil)), "$eq at title must be a single value", ""},
		{"empty in", obj("title", obj("in", list())), "$in at title must be a list of values", ""},
		{"null in a list", obj("title", obj("in", list("a", nil))), "$in at title must be a list of values", ""},
		{"between needs two", obj("score", obj("between", list(1.0))), "$between at score must be a list of two values", ""},
		{"empty field-level or", obj("title", obj("or", list())), "$or at title must be a list of values", ""},
		{"empty or", obj("or", list()), "$or must be an array of objects", ""},
		{"null and item", obj("and", list(nil)), "$and items must be objects", ""},
		{"json is not filterable", obj("meta", obj("eq", "x")), "Invalid key meta", ""},
		{"a branch that cannot change the result is still checked", obj("or", list(obj(), obj("day", obj("eq", "no")))),
			"day must be a valid date (YYYY-MM-DD)", ""},
		{"too many conditions", obj("or", many(content.MaxFilterConditions+1, func(i int) any { return obj("views", obj("eq", i)) })),
			fmt.Sprintf("filters hold more than %d conditions", content.MaxFilterConditions), content.LimitFilterConditions},
		{"too many values in one list", obj("views", obj("in", many(content.MaxInValues+1, func(i int) any { return i }))),
			fmt.Sprintf("$in at views holds more than %d values", content.MaxInValues), content.LimitInValues},
		{"too many values in all", obj("or", many(11, func(int) any { return obj("views", obj("in", many(100, func(i int) any { return i }))) })),
			fmt.Sprintf("filters hold more than %d values", content.MaxFilterValues), content.LimitFilterValues},
		{"too deep", obj("not", deep), fmt.Sprintf("filters is nested more than %d levels", content.MaxQueryDepth), content.LimitQueryDepth},
		{"too long", obj("and", list(obj("title", obj("in", list("a", strings.Repeat("é", content.MaxTextLength+1)))))),
			fmt.Sprintf("The value of filters.and[0].title.in[1] is longer than %d characters", content.MaxTextLength), content.LimitTextLength},
		{"not text", obj("title", obj("eq", "a\x00")), "The value of filters.title.eq holds a NUL character", ""},
	}
	for _, tt := range tests {
		_, err := gqlQuery(argsType(), map[string]any{"filters": tt.filters})
		wantArgError(t, tt.name, err, tt.msg, tt.limit)
	}
	// Within the depth limit, the same nesting is read.
	if _, err := gqlQuery(argsType(), map[string]any{"filters": deep}); err != nil {
		t.Errorf("%d levels: %v", content.MaxQueryDepth, err)
	}
}

func TestPaginationArgument(t *testing.T) {
	tests := []struct {
		name string
		p    map[string]any
		want content.Query
	}{
		{"default: 10 from the start", nil, content.Query{Page: 1, PageSize: 10, Limit: 10}},
		{"page and pageSize", obj("page", 3, "pageSize", 20), content.Query{Page: 3, PageSize: 20, Start: 40, Limit: 20}},
		{"no maximum page size", obj("pageSize", 500), content.Query{Page: 1, PageSize: 500, Limit: 500}},
		{"page 0 is the first", obj("page", 0), content.Query{Page: 1, PageSize: 10, Limit: 10}},
		{"start and limit", obj("start", 5, "limit", 2), content.Query{Offset: true, Start: 5, Limit: 2}},
		{"start alone", obj("start", 5), content.Query{Offset: true, Start: 5, Limit: 10}},
		{"limit -1 is no limit", obj("limit", -1), content.Query{Offset: true, Limit: 1<<31 - 1}},
		{"null keys are left out", obj("page", nil, "limit", 3), content.Query{Offset: true, Limit: 3}},
	}
	for _, tt := range tests {
		args := map[string]any{}
		if tt.p != nil {
			args["pagination"] = tt.p
		}
		q, err := gqlQuery(argsType(), args)
		if err != nil || !reflect.DeepEqual(q, tt.want) {
			t.Errorf("%s: %+v %v, want %+v", tt.name, q, err, tt.want)
		}
	}
	_, err := gqlQuery(argsType(), map[string]any{"pagination": obj("page", content.MaxPage+1)})
	wantArgError(t, "page over the maximum", err, fmt.Sprintf("pagination.page must be at most %d", content.MaxPage), content.LimitPage)
	_, err = gqlQuery(argsType(), map[string]any{"pagination": obj("start", content.MaxStart+1)})
	wantArgError(t, "start over the maximum", err, fmt.Sprintf("pagination.start must be at most %d", content.MaxStart), content.LimitStart)

	// Page and offset together are Strapi's PaginationError, which its
	// plugin codes STRAPI_PAGINATION_ERROR.
	for _, p := range []map[string]any{obj("page", 1, "limit", 2), obj("pageSize", 1, "start", 0)} {
		_, err := gqlQuery(argsType(), map[string]any{"pagination": p})
		var pe *content.PaginationError
		if !errors.As(err, &pe) || pe.Message != "Cannot use both page & offset pagination in the same query" {
			t.Errorf("%v: %v, want a PaginationError", p, err)
			continue
		}
		r := &gqlCall{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		var ge *gqlError
		if !errors.As(r.fail(context.Background(), contentapi.InvalidInput(err)), &ge) || ge.ext["code"] != "STRAPI_PAGINATION_ERROR" {
			t.Errorf("%v: answered %v, want STRAPI_PAGINATION_ERROR", p, ge)
		}
	}
}

func TestSortArgument(t *testing.T) {
	q, err := gqlQuery(argsType(), map[string]any{"sort": list("title:asc", nil, "views:DESC, score", "title:desc")})
	want := []content.SortField{{Field: "title"}, {Field: "views", Desc: true}, {Field: "score"}}
	if err != nil || !reflect.DeepEqual(q.Sort, want) {
		t.Errorf("sort: %+v %v, want %+v", q.Sort, err, want)
	}
	tests := []struct {
		name       string
		sort       []any
		msg, limit string
	}{
		{"unknown field", list("nope:asc"), "Invalid key nope", ""},
		{"json field", list("meta"), "Invalid key meta", ""},
		{"bad order", list("title:sideways"), "Invalid order. order can only be one of asc|desc|ASC|DESC", ""},
		{"empty field", list(":asc"), "Field cannot be empty", ""},
		{"too many fields", list(strings.Repeat("title,", content.MaxSortFields) + "views"),
			fmt.Sprintf("sort names more than %d fields", content.MaxSortFields), content.LimitSortFields},
		{"too long", list("title", strings.Repeat("x", content.MaxTextLength+1)),
			fmt.Sprintf("The value of sort[1] is longer than %d characters", content.MaxTextLength), content.LimitTextLength},
	}
	for _, tt := range tests {
		_, err := gqlQuery(argsType(), map[string]any{"sort": tt.sort})
		wantArgError(t, tt.name, err, tt.msg, tt.limit)
	}
}

func TestEntryInputFromTypedValues(t *testing.T) {
	data := obj("title", "T", "views", 7, "score", 1e21, "featured", true, "day", "2026-03-01",
		"rating", "high", "meta", obj("a", 1.5, "b", list(2.0, 1e-7, "x")), "big", nil)
	got, err := gqlEntryInput(argsType(), map[string]any{"data": data}, false)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"title": "T", "views": int64(7), "score": 1e21, "featured": true,
		"day": time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), "rating": "high",
		"meta": map[string]any{"a": json.Number("1.5"), "b": []any{json.Number("2"), json.Number("1e-7"), "x"}}, "big": nil}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}

	// The same checks and messages as a REST body.
	_, err = gqlEntryInput(argsType(), map[string]any{"data": obj("views", 1.5, "rating", "extreme")}, false)
	var ce *contentapi.Error
	if !errors.As(err, &ce) || ce.Message != "3 errors occurred" {
		t.Errorf("invalid data: %v", err)
	}
	_, err = gqlEntryInput(argsType(), map[string]any{"data": obj("meta", obj("k\x00", 1))}, true)
	if !errors.As(err, &ce) || ce.Message != `The request body holds a NUL character (\u0000), which text may not contain` {
		t.Errorf("NUL in a json key: %v", err)
	}
	// data that is not an object (a type without attributes takes a
	// String) is refused as a REST body's would be.
	_, err = gqlEntryInput(argsType(), map[string]any{"data": "x"}, false)
	if !errors.As(err, &ce) || ce.Message != `Missing "data" payload in the request body` {
		t.Errorf("data as a string: %v", err)
	}
	// A partial update returns only what was sent.
	got, err = gqlEntryInput(argsType(), map[string]any{"data": obj("views", 3)}, true)
	if err != nil || !reflect.DeepEqual(got, map[string]any{"views": int64(3)}) {
		t.Errorf("partial: %v %v", got, err)
	}
}

// untouchedStore fails the test on any call: a refused argument must be
// answered before the store runs a statement.
type untouchedStore struct {
	contentapi.EntryStore
	t *testing.T
}

func (s untouchedStore) FindEntries(context.Context, content.ContentType, content.Query) ([]content.Entry, int, error) {
	s.t.Error("the store was asked to find entries")
	return nil, 0, nil
}

func (s untouchedStore) CreateEntry(context.Context, content.ContentType, map[string]any) (content.Entry, error) {
	s.t.Error("the store was asked to create an entry")
	return content.Entry{}, nil
}

func TestRefusedArgumentsNeverReachTheStore(t *testing.T) {
	ct := argsType()
	r := &gqlCall{token: apitoken.Token{Type: apitoken.FullAccess}, api: contentapi.API{Entries: untouchedStore{t: t}},
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx := context.WithValue(context.Background(), gqlCallKey{}, r)
	inValues := make([]any, 100)
	for i := range inValues {
		inValues[i] = i
	}
	wide := make([]any, 11) // 11 conditions holding 1,100 values
	for i := range wide {
		wide[i] = obj("views", obj("in", inValues))
	}
	deep := obj("title", obj("eq", "x"))
	for range 40 {
		deep = obj("not", deep)
	}
	for name, args := range map[string]map[string]any{
		"values":      {"filters": obj("or", wide)},
		"depth":       {"filters": deep},
		"long string": {"filters": obj("title", obj("eq", strings.Repeat("x", 100_000)))},
		"page":        {"pagination": obj("page", 1, "limit", 1)},
		"sort":        {"sort": list("title:sideways")},
	} {
		_, err := gqlFind(ct, false)(graphql.ResolveParams{Context: ctx, Args: args})
		var ge *gqlError
		if !errors.As(err, &ge) || (ge.ext["code"] != gqlCodeBadUserInput && ge.ext["code"] != "STRAPI_PAGINATION_ERROR") {
			t.Errorf("%s: %v, want a refusal", name, err)
		}
	}
	_, err := gqlCreate(ct)(graphql.ResolveParams{Context: ctx, Args: map[string]any{"data": obj("title", "a\x00")}})
	var ge *gqlError
	if !errors.As(err, &ge) || ge.ext["code"] != gqlCodeBadUserInput {
		t.Errorf("create with a NUL: %v, want BAD_USER_INPUT", err)
	}
}
