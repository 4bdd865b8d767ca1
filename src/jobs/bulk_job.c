/*
 * bulk_job - a bulk run worked by the daemon (contract in bulk_job.h).
 */
#include "jobs/bulk_job.h"

#include <inttypes.h>
#include <string.h>

#include "core/bulk.h"
#include "core/conn.h"
#include "util/log.h"

struct lease {
    struct runner *r;
    struct job *job;
};

/* keep - between items: stop on shutdown or a lost lease. */
static int keep(void *arg)
{
    struct lease *l = arg;
    struct rm_err err;

    if (runner_stopping(l->r))
        return 0;
    if (runner_extend(l->r, l->job, &err) < 0) {
        rm_log(LOG_WARN, "%s %s: lease lost: %s", l->job->kind,
               l->job->dedup_key, err.msg);
        return 0;
    }
    return 1;
}

static int bulk_run_job(struct runner *r, struct job *job, void *arg,
                        struct rm_err *err)
{
    struct bulk_job *bj = arg;
    struct lease l = {r, job};
    struct bulk_exec_opts o = {0};
    int64_t id;
    int rc;

    bj->runs++;
    if (conn_parse_int("bulk run", job->payload, 1, INT64_MAX, &id, err) < 0)
        return RM_EINVAL;
    o.keep_going = keep;
    o.arg = &l;
    /* background work: every request waits for its connection's rate
     * limit (core/pace.h) */
    bj->app->pace_calls = true;
    rc = bulk_execute(bj->app, id, &o, err);
    bj->app->pace_calls = false;
    if (rc == RM_ENOTFOUND) {
        rm_log(LOG_WARN, "%s %s: %s; job dropped", job->kind, job->dedup_key,
               err->msg);
        return 0;
    }
    if (rc < 0)
        return rc;
    if (rc == 0)
        job->again_at = runner_now(r) + BULK_JOB_AGAIN_S;
    return 0;
}

int bulk_job_register(struct runner *r, struct bulk_job *bj, struct app *app,
                      struct rm_err *err)
{
    struct runner_handler h = {0};
    int rc;

    memset(bj, 0, sizeof *bj);
    bj->app = app;
    h.kind = BULK_JOB_KIND;
    h.run = bulk_run_job;
    h.arg = bj;
    h.lease_s = BULK_JOB_LEASE_S;
    h.backoff_min_s = 10;
    h.backoff_max_s = 600;
    if ((rc = runner_register(r, &h, 0, err)) < 0)
        return rc;
    rm_log(LOG_INFO, "jobs: registered kind=%s", h.kind);
    return 0;
}
