-- 021_resellers (PostgreSQL half; the SQLite half is
-- 021_resellers.sqlite.sql and says what each change means): the reseller
-- tier. accounts.kind gains 'reseller_sales' and logins.role 'reseller'
-- (the constraint names are the ones PostgreSQL gave the column CHECKs of
-- 001_init), accounts gain reseller, reseller_id, sales_account_id and
-- markup_bp, and accounts_one_system keeps one sales and one funding
-- account only.
ALTER TABLE accounts DROP CONSTRAINT accounts_kind_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_kind_check
    CHECK (kind IN ('customer', 'sales', 'funding', 'reseller_sales'));
ALTER TABLE accounts ADD COLUMN reseller BIGINT NOT NULL DEFAULT 0
    CHECK (reseller IN (0, 1));
ALTER TABLE accounts ADD COLUMN reseller_id BIGINT REFERENCES accounts (id);
ALTER TABLE accounts ADD COLUMN sales_account_id BIGINT
    REFERENCES accounts (id);
ALTER TABLE accounts ADD COLUMN markup_bp BIGINT
    CHECK (markup_bp BETWEEN 0 AND 1000000);
DROP INDEX accounts_one_system;
CREATE UNIQUE INDEX accounts_one_system ON accounts (kind)
    WHERE kind IN ('sales', 'funding');
CREATE INDEX accounts_reseller ON accounts (reseller_id)
    WHERE reseller_id IS NOT NULL;
ALTER TABLE logins DROP CONSTRAINT logins_role_check;
ALTER TABLE logins ADD CONSTRAINT logins_role_check
    CHECK (role IN ('admin', 'customer', 'reseller'));

-- The provider's wholesale prices for resellers, per TLD, operation and
-- term (minor units); a reseller cannot sell what has none.
CREATE TABLE wholesale_prices (
    tld TEXT NOT NULL REFERENCES tlds (tld) ON DELETE CASCADE,
    operation TEXT NOT NULL
        CHECK (operation IN ('register', 'renew', 'transfer')),
    term BIGINT NOT NULL CHECK (term BETWEEN 1 AND 10),
    amount BIGINT NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (tld, operation, term)
);

-- A reseller's retail prices for its customers; never below wholesale
-- (checked when set and when an order is priced).
CREATE TABLE reseller_prices (
    reseller_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    tld TEXT NOT NULL REFERENCES tlds (tld) ON DELETE CASCADE,
    operation TEXT NOT NULL
        CHECK (operation IN ('register', 'renew', 'transfer')),
    term BIGINT NOT NULL CHECK (term BETWEEN 1 AND 10),
    amount BIGINT NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (reseller_id, tld, operation, term)
);

-- An order of a reseller's customer: the reseller (reseller_id) is
-- charged the wholesale price (wholesale) in the posting that charges
-- the customer the retail price (amount); both are fixed when the order
-- is placed, so a refund unwinds exactly what was charged.
ALTER TABLE operations ADD COLUMN reseller_id BIGINT
    REFERENCES accounts (id);
ALTER TABLE operations ADD COLUMN wholesale BIGINT
    CHECK (wholesale >= 0);
