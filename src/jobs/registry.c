/*
 * registry - every job kind regman runs (contract in registry.h).
 */
#include "jobs/registry.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"
#include "util/log.h"

struct sweep_lease {
    struct runner *r;
    struct job *job;
};

/* sweep_keep_going - between pages: stop on shutdown, keep the lease. */
static int sweep_keep_going(void *arg)
{
    struct sweep_lease *l = arg;
    struct rm_err err;

    if (runner_stopping(l->r))
        return 0;
    if (runner_extend(l->r, l->job, &err) < 0) {
        rm_log(LOG_WARN, "async: sweep lease lost: %s", err.msg);
        return 0;
    }
    return 1;
}

static int async_job_run(struct runner *r, struct job *job, void *arg,
                         struct rm_err *err)
{
    struct jobs_ctx *c = arg;
    struct sweep_lease l = {r, job};
    struct async_sweep_opts o = {0};
    int rc;

    o.keep_going = sweep_keep_going;
    o.arg = &l;
    c->swept_ms = clock_mono_ms();
    rc = async_sweep(c->app, c->mc, &o, &c->last_sweep, err);
    c->sweeps++;
    return rc;
}

/* local_keep_going - between pages of a node's own sweep. */
static int local_keep_going(void *arg)
{
    return !runner_stopping(arg);
}

/* async_local_run - a node's own sweep (PostgreSQL: every node sweeps;
 * the operations are claimed, core/async.h), skipped when the job row's
 * sweep ran here within the interval. */
static void async_local_run(struct runner *r, void *arg)
{
    struct jobs_ctx *c = arg;
    struct async_sweep_opts o = {0};
    struct rm_err err;
    int64_t period_ms =
        (c->async_interval_s > 0 ? c->async_interval_s : 60) * 1000;

    if (c->sweeps > 0 && clock_mono_ms() - c->swept_ms < period_ms)
        return;
    o.keep_going = local_keep_going;
    o.arg = r;
    c->swept_ms = clock_mono_ms();
    if (async_sweep(c->app, c->mc, &o, &c->last_sweep, &err) < 0)
        rm_log(LOG_ERROR, "async: node sweep: %s", err.msg);
    c->sweeps++;
}

int jobs_register_all(struct runner *r, struct app *app,
                      const struct mail_config *mc, struct jobs_ctx *ctx,
                      struct rm_err *err)
{
    struct runner_handler h = {0};
    int rc;

    ctx->app = app;
    ctx->mc = mc;
    memset(&ctx->last_sweep, 0, sizeof ctx->last_sweep);
    ctx->sweeps = 0;
    if (mc && mc->smtp_url) {
        memset(&ctx->mail, 0, sizeof ctx->mail);
        ctx->mail.mc = mc;
        if ((rc = mail_job_register(r, &ctx->mail, ctx->mail_interval_s, err)) <
            0)
            return rc;
        rm_log(LOG_INFO, "jobs: registered kind=%s", MAIL_JOB_KIND);
    } else {
        rm_log(LOG_WARN, "jobs: no [mail] smtp_url: mail stays in the outbox");
    }
    h.kind = ASYNC_JOB_KIND;
    h.run = async_job_run;
    h.arg = ctx;
    h.period_s = ctx->async_interval_s > 0 ? ctx->async_interval_s : 60;
    h.lease_s = 300; /* extended between pages (sweep_keep_going) */
    h.backoff_min_s = 30;
    h.backoff_max_s = h.period_s > 30 ? h.period_s : 30;
    if ((rc = runner_register(r, &h, 1, err)) < 0)
        return rc;
    rm_log(LOG_INFO, "jobs: registered kind=%s every=%" PRId64 "s",
           ASYNC_JOB_KIND, h.period_s);
    /* Several nodes on one PostgreSQL database: the job row above is run
     * by one node at a time, so every node also sweeps on its own; their
     * claims take disjoint operations. SQLite has one node: the row only. */
    if (strcmp(store_backend_name(app->st), "sqlite") != 0) {
        if ((rc = runner_every(r, ASYNC_JOB_KIND, h.period_s, async_local_run,
                               ctx, err)) < 0)
            return rc;
        rm_log(LOG_INFO, "jobs: every node sweeps every=%" PRId64 "s",
               h.period_s);
    }
    if ((rc = lifecycle_job_register(r, &ctx->lifecycle, app, mc, err)) < 0)
        return rc;
    if ((rc = prune_job_register(r, &ctx->prune, app, err)) < 0)
        return rc;
    return bulk_job_register(r, &ctx->bulk, app, err);
}
