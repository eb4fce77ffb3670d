package handlers

import "testing"

func TestBearerKey(t *testing.T) {
	cases := []struct {
		header     string
		key        string
		bearer, ok bool
	}{
		{"", "", false, false},
		{"Bearer abc", "abc", true, true},
		{"bearer abc", "abc", true, true},
		{"BeArEr abc", "abc", true, true},
		{"Bearer  \t abc", "abc", true, true},
		{"Bearer", "", true, false},
		{"Bearer ", "", true, false},
		{"Bearer a b", "", true, false},
		{" Bearer abc", "", false, false},
		{"Bearer abc ", "", true, false},
		{"Token abc", "", false, false},
		{"Basic YTpi", "", false, false},
		{"Bearerabc", "", false, false},
	}
	for _, tc := range cases {
		key, bearer, ok := bearerKey(tc.header)
		if key != tc.key || bearer != tc.bearer || ok != tc.ok {
			t.Errorf("bearerKey(%q) = %q, %v, %v; want %q, %v, %v", tc.header, key, bearer, ok, tc.key, tc.bearer, tc.ok)
		}
	}
}

func FuzzBearerKey(f *testing.F) {
	for _, s := range []string{"", "Bearer abc", "bearer  x", "Bearer", "Token x", " Bearer a b ", "Bearer\u00a0x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		key, bearer, ok := bearerKey(header)
		if ok {
			if !bearer || key == "" {
				t.Fatalf("ok without a bearer key: %q", header)
			}
			for i := 0; i < len(key); i++ {
				if isSpace(key[i]) {
					t.Fatalf("key with white space from %q", header)
				}
			}
			if !equalFoldASCII(header[:6], "bearer") {
				t.Fatalf("accepted scheme of %q", header)
			}
		} else if key != "" {
			t.Fatalf("key returned with ok=false for %q", header)
		}
	})
}

// bearerKey reads the header in place; it must split exactly as the
// JavaScript s.split(/\s+/) it mirrors.
func TestBearerKeyMatchesSplit(t *testing.T) {
	split := func(s string) []string {
		var parts []string
		cur := 0
		for i := 0; i < len(s); {
			if isSpace(s[i]) {
				parts = append(parts, s[cur:i])
				for i < len(s) && isSpace(s[i]) {
					i++
				}
				cur = i
				continue
			}
			i++
		}
		return append(parts, s[cur:])
	}
	for _, h := range []string{"", " ", "Bearer", "bearer", "BEARER k", "Bearer k", "Bearer  k", "Bearer\tk", "Bearer k ",
		" Bearer k", "Bearer k x", "Bearer \v\f k", "Basic k", "Bearerk", "Bearer\r\nk", "bearer\x00 k", "Bearer k\x00", "Beärer k"} {
		parts := split(h)
		wantBearer := equalFoldASCII(parts[0], "bearer")
		wantOK := wantBearer && len(parts) == 2 && parts[1] != ""
		key, bearer, ok := bearerKey(h)
		if bearer != wantBearer || ok != wantOK || (ok && key != parts[1]) {
			t.Errorf("bearerKey(%q) = %q %v %v, want %v %v %q", h, key, bearer, ok, wantBearer, wantOK, parts)
		}
	}
	if n := testing.AllocsPerRun(100, func() { bearerKey("Bearer tka_abc") }); n != 0 {
		t.Errorf("bearerKey allocates %v times", n)
	}
}
