#!/bin/sh
# test_privacy_paid - WHOIS privacy where the TLD charges for it, through
# the real regman and opensrs-sim binaries: the yearly price is set with
# `tld set --price privacy:1=`, shown before privacy is turned on, charged
# exactly once with an operation of kind 'privacy' linked to the change; a
# refusal refunds once; a lost answer is read back (never sent again) and
# keeps or refunds the charge; when the read-back is lost too the
# operation stays pending and the Async Manager settles it by reading the
# privacy state; insufficient funds and privacy already on charge nothing;
# turning it off stays free. `regman audit` is clean after each.
# usage: test_privacy_paid.sh REGMAN OPENSRS_SIM TEMPLATES_DIR
REGMAN=$1
SIM=$2
. "$(dirname "$0")/lib.sh"

sim_start
setup_regman
rg domain register shop.com --account alice >/dev/null
rg domain register cafe.com --account alice >/dev/null
check "shop.com and cafe.com registered" \
    test "$(dom_status shop.com) $(dom_status cafe.com)" = "active active"

# privacy_ops DOMAIN - its privacy operations as "state:amount:term" lines.
privacy_ops() {
    sql "SELECT COUNT(*) FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = '$1' AND o.kind = 'privacy'"
}
# newest_privacy DOMAIN COLUMN - a column of its newest privacy operation.
newest_privacy() {
    sql "SELECT o.$2 FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = '$1' AND o.kind = 'privacy' ORDER BY o.id DESC LIMIT 1"
}
# op_postings OP KIND - ledger postings of kind for operation OP.
op_postings() {
    sql "SELECT COUNT(*) FROM ledger_postings WHERE operation_id = $1 AND kind = '$2'"
}
sim_privacy() {
    ctl GET /state >"$WORK/state.json"
    jget "$WORK/state.json" "j['domains']['$1'].get('privacy', 'disabled')"
}

# --- the price -------------------------------------------------------------
rg domain privacy shop.com --json >"$WORK/priv.json"
check "free while no price is set" \
    test "$(jget "$WORK/priv.json" "repr(j['price'])")" = None
expect_rc 2 "a privacy price is yearly only" -- \
    rg tld set .com --price privacy:2=10
check "the refusal says so" grep -q 'yearly price only' "$WORK/err"
expect_rc 0 "privacy priced at 5.00 a year" -- \
    rg tld set .com --price privacy:1=5.00
rg tld show .com --json >"$WORK/tld.json"
check "the TLD shows the privacy price" \
    test "$(jget "$WORK/tld.json" "j['prices']['privacy']['1']")" = 5.00
rg domain privacy shop.com --account alice --json >"$WORK/priv.json"
check "the domain shows the price before privacy is on" \
    test "$(jget "$WORK/priv.json" "j['price'] + ' ' + str(j['privacy'])")" = \
    "5.00 False"

# --- turned on: charged exactly the price, once -----------------------------
b0=$(balance_of alice)
sent=$(sim_count MODIFY shop.com)
rg domain privacy shop.com on --account alice --json >"$WORK/on.json"
check "on: succeeded" test "$(jget "$WORK/on.json" "j['state'] + ' ' + j['operation_state'] + ' ' + j['charged']")" = \
    "succeeded succeeded 5.00"
check "the balance went down by exactly 5.00" \
    test "$(balance_of alice)" = $((b0 - 500))
OP=$(newest_privacy shop.com id)
check "one privacy operation: term 1, the price, alice, succeeded" \
    test "$(sql_rows "SELECT o.term, o.amount, a.name, o.state, o.actor FROM operations o JOIN accounts a ON a.id = o.account_id WHERE o.id = $OP")" = \
    "$(printf '1\t500\talice\tsucceeded\taccount:alice')"
check "charged once, never refunded" \
    test "$(op_postings "$OP" charge) $(op_postings "$OP" refund)" = "1 0"
check "the change is linked to it" \
    test "$(sql "SELECT state FROM domain_changes WHERE operation_id = $OP")" = succeeded
check "the sim holds privacy on" test "$(sim_privacy shop.com)" = enabled
check "MODIFY sent once" test "$(sim_count MODIFY shop.com)" = $((sent + 1))
check "the domain stays active" test "$(dom_status shop.com)" = active
audit_clean "after a charged turn-on"

# --- already on: nothing charged ------------------------------------------
b0=$(balance_of alice)
expect_rc 1 "already on: refused" -- rg domain privacy shop.com on --account alice
check "the refusal says it is already on" grep -q 'already on' "$WORK/err"
check "nothing charged" test "$(balance_of alice)" = "$b0"
check "no second operation" test "$(privacy_ops shop.com)" = 1

# --- turning it off is free ------------------------------------------------
expect_rc 0 "off" -- rg domain privacy shop.com off --account alice
check "off: nothing charged" test "$(balance_of alice)" = "$b0"
check "off: no operation" test "$(privacy_ops shop.com)" = 1
check "the sim holds privacy off" test "$(sim_privacy shop.com)" = disabled

# --- refused by the registrar: refunded once --------------------------------
ctl POST /rules '{"action":"MODIFY","fault":"code_400","count":1}' >/dev/null
expect_rc 1 "refused by the registrar" -- \
    rg domain privacy shop.com on --account alice --json
check "reported failed, refunded" \
    test "$(jget "$WORK/out" "j['state'] + ' ' + j['operation_state'] + ' ' + j['refunded']")" = \
    "failed failed 5.00"
OP=$(newest_privacy shop.com id)
check "charged once, refunded once" \
    test "$(op_postings "$OP" charge) $(op_postings "$OP" refund)" = "1 1"
check "the balance is whole again" test "$(balance_of alice)" = "$b0"
check "the sim still holds privacy off" test "$(sim_privacy shop.com)" = disabled
check "the domain stays active after the refund" \
    test "$(dom_status shop.com)" = active
audit_clean "after a refused turn-on"

# --- a lost answer, read back on: the charge is kept --------------------------
ctl POST /rules '{"action":"MODIFY","fault":"close_after","count":1}' >/dev/null
sent=$(sim_count MODIFY shop.com)
expect_rc 0 "answer lost, read back on" -- \
    rg domain privacy shop.com on --account alice --json
check "settled succeeded by the read-back" \
    test "$(jget "$WORK/out" "j['state'] + ' ' + j['operation_state']")" = \
    "succeeded succeeded"
check "the read-back is in the answer" grep -q 'read back: WHOIS privacy is' "$WORK/out"
check "MODIFY sent once" test "$(sim_count MODIFY shop.com)" = $((sent + 1))
OP=$(newest_privacy shop.com id)
check "charged once, not refunded" \
    test "$(op_postings "$OP" charge) $(op_postings "$OP" refund)" = "1 0"
check "5.00 kept" test "$(balance_of alice)" = $((b0 - 500))
audit_clean "after a lost answer read back on"
rg domain privacy shop.com off >/dev/null

# --- answer and read-back lost: pending, settled by the sweep (on) -----------
# Every GET of the call is lost (whether privacy is offered, whether it is
# on already - neither stops it when unanswered - and the read-back); the
# sweep's GET is answered.
b0=$(balance_of alice)
ctl POST /rules '{"action":"MODIFY","fault":"close_after","count":1}' >/dev/null
ctl POST /rules '{"action":"GET","fault":"close_before","count":3}' >/dev/null
sent=$(sim_count MODIFY shop.com)
expect_rc 3 "answer and read-back lost: unknown" -- \
    rg domain privacy shop.com on --account alice --json
OP=$(newest_privacy shop.com id)
check "the operation is pending, the change unknown" \
    test "$(newest_privacy shop.com state) $(sql "SELECT state FROM domain_changes WHERE operation_id = $OP")" = \
    "pending unknown"
check "charged while pending" test "$(balance_of alice)" = $((b0 - 500))
audit_clean "with a pending privacy charge"
rg async list --json >"$WORK/async.json"
check "the Async Manager lists it as WHOIS privacy" \
    test "$(jget "$WORK/async.json" "[x['kind'] for x in (j['items'] if isinstance(j, dict) else j) if x['id'] == $OP][0]")" = privacy
REGMAN_CLOCK_OFFSET=600 rg async sweep >/dev/null
check "the sweep settles it succeeded (the sim holds it on)" \
    test "$(newest_privacy shop.com state)" = succeeded
check "the change follows" \
    test "$(sql "SELECT state FROM domain_changes WHERE operation_id = $OP")" = succeeded
check "the sweep sent no MODIFY" test "$(sim_count MODIFY shop.com)" = $((sent + 1))
check "charge kept" test "$(op_postings "$OP" charge) $(op_postings "$OP" refund)" = "1 0"
check "balance: 5.00 kept" test "$(balance_of alice)" = $((b0 - 500))
audit_clean "after the sweep kept a charge"

# --- answer and read-back lost: pending, settled by the sweep (off) ----------
b0=$(balance_of alice)
ctl POST /rules '{"action":"MODIFY","domain":"cafe.com","fault":"close_before","count":1}' >/dev/null
ctl POST /rules '{"action":"GET","domain":"cafe.com","fault":"close_before","count":3}' >/dev/null
expect_rc 3 "cafe.com: answer and read-back lost" -- \
    rg domain privacy cafe.com on --account alice
OP=$(newest_privacy cafe.com id)
check "pending" test "$(newest_privacy cafe.com state)" = pending
check "the sim never turned it on" test "$(sim_privacy cafe.com)" = disabled
REGMAN_CLOCK_OFFSET=600 rg async sweep >/dev/null
check "the sweep settles it failed (the sim holds it off)" \
    test "$(newest_privacy cafe.com state)" = failed
check "charged once, refunded once" \
    test "$(op_postings "$OP" charge) $(op_postings "$OP" refund)" = "1 1"
check "the change follows" \
    test "$(sql "SELECT state FROM domain_changes WHERE operation_id = $OP")" = failed
check "the balance is whole again" test "$(balance_of alice)" = "$b0"
check "the domain stays active" test "$(dom_status cafe.com)" = active
REGMAN_CLOCK_OFFSET=1200 rg async sweep >/dev/null
check "a second sweep refunds nothing more" \
    test "$(op_postings "$OP" refund)" = 1
audit_clean "after the sweep refunded"

# --- a pending privacy charge the admin cancels: refunded, nothing to stop --
b0=$(balance_of alice)
ctl POST /rules '{"action":"MODIFY","domain":"cafe.com","fault":"close_before","count":1}' >/dev/null
ctl POST /rules '{"action":"GET","domain":"cafe.com","fault":"close_before","count":3}' >/dev/null
expect_rc 3 "cafe.com again: answer and read-back lost" -- \
    rg domain privacy cafe.com on --account alice
OP=$(newest_privacy cafe.com id)
expect_rc 0 "the admin cancels it" -- rg async cancel "$OP" --reason "customer asked"
check "cancelled, refunded once" \
    test "$(newest_privacy cafe.com state) $(op_postings "$OP" charge) $(op_postings "$OP" refund)" = "cancelled 1 1"
check "its reason: nothing to stop, never watched" \
    test "$(sql "SELECT COALESCE(watch, '-') || ' ' || pending_reason FROM operations WHERE id = $OP")" = \
    "- cancelled by the admin: customer asked; registrar: nothing to stop (WHOIS privacy stays as the registrar holds it)"
check "the change follows" \
    test "$(sql "SELECT state FROM domain_changes WHERE operation_id = $OP")" = failed
check "the balance is whole again" test "$(balance_of alice)" = "$b0"
audit_clean "after a cancelled privacy charge"

# --- insufficient funds: refused, nothing recorded ---------------------------
rg domain privacy shop.com off >/dev/null
b0=$(balance_of alice)
# alice keeps 3.00, less than the price
rg account adjust alice "-$(python3 -c "print('%d.%02d' % divmod($b0 - 300, 100))")" \
    --memo "test: below the privacy price" --ref drain >/dev/null
check "alice has less than the price" test "$(balance_of alice)" = 300
changes0=$(sql "SELECT COUNT(*) FROM domain_changes")
ops0=$(sql "SELECT COUNT(*) FROM operations")
sent=$(sim_count MODIFY shop.com)
expect_rc 1 "insufficient funds: refused" -- \
    rg domain privacy shop.com on --account alice
check "said as orders say it" grep -qi 'insufficient funds' "$WORK/err"
rg domain register broke.com --account alice >"$WORK/order.out" 2>&1
check "an order is refused with the same words" \
    grep -qi 'insufficient funds' "$WORK/order.out"
check "nothing recorded: no operation, no change" \
    test "$(sql "SELECT COUNT(*) FROM operations") $(sql "SELECT COUNT(*) FROM domain_changes")" = \
    "$ops0 $changes0"
check "nothing charged" test "$(balance_of alice)" = 300
check "nothing sent" test "$(sim_count MODIFY shop.com)" = "$sent"
audit_clean "after a refusal for funds"
rg account credit alice 100 --ref refill >/dev/null

# --- a TLD without a price stays free -----------------------------------------
rg domain register shop.net --account alice >/dev/null
b0=$(balance_of alice)
expect_rc 0 ".net has no privacy price: on for free" -- \
    rg domain privacy shop.net on --account alice
check "free: nothing charged, no operation" \
    test "$(balance_of alice) $(privacy_ops shop.net)" = "$b0 0"
audit_clean "at the end"

finish
