/*
 * report - the provider's read-only listings and figures (contract in
 * report.h).
 */
#include "core/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

static const char *txt(struct store_stmt *s, int col)
{
    const char *v = store_col_text(s, col);
    return v ? v : "";
}

/* ---- dashboard ---------------------------------------------------------- */

static struct report_day *day_of(struct report_stats *o, int64_t day,
                                 int64_t first)
{
    if (day < first || day - first >= (int64_t)o->ndays)
        return NULL;
    return &o->days[day - first];
}

static int stats_ops(struct app *app, int64_t first, struct report_stats *o,
                     struct rm_err *err)
{
    static const char sql[] =
        "SELECT created_at / 86400, kind, CAST(COUNT(*) AS BIGINT), "
        "CAST(SUM(CASE WHEN state = 'succeeded' THEN 1 ELSE 0 END) AS "
        "BIGINT), CAST(COALESCE(SUM(amount), 0) AS BIGINT), "
        "CAST(COALESCE(SUM(CASE WHEN state = 'succeeded' THEN registrar_cost "
        "ELSE 0 END), 0) AS BIGINT), CAST(SUM(CASE WHEN state = 'succeeded' "
        "AND registrar_cost IS NULL THEN 1 ELSE 0 END) AS BIGINT) FROM "
        "operations WHERE created_at >= ? GROUP BY created_at / 86400, kind";
    struct store_stmt *s;
    int rc = store_prepare(app->st, sql, &s, err);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, first * 86400);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        struct report_day *d = day_of(o, store_col_int64(s, 0), first);
        const char *kind = txt(s, 1);
        if (!d)
            continue;
        size_t i;
        for (i = 0; i < d->nops; i++)
            if (strcmp(d->ops[i].kind, kind) == 0)
                break;
        if (i == d->nops) {
            if (d->nops == REPORT_KINDS_MAX)
                continue;
            d->nops++;
        }
        struct report_ops *x = &d->ops[i];
        snprintf(x->kind, sizeof x->kind, "%s", kind);
        x->created = store_col_int64(s, 2);
        x->succeeded = store_col_int64(s, 3);
        x->amount = store_col_int64(s, 4);
        x->cost = store_col_int64(s, 5);
        x->cost_unknown = store_col_int64(s, 6);
        d->cost += x->cost;
        d->cost_unknown += x->cost_unknown;
        o->cost += x->cost;
        o->cost_unknown += x->cost_unknown;
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

static int stats_money(struct app *app, int64_t first, struct report_stats *o,
                       struct rm_err *err)
{
    /* charges and refunds of customer accounts per day: a charge is
     * negative there, a refund positive */
    static const char sql[] =
        "SELECT p.created_at / 86400, CAST(COALESCE(SUM(CASE WHEN p.kind = "
        "'refund' THEN 1 ELSE 0 END), 0) AS BIGINT), CAST(COALESCE(SUM(CASE "
        "WHEN p.kind = 'refund' THEN e.amount ELSE 0 END), 0) AS BIGINT), "
        "CAST(COALESCE(SUM(CASE WHEN p.kind = 'charge' THEN -e.amount ELSE 0 "
        "END), 0) AS BIGINT) FROM ledger_postings p JOIN ledger_entries e ON "
        "e.posting_id = p.id JOIN accounts a ON a.id = e.account_id WHERE "
        "p.kind IN ('charge', 'refund') AND a.kind = 'customer' AND "
        "p.created_at >= ? GROUP BY p.created_at / 86400";
    struct store_stmt *s;
    int rc = store_prepare(app->st, sql, &s, err);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, first * 86400);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        struct report_day *d = day_of(o, store_col_int64(s, 0), first);
        if (!d)
            continue;
        d->refunds = store_col_int64(s, 1);
        d->refunded = store_col_int64(s, 2);
        d->charged = store_col_int64(s, 3);
        o->charged += d->charged;
        o->refunded += d->refunded;
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

/* tld_of - the row of tld in o->tlds (added when new); NULL past
 * REPORT_TLDS_MAX. */
static struct report_tld *tld_of(struct report_stats *o, const char *tld)
{
    for (size_t i = 0; i < o->ntlds; i++)
        if (strcmp(o->tlds[i].tld, tld) == 0)
            return &o->tlds[i];
    if (o->ntlds == REPORT_TLDS_MAX)
        return NULL;
    struct report_tld *t = &o->tlds[o->ntlds++];
    memset(t, 0, sizeof *t);
    snprintf(t->tld, sizeof t->tld, "%s", tld);
    return t;
}

static int tld_cmp(const void *a, const void *b)
{
    return strcmp(((const struct report_tld *)a)->tld,
                  ((const struct report_tld *)b)->tld);
}

static int stats_tlds(struct app *app, int64_t first, struct report_stats *o,
                      struct rm_err *err)
{
    /* the customer accounts' charges and refunds of each TLD's operations */
    static const char sql_money[] =
        "SELECT d.tld, CAST(COALESCE(SUM(CASE WHEN p.kind = 'charge' THEN "
        "-e.amount ELSE 0 END), 0) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN "
        "p.kind = 'refund' THEN e.amount ELSE 0 END), 0) AS BIGINT) FROM "
        "ledger_postings p JOIN ledger_entries e ON e.posting_id = p.id JOIN "
        "accounts a ON a.id = e.account_id JOIN operations op ON op.id = "
        "p.operation_id JOIN domains d ON d.id = op.domain_id WHERE p.kind IN "
        "('charge', 'refund') AND a.kind = 'customer' AND p.created_at >= ? "
        "GROUP BY d.tld";
    /* the registrar cost of each TLD's succeeded operations */
    static const char sql_cost[] =
        "SELECT d.tld, CAST(COUNT(*) AS BIGINT), CAST(COALESCE("
        "SUM(op.registrar_cost), 0) AS BIGINT), CAST(SUM(CASE WHEN "
        "op.registrar_cost IS NULL THEN 1 ELSE 0 END) AS BIGINT) FROM "
        "operations op JOIN domains d ON d.id = op.domain_id WHERE op.state "
        "= 'succeeded' AND op.created_at >= ? GROUP BY d.tld";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql_money, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, first * 86400);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        struct report_tld *t = tld_of(o, txt(s, 0));
        if (t) {
            t->charged = store_col_int64(s, 1);
            t->refunded = store_col_int64(s, 2);
        }
    }
    store_stmt_release(s);
    if (rc < 0 || (rc = store_prepare(app->st, sql_cost, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, first * 86400);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        struct report_tld *t = tld_of(o, txt(s, 0));
        if (t) {
            t->succeeded = store_col_int64(s, 1);
            t->cost = store_col_int64(s, 2);
            t->cost_unknown = store_col_int64(s, 3);
        }
    }
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    qsort(o->tlds, o->ntlds, sizeof o->tlds[0], tld_cmp);
    return 0;
}

static int stats_now(struct app *app, struct report_stats *o,
                     struct rm_err *err)
{
    static const char sql[] =
        "SELECT (SELECT CAST(COUNT(*) AS BIGINT) FROM operations WHERE "
        "state = 'pending'), (SELECT COALESCE(MIN(created_at), 0) FROM "
        "operations WHERE state = 'pending'), (SELECT CAST(COALESCE("
        "SUM(balance), 0) AS BIGINT) FROM accounts WHERE kind = "
        "'customer'), (SELECT CAST(COUNT(*) AS BIGINT) FROM domains WHERE "
        "status = 'active')";
    struct store_stmt *s;
    int rc = store_prepare(app->st, sql, &s, err);
    if (rc < 0)
        return rc;
    if ((rc = store_step(s, err)) == STORE_ROW) {
        o->have_now = true;
        o->pending = store_col_int64(s, 0);
        o->pending_oldest_at = store_col_int64(s, 1);
        o->customer_balances = store_col_int64(s, 2);
        o->active_domains = store_col_int64(s, 3);
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

struct stats_arg {
    struct app *app;
    int64_t first, last;
    struct report_stats *out;
};

static int stats_tx(struct store *st, void *arg, struct rm_err *err)
{
    struct stats_arg *a = arg;
    struct report_stats *o = a->out;
    int rc;
    (void)st; /* a->app->st */
    /* a re-run starts over */
    memset(o->days, 0, o->ndays * sizeof o->days[0]);
    for (size_t i = 0; i < o->ndays; i++)
        o->days[i].day = a->first + (int64_t)i;
    o->charged = o->refunded = o->cost = o->cost_unknown = 0;
    o->ntlds = 0;
    o->have_now = false;
    if ((rc = stats_ops(a->app, a->first, o, err)) < 0 ||
        (rc = stats_money(a->app, a->first, o, err)) < 0 ||
        (rc = stats_tlds(a->app, a->first, o, err)) < 0 ||
        (rc = stats_now(a->app, o, err)) < 0)
        return rc;
    return 0;
}

int report_stats(struct app *app, int64_t first_day, int64_t last_day,
                 struct report_stats *out, struct rm_err *err)
{
    memset(out, 0, sizeof *out);
    if (last_day < first_day)
        last_day = first_day - 1;
    out->ndays = (size_t)(last_day - first_day + 1);
    out->days = xcalloc(out->ndays ? out->ndays : 1, sizeof out->days[0]);
    out->tlds = xcalloc(REPORT_TLDS_MAX, sizeof out->tlds[0]);
    struct stats_arg a = {app, first_day, last_day, out};
    /* one snapshot for all figures */
    int rc = store_tx(app->st, STORE_TX_READ, stats_tx, &a, err);
    if (rc < 0) {
        report_stats_free(out);
        return rc;
    }
    return 0;
}

void report_stats_free(struct report_stats *s)
{
    free(s->days);
    s->days = NULL;
    s->ndays = 0;
    free(s->tlds);
    s->tlds = NULL;
    s->ntlds = 0;
}

/* ---- registrar log, jobs, mail ------------------------------------------ */

int report_reglog(struct app *app, const char *domain, int64_t op_id,
                  const char *action, const struct view_page *p,
                  void (*fn)(const struct reglog_row *w, void *arg), void *arg,
                  struct rm_err *err)
{
    static const char sql[] =
        "SELECT id, at, COALESCE(connection_id, 0), COALESCE(operation_id, 0), "
        "action, object, COALESCE(domain, ''), outcome, "
        "COALESCE(http_status, 0), duration_ms, request, COALESCE(response, "
        "'') FROM registrar_log WHERE (CAST(? AS TEXT) IS NULL OR domain = ?) "
        "AND (? = 0 OR operation_id = ?) AND (CAST(? AS TEXT) IS NULL OR "
        "action = ?) AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ? OFFSET ?";
    struct store_stmt *s;
    int rc = store_prepare(app->st, sql, &s, err);
    if (rc < 0)
        return rc;
    store_bind_text(s, 1, domain);
    store_bind_text(s, 2, domain);
    store_bind_int64(s, 3, op_id);
    store_bind_int64(s, 4, op_id);
    store_bind_text(s, 5, action);
    store_bind_text(s, 6, action);
    view_bind_page(s, 7, p);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        struct reglog_row w = {
            .id = store_col_int64(s, 0),
            .at = store_col_int64(s, 1),
            .conn_id = store_col_int64(s, 2),
            .op_id = store_col_int64(s, 3),
            .action = txt(s, 4),
            .object = txt(s, 5),
            .domain = txt(s, 6),
            .outcome = txt(s, 7),
            .http_status = store_col_int64(s, 8),
            .duration_ms = store_col_int64(s, 9),
            .request = txt(s, 10),
            .response = txt(s, 11),
        };
        fn(&w, arg);
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int report_jobs(struct app *app, const char *state, const struct view_page *p,
                void (*fn)(const struct report_job *j, void *arg), void *arg,
                struct rm_err *err)
{
    static const char sql[] =
        "SELECT id, kind, dedup_key, state, run_at, COALESCE(lease_owner, ''), "
        "COALESCE(lease_expires_at, 0), attempts, COALESCE(last_error, ''), "
        "created_at, updated_at FROM jobs WHERE (CAST(? AS TEXT) IS NULL OR "
        "state = ?) AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ? OFFSET ?";
    struct store_stmt *s;
    int rc = store_prepare(app->st, sql, &s, err);
    if (rc < 0)
        return rc;
    store_bind_text(s, 1, state);
    store_bind_text(s, 2, state);
    view_bind_page(s, 3, p);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        struct report_job j = {
            .id = store_col_int64(s, 0),
            .kind = txt(s, 1),
            .dedup_key = txt(s, 2),
            .state = txt(s, 3),
            .run_at = store_col_int64(s, 4),
            .lease_owner = txt(s, 5),
            .lease_expires_at = store_col_int64(s, 6),
            .attempts = store_col_int64(s, 7),
            .last_error = txt(s, 8),
            .created_at = store_col_int64(s, 9),
            .updated_at = store_col_int64(s, 10),
        };
        fn(&j, arg);
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int report_mail(struct app *app, const char *state, const struct view_page *p,
                void (*fn)(const struct mail_row *m, void *arg), void *arg,
                struct rm_err *err)
{
    static const char sql[] =
        "SELECT id, message_id, to_addr, subject, state, attempts, "
        "next_attempt_at, created_at, COALESCE(sent_at, 0), last_error "
        "FROM mail_outbox WHERE (CAST(? AS TEXT) IS NULL OR state = ?) AND "
        "(? = 0 OR id < ?) ORDER BY id DESC LIMIT ? OFFSET ?";
    struct store_stmt *s;
    int rc = store_prepare(app->st, sql, &s, err);
    if (rc < 0)
        return rc;
    store_bind_text(s, 1, state);
    store_bind_text(s, 2, state);
    view_bind_page(s, 3, p);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        struct mail_row m = {
            .id = store_col_int64(s, 0),
            .message_id = (char *)store_col_text(s, 1),
            .to_addr = (char *)store_col_text(s, 2),
            .subject = (char *)store_col_text(s, 3),
            .state = (char *)store_col_text(s, 4),
            .attempts = store_col_int64(s, 5),
            .next_attempt_at = store_col_int64(s, 6),
            .created_at = store_col_int64(s, 7),
            .sent_at = store_col_int64(s, 8),
            .last_error = (char *)store_col_text(s, 9),
        };
        fn(&m, arg);
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

/* ---- license acceptances ------------------------------------------------ */

#define ACCEPT_SQL                                                             \
    "SELECT l.id, l.accepted_at, l.account_id, a.name, "                       \
    "COALESCE(l.login_id, 0), COALESCE(g.username, ''), "                      \
    "COALESCE(l.connection_id, 0), COALESCE(c.title, ''), l.domain, "          \
    "l.license_sha256, l.client_ip FROM license_acceptances l "                \
    "JOIN accounts a ON a.id = l.account_id "                                  \
    "LEFT JOIN logins g ON g.id = l.login_id "                                 \
    "LEFT JOIN registrar_connections c ON c.id = l.connection_id "             \
    "WHERE (? = 0 OR l.account_id = ?) AND (? = 0 OR l.connection_id = ?) "

int report_acceptances(struct app *app, int64_t account_id,
                       int64_t connection_id, const struct view_page *p,
                       int64_t limit,
                       void (*fn)(const struct license_acceptance *a,
                                  void *arg),
                       void *arg, struct rm_err *err)
{
    static const char sql_page[] = ACCEPT_SQL
        "AND (? = 0 OR l.id < ?) ORDER BY l.id DESC LIMIT ? OFFSET ?";
    static const char sql_all[] = ACCEPT_SQL "ORDER BY l.id DESC LIMIT ?";
    struct store_stmt *s;
    int rc = store_prepare(app->st, p ? sql_page : sql_all, &s, err);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, account_id);
    store_bind_int64(s, 2, account_id);
    store_bind_int64(s, 3, connection_id);
    store_bind_int64(s, 4, connection_id);
    if (p)
        view_bind_page(s, 5, p);
    else
        store_bind_int64(s, 5, limit);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        struct license_acceptance a = {
            .id = store_col_int64(s, 0),
            .accepted_at = store_col_int64(s, 1),
            .account_id = store_col_int64(s, 2),
            .account = txt(s, 3),
            .login_id = store_col_int64(s, 4),
            .username = txt(s, 5),
            .connection_id = store_col_int64(s, 6),
            .connection = txt(s, 7),
            .domain = txt(s, 8),
            .sha256 = txt(s, 9),
            .client_ip = txt(s, 10),
        };
        fn(&a, arg);
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int login_name_taken(struct app *app, const char *username, bool *yes,
                     struct rm_err *err)
{
    struct store_stmt *s;
    int rc = store_prepare(app->st, "SELECT id FROM logins WHERE username = ?",
                           &s, err);
    if (rc < 0)
        return rc;
    store_bind_text(s, 1, username);
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    *yes = rc == STORE_ROW;
    return 0;
}
