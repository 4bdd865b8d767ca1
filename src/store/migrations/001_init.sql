-- 001_init: regman's first schema.
--
-- Written in the dialect of src/store/store.h (D1-D10) so SQLite and
-- PostgreSQL run this same file. Times are BIGINT epoch seconds UTC, money
-- is BIGINT minor units of the installation's one currency, booleans are
-- BIGINT 0/1 with a CHECK, binary data is base64 TEXT.

-- Registrar connections (design section 1). Several per registrar.
CREATE TABLE registrar_connections (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL DEFAULT 'opensrs' CHECK (kind IN ('opensrs')),
    server TEXT NOT NULL,
    port BIGINT NOT NULL CHECK (port BETWEEN 1 AND 65535),
    source_ip TEXT,
    login TEXT NOT NULL,
    -- base64(nonce || crypto_secretbox ciphertext) under the master key
    key_enc TEXT NOT NULL,
    license_text TEXT,
    license_path TEXT,
    warn_days BIGINT NOT NULL DEFAULT 30 CHECK (warn_days BETWEEN 0 AND 365),
    renew_days BIGINT NOT NULL DEFAULT 7 CHECK (renew_days BETWEEN 0 AND 365),
    renew_mode TEXT NOT NULL DEFAULT 'manual'
        CHECK (renew_mode IN ('auto', 'manual')),
    test_mode BIGINT NOT NULL DEFAULT 0 CHECK (test_mode IN (0, 1)),
    ca_file TEXT,
    -- Async Manager windows (design section 4 rule 7)
    first_check_s BIGINT NOT NULL DEFAULT 300 CHECK (first_check_s >= 0),
    poll_interval_s BIGINT NOT NULL DEFAULT 3600 CHECK (poll_interval_s > 0),
    deadline_reg_s BIGINT NOT NULL DEFAULT 259200 CHECK (deadline_reg_s > 0),
    deadline_xfer_s BIGINT NOT NULL DEFAULT 604800
        CHECK (deadline_xfer_s > 0),
    concurrency BIGINT NOT NULL DEFAULT 4
        CHECK (concurrency BETWEEN 1 AND 256),
    -- requests per minute to this connection; 0 = no limit
    rate_per_min BIGINT NOT NULL DEFAULT 0 CHECK (rate_per_min >= 0),
    -- default nameservers, comma-separated host names
    default_ns TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- TLDs: each served by one connection. Domains remember their own
-- connection_id, so re-mapping a TLD never strands existing domains.
CREATE TABLE tlds (
    -- lowercase A-label without the leading dot: 'com', 'co.uk'
    tld TEXT PRIMARY KEY,
    connection_id BIGINT NOT NULL REFERENCES registrar_connections (id),
    -- bit t set (1 << t) when a term of t years is offered, t = 1..10
    allowed_terms BIGINT NOT NULL DEFAULT 2046
        CHECK (allowed_terms > 0 AND allowed_terms < 2048
               AND allowed_terms % 2 = 0),
    -- per-TLD overrides of the connection's windows; NULL = inherit
    first_check_s BIGINT CHECK (first_check_s >= 0),
    poll_interval_s BIGINT CHECK (poll_interval_s > 0),
    deadline_reg_s BIGINT CHECK (deadline_reg_s > 0),
    deadline_xfer_s BIGINT CHECK (deadline_xfer_s > 0),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX tlds_connection ON tlds (connection_id);

-- Prices are term totals in minor units.
CREATE TABLE tld_prices (
    tld TEXT NOT NULL REFERENCES tlds (tld) ON DELETE CASCADE,
    operation TEXT NOT NULL
        CHECK (operation IN ('register', 'renew', 'transfer')),
    term BIGINT NOT NULL CHECK (term BETWEEN 1 AND 10),
    amount BIGINT NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (tld, operation, term)
);

-- Accounts: customers, plus exactly one 'sales' and one 'funding' system
-- account (double entry, design section 5). balance is kept equal to the
-- sum of the account's ledger entries (ledger.c I1).
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    email TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('customer', 'sales', 'funding')),
    balance BIGINT NOT NULL DEFAULT 0,
    -- how far below zero a charge may take the balance
    credit_limit BIGINT NOT NULL DEFAULT 0 CHECK (credit_limit >= 0),
    currency TEXT NOT NULL DEFAULT 'USD',
    -- the account's default renew mode for new domains: 1 = auto
    auto_renew BIGINT NOT NULL DEFAULT 0 CHECK (auto_renew IN (0, 1)),
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX accounts_one_system ON accounts (kind)
    WHERE kind <> 'customer';
INSERT INTO accounts (name, kind, created_at)
    VALUES ('system:sales', 'sales', 0);
INSERT INTO accounts (name, kind, created_at)
    VALUES ('system:funding', 'funding', 0);

-- Logins: admins (no account) and customers (one account each).
CREATE TABLE logins (
    id INTEGER PRIMARY KEY,
    account_id BIGINT REFERENCES accounts (id),
    username TEXT NOT NULL UNIQUE,
    -- crypto_pwhash_str (argon2id) output
    pw_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'customer')),
    disabled BIGINT NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at BIGINT NOT NULL,
    CHECK (role = 'admin' OR account_id IS NOT NULL)
);
CREATE INDEX logins_account ON logins (account_id);

-- Contact profile of an account: the fields of an OpenSRS contact_set,
-- one row per contact type. 'owner' is used for a type that is missing.
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    type TEXT NOT NULL CHECK (type IN ('owner', 'admin', 'billing', 'tech')),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    org_name TEXT NOT NULL DEFAULT '',
    address1 TEXT NOT NULL,
    address2 TEXT NOT NULL DEFAULT '',
    address3 TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT '',
    postal_code TEXT NOT NULL,
    country TEXT NOT NULL,
    phone TEXT NOT NULL,
    fax TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL,
    lang TEXT NOT NULL DEFAULT 'en',
    updated_at BIGINT NOT NULL,
    UNIQUE (account_id, type)
);

-- Domains. name is the lowercase A-label, unicode_name the U-label form.
-- A name is unique among live rows; failed, cancelled and transferred-away
-- rows stay for history (their operations point at them).
CREATE TABLE domains (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    unicode_name TEXT NOT NULL,
    tld TEXT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    connection_id BIGINT NOT NULL REFERENCES registrar_connections (id),
    status TEXT NOT NULL CHECK (status IN ('registering', 'transferring',
        'renewing', 'active', 'expired', 'failed', 'cancelled', 'missing',
        'transferred_away')),
    expires_at BIGINT,
    auto_renew BIGINT NOT NULL DEFAULT 0 CHECK (auto_renew IN (0, 1)),
    registrar_order_id TEXT,
    reg_username TEXT,
    -- base64(nonce || secretbox ciphertext), like registrar_connections
    reg_password_enc TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX domains_live_name ON domains (name)
    WHERE status NOT IN ('failed', 'cancelled', 'transferred_away');
CREATE INDEX domains_name ON domains (name);
CREATE INDEX domains_expires ON domains (expires_at);
CREATE INDEX domains_account ON domains (account_id);
CREATE INDEX domains_connection ON domains (connection_id);

-- Operations: the state machine of design section 4 (core/ops.c).
CREATE TABLE operations (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('register', 'renew', 'transfer')),
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
    idempotency_key TEXT UNIQUE
);
CREATE INDEX operations_due ON operations (state, next_check_at);
CREATE INDEX operations_domain ON operations (domain_id);
CREATE INDEX operations_account ON operations (account_id);
CREATE INDEX operations_finished ON operations (finished_at);

-- Ledger (design section 5, core/ledger.c): a posting is one money
-- movement; its entries (legs) sum to zero. idem_key makes a replay a
-- no-op; (operation_id, kind) allows one charge and one refund per
-- operation ('op:<id>:charge', 'op:<id>:refund').
CREATE TABLE ledger_postings (
    id INTEGER PRIMARY KEY,
    idem_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('charge', 'refund', 'credit',
        'adjust')),
    operation_id BIGINT REFERENCES operations (id),
    memo TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    CHECK ((kind IN ('charge', 'refund')) = (operation_id IS NOT NULL))
);
CREATE UNIQUE INDEX ledger_postings_op ON ledger_postings (operation_id, kind)
    WHERE operation_id IS NOT NULL;

CREATE TABLE ledger_entries (
    id INTEGER PRIMARY KEY,
    posting_id BIGINT NOT NULL REFERENCES ledger_postings (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    amount BIGINT NOT NULL CHECK (amount <> 0),
    UNIQUE (posting_id, account_id)
);
CREATE INDEX ledger_entries_account ON ledger_entries (account_id, id);

-- Durable jobs (design section 6). Recurring jobs are rescheduled by
-- moving run_at; a job that keeps failing is parked in 'held' for a human.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    dedup_key TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'held')),
    run_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_expires_at BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    payload TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (kind, dedup_key)
);
CREATE INDEX jobs_due ON jobs (state, run_at);

-- Mail outbox: rows are written in the transaction of the state change
-- that causes them; message_id is stable across retries.
CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY,
    idem_key TEXT NOT NULL UNIQUE,
    message_id TEXT NOT NULL UNIQUE,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'sent', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    last_error TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (state, next_attempt_at);

-- Every registrar exchange, secrets redacted before they are stored.
CREATE TABLE registrar_log (
    id INTEGER PRIMARY KEY,
    at BIGINT NOT NULL,
    connection_id BIGINT REFERENCES registrar_connections (id)
        ON DELETE SET NULL,
    operation_id BIGINT REFERENCES operations (id),
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    domain TEXT,
    request TEXT NOT NULL,
    response TEXT,
    http_status BIGINT,
    outcome TEXT NOT NULL,
    duration_ms BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX registrar_log_at ON registrar_log (at);
CREATE INDEX registrar_log_domain ON registrar_log (domain);
CREATE INDEX registrar_log_operation ON registrar_log (operation_id);

-- Web sessions and API tokens: only hashes of the secrets are stored.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    login_id BIGINT NOT NULL REFERENCES logins (id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    login_id BIGINT NOT NULL REFERENCES logins (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    last_used_at BIGINT
);

-- Notices sent about a domain: at most one of a kind per expiry date
-- ("warn once per domain per expiry").
CREATE TABLE notices (
    id INTEGER PRIMARY KEY,
    domain_id BIGINT NOT NULL REFERENCES domains (id),
    kind TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    sent_at BIGINT NOT NULL,
    UNIQUE (domain_id, kind, expires_at)
);
