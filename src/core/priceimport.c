/*
 * priceimport - registrar prices as costs, retail prices by a rule
 * (contract in priceimport.h).
 */
#include "core/priceimport.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conn.h"
#include "core/money.h"
#include "util/clock.h"
#include "util/xalloc.h"

/* the largest amount money_parse takes: 13 integer digits, 2 decimals */
#define MONEY_MAX_MINOR 999999999999999LL

const char *priceimport_reg_type(enum tld_op op)
{
    return op == TLD_RENEW      ? "renewal"
           : op == TLD_TRANSFER ? "transfer"
                                : "new";
}

int priceimport_parse_markup(const char *s, int64_t *bp, struct rm_err *err)
{
    int64_t whole = 0, frac = 0;
    int nfrac = 0, nwhole = 0;
    const char *p = s;

    if (!s || !*s)
        goto bad;
    for (; *p >= '0' && *p <= '9' && nwhole < 5; p++, nwhole++)
        whole = whole * 10 + (*p - '0');
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9' && nfrac < 2; p++, nfrac++)
            frac = frac * 10 + (*p - '0');
        if (nfrac == 0)
            goto bad;
    }
    if (*p || nwhole == 0)
        goto bad;
    if (nfrac == 1)
        frac *= 10;
    *bp = whole * 100 + frac;
    if (*bp > PRICEIMPORT_MAX_MARKUP_BP)
        goto bad;
    return 0;
bad:
    return rm_err_set(err, RM_EINVAL,
                      "markup \"%.40s\": a percentage 0 to 1000 with at most "
                      "2 decimals (e.g. 20 or 12.5)",
                      s ? s : "");
}

int priceimport_parse_round(const char *s, int *cents, struct rm_err *err)
{
    const char *p = s;

    if (!s)
        goto bad;
    if (p[0] == '0' && p[1] == '.')
        p++;
    if (*p == '.')
        p++;
    if (p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' && !p[2]) {
        *cents = (p[0] - '0') * 10 + (p[1] - '0');
        return 0;
    }
bad:
    return rm_err_set(err, RM_EINVAL,
                      "round \"%.40s\": the cents every price ends in, "
                      "e.g. .99 or .00",
                      s ? s : "");
}

int priceimport_rule_parse(const char *markup, const char *add,
                           const char *round, struct priceimport_rule *out,
                           struct rm_err *err)
{
    int rc;

    memset(out, 0, sizeof *out);
    out->round_cents = PRICEIMPORT_NO_ROUND;
    if (markup &&
        (rc = priceimport_parse_markup(markup, &out->markup_bp, err)) < 0)
        return rc;
    if (add && money_parse(add, &out->add, err) < 0) {
        rm_err_prefix(err, "add: ");
        return RM_EINVAL;
    }
    if (round &&
        (rc = priceimport_parse_round(round, &out->round_cents, err)) < 0)
        return rc;
    return 0;
}

int priceimport_propose(const struct priceimport_rule *r, int64_t cost,
                        int64_t *out, struct rm_err *err)
{
    int64_t p, q, rem;

    if (cost < 0 || cost > MONEY_MAX_MINOR || r->markup_bp < 0 ||
        r->markup_bp > PRICEIMPORT_MAX_MARKUP_BP || r->add < 0 ||
        r->add > MONEY_MAX_MINOR)
        return rm_err_set(err, RM_EINVAL, "price rule out of range");
    /* cost * bp / 10000 rounded up, without overflow */
    q = cost / 10000;
    rem = cost % 10000;
    p = cost + q * r->markup_bp + (rem * r->markup_bp + 9999) / 10000 + r->add;
    if (r->round_cents >= 0) {
        int64_t x = p - p % 100 + r->round_cents;
        if (x < p)
            x += 100;
        p = x;
    }
    if (p > MONEY_MAX_MINOR)
        return rm_err_set(err, RM_ELIMIT,
                          "the price for a cost of %" PRId64
                          " minor units exceeds the largest amount",
                          cost);
    *out = p;
    return 0;
}

void priceimport_result_free(struct priceimport_result *res)
{
    free(res->rows);
    res->rows = NULL;
    res->nrows = 0;
}

/* add_row - one entry to ask about. */
static void add_row(struct priceimport_result *res, size_t *cap,
                    const char *tld, enum tld_op op, int term)
{
    struct priceimport_row *w;

    if (res->nrows == *cap) {
        *cap = *cap ? *cap * 2 : 32;
        res->rows = xrealloc(res->rows, *cap * sizeof *res->rows);
    }
    w = &res->rows[res->nrows++];
    memset(w, 0, sizeof *w);
    snprintf(w->tld, sizeof w->tld, "%s", tld);
    w->op = op;
    w->term = term;
    w->cost = w->proposed = -1;
    w->old = TLD_NOPRICE;
}

/* add_tld - the entries of t: register and renew in its terms, transfer
 * for one year. */
static int add_tld(struct priceimport_result *res, size_t *cap,
                   const struct tld *t, struct rm_err *err)
{
    static const enum tld_op ops[] = {TLD_REGISTER, TLD_RENEW};

    if (!(t->allowed_terms & 0x7fe))
        return rm_err_set(err, RM_EINVAL, ".%s offers no terms", t->tld);
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        for (int y = 1; y <= TLD_MAX_TERM; y++)
            if (t->allowed_terms & (1u << y))
                add_row(res, cap, t->tld, ops[i], y);
    add_row(res, cap, t->tld, TLD_TRANSFER, 1);
    return 0;
}

/* collect - the rows to ask about: every TLD of the connection, or the
 * ones asked (each mapped to it, each once). */
static int collect(struct app *app, const struct priceimport_req *r,
                   struct priceimport_result *res, struct rm_err *err)
{
    size_t cap = 0;
    int rc = 0;

    if (r->ntlds > PRICEIMPORT_MAX_TLDS)
        return rm_err_set(err, RM_ELIMIT, "at most %d TLDs per run",
                          PRICEIMPORT_MAX_TLDS);
    if (r->ntlds) {
        char seen[PRICEIMPORT_MAX_TLDS][NAME_MAX_ASCII + 1];
        size_t nseen = 0;
        for (size_t i = 0; i < r->ntlds; i++) {
            char name[NAME_MAX_ASCII + 1];
            struct tld t;
            bool dup = false;
            if ((rc = tld_normalize(r->tlds[i], name, sizeof name, err)) < 0 ||
                (rc = tld_get(app, name, &t, err)) < 0)
                return rc;
            if (t.connection_id != res->connection_id)
                return rm_err_set(err, RM_EINVAL,
                                  ".%s is served by connection %s, not %s",
                                  name, t.connection, res->connection);
            for (size_t k = 0; k < nseen; k++)
                dup = dup || strcmp(seen[k], name) == 0;
            if (dup)
                continue;
            snprintf(seen[nseen++], sizeof seen[0], "%s", name);
            if ((rc = add_tld(res, &cap, &t, err)) < 0)
                return rc;
        }
        return 0;
    }
    struct tld *v;
    size_t n, mine = 0;
    if ((rc = tld_list(app, &v, &n, err)) < 0)
        return rc;
    for (size_t i = 0; rc >= 0 && i < n; i++)
        if (v[i].connection_id == res->connection_id) {
            if (++mine > PRICEIMPORT_MAX_TLDS)
                rc = rm_err_set(err, RM_ELIMIT,
                                "more than %d TLDs: name them with --tld",
                                PRICEIMPORT_MAX_TLDS);
            else
                rc = add_tld(res, &cap, &v[i], err);
        }
    free(v);
    if (rc >= 0 && mine == 0)
        rc = rm_err_set(err, RM_EINVAL, "no TLD is mapped to connection %s",
                        res->connection);
    return rc < 0 ? rc : 0;
}

/* ask - GET_PRICE for every row. A refusal or a premium answer is the
 * row's; no answer at all ends the run (RM_EIO). */
static int ask(struct app *app, struct priceimport_result *res,
               struct rm_err *err)
{
    static const enum reg_price_type types[] = {[TLD_REGISTER] = REG_PRICE_NEW,
                                                [TLD_RENEW] = REG_PRICE_RENEWAL,
                                                [TLD_TRANSFER] =
                                                    REG_PRICE_TRANSFER};
    struct conn_session sess;
    int rc;

    if ((rc = conn_session_open(app, res->connection_id, &sess, err)) < 0)
        return rc;
    if (!sess.reg->ops->price) {
        conn_session_close(&sess);
        return rm_err_set(err, RM_EINVAL,
                          "connection %s: the registrar has no price list",
                          res->connection);
    }
    for (size_t i = 0; i < res->nrows; i++) {
        struct priceimport_row *w = &res->rows[i];
        char domain[NAME_MAX_ASCII + 32], m[MONEY_STR_MAX];
        struct reg_price rp;
        struct rm_err e;

        rm_err_clear(&e);
        memset(&rp, 0, sizeof rp);
        snprintf(domain, sizeof domain, "%s.%s", PRICEIMPORT_PROBE, w->tld);
        rc = sess.reg->ops->price(sess.reg->impl, domain, types[w->op], w->term,
                                  &rp, &e);
        if (rc < 0 && rp.reply.delivery != REG_ANSWERED) {
            conn_session_close(&sess);
            return rm_err_set(err, RM_EIO,
                              "the registrar of connection %s did not answer "
                              "GET_PRICE for .%s: %s; nothing written",
                              res->connection, w->tld, e.msg);
        }
        if (rc < 0 || rp.price < 0) {
            w->status = PRICEIMPORT_REFUSED;
            if (rp.reply.code)
                snprintf(w->note, sizeof w->note, "refused: %d %.120s",
                         rp.reply.code, rp.reply.text);
            else
                snprintf(w->note, sizeof w->note, "refused: %.140s", e.msg);
        } else if (rp.premium) {
            w->status = PRICEIMPORT_PREMIUM;
            snprintf(w->note, sizeof w->note,
                     "premium at the registrar (%s for %.60s); not imported",
                     money_format(rp.price, m), domain);
        } else {
            w->status = PRICEIMPORT_READ;
            w->cost = rp.price;
        }
    }
    conn_session_close(&sess);
    return 0;
}

struct run_unit {
    struct app *app;
    const struct priceimport_req *r;
    struct priceimport_result *res;
};

/* put_cost - the cost of w kept as read at `at`. */
static int put_cost(struct store *st, int64_t conn_id,
                    const struct priceimport_row *w, int64_t at,
                    struct rm_err *err)
{
    static const char sql[] =
        "INSERT INTO registrar_prices (connection_id, tld, reg_type, period, "
        "price, fetched_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT "
        "(connection_id, tld, reg_type, period) DO UPDATE SET price = "
        "excluded.price, fetched_at = excluded.fetched_at";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, conn_id);
    store_bind_text(s, 2, w->tld);
    store_bind_text(s, 3, priceimport_reg_type(w->op));
    store_bind_int64(s, 4, w->term);
    store_bind_int64(s, 5, w->cost);
    store_bind_int64(s, 6, at);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

/* apply_tld - the rows [a, b) of one TLD against its prices now; with
 * apply, the changed ones through tld_set (joining the transaction). */
static int apply_tld(struct run_unit *u, size_t a, size_t b, struct rm_err *err)
{
    struct priceimport_result *res = u->res;
    char bufs[3 * TLD_MAX_TERM + 1][64];
    const char *prices[3 * TLD_MAX_TERM + 1];
    size_t n = 0;
    struct tld t;
    int rc;

    if ((rc = tld_get(u->app, res->rows[a].tld, &t, err)) < 0)
        return rc;
    for (size_t i = a; i < b; i++) {
        struct priceimport_row *w = &res->rows[i];
        char m[MONEY_STR_MAX];
        w->old = t.price[w->op][w->term];
        w->changed = w->status == PRICEIMPORT_READ && w->proposed != w->old;
        if (w->status != PRICEIMPORT_READ) {
            res->nskipped++;
            continue;
        }
        res->nread++;
        if (!w->changed)
            continue;
        res->nchanged++;
        if (n < sizeof prices / sizeof prices[0]) {
            snprintf(bufs[n], sizeof bufs[n], "%s:%d=%s", tld_op_name(w->op),
                     w->term, money_format(w->proposed, m));
            prices[n] = bufs[n];
            n++;
        }
    }
    if (!u->r->apply || n == 0)
        return 0;
    struct tld_set_req q = {0};
    q.tld = t.tld;
    q.prices = prices;
    q.nprices = n;
    return tld_set(u->app, &q, err);
}

static int run_unit(struct store *st, void *arg, struct rm_err *err)
{
    struct run_unit *u = arg;
    struct priceimport_result *res = u->res;
    int rc;

    /* a re-run starts over */
    res->nread = res->nchanged = res->nskipped = 0;
    for (size_t i = 0; i < res->nrows; i++)
        if (res->rows[i].status == PRICEIMPORT_READ &&
            (rc = put_cost(st, res->connection_id, &res->rows[i], res->read_at,
                           err)) < 0)
            return rc;
    for (size_t a = 0, b; a < res->nrows; a = b) {
        for (b = a + 1;
             b < res->nrows && strcmp(res->rows[a].tld, res->rows[b].tld) == 0;
             b++)
            ;
        if ((rc = apply_tld(u, a, b, err)) < 0)
            return rc;
    }
    return 0;
}

int priceimport_run(struct app *app, const struct priceimport_req *r,
                    struct priceimport_result *out, struct rm_err *err)
{
    struct conn c;
    int rc;

    memset(out, 0, sizeof *out);
    if (r->rule.markup_bp < 0 || r->rule.markup_bp > PRICEIMPORT_MAX_MARKUP_BP)
        return rm_err_set(err, RM_EINVAL, "markup: 0 to 1000 percent");
    if (r->rule.add < 0 || r->rule.add > MONEY_MAX_MINOR)
        return rm_err_set(err, RM_EINVAL, "add: an amount of 0 or more");
    if (r->rule.round_cents != PRICEIMPORT_NO_ROUND &&
        (r->rule.round_cents < 0 || r->rule.round_cents > 99))
        return rm_err_set(err, RM_EINVAL, "round: the cents 0 to 99");
    if (!r->connection || !*r->connection)
        return rm_err_set(err, RM_EINVAL, "a connection is required");
    if ((rc = conn_get(app, r->connection, &c, err)) < 0)
        return rc;
    out->connection_id = c.id;
    snprintf(out->connection, sizeof out->connection, "%s", c.title);
    conn_release(&c);
    if ((rc = collect(app, r, out, err)) < 0 || (rc = ask(app, out, err)) < 0)
        return rc;
    for (size_t i = 0; i < out->nrows; i++)
        if (out->rows[i].status == PRICEIMPORT_READ &&
            (rc = priceimport_propose(&r->rule, out->rows[i].cost,
                                      &out->rows[i].proposed, err)) < 0)
            return rc;
    out->read_at = clock_now();
    struct run_unit u = {app, r, out};
    if ((rc = store_tx(app->st, STORE_TX_WRITE, run_unit, &u, err)) < 0)
        return rc;
    out->applied = r->apply;
    return 0;
}
