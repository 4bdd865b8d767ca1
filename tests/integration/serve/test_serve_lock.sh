#!/bin/sh
# test_serve_lock - one `regman serve` per SQLite database: a second one
# (same config, or another config naming the same file) exits 1 naming
# the database and the running serve; the CLI keeps working beside it; a
# new serve starts once the first has stopped, or died by SIGKILL.
# usage: test_serve_lock.sh REGMAN OPENSRS_SIM
REGMAN=$1
SIM=$2
. "$(dirname "$0")/../core/lib.sh"

SERVE_PID=
cleanup_serve() {
    if [ -n "$SERVE_PID" ]; then
        kill "$SERVE_PID" 2>/dev/null
        wait "$SERVE_PID" 2>/dev/null
    fi
    cleanup
}
trap cleanup_serve EXIT INT TERM

# start_serve CONF - a serve in the background; SERVE_PID, 0 once ready
start_serve() {
    rm -f "$WORK/ready"
    "$REGMAN" serve -c "$1" --listen 127.0.0.1:0 --ready-file "$WORK/ready" \
        2>>"$WORK/serve.log" &
    SERVE_PID=$!
    i=0
    while [ ! -s "$WORK/ready" ]; do
        i=$((i + 1))
        if [ $i -gt 1000 ] || ! kill -0 "$SERVE_PID" 2>/dev/null; then
            return 1
        fi
        sleep 0.01
    done
}
# stop_serve SIGNAL - signal the serve, wait; RC is its exit status
stop_serve() {
    kill "-$1" "$SERVE_PID"
    wait "$SERVE_PID"
    RC=$?
    SERVE_PID=
}

"$REGMAN" init --dir "$WORK" >/dev/null || exit 1
DB=$WORK/regman.db

check "the first serve starts" start_serve "$WORK/regman.conf"
FIRST=$SERVE_PID
expect_rc 1 "a second serve on the same config is refused" -- \
    rg serve --listen 127.0.0.1:0 --ready-file "$WORK/ready2"
check "  the message names the database" grep -q "database $DB " "$WORK/err"
check "  and says another regman serve holds it (pid $FIRST)" \
    grep -q "in use by another regman serve (pid $FIRST, lock $DB.serve.lock)" \
    "$WORK/err"
check "  it never got ready" test ! -e "$WORK/ready2"

mkdir "$WORK/other"
sed "s|^database = .*|database = $DB|; s|^master_key_file = .*|master_key_file = $WORK/master.key|" \
    "$WORK/regman.conf" >"$WORK/other/regman.conf"
expect_rc 1 "another config naming the same database is refused too" -- \
    "$REGMAN" serve -c "$WORK/other/regman.conf" --listen 127.0.0.1:0
check "  naming it" grep -q "database $DB is in use" "$WORK/err"

expect_rc 0 "the CLI works while serve runs (account add)" -- \
    rg account add bob --email bob@example.com
expect_rc 0 "  (account list)" -- rg account list
expect_rc 0 "  (check-config)" -- rg check-config
expect_rc 0 "  (audit)" -- rg audit
check "the first serve still answers" \
    sh -c "curl -sf http://\$(sed -n 's/^listen=//p' '$WORK/ready')/healthz | grep -q ok"

stop_serve TERM
check "the first serve stops with status 0" test "$RC" = 0
check "a new serve starts once it has stopped" start_serve "$WORK/regman.conf"
stop_serve KILL
check "a serve killed with SIGKILL leaves no lock behind" \
    start_serve "$WORK/other/regman.conf"
stop_serve TERM
check "  and that one stops with status 0" test "$RC" = 0

finish
