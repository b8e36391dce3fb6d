-- Further contacts of a client (e.g. the managing director and the bookkeeper), each signing in
-- to the portal with their own address (and password) and their own rights. The client's own
-- address stays its main contact with every right. A portal session belongs to the contact
-- whose address it was opened with: removing the contact (or a right) counts from its next
-- request.
CREATE TABLE client_contacts (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    client_id      TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    email_lower    TEXT NOT NULL,
    -- comma-separated: upload, files, invoices, approve, pay, chat
    rights         TEXT NOT NULL,
    password_hash  TEXT,
    created_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX client_contacts_address ON client_contacts (client_id, email_lower);
CREATE INDEX client_contacts_email ON client_contacts (email_lower);
