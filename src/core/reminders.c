/*
 * reminders - reminder schedules and the step that mails them (contract
 * in reminders.h; the lifecycle's helpers in lifecycle_int.h).
 *
 * Invariants:
 * R1  The reminder of offset o for one expiry of a domain is the notice
 *     reminder:<o> (UNIQUE domain, kind, expires_at), committed in one
 *     transaction with its mail: at most one mail per offset and expiry,
 *     across re-runs, restarts and nodes.
 * R2  Offsets are sent in the order of their days, the latest due one
 *     only: the earlier ones not sent are recorded reminder-skipped:<o> in
 *     the same transaction, and an offset is due only while no reminder
 *     notice (sent or skipped) of an equal or later offset exists for the
 *     expiry.
 * R3  A schedule has 1..REMINDERS_MAX distinct offsets within
 *     -REMINDERS_RANGE..REMINDERS_RANGE, stored ascending (the table's
 *     CHECKs hold the same); at most one per scope and target.
 */
#include "core/reminders.h"
#include "core/lifecycle_int.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/money.h"
#include "core/outbox.h"
#include "core/tld.h"
#include "mail/template.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"

static const int builtin_days[] = {-30, -7, 3};

const char *reminder_scope_name(enum reminder_scope s)
{
    switch (s) {
    case REMINDER_BUILTIN:
        return "builtin";
    case REMINDER_DEFAULT:
        return "default";
    case REMINDER_CONNECTION:
        return "connection";
    case REMINDER_TLD:
        return "tld";
    }
    return "?";
}

void reminders_builtin(struct reminder_days *out)
{
    out->n = (int)(sizeof builtin_days / sizeof builtin_days[0]);
    for (int i = 0; i < out->n; i++)
        out->day[i] = builtin_days[i];
}

static int cmp_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int reminders_check(const int64_t *days, size_t n, struct reminder_days *out,
                    struct rm_err *err)
{
    int64_t v[REMINDERS_MAX];

    if (n == 0)
        return rm_err_set(err, RM_EINVAL,
                          "days: at least one offset is needed (like "
                          "-30,-7,3)");
    if (n > REMINDERS_MAX)
        return rm_err_set(err, RM_EINVAL, "days: at most %d offsets, %zu given",
                          REMINDERS_MAX, n);
    for (size_t i = 0; i < n; i++) {
        if (days[i] < -REMINDERS_RANGE || days[i] > REMINDERS_RANGE)
            return rm_err_set(err, RM_EINVAL,
                              "days: %" PRId64 " is out of range (-%d..%d "
                              "days from expiry)",
                              days[i], REMINDERS_RANGE, REMINDERS_RANGE);
        v[i] = days[i];
    }
    qsort(v, n, sizeof v[0], cmp_int64);
    for (size_t i = 1; i < n; i++)
        if (v[i] == v[i - 1])
            return rm_err_set(err, RM_EINVAL,
                              "days: %" PRId64 " is given twice", v[i]);
    out->n = (int)n;
    for (size_t i = 0; i < n; i++)
        out->day[i] = (int)v[i];
    return 0;
}

int reminders_parse(const char *text, struct reminder_days *out,
                    struct rm_err *err)
{
    int64_t v[REMINDERS_MAX + 1];
    size_t n = 0;
    const char *p = text ? text : "";

    for (;;) {
        char *end;
        long long x;

        while (isspace((unsigned char)*p))
            p++;
        if (!*p && n == 0)
            break;
        errno = 0;
        if (!isdigit((unsigned char)*p) && *p != '-' && *p != '+')
            return rm_err_set(err, RM_EINVAL,
                              "days: want offsets like -30,-7,3, got "
                              "\"%.40s\"",
                              text ? text : "");
        x = strtoll(p, &end, 10);
        if (end == p || errno)
            return rm_err_set(err, RM_EINVAL,
                              "days: want offsets like -30,-7,3, got "
                              "\"%.40s\"",
                              text ? text : "");
        if (n == REMINDERS_MAX)
            return rm_err_set(err, RM_EINVAL,
                              "days: at most %d offsets, more given",
                              REMINDERS_MAX);
        v[n++] = (int64_t)x;
        p = end;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        if (*p != ',')
            return rm_err_set(err, RM_EINVAL,
                              "days: want offsets like -30,-7,3, got "
                              "\"%.40s\"",
                              text ? text : "");
        p++;
    }
    return reminders_check(v, n, out, err);
}

char *reminders_text(const struct reminder_days *d, char *buf, size_t n)
{
    size_t len = 0;

    buf[0] = '\0';
    for (int i = 0; i < d->n && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s%d", i ? "," : "",
                                d->day[i] > 0 ? "+" : "", d->day[i]);
    return buf;
}

/* --- the stored schedules --------------------------------------------------
 */

static const char sql_load[] =
    "SELECT s.scope, COALESCE(s.connection_id, 0), COALESCE(c.title, ''), "
    "COALESCE(s.tld, ''), s.day1, COALESCE(s.day2, 1000), "
    "COALESCE(s.day3, 1000), COALESCE(s.day4, 1000), COALESCE(s.day5, "
    "1000), s.updated_at FROM reminder_schedules s LEFT JOIN "
    "registrar_connections c ON c.id = s.connection_id ORDER BY CASE "
    "s.scope WHEN 'default' THEN 0 WHEN 'connection' THEN 1 ELSE 2 END, "
    "s.connection_id, s.tld COLLATE \"C\"";

static void read_schedule(struct store_stmt *s, struct reminder_schedule *r)
{
    const char *scope = store_col_text(s, 0);

    memset(r, 0, sizeof *r);
    r->scope = !scope                             ? REMINDER_DEFAULT
               : strcmp(scope, "connection") == 0 ? REMINDER_CONNECTION
               : strcmp(scope, "tld") == 0        ? REMINDER_TLD
                                                  : REMINDER_DEFAULT;
    r->connection_id = store_col_int64(s, 1);
    lc_cpy(r->connection, sizeof r->connection, s, 2);
    lc_cpy(r->tld, sizeof r->tld, s, 3);
    for (int i = 0; i < REMINDERS_MAX; i++) {
        int64_t v = store_col_int64(s, 4 + i);
        if (v > REMINDERS_RANGE)
            break; /* NULL: the schedule ends */
        r->days.day[r->days.n++] = (int)v;
    }
    r->updated_at = store_col_int64(s, 9);
}

int reminders_load(struct app *app, struct reminders_table *t,
                   struct rm_err *err)
{
    struct store_stmt *s;
    size_t cap = 8;
    int rc;

    t->n = 0;
    t->v = xmalloc(cap * sizeof *t->v);
    if ((rc = store_prepare(app->st, sql_load, &s, err)) < 0)
        return rc;
    while ((rc = store_step(s, err)) == STORE_ROW) {
        if (t->n == cap)
            t->v = xrealloc(t->v, (cap *= 2) * sizeof *t->v);
        read_schedule(s, &t->v[t->n++]);
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

void reminders_table_release(struct reminders_table *t)
{
    free(t->v);
    t->v = NULL;
    t->n = 0;
}

int reminders_resolve(const struct reminders_table *t, int64_t connection_id,
                      int64_t warn_days, const char *tld,
                      struct reminder_days *out, enum reminder_scope *from)
{
    const struct reminder_schedule *conn = NULL, *def = NULL;

    for (size_t i = 0; i < t->n; i++) {
        const struct reminder_schedule *r = &t->v[i];
        if (r->scope == REMINDER_TLD && tld && strcmp(r->tld, tld) == 0) {
            *out = r->days;
            *from = REMINDER_TLD;
            return 1;
        }
        if (r->scope == REMINDER_CONNECTION &&
            r->connection_id == connection_id)
            conn = r;
        if (r->scope == REMINDER_DEFAULT)
            def = r;
    }
    if (conn) {
        *out = conn->days;
        *from = REMINDER_CONNECTION;
        return 1;
    }
    if (warn_days <= 0)
        return 0; /* the connection's "no reminders" */
    if (def) {
        *out = def->days;
        *from = REMINDER_DEFAULT;
    } else {
        reminders_builtin(out);
        *from = REMINDER_BUILTIN;
    }
    return 1;
}

/* A target resolved: the scope, the connection's id or the TLD. */
struct target {
    enum reminder_scope scope;
    int64_t connection_id;
    char connection[CONN_TITLE_MAX + 1];
    char tld[NAME_MAX_ASCII + 1];
};

/* resolve_target - exactly one of default / connection / TLD; the
 * connection must exist, the TLD too when must_exist. */
static int resolve_target(struct app *app, const struct reminders_target *in,
                          bool must_exist, struct target *t, struct rm_err *err)
{
    int n =
        (in->is_default ? 1 : 0) + (in->connection ? 1 : 0) + (in->tld ? 1 : 0);
    int rc;

    memset(t, 0, sizeof *t);
    if (n != 1)
        return rm_err_set(err, RM_EINVAL,
                          "give exactly one of default, a connection or a "
                          "TLD");
    if (in->is_default) {
        t->scope = REMINDER_DEFAULT;
        return 0;
    }
    if (in->connection) {
        struct conn c;
        if ((rc = conn_get(app, in->connection, &c, err)) < 0)
            return rc;
        t->scope = REMINDER_CONNECTION;
        t->connection_id = c.id;
        snprintf(t->connection, sizeof t->connection, "%s", c.title);
        conn_release(&c);
        return 0;
    }
    t->scope = REMINDER_TLD;
    if ((rc = tld_normalize(in->tld, t->tld, sizeof t->tld, err)) < 0)
        return rc;
    if (must_exist) {
        struct tld x;
        if ((rc = tld_get(app, t->tld, &x, err)) < 0)
            return rc;
    }
    return 0;
}

struct set_tx {
    const struct target *t;
    const struct reminder_days *days; /* NULL: reset */
    int64_t now;
    int removed;
};

static int delete_target(struct store *st, const struct target *t,
                         struct rm_err *err)
{
    static const char sql_def[] =
        "DELETE FROM reminder_schedules WHERE scope = 'default'";
    static const char sql_conn[] = "DELETE FROM reminder_schedules WHERE "
                                   "scope = 'connection' AND connection_id = ?";
    static const char sql_tld[] =
        "DELETE FROM reminder_schedules WHERE scope = 'tld' AND tld = ?";
    struct store_stmt *s;
    int rc;

    rc = store_prepare(st,
                       t->scope == REMINDER_DEFAULT      ? sql_def
                       : t->scope == REMINDER_CONNECTION ? sql_conn
                                                         : sql_tld,
                       &s, err);
    if (rc < 0)
        return rc;
    if (t->scope == REMINDER_CONNECTION)
        store_bind_int64(s, 1, t->connection_id);
    else if (t->scope == REMINDER_TLD)
        store_bind_text(s, 1, t->tld);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : store_changes(st);
}

static int set_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char sql[] =
        "INSERT INTO reminder_schedules (scope, connection_id, tld, day1, "
        "day2, day3, day4, day5, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
        "?)";
    struct set_tx *x = arg;
    struct store_stmt *s;
    int rc;

    if ((rc = delete_target(st, x->t, err)) < 0)
        return rc;
    x->removed = rc > 0;
    if (!x->days)
        return 0;
    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, reminder_scope_name(x->t->scope));
    if (x->t->scope == REMINDER_CONNECTION)
        store_bind_int64(s, 2, x->t->connection_id);
    else
        store_bind_null(s, 2);
    if (x->t->scope == REMINDER_TLD)
        store_bind_text(s, 3, x->t->tld);
    else
        store_bind_null(s, 3);
    for (int i = 0; i < REMINDERS_MAX; i++) {
        if (i < x->days->n)
            store_bind_int64(s, 4 + i, x->days->day[i]);
        else
            store_bind_null(s, 4 + i);
    }
    store_bind_int64(s, 9, x->now);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int reminders_set(struct app *app, const struct reminders_target *target,
                  const struct reminder_days *days,
                  struct reminder_schedule *out, struct rm_err *err)
{
    struct reminder_days checked;
    int64_t v[REMINDERS_MAX];
    struct target t;
    int rc;

    if (days->n < 0 || days->n > REMINDERS_MAX)
        return rm_err_set(err, RM_EINVAL, "days: at most %d offsets",
                          REMINDERS_MAX);
    for (int i = 0; i < days->n; i++)
        v[i] = days->day[i];
    if ((rc = reminders_check(v, (size_t)days->n, &checked, err)) < 0)
        return rc;
    if ((rc = resolve_target(app, target, true, &t, err)) < 0)
        return rc;
    struct set_tx x = {&t, &checked, clock_now(), 0};
    if ((rc = store_tx(app->st, STORE_TX_WRITE, set_fn, &x, err)) < 0)
        return rc;
    if (out) {
        memset(out, 0, sizeof *out);
        out->scope = t.scope;
        out->connection_id = t.connection_id;
        snprintf(out->connection, sizeof out->connection, "%s", t.connection);
        snprintf(out->tld, sizeof out->tld, "%s", t.tld);
        out->days = checked;
        out->updated_at = x.now;
    }
    return 0;
}

int reminders_reset(struct app *app, const struct reminders_target *target,
                    struct rm_err *err)
{
    struct target t;
    int rc;

    if ((rc = resolve_target(app, target, false, &t, err)) < 0)
        return rc;
    struct set_tx x = {&t, NULL, clock_now(), 0};
    if ((rc = store_tx(app->st, STORE_TX_WRITE, set_fn, &x, err)) < 0)
        return rc;
    return x.removed;
}

int reminders_list(struct app *app, struct reminder_schedule **out, size_t *n,
                   struct rm_err *err)
{
    struct reminders_table t;
    int rc;

    *out = NULL;
    *n = 0;
    if ((rc = reminders_load(app, &t, err)) < 0) {
        reminders_table_release(&t);
        return rc;
    }
    *out = xcalloc(t.n + 1, sizeof **out);
    (*out)[0].scope = REMINDER_BUILTIN;
    reminders_builtin(&(*out)[0].days);
    memcpy(*out + 1, t.v, t.n * sizeof *t.v);
    *n = t.n + 1;
    reminders_table_release(&t);
    return 0;
}

int reminders_effective(struct app *app, const struct reminders_target *target,
                        struct reminder_schedule *out, struct rm_err *err)
{
    struct reminders_table tab;
    struct target t;
    struct conn c;
    int64_t conn_id;
    enum reminder_scope from = REMINDER_BUILTIN;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = resolve_target(app, target, true, &t, err)) < 0)
        return rc;
    if (t.scope == REMINDER_DEFAULT)
        return rm_err_set(err, RM_EINVAL,
                          "a connection or a TLD has an effective schedule");
    conn_id = t.connection_id;
    if (t.scope == REMINDER_TLD) {
        struct tld x;
        if ((rc = tld_get(app, t.tld, &x, err)) < 0)
            return rc;
        conn_id = x.connection_id;
    }
    if ((rc = conn_get_id(app, conn_id, &c, err)) < 0)
        return rc;
    if ((rc = reminders_load(app, &tab, err)) < 0) {
        conn_release(&c);
        reminders_table_release(&tab);
        return rc;
    }
    rc = reminders_resolve(&tab, c.id, c.warn_days,
                           t.scope == REMINDER_TLD ? t.tld : NULL, &out->days,
                           &from);
    out->scope = rc ? from : t.scope;
    out->connection_id = c.id;
    snprintf(out->connection, sizeof out->connection, "%s", c.title);
    snprintf(out->tld, sizeof out->tld, "%s", t.tld);
    for (size_t i = 0; rc && i < tab.n; i++) {
        const struct reminder_schedule *r = &tab.v[i];
        if (r->scope == from &&
            (from != REMINDER_CONNECTION || r->connection_id == c.id) &&
            (from != REMINDER_TLD || strcmp(r->tld, t.tld) == 0))
            out->updated_at = r->updated_at;
    }
    conn_release(&c);
    reminders_table_release(&tab);
    if (!rc)
        out->days.n = 0;
    return rc ? 0 : 1;
}

/* --- what it costs after expiry ------------------------------------------
 */

int lc_after_action(struct app *app, const struct lifecycle_domain *d,
                    bool restore, int64_t until, char *buf, size_t n,
                    struct rm_err *err)
{
    struct tld t;
    int64_t renew;
    char a[64], b[64], c[64], day[16];
    int rc;

    if ((rc = tld_get(app, d->tld, &t, err)) < 0 ||
        (rc = tld_price_for(&t, TLD_RENEW, 1, &renew, err)) < 0)
        return rm_err_set(err, RM_ENOTFOUND, ".%s has no renew price", d->tld);
    lc_ymd(until, day, sizeof day);
    if (!restore) {
        if (t.expiry.grace_fee > 0)
            snprintf(
                buf, n,
                "renew it until %s for %s (renewal %s + grace "
                "fee %s)",
                day,
                lc_amount_text(app, renew + t.expiry.grace_fee, a, sizeof a),
                lc_amount_text(app, renew, b, sizeof b),
                lc_amount_text(app, t.expiry.grace_fee, c, sizeof c));
        else
            snprintf(buf, n, "renew it until %s for %s (the renewal price)",
                     day, lc_amount_text(app, renew, a, sizeof a));
        return 0;
    }
    if (t.expiry.restore_fee < 0)
        return rm_err_set(err, RM_ENOTFOUND, ".%s: restores are not offered",
                          d->tld);
    snprintf(buf, n,
             "restore it until %s for %s (restore fee %s + one year's "
             "renewal %s)",
             day,
             lc_amount_text(app, t.expiry.restore_fee + renew, a, sizeof a),
             lc_amount_text(app, t.expiry.restore_fee, b, sizeof b),
             lc_amount_text(app, renew, c, sizeof c));
    return 0;
}

/* --- due reminders --------------------------------------------------------
 */

/* Who is reminded (reminders.h); the caller's C code decides the offset.
 * Extra parameter: now. */
static const char sql_due[] =
    "SELECT " DOMAIN_COLS LC_WINDOW
    "AND d.status IN ('active', 'expired', 'redemption') AND (d.auto_renew "
    "= 0 OR d.expires_at <= ? OR EXISTS (SELECT 1 FROM notices n WHERE "
    "n.domain_id = d.id AND n.kind = 'autorenew_failed' AND n.expires_at = "
    "d.expires_at) OR EXISTS (SELECT 1 FROM operations o WHERE o.domain_id "
    "= d.id AND o.kind = 'renew' AND o.state IN ('failed', 'timed_out', "
    "'cancelled') AND o.idempotency_key LIKE 'autorenew:' || d.id || ':' "
    "|| d.expires_at || ':%')) ORDER BY d.expires_at, d.id LIMIT ?";

struct due_walk {
    struct app *app;
    int64_t now;
    const struct reminders_table *tab;
    int64_t warn_days;
    reminders_due_fn *fn;
    void *arg;
    struct rm_err *err;
};

/* latest_sent - the latest offset of a reminder notice (sent or
 * skipped) for d's expiry into *latest; 0 none, 1 found, < 0 error. */
static int latest_sent(struct app *app, const struct lifecycle_domain *d,
                       int *latest, struct rm_err *err)
{
    static const char sql[] =
        "SELECT kind FROM notices WHERE domain_id = ? AND expires_at = ? AND "
        "kind LIKE 'reminder%'";
    struct store_stmt *s;
    int rc, found = 0;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, d->domain_id);
    store_bind_int64(s, 2, d->expires_at);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        const char *k = store_col_text(s, 0);
        const char *colon = k ? strchr(k, ':') : NULL;
        if (!colon)
            continue;
        int v = (int)strtol(colon + 1, NULL, 10);
        if (!found || v > *latest)
            *latest = v;
        found = 1;
    }
    store_stmt_release(s);
    return rc < 0 ? rc : found;
}

/* due_for - the reminder d is due at now under days, if any: 1 with *r,
 * 0 none, < 0 a store error. */
static int due_for(struct app *app, const struct lifecycle_domain *d,
                   const struct reminder_days *days, int64_t now,
                   struct reminder_due *r, struct rm_err *err)
{
    int idx = -1, sent = 0, rc;

    memset(r, 0, sizeof *r);
    for (int i = 0; i < days->n; i++)
        if (d->expires_at + (int64_t)days->day[i] * LIFECYCLE_DAY <= now)
            idx = i;
    if (idx < 0)
        return 0;
    r->offset = days->day[idx];
    r->after = r->offset >= 0;
    if (!r->after) {
        /* a warning ahead of expiry is no use once it passed */
        if (now >= d->expires_at || strcmp(d->status, "active") != 0)
            return 0;
    } else {
        struct tld_domain_expiry x;
        struct rm_err e;
        if (tld_domain_expiry(app, d->domain_id, &x, &e) < 0)
            return 0;
        if (strcmp(d->status, "redemption") != 0 &&
            now < x.dates.renewable_until) {
            r->until = x.dates.renewable_until;
        } else if (x.dates.restorable_until > 0 &&
                   now < x.dates.restorable_until) {
            r->restore = true;
            r->until = x.dates.restorable_until;
        } else {
            return 0; /* nothing can be done any more */
        }
    }
    if ((rc = latest_sent(app, d, &sent, err)) < 0)
        return rc;
    if (rc == 1 && sent >= r->offset)
        return 0;
    for (int i = 0; i < idx; i++)
        if (rc == 0 || days->day[i] > sent)
            r->skipped[r->nskipped++] = days->day[i];
    return 1;
}

static int due_row(const struct lifecycle_domain *d, void *arg)
{
    struct due_walk *w = arg;
    struct reminder_days days;
    struct reminder_due r;
    enum reminder_scope from;
    int rc;

    if (!reminders_resolve(w->tab, d->connection_id, w->warn_days, d->tld,
                           &days, &from))
        return 0;
    if ((rc = due_for(w->app, d, &days, w->now, &r, w->err)) <= 0)
        return rc;
    return w->fn(d, &r, w->arg);
}

/* The connections with their warn_days. */
struct conn_warn {
    int64_t id, warn_days;
};

static int conn_warn(struct app *app, struct conn_warn **out, size_t *n,
                     struct rm_err *err)
{
    static const char sql[] =
        "SELECT id, warn_days FROM registrar_connections ORDER BY id";
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
        (*n)++;
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int reminders_due(struct app *app, int64_t now, reminders_due_fn *fn, void *arg,
                  struct rm_err *err)
{
    struct reminders_table tab;
    struct conn_warn *cv = NULL;
    size_t nconn = 0;
    int lo_days = 0, hi_days = 0, rc;
    struct reminder_days b;

    if ((rc = reminders_load(app, &tab, err)) < 0)
        goto out;
    if ((rc = conn_warn(app, &cv, &nconn, err)) < 0)
        goto out;
    /* the window: every offset of every schedule, plus the catch-up */
    reminders_builtin(&b);
    for (size_t i = 0; i <= tab.n; i++) {
        const struct reminder_days *d = i < tab.n ? &tab.v[i].days : &b;
        if (-d->day[0] > hi_days)
            hi_days = -d->day[0];
        if (d->day[d->n - 1] > lo_days)
            lo_days = d->day[d->n - 1];
    }
    for (size_t k = 0; k < nconn && rc == 0; k++) {
        struct due_walk w = {app, now, &tab, cv[k].warn_days, fn, arg, err};
        rc = lc_walk_conn(
            app, sql_due, cv[k].id,
            now - (int64_t)(lo_days + REMINDERS_CATCHUP_DAYS) * LIFECYCLE_DAY,
            now + (int64_t)hi_days * LIFECYCLE_DAY, &now, 1, due_row, &w, err);
    }
out:
    free(cv);
    reminders_table_release(&tab);
    return rc;
}

/* --- sending --------------------------------------------------------------
 */

struct send_step {
    struct lifecycle_ctx *c;
    struct lifecycle_stats *s;
    struct rm_err first;
    struct rm_err *err;
};

struct send_tx {
    struct lifecycle_ctx *c;
    const struct lifecycle_domain *d;
    const struct reminder_due *r;
    const char *to, *tmpl;
    const struct tmpl_var *vars;
    size_t nvars;
};

/* send_fn - R1, R2: the skipped offsets, the notice and its mail. 1 when
 * the notice is new, 0 when it was there. */
static int send_fn(struct store *st, void *arg, struct rm_err *e)
{
    struct send_tx *x = arg;
    struct lifecycle_ctx *c = x->c;
    const struct lifecycle_domain *d = x->d;
    char kind[48], key[128];
    int rc, fresh;

    for (int i = 0; i < x->r->nskipped; i++) {
        snprintf(kind, sizeof kind, "reminder-skipped:%d", x->r->skipped[i]);
        if ((rc = lc_notice_add(c->app, d->domain_id, kind, d->expires_at,
                                c->now, e)) < 0)
            return rc;
    }
    snprintf(kind, sizeof kind, "reminder:%d", x->r->offset);
    fresh = rc =
        lc_notice_add(c->app, d->domain_id, kind, d->expires_at, c->now, e);
    if (rc == 1 && x->to) {
        snprintf(key, sizeof key, "notice:%" PRId64 ":%s:%" PRId64,
                 d->domain_id, kind, d->expires_at);
        rc = outbox_queue_template(st, c->mc, key, x->to, x->tmpl, x->vars,
                                   x->nvars, c->now, NULL, e);
    }
    return rc < 0 ? rc : fresh;
}

/* later_text - what happens after the date in r->until. */
static void later_text(struct app *app, const struct lifecycle_domain *d,
                       const struct reminder_due *r, char *buf, size_t n)
{
    struct tld_domain_expiry x;
    struct rm_err e;
    char until[16], del[16], action[256];

    lc_ymd(r->until, until, sizeof until);
    if (tld_domain_expiry(app, d->domain_id, &x, &e) < 0)
        x.dates.deleted_after = 0;
    lc_ymd(x.dates.deleted_after, del, sizeof del);
    if (!r->restore && x.dates.restorable_until > r->until &&
        lc_after_action(app, d, true, x.dates.restorable_until, action,
                        sizeof action, &e) == 0) {
        snprintf(buf, n,
                 "After %s it can no longer be renewed, only restored: you "
                 "can %s.",
                 until, action);
        return;
    }
    if (!r->restore)
        snprintf(buf, n,
                 "After %s it can no longer be renewed, and restoring it is "
                 "not offered for .%s: the registry deletes it and the name "
                 "becomes free for anyone to register (after %s).",
                 until, d->tld, del);
    else
        snprintf(buf, n,
                 "After %s it cannot be restored any more: the registry "
                 "deletes it and the name becomes free for anyone to "
                 "register (after %s).",
                 until, del);
}

static int send_fail(struct send_step *st, const char *domain, int rc,
                     const struct rm_err *e)
{
    lc_note_error(st->s, &st->first, "reminder", domain, e);
    if (rc == RM_EIO) {
        *st->err = *e;
        return rc;
    }
    return 0;
}

static int send_one(const struct lifecycle_domain *d,
                    const struct reminder_due *r, void *arg)
{
    struct send_step *st = arg;
    struct lifecycle_ctx *c = st->c;
    struct app *app = c->app;
    struct account a;
    struct rm_err e;
    char exp[16], left[24], since[24], until[16], action[256], later[512];
    const char *note;
    int rc;

    if (!lc_keep_going(c))
        return 1;
    if ((rc = account_get_id(app, d->account_id, &a, &e)) < 0)
        return send_fail(st, d->name, rc, &e);
    lc_ymd(d->expires_at, exp, sizeof exp);
    note = !d->auto_renew
               ? "Automatic renewal is off for this domain: renew it in your "
                 "account before it expires."
               : "Automatic renewal is on, but it has not succeeded for this "
                 "expiry: renew it in your account before it expires.";
    snprintf(left, sizeof left, "%" PRId64,
             (d->expires_at - c->now + LIFECYCLE_DAY - 1) / LIFECYCLE_DAY);
    snprintf(since, sizeof since, "%" PRId64,
             (c->now - d->expires_at) / LIFECYCLE_DAY);
    struct tmpl_var before[] = {
        {"customer", a.name},
        {"domain", d->unicode},
        {"expires", exp},
        {"days_left", left},
        {"auto_renew", d->auto_renew ? "on" : "off"},
        {"note", note},
    };
    struct tmpl_var after[] = {
        {"customer", a.name},
        {"domain", d->unicode},
        {"expires", exp},
        {"days_since", since},
        {"phase", r->restore ? "redemption period" : "grace period"},
        {"until", lc_ymd(r->until, until, sizeof until)},
        {"action", action},
        {"later", later},
    };
    if (r->after) {
        if ((rc = lc_after_action(app, d, r->restore, r->until, action,
                                  sizeof action, &e)) < 0) {
            /* no price: nothing to offer; not the job's error */
            rm_log(LOG_WARN, "lifecycle: %s: no reminder: %s", d->name, e.msg);
            st->s->skipped++;
            return 0;
        }
        later_text(app, d, r, later, sizeof later);
    }
    struct send_tx x = {c,
                        d,
                        r,
                        a.email[0] ? a.email : NULL,
                        r->after ? "reminder_after" : "expiry_warning",
                        r->after ? after : before,
                        r->after ? sizeof after / sizeof after[0]
                                 : sizeof before / sizeof before[0]};
    rc = store_tx(app->st, STORE_TX_WRITE, send_fn, &x, &e);
    if (rc < 0)
        return send_fail(st, d->name, rc, &e);
    if (rc == 1) {
        st->s->warned++;
        rm_log(LOG_INFO, "lifecycle: %s: reminder %+d (expires %s)%s%s",
               d->name, r->offset, exp, a.email[0] ? "" : ", no address",
               r->nskipped ? ", earlier ones skipped" : "");
    }
    return 0;
}

int reminders_send(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                   struct rm_err *err)
{
    struct send_step st = {c, s, {0}, err};
    int64_t before = s->errors;
    int rc;

    if (!lc_can_mail(c)) {
        /* No notice without its mail (R1): the reminders wait until mail
         * is configured. */
        rm_log(LOG_WARN, "lifecycle: no [mail] from address: reminders "
                         "are not sent");
        return 0;
    }
    if ((rc = reminders_due(c->app, c->now, send_one, &st, err)) < 0)
        return rc;
    return lc_step_result(s, before, &st.first, err);
}
