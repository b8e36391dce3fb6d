-- Card payments with Stripe Checkout. A firm's Stripe keys are sealed with a data key of its own
-- (wrapped by the master key like every other data key, so rotating the master key re-wraps it).
CREATE TABLE payment_settings (
    -- The firm's id.
    id              TEXT PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
    wrapped_key     TEXT NOT NULL,
    -- base64(nonce ‖ AES-256-GCM ciphertext ‖ tag) of the secret API key and of the webhook
    -- signing secret; '' when not set.
    secret_key      TEXT NOT NULL DEFAULT '',
    webhook_secret  TEXT NOT NULL DEFAULT '',
    -- Offer SEPA direct debit besides cards.
    sepa            INTEGER NOT NULL DEFAULT 0,
    updated_at      BIGINT NOT NULL
);

-- One Checkout Session per "Jetzt bezahlen": the amount it was opened for.
CREATE TABLE payments (
    -- Stripe's Checkout Session id.
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    invoice_id    TEXT NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,
    amount_cents  BIGINT NOT NULL,
    currency      TEXT NOT NULL,
    -- open, paid, mismatch (the event's amount or currency did not match: nothing was marked).
    state         TEXT NOT NULL DEFAULT 'open',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX payments_invoice ON payments (invoice_id);

-- Webhook events already handled: the same event delivered again changes nothing.
CREATE TABLE stripe_events (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    received_at  BIGINT NOT NULL
);
