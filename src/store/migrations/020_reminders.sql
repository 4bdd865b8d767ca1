-- 020_reminders: reminder schedules (core/reminders.h, docs/expiry.md
-- "Reminder schedules"). Dialect rules D1-D14 of store.h.
--
-- A schedule is 1 to 5 distinct offsets in days from a domain's expiry,
-- negative = before it, positive = after it (-365..365), kept in
-- ascending order in day1..day5 (the unused ones NULL). scope 'default'
-- overrides the built-in default (-30, -7, +3) for every domain;
-- 'connection' applies to the domains of one connection, 'tld' to those
-- of one TLD. A domain's schedule is its TLD's, else its connection's,
-- else the default. At most one row per scope and target (the partial
-- unique indexes). The TLD is not a foreign key: removing a TLD keeps
-- its schedule (shown by `regman reminders show`) until it is reset.
CREATE TABLE reminder_schedules (
    id INTEGER PRIMARY KEY,
    scope TEXT NOT NULL CHECK (scope IN ('default', 'connection', 'tld')),
    connection_id BIGINT
        REFERENCES registrar_connections (id) ON DELETE CASCADE,
    tld TEXT,
    day1 BIGINT NOT NULL CHECK (day1 BETWEEN -365 AND 365),
    day2 BIGINT CHECK (day2 IS NULL OR (day2 BETWEEN -365 AND 365
        AND day2 > day1)),
    day3 BIGINT CHECK (day3 IS NULL OR (day3 BETWEEN -365 AND 365
        AND day2 IS NOT NULL AND day3 > day2)),
    day4 BIGINT CHECK (day4 IS NULL OR (day4 BETWEEN -365 AND 365
        AND day3 IS NOT NULL AND day4 > day3)),
    day5 BIGINT CHECK (day5 IS NULL OR (day5 BETWEEN -365 AND 365
        AND day4 IS NOT NULL AND day5 > day4)),
    updated_at BIGINT NOT NULL,
    CHECK ((scope = 'default' AND connection_id IS NULL AND tld IS NULL)
        OR (scope = 'connection' AND connection_id IS NOT NULL
            AND tld IS NULL)
        OR (scope = 'tld' AND connection_id IS NULL AND tld IS NOT NULL))
);
CREATE UNIQUE INDEX reminder_schedules_default ON reminder_schedules (scope)
    WHERE scope = 'default';
CREATE UNIQUE INDEX reminder_schedules_connection
    ON reminder_schedules (connection_id) WHERE scope = 'connection';
CREATE UNIQUE INDEX reminder_schedules_tld ON reminder_schedules (tld)
    WHERE scope = 'tld';
