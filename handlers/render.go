package handlers

import (
	"slices"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/static"
	"github.com/tokenadmin/tokenadmin/views"
)

// htmx request and response headers.
const (
	hxRequest        = "HX-Request"
	hxBoosted        = "HX-Boosted"
	hxHistoryRestore = "HX-History-Restore-Request"
	hxRedirect       = "HX-Redirect"
	hxReplaceURL     = "HX-Replace-Url"
)

func isHTMX(c echo.Context) bool { return c.Request().Header.Get(hxRequest) == "true" }

// wantsFragment is the one rule for page versus fragment: htmx gets the
// fragment it will swap, except for boosted navigation and history
// restores, which need the whole page.
func wantsFragment(c echo.Context) bool {
	h := c.Request().Header
	return isHTMX(c) && h.Get(hxBoosted) != "true" && h.Get(hxHistoryRestore) != "true"
}

// navItems are the settings pages, each shown only to admins who may open
// it.
var navItems = []struct {
	label, href string
	action      access.Action
}{
	{"API Tokens", "/admin/settings/api-tokens", access.TokensRead},
	{"Roles", "/admin/settings/roles", access.RolesRead},
	{"Users", "/admin/settings/users", access.UsersRead},
	{"Audit log", views.AuditURL, access.AuditLogsRead},
}

// firstPage is where an admin lands after signing in: the first settings
// page their role opens.
func firstPage(a access.Admin) string {
	for _, n := range navItems {
		if access.Can(a, n.action) {
			return n.href
		}
	}
	return "/admin/welcome"
}

func (s *server) requestInfo(c echo.Context, withFlashes bool) (views.RequestInfo, error) {
	info := views.RequestInfo{
		CSRFToken:    csrfToken(c),
		AssetVersion: static.Version,
		Now:          s.now(),
		BaseURL:      s.baseURL(c),
	}
	if a, ok := currentAdmin(c); ok {
		info.Admin = &views.AdminView{Name: a.Name, Email: a.Email, RoleName: a.Role.Name}
		path := c.Request().URL.Path
		info.AccountActive = path == "/admin/account" || strings.HasPrefix(path, "/admin/account/")
		for _, n := range navItems {
			if access.Can(a, n.action) {
				active := path == n.href || len(path) > len(n.href) && path[:len(n.href)+1] == n.href+"/"
				info.Nav = append(info.Nav, views.NavItem{Label: n.label, Href: n.href, Active: active})
			}
		}
	}
	if withFlashes {
		f, err := s.takeFlashes(c)
		if err != nil {
			return info, err
		}
		info.Flashes = f
	}
	return info, nil
}

// render answers with page, or with fragment when htmx asked for one (a
// nil fragment means the route always answers with the page). It renders
// into a buffer first, so a failing component becomes a clean 500 rather
// than half a page.
func (s *server) render(c echo.Context, status int, page, fragment templ.Component) error {
	c.Response().Header().Add(echo.HeaderVary, hxRequest)
	asFragment := fragment != nil && wantsFragment(c)
	info, err := s.requestInfo(c, !asFragment)
	if err != nil {
		return err
	}
	comp := page
	if asFragment {
		comp = fragment
		if queued, _ := c.Get(ctxFlashes).([]views.Flash); len(queued) > 0 {
			c.Set(ctxFlashes, nil)
			comp = withOOBFlashes(fragment, queued)
		}
	}
	ctx := views.WithInfo(c.Request().Context(), info)
	buf := templ.GetBuffer()
	defer templ.ReleaseBuffer(buf)
	if err := comp.Render(ctx, buf); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// withOOBFlashes appends flash messages that htmx swaps into #flashes.
func withOOBFlashes(fragment templ.Component, flashes []views.Flash) templ.Component {
	return templ.Join(fragment, views.OOBFlashes(slices.Clone(flashes)))
}

// baseURL is the configured public URL, or the scheme and host this
// request came to.
func (s *server) baseURL(c echo.Context) string {
	if p := s.publicURL; p != nil {
		return strings.TrimSuffix(p.String(), "/")
	}
	return c.Scheme() + "://" + c.Request().Host
}
