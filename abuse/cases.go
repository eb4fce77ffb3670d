package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// abuseCase is one request (or burst) of the issue, replayed heavy.
type abuseCase struct {
	name, what string
	dialects   []string // databases it runs on; nil: SQLite only
	run        func(ctx context.Context, r *runner) outcome
}

func (c abuseCase) on(dialect string) bool {
	if c.dialects == nil {
		return dialect == "sqlite"
	}
	for _, d := range c.dialects {
		if d == dialect {
			return true
		}
	}
	return false
}

var both = []string{"sqlite", "postgres"}

// outcome is what a case saw from the client's side.
type outcome struct {
	statuses []int  // one per request; 0 for no answer (error, cap)
	note     string // what the case is about, in a few words
	err      error  // the case could not run
}

// result is one case's line in the table.
type result struct {
	name, what, build, dialect string
	outcome
	wall       time.Duration
	cpu        time.Duration // server CPU, user + system; -1 unknown
	dbCPU      time.Duration // PostgreSQL backends' CPU; -1 unknown or SQLite
	peak, base int64         // server peak and starting resident memory
	capped     bool
	others     probe // what everyone else saw meanwhile
}

// runner is what the cases share for one build on one database.
type runner struct {
	opts    options
	srv     *server
	db      *sql.DB
	key     string
	dialect string
	addrN   int // last 127.0.x.y handed out
}

// addr hands out a new client address for each sign-in actor, so that
// cases never share a throttle key.
func (r *runner) addr() string {
	r.addrN++
	return fmt.Sprintf("127.0.%d.%d", 10+r.addrN/250, 1+r.addrN%250)
}

// measure runs c under the cap and takes the server's CPU and peak
// memory around it.
func (r *runner) measure(ctx context.Context, c abuseCase) result {
	r.srv.resetPeak()
	base, _ := r.srv.memory()
	cpu0, db0 := r.srv.cpu(), r.backendCPU(ctx)
	cctx, cancel := context.WithTimeout(ctx, r.opts.cap)
	defer cancel()
	stopProbe := r.probe(cctx)
	start := time.Now()
	out := c.run(cctx, r)
	wall := time.Since(start)
	res := result{name: c.name, what: c.what, outcome: out, wall: wall, base: base, cpu: -1,
		capped: cctx.Err() == context.DeadlineExceeded, others: stopProbe()}
	if cpu0 >= 0 {
		res.cpu = r.srv.cpu() - cpu0
	}
	res.dbCPU = -1
	if db0 != nil {
		res.dbCPU = cpuSince(db0, r.backendCPU(ctx))
	}
	_, res.peak = r.srv.memory()
	return res
}

// probe is what a bystander saw while a case ran: one small read (a
// findOne) every 250 ms from another address.
type probe struct {
	n, failed int
	worst     time.Duration
}

// probe starts the bystander; the function it returns stops it and says
// what it saw.
func (r *runner) probe(ctx context.Context) func() probe {
	ctx, cancel := context.WithCancel(ctx)
	c := fromAddr("127.0.0.254")
	done := make(chan probe)
	go func() {
		var p probe
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			start := time.Now()
			res := do(ctx, c, http.MethodGet, r.srv.base+"/api/articles/doc1", r.key, "", "")
			if ctx.Err() != nil {
				// Cut off by the end of the case: a read that had waited
				// a second by then counts as failed.
				if waited := time.Since(start); waited > time.Second {
					p.n, p.failed, p.worst = p.n+1, p.failed+1, max(p.worst, waited)
				}
				done <- p
				return
			}
			p.n++
			p.worst = max(p.worst, time.Since(start))
			if res.status != http.StatusOK {
				p.failed++
			}
			select {
			case <-ctx.Done():
				done <- p
				return
			case <-tick.C:
			}
		}
	}()
	return func() probe { cancel(); return <-done }
}

// backendCPU is the CPU time each PostgreSQL backend serving the scratch
// database has used so far (the server's pool keeps its connections, so
// the same backends run a case's statements from start to end), by pid;
// nil on SQLite or where /proc cannot say. The database server must run
// on this machine, as it does for make test.
func (r *runner) backendCPU(ctx context.Context) map[int]time.Duration {
	if r.dialect != "postgres" {
		return nil
	}
	rows, err := r.db.QueryContext(context.WithoutCancel(ctx),
		`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)
	if err != nil {
		return nil
	}
	defer rows.Close()
	out := map[int]time.Duration{}
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) == nil {
			if c := procCPU(pid); c >= 0 {
				out[pid] = c
			}
		}
	}
	return out
}

// cpuSince adds up what each backend used between two readings; one that
// appeared meanwhile counts in full, one that ended is lost (the figure is
// a lower bound).
func cpuSince(before, after map[int]time.Duration) time.Duration {
	var sum time.Duration
	for pid, c := range after {
		sum += c - before[pid]
	}
	return sum
}

// stopBackends ends every other backend on the scratch database: a
// statement of a killed server would otherwise run on in PostgreSQL and
// take CPU from the next case.
func (r *runner) stopBackends(ctx context.Context) {
	if r.dialect == "postgres" {
		_, _ = r.db.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`)
	}
}

var cases = []abuseCase{
	{name: "gql-bomb-80", what: "GraphQL: 80 fields under one response key, different arguments", run: gqlBomb(80)},
	{name: "gql-bomb-240", what: "GraphQL: 240 fields under one response key (13 KB)", run: gqlBomb(240)},
	{name: "rest-or-990", what: "REST: 990 $or $containsi over the rows", dialects: both, run: restOr(990, "$containsi")},
	{name: "rest-or-100", what: "REST: 100 $or $containsi, the most a request may hold, over the rows", dialects: both, run: restOr(100, "$containsi")},
	{name: "gql-aliases-50", what: "GraphQL: 50 aliases, each the 990-condition filter", dialects: both, run: gqlAliases(50, 990)},
	{name: "client-gone", what: "the 240-field GraphQL bomb, client leaves after 1 s: server CPU in the 5 s after", run: clientGone},
	{name: "signin-60", what: "60 parallel wrong sign-ins, 60 addresses", run: signIn60},
	{name: "burst-30", what: "30 parallel guesses (one right) on a throttled account, once its wait is over", run: burst30},
	{name: "owner-lockout", what: "owner signs in from another address after a stranger's 16 failures", run: ownerLockout},
	{name: "email-400k", what: "sign-in with a 400 KB email", dialects: both, run: email400k},
	{name: "bad-bytes", what: "%FF, %00, %C0%80 in a filter value; \\u0000 in a body string", dialects: both, run: badBytes},
	{name: "or-1000", what: "exactly 1,000 $or branches ($eq)", run: restOr(1000, "$eq")},
}

// post sends JSON to the content API with the run's key.
func (r *runner) postJSON(ctx context.Context, path string, body any) reply {
	b, _ := json.Marshal(body)
	return do(ctx, fromAddr("127.0.0.1"), http.MethodPost, r.srv.base+path, r.key, "application/json", string(b))
}

// bomb is the document of the issue: n fields under the response key a,
// each with different arguments.
func bomb(n int) string {
	var q strings.Builder
	q.WriteString("{ ")
	for i := range n {
		fmt.Fprintf(&q, `a: articles(filters:{title:{eq:"title %03d"}}){title} `, i)
	}
	q.WriteString("}")
	return q.String()
}

func gqlBomb(n int) func(context.Context, *runner) outcome {
	return func(ctx context.Context, r *runner) outcome {
		q := bomb(n)
		res := r.postJSON(ctx, "/graphql", map[string]any{"query": q})
		return outcome{statuses: []int{res.status}, note: fmt.Sprintf("%s document; %s", kb(len(q)), errorName(res))}
	}
}

// orQuery is a query string with n $or branches of op on title, each
// matching nothing, so every row is compared with every branch.
func orQuery(n int, op string) string {
	v := make([]string, 0, n)
	for i := range n {
		v = append(v, url.QueryEscape(fmt.Sprintf("filters[$or][%d][title][%s]", i, op))+"=nowhere"+strconv.Itoa(i))
	}
	return strings.Join(v, "&")
}

func restOr(n int, op string) func(context.Context, *runner) outcome {
	return func(ctx context.Context, r *runner) outcome {
		res := do(ctx, fromAddr("127.0.0.1"), http.MethodGet, r.srv.base+"/api/articles?"+orQuery(n, op), r.key, "", "")
		return outcome{statuses: []int{res.status}, note: errorName(res)}
	}
}

func gqlAliases(aliases, conditions int) func(context.Context, *runner) outcome {
	return func(ctx context.Context, r *runner) outcome {
		var q strings.Builder
		q.WriteString("query($f: ArticleFiltersInput) { ")
		for i := range aliases {
			fmt.Fprintf(&q, "a%d: articles(filters: $f) { title } ", i)
		}
		q.WriteString("}")
		or := make([]any, conditions)
		for i := range or {
			or[i] = map[string]any{"title": map[string]any{"containsi": "nowhere" + strconv.Itoa(i)}}
		}
		res := r.postJSON(ctx, "/graphql", map[string]any{"query": q.String(), "variables": map[string]any{"f": map[string]any{"or": or}}})
		return outcome{statuses: []int{res.status}, note: errorName(res)}
	}
}

func clientGone(ctx context.Context, r *runner) outcome {
	cctx, cancel := context.WithTimeout(ctx, time.Second)
	res := r.postJSON(cctx, "/graphql", map[string]any{"query": bomb(240)})
	cancel()
	c0 := r.srv.cpu()
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
	}
	after := r.srv.cpu() - c0
	if res.err == nil {
		return outcome{statuses: []int{res.status}, note: fmt.Sprintf("answered within 1 s (%s); server CPU in the 5 s after: %s", errorName(res), dur(after))}
	}
	return outcome{statuses: []int{res.status}, note: fmt.Sprintf("server CPU in the 5 s after the client left: %s", dur(after))}
}

// parallel runs n sign-ins at once, each from its own client whose
// sign-in form is already loaded, and returns their answers in order.
func parallel(ctx context.Context, n int, send func(i int) reply) []reply {
	out := make([]reply, n)
	var ready, done sync.WaitGroup
	gate := make(chan struct{})
	for i := range n {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-gate
			out[i] = send(i)
		}()
	}
	ready.Wait()
	close(gate)
	done.Wait()
	return out
}

func signIn60(ctx context.Context, r *runner) outcome {
	clients := make([]*http.Client, 60)
	tokens := make([]string, 60)
	for i := range clients {
		clients[i] = fromAddr(r.addr())
		t, err := signInForm(ctx, clients[i], r.srv.base)
		if err != nil {
			return outcome{err: err}
		}
		tokens[i] = t
	}
	replies := parallel(ctx, 60, func(i int) reply {
		return signIn(ctx, clients[i], r.srv.base, tokens[i], fmt.Sprintf("nobody%d@example.com", i), "wrong-"+password)
	})
	return outcome{statuses: statusesOf(replies), note: "peak RSS is the server's"}
}

// auditCount counts audit rows of action for email.
func (r *runner) auditCount(ctx context.Context, action, email string) (int, error) {
	q := `SELECT COUNT(*) FROM audit_events WHERE action = ? AND actor_email = ?`
	if r.dialect == "postgres" {
		q = `SELECT COUNT(*) FROM audit_events WHERE action = $1 AND actor_email = $2`
	}
	var n int
	err := r.db.QueryRowContext(ctx, q, action, email).Scan(&n)
	return n, err
}

func burst30(ctx context.Context, r *runner) outcome {
	c := fromAddr(r.addr())
	token, err := signInForm(ctx, c, r.srv.base)
	if err != nil {
		return outcome{err: err}
	}
	// Throttle the account: wrong guesses one after another until the
	// answer is 429.
	var wait time.Duration
	for range 10 {
		res := signIn(ctx, c, r.srv.base, token, burstEmail, "wrong-"+password)
		if res.status == http.StatusTooManyRequests {
			secs, _ := strconv.Atoi(res.header.Get("Retry-After"))
			wait = time.Duration(secs) * time.Second
			break
		}
	}
	if wait == 0 {
		return outcome{err: errors.New("the account never got throttled")}
	}
	// An attacker waits out the wait, then sends everything at once.
	select {
	case <-ctx.Done():
		return outcome{err: ctx.Err()}
	case <-time.After(wait + 200*time.Millisecond):
	}
	before, err := r.auditCount(ctx, "auth.sign-in-failed", burstEmail)
	if err != nil {
		return outcome{err: err}
	}
	const right = 15
	replies := parallel(ctx, 30, func(i int) reply {
		p := "wrong-" + strconv.Itoa(i) + password
		if i == right {
			p = password
		}
		return signIn(ctx, c, r.srv.base, token, burstEmail, p)
	})
	after, err := r.auditCount(ctx, "auth.sign-in-failed", burstEmail)
	if err != nil {
		return outcome{err: err}
	}
	checked := after - before
	in := "refused"
	if replies[right].status == http.StatusSeeOther {
		in = "SIGNED IN"
		checked++
	}
	return outcome{statuses: statusesOf(replies), note: fmt.Sprintf("guesses checked: %d of 30; the right one: %s", checked, in)}
}

func ownerLockout(ctx context.Context, r *runner) outcome {
	stranger := fromAddr(r.addr())
	token, err := signInForm(ctx, stranger, r.srv.base)
	if err != nil {
		return outcome{err: err}
	}
	var statuses []int
	for range 16 {
		statuses = append(statuses, signIn(ctx, stranger, r.srv.base, token, ownerEmail, "wrong-"+password).status)
	}
	owner := fromAddr(r.addr())
	token, err = signInForm(ctx, owner, r.srv.base)
	if err != nil {
		return outcome{err: err}
	}
	res := signIn(ctx, owner, r.srv.base, token, ownerEmail, password)
	statuses = append(statuses, res.status)
	verdict := "owner SIGNED IN (303)"
	if res.status != http.StatusSeeOther {
		verdict = fmt.Sprintf("owner LOCKED OUT (%d)", res.status)
	}
	return outcome{statuses: statuses, note: verdict}
}

func email400k(ctx context.Context, r *runner) outcome {
	var lastID int64
	_ = r.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM audit_events`).Scan(&lastID)
	c := fromAddr(r.addr())
	token, err := signInForm(ctx, c, r.srv.base)
	if err != nil {
		return outcome{err: err}
	}
	email := strings.Repeat("a", 400<<10) + "@example.com"
	res := signIn(ctx, c, r.srv.base, token, email, "wrong-"+password)
	q := `SELECT COUNT(*), COALESCE(MAX(LENGTH(actor_email) + LENGTH(target_name) + LENGTH(changes)), 0) FROM audit_events WHERE id > ?`
	if r.dialect == "postgres" {
		q = strings.Replace(q, "?", "$1", 1)
	}
	var rows, longest int
	if err := r.db.QueryRowContext(ctx, q, lastID).Scan(&rows, &longest); err != nil {
		return outcome{err: err}
	}
	return outcome{statuses: []int{res.status}, note: fmt.Sprintf("audit rows written: %d, longest %s", rows, kb(longest))}
}

func badBytes(ctx context.Context, r *runner) outcome {
	var statuses []int
	var notes []string
	c := fromAddr("127.0.0.1")
	for _, v := range []string{"%FF", "%00", "%C0%80"} {
		res := do(ctx, c, http.MethodGet, r.srv.base+"/api/articles?filters[title][$eq]="+v, r.key, "", "")
		statuses = append(statuses, res.status)
		notes = append(notes, fmt.Sprintf("%s %d", v, res.status))
	}
	res := do(ctx, c, http.MethodPost, r.srv.base+"/api/articles", r.key, "application/json", `{"data":{"title":"a\u0000b"}}`)
	statuses = append(statuses, res.status)
	notes = append(notes, fmt.Sprintf(`\u0000 %d`, res.status))
	return outcome{statuses: statuses, note: strings.Join(notes, ", ")}
}

// errorName is the Strapi error name and message of a JSON answer, cut
// short, or the status text.
func errorName(res reply) string {
	if res.err != nil {
		if errors.Is(res.err, context.DeadlineExceeded) || errors.Is(res.err, context.Canceled) {
			return "no answer"
		}
		return res.err.Error()
	}
	var body struct {
		Error struct {
			Name, Message string
		}
		Errors []struct{ Message string }
	}
	if json.Unmarshal([]byte(res.body), &body) == nil {
		msg := body.Error.Name + " " + body.Error.Message
		if body.Error.Name == "" && len(body.Errors) > 0 {
			msg = body.Errors[0].Message
		}
		if msg = strings.TrimSpace(msg); msg != "" {
			if len(msg) > 90 {
				msg = msg[:90] + "…"
			}
			return msg
		}
	}
	return http.StatusText(res.status)
}

func statusesOf(rs []reply) []int {
	out := make([]int, len(rs))
	for i, r := range rs {
		out[i] = r.status
	}
	return out
}

// statusSummary is "429×29 303×1": each status with how often it came.
func statusSummary(ss []int) string {
	count := map[int]int{}
	for _, s := range ss {
		count[s]++
	}
	keys := make([]int, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var parts []string
	for _, k := range keys {
		label := strconv.Itoa(k)
		if k == 0 {
			label = "none"
		}
		if count[k] == 1 {
			parts = append(parts, label)
		} else {
			parts = append(parts, fmt.Sprintf("%s×%d", label, count[k]))
		}
	}
	return strings.Join(parts, " ")
}

func kb(n int) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%d KB", (n+512)/1024)
}
