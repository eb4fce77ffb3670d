package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"strconv"
	"strings"
	"time"

	"github.com/tokenadmin/tokenadmin/internal/devproc"
)

// server is one running `tokenadmin serve` of one build on one database.
type server struct {
	bin, logPath string
	env          []string
	srv          *devproc.Server // nil while stopped
	base         string          // http://127.0.0.1:PORT
}

// cli runs one tokenadmin command to completion and returns its stdout.
func cli(ctx context.Context, bin, dir string, env []string, stdin string, args ...string) (string, error) {
	return devproc.CLI(ctx, bin, dir, env, stdin, args...)
}

// start runs the server and waits until /healthz answers.
func (s *server) start(ctx context.Context) error {
	srv, err := devproc.Start(ctx, s.bin, filepath.Dir(s.logPath), s.logPath, s.env, time.Minute)
	if err != nil {
		return err
	}
	s.srv, s.base = srv, srv.Base
	return nil
}

// stop kills the server: a case that ran over its cap may leave it busy
// for minutes, and a graceful shutdown would wait for that work.
func (s *server) stop() {
	if s.srv == nil {
		return
	}
	s.srv.Kill()
	s.srv, s.base = nil, ""
}

// cpu is the CPU time (user + system) the server has used so far, or -1
// where /proc cannot say.
func (s *server) cpu() time.Duration { return procCPU(s.srv.Cmd.Process.Pid) }

// procCPU is the CPU time (user + system) process pid has used so far, or
// -1 where /proc cannot say.
func procCPU(pid int) time.Duration {
	if cpu, ok := devproc.CPU(pid); ok {
		return cpu
	}
	return -1
}

// resetPeak starts the server's peak memory (VmHWM) afresh, so that each
// case's peak is its own.
func (s *server) resetPeak() {
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.srv.Cmd.Process.Pid), []byte("5"), 0)
}

// memory returns the server's resident memory and its peak since the last
// resetPeak, in bytes (0 where /proc cannot say).
func (s *server) memory() (rss, peak int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.srv.Cmd.Process.Pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			peak = kb << 10
		}
	}
	return rss, peak
}

// busy reports whether the server is still burning CPU (more than a
// quarter of a core over half a second), i.e. work of a case goes on.
func (s *server) busy() bool {
	c0 := s.cpu()
	time.Sleep(500 * time.Millisecond)
	return s.cpu()-c0 > 125*time.Millisecond
}
