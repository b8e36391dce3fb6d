-- Visual annotations: pins and rectangles on an image or a PDF page of one file version,
-- each with a comment and a thread of replies, open or resolved. Coordinates are millionths
-- of the page (0..1 000 000), so a mark stays on its spot at every size and zoom. Comments
-- are sealed with the client's message key, like chat messages.
CREATE TABLE pins (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    client_id     TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    file_id       TEXT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    -- 1-based; images have one page.
    page          BIGINT NOT NULL,
    x             BIGINT NOT NULL,
    y             BIGINT NOT NULL,
    -- 0 × 0: a pin; else a rectangle from (x, y).
    w             BIGINT NOT NULL DEFAULT 0,
    h             BIGINT NOT NULL DEFAULT 0,
    -- open, resolved
    state         TEXT NOT NULL DEFAULT 'open',
    -- staff or client
    author_kind   TEXT NOT NULL,
    author_id     TEXT,
    author_name   TEXT NOT NULL,
    body          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    resolved_by   TEXT NOT NULL DEFAULT '',
    resolved_at   BIGINT
);
CREATE INDEX pins_file ON pins (file_id, page, created_at);

CREATE TABLE pin_replies (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    pin_id        TEXT NOT NULL REFERENCES pins(id) ON DELETE CASCADE,
    author_kind   TEXT NOT NULL,
    author_id     TEXT,
    author_name   TEXT NOT NULL,
    body          TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX pin_replies_pin ON pin_replies (pin_id, created_at);

-- Rendered previews (a PDF page as PNG), sealed with the client's message key; a page that
-- could not be rendered (malformed, hostile, too large) is remembered as failed, so it is
-- not tried again on every view.
CREATE TABLE previews (
    file_id     TEXT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    -- 0: the document's page count (in `pages`); else the page's image.
    page        BIGINT NOT NULL,
    ok          INTEGER NOT NULL,
    pages       BIGINT NOT NULL DEFAULT 0,
    png         TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (file_id, page)
);

-- Which pins were open when an approval was decided ("2 offene Markierungen").
ALTER TABLE approvals ADD COLUMN open_pins BIGINT NOT NULL DEFAULT 0;
