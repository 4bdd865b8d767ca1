/*
 * cmd_serve - `regman serve [-c FILE] [--listen ADDR:PORT]` (contract in
 * cmd_serve.h; the [http] keys in docs/regman.conf.5).
 */
#include "cli/cmd_serve.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/serve_conf.h"
#include "core/conn.h"
#include "core/ops.h"
#include "core/reglog.h"
#include "core/throttle.h"
#include "jobs/registry.h"
#include "jobs/runner.h"
#include "mail/mail.h"
#include "opensrs/srs.h"
#include "util/clock.h"
#include "util/config.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "store/pg_sql.h"
#include "web/api_core.h"
#include "web/api_signup.h"
#include "web/auth.h"
#include "web/http.h"

_Static_assert(THROTTLE_SECRET_BYTES == SECRET_KEY_BYTES,
               "the throttles' keys are derived from the master key");

static const char usage[] =
    "regman serve [-c FILE] [--listen ADDR:PORT] [--web-root DIR] "
    "[--ready-file FILE]";

/* ---- workers and the runner ------------------------------------------------
 */

struct serve_ctx {
    const char *conf;
};

static int open_app(const char *conf, struct app **app, struct rm_err *err)
{
    int rc = app_open(conf, APP_OPEN_STORE | APP_OPEN_KEY, app, err);
    if (rc < 0)
        return rc;
    (*app)->make_registrar = cli_make_registrar;
    return 0;
}

static int worker_open(void *arg, struct web_worker *w, struct rm_err *err)
{
    struct serve_ctx *sc = arg;
    struct app *app;
    int rc = open_app(sc->conf, &app, err);
    if (rc < 0)
        return rc;
    w->st = app->st;
    w->ctx = app;
    return 0;
}

static void worker_close(void *arg, struct web_worker *w)
{
    app_close(w->ctx);
    w->ctx = NULL;
    w->st = NULL;
}

static volatile sig_atomic_t stopping;

static void *runner_main(void *arg)
{
    struct runner *r = arg;
    struct rm_err err;
    rm_err_clear(&err);
    if (runner_run(r, &err) < 0)
        rm_log(LOG_ERROR, "serve: job runner stopped: %s", err.msg);
    return NULL;
}

/*
 * serve_lock - one regman serve per SQLite database (design section 2):
 * an exclusive flock(2) on "DATABASE.serve.lock", taken before recovery
 * and held for the life of the process through *fd (the kernel drops it
 * when the process ends, however it ends). Only serve takes it, so the
 * CLI keeps working beside a running daemon. The file holds the holder's
 * pid, for the message. *fd is -1 when there is nothing to lock.
 */
static int serve_lock(const char *database, int *fd, struct rm_err *err)
{
    const char *db = database;
    *fd = -1;
    if (strncmp(db, "postgres", 8) == 0)
        return 0; /* any number of daemons may share PostgreSQL */
    if (strncmp(db, "sqlite:", 7) == 0)
        db += 7;
    if (strcmp(db, ":memory:") == 0)
        return 0;
    char *path = xasprintf("%s.serve.lock", db);
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (f < 0) {
        rm_err_set(err, RM_EIO, "%s: %s", path, strerror(errno));
        free(path);
        return RM_EIO;
    }
    if (flock(f, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        char pid[32] = "";
        ssize_t n = pread(f, pid, sizeof(pid) - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        close(f);
        if (e == EWOULDBLOCK)
            rm_err_set(err, RM_EINVAL,
                       "database %s is in use by another regman serve "
                       "(%s%s%slock %s); stop it first",
                       database, *pid ? "pid " : "", pid, *pid ? ", " : "",
                       path);
        else
            rm_err_set(err, RM_EIO, "%s: %s", path, strerror(e));
        free(path);
        return e == EWOULDBLOCK ? RM_EINVAL : RM_EIO;
    }
    char line[32];
    int len = snprintf(line, sizeof line, "%ld\n", (long)getpid());
    if (ftruncate(f, 0) != 0 || pwrite(f, line, (size_t)len, 0) != len)
        rm_log(LOG_WARN, "serve: %s: cannot record the pid: %s", path,
               strerror(errno));
    free(path);
    *fd = f;
    return 0;
}

/*
 * drain - the graceful part of a stop: no new connections, then wait
 * until no request is under way, at most drain_s seconds (a duration, so
 * the monotonic clock, not clock_now). A request counts as over only
 * when two looks DRAIN_POLL_MS apart both find none, so one that MHD is
 * reading from a connection at that moment is not cut off. Another
 * SIGTERM or SIGINT ends the wait at once.
 */
#define DRAIN_POLL_MS 50
static void drain(struct web_server *srv, unsigned drain_s,
                  const sigset_t *sigs)
{
    int64_t t0 = clock_mono_ms(), end = t0 + (int64_t)drain_s * 1000;
    unsigned busy, quiet = 0;

    web_server_quiesce(srv);
    rm_log(LOG_INFO, "serve: draining requests=%u drain_seconds=%u",
           web_server_busy(srv), drain_s);
    for (;;) {
        busy = web_server_busy(srv);
        quiet = busy ? 0 : quiet + 1;
        if (quiet >= 2) {
            rm_log(LOG_INFO, "serve: drained ms=%" PRId64,
                   clock_mono_ms() - t0);
            return;
        }
        if (clock_mono_ms() >= end) {
            rm_log(LOG_WARN,
                   "serve: drain_seconds=%u passed with %u requests under "
                   "way; they are cut off",
                   drain_s, busy);
            return;
        }
        struct timespec ts = {0, DRAIN_POLL_MS * 1000000L};
        int sig = sigtimedwait(sigs, NULL, &ts);
        if (sig == SIGTERM || sig == SIGINT) {
            rm_log(LOG_WARN,
                   "serve: second %s: stopping now, %u requests under way "
                   "are cut off",
                   sig == SIGINT ? "SIGINT" : "SIGTERM", busy);
            return;
        }
    }
}

static int write_ready(const char *path, const char *addr, unsigned port,
                       struct rm_err *err)
{
    char *tmp = xasprintf("%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int rc = 0;
    if (!f) {
        rc = rm_err_set(err, RM_EIO, "%s: %s", tmp, strerror(errno));
    } else {
        fprintf(f, strchr(addr, ':') ? "listen=[%s]:%u\n" : "listen=%s:%u\n",
                addr, port);
        if (fclose(f) != 0 || rename(tmp, path) != 0)
            rc = rm_err_set(err, RM_EIO, "%s: %s", path, strerror(errno));
    }
    free(tmp);
    return rc;
}

int serve_run(const struct serve_opts *o)
{
    struct rm_err err;
    const char *path;
    struct serve_conf hc;
    struct jobs_ctx jobs = {0};
    struct app *app = NULL;
    struct runner *runner = NULL;
    struct web_server *srv = NULL;
    pthread_t runner_thread;
    bool runner_started = false;
    sigset_t sigs;
    int rc, n = 0, status = EXIT_SYSTEM, lock_fd = -1;

    rm_err_clear(&err);
    if ((rc = app_find_conf(o->conf, &path, &err)) < 0 ||
        (rc = serve_conf_load(path, o->listen, o->web_root, &hc, &err)) < 0) {
        fprintf(stderr, "regman: %s\n", err.msg);
        return EXIT_USAGE;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    /* Signals go to the main thread's sigwait only: block them before any
     * thread exists so every thread inherits the mask. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    stopping = 0;

    if ((rc = open_app(path, &app, &err)) < 0) {
        fprintf(stderr, "regman: %s\n", err.msg);
        status = rc == RM_EINVAL || rc == RM_ENOTFOUND || rc == RM_EREFUSED
                     ? EXIT_USAGE
                     : EXIT_SYSTEM;
        goto out;
    }
    if ((rc = serve_lock(app->set.database, &lock_fd, &err)) < 0) {
        fprintf(stderr, "regman: serve: %s\n", err.msg);
        status = rc == RM_EINVAL ? EXIT_REFUSED : EXIT_SYSTEM;
        goto out;
    }
    if (!hc.have_log_level)
        rm_log_set_level(LOG_INFO);
    if ((rc = ops_recover(app, &n, &err)) < 0) {
        rm_log(LOG_ERROR, "serve: recovery failed: %s", err.msg);
        goto out;
    }
    char shown[512];
    store_pg_redact(app->set.database, shown, sizeof shown); /* no password */
    rm_log(LOG_INFO, "serve: start config=%s database=%s recovered=%d", path,
           shown, n);

    /* The runner shares the main app (its own store handle, this build's
     * driver): every job kind of jobs/registry.h runs on its thread, with
     * the [mail] section app_open read (the one operations queue with). */
    struct runner_opts ro = {.stop = &stopping};
    /* REGMAN_SWEEP_INTERVAL_S (tests): the Async Manager's sweep interval
     * in seconds instead of 60 */
    const char *every = getenv("REGMAN_SWEEP_INTERVAL_S");
    if (every && atoi(every) > 0)
        jobs.async_interval_s = atoi(every);
    if ((rc = runner_new(app->st, &ro, &runner, &err)) < 0 ||
        (rc = jobs_register_all(runner, app, &app->set.mail, &jobs, &err)) <
            0) {
        rm_log(LOG_ERROR, "serve: job runner: %s", err.msg);
        goto out;
    }

    struct serve_ctx sc = {path};
    struct web_config wc = {
        .listen_addr = hc.listen_addr,
        .port = hc.port,
        .threads = hc.threads,
        .web_root = hc.web_root,
        .tls_cert_file = hc.tls_cert,
        .tls_key_file = hc.tls_key,
        .cookie_secure = hc.cookie_secure,
        .max_conns_per_ip = hc.max_conns_per_ip,
        .trusted_proxies = hc.trusted_proxies,
        .header_timeout_s = hc.header_timeout_s,
        .body_timeout_s = hc.body_timeout_s,
        .metrics_access = WEB_ADMIN,
        .worker_open = worker_open,
        .worker_close = worker_close,
        .worker_arg = &sc,
    };
    if (!hc.web_root)
        rm_log(LOG_WARN, "serve: no web root found: the UI is not served "
                         "(set [http] web_root)");
    api_site_set(&hc.site);
    if (hc.site.signup_verify && !app->set.mail.from)
        rm_log(LOG_WARN, "serve: [http] signup_verify is on but [mail] has no "
                         "from address: sign-ups are refused until it is set");
    else if (hc.site.signup_verify && !hc.site.public_url &&
             (!strcmp(hc.listen_addr, "0.0.0.0") ||
              !strcmp(hc.listen_addr, "::")))
        rm_log(LOG_WARN,
               "serve: set [http] public_url: confirmation links "
               "would name the address %s",
               hc.listen_addr);
    /* The throttles' stored keys come from the master key: the same on
     * every node and after a restart, and not in the database. */
    struct auth_policy ap = {.throttle_secret =
                                 app->have_key ? app->key.k : NULL};
    hc.limits.throttle_secret = ap.throttle_secret;
    if ((rc = web_frame_new(&wc, &srv, &err)) < 0 ||
        (rc = auth_install(srv, &ap, &err)) < 0 ||
        (rc = api_core_install(srv, &hc.limits, &err)) < 0 ||
        (rc = web_server_start(srv, &err)) < 0) {
        rm_log(LOG_ERROR, "serve: http: %s", err.msg);
        goto out;
    }
    /* worker app_open calls reset the level from the config */
    if (!hc.have_log_level)
        rm_log_set_level(LOG_INFO);
    if (pthread_create(&runner_thread, NULL, runner_main, runner) != 0) {
        rm_log(LOG_ERROR, "serve: cannot start the job runner thread");
        goto out;
    }
    runner_started = true;

    char url[160];
    snprintf(url, sizeof url,
             strchr(hc.listen_addr, ':') ? "%s://[%s]:%u/" : "%s://%s:%u/",
             hc.tls_cert ? "https" : "http", hc.listen_addr,
             web_server_port(srv));
    if (o->ready_file && (rc = write_ready(o->ready_file, hc.listen_addr,
                                           web_server_port(srv), &err)) < 0) {
        rm_log(LOG_ERROR, "serve: %s", err.msg);
        goto out;
    }
    rm_log(LOG_INFO,
           "serve: listening url=%s threads=%u web_root=%s "
           "trusted_proxies=%u",
           url, hc.threads, hc.web_root ? hc.web_root : "-",
           hc.n_trusted_proxies);
    if (o->on_ready)
        o->on_ready(url, o->arg);

    int sig = 0;
    while (sigwait(&sigs, &sig) != 0)
        ;
    rm_log(LOG_INFO, "serve: stopping signal=%s",
           sig == SIGINT ? "SIGINT" : "SIGTERM");
    /* The runner stops at its next safe point (after the job in hand; a
     * sweep between pages) while HTTP drains. */
    stopping = 1;
    drain(srv, hc.drain_s, &sigs);
    status = EXIT_OK;
out:
    stopping = 1;
    /* HTTP first: what the drain left is cut off, workers close their
     * stores; then the runner */
    web_server_free(srv);
    api_core_release();
    api_site_release();
    if (runner_started)
        pthread_join(runner_thread, NULL);
    runner_free(runner);
    app_close(app);
    if (lock_fd >= 0)
        close(lock_fd); /* the lock goes last: nothing of ours is open */
    serve_conf_release(&hc);
    pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);
    if (status == EXIT_OK)
        rm_log(LOG_INFO, "serve: stopped");
    return status;
}

int cmd_serve(int argc, char **argv)
{
    struct cli_common com = {0};
    struct serve_opts o = {0};
    const char *pos[1];
    size_t npos;
    struct cli_opt opts[] = {{"listen", OPT_VALUE, &o.listen},
                             {"web-root", OPT_VALUE, &o.web_root},
                             {"ready-file", OPT_VALUE, &o.ready_file},
                             {NULL, 0, NULL}};
    int rc;

    if ((rc = cli_parse(argc, argv, opts, &com, pos, 0, &npos)))
        return rc;
    if (com.help)
        return cli_usage(usage), EXIT_OK;
    o.conf = com.conf;
    return serve_run(&o);
}
