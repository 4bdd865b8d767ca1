#!/bin/sh
# test_async_crash - regman aborts at each named point inside a sweep
# (REGMAN_CRASH_AT: sweep_after_poll, before_settle, sweep_before_digest),
# then sweeps again: the audit is clean, nothing is refunded twice, no
# digest is lost (each ended operation is listed by exactly one digest),
# the customer gets one mail per operation, and the sim's counts show no
# order was ever sent again.
# usage: test_async_crash.sh REGMAN OPENSRS_SIM TEMPLATES_DIR
REGMAN=$1
SIM=$2
TEMPLATES=$3
. "$(dirname "$0")/../core/lib.sh"
. "$(dirname "$0")/alib.sh"

sim_start --async-delay 600
# the crash points are the polls': without the event stream, which would
# settle the registrations by their events before any poll
SIM_EVENTS=off
async_setup "$TEMPLATES"

for point in sweep_after_poll before_settle sweep_before_digest; do
    # one that completes (async .ca) and one that times out (lost)
    ok_d="ok-$(echo $point | tr _ -).ca"
    lost_d="lost-$(echo $point | tr _ -).com"
    rg domain register "$ok_d" --account alice >/dev/null 2>&1
    ctl POST /rules "{\"action\":\"SW_REGISTER\",\"domain\":\"$lost_d\",\"fault\":\"close_before\",\"count\":1}" >/dev/null
    rg domain register "$lost_d" --account alice >/dev/null 2>&1
    OK=$(op_id "$ok_d")
    LOST=$(op_id "$lost_d")
    check "$point: both pending" \
        test "$(op_state "$ok_d")/$(op_state "$lost_d")" = pending/pending
    # past the async delay and the 72 h deadline of the lost one
    advance 260000
    REGMAN_CRASH_AT=$point rg async sweep >"$WORK/crash.out" 2>&1
    rc=$?
    check "$point: the sweep aborted (exit $rc)" test "$rc" -ge 128
    case $point in
    sweep_after_poll)
        check "$point: nothing settled" \
            test "$(op_state "$ok_d")/$(op_state "$lost_d")" = pending/pending ;;
    before_settle)
        check "$point: the settle was rolled back" \
            test "$(op_state "$ok_d")$(op_state "$lost_d")" != succeededtimed_out ;;
    sweep_before_digest)
        check "$point: settled, not digested" \
            test "$(op_state "$ok_d")/$(op_state "$lost_d")/$(op_col "$ok_d" digested_at)" = succeeded/timed_out/ ;;
    esac
    audit_clean "$point: after the crash"
    # restart: a normal sweep
    sweep
    check "$point: restart sweep ok" test "$SWEEP_RC" = 0
    check "$point: completed after restart" test "$(op_state "$ok_d")" = succeeded
    check "$point: timed out after restart" test "$(op_state "$lost_d")" = timed_out
    check "$point: refunded exactly once" \
        test "$(postings "$lost_d" refund)/$(postings "$ok_d" refund)" = 1/0
    check "$point: charged once each" \
        test "$(postings "$lost_d" charge)/$(postings "$ok_d" charge)" = 1/1
    check "$point: each listed by exactly one digest" \
        test "$(digests_listing "$OK")/$(digests_listing "$LOST")" = 1/1
    check "$point: one customer mail each" \
        test "$(customer_mails "$OK")/$(customer_mails "$LOST")" = 1/1
    check "$point: no order sent again" \
        test "$(sim_count SW_REGISTER "$ok_d")/$(sim_count SW_REGISTER "$lost_d")" = 1/1
    audit_clean "$point: after restart"
    sweep
    check "$point: a replayed sweep changes nothing" \
        test "$(postings "$lost_d" refund)/$(digests_listing "$LOST")" = 1/1
done
finish
