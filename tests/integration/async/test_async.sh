#!/bin/sh
# test_async - the Async Manager through the real regman and opensrs-sim
# binaries, with both clocks moved forward: hourly polls of an async .ca
# registration, a 72-hour deadline with the final check and refund, a
# transfer completing after 5 days, check / reset / cancel, one admin
# digest per sweep (none when nothing ended), the rate limit, and mail
# delivered to a real SMTP server by `regman serve`.
# usage: test_async.sh REGMAN OPENSRS_SIM TEMPLATES_DIR SMTP_TEST_SERVER
REGMAN=$1
SIM=$2
TEMPLATES=$3
SMTPD=$4
. "$(dirname "$0")/../core/lib.sh"
. "$(dirname "$0")/alib.sh"

sim_start --async-delay 7200
# the polls' own cadence (hourly, the final check): without the event
# stream, which would space them 24 hours apart (tests/integration/events)
SIM_EVENTS=off
async_setup "$TEMPLATES"

# --- hourly polls: first check after 5 minutes, then every hour ----------
expect_rc 3 "async .ca registration goes pending" -- \
    rg domain register hourly.ca --account alice
A=$(op_id hourly.ca)
check "order id kept" test -n "$(op_col hourly.ca registrar_order_id)"
sweep
check "nothing due before the first check" test "$SWEPT" = 0
check "no checks yet" test "$(op_col hourly.ca checks)" = 0
advance 300
sweep
check "first check after 5 minutes" test "$SWEPT" = 1
check "one check counted" test "$(op_col hourly.ca checks)" = 1
check "still pending" test "$(op_state hourly.ca)" = pending
check "last answer stored (GET_ORDER_INFO waiting)" \
    sh -c "echo '$(op_col hourly.ca last_answer)' | grep -q 'GET_ORDER_INFO: waiting'"
nc=$(op_col hourly.ca next_check_at)
lc=$(op_col hourly.ca last_check_at)
check "next check one hour later" test "$((nc - lc))" = 3600
advance 1800
sweep
check "not due half an hour later" test "$SWEPT" = 0
advance 1800
sweep
check "second check one hour after the first" \
    test "$SWEPT/$(op_col hourly.ca checks)" = 1/2
check "no digest while nothing ended" test "$(digests)" = 0
advance 3600
sweep
check "third check finds it registered" test "$(op_state hourly.ca)" = succeeded
check "domain active" test "$(dom_status hourly.ca)" = active
simexp=$(ctl GET /state | python3 -c 'import json,sys; print(json.load(sys.stdin)["domains"]["hourly.ca"]["expiry"])')
check "expiry is the registrar's" \
    test "$(sql "SELECT expires_at FROM domains WHERE name = 'hourly.ca'")" = "$simexp"
check "the customer's mail" test "$(customer_mails "$A")" = 1
check "the sweep's mail is the registration template, filled" \
    test "$(sql "SELECT COUNT(*) FROM mail_outbox WHERE idem_key = 'op:$A:succeeded' AND subject = 'hourly.ca is registered' AND body LIKE '%15.00 USD was charged%' AND body LIKE '%Reference: operation $A.%' AND body NOT LIKE '%{{%'")" = 1
check "one digest listing it" test "$(digests)/$(digests_listing "$A")" = 1/1
check "the digest goes to the admin" \
    test "$(sql "SELECT to_addr FROM mail_outbox WHERE idem_key LIKE 'digest:%'")" = admin@example.net
check "completed section" \
    test "$(sql "SELECT COUNT(*) FROM mail_outbox WHERE idem_key LIKE 'digest:%' AND body LIKE '%Completed (1):%op $A hourly.ca register alice 15.00 USD%'")" = 1
check "digested_at set" test -n "$(op_col hourly.ca digested_at)"
check "registration sent once" test "$(sim_count SW_REGISTER hourly.ca)" = 1
check "polls logged with the operation id" \
    test "$(sql "SELECT COUNT(*) FROM registrar_log WHERE operation_id = $A AND action = 'GET_ORDER_INFO'")" -ge 3
sweep
check "next sweep: no second digest" test "$(digests)" = 1
audit_clean "hourly polls"

# --- 72-hour deadline: the sim never got it -------------------------------
ctl POST /rules '{"action":"SW_REGISTER","domain":"lost.com","fault":"close_before","count":1}' >/dev/null
expect_rc 3 "a registration whose answer was lost is pending" -- \
    rg domain register lost.com --account alice
B=$(op_id lost.com)
bal0=$(balance_of alice)
advance 300
sweep
check "polled: not ours, LOOKUP says available" \
    sh -c "echo '$(op_col lost.com last_answer)' | grep -q 'BELONGS_TO_RSP: not ours; LOOKUP 210'"
check "waiting before the deadline" test "$(op_state lost.com)" = pending
i=0
while [ $i -lt 71 ]; do advance 3600; sweep; i=$((i + 1)); done
check "still pending just before 72 h" test "$(op_state lost.com)" = pending
check "polled hourly (1 + 71 checks)" test "$(op_col lost.com checks)" = 72
advance 3600
sweep
check "timed out after the final check" test "$(op_state lost.com)" = timed_out
check "final check was BELONGS_TO_RSP only" \
    test "$(op_col lost.com last_answer)" = "BELONGS_TO_RSP: not ours"
check "refunded once" test "$(postings lost.com refund)" = 1
check "balance back" \
    test "$(balance_of alice)" = $((bal0 + 1250))
check "domain failed" test "$(dom_status lost.com)" = failed
check "refund mail" test "$(customer_mails "$B")" = 1
check "the refund mail names the amount and the deadline" \
    test "$(sql "SELECT COUNT(*) FROM mail_outbox WHERE idem_key = 'op:$B:timed_out' AND subject = 'Refund for lost.com' AND body LIKE '%did not take place: deadline passed%' AND body LIKE '%12.50 USD was refunded%'")" = 1
check "digest lists it under timed out" \
    test "$(sql "SELECT COUNT(*) FROM mail_outbox WHERE idem_key LIKE 'digest:%' AND body LIKE '%Timed out (1):%op $B lost.com%'")" = 1
check "never sent twice" test "$(sim_count SW_REGISTER lost.com)" = 1
sweep
check "a replayed sweep refunds nothing more" test "$(postings lost.com refund)" = 1
audit_clean "deadline"

# --- a transfer completing after 5 days ------------------------------------
expect_rc 3 "transfer in goes pending" -- \
    rg domain transfer taken.com --account alice --auth-code transfer-me
T=$(op_id taken.com)
advance 300
sweep
check "transfer status pending_owner stored" \
    test "$(op_col taken.com transfer_status)" = pending_owner
expect_rc 3 "transfer-status shows it" -- \
    rg domain transfer-status taken.com --account alice --json
check "transfer-status prints pending_owner" grep -q pending_owner "$WORK/out"
advance 86400
sweep
check "then pending_registry" \
    test "$(op_col taken.com transfer_status)" = pending_registry
i=0
while [ $i -lt 4 ]; do advance 86400; sweep; i=$((i + 1)); done
check "completed after 5 days" test "$(op_state taken.com)" = succeeded
check "transfer status completed" \
    test "$(op_col taken.com transfer_status)" = completed
simexp=$(ctl GET /state | python3 -c 'import json,sys; print(json.load(sys.stdin)["domains"]["taken.com"]["expiry"])')
check "new expiry read from the registrar" \
    test "$(sql "SELECT expires_at FROM domains WHERE name = 'taken.com' AND status = 'active'")" = "$simexp"
check "transfer mail" test "$(customer_mails "$T")" = 1
check "transfer sent once" test "$(sim_count SW_REGISTER taken.com)" = 1
audit_clean "transfer"

# --- check, reset, cancel ----------------------------------------------------
expect_rc 3 "another async .ca" -- rg domain register steer.ca --account alice
C=$(op_id steer.ca)
expect_rc 0 "async list" -- rg async list --json
check "list shows it with its fields" \
    test "$(jget "$WORK/out" "[e for e in j if e['id'] == $C][0]['fee'] + '/' + [e for e in j if e['id'] == $C][0]['kind'] + '/' + [e for e in j if e['id'] == $C][0]['account']")" = "15.00/register/alice"
expect_rc 0 "async list (table)" -- rg async list
check "table has the header" grep -q "NEXT CHECK" "$WORK/out"
expect_rc 3 "async check polls now" -- rg async check steer.ca --json
check "check counted and answer shown" \
    test "$(jget "$WORK/out" "j['checks']")" = 1
check "check shows the answer" \
    sh -c "grep -q 'GET_ORDER_INFO' '$WORK/out'"
sql_write "UPDATE operations SET deadline_at = 1, next_check_at = 99999999999 WHERE id = $C"
now=$(( $(date +%s) + $(cat "$WORK/clock") ))
expect_rc 0 "async reset" -- rg async reset "$C" --json
dl=$(op_col steer.ca deadline_at)
check "reset: deadline = now + 72 h" \
    test $((dl - now)) -ge 259200 -a $((dl - now)) -le 259210
check "reset: next check now" \
    test "$(op_col steer.ca next_check_at)" -le $((now + 10))
expect_rc 2 "reset of an unknown operation" -- rg async reset 999999
# cancel an order saved as pending: PROCESS_PENDING command=cancel
ctl POST /rules '{"action":"SW_REGISTER","domain":"saved.com","fault":"forced_pending","count":1}' >/dev/null
expect_rc 3 "forced_pending registration is pending" -- \
    rg domain register saved.com --account alice
D=$(op_id saved.com)
expect_rc 0 "async cancel" -- rg async cancel saved.com --reason "customer asked"
check "cancelled" test "$(op_state saved.com)" = cancelled
check "domain removed (cancelled)" test "$(dom_status saved.com)" = cancelled
check "refunded once" test "$(postings saved.com refund)" = 1
check "cancelled at the registrar (PROCESS_PENDING command=cancel)" \
    test "$(sql "SELECT COUNT(*) FROM registrar_log WHERE operation_id = $D AND action = 'PROCESS_PENDING' AND request LIKE '%cancel%'")" = 1
check "the sim's order is cancelled" not_pending saved.com
check "cancel mail" test "$(customer_mails "$D")" = 1
expect_rc 1 "a cancelled operation cannot be cancelled again" -- \
    rg async cancel "$D"
check "still refunded once" test "$(postings saved.com refund)" = 1
# cancel a transfer: CANCEL_TRANSFER
expect_rc 3 "transfer to cancel" -- \
    rg domain transfer taken.net --account alice --auth-code transfer-me
expect_rc 0 "cancel the transfer" -- rg async cancel taken.net
check "CANCEL_TRANSFER sent" test "$(sim_count CANCEL_TRANSFER taken.net)" = 1
check "transfer cancelled and refunded" \
    test "$(op_state taken.net)/$(postings taken.net refund)" = cancelled/1
check "sim transfer cancelled" not_pending taken.net
nd=$(digests)
sweep
check "one digest for this sweep" test "$(digests)" = $((nd + 1))
check "digest lists both cancels" \
    test "$(sql "SELECT COUNT(*) FROM mail_outbox WHERE idem_key LIKE 'digest:%' AND body LIKE '%Cancelled (2):%op $D saved.com%'")" = 1
audit_clean "check reset cancel"

# --- rate limit: 600 calls a minute = 100 ms apart -----------------------------
for n in 1 2 3 4 5 6; do
    rg domain register "rate$n.ca" --account alice >/dev/null 2>&1
done
advance 400
sql_write "UPDATE registrar_connections SET concurrency = 8, rate_per_min = 600"
t0=$(date +%s%N)
sweep
t1=$(date +%s%N)
check "rate-limited sweep polled all due" test "$SWEPT" -ge 6
calls=$(jget "$WORK/sweep.json" "j['calls']")
check "calls at most 600/min: >= (calls-1) x 100 ms" \
    test $(( (t1 - t0) / 1000000 )) -ge $(( (calls - 1) * 100 ))
sql_write "UPDATE registrar_connections SET rate_per_min = 0"

# --- mail delivered by regman serve to a real SMTP server ---------------------
if smtp_ready "$SMTPD"; then
    smtp_start "$SMTPD"
    mid=$(sql "SELECT message_id FROM mail_outbox WHERE idem_key LIKE 'digest:%' ORDER BY id DESC LIMIT 1")
    "$REGMAN" serve -c "$WORK/regman.conf" --listen 127.0.0.1:0 \
        --ready-file "$WORK/serve.ready" 2>"$WORK/serve.log" &
    SERVE_PID=$!
    i=0
    while [ $i -lt 1500 ]; do
        if grep -rqs -F "$mid" "$SMTPDIR/s/mail/new"; then break; fi
        sleep 0.02
        i=$((i + 1))
    done
    check "the digest reached the SMTP server with its Message-ID" \
        grep -rqs -F "$mid" "$SMTPDIR/s/mail/new"
    check "serve registered the async sweep job" \
        test "$(sql "SELECT COUNT(*) FROM jobs WHERE kind = 'async.sweep'")" = 1
    kill "$SERVE_PID" 2>/dev/null
    wait "$SERVE_PID" 2>/dev/null
    smtp_stop
    expect_rc 0 "mail list" -- rg mail list --state sent --json
    check "mail list shows the sent digest" grep -q -F "$mid" "$WORK/out"
fi
expect_rc 0 "mail list (table)" -- rg mail list
expect_rc 2 "mail retry of an unknown row" -- rg mail retry 999999
sql_write "UPDATE mail_outbox SET state = 'failed', attempts = 10 WHERE id = (SELECT MIN(id) FROM mail_outbox)"
mfail=$(sql "SELECT MIN(id) FROM mail_outbox")
expect_rc 0 "mail retry of a failed row" -- rg mail retry "$mfail"
check "queued again, attempts reset" \
    test "$(sql "SELECT state || attempts FROM mail_outbox WHERE id = $mfail")" = queued0
expect_rc 2 "async with no subcommand" -- rg async
expect_rc 2 "async show needs an operation" -- rg async show

audit_clean "the end"
finish
