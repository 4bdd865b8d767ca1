#!/bin/sh
# test_wholesale_rule - the provider's wholesale rule for resellers
# (migration 023, docs/resellers.md): where there is no wholesale price,
# the registrar's cost (as `regman tld import-prices` keeps it) + markup
# + an amount, rounded up to the cent; an explicit price wins; the list,
# a reseller's retail check, its customer's orders (what the reseller is
# charged), the domain's renewal price and the audit all see the same
# wholesale; without the rule what has no price is not sold again.
# usage: test_wholesale_rule.sh REGMAN OPENSRS_SIM TEMPLATES_DIR
REGMAN=$1
SIM=$2
TEMPLATES=$3
. "$(dirname "$0")/lib.sh"

sim_start
setup_regman
rg tld set .com --terms 1,2 >/dev/null || bad "terms"

contact() {
    rg account contact "$1" --first-name C --last-name Ustomer \
        --address1 "1 Main St" --city Toronto --postal-code M5V1A1 \
        --country CA --phone +1.4165550123 --email "$1@example.com" \
        >/dev/null || bad "contact $1"
}
# the rows of a price list: tld:op:term=wholesale:source(/price)
rows() {
    jget "$1" "' '.join('%s:%s:%d=%s:%s' % (r['tld'], r['operation'], r['term'], r['wholesale'], r['source']) for r in j)"
}
prices_sig() {
    echo "$(dbsig) $("$TESTDB" sig "$DB" wholesale_rule wholesale_prices reseller_prices)"
}

# --- the registrar's costs ------------------------------------------------
ctl POST /prices '{"tld":"com","reg_type":"new","period":1,"price":"8.50"}' >/dev/null
ctl POST /prices '{"tld":"com","reg_type":"new","period":2,"price":"16.90"}' >/dev/null
ctl POST /prices '{"tld":"com","reg_type":"renewal","period":1,"price":"9.25"}' >/dev/null
ctl POST /prices '{"tld":"com","reg_type":"transfer","period":1,"price":"7.80"}' >/dev/null
expect_rc 0 "the costs read (a dry run keeps them)" -- \
    rg tld import-prices sim --tld .com
check "5 costs kept" test \
    "$(sql "SELECT COUNT(*) FROM registrar_prices WHERE tld = 'com'")" = 5
rg reseller wholesale --json >"$WORK/w.json"
check "no rule, no price: an empty wholesale list" test \
    "$(jget "$WORK/w.json" "len(j)")" = 0

# --- bad values: exit 2, nothing changed ----------------------------------
sig=$(prices_sig)
expect_rc 2 "a negative markup" -- rg reseller wholesale --rule-markup -5
expect_rc 2 "a markup that is no number" -- rg reseller wholesale --rule-markup ten
expect_rc 2 "a markup over 10000 %" -- rg reseller wholesale --rule-markup 10000.01
expect_rc 2 "a markup with 3 decimals" -- rg reseller wholesale --rule-markup 1.125
expect_rc 2 "a negative amount added" -- \
    rg reseller wholesale --rule-markup 10 --rule-add -1
expect_rc 2 "--rule-add without --rule-markup" -- rg reseller wholesale --rule-add 1
expect_rc 2 "--rule-markup and --no-rule" -- \
    rg reseller wholesale --rule-markup 10 --no-rule
expect_rc 2 "the rule with a TLD's prices" -- \
    rg reseller wholesale .com --price register:1=9 --rule-markup 10
expect_rc 2 "the rule is the provider's, not a reseller's" -- \
    rg reseller prices alice --rule-markup 10
check "nothing changed" test "$(prices_sig)" = "$sig"

# --- the rule: cost + 10 % + 0.50, rounded up to the cent -----------------
expect_rc 0 "rule: cost + 10 % + 0.50" -- \
    rg reseller wholesale --rule-markup 10 --rule-add 0.50
check "the list says the rule" grep -q \
    "wholesale rule: the registrar's cost + 10.00 % + 0.50" "$WORK/out"
check "...and marks its rows" grep -q "com .*renew .*1y .*10.68 .*rule" "$WORK/out"
rg reseller wholesale --json >"$WORK/w.json"
# 8.50 -> 9.35 + 0.50; 16.90 -> 18.59 + 0.50; 9.25 -> 10.175 -> 10.18 +
# 0.50; the sim's 2 years of renewal 18.50 -> 20.35 + 0.50; 7.80 -> 8.58
# + 0.50
check "every cost priced by the rule" test "$(rows "$WORK/w.json")" = \
    "com:register:1=9.85:rule com:register:2=19.09:rule com:renew:1=10.68:rule com:renew:2=20.85:rule com:transfer:1=9.08:rule"
expect_rc 0 "an explicit price for register 1y" -- \
    rg reseller wholesale .com --price register:1=9.50
rg reseller wholesale --json >"$WORK/w.json"
check "the explicit price wins over the rule" test "$(rows "$WORK/w.json")" = \
    "com:register:1=9.50:price com:register:2=19.09:rule com:renew:1=10.68:rule com:renew:2=20.85:rule com:transfer:1=9.08:rule"

# --- a reseller's prices over the rule's wholesale ------------------------
rg reseller add r1 >/dev/null || bad "r1"
rg account credit r1 100 --ref r1-seed >/dev/null || bad "credit r1"
rg reseller customer-add r1 c1 >/dev/null || bad "c1"
contact c1
rg account credit c1 100 --ref c1-seed >/dev/null || bad "credit c1"
sig=$(prices_sig)
expect_rc 2 "a retail price below the rule's wholesale is refused" -- \
    rg reseller prices r1 .com --price renew:1=10.67
check "says why" grep -q "below the wholesale price 10.68" "$WORK/err"
check "nothing changed" test "$(prices_sig)" = "$sig"
expect_rc 0 "r1: register 1y at 15.00, 20 % over wholesale for the rest" -- \
    rg reseller prices r1 .com --price register:1=15 --markup 20
rg reseller prices r1 --json >"$WORK/p.json"
# 19.09 * 1.2 = 22.908; 10.68 * 1.2 = 12.816; 20.85 * 1.2; 9.08 * 1.2 = 10.896
check "r1's list over the rule" test \
    "$(jget "$WORK/p.json" "' '.join('%s:%d=%s/%s' % (r['operation'], r['term'], r['price'], r['source']) for r in j)")" = \
    "register:1=15.00/price register:2=22.91/rule renew:1=12.82/rule renew:2=25.02/rule transfer:1=10.90/rule"

# --- its customer's orders: the reseller pays the rule's wholesale ---------
expect_rc 0 "c1 registers one.com for 2 years" -- \
    rg domain register one.com --account c1 --term 2
check "c1 paid 22.91, r1 the rule's 19.09" test \
    "$(balance_of c1)/$(balance_of r1)" = 7709/8091
check "the operation records both" test \
    "$(sql "SELECT o.amount || '/' || o.wholesale FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = 'one.com'")" = \
    2291/1909
expect_rc 0 "c1 registers two.com for a year" -- \
    rg domain register two.com --account c1
check "r1 paid the explicit 9.50, not the rule's 9.85" test \
    "$(sql "SELECT o.amount || '/' || o.wholesale FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = 'two.com'")" = \
    1500/950
rg tld set .com --restore-fee 80 --grace-fee 2 >/dev/null || bad "fees"
rg domain show one.com --json >"$WORK/d.json"
check "c1's domain: r1's renewal over the rule's wholesale (12.82) + fees" \
    test "$(jget "$WORK/d.json" "'%s %s' % (j['grace_renew_price'], j['restore_price'])")" = \
    "14.82 92.82"
expect_rc 0 "c1 renews one.com for a year" -- \
    rg domain renew one.com --account c1
check "c1 paid 12.82, r1 the rule's 10.68" test \
    "$(sql "SELECT o.amount || '/' || o.wholesale FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = 'one.com' AND o.kind = 'renew'")" = \
    1282/1068
check "balances: c1 49.27, r1 60.73" test \
    "$(balance_of c1)/$(balance_of r1)" = 4927/6073
audit_clean "after orders at the rule's wholesale"

# --- a new rule, then none ------------------------------------------------
expect_rc 0 "rule: cost + 20 %" -- rg reseller wholesale --rule-markup 20
rg reseller wholesale --json >"$WORK/w.json"
check "replaced: 9.25 * 1.2 = 11.10 for renew 1y" test \
    "$(jget "$WORK/w.json" "[r['wholesale'] for r in j if r['operation'] == 'renew' and r['term'] == 1][0]")" = \
    11.10
expect_rc 0 "no rule" -- rg reseller wholesale --no-rule
check "the list says so" grep -q "wholesale rule: none" "$WORK/out"
rg reseller wholesale --json >"$WORK/w.json"
check "only the explicit price is left" test "$(rows "$WORK/w.json")" = \
    "com:register:1=9.50:price"
check "no rule row" test "$(sql "SELECT COUNT(*) FROM wholesale_rule")" = 0
rg domain show one.com --json >"$WORK/d.json"
check "one.com's renewal is not for sale to c1" test \
    "$(jget "$WORK/d.json" "'%s %s' % (j['grace_renew_price'], j['restore_price'])")" = \
    "None None"
sig=$(prices_sig)
renews=$(sim_count RENEW one.com)
expect_rc 1 "c1 cannot renew one.com: no wholesale without the rule" -- \
    rg domain renew one.com --account c1
check "the message says it is not available" grep -q \
    "not available from your provider" "$WORK/err"
expect_rc 1 "c1 cannot register three.com for 2 years" -- \
    rg domain register three.com --account c1 --term 2
check "nothing written" test "$(prices_sig)" = "$sig"
check "nothing sent" test \
    "$(sim_count RENEW one.com)/$(sim_count SW_REGISTER three.com)" = "$renews/0"
expect_rc 0 "the explicit price still sells" -- \
    rg domain register four.com --account c1
audit_clean "after the rule is gone"

# --- a premium name's price is never kept as the TLD's cost ---------------
cost0=$(sql "SELECT price FROM registrar_prices WHERE tld = 'com' AND reg_type = 'new' AND period = 1")
sql_write "UPDATE registrar_prices SET fetched_at = 0 WHERE tld = 'com'"
ctl POST /premium '{"name":"gold.com","price":"2500.00"}' >/dev/null
rg domain register gold.com --account alice >/dev/null 2>&1
check "the premium order records its own cost" test \
    "$(sql "SELECT COALESCE(o.registrar_cost, -1) FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = 'gold.com'")" = 250000
check "...and the TLD's cost stays the ordinary one" test \
    "$(sql "SELECT price FROM registrar_prices WHERE tld = 'com' AND reg_type = 'new' AND period = 1")" = "$cost0"
finish
