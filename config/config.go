// Package config reads tokenadmin's settings from the environment and the
// command line, checks them, and derives the keys that hang off the one
// deployment secret. A bad value stops start-up with one line that names the
// variable: nothing falls back silently.
package config

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Defaults from the product specification (§2).
const (
	DefaultAddr        = "127.0.0.1:8080"
	DefaultDatabaseURL = "sqlite:data/tokenadmin.db"
	DefaultSecretFile  = "data/secret.key"
	// DefaultTokenCacheSize keeps 10,000 tokens (about a few MB).
	DefaultTokenCacheSize = 10000
	minSecretBytes        = 32
)

// Config is the checked configuration of one tokenadmin process.
type Config struct {
	Addr            string
	DatabaseURL     string
	ContentTypesDir string // "" means the built-in content types
	CookieSecure    bool
	PublicURL       *url.URL // nil when unset
	// TokenCacheSize bounds the verification cache (tokens, and as many
	// unknown keys).
	TokenCacheSize int
	// TrustedProxies are the proxies whose X-Forwarded-For is believed
	// when finding a client's address; none by default.
	TrustedProxies []*net.IPNet
	// Pool sizes the database connection pool.
	Pool Pool
	// RequestTimeout is how long a request may run, database statements
	// included.
	RequestTimeout time.Duration
	// TokenLifetime bounds how long new and re-timed tokens may live.
	TokenLifetime Lifetime
	// CORSOrigins narrow which origins' pages may call the content API
	// from a browser; empty means any origin, as in Strapi.
	CORSOrigins []string
	// GraphQLIntrospection answers __schema and __type; off by default.
	GraphQLIntrospection bool
	// Dev serves the component gallery (/admin/_components); never set
	// it in production.
	Dev bool

	secret       []byte
	secretSource string
	secretSet    bool
}

// setting is one configuration value with its environment variable and flag.
type setting struct {
	env, flag, usage string
	value            string
	fromFlag         bool
}

// Flags binds the configuration flags to a flag set; call Load after the
// set has been parsed.
type Flags struct {
	fs       *flag.FlagSet
	settings []*setting
}

// Bind registers --addr, --database-url, --secret, --content-types,
// --cookie-secure and --public-url on fs. Each flag overrides the
// environment variable of the same meaning.
func Bind(fs *flag.FlagSet) *Flags {
	f := &Flags{fs: fs}
	add := f.add
	add("TOKENADMIN_ADDR", "addr", "listen address, default "+DefaultAddr)
	add("DATABASE_URL", "database-url", "sqlite:PATH or postgres://…, default "+DefaultDatabaseURL)
	add("TOKENADMIN_SECRET", "secret", "≥32 random bytes, hex or base64; default: generated once into "+DefaultSecretFile)
	add("TOKENADMIN_CONTENT_TYPES", "content-types", "folder searched for Strapi schema.json files, default built-in article and category")
	add("TOKENADMIN_COOKIE_SECURE", "cookie-secure", "true|false: Secure flag on cookies, default true when the public URL is https")
	add("TOKENADMIN_PUBLIC_URL", "public-url", "external URL when behind a proxy")
	add("TOKENADMIN_TOKEN_CACHE_SIZE", "token-cache-size", "how many verified tokens to keep in memory, default 10000")
	add("TOKENADMIN_TRUSTED_PROXIES", "trusted-proxies", "comma-separated CIDRs of proxies whose X-Forwarded-For is trusted, default none")
	add("TOKENADMIN_GRAPHQL_INTROSPECTION", "graphql-introspection", "true|false: answer GraphQL introspection (__schema, __type), default false as Strapi in production")
	add("TOKENADMIN_DEV", "dev", "true|1: serve the component gallery at /admin/_components for designers; never in production, default false")
	add("TOKENADMIN_CORS_ORIGINS", "cors-origins", "comma-separated origins (https://app.example.com) whose pages may call the content API, default any")
	bindPool(add)
	bindRequestTimeout(add)
	bindLifetime(add)
	return f
}

// add registers one setting: its variable and the flag that overrides it.
func (f *Flags) add(env, name, usage string) {
	s := &setting{env: env, flag: name, usage: usage}
	f.settings = append(f.settings, s)
	f.fs.Func(name, usage+" (env "+env+")", func(v string) error {
		s.value, s.fromFlag = v, true
		return nil
	})
}

func (f *Flags) get(env string, getenv func(string) string) (value, name string) {
	for _, s := range f.settings {
		if s.env == env {
			if s.fromFlag {
				return s.value, "--" + s.flag
			}
			return getenv(env), env
		}
	}
	return getenv(env), env
}

// Load resolves every setting from the parsed flags and getenv. The
// secret is only parsed here; it is read from or written to its file by
// Secret, so that commands that never need it leave no file behind.
func (f *Flags) Load(getenv func(string) string) (Config, error) {
	var c Config
	var name string

	c.Addr, name = f.get("TOKENADMIN_ADDR", getenv)
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return c, fmt.Errorf("%s: %q is not a host:port listen address", name, c.Addr)
	}

	c.DatabaseURL, name = f.get("DATABASE_URL", getenv)
	if c.DatabaseURL == "" {
		c.DatabaseURL = DefaultDatabaseURL
	}
	if err := checkDatabaseURL(c.DatabaseURL); err != nil {
		return c, fmt.Errorf("%s: %v", name, err)
	}

	var raw string
	raw, name = f.get("TOKENADMIN_SECRET", getenv)
	if raw != "" {
		secret, err := ParseSecret(raw)
		if err != nil {
			return c, fmt.Errorf("%s: %v", name, err)
		}
		c.secret, c.secretSource, c.secretSet = secret, name, true
	}

	c.ContentTypesDir, name = f.get("TOKENADMIN_CONTENT_TYPES", getenv)
	if c.ContentTypesDir != "" {
		st, err := os.Stat(c.ContentTypesDir)
		if err != nil || !st.IsDir() {
			return c, fmt.Errorf("%s: %q is not a readable folder", name, c.ContentTypesDir)
		}
	}

	var public string
	public, name = f.get("TOKENADMIN_PUBLIC_URL", getenv)
	if public != "" {
		u, err := url.Parse(public)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, fmt.Errorf("%s: %q is not an absolute http(s) URL", name, public)
		}
		c.PublicURL = u
		c.CookieSecure = u.Scheme == "https"
	}

	var size string
	size, name = f.get("TOKENADMIN_TOKEN_CACHE_SIZE", getenv)
	c.TokenCacheSize = DefaultTokenCacheSize
	if size != "" {
		n, err := strconv.Atoi(size)
		if err != nil || n < 1 || n > 10_000_000 {
			return c, fmt.Errorf("%s: %q is not a whole number from 1 to 10000000", name, size)
		}
		c.TokenCacheSize = n
	}

	var proxies string
	proxies, name = f.get("TOKENADMIN_TRUSTED_PROXIES", getenv)
	for _, p := range strings.Split(proxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if !strings.Contains(p, "/") {
			if ip := net.ParseIP(p); ip != nil && ip.To4() != nil {
				p += "/32"
			} else {
				p += "/128"
			}
		}
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			return c, fmt.Errorf("%s: %q is not an IP address or CIDR range", name, p)
		}
		c.TrustedProxies = append(c.TrustedProxies, n)
	}

	var origins string
	origins, name = f.get("TOKENADMIN_CORS_ORIGINS", getenv)
	corsOrigins, err := parseOrigins(origins)
	if err != nil {
		return c, fmt.Errorf("%s: %w", name, err)
	}
	c.CORSOrigins = corsOrigins

	var introspection string
	introspection, name = f.get("TOKENADMIN_GRAPHQL_INTROSPECTION", getenv)
	if introspection != "" {
		b, err := strconv.ParseBool(introspection)
		if err != nil {
			return c, fmt.Errorf("%s: %q is not true or false", name, introspection)
		}
		c.GraphQLIntrospection = b
	}

	var dev string
	dev, name = f.get("TOKENADMIN_DEV", getenv)
	if dev != "" {
		b, err := strconv.ParseBool(dev)
		if err != nil {
			return c, fmt.Errorf("%s: %q is not true or false", name, dev)
		}
		c.Dev = b
	}

	pool, err := f.loadPool(getenv)
	if err != nil {
		return c, err
	}
	c.Pool = pool

	if c.RequestTimeout, err = f.loadRequestTimeout(getenv); err != nil {
		return c, err
	}

	if c.TokenLifetime, err = f.loadLifetime(getenv); err != nil {
		return c, err
	}

	var secure string
	secure, name = f.get("TOKENADMIN_COOKIE_SECURE", getenv)
	if secure != "" {
		b, err := strconv.ParseBool(secure)
		if err != nil {
			return c, fmt.Errorf("%s: %q is not true or false", name, secure)
		}
		c.CookieSecure = b
	}
	return c, nil
}

// parseOrigins reads a comma-separated list of origins, each a scheme and
// host (and port) with nothing after: what a browser sends as Origin.
func parseOrigins(list string) ([]string, error) {
	var out []string
	for _, o := range strings.Split(list, ",") {
		if o = strings.TrimSpace(o); o == "" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || u.String() != o {
			return nil, fmt.Errorf("%q is not an origin such as https://app.example.com", o)
		}
		out = append(out, o)
	}
	return out, nil
}

func checkDatabaseURL(s string) error {
	switch {
	case strings.HasPrefix(s, "sqlite:"):
		if strings.TrimPrefix(s, "sqlite:") == "" {
			return errors.New("sqlite: needs a file path, e.g. sqlite:data/tokenadmin.db")
		}
		return nil
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		u, err := url.Parse(s)
		if err != nil {
			return errors.New("not a parsable postgres:// URL")
		}
		if u.Host == "" {
			return errors.New("postgres URL has no host")
		}
		return nil
	}
	return errors.New("must start with sqlite: or postgres://")
}

// ParseSecret decodes a secret given as hex or base64 (standard or URL
// alphabet, padded or not) and insists on at least 32 bytes, because the
// secret keys every token hash and cookie.
func ParseSecret(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	decoders := []func(string) ([]byte, error){
		hex.DecodeString,
		base64.StdEncoding.DecodeString,
		base64.RawStdEncoding.DecodeString,
		base64.URLEncoding.DecodeString,
		base64.RawURLEncoding.DecodeString,
	}
	for _, decode := range decoders {
		if b, err := decode(s); err == nil {
			if len(b) < minSecretBytes {
				return nil, fmt.Errorf("secret decodes to %d bytes; use at least %d random bytes (e.g. openssl rand -hex 32)", len(b), minSecretBytes)
			}
			return b, nil
		}
	}
	return nil, fmt.Errorf("secret is neither hex nor base64; use at least %d random bytes (e.g. openssl rand -hex 32)", minSecretBytes)
}

// Secret returns the deployment secret. Without TOKENADMIN_SECRET it reads
// path, generating it (mode 0600) the first time; generated reports
// whether it did, so the caller can log it.
func (c *Config) Secret(path string) (secret []byte, generated bool, err error) {
	if c.secretSet {
		return c.secret, false, nil
	}
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		secret, perr := ParseSecret(string(b))
		if perr != nil {
			return nil, false, fmt.Errorf("%s: %v", path, perr)
		}
		c.secret, c.secretSource, c.secretSet = secret, path, true
		return secret, false, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, false, fmt.Errorf("TOKENADMIN_SECRET is unset and %s cannot be read: %v", path, err)
	}
	secret = make([]byte, minSecretBytes)
	if _, err := rand.Read(secret); err != nil {
		return nil, false, fmt.Errorf("generate secret: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("TOKENADMIN_SECRET is unset and %s cannot be created: %v", path, err)
	}
	// The secret is written whole into a temporary file and then linked
	// into place, which fails if path already exists: if two processes race
	// on a first start, one wins and the other reads the winner's complete
	// secret rather than overwriting it or reading a half-written file.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".secret-*.tmp") // mode 0600
	if err != nil {
		return nil, false, fmt.Errorf("TOKENADMIN_SECRET is unset and %s cannot be created: %v", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, false, fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.WriteString(hex.EncodeToString(secret) + "\n"); err != nil {
		tmp.Close()
		return nil, false, fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, false, fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return nil, false, fmt.Errorf("write %s: %w", path, err)
	}
	err = os.Link(tmp.Name(), path)
	if errors.Is(err, fs.ErrExist) {
		return c.Secret(path)
	}
	if err != nil {
		return nil, false, fmt.Errorf("TOKENADMIN_SECRET is unset and %s cannot be created: %v", path, err)
	}
	c.secret, c.secretSource, c.secretSet = secret, path, true
	return secret, true, nil
}

// Key purposes: each use of the secret gets its own derived key, so that a
// leak of one (say, a cookie key through a bug) reveals nothing of another.
const (
	PurposeTokenHash   = "tokenadmin/api-token-hash/v1"
	PurposeSessionAuth = "tokenadmin/session-auth/v1"
	PurposeSessionEnc  = "tokenadmin/session-encrypt/v1"
	PurposeCSRF        = "tokenadmin/csrf/v1"
)

// DeriveKey derives a 32-byte key for purpose from secret with HKDF-SHA256.
func DeriveKey(secret []byte, purpose string) []byte {
	key, err := hkdf.Key(sha256.New, secret, nil, purpose, 32)
	if err != nil {
		// Only a length beyond 255*32 bytes can fail, and 32 is fixed.
		panic(err)
	}
	return key
}
