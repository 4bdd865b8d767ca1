#!/bin/sh
# test_log_prune - `regman log prune` on a real SQLite file: only rows
# older than [registrar] log_keep_days go; --dry-run deletes nothing; a
# second run finds nothing; `regman log` still lists the rows kept.
# usage: test_log_prune.sh REGMAN OPENSRS_SIM TEMPLATES_DIR
REGMAN=$1
SIM=$2
. "$(dirname "$0")/lib.sh"

regman_init >/dev/null || exit 1
echo "log_keep_days = 30" >>"$WORK/regman.conf"
NOW=$(python3 -c 'import time; print(int(time.time()))')
add_row() { # AT ACTION
    sql_write "INSERT INTO registrar_log (at, action, object, request, outcome, duration_ms) VALUES ($1, '$2', 'DOMAIN', '<x/>', 'answered', 5)"
}
for d in 31 45 400; do
    add_row $((NOW - d * 86400)) OLD
done
for d in 0 1 29; do
    add_row $((NOW - d * 86400)) NEW
done

expect_rc 0 "dry run" -- rg log prune --dry-run --json
check "dry run counts the 3 old rows" \
    test "$(jget "$WORK/out" "j['would_delete']")" = 3
check "dry run deletes nothing" \
    test "$(sql "SELECT COUNT(*) FROM registrar_log")" = 6
expect_rc 0 "prune" -- rg log prune
check "prune says how many rows went" grep -q "deleted 3 row(s)" "$WORK/out"
check "old rows are gone" \
    test "$(sql "SELECT COUNT(*) FROM registrar_log WHERE action = 'OLD'")" = 0
check "rows younger than log_keep_days stay" \
    test "$(sql "SELECT COUNT(*) FROM registrar_log WHERE action = 'NEW'")" = 3
expect_rc 0 "prune again" -- rg log prune --json
check "a second prune deletes nothing" \
    test "$(jget "$WORK/out" "j['deleted']")" = 0
expect_rc 0 "log still lists the rows kept" -- rg log --json
check "log lists 3 rows" test "$(jget "$WORK/out" "len(j)")" = 3
expect_rc 2 "prune takes no positional argument" -- rg log prune extra
sed -i 's/^log_keep_days = 30$/log_keep_days = 0/' "$WORK/regman.conf"
expect_rc 2 "log_keep_days 0 is refused" -- "$REGMAN" check-config \
    -c "$WORK/regman.conf"
check "the error names the key" grep -q log_keep_days "$WORK/err"

finish
