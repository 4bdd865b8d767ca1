/*
 * runner - the durable job runner: leases due rows of the jobs table and
 * runs the handler registered for their kind (design section 6).
 *
 * A job is one row of `jobs`: kind, dedup_key (UNIQUE together), payload,
 * run_at, state ('ready' or 'held'), attempts, last_error and a lease
 * (lease_owner, lease_expires_at). Two kinds of job:
 *  - one-shot: enqueued with runner_enqueue(); deleted when its handler
 *    succeeds; after a failure it waits a bounded exponential backoff;
 *    after max_attempts runs without success it is parked in 'held' for a
 *    human (`regman jobs`), never deleted.
 *  - periodic: one row per kind with dedup_key "periodic", created by
 *    runner_register() with INSERT ... ON CONFLICT DO NOTHING, so any number
 *    of runners (threads or processes) starting together make exactly one
 *    row; on success run_at moves to the next slot of the schedule
 *    (runner_next_slot: every period_s seconds, phase offset_s, so "daily
 *    at 03:00 UTC" is period 86400, offset 10800); on failure it backs off
 *    (bounded by backoff_max_s) and is never held.
 *
 * Job life:
 *
 *   ready, unleased --lease (one write tx: attempts+1, owner, expiry)-->
 *   leased --handler 0--> deleted (one-shot) | run_at = next slot (periodic)
 *          --handler <0--> unleased, run_at = now + backoff, last_error
 *                          (one-shot at max_attempts: state 'held')
 *          --owner dies--> leasable again (attempts kept, so a job that
 *                          kills its runner ends up held): at once when
 *                          the owner was a process on this host (R5),
 *                          else when the lease expires
 *
 * Invariants:
 * R1  A lease is taken by one conditional UPDATE inside a STORE_TX_WRITE
 *     transaction; its WHERE repeats "not leased or lease expired", so two
 *     runners - threads with their own handles or separate processes on one
 *     SQLite file (or PostgreSQL nodes) - never hold one job together.
 *     A claim that loses that race goes on to the next due job, so a busy
 *     queue never looks empty. The SQL is core/jobq.h's.
 * R2  Every later write to a leased row (finish, fail, extend) says
 *     "WHERE id = ? AND lease_owner = ?": a runner whose lease expired and
 *     was retaken changes nothing; it logs the lost lease instead.
 * R3  A handler runs outside any transaction; it opens its own. Work that
 *     can outlive the lease calls runner_extend() between steps.
 * R4  Handlers are idempotent: a crash after the work and before the row
 *     is finished runs the job again (at-least-once).
 * R5  A lease whose owner is "HOST:PID:BOOT:NODE:N" of this host and this
 *     boot with no process PID (a killed daemon) is dead before it expires,
 *     as operation leases are (util/lease.h): inside the leasing
 *     transaction it is released by an UPDATE that repeats the owner it
 *     saw, so a race stays R1-safe. Owners of other hosts, other boots or
 *     other names keep their lease until it expires.
 *
 * Ownership and threads: a struct runner owns nothing but its handler
 * table and owner string; the store handle is the caller's and is used by
 * the runner's thread only (store.h: one thread per handle). Run several
 * runners with several handles for parallelism. The stop flag is the
 * caller's, typically a volatile sig_atomic_t set by a SIGTERM handler:
 * the runner finishes the job in hand, leases nothing new and returns.
 */
#ifndef RM_JOBS_RUNNER_H
#define RM_JOBS_RUNNER_H

#include <signal.h>
#include <stdint.h>

#include "store/store.h"
#include "util/err.h"

#define RUNNER_KIND_MAX 64
#define RUNNER_DEDUP_MAX 200
#define RUNNER_PAYLOAD_MAX (64 * 1024)
#define RUNNER_PERIODIC_KEY "periodic"

struct runner;

/* The job in hand, as a handler sees it. Strings are valid for the call. */
struct job {
    int64_t id;
    const char *kind;
    const char *dedup_key;
    const char *payload;
    int64_t attempts; /* this run's number, 1 on the first run */
    int64_t run_at;   /* when it was due */
    int64_t now;      /* the runner's clock when the lease was taken */
    /* Out, optional: set by the handler on success to run the job again at
     * this time instead (a one-shot job is then kept; a periodic job skips
     * to this time instead of its next slot). 0 = the default. */
    int64_t again_at;
};

/* A handler: 0 on success, a negative rm_errcode with err filled on
 * failure (the job backs off and err->msg becomes last_error). */
typedef int runner_fn(struct runner *r, struct job *job, void *arg,
                      struct rm_err *err);

struct runner_handler {
    const char *kind; /* [a-z0-9._-], at most RUNNER_KIND_MAX */
    runner_fn *run;
    void *arg;
    int64_t period_s;      /* > 0: periodic; 0: one-shot jobs of this kind */
    int64_t offset_s;      /* periodic: phase in [0, period_s) */
    int64_t lease_s;       /* 0 = 300 */
    int64_t max_attempts;  /* one-shot: runs before 'held'; 0 = 10 */
    int64_t backoff_min_s; /* 0 = 60 */
    int64_t backoff_max_s; /* 0 = 3600 */
};

struct runner_opts {
    /* Lease owner name, unique among live runners; NULL =
     * "HOST:PID:BOOT:NODE:N" (util/lease.h) with N counting runners in this
     * process. */
    const char *owner;
    /* The clock; NULL = clock_now (util/clock.h). */
    int64_t (*now)(void *arg);
    void *now_arg;
    /* runner_run: longest sleep when nothing is due; 0 = 1000 ms. */
    int idle_ms;
    /* Set (non-zero) to stop; may be NULL. */
    const volatile sig_atomic_t *stop;
};

/* runner_new - a runner on st (borrowed; outlives the runner). opts may be
 * NULL. */
int runner_new(struct store *st, const struct runner_opts *opts,
               struct runner **out, struct rm_err *err);
void runner_free(struct runner *r);

/* runner_register - add a handler (copied; kind and arg borrowed). A
 * periodic handler also makes sure its row exists (first run at the next
 * slot after now, or now when due_now is set), idempotently. A kind
 * registered twice is RM_EINVAL. */
int runner_register(struct runner *r, const struct runner_handler *h,
                    int due_now, struct rm_err *err);

/*
 * runner_every - a node-local periodic task: fn runs on the runner's
 * thread (between jobs, never during one) every period_s seconds of the
 * monotonic clock, the first time when the runner starts (a node that
 * starts takes its part of the due work at once). It has no job row: it
 * is work every node does on its own (the Async Manager's sweep on a
 * shared database, jobs/registry.c), which a row would hand to one node
 * at a time. At most RUNNER_LOCAL_MAX tasks; name is borrowed (logs).
 */
#define RUNNER_LOCAL_MAX 4
typedef void runner_local_fn(struct runner *r, void *arg);
int runner_every(struct runner *r, const char *name, int64_t period_s,
                 runner_local_fn *fn, void *arg, struct rm_err *err);

/*
 * runner_enqueue - add a one-shot job; usable inside the caller's
 * transaction (then it commits with the caller's state change) or outside
 * (one atomic statement). dedup_key makes it idempotent: a job of that kind
 * and key that exists already is left as it is and *id is its id. NULL
 * dedup_key gets a unique random one. payload may be NULL (""). id may be
 * NULL.
 */
int runner_enqueue(struct store *st, const char *kind, const char *dedup_key,
                   const char *payload, int64_t run_at, int64_t now,
                   int64_t *id, struct rm_err *err);

/* runner_run_due - lease and run due jobs one by one until none is due,
 * max have run (0 = no limit) or the stop flag is set. *ran counts the
 * jobs run (may be NULL). Handler failures are outcomes, not errors: the
 * return is negative only when the store failed. */
int runner_run_due(struct runner *r, int max, int *ran, struct rm_err *err);

/* runner_run - the daemon loop: runner_run_due, then sleep until the next
 * job is due (at most idle_ms, waking early for the stop flag), until the
 * stop flag is set. Store errors are logged and retried after idle_ms. */
int runner_run(struct runner *r, struct rm_err *err);

/* runner_extend - push the lease of job (in hand) to now + lease_s.
 * RM_EINVAL when the lease was lost (R2): the handler should stop. */
int runner_extend(struct runner *r, struct job *job, struct rm_err *err);

/* Accessors for handlers. */
struct store *runner_store(struct runner *r);
int64_t runner_now(struct runner *r);
const char *runner_owner(const struct runner *r);
/* runner_stopping - the stop flag is set. */
int runner_stopping(const struct runner *r);

/* runner_backoff - seconds to wait after the attempts-th run failed
 * (1-based): min * 2^(attempts-1), at most max. Pure. */
int64_t runner_backoff(int64_t attempts, int64_t min_s, int64_t max_s);
/* runner_next_slot - the first time t > now with t % period == offset.
 * Pure. */
int64_t runner_next_slot(int64_t now, int64_t period_s, int64_t offset_s);

#endif
