package views

import (
	"github.com/PuerkitoBio/goquery"

	"context"
	"strings"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/validate"
)

func accordionGroups() []AccordionGroupView {
	mk := func(uid, name string) AccordionGroupView {
		g := AccordionGroupView{UID: uid, DisplayName: name}
		for _, v := range []string{"find", "findOne", "create", "update", "delete"} {
			g.Actions = append(g.Actions, AccordionActionView{Action: uid + "." + v, Verb: v, Method: "GET", Path: "/api/x"})
		}
		return g
	}
	return []AccordionGroupView{mk("api::article.article", "Article"), mk("api::category.category", "Category")}
}

func TestTokenRowHoldsNoKeyMaterial(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	soon := now.Add(48 * time.Hour)
	v := TokensPageView{CanDelete: true, CanUpdate: true, Total: 1, Sort: "name"}
	r := TokenRowView{ID: 7, Name: `<img src=x onerror=alert(1)>`, Description: "d", Type: "custom", TypeLabel: "Custom", CreatedAt: now, ExpiresAt: &soon, ExpiringSoon: true}
	v.Rows = []TokenRowView{r}
	doc := render(t, WithInfo(context.Background(), RequestInfo{Now: now, CSRFToken: "csrf-1"}), TokenTable(v))
	row := doc.Find(`[data-testid="token-row"]`)
	if got, _ := row.Attr("data-token-id"); got != "7" {
		t.Fatalf("data-token-id %q", got)
	}
	if row.Find("img").Length() != 0 || !strings.Contains(row.Find(`[data-testid="token-name"]`).Text(), "<img") {
		t.Error("a name became markup")
	}
	html, _ := row.Html()
	if strings.Contains(html, "tka_") {
		t.Error("a row holds key material")
	}
	if row.Find(`[data-testid="badge-expiring"]`).Length() != 1 {
		t.Error("no expiring-soon badge")
	}
	if got := strings.TrimSpace(row.Find(`[data-testid="token-last-used"]`).Text()); got != "Never" {
		t.Errorf("last used %q", got)
	}
	if row.Find(`[data-testid="delete-dialog"] input[name="_csrf"]`).Length() != 1 {
		t.Error("delete form has no CSRF input")
	}
	// Quiet icon buttons that still say what they do, and to what.
	del := row.Find(`[data-testid="delete-button"]`)
	if del.HasClass("btn-danger") || strings.TrimSpace(del.Find(".sr-only").Text()) != "Delete <img src=x onerror=alert(1)>" {
		t.Errorf("row delete: class %q, words %q", del.AttrOr("class", ""), del.Find(".sr-only").Text())
	}
	if got := strings.TrimSpace(row.Find(`[data-testid="edit-button"] .sr-only`).Text()); got != "Edit <img src=x onerror=alert(1)>" {
		t.Errorf("row edit words %q", got)
	}
	// The date itself is on screen; the badge says how soon.
	if got := strings.Join(strings.Fields(row.Find(`[data-testid="token-expires"]`).Text()), " "); got != "2 Dec 2026 Expires in 2 days" {
		t.Errorf("expiry reads %q", got)
	}
	// On a phone each cell is a card line named by its column.
	if labels := row.Find(`td[data-label]`).Map(func(_ int, s *goquery.Selection) string { return s.AttrOr("data-label", "") }); strings.Join(labels, ",") != "Description,Type,Created,Last used,Expires" {
		t.Errorf("card labels %v", labels)
	}
}

func TestTokenFormErrorsBesideFields(t *testing.T) {
	f := TokenFormView{Name: "n", Type: "custom", Duration: "30", Groups: accordionGroups(),
		Errors: validate.Errors{"name": "Name is required.", "permissions": "Unknown permissions: x."}}
	doc := render(t, WithInfo(context.Background(), RequestInfo{CSRFToken: "csrf-1"}), TokenForm(f))
	form := doc.Find(`form[data-testid="token-form"]`)
	if got, _ := form.Find(`input[name="_csrf"]`).Attr("value"); got != "csrf-1" {
		t.Error("form lacks the CSRF input")
	}
	nameErr := form.Find(`[data-testid="field-error"][data-field="name"]`)
	if nameErr.Length() != 1 || nameErr.Parent().Find(`input[name="name"]`).Length() != 1 {
		t.Error("name error is not beside the name input")
	}
	if form.Find(`[data-testid="permissions-accordion"] [data-testid="field-error"][data-field="permissions"]`).Length() != 1 {
		t.Error("permissions error is not in the accordion")
	}
	if got, _ := form.Find(`select[name="duration"] option[selected]`).Attr("value"); got != "30" {
		t.Errorf("duration kept: %q", got)
	}
	if !form.Find(`select[name="type"]`).Is("select") || !form.Find(`select[name="duration"]`).Is("select") {
		t.Error("type and duration must be <select>s")
	}
}

func TestAccordionTriState(t *testing.T) {
	f := TokenFormView{Type: "custom", Groups: accordionGroups(),
		Permissions: []string{"api::article.article.find", "api::category.category.find", "api::category.category.findOne",
			"api::category.category.create", "api::category.category.update", "api::category.category.delete"}}
	doc := render(t, context.Background(), PermissionsAccordion(f))
	article := doc.Find(`[data-testid="permission-group"][data-content-type="api::article.article"]`)
	category := doc.Find(`[data-testid="permission-group"][data-content-type="api::category.category"]`)
	if _, ok := article.Find(`[data-testid="select-all"]`).Attr("checked"); ok {
		t.Error("partly ticked group has select-all checked")
	}
	if _, open := article.Attr("open"); !open {
		t.Error("a partly ticked group should start open so the state is visible")
	}
	if _, ok := category.Find(`[data-testid="select-all"]`).Attr("checked"); !ok {
		t.Error("fully ticked group has select-all unchecked")
	}
	if got := article.Find(`[data-testid="group-count"]`).Text(); got != "1 of 5" {
		t.Errorf("count %q", got)
	}
	// Full access: everything ticked and locked.
	f.Type = "full-access"
	doc = render(t, context.Background(), PermissionsAccordion(f))
	if doc.Find(`input[name="permissions"]:not([checked])`).Length() != 0 || doc.Find(`input[name="permissions"]:not([disabled])`).Length() != 0 {
		t.Error("full access is not shown all ticked and locked")
	}
}

func TestOrphanPermissionsShown(t *testing.T) {
	f := TokenFormView{Type: "custom", Groups: accordionGroups(), Orphans: []string{"api::gone.gone.find"}, Permissions: []string{"api::gone.gone.find"}}
	doc := render(t, context.Background(), PermissionsAccordion(f))
	box := doc.Find(`[data-testid="orphan-permissions"] input[name="permissions"][value="api::gone.gone.find"]`)
	if box.Length() != 1 {
		t.Fatal("orphaned permission not shown")
	}
	if _, ok := box.Attr("checked"); !ok {
		t.Error("orphaned permission not ticked (it would be dropped on save)")
	}
	if !strings.Contains(doc.Find(`[data-testid="orphan-permissions"] summary`).Text(), "No longer available") {
		t.Error("orphan group not labelled")
	}
}

// The create form says what each type may do and when the chosen duration
// ends, beside the selects that decide them; each option carries its line
// for the script to show when the choice changes.
func TestTokenFormExplainsTypeAndExpiry(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	f := TokenFormView{Name: "n", Type: "read-only", Duration: "30", Groups: accordionGroups()}
	doc := render(t, WithInfo(context.Background(), RequestInfo{Now: now, CSRFToken: "c"}), TokenForm(f))
	if got := doc.Find(`[data-testid="expiry-preview"]`).Text(); got != "Expiration date: 6 Jan 2027" {
		t.Errorf("expiry preview %q", got)
	}
	if got := doc.Find(`[data-testid="type-explanation"]`).Text(); got != "Can read every content type (find and findOne), nothing else." {
		t.Errorf("type explanation %q", got)
	}
	for sel, want := range map[string]string{
		`select[name="duration"] option[value="7"]`:         "Expiration date: 14 Dec 2026",
		`select[name="duration"] option[value="unlimited"]`: "Expiration date: never",
		`select[name="type"] option[value="custom"]`:        "Can do exactly the actions ticked under Permissions.",
	} {
		if got := doc.Find(sel).AttrOr("data-text", ""); got != want {
			t.Errorf("%s: data-text %q, want %q", sel, got, want)
		}
	}
	if doc.Find(`select[name="duration"]`).AttrOr("aria-describedby", "") != "expiry-preview" || doc.Find(`select[name="type"]`).AttrOr("aria-describedby", "") != "type-explanation" {
		t.Error("the lines are not tied to their selects")
	}
	// The permissions hint says why the boxes are locked, not again what
	// the type may do.
	if got := strings.TrimSpace(doc.Find(`[data-hint-type="preset"]:not([hidden])`).Text()); got != "Set by the token type: choose Custom to pick the actions." {
		t.Errorf("permissions hint for a read-only token %q", got)
	}
	if doc.Find(`[data-hint-type="custom"]:not([hidden])`).Length() != 0 {
		t.Error("the custom hint shows for a read-only token")
	}
	// On edit, keeping the expiry says which date is kept.
	exp := now.Add(48 * time.Hour)
	f = TokenFormView{ID: 3, Name: "n", Type: "custom", ExpiresAt: &exp, Groups: accordionGroups()}
	doc = render(t, WithInfo(context.Background(), RequestInfo{Now: now, CSRFToken: "c"}), TokenForm(f))
	if got := doc.Find(`[data-testid="expiry-preview"]`).Text(); got != "Expiration date: 9 Dec 2026 (kept)" {
		t.Errorf("edit preview %q", got)
	}
}

// A sorted column says its order to screen readers with aria-sort and
// shows an arrow to the eye only; the others show they can be sorted.
func TestSortHeaders(t *testing.T) {
	v := TokensPageView{Total: 1, Sort: "created", Desc: true, Rows: []TokenRowView{{ID: 1, Name: "a", Type: "read-only", TypeLabel: "Read-only"}}}
	doc := render(t, WithInfo(context.Background(), RequestInfo{Now: time.Now()}), TokenTable(v))
	for testid, want := range map[string]struct{ sort, arrow string }{
		"sort-name":      {"none", "↕"},
		"sort-created":   {"descending", "↓"},
		"sort-last-used": {"none", "↕"},
	} {
		link := doc.Find(`[data-testid="` + testid + `"]`)
		if got := link.Closest("th").AttrOr("aria-sort", ""); got != want.sort {
			t.Errorf("%s: aria-sort %q, want %q", testid, got, want.sort)
		}
		arrow := link.Find(`[data-testid="sort-arrow"]`)
		if arrow.Text() != want.arrow || arrow.AttrOr("aria-hidden", "") != "true" {
			t.Errorf("%s: arrow %q aria-hidden=%q", testid, arrow.Text(), arrow.AttrOr("aria-hidden", ""))
		}
	}
}

// A viewer who may not change a token is told what it does, never asked
// to tick or choose what they cannot.
func TestReadOnlyTokenViewGivesNoInstructions(t *testing.T) {
	exp := time.Date(2027, 1, 6, 0, 0, 0, 0, time.UTC)
	f := TokenFormView{ID: 3, Name: "n", Type: "custom", ExpiresAt: &exp, ReadOnly: true, Groups: accordionGroups(), Permissions: []string{"api::article.article.find"}}
	doc := render(t, WithInfo(context.Background(), RequestInfo{Now: exp.Add(-48 * time.Hour)}), TokenForm(f))
	text := strings.Join(strings.Fields(doc.Text()), " ")
	for _, instruction := range []string{"Tick exactly", "Choosing a duration", "you tick", "choose Custom"} {
		if strings.Contains(text, instruction) {
			t.Errorf("the read-only view says %q", instruction)
		}
	}
	if !strings.Contains(text, "This token may do exactly the actions ticked below.") {
		t.Error("the read-only view does not say what the ticks mean")
	}
}

// Every control of the token form with an error is marked invalid and
// described by its message; the selects keep naming the preview of
// their value, and a field's hint gives way to its message.
func TestTokenFormMarksEveryInvalidControl(t *testing.T) {
	errs := validate.Errors{}
	for _, f := range []string{"name", "description", "duration", "type", "allowed_ips", "rate_limit", "quota", "quota_refill"} {
		errs[f] = "Wrong " + f + "."
	}
	f := TokenFormView{Name: "n", Type: "custom", Duration: "30", Groups: accordionGroups(), Errors: errs}
	doc := render(t, WithInfo(context.Background(), RequestInfo{CSRFToken: "c"}), TokenForm(f))
	want := map[string]string{
		"name": "error-name", "description": "error-description",
		"duration": "error-duration expiry-preview", "type": "error-type type-explanation",
		"allowed_ips": "error-allowed_ips", "rate_limit": "error-rate_limit", "quota": "error-quota", "quota_refill": "error-quota_refill",
	}
	for field, ids := range want {
		ctl := doc.Find(`[name="` + field + `"]`)
		if ctl.AttrOr("aria-invalid", "") != "true" || ctl.AttrOr("aria-describedby", "") != ids {
			t.Errorf("%s: aria-invalid %q, aria-describedby %q; want true, %q", field, ctl.AttrOr("aria-invalid", ""), ctl.AttrOr("aria-describedby", ""), ids)
		}
		if doc.Find("#error-"+field).Length() != 1 {
			t.Errorf("%s: no message with id error-%s", field, field)
		}
	}
	// Without errors: hints and previews only.
	doc = render(t, WithInfo(context.Background(), RequestInfo{CSRFToken: "c"}), TokenForm(TokenFormView{Name: "n", Type: "custom", Duration: "30", Groups: accordionGroups()}))
	for field, ids := range map[string]string{"name": "", "duration": "expiry-preview", "rate_limit": "hint-rate_limit"} {
		ctl := doc.Find(`[name="` + field + `"]`)
		if _, invalid := ctl.Attr("aria-invalid"); invalid || ctl.AttrOr("aria-describedby", "") != ids {
			t.Errorf("%s without an error: aria-describedby %q (invalid: %v), want %q", field, ctl.AttrOr("aria-describedby", ""), invalid, ids)
		}
	}
}
