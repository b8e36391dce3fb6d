-- The client portal: how clients sign in, who may, their magic links and sessions.

-- Sign-in methods the firm offers its clients, comma-separated from 'magic' (magic link by
-- e-mail), 'secret' (a permanent secret link per client) and 'password' (e-mail + password).
ALTER TABLE orgs ADD COLUMN portal_methods TEXT NOT NULL DEFAULT 'magic';
-- Who gets portal access: 'all' (every client, existing and new), 'future' (new clients) or
-- 'manual' (staff grant it client by client).
ALTER TABLE orgs ADD COLUMN portal_grant TEXT NOT NULL DEFAULT 'all';
-- How long a magic link is valid.
ALTER TABLE orgs ADD COLUMN magic_link_minutes BIGINT NOT NULL DEFAULT 15;

ALTER TABLE clients ADD COLUMN portal_access INTEGER NOT NULL DEFAULT 0;
-- The address the portal login looks up, lower-cased.
ALTER TABLE clients ADD COLUMN email_lower TEXT NOT NULL DEFAULT '';
-- SHA-256 of the client's permanent secret link token, if one was made.
ALTER TABLE clients ADD COLUMN portal_secret_hash TEXT;
-- argon2id hash of the client's portal password, if they set one.
ALTER TABLE clients ADD COLUMN portal_password_hash TEXT;
UPDATE clients SET portal_access = 1, email_lower = lower(trim(email));
CREATE INDEX clients_portal_email ON clients (email_lower);
CREATE UNIQUE INDEX clients_portal_secret ON clients (portal_secret_hash);

-- Magic links: single use, short-lived, bound to an address (not to a firm: one person may be
-- the contact of clients of several firms and chooses after signing in).
CREATE TABLE portal_links (
    id          TEXT PRIMARY KEY,
    email       TEXT NOT NULL,
    token_hash  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE UNIQUE INDEX portal_links_token ON portal_links (token_hash);
CREATE INDEX portal_links_expiry ON portal_links (expires_at);

-- Portal sessions: scoped to exactly one client of one firm once chosen (client_id NULL while
-- a person with several clients has not chosen yet).
CREATE TABLE portal_sessions (
    id            TEXT PRIMARY KEY,
    token_hash    TEXT NOT NULL,
    email         TEXT NOT NULL,
    -- 'magic' (the address is proven: may choose among its clients), 'secret' or 'password'
    -- (bound to the one client).
    method        TEXT NOT NULL,
    org_id        TEXT REFERENCES orgs(id) ON DELETE CASCADE,
    client_id     TEXT REFERENCES clients(id) ON DELETE CASCADE,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    user_agent    TEXT NOT NULL DEFAULT '',
    ip            TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX portal_sessions_token ON portal_sessions (token_hash);
CREATE INDEX portal_sessions_client ON portal_sessions (client_id);

-- Uploads made by a signed-in client (neither a link nor a staff member).
ALTER TABLE uploads ADD COLUMN via_portal INTEGER NOT NULL DEFAULT 0;
