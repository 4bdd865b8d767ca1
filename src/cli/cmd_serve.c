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
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/conn.h"
#include "core/ops.h"
#include "core/reglog.h"
#include "jobs/registry.h"
#include "jobs/runner.h"
#include "mail/mail.h"
#include "opensrs/srs.h"
#include "util/config.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "web/api_core.h"
#include "web/http.h"

#ifndef REGMAN_DATADIR
#define REGMAN_DATADIR "/usr/local/share"
#endif

static const char usage[] =
    "regman serve [-c FILE] [--listen ADDR:PORT] [--web-root DIR] "
    "[--ready-file FILE]";

/* ---- configuration --------------------------------------------------------
 */

struct http_conf {
    char *listen_addr;
    unsigned port;
    char *web_root;
    char *tls_cert, *tls_key;
    int64_t threads;
    bool cookie_secure;
    bool have_log_level;
    struct api_limits limits;
};

static void http_conf_release(struct http_conf *h)
{
    free(h->listen_addr);
    free(h->web_root);
    free(h->tls_cert);
    free(h->tls_key);
    memset(h, 0, sizeof *h);
}

/* parse_listen - "127.0.0.1:8080", "[::1]:8080" or "0.0.0.0:0". */
static int parse_listen(const char *s, char **addr, unsigned *port,
                        struct rm_err *err)
{
    const char *colon;
    char *end;
    if (!s || !*s || strlen(s) > 80)
        return rm_err_set(err, RM_EINVAL, "listen: expected ADDR:PORT");
    if (s[0] == '[') {
        const char *rb = strchr(s, ']');
        if (!rb || rb[1] != ':')
            return rm_err_set(err, RM_EINVAL,
                              "listen \"%s\": expected [ADDR]:PORT", s);
        *addr = xstrndup(s + 1, (size_t)(rb - s - 1));
        colon = rb + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || colon == s)
            return rm_err_set(err, RM_EINVAL,
                              "listen \"%s\": expected ADDR:PORT", s);
        *addr = xstrndup(s, (size_t)(colon - s));
    }
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || p < 0 || p > 65535) {
        free(*addr);
        *addr = NULL;
        return rm_err_set(err, RM_EINVAL, "listen \"%s\": bad port", s);
    }
    *port = (unsigned)p;
    return 0;
}

/* conf_path_rel - p relative to the config file's directory. */
static char *conf_path_rel(const char *conf, const char *p)
{
    const char *slash = strrchr(conf, '/');
    if (p[0] == '/' || !slash)
        return xstrdup(p);
    return xasprintf("%.*s/%s", (int)(slash - conf), conf, p);
}

static bool is_dir_with_index(const char *dir)
{
    char *p = xasprintf("%s/index.html", dir);
    bool ok = access(p, R_OK) == 0;
    free(p);
    return ok;
}

/* default_web_root - the installed UI, else the source tree's. */
static char *default_web_root(void)
{
    char *p = xasprintf("%s/regman/web", REGMAN_DATADIR);
    if (is_dir_with_index(p))
        return p;
    free(p);
#ifdef REGMAN_SOURCE_WEB
    if (is_dir_with_index(REGMAN_SOURCE_WEB))
        return xstrdup(REGMAN_SOURCE_WEB);
#endif
    return NULL;
}

static int load_http_conf(const char *path, const struct serve_opts *o,
                          struct http_conf *h, struct rm_err *err)
{
    static const char *const keys[] = {
        "listen",         "web_root",         "threads",
        "tls_cert",       "tls_key",          "cookie_secure",
        "lookup_per_min", "signups_per_hour", NULL};
    int64_t lookups, signups;
    struct config cfg;
    int rc;
    memset(h, 0, sizeof *h);
    if ((rc = config_load(path, &cfg, err)) < 0)
        return rc;
    h->have_log_level = config_get(&cfg, "regman", "log_level") != NULL;
    const char *listen =
        o->listen ? o->listen
                  : config_get_str(&cfg, "http", "listen", "127.0.0.1:8080");
    if (o->listen)
        (void)config_get(&cfg, "http", "listen");
    if ((rc = parse_listen(listen, &h->listen_addr, &h->port, err)) < 0)
        goto out;
    const char *wr = config_get(&cfg, "http", "web_root");
    if (o->web_root)
        h->web_root = xstrdup(o->web_root);
    else if (wr)
        h->web_root = conf_path_rel(path, wr);
    else
        h->web_root = default_web_root();
    const char *c = config_get(&cfg, "http", "tls_cert");
    const char *k = config_get(&cfg, "http", "tls_key");
    if (!c != !k) {
        rc = rm_err_set(err, RM_EINVAL,
                        "%s: [http] tls_cert and tls_key go together", path);
        goto out;
    }
    if (c) {
        h->tls_cert = conf_path_rel(path, c);
        h->tls_key = conf_path_rel(path, k);
    }
    if ((rc = config_get_int(&cfg, "http", "threads", 4, 1, 256, &h->threads,
                             err)) < 0 ||
        (rc = config_get_bool(&cfg, "http", "cookie_secure", false,
                              &h->cookie_secure, err)) < 0 ||
        (rc = config_get_int(&cfg, "http", "lookup_per_min",
                             API_LOOKUP_PER_MIN_DEFAULT, 0, 1000000, &lookups,
                             err)) < 0 ||
        (rc = config_get_int(&cfg, "http", "signups_per_hour",
                             API_SIGNUPS_PER_HOUR_DEFAULT, 0, 1000000, &signups,
                             err)) < 0)
        goto out;
    h->limits.lookup_per_min = (unsigned)lookups;
    h->limits.signups_per_hour = (unsigned)signups;
    for (size_t i = 0; i < cfg.n; i++) {
        bool known = false;
        if (strcmp(cfg.entries[i].section, "http") != 0)
            continue;
        for (size_t j = 0; keys[j]; j++)
            known = known || strcmp(cfg.entries[i].key, keys[j]) == 0;
        if (!known) {
            rc = rm_err_set(err, RM_EINVAL,
                            "%s:%d: unknown key \"%s\" in [http]", path,
                            cfg.entries[i].line, cfg.entries[i].key);
            goto out;
        }
    }
    rc = 0;
out:
    config_free(&cfg);
    if (rc < 0)
        http_conf_release(h);
    return rc;
}

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
    struct http_conf hc;
    struct jobs_ctx jobs = {0};
    struct app *app = NULL;
    struct runner *runner = NULL;
    struct web_server *srv = NULL;
    pthread_t runner_thread;
    bool runner_started = false;
    sigset_t sigs;
    int rc, n = 0, status = EXIT_SYSTEM;

    rm_err_clear(&err);
    if ((rc = app_find_conf(o->conf, &path, &err)) < 0 ||
        (rc = load_http_conf(path, o, &hc, &err)) < 0) {
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
        status =
            rc == RM_EINVAL || rc == RM_ENOTFOUND ? EXIT_USAGE : EXIT_SYSTEM;
        goto out;
    }
    if (!hc.have_log_level)
        rm_log_set_level(LOG_INFO);
    if ((rc = ops_recover(app, &n, &err)) < 0) {
        rm_log(LOG_ERROR, "serve: recovery failed: %s", err.msg);
        goto out;
    }
    rm_log(LOG_INFO, "serve: start config=%s database=%s recovered=%d", path,
           app->set.database, n);

    /* The runner shares the main app (its own store handle, this build's
     * driver): every job kind of jobs/registry.h runs on its thread, with
     * the [mail] section app_open read (the one operations queue with). */
    struct runner_opts ro = {.stop = &stopping};
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
        .threads = (unsigned)hc.threads,
        .web_root = hc.web_root,
        .tls_cert_file = hc.tls_cert,
        .tls_key_file = hc.tls_key,
        .cookie_secure = hc.cookie_secure,
        .metrics_access = WEB_ADMIN,
        .worker_open = worker_open,
        .worker_close = worker_close,
        .worker_arg = &sc,
    };
    if (!hc.web_root)
        rm_log(LOG_WARN, "serve: no web root found: the UI is not served "
                         "(set [http] web_root)");
    if ((rc = web_server_new(&wc, &srv, &err)) < 0 ||
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
    rm_log(LOG_INFO, "serve: listening url=%s threads=%u web_root=%s", url,
           (unsigned)hc.threads, hc.web_root ? hc.web_root : "-");
    if (o->on_ready)
        o->on_ready(url, o->arg);

    int sig = 0;
    while (sigwait(&sigs, &sig) != 0)
        ;
    rm_log(LOG_INFO, "serve: stopping signal=%s",
           sig == SIGINT ? "SIGINT" : "SIGTERM");
    status = EXIT_OK;
out:
    stopping = 1;
    /* HTTP first: no new requests, the ones in hand finish, workers
     * close their stores */
    web_server_free(srv);
    api_core_release();
    if (runner_started)
        pthread_join(runner_thread, NULL);
    runner_free(runner);
    app_close(app);
    http_conf_release(&hc);
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
