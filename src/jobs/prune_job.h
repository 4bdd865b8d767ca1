/*
 * prune_job - registrar-log pruning (design section 6) as a periodic job
 * of the durable runner:
 *
 *   kind          period   first run     step
 *   reglog.prune  daily    03:00 UTC     reglog_prune (core/reglog.h)
 *
 * Deletes registrar_log rows older than [registrar] log_keep_days
 * (default 90) in batches of REGLOG_PRUNE_BATCH rows, one short write
 * transaction each. Between batches it stops when the runner is stopping
 * or the lease was lost, and extends the lease otherwise; rows left over
 * go at the next run. Deleting what is already gone deletes nothing, so a
 * repeated run is harmless (R4).
 *
 * Ownership: struct prune_job is the caller's and must outlive the runner;
 * app is borrowed and used on the runner's thread only.
 */
#ifndef RM_JOBS_PRUNE_JOB_H
#define RM_JOBS_PRUNE_JOB_H

#include <stdint.h>

#include "core/app.h"
#include "jobs/runner.h"

#define PRUNE_JOB_KIND "reglog.prune"
#define PRUNE_JOB_OFFSET_S (3 * 3600)
#define PRUNE_JOB_LEASE_S 600

struct prune_job {
    struct app *app;
    /* totals since registration, for logs and tests */
    int64_t deleted;
    int64_t runs;
};

/* prune_job_register - the kind above on r (first run at its slot). */
int prune_job_register(struct runner *r, struct prune_job *pj, struct app *app,
                       struct rm_err *err);

#endif
