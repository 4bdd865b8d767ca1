-- 004_lifecycle: portfolio imports (core/lifecycle.c). A domain adopted
-- from an existing registrar portfolio by `regman import` has no
-- operation and was never charged; it points at the import run that
-- adopted it instead (audit I4 accepts either). Dialect rules D1-D10 of
-- store.h.
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    connection_id BIGINT NOT NULL REFERENCES registrar_connections (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    -- the expiry range asked of the registrar
    range_from BIGINT NOT NULL,
    range_to BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    listed BIGINT NOT NULL DEFAULT 0,
    adopted BIGINT NOT NULL DEFAULT 0,
    skipped BIGINT NOT NULL DEFAULT 0
);
ALTER TABLE domains ADD COLUMN import_id BIGINT REFERENCES imports (id);
-- The lifecycle's selections (due warnings, due renewals) walk one
-- connection's domains in expiry order.
CREATE INDEX domains_connection_expires ON domains (connection_id, expires_at);
