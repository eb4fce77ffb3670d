package main

// Fault tests: the server killed in the middle of token writes, and its
// database going away under traffic. Every request goes to 127.0.0.1,
// every loop is bounded by a deadline, and every child process started
// here is killed by the test that started it.

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const (
	faultEmail    = "ops@example.com"
	faultPassword = "correct horse battery staple"
)

// stormPerms are the three permissions of every token the write storm
// creates, sorted as the store returns them.
var stormPerms = []string{"api::article.article.create", "api::article.article.find", "api::article.article.findOne"}

var (
	csrfInputRE  = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	tokenValueRE = regexp.MustCompile(`data-testid="token-value">([^<]+)</code>`)
	tokenPageRE  = regexp.MustCompile(`/admin/settings/api-tokens/(\d+)`)
)

// buildTokenadmin builds the real binary into a temporary folder.
func buildTokenadmin(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tokenadmin")
	start := time.Now()
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built %s in %v", bin, time.Since(start).Round(time.Millisecond))
	return bin
}

// freeAddr returns a loopback address with a port nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// child is `tokenadmin serve` running as a separate process.
type child struct {
	cmd  *exec.Cmd
	base string
	logs *syncBuffer

	once    sync.Once
	done    chan error
	exitErr error
}

// wait waits up to d for the process to exit and reports whether it did.
func (c *child) wait(d time.Duration) bool {
	select {
	case err := <-c.done:
		c.once.Do(func() { c.exitErr = err; close(c.done) })
		return true
	case <-time.After(d):
		return false
	}
}

// kill sends SIGKILL: no shutdown, no flush, whatever was in flight is
// cut off.
func (c *child) kill(t *testing.T) {
	t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	if !c.wait(10 * time.Second) {
		t.Fatalf("pid %d did not die within 10 s of SIGKILL", c.cmd.Process.Pid)
	}
}

// stop sends SIGTERM and waits for the graceful shutdown.
func (c *child) stop(t *testing.T) {
	t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	if !c.wait(20 * time.Second) {
		t.Errorf("pid %d did not stop within 20 s of SIGTERM; killing it", c.cmd.Process.Pid)
		c.kill(t)
		return
	}
	if c.exitErr != nil {
		t.Errorf("serve exited with %v after SIGTERM; stderr:\n%s", c.exitErr, c.logs)
	}
}

// startChild runs `bin serve` in dir with env on a free loopback port and
// waits until it listens. The process is killed when the test ends, if
// it still runs.
func startChild(t *testing.T, bin, dir string, env []string) *child {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, "serve")
	cmd.Dir = dir
	cmd.Env = append(slices.Clip(env), "TOKENADMIN_ADDR="+addr)
	c := &child{cmd: cmd, base: "http://" + addr, logs: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = c.logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s serve: %v", bin, err)
	}
	go func() { c.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if !c.wait(0) {
			_ = cmd.Process.Signal(syscall.SIGKILL)
			c.wait(10 * time.Second)
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		if m := listeningRE.FindStringSubmatch(c.logs.String()); m != nil {
			if m[1] != addr {
				t.Fatalf("serve listens on %s, want %s", m[1], addr)
			}
			return c
		}
		if c.wait(0) {
			t.Fatalf("serve exited (%v) before listening; stderr:\n%s", c.exitErr, c.logs)
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not listen within 15 s; stderr:\n%s", c.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runBinary runs one CLI command of bin and returns its stdout.
func runBinary(t *testing.T, bin, dir string, env []string, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tokenadmin %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// noRedirect lets a test see the redirect itself.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// newLoopbackClient is an HTTP client for the test's own server: bounded
// by a timeout, with enough idle connections for the test's goroutines.
func newLoopbackClient(t *testing.T, jar http.CookieJar) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 64, MaxIdleConns: 64}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Jar: jar, Timeout: 10 * time.Second, CheckRedirect: noRedirect}
}

// do sends a request and reads the whole answer; an answer cut short is
// an error like no answer at all.
func do(c *http.Client, req *http.Request) (status int, header http.Header, body string, err error) {
	res, err := c.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, "", err
	}
	return res.StatusCode, res.Header, string(b), nil
}

func get(c *http.Client, u, key string) (int, http.Header, string, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, "", err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return do(c, req)
}

func postForm(c *http.Client, u string, form url.Values) (int, string, error) {
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	status, _, body, err := do(c, req)
	return status, body, err
}

// signIn signs in at base/admin/login as a browser would and returns the
// client holding the session cookie, and the CSRF token for its forms.
func signIn(t *testing.T, base, email, password string) (*http.Client, string) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newLoopbackClient(t, jar)
	status, _, body, err := get(c, base+"/admin/login", "")
	if err != nil || status != http.StatusOK {
		t.Fatalf("GET /admin/login: %d %v", status, err)
	}
	m := csrfInputRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("GET /admin/login: no _csrf input in %.300q", body)
	}
	csrf := m[1]
	req, _ := http.NewRequest(http.MethodPost, base+"/admin/login",
		strings.NewReader(url.Values{"email": {email}, "password": {password}, "_csrf": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	status, h, body, err := do(c, req)
	if err != nil || status != http.StatusSeeOther {
		t.Fatalf("POST /admin/login: %d %v %.300q", status, err, body)
	}
	// Signing in starts a new CSRF token: take it from the first page.
	next := h.Get("Location")
	status, _, body, err = get(c, base+next, "")
	if err != nil || status != http.StatusOK {
		t.Fatalf("GET %s after signing in: %d %v", next, status, err)
	}
	if m = csrfInputRE.FindStringSubmatch(body); m == nil {
		t.Fatalf("GET %s: no _csrf input in %.300q", next, body)
	}
	return c, m[1]
}

// stormToken is one token of the write storm, as its worker saw it.
type stormToken struct {
	id   int64
	name string
	// keys are the keys answered with 201, oldest first; the last one is
	// the token's key unless a regenerate got no answer.
	keys []string
	// inflight is set when a regenerate got no answer: it may or may not
	// have been applied, and the token is left alone from then on.
	inflight bool
}

// stormWorker creates tokens and regenerates its own (never another
// worker's, so that the order of one token's keys is the order of the
// answers).
type stormWorker struct {
	tokens  []*stormToken
	unacked []string // names of creates that got no answer
	regens  int
	lost    int // requests cut off by the kill
}

func TestKillDuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it; skipped with -short")
	}
	bin := buildTokenadmin(t)
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		killDuringWrites(t, bin, dir, "sqlite:"+filepath.Join(dir, "tokenadmin.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		killDuringWrites(t, bin, t.TempDir(), postgresDatabase(t))
	})
}

func killDuringWrites(t *testing.T, bin, dir, dbURL string) {
	env := []string{"DATABASE_URL=" + dbURL, "TOKENADMIN_SECRET=" + testSecret}
	runBinary(t, bin, dir, env, faultPassword+"\n",
		"admin", "create", "--email", faultEmail, "--name", "Ops", "--role", "super-admin", "--password-stdin")
	srv := startChild(t, bin, dir, env)
	admin, csrf := signIn(t, srv.base, faultEmail, faultPassword)

	const (
		workers  = 4
		killAt   = 1500 * time.Millisecond
		maxOps   = 10000 // per worker; the kill ends the loop long before
		tokenURL = "/admin/settings/api-tokens"
	)
	var (
		killed atomic.Bool
		wg     sync.WaitGroup
		ws     = make([]*stormWorker, workers)
	)
	for w := range workers {
		ws[w] = &stormWorker{}
		wg.Go(func() {
			me := ws[w]
			rng := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			for i := 0; i < maxOps && !killed.Load(); i++ {
				var tok *stormToken
				if len(me.tokens) > 0 && rng.IntN(2) == 0 {
					tok = me.tokens[rng.IntN(len(me.tokens))]
					if tok.inflight {
						continue
					}
				}
				form := url.Values{"_csrf": {csrf}}
				u := srv.base + tokenURL
				name := fmt.Sprintf("storm %d-%d", w, i)
				if tok != nil {
					u += "/" + strconv.FormatInt(tok.id, 10) + "/regenerate"
				} else {
					form["name"] = []string{name}
					form["description"] = []string{"written while the server may die"}
					form["type"] = []string{"custom"}
					form["duration"] = []string{"30"}
					form["permissions"] = stormPerms
				}
				status, body, err := postForm(admin, u, form)
				if err != nil {
					if !killed.Load() {
						t.Errorf("POST %s before the kill: %v", u, err)
					}
					me.lost++
					if tok != nil {
						tok.inflight = true
					} else {
						me.unacked = append(me.unacked, name)
					}
					continue
				}
				key := tokenValueRE.FindStringSubmatch(body)
				if status != http.StatusCreated || key == nil {
					t.Errorf("POST %s: got %d without a key (%.300q), want 201 with the key", u, status, body)
					return
				}
				if tok != nil {
					tok.keys = append(tok.keys, key[1])
					me.regens++
					continue
				}
				id := tokenPageRE.FindStringSubmatch(body)
				if id == nil {
					t.Errorf("POST %s: no token URL in the 201 page", u)
					return
				}
				n, _ := strconv.ParseInt(id[1], 10, 64)
				me.tokens = append(me.tokens, &stormToken{id: n, name: name, keys: []string{key[1]}})
			}
		})
	}
	time.Sleep(killAt)
	killed.Store(true)
	srv.kill(t)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	var (
		acked          = map[string]*stormToken{}
		unacked        = map[string]bool{}
		regens, lost   int
		inflightRegens int
	)
	for _, w := range ws {
		for _, tok := range w.tokens {
			acked[tok.name] = tok
			if tok.inflight {
				inflightRegens++
			}
		}
		for _, n := range w.unacked {
			unacked[n] = true
		}
		regens += w.regens
		lost += w.lost
	}
	if len(acked) == 0 || regens == 0 {
		t.Fatalf("the storm did too little to test anything: %d creates and %d regenerates answered", len(acked), regens)
	}

	// Restart on the same database; what it holds must be whole.
	srv = startChild(t, bin, dir, env)
	defer srv.stop(t)
	var listed []struct {
		ID          int64    `json:"id"`
		Name        string   `json:"name"`
		Type        string   `json:"type"`
		Permissions []string `json:"permissions"`
	}
	if err := json.Unmarshal([]byte(runBinary(t, bin, dir, env, "", "token", "list", "--json")), &listed); err != nil {
		t.Fatalf("token list --json: %v", err)
	}
	inDB := map[string]int64{}
	for _, tok := range listed {
		inDB[tok.Name] = tok.ID
		perms := slices.Sorted(slices.Values(tok.Permissions))
		if tok.Type != "custom" || !slices.Equal(perms, stormPerms) {
			t.Errorf("token %d %q after the kill: type %s, permissions %v; want custom with exactly %v",
				tok.ID, tok.Name, tok.Type, tok.Permissions, stormPerms)
		}
		if acked[tok.Name] == nil && !unacked[tok.Name] {
			t.Errorf("token %d %q is in the database but was never asked for", tok.ID, tok.Name)
		}
	}
	committedUnacked := 0
	for n := range unacked {
		if _, ok := inDB[n]; ok {
			committedUnacked++
		}
	}
	if len(listed) != len(acked)+committedUnacked {
		t.Errorf("tokens in the database: %d, want the %d answered creates plus the %d unanswered ones found",
			len(listed), len(acked), committedUnacked)
	}

	api := newLoopbackClient(t, nil)
	keyStatus := func(key string) int {
		status, _, body, err := get(api, srv.base+"/api/articles", key)
		if err != nil {
			t.Fatalf("GET /api/articles: %v", err)
		}
		if status != http.StatusOK && status != http.StatusUnauthorized {
			t.Errorf("GET /api/articles: %d %.200q, want 200 or 401", status, body)
		}
		return status
	}
	appliedInflight, checkedKeys := 0, 0
	for name, tok := range acked {
		if id, ok := inDB[name]; !ok {
			t.Errorf("token %q was answered 201 but is not in the database after the kill", name)
			continue
		} else if id != tok.id {
			t.Errorf("token %q: the 201 page named id %d, the database has %d", name, tok.id, id)
		}
		last := tok.keys[len(tok.keys)-1]
		checkedKeys += len(tok.keys)
		switch status := keyStatus(last); {
		case status == http.StatusOK:
		case tok.inflight:
			// The unanswered regenerate was committed: its key, which
			// nobody saw, replaced the last one answered.
			appliedInflight++
		default:
			t.Errorf("token %q: its last acknowledged key (of %d) answers %d, want 200", name, len(tok.keys), status)
		}
		for i, old := range tok.keys[:len(tok.keys)-1] {
			if status := keyStatus(old); status != http.StatusUnauthorized {
				t.Errorf("token %q: key #%d of %d, replaced by an acknowledged regenerate, answers %d, want 401",
					name, i+1, len(tok.keys), status)
			}
		}
	}
	t.Logf("killed after %v: %d creates and %d regenerates answered, %d requests cut off "+
		"(%d creates, %d regenerates); after restart %d tokens, all whole; %d unanswered creates and %d of %d unanswered regenerates had committed; %d keys checked",
		killAt, len(acked), regens, lost, len(unacked), inflightRegens, len(listed), committedUnacked,
		appliedInflight, inflightRegens, checkedKeys)
}

// serverLog keeps the first logHead bytes of a server's log and only
// scans the rest for panics, so that a long run does not grow the heap
// it measures.
type serverLog struct {
	mu     sync.Mutex
	head   []byte
	panics []string
}

const logHead = 64 << 10

// panicRE matches what a panic leaves in the server's log: Echo's
// recovery hands the panic value to the error handler, which logs it, and
// a runtime panic's value says "runtime error". (Recovered panics also
// answer 500, which every test here refuses.) It must not match a random
// request id that happens to spell "panic".
var panicRE = regexp.MustCompile(`\[PANIC RECOVER\]|(?:^|\s)panic: |runtime error`)

func (l *serverLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.head) < logHead {
		l.head = append(l.head, p[:min(len(p), logHead-len(l.head))]...)
	}
	if panicRE.Match(p) && len(l.panics) < 10 {
		l.panics = append(l.panics, string(p))
	}
	return len(p), nil
}

// String is the head of the log.
func (l *serverLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.head)
}

// Panics are the first lines that mention a panic.
func (l *serverLog) Panics() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.panics)
}

// serveLogged runs `tokenadmin serve` in-process, as startServer does,
// and also returns its log, so that a test can look for panics.
func serveLogged(t *testing.T, env map[string]string) (string, *serverLog) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &serverLog{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, getenv(env), strings.NewReader(""), io.Discard, logs) }()
	exited := false
	t.Cleanup(func() {
		cancel()
		if exited {
			return
		}
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop within 20 s")
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := listeningRE.FindStringSubmatch(logs.String()); m != nil {
			return "http://" + m[1], logs
		}
		select {
		case err := <-done:
			exited = true
			t.Fatalf("serve returned %v before listening:\n%s", err, logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start within 10 s:\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// outageSample is one request of the outage test.
type outageSample struct {
	kind       string // api, admin, ready
	start, end time.Time
	status     int
	ctype      string
	body       string
	err        error
}

func TestDatabaseOutage(t *testing.T) {
	t.Chdir(t.TempDir())
	dbURL := postgresDatabase(t)
	u, _ := url.Parse(dbURL)
	name := strings.TrimPrefix(u.Path, "/") // ta_cmd_<hex>: safe to splice

	// The outage is made from another database: the target's connections
	// are all cut.
	ctl, err := sql.Open("postgres", cmp.Or(os.Getenv("TOKENADMIN_TEST_DATABASE_URL"), defaultPostgresURL))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ctl.Close() })
	ctlExec := func(q string) {
		t.Helper()
		if _, err := ctl.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}

	env := map[string]string{"TOKENADMIN_ADDR": "127.0.0.1:0", "DATABASE_URL": dbURL, "TOKENADMIN_SECRET": testSecret}
	if r := runCmd(t, env, faultPassword+"\n", "admin", "create", "--email", faultEmail, "--name", "Ops", "--role", "super-admin", "--password-stdin"); r.err != nil {
		t.Fatalf("admin create: %v %s", r.err, r.stderr)
	}
	r := runCmd(t, env, "", "token", "create", "--name", "reader", "--type", "read-only", "--duration", "unlimited")
	if r.err != nil {
		t.Fatalf("token create: %v %s", r.err, r.stderr)
	}
	reader := strings.TrimSpace(r.stdout)

	base, logs := serveLogged(t, env)
	// Whatever happens, the database lets connections in again before the
	// server stops and the database is dropped (cleanups run in reverse).
	t.Cleanup(func() { _, _ = ctl.Exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true") })
	admin, _ := signIn(t, base, faultEmail, faultPassword)
	api := newLoopbackClient(t, nil)

	probe := func(kind string) outageSample {
		s := outageSample{kind: kind, start: time.Now()}
		var h http.Header
		switch kind {
		case "api":
			s.status, h, s.body, s.err = get(api, base+"/api/articles", reader)
		case "admin":
			s.status, h, s.body, s.err = get(admin, base+"/admin/settings/api-tokens", "")
		case "ready":
			s.status, h, s.body, s.err = get(api, base+"/readyz", "")
		}
		s.end = time.Now()
		if h != nil {
			s.ctype = h.Get("Content-Type")
		}
		return s
	}
	kinds := []string{"api", "admin", "ready"}
	for _, k := range kinds {
		if s := probe(k); s.err != nil || s.status != http.StatusOK {
			t.Fatalf("%s before the outage: %d %v %.200q", k, s.status, s.err, s.body)
		}
	}

	const (
		downAfter = time.Second
		downFor   = time.Second
		loopFor   = 3 * time.Second
		recovery  = 5 * time.Second
	)
	var (
		mu      sync.Mutex
		samples []outageSample
		wg      sync.WaitGroup
	)
	start := time.Now()
	stopAt := start.Add(loopFor)
	for _, k := range kinds {
		for range 2 {
			wg.Go(func() {
				for time.Now().Before(stopAt) {
					s := probe(k)
					mu.Lock()
					samples = append(samples, s)
					mu.Unlock()
					time.Sleep(5 * time.Millisecond)
				}
			})
		}
	}
	time.Sleep(downAfter)
	goingDown := time.Now()
	ctlExec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false")
	ctlExec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name + "' AND pid <> pg_backend_pid()")
	// pg_terminate_backend only signals: the outage starts when the last
	// backend of the database is gone.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		var n int
		if err := ctl.QueryRow("SELECT count(*) FROM pg_stat_activity WHERE datname = $1", name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d backends of %s still there 5 s after pg_terminate_backend", n, name)
		}
	}
	down := time.Now()
	time.Sleep(downFor)
	up := time.Now()
	ctlExec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true")
	wg.Wait()

	// Then each kind of request must come back by itself within 5 s.
	firstOK := map[string]time.Time{}
	for _, k := range kinds {
		for {
			s := probe(k)
			samples = append(samples, s)
			if s.err == nil && s.status == http.StatusOK && s.start.After(up) {
				break
			}
			if time.Since(up) > recovery {
				t.Errorf("%s: still %d (%v) %v after the database came back, want 200 within %v", k, s.status, s.err, time.Since(up).Round(time.Millisecond), recovery)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	slices.SortFunc(samples, func(a, b outageSample) int { return a.start.Compare(b.start) })
	for _, s := range samples {
		if s.err == nil && s.status == http.StatusOK && s.start.After(up) {
			if _, ok := firstOK[s.kind]; !ok {
				firstOK[s.kind] = s.end
			}
		}
	}

	// counts[kind][phase][status]
	counts := map[string]map[string]map[int]int{}
	var slowest time.Duration
	duringTime := map[string]time.Duration{}
	for _, s := range samples {
		phase := "transition"
		first, recovered := firstOK[s.kind]
		switch {
		case !s.end.After(goingDown):
			phase = "before"
		case !s.start.Before(down) && !s.end.After(up):
			phase = "during"
		case recovered && s.start.After(first):
			phase = "after"
		case s.start.After(up):
			phase = "recovering"
		}
		if counts[s.kind] == nil {
			counts[s.kind] = map[string]map[int]int{}
		}
		if counts[s.kind][phase] == nil {
			counts[s.kind][phase] = map[int]int{}
		}
		counts[s.kind][phase][s.status]++
		slowest = max(slowest, s.end.Sub(s.start))
		if phase == "during" {
			duringTime[s.kind] += s.end.Sub(s.start)
		}

		what := fmt.Sprintf("%s at %+v (%s)", s.kind, s.start.Sub(down).Round(time.Millisecond), phase)
		if s.err != nil {
			t.Errorf("%s: %v, want an answer within 10 s", what, s.err)
			continue
		}
		if s.status == http.StatusOK {
			if phase == "during" && s.kind == "ready" {
				t.Errorf("%s: 200 while the database refuses connections, want 503", what)
			}
			continue
		}
		if phase == "before" || phase == "after" {
			t.Errorf("%s: %d %.200q, want 200", what, s.status, s.body)
			continue
		}
		switch s.kind {
		case "api":
			var body struct {
				Data  *json.RawMessage `json:"data"`
				Error struct {
					Status int    `json:"status"`
					Name   string `json:"name"`
				} `json:"error"`
			}
			err := json.Unmarshal([]byte(s.body), &body)
			if s.status != http.StatusServiceUnavailable || !strings.HasPrefix(s.ctype, "application/json") || err != nil ||
				body.Data != nil || body.Error.Status != http.StatusServiceUnavailable || !strings.Contains(s.body, `"data":null`) {
				t.Errorf("%s: %d %s %.300q, want 200, or 503 in Strapi's error shape", what, s.status, s.ctype, s.body)
			}
		case "admin":
			// Any 5xx error page would do for a person; 503 tells a
			// monitor or proxy that a retry may succeed.
			if s.status != http.StatusServiceUnavailable || !strings.HasPrefix(s.ctype, "text/html") || !strings.Contains(s.body, `data-testid="error-page"`) {
				t.Errorf("%s: %d %s %.300q, want 200 or a 503 error page", what, s.status, s.ctype, s.body)
			}
		case "ready":
			if s.status != http.StatusServiceUnavailable {
				t.Errorf("%s: %d %.200q, want 200 or 503", what, s.status, s.body)
			}
		}
	}
	for _, k := range kinds {
		if len(counts[k]["during"]) == 0 {
			t.Errorf("%s: no request fell wholly inside the outage", k)
		}
	}
	if p := logs.Panics(); len(p) > 0 {
		t.Errorf("the server log mentions a panic:\n%s", strings.Join(p, ""))
	}
	if t.Failed() {
		t.Logf("server log (first %d KB):\n%s", logHead>>10, logs)
	}
	t.Logf("outage of %v (cut in %v); slowest answer %v; recovered after: api %v, admin %v, ready %v",
		up.Sub(down).Round(time.Millisecond), down.Sub(goingDown).Round(time.Millisecond), slowest.Round(time.Millisecond),
		firstOK["api"].Sub(up).Round(time.Millisecond), firstOK["admin"].Sub(up).Round(time.Millisecond), firstOK["ready"].Sub(up).Round(time.Millisecond))
	for _, k := range kinds {
		mean := time.Duration(0)
		if n := sumCounts(counts[k]["during"]); n > 0 {
			mean = duringTime[k] / time.Duration(n)
		}
		t.Logf("  %-5s mean answer during the outage %v; statuses by phase %v", k, mean.Round(time.Millisecond), counts[k])
	}
}

func sumCounts(m map[int]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
