/*
 * ledger - double-entry money (contract in ledger.h; design section 5).
 *
 * Invariants (checked by ledger_audit on real data; the numbers are the
 * ones `regman audit` prints; I3 and I4 belong to core/ops.c):
 *
 * I1  accounts.balance = sum of ledger_entries.amount of that account.
 *     Kept by post(): the entries and the new balances are written in one
 *     transaction, and a balance is only written as "old + leg" after the
 *     old value is re-checked (UPDATE ... WHERE balance = old).
 * I2  every operation has exactly the legs its state requires: one charge
 *     posting (customer leg = -operations.amount; no legs for a fee of 0) in
 *     every state, because the operation and its charge are created in one
 *     transaction; and one refund posting (+amount) iff the state is failed,
 *     timed_out or cancelled.
 * I5  the legs of every posting sum to zero, so the balances of all
 *     accounts together sum to zero. post() refuses unbalanced legs.
 * I6  one posting per idempotency key (UNIQUE idem_key); a replay with the
 *     same key and content returns LEDGER_REPLAYED and writes nothing; the
 *     same key with different content is an error.
 * I7  at most one charge and one refund per operation (UNIQUE
 *     (operation_id, kind)); a refund reverses its operation's charge
 *     exactly, to the same account.
 * I8  a charge never takes a customer's balance below -credit_limit; the
 *     check happens before anything is written.
 * I9  an order of a reseller's customer (operations.reseller_id) is
 *     charged in one posting: the customer -amount (retail) to the
 *     reseller's reseller_sales account, and the reseller -wholesale to
 *     sales; both the customer and the reseller are bound by I8; the
 *     refund reverses both exactly. Checked with I2: the reseller's leg of
 *     the charge is -wholesale, of the refund +wholesale.
 *
 * Every check runs before the first write, so a refused posting writes
 * nothing even inside the caller's transaction.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ledger.h"

#include "core/money.h"
#include "util/xalloc.h"

#define MAX_LEGS 4

struct leg {
    int64_t account_id;
    int64_t amount;
};

struct acct {
    int64_t id;
    char name[128];
    char kind[16];
    char currency[16];
    int64_t balance;
    int64_t credit_limit;
};

static const char *const kind_names[] = {
    [LEDGER_CHARGE] = "charge",
    [LEDGER_REFUND] = "refund",
    [LEDGER_CREDIT] = "credit",
    [LEDGER_ADJUST] = "adjust",
};

const char *ledger_kind_name(enum ledger_kind k)
{
    return (unsigned)k < sizeof kind_names / sizeof kind_names[0]
               ? kind_names[k]
               : "?";
}

static int kind_from_name(const char *s, enum ledger_kind *k)
{
    for (size_t i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++) {
        if (s && strcmp(s, kind_names[i]) == 0) {
            *k = (enum ledger_kind)i;
            return 0;
        }
    }
    return -1;
}

static void copy_col(char *dst, size_t n, struct store_stmt *s, int col)
{
    const char *t = store_col_text(s, col);
    snprintf(dst, n, "%s", t ? t : "");
}

/* first_row - sql with ?1 bound (to key, or to id when key is NULL),
 * stepped once: STORE_ROW with *s for the caller to read and release;
 * STORE_DONE or < 0 with *s released. */
static int first_row(struct store *st, const char *sql, const char *key,
                     int64_t id, struct store_stmt **s, struct rm_err *err)
{
    int rc;

    if ((rc = store_prepare(st, sql, s, err)) < 0)
        return rc;
    if (key)
        store_bind_text(*s, 1, key);
    else
        store_bind_int64(*s, 1, id);
    rc = store_step(*s, err);
    if (rc != STORE_ROW)
        store_stmt_release(*s);
    return rc;
}

/* load_account - the row of account id, or RM_ENOTFOUND. */
static int load_account(struct store *st, int64_t id, struct acct *a,
                        struct rm_err *err)
{
    static const char sql[] = "SELECT id, name, kind, currency, balance, "
                              "credit_limit FROM accounts WHERE id = ?";
    struct store_stmt *s;
    int rc = first_row(st, sql, NULL, id, &s, err);

    if (rc == STORE_ROW) {
        a->id = store_col_int64(s, 0);
        copy_col(a->name, sizeof a->name, s, 1);
        copy_col(a->kind, sizeof a->kind, s, 2);
        copy_col(a->currency, sizeof a->currency, s, 3);
        a->balance = store_col_int64(s, 4);
        a->credit_limit = store_col_int64(s, 5);
        store_stmt_release(s);
        rc = 0;
    } else if (rc == STORE_DONE) {
        rc = rm_err_set(err, RM_ENOTFOUND, "ledger: no account %" PRId64, id);
    }
    return rc;
}

/* system_account - id of the one 'sales' or 'funding' account. */
static int system_account(struct store *st, const char *kind, int64_t *id,
                          struct rm_err *err)
{
    static const char sql[] = "SELECT id FROM accounts WHERE kind = ?";
    struct store_stmt *s;
    int rc = first_row(st, sql, kind, 0, &s, err);

    if (rc == STORE_ROW) {
        *id = store_col_int64(s, 0);
        store_stmt_release(s);
        rc = 0;
    } else if (rc == STORE_DONE) {
        rc = rm_err_set(err, RM_EINTERNAL,
                        "ledger: the system account '%s' is missing", kind);
    }
    return rc;
}

/* reseller_sales - the reseller_sales account of reseller id. */
static int reseller_sales(struct store *st, int64_t id, int64_t *out,
                          struct rm_err *err)
{
    static const char sql[] =
        "SELECT COALESCE(r.sales_account_id, 0) FROM accounts r JOIN "
        "accounts s ON s.id = r.sales_account_id AND s.kind = "
        "'reseller_sales' WHERE r.id = ? AND r.reseller = 1";
    struct store_stmt *s;
    int rc = first_row(st, sql, NULL, id, &s, err);

    if (rc == STORE_ROW) {
        *out = store_col_int64(s, 0);
        store_stmt_release(s);
        return 0;
    }
    if (rc == STORE_DONE)
        rc = rm_err_set(err, RM_EINTERNAL,
                        "ledger: account %" PRId64
                        " is no reseller with a sales account",
                        id);
    return rc;
}

static int require_customer(const struct acct *a, struct rm_err *err)
{
    if (strcmp(a->kind, "customer") != 0)
        return rm_err_set(err, RM_EINVAL,
                          "ledger: account %" PRId64
                          " (%s) is a system account, not a customer",
                          a->id, a->name);
    return 0;
}

/* funds_ok - I8 for a customer whose balance would become nb. */
static int funds_ok(const struct acct *a, int64_t charge, int64_t nb,
                    struct rm_err *err)
{
    if (nb >= -a->credit_limit)
        return 0;
    char bal[32], chg[32], lim[32];
    return rm_err_set(err, RM_ELIMIT,
                      "insufficient funds: account %s has a balance of %s, "
                      "the charge is %s and the credit limit is %s",
                      a->name, money_format(a->balance, bal),
                      money_format(charge, chg),
                      money_format(a->credit_limit, lim));
}

/* find_posting - id and content of the posting with idem_key, if any. */
static int find_posting(struct store *st, const char *key, int64_t *id,
                        enum ledger_kind *kind, int64_t *op_id,
                        struct rm_err *err)
{
    static const char sql[] =
        "SELECT id, kind, COALESCE(operation_id, 0) FROM ledger_postings "
        "WHERE idem_key = ?";
    struct store_stmt *s;
    int rc;

    *id = 0;
    rc = first_row(st, sql, key, 0, &s, err);
    if (rc == STORE_ROW) {
        *id = store_col_int64(s, 0);
        if (kind_from_name(store_col_text(s, 1), kind) < 0)
            rc = rm_err_set(err, RM_EINTERNAL,
                            "ledger: posting %" PRId64 " has an unknown kind",
                            *id);
        else
            rc = 0;
        *op_id = store_col_int64(s, 2);
        store_stmt_release(s);
    } else if (rc == STORE_DONE) {
        rc = 0;
    }
    return rc;
}

/* same_legs - does posting pid consist of exactly legs[0..n)? */
static int same_legs(struct store *st, int64_t pid, const struct leg *legs,
                     size_t n, int *same, struct rm_err *err)
{
    static const char sql[] = "SELECT account_id, amount FROM ledger_entries "
                              "WHERE posting_id = ?";
    struct store_stmt *s;
    size_t seen = 0;
    int rc;

    *same = 1;
    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, pid);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        int64_t acc = store_col_int64(s, 0), amt = store_col_int64(s, 1);
        int found = 0;
        for (size_t i = 0; i < n; i++)
            if (legs[i].account_id == acc && legs[i].amount == amt)
                found = 1;
        if (!found)
            *same = 0;
        seen++;
    }
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (seen != n)
        *same = 0;
    return 0;
}

struct posting {
    enum ledger_kind kind;
    const char *idem_key;
    int64_t operation_id; /* 0 = none */
    const char *memo;
    int64_t now;
    struct leg legs[MAX_LEGS];
    size_t nlegs;    /* 0 for a fee of 0 */
    unsigned limits; /* bit i: leg i is bound by I8 */
};

static int check_key(const char *key, const char *memo, struct rm_err *err)
{
    size_t n = key ? strlen(key) : 0;

    if (n == 0)
        return rm_err_set(err, RM_EINVAL,
                          "ledger: an idempotency key is required");
    if (n > LEDGER_MAX_KEY)
        return rm_err_set(err, RM_EINVAL,
                          "ledger: idempotency key longer than %d bytes",
                          LEDGER_MAX_KEY);
    if (memo && strlen(memo) > LEDGER_MAX_MEMO)
        return rm_err_set(err, RM_EINVAL, "ledger: memo longer than %d bytes",
                          LEDGER_MAX_MEMO);
    return 0;
}

/* replay - posting p's key is taken by posting pid: LEDGER_REPLAYED when
 * that posting has p's content (I6), RM_EINVAL when it does not. */
static int replay(struct store *st, const struct posting *p, int64_t pid,
                  enum ledger_kind old_kind, int64_t old_op, struct rm_err *err)
{
    int rc, same;

    if ((rc = same_legs(st, pid, p->legs, p->nlegs, &same, err)) < 0)
        return rc;
    if (old_kind != p->kind || old_op != p->operation_id || !same)
        return rm_err_set(err, RM_EINVAL,
                          "ledger: idempotency key '%s' was already used "
                          "for a different posting (%" PRId64 ")",
                          p->idem_key, pid);
    return LEDGER_REPLAYED;
}

/* checks - I5, accounts, currency, overflow and I8 for p, reading only;
 * fills the legs' accounts and new balances. */
static int checks(struct store *st, const struct posting *p, struct acct *accts,
                  int64_t *newbal, struct rm_err *err)
{
    int64_t sum = 0;
    int rc;

    /* I5: legs balance. */
    for (size_t i = 0; i < p->nlegs; i++) {
        if (p->legs[i].amount == 0)
            return rm_err_set(err, RM_EINVAL, "ledger: a leg of 0");
        if (__builtin_add_overflow(sum, p->legs[i].amount, &sum))
            return rm_err_set(err, RM_EINVAL, "ledger: amount overflow");
        if (i > 0 && p->legs[i].account_id == p->legs[0].account_id)
            return rm_err_set(err, RM_EINTERNAL,
                              "ledger: two legs on one account");
    }
    if (sum != 0)
        return rm_err_set(err, RM_EINTERNAL,
                          "ledger: legs of a %s sum to %" PRId64 ", not 0",
                          ledger_kind_name(p->kind), sum);

    for (size_t i = 0; i < p->nlegs; i++) {
        if ((rc = load_account(st, p->legs[i].account_id, &accts[i], err)) < 0)
            return rc;
        /* One currency per installation: a mismatch means bad data. */
        if (i > 0 && strcmp(accts[i].currency, accts[0].currency) != 0)
            return rm_err_set(err, RM_EINVAL,
                              "ledger: accounts %" PRId64 " (%s) and %" PRId64
                              " (%s) keep different currencies",
                              accts[0].id, accts[0].currency, accts[i].id,
                              accts[i].currency);
        if (__builtin_add_overflow(accts[i].balance, p->legs[i].amount,
                                   &newbal[i]))
            return rm_err_set(err, RM_EINVAL,
                              "ledger: the balance of account %" PRId64
                              " (%s) would overflow",
                              accts[i].id, accts[i].name);
        if ((p->limits & (1u << i)) &&
            (rc = funds_ok(&accts[i], -p->legs[i].amount, newbal[i], err)) < 0)
            return rc;
    }
    return 0;
}

static void (*between_hook)(struct store *st);

void ledger_set_test_hook(void (*fn)(struct store *st))
{
    between_hook = fn;
}

/*
 * post - write posting p inside the open transaction. Order matters: all
 * checks (I5, accounts, currency, overflow, I8) come first, then the
 * writes, so a refusal writes nothing. A replay (I6) wins over every
 * check: a refused posting whose key is taken is looked up and answered
 * as a replay, and the posting's INSERT itself claims the key (ON CONFLICT
 * DO NOTHING), so two writers racing for one key cannot both post.
 * The leg with a credit limit is written only if its balance is still the
 * one checked (else RM_ECONFLICT: store_tx re-runs the whole unit of
 * work); the other legs are added to their balances as they are.
 */
static int post(struct store *st, const struct posting *p, struct rm_err *err)
{
    static const char ins_posting[] =
        "INSERT INTO ledger_postings (idem_key, kind, operation_id, memo, "
        "created_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (idem_key) DO NOTHING RETURNING id";
    static const char ins_entry[] = "INSERT INTO ledger_entries (posting_id, "
                                    "account_id, amount) VALUES (?, ?, ?)";
    static const char upd_balance[] =
        "UPDATE accounts SET balance = ? WHERE id = ? AND balance = ?";
    static const char add_balance[] =
        "UPDATE accounts SET balance = balance + ? WHERE id = ?";
    size_t order[MAX_LEGS];
    struct acct accts[MAX_LEGS];
    int64_t newbal[MAX_LEGS], pid, old_op;
    enum ledger_kind old_kind;
    struct store_stmt *s;
    int rc;

    if (!store_in_tx(st))
        return rm_err_set(err, RM_EINTERNAL,
                          "ledger: %s must run inside a write transaction",
                          ledger_kind_name(p->kind));
    if ((rc = check_key(p->idem_key, p->memo, err)) < 0)
        return rc;

    if ((rc = checks(st, p, accts, newbal, err)) < 0) {
        /* I6: a replay is answered as one even when the posting would be
         * refused now (the balance moved since, for instance). A busy or
         * conflicting store is left for the unit of work to re-run. */
        if (store_tx_retryable(st, rc))
            return rc;
        struct rm_err why;
        int frc;
        if (err)
            why = *err;
        frc = find_posting(st, p->idem_key, &pid, &old_kind, &old_op, err);
        if (frc < 0)
            return frc;
        if (pid != 0)
            return replay(st, p, pid, old_kind, old_op, err);
        if (err)
            *err = why;
        return rc;
    }
    if (between_hook)
        between_hook(st);

    /* Writes. */
    if ((rc = store_prepare(st, ins_posting, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, p->idem_key);
    store_bind_text(s, 2, ledger_kind_name(p->kind));
    if (p->operation_id > 0)
        store_bind_int64(s, 3, p->operation_id);
    else
        store_bind_null(s, 3);
    store_bind_text(s, 4, p->memo ? p->memo : "");
    store_bind_int64(s, 5, p->now);
    rc = store_step(s, err);
    pid = rc == STORE_ROW ? store_col_int64(s, 0) : 0;
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (rc == STORE_DONE) {
        /* The key is taken: a replay, or a reuse. */
        if ((rc = find_posting(st, p->idem_key, &pid, &old_kind, &old_op,
                               err)) < 0)
            return rc;
        if (pid == 0)
            return rm_err_set(err, RM_EINTERNAL,
                              "ledger: INSERT of '%s' returned no id",
                              p->idem_key);
        return replay(st, p, pid, old_kind, old_op, err);
    }
    if (pid == 0)
        return rm_err_set(err, RM_EINTERNAL, "ledger: INSERT returned no id");

    for (size_t i = 0; i < p->nlegs; i++) {
        if ((rc = store_prepare(st, ins_entry, &s, err)) < 0)
            return rc;
        store_bind_int64(s, 1, pid);
        store_bind_int64(s, 2, p->legs[i].account_id);
        store_bind_int64(s, 3, p->legs[i].amount);
        rc = store_step(s, err);
        store_stmt_release(s);
        if (rc < 0)
            return rc;
    }
    /* Balances in account id order, so two postings on several nodes take
     * the rows' locks in one order and never deadlock. */
    for (size_t i = 0; i < p->nlegs; i++) {
        size_t j = i;
        while (j > 0 && accts[order[j - 1]].id > accts[i].id) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    for (size_t k = 0; k < p->nlegs; k++) {
        size_t i = order[k];
        bool limited = (p->limits & (1u << i)) != 0;
        /* I1. The leg with a credit limit was checked against the balance
         * read: it is written only if that balance is still there (a
         * concurrent change shows up as 0 rows instead of a lost update,
         * and the unit of work is re-run whole from a fresh transaction).
         * Every other leg has no floor: it is added to the balance the row
         * has then (the row's lock orders concurrent postings), so the
         * system accounts every sale touches never turn concurrent orders
         * into re-runs. */
        if ((rc = store_prepare(st, limited ? upd_balance : add_balance, &s,
                                err)) < 0)
            return rc;
        if (limited) {
            store_bind_int64(s, 1, newbal[i]);
            store_bind_int64(s, 2, accts[i].id);
            store_bind_int64(s, 3, accts[i].balance);
        } else {
            store_bind_int64(s, 1, p->legs[i].amount);
            store_bind_int64(s, 2, accts[i].id);
        }
        rc = store_step(s, err);
        store_stmt_release(s);
        if (rc < 0)
            return rc;
        if (store_changes(st) != 1)
            return limited
                       ? rm_err_set(err, RM_ECONFLICT,
                                    "ledger: the balance of account "
                                    "%" PRId64 " changed concurrently",
                                    accts[i].id)
                       : rm_err_set(err, RM_EINTERNAL,
                                    "ledger: account %" PRId64 " disappeared",
                                    accts[i].id);
    }
    return 0;
}

/* op_row - what the ledger needs of an operation. */
struct op_row {
    int64_t account_id;
    int64_t amount;
    int64_t reseller_id; /* 0: the provider's own customer */
    int64_t wholesale;   /* the reseller's charge */
    char memo[200];
};

static int load_op(struct store *st, int64_t op_id, struct op_row *o,
                   struct rm_err *err)
{
    static const char sql[] =
        "SELECT o.account_id, o.amount, o.kind, d.name, o.term, "
        "COALESCE(o.reseller_id, 0), COALESCE(o.wholesale, 0) "
        "FROM operations o JOIN domains d ON d.id = o.domain_id "
        "WHERE o.id = ?";
    struct store_stmt *s;
    int rc = first_row(st, sql, NULL, op_id, &s, err);

    if (rc == STORE_ROW) {
        const char *k = store_col_text(s, 2), *d = store_col_text(s, 3);
        o->account_id = store_col_int64(s, 0);
        o->amount = store_col_int64(s, 1);
        o->reseller_id = store_col_int64(s, 5);
        o->wholesale = store_col_int64(s, 6);
        snprintf(o->memo, sizeof o->memo, "%s %s %" PRId64 "y", k ? k : "",
                 d ? d : "", store_col_int64(s, 4));
        store_stmt_release(s);
        rc = 0;
    } else if (rc == STORE_DONE) {
        rc = rm_err_set(err, RM_ENOTFOUND, "ledger: no operation %" PRId64,
                        op_id);
    }
    if (rc == 0 && (o->amount < 0 || o->wholesale < 0))
        rc = rm_err_set(err, RM_EINTERNAL,
                        "ledger: operation %" PRId64 " has a negative fee",
                        op_id);
    return rc;
}

struct op_unit {
    enum ledger_kind kind;
    int64_t op_id;
    int64_t now;
    int64_t *amount_out;
};

/* op_unit - the charge or refund of u->op_id: customer gets sign*amount. */
static int op_unit(struct store *st, void *arg, struct rm_err *err)
{
    const struct op_unit *u = arg;
    enum ledger_kind kind = u->kind;
    int64_t op_id = u->op_id, now = u->now, *amount_out = u->amount_out;
    struct posting p = {0};
    struct op_row o;
    struct acct cust;
    char key[64];
    int64_t sales, pid, old_op;
    enum ledger_kind old_kind;
    int rc;

    if ((rc = load_op(st, op_id, &o, err)) < 0)
        return rc;
    if ((rc = load_account(st, o.account_id, &cust, err)) < 0)
        return rc;
    if ((rc = require_customer(&cust, err)) < 0)
        return rc;
    if ((rc = system_account(st, "sales", &sales, err)) < 0)
        return rc;
    if (kind == LEDGER_REFUND) {
        /* I7: only a charged operation can be refunded. */
        char ckey[64];
        snprintf(ckey, sizeof ckey, "op:%" PRId64 ":charge", op_id);
        if ((rc = find_posting(st, ckey, &pid, &old_kind, &old_op, err)) < 0)
            return rc;
        if (pid == 0)
            return rm_err_set(
                err, RM_EINTERNAL,
                "ledger: operation %" PRId64 " has no charge to refund", op_id);
    }
    snprintf(key, sizeof key, "op:%" PRId64 ":%s", op_id,
             ledger_kind_name(kind));
    p.kind = kind;
    p.idem_key = key;
    p.operation_id = op_id;
    p.memo = o.memo;
    p.now = now;
    p.limits = 0;
    if (o.reseller_id) {
        /* I9: a reseller's customer pays the retail price to the
         * reseller's sales account, and the reseller pays the wholesale
         * price to the provider's sales, in this one posting; a refund
         * is the same legs reversed */
        int64_t sign = kind == LEDGER_CHARGE ? -1 : 1, rsales = 0;
        if ((rc = reseller_sales(st, o.reseller_id, &rsales, err)) < 0)
            return rc;
        if (o.amount > 0) {
            p.legs[p.nlegs++] = (struct leg){o.account_id, sign * o.amount};
            p.legs[p.nlegs++] = (struct leg){rsales, -sign * o.amount};
        }
        if (o.wholesale > 0) {
            p.legs[p.nlegs++] = (struct leg){o.reseller_id, sign * o.wholesale};
            p.legs[p.nlegs++] = (struct leg){sales, -sign * o.wholesale};
        }
        if (kind == LEDGER_CHARGE)
            for (size_t i = 0; i < p.nlegs; i++)
                if (p.legs[i].account_id == o.account_id ||
                    p.legs[i].account_id == o.reseller_id)
                    p.limits |= 1u << i;
    } else if (o.amount > 0) {
        int64_t sign = kind == LEDGER_CHARGE ? -1 : 1;
        p.legs[0] = (struct leg){o.account_id, sign * o.amount};
        p.legs[1] = (struct leg){sales, -sign * o.amount};
        p.nlegs = 2;
        if (kind == LEDGER_CHARGE)
            p.limits = 1u;
    }
    if (amount_out)
        *amount_out = o.amount;
    return post(st, &p, err);
}

/* op_posting - op_unit as one unit of work joined to the caller's. */
static int op_posting(struct store *st, enum ledger_kind kind, int64_t op_id,
                      int64_t now, int64_t *amount_out, struct rm_err *err)
{
    struct op_unit u = {kind, op_id, now, amount_out};

    if (!store_in_tx(st))
        return rm_err_set(err, RM_EINTERNAL,
                          "ledger: %s must run inside the caller's write "
                          "transaction",
                          ledger_kind_name(kind));
    return store_tx(st, STORE_TX_WRITE, op_unit, &u, err);
}

int ledger_charge(struct store *st, int64_t operation_id, int64_t now,
                  struct rm_err *err)
{
    return op_posting(st, LEDGER_CHARGE, operation_id, now, NULL, err);
}

int ledger_refund(struct store *st, int64_t operation_id, int64_t now,
                  int64_t *refunded, struct rm_err *err)
{
    return op_posting(st, LEDGER_REFUND, operation_id, now, refunded, err);
}

int ledger_check_funds(struct store *st, int64_t account_id, int64_t amount,
                       struct rm_err *err)
{
    struct acct a;
    int64_t nb;
    int rc;

    if (amount < 0)
        return rm_err_set(err, RM_EINVAL, "ledger: negative charge");
    if ((rc = load_account(st, account_id, &a, err)) < 0)
        return rc;
    if ((rc = require_customer(&a, err)) < 0)
        return rc;
    if (__builtin_sub_overflow(a.balance, amount, &nb))
        return rm_err_set(
            err, RM_EINVAL,
            "ledger: the balance of account %" PRId64 " would overflow", a.id);
    return funds_ok(&a, amount, nb, err);
}

struct funded_unit {
    struct posting p;
    int64_t account_id;
};

/* funded_unit - the posting of a credit or adjust, against funding. */
static int funded_unit(struct store *st, void *arg, struct rm_err *err)
{
    struct funded_unit *u = arg;
    struct acct cust;
    int64_t funding;
    int rc;

    if ((rc = load_account(st, u->account_id, &cust, err)) < 0 ||
        (rc = require_customer(&cust, err)) < 0 ||
        (rc = system_account(st, "funding", &funding, err)) < 0)
        return rc;
    u->p.legs[1].account_id = funding;
    return post(st, &u->p, err);
}

/* funded - credit or adjust in its own write transaction. */
static int funded(struct store *st, enum ledger_kind kind, int64_t account_id,
                  int64_t amount, const char *idem_key, const char *memo,
                  int64_t now, struct rm_err *err)
{
    struct funded_unit u = {0};
    int rc;

    if (store_in_tx(st))
        return rm_err_set(err, RM_EINTERNAL,
                          "ledger: %s opens its own transaction",
                          ledger_kind_name(kind));
    if (amount == INT64_MIN)
        return rm_err_set(err, RM_EINVAL, "ledger: amount out of range");
    if ((rc = check_key(idem_key, memo, err)) < 0)
        return rc;
    u.account_id = account_id;
    u.p.kind = kind;
    u.p.idem_key = idem_key;
    u.p.memo = memo;
    u.p.now = now;
    u.p.limits = 0;
    u.p.legs[0] = (struct leg){account_id, amount};
    u.p.legs[1] = (struct leg){0, -amount};
    u.p.nlegs = 2;
    /* A replay wrote nothing, so committing it is the same as rolling it
     * back. */
    return store_tx(st, STORE_TX_WRITE, funded_unit, &u, err);
}

int ledger_credit(struct store *st, int64_t account_id, int64_t amount,
                  const char *idem_key, const char *memo, int64_t now,
                  struct rm_err *err)
{
    if (amount <= 0)
        return rm_err_set(err, RM_EINVAL,
                          "ledger: a credit must be positive (got %" PRId64 ")",
                          amount);
    return funded(st, LEDGER_CREDIT, account_id, amount, idem_key, memo, now,
                  err);
}

int ledger_adjust(struct store *st, int64_t account_id, int64_t amount,
                  const char *idem_key, const char *memo, int64_t now,
                  struct rm_err *err)
{
    if (amount == 0)
        return rm_err_set(err, RM_EINVAL, "ledger: an adjustment of 0");
    return funded(st, LEDGER_ADJUST, account_id, amount, idem_key, memo, now,
                  err);
}

int ledger_balance(struct store *st, int64_t account_id, int64_t *balance,
                   int64_t *credit_limit, struct rm_err *err)
{
    struct acct a;
    int rc = load_account(st, account_id, &a, err);

    if (rc < 0)
        return rc;
    if (balance)
        *balance = a.balance;
    if (credit_limit)
        *credit_limit = a.credit_limit;
    return 0;
}

int ledger_history(struct store *st, int64_t account_id, int64_t limit,
                   int (*fn)(const struct ledger_line *line, void *ctx),
                   void *ctx, struct rm_err *err)
{
    static const char sql[] =
        "SELECT e.id, p.id, p.kind, e.amount, COALESCE(p.operation_id, 0), "
        "p.idem_key, p.memo, p.created_at FROM ledger_entries e "
        "JOIN ledger_postings p ON p.id = e.posting_id "
        "WHERE e.account_id = ? ORDER BY e.id DESC LIMIT ?";
    struct store_stmt *s = NULL;
    int64_t running;
    int own = !store_in_tx(st), rc;

    /* One snapshot, so balance_after lines up with the balance read. Not
     * a store_tx unit: fn sees each line as it is read, and a re-run would
     * hand it the same lines again. */
    if (own && (rc = store_begin(st, STORE_TX_READ, err)) < 0)
        return rc;
    if ((rc = ledger_balance(st, account_id, &running, NULL, err)) < 0)
        goto out;
    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        goto out;
    store_bind_int64(s, 1, account_id);
    store_bind_int64(s, 2, limit > 0 ? limit : INT64_MAX);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        struct ledger_line l = {0};
        l.entry_id = store_col_int64(s, 0);
        l.posting_id = store_col_int64(s, 1);
        if (kind_from_name(store_col_text(s, 2), &l.kind) < 0) {
            rc = rm_err_set(err, RM_EINTERNAL,
                            "ledger: posting %" PRId64 " has an unknown kind",
                            l.posting_id);
            break;
        }
        l.amount = store_col_int64(s, 3);
        l.operation_id = store_col_int64(s, 4);
        l.idem_key = store_col_text(s, 5);
        l.memo = store_col_text(s, 6);
        l.created_at = store_col_int64(s, 7);
        l.balance_after = running;
        running -= l.amount; /* cannot overflow: it undoes a checked add */
        if ((rc = fn(&l, ctx)) != 0)
            break;
    }
    if (rc == STORE_DONE)
        rc = 0;
out:
    store_stmt_release(s);
    if (own)
        store_rollback(st);
    return rc;
}

/* Audit. */

static int audit_accounts(struct store *st, struct ledger_audit *rep,
                          struct rm_err *err)
{
    static const char sql[] =
        "SELECT a.id, a.name, a.balance, "
        "(SELECT CAST(COALESCE(SUM(e.amount), 0) AS BIGINT) "
        " FROM ledger_entries e WHERE e.account_id = a.id) "
        "FROM accounts a ORDER BY a.id";
    struct store_stmt *s;
    size_t cap = 0;
    int rc;

    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    while ((rc = store_step(s, err)) == STORE_ROW) {
        int64_t bal = store_col_int64(s, 2), sum = store_col_int64(s, 3);
        rep->accounts_checked++;
        if (bal == sum)
            continue;
        if (rep->nbad_accounts == cap) {
            cap = cap ? 2 * cap : 8;
            rep->bad_accounts =
                xrealloc(rep->bad_accounts, cap * sizeof *rep->bad_accounts);
        }
        struct ledger_bad_account *b = &rep->bad_accounts[rep->nbad_accounts++];
        b->account_id = store_col_int64(s, 0);
        copy_col(b->name, sizeof b->name, s, 1);
        b->balance = bal;
        b->sum = sum;
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

static int audit_postings(struct store *st, struct ledger_audit *rep,
                          struct rm_err *err)
{
    static const char count[] =
        "SELECT CAST(COUNT(*) AS BIGINT) FROM ledger_postings";
    static const char sql[] =
        "SELECT posting_id FROM ledger_entries GROUP BY posting_id "
        "HAVING CAST(SUM(amount) AS BIGINT) <> 0 ORDER BY posting_id";
    struct store_stmt *s;
    size_t cap = 0;
    int rc;

    if ((rc = store_prepare(st, count, &s, err)) < 0)
        return rc;
    if ((rc = store_step(s, err)) == STORE_ROW)
        rep->postings_checked = (size_t)store_col_int64(s, 0);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    while ((rc = store_step(s, err)) == STORE_ROW) {
        if (rep->nbad_postings == cap) {
            cap = cap ? 2 * cap : 8;
            rep->bad_postings =
                xrealloc(rep->bad_postings, cap * sizeof *rep->bad_postings);
        }
        rep->bad_postings[rep->nbad_postings++] = store_col_int64(s, 0);
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

static int refund_state(const char *state)
{
    return strcmp(state, "failed") == 0 || strcmp(state, "timed_out") == 0 ||
           strcmp(state, "cancelled") == 0;
}

/* op_why - I2 for one operation; "" when it holds. */
static void op_why(const char *state, int64_t amount, int64_t charges,
                   int64_t refunds, int64_t charged, int64_t refunded,
                   const int64_t *w, char *why, size_t n)
{
    int want_refund = refund_state(state);
    /* w: the wholesale amount, the reseller's legs in the charge and in
     * the refund (NULL: no reseller) */
    if (w && charges == 1 && charged == -amount) {
        why[0] = '\0';
        if (w[1] != -w[0])
            snprintf(why, n,
                     "reseller charged %" PRId64 " wholesale, want %" PRId64,
                     -w[1], w[0]);
        else if (want_refund && refunds == 1 && w[2] != w[0])
            snprintf(why, n,
                     "reseller refunded %" PRId64 " wholesale, want %" PRId64,
                     w[2], w[0]);
        else if (!want_refund && w[2] != 0)
            snprintf(why, n, "%s but the reseller was refunded", state);
        if (why[0])
            return;
    }

    why[0] = '\0';
    if (charges != 1)
        snprintf(why, n, "%" PRId64 " charges, want 1", charges);
    else if (charged != -amount)
        snprintf(why, n, "charged %" PRId64 ", want %" PRId64, -charged,
                 amount);
    else if (want_refund && refunds != 1)
        snprintf(why, n, "%s with %" PRId64 " refunds, want 1", state, refunds);
    else if (!want_refund && refunds != 0)
        snprintf(why, n, "%s but refunded", state);
    else if (want_refund && refunded != amount)
        snprintf(why, n, "refunded %" PRId64 ", want %" PRId64, refunded,
                 amount);
}

static int audit_operations(struct store *st, struct ledger_audit *rep,
                            struct rm_err *err)
{
    /* Per operation: postings of each kind and the customer's leg of each
     * (the unique (operation_id, kind) index makes these lookups cheap). */
    static const char sql[] =
        "SELECT o.id, o.state, o.amount, "
        "(SELECT CAST(COUNT(*) AS BIGINT) FROM ledger_postings p "
        " WHERE p.operation_id = o.id AND p.kind = 'charge'), "
        "(SELECT CAST(COUNT(*) AS BIGINT) FROM ledger_postings p "
        " WHERE p.operation_id = o.id AND p.kind = 'refund'), "
        "(SELECT CAST(COALESCE(SUM(e.amount), 0) AS BIGINT) "
        " FROM ledger_postings p JOIN ledger_entries e ON e.posting_id = p.id"
        " WHERE p.operation_id = o.id AND p.kind = 'charge'"
        " AND e.account_id = o.account_id), "
        "(SELECT CAST(COALESCE(SUM(e.amount), 0) AS BIGINT) "
        " FROM ledger_postings p JOIN ledger_entries e ON e.posting_id = p.id"
        " WHERE p.operation_id = o.id AND p.kind = 'refund'"
        " AND e.account_id = o.account_id), "
        "COALESCE(o.reseller_id, 0), COALESCE(o.wholesale, 0), "
        "(SELECT CAST(COALESCE(SUM(e.amount), 0) AS BIGINT) "
        " FROM ledger_postings p JOIN ledger_entries e ON e.posting_id = p.id"
        " WHERE p.operation_id = o.id AND p.kind = 'charge'"
        " AND e.account_id = o.reseller_id), "
        "(SELECT CAST(COALESCE(SUM(e.amount), 0) AS BIGINT) "
        " FROM ledger_postings p JOIN ledger_entries e ON e.posting_id = p.id"
        " WHERE p.operation_id = o.id AND p.kind = 'refund'"
        " AND e.account_id = o.reseller_id) "
        "FROM operations o ORDER BY o.id";
    struct store_stmt *s;
    size_t cap = 0;
    int rc;

    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    while ((rc = store_step(s, err)) == STORE_ROW) {
        char state[16], why[96];
        int64_t amount = store_col_int64(s, 2);
        int64_t charges = store_col_int64(s, 3),
                refunds = store_col_int64(s, 4);

        rep->operations_checked++;
        copy_col(state, sizeof state, s, 1);
        int64_t w[3] = {store_col_int64(s, 8), store_col_int64(s, 9),
                        store_col_int64(s, 10)};
        op_why(state, amount, charges, refunds, store_col_int64(s, 5),
               store_col_int64(s, 6), store_col_int64(s, 7) ? w : NULL, why,
               sizeof why);
        if (why[0] == '\0')
            continue;
        if (rep->nbad_operations == cap) {
            cap = cap ? 2 * cap : 8;
            rep->bad_operations = xrealloc(rep->bad_operations,
                                           cap * sizeof *rep->bad_operations);
        }
        struct ledger_bad_operation *b =
            &rep->bad_operations[rep->nbad_operations++];
        b->operation_id = store_col_int64(s, 0);
        memcpy(b->state, state, sizeof b->state);
        b->amount = amount;
        b->charges = (int)charges;
        b->refunds = (int)refunds;
        memcpy(b->why, why, sizeof b->why);
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

/* audit_unit - I1, I5 and I2 in one snapshot; starts from an empty
 * report, so a re-run reports each finding once. */
static int audit_unit(struct store *st, void *arg, struct rm_err *err)
{
    struct ledger_audit *rep = arg;
    int rc;

    ledger_audit_release(rep);
    if ((rc = audit_accounts(st, rep, err)) == 0 &&
        (rc = audit_postings(st, rep, err)) == 0)
        rc = audit_operations(st, rep, err);
    return rc;
}

int ledger_audit(struct store *st, struct ledger_audit *rep, struct rm_err *err)
{
    int rc;

    memset(rep, 0, sizeof *rep);
    /* One snapshot: a concurrent posting cannot make a balance and its
     * entries disagree mid-audit. */
    rc = store_tx(st, STORE_TX_READ, audit_unit, rep, err);
    if (rc < 0)
        ledger_audit_release(rep);
    return rc;
}

int ledger_audit_ok(const struct ledger_audit *rep)
{
    return rep->nbad_accounts == 0 && rep->nbad_operations == 0 &&
           rep->nbad_postings == 0;
}

void ledger_audit_release(struct ledger_audit *rep)
{
    free(rep->bad_accounts);
    free(rep->bad_postings);
    free(rep->bad_operations);
    memset(rep, 0, sizeof *rep);
}
