#!/bin/sh
# test_check_config - `regman check-config` refuses every [http] value
# `regman serve` refuses, with the same message naming the file, the line
# and the key, and passes a good [http] section with every key set.
# With mail queued ([mail] from), every mail template must be in [mail]
# templates: one missing is named before an order needs it.
# usage: test_check_config.sh REGMAN OPENSRS_SIM TEMPLATES_DIR
REGMAN=$1
SIM=$2
TEMPLATES=$3
. "$(dirname "$0")/../core/lib.sh"

regman_init >/dev/null || exit 1
cp "$WORK/regman.conf" "$WORK/base.conf"

# with_http LINES - regman.conf = the base config + an [http] section
with_http() {
    cp "$WORK/base.conf" "$WORK/regman.conf"
    printf '\n[http]\n%s\n' "$1" >>"$WORK/regman.conf"
}

# refused LINE KEY - check-config and serve both exit 2, naming the key
# and the line, with one message.
refused() {
    with_http "$1"
    line=$(grep -n -F -x "$1" "$WORK/regman.conf" | cut -d: -f1)
    expect_rc 2 "check-config refuses '$1'" -- rg check-config
    cp "$WORK/err" "$WORK/err.check"
    check "  the message names the key and the line" \
        grep -q "regman.conf:$line: \[http\] $2" "$WORK/err.check"
    expect_rc 2 "serve refuses '$1' too" -- rg serve --ready-file "$WORK/ready"
    check "  with the same message" cmp -s "$WORK/err.check" "$WORK/err"
    check "  serve never got ready" test ! -e "$WORK/ready"
}

refused 'threads = 0' threads
refused 'threads = 9999' threads
refused 'listen = 999.1.1.1:99999' listen
refused 'listen = localhost:8080' listen
refused 'listen = 127.0.0.1:65536' listen
refused 'listen = 127.0.0.1' listen
refused 'max_conns_per_ip = 513' max_conns_per_ip
refused 'max_conns_per_ip = -1' max_conns_per_ip
refused 'header_timeout = 0' header_timeout
refused 'header_timeout = 3601' header_timeout
refused 'body_timeout = 0' body_timeout
refused 'body_timeout = ten' body_timeout
refused 'drain_seconds = -1' drain_seconds
refused 'drain_seconds = 3601' drain_seconds
refused 'lookup_per_min = -1' lookup_per_min
refused 'tls_cert = cert.pem' tls_cert
refused 'trusted_proxies = localhost' trusted_proxies
refused 'trusted_proxies = 10.0.0.0/33' trusted_proxies
refused 'trusted_proxies = 127.0.0.1,,::1' trusted_proxies
refused 'trusted_proxies = 10.0.0.1/8' trusted_proxies
check "  and names the network meant" \
    grep -q 'bits are set past the prefix (the network is 10.0.0.0/8)' \
    "$WORK/err.check"

with_http 'tls_cert = missing.pem
tls_key = missing.key'
expect_rc 2 "check-config refuses an unreadable TLS certificate" -- \
    rg check-config
check "  naming the key and the file" \
    grep -q "\[http\] tls_cert .*missing.pem" "$WORK/err"

with_http 'frobnicate = 1'
expect_rc 2 "check-config refuses an unknown [http] key" -- rg check-config
check "  naming it" grep -q 'unknown key "frobnicate" in \[http\]' "$WORK/err"

with_http 'listen = [::1]:0
threads = 2
max_conns_per_ip = 0
header_timeout = 5
body_timeout = 120
drain_seconds = 0
cookie_secure = yes
lookup_per_min = 10
signups_per_hour = 0
trusted_proxies = 127.0.0.1, 10.0.0.0/8, ::1,fd00::/8'
expect_rc 0 "check-config passes a good [http] section" -- rg check-config
check "  and prints the listen address" grep -q 'listen \[::1\]:0' "$WORK/out"
with_http 'listen = 127.0.0.1:8080
max_conns_per_ip = 512
header_timeout = 3600
body_timeout = 86400
drain_seconds = 3600'
expect_rc 0 "check-config passes the upper bounds" -- rg check-config
cp "$WORK/base.conf" "$WORK/regman.conf"
expect_rc 0 "check-config passes a config without [http]" -- rg check-config

# --- [mail] templates ------------------------------------------------------
mkdir "$WORK/tmpl"
cp "$TEMPLATES"/*.txt "$WORK/tmpl/"
printf '\n[mail]\nfrom = regman@example.net\ntemplates = %s\n' "$WORK/tmpl" \
    >>"$WORK/regman.conf"
expect_rc 0 "check-config passes with every template" -- rg check-config
rm "$WORK/tmpl/refund.txt"
expect_rc 2 "check-config refuses a missing template" -- rg check-config
check "  naming it" grep -q 'refund.txt' "$WORK/err"
cp "$WORK/base.conf" "$WORK/regman.conf"
printf '\n[mail]\ntemplates = %s\n' "$WORK/tmpl" >>"$WORK/regman.conf"
expect_rc 0 "without a from address no mail is queued: not checked" -- \
    rg check-config

finish
