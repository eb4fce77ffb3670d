// Package browsertest drives headless Chromium from Go tests through
// chromedp. It is a normal (non-test) package so that every package's tests
// can share one set of browser flags, the console-error rule and the
// screenshot location.
//
// A typical test:
//
//	srv := httptest.NewServer(handler)
//	t.Cleanup(srv.Close)
//	ctx := browsertest.New(t)
//	browsertest.Run(t, ctx,
//		chromedp.Navigate(srv.URL),
//		chromedp.Click(`[data-testid="create-token"]`, chromedp.ByQuery),
//	)
//	browsertest.Screenshot(t, ctx, "form")
package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// RequireEnv is the environment variable that turns a missing browser from a
// skip into a failure; CI sets it to 1.
const RequireEnv = "TOKENADMIN_REQUIRE_BROWSER"

// intended422 is how Chromium logs each 422 response. The product answers
// htmx validation failures with 422 on purpose (spec §4), so that line is
// no defect; other 4xx/5xx responses still count.
const intended422 = "the server responded with a status of 422"

// debianChromium is where Debian's chromium package puts its launcher.
const debianChromium = "/usr/bin/chromium"

type collectorKey struct{}

// collector records the page's console errors. Listeners run on chromedp's
// event goroutine after the test may have returned, so they never touch t.
type collector struct {
	mu           sync.Mutex
	errs         []string
	allowed      []string
	beforeUnload int
}

func (c *collector) add(msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, msg)
}

// dialog counts a "leave this page?" question, which the harness answers
// yes so that navigation goes on; any other JavaScript dialog is an error:
// the app uses <dialog> elements, never alert or confirm.
func (c *collector) dialog(d *page.EventJavascriptDialogOpening) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d.Type == page.DialogTypeBeforeunload {
		c.beforeUnload++
		return
	}
	c.errs = append(c.errs, fmt.Sprintf("unexpected JavaScript %s dialog: %q", d.Type, d.Message))
}

// BeforeUnloadDialogs is how many times the page in ctx's tab asked before
// being left (a beforeunload dialog); the harness answered each with
// "leave". ctx must come from [New].
func BeforeUnloadDialogs(ctx context.Context) int {
	c := mustCollector(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.beforeUnload
}

func (c *collector) snapshot() (errs, allowed []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.errs...), append([]string(nil), c.allowed...)
}

// New starts a headless Chromium for t and returns a chromedp context for
// one tab, cancelled (and the browser stopped) when t ends.
//
// Without Chromium the test is skipped, or fails when TOKENADMIN_REQUIRE_BROWSER=1.
// Every console.error, failed console.assert, uncaught exception and
// browser-side error log entry (CSP violations, failed resource loads) of
// that tab is recorded; at cleanup the test fails listing them, except
// Chromium's line for a 422 response (the product's answer to invalid htmx
// forms) and those allowed with [AllowConsoleError]. Tabs opened with
// chromedp.NewContext(ctx) are not watched.
func New(t testing.TB) context.Context {
	t.Helper()
	execPath := chromiumPath()
	if execPath == "" {
		msg := "browsertest: chromium not found at " + debianChromium + " or on PATH (apt-get install -y chromium)"
		if os.Getenv(RequireEnv) == "1" {
			t.Fatal(msg + "; " + RequireEnv + "=1 forbids skipping")
		}
		t.Skip(msg)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		// Chromium refuses to start as root with its sandbox.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		// The network is closed: stop Chromium from trying to phone home.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithErrorf(chromedpErrorf))

	c := &collector{allowed: []string{intended422}}
	ctx := context.WithValue(browserCtx, collectorKey{}, c)
	chromedp.ListenTarget(ctx, func(ev any) {
		if msg, ok := consoleError(ev); ok {
			c.add(msg)
		}
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			c.dialog(d)
			// A dialog blocks the page until answered, and the listener
			// must not wait for the browser: answer from a goroutine.
			go func() { _ = chromedp.Run(ctx, page.HandleJavaScriptDialog(true)) }()
		}
	})

	t.Cleanup(func() {
		// A round trip delivers the events Chromium sent before it, so an
		// error raised by the test's last action is not lost.
		flushCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_ = chromedp.Run(flushCtx, chromedp.Evaluate(`0`, nil))
		cancel()
		reportConsoleErrors(t, c)

		closeCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := chromedp.Cancel(closeCtx); err != nil && !errors.Is(err, context.Canceled) {
			t.Logf("browsertest: closing chromium: %v", err)
		}
		cancelBrowser()
		// Waits for the process to exit, so t.TempDir can remove the profile.
		cancelAlloc()
	})

	// Start the browser now, so a broken installation fails here rather than
	// in the test's first action. Focus emulation keeps the tab "focused"
	// even when a test opens another tab: the clipboard API rejects with
	// "Document is not focused" otherwise.
	if err := chromedp.Run(ctx, emulation.SetFocusEmulationEnabled(true)); err != nil {
		t.Fatalf("browsertest: start chromium (%s): %v", execPath, err)
	}
	return ctx
}

// chromedpErrorf drops chromedp's complaint about CDP events it has no
// handler for (Chromium is newer than chromedp's protocol: opening a
// <dialog> sends DOM.topLayerElementsUpdated), which is noise in every
// dialog test. It logs through the log package because chromedp may call
// it after the test has returned, when t.Logf would panic.
func chromedpErrorf(format string, args ...any) {
	if strings.HasPrefix(format, "unhandled node event") {
		return
	}
	log.Printf(format, args...)
}

// ActionTimeout bounds each [Run]. chromedp waits for a selector forever,
// so without it a missing element hangs the test until go test's -timeout
// kills the whole package.
const ActionTimeout = 15 * time.Second

// Run runs actions in ctx's tab within [ActionTimeout] and ends the test
// with t.Fatal if one fails.
func Run(t testing.TB, ctx context.Context, actions ...chromedp.Action) {
	t.Helper()
	runCtx, cancel := context.WithTimeout(ctx, ActionTimeout)
	defer cancel()
	if err := chromedp.Run(runCtx, actions...); err != nil {
		t.Fatalf("browsertest: %v", err)
	}
}

// chromiumPath prefers Debian's launcher, which applies the distribution's
// default flags, over whatever else is on PATH.
func chromiumPath() string {
	if _, err := os.Stat(debianChromium); err == nil {
		return debianChromium
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// AllowConsoleError lets a test expect console errors that contain
// substring: they are no longer reported at cleanup. ctx must come from [New].
func AllowConsoleError(ctx context.Context, substring string) {
	c := mustCollector(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.allowed = append(c.allowed, substring)
}

// ConsoleErrors returns the console errors recorded so far in ctx's tab,
// allowed ones included, oldest first. Events arrive asynchronously: poll
// when asserting that an error appears. ctx must come from [New].
func ConsoleErrors(ctx context.Context) []string {
	errs, _ := mustCollector(ctx).snapshot()
	return errs
}

func mustCollector(ctx context.Context) *collector {
	c, ok := ctx.Value(collectorKey{}).(*collector)
	if !ok {
		panic("browsertest: context does not come from browsertest.New")
	}
	return c
}

func reportConsoleErrors(t testing.TB, c *collector) {
	errs, allowed := c.snapshot()
	var unexpected []string
	for _, e := range errs {
		if !containsAny(e, allowed) {
			unexpected = append(unexpected, e)
		}
	}
	if len(unexpected) > 0 {
		t.Errorf("browser console has %d error(s); it must stay free of errors:\n  %s",
			len(unexpected), strings.Join(unexpected, "\n  "))
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// consoleError turns the CDP events that DevTools shows as red console lines
// into one readable line each.
func consoleError(ev any) (string, bool) {
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.APITypeError && ev.Type != runtime.APITypeAssert {
			return "", false
		}
		parts := make([]string, 0, len(ev.Args))
		for _, arg := range ev.Args {
			parts = append(parts, remoteObjectString(arg))
		}
		return fmt.Sprintf("console.%s: %s%s", ev.Type, strings.Join(parts, " "), stackLocation(ev.StackTrace)), true
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		if d == nil {
			return "", false
		}
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			// The description starts with "Error: message" and goes on with
			// the stack, which the location below summarises.
			text += " " + strings.SplitN(d.Exception.Description, "\n", 2)[0]
		}
		loc := ""
		if d.URL != "" {
			loc = fmt.Sprintf(" (%s:%d:%d)", d.URL, d.LineNumber+1, d.ColumnNumber+1)
		} else {
			loc = stackLocation(d.StackTrace)
		}
		return "exception: " + text + loc, true
	case *cdplog.EventEntryAdded:
		e := ev.Entry
		if e == nil || e.Level != cdplog.LevelError {
			return "", false
		}
		loc := ""
		if e.URL != "" {
			loc = " (" + e.URL + ")"
		}
		return fmt.Sprintf("log %s: %s%s", e.Source, e.Text, loc), true
	}
	return "", false
}

func remoteObjectString(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	if len(o.Value) > 0 {
		var s string
		if json.Unmarshal(o.Value, &s) == nil {
			return s
		}
		return string(o.Value)
	}
	if o.UnserializableValue != "" {
		return string(o.UnserializableValue)
	}
	if o.Subtype == runtime.SubtypeNull {
		return "null"
	}
	if p := o.Preview; p != nil && len(p.Properties) > 0 && o.Subtype != runtime.SubtypeError {
		// Plain objects describe themselves as "Object"; the preview has
		// the fields that make the message useful.
		fields := make([]string, 0, len(p.Properties))
		for _, prop := range p.Properties {
			fields = append(fields, prop.Name+": "+prop.Value)
		}
		more := ""
		if p.Overflow {
			more = ", …"
		}
		return o.Description + " {" + strings.Join(fields, ", ") + more + "}"
	}
	if o.Description != "" {
		return o.Description
	}
	return string(o.Type)
}

func stackLocation(st *runtime.StackTrace) string {
	if st == nil || len(st.CallFrames) == 0 {
		return ""
	}
	f := st.CallFrames[0]
	return fmt.Sprintf(" (%s:%d:%d)", f.URL, f.LineNumber+1, f.ColumnNumber+1)
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Screenshot saves a full-page PNG of ctx's tab as
// testdata/screenshots/<test name>-<name>.png under the repository root
// (the directory holding go.mod), for people to look at; tests never
// compare them. Failures are reported with t.Errorf, so the test goes on.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Errorf("browsertest: screenshot %q: %v", name, err)
		return
	}
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Errorf("browsertest: screenshot %q: %v", name, err)
		return
	}
	dir := filepath.Join(root, "testdata", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Errorf("browsertest: screenshot %q: %v", name, err)
		return
	}
	file := unsafeFileChars.ReplaceAllString(strings.ReplaceAll(t.Name(), "/", "_")+"-"+name, "_") + ".png"
	if err := os.WriteFile(filepath.Join(dir, file), png, 0o644); err != nil {
		t.Errorf("browsertest: screenshot %q: %v", name, err)
	}
}

// repoRoot walks up from the working directory, which go test sets to the
// package's directory, to the one holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// grantPermissionsParams is Browser.grantPermissions, which the pinned
// cdproto no longer generates but Chromium still serves.
type grantPermissionsParams struct {
	Permissions []string `json:"permissions"`
	Origin      string   `json:"origin,omitempty"`
}

// GrantClipboard lets pages of origin (scheme://host:port, e.g. an
// httptest.Server's URL) read and write the clipboard without a prompt, so
// that a test can check what a copy button copied with [ReadClipboard].
func GrantClipboard(ctx context.Context, origin string) error {
	c := chromedp.FromContext(ctx)
	if c == nil || c.Browser == nil {
		return errors.New("browsertest: GrantClipboard needs a started chromedp context")
	}
	params := grantPermissionsParams{
		Permissions: []string{"clipboardReadWrite", "clipboardSanitizedWrite"},
		Origin:      origin,
	}
	if err := cdp.Execute(cdp.WithExecutor(ctx, c.Browser), "Browser.grantPermissions", params, nil); err != nil {
		return fmt.Errorf("browsertest: grant clipboard to %s: %w", origin, err)
	}
	return nil
}

// ReadClipboard returns the clipboard's text as the page in ctx's tab sees
// it; grant access first with [GrantClipboard].
func ReadClipboard(ctx context.Context) (string, error) {
	var text string
	err := chromedp.Run(ctx, chromedp.Evaluate(`navigator.clipboard.readText()`, &text,
		func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	if err != nil {
		return "", fmt.Errorf("browsertest: read clipboard: %w", err)
	}
	return text, nil
}
