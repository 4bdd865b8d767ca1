-- 007_registrar_unknown: domains a registrar lists for a connection that
-- regman does not know (core/lifecycle.c, portfolio sync), so they can be
-- listed by name between syncs and adopted (`regman import --only`).
-- Each sync of a connection rewrites its rows in the transaction of its
-- corrections: a name listed again keeps its row (id, first_seen_at), a
-- name no longer listed, or known here by now, is deleted. The rows are a
-- copy of what the registrar said, so removing the connection removes
-- them. Dialect rules D1-D10 of store.h.
CREATE TABLE registrar_unknown (
    id INTEGER PRIMARY KEY,
    connection_id BIGINT NOT NULL
        REFERENCES registrar_connections (id) ON DELETE CASCADE,
    -- ASCII (A-label) form, lowercase, as the registrar lists it
    name TEXT NOT NULL,
    -- the registrar's expiry date; NULL when it gave none
    expires_at BIGINT,
    first_seen_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    UNIQUE (connection_id, name)
);
