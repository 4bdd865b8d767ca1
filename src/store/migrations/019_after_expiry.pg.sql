-- 019_after_expiry (PostgreSQL half; the SQLite half is
-- 019_after_expiry.sqlite.sql and says what the change means): the
-- registry's phases after expiry join domains.status ('redemption',
-- 'pending_delete', 'deleted', 'restoring'), the registrar's dates of
-- them become columns, a deleted domain is no longer live, and 'restore'
-- joins operations.kind. The constraint names are the ones PostgreSQL gave
-- the column CHECKs of 001_init (table_column_check).
ALTER TABLE domains DROP CONSTRAINT domains_status_check;
ALTER TABLE domains ADD CONSTRAINT domains_status_check
    CHECK (status IN ('registering', 'transferring', 'renewing', 'active',
        'expired', 'failed', 'cancelled', 'missing', 'transferred_away',
        'redemption', 'pending_delete', 'deleted', 'restoring'));
ALTER TABLE domains ADD COLUMN grace_end_at BIGINT;
ALTER TABLE domains ADD COLUMN redemption_end_at BIGINT;
ALTER TABLE domains ADD COLUMN delete_at BIGINT;
ALTER TABLE domains ADD COLUMN phase_seen_at BIGINT;
DROP INDEX domains_live_name;
CREATE UNIQUE INDEX domains_live_name ON domains (name)
    WHERE status NOT IN ('failed', 'cancelled', 'transferred_away',
        'deleted');

ALTER TABLE operations DROP CONSTRAINT operations_kind_check;
ALTER TABLE operations ADD CONSTRAINT operations_kind_check
    CHECK (kind IN ('register', 'renew', 'transfer', 'privacy', 'restore'));
