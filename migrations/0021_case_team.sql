-- Restricting a case to named team members: a restricted case (its items, files, conversation,
-- events and notifications) is seen by the firm's owners and admins and by the members in
-- case_team — and only while they also see its client.
ALTER TABLE cases ADD COLUMN restricted INTEGER NOT NULL DEFAULT 0;

CREATE TABLE case_team (
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    case_id     TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_team_user ON case_team (user_id, case_id);

-- The case a live event or a bell entry is about (NULL: none), so they reach only those who
-- see it.
ALTER TABLE events ADD COLUMN case_id TEXT;
ALTER TABLE notifications ADD COLUMN case_id TEXT;
