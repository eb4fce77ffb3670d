package devproc

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestChildEnvDropsOurSettings(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://prod")
	t.Setenv("TOKENADMIN_SECRET", "real")
	t.Setenv("HOME_FOR_TEST", "kept")
	env := ChildEnv("DATABASE_URL=sqlite:x.db")
	for _, kv := range env {
		if kv == "DATABASE_URL=postgres://prod" || kv == "TOKENADMIN_SECRET=real" {
			t.Errorf("the child inherits %s", kv)
		}
	}
	if !slices.Contains(env, "HOME_FOR_TEST=kept") || env[len(env)-1] != "DATABASE_URL=sqlite:x.db" {
		t.Errorf("env lost what it must keep: %v", env[len(env)-1])
	}
}

func TestListening(t *testing.T) {
	log := filepath.Join(t.TempDir(), "serve.log")
	os.WriteFile(log, []byte("time=… level=INFO msg=migrated\ntime=… level=INFO msg=listening addr=127.0.0.1:40123 database=sqlite\n"), 0o600)
	if got := Listening(log, 0); got != "http://127.0.0.1:40123" {
		t.Errorf("Listening: %q", got)
	}
	if got := Listening(log, 1<<20); got != "" {
		t.Errorf("past the end: %q", got)
	}
}

func TestCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	before, ok := CPU(os.Getpid())
	if !ok {
		t.Fatal("no CPU time for this process")
	}
	// Burn until the clock (10 ms ticks) moves, for at most 5 s.
	x := 0
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		for i := range 1_000_000 {
			x += i * i
		}
		if now, _ := CPU(os.Getpid()); now > before {
			return
		}
	}
	t.Errorf("CPU time did not grow while burning it (%d)", x)
}

func TestCPUOfNoProcess(t *testing.T) {
	if _, ok := CPU(-1); ok {
		t.Error("CPU of no process")
	}
}

// A server that dies at start-up is an error that quotes what it wrote:
// the tools remove their temporary directory, log included, on failure.
func TestStartQuotesTheLogOfAServerThatExits(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("a shell script stands in for the server")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "fake-tokenadmin")
	script := "#!/bin/sh\necho 'level=ERROR msg=\"DATABASE_URL: no such host\"' >&2\nexit 1\n"
	if err := os.WriteFile(bin, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "server.log")
	if err := os.WriteFile(logPath, []byte("an earlier start's line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Start(t.Context(), bin, dir, logPath, nil, 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "no such host") {
		t.Fatalf("Start of a server that exits: %v, want its log line", err)
	}
	if strings.Contains(err.Error(), "an earlier start") {
		t.Errorf("the error quotes another start's log: %v", err)
	}
}
