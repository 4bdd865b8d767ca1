-- 014_admin_acts: who asked for each operation, and domains moved between
-- accounts by the admin (core/domadmin.h). Dialect rules D1-D13 of
-- store.h.
--
-- operations.actor: who asked - 'admin' (the CLI, or an admin in the API
-- acting for the account the operation is charged to), 'account:NAME'
-- (the customer itself), 'lifecycle' (an automatic renewal). NULL for
-- operations recorded before this migration.
ALTER TABLE operations ADD COLUMN actor TEXT;

-- domain_moves: a domain given from one account to another (the admin's
-- `regman domain move`). Nothing changes at the registrar: the domain,
-- its contacts and its expiry stay as they are; from then on the new
-- account owns it (renewals charged to it, its panel shows it).
CREATE TABLE domain_moves (
    id INTEGER PRIMARY KEY,
    domain_id BIGINT NOT NULL REFERENCES domains (id),
    from_account_id BIGINT NOT NULL REFERENCES accounts (id),
    to_account_id BIGINT NOT NULL REFERENCES accounts (id),
    actor TEXT NOT NULL,
    reason TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX domain_moves_domain ON domain_moves (domain_id, id);

-- domains.away_status: the registrar's status of a pending transfer of
-- the domain to another registrar (GET_TRANSFERS_AWAY, read at sync and
-- when the domain is synced alone), with when it was read; NULL when
-- none is pending.
ALTER TABLE domains ADD COLUMN away_status TEXT;
ALTER TABLE domains ADD COLUMN away_seen_at BIGINT;
