package db

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/tokenadmin/tokenadmin/content"
)

// Reading entries. Reads outside a transaction go through the statement
// cache (stmtcache.go) and cost one round trip each. Under load,
// identical finds share one execution, and on PostgreSQL findOnes share
// round trips (coalesce.go).

// FindEntries returns one page of ct's entries matching q.Filter in
// q.Sort order (then by id), and how many entries match in all. Filtering,
// sorting and paging run in the database in one statement: the count is an
// uncorrelated scalar subquery, evaluated once beside the page's rows, so
// the rows keep their index plan (a window COUNT(*) OVER () would sort
// every match before the LIMIT). A page past the end carries no row to
// hold the count, so only then is it asked for on its own.
// q.Fields, when not nil, limits the attributes returned; id, documentId
// and the timestamps are always returned. A field that is neither an
// attribute nor a system field is an error.
func (d *DB) FindEntries(ctx context.Context, ct content.ContentType, q content.Query) ([]content.Entry, int, error) {
	const op = "find entries"
	f, err := d.findQuery(ct, q)
	if err != nil {
		return nil, 0, fmt.Errorf("db: %s: %w", op, err)
	}
	// Identical finds (same statement, same values) share one run.
	p, err := d.finds.do(ctx, f.key(), "", func(ctx context.Context, _ []string) (page, error) {
		return d.findPage(ctx, f)
	})
	// Each caller gets its own slice; the entries are shared read-only.
	return slices.Clone(p.entries), p.total, err
}

// page is what a find returns.
type page struct {
	entries []content.Entry
	total   int
}

func (d *DB) findPage(ctx context.Context, f findQuery) (page, error) {
	const op = "find entries"
	var (
		entries []content.Entry
		total   int64
	)
	err := d.prepared(ctx, f.sql, func(s *sqlx.Stmt) error {
		rows, err := s.QueryxContext(ctx, f.args...)
		if err != nil {
			return err
		}
		entries, err = scanEntries(rows, f.attrs, &total)
		return err
	})
	if err != nil {
		return page{}, wrap(op, err)
	}
	if len(entries) == 0 && f.offset > 0 {
		err = d.prepared(ctx, f.countSQL, func(s *sqlx.Stmt) error {
			return s.GetContext(ctx, &total, f.countArgs...)
		})
		if err != nil {
			return page{}, wrap("count entries", err)
		}
	}
	return page{entries, int(total)}, nil
}

// key tells finds apart: the statement and every value bound to it,
// each with its type and length, so that no two different finds share
// a key.
func (f findQuery) key() string {
	var b strings.Builder
	b.WriteString(f.sql)
	for _, a := range f.args {
		v := fmt.Sprintf("%T:%v", a, a)
		fmt.Fprintf(&b, "\x00%d:%s", len(v), v)
	}
	return b.String()
}

// findQuery is the statement FindEntries runs: a page of rows, each
// carrying the count, and the count alone for a page past the end.
type findQuery struct {
	sql, countSQL   string // rebound
	args, countArgs []any
	attrs           []content.Attribute
	offset          int64
}

func (d *DB) findQuery(ct content.ContentType, q content.Query) (findQuery, error) {
	qt, err := quotedTable(ct)
	if err != nil {
		return findQuery{}, err
	}
	attrs, err := selectedAttributes(ct, q.Fields)
	if err != nil {
		return findQuery{}, err
	}
	b := &sqlBuilder{dialect: d.Dialect, ct: ct}
	where := ""
	if q.Filter != nil {
		cond, err := b.where(*q.Filter)
		if err != nil {
			return findQuery{}, err
		}
		where = " WHERE " + cond
	}
	order, err := b.orderBy(q.Sort)
	if err != nil {
		return findQuery{}, err
	}
	cols, err := selectList(attrs)
	if err != nil {
		return findQuery{}, err
	}
	limit, offset := window(q)

	src := b.from(qt)
	count := `SELECT COUNT(*) FROM ` + src + where
	// The subquery's placeholders come first in the text, so its copy of
	// the filter's values goes first.
	args := make([]any, 0, 2*len(b.args)+1)
	args = append(append(args, b.args...), b.args...)
	// The page size is written into the text, not bound: PostgreSQL
	// plans a LIMIT it cannot see for a tenth of the table, which makes
	// its cached generic plan look dearer than a fresh one, so it
	// re-planned every execution (50-80 µs of its CPU per request on
	// the find of make bench). Sizes are few (1 to maxPageSize), so the
	// texts stay few; the first page, by far the most asked for, has no
	// OFFSET at all and so nothing left to plan per call when unfiltered.
	window := ` LIMIT ` + strconv.FormatInt(limit, 10)
	if offset > 0 {
		window += ` OFFSET ?`
		args = append(args, offset)
	}
	return findQuery{
		sql:      d.Rebind(`SELECT ` + cols + `, (` + count + `) FROM ` + src + where + ` ORDER BY ` + order + window),
		countSQL: d.Rebind(count), args: args, countArgs: b.args, attrs: attrs, offset: offset,
	}, nil
}

// FindEntry returns the entry with the document id, or ErrNotFound. The
// entry's Data may be shared with concurrent callers: read it only.
func (d *DB) FindEntry(ctx context.Context, ct content.ContentType, documentID string) (content.Entry, error) {
	read := func(ctx context.Context, ids []string) ([]content.Entry, error) {
		return d.entriesByDocumentID(ctx, ct, ids)
	}
	entries, err := d.readShared(ctx, ct.CollectionName, documentID, read)
	if err == nil {
		err = sql.ErrNoRows
		for _, e := range entries {
			if e.DocumentID == documentID {
				return e, nil
			}
		}
	}
	return content.Entry{}, entryErr("find entry", ct, err)
}

// SingleEntry returns the one entry of a single type, or ErrNotFound when
// it has none yet. Its Data may be shared: read it only.
func (d *DB) SingleEntry(ctx context.Context, ct content.ContentType) (content.Entry, error) {
	read := func(ctx context.Context, _ []string) ([]content.Entry, error) {
		return d.entriesWhere(ctx, ct, `1 = 1 ORDER BY "id" LIMIT 1`)
	}
	// A collection name has no space, so this key is no collection's.
	entries, err := d.readShared(ctx, "single "+ct.CollectionName, "", read)
	if err == nil && len(entries) == 0 {
		err = sql.ErrNoRows
	}
	if err != nil {
		return content.Entry{}, entryErr("single entry", ct, err)
	}
	return entries[0], nil
}

// readShared runs read for arg, sharing the run with other callers of key
// when the database coalesces reads.
func (d *DB) readShared(ctx context.Context, key, arg string, read func(context.Context, []string) ([]content.Entry, error)) ([]content.Entry, error) {
	if d.findOnes == nil || !shareable(arg) {
		return read(ctx, []string{arg})
	}
	return d.findOnes.do(ctx, key, arg, read)
}

// shareable tells an argument that cannot make a shared statement fail
// for the others in it. The HTTP and GraphQL layers refuse such text
// before it gets here; this holds whoever calls.
func shareable(arg string) bool {
	return len(arg) <= maxShareableArg && utf8.ValidString(arg) && !strings.ContainsRune(arg, 0)
}

// maxShareableArg bounds an argument in a shared statement: document
// ids are 24 characters.
const maxShareableArg = 64

// entriesByDocumentID reads the entries with the document ids, one
// statement for all of them; those that do not exist are left out.
func (d *DB) entriesByDocumentID(ctx context.Context, ct content.ContentType, ids []string) ([]content.Entry, error) {
	if len(ids) == 1 {
		// The statement every uncoalesced read runs, as on SQLite.
		return d.entriesWhere(ctx, ct, `"document_id" = ?`, ids[0])
	}
	return d.entriesWhere(ctx, ct, `"document_id" = ANY(?)`, pq.StringArray(ids))
}

// entryWhere reads, in tx, the first entry matching where, with every
// attribute. It returns sql.ErrNoRows when none matches.
func (d *DB) entryWhere(ctx context.Context, tx *sqlx.Tx, ct content.ContentType, where string, args ...any) (content.Entry, error) {
	query, err := d.entriesSQL(ct, where)
	if err != nil {
		return content.Entry{}, err
	}
	rows, err := tx.QueryxContext(ctx, query, args...)
	if err != nil {
		return content.Entry{}, err
	}
	entries, err := scanEntries(rows, ct.Attributes, nil)
	if err != nil {
		return content.Entry{}, err
	}
	if len(entries) == 0 {
		return content.Entry{}, sql.ErrNoRows
	}
	return entries[0], nil
}

// entriesWhere reads the entries, with every attribute, matching where,
// as a cached prepared statement.
func (d *DB) entriesWhere(ctx context.Context, ct content.ContentType, where string, args ...any) ([]content.Entry, error) {
	query, err := d.entriesSQL(ct, where)
	if err != nil {
		return nil, err
	}
	var entries []content.Entry
	err = d.prepared(ctx, query, func(s *sqlx.Stmt) error {
		rows, err := s.QueryxContext(ctx, args...)
		if err != nil {
			return err
		}
		entries, err = scanEntries(rows, ct.Attributes, nil)
		return err
	})
	return entries, err
}

func (d *DB) entriesSQL(ct content.ContentType, where string) (string, error) {
	qt, err := quotedTable(ct)
	if err != nil {
		return "", err
	}
	cols, err := selectList(ct.Attributes)
	if err != nil {
		return "", err
	}
	return d.Rebind(`SELECT ` + cols + ` FROM ` + qt + ` WHERE ` + where), nil
}
