/*
 * test_reglog - registrar log rows survive a write that fails: on a
 * database that is full (SQLite max_page_count lowered on the test's own
 * connection) a row is kept in memory with its time, written by the next
 * write or flush once there is room again, in order; the memory is
 * bounded and what does not fit, or is still kept at exit, goes to the
 * log, one line per row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/app.h"
#include "core/reglog.h"
#include "util/clock.h"
#include "util/log.h"
#include "unitdb.h"

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

    snprintf(f->dir, sizeof f->dir, "%s/rmreglog.XXXXXX", tmp ? tmp : "/tmp");
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

    reglog_spill(); /* nothing carries over to the next case */
    app_close(f->app);
    unitdb_drop(&f->db);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        fail_msg("cleanup");
    free(f);
    return 0;
}

static int64_t q1(struct fx *f, const char *sql)
{
    struct store_stmt *s;
    struct rm_err err = {0};
    int64_t v = -1;

    if (store_prepare(f->app->st, sql, &s, &err) != 0)
        fail_msg("prepare %s: %s", sql, err.msg);
    if (store_step(s, &err) == STORE_ROW)
        v = store_col_int64(s, 0);
    store_stmt_release(s);
    return v;
}

/* disk_full - no row may be added to the database any more (on) or
 * again (off), for a reason that is not the row's: on SQLite a full disk
 * (no page may be added, on this connection), on PostgreSQL a read-only
 * session (there is no disk to fill on the test's cluster). */
static void disk_full(struct fx *f, int on)
{
    char sql[64];
    struct store_stmt *s;
    struct rm_err err = {0};

    if (f->db.pg)
        snprintf(sql, sizeof sql, "SET default_transaction_read_only = %s",
                 on ? "on" : "off");
    else
        snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld",
                 on ? (long long)q1(f, "PRAGMA page_count") : 1000000000LL);
    if (store_prepare(f->app->st, sql, &s, &err) != 0)
        fail_msg("prepare: %s", err.msg);
    (void)store_step(s, &err);
    store_stmt_release(s);
}

/* An exchange whose request needs new pages (64 KiB of XML). */
static char big[64 * 1024];

static struct reglog_entry entry(const char *action, const char *request)
{
    struct reglog_entry e = {
        .action = action,
        .object = "DOMAIN",
        .domain = "example.com",
        .request = request,
        .response = "<ok/>",
        .http_status = 200,
        .outcome = "answered",
        .duration_ms = 12,
        .error = "",
    };
    return e;
}

static int64_t rows(struct fx *f)
{
    return q1(f, "SELECT CAST(COUNT(*) AS BIGINT) FROM registrar_log");
}

/* capture - stderr into a file while on; returns the lines written. */
static int saved_fd = -1;
static char cap_path[400];

static void capture_start(struct fx *f)
{
    int fd;

    snprintf(cap_path, sizeof cap_path, "%s/stderr.txt", f->dir);
    fflush(stderr);
    saved_fd = dup(2);
    fd = open(cap_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved_fd >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
}

static int capture_stop(char *first, size_t n)
{
    int lines = 0, c, prev = '\n';
    FILE *in;

    fflush(stderr);
    dup2(saved_fd, 2);
    close(saved_fd);
    in = fopen(cap_path, "r");
    assert_non_null(in);
    if (first && !fgets(first, (int)n, in))
        first[0] = '\0';
    rewind(in);
    while ((c = fgetc(in)) != EOF) {
        if (c == '\n')
            lines++;
        prev = c;
    }
    fclose(in);
    assert_int_equal(prev, '\n');
    return lines;
}

static void failed_write_is_kept_and_written_by_the_next(void **state)
{
    struct fx *f = *state;
    struct reglog_entry e1 = entry("SW_REGISTER", big);
    struct reglog_entry e2 = entry("GET_ORDER_INFO", "<small/>");
    struct rm_err err = {0};
    int64_t t0 = clock_now();

    disk_full(f, 1);
    assert_int_equal(reglog_record(f->app, 0, 0, &e1, &err), REGLOG_KEPT);
    assert_non_null(strstr(err.msg, f->db.pg ? "read-only" : "full"));
    assert_int_equal(rows(f), 0);
    assert_int_equal(reglog_kept(), 1);

    disk_full(f, 0);
    assert_int_equal(reglog_record(f->app, 0, 0, &e2, &err), 0);
    assert_int_equal(reglog_kept(), 0);
    assert_int_equal(rows(f), 2);
    /* the kept row first, with the time of its exchange and all of it */
    assert_int_equal(
        q1(f, "SELECT COUNT(*) FROM registrar_log WHERE id = (SELECT "
              "MIN(id) FROM registrar_log) AND action = 'SW_REGISTER' AND "
              "length(request) = 65535 AND response = '<ok/>' AND "
              "http_status = 200 AND outcome = 'answered' AND "
              "domain = 'example.com' AND duration_ms = 12"),
        1);
    int64_t at = q1(f, "SELECT at FROM registrar_log WHERE action = "
                       "'SW_REGISTER'");
    assert_true(at >= t0 && at <= clock_now());
}

static void kept_rows_are_written_by_a_flush_once_there_is_room(void **state)
{
    struct fx *f = *state;
    struct reglog_entry e = entry("SW_REGISTER", big);
    struct rm_err err = {0};
    int n = -1;

    disk_full(f, 1);
    for (int i = 0; i < 3; i++)
        assert_int_equal(reglog_record(f->app, 0, 0, &e, &err), REGLOG_KEPT);
    assert_int_equal(reglog_kept(), 3);
    /* still full: the flush fails and keeps them all */
    assert_true(reglog_flush(f->app, &n, &err) < 0);
    assert_int_equal(n, 0);
    assert_int_equal(reglog_kept(), 3);
    assert_int_equal(rows(f), 0);

    disk_full(f, 0);
    assert_int_equal(reglog_flush(f->app, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(reglog_kept(), 0);
    assert_int_equal(rows(f), 3);
    /* nothing left: a second flush writes nothing */
    assert_int_equal(reglog_flush(f->app, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(rows(f), 3);
}

/* A kept row the database refuses for good (a connection that does not
 * exist) goes to the log; the rows before and after it are written. */
static void a_refused_row_is_spilled_and_the_others_written(void **state)
{
    struct fx *f = *state;
    struct reglog_entry e = entry("SW_REGISTER", "<x/>");
    struct rm_err err = {0};
    int n = -1;

    reglog_keep(clock_now(), 0, 0, &e);
    reglog_keep(clock_now(), 999999, 0, &e);
    reglog_keep(clock_now(), 0, 0, &e);
    capture_start(f);
    assert_int_equal(reglog_flush(f->app, &n, &err), 0);
    assert_int_equal(capture_stop(NULL, 0), 1);
    assert_int_equal(n, 2);
    assert_int_equal(reglog_kept(), 0);
    assert_int_equal(rows(f), 2);
}

/* An answer that is not UTF-8 (Latin-1 here) is stored, each bad byte
 * as U+FFFD: PostgreSQL would refuse it as it came. */
static void an_answer_that_is_not_utf8_is_stored_cleaned(void **state)
{
    struct fx *f = *state;
    struct reglog_entry e = entry("SW_REGISTER", "<x/>");
    struct rm_err err = {0};

    e.response = "<text>M\xFCller</text>";
    assert_int_equal(reglog_record(f->app, 0, 0, &e, &err), 0);
    assert_int_equal(reglog_kept(), 0);
    assert_int_equal(q1(f, "SELECT COUNT(*) FROM registrar_log WHERE "
                           "response = '<text>M\xEF\xBF\xBD"
                           "ller</text>'"),
                     1);
}

static void a_flush_inside_a_transaction_waits(void **state)
{
    struct fx *f = *state;
    struct reglog_entry e = entry("SW_REGISTER", "<x/>");
    struct rm_err err = {0};
    int n = -1;

    reglog_keep(clock_now(), 0, 0, &e);
    assert_int_equal(store_begin(f->app->st, STORE_TX_WRITE, &err), 0);
    assert_int_equal(reglog_flush(f->app, &n, &err), 0);
    assert_int_equal(n, 0);
    store_rollback(f->app->st);
    assert_int_equal(reglog_kept(), 1);
    assert_int_equal(reglog_flush(f->app, &n, &err), 0);
    assert_int_equal(n, 1);
}

static void closing_the_app_writes_what_is_kept(void **state)
{
    struct fx *f = *state;
    struct reglog_entry e = entry("RENEW", "<x/>");
    struct rm_err err = {0};

    reglog_keep(clock_now(), 0, 0, &e);
    app_close(f->app);
    f->app = NULL;
    assert_int_equal(reglog_kept(), 0);
    if (app_open(f->conf, APP_OPEN_STORE, &f->app, &err) != 0)
        fail_msg("app_open: %s", err.msg);
    assert_int_equal(
        q1(f, "SELECT COUNT(*) FROM registrar_log WHERE action = 'RENEW'"), 1);
}

static void kept_rows_are_bounded_and_the_oldest_go_to_the_log(void **state)
{
    struct fx *f = *state;
    struct reglog_entry e = entry("LOOKUP", "<x/>");
    char first[512];

    capture_start(f);
    for (int i = 0; i < REGLOG_KEEP_MAX + 2; i++)
        reglog_keep(1750000000 + i, 0, 0, &e);
    assert_int_equal(capture_stop(first, sizeof first), 2);
    assert_int_equal(reglog_kept(), REGLOG_KEEP_MAX);
    /* the oldest went: at 1750000000 is 2025-06-15 15:06:40 */
    assert_non_null(strstr(first, "registrar log row not stored"));
    assert_non_null(strstr(first, "at=2025-06-15 15:06:40 "));

    /* bytes too: 20 rows of 1 MiB do not all fit in REGLOG_KEEP_BYTES */
    capture_start(f);
    assert_int_equal(reglog_spill(), REGLOG_KEEP_MAX);
    assert_int_equal(capture_stop(NULL, 0), REGLOG_KEEP_MAX);
    static char mib[1024 * 1024 + 1];
    memset(mib, 'x', sizeof mib - 1);
    struct reglog_entry m = entry("SW_REGISTER", mib);
    capture_start(f);
    for (int i = 0; i < 20; i++)
        reglog_keep(clock_now(), 0, 0, &m);
    int spilled = capture_stop(NULL, 0);
    assert_true(spilled > 0);
    assert_int_equal(reglog_kept(), 20 - (size_t)spilled);
    assert_true(reglog_kept() * (1024 * 1024) <= REGLOG_KEEP_BYTES);
    capture_start(f);
    reglog_spill();
    capture_stop(NULL, 0);
}

static void spilled_rows_are_one_line_each(void **state)
{
    struct fx *f = *state;
    struct reglog_entry e = entry("SW_REGISTER", "<a>\n<b>\r\n\t</b></a>");
    char first[512];

    e.response = "";
    e.error = "timeout after sending";
    e.outcome = "outcome unknown";
    reglog_keep(1750000000, 3, 42, &e);
    reglog_keep(1750000001, 3, 0, &e);
    capture_start(f);
    assert_int_equal(reglog_spill(), 2);
    assert_int_equal(capture_stop(first, sizeof first), 2);
    assert_int_equal(reglog_kept(), 0);
    assert_non_null(strstr(first, " op 42: registrar log row not stored"));
    assert_non_null(strstr(first, "connection=3 action=SW_REGISTER"));
    assert_non_null(strstr(first, "outcome=outcome unknown"));
    assert_non_null(strstr(first, "error=timeout after sending"));
    assert_non_null(strstr(first, "request=<a>\\n<b>\\r\\n\\t</b></a>"));
}

static void rows_still_kept_at_exit_go_to_the_log(void **state)
{
    struct fx *f = *state;
    struct reglog_entry e = entry("TRANSFER", "<x/>");
    char first[512];
    int status;
    pid_t pid;

    capture_start(f);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        reglog_keep(1750000000, 0, 7, &e);
        exit(0); /* not _exit: the exit handlers run */
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(capture_stop(first, sizeof first), 1);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_non_null(strstr(first, "op 7: registrar log row not stored "
                                  "(still unwritten at exit)"));
    assert_non_null(strstr(first, "action=TRANSFER"));
}

int main(void)
{
    memset(big, 'x', sizeof big - 1);
    memcpy(big, "<a>", 3);
    rm_log_init("test_reglog", LOG_WARN);
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(failed_write_is_kept_and_written_by_the_next),
        T(kept_rows_are_written_by_a_flush_once_there_is_room),
        T(a_refused_row_is_spilled_and_the_others_written),
        T(an_answer_that_is_not_utf8_is_stored_cleaned),
        T(a_flush_inside_a_transaction_waits),
        T(closing_the_app_writes_what_is_kept),
        T(kept_rows_are_bounded_and_the_oldest_go_to_the_log),
        T(spilled_rows_are_one_line_each),
        T(rows_still_kept_at_exit_go_to_the_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
