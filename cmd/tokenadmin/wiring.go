package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/user"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/config"
	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/db"
)

// loadRegistry loads the content types: the built-in ones, or those of
// TOKENADMIN_CONTENT_TYPES. A bad schema stops start-up naming its file.
func loadRegistry(cfg config.Config) (*content.Registry, error) {
	if cfg.ContentTypesDir == "" {
		return content.Default(), nil
	}
	r, err := content.LoadDir(cfg.ContentTypesDir)
	if err != nil {
		return nil, fmt.Errorf("TOKENADMIN_CONTENT_TYPES: %w", err)
	}
	return r, nil
}

// cliActor is who the audit log says made a change from the command line:
// "cli" and the operating-system user running it.
func cliActor(getenv func(string) string) audit.Actor {
	name := getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	return audit.CLI(name)
}

// openServingDB migrates the database and brings the content tables up to
// the schemas on a connection pool of its own, with no statement timeout
// (a new index on a large table may take a while), then opens the pool
// the server runs on, whose statements PostgreSQL ends at the request
// timeout.
func openServingDB(ctx context.Context, cfg config.Config, registry *content.Registry) (*db.DB, error) {
	setup, err := openDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	err = setup.SyncContentTypes(ctx, registry.Types())
	setup.Close()
	if err != nil {
		return nil, fmt.Errorf("content types: %w", err)
	}
	d, err := db.Open(ctx, cfg.DatabaseURL, db.StatementTimeout(cfg.RequestTimeout))
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	d.ConfigurePool(db.Pool(cfg.Pool))
	return d, nil
}

// revocationPoll is how often a server on SQLite looks for keys revoked
// by another process.
const revocationPoll = 250 * time.Millisecond

// newTokenService wires the one token service the admin and the CLI share.
// The lifetime policy applies to both.
func newTokenService(d *db.DB, secret []byte, registry *content.Registry, lifetime config.Lifetime) *apitoken.Service {
	hasher := apitoken.NewHasher(config.DeriveKey(secret, config.PurposeTokenHash))
	s := apitoken.NewService(d, hasher, registry.KnownAction, time.Now)
	s.Policy = apitoken.Policy{MaxLifetime: lifetime.Max, NoUnlimited: lifetime.NoUnlimited}
	return s
}

// watchTokens puts the verification cache in front of the store and keeps
// it honest: this instance's own changes invalidate at once, and on
// PostgreSQL every other instance's changes arrive by LISTEN/NOTIFY. While
// that connection is down the cache is bypassed, since a revocation could
// be missed.
func watchTokens(ctx context.Context, d *db.DB, tokens *apitoken.Service, size int, log *slog.Logger) (*apitoken.CachedLookup, error) {
	cache, err := apitoken.NewCachedLookup(d, size)
	if err != nil {
		return nil, fmt.Errorf("TOKENADMIN_TOKEN_CACHE_SIZE: %w", err)
	}
	tokens.Revoked = cache.Invalidate
	err = d.ListenTokenChanges(ctx, db.TokenListener{
		Changed: cache.Invalidate,
		Lost: func(lost bool) {
			if lost {
				log.Warn("token change notifications lost: verifying every key against the database until they are back")
			} else {
				log.Info("token change notifications restored")
			}
			cache.SetBypass(lost)
		},
	})
	switch {
	case errors.Is(err, db.ErrNoListener):
		// SQLite has no notifications: other processes on the same file
		// (the CLI) are heard through the revocation record.
		if err := d.WatchRevocations(ctx, revocationPoll, cache.Invalidate); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("listen for token changes: %w", err)
	}
	return cache, nil
}
