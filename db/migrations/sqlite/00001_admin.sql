-- +goose Up
-- Timestamps are UTC text in the format modernc.org/sqlite writes with
-- _time_format=sqlite, so that defaults and values written from Go scan
-- back alike and compare correctly as text.
CREATE TABLE roles (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    updated_at  DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'))
);

-- Role names are unique whatever their case. SQLite's lower() folds ASCII only.
CREATE UNIQUE INDEX roles_name_lower_key ON roles (lower(name));

CREATE TABLE role_permissions (
    role_id INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    action  TEXT NOT NULL CHECK (action <> ''),
    PRIMARY KEY (role_id, action)
);

CREATE TABLE admin_users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role_id       INTEGER NOT NULL REFERENCES roles (id),
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    last_login_at DATETIME,
    created_at    DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    updated_at    DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'))
);

CREATE INDEX admin_users_role_id_idx ON admin_users (role_id);

INSERT INTO roles (slug, name, description) VALUES
    ('super-admin', 'Super Admin', 'Can do everything; cannot be edited.'),
    ('editor', 'Editor', 'Can see API tokens.'),
    ('author', 'Author', 'No admin permissions by default.');

INSERT INTO role_permissions (role_id, action)
SELECT id, 'admin::api-tokens.read' FROM roles WHERE slug = 'editor';

-- +goose Down
DROP TABLE admin_users;
DROP TABLE role_permissions;
DROP TABLE roles;
