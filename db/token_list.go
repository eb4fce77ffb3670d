package db

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tokenadmin/tokenadmin/apitoken"
)

// The admin's token list at any size. A page is found by seeking from a
// row of the page beside it (keyset pagination: an index range scan of one
// page, however deep), or by position for a bare ?page=N (the position is
// walked in a covering index, and only the page's rows are read). Every
// sort has an index in its exact order (migration 00015), the name search
// is served by a trigram index on PostgreSQL, and past a bound the total
// is estimated rather than counted.

// Bounds of an exact count: beyond them a count would cost more than the
// page it is shown with.
const (
	countBound       = 10_000
	searchCountBound = 1_000
)

// likeEscaper escapes LIKE's wildcards so a search for "50%" finds
// exactly that.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// listOrder is one sort of the list: its key expression, the same one its
// index is built on, and whether id breaks ties (name_key is unique).
type listOrder struct {
	key    string
	withID bool
	param  string // how a cursor's text is bound for comparison with key
}

// Never-used tokens come last in both directions: each direction sorts on
// last_used_at with NULL replaced by a time beyond (ascending) or before
// (descending) any real one, so both orders are plain index scans.
func (d *DB) listOrder(sort string, desc bool) listOrder {
	pg := d.Dialect == Postgres
	switch sort {
	case apitoken.SortCreated:
		if pg {
			return listOrder{key: "created_at", withID: true, param: "CAST(? AS timestamptz)"}
		}
		return listOrder{key: "created_at", withID: true, param: "?"}
	case apitoken.SortLastUsed:
		switch {
		case pg && desc:
			return listOrder{key: "COALESCE(last_used_at, '-infinity'::timestamptz)", withID: true, param: "CAST(? AS timestamptz)"}
		case pg:
			return listOrder{key: "COALESCE(last_used_at, 'infinity'::timestamptz)", withID: true, param: "CAST(? AS timestamptz)"}
		case desc:
			return listOrder{key: "COALESCE(last_used_at, '')", withID: true, param: "?"}
		default:
			return listOrder{key: "COALESCE(last_used_at, '9999-12-31')", withID: true, param: "?"}
		}
	}
	return listOrder{key: "name_key", param: "?"}
}

// orderBy is the ORDER BY of a scan forwards (asc) or backwards.
func (o listOrder) orderBy(asc bool) string {
	dir := " ASC"
	if !asc {
		dir = " DESC"
	}
	if o.withID {
		return o.key + dir + ", id" + dir
	}
	return o.key + dir
}

// seek is the condition for rows after (asc) or before the cursor c.
func (o listOrder) seek(asc bool, c cursor) (string, []any) {
	op := " > "
	if !asc {
		op = " < "
	}
	if o.withID {
		return "(" + o.key + ", id)" + op + "(" + o.param + ", ?)", []any{c.key, c.id}
	}
	return o.key + op + o.param, []any{c.key}
}

// cursor is a row's place in a sort: its key as the database writes it
// in text, and its id.
type cursor struct {
	key string
	id  int64
}

func (c cursor) String() string {
	b, _ := json.Marshal([]string{c.key, strconv.FormatInt(c.id, 10)})
	return base64.RawURLEncoding.EncodeToString(b)
}

// maxCursorLen bounds what is decoded: a real cursor is a name (100
// characters, up to 4 bytes each) or a time, and an id.
const maxCursorLen = 700

var errBadCursor = errors.New("bad cursor")

func parseCursor(s string) (cursor, error) {
	if len(s) > maxCursorLen {
		return cursor{}, errBadCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, errBadCursor
	}
	var parts []string
	if json.Unmarshal(b, &parts) != nil || len(parts) != 2 {
		return cursor{}, errBadCursor
	}
	id, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return cursor{}, errBadCursor
	}
	return cursor{key: parts[0], id: id}, nil
}

// listRow is a token row with its sort key as text.
type listRow struct {
	tokenRow
	SortKey string `db:"sort_key"`
}

// pageQuery is the SELECT of one page of the list.
type pageQuery struct {
	sql                string
	args               []any
	seeking, backwards bool
}

// pageQuery builds the page's SELECT: a seek from a cursor, the page at
// an offset, or the first page. It asks for one row more than the page
// to tell whether another page follows. A cursor that does not parse is
// ignored, giving the page at q.Offset.
func (d *DB) pageQuery(q apitoken.ListQuery, limit int) pageQuery {
	where, args := d.listCond(q)
	order := d.listOrder(q.Sort, q.Desc)
	var (
		c   cursor
		err error
		pq  pageQuery
	)
	switch {
	case q.After != "":
		c, err = parseCursor(q.After)
		pq.seeking = err == nil
	case q.Before != "":
		c, err = parseCursor(q.Before)
		pq.seeking, pq.backwards = err == nil, err == nil
	}
	asc := q.Desc == pq.backwards
	cols := `SELECT ` + tokenColumns + `, CAST(` + order.key + ` AS TEXT) AS sort_key FROM api_tokens`
	pq.args = slices.Clone(args)
	switch {
	case pq.seeking:
		cond, cargs := order.seek(asc, c)
		pq.sql = cols + and(where, cond) + ` ORDER BY ` + order.orderBy(asc) + ` LIMIT ?`
		pq.args = append(append(pq.args, cargs...), limit+1)
	case q.Offset > 0:
		// The position is walked in the sort's index, which holds the id
		// (PostgreSQL: INCLUDE, SQLite: the rowid), so only the page's rows
		// are read from the table.
		pq.sql = cols + ` WHERE id IN (SELECT id FROM api_tokens` + where + ` ORDER BY ` + order.orderBy(asc) +
			` LIMIT ? OFFSET ?) ORDER BY ` + order.orderBy(asc)
		pq.args = append(pq.args, limit+1, q.Offset)
	default:
		pq.sql = cols + where + ` ORDER BY ` + order.orderBy(asc) + ` LIMIT ?`
		pq.args = append(pq.args, limit+1)
	}
	pq.sql = d.Rebind(pq.sql)
	return pq
}

// TokenPage returns one page of the list, with an exact total while it
// is cheap to count and an estimate beyond.
func (d *DB) TokenPage(ctx context.Context, q apitoken.ListQuery) (apitoken.Page, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = apitoken.PageSize
	}
	pq := d.pageQuery(q, limit)
	var rows []listRow
	if err := d.SelectContext(ctx, &rows, pq.sql, pq.args...); err != nil {
		return apitoken.Page{}, wrap("list tokens", err)
	}
	more := len(rows) > limit
	rows = rows[:min(len(rows), limit)]
	page := apitoken.Page{HasPrev: q.Offset > 0 && !pq.seeking || pq.seeking && !pq.backwards, HasNext: more}
	if pq.backwards {
		slices.Reverse(rows)
		page.HasPrev, page.HasNext = more, true
	}
	if len(rows) > 0 {
		page.First = cursor{rows[0].SortKey, rows[0].ID}.String()
		page.Last = cursor{rows[len(rows)-1].SortKey, rows[len(rows)-1].ID}.String()
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	perms, err := d.tokenPermissions(ctx, d.DB, ids)
	if err != nil {
		return apitoken.Page{}, wrap("list token permissions", err)
	}
	page.Tokens = make([]apitoken.Token, len(rows))
	for i, r := range rows {
		page.Tokens[i] = r.token(perms[r.ID])
	}
	if !more && q.Offset == 0 && !pq.seeking {
		// The first page holds every match: that is the count. A narrow
		// search (one customer among a million) then costs one index
		// lookup, not two.
		page.Total = apitoken.Count{N: len(rows), Kind: apitoken.CountExact}
		return page, nil
	}
	where, args := d.listCond(q)
	if page.Total, err = d.countTokens(ctx, q.Search != "" || q.Filter.Narrows(), where, args); err != nil {
		return apitoken.Page{}, err
	}
	return page, nil
}

func and(where, cond string) string {
	if where == "" {
		return " WHERE " + cond
	}
	return where + " AND " + cond
}

// searchCond is the WHERE clause of a name search: a substring of the
// lower-cased name, LIKE's wildcards escaped. On PostgreSQL the trigram
// index answers it for three characters and more.
//
// A trigram index reads the whole posting list of every trigram of the
// pattern, and a word most names share ("customer" in a million "Customer
// N") has a list as long as the table: searching "customer 123456" took
// 20 ms on a quiet machine, and ten times that under load, where "123456"
// alone takes a fraction of a millisecond. So when the search has several
// words, the index is asked for one of them, the likeliest to be rare (one
// with digits, else the longest), and the whole search is checked on the
// rows it finds, written so that the index cannot serve it.
func (d *DB) searchCond(search string) (string, []any) {
	if search == "" {
		return "", nil
	}
	key := nameKey(search)
	full := "%" + likeEscaper.Replace(key) + "%"
	if d.Dialect == Postgres {
		if word := rarestWord(key); word != "" && word != key {
			return ` WHERE name_key LIKE ? ESCAPE '\' AND (name_key || '') LIKE ? ESCAPE '\'`,
				[]any{"%" + likeEscaper.Replace(word) + "%", full}
		}
	}
	return ` WHERE name_key LIKE ? ESCAPE '\'`, []any{full}
}

// listCond is the WHERE clause of the list: the name search and the
// filter.
func (d *DB) listCond(q apitoken.ListQuery) (string, []any) {
	where, args := d.searchCond(q.Search)
	if q.Filter.Paused {
		where = and(where, `paused_at IS NOT NULL`)
	}
	if by := q.Filter.ExpiringBy; by != nil {
		where = and(where, `expires_at > ? AND expires_at <= ?`)
		args = append(args, utc(q.Filter.Now), utc(*by))
	}
	if q.Filter.Expired {
		where = and(where, `expires_at <= ?`)
		args = append(args, utc(q.Filter.Now))
	}
	if q.Filter.NeverUsed {
		where = and(where, `last_used_at IS NULL`)
	}
	if q.Filter.Type != "" {
		where = and(where, `type = ?`)
		args = append(args, string(q.Filter.Type))
	}
	return where, args
}

// ExpiredTokenIDs returns up to limit ids of the tokens expired at now,
// oldest id first: the list's expired filter, a range of the expires_at
// index.
func (d *DB) ExpiredTokenIDs(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	where, args := d.listCond(apitoken.ListQuery{Filter: apitoken.ListFilter{Expired: true, Now: now}})
	var ids []int64
	err := d.SelectContext(ctx, &ids, d.Rebind(`SELECT id FROM api_tokens`+where+` ORDER BY id LIMIT ?`), append(args, limit)...)
	return ids, wrap("expired token ids", err)
}

// CountTokensExpiring counts the tokens that have not expired at now and
// expire by by, up to a bound (the list's banner): a range of the
// expires_at index.
func (d *DB) CountTokensExpiring(ctx context.Context, now, by time.Time) (apitoken.Count, error) {
	where, args := d.listCond(apitoken.ListQuery{Filter: apitoken.ListFilter{ExpiringBy: &by, Now: now}})
	return d.countTokens(ctx, true, where, args)
}

// rarestWord guesses which word of a search is the rarest in names: one
// with digits (an id or a number), else the longest; "" when no word has
// the three characters a trigram needs.
func rarestWord(search string) string {
	best, bestDigits := "", false
	for _, w := range strings.Fields(search) {
		if utf8.RuneCountInString(w) < 3 {
			continue
		}
		digits := strings.ContainsAny(w, "0123456789")
		switch {
		case best == "",
			digits && !bestDigits,
			digits == bestDigits && utf8.RuneCountInString(w) > utf8.RuneCountInString(best):
			best, bestDigits = w, digits
		}
	}
	return best
}

// countTokens counts the matching rows up to a bound, and past it asks for
// an estimate: PostgreSQL's planner's (from its statistics), or, on SQLite,
// which has none, the id range for the whole table and the bound for a
// search.
func (d *DB) countTokens(ctx context.Context, narrowed bool, where string, args []any) (apitoken.Count, error) {
	bound := countBound
	if narrowed {
		bound = searchCountBound
	}
	var n int
	err := d.GetContext(ctx, &n, d.Rebind(`SELECT COUNT(*) FROM (SELECT 1 FROM api_tokens`+where+` LIMIT ?) AS bounded`),
		append(slices.Clone(args), bound+1)...)
	if err != nil {
		return apitoken.Count{}, wrap("count tokens", err)
	}
	if n <= bound {
		return apitoken.Count{N: n, Kind: apitoken.CountExact}, nil
	}
	if d.Dialect == Postgres {
		est, err := d.planRows(ctx, `SELECT 1 FROM api_tokens`+where, args)
		if err != nil {
			return apitoken.Count{}, wrap("estimate tokens", err)
		}
		return apitoken.Count{N: max(est, bound+1), Kind: apitoken.CountEstimate}, nil
	}
	if narrowed {
		return apitoken.Count{N: bound, Kind: apitoken.CountAtLeast}, nil
	}
	// Two subqueries: SQLite reads MIN and MAX from the ends of the
	// primary key only when each stands alone.
	var span int
	if err := d.GetContext(ctx, &span, `SELECT COALESCE((SELECT MAX(id) FROM api_tokens) - (SELECT MIN(id) FROM api_tokens) + 1, 0)`); err != nil {
		return apitoken.Count{}, wrap("estimate tokens", err)
	}
	return apitoken.Count{N: max(span, bound+1), Kind: apitoken.CountEstimate}, nil
}

// planRows is PostgreSQL's estimate of how many rows query returns.
func (d *DB) planRows(ctx context.Context, query string, args []any) (int, error) {
	var plan string
	if err := d.GetContext(ctx, &plan, d.Rebind(`EXPLAIN (FORMAT JSON) `+query), args...); err != nil {
		return 0, err
	}
	var out []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		} `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(plan), &out); err != nil || len(out) == 0 {
		return 0, errors.New("unreadable EXPLAIN output")
	}
	return int(out[0].Plan.Rows), nil
}

// Tokens returns one page of tokens by position and how many match in
// all, counted exactly (the CLI and tests; the admin list uses TokenPage).
func (d *DB) Tokens(ctx context.Context, q apitoken.ListQuery) ([]apitoken.Token, int, error) {
	q.After, q.Before = "", ""
	page, err := d.TokenPage(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	total := page.Total.N
	if page.Total.Kind != apitoken.CountExact {
		where, args := d.listCond(q)
		if err := d.GetContext(ctx, &total, d.Rebind(`SELECT COUNT(*) FROM api_tokens`+where), args...); err != nil {
			return nil, 0, wrap("count tokens", err)
		}
	}
	return page.Tokens, total, nil
}
