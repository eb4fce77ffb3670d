// Package handlers is tokenadmin's HTTP layer: the Echo server, its
// middleware, and thin handlers that turn requests into domain calls and
// domain results into templ components or JSON.
package handlers

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"log/slog"
	"net"
	"net/url"
	"runtime"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/account"
	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/contentapi"
	"github.com/tokenadmin/tokenadmin/graphqlapi"
	"github.com/tokenadmin/tokenadmin/openapi"
	"github.com/tokenadmin/tokenadmin/throttle"
)

// AdminStore is what the admin pages read about admin accounts and
// sessions; changes to admins go through the access.Service.
type AdminStore interface {
	CountAdmins(ctx context.Context) (int, error)
	AdminByID(ctx context.Context, id int64) (access.Admin, error)
	AdminCredentials(ctx context.Context, email string) (access.Admin, string, error)
	Admins(ctx context.Context) ([]access.Admin, error)
	TouchAdminLogin(ctx context.Context, id int64, at time.Time) error

	CreateSession(ctx context.Context, s access.Session) error
	SessionActive(ctx context.Context, id string, adminID int64) (bool, error)
	TouchSession(ctx context.Context, id string, at time.Time) error
	AdminSessions(ctx context.Context, adminID int64) ([]access.Session, error)
	RevokeSessions(ctx context.Context, adminID int64, only, keep string) (int, error)
}

// RoleStore is what the role pages read; changes go through the
// access.Service.
type RoleStore interface {
	Roles(ctx context.Context) ([]access.Role, error)
	RoleByID(ctx context.Context, id int64) (access.Role, error)
}

// TokenStore is what the token pages read; changes go through the
// apitoken.Service.
type TokenStore interface {
	TokenPage(ctx context.Context, q apitoken.ListQuery) (apitoken.Page, error)
	TokenByID(ctx context.Context, id int64) (apitoken.Token, error)
	// TokenClients are the last client addresses and agents a token was
	// used from, most recent first.
	TokenClients(ctx context.Context, id int64) ([]apitoken.Client, error)
	// CountTokensExpiring counts the tokens that have not expired at now
	// and expire by by.
	CountTokensExpiring(ctx context.Context, now, by time.Time) (apitoken.Count, error)
	// TokensUsage is the daily request counts of tokens ids from day from
	// on, by token, in one query (a page of the list, or one token).
	TokensUsage(ctx context.Context, ids []int64, from int64) (map[int64][]apitoken.DayUsage, error)
}

// AuditStore appends to the audit log and reads it back; it offers no way
// to change or remove a record.
type AuditStore interface {
	RecordAudit(ctx context.Context, ev audit.Event) error
	AuditEvents(ctx context.Context, q audit.Query) ([]audit.Event, int, error)
}

// Store is everything the server asks of the database.
type Store interface {
	AdminStore
	RoleStore
	TokenStore
	AuditStore
	PingContext(ctx context.Context) error
	// Unavailable reports whether err means the database could not be
	// reached (503, a retry may succeed) rather than refused the query.
	Unavailable(err error) bool
}

// Options are the server's dependencies and settings.
type Options struct {
	Store  Store
	Logger *slog.Logger

	// RequestTimeout is every request's budget (0: none); the database
	// statements a request runs end with it.
	RequestTimeout time.Duration

	// Tokens creates and changes API tokens; Registry is the content
	// types whose actions tokens may be granted.
	Tokens *apitoken.Service
	// Admins creates and changes admins and roles (nil: one over Store,
	// which must then be an access.Store, hashing in Passwords' slots).
	Admins   *access.Service
	Registry *content.Registry
	// Verifier authenticates bearer keys on the content API.
	Verifier *apitoken.Verifier
	// Guardrails hold verified keys to their allow-lists, rate limits
	// and quotas (nil: one in memory only, which writes no quota use).
	Guardrails *apitoken.Guard

	// benchBypass skips content-API authentication. Unexported, so only
	// this package's benchmarks can set it: they measure the bypassed
	// route beside the authenticated one in one run (the shipped
	// baseline is the -tags benchbypass build, see bench_bypass.go).
	benchBypass bool

	// Entries stores content entries.
	Entries EntryStore

	// SessionAuthKey and SessionEncKey sign and encrypt the session
	// cookie; derive them from the deployment secret.
	SessionAuthKey []byte
	SessionEncKey  []byte
	// CSRFKey keys the CSRF tokens derived from each session (nil: one
	// derived from SessionAuthKey).
	CSRFKey      []byte
	CookieSecure bool
	PublicURL    *url.URL

	// SessionIdle ends a session nobody used for that long;
	// SessionMaxAge ends any session that old, used or not.
	SessionIdle   time.Duration
	SessionMaxAge time.Duration

	// Now is the clock; tests move it to check timeouts.
	Now func() time.Time

	// CORSOrigins are the origins whose pages may call the content API
	// from a browser; none means any origin (Strapi's default).
	CORSOrigins []string
	// GraphQLIntrospection answers __schema and __type queries; off by
	// default, as Apollo Server (and so Strapi) is in production.
	GraphQLIntrospection bool

	// Dev serves the component gallery at /admin/_components; off, that
	// path is 404 like any unknown page.
	Dev bool

	// TrustedProxies may set X-Forwarded-For; nobody else can choose the
	// client address that sign-in throttling and logs see.
	TrustedProxies []*net.IPNet
	// Throttle slows down password guessing (sign-in and every password
	// prompt); a zero value gets DefaultThrottle.
	Throttle throttle.Policies
	// Passwords runs the argon2id hashes and checks, a few at a time
	// (nil: DefaultPasswordSlots of them).
	Passwords *account.Passwords
}

// DefaultThrottle: five free failures per account from one client
// network, twenty per network whatever the account, fifty per account
// from everywhere; then waits from 2 seconds doubling up to 15 minutes,
// but at most a minute for the account as a whole, so that guessers
// spread over many networks cannot shut its owner out for long.
var DefaultThrottle = throttle.Policies{
	Pair:    throttle.Policy{Free: 5, Base: 2 * time.Second, Max: 15 * time.Minute, Forget: time.Hour},
	Network: throttle.Policy{Free: 20, Base: 2 * time.Second, Max: 15 * time.Minute, Forget: time.Hour},
	Account: throttle.Policy{Free: 50, Base: time.Second, Max: time.Minute, Forget: time.Hour},
}

// DefaultPasswordSlots is how many password hashes run at once: one per
// core (argon2id with one lane uses one), at least two; each holds about
// 19 MiB while it runs.
var DefaultPasswordSlots = max(2, runtime.NumCPU())

// Session timeouts used when Options leaves them zero.
const (
	DefaultSessionIdle   = 2 * time.Hour
	DefaultSessionMaxAge = 12 * time.Hour
)

// server holds what every handler shares.
type server struct {
	store    Store
	tokens   *apitoken.Service
	admins   *access.Service
	registry *content.Registry
	verifier *apitoken.Verifier
	keyGuard *apitoken.Guard
	// entries runs the content API's operations for REST and GraphQL.
	entries  contentapi.API
	log      *slog.Logger
	sessions *sessionManager
	now      func() time.Time

	guard     *throttle.Guard
	passwords *account.Passwords
	csrfKey   []byte
	publicURL *url.URL

	// gql and openAPIDoc serve the registry; both are built once here.
	gql        *graphqlapi.Endpoint
	openAPIDoc []byte
	openAPIErr error

	// bypassAuth is Options.benchBypass (this package's benchmarks only).
	bypassAuth bool
}

// NewServer builds the whole HTTP surface of tokenadmin.
func NewServer(o Options) *echo.Echo {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Registry == nil {
		o.Registry = content.Default()
	}
	if o.SessionIdle == 0 {
		o.SessionIdle = DefaultSessionIdle
	}
	if o.SessionMaxAge == 0 {
		o.SessionMaxAge = DefaultSessionMaxAge
	}
	s := &server{
		store:    o.Store,
		tokens:   o.Tokens,
		registry: o.Registry,
		verifier: o.Verifier,
		keyGuard: o.Guardrails,
		entries:  contentapi.API{Entries: o.Entries},
		log:      o.Logger,
		sessions: newSessionManager(o),
		now:      o.Now,
		csrfKey:  o.CSRFKey,

		publicURL: o.PublicURL,

		bypassAuth: o.benchBypass,
	}
	s.gql = graphqlapi.New(o.Registry, s.entries, o.Logger, o.GraphQLIntrospection)
	s.openAPIDoc, s.openAPIErr = json.Marshal(openapi.New(o.Registry, openAPIServerURL))
	if s.csrfKey == nil {
		m := hmac.New(sha256.New, o.SessionAuthKey)
		m.Write([]byte("tokenadmin/csrf/v1"))
		s.csrfKey = m.Sum(nil)
	}
	if o.Throttle == (throttle.Policies{}) {
		o.Throttle = DefaultThrottle
	}
	s.guard = throttle.NewGuard(o.Throttle, o.Now)
	if s.keyGuard == nil {
		s.keyGuard = apitoken.NewGuard(nil, nil, o.Now)
	}
	s.passwords = o.Passwords
	if s.passwords == nil {
		s.passwords = account.NewPasswords(DefaultPasswordSlots)
	}
	s.admins = o.Admins
	if s.admins == nil {
		if as, ok := o.Store.(access.Store); ok {
			s.admins = access.NewService(as, s.passwords.Hash, o.Now)
		}
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	// Echo's default believes X-Forwarded-For from anyone; only listed
	// proxies may say who the client is.
	e.IPExtractor = echo.ExtractIPDirect()
	if len(o.TrustedProxies) > 0 {
		opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, n := range o.TrustedProxies {
			opts = append(opts, echo.TrustIPRange(n))
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(opts...)
	}
	s.addRoutes(e, o)
	return e
}
