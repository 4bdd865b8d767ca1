-- 017_registrant_extras: what the .ca and .us registries need to know about
-- an account's registrant beyond its owner contact (core/account.h,
-- registrant_*). One row per account, made the first time any of it is
-- set; an account without a row has none of it. Dialect rules D1-D13 of
-- store.h.
--
-- cira_legal_type: the CIRA legal type (Canadian presence category) of the
-- registrant, sent as SW_REGISTER legal_type for .ca: CCT, CCO, RES, GOV,
-- EDU, ASS, HOP, PRT, TDM, TRD, PLT, LAM, TRS, ABO, INB, LGR, OMK, MAJ; ''
-- when not set. cira_trademark: 1 when the registrant holds the name as a
-- trademark registered in Canada (SW_REGISTER isa_trademark).
-- us_nexus_category: the .us nexus (C11, C12, C21, C31, C32), with
-- us_app_purpose (P1..P5) and, for C31 and C32 only, us_nexus_validator,
-- the ISO 3166-1 alpha-2 country the foreign registrant belongs to; '' when
-- not set. The values are checked by core before they are written; the
-- CHECKs only keep the shape.
CREATE TABLE registrant_extras (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    cira_legal_type TEXT NOT NULL DEFAULT '',
    cira_trademark BIGINT NOT NULL DEFAULT 0 CHECK (cira_trademark IN (0, 1)),
    us_nexus_category TEXT NOT NULL DEFAULT '',
    us_app_purpose TEXT NOT NULL DEFAULT '',
    us_nexus_validator TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    CHECK (us_nexus_validator = '' OR us_nexus_category IN ('C31', 'C32'))
);
