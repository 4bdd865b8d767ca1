#!/bin/sh
# pgcluster_test - tests/lib/pgcluster: a cluster of its own from start to
# stop (as the caller, and as root also as an ordinary user), the missing
# server named as a package, and, when scripts/run-tests hands one over
# (REGMAN_TEST_PG_URL), a database of its own on the run's cluster through
# psql. TAP-style lines, then "N passed, N failed".
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
PGC=$HERE/pgcluster
PASS=0
FAIL=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgcluster_test.XXXXXX")
chmod 755 "$WORK"
trap '"$PGC" stop "$WORK/c" 2>/dev/null; "$PGC" stop "$WORK/u/c" 2>/dev/null; rm -rf "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ok() {
    if [ "$1" = 0 ]; then
        PASS=$((PASS + 1))
        echo "ok - $2"
    else
        FAIL=$((FAIL + 1))
        echo "not ok - $2"
        [ -z "${3:-}" ] || printf '%s\n' "$3" | head -n 20 | sed 's/^/#   /'
    fi
}

# pgc ARG... - pgcluster, as the user AS when set (root only: a copy in
# WORK, which that user can read wherever the source tree is)
AS=""
pgc() {
    if [ -n "$AS" ]; then
        cp "$PGC" "$WORK/pgcluster"
        chmod 755 "$WORK/pgcluster"
        runuser -u "$AS" -- "$WORK/pgcluster" "$@"
    else
        "$PGC" "$@"
    fi
}

PSQL=$(command -v psql || true)
[ -n "$PSQL" ] || PSQL=$(printf '%s\n' /usr/lib/postgresql/*/bin/psql | sort -V | tail -n 1)
q() {
    PGCONNECT_TIMEOUT=5 "$PSQL" -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$2" 2>&1
}

# lifecycle DIR WHO - start, check, createdb, stop (as the caller)
lifecycle() {
    dir=$1
    who=$2
    if ! url=$(pgc start "$dir" 2>"$WORK/err"); then
        ok 1 "[$who] start prints a URL" "$(cat "$WORK/err")"
        return
    fi
    ok 0 "[$who] start prints a URL"
    case $url in
    postgresql://regman@127.0.0.1:[0-9]*/postgres) r=0 ;;
    *) r=1 ;;
    esac
    ok $r "[$who] the URL is postgresql://regman@127.0.0.1:PORT/postgres" "$url"
    [ "$(pgc url "$dir")" = "$url" ]
    ok $? "[$who] url DIR prints it again"
    out=$(q "$url" "SELECT current_user || ' ' || rolsuper FROM pg_roles WHERE rolname = current_user")
    [ "$out" = "regman true" ]
    ok $? "[$who] it takes a connection on 127.0.0.1 as the superuser regman" "$out"
    out=$(q "$url" "SELECT current_setting('listen_addresses') || ' ' || current_setting('TimeZone') || ' ' || current_setting('lc_collate') || ' ' || pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()")
    [ "$out" = "127.0.0.1 UTC C.UTF-8 UTF8" ]
    ok $? "[$who] 127.0.0.1 only, UTC, C.UTF-8, UTF8" "$out"
    out=$(q "$url" "SELECT count(*) FROM pg_hba_file_rules WHERE auth_method <> 'trust' OR (type = 'host' AND address <> '127.0.0.1')")
    [ "$out" = 0 ]
    ok $? "[$who] pg_hba: trust on the socket and 127.0.0.1 only" "$out"
    port=${url#postgresql://regman@127.0.0.1:}
    port=${port%%/*}
    [ -S "$dir/.s.PGSQL.$port" ]
    ok $? "[$who] the unix socket is in DIR"
    out=$(q "postgresql:///postgres?host=$dir&port=$port&user=regman" "SELECT 1")
    [ "$out" = 1 ]
    ok $? "[$who] ... and takes a connection" "$out"
    db=$(pgc createdb "$url" 2>&1)
    out=$(q "$db" "SELECT current_database()")
    case $db in
    "postgresql://regman@127.0.0.1:$port/$out") r=0 ;;
    *) r=1 ;;
    esac
    ok $r "[$who] createdb URL makes a database and prints its URL" "$db $out"
    db2=$(pgc createdb "$url" 2>&1)
    [ "$db2" != "$db" ] && [ "$(q "$db2" "SELECT 1")" = 1 ]
    ok $? "[$who] a second createdb: another database" "$db2"
    db3=$(pgc createdb "$url" mine_1 2>&1)
    [ "$db3" = "postgresql://regman@127.0.0.1:$port/mine_1" ]
    ok $? "[$who] createdb URL NAME" "$db3"
    pgc createdb "$url" 'x"; DROP' >/dev/null 2>&1
    [ $? = 1 ]
    ok $? "[$who] createdb refuses a name that is not [a-z0-9_]+"
    pgc stop "$dir" 2>"$WORK/err"
    ok $? "[$who] stop" "$(cat "$WORK/err")"
    [ ! -e "$dir" ]
    ok $? "[$who] stop removed DIR"
    if q "$url" "SELECT 1" >/dev/null; then r=1; else r=0; fi
    ok $r "[$who] the server is gone"
    pgc stop "$dir"
    ok $? "[$who] stop again: nothing to do"
}

lifecycle "$WORK/c" "$(id -un)"

# as root: the server ran as postgres above; an ordinary user runs its own
if [ "$(id -u)" = 0 ]; then
    mkdir "$WORK/u"
    chown nobody: "$WORK/u"
    AS=nobody
    lifecycle "$WORK/u/c" nobody
    AS=""
fi

mkdir "$WORK/full"
touch "$WORK/full/x"
"$PGC" start "$WORK/full" >/dev/null 2>&1
[ $? = 1 ] && [ -e "$WORK/full/x" ]
ok $? "start refuses a DIR that is not empty"
"$PGC" stop "$WORK/full" >/dev/null 2>&1
[ $? = 1 ] && [ -e "$WORK/full/x" ]
ok $? "stop leaves a DIR alone that is no cluster's"
err=$(PG_BINDIR=$WORK/nobin "$PGC" start "$WORK/none" 2>&1)
r=$?
[ "$r" = 1 ] && case $err in *"Debian package postgresql"*) true ;; *) false ;; esac
ok $? "no server: fails (no skip), naming the package" "$err"

if [ "${REGMAN_TEST_DB:-}" = postgresql ] && [ -z "${REGMAN_TEST_PG_URL:-}" ]; then
    ok 1 "REGMAN_TEST_DB=postgresql comes with REGMAN_TEST_PG_URL"
elif [ -n "${REGMAN_TEST_PG_URL:-}" ]; then
    db=$("$PGC" createdb "$REGMAN_TEST_PG_URL" 2>&1)
    out=$(q "$db" "CREATE TABLE t (x int); INSERT INTO t VALUES (7); SELECT x FROM t")
    [ "$out" = 7 ]
    ok $? "REGMAN_TEST_PG_URL: a database of its own, through psql" "$db $out"
fi

echo "# $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
