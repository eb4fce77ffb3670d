package devproc

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"time"
)

// Server is one `tokenadmin serve` started by Start.
type Server struct {
	Cmd  *exec.Cmd
	Base string        // http://127.0.0.1:PORT
	Done chan struct{} // closed once the process has exited
}

// Start runs `bin serve` in dir with env (on top of ChildEnv) on a free
// port of 127.0.0.1, its output appended to logPath, and waits up to
// limit for /healthz to answer 200. A server that exits or does not
// answer in time is an error naming its log.
func Start(ctx context.Context, bin, dir, logPath string, env []string, limit time.Duration) (*Server, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	// Only what this start writes: a restarted server appends to its log.
	offset, err := f.Seek(0, 2)
	if err != nil {
		f.Close()
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(ChildEnv(env...), "TOKENADMIN_ADDR=127.0.0.1:0")
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, f, f
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, err
	}
	s := &Server{Cmd: cmd, Done: make(chan struct{})}
	go func() { _ = cmd.Wait(); f.Close(); close(s.Done) }()
	deadline := time.Now().Add(limit)
	for {
		if s.Base == "" {
			s.Base = Listening(logPath, offset)
		}
		if s.Base != "" && healthy(ctx, s.Base) {
			return s, nil
		}
		select {
		case <-s.Done:
			return nil, fmt.Errorf("tokenadmin serve exited; see %s", logPath)
		case <-ctx.Done():
			s.Kill()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Kill()
			return nil, fmt.Errorf("tokenadmin serve did not answer /healthz within %s; see %s", limit, logPath)
		}
	}
}

// Kill stops the server at once (a graceful shutdown would wait for work
// a tool may have left it busy with) and waits for it to exit.
func (s *Server) Kill() {
	if s.Cmd.Process != nil {
		_ = s.Cmd.Process.Kill()
	}
	<-s.Done
}

// loopback dials 127.0.0.1 only: the tools never send traffic off the
// machine, whatever a log line or a proxy setting says.
var loopback = &http.Client{Transport: &http.Transport{
	Proxy: nil,
	DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if host, _, _ := net.SplitHostPort(addr); host != "127.0.0.1" {
			return nil, fmt.Errorf("devproc: refusing to connect to %s: only 127.0.0.1", addr)
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	},
}}

func healthy(ctx context.Context, base string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/healthz", nil)
	if err != nil {
		return false
	}
	res, err := loopback.Do(req)
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}
