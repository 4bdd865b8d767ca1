# lib.sh - shared helpers of the core integration tests (POSIX sh).
#
# Each test sources this file with REGMAN and SIM set to the binaries. It
# gets a private temp dir, an opensrs-sim on 127.0.0.1 with OS-chosen ports
# (read from its --ready-file), and a regman installation made by
# `regman init`. JSON is read with python3 (meson itself needs it).

set -u
SIM_USER=test
SIM_KEY=9a1b2c3d4e5f60718293a4b5c6d7e8f9
PASS=0
FAIL=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/regman-it.XXXXXX")
SIM_PID=
# DB - the database of the installation in $WORK, as tests/lib/testdb
# takes it: the SQLite file, or on PostgreSQL the URL regman_init made.
DB=$WORK/regman.db
# the PostgreSQL databases new_db made (dropped at cleanup)
PG_DBS=

cleanup() {
    if [ -n "$SIM_PID" ]; then
        kill "$SIM_PID" 2>/dev/null
        wait "$SIM_PID" 2>/dev/null
    fi
    smtp_stop
    for _db in $PG_DBS; do
        "$TESTDB" dropdb "$_db" >/dev/null 2>&1 ||
            echo "# could not drop $_db" >&2
    done
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

ok() {
    PASS=$((PASS + 1))
    echo "ok - $*"
}
bad() {
    FAIL=$((FAIL + 1))
    echo "not ok - $*"
}
# check DESC CMD... - a shell condition.
check() {
    _desc=$1
    shift
    if "$@"; then ok "$_desc"; else bad "$_desc"; fi
}
# expect_rc WANT DESC -- CMD... - run CMD, compare its exit status.
expect_rc() {
    _want=$1
    _desc=$2
    shift 3
    "$@" >"$WORK/out" 2>"$WORK/err"
    _got=$?
    if [ "$_got" = "$_want" ]; then
        ok "$_desc (exit $_got)"
    else
        bad "$_desc: exit $_got, want $_want"
        sed 's/^/#   /' "$WORK/out" "$WORK/err"
    fi
}
finish() {
    echo "# $PASS passed, $FAIL failed"
    [ "$FAIL" = 0 ]
}

# jget FILE EXPR - python expression over j (the parsed JSON of FILE).
jget() {
    python3 -c 'import json,sys
j = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print("" if v is None else (json.dumps(v) if isinstance(v, (dict, list)) else v))' "$1" "$2"
}

# The database is read or changed only through regman or tests/lib/testdb
# (REGMAN_TEST_DB picks the backend; an unknown one fails the test here).
# The backend is checked at the end of this file.
TESTDB=$(cd "$(dirname "$0")/../../lib" && pwd)/testdb
PGCLUSTER=$(dirname "$TESTDB")/pgcluster
# new_db - on PostgreSQL, make a fresh database on REGMAN_TEST_PG_URL's
# server and print its URL (dropped at cleanup); nothing on SQLite.
new_db() {
    [ "${REGMAN_TEST_DB:-sqlite}" = postgresql ] || return 0
    _url=$("$PGCLUSTER" createdb "${REGMAN_TEST_PG_URL:?REGMAN_TEST_DB=postgresql needs REGMAN_TEST_PG_URL}") ||
        return 1
    echo "$_url"
}
# regman_init [DIR] - `regman init --dir DIR` (default $WORK) on the
# test's backend: on PostgreSQL with --database, a fresh database. For
# $WORK, DB is set to that database.
regman_init() {
    _dir=${1:-$WORK}
    if [ "${REGMAN_TEST_DB:-sqlite}" = postgresql ]; then
        _url=$(new_db) || return 1
        PG_DBS="$PG_DBS $_url"
        "$REGMAN" init --dir "$_dir" --database "$_url" || return 1
        [ "$_dir" != "$WORK" ] || DB=$_url
    else
        "$REGMAN" init --dir "$_dir"
    fi
}
# sql QUERY [PARAM...] - one value from the regman database (read-only).
sql() {
    _q=$1
    shift
    "$TESTDB" value "$DB" "$_q" "$@"
}
# sql_rows QUERY [PARAM...] - every row, columns TAB-separated.
sql_rows() {
    _q=$1
    shift
    "$TESTDB" query "$DB" "$_q" "$@"
}
# sql_write QUERY [PARAM...] - change the database behind regman's back
# (tests only).
sql_write() {
    _q=$1
    shift
    "$TESTDB" exec "$DB" "$_q" "$@"
}
# dbsig - a digest of every row that matters (not the registrar log).
dbsig() {
    "$TESTDB" sig "$DB" registrar_connections tlds tld_prices \
        accounts contacts domains operations ledger_postings ledger_entries \
        mail_outbox
}

# sim_start [ARGS] - start opensrs-sim; sets SIM_URL_PORT, CTL.
# smtp_start SERVER - a real SMTP server (scripts/smtp-test-server, Exim) on
# 127.0.0.1, and [mail] smtp_url pointed at it (regman.conf must end in its
# [mail] section). Its mailbox is $SMTPDIR/s/mail, Exim's queue
# $SMTPDIR/s/spool/input. The directory is not under $WORK (0700): the
# server's own user must reach it.
smtp_start() {
    SMTPDIR=$(mktemp -d "${TMPDIR:-/tmp}/regman-smtp.XXXXXX")
    chmod 755 "$SMTPDIR"
    "$1" --dir "$SMTPDIR/s" --ready "$WORK/smtp.ready" &
    SMTP_PID=$!
    i=0
    while [ ! -s "$WORK/smtp.ready" ] && [ $i -lt 500 ]; do
        sleep 0.02
        i=$((i + 1))
    done
    port=$(sed -n 's/^smtp_port //p' "$WORK/smtp.ready")
    cat >>"$WORK/regman.conf" <<EOC
smtp_url = smtp://127.0.0.1:$port
retry_min_s = 1
EOC
}
# smtp_ready SERVER - is the real SMTP server there (the script and Exim)?
# When not, a failed check naming the package: a test never passes by
# leaving its mail part out.
smtp_ready() {
    if [ -n "${1:-}" ] && [ -x "$1" ] && command -v exim4 >/dev/null 2>&1; then
        return 0
    fi
    bad "no SMTP test server: Exim is missing (install the Debian package exim4-daemon-light; scripts/install-deps does)"
    return 1
}
# smtp_stop - stop the server smtp_start started (if any), remove its files.
smtp_stop() {
    if [ -n "${SMTP_PID:-}" ]; then
        kill "$SMTP_PID" 2>/dev/null
        wait "$SMTP_PID" 2>/dev/null
        SMTP_PID=
    fi
    if [ -n "${SMTPDIR:-}" ]; then
        rm -rf "$SMTPDIR"
        SMTPDIR=
    fi
}

sim_start() {
    "$SIM" --listen 127.0.0.1:0 --control 127.0.0.1:0 \
        --reseller "$SIM_USER:$SIM_KEY" --ready-file "$WORK/sim.ready" \
        --log "$WORK/sim.log" "$@" &
    SIM_PID=$!
    i=0
    while [ ! -s "$WORK/sim.ready" ]; do
        i=$((i + 1))
        if [ $i -gt 500 ] || ! kill -0 "$SIM_PID" 2>/dev/null; then
            echo "opensrs-sim did not start" >&2
            exit 1
        fi
        sleep 0.01
    done
    SIM_PORT=$(sed -n 's/^listen=127.0.0.1://p' "$WORK/sim.ready")
    SIM_LEGACY_PORT=$(sed -n 's/^legacy=127.0.0.1://p' "$WORK/sim.ready")
    CTL=http://$(sed -n 's/^control=//p' "$WORK/sim.ready")
}

# ctl METHOD PATH [BODY] - the sim's control API.
ctl() {
    if [ $# -ge 3 ]; then
        curl -sf -X "$1" -H 'Content-Type: application/json' -d "$3" "$CTL$2"
    else
        curl -sf -X "$1" "$CTL$2"
    fi
}
# sim_count ACTION DOMAIN - requests the sim received for the domain.
sim_count() {
    ctl GET /counts >"$WORK/counts.json"
    jget "$WORK/counts.json" \
        "j['domains'].get('$1', {}).get('$2', 0)"
}
# sim_has DOMAIN - 0 when the domain is in the reseller's portfolio.
sim_has() {
    ctl GET /state >"$WORK/state.json"
    python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))
sys.exit(0 if s["domains"].get(sys.argv[2], {}).get("owner") == sys.argv[3]
         else 1)' "$WORK/state.json" "$1" "$SIM_USER"
}
# sim_pending DOMAIN - 0 when an order, queued request or transfer of the
# domain is still open at the sim.
sim_pending() {
    ctl GET /state >"$WORK/state.json"
    python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))
d = sys.argv[2]
done = ("completed", "declined", "cancelled")
o = any(v.get("domain") == d and v.get("status") not in done
        for v in s["orders"].values())
q = any(v.get("domain") == d for v in s["queue"].values())
t = any(v.get("domain") == d and v.get("status") not in done
        for v in s["transfers"].values())
sys.exit(0 if o or q or t else 1)' "$WORK/state.json" "$1"
}

# regman subcommand wrapper: `rg domain list` = regman domain list -c ...
rg() {
    cmd=$1
    shift
    "$REGMAN" "$cmd" -c "$WORK/regman.conf" "$@"
}

# setup_regman - init, one connection to the sim, .com/.net priced, an
# account "alice" with 1000.00 and an owner contact (with the .ca legal
# type and the .us nexus a Canadian citizen gives). The connection reads
# the sim's event stream unless SIM_EVENTS=off (a test of the polls'
# own cadence). SIM_PROTOCOL=legacy: the connection speaks the legacy
# protocol to the sim's --listen-legacy port instead.
setup_regman() {
    regman_init >/dev/null || exit 1
    # short timeouts: the "hang" fault must not take 80 s
    sed -i 's/^timeout_ms = .*/timeout_ms = 1500/;
            s/^retry_delay_ms = .*/retry_delay_ms = 10/' "$WORK/regman.conf"
    _port=$SIM_PORT
    [ "${SIM_PROTOCOL:-https}" = legacy ] && _port=$SIM_LEGACY_PORT
    rg registrar add --title sim --server 127.0.0.1 --port "$_port" \
        --tls no --protocol "${SIM_PROTOCOL:-auto}" \
        --login "$SIM_USER" --key "$SIM_KEY" \
        --ns ns1.example.net,ns2.example.net --events "${SIM_EVENTS:-on}" \
        >/dev/null || exit 1
    rg tld set .com --registrar sim --terms 1-10 --price register:1=12.50 \
        --price register:2=25 --price renew:1=13 --price renew:2=26 \
        --price transfer:1=10 >/dev/null || exit 1
    rg tld set .net --registrar sim --price register:1=11 \
        --price renew:1=11 --price transfer:1=9 >/dev/null || exit 1
    rg account add alice --email alice@example.com >/dev/null || exit 1
    rg account credit alice 1000 --ref seed >/dev/null || exit 1
    rg account contact alice --first-name Alice --last-name Smith \
        --address1 "1 Main St" --city Toronto --postal-code M5V1A1 \
        --country CA --phone +1.4165550123 --email alice@example.com \
        --cira-legal-type CCT --us-nexus C31 --us-purpose P3 \
        --us-validator CA >/dev/null || exit 1
}

# balance_of ACCOUNT - the account's balance in minor units, as regman
# shows it (account show --json).
balance_of() {
    rg account show "$1" --json >"$WORK/balance.json" || return 1
    jget "$WORK/balance.json" "j['balance_minor']"
}

# audit_clean DESC - `regman audit` exits 0.
audit_clean() {
    if rg audit >"$WORK/audit.out" 2>&1; then
        ok "audit clean: $1"
    else
        bad "audit: $1"
        sed 's/^/#   /' "$WORK/audit.out"
    fi
}

# op_state DOMAIN - state of the domain's newest operation.
op_state() {
    sql "SELECT o.state FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = '$1' ORDER BY o.id DESC LIMIT 1"
}
dom_status() {
    sql "SELECT status FROM domains WHERE name = '$1' ORDER BY id DESC LIMIT 1"
}
# charges/refunds of the domain's operations
postings() {
    sql "SELECT COUNT(*) FROM ledger_postings p JOIN operations o ON o.id = p.operation_id JOIN domains d ON d.id = o.domain_id WHERE d.name = '$1' AND p.kind = '$2'"
}

# Fail at once (a failed test, never a skip) when REGMAN_TEST_DB names a
# backend tests/lib/testdb cannot reach.
if ! TESTDB_BACKEND=$("$TESTDB" backend); then
    echo "not ok - REGMAN_TEST_DB=${REGMAN_TEST_DB:-}: no test database helper"
    exit 1
fi
