// Command screenshots writes a PNG of every admin page, and of the
// component gallery, at phone and desktop widths, for review beside a
// change: `make screenshots` (this build into docs/screenshots/current) or
// `make screenshots SCREENSHOTFLAGS='-rev edc2dc2 -out docs/screenshots/before'`
// (an older build, made in a temporary git worktree).
//
// It runs tokenadmin as an operator would: a fresh SQLite database in a
// temporary folder, an admin and tokens made with the command line, the
// server on 127.0.0.1, and Debian's Chromium signing in through the login
// form. Nothing leaves the machine.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/tokenadmin/tokenadmin/internal/devproc"
)

type options struct {
	out    string
	rev    string
	widths []int
	only   string // comma-separated shot names; "" for all
	dark   bool   // the system asks for dark mode (prefers-color-scheme)
}

func main() {
	var o options
	widths := flag.String("widths", "390,1280,1920", "viewport widths in CSS pixels")
	flag.StringVar(&o.out, "out", filepath.Join("docs", "screenshots", "current"), "folder for the PNGs (created; files of the same name are replaced)")
	flag.StringVar(&o.rev, "rev", "", "a git revision to build and shoot instead of the working tree")
	flag.BoolVar(&o.dark, "dark", false, "shoot with the system's dark mode on (files end in -dark)")
	flag.StringVar(&o.only, "only", "", "comma-separated shot names (e.g. tokens,token-reveal); default all")
	flag.Parse()
	for _, w := range strings.Split(*widths, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(w))
		if err != nil || n < 200 || n > 4000 {
			fmt.Fprintf(os.Stderr, "screenshots: -widths: %q is not a width\n", w)
			os.Exit(2)
		}
		o.widths = append(o.widths, n)
	}
	files, err := run(context.Background(), o)
	for _, f := range files {
		fmt.Println(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "screenshots:", err)
		os.Exit(1)
	}
}

// admin is the account the shots are taken as.
const (
	adminEmail    = "ada@example.com"
	adminPassword = "screenshots only, not secret"
)

// run builds the server, seeds it, and writes the shots; it returns the
// files written.
func run(ctx context.Context, o options) ([]string, error) {
	tmp, err := os.MkdirTemp("", "tokenadmin-screenshots-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var bin string
	if o.rev != "" {
		bin, err = devproc.BuildRevision(ctx, "screenshots", o.rev, tmp)
	} else {
		bin, err = devproc.Build(ctx, tmp)
	}
	if err != nil {
		return nil, err
	}
	env := []string{
		"DATABASE_URL=sqlite:" + filepath.Join(tmp, "shots.db"),
		"TOKENADMIN_SECRET=" + strings.Repeat("5c", 32),
		"TOKENADMIN_DEV=1",
	}
	if err := seed(ctx, bin, tmp, env); err != nil {
		return nil, err
	}
	srv, err := devproc.Start(ctx, bin, tmp, filepath.Join(tmp, "serve.log"), env, 30*time.Second)
	if err != nil {
		return nil, err
	}
	defer srv.Kill()
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return nil, err
	}
	return shoot(ctx, srv.Base, tmp, o)
}

// seed makes what the pages show: a super admin, an editor, and tokens of
// every type and state the list distinguishes.
func seed(ctx context.Context, bin, dir string, env []string) error {
	steps := [][]string{
		{"migrate"},
		{"admin", "create", "--email", adminEmail, "--name", "Ada Admin", "--role", "super-admin", "--password-stdin"},
		{"admin", "create", "--email", "bob@example.com", "--name", "Bob Editor", "--role", "editor", "--password-stdin"},
		{"token", "create", "--name", "Website build", "--description", "Static site generator, reads articles", "--type", "read-only", "--duration", "90d"},
		{"token", "create", "--name", "Nightly importer", "--description", "Writes articles from the old CMS", "--type", "full-access", "--duration", "7d"},
		{"token", "create", "--name", "Mobile app", "--type", "custom", "--duration", "30d", "--permission", "api::article.article.find", "--permission", "api::article.article.findOne"},
		{"token", "create", "--name", "Partner feed with a rather long name that has to fit somewhere", "--type", "read-only", "--duration", "unlimited"},
	}
	for _, args := range steps {
		stdin := ""
		if args[0] == "admin" {
			stdin = adminPassword + "\n"
		}
		if _, err := devproc.CLI(ctx, bin, dir, env, stdin, args...); err != nil {
			return err
		}
	}
	return nil
}

// shot is one picture: a page, or a page after some steps (a form sent
// with errors, a key revealed).
type shot struct {
	name string
	path string
	// then runs after the page loaded; width lets it make names unique.
	then func(width int) chromedp.Tasks
	// signedOut takes the shot before signing in.
	signedOut bool
}

var shots = []shot{
	{name: "login", path: "/admin/login", signedOut: true},
	{name: "tokens", path: "/admin/settings/api-tokens"},
	{name: "token-create", path: "/admin/settings/api-tokens/create"},
	{name: "token-create-errors", path: "/admin/settings/api-tokens/create", then: func(int) chromedp.Tasks {
		return chromedp.Tasks{
			chromedp.SetValue(`[data-testid="token-form"] input[name="name"]`, "Website build", chromedp.ByQuery),
			chromedp.SetValue(`select[name="type"]`, "custom", chromedp.ByQuery),
			chromedp.Click(`[data-testid="token-form"] button[type="submit"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`[data-testid="field-error"]`, chromedp.ByQuery),
		}
	}},
	{name: "token-reveal", path: "/admin/settings/api-tokens/create", then: func(width int) chromedp.Tasks {
		return chromedp.Tasks{
			chromedp.SetValue(`[data-testid="token-form"] input[name="name"]`, "Shown once "+strconv.Itoa(width), chromedp.ByQuery),
			chromedp.SetValue(`select[name="type"]`, "read-only", chromedp.ByQuery),
			chromedp.Click(`[data-testid="token-form"] button[type="submit"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`[data-testid="token-value"]`, chromedp.ByQuery),
		}
	}},
	{name: "token-edit", path: "/admin/settings/api-tokens/3"},
	{name: "token-delete-dialog", path: "/admin/settings/api-tokens", then: func(int) chromedp.Tasks {
		return chromedp.Tasks{
			chromedp.Click(`[data-testid="token-row"] [data-testid="delete-button"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`[data-testid="delete-dialog"]`, chromedp.ByQuery),
		}
	}},
	{name: "roles", path: "/admin/settings/roles"},
	{name: "role-edit", path: "/admin/settings/roles/2"},
	{name: "users", path: "/admin/settings/users"},
	{name: "audit-log", path: "/admin/settings/audit-logs"},
	{name: "account", path: "/admin/account"},
	{name: "not-found", path: "/admin/settings/api-tokens/987654"},
	{name: "components", path: "/admin/_components"},
}

// shoot signs in and takes every shot at every width.
func shoot(ctx context.Context, base, tmp string, o options) ([]string, error) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium()),
		chromedp.NoSandbox, // Chromium refuses to start as root with its sandbox
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(filepath.Join(tmp, "chromium")),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	// Chromium sends events chromedp does not know yet (a dialog's top
	// layer); they are harmless, and only noise here.
	bctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(func(format string, args ...any) {
		if msg := fmt.Sprintf(format, args...); !strings.Contains(msg, "unhandled") {
			fmt.Fprintln(os.Stderr, "chromium:", msg)
		}
	}))
	defer cancel()
	// The admin asks before leaving typed input or a revealed key; the
	// next shot leaves at once, so say yes. A dialog left open would stall
	// the page.
	chromedp.ListenTarget(bctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			go func() { _ = chromedp.Run(bctx, page.HandleJavaScriptDialog(true)) }()
		}
	})
	bctx, cancelTimeout := context.WithTimeout(bctx, 10*time.Minute)
	defer cancelTimeout()

	var files []string
	take := func(s shot) error {
		for _, w := range o.widths {
			var png []byte
			tasks := chromedp.Tasks{
				chromedp.EmulateViewport(int64(w), 900),
				emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme(o.dark)}}),
				chromedp.Navigate(base + s.path),
				chromedp.WaitReady("body", chromedp.ByQuery),
			}
			if s.then != nil {
				tasks = append(tasks, s.then(w))
			}
			tasks = append(tasks, chromedp.Sleep(150*time.Millisecond), chromedp.FullScreenshot(&png, 100))
			if err := chromedp.Run(bctx, tasks); err != nil {
				return fmt.Errorf("%s at %d px: %w", s.name, w, err)
			}
			file := filepath.Join(o.out, fmt.Sprintf("%s-%d%s.png", s.name, w, map[bool]string{true: "-dark"}[o.dark]))
			if err := os.WriteFile(file, png, 0o644); err != nil {
				return err
			}
			files = append(files, file)
		}
		return nil
	}
	want := func(name string) bool {
		return o.only == "" || strings.Contains(","+o.only+",", ","+name+",")
	}
	for _, s := range shots {
		if s.signedOut && want(s.name) {
			if err := take(s); err != nil {
				return files, err
			}
		}
	}
	err := chromedp.Run(bctx,
		chromedp.Navigate(base+"/admin/login"),
		chromedp.WaitVisible(`input[name="email"]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="email"]`, adminEmail, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="password"]`, adminPassword, chromedp.ByQuery),
		chromedp.Submit(`input[name="password"]`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`input[name="password"]`, chromedp.ByQuery),
	)
	if err != nil {
		return files, fmt.Errorf("sign in: %w", err)
	}
	for _, s := range shots {
		if !s.signedOut && want(s.name) {
			if err := take(s); err != nil {
				return files, err
			}
		}
	}
	return files, nil
}

// chromium is Debian's Chromium (apt-get install -y chromium), or
// whichever chromium is on PATH.
func chromium() string {
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return "chromium"
}

func scheme(dark bool) string {
	if dark {
		return "dark"
	}
	return "light"
}
