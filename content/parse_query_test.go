package content

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

func intp(i int) *int                          { return &i }
func floatp(f float64) *float64                { return &f }
func day(y, m, d int) time.Time                { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
func leaf(f string, op Operator, v any) Filter { return Filter{Field: f, Op: op, Value: v} }

// richType has one attribute of every type, with constraints.
func richType() ContentType {
	return ContentType{
		Kind:           CollectionType,
		SingularName:   "item",
		PluralName:     "items",
		DisplayName:    "Item",
		CollectionName: "items",
		Attributes: []Attribute{
			{Name: "name", Type: TypeString, Required: true, MinLength: intp(2), MaxLength: intp(10)},
			{Name: "summary", Type: TypeText},
			{Name: "body", Type: TypeRichText},
			{Name: "views", Type: TypeInteger, Min: floatp(0), Max: floatp(1000)},
			{Name: "rating", Type: TypeEnumeration, Enum: []string{"low", "mid", "high"}, Default: "mid"},
			{Name: "contact", Type: TypeEmail},
			{Name: "big", Type: TypeBigInteger, Min: floatp(-5)},
			{Name: "price", Type: TypeDecimal, Min: floatp(0.5), Max: floatp(99.5)},
			{Name: "ratio", Type: TypeFloat},
			{Name: "active", Type: TypeBoolean, Default: true},
			{Name: "day", Type: TypeDate},
			{Name: "startsAt", Type: TypeDateTime},
			{Name: "meta", Type: TypeJSON, Default: map[string]any{"tags": []any{"a"}}},
			{Name: "code", Type: TypeUID, MaxLength: intp(8)},
			{Name: "secret", Type: TypeString, Private: true},
			{Name: "count", Type: TypeInteger, Default: float64(3)},
		},
	}
}

func articleType(t testing.TB) ContentType {
	t.Helper()
	ct, ok := Default().BySingular("article")
	if !ok {
		t.Fatal("default registry has no article type")
	}
	return ct
}

func parseRaw(t *testing.T, ct ContentType, raw string) (Query, error) {
	t.Helper()
	v, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatalf("url.ParseQuery(%q): %v", raw, err)
	}
	return ParseQuery(ct, v)
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

func TestParseQueryPagination(t *testing.T) {
	ct := articleType(t)
	tests := []struct {
		raw  string
		want Query
	}{
		{"", Query{Page: 1, PageSize: 25, Start: 0, Limit: 25}},
		{"pagination[page]=3", Query{Page: 3, PageSize: 25, Start: 50, Limit: 25}},
		{"pagination[page]=2&pagination[pageSize]=10", Query{Page: 2, PageSize: 10, Start: 10, Limit: 10}},
		{"pagination[page]=0", Query{Page: 1, PageSize: 25, Limit: 25}},
		{"pagination[page]=-4", Query{Page: 1, PageSize: 25, Limit: 25}},
		{"pagination[page]=1000000", Query{Page: MaxPage, PageSize: 25, Start: (MaxPage - 1) * 25, Limit: 25}},
		{"pagination[start]=100000000", Query{Offset: true, Start: MaxStart, Limit: 25}},
		{"pagination[pageSize]=0", Query{Page: 1, PageSize: 1, Limit: 1}},
		{"pagination[pageSize]=-3", Query{Page: 1, PageSize: 1, Limit: 1}},
		{"pagination[pageSize]=100", Query{Page: 1, PageSize: 100, Limit: 100}},
		{"pagination[pageSize]=101", Query{Page: 1, PageSize: 100, Limit: 100}},
		{"pagination[start]=5", Query{Offset: true, Start: 5, Limit: 25}},
		{"pagination[limit]=7", Query{Offset: true, Start: 0, Limit: 7}},
		{"pagination[start]=-1&pagination[limit]=0", Query{Offset: true, Start: 0, Limit: 1}},
		{"pagination[start]=10&pagination[limit]=500", Query{Offset: true, Start: 10, Limit: 100}},
		{"pagination[limit]=-1", Query{Offset: true, Limit: 100}},
		{"pagination[withCount]=false&pagination[page]=2", Query{Page: 2, PageSize: 25, Start: 25, Limit: 25}},
		{"pagination=", Query{Page: 1, PageSize: 25, Limit: 25}},
		{"populate=*&locale=en&status=published&publicationState=live", Query{Page: 1, PageSize: 25, Limit: 25}},
	}
	for _, tt := range tests {
		got, err := parseRaw(t, ct, tt.raw)
		if err != nil {
			t.Errorf("ParseQuery(%q): got error %v, want none", tt.raw, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseQuery(%q): got %+v, want %+v", tt.raw, got, tt.want)
		}
	}
}

func TestParseQuerySort(t *testing.T) {
	ct := articleType(t)
	tests := []struct {
		raw  string
		want []SortField
	}{
		{"sort=title", []SortField{{Field: "title"}}},
		{"sort=title:asc", []SortField{{Field: "title"}}},
		{"sort=title:desc", []SortField{{Field: "title", Desc: true}}},
		{"sort=title:DESC", []SortField{{Field: "title", Desc: true}}},
		{"sort=title:asc,createdAt:desc", []SortField{{Field: "title"}, {Field: "createdAt", Desc: true}}},
		{"sort=title:asc,%20createdAt:desc", []SortField{{Field: "title"}, {Field: "createdAt", Desc: true}}},
		{"sort[0]=title:asc&sort[1]=slug", []SortField{{Field: "title"}, {Field: "slug"}}},
		// Ordered by the index, not by the text of the key.
		{"sort[10]=id&sort[2]=slug:desc&sort[0]=title", []SortField{{Field: "title"}, {Field: "slug", Desc: true}, {Field: "id"}}},
		{"sort[]=title&sort[]=publishedDate:desc", []SortField{{Field: "title"}, {Field: "publishedDate", Desc: true}}},
		{"sort[title]=desc", []SortField{{Field: "title", Desc: true}}},
		{"sort=documentId,updatedAt:desc,publishedAt,featured", []SortField{
			{Field: "documentId"}, {Field: "updatedAt", Desc: true}, {Field: "publishedAt"}, {Field: "featured"},
		}},
		{"sort=", nil},
		{"sort=title,", []SortField{{Field: "title"}}},
		{"sort=title:desc,slug,title:asc,title", []SortField{{Field: "title", Desc: true}, {Field: "slug"}}},
	}
	for _, tt := range tests {
		got, err := parseRaw(t, ct, tt.raw)
		if err != nil {
			t.Errorf("ParseQuery(%q): got error %v, want none", tt.raw, err)
			continue
		}
		if !reflect.DeepEqual(got.Sort, tt.want) {
			t.Errorf("ParseQuery(%q).Sort: got %+v, want %+v", tt.raw, got.Sort, tt.want)
		}
	}
}

func TestParseQueryFields(t *testing.T) {
	ct := articleType(t)
	tests := []struct {
		raw  string
		want []string
	}{
		{"", nil},
		{"fields[0]=title&fields[1]=slug", []string{"title", "slug"}},
		{"fields[1]=slug&fields[0]=title", []string{"title", "slug"}},
		{"fields=title,slug", []string{"title", "slug"}},
		{"fields=title,%20slug", []string{"title", "slug"}},
		{"fields=title", []string{"title"}},
		{"fields[]=title&fields[]=body", []string{"title", "body"}},
		{"fields=title,title,id", []string{"title", "id"}},
		{"fields=*", nil},
		{"fields=", nil},
	}
	for _, tt := range tests {
		got, err := parseRaw(t, ct, tt.raw)
		if err != nil {
			t.Errorf("ParseQuery(%q): got error %v, want none", tt.raw, err)
			continue
		}
		if !reflect.DeepEqual(got.Fields, tt.want) {
			t.Errorf("ParseQuery(%q).Fields: got %#v, want %#v", tt.raw, got.Fields, tt.want)
		}
	}
}

func TestParseQueryFilters(t *testing.T) {
	ct := richType()
	created := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
	tests := []struct {
		raw  string
		want Filter
	}{
		// Every operator, with the value converted to the field's type.
		{"filters[name][$eq]=x", leaf("name", OpEq, "x")},
		{"filters[name][$eqi]=X", leaf("name", OpEqi, "X")},
		{"filters[name][$ne]=x", leaf("name", OpNe, "x")},
		{"filters[summary][$nei]=x", leaf("summary", OpNei, "x")},
		{"filters[views][$lt]=10", leaf("views", OpLt, int64(10))},
		{"filters[views][$lte]=-10", leaf("views", OpLte, int64(-10))},
		{"filters[price][$gt]=1.5", leaf("price", OpGt, 1.5)},
		{"filters[ratio][$gte]=2", leaf("ratio", OpGte, 2.0)},
		{"filters[views][$in][0]=1&filters[views][$in][1]=2", leaf("views", OpIn, []any{int64(1), int64(2)})},
		{"filters[views][$in]=7", leaf("views", OpIn, []any{int64(7)})},
		{"filters[views][$in][]=3&filters[views][$in][]=4", leaf("views", OpIn, []any{int64(3), int64(4)})},
		{"filters[rating][$notIn][0]=low&filters[rating][$notIn][1]=mid", leaf("rating", OpNotIn, []any{"low", "mid"})},
		{"filters[body][$contains]=go", leaf("body", OpContains, "go")},
		{"filters[body][$notContains]=go", leaf("body", OpNotContains, "go")},
		{"filters[body][$containsi]=Go", leaf("body", OpContainsi, "Go")},
		{"filters[body][$notContainsi]=Go", leaf("body", OpNotContainsi, "Go")},
		{"filters[code][$startsWith]=ab", leaf("code", OpStartsWith, "ab")},
		{"filters[code][$startsWithi]=AB", leaf("code", OpStartsWithi, "AB")},
		{"filters[contact][$endsWith]=.org", leaf("contact", OpEndsWith, ".org")},
		{"filters[contact][$endsWithi]=.ORG", leaf("contact", OpEndsWithi, ".ORG")},
		{"filters[summary][$null]=true", leaf("summary", OpNull, true)},
		{"filters[summary][$null]", leaf("summary", OpNull, true)},
		{"filters[summary][$null]=1", leaf("summary", OpNull, true)},
		{"filters[summary][$null]=false", leaf("summary", OpNull, false)},
		{"filters[summary][$notNull]=true", leaf("summary", OpNotNull, true)},
		{"filters[summary][$notNull]=0", leaf("summary", OpNotNull, false)},
		{"filters[views][$between][0]=1&filters[views][$between][1]=9", leaf("views", OpBetween, []any{int64(1), int64(9)})},
		{"filters[day][$between][0]=2024-01-01&filters[day][$between][1]=2024-12-31",
			leaf("day", OpBetween, []any{day(2024, 1, 1), day(2024, 12, 31)})},

		// Value types.
		{"filters[big][$eq]=9223372036854775807", leaf("big", OpEq, int64(math.MaxInt64))},
		{"filters[active][$eq]=true", leaf("active", OpEq, true)},
		{"filters[active][$eq]=0", leaf("active", OpEq, false)},
		{"filters[active][$eq]=f", leaf("active", OpEq, false)},
		{"filters[active][$eq]=1", leaf("active", OpEq, true)},
		{"filters[day][$gte]=2024-02-29", leaf("day", OpGte, day(2024, 2, 29))},
		{"filters[startsAt][$lt]=2024-03-04T07:06:07%2B02:00", leaf("startsAt", OpLt, created)},
		{"filters[startsAt][$lt]=2024-03-04", leaf("startsAt", OpLt, day(2024, 3, 4))},
		{"filters[createdAt][$gt]=2024-03-04T05:06:07Z", leaf("createdAt", OpGt, created)},
		{"filters[updatedAt][$gt]=2024-03-04T05:06:07.5Z", leaf("updatedAt", OpGt, created.Add(500*time.Millisecond))},
		{"filters[publishedAt][$null]=true", leaf("publishedAt", OpNull, true)},
		{"filters[id][$eq]=12", leaf("id", OpEq, int64(12))},
		{"filters[documentId][$eq]=abc123", leaf("documentId", OpEq, "abc123")},
		{"filters[rating][$eq]=nope", leaf("rating", OpEq, "nope")},

		// Shorthands.
		{"filters[name]=x", leaf("name", OpEq, "x")},
		{"filters[views]=5", leaf("views", OpEq, int64(5))},
		{"filters[views][0]=1&filters[views][1]=2", leaf("views", OpIn, []any{int64(1), int64(2)})},
		{"filters[views]=1&filters[views]=2", leaf("views", OpIn, []any{int64(1), int64(2)})},

		// Several fields, or several operators on one field, are AND.
		{"filters[name]=x&filters[views][$gt]=1", Filter{And: []Filter{leaf("name", OpEq, "x"), leaf("views", OpGt, int64(1))}}},
		{"filters[views][$gt]=1&filters[views][$lt]=9", Filter{And: []Filter{leaf("views", OpGt, int64(1)), leaf("views", OpLt, int64(9))}}},

		// Logical operators.
		{"filters[$or][0][name][$eq]=a&filters[$or][1][name][$eq]=b",
			Filter{Or: []Filter{leaf("name", OpEq, "a"), leaf("name", OpEq, "b")}}},
		{"filters[$or][1][name]=b&filters[$or][0][name]=a&filters[$or][10][name]=c",
			Filter{Or: []Filter{leaf("name", OpEq, "a"), leaf("name", OpEq, "b"), leaf("name", OpEq, "c")}}},
		{"filters[$and][0][views][$gt]=1&filters[$and][1][views][$lt]=5",
			Filter{And: []Filter{leaf("views", OpGt, int64(1)), leaf("views", OpLt, int64(5))}}},
		{"filters[$and][0][views][$gt]=1&filters[$and][1][views][$lt]=5&filters[name]=x",
			Filter{And: []Filter{
				{And: []Filter{leaf("views", OpGt, int64(1)), leaf("views", OpLt, int64(5))}},
				leaf("name", OpEq, "x"),
			}}},
		{"filters[$not][name][$eq]=x", Filter{Not: &Filter{Field: "name", Op: OpEq, Value: "x"}}},
		{"filters[name][$not][$eq]=x", Filter{Not: &Filter{Field: "name", Op: OpEq, Value: "x"}}},
		{"filters[$or][0][name]=a&filters[$or][1][$and][0][views][$gt]=1&filters[$or][1][$and][1][$not][active]=true",
			Filter{Or: []Filter{
				leaf("name", OpEq, "a"),
				{And: []Filter{
					leaf("views", OpGt, int64(1)),
					{Not: &Filter{Field: "active", Op: OpEq, Value: true}},
				}},
			}}},
		{"filters[$or][0][name]=a&filters[$or][0][views]=2&filters[$or][1][name]=b",
			Filter{Or: []Filter{
				{And: []Filter{leaf("name", OpEq, "a"), leaf("views", OpEq, int64(2))}},
				leaf("name", OpEq, "b"),
			}}},
		{"filters[name][$or][0][$eq]=a&filters[name][$or][1][$startsWith]=b",
			Filter{Or: []Filter{leaf("name", OpEq, "a"), leaf("name", OpStartsWith, "b")}}},
		// Percent-encoded brackets are the same keys.
		{"filters%5Bname%5D%5B%24eq%5D=x", leaf("name", OpEq, "x")},
	}
	for _, tt := range tests {
		got, err := parseRaw(t, ct, tt.raw)
		if err != nil {
			t.Errorf("ParseQuery(%q): got error %v, want none", tt.raw, err)
			continue
		}
		if got.Filter == nil {
			t.Errorf("ParseQuery(%q).Filter: got nil, want %s", tt.raw, show(tt.want))
			continue
		}
		if !reflect.DeepEqual(*got.Filter, tt.want) {
			t.Errorf("ParseQuery(%q).Filter:\n got %s\nwant %s", tt.raw, show(*got.Filter), show(tt.want))
		}
	}
}

func TestParseQueryNoFilter(t *testing.T) {
	for _, raw := range []string{"", "filters=", "sort=title"} {
		got, err := parseRaw(t, articleType(t), raw)
		if err != nil || got.Filter != nil {
			t.Errorf("ParseQuery(%q): got filter %v, error %v; want nil, nil", raw, got.Filter, err)
		}
	}
}

func TestParseQueryErrors(t *testing.T) {
	ct := richType()
	type d = map[string]any
	q := func(key string, path any, param string) d {
		m := d{"key": key, "path": path, "source": "query"}
		if param != "" {
			m["param"] = param
		}
		return m
	}
	tests := []struct {
		raw     string
		message string
		details map[string]any // nil: not checked
	}{
		// Unknown keys.
		{"sort=nope", "Invalid key nope", q("nope", nil, "sort")},
		{"sort=name:asc,nope:desc", "Invalid key nope", q("nope", nil, "sort")},
		{"sort[0]=nope", "Invalid key nope", q("nope", nil, "sort")},
		{"sort[nope]=asc", "Invalid key nope", q("nope", nil, "sort")},
		{"sort=secret", "Invalid key secret", q("secret", nil, "sort")},
		{"sort=meta", "Invalid key meta", q("meta", nil, "sort")},
		{"sort=name:up", "Invalid order. order can only be one of asc|desc|ASC|DESC", map[string]any{}},
		{"sort[name]=sideways", "Invalid order. order can only be one of asc|desc|ASC|DESC", map[string]any{}},
		{"sort=:asc", "Field cannot be empty", nil},
		{"sort=name,name:up", "Invalid order. order can only be one of asc|desc|ASC|DESC", nil},
		{"fields[0]=nope", "Invalid key nope", q("nope", nil, "fields")},
		{"fields=name,nope", "Invalid key nope", q("nope", nil, "fields")},
		{"fields=secret", "Invalid key secret", q("secret", nil, "fields")},
		{"fields[name]=1", "Invalid key name", q("name", nil, "fields")},
		{"filters[nope][$eq]=1", "Invalid key nope", q("nope", nil, "filters")},
		{"filters[nope]=1", "Invalid key nope", q("nope", nil, "filters")},
		{"filters[$or][0][nope]=1", "Invalid key nope", q("nope", nil, "filters")},
		{"filters[secret]=x", "Invalid key secret", q("secret", nil, "filters")},
		{"filters[meta][$eq]=x", "Invalid key meta", q("meta", nil, "filters")},
		{"filters[$zz][name]=x", "Invalid key $zz", q("$zz", nil, "filters")},
		{"filters[name][$zz]=x", "Invalid key $zz at name", q("$zz", "name", "filters")},
		{"filters[name][foo]=x", "Invalid key foo at name", q("foo", "name", "filters")},
		{"filters[views][$contains]=1", "Invalid key $contains at views", q("$contains", "views", "filters")},
		{"filters[day][$startsWith]=2024", "Invalid key $startsWith at day", q("$startsWith", "day", "filters")},
		{"nope=1", "Invalid key nope", q("nope", nil, "")},
		{"_q=search", "Invalid key _q", q("_q", nil, "")},
		{"nope[a]=1", "Invalid key nope", q("nope", nil, "")},

		// Values that do not convert.
		{"filters[views][$eq]=abc", "views must be a number", q("views", "views", "filters")},
		{"filters[views][$eq]=1.5", "views must be an integer", nil},
		{"filters[views][$eq]=99999999999999999999", "views must be an integer", nil},
		{"filters[id]=x", "id must be a number", nil},
		{"filters[views][$in][0]=1&filters[views][$in][1]=x", "views must be a number", nil},
		{"filters[price][$eq]=cheap", "price must be a number", nil},
		{"filters[price][$eq]=NaN", "price must be a number", nil},
		{"filters[ratio][$eq]=Inf", "ratio must be a number", nil},
		{"filters[active]=yes", "active must be a boolean", nil},
		{"filters[day]=2024-02-30", "day must be a valid date (YYYY-MM-DD)", nil},
		{"filters[day]=2024-02-03T00:00:00Z", "day must be a valid date (YYYY-MM-DD)", nil},
		{"filters[createdAt][$gt]=yesterday", "createdAt must be a valid datetime (RFC 3339 or YYYY-MM-DD)", nil},
		{"filters[summary][$null]=maybe", "$null at summary must be true or false", nil},

		// Shapes.
		{"filters[views][$between][0]=1", "$between at views must be a list of two values", nil},
		{"filters[views][$between]=1", "$between at views must be a list of two values", nil},
		{"filters[views][$between][0]=1&filters[views][$between][1]=2&filters[views][$between][2]=3",
			"$between at views must be a list of two values", nil},
		{"filters[name][$eq][0]=a&filters[name][$eq][1]=b", "$eq at name must be a single value", nil},
		{"filters[name][$eq]=a&filters[name][$eq]=b", "$eq at name must be a single value", nil},
		{"filters[views][$in][a]=1", "$in at views must be a list of values", nil},
		{"filters[$or][name]=a", "$or must be an array of objects", nil},
		{"filters[$or]=a", "$or items must be an object", nil},
		{"filters[$or][0]=a", "$or items must be an object", nil},
		{"filters[$not]=a", "$not must be an object", nil},
		{"filters=abc", "filters must be an object", nil},
		{"filters[name]=a&filters[name][$eq]=b", "name must be a value or an object of operators", nil},

		// Pagination.
		{"pagination[page]=x", "pagination[page] must be an integer", q("page", nil, "pagination")},
		{"pagination[page]=1.5", "pagination[page] must be an integer", nil},
		{"pagination[pageSize]=", "pagination[pageSize] must be an integer", nil},
		{"pagination[start]=a", "pagination[start] must be an integer", nil},
		{"pagination[limit]=1e3", "pagination[limit] must be an integer", nil},
		{"pagination[page]=1&pagination[page]=2", "pagination[page] must be an integer", nil},
		{"pagination[offset]=1", "Invalid key offset", q("offset", nil, "pagination")},
		{"pagination=5", "pagination must be an object", nil},
	}
	for _, tt := range tests {
		_, err := parseRaw(t, ct, tt.raw)
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("ParseQuery(%q): got error %v (%T), want ValidationError %q", tt.raw, err, err, tt.message)
			continue
		}
		if ve.Message != tt.message {
			t.Errorf("ParseQuery(%q): got message %q, want %q", tt.raw, ve.Message, tt.message)
		}
		if ve.Error() != tt.message {
			t.Errorf("ParseQuery(%q).Error(): got %q, want %q", tt.raw, ve.Error(), tt.message)
		}
		if tt.details != nil && !reflect.DeepEqual(ve.Details, tt.details) {
			t.Errorf("ParseQuery(%q) details: got %s, want %s", tt.raw, show(ve.Details), show(tt.details))
		}
		if len(ve.Errors) != 0 {
			t.Errorf("ParseQuery(%q): got field errors %v, want none", tt.raw, ve.Errors)
		}
	}
}

// TestParseQueryPaginationError: page and offset pagination together are
// Strapi's PaginationError, not a ValidationError.
func TestParseQueryPaginationError(t *testing.T) {
	for _, raw := range []string{"pagination[page]=1&pagination[limit]=2", "pagination[pageSize]=1&pagination[start]=2"} {
		_, err := parseRaw(t, articleType(t), raw)
		var pe *PaginationError
		if !errors.As(err, &pe) || pe.Message != "Cannot use both page & offset pagination in the same query" {
			t.Errorf("ParseQuery(%q): got %v (%T), want PaginationError", raw, err, err)
		}
	}
}

// TestParseQueryDetailsJSON pins the wire form of a query error's details.
func TestParseQueryDetailsJSON(t *testing.T) {
	_, err := parseRaw(t, articleType(t), "sort=nope")
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want a ValidationError", err)
	}
	got := show(ve.DetailsObject())
	want := `{"key":"nope","path":null,"source":"query","param":"sort"}` // Strapi's order
	if got != want {
		t.Errorf("details: got %s, want %s", got, want)
	}
}

func TestParseQueryLimits(t *testing.T) {
	ct := richType()

	deep := func(levels int) string {
		return "filters" + strings.Repeat("[$not]", levels-2) + "[name][$eq]=x"
	}
	if _, err := parseRaw(t, ct, deep(MaxQueryDepth)); err != nil {
		t.Errorf("%d levels: got error %v, want none", MaxQueryDepth, err)
	}
	_, err := parseRaw(t, ct, deep(MaxQueryDepth+1))
	if want := "filters is nested more than 20 levels"; err == nil || err.Error() != want {
		t.Errorf("%d levels: got error %v, want %q", MaxQueryDepth+1, err, want)
	}

	inList := func(n int) url.Values {
		v := url.Values{}
		for i := range n {
			v.Set(fmt.Sprintf("filters[views][$in][%d]", i), fmt.Sprint(i))
		}
		return v
	}
	q, err := ParseQuery(ct, inList(MaxInValues))
	if err != nil {
		t.Fatalf("%d $in values: got error %v, want none", MaxInValues, err)
	}
	if vals := q.Filter.Value.([]any); len(vals) != MaxInValues || vals[99] != int64(99) {
		t.Errorf("%d $in values: got %d values ending %v, want %d ending 99", MaxInValues, len(vals), vals[len(vals)-1], MaxInValues)
	}
	_, err = ParseQuery(ct, inList(MaxInValues+1))
	if want := "$in at views holds more than 100 values"; err == nil || err.Error() != want {
		t.Errorf("%d $in values: got error %v, want %q", MaxInValues+1, err, want)
	}
	shorthand := url.Values{"filters[views]": strings.Split(strings.Repeat("1,", MaxInValues+1)[:2*(MaxInValues+1)-1], ",")}
	_, err = ParseQuery(ct, shorthand)
	if want := "$in at views holds more than 100 values"; err == nil || err.Error() != want {
		t.Errorf("shorthand list of %d: got error %v, want %q", MaxInValues+1, err, want)
	}

	conditions := func(n int) url.Values {
		v := url.Values{}
		for i := range n {
			v.Set(fmt.Sprintf("filters[$or][%d][views]", i), fmt.Sprint(i))
		}
		return v
	}
	q, err = ParseQuery(ct, conditions(MaxFilterConditions))
	if err != nil {
		t.Fatalf("%d conditions: got error %v, want none", MaxFilterConditions, err)
	}
	if n := len(q.Filter.Or); n != MaxFilterConditions {
		t.Errorf("%d conditions: got %d in $or, want %d", MaxFilterConditions, n, MaxFilterConditions)
	}
	_, err = ParseQuery(ct, conditions(MaxFilterConditions+1))
	if want := "filters hold more than 100 conditions"; err == nil || err.Error() != want {
		t.Errorf("%d conditions: got error %v, want %q", MaxFilterConditions+1, err, want)
	}

	// 10 lists of 100 values are the most values a filter may bind.
	lists := func(n int) url.Values {
		v := url.Values{}
		for i := range n {
			v[fmt.Sprintf("filters[$or][%d][views][$in]", i)] = strings.Split(strings.Repeat("1,", MaxInValues)[:2*MaxInValues-1], ",")
		}
		return v
	}
	if _, err := ParseQuery(ct, lists(MaxFilterValues/MaxInValues)); err != nil {
		t.Errorf("%d values: got error %v, want none", MaxFilterValues, err)
	}
	v := lists(MaxFilterValues / MaxInValues)
	v.Set("filters[name]", "x")
	_, err = ParseQuery(ct, v)
	if want := "filters hold more than 1000 values"; err == nil || err.Error() != want {
		t.Errorf("%d values: got error %v, want %q", MaxFilterValues+1, err, want)
	}
}

func TestSplitKey(t *testing.T) {
	tests := []struct {
		key    string
		parent string
		segs   []string
	}{
		{"sort", "sort", nil},
		{"filters[a][$eq]", "filters", []string{"a", "$eq"}},
		{"a[]", "a", []string{""}},
		{"[a][b]", "a", []string{"b"}},
		{"a[b", "a", nil},
		{"a[b[c]]", "a", []string{"c"}},
		{"a[b]x[c]", "a", []string{"b", "c"}},
	}
	for _, tt := range tests {
		parent, segs := splitKey(tt.key)
		if parent != tt.parent || !reflect.DeepEqual(segs, tt.segs) {
			t.Errorf("splitKey(%q): got %q %q, want %q %q", tt.key, parent, segs, tt.parent, tt.segs)
		}
	}
}

// checkFilter walks a parsed filter and reports anything a store could
// not trust: an unknown field or operator, or a value of the wrong type.
func checkFilter(ct ContentType, f *Filter, depth int) error {
	if depth > MaxQueryDepth+2 {
		return fmt.Errorf("filter nests %d levels", depth)
	}
	parts := 0
	if f.And != nil {
		parts++
	}
	if f.Or != nil {
		parts++
	}
	if f.Not != nil {
		parts++
	}
	if f.Field != "" || f.Op != "" {
		parts++
	}
	if parts != 1 {
		return fmt.Errorf("filter %s has %d parts set, want 1", show(f), parts)
	}
	for _, list := range [][]Filter{f.And, f.Or} {
		if list != nil && len(list) == 0 {
			return errors.New("empty And/Or list")
		}
		for i := range list {
			if err := checkFilter(ct, &list[i], depth+1); err != nil {
				return err
			}
		}
	}
	if f.Not != nil {
		return checkFilter(ct, f.Not, depth+1)
	}
	if f.Field == "" {
		return nil
	}
	typ, ok := queryFieldType(ct, f.Field)
	if !ok || typ == TypeJSON {
		return fmt.Errorf("filter names unknown field %q", f.Field)
	}
	if !KnownOperator(f.Op) {
		return fmt.Errorf("filter uses unknown operator %q", f.Op)
	}
	checkValue := func(v any) error {
		var ok bool
		switch typ {
		case TypeInteger, TypeBigInteger:
			_, ok = v.(int64)
		case TypeDecimal, TypeFloat:
			var x float64
			x, ok = v.(float64)
			ok = ok && !math.IsNaN(x) && !math.IsInf(x, 0)
		case TypeBoolean:
			_, ok = v.(bool)
		case TypeDate, TypeDateTime:
			_, ok = v.(time.Time)
		default:
			_, ok = v.(string)
		}
		if !ok {
			return fmt.Errorf("%s %s: value %#v is not a %s value", f.Field, f.Op, v, typ)
		}
		return nil
	}
	switch f.Op {
	case OpNull, OpNotNull:
		if _, ok := f.Value.(bool); !ok {
			return fmt.Errorf("%s %s: value %#v is not a bool", f.Field, f.Op, f.Value)
		}
	case OpIn, OpNotIn, OpBetween:
		vals, ok := f.Value.([]any)
		if !ok || len(vals) == 0 || len(vals) > MaxInValues || (f.Op == OpBetween && len(vals) != 2) {
			return fmt.Errorf("%s %s: value %#v is not a list of the right length", f.Field, f.Op, f.Value)
		}
		for _, v := range vals {
			if err := checkValue(v); err != nil {
				return err
			}
		}
	default:
		return checkValue(f.Value)
	}
	return nil
}

func countLeaves(f *Filter) int {
	if f.Not != nil {
		return countLeaves(f.Not)
	}
	n := 0
	for _, list := range [][]Filter{f.And, f.Or} {
		for i := range list {
			n += countLeaves(&list[i])
		}
	}
	if f.Field != "" {
		n++
	}
	return n
}

func FuzzParseQuery(f *testing.F) {
	for _, seed := range []string{
		"",
		"pagination[page]=2&pagination[pageSize]=10",
		"pagination[start]=0&pagination[limit]=5",
		"sort=title:asc,createdAt:desc&fields=title,slug",
		"sort[0]=title&sort[1]=slug:desc",
		"filters[title][$eq]=x",
		"filters[title]=x",
		"filters[id][$in][0]=1&filters[id][$in][1]=2",
		"filters[$or][0][title][$eq]=a&filters[$or][1][title][$eq]=b",
		"filters[$and][0][featured]=true&filters[$and][1][$not][publishedDate][$null]=true",
		"filters[publishedDate][$between][0]=2024-01-01&filters[publishedDate][$between][1]=2024-02-01",
		"filters[createdAt][$gt]=2024-01-01T00:00:00Z",
		"filters[title][$zz]=1",
		"filters[$not][$not][title][$containsi]=go",
		"filters[title][$or][0][$eq]=a&filters[title][$or][1][$eq]=b",
		"filters[[]]][]=&[=]&sort[][]=a",
	} {
		f.Add(seed)
	}
	ct := articleType(f)
	f.Fuzz(func(t *testing.T, raw string) {
		v, _ := url.ParseQuery(raw) // keep what parsed, as net/http does
		q, err := ParseQuery(ct, v)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Message == "" {
				t.Fatalf("ParseQuery(%q): got error %v (%T), want a ValidationError with a message", raw, err, err)
			}
			return
		}
		if q.Offset {
			if q.Start < 0 || q.Limit < 1 || q.Limit > MaxPageSize {
				t.Fatalf("ParseQuery(%q): got offset slice %d+%d", raw, q.Start, q.Limit)
			}
		} else if q.Page < 1 || q.PageSize < 1 || q.PageSize > MaxPageSize || q.Start != (q.Page-1)*q.PageSize || q.Limit != q.PageSize {
			t.Fatalf("ParseQuery(%q): got page %+v", raw, q)
		}
		for _, s := range q.Sort {
			if typ, ok := queryFieldType(ct, s.Field); !ok || typ == TypeJSON {
				t.Fatalf("ParseQuery(%q): sort names unknown field %q", raw, s.Field)
			}
		}
		for _, name := range q.Fields {
			if _, ok := queryFieldType(ct, name); !ok {
				t.Fatalf("ParseQuery(%q): fields names unknown field %q", raw, name)
			}
		}
		if q.Filter != nil {
			if err := checkFilter(ct, q.Filter, 0); err != nil {
				t.Fatalf("ParseQuery(%q): %v", raw, err)
			}
			if n := countLeaves(q.Filter); n > MaxFilterConditions {
				t.Fatalf("ParseQuery(%q): %d conditions, more than the limit", raw, n)
			}
		}
	})
}

// GraphQL's paging: 10 by default, no maximum, -1 as many as there are.
func TestParseQueryGraphQLPaging(t *testing.T) {
	ct := articleType(t)
	for _, tt := range []struct {
		raw          string
		start, limit int
	}{
		{"", 0, 10},
		{"pagination[pageSize]=500", 0, 500},
		{"pagination[page]=3&pagination[pageSize]=1000", 2000, 1000},
		{"pagination[limit]=-1", 0, math.MaxInt32},
		{"pagination[pageSize]=99999999999", 0, math.MaxInt32},
		{"pagination[start]=4", 4, 10},
	} {
		vals, err := url.ParseQuery(tt.raw)
		if err != nil {
			t.Fatal(err)
		}
		q, err := parseQueryPaged(ct, vals, GraphQLPaging)
		if err != nil || q.Start != tt.start || q.Limit != tt.limit {
			t.Errorf("%q: got start %d limit %d (%v), want %d %d", tt.raw, q.Start, q.Limit, err, tt.start, tt.limit)
		}
	}
}
