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
