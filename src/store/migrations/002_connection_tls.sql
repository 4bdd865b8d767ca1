-- 002_connection_tls: whether a registrar connection speaks HTTPS (the
-- default, and the only choice OpenSRS offers) or plain HTTP (a local
-- opensrs-sim on loopback). Dialect rules D1-D10 of store.h.
ALTER TABLE registrar_connections
    ADD COLUMN tls BIGINT NOT NULL DEFAULT 1 CHECK (tls IN (0, 1));
