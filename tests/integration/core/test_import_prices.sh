#!/bin/sh
# test_import_prices - `regman tld import-prices` against opensrs-sim: the
# sim's price list (GET_PRICE, every term) read as the cost of each TLD,
# operation and term and kept with the time read; a dry run prints
# cost, old price and the proposal (cost * (1 + markup/100) + add, rounded
# up to the cent and then up to the cents of --round) and changes no
# price; --apply writes them, and again changes nothing; a premium answer
# or a refusal skips one entry; bad options exit 2 and a registrar that
# does not answer exits 4, both writing nothing.
# usage: test_import_prices.sh REGMAN OPENSRS_SIM TEMPLATES_DIR
REGMAN=$1
SIM=$2
TEMPLATES=$3
. "$(dirname "$0")/lib.sh"

sim_start
setup_regman
# .com in 1 and 2 years: 5 entries (register 1-2, renew 1-2, transfer 1)
rg tld set .com --terms 1,2 >/dev/null || exit 1

# the sim's price list: com new 8.50/16.90, renewal 9.25 a year (2 years
# 18.50), transfer 7.80; net stays at the sim's 11.00 a year
ctl POST /prices '{"tld":"com","reg_type":"new","period":1,"price":"8.50"}' >/dev/null
ctl POST /prices '{"tld":"com","reg_type":"new","period":2,"price":"16.90"}' >/dev/null
ctl POST /prices '{"tld":"com","reg_type":"renewal","period":1,"price":"9.25"}' >/dev/null
ctl POST /prices '{"tld":"com","reg_type":"transfer","period":1,"price":"7.80"}' >/dev/null

costsig() {
    "$TESTDB" sig "$DB" registrar_prices
}

# --- dry run: the proposals, exactly --------------------------------------
sig=$(dbsig)
expect_rc 0 "dry run: markup 30, add 0.50, round .99" -- \
    rg tld import-prices sim --tld .com --markup 30 --add 0.50 --round .99
cat >"$WORK/want" <<'EOW'
com register 1y: cost 8.50, price 12.50 -> 11.99
com register 2y: cost 16.90, price 25.00 -> 22.99
com renew 1y: cost 9.25, price 13.00 -> 12.99
com renew 2y: cost 18.50, price 26.00 -> 24.99
com transfer 1y: cost 7.80, price 10.00 -> 10.99
connection sim: 5 price(s) read, 5 would change, 0 unchanged, 0 skipped; dry run, nothing applied (--apply writes them)
EOW
check "the proposals are the sim's prices by the rule" cmp -s "$WORK/want" "$WORK/out"
cmp "$WORK/want" "$WORK/out" | sed 's/^/#   /'
check "a dry run changes no price" test "$(dbsig)" = "$sig"
check "the costs are kept, with the time read" test \
    "$(sql "SELECT price FROM registrar_prices WHERE tld = 'com' AND reg_type = 'new' AND period = 2")" = 1690
check "the transfer cost too" test \
    "$(sql "SELECT price FROM registrar_prices WHERE tld = 'com' AND reg_type = 'transfer' AND period = 1")" = 780
check "read now" test \
    "$(sql "SELECT CASE WHEN fetched_at > 0 THEN 'yes' ELSE 'no' END FROM registrar_prices WHERE tld = 'com' AND reg_type = 'renewal' AND period = 2")" = yes

# rounding up to the cent without --round: 8.50 * 1.125 = 9.5625 -> 9.57
expect_rc 0 "dry run: markup 12.5, no rounding" -- \
    rg tld import-prices sim --tld com --markup 12.5
check "up to the cent: 9.5625 -> 9.57" grep -qx \
    "com register 1y: cost 8.50, price 12.50 -> 9.57" "$WORK/out"
check "10.40625 -> 10.41" grep -qx \
    "com renew 1y: cost 9.25, price 13.00 -> 10.41" "$WORK/out"
check "8.775 -> 8.78" grep -qx \
    "com transfer 1y: cost 7.80, price 10.00 -> 8.78" "$WORK/out"
# --round .50: 8.50 stays, 16.90 -> 17.50
expect_rc 0 "dry run: the cost, rounded to .50" -- \
    rg tld import-prices sim --tld .com --round .50
check "an amount already ending in .50 stays" grep -qx \
    "com register 1y: cost 8.50, price 12.50 -> 8.50" "$WORK/out"
check "16.90 -> 17.50" grep -qx \
    "com register 2y: cost 16.90, price 25.00 -> 17.50" "$WORK/out"
# every TLD of the connection: .com and .net (11.00 a year at the sim)
expect_rc 0 "dry run over every TLD of the connection" -- \
    rg tld import-prices sim --markup 10
check "net register 1y: 11.00 -> 12.10" grep -qx \
    "net register 1y: cost 11.00, price 11.00 -> 12.10" "$WORK/out"
check "net register 10y: no price yet, 110.00 -> 121.00" grep -qx \
    "net register 10y: cost 110.00, price - -> 121.00" "$WORK/out"
check "26 entries: 5 of .com, 21 of .net" grep -q \
    "^connection sim: 26 price(s) read," "$WORK/out"
rg tld import-prices sim --tld .com --markup 30 --json >"$WORK/dry.json"
check "--json: rows with cost, old and proposed" test \
    "$(jget "$WORK/dry.json" "[j['rows'][0][k] for k in ('operation', 'term', 'cost', 'old', 'proposed', 'changed')]")" = \
    '["register", 1, "8.50", "12.50", "11.05", true]'
check "the database still unchanged" test "$(dbsig)" = "$sig"

# --- bad options: exit 2, nothing written ---------------------------------
csig=$(costsig)
expect_rc 2 "a negative markup" -- rg tld import-prices sim --markup -5
check "names the markup" grep -q "markup" "$WORK/err"
expect_rc 2 "a markup that is not a number" -- rg tld import-prices sim --markup ten
expect_rc 2 "a markup above 1000" -- rg tld import-prices sim --markup 1000.01
expect_rc 2 "a negative amount to add" -- rg tld import-prices sim --add -1
check "names add" grep -q "add" "$WORK/err"
expect_rc 2 "rounding to three decimals" -- rg tld import-prices sim --round .999
check "names round" grep -q "round" "$WORK/err"
expect_rc 2 "a TLD not offered" -- rg tld import-prices sim --tld .org --apply
expect_rc 2 "an unknown connection" -- rg tld import-prices nosuch --apply
expect_rc 2 "no connection" -- rg tld import-prices
expect_rc 2 "a set option with import-prices" -- \
    rg tld import-prices sim --apply --price register:1=1
check "nothing changed by bad options" test "$(dbsig)" = "$sig"
check "no cost written by bad options" test "$(costsig)" = "$csig"

# --- apply, then again ----------------------------------------------------
expect_rc 0 "apply: markup 30, add 0.50, round .99" -- \
    rg tld import-prices sim --tld .com --markup 30 --add 0.50 --round .99 --apply
check "says applied" grep -q "5 changed, 0 unchanged, 0 skipped; applied" "$WORK/out"
rg tld show .com --json >"$WORK/t.json"
check "tld show: the proposals are the prices" test \
    "$(jget "$WORK/t.json" "[j['prices'][o][t] for o, t in (('register', '1'), ('register', '2'), ('renew', '1'), ('renew', '2'), ('transfer', '1'))]")" = \
    '["11.99", "22.99", "12.99", "24.99", "10.99"]'
check ".net untouched" test \
    "$(sql "SELECT amount FROM tld_prices WHERE tld = 'net' AND operation = 'register' AND term = 1")" = 1100
sig=$(dbsig)
expect_rc 0 "the same run again" -- \
    rg tld import-prices sim --tld .com --markup 30 --add 0.50 --round .99 --apply
check "says nothing changed" grep -q \
    "0 changed, 5 unchanged, 0 skipped; nothing to apply" "$WORK/out"
check "marked unchanged" grep -qx \
    "com register 1y: cost 8.50, price 11.99 -> 11.99 (unchanged)" "$WORK/out"
check "and nothing changed" test "$(dbsig)" = "$sig"

# an order after the import costs what the registrar's list says
rg domain register shop.com --account alice >/dev/null
check "the registration's registrar cost is the imported cost" test \
    "$(sql "SELECT o.registrar_cost FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = 'shop.com'")" = 850

# --- a premium answer and a refusal skip one entry, not the run -----------
ctl POST /premium '{"name":"regman-price-check.com","price":"2500.00"}' >/dev/null
rg tld set .xyz --registrar sim --price register:1=5 >/dev/null
sig=$(dbsig)
expect_rc 0 "premium and refused entries are reported" -- \
    rg tld import-prices sim --tld .com,.xyz --markup 30 --add 0.50 --round .99 --apply
check "the premium registration is skipped" grep -q \
    "^com register 1y: skipped, premium at the registrar" "$WORK/out"
check "the renewal is still read" grep -qx \
    "com renew 1y: cost 9.25, price 12.99 -> 12.99 (unchanged)" "$WORK/out"
check "the sim refuses .xyz (no price list)" grep -q \
    "^xyz register 1y: skipped, refused: 465" "$WORK/out"
check "the summary counts them" grep -q \
    "3 price(s) read, 0 changed, 3 unchanged, 23 skipped; nothing to apply" \
    "$WORK/out"
check "skipped entries change nothing" test "$(dbsig)" = "$sig"
check "the premium price is not kept as the cost" test \
    "$(sql "SELECT price FROM registrar_prices WHERE tld = 'com' AND reg_type = 'new' AND period = 1")" = 850

# --- a registrar that does not answer: exit 4, nothing written ------------
csig=$(costsig)
kill "$SIM_PID"
wait "$SIM_PID" 2>/dev/null
SIM_PID=
expect_rc 4 "the registrar does not answer" -- \
    rg tld import-prices sim --tld .com --markup 50 --apply
check "says so" grep -q "did not answer GET_PRICE" "$WORK/err"
check "and that nothing was written" grep -q "nothing written" "$WORK/err"
check "no price changed" test "$(dbsig)" = "$sig"
check "no cost written" test "$(costsig)" = "$csig"
finish
