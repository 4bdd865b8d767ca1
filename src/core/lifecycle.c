/*
 * lifecycle - expiry warnings, automatic renewals, last-chance alerts and
 * expiry marking (contract in lifecycle.h); portfolio sync and import are
 * in portfolio.c, the helpers both share in lifecycle_int.h.
 *
 * Invariants (each step keeps them across crashes and re-runs):
 * L1  A notice (reminder:*, last_chance*, autorenew_done) and the mail
 *     it announces commit in one transaction, and notices are UNIQUE per
 *     (domain, kind, expiry date): at most one such mail per domain and
 *     expiry date, and never a notice without its mail (the notices
 *     reminder-skipped:* and autorenew_failed record facts, no mail).
 * L2  An automatic renewal attempt is an operation whose idempotency key
 *     autorenew:<domain id>:<expiry>:<n> is UNIQUE; attempt n+1 is made
 *     only when every earlier attempt for that expiry ended refunded
 *     (failed / timed_out / cancelled): the domain is selected only while
 *     active with that expiry, and an attempt in new, sending or pending
 *     keeps it `renewing`, a succeeded one moves its expiry. Together with
 *     currentexpirationyear (ops.c O5) no expiry date is renewed twice.
 * L3  A registrar-refused attempt is retried after LIFECYCLE_RETRY_S, not
 *     on every run; an attempt that never left (recovered from `new`) may
 *     be retried at once.
 * L4  Sync never deletes: a domain the registrar does not list is flagged
 *     `missing`, and the corrections of one connection and the report
 *     that lists them commit together. A domain made, or with an order
 *     that began or ended, after the listing began is left for the next
 *     sync: the list may not show it yet.
 * L5  After a sync of a connection, its registrar_unknown rows are exactly
 *     the names the registrar listed that have no live domain here, each
 *     with the registrar's expiry; they are written in the transaction of
 *     L4, and a name not among them before is reported as new, so a sync
 *     that finds a new unknown name sends its report even when nothing
 *     else changed, and one that finds the same names again does not.
 *     Adopting a name (import) deletes its row in the transaction that
 *     adds the domain.
 */
#include "core/lifecycle.h"
#include "core/lifecycle_int.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/account.h"
#include "core/conn.h"
#include "core/ledger.h"
#include "core/money.h"
#include "core/ops.h"
#include "core/reminders.h"
#include "core/reseller.h"
#include "core/tld.h"
#include "mail/template.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "core/outbox.h"

/* --- small helpers -------------------------------------------------------- */

void lc_cpy(char *dst, size_t n, struct store_stmt *s, int col)
{
    const char *t = store_col_text(s, col);
    snprintf(dst, n, "%s", t ? t : "");
}

char *lc_ymd(int64_t t, char *buf, size_t n)
{
    struct tm tm;
    time_t tt = (time_t)t;

    if (t <= 0 || !gmtime_r(&tt, &tm))
        snprintf(buf, n, "-");
    else
        strftime(buf, n, "%Y-%m-%d", &tm);
    return buf;
}

char *lc_amount_text(const struct app *app, int64_t v, char *buf, size_t n)
{
    char m[MONEY_STR_MAX];
    snprintf(buf, n, "%s %s", money_format(v, m), app->set.currency);
    return buf;
}

bool lc_can_mail(const struct lifecycle_ctx *c)
{
    return c->mc && c->mc->from;
}

bool lc_keep_going(const struct lifecycle_ctx *c)
{
    return !c->keep_going || c->keep_going(c->arg);
}

/* note_error - an item failed: log it, keep the first message. A store
 * that failed ends the step (the caller returns rc). */
void lc_note_error(struct lifecycle_stats *s, struct rm_err *first,
                   const char *what, const char *domain, const struct rm_err *e)
{
    rm_log(LOG_WARN, "lifecycle: %s %s: %s", what, domain, e->msg);
    if (!s->errors++)
        rm_err_set(first, e->code ? e->code : RM_EINTERNAL, "%s %s: %s", what,
                   domain, e->msg);
}

int lc_step_result(const struct lifecycle_stats *s, int64_t before,
                   const struct rm_err *first, struct rm_err *err)
{
    if (s->errors == before)
        return 0;
    return rm_err_set(err, first->code < 0 ? first->code : RM_EINTERNAL,
                      "%" PRId64 " item(s) failed; first: %s",
                      s->errors - before, first->msg);
}

int lc_notice_add(struct app *app, int64_t domain_id, const char *kind,
                  int64_t expires_at, int64_t now, struct rm_err *err)
{
    static const char sql[] =
        "INSERT INTO notices (domain_id, kind, expires_at, sent_at) VALUES "
        "(?, ?, ?, ?) ON CONFLICT (domain_id, kind, expires_at) DO NOTHING";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, domain_id);
    store_bind_text(s, 2, kind);
    store_bind_int64(s, 3, expires_at);
    store_bind_int64(s, 4, now);
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    return store_changes(app->st) == 1 ? 1 : 0;
}

static int notice_exists(struct app *app, int64_t domain_id, const char *kind,
                         int64_t expires_at, struct rm_err *err)
{
    static const char sql[] = "SELECT 1 FROM notices WHERE domain_id = ? AND "
                              "kind = ? AND expires_at = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, domain_id);
    store_bind_text(s, 2, kind);
    store_bind_int64(s, 3, expires_at);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : rc == STORE_ROW;
}

/* --- selections ----------------------------------------------------------- */

/* Keyset window on one connection (LC_WINDOW): ?1 connection, ?2 lower
 * bound, ?3 upper bound, ?4 cursor expiry, ?5 cursor id; the LIMIT is
 * last. The index domains(connection_id, expires_at) serves the range
 * and the order. */
static const char sql_due_renew[] =
    "SELECT " DOMAIN_COLS LC_WINDOW
    "AND d.status = 'active' AND d.auto_renew = 1 AND NOT EXISTS (SELECT 1 "
    "FROM operations o WHERE o.domain_id = d.id AND o.kind = 'renew' AND "
    "o.sent_at > ?) ORDER BY d.expires_at, d.id LIMIT ?";

/* Past expiry: auto-renew domains in their grace period (the expiry in
 * [now - the longest grace, now]; whether still renewable is decided per
 * row from the domain's dates, grace_row). */
static const char sql_due_renew_grace[] =
    "SELECT " DOMAIN_COLS LC_WINDOW
    "AND d.status IN ('active', 'expired') AND d.auto_renew = 1 AND NOT "
    "EXISTS (SELECT 1 FROM operations o WHERE o.domain_id = d.id AND o.kind "
    "= 'renew' AND o.sent_at > ?) ORDER BY d.expires_at, d.id LIMIT ?";

static const char sql_due_last[] =
    "SELECT " DOMAIN_COLS LC_WINDOW
    "AND d.status IN ('active', 'renewing') AND d.auto_renew = 1 AND NOT "
    "EXISTS (SELECT 1 FROM notices n WHERE n.domain_id = d.id AND n.kind = "
    "'last_chance' AND n.expires_at = d.expires_at) ORDER BY d.expires_at, "
    "d.id LIMIT ?";

/* After expiry: auto-renew domains still in grace or redemption without
 * both after-expiry alerts; which one is due is decided per row
 * (last_after_due) from the domain's dates. */
static const char sql_due_last_after[] =
    "SELECT " DOMAIN_COLS LC_WINDOW
    "AND d.status IN ('active', 'expired', 'redemption') AND d.auto_renew = "
    "1 AND (SELECT CAST(COUNT(*) AS BIGINT) FROM notices n WHERE n.domain_id "
    "= d.id AND n.expires_at = d.expires_at AND n.kind IN "
    "('last_chance_grace', 'last_chance_redemption')) < 2 ORDER BY "
    "d.expires_at, d.id LIMIT ?";

enum selection { SEL_RENEW, SEL_LAST };

void lc_read_domain(struct store_stmt *s, struct lifecycle_domain *d)
{
    d->domain_id = store_col_int64(s, 0);
    d->account_id = store_col_int64(s, 1);
    d->connection_id = store_col_int64(s, 2);
    d->expires_at = store_col_int64(s, 3);
    d->auto_renew = store_col_int64(s, 4) != 0;
    lc_cpy(d->name, sizeof d->name, s, 5);
    lc_cpy(d->unicode, sizeof d->unicode, s, 6);
    lc_cpy(d->tld, sizeof d->tld, s, 7);
    lc_cpy(d->status, sizeof d->status, s, 8);
}

/* The per-connection settings the selections need. conn_list() is not
 * used here: it counts every connection's domains, a full scan. */
struct conn_days {
    int64_t id, warn_days, renew_days;
};

static int conn_days(struct app *app, struct conn_days **out, size_t *n,
                     struct rm_err *err)
{
    static const char sql[] =
        "SELECT id, warn_days, renew_days FROM registrar_connections "
        "ORDER BY id";
    struct store_stmt *s;
    size_t cap = 8;
    int rc;

    *n = 0;
    *out = xmalloc(cap * sizeof **out);
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    while ((rc = store_step(s, err)) == STORE_ROW) {
        if (*n == cap)
            *out = xrealloc(*out, (cap *= 2) * sizeof **out);
        (*out)[*n].id = store_col_int64(s, 0);
        (*out)[*n].warn_days = store_col_int64(s, 1);
        (*out)[*n].renew_days = store_col_int64(s, 2);
        (*n)++;
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int lc_walk_conn(struct app *app, const char *sql, int64_t conn_id, int64_t lo,
                 int64_t hi, const int64_t *extra, int nextra,
                 lifecycle_row_fn *fn, void *arg, struct rm_err *err)
{
    struct lifecycle_domain *rows = xmalloc(LIFECYCLE_BATCH * sizeof *rows);
    int64_t cur_exp = lo, cur_id = INT64_MAX;
    int rc = 0;

    for (;;) {
        struct store_stmt *s;
        size_t n = 0;
        int b = 6;

        if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
            break;
        store_bind_int64(s, 1, conn_id);
        store_bind_int64(s, 2, lo);
        store_bind_int64(s, 3, hi);
        store_bind_int64(s, 4, cur_exp);
        store_bind_int64(s, 5, cur_id);
        for (int i = 0; i < nextra; i++)
            store_bind_int64(s, b++, extra[i]);
        store_bind_int64(s, b, LIFECYCLE_BATCH);
        while (n < LIFECYCLE_BATCH && (rc = store_step(s, err)) == STORE_ROW)
            lc_read_domain(s, &rows[n++]);
        store_stmt_release(s);
        if (rc < 0)
            break;
        rc = 0;
        for (size_t i = 0; i < n && rc == 0; i++)
            rc = fn(&rows[i], arg);
        if (rc != 0 || n < LIFECYCLE_BATCH)
            break;
        cur_exp = rows[n - 1].expires_at;
        cur_id = rows[n - 1].domain_id;
    }
    free(rows);
    return rc;
}

/* walk - the rows of one selection, connection by connection: domains
 * expiring in (now, now + the selection's days]. */
static int walk(struct app *app, enum selection sel, int64_t now,
                lifecycle_row_fn *fn, void *arg, struct rm_err *err)
{
    struct conn_days *cv = NULL;
    size_t nconn = 0;
    int rc;

    if ((rc = conn_days(app, &cv, &nconn, err)) < 0) {
        free(cv);
        return rc;
    }
    for (size_t k = 0; k < nconn && rc == 0; k++) {
        int64_t days =
            sel == SEL_RENEW ? cv[k].renew_days : LIFECYCLE_LAST_CHANCE_DAYS;
        int64_t retry = now - LIFECYCLE_RETRY_S;

        if (days <= 0)
            continue;
        if (sel == SEL_RENEW)
            rc = lc_walk_conn(app, sql_due_renew, cv[k].id, now,
                              now + days * LIFECYCLE_DAY, &retry, 1, fn, arg,
                              err);
        else
            rc =
                lc_walk_conn(app, sql_due_last, cv[k].id, now,
                             now + days * LIFECYCLE_DAY, NULL, 0, fn, arg, err);
    }
    free(cv);
    return rc;
}

/* lifecycle_due_warnings shows the due reminders (core/reminders.h). */
struct due_warn {
    lifecycle_row_fn *fn;
    void *arg;
};

static int due_warn_row(const struct lifecycle_domain *d,
                        const struct reminder_due *r, void *arg)
{
    struct due_warn *w = arg;

    (void)r;
    return w->fn(d, w->arg);
}

int lifecycle_due_warnings(struct app *app, int64_t now, lifecycle_row_fn *fn,
                           void *arg, struct rm_err *err)
{
    struct due_warn w = {fn, arg};

    return reminders_due(app, now, due_warn_row, &w, err);
}

/* grace_row - a domain past its expiry is due a renewal attempt while it
 * is renewable (before the end of its grace period, the registrar's
 * date where the sync read it). */
struct grace_walk {
    int64_t now;
    lifecycle_row_fn *fn;
    void *arg;
    struct app *app;
};

static int grace_row(const struct lifecycle_domain *d, void *arg)
{
    struct grace_walk *g = arg;
    struct tld_domain_expiry x;
    struct rm_err e = {0};

    if (d->expires_at <= 0 || d->expires_at > g->now)
        return 0;
    if (tld_domain_expiry(g->app, d->domain_id, &x, &e) < 0) {
        rm_log(LOG_WARN, "lifecycle: %s: %s", d->name, e.msg);
        return 0;
    }
    if (x.dates.renewable_until <= g->now)
        return 0;
    return g->fn(d, g->arg);
}

int lifecycle_due_renewals(struct app *app, int64_t now, lifecycle_row_fn *fn,
                           void *arg, struct rm_err *err)
{
    struct conn_days *cv = NULL;
    struct grace_walk g = {now, fn, arg, app};
    int64_t retry = now - LIFECYCLE_RETRY_S;
    size_t nconn = 0;
    int rc;

    if ((rc = walk(app, SEL_RENEW, now, fn, arg, err)) != 0)
        return rc;
    /* and through the grace period: an attempt that waited for funds
     * goes on once they arrive, while the domain is renewable */
    if ((rc = conn_days(app, &cv, &nconn, err)) < 0) {
        free(cv);
        return rc;
    }
    for (size_t k = 0; k < nconn && rc == 0; k++)
        if (cv[k].renew_days > 0)
            rc = lc_walk_conn(app, sql_due_renew_grace, cv[k].id,
                              now - (TLD_MAX_EXPIRY_DAYS + 1) * LIFECYCLE_DAY,
                              now, &retry, 1, grace_row, &g, err);
    free(cv);
    return rc;
}

/* last_after_due - which after-expiry alert d is due at now: the kind,
 * or NULL. */
static const char *last_after_due(struct app *app,
                                  const struct lifecycle_domain *d, int64_t now,
                                  int64_t *until, struct rm_err *err)
{
    struct tld_domain_expiry x;
    const int64_t lead = LIFECYCLE_LAST_CHANCE_DAYS * LIFECYCLE_DAY;
    const char *kind = NULL;
    int rc;

    if (tld_domain_expiry(app, d->domain_id, &x, err) < 0 || now < x.expires_at)
        return NULL;
    if (strcmp(d->status, "redemption") != 0 && now < x.dates.renewable_until &&
        now >= x.dates.renewable_until - lead) {
        kind = "last_chance_grace";
        *until = x.dates.renewable_until;
    } else if (x.dates.restorable_until > 0 && now >= x.dates.renewable_until &&
               now < x.dates.restorable_until &&
               now >= x.dates.restorable_until - lead) {
        kind = "last_chance_redemption";
        *until = x.dates.restorable_until;
    }
    if (!kind)
        return NULL;
    rc = notice_exists(app, d->domain_id, kind, d->expires_at, err);
    return rc == 0 ? kind : NULL;
}

struct last_after {
    int64_t now;
    lifecycle_row_fn *fn;
    void *arg;
    struct app *app;
};

static int last_after_row(const struct lifecycle_domain *d, void *arg)
{
    struct last_after *l = arg;
    struct rm_err e;
    int64_t until;

    if (!last_after_due(l->app, d, l->now, &until, &e))
        return 0;
    return l->fn(d, l->arg);
}

int lifecycle_due_last_chance(struct app *app, int64_t now,
                              lifecycle_row_fn *fn, void *arg,
                              struct rm_err *err)
{
    struct conn_days *cv = NULL;
    struct last_after l = {now, fn, arg, app};
    size_t nconn = 0;
    int rc;

    if ((rc = walk(app, SEL_LAST, now, fn, arg, err)) != 0)
        return rc;
    /* after expiry: grace and redemption are at most 2 x 365 days */
    if ((rc = conn_days(app, &cv, &nconn, err)) < 0) {
        free(cv);
        return rc;
    }
    for (size_t k = 0; k < nconn && rc == 0; k++)
        rc = lc_walk_conn(app, sql_due_last_after, cv[k].id,
                          now - (2 * TLD_MAX_EXPIRY_DAYS + 1) * LIFECYCLE_DAY,
                          now, NULL, 0, last_after_row, &l, err);
    free(cv);
    return rc;
}

/* A step's callback state. A negative rc from a callback stops the walk:
 * only store failures do that; item failures are counted. */
struct step {
    struct lifecycle_ctx *c;
    struct lifecycle_stats *s;
    struct rm_err first;
    struct rm_err *err;
};

static int fatal(int rc)
{
    return rc == RM_EIO;
}

/* step_fail - item d failed with rc/e: counted; a store failure (fatal)
 * also ends the step, returning rc with e in the step's err. */
static int step_fail(struct step *st, const char *what, const char *domain,
                     int rc, const struct rm_err *e)
{
    lc_note_error(st->s, &st->first, what, domain, e);
    if (fatal(rc)) {
        *st->err = *e;
        return rc;
    }
    return 0;
}

/* days_left - whole days (rounded up) until d expires, as text. */
static char *days_left(const struct lifecycle_ctx *c,
                       const struct lifecycle_domain *d, char *buf, size_t n)
{
    snprintf(buf, n, "%" PRId64,
             (d->expires_at - c->now + LIFECYCLE_DAY - 1) / LIFECYCLE_DAY);
    return buf;
}

/* notice_mail - in one write transaction: the notice kind of d, and when
 * it is new and to is set, its mail from template kind. 1 when the notice
 * is new, 0 when it was there, or < 0. */
struct notice_tx {
    struct lifecycle_ctx *c;
    const struct lifecycle_domain *d;
    const char *kind, *tmpl, *to;
    const struct tmpl_var *vars;
    size_t nvars;
};

static int notice_fn(struct store *st, void *arg, struct rm_err *e)
{
    struct notice_tx *x = arg;
    struct lifecycle_ctx *c = x->c;
    const struct lifecycle_domain *d = x->d;
    char key[128];
    int rc, fresh;

    fresh = rc =
        lc_notice_add(c->app, d->domain_id, x->kind, d->expires_at, c->now, e);
    if (rc == 1 && x->to) {
        snprintf(key, sizeof key, "notice:%" PRId64 ":%s:%" PRId64,
                 d->domain_id, x->kind, d->expires_at);
        rc = outbox_queue_template(st, c->mc, key, x->to, x->tmpl, x->vars,
                                   x->nvars, c->now, NULL, e);
    }
    return rc < 0 ? rc : fresh;
}

static int notice_mail(struct lifecycle_ctx *c,
                       const struct lifecycle_domain *d, const char *kind,
                       const char *tmpl, const char *to,
                       const struct tmpl_var *vars, size_t nvars,
                       struct rm_err *e)
{
    struct notice_tx x = {c, d, kind, tmpl, to, vars, nvars};

    return store_tx(c->app->st, STORE_TX_WRITE, notice_fn, &x, e);
}

/* --- warnings ------------------------------------------------------------- */

/* The warnings step is the reminders of core/reminders.h: they replace
 * the single expiry_warning of earlier versions, so no customer hears of
 * one expiry from two mechanisms. */
int lifecycle_warnings(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                       struct rm_err *err)
{
    return reminders_send(c, s, err);
}

/* --- automatic renewal ---------------------------------------------------- */

struct done_tx {
    struct lifecycle_ctx *c;
    int64_t op_id, domain_id, old_exp;
    const struct account *a;
    const struct tmpl_var *vars;
    size_t nvars;
};

/* done_fn - the autorenew_done notice and, when it is new, its mail: 1
 * when the notice is new, 0 when it was there. */
static int done_fn(struct store *st, void *arg, struct rm_err *e)
{
    struct done_tx *x = arg;
    struct lifecycle_ctx *c = x->c;
    char key[96];
    int rc, fresh;

    fresh = rc = lc_notice_add(c->app, x->domain_id, "autorenew_done",
                               x->old_exp, c->now, e);
    if (rc == 1 && x->a->email[0] && lc_can_mail(c)) {
        snprintf(key, sizeof key, "autorenew-done:%" PRId64, x->op_id);
        rc =
            outbox_queue_template(st, c->mc, key, x->a->email, "autorenew_done",
                                  x->vars, x->nvars, c->now, NULL, e);
    }
    return rc < 0 ? rc : fresh;
}

/* done_one - the autorenew_done notice and mail of succeeded operation
 * op_id (domain, old expiry from its key); L1. */
static int done_one(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                    int64_t op_id, int64_t domain_id, int64_t account_id,
                    int64_t old_exp, int64_t term, int64_t amount,
                    const char *unicode, int64_t new_exp, struct rm_err *e)
{
    struct app *app = c->app;
    struct account a;
    char exp[16], years[16], amt[64];
    int rc, fresh;

    if ((rc = notice_exists(app, domain_id, "autorenew_done", old_exp, e)) != 0)
        return rc < 0 ? rc : 0;
    if ((rc = account_get_id(app, account_id, &a, e)) < 0)
        return rc;
    snprintf(years, sizeof years, "%" PRId64, term);
    struct tmpl_var vars[] = {
        {"customer", a.name},
        {"domain", unicode},
        {"term", years},
        {"expires", lc_ymd(new_exp, exp, sizeof exp)},
        {"amount", lc_amount_text(app, amount, amt, sizeof amt)},
    };
    struct done_tx x = {
        c, op_id, domain_id, old_exp, &a, vars, sizeof vars / sizeof vars[0]};
    if ((fresh = rc = store_tx(app->st, STORE_TX_WRITE, done_fn, &x, e)) < 0)
        return rc;
    if (fresh == 1)
        s->done_mails++;
    return 0;
}

/* parse_key - the expiry in "autorenew:<domain>:<expiry>:<n>". */
static int64_t key_expiry(const char *key)
{
    const char *p = strchr(key, ':');

    if (!p || !(p = strchr(p + 1, ':')))
        return 0;
    return strtoll(p + 1, NULL, 10);
}

/* announce_done - L1 for every automatic renewal that succeeded in the
 * last 40 days and has no autorenew_done notice yet (those settled later
 * by the Async Manager included). */
static int announce_done(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                         struct rm_err *first, struct rm_err *err)
{
    static const char sql[] =
        "SELECT o.id, o.domain_id, o.account_id, o.term, o.amount, "
        "o.idempotency_key, d.unicode_name, COALESCE(d.expires_at, 0), d.name "
        "FROM operations o JOIN domains d ON d.id = o.domain_id WHERE "
        "o.finished_at >= ? AND o.id > ? AND o.state = 'succeeded' AND "
        "o.kind = 'renew' AND o.idempotency_key LIKE 'autorenew:%' "
        "ORDER BY o.id LIMIT ?";
    struct row {
        int64_t op, dom, acc, term, amount, old_exp, new_exp;
        char unicode[NAME_MAX_INPUT + 1], name[NAME_MAX_ASCII + 1];
    } *rows = xmalloc(LIFECYCLE_BATCH * sizeof *rows);
    int64_t cur = 0;
    int rc = 0;

    for (;;) {
        struct store_stmt *st;
        size_t n = 0;
        char key[OPS_IDEM_MAX];

        if ((rc = store_prepare(c->app->st, sql, &st, err)) < 0)
            break;
        store_bind_int64(st, 1, c->now - 40 * LIFECYCLE_DAY);
        store_bind_int64(st, 2, cur);
        store_bind_int64(st, 3, LIFECYCLE_BATCH);
        while (n < LIFECYCLE_BATCH && (rc = store_step(st, err)) == STORE_ROW) {
            struct row *r = &rows[n++];
            r->op = store_col_int64(st, 0);
            r->dom = store_col_int64(st, 1);
            r->acc = store_col_int64(st, 2);
            r->term = store_col_int64(st, 3);
            r->amount = store_col_int64(st, 4);
            lc_cpy(key, sizeof key, st, 5);
            r->old_exp = key_expiry(key);
            lc_cpy(r->unicode, sizeof r->unicode, st, 6);
            r->new_exp = store_col_int64(st, 7);
            lc_cpy(r->name, sizeof r->name, st, 8);
        }
        store_stmt_release(st);
        if (rc < 0)
            break;
        rc = 0;
        for (size_t i = 0; i < n; i++) {
            struct rm_err e;
            struct row *r = &rows[i];
            if (!lc_keep_going(c))
                goto out;
            rc = done_one(c, s, r->op, r->dom, r->acc, r->old_exp, r->term,
                          r->amount, r->unicode, r->new_exp, &e);
            if (rc < 0) {
                lc_note_error(s, first, "auto-renew notice", r->name, &e);
                if (fatal(rc)) {
                    *err = e;
                    goto out;
                }
                rc = 0;
            }
        }
        if (n < LIFECYCLE_BATCH)
            break;
        cur = rows[n - 1].op;
    }
out:
    free(rows);
    return rc;
}

struct no_funds_tx {
    struct lifecycle_ctx *c;
    const struct lifecycle_domain *d;
    const struct account *a;
    const struct tmpl_var *vars;
    size_t nvars;
};

static int no_funds_fn(struct store *st, void *arg, struct rm_err *e)
{
    struct no_funds_tx *x = arg;
    struct lifecycle_ctx *c = x->c;
    const struct lifecycle_domain *d = x->d;
    char key[128];
    int64_t day = c->now / LIFECYCLE_DAY;
    int rc;

    /* once per expiry: the reminders (core/reminders.h) take the domain
     * in from now on */
    if ((rc = lc_notice_add(c->app, d->domain_id, "autorenew_failed",
                            d->expires_at, c->now, e)) < 0)
        return rc;
    rc = 0;
    if (x->a->email[0]) {
        snprintf(key, sizeof key,
                 "autorenew-nofunds:%" PRId64 ":%" PRId64 ":%" PRId64,
                 d->domain_id, d->expires_at, day);
        rc = outbox_queue_template(st, c->mc, key, x->a->email,
                                   "autorenew_failed", x->vars, x->nvars,
                                   c->now, NULL, e);
    }
    if (rc >= 0 && c->mc->admin) {
        snprintf(key, sizeof key,
                 "autorenew-nofunds:%" PRId64 ":%" PRId64 ":%" PRId64 ":admin",
                 d->domain_id, d->expires_at, day);
        rc = outbox_queue_template(st, c->mc, key, c->mc->admin,
                                   "autorenew_failed", x->vars, x->nvars,
                                   c->now, NULL, e);
    }
    return rc < 0 ? rc : 0;
}

/* no_funds - L1-like: the customer and the admin hear of it once a day
 * (mail keys carry the day), until expiry. */
static int no_funds(struct lifecycle_ctx *c, const struct lifecycle_domain *d,
                    const struct account *a, int64_t amount, struct rm_err *e)
{
    struct app *app = c->app;
    char exp[16], amt[64], bal[64];
    int rc = 0;

    if (!lc_can_mail(c))
        return 0;
    struct tmpl_var vars[] = {
        {"customer", a->name},
        {"domain", d->unicode},
        {"expires", lc_ymd(d->expires_at, exp, sizeof exp)},
        {"amount", lc_amount_text(app, amount, amt, sizeof amt)},
        {"balance", lc_amount_text(app, a->balance, bal, sizeof bal)},
    };
    struct no_funds_tx x = {c, d, a, vars, sizeof vars / sizeof vars[0]};
    rc = store_tx(app->st, STORE_TX_WRITE, no_funds_fn, &x, e);
    return rc < 0 ? rc : 0;
}

/* attempts_for - automatic renewal attempts made for this expiry. */
static int attempts_for(struct app *app, int64_t domain_id, int64_t expires,
                        int64_t *n, struct rm_err *err)
{
    static const char sql[] =
        "SELECT CAST(COUNT(*) AS BIGINT) FROM operations WHERE domain_id = ? "
        "AND kind = 'renew' AND idempotency_key LIKE ?";
    struct store_stmt *s;
    char pat[OPS_IDEM_MAX];
    int rc;

    /* digits and colons only: no LIKE wildcard can come from the data */
    snprintf(pat, sizeof pat, OPS_AUTORENEW_PREFIX "%" PRId64 ":%" PRId64 ":%%",
             domain_id, expires);
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, domain_id);
    store_bind_text(s, 2, pat);
    rc = store_step(s, err);
    *n = rc == STORE_ROW ? store_col_int64(s, 0) : 0;
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

static int renew_one(const struct lifecycle_domain *d, void *arg)
{
    struct step *st = arg;
    struct lifecycle_ctx *c = st->c;
    struct app *app = c->app;
    struct lifecycle_stats *s = st->s;
    struct account a;
    struct tld t;
    struct ops_result res;
    struct rm_err e;
    char key[OPS_IDEM_MAX];
    int64_t amount, n;
    int rc;

    if (!lc_keep_going(c))
        return 1;
    if (tld_get(app, d->tld, &t, &e) < 0 ||
        tld_price_for(&t, TLD_RENEW, 1, &amount, &e) < 0) {
        /* not an error of the job: the provider stopped pricing it */
        rm_log(LOG_WARN, "lifecycle: %s: not renewed automatically: %s",
               d->name, e.msg);
        s->skipped++;
        return 0;
    }
    /* a reseller's customer pays its reseller's price; a reseller that
     * does not sell the renewal, or cannot pay its wholesale price, is
     * the provider's to hear of (logged), not the customer's */
    struct reseller_quote rq;
    if (reseller_quote(app, d->account_id, d->tld, TLD_RENEW, 1, &rq, &e) < 0) {
        rm_log(LOG_WARN, "lifecycle: %s: not renewed automatically: %s",
               d->name, e.msg);
        s->skipped++;
        return 0;
    }
    if (rq.reseller_id)
        amount = rq.retail;
    if (d->expires_at > 0 && d->expires_at <= c->now) {
        /* in its grace period: the renewal costs the grace fee too */
        struct tld_domain_expiry x;
        if ((rc = tld_domain_expiry(app, d->domain_id, &x, &e)) < 0)
            goto fail;
        amount += x.cfg.grace_fee;
    }
    if ((rc = account_get_id(app, d->account_id, &a, &e)) < 0)
        goto fail;
    rc = ledger_check_funds(app->st, a.id, amount, &e);
    if (rc == RM_ELIMIT) {
        rm_log(LOG_INFO, "lifecycle: %s: auto-renew waits for funds (%s)",
               d->name, e.msg);
        s->no_funds++;
        if ((rc = no_funds(c, d, &a, amount, &e)) < 0)
            goto fail;
        return 0;
    }
    if (rc < 0)
        goto fail;
    if ((rc = attempts_for(app, d->domain_id, d->expires_at, &n, &e)) < 0)
        goto fail;
    snprintf(key, sizeof key,
             OPS_AUTORENEW_PREFIX "%" PRId64 ":%" PRId64 ":%" PRId64,
             d->domain_id, d->expires_at, n + 1);
    rc = ops_renew_auto(app, d->name, 1, d->expires_at, key, &res, &e);
    if (rc == RM_EREFUSED) {
        rm_log(LOG_INFO, "lifecycle: %s: auto-renew not attempted: %s", d->name,
               e.msg);
        s->skipped++;
        return 0;
    }
    if (rc < 0)
        goto fail;
    rm_log(LOG_INFO, "lifecycle: %s: auto-renew op %" PRId64 " %s", d->name,
           res.op_id, res.state);
    if (rc == OPS_SUCCEEDED) {
        s->renewed++;
        if ((rc = done_one(c, s, res.op_id, d->domain_id, d->account_id,
                           d->expires_at, 1, amount, d->unicode, res.expires_at,
                           &e)) < 0)
            goto fail;
    } else if (rc == OPS_PENDING) {
        s->pending++;
    } else {
        s->failed++;
    }
    return 0;
fail:
    return step_fail(st, "auto-renew", d->name, rc, &e);
}

/* last_reason - one line on why d is still not renewed. */
static void last_reason(struct app *app, const struct lifecycle_domain *d,
                        char *buf, size_t n)
{
    static const char sql[] =
        "SELECT state, COALESCE(pending_reason, '') FROM operations WHERE "
        "domain_id = ? AND kind = 'renew' ORDER BY id DESC LIMIT 1";
    struct store_stmt *s;
    struct rm_err e;
    struct account a;
    struct tld t;
    int64_t amount;
    char amt[64], bal[64];

    if (strcmp(d->status, "renewing") == 0) {
        snprintf(buf, n, "a renewal is waiting for the registrar's answer");
        return;
    }
    if (account_get_id(app, d->account_id, &a, &e) == 0 &&
        tld_get(app, d->tld, &t, &e) == 0 &&
        tld_price_for(&t, TLD_RENEW, 1, &amount, &e) == 0 &&
        ledger_check_funds(app->st, a.id, amount, &e) == RM_ELIMIT) {
        snprintf(buf, n,
                 "insufficient funds: the renewal costs %s, the "
                 "balance is %s",
                 lc_amount_text(app, amount, amt, sizeof amt),
                 lc_amount_text(app, a.balance, bal, sizeof bal));
        return;
    }
    snprintf(buf, n, "no renewal has succeeded yet");
    if (store_prepare(app->st, sql, &s, &e) < 0)
        return;
    store_bind_int64(s, 1, d->domain_id);
    if (store_step(s, &e) == STORE_ROW) {
        const char *state = store_col_text(s, 0);
        const char *why = store_col_text(s, 1);
        snprintf(buf, n, "the last renewal %s: %.300s", state ? state : "?",
                 why && *why ? why : "(no reason given)");
    }
    store_stmt_release(s);
}

/* last_after_one - the admin's alert for d in its last days of grace or
 * of redemption (kind last_chance_grace / last_chance_redemption, once
 * per domain and expiry). */
static int last_after_one(struct step *st, const struct lifecycle_domain *d,
                          const struct account *a, const char *reason)
{
    struct lifecycle_ctx *c = st->c;
    struct rm_err e;
    char exp[16], until_s[16], left[24], action[256];
    int64_t until = 0;
    const char *kind = last_after_due(c->app, d, c->now, &until, &e);
    bool restore;
    int rc;

    if (!kind)
        return 0;
    restore = strcmp(kind, "last_chance_redemption") == 0;
    if ((rc = lc_after_action(c->app, d, restore, until, action, sizeof action,
                              &e)) < 0)
        return step_fail(st, "last chance", d->name, rc, &e);
    snprintf(left, sizeof left, "%" PRId64,
             (until - c->now + LIFECYCLE_DAY - 1) / LIFECYCLE_DAY);
    struct tmpl_var vars[] = {
        {"customer", a->name},
        {"domain", d->unicode},
        {"expires", lc_ymd(d->expires_at, exp, sizeof exp)},
        {"phase", restore ? "redemption period" : "grace period"},
        {"until", lc_ymd(until, until_s, sizeof until_s)},
        {"days_left", left},
        {"action", action},
        {"reason", reason},
    };
    rc = notice_mail(c, d, kind, "last_chance_after", c->mc->admin, vars,
                     sizeof vars / sizeof vars[0], &e);
    if (rc < 0)
        return step_fail(st, "last chance", d->name, rc, &e);
    if (rc == 1) {
        st->s->last_chance++;
        rm_log(LOG_WARN, "lifecycle: %s: last chance of the %s, until %s",
               d->name, restore ? "redemption period" : "grace period",
               until_s);
    }
    return 0;
}

static int last_one(const struct lifecycle_domain *d, void *arg)
{
    struct step *st = arg;
    struct lifecycle_ctx *c = st->c;
    struct app *app = c->app;
    struct account a;
    struct rm_err e;
    char exp[16], left[24], reason[512];
    int rc;

    if (!lc_keep_going(c))
        return 1;
    if ((rc = account_get_id(app, d->account_id, &a, &e)) < 0)
        return step_fail(st, "last chance", d->name, rc, &e);
    last_reason(app, d, reason, sizeof reason);
    if (d->expires_at <= c->now)
        return last_after_one(st, d, &a, reason);
    struct tmpl_var vars[] = {
        {"customer", a.name},
        {"domain", d->unicode},
        {"expires", lc_ymd(d->expires_at, exp, sizeof exp)},
        {"days_left", days_left(c, d, left, sizeof left)},
        {"reason", reason},
    };
    /* the caller runs this only with an admin address */
    rc = notice_mail(c, d, "last_chance", "last_chance", c->mc->admin, vars,
                     sizeof vars / sizeof vars[0], &e);
    if (rc < 0)
        return step_fail(st, "last chance", d->name, rc, &e);
    if (rc == 1) {
        st->s->last_chance++;
        rm_log(LOG_WARN, "lifecycle: %s: last chance, expires %s: %s", d->name,
               exp, reason);
    }
    return 0;
}

static int renew_step(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                      struct rm_err *err)
{
    struct step st = {c, s, {0}, err};
    int64_t before = s->errors;
    int rc;

    if ((rc = announce_done(c, s, &st.first, err)) < 0)
        return rc;
    if ((rc = lifecycle_due_renewals(c->app, c->now, renew_one, &st, err)) < 0)
        return rc;
    if (!lc_keep_going(c))
        return lc_step_result(s, before, &st.first, err);
    if (lc_can_mail(c) && c->mc->admin) {
        rc = lifecycle_due_last_chance(c->app, c->now, last_one, &st, err);
        if (rc < 0)
            return rc;
    } else {
        /* L1: no alert recorded that nobody could receive */
        rm_log(LOG_WARN, "lifecycle: no [mail] from and admin address: "
                         "last-chance alerts are not sent");
    }
    return lc_step_result(s, before, &st.first, err);
}

int lifecycle_renew(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                    struct rm_err *err)
{
    bool paced = c->app->pace_calls;
    int rc;

    c->app->pace_calls = true; /* background work: rate-limited */
    rc = renew_step(c, s, err);
    c->app->pace_calls = paced;
    return rc;
}

/* --- expiry --------------------------------------------------------------- */

struct expire_tx {
    struct lifecycle_ctx *c;
    int64_t n; /* out: domains marked */
};

/* expire_fn - one batch of expired domains marked. */
static int expire_fn(struct store *st, void *arg, struct rm_err *err)
{
    /* Batches keep each write transaction short. */
    static const char sql[] =
        "UPDATE domains SET status = 'expired', updated_at = ? WHERE id IN "
        "(SELECT id FROM domains WHERE expires_at > 0 AND expires_at <= ? "
        "AND status = 'active' ORDER BY expires_at LIMIT ?)";
    struct expire_tx *x = arg;
    struct store_stmt *s;
    int rc;

    x->n = 0;
    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, x->c->now);
    store_bind_int64(s, 2, x->c->now);
    store_bind_int64(s, 3, LIFECYCLE_BATCH);
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    x->n = store_changes(st);
    return 0;
}

int lifecycle_expire(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                     struct rm_err *err)
{
    struct expire_tx x = {c, 0};
    int rc;

    do {
        if (!lc_keep_going(c))
            return 0;
        if ((rc = store_tx(c->app->st, STORE_TX_WRITE, expire_fn, &x, err)) < 0)
            return rc;
        s->expired += x.n;
    } while (x.n == LIFECYCLE_BATCH);
    if (s->expired)
        rm_log(LOG_INFO, "lifecycle: %" PRId64 " domain(s) marked expired",
               s->expired);
    return 0;
}

/* --- auto-renew switch ---------------------------------------------------- */

struct auto_renew_tx {
    int64_t id, now;
    bool on;
};

static int auto_renew_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char sql[] =
        "UPDATE domains SET auto_renew = ?, updated_at = ? WHERE id = ?";
    struct auto_renew_tx *x = arg;
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, x->on ? 1 : 0);
    store_bind_int64(s, 2, x->now);
    store_bind_int64(s, 3, x->id);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int lifecycle_set_auto_renew(struct app *app, const char *name,
                             const char *account, bool on, struct rm_err *err)
{
    struct name nm;
    struct store_stmt *s;
    int64_t id = 0, owner = 0;
    int rc;

    if ((rc = name_parse(name, &nm, err)) < 0)
        return rc;
    if ((rc = ops_live_domain(app, nm.ascii, &id, err)) < 0)
        return rc;
    if (!id)
        return rm_err_set(err, RM_ENOTFOUND, "%s is not a domain here",
                          nm.ascii);
    if (account) {
        struct account a;
        if ((rc = account_get(app, account, &a, err)) < 0)
            return rc;
        if ((rc = store_prepare(app->st,
                                "SELECT account_id FROM domains WHERE id = ?",
                                &s, err)) < 0)
            return rc;
        store_bind_int64(s, 1, id);
        if ((rc = store_step(s, err)) == STORE_ROW)
            owner = store_col_int64(s, 0);
        store_stmt_release(s);
        if (rc < 0)
            return rc;
        if (owner != a.id)
            return rm_err_set(err, RM_ENOTFOUND,
                              "%s is not a domain of account %s", nm.ascii,
                              a.name);
    }
    struct auto_renew_tx x = {id, clock_now(), on};
    rc = store_tx(app->st, STORE_TX_WRITE, auto_renew_fn, &x, err);
    return rc < 0 ? rc : 0;
}
