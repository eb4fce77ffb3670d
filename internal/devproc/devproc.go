// Package devproc runs tokenadmin as child processes for the development
// tools (make bench, make abuse, make screenshots): an environment that
// cannot point them at real data, a build of any revision, the address a
// server bound and its CPU time. It is not part of the server.
package devproc

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ChildEnv is our environment without any tokenadmin setting the caller
// may have exported (a stray DATABASE_URL must not point a tool's server
// at real data), plus extra.
func ChildEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TOKENADMIN_") || strings.HasPrefix(kv, "DATABASE_URL=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// ListeningRE finds the address in serve's "listening" log line; the
// tools start servers on 127.0.0.1:0 so that no port can be taken already.
var ListeningRE = regexp.MustCompile(`msg=listening addr=(\S+)`)

// Listening returns the base URL (http://HOST:PORT) a server's log
// announces after offset, or "" while it has not.
func Listening(logPath string, offset int64) string {
	out, err := os.ReadFile(logPath)
	if err != nil || int64(len(out)) <= offset {
		return ""
	}
	if m := ListeningRE.FindSubmatch(out[offset:]); m != nil {
		return "http://" + string(m[1])
	}
	return ""
}

// BuildRevision builds rev's tokenadmin into dir, in a temporary git
// worktree that it removes again, and returns the binary's path. tool
// names the caller in its progress line.
func BuildRevision(ctx context.Context, tool, rev, dir string) (string, error) {
	wt := filepath.Join(dir, "worktree-"+sanitize(rev))
	fmt.Fprintf(os.Stderr, "%s: building %s in a temporary worktree\n", tool, rev)
	if out, err := exec.CommandContext(ctx, "git", "worktree", "add", "--detach", wt, rev).CombinedOutput(); err != nil {
		return "", fmt.Errorf("git worktree add %s: %v\n%s", rev, err, out)
	}
	defer exec.Command("git", "worktree", "remove", "--force", wt).Run()
	bin := filepath.Join(dir, "tokenadmin-"+sanitize(rev))
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/tokenadmin")
	cmd.Dir = wt
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", rev, err, out)
	}
	return bin, nil
}

// Build builds the working tree's tokenadmin into dir.
func Build(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "tokenadmin")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/tokenadmin").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

func sanitize(rev string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, rev)
}

// CLI runs one tokenadmin command to completion in dir with env (on top
// of ChildEnv) and stdin, and returns its standard output.
func CLI(ctx context.Context, bin, dir string, env []string, stdin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env, cmd.Dir = ChildEnv(env...), dir
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.SysProcAttr = ProcAttr()
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("tokenadmin %s: %w\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), nil
}

// clockTick is the kernel's USER_HZ, 100 on every Linux build that
// matters; /proc reports CPU times in these ticks.
const clockTick = 100

// CPU is the CPU time (user + system) process pid has used so far; ok is
// false where /proc cannot say.
func CPU(pid int) (cpu time.Duration, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// Fields after the command name, which is in parentheses and may hold
	// spaces: state is field 3, utime 14, stime 15.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 || i+2 > len(b) {
		return 0, false
	}
	f := strings.Fields(string(b[i+2:]))
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(u+s) * time.Second / clockTick, true
}
