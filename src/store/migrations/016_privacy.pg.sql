-- 016_privacy (PostgreSQL half; the SQLite half is 016_privacy.sqlite.sql
-- and says why): 'privacy' joins the CHECKs of operations.kind and
-- tld_prices.operation, and domain_changes.operation_id links a charged
-- change to its operation. Store.h D14. The constraint names are the ones
-- PostgreSQL gave the column CHECKs of 001_init (table_column_check).
ALTER TABLE operations DROP CONSTRAINT operations_kind_check;
ALTER TABLE operations ADD CONSTRAINT operations_kind_check
    CHECK (kind IN ('register', 'renew', 'transfer', 'privacy'));
ALTER TABLE tld_prices DROP CONSTRAINT tld_prices_operation_check;
ALTER TABLE tld_prices ADD CONSTRAINT tld_prices_operation_check
    CHECK (operation IN ('register', 'renew', 'transfer', 'privacy'));

ALTER TABLE domain_changes ADD COLUMN operation_id BIGINT
    REFERENCES operations (id);
CREATE INDEX domain_changes_operation ON domain_changes (operation_id)
    WHERE operation_id IS NOT NULL;
