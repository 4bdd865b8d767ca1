#!/bin/sh
# test_crash - regman aborts at each named point of the charge → send →
# settle path (REGMAN_CRASH_AT), then runs again: start-up recovery moves
# what it finds (never resending), and then the audit is clean, the
# customer was charged exactly once and refunded at most once, and the
# domain is known to regman iff the sim has it or has it pending.
# usage: test_crash.sh REGMAN OPENSRS_SIM
REGMAN=$1
SIM=$2
. "$(dirname "$0")/../core/lib.sh"

sim_start
setup_regman

POINTS="after_charge after_sending after_send after_answer before_settle"

# known DOMAIN - 0 when regman has a live row for it
known() {
    test -n "$(sql "SELECT id FROM domains WHERE name = '$1' AND status NOT IN ('failed', 'cancelled', 'transferred_away')")"
}

# settle_pending DOMAIN - an operation left pending by the crash is
# followed up like the Async Manager would: a check now, and past its
# deadline the final check.
settle_pending() {
    if [ "$(op_state "$1")" = pending ]; then
        rg domain check "$1" >/dev/null 2>&1
    fi
    if [ "$(op_state "$1")" = pending ]; then
        REGMAN_CLOCK_OFFSET=700000 rg domain check "$1" >/dev/null 2>&1
    fi
}

for p in $POINTS; do
    d=$(echo "c-$p" | tr _ -).com
    REGMAN_CRASH_AT=$p rg domain register "$d" --account alice \
        >/dev/null 2>&1
    rc=$?
    check "register: aborted at $p (exit $rc)" test "$rc" -ge 128
    rg domain list >/dev/null 2>"$WORK/recover.err"
    check "register $p: recovery ran on start" \
        grep -q "recovered" "$WORK/recover.err"
    check "register $p: nothing left in new/sending" \
        test "$(sql "SELECT COUNT(*) FROM operations WHERE state IN ('new', 'sending')")" = 0
    audit_clean "register $p: after recovery"
    settle_pending "$d"
    st=$(op_state "$d")
    check "register $p: charged exactly once" \
        test "$(postings "$d" charge)" = 1
    case $st in
    failed | timed_out | cancelled)
        check "register $p: refunded exactly once ($st)" \
            test "$(postings "$d" refund)" = 1 ;;
    *)
        check "register $p: not refunded ($st)" \
            test "$(postings "$d" refund)" = 0 ;;
    esac
    if sim_has "$d" || sim_pending "$d"; then at_sim=1; else at_sim=0; fi
    if known "$d"; then at_rm=1; else at_rm=0; fi
    check "register $p: known to regman ($at_rm) iff at the sim ($at_sim)" \
        test "$at_rm" = "$at_sim"
    case $p in
    after_charge | after_sending) want=0 ;;
    *) want=1 ;;
    esac
    check "register $p: sent $want time(s), never resent" \
        test "$(sim_count SW_REGISTER "$d")" = "$want"
    audit_clean "register $p: settled"
done

# Renewals: the same points; a renewal is applied at most once.
for p in $POINTS; do
    d=$(echo "r-$p" | tr _ -).com
    rg domain register "$d" --account alice >/dev/null || bad "setup $d"
    e0=$(sql "SELECT expires_at FROM domains WHERE name = '$d'")
    REGMAN_CRASH_AT=$p rg domain renew "$d" >/dev/null 2>&1
    rc=$?
    check "renew: aborted at $p (exit $rc)" test "$rc" -ge 128
    rg domain list >/dev/null 2>&1
    audit_clean "renew $p: after recovery"
    settle_pending "$d"
    n=$(sql "SELECT COUNT(*) FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = '$d' AND o.kind = 'renew'")
    st=$(sql "SELECT o.state FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = '$d' AND o.kind = 'renew'")
    check "renew $p: one renewal operation ($st)" test "$n" = 1
    sent=$(sim_count RENEW "$d")
    case $p in
    after_charge | after_sending) want=0 ;;
    *) want=1 ;;
    esac
    check "renew $p: RENEW sent $want time(s)" test "$sent" = "$want"
    e1=$(sql "SELECT expires_at FROM domains WHERE name = '$d'")
    if [ "$st" = succeeded ]; then
        check "renew $p: expiry moved" test "$e1" -gt "$e0"
    else
        check "renew $p: expiry unchanged ($st)" test "$e1" = "$e0"
    fi
    check "renew $p: domain usable again ($(dom_status "$d"))" \
        test "$(dom_status "$d")" = active
    audit_clean "renew $p: settled"
done

# Transfers: crash after the request left; recovery keeps it pending and
# the status check finds the transfer at the registrar.
for p in after_send before_settle; do
    d=$(echo "t-$p" | tr _ -).com
    ctl POST /domains "{\"name\":\"$d\",\"owner\":\"other\",\"expiry\":\"2027-06-01 00:00:00\",\"auth_info\":\"k\"}" >/dev/null
    REGMAN_CRASH_AT=$p rg domain transfer "$d" --account alice \
        --auth-code k >/dev/null 2>&1
    check "transfer: aborted at $p" test $? -ge 128
    rg domain list >/dev/null 2>&1
    audit_clean "transfer $p: after recovery"
    check "transfer $p: pending, charged once" \
        test "$(op_state "$d")/$(postings "$d" charge)" = pending/1
    check "transfer $p: sent once" test "$(sim_count SW_REGISTER "$d")" = 1
    if sim_has "$d" || sim_pending "$d"; then at_sim=1; else at_sim=0; fi
    check "transfer $p: at the sim too" test "$at_sim" = 1
done

# Restores: the same points, for domains in redemption at the sim (their
# expiry set a year back; 45 days on at the sim's registry (40 days of
# grace for .com there), they are in
# redemption, and the sync says so). A restore is applied at most once
# and charged exactly once, refunded when it did not happen.
rg tld set .com --restore-fee 80 >/dev/null || bad "restore fee"
for p in $POINTS; do
    d=$(echo "s-$p" | tr _ -).com
    rg domain register "$d" --account alice >/dev/null || bad "setup $d"
    ctl POST /domains "{\"name\":\"$d\",\"owner\":\"$SIM_USER\",\"expiry\":\"$(date -u -d '-1 year' '+%Y-%m-%d %H:%M:%S')\"}" >/dev/null || bad "expire $d"
done
ctl POST /clock/advance '{"seconds":3888000}' >/dev/null || bad "sim clock"
for p in $POINTS; do
    d=$(echo "s-$p" | tr _ -).com
    rg domain sync "$d" >/dev/null 2>&1
    check "restore $p: in redemption" test "$(dom_status "$d")" = redemption
    e0=$(sql "SELECT expires_at FROM domains WHERE name = '$d' AND status <> 'deleted'")
    REGMAN_CRASH_AT=$p rg domain restore "$d" >/dev/null 2>&1
    rc=$?
    check "restore: aborted at $p (exit $rc)" test "$rc" -ge 128
    rg domain list >/dev/null 2>&1
    check "restore $p: nothing left in new/sending" \
        test "$(sql "SELECT COUNT(*) FROM operations WHERE state IN ('new', 'sending')")" = 0
    audit_clean "restore $p: after recovery"
    settle_pending "$d"
    st=$(op_state "$d")
    case $p in
    after_charge | after_sending) want=0 ;;
    *) want=1 ;;
    esac
    check "restore $p: REDEEM sent $want time(s)" \
        test "$(sim_count REDEEM "$d")" = "$want"
    check "restore $p: charged exactly once" test "$(postings "$d" charge)" = 2
    e1=$(sql "SELECT expires_at FROM domains WHERE name = '$d'")
    if [ "$want" = 1 ]; then
        check "restore $p: succeeded, active, the expiry a year on" \
            test "$st/$(dom_status "$d")/$((e1 - e0 > 364 * 86400))" = \
            succeeded/active/1
        check "restore $p: not refunded" test "$(postings "$d" refund)" = 0
    else
        check "restore $p: refunded, still in redemption ($st)" \
            test "$(postings "$d" refund)/$(dom_status "$d")/$e1" = \
            "1/redemption/$e0"
    fi
    audit_clean "restore $p: settled"
done

finish
