-- Retention: archived cases (and their files and conversation) older than this many months
-- are deleted by a job, a week after a warning mail to the firm's owners. 0: kept forever.
ALTER TABLE orgs ADD COLUMN retention_months BIGINT NOT NULL DEFAULT 0;
-- When the owners were warned that this archived case is about to be deleted.
ALTER TABLE cases ADD COLUMN retention_warned_at BIGINT;
CREATE INDEX cases_archived ON cases (state, closed_at);
