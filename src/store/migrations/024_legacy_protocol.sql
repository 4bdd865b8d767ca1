-- 024_legacy_protocol: how regman speaks to a connection's registrar
-- (issue "port 55000"). 'https' is XCP over HTTP POST (TLS unless the
-- connection says tls = 0); 'legacy' is OpenSRS' older protocol on a raw
-- TCP socket (challenge-response handshake, Blowfish or DES, port 55000;
-- docs/opensrs-actions.md "The legacy protocol"); 'auto' is legacy on
-- port 55000 and https on any other port. Dialect rules D1-D14 of
-- store.h.
ALTER TABLE registrar_connections ADD COLUMN protocol TEXT NOT NULL DEFAULT 'auto'
    CHECK (protocol IN ('auto', 'https', 'legacy'));
