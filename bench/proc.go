package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/tokenadmin/tokenadmin/internal/devproc"
)

// Timeouts for the child processes the benchmark drives.
const (
	startTimeout   = 20 * time.Second
	stopGrace      = 5 * time.Second
	requestTimeout = 10 * time.Second
)

// server is one running `tokenadmin serve`. Its output goes to a file, not
// a pipe: under load it logs every request, and a pipe the orchestrator
// had to drain would take CPU from the figures being measured.
type server struct {
	name    string
	srv     *devproc.Server
	logPath string
	base    string // http://127.0.0.1:PORT

	stopOnce sync.Once
}

// children is every process the benchmark started, so that an error, an
// interrupt or a panic in one section never leaves a server behind.
type children struct {
	mu      sync.Mutex
	servers []*server
}

func (c *children) add(s *server) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.servers = append(c.servers, s)
}

// stopAll stops every server still running, newest first.
func (c *children) stopAll() {
	c.mu.Lock()
	all := append([]*server(nil), c.servers...)
	c.servers = nil
	c.mu.Unlock()
	for i := len(all) - 1; i >= 0; i-- {
		all[i].stop()
	}
}

// startServer runs `bin serve` with env (which must set DATABASE_URL and
// TOKENADMIN_SECRET) in the temp dir, where a generated secret file or
// data/ folder lands, never the repo; waits until /healthz answers, and
// registers the process for clean-up.
func (b *bench) startServer(ctx context.Context, name, bin string, env []string) (*server, error) {
	logPath := filepath.Join(b.tmp, name+".log")
	if err := os.Remove(logPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	srv, err := devproc.Start(ctx, bin, b.tmp, logPath, env, startTimeout)
	if err != nil {
		return nil, fmt.Errorf("start %s server: %w", name, err)
	}
	s := &server{name: name, srv: srv, logPath: logPath, base: srv.Base}
	b.children.add(s)
	return s, nil
}

// stop asks the server to shut down (SIGTERM, as in production) and kills
// it if it has not exited within stopGrace. Safe to call more than once.
func (s *server) stop() {
	s.stopOnce.Do(func() {
		_ = s.srv.Cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.srv.Done:
		case <-time.After(stopGrace):
			s.srv.Kill()
		}
	})
}

// logSize is where the next log line will start.
func (s *server) logSize() int64 {
	st, err := os.Stat(s.logPath)
	if err != nil {
		return 0
	}
	return st.Size()
}

// logFrom returns the log written since offset.
func (s *server) logFrom(offset int64) ([]byte, error) {
	out, err := os.ReadFile(s.logPath)
	if err != nil {
		return nil, err
	}
	if offset > int64(len(out)) {
		offset = 0
	}
	return out[offset:], nil
}

// truncateLog empties the log between load runs: a 10 s run at tens of
// thousands of requests per second writes tens of megabytes. The server
// appends (O_APPEND), so it carries on at the new end.
func (s *server) truncateLog() { _ = os.Truncate(s.logPath, 0) }

// cli runs one tokenadmin command to completion in the temp dir and
// returns its stdout.
func (b *bench) cli(ctx context.Context, env []string, stdin string, args ...string) (string, error) {
	return devproc.CLI(ctx, b.bin, b.tmp, env, stdin, args...)
}

// errSkipped marks a section that could not run on this machine; it is
// reported in the table, not as a failure.
var errSkipped = errors.New("skipped")
