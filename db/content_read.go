package db

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/jmoiron/sqlx"

	"github.com/tokenadmin/tokenadmin/content"
)

// Reading entries. Reads outside a transaction go through the statement
// cache (stmtcache.go) and cost one round trip each.

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
	var (
		entries []content.Entry
		total   int64
	)
	err = d.prepared(ctx, f.sql, func(s *sqlx.Stmt) error {
		rows, err := s.QueryxContext(ctx, f.args...)
		if err != nil {
			return err
		}
		entries, err = scanEntries(rows, f.attrs, &total)
		return err
	})
	if err != nil {
		return nil, 0, wrap(op, err)
	}
	if len(entries) == 0 && f.offset > 0 {
		err = d.prepared(ctx, f.countSQL, func(s *sqlx.Stmt) error {
			return s.GetContext(ctx, &total, f.countArgs...)
		})
		if err != nil {
			return nil, 0, wrap("count entries", err)
		}
	}
	return entries, int(total), nil
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

// FindEntry returns the entry with the document id, or ErrNotFound.
func (d *DB) FindEntry(ctx context.Context, ct content.ContentType, documentID string) (content.Entry, error) {
	e, err := d.entryWhere(ctx, nil, ct, `"document_id" = ?`, documentID)
	return e, entryErr("find entry", ct, err)
}

// SingleEntry returns the one entry of a single type, or ErrNotFound when
// it has none yet.
func (d *DB) SingleEntry(ctx context.Context, ct content.ContentType) (content.Entry, error) {
	e, err := d.entryWhere(ctx, nil, ct, `1 = 1 ORDER BY "id" LIMIT 1`)
	return e, entryErr("single entry", ct, err)
}

// entryWhere reads the first entry, with every attribute, matching where
// (which may carry an ORDER BY and LIMIT), in tx or, when tx is nil, as a
// cached prepared statement. It returns sql.ErrNoRows when none matches.
func (d *DB) entryWhere(ctx context.Context, tx *sqlx.Tx, ct content.ContentType, where string, args ...any) (content.Entry, error) {
	qt, err := quotedTable(ct)
	if err != nil {
		return content.Entry{}, err
	}
	cols, err := selectList(ct.Attributes)
	if err != nil {
		return content.Entry{}, err
	}
	query := d.Rebind(`SELECT ` + cols + ` FROM ` + qt + ` WHERE ` + where)
	var entries []content.Entry
	if tx != nil {
		rows, err := tx.QueryxContext(ctx, query, args...)
		if err != nil {
			return content.Entry{}, err
		}
		entries, err = scanEntries(rows, ct.Attributes, nil)
		if err != nil {
			return content.Entry{}, err
		}
	} else {
		err = d.prepared(ctx, query, func(s *sqlx.Stmt) error {
			rows, err := s.QueryxContext(ctx, args...)
			if err != nil {
				return err
			}
			entries, err = scanEntries(rows, ct.Attributes, nil)
			return err
		})
		if err != nil {
			return content.Entry{}, err
		}
	}
	if len(entries) == 0 {
		return content.Entry{}, sql.ErrNoRows
	}
	return entries[0], nil
}
