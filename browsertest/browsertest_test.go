package browsertest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tokenadmin/tokenadmin/browsertest"
)

// The product's CSP, so the self-test pages prove the harness works under it.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

// newSite serves pages (path → body) with the product's CSP; a body for a
// path ending in .js is served as JavaScript.
func newSite(t *testing.T, pages map[string]string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Security-Policy", csp)
		if strings.HasSuffix(r.URL.Path, ".js") {
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		} else {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func page(title, body string) string {
	return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>` + title +
		`</title><link rel="icon" href="/favicon.svg"></head><body>` + body + `</body></html>`
}

const favicon = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"></svg>`

// waitFor polls cond, because console events reach the harness
// asynchronously.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestClickAndScreenshot(t *testing.T) {
	srv := newSite(t, map[string]string{
		"/": page("Harness", `<button id="greet" type="button">Hello</button>`+
			`<script src="/app.js" defer></script>`),
		"/app.js": `document.getElementById('greet').addEventListener('click', function (e) {
			e.currentTarget.textContent = 'Clicked';
		});`,
		"/favicon.svg": favicon,
	})
	ctx := browsertest.New(t)

	var title, text string
	err := chromedp.Run(ctx,
		chromedp.Navigate(srv.URL),
		chromedp.Title(&title),
		chromedp.Click("#greet", chromedp.ByQuery),
		chromedp.Text("#greet", &text, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if title != "Harness" {
		t.Errorf("got title %q, want %q", title, "Harness")
	}
	if text != "Clicked" {
		t.Errorf("got button text %q, want %q", text, "Clicked")
	}

	browsertest.Screenshot(t, ctx, "clicked")
	file := filepath.Join("..", "testdata", "screenshots", "TestClickAndScreenshot-clicked.png")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("screenshot not written: %v", err)
	}
	if !strings.HasPrefix(string(b), "\x89PNG\r\n\x1a\n") {
		t.Errorf("screenshot %s is not a PNG", file)
	}
	if errs := browsertest.ConsoleErrors(ctx); len(errs) != 0 {
		t.Errorf("got console errors %q, want none", errs)
	}
}

// recordingTB stands in for t so that the harness's cleanup report can be
// inspected instead of failing this test.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recordingTB) reported() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.errors, "\n")
}

func TestConsoleErrorsAreReported(t *testing.T) {
	srv := newSite(t, map[string]string{
		"/boom": page("Boom", `<script src="/boom.js"></script>`),
		"/boom.js": `console.error('logged boom', 42);
			throw new Error('uncaught boom');`,
		"/inline":      page("Inline", `<p>inline</p><script>document.title = 'ran';</script>`),
		"/favicon.svg": favicon,
	})

	t.Run("collected", func(t *testing.T) {
		ctx := browsertest.New(t)
		browsertest.AllowConsoleError(ctx, "boom")
		if err := chromedp.Run(ctx, chromedp.Navigate(srv.URL+"/boom")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "both errors", func() bool { return len(browsertest.ConsoleErrors(ctx)) >= 2 })
		got := strings.Join(browsertest.ConsoleErrors(ctx), "\n")
		for _, want := range []string{"console.error: logged boom 42", "exception: Uncaught Error: uncaught boom", "/boom.js:2:"} {
			if !strings.Contains(got, want) {
				t.Errorf("console errors %q lack %q", got, want)
			}
		}
	})

	t.Run("CSP violation collected", func(t *testing.T) {
		ctx := browsertest.New(t)
		browsertest.AllowConsoleError(ctx, "Content Security Policy")
		if err := chromedp.Run(ctx, chromedp.Navigate(srv.URL+"/inline")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the CSP violation", func() bool { return len(browsertest.ConsoleErrors(ctx)) >= 1 })
		if got := browsertest.ConsoleErrors(ctx)[0]; !strings.Contains(got, "inline script") {
			t.Errorf("got %q, want the blocked inline script", got)
		}
	})

	t.Run("failing the test at cleanup", func(t *testing.T) {
		rec := &recordingTB{TB: t}
		// Registered first, so it runs after the harness's own cleanup.
		t.Cleanup(func() {
			got := rec.reported()
			if !strings.Contains(got, "uncaught boom") || !strings.Contains(got, "must stay free of errors") {
				t.Errorf("got cleanup report %q, want the uncaught exception listed", got)
			}
		})
		ctx := browsertest.New(rec)
		if err := chromedp.Run(ctx, chromedp.Navigate(srv.URL+"/boom")); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("allowed errors are not reported", func(t *testing.T) {
		rec := &recordingTB{TB: t}
		t.Cleanup(func() {
			if got := rec.reported(); got != "" {
				t.Errorf("got cleanup report %q, want none", got)
			}
		})
		ctx := browsertest.New(rec)
		browsertest.AllowConsoleError(ctx, "boom")
		if err := chromedp.Run(ctx, chromedp.Navigate(srv.URL+"/boom")); err != nil {
			t.Fatal(err)
		}
	})
}

func TestClipboard(t *testing.T) {
	srv := newSite(t, map[string]string{
		"/": page("Clipboard", `<button id="copy" type="button">Copy</button><script src="/copy.js" defer></script>`),
		"/copy.js": `document.getElementById('copy').addEventListener('click', function (e) {
			navigator.clipboard.writeText('tka_secret').then(function () { e.target.textContent = 'done'; });
		});`,
		"/favicon.svg": favicon,
	})
	ctx := browsertest.New(t)
	if err := browsertest.GrantClipboard(ctx, srv.URL); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Run(ctx,
		chromedp.Navigate(srv.URL),
		chromedp.Click("#copy", chromedp.ByQuery),
		chromedp.WaitReady(`//button[text()="done"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	got, err := browsertest.ReadClipboard(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got != "tka_secret" {
		t.Errorf("got clipboard %q, want %q", got, "tka_secret")
	}
}

