-- 008_email_verify: a customer who signed itself up confirms its e-mail
-- address (a link mailed through the outbox) before its first order
-- ([http] signup_verify, web/api_signup.h). Accounts made by an admin, and
-- every account that existed before, count as confirmed: the column's
-- default is 1 and only a self-signup with verification on writes 0.
-- One row per mailed link: the link carries "selector.verifier"; the row
-- is found by its selector and the verifier is compared by its
-- BLAKE2b-256 (hex), never stored in clear. A row is used once (used_at)
-- and dies at expires_at. Dialect rules D1-D10 of store.h.
ALTER TABLE accounts ADD COLUMN email_verified BIGINT NOT NULL DEFAULT 1
    CHECK (email_verified IN (0, 1));
CREATE TABLE email_verifications (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- the address the link was mailed to
    email TEXT NOT NULL,
    selector TEXT NOT NULL UNIQUE,
    verifier_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX email_verifications_account
    ON email_verifications (account_id, created_at);
