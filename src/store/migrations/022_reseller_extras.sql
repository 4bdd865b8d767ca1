-- 022_reseller_extras: what a reseller shows its customers
-- (docs/resellers.md). accounts.license_text: a reseller's own agreement,
-- which its customers accept together with the registrar's (the text
-- they accept is the registrar's, then the reseller's); NULL: none.
-- accounts.default_ns: a reseller's nameservers (comma-separated host
-- names, checked when set), used for its customers' orders that name
-- none, instead of the connection's (the seed's "other name servers for
-- your resellers"); NULL: the connection's. Dialect rules D1-D14 of
-- store.h.
ALTER TABLE accounts ADD COLUMN license_text TEXT;
ALTER TABLE accounts ADD COLUMN default_ns TEXT;
