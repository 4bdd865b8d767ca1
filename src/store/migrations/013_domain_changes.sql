-- 013_domain_changes: what an owner changes on a registered domain after
-- the sale (core/domchange.h; design section 4 rule 10: changes without a
-- fee are operations too - recorded, logged, classified, an unknown
-- outcome resolved by reading the domain back). Dialect rules D1-D13 of
-- store.h.
--
-- kind: nameservers (the set assigned), host_create, host_modify and
-- host_delete (a child nameserver: a host under the domain, with its
-- addresses), contacts (owner, admin, billing, tech), lock (registrar
-- lock on/off), auth_code (a new EPP code set), auth_code_send (the code
-- mailed to the owner by the registrar), privacy (WHOIS privacy on/off).
-- request: what was asked, as JSON ({"nameservers": [...]}, {"lock":
-- true}, {"host": ..., "ipv4": [...]}; never an auth code itself).
-- actor: who asked ("admin" on the CLI or as an admin, "account:NAME" for
-- a customer).
-- state: 'new' (checks before the change, e.g. the nameservers at the
-- registry), 'sending' (committed before the request leaves), then
-- 'succeeded', 'failed' (refused, or a check failed; nothing changed) or
-- 'unknown' (no usable answer and the read-back could not tell).
-- answer: the registrar's answer or the read-back, for people.
-- The exchanges themselves are in registrar_log (by domain and time).
CREATE TABLE domain_changes (
    id INTEGER PRIMARY KEY,
    domain_id BIGINT NOT NULL REFERENCES domains (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    connection_id BIGINT NOT NULL REFERENCES registrar_connections (id),
    kind TEXT NOT NULL CHECK (kind IN ('nameservers', 'host_create',
        'host_modify', 'host_delete', 'contacts', 'lock', 'auth_code',
        'auth_code_send', 'privacy')),
    actor TEXT NOT NULL,
    request TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('new', 'sending', 'succeeded',
        'failed', 'unknown')),
    answer TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    finished_at BIGINT,
    idempotency_key TEXT UNIQUE
);
CREATE INDEX domain_changes_domain ON domain_changes (domain_id, id);
