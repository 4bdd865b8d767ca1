/*
 * async - the Async Manager (contract in async.h).
 *
 * One sweep, seen from the calling thread (the only store writer):
 *
 *   recover: kept registrar log rows; new/sending with a dead lease
 *       (ops_recover, rule 2)
 *   release poll leases of processes on this host that are gone
 *   page := claim (one statement, store.h D13) up to `page` due pending
 *       operations no live poll lease holds and not checked since the
 *       sweep began, by next check; each leased to this process for
 *       [registrar] lease_s (operations.lease_owner/lease_expires_at, the
 *       columns `sending` uses: ops_recover looks at new/sending only, and
 *       every move out of pending and every "still waiting" note clear
 *       them); other nodes' claims skip these rows
 *   for each connection in the page: a pool of min(concurrency, n)
 *       workers (at most this node's share of concurrency, pool_share),
 *       each with its own registrar (made with pace_calls set:
 *       every request waits for the connection's rate limit, core/pace.h);
 *       they take operations from the pool, poll (ops_poll_run, no store
 *       access) and hand the answer back on one done-list
 *   while answers are outstanding: take every answer on the done-list;
 *       tx 1 registrar log rows; crash point sweep_after_poll;
 *       tx 2 every "still waiting" note; then each settling answer in
 *       its own transaction (ops_poll_apply)
 *   join the workers; keep_going? next page
 *   crash point sweep_before_digest; the digest (one transaction)
 *
 * Invariants:
 * A1 Workers never write: a registrar exchange is copied into the
 *    answer it belongs to and stored by the calling thread.
 * A2 A poll never sends an order (ops_poll_run makes read-only calls).
 * A3 An operation is polled at most once per sweep (a claim takes only
 *    operations not checked since the sweep began and not leased: an
 *    operation left due by an error keeps this sweep's lease), and by one
 *    process at a time: a poll lease is taken by one statement that skips
 *    and excludes rows another node holds, and is given back only by the
 *    note or settle that stores the poll's answer (or lapses).
 * A4 digested_at is set only in the transaction that queues the digest
 *    listing the operation; the digest lists only rows it marks.
 *    Concurrent sweeps (several nodes) read the undigested rows with
 *    FOR UPDATE SKIP LOCKED: each row is in one digest only.
 */
#include "core/async.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/conn.h"
#include "core/domchange.h"
#include "core/events.h"
#include "core/money.h"
#include "core/names.h"
#include "core/pace.h"
#include "core/reglog.h"
#include "core/watch.h"
#include "mail/template.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "core/outbox.h"

static int64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* --- the registrar log of one answer (A1) --------------------------------- */

struct logrec {
    char *action, *object, *domain, *request, *response, *outcome, *error;
    long http_status;
    int64_t duration_ms;
};

struct item {
    struct ops_target t;
    struct ops_poll p;
    struct logrec *logs;
    size_t nlogs, caplogs;
    struct item *next; /* on the done-list */
};

static char *dup_or_empty(const char *s)
{
    return xstrdup(s ? s : "");
}

static void item_log(struct item *it, const struct reglog_entry *e)
{
    struct logrec *l;

    if (it->nlogs == it->caplogs) {
        it->caplogs = it->caplogs ? it->caplogs * 2 : 4;
        it->logs = xrealloc(it->logs, it->caplogs * sizeof *it->logs);
    }
    l = &it->logs[it->nlogs++];
    l->action = dup_or_empty(e->action);
    l->object = dup_or_empty(e->object);
    l->domain = dup_or_empty(e->domain);
    l->request = dup_or_empty(e->request);
    l->response = dup_or_empty(e->response);
    l->outcome = dup_or_empty(e->outcome);
    l->error = dup_or_empty(e->error);
    l->http_status = e->http_status;
    l->duration_ms = e->duration_ms;
}

/* logrec_entry - a copied exchange as an entry; strings borrowed. */
static void logrec_entry(const struct logrec *l, struct reglog_entry *e)
{
    e->action = l->action;
    e->object = l->object;
    e->domain = l->domain;
    e->request = l->request;
    e->response = l->response;
    e->http_status = l->http_status;
    e->outcome = l->outcome;
    e->duration_ms = l->duration_ms;
    e->error = l->error;
}

static void item_logs_free(struct item *it)
{
    for (size_t i = 0; i < it->nlogs; i++) {
        struct logrec *l = &it->logs[i];
        free(l->action);
        free(l->object);
        free(l->domain);
        free(l->request);
        free(l->response);
        free(l->outcome);
        free(l->error);
    }
    free(it->logs);
    it->logs = NULL;
    it->nlogs = it->caplogs = 0;
}

/*
 * Sink arguments handed to app->make_registrar live in a process-wide
 * free list and are never freed: a driver bridge may remember the (sink,
 * arg) pair (cmd_serve keeps one per pair), so reusing addresses keeps
 * that bounded by the most workers ever run at once.
 */
struct sink_slot {
    struct item *cur; /* the answer being collected; worker-owned */
    bool busy;
    struct sink_slot *next;
};

static pthread_mutex_t slots_mu = PTHREAD_MUTEX_INITIALIZER;
static struct sink_slot *slots;

static struct sink_slot *slot_get(void)
{
    struct sink_slot *s;

    pthread_mutex_lock(&slots_mu);
    for (s = slots; s && s->busy; s = s->next)
        ;
    if (!s) {
        s = xcalloc(1, sizeof *s);
        s->next = slots;
        slots = s;
    }
    s->busy = true;
    s->cur = NULL;
    pthread_mutex_unlock(&slots_mu);
    return s;
}

static void slot_put(struct sink_slot *s)
{
    pthread_mutex_lock(&slots_mu);
    s->busy = false;
    s->cur = NULL;
    pthread_mutex_unlock(&slots_mu);
}

static void worker_sink(const struct reglog_entry *e, void *arg)
{
    struct sink_slot *s = arg;

    if (s->cur)
        item_log(s->cur, e);
}

/* --- pools and workers ------------------------------------------------------
 */

struct sweep;

struct pool {
    int64_t conn_id;
    int conc;
    struct registrar *regs[ASYNC_MAX_WORKERS];
    struct sink_slot *slots[ASYNC_MAX_WORKERS];
    int nregs;
    int held; /* a share of the concurrency is held (core/pace.h) */
    /* this page's share */
    struct item **items;
    size_t n, next;
    struct pool *link;
};

struct worker {
    struct sweep *sw;
    struct pool *pool;
    struct registrar *reg;
    struct sink_slot *slot;
    pthread_t th;
};

struct sweep {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct item *done_head, *done_tail;
    int stop;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct sweep *sw = w->sw;
    struct pool *p = w->pool;

    for (;;) {
        struct item *it = NULL;
        pthread_mutex_lock(&sw->mu);
        if (!sw->stop && p->next < p->n)
            it = p->items[p->next++];
        pthread_mutex_unlock(&sw->mu);
        if (!it)
            break;
        w->slot->cur = it;
        ops_poll_run(w->reg, &it->t, clock_now(), &it->p);
        w->slot->cur = NULL;
        pthread_mutex_lock(&sw->mu);
        it->next = NULL;
        if (sw->done_tail)
            sw->done_tail->next = it;
        else
            sw->done_head = it;
        sw->done_tail = it;
        pthread_cond_signal(&sw->cv);
        pthread_mutex_unlock(&sw->mu);
    }
    return NULL;
}

static struct pool *pool_get(struct app *app, struct pool **pools,
                             int64_t conn_id, struct rm_err *err)
{
    struct pool *p;
    struct conn c;
    int rc;

    for (p = *pools; p; p = p->link)
        if (p->conn_id == conn_id)
            return p;
    if ((rc = conn_get_id(app, conn_id, &c, err)) < 0)
        return NULL;
    p = xcalloc(1, sizeof *p);
    p->conn_id = conn_id;
    p->conc = (int)(c.concurrency < 1                   ? 1
                    : c.concurrency > ASYNC_MAX_WORKERS ? ASYNC_MAX_WORKERS
                                                        : c.concurrency);
    conn_release(&c);
    p->link = *pools;
    *pools = p;
    return p;
}

/* pool_share - how many of want workers this process may run: its share
 * of the connection's concurrency, counted with every other node's in the
 * database (core/pace.h; renewed while the workers ask for starts,
 * released after the page). 0 on a failure (logged): the operations stay
 * due for the next sweep. */
static int pool_share(struct app *app, struct pool *p, int want)
{
    struct rm_err err;
    int64_t got = 0;

    pace_use_database(app->set.database);
    if (pace_cap_take(app->st, p->conn_id, app->lease_owner, want, p->conc,
                      app->set.lease_s, &got, &err) < 0) {
        rm_log(LOG_ERROR, "async: connection %" PRId64 ": concurrency: %s",
               p->conn_id, err.msg);
        return 0;
    }
    p->held = 1;
    if (got < want)
        rm_log(LOG_INFO,
               "async: connection %" PRId64 ": %" PRId64 " of %d worker(s): "
               "other nodes hold the rest of its concurrency",
               p->conn_id, got, want);
    return (int)got;
}

/* pool_grow - registrars for n workers, made on the calling thread. */
static int pool_grow(struct app *app, struct pool *p, int n, struct rm_err *err)
{
    struct conn c;
    char *key = NULL;
    int rc;

    if (p->nregs >= n)
        return 0;
    if (!app->make_registrar)
        return rm_err_set(err, RM_EINTERNAL, "no registrar driver available");
    if ((rc = conn_get_id(app, p->conn_id, &c, err)) < 0)
        return rc;
    if ((rc = conn_key(app, p->conn_id, &key, err)) == 0) {
        while (p->nregs < n) {
            struct sink_slot *s = slot_get();
            if ((rc = app->make_registrar(app, &c, key, worker_sink, s,
                                          &p->regs[p->nregs], err)) < 0) {
                slot_put(s);
                break;
            }
            p->slots[p->nregs++] = s;
        }
    }
    secret_free_text(key);
    conn_release(&c);
    if (rc < 0)
        rm_err_prefix(err, "connection %" PRId64 ": ", p->conn_id);
    return rc;
}

static void pools_free(struct pool *p)
{
    while (p) {
        struct pool *n = p->link;
        for (int i = 0; i < p->nregs; i++) {
            reg_free(p->regs[i]);
            slot_put(p->slots[i]);
        }
        free(p->items);
        free(p);
        p = n;
    }
}

/* --- the writer side ---------------------------------------------------------
 */

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The claim of one page (store.h D13): due pending operations that no
 * live poll lease holds and that were not checked since this sweep began
 * (A3), leased to this process for lease_s; rows another node's claim
 * holds are skipped. */
static const char sql_claim[] =
    "UPDATE operations SET lease_owner = ?, lease_expires_at = ? WHERE id IN "
    "(SELECT id FROM operations WHERE state = 'pending' AND "
    "next_check_at <= ? AND (lease_expires_at IS NULL OR "
    "lease_expires_at <= ?) AND (last_check_at IS NULL OR "
    "last_check_at < ?) ORDER BY next_check_at, id LIMIT ? "
    "FOR UPDATE SKIP LOCKED) RETURNING id";

static const char sql_target[] =
    "SELECT o.id, o.connection_id, COALESCE(o.expiry_year, 0), "
    "COALESCE(o.deadline_at, 0), o.kind, d.name, "
    "COALESCE(o.registrar_order_id, ''), "
    "COALESCE(o.queue_request_id, '') FROM operations o JOIN domains d "
    "ON d.id = o.domain_id WHERE o.id = ? AND o.state = 'pending'";

struct claim_tx {
    struct app *app;
    int64_t now, started, until;
    int limit;
    struct item *v;
    size_t n;
};

/* claim_fn - lease a page, then read what polling each one needs. */
static int claim_fn(struct store *st, void *arg, struct rm_err *err)
{
    struct claim_tx *x = arg;
    struct store_stmt *s;
    int64_t *ids = xcalloc((size_t)x->limit, sizeof *ids);
    size_t nids = 0;
    int rc;

    x->n = 0;
    if ((rc = store_prepare(st, sql_claim, &s, err)) < 0)
        goto out;
    store_bind_text(s, 1, x->app->lease_owner);
    store_bind_int64(s, 2, x->until);
    store_bind_int64(s, 3, x->started);
    store_bind_int64(s, 4, x->now);
    store_bind_int64(s, 5, x->started);
    store_bind_int64(s, 6, x->limit);
    while ((rc = store_step(s, err)) == STORE_ROW)
        if (nids < (size_t)x->limit)
            ids[nids++] = store_col_int64(s, 0);
    store_stmt_release(s);
    if (rc < 0)
        goto out;
    for (size_t i = 0; i < nids; i++) {
        struct ops_target *t = &x->v[x->n].t;
        if ((rc = store_prepare(st, sql_target, &s, err)) < 0)
            goto out;
        store_bind_int64(s, 1, ids[i]);
        if ((rc = store_step(s, err)) == STORE_ROW) {
            memset(&x->v[x->n], 0, sizeof x->v[x->n]);
            t->id = store_col_int64(s, 0);
            t->connection_id = store_col_int64(s, 1);
            t->expiry_year = store_col_int64(s, 2);
            t->deadline_at = store_col_int64(s, 3);
            if (ops_kind_parse(store_col_text(s, 4), &t->kind) < 0)
                t->kind = OPS_K_REGISTER; /* polled by its order, as one */
            snprintf(t->domain, sizeof t->domain, "%s", store_col_text(s, 5));
            snprintf(t->order_id, sizeof t->order_id, "%s",
                     store_col_text(s, 6));
            snprintf(t->queue_id, sizeof t->queue_id, "%s",
                     store_col_text(s, 7));
            x->n++;
            rc = store_step(s, err);
        }
        store_stmt_release(s);
        if (rc < 0)
            goto out;
    }
    rc = 0;
out:
    free(ids);
    return rc;
}

/* claim_page - up to limit due operations, leased to this process (the
 * only one polling them until they are noted, settled or the lease
 * lapses; a note and every move out of pending clear the lease). Sorted
 * by next check, so the longest-waiting go first on every node. */
static int claim_page(struct app *app, int64_t started, int limit,
                      struct item **out, size_t *n, struct rm_err *err)
{
    struct claim_tx x = {app, clock_now(), started, 0, limit, NULL, 0};
    int rc;

    *n = 0;
    x.until = x.now + app->set.lease_s;
    x.v = xcalloc((size_t)limit, sizeof *x.v);
    if ((rc = store_tx(app->st, STORE_TX_WRITE, claim_fn, &x, err)) < 0) {
        free(x.v);
        return rc;
    }
    *out = x.v;
    *n = x.n;
    /* at debug level, each claim with the wall clock (tests check that no
     * two nodes poll one operation at once: tests/integration/nodes) */
    for (size_t i = 0; i < x.n; i++)
        rm_log(LOG_DEBUG,
               "async: op %" PRId64 " claimed ms=%" PRId64 " now=%" PRId64
               " until=%" PRId64,
               x.v[i].t.id, wall_ms(), x.now, x.until);
    return 0;
}

/* release_gone - poll leases of processes on this host that are gone
 * (a killed node, lease.h) are given back at once, as job leases are
 * (runner.h R5); others lapse when they expire. The UPDATE repeats the
 * owner it saw, so a lease taken meanwhile is kept. */
static int release_gone(struct app *app, int64_t now, int *n,
                        struct rm_err *err)
{
    static const char sql_sel[] =
        "SELECT id, lease_owner FROM operations WHERE state = 'pending' "
        "AND lease_owner IS NOT NULL AND lease_expires_at > ? ORDER BY id "
        "LIMIT 1000";
    static const char sql_free[] =
        "UPDATE operations SET lease_owner = NULL, lease_expires_at = NULL "
        "WHERE id = ? AND state = 'pending' AND lease_owner = ?";
    struct store_stmt *s;
    struct gone {
        int64_t id;
        char owner[160];
    } *v = NULL;
    size_t nv = 0, cap = 0;
    int rc;

    *n = 0;
    if ((rc = store_prepare(app->st, sql_sel, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, now);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        const char *owner = store_col_text(s, 1);
        if (app_lease_live(app, owner, now + 1, now))
            continue;
        if (nv == cap) {
            cap = cap ? cap * 2 : 16;
            v = xrealloc(v, cap * sizeof *v);
        }
        v[nv].id = store_col_int64(s, 0);
        snprintf(v[nv].owner, sizeof v[nv].owner, "%s", owner ? owner : "");
        nv++;
    }
    store_stmt_release(s);
    for (size_t i = 0; i < nv && rc >= 0; i++) {
        struct store_stmt *u;
        if ((rc = store_prepare(app->st, sql_free, &u, err)) < 0)
            break;
        store_bind_int64(u, 1, v[i].id);
        store_bind_text(u, 2, v[i].owner);
        rc = store_step(u, err);
        store_stmt_release(u);
        if (rc >= 0)
            *n += (int)store_changes(app->st);
    }
    free(v);
    return rc < 0 ? rc : 0;
}

/* unclaim_unit - give back this process's poll leases of operations the
 * sweep will not poll after all (no share of the connection's concurrency,
 * no registrar), so another node need not wait for them to lapse. */
struct unclaim_unit {
    struct app *app;
    struct item **items;
    size_t n;
};

static int unclaim_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char sql[] =
        "UPDATE operations SET lease_owner = NULL, lease_expires_at = NULL "
        "WHERE id = ? AND state = 'pending' AND lease_owner = ?";
    struct unclaim_unit *u = arg;
    int rc = 0;

    for (size_t i = 0; i < u->n && rc >= 0; i++) {
        struct store_stmt *s;
        if ((rc = store_prepare(st, sql, &s, err)) < 0)
            break;
        store_bind_int64(s, 1, u->items[i]->t.id);
        store_bind_text(s, 2, u->app->lease_owner);
        rc = store_step(s, err);
        store_stmt_release(s);
    }
    return rc < 0 ? rc : 0;
}

static void unclaim(struct app *app, struct item **items, size_t n)
{
    struct unclaim_unit u = {app, items, n};
    struct rm_err err;

    if (n && store_tx(app->st, STORE_TX_WRITE, unclaim_fn, &u, &err) < 0) {
        rm_log(LOG_WARN, "async: %zu poll lease(s) kept until they lapse: %s",
               n, err.msg);
        return;
    }
    /* at debug level, with the wall clock, as claims and polls are */
    for (size_t i = 0; i < n; i++)
        rm_log(LOG_DEBUG, "async: op %" PRId64 " unclaimed ms=%" PRId64,
               items[i]->t.id, wall_ms());
}

struct gone_tx {
    struct app *app;
    int64_t now;
    int n;
};

static int gone_fn(struct store *st, void *arg, struct rm_err *err)
{
    struct gone_tx *x = arg;

    (void)st;
    return release_gone(x->app, x->now, &x->n, err);
}

static void count_outcome(struct async_sweep_stats *st, int outcome,
                          const struct ops_poll *p)
{
    switch (outcome) {
    case OPS_SUCCEEDED:
        st->succeeded++;
        break;
    case OPS_FAILED:
        st->failed++;
        break;
    case OPS_TIMED_OUT:
        st->timed_out++;
        break;
    case OPS_PENDING:
        if (p->verdict == OPS_V_UNKNOWN)
            st->no_answer++;
        else
            st->waiting++;
        break;
    default:
        break;
    }
}

struct batch_tx {
    struct app *app;
    struct item *batch;
};

/* logs_fn - the batch's registrar log rows. */
static int logs_fn(struct store *st, void *arg, struct rm_err *err)
{
    struct batch_tx *x = arg;
    int rc = 0;

    (void)st;
    for (struct item *it = x->batch; it && rc == 0; it = it->next)
        for (size_t i = 0; i < it->nlogs && rc == 0; i++) {
            struct reglog_entry e;
            logrec_entry(&it->logs[i], &e);
            rc = reglog_write(x->app, it->t.connection_id, it->t.id, &e, err);
        }
    return rc;
}

/* notes_fn - every "still waiting" note of the batch. */
static int notes_fn(struct store *st, void *arg, struct rm_err *err)
{
    struct batch_tx *x = arg;
    struct ops_result res;
    int rc = 0;

    (void)st;
    for (struct item *it = x->batch; it && rc >= 0; it = it->next)
        if (!ops_poll_settles(&it->p))
            rc = ops_poll_apply(x->app, it->t.id, &it->p, &res, err);
    return rc < 0 ? rc : 0;
}

/* stored_log - at debug level, the moment this process's poll of it ended
 * (its answer committed, which also ends its poll lease), with the wall
 * clock: tests check that no two nodes poll one operation at once. */
static void stored_log(const struct item *it)
{
    rm_log(LOG_DEBUG, "async: op %" PRId64 " poll stored ms=%" PRId64, it->t.id,
           wall_ms());
}

/* store_batch - the answers in batch (a NULL-terminated list), A1. */
static void store_batch(struct app *app, struct item *batch,
                        struct async_sweep_stats *st)
{
    struct ops_result res;
    struct rm_err err;
    int rc, n_wait = 0, n;

    /* 1: the registrar log, in a transaction of its own (reglog.h: never
     * rolled back with an operation's state), after the rows kept from an
     * earlier failure; the batch's rows are kept when it fails */
    rc = reglog_flush(app, &n, &err);
    if (rc == 0) {
        struct batch_tx x = {app, batch};
        rc = store_tx(app->st, STORE_TX_WRITE, logs_fn, &x, &err);
    }
    if (rc < 0) {
        int64_t at = clock_now();
        rm_log(LOG_WARN, "async: registrar log rows kept in memory: %s",
               err.msg);
        for (struct item *it = batch; it; it = it->next)
            for (size_t i = 0; i < it->nlogs; i++) {
                struct reglog_entry e;
                logrec_entry(&it->logs[i], &e);
                reglog_keep(at, it->t.connection_id, it->t.id, &e);
            }
    }
    for (struct item *it = batch; it; it = it->next) {
        item_logs_free(it);
        st->polled++;
        st->calls += it->p.calls;
    }
    app_crash_point("sweep_after_poll");

    /* 2: every "still waiting" note in one transaction */
    for (struct item *it = batch; it; it = it->next)
        n_wait += !ops_poll_settles(&it->p);
    if (n_wait) {
        struct batch_tx x = {app, batch};
        rc = store_tx(app->st, STORE_TX_WRITE, notes_fn, &x, &err);
        if (rc >= 0) {
            for (struct item *it = batch; it; it = it->next)
                if (!ops_poll_settles(&it->p)) {
                    count_outcome(st, OPS_PENDING, &it->p);
                    stored_log(it);
                }
            n_wait = 0;
        } else {
            rm_log(LOG_WARN, "async: notes batch: %s; one by one", err.msg);
        }
    }
    /* 3: settles, one transaction each (and the notes again one by one
     * when their batch failed) */
    for (struct item *it = batch; it; it = it->next) {
        if (!ops_poll_settles(&it->p) && !n_wait)
            continue;
        rc = ops_poll_apply(app, it->t.id, &it->p, &res, &err);
        stored_log(it);
        if (rc < 0) {
            st->errors++;
            rm_log(LOG_ERROR, "%s", err.msg);
            continue;
        }
        count_outcome(st, rc, &it->p);
        if (rc != OPS_PENDING)
            rm_log(LOG_INFO, "op %" PRId64 ": %s (%s)", it->t.id,
                   ops_outcome_name((enum ops_outcome)rc), it->p.answer);
    }
}

/* run_page - poll the page's items with pools per connection. */
static int run_page(struct app *app, struct pool **pools, struct item *v,
                    size_t n, struct async_sweep_stats *st, struct rm_err *err)
{
    struct sweep sw;
    struct worker *workers;
    struct pool *p;
    size_t outstanding = 0, nw = 0, maxw = 0;
    int rc = 0;

    memset(&sw, 0, sizeof sw);
    pthread_mutex_init(&sw.mu, NULL);
    pthread_cond_init(&sw.cv, NULL);
    for (p = *pools; p; p = p->link)
        p->n = p->next = 0;
    /* share the page out; an operation whose connection cannot be used
     * (deleted key, no driver) is counted and left due */
    for (size_t i = 0; i < n; i++) {
        p = pool_get(app, pools, v[i].t.connection_id, err);
        if (!p) {
            st->errors++;
            rm_log(LOG_ERROR, "op %" PRId64 ": %s", v[i].t.id, err->msg);
            continue;
        }
        p->items = xrealloc(p->items, (p->n + 1) * sizeof *p->items);
        p->items[p->n++] = &v[i];
    }
    for (p = *pools; p; p = p->link)
        maxw += p->n ? (size_t)p->conc : 0;
    workers = xcalloc(maxw ? maxw : 1, sizeof *workers);
    for (p = *pools; p; p = p->link) {
        int want;
        if (!p->n)
            continue;
        want = p->n < (size_t)p->conc ? (int)p->n : p->conc;
        if (app->set.poll_workers > 0 && want > app->set.poll_workers)
            want = app->set.poll_workers; /* this node's own bound */
        if ((want = pool_share(app, p, want)) == 0) {
            unclaim(app, p->items, p->n);
            p->n = 0; /* left due: polled by a later sweep */
            continue;
        }
        if (pool_grow(app, p, want, err) < 0 && p->nregs == 0) {
            st->errors += (int)p->n;
            rm_log(LOG_ERROR, "async: %s", err->msg);
            unclaim(app, p->items, p->n);
            p->n = 0;
            continue;
        }
        if (want > p->nregs)
            want = p->nregs;
        outstanding += p->n;
        for (int k = 0; k < want; k++) {
            struct worker *w = &workers[nw];
            w->sw = &sw;
            w->pool = p;
            w->reg = p->regs[k];
            w->slot = p->slots[k];
            if (pthread_create(&w->th, NULL, worker_main, w) != 0) {
                rm_log(LOG_ERROR, "async: cannot start a worker thread");
                break;
            }
            nw++;
        }
    }
    if (outstanding && nw == 0) {
        /* no thread at all: nothing can be polled this time */
        rc = rm_err_set(err, RM_EIO, "async: no worker could start");
        goto out;
    }
    while (outstanding) {
        struct item *batch;
        size_t k = 0;
        pthread_mutex_lock(&sw.mu);
        while (!sw.done_head)
            pthread_cond_wait(&sw.cv, &sw.mu);
        batch = sw.done_head;
        sw.done_head = sw.done_tail = NULL;
        pthread_mutex_unlock(&sw.mu);
        for (struct item *it = batch; it; it = it->next)
            k++;
        store_batch(app, batch, st);
        outstanding -= k;
    }
out:
    pthread_mutex_lock(&sw.mu);
    sw.stop = 1;
    pthread_mutex_unlock(&sw.mu);
    for (size_t i = 0; i < nw; i++)
        pthread_join(workers[i].th, NULL);
    for (p = *pools; p; p = p->link)
        if (p->held) {
            pace_cap_release(app->st, p->conn_id);
            p->held = 0;
        }
    free(workers);
    pthread_cond_destroy(&sw.cv);
    pthread_mutex_destroy(&sw.mu);
    return rc;
}

/* recover_dead - what a write fault or a dead process left behind,
 * healed within one sweep once writes work again, without a restart:
 * registrar log rows kept in memory are written (reglog.h), and rule 2
 * runs inside the daemon, not only at start-up - an operation left in
 * `new` or `sending` whose lease is dead (its process is gone, or it could
 * not write its outcome and the lease expired) is recovered as at start
 * (ops_recover: new → failed + refund; sending → pending, never resent,
 * then one read-only check). */
static void recover_dead(struct app *app, struct async_sweep_stats *st)
{
    struct rm_err err;
    int n = 0;

    if (reglog_flush(app, &n, &err) < 0)
        rm_log(LOG_WARN, "async: %zu registrar log row(s) still kept: %s",
               reglog_kept(), err.msg);
    {
        struct gone_tx g = {app, clock_now(), 0};
        if (store_tx(app->st, STORE_TX_WRITE, gone_fn, &g, &err) < 0)
            rm_log(LOG_WARN, "async: poll leases of gone processes: %s",
                   err.msg);
        else if (g.n)
            rm_log(LOG_WARN,
                   "async: %d poll lease(s) of a stopped process released",
                   g.n);
    }
    n = 0;
    if (ops_recover(app, &n, &err) < 0) {
        st->errors++;
        rm_log(LOG_ERROR, "async: recovery: %s", err.msg);
    }
    if (n)
        rm_log(LOG_WARN, "async: recovered %d interrupted operation(s)", n);
    st->recovered = n;
}

static int sweep(struct app *app, const struct mail_config *mc,
                 const struct async_sweep_opts *o, struct async_sweep_stats *st,
                 struct rm_err *err)
{
    struct pool *pools = NULL;
    int page = o && o->page > 0 ? o->page : 1024;

    /* a node with a bound of its own takes what its threads poll in about
     * 16 rounds at a time, so several nodes share the due operations
     * evenly, down to the last pages */
    if (!(o && o->page > 0) && app->set.poll_workers > 0)
        page = app->set.poll_workers * 16 < 64     ? 64
               : app->set.poll_workers * 16 > 1024 ? 1024
                                                   : app->set.poll_workers * 16;
    int64_t now, t0 = mono_ns();
    int rc = 0;
    struct events_stats es;
    struct rm_err eerr;

    memset(st, 0, sizeof *st);
    /* the event streams first: what they say ended is due now, and so in
     * this sweep's claims (core/events.h) */
    if (events_read(app, &es, &eerr) < 0)
        rm_log(LOG_ERROR, "async: events: %s", eerr.msg);
    st->events = es.received;
    st->events_checked = es.checked;
    now = clock_now();
    st->started = now;
    recover_dead(app, st);
    for (;;) {
        struct item *v = NULL;
        size_t n = 0;
        if ((rc = claim_page(app, now, page, &v, &n, err)) < 0)
            break;
        if (n == 0) {
            free(v);
            break;
        }
        int polled = st->polled;
        rc = run_page(app, &pools, v, n, st, err);
        for (size_t i = 0; i < n; i++)
            item_logs_free(&v[i]);
        free(v);
        if (rc < 0 || (size_t)page > n)
            break;
        /* nothing of a full page polled: other nodes hold every slot of
         * its connections (the page was given back); claiming it again
         * now would only spin */
        if (st->polled == polled)
            break;
        if (o && o->keep_going && !o->keep_going(o->arg))
            break;
    }
    pools_free(pools);
    if (rc < 0) {
        st->ms = (mono_ns() - t0) / 1000000;
        return rc;
    }
    /* Rule 9: refunded operations the registrar may still complete. */
    {
        struct watch_stats ws;
        struct rm_err werr;
        if (watch_sweep(app, &ws, &werr) < 0)
            rm_log(LOG_ERROR, "async: watched: %s", werr.msg);
        st->watched = ws.checked;
        st->late = ws.late;
        st->errors += ws.errors;
    }
    /* Changes after the sale left without an outcome (a stop while
     * sending, a lost answer): read back, never sent again. */
    {
        struct domchange_sweep_stats cs;
        struct rm_err cerr;
        if (domchange_sweep(app, &cs, &cerr) < 0) {
            rm_log(LOG_ERROR, "async: domain changes: %s", cerr.msg);
            st->errors++;
        }
        st->changes = cs.checked;
        st->changes_settled = cs.settled + cs.never_sent;
    }
    app_crash_point("sweep_before_digest");
    if ((rc = async_digest(app, mc, now, &st->digested, &st->digest_mail_id,
                           err)) < 0)
        rm_log(LOG_ERROR, "async: digest: %s", err->msg);
    st->ms = (mono_ns() - t0) / 1000000;
    rm_log(LOG_INFO,
           "async: sweep polled=%d calls=%d succeeded=%d failed=%d "
           "timed_out=%d waiting=%d no_answer=%d errors=%d digested=%d "
           "watched=%d late=%d events=%d events_checked=%d ms=%" PRId64,
           st->polled, st->calls, st->succeeded, st->failed, st->timed_out,
           st->waiting, st->no_answer, st->errors, st->digested, st->watched,
           st->late, st->events, st->events_checked, st->ms);
    return rc;
}

int async_sweep(struct app *app, const struct mail_config *mc,
                const struct async_sweep_opts *o, struct async_sweep_stats *st,
                struct rm_err *err)
{
    bool paced = app->pace_calls;
    int rc;

    app->pace_calls = true; /* background work: rate-limited */
    rc = sweep(app, mc, o, st, err);
    app->pace_calls = paced;
    return rc;
}

/* --- the digest
 * ---------------------------------------------------------------- */

struct section {
    enum ops_state state;
    struct buf lines;
    int count;
};

struct digest_tx {
    struct app *app;
    const struct mail_config *mc;
    int64_t now, *mail_id;
    struct section *sec;
    int64_t *ids, max_id; /* out: the operations digested */
    size_t nids, cap;
    char ended[16];
};

/* digest_fn - the operations not digested yet marked, and their digest
 * mail queued; a re-run starts from empty sections. */
static int digest_fn(struct store *st, void *arg, struct rm_err *err)
{
    /* digested_at IS NULL AND deadline_at IS NOT NULL: an operation that
     * went through pending (rule 8) and is not in a digest yet; the
     * partial index operations_undigested keeps this cheap. */
    static const char sql_sel[] =
        "SELECT o.id, o.kind, o.state, o.amount, d.name, a.name FROM "
        "operations o JOIN domains d ON d.id = o.domain_id JOIN accounts a "
        "ON a.id = o.account_id WHERE o.digested_at IS NULL AND "
        "o.deadline_at IS NOT NULL AND o.state IN ('succeeded', 'failed', "
        "'timed_out', 'cancelled') ORDER BY o.id FOR UPDATE SKIP LOCKED";
    static const char sql_mark[] =
        "UPDATE operations SET digested_at = ? WHERE id = ? AND "
        "digested_at IS NULL";
    struct digest_tx *x = arg;
    struct app *app = x->app;
    const struct mail_config *mc = x->mc;
    struct section *sec = x->sec;
    int64_t now = x->now, *mail_id = x->mail_id;
    struct store_stmt *s;
    char when[32], cnt[4][16], *ended = x->ended, key[96];
    int rc;

    *mail_id = 0;
    x->nids = 0;
    x->max_id = 0;
    for (int i = 0; i < 4; i++) {
        buf_reset(&sec[i].lines);
        sec[i].count = 0;
    }
    if ((rc = store_prepare(st, sql_sel, &s, err)) < 0)
        return rc;
    while ((rc = store_step(s, err)) == STORE_ROW) {
        enum ops_state state;
        bool known = ops_state_parse(store_col_text(s, 2), &state) == 0;
        char amt[MONEY_STR_MAX];
        for (int i = 0; i < 4; i++) {
            if (!known || state != sec[i].state)
                continue;
            if (sec[i].count < ASYNC_DIGEST_LINES)
                buf_addf(&sec[i].lines, "op %" PRId64 " %s %s %s %s %s\n",
                         store_col_int64(s, 0), store_col_text(s, 4),
                         store_col_text(s, 1), store_col_text(s, 5),
                         money_format(store_col_int64(s, 3), amt),
                         app->set.currency);
            sec[i].count++;
        }
        if (x->nids == x->cap) {
            x->cap = x->cap ? x->cap * 2 : 64;
            x->ids = xrealloc(x->ids, x->cap * sizeof *x->ids);
        }
        x->ids[x->nids++] = store_col_int64(s, 0);
        x->max_id = store_col_int64(s, 0);
    }
    store_stmt_release(s);
    if (rc < 0 || x->nids == 0)
        return rc < 0 ? rc : 0;
    for (size_t i = 0; i < x->nids && rc >= 0; i++) {
        if ((rc = store_prepare(st, sql_mark, &s, err)) < 0)
            break;
        store_bind_int64(s, 1, now);
        store_bind_int64(s, 2, x->ids[i]);
        rc = store_step(s, err);
        store_stmt_release(s);
        /* Another sweep marked it since the SELECT (on PostgreSQL a
         * writer does not wait for the others before it reads): a
         * conflict, so store_tx runs the digest again without it. */
        if (rc >= 0 && store_changes(st) != 1)
            rc = rm_err_set(err, RM_ECONFLICT,
                            "op %" PRId64 " was digested by another sweep",
                            x->ids[i]);
    }
    if (rc < 0)
        return rc;
    for (int i = 0; i < 4; i++) {
        if (sec[i].count > ASYNC_DIGEST_LINES)
            buf_addf(&sec[i].lines, "... and %d more\n",
                     sec[i].count - ASYNC_DIGEST_LINES);
        if (!sec[i].count)
            buf_addf(&sec[i].lines, "(none)\n");
        /* the template puts its own line break after each list */
        if (sec[i].lines.len && sec[i].lines.data[sec[i].lines.len - 1] == '\n')
            sec[i].lines.data[--sec[i].lines.len] = '\0';
        snprintf(cnt[i], sizeof cnt[i], "%d", sec[i].count);
    }
    snprintf(ended, sizeof x->ended, "%d",
             sec[1].count + sec[2].count + sec[3].count);
    clock_format(now, when, sizeof when);
    /* stable for this set of operations: a replay after a rolled-back
     * attempt may reuse it, a later digest (new ids) never does */
    snprintf(key, sizeof key, "digest:%" PRId64 ":%zu", x->max_id, x->nids);
    {
        struct tmpl_var vars[] = {
            {"sweep_time", when},        {"completed_count", cnt[0]},
            {"ended_count", ended},      {"completed", sec[0].lines.data},
            {"failed_count", cnt[1]},    {"failed", sec[1].lines.data},
            {"timed_out_count", cnt[2]}, {"timed_out", sec[2].lines.data},
            {"cancelled_count", cnt[3]}, {"cancelled", sec[3].lines.data},
        };
        rc = outbox_queue_template(st, mc, key, mc->admin, "admin_digest", vars,
                                   sizeof vars / sizeof vars[0], now, mail_id,
                                   err);
    }
    return rc < 0 ? rc : 0;
}

int async_digest(struct app *app, const struct mail_config *mc, int64_t now,
                 int *n, int64_t *mail_id, struct rm_err *err)
{
    struct section sec[4] = {{OPS_ST_SUCCEEDED, {0}, 0},
                             {OPS_ST_FAILED, {0}, 0},
                             {OPS_ST_TIMED_OUT, {0}, 0},
                             {OPS_ST_CANCELLED, {0}, 0}};
    struct digest_tx x = {
        .app = app, .mc = mc, .now = now, .mail_id = mail_id, .sec = sec};
    int rc;

    *n = 0;
    *mail_id = 0;
    if (!mc || !mc->admin || !mc->from) {
        rm_log(LOG_DEBUG, "async: no [mail] admin/from: no digest");
        return 0;
    }
    for (int i = 0; i < 4; i++)
        buf_init(&sec[i].lines);
    rc = store_tx(app->st, STORE_TX_WRITE, digest_fn, &x, err);
    if (rc == 0 && x.nids) {
        *n = (int)x.nids;
        rm_log(LOG_INFO,
               "async: digest mail %" PRId64 ": %d completed, %s ended "
               "otherwise",
               *mail_id, sec[0].count, x.ended);
    }
    if (rc < 0)
        *mail_id = 0;
    for (int i = 0; i < 4; i++)
        buf_release(&sec[i].lines);
    free(x.ids);
    return rc < 0 ? rc : 0;
}
