package browsertest_test

import (
	"context"
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
	"github.com/chromedp/chromedp/kb"

	"github.com/tokenadmin/tokenadmin/browsertest"
	"github.com/tokenadmin/tokenadmin/static"
)

// The product's CSP, so the self-test pages prove the harness works under it.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

// newSite serves pages (path → body) with the product's CSP; a path ending
// in .js is served as JavaScript, anything else as HTML. routes may add
// handlers of their own.
func newSite(t *testing.T, pages map[string]string, routes ...func(*http.ServeMux)) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	for path, body := range pages {
		pattern := path
		if path == "/" {
			pattern = "/{$}"
		}
		contentType := "text/html; charset=utf-8"
		if strings.HasSuffix(path, ".js") {
			contentType = "text/javascript; charset=utf-8"
		} else if strings.HasSuffix(path, ".svg") {
			contentType = "image/svg+xml"
		}
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", contentType)
			fmt.Fprint(w, body)
		})
	}
	for _, route := range routes {
		route(mux)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// page wraps body in a document. Chromium asks for /favicon.ico when a page
// names no icon, and the 404 would be a console error.
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
	browsertest.Run(t, ctx,
		chromedp.Navigate(srv.URL),
		chromedp.Title(&title),
		chromedp.Click("#greet", chromedp.ByQuery),
		chromedp.Text("#greet", &text, chromedp.ByQuery),
	)
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
		browsertest.Run(t, ctx, chromedp.Navigate(srv.URL+"/boom"))
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
		browsertest.Run(t, ctx, chromedp.Navigate(srv.URL+"/inline"))
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
		browsertest.Run(t, ctx, chromedp.Navigate(srv.URL+"/boom"))
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
		browsertest.Run(t, ctx, chromedp.Navigate(srv.URL+"/boom"))
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
	browsertest.Run(t, ctx,
		chromedp.Navigate(srv.URL),
		chromedp.Click("#copy", chromedp.ByQuery),
		chromedp.WaitReady(`//button[text()="done"]`),
	)
	got, err := browsertest.ReadClipboard(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got != "tka_secret" {
		t.Errorf("got clipboard %q, want %q", got, "tka_secret")
	}
}

// The tests below drive static/js/app.js, the product's script, through
// the harness: its behaviours only exist in a browser.

const htmxConfig = `{"includeIndicatorStyles":false,"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},{"code":"422","swap":true},{"code":"[45]..","swap":false,"error":true}]}`

// appPage is a page with the product's assets, served by serveStatic.
func appPage(title, body string) string {
	return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>` + title + `</title>` +
		`<meta name="htmx-config" content='` + htmxConfig + `'>` +
		`<link rel="icon" href="/favicon.svg">` +
		`<link rel="stylesheet" href="/static/css/app.css">` +
		`<script src="/static/js/htmx.min.js" defer></script>` +
		`<script src="/static/js/app.js" defer></script>` +
		`</head><body class="p-8"><div id="app-live-region" role="status" aria-live="polite"></div>` + body + `</body></html>`
}

func serveStatic(mux *http.ServeMux) {
	mux.Handle("/static/", http.StripPrefix("/static/", http.FileServerFS(static.FS)))
}

// evalJSON runs a JavaScript expression and decodes its JSON-able result.
func evalJSON(t *testing.T, ctx context.Context, expr string, out any) {
	t.Helper()
	browsertest.Run(t, ctx, chromedp.Evaluate(expr, out))
}

func TestAppCopyToken(t *testing.T) {
	srv := newSite(t, map[string]string{
		"/": appPage("Copy", `<code id="token-value" data-testid="token-value">
				tka_0123456789</code>
			<button type="button" class="btn btn-secondary" data-testid="copy-token" data-copy-target="token-value">
				<span data-copy-label>Copy</span></button>`),
		"/favicon.svg": favicon,
	}, serveStatic)
	ctx := browsertest.New(t)
	if err := browsertest.GrantClipboard(ctx, srv.URL); err != nil {
		t.Fatal(err)
	}
	label := `document.querySelector('[data-copy-label]').textContent`
	copied := func() chromedp.Action {
		return chromedp.Poll(label+` === 'Copied'`, nil, chromedp.WithPollingTimeout(3*time.Second))
	}

	t.Run("clipboard API", func(t *testing.T) {
		browsertest.Run(t, ctx,
			chromedp.Navigate(srv.URL),
			chromedp.Click(`[data-testid="copy-token"]`, chromedp.ByQuery),
			copied(),
		)
		got, err := browsertest.ReadClipboard(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got != "tka_0123456789" {
			t.Errorf("got clipboard %q, want %q", got, "tka_0123456789")
		}
		var live string
		err = chromedp.Run(ctx, chromedp.Poll(`(document.querySelector('[aria-live]') || {}).textContent`, &live,
			chromedp.WithPollingTimeout(time.Second)))
		if err != nil || live != "Copied" {
			t.Errorf("got live region %q (%v), want %q", live, err, "Copied")
		}
		browsertest.Screenshot(t, ctx, "copied")
		// The label comes back so that the button can be used again.
		if err := chromedp.Run(ctx, chromedp.Poll(label+` === 'Copy'`, nil, chromedp.WithPollingTimeout(3*time.Second))); err != nil {
			t.Errorf("label not restored: %v", err)
		}
	})

	t.Run("fallback when the clipboard API rejects", func(t *testing.T) {
		browsertest.Run(t, ctx,
			chromedp.Navigate(srv.URL),
			chromedp.Evaluate(`navigator.clipboard.writeText = function () { return Promise.reject(new Error('denied')); }`, nil),
			chromedp.Click(`[data-testid="copy-token"]`, chromedp.ByQuery),
			copied(),
		)
		var selected string
		evalJSON(t, ctx, `String(window.getSelection()).trim()`, &selected)
		if selected != "tka_0123456789" {
			t.Errorf("got selection %q, want the token", selected)
		}
	})

	t.Run("no way to copy", func(t *testing.T) {
		browsertest.Run(t, ctx,
			chromedp.Navigate(srv.URL),
			chromedp.Evaluate(`navigator.clipboard.writeText = function () { return Promise.reject(new Error('denied')); };
				document.execCommand = function () { return false; }`, nil),
			chromedp.Click(`[data-testid="copy-token"]`, chromedp.ByQuery),
			chromedp.Poll(label+` === 'Press Ctrl+C to copy'`, nil, chromedp.WithPollingTimeout(3*time.Second)),
		)
		var selected string
		evalJSON(t, ctx, `String(window.getSelection()).trim()`, &selected)
		if selected != "tka_0123456789" {
			t.Errorf("got selection %q, want the token left selected for Ctrl+C", selected)
		}
	})
}

func TestAppDialog(t *testing.T) {
	srv := newSite(t, map[string]string{
		"/": appPage("Dialog", `<button type="button" class="btn btn-danger" data-testid="delete-button" data-dialog-open="delete-dialog">Delete</button>
			<dialog id="delete-dialog" data-testid="delete-dialog" aria-labelledby="delete-title">
				<form class="p-6" hx-post="/delete" hx-target="#result">
					<h2 id="delete-title">Delete token?</h2>
					<p id="dialog-error"></p>
					<label><input type="checkbox" name="fail"> answer 422</label>
					<button type="button" class="btn btn-secondary" data-dialog-close>Cancel</button>
					<button type="submit" class="btn btn-danger" data-testid="delete-confirm" autofocus>Delete</button>
				</form>
			</dialog>
			<div id="result"></div>`),
		"/favicon.svg": favicon,
	}, serveStatic, func(mux *http.ServeMux) {
		mux.HandleFunc("POST /delete", func(w http.ResponseWriter, r *http.Request) {
			if r.FormValue("fail") != "" {
				w.Header().Set("HX-Retarget", "#dialog-error")
				w.WriteHeader(http.StatusUnprocessableEntity)
				fmt.Fprint(w, `Still in use`)
				return
			}
			fmt.Fprint(w, `<p id="done">Deleted</p>`)
		})
	})
	ctx := browsertest.New(t)

	type state struct {
		Open   bool   `json:"open"`
		Focus  string `json:"focus"`
		Result string `json:"result"`
		Error  string `json:"error"`
	}
	read := func() state {
		var s state
		evalJSON(t, ctx, `({
			open: document.getElementById('delete-dialog').open,
			focus: document.activeElement.getAttribute('data-testid') || document.activeElement.textContent.trim(),
			result: document.getElementById('result').textContent,
			error: document.getElementById('dialog-error').textContent
		})`, &s)
		return s
	}
	open := chromedp.Click(`[data-testid="delete-button"]`, chromedp.ByQuery)

	browsertest.Run(t, ctx, chromedp.Navigate(srv.URL), chromedp.WaitReady(`body`, chromedp.ByQuery))
	if s := read(); s.Open {
		t.Fatal("dialog open before its button was clicked")
	}

	browsertest.Run(t, ctx, open)
	if s := read(); !s.Open || s.Focus != "delete-confirm" {
		t.Errorf("after opening got %+v, want open with focus on delete-confirm", s)
	}
	browsertest.Screenshot(t, ctx, "open")

	browsertest.Run(t, ctx, chromedp.KeyEvent(kb.Escape))
	if s := read(); s.Open || s.Focus != "delete-button" {
		t.Errorf("after Escape got %+v, want closed with focus back on delete-button", s)
	}

	browsertest.Run(t, ctx, open, chromedp.Click(`[data-dialog-close]`, chromedp.ByQuery))
	if s := read(); s.Open {
		t.Error("Cancel left the dialog open")
	}

	// A 422 swaps its message into the dialog, which must stay open; the
	// harness must not count Chromium's log line for the 422 as an error.
	browsertest.Run(t, ctx, open,
		chromedp.Click(`input[name="fail"]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid="delete-confirm"]`, chromedp.ByQuery),
		chromedp.Poll(`document.getElementById('dialog-error').textContent !== ''`, nil, chromedp.WithPollingTimeout(3*time.Second)),
	)
	if s := read(); !s.Open || s.Error != "Still in use" {
		t.Errorf("after a 422 got %+v, want the dialog open with the error", s)
	}

	browsertest.Run(t, ctx,
		chromedp.Click(`input[name="fail"]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid="delete-confirm"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#done`, chromedp.ByQuery),
	)
	if s := read(); s.Open || s.Result != "Deleted" {
		t.Errorf("after a successful request got %+v, want the dialog closed and the result swapped in", s)
	}
}

func TestAppFlashDismiss(t *testing.T) {
	srv := newSite(t, map[string]string{
		"/": appPage("Flash", `<div data-testid="flash" class="flash flash-success" role="status">Token saved
			<button type="button" data-dismiss aria-label="Dismiss">×</button></div>`),
		"/favicon.svg": favicon,
	}, serveStatic)
	ctx := browsertest.New(t)
	var n int
	browsertest.Run(t, ctx,
		chromedp.Navigate(srv.URL),
		chromedp.Click(`[data-dismiss]`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('[data-testid="flash"]').length`, &n),
	)
	if n != 0 {
		t.Errorf("got %d flash messages after dismissing, want 0", n)
	}
}

const permissionGroups = `
<details data-testid="permission-group" data-content-type="api::article.article" open>
	<summary>Article</summary>
	<label><input type="checkbox" data-testid="select-all"> Select all</label>
	<label><input type="checkbox" name="permissions" value="api::article.article.find" checked> find</label>
	<label><input type="checkbox" name="permissions" value="api::article.article.findOne"> findOne</label>
	<label><input type="checkbox" name="permissions" value="api::article.article.create"> create</label>
	<label><input type="checkbox" name="permissions" value="api::article.article.update"> update</label>
	<label><input type="checkbox" name="permissions" value="api::article.article.delete"> delete</label>
</details>
<details data-testid="permission-group" data-content-type="api::category.category" open>
	<summary>Category</summary>
	<label><input type="checkbox" data-testid="select-all"> Select all</label>
	<label><input type="checkbox" name="permissions" value="api::category.category.find"> find</label>
	<label><input type="checkbox" name="permissions" value="api::category.category.findOne"> findOne</label>
	<label><input type="checkbox" name="permissions" value="api::category.category.create"> create</label>
</details>`

// groupState is one permission-group: the select-all box as "checked",
// "mixed", "unchecked" (prefixed "disabled " when disabled), then each
// action as "x" ticked or "." not, upper case when enabled.
type groupState = string

const readGroups = `Array.from(document.querySelectorAll('[data-testid="permission-group"]')).map(function (g) {
	var all = g.querySelector('[data-testid="select-all"]');
	var s = (all.disabled ? 'disabled ' : '') + (all.indeterminate ? 'mixed' : all.checked ? 'checked' : 'unchecked') + ' ';
	g.querySelectorAll('input[name="permissions"]').forEach(function (b) {
		var c = b.checked ? 'x' : '.';
		s += b.disabled ? c : c.toUpperCase();
	});
	return s;
})`

func TestAppPermissions(t *testing.T) {
	srv := newSite(t, map[string]string{
		"/": appPage("Permissions", `<form data-testid="token-form" class="card space-y-4" method="post" action="/">
				<select name="type" class="input">
					<option value="read-only">Read-only</option>
					<option value="full-access">Full access</option>
					<option value="custom" selected>Custom</option>
				</select>
				<div data-testid="permissions-accordion" id="groups">`+permissionGroups+`</div>
				<button type="button" class="btn btn-secondary" hx-get="/groups" hx-target="#groups">Reload groups</button>
			</form>`),
		// What the server renders again on a swap: one action ticked.
		"/groups":      permissionGroups,
		"/favicon.svg": favicon,
	}, serveStatic)
	ctx := browsertest.New(t)

	check := func(step string, want ...groupState) {
		t.Helper()
		var got []string
		evalJSON(t, ctx, readGroups, &got)
		if strings.Join(got, " | ") != strings.Join(want, " | ") {
			t.Errorf("%s:\n got %q\nwant %q", step, got, want)
		}
	}
	setType := func(v string) {
		t.Helper()
		evalJSON(t, ctx, `(function () {
			var s = document.querySelector('select[name="type"]');
			s.value = '`+v+`';
			s.dispatchEvent(new Event('change', { bubbles: true }));
			return true;
		})()`, new(bool))
	}
	click := func(sel string) {
		t.Helper()
		browsertest.Run(t, ctx, chromedp.Click(sel, chromedp.ByQuery))
	}
	article := `[data-content-type="api::article.article"] `

	browsertest.Run(t, ctx, chromedp.Navigate(srv.URL))
	check("on load", "mixed X....", "unchecked ...")

	click(article + `[data-testid="select-all"]`)
	check("select all", "checked XXXXX", "unchecked ...")

	click(article + `input[value$=".find"]`)
	check("untick find", "mixed .XXXX", "unchecked ...")

	click(`[data-content-type="api::category.category"] [data-testid="select-all"]`)
	click(`[data-content-type="api::category.category"] [data-testid="select-all"]`)
	check("select all twice", "mixed .XXXX", "unchecked ...")

	setType("read-only")
	check("read-only", "disabled mixed xx...", "disabled mixed xx.")
	browsertest.Screenshot(t, ctx, "read-only")

	setType("full-access")
	check("full-access", "disabled checked xxxxx", "disabled checked xxx")

	setType("custom")
	check("back to custom", "mixed .XXXX", "unchecked ...")

	// A swap brings fresh markup; its select-all must be right at once.
	browsertest.Run(t, ctx,
		chromedp.Click(`[hx-get="/groups"]`, chromedp.ByQuery),
		// The fresh markup ticks find, which the page had unticked.
		chromedp.Poll(`document.querySelector('[value="api::article.article.find"]').checked`, nil,
			chromedp.WithPollingTimeout(3*time.Second)),
		// init runs on htmx:afterSettle, 20 ms after the swap.
		chromedp.Sleep(100*time.Millisecond),
	)
	check("after an htmx swap", "mixed X....", "unchecked ...")
}

// TestBeforeUnloadAnswered: a page that asks before being left does not
// stall the test; the question is counted.
func TestBeforeUnloadAnswered(t *testing.T) {
	srv := newSite(t, map[string]string{
		"/":            page("Ask", `<input id="i"><script src="/ask.js"></script>`),
		"/other":       page("Other", `<p>other</p>`),
		"/ask.js":      `window.addEventListener('beforeunload', function (e) { e.preventDefault(); e.returnValue = ''; });`,
		"/favicon.svg": favicon,
	})
	ctx := browsertest.New(t)
	var title string
	browsertest.Run(t, ctx,
		chromedp.Navigate(srv.URL),
		chromedp.SendKeys("#i", "x", chromedp.ByQuery), // a user gesture: only then do pages ask
		chromedp.Navigate(srv.URL+"/other"),
		chromedp.Title(&title),
	)
	if title != "Other" {
		t.Errorf("title %q after leaving, want Other", title)
	}
	waitFor(t, "the question counted", func() bool { return browsertest.BeforeUnloadDialogs(ctx) == 1 })
}
