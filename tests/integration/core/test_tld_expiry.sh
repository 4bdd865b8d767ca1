#!/bin/sh
# test_tld_expiry - a TLD's life after expiry through the real regman:
# grace, redemption and pending-delete days and the grace and restore fees
# set, shown (tld show/list, --json) and cleared back to the defaults;
# bad values refused naming the option, changing nothing; a domain with a
# known expiry shows when it stays renewable and restorable, and at what
# restore fee.
# usage: test_tld_expiry.sh REGMAN OPENSRS_SIM TEMPLATES_DIR
REGMAN=$1
SIM=$2
TEMPLATES=$3
. "$(dirname "$0")/lib.sh"

sim_start
setup_regman

# --- defaults -------------------------------------------------------------
rg tld show .com --json >"$WORK/t.json"
check ".com without settings: its defaults 30/30/5, no fees" test \
    "$(jget "$WORK/t.json" "'%s/%s/%s %s %s' % tuple(j['expiry'][k] for k in ('grace_days', 'redemption_days', 'pending_delete_days', 'grace_fee', 'restore_fee'))")" = \
    "30/30/5 0.00 None"
check "no days set on .com" test \
    "$(jget "$WORK/t.json" "[j['overrides'][k] for k in ('grace_days', 'redemption_days', 'pending_delete_days')]")" = \
    "[null, null, null]"

# --- set and show ---------------------------------------------------------
expect_rc 0 "tld set .com with the windows and fees" -- \
    rg tld set .com --grace-days 40 --redemption-days 25 \
    --pending-delete-days 4 --grace-fee 2.50 --restore-fee 80
rg tld show .com --json >"$WORK/t.json"
check "shown as set" test \
    "$(jget "$WORK/t.json" "'%s/%s/%s %s %s' % tuple(j['expiry'][k] for k in ('grace_days', 'redemption_days', 'pending_delete_days', 'grace_fee', 'restore_fee'))")" = \
    "40/25/4 2.50 80.00"
check "stored in minor units" test \
    "$(sql "SELECT grace_fee || '/' || restore_fee FROM tlds WHERE tld = 'com'")" = \
    "250/8000"
rg tld list >"$WORK/list.txt"
check "tld list shows them" grep -q \
    "grace 40d fee 2.50, redemption 25d restore 80.00, pending delete 4d" \
    "$WORK/list.txt"
rg tld list --json >"$WORK/list.json"
check "tld list --json too" test \
    "$(jget "$WORK/list.json" "[t['expiry']['restore_fee'] for t in j if t['tld'] == 'com'][0]")" = \
    80.00
check "other settings kept" test \
    "$(jget "$WORK/t.json" "j['prices']['register']['1']")" = 12.50

# --- bad values: refused, naming the option, nothing changed --------------
sig=$(dbsig)
expect_rc 2 "366 grace days refused" -- rg tld set .com --grace-days 366
check "names grace days" grep -q "grace days" "$WORK/err"
expect_rc 2 "negative redemption days refused" -- \
    rg tld set .com --redemption-days -1
check "names redemption days" grep -q "redemption days" "$WORK/err"
expect_rc 2 "pending delete days not a number refused" -- \
    rg tld set .com --pending-delete-days five
check "names pending delete days" grep -q "pending delete days" "$WORK/err"
expect_rc 2 "a negative grace fee refused" -- rg tld set .com --grace-fee -1
check "names the grace fee" grep -q "grace fee" "$WORK/err"
expect_rc 2 "a restore fee of 3 decimals refused" -- \
    rg tld set .com --restore-fee 1.234
check "names the restore fee" grep -q "restore fee" "$WORK/err"
expect_rc 2 "no redemption days while a restore fee is set: refused" -- \
    rg tld set .com --redemption-days 0
check "says why" grep -q "no redemption period" "$WORK/err"
expect_rc 2 "a restore fee on .co.uk (no redemption by default) refused" -- \
    rg tld set .co.uk --registrar sim --restore-fee 10
expect_rc 2 "one bad value among good ones changes nothing" -- \
    rg tld set .com --grace-days 10 --grace-fee 1 --restore-fee x
check "the database is unchanged" test "$(dbsig)" = "$sig"

# --- the dates of a domain ------------------------------------------------
rg domain register shop.com --account alice >/dev/null
check "shop.com registered" test "$(dom_status shop.com)" = active
# a known expiry: 2027-01-01 00:00:00
sql_write "UPDATE domains SET expires_at = 1798761600 WHERE name = 'shop.com'"
rg domain show shop.com --json >"$WORK/d.json"
check "renewable until expiry + 40 days" test \
    "$(jget "$WORK/d.json" "j['renewable_until']")" = "2027-02-10 00:00:00"
check "restorable until + 25 days more" test \
    "$(jget "$WORK/d.json" "j['restorable_until']")" = "2027-03-07 00:00:00"
check "with the restore fee" test \
    "$(jget "$WORK/d.json" "j['restore_fee']")" = 80.00

# --- clear ----------------------------------------------------------------
expect_rc 0 "cleared: days inherit, fees none" -- \
    rg tld set .com --grace-days inherit --redemption-days inherit \
    --pending-delete-days inherit --grace-fee none --restore-fee none
rg tld show .com --json >"$WORK/t.json"
check "back to the defaults" test \
    "$(jget "$WORK/t.json" "'%s/%s/%s %s %s' % tuple(j['expiry'][k] for k in ('grace_days', 'redemption_days', 'pending_delete_days', 'grace_fee', 'restore_fee'))")" = \
    "30/30/5 0.00 None"
check "stored as not set" test \
    "$(sql "SELECT COALESCE(grace_days, -1) + COALESCE(redemption_days, -1) + COALESCE(pending_delete_days, -1) + COALESCE(restore_fee, -1) FROM tlds WHERE tld = 'com'")" = -4
rg domain show shop.com --json >"$WORK/d.json"
check "the domain: renewable until expiry + 30 days" test \
    "$(jget "$WORK/d.json" "j['renewable_until']")" = "2027-01-31 00:00:00"
check "no restorable date nor fee without restores" test \
    "$(jget "$WORK/d.json" "[j['restorable_until'], j['restore_fee']]")" = \
    "[null, null]"
finish
