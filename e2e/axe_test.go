package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/tokenadmin/tokenadmin/browsertest"
)

// axe-core is a devDependency (package.json) read from node_modules by the
// tests alone: the app never serves it. It is evaluated through the
// DevTools protocol, which the page's CSP does not govern.
var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile(filepath.Join("..", "node_modules", "axe-core", "axe.min.js"))
	return string(b), err
})

// axeViolation is the part of an axe result a failure message needs.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// checkAxe runs axe-core on the page as it is and fails the test for each
// serious or critical violation, naming the elements.
func (a *app) checkAxe(where string) {
	a.t.Helper()
	src, err := axeSource()
	if err != nil {
		if os.Getenv(browsertest.RequireEnv) == "1" || os.Getenv("TOKENADMIN_REQUIRE_NODE") == "1" {
			a.t.Fatalf("axe-core not installed (npm ci): %v", err)
		}
		a.t.Skipf("axe-core not installed (npm ci): %v", err)
	}
	var raw string
	a.run(
		chromedp.Evaluate(`window.axe ? 0 : (0, eval)(`+jsString(src)+`)`, nil),
		chromedp.Evaluate(`axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(r.violations))`, &raw,
			func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
	)
	var violations []axeViolation
	if err := json.Unmarshal([]byte(raw), &violations); err != nil {
		a.t.Fatalf("axe result: %v", err)
	}
	for _, v := range violations {
		if v.Impact != "serious" && v.Impact != "critical" {
			continue
		}
		var nodes []string
		for i, n := range v.Nodes {
			if i == 3 {
				nodes = append(nodes, fmt.Sprintf("… %d more", len(v.Nodes)-3))
				break
			}
			nodes = append(nodes, fmt.Sprintf("%v: %s", n.Target, strings.ReplaceAll(n.Summary, "\n", " ")))
		}
		a.t.Errorf("%s: axe %s (%s) %s:\n    %s", where, v.ID, v.Impact, v.Help, strings.Join(nodes, "\n    "))
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestAccessibility runs axe-core on every signed-in page and the sign-in
// page, light and dark, at desktop and phone width: no serious or critical
// violation anywhere.
func TestAccessibility(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	pages := a.seedPages()
	browsertest.AllowConsoleError(a.ctx, "/999999")
	for _, scheme := range []string{"light", "dark"} {
		for _, width := range []int64{1280, phoneWidth} {
			t.Run(fmt.Sprintf("%s-%d", scheme, width), func(t *testing.T) {
				s := a.sub(t)
				s.prefersScheme(scheme)
				s.setWidth(width)
				for _, p := range pages {
					s.open(p.path, p.ready)
					s.checkAxe(p.name)
				}
				// The token page's dialogs, open.
				s.open(pages[4].path, pages[4].ready)
				for _, d := range []string{"regenerate", "delete"} {
					if s.count(fmt.Sprintf(`[data-testid="%s-button"]`, d)) == 0 {
						continue
					}
					s.run(chromedp.Click(fmt.Sprintf(`[data-testid="%s-button"]`, d), chromedp.ByQuery),
						chromedp.WaitVisible(fmt.Sprintf(`[data-testid="%s-dialog"]`, d), chromedp.ByQuery))
					s.checkAxe(d + "-dialog")
					s.run(chromedp.Evaluate(`document.querySelectorAll('dialog[open]').forEach(d => d.close())`, nil))
				}
				// The create form answered with field errors (422), then the
				// one-time key revealed.
				s.open(tokensURL+"/create", tokenForm)
				s.run(chromedp.Click(saveToken, chromedp.ByQuery),
					chromedp.WaitVisible(`[data-testid="field-error"]`, chromedp.ByQuery))
				s.checkAxe("token-create with errors")
				s.fill(nameInput, "Axe "+scheme+fmt.Sprint(width))
				s.saveAndReveal()
				s.checkAxe("token revealed")
			})
		}
	}
}

// TestAccessibilitySignedOut covers the pages seen before signing in.
func TestAccessibilitySignedOut(t *testing.T) {
	a := newApp(t)
	for _, scheme := range []string{"light", "dark"} {
		a.prefersScheme(scheme)
		a.open("/admin/register", `[data-testid="register-form"]`)
		a.checkAxe("register " + scheme)
		a.register("", "not-an-email", "short")
		a.run(chromedp.WaitVisible(`[data-testid="field-error"]`, chromedp.ByQuery))
		a.checkAxe("register with errors " + scheme)
	}
	a.seedAdmin("Ada Admin", "ada@example.com", "super-admin")
	for _, scheme := range []string{"light", "dark"} {
		a.prefersScheme(scheme)
		a.open("/admin/login", `[data-testid="login-form"]`)
		a.checkAxe("login " + scheme)
	}
}
