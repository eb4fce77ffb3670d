package devproc

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
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
	cmd.SysProcAttr = ProcAttr()
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
			return nil, fmt.Errorf("tokenadmin serve exited:\n%s", logTail(logPath, offset))
		case <-ctx.Done():
			s.Kill()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Kill()
			return nil, fmt.Errorf("tokenadmin serve did not answer /healthz within %s:\n%s", limit, logTail(logPath, offset))
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

// DialLoopback dials 127.0.0.1 only, from local when it is not nil: the
// tools never send traffic off the machine, whatever a URL, a log line or
// a proxy setting says.
func DialLoopback(local *net.TCPAddr) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if host, _, _ := net.SplitHostPort(addr); host != "127.0.0.1" {
			return nil, fmt.Errorf("refusing to connect to %s: only 127.0.0.1", addr)
		}
		d := net.Dialer{Timeout: 5 * time.Second}
		if local != nil {
			d.LocalAddr = local
		}
		return d.DialContext(ctx, network, addr)
	}
}

var loopback = &http.Client{Transport: &http.Transport{Proxy: nil, DialContext: DialLoopback(nil)}}

// logTail is the last lines a start wrote to its log (from offset on),
// for an error: the tools remove their temporary directories, log
// included, when they fail.
func logTail(logPath string, offset int64) string {
	out, err := os.ReadFile(logPath)
	if err != nil {
		return "  (no log: " + err.Error() + ")"
	}
	return Tail(out[min(offset, int64(len(out))):], 20)
}

// Tail is the last n lines of out, indented, for an error message.
func Tail(out []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  | " + strings.Join(lines, "\n  | ")
}

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
