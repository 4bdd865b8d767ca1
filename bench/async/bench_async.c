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
 *   bench_async select CONF
 *     times lifecycle_due_warnings + lifecycle_due_renewals (core/
 *     lifecycle.h) at now and prints the rows and milliseconds.
 *   bench_async sweep CONF REGMAN
 *     runs `REGMAN async sweep -c CONF --json` as a child process and
 *     prints its wall time and peak RSS (wait4 rusage) with its output.
 */
#include <inttypes.h>
#include <pthread.h>
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
#include "core/lifecycle.h"
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

/* --- sweep -------------------------------------------------------------------
 */

static int sweep_bench(const char *conf, const char *regman, int npend)
{
    struct rusage ru;
    int status;
    double t0 = now_s(), el;
    pid_t pid = fork();

    if (pid < 0)
        return die("fork", NULL);
    if (pid == 0) {
        execl(regman, regman, "async", "sweep", "-c", conf, "--json",
              (char *)NULL);
        _exit(127);
    }
    if (wait4(pid, &status, 0, &ru) < 0)
        return die("wait4", NULL);
    el = now_s() - t0;
    double bound = npend * 0.050 / 16;
    printf("sweep: %d pending operations, 50 ms per call, concurrency 16: "
           "%.2f s (bound %.2f s, limit 1.5x = %.2f s), exit %d\n",
           npend, el, bound, bound * 1.5,
           WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    printf("rss: peak RSS of the sweep process %.1f MB (limit 64 MB)\n",
           (double)ru.ru_maxrss / 1024.0);
    return (el <= bound * 1.5 && ru.ru_maxrss < 64 * 1024 &&
            WIFEXITED(status) && WEXITSTATUS(status) == 0)
               ? 0
               : 2;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "populate") == 0)
        return populate(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
    if (argc == 3 && strcmp(argv[1], "select") == 0)
        return select_bench(argv[2]);
    if (argc == 5 && strcmp(argv[1], "sweep") == 0)
        return sweep_bench(argv[2], argv[3], atoi(argv[4]));
    fprintf(stderr, "usage: bench_async populate CONF ACCOUNT N_PENDING "
                    "N_DOMAINS | select CONF | sweep CONF REGMAN N_PENDING\n");
    return 2;
}
