#!/bin/sh
# test_demo_port - `regman demo` and a port in use: without --port it falls
# forward from 8080 to the next free port and prints the URL of the port
# it bound (the banner and the ready file agree); an explicit --port N in
# use is refused with exit 1 and a message naming the port, before
# anything is set up.
#
# 8080 may be taken on a test machine by something else: the test holds
# 8080 and 8081 itself when they are free, so in every case both are busy
# and the demo must serve on a port from 8082 to 8099.
# usage: test_demo_port.sh REGMAN OPENSRS_SIM
REGMAN=$1
SIM=$2
. "$(dirname "$0")/lib.sh"

HOLD_PID=
DEMO_PID=
demo_cleanup() {
    [ -n "$DEMO_PID" ] && kill "$DEMO_PID" 2>/dev/null && wait "$DEMO_PID"
    [ -n "$HOLD_PID" ] && kill "$HOLD_PID" 2>/dev/null && wait "$HOLD_PID"
    cleanup
}
trap demo_cleanup EXIT INT TERM

# hold PORT... - listen on 127.0.0.1:PORT (0: one the system chooses) until
# killed; writes "PORT held" or "PORT busy" per port to $WORK/held.
hold() {
    rm -f "$WORK/held"
    python3 -c 'import socket, sys, time
out = []
socks = []
for p in sys.argv[2:]:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", int(p)))
        s.listen(1)
        socks.append(s)
        out.append("%d held" % s.getsockname()[1])
    except OSError:
        out.append("%s busy" % p)
open(sys.argv[1] + ".tmp", "w").write("\n".join(out) + "\n")
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(600)' "$WORK/held" "$@" &
    HOLD_PID=$!
    i=0
    while [ ! -s "$WORK/held" ] && [ $i -lt 500 ]; do
        sleep 0.01
        i=$((i + 1))
    done
}
unhold() {
    kill "$HOLD_PID" 2>/dev/null
    wait "$HOLD_PID" 2>/dev/null
    HOLD_PID=
}

export REGMAN_SIM="$SIM"

# An explicit --port that is in use: refused at once, naming the port.
hold 0
P=$(sed -n 's/ held$//p' "$WORK/held")
expect_rc 1 "demo --port $P (in use) is refused" -- \
    "$REGMAN" demo --dir "$WORK/d1" --port "$P" --ready-file "$WORK/r1"
check "  the message names the port" \
    grep -q "port $P on 127.0.0.1 is in use" "$WORK/err"
check "  and says how to choose another" grep -q -- "--port 0" "$WORK/err"
check "  nothing was set up" test ! -e "$WORK/d1"
check "  and nothing served" test ! -e "$WORK/r1"
unhold

# The default port in use: the next free one, printed.
hold 8080 8081
sed 's/^/# /' "$WORK/held"
"$REGMAN" demo --dir "$WORK/d2" --ready-file "$WORK/r2" \
    >"$WORK/demo.out" 2>"$WORK/demo.err" &
DEMO_PID=$!
i=0
while [ ! -s "$WORK/r2" ] && kill -0 "$DEMO_PID" 2>/dev/null &&
    [ $i -lt 3000 ]; do
    sleep 0.02
    i=$((i + 1))
done
port=$(sed -n 's/^listen=127.0.0.1://p' "$WORK/r2" 2>/dev/null)
check "demo without --port started with 8080 and 8081 busy" test -n "$port"
check "  on a port from 8082 to 8099 ($port)" \
    test "${port:-0}" -ge 8082 -a "${port:-0}" -le 8099
# the banner follows the ready file
i=0
while ! grep -q "Press Ctrl-C" "$WORK/demo.out" && [ $i -lt 500 ]; do
    sleep 0.02
    i=$((i + 1))
done
check "  the banner says 8080 is in use" \
    grep -q "port 8080 on 127.0.0.1 is in use" "$WORK/demo.out"
check "  the banner prints the URL of the port bound" \
    grep -q "Customer panel  http://127.0.0.1:$port/\$" "$WORK/demo.out"
check "  the admin URL too" \
    grep -q "Admin panel     http://127.0.0.1:$port/admin/" "$WORK/demo.out"
check "  and it answers there" \
    curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"
kill -TERM "$DEMO_PID"
wait "$DEMO_PID"
rc=$?
DEMO_PID=
check "  Ctrl-C stops it cleanly (exit $rc)" test "$rc" = 0
if [ "$FAIL" != 0 ]; then
    sed 's/^/#   /' "$WORK/demo.out" "$WORK/demo.err"
fi
unhold

finish
