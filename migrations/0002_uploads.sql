-- Secure upload zone: upload links, resumable (tus) uploads in progress, and stored files.

CREATE TABLE upload_links (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    client_id      TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    token_hash     TEXT NOT NULL,
    title          TEXT NOT NULL DEFAULT '',
    message        TEXT NOT NULL DEFAULT '',
    expires_at     BIGINT,
    max_files      BIGINT,
    password_hash  TEXT,
    files_received BIGINT NOT NULL DEFAULT 0,
    created_by     TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at     BIGINT NOT NULL,
    revoked_at     BIGINT
);
CREATE UNIQUE INDEX upload_links_token ON upload_links (token_hash);
CREATE INDEX upload_links_client ON upload_links (org_id, client_id);

-- A file being uploaded. Its blob holds only whole sealed segments; `committed` is the number
-- of plaintext bytes durably stored (the tus offset), written after the blob was synced.
CREATE TABLE uploads (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    client_id     TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    link_id       TEXT REFERENCES upload_links(id) ON DELETE SET NULL,
    uploaded_by   TEXT REFERENCES users(id) ON DELETE SET NULL,
    direction     TEXT NOT NULL,
    filename      TEXT NOT NULL,
    mime          TEXT NOT NULL DEFAULT '',
    length        BIGINT NOT NULL,
    committed     BIGINT NOT NULL DEFAULT 0,
    wrapped_key   TEXT NOT NULL,
    nonce_prefix  TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    completed_at  BIGINT
);
CREATE INDEX uploads_expiry ON uploads (completed_at, expires_at);
CREATE INDEX uploads_client ON uploads (org_id, client_id);

CREATE TABLE files (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    client_id      TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    -- 'received' from the client, 'sent' by the firm to the client.
    direction      TEXT NOT NULL,
    name           TEXT NOT NULL,
    -- lower-cased name: files of one client with the same name are versions of each other.
    name_key       TEXT NOT NULL,
    version        BIGINT NOT NULL,
    size           BIGINT NOT NULL,
    mime           TEXT NOT NULL DEFAULT '',
    sha256         TEXT NOT NULL,
    wrapped_key    TEXT NOT NULL,
    nonce_prefix   TEXT NOT NULL,
    -- 'clean' or 'quarantined' (never downloadable), with the reason for staff.
    scan_state     TEXT NOT NULL,
    scan_reason    TEXT NOT NULL DEFAULT '',
    -- 'neu', 'geprueft' or 'rueckfrage'.
    review_state   TEXT NOT NULL DEFAULT 'neu',
    review_comment TEXT NOT NULL DEFAULT '',
    link_id        TEXT REFERENCES upload_links(id) ON DELETE SET NULL,
    uploaded_by    TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX files_client ON files (org_id, client_id, direction, created_at);
CREATE UNIQUE INDEX files_version ON files (client_id, direction, name_key, version);

-- Small server-wide facts, e.g. a value sealed with the master key that proves at start-up
-- that the configured key is the one the database's data keys are wrapped with.
CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
