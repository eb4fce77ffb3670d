// Package handlers is tokenadmin's HTTP layer: the Echo server, its
// middleware, and thin handlers that turn requests into domain calls and
// domain results into templ components or JSON.
package handlers

import (
	"context"
	"log/slog"
	"net"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/account"
	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/throttle"
)

// AdminStore is what the admin pages need to know about admin accounts.
type AdminStore interface {
	CountAdmins(ctx context.Context) (int, error)
	CreateFirstAdmin(ctx context.Context, a account.NewAdmin, passwordHash string) (access.Admin, error)
	CreateAdmin(ctx context.Context, a account.NewAdmin, passwordHash string, roleID int64) (access.Admin, error)
	AdminByID(ctx context.Context, id int64) (access.Admin, error)
	AdminCredentials(ctx context.Context, email string) (access.Admin, string, error)
	Admins(ctx context.Context) ([]access.Admin, error)
	SetAdminRole(ctx context.Context, adminID, roleID int64) error
	SetAdminActive(ctx context.Context, adminID int64, active bool) error
	TouchAdminLogin(ctx context.Context, id int64, at time.Time) error

	CreateSession(ctx context.Context, s access.Session) error
	SessionActive(ctx context.Context, id string, adminID int64) (bool, error)
	TouchSession(ctx context.Context, id string, at time.Time) error
	AdminSessions(ctx context.Context, adminID int64) ([]access.Session, error)
	RevokeSessions(ctx context.Context, adminID int64, only, keep string) (int, error)
}

// RoleStore is what the role pages need.
type RoleStore interface {
	Roles(ctx context.Context) ([]access.Role, error)
	RoleByID(ctx context.Context, id int64) (access.Role, error)
	CreateRole(ctx context.Context, in access.RoleInput) (access.Role, error)
	UpdateRole(ctx context.Context, id int64, in access.RoleInput) error
	SetRolePermission(ctx context.Context, roleID int64, action access.Action, granted bool) error
}

// TokenStore is what the token pages read; changes go through the
// apitoken.Service.
type TokenStore interface {
	Tokens(ctx context.Context, q apitoken.ListQuery) ([]apitoken.Token, int, error)
	TokenByID(ctx context.Context, id int64) (apitoken.Token, error)
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
}

// Options are the server's dependencies and settings.
type Options struct {
	Store  Store
	Logger *slog.Logger

	// Tokens creates and changes API tokens; Registry is the content
	// types whose actions tokens may be granted.
	Tokens   *apitoken.Service
	Registry *content.Registry
	// Verifier authenticates bearer keys on the content API.
	Verifier *apitoken.Verifier
	// Entries stores content entries.
	Entries EntryStore

	// SessionAuthKey and SessionEncKey sign and encrypt the session
	// cookie; derive them from the deployment secret.
	SessionAuthKey []byte
	SessionEncKey  []byte
	CookieSecure   bool
	PublicURL      *url.URL

	// SessionIdle ends a session nobody used for that long;
	// SessionMaxAge ends any session that old, used or not.
	SessionIdle   time.Duration
	SessionMaxAge time.Duration

	// Now is the clock; tests move it to check timeouts.
	Now func() time.Time

	// TrustedProxies may set X-Forwarded-For; nobody else can choose the
	// client address that sign-in throttling and logs see.
	TrustedProxies []*net.IPNet
	// AccountThrottle and AddressThrottle slow down password guessing
	// per account and per client address; zero values get the defaults.
	AccountThrottle throttle.Policy
	AddressThrottle throttle.Policy
}

// Default sign-in throttling: five free failures per account, twenty per
// address, then waits from 2 seconds doubling up to 15 minutes.
var (
	DefaultAccountThrottle = throttle.Policy{Free: 5, Base: 2 * time.Second, Max: 15 * time.Minute, Forget: time.Hour}
	DefaultAddressThrottle = throttle.Policy{Free: 20, Base: 2 * time.Second, Max: 15 * time.Minute, Forget: time.Hour}
)

// Session timeouts used when Options leaves them zero.
const (
	DefaultSessionIdle   = 2 * time.Hour
	DefaultSessionMaxAge = 12 * time.Hour
)

// server holds what every handler shares.
type server struct {
	store    Store
	tokens   *apitoken.Service
	registry *content.Registry
	verifier *apitoken.Verifier
	entries  EntryStore
	log      *slog.Logger
	sessions *sessionManager
	now      func() time.Time

	accountLimiter, addressLimiter *throttle.Limiter
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
		entries:  o.Entries,
		log:      o.Logger,
		sessions: newSessionManager(o),
		now:      o.Now,
	}
	if o.AccountThrottle == (throttle.Policy{}) {
		o.AccountThrottle = DefaultAccountThrottle
	}
	if o.AddressThrottle == (throttle.Policy{}) {
		o.AddressThrottle = DefaultAddressThrottle
	}
	s.accountLimiter = throttle.New(o.AccountThrottle, o.Now)
	s.addressLimiter = throttle.New(o.AddressThrottle, o.Now)
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
