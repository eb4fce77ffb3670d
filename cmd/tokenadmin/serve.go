package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/config"
	"github.com/tokenadmin/tokenadmin/handlers"
	"github.com/tokenadmin/tokenadmin/ratelimit"
)

const serveUsage = `Usage: tokenadmin serve [flags]

Starts the admin at /admin and the content API at /api. Every flag has an
environment variable of the same meaning; the flag wins.

Flags:
`

// shutdownGrace is how long requests in flight get to finish on SIGTERM.
const shutdownGrace = 15 * time.Second

// usageFlushInterval is how often last-used times reach the database: the
// table is at most this stale, and no request ever waits on that write.
const usageFlushInterval = 30 * time.Second

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", serveUsage, stderr)
	flags := config.Bind(fs)
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	cfg, err := flags.Load(getenv)
	if err != nil {
		return err
	}
	log := newLogger(stderr)
	secret, generated, err := cfg.Secret(config.DefaultSecretFile)
	if err != nil {
		return err
	}
	if generated {
		log.Warn("TOKENADMIN_SECRET is unset: generated a new secret", "file", config.DefaultSecretFile,
			"note", "keep this file; every instance of a deployment must share the same secret")
	}
	registry, err := loadRegistry(cfg)
	if err != nil {
		return err
	}
	for _, w := range registry.Warnings() {
		log.Warn("content types", "warning", w)
	}
	d, err := openServingDB(ctx, cfg, registry)
	if err != nil {
		return err
	}
	defer d.Close()
	tokens := newTokenService(d, secret, registry, cfg.TokenLifetime)
	cache, err := watchTokens(ctx, d, tokens, cfg.TokenCacheSize, log)
	if err != nil {
		return err
	}
	usage := apitoken.NewUsageRecorder(d)
	verifier := apitoken.NewVerifier(cache, tokens.Hasher(), usage, time.Now)
	// Rate limits are per instance (see README, "Running several
	// instances"); quotas are shared through the usage batches.
	guard := apitoken.NewGuard(ratelimit.New(0, time.Now), usage, time.Now)
	tokens.GuardrailsChanged = guard.Changed
	usageCtx, stopUsage := context.WithCancel(context.Background())
	usageDone := make(chan struct{})
	go func() {
		defer close(usageDone)
		usage.Run(usageCtx, usageFlushInterval, func(err error) { log.Error("record token use", "error", err) })
	}()
	// After the server has drained, write the uses it saw; this runs
	// before the database closes (defers run last-in, first-out).
	defer func() { stopUsage(); <-usageDone }()

	e := handlers.NewServer(handlers.Options{
		RequestTimeout: cfg.RequestTimeout,
		Store:          d,
		Tokens:         tokens,
		Registry:       registry,
		Verifier:       verifier,
		Guardrails:     guard,
		Entries:        d,
		Logger:         log,
		SessionAuthKey: config.DeriveKey(secret, config.PurposeSessionAuth),
		SessionEncKey:  config.DeriveKey(secret, config.PurposeSessionEnc),
		CSRFKey:        config.DeriveKey(secret, config.PurposeCSRF),
		CookieSecure:   cfg.CookieSecure,
		PublicURL:      cfg.PublicURL,
		TrustedProxies: cfg.TrustedProxies,
		CORSOrigins:    cfg.CORSOrigins,

		GraphQLIntrospection: cfg.GraphQLIntrospection,
		Dev:                  cfg.Dev,
	})
	// Longer than any request may run, so that its 503 still goes out.
	writeTimeout := max(60*time.Second, cfg.RequestTimeout+10*time.Second)
	srv := &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          nil,
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("TOKENADMIN_ADDR: %w", err)
	}
	if cfg.Dev {
		log.Warn("TOKENADMIN_DEV is set: the component gallery is served at /admin/_components; never set it in production")
	}
	log.Info("listening", "addr", ln.Addr().String(), "database", string(d.Dialect), "url", "http://"+ln.Addr().String()+"/admin")

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", shutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
