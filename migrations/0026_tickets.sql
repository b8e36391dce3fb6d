-- Support tickets: a client opens one in the portal (subject and message), staff answer,
-- assign it, write internal notes and move it through offen → in Bearbeitung → gelöst. The
-- thread's texts are sealed with the client's message key (see 0008_chat.sql), like the chat.
CREATE TABLE tickets (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    client_id      TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    -- "#12": per firm, from ticket_numbers.
    number         BIGINT NOT NULL,
    subject        TEXT NOT NULL,
    -- open, in_progress, solved
    state          TEXT NOT NULL DEFAULT 'open',
    assignee_id    TEXT REFERENCES users(id) ON DELETE SET NULL,
    -- Who of the client opened it (their address gets the firm's replies).
    opened_by      TEXT NOT NULL DEFAULT '',
    opened_email   TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX tickets_number ON tickets (org_id, number);
CREATE INDEX tickets_client ON tickets (org_id, client_id, updated_at);

CREATE TABLE ticket_numbers (
    org_id  TEXT PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
    last    BIGINT NOT NULL
);

CREATE TABLE ticket_posts (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    client_id    TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    ticket_id    TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    -- client, staff, or note (internal: never shown to the client)
    kind         TEXT NOT NULL,
    author_id    TEXT,
    author_name  TEXT NOT NULL DEFAULT '',
    -- base64(nonce ‖ AES-256-GCM ciphertext ‖ tag), the post id as associated data.
    body         TEXT NOT NULL,
    file_id      TEXT REFERENCES files(id) ON DELETE SET NULL,
    -- portal or mail: how the client's text arrived.
    via          TEXT NOT NULL DEFAULT 'portal',
    -- Chosen by the sending browser: a retried send is stored once.
    idem_key     TEXT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX ticket_posts_ticket ON ticket_posts (ticket_id, created_at);
CREATE UNIQUE INDEX ticket_posts_idem ON ticket_posts (ticket_id, idem_key);

-- How far each reader has read a ticket: a staff member (user id) or the client ('client').
CREATE TABLE ticket_reads (
    ticket_id     TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    reader        TEXT NOT NULL,
    last_read_at  BIGINT NOT NULL,
    PRIMARY KEY (ticket_id, reader)
);

-- A ticket attachment: the ticket a finished upload is posted to. NULL: none.
ALTER TABLE uploads ADD COLUMN ticket_id TEXT;
