-- 009_key_check: one value sealed with the installation's master key
-- (util/secret.h), so a regman whose master.key is not the one this
-- database's secrets were sealed with is refused at start instead of
-- sealing new registrar keys no other node can open (core/keycheck.h).
-- Written by the first regman that opens the database with its key.
-- Dialect rules D1-D12 of store.h.
CREATE TABLE key_check (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
