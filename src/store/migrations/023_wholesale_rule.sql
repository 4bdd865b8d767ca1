-- 023_wholesale_rule: the provider's wholesale rule for resellers (issue
-- "Resellers": wholesale prices per TLD, operation and term, "or a rule:
-- cost + markup"; docs/resellers.md). One row (id 1) when there is a
-- rule, none when there is not. Where wholesale_prices has no price for a
-- TLD, operation and term, the wholesale price is the registrar's cost of
-- it (registrar_prices of the TLD's connection, reg_type 'new',
-- 'renewal' or 'transfer', period = term) raised by markup_bp basis
-- points, rounded up to the minor unit, plus add_minor:
-- (cost * (10000 + markup_bp) + 9999) / 10000 + add_minor. No cost kept:
-- no wholesale price (not sold). An explicit price always wins. Dialect
-- rules D1-D14 of store.h.
CREATE TABLE wholesale_rule (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    markup_bp BIGINT NOT NULL CHECK (markup_bp BETWEEN 0 AND 1000000),
    add_minor BIGINT NOT NULL DEFAULT 0 CHECK (add_minor >= 0),
    updated_at BIGINT NOT NULL
);
