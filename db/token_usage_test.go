package db_test

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
	"github.com/tokenadmin/tokenadmin/ratelimit"
)

func guardedTok(name string) apitoken.NewToken {
	nt := newTok(name)
	list, bad := apitoken.ParseAllowList([]string{"203.0.113.0/24", "2001:db8::/32", "198.51.100.7"})
	if len(bad) > 0 {
		panic(bad)
	}
	nt.AllowedIPs = list
	nt.RateLimit = &ratelimit.Rate{N: 10, Window: time.Minute}
	nt.Quota = &apitoken.Quota{Limit: 1000, Refill: apitoken.RefillDaily}
	return nt
}

func TestTokenGuardrailsStored(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		tok := mustCreateToken(t, d, guardedTok("guarded"))
		for what, got := range map[string]apitoken.Token{"created": tok, "by id": mustTokenByID(t, d, tok.ID)} {
			if want := []string{"203.0.113.0/24", "2001:db8::/32", "198.51.100.7/32"}; !slices.Equal(got.AllowedIPs.Strings(), want) {
				t.Errorf("%s: AllowedIPs %v, want %v", what, got.AllowedIPs.Strings(), want)
			}
			if got.RateLimit == nil || *got.RateLimit != (ratelimit.Rate{N: 10, Window: time.Minute}) {
				t.Errorf("%s: RateLimit %v, want 10/m", what, got.RateLimit)
			}
			if got.Quota == nil || *got.Quota != (apitoken.Quota{Limit: 1000, Refill: apitoken.RefillDaily}) {
				t.Errorf("%s: Quota %v, want 1000 daily", what, got.Quota)
			}
		}
		// Spend some, then an edit that keeps the quota keeps the count,
		// one that changes it starts afresh; clearing removes every limit.
		day := apitoken.RefillDaily.Period(tokBase)
		if _, err := d.RecordUsage(ctx, apitoken.UsageBatch{QuotaSpent: map[apitoken.QuotaKey]int64{{Token: tok.ID, Period: day}: 7}}); err != nil {
			t.Fatal(err)
		}
		change := apitoken.Change{Clean: apitoken.Clean{Name: "guarded", Type: apitoken.ReadOnly, Guardrails: tok.Guardrails}, Now: tokBase}
		after, _, err := d.UpdateToken(ctx, tok.ID, change, dbtest.TokenChange())
		if err != nil {
			t.Fatal(err)
		}
		if after.QuotaUse != (apitoken.QuotaUse{Used: 7, Period: day}) {
			t.Errorf("after an edit keeping the quota: %+v, want 7 in %d", after.QuotaUse, day)
		}
		change.Quota = &apitoken.Quota{Limit: 5}
		change.ResetQuota = true
		if after, _, err = d.UpdateToken(ctx, tok.ID, change, dbtest.TokenChange()); err != nil {
			t.Fatal(err)
		}
		if after.QuotaUse != (apitoken.QuotaUse{}) || *after.Quota != (apitoken.Quota{Limit: 5}) {
			t.Errorf("after a new quota: %+v %+v, want 5 never refilled, nothing used", after.Quota, after.QuotaUse)
		}
		change.Guardrails = apitoken.Guardrails{}
		if after, _, err = d.UpdateToken(ctx, tok.ID, change, dbtest.TokenChange()); err != nil {
			t.Fatal(err)
		}
		if len(after.AllowedIPs) != 0 || after.RateLimit != nil || after.Quota != nil {
			t.Errorf("after clearing: %+v", after.Guardrails)
		}
		// Verification reads them too.
		g := mustCreateToken(t, d, guardedTok("second"))
		byHash, err := d.TokenByHash(ctx, tokHashColumn(t, d, g.ID))
		if err != nil {
			t.Fatal(err)
		}
		if len(byHash.AllowedIPs) != 3 || byHash.RateLimit == nil || byHash.Quota == nil {
			t.Errorf("TokenByHash: %+v", byHash.Guardrails)
		}
	})
}

func TestRecordUsage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		a := mustCreateToken(t, d, guardedTok("a"))
		b := mustCreateToken(t, d, newTok("b"))
		gone := mustCreateToken(t, d, newTok("gone"))
		if _, _, err := d.DeleteToken(ctx, gone.ID, dbtest.TokenChange()); err != nil {
			t.Fatal(err)
		}
		d1 := apitoken.RefillDaily.Period(tokBase)
		d2 := d1 + 86400
		today := apitoken.Day(tokBase)
		used := tokBase.Add(time.Hour)
		batch := apitoken.UsageBatch{
			LastUsed: map[int64]time.Time{a.ID: used, gone.ID: used},
			Counts: map[apitoken.UsageKey]apitoken.Counts{
				{Token: a.ID, Day: today}:      {OK: 5, Refused: 1, Blocked: 2, Limited: 3, Other: 4},
				{Token: a.ID, Day: today - 1}:  {OK: 1},
				{Token: b.ID, Day: today}:      {OK: 9},
				{Token: gone.ID, Day: today}:   {OK: 9}, // dropped, not an error
				{Token: a.ID, Day: today - 40}: {OK: 1},
			},
			QuotaSpent: map[apitoken.QuotaKey]int64{{Token: a.ID, Period: d1}: 10, {Token: gone.ID, Period: d1}: 1},
		}
		uses, err := d.RecordUsage(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := uses, map[int64]apitoken.QuotaUse{a.ID: {Used: 10, Period: d1}}; len(got) != 1 || got[a.ID] != want[a.ID] {
			t.Errorf("uses: got %v, want %v", got, want)
		}
		assertTime(t, "last used", mustTokenByID(t, d, a.ID).LastUsedAt, &used)
		// A second batch adds to the same rows; a newer period restarts
		// the count, an older one (a late batch) changes nothing.
		uses, err = d.RecordUsage(ctx, apitoken.UsageBatch{
			Counts:     map[apitoken.UsageKey]apitoken.Counts{{Token: a.ID, Day: today}: {OK: 1, Limited: 1}},
			QuotaSpent: map[apitoken.QuotaKey]int64{{Token: a.ID, Period: d1}: 5},
		})
		if err != nil || uses[a.ID] != (apitoken.QuotaUse{Used: 15, Period: d1}) {
			t.Fatalf("same period: %v %v, want 15", uses, err)
		}
		uses, _ = d.RecordUsage(ctx, apitoken.UsageBatch{QuotaSpent: map[apitoken.QuotaKey]int64{{Token: a.ID, Period: d2}: 2}})
		if uses[a.ID] != (apitoken.QuotaUse{Used: 2, Period: d2}) {
			t.Errorf("newer period: %v, want 2 in %d", uses[a.ID], d2)
		}
		uses, _ = d.RecordUsage(ctx, apitoken.UsageBatch{QuotaSpent: map[apitoken.QuotaKey]int64{{Token: a.ID, Period: d1}: 100}})
		if uses[a.ID] != (apitoken.QuotaUse{Used: 2, Period: d2}) {
			t.Errorf("older period: %v, want 2 in %d unchanged", uses[a.ID], d2)
		}
		if got, err := d.QuotaUse(ctx, a.ID); err != nil || got != (apitoken.QuotaUse{Used: 2, Period: d2}) {
			t.Errorf("QuotaUse: %v %v", got, err)
		}

		all, err := d.TokensUsage(ctx, []int64{a.ID, b.ID, gone.ID}, today-50)
		if err != nil {
			t.Fatal(err)
		}
		wantA := []apitoken.DayUsage{
			{Day: today - 40, Counts: apitoken.Counts{OK: 1}},
			{Day: today - 1, Counts: apitoken.Counts{OK: 1}},
			{Day: today, Counts: apitoken.Counts{OK: 6, Refused: 1, Blocked: 2, Limited: 4, Other: 4}},
		}
		if !slices.Equal(all[a.ID], wantA) {
			t.Errorf("usage of a: got %v, want %v", all[a.ID], wantA)
		}
		if len(all[b.ID]) != 1 || all[b.ID][0].OK != 9 || len(all[gone.ID]) != 0 {
			t.Errorf("usage: %v", all)
		}
		// Pruning keeps the last 30 days.
		if _, err := d.RecordUsage(ctx, apitoken.UsageBatch{PruneBefore: today - 29}); err != nil {
			t.Fatal(err)
		}
		all, _ = d.TokensUsage(ctx, []int64{a.ID}, 0)
		if len(all[a.ID]) != 2 || all[a.ID][0].Day != today-1 {
			t.Errorf("after pruning: %v", all[a.ID])
		}
		// Deleting the token deletes its counts.
		if _, _, err := d.DeleteToken(ctx, a.ID, dbtest.TokenChange()); err != nil {
			t.Fatal(err)
		}
		if n := tokCount(t, d, "api_token_usage WHERE token_id = "+itoa(a.ID)); n != 0 {
			t.Errorf("counts of a deleted token: %d rows", n)
		}
	})
}

// TestTokensUsageWindowAndBound: one call reads several tokens' days from
// a given day on, and refuses more tokens than a page could hold.
func TestTokensUsageWindowAndBound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		a := mustCreateToken(t, d, newTok("a"))
		b := mustCreateToken(t, d, newTok("b"))
		today := apitoken.Day(tokBase)
		if _, err := d.RecordUsage(ctx, apitoken.UsageBatch{Counts: map[apitoken.UsageKey]apitoken.Counts{
			{Token: a.ID, Day: today}:      {OK: 3, Blocked: 1},
			{Token: a.ID, Day: today - 29}: {Limited: 2},
			{Token: a.ID, Day: today - 30}: {OK: 7}, // before the window
			{Token: b.ID, Day: today - 3}:  {Other: 4},
		}}); err != nil {
			t.Fatal(err)
		}
		got, err := d.TokensUsage(ctx, []int64{a.ID, b.ID}, today-29)
		if err != nil {
			t.Fatal(err)
		}
		wantA := []apitoken.DayUsage{{Day: today - 29, Counts: apitoken.Counts{Limited: 2}}, {Day: today, Counts: apitoken.Counts{OK: 3, Blocked: 1}}}
		wantB := []apitoken.DayUsage{{Day: today - 3, Counts: apitoken.Counts{Other: 4}}}
		if !slices.Equal(got[a.ID], wantA) || !slices.Equal(got[b.ID], wantB) || len(got) != 2 {
			t.Errorf("usage: got %v, want a %v and b %v", got, wantA, wantB)
		}
		ids := make([]int64, db.MaxUsageTokens+1)
		for i := range ids {
			ids[i] = int64(i + 1)
		}
		if _, err := d.TokensUsage(ctx, ids, today-29); err == nil {
			t.Errorf("%d tokens: no error, want the bound refused", len(ids))
		}
		if got, err := d.TokensUsage(ctx, ids[:db.MaxUsageTokens], today-29); err != nil || len(got[a.ID]) != 2 {
			t.Errorf("%d tokens: %v %v", db.MaxUsageTokens, len(got), err)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
