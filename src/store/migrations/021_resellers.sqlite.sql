-- 021_resellers (SQLite half; the PostgreSQL half is 021_resellers.pg.sql):
-- the reseller tier (issue "Resellers", docs/resellers.md). Store.h D14:
-- SQLite cannot ALTER a CHECK, so accounts and logins are rebuilt by the
-- procedure of sqlite.org/lang_altertable.html section 7, each with its
-- whole current definition (001_init, 008_email_verify), its rows, then
-- its indexes again.
--
-- accounts.kind gains 'reseller_sales': the account that receives what a
-- reseller's customers pay (one per reseller; a system account like
-- sales, never charged). accounts_one_system keeps one 'sales' and one
-- 'funding' account only.
-- accounts.reseller: 1 for a reseller - a customer of the provider with a
-- balance and credit limit of its own, and customers of its own.
-- accounts.reseller_id: the reseller a customer belongs to (NULL: the
-- provider's own customer). accounts.sales_account_id: a reseller's
-- reseller_sales account. accounts.markup_bp: a reseller's retail rule,
-- basis points over wholesale for what it did not price (NULL: none).
-- logins.role gains 'reseller'.
CREATE TABLE new_accounts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    email TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('customer', 'sales', 'funding',
        'reseller_sales')),
    balance BIGINT NOT NULL DEFAULT 0,
    credit_limit BIGINT NOT NULL DEFAULT 0 CHECK (credit_limit >= 0),
    currency TEXT NOT NULL DEFAULT 'USD',
    auto_renew BIGINT NOT NULL DEFAULT 0 CHECK (auto_renew IN (0, 1)),
    created_at BIGINT NOT NULL,
    -- 008_email_verify
    email_verified BIGINT NOT NULL DEFAULT 1
        CHECK (email_verified IN (0, 1)),
    -- 021_resellers
    reseller BIGINT NOT NULL DEFAULT 0 CHECK (reseller IN (0, 1)),
    reseller_id BIGINT REFERENCES accounts (id),
    sales_account_id BIGINT REFERENCES accounts (id),
    markup_bp BIGINT CHECK (markup_bp BETWEEN 0 AND 1000000)
);
INSERT INTO new_accounts (id, name, email, kind, balance, credit_limit,
    currency, auto_renew, created_at, email_verified)
SELECT id, name, email, kind, balance, credit_limit, currency, auto_renew,
    created_at, email_verified
FROM accounts;
DROP TABLE accounts;
ALTER TABLE new_accounts RENAME TO accounts;
CREATE UNIQUE INDEX accounts_one_system ON accounts (kind)
    WHERE kind IN ('sales', 'funding');
CREATE INDEX accounts_reseller ON accounts (reseller_id)
    WHERE reseller_id IS NOT NULL;

CREATE TABLE new_logins (
    id INTEGER PRIMARY KEY,
    account_id BIGINT REFERENCES accounts (id),
    username TEXT NOT NULL UNIQUE,
    pw_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'customer', 'reseller')),
    disabled BIGINT NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at BIGINT NOT NULL,
    CHECK (role = 'admin' OR account_id IS NOT NULL)
);
INSERT INTO new_logins (id, account_id, username, pw_hash, role, disabled,
    created_at)
SELECT id, account_id, username, pw_hash, role, disabled, created_at
FROM logins;
DROP TABLE logins;
ALTER TABLE new_logins RENAME TO logins;
CREATE INDEX logins_account ON logins (account_id);

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
