-- 018_tld_expiry: what happens to a TLD's domains after expiry
-- (core/tld.h, struct tld_expiry_cfg; defaults in docs/expiry.md).
-- Dialect rules D1-D13 of store.h.
--
-- grace_days: days after expiry in which the domain can still be renewed
-- (the grace period); redemption_days: the days after grace in which it
-- can only be restored; pending_delete_days: the days after redemption
-- before the registry frees the name. NULL = regman's documented default
-- for the TLD (docs/expiry.md), else the fallback 30/30/5.
-- grace_fee: minor units added to a renewal in the grace period (0 =
-- none). restore_fee: minor units charged for a restore in redemption;
-- NULL = restores are not offered. That a restore fee needs redemption
-- days is checked by core (the days may come from the defaults).
ALTER TABLE tlds ADD COLUMN grace_days BIGINT
    CHECK (grace_days BETWEEN 0 AND 365);
ALTER TABLE tlds ADD COLUMN redemption_days BIGINT
    CHECK (redemption_days BETWEEN 0 AND 365);
ALTER TABLE tlds ADD COLUMN pending_delete_days BIGINT
    CHECK (pending_delete_days BETWEEN 0 AND 365);
ALTER TABLE tlds ADD COLUMN grace_fee BIGINT NOT NULL DEFAULT 0
    CHECK (grace_fee >= 0);
ALTER TABLE tlds ADD COLUMN restore_fee BIGINT CHECK (restore_fee >= 0);
