/*
 * reseller - the reseller tier (contract in reseller.h).
 */
#include "core/reseller.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/ledger.h"
#include "core/license.h"
#include "core/money.h"
#include "core/names.h"
#include "core/priceimport.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/utf8.h"

/* what a reseller's customer is told when an order cannot be priced or
 * paid at the reseller's level: nothing about the reseller's books */
#define NOT_FOR_SALE "this product is not available from your provider"
#define NOT_NOW                                                                \
    "this order cannot be placed right now; nothing was charged - please "     \
    "contact your provider"

static int one_int(struct app *app, const char *sql, int64_t a, int64_t *out,
                   struct rm_err *err)
{
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, a);
    rc = store_step(s, err);
    if (rc == STORE_ROW)
        *out = store_col_int64(s, 0);
    store_stmt_release(s);
    return rc;
}

int reseller_of(struct app *app, int64_t account_id, int64_t *reseller_id,
                struct rm_err *err)
{
    static const char sql[] =
        "SELECT COALESCE(reseller_id, 0) FROM accounts WHERE id = ?";
    int rc;

    *reseller_id = 0;
    rc = one_int(app, sql, account_id, reseller_id, err);
    return rc < 0 ? rc : 0;
}

/* price_of - one price from sql (?: the key values), TLD_NOPRICE when
 * there is none. */
static int price_of(struct app *app, const char *sql, int64_t reseller_id,
                    const char *tld, enum tld_op op, int term, int64_t *out,
                    struct rm_err *err)
{
    struct store_stmt *s;
    int i = 1, rc;

    *out = TLD_NOPRICE;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    if (reseller_id)
        store_bind_int64(s, i++, reseller_id);
    store_bind_text(s, i++, tld);
    store_bind_text(s, i++, tld_op_name(op));
    store_bind_int64(s, i, term);
    rc = store_step(s, err);
    if (rc == STORE_ROW)
        *out = store_col_int64(s, 0);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int reseller_wholesale_of(struct app *app, const char *tld, enum tld_op op,
                          int term, int64_t *out, bool *from_rule,
                          struct rm_err *err)
{
    static const char sql[] = "SELECT amount FROM wholesale_prices WHERE tld "
                              "= ? AND operation = ? AND term = ?";
    static const char rule[] =
        "SELECT " RESELLER_RULE_SQL " FROM wholesale_rule wr JOIN tlds t ON "
        "t.tld = ? JOIN registrar_prices rgp ON rgp.connection_id = "
        "t.connection_id AND rgp.tld = t.tld AND rgp.reg_type = ? AND "
        "rgp.period = ? WHERE wr.id = 1";
    struct store_stmt *s;
    int rc;

    if (from_rule)
        *from_rule = false;
    if ((rc = price_of(app, sql, 0, tld, op, term, out, err)) < 0 || *out >= 0)
        return rc;
    if ((rc = store_prepare(app->st, rule, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, tld);
    store_bind_text(s, 2, priceimport_reg_type(op));
    store_bind_int64(s, 3, term);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        *out = store_col_int64(s, 0);
        if (from_rule)
            *from_rule = true;
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

static int wholesale_of(struct app *app, const char *tld, enum tld_op op,
                        int term, int64_t *out, struct rm_err *err)
{
    return reseller_wholesale_of(app, tld, op, term, out, NULL, err);
}

int reseller_wholesale_rule_set(struct app *app, int64_t markup_bp, int64_t add,
                                struct rm_err *err)
{
    static const char sql[] =
        "INSERT INTO wholesale_rule (id, markup_bp, add_minor, updated_at) "
        "VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET markup_bp = "
        "excluded.markup_bp, add_minor = excluded.add_minor, updated_at = "
        "excluded.updated_at";
    struct store_stmt *s;
    int rc;

    if (markup_bp < 0 || markup_bp > RESELLER_MARKUP_MAX_BP)
        return rm_err_set(err, RM_EINVAL,
                          "wholesale rule: a markup of 0 to %d %%",
                          RESELLER_MARKUP_MAX_BP / 100);
    if (add < 0 || add > RESELLER_RULE_ADD_MAX)
        return rm_err_set(err, RM_EINVAL,
                          "wholesale rule: an amount added of 0 or more");
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, markup_bp);
    store_bind_int64(s, 2, add);
    store_bind_int64(s, 3, clock_now());
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int reseller_wholesale_rule_clear(struct app *app, struct rm_err *err)
{
    static const char sql[] = "DELETE FROM wholesale_rule";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int reseller_wholesale_rule_get(struct app *app,
                                struct reseller_wholesale_rule *out,
                                struct rm_err *err)
{
    static const char sql[] = "SELECT markup_bp, add_minor, updated_at FROM "
                              "wholesale_rule WHERE id = 1";
    struct store_stmt *s;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        out->set = true;
        out->markup_bp = store_col_int64(s, 0);
        out->add = store_col_int64(s, 1);
        out->updated_at = store_col_int64(s, 2);
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

static int retail_of(struct app *app, int64_t reseller_id, const char *tld,
                     enum tld_op op, int term, int64_t *out, struct rm_err *err)
{
    static const char sql[] =
        "SELECT amount FROM reseller_prices WHERE reseller_id = ? AND tld = "
        "? AND operation = ? AND term = ?";
    return price_of(app, sql, reseller_id, tld, op, term, out, err);
}

static int markup_of(struct app *app, int64_t reseller_id, int64_t *bp,
                     struct rm_err *err)
{
    static const char sql[] =
        "SELECT COALESCE(markup_bp, -1) FROM accounts WHERE id = ?";
    int rc;

    *bp = -1;
    rc = one_int(app, sql, reseller_id, bp, err);
    return rc < 0 ? rc : 0;
}

/* apply_markup - wholesale raised by bp basis points, rounded up to the
 * minor unit; TLD_NOPRICE on overflow. */
static int64_t apply_markup(int64_t wholesale, int64_t bp)
{
    int64_t num, r;

    if (__builtin_mul_overflow(wholesale, 10000 + bp, &num))
        return TLD_NOPRICE;
    r = num / 10000 + (num % 10000 != 0);
    return r;
}

/* effective - what the reseller's customers pay: its set price, else its
 * rule over wholesale; TLD_NOPRICE when neither. */
static int64_t effective(int64_t wholesale, int64_t retail, int64_t bp)
{
    if (wholesale < 0)
        return TLD_NOPRICE;
    if (retail >= 0)
        return retail;
    if (bp >= 0)
        return apply_markup(wholesale, bp);
    return TLD_NOPRICE;
}

int reseller_quote(struct app *app, int64_t account_id, const char *tld,
                   enum tld_op op, int term, struct reseller_quote *q,
                   struct rm_err *err)
{
    int64_t w, r, bp;
    int rc;

    memset(q, 0, sizeof *q);
    if ((rc = reseller_of(app, account_id, &q->reseller_id, err)) < 0)
        return rc;
    if (!q->reseller_id)
        return 0;
    if ((rc = wholesale_of(app, tld, op, term, &w, err)) < 0 ||
        (rc = retail_of(app, q->reseller_id, tld, op, term, &r, err)) < 0 ||
        (rc = markup_of(app, q->reseller_id, &bp, err)) < 0)
        return rc;
    q->wholesale = w;
    q->retail = effective(w, r, bp);
    if (q->retail < 0 || q->retail < w) {
        rm_log(LOG_WARN,
               "reseller %" PRId64 ": .%s %s %dy not sold to account %" PRId64
               ": wholesale %" PRId64 ", retail %" PRId64,
               q->reseller_id, tld, tld_op_name(op), term, account_id, w,
               q->retail);
        return rm_err_set(err, RM_EREFUSED, "%s %d year(s) of .%s: %s",
                          tld_op_name(op), term, tld, NOT_FOR_SALE);
    }
    return 0;
}

int reseller_apply_prices(struct app *app, int64_t account_id, struct tld *t,
                          struct rm_err *err)
{
    static const enum tld_op ops[] = {TLD_REGISTER, TLD_RENEW, TLD_TRANSFER};
    int64_t rid = 0, bp, w, r;
    int rc;

    if (!account_id)
        return 0;
    if ((rc = reseller_of(app, account_id, &rid, err)) < 0 || !rid)
        return rc;
    if ((rc = markup_of(app, rid, &bp, err)) < 0)
        return rc;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        for (int y = 1; y <= TLD_MAX_TERM; y++) {
            if ((rc = wholesale_of(app, t->tld, ops[i], y, &w, err)) < 0 ||
                (rc = retail_of(app, rid, t->tld, ops[i], y, &r, err)) < 0)
                return rc;
            int64_t e = effective(w, r, bp);
            t->price[ops[i]][y] = e >= 0 && e >= w ? e : TLD_NOPRICE;
        }
    return 0;
}

int reseller_check_funds(struct app *app, const struct reseller_quote *q,
                         struct rm_err *err)
{
    struct rm_err why = {0};
    int rc;

    if (!q->reseller_id)
        return 0;
    rc = ledger_check_funds(app->st, q->reseller_id, q->wholesale, &why);
    if (rc == 0)
        return 0;
    rm_log(LOG_WARN, "reseller %" PRId64 " cannot pay %" PRId64 ": %s",
           q->reseller_id, q->wholesale, why.msg);
    if (rc != RM_ELIMIT)
        return rm_err_set(err, rc, "%s", why.msg);
    return rm_err_set(err, RM_EREFUSED, NOT_NOW);
}

struct add_tx {
    struct app *app;
    const char *name, *email, *limit;
    bool auto_renew;
    int64_t reseller_id; /* customer_add: its reseller */
    int64_t *id;
};

static int reseller_add_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char ins[] =
        "INSERT INTO accounts (name, kind, currency, created_at) VALUES (?, "
        "'reseller_sales', ?, ?) RETURNING id";
    static const char upd[] = "UPDATE accounts SET reseller = 1, "
                              "sales_account_id = ? WHERE id = ?";
    struct add_tx *x = arg;
    struct store_stmt *s;
    char sales[ACCOUNT_NAME_MAX + 32];
    int64_t sid = 0;
    int rc;

    if ((rc = account_add(x->app, x->name, x->email, x->limit, false, x->id,
                          err)) < 0)
        return rc;
    snprintf(sales, sizeof sales, "reseller:%s:sales", x->name);
    if ((rc = store_prepare(st, ins, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, sales);
    store_bind_text(s, 2, x->app->set.currency);
    store_bind_int64(s, 3, clock_now());
    rc = store_step(s, err);
    if (rc == STORE_ROW)
        sid = store_col_int64(s, 0);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if ((rc = store_prepare(st, upd, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, sid);
    store_bind_int64(s, 2, *x->id);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int reseller_add(struct app *app, const char *name, const char *email,
                 const char *credit_limit, int64_t *id, struct rm_err *err)
{
    struct add_tx x = {app, name, email, credit_limit, false, 0, id};

    return store_tx(app->st, STORE_TX_WRITE, reseller_add_fn, &x, err);
}

int reseller_get(struct app *app, const char *name_or_id, int64_t *id,
                 struct rm_err *err)
{
    static const char sql[] = "SELECT reseller FROM accounts WHERE id = ?";
    struct account a;
    int64_t is = 0;
    int rc;

    if ((rc = account_get(app, name_or_id, &a, err)) < 0)
        return rc;
    if ((rc = one_int(app, sql, a.id, &is, err)) < 0)
        return rc;
    if (!is)
        return rm_err_set(err, RM_ENOTFOUND, "%s is no reseller", a.name);
    *id = a.id;
    return 0;
}

static int customer_add_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char upd[] =
        "UPDATE accounts SET reseller_id = ? WHERE id = ?";
    struct add_tx *x = arg;
    struct store_stmt *s;
    int rc;

    if ((rc = account_add(x->app, x->name, x->email, x->limit, x->auto_renew,
                          x->id, err)) < 0)
        return rc;
    if ((rc = store_prepare(st, upd, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, x->reseller_id);
    store_bind_int64(s, 2, *x->id);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int reseller_customer_add(struct app *app, int64_t reseller_id,
                          const char *name, const char *email,
                          const char *credit_limit, bool auto_renew,
                          int64_t *id, struct rm_err *err)
{
    struct add_tx x = {app,        name,        email, credit_limit,
                       auto_renew, reseller_id, id};

    return store_tx(app->st, STORE_TX_WRITE, customer_add_fn, &x, err);
}

/* op_sold - the operations a reseller sells (register, renew, transfer). */
static int op_sold(enum tld_op op, int term, struct rm_err *err)
{
    if (op != TLD_REGISTER && op != TLD_RENEW && op != TLD_TRANSFER)
        return rm_err_set(err, RM_EINVAL,
                          "%s: resellers sell register, renew and transfer",
                          tld_op_name(op));
    if (term < 1 || term > TLD_MAX_TERM)
        return rm_err_set(err, RM_EINVAL, "term %d: 1 to %d years", term,
                          TLD_MAX_TERM);
    return 0;
}

static int put_price(struct app *app, const char *del, const char *ins,
                     int64_t reseller_id, const char *tld, enum tld_op op,
                     int term, int64_t amount, struct rm_err *err)
{
    struct store_stmt *s;
    const char *sql = amount < 0 ? del : ins;
    int i = 1, rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    if (reseller_id)
        store_bind_int64(s, i++, reseller_id);
    store_bind_text(s, i++, tld);
    store_bind_text(s, i++, tld_op_name(op));
    store_bind_int64(s, i++, term);
    if (amount >= 0) {
        store_bind_int64(s, i++, amount);
        store_bind_int64(s, i, amount);
    }
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int reseller_wholesale_set(struct app *app, const char *tld, enum tld_op op,
                           int term, int64_t amount, struct rm_err *err)
{
    static const char del[] = "DELETE FROM wholesale_prices WHERE tld = ? AND "
                              "operation = ? AND term = ?";
    static const char ins[] =
        "INSERT INTO wholesale_prices (tld, operation, term, amount) VALUES "
        "(?, ?, ?, ?) ON CONFLICT (tld, operation, term) DO UPDATE SET "
        "amount = ?";
    struct tld t;
    int rc;

    if ((rc = op_sold(op, term, err)) < 0)
        return rc;
    if ((rc = tld_get(app, tld, &t, err)) < 0)
        return rc;
    return put_price(app, del, ins, 0, t.tld, op, term, amount, err);
}

int reseller_price_set(struct app *app, int64_t reseller_id, const char *tld,
                       enum tld_op op, int term, int64_t amount,
                       struct rm_err *err)
{
    static const char del[] =
        "DELETE FROM reseller_prices WHERE reseller_id = ? AND tld = ? AND "
        "operation = ? AND term = ?";
    static const char ins[] =
        "INSERT INTO reseller_prices (reseller_id, tld, operation, term, "
        "amount) VALUES (?, ?, ?, ?, ?) ON CONFLICT (reseller_id, tld, "
        "operation, term) DO UPDATE SET amount = ?";
    struct tld t;
    int64_t w;
    char m1[MONEY_STR_MAX], m2[MONEY_STR_MAX];
    int rc;

    if ((rc = op_sold(op, term, err)) < 0)
        return rc;
    if ((rc = tld_get(app, tld, &t, err)) < 0)
        return rc;
    if (amount >= 0) {
        if ((rc = wholesale_of(app, t.tld, op, term, &w, err)) < 0)
            return rc;
        if (w < 0)
            return rm_err_set(err, RM_EINVAL,
                              ".%s %s %dy: the provider sells it no wholesale "
                              "price to resellers",
                              t.tld, tld_op_name(op), term);
        if (amount < w)
            return rm_err_set(err, RM_EINVAL,
                              ".%s %s %dy: %s is below the wholesale price "
                              "%s",
                              t.tld, tld_op_name(op), term,
                              money_format(amount, m1), money_format(w, m2));
    }
    return put_price(app, del, ins, reseller_id, t.tld, op, term, amount, err);
}

struct many_tx {
    struct app *app;
    int64_t reseller_id;
    const char *tld;
    const struct reseller_price_set *v;
    size_t n;
};

static int many_fn(struct store *st, void *arg, struct rm_err *err)
{
    struct many_tx *x = arg;
    int rc;

    (void)st;
    for (size_t i = 0; i < x->n; i++) {
        const struct reseller_price_set *p = &x->v[i];
        rc = x->reseller_id ? reseller_price_set(x->app, x->reseller_id, x->tld,
                                                 p->op, p->term, p->amount, err)
                            : reseller_wholesale_set(x->app, x->tld, p->op,
                                                     p->term, p->amount, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int reseller_prices_set(struct app *app, int64_t reseller_id, const char *tld,
                        const struct reseller_price_set *v, size_t n,
                        struct rm_err *err)
{
    struct many_tx x = {app, reseller_id, tld, v, n};

    return store_tx(app->st, STORE_TX_WRITE, many_fn, &x, err);
}

int reseller_markup_set(struct app *app, int64_t reseller_id, int64_t bp,
                        struct rm_err *err)
{
    static const char sql[] = "UPDATE accounts SET markup_bp = ? WHERE id = "
                              "? AND reseller = 1";
    struct store_stmt *s;
    int rc;

    if (bp > RESELLER_MARKUP_MAX_BP)
        return rm_err_set(err, RM_EINVAL, "a markup of at most %d %%",
                          RESELLER_MARKUP_MAX_BP / 100);
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    if (bp >= 0)
        store_bind_int64(s, 1, bp);
    else
        store_bind_null(s, 1);
    store_bind_int64(s, 2, reseller_id);
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc >= 0 && store_changes(app->st) != 1)
        return rm_err_set(err, RM_ENOTFOUND, "no reseller %" PRId64,
                          reseller_id);
    return rc < 0 ? rc : 0;
}

int reseller_prices(struct app *app, int64_t reseller_id, reseller_price_fn *fn,
                    void *arg, struct rm_err *err)
{
    /* the explicit prices, and the rule's over every cost of a TLD's
     * connection that has none (the reg_types of priceimport_reg_type) */
    static const char sql[] =
        "SELECT u.tld, u.operation, u.term, u.amount, u.from_rule, "
        "COALESCE(r.amount, -1) FROM (SELECT w.tld, w.operation, w.term, "
        "w.amount, 0 AS from_rule FROM wholesale_prices w UNION ALL SELECT "
        "rgp.tld, o.operation, rgp.period, " RESELLER_RULE_SQL ", 1 FROM "
        "wholesale_rule wr JOIN tlds t ON wr.id = 1 JOIN registrar_prices rgp "
        "ON rgp.connection_id = t.connection_id AND rgp.tld = t.tld JOIN "
        "(SELECT 'register' AS operation, 'new' AS reg_type UNION ALL SELECT "
        "'renew', 'renewal' UNION ALL SELECT 'transfer', 'transfer') o ON "
        "o.reg_type = rgp.reg_type WHERE rgp.period BETWEEN 1 AND 10 AND NOT "
        "EXISTS (SELECT 1 FROM wholesale_prices x WHERE x.tld = rgp.tld AND "
        "x.operation = o.operation AND x.term = rgp.period)) u LEFT JOIN "
        "reseller_prices r ON r.reseller_id = ? AND r.tld = u.tld AND "
        "r.operation = u.operation AND r.term = u.term ORDER BY u.tld "
        "COLLATE \"C\", u.operation COLLATE \"C\", u.term";
    struct store_stmt *s;
    int64_t bp = -1;
    int rc;

    if (reseller_id && (rc = markup_of(app, reseller_id, &bp, err)) < 0)
        return rc;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, reseller_id);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        struct reseller_price_row r;
        const char *t = store_col_text(s, 0), *o = store_col_text(s, 1);
        memset(&r, 0, sizeof r);
        snprintf(r.tld, sizeof r.tld, "%s", t ? t : "");
        r.op = TLD_NOPS;
        for (int i = 0; i < TLD_NOPS; i++)
            if (o && strcmp(o, tld_op_name((enum tld_op)i)) == 0)
                r.op = (enum tld_op)i;
        r.term = (int)store_col_int64(s, 2);
        r.wholesale = store_col_int64(s, 3);
        r.from_rule = store_col_int64(s, 4) != 0;
        r.retail = store_col_int64(s, 5);
        r.effective =
            reseller_id ? effective(r.wholesale, r.retail, bp) : r.wholesale;
        if (r.effective >= 0 && r.effective < r.wholesale)
            r.effective = TLD_NOPRICE; /* not sold below wholesale */
        if ((rc = fn(&r, arg)) != 0)
            break;
    }
    store_stmt_release(s);
    if (rc == STORE_DONE)
        rc = 0;
    return rc;
}

int reseller_figures(struct app *app, int64_t reseller_id,
                     struct reseller_figures *f, struct rm_err *err)
{
    static const char sql[] =
        "SELECT r.balance, r.credit_limit, COALESCE(s.balance, 0), "
        "COALESCE(r.markup_bp, -1), (SELECT CAST(COUNT(*) AS BIGINT) FROM "
        "accounts c WHERE c.reseller_id = r.id), (SELECT "
        "CAST(COALESCE(-SUM(e.amount), 0) AS BIGINT) FROM ledger_entries e "
        "JOIN ledger_postings p ON p.id = e.posting_id JOIN operations o ON "
        "o.id = p.operation_id WHERE e.account_id = r.id AND o.reseller_id = "
        "r.id) FROM accounts r LEFT JOIN accounts s ON s.id = "
        "r.sales_account_id WHERE r.id = ? AND r.reseller = 1";
    struct store_stmt *s;
    int rc;

    memset(f, 0, sizeof *f);
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, reseller_id);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        f->balance = store_col_int64(s, 0);
        f->credit_limit = store_col_int64(s, 1);
        f->sales = store_col_int64(s, 2);
        f->markup_bp = store_col_int64(s, 3);
        f->customers = store_col_int64(s, 4);
        f->wholesale = store_col_int64(s, 5);
        rc = 0;
    } else if (rc == STORE_DONE) {
        rc = rm_err_set(err, RM_ENOTFOUND, "no reseller %" PRId64, reseller_id);
    }
    store_stmt_release(s);
    return rc;
}

/* id_list - the ids sql (one int64 bound, unless bind < 0) selects. */
static int id_list(struct app *app, const char *sql, int64_t bind,
                   int64_t **out, size_t *n, struct rm_err *err);

int reseller_customers(struct app *app, int64_t reseller_id, int64_t **out,
                       size_t *n, struct rm_err *err)
{
    static const char sql[] =
        "SELECT id FROM accounts WHERE reseller_id = ? ORDER BY id DESC";
    return id_list(app, sql, reseller_id, out, n, err);
}

int reseller_list(struct app *app, int64_t **out, size_t *n, struct rm_err *err)
{
    static const char sql[] =
        "SELECT id FROM accounts WHERE reseller = 1 ORDER BY name";
    return id_list(app, sql, -1, out, n, err);
}

static int id_list(struct app *app, const char *sql, int64_t bind,
                   int64_t **out, size_t *n, struct rm_err *err)
{
    struct store_stmt *s;
    size_t cap = 8;
    int rc;

    *n = 0;
    *out = malloc(cap * sizeof **out);
    if (!*out)
        return rm_err_set(err, RM_EINTERNAL, "out of memory");
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    if (bind >= 0)
        store_bind_int64(s, 1, bind);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        if (*n == cap) {
            int64_t *v = realloc(*out, (cap *= 2) * sizeof **out);
            if (!v) {
                rc = rm_err_set(err, RM_EINTERNAL, "out of memory");
                break;
            }
            *out = v;
        }
        (*out)[(*n)++] = store_col_int64(s, 0);
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int reseller_parse_price(const char *spec, enum tld_op *op, int *term,
                         int64_t *amount, struct rm_err *err)
{
    const char *colon = strchr(spec, ':'), *eq = strchr(spec, '=');
    char opname[16], *end;
    long t;
    int rc;

    if (!colon || !eq || eq < colon || (size_t)(colon - spec) >= sizeof opname)
        return rm_err_set(err, RM_EINVAL,
                          "price \"%.60s\": want OP:TERM=AMOUNT (e.g. "
                          "register:1=15.00, or =none)",
                          spec);
    memcpy(opname, spec, (size_t)(colon - spec));
    opname[colon - spec] = '\0';
    *op = TLD_NOPS;
    for (int i = 0; i < TLD_NOPS; i++)
        if (strcmp(opname, tld_op_name((enum tld_op)i)) == 0)
            *op = (enum tld_op)i;
    if (*op != TLD_REGISTER && *op != TLD_RENEW && *op != TLD_TRANSFER)
        return rm_err_set(err, RM_EINVAL,
                          "price \"%.60s\": OP is register, renew or "
                          "transfer",
                          spec);
    t = strtol(colon + 1, &end, 10);
    if (end != eq || t < 1 || t > TLD_MAX_TERM)
        return rm_err_set(err, RM_EINVAL,
                          "price \"%.60s\": TERM is 1 to %d years", spec,
                          TLD_MAX_TERM);
    *term = (int)t;
    if (strcmp(eq + 1, "none") == 0) {
        *amount = TLD_NOPRICE;
        return 0;
    }
    if ((rc = money_parse(eq + 1, amount, err)) < 0)
        return rc;
    return 0;
}

int reseller_settings_set(struct app *app, int64_t reseller_id,
                          const char *license_text, const char *nameservers,
                          struct rm_err *err)
{
    static const char sql[] =
        "UPDATE accounts SET license_text = CASE WHEN ? = 1 THEN ? ELSE "
        "license_text END, default_ns = CASE WHEN ? = 1 THEN ? ELSE "
        "default_ns END WHERE id = ? AND reseller = 1";
    char ns[1024] = "";
    struct store_stmt *s;
    int rc;

    if (license_text && strlen(license_text) > RESELLER_LICENSE_MAX)
        return rm_err_set(err, RM_EINVAL, "license text: at most %d bytes",
                          RESELLER_LICENSE_MAX);
    if (license_text && *license_text) {
        /* any text, as long as it is UTF-8 (PostgreSQL stores no other) */
        char *c = utf8_clean(license_text);
        if (c) {
            free(c);
            return rm_err_set(err, RM_EINVAL, "license text: not valid UTF-8");
        }
    }
    if (nameservers && *nameservers) {
        /* the connection's rules for default nameservers */
        char *copy = strdup(nameservers), *save = NULL;
        size_t n = 0, len = 0;
        if (!copy)
            return rm_err_set(err, RM_EINTERNAL, "out of memory");
        for (char *t = strtok_r(copy, ", ", &save); t;
             t = strtok_r(NULL, ", ", &save)) {
            struct name nm;
            if (++n > REG_NS_MAX || (rc = name_parse(t, &nm, err)) < 0) {
                free(copy);
                if (n > REG_NS_MAX)
                    return rm_err_set(err, RM_EINVAL, "nameservers: at most %d",
                                      REG_NS_MAX);
                rm_err_prefix(err, "nameserver: ");
                return rc;
            }
            len += (size_t)snprintf(ns + len, sizeof ns - len, "%s%s",
                                    len ? "," : "", nm.ascii);
            if (len >= sizeof ns) {
                free(copy);
                return rm_err_set(err, RM_EINVAL, "nameservers: too long");
            }
        }
        free(copy);
        if (n < 2)
            return rm_err_set(err, RM_EINVAL,
                              "nameservers: at least 2 host names");
    }
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, license_text != NULL);
    if (license_text && *license_text)
        store_bind_text(s, 2, license_text);
    else
        store_bind_null(s, 2);
    store_bind_int64(s, 3, nameservers != NULL);
    if (nameservers && *nameservers)
        store_bind_text(s, 4, ns);
    else
        store_bind_null(s, 4);
    store_bind_int64(s, 5, reseller_id);
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc >= 0 && store_changes(app->st) != 1)
        return rm_err_set(err, RM_ENOTFOUND, "no reseller %" PRId64,
                          reseller_id);
    return rc < 0 ? rc : 0;
}

int reseller_settings_get(struct app *app, int64_t reseller_id,
                          struct reseller_settings *out, struct rm_err *err)
{
    static const char sql[] =
        "SELECT COALESCE(license_text, ''), COALESCE(default_ns, '') FROM "
        "accounts WHERE id = ? AND reseller = 1";
    struct store_stmt *s;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, reseller_id);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        const char *t = store_col_text(s, 0), *n = store_col_text(s, 1);
        out->license_text = strdup(t ? t : "");
        snprintf(out->nameservers, sizeof out->nameservers, "%s", n ? n : "");
        rc = out->license_text ? 0
                               : rm_err_set(err, RM_EINTERNAL, "out of memory");
    } else if (rc == STORE_DONE) {
        rc = rm_err_set(err, RM_ENOTFOUND, "no reseller %" PRId64, reseller_id);
    }
    store_stmt_release(s);
    return rc;
}

void reseller_settings_release(struct reseller_settings *s)
{
    free(s->license_text);
    s->license_text = NULL;
}

int reseller_license(struct app *app, int64_t account_id, const struct conn *c,
                     char **text, char hex[65], struct rm_err *err)
{
    struct reseller_settings st;
    int64_t rid = 0;
    int rc;

    if ((rc = license_of_conn(c, text, hex, err)) < 0)
        return rc;
    if (!account_id)
        return 0;
    if ((rc = reseller_of(app, account_id, &rid, err)) < 0 || !rid)
        goto fail_or_done;
    if ((rc = reseller_settings_get(app, rid, &st, err)) < 0)
        goto fail_or_done;
    if (*st.license_text) {
        size_t a = strlen(*text), b = strlen(st.license_text);
        char *both = malloc(a + b + 3);
        if (!both) {
            reseller_settings_release(&st);
            rc = rm_err_set(err, RM_EINTERNAL, "out of memory");
            goto fail_or_done;
        }
        snprintf(both, a + b + 3, "%s%s%s", *text, a ? "\n\n" : "",
                 st.license_text);
        free(*text);
        *text = both;
        license_text_hash(*text, hex);
    }
    reseller_settings_release(&st);
    return 0;
fail_or_done:
    if (rc < 0) {
        free(*text);
        *text = NULL;
    }
    return rc;
}

int reseller_default_ns(struct app *app, int64_t account_id, char *out,
                        size_t n, struct rm_err *err)
{
    static const char sql[] =
        "SELECT COALESCE(r.default_ns, '') FROM accounts c JOIN accounts r "
        "ON r.id = c.reseller_id WHERE c.id = ?";
    struct store_stmt *s;
    int rc;

    out[0] = '\0';
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, account_id);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        const char *t = store_col_text(s, 0);
        snprintf(out, n, "%s", t ? t : "");
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}
