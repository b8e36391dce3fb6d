-- How many sessions (browsers, devices) one staff member may have at once; signing in on one
-- more ends the one used longest ago.
ALTER TABLE orgs ADD COLUMN max_sessions BIGINT NOT NULL DEFAULT 5;
