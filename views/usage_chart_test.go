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
