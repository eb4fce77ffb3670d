// Command abuse is `make abuse`: it replays the heavy versions of the
// requests of issue 9 (a GraphQL validation bomb, filters over 20,000
// rows on SQLite and PostgreSQL, the same through GraphQL aliases, sign-in
// bursts, a stranger locking the owner out, a 400 KB email, bad bytes)
// against a running `tokenadmin serve` and prints, per case, the status
// codes, the wall time, the server's CPU time and its peak memory.
//
// It builds the current tree, and with -before REV also that commit (in a
// temporary git worktree, removed afterwards), or takes binaries with
// -bin name=path; every build is driven the same way in the same run, so
// the figures stand side by side. Each case is capped (-cap, 60 s): a
// build that would work on for minutes is reported as "> 60s" and its
// server restarted before the next case.
//
// Everything runs in a temporary directory and on 127.0.0.1 (the client
// addresses of the sign-in cases are other addresses of 127.0.0.0/8);
// PostgreSQL cases use a scratch database, dropped at the end.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	_ "github.com/lib/pq"
	_ "modernc.org/sqlite"

	"github.com/tokenadmin/tokenadmin/internal/devproc"
)

type options struct {
	before string
	bins   []string
	pgURL  string
	rows   int
	cap    time.Duration
	only   string
}

type binFlag struct{ list *[]string }

func (b binFlag) String() string     { return "" }
func (b binFlag) Set(v string) error { *b.list = append(*b.list, v); return nil }

func parseOptions() options {
	var o options
	flag.StringVar(&o.before, "before", "", "also build this git revision (e.g. bf983af) and run every case against it first")
	flag.Var(binFlag{&o.bins}, "bin", "name=path of a tokenadmin binary to run instead of building the current tree (repeatable)")
	flag.StringVar(&o.pgURL, "pg", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		"PostgreSQL on 127.0.0.1 on which a scratch database is created and dropped; empty: SQLite only")
	flag.IntVar(&o.rows, "rows", 20_000, "articles in the table the filter cases scan")
	flag.DurationVar(&o.cap, "cap", 60*time.Second, "wall time after which a case is stopped and reported as over the cap")
	flag.StringVar(&o.only, "only", "", "comma-separated case names to run (default: all)")
	flag.Parse()
	return o
}

// secret is the deployment secret of every server started here; the data
// it protects lives only in the temporary directory.
const secret = "61627573652d6f6e6c792d7365637265742d6e6f742d666f722d70726f642121"

const (
	ownerEmail = "owner@example.com"
	burstEmail = "burst@example.com"
	password   = "abuse-Passw0rd-not-secret"
)

type build struct{ name, bin string }

func main() { os.Exit(run()) }

func run() int {
	o := parseOptions()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tmp, err := os.MkdirTemp("", "tokenadmin-abuse-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "abuse:", err)
		return 1
	}
	defer os.RemoveAll(tmp)

	builds, err := prepareBuilds(ctx, o, tmp)
	if err != nil {
		fmt.Fprintln(os.Stderr, "abuse:", err)
		return 1
	}
	load := loadAverage()
	started := time.Now()
	var results []result
	for _, dialect := range []string{"sqlite", "postgres"} {
		if dialect == "postgres" && o.pgURL == "" {
			continue
		}
		for _, b := range builds {
			rs, err := runBuild(ctx, o, tmp, b, dialect)
			results = append(results, rs...)
			if err != nil {
				fmt.Fprintf(os.Stderr, "abuse: %s on %s: %v\n", b.name, dialect, err)
				if ctx.Err() != nil {
					return 130
				}
				return 1
			}
		}
	}
	printTable(os.Stdout, builds, results)
	fmt.Printf("\nload average %s before, %s after; %s in all; %d rows; cap %s per case\n",
		load, loadAverage(), time.Since(started).Round(time.Second), o.rows, o.cap)
	return 0
}

// prepareBuilds builds the binaries to compare: -before's revision first,
// then the current tree, unless -bin names them.
func prepareBuilds(ctx context.Context, o options, tmp string) ([]build, error) {
	var builds []build
	for _, nb := range o.bins {
		name, path, ok := strings.Cut(nb, "=")
		if !ok {
			return nil, fmt.Errorf("-bin %q: want name=path", nb)
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, err
		}
		builds = append(builds, build{name, abs})
	}
	if len(builds) > 0 && o.before == "" {
		return builds, nil
	}
	if o.before != "" {
		bin, err := buildRevision(ctx, o.before, tmp)
		if err != nil {
			return nil, err
		}
		builds = append([]build{{"before " + o.before, bin}}, builds...)
	}
	if len(o.bins) == 0 {
		bin := filepath.Join(tmp, "tokenadmin-current")
		fmt.Fprintln(os.Stderr, "abuse: building the current tree")
		if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/tokenadmin").CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build: %v\n%s", err, out)
		}
		builds = append(builds, build{"after", bin})
	}
	return builds, nil
}

// buildRevision builds rev's tokenadmin in a temporary worktree.
func buildRevision(ctx context.Context, rev, tmp string) (string, error) {
	return devproc.BuildRevision(ctx, "abuse", rev, tmp)
}

// runBuild sets up one build on one database (accounts, a key, the rows),
// starts its server and runs every case of that database against it.
func runBuild(ctx context.Context, o options, tmp string, b build, dialect string) ([]result, error) {
	dir := filepath.Join(tmp, strings.ReplaceAll(b.name, " ", "-")+"-"+dialect)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	var dbURL, sqlDriver, sqlDSN string
	if dialect == "sqlite" {
		path := filepath.Join(dir, "abuse.db")
		dbURL, sqlDriver, sqlDSN = "sqlite:"+path, "sqlite", path+"?_pragma=busy_timeout(10000)"
	} else {
		u, drop, err := scratchDatabase(ctx, o.pgURL, "abuse_"+strings.Map(alnum, b.name))
		if err != nil {
			return nil, err
		}
		defer drop()
		dbURL, sqlDriver, sqlDSN = u, "postgres", u
	}
	env := []string{"DATABASE_URL=" + dbURL, "TOKENADMIN_SECRET=" + secret}
	fmt.Fprintf(os.Stderr, "abuse: %s on %s: setting up\n", b.name, dialect)
	if _, err := cli(ctx, b.bin, dir, env, "", "migrate"); err != nil {
		return nil, err
	}
	for _, email := range []string{ownerEmail, burstEmail} {
		if _, err := cli(ctx, b.bin, dir, env, password+"\n", "admin", "create",
			"--email", email, "--name", strings.Split(email, "@")[0], "--role", "super-admin", "--password-stdin"); err != nil {
			return nil, err
		}
	}
	key, err := cli(ctx, b.bin, dir, env, "", "token", "create", "--name", "abuse", "--type", "full-access", "--duration", "unlimited")
	if err != nil {
		return nil, err
	}
	srv := &server{bin: b.bin, env: env, logPath: filepath.Join(dir, "server.log")}
	if err := srv.start(ctx); err != nil { // creates the content tables
		return nil, err
	}
	defer srv.stop()
	sdb, err := sql.Open(sqlDriver, sqlDSN)
	if err != nil {
		return nil, err
	}
	defer sdb.Close()
	if err := seedArticles(ctx, sdb, dialect, o.rows); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	r := &runner{opts: o, srv: srv, db: sdb, key: strings.TrimSpace(key), dialect: dialect}
	var out []result
	for _, c := range cases {
		if !c.on(dialect) || !selected(o.only, c.name) {
			continue
		}
		fmt.Fprintf(os.Stderr, "abuse: %s on %s: %s\n", b.name, dialect, c.name)
		res := r.measure(ctx, c)
		res.build, res.dialect = b.name, dialect
		out = append(out, res)
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		if res.capped || srv.busy() {
			srv.stop()
			r.stopBackends(ctx)
			if err := srv.start(ctx); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

func alnum(r rune) rune {
	if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
		return r
	}
	return '_'
}

func selected(only, name string) bool {
	if only == "" {
		return true
	}
	for _, s := range strings.Split(only, ",") {
		if strings.TrimSpace(s) == name {
			return true
		}
	}
	return false
}

// scratchDatabase creates a database on pgURL's server and returns its
// URL and a function that drops it.
func scratchDatabase(ctx context.Context, pgURL, name string) (string, func(), error) {
	u, err := url.Parse(pgURL)
	if err != nil {
		return "", nil, err
	}
	if u.Hostname() != "127.0.0.1" {
		return "", nil, fmt.Errorf("-pg: host %q is not 127.0.0.1", u.Hostname())
	}
	admin, err := sql.Open("postgres", pgURL)
	if err != nil {
		return "", nil, err
	}
	name = fmt.Sprintf("%s_%d", name, os.Getpid())
	if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name); err != nil {
		admin.Close()
		return "", nil, err
	}
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		admin.Close()
		return "", nil, err
	}
	scratch := *u
	scratch.Path = "/" + name
	return scratch.String(), func() {
		_, _ = admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
		admin.Close()
	}, nil
}

// seedArticles adds n published articles straight through SQL, as an
// operator's import would.
func seedArticles(ctx context.Context, d *sql.DB, dialect string, n int) error {
	q := fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT %d)
		INSERT INTO ct_articles (document_id, title, created_at, updated_at, published_at)
		SELECT 'doc' || i, 'Article number ' || i || ' about gophers', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM n`, n)
	if dialect == "postgres" {
		q = fmt.Sprintf(`INSERT INTO ct_articles (document_id, title, created_at, updated_at, published_at)
			SELECT 'doc' || i, 'Article number ' || i || ' about gophers', now(), now(), now() FROM generate_series(1, %d) i`, n)
	}
	if _, err := d.ExecContext(ctx, q); err != nil {
		return err
	}
	if dialect == "postgres" {
		_, err := d.ExecContext(ctx, `VACUUM ANALYZE ct_articles`)
		return err
	}
	return nil
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
