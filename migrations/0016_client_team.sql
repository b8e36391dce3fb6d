-- Restricting a client to named team members. A restricted client is seen by the firm's owners
-- and admins and by the members listed in client_team — nobody else, anywhere (lists, search,
-- dashboard, notifications, live streams, downloads).
ALTER TABLE clients ADD COLUMN restricted INTEGER NOT NULL DEFAULT 0;

CREATE TABLE client_team (
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    client_id   TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (client_id, user_id)
);
CREATE INDEX client_team_user ON client_team (user_id, client_id);
