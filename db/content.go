package db

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/tokenadmin/tokenadmin/content"
)

// Entries are stored per content type in a table of their own, as Strapi
// does: "ct_<collectionName>" with the system columns id, document_id,
// created_at, updated_at and published_at, and one column per attribute
// named exactly as the attribute. SyncContentTypes creates and extends the
// tables; the other functions here read and write entries.

// UniqueViolation is the error a write returns when it would give a unique
// attribute a value another entry of the type already has: the content
// package's, wrapped so that it also matches ErrConflict.
type UniqueViolation = content.UniqueViolation

// contentLockID keys the PostgreSQL advisory lock held while content tables
// are synchronised ("tokconte" in ASCII).
const contentLockID = 0x746f6b636f6e7465

// identRE is the shape of every identifier the store puts in SQL. Schema
// loading enforces it already; checking again here keeps SQL injection out
// even if a ContentType is built some other way.
var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// maxIdentLen is PostgreSQL's limit (NAMEDATALEN-1); longer names would be
// truncated silently, and two of them could then collide. SQLite has no
// limit, but the same names are used on both.
const maxIdentLen = 63

// quoteIdent returns name double-quoted, refusing anything that is not a
// plain identifier; the refusal is what makes quoting without escaping
// safe.
func quoteIdent(name string) (string, error) {
	if !identRE.MatchString(name) {
		return "", fmt.Errorf("invalid identifier %q", name)
	}
	if len(name) > maxIdentLen {
		return "", fmt.Errorf("identifier %q is longer than %d bytes", name, maxIdentLen)
	}
	return `"` + name + `"`, nil
}

func tableName(ct content.ContentType) string { return "ct_" + ct.CollectionName }

func quotedTable(ct content.ContentType) (string, error) { return quoteIdent(tableName(ct)) }

// indexName returns "<table>_<suffix>", shortened with a hash of the full
// name when PostgreSQL would otherwise truncate it.
func indexName(table, suffix string) string {
	name := table + "_" + suffix
	if len(name) <= maxIdentLen {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return name[:maxIdentLen-9] + "_" + hex.EncodeToString(sum[:4])
}

func uniqueIndexName(ct content.ContentType, attr string) string {
	return indexName(tableName(ct), attr+"_key")
}

// systemColumns are the columns every content table has; an attribute may
// not take one of these names, in any case (SQLite's names are
// case-insensitive).
var systemColumns = []string{"id", "document_id", "created_at", "updated_at", "published_at"}

// ---------------------------------------------------------------------------
// Schema synchronisation

// SyncContentTypes creates the table of every type that has none and adds
// the columns of attributes a table lacks, in one transaction. Columns of
// attributes no longer in the schema are left in place, data and all. A
// unique attribute gets a unique index "ct_<collection>_<attr>_key"; the
// index of an attribute that is no longer unique is dropped. On PostgreSQL
// an advisory lock keeps instances starting together from racing.
// Attributes whose type changed keep their old column type: the store does
// not convert data.
func (d *DB) SyncContentTypes(ctx context.Context, types []content.ContentType) error {
	// Refuse a bad schema before touching the database.
	seen := map[string]string{}
	for _, ct := range types {
		if err := checkContentType(ct); err != nil {
			return fmt.Errorf("db: sync content types: %w", err)
		}
		key := strings.ToLower(tableName(ct))
		if other, ok := seen[key]; ok {
			return fmt.Errorf("db: sync content types: %s and %s would share table %s", other, ct.UID(), tableName(ct))
		}
		seen[key] = ct.UID()
	}
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		if d.Dialect == Postgres {
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d)`, int64(contentLockID))); err != nil {
				return err
			}
		}
		for _, ct := range types {
			if err := d.syncType(ctx, tx, ct); err != nil {
				return fmt.Errorf("%s: %w", tableName(ct), err)
			}
		}
		return nil
	})
	return wrap("sync content types", err)
}

// checkContentType refuses names that cannot be stored as identifiers or
// that would collide with a system column or with each other.
func checkContentType(ct content.ContentType) error {
	if ct.CollectionName == "" {
		return fmt.Errorf("content type %s has no collection name", ct.UID())
	}
	if _, err := quotedTable(ct); err != nil {
		return fmt.Errorf("content type %s: table name: %w", ct.UID(), err)
	}
	names := map[string]bool{}
	for _, c := range systemColumns {
		names[c] = true
	}
	for _, a := range ct.Attributes {
		if _, err := quoteIdent(a.Name); err != nil {
			return fmt.Errorf("content type %s: attribute: %w", ct.UID(), err)
		}
		if _, err := columnType(Postgres, a.Type); err != nil {
			return fmt.Errorf("content type %s: attribute %s: %w", ct.UID(), a.Name, err)
		}
		key := strings.ToLower(a.Name)
		if names[key] {
			return fmt.Errorf("content type %s: attribute %q collides with another column of the table", ct.UID(), a.Name)
		}
		names[key] = true
	}
	return nil
}

// columnType is the SQL type of an attribute's column.
func columnType(dialect Dialect, t content.AttrType) (string, error) {
	if !t.Supported() {
		return "", fmt.Errorf("unsupported attribute type %q", t)
	}
	if dialect == Postgres {
		return t.Info().Postgres, nil
	}
	return t.Info().SQLite, nil
}

// relation describes an existing table or index by name.
type relation struct {
	exists  bool
	isTable bool
	isIndex bool
	table   string // for an index, the table it belongs to
}

func (d *DB) relation(ctx context.Context, tx *sqlx.Tx, name string) (relation, error) {
	var kind, table string
	var err error
	switch d.Dialect {
	case Postgres:
		err = tx.QueryRowxContext(ctx, `
			SELECT c.relkind::text, COALESCE(t.relname::text, '')
			FROM pg_class c
			JOIN pg_namespace n ON n.oid = c.relnamespace
			LEFT JOIN pg_index x ON x.indexrelid = c.oid
			LEFT JOIN pg_class t ON t.oid = x.indrelid
			WHERE n.nspname = current_schema() AND c.relname = $1`, name).Scan(&kind, &table)
		switch kind {
		case "r", "p":
			kind = "table"
		case "i":
			kind = "index"
		}
	default:
		// SQLite's names are case-insensitive.
		err = tx.QueryRowxContext(ctx, `SELECT type, tbl_name FROM sqlite_master WHERE lower(name) = lower(?)`, name).Scan(&kind, &table)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return relation{}, nil
	}
	if err != nil {
		return relation{}, err
	}
	return relation{exists: true, isTable: kind == "table", isIndex: kind == "index", table: table}, nil
}

// columns returns the names of table's columns, lower-cased on SQLite
// where names are case-insensitive.
func (d *DB) columns(ctx context.Context, tx *sqlx.Tx, table string) (map[string]bool, error) {
	var names []string
	var err error
	switch d.Dialect {
	case Postgres:
		err = tx.SelectContext(ctx, &names, `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`, table)
	default:
		err = tx.SelectContext(ctx, &names, `SELECT name FROM pragma_table_info(?)`, table)
	}
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(names))
	for _, n := range names {
		out[d.columnKey(n)] = true
	}
	return out, nil
}

func (d *DB) columnKey(name string) string {
	if d.Dialect == SQLite {
		return strings.ToLower(name)
	}
	return name
}

func (d *DB) syncType(ctx context.Context, tx *sqlx.Tx, ct content.ContentType) error {
	table := tableName(ct)
	qt, _ := quoteIdent(table) // checked by checkContentType
	rel, err := d.relation(ctx, tx, table)
	if err != nil {
		return err
	}
	switch {
	case rel.exists && !rel.isTable:
		return fmt.Errorf("the name %s is taken by a database object that is not a table", table)
	case !rel.exists:
		cols := []string{}
		if d.Dialect == Postgres {
			cols = append(cols,
				`"id" BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY`,
				`"document_id" TEXT NOT NULL UNIQUE`,
				`"created_at" TIMESTAMPTZ NOT NULL`,
				`"updated_at" TIMESTAMPTZ NOT NULL`,
				`"published_at" TIMESTAMPTZ`)
		} else {
			cols = append(cols,
				`"id" INTEGER PRIMARY KEY AUTOINCREMENT`,
				`"document_id" TEXT NOT NULL UNIQUE`,
				`"created_at" DATETIME NOT NULL`,
				`"updated_at" DATETIME NOT NULL`,
				`"published_at" DATETIME`)
		}
		for _, a := range ct.Attributes {
			typ, _ := columnType(d.Dialect, a.Type)
			qc, _ := quoteIdent(a.Name)
			cols = append(cols, qc+" "+typ)
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+qt+" (\n\t"+strings.Join(cols, ",\n\t")+"\n)"); err != nil {
			return err
		}
	default:
		have, err := d.columns(ctx, tx, table)
		if err != nil {
			return err
		}
		for _, a := range ct.Attributes {
			if have[d.columnKey(a.Name)] {
				continue
			}
			typ, _ := columnType(d.Dialect, a.Type)
			qc, _ := quoteIdent(a.Name)
			// Nullable and without default, so existing rows get NULL and
			// neither database rewrites the table.
			if _, err := tx.ExecContext(ctx, `ALTER TABLE `+qt+` ADD COLUMN `+qc+" "+typ); err != nil {
				return err
			}
		}
	}

	if err := d.ensureIndex(ctx, tx, table, indexName(table, "created_at_idx"), "created_at", false); err != nil {
		return err
	}
	for _, a := range ct.Attributes {
		name := uniqueIndexName(ct, a.Name)
		if a.Unique {
			if err := d.ensureIndex(ctx, tx, table, name, a.Name, true); err != nil {
				return err
			}
			continue
		}
		// No longer unique: drop our index so the schema takes effect.
		// Dropping an index destroys no data.
		rel, err := d.relation(ctx, tx, name)
		if err != nil {
			return err
		}
		if rel.exists && rel.isIndex && strings.EqualFold(rel.table, table) {
			if _, err := tx.ExecContext(ctx, `DROP INDEX IF EXISTS "`+name+`"`); err != nil {
				return err
			}
		}
	}
	return nil
}

// ensureIndex creates the index unless it exists. It checks first rather
// than relying on IF NOT EXISTS alone, which would silently skip the index
// if another table's index had taken the name.
func (d *DB) ensureIndex(ctx context.Context, tx *sqlx.Tx, table, name, column string, unique bool) error {
	rel, err := d.relation(ctx, tx, name)
	if err != nil {
		return err
	}
	if rel.exists {
		if rel.isIndex && strings.EqualFold(rel.table, table) {
			return nil
		}
		return fmt.Errorf("index name %s is already used by another database object", name)
	}
	qt, err := quoteIdent(table)
	if err != nil {
		return err
	}
	qc, err := quoteIdent(column)
	if err != nil {
		return err
	}
	kw := "INDEX"
	if unique {
		kw = "UNIQUE INDEX"
	}
	_, err = tx.ExecContext(ctx, `CREATE `+kw+` IF NOT EXISTS "`+name+`" ON `+qt+` (`+qc+`)`)
	return err
}

// ---------------------------------------------------------------------------
// Document ids

const documentIDAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// NewDocumentID returns a random document id shaped like Strapi 5's: 24
// characters from [a-z0-9], drawn uniformly from crypto/rand.
func NewDocumentID() string {
	var out [24]byte
	var buf [32]byte
	n := 0
	for n < len(out) {
		rand.Read(buf[:]) // never returns an error
		for _, b := range buf {
			// 252 = 7*36: rejecting the bytes above it keeps every
			// character equally likely.
			if b >= 252 {
				continue
			}
			out[n] = documentIDAlphabet[b%36]
			n++
			if n == len(out) {
				break
			}
		}
	}
	return string(out[:])
}

// ---------------------------------------------------------------------------
// Writing entries

// CreateEntry stores a new entry of a collection type with a fresh
// document id, published at once as Strapi does without draft and publish.
// data holds attribute values keyed by attribute name (see toDB for the Go
// types accepted); attributes left out are NULL. A duplicate value of a
// unique attribute returns a *UniqueViolation (ErrConflict) and writes
// nothing.
func (d *DB) CreateEntry(ctx context.Context, ct content.ContentType, data map[string]any) (content.Entry, error) {
	const op = "create entry"
	if ct.Kind == content.SingleType {
		return content.Entry{}, fmt.Errorf("db: %s: %s is a single type; use PutSingleEntry", op, ct.UID())
	}
	var e content.Entry
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		e, err = d.insertEntry(ctx, tx, ct, data)
		return err
	})
	if err != nil {
		return content.Entry{}, entryErr(op, ct, err)
	}
	return e, nil
}

// UpdateEntry changes the attributes given in data, and only those, and
// sets updatedAt. It returns ErrNotFound when no entry has the document id.
func (d *DB) UpdateEntry(ctx context.Context, ct content.ContentType, documentID string, data map[string]any) (content.Entry, error) {
	var e content.Entry
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		qt, err := quotedTable(ct)
		if err != nil {
			return err
		}
		var id int64
		if err := tx.GetContext(ctx, &id, d.Rebind(`SELECT "id" FROM `+qt+` WHERE "document_id" = ?`), documentID); err != nil {
			return err
		}
		e, err = d.updateEntry(ctx, tx, ct, id, data)
		return err
	})
	if err != nil {
		return content.Entry{}, entryErr("update entry", ct, err)
	}
	return e, nil
}

// DeleteEntry removes the entry with the document id, of a collection or a
// single type. It returns ErrNotFound when there is none.
func (d *DB) DeleteEntry(ctx context.Context, ct content.ContentType, documentID string) error {
	qt, err := quotedTable(ct)
	if err != nil {
		return fmt.Errorf("db: delete entry: %w", err)
	}
	return entryErr("delete entry", ct,
		mustAffect(d.ExecContext(ctx, d.Rebind(`DELETE FROM `+qt+` WHERE "document_id" = ?`), documentID)))
}

// PutSingleEntry creates the entry of a single type, or updates the
// attributes given in data when it exists, in one transaction; created
// says which.
func (d *DB) PutSingleEntry(ctx context.Context, ct content.ContentType, data map[string]any) (content.Entry, bool, error) {
	var (
		e       content.Entry
		created bool
	)
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		qt, err := quotedTable(ct)
		if err != nil {
			return err
		}
		if d.Dialect == Postgres {
			// Two concurrent first PUTs would otherwise both see no entry
			// and create two. SHARE ROW EXCLUSIVE conflicts with itself
			// and with writers, not with readers. SQLite's immediate
			// transactions are serialised already.
			if _, err := tx.ExecContext(ctx, `LOCK TABLE `+qt+` IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				return err
			}
		}
		var id int64
		err = tx.GetContext(ctx, &id, `SELECT "id" FROM `+qt+` ORDER BY "id" LIMIT 1`)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			created = true
			e, err = d.insertEntry(ctx, tx, ct, data)
			return err
		case err != nil:
			return err
		}
		e, err = d.updateEntry(ctx, tx, ct, id, data)
		return err
	})
	if err != nil {
		return content.Entry{}, false, entryErr("put single entry", ct, err)
	}
	return e, created, nil
}

// assignments converts data to column values in schema order, refusing
// keys that are not attributes of ct.
func (d *DB) assignments(ct content.ContentType, data map[string]any) (cols []string, vals []any, byName map[string]any, err error) {
	for k := range data {
		if _, ok := ct.Attribute(k); !ok {
			return nil, nil, nil, fmt.Errorf("unknown attribute %q of %s", k, ct.UID())
		}
	}
	byName = map[string]any{}
	for _, a := range ct.Attributes {
		v, ok := data[a.Name]
		if !ok {
			continue
		}
		qc, err := quoteIdent(a.Name)
		if err != nil {
			return nil, nil, nil, err
		}
		dv, err := toDB(d.Dialect, a.Type, v)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("attribute %s: %w", a.Name, err)
		}
		cols = append(cols, qc)
		vals = append(vals, dv)
		byName[a.Name] = dv
	}
	return cols, vals, byName, nil
}

func (d *DB) insertEntry(ctx context.Context, tx *sqlx.Tx, ct content.ContentType, data map[string]any) (content.Entry, error) {
	qt, err := quotedTable(ct)
	if err != nil {
		return content.Entry{}, err
	}
	cols, vals, byName, err := d.assignments(ct, data)
	if err != nil {
		return content.Entry{}, err
	}
	if err := d.checkUnique(ctx, tx, ct, byName, 0); err != nil {
		return content.Entry{}, err
	}
	at := now()
	cols = append([]string{`"document_id"`, `"created_at"`, `"updated_at"`, `"published_at"`}, cols...)
	vals = append([]any{NewDocumentID(), at, at, at}, vals...)
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")
	var id int64
	if err := tx.GetContext(ctx, &id, d.Rebind(`INSERT INTO `+qt+` (`+strings.Join(cols, ", ")+`) VALUES (`+marks+`) RETURNING "id"`), vals...); err != nil {
		return content.Entry{}, err
	}
	return d.entryWhere(ctx, tx, ct, `"id" = ?`, id)
}

func (d *DB) updateEntry(ctx context.Context, tx *sqlx.Tx, ct content.ContentType, id int64, data map[string]any) (content.Entry, error) {
	qt, err := quotedTable(ct)
	if err != nil {
		return content.Entry{}, err
	}
	cols, vals, byName, err := d.assignments(ct, data)
	if err != nil {
		return content.Entry{}, err
	}
	if err := d.checkUnique(ctx, tx, ct, byName, id); err != nil {
		return content.Entry{}, err
	}
	set := []string{`"updated_at" = ?`}
	args := []any{now()}
	for i, c := range cols {
		set = append(set, c+" = ?")
		args = append(args, vals[i])
	}
	args = append(args, id)
	if err := mustAffect(tx.ExecContext(ctx, d.Rebind(`UPDATE `+qt+` SET `+strings.Join(set, ", ")+` WHERE "id" = ?`), args...)); err != nil {
		return content.Entry{}, err
	}
	return d.entryWhere(ctx, tx, ct, `"id" = ?`, id)
}

// checkUnique looks, in the writing transaction, for another entry (not
// id) holding one of the unique values about to be written, so that the
// error can name the attributes. A concurrent writer can still slip in
// between on PostgreSQL; the unique index catches that (see entryErr).
func (d *DB) checkUnique(ctx context.Context, tx *sqlx.Tx, ct content.ContentType, vals map[string]any, id int64) error {
	qt, err := quotedTable(ct)
	if err != nil {
		return err
	}
	var fields []string
	for _, a := range ct.Attributes {
		v, ok := vals[a.Name]
		if !a.Unique || !ok || v == nil {
			continue
		}
		qc, err := quoteIdent(a.Name)
		if err != nil {
			return err
		}
		var one int
		err = tx.GetContext(ctx, &one, d.Rebind(`SELECT 1 FROM `+qt+` WHERE `+qc+` = ? AND "id" <> ? LIMIT 1`), v, id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			fields = append(fields, a.Name)
		}
	}
	if len(fields) > 0 {
		return &UniqueViolation{Fields: fields}
	}
	return nil
}

// entryErr prefixes err with op and maps it: no row is ErrNotFound (and
// content.ErrNotFound), and a unique index violation is ErrConflict, as a
// *UniqueViolation naming the attribute when PostgreSQL names the index.
func entryErr(op string, ct content.ContentType, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*UniqueViolation](err); ok {
		return fmt.Errorf("db: %s: %w: %w", op, err, ErrConflict)
	}
	if pqErr, ok := errors.AsType[*pq.Error](err); ok && isUniqueViolation(err) {
		for _, a := range ct.Attributes {
			if a.Unique && pqErr.Constraint == uniqueIndexName(ct, a.Name) {
				return fmt.Errorf("db: %s: %w: %w: %w", op, &UniqueViolation{Fields: []string{a.Name}}, ErrConflict, err)
			}
		}
	}
	err = wrap(op, err)
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("%w: %w", err, content.ErrNotFound)
	}
	return err
}
