/*
 * test_metrics - registration rules and the Prometheus text rendering.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "web/metrics.h"

static int two_states(void *arg, struct store *st, void *ctx,
                      struct metrics_out *o)
{
    metrics_emit(o, NULL, (const char *const[]){"state", "pending", NULL}, 3);
    metrics_emit(o, NULL, (const char *const[]){"state", "a\"b\\c\nd", NULL},
                 0.5);
    return 0;
}

static int histogram(void *arg, struct store *st, void *ctx,
                     struct metrics_out *o)
{
    metrics_emit(o, "_bucket",
                 (const char *const[]){"action", "register", "le", "0.5", NULL},
                 1);
    metrics_emit(o, "_sum", (const char *const[]){"action", "register", NULL},
                 0.25);
    metrics_emit(o, "_count", (const char *const[]){"action", "register", NULL},
                 1);
    return 0;
}

static int failing(void *arg, struct store *st, void *ctx,
                   struct metrics_out *o)
{
    metrics_emit(o, NULL, NULL, 1);
    return -1;
}

static void renders_help_type_and_escaped_labels(void **state)
{
    struct metrics *m = metrics_new();
    struct rm_err err;
    assert_int_equal(metrics_register(m, "regman_ops", "Ops\nby state.",
                                      METRIC_GAUGE, two_states, NULL, &err),
                     0);
    assert_int_equal(metrics_register(m, "regman_latency_seconds", "Lat.",
                                      METRIC_HISTOGRAM, histogram, NULL, &err),
                     0);
    struct buf b;
    buf_init(&b);
    metrics_render(m, NULL, NULL, &b);
    const char *want =
        "# HELP regman_ops Ops\\nby state.\n"
        "# TYPE regman_ops gauge\n"
        "regman_ops{state=\"pending\"} 3\n"
        "regman_ops{state=\"a\\\"b\\\\c\\nd\"} 0.5\n"
        "# HELP regman_latency_seconds Lat.\n"
        "# TYPE regman_latency_seconds histogram\n"
        "regman_latency_seconds_bucket{action=\"register\",le=\"0.5\"} 1\n"
        "regman_latency_seconds_sum{action=\"register\"} 0.25\n"
        "regman_latency_seconds_count{action=\"register\"} 1\n";
    assert_int_equal(strncmp(b.data, want, strlen(want)), 0);
    assert_non_null(strstr(b.data, "regman_metrics_errors_total 0\n"));
    buf_release(&b);
    metrics_free(m);
}

static void a_failing_family_is_dropped_and_counted(void **state)
{
    struct metrics *m = metrics_new();
    struct rm_err err;
    metrics_register(m, "regman_bad", "x", METRIC_COUNTER, failing, NULL, &err);
    struct buf b;
    buf_init(&b);
    metrics_render(m, NULL, NULL, &b);
    assert_null(strstr(b.data, "regman_bad"));
    assert_non_null(strstr(b.data, "regman_metrics_errors_total 1\n"));
    buf_release(&b);
    metrics_free(m);
}

static void bad_and_duplicate_names_are_refused(void **state)
{
    struct metrics *m = metrics_new();
    struct rm_err err;
    static const char *const bad[] = {"", "1abc", "a-b", "a b", "é"};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(
            metrics_register(m, bad[i], "", METRIC_GAUGE, failing, NULL, &err),
            RM_EINVAL);
    assert_int_equal(
        metrics_register(m, "ok_name:x", "", METRIC_GAUGE, failing, NULL, &err),
        0);
    assert_int_equal(
        metrics_register(m, "ok_name:x", "", METRIC_GAUGE, failing, NULL, &err),
        RM_EINVAL);
    metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(renders_help_type_and_escaped_labels),
        cmocka_unit_test(a_failing_family_is_dropped_and_counted),
        cmocka_unit_test(bad_and_duplicate_names_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
