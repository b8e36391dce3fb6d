-- Approvals (Freigaben): staff ask the client to approve a file they sent (a draft contract, a
-- design); the client approves it or asks for changes with a comment. Every request stays, so
-- the versions of a document and the decisions on them remain visible.
CREATE TABLE approvals (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    client_id     TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    file_id       TEXT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    message       TEXT NOT NULL DEFAULT '',
    -- pending, approved, changes
    state         TEXT NOT NULL DEFAULT 'pending',
    comment       TEXT NOT NULL DEFAULT '',
    requested_by  TEXT REFERENCES users(id) ON DELETE SET NULL,
    requested_at  BIGINT NOT NULL,
    -- Who of the client decided (the contact's name), and when.
    decided_by    TEXT NOT NULL DEFAULT '',
    decided_at    BIGINT
);
CREATE INDEX approvals_client ON approvals (org_id, client_id, requested_at);
