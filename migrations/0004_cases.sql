-- Cases (Vorgänge) with their checklists of requested documents, and case templates.

CREATE TABLE cases (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    client_id         TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    title             TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    responsible_id    TEXT REFERENCES users(id) ON DELETE SET NULL,
    -- End of the due day (Europe/Berlin), unix ms.
    due_at            BIGINT,
    -- 'open', 'closed' or 'archived'.
    state             TEXT NOT NULL DEFAULT 'open',
    reminders_paused  INTEGER NOT NULL DEFAULT 0,
    created_by        TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    closed_at         BIGINT
);
CREATE INDEX cases_client ON cases (org_id, client_id, state);
CREATE INDEX cases_org_state ON cases (org_id, state, due_at);

-- One requested document of a case.
CREATE TABLE case_items (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    case_id        TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    client_id      TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    position       BIGINT NOT NULL,
    title          TEXT NOT NULL,
    explanation    TEXT NOT NULL DEFAULT '',
    required       INTEGER NOT NULL DEFAULT 1,
    deadline_at    BIGINT,
    -- Comma-separated lower-case extensions; empty: what the firm accepts.
    allowed_types  TEXT NOT NULL DEFAULT '',
    -- 'ausstehend', 'hochgeladen', 'geprueft' or 'rueckfrage'.
    state          TEXT NOT NULL DEFAULT 'ausstehend',
    -- The question sent back with 'rueckfrage'.
    comment        TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX case_items_case ON case_items (case_id, position);
CREATE INDEX case_items_org_state ON case_items (org_id, state, deadline_at);

-- Uploads and files made for a requested document.
ALTER TABLE uploads ADD COLUMN item_id TEXT REFERENCES case_items(id) ON DELETE SET NULL;
ALTER TABLE files ADD COLUMN item_id TEXT REFERENCES case_items(id) ON DELETE SET NULL;
CREATE INDEX files_item ON files (item_id);

-- An upload link may be bound to a case: its page shows the checklist.
ALTER TABLE upload_links ADD COLUMN case_id TEXT REFERENCES cases(id) ON DELETE SET NULL;

CREATE TABLE case_templates (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    -- lower-cased name: a firm's template names are unique regardless of case.
    name_key     TEXT NOT NULL,
    title        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX case_templates_name ON case_templates (org_id, name_key);

CREATE TABLE case_template_items (
    id             TEXT PRIMARY KEY,
    template_id    TEXT NOT NULL REFERENCES case_templates(id) ON DELETE CASCADE,
    position       BIGINT NOT NULL,
    title          TEXT NOT NULL,
    explanation    TEXT NOT NULL DEFAULT '',
    required       INTEGER NOT NULL DEFAULT 1,
    allowed_types  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_template_items_template ON case_template_items (template_id, position);
