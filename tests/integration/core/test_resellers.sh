#!/bin/sh
# test_resellers - the reseller tier through the real regman and
# opensrs-sim: the provider's wholesale prices, a reseller's retail prices
# (never below wholesale) and markup rule; a reseller's customer orders at
# the retail price while the reseller pays wholesale, in one posting; a
# lost answer that ends refunded unwinds both; a reseller without funds,
# or without a price, cannot sell (nothing written, a message naming no
# internals); the reseller's figures (sales, wholesale paid, margin); the
# audit checks the reseller's leg of every charge and refund.
# usage: test_resellers.sh REGMAN OPENSRS_SIM TEMPLATES_DIR
REGMAN=$1
SIM=$2
TEMPLATES=$3
. "$(dirname "$0")/lib.sh"

sim_start
setup_regman

contact() {
    rg account contact "$1" --first-name C --last-name Ustomer \
        --address1 "1 Main St" --city Toronto --postal-code M5V1A1 \
        --country CA --phone +1.4165550123 --email "$1@example.com" \
        >/dev/null || bad "contact $1"
}
sim_field_ns() {
    ctl GET /state | python3 -c "import json,sys; print(' '.join(json.load(sys.stdin)['domains']['$1'].get('nameservers', [])))"
}
charges_of() { sql "SELECT COUNT(*) FROM ledger_entries e JOIN ledger_postings p ON p.id = e.posting_id JOIN accounts a ON a.id = e.account_id WHERE a.name = '$1' AND p.kind = '$2'"; }

# --- set up: two resellers, the wholesale list ---------------------------
expect_rc 0 "reseller add r1" -- rg reseller add r1 --email r1@example.com
expect_rc 0 "reseller add r2 (no money)" -- rg reseller add r2
rg account credit r1 50 --ref r1-seed >/dev/null || bad "credit r1"
check "r1 has a sales account of its own" test \
    "$(sql "SELECT s.kind FROM accounts r JOIN accounts s ON s.id = r.sales_account_id WHERE r.name = 'r1'")" = \
    reseller_sales
expect_rc 0 "wholesale .com: register 10.00, renew 11.00" -- \
    rg reseller wholesale .com --price register:1=10 --price renew:1=11
rg reseller wholesale --json >"$WORK/w.json"
check "the wholesale list" test \
    "$(jget "$WORK/w.json" "' '.join('%s:%s:%d=%s' % (r['tld'], r['operation'], r['term'], r['wholesale']) for r in j)")" = \
    "com:register:1=10.00 com:renew:1=11.00"

# --- retail prices: never below wholesale --------------------------------
sig=$(dbsig)
expect_rc 2 "a retail price below wholesale is refused" -- \
    rg reseller prices r1 .com --price register:1=9.99
check "says why" grep -q "below the wholesale price 10.00" "$WORK/err"
expect_rc 2 "one bad price among good ones changes nothing" -- \
    rg reseller prices r1 .com --price renew:1=20 --price register:1=5
expect_rc 2 "a price the provider gives no wholesale for is refused" -- \
    rg reseller prices r1 .com --price transfer:1=20
expect_rc 2 "a malformed price is refused" -- \
    rg reseller prices r1 .com --price register=15
expect_rc 2 "prices of an account that is no reseller" -- \
    rg reseller prices alice .com --price register:1=15
check "nothing changed" test "$(dbsig)" = "$sig"
expect_rc 0 "r1 sells .com at 15.00" -- \
    rg reseller prices r1 .com --price register:1=15
rg reseller prices r1 --json >"$WORK/p.json"
check "r1's list: register 15.00, renew not sold (no price, no rule)" test \
    "$(jget "$WORK/p.json" "' '.join('%s=%s' % (r['operation'], r['price']) for r in j)")" = \
    "register=15.00 renew=None"

# --- customers of resellers ----------------------------------------------
expect_rc 0 "r1 gets a customer" -- \
    rg reseller customer-add r1 c1 --email c1@example.com
expect_rc 0 "r2 gets a customer" -- rg reseller customer-add r2 c2
expect_rc 2 "no customer for an account that is no reseller" -- \
    rg reseller customer-add alice c3
contact c1
contact c2
rg account credit c1 100 --ref c1-seed >/dev/null || bad "credit c1"
rg account credit c2 100 --ref c2-seed >/dev/null || bad "credit c2"
check "c1 belongs to r1" test \
    "$(sql "SELECT r.name FROM accounts c JOIN accounts r ON r.id = c.reseller_id WHERE c.name = 'c1'")" = r1

# --- an order: retail from the customer, wholesale from the reseller -----
expect_rc 0 "c1 registers one.com" -- \
    rg domain register one.com --account c1
check "c1 paid the retail 15.00" test "$(balance_of c1)" = 8500
check "r1 paid the wholesale 10.00" test "$(balance_of r1)" = 4000
check "one posting with four legs" test \
    "$(sql "SELECT COUNT(*) FROM ledger_entries e JOIN ledger_postings p ON p.id = e.posting_id JOIN operations o ON o.id = p.operation_id JOIN domains d ON d.id = o.domain_id WHERE d.name = 'one.com' AND p.kind = 'charge'")" = 4
check "the operation records both prices" test \
    "$(sql "SELECT o.amount || '/' || o.wholesale FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = 'one.com'")" = \
    1500/1000
rg reseller show r1 --json >"$WORK/r1.json"
check "r1's figures: sales 15.00, wholesale 10.00, margin 5.00, 1 customer" \
    test "$(jget "$WORK/r1.json" "'%s %s %s %s' % (j['sales'], j['wholesale_paid'], j['margin'], j['customers'])")" = \
    "15.00 10.00 5.00 1"
audit_clean "after a reseller's sale"

# --- the provider's own customers pay the list price ----------------------
rg domain register own.com --account alice >/dev/null || bad "alice"
check "alice paid the TLD's price, no reseller leg" test \
    "$(sql "SELECT o.amount || '/' || COALESCE(o.wholesale, -1) FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = 'own.com'")" = \
    1250/-1

# --- not for sale, not now: nothing written, no internals -----------------
sig=$(dbsig)
expect_rc 1 "c1 cannot renew: r1 has no renewal price nor rule" -- \
    rg domain renew one.com --account c1
check "the message says it is not available" grep -q \
    "not available from your provider" "$WORK/err"
# (the provider's log lines go to stderr too; the customer's message is
# the error line)
check "...and names no wholesale price" sh -c \
    "grep '^regman: ' '$WORK/err' | grep -q . && ! grep '^regman: ' '$WORK/err' | grep -qi wholesale"
expect_rc 1 "c2 cannot register: r2 sells nothing" -- \
    rg domain register two.com --account c2
check "nothing written" test "$(dbsig)" = "$sig"
check "two.com never reached the sim" test "$(sim_count SW_REGISTER two.com)" = 0
expect_rc 0 "r2 prices .com at 12.00" -- \
    rg reseller prices r2 .com --price register:1=12
sig=$(dbsig)
expect_rc 1 "c2 cannot register: r2 has no funds for the wholesale" -- \
    rg domain register two.com --account c2
check "the customer is told to contact the provider, not why" grep -q \
    "cannot be placed right now.*contact your provider" "$WORK/err"
check "...and nothing about the reseller's balance" sh -c \
    "grep '^regman: ' '$WORK/err' | grep -q . && ! grep '^regman: ' '$WORK/err' | grep -qi 'balance\|r2\|credit'"
check "nothing written, nothing sent" test \
    "$(dbsig)/$(sim_count SW_REGISTER two.com)" = "$sig/0"

# --- the markup rule ------------------------------------------------------
expect_rc 0 "r1: 20 % over wholesale for what it did not price" -- \
    rg reseller prices r1 --markup 20
rg reseller prices r1 --json >"$WORK/p.json"
check "renew now 13.20 (11.00 + 20 %), register still 15.00" test \
    "$(jget "$WORK/p.json" "' '.join('%s=%s' % (r['operation'], r['price']) for r in j)")" = \
    "register=15.00 renew=13.20"
rg tld set .com --restore-fee 80 --grace-fee 2 >/dev/null || bad "fees"
rg domain show one.com --json >"$WORK/d.json"
check "c1's domain shows its reseller's prices after expiry" test \
    "$(jget "$WORK/d.json" "'%s %s' % (j['grace_renew_price'], j['restore_price'])")" = \
    "15.20 93.20"
rg domain show own.com --json >"$WORK/d.json"
check "alice's shows the TLD's" test \
    "$(jget "$WORK/d.json" "'%s %s' % (j['grace_renew_price'], j['restore_price'])")" = \
    "15.00 93.00"
expect_rc 0 "c1 renews one.com" -- rg domain renew one.com --account c1
check "c1 paid 13.20, r1 paid 11.00" test \
    "$(balance_of c1)/$(balance_of r1)" = 7180/2900

# --- automatic renewal at the reseller's price ----------------------------
rg lifecycle auto-renew one.com on >/dev/null || bad "auto-renew on"
exp=$(sql "SELECT expires_at FROM domains WHERE name = 'one.com'")
off=$((exp - $(date +%s) - 3 * 86400))
REGMAN_CLOCK_OFFSET=$off rg lifecycle run renew >/dev/null 2>&1 ||
    bad "lifecycle renew"
check "auto-renewed: c1 paid 13.20, r1 paid 11.00" test \
    "$(balance_of c1)/$(balance_of r1)" = 5860/1800
check "one automatic renewal with both prices" test \
    "$(sql "SELECT o.amount || '/' || o.wholesale FROM operations o JOIN domains d ON d.id = o.domain_id WHERE d.name = 'one.com' AND o.idempotency_key LIKE 'autorenew:%'")" = \
    1320/1100
rg account credit c1 13.20 --ref c1-topup >/dev/null || bad "topup"
rg account credit r1 11 --ref r1-topup >/dev/null || bad "topup r1"

# --- a lost answer that ends refunded unwinds both ------------------------
ctl POST /rules '{"action":"SW_REGISTER","domain":"lost.com","fault":"close_before","count":1}' >/dev/null
expect_rc 3 "c1 registers lost.com: no answer, pending" -- \
    rg domain register lost.com --account c1
check "both charged meanwhile" test \
    "$(balance_of c1)/$(balance_of r1)" = 5680/1900
REGMAN_CLOCK_OFFSET=700000 rg domain check lost.com >/dev/null 2>&1
check "past its deadline, not at the registrar: timed out" test \
    "$(op_state lost.com)" = timed_out
check "both refunded exactly" test \
    "$(balance_of c1)/$(balance_of r1)" = 7180/2900
rg reseller show r1 --json >"$WORK/r1.json"
check "r1's figures net of the refund: sales 41.40, wholesale 32.00" \
    test "$(jget "$WORK/r1.json" "'%s %s %s' % (j['sales'], j['wholesale_paid'], j['margin'])")" = \
    "41.40 32.00 9.40"
audit_clean "after a refunded reseller order"

# --- WHOIS privacy where the TLD charges: the reseller pays it on ---------
rg tld set .com --price privacy:1=5 >/dev/null || bad "privacy price"
before_c=$(balance_of c1)
before_r=$(balance_of r1)
expect_rc 0 "c1 turns privacy on for one.com" -- \
    rg domain privacy one.com on --account c1
check "c1 paid 5.00 and r1 paid 5.00 on to the provider" test \
    "$((before_c - $(balance_of c1)))/$((before_r - $(balance_of r1)))" = 500/500
audit_clean "after a reseller customer's privacy"

# --- what the reseller shows its customers --------------------------------
sig=$(dbsig)
expect_rc 2 "one nameserver is refused" -- rg reseller set r1 --ns ns1.r1.net
expect_rc 2 "an unreadable agreement file is refused" -- \
    rg reseller set r1 --license-file "$WORK/none.txt"
expect_rc 2 "set with nothing to set" -- rg reseller set r1
check "nothing changed" test "$(dbsig)" = "$sig"
printf 'r1 terms\n' >"$WORK/terms.txt"
expect_rc 0 "r1 sets its agreement and nameservers" -- \
    rg reseller set r1 --license-file "$WORK/terms.txt" \
    --ns ns1.r1-dns.net,ns2.r1-dns.net
rg domain register three.com --account c1 >/dev/null || bad "three.com"
check "c1's order takes r1's nameservers" test \
    "$(sim_field_ns three.com)" = "ns1.r1-dns.net ns2.r1-dns.net"
rg domain register four.com --account alice >/dev/null || bad "four.com"
check "alice's the connection's" test \
    "$(sim_field_ns four.com)" = "ns1.example.net ns2.example.net"

# --- the audit checks the reseller's leg ----------------------------------
sql_write "UPDATE ledger_entries SET amount = amount + 1 WHERE account_id = (SELECT id FROM accounts WHERE name = 'r1') AND posting_id = (SELECT p.id FROM ledger_postings p JOIN operations o ON o.id = p.operation_id JOIN domains d ON d.id = o.domain_id WHERE d.name = 'one.com' AND p.kind = 'charge' AND o.kind = 'register')"
sql_write "UPDATE ledger_entries SET amount = amount - 1 WHERE account_id = (SELECT id FROM accounts WHERE name = 'system:sales') AND posting_id = (SELECT p.id FROM ledger_postings p JOIN operations o ON o.id = p.operation_id JOIN domains d ON d.id = o.domain_id WHERE d.name = 'one.com' AND p.kind = 'charge' AND o.kind = 'register')"
sql_write "UPDATE accounts SET balance = balance + 1 WHERE name = 'r1'"
sql_write "UPDATE accounts SET balance = balance - 1 WHERE name = 'system:sales'"
expect_rc 1 "audit: a reseller leg that is not the wholesale price" -- \
    rg audit
rg audit >"$WORK/audit.out" 2>&1
check "names the reseller's charge" grep -q "reseller charged 999 wholesale, want 1000" \
    "$WORK/audit.out"
finish
