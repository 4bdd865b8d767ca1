#!/bin/sh
# test_async_recover - the daemon heals what a process left behind, without
# a restart: with `regman serve` running, a CLI order aborts
# (REGMAN_CRASH_AT) with its operation in `sending`, then in `new`; the
# audit reports I3; the daemon's next async.sweep run recovers it (sending
# → pending and checked, never sent again; new → failed + refund) and the
# audit is clean. Then the daemon is killed (SIGKILL) while its sweep job
# is leased: a new daemon takes the job at once, not after the lease
# expires.
# usage: test_async_recover.sh REGMAN OPENSRS_SIM TEMPLATES_DIR
REGMAN=$1
SIM=$2
TEMPLATES=$3
. "$(dirname "$0")/../core/lib.sh"
. "$(dirname "$0")/alib.sh"

SERVE_PID=
stop_serve() {
    if [ -n "$SERVE_PID" ]; then
        kill "$SERVE_PID" 2>/dev/null
        wait "$SERVE_PID" 2>/dev/null
        SERVE_PID=
    fi
}
trap 'stop_serve; cleanup' EXIT INT TERM

# start_serve LOG - regman serve on the shared clock; waits until ready.
start_serve() {
    rm -f "$WORK/serve.ready"
    "$REGMAN" serve -c "$WORK/regman.conf" --listen 127.0.0.1:0 \
        --ready-file "$WORK/serve.ready" 2>>"$WORK/$1" &
    SERVE_PID=$!
    i=0
    while [ ! -s "$WORK/serve.ready" ] && [ $i -lt 500 ]; do
        sleep 0.02
        i=$((i + 1))
    done
    test -s "$WORK/serve.ready" || bad "regman serve did not start"
}

# wait_for SECONDS CMD... - until CMD succeeds, polling every 0.1 s.
wait_for() {
    _n=$(($1 * 10))
    shift
    while [ "$_n" -gt 0 ]; do
        "$@" && return 0
        sleep 0.1
        _n=$((_n - 1))
    done
    return 1
}

# now - regman's clock: the real time plus the offset in $WORK/clock.
now() { echo $(($(date +%s) + $(cat "$WORK/clock"))); }
# sweep_idle - the async.sweep job is not leased and not due (the sweep
# the daemon ran at start has finished).
sweep_idle() {
    test "$(sql "SELECT COUNT(*) FROM jobs WHERE kind = 'async.sweep' AND lease_owner IS NULL AND run_at > $(now)")" = 1
}
state_is() { test "$(op_state "$1")" = "$2"; }
state_is_not() { test "$(op_state "$1")" != "$2"; }

sim_start
async_setup "$TEMPLATES"
start_serve serve.log
check "serve ran its first sweep" wait_for 20 sweep_idle

# --- sending, left by a process that is gone -----------------------------
d=crashed-sending.com
REGMAN_CRASH_AT=after_send rg domain register "$d" --account alice \
    >/dev/null 2>&1
check "the order aborted after the request left (exit $?)" test $? -ge 128
check "left in sending" state_is "$d" sending
check "the registrar has it" test "$(sim_count SW_REGISTER "$d")" = 1
if rg audit >"$WORK/audit.out" 2>&1; then
    bad "audit reports I3 before the sweep"
else
    check "audit reports I3 before the sweep" grep -q I3 "$WORK/audit.out"
fi
advance 61 # the next sweep is due
check "the daemon's sweep moved it out of sending" \
    wait_for 20 state_is_not "$d" sending
check "settled by the read-only check ($(op_state "$d"))" \
    state_is "$d" succeeded
check "never sent again" test "$(sim_count SW_REGISTER "$d")" = 1
check "charged once, not refunded" \
    test "$(postings "$d" charge)/$(postings "$d" refund)" = 1/0
check "the daemon logged the recovery" \
    grep -q "recovered from sending" "$WORK/serve.log"
audit_clean "after the daemon's sweep (sending)"

# --- new, left before anything was sent --------------------------------
check "sweep idle again" wait_for 20 sweep_idle
d=crashed-new.com
REGMAN_CRASH_AT=after_charge rg domain register "$d" --account alice \
    >/dev/null 2>&1
check "the order aborted after the charge (exit $?)" test $? -ge 128
check "left in new" state_is "$d" new
advance 61
check "the daemon's sweep failed it" wait_for 20 state_is "$d" failed
check "refunded exactly once" \
    test "$(postings "$d" charge)/$(postings "$d" refund)" = 1/1
check "never sent" test "$(sim_count SW_REGISTER "$d")" = 0
audit_clean "after the daemon's sweep (new)"

# --- a killed daemon's job lease ----------------------------------------
check "sweep idle before the kill" wait_for 20 sweep_idle
dead=$SERVE_PID
kill -9 "$dead"
wait "$dead" 2>/dev/null
SERVE_PID=
# As if it died inside a sweep: the sweep is due and the dead daemon's
# lease runs 15 more minutes.
host=$(python3 -c 'import socket; print(socket.gethostname())')
t=$(now)
sql_write "UPDATE jobs SET lease_owner = '$host:$dead:1', lease_expires_at = $((t + 900)), run_at = $t WHERE kind = 'async.sweep'"
check "the dead daemon's lease is in place" \
    test "$(sql "SELECT lease_owner FROM jobs WHERE kind = 'async.sweep'")" = "$host:$dead:1"
start_serve serve2.log
check "a new daemon takes the job at once" wait_for 20 sweep_idle
check "and says whose lease it released" \
    grep -q "lease of $host:$dead:1 released" "$WORK/serve2.log"
stop_serve
finish
