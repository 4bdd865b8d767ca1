/*
 * mail_job - the mail sender job; see mail_job.h.
 */
#include "jobs/mail_job.h"

#include "core/outbox.h"

#include "util/log.h"

struct pass {
    struct runner *r;
    struct job *job;
    int lost;
};

/* keep_going - between messages: stop for shutdown, keep the lease. */
static int keep_going(void *arg)
{
    struct pass *p = arg;
    if (runner_stopping(p->r))
        return 0;
    struct rm_err e;
    if (runner_extend(p->r, p->job, &e) < 0) {
        rm_log(LOG_WARN, "%s", e.msg);
        p->lost = 1;
        return 0;
    }
    return 1;
}

static int run(struct runner *r, struct job *job, void *arg, struct rm_err *err)
{
    struct mail_job *mj = arg;
    int batch = mj->batch > 0 ? mj->batch : 50;
    struct pass p = {r, job, 0};
    for (;;) {
        struct mail_deliver_stats st;
        int rc = outbox_deliver_due(runner_store(r), mj->mc, runner_now(r),
                                    batch, keep_going, &p, &st, err);
        mj->total.sent += st.sent;
        mj->total.deferred += st.deferred;
        mj->total.failed += st.failed;
        if (rc < 0)
            return rc;
        if (st.sent || st.deferred || st.failed)
            rm_log(LOG_INFO, "job %lld %s: %d sent, %d deferred, %d failed",
                   (long long)job->id, job->kind, st.sent, st.deferred,
                   st.failed);
        if (p.lost || runner_stopping(r) ||
            st.sent + st.deferred + st.failed < batch)
            return 0;
    }
}

int mail_job_register(struct runner *r, struct mail_job *mj, int64_t interval_s,
                      struct rm_err *err)
{
    struct runner_handler h = {
        .kind = MAIL_JOB_KIND,
        .run = run,
        .arg = mj,
        .period_s = interval_s > 0 ? interval_s : 30,
        .lease_s = 120,
        .backoff_min_s = 30,
        .backoff_max_s = 600,
    };
    return runner_register(r, &h, 1, err);
}
