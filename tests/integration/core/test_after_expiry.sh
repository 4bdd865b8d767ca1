#!/bin/sh
# test_after_expiry - the life of a domain after its expiry, with regman's
# clock (REGMAN_CLOCK_FILE) and opensrs-sim's moved together: the sync
# reads the registrar's phase and dates (expired with its grace end,
# redemption, pending delete, deleted); a renewal in grace costs the
# renewal plus the grace fee and renews from the old expiry; a renewal in
# redemption is refused; `regman domain restore` charges the restore fee
# plus a year and ends active with the sim's new expiry - at once, after
# an asynchronous restore followed by the Async Manager, and after a lost
# answer; a restore that is not possible is refused and charges nothing;
# a domain left alone ends deleted in regman, free at the sim, and can be
# registered again. The sim's world and regman's agree; the audit is
# clean.
# usage: test_after_expiry.sh REGMAN OPENSRS_SIM TEMPLATES_DIR
REGMAN=$1
SIM=$2
TEMPLATES=$3
. "$(dirname "$0")/lib.sh"

DAY=86400
# the sim's registry keeps .com 30 days in grace, 30 in redemption, 5 in
# pending delete (regman's defaults for .com too)
sim_start --lifecycle com=30/30/5/80.00
setup_regman
cat >>"$WORK/regman.conf" <<EOF

[mail]
from = regman@example.net
admin = admin@example.net
templates = $TEMPLATES
EOF

OFF=0
export REGMAN_CLOCK_FILE="$WORK/clock"
echo 0 >"$REGMAN_CLOCK_FILE"
now() { echo $(($(date +%s) + OFF)); }
advance() {
    [ "$1" -gt 0 ] || return 0
    OFF=$((OFF + $1))
    echo "$OFF" >"$REGMAN_CLOCK_FILE.tmp"
    mv "$REGMAN_CLOCK_FILE.tmp" "$REGMAN_CLOCK_FILE"
    ctl POST /clock/advance "{\"seconds\":$1}" >/dev/null || bad "sim clock"
}
expires() { sql "SELECT expires_at FROM domains WHERE name = '$1' AND status NOT IN ('failed', 'cancelled', 'deleted')"; }
# sim_field NAME FIELD - a domain's field in the sim's world (GET /state)
sim_field() {
    ctl GET /state >"$WORK/state.json"
    python3 -c "import json,sys; d=json.load(open(sys.argv[1]))['domains'].get(sys.argv[2]); print('' if d is None else d.get(sys.argv[3], ''))" \
        "$WORK/state.json" "$1" "$2"
}
ymd() { date -u -d "@$1" +%Y-%m-%d; }

rg tld set .com --grace-fee 5 --restore-fee 80 >/dev/null || bad "tld set"

for d in grace.com restore.com async.com lost.com gone.com late.com; do
    rg domain register $d --account alice >/dev/null || bad "register $d"
done
check "six domains active" test \
    "$(sql "SELECT COUNT(*) FROM domains WHERE status = 'active'")" = 6
# bob: auto-renew on, and no money left for it
rg account add bob --email bob@example.com >/dev/null || bad "bob"
rg account credit bob 12.50 --ref seed-bob >/dev/null || bad "bob credit"
rg account contact bob --first-name Bob --last-name Jones \
    --address1 "2 Main St" --city Toronto --postal-code M5V1A2 \
    --country CA --phone +1.4165550124 --email bob@example.com \
    >/dev/null || bad "bob contact"
rg domain register auto.com --account bob >/dev/null || bad "register auto.com"
rg lifecycle auto-renew auto.com on >/dev/null || bad "auto-renew on"
E=$(expires grace.com)
check "the expiry is the sim's" test "$E" = "$(sim_field grace.com expiry)"

# --- expired: the grace period --------------------------------------------
advance $((E - $(now) + 2 * DAY))
expect_rc 0 "lifecycle expire" -- rg lifecycle run expire
check "past expiry: expired" test "$(dom_status grace.com)" = expired
expect_rc 0 "lifecycle sync reads the registrar's phase" -- \
    rg lifecycle run sync
check "the sync leaves it expired (the sim says grace)" test \
    "$(dom_status grace.com)" = expired
GE=$(sim_field grace.com grace_end)
check "the sim's grace end is kept" test \
    "$(sql "SELECT grace_end_at FROM domains WHERE name = 'grace.com'")" = "$GE"
rg domain show grace.com --json >"$WORK/d.json"
check "shown: expired, renewable until the sim's grace end" test \
    "$(jget "$WORK/d.json" "j['status'] + ' ' + j['renewable_until'][:10]")" = \
    "expired $(ymd "$GE")"
check "renewable until expiry + 30 days" test "$GE" = $((E + 30 * DAY))

# --- renew in grace: renewal + grace fee, from the old expiry -------------
before=$(balance_of alice)
expect_rc 0 "renew grace.com in its grace period" -- \
    rg domain renew grace.com
check "charged the renewal 13.00 + grace fee 5.00" test \
    $((before - $(balance_of alice))) = 1800
check "active again" test "$(dom_status grace.com)" = active
check "renewed from the old expiry (a year on)" test \
    "$(expires grace.com)" = "$(sim_field grace.com expiry)"
check "the sim's expiry moved a year" test \
    "$(sim_field grace.com expiry)" -gt $((E + 364 * DAY))
check "no phase dates left" test \
    "$(sql "SELECT COALESCE(grace_end_at, 0) FROM domains WHERE name = 'grace.com'")" = 0

# --- auto-renew through grace: waits for funds, then renews ---------------
expect_rc 0 "lifecycle renew in grace without funds" -- rg lifecycle run renew
check "auto.com: expired, no renewal attempted" test \
    "$(dom_status auto.com)/$(sql "SELECT COUNT(*) FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = 'auto.com' AND o.kind = 'renew'")" = \
    expired/0
check "bob is told it waits for funds" test \
    "$(sql "SELECT COUNT(*) FROM mail_outbox WHERE idem_key LIKE 'autorenew-nofunds:%' AND to_addr = 'bob@example.com'")" -ge 1
rg account credit bob 20 --ref bob-2 >/dev/null || bad "bob credit 2"
expect_rc 0 "lifecycle renew once the funds arrived" -- rg lifecycle run renew
check "auto.com renewed in grace: active, charged 13.00 + 5.00" test \
    "$(dom_status auto.com)/$(balance_of bob)" = active/200
check "from the old expiry, as the sim says" test \
    "$(expires auto.com)" = "$(sim_field auto.com expiry)"

# --- redemption ----------------------------------------------------------
advance $((35 * DAY - 2 * DAY))
rg lifecycle run expire >/dev/null
expect_rc 0 "sync at expiry + 35 days" -- rg lifecycle run sync
for d in restore.com async.com lost.com gone.com late.com; do
    check "$d: redemption" test "$(dom_status $d)" = redemption
done
RE=$(sim_field restore.com redemption_end)
check "the sim's redemption end is kept" test \
    "$(sql "SELECT redemption_end_at FROM domains WHERE name = 'restore.com'")" = "$RE"
rg domain show restore.com --json >"$WORK/d.json"
check "shown: restorable until the sim's redemption end, fee 80.00" test \
    "$(jget "$WORK/d.json" "j['restorable_until'][:10] + ' ' + j['restore_fee']")" = \
    "$(ymd "$RE") 80.00"
rg domain show restore.com >"$WORK/show.txt"
check "domain show: status redemption" grep -q "^status  *redemption" \
    "$WORK/show.txt"
check "domain show: restorable until the date, 93.00 with the fee" grep -q \
    "^restorable until  *$(ymd "$RE").*93.00 (restore fee 80.00 + a year)" \
    "$WORK/show.txt"
sig=$(dbsig)
expect_rc 1 "renew in redemption refused" -- rg domain renew restore.com
check "says to restore" grep -q "only restored" "$WORK/err"
expect_rc 1 "restore of an active domain refused" -- \
    rg domain restore grace.com
check "nothing written by the refusals" test "$(dbsig)" = "$sig"

# --- restore at once -----------------------------------------------------
before=$(balance_of alice)
expect_rc 0 "restore restore.com" -- rg domain restore restore.com
check "charged the restore fee 80.00 + a year 13.00" test \
    $((before - $(balance_of alice))) = 9300
check "active" test "$(dom_status restore.com)" = active
check "the sim's new expiry, a year past the old one" test \
    "$(expires restore.com)" = "$(sim_field restore.com expiry)"
check "...which is the old expiry + 1 year" test \
    "$(sim_field restore.com expiry)" -gt $((E + 364 * DAY))
check "the sim says active" test "$(sim_field restore.com phase)" = active
check "one restore operation, succeeded" test \
    "$(sql "SELECT kind || ' ' || state || ' ' || amount FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = 'restore.com' AND o.kind = 'restore'")" = \
    "restore succeeded 9300"
check "its registrar cost is left unknown (GET_PRICE has no redemption)" \
    test "$(sql "SELECT COALESCE(o.registrar_cost, -1) FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = 'restore.com' AND o.kind = 'restore'")" = -1
check "the customer got the restore mail" test \
    "$(sql "SELECT COUNT(*) FROM mail_outbox WHERE subject = 'restore.com was restored'")" = 1

# --- an asynchronous restore: restoring, then followed -------------------
ctl POST /rules '{"action":"REDEEM","domain":"async.com","fault":"async","complete_after":7200}' >/dev/null
expect_rc 3 "restore async.com: pending" -- rg domain restore async.com
check "restoring meanwhile" test "$(dom_status async.com)" = restoring
check "the sim holds the restore" test "$(sim_field async.com restore_due)" != ""
expect_rc 1 "a second restore while one is pending is refused" -- \
    rg domain restore async.com
expect_rc 1 "no renewal meanwhile either" -- rg domain renew async.com
advance 10800
rg async sweep >/dev/null 2>&1
check "the Async Manager settled it: active" test \
    "$(dom_status async.com)" = active
check "with the sim's new expiry" test \
    "$(expires async.com)" = "$(sim_field async.com expiry)"
check "its operation succeeded" test "$(op_state async.com)" = succeeded

# --- a restore whose answer is lost --------------------------------------
ctl POST /rules '{"action":"REDEEM","domain":"lost.com","fault":"close_after","count":1}' >/dev/null
expect_rc 3 "restore lost.com: the answer is lost, pending" -- \
    rg domain restore lost.com
check "the sim restored it once" test "$(sim_field lost.com phase)" = active
advance 3600
rg async sweep >/dev/null 2>&1
check "read back: succeeded, active" test \
    "$(op_state lost.com) $(dom_status lost.com)" = "succeeded active"
check "REDEEM reached the sim once" test \
    "$(ctl GET /counts | python3 -c "import json,sys; print(json.load(sys.stdin)['domains'].get('REDEEM', {}).get('lost.com', 0))")" = 1

# --- pending delete, then deleted ----------------------------------------
advance $((E + 61 * DAY - $(now)))
rg lifecycle run sync >/dev/null 2>&1
check "gone.com: pending delete" test "$(dom_status gone.com)" = pending_delete
sig=$(dbsig)
expect_rc 1 "restore in pending delete refused" -- rg domain restore late.com
check "says the redemption period is over" grep -q "redemption period" \
    "$WORK/err"
check "nothing charged" test "$(dbsig)" = "$sig"
advance $((6 * DAY))
check "the sim deleted it" test "$(sim_field gone.com phase)" = ""
expect_rc 0 "sync after the registry freed the name" -- \
    rg lifecycle run sync
check "gone.com: deleted" test "$(dom_status gone.com)" = deleted
check "its auto-renew is off" test \
    "$(sql "SELECT auto_renew FROM domains WHERE name = 'gone.com'")" = 0
rg domain lookup gone.com >"$WORK/lookup.out" 2>&1
check "available again at the sim" grep -qi "available" "$WORK/lookup.out"
rg domain show gone.com --json >"$WORK/d.json" 2>/dev/null
check "shown as deleted" test "$(jget "$WORK/d.json" "j['status']")" = deleted
expect_rc 0 "registered again by another order" -- \
    rg domain register gone.com --account alice
check "a new live row" test "$(dom_status gone.com)" = active
check "the deleted row stays for history" test \
    "$(sql "SELECT COUNT(*) FROM domains WHERE name = 'gone.com' AND status = 'deleted'")" = 1

audit_clean "after the life after expiry"
finish
