package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tokenadmin/tokenadmin/internal/devproc"
)

// Load shape: two client threads and 32 connections, as the verified
// tooling notes measured the Echo ceiling with.
const (
	loadThreads = 2
	loadConns   = 32
)

// loadTarget is one URL to put under load, with an optional bearer key.
type loadTarget struct {
	name string
	url  string
	key  string
	srv  *server // the server answering, whose CPU time is read; may be nil
	// paths, when set, are requested in turn instead of url's path, each
	// connection starting at its own place: traffic that reads every
	// entry or page rather than one, so that no figure rests on one
	// row being hot.
	paths []string
}

// pathAt is the path of the i-th request of a target with paths.
func (t loadTarget) pathAt(i int) string { return t.paths[i%len(t.paths)] }

// loadResult is one load run.
type loadResult struct {
	requests     int64
	duration     time.Duration
	p50, p99     time.Duration
	statusErrors int64 // answers that were not 2xx or 3xx
	socketErrors int64
	serverCPU    time.Duration // CPU the target's server used during the run; 0 if unknown
}

// cpuPerRequest is the server's CPU time per request, 0 if unknown.
func (r loadResult) cpuPerRequest() time.Duration {
	if r.requests == 0 || r.serverCPU <= 0 {
		return 0
	}
	return r.serverCPU / time.Duration(r.requests)
}

func (r loadResult) rps() float64 {
	if r.duration <= 0 {
		return 0
	}
	return float64(r.requests) / r.duration.Seconds()
}

// loader puts one target under load for d.
type loader interface {
	describe() string
	run(ctx context.Context, t loadTarget, d time.Duration) (loadResult, error)
}

// chooseLoader prefers wrk, installing it with apt-get when that is
// possible, and otherwise falls back to the Go client in this package.
func (b *bench) chooseLoader(ctx context.Context) loader {
	if b.opts.goLoad {
		return &goLoader{}
	}
	if path, err := exec.LookPath("wrk"); err == nil {
		return &wrk{path: path, dir: b.tmp}
	}
	if err := installWrk(ctx, b.progress); err != nil {
		b.table.note("wrk is not installed and could not be installed (%v); HTTP figures come from the Go load client, which shares the CPU with the servers less efficiently than wrk", err)
		return &goLoader{}
	}
	path, err := exec.LookPath("wrk")
	if err != nil {
		b.table.note("apt-get installed wrk but it is not on PATH; using the Go load client")
		return &goLoader{}
	}
	return &wrk{path: path, dir: b.tmp}
}

// installWrk runs `apt-get install -y wrk` (after an `apt-get update` if
// the first try fails, as on a fresh machine with no package lists).
func installWrk(ctx context.Context, progress func(string, ...any)) error {
	if _, err := exec.LookPath("apt-get"); err != nil {
		return errors.New("no apt-get")
	}
	if os.Geteuid() != 0 {
		return errors.New("not root, so apt-get cannot install it")
	}
	apt := func(args ...string) error {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("apt-get %s: %w\n%s", args[0], err, devproc.Tail(out, 5))
		}
		return nil
	}
	progress("wrk not found: apt-get install -y wrk")
	if err := apt("install", "-y", "wrk"); err == nil {
		return nil
	}
	if err := apt("update"); err != nil {
		return err
	}
	return apt("install", "-y", "wrk")
}

// wrk drives github.com/wg/wrk. A Lua script sets the Authorization
// header and prints the exact figures from wrk's own summary, so nothing
// depends on parsing its human-readable units.
type wrk struct {
	path string
	dir  string // where the scripts are written
}

func (w *wrk) describe() string {
	return fmt.Sprintf("wrk -t%d -c%d --latency", loadThreads, loadConns)
}

// wrkScript reports in microseconds (wrk's unit) on one line we parse.
const wrkScript = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH_RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d status_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
`

// wrkPathsScript makes wrk request the paths in turn. Each thread has
// its own Lua state, so each starts at its own place in the list.
func wrkPathsScript(paths []string) string {
	var b bytes.Buffer
	b.WriteString("local paths = {\n")
	for _, p := range paths {
		fmt.Fprintf(&b, "  %q,\n", p)
	}
	b.WriteString(`}
local n = 0
setup = function(thread)
  thread:set("start", math.random(#paths))
end
init = function(args)
  n = start or 0
end
request = function()
  n = n + 1
  return wrk.format(nil, paths[n % #paths + 1])
end
`)
	return b.String()
}

var wrkResultRE = regexp.MustCompile(`BENCH_RESULT requests=(\d+) duration_us=(\d+) p50_us=(\d+) p99_us=(\d+) status_errors=(\d+) socket_errors=(\d+)`)

func (w *wrk) run(ctx context.Context, t loadTarget, d time.Duration) (loadResult, error) {
	script := filepath.Join(w.dir, "wrk-"+t.name+".lua")
	body := wrkScript
	if len(t.paths) > 0 {
		body = wrkPathsScript(t.paths) + body
	}
	if t.key != "" {
		body = fmt.Sprintf("wrk.headers[\"Authorization\"] = %q\n", "Bearer "+t.key) + body
	}
	if err := os.WriteFile(script, []byte(body), 0o600); err != nil {
		return loadResult{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	secs := max(1, int(d.Round(time.Second)/time.Second))
	cmd := exec.CommandContext(ctx, w.path,
		"-t"+strconv.Itoa(loadThreads), "-c"+strconv.Itoa(loadConns), "-d"+strconv.Itoa(secs)+"s",
		"--latency", "-s", script, t.url)
	cmd.SysProcAttr = devproc.ProcAttr()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return loadResult{}, fmt.Errorf("wrk %s: %w\n%s", t.url, err, devproc.Tail(out.Bytes(), 15))
	}
	m := wrkResultRE.FindStringSubmatch(out.String())
	if m == nil {
		return loadResult{}, fmt.Errorf("wrk printed no result line:\n%s", devproc.Tail(out.Bytes(), 15))
	}
	n := make([]int64, len(m))
	for i := 1; i < len(m); i++ {
		n[i], _ = strconv.ParseInt(m[i], 10, 64)
	}
	return loadResult{
		requests: n[1], duration: time.Duration(n[2]) * time.Microsecond,
		p50: time.Duration(n[3]) * time.Microsecond, p99: time.Duration(n[4]) * time.Microsecond,
		statusErrors: n[5], socketErrors: n[6],
	}, nil
}

// goLoader is the fallback when wrk is unavailable: loadConns goroutines,
// each with its own keep-alive connection, sending requests back to back.
type goLoader struct{}

func (g *goLoader) describe() string {
	return fmt.Sprintf("Go load client, %d connections", loadConns)
}

func (g *goLoader) run(ctx context.Context, t loadTarget, d time.Duration) (loadResult, error) {
	client := newClient(false, loadConns)
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()

	var (
		mu                   sync.Mutex
		all                  []time.Duration
		statusErrs, sockErrs int64
		wg                   sync.WaitGroup
	)
	start := time.Now()
	for conn := range loadConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1<<16)
			var st, se int64
			for i := conn * 7; ctx.Err() == nil; i++ {
				t0 := time.Now()
				status, err := g.once(ctx, client, t, i)
				if err != nil {
					if ctx.Err() == nil {
						se++
					}
					continue
				}
				lat = append(lat, time.Since(t0))
				if status >= 400 {
					st++
				}
			}
			mu.Lock()
			all = append(all, lat...)
			statusErrs += st
			sockErrs += se
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(all)
	return loadResult{
		requests: int64(len(all)), duration: elapsed,
		p50: percentile(all, 50), p99: percentile(all, 99),
		statusErrors: statusErrs, socketErrors: sockErrs,
	}, nil
}

func (g *goLoader) once(ctx context.Context, client *http.Client, t loadTarget, i int) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.url, nil)
	if err != nil {
		return 0, err
	}
	if len(t.paths) > 0 {
		u := *req.URL
		u.Path, u.RawQuery, _ = strings.Cut(t.pathAt(i), "?")
		req.URL = &u
	}
	if t.key != "" {
		req.Header.Set("Authorization", "Bearer "+t.key)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, err
}
