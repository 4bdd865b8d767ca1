/*
 * test_runner - the durable job runner on a real database (unitdb: a SQLite
 * file, or PostgreSQL with REGMAN_TEST_DB=postgresql): leases, one
 * run per job across two threads and across two processes sharing a file,
 * expired leases retaken, the lease of a killed runner taken at once (but
 * not a live or foreign one), lost leases changing nothing, bounded backoff and
 * 'held', periodic jobs created once and moved to their next slot, jobs of
 * unknown kinds left alone, and a clean stop on SIGTERM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/jobq.h"
#include "jobs/runner.h"
#include "store/store.h"
#include "unitdb.h"
#include "util/lease.h"
#include "util/log.h"

struct fx {
    char dir[256];
    char path[1200]; /* the database (unitdb): a file or a URL */
    struct unitdb db;
    struct store *st;
    int64_t now; /* the fake clock */
};

static int64_t fake_now(void *arg)
{
    return *(int64_t *)arg;
}

static struct store *open_store(const char *path)
{
    struct store_open_opts o = {.create = 1, .busy_timeout_ms = 20000};
    struct store *st = NULL;
    struct rm_err err = {0};
    if (store_open(path, &o, &st, &err) != 0)
        fail_msg("store_open: %s", err.msg);
    return st;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%s/rmjobs.XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    struct rm_err err = {0};
    if (unitdb_make(&f->db, f->dir, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s", f->db.target);
    f->st = open_store(f->path);
    f->now = 1000000;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->st);
    unitdb_drop(&f->db);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static struct runner *new_runner(struct store *st, int64_t *now,
                                 const char *owner)
{
    struct runner_opts o = {.owner = owner, .now = fake_now, .now_arg = now};
    struct runner *r;
    struct rm_err err = {0};
    assert_int_equal(runner_new(st, &o, &r, &err), 0);
    return r;
}

static int64_t q1(struct store *st, const char *sql, int64_t arg)
{
    struct store_stmt *s;
    struct rm_err err = {0};
    if (store_prepare(st, sql, &s, &err) != 0)
        fail_msg("prepare %s: %s", sql, err.msg);
    if (strchr(sql, '?'))
        store_bind_int64(s, 1, arg);
    int64_t v = -1;
    if (store_step(s, &err) == STORE_ROW)
        v = store_col_int64(s, 0);
    store_stmt_release(s);
    return v;
}

static int64_t enqueue(struct fx *f, const char *kind, const char *key,
                       const char *payload, int64_t run_at)
{
    int64_t id = 0;
    struct rm_err err = {0};
    if (runner_enqueue(f->st, kind, key, payload, run_at, f->now, &id, &err))
        fail_msg("enqueue: %s", err.msg);
    return id;
}

static int run_due(struct runner *r)
{
    int ran = 0;
    struct rm_err err = {0};
    if (runner_run_due(r, 0, &ran, &err) != 0)
        fail_msg("run_due: %s", err.msg);
    return ran;
}

/* A handler that records what it saw and fails while fail_left > 0. */
struct rec {
    int calls;
    int fail_left;
    int64_t last_attempts;
    char last_payload[64];
    int64_t again_at;
};

static int rec_run(struct runner *r, struct job *job, void *arg,
                   struct rm_err *err)
{
    struct rec *rec = arg;
    rec->calls++;
    rec->last_attempts = job->attempts;
    snprintf(rec->last_payload, sizeof rec->last_payload, "%s", job->payload);
    job->again_at = rec->again_at;
    if (rec->fail_left > 0) {
        rec->fail_left--;
        return rm_err_set(err, RM_EIO, "simulated failure %d", rec->calls);
    }
    return 0;
}

static void test_backoff_and_slot_tables(void **state)
{
    (void)state;
    static const int64_t bo[][4] = {
        {1, 60, 3600, 60},   {2, 60, 3600, 120},         {6, 60, 3600, 1920},
        {7, 60, 3600, 3600}, {500, 60, 3600, 3600},      {1, 30, 30, 30},
        {4, 10, 50, 50},     {INT32_MAX, 1, 7200, 7200},
    };
    for (size_t i = 0; i < sizeof bo / sizeof bo[0]; i++)
        assert_int_equal(runner_backoff(bo[i][0], bo[i][1], bo[i][2]),
                         bo[i][3]);
    static const int64_t slot[][4] = {
        /* now, period, offset, want */
        {0, 60, 0, 60},
        {59, 60, 0, 60},
        {60, 60, 0, 120},
        {86400 + 3600, 86400, 10800, 86400 + 10800},
        {86400 + 10800, 86400, 10800, 2 * 86400 + 10800},
        {-1, 60, 0, 0},
    };
    for (size_t i = 0; i < sizeof slot / sizeof slot[0]; i++)
        assert_int_equal(runner_next_slot(slot[i][0], slot[i][1], slot[i][2]),
                         slot[i][3]);
}

static void test_enqueue_is_idempotent_per_dedup_key(void **state)
{
    struct fx *f = *state;
    int64_t a = enqueue(f, "lifecycle.warn", "2026-11-28", "p1", f->now);
    int64_t b = enqueue(f, "lifecycle.warn", "2026-11-28", "p2", f->now);
    int64_t c = enqueue(f, "lifecycle.warn", NULL, NULL, f->now);
    int64_t d = enqueue(f, "lifecycle.warn", NULL, NULL, f->now);
    assert_int_equal(a, b);
    assert_int_not_equal(c, d);
    assert_int_equal(q1(f->st, "SELECT COUNT(*) FROM jobs", 0), 3);
    struct rm_err err = {0};
    static const struct {
        const char *kind, *key;
        int rc;
    } bad[] = {
        {"", "k", RM_EINVAL},
        {"Bad Kind", "k", RM_EINVAL},
        {"x", RUNNER_PERIODIC_KEY, RM_EINVAL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(runner_enqueue(f->st, bad[i].kind, bad[i].key, "",
                                        f->now, f->now, NULL, &err),
                         bad[i].rc);
}

static void test_one_shot_job_runs_once_and_is_deleted(void **state)
{
    struct fx *f = *state;
    struct runner *r = new_runner(f->st, &f->now, "r1");
    struct rec rec = {0};
    struct runner_handler h = {.kind = "t.once", .run = rec_run, .arg = &rec};
    struct rm_err err = {0};
    assert_int_equal(runner_register(r, &h, 0, &err), 0);
    enqueue(f, "t.once", "k1", "hello", f->now + 10);
    assert_int_equal(run_due(r), 0); /* not due yet */
    f->now += 10;
    assert_int_equal(run_due(r), 1);
    assert_int_equal(rec.calls, 1);
    assert_int_equal(rec.last_attempts, 1);
    assert_string_equal(rec.last_payload, "hello");
    assert_int_equal(q1(f->st, "SELECT COUNT(*) FROM jobs", 0), 0);
    assert_int_equal(run_due(r), 0);
    /* registering a kind twice is refused */
    assert_int_equal(runner_register(r, &h, 0, &err), RM_EINVAL);
    runner_free(r);
}

static void test_failures_back_off_bounded_then_hold(void **state)
{
    struct fx *f = *state;
    struct runner *r = new_runner(f->st, &f->now, "r1");
    struct rec rec = {.fail_left = 1000};
    struct runner_handler h = {.kind = "t.fail",
                               .run = rec_run,
                               .arg = &rec,
                               .max_attempts = 6,
                               .backoff_min_s = 60,
                               .backoff_max_s = 600};
    struct rm_err err = {0};
    assert_int_equal(runner_register(r, &h, 0, &err), 0);
    int64_t id = enqueue(f, "t.fail", "k", "", f->now);
    static const int64_t waits[] = {60, 120, 240, 480, 600};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(run_due(r), 1);
        assert_int_equal(q1(f->st, "SELECT run_at FROM jobs WHERE id = ?", id),
                         f->now + waits[i]);
        assert_int_equal(
            q1(f->st, "SELECT attempts FROM jobs WHERE id = ?", id), i + 1);
        f->now += waits[i] - 1;
        assert_int_equal(run_due(r), 0); /* one second early: nothing */
        f->now += 1;
    }
    assert_int_equal(run_due(r), 1); /* the 6th attempt: held */
    assert_int_equal(q1(f->st,
                        "SELECT CASE WHEN state = 'held' AND last_error = "
                        "'simulated failure 6' AND lease_owner IS NULL "
                        "THEN 1 ELSE 0 END FROM jobs WHERE id = ?",
                        id),
                     1);
    f->now += 1000000;
    assert_int_equal(run_due(r), 0); /* held jobs wait for a human */
    assert_int_equal(rec.calls, 6);
    runner_free(r);
}

static void test_success_with_again_at_keeps_one_shot_job(void **state)
{
    struct fx *f = *state;
    struct runner *r = new_runner(f->st, &f->now, "r1");
    struct rec rec = {.again_at = f->now + 500};
    struct runner_handler h = {.kind = "t.again", .run = rec_run, .arg = &rec};
    struct rm_err err = {0};
    assert_int_equal(runner_register(r, &h, 0, &err), 0);
    int64_t id = enqueue(f, "t.again", "k", "", f->now);
    assert_int_equal(run_due(r), 1);
    assert_int_equal(q1(f->st, "SELECT run_at FROM jobs WHERE id = ?", id),
                     f->now + 500);
    rec.again_at = 0;
    f->now += 500;
    assert_int_equal(run_due(r), 1);
    assert_int_equal(q1(f->st, "SELECT COUNT(*) FROM jobs", 0), 0);
    runner_free(r);
}

static void test_lease_of_dead_owner_is_retaken_after_expiry(void **state)
{
    struct fx *f = *state;
    int64_t id = enqueue(f, "t.crash", "k", "", f->now - 50);
    /* A runner took it and died: its lease runs until now + 100. */
    struct store_stmt *s;
    struct rm_err err = {0};
    assert_int_equal(store_prepare(f->st,
                                   "UPDATE jobs SET lease_owner = 'dead:1', "
                                   "lease_expires_at = ?, attempts = 1 "
                                   "WHERE id = ?",
                                   &s, &err),
                     0);
    store_bind_int64(s, 1, f->now + 100);
    store_bind_int64(s, 2, id);
    assert_int_equal(store_step(s, &err), STORE_DONE);
    store_stmt_release(s);

    struct runner *r = new_runner(f->st, &f->now, "r2");
    struct rec rec = {0};
    struct runner_handler h = {.kind = "t.crash", .run = rec_run, .arg = &rec};
    assert_int_equal(runner_register(r, &h, 0, &err), 0);
    f->now += 99;
    assert_int_equal(run_due(r), 0); /* still the dead owner's */
    f->now += 1;
    assert_int_equal(run_due(r), 1);
    assert_int_equal(rec.last_attempts, 2); /* the crashed run counts */
    assert_int_equal(q1(f->st, "SELECT COUNT(*) FROM jobs", 0), 0);
    runner_free(r);
}

/* dead_pid - the pid of a child that has exited and been reaped. */
static pid_t dead_pid(void)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(0);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
    return pid;
}

static void this_host(char *host, size_t n)
{
    assert_int_equal(gethostname(host, n - 1), 0);
    host[n - 1] = '\0';
}

static void
test_owner_is_gone_only_when_its_process_on_this_host_is(void **state)
{
    (void)state;
    char host[256], o[9][320];
    long dead = (long)dead_pid(), me = (long)getpid();
    this_host(host, sizeof host);
    snprintf(o[0], sizeof o[0], "%s:%ld:1", host, dead);  /* job lease */
    snprintf(o[1], sizeof o[1], "%s:%ld", host, dead);    /* op lease */
    snprintf(o[2], sizeof o[2], "%s:%ld:1", host, me);    /* alive */
    snprintf(o[3], sizeof o[3], "%s:%ld", host, me);      /* alive */
    snprintf(o[4], sizeof o[4], "%sx:%ld:1", host, dead); /* other host */
    snprintf(o[5], sizeof o[5], "%s:%ldx:1", host, dead); /* not a pid */
    snprintf(o[6], sizeof o[6], "%s:%ld:1:2", host, dead);
    snprintf(o[7], sizeof o[7], "%s:0", host);
    snprintf(o[8], sizeof o[8], "%s", host);
    static const bool want[] = {true,  true,  false, false, false,
                                false, false, false, false};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (lease_owner_gone(o[i]) != want[i])
            fail_msg("lease_owner_gone(\"%s\") != %d", o[i], want[i]);
    assert_false(lease_owner_gone(NULL));
    assert_false(lease_owner_gone(""));
    assert_false(lease_owner_gone("dead:1"));
}

/* is_hex - s is exactly n lower-case hex digits. */
static bool is_hex(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789abcdef", s[i]))
            return false;
    return true;
}

static void
test_owner_names_carry_boot_and_node_and_pid_check_needs_both(void **state)
{
    (void)state;
    char host[256], name[320], again[320], want[320], o[8][400];
    const char *boot = lease_boot_id();
    char node[LEASE_NODE_LEN + 1], other_boot[LEASE_BOOT_LEN + 1];
    long dead = (long)dead_pid(), me = (long)getpid();

    this_host(host, sizeof host);
    assert_true(is_hex(boot, LEASE_BOOT_LEN)); /* Linux has a boot id */
    assert_true(is_hex(lease_node_id(), LEASE_NODE_LEN));
    snprintf(node, sizeof node, "%s", lease_node_id());

    /* HOST:PID:BOOT:NODE, the node drawn once per process */
    lease_owner_name(name, sizeof name, 0);
    snprintf(want, sizeof want, "%s:%ld:%s:%s", host, me, boot, node);
    assert_string_equal(name, want);
    lease_owner_name(again, sizeof again, 3);
    snprintf(want, sizeof want, "%s:%ld:%s:%s:3", host, me, boot, node);
    assert_string_equal(again, want);

    /* A forked child draws a node of its own. */
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        ssize_t w = write(p[1], lease_node_id(), LEASE_NODE_LEN);
        _exit(w == LEASE_NODE_LEN ? 0 : 1);
    }
    char child[LEASE_NODE_LEN + 1] = "";
    assert_int_equal(read(p[0], child, LEASE_NODE_LEN), LEASE_NODE_LEN);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
    close(p[0]);
    close(p[1]);
    assert_true(is_hex(child, LEASE_NODE_LEN));
    assert_string_not_equal(child, node);

    /* kill(pid, 0) decides only for this host and this boot. */
    snprintf(other_boot, sizeof other_boot, "%s", boot);
    other_boot[0] = other_boot[0] == '0' ? '1' : '0';
    snprintf(o[0], sizeof o[0], "%s:%ld:%s:%s", host, dead, boot, node);
    snprintf(o[1], sizeof o[1], "%s:%ld:%s:%s:2", host, dead, boot, node);
    snprintf(o[2], sizeof o[2], "%s:%ld:%s:%s", host, me, boot, node);
    snprintf(o[3], sizeof o[3], "%s:%ld:%s:%s:2", host, dead, other_boot, node);
    snprintf(o[4], sizeof o[4], "%sx:%ld:%s:%s:2", host, dead, boot, node);
    snprintf(o[5], sizeof o[5], "%s:%ld:%s:%.15s:2", host, dead, boot, node);
    snprintf(o[6], sizeof o[6], "%s:%ld:%s:%s:x", host, dead, boot, node);
    snprintf(o[7], sizeof o[7], "%s:%ld:%s:%s:2:3", host, dead, boot, node);
    static const bool gone[] = {true,  true,  false, false,
                                false, false, false, false};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
        if (lease_owner_gone(o[i]) != gone[i])
            fail_msg("lease_owner_gone(\"%s\") != %d", o[i], gone[i]);
}

/* lease_to - give job id an unexpired lease (until now + 300) of owner. */
static void lease_to(struct fx *f, int64_t id, const char *owner)
{
    struct store_stmt *s;
    struct rm_err err = {0};
    assert_int_equal(store_prepare(f->st,
                                   "UPDATE jobs SET lease_owner = ?, "
                                   "lease_expires_at = ?, attempts = 1 "
                                   "WHERE id = ?",
                                   &s, &err),
                     0);
    store_bind_text(s, 1, owner);
    store_bind_int64(s, 2, f->now + 300);
    store_bind_int64(s, 3, id);
    assert_int_equal(store_step(s, &err), STORE_DONE);
    store_stmt_release(s);
}

static void test_lease_of_live_or_foreign_owner_waits_for_expiry(void **state)
{
    struct fx *f = *state;
    char host[256], mine[320], foreign[320];
    this_host(host, sizeof host);
    /* this very process (alive), and a dead pid of another host */
    snprintf(mine, sizeof mine, "%s:%ld:7", host, (long)getpid());
    snprintf(foreign, sizeof foreign, "other-%s:%ld:1", host, (long)dead_pid());
    lease_to(f, enqueue(f, "t.live", "a", "", f->now - 10), mine);
    lease_to(f, enqueue(f, "t.live", "b", "", f->now - 10), foreign);
    struct runner *r = new_runner(f->st, &f->now, "r2");
    struct rec rec = {0};
    struct runner_handler h = {.kind = "t.live", .run = rec_run, .arg = &rec};
    struct rm_err err = {0};
    assert_int_equal(runner_register(r, &h, 0, &err), 0);
    assert_int_equal(run_due(r), 0);
    f->now += 300;
    assert_int_equal(run_due(r), 2);
    runner_free(r);
}

/* A runner in a child process takes the job, says so on a pipe and hangs
 * in its handler until it is killed. */
static int hang_run(struct runner *r, struct job *job, void *arg,
                    struct rm_err *err)
{
    int fd = *(int *)arg;
    if (write(fd, "x", 1) != 1)
        _exit(3);
    for (;;)
        pause();
    return 0;
}

static void test_lease_of_killed_runner_is_taken_at_once(void **state)
{
    struct fx *f = *state;
    int64_t id = enqueue(f, "t.hang", "k", "", f->now - 10);
    int p[2];
    assert_int_equal(pipe(p), 0);
    /* No SQLite handle may cross a fork: close ours first. */
    store_close(f->st);
    f->st = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct store *st = open_store(f->path);
        struct runner *r = new_runner(st, &f->now, NULL); /* HOST:PID:N */
        struct runner_handler h = {
            .kind = "t.hang", .run = hang_run, .arg = &p[1]};
        struct rm_err err = {0};
        if (runner_register(r, &h, 0, &err) == 0)
            runner_run_due(r, 0, NULL, &err);
        _exit(4);
    }
    char c;
    assert_int_equal(read(p[0], &c, 1), 1); /* the child holds the lease */
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
    close(p[0]);
    close(p[1]);
    f->st = open_store(f->path);
    char host[256], want[320];
    this_host(host, sizeof host);
    snprintf(want, sizeof want, "%s:%ld:", host, (long)pid);
    struct store_stmt *s;
    struct rm_err err = {0};
    assert_int_equal(
        store_prepare(f->st,
                      "SELECT lease_owner, lease_expires_at FROM jobs "
                      "WHERE id = ?",
                      &s, &err),
        0);
    store_bind_int64(s, 1, id);
    assert_int_equal(store_step(s, &err), STORE_ROW);
    assert_int_equal(strncmp(store_col_text(s, 0), want, strlen(want)), 0);
    assert_true(store_col_int64(s, 1) > f->now); /* far from expired */
    store_stmt_release(s);

    /* the clock has not moved: only the owner's death frees the job */
    struct runner *r = new_runner(f->st, &f->now, "r2");
    struct rec rec = {0};
    struct runner_handler h = {.kind = "t.hang", .run = rec_run, .arg = &rec};
    assert_int_equal(runner_register(r, &h, 0, &err), 0);
    assert_int_equal(run_due(r), 1);
    assert_int_equal(rec.last_attempts, 2); /* the killed run counts */
    assert_int_equal(q1(f->st, "SELECT COUNT(*) FROM jobs", 0), 0);
    runner_free(r);
}

static void test_job_that_keeps_killing_its_runner_is_held(void **state)
{
    struct fx *f = *state;
    int64_t id = enqueue(f, "t.poison", "k", "", f->now - 50);
    /* Three runs started and none finished: each runner died. */
    struct store_stmt *s;
    struct rm_err err = {0};
    assert_int_equal(store_prepare(f->st,
                                   "UPDATE jobs SET lease_owner = 'dead:3', "
                                   "lease_expires_at = ?, attempts = 3 "
                                   "WHERE id = ?",
                                   &s, &err),
                     0);
    store_bind_int64(s, 1, f->now);
    store_bind_int64(s, 2, id);
    assert_int_equal(store_step(s, &err), STORE_DONE);
    store_stmt_release(s);
    struct runner *r = new_runner(f->st, &f->now, "r");
    struct rec rec = {0};
    struct runner_handler h = {
        .kind = "t.poison", .run = rec_run, .arg = &rec, .max_attempts = 3};
    assert_int_equal(runner_register(r, &h, 0, &err), 0);
    assert_int_equal(run_due(r), 1);
    assert_int_equal(rec.calls, 0); /* not run a fourth time */
    assert_int_equal(
        q1(f->st, "SELECT COUNT(*) FROM jobs WHERE state = 'held'", 0), 1);
    runner_free(r);
}

/* A handler whose lease is taken over while it works (its runner stalled
 * past the lease): its outcome must change nothing. */
static int stolen_run(struct runner *r, struct job *job, void *arg,
                      struct rm_err *err)
{
    struct store *st = runner_store(r);
    struct store_stmt *s;
    if (store_prepare(st,
                      "UPDATE jobs SET lease_owner = 'thief', "
                      "lease_expires_at = lease_expires_at + 1000 "
                      "WHERE id = ?",
                      &s, err) != 0)
        return err->code;
    store_bind_int64(s, 1, job->id);
    int rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    *(int *)arg = runner_extend(r, job, err);
    return 0;
}

static void test_lost_lease_changes_nothing(void **state)
{
    struct fx *f = *state;
    struct runner *r = new_runner(f->st, &f->now, "r1");
    int extend_rc = 1;
    struct runner_handler h = {
        .kind = "t.stolen", .run = stolen_run, .arg = &extend_rc};
    struct rm_err err = {0};
    assert_int_equal(runner_register(r, &h, 0, &err), 0);
    int64_t id = enqueue(f, "t.stolen", "k", "", f->now);
    assert_int_equal(run_due(r), 1);
    assert_int_equal(extend_rc, RM_EINVAL);
    /* not deleted: the row is the thief's */
    assert_int_equal(q1(f->st,
                        "SELECT COUNT(*) FROM jobs WHERE id = ? AND "
                        "lease_owner = 'thief'",
                        id),
                     1);
    runner_free(r);
}

static void
test_periodic_job_is_created_once_and_moves_to_next_slot(void **state)
{
    struct fx *f = *state;
    f->now = 10 * 86400 + 7200; /* 02:00 UTC */
    struct store *st2 = open_store(f->path);
    struct runner *a = new_runner(f->st, &f->now, "a");
    struct runner *b = new_runner(st2, &f->now, "b");
    struct rec ra = {0}, rb = {0};
    struct runner_handler ha = {.kind = "t.daily",
                                .run = rec_run,
                                .arg = &ra,
                                .period_s = 86400,
                                .offset_s = 10800};
    struct runner_handler hb = ha;
    hb.arg = &rb;
    struct rm_err err = {0};
    assert_int_equal(runner_register(a, &ha, 0, &err), 0);
    assert_int_equal(runner_register(b, &hb, 0, &err), 0);
    assert_int_equal(q1(f->st, "SELECT COUNT(*) FROM jobs", 0), 1);
    /* first slot: today 03:00 */
    assert_int_equal(
        q1(f->st, "SELECT run_at FROM jobs WHERE kind = 't.daily'", 0),
        10 * 86400 + 10800);
    f->now = 10 * 86400 + 10800 + 5;
    assert_int_equal(run_due(a) + run_due(b), 1);
    assert_int_equal(run_due(a) + run_due(b), 0);
    assert_int_equal(
        q1(f->st, "SELECT run_at FROM jobs WHERE kind = 't.daily'", 0),
        11 * 86400 + 10800);
    /* down for three days: one run, then the next slot (no backlog) */
    f->now = 14 * 86400 + 20000;
    assert_int_equal(run_due(a) + run_due(b), 1);
    assert_int_equal(
        q1(f->st, "SELECT run_at FROM jobs WHERE kind = 't.daily'", 0),
        15 * 86400 + 10800);
    /* a periodic job that keeps failing backs off, capped, never held */
    ra.fail_left = rb.fail_left = 1000;
    for (int i = 0; i < 30; i++) {
        f->now = q1(f->st, "SELECT run_at FROM jobs", 0);
        assert_int_equal(run_due(a) + run_due(b), 1);
        int64_t wait = q1(f->st, "SELECT run_at FROM jobs", 0) - f->now;
        assert_true(wait >= 60 && wait <= 3600);
    }
    assert_int_equal(
        q1(f->st, "SELECT COUNT(*) FROM jobs WHERE state = 'ready'", 0), 1);
    assert_int_equal(ra.calls + rb.calls, 32);
    runner_free(a);
    runner_free(b);
    store_close(st2);
}

static void test_unknown_kind_is_left_for_another_runner(void **state)
{
    struct fx *f = *state;
    struct runner *a = new_runner(f->st, &f->now, "a");
    struct rec ra = {0};
    struct runner_handler ha = {.kind = "t.known", .run = rec_run, .arg = &ra};
    struct rm_err err = {0};
    assert_int_equal(runner_register(a, &ha, 0, &err), 0);
    int64_t other = enqueue(f, "t.other", "k", "", f->now - 10);
    enqueue(f, "t.known", "k", "", f->now);
    assert_int_equal(run_due(a), 1); /* runs the known one only */
    assert_int_equal(ra.calls, 1);
    assert_int_equal(q1(f->st, "SELECT attempts FROM jobs WHERE id = ?", other),
                     0);
    struct runner *b = new_runner(f->st, &f->now, "b");
    struct rec rb = {0};
    struct runner_handler hb = {.kind = "t.other", .run = rec_run, .arg = &rb};
    assert_int_equal(runner_register(b, &hb, 0, &err), 0);
    assert_int_equal(run_due(b), 0); /* parked by a for a while */
    f->now += 60;
    assert_int_equal(run_due(b), 1);
    assert_int_equal(rb.calls, 1);
    runner_free(a);
    runner_free(b);
}

/* --- concurrency ------------------------------------------------------- */

#define NJOBS 300

static atomic_int running[NJOBS + 1];
static atomic_int runs[NJOBS + 1];
static atomic_int overlaps;

static int count_run(struct runner *r, struct job *job, void *arg,
                     struct rm_err *err)
{
    int i = atoi(job->payload);
    if (atomic_fetch_add(&running[i], 1) != 0)
        atomic_fetch_add(&overlaps, 1);
    atomic_fetch_add(&runs[i], 1);
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
    atomic_fetch_sub(&running[i], 1);
    if (arg) { /* process mode: append "i\n" to a shared file */
        char line[32];
        int n = snprintf(line, sizeof line, "%d\n", i);
        if (write(*(int *)arg, line, (size_t)n) != n)
            return rm_err_set(err, RM_EIO, "write");
    }
    return 0;
}

static void add_numbered_jobs(struct fx *f)
{
    struct rm_err err = {0};
    assert_int_equal(store_begin(f->st, STORE_TX_WRITE, &err), 0);
    for (int i = 1; i <= NJOBS; i++) {
        char p[16];
        snprintf(p, sizeof p, "%d", i);
        if (runner_enqueue(f->st, "t.count", p, p, f->now, f->now, NULL, &err))
            fail_msg("enqueue: %s", err.msg);
    }
    assert_int_equal(store_commit(f->st, &err), 0);
}

struct worker {
    const char *path;
    int64_t *now;
    int fd;
    int ran;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct store *st = open_store(w->path);
    struct runner *r = new_runner(st, w->now, NULL);
    struct runner_handler h = {
        .kind = "t.count", .run = count_run, .arg = w->fd >= 0 ? &w->fd : NULL};
    struct rm_err err = {0};
    if (runner_register(r, &h, 0, &err) != 0 ||
        runner_run_due(r, 0, &w->ran, &err) != 0)
        fprintf(stderr, "worker: %s\n", err.msg), w->ran = -1;
    runner_free(r);
    store_close(st);
    return NULL;
}

static void test_two_threads_never_run_one_job_twice(void **state)
{
    struct fx *f = *state;
    add_numbered_jobs(f);
    memset(running, 0, sizeof running);
    memset(runs, 0, sizeof runs);
    atomic_store(&overlaps, 0);
    struct worker w[2] = {{f->path, &f->now, -1, 0}, {f->path, &f->now, -1, 0}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker_main, &w[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(w[0].ran + w[1].ran, NJOBS);
    assert_true(w[0].ran > 0 && w[1].ran > 0); /* both took part */
    for (int i = 1; i <= NJOBS; i++)
        if (runs[i] != 1)
            fail_msg("job %d ran %d times", i, runs[i]);
    assert_int_equal(atomic_load(&overlaps), 0);
    assert_int_equal(q1(f->st, "SELECT COUNT(*) FROM jobs", 0), 0);
}

static void test_two_processes_never_run_one_job_twice(void **state)
{
    struct fx *f = *state;
    add_numbered_jobs(f);
    char log[320];
    snprintf(log, sizeof log, "%s/runs.log", f->dir);
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, 0600);
    assert_true(fd >= 0);
    /* No SQLite handle may cross a fork: close ours first. */
    store_close(f->st);
    f->st = NULL;
    pid_t pid[2];
    for (int i = 0; i < 2; i++) {
        pid[i] = fork();
        assert_true(pid[i] >= 0);
        if (pid[i] == 0) {
            struct worker w = {f->path, &f->now, fd, 0};
            worker_main(&w);
            _exit(w.ran > 0 ? 0 : 1); /* each process ran some */
        }
    }
    int ok = 1;
    for (int i = 0; i < 2; i++) {
        int status;
        waitpid(pid[i], &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            ok = 0;
    }
    close(fd);
    assert_true(ok);
    f->st = open_store(f->path);
    int seen[NJOBS + 1] = {0};
    FILE *in = fopen(log, "r");
    assert_non_null(in);
    int i, total = 0;
    while (fscanf(in, "%d", &i) == 1) {
        assert_true(i >= 1 && i <= NJOBS);
        seen[i]++;
        total++;
    }
    fclose(in);
    assert_int_equal(total, NJOBS);
    for (i = 1; i <= NJOBS; i++)
        if (seen[i] != 1)
            fail_msg("job %d ran %d times", i, seen[i]);
    assert_int_equal(q1(f->st, "SELECT COUNT(*) FROM jobs", 0), 0);
}

/* --- stop ---------------------------------------------------------------- */

static volatile sig_atomic_t stop_flag;

static void on_term(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static int term_run(struct runner *r, struct job *job, void *arg,
                    struct rm_err *err)
{
    (*(int *)arg)++;
    raise(SIGTERM); /* as if the daemon got it while the job ran */
    return 0;
}

static void test_sigterm_finishes_job_in_hand_and_stops(void **state)
{
    struct fx *f = *state;
    struct sigaction sa = {0};
    sa.sa_handler = on_term;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    stop_flag = 0;
    struct runner_opts o = {.owner = "r",
                            .now = fake_now,
                            .now_arg = &f->now,
                            .idle_ms = 60000,
                            .stop = &stop_flag};
    struct runner *r;
    struct rm_err err = {0};
    assert_int_equal(runner_new(f->st, &o, &r, &err), 0);
    int calls = 0;
    struct runner_handler h = {
        .kind = "t.term", .run = term_run, .arg = &calls};
    assert_int_equal(runner_register(r, &h, 0, &err), 0);
    enqueue(f, "t.term", "a", "", f->now);
    enqueue(f, "t.term", "b", "", f->now);
    time_t t0 = time(NULL);
    assert_int_equal(runner_run(r, &err), 0); /* returns: no 60 s nap */
    assert_true(time(NULL) - t0 < 5);
    assert_int_equal(calls, 1);
    /* the job in hand was finished, the other was never leased */
    assert_int_equal(q1(f->st,
                        "SELECT COUNT(*) FROM jobs WHERE "
                        "lease_owner IS NULL AND attempts = 0",
                        0),
                     1);
    assert_int_equal(q1(f->st, "SELECT COUNT(*) FROM jobs", 0), 1);
    signal(SIGTERM, SIG_DFL);
    runner_free(r);
}

/* A node-local task (runner_every) runs first when the runner starts, not
 * one period later: a node that starts takes its part of the due work at
 * once (an hour's period here; the task stops the runner). */
static void local_first(struct runner *r, void *arg)
{
    (void)r;
    (*(int *)arg)++;
    stop_flag = 1;
}

static void test_local_task_runs_at_start(void **state)
{
    struct fx *f = *state;
    stop_flag = 0;
    struct runner_opts o = {.owner = "r",
                            .now = fake_now,
                            .now_arg = &f->now,
                            .idle_ms = 60000,
                            .stop = &stop_flag};
    struct runner *r;
    struct rm_err err = {0};
    int calls = 0;
    assert_int_equal(runner_new(f->st, &o, &r, &err), 0);
    assert_int_equal(
        runner_every(r, "t.local", 3600, local_first, &calls, &err), 0);
    time_t t0 = time(NULL);
    assert_int_equal(runner_run(r, &err), 0);
    assert_true(time(NULL) - t0 < 5);
    assert_int_equal(calls, 1);
    runner_free(r);
}

/* Another runner (on another node) takes the first candidate between this
 * runner's look at the due jobs and its claim: the conditional UPDATE then
 * matches nothing, and the claim must go on to the next due job instead of
 * reporting "nothing due". */
static int64_t stolen_id;
static int steals;

static void steal_first(struct store *st, int64_t id)
{
    struct store_stmt *s;
    struct rm_err err = {0};

    if (steals++ > 0)
        return;
    stolen_id = id;
    assert_int_equal(store_prepare(st,
                                   "UPDATE jobs SET lease_owner = "
                                   "'other:1:00000000:0123456789abcdef:1', "
                                   "lease_expires_at = run_at + 100000, "
                                   "attempts = attempts + 1 WHERE id = ?",
                                   &s, &err),
                     0);
    store_bind_int64(s, 1, id);
    assert_int_equal(store_step(s, &err), STORE_DONE);
    store_stmt_release(s);
}

static void test_claim_that_loses_a_race_takes_the_next_due_job(void **state)
{
    struct fx *f = *state;
    int64_t first = enqueue(f, "t.race", "a", "first", f->now - 20);
    int64_t second = enqueue(f, "t.race", "b", "second", f->now - 10);
    struct runner *r = new_runner(f->st, &f->now, "r1");
    struct rec rec = {0};
    struct runner_handler h = {.kind = "t.race", .run = rec_run, .arg = &rec};
    struct rm_err err = {0};
    int ran = 0;

    assert_int_equal(runner_register(r, &h, 0, &err), 0);
    steals = 0;
    jobq_set_test_hook(steal_first);
    int rc = runner_run_due(r, 1, &ran, &err);
    jobq_set_test_hook(NULL);
    assert_int_equal(rc, 0);
    assert_int_equal(stolen_id, first);
    assert_int_equal(ran, 1);
    assert_int_equal(rec.calls, 1);
    assert_string_equal(rec.last_payload, "second");
    /* the second is done and gone; the first is still the other's */
    assert_int_equal(
        q1(f->st, "SELECT COUNT(*) FROM jobs WHERE id = ?", second), 0);
    assert_int_equal(q1(f->st,
                        "SELECT COUNT(*) FROM jobs WHERE id = ? AND "
                        "lease_owner LIKE 'other:%'",
                        first),
                     1);
    runner_free(r);
}

int main(void)
{
    rm_log_init("test_runner", LOG_FATAL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_and_slot_tables),
        cmocka_unit_test(
            test_owner_is_gone_only_when_its_process_on_this_host_is),
        cmocka_unit_test(
            test_owner_names_carry_boot_and_node_and_pid_check_needs_both),
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_enqueue_is_idempotent_per_dedup_key),
        T(test_one_shot_job_runs_once_and_is_deleted),
        T(test_failures_back_off_bounded_then_hold),
        T(test_success_with_again_at_keeps_one_shot_job),
        T(test_lease_of_dead_owner_is_retaken_after_expiry),
        T(test_lease_of_live_or_foreign_owner_waits_for_expiry),
        T(test_lease_of_killed_runner_is_taken_at_once),
        T(test_claim_that_loses_a_race_takes_the_next_due_job),
        T(test_job_that_keeps_killing_its_runner_is_held),
        T(test_lost_lease_changes_nothing),
        T(test_periodic_job_is_created_once_and_moves_to_next_slot),
        T(test_unknown_kind_is_left_for_another_runner),
        T(test_two_threads_never_run_one_job_twice),
        T(test_two_processes_never_run_one_job_twice),
        T(test_sigterm_finishes_job_in_hand_and_stops),
        T(test_local_task_runs_at_start),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
