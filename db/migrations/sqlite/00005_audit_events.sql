-- +goose Up
-- The audit log: who did what, when, from where. The application only
-- ever inserts; the triggers below make the database refuse anything else,
-- except the foreign key's own SET NULL when an admin is deleted (the
-- actor's email stays). changes is a JSON array of {field, before, after}.
CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          DATETIME NOT NULL,
    actor_id    INTEGER REFERENCES admin_users (id) ON DELETE SET NULL,
    actor_email TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '',
    target_name TEXT NOT NULL DEFAULT '',
    changes     TEXT NOT NULL DEFAULT '[]',
    ip          TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT ''
);

CREATE INDEX audit_events_at_idx ON audit_events (at);
CREATE INDEX audit_events_action_idx ON audit_events (action);
CREATE INDEX audit_events_actor_email_idx ON audit_events (actor_email);
CREATE INDEX audit_events_actor_id_idx ON audit_events (actor_id);
CREATE INDEX audit_events_target_idx ON audit_events (target_type, target_id);

-- +goose StatementBegin
CREATE TRIGGER audit_events_no_update
BEFORE UPDATE OF id, at, actor_email, action, target_type, target_id, target_name, changes, ip, user_agent ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_events_no_actor_change
BEFORE UPDATE OF actor_id ON audit_events
WHEN NEW.actor_id IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_events_no_delete
BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_events;
