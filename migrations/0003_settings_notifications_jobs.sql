-- Firm settings (the file-type allow-list), staff notifications (in-app, with the e-mail
-- preference of each member) and the durable job table behind mails and reminders.

-- Comma-separated lower-case extensions clients may upload ("pdf,jpg,png"); empty: all.
ALTER TABLE orgs ADD COLUMN allowed_types TEXT NOT NULL DEFAULT '';

-- E-mail about new uploads: 'instant' (one mail per client and burst of uploads) or 'off'.
ALTER TABLE users ADD COLUMN notify_uploads TEXT NOT NULL DEFAULT 'instant';

-- One row per staff member and event; the badge counts the unread ones.
CREATE TABLE notifications (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    client_id   TEXT REFERENCES clients(id) ON DELETE CASCADE,
    subject_id  TEXT,
    text        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    read_at     BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, read_at, created_at);

-- Durable jobs: claimed with a lease (locked_until), so a crash loses nothing and two
-- processes never run the same job at once. A pending job with a dedup key exists once.
CREATE TABLE jobs (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    dedup_key     TEXT,
    run_at        BIGINT NOT NULL,
    locked_until  BIGINT NOT NULL DEFAULT 0,
    attempts      BIGINT NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    done_at       BIGINT
);
CREATE INDEX jobs_due ON jobs (done_at, run_at);
CREATE UNIQUE INDEX jobs_pending_once ON jobs (dedup_key) WHERE done_at IS NULL;
