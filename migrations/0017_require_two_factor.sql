-- The owner can require two-factor sign-in for the whole firm: a member without it is signed in
-- but can do nothing except set it up.
ALTER TABLE orgs ADD COLUMN require_two_factor INTEGER NOT NULL DEFAULT 0;
