#!/bin/sh
# test_keycheck - a regman whose master key is not the database's is
# refused before it touches anything (core/keycheck.h): the check value
# written by the first open, a database from before it (a stored
# registrar key decides), and a new key that cannot join.
# usage: test_keycheck.sh REGMAN OPENSRS_SIM TEMPLATES_DIR
REGMAN=$1
SIM=$2
. "$(dirname "$0")/lib.sh"

sim_start
setup_regman
check "the first open with the key wrote the check value" \
    test "$(sql "SELECT COUNT(*) FROM key_check")" = 1
expect_rc 0 "the installation's own key opens it" -- rg registrar list
cp "$WORK/master.key" "$WORK/master.key.good"

# Another installation's key: every command that needs the key is refused.
mkdir "$WORK/other"
regman_init "$WORK/other" >/dev/null || exit 1
cp "$WORK/other/master.key" "$WORK/master.key"
before=$(dbsig)
expect_rc 2 "another master key is refused" -- rg registrar list
check "the refusal names the key file" grep -q "master key .*master.key does not open" "$WORK/err"
expect_rc 2 "serve refuses it too" -- rg serve --listen 127.0.0.1:0
expect_rc 2 "an order is refused before anything is sent" -- \
    rg domain register keycheck-one.com --account alice
check "nothing changed in the database" test "$(dbsig)" = "$before"
check "nothing reached the registrar" test "$(sim_count keycheck-one.com SW_REGISTER)" = 0

# A database from before the check value: the stored registrar key decides.
cp "$WORK/master.key.good" "$WORK/master.key"
sql_write "DELETE FROM key_check"
cp "$WORK/other/master.key" "$WORK/master.key"
expect_rc 2 "without a check value, a key that cannot open the stored registrar key is refused" -- rg registrar list
check "that refusal names the registrar keys" grep -q "registrar keys stored here" "$WORK/err"
check "and writes no check value" test "$(sql "SELECT COUNT(*) FROM key_check")" = 0
cp "$WORK/master.key.good" "$WORK/master.key"
expect_rc 0 "the right key opens it and writes the check value" -- rg registrar list
check "one check value again" test "$(sql "SELECT COUNT(*) FROM key_check")" = 1
expect_rc 0 "the books are exact" -- rg audit

finish
