package db

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/bits"
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
// attribute nor a system field is an error. The entries' Data may be
// shared with concurrent callers: read it only.
func (d *DB) FindEntries(ctx context.Context, ct content.ContentType, q content.Query) ([]content.Entry, int, error) {
	const op = "find entries"
	f, err := d.findQuery(ct, q)
	if err != nil {
		return nil, 0, fmt.Errorf("db: %s: %w", op, err)
	}
	if f.offset > maxSharedOffset {
		// A page this far out is empty and its window would overflow.
		p, err := d.findPage(ctx, f, f.limit, f.offset)
		return p.entries, p.total, err
	}
	// Identical finds share one statement. On PostgreSQL, so do finds
	// that differ only in their window (pages near each other): one
	// statement reads every window and each caller takes its own rows.
	// On SQLite reading the rows between windows costs more than the
	// statements it saves (every page in turn at 32 connections: 6,750-
	// 7,090 req/s sharing identical windows only, 5,480-6,150 nearby
	// ones), so only identical windows share there.
	arg := strconv.FormatInt(f.offset, 10) + "+" + strconv.FormatInt(f.limit, 10)
	key := f.key() + "\x00" + arg
	if d.Dialect == Postgres {
		key = f.key() + "\x00block " + strconv.FormatInt(f.offset/sharedWindowBlock, 10)
	}
	w, err := d.finds.do(ctx, key, arg, func(ctx context.Context, windows []string) (sharedWindow, error) {
		return d.findWindows(ctx, f, windows)
	})
	if err != nil {
		return nil, 0, err
	}
	// Each caller gets its own slice; the entries are shared read-only.
	from := min(f.offset-w.offset, int64(len(w.entries)))
	to := min(from+f.limit, int64(len(w.entries)))
	return slices.Clone(w.entries[from:to]), w.total, nil
}

// Windows that share a statement start in the same block of rows, so the
// statement reads at most sharedWindowBlock + maxPageSize rows.
const (
	sharedWindowBlock = 100
	maxSharedOffset   = 1 << 40
)

// page is what a find returns.
type page struct {
	entries []content.Entry
	total   int
}

// sharedWindow is the rows of a statement that served several windows,
// from offset on.
type sharedWindow struct {
	page
	offset int64
}

// findWindows reads the rows of every window ("offset+limit") in one
// statement: the smallest range holding them all, its size rounded up to
// a power of two so that the statement texts stay few. One window is
// read exactly, as a find that shares nothing.
func (d *DB) findWindows(ctx context.Context, f findQuery, windows []string) (sharedWindow, error) {
	lo, hi := int64(math.MaxInt64), int64(0)
	for _, w := range windows {
		off, lim, _ := strings.Cut(w, "+")
		o, _ := strconv.ParseInt(off, 10, 64)
		l, _ := strconv.ParseInt(lim, 10, 64)
		lo, hi = min(lo, o), max(hi, o+l)
	}
	limit := hi - lo
	if len(windows) > 1 {
		limit = 1 << bits.Len64(uint64(limit-1))
	}
	p, err := d.findPage(ctx, f, limit, lo)
	return sharedWindow{p, lo}, err
}

func (d *DB) findPage(ctx context.Context, f findQuery, limit, offset int64) (page, error) {
	const op = "find entries"
	var (
		entries []content.Entry
		total   int64
	)
	query, args := d.windowed(f, limit, offset)
	err := d.prepared(ctx, query, func(s *sqlx.Stmt) error {
		rows, err := s.QueryxContext(ctx, args...)
		if err != nil {
			return err
		}
		entries, err = scanEntries(rows, f.attrs, &total)
		return err
	})
	if err != nil {
		return page{}, wrap(op, err)
	}
	if len(entries) == 0 && offset > 0 {
		err = d.prepared(ctx, f.countSQL, func(s *sqlx.Stmt) error {
			return s.GetContext(ctx, &total, f.countArgs...)
		})
		if err != nil {
			return page{}, wrap("count entries", err)
		}
	}
	return page{entries, int(total)}, nil
}

// key tells finds apart but for their window: the statement and every
// value bound to it, each with its type and length, so that no two
// different finds share a key.
func (f findQuery) key() string {
	var b strings.Builder
	b.WriteString(f.sql)
	for _, a := range f.args {
		v := fmt.Sprintf("%T:%v", a, a)
		fmt.Fprintf(&b, "\x00%d:%s", len(v), v)
	}
	return b.String()
}

// findQuery is the statement FindEntries runs, a page of rows each
// carrying the count, before its window (LIMIT and OFFSET) is written;
// and the count alone for a page past the end.
type findQuery struct {
	sql           string // not rebound: the window's placeholder goes last
	countSQL      string // rebound
	args          []any  // of sql, without the window's
	countArgs     []any
	attrs         []content.Attribute
	limit, offset int64 // the window asked for
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
	return findQuery{
		sql:      `SELECT ` + cols + `, (` + count + `) FROM ` + src + where + ` ORDER BY ` + order,
		countSQL: d.Rebind(count), args: args, countArgs: b.args, attrs: attrs, limit: limit, offset: offset,
	}, nil
}

// windowed is f's statement for the rows from offset, at most limit.
//
// The limit is written into the text, not bound: PostgreSQL plans a LIMIT
// it cannot see for a tenth of the table, which makes its cached generic
// plan look dearer than a fresh one, so it re-planned every execution
// (50-80 µs of its CPU per request on the find of make bench). Limits are
// few (1 to maxPageSize, and powers of two for shared windows), so the
// texts stay few; the first page, by far the most asked for, has no
// OFFSET at all and so nothing left to plan per call when unfiltered.
func (d *DB) windowed(f findQuery, limit, offset int64) (string, []any) {
	query := f.sql + ` LIMIT ` + strconv.FormatInt(limit, 10)
	args := f.args
	if offset > 0 {
		query += ` OFFSET ?`
		args = append(slices.Clip(args), offset)
	}
	return d.Rebind(query), args
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
