package account

import (
	"errors"
	"strings"
	"testing"
)

// Each argon2id hash costs tens of milliseconds, so the hashing tests share
// as few hashes as they can.

func TestHashPasswordRoundTrip(t *testing.T) {
	const password = "correct horse battery"
	h1, err := HashPassword(password)
	if err != nil {
		t.Fatalf("HashPassword: got error %v, want nil", err)
	}
	if !strings.HasPrefix(h1, "$argon2id$v=19$") {
		t.Errorf("HashPassword: got %q, want prefix %q", h1, "$argon2id$v=19$")
	}
	if strings.Contains(h1, password) {
		t.Errorf("HashPassword: got %q, which contains the password", h1)
	}

	ok, err := CheckPassword(h1, password)
	if err != nil || !ok {
		t.Errorf("CheckPassword(right password): got %v, %v, want true, nil", ok, err)
	}
	ok, err = CheckPassword(h1, "correct horse battery!")
	if err != nil || ok {
		t.Errorf("CheckPassword(wrong password): got %v, %v, want false, nil", ok, err)
	}
	ok, err = CheckPassword(h1, strings.Repeat("x", 300))
	if err != nil || ok {
		t.Errorf("CheckPassword(over-long password): got %v, %v, want false, nil", ok, err)
	}

	h2, err := HashPassword(password)
	if err != nil {
		t.Fatalf("HashPassword: got error %v, want nil", err)
	}
	if h1 == h2 {
		t.Errorf("two hashes of the same password: got %q twice, want different (salted)", h1)
	}
	if ok, err := CheckPassword(h2, password); err != nil || !ok {
		t.Errorf("CheckPassword(second hash): got %v, %v, want true, nil", ok, err)
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	// A well-formed hash with tiny parameters so the test stays fast.
	const good = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	if _, err := CheckPassword(good, "x"); err != nil {
		t.Fatalf("test setup: CheckPassword(%q): got error %v, want nil", good, err)
	}
	tests := []struct{ name, hash string }{
		{"empty", ""},
		{"plain text", "hunter2hunter2"},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", "$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		{"wrong version", "$argon2id$v=16$m=8,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		{"bad params", "$argon2id$v=19$m=x,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		{"bad salt", "$argon2id$v=19$m=8,t=1,p=1$!!!$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		{"bad key", "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$!!!"},
		{"empty key", "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$"},
		{"missing part", "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA"},
		{"extra part", good + "$x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := CheckPassword(tt.hash, "x")
			if !errors.Is(err, ErrMalformedHash) {
				t.Errorf("CheckPassword(%q): got error %v, want ErrMalformedHash", tt.hash, err)
			}
			if ok {
				t.Errorf("CheckPassword(%q): got true, want false", tt.hash)
			}
		})
	}
}

func TestPasswordProblem(t *testing.T) {
	tests := []struct {
		name, password string
		wantInMsg      string // "" means acceptable
	}{
		{"empty", "", "at least 10"},
		{"9 chars", "123456789", "at least 10"},
		{"10 chars", "1234567890", ""},
		{"9 two-byte runes", "ééééééééé", "at least 10"}, // 18 bytes, 9 characters
		{"10 multibyte runes", "éééééééééé", ""},
		{"only spaces", strings.Repeat(" ", 12), "only spaces"},
		{"only whitespace", " \t \t \t \t \t ", "only spaces"},
		{"spaces inside", "  pass word  ", ""},
		{"256 bytes", strings.Repeat("a", 256), ""},
		{"257 bytes", strings.Repeat("a", 257), "at most 256"},
		{"129 two-byte runes", strings.Repeat("é", 129), "at most 256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PasswordProblem(tt.password)
			if tt.wantInMsg == "" {
				if got != "" {
					t.Errorf("PasswordProblem(%q): got %q, want \"\"", tt.password, got)
				}
				return
			}
			if !strings.Contains(got, tt.wantInMsg) {
				t.Errorf("PasswordProblem(%q): got %q, want a message containing %q", tt.password, got, tt.wantInMsg)
			}
		})
	}
}

func TestValidateNewAdminCleans(t *testing.T) {
	in, errs := ValidateNewAdmin("  Ada.Lovelace@Example.COM \n", "  Ada Lovelace ", "  correct horse  ")
	if !errs.Valid() {
		t.Fatalf("ValidateNewAdmin: got errors %v, want none", errs)
	}
	if in.Email != "ada.lovelace@example.com" {
		t.Errorf("Email: got %q, want %q", in.Email, "ada.lovelace@example.com")
	}
	if in.Name != "Ada Lovelace" {
		t.Errorf("Name: got %q, want %q", in.Name, "Ada Lovelace")
	}
	// The password is kept exactly as typed: spaces may be part of it.
	if in.Password != "  correct horse  " {
		t.Errorf("Password: got %q, want it untouched %q", in.Password, "  correct horse  ")
	}
}

func TestValidateNewAdminRejects(t *testing.T) {
	const (
		email    = "ada@example.com"
		name     = "Ada"
		password = "correct horse"
	)
	tests := []struct {
		name                   string
		email, aname, password string
		wantFields             []string
	}{
		{"empty email", "", name, password, []string{"email"}},
		{"blank email", "   ", name, password, []string{"email"}},
		{"no domain", "a@", name, password, []string{"email"}},
		{"no at", "not an email", name, password, []string{"email"}},
		{"display name form", "Ada <a@b.c>", name, password, []string{"email"}},
		{"two addresses", "a@b.c, d@e.f", name, password, []string{"email"}},
		{"too long", strings.Repeat("a", 250) + "@b.cd", name, password, []string{"email"}},
		{"empty name", email, "", password, []string{"name"}},
		{"blank name", email, "   ", password, []string{"name"}},
		{"101-char name", email, strings.Repeat("n", 101), password, []string{"name"}},
		{"short password", email, name, "short", []string{"password"}},
		{"everything", "a@", "", "short", []string{"email", "name", "password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := ValidateNewAdmin(tt.email, tt.aname, tt.password)
			got := errs.Fields()
			if strings.Join(got, ",") != strings.Join(tt.wantFields, ",") {
				t.Errorf("ValidateNewAdmin(%q, %q, %q): got error fields %v (%v), want %v",
					tt.email, tt.aname, tt.password, got, errs, tt.wantFields)
			}
			for _, f := range got {
				if errs[f] == "" {
					t.Errorf("field %s: got an empty message, want one", f)
				}
			}
		})
	}
}

func TestValidateNewAdminAcceptsBoundaries(t *testing.T) {
	tests := []struct{ name, email, aname string }{
		{"100-char name", "a@b.c", strings.Repeat("n", 100)},
		{"100 multibyte runes", "a@b.c", strings.Repeat("é", 100)},
		{"plus address", "ada+admin@example.com", "Ada"},
		{"254-char email", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 185) + ".com", "Ada"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, errs := ValidateNewAdmin(tt.email, tt.aname, "correct horse"); !errs.Valid() {
				t.Errorf("ValidateNewAdmin(%q, %q): got errors %v, want none", tt.email, tt.aname, errs)
			}
		})
	}
}

func TestCheckNoAccountDoesNotPanic(t *testing.T) {
	if !strings.HasPrefix(dummyHash, "$argon2id$") {
		t.Fatalf("dummyHash: got %q, want an argon2id hash", dummyHash)
	}
	CheckNoAccount("anything at all")
}

func TestValidatePasswordChange(t *testing.T) {
	const cur, next = "the current one", "a brand new secret"
	for _, tc := range []struct {
		current, next, confirm string
		want                   map[string]string
	}{
		{cur, next, next, map[string]string{}},
		{"", next, next, map[string]string{"current_password": "Enter your current password."}},
		{cur, "short", "short", map[string]string{"new_password": "Password must be at least 10 characters."}},
		{cur, cur, cur, map[string]string{"new_password": "The new password must differ from the current one."}},
		{cur, next, next + " ", map[string]string{"confirm_password": "The two new passwords differ."}},
		// A bad new password is the one message: no second about the copy.
		{cur, "short", "other", map[string]string{"new_password": "Password must be at least 10 characters."}},
		{"", "", "", map[string]string{"current_password": "Enter your current password.", "new_password": "Password must be at least 10 characters."}},
	} {
		got := ValidatePasswordChange(tc.current, tc.next, tc.confirm)
		if len(got) != len(tc.want) {
			t.Errorf("(%q, %q, %q): got %v, want %v", tc.current, tc.next, tc.confirm, got, tc.want)
			continue
		}
		for f, msg := range tc.want {
			if got[f] != msg {
				t.Errorf("(%q, %q, %q): %s = %q, want %q", tc.current, tc.next, tc.confirm, f, got[f], msg)
			}
		}
	}
}
