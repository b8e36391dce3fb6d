-- Hours and budget (Stunden & Budget) for retainer clients: staff log time against a client,
-- optionally one of its cases; a monthly budget is set from a month on, so earlier months keep
-- the budget they had. The firm decides whether clients see their hours in the portal.
ALTER TABLE orgs ADD COLUMN hours_in_portal INTEGER NOT NULL DEFAULT 0;

CREATE TABLE time_entries (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    client_id    TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    -- The case worked on; the hours stay with the client when the case is deleted.
    case_id      TEXT REFERENCES cases(id) ON DELETE SET NULL,
    user_id      TEXT REFERENCES users(id) ON DELETE SET NULL,
    -- The calendar day in German time, "2026-11-24"; its first seven characters are the month.
    work_date    TEXT NOT NULL,
    minutes      BIGINT NOT NULL,
    description  TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX time_entries_client ON time_entries (org_id, client_id, work_date);

CREATE TABLE client_budgets (
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    client_id   TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    -- "2026-11": in force from this month until the next setting; 0 minutes: no budget.
    month       TEXT NOT NULL,
    minutes     BIGINT NOT NULL,
    set_by      TEXT REFERENCES users(id) ON DELETE SET NULL,
    set_at      BIGINT NOT NULL,
    PRIMARY KEY (client_id, month)
);
