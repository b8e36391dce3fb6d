-- Live events for the browsers of a firm's staff (server-sent events). Kept a few days so a
-- browser that reconnects with its last event id misses nothing; ids are UUIDv7 (time-ordered).
CREATE TABLE events (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    client_id    TEXT,
    client_name  TEXT NOT NULL DEFAULT '',
    kind         TEXT NOT NULL,
    subject      TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE INDEX events_org ON events (org_id, id);
CREATE INDEX events_age ON events (created_at);
