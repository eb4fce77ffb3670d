package views

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/tokenadmin/tokenadmin/apitoken"
)

func TestUsageChart(t *testing.T) {
	today := apitoken.Day(time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC))
	v := NewUsageView([]apitoken.DayUsage{
		{Day: today, Counts: apitoken.Counts{OK: 90, Refused: 3, Blocked: 2, Limited: 4, Other: 1}},
		{Day: today - 29, Counts: apitoken.Counts{OK: 1000}},
		{Day: today - 30, Counts: apitoken.Counts{OK: 5}}, // outside the window
		{Day: today + 1, Counts: apitoken.Counts{OK: 5}},  // clock skew: ignored
	}, today)
	doc := render(t, context.Background(), UsageChart(v))
	chart := doc.Find(`[data-testid="usage-chart"]`)
	if chart.Length() != 1 {
		t.Fatal("no usage-chart")
	}
	svg := chart.Find("svg")
	if role, _ := svg.Attr("role"); role != "img" {
		t.Errorf("svg role %q, want img", role)
	}
	desc := svg.Find("desc").Text()
	if !strings.Contains(desc, "1,100 requests") || !strings.Contains(desc, "5 refused (2 from outside the allow-list)") || !strings.Contains(desc, "Busiest day: 1,000") {
		t.Errorf("description: %q", desc)
	}
	if n := chart.Find(`[data-testid="usage-bar"]`).Length(); n != 30 {
		t.Errorf("bars: %d, want 30", n)
	}
	// The busiest day fills the height; today's bar stacks its outcomes.
	first := chart.Find(`[data-testid="usage-bar"]`).First().Find("rect")
	if h, _ := first.Attr("height"); h != "160.0" {
		t.Errorf("busiest day's height %s, want 160.0", h)
	}
	last := chart.Find(`[data-testid="usage-bar"]`).Last()
	var outcomes []string
	last.Find("rect").Each(func(_ int, r *goquery.Selection) {
		o, _ := r.Attr("data-outcome")
		outcomes = append(outcomes, o)
	})
	if strings.Join(outcomes, ",") != "ok,refused,limited,other" {
		t.Errorf("today's segments: %v", outcomes)
	}
	if got := last.Find("title").Text(); got != "7 Dec: 90 succeeded, 5 refused, 4 rate-limited, 1 other errors" {
		t.Errorf("today's title: %q", got)
	}
	// The table fallback holds every day and the same figures.
	rows := chart.Find(`[data-testid="usage-table"] [data-testid="usage-day"]`)
	if rows.Length() != 30 {
		t.Fatalf("table rows: %d, want 30", rows.Length())
	}
	if d, _ := rows.Last().Attr("data-date"); d != "2026-12-07" {
		t.Errorf("last row date %s", d)
	}
	var cells []string
	rows.Last().Find("td").Each(func(_ int, c *goquery.Selection) { cells = append(cells, c.Text()) })
	if strings.Join(cells, " ") != "90 5 2 4 1" {
		t.Errorf("today's cells: %v", cells)
	}
	if chart.Find("details summary").Length() != 1 {
		t.Error("the table is not behind a disclosure")
	}
}

func TestUsageChartEmptyAndSparkline(t *testing.T) {
	today := int64(20000)
	v := NewUsageView(nil, today)
	doc := render(t, context.Background(), UsageChart(v))
	if got := doc.Find("desc").Text(); got != "No requests in the last 30 days." {
		t.Errorf("empty description: %q", got)
	}
	if n := doc.Find("rect").Length(); n != 0 {
		t.Errorf("empty chart has %d rects", n)
	}
	v = NewUsageView([]apitoken.DayUsage{{Day: today, Counts: apitoken.Counts{OK: 1234567}}}, today)
	doc = render(t, context.Background(), UsageSparkline(v))
	sp := doc.Find(`[data-testid="usage-sparkline"]`)
	if label, _ := sp.Attr("aria-label"); label != "1,234,567 requests in the last 30 days" {
		t.Errorf("sparkline label %q", label)
	}
	pts, _ := sp.Find("polyline").Attr("points")
	if fields := strings.Fields(pts); len(fields) != 30 || fields[29] != "60.0,1.0" || fields[0] != "0.0,15.0" {
		t.Errorf("points %q", pts)
	}
	if formatCount(0) != "0" || formatCount(999) != "999" || formatCount(1000) != "1,000" || formatCount(-5) != "-5" {
		t.Error("formatCount")
	}
}

func TestTokenUsageSection(t *testing.T) {
	today := int64(20000)
	for _, tc := range []struct {
		blocked int64
		want    string
	}{
		{0, "No request was refused for its address in the last 30 days."},
		{1, "1 request was refused for its address (outside the allow-list) in the last 30 days."},
		{1500, "1,500 requests were refused for their address (outside the allow-list) in the last 30 days."},
	} {
		v := NewUsageView([]apitoken.DayUsage{{Day: today, Counts: apitoken.Counts{OK: 3, Blocked: tc.blocked}}}, today)
		doc := render(t, context.Background(), TokenUsage(v))
		p := doc.Find(`[data-testid="token-usage"] [data-testid="blocked-attempts"]`)
		if got := strings.TrimSpace(p.Text()); got != tc.want {
			t.Errorf("%d blocked: %q, want %q", tc.blocked, got, tc.want)
		}
		if doc.Find(`[data-testid="token-usage"] [data-testid="usage-chart"]`).Length() != 1 {
			t.Error("no chart in the usage section")
		}
	}
}

func TestTokenRowUsage(t *testing.T) {
	r := TokenRowView{ID: 1, Usage: NewUsageView(nil, 20000)}
	doc := render(t, context.Background(), TokenRowUsage(r))
	if doc.Find(`[data-testid="usage-sparkline"]`).Length() != 1 || doc.Find(`[data-testid="quota-left"]`).Length() != 0 {
		t.Error("a row without a quota: want a sparkline and no quota")
	}
	r.Quota = &QuotaLeftView{Left: 812, Limit: 1000, Refill: "monthly"}
	q := render(t, context.Background(), TokenRowUsage(r)).Find(`[data-testid="quota-left"]`)
	if got := q.Text(); got != "812 / 1,000 left" {
		t.Errorf("quota %q", got)
	}
	if got := q.AttrOr("title", ""); !strings.Contains(got, "1st of each month") {
		t.Errorf("quota title %q", got)
	}
	r.Quota = &QuotaLeftView{Left: 0, Limit: 3}
	q = render(t, context.Background(), TokenRowUsage(r)).Find(`[data-testid="quota-left"]`)
	if q.Text() != "0 / 3 left" || !q.HasClass("text-red-700") || q.AttrOr("title", "") != "Quota never refills" {
		t.Errorf("spent quota: %q %q", q.Text(), q.AttrOr("class", ""))
	}
}
