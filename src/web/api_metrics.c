/*
 * api_metrics - database-backed /metrics families (contract in
 * api_metrics.h).
 */
#include "web/api_metrics.h"

#include <stdio.h>
#include <string.h>

#include "core/events.h"
#include "core/stats.h"
#include "util/clock.h"

/* The histogram covers the last day of the registrar log only: reading
 * every row on each scrape grows with the log's age, while a window on
 * `at` is a range scan of the registrar_log_at index. */
#define LATENCY_WINDOW_S (24 * 3600)

/* Upper bounds of the latency buckets as Prometheus "le" labels in
 * seconds: stats_latency_le_ms (core/stats.h) in milliseconds, the log's
 * unit. */
static const char *const bucket_le[] = {
    "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "60"};
#define NBUCKETS (sizeof bucket_le / sizeof bucket_le[0])
_Static_assert(NBUCKETS == STATS_LATENCY_BUCKETS,
               "a label for each bucket of core/stats.h");

/* struct fixed_counts - the counts of a fixed list of names. */
struct fixed_counts {
    const char *const *names;
    size_t n;
    double v[16];
};

static int count_fixed(void *arg, const char *key, int64_t count)
{
    struct fixed_counts *f = arg;
    for (size_t i = 0; i < f->n; i++)
        if (key && strcmp(key, f->names[i]) == 0) {
            f->v[i] = (double)count;
            break;
        }
    return 0;
}

typedef int group_query_fn(struct store *st, stats_group_fn *fn, void *arg,
                           struct rm_err *err);

/* by_label - the groups of query as samples of one label, with every name
 * of fixed emitted (0 when absent). */
static int by_label(struct store *st, group_query_fn *query, const char *label,
                    const char *const *fixed, struct metrics_out *o)
{
    struct rm_err e;
    struct fixed_counts f = {.names = fixed};
    while (fixed[f.n])
        f.n++;
    int rc = query(st, count_fixed, &f, &e);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < f.n; i++)
        metrics_emit(o, NULL, (const char *[]){label, fixed[i], NULL}, f.v[i]);
    return 0;
}

static int collect_ops(void *arg, struct store *st, void *ctx,
                       struct metrics_out *o)
{
    static const char *const states[] = {"new",       "sending", "pending",
                                         "succeeded", "failed",  "timed_out",
                                         "cancelled", NULL};
    return by_label(st, stats_operations_by_state, "state", states, o);
}

/* collect_watch - refunded operations by what the registrar did after
 * the refund (design section 4 rule 9, core/watch.h). */
static int collect_watch(void *arg, struct store *st, void *ctx,
                         struct metrics_out *o)
{
    static const char *const watches[] = {"watching", "ended",   "late",
                                          "assigned", "revoked", "expiring",
                                          "absorbed", NULL};
    return by_label(st, stats_operations_by_watch, "watch", watches, o);
}

static int collect_pending(void *arg, struct store *st, void *ctx,
                           struct metrics_out *o)
{
    int64_t n = 0, oldest = 0;
    struct rm_err e;
    int rc = stats_pending(st, &n, &oldest, &e);
    if (rc < 0)
        return rc;
    metrics_emit(o, NULL, NULL, (double)n);
    return 0;
}

static int collect_pending_age(void *arg, struct store *st, void *ctx,
                               struct metrics_out *o)
{
    int64_t n = 0, oldest = 0, now = clock_now();
    struct rm_err e;
    int rc = stats_pending(st, &n, &oldest, &e);
    if (rc < 0)
        return rc;
    metrics_emit(o, NULL, NULL,
                 n && oldest && now > oldest ? (double)(now - oldest) : 0.0);
    return 0;
}

static int emit_latency(void *arg, const struct stats_latency *row)
{
    struct metrics_out *o = arg;
    const char *action = row->action;
    for (size_t i = 0; i < NBUCKETS; i++)
        metrics_emit(
            o, "_bucket",
            (const char *[]){"action", action, "le", bucket_le[i], NULL},
            (double)row->le[i]);
    metrics_emit(o, "_bucket",
                 (const char *[]){"action", action, "le", "+Inf", NULL},
                 (double)row->count);
    metrics_emit(o, "_sum", (const char *[]){"action", action, NULL},
                 (double)row->sum_ms / 1000.0);
    metrics_emit(o, "_count", (const char *[]){"action", action, NULL},
                 (double)row->count);
    return 0;
}

static int collect_latency(void *arg, struct store *st, void *ctx,
                           struct metrics_out *o)
{
    struct rm_err e;
    return stats_registrar_latency(st, clock_now() - LATENCY_WINDOW_S,
                                   emit_latency, o, &e);
}

static int collect_mail(void *arg, struct store *st, void *ctx,
                        struct metrics_out *o)
{
    static const char *const states[] = {"queued", "sent", "failed", NULL};
    return by_label(st, stats_mail_by_state, "state", states, o);
}

static int collect_jobs(void *arg, struct store *st, void *ctx,
                        struct metrics_out *o)
{
    static const char *const states[] = {"ready", "held", NULL};
    return by_label(st, stats_jobs_by_state, "state", states, o);
}

static int collect_job_lag(void *arg, struct store *st, void *ctx,
                           struct metrics_out *o)
{
    struct rm_err e;
    int64_t now = clock_now(), due = 0;
    int rc = stats_job_due(st, now, &due, &e);
    if (rc < 0)
        return rc;
    metrics_emit(o, NULL, NULL, due && now > due ? (double)(now - due) : 0.0);
    return 0;
}

/* The event streams: one sample per connection with events on. */
enum stream_metric {
    STREAM_HEALTHY,
    STREAM_RECEIVED,
    STREAM_UNKNOWN,
    STREAM_AGE
};

struct stream_ctx {
    struct metrics_out *o;
    enum stream_metric which;
    int64_t now;
};

static int emit_stream(const struct events_health *h, void *arg)
{
    struct stream_ctx *x = arg;
    const char *labels[] = {"connection", h->title, NULL};
    double v = 0;

    if (!h->on)
        return 0;
    switch (x->which) {
    case STREAM_HEALTHY:
        v = h->healthy ? 1 : 0;
        break;
    case STREAM_RECEIVED:
        v = (double)h->received;
        break;
    case STREAM_UNKNOWN:
        v = (double)h->unknown;
        break;
    case STREAM_AGE:
        v = h->last_ok_at && x->now > h->last_ok_at
                ? (double)(x->now - h->last_ok_at)
                : 0;
        break;
    }
    metrics_emit(x->o, NULL, labels, v);
    return 0;
}

static int collect_stream(struct store *st, enum stream_metric which,
                          struct metrics_out *o)
{
    struct rm_err e;
    struct stream_ctx x = {o, which, clock_now()};
    return events_health_list(st, x.now, emit_stream, &x, &e);
}

static int collect_stream_healthy(void *arg, struct store *st, void *ctx,
                                  struct metrics_out *o)
{
    return collect_stream(st, STREAM_HEALTHY, o);
}

static int collect_stream_received(void *arg, struct store *st, void *ctx,
                                   struct metrics_out *o)
{
    return collect_stream(st, STREAM_RECEIVED, o);
}

static int collect_stream_unknown(void *arg, struct store *st, void *ctx,
                                  struct metrics_out *o)
{
    return collect_stream(st, STREAM_UNKNOWN, o);
}

static int collect_stream_age(void *arg, struct store *st, void *ctx,
                              struct metrics_out *o)
{
    return collect_stream(st, STREAM_AGE, o);
}

int api_metrics_register(struct metrics *m, struct rm_err *err)
{
    static const struct {
        const char *name, *help;
        enum metric_type type;
        metrics_collect_fn *fn;
    } fams[] = {
        {"regman_operations", "Operations by state.", METRIC_GAUGE,
         collect_ops},
        {"regman_operations_pending", "Operations waiting for the registrar.",
         METRIC_GAUGE, collect_pending},
        {"regman_operations_watched",
         "Refunded operations by what the registrar did after the refund "
         "(late: completed there, awaiting the admin's decision).",
         METRIC_GAUGE, collect_watch},
        {"regman_operations_pending_oldest_age_seconds",
         "Age of the oldest pending operation.", METRIC_GAUGE,
         collect_pending_age},
        {"regman_registrar_call_duration_seconds",
         "Registrar request durations by action, over the registrar log's "
         "last 24 hours.",
         METRIC_HISTOGRAM, collect_latency},
        {"regman_mail_outbox", "Mail outbox rows by state.", METRIC_GAUGE,
         collect_mail},
        {"regman_jobs", "Jobs by state.", METRIC_GAUGE, collect_jobs},
        {"regman_jobs_lag_seconds",
         "How long the most overdue job has been waiting for a runner.",
         METRIC_GAUGE, collect_job_lag},
        {"regman_events_stream_healthy",
         "1 while a connection's event stream is healthy (per-operation "
         "checks are the fallback), 0 while regman polls each operation "
         "at its interval.",
         METRIC_GAUGE, collect_stream_healthy},
        {"regman_events_received_total",
         "Events read from a connection's stream.", METRIC_COUNTER,
         collect_stream_received},
        {"regman_events_unknown",
         "Events about an order or domain regman does not know, kept for "
         "the admin.",
         METRIC_GAUGE, collect_stream_unknown},
        {"regman_events_last_read_age_seconds",
         "Seconds since a connection's stream last answered a poll.",
         METRIC_GAUGE, collect_stream_age},
    };
    for (size_t i = 0; i < sizeof fams / sizeof fams[0]; i++) {
        int rc = metrics_register(m, fams[i].name, fams[i].help, fams[i].type,
                                  fams[i].fn, NULL, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}
