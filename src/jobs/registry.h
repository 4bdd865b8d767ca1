/*
 * registry - every job kind regman runs, registered on one runner:
 *   mail.send    (jobs/mail_job.h) when [mail] smtp_url is set: without it
 *                mail is queued and stays queued (mail.h);
 *   async.sweep  (core/async.h) every async_interval_s (default 60 s):
 *                one Async Manager sweep per run; the job's lease is
 *                extended between pages of operations, and the sweep stops
 *                early when the runner is stopping or the lease was lost.
 *                On PostgreSQL (several nodes may share the database) every
 *                node also sweeps on its own every async_interval_s, as a
 *                node-local task of its runner (runner_every), skipped when
 *                the job row's sweep ran on it within the interval: the
 *                sweeps claim disjoint operations (core/async.h A3). Not a
 *                job row per node: node names change at every start, so
 *                rows of stopped nodes would pile up and be leased by live
 *                ones; the claimed unit is the operation, not the sweep.
 *   lifecycle.expire, lifecycle.warnings, lifecycle.renew, lifecycle.sync
 *                (jobs/lifecycle_job.h) daily: expiry marking, expiry
 *                warnings, auto-renew with last-chance alerts, portfolio
 *                sync.
 *   reglog.prune (jobs/prune_job.h) daily at 03:00 UTC: deletes
 *                registrar_log rows older than [registrar] log_keep_days.
 *   bulk         (jobs/bulk_job.h) one-shot, one per bulk run the API
 *                started: its items worked one by one (core/bulk.h).
 * Job kinds added later register here too, so `regman serve` (and any
 * other runner) calls just jobs_register_all.
 *
 * Ownership: struct jobs_ctx is the caller's and must outlive the runner;
 * app and mc are borrowed. The handlers run on the runner's thread and
 * use app (and its store) there: give the runner app->st.
 */
#ifndef RM_JOBS_REGISTRY_H
#define RM_JOBS_REGISTRY_H

#include <stdint.h>

#include "core/app.h"
#include "core/async.h"
#include "jobs/bulk_job.h"
#include "jobs/lifecycle_job.h"
#include "jobs/mail_job.h"
#include "jobs/prune_job.h"
#include "jobs/runner.h"
#include "mail/mail.h"

struct jobs_ctx {
    /* in: set before jobs_register_all; 0 = the default */
    int64_t async_interval_s; /* 60 */
    int64_t mail_interval_s;  /* 30 (mail_job.h) */
    /* filled by jobs_register_all */
    struct app *app;
    const struct mail_config *mc;
    struct mail_job mail;
    struct async_sweep_stats last_sweep; /* of the newest sweep */
    struct lifecycle_job lifecycle;      /* lifecycle_job.h */
    struct prune_job prune;              /* prune_job.h */
    struct bulk_job bulk;                /* bulk_job.h */
    int64_t sweeps;                      /* sweeps run */
    int64_t swept_ms; /* monotonic ms at the start of the newest sweep */
};

/* jobs_register_all - register every job kind on r (periodic ones due
 * now). */
int jobs_register_all(struct runner *r, struct app *app,
                      const struct mail_config *mc, struct jobs_ctx *ctx,
                      struct rm_err *err);

#endif
