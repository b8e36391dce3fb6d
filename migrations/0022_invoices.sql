-- Invoices and quotes (Rechnungen, Angebote). A draft can change; once issued (sent) a document
-- keeps its number, lines and amounts forever — an invoice can only be cancelled (Storno).
-- Amounts are integer cents, quantities integer thousandths.

-- The firm's billing details, printed on what it issues.
ALTER TABLE orgs ADD COLUMN billing_address TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN billing_tax_id TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN billing_bank TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN billing_terms_days BIGINT NOT NULL DEFAULT 14;
ALTER TABLE orgs ADD COLUMN billing_mail_text TEXT NOT NULL DEFAULT '';

CREATE TABLE invoices (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    client_id         TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    -- 'invoice' or 'quote'.
    kind              TEXT NOT NULL,
    -- '' while a draft; given when issued, gapless per firm, kind and year.
    number            TEXT NOT NULL DEFAULT '',
    -- draft, sent, paid, overdue, cancelled (invoices); draft, sent, accepted, rejected,
    -- cancelled (quotes).
    state             TEXT NOT NULL DEFAULT 'draft',
    recipient         TEXT NOT NULL DEFAULT '',
    -- The firm's address, tax id and bank details as printed (copied from orgs when issued).
    seller            TEXT NOT NULL DEFAULT '',
    tax_id            TEXT NOT NULL DEFAULT '',
    bank              TEXT NOT NULL DEFAULT '',
    notes             TEXT NOT NULL DEFAULT '',
    net_cents         BIGINT NOT NULL DEFAULT 0,
    vat_cents         BIGINT NOT NULL DEFAULT 0,
    gross_cents       BIGINT NOT NULL DEFAULT 0,
    currency          TEXT NOT NULL DEFAULT 'EUR',
    issued_at         BIGINT,
    -- End of the due day (Europe/Berlin), unix ms.
    due_at            BIGINT,
    paid_at           BIGINT,
    cancelled_at      BIGINT,
    decided_at        BIGINT,
    decision_comment  TEXT NOT NULL DEFAULT '',
    -- An invoice made from a quote.
    quote_id          TEXT REFERENCES invoices(id) ON DELETE SET NULL,
    created_by        TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE UNIQUE INDEX invoices_number ON invoices (org_id, kind, number) WHERE number <> '';
CREATE INDEX invoices_client ON invoices (org_id, client_id, created_at);
CREATE INDEX invoices_org ON invoices (org_id, kind, state, created_at);
CREATE INDEX invoices_due ON invoices (state, due_at);

CREATE TABLE invoice_lines (
    id              TEXT PRIMARY KEY,
    invoice_id      TEXT NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,
    position        BIGINT NOT NULL,
    description     TEXT NOT NULL,
    quantity_milli  BIGINT NOT NULL,
    unit            TEXT NOT NULL DEFAULT '',
    unit_cents      BIGINT NOT NULL,
    vat_percent     BIGINT NOT NULL,
    net_cents       BIGINT NOT NULL
);
CREATE INDEX invoice_lines_invoice ON invoice_lines (invoice_id, position);

-- The last number given per firm, kind and year (incremented in the issuing transaction, so a
-- rolled-back issue gives its number back: no gaps).
CREATE TABLE invoice_numbers (
    org_id  TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    year    BIGINT NOT NULL,
    last    BIGINT NOT NULL,
    PRIMARY KEY (org_id, kind, year)
);
