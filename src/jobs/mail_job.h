/*
 * mail_job - the mail sender job: kind "mail.send", periodic, delivers due
 * mail_outbox rows (core/outbox.h) in batches.
 *
 * Each run calls outbox_deliver_due() until a batch comes back short, the
 * runner is stopping or the job's lease is lost; before every message the
 * lease is extended (runner_extend), so a long queue never lets a second
 * runner take the job and send the same rows in parallel. Rows that fail
 * are rescheduled by outbox_deliver_due with its bounded backoff; the job
 * itself fails (and backs off) only when the store does.
 *
 * Ownership: struct mail_job is the caller's and must outlive the runner;
 * mc is borrowed.
 */
#ifndef RM_JOBS_MAIL_JOB_H
#define RM_JOBS_MAIL_JOB_H

#include <stdint.h>

#include "jobs/runner.h"
#include "mail/mail.h"

#define MAIL_JOB_KIND "mail.send"

struct mail_job {
    const struct mail_config *mc;
    int batch; /* rows per outbox_deliver_due call; 0 = 50 */
    /* Totals since registration, for logs and tests. */
    struct mail_deliver_stats total;
};

/* mail_job_register - register the handler on r, due now and then every
 * interval_s seconds (0 = 30). */
int mail_job_register(struct runner *r, struct mail_job *mj, int64_t interval_s,
                      struct rm_err *err);

#endif
