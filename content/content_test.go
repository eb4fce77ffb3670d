package content

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestDefaultTypes(t *testing.T) {
	r := Default()
	types := r.Types()
	var names []string
	for _, ct := range types {
		names = append(names, ct.DisplayName)
	}
	if want := []string{"Article", "Category"}; !slices.Equal(names, want) {
		t.Fatalf("types: got %v, want %v", names, want)
	}
	if Default() != r {
		t.Errorf("Default: got a new registry on the second call, want the same one")
	}

	article, ok := r.BySingular("article")
	if !ok {
		t.Fatal("BySingular(article): got false, want true")
	}
	var attrs []string
	for _, a := range article.Attributes {
		attrs = append(attrs, a.Name)
	}
	if want := []string{"title", "slug", "body", "publishedDate", "featured"}; !slices.Equal(attrs, want) {
		t.Errorf("article attributes: got %v, want %v (file order)", attrs, want)
	}
	if got, want := article.Source, "defaults/article/content-types/article/schema.json"; got != want {
		t.Errorf("article source: got %q, want %q", got, want)
	}
	if got, want := article.CollectionName, "articles"; got != want {
		t.Errorf("article collectionName: got %q, want %q", got, want)
	}

	title, _ := article.Attribute("title")
	if title.Type != TypeString || !title.Required || title.MaxLength == nil || *title.MaxLength != 200 {
		t.Errorf("title: got %+v, want a required string with maxLength 200", title)
	}
	slug, _ := article.Attribute("slug")
	if slug.Type != TypeUID || slug.TargetField != "title" {
		t.Errorf("slug: got type %q targetField %q, want uid targeting title", slug.Type, slug.TargetField)
	}
	featured, _ := article.Attribute("featured")
	if featured.Default != false {
		t.Errorf("featured default: got %#v, want false", featured.Default)
	}
	if _, ok := article.Attribute("nope"); ok {
		t.Error(`Attribute("nope"): got true, want false`)
	}

	category, _ := r.ByPlural("categories")
	name, _ := category.Attribute("name")
	if !name.Required || !name.Unique || name.MaxLength == nil || *name.MaxLength != 100 {
		t.Errorf("category name: got %+v, want required, unique, maxLength 100", name)
	}
	if desc, _ := category.Attribute("description"); desc.Type != TypeText {
		t.Errorf("category description type: got %q, want %q", desc.Type, TypeText)
	}
	if w := r.Warnings(); len(w) != 0 {
		t.Errorf("warnings: got %v, want none", w)
	}
}

func TestDefaultActions(t *testing.T) {
	r := Default()
	want := []string{
		"api::article.article.create", "api::article.article.delete", "api::article.article.find",
		"api::article.article.findOne", "api::article.article.update",
		"api::category.category.create", "api::category.category.delete", "api::category.category.find",
		"api::category.category.findOne", "api::category.category.update",
	}
	if got := r.Actions(); !slices.Equal(got, want) {
		t.Errorf("Actions: got %v, want %v", got, want)
	}
	article, _ := r.BySingular("article")
	wantArticle := []string{
		"api::article.article.find", "api::article.article.findOne", "api::article.article.create",
		"api::article.article.update", "api::article.article.delete",
	}
	if got := article.Actions(); !slices.Equal(got, wantArticle) {
		t.Errorf("article.Actions: got %v, want %v", got, wantArticle)
	}
	if got, want := article.UID(), "api::article.article"; got != want {
		t.Errorf("UID: got %q, want %q", got, want)
	}
}

func TestKnownAction(t *testing.T) {
	r := Default()
	tests := []struct {
		action string
		want   bool
	}{
		{"api::article.article.find", true},
		{"api::article.article.findOne", true},
		{"api::category.category.delete", true},
		{"api::article.article.publish", false},
		{"api::article.article.findone", false},
		{"api::articles.articles.find", false},
		{"api::tag.tag.find", false},
		{"admin::api-tokens.read", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := r.KnownAction(tt.action); got != tt.want {
			t.Errorf("KnownAction(%q): got %v, want %v", tt.action, got, tt.want)
		}
	}
}

func TestActionLabel(t *testing.T) {
	tests := []struct {
		action, wantType, wantVerb string
	}{
		{"api::article.article.findOne", "api::article.article", "findOne"},
		{"api::blog-post.blog-post.delete", "api::blog-post.blog-post", "delete"},
		{"admin::api-tokens.read", "", "admin::api-tokens.read"},
		{"plugin::users-permissions.user.find", "", "plugin::users-permissions.user.find"},
		{"api::article.find", "", "api::article.find"},
		{"api::article.article.", "", "api::article.article."},
		{"article", "", "article"},
		{"", "", ""},
	}
	for _, tt := range tests {
		gotType, gotVerb := ActionLabel(tt.action)
		if gotType != tt.wantType || gotVerb != tt.wantVerb {
			t.Errorf("ActionLabel(%q): got (%q, %q), want (%q, %q)", tt.action, gotType, gotVerb, tt.wantType, tt.wantVerb)
		}
	}
}

// strapiTree is a trimmed copy of a Strapi project's src/api: schemas sit
// among controllers, routes and services, and use types we skip.
func strapiTree() fstest.MapFS {
	return fstest.MapFS{
		"src/api/homepage/content-types/homepage/schema.json": {Data: []byte(`{
  "kind": "singleType",
  "collectionName": "homepages",
  "info": {"singularName": "homepage", "pluralName": "homepages", "displayName": "Homepage"},
  "options": {"draftAndPublish": true},
  "attributes": {
    "headline": {"type": "string", "required": true, "minLength": 3, "maxLength": 80},
    "hero": {"type": "media", "multiple": false, "allowedTypes": ["images"]},
    "featuredArticle": {"type": "relation", "relation": "oneToOne", "target": "api::post.post"},
    "layout": {"type": "enumeration", "enum": ["wide", "narrow"], "default": "wide"},
    "visitors": {"type": "biginteger", "min": "0", "max": "1000000"},
    "code": {"type": "string", "regex": "^[A-Z]+$"}
  }
}`)},
		"src/api/homepage/controllers/homepage.js": {Data: []byte("module.exports = {};")},
		"src/api/homepage/routes/homepage.js":      {Data: []byte("module.exports = {};")},
		"src/api/post/content-types/post/schema.json": {Data: []byte(`{
  "kind": "collectionType",
  "info": {"singularName": "post", "pluralName": "posts", "displayName": "Blog post"},
  "attributes": {"rating": {"type": "float", "min": 0, "max": 5}, "blocks": {"type": "dynamiczone", "components": ["shared.seo"]}}
}`)},
		"src/api/post/services/post.js":              {Data: []byte("module.exports = {};")},
		"src/components/shared/seo.json":             {Data: []byte(`{"collectionName": "components_shared_seos"}`)},
		"src/api/.cache/content-types/x/schema.json": {Data: []byte("not json")},
		"node_modules/pkg/schema.json":               {Data: []byte("not json")},
		"README.md":                                  {Data: []byte("# project")},
	}
}

func TestLoadStrapiTree(t *testing.T) {
	r, err := Load(strapiTree())
	if err != nil {
		t.Fatalf("Load: got error %v, want nil", err)
	}
	var names []string
	for _, ct := range r.Types() {
		names = append(names, ct.DisplayName)
	}
	if want := []string{"Blog post", "Homepage"}; !slices.Equal(names, want) {
		t.Fatalf("types: got %v, want %v", names, want)
	}

	home, ok := r.BySingular("homepage")
	if !ok {
		t.Fatal("BySingular(homepage): got false, want true")
	}
	if home.Kind != SingleType {
		t.Errorf("homepage kind: got %q, want %q", home.Kind, SingleType)
	}
	var attrs []string
	for _, a := range home.Attributes {
		attrs = append(attrs, a.Name)
	}
	if want := []string{"headline", "layout", "visitors", "code"}; !slices.Equal(attrs, want) {
		t.Errorf("homepage attributes: got %v, want %v", attrs, want)
	}
	wantActions := []string{"api::homepage.homepage.find", "api::homepage.homepage.update", "api::homepage.homepage.delete"}
	if got := home.Actions(); !slices.Equal(got, wantActions) {
		t.Errorf("homepage actions: got %v, want %v", got, wantActions)
	}
	for _, a := range []string{"api::homepage.homepage.findOne", "api::homepage.homepage.create"} {
		if r.KnownAction(a) {
			t.Errorf("KnownAction(%q): got true, want false for a single type", a)
		}
	}
	if got, want := len(r.Actions()), 3+5; got != want {
		t.Errorf("len(Actions): got %d, want %d", got, want)
	}

	headline, _ := home.Attribute("headline")
	if headline.MinLength == nil || *headline.MinLength != 3 {
		t.Errorf("headline minLength: got %v, want 3", headline.MinLength)
	}
	layout, _ := home.Attribute("layout")
	if !slices.Equal(layout.Enum, []string{"wide", "narrow"}) || layout.Default != "wide" {
		t.Errorf("layout: got enum %v default %#v, want [wide narrow] default wide", layout.Enum, layout.Default)
	}
	visitors, _ := home.Attribute("visitors")
	if visitors.Min == nil || *visitors.Min != 0 || visitors.Max == nil || *visitors.Max != 1e6 {
		t.Errorf("visitors bounds: got %v..%v, want 0..1000000 read from strings", visitors.Min, visitors.Max)
	}
	post, _ := r.ByPlural("posts")
	if got, want := post.CollectionName, "posts"; got != want {
		t.Errorf("post collectionName: got %q, want %q (derived from the plural)", got, want)
	}
	if rating, _ := post.Attribute("rating"); rating.Max == nil || *rating.Max != 5 {
		t.Errorf("rating max: got %v, want 5", rating.Max)
	}

	warnings := r.Warnings()
	wantWarnings := []struct{ file, attr, phrase string }{
		{"src/api/homepage/content-types/homepage/schema.json", `"hero"`, "media"},
		{"src/api/homepage/content-types/homepage/schema.json", `"featuredArticle"`, "relation"},
		{"src/api/homepage/content-types/homepage/schema.json", `"code"`, "regex"},
		{"src/api/post/content-types/post/schema.json", `"blocks"`, "dynamiczone"},
	}
	if len(warnings) != len(wantWarnings) {
		t.Fatalf("warnings: got %q, want %d", warnings, len(wantWarnings))
	}
	for i, w := range wantWarnings {
		if !strings.HasPrefix(warnings[i], w.file+": ") || !strings.Contains(warnings[i], w.attr) || !strings.Contains(warnings[i], w.phrase) {
			t.Errorf("warning %d: got %q, want %s, %s and %q", i, warnings[i], w.file, w.attr, w.phrase)
		}
	}
}

func TestLookups(t *testing.T) {
	r, err := Load(strapiTree())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		lookup func(string) (ContentType, bool)
		key    string
		want   string // singular name, "" for not found
	}{
		{"plural of collection", r.ByPlural, "posts", "post"},
		{"plural of single", r.ByPlural, "homepages", "homepage"},
		{"singular", r.BySingular, "post", "post"},
		{"singular given plural", r.BySingular, "posts", ""},
		{"route of collection", r.ByRouteName, "posts", "post"},
		{"route of collection by singular", r.ByRouteName, "post", ""},
		{"route of single", r.ByRouteName, "homepage", "homepage"},
		{"route of single by plural", r.ByRouteName, "homepages", ""},
		{"unknown", r.ByPlural, "articles", ""},
	}
	for _, tt := range tests {
		ct, ok := tt.lookup(tt.key)
		if ok != (tt.want != "") || ct.SingularName != tt.want {
			t.Errorf("%s (%q): got %q, %v, want %q", tt.name, tt.key, ct.SingularName, ok, tt.want)
		}
	}
}

func TestGroups(t *testing.T) {
	r, err := Load(strapiTree())
	if err != nil {
		t.Fatal(err)
	}
	groups := r.Groups()
	if len(groups) != 2 {
		t.Fatalf("groups: got %d, want 2", len(groups))
	}
	post, home := groups[0], groups[1]
	if post.UID != "api::post.post" || post.DisplayName != "Blog post" || post.PluralName != "posts" || post.Kind != CollectionType {
		t.Errorf("first group: got %+v, want Blog post (api::post.post, posts, collectionType)", post)
	}
	if home.UID != "api::homepage.homepage" || home.Kind != SingleType {
		t.Errorf("second group: got %s %s, want api::homepage.homepage singleType", home.UID, home.Kind)
	}

	tests := []struct {
		group Group
		want  []ActionInfo
	}{
		{post, []ActionInfo{
			{"api::post.post.find", "find", "GET", "/api/posts", "List and filter entries"},
			{"api::post.post.findOne", "findOne", "GET", "/api/posts/:documentId", "Read one entry"},
			{"api::post.post.create", "create", "POST", "/api/posts", "Create an entry"},
			{"api::post.post.update", "update", "PUT", "/api/posts/:documentId", "Update an entry"},
			{"api::post.post.delete", "delete", "DELETE", "/api/posts/:documentId", "Delete an entry"},
		}},
		{home, []ActionInfo{
			{"api::homepage.homepage.find", "find", "GET", "/api/homepage", "Read the entry"},
			{"api::homepage.homepage.update", "update", "PUT", "/api/homepage", "Create or update the entry"},
			{"api::homepage.homepage.delete", "delete", "DELETE", "/api/homepage", "Delete the entry"},
		}},
	}
	for _, tt := range tests {
		if !slices.Equal(tt.group.Actions, tt.want) {
			t.Errorf("%s actions:\ngot  %+v\nwant %+v", tt.group.UID, tt.group.Actions, tt.want)
		}
		for _, a := range tt.group.Actions {
			if !r.KnownAction(a.Action) {
				t.Errorf("KnownAction(%q): got false, want true for a grouped action", a.Action)
			}
			if uid, verb := ActionLabel(a.Action); uid != tt.group.UID || verb != a.Verb {
				t.Errorf("ActionLabel(%q): got (%q, %q), want (%q, %q)", a.Action, uid, verb, tt.group.UID, a.Verb)
			}
		}
	}

	var order []string
	for _, g := range Default().Groups() {
		order = append(order, g.DisplayName)
	}
	if want := []string{"Article", "Category"}; !slices.Equal(order, want) {
		t.Errorf("default groups: got %v, want %v", order, want)
	}
}
