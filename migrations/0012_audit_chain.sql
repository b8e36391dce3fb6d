-- The audit trail's hash chain, one per firm. A background step ("sealing", every few
-- seconds and before `kundenportal audit verify`) numbers new events 1, 2, 3, … per firm in
-- the order they were written and stores with each the SHA-256 of its predecessor and its
-- own (over every field, the number and the predecessor's hash). Editing or deleting a
-- sealed event breaks the chain at that point.
ALTER TABLE audit_events ADD COLUMN seq BIGINT;
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_events ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX audit_events_chain ON audit_events (org_id, seq);
CREATE INDEX audit_events_unsealed ON audit_events (created_at) WHERE seq IS NULL;

-- The last sealed event of each firm's chain: deleting events from the end of a chain (or
-- all of them) shows as a chain shorter than its head.
CREATE TABLE audit_heads (
    org_id  TEXT PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
    seq     BIGINT NOT NULL,
    hash    TEXT NOT NULL
);
