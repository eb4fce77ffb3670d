package config

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seq returns n bytes 0, 1, 2, …: a fixed, recognisable secret.
func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func TestParseSecretAccepts(t *testing.T) {
	want := seq(32)
	long := seq(48)
	tests := []struct {
		name, in string
		want     []byte
	}{
		{"hex", hex.EncodeToString(want), want},
		{"hex upper case", strings.ToUpper(hex.EncodeToString(want)), want},
		{"hex with newline", hex.EncodeToString(want) + "\n", want},
		{"base64 std", base64.StdEncoding.EncodeToString(want), want},
		{"base64 raw std", base64.RawStdEncoding.EncodeToString(want), want},
		{"base64 url", base64.URLEncoding.EncodeToString(want), want},
		{"base64 raw url", base64.RawURLEncoding.EncodeToString(want), want},
		{"more than 32 bytes", hex.EncodeToString(long), long},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSecret(tt.in)
			if err != nil {
				t.Fatalf("ParseSecret(%q): got error %v, want nil", tt.in, err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("ParseSecret(%q): got %x, want %x", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseSecretAcceptsURLAlphabet(t *testing.T) {
	// Bytes 0xfb 0xff encode to "-" and "_" in the URL alphabet, which the
	// standard decoders reject: only the URL decoders can accept this.
	want := bytes.Repeat([]byte{0xfb, 0xff}, 16)
	for _, enc := range []*base64.Encoding{base64.URLEncoding, base64.RawURLEncoding} {
		in := enc.EncodeToString(want)
		if !strings.ContainsAny(in, "-_") {
			t.Fatalf("test setup: %q has no URL-alphabet character", in)
		}
		got, err := ParseSecret(in)
		if err != nil {
			t.Fatalf("ParseSecret(%q): got error %v, want nil", in, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("ParseSecret(%q): got %x, want %x", in, got, want)
		}
	}
}

func TestParseSecretRejects(t *testing.T) {
	short := seq(31)
	tests := []struct {
		name, in  string
		wantInErr string
	}{
		{"31 bytes hex", hex.EncodeToString(short), "31 bytes"},
		{"31 bytes base64", base64.StdEncoding.EncodeToString(short), "31 bytes"},
		{"31 bytes raw url base64", base64.RawURLEncoding.EncodeToString(short), "31 bytes"},
		{"garbage", "not a secret at all!", "neither hex nor base64"},
		{"empty", "", "0 bytes"},
		{"odd hex", strings.Repeat("a", 65) + "!", "neither hex nor base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSecret(tt.in)
			if err == nil {
				t.Fatalf("ParseSecret(%q): got %x, nil error, want an error", tt.in, got)
			}
			if !strings.Contains(err.Error(), tt.wantInErr) {
				t.Errorf("ParseSecret(%q): got error %q, want it to contain %q", tt.in, err, tt.wantInErr)
			}
		})
	}
}

// env returns a getenv reading from m.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// load binds the config flags to a fresh flag set, parses args and loads
// with the environment m.
func load(t *testing.T, args []string, m map[string]string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := Bind(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %q: %v", args, err)
	}
	return f.Load(env(m))
}

func TestLoadDefaults(t *testing.T) {
	c, err := load(t, nil, nil)
	if err != nil {
		t.Fatalf("Load with empty env: got error %v, want nil", err)
	}
	if c.Addr != "127.0.0.1:8080" {
		t.Errorf("Addr: got %q, want %q", c.Addr, "127.0.0.1:8080")
	}
	if c.DatabaseURL != "sqlite:data/tokenadmin.db" {
		t.Errorf("DatabaseURL: got %q, want %q", c.DatabaseURL, "sqlite:data/tokenadmin.db")
	}
	if c.ContentTypesDir != "" {
		t.Errorf("ContentTypesDir: got %q, want empty", c.ContentTypesDir)
	}
	if c.CookieSecure {
		t.Errorf("CookieSecure: got true, want false")
	}
	if c.PublicURL != nil {
		t.Errorf("PublicURL: got %v, want nil", c.PublicURL)
	}
	if c.secretSet {
		t.Errorf("secret: got set from an empty environment, want unset")
	}
}

func TestLoadReadsEnvironment(t *testing.T) {
	dir := t.TempDir()
	secret := hex.EncodeToString(seq(32))
	c, err := load(t, nil, map[string]string{
		"TOKENADMIN_ADDR":          "0.0.0.0:9000",
		"DATABASE_URL":             "postgres://u@db.example:5432/x?sslmode=disable",
		"TOKENADMIN_SECRET":        secret,
		"TOKENADMIN_CONTENT_TYPES": dir,
		"TOKENADMIN_PUBLIC_URL":    "https://admin.example.com/base",
	})
	if err != nil {
		t.Fatalf("Load: got error %v, want nil", err)
	}
	if c.Addr != "0.0.0.0:9000" {
		t.Errorf("Addr: got %q, want %q", c.Addr, "0.0.0.0:9000")
	}
	if c.DatabaseURL != "postgres://u@db.example:5432/x?sslmode=disable" {
		t.Errorf("DatabaseURL: got %q, want the postgres URL", c.DatabaseURL)
	}
	if c.ContentTypesDir != dir {
		t.Errorf("ContentTypesDir: got %q, want %q", c.ContentTypesDir, dir)
	}
	if c.PublicURL == nil || c.PublicURL.String() != "https://admin.example.com/base" {
		t.Errorf("PublicURL: got %v, want https://admin.example.com/base", c.PublicURL)
	}
	// A secret from the environment is used as it is; no file is touched.
	path := filepath.Join(t.TempDir(), "secret.key")
	got, generated, err := c.Secret(path)
	if err != nil {
		t.Fatalf("Secret: got error %v, want nil", err)
	}
	if generated || !bytes.Equal(got, seq(32)) {
		t.Errorf("Secret: got %x (generated=%v), want %x (generated=false)", got, generated, seq(32))
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("Secret with TOKENADMIN_SECRET set: got file %s (stat err %v), want no file", path, err)
	}
}

func TestLoadRejectsBadValues(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		variable, value string
		alsoInErr       string
	}{
		{"TOKENADMIN_ADDR", "nonsense", "nonsense"},
		{"DATABASE_URL", "mysql://x", "sqlite:"},
		{"DATABASE_URL", "sqlite:", "file path"},
		{"DATABASE_URL", "postgres://", "no host"},
		{"TOKENADMIN_SECRET", hex.EncodeToString(seq(16)), "16 bytes"},
		{"TOKENADMIN_SECRET", "%%%", "neither hex nor base64"},
		{"TOKENADMIN_CONTENT_TYPES", missing, missing},
		{"TOKENADMIN_CONTENT_TYPES", notDir, notDir},
		{"TOKENADMIN_PUBLIC_URL", "not a url", "not a url"},
		{"TOKENADMIN_PUBLIC_URL", "ftp://example.com", "ftp://example.com"},
		{"TOKENADMIN_PUBLIC_URL", "https://", "https://"},
		{"TOKENADMIN_COOKIE_SECURE", "maybe", "maybe"},
		{"TOKENADMIN_GRAPHQL_INTROSPECTION", "sometimes", "sometimes"},
		{"TOKENADMIN_DEV", "yes please", "yes please"},
		{"TOKENADMIN_CORS_ORIGINS", "app.example.com", "app.example.com"},
		{"TOKENADMIN_CORS_ORIGINS", "https://app.example.com/", "https://app.example.com/"},
		{"TOKENADMIN_CORS_ORIGINS", "https://ok.example, *", "*"},
		{"TOKENADMIN_CORS_ORIGINS", "https://a@app.example.com", "https://a@app.example.com"},
		{"TOKENADMIN_CORS_ORIGINS", "ftp://app.example.com", "ftp://app.example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.variable+"="+tt.value, func(t *testing.T) {
			_, err := load(t, nil, map[string]string{tt.variable: tt.value})
			if err == nil {
				t.Fatalf("Load with %s=%q: got nil error, want one", tt.variable, tt.value)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tt.variable+": ") {
				t.Errorf("Load with %s=%q: got error %q, want it to start with %q", tt.variable, tt.value, msg, tt.variable+": ")
			}
			if !strings.Contains(msg, tt.alsoInErr) {
				t.Errorf("Load with %s=%q: got error %q, want it to contain %q", tt.variable, tt.value, msg, tt.alsoInErr)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("Load with %s=%q: got a multi-line error %q, want one line", tt.variable, tt.value, msg)
			}
		})
	}
}

func TestCORSOrigins(t *testing.T) {
	c, err := load(t, nil, nil)
	if err != nil || c.CORSOrigins != nil {
		t.Fatalf("default: got %v (%v), want none (any origin)", c.CORSOrigins, err)
	}
	c, err = load(t, nil, map[string]string{"TOKENADMIN_CORS_ORIGINS": " https://app.example.com, http://127.0.0.1:5173 ,"})
	if err != nil || strings.Join(c.CORSOrigins, " ") != "https://app.example.com http://127.0.0.1:5173" {
		t.Errorf("got %q (%v), want the two origins", c.CORSOrigins, err)
	}
}

func TestGraphQLIntrospection(t *testing.T) {
	if c, err := load(t, nil, nil); err != nil || c.GraphQLIntrospection {
		t.Errorf("default: got %v (%v), want false", c.GraphQLIntrospection, err)
	}
	if c, err := load(t, nil, map[string]string{"TOKENADMIN_GRAPHQL_INTROSPECTION": "true"}); err != nil || !c.GraphQLIntrospection {
		t.Errorf("true: got %v (%v), want true", c.GraphQLIntrospection, err)
	}
}

func TestDev(t *testing.T) {
	if c, err := load(t, nil, nil); err != nil || c.Dev {
		t.Errorf("default: got %v (%v), want false", c.Dev, err)
	}
	if c, err := load(t, nil, map[string]string{"TOKENADMIN_DEV": "1"}); err != nil || !c.Dev {
		t.Errorf("1: got %v (%v), want true", c.Dev, err)
	}
}

func TestFlagOverridesEnvironment(t *testing.T) {
	good := map[string]string{"TOKENADMIN_ADDR": "127.0.0.1:1111", "DATABASE_URL": "sqlite:env.db"}
	c, err := load(t, []string{"--addr", "127.0.0.1:2222", "--database-url=sqlite:flag.db"}, good)
	if err != nil {
		t.Fatalf("Load: got error %v, want nil", err)
	}
	if c.Addr != "127.0.0.1:2222" {
		t.Errorf("Addr: got %q, want the flag's %q", c.Addr, "127.0.0.1:2222")
	}
	if c.DatabaseURL != "sqlite:flag.db" {
		t.Errorf("DatabaseURL: got %q, want the flag's %q", c.DatabaseURL, "sqlite:flag.db")
	}

	// A good flag beats a bad variable.
	if _, err := load(t, []string{"--addr", "127.0.0.1:2222"}, map[string]string{"TOKENADMIN_ADDR": "nonsense"}); err != nil {
		t.Errorf("Load with bad env but good --addr: got error %v, want nil", err)
	}
}

func TestBadFlagErrorNamesFlag(t *testing.T) {
	tests := []struct{ flag, value, env string }{
		{"addr", "nonsense", "TOKENADMIN_ADDR"},
		{"database-url", "mysql://x", "DATABASE_URL"},
		{"secret", "abcd", "TOKENADMIN_SECRET"},
		{"content-types", filepath.Join(t.TempDir(), "missing"), "TOKENADMIN_CONTENT_TYPES"},
		{"public-url", "not a url", "TOKENADMIN_PUBLIC_URL"},
		{"cookie-secure", "maybe", "TOKENADMIN_COOKIE_SECURE"},
	}
	for _, tt := range tests {
		t.Run(tt.flag, func(t *testing.T) {
			_, err := load(t, []string{"--" + tt.flag + "=" + tt.value}, nil)
			if err == nil {
				t.Fatalf("Load with --%s=%q: got nil error, want one", tt.flag, tt.value)
			}
			if want := "--" + tt.flag + ": "; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("Load with --%s=%q: got error %q, want it to start with %q", tt.flag, tt.value, err, want)
			}
			if strings.Contains(err.Error(), tt.env) {
				t.Errorf("Load with --%s=%q: got error %q naming %s, want the flag named instead", tt.flag, tt.value, err, tt.env)
			}
		})
	}
}

func TestCookieSecure(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		public string
		secure string
		want   bool
	}{
		{name: "default", want: false},
		{name: "http public URL", public: "http://admin.example.com", want: false},
		{name: "https public URL", public: "https://admin.example.com", want: true},
		{name: "https but explicitly false", public: "https://admin.example.com", secure: "false", want: false},
		{name: "http but explicitly true", public: "http://admin.example.com", secure: "true", want: true},
		{name: "explicitly true alone", secure: "true", want: true},
		{name: "explicit 0", public: "https://admin.example.com", secure: "0", want: false},
		{name: "flag beats env", args: []string{"--cookie-secure=false"}, secure: "true", want: false},
		{name: "public URL flag", args: []string{"--public-url", "https://x.example"}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(t, tt.args, map[string]string{
				"TOKENADMIN_PUBLIC_URL":    tt.public,
				"TOKENADMIN_COOKIE_SECURE": tt.secure,
			})
			if err != nil {
				t.Fatalf("Load: got error %v, want nil", err)
			}
			if c.CookieSecure != tt.want {
				t.Errorf("CookieSecure: got %v, want %v", c.CookieSecure, tt.want)
			}
		})
	}
}

func TestSecretGeneratedOnceThenRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "secret.key") // parent does not exist yet

	var c1 Config
	first, generated, err := c1.Secret(path)
	if err != nil {
		t.Fatalf("first Secret: got error %v, want nil", err)
	}
	if !generated {
		t.Errorf("first Secret: got generated=false, want true")
	}
	if len(first) != 32 {
		t.Errorf("first Secret: got %d bytes, want 32", len(first))
	}
	if bytes.Equal(first, make([]byte, 32)) {
		t.Errorf("first Secret: got all zero bytes, want random ones")
	}

	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat %s: %v", path, err)
	}
	if mode := st.Mode().Perm(); mode != 0o600 {
		t.Errorf("mode of %s: got %v, want %v", path, mode, os.FileMode(0o600))
	}
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(string(content)), hex.EncodeToString(first); got != want {
		t.Errorf("content of %s: got %q, want hex %q", path, got, want)
	}

	assertOnlyFile(t, path)

	// The same Config answers from memory.
	again, generated, err := c1.Secret(path)
	if err != nil || generated || !bytes.Equal(again, first) {
		t.Errorf("second Secret on same Config: got %x, generated=%v, err=%v; want %x, false, nil", again, generated, err, first)
	}

	// A fresh Config (a restart) reads the file.
	var c2 Config
	second, generated, err := c2.Secret(path)
	if err != nil {
		t.Fatalf("Secret on a fresh Config: got error %v, want nil", err)
	}
	if generated {
		t.Errorf("Secret on a fresh Config: got generated=true, want false")
	}
	if !bytes.Equal(second, first) {
		t.Errorf("Secret on a fresh Config: got %x, want %x", second, first)
	}
}

func TestSecretFileTooShort(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret.key")
	if err := os.WriteFile(path, []byte(hex.EncodeToString(seq(8))+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var c Config
	got, _, err := c.Secret(path)
	if err == nil {
		t.Fatalf("Secret from a file holding 8 bytes: got %x, nil error, want an error", got)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("Secret: got error %q, want it to name %s", err, path)
	}
	if !strings.Contains(err.Error(), "8 bytes") {
		t.Errorf("Secret: got error %q, want it to mention 8 bytes", err)
	}
	// The bad file is left alone, not overwritten by a new secret.
	content, _ := os.ReadFile(path)
	if want := hex.EncodeToString(seq(8)) + "\n"; string(content) != want {
		t.Errorf("content of %s after the error: got %q, want it untouched %q", path, content, want)
	}
}

func TestSecretFileUnreadable(t *testing.T) {
	// A directory where the file should be cannot be read as a secret.
	path := t.TempDir()
	var c Config
	if _, _, err := c.Secret(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Secret(%q) on a directory: got error %v, want one naming the path", path, err)
	}
}

func TestDeriveKey(t *testing.T) {
	s1, s2 := seq(32), seq(33)[1:]
	k := DeriveKey(s1, PurposeTokenHash)
	if len(k) != 32 {
		t.Fatalf("DeriveKey: got %d bytes, want 32", len(k))
	}
	if again := DeriveKey(s1, PurposeTokenHash); !bytes.Equal(again, k) {
		t.Errorf("DeriveKey twice: got %x then %x, want equal", k, again)
	}
	if bytes.Equal(k, s1) {
		t.Errorf("DeriveKey: got the secret itself, want a derived key")
	}
	purposes := []string{PurposeTokenHash, PurposeSessionAuth, PurposeSessionEnc}
	seen := map[string]string{}
	for _, p := range purposes {
		key := hex.EncodeToString(DeriveKey(s1, p))
		if other, ok := seen[key]; ok {
			t.Errorf("DeriveKey: purposes %q and %q got the same key %s, want different", other, p, key)
		}
		seen[key] = p
	}
	if other := DeriveKey(s2, PurposeTokenHash); bytes.Equal(other, k) {
		t.Errorf("DeriveKey with different secrets: got the same key %x, want different", k)
	}
}

// Several instances sharing a data folder may start at the same moment:
// exactly one generates the secret and every one ends up with it, never
// with a half-written file.
func TestSecretConcurrentFirstStart(t *testing.T) {
	for round := range 50 {
		path := filepath.Join(t.TempDir(), "secret.key")
		const n = 8
		type res struct {
			secret    []byte
			generated bool
			err       error
		}
		results := make(chan res, n)
		start := make(chan struct{})
		for range n {
			go func() {
				<-start
				var c Config
				s, g, err := c.Secret(path)
				results <- res{s, g, err}
			}()
		}
		close(start)
		var first []byte
		generated := 0
		for range n {
			r := <-results
			if r.err != nil {
				t.Fatalf("round %d: Secret: got error %v, want nil", round, r.err)
			}
			if r.generated {
				generated++
			}
			if first == nil {
				first = r.secret
			} else if !bytes.Equal(r.secret, first) {
				t.Fatalf("round %d: Secret: got %x and %x, want one secret", round, first, r.secret)
			}
		}
		if generated != 1 {
			t.Fatalf("round %d: got %d callers reporting generated=true, want 1", round, generated)
		}
		assertOnlyFile(t, path)
	}
}

// assertOnlyFile checks that path is the only file in its folder: writing
// the secret leaves no temporary file behind.
func assertOnlyFile(t *testing.T, path string) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != filepath.Base(path) {
		t.Errorf("files beside the secret: got %v, want only %s", names, filepath.Base(path))
	}
}
