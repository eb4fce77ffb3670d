package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// guardedForm is a token form with guardrails.
func guardedForm(name, ips, rate, quota, refill string) url.Values {
	f := tokenForm(name, "read-only", "7")
	f.Set("allowed_ips", ips)
	f.Set("rate_limit", rate)
	f.Set("quota", quota)
	f.Set("quota_refill", refill)
	return f
}

// wantGuardrailsShown checks that the form shows exactly these guardrail
// values.
func wantGuardrailsShown(t *testing.T, doc *goquery.Document, ips, rate, quota, refill string) {
	t.Helper()
	form := doc.Find(`form[data-testid="token-form"]`)
	if got := form.Find(`textarea[name="allowed_ips"]`).Text(); got != ips {
		t.Errorf("allowed_ips shows %q, want %q", got, ips)
	}
	if got := form.Find(`input[name="rate_limit"]`).AttrOr("value", "?"); got != rate {
		t.Errorf("rate_limit shows %q, want %q", got, rate)
	}
	if got := form.Find(`input[name="quota"]`).AttrOr("value", "?"); got != quota {
		t.Errorf("quota shows %q, want %q", got, quota)
	}
	sel := form.Find(`select[name="quota_refill"] option[selected]`)
	if sel.Length() != 1 || sel.AttrOr("value", "?") != refill {
		t.Errorf("quota_refill selects %d options, %q; want %q", sel.Length(), sel.AttrOr("value", "?"), refill)
	}
}

// wantFieldError checks that field's control is marked invalid and names
// its message, which sits next to it.
func wantFieldError(t *testing.T, doc *goquery.Document, field string) {
	t.Helper()
	ctl := doc.Find(`[name="` + field + `"]`)
	if ctl.Length() != 1 {
		t.Fatalf("%s: %d controls", field, ctl.Length())
	}
	if v, _ := ctl.Attr("aria-invalid"); v != "true" {
		t.Errorf("%s: aria-invalid %q, want true", field, v)
	}
	ids := strings.Fields(ctl.AttrOr("aria-describedby", ""))
	msg := doc.Find(`[data-testid="field-error"][data-field="` + field + `"]`)
	if msg.Length() != 1 || strings.TrimSpace(msg.Text()) == "" {
		t.Fatalf("%s: %d field errors", field, msg.Length())
	}
	id := msg.AttrOr("id", "")
	found := false
	for _, x := range ids {
		found = found || x == id
	}
	if id == "" || !found {
		t.Errorf("%s: aria-describedby %q does not name the message %q", field, ids, id)
	}
	// Next to its field: in the same wrapper as the control.
	if ctl.Parent().Find(`[data-testid="field-error"][data-field="`+field+`"]`).Length() != 1 {
		t.Errorf("%s: the message is not beside its control", field)
	}
}

func TestTokenFormGuardrailFields(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")

	blank := c.get("/admin/settings/api-tokens/create")
	wantStatus(t, blank, http.StatusOK)
	doc := blank.doc(t)
	if doc.Find(`[data-testid="token-form"] textarea[name="allowed_ips"]`).Length() != 1 ||
		doc.Find(`input[name="rate_limit"][type="text"]`).Length() != 1 ||
		doc.Find(`input[name="quota"][type="number"]`).Length() != 1 {
		t.Fatal("the create form lacks the guardrail fields")
	}
	var refills []string
	doc.Find(`select[name="quota_refill"] option`).Each(func(_ int, o *goquery.Selection) {
		refills = append(refills, o.AttrOr("value", "?")+"="+o.Text())
	})
	if strings.Join(refills, ",") != "=Never,daily=Daily,monthly=Monthly" {
		t.Errorf("quota_refill options: %v", refills)
	}
	wantGuardrailsShown(t, doc, "", "", "", "")
	for _, f := range []string{"allowed_ips", "rate_limit", "quota", "quota_refill"} {
		ctl := doc.Find(`[name="` + f + `"]`)
		if _, bad := ctl.Attr("aria-invalid"); bad {
			t.Errorf("%s: aria-invalid on a blank form", f)
		}
		// Every control is described by a hint that exists.
		for _, id := range strings.Fields(ctl.AttrOr("aria-describedby", "")) {
			if doc.Find("#"+id).Length() != 1 {
				t.Errorf("%s: aria-describedby names missing #%s", f, id)
			}
		}
	}

	// Create with every guardrail: stored as parsed, shown canonical.
	id, _ := createToken(t, c, guardedForm("Guarded", "10.1.2.3/8\r\n\r\n2001:db8::1", " 5/s ", "1000", "daily"))
	tok, err := app.store.TokenByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AllowedIPs.Text() != "10.0.0.0/8\n2001:db8::1/128" || tok.RateLimit == nil || tok.RateLimit.String() != "5/s" ||
		tok.Quota == nil || *tok.Quota != (apitoken.Quota{Limit: 1000, Refill: apitoken.RefillDaily}) {
		t.Fatalf("stored guardrails: %+v", tok.Guardrails)
	}
	path := "/admin/settings/api-tokens/" + itoa(id)
	wantGuardrailsShown(t, c.get(path).doc(t), "10.0.0.0/8\n2001:db8::1/128", "5/s", "1000", "daily")

	// Edit: change them, through the service (audited in the change).
	wantRedirect(t, c.post(path, guardedForm("Guarded", "192.0.2.7", "60/m", "5", "never")), path)
	tok, _ = app.store.TokenByID(context.Background(), id)
	if tok.AllowedIPs.Text() != "192.0.2.7/32" || tok.RateLimit.String() != "60/m" || *tok.Quota != (apitoken.Quota{Limit: 5}) {
		t.Fatalf("edited guardrails: %+v", tok.Guardrails)
	}
	events, _, err := app.store.AuditEvents(context.Background(), audit.Query{TokenID: itoa(id), Action: string(audit.TokenUpdate), Limit: 10})
	if err != nil || len(events) != 1 {
		t.Fatalf("update events: %d %v", len(events), err)
	}
	changed := map[string]bool{}
	for _, ch := range events[0].Changes {
		changed[ch.Field] = true
	}
	if !changed["allowedIps"] || !changed["rateLimit"] || !changed["quota"] {
		t.Errorf("audit changes %+v, want allowedIps, rateLimit and quota", events[0].Changes)
	}
	// Emptied: no guardrails.
	wantRedirect(t, c.post(path, guardedForm("Guarded", "\r\n", "", "", "")), path)
	if tok, _ = app.store.TokenByID(context.Background(), id); tok.AllowedIPs != nil || tok.RateLimit != nil || tok.Quota != nil {
		t.Fatalf("cleared guardrails: %+v", tok.Guardrails)
	}
	wantGuardrailsShown(t, c.get(path).doc(t), "", "", "", "")
}

func TestTokenFormGuardrailErrorsKeepInput(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	id, _ := createToken(t, c, guardedForm("Kept", "10.0.0.0/8", "5/s", "100", "monthly"))
	path := "/admin/settings/api-tokens/" + itoa(id)
	before, _ := app.store.TokenByID(context.Background(), id)

	cases := []struct {
		name                     string
		ips, rate, quota, refill string
		fields                   []string
	}{
		{"bad CIDR", "10.0.0.0/8\n300.1.1.1/24\n  ", "5/s", "100", "daily", []string{"allowed_ips"}},
		{"bad rate", "", "5/h", "100", "", []string{"rate_limit"}},
		{"bad quota", "", "", "12.5", "", []string{"quota"}},
		{"refill without quota", "", "", "", "monthly", []string{"quota"}},
		{"unknown refill", "", "", "9", "weekly", []string{"quota_refill"}},
		{"all at once", "nope", "fast", "-1", "", []string{"allowed_ips", "rate_limit", "quota"}},
	}
	for _, tc := range cases {
		for _, where := range []string{"create", "edit"} {
			t.Run(tc.name+"/"+where, func(t *testing.T) {
				form := guardedForm("Name "+tc.name, tc.ips, tc.rate, tc.quota, tc.refill)
				form.Set("description", "typed <b>words</b>")
				target := "/admin/settings/api-tokens"
				if where == "edit" {
					target = path
				}
				res := c.post(target, form)
				wantStatus(t, res, http.StatusUnprocessableEntity)
				doc := res.doc(t)
				for _, f := range tc.fields {
					wantFieldError(t, doc, f)
				}
				if n := doc.Find(`[data-testid="field-error"]`).Length(); n != len(tc.fields) {
					t.Errorf("%d field errors, want %d", n, len(tc.fields))
				}
				// Everything typed comes back, the bad lines included.
				if got := doc.Find(`input[name="name"]`).AttrOr("value", ""); got != form.Get("name") {
					t.Errorf("name kept: %q", got)
				}
				if got := doc.Find(`input[name="description"]`).AttrOr("value", ""); got != "typed <b>words</b>" {
					t.Errorf("description kept: %q", got)
				}
				if tc.refill == "weekly" {
					// Not an option: nothing shows selected, the rest is kept.
					if doc.Find(`select[name="quota_refill"] option[selected]`).Length() != 0 {
						t.Error("an unknown refill selects an option")
					}
					doc.Find(`select[name="quota_refill"]`).Remove()
					doc.Find(`[data-testid="guardrails"]`).AppendHtml(`<select name="quota_refill"><option value="" selected></option></select>`)
					wantGuardrailsShown(t, doc, tc.ips, tc.rate, tc.quota, "")
				} else {
					wantGuardrailsShown(t, doc, tc.ips, tc.rate, tc.quota, tc.refill)
				}
			})
		}
	}
	// Nothing was created or changed.
	if _, total, _ := app.store.Tokens(context.Background(), apitoken.ListQuery{}); total != 1 {
		t.Errorf("tokens after bad input: %d, want 1", total)
	}
	after, _ := app.store.TokenByID(context.Background(), id)
	if after.AllowedIPs.Text() != before.AllowedIPs.Text() || after.RateLimit.String() != before.RateLimit.String() || *after.Quota != *before.Quota || after.Name != "Kept" {
		t.Errorf("a refused edit changed the token: %+v", after.Guardrails)
	}

	// With htmx the 422 is the form alone, the error in it.
	res := c.post(path, guardedForm("Kept", "x", "", "", ""), "HX-Request", "true")
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if strings.Contains(res.body, "<html") {
		t.Error("htmx 422 is a whole page")
	}
	wantFieldError(t, res.doc(t), "allowed_ips")
}

func TestTokenGuardrailsNeedUpdatePermission(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	app.seedAdmin("ed@example.com", "editor")
	id, _ := createToken(t, app.login("ada@example.com"), guardedForm("Locked", "10.0.0.0/8", "5/s", "100", ""))
	path := "/admin/settings/api-tokens/" + itoa(id)
	ed := app.login("ed@example.com")
	// The editor reads the guardrails but cannot change them.
	doc := ed.get(path).doc(t)
	if _, ok := doc.Find(`[data-testid="guardrails"]`).Attr("disabled"); !ok {
		t.Error("the editor's guardrail fields are editable")
	}
	wantGuardrailsShown(t, doc, "10.0.0.0/8", "5/s", "100", "")
	res := ed.post(path, guardedForm("Locked", "", "", "", ""))
	wantStatus(t, res, http.StatusForbidden)
	if tok, _ := app.store.TokenByID(context.Background(), id); tok.AllowedIPs.Text() != "10.0.0.0/8" || tok.RateLimit == nil || tok.Quota == nil {
		t.Errorf("a forbidden edit changed the guardrails: %+v", tok.Guardrails)
	}
}

// seedUsage writes counts for token id, days before today.
func (a *testApp) seedUsage(counts map[apitoken.UsageKey]apitoken.Counts) {
	a.t.Helper()
	if _, err := a.store.RecordUsage(context.Background(), apitoken.UsageBatch{Counts: counts}); err != nil {
		a.t.Fatal(err)
	}
}

func TestTokenPageUsageChart(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	app.seedAdmin("ed@example.com", "editor")
	c := app.login("ada@example.com")
	id, _ := createToken(t, c, guardedForm("Charted", "10.0.0.0/8", "", "", ""))
	other, _ := createToken(t, c, tokenForm("Other", "read-only", "7"))
	today := apitoken.Day(app.now())
	app.seedUsage(map[apitoken.UsageKey]apitoken.Counts{
		{Token: id, Day: today}:         {OK: 12, Refused: 1, Blocked: 3, Limited: 2, Other: 1},
		{Token: id, Day: today - 5}:     {OK: 1000},
		{Token: id, Day: today - 29}:    {Blocked: 4},
		{Token: id, Day: today - 30}:    {OK: 99, Blocked: 50}, // older than the chart
		{Token: other, Day: today}:      {OK: 77, Blocked: 70},
		{Token: other, Day: today - 29}: {OK: 1},
	})
	path := "/admin/settings/api-tokens/" + itoa(id)
	for _, who := range []string{"ada@example.com", "ed@example.com"} {
		res := app.login(who).get(path)
		wantStatus(t, res, http.StatusOK)
		doc := res.doc(t)
		chart := doc.Find(`[data-testid="token-usage"] [data-testid="usage-chart"]`)
		if chart.Length() != 1 {
			t.Fatalf("%s: no usage-chart on the token page", who)
		}
		svg := chart.Find(`svg[role="img"]`)
		if svg.Length() != 1 || svg.Find("desc").Length() != 1 {
			t.Fatalf("%s: the chart is not an SVG image with a description", who)
		}
		desc := svg.Find("desc").Text()
		if !strings.Contains(desc, "1,023 requests") || !strings.Contains(desc, "8 refused (7 from outside the allow-list)") {
			t.Errorf("%s: description %q", who, desc)
		}
		if n := chart.Find(`[data-testid="usage-bar"]`).Length(); n != apitoken.UsageDays {
			t.Errorf("%s: %d bars, want %d", who, n, apitoken.UsageDays)
		}
		// Today's bar stacks its four outcomes.
		var outcomes []string
		chart.Find(`[data-testid="usage-bar"]`).Last().Find("rect").Each(func(_ int, r *goquery.Selection) {
			outcomes = append(outcomes, r.AttrOr("data-outcome", "?"))
		})
		if strings.Join(outcomes, ",") != "ok,refused,limited,other" {
			t.Errorf("%s: today's segments %v", who, outcomes)
		}
		// The table fallback: a real table in a disclosure, a row a day.
		table := chart.Find(`details table[data-testid="usage-table"]`)
		if table.Length() != 1 || table.Find("caption").Length() != 1 || table.Find(`thead th[scope="col"]`).Length() != 6 {
			t.Fatalf("%s: no table fallback with a caption and column headers", who)
		}
		rows := table.Find(`tbody tr[data-testid="usage-day"]`)
		if rows.Length() != apitoken.UsageDays {
			t.Fatalf("%s: %d table rows, want %d", who, rows.Length(), apitoken.UsageDays)
		}
		cells := func(r *goquery.Selection) string {
			var out []string
			r.Find("th, td").Each(func(_ int, c *goquery.Selection) { out = append(out, strings.TrimSpace(c.Text())) })
			return strings.Join(out[1:], " ")
		}
		day := apitoken.DayTime(today)
		if got := rows.Last().AttrOr("data-date", ""); got != day.Format("2006-01-02") {
			t.Errorf("%s: last row is %s, want today %s", who, got, day.Format("2006-01-02"))
		}
		// Succeeded, refused (blocked included), of which blocked, 429, other.
		if got := cells(rows.Last()); got != "12 4 3 2 1" {
			t.Errorf("%s: today's row %q", who, got)
		}
		if got := cells(rows.Eq(apitoken.UsageDays - 6)); got != "1,000 0 0 0 0" {
			t.Errorf("%s: 5 days ago %q", who, got)
		}
		if got := cells(rows.First()); got != "0 4 4 0 0" {
			t.Errorf("%s: 29 days ago %q", who, got)
		}
		blocked := doc.Find(`[data-testid="blocked-attempts"]`)
		if blocked.AttrOr("data-count", "") != "7" || !strings.Contains(blocked.Text(), "7 requests were refused for their address") {
			t.Errorf("%s: blocked attempts %q (%s)", who, strings.TrimSpace(blocked.Text()), blocked.AttrOr("data-count", ""))
		}
	}
	// A token with no requests says so; the create form has no chart.
	none, _ := createToken(t, c, tokenForm("Unused", "read-only", "7"))
	doc := c.get("/admin/settings/api-tokens/" + itoa(none)).doc(t)
	if got := doc.Find(`[data-testid="usage-chart"] desc`).Text(); got != "No requests in the last 30 days." {
		t.Errorf("unused token's chart: %q", got)
	}
	if got := doc.Find(`[data-testid="blocked-attempts"]`).AttrOr("data-count", ""); got != "0" {
		t.Errorf("unused token's blocked count %q", got)
	}
	if c.get("/admin/settings/api-tokens/create").doc(t).Find(`[data-testid="usage-chart"]`).Length() != 0 {
		t.Error("the create form shows a chart")
	}
}

// usageReads counts TokensUsage calls, to prove the list reads every
// row's usage in one query.
type usageReads struct {
	*db.DB
	mu    sync.Mutex
	sizes []int // the number of tokens each call asked for
}

func (u *usageReads) TokensUsage(ctx context.Context, ids []int64, from int64) (map[int64][]apitoken.DayUsage, error) {
	u.mu.Lock()
	u.sizes = append(u.sizes, len(ids))
	u.mu.Unlock()
	return u.DB.TokensUsage(ctx, ids, from)
}

func (u *usageReads) calls() []int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]int(nil), u.sizes...)
}

func TestTokenListSparklinesAndQuota(t *testing.T) {
	store := dbtest.SQLite(t)
	reads := &usageReads{DB: store}
	app := newTestAppWith(t, store, func(o *Options) { o.Store = reads })
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	app.seedBulkTokens(apitoken.PageSize + 5)
	busy, _ := app.mintGuarded("a busy", apitoken.GuardInput{Quota: "1000", QuotaRefill: "daily"})
	spent, _ := app.mintGuarded("a spent", apitoken.GuardInput{Quota: "3"})
	today := apitoken.Day(app.now())
	app.seedUsage(map[apitoken.UsageKey]apitoken.Counts{
		{Token: busy.ID, Day: today}:      {OK: 150, Limited: 38},
		{Token: busy.ID, Day: today - 13}: {OK: 500},
		{Token: busy.ID, Day: today - 40}: {OK: 9999}, // outside the window
	})
	if _, err := store.RecordUsage(context.Background(), apitoken.UsageBatch{QuotaSpent: map[apitoken.QuotaKey]int64{
		{Token: busy.ID, Period: apitoken.RefillDaily.Period(app.now())}: 188,
		{Token: spent.ID, Period: 0}:                                     3,
	}}); err != nil {
		t.Fatal(err)
	}

	before := len(reads.calls())
	res := c.get("/admin/settings/api-tokens")
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	rows := doc.Find(`[data-testid="token-row"]`)
	if rows.Length() != apitoken.PageSize {
		t.Fatalf("%d rows, want a page of %d", rows.Length(), apitoken.PageSize)
	}
	// One read for the whole page, never more tokens than the page holds.
	if got := reads.calls()[before:]; len(got) != 1 || got[0] != apitoken.PageSize {
		t.Errorf("usage reads for one page: %v, want one of %d tokens", got, apitoken.PageSize)
	}
	if n := rows.Find(`[data-testid="usage-sparkline"]`).Length(); n != apitoken.PageSize {
		t.Errorf("%d sparklines, want one a row", n)
	}
	if doc.Find(`[data-testid="tokens-table"] thead th`).Length() != rows.First().Find("td").Length() {
		t.Error("the header and the rows have different column counts")
	}
	row := func(id int64) *goquery.Selection {
		return doc.Find(`[data-testid="token-row"][data-token-id="` + itoa(id) + `"]`)
	}
	spark := row(busy.ID).Find(`[data-testid="usage-sparkline"]`)
	if got := spark.AttrOr("aria-label", ""); got != "688 requests in the last 30 days" {
		t.Errorf("busy sparkline label %q", got)
	}
	points := strings.Fields(spark.Find("polyline").AttrOr("points", ""))
	if len(points) != apitoken.UsageDays || points[len(points)-1] != "60.0,9.7" || !strings.HasSuffix(points[apitoken.UsageDays-14], ",1.0") {
		// The busiest day (13 days ago) reaches the top; today's 188 of 500
		// stands at 15 - 188/500×14.
		t.Errorf("busy sparkline points %v", points)
	}
	if got := strings.TrimSpace(row(busy.ID).Find(`[data-testid="quota-left"]`).Text()); got != "812 / 1,000 left" {
		t.Errorf("busy quota %q, want 812 / 1,000 left", got)
	}
	if got := strings.TrimSpace(row(spent.ID).Find(`[data-testid="quota-left"]`).Text()); got != "0 / 3 left" {
		t.Errorf("spent quota %q, want 0 / 3 left", got)
	}
	if got := row(spent.ID).Find(`[data-testid="usage-sparkline"]`).AttrOr("aria-label", ""); got != "0 requests in the last 30 days" {
		t.Errorf("unused sparkline label %q", got)
	}
	// A row without a quota shows none.
	if rows.Last().Find(`[data-testid="quota-left"]`).Length() != 0 {
		t.Error("a token without a quota shows one")
	}
	// The next page asks for its own rows only.
	before = len(reads.calls())
	next := doc.Find(`[data-testid="next-page"]`).AttrOr("href", "")
	wantStatus(t, c.get(next), http.StatusOK)
	if got := reads.calls()[before:]; len(got) != 1 || got[0] != 7 {
		t.Errorf("usage reads for the last page: %v, want one of 7 tokens", got)
	}
}

// TestLooseningGuardrailsAsksForPassword: once the password is old,
// widening, raising or removing a key's limits asks for it again, as
// granting write does; tightening them does not.
func TestLooseningGuardrailsAsksForPassword(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	id, _ := createToken(t, c, guardedForm("Fenced", "10.0.0.0/8", "10/s", "1000", "monthly"))
	path := "/admin/settings/api-tokens/" + itoa(id)
	app.advance(16 * time.Minute)

	// Tighter everywhere: saved without a password.
	wantRedirect(t, c.post(path, guardedForm("Fenced", "10.1.0.0/16", "5/s", "500", "monthly")), path)
	if tok, _ := app.store.TokenByID(context.Background(), id); tok.AllowedIPs.Text() != "10.1.0.0/16" || tok.RateLimit.String() != "5/s" || tok.Quota.Limit != 500 {
		t.Fatalf("tightened: %+v", tok.Guardrails)
	}
	for _, tc := range []struct{ name, ips, rate, quota, refill string }{
		{"allow-list widened", "10.0.0.0/8", "5/s", "500", "monthly"},
		{"allow-list removed", "", "5/s", "500", "monthly"},
		{"rate raised", "10.1.0.0/16", "400/m", "500", "monthly"},
		{"quota removed", "10.1.0.0/16", "5/s", "", ""},
		{"refilled daily", "10.1.0.0/16", "5/s", "500", "daily"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := guardedForm("Fenced", tc.ips, tc.rate, tc.quota, tc.refill)
			res := c.post(path, form)
			wantStatus(t, res, http.StatusUnprocessableEntity)
			doc := res.doc(t)
			if got := doc.Find(`[data-testid="field-error"][data-field="current_password"]`).Text(); !strings.Contains(got, "loosen this token's limits") {
				t.Errorf("password prompt says %q", got)
			}
			wantGuardrailsShown(t, doc, tc.ips, tc.rate, tc.quota, tc.refill)
			if tok, _ := app.store.TokenByID(context.Background(), id); tok.AllowedIPs.Text() != "10.1.0.0/16" || tok.RateLimit.String() != "5/s" || tok.Quota.Limit != 500 || tok.Quota.Refill != apitoken.RefillMonthly {
				t.Errorf("saved without the password: %+v", tok.Guardrails)
			}
		})
	}
	// With the password it is saved.
	form := guardedForm("Fenced", "", "", "", "")
	form.Set("current_password", testPassword)
	wantRedirect(t, c.post(path, form), path)
	if tok, _ := app.store.TokenByID(context.Background(), id); tok.AllowedIPs != nil || tok.RateLimit != nil || tok.Quota != nil {
		t.Errorf("loosened with the password: %+v", tok.Guardrails)
	}
}
