package content

import (
	"fmt"
	"maps"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ValidationError is a request the content API refuses with 400
// ValidationError. Message is the top-level message; Details holds the
// details Strapi gives for the error (key, path, source, param for query
// and unknown-key errors, empty for a missing data payload); Errors lists
// the failing attributes of a body, one per attribute.
//
// DetailsObject renders the wire "details" object from both.
type ValidationError struct {
	Message string
	Details map[string]any
	Errors  []FieldError
}

// Error returns the message.
func (e *ValidationError) Error() string { return e.Message }

// detailsKeyOrder is the order Strapi writes the details of a query or
// body error in ({key, path, source, param}), then the limit tokenadmin
// adds; any other key follows in sorted order.
var detailsKeyOrder = []string{"key", "path", "source", "param", "limit", "max"}

// DetailsObject returns the "details" object of the error response, keys
// in Strapi's order: Details plus "errors" when Errors is not empty. It is
// never nil, so it always encodes as an object ({} when there is nothing
// to say).
func (e *ValidationError) DetailsObject() OrderedObject {
	o := make(OrderedObject, 0, len(e.Details)+1)
	for _, k := range detailsKeyOrder {
		if v, ok := e.Details[k]; ok {
			o = append(o, Field{Key: k, Value: v})
		}
	}
	var rest []string
	for k := range e.Details {
		if !slices.Contains(detailsKeyOrder, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		o = append(o, Field{Key: k, Value: e.Details[k]})
	}
	if len(e.Errors) > 0 {
		o = append(o, Field{Key: "errors", Value: e.Errors})
	}
	return o
}

// PaginationError is Strapi's 400 PaginationError: a query that mixes
// page and offset pagination.
type PaginationError struct{ Message string }

// Error returns the message.
func (e *PaginationError) Error() string { return e.Message }

// FieldError is one failing attribute of a ValidationError, encoded as
// Strapi encodes the entries of details.errors: {path, message, name,
// value}. Name is always "ValidationError". Value is the value that was
// sent; it is left out when nil (a missing required value) unless
// NullValue is set, which writes "value":null as Strapi does for a yup
// cast error (its value is NaN, which JSON writes as null).
type FieldError struct {
	Path      []string
	Message   string
	Name      string
	Value     any
	NullValue bool
}

// MarshalJSON writes the entry in Strapi's key order.
func (f FieldError) MarshalJSON() ([]byte, error) {
	o := OrderedObject{{Key: "path", Value: f.Path}, {Key: "message", Value: f.Message}, {Key: "name", Value: f.Name}}
	if f.Value != nil || f.NullValue {
		o = append(o, Field{Key: "value", Value: f.Value})
	}
	return o.AppendJSON(nil)
}

// NewValidationError returns a ValidationError with the message and
// details (nil details become an empty object).
func NewValidationError(message string, details map[string]any) *ValidationError {
	if details == nil {
		details = map[string]any{}
	}
	return &ValidationError{Message: message, Details: details}
}

// NewFieldValidationError aggregates attribute failures the way Strapi
// does: one failure is the top-level message, several are "N errors
// occurred". Each error's Name is set to "ValidationError". A store can
// use it for "This attribute must be unique". It panics on no errors.
func NewFieldValidationError(errs ...FieldError) *ValidationError {
	if len(errs) == 0 {
		panic("content: NewFieldValidationError without errors")
	}
	errs = slices.Clone(errs)
	for i := range errs {
		errs[i].Name = "ValidationError"
	}
	msg := errs[0].Message
	if len(errs) > 1 {
		msg = strconv.Itoa(len(errs)) + " errors occurred"
	}
	return &ValidationError{Message: msg, Details: map[string]any{}, Errors: errs}
}

// queryError is a ValidationError with Strapi's query details. path is
// nil (JSON null) or the attribute the key was found under.
func queryError(message, param, key string, path any) *ValidationError {
	d := map[string]any{"key": key, "path": path, "source": "query"}
	if param != "" {
		d["param"] = param
	}
	return &ValidationError{Message: message, Details: d}
}

// invalidKey is Strapi's "Invalid key <key>" / "Invalid key <key> at <path>".
func invalidKey(param, key, path string) *ValidationError {
	if path == "" || path == key {
		return queryError("Invalid key "+key, param, key, nil)
	}
	return queryError("Invalid key "+key+" at "+path, param, key, path)
}

// ignoredParams are top-level parameters Strapi knows and tokenadmin
// accepts without acting on them: there are no relations to populate, no
// locales and no drafts.
var ignoredParams = map[string]bool{
	"populate": true, "locale": true, "status": true, "publicationState": true,
}

// ParseQuery reads a find request's query string as Strapi does (the qs
// bracket syntax with default options): pagination, sort, fields and
// filters, checked against ct.
//
// The result always has Start and Limit set to the slice to read, so a
// store can use them alone: in page mode Start is (Page-1)*PageSize and
// Limit is PageSize; in offset mode (Offset true) Page and PageSize are 0.
// Every field named in the result is an attribute of ct or a system field,
// every filter value is typed for its field (see Filter), and a request
// that breaks a rule or a limit is a *ValidationError.
func ParseQuery(ct ContentType, q url.Values) (Query, error) {
	return parseQueryPaged(ct, q, RESTPaging)
}

// Paging is the page size a find gets when it names none, and the most it
// may ask for (0: no maximum).
type Paging struct {
	Default, Max int
}

var (
	// RESTPaging is Strapi's REST API: 25 entries, at most 100.
	RESTPaging = Paging{Default: DefaultPageSize, Max: MaxPageSize}
	// GraphQLPaging is Strapi's GraphQL plugin as configured by default:
	// 10 entries and no maximum (its maxLimit is -1).
	GraphQLPaging = Paging{Default: 10}
)

// noLimit is the limit of a page that has no maximum.
const noLimit = math.MaxInt32

func (p Paging) clamp(n int) int {
	if p.Max > 0 {
		return min(max(n, 1), p.Max)
	}
	return min(max(n, 1), noLimit) // Start = (page-1)*size stays far from overflowing
}

// parseQueryPaged is ParseQuery with other paging rules; GraphQL builds
// its Query from typed arguments instead (query_build.go), so only tests
// use other rules today.
func parseQueryPaged(ct ContentType, q url.Values, paging Paging) (Query, error) {
	params := 0
	for _, vs := range q {
		params += max(len(vs), 1)
	}
	if params > MaxQueryParams {
		return Query{}, limitError("The query string holds more than "+strconv.Itoa(MaxQueryParams)+" parameters",
			"", "", nil, LimitQueryParams, MaxQueryParams)
	}
	root, err := buildQSTree(q)
	if err != nil {
		return Query{}, err
	}
	out := Query{Page: 1, PageSize: paging.Default, Limit: paging.Default}
	for _, param := range root.keys {
		n := root.kids[param]
		switch {
		case param == "pagination":
			err = parsePagination(n, &out, paging)
		case param == "sort":
			out.Sort, err = parseSort(ct, n)
		case param == "fields":
			out.Fields, err = parseFields(ct, n)
		case param == "filters":
			out.Filter, err = parseFilters(ct, n)
		case ignoredParams[param]:
			if countValues(n) > MaxPopulate {
				err = limitError(param+" holds more than "+strconv.Itoa(MaxPopulate)+" values", param, param, nil,
					LimitPopulate, MaxPopulate)
			}
		default:
			err = queryError("Invalid key "+param, "", param, nil)
		}
		if err != nil {
			return Query{}, err
		}
	}
	return out, nil
}

// qsNode is one level of a parsed query string: the values given at this
// exact key (repeated keys and "[]" pushes make several) and the children
// under further brackets, in order of first appearance.
type qsNode struct {
	vals []string
	keys []string
	kids map[string]*qsNode
}

func (n *qsNode) child(k string) *qsNode {
	if c, ok := n.kids[k]; ok {
		return c
	}
	if n.kids == nil {
		n.kids = map[string]*qsNode{}
	}
	c := &qsNode{}
	n.kids[k] = c
	n.keys = append(n.keys, k)
	return c
}

// scalar returns the node's only value.
func (n *qsNode) scalar() (string, bool) {
	if len(n.kids) == 0 && len(n.vals) == 1 {
		return n.vals[0], true
	}
	return "", false
}

// list returns the elements of a node used as an array: its values
// (a=1&a=2, a[]=1&a[]=2) or its children when every key is an array index
// (a[0]=1&a[1]=2), ordered by index as qs orders them.
func (n *qsNode) list() ([]*qsNode, bool) {
	if len(n.kids) == 0 {
		out := make([]*qsNode, len(n.vals))
		for i, v := range n.vals {
			out[i] = &qsNode{vals: []string{v}}
		}
		return out, true
	}
	if len(n.vals) > 0 {
		return nil, false
	}
	idx := make([]int, 0, len(n.keys))
	for _, k := range n.keys {
		i, ok := arrayIndex(k)
		if !ok {
			return nil, false
		}
		idx = append(idx, i)
	}
	slices.Sort(idx)
	out := make([]*qsNode, len(idx))
	for j, i := range idx {
		out[j] = n.kids[strconv.Itoa(i)]
	}
	return out, true
}

// isList reports whether the node has array-index children only.
func (n *qsNode) isList() bool {
	if len(n.kids) == 0 || len(n.vals) > 0 {
		return false
	}
	for _, k := range n.keys {
		if _, ok := arrayIndex(k); !ok {
			return false
		}
	}
	return true
}

// arrayIndex parses a canonical non-negative decimal ("0", "12", not "01"
// or "+1"), as qs requires of an array index.
func arrayIndex(k string) (int, bool) {
	if k == "" || len(k) > 9 || (len(k) > 1 && k[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < '0' || k[i] > '9' {
			return 0, false
		}
	}
	i, _ := strconv.Atoi(k)
	return i, true
}

// splitKey splits "filters[title][$eq]" into "filters" and
// ["title", "$eq"] as qs does: the part before the first bracket, then
// every [segment] that holds no bracket itself. A key starting with a
// bracket takes its first segment as the parameter.
func splitKey(key string) (string, []string) {
	i := strings.IndexByte(key, '[')
	if i < 0 {
		return key, nil
	}
	parent, rest := key[:i], key[i:]
	var segs []string
	for {
		j := strings.IndexByte(rest, '[')
		if j < 0 {
			break
		}
		rest = rest[j:]
		k := strings.IndexAny(rest[1:], "[]")
		if k < 0 {
			break
		}
		if rest[1+k] == '[' {
			rest = rest[1+k:]
			continue
		}
		segs = append(segs, rest[1:1+k])
		rest = rest[2+k:]
	}
	if parent == "" && len(segs) > 0 {
		parent, segs = segs[0], segs[1:]
	}
	return parent, segs
}

// buildQSTree turns the flat url.Values into a tree. Keys are taken in
// sorted order so the result does not depend on map iteration.
func buildQSTree(q url.Values) (*qsNode, error) {
	root := &qsNode{}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		if err := checkParam(key, q[key]); err != nil {
			return nil, err
		}
		parent, segs := splitKey(key)
		if parent == "" {
			continue // qs ignores empty keys
		}
		if len(segs) > MaxQueryDepth {
			return nil, DepthError(parent)
		}
		n := root.child(parent)
		for i, s := range segs {
			if s == "" && i == len(segs)-1 {
				break // a[]=x appends to a
			}
			n = n.child(s)
		}
		n.vals = append(n.vals, q[key]...)
	}
	return root, nil
}

// --- pagination ---

func parsePagination(n *qsNode, out *Query, paging Paging) error {
	if len(n.vals) > 0 {
		if v, ok := n.scalar(); ok && v == "" {
			return nil
		}
		return queryError("pagination must be an object", "pagination", "pagination", nil)
	}
	got := map[string]int{}
	for _, k := range n.keys {
		switch k {
		case "page", "pageSize", "start", "limit":
		case "withCount":
			continue // the count is always returned
		default:
			return invalidKey("pagination", k, "")
		}
		s, ok := n.kids[k].scalar()
		v, err := strconv.Atoi(s)
		if !ok || err != nil {
			return queryError("pagination["+k+"] must be an integer", "pagination", k, nil)
		}
		got[k] = v
	}
	return paginate(got, out, paging, func(k string) string { return "pagination[" + k + "]" })
}

// paginate sets out's slice from the pagination keys given (page,
// pageSize, start, limit), under Strapi's rules and the limits; name
// writes a key as the request spelled it, for the messages.
func paginate(got map[string]int, out *Query, paging Paging, name func(key string) string) error {
	_, page := got["page"]
	_, size := got["pageSize"]
	_, start := got["start"]
	_, limit := got["limit"]
	if (page || size) && (start || limit) {
		return &PaginationError{Message: "Cannot use both page & offset pagination in the same query"}
	}
	if got["page"] > MaxPage {
		return limitError(name("page")+" must be at most "+strconv.Itoa(MaxPage), "pagination", "page", nil, LimitPage, MaxPage)
	}
	if got["start"] > MaxStart {
		return limitError(name("start")+" must be at most "+strconv.Itoa(MaxStart), "pagination", "start", nil, LimitStart, MaxStart)
	}
	if start || limit {
		out.Offset = true
		out.Page, out.PageSize = 0, 0
		out.Start = max(got["start"], 0)
		out.Limit = paging.Default
		if limit {
			l := got["limit"]
			if l == -1 { // Strapi's -1 means "as many as allowed"
				l = paging.Max
				if l == 0 {
					l = noLimit
				}
			}
			out.Limit = paging.clamp(l)
		}
		return nil
	}
	if page {
		out.Page = max(got["page"], 1)
	}
	if size {
		out.PageSize = paging.clamp(got["pageSize"])
	}
	out.Start = (out.Page - 1) * out.PageSize
	out.Limit = out.PageSize
	return nil
}

// --- fields named by sort, fields and filters ---

// filterableField returns the type a filter or sort (param) on name
// compares as, or the Invalid key error of a field it cannot use.
func filterableField(ct ContentType, param, name string) (AttrType, error) {
	t, ok := queryFieldType(ct, name)
	if !ok || !t.Info().Filterable() {
		return "", invalidKey(param, name, "")
	}
	return t, nil
}

// queryFieldType returns the type a field is compared and converted as:
// the attribute's own type, TypeInteger for id, TypeString for documentId
// and TypeDateTime for the timestamps. Private attributes are unknown to
// the query API, as in Strapi.
func queryFieldType(ct ContentType, name string) (AttrType, bool) {
	switch name {
	case FieldID:
		return TypeInteger, true
	case FieldDocumentID:
		return TypeString, true
	case FieldCreatedAt, FieldUpdatedAt, FieldPublishedAt:
		return TypeDateTime, true
	}
	a, ok := ct.Attribute(name)
	if !ok || a.Private {
		return "", false
	}
	return a.Type, true
}

// --- sort ---

var sortSplitRE = regexp.MustCompile(`,\s*`)

func parseSort(ct ContentType, n *qsNode) ([]SortField, error) {
	so := &sorter{ct: ct}
	if err := so.node(n); err != nil {
		return nil, err
	}
	return so.out, nil
}

// sorter collects the sort order of one request; seen counts the fields
// named so far, repeats included, against MaxSortFields.
type sorter struct {
	ct   ContentType
	out  []SortField
	seen int
}

func (so *sorter) count(field string) error {
	if so.seen++; so.seen > MaxSortFields {
		return limitError("sort names more than "+strconv.Itoa(MaxSortFields)+" fields", "sort", field, nil,
			LimitSortFields, MaxSortFields)
	}
	return nil
}

// text reads one sort string, "a:asc,b:desc".
func (so *sorter) text(v string) error {
	for _, part := range sortSplitRE.Split(v, -1) {
		if strings.TrimSpace(part) == "" {
			continue
		}
		field, order, _ := strings.Cut(part, ":")
		if err := so.count(field); err != nil {
			return err
		}
		if err := addSort(so.ct, strings.TrimSpace(field), strings.TrimSpace(order), &so.out); err != nil {
			return err
		}
	}
	return nil
}

// node accepts every form Strapi's convertSortQueryParams does: a
// string "a:asc,b:desc", a list of those, and an object {a: "asc"}.
func (so *sorter) node(n *qsNode) error {
	for _, v := range n.vals {
		if err := so.text(v); err != nil {
			return err
		}
	}
	if n.isList() {
		elems, _ := n.list()
		for _, e := range elems {
			if err := so.node(e); err != nil {
				return err
			}
		}
		return nil
	}
	for _, field := range n.keys {
		c := n.kids[field]
		order, ok := c.scalar()
		if !ok {
			if len(c.keys) > 0 {
				return invalidKey("sort", c.keys[0], field)
			}
			return NewValidationError(invalidOrderMessage, nil)
		}
		if err := so.count(field); err != nil {
			return err
		}
		if err := addSort(so.ct, field, strings.TrimSpace(order), &so.out); err != nil {
			return err
		}
	}
	return nil
}

const invalidOrderMessage = "Invalid order. order can only be one of asc|desc|ASC|DESC"

func addSort(ct ContentType, field, order string, out *[]SortField) error {
	if field == "" {
		return queryError("Field cannot be empty", "sort", field, nil)
	}
	if _, err := filterableField(ct, "sort", field); err != nil {
		return err
	}
	if slices.ContainsFunc(*out, func(s SortField) bool { return s.Field == field }) {
		// A repeated key cannot change the order; keeping only the first
		// also bounds the sort to the type's fields.
		return checkOrder(field, order)
	}
	if err := checkOrder(field, order); err != nil {
		return err
	}
	*out = append(*out, SortField{Field: field, Desc: strings.EqualFold(order, "desc")})
	return nil
}

func checkOrder(field, order string) error {
	switch strings.ToLower(order) {
	case "", "asc", "desc":
		return nil
	}
	return NewValidationError(invalidOrderMessage, nil)
}

// --- fields ---

func parseFields(ct ContentType, n *qsNode) ([]string, error) {
	var names []string
	if err := fieldsNode(n, &names); err != nil {
		return nil, err
	}
	if len(names) == 0 || slices.Contains(names, "*") {
		return nil, nil
	}
	out := make([]string, 0, len(names))
	for _, name := range names {
		if _, ok := queryFieldType(ct, name); !ok {
			return nil, invalidKey("fields", name, "")
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out, nil
}

func fieldsNode(n *qsNode, names *[]string) error {
	for _, v := range n.vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				*names = append(*names, s)
			}
			if len(*names) > MaxFields {
				return limitError("fields names more than "+strconv.Itoa(MaxFields)+" fields", "fields", s, nil,
					LimitFields, MaxFields)
			}
		}
	}
	if len(n.kids) == 0 {
		return nil
	}
	if !n.isList() {
		return invalidKey("fields", n.keys[0], "")
	}
	elems, _ := n.list()
	for _, e := range elems {
		if err := fieldsNode(e, names); err != nil {
			return err
		}
	}
	return nil
}

// --- filters ---

// Operators lists the comparison operators a filter may name on a field.
func Operators() []Operator { return slices.Sorted(maps.Keys(leafOps)) }

// leafOps are the comparison operators a field accepts, and what each
// wants as its value.
var leafOps = map[Operator]opKind{
	OpEq: opScalar, OpNe: opScalar, OpLt: opScalar, OpLte: opScalar, OpGt: opScalar, OpGte: opScalar,
	OpEqi: opText, OpNei: opText, OpContains: opText, OpNotContains: opText,
	OpContainsi: opText, OpNotContainsi: opText, OpStartsWith: opText, OpStartsWithi: opText,
	OpEndsWith: opText, OpEndsWithi: opText,
	OpIn: opList, OpNotIn: opList, OpBetween: opPair, OpNull: opBool, OpNotNull: opBool,
}

type opKind int

const (
	opScalar opKind = iota // one value of the field's type
	opText                 // one string, on text fields only
	opList                 // a list of values
	opPair                 // exactly two values
	opBool                 // true or false
)

// KnownOperator reports whether op is a comparison operator ParseQuery
// produces in a leaf Filter.
func KnownOperator(op Operator) bool {
	_, ok := leafOps[op]
	return ok
}

type filterParser struct {
	ct     ContentType
	leaves int // leaf conditions so far
	values int // values bound so far
}

func parseFilters(ct ContentType, n *qsNode) (*Filter, error) {
	if len(n.kids) == 0 {
		if v, ok := n.scalar(); ok && v == "" {
			return nil, nil // filters= : no filter
		}
		return nil, queryError("filters must be an object", "filters", "filters", nil)
	}
	p := &filterParser{ct: ct}
	f, err := p.group(n, "filters")
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// group reads an object of conditions, which all must hold.
func (p *filterParser) group(n *qsNode, what string) (Filter, error) {
	conds, err := p.object(n, what)
	if err != nil {
		return Filter{}, err
	}
	return andOf(conds), nil
}

func andOf(conds []Filter) Filter {
	if len(conds) == 1 {
		return conds[0]
	}
	return Filter{And: conds}
}

// object reads one level of filters: logical operators and field names.
func (p *filterParser) object(n *qsNode, what string) ([]Filter, error) {
	if len(n.vals) > 0 || len(n.kids) == 0 {
		return nil, queryError(what+" must be an object", "filters", what, nil)
	}
	conds := make([]Filter, 0, len(n.keys))
	for _, k := range n.keys {
		c := n.kids[k]
		switch k {
		case "$and", "$or":
			elems, ok := c.list()
			if !ok || len(elems) == 0 {
				return nil, queryError(k+" must be an array of objects", "filters", k, nil)
			}
			subs := make([]Filter, len(elems))
			for i, e := range elems {
				var err error
				if subs[i], err = p.group(e, k+" items"); err != nil {
					return nil, err
				}
			}
			if k == "$and" {
				conds = append(conds, Filter{And: subs})
			} else {
				conds = append(conds, Filter{Or: subs})
			}
		case "$not":
			var sub Filter
			var err error
			if c.isList() {
				elems, _ := c.list()
				subs := make([]Filter, len(elems))
				for i, e := range elems {
					if subs[i], err = p.group(e, "$not items"); err != nil {
						return nil, err
					}
				}
				sub = andOf(subs)
			} else if sub, err = p.group(c, "$not"); err != nil {
				return nil, err
			}
			conds = append(conds, Filter{Not: &sub})
		default:
			t, err := filterableField(p.ct, "filters", k)
			if err != nil {
				return nil, err
			}
			f, err := p.column(k, t, c)
			if err != nil {
				return nil, err
			}
			conds = append(conds, f)
		}
	}
	return conds, nil
}

// column reads the conditions on one field: a value (shorthand for $eq),
// a list (shorthand for $in), or an object of operators.
func (p *filterParser) column(field string, t AttrType, n *qsNode) (Filter, error) {
	if len(n.kids) == 0 {
		if len(n.vals) == 1 {
			return p.leaf(field, t, OpEq, n)
		}
		return p.leaf(field, t, OpIn, n)
	}
	if n.isList() {
		return p.leaf(field, t, OpIn, n)
	}
	if len(n.vals) > 0 {
		return Filter{}, queryError(field+" must be a value or an object of operators", "filters", field, field)
	}
	conds := make([]Filter, 0, len(n.keys))
	for _, k := range n.keys {
		c := n.kids[k]
		var (
			f   Filter
			err error
		)
		switch op := Operator(k); {
		case op == "$not":
			var sub Filter
			if sub, err = p.column(field, t, c); err == nil {
				f = Filter{Not: &sub}
			}
		case op == "$and" || op == "$or":
			elems, ok := c.list()
			if !ok || len(elems) == 0 {
				return Filter{}, queryError(k+" at "+field+" must be an array", "filters", k, field)
			}
			subs := make([]Filter, len(elems))
			for i, e := range elems {
				if subs[i], err = p.column(field, t, e); err != nil {
					return Filter{}, err
				}
			}
			if op == "$and" {
				f = Filter{And: subs}
			} else {
				f = Filter{Or: subs}
			}
		case KnownOperator(op):
			f, err = p.leaf(field, t, op, c)
		default:
			return Filter{}, invalidKey("filters", k, field)
		}
		if err != nil {
			return Filter{}, err
		}
		conds = append(conds, f)
	}
	return andOf(conds), nil
}

// leaf reads one comparison from the query string: its value, or for a
// list operator its elements (nil for one that is no single value).
func (p *filterParser) leaf(field string, t AttrType, op Operator, n *qsNode) (Filter, error) {
	var v any
	switch leafOps[op] {
	case opList, opPair:
		if elems, ok := n.list(); ok {
			list := make([]any, len(elems))
			for i, e := range elems {
				if s, ok := e.scalar(); ok {
					list[i] = s
				}
			}
			v = list
		}
	default:
		if s, ok := n.scalar(); ok {
			v = s
		}
	}
	return p.condition(field, t, op, v)
}

// condition checks one comparison and converts its value to the field's
// type. v is a single value (a query-string value, or a typed one: int,
// int64, float64, bool), a []any for the list operators, or nil for a
// missing one. It counts the condition and its values against the
// filter's limits.
func (p *filterParser) condition(field string, t AttrType, op Operator, v any) (Filter, error) {
	p.leaves++
	if p.leaves > MaxFilterConditions {
		return Filter{}, limitError("filters hold more than "+strconv.Itoa(MaxFilterConditions)+" conditions",
			"filters", field, field, LimitFilterConditions, MaxFilterConditions)
	}
	p.values++ // a list counts its length, below
	if p.values > MaxFilterValues {
		return Filter{}, tooManyValues(field)
	}
	bad := func(what string) error {
		return queryError(string(op)+" at "+field+" must be "+what, "filters", string(op), field)
	}
	single := func() error {
		if _, list := v.([]any); v == nil || list {
			return bad("a single value")
		}
		return nil
	}
	f := Filter{Field: field, Op: op}
	switch leafOps[op] {
	case opScalar:
		if err := single(); err != nil {
			return Filter{}, err
		}
		var err error
		if f.Value, err = convertQueryValue(field, t, scalarText(v)); err != nil {
			return Filter{}, err
		}
	case opText:
		if !t.Info().Text() {
			return Filter{}, invalidKey("filters", string(op), field)
		}
		if err := single(); err != nil {
			return Filter{}, err
		}
		f.Value = scalarText(v)
	case opBool:
		if err := single(); err != nil {
			return Filter{}, err
		}
		switch strings.ToLower(scalarText(v)) {
		case "", "true", "1", "t":
			f.Value = true
		case "false", "0", "f":
			f.Value = false
		default:
			return Filter{}, bad("true or false")
		}
	case opList, opPair:
		elems, ok := v.([]any)
		if !ok || len(elems) == 0 {
			return Filter{}, bad("a list of values")
		}
		if leafOps[op] == opPair && len(elems) != 2 {
			return Filter{}, bad("a list of two values")
		}
		if len(elems) > MaxInValues {
			return Filter{}, limitError(string(op)+" at "+field+" holds more than "+strconv.Itoa(MaxInValues)+" values",
				"filters", string(op), field, LimitInValues, MaxInValues)
		}
		p.values += len(elems) - 1
		if p.values > MaxFilterValues {
			return Filter{}, tooManyValues(field)
		}
		vals := make([]any, len(elems))
		for i, e := range elems {
			if _, list := e.([]any); e == nil || list {
				return Filter{}, bad("a list of values")
			}
			v, err := convertQueryValue(field, t, scalarText(e))
			if err != nil {
				return Filter{}, err
			}
			vals[i] = v
		}
		f.Value = vals
	}
	return f, nil
}

// scalarText writes a single value as query-string text.
func scalarText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

func tooManyValues(field string) error {
	return limitError("filters hold more than "+strconv.Itoa(MaxFilterValues)+" values", "filters", field, field,
		LimitFilterValues, MaxFilterValues)
}

// convertQueryValue converts a query-string value to the Go type a store
// binds for a field of type t.
func convertQueryValue(field string, t AttrType, s string) (any, error) {
	bad := func(msg string) error {
		return queryError(field+" "+msg, "filters", field, field)
	}
	switch t.Info().Values {
	case IntegerValues, BigIntegerValues:
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, nil
		}
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return nil, bad("must be an integer")
		}
		return nil, bad("must be a number")
	case FloatValues:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, bad("must be a number")
		}
		return f, nil
	case BooleanValues:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, bad("must be a boolean")
		}
		return b, nil
	case DateValues:
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return nil, bad("must be a valid date (YYYY-MM-DD)")
		}
		return d, nil
	case DateTimeValues:
		if d, err := time.Parse(time.DateOnly, s); err == nil {
			return d, nil
		}
		d, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, bad("must be a valid datetime (RFC 3339 or YYYY-MM-DD)")
		}
		return d.UTC(), nil
	default: // the text types
		return s, nil
	}
}
