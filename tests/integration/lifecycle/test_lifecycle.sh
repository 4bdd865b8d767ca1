#!/bin/sh
# test_lifecycle - the daily lifecycle against the real opensrs-sim, with
# regman's clock (REGMAN_CLOCK_FILE) and the sim's (/clock/advance) moved
# forward together: a reminder sent once, auto-renew charging and
# renewing once, insufficient funds mailed daily and then renewed after a
# credit, the last-chance alert once, expired marking, portfolio sync
# (drift corrected and reported, missing flagged and restored, domains
# unknown here named, kept and mailed once), import of a three-page
# portfolio and of named domains (--only), and crashes inside an automatic
# renewal.
# Mail is asserted on the outbox rows, and at the end `regman serve` (which
# runs the lifecycle jobs too) delivers it to a real SMTP server
# (scripts/smtp-test-server) when Exim is installed.
# usage: test_lifecycle.sh REGMAN OPENSRS_SIM TEMPLATES_DIR [SMTP_SERVER]
REGMAN=$1
SIM=$2
TEMPLATES=$3
SMTPD=${4:-}
. "$(dirname "$0")/../core/lib.sh"

sim_start
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
# goto_before DOMAIN SECONDS - move both clocks to SECONDS before expiry
goto_before() {
    advance $(($(expires "$1") - $2 - $(now)))
}
life() { rg lifecycle run "$@" >"$WORK/life.out" 2>"$WORK/life.err"; }
mails() { sql "SELECT COUNT(*) FROM mail_outbox WHERE idem_key LIKE '$1'"; }
renew_ops() { sql "SELECT COUNT(*) FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = '$1' AND o.kind = 'renew' AND o.state = '${2:-succeeded}'"; }
renew_net() { sql "SELECT (SELECT COUNT(*) FROM ledger_postings p JOIN operations o ON o.id = p.operation_id JOIN domains d ON d.id = o.domain_id WHERE d.name = '$1' AND o.kind = 'renew' AND p.kind = 'charge') - (SELECT COUNT(*) FROM ledger_postings p JOIN operations o ON o.id = p.operation_id JOIN domains d ON d.id = o.domain_id WHERE d.name = '$1' AND o.kind = 'renew' AND p.kind = 'refund')"; }

# --- setup: three customers' domains -----------------------------------------
rg account add bob --email bob@example.com >/dev/null || bad "bob"
rg account credit bob 12.50 --ref seed-bob >/dev/null || bad "bob credit"
rg account contact bob --first-name Bob --last-name Jones \
    --address1 "2 Main St" --city Toronto --postal-code M5V1A2 \
    --country CA --phone +1.4165550124 --email bob@example.com \
    >/dev/null || bad "bob contact"
for d in w1.com ar.com gone.com; do
    rg domain register $d --account alice >/dev/null || bad "register $d"
done
rg domain register nf.com --account bob >/dev/null || bad "register nf.com"
rg lifecycle auto-renew ar.com on >/dev/null || bad "auto-renew ar.com"
rg lifecycle auto-renew nf.com on --account bob >/dev/null ||
    bad "auto-renew nf.com"
expect_rc 2 "auto-renew switch refuses another account's domain" -- \
    rg lifecycle auto-renew w1.com on --account bob
check "bob's balance is 0 after registering" \
    test "$(balance_of bob)" = 0

life
check "nothing is due a year ahead" \
    test "$(sql "SELECT COUNT(*) FROM notices")/$(sim_count RENEW ar.com)" = 0/0

# --- reminders (the warnings step): once per domain, expiry and offset -----
# The built-in schedule (-30, -7, +3 days) for domains on manual renewal:
# w1.com and gone.com; ar.com and nf.com renew automatically and are not
# reminded unless that fails.
goto_before w1.com $((29 * 86400 + 43200))
rg lifecycle due warnings >"$WORK/due.out" 2>&1
check "2 domains due a reminder at 29.5 days (not the auto-renew ones)" \
    grep -q "^2 due" "$WORK/due.out"
for i in 1 2 3; do life warnings || bad "warnings run $i"; done
check "warnings: stats line" grep -q "warnings: 0 sent" "$WORK/life.out"
W1=$(dom_id w1.com)
check "w1.com: one 30-day reminder queued" \
    test "$(mails "notice:$W1:reminder:-30:%")" = 1
check "w1.com: one notice" \
    test "$(sql "SELECT COUNT(*) FROM notices WHERE domain_id = $W1 AND kind = 'reminder:-30'")" = 1
check "the reminder goes to the customer and names the domain" \
    test "$(sql "SELECT to_addr || ' ' || subject FROM mail_outbox WHERE idem_key LIKE 'notice:$W1:reminder:-30:%'")" = "alice@example.com w1.com expires in 30 days"
advance 86400
life warnings
check "a day later: still one reminder for w1.com" \
    test "$(mails "notice:$W1:reminder:%")" = 1
check "two reminders in all" \
    test "$(mails 'notice:%:reminder:%')" = 2
check "no mail from the old expiry_warning step" \
    test "$(mails 'notice:%:expiry_warning:%')" = 0
rg lifecycle due warnings >"$WORK/due.out" 2>&1
check "nothing due a reminder any more" grep -q "^0 due" "$WORK/due.out"

# --- auto-renew: charged once, renewed once -----------------------------------
AR=$(dom_id ar.com)
NF=$(dom_id nf.com)
E_AR=$(expires ar.com)
goto_before ar.com $((6 * 86400 + 43200))
rg lifecycle due renewals >"$WORK/due.out" 2>&1
check "ar.com and nf.com are due a renewal" grep -q "^2 due" "$WORK/due.out"
life renew
check "renew: ar.com renewed" grep -q "renew: 1 renewed" "$WORK/life.out"
check "renew: nf.com waits for funds" grep -q "1 waiting for funds" \
    "$WORK/life.out"
check "ar.com: RENEW sent once" test "$(sim_count RENEW ar.com)" = 1
check "ar.com: one succeeded renewal, charged once" \
    test "$(renew_ops ar.com)/$(renew_net ar.com)" = 1/1
check "ar.com: expiry moved a year" \
    test $(($(expires ar.com) - E_AR)) -ge $((365 * 86400))
check "ar.com: the renewal carries the lifecycle's key" \
    test -n "$(sql "SELECT id FROM operations WHERE domain_id = $AR AND idempotency_key = 'autorenew:$AR:$E_AR:1'")"
check "ar.com: autorenew_done mail once" \
    test "$(mails 'autorenew-done:%')" = 1
check "ar.com: no second, generic completion mail" \
    test "$(sql "SELECT COUNT(*) FROM mail_outbox m JOIN operations o ON m.idem_key = 'op:' || o.id || ':succeeded' WHERE o.domain_id = $AR AND o.kind = 'renew'")" = 0
check "nf.com: no operation without funds" \
    test "$(sql "SELECT COUNT(*) FROM operations WHERE domain_id = $NF AND kind = 'renew'")" = 0
check "nf.com: customer and admin told (2 mails)" \
    test "$(mails "autorenew-nofunds:$NF:%")" = 2
check "nf.com: the admin's copy" \
    test "$(sql "SELECT to_addr FROM mail_outbox WHERE idem_key LIKE 'autorenew-nofunds:$NF:%:admin'")" = admin@example.net
life renew
life renew
check "re-runs the same day: RENEW still once, no new mail" \
    test "$(sim_count RENEW ar.com)/$(renew_net ar.com)/$(mails "autorenew-nofunds:$NF:%")/$(mails 'autorenew-done:%')" = 1/1/2/1
advance 86400
life renew
check "next day: nf.com mailed again (daily retry)" \
    test "$(mails "autorenew-nofunds:$NF:%")" = 4
check "next day: ar.com not renewed again" \
    test "$(sim_count RENEW ar.com)/$(renew_ops ar.com)" = 1/1
life warnings
check "nf.com: its auto-renewal failed, so it gets the 7-day reminder" \
    test "$(mails "notice:$NF:reminder:-7:%")" = 1
check "ar.com (renewed automatically) gets no reminder" \
    test "$(mails "notice:$AR:reminder:%")" = 0
audit_clean "after auto-renew"

# --- last chance, then success after a credit --------------------------------
goto_before nf.com $((2 * 86400 + 43200))
life renew
check "last chance: one admin alert for nf.com" \
    test "$(mails "notice:$NF:last_chance:%")" = 1
check "last chance: to the admin" \
    test "$(sql "SELECT to_addr FROM mail_outbox WHERE idem_key LIKE 'notice:$NF:last_chance:%'")" = admin@example.net
check "last chance body names insufficient funds" \
    test -n "$(sql "SELECT id FROM mail_outbox WHERE idem_key LIKE 'notice:$NF:last_chance:%' AND body LIKE '%insufficient funds%'")"
life renew
check "last chance: still one alert after a re-run" \
    test "$(mails "notice:$NF:last_chance:%")" = 1
check "ar.com (renewed) gets no last-chance alert" \
    test "$(mails "notice:$AR:last_chance:%")" = 0
E_NF=$(expires nf.com)
rg account credit bob 20 --ref topup-bob >/dev/null || bad "credit bob"
life renew
check "after the credit nf.com is renewed once" \
    test "$(sim_count RENEW nf.com)/$(renew_ops nf.com)/$(renew_net nf.com)" = 1/1/1
check "nf.com: expiry moved" test "$(expires nf.com)" -gt "$E_NF"
check "nf.com: bob paid 13.00 (balance 7.00)" \
    test "$(sql "SELECT balance FROM accounts WHERE name = 'bob'")" = 700
life renew
check "nf.com: a re-run renews nothing more" \
    test "$(sim_count RENEW nf.com)" = 1

# --- expired marking ------------------------------------------------------------
goto_before w1.com -86400
life expire
check "expire: w1.com and gone.com marked expired" \
    grep -q "expire: 2 marked expired" "$WORK/life.out"
check "w1.com is expired" test "$(dom_status w1.com)" = expired
check "renewed domains stay active" \
    test "$(dom_status ar.com)/$(dom_status nf.com)" = active/active
life expire
check "expire: a re-run marks nothing" \
    grep -q "expire: 0 marked expired" "$WORK/life.out"
audit_clean "after expiry"

# --- portfolio sync ----------------------------------------------------------------
# ar.com's expiry moved at the registrar; gone.com left the reseller
ctl POST /domains '{"name":"ar.com","owner":"test","expiry":"2031-03-04 05:06:07"}' >/dev/null ||
    bad "sim drift"
ctl POST /domains '{"name":"gone.com","owner":"other"}' >/dev/null ||
    bad "sim gone"
life sync
check "sync: drift and missing counted" \
    grep -q "1 expiry corrected, 1 missing" "$WORK/life.out"
check "sync: ar.com's expiry corrected" \
    test "$(expires ar.com)" = "$(python3 -c 'import calendar,time
print(calendar.timegm(time.strptime("2031-03-04 05:06:07", "%Y-%m-%d %H:%M:%S")))')"
check "sync: gone.com flagged missing, not deleted" \
    test "$(dom_status gone.com)" = missing
check "sync: one report to the admin" \
    test "$(mails 'sync:%')" = 1
check "sync: the report lists both" \
    test -n "$(sql "SELECT id FROM mail_outbox WHERE idem_key LIKE 'sync:%' AND to_addr = 'admin@example.net' AND body LIKE '%ar.com: % -> 2031-03-04%' AND body LIKE '%gone.com: expires%'")"
life sync
check "sync again: nothing changes, no second report" \
    test "$(mails 'sync:%')/$(dom_status gone.com)" = 1/missing
ctl POST /domains "{\"name\":\"gone.com\",\"owner\":\"test\",\"expiry\":\"2030-01-01 00:00:00\"}" >/dev/null
life sync
check "sync: gone.com listed again -> restored" \
    test "$(dom_status gone.com)" = active
check "sync: the restore is reported" test "$(mails 'sync:%')" = 2
audit_clean "after sync"

# --- import: a portfolio of three pages (500 per page) -------------------------
python3 - "$CTL" <<'EOF' || bad "seeding the sim"
import http.client, json, sys, time
host = sys.argv[1].split("//")[1]
c = http.client.HTTPConnection(host)
c.request("GET", "/clock")
base = json.loads(c.getresponse().read())["now"] + 20 * 86400
for i in range(1100):
    exp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(base + i * 3600))
    body = json.dumps({"name": "port%04d.com" % i, "owner": "test",
                       "expiry": exp})
    c.request("POST", "/domains", body, {"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    if r.status != 200:
        sys.exit("POST /domains: %d" % r.status)
EOF
rg account add carol --email carol@example.com >/dev/null || bad "carol"
ctl POST /counts/reset >/dev/null
rg import sim --account carol >"$WORK/import.out" 2>"$WORK/import.err"
check "import: exit 0" test $? = 0
check "import: 1100 adopted" grep -q "1100 adopted" "$WORK/import.out"
check "import: known ones skipped" grep -q "4 skipped" "$WORK/import.out"
check "import: carol owns 1100 active domains" \
    test "$(sql "SELECT COUNT(*) FROM domains d JOIN accounts a ON a.id = d.account_id WHERE a.name = 'carol' AND d.status = 'active' AND d.import_id IS NOT NULL")" = 1100
ctl GET /counts >"$WORK/counts.json"
check "import: three pages asked for" \
    test "$(jget "$WORK/counts.json" "j['actions'].get('GET_DOMAINS_BY_EXPIREDATE', 0)")" = 3
check "import: no charge" \
    test "$(sql "SELECT balance FROM accounts WHERE name = 'carol'")" = 0
check "import: one import record" \
    test "$(sql "SELECT adopted || '/' || listed FROM imports")" = 1100/1104
check "import: no progress bar when stdout is not a terminal" \
    sh -c "! grep -q '#' '$WORK/import.out' && ! grep -q '#' '$WORK/import.err'"
rg import sim --account carol >"$WORK/import.out" 2>&1
check "import again: nothing new" grep -q " 0 adopted, 1104 skipped" \
    "$WORK/import.out"
# on a terminal (script(1) gives the command a pty) the bar comes first
script -qec "'$REGMAN' import -c '$WORK/regman.conf' sim --account carol" \
    /dev/null >"$WORK/import.tty" 2>&1
check "import on a terminal: a progress bar, then the summary" \
    sh -c "grep -q 'import: \[#*\] 1104/1104 (100%)' '$WORK/import.tty' &&
        grep -q ' 0 adopted, 1104 skipped' '$WORK/import.tty'"
expect_rc 2 "import: unknown account" -- rg import sim --account nobody
expect_rc 2 "import: bad date" -- rg import sim --account carol --from 2020-13-01
audit_clean "after import"

# --- sync names the domains unknown here ----------------------------------------
# u-one.com and u-two.com are ours at the registrar, but regman never
# registered or imported them.
uexp() { date -u -d "@$(($(now) + $1 * 86400))" '+%Y-%m-%d %H:%M:%S'; }
epoch() { date -u -d "$1" +%s; }
unk() { sql "SELECT COUNT(*) FROM registrar_unknown"; }
sync_mail() { sql "SELECT $1 FROM mail_outbox WHERE idem_key LIKE 'sync:%' ORDER BY id DESC LIMIT 1"; }
E1=$(uexp 200)
E2=$(uexp 300)
E3=$(uexp 400)
ctl POST /domains "{\"name\":\"u-one.com\",\"owner\":\"test\",\"expiry\":\"$E1\"}" >/dev/null ||
    bad "sim u-one.com"
ctl POST /domains "{\"name\":\"u-two.com\",\"owner\":\"test\",\"expiry\":\"$E2\"}" >/dev/null ||
    bad "sim u-two.com"
S0=$(mails 'sync:%')
life sync
check "sync: 2 unknown here, both new" \
    grep -q "2 unknown here (2 new)" "$WORK/life.out"
check "sync names each unknown domain with the registrar's expiry" \
    sh -c "grep -q 'unknown: u-one.com  *expires ${E1%% *} *sim' '$WORK/life.out' &&
        grep -q 'unknown: u-two.com  *expires ${E2%% *} *sim' '$WORK/life.out'"
check "sync: the unknown names are kept, with the registrar's expiry" \
    test "$(unk)/$(sql "SELECT expires_at FROM registrar_unknown WHERE name = 'u-one.com'")" = "2/$(epoch "$E1")"
check "sync: nothing else changed, yet one report is sent for the new names" \
    test "$(mails 'sync:%')" = $((S0 + 1))
check "the report names them, new, with their expiry" \
    sh -c "echo \"\$1\" | grep -q 'u-one.com: expires ${E1%% *}, new' &&
        echo \"\$1\" | grep -q 'u-two.com: expires ${E2%% *}, new'" - "$(sync_mail body)"
check "the report's subject counts them" \
    sh -c "echo \"\$1\" | grep -q '2 new unknown'" - "$(sync_mail subject)"
F1=$(sql "SELECT first_seen_at FROM registrar_unknown WHERE name = 'u-one.com'")
life sync
check "sync again: still named, none new" \
    sh -c "grep -q '2 unknown here (0 new)' '$WORK/life.out' &&
        grep -q 'unknown: u-one.com' '$WORK/life.out'"
check "sync again: the same names are not mailed again" \
    test "$(mails 'sync:%')" = $((S0 + 1))
check "sync again: a name keeps its first sighting" \
    test "$(sql "SELECT first_seen_at FROM registrar_unknown WHERE name = 'u-one.com'")" = "$F1"
rg lifecycle unknown --json >"$WORK/unknown.json" 2>&1
check "lifecycle unknown --json lists both names between syncs" \
    test "$(jget "$WORK/unknown.json" "str(j['unknown']) + ' ' + ','.join(sorted(d['name'] for d in j['domains']))")" = "2 u-one.com,u-two.com"
check "lifecycle unknown --json: the registrar's expiry and the connection" \
    test "$(jget "$WORK/unknown.json" "[d['expires_at'] for d in j['domains'] if d['name'] == 'u-two.com'][0]")/$(jget "$WORK/unknown.json" "j['domains'][0]['connection']")" = "$E2/sim"
rg lifecycle unknown sim >"$WORK/unknown.out" 2>&1
check "lifecycle unknown CONNECTION: one line per name, then the count" \
    sh -c "grep -q '^u-two.com  *expires ${E2%% *} *sim' '$WORK/unknown.out' &&
        grep -q '^2 unknown here' '$WORK/unknown.out'"
expect_rc 2 "lifecycle unknown of a connection that does not exist" -- \
    rg lifecycle unknown nosuch
ctl POST /domains "{\"name\":\"u-three.com\",\"owner\":\"test\",\"expiry\":\"$E3\"}" >/dev/null ||
    bad "sim u-three.com"
life sync
check "a third unknown name is a change: a second report" \
    test "$(mails 'sync:%')" = $((S0 + 2))
check "the second report marks only the third name new" \
    sh -c "echo \"\$1\" | grep -q 'u-three.com: expires ${E3%% *}, new' &&
        echo \"\$1\" | grep -q 'u-one.com: expires ${E1%% *}\$'" - "$(sync_mail body)"
rg lifecycle run sync --json >"$WORK/sync.json" 2>&1
check "lifecycle run sync --json names them (unknown_names), none new" \
    test "$(jget "$WORK/sync.json" "'%d/%d/' % (j['sync']['unknown'], j['sync']['unknown_new']) + ','.join(sorted(d['name'] for d in j['sync']['unknown_names']))")" = "3/0/u-one.com,u-three.com,u-two.com"
check "a sync that finds the same names again mails nothing" \
    test "$(mails 'sync:%')" = $((S0 + 2))

# adopting named domains: import --only
SIG=$(dbsig)
NIMP=$(sql "SELECT COUNT(*) FROM imports")
expect_rc 2 "import --only: a name not at the registrar is refused" -- \
    rg import sim --account bob --only u-one.com,not-there.com
check "the refusal names it" grep -q "not-there.com" "$WORK/err"
check "the refusal does not name the listed one" \
    sh -c "! grep -q 'u-one.com' '$WORK/err'"
expect_rc 2 "import --only: an invalid name is refused" -- \
    rg import sim --account bob --only "u-one.com,bad_name..com"
check "that refusal names it" grep -q "bad_name..com" "$WORK/err"
check "refused imports changed nothing (no import record either)" \
    test "$(dbsig)/$(sql "SELECT COUNT(*) FROM imports")/$(unk)" = "$SIG/$NIMP/3"
ctl POST /counts/reset >/dev/null
rg import sim --account bob --only U-ONE.com --only u-one.com --json \
    >"$WORK/import.json" 2>"$WORK/import.err"
check "import --only: exit 0" test $? = 0
check "import --only: the one name adopted" \
    test "$(jget "$WORK/import.json" "'%d/%d/%d' % (j['listed'], j['adopted'], j['skipped'])")" = 1/1/0
check "import --only: bob owns u-one.com, active, with the registrar's expiry" \
    test "$(sql "SELECT a.name || '/' || d.status || '/' || d.expires_at FROM domains d JOIN accounts a ON a.id = d.account_id WHERE d.name = 'u-one.com' AND d.import_id IS NOT NULL")" = "bob/active/$(epoch "$E1")"
check "import --only: nothing else adopted" \
    test "$(sql "SELECT COUNT(*) FROM domains WHERE name IN ('u-two.com', 'u-three.com')")" = 0
check "import --only: u-one.com leaves the unknown list at once" \
    test "$(unk)/$(sql "SELECT COUNT(*) FROM registrar_unknown WHERE name = 'u-one.com'")" = 2/0
check "import --only: no charge" \
    test "$(sql "SELECT balance FROM accounts WHERE name = 'bob'")" = 700
# u-two.com leaves the reseller: it drops off the list at the next sync
ctl POST /domains '{"name":"u-two.com","owner":"other"}' >/dev/null ||
    bad "sim u-two.com away"
S1=$(mails 'sync:%')
life sync
check "sync: a name gone from the registrar drops off the list" \
    test "$(unk)/$(sql "SELECT name FROM registrar_unknown")" = 1/u-three.com
check "sync: u-one.com (adopted) is not unknown, and nothing new is mailed" \
    test "$(mails 'sync:%')/$(dom_status u-one.com)" = "$S1/active"
audit_clean "after adopting by name"

# --- rate limit: the lifecycle's calls are paced like the sweep's --------------
# 600 calls a minute = 100 ms apart; sync asks for the 1100 imported domains
# page by page (500 per page)
sql_write "UPDATE registrar_connections SET rate_per_min = 600"
ctl POST /counts/reset >/dev/null
t0=$(date +%s%N)
life sync
t1=$(date +%s%N)
ctl GET /counts >"$WORK/counts.json"
calls=$(jget "$WORK/counts.json" "sum(j['actions'].values())")
check "rate-limited sync: several pages asked for" test "$calls" -ge 3
check "sync calls at most 600/min: >= (calls-1) x 100 ms" \
    test $(((t1 - t0) / 1000000)) -ge $(((calls - 1) * 100))
sql_write "UPDATE registrar_connections SET rate_per_min = 0"

# --- crashes inside an automatic renewal --------------------------------------------
# cr-* register a day apart, so each is alone in its renewal window.
for p in after_charge after_send before_settle; do
    d=cr-$(echo $p | tr _ -).com
    rg domain register "$d" --account alice >/dev/null || bad "register $d"
    rg lifecycle auto-renew "$d" on >/dev/null || bad "auto-renew $d"
    advance 86400
done
for p in after_charge after_send before_settle; do
    d=cr-$(echo $p | tr _ -).com
    goto_before "$d" $((6 * 86400 + 80000))
    e0=$(expires "$d")
    REGMAN_CRASH_AT=$p rg lifecycle run renew >/dev/null 2>&1
    rc=$?
    check "auto-renew: aborted at $p (exit $rc)" test "$rc" -ge 128
    life renew
    life renew
    audit_clean "auto-renew $p: after the re-runs"
    check "auto-renew $p: one renewal at the sim" \
        test "$(sim_count RENEW "$d")" = 1
    check "auto-renew $p: charged once (net)" test "$(renew_net "$d")" = 1
    check "auto-renew $p: one succeeded renewal" test "$(renew_ops "$d")" = 1
    check "auto-renew $p: expiry moved" test "$(expires "$d")" -gt "$e0"
    check "auto-renew $p: domain active" test "$(dom_status "$d")" = active
    check "auto-renew $p: one done mail" \
        test "$(mails "autorenew-done:%")" -ge 1 -a \
        "$(sql "SELECT COUNT(*) FROM notices WHERE domain_id = $(dom_id "$d") AND kind = 'autorenew_done'")" = 1
done
check "after_charge: the attempt that never left was refunded, the retry renewed" \
    test "$(renew_ops cr-after-charge.com failed)" = 1

# --- the daemon: lifecycle jobs registered, mail delivered over SMTP --------
if smtp_ready "$SMTPD"; then
    smtp_start "$SMTPD"
    # Accepted by the server: delivered to the maildir, or in Exim's queue
    # (Exim queues, rather than delivers, after 10 messages on one
    # connection: smtp_accept_queue_per_connection).
    arrived() {
        grep -rqs -F "$1" "$SMTPDIR/s/mail/new" "$SMTPDIR/s/spool/input"
    }
    lc=$(sql "SELECT message_id FROM mail_outbox WHERE idem_key LIKE 'notice:$NF:last_chance:%'")
    wm=$(sql "SELECT message_id FROM mail_outbox WHERE idem_key LIKE 'notice:$W1:reminder:-30:%'")
    "$REGMAN" serve -c "$WORK/regman.conf" --listen 127.0.0.1:0 \
        --ready-file "$WORK/serve.ready" 2>"$WORK/serve.log" &
    SERVE_PID=$!
    i=0
    while [ $i -lt 1500 ]; do
        if arrived "$lc" && arrived "$wm"; then break; fi
        sleep 0.02
        i=$((i + 1))
    done
    check "serve: the last-chance alert reached the SMTP server" arrived "$lc"
    check "serve: the 30-day reminder reached the SMTP server" arrived "$wm"
    check "serve: the four lifecycle jobs are registered" \
        test "$(sql "SELECT COUNT(*) FROM jobs WHERE kind LIKE 'lifecycle.%'")" = 4
    kill "$SERVE_PID" 2>/dev/null
    wait "$SERVE_PID" 2>/dev/null
    smtp_stop
    check "serve: the daemon's lifecycle runs sent no reminder twice" \
        test "$(mails "notice:$W1:reminder:-30:%")" = 1
    audit_clean "after the daemon"
fi

finish
