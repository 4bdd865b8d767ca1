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

#include "core/jobq.h"
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
    struct local {
        const char *name;
        int64_t period_ms, next_ms; /* monotonic */
        runner_local_fn *fn;
        void *arg;
    } local[RUNNER_LOCAL_MAX];
    size_t nlocal;
};

int runner_every(struct runner *r, const char *name, int64_t period_s,
                 runner_local_fn *fn, void *arg, struct rm_err *err)
{
    struct local *t;

    if (r->nlocal == RUNNER_LOCAL_MAX || period_s <= 0 || !fn)
        return rm_err_set(err, RM_EINVAL, "runner: cannot add local task %s",
                          name ? name : "?");
    t = &r->local[r->nlocal++];
    t->name = name;
    t->period_ms = period_s * 1000;
    t->next_ms = clock_mono_ms(); /* first at start */
    t->fn = fn;
    t->arg = arg;
    return 0;
}

/* run_local - the due node-local tasks; *wait_ms lowered to the next. */
static void run_local(struct runner *r, int *wait_ms)
{
    for (size_t i = 0; i < r->nlocal && !runner_stopping(r); i++) {
        struct local *t = &r->local[i];
        int64_t d;
        if (clock_mono_ms() >= t->next_ms) {
            rm_log(LOG_DEBUG, "runner %s: local task %s", r->owner, t->name);
            t->fn(r, t->arg);
            t->next_ms = clock_mono_ms() + t->period_ms;
        }
        d = t->next_ms - clock_mono_ms();
        if (d < *wait_ms)
            *wait_ms = d < 20 ? 20 : (int)d;
    }
}

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
    return jobq_insert(st, kind, key, payload, run_at, now, id, err);
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

struct dead_scan {
    const struct runner *r;
    struct {
        int64_t id;
        char *owner;
        char *kind;
    } dead[DEAD_SCAN_MAX];
    size_t n;
};

static int note_dead(int64_t id, const char *owner, const char *kind, void *arg)
{
    struct dead_scan *d = arg;

    if (d->n >= DEAD_SCAN_MAX)
        return 1;
    if (!*owner || !strcmp(owner, d->r->owner) || !lease_owner_gone(owner))
        return 0;
    d->dead[d->n].id = id;
    d->dead[d->n].owner = xstrdup(owner);
    d->dead[d->n].kind = xstrdup(kind);
    d->n++;
    return 0;
}

/* release_dead - R5, inside lease_one's write transaction: drop the
 * unexpired leases of due jobs whose owner is a process on this host (and
 * boot) that no longer exists. Each release repeats the owner it saw
 * ("AND lease_owner = ?"), so a lease retaken meanwhile is left alone. */
static int release_dead(struct runner *r, int64_t now, struct rm_err *err)
{
    struct dead_scan d = {.r = r};
    int rc = jobq_leased_due(r->st, now, DEAD_SCAN_MAX, note_dead, &d, err);

    for (size_t i = 0; i < d.n && rc >= 0; i++) {
        rc = jobq_release(r->st, d.dead[i].id, d.dead[i].owner, now, err);
        if (rc == 1)
            rm_log(LOG_WARN,
                   "job %lld %s: lease of %s released: that process is "
                   "gone",
                   (long long)d.dead[i].id, d.dead[i].kind, d.dead[i].owner);
    }
    for (size_t i = 0; i < d.n; i++) {
        free(d.dead[i].owner);
        free(d.dead[i].kind);
    }
    return rc < 0 ? rc : 0;
}

struct lease_unit {
    struct runner *r;
    int64_t now;
    struct leased *l;
    bool got;
};

/* lease_unit - release dead leases, claim a job, set its lease. A re-run
 * first gives back what the previous run took. */
static int lease_unit(struct store *st, void *arg, struct rm_err *err)
{
    struct lease_unit *u = arg;
    struct runner *r = u->r;
    struct leased *l = u->l;
    struct jobq_row row;
    int64_t now = u->now;
    int rc;

    if (u->got) {
        leased_release(l);
        u->got = false;
    }
    if ((rc = release_dead(r, now, err)) < 0)
        return rc;
    rc = jobq_claim(st, r->owner, now, now + DEFAULT_LEASE_S, &row, err);
    if (rc <= 0)
        return rc;
    memset(l, 0, sizeof(*l));
    l->job.id = row.id;
    l->kind = row.kind;
    l->key = row.dedup_key;
    l->payload = row.payload;
    l->job.attempts = row.attempts;
    l->job.run_at = row.run_at;
    l->job.now = now;
    l->job.kind = l->kind;
    l->job.dedup_key = l->key;
    l->job.payload = l->payload;
    u->got = true;
    /* The kind is known only now: set the lease its handler asks for, or
     * park a job this runner cannot run. */
    const struct runner_handler *h = find_handler(r, l->kind);
    int64_t until = now + (h ? h->lease_s : UNKNOWN_KIND_PARK_S);
    if (until != now + DEFAULT_LEASE_S || !h) {
        if ((rc = jobq_set_lease(st, l->job.id, until, h ? 0 : 1, err)) < 0)
            return rc;
    }
    return 1;
}

/* lease_one - R1: in one write transaction, take the earliest due job that
 * nobody holds (or whose holder's lease expired, or whose holder is gone:
 * R5); a claim that loses a race takes the next due job. 1 with *l filled,
 * 0 when nothing is due. */
static int lease_one(struct runner *r, struct leased *l, struct rm_err *err)
{
    struct lease_unit u = {r, runner_now(r), l, false};
    int rc = store_tx(r->st, STORE_TX_WRITE, lease_unit, &u, err);

    if (rc < 0 && u.got)
        leased_release(l);
    if (rc < 0)
        return rc;
    return u.got ? 1 : 0;
}

struct finish_unit {
    struct runner *r;
    const struct runner_handler *h;
    const struct job *job;
    const struct rm_err *fail;
    int64_t now;
    const char *what;
    int64_t next;
    int changed;
};

/* finish_unit - the outcome's one write. */
static int finish_unit(struct store *st, void *arg, struct rm_err *err)
{
    struct finish_unit *u = arg;
    const struct runner_handler *h = u->h;
    const struct job *job = u->job;
    const char *owner = u->r->owner;
    int64_t now = u->now;
    int rc;

    u->next = 0;
    if (!u->fail && h->period_s == 0 && job->again_at == 0) {
        u->what = "done";
        rc = jobq_delete(st, job->id, owner, err);
    } else if (!u->fail) {
        u->what = "done";
        u->next = job->again_at
                      ? job->again_at
                      : runner_next_slot(now, h->period_s, h->offset_s);
        rc = jobq_reschedule(st, job->id, owner, u->next, now, err);
    } else {
        bool hold = h->period_s == 0 && job->attempts >= h->max_attempts;
        u->what = hold ? "held" : "failed";
        u->next = now + runner_backoff(job->attempts, h->backoff_min_s,
                                       h->backoff_max_s);
        rc = jobq_fail(st, job->id, owner, hold ? "held" : "ready", u->next,
                       u->fail->msg, now, err);
    }
    if (rc < 0)
        return rc;
    u->changed = rc;
    return 0;
}

/* finish - R2: record the outcome only while the lease is still ours. */
static int finish(struct runner *r, const struct runner_handler *h,
                  const struct job *job, const struct rm_err *fail,
                  struct rm_err *err)
{
    struct finish_unit u = {r, h, job, fail, runner_now(r), NULL, 0, 0};
    int rc = store_tx(r->st, STORE_TX_WRITE, finish_unit, &u, err);

    if (rc < 0)
        return rc;
    if (u.changed == 0)
        rm_log(LOG_WARN,
               "job %lld %s: lease lost before the outcome (%s) was "
               "recorded",
               (long long)job->id, job->kind, u.what);
    else if (!fail)
        rm_log(LOG_DEBUG, "job %lld %s: done", (long long)job->id, job->kind);
    else if (!strcmp(u.what, "held"))
        rm_log(LOG_ERROR, "job %lld %s: held after %lld attempts: %s",
               (long long)job->id, job->kind, (long long)job->attempts,
               fail->msg);
    else
        rm_log(LOG_WARN, "job %lld %s: attempt %lld failed, retry in %llds: %s",
               (long long)job->id, job->kind, (long long)job->attempts,
               (long long)(u.next - u.now), fail->msg);
    return 0;
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

struct extend_unit {
    struct runner *r;
    const struct job *job;
    int64_t until;
};

static int extend_unit(struct store *st, void *arg, struct rm_err *err)
{
    struct extend_unit *u = arg;

    return jobq_extend(st, u->job->id, u->r->owner, u->until, err);
}

int runner_extend(struct runner *r, struct job *job, struct rm_err *err)
{
    const struct runner_handler *h = find_handler(r, job->kind);
    struct extend_unit u = {r, job,
                            runner_now(r) + (h ? h->lease_s : DEFAULT_LEASE_S)};
    int rc = store_tx(r->st, STORE_TX_WRITE, extend_unit, &u, err);

    if (rc < 0)
        return rc;
    if (rc == 0)
        return rm_err_set(err, RM_EINVAL, "job %lld %s: lease lost",
                          (long long)job->id, job->kind);
    return 0;
}

/* next_wake - seconds until the earliest job that may become leasable. */
static int next_wake(struct runner *r, int64_t *at, struct rm_err *err)
{
    return jobq_next_wake(r->st, at, err);
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
        run_local(r, &ms);
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
