-- Foundation schema: firms (orgs), staff accounts, sessions, invites, login throttling,
-- clients with notes, and the activity/audit log.
-- Portable between SQLite and PostgreSQL through sqlx::Any (see docs/architecture.md):
-- TEXT UUIDv7 ids made in Rust, BIGINT unix-ms timestamps, INTEGER 0/1 flags, no BOOLEAN.

CREATE TABLE orgs (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    plan          TEXT NOT NULL DEFAULT 'solo',
    -- Maintained in the same transaction as client inserts/deletes; the plan limit is
    -- enforced by a conditional UPDATE on this counter, so it holds under concurrency.
    client_count  BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    email          TEXT NOT NULL,
    name           TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL,
    active         INTEGER NOT NULL DEFAULT 1,
    created_at     BIGINT NOT NULL
);
-- Staff log in by email alone, so an address belongs to one account across all firms.
CREATE UNIQUE INDEX users_email ON users (email);
CREATE INDEX users_org ON users (org_id);

CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    token_hash    TEXT NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id        TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    user_agent    TEXT NOT NULL DEFAULT '',
    ip            TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX sessions_token ON sessions (token_hash);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE invites (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    email        TEXT NOT NULL,
    role         TEXT NOT NULL,
    token_hash   TEXT NOT NULL,
    invited_by   TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    accepted_at  BIGINT,
    revoked_at   BIGINT
);
CREATE UNIQUE INDEX invites_token ON invites (token_hash);
CREATE INDEX invites_org ON invites (org_id);

-- Failed-login counters per account and per IP (fixed window). In the database, not in
-- memory, so limits hold whichever node answers.
CREATE TABLE login_throttle (
    key           TEXT PRIMARY KEY,
    window_start  BIGINT NOT NULL,
    failures      BIGINT NOT NULL
);

CREATE TABLE clients (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name               TEXT NOT NULL,
    email              TEXT NOT NULL DEFAULT '',
    company            TEXT NOT NULL DEFAULT '',
    -- lower-cased (Unicode-aware, in Rust) "name email company" for one LIKE across all fields;
    -- SQLite's lower() only folds ASCII.
    search_text        TEXT NOT NULL,
    status             TEXT NOT NULL DEFAULT 'offen',
    -- Maintained by the upload features, kept on the row so the list stays one indexed
    -- query with 10,000 clients. (Active links are counted live: expiry changes them.)
    file_count         BIGINT NOT NULL DEFAULT 0,
    last_upload_at     BIGINT,
    last_activity_at   BIGINT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX clients_org_activity ON clients (org_id, last_activity_at DESC, id);
CREATE INDEX clients_org_status ON clients (org_id, status, last_activity_at DESC);
CREATE INDEX clients_org_email ON clients (org_id, email);

CREATE TABLE client_notes (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    client_id   TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    author_id   TEXT REFERENCES users(id) ON DELETE SET NULL,
    author_name TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX client_notes_client ON client_notes (client_id, created_at);

-- Append-only log of what happened (who, what, which client, when, from where).
-- client_id carries no foreign key: the record that a client was deleted outlives the client.
CREATE TABLE audit_events (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    actor_id     TEXT,
    actor_name   TEXT NOT NULL DEFAULT '',
    client_id    TEXT,
    action       TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE INDEX audit_events_org ON audit_events (org_id, created_at);
CREATE INDEX audit_events_client ON audit_events (client_id, created_at);
