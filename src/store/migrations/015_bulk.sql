-- 015_bulk: bulk actions on many domains (core/bulk.h): one run, one item
-- per domain, each item its own operation (renew: core/ops.h) or change
-- (nameservers, lock: core/domchange.h) or auto-renew switch
-- (core/lifecycle.h) with its own outcome. Dialect rules D1-D13 of
-- store.h.
--
-- bulk_runs.action: renew, ns, lock, unlock, auto-renew-on,
-- auto-renew-off. args: what was asked besides the names, as JSON
-- ({"term": 1}, {"nameservers": [...]}, {"account": ..., "tld": ...});
-- term and nameservers (comma-separated) are what the items are run
-- with. actor: "admin", or "account:NAME" for a customer's run (then
-- account_id is that account and only its domains were selected).
-- state: running until no item is queued or running, then done (with
-- finished_at).
CREATE TABLE bulk_runs (
    id INTEGER PRIMARY KEY,
    action TEXT NOT NULL CHECK (action IN ('renew', 'ns', 'lock', 'unlock',
        'auto-renew-on', 'auto-renew-off')),
    args TEXT NOT NULL,
    term BIGINT NOT NULL DEFAULT 0,
    nameservers TEXT NOT NULL DEFAULT '',
    actor TEXT NOT NULL,
    account_id BIGINT REFERENCES accounts (id),
    state TEXT NOT NULL CHECK (state IN ('running', 'done')),
    total BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX bulk_runs_account ON bulk_runs (account_id, id);

-- bulk_items: one domain of a run, in the order given (position).
-- state: queued → running (claimed: lease_owner, lease_expires_at,
-- started_at) → succeeded | failed | unknown (a change whose outcome the
-- read-back could not tell) | pending (a renewal the registrar has not
-- confirmed; the Async Manager follows its operation). A name the run
-- may not touch (unknown here, or another account's) is failed from the
-- start ("no such domain"). operation_id (renew) or change_id (ns, lock)
-- is the row the item made; answer is for people.
CREATE TABLE bulk_items (
    id INTEGER PRIMARY KEY,
    run_id BIGINT NOT NULL REFERENCES bulk_runs (id),
    position BIGINT NOT NULL,
    domain TEXT NOT NULL,
    domain_id BIGINT REFERENCES domains (id),
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded',
        'failed', 'unknown', 'pending')),
    operation_id BIGINT REFERENCES operations (id),
    change_id BIGINT REFERENCES domain_changes (id),
    answer TEXT NOT NULL DEFAULT '',
    lease_owner TEXT,
    lease_expires_at BIGINT,
    started_at BIGINT,
    finished_at BIGINT,
    UNIQUE (run_id, domain)
);
CREATE INDEX bulk_items_run ON bulk_items (run_id, state, position);
