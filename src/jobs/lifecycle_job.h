/*
 * lifecycle_job - the daily lifecycle steps (core/lifecycle.h) as periodic
 * jobs of the durable runner:
 *
 *   kind                 period   first run            step
 *   lifecycle.expire     daily    00:15 UTC, and now   lifecycle_expire
 *   lifecycle.warnings   daily    01:00 UTC, and now   lifecycle_warnings
 *   lifecycle.renew      daily    02:00 UTC, and now   lifecycle_renew
 *   lifecycle.sync       daily    04:00 UTC            lifecycle_sync
 *
 * Every step is idempotent (lifecycle.h), so a run repeated after a crash
 * or a lost lease changes nothing twice. A long run keeps its lease: the
 * step's keep_going callback extends it (runner_extend) at most every
 * lease_s / 4 seconds and stops the step when the runner is stopping or
 * the lease was lost. A step with failed items fails the job, which backs
 * off (bounded) and runs again.
 *
 * Ownership: struct lifecycle_job is the caller's and must outlive the
 * runner; app and mc are borrowed and used on the runner's thread only.
 */
#ifndef RM_JOBS_LIFECYCLE_JOB_H
#define RM_JOBS_LIFECYCLE_JOB_H

#include <stdint.h>

#include "core/app.h"
#include "core/lifecycle.h"
#include "jobs/runner.h"
#include "mail/mail.h"

#define LIFECYCLE_JOB_EXPIRE "lifecycle.expire"
#define LIFECYCLE_JOB_WARNINGS "lifecycle.warnings"
#define LIFECYCLE_JOB_RENEW "lifecycle.renew"
#define LIFECYCLE_JOB_SYNC "lifecycle.sync"
#define LIFECYCLE_JOB_LEASE_S 600

struct lifecycle_job {
    struct app *app;
    const struct mail_config *mc; /* may be NULL: no mail */
    /* totals since registration, for logs and tests */
    struct lifecycle_stats total;
    int64_t runs;
};

/* lifecycle_job_register - the four kinds above on r. */
int lifecycle_job_register(struct runner *r, struct lifecycle_job *lj,
                           struct app *app, const struct mail_config *mc,
                           struct rm_err *err);

#endif
