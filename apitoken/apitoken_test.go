package apitoken

import (
	"errors"
	"hash/crc32"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestGenerateShapeAndUniqueness(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		k, err := Generate()
		if err != nil {
			t.Fatal(err)
		}
		if len(k) != KeyLen || !strings.HasPrefix(k, "tka_") {
			t.Fatalf("key %q: length %d, want %d with prefix tka_", k, len(k), KeyLen)
		}
		if err := Parse(k); err != nil {
			t.Fatalf("Parse(Generate()) = %v", err)
		}
		if seen[k] {
			t.Fatal("duplicate key")
		}
		seen[k] = true
	}
}

func TestGenerateUsesTheWholeAlphabet(t *testing.T) {
	// 32 random bytes in base62 must vary in every body position except
	// possibly the first (62^43 is barely above 2^256).
	first := map[byte]bool{}
	counts := map[byte]int{}
	for range 300 {
		k, _ := Generate()
		first[k[len(Prefix)+1]] = true
		for i := len(Prefix); i < len(Prefix)+bodyLen; i++ {
			counts[k[i]]++
		}
	}
	if len(counts) != 62 {
		t.Errorf("body uses %d distinct characters, want 62", len(counts))
	}
	if len(first) < 30 {
		t.Errorf("second body character took only %d values in 300 keys", len(first))
	}
}

func TestParseRejects(t *testing.T) {
	good, _ := Generate()
	flip := func(i int) string {
		b := []byte(good)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	cases := map[string]string{
		"empty":            "",
		"short":            good[:KeyLen-1],
		"long":             good + "0",
		"wrong prefix":     "tkb_" + good[4:],
		"bad character":    good[:10] + "-" + good[11:],
		"body changed":     flip(10),
		"checksum changed": flip(KeyLen - 1),
		"strapi hex key":   strings.Repeat("ab", 128),
	}
	for name, k := range cases {
		if err := Parse(k); !errors.Is(err, ErrMalformedKey) {
			t.Errorf("%s: Parse = %v, want ErrMalformedKey", name, err)
		}
	}
}

func TestHint(t *testing.T) {
	k, _ := Generate()
	h := Hint(k)
	if h != "tka_…"+k[len(k)-4:] {
		t.Errorf("Hint = %q", h)
	}
	if strings.Contains(h, k[4:12]) {
		t.Error("hint reveals the key body")
	}
}

func TestHasher(t *testing.T) {
	a := NewHasher([]byte("key-a-key-a-key-a-key-a-key-a-12"))
	b := NewHasher([]byte("key-b-key-b-key-b-key-b-key-b-12"))
	k, _ := Generate()
	if a.Hash(k) != a.Hash(k) {
		t.Error("hash not stable")
	}
	if a.Hash(k) == b.Hash(k) {
		t.Error("different secrets give the same hash")
	}
	if len(a.Hash(k)) != 64 || strings.Contains(a.Hash(k), k[4:]) {
		t.Errorf("hash %q", a.Hash(k))
	}
	// HMAC-SHA256 known answer (RFC 4231 test case 2).
	if got := NewHasher([]byte("Jefe")).Hash("what do ya want for nothing?"); got != "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" {
		t.Errorf("HMAC-SHA256 known answer: %s", got)
	}
}

func TestAllows(t *testing.T) {
	find, findOne, create := "api::article.article.find", "api::article.article.findOne", "api::article.article.create"
	cases := []struct {
		typ    Type
		perms  []string
		action string
		want   bool
	}{
		{ReadOnly, nil, find, true},
		{ReadOnly, nil, findOne, true},
		{ReadOnly, nil, create, false},
		{ReadOnly, []string{create}, create, false},
		{FullAccess, nil, create, true},
		{Custom, []string{find}, find, true},
		{Custom, []string{find}, findOne, false},
		{Custom, nil, find, false},
		{Type("admin"), nil, find, false},
	}
	for _, tc := range cases {
		if got := Allows(tc.typ, tc.perms, tc.action); got != tc.want {
			t.Errorf("Allows(%s, %v, %s) = %v, want %v", tc.typ, tc.perms, tc.action, got, tc.want)
		}
	}
}

func TestDurationsAndExpiry(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	if got := Days30.ExpiresAt(now); got == nil || !got.Equal(now.Add(30*24*time.Hour)) {
		t.Errorf("30 days: %v", got)
	}
	if Unlimited.ExpiresAt(now) != nil {
		t.Error("unlimited expires")
	}
	exp := now.Add(time.Hour)
	tok := Token{ExpiresAt: &exp}
	if tok.Expired(now) || !tok.Expired(exp) || !tok.ExpiresWithin(now, 7*24*time.Hour) {
		t.Error("expiry checks wrong")
	}
	if (Token{}).Expired(now) || (Token{}).ExpiresWithin(now, time.Hour) {
		t.Error("a token without expiry expires")
	}
}

func TestValidate(t *testing.T) {
	known := func(a string) bool { return strings.HasPrefix(a, "api::article.article.") }
	c, errs := Validate(Input{
		Name: "  CI deploy  ", Description: " builds ", Type: "custom", Duration: "30",
		Permissions: []string{"api::article.article.find", "api::article.article.find", "", "api::article.article.create"},
	}, known, true)
	if !errs.Valid() {
		t.Fatalf("errors: %v", errs)
	}
	if c.Name != "CI deploy" || c.Description != "builds" || !slices.Equal(c.Permissions, []string{"api::article.article.create", "api::article.article.find"}) {
		t.Errorf("clean: %+v", c)
	}

	cases := []struct {
		name  string
		in    Input
		field string
		msg   string
	}{
		{"empty name", Input{Name: "  ", Type: "read-only", Duration: "7"}, "name", "required"},
		{"long name", Input{Name: strings.Repeat("é", 101), Type: "read-only", Duration: "7"}, "name", "100"},
		{"long description", Input{Name: "a", Description: strings.Repeat("x", 501), Type: "read-only", Duration: "7"}, "description", "500"},
		{"unknown type", Input{Name: "a", Type: "admin", Duration: "7"}, "type", "Choose a type"},
		{"unknown duration", Input{Name: "a", Type: "read-only", Duration: "365"}, "duration", "Choose a duration"},
		{"missing duration on create", Input{Name: "a", Type: "read-only"}, "duration", "Choose a duration"},
		{"permission on read-only", Input{Name: "a", Type: "read-only", Duration: "7", Permissions: []string{"api::article.article.find"}}, "permissions", "Only custom"},
		{"unknown permission", Input{Name: "a", Type: "custom", Duration: "7", Permissions: []string{"api::nope.nope.find", "api::zed.zed.find"}}, "permissions", "api::nope.nope.find, api::zed.zed.find"},
	}
	for _, tc := range cases {
		_, errs := Validate(tc.in, known, true)
		if !strings.Contains(errs[tc.field], tc.msg) {
			t.Errorf("%s: errors %v, want %q on %s", tc.name, errs, tc.msg, tc.field)
		}
	}
	if _, errs := Validate(Input{Name: "a", Type: "read-only"}, known, false); !errs.Valid() {
		t.Errorf("edit without duration: %v", errs)
	}
	if c, _ := Validate(Input{Name: "a", Type: "custom", Duration: "7"}, known, true); c.Permissions != nil {
		t.Errorf("custom with no permissions: %v", c.Permissions)
	}
}

func FuzzParse(f *testing.F) {
	k, _ := Generate()
	f.Add(k)
	f.Add("")
	f.Add("tka_")
	f.Add(strings.Repeat("0", KeyLen))
	f.Add("tka_" + strings.Repeat("z", bodyLen+checksumLen))
	f.Fuzz(func(t *testing.T, s string) {
		err := Parse(s)
		if err == nil {
			// Whatever passes must have exactly our shape and checksum.
			if len(s) != KeyLen || !strings.HasPrefix(s, Prefix) || checksum(s[:KeyLen-checksumLen]) != s[KeyLen-checksumLen:] {
				t.Fatalf("Parse accepted %q", s)
			}
		} else if !errors.Is(err, ErrMalformedKey) {
			t.Fatalf("Parse(%q) = %v", s, err)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	k, _ := Generate()
	for b.Loop() {
		_ = Parse(k)
	}
}

func BenchmarkHash(b *testing.B) {
	h := NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	k, _ := Generate()
	for b.Loop() {
		_ = h.Hash(k)
	}
}

func BenchmarkAllows(b *testing.B) {
	perms := []string{"api::article.article.find", "api::article.article.findOne", "api::category.category.find"}
	for b.Loop() {
		_ = Allows(Custom, perms, "api::category.category.find")
	}
}

func TestWritePowerGrows(t *testing.T) {
	const (
		find   = "api::article.article.find"
		findO  = "api::article.article.findOne"
		create = "api::article.article.create"
		del    = "api::category.category.delete"
	)
	tests := []struct {
		name               string
		fromType, toType   Type
		fromPerms, toPerms []string
		want               bool
	}{
		{"new read-only", "", ReadOnly, nil, nil, false},
		{"new custom reading", "", Custom, nil, []string{find, findO}, false},
		{"new custom with a write", "", Custom, nil, []string{find, create}, true},
		{"new full access", "", FullAccess, nil, nil, true},
		{"read-only to custom reading", ReadOnly, Custom, nil, []string{find}, false},
		{"read-only to custom writing", ReadOnly, Custom, nil, []string{del}, true},
		{"custom adds a write", Custom, Custom, []string{create}, []string{create, del}, true},
		{"custom adds a read", Custom, Custom, []string{create}, []string{create, find}, false},
		{"custom drops a write", Custom, Custom, []string{create, del}, []string{del}, false},
		{"custom to full access", Custom, FullAccess, []string{create, del}, nil, true},
		{"full access to custom", FullAccess, Custom, nil, []string{create, del}, false},
		{"full access stays", FullAccess, FullAccess, nil, nil, false},
		{"full access to read-only", FullAccess, ReadOnly, nil, nil, false},
		{"unknown type", Custom, "admin", []string{create}, nil, false},
	}
	for _, tt := range tests {
		if got := WritePowerGrows(tt.fromType, tt.fromPerms, tt.toType, tt.toPerms); got != tt.want {
			t.Errorf("%s: WritePowerGrows = %v, want %v", tt.name, got, tt.want)
		}
	}
	for _, tt := range []struct {
		typ   Type
		perms []string
		want  bool
	}{
		{ReadOnly, nil, false}, {FullAccess, nil, true}, {Custom, []string{find, findO}, false}, {Custom, []string{find, create}, true},
	} {
		if got := CanWrite(tt.typ, tt.perms); got != tt.want {
			t.Errorf("CanWrite(%s, %v) = %v, want %v", tt.typ, tt.perms, got, tt.want)
		}
	}
}

// The checksum computed in place must be the standard CRC-32 (IEEE) it
// replaced, or every key already issued would stop parsing.
func TestChecksumIsCRC32IEEE(t *testing.T) {
	for _, head := range []string{"", "tka_", "tka_" + strings.Repeat("Az9", 14) + "q", "\xff\x00é"} {
		c := uint64(crc32.ChecksumIEEE([]byte(head)))
		var want [checksumLen]byte
		for i := checksumLen - 1; i >= 0; i-- {
			want[i] = base62[c%62]
			c /= 62
		}
		if got := checksumOf(head); got != want {
			t.Errorf("checksumOf(%q) = %q, want %q", head, got[:], want[:])
		}
	}
}

func TestVerifyPathAllocations(t *testing.T) {
	// Hash's single allocation is reported by BenchmarkHash (its pool
	// is emptied at random under -race, so not asserted here).
	key, _ := Generate()
	if n := testing.AllocsPerRun(100, func() { _ = Parse(key) }); n != 0 {
		t.Errorf("Parse allocates %v times, want 0", n)
	}
}

// The warning badge comes within a week of the expiry, or within the last
// third of a shorter lifetime: a new 7-day token is not "expiring soon".
func TestExpiringSoon(t *testing.T) {
	created := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	at := func(d time.Duration) *time.Time { t := created.Add(d); return &t }
	for _, tc := range []struct {
		name    string
		expires *time.Time
		now     time.Duration // after creation
		want    bool
	}{
		{"unlimited", nil, 300 * day, false},
		{"7-day token, new", at(7 * day), time.Minute, false},
		{"7-day token, 4 days in", at(7 * day), 4 * day, false},
		{"7-day token, 5 days in", at(7 * day), 5 * day, true},
		{"30-day token, 22 days in", at(30 * day), 22 * day, false},
		{"30-day token, 24 days in", at(30 * day), 24 * day, true},
		{"90-day token, a week left", at(90 * day), 83 * day, true},
		{"expired", at(7 * day), 8 * day, false},
	} {
		tok := Token{CreatedAt: created, ExpiresAt: tc.expires}
		if got := tok.ExpiringSoon(created.Add(tc.now)); got != tc.want {
			t.Errorf("%s: ExpiringSoon = %v, want %v", tc.name, got, tc.want)
		}
	}
}
