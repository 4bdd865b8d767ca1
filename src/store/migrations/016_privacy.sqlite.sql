-- 016_privacy (SQLite half; the PostgreSQL half is 016_privacy.pg.sql):
-- WHOIS privacy becomes a charged operation where the TLD has a price for
-- it (core/domchange.h, core/tld.h). Store.h D14: SQLite cannot ALTER a
-- CHECK, so operations and tld_prices are rebuilt by the procedure of
-- sqlite.org/lang_altertable.html section 7 - each with its whole current
-- definition (001_init and every column added since: 006_watch,
-- 014_admin_acts), its rows, then its indexes again. The runner has
-- foreign keys off for this transaction and checks them all before COMMIT.
--
-- operations.kind gains 'privacy': turning WHOIS privacy on where it is
-- charged (term 1 = one year, amount = the privacy price); the
-- domain_changes row that carries the registrar call points at it.
-- tld_prices.operation gains 'privacy': the yearly price (term 1) of
-- WHOIS privacy for the TLD; no row = free.
CREATE TABLE new_operations (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('register', 'renew', 'transfer',
        'privacy')),
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

CREATE TABLE new_tld_prices (
    tld TEXT NOT NULL REFERENCES tlds (tld) ON DELETE CASCADE,
    operation TEXT NOT NULL
        CHECK (operation IN ('register', 'renew', 'transfer', 'privacy')),
    term BIGINT NOT NULL CHECK (term BETWEEN 1 AND 10),
    amount BIGINT NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (tld, operation, term)
);
INSERT INTO new_tld_prices (tld, operation, term, amount)
SELECT tld, operation, term, amount FROM tld_prices;
DROP TABLE tld_prices;
ALTER TABLE new_tld_prices RENAME TO tld_prices;

-- domain_changes.operation_id: the charged operation of a change (privacy
-- on where the TLD charges for it); NULL for a change without a fee.
ALTER TABLE domain_changes ADD COLUMN operation_id BIGINT
    REFERENCES operations (id);
CREATE INDEX domain_changes_operation ON domain_changes (operation_id)
    WHERE operation_id IS NOT NULL;
