package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"

	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tokenadmin/tokenadmin/internal/devproc"
)

// Timeouts for the child processes the benchmark drives.
const (
	cliTimeout     = 60 * time.Second
	startTimeout   = 20 * time.Second
	stopGrace      = 5 * time.Second
	requestTimeout = 10 * time.Second
)

// server is one running `tokenadmin serve`. Its output goes to a file, not
// a pipe: under load it logs every request, and a pipe the orchestrator
// had to drain would take CPU from the figures being measured.
type server struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	logFile *os.File
	base    string // http://127.0.0.1:PORT

	done    chan struct{} // closed when the process has exited
	waitErr error

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
// TOKENADMIN_SECRET), waits until /healthz answers, and registers the
// process for clean-up.
func (b *bench) startServer(ctx context.Context, name, bin string, env []string) (*server, error) {
	logPath := filepath.Join(b.tmp, name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(devproc.ChildEnv(env...), "TOKENADMIN_ADDR=127.0.0.1:0")
	cmd.Dir = b.tmp // a generated secret file or data/ folder lands in the temp dir, never the repo
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s server: %w", name, err)
	}
	s := &server{name: name, cmd: cmd, logPath: logPath, logFile: f, done: make(chan struct{})}
	go func() { s.waitErr = cmd.Wait(); close(s.done) }()
	b.children.add(s)

	if err := s.awaitListening(ctx); err != nil {
		s.stop()
		return nil, err
	}
	if err := s.awaitHealthy(ctx, b.client); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// awaitListening reads the address the server bound from its log.
func (s *server) awaitListening(ctx context.Context) error {
	deadline := time.Now().Add(startTimeout)
	for {
		out, _ := os.ReadFile(s.logPath)
		if m := devproc.ListeningRE.FindSubmatch(out); m != nil {
			addr := string(m[1])
			if !strings.HasPrefix(addr, "127.0.0.1:") {
				return fmt.Errorf("%s server listens on %s, not 127.0.0.1", s.name, addr)
			}
			s.base = "http://" + addr
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("%s server exited before listening (%v):\n%s", s.name, s.waitErr, devproc.Tail(out, 20))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s server did not start within %s:\n%s", s.name, startTimeout, devproc.Tail(out, 20))
		}
	}
}

func (s *server) awaitHealthy(ctx context.Context, client *http.Client) error {
	deadline := time.Now().Add(startTimeout)
	for {
		status, _, err := get(ctx, client, s.base+"/healthz", "")
		if err == nil && status == http.StatusOK {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s server: /healthz not ready within %s (status %d, %v)", s.name, startTimeout, status, err)
		}
		select {
		case <-s.done:
			return fmt.Errorf("%s server exited: %v", s.name, s.waitErr)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// stop asks the server to shut down (SIGTERM, as in production) and kills
// it if it has not exited within stopGrace. Safe to call more than once.
func (s *server) stop() {
	s.stopOnce.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(stopGrace):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
		s.logFile.Close()
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
func (s *server) truncateLog() { _ = s.logFile.Truncate(0) }

// cli runs one tokenadmin command to completion and returns its stdout.
func (b *bench) cli(ctx context.Context, env []string, stdin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.bin, args...)
	cmd.Env = devproc.ChildEnv(env...)
	cmd.Dir = b.tmp
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (timeout %s)", err, cliTimeout)
		}
		return "", fmt.Errorf("tokenadmin %s: %w\n%s", strings.Join(args, " "), err, devproc.Tail(stderr.Bytes(), 10))
	}
	return stdout.String(), nil
}

// errSkipped marks a section that could not run on this machine; it is
// reported in the table, not as a failure.
var errSkipped = errors.New("skipped")
