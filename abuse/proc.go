package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"

	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tokenadmin/tokenadmin/internal/devproc"
)

// server is one running `tokenadmin serve` of one build on one database.
type server struct {
	bin, logPath string
	env          []string
	cmd          *exec.Cmd
	base         string // http://127.0.0.1:PORT
	done         chan struct{}
}

// cli runs one tokenadmin command to completion and returns its stdout.
func cli(ctx context.Context, bin, dir string, env []string, stdin string, args ...string) (string, error) {
	return devproc.CLI(ctx, bin, dir, env, stdin, args...)
}

// start runs the server and waits until /healthz answers.
func (s *server) start(ctx context.Context) error {
	f, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	offset, _ := f.Seek(0, 2)
	s.cmd = exec.Command(s.bin, "serve")
	s.cmd.Env = append(devproc.ChildEnv(s.env...), "TOKENADMIN_ADDR=127.0.0.1:0")
	s.cmd.Dir = filepath.Dir(s.logPath)
	s.cmd.Stdout, s.cmd.Stderr = f, f
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		f.Close()
		return err
	}
	s.done = make(chan struct{})
	go func() { _ = s.cmd.Wait(); f.Close(); close(s.done) }()
	deadline := time.Now().Add(60 * time.Second)
	for s.base == "" || !s.healthy(ctx) {
		if s.base == "" {
			out, _ := os.ReadFile(s.logPath)
			if int64(len(out)) > offset {
				if m := devproc.ListeningRE.FindSubmatch(out[offset:]); m != nil {
					s.base = "http://" + string(m[1])
				}
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("server exited; see %s", s.logPath)
		case <-ctx.Done():
			s.stop()
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return fmt.Errorf("server did not start within a minute; see %s", s.logPath)
		}
	}
	return nil
}

func (s *server) healthy(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/healthz", nil)
	res, err := fromAddr("127.0.0.1").Do(req)
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

// stop kills the server: a case that ran over its cap may leave it busy
// for minutes, and a graceful shutdown would wait for that work.
func (s *server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd, s.base = nil, ""
}

// cpu is the CPU time (user + system) the server has used so far, or -1
// where /proc cannot say.
func (s *server) cpu() time.Duration { return procCPU(s.cmd.Process.Pid) }

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
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.cmd.Process.Pid), []byte("5"), 0)
}

// memory returns the server's resident memory and its peak since the last
// resetPeak, in bytes (0 where /proc cannot say).
func (s *server) memory() (rss, peak int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
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
