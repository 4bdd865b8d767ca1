/*
 * lifecycle_job - the lifecycle steps as periodic jobs (contract in
 * lifecycle_job.h).
 */
#include "jobs/lifecycle_job.h"

#include <inttypes.h>
#include <string.h>

#include "util/clock.h"
#include "util/log.h"

typedef int step_fn(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                    struct rm_err *err);

static const struct {
    const char *kind;
    step_fn *step;
    int64_t offset_s;
    int due_now;
} kinds[] = {
    {LIFECYCLE_JOB_EXPIRE, lifecycle_expire, 15 * 60, 1},
    {LIFECYCLE_JOB_WARNINGS, lifecycle_warnings, 3600, 1},
    {LIFECYCLE_JOB_RENEW, lifecycle_renew, 2 * 3600, 1},
    /* a full listing from the registrar: at its slot only, not at every
     * start of the daemon */
    {LIFECYCLE_JOB_SYNC, lifecycle_sync, 4 * 3600, 0},
};

struct lease {
    struct runner *r;
    struct job *job;
    int64_t extended_at;
};

/* keep - between items: stop on shutdown or a lost lease; extend the
 * lease now and then rather than on every item (each extension is a
 * write). */
static int keep(void *arg)
{
    struct lease *l = arg;
    struct rm_err err;
    int64_t now = clock_now();

    if (runner_stopping(l->r))
        return 0;
    if (now - l->extended_at < LIFECYCLE_JOB_LEASE_S / 4)
        return 1;
    if (runner_extend(l->r, l->job, &err) < 0) {
        rm_log(LOG_WARN, "lifecycle: %s: lease lost: %s", l->job->kind,
               err.msg);
        return 0;
    }
    l->extended_at = now;
    return 1;
}

static void add_stats(struct lifecycle_stats *t,
                      const struct lifecycle_stats *s)
{
    t->warned += s->warned;
    t->renewed += s->renewed;
    t->pending += s->pending;
    t->failed += s->failed;
    t->no_funds += s->no_funds;
    t->skipped += s->skipped;
    t->done_mails += s->done_mails;
    t->last_chance += s->last_chance;
    t->expired += s->expired;
    t->listed += s->listed;
    t->drift += s->drift;
    t->missing += s->missing;
    t->restored += s->restored;
    t->unknown += s->unknown;
    t->errors += s->errors;
}

static int run_step(struct runner *r, struct job *job, void *arg,
                    struct rm_err *err)
{
    struct lifecycle_job *lj = arg;
    struct lease l = {r, job, job->now};
    struct lifecycle_ctx c = {lj->app, lj->mc, job->now, keep, &l};
    struct lifecycle_stats s;
    int rc = RM_EINTERNAL;

    memset(&s, 0, sizeof s);
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].kind, job->kind) == 0)
            rc = kinds[i].step(&c, &s, err);
    add_stats(&lj->total, &s);
    lj->runs++;
    rm_log(LOG_INFO,
           "lifecycle: job=%s warned=%" PRId64 " renewed=%" PRId64
           " pending=%" PRId64 " failed=%" PRId64 " no_funds=%" PRId64
           " last_chance=%" PRId64 " expired=%" PRId64 " drift=%" PRId64
           " missing=%" PRId64 " errors=%" PRId64,
           job->kind, s.warned, s.renewed, s.pending, s.failed, s.no_funds,
           s.last_chance, s.expired, s.drift, s.missing, s.errors);
    return rc < 0 ? rc : 0;
}

int lifecycle_job_register(struct runner *r, struct lifecycle_job *lj,
                           struct app *app, const struct mail_config *mc,
                           struct rm_err *err)
{
    int rc;

    memset(lj, 0, sizeof *lj);
    lj->app = app;
    lj->mc = mc;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        struct runner_handler h = {0};
        h.kind = kinds[i].kind;
        h.run = run_step;
        h.arg = lj;
        h.period_s = LIFECYCLE_DAY;
        h.offset_s = kinds[i].offset_s;
        h.lease_s = LIFECYCLE_JOB_LEASE_S;
        h.backoff_min_s = 300;
        h.backoff_max_s = 3 * 3600;
        if ((rc = runner_register(r, &h, kinds[i].due_now, err)) < 0)
            return rc;
        rm_log(LOG_INFO, "jobs: registered kind=%s every=%ds at=%02d:%02d UTC",
               h.kind, LIFECYCLE_DAY, (int)(h.offset_s / 3600),
               (int)(h.offset_s % 3600 / 60));
    }
    return 0;
}
