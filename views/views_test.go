package views

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"github.com/tokenadmin/tokenadmin/validate"
)

func render(t *testing.T, ctx context.Context, c templ.Component) *goquery.Document {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(ctx, &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	doc, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestPageCarriesCSRFAndHTMXConfig(t *testing.T) {
	ctx := WithInfo(context.Background(), RequestInfo{CSRFToken: "tok-123", AssetVersion: "abc"})
	doc := render(t, ctx, LoginPage(AuthForm{}))
	if got, _ := doc.Find("body").Attr("hx-headers"); got != `{"X-CSRF-Token":"tok-123"}` {
		t.Errorf("hx-headers: got %q", got)
	}
	if got, _ := doc.Find(`form input[name="_csrf"]`).Attr("value"); got != "tok-123" {
		t.Errorf("_csrf input: got %q", got)
	}
	cfg, _ := doc.Find(`meta[name="htmx-config"]`).Attr("content")
	if !strings.Contains(cfg, `"includeIndicatorStyles":false`) || !strings.Contains(cfg, `"code":"422","swap":true`) {
		t.Errorf("htmx-config: %s", cfg)
	}
	if src, _ := doc.Find(`script[src^="/static/js/htmx"]`).Attr("src"); src != "/static/js/htmx.min.js?v=abc" {
		t.Errorf("htmx script: %q", src)
	}
}

func TestAuthFormShowsErrorsBesideFields(t *testing.T) {
	f := AuthForm{Email: "ada@example.com", Name: `<script>alert(1)</script>`, Errors: validate.Errors{"password": "Password must be at least 10 characters."}}
	doc := render(t, context.Background(), RegisterPage(f))
	errEl := doc.Find(`[data-testid="field-error"][data-field="password"]`)
	if errEl.Length() != 1 {
		t.Fatal("no password error")
	}
	// The error sits in the same field wrapper as its input.
	if errEl.Parent().Find(`input[name="password"]`).Length() != 1 {
		t.Error("password error is not beside the password input")
	}
	if got, _ := doc.Find(`input[name="password"]`).Attr("aria-invalid"); got != "true" {
		t.Error("invalid input not marked aria-invalid")
	}
	if doc.Find(`[data-testid="field-error"]`).Length() != 1 {
		t.Error("errors shown for fields without one")
	}
	if got, _ := doc.Find(`input[name="name"]`).Attr("value"); got != f.Name {
		t.Errorf("name kept: got %q", got)
	}
	if doc.Find("script:not([src])").Length() != 0 {
		t.Error("a name became a script")
	}
}

func TestShellShowsOnlyGivenNav(t *testing.T) {
	ctx := WithInfo(context.Background(), RequestInfo{
		Admin:   &AdminView{Name: "Ed", RoleName: "Editor"},
		Nav:     []NavItem{{Label: "API Tokens", Href: "/admin/settings/api-tokens", Active: true}},
		Flashes: []Flash{{Kind: FlashError, Message: "Nope"}},
	})
	doc := render(t, ctx, RolesPage(RolesPageView{}))
	links := doc.Find(`[data-testid="settings-nav"] a`)
	if links.Length() != 1 {
		t.Fatalf("nav links: %d", links.Length())
	}
	if got, _ := links.Attr("aria-current"); got != "page" {
		t.Error("active link not marked aria-current")
	}
	flash := doc.Find(`[data-testid="flash"]`)
	if flash.Length() != 1 || !strings.Contains(flash.Text(), "Nope") {
		t.Errorf("flash: %q", flash.Text())
	}
	if got, _ := flash.Attr("role"); got != "alert" {
		t.Errorf("error flash role: %q", got)
	}
	if doc.Find(`form[action="/admin/logout"] input[name="_csrf"]`).Length() != 1 {
		t.Error("sign-out form has no CSRF input")
	}
}

func TestRoleFormStates(t *testing.T) {
	groups := []PermissionGroupView{{Name: "API tokens", Items: []PermissionItemView{
		{Action: "admin::api-tokens.read", Verb: "Read", Checked: true},
		{Action: "admin::api-tokens.create", Verb: "Create"},
	}}}
	t.Run("editable", func(t *testing.T) {
		doc := render(t, context.Background(), RoleForm(RoleFormView{ID: 7, Name: "Editor", Groups: groups}))
		boxes := doc.Find(`input[name="permissions"]`)
		if boxes.Length() != 2 {
			t.Fatalf("boxes: %d", boxes.Length())
		}
		if _, ok := boxes.Eq(0).Attr("checked"); !ok {
			t.Error("read not ticked")
		}
		if _, ok := boxes.Eq(1).Attr("checked"); ok {
			t.Error("create ticked")
		}
		// The boxes are sent with the form by its one Save button.
		if doc.Find(`[hx-post]`).Length() != 0 {
			t.Error("a box saves itself")
		}
		if form := boxes.Eq(1).Closest("form"); form.AttrOr("action", "") != "/admin/settings/roles/7" || form.Find(`[data-testid="save-role"]`).Length() != 1 {
			t.Error("the boxes are not in the form its Save button sends")
		}
	})
	t.Run("locked", func(t *testing.T) {
		doc := render(t, context.Background(), RoleForm(RoleFormView{ID: 1, Name: "Super Admin", Groups: groups, Locked: true}))
		if doc.Find(`input[name="permissions"]:not([disabled])`).Length() != 0 {
			t.Error("locked role has editable boxes")
		}
		if doc.Find(`input[name="permissions"]:not([checked])`).Length() != 0 {
			t.Error("super admin shown without every permission")
		}
		if doc.Find(`[hx-post]`).Length() != 0 || doc.Find(`[data-testid="save-role"]`).Length() != 0 {
			t.Error("locked role can be saved")
		}
	})
}

func TestRelativeTime(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		t    time.Time
		want string
	}{
		{now.Add(-10 * time.Second), "just now"},
		{now.Add(-3 * time.Minute), "3 minutes ago"},
		{now.Add(-1 * time.Hour), "1 hour ago"},
		{now.Add(-49 * time.Hour), "2 days ago"},
		{now.Add(6*24*time.Hour + time.Minute), "in 6 days"},
		{now.Add(7*24*time.Hour - time.Second), "in 7 days"},
		{now.Add(-59*time.Minute - 50*time.Second), "1 hour ago"},
		{now.Add(-400 * 24 * time.Hour), "1 year ago"},
	}
	for _, tc := range cases {
		if got := RelativeTime(tc.t, now); got != tc.want {
			t.Errorf("RelativeTime(%v): got %q, want %q", now.Sub(tc.t), got, tc.want)
		}
	}
	doc := render(t, WithInfo(context.Background(), RequestInfo{Now: now}), Time(now.Add(-3*time.Minute)))
	if got, _ := doc.Find("time").Attr("title"); got != "2026-11-30 11:57:00 UTC" {
		t.Errorf("tooltip: %q", got)
	}
}
