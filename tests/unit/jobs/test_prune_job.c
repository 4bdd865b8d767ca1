/*
 * test_prune_job - registrar-log pruning: only rows older than
 * [registrar] log_keep_days go, in batches, by `regman log prune`'s
 * function and by the daily reglog.prune job; the setting's range.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/app.h"
#include "core/reglog.h"
#include "jobs/prune_job.h"
#include "jobs/runner.h"
#include "unitdb.h"
#include "util/log.h"

#define DAY 86400
#define NOW ((int64_t)1750000000)

struct fx {
    char dir[256];
    char conf[300];
    struct app *app;
    int64_t now;
    struct unitdb db; /* REGMAN_TEST_DB's backend */
};

static void write_conf(struct fx *f, const char *extra)
{
    FILE *fp;

    fp = fopen(f->conf, "a");
    assert_non_null(fp);
    fputs(extra, fp);
    fclose(fp);
}

static int setup_keep(void **state, const char *extra)
{
    struct fx *f = calloc(1, sizeof *f);
    struct rm_err err = {0};
    const char *tmp = getenv("TMPDIR");

    snprintf(f->dir, sizeof f->dir, "%s/rmprune.XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir))
        fail_msg("mkdtemp");
    if (unitdb_init_dir(&f->db, f->dir, &err) != 0)
        fail_msg("init: %s", err.msg);
    snprintf(f->conf, sizeof f->conf, "%s/regman.conf", f->dir);
    /* the template ends inside [registrar] */
    write_conf(f, extra);
    if (app_open(f->conf, APP_OPEN_STORE, &f->app, &err) != 0)
        fail_msg("app_open: %s", err.msg);
    f->now = NOW;
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_keep(state, "log_keep_days = 30\n");
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

static void insert_at(struct fx *f, int64_t at, const char *action)
{
    struct store_stmt *s;
    struct rm_err err = {0};

    if (store_prepare(f->app->st,
                      "INSERT INTO registrar_log (at, action, object, "
                      "request, outcome, duration_ms) VALUES (?, ?, "
                      "'DOMAIN', '<x/>', 'answered', 10)",
                      &s, &err) != 0)
        fail_msg("prepare: %s", err.msg);
    store_bind_int64(s, 1, at);
    store_bind_text(s, 2, action);
    assert_int_equal(store_step(s, &err), STORE_DONE);
    store_stmt_release(s);
}

static int64_t count(struct fx *f, const char *action)
{
    struct store_stmt *s;
    struct rm_err err = {0};
    int64_t n = -1;

    if (store_prepare(f->app->st,
                      "SELECT CAST(COUNT(*) AS BIGINT) FROM registrar_log "
                      "WHERE action = ?",
                      &s, &err) != 0)
        fail_msg("prepare: %s", err.msg);
    store_bind_text(s, 1, action);
    if (store_step(s, &err) == STORE_ROW)
        n = store_col_int64(s, 0);
    store_stmt_release(s);
    return n;
}

/* 25 rows older than 30 days, 1 exactly at the cutoff, 5 newer. */
static void fill(struct fx *f)
{
    int64_t cutoff = f->now - 30 * DAY;
    for (int i = 0; i < 25; i++)
        insert_at(f, cutoff - 1 - i * 3600, "OLD");
    insert_at(f, cutoff, "EDGE");
    for (int i = 0; i < 5; i++)
        insert_at(f, f->now - i * DAY, "NEW");
}

static void setting_is_read_with_its_default_and_range(void **state)
{
    static const struct {
        const char *line;
        int want; /* -1: refused */
    } cases[] = {
        {"", 90},
        {"log_keep_days = 1\n", 1},
        {"log_keep_days = 3650\n", 3650},
        {"log_keep_days = 0\n", -1},
        {"log_keep_days = 3651\n", -1},
        {"log_keep_days = ten\n", -1},
    };
    struct fx *f = *state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[400];
        struct app_settings set;
        struct rm_err err = {0};
        FILE *fp;

        snprintf(path, sizeof path, "%s/case.conf", f->dir);
        fp = fopen(path, "w");
        assert_non_null(fp);
        fprintf(fp, "[regman]\ndatabase = regman.db\n[registrar]\n%s",
                cases[i].line);
        fclose(fp);
        int rc = app_load_settings(path, &set, &err);
        if (cases[i].want < 0) {
            assert_int_equal(rc, RM_EINVAL);
            assert_non_null(strstr(err.msg, "log_keep_days"));
        } else {
            assert_int_equal(rc, 0);
            assert_int_equal(set.log_keep_days, cases[i].want);
            app_settings_release(&set);
        }
    }
    assert_int_equal(f->app->set.log_keep_days, 30);
}

static void dry_run_counts_old_rows_and_deletes_nothing(void **state)
{
    struct fx *f = *state;
    struct reglog_prune_opts o = {.dry_run = true};
    struct rm_err err = {0};
    int64_t n = -1;

    fill(f);
    assert_int_equal(reglog_prune(f->app, f->now, &o, &n, &err), 0);
    assert_int_equal(n, 25);
    assert_int_equal(count(f, "OLD"), 25);
}

static void
prune_deletes_only_rows_older_than_keep_days_in_batches(void **state)
{
    struct fx *f = *state;
    struct reglog_prune_opts o = {.batch = 7};
    struct rm_err err = {0};
    int64_t n = -1;

    fill(f);
    assert_int_equal(reglog_prune(f->app, f->now, &o, &n, &err), 0);
    assert_int_equal(n, 25);
    assert_int_equal(count(f, "OLD"), 0);
    assert_int_equal(count(f, "EDGE"), 1);
    assert_int_equal(count(f, "NEW"), 5);
    /* a second run finds nothing */
    assert_int_equal(reglog_prune(f->app, f->now, NULL, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(count(f, "NEW"), 5);
}

static int stop_after_first(void *arg)
{
    int *calls = arg;
    return ++*calls < 1;
}

static void keep_going_zero_stops_between_batches(void **state)
{
    struct fx *f = *state;
    int calls = 0;
    struct reglog_prune_opts o = {
        .batch = 10, .keep_going = stop_after_first, .arg = &calls};
    struct rm_err err = {0};
    int64_t n = -1;

    fill(f);
    assert_int_equal(reglog_prune(f->app, f->now, &o, &n, &err), 0);
    assert_int_equal(n, 10);
    assert_int_equal(calls, 1);
    assert_int_equal(count(f, "OLD"), 15);
    assert_int_equal(count(f, "NEW"), 5);
}

static int64_t fake_now(void *arg)
{
    return *(int64_t *)arg;
}

static void daily_job_prunes_at_its_slot(void **state)
{
    struct fx *f = *state;
    struct runner_opts ro = {
        .owner = "t:1", .now = fake_now, .now_arg = &f->now};
    struct runner *r;
    struct prune_job pj;
    struct rm_err err = {0};
    int ran = -1;

    fill(f);
    assert_int_equal(runner_new(f->app->st, &ro, &r, &err), 0);
    assert_int_equal(prune_job_register(r, &pj, f->app, &err), 0);
    /* not due at registration: the first run is at 03:00 UTC */
    assert_int_equal(runner_run_due(r, 0, &ran, &err), 0);
    assert_int_equal(ran, 0);
    assert_int_equal(count(f, "OLD"), 25);
    f->now = runner_next_slot(NOW, DAY, PRUNE_JOB_OFFSET_S);
    assert_int_equal(runner_run_due(r, 0, &ran, &err), 0);
    assert_int_equal(ran, 1);
    assert_int_equal(pj.runs, 1);
    /* the cutoff follows the job's clock: the slot is later than NOW, so
     * the EDGE row is past keep_days too */
    assert_int_equal(pj.deleted, 26);
    assert_int_equal(count(f, "OLD"), 0);
    assert_int_equal(count(f, "EDGE"), 0);
    assert_int_equal(count(f, "NEW"), 5);
    /* the periodic row moved a day on */
    assert_int_equal(runner_run_due(r, 0, &ran, &err), 0);
    assert_int_equal(ran, 0);
    runner_free(r);
}

int main(void)
{
    rm_log_init("test_prune_job", LOG_FATAL);
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(setting_is_read_with_its_default_and_range),
        T(dry_run_counts_old_rows_and_deletes_nothing),
        T(prune_deletes_only_rows_older_than_keep_days_in_batches),
        T(keep_going_zero_stops_between_batches),
        T(daily_job_prunes_at_its_slot),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
