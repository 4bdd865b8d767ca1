/*
 * test_ledger - the double-entry ledger on a real SQLite file: legs sum to
 * zero, balances track entries, the credit limit refuses without writing,
 * replays are no-ops, overflow is refused, and the audit finds tampering.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>
#include <unistd.h>

#include "core/ledger.h"
#include "store/store.h"
#include "unitdb.h"

#define NOW 1700000000

struct fx {
    char dir[256];
    char path[1200]; /* the database: a file or a URL (unitdb) */
    struct unitdb db;
    struct store *st;
    int64_t conn;
    int64_t sales, funding;
    int ndomains;
};

static int64_t one(struct store *st, const char *sql, int64_t arg)
{
    struct store_stmt *s;
    struct rm_err err = {0};
    int64_t v = INT64_MIN;

    if (store_prepare(st, sql, &s, &err) != 0)
        fail_msg("prepare %s: %s", sql, err.msg);
    if (strchr(sql, '?'))
        store_bind_int64(s, 1, arg);
    if (store_step(s, &err) == STORE_ROW)
        v = store_col_int64(s, 0);
    store_stmt_release(s);
    return v;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct store_open_opts o = {.create = 1};
    struct rm_err err = {0};
    struct store_stmt *s;
    const char *tmp = getenv("TMPDIR");

    snprintf(f->dir, sizeof f->dir, "%s/rmledger.XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    if (unitdb_make(&f->db, f->dir, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s", f->db.target);
    if (store_open(f->path, &o, &f->st, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    if (store_prepare(f->st,
                      "INSERT INTO registrar_connections (title, server, "
                      "port, login, key_enc, created_at, updated_at) VALUES "
                      "('main', '127.0.0.1', 55443, 'reseller', 'a2V5', ?, ?) "
                      "RETURNING id",
                      &s, &err) != 0)
        return -1;
    store_bind_int64(s, 1, NOW);
    store_bind_int64(s, 2, NOW);
    if (store_step(s, &err) != STORE_ROW)
        return -1;
    f->conn = store_col_int64(s, 0);
    store_stmt_release(s);
    f->sales = one(f->st, "SELECT id FROM accounts WHERE kind = 'sales'", 0);
    f->funding =
        one(f->st, "SELECT id FROM accounts WHERE kind = 'funding'", 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    static const char *const sfx[] = {"", "-wal", "-shm"};
    char p[320];

    store_close(f->st);
    unitdb_drop(&f->db);
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/regman.db%s", f->dir, sfx[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* A parameter of run(): text when text is set, else num. */
struct arg {
    const char *text;
    int64_t num;
};

/* run - sql with args bound in order, stepped once; asserts the step is
 * want (STORE_ROW or STORE_DONE) and returns column 0 of the row (0 for
 * STORE_DONE). */
static int64_t run(struct fx *f, const char *sql, int want,
                   const struct arg *args, size_t n)
{
    struct store_stmt *s;
    struct rm_err err = {0};
    int64_t v = 0;

    assert_int_equal(store_prepare(f->st, sql, &s, &err), 0);
    for (size_t i = 0; i < n; i++)
        if (args[i].text)
            store_bind_text(s, (int)i + 1, args[i].text);
        else
            store_bind_int64(s, (int)i + 1, args[i].num);
    assert_int_equal(store_step(s, &err), want);
    if (want == STORE_ROW)
        v = store_col_int64(s, 0);
    store_stmt_release(s);
    return v;
}

#define RUN(f, sql, want, ...)                                                 \
    run(f, sql, want, (const struct arg[]){__VA_ARGS__},                       \
        sizeof((const struct arg[]){__VA_ARGS__}) / sizeof(struct arg))

static int64_t customer(struct fx *f, const char *name, int64_t credit_limit)
{
    return RUN(f,
               "INSERT INTO accounts (name, kind, credit_limit, created_at) "
               "VALUES (?, 'customer', ?, ?) RETURNING id",
               STORE_ROW, {name, 0}, {NULL, credit_limit}, {NULL, NOW});
}

/* new_op - a domain and an operation for account with fee amount, inside
 * the caller's transaction. */
static int64_t new_op(struct fx *f, int64_t account, int64_t amount)
{
    char name[64];
    int64_t dom;

    snprintf(name, sizeof name, "d%d.com", ++f->ndomains);
    dom = RUN(f,
              "INSERT INTO domains (name, unicode_name, tld, account_id, "
              "connection_id, status, created_at, updated_at) VALUES (?, ?, "
              "'com', ?, ?, 'registering', ?, ?) RETURNING id",
              STORE_ROW, {name, 0}, {name, 0}, {NULL, account}, {NULL, f->conn},
              {NULL, NOW}, {NULL, NOW});
    return RUN(f,
               "INSERT INTO operations (kind, domain_id, account_id, "
               "connection_id, state, term, amount, created_at) VALUES "
               "('register', ?, ?, ?, 'new', 1, ?, ?) RETURNING id",
               STORE_ROW, {NULL, dom}, {NULL, account}, {NULL, f->conn},
               {NULL, amount}, {NULL, NOW});
}

/* charge_new_op - operation + charge in one transaction, as core does;
 * returns ledger_charge's result (the transaction commits only on 0). */
static int charge_new_op(struct fx *f, int64_t account, int64_t amount,
                         int64_t *op, struct rm_err *err)
{
    int rc;

    assert_int_equal(store_begin(f->st, STORE_TX_WRITE, err), 0);
    *op = new_op(f, account, amount);
    rc = ledger_charge(f->st, *op, NOW, err);
    if (rc == 0)
        assert_int_equal(store_commit(f->st, err), 0);
    else
        store_rollback(f->st);
    return rc;
}

static void set_state(struct fx *f, int64_t op, const char *state)
{
    RUN(f, "UPDATE operations SET state = ? WHERE id = ?", STORE_DONE,
        {state, 0}, {NULL, op});
}

/* charged_alice - the common start: alice with 5000 credited ("pay-1")
 * and one operation of 1200 charged (*op). */
static int64_t charged_alice(struct fx *f, int64_t *op)
{
    struct rm_err err = {0};
    int64_t a = customer(f, "alice", 0);

    assert_int_equal(ledger_credit(f->st, a, 5000, "pay-1", NULL, NOW, &err),
                     0);
    assert_int_equal(charge_new_op(f, a, 1200, op, &err), 0);
    return a;
}

static int64_t balance(struct fx *f, int64_t account)
{
    return one(f->st, "SELECT balance FROM accounts WHERE id = ?", account);
}

static int64_t nrows(struct fx *f, const char *table)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", table);
    return one(f->st, sql, 0);
}

static void assert_audit_clean(struct fx *f)
{
    struct ledger_audit rep;
    struct rm_err err = {0};

    assert_int_equal(ledger_audit(f->st, &rep, &err), 0);
    if (!ledger_audit_ok(&rep))
        fail_msg("audit: %zu bad accounts, %zu bad operations, %zu bad "
                 "postings",
                 rep.nbad_accounts, rep.nbad_operations, rep.nbad_postings);
    ledger_audit_release(&rep);
}

static void test_credit_moves_money_from_funding(void **state)
{
    struct fx *f = *state;
    struct rm_err err = {0};
    int64_t a = customer(f, "alice", 0);

    assert_int_equal(ledger_credit(f->st, a, 5000, "pay-1", "wire", NOW, &err),
                     0);
    assert_int_equal(balance(f, a), 5000);
    assert_int_equal(balance(f, f->funding), -5000);
    assert_int_equal(nrows(f, "ledger_postings"), 1);
    assert_int_equal(nrows(f, "ledger_entries"), 2);
    assert_int_equal(one(f->st,
                         "SELECT SUM(amount) FROM ledger_entries "
                         "WHERE posting_id = (SELECT MAX(id) FROM "
                         "ledger_postings)",
                         0),
                     0);
    assert_audit_clean(f);
}

static void test_charge_legs_sum_to_zero_and_balance_tracks(void **state)
{
    struct fx *f = *state;
    int64_t op, a = charged_alice(f, &op);

    assert_int_equal(balance(f, a), 3800);
    assert_int_equal(balance(f, f->sales), 1200);
    assert_int_equal(one(f->st,
                         "SELECT SUM(e.amount) FROM ledger_entries e JOIN "
                         "ledger_postings p ON p.id = e.posting_id "
                         "WHERE p.operation_id = ?",
                         op),
                     0);
    assert_int_equal(one(f->st,
                         "SELECT SUM(amount) FROM ledger_entries "
                         "WHERE account_id = ?",
                         a),
                     balance(f, a));
    assert_int_equal(one(f->st, "SELECT SUM(balance) FROM accounts", 0), 0);
    assert_audit_clean(f);
}

/* I8, table-driven: balance, credit limit, fee -> allowed? */
static const struct {
    int64_t credit;
    int64_t limit;
    int64_t fee;
    int ok;
} funds_cases[] = {
    {500, 0, 1200, 0},  {1200, 0, 1200, 1},   {0, 1000, 700, 1},
    {0, 1000, 1001, 0}, {500, 1000, 1500, 1}, {500, 1000, 1501, 0},
    {0, 0, 0, 1}, /* a free operation is always allowed */
};

static void test_credit_limit_refusal_writes_nothing(void **state)
{
    struct fx *f = *state;

    for (size_t i = 0; i < sizeof funds_cases / sizeof funds_cases[0]; i++) {
        struct rm_err err = {0};
        char name[32], key[32];
        int64_t a, op, postings, entries, ops;
        int rc;

        snprintf(name, sizeof name, "c%zu", i);
        a = customer(f, name, funds_cases[i].limit);
        if (funds_cases[i].credit > 0) {
            snprintf(key, sizeof key, "k%zu", i);
            assert_int_equal(ledger_credit(f->st, a, funds_cases[i].credit, key,
                                           NULL, NOW, &err),
                             0);
        }
        assert_int_equal(ledger_check_funds(f->st, a, funds_cases[i].fee, &err),
                         funds_cases[i].ok ? 0 : RM_ELIMIT);
        postings = nrows(f, "ledger_postings");
        entries = nrows(f, "ledger_entries");
        ops = nrows(f, "operations");

        assert_int_equal(store_begin(f->st, STORE_TX_WRITE, &err), 0);
        op = new_op(f, a, funds_cases[i].fee);
        rc = ledger_charge(f->st, op, NOW, &err);
        if (funds_cases[i].ok) {
            assert_int_equal(rc, 0);
            assert_int_equal(store_commit(f->st, &err), 0);
            assert_int_equal(balance(f, a),
                             funds_cases[i].credit - funds_cases[i].fee);
            continue;
        }
        assert_int_equal(rc, RM_ELIMIT);
        assert_non_null(strstr(err.msg, "insufficient funds"));
        /* Refused inside the transaction: the ledger wrote nothing there. */
        assert_int_equal(nrows(f, "ledger_postings"), postings);
        assert_int_equal(nrows(f, "ledger_entries"), entries);
        store_rollback(f->st);
        assert_int_equal(nrows(f, "operations"), ops);
        assert_int_equal(balance(f, a), funds_cases[i].credit);
    }
    assert_audit_clean(f);
}

static void test_replayed_charge_changes_nothing(void **state)
{
    struct fx *f = *state;
    struct rm_err err = {0};
    int64_t op, a = charged_alice(f, &op);

    for (int i = 0; i < 3; i++) {
        assert_int_equal(store_begin(f->st, STORE_TX_WRITE, &err), 0);
        assert_int_equal(ledger_charge(f->st, op, NOW + 1, &err),
                         LEDGER_REPLAYED);
        assert_int_equal(store_commit(f->st, &err), 0);
    }
    assert_int_equal(balance(f, a), 3800);
    assert_int_equal(nrows(f, "ledger_postings"), 2);
    assert_audit_clean(f);
}

static void test_refund_reverses_charge_exactly_once(void **state)
{
    struct fx *f = *state;
    struct rm_err err = {0};
    int64_t op, got = 0, a = charged_alice(f, &op);

    for (int i = 0; i < 2; i++) {
        assert_int_equal(store_begin(f->st, STORE_TX_WRITE, &err), 0);
        set_state(f, op, "failed");
        assert_int_equal(ledger_refund(f->st, op, NOW, &got, &err),
                         i == 0 ? 0 : LEDGER_REPLAYED);
        assert_int_equal(got, 1200);
        assert_int_equal(store_commit(f->st, &err), 0);
    }
    assert_int_equal(balance(f, a), 5000);
    assert_int_equal(balance(f, f->sales), 0);
    assert_audit_clean(f);
}

static void test_refund_without_charge_is_refused(void **state)
{
    struct fx *f = *state;
    struct rm_err err = {0};
    int64_t a = customer(f, "alice", 0), op;

    assert_int_equal(store_begin(f->st, STORE_TX_WRITE, &err), 0);
    op = new_op(f, a, 1200);
    assert_int_equal(ledger_refund(f->st, op, NOW, NULL, &err), RM_EINTERNAL);
    assert_int_equal(ledger_refund(f->st, op + 100, NOW, NULL, &err),
                     RM_ENOTFOUND);
    store_rollback(f->st);
    assert_int_equal(nrows(f, "ledger_postings"), 0);
}

static void test_credit_key_replay_and_reuse(void **state)
{
    struct fx *f = *state;
    struct rm_err err = {0};
    int64_t a = customer(f, "alice", 0), b = customer(f, "bob", 0);

    assert_int_equal(ledger_credit(f->st, a, 700, "pay-9", NULL, NOW, &err), 0);
    assert_int_equal(ledger_credit(f->st, a, 700, "pay-9", NULL, NOW, &err),
                     LEDGER_REPLAYED);
    /* The same key for something else is an error, not a silent no-op. */
    assert_int_equal(ledger_credit(f->st, a, 800, "pay-9", NULL, NOW, &err),
                     RM_EINVAL);
    assert_non_null(strstr(err.msg, "already used"));
    assert_int_equal(ledger_credit(f->st, b, 700, "pay-9", NULL, NOW, &err),
                     RM_EINVAL);
    assert_int_equal(ledger_adjust(f->st, a, 700, "pay-9", NULL, NOW, &err),
                     RM_EINVAL);
    assert_int_equal(balance(f, a), 700);
    assert_int_equal(balance(f, b), 0);
    assert_int_equal(nrows(f, "ledger_postings"), 1);
    assert_int_equal(store_in_tx(f->st), 0);
    assert_audit_clean(f);
}

/* A replay is recognised even when the posting would be refused now: the
 * customer's money went elsewhere since the charge. */
static void test_replay_wins_over_a_refusal(void **state)
{
    struct fx *f = *state;
    struct rm_err err = {0};
    int64_t op, a = charged_alice(f, &op);

    assert_int_equal(ledger_adjust(f->st, a, -3800, "drain", NULL, NOW, &err),
                     0);
    assert_int_equal(store_begin(f->st, STORE_TX_WRITE, &err), 0);
    assert_int_equal(ledger_charge(f->st, op, NOW + 1, &err), LEDGER_REPLAYED);
    assert_int_equal(store_commit(f->st, &err), 0);
    /* a key reused for other content is still an error */
    assert_int_equal(ledger_adjust(f->st, a, -5, "drain", NULL, NOW, &err),
                     RM_EINVAL);
    assert_non_null(strstr(err.msg, "already used"));
    assert_int_equal(balance(f, a), 0);
    assert_int_equal(nrows(f, "ledger_postings"), 3);
    assert_audit_clean(f);
}

/* Bad amounts and keys, table-driven: each refused, nothing written. */
static void test_bad_input_is_refused(void **state)
{
    struct fx *f = *state;
    struct rm_err err = {0};
    int64_t a = customer(f, "alice", 0);
    char longkey[LEDGER_MAX_KEY + 2], longmemo[LEDGER_MAX_MEMO + 2];
    const struct {
        int adjust;
        int64_t account;
        int64_t amount;
        const char *key;
        const char *memo;
        int rc;
    } cases[] = {
        {0, a, 0, "k", NULL, RM_EINVAL},
        {0, a, -5, "k", NULL, RM_EINVAL},
        {0, a, INT64_MIN, "k", NULL, RM_EINVAL},
        {1, a, 0, "k", NULL, RM_EINVAL},
        {1, a, INT64_MIN, "k", NULL, RM_EINVAL},
        {0, a, 5, NULL, NULL, RM_EINVAL},
        {0, a, 5, "", NULL, RM_EINVAL},
        {0, a, 5, longkey, NULL, RM_EINVAL},
        {0, a, 5, "k", longmemo, RM_EINVAL},
        {0, 9999, 5, "k", NULL, RM_ENOTFOUND},
        {0, f->sales, 5, "k", NULL, RM_EINVAL},
    };

    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    memset(longmemo, 'm', sizeof longmemo - 1);
    longmemo[sizeof longmemo - 1] = '\0';
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = cases[i].adjust
                     ? ledger_adjust(f->st, cases[i].account, cases[i].amount,
                                     cases[i].key, cases[i].memo, NOW, &err)
                     : ledger_credit(f->st, cases[i].account, cases[i].amount,
                                     cases[i].key, cases[i].memo, NOW, &err);
        if (rc != cases[i].rc)
            fail_msg("case %zu: rc %d, want %d (%s)", i, rc, cases[i].rc,
                     err.msg);
        assert_int_equal(store_in_tx(f->st), 0);
    }
    assert_int_equal(nrows(f, "ledger_postings"), 0);
    assert_int_equal(balance(f, a), 0);
}

static void test_overflow_is_refused(void **state)
{
    struct fx *f = *state;
    struct rm_err err = {0};
    int64_t a = customer(f, "alice", 0), b = customer(f, "bob", 0);

    assert_int_equal(ledger_credit(f->st, a, INT64_MAX, "big", NULL, NOW, &err),
                     0);
    /* alice would pass INT64_MAX */
    assert_int_equal(ledger_adjust(f->st, a, 1, "a1", NULL, NOW, &err),
                     RM_EINVAL);
    assert_non_null(strstr(err.msg, "overflow"));
    /* funding sits at -INT64_MAX: crediting bob would take it past MIN */
    assert_int_equal(ledger_credit(f->st, b, 2, "b2", NULL, NOW, &err),
                     RM_EINVAL);
    assert_non_null(strstr(err.msg, "overflow"));
    assert_int_equal(balance(f, a), INT64_MAX);
    assert_int_equal(balance(f, b), 0);
    assert_int_equal(balance(f, f->funding), -INT64_MAX);
    assert_int_equal(nrows(f, "ledger_postings"), 1);
    /* Money can still flow back. */
    assert_int_equal(
        ledger_adjust(f->st, a, -INT64_MAX, "back", NULL, NOW, &err), 0);
    assert_int_equal(balance(f, a), 0);
    assert_audit_clean(f);
}

static void test_adjust_may_go_below_the_limit(void **state)
{
    struct fx *f = *state;
    struct rm_err err = {0};
    int64_t a = customer(f, "alice", 0), op;

    assert_int_equal(
        ledger_adjust(f->st, a, -300, "chargeback", "reversed", NOW, &err), 0);
    assert_int_equal(balance(f, a), -300);
    assert_int_equal(balance(f, f->funding), 300);
    /* ...but a charge still may not. */
    assert_int_equal(charge_new_op(f, a, 1, &op, &err), RM_ELIMIT);
    assert_audit_clean(f);
}

static void test_transaction_rules_are_enforced(void **state)
{
    struct fx *f = *state;
    struct rm_err err = {0};
    int64_t a = customer(f, "alice", 0), op;

    assert_int_equal(store_begin(f->st, STORE_TX_WRITE, &err), 0);
    op = new_op(f, a, 0);
    assert_int_equal(store_commit(f->st, &err), 0);
    /* Charges belong to the caller's transaction... */
    assert_int_equal(ledger_charge(f->st, op, NOW, &err), RM_EINTERNAL);
    assert_int_equal(ledger_refund(f->st, op, NOW, NULL, &err), RM_EINTERNAL);
    /* ...credits bring their own. */
    assert_int_equal(store_begin(f->st, STORE_TX_WRITE, &err), 0);
    assert_int_equal(ledger_credit(f->st, a, 5, "k", NULL, NOW, &err),
                     RM_EINTERNAL);
    store_rollback(f->st);
    assert_int_equal(nrows(f, "ledger_postings"), 0);
}

static void test_free_operation_has_a_charge_without_legs(void **state)
{
    struct fx *f = *state;
    struct rm_err err = {0};
    int64_t a = customer(f, "alice", 0), op;

    assert_int_equal(charge_new_op(f, a, 0, &op, &err), 0);
    assert_int_equal(nrows(f, "ledger_postings"), 1);
    assert_int_equal(nrows(f, "ledger_entries"), 0);
    assert_audit_clean(f);
    assert_int_equal(store_begin(f->st, STORE_TX_WRITE, &err), 0);
    set_state(f, op, "cancelled");
    assert_int_equal(ledger_refund(f->st, op, NOW, NULL, &err), 0);
    assert_int_equal(store_commit(f->st, &err), 0);
    assert_audit_clean(f);
}

struct hist {
    int n;
    int64_t amounts[8];
    int64_t after[8];
    enum ledger_kind kinds[8];
};

static int collect(const struct ledger_line *l, void *ctx)
{
    struct hist *h = ctx;
    if (h->n == 8)
        return 1;
    h->amounts[h->n] = l->amount;
    h->after[h->n] = l->balance_after;
    h->kinds[h->n] = l->kind;
    h->n++;
    return 0;
}

static void test_history_is_newest_first_with_running_balance(void **state)
{
    struct fx *f = *state;
    struct rm_err err = {0};
    int64_t a = customer(f, "alice", 0), op;
    struct hist h = {0};

    assert_int_equal(ledger_credit(f->st, a, 5000, "p1", NULL, NOW, &err), 0);
    assert_int_equal(charge_new_op(f, a, 1200, &op, &err), 0);
    assert_int_equal(store_begin(f->st, STORE_TX_WRITE, &err), 0);
    set_state(f, op, "failed");
    assert_int_equal(ledger_refund(f->st, op, NOW, NULL, &err), 0);
    assert_int_equal(store_commit(f->st, &err), 0);
    assert_int_equal(ledger_adjust(f->st, a, -100, "fix", NULL, NOW, &err), 0);

    assert_int_equal(ledger_history(f->st, a, 0, collect, &h, &err), 0);
    assert_int_equal(h.n, 4);
    const int64_t amounts[] = {-100, 1200, -1200, 5000};
    const int64_t after[] = {4900, 5000, 3800, 5000};
    const enum ledger_kind kinds[] = {LEDGER_ADJUST, LEDGER_REFUND,
                                      LEDGER_CHARGE, LEDGER_CREDIT};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(h.amounts[i], amounts[i]);
        assert_int_equal(h.after[i], after[i]);
        assert_int_equal(h.kinds[i], kinds[i]);
    }
    memset(&h, 0, sizeof h);
    assert_int_equal(ledger_history(f->st, a, 2, collect, &h, &err), 0);
    assert_int_equal(h.n, 2);
    assert_string_equal(ledger_kind_name(LEDGER_REFUND), "refund");
}

static void test_audit_detects_tampered_balance(void **state)
{
    struct fx *f = *state;
    struct rm_err err = {0};
    struct ledger_audit rep;
    int64_t a = customer(f, "alice", 0), b = customer(f, "bob", 0);

    assert_int_equal(ledger_credit(f->st, a, 5000, "p1", NULL, NOW, &err), 0);
    assert_int_equal(ledger_credit(f->st, b, 100, "p2", NULL, NOW, &err), 0);
    assert_audit_clean(f);
    assert_int_equal(store_exec(f->st,
                                "UPDATE accounts SET balance = balance + 1 "
                                "WHERE name = 'alice'",
                                &err),
                     0);
    assert_int_equal(ledger_audit(f->st, &rep, &err), 0);
    assert_false(ledger_audit_ok(&rep));
    assert_int_equal(rep.accounts_checked, 4);
    assert_int_equal(rep.nbad_accounts, 1);
    assert_int_equal(rep.bad_accounts[0].account_id, a);
    assert_string_equal(rep.bad_accounts[0].name, "alice");
    assert_int_equal(rep.bad_accounts[0].balance, 5001);
    assert_int_equal(rep.bad_accounts[0].sum, 5000);
    assert_int_equal(rep.nbad_postings, 0);
    ledger_audit_release(&rep);
}

static void test_audit_detects_unbalanced_posting(void **state)
{
    struct fx *f = *state;
    struct rm_err err = {0};
    struct ledger_audit rep;
    int64_t a = customer(f, "alice", 0);

    assert_int_equal(ledger_credit(f->st, a, 5000, "p1", NULL, NOW, &err), 0);
    assert_int_equal(
        store_exec(f->st, "DELETE FROM ledger_entries WHERE amount < 0", &err),
        0);
    assert_int_equal(ledger_audit(f->st, &rep, &err), 0);
    assert_int_equal(rep.nbad_postings, 1);
    assert_int_equal(rep.nbad_accounts, 1); /* funding lost its leg */
    assert_int_equal(rep.bad_accounts[0].account_id, f->funding);
    ledger_audit_release(&rep);
}

/* I2, table-driven: a state and the postings an operation has. */
static void test_audit_checks_operation_legs(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *state;
        int charge;
        int refund;
        int ok;
    } cases[] = {
        {"pending", 1, 0, 1},   {"succeeded", 1, 0, 1}, {"sending", 1, 0, 1},
        {"failed", 1, 1, 1},    {"timed_out", 1, 1, 1}, {"cancelled", 1, 1, 1},
        {"failed", 1, 0, 0},    {"succeeded", 1, 1, 0}, {"pending", 0, 0, 0},
        {"timed_out", 1, 0, 0},
    };
    struct rm_err err = {0};
    int64_t a = customer(f, "alice", 0), ops[16];
    size_t n = sizeof cases / sizeof cases[0], bad = 0;
    struct ledger_audit rep;

    assert_int_equal(ledger_credit(f->st, a, 100000, "p1", NULL, NOW, &err), 0);
    assert_int_equal(store_begin(f->st, STORE_TX_WRITE, &err), 0);
    for (size_t i = 0; i < n; i++) {
        ops[i] = new_op(f, a, 1000);
        if (cases[i].charge)
            assert_int_equal(ledger_charge(f->st, ops[i], NOW, &err), 0);
        if (cases[i].refund)
            assert_int_equal(ledger_refund(f->st, ops[i], NOW, NULL, &err), 0);
        set_state(f, ops[i], cases[i].state);
        bad += !cases[i].ok;
    }
    assert_int_equal(store_commit(f->st, &err), 0);
    assert_int_equal(ledger_audit(f->st, &rep, &err), 0);
    assert_int_equal(rep.operations_checked, n);
    assert_int_equal(rep.nbad_operations, bad);
    assert_int_equal(rep.nbad_accounts, 0);
    for (size_t i = 0, j = 0; i < n; i++) {
        if (cases[i].ok)
            continue;
        assert_int_equal(rep.bad_operations[j].operation_id, ops[i]);
        assert_string_equal(rep.bad_operations[j].state, cases[i].state);
        assert_true(rep.bad_operations[j].why[0] != '\0');
        j++;
    }
    ledger_audit_release(&rep);
}

/* A lost optimistic update: between_bump moves one balance between the
 * posting's read and its `WHERE balance = old` write, once, as a writer on
 * another node would. The unit of work must be re-run whole and the books
 * must come out exact. */
static int64_t bump_account;
static int bump_calls;

static void between_bump(struct store *st)
{
    struct store_stmt *s;
    struct rm_err err = {0};

    if (bump_calls++ > 0)
        return;
    assert_int_equal(store_prepare(st,
                                   "UPDATE accounts SET balance = balance + 7 "
                                   "WHERE id = ?",
                                   &s, &err),
                     0);
    store_bind_int64(s, 1, bump_account);
    assert_int_equal(store_step(s, &err), STORE_DONE);
    store_stmt_release(s);
}

/* A leg without a credit limit (here both legs of a credit) is added to
 * the balance the row has when it is written: a change made meanwhile
 * (the hook's +7, as another node's posting) is kept, never overwritten,
 * and nothing is re-run. */
static void test_a_leg_without_a_limit_adds_to_a_concurrent_change(void **state)
{
    struct fx *f = *state;
    struct rm_err err = {0};
    int64_t a = customer(f, "alice", 0);

    bump_account = f->funding;
    bump_calls = 0;
    ledger_set_test_hook(between_bump);
    int rc = ledger_credit(f->st, a, 5000, "pay-1", NULL, NOW, &err);
    ledger_set_test_hook(NULL);
    if (rc != 0)
        fail_msg("credit: %s", err.msg);
    assert_int_equal(bump_calls, 1); /* one run: nothing was lost */
    assert_int_equal(balance(f, a), 5000);
    assert_int_equal(balance(f, f->funding), -5000 + 7);
    assert_int_equal(nrows(f, "ledger_postings"), 1);
    assert_int_equal(nrows(f, "ledger_entries"), 2);
}

struct charge_unit {
    struct fx *f;
    int64_t account;
    int64_t op;
    int runs;
};

/* charge_unit - an operation and its charge, as core's units of work. */
static int charge_unit(struct store *st, void *arg, struct rm_err *err)
{
    struct charge_unit *u = arg;

    (void)st;
    u->runs++;
    u->op = new_op(u->f, u->account, 1200);
    return ledger_charge(u->f->st, u->op, NOW, err);
}

static void test_lost_update_on_charge_reruns_the_unit(void **state)
{
    struct fx *f = *state;
    struct rm_err err = {0};
    int64_t a = customer(f, "alice", 0);
    struct charge_unit u = {f, a, 0, 0};

    assert_int_equal(ledger_credit(f->st, a, 5000, "pay-1", NULL, NOW, &err),
                     0);
    /* the customer's leg carries the credit limit: a change of its
     * balance since the check loses the write, and the unit is re-run */
    bump_account = a;
    bump_calls = 0;
    ledger_set_test_hook(between_bump);
    int rc = store_tx(f->st, STORE_TX_WRITE, charge_unit, &u, &err);
    ledger_set_test_hook(NULL);
    if (rc != 0)
        fail_msg("charge: %s", err.msg);
    assert_int_equal(u.runs, 2);
    assert_int_equal(nrows(f, "operations"), 1);
    assert_int_equal(balance(f, a), 3800);
    assert_int_equal(balance(f, f->sales), 1200);
    assert_int_equal(one(f->st, "SELECT SUM(balance) FROM accounts", 0), 0);
    assert_audit_clean(f);
}

/* Two handles (threads) on one file post to the same accounts at once:
 * every credit lands exactly once and the books stay exact. */
#define RACE_N 40

struct racer {
    const char *path;
    int64_t account;
    int id;
    int failures;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    struct store *st;
    struct rm_err err = {0};

    if (store_open(r->path, NULL, &st, &err) != 0) {
        r->failures = RACE_N;
        return NULL;
    }
    for (int i = 0; i < RACE_N; i++) {
        char key[32];
        snprintf(key, sizeof key, "race-%d-%d", r->id, i);
        if (ledger_credit(st, r->account, 10, key, NULL, NOW, &err) != 0)
            r->failures++;
        /* and a replay of the one before, which must change nothing */
        if (i > 0) {
            snprintf(key, sizeof key, "race-%d-%d", r->id, i - 1);
            if (ledger_credit(st, r->account, 10, key, NULL, NOW, &err) !=
                LEDGER_REPLAYED)
                r->failures++;
        }
    }
    store_close(st);
    return NULL;
}

static void test_two_handles_posting_at_once_keep_books_exact(void **state)
{
    struct fx *f = *state;
    int64_t a = customer(f, "alice", 0), b = customer(f, "bob", 0);
    struct racer r[2] = {{f->path, a, 0, 0}, {f->path, b, 1, 0}};
    pthread_t t[2];

    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_int_equal(r[0].failures, 0);
    assert_int_equal(r[1].failures, 0);
    assert_int_equal(balance(f, a), 10 * RACE_N);
    assert_int_equal(balance(f, b), 10 * RACE_N);
    assert_int_equal(balance(f, f->funding), -20 * RACE_N);
    assert_int_equal(nrows(f, "ledger_postings"), 2 * RACE_N);
    assert_audit_clean(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_credit_moves_money_from_funding),
        T(test_charge_legs_sum_to_zero_and_balance_tracks),
        T(test_credit_limit_refusal_writes_nothing),
        T(test_replayed_charge_changes_nothing),
        T(test_refund_reverses_charge_exactly_once),
        T(test_refund_without_charge_is_refused),
        T(test_credit_key_replay_and_reuse),
        T(test_replay_wins_over_a_refusal),
        T(test_bad_input_is_refused),
        T(test_overflow_is_refused),
        T(test_adjust_may_go_below_the_limit),
        T(test_transaction_rules_are_enforced),
        T(test_free_operation_has_a_charge_without_legs),
        T(test_history_is_newest_first_with_running_balance),
        T(test_audit_detects_tampered_balance),
        T(test_audit_detects_unbalanced_posting),
        T(test_audit_checks_operation_legs),
        T(test_a_leg_without_a_limit_adds_to_a_concurrent_change),
        T(test_lost_update_on_charge_reruns_the_unit),
        T(test_two_handles_posting_at_once_keep_books_exact),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
