#!/bin/sh
# test_ops - every domain operation and outcome through the real regman
# and opensrs-sim binaries on a real SQLite file, including every sim
# fault. After each: `regman audit` is clean and the sim's counts prove
# no order was sent twice. The customer's mail about each ended operation
# is asserted on its outbox row: the template's subject, every variable
# filled, one row per operation and state even when the move is replayed.
# usage: test_ops.sh REGMAN OPENSRS_SIM TEMPLATES_DIR
REGMAN=$1
SIM=$2
TEMPLATES=$3
. "$(dirname "$0")/lib.sh"

sim_start
setup_regman
cat >>"$WORK/regman.conf" <<EOC
[mail]
from = regman@example.net
templates = $TEMPLATES
EOC

# op_of DOMAIN - the domain's newest operation id.
op_of() {
    sql "SELECT o.id FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = '$1' ORDER BY o.id DESC LIMIT 1"
}
# ymd DOMAIN - the domain's expiry date as the mails write it.
ymd() {
    python3 -c 'import sys,time
print(time.strftime("%Y-%m-%d", time.gmtime(int(sys.argv[1]))))' \
        "$(sql "SELECT expires_at FROM domains WHERE name = '$1' ORDER BY id DESC LIMIT 1")"
}
# mail_is OPID STATE SUBJECT TEXT... - the customer's mail about the
# operation ending in STATE: one outbox row with this subject, to alice,
# every variable filled (no "{{" left) and every TEXT in its body.
mail_is() {
    _key="op:$1:$2"
    _subject=$3
    shift 3
    _n=$(sql "SELECT COUNT(*) FROM mail_outbox WHERE idem_key = ?" "$_key")
    if [ "$_n" != 1 ]; then
        echo "$_n rows for $_key" >&2
        return 1
    fi
    _to=$(sql "SELECT to_addr FROM mail_outbox WHERE idem_key = ?" "$_key")
    _subj=$(sql "SELECT subject FROM mail_outbox WHERE idem_key = ?" "$_key")
    _body=$(sql "SELECT body FROM mail_outbox WHERE idem_key = ?" "$_key")
    _ok=0
    [ "$_to" = alice@example.com ] && [ "$_subj" = "$_subject" ] || _ok=1
    case "$_subj$_body" in *"{{"*) _ok=1 ;; esac
    for _t in "$@"; do
        case "$_body" in *"$_t"*) ;; *) echo "missing $_t" >&2; _ok=1 ;; esac
    done
    if [ $_ok != 0 ]; then
        echo "to $_to subject $_subj in:" >&2
        echo "$_body" >&2
    fi
    return $_ok
}

# --- connections ----------------------------------------------------------
expect_rc 0 "registrar test prints the registrar balance" -- \
    rg registrar test sim
check "test output shows a balance" grep -q "balance" "$WORK/out"
check "test output says the event stream answers, nothing waiting" \
    grep -qx "events: answering (0 waiting)" "$WORK/out"
expect_rc 0 "registrar test --json" -- rg registrar test sim --json
check "json: the event stream answers" \
    test "$(jget "$WORK/out" "[j['ok'], j['events']['answering'], j['events']['waiting'], j['events']['error']]")" = '[true, true, 0, null]'
# the event stream refuses: reported, and the test still passes on the
# balance (the exit status is the balance's alone)
ctl POST /rules '{"action":"POLL","fault":"code_400","count":2}' >/dev/null
expect_rc 0 "registrar test with a refusing event stream" -- \
    rg registrar test sim
check "test output says why the event stream does not answer" \
    grep -q "^events: not answering: .*400" "$WORK/out"
expect_rc 0 "registrar test --json with a refusing event stream" -- \
    rg registrar test sim --json
check "json: not answering, nothing counted, the reason" \
    test "$(jget "$WORK/out" "[j['events']['answering'], j['events']['waiting'], '400' in j['events']['error']]")" = '[false, null, true]'
rg registrar edit sim --events off >/dev/null
expect_rc 0 "registrar test of a connection whose stream regman does not read" -- \
    rg registrar test sim
check "test output says the stream answers but is not read" \
    grep -qx "events: answering (0 waiting); not read: --events off" "$WORK/out"
rg registrar edit sim --events on >/dev/null
check "registrar test acknowledges nothing" \
    test "$(ctl GET /counts | python3 -c 'import json,sys; print(json.load(sys.stdin)["actions"].get("ACK", 0))')" = 0
rg registrar show sim --json >"$WORK/conn.json"
check "the key is never printed" \
    sh -c "! grep -q '$SIM_KEY' '$WORK/conn.json'"
check "the key is sealed at rest" \
    test "$(sql "SELECT COUNT(*) FROM registrar_connections WHERE key_enc LIKE '%$SIM_KEY%'")" = 0
expect_rc 2 "unknown connection" -- rg registrar show nosuch

# --- lookup -----------------------------------------------------------------
expect_rc 0 "lookup of a free name" -- rg domain lookup free-name.com --json
check "lookup lists the price per term" \
    test "$(jget "$WORK/out" "j['prices']['1']")" = "12.50"
expect_rc 1 "lookup of a taken name" -- rg domain lookup taken.com

# --- register: done ---------------------------------------------------------
expect_rc 0 "register succeeds" -- \
    rg domain register good.com --account alice --json
check "state succeeded" test "$(op_state good.com)" = succeeded
check "domain active" test "$(dom_status good.com)" = active
check "expiry from the registrar" \
    test -n "$(sql "SELECT expires_at FROM domains WHERE name = 'good.com'")"
check "sent once" test "$(sim_count SW_REGISTER good.com)" = 1
check "sim has it" sim_has good.com
check "mail queued for the customer" \
    test "$(sql "SELECT COUNT(*) FROM mail_outbox WHERE to_addr = 'alice@example.com'")" -ge 1
G=$(op_of good.com)
check "registration mail: the template's subject, every variable filled" \
    mail_is "$G" succeeded "good.com is registered" "Hello alice," \
    "registered to you for 1 year(s)" "It expires on $(ymd good.com)." \
    "12.50 USD was charged" "Reference: operation $G."
audit_clean "register done"

expect_rc 1 "a live name cannot be registered twice" -- \
    rg domain register good.com --account alice
check "still sent once" test "$(sim_count SW_REGISTER good.com)" = 1

# IDN: both forms stored
expect_rc 0 "register an IDN name" -- \
    rg domain register bücher.com --account alice
check "A-label and U-label stored" \
    test "$(sql "SELECT unicode_name FROM domains WHERE name = 'xn--bcher-kva.com'")" = "bücher.com"
check "the mail names the domain in its Unicode form" \
    mail_is "$(op_of xn--bcher-kva.com)" succeeded "bücher.com is registered" \
    "the domain bücher.com is now registered"

# --- renew ------------------------------------------------------------------
exp0=$(sql "SELECT expires_at FROM domains WHERE name = 'good.com'")
expect_rc 0 "renew succeeds" -- rg domain renew good.com --account alice
check "expiry moved a year" \
    test "$(sql "SELECT expires_at FROM domains WHERE name = 'good.com'")" -gt "$exp0"
y0=$(python3 -c "import time; print(time.gmtime($exp0).tm_year)")
check "renewal carried our expiry year ($y0)" \
    test "$(sql "SELECT COUNT(*) FROM registrar_log WHERE action = 'RENEW' AND request LIKE '%currentexpirationyear\">$y0<%'")" = 1
check "RENEW sent once" test "$(sim_count RENEW good.com)" = 1
R=$(op_of good.com)
check "renewal mail: the renewal template with the new expiry" \
    mail_is "$R" succeeded "good.com was renewed" "renewed for 1 year(s)" \
    "It now expires on $(ymd good.com)." "13.00 USD was charged" \
    "Reference: operation $R."
audit_clean "renew done"

# 541: our record disagrees with the registrar → failed, refunded,
# record refreshed, never re-sent; the next renew works.
real=$(sql "SELECT expires_at FROM domains WHERE name = 'good.com'")
sql_write "UPDATE domains SET expires_at = expires_at - 5 * 31536000 WHERE name = 'good.com'"
expect_rc 1 "renew with a stale expiry year fails (541)" -- \
    rg domain renew good.com
check "RENEW sent once more only" test "$(sim_count RENEW good.com)" = 2
check "record refreshed from GET DOMAIN" \
    test "$(sql "SELECT expires_at FROM domains WHERE name = 'good.com'")" = "$real"
check "the failed renewal is refunded" \
    test "$(postings good.com refund)" = 1
check "domain back to active" test "$(dom_status good.com)" = active
R=$(op_of good.com)
check "refund mail names the amount and the registrar's reason" \
    mail_is "$R" failed "Refund for good.com" \
    "the renewal of good.com did not take place: the registrar's expiry year is" \
    "13.00 USD was refunded" "Reference: operation $R."
expect_rc 0 "renew again succeeds" -- rg domain renew good.com
audit_clean "renew 541"

# --- transfer ---------------------------------------------------------------
ctl POST /domains '{"name":"moving.com","owner":"other","expiry":"2027-06-01 00:00:00","auth_info":"sesame"}' >/dev/null
expect_rc 0 "transferability check" -- rg domain transfer-status moving.com
expect_rc 3 "transfer goes pending" -- \
    rg domain transfer moving.com --account alice --auth-code sesame
check "transfer pending" test "$(op_state moving.com)" = pending
check "domain transferring" test "$(dom_status moving.com)" = transferring
check "transfer sent once" test "$(sim_count SW_REGISTER moving.com)" = 1
check "auth code never logged" \
    test "$(sql "SELECT COUNT(*) FROM registrar_log WHERE request LIKE '%sesame%' OR response LIKE '%sesame%'")" = 0
expect_rc 3 "own transfer status: still pending" -- \
    rg domain transfer-status moving.com --account alice
check "registrar status recorded" \
    test -n "$(sql "SELECT transfer_status FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = 'moving.com'")"
audit_clean "transfer pending"
ctl POST /clock/advance '{"seconds": 864000}' >/dev/null
expect_rc 0 "transfer completes after the registry window" -- \
    rg domain transfer-status moving.com --account alice
check "transfer succeeded" test "$(op_state moving.com)" = succeeded
check "transferred domain active" test "$(dom_status moving.com)" = active
check "transfer mail: completed, with the expiry read after it" \
    mail_is "$(op_of moving.com)" succeeded "Transfer of moving.com completed" \
    "The domain now expires on" "$(ymd moving.com). 10.00 USD was charged"
audit_clean "transfer completed"
expect_rc 1 "transfer with a wrong auth code fails" -- \
    rg domain transfer taken.net --account alice --auth-code wrong
check "refunded" test "$(postings taken.net refund)" = 1
check "failed transfer mail: the reason and the refund" \
    mail_is "$(op_of taken.net)" failed "Transfer of taken.net did not complete" \
    "the transfer of taken.net did not complete: " "9.00 USD was refunded"
audit_clean "transfer refused"

# --- insufficient funds: refused, nothing written --------------------------
rg account add bob >/dev/null
rg account contact bob --first-name Bob --last-name B --address1 x \
    --city y --postal-code 1 --country US --phone +1.5555550000 \
    --email bob@example.com >/dev/null
sig=$(dbsig)
expect_rc 1 "insufficient funds refused" -- \
    rg domain register poor.com --account bob
check "insufficient funds: nothing written" test "$(dbsig)" = "$sig"
check "insufficient funds: nothing sent" \
    test "$(sim_count SW_REGISTER poor.com)" = 0

# --- every sim fault on a registration --------------------------------------
# fault → expected exit status (3 pending, 1 failed)
for spec in close_before:3 close_after:3 http_500:3 truncated:3 \
    malformed:3 hang:3 code_705:3 code_486:3 code_300:3 code_310:3 \
    code_400:3 async:3 queue:3 forced_pending:3 decline_later:3 \
    auth_failure:1; do
    f=${spec%%:*}
    want=${spec#*:}
    d=$(echo "f-$f" | tr _ -).com
    ctl POST /rules "{\"action\":\"SW_REGISTER\",\"domain\":\"$d\",\"fault\":\"$f\",\"count\":1}" >/dev/null
    expect_rc "$want" "register under $f" -- \
        rg domain register "$d" --account alice
    check "$f: sent exactly once" test "$(sim_count SW_REGISTER "$d")" = 1
    if [ "$want" = 3 ]; then
        check "$f: operation pending, charged" \
            test "$(op_state "$d")/$(postings "$d" charge)/$(postings "$d" refund)" = pending/1/0
        check "$f: deadline and next check set" \
            test -n "$(sql "SELECT deadline_at * next_check_at FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = '$d'")"
    else
        check "$f: failed and refunded once" \
            test "$(op_state "$d")/$(postings "$d" refund)" = failed/1
    fi
    audit_clean "after $f"
done
check "queue: queue id stored" \
    test -n "$(sql "SELECT queue_request_id FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = 'f-queue.com'")"
check "forced_pending: order id stored" \
    test -n "$(sql "SELECT o.registrar_order_id FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = 'f-forced-pending.com'")"

# Follow-up checks (read-only): what the registrar did decides.
expect_rc 0 "close_after: the check finds it registered" -- \
    rg domain check f-close-after.com
check "close_after: still sent once" \
    test "$(sim_count SW_REGISTER f-close-after.com)" = 1
ctl POST /clock/advance '{"seconds": 7200}' >/dev/null
expect_rc 0 "async: completes" -- rg domain check f-async.com
expect_rc 0 "queue: completes" -- rg domain check f-queue.com
expect_rc 1 "decline_later: declined, refunded" -- \
    rg domain check f-decline-later.com
check "decline_later: refunded once" \
    test "$(postings f-decline-later.com refund)" = 1
# close_before never applied: past the deadline the final check refunds.
expect_rc 3 "close_before: before the deadline it stays pending" -- \
    rg domain check f-close-before.com
REGMAN_CLOCK_OFFSET=300000 expect_rc 1 "close_before: timed out after the deadline" -- \
    rg domain check f-close-before.com
check "close_before: timed_out, refunded once" \
    test "$(op_state f-close-before.com)/$(postings f-close-before.com refund)" = timed_out/1
check "timed-out registration: refund mail with the deadline as reason" \
    mail_is "$(op_of f-close-before.com)" timed_out "Refund for f-close-before.com" \
    "the registration of f-close-before.com did not take place: deadline passed" \
    "12.50 USD was refunded"
check "no registration was ever sent twice" \
    test "$(ctl GET /counts | python3 -c 'import json,sys; print(max(json.load(sys.stdin)["domains"]["SW_REGISTER"].values()))')" = 1
audit_clean "after follow-up checks"

# --- faults on renewals --------------------------------------------------
for spec in close_after:3 code_705:3 http_500:3 auth_failure:1; do
    f=${spec%%:*}
    want=${spec#*:}
    d=$(echo "r-$f" | tr _ -).com
    rg domain register "$d" --account alice >/dev/null
    ctl POST /rules "{\"action\":\"RENEW\",\"domain\":\"$d\",\"fault\":\"$f\",\"count\":1}" >/dev/null
    expect_rc "$want" "renew under $f" -- rg domain renew "$d"
    check "renew $f: sent once" test "$(sim_count RENEW "$d")" = 1
    audit_clean "renew $f"
done
expect_rc 0 "renew close_after: the check sees the new expiry" -- \
    rg domain check r-close-after.com
check "renew close_after: domain active again" \
    test "$(dom_status r-close-after.com)" = active
audit_clean "renew follow-up"

# --- faults on transfers -----------------------------------------------------
for f in close_after http_500 code_705; do
    d=$(echo "t-$f" | tr _ -).com
    ctl POST /domains "{\"name\":\"$d\",\"owner\":\"other\",\"expiry\":\"2027-06-01 00:00:00\",\"auth_info\":\"k\"}" >/dev/null
    ctl POST /rules "{\"action\":\"SW_REGISTER\",\"domain\":\"$d\",\"fault\":\"$f\",\"count\":1}" >/dev/null
    expect_rc 3 "transfer under $f" -- \
        rg domain transfer "$d" --account alice --auth-code k
    check "transfer $f: sent once" test "$(sim_count SW_REGISTER "$d")" = 1
    audit_clean "transfer $f"
done

# --- not sent: nothing reached the registrar → failed + refund ------------
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
rg registrar add --title dead --server 127.0.0.1 --port "$dead" --tls no \
    --login x --key y >/dev/null
rg tld set .org --registrar dead --price register:1=5 >/dev/null
expect_rc 1 "connection refused: failed after bounded retries" -- \
    rg domain register never.org --account alice --json
check "three attempts" test "$(jget "$WORK/out" "j['attempts']")" = 3
check "never sent: refunded once" \
    test "$(op_state never.org)/$(postings never.org refund)" = failed/1
audit_clean "not sent"
expect_rc 1 "a connection with domains cannot be removed" -- \
    rg registrar rm sim
expect_rc 1 "registrar test fails on a dead connection" -- \
    rg registrar test dead

# --- the registrar log ---------------------------------------------------------
expect_rc 0 "log by domain" -- rg log --domain good.com --json
check "log rows carry the operation id" \
    test "$(jget "$WORK/out" "sum(1 for r in j if r['action'] == 'SW_REGISTER' and r['operation_id'])")" = 1
expect_rc 0 "log as CSV" -- rg log --op 1 --csv
check "CSV has a header and rows" test "$(wc -l <"$WORK/out")" -ge 2
check "no key in the log" \
    test "$(sql "SELECT COUNT(*) FROM registrar_log WHERE request LIKE '%$SIM_KEY%'")" = 0
check "registrant passwords are redacted in the log" \
    test "$(sql "SELECT COUNT(*) FROM registrar_log WHERE request LIKE '%\"reg_password\">[redacted]<%'")" -ge 1
check "no registrant password in the clear" \
    test "$(sql "SELECT COUNT(*) FROM registrar_log WHERE request LIKE '%\"reg_password\">%' AND request NOT LIKE '%\"reg_password\">[redacted]<%'")" = 0

# --- customer mail: a replayed move queues nothing new; no [mail] from ----
# The registration of good.com ends again (its row put back to pending,
# the check finds the domain ours): same key op:<id>:succeeded, no new row.
nmail=$(sql "SELECT COUNT(*) FROM mail_outbox")
mid=$(sql "SELECT id || message_id FROM mail_outbox WHERE idem_key = 'op:$G:succeeded'")
sql_write "UPDATE operations SET state = 'pending', finished_at = NULL, deadline_at = 4102444800, next_check_at = 0 WHERE id = $G"
expect_rc 0 "replay: the check ends the registration again" -- rg async check "$G"
check "replay: succeeded again" \
    test "$(sql "SELECT state FROM operations WHERE id = $G")" = succeeded
check "replay: no new mail, the first row kept" \
    test "$(sql "SELECT COUNT(*) FROM mail_outbox")/$(sql "SELECT id || message_id FROM mail_outbox WHERE idem_key = 'op:$G:succeeded'")" = "$nmail/$mid"
audit_clean "replayed move"
# Without a From address nothing can be queued (mail.h): the operation
# ends all the same and the skipped mail is logged.
sed '/^\[mail\]/,$d' "$WORK/regman.conf" >"$WORK/nomail.conf"
expect_rc 0 "register without [mail] from" -- \
    "$REGMAN" domain register nomail.com -c "$WORK/nomail.conf" --account alice
check "without from: succeeded" test "$(op_state nomail.com)" = succeeded
check "without from: no mail queued" \
    test "$(sql "SELECT COUNT(*) FROM mail_outbox WHERE idem_key LIKE 'op:$(op_of nomail.com):%'")" = 0
check "without from: a log line says so" \
    grep -q "customer mail (succeeded) not queued: no \[mail\] from" "$WORK/err"
audit_clean "no mail configured"

# --- audit detects damage ---------------------------------------------------
sql_write "UPDATE accounts SET balance = balance + 1 WHERE name = 'alice'"
expect_rc 1 "audit fails on a tampered balance (I1)" -- rg audit
sql_write "UPDATE accounts SET balance = balance - 1 WHERE name = 'alice'"
audit_clean "restored"

finish
