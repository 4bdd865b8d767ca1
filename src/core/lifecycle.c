/*
 * lifecycle - expiry warnings, automatic renewals, last-chance alerts,
 * expiry marking, portfolio sync and import (contract in lifecycle.h).
 *
 * Invariants (each step keeps them across crashes and re-runs):
 * L1  A notice (expiry_warning, last_chance, autorenew_done) and the mail
 *     it announces commit in one transaction, and notices are UNIQUE per
 *     (domain, kind, expiry date): at most one such mail per domain and
 *     expiry date, and never a notice without its mail.
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
#include "core/tld.h"
#include "mail/template.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"

/* --- small helpers -------------------------------------------------------- */

static void cpy(char *dst, size_t n, struct store_stmt *s, int col)
{
    const char *t = store_col_text(s, col);
    snprintf(dst, n, "%s", t ? t : "");
}

static char *ymd(int64_t t, char *buf, size_t n)
{
    struct tm tm;
    time_t tt = (time_t)t;

    if (t <= 0 || !gmtime_r(&tt, &tm))
        snprintf(buf, n, "-");
    else
        strftime(buf, n, "%Y-%m-%d", &tm);
    return buf;
}

static char *amount_text(const struct app *app, int64_t v, char *buf, size_t n)
{
    char m[MONEY_STR_MAX];
    snprintf(buf, n, "%s %s", money_format(v, m), app->set.currency);
    return buf;
}

static bool can_mail(const struct lifecycle_ctx *c)
{
    return c->mc && c->mc->from;
}

static bool keep_going(const struct lifecycle_ctx *c)
{
    return !c->keep_going || c->keep_going(c->arg);
}

/* note_error - an item failed: log it, keep the first message. A store
 * that failed ends the step (the caller returns rc). */
static void note_error(struct lifecycle_stats *s, struct rm_err *first,
                       const char *what, const char *domain,
                       const struct rm_err *e)
{
    rm_log(LOG_WARN, "lifecycle: %s %s: %s", what, domain, e->msg);
    if (!s->errors++)
        rm_err_set(first, e->code ? e->code : RM_EINTERNAL, "%s %s: %s", what,
                   domain, e->msg);
}

static int step_result(const struct lifecycle_stats *s, int64_t before,
                       const struct rm_err *first, struct rm_err *err)
{
    if (s->errors == before)
        return 0;
    return rm_err_set(err, first->code < 0 ? first->code : RM_EINTERNAL,
                      "%" PRId64 " item(s) failed; first: %s",
                      s->errors - before, first->msg);
}

/* notice_add - INSERT the notice; 1 when it is new, 0 when it was there.
 * Inside the caller's write transaction. */
static int notice_add(struct app *app, int64_t domain_id, const char *kind,
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

#define DOMAIN_COLS                                                            \
    "d.id, d.account_id, d.connection_id, COALESCE(d.expires_at, 0), "         \
    "d.auto_renew, d.name, d.unicode_name, d.tld, d.status "

/* Keyset window on one connection: ?1 connection, ?2 cursor expiry, ?3
 * upper bound, ?4 cursor expiry, ?5 cursor id; the LIMIT is last. The
 * index domains(connection_id, expires_at) serves the range and the
 * order. */
#define WINDOW                                                                 \
    "FROM domains d WHERE d.connection_id = ? AND d.expires_at >= ? AND "      \
    "d.expires_at <= ? AND (d.expires_at > ? OR d.id > ?) "

static const char sql_due_warn[] =
    "SELECT " DOMAIN_COLS WINDOW
    "AND d.status = 'active' AND NOT EXISTS (SELECT 1 FROM notices n WHERE "
    "n.domain_id = d.id AND n.kind = 'expiry_warning' AND n.expires_at = "
    "d.expires_at) ORDER BY d.expires_at, d.id LIMIT ?";

static const char sql_due_renew[] =
    "SELECT " DOMAIN_COLS WINDOW
    "AND d.status = 'active' AND d.auto_renew = 1 AND NOT EXISTS (SELECT 1 "
    "FROM operations o WHERE o.domain_id = d.id AND o.kind = 'renew' AND "
    "o.sent_at > ?) ORDER BY d.expires_at, d.id LIMIT ?";

static const char sql_due_last[] =
    "SELECT " DOMAIN_COLS WINDOW
    "AND d.status IN ('active', 'renewing') AND d.auto_renew = 1 AND NOT "
    "EXISTS (SELECT 1 FROM notices n WHERE n.domain_id = d.id AND n.kind = "
    "'last_chance' AND n.expires_at = d.expires_at) ORDER BY d.expires_at, "
    "d.id LIMIT ?";

enum selection { SEL_WARN, SEL_RENEW, SEL_LAST };

static void read_domain(struct store_stmt *s, struct lifecycle_domain *d)
{
    d->domain_id = store_col_int64(s, 0);
    d->account_id = store_col_int64(s, 1);
    d->connection_id = store_col_int64(s, 2);
    d->expires_at = store_col_int64(s, 3);
    d->auto_renew = store_col_int64(s, 4) != 0;
    cpy(d->name, sizeof d->name, s, 5);
    cpy(d->unicode, sizeof d->unicode, s, 6);
    cpy(d->tld, sizeof d->tld, s, 7);
    cpy(d->status, sizeof d->status, s, 8);
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

/* walk - the rows of one selection, connection by connection, in keyset
 * batches. Each batch is read and its statement released before fn sees
 * the rows, so fn may write. */
static int walk(struct app *app, enum selection sel, int64_t now,
                lifecycle_row_fn *fn, void *arg, struct rm_err *err)
{
    struct conn_days *cv = NULL;
    struct lifecycle_domain *rows;
    size_t nconn = 0;
    int rc;

    if ((rc = conn_days(app, &cv, &nconn, err)) < 0) {
        free(cv);
        return rc;
    }
    rows = xmalloc(LIFECYCLE_BATCH * sizeof *rows);
    for (size_t k = 0; k < nconn && rc == 0; k++) {
        int64_t days = sel == SEL_WARN    ? cv[k].warn_days
                       : sel == SEL_RENEW ? cv[k].renew_days
                                          : LIFECYCLE_LAST_CHANCE_DAYS;
        int64_t hi = now + days * LIFECYCLE_DAY;
        int64_t cur_exp = now, cur_id = INT64_MAX;
        const char *sql = sel == SEL_WARN    ? sql_due_warn
                          : sel == SEL_RENEW ? sql_due_renew
                                             : sql_due_last;

        if (days <= 0)
            continue;
        for (;;) {
            struct store_stmt *s;
            size_t n = 0;
            int b = 6;

            if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
                break;
            store_bind_int64(s, 1, cv[k].id);
            store_bind_int64(s, 2, cur_exp);
            store_bind_int64(s, 3, hi);
            store_bind_int64(s, 4, cur_exp);
            store_bind_int64(s, 5, cur_id);
            if (sel == SEL_RENEW)
                store_bind_int64(s, b++, now - LIFECYCLE_RETRY_S);
            store_bind_int64(s, b, LIFECYCLE_BATCH);
            while (n < LIFECYCLE_BATCH &&
                   (rc = store_step(s, err)) == STORE_ROW)
                read_domain(s, &rows[n++]);
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
    }
    free(rows);
    free(cv);
    return rc;
}

int lifecycle_due_warnings(struct app *app, int64_t now, lifecycle_row_fn *fn,
                           void *arg, struct rm_err *err)
{
    return walk(app, SEL_WARN, now, fn, arg, err);
}

int lifecycle_due_renewals(struct app *app, int64_t now, lifecycle_row_fn *fn,
                           void *arg, struct rm_err *err)
{
    return walk(app, SEL_RENEW, now, fn, arg, err);
}

int lifecycle_due_last_chance(struct app *app, int64_t now,
                              lifecycle_row_fn *fn, void *arg,
                              struct rm_err *err)
{
    return walk(app, SEL_LAST, now, fn, arg, err);
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
    note_error(st->s, &st->first, what, domain, e);
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
static int notice_mail(struct lifecycle_ctx *c,
                       const struct lifecycle_domain *d, const char *kind,
                       const char *to, const struct tmpl_var *vars,
                       size_t nvars, struct rm_err *e)
{
    struct app *app = c->app;
    char key[128];
    int rc, fresh;

    if ((rc = store_begin(app->st, STORE_TX_WRITE, e)) < 0)
        return rc;
    fresh = rc = notice_add(app, d->domain_id, kind, d->expires_at, c->now, e);
    if (rc == 1 && to) {
        snprintf(key, sizeof key, "notice:%" PRId64 ":%s:%" PRId64,
                 d->domain_id, kind, d->expires_at);
        rc = mail_queue_template(app->st, c->mc, key, to, kind, vars, nvars,
                                 c->now, NULL, e);
    }
    if (rc >= 0)
        rc = store_commit(app->st, e);
    store_rollback(app->st);
    return rc < 0 ? rc : fresh;
}

/* --- warnings ------------------------------------------------------------- */

static int warn_one(const struct lifecycle_domain *d, void *arg)
{
    struct step *st = arg;
    struct lifecycle_ctx *c = st->c;
    struct app *app = c->app;
    struct account a;
    struct rm_err e;
    char exp[16], left[24];
    int rc;

    if (!keep_going(c))
        return 1;
    if ((rc = account_get_id(app, d->account_id, &a, &e)) < 0)
        return step_fail(st, "expiry warning", d->name, rc, &e);
    struct tmpl_var vars[] = {
        {"customer", a.name},
        {"domain", d->unicode},
        {"expires", ymd(d->expires_at, exp, sizeof exp)},
        {"days_left", days_left(c, d, left, sizeof left)},
        {"auto_renew", d->auto_renew ? "on" : "off"},
    };
    rc = notice_mail(c, d, "expiry_warning", a.email[0] ? a.email : NULL, vars,
                     sizeof vars / sizeof vars[0], &e);
    if (rc < 0)
        return step_fail(st, "expiry warning", d->name, rc, &e);
    if (rc == 1) {
        st->s->warned++;
        rm_log(LOG_INFO, "lifecycle: %s: expiry warning (expires %s)%s",
               d->name, exp, a.email[0] ? "" : ", no address");
    }
    return 0;
}

int lifecycle_warnings(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                       struct rm_err *err)
{
    struct step st = {c, s, {0}, err};
    int64_t before = s->errors;
    int rc;

    if (!can_mail(c)) {
        /* No notice without its mail (L1): the warnings wait until mail
         * is configured. */
        rm_log(LOG_WARN, "lifecycle: no [mail] from address: expiry "
                         "warnings are not sent");
        return 0;
    }
    rc = lifecycle_due_warnings(c->app, c->now, warn_one, &st, err);
    if (rc < 0)
        return rc;
    return step_result(s, before, &st.first, err);
}

/* --- automatic renewal ---------------------------------------------------- */

/* done_one - the autorenew_done notice and mail of succeeded operation
 * op_id (domain, old expiry from its key); L1. */
static int done_one(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                    int64_t op_id, int64_t domain_id, int64_t account_id,
                    int64_t old_exp, int64_t term, int64_t amount,
                    const char *unicode, int64_t new_exp, struct rm_err *e)
{
    struct app *app = c->app;
    struct account a;
    char key[96], exp[16], years[16], amt[64];
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
        {"expires", ymd(new_exp, exp, sizeof exp)},
        {"amount", amount_text(app, amount, amt, sizeof amt)},
    };
    if ((rc = store_begin(app->st, STORE_TX_WRITE, e)) < 0)
        return rc;
    fresh = rc =
        notice_add(app, domain_id, "autorenew_done", old_exp, c->now, e);
    if (rc == 1 && a.email[0] && can_mail(c)) {
        snprintf(key, sizeof key, "autorenew-done:%" PRId64, op_id);
        rc = mail_queue_template(app->st, c->mc, key, a.email, "autorenew_done",
                                 vars, sizeof vars / sizeof vars[0], c->now,
                                 NULL, e);
    }
    if (rc >= 0)
        rc = store_commit(app->st, e);
    store_rollback(app->st);
    if (rc < 0)
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
            cpy(key, sizeof key, st, 5);
            r->old_exp = key_expiry(key);
            cpy(r->unicode, sizeof r->unicode, st, 6);
            r->new_exp = store_col_int64(st, 7);
            cpy(r->name, sizeof r->name, st, 8);
        }
        store_stmt_release(st);
        if (rc < 0)
            break;
        rc = 0;
        for (size_t i = 0; i < n; i++) {
            struct rm_err e;
            struct row *r = &rows[i];
            if (!keep_going(c))
                goto out;
            rc = done_one(c, s, r->op, r->dom, r->acc, r->old_exp, r->term,
                          r->amount, r->unicode, r->new_exp, &e);
            if (rc < 0) {
                note_error(s, first, "auto-renew notice", r->name, &e);
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

/* no_funds - L1-like: the customer and the admin hear of it once a day
 * (mail keys carry the day), until expiry. */
static int no_funds(struct lifecycle_ctx *c, const struct lifecycle_domain *d,
                    const struct account *a, int64_t amount, struct rm_err *e)
{
    struct app *app = c->app;
    char key[128], exp[16], amt[64], bal[64];
    int64_t day = c->now / LIFECYCLE_DAY;
    int rc = 0;

    if (!can_mail(c))
        return 0;
    struct tmpl_var vars[] = {
        {"customer", a->name},
        {"domain", d->unicode},
        {"expires", ymd(d->expires_at, exp, sizeof exp)},
        {"amount", amount_text(app, amount, amt, sizeof amt)},
        {"balance", amount_text(app, a->balance, bal, sizeof bal)},
    };
    if ((rc = store_begin(app->st, STORE_TX_WRITE, e)) < 0)
        return rc;
    if (a->email[0]) {
        snprintf(key, sizeof key,
                 "autorenew-nofunds:%" PRId64 ":%" PRId64 ":%" PRId64,
                 d->domain_id, d->expires_at, day);
        rc = mail_queue_template(app->st, c->mc, key, a->email,
                                 "autorenew_failed", vars,
                                 sizeof vars / sizeof vars[0], c->now, NULL, e);
    }
    if (rc >= 0 && c->mc->admin) {
        snprintf(key, sizeof key,
                 "autorenew-nofunds:%" PRId64 ":%" PRId64 ":%" PRId64 ":admin",
                 d->domain_id, d->expires_at, day);
        rc = mail_queue_template(app->st, c->mc, key, c->mc->admin,
                                 "autorenew_failed", vars,
                                 sizeof vars / sizeof vars[0], c->now, NULL, e);
    }
    if (rc >= 0)
        rc = store_commit(app->st, e);
    store_rollback(app->st);
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

    if (!keep_going(c))
        return 1;
    if (tld_get(app, d->tld, &t, &e) < 0 ||
        tld_price_for(&t, TLD_RENEW, 1, &amount, &e) < 0) {
        /* not an error of the job: the provider stopped pricing it */
        rm_log(LOG_WARN, "lifecycle: %s: not renewed automatically: %s",
               d->name, e.msg);
        s->skipped++;
        return 0;
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
    if (rc == CORE_EREFUSED) {
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
                 amount_text(app, amount, amt, sizeof amt),
                 amount_text(app, a.balance, bal, sizeof bal));
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

static int last_one(const struct lifecycle_domain *d, void *arg)
{
    struct step *st = arg;
    struct lifecycle_ctx *c = st->c;
    struct app *app = c->app;
    struct account a;
    struct rm_err e;
    char exp[16], left[24], reason[512];
    int rc;

    if (!keep_going(c))
        return 1;
    if ((rc = account_get_id(app, d->account_id, &a, &e)) < 0)
        return step_fail(st, "last chance", d->name, rc, &e);
    last_reason(app, d, reason, sizeof reason);
    struct tmpl_var vars[] = {
        {"customer", a.name},
        {"domain", d->unicode},
        {"expires", ymd(d->expires_at, exp, sizeof exp)},
        {"days_left", days_left(c, d, left, sizeof left)},
        {"reason", reason},
    };
    /* the caller runs this only with an admin address */
    rc = notice_mail(c, d, "last_chance", c->mc->admin, vars,
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
    if (!keep_going(c))
        return step_result(s, before, &st.first, err);
    if (can_mail(c) && c->mc->admin) {
        rc = lifecycle_due_last_chance(c->app, c->now, last_one, &st, err);
        if (rc < 0)
            return rc;
    } else {
        /* L1: no alert recorded that nobody could receive */
        rm_log(LOG_WARN, "lifecycle: no [mail] from and admin address: "
                         "last-chance alerts are not sent");
    }
    return step_result(s, before, &st.first, err);
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

int lifecycle_expire(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                     struct rm_err *err)
{
    /* Batches keep each write transaction short. */
    static const char sql[] =
        "UPDATE domains SET status = 'expired', updated_at = ? WHERE id IN "
        "(SELECT id FROM domains WHERE expires_at > 0 AND expires_at <= ? "
        "AND status = 'active' ORDER BY expires_at LIMIT ?)";
    struct app *app = c->app;
    int64_t n;
    int rc;

    do {
        struct store_stmt *st;
        if (!keep_going(c))
            return 0;
        if ((rc = store_begin(app->st, STORE_TX_WRITE, err)) < 0)
            return rc;
        if ((rc = store_prepare(app->st, sql, &st, err)) < 0)
            goto out;
        store_bind_int64(st, 1, c->now);
        store_bind_int64(st, 2, c->now);
        store_bind_int64(st, 3, LIFECYCLE_BATCH);
        rc = store_step(st, err);
        store_stmt_release(st);
        n = rc < 0 ? 0 : store_changes(app->st);
        if (rc >= 0)
            rc = store_commit(app->st, err);
    out:
        store_rollback(app->st);
        if (rc < 0)
            return rc;
        s->expired += n;
    } while (n == LIFECYCLE_BATCH);
    if (s->expired)
        rm_log(LOG_INFO, "lifecycle: %" PRId64 " domain(s) marked expired",
               s->expired);
    return 0;
}

/* --- portfolio sync --------------------------------------------------------
 */

static int item_cmp(const void *a, const void *b)
{
    return strcmp(((const struct reg_expiring_item *)a)->domain,
                  ((const struct reg_expiring_item *)b)->domain);
}

/* A bounded list of report lines. */
struct report_list {
    struct buf b;
    int64_t n;
};

static void report_add(struct report_list *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void report_add(struct report_list *l, const char *fmt, ...)
{
    va_list ap;
    char line[1024];

    if (l->n++ >= LIFECYCLE_REPORT_LINES)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    buf_addf(&l->b, "%s\n", line);
}

/* fnv1a - 64-bit FNV-1a over n bytes, continuing from h. */
static uint64_t fnv1a(uint64_t h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static const char *report_text(struct report_list *l)
{
    if (l->n == 0)
        return "(none)";
    if (l->n > LIFECYCLE_REPORT_LINES)
        buf_addf(&l->b, "... and %" PRId64 " more\n",
                 l->n - LIFECYCLE_REPORT_LINES);
    /* no trailing newline: the template places the list */
    if (l->b.len && l->b.data[l->b.len - 1] == '\n')
        l->b.data[--l->b.len] = '\0';
    return l->b.data;
}

struct sync_state {
    struct lifecycle_ctx *c;
    struct lifecycle_stats *s;
    const struct conn *conn;
    struct reg_expiring *list;
    unsigned char *matched;
    int64_t from, to;
    /* when the listing began: a domain changed since (an order that
     * completed while the registrar listed) is not judged by it (L4) */
    int64_t listed_at;
    struct report_list drift, missing, restored, unknown;
    /* unknown names this sync saw for the first time (L5) */
    struct report_list unknown_new;
};

/* report_digest - the changes a sync report lists (drift, missing,
 * restored, names newly unknown), hashed. */
static uint64_t report_digest(const struct sync_state *ss)
{
    const struct report_list *l[] = {&ss->drift, &ss->missing, &ss->restored,
                                     &ss->unknown_new};
    uint64_t h = 0xcbf29ce484222325ULL;

    for (size_t i = 0; i < sizeof l / sizeof *l; i++) {
        char n[24];
        /* the counts too: lines past the report's limit are not kept */
        h = fnv1a(
            h, n,
            (size_t)snprintf(n, sizeof n, "%zu:%" PRId64 ";", i, l[i]->n));
        h = fnv1a(h, l[i]->b.data ? l[i]->b.data : "", l[i]->b.len);
    }
    return h;
}

static int sync_update(struct app *app, int64_t id, int64_t expires,
                       const char *status, int64_t now, struct rm_err *err)
{
    static const char sql[] = "UPDATE domains SET expires_at = ?, status = ?, "
                              "updated_at = ? WHERE id = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    if (expires > 0)
        store_bind_int64(s, 1, expires);
    else
        store_bind_null(s, 1);
    store_bind_text(s, 2, status);
    store_bind_int64(s, 3, now);
    store_bind_int64(s, 4, id);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

/* sync_domain - compare one of our domains with the registrar's list;
 * changed: an order of it began or ended (or the row was made) after the
 * listing began. */
static int sync_domain(struct sync_state *ss, const struct lifecycle_domain *d,
                       int64_t changed, struct rm_err *err)
{
    struct reg_expiring_item key, *it;
    int64_t now = ss->c->now, exp = d->expires_at;
    const char *status = d->status;
    char a[16], b[16];

    snprintf(key.domain, sizeof key.domain, "%s", d->name);
    it = ss->list->n
             ? bsearch(&key, ss->list->items, ss->list->n, sizeof *it, item_cmp)
             : NULL;
    if (changed) {
        /* changed while the registrar listed: the list may predate it
         * (a registration it does not show yet, a renewal's old date);
         * the next sync judges it */
        if (it)
            ss->matched[it - ss->list->items] = 1;
        return 0;
    }
    if (it) {
        ss->matched[it - ss->list->items] = 1;
        if (it->expiry > 0 && (int64_t)it->expiry != exp) {
            report_add(&ss->drift, "%s: %s -> %s", d->unicode,
                       ymd(exp, a, sizeof a),
                       ymd((int64_t)it->expiry, b, sizeof b));
            ss->s->drift++;
            exp = (int64_t)it->expiry;
        }
        if (strcmp(status, "missing") == 0) {
            status = exp > now ? "active" : "expired";
            report_add(&ss->restored, "%s: listed again, now %s", d->unicode,
                       status);
            ss->s->restored++;
        } else if (strcmp(status, "expired") == 0 && exp > now) {
            status = "active";
        }
    } else if (strcmp(status, "missing") != 0 && exp >= ss->from &&
               exp <= ss->to) {
        /* L4: flagged, never deleted */
        status = "missing";
        report_add(&ss->missing, "%s: expires %s here, not listed", d->unicode,
                   ymd(exp, a, sizeof a));
        ss->s->missing++;
    }
    if (exp == d->expires_at && strcmp(status, d->status) == 0)
        return 0;
    return sync_update(ss->c->app, d->domain_id, exp, status, now, err);
}

/* One row of registrar_unknown as unknown_save compares them. */
struct unknown_row {
    int64_t id;
    bool seen;
    char name[REG_DOMAIN_MAX];
};

static int unknown_row_cmp(const void *a, const void *b)
{
    return strcmp(((const struct unknown_row *)a)->name,
                  ((const struct unknown_row *)b)->name);
}

/* unknown_rows - the connection's registrar_unknown rows, sorted by name
 * in C (the database's collation is not ours to rely on). */
static int unknown_rows(struct app *app, int64_t conn_id,
                        struct unknown_row **out, size_t *n, struct rm_err *err)
{
    static const char sql[] =
        "SELECT id, name FROM registrar_unknown WHERE connection_id = ?";
    struct store_stmt *s;
    size_t cap = 16;
    int rc;

    *n = 0;
    *out = xmalloc(cap * sizeof **out);
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, conn_id);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        if (*n == cap)
            *out = xrealloc(*out, (cap *= 2) * sizeof **out);
        (*out)[*n].id = store_col_int64(s, 0);
        (*out)[*n].seen = false;
        cpy((*out)[*n].name, sizeof(*out)[*n].name, s, 1);
        (*n)++;
    }
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (*n)
        qsort(*out, *n, sizeof **out, unknown_row_cmp);
    return 0;
}

/* unknown_put - insert a newly unknown name, or refresh a known row. */
static int unknown_put(struct app *app, int64_t conn_id, int64_t row_id,
                       const struct reg_expiring_item *it, int64_t now,
                       struct rm_err *err)
{
    static const char ins[] =
        "INSERT INTO registrar_unknown (connection_id, name, expires_at, "
        "first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?)";
    static const char upd[] = "UPDATE registrar_unknown SET expires_at = ?, "
                              "last_seen_at = ? WHERE id = ?";
    struct store_stmt *s;
    int b = 1, rc;

    if ((rc = store_prepare(app->st, row_id ? upd : ins, &s, err)) < 0)
        return rc;
    if (!row_id) {
        store_bind_int64(s, b++, conn_id);
        store_bind_text(s, b++, it->domain);
    }
    if (it->expiry > 0)
        store_bind_int64(s, b++, (int64_t)it->expiry);
    else
        store_bind_null(s, b++);
    if (!row_id)
        store_bind_int64(s, b++, now);
    store_bind_int64(s, b++, now);
    if (row_id)
        store_bind_int64(s, b, row_id);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

static int unknown_delete(struct app *app, int64_t row_id, struct rm_err *err)
{
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st,
                            "DELETE FROM registrar_unknown WHERE id = ?", &s,
                            err)) < 0)
        return rc;
    store_bind_int64(s, 1, row_id);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

/* unknown_save - inside sync_apply's transaction: the names the registrar
 * listed that match no domain here become the connection's
 * registrar_unknown rows (L5); each is a line of the report, and one not
 * in the table before is also a change the report is sent for. */
static int unknown_save(struct sync_state *ss, struct rm_err *err)
{
    struct app *app = ss->c->app;
    struct unknown_row *rows = NULL, key, *r;
    size_t nrows = 0;
    int rc;

    if ((rc = unknown_rows(app, ss->conn->id, &rows, &nrows, err)) < 0)
        goto out;
    for (size_t i = 0; i < ss->list->n; i++) {
        const struct reg_expiring_item *it = &ss->list->items[i];
        int64_t id;
        char e[16];
        if (ss->matched[i] || (i > 0 && strcmp(it->domain, it[-1].domain) == 0))
            continue; /* ours, or listed twice (the list is sorted) */
        if ((rc = ops_live_domain(app, it->domain, &id, err)) < 0)
            goto out;
        if (id)
            continue; /* ours on another connection, or in progress */
        snprintf(key.name, sizeof key.name, "%s", it->domain);
        r = nrows ? bsearch(&key, rows, nrows, sizeof *rows, unknown_row_cmp)
                  : NULL;
        if ((rc = unknown_put(app, ss->conn->id, r ? r->id : 0, it, ss->c->now,
                              err)) < 0)
            goto out;
        if (r)
            r->seen = true;
        else
            report_add(&ss->unknown_new, "%s", it->domain);
        report_add(&ss->unknown, "%s: expires %s%s", it->domain,
                   ymd((int64_t)it->expiry, e, sizeof e), r ? "" : ", new");
        ss->s->unknown++;
        if (!r)
            ss->s->unknown_new++;
    }
    for (size_t k = 0; k < nrows; k++)
        if (!rows[k].seen && (rc = unknown_delete(app, rows[k].id, err)) < 0)
            goto out;
    rc = 0;
out:
    free(rows);
    return rc;
}

/* sync_apply - one write transaction: every correction of the connection
 * and the report that lists them (L4). */
static int sync_apply(struct sync_state *ss, struct rm_err *err)
{
    static const char sql[] =
        "SELECT " DOMAIN_COLS ", CASE WHEN d.created_at >= ? OR EXISTS "
        "(SELECT 1 FROM operations o WHERE o.domain_id = d.id AND "
        "(o.created_at >= ? OR COALESCE(o.finished_at, 0) >= ? OR "
        "COALESCE(o.late_at, 0) >= ?)) THEN 1 ELSE 0 END FROM domains d "
        "WHERE d.connection_id = ? AND d.id > ? AND d.status IN ('active', "
        "'expired', 'missing') ORDER BY d.id LIMIT ?";
    struct app *app = ss->c->app;
    struct lifecycle_domain *rows = xmalloc(LIFECYCLE_BATCH * sizeof *rows);
    /* changed[i]: an order of the domain began or ended, or it was made,
     * after the listing began */
    int64_t *upd = xmalloc(LIFECYCLE_BATCH * sizeof *upd);
    int64_t cur = 0;
    int rc;

    if ((rc = store_begin(app->st, STORE_TX_WRITE, err)) < 0)
        goto out;
    for (;;) {
        struct store_stmt *s;
        size_t n = 0;
        if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
            goto out;
        for (int k = 1; k <= 4; k++)
            store_bind_int64(s, k, ss->listed_at);
        store_bind_int64(s, 5, ss->conn->id);
        store_bind_int64(s, 6, cur);
        store_bind_int64(s, 7, LIFECYCLE_BATCH);
        while (n < LIFECYCLE_BATCH && (rc = store_step(s, err)) == STORE_ROW) {
            upd[n] = store_col_int64(s, 9);
            read_domain(s, &rows[n++]);
        }
        store_stmt_release(s);
        if (rc < 0)
            goto out;
        for (size_t i = 0; i < n; i++)
            if ((rc = sync_domain(ss, &rows[i], upd[i], err)) < 0)
                goto out;
        if (n < LIFECYCLE_BATCH)
            break;
        cur = rows[n - 1].domain_id;
    }
    if ((rc = unknown_save(ss, err)) < 0)
        goto out;
    if ((ss->drift.n || ss->missing.n || ss->restored.n || ss->unknown_new.n) &&
        can_mail(ss->c) && ss->c->mc->admin) {
        char key[96], when[32], nd[24], nm[24], nr[24], nu[24], nn[24];
        /* The report is queued in the transaction of the changes it lists,
         * so a run that found nothing new queues nothing; the key only has
         * to tell reports apart, also two from one second (the changes'
         * digest does). */
        snprintf(key, sizeof key, "sync:%" PRId64 ":%" PRId64 ":%016" PRIx64,
                 ss->conn->id, ss->c->now, report_digest(ss));
        snprintf(nd, sizeof nd, "%" PRId64, ss->drift.n);
        snprintf(nm, sizeof nm, "%" PRId64, ss->missing.n);
        snprintf(nr, sizeof nr, "%" PRId64, ss->restored.n);
        snprintf(nu, sizeof nu, "%" PRId64, ss->unknown.n);
        snprintf(nn, sizeof nn, "%" PRId64, ss->unknown_new.n);
        struct tmpl_var vars[] = {
            {"connection", ss->conn->title},
            {"sync_time", clock_format(ss->c->now, when, sizeof when)},
            {"drift_count", nd},
            {"drift", report_text(&ss->drift)},
            {"missing_count", nm},
            {"missing", report_text(&ss->missing)},
            {"restored_count", nr},
            {"restored", report_text(&ss->restored)},
            {"unknown_count", nu},
            {"unknown_new_count", nn},
            {"unknown", report_text(&ss->unknown)},
        };
        if ((rc = mail_queue_template(
                 app->st, ss->c->mc, key, ss->c->mc->admin, "sync_report", vars,
                 sizeof vars / sizeof vars[0], ss->c->now, NULL, err)) < 0)
            goto out;
    }
    rc = store_commit(app->st, err);
out:
    store_rollback(app->st);
    free(rows);
    free(upd);
    return rc;
}

static int sync_conn(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                     const struct conn *conn, struct rm_err *err)
{
    struct conn_session sess;
    struct reg_expiring list;
    struct sync_state ss;
    int rc;

    memset(&ss, 0, sizeof ss);
    ss.c = c;
    ss.s = s;
    ss.conn = conn;
    ss.from = c->now - LIFECYCLE_SYNC_PAST_S;
    ss.to = c->now + LIFECYCLE_SYNC_FUTURE_S;
    /* The registrar answers by whole days: compare on the same days. */
    ss.from -= ss.from % LIFECYCLE_DAY;
    ss.to += LIFECYCLE_DAY - 1 - ss.to % LIFECYCLE_DAY;
    if ((rc = conn_session_open(c->app, conn->id, &sess, err)) < 0)
        return rc;
    memset(&list, 0, sizeof list);
    ss.listed_at = clock_now();
    rc = sess.reg->ops->expiring(sess.reg->impl, (time_t)ss.from, (time_t)ss.to,
                                 &list, err);
    conn_session_close(&sess);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < list.n; i++)
        for (char *p = list.items[i].domain; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    if (list.n)
        qsort(list.items, list.n, sizeof *list.items, item_cmp);
    s->listed += (int64_t)list.n;
    ss.list = &list;
    ss.matched = xcalloc(list.n ? list.n : 1, 1);
    buf_init(&ss.drift.b);
    buf_init(&ss.missing.b);
    buf_init(&ss.restored.b);
    buf_init(&ss.unknown.b);
    buf_init(&ss.unknown_new.b);
    rc = sync_apply(&ss, err);
    if (rc == 0)
        rm_log(LOG_INFO,
               "lifecycle: sync %s: %zu listed, %" PRId64 " drift, %" PRId64
               " missing, %" PRId64 " restored, %" PRId64
               " unknown here (%" PRId64 " new)",
               conn->title, list.n, ss.drift.n, ss.missing.n, ss.restored.n,
               ss.unknown.n, ss.unknown_new.n);
    buf_release(&ss.drift.b);
    buf_release(&ss.missing.b);
    buf_release(&ss.restored.b);
    buf_release(&ss.unknown.b);
    buf_release(&ss.unknown_new.b);
    free(ss.matched);
    reg_expiring_release(&list);
    return rc;
}

static int sync_step(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                     struct rm_err *err)
{
    struct conn *cv = NULL;
    struct rm_err first = {0};
    size_t n = 0;
    int64_t before = s->errors;
    int rc;

    if ((rc = conn_list(c->app, &cv, &n, err)) < 0)
        return rc;
    for (size_t i = 0; i < n && keep_going(c); i++) {
        struct rm_err e;
        if ((rc = sync_conn(c, s, &cv[i], &e)) < 0) {
            /* one registrar that does not answer does not stop the
             * others; its domains are left as they are */
            note_error(s, &first, "sync", cv[i].title, &e);
        }
        rc = 0;
    }
    conn_list_free(cv, n);
    if (rc < 0)
        return rc;
    return step_result(s, before, &first, err);
}

int lifecycle_sync(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                   struct rm_err *err)
{
    bool paced = c->app->pace_calls;
    int rc;

    c->app->pace_calls = true; /* background work: rate-limited */
    rc = sync_step(c, s, err);
    c->app->pace_calls = paced;
    return rc;
}

int lifecycle_unknown_list(struct app *app,
                           const struct lifecycle_unknown_query *q,
                           lifecycle_unknown_fn *fn, void *arg,
                           struct rm_err *err)
{
    static const char sql[] =
        "SELECT u.id, u.connection_id, COALESCE(u.expires_at, 0), "
        "u.first_seen_at, u.last_seen_at, c.title, u.name FROM "
        "registrar_unknown u JOIN registrar_connections c ON c.id = "
        "u.connection_id WHERE (? = 0 OR u.connection_id = ?) AND "
        "u.last_seen_at >= ? AND (? = 0 OR u.id < ?) ORDER BY u.id DESC "
        "LIMIT ? OFFSET ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, q->connection_id);
    store_bind_int64(s, 2, q->connection_id);
    store_bind_int64(s, 3, q->seen_since);
    store_bind_int64(s, 4, q->after);
    store_bind_int64(s, 5, q->after);
    store_bind_int64(s, 6, q->limit > 0 ? q->limit : INT64_MAX);
    store_bind_int64(s, 7, q->offset);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        struct lifecycle_unknown u;
        u.id = store_col_int64(s, 0);
        u.connection_id = store_col_int64(s, 1);
        u.expires_at = store_col_int64(s, 2);
        u.first_seen_at = store_col_int64(s, 3);
        u.last_seen_at = store_col_int64(s, 4);
        cpy(u.connection, sizeof u.connection, s, 5);
        cpy(u.name, sizeof u.name, s, 6);
        if ((rc = fn(&u, arg)) != 0)
            break;
    }
    store_stmt_release(s);
    return rc == STORE_DONE ? 0 : rc;
}

/* --- auto-renew switch ---------------------------------------------------- */

int lifecycle_set_auto_renew(struct app *app, const char *name,
                             const char *account, bool on, struct rm_err *err)
{
    static const char sql[] =
        "UPDATE domains SET auto_renew = ?, updated_at = ? WHERE id = ?";
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
    if ((rc = store_begin(app->st, STORE_TX_WRITE, err)) < 0)
        return rc;
    if ((rc = store_prepare(app->st, sql, &s, err)) == 0) {
        store_bind_int64(s, 1, on ? 1 : 0);
        store_bind_int64(s, 2, clock_now());
        store_bind_int64(s, 3, id);
        rc = store_step(s, err);
        store_stmt_release(s);
        if (rc >= 0)
            rc = store_commit(app->st, err);
    }
    store_rollback(app->st);
    return rc < 0 ? rc : 0;
}

/* --- import -----------------------------------------------------------------
 */

#define IMPORT_CHUNK 200

static int unknown_forget(struct app *app, int64_t conn_id, const char *name,
                          struct rm_err *err)
{
    static const char sql[] = "DELETE FROM registrar_unknown WHERE "
                              "connection_id = ? AND name = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, conn_id);
    store_bind_text(s, 2, name);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* only_names - the names of r->only in ASCII form, checked, sorted and
 * without repeats: *out (n strings, heap; free each and the array). */
static int only_names(const struct lifecycle_import_req *r, char ***out,
                      size_t *n, struct rm_err *err)
{
    char **v;
    size_t k = 0;

    *out = NULL;
    *n = 0;
    if (r->n_only > LIFECYCLE_IMPORT_ONLY_MAX)
        return rm_err_set(err, RM_EINVAL,
                          "import: at most %d names at once, not %zu",
                          LIFECYCLE_IMPORT_ONLY_MAX, r->n_only);
    v = xcalloc(r->n_only ? r->n_only : 1, sizeof *v);
    for (size_t i = 0; i < r->n_only; i++) {
        struct name nm;
        struct rm_err e;
        if (name_parse(r->only[i], &nm, &e) < 0) {
            rm_err_set(err, RM_EINVAL, "import: \"%.80s\": %s", r->only[i],
                       e.msg);
            for (size_t j = 0; j < k; j++)
                free(v[j]);
            free(v);
            return RM_EINVAL;
        }
        v[k++] = xstrdup(nm.ascii);
    }
    if (k)
        qsort(v, k, sizeof *v, str_cmp);
    *n = 0;
    for (size_t i = 0; i < k; i++) {
        if (*n && strcmp(v[*n - 1], v[i]) == 0)
            free(v[i]);
        else
            v[(*n)++] = v[i];
    }
    *out = v;
    return 0;
}

/* only_items - the items of the (sorted) list named by names; every name
 * must be listed, else RM_EINVAL naming those that are not. *out holds
 * n_names items (heap). */
static int only_items(const struct conn *conn, const struct reg_expiring *list,
                      char **names, size_t n_names, int64_t from, int64_t to,
                      struct reg_expiring_item **out, struct rm_err *err)
{
    struct reg_expiring_item *v = xcalloc(n_names ? n_names : 1, sizeof *v);
    struct buf absent;
    size_t n_absent = 0;
    char a[16], b[16];

    buf_init(&absent);
    for (size_t i = 0; i < n_names; i++) {
        struct reg_expiring_item key, *it;
        snprintf(key.domain, sizeof key.domain, "%s", names[i]);
        it = list->n ? bsearch(&key, list->items, list->n, sizeof *it, item_cmp)
                     : NULL;
        if (it) {
            v[i] = *it;
        } else if (n_absent++ < 10) {
            buf_addf(&absent, "%s%s", n_absent > 1 ? ", " : "", names[i]);
        }
    }
    if (n_absent) {
        rm_err_set(err, RM_EINVAL,
                   "import: not listed by the registrar of connection \"%s\" "
                   "(expiring %s to %s): %s%s",
                   conn->title, ymd(from, a, sizeof a), ymd(to, b, sizeof b),
                   absent.data, n_absent > 10 ? " and more" : "");
        buf_release(&absent);
        free(v);
        return RM_EINVAL;
    }
    buf_release(&absent);
    *out = v;
    return 0;
}

static int import_chunk(struct lifecycle_ctx *c, const struct conn *conn,
                        const struct account *a, int64_t import_id,
                        const struct reg_expiring_item *items, size_t n,
                        struct lifecycle_import_result *res, struct rm_err *err)
{
    static const char sql[] =
        "INSERT INTO domains (name, unicode_name, tld, account_id, "
        "connection_id, status, expires_at, auto_renew, import_id, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    struct app *app = c->app;
    bool auto_renew = a->auto_renew || strcmp(conn->renew_mode, "auto") == 0;
    int64_t adopted = 0, skipped = 0;
    int rc;

    if ((rc = store_begin(app->st, STORE_TX_WRITE, err)) < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        struct name nm;
        struct tld t;
        struct rm_err e;
        struct store_stmt *s;
        int64_t id;
        if (name_parse(items[i].domain, &nm, &e) < 0) {
            rm_log(LOG_WARN, "import: skipped \"%.80s\": %s", items[i].domain,
                   e.msg);
            skipped++;
            continue;
        }
        /* known here from now on (L5) */
        if ((rc = unknown_forget(app, conn->id, nm.ascii, err)) < 0)
            goto out;
        if ((rc = ops_live_domain(app, nm.ascii, &id, err)) < 0)
            goto out;
        if (id) {
            skipped++;
            continue;
        }
        if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
            goto out;
        store_bind_text(s, 1, nm.ascii);
        store_bind_text(s, 2, nm.unicode);
        store_bind_text(s, 3,
                        tld_for_name(app, &nm, &t, &e) == 0 ? t.tld : nm.tld);
        store_bind_int64(s, 4, a->id);
        store_bind_int64(s, 5, conn->id);
        store_bind_text(
            s, 6, (int64_t)items[i].expiry > c->now ? "active" : "expired");
        if (items[i].expiry > 0)
            store_bind_int64(s, 7, (int64_t)items[i].expiry);
        else
            store_bind_null(s, 7);
        store_bind_int64(s, 8, auto_renew ? 1 : 0);
        store_bind_int64(s, 9, import_id);
        store_bind_int64(s, 10, c->now);
        store_bind_int64(s, 11, c->now);
        rc = store_step(s, err);
        store_stmt_release(s);
        if (rc < 0)
            goto out;
        adopted++;
    }
    rc = store_commit(app->st, err);
    if (rc == 0) {
        res->adopted += adopted;
        res->skipped += skipped;
    }
out:
    store_rollback(app->st);
    return rc;
}

static int import_record(struct app *app, int64_t *id, const struct conn *conn,
                         const struct account *a, int64_t from, int64_t to,
                         int64_t now, const struct lifecycle_import_result *res,
                         bool finished, struct rm_err *err)
{
    static const char ins[] =
        "INSERT INTO imports (connection_id, account_id, range_from, "
        "range_to, started_at) VALUES (?, ?, ?, ?, ?) RETURNING id";
    static const char upd[] =
        "UPDATE imports SET finished_at = ?, listed = ?, adopted = ?, "
        "skipped = ? WHERE id = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_begin(app->st, STORE_TX_WRITE, err)) < 0)
        return rc;
    if (!finished) {
        if ((rc = store_prepare(app->st, ins, &s, err)) < 0)
            goto out;
        store_bind_int64(s, 1, conn->id);
        store_bind_int64(s, 2, a->id);
        store_bind_int64(s, 3, from);
        store_bind_int64(s, 4, to);
        store_bind_int64(s, 5, now);
        rc = store_step(s, err);
        if (rc == STORE_ROW)
            *id = store_col_int64(s, 0);
    } else {
        if ((rc = store_prepare(app->st, upd, &s, err)) < 0)
            goto out;
        store_bind_int64(s, 1, now);
        store_bind_int64(s, 2, res->listed);
        store_bind_int64(s, 3, res->adopted);
        store_bind_int64(s, 4, res->skipped);
        store_bind_int64(s, 5, *id);
        rc = store_step(s, err);
    }
    store_stmt_release(s);
    if (rc >= 0)
        rc = store_commit(app->st, err);
out:
    store_rollback(app->st);
    return rc < 0 ? rc : 0;
}

static int import_run(struct lifecycle_ctx *c,
                      const struct lifecycle_import_req *r,
                      struct lifecycle_import_result *res, struct rm_err *err)
{
    struct app *app = c->app;
    struct conn conn;
    struct account a;
    struct conn_session sess;
    struct reg_expiring list;
    struct reg_expiring_item *items = NULL;
    char **names = NULL;
    size_t n_names = 0, n_items;
    bool only = r->only != NULL;
    int64_t from = r->from ? r->from
                   : only  ? c->now - LIFECYCLE_SYNC_PAST_S
                           : c->now - 90 * LIFECYCLE_DAY;
    int64_t to = r->to  ? r->to
                 : only ? c->now + LIFECYCLE_SYNC_FUTURE_S
                        : c->now + 11 * 366 * LIFECYCLE_DAY;
    int rc;

    memset(res, 0, sizeof *res);
    memset(&conn, 0, sizeof conn);
    memset(&list, 0, sizeof list);
    if (to < from)
        return rm_err_set(err, RM_EINVAL,
                          "import: the range ends before it "
                          "starts");
    if (only && r->n_only == 0)
        return rm_err_set(err, RM_EINVAL, "import: no names given");
    /* names first: a typo costs no registrar call */
    if (only && (rc = only_names(r, &names, &n_names, err)) < 0)
        return rc;
    if ((rc = conn_get(app, r->connection, &conn, err)) < 0)
        goto out_names;
    if ((rc = account_get(app, r->account, &a, err)) < 0)
        goto out_conn;
    if ((rc = conn_session_open(app, conn.id, &sess, err)) < 0)
        goto out_conn;
    rc = sess.reg->ops->expiring(sess.reg->impl, (time_t)from, (time_t)to,
                                 &list, err);
    conn_session_close(&sess);
    if (rc < 0) {
        rm_err_prefix(err, "import: ");
        goto out_conn;
    }
    items = list.items;
    n_items = list.n;
    if (only) {
        /* the registrar's names compared as sync compares them */
        for (size_t i = 0; i < list.n; i++)
            for (char *p = list.items[i].domain; *p; p++)
                *p = (char)tolower((unsigned char)*p);
        if (list.n)
            qsort(list.items, list.n, sizeof *list.items, item_cmp);
        if ((rc = only_items(&conn, &list, names, n_names, from, to, &items,
                             err)) < 0)
            goto out;
        n_items = n_names;
    }
    res->listed = (int64_t)n_items;
    if ((rc = import_record(app, &res->import_id, &conn, &a, from, to, c->now,
                            res, false, err)) < 0)
        goto out;
    for (size_t i = 0; i < n_items; i += IMPORT_CHUNK) {
        size_t k = n_items - i < IMPORT_CHUNK ? n_items - i : IMPORT_CHUNK;
        if (!keep_going(c))
            break;
        if ((rc = import_chunk(c, &conn, &a, res->import_id, items + i, k, res,
                               err)) < 0)
            goto out;
        if (r->progress)
            r->progress((int64_t)(i + k), (int64_t)n_items, r->arg);
    }
    if (r->progress && n_items == 0)
        r->progress(0, 0, r->arg);
    rc = import_record(app, &res->import_id, &conn, &a, from, to, clock_now(),
                       res, true, err);
    if (rc == 0)
        rm_log(LOG_INFO,
               "import %" PRId64 ": %s -> %s: %" PRId64 " listed, %" PRId64
               " adopted, %" PRId64 " skipped",
               res->import_id, conn.title, a.name, res->listed, res->adopted,
               res->skipped);
out:
    if (items != list.items)
        free(items);
    reg_expiring_release(&list);
out_conn:
    conn_release(&conn);
out_names:
    for (size_t i = 0; i < n_names; i++)
        free(names[i]);
    free(names);
    return rc;
}

int lifecycle_import(struct lifecycle_ctx *c,
                     const struct lifecycle_import_req *r,
                     struct lifecycle_import_result *res, struct rm_err *err)
{
    bool paced = c->app->pace_calls;
    int rc;

    c->app->pace_calls = true; /* background work: rate-limited */
    rc = import_run(c, r, res, err);
    c->app->pace_calls = paced;
    return rc;
}
