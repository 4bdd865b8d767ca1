-- 003_license_acceptances: a customer's acceptance of the license agreement
-- of the registrar connection that serves a TLD (design section 1): who,
-- which account, which connection, the domain searched, when, from where,
-- and the SHA-256 of the exact text accepted. Dialect rules D1-D10 of
-- store.h.
CREATE TABLE license_acceptances (
    id INTEGER PRIMARY KEY,
    login_id BIGINT REFERENCES logins (id) ON DELETE SET NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    connection_id BIGINT REFERENCES registrar_connections (id)
        ON DELETE SET NULL,
    domain TEXT NOT NULL DEFAULT '',
    license_sha256 TEXT NOT NULL,
    client_ip TEXT NOT NULL DEFAULT '',
    accepted_at BIGINT NOT NULL
);
CREATE INDEX license_acceptances_account
    ON license_acceptances (account_id, connection_id);
