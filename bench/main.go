// Command bench is `make bench`: it measures the performance figures of
// the specification (§8) side by side in one run on this machine and
// prints them as one table, each figure next to what it is measured
// against.
//
//   - Go micro-benchmarks of the apitoken package (key parse, hash, cache,
//     Allows, Verify);
//   - HTTP throughput and latency of the content API's read path with a
//     read-only key, against the same route in a build whose
//     authentication is compiled out (-tags benchbypass), an invalid key,
//     and /healthz as the ceiling; findOne and find on PostgreSQL against
//     the same on SQLite;
//   - how long a key deleted with the CLI keeps working on two instances
//     sharing one PostgreSQL;
//   - the admin token list with 10,000 tokens;
//   - the admin token list and a new key's first use with 1,000,000 tokens
//     on PostgreSQL, and the server's peak memory.
//
// Everything runs in a temporary directory and every server, client and
// database connection stays on 127.0.0.1. The figures belong to the
// machine they were measured on, so they are printed, never saved.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/tokenadmin/tokenadmin/internal/devproc"
)

// options are the knobs; the defaults are what `make bench` runs.
type options struct {
	duration time.Duration // one measured load run
	warmup   time.Duration // one warm-up run per target
	rounds   int           // measured runs per target, interleaved
	pgURL    string        // PostgreSQL server to create a scratch database on
	only     string        // comma-separated sections, empty for all
	goLoad   bool          // use the Go load client even when wrk exists
}

func parseOptions() options {
	var o options
	flag.DurationVar(&o.duration, "d", 10*time.Second, "duration of each measured HTTP load run")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "duration of the warm-up run of each HTTP target")
	flag.IntVar(&o.rounds, "rounds", 2, "measured HTTP runs per target, interleaved; the median is reported")
	flag.StringVar(&o.pgURL, "pg", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		"PostgreSQL (on 127.0.0.1) on which a scratch database is created and dropped")
	flag.StringVar(&o.only, "only", "", "run only these sections: micro,http,guardrails,revocation,admin,scale")
	flag.BoolVar(&o.goLoad, "go-load", false, "use the Go load client instead of wrk")
	flag.Parse()
	return o
}

// benchSecret is the fixed deployment secret of every process started
// here (32 bytes, hex); the data it protects lives only in the temp dir.
const benchSecret = "62656e63682d6f6e6c792d7365637265742d6e6f742d666f722d70726f642121"

// bench is the state every section shares.
type bench struct {
	opts      options
	root      string // module root, where go build and go test run
	tmp       string // everything this run writes
	bin       string // tokenadmin as shipped
	bypassBin string // tokenadmin -tags benchbypass
	secret    string
	client    *http.Client
	load      loader
	children  children
	table     *table
	adminPeak int64 // the admin section's server peak memory, 0 if not run
}

func main() { os.Exit(run()) }

func run() int {
	opts := parseOptions()
	// An interrupt cancels ctx; every section returns and the deferred
	// clean-up stops the servers and removes the temp dir.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	b, err := newBench(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	defer b.cleanup()
	started, loadBefore := time.Now(), loadAverage()

	sections := []struct {
		name string
		run  func(context.Context, *table) error
	}{
		{"micro", b.microSection},
		{"http", b.httpSection},
		{"guardrails", b.guardrailsSection},
		{"revocation", b.revocationSection},
		{"admin", b.adminSection},
		{"scale", b.scaleSection},
	}
	// Micro-benchmarks first, while no server runs; the binaries are
	// built just before the first section that needs them.
	failed := false
	for _, s := range sections {
		if !b.selected(s.name) {
			continue
		}
		if s.name != "micro" {
			if err := b.prepareServers(ctx); err != nil {
				if ctx.Err() != nil {
					fmt.Fprintln(os.Stderr, "bench: interrupted")
					return 130
				}
				fmt.Fprintln(os.Stderr, "bench:", err)
				return 1
			}
		}
		if err := s.run(ctx, b.table); err != nil {
			if ctx.Err() != nil {
				fmt.Fprintln(os.Stderr, "bench: interrupted")
				return 130
			}
			failed = true
			b.table.add("FAILED: "+s.name, "see below", "", "", "")
			b.table.note("%s failed: %v", s.name, err)
			fmt.Fprintf(os.Stderr, "bench: %s failed: %v\n", s.name, err)
		}
	}
	b.table.note("measured in %s on %s; load average %s before, %s after (other work on the machine lowers absolute figures; each ratio is of runs interleaved in this one run)",
		time.Since(started).Round(time.Second), machine(), loadBefore, loadAverage())
	b.table.print(os.Stdout)
	if failed {
		return 1
	}
	return 0
}

func newBench(ctx context.Context, opts options) (*bench, error) {
	if opts.rounds < 1 || opts.duration < time.Second || opts.warmup < time.Second {
		return nil, errors.New("-rounds must be ≥ 1, -d and -warmup ≥ 1s")
	}
	root, err := moduleRoot(ctx)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "tokenadmin-bench-")
	if err != nil {
		return nil, err
	}
	return &bench{
		opts: opts, root: root, tmp: tmp, secret: benchSecret,
		client: newClient(false, 4), table: &table{},
	}, nil
}

// cleanup stops every child and removes the temp dir; it runs however
// the run ends.
func (b *bench) cleanup() {
	b.children.stopAll()
	if err := os.RemoveAll(b.tmp); err != nil {
		fmt.Fprintln(os.Stderr, "bench: clean-up:", err)
	}
}

func (b *bench) selected(name string) bool {
	if b.opts.only == "" {
		return true
	}
	for _, s := range strings.Split(b.opts.only, ",") {
		if strings.TrimSpace(s) == name {
			return true
		}
	}
	return false
}

// prepareServers builds both binaries and picks the load generator; it
// runs once, after the micro-benchmarks.
func (b *bench) prepareServers(ctx context.Context) error {
	if b.bin != "" {
		return nil
	}
	b.progress("building tokenadmin, and tokenadmin -tags benchbypass")
	normal := filepath.Join(b.tmp, "tokenadmin")
	bypass := filepath.Join(b.tmp, "tokenadmin-bypass")
	if err := b.goBuild(ctx, normal); err != nil {
		return err
	}
	if err := b.goBuild(ctx, bypass, "-tags", "benchbypass"); err != nil {
		return err
	}
	b.bin, b.bypassBin = normal, bypass
	b.load = b.chooseLoader(ctx)
	return nil
}

// buildTimeout allows for a first build on a fresh clone (modernc's
// SQLite is large to compile).
const buildTimeout = 10 * time.Minute

func (b *bench) goBuild(ctx context.Context, out string, flags ...string) error {
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	args := append(append([]string{"build"}, flags...), "-o", out, "./cmd/tokenadmin")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = b.root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, devproc.Tail(msg, 20))
	}
	return nil
}

// moduleRoot is the directory of go.mod, so `go run ./bench` works from
// any folder of the repository.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside the tokenadmin module")
	}
	return filepath.Dir(gomod), nil
}

// serverEnv is the environment of a server or CLI on database dbURL.
func (b *bench) serverEnv(dbURL string) []string {
	return []string{"DATABASE_URL=" + dbURL, "TOKENADMIN_SECRET=" + b.secret}
}

// progress reports on stderr what is running, so a three-minute run is
// not silent; the table goes to stdout.
func (b *bench) progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

// machine describes where the figures come from.
func machine() string {
	cpu := "unknown CPU"
	if out, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d CPUs, %s", cpu, runtime.NumCPU(), runtime.Version())
}

// loadAverage is the 1-minute load average, to tell a busy machine.
func loadAverage() string {
	out, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	if f := strings.Fields(string(out)); len(f) > 0 {
		return f[0]
	}
	return "unknown"
}
