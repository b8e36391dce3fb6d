-- A firm's look in front of its clients: colours (validated "#rrggbb", empty = the app's),
-- a welcome text on the portal and the upload page, and a sanitized logo (PNG or SVG, base64).
ALTER TABLE orgs ADD COLUMN brand_primary TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN brand_accent TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN welcome_text TEXT NOT NULL DEFAULT '';

CREATE TABLE org_logos (
    org_id        TEXT PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
    content_type  TEXT NOT NULL,
    data          TEXT NOT NULL,
    updated_at    BIGINT NOT NULL
);
