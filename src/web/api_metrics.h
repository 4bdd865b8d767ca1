/*
 * api_metrics - the /metrics families about regman's work, read from the
 * database at each scrape (so every node of a cluster reports the same
 * numbers):
 *   regman_operations{state}                     gauge, operations by state
 *   regman_operations_pending                    gauge, pending operations
 *   regman_operations_pending_oldest_age_seconds gauge, 0 when none
 *   regman_registrar_call_duration_seconds{action}  histogram of the
 *                                                registrar log's durations
 *                                                of the last 24 hours
 *   regman_mail_outbox{state}                    gauge, queued/sent/failed
 *   regman_jobs{state}                           gauge, ready/held
 *   regman_jobs_lag_seconds                      gauge, how late the most
 *                                                overdue unleased ready job
 *                                                is (0 when none is due)
 */
#ifndef RM_WEB_API_METRICS_H
#define RM_WEB_API_METRICS_H

#include "util/err.h"
#include "web/metrics.h"

int api_metrics_register(struct metrics *m, struct rm_err *err);

#endif
