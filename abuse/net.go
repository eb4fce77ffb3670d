package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"

	"github.com/tokenadmin/tokenadmin/internal/devproc"
)

// fromAddr is an HTTP client whose connections come from src, an address
// of 127.0.0.0/8 (Linux answers on the whole block): the throttle counts
// client addresses, and the cases need a stranger and an owner at two of
// them. It connects to 127.0.0.1 only, never through a proxy, keeps
// cookies, and does not follow redirects (a sign-in's 303 is the answer).
func fromAddr(src string) *http.Client {
	local := &net.TCPAddr{IP: net.ParseIP(src)}
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         devproc.DialLoopback(local),
		MaxIdleConnsPerHost: 64,
	}
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Transport:     tr,
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// reply is one answer, or the error that stood in for it.
type reply struct {
	status int
	body   string
	header http.Header
	err    error
}

func do(ctx context.Context, c *http.Client, method, u, key, contentType, body string) reply {
	req, err := http.NewRequestWithContext(ctx, method, u, strings.NewReader(body))
	if err != nil {
		return reply{err: err}
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := c.Do(req)
	if err != nil {
		return reply{err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return reply{status: res.StatusCode, body: string(b), header: res.Header, err: err}
}

var csrfFieldRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// signInForm loads the sign-in page as a browser would and returns the
// CSRF token to post back with it (the cookie stays in c's jar).
func signInForm(ctx context.Context, c *http.Client, base string) (string, error) {
	r := do(ctx, c, http.MethodGet, base+"/admin/login", "", "", "")
	if r.err != nil {
		return "", r.err
	}
	m := csrfFieldRE.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || m == nil {
		return "", fmt.Errorf("sign-in form: status %d, CSRF field found: %v", r.status, m != nil)
	}
	return m[1], nil
}

// signIn posts the sign-in form; 303 means signed in.
func signIn(ctx context.Context, c *http.Client, base, csrf, email, password string) reply {
	form := url.Values{"email": {email}, "password": {password}, "_csrf": {csrf}}
	return do(ctx, c, http.MethodPost, base+"/admin/login", "", "application/x-www-form-urlencoded", form.Encode())
}
