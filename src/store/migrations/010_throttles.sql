-- 010_throttles: the counters that limit failed logins and the
-- per-address budgets of the public endpoints (core/throttle.h), kept in
-- the database so every `regman serve` on one database counts together
-- and a restart forgets nothing. One row per (scope, subject): a fixed
-- window [window_start, window_end) holding hits uses; blocked_until is
-- set (to window_end) once the scope's maximum is reached, 0 before.
-- subject is a keyed BLAKE2b hash (hex) of the login name or client
-- address, never the name or address itself. Rows whose window has ended
-- mean nothing and are deleted (throttle_prune). Times are epoch seconds
-- of regman's clock; dialect rules D1-D10 of store.h.
CREATE TABLE throttles (
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    window_end BIGINT NOT NULL,
    hits BIGINT NOT NULL CHECK (hits >= 1),
    blocked_until BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, subject)
);
CREATE INDEX throttles_window_end ON throttles (window_end);
