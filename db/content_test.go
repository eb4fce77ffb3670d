package db_test

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// ctArticle is a collection type with an attribute of every supported
// type; title and slug are unique.
func ctArticle() content.ContentType {
	return content.ContentType{
		Kind: content.CollectionType, SingularName: "article", PluralName: "articles",
		CollectionName: "articles",
		Attributes: []content.Attribute{
			{Name: "title", Type: content.TypeString, Unique: true},
			{Name: "body", Type: content.TypeText},
			{Name: "rich", Type: content.TypeRichText},
			{Name: "email", Type: content.TypeEmail},
			{Name: "slug", Type: content.TypeUID, Unique: true},
			{Name: "views", Type: content.TypeInteger},
			{Name: "big", Type: content.TypeBigInteger},
			{Name: "price", Type: content.TypeDecimal},
			{Name: "rating", Type: content.TypeFloat},
			{Name: "featured", Type: content.TypeBoolean},
			{Name: "publishedDate", Type: content.TypeDate},
			{Name: "releasedAt", Type: content.TypeDateTime},
			{Name: "status", Type: content.TypeEnumeration, Enum: []string{"draft", "live"}},
			{Name: "meta", Type: content.TypeJSON},
		},
	}
}

func ctSync(t *testing.T, d *db.DB, types ...content.ContentType) {
	t.Helper()
	if err := d.SyncContentTypes(t.Context(), types); err != nil {
		t.Fatalf("SyncContentTypes: %v", err)
	}
}

func ctCreate(t *testing.T, d *db.DB, ct content.ContentType, data map[string]any) content.Entry {
	t.Helper()
	e, err := d.CreateEntry(t.Context(), ct, data)
	if err != nil {
		t.Fatalf("CreateEntry(%v): %v", data, err)
	}
	return e
}

// ctColumns lists a table's columns as the database reports them.
func ctColumns(t *testing.T, d *db.DB, table string) []string {
	t.Helper()
	var cols []string
	var err error
	if d.Dialect == db.Postgres {
		err = d.SelectContext(t.Context(), &cols, `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table)
	} else {
		err = d.SelectContext(t.Context(), &cols, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, table)
	}
	if err != nil {
		t.Fatalf("columns of %s: %v", table, err)
	}
	return cols
}

func ctCount(t *testing.T, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.GetContext(t.Context(), &n, `SELECT COUNT(*) FROM "`+table+`"`); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func ctUTC(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func ctDate(y int, m time.Month, day int) time.Time {
	return time.Date(y, m, day, 0, 0, 0, 0, time.UTC)
}

func TestSyncContentTypesCreatesTable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctSync(t, d, ctArticle())
		want := []string{"id", "document_id", "created_at", "updated_at", "published_at"}
		for _, a := range ctArticle().Attributes {
			want = append(want, a.Name)
		}
		if got := ctColumns(t, d, "ct_articles"); !slices.Equal(got, want) {
			t.Errorf("columns = %v, want %v", got, want)
		}
		if n := ctCount(t, d, "ct_articles"); n != 0 {
			t.Errorf("new table holds %d rows", n)
		}
		// The unique index is in place even for writes that bypass the
		// store's own check.
		ins := d.Rebind(`INSERT INTO "ct_articles" ("document_id", "created_at", "updated_at", "slug") VALUES (?, ?, ?, ?)`)
		now := time.Now().UTC()
		if _, err := d.ExecContext(t.Context(), ins, db.NewDocumentID(), now, now, "same"); err != nil {
			t.Fatalf("raw insert: %v", err)
		}
		if _, err := d.ExecContext(t.Context(), ins, db.NewDocumentID(), now, now, "same"); err == nil {
			t.Errorf("duplicate slug inserted past the unique index")
		}
	})
}

func TestSyncContentTypesResyncIsNoOp(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ct := ctArticle()
		ctSync(t, d, ct)
		e := ctCreate(t, d, ct, map[string]any{"title": "kept", "views": int64(3)})
		before := ctColumns(t, d, "ct_articles")
		ctSync(t, d, ct)
		ctSync(t, d, ct)
		if after := ctColumns(t, d, "ct_articles"); !slices.Equal(before, after) {
			t.Errorf("columns changed on re-sync: %v → %v", before, after)
		}
		got, err := d.FindEntry(t.Context(), ct, e.DocumentID)
		if err != nil {
			t.Fatalf("FindEntry after re-sync: %v", err)
		}
		if !reflect.DeepEqual(got, e) {
			t.Errorf("entry changed on re-sync:\n got %+v\nwant %+v", got, e)
		}
	})
}

func TestSyncContentTypesEvolves(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		v1 := content.ContentType{
			Kind: content.CollectionType, SingularName: "note", PluralName: "notes", CollectionName: "notes",
			Attributes: []content.Attribute{
				{Name: "title", Type: content.TypeString},
				{Name: "code", Type: content.TypeString, Unique: true},
			},
		}
		ctSync(t, d, v1)
		old := ctCreate(t, d, v1, map[string]any{"title": "old", "code": "c1"})

		// v2 gains two attributes, one unique, and code stops being unique.
		v2 := v1
		v2.Attributes = []content.Attribute{
			{Name: "title", Type: content.TypeString},
			{Name: "code", Type: content.TypeString},
			{Name: "publishedDate", Type: content.TypeDate},
			{Name: "ref", Type: content.TypeString, Unique: true},
		}
		ctSync(t, d, v2)
		want := []string{"id", "document_id", "created_at", "updated_at", "published_at", "title", "code", "publishedDate", "ref"}
		if got := ctColumns(t, d, "ct_notes"); !slices.Equal(got, want) {
			t.Fatalf("columns = %v, want %v", got, want)
		}
		got, err := d.FindEntry(t.Context(), v2, old.DocumentID)
		if err != nil {
			t.Fatalf("FindEntry: %v", err)
		}
		wantData := map[string]any{"title": "old", "code": "c1", "publishedDate": nil, "ref": nil}
		if !reflect.DeepEqual(got.Data, wantData) {
			t.Errorf("old entry data = %v, want %v", got.Data, wantData)
		}
		if _, err := d.UpdateEntry(t.Context(), v2, old.DocumentID, map[string]any{"publishedDate": ctDate(2024, 1, 2), "ref": "r1"}); err != nil {
			t.Fatalf("UpdateEntry with new attributes: %v", err)
		}
		// code is no longer unique: its index went with the schema.
		if _, err := d.CreateEntry(t.Context(), v2, map[string]any{"code": "c1"}); err != nil {
			t.Errorf("duplicate of a no-longer-unique attribute: %v", err)
		}
		// ref is unique now.
		if _, err := d.CreateEntry(t.Context(), v2, map[string]any{"ref": "r1"}); !errors.Is(err, db.ErrConflict) {
			t.Errorf("duplicate of a newly unique attribute: err = %v, want ErrConflict", err)
		}

		// v3 drops title: the column and its data stay.
		v3 := v2
		v3.Attributes = slices.DeleteFunc(slices.Clone(v2.Attributes), func(a content.Attribute) bool { return a.Name == "title" })
		ctSync(t, d, v3)
		if got := ctColumns(t, d, "ct_notes"); !slices.Contains(got, "title") {
			t.Errorf("column of a removed attribute was dropped: %v", got)
		}
		e, err := d.FindEntry(t.Context(), v3, old.DocumentID)
		if err != nil {
			t.Fatalf("FindEntry after removal: %v", err)
		}
		if _, ok := e.Data["title"]; ok {
			t.Errorf("removed attribute still returned: %v", e.Data)
		}
		var title string
		if err := d.GetContext(t.Context(), &title, d.Rebind(`SELECT "title" FROM "ct_notes" WHERE "document_id" = ?`), old.DocumentID); err != nil || title != "old" {
			t.Errorf("removed attribute's data = %q, %v; want kept", title, err)
		}
		// Restoring it brings the data back.
		ctSync(t, d, v2)
		if e, err := d.FindEntry(t.Context(), v2, old.DocumentID); err != nil || e.Data["title"] != "old" {
			t.Errorf("restored attribute = %v, %v; want old", e.Data["title"], err)
		}
	})
}

func TestSyncContentTypesRefusesBadNames(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		base := func() content.ContentType {
			return content.ContentType{Kind: content.CollectionType, SingularName: "x", PluralName: "xs", CollectionName: "xs",
				Attributes: []content.Attribute{{Name: "a", Type: content.TypeString}}}
		}
		cases := map[string]func(*content.ContentType){
			"quote in collection": func(ct *content.ContentType) { ct.CollectionName = `xs"; DROP TABLE admin_users; --` },
			"space in collection": func(ct *content.ContentType) { ct.CollectionName = "x s" },
			"empty collection":    func(ct *content.ContentType) { ct.CollectionName = "" },
			"too long collection": func(ct *content.ContentType) { ct.CollectionName = strings.Repeat("x", 61) },
			"quote in attribute":  func(ct *content.ContentType) { ct.Attributes[0].Name = `a"b` },
			"system column":       func(ct *content.ContentType) { ct.Attributes[0].Name = "created_at" },
			"system column, case": func(ct *content.ContentType) { ct.Attributes[0].Name = "Document_ID" },
			"attributes by case": func(ct *content.ContentType) {
				ct.Attributes = append(ct.Attributes, content.Attribute{Name: "A", Type: content.TypeText})
			},
			"unsupported type":      func(ct *content.ContentType) { ct.Attributes[0].Type = "relation" },
			"digit first attribute": func(ct *content.ContentType) { ct.Attributes[0].Name = "1a" },
		}
		for name, mutate := range cases {
			ct := base()
			mutate(&ct)
			if err := d.SyncContentTypes(t.Context(), []content.ContentType{ct}); err == nil {
				t.Errorf("%s: SyncContentTypes accepted %q / %q", name, ct.CollectionName, ct.Attributes[0].Name)
			}
		}
		two := base()
		if err := d.SyncContentTypes(t.Context(), []content.ContentType{base(), two}); err == nil {
			t.Errorf("two types sharing a table were accepted")
		}
		// A refused list writes nothing, not even the valid types in it.
		bad := base()
		bad.CollectionName = "bad name"
		good := ctArticle()
		if err := d.SyncContentTypes(t.Context(), []content.ContentType{good, bad}); err == nil {
			t.Fatalf("list with a bad type accepted")
		}
		if cols := ctColumns(t, d, "ct_articles"); len(cols) != 0 {
			t.Errorf("table of a refused list was created: %v", cols)
		}
		if err := d.SyncContentTypes(t.Context(), nil); err != nil {
			t.Errorf("empty list: %v", err)
		}
	})
}

func TestContentNewDocumentID(t *testing.T) {
	shape := regexp.MustCompile(`^[a-z0-9]{24}$`)
	seen := map[string]bool{}
	chars := map[rune]bool{}
	for range 2000 {
		id := db.NewDocumentID()
		if !shape.MatchString(id) {
			t.Fatalf("NewDocumentID() = %q, want 24 of [a-z0-9]", id)
		}
		if seen[id] {
			t.Fatalf("NewDocumentID() repeated %q", id)
		}
		seen[id] = true
		for _, c := range id {
			chars[c] = true
		}
	}
	if len(chars) != 36 {
		t.Errorf("2000 ids used %d of the 36 characters", len(chars))
	}
}

func TestEntryRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ct := ctArticle()
		ctSync(t, d, ct)
		released := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("UTC+2", 2*3600))
		data := map[string]any{
			"title":         "Hello",
			"body":          "Line one\nLine two — ünïcödé",
			"rich":          "# Heading",
			"email":         "a@example.com",
			"slug":          "hello",
			"views":         int64(-42),
			"big":           "9007199254740993", // 2^53+1: no float64 holds it
			"price":         19.99,
			"rating":        0.1,
			"featured":      true,
			"publishedDate": time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
			"releasedAt":    released,
			"status":        "live",
			"meta":          map[string]any{"tags": []any{"a", "b"}, "n": 1.5, "nested": map[string]any{"ok": true}, "none": nil},
		}
		before := time.Now().UTC().Add(-time.Second)
		e := ctCreate(t, d, ct, data)
		want := map[string]any{}
		for k, v := range data {
			want[k] = v
		}
		want["releasedAt"] = time.Date(2024, 5, 6, 5, 8, 9, 123456000, time.UTC)

		if !regexp.MustCompile(`^[a-z0-9]{24}$`).MatchString(e.DocumentID) || e.ID <= 0 {
			t.Errorf("id = %d, documentId = %q", e.ID, e.DocumentID)
		}
		if !reflect.DeepEqual(e.Data, want) {
			t.Errorf("created data:\n got %#v\nwant %#v", e.Data, want)
		}
		if e.CreatedAt.Location() != time.UTC || e.CreatedAt.Before(before) || !e.UpdatedAt.Equal(e.CreatedAt) {
			t.Errorf("createdAt = %v, updatedAt = %v", e.CreatedAt, e.UpdatedAt)
		}
		if e.PublishedAt == nil || !e.PublishedAt.Equal(e.CreatedAt) || e.PublishedAt.Location() != time.UTC {
			t.Errorf("publishedAt = %v, want createdAt %v", e.PublishedAt, e.CreatedAt)
		}
		for k, v := range e.Data {
			if tm, ok := v.(time.Time); ok && tm.Location() != time.UTC {
				t.Errorf("%s = %v, not in UTC", k, tm)
			}
		}

		got, err := d.FindEntry(t.Context(), ct, e.DocumentID)
		if err != nil {
			t.Fatalf("FindEntry: %v", err)
		}
		if !reflect.DeepEqual(got, e) {
			t.Errorf("FindEntry:\n got %+v\nwant %+v", got, e)
		}
		list, total, err := d.FindEntries(t.Context(), ct, content.Query{Page: 1, PageSize: 10})
		if err != nil || total != 1 || len(list) != 1 || !reflect.DeepEqual(list[0], e) {
			t.Errorf("FindEntries = %+v, %d, %v; want the one entry", list, total, err)
		}

		// Partial update: only the keys given change; nil empties.
		time.Sleep(2 * time.Millisecond)
		u, err := d.UpdateEntry(t.Context(), ct, e.DocumentID, map[string]any{
			"views": int64(43), "body": nil, "featured": false, "meta": []any{"x", 2.0},
		})
		if err != nil {
			t.Fatalf("UpdateEntry: %v", err)
		}
		want["views"], want["body"], want["featured"], want["meta"] = int64(43), nil, false, []any{"x", 2.0}
		if !reflect.DeepEqual(u.Data, want) {
			t.Errorf("updated data:\n got %#v\nwant %#v", u.Data, want)
		}
		if u.ID != e.ID || u.DocumentID != e.DocumentID || !u.CreatedAt.Equal(e.CreatedAt) ||
			!u.UpdatedAt.After(e.UpdatedAt) || !u.PublishedAt.Equal(*e.PublishedAt) {
			t.Errorf("update changed identity or timestamps wrongly: before %+v, after %+v", e, u)
		}
		if got, err := d.FindEntry(t.Context(), ct, e.DocumentID); err != nil || !reflect.DeepEqual(got, u) {
			t.Errorf("FindEntry after update = %+v, %v; want %+v", got, err, u)
		}

		// Empty values that are not NULL survive.
		z, err := d.UpdateEntry(t.Context(), ct, e.DocumentID, map[string]any{"body": "", "views": int64(0), "rating": 0.0, "meta": map[string]any{}})
		if err != nil {
			t.Fatalf("UpdateEntry zero values: %v", err)
		}
		if z.Data["body"] != "" || z.Data["views"] != int64(0) || z.Data["rating"] != 0.0 || !reflect.DeepEqual(z.Data["meta"], map[string]any{}) {
			t.Errorf("zero values came back as %#v", z.Data)
		}

		if err := d.DeleteEntry(t.Context(), ct, e.DocumentID); err != nil {
			t.Fatalf("DeleteEntry: %v", err)
		}
		if _, err := d.FindEntry(t.Context(), ct, e.DocumentID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("FindEntry after delete: err = %v, want ErrNotFound", err)
		}
		if err := d.DeleteEntry(t.Context(), ct, e.DocumentID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("second DeleteEntry: err = %v, want ErrNotFound", err)
		}
		if _, err := d.UpdateEntry(t.Context(), ct, e.DocumentID, map[string]any{"views": int64(1)}); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("UpdateEntry of a deleted entry: err = %v, want ErrNotFound", err)
		}
	})
}

func TestEntryValuesRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ct := ctArticle()
		ctSync(t, d, ct)
		bad := []map[string]any{
			{"nope": "x"},
			{"documentId": "x"},
			{"title": int64(1)},
			{"views": "12"},
			{"views": 1.5},
			{"big": "12.5"},
			{"big": "1e3"},
			{"featured": "true"},
			{"publishedDate": "2024-02-30"},
			{"releasedAt": "yesterday"},
			{"price": "1.5"},
			{"meta": func() {}},
		}
		for _, data := range bad {
			if _, err := d.CreateEntry(t.Context(), ct, data); err == nil {
				t.Errorf("CreateEntry(%v) accepted", data)
			}
		}
		if n := ctCount(t, d, "ct_articles"); n != 0 {
			t.Errorf("refused writes left %d rows", n)
		}
		// Beyond 64 bits: PostgreSQL's NUMERIC(39,0) holds it, SQLite's
		// INTEGER cannot and says so rather than rounding.
		huge := "123456789012345678901234567890123456789"
		e, err := d.CreateEntry(t.Context(), ct, map[string]any{"big": huge})
		switch d.Dialect {
		case db.Postgres:
			if err != nil || e.Data["big"] != huge {
				t.Errorf("39-digit biginteger = %v, %v; want %s", e.Data["big"], err, huge)
			}
		case db.SQLite:
			if err == nil {
				t.Errorf("39-digit biginteger accepted on SQLite as %v", e.Data["big"])
			}
		}
	})
}

// ctSeed creates the entries the filter tests look at, in this order.
func ctSeed(t *testing.T, d *db.DB, ct content.ContentType) map[string]content.Entry {
	t.Helper()
	rows := []map[string]any{
		{"title": "Alpha", "body": "Hello World", "views": int64(10), "big": "100", "price": 1.5, "featured": true,
			"publishedDate": ctDate(2024, 1, 10), "releasedAt": ctUTC("2024-01-10T10:00:00Z"), "status": "draft", "meta": map[string]any{"k": 1.0}},
		{"title": "beta", "body": "hello world", "views": int64(20), "big": "200", "price": 2.5, "featured": false,
			"publishedDate": ctDate(2024, 2, 10), "releasedAt": ctUTC("2024-02-10T10:00:00Z"), "status": "live"},
		{"title": "Gamma", "views": int64(30), "big": "300",
			"publishedDate": ctDate(2024, 3, 10), "status": "live"},
		{"title": "delta", "body": "Élan vital", "price": 4.5, "featured": true,
			"releasedAt": ctUTC("2024-04-10T10:00:00.5Z")},
	}
	out := map[string]content.Entry{}
	for _, r := range rows {
		e := ctCreate(t, d, ct, r)
		out[r["title"].(string)] = e
	}
	return out
}

func ctTitles(es []content.Entry) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, fmt.Sprint(e.Data["title"]))
	}
	return out
}

func leaf(field string, op content.Operator, v any) content.Filter {
	return content.Filter{Field: field, Op: op, Value: v}
}

func TestFindEntriesOperators(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ct := ctArticle()
		ctSync(t, d, ct)
		seeded := ctSeed(t, d, ct)
		all := []string{"Alpha", "beta", "Gamma", "delta"}
		cases := []struct {
			name string
			f    content.Filter
			want []string
		}{
			{"eq string", leaf("title", content.OpEq, "beta"), []string{"beta"}},
			{"eq is case-sensitive", leaf("title", content.OpEq, "BETA"), []string{}},
			{"eq integer", leaf("views", content.OpEq, int64(20)), []string{"beta"}},
			{"eq bool true", leaf("featured", content.OpEq, true), []string{"Alpha", "delta"}},
			{"eq bool false", leaf("featured", content.OpEq, false), []string{"beta"}},
			{"eq date", leaf("publishedDate", content.OpEq, ctDate(2024, 2, 10)), []string{"beta"}},
			{"eq datetime with fraction", leaf("releasedAt", content.OpEq, ctUTC("2024-04-10T10:00:00.5Z")), []string{"delta"}},
			{"eq datetime other zone", leaf("releasedAt", content.OpEq, ctUTC("2024-01-10T10:00:00Z").In(time.FixedZone("X", -5*3600))), []string{"Alpha"}},
			{"eq null", leaf("status", content.OpEq, nil), []string{"delta"}},
			{"eq biginteger", leaf("big", content.OpEq, "200"), []string{"beta"}},
			{"eq list is any of", leaf("title", content.OpEq, []any{"Alpha", "delta"}), []string{"Alpha", "delta"}},
			{"eq documentId", leaf("documentId", content.OpEq, seeded["Gamma"].DocumentID), []string{"Gamma"}},
			{"eq json", leaf("meta", content.OpEq, map[string]any{"k": 1.0}), []string{"Alpha"}},
			{"ne leaves out nulls", leaf("views", content.OpNe, int64(20)), []string{"Alpha", "Gamma"}},
			{"ne string", leaf("title", content.OpNe, "Alpha"), []string{"beta", "Gamma", "delta"}},
			{"ne null", leaf("status", content.OpNe, nil), []string{"Alpha", "beta", "Gamma"}},
			{"lt", leaf("views", content.OpLt, int64(20)), []string{"Alpha"}},
			{"lte", leaf("views", content.OpLte, int64(20)), []string{"Alpha", "beta"}},
			{"gt", leaf("views", content.OpGt, int64(20)), []string{"Gamma"}},
			{"gte", leaf("views", content.OpGte, int64(20)), []string{"beta", "Gamma"}},
			{"gt float", leaf("price", content.OpGt, 2.0), []string{"beta", "delta"}},
			{"gt float given an integer", leaf("price", content.OpGt, int64(2)), []string{"beta", "delta"}},
			{"lt date", leaf("publishedDate", content.OpLt, ctDate(2024, 2, 10)), []string{"Alpha"}},
			{"gte datetime", leaf("releasedAt", content.OpGte, ctUTC("2024-02-10T10:00:00Z")), []string{"beta", "delta"}},
			{"gt datetime by half a second", leaf("releasedAt", content.OpGt, ctUTC("2024-04-10T10:00:00Z")), []string{"delta"}},
			{"lt biginteger", leaf("big", content.OpLt, "250"), []string{"Alpha", "beta"}},
			{"gt id", leaf("id", content.OpGt, seeded["beta"].ID), []string{"Gamma", "delta"}},
			{"gte createdAt", leaf("createdAt", content.OpGte, seeded["Alpha"].CreatedAt), all},
			{"in", leaf("title", content.OpIn, []any{"Alpha", "Gamma", "nope"}), []string{"Alpha", "Gamma"}},
			{"in integers", leaf("views", content.OpIn, []any{int64(10), int64(30)}), []string{"Alpha", "Gamma"}},
			{"in dates", leaf("publishedDate", content.OpIn, []any{ctDate(2024, 1, 10), ctDate(2024, 3, 10)}), []string{"Alpha", "Gamma"}},
			{"in empty", leaf("views", content.OpIn, []any{}), []string{}},
			{"notIn", leaf("views", content.OpNotIn, []any{int64(10)}), []string{"beta", "Gamma"}},
			{"notIn empty", leaf("views", content.OpNotIn, []any{}), all},
			{"contains is case-sensitive", leaf("body", content.OpContains, "World"), []string{"Alpha"}},
			{"contains lower", leaf("body", content.OpContains, "world"), []string{"beta"}},
			{"containsi", leaf("body", content.OpContainsi, "WORLD"), []string{"Alpha", "beta"}},
			{"containsi non-ASCII", leaf("body", content.OpContainsi, "éLAN"), []string{"delta"}},
			{"contains non-ASCII is case-sensitive", leaf("body", content.OpContains, "élan"), []string{}},
			{"notContains", leaf("body", content.OpNotContains, "World"), []string{"beta", "delta"}},
			{"notContainsi", leaf("body", content.OpNotContainsi, "world"), []string{"delta"}},
			{"containsi on an integer", leaf("views", content.OpContainsi, int64(2)), []string{"beta"}},
			{"eqi", leaf("title", content.OpEqi, "ALPHA"), []string{"Alpha"}},
			{"nei", leaf("title", content.OpNei, "alpha"), []string{"beta", "Gamma", "delta"}},
			{"nei leaves out nulls", leaf("status", content.OpNei, "LIVE"), []string{"Alpha"}},
			{"startsWith", leaf("title", content.OpStartsWith, "Al"), []string{"Alpha"}},
			{"startsWith is case-sensitive", leaf("title", content.OpStartsWith, "al"), []string{}},
			{"startsWith longer than value", leaf("title", content.OpStartsWith, "Alphabet"), []string{}},
			{"startsWithi", leaf("title", content.OpStartsWithi, "aL"), []string{"Alpha"}},
			{"endsWith", leaf("title", content.OpEndsWith, "ta"), []string{"beta", "delta"}},
			{"endsWith is case-sensitive", leaf("title", content.OpEndsWith, "TA"), []string{}},
			{"endsWith longer than value", leaf("title", content.OpEndsWith, "xxbeta"), []string{}},
			{"endsWith whole value", leaf("title", content.OpEndsWith, "Gamma"), []string{"Gamma"}},
			{"endsWithi", leaf("title", content.OpEndsWithi, "MA"), []string{"Gamma"}},
			{"null true", leaf("body", content.OpNull, true), []string{"Gamma"}},
			{"null false", leaf("body", content.OpNull, false), []string{"Alpha", "beta", "delta"}},
			{"notNull true", leaf("price", content.OpNotNull, true), []string{"Alpha", "beta", "delta"}},
			{"notNull false", leaf("price", content.OpNotNull, false), []string{"Gamma"}},
			{"null json", leaf("meta", content.OpNull, true), []string{"beta", "Gamma", "delta"}},
			{"null publishedAt", leaf("publishedAt", content.OpNull, true), []string{}},
			{"between integers", leaf("views", content.OpBetween, []any{int64(10), int64(20)}), []string{"Alpha", "beta"}},
			{"between dates", leaf("publishedDate", content.OpBetween, []any{ctDate(2024, 2, 1), ctDate(2024, 3, 31)}), []string{"beta", "Gamma"}},
			{"between datetimes", leaf("releasedAt", content.OpBetween, []any{ctUTC("2024-02-01T00:00:00Z"), ctUTC("2024-04-10T10:00:00.5Z")}), []string{"beta", "delta"}},
			{"between strings", leaf("title", content.OpBetween, []any{"b", "e"}), []string{"beta", "delta"}},
			{"or", content.Filter{Or: []content.Filter{leaf("title", content.OpEq, "Alpha"), leaf("views", content.OpGt, int64(25))}}, []string{"Alpha", "Gamma"}},
			{"and", content.Filter{And: []content.Filter{leaf("featured", content.OpEq, true), leaf("price", content.OpGt, 2.0)}}, []string{"delta"}},
			{"not", content.Filter{Not: &content.Filter{Or: []content.Filter{leaf("title", content.OpEq, "Alpha"), leaf("title", content.OpEq, "delta")}}}, []string{"beta", "Gamma"}},
			{"nested", content.Filter{Or: []content.Filter{
				{And: []content.Filter{leaf("status", content.OpEq, "live"), leaf("views", content.OpGte, int64(30))}},
				{Not: &content.Filter{Or: []content.Filter{leaf("featured", content.OpNull, true), leaf("featured", content.OpEq, true)}}},
			}}, []string{"beta", "Gamma"}},
			{"and inside not inside and", content.Filter{And: []content.Filter{
				leaf("views", content.OpNotNull, true),
				{Not: &content.Filter{And: []content.Filter{leaf("views", content.OpGt, int64(15)), leaf("views", content.OpLt, int64(25))}}},
			}}, []string{"Alpha", "Gamma"}},
			// A column folded by several conditions is lowered once per
			// row, in a derived table (content_fold.go).
			{"containsi twice on one column", content.Filter{Or: []content.Filter{
				leaf("body", content.OpContainsi, "WORLD"), leaf("body", content.OpContainsi, "éLAN")}}, []string{"Alpha", "beta", "delta"}},
			{"containsi list on one column", leaf("body", content.OpContainsi, []any{"WORLD", "ÉLAN"}), []string{"Alpha", "beta", "delta"}},
			{"every folding operator on one column", content.Filter{And: []content.Filter{
				leaf("title", content.OpStartsWithi, "AL"), leaf("title", content.OpEndsWithi, "HA"),
				leaf("title", content.OpNei, "beta"), leaf("title", content.OpContainsi, "LPH"),
				{Not: &content.Filter{Or: []content.Filter{leaf("title", content.OpEqi, "GAMMA"), leaf("title", content.OpNotContainsi, "p")}}},
			}}, []string{"Alpha"}},
			{"folded in a not", content.Filter{Not: &content.Filter{Or: []content.Filter{
				leaf("title", content.OpContainsi, "AL"), leaf("title", content.OpContainsi, "TA")}}}, []string{"Gamma"}},
			{"two folded columns beside others", content.Filter{Or: []content.Filter{
				leaf("title", content.OpEqi, "GAMMA"), leaf("title", content.OpEqi, "DELTA"),
				leaf("body", content.OpContainsi, "WORLD"), leaf("body", content.OpContainsi, "nothing"),
				leaf("views", content.OpEq, int64(30))}}, []string{"Alpha", "beta", "Gamma", "delta"}},
			{"containsi twice on an integer", content.Filter{Or: []content.Filter{
				leaf("views", content.OpContainsi, int64(2)), leaf("views", content.OpContainsi, int64(3))}}, []string{"beta", "Gamma"}},
			{"empty and", content.Filter{And: []content.Filter{}}, all},
			{"empty or", content.Filter{Or: []content.Filter{}}, []string{}},
		}
		for _, c := range cases {
			f := c.f
			got, total, err := d.FindEntries(t.Context(), ct, content.Query{Filter: &f, Page: 1, PageSize: 100})
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			if titles := ctTitles(got); !slices.Equal(titles, c.want) || total != len(c.want) {
				t.Errorf("%s: got %v (total %d), want %v", c.name, titles, total, c.want)
			}
		}
	})
}

func TestFindEntriesRefusesBadQueries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ct := ctArticle()
		ctSync(t, d, ct)
		ctSeed(t, d, ct)
		filters := map[string]content.Filter{
			"unknown field":        leaf("nope", content.OpEq, "x"),
			"injected field":       leaf(`title" OR 1=1 --`, content.OpEq, "x"),
			"snake-case system":    leaf("created_at", content.OpNotNull, true),
			"unknown operator":     leaf("title", "$like", "x"),
			"mistyped value":       leaf("views", content.OpEq, "ten"),
			"null without bool":    leaf("title", content.OpNull, "yes"),
			"between one value":    leaf("views", content.OpBetween, []any{int64(1)}),
			"lt null":              leaf("views", content.OpLt, nil),
			"empty filter":         {},
			"unknown field nested": {Not: &content.Filter{And: []content.Filter{leaf("nope", content.OpEq, "x")}}},
		}
		for name, f := range filters {
			if got, _, err := d.FindEntries(t.Context(), ct, content.Query{Filter: &f, Page: 1, PageSize: 10}); err == nil {
				t.Errorf("%s: accepted, returned %v", name, ctTitles(got))
			}
		}
		if _, _, err := d.FindEntries(t.Context(), ct, content.Query{Sort: []content.SortField{{Field: "nope"}}}); err == nil {
			t.Errorf("unknown sort field accepted")
		}
		if _, _, err := d.FindEntries(t.Context(), ct, content.Query{Fields: []string{"title", "nope"}}); err == nil {
			t.Errorf("unknown selected field accepted")
		}
		if n := ctCount(t, d, "ct_articles"); n != 4 {
			t.Errorf("table holds %d rows after bad queries, want 4", n)
		}
	})
}

func TestFindEntriesMatchesMetacharactersLiterally(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ct := ctArticle()
		ctSync(t, d, ct)
		values := []string{"O'Brien", "50%", "5000", "a_b", "axb", `"; DROP TABLE x; --`, `back\slash`, "backslash", "'; DELETE FROM ct_articles; --", "?", "$1"}
		for _, v := range values {
			ctCreate(t, d, ct, map[string]any{"title": v})
		}
		cases := []struct {
			f    content.Filter
			want []string
		}{
			{leaf("title", content.OpEq, "O'Brien"), []string{"O'Brien"}},
			{leaf("title", content.OpContains, "'"), []string{"O'Brien", "'; DELETE FROM ct_articles; --"}},
			{leaf("title", content.OpContains, "%"), []string{"50%"}},
			{leaf("title", content.OpContains, "50%"), []string{"50%"}},
			{leaf("title", content.OpContainsi, "50%"), []string{"50%"}},
			{leaf("title", content.OpStartsWith, "50%"), []string{"50%"}},
			{leaf("title", content.OpEndsWith, "0%"), []string{"50%"}},
			{leaf("title", content.OpContains, "a_"), []string{"a_b"}},
			{leaf("title", content.OpContains, "_"), []string{"a_b", "'; DELETE FROM ct_articles; --"}},
			{leaf("title", content.OpEq, "a_b"), []string{"a_b"}},
			{leaf("title", content.OpEqi, "A_B"), []string{"a_b"}},
			{leaf("title", content.OpContainsi, "A_B"), []string{"a_b"}},
			{leaf("title", content.OpStartsWithi, "A_"), []string{"a_b"}},
			{leaf("title", content.OpEndsWithi, "_B"), []string{"a_b"}},
			{leaf("title", content.OpEq, `"; DROP TABLE x; --`), []string{`"; DROP TABLE x; --`}},
			{leaf("title", content.OpContains, `\`), []string{`back\slash`}},
			{leaf("title", content.OpContainsi, `K\S`), []string{`back\slash`}},
			{leaf("title", content.OpIn, []any{"O'Brien", "a_b", "'; DELETE FROM ct_articles; --"}), []string{"O'Brien", "a_b", "'; DELETE FROM ct_articles; --"}},
			{leaf("title", content.OpEq, "?"), []string{"?"}},
			{leaf("title", content.OpEq, "$1"), []string{"$1"}},
			{leaf("title", content.OpNotContains, "%"), []string{"O'Brien", "5000", "a_b", "axb", `"; DROP TABLE x; --`, `back\slash`, "backslash", "'; DELETE FROM ct_articles; --", "?", "$1"}},
		}
		for _, c := range cases {
			f := c.f
			got, total, err := d.FindEntries(t.Context(), ct, content.Query{Filter: &f, Page: 1, PageSize: 100})
			if err != nil {
				t.Errorf("%s %q: %v", f.Op, f.Value, err)
				continue
			}
			if titles := ctTitles(got); !slices.Equal(titles, c.want) || total != len(c.want) {
				t.Errorf("%s %q: got %v (total %d), want %v", f.Op, f.Value, titles, total, c.want)
			}
		}
		if n := ctCount(t, d, "ct_articles"); n != len(values) {
			t.Errorf("table holds %d rows, want %d", n, len(values))
		}
	})
}

// ctPost is a small collection type for sorting and paging.
func ctPost() content.ContentType {
	return content.ContentType{
		Kind: content.CollectionType, SingularName: "post", PluralName: "posts", CollectionName: "posts",
		Attributes: []content.Attribute{
			{Name: "name", Type: content.TypeString},
			{Name: "category", Type: content.TypeString},
			{Name: "rank", Type: content.TypeInteger},
		},
	}
}

func ctNames(es []content.Entry) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, fmt.Sprint(e.Data["name"]))
	}
	return out
}

func TestFindEntriesSort(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ct := ctPost()
		ctSync(t, d, ct)
		for _, p := range []struct {
			name, category string
			rank           any
		}{
			{"p1", "b", int64(1)}, {"p2", "a", int64(2)}, {"p3", "b", int64(3)},
			{"p4", "a", int64(1)}, {"p5", "b", nil}, {"p6", "a", int64(2)},
		} {
			ctCreate(t, d, ct, map[string]any{"name": p.name, "category": p.category, "rank": p.rank})
		}
		cases := []struct {
			sort []content.SortField
			want []string
		}{
			{nil, []string{"p1", "p2", "p3", "p4", "p5", "p6"}},
			{[]content.SortField{{Field: "id", Desc: true}}, []string{"p6", "p5", "p4", "p3", "p2", "p1"}},
			// Ties fall back to id ascending; NULLs come last ascending
			// and first descending on both databases.
			{[]content.SortField{{Field: "category"}, {Field: "rank", Desc: true}}, []string{"p2", "p6", "p4", "p5", "p3", "p1"}},
			{[]content.SortField{{Field: "category", Desc: true}, {Field: "rank"}}, []string{"p1", "p3", "p5", "p4", "p2", "p6"}},
			{[]content.SortField{{Field: "rank"}, {Field: "name", Desc: true}}, []string{"p4", "p1", "p6", "p2", "p3", "p5"}},
			{[]content.SortField{{Field: "createdAt", Desc: true}, {Field: "id", Desc: true}}, []string{"p6", "p5", "p4", "p3", "p2", "p1"}},
		}
		for _, c := range cases {
			got, _, err := d.FindEntries(t.Context(), ct, content.Query{Sort: c.sort, Page: 1, PageSize: 100})
			if err != nil {
				t.Errorf("sort %v: %v", c.sort, err)
				continue
			}
			if names := ctNames(got); !slices.Equal(names, c.want) {
				t.Errorf("sort %v: got %v, want %v", c.sort, names, c.want)
			}
		}
	})
}

func TestFindEntriesPagination(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ct := ctPost()
		ctSync(t, d, ct)
		for i := 1; i <= 7; i++ {
			ctCreate(t, d, ct, map[string]any{"name": fmt.Sprintf("p%d", i), "rank": int64(i)})
		}
		odd := content.Filter{Or: []content.Filter{
			leaf("rank", content.OpIn, []any{int64(1), int64(3), int64(5), int64(7)}),
		}}
		cases := []struct {
			name  string
			q     content.Query
			want  []string
			total int
		}{
			{"page 1", content.Query{Page: 1, PageSize: 3}, []string{"p1", "p2", "p3"}, 7},
			{"page 2", content.Query{Page: 2, PageSize: 3}, []string{"p4", "p5", "p6"}, 7},
			{"last page", content.Query{Page: 3, PageSize: 3}, []string{"p7"}, 7},
			{"past the end", content.Query{Page: 4, PageSize: 3}, []string{}, 7},
			{"far past the end", content.Query{Page: 1 << 40, PageSize: 100}, []string{}, 7},
			{"page sorted desc", content.Query{Page: 2, PageSize: 2, Sort: []content.SortField{{Field: "rank", Desc: true}}}, []string{"p5", "p4"}, 7},
			{"page filtered", content.Query{Page: 2, PageSize: 3, Filter: &odd}, []string{"p7"}, 4},
			{"unset page", content.Query{}, []string{"p1", "p2", "p3", "p4", "p5", "p6", "p7"}, 7},
			{"offset", content.Query{Offset: true, Start: 2, Limit: 3}, []string{"p3", "p4", "p5"}, 7},
			{"offset from 0", content.Query{Offset: true, Start: 0, Limit: 2}, []string{"p1", "p2"}, 7},
			{"offset near end", content.Query{Offset: true, Start: 5, Limit: 5}, []string{"p6", "p7"}, 7},
			{"offset past end", content.Query{Offset: true, Start: 10, Limit: 5}, []string{}, 7},
			{"offset filtered", content.Query{Offset: true, Start: 1, Limit: 2, Filter: &odd}, []string{"p3", "p5"}, 4},
		}
		for _, c := range cases {
			got, total, err := d.FindEntries(t.Context(), ct, c.q)
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			if names := ctNames(got); !slices.Equal(names, c.want) || total != c.total {
				t.Errorf("%s: got %v total %d, want %v total %d", c.name, names, total, c.want, c.total)
			}
		}
		// Sizes are held to 1…100.
		for i := 8; i <= 130; i++ {
			ctCreate(t, d, ct, map[string]any{"name": fmt.Sprintf("p%d", i)})
		}
		if got, total, err := d.FindEntries(t.Context(), ct, content.Query{Page: 1, PageSize: 1000}); err != nil || len(got) != 100 || total != 130 {
			t.Errorf("pageSize 1000: %d entries, total %d, %v; want 100 of 130", len(got), total, err)
		}
		if got, _, err := d.FindEntries(t.Context(), ct, content.Query{Offset: true, Limit: 500}); err != nil || len(got) != 100 {
			t.Errorf("limit 500: %d entries, %v; want 100", len(got), err)
		}
	})
}

func TestFindEntriesFields(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ct := ctArticle()
		ctSync(t, d, ct)
		seeded := ctSeed(t, d, ct)
		got, _, err := d.FindEntries(t.Context(), ct, content.Query{Fields: []string{"views", "title", "id", "createdAt"}, Page: 1, PageSize: 10})
		if err != nil {
			t.Fatalf("FindEntries: %v", err)
		}
		if len(got) != 4 {
			t.Fatalf("got %d entries, want 4", len(got))
		}
		a := got[0]
		want := map[string]any{"title": "Alpha", "views": int64(10)}
		if !reflect.DeepEqual(a.Data, want) {
			t.Errorf("selected data = %v, want %v", a.Data, want)
		}
		s := seeded["Alpha"]
		if a.ID != s.ID || a.DocumentID != s.DocumentID || !a.CreatedAt.Equal(s.CreatedAt) || !a.UpdatedAt.Equal(s.UpdatedAt) || a.PublishedAt == nil {
			t.Errorf("system fields not all returned: %+v", a)
		}
		got, _, err = d.FindEntries(t.Context(), ct, content.Query{Fields: []string{}, Page: 1, PageSize: 10})
		if err != nil || len(got) != 4 || len(got[0].Data) != 0 || got[0].DocumentID == "" {
			t.Errorf("no attributes selected: %+v, %v", got, err)
		}
		// Filtering and sorting on attributes not selected still works.
		f := leaf("views", content.OpGte, int64(20))
		got, _, err = d.FindEntries(t.Context(), ct, content.Query{Fields: []string{"title"}, Filter: &f, Sort: []content.SortField{{Field: "views", Desc: true}}, Page: 1, PageSize: 10})
		if titles := ctTitles(got); err != nil || !slices.Equal(titles, []string{"Gamma", "beta"}) {
			t.Errorf("filter on unselected field: %v, %v", titles, err)
		}
	})
}

func TestEntryUniqueViolation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ct := ctArticle()
		ctSync(t, d, ct)
		first := ctCreate(t, d, ct, map[string]any{"title": "T", "slug": "s", "views": int64(1)})
		other := ctCreate(t, d, ct, map[string]any{"title": "U", "slug": "u"})

		check := func(what string, err error, fields ...string) {
			t.Helper()
			if !errors.Is(err, db.ErrConflict) {
				t.Errorf("%s: err = %v, want ErrConflict", what, err)
				return
			}
			uv, ok := errors.AsType[*db.UniqueViolation](err)
			if !ok || !slices.Equal(uv.Fields, fields) {
				t.Errorf("%s: err = %v, want a UniqueViolation of %v", what, err, fields)
			}
			for _, f := range fields {
				if !strings.Contains(err.Error(), f) {
					t.Errorf("%s: message %q does not name %s", what, err, f)
				}
			}
		}
		_, err := d.CreateEntry(t.Context(), ct, map[string]any{"title": "T", "body": "new"})
		check("create duplicate title", err, "title")
		_, err = d.CreateEntry(t.Context(), ct, map[string]any{"title": "T", "slug": "s"})
		check("create duplicate title and slug", err, "title", "slug")
		if n := ctCount(t, d, "ct_articles"); n != 2 {
			t.Errorf("refused creates left %d rows, want 2", n)
		}

		_, err = d.UpdateEntry(t.Context(), ct, other.DocumentID, map[string]any{"slug": "s", "views": int64(99)})
		check("update to a taken slug", err, "slug")
		if got, _ := d.FindEntry(t.Context(), ct, other.DocumentID); !reflect.DeepEqual(got, other) {
			t.Errorf("refused update changed the entry: %+v", got)
		}
		// An entry keeps its own value; case matters; NULLs never clash.
		if _, err := d.UpdateEntry(t.Context(), ct, first.DocumentID, map[string]any{"title": "T", "slug": "s", "views": int64(2)}); err != nil {
			t.Errorf("rewriting an entry's own unique values: %v", err)
		}
		if _, err := d.CreateEntry(t.Context(), ct, map[string]any{"title": "t"}); err != nil {
			t.Errorf("title differing in case: %v", err)
		}
		for range 2 {
			if _, err := d.CreateEntry(t.Context(), ct, map[string]any{"body": "no unique values"}); err != nil {
				t.Errorf("entries without unique values: %v", err)
			}
		}

		// Concurrent creates of one value: exactly one wins, whichever
		// check catches the others.
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				_, errs[i] = d.CreateEntry(t.Context(), ct, map[string]any{"title": "race", "slug": fmt.Sprintf("race-%d", i)})
			})
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, db.ErrConflict):
				t.Errorf("racing create: %v, want ErrConflict", err)
			}
		}
		if wins != 1 {
			t.Errorf("%d racing creates of one title succeeded, want 1", wins)
		}
	})
}

func ctHomepage() content.ContentType {
	return content.ContentType{
		Kind: content.SingleType, SingularName: "homepage", PluralName: "homepages", CollectionName: "homepages",
		Attributes: []content.Attribute{
			{Name: "headline", Type: content.TypeString},
			{Name: "count", Type: content.TypeInteger},
		},
	}
}

func TestSingleEntry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ct := ctHomepage()
		ctSync(t, d, ct)
		if _, err := d.SingleEntry(t.Context(), ct); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("SingleEntry of an empty type: err = %v, want ErrNotFound", err)
		}
		e, created, err := d.PutSingleEntry(t.Context(), ct, map[string]any{"headline": "Hi", "count": int64(1)})
		if err != nil || !created {
			t.Fatalf("first PutSingleEntry = %v, created %v; want created", err, created)
		}
		if e.PublishedAt == nil || e.Data["headline"] != "Hi" {
			t.Errorf("created single entry = %+v", e)
		}
		u, created, err := d.PutSingleEntry(t.Context(), ct, map[string]any{"count": int64(2)})
		if err != nil || created {
			t.Fatalf("second PutSingleEntry = %v, created %v; want updated", err, created)
		}
		if u.DocumentID != e.DocumentID || u.ID != e.ID || !reflect.DeepEqual(u.Data, map[string]any{"headline": "Hi", "count": int64(2)}) {
			t.Errorf("updated single entry = %+v, want %s with headline kept", u, e.DocumentID)
		}
		if got, err := d.SingleEntry(t.Context(), ct); err != nil || !reflect.DeepEqual(got, u) {
			t.Errorf("SingleEntry = %+v, %v; want %+v", got, err, u)
		}
		if n := ctCount(t, d, "ct_homepages"); n != 1 {
			t.Errorf("single type holds %d rows", n)
		}
		if _, err := d.CreateEntry(t.Context(), ct, map[string]any{"headline": "second"}); err == nil {
			t.Errorf("CreateEntry on a single type accepted")
		}
		if err := d.DeleteEntry(t.Context(), ct, u.DocumentID); err != nil {
			t.Fatalf("DeleteEntry: %v", err)
		}
		if _, err := d.SingleEntry(t.Context(), ct); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("SingleEntry after delete: err = %v, want ErrNotFound", err)
		}
		// Concurrent first PUTs create one entry, round after round.
		for round := range 10 {
			if _, err := d.ExecContext(t.Context(), `DELETE FROM "ct_homepages"`); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			start := make(chan struct{})
			created := make([]bool, 8)
			for i := range created {
				wg.Go(func() {
					<-start
					_, c, err := d.PutSingleEntry(t.Context(), ct, map[string]any{"count": int64(i)})
					if err != nil {
						t.Errorf("concurrent PutSingleEntry: %v", err)
					}
					created[i] = c
				})
			}
			close(start)
			wg.Wait()
			n := 0
			for _, c := range created {
				if c {
					n++
				}
			}
			if rows := ctCount(t, d, "ct_homepages"); rows != 1 || n != 1 {
				t.Fatalf("round %d: concurrent PUTs left %d rows, %d said created; want 1 and 1", round, rows, n)
			}
		}
	})
}

func TestFindEntriesCreatedAtFilterOnThousandRows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ct := ctPost()
		ctSync(t, d, ct)
		base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		// Written directly, with created_at a minute apart, in one
		// transaction: a thousand store calls would only slow the test.
		tx, err := d.BeginTxx(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		ins := d.Rebind(`INSERT INTO "ct_posts" ("document_id", "created_at", "updated_at", "published_at", "rank") VALUES (?, ?, ?, ?, ?)`)
		for i := range 1000 {
			at := base.Add(time.Duration(i) * time.Minute)
			if _, err := tx.ExecContext(t.Context(), ins, db.NewDocumentID(), at, at, at, int64(i)); err != nil {
				tx.Rollback()
				t.Fatalf("insert %d: %v", i, err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		f := content.Filter{And: []content.Filter{
			leaf("createdAt", content.OpGte, base.Add(500*time.Minute)),
			leaf("createdAt", content.OpLt, base.Add(600*time.Minute)),
		}}
		got, total, err := d.FindEntries(t.Context(), ct, content.Query{
			Filter: &f, Sort: []content.SortField{{Field: "createdAt", Desc: true}}, Page: 2, PageSize: 10,
		})
		if err != nil {
			t.Fatalf("FindEntries: %v", err)
		}
		if total != 100 || len(got) != 10 {
			t.Fatalf("got %d entries, total %d; want 10 of 100", len(got), total)
		}
		if got[0].Data["rank"] != int64(589) || !got[0].CreatedAt.Equal(base.Add(589*time.Minute)) {
			t.Errorf("first of page 2 = rank %v at %v, want 589", got[0].Data["rank"], got[0].CreatedAt)
		}
		// A sub-second bound on the stored text format (SQLite compares
		// it as text) still orders correctly.
		f = leaf("createdAt", content.OpGt, base.Add(999*time.Minute-time.Nanosecond*500))
		if _, total, err := d.FindEntries(t.Context(), ct, content.Query{Filter: &f}); err != nil || total != 1 {
			t.Errorf("createdAt > just before the last: total %d, %v; want 1", total, err)
		}
	})
}
