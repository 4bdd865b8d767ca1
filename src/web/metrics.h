/*
 * metrics - the registry behind /metrics (Prometheus text format 0.0.4).
 *
 * Other modules register a family once at start (name, help, type) with a
 * collect callback; each scrape calls every callback in registration
 * order on the scraping request's worker, and the callback emits the
 * family's samples with metrics_emit:
 *
 *   static int pending(void *arg, struct store *st, void *ctx,
 *                      struct metrics_out *o)
 *   {
 *       ... SELECT state, COUNT(*) ... per row:
 *       metrics_emit(o, NULL, (const char *[]){"state", state, NULL}, n);
 *       return 0;
 *   }
 *   metrics_register(m, "regman_operations", "Operations by state.",
 *                    METRIC_GAUGE, pending, NULL);
 *
 * A histogram callback emits its own "_bucket" (with an "le" label),
 * "_sum" and "_count" samples (suffix argument). Label values are escaped
 * here; names must match [a-zA-Z_:][a-zA-Z0-9_:]* (checked at register).
 * A callback that fails (negative return) contributes nothing and the
 * scrape continues; regman_metrics_errors_total counts such failures.
 *
 * Threads: register before the server starts; collection runs on any
 * server thread (the callback gets that request's worker).
 */
#ifndef RM_WEB_METRICS_H
#define RM_WEB_METRICS_H

#include <stddef.h>

#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"

struct metrics;
struct metrics_out;

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };

typedef int metrics_collect_fn(void *arg, struct store *st, void *ctx,
                               struct metrics_out *o);

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/* metrics_register - RM_EINVAL for a bad or duplicate name. */
int metrics_register(struct metrics *m, const char *name, const char *help,
                     enum metric_type type, metrics_collect_fn *fn, void *arg,
                     struct rm_err *err);

/* metrics_emit - one sample of the family being collected: the name plus
 * suffix (NULL or "_bucket", "_sum", "_count"), labels as key, value,
 * ..., NULL (labels may be NULL), the value. Integral values print
 * without a fraction; NaN/Inf print as Prometheus spells them. */
void metrics_emit(struct metrics_out *o, const char *suffix,
                  const char *const *labels, double value);

/* metrics_render - append every family to out; st/ctx are passed to the
 * callbacks. */
void metrics_render(struct metrics *m, struct store *st, void *ctx,
                    struct buf *out);

#endif
