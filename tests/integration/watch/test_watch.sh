#!/bin/sh
# test_watch - give up only together with the registrar (design section 4
# rule 9): the admin's cancel and the deadline ask the registrar to stop
# the order first; a refused stop leaves the refunded operation watched; a
# watched order that completes is a late completion held by the provider,
# listed by `regman async list --late` and `regman reconcile`, until the
# admin assigns, revokes or lets it expire.
# usage: test_watch.sh REGMAN OPENSRS_SIM TEMPLATES_DIR
REGMAN=$1
SIM=$2
TEMPLATES=$3
. "$(dirname "$0")/../core/lib.sh"
. "$(dirname "$0")/../async/alib.sh"

sim_start --async-delay 7200
async_setup "$TEMPLATES"
rg account add bob --email bob@example.com >/dev/null || exit 1
rg account credit bob 100 --ref seed-bob >/dev/null || exit 1
rg account contact bob --first-name Bob --last-name Jones \
    --address1 "2 Main St" --city Toronto --postal-code M5V1A1 \
    --country CA --phone +1.4165550124 --email bob@example.com \
    --cira-legal-type CCT >/dev/null || exit 1

balance() { balance_of "$1"; }
sim_order_status() { # sim_order_status DOMAIN - its newest order's status
    ctl GET /state >"$WORK/state.json"
    python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))
o = [v for v in s["orders"].values() if v.get("domain") == sys.argv[2]]
o.sort(key=lambda v: v.get("id", 0))
print(o[-1]["status"] if o else "none")' "$WORK/state.json" "$1"
}
sim_dom() { # sim_dom DOMAIN KEY
    ctl GET /state >"$WORK/state.json"
    python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))
print(s["domains"].get(sys.argv[2], {}).get(sys.argv[3], "absent"))' \
        "$WORK/state.json" "$1" "$2"
}

# --- the admin cancels a .ca order the registry is already working on ----
b0=$(balance alice)
expect_rc 3 "async .ca registration goes pending" -- \
    rg domain register late.ca --account alice
A=$(op_id late.ca)
check "the sim's order is waiting at the registry" \
    test "$(sim_order_status late.ca)" = waiting
expect_rc 0 "admin cancel" -- rg async cancel "$A" --reason "customer asked"
check "cancel output names the registrar's refusal" \
    grep -q "465" "$WORK/out"
check "cancelled" test "$(op_state late.ca)" = cancelled
check "refunded" test "$(balance alice)" = "$b0"
check "watched" test "$(op_col late.ca watch)" = watching
sql "SELECT stop_answer FROM operations WHERE id = $A" >"$WORK/stop.txt"
check "the stop's answer is recorded" \
    grep -q "PROCESS_PENDING cancel: 465" "$WORK/stop.txt"
check "the registrar's cost is recorded" \
    test "$(op_col late.ca registrar_cost)" -gt 0
check "the customer's refund mail speaks plain words" \
    test "$(sql "SELECT COUNT(*) FROM mail_outbox WHERE idem_key = 'op:$A:cancelled' AND body LIKE '%cancelled by our staff%' AND body NOT LIKE '%465%' AND body NOT LIKE '%PROCESS_PENDING%'")" = 1
rg async list --watched --json >"$WORK/w.json"
check "async list --watched lists it" \
    test "$(jget "$WORK/w.json" "[e['id'] for e in j]")" = "[$A]"
# the registry completes it
advance 7200
check "the sim completed the order" test "$(sim_order_status late.ca)" = completed
advance 14400
sweep
check "the sweep's watch check finds the late completion" \
    test "$(op_col late.ca watch)" = late
check "still cancelled and refunded once" \
    test "$(op_state late.ca)/$(postings late.ca refund)" = cancelled/1
check "the customer's balance is untouched" test "$(balance alice)" = "$b0"
rg async list --late --json >"$WORK/late.json"
check "async list --late --json lists it" \
    test "$(jget "$WORK/late.json" "[(e['id'], e['domain'], e['watch'], e['account']) for e in j]")" = "[[$A, \"late.ca\", \"late\", \"alice\"]]"
rg reconcile --json >"$WORK/rec.json"
check "reconcile lists it with its exposure" \
    test "$(jget "$WORK/rec.json" "(j['count'], j['operations'][0]['id'], j['operations'][0]['exposure'] == j['operations'][0]['registrar_cost'] > 0, j['total_exposure'] > 0)")" = "(1, $A, True, True)"
rg domain list --account alice --json >"$WORK/ad.json"
check "not among the customer's active domains" \
    test "$(jget "$WORK/ad.json" "[d['name'] for d in (j if isinstance(j, list) else j['domains']) if d['status'] == 'active']")" = "[]"
rg domain list --account provider:held --json >"$WORK/hd.json"
check "held by the provider" \
    test "$(jget "$WORK/hd.json" "[(d['name'], d['status']) for d in (j if isinstance(j, list) else j['domains'])]")" = '[["late.ca", "active"]]'
check "the admin is alerted" \
    test "$(sql "SELECT COUNT(*) FROM mail_outbox WHERE idem_key = 'op:$A:late' AND to_addr = 'admin@example.net'")" = 1
sweep
check "a second sweep alerts nobody again" \
    test "$(sql "SELECT COUNT(*) FROM mail_outbox WHERE idem_key LIKE 'op:$A:late%'")" = 1
audit_clean "after a late completion"
# the admin gives it to the customer, who pays again
expect_rc 0 "assign the late completion" -- rg async late "$A" assign
check "charged again" test "$(balance alice)" = "$((b0 - 1500))"
check "the domain is the customer's" \
    test "$(sql "SELECT a.name FROM domains d JOIN accounts a ON a.id = d.account_id WHERE d.name = 'late.ca' AND d.status = 'active'")" = alice
check "decided" \
    test "$(sql "SELECT watch FROM operations WHERE id = $A")" = assigned
check "the customer's mail" \
    test "$(sql "SELECT COUNT(*) FROM mail_outbox WHERE idem_key = 'op:$A:assigned' AND to_addr = 'alice@example.com'")" = 1
expect_rc 1 "a second decision is refused" -- rg async late "$A" assign
check "charged once" test "$(balance alice)" = "$((b0 - 1500))"
rg reconcile --json >"$WORK/rec.json"
check "assigned: no exposure left" \
    test "$(jget "$WORK/rec.json" "j['total_exposure']")" = 0
audit_clean "after assigning"

# --- a forced-pending order past its deadline is cancelled at the sim ----
ctl POST /rules '{"action":"SW_REGISTER","domain":"forced.com","fault":"forced_pending"}' >/dev/null
b0=$(balance alice)
expect_rc 3 "forced-pending registration goes pending" -- \
    rg domain register forced.com --account alice
check "the sim's order is pending" test "$(sim_order_status forced.com)" = pending
advance $((73 * 3600))
sweep
check "timed out" test "$(op_state forced.com)" = timed_out
check "cancelled at the sim before the refund" \
    test "$(sim_order_status forced.com)" = cancelled
check "not watched: the registrar confirmed" test -z "$(op_col forced.com watch)"
check "refunded" test "$(balance alice)" = "$b0"

# --- a stop whose answer is lost is asked again at the next watch check --
ctl POST /rules '{"action":"SW_REGISTER","domain":"lost-stop.com","fault":"forced_pending"}' >/dev/null
expect_rc 3 "forced-pending registration goes pending" -- \
    rg domain register lost-stop.com --account alice
L=$(op_id lost-stop.com)
ctl POST /rules '{"action":"PROCESS_PENDING","fault":"close_before","count":1}' >/dev/null
expect_rc 0 "admin cancel; the registrar's answer is lost" -- rg async cancel "$L"
check "cancelled, refunded and watched: the stop's outcome is unknown" \
    test "$(op_state lost-stop.com)/$(postings lost-stop.com refund)/$(op_col lost-stop.com watch)/$(op_col lost-stop.com stop_state)" = cancelled/1/watching/unknown
check "the order is still pending at the sim" \
    test "$(sim_order_status lost-stop.com)" = pending
advance $((4 * 3600))
sweep
check "the next watch check asked again: cancelled at the sim" \
    test "$(sim_order_status lost-stop.com)" = cancelled
check "the watch ended, the stop confirmed" \
    test "$(op_col lost-stop.com watch)/$(op_col lost-stop.com stop_state)" = ended/stopped

# --- an async order past its deadline that the registry then declines --
ctl POST /rules '{"action":"SW_REGISTER","domain":"declined.ca","fault":"decline_later","complete_after":360000}' >/dev/null
expect_rc 3 "a .ca registration the registry declines later" -- \
    rg domain register declined.ca --account alice
advance $((73 * 3600))
sweep
check "timed out and watched" \
    test "$(op_state declined.ca)/$(op_col declined.ca watch)" = timed_out/watching
advance $((30 * 3600))
sweep
check "the declined order ends the watch" \
    test "$(op_col declined.ca watch)" = ended
rg reconcile --json >"$WORK/rec.json"
check "an ended watch is no exposure" \
    test "$(jget "$WORK/rec.json" "[o['domain'] for o in j['operations'] if o['domain'] == 'declined.ca']")" = "[]"

# --- a cancel that comes too late: the registry completed it already ----
expect_rc 3 "async .ca registration" -- rg domain register quick.ca --account bob
b0=$(balance bob)
advance 7300
Q=$(op_id quick.ca)
expect_rc 0 "admin cancel after the registry completed it" -- \
    rg async cancel "$Q"
check "the operation succeeds instead" test "$(op_state quick.ca)" = succeeded
check "nothing refunded" test "$(balance bob)/$(postings quick.ca refund)" = "$b0/0"
check "the customer's active domain" test "$(dom_status quick.ca)" = active

# --- late completions revoked or let expire at the registrar -------------
for n in rev exp; do
    expect_rc 3 "$n.ca pending" -- rg domain register $n.ca --account bob
    expect_rc 0 "$n.ca cancelled" -- rg async cancel "$(op_id $n.ca)"
done
advance 7200
rg async check "$(op_id rev.ca)" >/dev/null
check "async check works on a watched operation" \
    test "$(op_col rev.ca watch)/$(op_col exp.ca watch)" = late/watching
advance 14400
sweep
check "the sweep counts the watched and the late" \
    test "$(jget "$WORK/sweep.json" "(j['watched'], j['late'])")" = "(1, 1)"
check "both late" test "$(op_col rev.ca watch)/$(op_col exp.ca watch)" = late/late
expect_rc 1 "absorb is for renewals" -- rg async late "$(op_id rev.ca)" absorb
expect_rc 0 "revoke" -- rg async late "$(op_id rev.ca)" revoke
check "revoked at the sim" test "$(sim_dom rev.ca owner)" = absent
check "revoked here" test "$(op_col rev.ca watch)" = revoked
expect_rc 0 "let expire" -- rg async late "$(op_id exp.ca)" expire
check "auto-renew off at the sim" test "$(sim_dom exp.ca auto_renew)" = 0
check "still held, auto-renew off" \
    test "$(sql "SELECT d.status || ' ' || d.auto_renew FROM domains d JOIN accounts a ON a.id = d.account_id WHERE d.name = 'exp.ca' AND a.name = 'provider:held'")" = "active 0"
rg reconcile --json >"$WORK/rec.json"
check "reconcile: revoked and let expire are exposure" \
    test "$(jget "$WORK/rec.json" "sorted((o['domain'], o['watch']) for o in j['operations'] if o['exposure'] > 0)")" = '[["exp.ca", "expiring"], ["rev.ca", "revoked"]]'
expect_rc 2 "bad action" -- rg async late "$(op_id exp.ca)" keep

# --- several sweeps find the same late completion at once ----------------
# (a node's sweep and `regman async sweep`): one records it, the others
# read what it recorded; none fails on the held domain's name
for n in race1 race2 race3 race4; do
    expect_rc 3 "$n.ca pending" -- rg domain register $n.ca --account bob
    expect_rc 0 "$n.ca cancelled" -- rg async cancel "$(op_id $n.ca)"
done
advance 7200
advance 14400
pids=
for i in 1 2 3 4; do
    rg async sweep --json >"$WORK/psweep$i.json" 2>"$WORK/psweep$i.err" &
    pids="$pids $!"
done
prc=0
for p in $pids; do wait "$p" || prc=$((prc + 1)); done
check "four sweeps at once all exit 0" test "$prc" = 0
check "none of them ran into the live-name index" \
    sh -c "! grep -l 'duplicate\\|UNIQUE' '$WORK'/psweep*.err"
check "each late completion held once" \
    test "$(sql "SELECT COUNT(*) FROM domains d JOIN accounts a ON a.id = d.account_id WHERE d.name LIKE 'race_.ca' AND a.name = 'provider:held'")" = 4
check "each late, once" \
    test "$(sql "SELECT COUNT(*) FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name LIKE 'race_.ca' AND o.watch = 'late'")" = 4
audit_clean "at the end"
finish
