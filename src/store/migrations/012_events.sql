-- 012_events: the registrar's event stream (core/events.h; OpenSRS POLL
-- EVENT / ACK EVENT). Dialect rules D1-D13 of store.h.
--
-- registrar_connections.events: whether regman reads the connection's
-- event stream (a reseller must enable event types at the registrar).
ALTER TABLE registrar_connections
    ADD COLUMN events BIGINT NOT NULL DEFAULT 1 CHECK (events IN (0, 1));

-- registrar_events: every event read, once per (connection, event id):
-- the row is inserted in the transaction that applies the event, before
-- the event is acknowledged, so an event delivered again (at-least-once
-- delivery, a lost ACK answer) finds its row and changes nothing.
-- outcome: 'checked' (it concerned a pending or watched operation, which
-- was made due for its authoritative check), 'known' (it concerned an
-- operation or domain regman has; nothing to do), 'unknown' (nothing
-- here matches: kept for the admin), 'ignored' (not an outcome: an order
-- still in progress, an event kind regman does not act on).
CREATE TABLE registrar_events (
    id INTEGER PRIMARY KEY,
    connection_id BIGINT NOT NULL
        REFERENCES registrar_connections (id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    event TEXT NOT NULL,
    object TEXT NOT NULL,
    kind TEXT NOT NULL,
    domain TEXT,
    order_id TEXT,
    status TEXT,
    event_at BIGINT,
    data TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL
        CHECK (outcome IN ('checked', 'known', 'unknown', 'ignored')),
    operation_id BIGINT REFERENCES operations (id) ON DELETE SET NULL,
    received_at BIGINT NOT NULL,
    acked_at BIGINT,
    UNIQUE (connection_id, event_id)
);
-- an event names an order by the registrar's id
CREATE INDEX operations_order ON operations (connection_id, registrar_order_id)
    WHERE registrar_order_id IS NOT NULL;
CREATE INDEX registrar_events_unknown ON registrar_events (connection_id, id)
    WHERE outcome = 'unknown';

-- conn_events: the reader of each connection's stream and its health.
-- owner/lease_until: the one process reading it now (a lease, as jobs'),
-- so several nodes never read one stream at once. last_ok_at: the last
-- poll answered; failures: polls failed since; last_event_at: when the
-- newest event was read; received: events read in all.
CREATE TABLE conn_events (
    connection_id BIGINT PRIMARY KEY
        REFERENCES registrar_connections (id) ON DELETE CASCADE,
    owner TEXT,
    lease_until BIGINT,
    started_at BIGINT NOT NULL,
    last_poll_at BIGINT,
    last_ok_at BIGINT,
    last_event_at BIGINT,
    failures BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    received BIGINT NOT NULL DEFAULT 0
);
