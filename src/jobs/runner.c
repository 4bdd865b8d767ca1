/*
 * runner - leases and runs durable jobs; the contract and the invariants
 * R1-R4 are in runner.h.
 */
#include "jobs/runner.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/lease.h"
#include "util/log.h"
#include "util/xalloc.h"

#define DEFAULT_LEASE_S 300
#define DEFAULT_MAX_ATTEMPTS 10
#define DEFAULT_BACKOFF_MIN_S 60
#define DEFAULT_BACKOFF_MAX_S 3600
/* A job of a kind this runner has no handler for is left leased this long,
 * so another runner (one that knows the kind) can take it afterwards and
 * this one does not pick it again and again. */
#define UNKNOWN_KIND_PARK_S 60

struct runner {
    struct store *st;
    char *owner;
    int64_t (*now)(void *arg);
    void *now_arg;
    int idle_ms;
    const volatile sig_atomic_t *stop;
    struct runner_handler *h;
    size_t nh;
};

static atomic_int runner_seq;

static int64_t default_now(void *arg)
{
    (void)arg;
    return clock_now();
}

int runner_new(struct store *st, const struct runner_opts *opts,
               struct runner **out, struct rm_err *err)
{
    struct runner_opts o = {0};
    if (opts)
        o = *opts;
    struct runner *r = xcalloc(1, sizeof(*r));
    r->st = st;
    if (o.owner && *o.owner) {
        if (strlen(o.owner) > 200) {
            free(r);
            return rm_err_set(err, RM_EINVAL, "runner: owner name too long");
        }
        r->owner = xstrdup(o.owner);
    } else {
        /* HOST:PID:BOOT:NODE:N (util/lease.h). */
        char name[320];
        lease_owner_name(name, sizeof name,
                         atomic_fetch_add(&runner_seq, 1) + 1);
        r->owner = xstrdup(name);
    }
    r->now = o.now ? o.now : default_now;
    r->now_arg = o.now_arg;
    r->idle_ms = o.idle_ms > 0 ? o.idle_ms : 1000;
    r->stop = o.stop;
    *out = r;
    return 0;
}

void runner_free(struct runner *r)
{
    if (!r)
        return;
    free(r->owner);
    free(r->h);
    free(r);
}

struct store *runner_store(struct runner *r)
{
    return r->st;
}

int64_t runner_now(struct runner *r)
{
    return r->now(r->now_arg);
}

const char *runner_owner(const struct runner *r)
{
    return r->owner;
}

int runner_stopping(const struct runner *r)
{
    return r->stop && *r->stop;
}

int64_t runner_backoff(int64_t attempts, int64_t min_s, int64_t max_s)
{
    int64_t d = min_s;
    for (int64_t i = 1; i < attempts && d < max_s; i++)
        d *= 2;
    return d < max_s ? d : max_s;
}

int64_t runner_next_slot(int64_t now, int64_t period_s, int64_t offset_s)
{
    /* Floor division that also holds for negative now (tests start at 0). */
    int64_t k = (now - offset_s) / period_s;
    if ((now - offset_s) % period_s < 0)
        k--;
    return (k + 1) * period_s + offset_s;
}

static bool kind_ok(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > RUNNER_KIND_MAX)
        return false;
    for (; *k; k++)
        if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') ||
              strchr("._-", *k)))
            return false;
    return true;
}

static const struct runner_handler *find_handler(const struct runner *r,
                                                 const char *kind)
{
    for (size_t i = 0; i < r->nh; i++)
        if (!strcmp(r->h[i].kind, kind))
            return &r->h[i];
    return NULL;
}

static int insert_job(struct store *st, const char *kind, const char *key,
                      const char *payload, int64_t run_at, int64_t now,
                      int64_t *id, struct rm_err *err)
{
    struct store_stmt *s;
    int rc = store_prepare(
        st,
        "INSERT INTO jobs (kind, dedup_key, state, run_at, attempts, "
        "payload, created_at, updated_at) "
        "VALUES (?, ?, 'ready', ?, 0, ?, ?, ?) "
        "ON CONFLICT (kind, dedup_key) DO NOTHING RETURNING id",
        &s, err);
    if (rc < 0)
        return rc;
    store_bind_text(s, 1, kind);
    store_bind_text(s, 2, key);
    store_bind_int64(s, 3, run_at);
    store_bind_text(s, 4, payload ? payload : "");
    store_bind_int64(s, 5, now);
    store_bind_int64(s, 6, now);
    rc = store_step(s, err);
    int64_t newid = rc == STORE_ROW ? store_col_int64(s, 0) : 0;
    if (rc == STORE_ROW)
        rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (newid == 0) {
        /* The key exists already: idempotent, report the existing job. */
        rc = store_prepare(
            st, "SELECT id FROM jobs WHERE kind = ? AND dedup_key = ?", &s,
            err);
        if (rc < 0)
            return rc;
        store_bind_text(s, 1, kind);
        store_bind_text(s, 2, key);
        rc = store_step(s, err);
        if (rc == STORE_ROW)
            newid = store_col_int64(s, 0);
        store_stmt_release(s);
        if (rc < 0)
            return rc;
    }
    if (id)
        *id = newid;
    return 0;
}

int runner_enqueue(struct store *st, const char *kind, const char *dedup_key,
                   const char *payload, int64_t run_at, int64_t now,
                   int64_t *id, struct rm_err *err)
{
    if (!kind_ok(kind))
        return rm_err_set(err, RM_EINVAL, "jobs: bad kind \"%.80s\"", kind);
    char gen[40];
    if (!dedup_key) {
        unsigned char rnd[12];
        size_t got = 0;
        while (got < sizeof(rnd)) {
            ssize_t n = getrandom(rnd + got, sizeof(rnd) - got, 0);
            if (n > 0)
                got += (size_t)n;
        }
        memcpy(gen, "once:", 5);
        for (size_t i = 0; i < sizeof(rnd); i++)
            snprintf(gen + 5 + 2 * i, 3, "%02x", rnd[i]);
        dedup_key = gen;
    }
    if (strlen(dedup_key) > RUNNER_DEDUP_MAX)
        return rm_err_set(err, RM_ELIMIT, "jobs: dedup key over %d bytes",
                          RUNNER_DEDUP_MAX);
    if (!strcmp(dedup_key, RUNNER_PERIODIC_KEY))
        return rm_err_set(err, RM_EINVAL, "jobs: dedup key \"%s\" is reserved",
                          RUNNER_PERIODIC_KEY);
    if (payload && strlen(payload) > RUNNER_PAYLOAD_MAX)
        return rm_err_set(err, RM_ELIMIT, "jobs: payload over %d bytes",
                          RUNNER_PAYLOAD_MAX);
    return insert_job(st, kind, dedup_key, payload, run_at, now, id, err);
}

int runner_register(struct runner *r, const struct runner_handler *h,
                    int due_now, struct rm_err *err)
{
    if (!h->kind || !kind_ok(h->kind) || !h->run)
        return rm_err_set(err, RM_EINVAL, "jobs: bad handler \"%.80s\"",
                          h->kind ? h->kind : "(null)");
    if (find_handler(r, h->kind))
        return rm_err_set(err, RM_EINVAL, "jobs: kind %s registered twice",
                          h->kind);
    if (h->period_s < 0 || h->offset_s < 0 ||
        (h->period_s > 0 && h->offset_s >= h->period_s) || h->lease_s < 0 ||
        h->max_attempts < 0 || h->backoff_min_s < 0 ||
        (h->backoff_max_s != 0 && h->backoff_max_s < h->backoff_min_s))
        return rm_err_set(err, RM_EINVAL, "jobs: kind %s: bad schedule",
                          h->kind);
    struct runner_handler c = *h;
    if (!c.lease_s)
        c.lease_s = DEFAULT_LEASE_S;
    if (!c.max_attempts)
        c.max_attempts = DEFAULT_MAX_ATTEMPTS;
    if (!c.backoff_min_s)
        c.backoff_min_s = DEFAULT_BACKOFF_MIN_S;
    if (!c.backoff_max_s)
        c.backoff_max_s = c.backoff_min_s > DEFAULT_BACKOFF_MAX_S
                              ? c.backoff_min_s
                              : DEFAULT_BACKOFF_MAX_S;
    if (c.period_s > 0) {
        int64_t now = runner_now(r);
        int64_t first =
            due_now ? now : runner_next_slot(now, c.period_s, c.offset_s);
        int rc = insert_job(r->st, c.kind, RUNNER_PERIODIC_KEY, "", first, now,
                            NULL, err);
        if (rc < 0)
            return rc;
    }
    r->h = xrealloc(r->h, (r->nh + 1) * sizeof(*r->h));
    r->h[r->nh++] = c;
    return 0;
}

/* A leased row, copied out of the statement. */
struct leased {
    struct job job;
    char *kind;
    char *key;
    char *payload;
};

static void leased_release(struct leased *l)
{
    free(l->kind);
    free(l->key);
    free(l->payload);
}

/* Leases of gone owners looked at per lease_one (the live ones: at most
 * one per runner). */
#define DEAD_SCAN_MAX 64

/* release_dead - R5, inside lease_one's write transaction: drop the
 * unexpired leases of due jobs whose owner is a process on this host that
 * no longer exists. Each release repeats the owner it saw ("AND
 * lease_owner = ?"), so a lease retaken meanwhile is left alone. */
static int release_dead(struct runner *r, int64_t now, struct rm_err *err)
{
    struct {
        int64_t id;
        char *owner;
        char *kind;
    } dead[DEAD_SCAN_MAX];
    size_t n = 0;
    struct store_stmt *s;
    int rc = store_prepare(r->st,
                           "SELECT id, lease_owner, kind FROM jobs "
                           "WHERE state = 'ready' AND run_at <= ? "
                           "AND lease_owner IS NOT NULL "
                           "AND lease_expires_at > ? "
                           "ORDER BY run_at, id LIMIT ?",
                           &s, err);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, now);
    store_bind_int64(s, 2, now);
    store_bind_int64(s, 3, DEAD_SCAN_MAX);
    while ((rc = store_step(s, err)) == STORE_ROW && n < DEAD_SCAN_MAX) {
        const char *owner = store_col_text(s, 1);
        if (!owner || !strcmp(owner, r->owner) || !lease_owner_gone(owner))
            continue;
        dead[n].id = store_col_int64(s, 0);
        dead[n].owner = xstrdup(owner);
        dead[n].kind = xstrdup(store_col_text(s, 2));
        n++;
    }
    store_stmt_release(s);
    for (size_t i = 0; i < n && rc >= 0; i++) {
        rc = store_prepare(r->st,
                           "UPDATE jobs SET lease_owner = NULL, "
                           "lease_expires_at = NULL, updated_at = ? "
                           "WHERE id = ? AND lease_owner = ?",
                           &s, err);
        if (rc < 0)
            break;
        store_bind_int64(s, 1, now);
        store_bind_int64(s, 2, dead[i].id);
        store_bind_text(s, 3, dead[i].owner);
        rc = store_step(s, err);
        store_stmt_release(s);
        if (rc >= 0 && store_changes(r->st) == 1)
            rm_log(LOG_WARN,
                   "job %lld %s: lease of %s released: that process is "
                   "gone",
                   (long long)dead[i].id, dead[i].kind, dead[i].owner);
    }
    for (size_t i = 0; i < n; i++) {
        free(dead[i].owner);
        free(dead[i].kind);
    }
    return rc < 0 ? rc : 0;
}

/* lease_one - R1: in one write transaction, take the earliest due job that
 * nobody holds (or whose holder's lease expired, or whose holder is gone:
 * R5). 1 with *l filled, 0 when nothing is due. */
static int lease_one(struct runner *r, struct leased *l, struct rm_err *err)
{
    int64_t now = runner_now(r);
    int rc = store_begin(r->st, STORE_TX_WRITE, err);
    if (rc < 0)
        return rc;
    struct store_stmt *s;
    if ((rc = release_dead(r, now, err)) < 0)
        goto fail;
    /* The outer WHERE repeats the lease test: on PostgreSQL a concurrent
     * lease of the same row makes this UPDATE match nothing instead of
     * stealing it (design section 6, store.h D10). */
    rc = store_prepare(
        r->st,
        "UPDATE jobs SET lease_owner = ?, lease_expires_at = ?, "
        "attempts = attempts + 1, updated_at = ? "
        "WHERE id = (SELECT id FROM jobs WHERE state = 'ready' "
        "AND run_at <= ? AND (lease_owner IS NULL OR lease_expires_at <= ?) "
        "ORDER BY run_at, id LIMIT 1) "
        "AND state = 'ready' AND (lease_owner IS NULL OR lease_expires_at <= "
        "?) "
        "RETURNING id, kind, dedup_key, payload, attempts, run_at",
        &s, err);
    if (rc < 0)
        goto fail;
    store_bind_text(s, 1, r->owner);
    store_bind_int64(s, 2, now + DEFAULT_LEASE_S);
    store_bind_int64(s, 3, now);
    store_bind_int64(s, 4, now);
    store_bind_int64(s, 5, now);
    store_bind_int64(s, 6, now);
    rc = store_step(s, err);
    bool got = rc == STORE_ROW;
    if (got) {
        memset(l, 0, sizeof(*l));
        l->job.id = store_col_int64(s, 0);
        l->kind = xstrdup(store_col_text(s, 1));
        l->key = xstrdup(store_col_text(s, 2));
        l->payload = xstrdup(store_col_text(s, 3));
        l->job.attempts = store_col_int64(s, 4);
        l->job.run_at = store_col_int64(s, 5);
        l->job.now = now;
        l->job.kind = l->kind;
        l->job.dedup_key = l->key;
        l->job.payload = l->payload;
        rc = store_step(s, err);
    }
    store_stmt_release(s);
    if (rc < 0)
        goto fail_free;
    if (got) {
        /* The kind is known only now: set the lease its handler asks for,
         * or park a job this runner cannot run. */
        const struct runner_handler *h = find_handler(r, l->kind);
        int64_t until = now + (h ? h->lease_s : UNKNOWN_KIND_PARK_S);
        if (until != now + DEFAULT_LEASE_S || !h) {
            rc = store_prepare(r->st,
                               "UPDATE jobs SET lease_expires_at = ?, "
                               "attempts = attempts - ? WHERE id = ?",
                               &s, err);
            if (rc < 0)
                goto fail_free;
            store_bind_int64(s, 1, until);
            store_bind_int64(s, 2, h ? 0 : 1);
            store_bind_int64(s, 3, l->job.id);
            rc = store_step(s, err);
            store_stmt_release(s);
            if (rc < 0)
                goto fail_free;
        }
    }
    rc = store_commit(r->st, err);
    if (rc < 0)
        goto fail_free;
    return got ? 1 : 0;
fail_free:
    if (got)
        leased_release(l);
fail:
    store_rollback(r->st);
    return rc;
}

/* finish - R2: record the outcome only while the lease is still ours. */
static int finish(struct runner *r, const struct runner_handler *h,
                  const struct job *job, const struct rm_err *fail,
                  struct rm_err *err)
{
    int64_t now = runner_now(r);
    int rc = store_begin(r->st, STORE_TX_WRITE, err);
    if (rc < 0)
        return rc;
    struct store_stmt *s;
    const char *what;
    int64_t next = 0;
    if (!fail && h->period_s == 0 && job->again_at == 0) {
        what = "done";
        rc = store_prepare(r->st,
                           "DELETE FROM jobs WHERE id = ? AND lease_owner = ?",
                           &s, err);
        if (rc < 0)
            goto out;
        store_bind_int64(s, 1, job->id);
        store_bind_text(s, 2, r->owner);
    } else if (!fail) {
        what = "done";
        next = job->again_at ? job->again_at
                             : runner_next_slot(now, h->period_s, h->offset_s);
        rc = store_prepare(r->st,
                           "UPDATE jobs SET run_at = ?, attempts = 0, "
                           "last_error = NULL, lease_owner = NULL, "
                           "lease_expires_at = NULL, updated_at = ? "
                           "WHERE id = ? AND lease_owner = ?",
                           &s, err);
        if (rc < 0)
            goto out;
        store_bind_int64(s, 1, next);
        store_bind_int64(s, 2, now);
        store_bind_int64(s, 3, job->id);
        store_bind_text(s, 4, r->owner);
    } else {
        bool hold = h->period_s == 0 && job->attempts >= h->max_attempts;
        what = hold ? "held" : "failed";
        next = now + runner_backoff(job->attempts, h->backoff_min_s,
                                    h->backoff_max_s);
        rc = store_prepare(r->st,
                           "UPDATE jobs SET state = ?, run_at = ?, "
                           "last_error = ?, lease_owner = NULL, "
                           "lease_expires_at = NULL, updated_at = ? "
                           "WHERE id = ? AND lease_owner = ?",
                           &s, err);
        if (rc < 0)
            goto out;
        store_bind_text(s, 1, hold ? "held" : "ready");
        store_bind_int64(s, 2, next);
        store_bind_text(s, 3, fail->msg);
        store_bind_int64(s, 4, now);
        store_bind_int64(s, 5, job->id);
        store_bind_text(s, 6, r->owner);
    }
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0)
        goto out;
    int64_t changed = store_changes(r->st);
    rc = store_commit(r->st, err);
    if (rc < 0)
        goto out;
    if (changed == 0)
        rm_log(LOG_WARN,
               "job %lld %s: lease lost before the outcome (%s) was "
               "recorded",
               (long long)job->id, job->kind, what);
    else if (!fail)
        rm_log(LOG_DEBUG, "job %lld %s: done", (long long)job->id, job->kind);
    else if (!strcmp(what, "held"))
        rm_log(LOG_ERROR, "job %lld %s: held after %lld attempts: %s",
               (long long)job->id, job->kind, (long long)job->attempts,
               fail->msg);
    else
        rm_log(LOG_WARN, "job %lld %s: attempt %lld failed, retry in %llds: %s",
               (long long)job->id, job->kind, (long long)job->attempts,
               (long long)(next - now), fail->msg);
    return 0;
out:
    store_rollback(r->st);
    return rc;
}

int runner_run_due(struct runner *r, int max, int *ran, struct rm_err *err)
{
    int n = 0;
    int rc = 0;
    if (store_in_tx(r->st))
        return rm_err_set(err, RM_EINTERNAL,
                          "jobs: runner called inside a transaction");
    while (!runner_stopping(r) && (max == 0 || n < max)) {
        struct leased l;
        rc = lease_one(r, &l, err);
        if (rc <= 0)
            break;
        const struct runner_handler *h = find_handler(r, l.kind);
        if (!h) {
            rm_log(LOG_WARN,
                   "job %lld: no handler for kind %s here; left for another "
                   "runner",
                   (long long)l.job.id, l.kind);
            leased_release(&l);
            continue;
        }
        struct rm_err herr;
        rm_err_clear(&herr);
        int hrc;
        if (h->period_s == 0 && l.job.attempts > h->max_attempts) {
            /* Its earlier runs ended without an outcome: a job that kills
             * its runner is parked instead of killing the next one. */
            hrc = rm_err_set(&herr, RM_EINTERNAL,
                             "no outcome after %lld runs (runner died?)",
                             (long long)(l.job.attempts - 1));
        } else {
            hrc = h->run(r, &l.job, h->arg, &herr);
        }
        if (hrc < 0 && herr.msg[0] == '\0')
            rm_err_set(&herr, hrc, "handler failed (%d)", hrc);
        rc = finish(r, h, &l.job, hrc < 0 ? &herr : NULL, err);
        leased_release(&l);
        n++;
        if (rc < 0)
            break;
    }
    if (ran)
        *ran = n;
    return rc < 0 ? rc : 0;
}

int runner_extend(struct runner *r, struct job *job, struct rm_err *err)
{
    const struct runner_handler *h = find_handler(r, job->kind);
    int64_t until = runner_now(r) + (h ? h->lease_s : DEFAULT_LEASE_S);
    bool own_tx = !store_in_tx(r->st);
    int rc = own_tx ? store_begin(r->st, STORE_TX_WRITE, err) : 0;
    if (rc < 0)
        return rc;
    struct store_stmt *s;
    rc = store_prepare(r->st,
                       "UPDATE jobs SET lease_expires_at = ? "
                       "WHERE id = ? AND lease_owner = ?",
                       &s, err);
    if (rc == 0) {
        store_bind_int64(s, 1, until);
        store_bind_int64(s, 2, job->id);
        store_bind_text(s, 3, r->owner);
        rc = store_step(s, err);
        store_stmt_release(s);
    }
    int64_t changed = rc < 0 ? 0 : store_changes(r->st);
    if (own_tx) {
        if (rc < 0)
            store_rollback(r->st);
        else
            rc = store_commit(r->st, err);
    }
    if (rc < 0)
        return rc;
    if (changed == 0)
        return rm_err_set(err, RM_EINVAL, "job %lld %s: lease lost",
                          (long long)job->id, job->kind);
    return 0;
}

/* next_wake - seconds until the earliest job that may become leasable. */
static int next_wake(struct runner *r, int64_t *at, struct rm_err *err)
{
    struct store_stmt *s;
    int rc = store_prepare(r->st,
                           "SELECT MIN(CASE WHEN lease_owner IS NULL OR "
                           "lease_expires_at < run_at THEN run_at "
                           "ELSE lease_expires_at END), COUNT(*) "
                           "FROM jobs WHERE state = 'ready'",
                           &s, err);
    if (rc < 0)
        return rc;
    rc = store_step(s, err);
    *at = 0;
    if (rc == STORE_ROW && !store_col_is_null(s, 0))
        *at = store_col_int64(s, 0);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

static void nap(const struct runner *r, int ms)
{
    /* Short slices so a SIGTERM is seen within 50 ms even where the
     * signal does not interrupt nanosleep (handled with SA_RESTART). */
    while (ms > 0 && !runner_stopping(r)) {
        int slice = ms < 50 ? ms : 50;
        struct timespec ts = {0, (long)slice * 1000000L};
        nanosleep(&ts, NULL);
        ms -= slice;
    }
}

int runner_run(struct runner *r, struct rm_err *err)
{
    rm_log(LOG_INFO, "runner %s: started with %zu job kinds", r->owner, r->nh);
    while (!runner_stopping(r)) {
        struct rm_err e;
        rm_err_clear(&e);
        int rc = runner_run_due(r, 0, NULL, &e);
        if (rc < 0) {
            rm_log(LOG_ERROR, "runner %s: %s", r->owner, e.msg);
            nap(r, r->idle_ms);
            continue;
        }
        int64_t at;
        int ms = r->idle_ms;
        if (next_wake(r, &at, &e) == 0 && at) {
            int64_t d = (at - runner_now(r)) * 1000;
            if (d < ms)
                ms = d < 20 ? 20 : (int)d;
        }
        nap(r, ms);
    }
    rm_log(LOG_INFO, "runner %s: stopped", r->owner);
    (void)err;
    return 0;
}
