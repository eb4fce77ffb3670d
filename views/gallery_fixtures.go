package views

import (
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/validate"
)

// GallerySection is one component of the gallery with its states.
type GallerySection struct {
	Name   string // the component, as named in its .templ file
	Note   string
	States []GalleryState
}

// ID is the section's anchor.
func (s GallerySection) ID() string { return "component-" + s.Name }

// GalleryState is one state of a component, drawn from a fixture.
type GalleryState struct {
	Label string
	View  templ.Component
	// Shows names the other components this state draws inside it, so
	// that the gallery's coverage test counts them as shown.
	Shows []string
}

// GalleryExcluded are the components the gallery does not draw on their
// own, and why. Every other component of the package must be in a
// section (TestGalleryShowsEveryComponent).
var GalleryExcluded = map[string]string{
	"Page":            "the document around every page",
	"AdminShell":      "the navigation around every signed-in page",
	"CSRFInput":       "a hidden input",
	"FlashList":       "draws the request's queued messages (FlashMessage is shown)",
	"OOBFlashes":      "htmx's out-of-band copy of FlashMessage",
	"PaginationOOB":   "htmx's out-of-band copy of Pagination",
	"paginationNav":   "the inside of Pagination",
	"Nothing":         "renders nothing",
	"GalleryPage":     "this page",
	"ConfirmPage":     "ConfirmCard inside Page",
	"AccountPage":     "a whole page: make screenshots",
	"AuditPage":       "AuditContent inside Page",
	"ErrorPage":       "ErrorPanel inside Page",
	"LoginPage":       "a whole page: make screenshots",
	"RegisterPage":    "a whole page: make screenshots",
	"NoAccessPage":    "a whole page: make screenshots",
	"ContentAPIPage":  "a whole page: make screenshots",
	"RolesPage":       "a whole page: make screenshots",
	"RoleEditPage":    "RoleForm inside Page",
	"TokensPage":      "TokensContent inside Page",
	"TokenCreatePage": "TokenCreateContent inside Page",
	"TokenEditPage":   "TokenEditContent inside Page",
	"UsersPage":       "a whole page: make screenshots",
	"UserCreatePage":  "a whole page: make screenshots",
}

// longText is the name a careless admin types: one unbroken word.
var longText = strings.Repeat("Production-deployment-pipeline-", 4) + "key"

// GallerySections are the gallery's fixtures at now.
func GallerySections(now time.Time) []GallerySection {
	ago := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	in := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	day := 24 * time.Hour

	usage := make([]apitoken.DayUsage, 0, 30)
	today := apitoken.Day(now)
	for i := int64(0); i < 30; i++ {
		usage = append(usage, apitoken.DayUsage{Day: today - i, Counts: apitoken.Counts{OK: 50 + i*7%40, Refused: i % 5, Blocked: i % 3 / 2, Limited: i % 7 / 5, Other: i % 4 / 3}})
	}
	busy := NewUsageView(usage, today)
	idle := NewUsageView(nil, today)

	rows := []TokenRowView{
		{ID: 1, Name: "Website build", Description: "Static site generator, read only", Type: "read-only", TypeLabel: "Read-only", CreatedAt: now.Add(-40 * day), LastUsedAt: ago(time.Hour), ExpiresAt: in(50 * day)},
		{ID: 2, Name: "Importer", Description: "Nightly import", Type: "full-access", TypeLabel: "Full access", CreatedAt: now.Add(-3 * day), ExpiresAt: in(5 * day), ExpiringSoon: true},
		{ID: 3, Name: "Old mobile app", Type: "custom", TypeLabel: "Custom", CreatedAt: now.Add(-400 * day), LastUsedAt: ago(100 * day), ExpiresAt: ago(10 * day), Expired: true},
		{ID: 4, Name: "Paused partner", Description: "Suspended while we investigate", Type: "read-only", TypeLabel: "Read-only", CreatedAt: now.Add(-9 * day), Paused: true},
		{ID: 5, Name: longText, Description: longText, Type: "custom", TypeLabel: "Custom", CreatedAt: now.Add(-time.Minute)},
	}
	for i := range rows {
		rows[i].Usage = idle
	}
	rows[0].Usage, rows[0].Quota = busy, &QuotaLeftView{Left: 812, Limit: 1000, Refill: "daily"}
	rows[1].Usage, rows[1].Quota = busy, &QuotaLeftView{Left: 0, Limit: 50_000, Refill: "monthly"}
	list := TokensPageView{Rows: rows, Total: 5, Page: 1, Pages: 1, Sort: "created", Desc: true, CanCreate: true, CanUpdate: true, CanDelete: true}
	many := list
	many.Total, many.TotalAbout, many.Pages, many.HasNext, many.LastCursor, many.Expiring, many.ExpiringMore = 1_000_000, true, 0, true, "x", 100, true
	readOnlyList := list
	readOnlyList.CanCreate, readOnlyList.CanUpdate, readOnlyList.CanDelete = false, false, false
	expiredList := list
	expiredList.Rows, expiredList.Total, expiredList.Filter = rows[2:3], 1, FilterExpired
	searched := list
	searched.Rows, searched.Total, searched.Search = nil, 0, "nothing matches this"

	groups := []AccordionGroupView{
		{UID: "api::article.article", DisplayName: "Article", Actions: []AccordionActionView{
			{Action: "api::article.article.find", Verb: "find", Method: "GET", Path: "/api/articles", Description: "List articles"},
			{Action: "api::article.article.findOne", Verb: "findOne", Method: "GET", Path: "/api/articles/:id", Description: "Read one article"},
			{Action: "api::article.article.create", Verb: "create", Method: "POST", Path: "/api/articles", Description: "Create an article"},
		}},
		{UID: "api::category.category", DisplayName: "Category", Actions: []AccordionActionView{
			{Action: "api::category.category.find", Verb: "find", Method: "GET", Path: "/api/categories", Description: "List categories"},
		}},
	}
	newForm := TokenFormView{Type: "read-only", Duration: "30", Groups: groups}
	badForm := TokenFormView{Name: longText, Type: "custom", Duration: "90", Groups: groups, Errors: validate.Errors{
		"name":        "A token with this name already exists.",
		"permissions": "Choose at least one permission for a custom token.",
	}}
	badGuards := TokenFormView{Name: "Partner feed", Type: "read-only", Duration: "30", Groups: groups,
		AllowedIPs: "203.0.113.0/24\nnot-an-address\n" + longText, RateLimit: "5/h", Quota: "12.5", QuotaRefill: "daily",
		Errors: validate.Errors{
			"allowed_ips": "Not an IP address or CIDR range: not-an-address, " + longText[:50] + "…. Write one per line, like 203.0.113.0/24 or 2001:db8::/32.",
			"rate_limit":  "Write the rate as N/s or N/m (requests per second or minute), N from 1 to 1,000,000, or leave it empty.",
			"quota":       "Write the quota as a whole number of requests from 1 to 1,000,000,000,000, or leave it empty.",
		}}
	edit := TokenFormView{
		ID: 7, Title: "Website build", Name: "Website build", Description: "Static site generator", Type: "custom",
		Permissions: []string{"api::article.article.find"}, Groups: groups, Orphans: []string{"api::legacy.legacy.find"},
		CanWrite: false, CanRegenerate: true, CanDelete: true, CanPause: true,
		KeyHint: "tka_…IqDv", CreatedAt: now.Add(-40 * day), LastUsedAt: ago(time.Hour), ExpiresAt: in(50 * day),
		Clients:    []ClientView{{Address: "203.0.113.7", UserAgent: "curl/8.5.0", FirstSeen: now.Add(-30 * day), LastSeen: now.Add(-time.Hour)}},
		AllowedIPs: "203.0.113.0/24\n2001:db8::/32", RateLimit: "10/s", Quota: "100000", QuotaRefill: "monthly",
		Usage: &busy,
	}
	revealed := edit
	revealed.Reveal = "tka_" + strings.Repeat("Zk3", 14) + "IqDv"
	paused := edit
	paused.Paused = true
	readOnlyEdit := edit
	readOnlyEdit.ReadOnly, readOnlyEdit.CanRegenerate, readOnlyEdit.CanDelete, readOnlyEdit.CanPause = true, false, false, false
	grace := OldKeyView{Hint: "tka_…Ab12", GraceEndsAt: now.Add(20 * time.Hour), InGrace: true, Remaining: 20 * time.Hour, LastUsedAt: ago(time.Minute), Requests: 1234}
	graceOver := OldKeyView{Hint: "tka_…Ab12", GraceEndsAt: now.Add(-time.Hour), RefusedAt: ago(10 * time.Minute), Refused: 17}
	rotated := edit
	rotated.OldKey = &grace
	expired := edit
	expired.ExpiresAt, expired.Expired = ago(2*day), true

	roleGroups := []PermissionGroupView{
		{Name: "API tokens", Items: []PermissionItemView{{Action: "admin::api-tokens.read", Verb: "Read", Checked: true}, {Action: "admin::api-tokens.create", Verb: "Create"}, {Action: "admin::api-tokens.delete", Verb: "Delete", Disabled: true}}},
		{Name: "Users", Items: []PermissionItemView{{Action: "admin::users.read", Verb: "Read"}}},
	}
	role := RoleFormView{ID: 3, Name: "Editor", Description: "Reads tokens", Groups: roleGroups}
	roleErr := role
	roleErr.Name, roleErr.Errors = "", validate.Errors{"name": "Name is required."}
	roleLocked := RoleFormView{ID: 1, Name: "Super Admin", Groups: roleGroups, Locked: true}
	roleOwn := role
	roleOwn.OwnRole, roleOwn.ReadOnly = true, true

	roleOpts := []RoleOption{{ID: 1, Name: "Super Admin", Disabled: true}, {ID: 2, Name: "Editor"}, {ID: 3, Name: "Author"}}
	users := UsersPageView{Roles: roleOpts, CanCreate: true, CanUpdate: true}
	userRows := []UserRowView{
		{ID: 1, Name: "Ada Admin", Email: "ada@example.com", RoleID: 1, RoleName: "Super Admin", Active: true, LastLoginAt: ago(time.Minute), IsSelf: true},
		{ID: 2, Name: "Bob", Email: "bob@example.com", RoleID: 2, RoleName: "Editor", Active: true, CanChange: true, Roles: roleOpts},
		{ID: 3, Name: longText, Email: "former@example.com", RoleID: 3, RoleName: "Author", CanChange: true, Roles: roleOpts, LastLoginAt: ago(300 * day)},
	}

	auditRows := []AuditRowView{
		{ID: 3, At: now.Add(-time.Minute), Actor: "ada@example.com", Action: "token.delete", ActionLabel: "Deleted token", TargetType: "token", TargetID: "7", TargetName: "Website build", IP: "192.0.2.1", UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0"},
		{ID: 2, At: now.Add(-2 * time.Hour), Actor: "ada@example.com", Action: "role.update", ActionLabel: "Edited role", TargetType: "role", TargetID: "3", TargetName: "Editor",
			Changes: []AuditChangeView{{Field: "permissions", Before: "API tokens: Read", After: "API tokens: Read, Users: Read"}, {Field: "description", Before: "—", After: longText}}},
		{ID: 1, At: now.Add(-30 * day), Actor: "nobody@example.com", Action: "auth.sign-in-failed", ActionLabel: "Failed sign-in", TargetType: "admin", TargetName: "nobody@example.com", IP: "198.51.100.9"},
	}
	auditPage := AuditPageView{Rows: auditRows, Total: 120, Page: 1, Pages: 3, Actions: []AuditActionView{{Code: "token.delete", Label: "Deleted token"}}}
	auditEmpty := AuditPageView{Page: 1, Filter: AuditFilterView{Actor: "zed", TokenID: "7"}}

	c := func(name string, note string, states ...GalleryState) GallerySection {
		return GallerySection{Name: name, Note: note, States: states}
	}
	s := func(label string, view templ.Component, shows ...string) GalleryState {
		return GalleryState{Label: label, View: view, Shows: shows}
	}
	return []GallerySection{
		c("FlashMessage", "Messages after a change; errors are alerts, successes status.",
			s("success", FlashMessage(Flash{Kind: FlashSuccess, Message: "Token “Website build” deleted."})),
			s("error", FlashMessage(Flash{Kind: FlashError, Message: "At least one active super admin must remain."})),
			s("long text", FlashMessage(Flash{Kind: FlashSuccess, Message: "Saved " + longText}))),
		c("FormError", "", s("message", FormError("The server is busy checking other passwords. Try again in a moment."))),
		c("FieldError", "", s("message", FieldError("name", "Name is required."))),
		c("TextField", "",
			s("empty", TextField("name", "Name", "text", "", "", "off")),
			s("error", TextField("email", "Email", "email", "not-an-email", "Enter a valid email address.", "email")),
			s("long value", TextField("name", "Name", "text", longText, "", "off"))),
		c("TextFieldWithHint", "",
			s("with hint", TextFieldWithHint("new_password", "New password", "password", "", "", "new-password", "At least 10 characters.")),
			s("error replaces the hint", TextFieldWithHint("new_password", "New password", "password", "", "Password must be at least 10 characters.", "new-password", "At least 10 characters."))),
		c("PageHeader", "", s("short", PageHeader("API Tokens", "Tokens let programs call the content API.")), s("long title", PageHeader(longText, longText))),
		c("Time", "", s("past", Time(now.Add(-3*time.Hour))), s("future", Time(now.Add(6*day)))),
		c("ExactTimeCell", "", s("minutes ago", ExactTimeCell(now.Add(-5*time.Minute)))),
		c("ErrorPanel", "",
			s("404 under tokens", ErrorPanel(ErrorPageView{Status: 404, Title: "Not found", Message: "This token does not exist.", Path: TokensURL + "/9"}), "ErrorBackLink"),
			s("500", ErrorPanel(ErrorPageView{Status: 500, Title: "Something went wrong", Message: "The request failed. Try again."}))),
		c("NavLink", "", s("active", NavLink(NavItem{Label: "API Tokens", Href: TokensURL, Active: true})), s("inactive", NavLink(NavItem{Label: "Roles", Href: "/admin/settings/roles"}))),
		c("ThemeSwitch", "", s("default", ThemeSwitch())),
		c("Expiry", "",
			s("never", Expiry(nil, false, false)),
			s("far", Expiry(in(80*day), false, false)),
			s("soon", Expiry(in(2*day), false, true)),
			s("expired", Expiry(ago(day), true, false))),
		c("PausedBadge", "", s("paused", PausedBadge())),
		c("PausedNotice", "", s("paused", PausedNotice())),
		c("ExpiringBanner", "", s("one", ExpiringBanner(1, false, ExpiringURL)), s("more than 100", ExpiringBanner(100, true, ExpiringURL))),
		c("CreateTokenButton", "", s("enabled", CreateTokenButton())),
		c("TokensEmpty", "", s("may create", TokensEmpty(true)), s("may not create", TokensEmpty(false))),
		c("TokensContent", "The list with its search, table and pages.",
			s("five tokens, every state", TokensContent(list), "TokenSearch", "TokenTable", "TokenRow", "SortHeader", "Pagination", "DeleteButton", "DeleteConfirmForm"),
			s("a million, about", TokensContent(many)),
			s("read-only viewer", TokensContent(readOnlyList)),
			s("filtered to expired, with Delete all", TokensContent(expiredList), "DeleteExpiredButton", "DeleteExpiredForm"),
			s("search without match", TokensContent(searched)),
			s("empty", TokensContent(TokensPageView{CanCreate: true}))),
		c("TokenCreateContent", "",
			s("new", TokenCreateContent(newForm), "TokenForm", "GuardrailFields", "PermissionsAccordion", "PermissionGroup"),
			s("errors and long input", TokenCreateContent(badForm)),
			s("guardrail errors, input kept", TokenCreateContent(badGuards))),
		c("TokenEditContent", "",
			s("custom, with an orphan permission", TokenEditContent(edit), "TokenFacts", "TokenUsage", "OrphanPermissions", "RegenerateButton", "RegenerateConfirmForm", "GraceSelect", "PauseControl", "LastAddresses"),
			s("key revealed once", TokenEditContent(revealed), "TokenReveal"),
			s("paused", TokenEditContent(paused)),
			s("old key in its grace", TokenEditContent(rotated), "GracePanel"),
			s("expired", TokenEditContent(expired)),
			s("read-only viewer", TokenEditContent(readOnlyEdit))),
		c("TokenReveal", "", s("key", TokenReveal(revealed.Reveal))),
		c("RegenerateConfirmForm", "", s("asks the password, wrong", RegenerateConfirmForm(7, "Website build", true, "Wrong password."), "ReauthField")),
		c("ReauthField", "", s("empty", ReauthField("")), s("error", ReauthField("Wrong password."))),
		c("GracePanel", "", s("in grace, may end it", GracePanel(7, grace, true)), s("over, refused uses", GracePanel(7, graceOver, false))),
		c("PauseControl", "", s("running", PauseControl(7, false)), s("paused", PauseControl(7, true))),
		c("LastAddresses", "", s("none", LastAddresses(nil)), s("one", LastAddresses(edit.Clients))),
		c("UsageChart", "Requests per day by outcome, with the table under a disclosure.",
			s("30 busy days", UsageChart(busy), "usageTable"), s("no use", UsageChart(idle))),
		c("UsageSparkline", "", s("busy", UsageSparkline(busy)), s("no use", UsageSparkline(idle))),
		c("TokenUsage", "The token page's usage: refused for their address, then the chart.",
			s("busy", TokenUsage(busy)), s("no use", TokenUsage(idle))),
		c("TokenRowUsage", "A row's sparkline under its last use, and its quota.",
			s("quota left", TokenRowUsage(rows[0])), s("quota spent", TokenRowUsage(rows[1])), s("no quota, no use", TokenRowUsage(rows[2]))),
		c("ConfirmCard", "", s("delete", ConfirmCard(DeleteConfirmForm(7, longText, false)))),
		c("AuditContent", "",
			s("three events", AuditContent(auditPage), "AuditFilter", "AuditTable", "AuditRow", "AuditPagination"),
			s("nothing matches, narrowed to a token", AuditContent(auditEmpty), "AuditTokenChip")),
		c("RoleForm", "",
			s("editable", RoleForm(role), "PermissionMatrix", "PermissionToggle"),
			s("error", RoleForm(roleErr)),
			s("super admin, locked", RoleForm(roleLocked)),
			s("own role", RoleForm(roleOwn))),
		c("UserRow", "",
			s("self, other, deactivated with a long name", galleryTable(UserRow(users, userRows[0]), UserRow(users, userRows[1]), UserRow(users, userRows[2])), "DeactivateButton", "DeactivateConfirmForm")),
		c("ChangePasswordCard", "",
			s("empty", ChangePasswordCard(PasswordForm{})),
			s("errors", ChangePasswordCard(PasswordForm{Errors: validate.Errors{"current_password": "Wrong password."}})),
			s("throttled", ChangePasswordCard(PasswordForm{FormError: "Too many wrong passwords. Try again in 5 minutes."}))),
		c("IconBack", "Heroicons (MIT), inline SVG in currentColor: the whole set.",
			s("all icons, in a button", galleryIcons(), "IconPencil", "IconTrash", "IconRefresh", "IconEye", "IconChevronDown", "IconMenu")),
	}
}

// galleryIcons draws every icon side by side, at text size.
func galleryIcons() templ.Component {
	return templ.Join(IconBack(""), IconPencil(""), IconTrash(""), IconRefresh(""), IconEye(""), IconChevronDown(""), IconMenu(""))
}
