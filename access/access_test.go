package access

import (
	"slices"
	"strings"
	"testing"
)

func TestCatalogue(t *testing.T) {
	cat := Catalogue()
	if len(cat) != 12 {
		t.Errorf("Catalogue: got %d actions, want 12", len(cat))
	}
	seen := map[Action]bool{}
	for _, info := range cat {
		if seen[info.Action] {
			t.Errorf("Catalogue: got %q twice, want each action once", info.Action)
		}
		seen[info.Action] = true
		if !strings.HasPrefix(string(info.Action), "admin::") {
			t.Errorf("Catalogue: got action %q, want the admin:: prefix", info.Action)
		}
		if info.Group == "" || info.Verb == "" {
			t.Errorf("Catalogue: %q got group %q, verb %q, want both set", info.Action, info.Group, info.Verb)
		}
	}
	for _, a := range []Action{TokensRead, TokensCreate, TokensUpdate, TokensRegenerate, TokensDelete} {
		if !seen[a] {
			t.Errorf("Catalogue: got no %q, want every token action", a)
		}
	}
	if cat[0].Action != TokensRead {
		t.Errorf("Catalogue()[0]: got %q, want %q first", cat[0].Action, TokensRead)
	}

	// The catalogue is a copy: changing it does not change the next one.
	cat[0].Action = "admin::hacked"
	if got := Catalogue()[0].Action; got != TokensRead {
		t.Errorf("Catalogue after modifying a returned copy: got %q first, want %q", got, TokensRead)
	}
	if Known("admin::hacked") {
		t.Errorf("Known(admin::hacked) after modifying a returned copy: got true, want false")
	}
}

func TestKnown(t *testing.T) {
	for _, info := range Catalogue() {
		if !Known(info.Action) {
			t.Errorf("Known(%q): got false, want true", info.Action)
		}
	}
	for _, a := range []Action{"", "admin::api-tokens", "admin::api-tokens.read ", "ADMIN::API-TOKENS.READ", "api::article.article.find", "admin::api-tokens.*"} {
		if Known(a) {
			t.Errorf("Known(%q): got true, want false", a)
		}
	}
}

func TestCan(t *testing.T) {
	super := Admin{ID: 1, Active: true, Role: Role{ID: 1, Slug: SuperAdmin}}
	inactiveSuper := Admin{ID: 2, Active: false, Role: Role{ID: 1, Slug: SuperAdmin}}
	editor := Admin{ID: 3, Active: true, Role: Role{ID: 2, Slug: Editor, Permissions: []Action{TokensRead}}}
	author := Admin{ID: 4, Active: true, Role: Role{ID: 3, Slug: Author}}
	noID := Admin{Active: true, Role: Role{ID: 1, Slug: SuperAdmin}}

	for _, info := range Catalogue() {
		if !Can(super, info.Action) {
			t.Errorf("Can(super admin, %q): got false, want true", info.Action)
		}
		if Can(inactiveSuper, info.Action) {
			t.Errorf("Can(inactive super admin, %q): got true, want false", info.Action)
		}
		if Can(Admin{}, info.Action) {
			t.Errorf("Can(zero Admin, %q): got true, want false", info.Action)
		}
		if Can(noID, info.Action) {
			t.Errorf("Can(admin without ID, %q): got true, want false", info.Action)
		}
		if Can(author, info.Action) {
			t.Errorf("Can(author without permissions, %q): got true, want false", info.Action)
		}
	}

	tests := []struct {
		act  Action
		want bool
	}{
		{TokensRead, true},
		{TokensCreate, false},
		{TokensUpdate, false},
		{TokensRegenerate, false},
		{TokensDelete, false},
		{RolesRead, false},
		{UsersCreate, false},
	}
	for _, tt := range tests {
		if got := Can(editor, tt.act); got != tt.want {
			t.Errorf("Can(editor with TokensRead, %q): got %v, want %v", tt.act, got, tt.want)
		}
	}

	editor.Active = false
	if Can(editor, TokensRead) {
		t.Errorf("Can(inactive editor, %q): got true, want false", TokensRead)
	}
}

func TestRoleHas(t *testing.T) {
	// A role named like the super admin's but with another slug is not
	// all-powerful: only the slug counts.
	fake := Role{Slug: "super-admin-2", Name: "Super Admin"}
	if fake.IsSuperAdmin() || fake.Has(TokensRead) {
		t.Errorf("role with slug %q: got IsSuperAdmin=%v Has(read)=%v, want false, false", fake.Slug, fake.IsSuperAdmin(), fake.Has(TokensRead))
	}
	if !(Role{Slug: SuperAdmin}).Has("admin::anything") {
		t.Errorf("super admin role Has(admin::anything): got false, want true")
	}
}

func TestNewRoleInput(t *testing.T) {
	in, errs := NewRoleInput("  Content Manager ", "  Edits content.  ",
		[]string{string(TokensRead), string(TokensCreate), string(TokensRead), string(UsersRead), string(TokensCreate)})
	if !errs.Valid() {
		t.Fatalf("NewRoleInput: got errors %v, want none", errs)
	}
	if in.Name != "Content Manager" {
		t.Errorf("Name: got %q, want %q", in.Name, "Content Manager")
	}
	if in.Description != "Edits content." {
		t.Errorf("Description: got %q, want %q", in.Description, "Edits content.")
	}
	want := []Action{TokensRead, TokensCreate, UsersRead}
	if !slices.Equal(in.Permissions, want) {
		t.Errorf("Permissions: got %v, want %v (deduplicated, first order kept)", in.Permissions, want)
	}

	in, errs = NewRoleInput("Reader", "", nil)
	if !errs.Valid() || len(in.Permissions) != 0 {
		t.Errorf("NewRoleInput without permissions: got %v, errors %v, want no permissions and no errors", in.Permissions, errs)
	}
}

func TestNewRoleInputRejects(t *testing.T) {
	tests := []struct {
		name         string
		rname, desc  string
		perms        []string
		wantFields   []string
		wantInFields map[string][]string
	}{
		{name: "empty name", rname: "", wantFields: []string{"name"}},
		{name: "blank name", rname: "   ", wantFields: []string{"name"}},
		{name: "51-char name", rname: strings.Repeat("r", 51), wantFields: []string{"name"}},
		// Slug("日本語") is "": no slug could be made from this name.
		{name: "name without a slug", rname: "日本語", wantFields: []string{"name"}},
		{name: "punctuation-only name", rname: "!!! ---", wantFields: []string{"name"}},
		{name: "201-char description", rname: "R", desc: strings.Repeat("d", 201), wantFields: []string{"description"}},
		{
			name: "unknown permissions", rname: "R",
			perms:        []string{string(TokensRead), "admin::nope", "api::x.x.find"},
			wantFields:   []string{"permissions"},
			wantInFields: map[string][]string{"permissions": {"admin::nope", "api::x.x.find"}},
		},
		{
			name: "everything", rname: "", desc: strings.Repeat("d", 201), perms: []string{"bogus"},
			wantFields:   []string{"description", "name", "permissions"},
			wantInFields: map[string][]string{"permissions": {"bogus"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, errs := NewRoleInput(tt.rname, tt.desc, tt.perms)
			if got := errs.Fields(); !slices.Equal(got, tt.wantFields) {
				t.Errorf("error fields: got %v (%v), want %v", got, errs, tt.wantFields)
			}
			for field, words := range tt.wantInFields {
				for _, w := range words {
					if !strings.Contains(errs[field], w) {
						t.Errorf("message for %s: got %q, want it to name %q", field, errs[field], w)
					}
				}
			}
			for _, p := range in.Permissions {
				if !Known(p) {
					t.Errorf("Permissions: got unknown %q kept, want only known actions", p)
				}
			}
		})
	}
}

func TestNewRoleInputBoundaries(t *testing.T) {
	for _, name := range []string{strings.Repeat("r", 50), strings.Repeat("é", 49) + "x", "Über Admin", "R2"} {
		if _, errs := NewRoleInput(name, strings.Repeat("d", 200), nil); !errs.Valid() {
			t.Errorf("NewRoleInput(%d-rune name, 200-char description): got errors %v, want none", len([]rune(name)), errs)
		}
	}
}

func TestSlug(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Content Manager", "content-manager"},
		{"  A--B  ", "a-b"},
		{"editor", "editor"},
		{"Super Admin", "super-admin"},
		{"Role 2", "role-2"},
		{"  Trailing punctuation!!  ", "trailing-punctuation"},
		{"--leading", "leading"},
		{"a_b.c/d", "a-b-c-d"},
		// Letters outside ASCII are separators, not kept: "Über" loses the Ü.
		{"Über Admin", "ber-admin"},
		{"Équipe Éditoriale", "quipe-ditoriale"},
		{"日本語", ""},
		{"", ""},
		{"   ", ""},
	}
	for _, tt := range tests {
		if got := Slug(tt.in); got != tt.want {
			t.Errorf("Slug(%q): got %q, want %q", tt.in, got, tt.want)
		}
		got := Slug(tt.in)
		for _, r := range got {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				t.Errorf("Slug(%q): got %q with %q, want only a-z, 0-9 and -", tt.in, got, r)
			}
		}
		if Slug(got) != got {
			t.Errorf("Slug(Slug(%q)): got %q, want %q unchanged", tt.in, Slug(got), got)
		}
	}
}
