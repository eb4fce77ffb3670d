package db_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// tokBase is the clock the token tests start from: a time with
// nanoseconds, in a zone other than UTC, so that the store's conversion to
// UTC and microseconds is exercised.
var tokBase = time.Date(2025, 3, 4, 10, 11, 12, 123456789, time.FixedZone("UTC+5", 5*60*60))

// tokHash returns a random stand-in for a key's hash, unique per call.
func tokHash() string {
	b := make([]byte, 16)
	rand.Read(b) // never returns an error
	return hex.EncodeToString(b)
}

// newTok returns a read-only token to create, with a fresh hash.
func newTok(name string) apitoken.NewToken {
	h := tokHash()
	return apitoken.NewToken{
		Clean: apitoken.Clean{Name: name, Type: apitoken.ReadOnly},
		Hash:  h, Hint: "tka_…" + h[:4], Now: tokBase,
	}
}

func customTok(name string, perms ...string) apitoken.NewToken {
	nt := newTok(name)
	nt.Type = apitoken.Custom
	nt.Permissions = perms
	return nt
}

func mustCreateToken(t *testing.T, d *db.DB, nt apitoken.NewToken) apitoken.Token {
	t.Helper()
	tok, err := d.CreateToken(t.Context(), nt, dbtest.TokenChange())
	if err != nil {
		t.Fatalf("CreateToken(%q): %v", nt.Name, err)
	}
	return tok
}

func mustTokenByID(t *testing.T, d *db.DB, id int64) apitoken.Token {
	t.Helper()
	tok, err := d.TokenByID(t.Context(), id)
	if err != nil {
		t.Fatalf("TokenByID(%d): %v", id, err)
	}
	return tok
}

// tokPermRows reads token id's permission rows straight from the table.
func tokPermRows(t *testing.T, d *db.DB, id int64) []string {
	t.Helper()
	var perms []string
	err := d.SelectContext(t.Context(), &perms, d.Rebind(`SELECT action FROM api_token_permissions WHERE token_id = ? ORDER BY action`), id)
	if err != nil {
		t.Fatal(err)
	}
	return perms
}

// tokCount counts the rows of table.
func tokCount(t *testing.T, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.GetContext(t.Context(), &n, `SELECT COUNT(*) FROM `+table); err != nil {
		t.Fatal(err)
	}
	return n
}

// tokHashColumn reads token id's access_key_hash straight from the table.
func tokHashColumn(t *testing.T, d *db.DB, id int64) string {
	t.Helper()
	var h string
	if err := d.GetContext(t.Context(), &h, d.Rebind(`SELECT access_key_hash FROM api_tokens WHERE id = ?`), id); err != nil {
		t.Fatal(err)
	}
	return h
}

// utcMicro is t as the store keeps it.
func utcMicro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// assertTime checks that got is in UTC and equals want at microsecond
// precision; nil means no time.
func assertTime(t *testing.T, what string, got, want *time.Time) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil:
		t.Errorf("%s: got %v, want %v", what, got, want)
	case got.Location() != time.UTC:
		t.Errorf("%s: got location %v, want UTC", what, got.Location())
	case !got.Equal(utcMicro(*want)):
		t.Errorf("%s: got %v, want %v", what, got, utcMicro(*want))
	}
}

// assertSameToken checks that got is want as stored, field by field.
func assertSameToken(t *testing.T, what string, got, want apitoken.Token) {
	t.Helper()
	if got.ID != want.ID || got.Name != want.Name || got.Description != want.Description ||
		got.Type != want.Type || got.KeyHint != want.KeyHint || !slices.Equal(got.Permissions, want.Permissions) ||
		!got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("%s: got %+v, want %+v", what, got, want)
	}
	assertTime(t, what+" ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	assertTime(t, what+" LastUsedAt", got.LastUsedAt, want.LastUsedAt)
	if (got.CreatedBy == nil) != (want.CreatedBy == nil) || (got.CreatedBy != nil && *got.CreatedBy != *want.CreatedBy) {
		t.Errorf("%s: got CreatedBy %v, want %v", what, got.CreatedBy, want.CreatedBy)
	}
}

func TestCreateToken(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		admin := firstAdmin(t, d)
		key, err := apitoken.Generate()
		if err != nil {
			t.Fatal(err)
		}
		hash := apitoken.NewHasher([]byte("test secret")).Hash(key)
		exp := tokBase.Add(30 * 24 * time.Hour)
		nt := apitoken.NewToken{
			Clean: apitoken.Clean{
				Name: "Deploy bot", Description: "Ships things.", Type: apitoken.Custom,
				Permissions: []string{"api::b.find", "api::a.create", "api::a.find"},
			},
			Hash: hash, Hint: apitoken.Hint(key), ExpiresAt: &exp, CreatedBy: &admin.ID, Now: tokBase,
		}
		tok, err := d.CreateToken(ctx, nt, dbtest.TokenChange())
		if err != nil {
			t.Fatal(err)
		}
		if tok.ID == 0 || tok.Name != "Deploy bot" || tok.Description != "Ships things." || tok.Type != apitoken.Custom {
			t.Errorf("got %+v, want the submitted name, description and type with an id", tok)
		}
		if want := []string{"api::a.create", "api::a.find", "api::b.find"}; !slices.Equal(tok.Permissions, want) {
			t.Errorf("got permissions %q, want %q", tok.Permissions, want)
		}
		if tok.KeyHint != apitoken.Hint(key) {
			t.Errorf("got KeyHint %q, want %q", tok.KeyHint, apitoken.Hint(key))
		}
		assertTime(t, "ExpiresAt", tok.ExpiresAt, &exp)
		assertTime(t, "LastUsedAt", tok.LastUsedAt, nil)
		assertTime(t, "CreatedAt", &tok.CreatedAt, &tokBase)
		assertTime(t, "UpdatedAt", &tok.UpdatedAt, &tokBase)
		if tok.CreatedBy == nil || *tok.CreatedBy != admin.ID {
			t.Errorf("got CreatedBy %v, want %d", tok.CreatedBy, admin.ID)
		}
		assertSameToken(t, "TokenByID", mustTokenByID(t, d, tok.ID), tok)

		// The store is given only the hash, and stores exactly that.
		if got := tokHashColumn(t, d, tok.ID); got != hash {
			t.Errorf("got access_key_hash %q, want %q", got, hash)
		}
		rows, err := d.QueryxContext(ctx, d.Rebind(`SELECT * FROM api_tokens WHERE id = ?`), tok.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		secret := key[len(apitoken.Prefix) : len(key)-4] // all of the key the hint does not show
		for rows.Next() {
			cols, err := rows.SliceScan()
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range cols {
				s := fmt.Sprint(c)
				if b, ok := c.([]byte); ok {
					s = string(b)
				}
				if strings.Contains(s, secret) {
					t.Errorf("column %d holds the key: %q", i, s)
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}

		// No creator, no expiry, no permissions.
		for _, typ := range []apitoken.Type{apitoken.ReadOnly, apitoken.FullAccess} {
			nt := newTok("Plain " + string(typ))
			nt.Type = typ
			tok := mustCreateToken(t, d, nt)
			if tok.Type != typ || tok.CreatedBy != nil || tok.ExpiresAt != nil || len(tok.Permissions) != 0 {
				t.Errorf("got %+v, want type %s, no creator, expiry or permissions", tok, typ)
			}
		}
	})
}

func TestCreateTokenDuplicatePermissions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		tok, err := d.CreateToken(t.Context(), customTok("Dupes", "api::a.find", "api::a.find", "api::a.create"), dbtest.TokenChange())
		if err != nil {
			t.Fatalf("CreateToken with a repeated permission: got %v, want nil", err)
		}
		if want := []string{"api::a.create", "api::a.find"}; !slices.Equal(tok.Permissions, want) {
			t.Errorf("got permissions %q, want %q", tok.Permissions, want)
		}
	})
}

func TestTokenNameUnique(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		for _, pair := range [][2]string{{"Deploy", "deploy"}, {"Ärger", "ärger"}, {"ÅSA", "åsa"}, {"ça", "ÇA"}} {
			mustCreateToken(t, d, newTok(pair[0]))
			_, err := d.CreateToken(t.Context(), newTok(pair[1]), dbtest.TokenChange())
			if !errors.Is(err, apitoken.ErrNameTaken) {
				t.Errorf("CreateToken(%q) after %q: got %v, want ErrNameTaken", pair[1], pair[0], err)
			}
		}
		// Names that only look alike are different names.
		mustCreateToken(t, d, newTok("Arger"))
		mustCreateToken(t, d, newTok("Deploy 2"))
		if n := tokCount(t, d, "api_tokens"); n != 6 {
			t.Errorf("got %d tokens, want 6", n)
		}
	})
}

func TestCreateTokenRace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		const n, rounds = 8, 3
		warmPool(t, d, n)
		names := []string{"Race", "race", "RACE", "rAcE"}
		for round := range rounds {
			if _, err := d.ExecContext(t.Context(), "DELETE FROM api_tokens"); err != nil {
				t.Fatal(err)
			}
			start := make(chan struct{})
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					<-start
					nt := customTok(names[i%len(names)], "api::a.find", fmt.Sprintf("api::racer%d.find", i))
					_, errs[i] = d.CreateToken(t.Context(), nt, dbtest.TokenChange())
				})
			}
			close(start)
			wg.Wait()

			ok := 0
			for i, err := range errs {
				switch {
				case err == nil:
					ok++
				case !errors.Is(err, apitoken.ErrNameTaken):
					t.Errorf("round %d, racer %d: got %v, want nil or ErrNameTaken", round, i, err)
				}
			}
			if ok != 1 {
				t.Errorf("round %d: got %d successful creates, want 1", round, ok)
			}
			if c := tokCount(t, d, "api_tokens"); c != 1 {
				t.Errorf("round %d: got %d token rows, want 1", round, c)
			}
			if c := tokCount(t, d, "api_token_permissions"); c != 2 {
				t.Errorf("round %d: got %d permission rows, want 2 (the winner's)", round, c)
			}
		}
	})
}

func TestCreateTokenIsAtomic(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		// The empty action violates CHECK (action <> ''), after the token
		// row and a first permission are written.
		_, err := d.CreateToken(t.Context(), customTok("Broken", "api::a.find", ""), dbtest.TokenChange())
		if err == nil {
			t.Fatal("CreateToken with an empty action: got nil error, want one")
		}
		if errors.Is(err, apitoken.ErrNameTaken) {
			t.Errorf("CreateToken with an empty action: got %v, want an error other than ErrNameTaken", err)
		}
		if n := tokCount(t, d, "api_tokens"); n != 0 {
			t.Errorf("after a failed create: got %d token rows, want 0", n)
		}
		if n := tokCount(t, d, "api_token_permissions"); n != 0 {
			t.Errorf("after a failed create: got %d permission rows, want 0", n)
		}
		// The name was not kept either.
		mustCreateToken(t, d, customTok("broken", "api::a.find"))
	})
}

func TestTokenLookups(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		nt := customTok("Lookup", "api::b.find", "api::a.find")
		tok := mustCreateToken(t, d, nt)
		other := mustCreateToken(t, d, newTok("Other"))

		got, err := d.TokenByID(ctx, tok.ID)
		if err != nil {
			t.Fatal(err)
		}
		assertSameToken(t, "TokenByID", got, tok)
		got, err = d.TokenByHash(ctx, nt.Hash)
		if err != nil {
			t.Fatal(err)
		}
		assertSameToken(t, "TokenByHash", got, tok)
		if got, err := d.TokenByID(ctx, other.ID); err != nil || got.Name != "Other" {
			t.Errorf("TokenByID(other): got %+v, %v, want Other", got, err)
		}

		if _, err := d.TokenByID(ctx, other.ID+1000); !errors.Is(err, apitoken.ErrNotFound) {
			t.Errorf("TokenByID(missing): got %v, want ErrNotFound", err)
		}
		if _, err := d.TokenByHash(ctx, tokHash()); !errors.Is(err, apitoken.ErrNotFound) {
			t.Errorf("TokenByHash(missing): got %v, want ErrNotFound", err)
		}
		if _, err := d.TokenByHash(ctx, ""); !errors.Is(err, apitoken.ErrNotFound) {
			t.Errorf("TokenByHash(empty): got %v, want ErrNotFound", err)
		}
	})
}

// tokIDs lists the ids of toks in order.
func tokIDs(toks []apitoken.Token) []int64 {
	ids := make([]int64, len(toks))
	for i, t := range toks {
		ids[i] = t.ID
	}
	return ids
}

func tokNames(toks []apitoken.Token) []string {
	names := make([]string, len(toks))
	for i, t := range toks {
		names[i] = t.Name
	}
	return names
}

func TestTokensList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		const n = 30
		var seeded []apitoken.Token
		used := map[int64]time.Time{}
		for i := range n {
			// Name, creation and last-use orders all differ from the id
			// order and from each other; the names' raw byte order
			// differs from their case-insensitive order.
			name := fmt.Sprintf("%c%02d", 'a'+(i*7)%26, i)
			if i%2 == 0 {
				name = strings.ToUpper(name[:1]) + name[1:]
			}
			nt := newTok(name)
			switch i % 3 {
			case 1:
				nt.Type = apitoken.FullAccess
			case 2:
				nt.Type = apitoken.Custom
				nt.Permissions = []string{fmt.Sprintf("api::t%02d.find", i), "api::shared.create"}
			}
			// Steps of 1.25s give whole and fractional seconds of
			// different lengths, which SQLite compares as text.
			nt.Now = base.Add(time.Duration((i*11)%n) * 1250 * time.Millisecond)
			tok := mustCreateToken(t, d, nt)
			if i%3 == 0 {
				at := base.Add(time.Hour + time.Duration((i*7)%n)*750*time.Millisecond)
				used[tok.ID] = at
				tok.LastUsedAt = &at
			}
			seeded = append(seeded, tok)
		}
		if err := d.TouchTokens(ctx, used); err != nil {
			t.Fatal(err)
		}

		list := func(q apitoken.ListQuery) ([]apitoken.Token, int) {
			t.Helper()
			toks, total, err := d.Tokens(ctx, q)
			if err != nil {
				t.Fatalf("Tokens(%+v): %v", q, err)
			}
			return toks, total
		}

		// Every token comes back as stored, with its permissions and
		// last use.
		all, total := list(apitoken.ListQuery{Limit: 100})
		if total != n || len(all) != n {
			t.Fatalf("got %d tokens of %d, want %d of %d", len(all), total, n, n)
		}
		byID := map[int64]apitoken.Token{}
		for _, tok := range all {
			byID[tok.ID] = tok
		}
		for _, want := range seeded {
			assertSameToken(t, "listed "+want.Name, byID[want.ID], want)
		}

		byName := tokenOrder(apitoken.SortName, false)
		for _, c := range []struct {
			sort  string
			desc  bool
			order func(a, b apitoken.Token) int
		}{
			{"", false, byName},
			{apitoken.SortName, false, byName},
			{apitoken.SortName, true, tokenOrder(apitoken.SortName, true)},
			{apitoken.SortCreated, false, tokenOrder(apitoken.SortCreated, false)},
			{apitoken.SortCreated, true, tokenOrder(apitoken.SortCreated, true)},
			{apitoken.SortLastUsed, false, tokenOrder(apitoken.SortLastUsed, false)},
			{apitoken.SortLastUsed, true, tokenOrder(apitoken.SortLastUsed, true)},
		} {
			want := slices.SortedFunc(slices.Values(seeded), c.order)
			got, _ := list(apitoken.ListQuery{Sort: c.sort, Desc: c.desc, Limit: 100})
			if !slices.Equal(tokIDs(got), tokIDs(want)) {
				t.Errorf("sort %q desc %v: got %q, want %q", c.sort, c.desc, tokNames(got), tokNames(want))
			}
		}

		// Paging, in the default name order.
		want := slices.SortedFunc(slices.Values(seeded), byName)
		page, total := list(apitoken.ListQuery{Limit: 25})
		if total != n || !slices.Equal(tokIDs(page), tokIDs(want[:25])) {
			t.Errorf("first page: got %q of %d, want %q of %d", tokNames(page), total, tokNames(want[:25]), n)
		}
		page, total = list(apitoken.ListQuery{Limit: 25, Offset: 25})
		if total != n || !slices.Equal(tokIDs(page), tokIDs(want[25:])) {
			t.Errorf("second page: got %q of %d, want %q of %d", tokNames(page), total, tokNames(want[25:]), n)
		}
		page, total = list(apitoken.ListQuery{Limit: 25, Offset: 50})
		if total != n || len(page) != 0 {
			t.Errorf("past the end: got %q of %d, want none of %d", tokNames(page), total, n)
		}
		page, _ = list(apitoken.ListQuery{})
		if len(page) != apitoken.PageSize {
			t.Errorf("no limit: got %d tokens, want PageSize (%d)", len(page), apitoken.PageSize)
		}
	})
}

func TestTokensSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		perms := map[string][]string{}
		for i, name := range []string{
			"50% off", "50x off", "a_b token", "axb token", `back\slash`, "backxslash",
			"Ärger", "Deploy Prod", "deploy staging", "PRODUCTION",
		} {
			perms[name] = []string{fmt.Sprintf("api::p%d.find", i)}
			mustCreateToken(t, d, customTok(name, perms[name]...))
		}
		for _, c := range []struct {
			search string
			want   []string
		}{
			{"50%", []string{"50% off"}},
			{"%", []string{"50% off"}},
			{"A_B", []string{"a_b token"}},
			{"_", []string{"a_b token"}},
			{`\`, []string{`back\slash`}},
			{`K\S`, []string{`back\slash`}},
			{"DEPLOY", []string{"Deploy Prod", "deploy staging"}},
			{"prod", []string{"Deploy Prod", "PRODUCTION"}},
			{"ÄRG", []string{"Ärger"}},
			{"  ärg  ", []string{"Ärger"}},
			{"zzz", nil},
		} {
			got, total, err := d.Tokens(t.Context(), apitoken.ListQuery{Search: c.search, Limit: 100})
			if err != nil {
				t.Fatalf("Tokens(search %q): %v", c.search, err)
			}
			if !slices.Equal(tokNames(got), c.want) || total != len(c.want) {
				t.Errorf("search %q: got %q (total %d), want %q", c.search, tokNames(got), total, c.want)
			}
			for _, tok := range got {
				if want := perms[tok.Name]; !slices.Equal(tok.Permissions, want) {
					t.Errorf("search %q: %q has permissions %q, want %q", c.search, tok.Name, tok.Permissions, want)
				}
			}
		}
		// The total counts all matches, not the page.
		got, total, err := d.Tokens(t.Context(), apitoken.ListQuery{Search: "O", Limit: 2, Offset: 1})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"50x off", "a_b token"}; !slices.Equal(tokNames(got), want) || total != 7 {
			t.Errorf("search O, page 2 of 2: got %q (total %d), want %q (total 7)", tokNames(got), total, want)
		}
	})
}

func TestUpdateToken(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		exp := tokBase.Add(7 * 24 * time.Hour)
		nt := customTok("Ops", "api::b.find", "api::a.find")
		nt.Description = "Before."
		nt.ExpiresAt = &exp
		tok := mustCreateToken(t, d, nt)
		neighbour := mustCreateToken(t, d, customTok("Neighbour", "api::a.find", "api::n.find"))
		if err := d.TouchTokens(ctx, map[int64]time.Time{tok.ID: tokBase.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		tok = mustTokenByID(t, d, tok.ID)

		// Fields and permissions change; without ResetExpiry the expiry
		// given is ignored.
		other := tokBase.Add(90 * 24 * time.Hour)
		now := tokBase.Add(time.Hour + 987654321)
		got, oldHash, err := d.UpdateToken(ctx, tok.ID, apitoken.Change{
			Clean: apitoken.Clean{
				Name: "Operations", Description: "After.", Type: apitoken.Custom,
				Permissions: []string{"api::c.find", "api::a.find", "api::c.find"},
			},
			ExpiresAt: &other, Now: now,
		}, dbtest.TokenChange())
		if err != nil {
			t.Fatal(err)
		}
		if len(oldHash) != 1 || oldHash[0] != nt.Hash {
			t.Errorf("got old hashes %q, want [%q]", oldHash, nt.Hash)
		}
		want := tok
		want.Name, want.Description, want.Permissions, want.UpdatedAt = "Operations", "After.", []string{"api::a.find", "api::c.find"}, utcMicro(now)
		assertSameToken(t, "updated", got, want)
		assertSameToken(t, "TokenByID after update", mustTokenByID(t, d, tok.ID), want)
		if rows := tokPermRows(t, d, tok.ID); !slices.Equal(rows, want.Permissions) {
			t.Errorf("got permission rows %q, want %q", rows, want.Permissions)
		}
		if rows, w := tokPermRows(t, d, neighbour.ID), []string{"api::a.find", "api::n.find"}; !slices.Equal(rows, w) {
			t.Errorf("neighbour's permission rows: got %q, want %q", rows, w)
		}

		change := func(c apitoken.Change) apitoken.Token {
			t.Helper()
			c.Now = tokBase.Add(2 * time.Hour)
			got, _, err := d.UpdateToken(ctx, tok.ID, c, dbtest.TokenChange())
			if err != nil {
				t.Fatalf("UpdateToken(%+v): %v", c, err)
			}
			return got
		}
		keep := apitoken.Clean{Name: "Operations", Description: "After.", Type: apitoken.Custom, Permissions: []string{"api::a.find", "api::c.find"}}

		// ResetExpiry applies the expiry given, nil included.
		got = change(apitoken.Change{Clean: keep, ResetExpiry: true, ExpiresAt: &other})
		assertTime(t, "ExpiresAt after reset", got.ExpiresAt, &other)
		got = change(apitoken.Change{Clean: keep, ResetExpiry: true})
		assertTime(t, "ExpiresAt after reset to unlimited", got.ExpiresAt, nil)
		got = change(apitoken.Change{Clean: keep, ExpiresAt: &exp})
		assertTime(t, "ExpiresAt without reset after unlimited", got.ExpiresAt, nil)

		// A new custom set replaces the old one exactly.
		c := keep
		c.Permissions = []string{"api::d.find"}
		got = change(apitoken.Change{Clean: c})
		if rows := tokPermRows(t, d, tok.ID); !slices.Equal(rows, c.Permissions) || !slices.Equal(got.Permissions, c.Permissions) {
			t.Errorf("replaced set: got rows %q and permissions %q, want %q", rows, got.Permissions, c.Permissions)
		}

		// Leaving custom empties the set, even if permissions are passed.
		for _, typ := range []apitoken.Type{apitoken.ReadOnly, apitoken.FullAccess} {
			change(apitoken.Change{Clean: c}) // custom again, with a permission
			nc := c
			nc.Type = typ
			got = change(apitoken.Change{Clean: nc})
			if rows := tokPermRows(t, d, tok.ID); got.Type != typ || len(rows) != 0 || len(got.Permissions) != 0 {
				t.Errorf("custom → %s: got type %s, rows %q, permissions %q, want %s and none", typ, got.Type, rows, got.Permissions, typ)
			}
		}
		if rows, w := tokPermRows(t, d, neighbour.ID), []string{"api::a.find", "api::n.find"}; !slices.Equal(rows, w) {
			t.Errorf("neighbour's permission rows: got %q, want %q", rows, w)
		}

		// A name can change case; it cannot become another token's.
		change(apitoken.Change{Clean: c})
		c.Name = "OPERATIONS"
		if got := change(apitoken.Change{Clean: c}); got.Name != "OPERATIONS" {
			t.Errorf("recased name: got %q, want OPERATIONS", got.Name)
		}
		before := mustTokenByID(t, d, tok.ID)
		for _, name := range []string{"Neighbour", "nEIGHBOUR"} {
			_, _, err := d.UpdateToken(ctx, tok.ID, apitoken.Change{
				Clean:       apitoken.Clean{Name: name, Description: "Changed.", Type: apitoken.Custom, Permissions: []string{"api::z.find"}},
				ResetExpiry: true, ExpiresAt: &other, Now: tokBase.Add(3 * time.Hour),
			}, dbtest.TokenChange())
			if !errors.Is(err, apitoken.ErrNameTaken) {
				t.Errorf("rename to %q: got %v, want ErrNameTaken", name, err)
			}
			assertSameToken(t, "after rename to "+name, mustTokenByID(t, d, tok.ID), before)
			if rows := tokPermRows(t, d, tok.ID); !slices.Equal(rows, before.Permissions) {
				t.Errorf("after rename to %q: got permission rows %q, want %q", name, rows, before.Permissions)
			}
		}
		assertSameToken(t, "neighbour", mustTokenByID(t, d, neighbour.ID), neighbour)

		if _, _, err := d.UpdateToken(ctx, neighbour.ID+1000, apitoken.Change{Clean: keep, Now: tokBase}, dbtest.TokenChange()); !errors.Is(err, apitoken.ErrNotFound) {
			t.Errorf("UpdateToken(missing): got %v, want ErrNotFound", err)
		}
	})
}

func TestRegenerateToken(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		exp := tokBase.Add(30 * 24 * time.Hour)
		nt := customTok("Regen", "api::a.find")
		nt.ExpiresAt = &exp
		tok := mustCreateToken(t, d, nt)

		hash, at := tokHash(), tokBase.Add(time.Hour+1500)
		got, old, err := d.RegenerateToken(ctx, tok.ID, hash, "tka_…new1", at, dbtest.TokenChange())
		if err != nil {
			t.Fatal(err)
		}
		if len(old) != 1 || old[0] != nt.Hash {
			t.Errorf("got old hashes %q, want [%q]", old, nt.Hash)
		}
		want := tok
		want.KeyHint, want.UpdatedAt = "tka_…new1", utcMicro(at)
		assertSameToken(t, "regenerated", got, want)
		if h := tokHashColumn(t, d, tok.ID); h != hash {
			t.Errorf("got access_key_hash %q, want %q", h, hash)
		}
		if _, err := d.TokenByHash(ctx, old[0]); !errors.Is(err, apitoken.ErrNotFound) {
			t.Errorf("TokenByHash(old): got %v, want ErrNotFound", err)
		}
		if got, err := d.TokenByHash(ctx, hash); err != nil || got.ID != tok.ID {
			t.Errorf("TokenByHash(new): got %+v, %v, want token %d", got, err, tok.ID)
		}

		if _, _, err := d.RegenerateToken(ctx, tok.ID+1000, tokHash(), "tka_…x", at, dbtest.TokenChange()); !errors.Is(err, apitoken.ErrNotFound) {
			t.Errorf("RegenerateToken(missing): got %v, want ErrNotFound", err)
		}
	})
}

func TestDeleteToken(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		nt := customTok("Doomed", "api::a.find", "api::b.find")
		tok := mustCreateToken(t, d, nt)
		keep := mustCreateToken(t, d, customTok("Kept", "api::a.find"))

		_, hash, err := d.DeleteToken(ctx, tok.ID, dbtest.TokenChange())
		if err != nil {
			t.Fatal(err)
		}
		if len(hash) != 1 || hash[0] != nt.Hash {
			t.Errorf("got hashes %q, want [%q]", hash, nt.Hash)
		}
		if rows := tokPermRows(t, d, tok.ID); len(rows) != 0 {
			t.Errorf("deleted token's permission rows: got %q, want none", rows)
		}
		if _, err := d.TokenByID(ctx, tok.ID); !errors.Is(err, apitoken.ErrNotFound) {
			t.Errorf("TokenByID(deleted): got %v, want ErrNotFound", err)
		}
		if _, err := d.TokenByHash(ctx, nt.Hash); !errors.Is(err, apitoken.ErrNotFound) {
			t.Errorf("TokenByHash(deleted): got %v, want ErrNotFound", err)
		}
		if _, _, err := d.DeleteToken(ctx, tok.ID, dbtest.TokenChange()); !errors.Is(err, apitoken.ErrNotFound) {
			t.Errorf("DeleteToken(deleted): got %v, want ErrNotFound", err)
		}
		assertSameToken(t, "kept", mustTokenByID(t, d, keep.ID), keep)
		if rows := tokPermRows(t, d, keep.ID); !slices.Equal(rows, []string{"api::a.find"}) {
			t.Errorf("kept token's permission rows: got %q, want [api::a.find]", rows)
		}
		// The name is free again.
		mustCreateToken(t, d, newTok("doomed"))
	})
}

func TestTouchTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		a := mustCreateToken(t, d, newTok("A"))
		b := mustCreateToken(t, d, newTok("B"))
		lastUsed := func(id int64) *time.Time { t.Helper(); return mustTokenByID(t, d, id).LastUsedAt }

		if err := d.TouchTokens(ctx, map[int64]time.Time{}); err != nil {
			t.Errorf("TouchTokens(empty): got %v, want nil", err)
		}
		if err := d.TouchTokens(ctx, nil); err != nil {
			t.Errorf("TouchTokens(nil): got %v, want nil", err)
		}
		assertTime(t, "LastUsedAt untouched", lastUsed(a.ID), nil)

		// Whole and fractional seconds, which SQLite compares as text.
		sec := time.Date(2025, 5, 6, 7, 8, 9, 0, time.UTC)
		half := sec.Add(500 * time.Millisecond)
		steps := []struct {
			at, want time.Time
		}{
			{half.In(tokBase.Location()).Add(999), half}, // first use; nanoseconds dropped
			{sec, half},                         // older: ignored
			{half.Add(-time.Microsecond), half}, // older: ignored
			{half, half},                        // same: unchanged
			{sec.Add(time.Second), sec.Add(time.Second)},
			{sec.Add(time.Second + time.Microsecond), sec.Add(time.Second + time.Microsecond)},
			{sec.Add(-time.Hour), sec.Add(time.Second + time.Microsecond)},
		}
		for i, s := range steps {
			// Unknown ids in the same batch are ignored.
			if err := d.TouchTokens(ctx, map[int64]time.Time{a.ID: s.at, b.ID + 1000: s.at}); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			assertTime(t, fmt.Sprintf("step %d: LastUsedAt", i), lastUsed(a.ID), &s.want)
		}
		assertTime(t, "LastUsedAt of another token", lastUsed(b.ID), nil)
		if got := mustTokenByID(t, d, a.ID); !got.UpdatedAt.Equal(a.UpdatedAt) {
			t.Errorf("UpdatedAt after touches: got %v, want unchanged %v", got.UpdatedAt, a.UpdatedAt)
		}
	})
}

// TestTouchTokensConcurrentBatches: two instances flushing last-used
// times for the same tokens at once. On PostgreSQL each UPDATE locks its
// row until the transaction ends, so two batches that lock rows in
// different orders deadlock (one fails with "deadlock detected"); in token
// order they only queue.
func TestTouchTokensConcurrentBatches(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		used := map[int64]time.Time{}
		for i := range 64 {
			used[mustCreateToken(t, d, newTok("touch "+strconv.Itoa(i))).ID] = tokBase
		}
		for round := range 5 {
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for w := range errs {
				batch := make(map[int64]time.Time, len(used))
				for id := range used {
					batch[id] = tokBase.Add(time.Duration(round*2+w+1) * time.Second)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[w] = d.TouchTokens(ctx, batch)
				}()
			}
			wg.Wait()
			for w, err := range errs {
				if err != nil {
					t.Fatalf("round %d, instance %d: %v", round, w, err)
				}
			}
		}
		for id := range used {
			if got := mustTokenByID(t, d, id).LastUsedAt; got == nil || !got.Equal(tokBase.Add(10*time.Second).Truncate(time.Microsecond)) {
				t.Fatalf("token %d: last used %v, want the latest batch's", id, got)
			}
		}
	})
}
