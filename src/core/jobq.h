/*
 * jobq - the jobs table: every query the job runner (jobs/runner.h) makes.
 *
 * The runner decides (which handler, when to back off, when to hold); this
 * module reads and writes the rows. Every write to a leased row repeats
 * "AND lease_owner = ?" (runner.h R2) and returns how many rows changed, so
 * a runner that lost its lease changes nothing and can say so. Functions
 * run inside the caller's transaction when one is open, else as one
 * statement each.
 *
 * Results: >= 0 as documented per function; a negative rm_errcode from the
 * store with err filled.
 */
#ifndef RM_CORE_JOBQ_H
#define RM_CORE_JOBQ_H

#include <stdint.h>

#include "store/store.h"
#include "util/err.h"

/* One leased job as jobq_claim hands it out. Owns its strings;
 * jobq_row_release frees them. */
struct jobq_row {
    int64_t id;
    char *kind;
    char *dedup_key;
    char *payload;
    int64_t attempts; /* after this lease: 1 on the first run */
    int64_t run_at;
};

void jobq_row_release(struct jobq_row *row);

/* jobq_insert - a 'ready' job of kind and dedup_key due at run_at, unless
 * that pair exists already (then nothing changes). One statement either
 * way; *id (may be NULL) gets the new or the existing row's id. */
int jobq_insert(struct store *st, const char *kind, const char *dedup_key,
                const char *payload, int64_t run_at, int64_t now, int64_t *id,
                struct rm_err *err);

/* jobq_leased_due - fn(id, owner, kind, arg) for due 'ready' jobs whose
 * lease has not expired, earliest first, at most max; fn returning
 * non-zero stops the walk. The strings live until fn returns. */
int jobq_leased_due(struct store *st, int64_t now, int max,
                    int (*fn)(int64_t id, const char *owner, const char *kind,
                              void *arg),
                    void *arg, struct rm_err *err);

/* jobq_release - drop the lease of job id if owner still holds it: 1 when
 * released, 0 when the lease moved on meanwhile. */
int jobq_release(struct store *st, int64_t id, const char *owner, int64_t now,
                 struct rm_err *err);

/*
 * jobq_claim - lease the earliest due 'ready' job nobody holds (or whose
 * lease expired) to owner until lease_until, attempts + 1. Each claim is
 * one conditional UPDATE that repeats "not leased or lease expired", so two
 * claimers never hold one job; a claim that loses that race to another
 * runner goes on to the next due job. 1 with *row filled (release it with
 * jobq_row_release), 0 when nothing is due, RM_ECONFLICT when every due
 * job was taken under it again and again (re-run the unit of work).
 */
int jobq_claim(struct store *st, const char *owner, int64_t now,
               int64_t lease_until, struct jobq_row *row, struct rm_err *err);

/* jobq_set_lease - right after jobq_claim in its transaction: the lease
 * runs until `until`, and attempts goes down by uncount (1 for a job the
 * claimer cannot run, 0 otherwise). */
int jobq_set_lease(struct store *st, int64_t id, int64_t until, int64_t uncount,
                   struct rm_err *err);

/* The outcome of a leased job, each only while owner holds the lease;
 * each returns the rows changed (0: the lease was lost). */
/* jobq_delete - a one-shot job done. */
int jobq_delete(struct store *st, int64_t id, const char *owner,
                struct rm_err *err);
/* jobq_reschedule - done, due again at run_at (periodic, or again_at):
 * attempts 0, no error, unleased. */
int jobq_reschedule(struct store *st, int64_t id, const char *owner,
                    int64_t run_at, int64_t now, struct rm_err *err);
/* jobq_fail - failed: state ("ready" or "held"), due at run_at,
 * last_error msg, unleased. */
int jobq_fail(struct store *st, int64_t id, const char *owner,
              const char *state, int64_t run_at, const char *msg, int64_t now,
              struct rm_err *err);
/* jobq_extend - the lease runs until `until`. */
int jobq_extend(struct store *st, int64_t id, const char *owner, int64_t until,
                struct rm_err *err);

/* jobq_next_wake - *at: the earliest time a 'ready' job may become
 * leasable (its run_at, or its lease's expiry when later); 0 when no job
 * is ready. */
int jobq_next_wake(struct store *st, int64_t *at, struct rm_err *err);

/* jobq_set_test_hook - tests only: fn (NULL to clear) runs right before
 * each claim attempt on candidate id, so a test can take that job first
 * and watch the claim move on. */
void jobq_set_test_hook(void (*fn)(struct store *st, int64_t id));

#endif
