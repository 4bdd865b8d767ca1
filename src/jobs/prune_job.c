/*
 * prune_job - registrar-log pruning as a periodic job (contract in
 * prune_job.h).
 */
#include "jobs/prune_job.h"

#include <inttypes.h>
#include <string.h>

#include "core/reglog.h"
#include "util/log.h"

struct lease {
    struct runner *r;
    struct job *job;
};

/* keep - between batches: stop on shutdown or a lost lease. A batch is
 * short, so extending after each one is cheap next to the batch itself. */
static int keep(void *arg)
{
    struct lease *l = arg;
    struct rm_err err;

    if (runner_stopping(l->r))
        return 0;
    if (runner_extend(l->r, l->job, &err) < 0) {
        rm_log(LOG_WARN, "%s: lease lost: %s", l->job->kind, err.msg);
        return 0;
    }
    return 1;
}

static int prune_run(struct runner *r, struct job *job, void *arg,
                     struct rm_err *err)
{
    struct prune_job *pj = arg;
    struct lease l = {r, job};
    struct reglog_prune_opts o = {0};
    int64_t n = 0;
    int rc;

    o.keep_going = keep;
    o.arg = &l;
    rc = reglog_prune(pj->app, job->now, &o, &n, err);
    pj->deleted += n;
    pj->runs++;
    rm_log(LOG_INFO, "%s: deleted=%" PRId64 " keep_days=%d", job->kind, n,
           pj->app->set.log_keep_days);
    return rc < 0 ? rc : 0;
}

int prune_job_register(struct runner *r, struct prune_job *pj, struct app *app,
                       struct rm_err *err)
{
    struct runner_handler h = {0};
    int rc;

    memset(pj, 0, sizeof *pj);
    pj->app = app;
    h.kind = PRUNE_JOB_KIND;
    h.run = prune_run;
    h.arg = pj;
    h.period_s = 86400;
    h.offset_s = PRUNE_JOB_OFFSET_S;
    h.lease_s = PRUNE_JOB_LEASE_S;
    h.backoff_min_s = 300;
    h.backoff_max_s = 3 * 3600;
    /* housekeeping: at its slot only, not at every start of the daemon */
    if ((rc = runner_register(r, &h, 0, err)) < 0)
        return rc;
    rm_log(LOG_INFO, "jobs: registered kind=%s every=86400s at=%02d:%02d UTC",
           h.kind, (int)(h.offset_s / 3600), (int)(h.offset_s % 3600 / 60));
    return 0;
}
