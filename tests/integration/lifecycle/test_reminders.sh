#!/bin/sh
# test_reminders - reminder schedules against the real opensrs-sim, with
# regman's clock (REGMAN_CLOCK_FILE) and the sim's (/clock/advance) moved
# forward together one day at a time from a month before expiry to the end
# of redemption: each scheduled reminder is queued exactly once, on its
# day, and on no other day, however often the warnings step runs; an
# auto-renew domain whose renewal failed for want of funds is reminded
# from the day it failed; a domain renewed by hand is reminded no more;
# after expiry the mails name the end of grace (or redemption) and the
# price; the admin's last-chance alerts come before expiry, in the last
# days of grace and in the last days of redemption, once each; a daemon
# that was down sends only the latest due reminder. Then `regman serve`
# delivers every reminder to a real SMTP server (scripts/smtp-test-server,
# Exim), once each, across a restart of the daemon.
# usage: test_reminders.sh REGMAN OPENSRS_SIM TEMPLATES_DIR [SMTP_SERVER]
REGMAN=$1
SIM=$2
TEMPLATES=$3
SMTPD=${4:-}
. "$(dirname "$0")/../core/lib.sh"

# the sim's registry keeps .com and .net as regman's defaults say (30 days
# of grace, 30 of redemption, 5 of pending delete)
sim_start --lifecycle com=30/30/5 --lifecycle net=30/30/5
setup_regman
cat >>"$WORK/regman.conf" <<EOF

[mail]
from = regman@example.net
admin = admin@example.net
templates = $TEMPLATES
EOF

OFF=0
export REGMAN_CLOCK_FILE="$WORK/clock"
echo 0 >"$REGMAN_CLOCK_FILE"
DAY=86400

now() { echo $(($(date +%s) + OFF)); }
# advance SECONDS - regman's clock and the sim's, together
advance() {
    [ "$1" -gt 0 ] || return 0
    OFF=$((OFF + $1))
    echo "$OFF" >"$REGMAN_CLOCK_FILE.tmp"
    mv "$REGMAN_CLOCK_FILE.tmp" "$REGMAN_CLOCK_FILE"
    ctl POST /clock/advance "{\"seconds\":$1}" >/dev/null || bad "sim clock"
}
expires() { sql "SELECT expires_at FROM domains WHERE name = '$1' AND status NOT IN ('failed', 'cancelled')"; }
dom_id() { sql "SELECT id FROM domains WHERE name = '$1' AND status NOT IN ('failed', 'cancelled')"; }
life() { rg lifecycle run "$@" >"$WORK/life.out" 2>"$WORK/life.err"; }
mails() { sql "SELECT COUNT(*) FROM mail_outbox WHERE idem_key LIKE '$1'"; }
ymd() { date -u -d "@$1" +%Y-%m-%d; }

# --- setup -------------------------------------------------------------------
# .com: a grace fee, no restores; .net: restores offered, and its own
# reminder schedule.
rg tld set .com --grace-fee 5 >/dev/null || bad "grace fee .com"
rg tld set .net --restore-fee 50 >/dev/null || bad "restore fee .net"
expect_rc 2 "reminders set: six offsets are refused" -- \
    rg reminders set --tld .net --days -30,-20,-10,-1,2,40
expect_rc 2 "reminders set: a duplicate is refused" -- \
    rg reminders set --tld .net --days -10,-10
expect_rc 2 "reminders set: out of range is refused" -- \
    rg reminders set --tld .net --days -400
expect_rc 2 "reminders set: no offsets is refused" -- \
    rg reminders set --tld .net --days ""
expect_rc 2 "reminders set: an unknown TLD is refused" -- \
    rg reminders set --tld .nosuch --days -3
expect_rc 2 "reminders set: an unknown connection is refused" -- \
    rg reminders set --connection nosuch --days -3
check "refusals changed nothing" \
    test "$(sql "SELECT COUNT(*) FROM reminder_schedules")" = 0
rg reminders set --tld .net --days 40,-10,2,-1 >/dev/null ||
    bad "reminders set .net"
rg reminders show --tld .net --json >"$WORK/show.json" 2>&1
check "reminders show --tld .net: its own schedule, sorted" \
    test "$(jget "$WORK/show.json" "'%s %s' % (j['scope'], j['days'])")" = "tld [-10, -1, 2, 40]"
rg reminders show --tld .com --json >"$WORK/show.json" 2>&1
check "reminders show --tld .com: the built-in default" \
    test "$(jget "$WORK/show.json" "'%s %s' % (j['scope'], j['days'])")" = "builtin [-30, -7, 3]"

rg account add bob --email bob@example.com >/dev/null || bad "bob"
rg account credit bob 11 --ref seed-bob >/dev/null || bad "bob credit"
rg account contact bob --first-name Bob --last-name Jones \
    --address1 "2 Main St" --city Toronto --postal-code M5V1A2 \
    --country CA --phone +1.4165550124 --email bob@example.com \
    >/dev/null || bad "bob contact"
for d in m1.com m2.net m3.com; do
    rg domain register $d --account alice >/dev/null || bad "register $d"
done
rg domain register af.net --account bob >/dev/null || bad "register af.net"
rg lifecycle auto-renew af.net on >/dev/null || bad "auto-renew af.net"
M1=$(dom_id m1.com)
M2=$(dom_id m2.net)
M3=$(dom_id m3.com)
AF=$(dom_id af.net)
E=$(expires m1.com)

# want DOMAIN K - the offsets due for DOMAIN on day K (K days from expiry):
# m1.com the built-in -30, -7, +3; m2.net .net's -10, -1, +2, +40 (+40 in
# redemption); af.net from the day its auto-renewal failed (-7, the renew
# window: the -10 reminder then is the latest due one), then -1, +2, +40;
# m3.com -30 only (renewed by hand on day -20).
want() {
    case "$1:$2" in
    m1.com:-30 | m1.com:-7 | m1.com:3) echo "$2" ;;
    m2.net:-10 | m2.net:-1 | m2.net:2 | m2.net:40) echo "$2" ;;
    af.net:-7) echo -10 ;;
    af.net:-1 | af.net:2 | af.net:40) echo "$2" ;;
    m3.com:-30) echo "$2" ;;
    esac
}

# --- day by day, noon of each day -----------------------------------------------
advance $((E - 31 * DAY + 43200 - $(now)))
life warnings
check "a month and a day ahead: nothing due" \
    test "$(mails 'notice:%:reminder:%')" = 0
BAD_DAYS=
SMTP_UP=
k=-30
while [ $k -le 61 ]; do
    advance $DAY
    if [ $k = 30 ]; then
        # Grace is over: the registry moves the domains to redemption,
        # and the sync reads it from the registrar
        rg lifecycle run sync >/dev/null 2>&1 || bad "sync on day 30"
        check "day 30: the sync found them in redemption, none in grace" \
            test "$(sql "SELECT COUNT(*) FROM domains WHERE status = 'expired'")" = 0 -a \
            "$(sql "SELECT COUNT(*) FROM domains WHERE status = 'redemption'")" -gt 0
    fi
    if [ $k = -20 ]; then
        rg domain renew m3.com --account alice >/dev/null ||
            bad "renew m3.com by hand"
    fi
    if [ $k = -30 ]; then
        rg lifecycle due warnings >"$WORK/due.out" 2>&1
        check "day -30: m1.com and m3.com due (not the auto-renew one)" \
            grep -q "^2 due" "$WORK/due.out"
    fi
    life renew || bad "day $k: renew"
    life expire || bad "day $k: expire"
    before=$(mails 'notice:%:reminder:%')
    life warnings || bad "day $k: warnings"
    life warnings || bad "day $k: warnings again"
    after=$(mails 'notice:%:reminder:%')
    n=0
    for d in m1.com m2.net m3.com af.net; do
        o=$(want $d $k)
        [ -n "$o" ] || continue
        n=$((n + 1))
        id=$(dom_id $d)
        got=$(sql "SELECT COUNT(*) FROM mail_outbox WHERE idem_key LIKE 'notice:$id:reminder:$o:%' AND created_at >= $(($(now) - 3600))")
        [ "$got" = 1 ] || BAD_DAYS="$BAD_DAYS $d@$k:$o=$got"
    done
    [ $((after - before)) = $n ] ||
        BAD_DAYS="$BAD_DAYS day$k:queued=$((after - before)),want=$n"
    if [ $k = 3 ] && smtp_ready "$SMTPD"; then
        # the daemon delivers what is queued so far, then stops
        smtp_start "$SMTPD"
        SMTP_UP=1
        "$REGMAN" serve -c "$WORK/regman.conf" --listen 127.0.0.1:0 \
            --ready-file "$WORK/serve.ready" 2>"$WORK/serve1.log" &
        SERVE_PID=$!
        i=0
        while [ $i -lt 1500 ] &&
            [ "$(sql "SELECT COUNT(*) FROM mail_outbox WHERE idem_key LIKE 'notice:%:reminder:%' AND state <> 'sent'")" != 0 ]; do
            sleep 0.05
            i=$((i + 1))
        done
        kill "$SERVE_PID" 2>/dev/null
        wait "$SERVE_PID" 2>/dev/null
        check "serve (1st run): the reminders queued by day 3 were sent" \
            test "$(sql "SELECT COUNT(*) FROM mail_outbox WHERE idem_key LIKE 'notice:%:reminder:%' AND state <> 'sent'")" = 0
    fi
    k=$((k + 1))
done
check "every reminder queued once, on its day, and none on other days" \
    test -z "$BAD_DAYS"
[ -z "$BAD_DAYS" ] || echo "# wrong:$BAD_DAYS"
check "m1.com: 3 reminders (-30, -7, +3)" \
    test "$(mails "notice:$M1:reminder:%")" = 3
check "m2.net: 4 reminders (.net's schedule)" \
    test "$(mails "notice:$M2:reminder:%")" = 4
check "m3.com: renewed by hand, so the -30 reminder only" \
    test "$(mails "notice:$M3:reminder:%")" = 1
check "af.net: 4 reminders, none before its auto-renewal failed" \
    test "$(mails "notice:$AF:reminder:%")" = 4
check "af.net: the auto-renewal failure was recorded for this expiry" \
    test "$(sql "SELECT COUNT(*) FROM notices WHERE domain_id = $AF AND kind = 'autorenew_failed' AND expires_at = $(expires af.net)")" = 1
check "no mail from the old single expiry warning" \
    test "$(mails 'notice:%:expiry_warning:%')" = 0

body() { sql "SELECT body FROM mail_outbox WHERE idem_key LIKE 'notice:$1:reminder:$2:%'"; }
subject() { sql "SELECT subject FROM mail_outbox WHERE idem_key LIKE 'notice:$1:reminder:$2:%'"; }
has() { printf '%s' "$1" | tr '\n' ' ' | grep -qF -- "$2"; }
check "before expiry: m1.com's 7-day reminder says 7 days" \
    test "$(subject $M1 -7)" = "m1.com expires in 7 days"
check "af.net's reminder says its automatic renewal has not succeeded" \
    has "$(body $AF -10)" "Automatic renewal is on, but it has not succeeded"
GRACE_COM=$(ymd $((E + 30 * DAY)))
check "after expiry (.com, grace): the end of grace and the price with the grace fee" \
    has "$(body $M1 3)" "renew it until $GRACE_COM for 18.00 USD (renewal 13.00 USD + grace fee 5.00 USD)"
check "after expiry (.com): says restoring is not offered" \
    has "$(body $M1 3)" "restoring it is not offered for .com"
check "after expiry: the subject names the end of the grace period" \
    test "$(subject $M1 3)" = "m1.com has expired: its grace period ends $GRACE_COM"
E2=$(expires m2.net)
check "after expiry (.net, grace): the renewal price, then the restore and its price" \
    has "$(body $M2 2)" "renew it until $(ymd $((E2 + 30 * DAY))) for 11.00 USD (the renewal price)" &&
    has "$(body $M2 2)" "restore it until $(ymd $((E2 + 60 * DAY))) for 61.00 USD"
check "in redemption (.net): restore until the end of redemption, restore fee + one year" \
    has "$(body $M2 40)" "restore it until $(ymd $((E2 + 60 * DAY))) for 61.00 USD (restore fee 50.00 USD + one year's renewal 11.00 USD)"

# --- the admin's last chance: before expiry, end of grace, end of redemption --
lc() { sql "SELECT COUNT(*) FROM notices WHERE domain_id = $AF AND kind = '$1'"; }
lc_day() { sql "SELECT (sent_at - expires_at) / 86400 FROM notices WHERE domain_id = $AF AND kind = '$1'"; }
check "last chance before expiry: once, 3 days ahead" \
    test "$(lc last_chance)/$(lc_day last_chance)" = "1/-2"
check "last chance of grace: once, in its last 3 days" \
    test "$(lc last_chance_grace)/$(lc_day last_chance_grace)" = 1/27
check "last chance of redemption: once, in its last 3 days" \
    test "$(lc last_chance_redemption)/$(lc_day last_chance_redemption)" = 1/57
check "last-chance alerts go to the admin" \
    test "$(sql "SELECT COUNT(*) FROM mail_outbox WHERE idem_key LIKE 'notice:$AF:last_chance%' AND to_addr = 'admin@example.net'")" = 3
check "the grace alert names the end of grace" \
    has "$(sql "SELECT body FROM mail_outbox WHERE idem_key LIKE 'notice:$AF:last_chance_grace:%'")" "grace period ends on $(ymd $(($(expires af.net) + 30 * DAY)))"
check "manual-renewal domains get no last-chance alert" \
    test "$(sql "SELECT COUNT(*) FROM notices WHERE domain_id IN ($M1, $M2, $M3) AND kind LIKE 'last_chance%'")" = 0

# --- catch-up: a daemon down for weeks sends the latest due reminder only ----
rg domain register cu.com --account alice >/dev/null || bad "register cu.com"
CU=$(dom_id cu.com)
advance $(($(expires cu.com) - 6 * DAY - 43200 - $(now)))
life warnings
life warnings
check "catch-up: only the 7-day reminder is sent, not the 30-day one too" \
    test "$(mails "notice:$CU:reminder:%")/$(mails "notice:$CU:reminder:-7:%")" = 1/1
check "catch-up: the 30-day one is recorded as skipped" \
    test "$(sql "SELECT COUNT(*) FROM notices WHERE domain_id = $CU AND kind = 'reminder-skipped:-30'")" = 1
advance $DAY
life warnings
check "catch-up: the skipped one is not sent later" \
    test "$(mails "notice:$CU:reminder:%")" = 1

# --- the daemon again: every reminder arrives, once ----------------------------
if [ -n "$SMTP_UP" ]; then
    "$REGMAN" serve -c "$WORK/regman.conf" --listen 127.0.0.1:0 \
        --ready-file "$WORK/serve2.ready" 2>"$WORK/serve2.log" &
    SERVE_PID=$!
    i=0
    while [ $i -lt 1500 ] &&
        [ "$(sql "SELECT COUNT(*) FROM mail_outbox WHERE idem_key LIKE 'notice:%:reminder:%' AND state <> 'sent'")" != 0 ]; do
        sleep 0.05
        i=$((i + 1))
    done
    kill "$SERVE_PID" 2>/dev/null
    wait "$SERVE_PID" 2>/dev/null
    # accepted by the server: delivered to the maildir, or in Exim's queue
    # (it queues after 10 messages on one connection)
    copies() {
        grep -rlsF -- "$1" "$SMTPDIR/s/mail/new" "$SMTPDIR/s/spool/input" |
            grep -cv -- '-D$'
    }
    sql_rows "SELECT message_id FROM mail_outbox WHERE idem_key LIKE 'notice:%:reminder:%'" >"$WORK/mids"
    total=0
    once=0
    while read -r mid; do
        total=$((total + 1))
        [ "$(copies "$mid")" = 1 ] && once=$((once + 1))
    done <"$WORK/mids"
    check "serve: all $total reminders reached the SMTP server, once each (by Message-ID)" \
        test "$total" = 13 -a "$once" = "$total"
    check "serve: the daemon's own lifecycle runs added no reminder" \
        test "$(mails 'notice:%:reminder:%')" = 13
fi

audit_clean "after the reminders"
finish
