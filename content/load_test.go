package content

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// schema builds a schema.json; attrs is the body of the attributes object.
func schema(kind, singular, plural, attrs string) string {
	return fmt.Sprintf(`{"kind": %q, "info": {"singularName": %q, "pluralName": %q, "displayName": "X"}, "attributes": {%s}}`,
		kind, singular, plural, attrs)
}

func TestLoadErrors(t *testing.T) {
	const (
		x = "src/api/x/content-types/x/schema.json"
		a = "src/api/a/content-types/a/schema.json"
		b = "src/api/b/content-types/b/schema.json"
	)
	one := func(body string) map[string]string { return map[string]string{x: body} }
	withAttrs := func(attrs string) map[string]string { return one(schema("collectionType", "x", "xs", attrs)) }

	tests := []struct {
		name     string
		files    map[string]string
		wantFile string
		want     string
	}{
		{"invalid JSON", one("{\n  \"kind\": \"collectionType\",\n  oops\n}"), x, "invalid JSON at line 3, column 3"},
		{"empty file", one(""), x, "invalid JSON"},
		{"not an object", one(`["collectionType"]`), x, "must be a JSON object"},
		{"info of wrong type", one("{\n\"info\": \"x\"}"), x, "invalid schema at line 2: info must be an object, not string"},
		{"missing kind", one(`{"info": {"singularName": "x", "pluralName": "xs"}, "attributes": {}}`), x, "kind is required"},
		{"unknown kind", one(schema("component", "x", "xs", "")), x, `unknown kind "component"`},
		{"missing singular", one(schema("collectionType", "", "xs", "")), x, "info.singularName is required"},
		{"missing plural", one(schema("collectionType", "x", "", "")), x, "info.pluralName is required"},
		{"singular not lower-case", one(schema("collectionType", "Article", "articles", "")), x, `info.singularName "Article" must match ^[a-z][a-z0-9-]*$`},
		{"singular starts with digit", one(schema("collectionType", "1x", "xs", "")), x, `info.singularName "1x" must match`},
		{"plural with underscore", one(schema("collectionType", "x", "my_xs", "")), x, `info.pluralName "my_xs" must match`},
		{"singular equals plural", one(schema("collectionType", "news", "news", "")), x, `both "news"; they must differ`},
		{"bad collectionName", one(`{"kind": "collectionType", "collectionName": "x; drop", "info": {"singularName": "x", "pluralName": "xs"}, "attributes": {}}`), x, `collectionName "x; drop" must match`},
		{"missing attributes", one(`{"kind": "collectionType", "info": {"singularName": "x", "pluralName": "xs"}}`), x, "attributes must be an object"},
		{"attributes as list", one(`{"kind": "collectionType", "info": {"singularName": "x", "pluralName": "xs"}, "attributes": []}`), x, "attributes must be an object"},
		{"attribute name with dash", withAttrs(`"first-name": {"type": "string"}`), x, `attribute name "first-name" must match`},
		{"attribute name with digit first", withAttrs(`"1st": {"type": "string"}`), x, `attribute name "1st" must match`},
		{"attribute declared twice", withAttrs(`"title": {"type": "string"}, "title": {"type": "text"}`), x, `attribute "title" is declared twice`},
		{"attribute not an object", withAttrs(`"title": "string"`), x, `attribute "title": must be a JSON object, not string`},
		{"attribute without type", withAttrs(`"title": {"required": true}`), x, `attribute "title": type is required`},
		{"unknown attribute type", withAttrs(`"title": {"type": "strnig"}`), x, `attribute "title": unknown type "strnig"`},
		{"required not a bool", withAttrs(`"title": {"type": "string", "required": "yes"}`), x, `attribute "title": required must be true or false`},
		{"maxLength not an integer", withAttrs(`"title": {"type": "string", "maxLength": "10"}`), x, `attribute "title": maxLength must be an integer`},
		{"enumeration without enum", withAttrs(`"size": {"type": "enumeration"}`), x, `attribute "size": an enumeration needs a non-empty enum`},
		{"enumeration with empty enum", withAttrs(`"size": {"type": "enumeration", "enum": []}`), x, "needs a non-empty enum"},
		{"enum value twice", withAttrs(`"size": {"type": "enumeration", "enum": ["s", "m", "s"]}`), x, `enum value "s" is listed twice`},
		{"enum default not listed", withAttrs(`"size": {"type": "enumeration", "enum": ["s"], "default": "xl"}`), x, "default xl is not one of enum"},
		{"boolean default not a bool", withAttrs(`"on": {"type": "boolean", "default": "yes"}`), x, "default yes is not true or false"},
		{"minLength above maxLength", withAttrs(`"title": {"type": "string", "minLength": 5, "maxLength": 3}`), x, `attribute "title": minLength 5 is greater than maxLength 3`},
		{"negative maxLength", withAttrs(`"title": {"type": "string", "maxLength": -1}`), x, "maxLength -1 must not be negative"},
		{"min above max", withAttrs(`"n": {"type": "integer", "min": 10, "max": 1}`), x, `attribute "n": min 10 is greater than max 1`},
		{"min above max as strings", withAttrs(`"n": {"type": "biginteger", "min": "10", "max": "1"}`), x, "min 10 is greater than max 1"},
		{"min not a number", withAttrs(`"n": {"type": "integer", "min": "ten"}`), x, `min "ten" is not a finite number`},
		{"uid target missing", withAttrs(`"slug": {"type": "uid", "targetField": "title"}`), x, `attribute "slug": targetField "title" is not another attribute`},
		{"duplicate singular", map[string]string{a: schema("collectionType", "post", "posts", ""), b: schema("collectionType", "post", "entries", "")}, b, `info.singularName "post" is already used by ` + a},
		{"duplicate plural", map[string]string{a: schema("collectionType", "post", "posts", ""), b: schema("collectionType", "item", "posts", "")}, b, `info.pluralName "posts" is already used by ` + a},
		{"plural of one is singular of another", map[string]string{a: schema("collectionType", "story", "news", ""), b: schema("singleType", "news", "newses", "")}, b, `info.singularName "news" is already used by ` + a},
		{"duplicate collectionName", map[string]string{
			a: `{"kind": "collectionType", "collectionName": "things", "info": {"singularName": "a", "pluralName": "as"}, "attributes": {}}`,
			b: `{"kind": "collectionType", "collectionName": "things", "info": {"singularName": "b", "pluralName": "bs"}, "attributes": {}}`,
		}, b, `collectionName "things" is already used by ` + a},
	}
	for _, reserved := range []string{"id", "documentId", "createdAt", "updatedAt", "publishedAt", "locale"} {
		tests = append(tests, struct {
			name     string
			files    map[string]string
			wantFile string
			want     string
		}{"reserved " + reserved, withAttrs(fmt.Sprintf(`%q: {"type": "string"}`, reserved)), x, fmt.Sprintf("attribute name %q is reserved", reserved)})
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for p, body := range tt.files {
				fsys[p] = &fstest.MapFile{Data: []byte(body)}
			}
			r, err := Load(fsys)
			if err == nil {
				t.Fatalf("Load: got %d types and no error, want an error containing %q", len(r.Types()), tt.want)
			}
			if r != nil {
				t.Errorf("Load: got a registry with the error, want nil")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tt.wantFile+": ") {
				t.Errorf("error: got %q, want it to start with %q", msg, tt.wantFile+": ")
			}
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error: got %q, want it to contain %q", msg, tt.want)
			}
			var se *SchemaError
			if !errors.As(err, &se) || se.File != tt.wantFile {
				t.Errorf("error: got %#v, want a *SchemaError for %s", err, tt.wantFile)
			}
		})
	}
}

func TestLoadNoSchemas(t *testing.T) {
	fsys := fstest.MapFS{
		"src/api/x/controllers/x.js":     {Data: []byte("module.exports = {};")},
		"src/components/shared/seo.json": {Data: []byte("{}")},
		"src/api/x/schema.json.bak":      {Data: []byte("{}")},
	}
	_, err := Load(fsys)
	if err == nil || !strings.Contains(err.Error(), "no schema.json files found under .") {
		t.Errorf("Load: got %v, want an error containing %q", err, "no schema.json files found under .")
	}
}

// writeFile writes body at the slash-separated rel under dir.
func writeFile(t *testing.T, dir, rel, body string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadDir(t *testing.T) {
	article, err := fs.ReadFile(defaultsFS, "defaults/article/content-types/article/schema.json")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("loads", func(t *testing.T) {
		dir := t.TempDir()
		want := writeFile(t, dir, "article/content-types/article/schema.json", string(article))
		writeFile(t, dir, "article/routes/article.js", "module.exports = {};")
		r, err := LoadDir(dir)
		if err != nil {
			t.Fatalf("LoadDir: got error %v, want nil", err)
		}
		ct, ok := r.ByPlural("articles")
		if !ok {
			t.Fatal("ByPlural(articles): got false, want true")
		}
		if ct.Source != want {
			t.Errorf("Source: got %q, want %q", ct.Source, want)
		}
		if got := len(r.Actions()); got != 5 {
			t.Errorf("len(Actions): got %d, want 5", got)
		}
	})

	t.Run("names the file on disk", func(t *testing.T) {
		dir := t.TempDir()
		bad := writeFile(t, dir, "x/content-types/x/schema.json", schema("collectionType", "x", "x", ""))
		_, err := LoadDir(dir)
		if err == nil || !strings.HasPrefix(err.Error(), bad+": ") {
			t.Errorf("LoadDir: got %v, want an error starting with %q", err, bad+": ")
		}
	})

	t.Run("empty", func(t *testing.T) {
		dir := t.TempDir()
		_, err := LoadDir(dir)
		want := "no schema.json files found under " + dir
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("LoadDir: got %v, want an error containing %q", err, want)
		}
	})

	t.Run("missing", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "nope")
		_, err := LoadDir(dir)
		if err == nil || !strings.Contains(err.Error(), dir) || !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("LoadDir: got %v, want a not-exist error naming %s", err, dir)
		}
	})
}

func FuzzLoadSchema(f *testing.F) {
	for _, p := range []string{
		"defaults/article/content-types/article/schema.json",
		"defaults/category/content-types/category/schema.json",
	} {
		data, err := fs.ReadFile(defaultsFS, p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(schema("singleType", "home", "homes", `"a": {"type": "relation"}, "b": {"type": "enumeration", "enum": ["x"]}, "c": {"type": "uid", "targetField": "b"}`)))
	f.Add([]byte(schema("collectionType", "n", "ns", `"n": {"type": "biginteger", "min": "1", "max": 2}`)))
	f.Add([]byte(`{"kind": "collectionType", "info": {}}`))
	f.Add([]byte(""))

	const file = "src/api/x/content-types/x/schema.json"
	verbs := []string{VerbFind, VerbFindOne, VerbCreate, VerbUpdate, VerbDelete}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Load(fstest.MapFS{file: {Data: data}})
		if err != nil {
			if r != nil {
				t.Fatalf("Load: got a registry with error %v, want nil", err)
			}
			if !strings.Contains(err.Error(), file) {
				t.Fatalf("error: got %q, want it to name %s", err, file)
			}
			return
		}

		types := r.Types()
		if len(types) != 1 {
			t.Fatalf("types: got %d, want 1", len(types))
		}
		ct := types[0]
		if ct.Source != file {
			t.Errorf("Source: got %q, want %q", ct.Source, file)
		}
		wantN := map[Kind]int{CollectionType: 5, SingleType: 3}[ct.Kind]
		acts := ct.Actions()
		if wantN == 0 || len(acts) != wantN {
			t.Fatalf("kind %q: got %d actions, want 5 for collectionType or 3 for singleType", ct.Kind, len(acts))
		}
		sorted := slices.Sorted(slices.Values(acts))
		if got := r.Actions(); !slices.Equal(got, sorted) {
			t.Errorf("registry actions: got %v, want %v", got, sorted)
		}
		for _, a := range acts {
			if !r.KnownAction(a) {
				t.Errorf("KnownAction(%q): got false, want true", a)
			}
			uid, verb := ActionLabel(a)
			if uid != ct.UID() || !slices.Contains(verbs, verb) {
				t.Errorf("ActionLabel(%q): got (%q, %q), want (%q, a verb)", a, uid, verb, ct.UID())
			}
		}
		if g := r.Groups(); len(g) != 1 || len(g[0].Actions) != wantN {
			t.Errorf("groups: got %+v, want one group with %d actions", g, wantN)
		}
		for name, lookup := range map[string]func(string) (ContentType, bool){
			ct.PluralName: r.ByPlural, ct.SingularName: r.BySingular, ct.RouteName(): r.ByRouteName,
		} {
			if got, ok := lookup(name); !ok || got.UID() != ct.UID() {
				t.Errorf("lookup(%q): got %q, %v, want %q", name, got.UID(), ok, ct.UID())
			}
		}
		seen := map[string]bool{}
		for _, a := range ct.Attributes {
			if seen[a.Name] || reservedAttrs[a.Name] || !a.Type.Supported() {
				t.Errorf("attribute %q (%s): got duplicate, reserved or unsupported, want none", a.Name, a.Type)
			}
			seen[a.Name] = true
		}
	})
}
