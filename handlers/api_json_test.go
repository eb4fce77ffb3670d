package handlers

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/contentapi"
)

// encodeLikeStrapi is what Strapi's JSON.stringify writes, with the
// trailing newline Echo's c.JSON wrote: encoding/json's Encoder without
// HTML escaping, U+2028 and U+2029 as they are, ordered objects written by
// legacyOrdered (a json encoding per key and value). It does not call the
// code under test.
func encodeLikeStrapi(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(legacy(v)); err != nil {
		t.Fatal(err)
	}
	return strings.NewReplacer(`\u2028`, "\u2028", `\u2029`, "\u2029").Replace(b.String())
}

// ordered is an object in the key order Strapi writes.
func ordered(kv ...any) content.OrderedObject {
	o := make(content.OrderedObject, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		o = append(o, content.Field{Key: kv[i].(string), Value: kv[i+1]})
	}
	return o
}

// legacy replaces every content.OrderedObject in v by a legacyOrdered.
func legacy(v any) any {
	switch x := v.(type) {
	case content.OrderedObject:
		o := make(legacyOrdered, len(x))
		for i, f := range x {
			o[i] = content.Field{Key: f.Key, Value: legacy(f.Value)}
		}
		return o
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = legacy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = legacy(e)
		}
		return s
	}
	return v
}

// legacyOrdered is OrderedObject marshalled the slow way: one encoding
// per key and value.
type legacyOrdered []content.Field

func (o legacyOrdered) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := marshalNoHTML(f.Key)
		if err != nil {
			return nil, err
		}
		v, err := marshalNoHTML(f.Value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func marshalNoHTML(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// The answers of find, findOne, create and update are byte for byte what
// Strapi's JSON.stringify writes. Each title holds one character JSON
// escapes or passes through unchanged, so a fast path that mishandles any
// one of them shows.
func TestAPIAnswersAreTheBytesStrapiWrites(t *testing.T) {
	app := newTestApp(t)
	key := "Bearer " + app.mintKey("rw", "full-access", "unlimited")
	titles := []string{"Plain title 123", "a<b", "a>b", "a&b", `a"b`, `a\b`, "a\tb", "a\nb", "a\x01b",
		"a\x7fb", "a\u2028b", "a\u2029b", "ünïcödé", "€ 💡", "a/b", "~'`!"}
	ct, _ := content.Default().ByRouteName("articles")
	for i, title := range titles {
		body, err := json.Marshal(map[string]any{"data": map[string]any{"title": title, "slug": "s" + strconv.Itoa(i),
			"body": "x", "publishedDate": "2026-01-02", "featured": i%2 == 0}})
		if err != nil {
			t.Fatal(err)
		}
		r := app.api(http.MethodPost, "/api/articles", key, string(body))
		if r.status != http.StatusCreated {
			t.Fatalf("create %q: %d %s", title, r.status, r.raw)
		}
		e, _, err := app.store.FindEntries(t.Context(), ct, content.Query{Offset: true, Start: i, Limit: 1})
		if err != nil || len(e) != 1 {
			t.Fatal(len(e), err)
		}
		if want := encodeLikeStrapi(t, ordered("data", contentapi.EntryJSON(ct, e[0], nil), "meta", ordered())); r.raw != want {
			t.Errorf("create %q:\ngot  %s\nwant %s", title, r.raw, want)
		}
	}
	n := len(titles)
	entries, total, err := app.store.FindEntries(t.Context(), ct, content.Query{Page: 1, PageSize: 25})
	if err != nil || total != n {
		t.Fatal(total, err)
	}
	data := make([]any, n)
	for i, e := range entries {
		data[i] = contentapi.EntryJSON(ct, e, nil)
		one := app.api(http.MethodGet, "/api/articles/"+e.DocumentID, key, "")
		if want := encodeLikeStrapi(t, ordered("data", data[i], "meta", ordered())); one.raw != want {
			t.Errorf("findOne %q:\ngot  %s\nwant %s", e.Data["title"], one.raw, want)
		}
		if ctype := one.header.Get("Content-Type"); ctype != mimeJSON {
			t.Errorf("findOne Content-Type %q", ctype)
		}
	}

	page := app.api(http.MethodGet, "/api/articles", key, "")
	want := encodeLikeStrapi(t, ordered("data", data, "meta", ordered("pagination",
		ordered("page", 1, "pageSize", 25, "pageCount", 1, "total", n))))
	if page.raw != want {
		t.Errorf("find:\ngot  %s\nwant %s", page.raw, want)
	}
	slice := app.api(http.MethodGet, "/api/articles?pagination[start]=1&pagination[limit]=2", key, "")
	want = encodeLikeStrapi(t, ordered("data", data[1:3], "meta", ordered("pagination",
		ordered("start", 1, "limit", 2, "total", n))))
	if slice.raw != want {
		t.Errorf("find by start and limit:\ngot  %s\nwant %s", slice.raw, want)
	}
	fields := app.api(http.MethodGet, "/api/articles?fields[0]=title&pagination[pageSize]=3&pagination[page]=2", key, "")
	sub := make([]any, 0, 3)
	for _, e := range entries[3:6] {
		sub = append(sub, contentapi.EntryJSON(ct, e, []string{"title"}))
	}
	want = encodeLikeStrapi(t, ordered("data", sub, "meta", ordered("pagination",
		ordered("page", 2, "pageSize", 3, "pageCount", (n+2)/3, "total", n))))
	if fields.raw != want {
		t.Errorf("find with fields:\ngot  %s\nwant %s", fields.raw, want)
	}
	empty := app.api(http.MethodGet, "/api/articles?pagination[page]=9", key, "")
	want = encodeLikeStrapi(t, ordered("data", []any{}, "meta", ordered("pagination",
		ordered("page", 9, "pageSize", 25, "pageCount", 1, "total", n))))
	if empty.raw != want {
		t.Errorf("page past the end:\ngot  %s\nwant %s", empty.raw, want)
	}

	up := app.api(http.MethodPut, "/api/articles/"+entries[1].DocumentID, key, `{"data":{"title":"<i>new</i> & \"improved\""}}`)
	updated, err := app.store.FindEntry(t.Context(), ct, entries[1].DocumentID)
	if err != nil {
		t.Fatal(err)
	}
	if want := encodeLikeStrapi(t, ordered("data", contentapi.EntryJSON(ct, updated, nil), "meta", ordered())); up.raw != want {
		t.Errorf("update:\ngot  %s\nwant %s", up.raw, want)
	}
}
