-- 005_async_digest: the Async Manager's admin digest (core/async.c) lists
-- every operation that went through pending (deadline_at set), has ended
-- and is not in a digest yet (digested_at NULL). This partial index holds
-- just those rows and the pending ones, so each sweep finds them without
-- reading the whole operations history. Dialect rules D1-D10 of store.h.
CREATE INDEX operations_undigested ON operations (state)
    WHERE digested_at IS NULL AND deadline_at IS NOT NULL;
