-- Chat (In-Portal-Kommunikation): one conversation per client and one per case.

-- The data key of a client's messages, wrapped by the master key (the id is the client's:
-- deleting the client destroys the key with it).
CREATE TABLE message_keys (
    id           TEXT PRIMARY KEY REFERENCES clients(id) ON DELETE CASCADE,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    wrapped_key  TEXT NOT NULL
);

CREATE TABLE messages (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    client_id    TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    -- '' for the client's general conversation, else the case's id.
    conv         TEXT NOT NULL DEFAULT '',
    -- 'staff', 'client', 'system_client' (caused by the client, e.g. an upload) or
    -- 'system_firm' (caused by the firm: a review, a new request).
    author_kind  TEXT NOT NULL,
    author_id    TEXT,
    author_name  TEXT NOT NULL DEFAULT '',
    -- base64(nonce ‖ AES-256-GCM ciphertext ‖ tag), the message id as associated data.
    body         TEXT NOT NULL,
    file_id      TEXT REFERENCES files(id) ON DELETE SET NULL,
    -- Chosen by the sending browser: a retried send is stored once.
    idem_key     TEXT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX messages_conv ON messages (client_id, conv, created_at);
CREATE INDEX messages_org ON messages (org_id, created_at);
CREATE UNIQUE INDEX messages_idem ON messages (client_id, idem_key);

-- How far each participant has read a conversation: a staff member (reader = user id) or the
-- client (reader = 'client').
CREATE TABLE message_reads (
    client_id     TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    conv          TEXT NOT NULL,
    reader        TEXT NOT NULL,
    last_read_at  BIGINT NOT NULL,
    PRIMARY KEY (client_id, conv, reader)
);
