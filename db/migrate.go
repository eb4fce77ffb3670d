package db

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// Migrate applies the migrations not yet applied; running it again is a
// no-op. On PostgreSQL it holds a session advisory lock meanwhile, so that
// instances starting together apply each migration once.
func (d *DB) Migrate(ctx context.Context) error {
	fsys, err := fs.Sub(migrations, "migrations/"+string(d.Dialect))
	if err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	var dialect goose.Dialect
	switch d.Dialect {
	case SQLite:
		// No locker: goose has none for SQLite, and a SQLite file is
		// served by a single instance.
		dialect = goose.DialectSQLite3
	case Postgres:
		dialect = goose.DialectPostgres
		// Poll every second rather than goose's five, for up to five
		// minutes: the other instance's migration is usually quick.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return fmt.Errorf("db: migrate: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	default:
		return fmt.Errorf("db: migrate: unknown dialect %q", d.Dialect)
	}
	// The provider is not closed: Close would close d's pool.
	p, err := goose.NewProvider(dialect, d.DB.DB, fsys, opts...)
	if err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	return nil
}
