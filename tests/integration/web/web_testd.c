/*
 * web_testd - the web frame on a temporary SQLite store, for the web
 * integration tests: creates the customer accounts alice-co, bob-co and
 * acct-01..07, the logins admin, alice, bob and dave (customer of
 * bob-co), serves the frame's own endpoints plus a few demo endpoints,
 * and writes "listen=127.0.0.1:PORT" to the ready file once it accepts
 * connections. SIGTERM or SIGINT stops it.
 *
 *   web_testd --db FILE --ready-file FILE [--web-root DIR]
 *             [--user-max-fail N] [--ip-max-fail N] [--cookie-secure]
 *             [--threads N]
 *
 * Demo endpoints:
 *   GET  /api/v1/me                   the principal
 *   POST /api/v1/echo                 {"text": string 1..100, "count":
 *                                     integer 1..10, "flag"?: boolean}
 *   GET  /api/v1/accounts             customer accounts, paginated, scoped
 *   GET  /api/v1/accounts/{id}        one account, scoped (404 not yours)
 *   POST /api/v1/accounts/{id}/email  {"email"} change, scoped
 *   POST /api/v1/admin/ping           admins only
 * and the gauge regman_demo_accounts on /metrics.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "util/clock.h"
#include "util/log.h"
#include "web/api.h"
#include "web/auth.h"
#include "web/http.h"
#include "web/metrics.h"

static const char *db_path;

static int worker_open(void *arg, struct web_worker *w, struct rm_err *err)
{
    w->ctx = NULL;
    return store_open(db_path, NULL, &w->st, err);
}

static void worker_close(void *arg, struct web_worker *w)
{
    store_close(w->st);
}

static int get_me(struct web_req *r)
{
    json_t *j =
        json_pack("{s:s, s:s, s:s}", "username", r->who->username, "role",
                  r->who->role == WEB_ROLE_ADMIN ? "admin" : "customer", "via",
                  r->who->via_token ? "token" : "session");
    json_object_set_new(j, "account_id",
                        r->who->account_id ? json_integer(r->who->account_id)
                                           : json_null());
    return web_reply_json(r, 200, j);
}

static int post_echo(struct web_req *r)
{
    json_t *body;
    int rc = api_body(r, &body);
    if (rc)
        return rc;
    static const char *const fields[] = {"text", "count", "flag", NULL};
    const char *text = NULL;
    int64_t count = 0;
    bool flag = false;
    if ((rc = api_only_fields(r, body, fields)) ||
        (rc = api_get_str(r, body, "text", true, 1, 100, &text, NULL)) ||
        (rc = api_get_int(r, body, "count", true, 1, 10, &count, NULL)) ||
        (rc = api_get_bool(r, body, "flag", false, &flag, NULL))) {
        json_decref(body);
        return rc;
    }
    json_t *j = json_pack("{s:s, s:I, s:b}", "text", text, "count",
                          (json_int_t)count, "flag", flag);
    json_decref(body);
    return web_reply_json(r, 200, j);
}

static json_t *account_json(struct store_stmt *s)
{
    const char *email = store_col_text(s, 2);
    return json_pack("{s:I, s:s, s:s?, s:I}", "id",
                     (json_int_t)store_col_int64(s, 0), "name",
                     store_col_text(s, 1), "email", email, "balance",
                     (json_int_t)store_col_int64(s, 3));
}

static int get_accounts(struct web_req *r)
{
    struct api_page p;
    int rc = api_page_parse(r, &p);
    if (rc)
        return rc;
    int64_t only = auth_account_filter(r);
    struct store_stmt *s;
    struct rm_err err;
    rc = store_prepare(r->st,
                       "SELECT id, name, email, balance FROM accounts "
                       "WHERE kind = 'customer' AND (? = 0 OR id = ?) "
                       "AND id > ? ORDER BY id LIMIT ? OFFSET ?",
                       &s, &err);
    if (rc < 0)
        return api_error_rm(r, rc, &err);
    store_bind_int64(s, 1, only);
    store_bind_int64(s, 2, only);
    store_bind_int64(s, 3, p.has_after ? p.after : 0);
    store_bind_int64(s, 4, p.fetch);
    store_bind_int64(s, 5, p.offset);
    json_t *items = json_array();
    while ((rc = store_step(s, &err)) == STORE_ROW)
        json_array_append_new(items, account_json(s));
    store_stmt_release(s);
    if (rc < 0) {
        json_decref(items);
        return api_error_rm(r, rc, &err);
    }
    return api_reply_page(r, &p, items);
}

/* load_account - 0 with *j, or a reply (404 for missing and not yours). */
static int load_account(struct web_req *r, int64_t *id, json_t **j)
{
    int rc = api_path_id(r, "id", id);
    if (rc)
        return rc;
    struct store_stmt *s;
    struct rm_err err;
    rc = store_prepare(r->st,
                       "SELECT id, name, email, balance FROM accounts "
                       "WHERE id = ? AND kind = 'customer'",
                       &s, &err);
    if (rc < 0)
        return api_error_rm(r, rc, &err);
    store_bind_int64(s, 1, *id);
    rc = store_step(s, &err);
    *j = rc == STORE_ROW ? account_json(s) : NULL;
    store_stmt_release(s);
    if (rc < 0)
        return api_error_rm(r, rc, &err);
    if (!*j)
        return api_error(r, 404, API_ENOTFOUND, NULL, "no such object");
    if ((rc = auth_scope(r, *id))) {
        json_decref(*j);
        return rc;
    }
    return 0;
}

static int get_account(struct web_req *r)
{
    int64_t id;
    json_t *j;
    int rc = load_account(r, &id, &j);
    if (rc)
        return rc;
    return web_reply_json(r, 200, j);
}

static int post_account_email(struct web_req *r)
{
    int64_t id;
    json_t *acct;
    int rc = load_account(r, &id, &acct);
    if (rc)
        return rc;
    json_decref(acct);
    json_t *body;
    if ((rc = api_body(r, &body)))
        return rc;
    static const char *const fields[] = {"email", NULL};
    const char *email = NULL;
    if ((rc = api_only_fields(r, body, fields)) ||
        (rc = api_get_str(r, body, "email", true, 3, 254, &email, NULL))) {
        json_decref(body);
        return rc;
    }
    struct store_stmt *s;
    struct rm_err err;
    rc = store_prepare(r->st, "UPDATE accounts SET email = ? WHERE id = ?", &s,
                       &err);
    if (rc == 0) {
        store_bind_text(s, 1, email);
        store_bind_int64(s, 2, id);
        rc = store_step(s, &err);
        store_stmt_release(s);
    }
    json_decref(body);
    if (rc < 0)
        return api_error_rm(r, rc, &err);
    return web_reply_json(r, 200, json_pack("{s:s}", "status", "updated"));
}

static int post_admin_ping(struct web_req *r)
{
    return web_reply_json(r, 200, json_pack("{s:s}", "pong", "admin"));
}

static const struct web_route demo_routes[] = {
    {"GET", "/api/v1/me", get_me, WEB_LOGIN},
    {"POST", "/api/v1/echo", post_echo, WEB_LOGIN},
    {"GET", "/api/v1/accounts", get_accounts, WEB_LOGIN},
    {"GET", "/api/v1/accounts/{id}", get_account, WEB_LOGIN},
    {"POST", "/api/v1/accounts/{id}/email", post_account_email, WEB_LOGIN},
    {"POST", "/api/v1/admin/ping", post_admin_ping, WEB_ADMIN},
};

static int collect_accounts(void *arg, struct store *st, void *ctx,
                            struct metrics_out *o)
{
    struct store_stmt *s;
    struct rm_err err;
    if (store_prepare(st,
                      "SELECT COUNT(*) FROM accounts WHERE kind = 'customer'",
                      &s, &err) < 0)
        return -1;
    int rc = store_step(s, &err);
    if (rc == STORE_ROW)
        metrics_emit(o, NULL, NULL, (double)store_col_int64(s, 0));
    store_stmt_release(s);
    return rc == STORE_ROW ? 0 : -1;
}

static int64_t add_account(struct store *st, const char *name)
{
    struct store_stmt *s;
    struct rm_err err;
    if (store_prepare(st,
                      "INSERT INTO accounts (name, kind, created_at) "
                      "VALUES (?, 'customer', ?) RETURNING id",
                      &s, &err) < 0)
        rm_fatal("%s", err.msg);
    store_bind_text(s, 1, name);
    store_bind_int64(s, 2, clock_now());
    if (store_step(s, &err) != STORE_ROW)
        rm_fatal("%s", err.msg);
    int64_t id = store_col_int64(s, 0);
    store_step(s, &err);
    store_stmt_release(s);
    return id;
}

static void add_login(struct store *st, const char *user, const char *pw,
                      enum web_role role, int64_t account)
{
    struct rm_err err;
    if (auth_login_create(st, user, pw, role, account, AUTH_COST_MIN, NULL,
                          &err) < 0)
        rm_fatal("login %s: %s", user, err.msg);
}

static void seed(void)
{
    struct store *st;
    struct rm_err err;
    struct store_open_opts o = {.create = 1};
    if (store_open(db_path, &o, &st, &err) < 0)
        rm_fatal("%s", err.msg);
    int64_t alice = add_account(st, "alice-co");
    int64_t bob = add_account(st, "bob-co");
    for (int i = 1; i <= 7; i++) {
        char name[16];
        snprintf(name, sizeof(name), "acct-%02d", i);
        add_account(st, name);
    }
    add_login(st, "admin", "admin-pass-123", WEB_ROLE_ADMIN, 0);
    add_login(st, "alice", "alice-pass-123", WEB_ROLE_CUSTOMER, alice);
    add_login(st, "bob", "bob-pass-1234", WEB_ROLE_CUSTOMER, bob);
    add_login(st, "dave", "dave-pass-1234", WEB_ROLE_CUSTOMER, bob);
    store_close(st);
}

static void write_ready(const char *path, unsigned port)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        rm_fatal("%s: cannot write", tmp);
    fprintf(f, "listen=127.0.0.1:%u\n", port);
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        rm_fatal("%s: cannot write", path);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"ready-file", required_argument, NULL, 'r'},
        {"web-root", required_argument, NULL, 'w'},
        {"user-max-fail", required_argument, NULL, 'u'},
        {"ip-max-fail", required_argument, NULL, 'i'},
        {"cookie-secure", no_argument, NULL, 's'},
        {"threads", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    const char *ready = NULL;
    struct web_config cfg = {0};
    struct auth_policy pol = {.user_max_fail = 3, .ip_max_fail = 1000};
    cfg.metrics_access = WEB_ADMIN;
    int c;
    rm_log_init("web_testd", LOG_INFO);
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db_path = optarg;
            break;
        case 'r':
            ready = optarg;
            break;
        case 'w':
            cfg.web_root = optarg;
            break;
        case 'u':
            pol.user_max_fail = (unsigned)atoi(optarg);
            break;
        case 'i':
            pol.ip_max_fail = (unsigned)atoi(optarg);
            break;
        case 's':
            cfg.cookie_secure = true;
            break;
        case 't':
            cfg.threads = (unsigned)atoi(optarg);
            break;
        default:
            return 2;
        }
    }
    if (!db_path || !ready) {
        fprintf(stderr, "usage: web_testd --db FILE --ready-file FILE "
                        "[--web-root DIR] ...\n");
        return 2;
    }
    seed();

    /* Block the stop signals before any thread starts, so every server
     * thread inherits the mask and sigwait below receives them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    cfg.worker_open = worker_open;
    cfg.worker_close = worker_close;
    cfg.auth_policy = &pol;
    struct web_server *srv;
    struct rm_err err;
    if (web_server_new(&cfg, &srv, &err) < 0)
        rm_fatal("%s", err.msg);
    web_server_add_routes(srv, demo_routes,
                          sizeof(demo_routes) / sizeof(demo_routes[0]));
    if (metrics_register(web_server_metrics(srv), "regman_demo_accounts",
                         "Customer accounts.", METRIC_GAUGE, collect_accounts,
                         NULL, &err) < 0 ||
        web_server_start(srv, &err) < 0) {
        web_server_free(srv);
        rm_fatal("%s", err.msg);
    }
    write_ready(ready, web_server_port(srv));
    int sig;
    sigwait(&stop, &sig);
    rm_log(LOG_INFO, "stopping on signal %d", sig);
    web_server_free(srv);
    return 0;
}
