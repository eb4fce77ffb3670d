package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/config"
	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/db"
)

const (
	adminTokens    = 10_000
	adminSamples   = 50
	adminWarmups   = 5
	adminTarget    = 50 * time.Millisecond
	adminEmail     = "bench@example.com"
	adminPassword  = "bench-Passw0rd-not-secret"
	adminFillLimit = 2 * time.Minute
	tokensPath     = "/admin/settings/api-tokens"
)

// adminSection times the API-token list page over 10,000 tokens, signed
// in as a super admin, with /healthz timed the same way as the baseline.
func (b *bench) adminSection(ctx context.Context, t *table) error {
	t.section(fmt.Sprintf("Admin token list, %s tokens (SQLite), %d sequential requests each, median", thousands(adminTokens), adminSamples))
	dir := filepath.Join(b.tmp, "admin")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	dbURL := "sqlite:" + filepath.Join(dir, "admin.db")
	srv, client, err := b.adminServer(ctx, "admin", b.serverEnv(dbURL), func() error { return b.fillTokens(ctx, dbURL) })
	if err != nil {
		return err
	}
	defer srv.stop()

	hz, err := b.timeRequests(ctx, client, srv, "/healthz", -1)
	if err != nil {
		return err
	}
	pages := []struct {
		label, query string
		total        int
	}{
		{"GET " + tokensPath + " (page 1 of 400)", "", adminTokens},
		{"  search ?q=tok 12", "?q=tok%2012", 111}, // tok 12, tok 120-129, tok 1200-1299
		{"  sort ?sort=last_used&dir=desc", "?sort=last_used&dir=desc", adminTokens},
	}
	against := "GET /healthz " + ms(hz.client)
	for _, p := range pages {
		r, err := b.timeRequests(ctx, client, srv, tokensPath+p.query, p.total)
		if err != nil {
			return fmt.Errorf("%s: %w", p.label, err)
		}
		value := ms(r.client)
		if r.server > 0 {
			value += " (server " + ms(r.server) + ")"
		}
		worst := max(r.client, r.server)
		t.add(p.label, value, against, "", verdict("≤ 50 ms", worst <= adminTarget))
	}
	hzValue := ms(hz.client)
	if hz.server > 0 {
		hzValue += " (server " + ms(hz.server) + ")"
	}
	t.add("GET /healthz (baseline)", hzValue, "-", "", "")
	t.note("admin figures are client-measured on loopback; \"server\" is the median latency the server logged for the same requests")
	if peak, err := peakRSS(srv); err == nil {
		b.adminPeak = peak // the scale section compares its own with it
	}
	return nil
}

// adminServer migrates the database of env, fills it, creates the
// benchmark's super admin, starts a server and signs in.
func (b *bench) adminServer(ctx context.Context, name string, env []string, fill func() error) (*server, *http.Client, error) {
	if _, err := b.cli(ctx, env, "", "migrate"); err != nil {
		return nil, nil, err
	}
	if err := fill(); err != nil {
		return nil, nil, err
	}
	if _, err := b.cli(ctx, env, adminPassword+"\n", "admin", "create",
		"--email", adminEmail, "--name", "Bench", "--role", "super-admin", "--password-stdin"); err != nil {
		return nil, nil, err
	}
	srv, err := b.startServer(ctx, name, b.bin, env)
	if err != nil {
		return nil, nil, err
	}
	client := newClient(true, 1)
	if err := signIn(ctx, client, srv.base); err != nil {
		srv.stop()
		return nil, nil, err
	}
	return srv, client, nil
}

// fillTokens inserts the tokens through the token service, so each row
// is exactly what the admin or CLI would have written (keyed hash, hint,
// permissions), and marks half of them used at spread-out times so that
// sorting by last use has something to sort.
func (b *bench) fillTokens(ctx context.Context, dbURL string) error {
	ctx, cancel := context.WithTimeout(ctx, adminFillLimit)
	defer cancel()
	b.progress("admin: inserting %s tokens", thousands(adminTokens))
	started := time.Now()
	d, err := db.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer d.Close()
	secret, err := config.ParseSecret(b.secret)
	if err != nil {
		return err
	}
	registry := content.Default()
	svc := apitoken.NewService(d, apitoken.NewHasher(config.DeriveKey(secret, config.PurposeTokenHash)), registry.KnownAction, time.Now)

	types := []apitoken.Type{apitoken.ReadOnly, apitoken.FullAccess, apitoken.Custom}
	durations := []apitoken.Duration{apitoken.Days7, apitoken.Days30, apitoken.Days90, apitoken.Unlimited}
	used := map[int64]time.Time{}
	now := time.Now().UTC()
	for i := range adminTokens {
		in := apitoken.Input{
			Name:        "tok " + strconv.Itoa(i),
			Description: "benchmark token " + strconv.Itoa(i),
			Type:        string(types[i%len(types)]),
			Duration:    string(durations[i%len(durations)]),
		}
		if in.Type == string(apitoken.Custom) {
			in.Permissions = []string{"api::article.article.find", "api::article.article.findOne"}
		}
		tok, _, errs, err := svc.Create(ctx, audit.CLI("bench"), in)
		if err != nil {
			return fmt.Errorf("insert token %d: %w", i, err)
		}
		if !errs.Valid() {
			return fmt.Errorf("insert token %d: %v", i, errs)
		}
		if i%2 == 0 {
			used[tok.ID] = now.Add(-time.Duration(i) * time.Minute)
		}
	}
	if err := d.TouchTokens(ctx, used); err != nil {
		return err
	}
	b.progress("admin: %s tokens inserted in %s", thousands(adminTokens), time.Since(started).Round(time.Millisecond))
	return nil
}

var csrfFieldRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// signIn does what a browser does: load the sign-in form for its CSRF
// token (and cookie), post the form, follow the redirect.
func signIn(ctx context.Context, client *http.Client, base string) error {
	status, body, err := get(ctx, client, base+"/admin/login", "")
	if err != nil {
		return err
	}
	m := csrfFieldRE.FindSubmatch(body)
	if status != http.StatusOK || m == nil {
		return fmt.Errorf("sign-in form: status %d, CSRF field found: %v", status, m != nil)
	}
	form := url.Values{"email": {adminEmail}, "password": {adminPassword}, "_csrf": {string(m[1])}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/admin/login", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || strings.HasPrefix(res.Request.URL.Path, "/admin/login") {
		return fmt.Errorf("sign in: ended at %s with status %d", res.Request.URL.Path, res.StatusCode)
	}
	return nil
}

// timing is the median of one request's samples.
type timing struct {
	client time.Duration // measured here: request sent to body read
	server time.Duration // from the server's request log; 0 if absent
}

var totalRE = regexp.MustCompile(`([\d,]+) tokens</span>`)

// timeRequests GETs path adminWarmups times unmeasured, then adminSamples
// times, one after another, and checks that each answer is the page
// (status 200, wantTotal tokens when wantTotal >= 0).
func (b *bench) timeRequests(ctx context.Context, client *http.Client, srv *server, path string, wantTotal int) (timing, error) {
	logPath, _, _ := strings.Cut(path, "?") // the server logs the path alone
	b.progress("admin: timing GET %s", path)
	one := func() (time.Duration, error) {
		start := time.Now()
		status, body, err := get(ctx, client, srv.base+path, "")
		elapsed := time.Since(start)
		if err != nil {
			return 0, err
		}
		if status != http.StatusOK {
			return 0, fmt.Errorf("GET %s: status %d", path, status)
		}
		if wantTotal >= 0 {
			m := totalRE.FindSubmatch(body)
			if m == nil || string(m[1]) != thousands(int64(wantTotal)) {
				return 0, fmt.Errorf("GET %s: page does not say %d tokens (found %q)", path, wantTotal, m)
			}
		}
		return elapsed, nil
	}
	for range adminWarmups {
		if _, err := one(); err != nil {
			return timing{}, err
		}
	}
	offset := srv.logSize()
	var samples []time.Duration
	for range adminSamples {
		d, err := one()
		if err != nil {
			return timing{}, err
		}
		samples = append(samples, d)
	}
	res := timing{client: median(samples)}
	if logged, err := srv.logFrom(offset); err == nil {
		if lat := loggedLatencies(logged, logPath); len(lat) == adminSamples {
			res.server = median(lat)
		}
	}
	return res, nil
}

var requestLogRE = regexp.MustCompile(`msg=request .*path=(\S+) status=(\d+) latency=(\S+)`)

// loggedLatencies reads the latency of each logged request for path.
func loggedLatencies(log []byte, path string) []time.Duration {
	var out []time.Duration
	for _, line := range strings.Split(string(log), "\n") {
		m := requestLogRE.FindStringSubmatch(line)
		if m == nil || m[1] != path {
			continue
		}
		if d, err := time.ParseDuration(m[3]); err == nil {
			out = append(out, d)
		}
	}
	return out
}
