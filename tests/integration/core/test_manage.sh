#!/bin/sh
# test_manage - what an owner changes after the sale, through the real
# regman and opensrs-sim binaries: nameservers (checked at the registry,
# read back from the sim), child nameservers (added, renamed, refused
# while in use, removed), contacts (one type, or all of the customer's
# domains), the registrar lock (a transfer away attempted at
# the sim is refused while it is on), the auth code (shown, reset, sent);
# another customer reaches none of it; each change is recorded with its
# outcome, and one whose answer is lost is settled by reading the domain
# back, never sent again. A domain moved away at the sim becomes
# transferred_away at the next sync, its auto-renew stops, the customer
# and the admin are told once.
# usage: test_manage.sh REGMAN OPENSRS_SIM TEMPLATES_DIR
REGMAN=$1
SIM=$2
TEMPLATES=$3
. "$(dirname "$0")/lib.sh"

# .ca synchronous here: a .ca domain is registered at once (it has no
# WHOIS privacy at the sim)
sim_start --async-tlds de,co.uk
setup_regman
rg account add bob --email bob@example.com >/dev/null || exit 1
rg domain register shop.com --account alice >/dev/null
check "shop.com registered" test "$(dom_status shop.com)" = active

# --- nameservers ----------------------------------------------------------
rg domain ns shop.com --json >"$WORK/ns.json"
check "the nameservers as registered" \
    test "$(jget "$WORK/ns.json" "','.join(j['nameservers'])")" = \
    "ns1.example.net,ns2.example.net"
rg domain ns shop.com --account alice --set ns3.example.net,ns4.example.net \
    --json >"$WORK/set.json"
check "set: succeeded" test "$(jget "$WORK/set.json" "j['state']")" = succeeded
ctl GET /state >"$WORK/state.json"
check "the sim holds the new nameservers" test "$(jget "$WORK/state.json" \
    "','.join(j['domains']['shop.com']['nameservers'])")" = \
    "ns3.example.net,ns4.example.net"
rg domain ns shop.com --json >"$WORK/ns.json"
check "read back through regman" \
    test "$(jget "$WORK/ns.json" "','.join(j['nameservers'])")" = \
    "ns3.example.net,ns4.example.net"

# a host the registry does not know is added there first (REGISTRY_ADD_NS)
ctl POST /hosts '{"name":"ns9.example.net","known":false}' >/dev/null
expect_rc 0 "an external host unknown at the registry is added, then set" -- \
    rg domain ns shop.com --set ns3.example.net,ns9.example.net
check "REGISTRY_ADD_NS asked once" \
    test "$(ctl GET /counts | python3 -c 'import json,sys; print(json.load(sys.stdin)["actions"].get("REGISTRY_ADD_NS", 0))')" = 1
# one that cannot be added (a host under another of our domains, not
# created): refused, naming it, nothing assigned
rg domain register other.com --account alice >/dev/null
before=$(sim_count ADVANCED_UPDATE_NAMESERVERS shop.com)
expect_rc 1 "a host the registry cannot add is refused" -- \
    rg domain ns shop.com --set ns3.example.net,ns1.other.com
check "the refusal names the host" grep -q 'ns1.other.com' "$WORK/out"
check "nothing assigned at the sim" \
    test "$(sim_count ADVANCED_UPDATE_NAMESERVERS shop.com)" = "$before"
# a child host of the domain itself must be created first
expect_rc 1 "a child host not created yet is refused" -- \
    rg domain ns shop.com --set ns1.shop.com,ns3.example.net
expect_rc 2 "one nameserver is bad usage" -- \
    rg domain ns shop.com --set ns3.example.net

# --- child nameservers -----------------------------------------------------
expect_rc 0 "a child nameserver with IPv4 and IPv6" -- \
    rg domain host shop.com add ns1.shop.com --ip 192.0.2.10,2001:db8::10
rg domain host shop.com --json >"$WORK/hosts.json"
check "listed with its addresses" \
    test "$(jget "$WORK/hosts.json" "j[0]['name'] + ' ' + j[0]['ipv4'] + ' ' + j[0]['ipv6']")" = \
    "ns1.shop.com 192.0.2.10 2001:db8::10"
expect_rc 0 "now it can serve the domain" -- \
    rg domain ns shop.com --set ns1.shop.com,ns3.example.net
expect_rc 0 "new address, new name" -- \
    rg domain host shop.com set ns1.shop.com --ip 192.0.2.20 --rename dns1.shop.com
ctl GET /state >"$WORK/state.json"
check "the sim holds the renamed host, IPv4 only" test "$(jget "$WORK/state.json" \
    "','.join(j['hosts']['dns1.shop.com']['ipaddress']) + ' ' + str(len(j['hosts']['dns1.shop.com'].get('ipv6', [])))")" = \
    "192.0.2.20 0"
check "the domain follows the rename" test "$(jget "$WORK/state.json" \
    "','.join(j['domains']['shop.com']['nameservers'])")" = \
    "dns1.shop.com,ns3.example.net"
expect_rc 1 "a host in use cannot be removed" -- \
    rg domain host shop.com rm dns1.shop.com
check "the registry's refusal, read back" grep -q 'still there' "$WORK/out"
expect_rc 2 "a host outside the domain is bad input" -- \
    rg domain host shop.com add ns1.other.net --ip 192.0.2.1
expect_rc 2 "two IPv4 addresses are bad input" -- \
    rg domain host shop.com add ns2.shop.com --ip 192.0.2.1,192.0.2.2
expect_rc 2 "an address that is none is bad input" -- \
    rg domain host shop.com add ns2.shop.com --ip 300.1.1.1
expect_rc 0 "back to external nameservers" -- \
    rg domain ns shop.com --set ns3.example.net,ns4.example.net
expect_rc 0 "then the host goes" -- rg domain host shop.com rm dns1.shop.com
rg domain host shop.com --json >"$WORK/hosts.json"
check "no child nameserver left" test "$(jget "$WORK/hosts.json" "len(j)")" = 0

# --- contacts -------------------------------------------------------------
rg domain contacts shop.com --json >"$WORK/contacts.json"
check "the owner contact as registered" \
    test "$(jget "$WORK/contacts.json" "j['owner']['first_name'] + ' ' + j['owner']['city']")" = \
    "Alice Toronto"
expect_rc 0 "the owner moves" -- rg domain contacts shop.com --account alice \
    --type owner --city Ottawa --postal-code K1A0B1
ctl GET /state >"$WORK/state.json"
check "the sim holds the new owner address, the rest kept" test "$(jget "$WORK/state.json" \
    "(lambda c: c['city'] + ' ' + c['postal_code'] + ' ' + c['first_name'])(j['domains']['shop.com']['contact_set']['owner'])")" = \
    "Ottawa K1A0B1 Alice"
check "the record names the fields, not their values" \
    test "$(sql "SELECT COUNT(*) FROM domain_changes WHERE kind = 'contacts' AND request LIKE '%Ottawa%'")" = 0
expect_rc 2 "a phone without its country code is bad input" -- \
    rg domain contacts shop.com --phone 4165550123
expect_rc 2 "a country that is none is bad input" -- \
    rg domain contacts shop.com --type admin --country XX
expect_rc 2 "an unknown contact type is bad usage" -- \
    rg domain contacts shop.com --type boss --city Ottawa
rg domain contacts shop.com --type admin --email hostmaster@alice.example \
    --all-domains --json >"$WORK/all.json"
check "all of alice's domains: one change each" \
    test "$(jget "$WORK/all.json" "' '.join(e['domain'] + ':' + e['state'] for e in j)")" = \
    "other.com:succeeded shop.com:succeeded"
ctl GET /state >"$WORK/state.json"
check "the sim holds the admin e-mail on both" test "$(jget "$WORK/state.json" \
    "j['domains']['other.com']['contact_set']['admin']['email'] + ' ' + j['domains']['shop.com']['contact_set']['admin']['email']")" = \
    "hostmaster@alice.example hostmaster@alice.example"

# --- lock -----------------------------------------------------------------
expect_rc 0 "lock on" -- rg domain lock shop.com on --account alice
rg domain lock shop.com --json >"$WORK/lock.json"
check "shown locked" test "$(jget "$WORK/lock.json" "j['locked']")" = True
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST \
    -H 'Content-Type: application/json' -d '{"domain":"shop.com"}' \
    "$CTL/transfers/away")
check "a transfer away is refused at the sim while locked" test "$code" = 409
expect_rc 0 "lock off" -- rg domain lock shop.com off
rg domain lock shop.com --json >"$WORK/lock.json"
check "shown unlocked" test "$(jget "$WORK/lock.json" "j['locked']")" = False

# --- WHOIS privacy ----------------------------------------------------------
rg domain privacy shop.com --account alice --json >"$WORK/priv.json"
check "privacy: off as registered, offered for .com" test "$(jget "$WORK/priv.json" \
    "str(j['privacy']) + ' ' + j['state'] + ' ' + j['offered']")" = \
    "False disabled offered"
expect_rc 0 "privacy on" -- rg domain privacy shop.com on --account alice
ctl GET /state >"$WORK/state.json"
check "the sim holds privacy enabled" test "$(jget "$WORK/state.json" \
    "j['domains']['shop.com']['privacy']")" = enabled
rg domain privacy shop.com --json >"$WORK/priv.json"
check "shown on" test "$(jget "$WORK/priv.json" "j['privacy']")" = True
rg tld set .ca --registrar sim --price register:1=15 >/dev/null
expect_rc 0 "a .ca domain registered" -- \
    rg domain register shop.ca --account alice
sent=$(sim_count MODIFY shop.ca)
expect_rc 1 "a .ca domain: privacy refused" -- \
    rg domain privacy shop.ca on --account alice
check "the refusal says it is not offered for .ca" \
    grep -q 'not offered for .ca' "$WORK/out"
check "nothing sent for .ca" test "$(sim_count MODIFY shop.ca)" = "$sent"
check "the refusal recorded" test "$(sql "SELECT state FROM domain_changes \
    WHERE kind = 'privacy' ORDER BY id DESC LIMIT 1")" = failed
# the registrar's own refusal, when it did not say so on GET status
ctl POST /rules '{"action":"GET","fault":"close_before","count":1}' \
    >/dev/null
expect_rc 1 "the registrar's refusal when GET status could not tell" -- \
    rg domain privacy shop.ca on
check "the registrar's answer is shown" \
    grep -q 'WHOIS_Privacy service cannot be applied' "$WORK/out"
check "sent once" test "$(sim_count MODIFY shop.ca)" = $((sent + 1))
expect_rc 2 "privacy maybe is bad usage" -- rg domain privacy shop.com maybe

# --- auth code ------------------------------------------------------------
rg domain auth-code shop.com --account alice --json >"$WORK/ac.json"
first=$(jget "$WORK/ac.json" "j['auth_code']")
check "the auth code is shown" test -n "$first"
rg domain auth-code shop.com --reset --json >"$WORK/reset.json"
new=$(jget "$WORK/reset.json" "j['auth_code']")
check "reset: a new code" test "$new" != "$first" -a -n "$new"
rg domain auth-code shop.com --json >"$WORK/ac.json"
check "the registrar holds the new code" \
    test "$(jget "$WORK/ac.json" "j['auth_code']")" = "$new"
expect_rc 2 "an auth code with a space is bad input" -- \
    rg domain auth-code shop.com --set 'has space'
expect_rc 0 "send" -- rg domain auth-code shop.com --send
check "the sim sent it once" test "$(sim_count SEND_AUTHCODE shop.com)" = 1
check "the code never reaches the record" \
    test "$(sql "SELECT COUNT(*) FROM domain_changes WHERE request LIKE ?" "%$new%")" = 0

# --- another customer -----------------------------------------------------
for c in "ns shop.com" "lock shop.com on" "auth-code shop.com" \
    "changes shop.com" "privacy shop.com" "privacy shop.com off"; do
    # shellcheck disable=SC2086
    expect_rc 2 "bob: domain $c is not found" -- rg domain $c --account bob
done
expect_rc 2 "bob cannot set nameservers" -- rg domain ns shop.com \
    --account bob --set ns5.example.net,ns6.example.net
check "bob's attempts changed nothing" \
    test "$(sql "SELECT COUNT(*) FROM domain_changes WHERE actor = 'account:bob'")" = 0
ctl GET /state >"$WORK/state.json"
check "shop.com's privacy still on at the sim" test "$(jget "$WORK/state.json" \
    "j['domains']['shop.com']['privacy']")" = enabled

# --- a lost answer is read back, not sent again -----------------------------
ctl POST /rules '{"action":"MODIFY","fault":"close_after","count":1}' \
    >/dev/null
sent=$(sim_count MODIFY shop.com)
rg domain lock shop.com on --json >"$WORK/lost.json"
check "the lost answer: settled by the read-back" \
    test "$(jget "$WORK/lost.json" "j['state']")" = succeeded
check "the read-back is in the answer" \
    sh -c "grep -q 'read back' '$WORK/lost.json'"
check "MODIFY reached the sim once" \
    test "$(sim_count MODIFY shop.com)" = $((sent + 1))

# lost, and the read-back lost too: unknown (exit 3), still sent once
ctl POST /rules '{"action":"MODIFY","fault":"close_after","count":1}' \
    >/dev/null
ctl POST /rules '{"action":"GET","fault":"close_before","count":1}' \
    >/dev/null
sent=$(sim_count MODIFY shop.com)
expect_rc 3 "answer and read-back lost: unknown" -- \
    rg domain lock shop.com off
check "MODIFY reached the sim once more" \
    test "$(sim_count MODIFY shop.com)" = $((sent + 1))
rg domain lock shop.com --json >"$WORK/lock.json"
check "the sim unlocked it all the same" \
    test "$(jget "$WORK/lock.json" "j['locked']")" = False

# a lost privacy answer: read back (GET whois_privacy_state), sent once
ctl POST /rules '{"action":"MODIFY","fault":"close_after","count":1}' \
    >/dev/null
sent=$(sim_count MODIFY shop.com)
rg domain privacy shop.com off --json >"$WORK/lost.json"
check "privacy off, answer lost: settled by the read-back" \
    test "$(jget "$WORK/lost.json" "j['state']")" = succeeded
check "the read-back names the privacy state" \
    sh -c "grep -q 'read back: WHOIS privacy is disabled' '$WORK/lost.json'"
check "MODIFY privacy reached the sim once" \
    test "$(sim_count MODIFY shop.com)" = $((sent + 1))

# --- the record -----------------------------------------------------------
rg domain changes shop.com --json >"$WORK/changes.json"
check "every change recorded" test "$(jget "$WORK/changes.json" "len(j)")" = 20
check "newest first: privacy read back, the unknown unlock, the lock" \
    test "$(jget "$WORK/changes.json" "' '.join(c['kind'] + ':' + c['state'] for c in j[:3])")" = \
    "privacy:succeeded lock:unknown lock:succeeded"
check "the refused nameservers recorded as failed" \
    test "$(sql "SELECT COUNT(*) FROM domain_changes WHERE kind = 'nameservers' AND state = 'failed'")" = 2
check "who asked" \
    test "$(sql "SELECT actor FROM domain_changes WHERE kind = 'nameservers' ORDER BY id LIMIT 1")" = "account:alice"
check "nothing left new or sending" \
    test "$(sql "SELECT COUNT(*) FROM domain_changes WHERE state IN ('new', 'sending')")" = 0
audit_clean "after the changes"

# --- a transfer away ------------------------------------------------------
cat >>"$WORK/regman.conf" <<EOC

[mail]
from = regman@example.net
admin = admin@example.net
templates = $TEMPLATES
EOC
rg domain register leaving.com --account alice >/dev/null
rg lifecycle auto-renew leaving.com on --account alice >/dev/null
ctl POST /transfers/away \
    '{"domain":"leaving.com","gaining_registrar":"Other Registrar Ltd"}' \
    >/dev/null
# a domain whose order ended in the second the listing began is judged by
# the next sync (the list may predate it): a second apart
sleep 1
rg lifecycle run sync --json >"$WORK/sync.json"
check "the sync saw one transfer away" \
    test "$(jget "$WORK/sync.json" "j['sync']['away']")" = 1
check "leaving.com is transferred_away" \
    test "$(dom_status leaving.com)" = transferred_away
check "its auto-renew stopped" \
    test "$(sql "SELECT auto_renew FROM domains WHERE name = 'leaving.com'")" = 0
check "the customer is told" \
    test "$(sql "SELECT to_addr || ' ' || subject FROM mail_outbox WHERE idem_key LIKE 'away:%'")" = \
    "alice@example.com leaving.com was transferred to another registrar"
check "the mail names the gaining registrar" \
    test -n "$(sql "SELECT id FROM mail_outbox WHERE idem_key LIKE 'away:%' AND body LIKE '%Other Registrar Ltd%'")"
check "the admin's sync report lists it" \
    test -n "$(sql "SELECT id FROM mail_outbox WHERE idem_key LIKE 'sync:%' AND to_addr = 'admin@example.net' AND body LIKE '%leaving.com: to Other Registrar Ltd%'")"
check "shop.com is untouched" test "$(dom_status shop.com)" = active
rg lifecycle run sync --json >"$WORK/sync2.json"
check "a second sync changes nothing" \
    test "$(jget "$WORK/sync2.json" "j['sync']['away']")" = 0
check "the customer was told once" \
    test "$(sql "SELECT COUNT(*) FROM mail_outbox WHERE idem_key LIKE 'away:%'")" = 1
expect_rc 2 "a domain gone away cannot be changed any more" -- \
    rg domain lock leaving.com on
audit_clean "after the transfer away"

# --- the sweep settles what was left behind, never sending again ---------
# the unlock whose answer and read-back were lost is still unknown
U=$(sql "SELECT id FROM domain_changes WHERE kind = 'lock' AND state = 'unknown' ORDER BY id DESC LIMIT 1")
check "an unknown change to settle" test -n "$U"
sent=$(sim_count MODIFY shop.com)
rg async sweep --json >"$WORK/sweep.json"
check "the sweep read it back: succeeded (the sim unlocked it)" \
    test "$(sql "SELECT state FROM domain_changes WHERE id = $U")" = succeeded
check "the sweep counts it" \
    test "$(jget "$WORK/sweep.json" "j['changes_settled']")" -ge 1
check "nothing sent again" test "$(sim_count MODIFY shop.com)" = "$sent"
# regman killed while its lock request waits at the registrar: sending
ctl POST /rules '{"action":"MODIFY","domain":"shop.com","fault":"delay","delay_ms":1200,"count":1}' \
    >/dev/null
sent=$(sim_count MODIFY shop.com)
"$REGMAN" domain -c "$WORK/regman.conf" lock shop.com on >/dev/null 2>&1 &
kpid=$!
# killed once the sim holds the request (however slow the machine), and
# the held answer's 1.2 s let pass before the next request
i=0
while [ "$(sim_count MODIFY shop.com)" = "$sent" ] && [ $i -lt 500 ]; do
    sleep 0.02
    i=$((i + 1))
done
kill -9 "$kpid" 2>/dev/null
wait "$kpid" 2>/dev/null
sleep 1.3
K=$(sql "SELECT id FROM domain_changes WHERE kind = 'lock' ORDER BY id DESC LIMIT 1")
check "left sending by the killed regman" \
    test "$(sql "SELECT state FROM domain_changes WHERE id = $K")" = sending
# a change recorded but never sent (regman stopped before sending)
sql_write "INSERT INTO domain_changes (domain_id, account_id, connection_id, kind, actor, request, state, created_at) SELECT id, account_id, connection_id, 'nameservers', 'admin', '{\"nameservers\": [\"ns1.example.net\", \"ns2.example.net\"]}', 'new', $(date +%s) FROM domains WHERE name = 'shop.com'"
N=$(sql "SELECT MAX(id) FROM domain_changes")
sent=$(sim_count MODIFY shop.com)
rg async sweep --json >"$WORK/sweep.json"
check "a fresh sending change is left to its sender" \
    test "$(sql "SELECT state FROM domain_changes WHERE id = $K")" = sending
echo 1000 >"$WORK/later"
REGMAN_CLOCK_FILE=$WORK/later rg async sweep --json >"$WORK/sweep.json"
check "15 minutes on: read back, the sim holds the lock: succeeded" \
    test "$(sql "SELECT state FROM domain_changes WHERE id = $K")" = succeeded
check "its answer says regman stopped while sending" \
    test -n "$(sql "SELECT id FROM domain_changes WHERE id = $K AND answer LIKE 'regman stopped while sending%'")"
check "the change never sent failed as such" \
    test "$(sql "SELECT state || ': ' || answer FROM domain_changes WHERE id = $N")" = \
    "failed: never sent: regman stopped before sending it"
check "nothing sent again by the sweeps" test "$(sim_count MODIFY shop.com)" = "$sent"
check "nothing left new or sending after the sweep" \
    test "$(sql "SELECT COUNT(*) FROM domain_changes WHERE state IN ('new', 'sending')")" = 0

# --- the registrar unreachable: failed, nothing sent, said once -----------
kill "$SIM_PID"
wait "$SIM_PID" 2>/dev/null
SIM_PID=
expect_rc 1 "the registrar down: the change failed, not sent" -- \
    rg domain lock shop.com on
check "the answer says so once" \
    test "$(grep -o 'not sent' "$WORK/out" | wc -l)" = 1
check "recorded as failed" test "$(sql "SELECT state FROM domain_changes ORDER BY id DESC LIMIT 1")" = failed
finish
