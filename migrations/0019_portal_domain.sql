-- A firm's own portal domain (e.g. portal.kanzlei-muster.de): entered by the owner, proven by an
-- HTTP challenge (the app answers its token on that host), then the portal and upload pages
-- are served there. `portal_public` = 0 hides the firm's portal sign-in on the main domain.
ALTER TABLE orgs ADD COLUMN portal_domain TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN domain_token TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN domain_verified_at BIGINT;
ALTER TABLE orgs ADD COLUMN portal_public INTEGER NOT NULL DEFAULT 1;
CREATE UNIQUE INDEX orgs_portal_domain ON orgs (portal_domain) WHERE portal_domain <> '';
