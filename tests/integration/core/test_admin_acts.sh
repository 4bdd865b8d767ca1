#!/bin/sh
# test_admin_acts - the admin acting for customers, through the real
# regman and opensrs-sim binaries: orders placed for a customer are
# charged to it and recorded as the admin's; a domain moved to another
# account is that account's from then on (and refused while an order of
# it is in progress); one domain synced now reads the registrar's expiry,
# lock and pending transfer away; a domain the registrar renews on its
# own (adopted by an import) has that turned off, by the sync of one
# domain and by the portfolio sync, so regman and the registrar never
# both renew; a pending transfer away is shown, a completed one ends the
# domain here.
# usage: test_admin_acts.sh REGMAN OPENSRS_SIM TEMPLATES_DIR
REGMAN=$1
SIM=$2
TEMPLATES=$3
. "$(dirname "$0")/lib.sh"

sim_start
setup_regman
cat >>"$WORK/regman.conf" <<EOC

[mail]
from = regman@example.net
admin = admin@example.net
templates = $TEMPLATES
EOC
rg account add bob --email bob@example.com >/dev/null || exit 1
rg account credit bob 100 --ref seed-bob >/dev/null || exit 1

# --- orders for a customer: charged to it, recorded as the admin's -----
a0=$(balance_of alice)
rg domain register forher.com --account alice >/dev/null
check "registered" test "$(dom_status forher.com)" = active
check "charged to alice" test "$(balance_of alice)" = $((a0 - 1250))
check "the operation records the admin asked" \
    test "$(sql "SELECT o.actor FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = 'forher.com'")" = admin
rg domain renew forher.com --account alice >/dev/null
check "the renewal too" \
    test "$(sql "SELECT o.actor FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = 'forher.com' AND o.kind = 'renew'")" = admin
rg domain show forher.com --json >"$WORK/show.json"
check "shown: requested by the admin" \
    test "$(jget "$WORK/show.json" "','.join(sorted(set(o['requested_by'] for o in (j[0] if isinstance(j, list) else j)['operations'])))")" = admin

# --- move ----------------------------------------------------------------
expect_rc 0 "move forher.com to bob" -- \
    rg domain move forher.com --to bob --reason "sold the shop" --json
check "the move names both accounts" \
    test "$(jget "$WORK/out" "(j['from'], j['to'])")" = "('alice', 'bob')"
check "bob owns it" \
    test "$(sql "SELECT a.name FROM domains d JOIN accounts a ON a.id = d.account_id WHERE d.name = 'forher.com'")" = bob
check "the move is recorded with who and why" \
    test "$(sql "SELECT f.name || '>' || t.name || ' ' || m.actor || ' ' || m.reason FROM domain_moves m JOIN accounts f ON f.id = m.from_account_id JOIN accounts t ON t.id = m.to_account_id")" = "alice>bob admin sold the shop"
expect_rc 2 "alice no longer reaches it" -- \
    rg domain lock forher.com --account alice
b0=$(balance_of bob)
rg domain renew forher.com --account bob >/dev/null
check "its renewal is charged to bob now" test "$(balance_of bob)" = $((b0 - 1300))
expect_rc 1 "moving it to its owner is refused" -- \
    rg domain move forher.com --to bob
expect_rc 2 "an unknown account" -- rg domain move forher.com --to nobody
expect_rc 2 "an unknown domain" -- rg domain move nosuch.com --to alice
expect_rc 2 "not to the provider's own accounts (no such customer)" -- \
    rg domain move forher.com --to system:sales
expect_rc 2 "--to is required" -- rg domain move forher.com
check "still one move" test "$(sql "SELECT COUNT(*) FROM domain_moves")" = 1
# an order in progress: its charge is the old owner's
ctl POST /rules '{"action":"RENEW","domain":"forher.com","fault":"forced_pending"}' >/dev/null
expect_rc 3 "a renewal left pending" -- rg domain renew forher.com --account bob
expect_rc 1 "a domain with an order in progress does not move" -- \
    rg domain move forher.com --to alice
check "the refusal says why" grep -q "order in progress" "$WORK/err"
ctl DELETE /rules >/dev/null

# --- sync one domain now -------------------------------------------------
rg domain register drift.com --account alice >/dev/null
sql_write "UPDATE domains SET expires_at = expires_at - 86400 * 30 WHERE name = 'drift.com'"
rg domain lock drift.com on >/dev/null
expect_rc 0 "sync one domain" -- rg domain sync drift.com --json
check "the registrar's expiry is kept" \
    test "$(sql "SELECT expires_at FROM domains WHERE name = 'drift.com'")" = \
    "$(ctl GET /state | python3 -c 'import json,sys; print(json.load(sys.stdin)["domains"]["drift.com"]["expiry"])')"
check "the answer shows the correction and the lock" \
    test "$(jget "$WORK/out" "(j['expires_before'] != j['expires'], j['locked'], j['transfer_away'])")" = "(True, True, None)"
expect_rc 2 "a customer's sync reaches only its own" -- \
    rg domain sync drift.com --account bob
rg domain lock drift.com off >/dev/null
# a transfer away begun (the registrant has not confirmed): shown
ctl POST /transfers/away \
    '{"domain":"drift.com","gaining_registrar":"Other Registrar Ltd","status":"pending_owner"}' \
    >/dev/null
expect_rc 0 "sync one domain with a transfer away pending" -- \
    rg domain sync drift.com --json
check "the pending transfer away is shown" \
    test "$(jget "$WORK/out" "j['transfer_away']")" = pending_owner
rg domain show drift.com --json >"$WORK/show.json"
check "domain show carries it" \
    test "$(jget "$WORK/show.json" "(j[0] if isinstance(j, list) else j)['transfer_away']['status']")" = pending_owner
check "still active" test "$(dom_status drift.com)" = active
# it completes: the sync of the domain ends it here
ctl POST /transfers/away \
    '{"domain":"drift.com","gaining_registrar":"Other Registrar Ltd"}' \
    >/dev/null
sleep 1
expect_rc 0 "sync one domain that left" -- rg domain sync drift.com --json
check "transferred away" test "$(dom_status drift.com)" = transferred_away
check "the customer is told" \
    test "$(sql "SELECT COUNT(*) FROM mail_outbox WHERE idem_key LIKE 'away:%'")" = 1
check "nothing pending shown any more" \
    test -z "$(sql "SELECT away_status FROM domains WHERE name = 'drift.com'")"

# a domain past its expiry: BELONGS_TO_RSP says 0 while the registrar
# still holds it in grace - expired, never missing
ctl POST /domains "{\"name\":\"lapsed.com\",\"owner\":\"$SIM_USER\",\"expiry\":$(($(date +%s) - 86400))}" >/dev/null
rg import sim --account alice --only lapsed.com >/dev/null
expect_rc 0 "sync a domain in its grace period" -- rg domain sync lapsed.com --json
check "expired, not missing" test "$(dom_status lapsed.com)" = expired

# --- the registrar's own auto-renew is turned off ------------------------
ctl POST /domains "{\"name\":\"adopted.com\",\"owner\":\"$SIM_USER\",\"expiry\":\"2031-05-06 07:08:09\",\"auto_renew\":1}" >/dev/null
ctl POST /domains "{\"name\":\"adopted2.com\",\"owner\":\"$SIM_USER\",\"expiry\":\"2031-05-06 07:08:09\",\"auto_renew\":1}" >/dev/null
ctl POST /domains "{\"name\":\"notours.com\",\"owner\":\"$SIM_USER\",\"expiry\":\"2031-05-06 07:08:09\",\"auto_renew\":1}" >/dev/null
rg import sim --account alice --only adopted.com,adopted2.com >/dev/null
sim_flag() { # sim_flag DOMAIN KEY
    ctl GET /state | python3 -c 'import json,sys
print(json.load(sys.stdin)["domains"][sys.argv[1]].get(sys.argv[2], 0))' "$1" "$2"
}
check "adopted with the registrar's auto-renew on" test "$(sim_flag adopted.com auto_renew)" = 1
expect_rc 0 "sync adopted.com alone" -- rg domain sync adopted.com --json
check "it says the registrar's auto-renew was turned off" \
    test "$(jget "$WORK/out" "j['registrar_auto_renew_turned_off']")" = True
check "off at the sim" test "$(sim_flag adopted.com auto_renew)" = 0
sleep 1
rg lifecycle run sync --json >"$WORK/sync.json"
check "the portfolio sync turns off the other one" \
    test "$(jget "$WORK/sync.json" "j['sync']['renew_off']")" = 1
check "adopted2.com off at the sim" test "$(sim_flag adopted2.com auto_renew)" = 0
check "a name regman does not hold is left alone" \
    test "$(sim_flag notours.com auto_renew)" = 1
rg lifecycle run sync --json >"$WORK/sync2.json"
check "a second sync has nothing to turn off" \
    test "$(jget "$WORK/sync2.json" "j['sync']['renew_off']")" = 0
# the portfolio sync also records a pending transfer away
ctl POST /transfers/away \
    '{"domain":"adopted2.com","gaining_registrar":"Other Registrar Ltd","status":"pending_owner"}' \
    >/dev/null
rg lifecycle run sync --json >"$WORK/sync3.json"
check "the sync counts the pending transfer away" \
    test "$(jget "$WORK/sync3.json" "j['sync']['away_pending']")" = 1
check "and keeps it on the domain" \
    test "$(sql "SELECT away_status FROM domains WHERE name = 'adopted2.com'")" = pending_owner
audit_clean "at the end"
finish
