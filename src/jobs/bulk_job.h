/*
 * bulk_job - a bulk run (core/bulk.h) worked by the daemon: one-shot jobs
 * of kind BULK_JOB_KIND, dedup key "run:ID", payload the run's id, added
 * by bulk_create (the API's POST /api/v1/bulk) in the transaction that
 * records the run.
 *
 * The handler calls bulk_execute: items are claimed one by one, so a CLI
 * working the same run at the same time never runs an item twice (B1).
 * Between items it stops when the runner is stopping or the lease was
 * lost, and extends the lease otherwise. A run not done yet (stopped, or
 * items held by another live worker) comes back after BULK_JOB_AGAIN_S
 * (job.again_at); a done run deletes the job.
 *
 * Ownership: struct bulk_job is the caller's and must outlive the runner;
 * app is borrowed and used on the runner's thread only.
 */
#ifndef RM_JOBS_BULK_JOB_H
#define RM_JOBS_BULK_JOB_H

#include <stdint.h>

#include "core/app.h"
#include "jobs/runner.h"

#define BULK_JOB_LEASE_S 300
#define BULK_JOB_AGAIN_S 5

struct bulk_job {
    struct app *app;
    int64_t runs; /* jobs run, for logs and tests */
};

/* bulk_job_register - the kind above on r. */
int bulk_job_register(struct runner *r, struct bulk_job *bj, struct app *app,
                      struct rm_err *err);

#endif
