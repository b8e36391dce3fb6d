-- Reminders to clients about required documents before and after their deadline.

-- The firm's schedule: days before the deadline (0 = on the day), then every N days while
-- overdue, at most M times: "7,2,0;3;5".
ALTER TABLE orgs ADD COLUMN reminder_schedule TEXT NOT NULL DEFAULT '7,2,0;3;5';

-- One row per item and schedule slot that was reminded about: the primary key makes sure a
-- slot is claimed once, whichever process gets there first.
CREATE TABLE reminders_sent (
    item_id  TEXT NOT NULL REFERENCES case_items(id) ON DELETE CASCADE,
    slot     TEXT NOT NULL,
    org_id   TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    sent_at  BIGINT NOT NULL,
    PRIMARY KEY (item_id, slot)
);

-- Overdue markers on the client list look up a client's items.
CREATE INDEX case_items_client ON case_items (client_id, state);
-- The dashboard counts files waiting for review (covering) and uploads per day.
CREATE INDEX files_review ON files (org_id, review_state, direction, scan_state);
CREATE INDEX files_recent ON files (org_id, direction, created_at);
