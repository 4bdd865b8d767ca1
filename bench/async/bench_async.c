/*
 * bench_async - the Async Manager benchmark's helper (driver: bench/async/
 * run; figures in docs/bench.md). Modes:
 *
 *   bench_async populate CONF ACCOUNT N_PENDING N_DOMAINS
 *     N_PENDING registrations sent to the registrar of connection 1 (16
 *     threads, straight through the OpenSRS driver; the sim is told to
 *     answer them asynchronously and never complete), then recorded the
 *     way ops_register leaves them: domain 'registering', operation
 *     'pending' with the order id, due now, charged - in one transaction.
 *     Then N_DOMAINS active domains (expiry spread over the next 365 days,
 *     auto-renew on every second one) for the selection benchmark.
 *   bench_async pending CONF ACCOUNT FROM TO GROUPS
 *     registrations FROM..TO-1 sent to the registrar of connection 1 (16
 *     threads, straight through the OpenSRS driver), each named
 *     GROUP-NNNNNN.com with GROUP the (i mod n)-th of the comma list
 *     GROUPS (the sim's rules decide per name glob when each order
 *     completes); then recorded in one transaction the way ops_register
 *     leaves an order the registrar took: domain 'registering', operation
 *     'pending' with the order id, charged, the deadline the connection's
 *     registration window on, and the first check where ops_register puts
 *     it (events_first_check: the connection's first check, or with a
 *     healthy event stream the deferred fallback). bench/async/events.
 *   bench_async defer CONF
 *     moves the daily lifecycle jobs a day on (as serve does), so a
 *     daemon started next runs only the sweep (bench/scale/sweep).
 *   bench_async select CONF
 *     times lifecycle_due_warnings + lifecycle_due_renewals (core/
 *     lifecycle.h) at now and prints the rows and milliseconds.
 *   bench_async serve CONF DB REGMAN N_PENDING DIR
 *     starts `REGMAN serve -c CONF` (log in DIR/serve.log) with the daily
 *     lifecycle jobs set to run a day later, so its runner runs just the
 *     async.sweep job that is due at start; watches the jobs table through
 *     a read-only SQLite handle on DB until that job is recorded done;
 *     reads the daemon's VmHWM, stops it with SIGTERM and prints the time,
 *     the sweep's counts (its log line), the due pending operations left
 *     and the peak RSS (VmHWM, and wait4's ru_maxrss after it exits).
 */
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/app.h"
#include "core/conn.h"
#include "core/ledger.h"
#include "core/async.h"
#include "core/events.h"
#include "core/lifecycle.h"
#include "jobs/lifecycle_job.h"
#include "jobs/runner.h"
#include "opensrs/srs.h"
#include "util/clock.h"
#include "util/xalloc.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int die(const char *what, const struct rm_err *err)
{
    fprintf(stderr, "bench_async: %s: %s\n", what, err ? err->msg : "");
    return 1;
}

/* --- populate ---------------------------------------------------------- */

struct sender {
    struct registrar *reg;
    int from, to; /* names [from, to) */
    char (*order_ids)[REG_ID_MAX];
    int failures;
    /* the name of registration i (pending%06d.com when NULL) */
    void (*name)(int i, char *buf, size_t n, const void *arg);
    const void *name_arg;
};

static void *send_main(void *arg)
{
    struct sender *s = arg;
    static const struct reg_contact c = {
        .first_name = "Bench",
        .last_name = "Mark",
        .org_name = "Bench",
        .address1 = "1 Main St",
        .city = "Toronto",
        .state = "ON",
        .postal_code = "M5V1A1",
        .country = "CA",
        .phone = "+1.4165550123",
        .email = "bench@example.com",
    };
    static const char *const ns[] = {"ns1.example.net", "ns2.example.net"};
    for (int i = s->from; i < s->to; i++) {
        char name[64];
        struct reg_domain_order o = {0};
        struct reg_op_result r;
        struct rm_err err;
        if (s->name)
            s->name(i, name, sizeof name, s->name_arg);
        else
            snprintf(name, sizeof name, "pending%06d.com", i);
        o.domain = name;
        o.period = 1;
        o.owner = o.admin = o.billing = o.tech = &c;
        o.nameservers = ns;
        o.n_nameservers = 2;
        o.reg_username = "benchuser";
        o.reg_password = "benchpass123";
        memset(&r, 0, sizeof r);
        reg_register(s->reg, &o, &r, &err);
        if (r.state != REG_OP_PENDING || !r.order_id[0]) {
            s->failures++;
            s->order_ids[i][0] = '\0';
            continue;
        }
        snprintf(s->order_ids[i], REG_ID_MAX, "%s", r.order_id);
    }
    return NULL;
}

static int exec1(struct store *st, const char *sql, struct rm_err *err)
{
    return store_exec(st, sql, err);
}

static int populate(const char *conf, const char *account, int npend, int ndom)
{
    struct app *app;
    struct rm_err err;
    struct conn c;
    char *key = NULL, url[400];
    struct sender s[16];
    pthread_t th[16];
    char(*ids)[REG_ID_MAX];
    struct store_stmt *q;
    int64_t acct = 0, now;
    int rc, fails = 0;
    double t0;

    if (app_open(conf, APP_OPEN_STORE | APP_OPEN_KEY, &app, &err) < 0)
        return die("open", &err);
    if (conn_get_id(app, 1, &c, &err) < 0 || conn_key(app, 1, &key, &err) < 0)
        return die("connection 1", &err);
    conn_url(&c, url, sizeof url);
    ids = xcalloc((size_t)npend, sizeof *ids);
    t0 = now_s();
    for (int k = 0; k < 16; k++) {
        struct srs_transport_config cfg = {0};
        cfg.url = url;
        cfg.user = c.login;
        cfg.key = key;
        cfg.connect_timeout_ms = 5000;
        cfg.timeout_ms = 30000;
        cfg.max_handles = 1;
        s[k].reg = srs_registrar_new(&cfg, &err);
        if (!s[k].reg)
            return die("driver", &err);
        s[k].from = npend * k / 16;
        s[k].to = npend * (k + 1) / 16;
        s[k].order_ids = ids;
        s[k].failures = 0;
        s[k].name = NULL;
        s[k].name_arg = NULL;
        pthread_create(&th[k], NULL, send_main, &s[k]);
    }
    for (int k = 0; k < 16; k++) {
        pthread_join(th[k], NULL);
        fails += s[k].failures;
        reg_free(s[k].reg);
    }
    secret_free_text(key);
    fprintf(stderr,
            "populate: %d registrations sent in %.1f s (%d not "
            "pending)\n",
            npend, now_s() - t0, fails);
    if (fails)
        return die("some registrations did not go pending", NULL);

    if ((rc = store_prepare(app->st, "SELECT id FROM accounts WHERE name = ?",
                            &q, &err)) < 0)
        return die("account", &err);
    store_bind_text(q, 1, account);
    if (store_step(q, &err) == STORE_ROW)
        acct = store_col_int64(q, 0);
    store_stmt_release(q);
    if (!acct)
        return die("no such account", NULL);

    now = clock_now();
    t0 = now_s();
    if (store_begin(app->st, STORE_TX_WRITE, &err) < 0)
        return die("begin", &err);
    for (int i = 0; i < npend; i++) {
        char name[64];
        int64_t dom = 0, op = 0;
        snprintf(name, sizeof name, "pending%06d.com", i);
        store_prepare(app->st,
                      "INSERT INTO domains (name, unicode_name, tld, "
                      "account_id, connection_id, status, created_at, "
                      "updated_at) VALUES (?, ?, 'com', ?, 1, 'registering', "
                      "?, ?) RETURNING id",
                      &q, &err);
        store_bind_text(q, 1, name);
        store_bind_text(q, 2, name);
        store_bind_int64(q, 3, acct);
        store_bind_int64(q, 4, now);
        store_bind_int64(q, 5, now);
        if (store_step(q, &err) == STORE_ROW)
            dom = store_col_int64(q, 0);
        store_stmt_release(q);
        store_prepare(app->st,
                      "INSERT INTO operations (kind, domain_id, account_id, "
                      "connection_id, state, term, amount, registrar_order_id, "
                      "pending_reason, created_at, sent_at, next_check_at, "
                      "deadline_at) VALUES ('register', ?, ?, 1, 'pending', 1, "
                      "1250, ?, 'async: 250', ?, ?, ?, ?) RETURNING id",
                      &q, &err);
        store_bind_int64(q, 1, dom);
        store_bind_int64(q, 2, acct);
        store_bind_text(q, 3, ids[i]);
        store_bind_int64(q, 4, now);
        store_bind_int64(q, 5, now);
        store_bind_int64(q, 6, now);
        store_bind_int64(q, 7, now + 259200);
        if (store_step(q, &err) == STORE_ROW)
            op = store_col_int64(q, 0);
        store_stmt_release(q);
        if (!dom || !op || ledger_charge(app->st, op, now, &err) < 0)
            return die("insert pending", &err);
    }
    if (store_commit(app->st, &err) < 0)
        return die("commit", &err);
    fprintf(stderr, "populate: %d pending operations recorded in %.1f s\n",
            npend, now_s() - t0);

    t0 = now_s();
    for (int b = 0; b < ndom; b += 50000) {
        if (store_begin(app->st, STORE_TX_WRITE, &err) < 0)
            return die("begin", &err);
        for (int i = b; i < ndom && i < b + 50000; i++) {
            char name[64];
            snprintf(name, sizeof name, "bulk%07d.com", i);
            store_prepare(app->st,
                          "INSERT INTO domains (name, unicode_name, tld, "
                          "account_id, connection_id, status, expires_at, "
                          "auto_renew, created_at, updated_at) VALUES (?, ?, "
                          "'com', ?, 1, 'active', ?, ?, ?, ?)",
                          &q, &err);
            store_bind_text(q, 1, name);
            store_bind_text(q, 2, name);
            store_bind_int64(q, 3, acct);
            store_bind_int64(q, 4, now + 3600 + (int64_t)(i % 365) * 86400);
            store_bind_int64(q, 5, i % 2);
            store_bind_int64(q, 6, now);
            store_bind_int64(q, 7, now);
            if (store_step(q, &err) < 0)
                return die("insert domain", &err);
            store_stmt_release(q);
        }
        if (store_commit(app->st, &err) < 0)
            return die("commit", &err);
    }
    exec1(app->st, "ANALYZE", &err);
    fprintf(stderr, "populate: %d active domains in %.1f s\n", ndom,
            now_s() - t0);
    free(ids);
    conn_release(&c);
    app_close(app);
    return 0;
}

/* --- pending ------------------------------------------------------------- */

struct groups {
    char names[8][32];
    int n;
};

static void group_name(int i, char *buf, size_t n, const void *arg)
{
    const struct groups *g = arg;
    snprintf(buf, n, "%s-%06d.com", g->names[i % g->n], i);
}

static int pending(const char *conf, const char *account, int from, int to,
                   const char *groups)
{
    struct app *app;
    struct rm_err err;
    struct conn c;
    struct groups g = {0};
    char *key = NULL, url[400];
    struct sender s[16];
    pthread_t th[16];
    char(*ids)[REG_ID_MAX];
    struct store_stmt *q;
    int64_t acct = 0, now, first = 0;
    int fails = 0, n = to - from;
    double t0;

    for (const char *p = groups; *p && g.n < 8;) {
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= sizeof g.names[0])
            return die("GROUPS: a comma list of names (1-31 characters)", NULL);
        memcpy(g.names[g.n], p, len);
        g.names[g.n++][len] = '\0';
        p += len + (p[len] == ',');
    }
    if (g.n == 0 || from < 0 || n <= 0)
        return die("pending: FROM < TO and at least one group", NULL);
    if (app_open(conf, APP_OPEN_STORE | APP_OPEN_KEY, &app, &err) < 0)
        return die("open", &err);
    if (conn_get_id(app, 1, &c, &err) < 0 || conn_key(app, 1, &key, &err) < 0)
        return die("connection 1", &err);
    conn_url(&c, url, sizeof url);
    ids = xcalloc((size_t)to, sizeof *ids);
    t0 = now_s();
    for (int k = 0; k < 16; k++) {
        struct srs_transport_config cfg = {0};
        cfg.url = url;
        cfg.user = c.login;
        cfg.key = key;
        cfg.connect_timeout_ms = 5000;
        cfg.timeout_ms = 30000;
        cfg.max_handles = 1;
        s[k].reg = srs_registrar_new(&cfg, &err);
        if (!s[k].reg)
            return die("driver", &err);
        s[k].from = from + n * k / 16;
        s[k].to = from + n * (k + 1) / 16;
        s[k].order_ids = ids;
        s[k].failures = 0;
        s[k].name = group_name;
        s[k].name_arg = &g;
        pthread_create(&th[k], NULL, send_main, &s[k]);
    }
    for (int k = 0; k < 16; k++) {
        pthread_join(th[k], NULL);
        fails += s[k].failures;
        reg_free(s[k].reg);
    }
    secret_free_text(key);
    if (fails)
        return die("some registrations did not go pending", NULL);

    if (store_prepare(app->st, "SELECT id FROM accounts WHERE name = ?", &q,
                      &err) < 0)
        return die("account", &err);
    store_bind_text(q, 1, account);
    if (store_step(q, &err) == STORE_ROW)
        acct = store_col_int64(q, 0);
    store_stmt_release(q);
    if (!acct)
        return die("no such account", NULL);

    if (store_begin(app->st, STORE_TX_WRITE, &err) < 0)
        return die("begin", &err);
    now = clock_now();
    for (int i = from; i < to; i++) {
        char name[64];
        int64_t dom = 0, op = 0, deadline = now + c.deadline_reg_s;
        /* as ops_register leaves an order the registrar took (250) */
        int64_t next = events_first_check(app, c.id, now, c.first_check_s,
                                          c.poll_interval_s, deadline);
        if (i == from)
            first = next - now;
        group_name(i, name, sizeof name, &g);
        store_prepare(app->st,
                      "INSERT INTO domains (name, unicode_name, tld, "
                      "account_id, connection_id, status, created_at, "
                      "updated_at) VALUES (?, ?, 'com', ?, 1, 'registering', "
                      "?, ?) RETURNING id",
                      &q, &err);
        store_bind_text(q, 1, name);
        store_bind_text(q, 2, name);
        store_bind_int64(q, 3, acct);
        store_bind_int64(q, 4, now);
        store_bind_int64(q, 5, now);
        if (store_step(q, &err) == STORE_ROW)
            dom = store_col_int64(q, 0);
        store_stmt_release(q);
        store_prepare(app->st,
                      "INSERT INTO operations (kind, domain_id, account_id, "
                      "connection_id, state, term, amount, registrar_order_id, "
                      "pending_reason, created_at, sent_at, next_check_at, "
                      "deadline_at) VALUES ('register', ?, ?, 1, 'pending', 1, "
                      "1250, ?, 'async: Action submitted successfully for "
                      "processing to asynchronous registry', ?, ?, ?, ?) "
                      "RETURNING id",
                      &q, &err);
        store_bind_int64(q, 1, dom);
        store_bind_int64(q, 2, acct);
        store_bind_text(q, 3, ids[i]);
        store_bind_int64(q, 4, now);
        store_bind_int64(q, 5, now);
        store_bind_int64(q, 6, next);
        store_bind_int64(q, 7, deadline);
        if (store_step(q, &err) == STORE_ROW)
            op = store_col_int64(q, 0);
        store_stmt_release(q);
        if (!dom || !op || ledger_charge(app->st, op, now, &err) < 0)
            return die("insert pending", &err);
    }
    if (store_commit(app->st, &err) < 0)
        return die("commit", &err);
    fprintf(stderr,
            "pending: %d registrations sent and recorded in %.1f s (first "
            "check in %" PRId64 " s, deadline in %" PRId64 " s)\n",
            n, now_s() - t0, first, c.deadline_reg_s);
    free(ids);
    conn_release(&c);
    app_close(app);
    return 0;
}

/* --- select -------------------------------------------------------------- */

static int count_row(const struct lifecycle_domain *d, void *arg)
{
    (void)d;
    (*(int64_t *)arg)++;
    return 0;
}

static int select_bench(const char *conf)
{
    struct app *app;
    struct rm_err err;
    int64_t nw = 0, nr = 0, now;
    double t0, tw, tr;

    if (app_open(conf, APP_OPEN_STORE, &app, &err) < 0)
        return die("open", &err);
    now = clock_now();
    t0 = now_s();
    if (lifecycle_due_warnings(app, now, count_row, &nw, &err) < 0)
        return die("due warnings", &err);
    tw = now_s() - t0;
    t0 = now_s();
    if (lifecycle_due_renewals(app, now, count_row, &nr, &err) < 0)
        return die("due renewals", &err);
    tr = now_s() - t0;
    printf("select: due warnings %" PRId64 " rows in %.0f ms, due renewals "
           "%" PRId64 " rows in %.0f ms, total %.0f ms (limit 1000 ms)\n",
           nw, tw * 1000, nr, tr * 1000, (tw + tr) * 1000);
    app_close(app);
    return tw + tr < 1.0 ? 0 : 2;
}

/* --- serve --------------------------------------------------------------
 *
 * The daemon's sweep, watched from outside: the bench never touches the
 * daemon's database while it runs except through a read-only SQLite
 * handle (WAL: readers never block the daemon's writer). */

/* ro_int - the first column of the first row of sql, or -1. */
static int64_t ro_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

enum job_state { JOB_NOT_DONE, JOB_DONE, JOB_FAILED };

/* sweep_job_state - the async.sweep periodic row, as the runner leaves it
 * (jobs/runner.h): registered due now (run_at = created_at), leased
 * (lease_owner set), then on success released with run_at moved to the
 * next slot (> created_at) and no last_error; on failure released with
 * last_error set. */
static enum job_state sweep_job_state(sqlite3 *db, char *why, size_t whylen)
{
    sqlite3_stmt *q;
    enum job_state js = JOB_NOT_DONE;
    if (sqlite3_prepare_v2(db,
                           "SELECT lease_owner IS NULL, run_at > created_at, "
                           "last_error FROM jobs WHERE kind = '" ASYNC_JOB_KIND
                           "' AND dedup_key = '" RUNNER_PERIODIC_KEY "'",
                           -1, &q, NULL) != SQLITE_OK)
        return JOB_NOT_DONE; /* the daemon may not have created jobs yet */
    if (sqlite3_step(q) == SQLITE_ROW) {
        const unsigned char *e = sqlite3_column_text(q, 2);
        if (sqlite3_column_int(q, 0) && e) {
            snprintf(why, whylen, "%s", (const char *)e);
            js = JOB_FAILED;
        } else if (sqlite3_column_int(q, 0) && sqlite3_column_int(q, 1)) {
            js = JOB_DONE;
        }
    }
    sqlite3_finalize(q);
    return js;
}

/* vm_kb - a "Vm...:  N kB" line of /proc/PID/status, or -1. */
static long vm_kb(pid_t pid, const char *field)
{
    char path[64], line[256];
    long v = -1;
    size_t fl = strlen(field);
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, fl) == 0 && line[fl] == ':') {
            v = strtol(line + fl + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

/* sweep_line - the daemon's "async: sweep polled=..." log line (core/
 * async.c; logged at info). 0 when found. */
static int sweep_line(const char *log, struct async_sweep_stats *st)
{
    char line[1024];
    int found = -1;
    FILE *f = fopen(log, "r");
    if (!f)
        return -1;
    while (found < 0 && fgets(line, sizeof line, f)) {
        const char *p = strstr(line, "async: sweep polled=");
        if (p && sscanf(p,
                        "async: sweep polled=%d calls=%d succeeded=%d "
                        "failed=%d timed_out=%d waiting=%d no_answer=%d "
                        "errors=%d digested=%d watched=%d late=%d "
                        "events=%d events_checked=%d ms=%" SCNd64,
                        &st->polled, &st->calls, &st->succeeded, &st->failed,
                        &st->timed_out, &st->waiting, &st->no_answer,
                        &st->errors, &st->digested, &st->watched, &st->late,
                        &st->events, &st->events_checked, &st->ms) == 14)
            found = 0;
    }
    fclose(f);
    return found;
}

/* defer_lifecycle - the daily lifecycle jobs (jobs/lifecycle_job.h) are
 * due at every start of the daemon too; they run after the sweep (the
 * runner takes due jobs by run_at, then id, and async.sweep registers
 * first), but a renewal run against 1,000,000 domains would keep the
 * runner busy for minutes. Their rows are written as a daemon that ran
 * them today leaves them (next run a day later), so `regman serve` leaves
 * them alone (runner_register: ON CONFLICT DO NOTHING). */
static int defer_lifecycle(const char *conf)
{
    static const char *const kinds[] = {
        LIFECYCLE_JOB_EXPIRE, LIFECYCLE_JOB_WARNINGS, LIFECYCLE_JOB_RENEW,
        LIFECYCLE_JOB_SYNC};
    struct app *app;
    struct rm_err err;
    struct store_stmt *q;
    int64_t now = clock_now();

    if (app_open(conf, APP_OPEN_STORE, &app, &err) < 0)
        return die("open", &err);
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (store_prepare(
                app->st,
                "INSERT INTO jobs (kind, dedup_key, run_at, "
                "created_at, updated_at) VALUES (?, '" RUNNER_PERIODIC_KEY
                "', ?, ?, ?) ON CONFLICT (kind, dedup_key) DO "
                "UPDATE SET run_at = excluded.run_at",
                &q, &err) < 0)
            return die("jobs", &err);
        store_bind_text(q, 1, kinds[i]);
        store_bind_int64(q, 2, now + LIFECYCLE_DAY);
        store_bind_int64(q, 3, now);
        store_bind_int64(q, 4, now);
        if (store_step(q, &err) < 0)
            return die("jobs", &err);
        store_stmt_release(q);
    }
    app_close(app);
    return 0;
}

static int serve_bench(const char *conf, const char *db_path,
                       const char *regman, int npend, const char *dir)
{
    char log[4096], ready[4096], why[512] = "";
    char due_sql[200];
    struct async_sweep_stats st;
    struct rusage ru;
    sqlite3 *db;
    enum job_state js = JOB_NOT_DONE;
    double bound = npend * 0.050 / 16, t0, t_done = 0, limit_s;
    long hwm = -1, rss = -1;
    int status = 0, ok = 1, exited = 0;
    int64_t start, due_before, due_after;
    pid_t pid;

    snprintf(log, sizeof log, "%s/serve.log", dir);
    snprintf(ready, sizeof ready, "%s/serve.ready", dir);
    if (defer_lifecycle(conf))
        return 1;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return die("sqlite3_open_v2", NULL);
    sqlite3_busy_timeout(db, 5000);
    if (ro_int(db, "SELECT COUNT(*) FROM jobs WHERE kind = '" ASYNC_JOB_KIND
                   "'") != 0)
        return die("the database has an async.sweep job already: the "
                   "bench needs a fresh one",
                   NULL);
    start = clock_now();
    snprintf(due_sql, sizeof due_sql,
             "SELECT COUNT(*) FROM operations WHERE state = 'pending' AND "
             "next_check_at <= %" PRId64,
             start);
    due_before = ro_int(db, due_sql);

    /* nothing may wait on the daemon's pipes: its log goes to a file */
    limit_s = bound * 1.5;
    t0 = now_s();
    pid = fork();
    if (pid < 0)
        return die("fork", NULL);
    if (pid == 0) {
        FILE *f = freopen(log, "w", stderr);
        if (!f || dup2(fileno(stderr), STDOUT_FILENO) < 0)
            _exit(127);
        execl(regman, regman, "serve", "-c", conf, "--listen", "127.0.0.1:0",
              "--ready-file", ready, (char *)NULL);
        _exit(127);
    }
    /* poll every 20 ms; give up after 4x the limit (and 60 s at least) */
    while (now_s() - t0 < (limit_s * 4 > 60 ? limit_s * 4 : 60)) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            exited = 1;
            break;
        }
        js = sweep_job_state(db, why, sizeof why);
        if (js != JOB_NOT_DONE) {
            t_done = now_s() - t0;
            break;
        }
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (!exited) {
        /* the peak so far, read before the daemon starts shutting down */
        hwm = vm_kb(pid, "VmHWM");
        rss = vm_kb(pid, "VmRSS");
        kill(pid, SIGTERM);
        for (int i = 0; i < 3000; i++) { /* 30 s to stop */
            if (wait4(pid, &status, WNOHANG, &ru) == pid) {
                exited = 1;
                break;
            }
            struct timespec ts = {0, 10 * 1000000L};
            nanosleep(&ts, NULL);
        }
        if (!exited) {
            kill(pid, SIGKILL);
            wait4(pid, &status, 0, &ru);
            fprintf(stderr, "bench_async: regman serve did not stop on "
                            "SIGTERM within 30 s\n");
            ok = 0;
        }
    } else {
        /* it died by itself: wait4 again only to get its rusage */
        memset(&ru, 0, sizeof ru);
        fprintf(stderr,
                "bench_async: regman serve exited on its own "
                "(see %s)\n",
                log);
        ok = 0;
    }
    due_after = ro_int(db, due_sql);
    sqlite3_close(db);

    memset(&st, 0, sizeof st);
    if (sweep_line(log, &st) < 0) {
        fprintf(stderr, "bench_async: no \"async: sweep\" line in %s\n", log);
        ok = 0;
    }
    if (js == JOB_FAILED) {
        fprintf(stderr, "bench_async: the async.sweep job failed: %s\n", why);
        ok = 0;
    } else if (js != JOB_DONE) {
        fprintf(stderr, "bench_async: the async.sweep job did not finish\n");
        ok = 0;
    }
    printf("sweep: regman serve, %d pending operations, 50 ms per call, "
           "concurrency 16: async.sweep job done %.2f s after the daemon "
           "started (the sweep's own ms=%" PRId64 "); bound %.2f s, limit "
           "1.5x = %.2f s\n",
           npend, t_done, st.ms, bound, limit_s);
    printf("sweep: polled=%d calls=%d waiting=%d settled=%d errors=%d; due "
           "pending operations %" PRId64 " before, %" PRId64 " after\n",
           st.polled, st.calls, st.waiting,
           st.succeeded + st.failed + st.timed_out, st.errors, due_before,
           due_after);
    printf("rss: peak RSS of regman serve %.1f MB when the sweep was done "
           "(VmHWM; VmRSS then %.1f MB), %.1f MB over its whole life "
           "(wait4); limit 64 MB\n",
           hwm / 1024.0, rss / 1024.0, (double)ru.ru_maxrss / 1024.0);
    printf("serve: exit %d after SIGTERM\n",
           WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    /* every missed condition named, not just the first */
    const struct {
        bool miss;
        const char *what;
    } checks[] = {
        {js != JOB_DONE, "the sweep job was not recorded done"},
        {js == JOB_DONE && t_done > limit_s, "sweep time over the limit"},
        {st.polled != npend || st.errors != 0,
         "not every operation polled without error"},
        {due_before != npend || due_after != 0,
         "due pending operations not N_PENDING before and 0 after"},
        {hwm < 0 || hwm >= 64 * 1024 || ru.ru_maxrss >= 64 * 1024,
         "peak RSS not under 64 MB"},
        {!WIFEXITED(status) || WEXITSTATUS(status) != 0,
         "the daemon did not exit 0"},
    };
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++)
        if (checks[i].miss) {
            printf("serve: FAILED: %s\n", checks[i].what);
            ok = 0;
        }
    return ok ? 0 : 2;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "populate") == 0)
        return populate(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
    if (argc == 3 && strcmp(argv[1], "select") == 0)
        return select_bench(argv[2]);
    if (argc == 7 && strcmp(argv[1], "pending") == 0)
        return pending(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]), argv[6]);
    if (argc == 3 && strcmp(argv[1], "defer") == 0)
        return defer_lifecycle(argv[2]);
    if (argc == 7 && strcmp(argv[1], "serve") == 0)
        return serve_bench(argv[2], argv[3], argv[4], atoi(argv[5]), argv[6]);
    fprintf(stderr, "usage: bench_async populate CONF ACCOUNT N_PENDING "
                    "N_DOMAINS | pending CONF ACCOUNT FROM TO GROUPS | "
                    "select CONF | defer CONF | serve CONF DB "
                    "REGMAN N_PENDING "
                    "DIR\n");
    return 2;
}
