-- Two-factor sign-in of staff (TOTP, RFC 6238). The secret is a random data key wrapped by the
-- master key like every other (so rotate-master-key re-wraps it); its first 20 bytes are the
-- TOTP secret. `confirmed` = 0 while the member is still setting it up; `last_step` makes
-- every code usable once.
CREATE TABLE totp_keys (
    id           TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    wrapped_key  TEXT NOT NULL,
    confirmed    INTEGER NOT NULL DEFAULT 0,
    last_step    BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL
);

-- One-time recovery codes (SHA-256 of the normalized code).
CREATE TABLE recovery_codes (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- Password accepted, code still to come: a short-lived, single-use step between the two
-- (its token in an HttpOnly cookie), with a count of wrong codes.
CREATE TABLE login_challenges (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    expires_at  BIGINT NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0
);
