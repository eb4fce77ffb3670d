package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"

	"github.com/tokenadmin/tokenadmin/internal/devproc"
)

// newClient is an HTTP client for 127.0.0.1 only, without proxies, keeping
// up to conns connections, with a cookie jar when the admin pages need one.
func newClient(withJar bool, conns int) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         devproc.DialLoopback(nil),
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     30 * time.Second,
	}
	c := &http.Client{Transport: tr, Timeout: requestTimeout}
	if withJar {
		jar, _ := cookiejar.New(nil)
		c.Jar = jar
	}
	return c
}

// get performs one GET, optionally with a bearer key, and returns the
// status and body.
func get(ctx context.Context, client *http.Client, url, key string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res.StatusCode, body, err
}

// checkLoopbackURL accepts only URLs whose host is 127.0.0.1 (the
// PostgreSQL URL may be overridden by a flag).
func checkLoopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("bad URL %q: %w", raw, err)
	}
	if h := u.Hostname(); h != "127.0.0.1" {
		return fmt.Errorf("%s: host %q is not 127.0.0.1; the benchmark only talks to this machine", redactURL(u), h)
	}
	return nil
}

// redactURL hides a password in a URL meant for a message.
func redactURL(u *url.URL) string {
	if _, ok := u.User.Password(); ok {
		c := *u
		c.User = url.UserPassword(u.User.Username(), "xxxxx")
		return c.String()
	}
	return strings.TrimSpace(u.String())
}
