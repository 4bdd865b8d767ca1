#!/bin/sh
# test_legacy - regman's OpenSRS driver over the legacy protocol (raw TCP,
# port 55000: challenge-response handshake, Blowfish CBC) against
# opensrs-sim --listen-legacy: the connection's protocol setting, `registrar
# test`, a lookup, a registration, a registration whose answer is lost
# (pending, sent once, settled by `regman async check`), a refused key,
# sessions that carry many commands and end at 100, and the books audited
# after each. Every count is read from the sim's own world.
# usage: test_legacy.sh REGMAN OPENSRS_SIM TEMPLATES_DIR
REGMAN=$1
SIM=$2
. "$(dirname "$0")/lib.sh"

sim_start --listen-legacy 127.0.0.1:0
check "the sim names its legacy listener in the ready file" \
    test -n "$SIM_LEGACY_PORT"
SIM_PROTOCOL=legacy setup_regman

# --- the connection --------------------------------------------------------
expect_rc 0 "registrar show" -- rg registrar show sim
check "it speaks the legacy protocol" grep -q '^protocol  *legacy$' "$WORK/out"
check "its URL says so" grep -q "legacy://127.0.0.1:$SIM_LEGACY_PORT/" "$WORK/out"
expect_rc 0 "registrar test over the legacy protocol" -- rg registrar test sim
check "the test read the balance" grep -qi 'balance' "$WORK/out"

# port 55000 chooses the legacy protocol by itself; --protocol overrides
expect_rc 0 "a connection on port 55000" -- rg registrar add --title p55000 \
    --server 127.0.0.1 --port 55000 --login "$SIM_USER" --key "$SIM_KEY"
expect_rc 0 "show it" -- rg registrar show p55000
check "auto on 55000 is legacy" grep -q '^protocol  *legacy (auto)$' "$WORK/out"
expect_rc 0 "override to https" -- rg registrar edit p55000 --protocol https
expect_rc 0 "show it again" -- rg registrar show p55000
check "the override holds" grep -q '^protocol  *https$' "$WORK/out"
check "its URL is https again" grep -q 'https://127.0.0.1:55000/' "$WORK/out"
expect_rc 2 "an unknown protocol is refused" -- \
    rg registrar edit p55000 --protocol gopher
check "the refusal names the choices" grep -q 'auto, https or legacy' "$WORK/err"
expect_rc 0 "remove it" -- rg registrar rm p55000

# a key the sim does not know: refused in the handshake, nothing sent
before=$(sim_count LOOKUP refused.com)
expect_rc 0 "a connection with a wrong key" -- rg registrar add --title wrong \
    --server 127.0.0.1 --port "$SIM_LEGACY_PORT" --protocol legacy \
    --login "$SIM_USER" --key 00112233445566778899aabbccddeeff
expect_rc 1 "its test fails" -- rg registrar test wrong
check "the handshake refused it" grep -q 'authentication refused' "$WORK/out" "$WORK/err"
check "the sim logged the refusal" grep -q 'action=AUTHENTICATE.*code=415' "$WORK/sim.log"
expect_rc 2 "a key that is not hex is refused for the legacy protocol" -- \
    rg registrar add --title nothex --server 127.0.0.1 \
    --port "$SIM_LEGACY_PORT" --protocol legacy --login "$SIM_USER" \
    --key not-a-hex-key
check "with the reason" grep -q 'hex digits' "$WORK/err"
expect_rc 2 "and nothing was saved" -- rg registrar show nothex
# a key kept from before, when the port turns the protocol to legacy:
# refused when used, as a configuration error
expect_rc 0 "an HTTPS connection with a key that is not hex" -- \
    rg registrar add --title nothex --server 127.0.0.1 --port "$SIM_PORT" \
    --tls no --login "$SIM_USER" --key not-a-hex-key
expect_rc 0 "moved to port 55000" -- rg registrar edit nothex --port 55000
expect_rc 2 "its test is a configuration error" -- rg registrar test nothex
check "naming the key" grep -q 'hex digits' "$WORK/err"
rg registrar rm wrong >/dev/null
rg registrar rm nothex >/dev/null
check "nothing reached the sim's actions" \
    test "$(sim_count LOOKUP refused.com)" = "$before"

# --- lookup and registration -----------------------------------------------
expect_rc 0 "lookup of a free name" -- rg domain lookup free-name.com --json
check "lookup lists the price per term" \
    test "$(jget "$WORK/out" "j['prices']['1']")" = "12.50"
rg domain register taken-legacy.com --account alice >/dev/null
expect_rc 1 "lookup of a taken name" -- rg domain lookup taken-legacy.com

expect_rc 0 "register over the legacy protocol" -- \
    rg domain register legacy-good.com --account alice --json
check "succeeded" test "$(op_state legacy-good.com)" = succeeded
check "domain active" test "$(dom_status legacy-good.com)" = active
check "sent once" test "$(sim_count SW_REGISTER legacy-good.com)" = 1
check "the sim has it" sim_has legacy-good.com
audit_clean "register done"

# --- a registration whose answer is lost --------------------------------------
ctl POST /rules '{"action":"SW_REGISTER","domain":"legacy-lost.com","fault":"close_after","count":1}' >/dev/null
expect_rc 3 "the answer is lost: pending" -- \
    rg domain register legacy-lost.com --account alice
check "outcome unknown, recorded as such" \
    grep -q 'outcome unknown' "$WORK/out" "$WORK/err"
check "pending and charged once" \
    test "$(op_state legacy-lost.com)/$(postings legacy-lost.com charge)" = pending/1
check "the sim registered it, sent once" \
    test "$(sim_count SW_REGISTER legacy-lost.com)" = 1
expect_rc 0 "regman async check settles it" -- rg async check legacy-lost.com
check "succeeded after the check" test "$(op_state legacy-lost.com)" = succeeded
check "still sent once" test "$(sim_count SW_REGISTER legacy-lost.com)" = 1
check "no refund" test "$(postings legacy-lost.com refund)" = 0
audit_clean "lost answer settled"

# close_before: not applied, pending; the check finds nothing yet
ctl POST /rules '{"action":"SW_REGISTER","domain":"legacy-closed.com","fault":"close_before","count":1}' >/dev/null
expect_rc 3 "connection closed before the effect: pending" -- \
    rg domain register legacy-closed.com --account alice
check "sent once" test "$(sim_count SW_REGISTER legacy-closed.com)" = 1
sim_has legacy-closed.com && had=yes || had=no
check "the sim does not have it" test "$had" = no
audit_clean "close_before"

# every other fault on a legacy session: the same outcome as over HTTPS
# (test_ops), each command sent once
for spec in hang:3 truncated:3 malformed:3 http_500:3 code_705:3 \
    code_486:3 async:3 auth_failure:1; do
    f=${spec%%:*}
    want=${spec#*:}
    d=$(echo "legacy-$f" | tr _ -).com
    ctl POST /rules "{\"action\":\"SW_REGISTER\",\"domain\":\"$d\",\"fault\":\"$f\",\"count\":1}" >/dev/null
    expect_rc "$want" "register under $f" -- \
        rg domain register "$d" --account alice
    check "$f: sent exactly once" test "$(sim_count SW_REGISTER "$d")" = 1
    if [ "$want" = 3 ]; then
        check "$f: pending, charged once" \
            test "$(op_state "$d")/$(postings "$d" charge)/$(postings "$d" refund)" = pending/1/0
    else
        check "$f: failed and refunded once" \
            test "$(op_state "$d")/$(postings "$d" refund)" = failed/1
    fi
    audit_clean "after $f"
done

# --- sessions: reused, and never more than 100 commands ----------------------
# import-prices asks GET_PRICE for every TLD, operation and term in one
# registrar session: more than 100 commands.
for t in org info biz; do
    rg tld set ".$t" --registrar sim --terms 1-10 --price register:1=10 \
        --price renew:1=10 --price transfer:1=10 >/dev/null
done
n0=$(wc -l <"$WORK/sim.log")
expect_rc 0 "import prices over the legacy protocol" -- \
    rg tld import-prices sim --markup 10
tail -n +"$((n0 + 1))" "$WORK/sim.log" >"$WORK/import.log"
cmds=$(grep -c 'action=GET_PRICE' "$WORK/import.log")
sessions=$(grep 'action=GET_PRICE' "$WORK/import.log" |
    sed -n 's/.* peer=\(127.0.0.1:[0-9]*\) .*/\1/p' | sort | uniq -c | sort -rn)
check "more than 100 commands were asked ($cmds)" test "$cmds" -gt 100
most=$(echo "$sessions" | awk 'NR == 1 {print $1}')
nsess=$(echo "$sessions" | wc -l)
check "no session carried more than 100 ($most)" test "$most" -le 100
check "sessions were reused: $nsess for $cmds commands" \
    test "$nsess" -eq $(((cmds + 99) / 100))
check "the sim never had to refuse a command with 350" \
    sh -c "! grep -q 'code=350' '$WORK/import.log'"

expect_rc 0 "a lookup after all that" -- rg domain lookup free-again.com
audit_clean "end"
finish
