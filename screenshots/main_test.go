package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tokenadmin/tokenadmin/browsertest"
)

// The tool works on this build: the shots the review asks for
// (the list, the create form with its errors, the revealed key) come out
// as PNG files at a phone width. Skipped without Chromium, unless
// TOKENADMIN_REQUIRE_BROWSER=1.
func TestScreenshotsOfThisBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds tokenadmin and drives Chromium")
	}
	if _, err := os.Stat(chromium()); err != nil {
		if os.Getenv(browsertest.RequireEnv) == "1" {
			t.Fatalf("chromium not found: %v", err)
		}
		t.Skip("chromium not found")
	}
	// The build runs in the module's root, as make runs it.
	t.Chdir("..")
	out := t.TempDir()
	files, err := run(context.Background(), options{out: out, widths: []int{390}, only: "tokens,token-create-errors,token-reveal"})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"tokens-390.png", "token-create-errors-390.png", "token-reveal-390.png"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || len(b) < 5000 {
			t.Errorf("%s: not a screenshot (%d bytes, %v)", name, len(b), err)
		}
	}
	if len(files) != 3 {
		t.Errorf("files written: %v", files)
	}
}
