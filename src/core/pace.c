/*
 * pace - per-connection rate limits and concurrency shares, counted in the
 * database (contract in pace.h).
 */
#include "core/pace.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"
#include "util/lease.h"
#include "util/log.h"
#include "util/xalloc.h"

struct pace {
    int64_t conn_id;
    pthread_mutex_t mu; /* everything below; held across a database trip */
    int64_t spacing_ms; /* 0 = no limit */
    int64_t rate;
    int64_t local_next; /* the fallback: this process's own schedule */
    /* starts reserved in the database and not handed out yet */
    int64_t b_next, b_left, b_spacing;
    int64_t batch;  /* the size of the next reservation */
    int db_failing; /* logged once until a trip works again */
    /* the sweep's share of the connection's concurrency */
    char owner[160];
    int64_t hold_n, hold_conc, hold_lease_s, hold_until;
    struct pace *next;
};

/* The registry: one entry per connection id ever paced, never freed (a
 * process knows a handful of connections); reg_mu guards the list. */
static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct pace *head;

/* The module's own store handle (worker threads have none), opened on
 * first need from db_target; db_mu serializes its use. */
static pthread_mutex_t db_mu = PTHREAD_MUTEX_INITIALIZER;
static char *db_target;
static struct store *db_st;

void pace_use_database(const char *target)
{
    pthread_mutex_lock(&db_mu);
    if (!target || !*target) {
        store_close(db_st);
        db_st = NULL;
        free(db_target);
        db_target = NULL;
    } else if (!db_target || strcmp(db_target, target) != 0) {
        store_close(db_st);
        db_st = NULL;
        free(db_target);
        db_target = xstrdup(target);
    }
    pthread_mutex_unlock(&db_mu);
}

static int have_db(void)
{
    int r;

    pthread_mutex_lock(&db_mu);
    r = db_target != NULL;
    pthread_mutex_unlock(&db_mu);
    return r;
}

/* db_tx - fn in one write unit on the module's handle. */
static int db_tx(store_tx_fn fn, void *arg, struct rm_err *err)
{
    int rc;

    pthread_mutex_lock(&db_mu);
    if (!db_target) {
        rc = rm_err_set(err, RM_EINTERNAL, "pace: no database");
    } else if (!db_st && (rc = store_open(db_target, NULL, &db_st, err)) < 0) {
        db_st = NULL;
    } else {
        rc = store_tx(db_st, STORE_TX_WRITE, fn, arg, err);
    }
    pthread_mutex_unlock(&db_mu);
    return rc;
}

int64_t pace_now_ms(void)
{
    struct timespec ts;
    int64_t t1, c;

    /* clock_now()'s offset: read until no second boundary fell between */
    do {
        t1 = (int64_t)time(NULL);
        c = clock_now();
    } while ((int64_t)time(NULL) != t1);
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((int64_t)ts.tv_sec + (c - t1)) * 1000 + ts.tv_nsec / 1000000;
}

int64_t pace_spacing_ms(int64_t rate_per_min)
{
    return (60000 + rate_per_min - 1) / rate_per_min;
}

static struct pace *find_or_make(int64_t conn_id)
{
    struct pace *p;

    pthread_mutex_lock(&reg_mu);
    for (p = head; p && p->conn_id != conn_id; p = p->next)
        ;
    if (!p) {
        p = xcalloc(1, sizeof *p);
        p->conn_id = conn_id;
        p->batch = 1;
        pthread_mutex_init(&p->mu, NULL);
        p->next = head;
        head = p;
    }
    pthread_mutex_unlock(&reg_mu);
    return p;
}

struct pace *pace_for(int64_t conn_id, int64_t rate_per_min)
{
    struct pace *p = find_or_make(conn_id);

    pthread_mutex_lock(&p->mu);
    if (rate_per_min != p->rate) {
        p->rate = rate_per_min > 0 ? rate_per_min : 0;
        p->spacing_ms = p->rate ? pace_spacing_ms(p->rate) : 0;
        p->b_left = 0; /* starts reserved at the old rate are dropped */
        p->batch = 1;
    }
    pthread_mutex_unlock(&p->mu);
    return p;
}

/* --- the database schedule ------------------------------------------------ */

struct take_tx {
    int64_t conn_id, now_ms, span_ms, horizon_ms, first_ms;
};

static int take_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char sql[] =
        "INSERT INTO conn_pace (connection_id, next_at_ms) VALUES (?, ?) "
        "ON CONFLICT (connection_id) DO UPDATE SET next_at_ms = CASE WHEN "
        "conn_pace.next_at_ms < ? OR conn_pace.next_at_ms > ? THEN ? ELSE "
        "conn_pace.next_at_ms END + ? RETURNING next_at_ms";
    struct take_tx *x = arg;
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, x->conn_id);
    store_bind_int64(s, 2, x->now_ms + x->span_ms);
    store_bind_int64(s, 3, x->now_ms);
    store_bind_int64(s, 4, x->now_ms + x->horizon_ms);
    store_bind_int64(s, 5, x->now_ms);
    store_bind_int64(s, 6, x->span_ms);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        x->first_ms = store_col_int64(s, 0) - x->span_ms;
        rc = store_step(s, err);
    } else if (rc == STORE_DONE) {
        rc = rm_err_set(err, RM_EINTERNAL, "pace: no row returned");
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int pace_db_take(struct store *st, int64_t conn_id, int64_t rate_per_min,
                 int64_t now_ms, int64_t n, int64_t *first_ms,
                 struct rm_err *err)
{
    struct take_tx x = {conn_id, now_ms, 0, 0, 0};
    int rc;

    if (rate_per_min <= 0 || n < 1)
        return rm_err_set(err, RM_EINVAL, "pace: bad rate or count");
    x.span_ms = n * pace_spacing_ms(rate_per_min);
    x.horizon_ms = PACE_HORIZON_STARTS * pace_spacing_ms(rate_per_min);
    if ((rc = store_tx(st, STORE_TX_WRITE, take_fn, &x, err)) < 0)
        return rc;
    *first_ms = x.first_ms;
    return 0;
}

/* --- shares of the concurrency -------------------------------------------- */

struct hold_tx {
    int64_t conn_id;
    const char *owner;
    int64_t want, conc, now, until, got;
};

static int run_stmt(struct store_stmt *s, struct rm_err *err)
{
    int rc;

    while ((rc = store_step(s, err)) == STORE_ROW)
        ;
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

static int hold_fn(struct store *st, void *arg, struct rm_err *err)
{
    /* the lock: an upsert of the connection's pace row, which locks it on
     * both backends (SQLite: the write transaction does already) */
    static const char sql_lock[] =
        "INSERT INTO conn_pace (connection_id, next_at_ms) VALUES (?, 0) "
        "ON CONFLICT (connection_id) DO UPDATE SET next_at_ms = "
        "conn_pace.next_at_ms";
    static const char sql_others[] =
        "SELECT owner, n, lease_until FROM conn_slots WHERE connection_id = ? "
        "AND owner <> ? AND lease_until > ?";
    static const char sql_prune[] =
        "DELETE FROM conn_slots WHERE connection_id = ? AND lease_until <= ?";
    static const char sql_set[] =
        "INSERT INTO conn_slots (connection_id, owner, n, lease_until) VALUES "
        "(?, ?, ?, ?) ON CONFLICT (connection_id, owner) DO UPDATE SET n = "
        "excluded.n, lease_until = excluded.lease_until";
    static const char sql_del[] =
        "DELETE FROM conn_slots WHERE connection_id = ? AND owner = ?";
    struct hold_tx *x = arg;
    struct store_stmt *s;
    int64_t others = 0;
    int rc;

    if ((rc = store_prepare(st, sql_lock, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, x->conn_id);
    if ((rc = run_stmt(s, err)) < 0)
        return rc;
    if ((rc = store_prepare(st, sql_others, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, x->conn_id);
    store_bind_text(s, 2, x->owner);
    store_bind_int64(s, 3, x->now);
    while ((rc = store_step(s, err)) == STORE_ROW)
        if (!lease_owner_gone(store_col_text(s, 0)))
            others += store_col_int64(s, 1);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if ((rc = store_prepare(st, sql_prune, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, x->conn_id);
    store_bind_int64(s, 2, x->now);
    if ((rc = run_stmt(s, err)) < 0)
        return rc;
    x->got = x->want < x->conc - others ? x->want : x->conc - others;
    if (x->got < 0)
        x->got = 0;
    if (x->got > 0) {
        if ((rc = store_prepare(st, sql_set, &s, err)) < 0)
            return rc;
        store_bind_int64(s, 1, x->conn_id);
        store_bind_text(s, 2, x->owner);
        store_bind_int64(s, 3, x->got);
        store_bind_int64(s, 4, x->until);
    } else {
        if ((rc = store_prepare(st, sql_del, &s, err)) < 0)
            return rc;
        store_bind_int64(s, 1, x->conn_id);
        store_bind_text(s, 2, x->owner);
    }
    return run_stmt(s, err);
}

int pace_slots_hold(struct store *st, int64_t conn_id, const char *owner,
                    int64_t want, int64_t concurrency, int64_t now,
                    int64_t until, int64_t *got, struct rm_err *err)
{
    struct hold_tx x = {conn_id, owner, want > 0 ? want : 0, concurrency, now,
                        until,   0};
    int rc;

    if ((rc = store_tx(st, STORE_TX_WRITE, hold_fn, &x, err)) < 0)
        return rc;
    *got = x.got;
    return 0;
}

/* --- the process side ------------------------------------------------------
 */

struct renew_arg {
    struct pace *p;
    int64_t now, until, got;
};

static int renew_fn(struct store *st, void *arg, struct rm_err *err)
{
    struct renew_arg *r = arg;
    struct hold_tx x = {r->p->conn_id,
                        r->p->owner,
                        r->p->hold_n,
                        r->p->hold_conc,
                        r->now,
                        r->until,
                        0};
    int rc = hold_fn(st, &x, err);

    r->got = x.got;
    return rc;
}

/* renew_share - keep the sweep's share alive (p->mu held): renewed when
 * less than half its lease is left, or when it would lapse before a start
 * granted at at_ms has had half a lease. */
static void renew_share(struct pace *p, int64_t now_ms, int64_t at_ms)
{
    int64_t now = now_ms / 1000, at = at_ms / 1000 + 1;
    int64_t from = at > now ? at : now;
    struct renew_arg r = {p, now, from + p->hold_lease_s, 0};
    struct rm_err err;

    if (p->hold_n <= 0 || p->hold_until - from >= p->hold_lease_s / 2 ||
        !have_db())
        return;
    if (db_tx(renew_fn, &r, &err) < 0) {
        rm_log(LOG_WARN, "pace: connection %" PRId64 ": share not renewed: %s",
               p->conn_id, err.msg);
        return;
    }
    if (r.got < p->hold_n)
        rm_log(LOG_WARN,
               "pace: connection %" PRId64 ": share lapsed, %" PRId64
               " of %" PRId64 " slots held again",
               p->conn_id, r.got, p->hold_n);
    p->hold_n = r.got;
    p->hold_until = r.until;
}

struct db_take_arg {
    struct pace *p;
    int64_t now, n, first;
};

static int db_take_fn(struct store *st, void *arg, struct rm_err *err)
{
    struct db_take_arg *a = arg;
    struct take_tx x = {a->p->conn_id, a->now, a->n * a->p->spacing_ms,
                        PACE_HORIZON_STARTS * a->p->spacing_ms, 0};
    int rc = take_fn(st, &x, err);

    a->first = x.first_ms;
    return rc;
}

int64_t pace_take(struct pace *p, int64_t now_ms)
{
    int64_t at = now_ms;
    int dropped = 0;

    pthread_mutex_lock(&p->mu);
    if (!p->spacing_ms)
        goto out;
    /* a reserved start that has passed is dropped, never used late */
    while (p->b_left > 0 && p->b_next < now_ms) {
        p->b_next += p->b_spacing;
        p->b_left--;
        dropped = 1;
    }
    if (dropped)
        p->batch = 1;
    if (p->b_left > 0) {
        at = p->b_next;
        p->b_next += p->b_spacing;
        p->b_left--;
        goto out;
    }
    if (have_db()) {
        struct db_take_arg a = {p, now_ms, p->batch, 0};
        struct rm_err err;
        int64_t per_s = 1000 / p->spacing_ms;

        /* a batch never reaches past about one second of starts */
        if (a.n > per_s)
            a.n = per_s > 1 ? per_s : 1;
        if (db_tx(db_take_fn, &a, &err) == 0) {
            if (p->db_failing)
                rm_log(LOG_INFO,
                       "pace: connection %" PRId64
                       ": the database schedule is used again",
                       p->conn_id);
            p->db_failing = 0;
            at = a.first > now_ms ? a.first : now_ms;
            p->b_next = a.first + p->spacing_ms;
            p->b_left = a.n - 1;
            p->b_spacing = p->spacing_ms;
            if (!dropped && p->batch < PACE_BATCH_MAX)
                p->batch *= 2;
            if (p->local_next < at + p->spacing_ms)
                p->local_next = at + p->spacing_ms;
            goto out;
        }
        if (!p->db_failing)
            rm_log(LOG_WARN,
                   "pace: connection %" PRId64
                   ": %s; calls are spaced by this process alone",
                   p->conn_id, err.msg);
        p->db_failing = 1;
    }
    /* no database (or none reachable): this process's own schedule */
    at = now_ms > p->local_next ? now_ms : p->local_next;
    p->local_next = at + p->spacing_ms;
out:
    renew_share(p, now_ms, at);
    pthread_mutex_unlock(&p->mu);
    return at;
}

void pace_wait(void *arg)
{
    int64_t at = pace_take(arg, pace_now_ms());
    int64_t d = at - pace_now_ms();

    if (d > 0) {
        struct timespec ts = {(time_t)(d / 1000), (long)(d % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
}

int pace_cap_take(struct store *st, int64_t conn_id, const char *owner,
                  int64_t want, int64_t concurrency, int64_t lease_s,
                  int64_t *got, struct rm_err *err)
{
    struct pace *p = find_or_make(conn_id);
    int64_t now = clock_now();
    int rc;

    if (lease_s < 2)
        lease_s = 2;
    pthread_mutex_lock(&p->mu);
    rc = pace_slots_hold(st, conn_id, owner, want, concurrency, now,
                         now + lease_s, got, err);
    if (rc == 0) {
        snprintf(p->owner, sizeof p->owner, "%s", owner);
        p->hold_n = *got;
        p->hold_conc = concurrency;
        p->hold_lease_s = lease_s;
        p->hold_until = now + lease_s;
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

void pace_cap_release(struct store *st, int64_t conn_id)
{
    struct pace *p = find_or_make(conn_id);
    struct rm_err err;
    int64_t got;

    pthread_mutex_lock(&p->mu);
    if (p->owner[0] && pace_slots_hold(st, conn_id, p->owner, 0, p->hold_conc,
                                       clock_now(), 0, &got, &err) < 0)
        rm_log(LOG_WARN,
               "pace: connection %" PRId64
               ": share not released (it lapses with its lease): %s",
               conn_id, err.msg);
    p->hold_n = 0;
    pthread_mutex_unlock(&p->mu);
}
