package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/account"
	"github.com/tokenadmin/tokenadmin/db"
)

// syncBuffer is a bytes.Buffer that the server's logger may write while
// the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// getenv returns a getenv that reads only m, so the tests never see the
// real environment.
func getenv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// result is what one run of the program left behind.
type result struct {
	stdout, stderr string
	err            error
}

// runCmd runs the program once with args, the environment m and stdin.
func runCmd(t *testing.T, m map[string]string, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), args, getenv(m), strings.NewReader(stdin), &stdout, &stderr)
	return result{stdout.String(), stderr.String(), err}
}

// sqliteURL names a new SQLite database file under a temporary folder.
func sqliteURL(t *testing.T) string {
	t.Helper()
	return "sqlite:" + filepath.Join(t.TempDir(), "tokenadmin.db")
}

// countAdmins opens the database at url without migrating it and counts
// its admins.
func countAdmins(t *testing.T, url string) int {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, url)
	if err != nil {
		t.Fatalf("db.Open(%s): %v", url, err)
	}
	defer d.Close()
	n, err := d.CountAdmins(ctx)
	if err != nil {
		t.Fatalf("CountAdmins: %v", err)
	}
	return n
}

// assertNoSecretFile checks that a command that needs no secret left no
// data/secret.key in the working folder.
func assertNoSecretFile(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join("data", "secret.key")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("data/secret.key: got stat error %v, want it not to exist", err)
	}
}

var listeningRE = regexp.MustCompile(`msg=listening addr=(\S+)`)

func TestRunServe(t *testing.T) {
	t.Chdir(t.TempDir())
	env := map[string]string{
		"TOKENADMIN_ADDR": "127.0.0.1:0",
		"DATABASE_URL":    sqliteURL(t),
	}
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &syncBuffer{}
	var stdout bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, getenv(env), strings.NewReader(""), &stdout, stderr)
	}()
	// Whatever happens below, the server is stopped before the temporary
	// folder it uses is removed.
	stopped := false
	t.Cleanup(func() {
		cancel()
		if !stopped {
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Errorf("run did not return within 20 s of cancellation")
			}
		}
	})

	var addr string
	deadline := time.Now().Add(10 * time.Second)
	for addr == "" {
		if m := listeningRE.FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
			break
		}
		select {
		case err := <-done:
			stopped = true
			t.Fatalf("run returned %v before listening; stderr:\n%s", err, stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no listening line within 10 s; stderr:\n%s", stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.HasSuffix(addr, ":0") {
		t.Fatalf("listening addr: got %q, want the real port", addr)
	}

	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	client := &http.Client{
		Transport:     transport,
		Timeout:       5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := client.Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("GET %s: read body: %v", path, err)
		}
		return resp, string(body)
	}

	resp, body := get("/healthz")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz: got status %d, want 200", resp.StatusCode)
	}
	if !strings.Contains(body, "ok") {
		t.Errorf("GET /healthz: got body %q, want it to contain \"ok\"", body)
	}

	resp, _ = get("/admin")
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("GET /admin: got status %d, want 303", resp.StatusCode)
	}
	if loc := resp.Header.Get("Location"); loc != "/admin/register" {
		t.Errorf("GET /admin: got Location %q, want /admin/register", loc)
	}
	transport.CloseIdleConnections()

	cancel()
	select {
	case err := <-done:
		stopped = true
		if err != nil {
			t.Errorf("run after cancellation: got error %v, want nil", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("run did not return within 20 s of cancellation; stderr:\n%s", stderr)
	}
	logs := stderr.String()
	if !strings.Contains(logs, "stopped") {
		t.Errorf("stderr: got %q, want a \"stopped\" line", logs)
	}
	if !strings.Contains(logs, "generated a new secret") {
		t.Errorf("stderr: got %q, want a line saying the secret was generated", logs)
	}

	st, err := os.Stat(filepath.Join("data", "secret.key"))
	if err != nil {
		t.Fatalf("data/secret.key: %v, want the generated secret", err)
	}
	if mode := st.Mode().Perm(); mode != 0o600 {
		t.Errorf("data/secret.key mode: got %v, want %v", mode, os.FileMode(0o600))
	}
	if st.Size() < 64 {
		t.Errorf("data/secret.key size: got %d bytes, want at least 64 (32 bytes in hex)", st.Size())
	}
}

func TestServeBadConfig(t *testing.T) {
	t.Chdir(t.TempDir())
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantName string
	}{
		{"bad addr", map[string]string{"TOKENADMIN_ADDR": "nonsense"}, nil, "TOKENADMIN_ADDR"},
		{"bad addr flag", nil, []string{"--addr", "nonsense"}, "--addr"},
		{"short secret", map[string]string{"TOKENADMIN_SECRET": "abcd", "DATABASE_URL": sqliteURL(t)}, nil, "TOKENADMIN_SECRET"},
		{"bad database", map[string]string{"DATABASE_URL": "mysql://x"}, nil, "DATABASE_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, tt.env, "", append([]string{"serve"}, tt.args...)...)
			if r.err == nil {
				t.Fatalf("serve: got nil error, want one naming %s", tt.wantName)
			}
			if !strings.Contains(r.err.Error(), tt.wantName) {
				t.Errorf("serve: got error %q, want it to name %s", r.err, tt.wantName)
			}
			var ue usageError
			if errors.As(r.err, &ue) {
				t.Errorf("serve: got usage error %v for a bad value, want a plain error (exit 1)", r.err)
			}
			assertNoSecretFile(t)
		})
	}
}

func TestUsageErrors(t *testing.T) {
	t.Chdir(t.TempDir())
	tests := []struct {
		name       string
		args       []string
		wantStderr []string
		stdin      string
	}{
		{name: "serve bad flag", args: []string{"serve", "--nope"}, wantStderr: []string{"-nope", "Usage: tokenadmin serve", "-addr"}},
		{name: "default command bad flag", args: []string{"--nope"}, wantStderr: []string{"-nope", "Usage: tokenadmin serve"}},
		{name: "migrate bad flag", args: []string{"migrate", "--nope"}, wantStderr: []string{"-nope", "Usage: tokenadmin migrate"}},
		{name: "migrate extra argument", args: []string{"migrate", "now"}, wantStderr: []string{`unexpected argument "now"`, "Usage: tokenadmin migrate"}},
		{name: "admin create bad flag", args: []string{"admin", "create", "--nope"}, wantStderr: []string{"-nope", "Usage: tokenadmin admin create"}},
		{name: "admin without subcommand", args: []string{"admin"}, wantStderr: []string{"Usage: tokenadmin admin create"}},
		{name: "admin unknown subcommand", args: []string{"admin", "delete"}, wantStderr: []string{"Usage: tokenadmin admin create"}},
		{name: "unknown command", args: []string{"frobnicate"}, wantStderr: []string{`unknown command "frobnicate"`, "tokenadmin migrate"}},
		{
			name: "admin create without --password-stdin", stdin: "correct horse battery\n",
			args:       []string{"admin", "create", "--email", "ada@example.com", "--name", "Ada", "--role", "editor"},
			wantStderr: []string{"--password-stdin", "Usage: tokenadmin admin create"},
		},
		{
			name: "admin create without --role", stdin: "correct horse battery\n",
			args:       []string{"admin", "create", "--email", "ada@example.com", "--name", "Ada", "--password-stdin"},
			wantStderr: []string{"--role", "Usage: tokenadmin admin create"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := sqliteURL(t)
			r := runCmd(t, map[string]string{"DATABASE_URL": url}, tt.stdin, tt.args...)
			var ue usageError
			if !errors.As(r.err, &ue) {
				t.Fatalf("run %q: got error %v (%T), want a usageError", tt.args, r.err, r.err)
			}
			for _, want := range tt.wantStderr {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("run %q: got stderr %q, want it to contain %q", tt.args, r.stderr, want)
				}
			}
			if r.stdout != "" {
				t.Errorf("run %q: got stdout %q, want nothing", tt.args, r.stdout)
			}
			if _, err := os.Stat(strings.TrimPrefix(url, "sqlite:")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("run %q: got database file (stat error %v), want none created", tt.args, err)
			}
			assertNoSecretFile(t)
		})
	}
}

func TestHelp(t *testing.T) {
	t.Chdir(t.TempDir())
	tests := []struct {
		args      []string
		wantFlags []string
	}{
		{[]string{"serve", "--help"}, []string{"Usage: tokenadmin serve", "-addr", "-database-url", "-secret", "-content-types", "-cookie-secure", "-public-url", "TOKENADMIN_ADDR"}},
		{[]string{"-h"}, []string{"Usage: tokenadmin serve", "-addr"}},
		{[]string{"migrate", "--help"}, []string{"Usage: tokenadmin migrate", "-database-url", "DATABASE_URL"}},
		{[]string{"admin", "create", "--help"}, []string{"Usage: tokenadmin admin create", "-email", "-name", "-role", "-password-stdin", "-database-url"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := runCmd(t, nil, "", tt.args...)
			if r.err != nil {
				t.Fatalf("run %q: got error %v, want nil", tt.args, r.err)
			}
			for _, want := range tt.wantFlags {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("run %q: got usage %q, want it to mention %q", tt.args, r.stderr, want)
				}
			}
			// Help does nothing else: no database, no secret.
			if _, err := os.Stat("data"); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("run %q: got a data folder (stat error %v), want none", tt.args, err)
			}
		})
	}

	r := runCmd(t, nil, "", "help")
	if r.err != nil {
		t.Fatalf("run help: got error %v, want nil", r.err)
	}
	for _, want := range []string{"tokenadmin migrate", "tokenadmin admin create", "serve"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("run help: got stdout %q, want it to mention %q", r.stdout, want)
		}
	}
}

func TestMigrate(t *testing.T) {
	t.Chdir(t.TempDir())
	url := sqliteURL(t)
	env := map[string]string{"DATABASE_URL": url}
	for i := range 2 {
		r := runCmd(t, env, "", "migrate")
		if r.err != nil {
			t.Fatalf("migrate #%d: got error %v, want nil; stderr:\n%s", i+1, r.err, r.stderr)
		}
		if !strings.Contains(r.stderr, "migrations applied") || !strings.Contains(r.stderr, "sqlite") {
			t.Errorf("migrate #%d: got stderr %q, want a \"migrations applied\" line naming sqlite", i+1, r.stderr)
		}
	}
	if n := countAdmins(t, url); n != 0 {
		t.Errorf("CountAdmins after migrate: got %d, want 0", n)
	}
	// migrate needs no secret and must not generate one.
	assertNoSecretFile(t)

	// The flag works as the variable does.
	other := sqliteURL(t)
	if r := runCmd(t, nil, "", "migrate", "--database-url", other); r.err != nil {
		t.Fatalf("migrate --database-url: got error %v, want nil", r.err)
	}
	if n := countAdmins(t, other); n != 0 {
		t.Errorf("CountAdmins after migrate --database-url: got %d, want 0", n)
	}
}

func TestMigrateDefaultDatabase(t *testing.T) {
	t.Chdir(t.TempDir())
	if r := runCmd(t, nil, "", "migrate"); r.err != nil {
		t.Fatalf("migrate with no configuration: got error %v, want nil", r.err)
	}
	if _, err := os.Stat(filepath.Join("data", "tokenadmin.db")); err != nil {
		t.Errorf("default database data/tokenadmin.db: got %v, want it created", err)
	}
}

func TestMigrateBadDatabaseURL(t *testing.T) {
	t.Chdir(t.TempDir())
	tests := []struct {
		env      map[string]string
		args     []string
		wantName string
	}{
		{map[string]string{"DATABASE_URL": "mysql://x"}, nil, "DATABASE_URL"},
		{map[string]string{"DATABASE_URL": "sqlite:"}, nil, "DATABASE_URL"},
		{nil, []string{"--database-url", "mysql://x"}, "--database-url"},
		// Well-formed but nothing listens there: the open fails, and the
		// error still says which setting to fix.
		{map[string]string{"DATABASE_URL": "postgres://postgres@127.0.0.1:1/x?sslmode=disable&connect_timeout=5"}, nil, "DATABASE_URL"},
	}
	for _, tt := range tests {
		r := runCmd(t, tt.env, "", append([]string{"migrate"}, tt.args...)...)
		if r.err == nil {
			t.Errorf("migrate with env %v, args %q: got nil error, want one", tt.env, tt.args)
			continue
		}
		if !strings.Contains(r.err.Error(), tt.wantName) {
			t.Errorf("migrate with env %v, args %q: got error %q, want it to contain %q", tt.env, tt.args, r.err, tt.wantName)
		}
		var ue usageError
		if errors.As(r.err, &ue) {
			t.Errorf("migrate with env %v, args %q: got a usageError, want a plain error", tt.env, tt.args)
		}
	}
}

func TestAdminCreate(t *testing.T) {
	t.Chdir(t.TempDir())
	url := sqliteURL(t)
	env := map[string]string{"DATABASE_URL": url}
	const password = "correct horse battery\n"
	create := func(stdin string, args ...string) result {
		t.Helper()
		return runCmd(t, env, stdin, append([]string{"admin", "create"}, args...)...)
	}
	ada := []string{"--email", "ada@example.com", "--name", "Ada", "--role", "editor", "--password-stdin"}

	r := create(password, ada...)
	if r.err != nil {
		t.Fatalf("admin create: got error %v, want nil; stderr:\n%s", r.err, r.stderr)
	}
	if !strings.Contains(r.stdout, "ada@example.com") || !strings.Contains(r.stdout, "editor") {
		t.Errorf("admin create: got stdout %q, want it to mention ada@example.com and editor", r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, "correct horse") {
		t.Errorf("admin create: got the password echoed in %q", r.stdout+r.stderr)
	}
	if n := countAdmins(t, url); n != 1 {
		t.Fatalf("CountAdmins after admin create: got %d, want 1", n)
	}
	// admin create needs no secret and must not generate one.
	assertNoSecretFile(t)

	t.Run("stored admin", func(t *testing.T) {
		a := checkCredentials(t, url, "ada@example.com", "correct horse battery")
		if a.Name != "Ada" || a.Role.Slug != "editor" || !a.Active {
			t.Errorf("admin: got name %q, role %q, active %v; want Ada, editor, true", a.Name, a.Role.Slug, a.Active)
		}
	})

	fails := []struct {
		name       string
		stdin      string
		args       []string
		wantInErr  []string
		wantStderr string
	}{
		{
			name: "same email", stdin: password, args: ada,
			wantInErr: []string{"--email", "ada@example.com", "already exists"},
		},
		{
			name: "same email in other case", stdin: password,
			args:      []string{"--email", " ADA@Example.com ", "--name", "Ada", "--role", "editor", "--password-stdin"},
			wantInErr: []string{"--email", "ada@example.com", "already exists"},
		},
		{
			name: "unknown role", stdin: password,
			args:      []string{"--email", "bob@example.com", "--name", "Bob", "--role", "nope", "--password-stdin"},
			wantInErr: []string{"--role", `"nope"`},
		},
		{
			name: "short password", stdin: "short\n",
			args:       []string{"--email", "bob@example.com", "--name", "Bob", "--role", "editor", "--password-stdin"},
			wantInErr:  []string{"not created"},
			wantStderr: "--password-stdin: Password must be at least 10 characters.",
		},
		{
			name: "empty stdin", stdin: "",
			args:       []string{"--email", "bob@example.com", "--name", "Bob", "--role", "editor", "--password-stdin"},
			wantInErr:  []string{"not created"},
			wantStderr: "--password-stdin: Password",
		},
		{
			name: "bad email", stdin: password,
			args:       []string{"--email", "bob@", "--name", "Bob", "--role", "editor", "--password-stdin"},
			wantInErr:  []string{"not created"},
			wantStderr: "--email: ",
		},
		{
			name: "no name", stdin: password,
			args:       []string{"--email", "bob@example.com", "--role", "editor", "--password-stdin"},
			wantInErr:  []string{"not created"},
			wantStderr: "--name: ",
		},
	}
	for _, tt := range fails {
		t.Run(tt.name, func(t *testing.T) {
			r := create(tt.stdin, tt.args...)
			if r.err == nil {
				t.Fatalf("admin create %q: got nil error, want one; stdout %q", tt.args, r.stdout)
			}
			for _, want := range tt.wantInErr {
				if !strings.Contains(r.err.Error(), want) {
					t.Errorf("admin create %q: got error %q, want it to contain %q", tt.args, r.err, want)
				}
			}
			if tt.wantStderr != "" && !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("admin create %q: got stderr %q, want it to contain %q", tt.args, r.stderr, tt.wantStderr)
			}
			if r.stdout != "" {
				t.Errorf("admin create %q: got stdout %q, want nothing", tt.args, r.stdout)
			}
			if n := countAdmins(t, url); n != 1 {
				t.Errorf("CountAdmins after failed admin create: got %d, want still 1", n)
			}
		})
	}

	// A password line ending in CRLF (a Windows here-string) loses the CR.
	r = create("another good one\r\n", "--email", "cr@example.com", "--name", "CR", "--role", "author", "--password-stdin")
	if r.err != nil {
		t.Fatalf("admin create with CRLF password: got error %v, want nil", r.err)
	}
	if n := countAdmins(t, url); n != 2 {
		t.Errorf("CountAdmins after second admin: got %d, want 2", n)
	}
	if a := checkCredentials(t, url, "cr@example.com", "another good one"); a.Role.Slug != "author" {
		t.Errorf("role of cr@example.com: got %q, want author", a.Role.Slug)
	}
}

// checkCredentials loads the admin with email from the database at url
// and checks that password signs them in.
func checkCredentials(t *testing.T, url, email, password string) access.Admin {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, url)
	if err != nil {
		t.Fatalf("db.Open(%s): %v", url, err)
	}
	defer d.Close()
	a, hash, err := d.AdminCredentials(ctx, email)
	if err != nil {
		t.Fatalf("AdminCredentials(%s): %v", email, err)
	}
	ok, err := account.CheckPassword(hash, password)
	if err != nil || !ok {
		t.Errorf("CheckPassword(stored hash of %s, %q): got %v, %v, want true, nil", email, password, ok, err)
	}
	return a
}
