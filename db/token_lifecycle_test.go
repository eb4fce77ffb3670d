package db_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// TestRotateWithGrace: the replaced key finds its token (ViaOldKey) with
// the grace end; a second rotation makes the current key the old one and
// forgets the first old key entirely; a rotation without grace drops the
// old key. Every hash whose meaning changed is returned.
func TestRotateWithGrace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		nt := customTok("Rotated", "api::a.find")
		tok := mustCreateToken(t, d, nt)
		first, end := tokHash(), tokBase.Add(time.Hour)
		got, old, err := d.RotateToken(ctx, tok.ID, apitoken.Rotation{Hash: first, Hint: "tka_…0001", GraceEndsAt: &end, Now: tokBase}, dbtest.TokenChange())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(old, []string{nt.Hash}) {
			t.Errorf("first rotation: got hashes %q, want [%q]", old, nt.Hash)
		}
		if got.OldKey == nil || got.OldKey.Hint != nt.Hint || !got.OldKey.GraceEndsAt.Equal(utcMicro(end)) || got.KeyHint != "tka_…0001" {
			t.Fatalf("after rotation: got %+v old %+v", got, got.OldKey)
		}
		byOld, err := d.TokenByHash(ctx, nt.Hash)
		if err != nil || byOld.ID != tok.ID || !byOld.ViaOldKey || !slices.Equal(byOld.Permissions, []string{"api::a.find"}) {
			t.Errorf("TokenByHash(old): got %+v, %v, want token %d via the old key with its permissions", byOld, err, tok.ID)
		}
		if byNew, err := d.TokenByHash(ctx, first); err != nil || byNew.ViaOldKey {
			t.Errorf("TokenByHash(new): got %+v, %v, want the token, not via the old key", byNew, err)
		}

		second, end2 := tokHash(), tokBase.Add(24*time.Hour)
		_, old, err = d.RotateToken(ctx, tok.ID, apitoken.Rotation{Hash: second, Hint: "tka_…0002", GraceEndsAt: &end2, Now: tokBase}, dbtest.TokenChange())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(old, []string{first, nt.Hash}) {
			t.Errorf("second rotation: got hashes %q, want [first, original]", old)
		}
		if _, err := d.TokenByHash(ctx, nt.Hash); !errors.Is(err, apitoken.ErrNotFound) {
			t.Errorf("first old key after a second rotation: got %v, want ErrNotFound (one old key at most)", err)
		}
		if byOld, err := d.TokenByHash(ctx, first); err != nil || !byOld.ViaOldKey || !byOld.OldKey.GraceEndsAt.Equal(utcMicro(end2)) {
			t.Errorf("TokenByHash(first): got %+v, %v, want it as the old key with the new grace", byOld, err)
		}

		third := tokHash()
		got, old, err = d.RotateToken(ctx, tok.ID, apitoken.Rotation{Hash: third, Hint: "tka_…0003", Now: tokBase}, dbtest.TokenChange())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(old, []string{second, first}) || got.OldKey != nil {
			t.Errorf("rotation without grace: got hashes %q and old key %+v, want [second, first] and none", old, got.OldKey)
		}
		for _, h := range []string{first, second} {
			if _, err := d.TokenByHash(ctx, h); !errors.Is(err, apitoken.ErrNotFound) {
				t.Errorf("replaced key after an immediate rotation: got %v, want ErrNotFound", err)
			}
		}
	})
}

func TestEndGrace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		nt := newTok("Graced")
		tok := mustCreateToken(t, d, nt)
		if _, _, err := d.EndGrace(ctx, tok.ID, tokBase, dbtest.TokenChange()); !errors.Is(err, apitoken.ErrNoGrace) {
			t.Errorf("no old key: got %v, want ErrNoGrace", err)
		}
		end := tokBase.Add(time.Hour)
		if _, _, err := d.RotateToken(ctx, tok.ID, apitoken.Rotation{Hash: tokHash(), Hint: "tka_…0001", GraceEndsAt: &end, Now: tokBase}, dbtest.TokenChange()); err != nil {
			t.Fatal(err)
		}
		at := tokBase.Add(10 * time.Minute)
		got, old, err := d.EndGrace(ctx, tok.ID, at, dbtest.TokenChange())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(old, []string{nt.Hash}) || got.InGrace(at) || !got.OldKey.GraceEndsAt.Equal(utcMicro(at)) {
			t.Errorf("ended: got hashes %q, old key %+v", old, got.OldKey)
		}
		// The hash stays, so that a late attempt is recognised.
		if byOld, err := d.TokenByHash(ctx, nt.Hash); err != nil || !byOld.ViaOldKey {
			t.Errorf("old key after its grace: got %+v, %v, want the token via the old key", byOld, err)
		}
		if _, _, err := d.EndGrace(ctx, tok.ID, at, dbtest.TokenChange()); !errors.Is(err, apitoken.ErrNoGrace) {
			t.Errorf("twice: got %v, want ErrNoGrace", err)
		}
		if _, _, err := d.EndGrace(ctx, tok.ID+1000, at, dbtest.TokenChange()); !errors.Is(err, apitoken.ErrNotFound) {
			t.Errorf("missing: got %v, want ErrNotFound", err)
		}
	})
}

func TestSetTokenPaused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		nt := customTok("Pausable", "api::a.find", "api::b.create")
		tok := mustCreateToken(t, d, nt)
		before := tokCount(t, d, "audit_events")
		got, hashes, changed, err := d.SetTokenPaused(ctx, tok.ID, true, tokBase, dbtest.TokenChange())
		if err != nil || !changed || !got.Paused || !slices.Equal(hashes, []string{nt.Hash}) {
			t.Fatalf("pause: got paused=%v changed=%v hashes=%q err=%v", got.Paused, changed, hashes, err)
		}
		if byHash, err := d.TokenByHash(ctx, nt.Hash); err != nil || !byHash.Paused || !slices.Equal(byHash.Permissions, nt.Permissions) {
			t.Errorf("paused token by hash: got %+v, %v, want it paused with its permissions", byHash, err)
		}
		if _, _, changed, err := d.SetTokenPaused(ctx, tok.ID, true, tokBase, dbtest.TokenChange()); err != nil || changed {
			t.Errorf("pause twice: got changed=%v err=%v, want no change", changed, err)
		}
		got, _, changed, err = d.SetTokenPaused(ctx, tok.ID, false, tokBase, dbtest.TokenChange())
		if err != nil || !changed || got.Paused {
			t.Fatalf("resume: got paused=%v changed=%v err=%v", got.Paused, changed, err)
		}
		if h := tokHashColumn(t, d, tok.ID); h != nt.Hash {
			t.Errorf("resumed key hash: got %q, want the same key %q", h, nt.Hash)
		}
		if n := tokCount(t, d, "audit_events") - before; n != 2 {
			t.Errorf("audit events: got %d, want 2 (pause and resume, not the no-op)", n)
		}
		if _, _, _, err := d.SetTokenPaused(ctx, tok.ID+1000, true, tokBase, dbtest.TokenChange()); !errors.Is(err, apitoken.ErrNotFound) {
			t.Errorf("missing: got %v, want ErrNotFound", err)
		}
	})
}

// TestWriteUsage: one batch writes last use, the old key's requests and
// refused attempts (with one audit event), and the clients, keeping the
// last five; a deleted token is skipped.
func TestWriteUsage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		tok := mustCreateToken(t, d, newTok("Used"))
		gone := mustCreateToken(t, d, newTok("Gone"))
		end := tokBase.Add(time.Hour)
		if _, _, err := d.RotateToken(ctx, tok.ID, apitoken.Rotation{Hash: tokHash(), Hint: "tka_…0001", GraceEndsAt: &end, Now: tokBase}, dbtest.TokenChange()); err != nil {
			t.Fatal(err)
		}
		if _, _, err := d.DeleteToken(ctx, gone.ID, dbtest.TokenChange()); err != nil {
			t.Fatal(err)
		}
		var clients []apitoken.Client
		for i := range 7 {
			at := tokBase.Add(time.Duration(i) * time.Minute)
			clients = append(clients, apitoken.Client{Address: fmt.Sprintf("192.0.2.%d", i), UserAgent: "agent", FirstSeen: at, LastSeen: at})
		}
		used := tokBase.Add(30 * time.Minute)
		refused := tokBase.Add(2 * time.Hour)
		batch := map[int64]apitoken.Usage{
			tok.ID: {LastUsed: used, OldKeyLastUsed: used, OldKeyRequests: 3, Refused: 2, RefusedAt: refused,
				RefusedFrom: apitoken.Client{Address: "198.51.100.1", UserAgent: "late"}, Clients: clients},
			gone.ID: {LastUsed: used, Clients: clients[:1]},
		}
		if err := d.WriteUsage(ctx, batch); err != nil {
			t.Fatal(err)
		}
		// Again: counts add, times never move back, clients stay five.
		later := clients[6]
		later.LastSeen = tokBase.Add(3 * time.Hour)
		if err := d.WriteUsage(ctx, map[int64]apitoken.Usage{tok.ID: {LastUsed: tokBase, OldKeyLastUsed: tokBase, OldKeyRequests: 1, Clients: []apitoken.Client{later}}}); err != nil {
			t.Fatal(err)
		}
		got := mustTokenByID(t, d, tok.ID)
		assertTime(t, "last used", got.LastUsedAt, &used)
		if o := got.OldKey; o.Requests != 4 || o.Refused != 2 || !o.LastUsedAt.Equal(utcMicro(used)) || !o.RefusedAt.Equal(utcMicro(refused)) {
			t.Errorf("old key: got %+v, want 4 requests last at +30m, 2 refused at +2h", o)
		}
		seen, err := d.TokenClients(ctx, tok.ID)
		if err != nil {
			t.Fatal(err)
		}
		var addrs []string
		for _, c := range seen {
			addrs = append(addrs, c.Address)
		}
		want := []string{"192.0.2.6", "192.0.2.5", "192.0.2.4", "192.0.2.3", "192.0.2.2"}
		if !slices.Equal(addrs, want) {
			t.Errorf("clients: got %q, want %q", addrs, want)
		}
		if !seen[0].FirstSeen.Equal(utcMicro(tokBase.Add(6*time.Minute))) || !seen[0].LastSeen.Equal(utcMicro(later.LastSeen)) {
			t.Errorf("client times: got %v–%v, want first kept, last moved", seen[0].FirstSeen, seen[0].LastSeen)
		}
		if n := tokCount(t, d, "api_token_clients"); n != 5 {
			t.Errorf("client rows: got %d, want 5", n)
		}
		evs, _, err := d.AuditEvents(ctx, audit.Query{Action: audit.TokenOldKeyRefused, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || evs[0].TargetName != "Used" || evs[0].IP != "198.51.100.1" {
			t.Errorf("refused audit events: got %+v, want one for Used from 198.51.100.1", evs)
		}
	})
}

// TestTokenListFilters: the paused and expiring filters narrow the page
// and its count, with the name search and across pages by cursor.
func TestTokenListFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		now := tokBase
		in := func(days int) *time.Time { e := now.Add(time.Duration(days) * 24 * time.Hour); return &e }
		mk := func(name string, exp *time.Time) apitoken.Token {
			nt := newTok(name)
			nt.ExpiresAt = exp
			return mustCreateToken(t, d, nt)
		}
		soon1 := mk("soon one", in(1))
		mk("expired", in(-1))
		mk("later", in(30))
		mk("never", nil)
		soon2 := mk("soon two", in(7))
		edge := mk("soon edge", &[]time.Time{now.Add(7*24*time.Hour + time.Second)}[0])
		if _, _, _, err := d.SetTokenPaused(ctx, soon2.ID, true, now, dbtest.TokenChange()); err != nil {
			t.Fatal(err)
		}
		names := func(q apitoken.ListQuery) []string {
			t.Helper()
			var out []string
			for {
				p, err := d.TokenPage(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, tok := range p.Tokens {
					out = append(out, tok.Name)
				}
				if !p.HasNext {
					return out
				}
				q.After = p.Last
			}
		}
		exp := apitoken.ExpiringWithin(now, 7*24*time.Hour)
		if got := names(apitoken.ListQuery{Sort: apitoken.SortName, Limit: 1, Filter: exp}); !slices.Equal(got, []string{"soon one", "soon two"}) {
			t.Errorf("expiring within 7 days: got %q, want soon one and soon two (not expired, not 7 d + 1 s: %d)", got, edge.ID)
		}
		if got := names(apitoken.ListQuery{Sort: apitoken.SortName, Filter: apitoken.ListFilter{Paused: true}}); !slices.Equal(got, []string{"soon two"}) {
			t.Errorf("paused: got %q", got)
		}
		if got := names(apitoken.ListQuery{Sort: apitoken.SortName, Search: "one", Filter: exp}); !slices.Equal(got, []string{"soon one"}) {
			t.Errorf("expiring and searched: got %q (%d)", got, soon1.ID)
		}
		p, err := d.TokenPage(ctx, apitoken.ListQuery{Sort: apitoken.SortName, Limit: 1, Offset: 1, Filter: exp})
		if err != nil || p.Total.N != 2 || p.Total.Kind != apitoken.CountExact {
			t.Errorf("expiring count: got %+v, %v, want exactly 2", p.Total, err)
		}
		n, err := d.CountTokensExpiring(ctx, now, now.Add(7*24*time.Hour))
		if err != nil || n.N != 2 {
			t.Errorf("CountTokensExpiring: got %+v, %v, want 2", n, err)
		}
	})
}

// TestRecordUsageLifecycle: the recorder's joined batch writes the old
// key's use and the clients in the same transaction as the counts.
func TestRecordUsageLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		tok := mustCreateToken(t, d, newTok("Joined"))
		end := tokBase.Add(time.Hour)
		if _, _, err := d.RotateToken(ctx, tok.ID, apitoken.Rotation{Hash: tokHash(), Hint: "tka_…0002", GraceEndsAt: &end, Now: tokBase}, dbtest.TokenChange()); err != nil {
			t.Fatal(err)
		}
		used := tokBase.Add(10 * time.Minute)
		client := apitoken.Client{Address: "192.0.2.9", UserAgent: "joined", FirstSeen: used, LastSeen: used}
		_, err := d.RecordUsage(ctx, apitoken.UsageBatch{
			LastUsed:  map[int64]time.Time{tok.ID: used},
			Lifecycle: map[int64]apitoken.Usage{tok.ID: {LastUsed: used, OldKeyLastUsed: used, OldKeyRequests: 2, Clients: []apitoken.Client{client}}},
			Counts:    map[apitoken.UsageKey]apitoken.Counts{{Token: tok.ID, Day: apitoken.Day(used)}: {OK: 2}},
		})
		if err != nil {
			t.Fatal(err)
		}
		got := mustTokenByID(t, d, tok.ID)
		assertTime(t, "last used", got.LastUsedAt, &used)
		if got.OldKey == nil || got.OldKey.Requests != 2 {
			t.Errorf("old key: got %+v, want 2 requests", got.OldKey)
		}
		seen, err := d.TokenClients(ctx, tok.ID)
		if err != nil || len(seen) != 1 || seen[0].Address != "192.0.2.9" {
			t.Errorf("clients: got %v, %v", seen, err)
		}
		days, err := d.TokensUsage(ctx, []int64{tok.ID}, apitoken.Day(used))
		if err != nil || len(days[tok.ID]) != 1 || days[tok.ID][0].OK != 2 {
			t.Errorf("counts: got %v, %v", days, err)
		}
	})
}

// The list's filters by state and type, on both databases: expired (at
// the filter's now), never used, and each type, alone and with a search.
func TestTokenPageFiltersByStateAndType(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		now := tokBase.Add(24 * time.Hour)
		mk := func(nt apitoken.NewToken, expires time.Duration, typ apitoken.Type) apitoken.Token {
			if expires != 0 {
				e := now.Add(expires)
				nt.ExpiresAt = &e
			}
			nt.Type = typ
			if typ == apitoken.Custom {
				nt.Permissions = []string{"api::article.article.find"}
			}
			return mustCreateToken(t, d, nt)
		}
		mk(newTok("gone read"), -time.Hour, apitoken.ReadOnly)
		full := mk(newTok("full used"), 30*24*time.Hour, apitoken.FullAccess)
		mk(newTok("custom fresh"), 0, apitoken.Custom)
		mk(newTok("gone full"), -2*time.Hour, apitoken.FullAccess)
		if err := d.TouchTokens(ctx, map[int64]time.Time{full.ID: now}); err != nil {
			t.Fatal(err)
		}
		names := func(f apitoken.ListFilter, search string) []string {
			t.Helper()
			p, err := d.TokenPage(ctx, apitoken.ListQuery{Sort: apitoken.SortName, Search: search, Filter: f})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, tok := range p.Tokens {
				out = append(out, tok.Name)
			}
			return out
		}
		for _, tc := range []struct {
			name   string
			f      apitoken.ListFilter
			search string
			want   []string
		}{
			{"expired", apitoken.ListFilter{Expired: true, Now: now}, "", []string{"gone full", "gone read"}},
			{"never used", apitoken.ListFilter{NeverUsed: true}, "", []string{"custom fresh", "gone full", "gone read"}},
			{"full access", apitoken.ListFilter{Type: apitoken.FullAccess}, "", []string{"full used", "gone full"}},
			{"custom", apitoken.ListFilter{Type: apitoken.Custom}, "", []string{"custom fresh"}},
			{"read-only and searched", apitoken.ListFilter{Type: apitoken.ReadOnly}, "gone", []string{"gone read"}},
			{"expired full access", apitoken.ListFilter{Expired: true, Now: now, Type: apitoken.FullAccess}, "", []string{"gone full"}},
		} {
			if got := names(tc.f, tc.search); !slices.Equal(got, tc.want) {
				t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
			}
		}
	})
}

func TestExpiredTokenIDs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		now := tokBase.Add(24 * time.Hour)
		var want []int64
		for i, exp := range []time.Duration{-time.Hour, time.Hour, -48 * time.Hour, 0, -time.Minute} {
			nt := newTok(fmt.Sprintf("t%d", i))
			if exp != 0 {
				e := now.Add(exp)
				nt.ExpiresAt = &e
			}
			tok := mustCreateToken(t, d, nt)
			if exp < 0 {
				want = append(want, tok.ID)
			}
		}
		got, err := d.ExpiredTokenIDs(t.Context(), now, 10)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("expired ids: got %v (%v), want %v", got, err, want)
		}
		if got, _ := d.ExpiredTokenIDs(t.Context(), now, 2); !slices.Equal(got, want[:2]) {
			t.Errorf("limited to 2: got %v", got)
		}
	})
}
