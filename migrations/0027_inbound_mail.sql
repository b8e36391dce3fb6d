-- Inbound mail: the Message-IDs of mails we sent into a thread (so a reply without our reply
-- address still finds it through In-Reply-To/References), and every mail received for a
-- thread — its original sealed with the client's message key (viewable in full), and whether
-- it was posted, is held for staff review (sender not a contact of the client) or was
-- discarded.
CREATE TABLE mail_threads (
    message_id  TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    client_id   TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    -- NULL: the client's chat.
    ticket_id   TEXT REFERENCES tickets(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE inbound_mails (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    client_id    TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    ticket_id    TEXT REFERENCES tickets(id) ON DELETE CASCADE,
    -- The sender's Message-ID (a mail delivered twice is taken once).
    message_id   TEXT NOT NULL,
    from_addr    TEXT NOT NULL,
    subject      TEXT NOT NULL DEFAULT '',
    -- posted, held, discarded
    state        TEXT NOT NULL,
    -- base64(nonce ‖ AES-256-GCM ciphertext ‖ tag) of the raw mail (base64), the row id as
    -- associated data.
    raw          TEXT NOT NULL,
    -- The ticket post or chat message it became.
    post_id      TEXT,
    received_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX inbound_mails_message ON inbound_mails (org_id, message_id);
CREATE INDEX inbound_mails_state ON inbound_mails (org_id, state, received_at);

-- The original mail of a post that came by e-mail.
ALTER TABLE ticket_posts ADD COLUMN mail_id TEXT;
