#!/bin/sh
# test_registrant - the registrant details .ca and .us need, through the
# real regman and opensrs-sim binaries: a .ca ordered without a CIRA legal
# type, or a .us without a nexus, is refused before anything is charged,
# recorded or sent, with a message saying what to fill and where; bad
# values are refused when set and change nothing; with them set, the order
# carries them and the sim holds them on the domain.
# usage: test_registrant.sh REGMAN OPENSRS_SIM TEMPLATES_DIR
REGMAN=$1
SIM=$2
TEMPLATES=$3
. "$(dirname "$0")/lib.sh"

# .ca synchronous here, so a registration ends at once
sim_start --async-tlds de
setup_regman
rg tld set .ca --registrar sim --price register:1=15 --price transfer:1=15 \
    >/dev/null || exit 1
rg tld set .us --registrar sim --price register:1=9 >/dev/null || exit 1
rg account add carol --email carol@example.com >/dev/null || exit 1
rg account credit carol 100 --ref seed-carol >/dev/null || exit 1
rg account contact carol --first-name Carol --last-name Tremblay \
    --address1 "3 Rue Principale" --city Montreal --state QC \
    --postal-code H2X1Y4 --country CA --phone +1.5145550199 \
    --email carol@example.com --lang fr >/dev/null || exit 1
b0=$(balance_of carol)
ops() { sql "SELECT COUNT(*) FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = '$1'"; }
simdom() { # simdom DOMAIN EXPR - a Python expression over the sim's domain d
    ctl GET /state >"$WORK/state.json"
    jget "$WORK/state.json" "(lambda d: $2)(j['domains'].get('$1', {}))"
}

# --- .ca ------------------------------------------------------------------
expect_rc 2 ".ca without a legal type is refused" -- \
    rg domain register erable.ca --account carol
check "the refusal says what to fill and where" \
    grep -q 'CIRA legal type.*--cira-legal-type' "$WORK/err"
check ".ca refused: nothing charged" test "$(balance_of carol)" = "$b0"
check ".ca refused: no operation recorded" test "$(ops erable.ca)" = 0
check ".ca refused: nothing sent to the registrar" \
    test "$(sim_count SW_REGISTER erable.ca)" = 0
expect_rc 2 "a .ca transfer without a legal type is refused too" -- \
    rg domain transfer moved.ca --account carol --auth-code abc123
check "the transfer: nothing sent" \
    test "$(sim_count SW_REGISTER moved.ca)" = 0

expect_rc 2 "an unknown legal type is refused" -- \
    rg account contact carol --cira-legal-type XYZ
check "the refusal lists the legal types" grep -q 'CCT' "$WORK/err"
rg account show carol --json >"$WORK/show.json"
check "nothing stored" \
    test "$(jget "$WORK/show.json" "j['registrant']['cira_legal_type']")" = ""
expect_rc 0 "the legal type is set with the owner contact" -- \
    rg account contact carol --cira-legal-type CCT --cira-trademark
expect_rc 0 "account show names it" -- rg account show carol
check "shown: CCT, trademark" grep -q '\.ca legal type.*CCT (trademark)' \
    "$WORK/out"
expect_rc 0 ".ca with a legal type is registered" -- \
    rg domain register erable.ca --account carol
check "registered once" test "$(sim_count SW_REGISTER erable.ca)" = 1
check "the sim holds the legal type, trademark flag and language" \
    test "$(simdom erable.ca "(d.get('legal_type'), d.get('isa_trademark'), d.get('lang_pref'))")" = \
    "('CCT', 1, 'FR')"

# --- .us ------------------------------------------------------------------
b1=$(balance_of carol)
expect_rc 2 ".us without a nexus is refused" -- \
    rg domain register maple.us --account carol
check "the refusal says what to fill and where" \
    grep -q 'nexus category and purpose.*--us-nexus' "$WORK/err"
check ".us refused: nothing charged, recorded or sent" \
    test "$(balance_of carol)/$(ops maple.us)/$(sim_count SW_REGISTER maple.us)" = "$b1/0/0"
for bad in "--us-nexus C99 --us-purpose P1" "--us-nexus C11 --us-purpose P9" \
    "--us-nexus C31 --us-purpose P1" \
    "--us-nexus C32 --us-purpose P1 --us-validator ZZ" \
    "--us-nexus C11 --us-purpose P1 --us-validator CA" "--us-nexus C11"; do
    # shellcheck disable=SC2086 # the words are the options
    expect_rc 2 "refused: $bad" -- rg account contact carol $bad
done
rg account show carol --json >"$WORK/show.json"
check "none of them stored" \
    test "$(jget "$WORK/show.json" "j['registrant']['us_nexus']['category']")" = ""
expect_rc 0 "a foreign entity's nexus with its country" -- \
    rg account contact carol --us-nexus C31 --us-purpose P1 --us-validator CA
expect_rc 0 ".us with a nexus is registered" -- \
    rg domain register maple.us --account carol
check "the sim holds the nexus" \
    test "$(simdom maple.us "'/'.join(d.get('nexus', {}).get(k, '-') for k in ('category', 'app_purpose', 'validator'))")" = \
    C31/P1/CA
check "the .ca carries no nexus" \
    test "$(simdom erable.ca "'nexus' in d")" = False

audit_clean "after refused and accepted .ca and .us orders"

# --- the nexus of a .us changed after the sale (MODIFY nexus_info) ---------
sent=$(sim_count MODIFY maple.us)
expect_rc 0 "the nexus becomes a US citizen's, business use" -- \
    rg domain contacts maple.us --us-nexus C11 --us-purpose P1 --account carol --json
check "succeeded" test "$(jget "$WORK/out" "j['state']")" = succeeded
check "the sim holds the new nexus, no validator" \
    test "$(simdom maple.us "'/'.join(d.get('nexus', {}).get(k, '-') for k in ('category', 'app_purpose', 'validator'))")" = \
    C11/P1/-
check "recorded as a contacts change with the nexus asked" \
    test "$(sql "SELECT request FROM domain_changes WHERE kind = 'contacts' ORDER BY id DESC LIMIT 1")" = \
    '{"nexus": {"category": "C11", "app_purpose": "P1", "validator": ""}}'
for bad in "--us-nexus C99 --us-purpose P1" "--us-nexus C31 --us-purpose P1" \
    "--us-nexus C11"; do
    # shellcheck disable=SC2086 # the words are the options
    expect_rc 2 "refused before sending: $bad" -- \
        rg domain contacts maple.us $bad --account carol
done
expect_rc 2 "a nexus is for .us domains only" -- \
    rg domain contacts erable.ca --us-nexus C11 --us-purpose P1 --account carol
expect_rc 2 "another customer's .us is no such domain" -- \
    rg domain contacts maple.us --us-nexus C12 --us-purpose P1 --account alice
expect_rc 2 "--us-nexus goes alone" -- \
    rg domain contacts maple.us --us-nexus C12 --us-purpose P1 --first-name X
check "nothing more sent" test "$(sim_count MODIFY maple.us)" = $((sent + 1))
# the answer lost: read back (GET nexus_info), never sent again
ctl POST /rules '{"action":"MODIFY","domain":"maple.us","fault":"close_after","count":1}' >/dev/null
expect_rc 0 "a lost answer settled by the read-back" -- \
    rg domain contacts maple.us --us-nexus C32 --us-purpose P2 --us-validator FR --json
check "the read-back names the nexus" grep -q 'read back: the registrar shows the nexus asked' "$WORK/out"
check "MODIFY sent once more only" test "$(sim_count MODIFY maple.us)" = $((sent + 2))
check "the sim holds C32/P2/FR" \
    test "$(simdom maple.us "'/'.join(d.get('nexus', {}).get(k, '-') for k in ('category', 'app_purpose', 'validator'))")" = \
    C32/P2/FR
finish
