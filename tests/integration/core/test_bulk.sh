#!/bin/sh
# test_bulk - one action on many domains, through the real regman and
# opensrs-sim binaries: a bulk renew charges each owner once with its own
# operation; names regman does not hold, and as a customer another's
# names, fail those items only ("no such domain"); nameservers and the
# lock land at the sim; a run killed in the middle is resumed and
# finishes without sending anything twice; the summary and the exit
# status count the outcomes; bad usage records nothing.
# usage: test_bulk.sh REGMAN OPENSRS_SIM TEMPLATES_DIR
REGMAN=$1
SIM=$2
TEMPLATES=$3
. "$(dirname "$0")/lib.sh"

sim_start
setup_regman
rg account add bob --email bob@example.com >/dev/null || exit 1
rg account credit bob 100 --ref seed-bob >/dev/null || exit 1
rg account contact bob --first-name Bob --last-name Jones \
    --address1 "2 Main St" --city Toronto --postal-code M5V1A1 \
    --country CA --phone +1.4165550124 --email bob@example.com \
    >/dev/null || exit 1
for d in a1.com a2.com a3.com a4.com a5.net; do
    rg domain register $d --account alice >/dev/null 2>&1
done
rg domain register b1.com --account bob >/dev/null 2>&1
check "six domains active" test "$(sql "SELECT COUNT(*) FROM domains WHERE status = 'active'")" = 6

run_count() { sql "SELECT COUNT(*) FROM bulk_runs"; }
# item STATE - how many items of the newest run are in STATE
items_in() { sql "SELECT COUNT(*) FROM bulk_items WHERE run_id = (SELECT MAX(id) FROM bulk_runs) AND state = '$1'"; }

# --- renew: each owner charged once, its own operation ----------------------
cat >"$WORK/renew.txt" <<EOT
# domains to renew
a1.com
a2.com   # twice below: once only

A2.COM
b1.com
EOT
alice0=$(balance_of alice)
bob0=$(balance_of bob)
expect_rc 0 "bulk renew of a1, a2 (alice) and b1 (bob)" -- \
    rg domain bulk renew --file "$WORK/renew.txt"
check "one line per domain" test "$(grep -c 'succeeded' "$WORK/out")" -ge 3
check "the summary" grep -q '3 succeeded, 0 failed, 0 pending/unknown' "$WORK/out"
check "alice charged twice 13.00" test $((alice0 - $(balance_of alice))) = 2600
check "bob charged once 13.00" test $((bob0 - $(balance_of bob))) = 1300
for d in a1.com a2.com b1.com; do
    check "$d: one renewal operation, one charge" test \
        "$(sql "SELECT COUNT(*) FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = '$d' AND o.kind = 'renew'") $(postings $d charge)" = "1 2"
    check "$d: RENEW sent once" test "$(sim_count RENEW $d)" = 1
done
check "three distinct operations recorded on the items" test \
    "$(sql "SELECT COUNT(DISTINCT operation_id) FROM bulk_items WHERE run_id = (SELECT MAX(id) FROM bulk_runs)")" = 3
check "each operation keyed by its item, asked by the admin" test \
    "$(sql "SELECT COUNT(*) FROM bulk_items i JOIN operations o ON o.id = i.operation_id WHERE i.run_id = (SELECT MAX(id) FROM bulk_runs) AND o.idempotency_key = 'bulk:' || CAST(i.run_id AS TEXT) || ':' || CAST(i.id AS TEXT) AND o.actor = 'admin'")" = 3
audit_clean "after the bulk renew"

# --- unknown names, another customer's names --------------------------------
printf 'a3.com\nnope.com\nb1.com\n' >"$WORK/mixed.txt"
expect_rc 1 "as alice: an unknown name and bob's fail, the rest runs" -- \
    rg domain bulk auto-renew-on --file "$WORK/mixed.txt" --account alice
check "nope.com: no such domain" grep -q 'nope.com .*no such domain: nope.com' "$WORK/out"
check "b1.com: the same words" grep -q 'b1.com .*no such domain: b1.com' "$WORK/out"
check "a3.com done" test "$(sql "SELECT auto_renew FROM domains WHERE name = 'a3.com'")" = 1
check "bob's domain untouched" test "$(sql "SELECT auto_renew FROM domains WHERE name = 'b1.com'")" = 0
check "summary: 1 succeeded, 2 failed" grep -q '1 succeeded, 2 failed, 0 pending/unknown' "$WORK/out"
check "the run is alice's" test "$(sql "SELECT actor FROM bulk_runs WHERE id = (SELECT MAX(id) FROM bulk_runs)")" = account:alice

# --- nameservers and lock land at the sim --------------------------------------
expect_rc 0 "bulk ns of alice's .com domains" -- \
    rg domain bulk ns --account alice --tld com --ns ns3.example.net,ns4.example.net --json
check "four items, all succeeded" test "$(jget "$WORK/out" "str(j['total']) + ' ' + str(j['succeeded'])")" = "4 4"
ctl GET /state >"$WORK/state.json"
check "the sim holds the new nameservers on all four, not on a5.net" test \
    "$(jget "$WORK/state.json" "' '.join(','.join(j['domains'][d]['nameservers']) for d in ('a1.com', 'a2.com', 'a3.com', 'a4.com', 'a5.net'))")" = \
    "ns3.example.net,ns4.example.net ns3.example.net,ns4.example.net ns3.example.net,ns4.example.net ns3.example.net,ns4.example.net ns1.example.net,ns2.example.net"

# --- a run killed in the middle, resumed ------------------------------------------
# every MODIFY answers 1.2 s late (the lock is applied first): the CLI is
# killed while the third domain's answer is on its way
ctl POST /rules '{"action":"MODIFY","fault":"delay","delay_ms":1200}' >/dev/null
printf 'a1.com\na2.com\na3.com\na4.com\na5.net\nb1.com\n' >"$WORK/lock.txt"
"$REGMAN" domain -c "$WORK/regman.conf" bulk lock --file "$WORK/lock.txt" \
    >"$WORK/killed.out" 2>&1 &
pid=$!
i=0
while [ "$(items_in succeeded)" -lt 2 ] && [ $i -lt 300 ]; do
    sleep 0.05
    i=$((i + 1))
done
while [ "$(items_in running)" -lt 1 ] && [ $i -lt 300 ]; do
    sleep 0.05
    i=$((i + 1))
done
sleep 0.3
kill -9 "$pid"
wait "$pid" 2>/dev/null
run=$(sql "SELECT MAX(id) FROM bulk_runs")
check "killed mid-run: one item running, some queued, the rest done" test \
    "$(items_in running) $(($(items_in succeeded) + $(items_in queued))) $(($(items_in queued) > 0))" = "1 5 1"
check "the run is still running" test "$(sql "SELECT state FROM bulk_runs WHERE id = $run")" = running
ctl DELETE /rules >/dev/null
sleep 1.2 # the answer the killed CLI never read has left the sim
expect_rc 0 "resumed: every item succeeded" -- rg domain bulk resume "$run"
check "resume prints the summary" grep -q '6 succeeded, 0 failed, 0 pending/unknown' "$WORK/out"
check "the interrupted item settled by reading the domain back" \
    test "$(sql "SELECT COUNT(*) FROM bulk_items WHERE run_id = $run AND answer LIKE 'interrupted while sent%read back: applied'")" = 1
for d in a1.com a2.com a3.com a4.com a5.net b1.com; do
    check "$d: MODIFY sent once" test "$(sim_count MODIFY $d)" = 1
done
ctl GET /state >"$WORK/state.json"
check "all six locked at the sim" test \
    "$(jget "$WORK/state.json" "sum(j['domains'][d].get('locked', 0) for d in ('a1.com', 'a2.com', 'a3.com', 'a4.com', 'a5.net', 'b1.com'))")" = 6
check "the run is done" test "$(sql "SELECT state FROM bulk_runs WHERE id = $run")" = done
calls=$(ctl GET /counts | python3 -c 'import json,sys; print(sum(json.load(sys.stdin)["actions"].values()))')
expect_rc 0 "resuming a finished run" -- rg domain bulk resume "$run"
check "sends nothing" test "$(ctl GET /counts | python3 -c 'import json,sys; print(sum(json.load(sys.stdin)["actions"].values()))')" = "$calls"

# --- a renewal the registrar has not confirmed: pending, exit 3 -------------------
ctl POST /rules '{"action":"RENEW","domain":"a4.com","fault":"queue","count":1}' >/dev/null
printf 'a4.com\n' >"$WORK/one.txt"
expect_rc 3 "a pending renewal is exit 3" -- rg domain bulk renew --file "$WORK/one.txt"
check "counted pending" grep -q '0 succeeded, 0 failed, 1 pending/unknown' "$WORK/out"
rg domain bulk show "$(sql "SELECT MAX(id) FROM bulk_runs")" --json >"$WORK/show.json"
check "show: the item names its operation" test \
    "$(jget "$WORK/show.json" "j['items'][0]['state'] + ' ' + str(j['items'][0]['operation'] is not None)")" = "pending True"
expect_rc 0 "list" -- rg domain bulk list
check "list shows the runs" test "$(grep -c 'done' "$WORK/out")" -ge 5

# --- bad usage records nothing ----------------------------------------------------
n=$(run_count)
printf 'a1.com\nnot a name\n' >"$WORK/bad.txt"
printf '# nothing\n\n' >"$WORK/empty.txt"
expect_rc 2 "no selection" -- rg domain bulk lock
expect_rc 2 "an unknown action" -- rg domain bulk explode --account alice
expect_rc 2 "a line that is no name" -- rg domain bulk lock --file "$WORK/bad.txt"
check "the error names the line" grep -q 'bad.txt:2' "$WORK/err"
expect_rc 2 "a file without names" -- rg domain bulk lock --file "$WORK/empty.txt"
expect_rc 2 "a missing file" -- rg domain bulk lock --file "$WORK/none.txt"
expect_rc 2 "--ns with lock" -- rg domain bulk lock --account alice --ns ns1.example.net,ns2.example.net
expect_rc 2 "ns without --ns" -- rg domain bulk ns --account alice
expect_rc 2 "one nameserver" -- rg domain bulk ns --account alice --ns ns1.example.net
expect_rc 2 "--term with lock" -- rg domain bulk lock --account alice --term 2
expect_rc 2 "--tld without --account" -- rg domain bulk lock --file "$WORK/one.txt" --tld com
expect_rc 2 "an unknown account" -- rg domain bulk lock --account nobody
expect_rc 2 "show of a run that is none" -- rg domain bulk show x
expect_rc 0 "a dry run" -- rg domain bulk unlock --file "$WORK/mixed.txt" --dry-run
check "the dry run tells what would fail" grep -q 'nope.com *no such domain' "$WORK/out"
check "nothing recorded" test "$(run_count)" = "$n"
audit_clean "at the end"
finish
