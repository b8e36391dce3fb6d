-- Notifications on both sides: per person and event, e-mail at once, in a daily digest, or
-- not at all. A person is a staff member ('user:<id>') or a client's contact ('client:<id>').
CREATE TABLE notify_prefs (
    owner  TEXT NOT NULL,
    event  TEXT NOT NULL,
    mode   TEXT NOT NULL,
    PRIMARY KEY (owner, event)
);
-- The upload-mail choice of each member moves here ('instant' is the default, not stored).
INSERT INTO notify_prefs (owner, event, mode)
    SELECT 'user:' || id, 'upload', notify_uploads FROM users WHERE notify_uploads <> 'instant';

-- Lines waiting for the next daily digest of their owner.
CREATE TABLE notify_digest (
    id          TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    line        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    sent_at     BIGINT
);
CREATE INDEX notify_digest_due ON notify_digest (sent_at, created_at);

-- One-click links in mails to change one's notification choices without signing in.
CREATE TABLE notify_tokens (
    token_hash  TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL
);
