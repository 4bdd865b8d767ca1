/*
 * stats - counts of regman's work read from the database, for /metrics
 * (web/api_metrics.h renders them). Every node of a cluster reads the
 * same rows, so every node reports the same numbers.
 *
 * The grouped counts call fn(arg, key, count) once per group present in
 * the table (a group with no rows is not reported; key may be NULL for a
 * NULL value); a negative return from fn stops and is returned.
 * Functions return 0 or a negative rm_errcode with err filled.
 */
#ifndef RM_CORE_STATS_H
#define RM_CORE_STATS_H

#include <stdint.h>

#include "store/store.h"
#include "util/err.h"

typedef int stats_group_fn(void *arg, const char *key, int64_t count);

/* Operations by state. */
int stats_operations_by_state(struct store *st, stats_group_fn *fn, void *arg,
                              struct rm_err *err);
/* Refunded (watched) operations by watch state; unwatched ones are left
 * out. */
int stats_operations_by_watch(struct store *st, stats_group_fn *fn, void *arg,
                              struct rm_err *err);
/* Mail outbox rows by state. */
int stats_mail_by_state(struct store *st, stats_group_fn *fn, void *arg,
                        struct rm_err *err);
/* Jobs by state. */
int stats_jobs_by_state(struct store *st, stats_group_fn *fn, void *arg,
                        struct rm_err *err);

/* stats_pending - how many operations are pending and the created_at of
 * the oldest (0 when none). */
int stats_pending(struct store *st, int64_t *n, int64_t *oldest,
                  struct rm_err *err);

/* stats_job_due - the run_at of the most overdue job: ready, due at now,
 * not under an unexpired lease; 0 when none is due. */
int stats_job_due(struct store *st, int64_t now, int64_t *due,
                  struct rm_err *err);

/* Registrar request durations: the upper bounds of the histogram's
 * buckets in milliseconds (the registrar log's unit). */
#define STATS_LATENCY_BUCKETS 11
extern const int64_t stats_latency_le_ms[STATS_LATENCY_BUCKETS];

struct stats_latency {
    const char *action; /* valid during the callback */
    int64_t count;      /* requests */
    int64_t sum_ms;     /* their total duration */
    /* requests at or below stats_latency_le_ms[i] */
    int64_t le[STATS_LATENCY_BUCKETS];
};

/* stats_registrar_latency - per action (in action order), the registrar
 * log rows at or after since: fn(arg, row) for each. */
int stats_registrar_latency(struct store *st, int64_t since,
                            int (*fn)(void *arg,
                                      const struct stats_latency *row),
                            void *arg, struct rm_err *err);

#endif
