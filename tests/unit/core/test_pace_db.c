/*
 * test_pace_db - the rate limit and the concurrency cap of core/pace.h
 * counted in the database: two store handles on one database stand for
 * two nodes. Starts are evenly spaced across handles, threads and forked
 * processes, a process's batches never take another's starts, rate 0
 * costs no trip, a deleted connection falls back to the process's own
 * spacing; a second holder of a connection's concurrency gets only what
 * is left, a lapsed lease frees its slots, and racing nodes never pass
 * the cap.
 *
 * Every test runs on a new SQLite file in a temporary directory and, when
 * REGMAN_TEST_PG_URL names a PostgreSQL database, again in a new schema of
 * that database (dropped after the test). Times are given, not measured.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/pace.h"
#include "store/store.h"
#include "store/store_backend.h"
#include "util/clock.h"

static const char *pg_url;

struct fx {
    int pg;
    char dir[256];
    char path[300];
    char schema[64];
    char target[1200];
    int64_t base; /* connection ids: the limiters live as long as the
                     process, so each backend's run uses its own */
    struct store *a, *b;
};

static struct store *open_target(const char *target)
{
    struct store_open_opts o = {.create = 1};
    struct store *st = NULL;
    struct rm_err err = {0};

    if (store_open(target, &o, &st, &err) != 0)
        fail_msg("store_open: %s", err.msg);
    return st;
}

static void exec_ok(struct store *st, const char *sql)
{
    struct rm_err err = {0};

    if (store_exec(st, sql, &err) != 0)
        fail_msg("%s: %s", sql, err.msg);
}

static int64_t count(struct store *st, const char *sql)
{
    struct store_stmt *s;
    struct rm_err err = {0};
    int64_t n;

    assert_int_equal(store_prepare(st, sql, &s, &err), 0);
    assert_int_equal(store_step(s, &err), STORE_ROW);
    n = store_col_int64(s, 0);
    store_stmt_release(s);
    return n;
}

/* add_conn - connection id with concurrency conc. */
static void add_conn(struct store *st, int64_t id, int64_t conc)
{
    char sql[400];

    snprintf(sql, sizeof sql,
             "INSERT INTO registrar_connections (id, title, server, port, "
             "login, key_enc, concurrency, created_at, updated_at) VALUES "
             "(%lld, 'c%lld', 'h', 1, 'l', 'k', %lld, 1, 1)",
             (long long)id, (long long)id, (long long)conc);
    exec_ok(st, sql);
}

static int open_both(struct fx *f)
{
    f->a = open_target(f->target);
    f->b = open_target(f->target);
    for (int64_t i = 1; i <= 10; i++)
        add_conn(f->a, f->base + i, 4);
    return 0;
}

static int setup_sqlite(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    const char *tmp = getenv("TMPDIR");

    snprintf(f->dir, sizeof f->dir, "%s/rmpace.XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/regman.db", f->dir);
    snprintf(f->target, sizeof f->target, "%s", f->path);
    f->base = 100;
    *state = f;
    return open_both(f);
}

static int teardown_sqlite(void **state)
{
    struct fx *f = *state;
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
    char p[320];

    pace_use_database(NULL);
    store_close(f->a);
    store_close(f->b);
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, sfx[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static int pg_admin(const char *sql)
{
    struct store *st;
    struct rm_err err = {0};
    int rc = store_open_raw(pg_url, NULL, &st, &err);

    if (rc == 0) {
        rc = store_exec(st, sql, &err);
        store_close(st);
    }
    if (rc != 0)
        print_error("%s: %s\n", sql, err.msg);
    return rc;
}

static int setup_pg(void **state)
{
    static int n;
    struct fx *f = calloc(1, sizeof *f);
    char sql[128];

    f->pg = 1;
    snprintf(f->schema, sizeof f->schema, "rmpace_%ld_%d", (long)getpid(), ++n);
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", f->schema);
    if (pg_admin(sql) != 0) {
        free(f);
        return -1;
    }
    snprintf(f->target, sizeof f->target, "%s%coptions=-csearch_path%%3D%s",
             pg_url, strchr(pg_url, '?') ? '&' : '?', f->schema);
    f->base = 1000;
    *state = f;
    return open_both(f);
}

static int teardown_pg(void **state)
{
    struct fx *f = *state;
    char sql[128];
    int rc;

    pace_use_database(NULL);
    store_close(f->a);
    store_close(f->b);
    snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", f->schema);
    rc = pg_admin(sql);
    free(f);
    return rc;
}

static int64_t take(struct store *st, int64_t conn, int64_t rate, int64_t now,
                    int64_t n)
{
    struct rm_err err = {0};
    int64_t first = -1;

    if (pace_db_take(st, conn, rate, now, n, &first, &err) != 0)
        fail_msg("pace_db_take: %s", err.msg);
    return first;
}

/* Two nodes take starts of one connection at 600 a minute (100 ms): each
 * start is handed out once, 100 ms after the one before, whoever asks. */
static void two_nodes_share_one_schedule(void **state)
{
    struct fx *f = *state;
    int64_t c = f->base + 1, t = 5000000;

    assert_int_equal(take(f->a, c, 600, t, 1), t);
    assert_int_equal(take(f->b, c, 600, t, 1), t + 100);
    /* a batch of two: 200 and 300 are A's, B's next is 400 */
    assert_int_equal(take(f->a, c, 600, t + 50, 2), t + 200);
    assert_int_equal(take(f->b, c, 600, t + 60, 1), t + 400);
    /* after a quiet spell: at once, no credit for the idle time */
    assert_int_equal(take(f->b, c, 600, t + 9000, 1), t + 9000);
    assert_int_equal(take(f->a, c, 600, t + 9000, 1), t + 9100);
    /* the spacing is rounded up: 7 a minute are 8572 ms apart */
    assert_int_equal(pace_spacing_ms(7), 8572);
    assert_int_equal(take(f->a, c, 7, t + 20000, 1), t + 20000);
    assert_int_equal(take(f->b, c, 7, t + 20000, 1), t + 28572);
    /* the clock stepped back a day: no stall, the schedule starts again */
    assert_int_equal(take(f->a, c, 600, t - 86400000, 1), t - 86400000);
    assert_int_equal(take(f->b, c, 600, t - 86400000, 1), t - 86399900);
}

/* Two threads, each with its own handle (two nodes), 15 starts each,
 * asked for at one instant at 6000 a minute: all 30 distinct, 10 ms
 * apart. */
#define EACH 15
struct thr {
    const char *target;
    int64_t conn;
    int64_t got[EACH];
};

static void *taker(void *v)
{
    struct thr *a = v;
    struct store *st = open_target(a->target);

    for (int i = 0; i < EACH; i++)
        a->got[i] = take(st, a->conn, 6000, 777000, 1);
    store_close(st);
    return NULL;
}

static int cmp(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

static void concurrent_nodes_never_start_closer_than_the_spacing(void **state)
{
    struct fx *f = *state;
    struct thr a[2];
    pthread_t th[2];
    int64_t all[2 * EACH];

    for (int k = 0; k < 2; k++) {
        a[k].target = f->target;
        a[k].conn = f->base + 2;
        assert_int_equal(pthread_create(&th[k], NULL, taker, &a[k]), 0);
    }
    for (int k = 0; k < 2; k++)
        pthread_join(th[k], NULL);
    memcpy(all, a[0].got, sizeof a[0].got);
    memcpy(all + EACH, a[1].got, sizeof a[1].got);
    qsort(all, 2 * EACH, sizeof *all, cmp);
    assert_int_equal(all[0], 777000);
    for (int i = 1; i < 2 * EACH; i++)
        assert_int_equal(all[i] - all[i - 1], 10);
}

/* The process's limiter on the database: its batches grow while used in
 * time, never take another node's starts, drop a start that has passed,
 * and rate 0 makes no trip at all. */
static void the_limiter_reserves_batches_in_the_database(void **state)
{
    struct fx *f = *state;
    int64_t c = f->base + 3, z = f->base + 4, t = 9000000;
    struct pace *p, *q;
    char sql[160];

    /* rate 0: no trip, not even to a database that cannot be opened */
    pace_use_database("/nonexistent/rmpace/regman.db");
    q = pace_for(z, 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(pace_take(q, t), t);
    pace_use_database(f->target);
    for (int i = 0; i < 3; i++)
        assert_int_equal(pace_take(q, t), t);
    snprintf(sql, sizeof sql,
             "SELECT COUNT(*) FROM conn_pace WHERE connection_id = %lld",
             (long long)z);
    assert_int_equal(count(f->a, sql), 0);

    p = pace_for(c, 600);                                /* 100 ms */
    assert_int_equal(pace_take(p, t), t);                /* a batch of 1 */
    assert_int_equal(take(f->b, c, 600, t, 1), t + 100); /* another node */
    assert_int_equal(pace_take(p, t), t + 200);          /* a batch of 2 */
    assert_int_equal(take(f->b, c, 600, t, 1), t + 400);
    assert_int_equal(pace_take(p, t), t + 300); /* the batch's second */
    assert_int_equal(pace_take(p, t), t + 500); /* a batch of 4 */
    assert_int_equal(take(f->b, c, 600, t, 1), t + 900);
    /* 600 and 700 have passed unused: dropped; 800 still comes */
    assert_int_equal(pace_take(p, t + 750), t + 800);
    /* and the batch is back to 1 */
    assert_int_equal(pace_take(p, t + 750), t + 1000);
    assert_int_equal(take(f->b, c, 600, t, 1), t + 1100);
    snprintf(sql, sizeof sql,
             "SELECT next_at_ms FROM conn_pace WHERE connection_id = %lld",
             (long long)c);
    assert_int_equal(count(f->a, sql), t + 1200);
}

/* Two processes, each with its own limiters and its own handle (two
 * nodes), take 20 starts each at 6000 a minute, asked for at one
 * instant: their batches interleave, and no two starts of the 40 are
 * closer than 10 ms. */
#define PROCS 2
#define PER 20
static void two_processes_never_start_closer_than_the_spacing(void **state)
{
    struct fx *f = *state;
    int64_t c = f->base + 10, t = 3000000, all[PROCS * PER];
    int fds[PROCS][2];
    pid_t pid[PROCS];
    size_t n = 0;

    for (int k = 0; k < PROCS; k++) {
        assert_int_equal(pipe(fds[k]), 0);
        pid[k] = fork();
        assert_true(pid[k] >= 0);
        if (pid[k] == 0) {
            int64_t v[PER];
            struct pace *p;
            close(fds[k][0]);
            pace_use_database(f->target);
            p = pace_for(c, 6000);
            for (int i = 0; i < PER; i++)
                v[i] = pace_take(p, t);
            _exit(write(fds[k][1], v, sizeof v) == (ssize_t)sizeof v ? 0 : 1);
        }
        close(fds[k][1]);
    }
    for (int k = 0; k < PROCS; k++) {
        int status;
        assert_int_equal(read(fds[k][0], all + n, PER * sizeof *all),
                         (ssize_t)(PER * sizeof *all));
        n += PER;
        close(fds[k][0]);
        assert_int_equal(waitpid(pid[k], &status, 0), pid[k]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    qsort(all, n, sizeof *all, cmp);
    assert_true(all[0] >= t);
    for (size_t i = 1; i < n; i++)
        assert_true(all[i] - all[i - 1] >= 10);
    /* batches make the trips fewer than the starts, and waste little */
    assert_true(all[n - 1] - t <= 10 * (int64_t)(n - 1 + 2 * PACE_BATCH_MAX));
}

/* A connection deleted: its schedule goes with it, a take is refused
 * (foreign key), and the limiter falls back to this process's spacing. */
static void a_deleted_connection(void **state)
{
    struct fx *f = *state;
    int64_t c = f->base + 5, t = 4000000, first = 0;
    struct rm_err err = {0};
    struct pace *p;
    char sql[160];

    assert_int_equal(take(f->a, c, 60, t, 1), t);
    snprintf(sql, sizeof sql,
             "DELETE FROM registrar_connections WHERE id = "
             "%lld",
             (long long)c);
    exec_ok(f->a, sql);
    assert_int_equal(count(f->a, "SELECT COUNT(*) FROM conn_pace"), 0);
    assert_int_equal(pace_db_take(f->b, c, 60, t, 1, &first, &err), RM_EINVAL);
    assert_int_equal(store_errkind(f->b), STORE_ERR_FOREIGN_KEY);
    pace_use_database(f->target);
    p = pace_for(c, 60);
    assert_int_equal(pace_take(p, t), t);
    assert_int_equal(pace_take(p, t), t + 1000);
}

static int64_t hold(struct store *st, int64_t conn, const char *owner,
                    int64_t want, int64_t now, int64_t until)
{
    struct rm_err err = {0};
    int64_t got = -1;

    if (pace_slots_hold(st, conn, owner, want, 4, now, until, &got, &err))
        fail_msg("pace_slots_hold: %s", err.msg);
    return got;
}

/* Concurrency 4: the second node gets only what the first left; a node
 * that renews keeps its share; a release frees it. */
static void the_second_node_gets_what_is_left(void **state)
{
    struct fx *f = *state;
    int64_t c = f->base + 6, t = 100000;
    char sql[160];

    assert_int_equal(hold(f->a, c, "node-a", 3, t, t + 60), 3);
    assert_int_equal(hold(f->b, c, "node-b", 3, t, t + 60), 1);
    assert_int_equal(hold(f->a, c, "node-a", 3, t + 1, t + 61), 3);
    assert_int_equal(hold(f->b, c, "node-b", 4, t + 1, t + 61), 1);
    /* another connection is counted apart */
    assert_int_equal(hold(f->b, f->base + 7, "node-b", 4, t, t + 60), 4);
    /* a asks for fewer: the rest is free for b */
    assert_int_equal(hold(f->a, c, "node-a", 1, t + 2, t + 62), 1);
    assert_int_equal(hold(f->b, c, "node-b", 4, t + 2, t + 62), 3);
    assert_int_equal(hold(f->a, c, "node-a", 0, t + 3, 0), 0); /* release */
    snprintf(sql, sizeof sql,
             "SELECT COUNT(*) FROM conn_slots WHERE connection_id = %lld",
             (long long)c);
    assert_int_equal(count(f->a, sql), 1);
    assert_int_equal(hold(f->b, c, "node-b", 4, t + 3, t + 63), 4);
    assert_int_equal(hold(f->a, c, "node-a", 2, t + 3, t + 63), 0);
    assert_int_equal(count(f->a, sql), 1); /* nothing held, no row */
}

/* A node that stops renewing (killed) holds nothing once its lease has
 * lapsed. */
static void a_lapsed_lease_frees_its_slots(void **state)
{
    struct fx *f = *state;
    int64_t c = f->base + 8, t = 200000;

    assert_int_equal(hold(f->a, c, "node-a", 4, t, t + 10), 4);
    assert_int_equal(hold(f->b, c, "node-b", 2, t + 9, t + 30), 0);
    assert_int_equal(hold(f->b, c, "node-b", 2, t + 10, t + 30), 2);
    /* and the lapsed row is gone */
    assert_int_equal(count(f->a, "SELECT COUNT(*) FROM conn_slots WHERE "
                                 "owner = 'node-a'"),
                     0);
}

/* Four nodes ask for 2 of concurrency 4 at one instant, each on its own
 * handle: together they get exactly 4 (the lock on the connection's pace
 * row keeps two of them from both taking the last slots). */
#define RACERS 4
struct racer {
    const char *target;
    int64_t conn, got;
    char owner[16];
};

static void *racer(void *v)
{
    struct racer *r = v;
    struct store *st = open_target(r->target);

    r->got = hold(st, r->conn, r->owner, 2, 300000, 300060);
    store_close(st);
    return NULL;
}

static void racing_nodes_never_exceed_the_cap(void **state)
{
    struct fx *f = *state;
    struct racer r[RACERS];
    pthread_t th[RACERS];
    int64_t sum = 0;

    for (int k = 0; k < RACERS; k++) {
        r[k].target = f->target;
        r[k].conn = f->base + 7;
        snprintf(r[k].owner, sizeof r[k].owner, "racer-%d", k);
        assert_int_equal(pthread_create(&th[k], NULL, racer, &r[k]), 0);
    }
    for (int k = 0; k < RACERS; k++) {
        pthread_join(th[k], NULL);
        sum += r[k].got;
    }
    assert_int_equal(sum, 4);
}

/* The sweep's share through the limiter: taken on the caller's handle,
 * renewed by pace_take when less than half its lease is left, released. */
static void the_sweeps_share_is_renewed_and_released(void **state)
{
    struct fx *f = *state;
    int64_t c = f->base + 9, got = 0, now = clock_now(), until;
    struct rm_err err = {0};
    struct pace *p;
    char sql[160];

    pace_use_database(f->target);
    p = pace_for(c, 0);
    assert_int_equal(pace_cap_take(f->a, c, "node-a", 3, 4, 100, &got, &err),
                     0);
    assert_int_equal(got, 3);
    assert_int_equal(hold(f->b, c, "node-b", 4, now, now + 100), 1);
    snprintf(sql, sizeof sql,
             "SELECT lease_until FROM conn_slots WHERE connection_id = %lld "
             "AND owner = 'node-a'",
             (long long)c);
    until = count(f->a, sql);
    assert_true(until >= now + 100 && until <= now + 102);
    /* 20 s on: more than half left, no renewal */
    pace_take(p, (now + 20) * 1000);
    assert_int_equal(count(f->a, sql), until);
    /* 60 s on: renewed for another lease from then */
    pace_take(p, (now + 60) * 1000);
    assert_true(count(f->a, sql) >= now + 160);
    pace_cap_release(f->a, c);
    snprintf(sql, sizeof sql,
             "SELECT COUNT(*) FROM conn_slots WHERE connection_id = %lld "
             "AND owner = 'node-a'",
             (long long)c);
    assert_int_equal(count(f->a, sql), 0);
}

int main(void)
{
#define ALL(S, T)                                                              \
    cmocka_unit_test_setup_teardown(two_nodes_share_one_schedule, S, T),       \
        cmocka_unit_test_setup_teardown(                                       \
            concurrent_nodes_never_start_closer_than_the_spacing, S, T),       \
        cmocka_unit_test_setup_teardown(                                       \
            the_limiter_reserves_batches_in_the_database, S, T),               \
        cmocka_unit_test_setup_teardown(                                       \
            two_processes_never_start_closer_than_the_spacing, S, T),          \
        cmocka_unit_test_setup_teardown(a_deleted_connection, S, T),           \
        cmocka_unit_test_setup_teardown(the_second_node_gets_what_is_left, S,  \
                                        T),                                    \
        cmocka_unit_test_setup_teardown(a_lapsed_lease_frees_its_slots, S, T), \
        cmocka_unit_test_setup_teardown(racing_nodes_never_exceed_the_cap, S,  \
                                        T),                                    \
        cmocka_unit_test_setup_teardown(                                       \
            the_sweeps_share_is_renewed_and_released, S, T)
    const struct CMUnitTest sqlite_tests[] = {
        ALL(setup_sqlite, teardown_sqlite)};
    const struct CMUnitTest pg_tests[] = {ALL(setup_pg, teardown_pg)};
#undef ALL
    int failed;

    pg_url = getenv("REGMAN_TEST_PG_URL");
    if (pg_url && !*pg_url)
        pg_url = NULL;
    failed = cmocka_run_group_tests_name("sqlite", sqlite_tests, NULL, NULL);
    if (pg_url)
        failed +=
            cmocka_run_group_tests_name("postgresql", pg_tests, NULL, NULL);
    return failed;
}
