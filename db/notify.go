package db

import (
	"context"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// TokenChannel is the PostgreSQL notification channel on which every
// change that narrows or revokes a token announces the old key's hash.
const TokenChannel = "tokenadmin_token_changes"

// notifyTokenChange records hash as revoked from inside tx and, on
// PostgreSQL, announces it on TokenChannel. PostgreSQL delivers a NOTIFY
// only when its transaction commits, so other instances hear of exactly
// the changes that happened, and never before they are visible.
func (d *DB) notifyTokenChange(ctx context.Context, tx *sqlx.Tx, hashes ...string) error {
	for _, h := range hashes {
		if err := d.notifyOne(ctx, tx, h); err != nil {
			return err
		}
	}
	return nil
}

func (d *DB) notifyOne(ctx context.Context, tx *sqlx.Tx, hash string) error {
	if hash == "" {
		return nil
	}
	if _, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO api_token_revocations (access_key_hash, created_at) VALUES (?, ?)`),
		hash, now()); err != nil {
		return err
	}
	if d.Dialect != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, TokenChannel, hash)
	return err
}

// revocationRetention is how long revocation records are kept: far longer
// than any poll interval, short enough to keep the table small.
const revocationRetention = time.Hour

// WatchRevocations polls the revocation record every interval until ctx
// ends and calls changed with each hash recorded since it started. It is
// how a server on SQLite hears of changes made by another process, such
// as the CLI; a poll is one indexed query, never one per request.
func (d *DB) WatchRevocations(ctx context.Context, interval time.Duration, changed func(hash string)) error {
	var last int64
	if err := d.GetContext(ctx, &last, `SELECT COALESCE(MAX(id), 0) FROM api_token_revocations`); err != nil {
		return wrap("watch revocations", err)
	}
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		polls := 0
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			var rows []struct {
				ID   int64  `db:"id"`
				Hash string `db:"access_key_hash"`
			}
			if err := d.SelectContext(ctx, &rows, d.Rebind(`SELECT id, access_key_hash FROM api_token_revocations WHERE id > ? ORDER BY id`), last); err != nil {
				continue
			}
			for _, r := range rows {
				changed(r.Hash)
				last = r.ID
			}
			if polls++; polls%600 == 0 {
				d.pruneRevocations(ctx)
			}
		}
	}()
	return nil
}

// TokenListener receives other instances' token changes.
type TokenListener struct {
	// Changed is called with the hash of a changed or revoked key.
	Changed func(hash string)
	// Lost is called when the connection drops (true) and when it is back
	// and listening again (false). While lost, notifications may be
	// missed, so the caller must not trust what it cached.
	Lost func(lost bool)
	// PingEvery probes an idle connection, so that a silent network
	// failure is noticed; 0 means 5 seconds.
	PingEvery time.Duration
}

// ErrNoListener means the database has no notifications (SQLite).
var ErrNoListener = errors.New("db: listen: notifications need PostgreSQL")

// ListenTokenChanges listens on TokenChannel until ctx ends. It returns
// once the listener is connected (or failed to start); the listening
// goroutine runs until ctx ends.
func (d *DB) ListenTokenChanges(ctx context.Context, l TokenListener) error {
	if d.Dialect != Postgres {
		return ErrNoListener
	}
	if l.PingEvery == 0 {
		l.PingEvery = 5 * time.Second
	}
	lost := false // pq calls events from one goroutine
	events := func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
			lost = true
			if l.Lost != nil {
				l.Lost(true)
			}
		case pq.ListenerEventConnected, pq.ListenerEventReconnected:
			// pq re-issues LISTEN before announcing the reconnection. A
			// first connection after failed attempts (Connected, not
			// Reconnected) ends a loss too.
			if lost && l.Lost != nil {
				l.Lost(false)
			}
			lost = false
		}
	}
	listener := pq.NewListener(d.url, 100*time.Millisecond, 2*time.Second, events)
	if err := listener.Listen(TokenChannel); err != nil {
		listener.Close()
		return wrap("listen", err)
	}
	go func() {
		defer listener.Close()
		ping := time.NewTicker(l.PingEvery)
		pings := 0
		defer ping.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case n := <-listener.Notify:
				// A nil notification follows a reconnection.
				if n != nil && l.Changed != nil {
					l.Changed(n.Extra)
				}
			case <-ping.C:
				// An error here surfaces as a Disconnected event.
				_ = listener.Ping()
				// PostgreSQL instances learn of changes by NOTIFY; the
				// record only needs to outlive a poll, so keep it small.
				if pings++; pings%120 == 0 {
					d.pruneRevocations(ctx)
				}
			}
		}
	}()
	return nil
}

// pruneRevocations forgets revocation records older than the retention.
func (d *DB) pruneRevocations(ctx context.Context) {
	_, _ = d.ExecContext(ctx, d.Rebind(`DELETE FROM api_token_revocations WHERE created_at < ?`), now().Add(-revocationRetention))
}
