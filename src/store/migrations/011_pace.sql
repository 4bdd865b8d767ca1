-- 011_pace: the rate limit and the concurrency cap of each registrar
-- connection, counted in the database so that every `regman serve` on one
-- database keeps them together (core/pace.h).
--
-- conn_pace: the connection's call schedule. next_at_ms is the earliest
-- start (epoch milliseconds of regman's clock) that no process has taken
-- yet; taking n starts moves it n spacings (60000/rate_per_min ms) on,
-- from now when it lies in the past (no credit for idle time, no burst).
-- The row is also what a change of conn_slots locks first, so two nodes
-- never both take the last free slots.
--
-- conn_slots: the share of a connection's `concurrency` each process
-- (owner: a lease owner name, util/lease.h) holds for background calls in
-- flight; a holding counts until lease_until (epoch seconds) and is
-- renewed while its process works, so a killed process's share lapses
-- with its lease. Dialect rules D1-D12 of store.h.
CREATE TABLE conn_pace (
    connection_id BIGINT PRIMARY KEY
        REFERENCES registrar_connections (id) ON DELETE CASCADE,
    next_at_ms BIGINT NOT NULL
);
CREATE TABLE conn_slots (
    connection_id BIGINT NOT NULL
        REFERENCES registrar_connections (id) ON DELETE CASCADE,
    owner TEXT NOT NULL,
    n BIGINT NOT NULL CHECK (n >= 1),
    lease_until BIGINT NOT NULL,
    PRIMARY KEY (connection_id, owner)
);
