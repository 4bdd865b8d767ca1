-- 019_after_expiry (SQLite half; the PostgreSQL half is
-- 019_after_expiry.pg.sql): the life of a domain after its expiry
-- (docs/expiry.md, issue "Expiry done right"). Store.h D14: SQLite cannot
-- ALTER a CHECK, so domains and operations are rebuilt by the procedure of
-- sqlite.org/lang_altertable.html section 7, each with its whole current
-- definition, its rows, then its indexes again.
--
-- domains.status gains the registry's phases after expiry, as the
-- registrar states them at sync: 'expired' (the grace period: renewable),
-- 'redemption' (restorable only), 'pending_delete' (nothing can be done)
-- and 'deleted' (the registry freed the name: history, not live - the
-- name can be ordered again, so domains_live_name leaves it out).
-- grace_end_at, redemption_end_at, delete_at: the registrar's dates of
-- those phases as last read (NULL: not read; the TLD's days then say
-- them); phase_seen_at: when they were read.
--
-- operations.kind gains 'restore': the registrar's restore (OpenSRS
-- REDEEM) of a domain in redemption, charged at the TLD's restore fee plus
-- the renewal the registry requires (term 1), followed like a renewal.
CREATE TABLE new_domains (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    unicode_name TEXT NOT NULL,
    tld TEXT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    connection_id BIGINT NOT NULL REFERENCES registrar_connections (id),
    status TEXT NOT NULL CHECK (status IN ('registering', 'transferring',
        'renewing', 'active', 'expired', 'failed', 'cancelled', 'missing',
        'transferred_away', 'redemption', 'pending_delete', 'deleted',
        'restoring')),
    expires_at BIGINT,
    auto_renew BIGINT NOT NULL DEFAULT 0 CHECK (auto_renew IN (0, 1)),
    registrar_order_id TEXT,
    reg_username TEXT,
    reg_password_enc TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    -- 004_lifecycle
    import_id BIGINT REFERENCES imports (id),
    -- 014_admin_acts
    away_status TEXT,
    away_seen_at BIGINT,
    -- 019_after_expiry
    grace_end_at BIGINT,
    redemption_end_at BIGINT,
    delete_at BIGINT,
    phase_seen_at BIGINT
);
INSERT INTO new_domains (id, name, unicode_name, tld, account_id,
    connection_id, status, expires_at, auto_renew, registrar_order_id,
    reg_username, reg_password_enc, created_at, updated_at, import_id,
    away_status, away_seen_at)
SELECT id, name, unicode_name, tld, account_id,
    connection_id, status, expires_at, auto_renew, registrar_order_id,
    reg_username, reg_password_enc, created_at, updated_at, import_id,
    away_status, away_seen_at
FROM domains;
DROP TABLE domains;
ALTER TABLE new_domains RENAME TO domains;
CREATE UNIQUE INDEX domains_live_name ON domains (name)
    WHERE status NOT IN ('failed', 'cancelled', 'transferred_away',
        'deleted');
CREATE INDEX domains_name ON domains (name);
CREATE INDEX domains_expires ON domains (expires_at);
CREATE INDEX domains_account ON domains (account_id);
CREATE INDEX domains_connection ON domains (connection_id);
CREATE INDEX domains_connection_expires ON domains (connection_id, expires_at);

CREATE TABLE new_operations (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('register', 'renew', 'transfer',
        'privacy', 'restore')),
    domain_id BIGINT NOT NULL REFERENCES domains (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    connection_id BIGINT NOT NULL REFERENCES registrar_connections (id),
    state TEXT NOT NULL CHECK (state IN ('new', 'sending', 'pending',
        'succeeded', 'failed', 'timed_out', 'cancelled')),
    term BIGINT NOT NULL CHECK (term BETWEEN 1 AND 10),
    amount BIGINT NOT NULL CHECK (amount >= 0),
    -- renew: the expiry year sent as currentexpirationyear (rule 6)
    expiry_year BIGINT,
    registrar_order_id TEXT,
    queue_request_id TEXT,
    -- transfer: last CHECK_TRANSFER status (pending_owner, ...)
    transfer_status TEXT,
    pending_reason TEXT,
    last_answer TEXT,
    checks BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    next_check_at BIGINT,
    last_check_at BIGINT,
    deadline_at BIGINT,
    finished_at BIGINT,
    -- set once the admin digest listing this terminal operation is queued
    digested_at BIGINT,
    lease_owner TEXT,
    lease_expires_at BIGINT,
    idempotency_key TEXT UNIQUE,
    -- 006_watch
    watch TEXT CHECK (watch IN ('watching', 'ended', 'late', 'assigned',
        'revoked', 'expiring', 'absorbed')),
    stop_answer TEXT,
    stop_state TEXT CHECK (stop_state IN ('stopped', 'refused', 'unknown',
        'no_order')),
    watch_next_at BIGINT,
    watch_until BIGINT,
    watch_checks BIGINT NOT NULL DEFAULT 0,
    late_at BIGINT,
    held_domain_id BIGINT REFERENCES domains (id),
    resolved_at BIGINT,
    resolved_op_id BIGINT REFERENCES operations (id),
    registrar_cost BIGINT,
    -- 014_admin_acts
    actor TEXT
);
INSERT INTO new_operations (id, kind, domain_id, account_id, connection_id,
    state, term, amount, expiry_year, registrar_order_id, queue_request_id,
    transfer_status, pending_reason, last_answer, checks, created_at,
    sent_at, next_check_at, last_check_at, deadline_at, finished_at,
    digested_at, lease_owner, lease_expires_at, idempotency_key, watch,
    stop_answer, stop_state, watch_next_at, watch_until, watch_checks,
    late_at, held_domain_id, resolved_at, resolved_op_id, registrar_cost,
    actor)
SELECT id, kind, domain_id, account_id, connection_id,
    state, term, amount, expiry_year, registrar_order_id, queue_request_id,
    transfer_status, pending_reason, last_answer, checks, created_at,
    sent_at, next_check_at, last_check_at, deadline_at, finished_at,
    digested_at, lease_owner, lease_expires_at, idempotency_key, watch,
    stop_answer, stop_state, watch_next_at, watch_until, watch_checks,
    late_at, held_domain_id, resolved_at, resolved_op_id, registrar_cost,
    actor
FROM operations;
DROP TABLE operations;
ALTER TABLE new_operations RENAME TO operations;
CREATE INDEX operations_due ON operations (state, next_check_at);
CREATE INDEX operations_domain ON operations (domain_id);
CREATE INDEX operations_account ON operations (account_id);
CREATE INDEX operations_finished ON operations (finished_at);
CREATE INDEX operations_undigested ON operations (state)
    WHERE digested_at IS NULL AND deadline_at IS NOT NULL;
CREATE INDEX operations_watch ON operations (watch, watch_next_at)
    WHERE watch IS NOT NULL;
CREATE INDEX operations_order ON operations (connection_id, registrar_order_id)
    WHERE registrar_order_id IS NOT NULL;
