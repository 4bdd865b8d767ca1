#!/bin/sh
# test_badinput - malformed names, unknown TLDs, bad money, oversized
# fields, unknown connections and SQL metacharacters get a clear error
# (exit 2, or 1 for a business refusal) and change nothing in the
# database.
# usage: test_badinput.sh REGMAN OPENSRS_SIM
REGMAN=$1
SIM=$2
. "$(dirname "$0")/lib.sh"

sim_start
setup_regman

long=$(python3 -c 'print("a" * 5000)')
label64=$(python3 -c 'print("a" * 64)')

# refused WANT DESC -- CMD: exit WANT, an error on stderr, nothing changed
refused() {
    _w=$1
    _d=$2
    shift 3
    _before=$(dbsig)
    _n=$(sql "SELECT COUNT(*) FROM registrar_log")
    expect_rc "$_w" "$_d" -- "$@"
    check "$_d: says why" test -s "$WORK/err"
    check "$_d: database unchanged" test "$(dbsig)" = "$_before"
    check "$_d: no registrar call" \
        test "$(sql "SELECT COUNT(*) FROM registrar_log")" = "$_n"
}

refused 2 "name with an underscore" -- \
    rg domain register bad_name.com --account alice
refused 2 "label over 63 bytes" -- \
    rg domain register "$label64.com" --account alice
refused 2 "name over 253 bytes" -- \
    rg domain register "$long.com" --account alice
refused 2 "single label" -- rg domain register localhost --account alice
refused 2 "leading hyphen" -- rg domain register -x.com --account alice
refused 2 "empty label" -- rg domain register a..com --account alice
refused 2 "unknown TLD" -- rg domain register example.zz --account alice
refused 2 "unknown TLD on lookup" -- rg domain lookup example.zz
refused 2 "term not offered" -- \
    rg domain register x1.com --account alice --term 3
refused 2 "term out of range" -- \
    rg domain register x1.com --account alice --term 11
refused 2 "unknown account" -- rg domain register x1.com --account nobody
refused 2 "SQL metacharacters in a name" -- \
    rg domain register "x'; DROP TABLE domains; --.com" --account alice
refused 2 "SQL metacharacters in an account" -- \
    rg domain register x1.com --account "alice' OR '1'='1"
refused 2 "bad nameserver" -- \
    rg domain register x1.com --account alice --ns "ns1.example.net,bad_ns"
refused 2 "transfer without an auth code" -- \
    rg domain transfer x1.com --account alice
refused 2 "oversized auth code" -- \
    rg domain transfer x1.com --account alice --auth-code "$long"
refused 2 "renew of an unknown domain" -- rg domain renew nope.com

refused 2 "negative credit" -- rg account credit alice -5
refused 2 "fractional cents" -- rg account credit alice 1.005
refused 2 "exponent" -- rg account credit alice 1e3
refused 2 "junk amount" -- rg account credit alice 12abc
refused 2 "empty amount" -- rg account credit alice ""
refused 2 "amount too large" -- rg account credit alice 99999999999999999
refused 2 "adjust without a memo" -- rg account adjust alice -5
rg account credit alice -5 2>"$WORK/neg.err"
check "negative credit: the error says why" grep -q negative "$WORK/neg.err"
refused 2 "negative price" -- rg tld set .com --price register:1=-1
refused 2 "fractional price" -- rg tld set .com --price register:1=1.999
refused 2 "price for an unknown operation" -- \
    rg tld set .com --price steal:1=1
refused 2 "TLD on an unknown connection" -- \
    rg tld set .info --registrar nosuch --price register:1=1
refused 2 "invalid TLD" -- rg tld set ".c_m" --registrar sim
refused 2 "bad terms" -- rg tld set .com --terms 0-12
refused 2 "bad window" -- rg tld set .com --deadline soon
refused 2 "edit of an unknown connection" -- \
    rg registrar edit nosuch --port 1
refused 2 "port out of range" -- rg registrar edit sim --port 70000
refused 2 "oversized title" -- \
    rg registrar add --title "$long" --login x --key y
refused 2 "oversized key" -- rg registrar add --title k --login x --key "$long"
refused 2 "server given as a URL" -- \
    rg registrar add --title u --login x --key y --server "http://x/"
# --ca-file: a readable file holding a PEM certificate, on add and edit
printf 'not a certificate\n' >"$WORK/notpem.crt"
printf -- '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' \
    >"$WORK/ca.pem"
for f in /nonexistent "$WORK" "$WORK/notpem.crt" /dev/null; do
    refused 2 "add with --ca-file $f" -- \
        rg registrar add --title c --login x --key y --ca-file "$f"
    check "  the error names the CA file" grep -q "CA file \"$f\"" "$WORK/err"
    refused 2 "edit with --ca-file $f" -- rg registrar edit sim --ca-file "$f"
    check "  the error names the CA file" grep -q "CA file \"$f\"" "$WORK/err"
done
rg registrar edit sim --ca-file /nonexistent 2>"$WORK/ca.err"
check "a missing CA file: the error says it cannot be read" \
    grep -q 'CA file "/nonexistent" cannot be read: No such file' "$WORK/ca.err"
rg registrar edit sim --ca-file "$WORK/notpem.crt" 2>"$WORK/ca.err"
check "a file without a certificate: the error says it is not PEM" \
    grep -q "holds no PEM certificate" "$WORK/ca.err"
chmod 000 "$WORK/ca.pem"
if [ "$(id -u)" != 0 ]; then
    refused 2 "edit with an unreadable --ca-file" -- \
        rg registrar edit sim --ca-file "$WORK/ca.pem"
fi
chmod 600 "$WORK/ca.pem"
expect_rc 0 "edit with a PEM --ca-file" -- \
    rg registrar edit sim --ca-file "$WORK/ca.pem"
check "  stored" test "$(sql "SELECT ca_file FROM registrar_connections \
    WHERE title = 'sim'")" = "$WORK/ca.pem"
rm "$WORK/ca.pem"
expect_rc 0 "an edit that leaves the CA file alone does not read it again" \
    -- rg registrar edit sim --warn-days 30
expect_rc 0 "an empty --ca-file goes back to the system trust store" -- \
    rg registrar edit sim --ca-file ""
refused 1 "duplicate connection title" -- \
    rg registrar add --title sim --login x --key y
refused 2 "account name with SQL" -- rg account add "bob'; DELETE FROM accounts; --"
refused 2 "oversized account name" -- rg account add "$long"
refused 1 "duplicate account" -- rg account add alice
refused 2 "contact with a bad country" -- \
    rg account contact alice --country Canada
for cc in XX ZZ UK XK ca; do
    refused 2 "contact with the unassigned country code $cc" -- \
        rg account contact alice --country "$cc"
    check "  the error names $cc" grep -q "country \"$cc\" is not an ISO 3166-1" \
        "$WORK/err"
done
expect_rc 0 "contact with an assigned country code (SX, 2010)" -- \
    rg account contact alice --country SX
rg account contact alice --country CA >/dev/null
refused 2 "contact with a bad phone" -- \
    rg account contact alice --phone 555-1234
refused 2 "unknown option" -- rg domain list --bogus
refused 2 "unknown subcommand" -- rg domain frobnicate x.com

# A refused request still leaves a clean, unchanged installation.
audit_clean "after bad input"
check "the domains table survived" \
    test "$(sql "SELECT COUNT(*) FROM domains")" = 0

# config errors name FILE:LINE
printf '[regman]\ndatabase = x.db\nbogus = 1\n' >"$WORK/bad.conf"
expect_rc 2 "unknown config key" -- "$REGMAN" check-config -c "$WORK/bad.conf"
check "the error names the line" grep -q "bad.conf:3" "$WORK/err"
expect_rc 0 "good config" -- rg check-config

# [regman] currency: a current ISO 4217 code with 2 decimals, refused at
# check-config and at every start, with a message naming the code, its
# minor unit and the line
cp "$WORK/regman.conf" "$WORK/good.conf"
cur_line=$(grep -n '^currency = ' "$WORK/regman.conf" | cut -d: -f1)
for c in JPY:0 KWD:3 CLF:4 XAU:N.A.; do
    code=${c%%:*}
    unit=${c#*:}
    sed "s/^currency = .*/currency = $code/" "$WORK/good.conf" \
        >"$WORK/regman.conf"
    expect_rc 2 "check-config refuses currency $code" -- rg check-config
    check "  naming $code, its minor unit $unit and the line" grep -q \
        "regman.conf:$cur_line: \[regman\] currency $code has ISO 4217 minor unit $unit" \
        "$WORK/err"
    expect_rc 2 "account list refuses to start with currency $code" -- \
        rg account list
    check "  with the same message" grep -q "currency $code has ISO 4217" \
        "$WORK/err"
    expect_rc 2 "serve refuses to start with currency $code" -- \
        rg serve --listen 127.0.0.1:0 --ready-file "$WORK/cur.ready"
    check "  serve never got ready" test ! -e "$WORK/cur.ready"
done
for code in ABC usd HRK; do
    sed "s/^currency = .*/currency = $code/" "$WORK/good.conf" \
        >"$WORK/regman.conf"
    expect_rc 2 "check-config refuses currency $code (not a current code)" \
        -- rg check-config
    check "  naming it" grep -q "currency \"$code\" is not an ISO 4217" \
        "$WORK/err"
done
for code in EUR CAD; do
    sed "s/^currency = .*/currency = $code/" "$WORK/good.conf" \
        >"$WORK/regman.conf"
    expect_rc 0 "check-config passes currency $code" -- rg check-config
done
cp "$WORK/good.conf" "$WORK/regman.conf"
expect_rc 1 "init refuses to overwrite" -- "$REGMAN" init --dir "$WORK"
check "master key is 0600" \
    test "$(stat -c %a "$WORK/master.key")" = 600

finish
