/*
 * metrics - families of samples rendered in the Prometheus text format
 * (see metrics.h).
 */
#include "web/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/xalloc.h"

struct family {
    char *name, *help;
    enum metric_type type;
    metrics_collect_fn *fn;
    void *arg;
};

struct metrics {
    struct family *fams;
    size_t n;
    _Atomic uint64_t errors;
};

struct metrics_out {
    const struct family *fam;
    struct buf *out;
};

struct metrics *metrics_new(void)
{
    return xcalloc(1, sizeof(struct metrics));
}

void metrics_free(struct metrics *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        free(m->fams[i].name);
        free(m->fams[i].help);
    }
    free(m->fams);
    free(m);
}

static bool name_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 200)
        return false;
    for (const char *p = s; *p; p++) {
        bool alpha = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     *p == '_' || *p == ':';
        bool digit = *p >= '0' && *p <= '9';
        if (!alpha && !(digit && p != s))
            return false;
    }
    return true;
}

int metrics_register(struct metrics *m, const char *name, const char *help,
                     enum metric_type type, metrics_collect_fn *fn, void *arg,
                     struct rm_err *err)
{
    if (!name_ok(name))
        return rm_err_set(err, RM_EINVAL, "metrics: bad metric name '%s'",
                          name ? name : "");
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->fams[i].name, name) == 0)
            return rm_err_set(err, RM_EINVAL, "metrics: '%s' registered twice",
                              name);
    m->fams = xrealloc(m->fams, (m->n + 1) * sizeof(*m->fams));
    m->fams[m->n] = (struct family){xstrdup(name), xstrdup(help ? help : ""),
                                    type, fn, arg};
    m->n++;
    return 0;
}

/* escape - HELP text escapes \ and newline; label values also ". */
static void escape(struct buf *b, const char *s, bool quote)
{
    for (; *s; s++) {
        if (*s == '\\')
            buf_adds(b, "\\\\");
        else if (*s == '\n')
            buf_adds(b, "\\n");
        else if (quote && *s == '"')
            buf_adds(b, "\\\"");
        else
            buf_addc(b, *s);
    }
}

static void add_value(struct buf *b, double v)
{
    if (isnan(v))
        buf_adds(b, "NaN");
    else if (isinf(v))
        buf_adds(b, v > 0 ? "+Inf" : "-Inf");
    else if (v == floor(v) && fabs(v) < 9.0e15)
        buf_addf(b, "%.0f", v);
    else
        buf_addf(b, "%.17g", v);
}

void metrics_emit(struct metrics_out *o, const char *suffix,
                  const char *const *labels, double value)
{
    struct buf *b = o->out;
    buf_adds(b, o->fam->name);
    if (suffix)
        buf_adds(b, suffix);
    if (labels && labels[0]) {
        buf_addc(b, '{');
        for (size_t i = 0; labels[i] && labels[i + 1]; i += 2) {
            if (i)
                buf_addc(b, ',');
            buf_adds(b, labels[i]);
            buf_adds(b, "=\"");
            escape(b, labels[i + 1], true);
            buf_addc(b, '"');
        }
        buf_addc(b, '}');
    }
    buf_addc(b, ' ');
    add_value(b, value);
    buf_addc(b, '\n');
}

void metrics_render(struct metrics *m, struct store *st, void *ctx,
                    struct buf *out)
{
    static const char *const types[] = {"counter", "gauge", "histogram"};
    for (size_t i = 0; i < m->n; i++) {
        const struct family *f = &m->fams[i];
        size_t mark = out->len;
        buf_addf(out, "# HELP %s ", f->name);
        escape(out, f->help, false);
        buf_addf(out, "\n# TYPE %s %s\n", f->name, types[f->type]);
        struct metrics_out o = {f, out};
        if (f->fn(f->arg, st, ctx, &o) < 0) {
            /* Drop the family's partial output: a half family misleads. */
            out->len = mark;
            out->data[mark] = '\0';
            atomic_fetch_add(&m->errors, 1);
            rm_log(LOG_WARN, "metrics: collecting %s failed", f->name);
        }
    }
    buf_adds(out, "# HELP regman_metrics_errors_total Metric families that "
                  "failed to collect.\n"
                  "# TYPE regman_metrics_errors_total counter\n");
    buf_addf(out, "regman_metrics_errors_total %llu\n",
             (unsigned long long)atomic_load(&m->errors));
}
