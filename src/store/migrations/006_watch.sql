-- 006_watch: give up only together with the registrar (design section 4
-- rule 9, core/watch.c). An operation refunded while the registrar may
-- still complete it (a refused or unanswered stop, an order that could
-- not be stopped) stays `watched`; a watched order that completes is a
-- late completion, held by the provider until the admin decides. Each
-- operation also records what the registrar charges for it. Dialect rules
-- D1-D10 of store.h.
--
-- watch: NULL       never watched (ended together with the registrar);
--        watching   refunded, the registrar's order may still complete;
--        ended      the registrar's order ended without completing;
--        late       completed at the registrar after the refund: the
--                   domain is held by the provider (held_domain_id);
--        assigned   the admin gave it to the customer, charged again
--                   (resolved_op_id is that charge's operation);
--        revoked    the admin revoked it at the registrar;
--        expiring   the admin let it expire (auto-renew off there);
--        absorbed   a late renewal the provider keeps paying for.
ALTER TABLE operations ADD COLUMN watch TEXT CHECK (watch IN ('watching',
    'ended', 'late', 'assigned', 'revoked', 'expiring', 'absorbed'));
-- the registrar's answer to the request to stop the order, and what it
-- meant: stopped, refused, unknown (no usable answer: asked again at the
-- next watch check) or no_order (nothing identifies an order to stop)
ALTER TABLE operations ADD COLUMN stop_answer TEXT;
ALTER TABLE operations ADD COLUMN stop_state TEXT CHECK (stop_state IN
    ('stopped', 'refused', 'unknown', 'no_order'));
ALTER TABLE operations ADD COLUMN watch_next_at BIGINT;
ALTER TABLE operations ADD COLUMN watch_until BIGINT;
ALTER TABLE operations ADD COLUMN watch_checks BIGINT NOT NULL DEFAULT 0;
ALTER TABLE operations ADD COLUMN late_at BIGINT;
ALTER TABLE operations ADD COLUMN held_domain_id BIGINT REFERENCES domains (id);
ALTER TABLE operations ADD COLUMN resolved_at BIGINT;
ALTER TABLE operations ADD COLUMN resolved_op_id BIGINT
    REFERENCES operations (id);
-- what the registrar charges for the operation, minor units (NULL unknown)
ALTER TABLE operations ADD COLUMN registrar_cost BIGINT;
CREATE INDEX operations_watch ON operations (watch, watch_next_at)
    WHERE watch IS NOT NULL;

-- The registrar's price list, as GET_PRICE answered it, per connection,
-- TLD, price type and period; refreshed when older than a day.
CREATE TABLE registrar_prices (
    connection_id BIGINT NOT NULL REFERENCES registrar_connections (id)
        ON DELETE CASCADE,
    tld TEXT NOT NULL,
    reg_type TEXT NOT NULL,
    period BIGINT NOT NULL,
    price BIGINT NOT NULL,
    fetched_at BIGINT NOT NULL,
    PRIMARY KEY (connection_id, tld, reg_type, period)
);

