/*
 * tld - TLDs, prices and windows (contract in tld.h).
 */
#include "core/tld.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conn.h"
#include "core/money.h"
#include "util/clock.h"
#include "util/xalloc.h"

static const char *const op_names[] = {"register", "renew", "transfer",
                                       "privacy"};

const char *tld_op_name(enum tld_op op)
{
    return (unsigned)op < TLD_NOPS ? op_names[op] : "?";
}

static int op_from_name(const char *s, size_t n, enum tld_op *op)
{
    for (int i = 0; i < TLD_NOPS; i++)
        if (strlen(op_names[i]) == n && strncmp(s, op_names[i], n) == 0) {
            *op = (enum tld_op)i;
            return 0;
        }
    return -1;
}

int tld_normalize(const char *in, char *out, size_t n, struct rm_err *err)
{
    struct name nm;
    char probe[NAME_MAX_INPUT + 8];
    int rc;

    if (!in || !*in)
        return rm_err_set(err, RM_EINVAL, "a TLD is required (e.g. .com)");
    if (strlen(in) > NAME_MAX_ASCII)
        return rm_err_set(err, RM_ELIMIT, "TLD longer than %d bytes",
                          NAME_MAX_ASCII);
    if (in[0] == '.')
        in++;
    /* Validate as the suffix of a name: "x.<tld>". */
    snprintf(probe, sizeof probe, "x.%s", in);
    if ((rc = name_parse(probe, &nm, err)) < 0) {
        rm_err_set(err, RM_EINVAL, "\"%.60s\" is not a valid TLD", in);
        return rc;
    }
    snprintf(out, n, "%s", nm.ascii + 2);
    return 0;
}

/* parse_terms - "1,2,5" or "1-10" or "1-3,5" → bitmask. */
static int parse_terms(const char *s, unsigned *mask, struct rm_err *err)
{
    const char *p = s;
    unsigned m = 0;

    if (strlen(s) > 64)
        return rm_err_set(err, RM_ELIMIT, "terms: list too long");
    while (*p) {
        char *end;
        long a = strtol(p, &end, 10), b;
        if (end == p || a < 1 || a > TLD_MAX_TERM)
            goto bad;
        b = a;
        p = end;
        if (*p == '-') {
            p++;
            b = strtol(p, &end, 10);
            if (end == p || b < a || b > TLD_MAX_TERM)
                goto bad;
            p = end;
        }
        for (long t = a; t <= b; t++)
            m |= 1u << t;
        if (*p == ',')
            p++;
        else if (*p)
            goto bad;
    }
    if (!m)
        goto bad;
    *mask = m;
    return 0;
bad:
    return rm_err_set(err, RM_EINVAL,
                      "terms: \"%.40s\" is not a list of years 1-10 (e.g. "
                      "1,2,5 or 1-10)",
                      s);
}

/* parse_price_key - "register:2" (op and term). */
static int parse_price_key(const char *s, size_t n, enum tld_op *op, int *term,
                           struct rm_err *err)
{
    const char *colon = memchr(s, ':', n);
    char num[8];
    int64_t t;

    if (!colon || op_from_name(s, (size_t)(colon - s), op) < 0)
        return rm_err_set(err, RM_EINVAL,
                          "price \"%.60s\": write OP:TERM=AMOUNT, OP one of "
                          "register, renew, transfer, privacy",
                          s);
    if ((size_t)(s + n - colon - 1) >= sizeof num)
        return rm_err_set(err, RM_EINVAL, "price \"%.60s\": bad term", s);
    memcpy(num, colon + 1, (size_t)(s + n - colon - 1));
    num[s + n - colon - 1] = '\0';
    if (conn_parse_int("price term", num, 1, TLD_MAX_TERM, &t, err) < 0)
        return RM_EINVAL;
    /* Privacy is priced per year, and only per year. */
    if (*op == TLD_PRIVACY && t != 1)
        return rm_err_set(err, RM_EINVAL,
                          "price \"%.60s\": WHOIS privacy has a yearly "
                          "price only: write privacy:1=AMOUNT",
                          s);
    *term = (int)t;
    return 0;
}

static void bind_override(struct store_stmt *s, int i, int64_t v)
{
    if (v > 0)
        store_bind_int64(s, i, v);
    else
        store_bind_null(s, i);
}

/* override - "inherit" → 0; else a duration. Unchanged when NULL. */
static int override(const char *what, const char *v, int64_t min, int64_t *cur,
                    struct rm_err *err)
{
    if (!v)
        return 0;
    if (strcmp(v, "inherit") == 0) {
        *cur = 0;
        return 0;
    }
    return conn_parse_duration(what, v, min, 365 * 86400, cur, err);
}

/* days_opt - "inherit" → -1 (the default for the TLD); else 0..365 days.
 * Unchanged when NULL. */
static int days_opt(const char *what, const char *v, int *cur,
                    struct rm_err *err)
{
    int64_t d;

    if (!v)
        return 0;
    if (strcmp(v, "inherit") == 0) {
        *cur = -1;
        return 0;
    }
    if (conn_parse_int(what, v, 0, TLD_MAX_EXPIRY_DAYS, &d, err) < 0)
        return RM_EINVAL;
    *cur = (int)d;
    return 0;
}

/* fee_opt - "none" → none (0 for the grace fee, TLD_NOPRICE for the
 * restore fee); else an amount per money.h. Unchanged when NULL. */
static int fee_opt(const char *what, const char *v, int64_t none, int64_t *cur,
                   struct rm_err *err)
{
    if (!v)
        return 0;
    if (strcmp(v, "none") == 0) {
        *cur = none;
        return 0;
    }
    if (money_parse(v, cur, err) < 0) {
        rm_err_prefix(err, "%s: ", what);
        return RM_EINVAL;
    }
    return 0;
}

/* The defaults of docs/expiry.md: registry rules where the registry
 * fixes the days, else what a registrar commonly offers. */
static const struct {
    const char *tld;
    int grace, redemption, pending_delete;
} expiry_defaults[] = {
    {"com", 30, 30, 5},  {"net", 30, 30, 5},  {"org", 30, 30, 5},
    {"info", 30, 30, 5}, {"biz", 30, 30, 5},  {"us", 30, 30, 5},
    {"ca", 30, 30, 7},   {"co.uk", 90, 0, 0}, {"uk", 90, 0, 0},
    {"de", 0, 30, 0},    {"eu", 0, 40, 0},
};

bool tld_expiry_default(const char *tld, struct tld_expiry_cfg *out)
{
    out->grace_days = 30;
    out->redemption_days = 30;
    out->pending_delete_days = 5;
    out->grace_fee = 0;
    out->restore_fee = TLD_NOPRICE;
    for (size_t i = 0; i < sizeof expiry_defaults / sizeof expiry_defaults[0];
         i++)
        if (strcmp(tld, expiry_defaults[i].tld) == 0) {
            out->grace_days = expiry_defaults[i].grace;
            out->redemption_days = expiry_defaults[i].redemption;
            out->pending_delete_days = expiry_defaults[i].pending_delete;
            return true;
        }
    return false;
}

void tld_expiry_resolve(const char *tld, int grace_days, int redemption_days,
                        int pending_delete_days, int64_t grace_fee,
                        int64_t restore_fee, struct tld_expiry_cfg *out)
{
    tld_expiry_default(tld, out);
    if (grace_days >= 0)
        out->grace_days = grace_days;
    if (redemption_days >= 0)
        out->redemption_days = redemption_days;
    if (pending_delete_days >= 0)
        out->pending_delete_days = pending_delete_days;
    out->grace_fee = grace_fee > 0 ? grace_fee : 0;
    out->restore_fee = restore_fee >= 0 ? restore_fee : TLD_NOPRICE;
}

void tld_expiry_dates_cfg(const struct tld_expiry_cfg *c, int64_t expires_at,
                          struct tld_expiry *out)
{
    const int64_t day = 86400;
    int64_t redeem_end;

    memset(out, 0, sizeof *out);
    if (expires_at <= 0)
        return;
    out->renewable_until = expires_at + c->grace_days * day;
    redeem_end = out->renewable_until + c->redemption_days * day;
    if (c->redemption_days > 0 && c->restore_fee >= 0)
        out->restorable_until = redeem_end;
    out->deleted_after = redeem_end + c->pending_delete_days * day;
}

void tld_expiry_dates(const struct tld *t, int64_t expires_at,
                      struct tld_expiry *out)
{
    tld_expiry_dates_cfg(&t->expiry, expires_at, out);
}

int tld_domain_expiry(struct app *app, int64_t domain_id,
                      struct tld_domain_expiry *out, struct rm_err *err)
{
    static const char sql[] =
        "SELECT d.tld, d.status, COALESCE(d.expires_at, 0), "
        "COALESCE(d.grace_end_at, 0), COALESCE(d.redemption_end_at, 0), "
        "COALESCE(d.delete_at, 0), d.account_id, d.connection_id, "
        "d.auto_renew, COALESCE(t.grace_days, -1), "
        "COALESCE(t.redemption_days, -1), "
        "COALESCE(t.pending_delete_days, -1), COALESCE(t.grace_fee, 0), "
        "COALESCE(t.restore_fee, -1) FROM domains d LEFT JOIN tlds t ON "
        "t.tld = d.tld WHERE d.id = ?";
    struct store_stmt *s;
    int64_t grace_end = 0, redeem_end = 0, del = 0;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, domain_id);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        const char *v = store_col_text(s, 0);
        snprintf(out->tld, sizeof out->tld, "%s", v ? v : "");
        v = store_col_text(s, 1);
        snprintf(out->status, sizeof out->status, "%s", v ? v : "");
        out->expires_at = store_col_int64(s, 2);
        grace_end = store_col_int64(s, 3);
        redeem_end = store_col_int64(s, 4);
        del = store_col_int64(s, 5);
        out->account_id = store_col_int64(s, 6);
        out->connection_id = store_col_int64(s, 7);
        out->auto_renew = store_col_int64(s, 8) != 0;
        tld_expiry_resolve(out->tld, (int)store_col_int64(s, 9),
                           (int)store_col_int64(s, 10),
                           (int)store_col_int64(s, 11), store_col_int64(s, 12),
                           store_col_int64(s, 13), &out->cfg);
        rc = 0;
    } else if (rc == STORE_DONE) {
        rc = rm_err_set(err, RM_ENOTFOUND, "no domain %" PRId64, domain_id);
    }
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    tld_expiry_dates_cfg(&out->cfg, out->expires_at, &out->dates);
    if (grace_end > 0 || redeem_end > 0 || del > 0) {
        out->from_registrar = true;
        if (grace_end > 0)
            out->dates.renewable_until = grace_end;
        if (redeem_end > 0 && out->cfg.restore_fee >= 0)
            out->dates.restorable_until = redeem_end;
        if (del > 0)
            out->dates.deleted_after = del;
    }
    return 0;
}

/* set_expiry - apply the request's expiry settings over t; a restore fee
 * needs redemption days (set or by default). */
static int set_expiry(const struct tld_set_req *r, const char *name,
                      struct tld *t, struct rm_err *err)
{
    int rc;

    if ((rc = days_opt("grace days", r->grace_days, &t->set_grace_days, err)) <
            0 ||
        (rc = days_opt("redemption days", r->redemption_days,
                       &t->set_redemption_days, err)) < 0 ||
        (rc = days_opt("pending delete days", r->pending_delete_days,
                       &t->set_pending_delete_days, err)) < 0 ||
        (rc = fee_opt("grace fee", r->grace_fee, 0, &t->expiry.grace_fee,
                      err)) < 0 ||
        (rc = fee_opt("restore fee", r->restore_fee, TLD_NOPRICE,
                      &t->expiry.restore_fee, err)) < 0)
        return rc;
    tld_expiry_resolve(name, t->set_grace_days, t->set_redemption_days,
                       t->set_pending_delete_days, t->expiry.grace_fee,
                       t->expiry.restore_fee, &t->expiry);
    if (t->expiry.restore_fee >= 0 && t->expiry.redemption_days == 0)
        return rm_err_set(err, RM_EINVAL,
                          "restore fee: .%s has no redemption period "
                          "(redemption days 0), so nothing can be restored; "
                          "set redemption days above 0 or the restore fee "
                          "to none",
                          name);
    return 0;
}

static void bind_opt(struct store_stmt *s, int i, int64_t v)
{
    if (v >= 0)
        store_bind_int64(s, i, v);
    else
        store_bind_null(s, i);
}

/* price_row - set (amount >= 0) or remove (TLD_NOPRICE) one price;
 * inside the caller's write transaction. */
static int price_row(struct app *app, const char *tld, enum tld_op op, int term,
                     int64_t amount, struct rm_err *err)
{
    static const char sql_price[] =
        "INSERT INTO tld_prices (tld, operation, term, amount) VALUES (?, ?, "
        "?, ?) ON CONFLICT (tld, operation, term) DO UPDATE SET amount = "
        "excluded.amount";
    static const char sql_unprice[] = "DELETE FROM tld_prices WHERE tld = ? "
                                      "AND operation = ? AND term = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, amount >= 0 ? sql_price : sql_unprice, &s,
                            err)) < 0)
        return rc;
    store_bind_text(s, 1, tld);
    store_bind_text(s, 2, tld_op_name(op));
    store_bind_int64(s, 3, term);
    if (amount >= 0)
        store_bind_int64(s, 4, amount);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc;
}

struct set_unit {
    struct app *app;
    const struct tld_set_req *r;
    const char *name;
    int64_t now;
    const enum tld_op *ops;
    const int *terms;
    const int64_t *amounts;
    const enum tld_op *unops;
    const int *unterms;
};

/* set_unit - read the TLD, apply the request over it, write the row and
 * its price changes: one unit of work, so two edits of one TLD cannot lose
 * a setting. */
static int set_unit(struct store *st, void *arg, struct rm_err *err)
{
    static const char sql_up[] =
        "INSERT INTO tlds (tld, connection_id, allowed_terms, first_check_s, "
        "poll_interval_s, deadline_reg_s, deadline_xfer_s, created_at, "
        "updated_at, grace_days, redemption_days, pending_delete_days, "
        "grace_fee, restore_fee) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?) ON CONFLICT (tld) DO UPDATE SET connection_id = "
        "excluded.connection_id, allowed_terms = excluded.allowed_terms, "
        "first_check_s = excluded.first_check_s, poll_interval_s = "
        "excluded.poll_interval_s, deadline_reg_s = excluded.deadline_reg_s, "
        "deadline_xfer_s = excluded.deadline_xfer_s, updated_at = "
        "excluded.updated_at, grace_days = excluded.grace_days, "
        "redemption_days = excluded.redemption_days, pending_delete_days = "
        "excluded.pending_delete_days, grace_fee = excluded.grace_fee, "
        "restore_fee = excluded.restore_fee";
    const struct set_unit *u = arg;
    const struct tld_set_req *r = u->r;
    struct tld cur;
    struct conn c = {0};
    struct store_stmt *s;
    bool exists;
    int rc;

    rc = tld_get(u->app, u->name, &cur, err);
    if (rc == RM_ENOTFOUND) {
        exists = false;
        memset(&cur, 0, sizeof cur);
        cur.allowed_terms = 0x7fe;
        cur.set_grace_days = cur.set_redemption_days =
            cur.set_pending_delete_days = -1;
        cur.expiry.restore_fee = TLD_NOPRICE;
    } else if (rc < 0) {
        return rc;
    } else {
        exists = true;
    }
    if (r->connection) {
        if ((rc = conn_get(u->app, r->connection, &c, err)) < 0)
            return rc;
        cur.connection_id = c.id;
        conn_release(&c);
    } else if (!exists) {
        return rm_err_set(err, RM_EINVAL,
                          "new TLD .%s needs --registrar CONNECTION", u->name);
    }
    if (r->terms && (rc = parse_terms(r->terms, &cur.allowed_terms, err)) < 0)
        return rc;
    if ((rc = override("first check", r->first_check, 0, &cur.first_check_s,
                       err)) < 0 ||
        (rc = override("poll interval", r->poll_interval, 1,
                       &cur.poll_interval_s, err)) < 0 ||
        (rc = override("registration deadline", r->deadline_reg, 60,
                       &cur.deadline_reg_s, err)) < 0 ||
        (rc = override("transfer deadline", r->deadline_xfer, 60,
                       &cur.deadline_xfer_s, err)) < 0 ||
        (rc = set_expiry(r, u->name, &cur, err)) < 0)
        return rc;
    if ((rc = store_prepare(st, sql_up, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, u->name);
    store_bind_int64(s, 2, cur.connection_id);
    store_bind_int64(s, 3, cur.allowed_terms);
    bind_override(s, 4, cur.first_check_s);
    bind_override(s, 5, cur.poll_interval_s);
    bind_override(s, 6, cur.deadline_reg_s);
    bind_override(s, 7, cur.deadline_xfer_s);
    store_bind_int64(s, 8, u->now);
    store_bind_int64(s, 9, u->now);
    bind_opt(s, 10, cur.set_grace_days);
    bind_opt(s, 11, cur.set_redemption_days);
    bind_opt(s, 12, cur.set_pending_delete_days);
    store_bind_int64(s, 13, cur.expiry.grace_fee);
    bind_opt(s, 14, cur.expiry.restore_fee);
    rc = store_step(s, err);
    store_stmt_release(s);
    for (size_t i = 0; rc >= 0 && i < r->nprices; i++)
        rc = price_row(u->app, u->name, u->ops[i], u->terms[i], u->amounts[i],
                       err);
    for (size_t i = 0; rc >= 0 && i < r->nunprices; i++)
        rc = price_row(u->app, u->name, u->unops[i], u->unterms[i], TLD_NOPRICE,
                       err);
    return rc < 0 ? rc : 0;
}

int tld_set(struct app *app, const struct tld_set_req *r, struct rm_err *err)
{
    char name[NAME_MAX_ASCII + 1];
    int64_t now = clock_now();
    int64_t amounts[64];
    enum tld_op ops[64], unops[64];
    int terms[64], unterms[64];
    int rc;

    if ((rc = tld_normalize(r->tld, name, sizeof name, err)) < 0)
        return rc;
    if (r->nprices > 64 || r->nunprices > 64)
        return rm_err_set(err, RM_ELIMIT, "at most 64 prices per call");
    /* The prices are checked before the transaction opens; what depends on
     * the TLD's row is checked inside it. */
    for (size_t i = 0; i < r->nprices; i++) {
        const char *eq = strchr(r->prices[i], '=');
        if (!eq)
            return rm_err_set(err, RM_EINVAL,
                              "price \"%.60s\": write OP:TERM=AMOUNT",
                              r->prices[i]);
        if ((rc = parse_price_key(r->prices[i], (size_t)(eq - r->prices[i]),
                                  &ops[i], &terms[i], err)) < 0)
            return rc;
        if ((rc = money_parse(eq + 1, &amounts[i], err)) < 0)
            return rc;
    }
    for (size_t i = 0; i < r->nunprices; i++)
        if ((rc = parse_price_key(r->unprices[i], strlen(r->unprices[i]),
                                  &unops[i], &unterms[i], err)) < 0)
            return rc;
    struct set_unit u = {app,   r,       name,  now,    ops,
                         terms, amounts, unops, unterms};
    rc = store_tx(app->st, STORE_TX_WRITE, set_unit, &u, err);
    return rc < 0 ? rc : 0;
}

int tld_set_get(struct app *app, const struct tld_set_req *r, struct tld *out,
                struct rm_err *err)
{
    char name[NAME_MAX_ASCII + 1];
    int rc;

    if ((rc = tld_set(app, r, err)) < 0 ||
        (rc = tld_normalize(r->tld, name, sizeof name, err)) < 0)
        return rc;
    return tld_get(app, name, out, err);
}

/* remove_unit - refuse a TLD with live domains, else delete it. */
static int remove_unit(struct store *st, void *arg, struct rm_err *err)
{
    static const char sql_use[] =
        "SELECT CAST(COUNT(*) AS BIGINT) FROM domains WHERE tld = ? AND "
        "status NOT IN ('failed', 'cancelled', 'transferred_away', 'deleted')";
    static const char sql_del[] = "DELETE FROM tlds WHERE tld = ?";
    const char *name = arg;
    struct store_stmt *s;
    int64_t n = 0;
    int rc;

    if ((rc = store_prepare(st, sql_use, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, name);
    if ((rc = store_step(s, err)) == STORE_ROW)
        n = store_col_int64(s, 0);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (n)
        return rm_err_set(err, RM_EREFUSED,
                          ".%s has %" PRId64 " live domain(s); not removed",
                          name, n);
    if ((rc = store_prepare(st, sql_del, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, name);
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc >= 0 && store_changes(st) == 0)
        rc = rm_err_set(err, RM_ENOTFOUND, "TLD .%s is not configured", name);
    return rc < 0 ? rc : 0;
}

int tld_remove(struct app *app, const char *tld, struct rm_err *err)
{
    char name[NAME_MAX_ASCII + 1];
    int rc;

    if ((rc = tld_normalize(tld, name, sizeof name, err)) < 0)
        return rc;
    rc = store_tx(app->st, STORE_TX_WRITE, remove_unit, name, err);
    return rc < 0 ? rc : 0;
}

#define TLD_COLS                                                               \
    "t.tld, t.connection_id, c.title, t.allowed_terms, "                       \
    "COALESCE(t.first_check_s, 0), COALESCE(t.poll_interval_s, 0), "           \
    "COALESCE(t.deadline_reg_s, 0), COALESCE(t.deadline_xfer_s, 0), "          \
    "COALESCE(t.first_check_s, c.first_check_s), "                             \
    "COALESCE(t.poll_interval_s, c.poll_interval_s), "                         \
    "COALESCE(t.deadline_reg_s, c.deadline_reg_s), "                           \
    "COALESCE(t.deadline_xfer_s, c.deadline_xfer_s), "                         \
    "COALESCE(t.grace_days, -1), COALESCE(t.redemption_days, -1), "            \
    "COALESCE(t.pending_delete_days, -1), t.grace_fee, "                       \
    "COALESCE(t.restore_fee, -1) "                                             \
    "FROM tlds t JOIN registrar_connections c ON c.id = t.connection_id "

static void read_tld(struct store_stmt *s, struct tld *t)
{
    const char *v;

    memset(t, 0, sizeof *t);
    v = store_col_text(s, 0);
    snprintf(t->tld, sizeof t->tld, "%s", v ? v : "");
    t->connection_id = store_col_int64(s, 1);
    v = store_col_text(s, 2);
    snprintf(t->connection, sizeof t->connection, "%s", v ? v : "");
    t->allowed_terms = (unsigned)store_col_int64(s, 3);
    t->first_check_s = store_col_int64(s, 4);
    t->poll_interval_s = store_col_int64(s, 5);
    t->deadline_reg_s = store_col_int64(s, 6);
    t->deadline_xfer_s = store_col_int64(s, 7);
    t->eff_first_check_s = store_col_int64(s, 8);
    t->eff_poll_interval_s = store_col_int64(s, 9);
    t->eff_deadline_reg_s = store_col_int64(s, 10);
    t->eff_deadline_xfer_s = store_col_int64(s, 11);
    t->set_grace_days = (int)store_col_int64(s, 12);
    t->set_redemption_days = (int)store_col_int64(s, 13);
    t->set_pending_delete_days = (int)store_col_int64(s, 14);
    tld_expiry_resolve(t->tld, t->set_grace_days, t->set_redemption_days,
                       t->set_pending_delete_days, store_col_int64(s, 15),
                       store_col_int64(s, 16), &t->expiry);
    for (int o = 0; o < TLD_NOPS; o++)
        for (int y = 0; y <= TLD_MAX_TERM; y++)
            t->price[o][y] = TLD_NOPRICE;
}

static int load_prices(struct app *app, struct tld *t, struct rm_err *err)
{
    static const char sql[] =
        "SELECT operation, term, amount FROM tld_prices WHERE tld = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, t->tld);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        const char *op = store_col_text(s, 0);
        enum tld_op o;
        int64_t term = store_col_int64(s, 1);
        if (op && op_from_name(op, strlen(op), &o) == 0 && term >= 1 &&
            term <= TLD_MAX_TERM)
            t->price[o][term] = store_col_int64(s, 2);
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int tld_get(struct app *app, const char *tld, struct tld *out,
            struct rm_err *err)
{
    static const char sql[] = "SELECT " TLD_COLS "WHERE t.tld = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, tld);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        read_tld(s, out);
        rc = 0;
    } else if (rc == STORE_DONE) {
        rc = rm_err_set(err, RM_ENOTFOUND, "TLD .%s is not offered", tld);
    }
    store_stmt_release(s);
    if (rc == 0)
        rc = load_prices(app, out, err);
    return rc;
}

int tld_list(struct app *app, struct tld **out, size_t *n, struct rm_err *err)
{
    static const char sql[] = "SELECT " TLD_COLS "ORDER BY t.tld COLLATE \"C\"";
    struct store_stmt *s;
    size_t cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    while ((rc = store_step(s, err)) == STORE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        read_tld(s, &(*out)[(*n)++]);
    }
    store_stmt_release(s);
    for (size_t i = 0; rc >= 0 && i < *n; i++)
        rc = load_prices(app, &(*out)[i], err);
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
        return rc;
    }
    return 0;
}

int tld_for_name(struct app *app, const struct name *n, struct tld *out,
                 struct rm_err *err)
{
    /* Longest suffix first, never the whole name: "a.co.uk" tries
     * "co.uk", then "uk". */
    for (size_t i = 1; i < n->labels; i++) {
        const char *suf = name_suffix_of(n, i);
        int rc = tld_get(app, suf, out, err);
        if (rc != RM_ENOTFOUND)
            return rc;
    }
    return rm_err_set(err, RM_ENOTFOUND, "TLD .%s is not offered", n->tld);
}

int64_t tld_privacy_price(const struct tld *t)
{
    return t->price[TLD_PRIVACY][1];
}

int tld_price_for(const struct tld *t, enum tld_op op, int term,
                  int64_t *amount, struct rm_err *err)
{
    char offered[64] = "";
    size_t len = 0;

    if (term >= 1 && term <= TLD_MAX_TERM &&
        (t->allowed_terms & (1u << term)) && t->price[op][term] >= 0) {
        *amount = t->price[op][term];
        return 0;
    }
    for (int y = 1; y <= TLD_MAX_TERM; y++)
        if ((t->allowed_terms & (1u << y)) && t->price[op][y] >= 0)
            len += (size_t)snprintf(offered + len, sizeof offered - len, "%s%d",
                                    len ? "," : "", y);
    return rm_err_set(err, RM_EINVAL,
                      "%s of .%s for %d year(s) is not offered (terms "
                      "offered: %s)",
                      tld_op_name(op), t->tld, term, len ? offered : "none");
}
