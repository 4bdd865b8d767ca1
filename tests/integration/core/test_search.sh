#!/bin/sh
# test_search - "search like a shop" through the real regman and
# opensrs-sim binaries: `regman domain search` lists the word in every TLD
# the provider sells with availability and price, and suggestions; the
# name typed comes first; a TLD not sold gives the word across the TLDs
# sold; a taken name is taken and the customer's own is theirs; a registry
# premium name is never orderable and shows no price; IDN input as the
# lookup takes it; bad input is exit 2 with a message; one NAME_SUGGEST per
# connection (the sim's counts and the registrar log), a LOOKUP per name
# only when a registrar refuses NAME_SUGGEST, and a registrar that does not
# answer leaves its TLDs unknown (exit 1 when none answered).
# usage: test_search.sh REGMAN OPENSRS_SIM TEMPLATES_DIR
REGMAN=$1
SIM=$2
TEMPLATES=$3
. "$(dirname "$0")/lib.sh"

sim_start
setup_regman
rg tld set .org --registrar sim --price register:1=14 --price renew:1=14 \
    >/dev/null || exit 1

# action COUNT - how many requests of ACTION the sim has received
action_count() {
    ctl GET /counts | python3 -c 'import json,sys
print(json.load(sys.stdin)["actions"].get(sys.argv[1], 0))' "$1"
}
reglog_count() {
    sql "SELECT COUNT(*) FROM registrar_log WHERE action = '$1'"
}

# --- a bare word: every TLD sold, with availability and price ----------
ns0=$(action_count NAME_SUGGEST)
lk0=$(action_count LOOKUP)
rl0=$(reglog_count NAME_SUGGEST)
expect_rc 0 "search mynewshop" -- rg domain search mynewshop --json
cp "$WORK/out" "$WORK/s.json"
check "every TLD sold, in order" test "$(jget "$WORK/s.json" \
    "' '.join(r['name'] for r in j['results'])")" = \
    "mynewshop.com mynewshop.net mynewshop.org"
check "each available, orderable, with its 1-year price and terms" test \
    "$(jget "$WORK/s.json" "' '.join('%s:%s:%s:%s:%s' % (r['tld'], r['availability'], r['orderable'], r['price'], ','.join(sorted(r['terms']))) for r in j['results'])")" = \
    "com:available:True:12.50:1,2 net:available:True:11.00:1 org:available:True:14.00:1"
check "money as the CLI writes it, with the currency" test "$(jget "$WORK/s.json" \
    "j['results'][0]['terms']['2'] + ' ' + j['results'][0]['currency'] + ' ' + j['currency']")" = \
    "25.00 USD USD"
check "a bare word: no name typed first, no TLD typed" test "$(jget "$WORK/s.json" \
    "' '.join(str(r['exact']) for r in j['results']) + ' ' + str(j['typed_tld'])")" = \
    "False False False None"
check "suggestions: available names in the TLDs sold, each with its price" \
    python3 -c 'import json,sys
j = json.load(open(sys.argv[1]))
s = j["suggestions"]
ok = 3 <= len(s) <= 10 and all(x["availability"] == "available" and
    x["tld"] in ("com", "net", "org") and x["name"].endswith("." + x["tld"])
    and "mynewshop" in x["name"] and x["name"] not in
    [r["name"] for r in j["results"]] for x in s)
plain = [x for x in s if not x["premium"]]
ok = ok and plain and all(x["orderable"] and x["price"] for x in plain)
sys.exit(0 if ok else 1)' "$WORK/s.json"
check "premium suggestions: not orderable, no price" python3 -c 'import json,sys
s = [x for x in json.load(open(sys.argv[1]))["suggestions"] if x["premium"]]
sys.exit(0 if s and all(not x["orderable"] and x["price"] is None and
    not x["terms"] and "premium" in x["reason"] for x in s) else 1)' "$WORK/s.json"
check "one NAME_SUGGEST for the one connection, no LOOKUP (sim)" \
    test "$(($(action_count NAME_SUGGEST) - ns0)) $(($(action_count LOOKUP) - lk0))" = "1 0"
check "one NAME_SUGGEST in the registrar log" \
    test "$(($(reglog_count NAME_SUGGEST) - rl0))" = 1
check "the answer counts its registrar calls" \
    test "$(jget "$WORK/s.json" "(j['registrar_calls'], j['connections'], j['answered'])")" = \
    "(1, 1, True)"

expect_rc 0 "the table for people" -- rg domain search mynewshop
check "a row per TLD with its price" grep -q '^mynewshop.net  *available  *11.00 USD' "$WORK/out"
check "then the suggestions" grep -q '^Suggestions:' "$WORK/out"
check "premium suggestions say not offered" grep -q 'premium: not offered' "$WORK/out"
expect_rc 0 "--max 3" -- rg domain search mynewshop --max 3 --json
check "at most 3 suggestions" test "$(jget "$WORK/out" "len(j['suggestions'])")" -le 3

# --- the name typed first; taken; a TLD not sold -----------------------
expect_rc 0 "search mynewshop.net" -- rg domain search mynewshop.net --json
check "the name typed first" test "$(jget "$WORK/out" \
    "' '.join(r['name'] + ':' + str(r['exact']) for r in j['results'])")" = \
    "mynewshop.net:True mynewshop.com:False mynewshop.org:False"
expect_rc 0 "search taken.com" -- rg domain search taken.com --json
check "a name registered elsewhere is taken, not orderable, priced" test \
    "$(jget "$WORK/out" "'%s %s %s' % (j['results'][0]['availability'], j['results'][0]['orderable'], j['results'][0]['price'])")" = \
    "taken False 12.50"
check "its word in the other TLDs" test "$(jget "$WORK/out" \
    "' '.join(r['name'] + ':' + r['availability'] for r in j['results'])")" = \
    "taken.com:taken taken.net:taken taken.org:taken"
expect_rc 0 "search mynewshop.xyz" -- rg domain search mynewshop.xyz --json
check "a TLD not sold: the word across the TLDs sold" test "$(jget "$WORK/out" \
    "'%s %s %s' % (j['typed_tld'], j['typed_tld_sold'], ' '.join(r['name'] for r in j['results']))")" = \
    "xyz False mynewshop.com mynewshop.net mynewshop.org"
expect_rc 0 "the table says .xyz is not sold" -- rg domain search mynewshop.xyz
check "in words" grep -q '^.xyz is not offered here: mynewshop in the TLDs we sell' "$WORK/out"
expect_rc 0 "www. in front is not part of the name" -- \
    rg domain search www.mynewshop.com --json
check "searched as mynewshop.com" test "$(jget "$WORK/out" "j['label'] + ' ' + j['results'][0]['name']")" = \
    "mynewshop mynewshop.com"

expect_rc 0 "a word with the root's dot" -- rg domain search mynewshop. --json
check "searched as the word" test "$(jget "$WORK/out" "j['label'] + ' ' + str(j['typed_tld'])")" = \
    "mynewshop None"

# --- the customer's own name, one registered here by another -----------
rg account add bob --email bob@example.com >/dev/null || exit 1
rg domain register mynewshop.net --account alice >/dev/null
check "mynewshop.net registered for alice" test "$(dom_status mynewshop.net)" = active
expect_rc 0 "alice searches" -- rg domain search mynewshop --account alice --json
check "hers: mine, taken, not orderable" test "$(jget "$WORK/out" \
    "[(r['availability'], r['mine'], r['orderable']) for r in j['results'] if r['name'] == 'mynewshop.net'][0]")" = \
    "('taken', True, False)"
expect_rc 0 "bob searches" -- rg domain search mynewshop --account bob --json
check "not bob's: taken, not mine" test "$(jget "$WORK/out" \
    "[(r['availability'], r['mine']) for r in j['results'] if r['name'] == 'mynewshop.net'][0]")" = \
    "('taken', False)"
expect_rc 2 "an unknown account is bad input" -- \
    rg domain search mynewshop --account nobody

# --- a registry premium name ---------------------------------------------
ctl POST /premium '{"name":"luxury.com","price":"2500.00"}' >/dev/null
rg domain lookup luxury.com >"$WORK/lookup.out"
check "LOOKUP calls it premium as the lookup shows it" grep -q 'available (premium)' "$WORK/lookup.out"
expect_rc 0 "search luxury" -- rg domain search luxury.com --json
check "premium: not orderable, no price, no terms, said so" test "$(jget "$WORK/out" \
    "'%s %s %s %s %s %s' % (j['results'][0]['name'], j['results'][0]['availability'], j['results'][0]['premium'], j['results'][0]['orderable'], j['results'][0]['price'], len(j['results'][0]['terms']))")" = \
    "luxury.com available True False None 0"
check "the others of the word stay orderable" test "$(jget "$WORK/out" \
    "' '.join('%s:%s' % (r['tld'], r['orderable']) for r in j['results'][1:])")" = \
    "net:True org:True"
expect_rc 0 "the table for people" -- rg domain search luxury.com
check "premium: not offered" grep -q '^luxury.com  *available  *premium: not offered' "$WORK/out"

# --- IDN input as the lookup takes it ------------------------------------
expect_rc 0 "search bücher" -- rg domain search bücher --json
check "the A-label asked, both forms shown" test "$(jget "$WORK/out" \
    "j['label'] + ' ' + j['unicode_label'] + ' ' + j['results'][0]['name'] + ' ' + j['results'][0]['unicode'] + ' ' + j['results'][0]['availability']")" = \
    "xn--bcher-kva bücher xn--bcher-kva.com bücher.com available"
expect_rc 0 "an A-label typed" -- rg domain search xn--bcher-kva.net --json
check "the same name first" test "$(jget "$WORK/out" "j['results'][0]['unicode'] + ' ' + str(j['results'][0]['exact'])")" = \
    "bücher.net True"

# --- bad input -------------------------------------------------------------
asked=$(sql "SELECT COUNT(*) FROM registrar_log")
expect_rc 2 "an empty search" -- rg domain search ""
check "says it is empty" grep -q 'the search is empty' "$WORK/err"
expect_rc 2 "blanks only" -- rg domain search "   "
expect_rc 2 '".." is bad input' -- rg domain search ..
check "says which label" grep -q 'empty label' "$WORK/err"
long=$(python3 -c 'print("a" * 300)')
expect_rc 2 "300 characters" -- rg domain search "$long"
check "says the limit" grep -q 'at most 63' "$WORK/err"
expect_rc 2 "a name under a name" -- rg domain search shop.mynewshop.com
check "names the registrable one" grep -q 'search mynewshop.com' "$WORK/err"
expect_rc 2 "a label with a space" -- rg domain search "my shop"
expect_rc 2 "--max 0" -- rg domain search mynewshop --max 0
expect_rc 2 "--max 51" -- rg domain search mynewshop --max 51
expect_rc 2 "no text" -- rg domain search
check "bad input asked no registrar" \
    test "$(sql "SELECT COUNT(*) FROM registrar_log")" = "$asked"

# --- one call per connection, however many TLDs --------------------------
rg registrar add --title sim2 --server 127.0.0.1 --port "$SIM_PORT" \
    --tls no --login "$SIM_USER" --key "$SIM_KEY" --events off >/dev/null || exit 1
for t in info biz us io; do
    rg tld set ".$t" --registrar sim2 --price register:1=20 >/dev/null || exit 1
done
ns0=$(action_count NAME_SUGGEST)
lk0=$(action_count LOOKUP)
rl0=$(reglog_count NAME_SUGGEST)
expect_rc 0 "7 TLDs on 2 connections" -- rg domain search mynewshop --json
check "7 results" test "$(jget "$WORK/out" "len(j['results'])")" = 7
check "every one answered" test "$(jget "$WORK/out" \
    "' '.join(sorted(set(r['availability'] for r in j['results'])))")" = "available taken"
check "two NAME_SUGGEST (one per connection), no LOOKUP (sim)" \
    test "$(($(action_count NAME_SUGGEST) - ns0)) $(($(action_count LOOKUP) - lk0))" = "2 0"
check "two in the registrar log, one per connection" test "$(sql \
    "SELECT COUNT(DISTINCT connection_id) || ' ' || COUNT(*) FROM registrar_log WHERE action = 'NAME_SUGGEST' AND id > (SELECT MAX(id) - 2 FROM registrar_log)")" = "2 2"
check "the answer says 2 calls, 2 connections" test "$(jget "$WORK/out" \
    "(j['registrar_calls'], j['connections'])")" = "(2, 2)"

# --- a registrar that refuses NAME_SUGGEST: a LOOKUP per name ------------
ctl POST /rules '{"action":"NAME_SUGGEST","fault":"code_400","count":1}' >/dev/null
lk0=$(action_count LOOKUP)
expect_rc 0 "NAME_SUGGEST refused on one connection" -- \
    rg domain search mynewshop --json
check "still every TLD answered" test "$(jget "$WORK/out" \
    "[r['availability'] for r in j['results']].count('unknown')")" = 0
check "one LOOKUP for each TLD of the refusing connection" \
    test "$(($(action_count LOOKUP) - lk0))" -ge 3
ctl DELETE /rules >/dev/null

# --- a registrar that does not answer -------------------------------------
rg registrar add --title dead --server 127.0.0.1 --port 9 --tls no \
    --login x --key y >/dev/null || exit 1
rg tld set .ca --registrar dead --price register:1=15 >/dev/null || exit 1
expect_rc 0 "one connection down" -- rg domain search mynewshop.ca --json
check "its TLD unknown with why, the name typed first" test "$(jget "$WORK/out" \
    "'%s %s %s' % (j['results'][0]['name'], j['results'][0]['availability'], 'did not answer' in j['results'][0]['reason'])")" = \
    "mynewshop.ca unknown True"
check "unknown is not orderable" test "$(jget "$WORK/out" "j['results'][0]['orderable']")" = False
check "the others answered" test "$(jget "$WORK/out" \
    "[r['availability'] for r in j['results']].count('unknown')")" = 1
ctl POST /rules '{"action":"NAME_SUGGEST","fault":"close_before"}' >/dev/null
ctl POST /rules '{"action":"LOOKUP","fault":"close_before"}' >/dev/null
expect_rc 1 "no registrar answers: exit 1" -- rg domain search mynewshop --json
check "every TLD unknown but the one registered here, nothing made up" \
    test "$(jget "$WORK/out" \
    "'%s %s %s' % (' '.join(r['name'] for r in j['results'] if r['availability'] != 'unknown'), j['answered'], len(j['suggestions']))")" = \
    "mynewshop.net False 0"
expect_rc 1 "the table says so" -- rg domain search mynewshop
check "in words" grep -q 'No registrar answered' "$WORK/out"
ctl DELETE /rules >/dev/null

audit_clean "searches change nothing"
finish
