/*
 * test_views - core's read-only views: why a domain needs action, the
 * license hash of a connection, and the views on an empty database (no
 * rows, every figure zero, the days of the dashboard in order).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/app.h"
#include "unitdb.h"
#include "core/domview.h"
#include "core/license.h"
#include "core/opview.h"
#include "core/report.h"

#define DAY 86400

static struct dom_view dom(const char *status, bool autorenew, int64_t exp)
{
    struct dom_view v = {0};
    v.status = status;
    v.auto_renew = autorenew;
    v.expires_at = exp;
    v.warn_days = 30;
    v.renew_days = 14;
    return v;
}

static void needs_action(void **state)
{
    int64_t now = 1000 * DAY;
    struct dom_view v;
    (void)state;

    v = dom("active", false, now + 100 * DAY);
    assert_null(domview_needs_action(&v, now));
    v = dom("active", false, now + 10 * DAY);
    assert_string_equal(domview_needs_action(&v, now), "expiring");
    v = dom("active", false, now - 1);
    assert_string_equal(domview_needs_action(&v, now), "expired");
    v = dom("expired", true, 0);
    assert_string_equal(domview_needs_action(&v, now), "expired");
    /* auto-renew on: due 14 days before, a day's grace */
    v = dom("active", true, now + 10 * DAY);
    assert_string_equal(domview_needs_action(&v, now), "autorenew_failed");
    v = dom("active", true, now + 14 * DAY);
    assert_null(domview_needs_action(&v, now));
    v = dom("active", true, now + 100 * DAY);
    v.last_autorenew = "timed_out";
    assert_string_equal(domview_needs_action(&v, now), "autorenew_failed");
    v.last_autorenew = "succeeded";
    assert_null(domview_needs_action(&v, now));
    v = dom("registering", false, now - 1);
    assert_null(domview_needs_action(&v, now));
    assert_true(domview_live("active"));
    assert_false(domview_live("transferred_away"));
}

static void license_hash(void **state)
{
    struct conn c;
    struct rm_err err = {0};
    char *text = NULL, hex[65];
    (void)state;

    memset(&c, 0, sizeof c);
    assert_int_equal(license_of_conn(&c, &text, hex, &err), 0);
    assert_string_equal(text, "");
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb924"
                             "27ae41e4649b934ca495991b7852b855");
    free(text);
    c.license_text = "abc";
    assert_int_equal(license_of_conn(&c, &text, hex, &err), 0);
    assert_string_equal(text, "abc");
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
                             "b00361a396177a9cb410ff61f20015ad");
    free(text);
}

struct fx {
    char dir[256];
    char conf[300];
    struct app *app;
    struct unitdb db;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct rm_err err = {0};
    const char *tmp = getenv("TMPDIR");

    snprintf(f->dir, sizeof f->dir, "%s/rmviews.XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir))
        fail_msg("mkdtemp");
    if (unitdb_init_dir(&f->db, f->dir, &err) != 0)
        fail_msg("init: %s", err.msg);
    snprintf(f->conf, sizeof f->conf, "%s/regman.conf", f->dir);
    if (app_open(f->conf, APP_OPEN_STORE, &f->app, &err) != 0)
        fail_msg("app_open: %s", err.msg);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[600];

    app_close(f->app);
    unitdb_drop(&f->db);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        fail_msg("cleanup");
    free(f);
    return 0;
}

static void count_op(const struct op_view *v, void *arg)
{
    (void)v;
    (*(int *)arg)++;
}

static void count_dom(const struct dom_view *v, void *arg)
{
    (void)v;
    (*(int *)arg)++;
}

static void empty_db(void **state)
{
    struct fx *f = *state;
    struct rm_err err = {0};
    struct view_page p = {false, 0, 51, 0};
    struct opview_filter of = {0};
    struct domview_filter df = {0};
    struct report_stats st;
    int n = 0;
    bool yes = true, found = true;
    int64_t id = 0;

    assert_int_equal(opview_list(f->app, &of, &p, count_op, &n, &err), 0);
    assert_int_equal(opview_get(f->app, 1, count_op, &n, &found, &err), 0);
    assert_false(found);
    assert_int_equal(domview_list(f->app, &df, &p, count_dom, &n, &err), 0);
    assert_int_equal(domview_all(f->app, 0, NULL, NULL, count_dom, &n, &err),
                     0);
    assert_int_equal(n, 0);
    assert_int_equal(opview_latest_of_name(f->app, "none.com", &id, &err),
                     RM_ENOTFOUND);
    assert_int_equal(login_name_taken(f->app, "nobody", &yes, &err), 0);
    assert_false(yes);

    assert_int_equal(report_stats(f->app, 100, 106, &st, &err), 0);
    assert_int_equal(st.ndays, 7);
    for (size_t i = 0; i < st.ndays; i++) {
        assert_int_equal(st.days[i].day, 100 + (int64_t)i);
        assert_int_equal(st.days[i].nops, 0);
    }
    assert_true(st.have_now);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.charged, 0);
    report_stats_free(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(needs_action),
        cmocka_unit_test(license_hash),
        cmocka_unit_test_setup_teardown(empty_db, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
