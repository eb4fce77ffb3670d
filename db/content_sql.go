package db

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"modernc.org/sqlite"

	"github.com/tokenadmin/tokenadmin/content"
)

// This file turns content queries into SQL and converts values between Go
// and the two databases.

// sqliteLower is a Unicode-aware lower() for SQLite, whose own lower()
// folds ASCII only; PostgreSQL's lower() already follows the database's
// locale. It is registered with the driver before any connection opens.
const sqliteLower = "tokenadmin_lower"

func init() {
	sqlite.MustRegisterDeterministicScalarFunction(sqliteLower, 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case nil:
			return nil, nil
		case string:
			return strings.ToLower(v), nil
		case []byte:
			return strings.ToLower(string(v)), nil
		case int64:
			return strconv.FormatInt(v, 10), nil
		case float64:
			return strconv.FormatFloat(v, 'g', -1, 64), nil
		default:
			return fmt.Sprint(v), nil
		}
	})
}

// Page sizes, as Strapi's REST API has them.
const (
	defaultPageSize = 25
	maxPageSize     = 100
)

// window returns LIMIT and OFFSET for q's page (page mode) or slice
// (offset mode), with sizes held to 1…100 and 25 when unset.
func window(q content.Query) (limit, offset int64) {
	size := q.PageSize
	if q.Offset {
		size = q.Limit
	}
	if size < 1 {
		size = defaultPageSize
	}
	size = min(size, maxPageSize)
	if q.Offset {
		return int64(size), int64(max(q.Start, 0))
	}
	page := int64(max(q.Page, 1))
	// A page far past the end must not overflow into a negative offset.
	if page-1 > math.MaxInt64/int64(size) {
		return int64(size), math.MaxInt64
	}
	return int64(size), (page - 1) * int64(size)
}

// field is a filterable, sortable column.
type field struct {
	col      string // quoted
	typ      content.AttrType
	nullable bool
}

var systemFields = map[string]field{
	content.FieldID:          {`"id"`, content.TypeInteger, false},
	content.FieldDocumentID:  {`"document_id"`, content.TypeString, false},
	content.FieldCreatedAt:   {`"created_at"`, content.TypeDateTime, false},
	content.FieldUpdatedAt:   {`"updated_at"`, content.TypeDateTime, false},
	content.FieldPublishedAt: {`"published_at"`, content.TypeDateTime, true},
}

func resolveField(ct content.ContentType, name string) (field, error) {
	if f, ok := systemFields[name]; ok {
		return f, nil
	}
	a, ok := ct.Attribute(name)
	if !ok {
		return field{}, fmt.Errorf("unknown field %q of %s", name, ct.UID())
	}
	col, err := quoteIdent(a.Name)
	if err != nil {
		return field{}, err
	}
	return field{col, a.Type, true}, nil
}

// selectedAttributes returns the attributes fields names, in schema order;
// nil fields means all. System fields are accepted and ignored: they are
// always selected.
func selectedAttributes(ct content.ContentType, fields []string) ([]content.Attribute, error) {
	if fields == nil {
		return ct.Attributes, nil
	}
	want := map[string]bool{}
	for _, f := range fields {
		if _, ok := systemFields[f]; ok {
			continue
		}
		if _, ok := ct.Attribute(f); !ok {
			return nil, fmt.Errorf("unknown field %q of %s", f, ct.UID())
		}
		want[f] = true
	}
	var out []content.Attribute
	for _, a := range ct.Attributes {
		if want[a.Name] {
			out = append(out, a)
		}
	}
	return out, nil
}

// selectList is the column list scanEntries expects: the system columns,
// then attrs.
func selectList(attrs []content.Attribute) (string, error) {
	var b strings.Builder
	b.WriteString(`"id", "document_id", "created_at", "updated_at", "published_at"`)
	for _, a := range attrs {
		qc, err := quoteIdent(a.Name)
		if err != nil {
			return "", err
		}
		b.WriteString(", ")
		b.WriteString(qc)
	}
	return b.String(), nil
}

// scanEntries reads rows selected with selectList(attrs) and closes them.
// With total not nil, each row has one more column, an integer stored
// there.
func scanEntries(rows *sqlx.Rows, attrs []content.Attribute, total *int64) ([]content.Entry, error) {
	defer rows.Close()
	out := []content.Entry{}
	vals := make([]any, 5+len(attrs))
	dest := make([]any, len(vals), len(vals)+1)
	for i := range vals {
		dest[i] = &vals[i]
	}
	if total != nil {
		dest = append(dest, total)
	}
	for rows.Next() {
		clear(vals)
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		var e content.Entry
		id, err := fromDB(content.TypeInteger, vals[0])
		if err != nil {
			return nil, fmt.Errorf("id: %w", err)
		}
		e.ID, _ = id.(int64)
		doc, err := fromDB(content.TypeString, vals[1])
		if err != nil {
			return nil, fmt.Errorf("document_id: %w", err)
		}
		e.DocumentID, _ = doc.(string)
		for i, dst := range []*time.Time{&e.CreatedAt, &e.UpdatedAt} {
			t, err := fromDB(content.TypeDateTime, vals[2+i])
			if err != nil {
				return nil, fmt.Errorf("timestamp: %w", err)
			}
			*dst, _ = t.(time.Time)
		}
		pub, err := fromDB(content.TypeDateTime, vals[4])
		if err != nil {
			return nil, fmt.Errorf("published_at: %w", err)
		}
		if t, ok := pub.(time.Time); ok {
			e.PublishedAt = &t
		}
		e.Data = make(map[string]any, len(attrs))
		for i, a := range attrs {
			v, err := fromDB(a.Type, vals[5+i])
			if err != nil {
				return nil, fmt.Errorf("attribute %s: %w", a.Name, err)
			}
			e.Data[a.Name] = v
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ---------------------------------------------------------------------------
// WHERE and ORDER BY

// sqlBuilder renders filters with ? placeholders, collecting the values
// in args. No value is ever written into the SQL text.
type sqlBuilder struct {
	dialect Dialect
	ct      content.ContentType
	args    []any

	// Columns lowered once per row (content_fold.go).
	foldCount map[string]int    // conditions folding each column expression
	foldAlias map[string]string // column expression → derived column
	folded    []string          // the derived columns' definitions
}

func (b *sqlBuilder) bind(v any) string {
	b.args = append(b.args, v)
	return "?"
}

// bindText binds a string used as a function argument; PostgreSQL is told
// its type so that no function overload is ambiguous.
func (b *sqlBuilder) bindText(s string) string {
	b.args = append(b.args, s)
	if b.dialect == Postgres {
		return "CAST(? AS TEXT)"
	}
	return "?"
}

func (b *sqlBuilder) orderBy(sort []content.SortField) (string, error) {
	var parts []string
	sawID := false
	for _, s := range sort {
		f, err := resolveField(b.ct, s.Field)
		if err != nil {
			return "", err
		}
		dir := " ASC"
		if s.Desc {
			dir = " DESC"
		}
		part := f.col + dir
		// PostgreSQL puts NULLs last ascending and first descending;
		// SQLite is told to do the same so both answer alike.
		if f.nullable && b.dialect == SQLite {
			if s.Desc {
				part += " NULLS FIRST"
			} else {
				part += " NULLS LAST"
			}
		}
		parts = append(parts, part)
		sawID = sawID || s.Field == content.FieldID
	}
	if !sawID {
		// The tie-breaker that keeps pages stable.
		parts = append(parts, `"id" ASC`)
	}
	return strings.Join(parts, ", "), nil
}

func (b *sqlBuilder) filter(f content.Filter) (string, error) {
	switch {
	case f.And != nil:
		return b.group(f.And, " AND ", "1 = 1")
	case f.Or != nil:
		return b.group(f.Or, " OR ", "1 = 0")
	case f.Not != nil:
		s, err := b.filter(*f.Not)
		if err != nil {
			return "", err
		}
		return "NOT (" + s + ")", nil
	case f.Field != "":
		return b.leaf(f)
	}
	return "", fmt.Errorf("empty filter")
}

// group joins children with sep; an empty group is empty, the identity of
// sep.
func (b *sqlBuilder) group(children []content.Filter, sep, empty string) (string, error) {
	if len(children) == 0 {
		return empty, nil
	}
	parts := make([]string, len(children))
	for i, c := range children {
		s, err := b.filter(c)
		if err != nil {
			return "", err
		}
		parts[i] = "(" + s + ")"
	}
	return "(" + strings.Join(parts, sep) + ")", nil
}

// textCol is the column as text for the string operators. PostgreSQL needs
// a cast for other types, as Strapi does; SQLite converts by itself. The
// text of a non-text column differs between the databases.
func (b *sqlBuilder) textCol(f field) string {
	if f.typ.Info().Text() || b.dialect != Postgres {
		return f.col
	}
	return "CAST(" + f.col + " AS TEXT)"
}

func (b *sqlBuilder) lower(expr string) string {
	if b.dialect == SQLite {
		return sqliteLower + "(" + expr + ")"
	}
	return "lower(" + expr + ")"
}

// list returns the elements of a list value; a single value is a list of
// one, as Strapi casts it.
func list(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case []int64:
		out := make([]any, len(x))
		for i, n := range x {
			out[i] = n
		}
		return out
	case nil:
		return nil
	}
	return []any{v}
}

// leaf writes one comparison, by operator family: nullness, lists,
// ranges, comparisons of the field's own values, and the string
// operators.
func (b *sqlBuilder) leaf(flt content.Filter) (string, error) {
	f, err := resolveField(b.ct, flt.Field)
	if err != nil {
		return "", err
	}
	c := cond{Filter: flt, f: f}
	switch flt.Op {
	case content.OpNull, content.OpNotNull:
		return c.nullness()
	case content.OpIn, content.OpNotIn:
		return b.inList(c)
	case content.OpBetween:
		return b.between(c)
	}
	// Any other operator given a list matches any of its values, as
	// Strapi has it.
	if vs, ok := flt.Value.([]any); ok {
		ors := make([]content.Filter, len(vs))
		for i, x := range vs {
			ors[i] = content.Filter{Field: flt.Field, Op: flt.Op, Value: x}
		}
		return b.group(ors, " OR ", "1 = 0")
	}
	if flt.Value == nil {
		return c.equalsNull()
	}
	switch flt.Op {
	case content.OpEq, content.OpNe, content.OpLt, content.OpLte, content.OpGt, content.OpGte:
		return b.compare(c)
	}
	return b.textMatch(c)
}

// cond is a leaf filter with its resolved column.
type cond struct {
	content.Filter
	f field
}

func (c cond) fail(format string, args ...any) (string, error) {
	return "", fmt.Errorf("filter %s %s: %s", c.Field, c.Op, fmt.Sprintf(format, args...))
}

// value binds v converted to the column's type.
func (b *sqlBuilder) value(c cond, v any) (string, error) {
	dv, err := toDB(b.dialect, c.f.typ, v)
	if err != nil {
		return "", fmt.Errorf("filter %s %s: %w", c.Field, c.Op, err)
	}
	return b.bind(dv), nil
}

// nullness is $null and $notNull: true asks for the condition, false
// for its opposite.
func (c cond) nullness() (string, error) {
	want, ok := c.Value.(bool)
	if !ok {
		return c.fail("value must be a boolean, got %T", c.Value)
	}
	if want == (c.Op == content.OpNull) {
		return c.f.col + " IS NULL", nil
	}
	return c.f.col + " IS NOT NULL", nil
}

// equalsNull is an (in)equality with null, which asks whether the field
// is empty; the other operators need a value.
func (c cond) equalsNull() (string, error) {
	switch c.Op {
	case content.OpEq, content.OpEqi:
		return c.f.col + " IS NULL", nil
	case content.OpNe, content.OpNei:
		return c.f.col + " IS NOT NULL", nil
	}
	return c.fail("needs a value")
}

// inList is $in and $notIn.
func (b *sqlBuilder) inList(c cond) (string, error) {
	vs := list(c.Value)
	if len(vs) == 0 {
		// Nothing is in the empty list; everything is outside it.
		if c.Op == content.OpIn {
			return "1 = 0", nil
		}
		return "1 = 1", nil
	}
	marks := make([]string, len(vs))
	for i, x := range vs {
		if x == nil {
			return c.fail("list holds null")
		}
		var err error
		if marks[i], err = b.value(c, x); err != nil {
			return "", err
		}
	}
	kw := " IN ("
	if c.Op == content.OpNotIn {
		kw = " NOT IN ("
	}
	return c.f.col + kw + strings.Join(marks, ", ") + ")", nil
}

// between is $between, bounds included.
func (b *sqlBuilder) between(c cond) (string, error) {
	vs := list(c.Value)
	if len(vs) != 2 || vs[0] == nil || vs[1] == nil {
		return c.fail("needs two values, got %v", c.Value)
	}
	lo, err := b.value(c, vs[0])
	if err != nil {
		return "", err
	}
	hi, err := b.value(c, vs[1])
	if err != nil {
		return "", err
	}
	return c.f.col + " BETWEEN " + lo + " AND " + hi, nil
}

// comparisons are the operators that compare the field's own values. As
// in Strapi (a plain <> in its query builder), an empty field matches no
// comparison, $ne included.
var comparisons = map[content.Operator]string{
	content.OpEq: " = ", content.OpNe: " <> ",
	content.OpLt: " < ", content.OpLte: " <= ", content.OpGt: " > ", content.OpGte: " >= ",
}

func (b *sqlBuilder) compare(c cond) (string, error) {
	p, err := b.value(c, c.Value)
	return c.f.col + comparisons[c.Op] + p, err
}

// textMatch is the string operators. They compare text; none uses LIKE,
// so % and _ in a value are plain characters.
func (b *sqlBuilder) textMatch(c cond) (string, error) {
	s, err := textValue(c.Value)
	if err != nil {
		return c.fail("%v", err)
	}
	t := textArg{b: b, col: b.textCol(c.f), s: s}
	switch c.Op {
	case content.OpEqi, content.OpNei, content.OpContainsi, content.OpNotContainsi,
		content.OpStartsWithi, content.OpEndsWithi:
		t.fold = true
		t.col = b.foldedCol(t.col)
	}
	switch c.Op {
	case content.OpEqi:
		return t.col + " = " + t.arg(), nil
	case content.OpNei:
		return t.col + " <> " + t.arg(), nil
	case content.OpContains, content.OpContainsi:
		return t.contains(), nil
	case content.OpNotContains, content.OpNotContainsi:
		return "NOT (" + t.contains() + ")", nil
	case content.OpStartsWith, content.OpStartsWithi:
		n := t.length()
		return "substr(" + t.col + ", 1, " + n + ") = " + t.arg(), nil
	case content.OpEndsWith, content.OpEndsWithi:
		return t.endsWith(), nil
	}
	return c.fail("unknown operator")
}

// textArg is the column and the text a string operator compares, both
// lower-cased when fold is set.
type textArg struct {
	b    *sqlBuilder
	col  string
	s    string
	fold bool
}

func (t textArg) arg() string {
	if t.fold {
		return t.b.lower(t.b.bindText(t.s))
	}
	return t.b.bindText(t.s)
}

// length is the length, in characters, of the text a prefix or suffix is
// compared with (lower-casing can change it).
func (t textArg) length() string {
	if t.fold {
		return t.b.bind(int64(len([]rune(strings.ToLower(t.s)))))
	}
	return t.b.bind(int64(len([]rune(t.s))))
}

func (t textArg) contains() string {
	if t.b.dialect == Postgres {
		return "strpos(" + t.col + ", " + t.arg() + ") > 0"
	}
	return "instr(" + t.col + ", " + t.arg() + ") > 0"
}

func (t textArg) endsWith() string {
	n := t.length()
	if t.b.dialect == Postgres {
		return "right(" + t.col + ", " + n + ") = " + t.arg()
	}
	// SQLite has no right(); a value longer than the column gives a
	// start below 1 and a shorter substring, which cannot match.
	return "substr(" + t.col + ", length(" + t.col + ") - " + n + " + 1) = " + t.arg()
}

// textValue is the text a string operator looks for.
func textValue(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case int:
		return strconv.Itoa(x), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", fmt.Errorf("value must be text, got %T", v)
}

// ---------------------------------------------------------------------------
// Values

// toDB converts a Go value for an attribute of type t to what dialect
// stores: strings for the text types; int64 (or int) for integer; a
// decimal string or int64 for biginteger (SQLite holds 64 bits only);
// float64 or an integer for decimal and float; bool; time.Time or
// "YYYY-MM-DD" for date; time.Time or RFC 3339 text for datetime, stored
// in UTC at microsecond precision; anything encoding/json can marshal for
// json. nil is NULL.
func toDB(dialect Dialect, t content.AttrType, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	bad := func() (any, error) { return nil, fmt.Errorf("a %s value cannot be %T", t, v) }
	switch t.Info().Values {
	case content.StringValues:
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		return s, nil

	case content.IntegerValues:
		switch x := v.(type) {
		case int64:
			return x, nil
		case int:
			return int64(x), nil
		case int32:
			return int64(x), nil
		case float64:
			if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
				return nil, fmt.Errorf("an integer value cannot be %v", x)
			}
			return int64(x), nil
		}
		return bad()

	case content.BigIntegerValues:
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case int64:
			s = strconv.FormatInt(x, 10)
		case int:
			s = strconv.Itoa(x)
		default:
			return bad()
		}
		if !content.BigIntegerRE.MatchString(s) {
			return nil, fmt.Errorf("a biginteger value must be decimal digits, got %q", s)
		}
		if dialect == SQLite {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("biginteger %s is out of SQLite's 64-bit range", s)
			}
			return n, nil
		}
		return s, nil

	case content.FloatValues:
		var f float64
		switch x := v.(type) {
		case float64:
			f = x
		case float32:
			f = float64(x)
		case int64:
			f = float64(x)
		case int:
			f = float64(x)
		default:
			return bad()
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("a %s value must be finite", t)
		}
		return f, nil

	case content.BooleanValues:
		b, ok := v.(bool)
		if !ok {
			return bad()
		}
		if dialect == SQLite {
			if b {
				return int64(1), nil
			}
			return int64(0), nil
		}
		return b, nil

	case content.DateValues:
		// Bound as text on both: SQLite stores it so, and PostgreSQL
		// reads it as a date.
		switch x := v.(type) {
		case time.Time:
			// The calendar date the caller wrote, in its own location.
			return x.Format(time.DateOnly), nil
		case string:
			d, err := time.Parse(time.DateOnly, x)
			if err != nil {
				return nil, fmt.Errorf("a date must be YYYY-MM-DD, got %q", x)
			}
			return d.Format(time.DateOnly), nil
		}
		return bad()

	case content.DateTimeValues:
		switch x := v.(type) {
		case time.Time:
			return x.UTC().Truncate(time.Microsecond), nil
		case string:
			d, err := time.Parse(time.RFC3339Nano, x)
			if err != nil {
				return nil, fmt.Errorf("a datetime must be RFC 3339, got %q", x)
			}
			return d.UTC().Truncate(time.Microsecond), nil
		}
		return bad()

	case content.JSONValues:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("json value: %w", err)
		}
		return string(b), nil
	}
	return nil, fmt.Errorf("unsupported attribute type %q", t)
}

// fromDB converts a scanned column of type t to the Go value entries carry:
// string, int64, a decimal string for biginteger, float64, bool, time.Time
// in UTC (midnight for a date), or the decoded JSON; NULL is nil.
func fromDB(t content.AttrType, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	bad := func() (any, error) { return nil, fmt.Errorf("cannot read %T as %s", v, t) }
	text := func() (string, bool) {
		switch x := v.(type) {
		case string:
			return x, true
		case []byte:
			return string(x), true
		}
		return "", false
	}
	switch t.Info().Values {
	case content.StringValues:
		if s, ok := text(); ok {
			return s, nil
		}
		return bad()

	case content.IntegerValues:
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			if x == math.Trunc(x) {
				return int64(x), nil
			}
		}
		if s, ok := text(); ok {
			return strconv.ParseInt(s, 10, 64)
		}
		return bad()

	case content.BigIntegerValues:
		if x, ok := v.(int64); ok {
			return strconv.FormatInt(x, 10), nil
		}
		if s, ok := text(); ok {
			return strings.TrimSpace(s), nil
		}
		return bad()

	case content.FloatValues:
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		}
		if s, ok := text(); ok {
			return strconv.ParseFloat(s, 64)
		}
		return bad()

	case content.BooleanValues:
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		}
		if s, ok := text(); ok {
			switch strings.ToLower(s) {
			case "t", "true", "1":
				return true, nil
			case "f", "false", "0":
				return false, nil
			}
		}
		return bad()

	case content.DateValues:
		if x, ok := v.(time.Time); ok {
			y, m, d := x.Date()
			return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
		}
		if s, ok := text(); ok {
			return time.Parse(time.DateOnly, s)
		}
		return bad()

	case content.DateTimeValues:
		if x, ok := v.(time.Time); ok {
			return x.UTC(), nil
		}
		if s, ok := text(); ok {
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05"} {
				if d, err := time.Parse(layout, s); err == nil {
					return d.UTC(), nil
				}
			}
			return nil, fmt.Errorf("cannot read %q as a datetime", s)
		}
		return bad()

	case content.JSONValues:
		s, ok := text()
		if !ok {
			return bad()
		}
		var out any
		if err := json.Unmarshal([]byte(s), &out); err != nil {
			return nil, fmt.Errorf("json value: %w", err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported attribute type %q", t)
}
