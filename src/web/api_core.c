/*
 * api_core - shared helpers of the core endpoints and their installation
 * (contract in api_core.h).
 */
#include "web/api_core.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "web/api.h"
#include "web/api_admin.h"
#include "web/api_domains.h"
#include "web/api_metrics.h"
#include "web/api_signup.h"
#include "web/api_panel.h"
#include "web/api_sync.h"
#include "web/auth.h"
#include "web/ratelimit.h"

struct app *api_app(struct web_req *r)
{
    return r->ctx;
}

int api_fail(struct web_req *r, int rc, const struct rm_err *err)
{
    if (rc == RM_EIO || rc == RM_EPROTO)
        return api_error(r, 502, API_EREGISTRAR, NULL, "%s",
                         err && err->msg[0] ? err->msg
                                            : "the registrar did not answer");
    return api_error_rm(r, rc, err);
}

json_t *api_time(int64_t t)
{
    return t ? json_integer(t) : json_null();
}

json_t *api_text(const char *s)
{
    return json_string(s ? s : "");
}

const char *api_int_text(int64_t v, char *buf, size_t n)
{
    snprintf(buf, n, "%" PRId64, v);
    return buf;
}

int api_opt_body(struct web_req *r, const char *const *allowed, json_t **out)
{
    int rc;
    *out = NULL;
    if (!r->body_len)
        return 0;
    if ((rc = api_body(r, out)) || (rc = api_only_fields(r, *out, allowed))) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

int api_query_enum(struct web_req *r, const char *key,
                   const char *const *allowed, const char *msg,
                   const char **out)
{
    const char *v = web_query(r, key);
    *out = NULL;
    if (!v)
        return 0;
    for (size_t i = 0; allowed[i]; i++)
        if (strcmp(v, allowed[i]) == 0) {
            *out = v;
            return 0;
        }
    return api_error(r, 400, API_EINVALID, key, "%s", msg);
}

bool api_page_skip(const struct api_page *p, int64_t id, int64_t *skip)
{
    return p->has_after ? id >= p->after : (*skip)-- > 0;
}

void api_bind_page(struct store_stmt *s, int first, const struct api_page *p)
{
    store_bind_int64(s, first, p->has_after);
    store_bind_int64(s, first + 1, p->has_after ? p->after : 0);
    store_bind_int64(s, first + 2, p->fetch);
    store_bind_int64(s, first + 3, p->has_after ? 0 : p->offset);
}

int api_reply_rows(struct web_req *r, const struct api_page *p,
                   struct store_stmt *s,
                   json_t *(*row)(struct store_stmt *s, void *arg), void *arg)
{
    json_t *items = json_array();
    struct rm_err e;
    int rc;
    rm_err_clear(&e);
    while ((rc = store_step(s, &e)) == STORE_ROW)
        json_array_append_new(items, row(s, arg));
    store_stmt_release(s);
    if (rc < 0) {
        json_decref(items);
        return api_fail(r, rc, &e);
    }
    return api_reply_page(r, p, items);
}

json_t *api_account_json(const struct account *a)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(a->id));
    json_object_set_new(j, "name", json_string(a->name));
    json_object_set_new(j, "email", json_string(a->email));
    json_object_set_new(j, "kind", json_string(a->kind));
    json_object_set_new(j, "balance", json_integer(a->balance));
    json_object_set_new(j, "credit_limit", json_integer(a->credit_limit));
    json_object_set_new(j, "currency", json_string(a->currency));
    json_object_set_new(j, "auto_renew", json_boolean(a->auto_renew));
    json_object_set_new(j, "email_verified", json_boolean(a->email_verified));
    json_object_set_new(j, "domains", json_integer(a->domains));
    json_object_set_new(j, "created_at", api_time(a->created_at));
    return j;
}

int api_customer_account(struct web_req *r, struct account *a)
{
    struct rm_err err;
    rm_err_clear(&err);
    int rc = account_get_id(api_app(r), r->who->account_id, a, &err);
    if (rc < 0)
        return api_fail(r, rc, &err);
    return 0;
}

/* read_license_file - at most CONN_LICENSE_MAX bytes of path. */
static int read_license_file(const char *path, char **out, struct rm_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return rm_err_set(err, RM_EIO, "license file %s: %s", path,
                          strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
        sb.st_size > CONN_LICENSE_MAX) {
        close(fd);
        return rm_err_set(err, RM_EIO,
                          "license file %s: not a regular file of at most "
                          "%d bytes",
                          path, CONN_LICENSE_MAX);
    }
    char *buf = xmalloc((size_t)sb.st_size + 1);
    size_t got = 0;
    while (got < (size_t)sb.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    *out = buf;
    return 0;
}

int api_license(const struct conn *c, char **text, char hex[65],
                struct rm_err *err)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    int rc;

    *text = NULL;
    if (c->license_text)
        *text = xstrdup(c->license_text);
    else if (c->license_path[0] &&
             (rc = read_license_file(c->license_path, text, err)) < 0)
        return rc;
    if (!*text)
        *text = xstrdup("");
    crypto_hash_sha256(h, (const unsigned char *)*text, strlen(*text));
    sodium_bin2hex(hex, 65, h, sizeof h);
    return 0;
}

int api_license_accepted(struct store *st, int64_t account_id, int64_t conn_id,
                         const char *hex, bool *yes, struct rm_err *err)
{
    struct store_stmt *s;
    int rc = store_prepare(st,
                           "SELECT id FROM license_acceptances WHERE "
                           "account_id = ? AND connection_id = ? AND "
                           "license_sha256 = ? LIMIT 1",
                           &s, err);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, account_id);
    store_bind_int64(s, 2, conn_id);
    store_bind_text(s, 3, hex);
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    *yes = rc == STORE_ROW;
    return 0;
}

int api_license_record(struct store *st, int64_t login_id, int64_t account_id,
                       int64_t conn_id, const char *domain, const char *hex,
                       const char *client_ip, struct rm_err *err)
{
    struct store_stmt *s;
    int rc = store_prepare(st,
                           "INSERT INTO license_acceptances (login_id, "
                           "account_id, connection_id, domain, license_sha256, "
                           "client_ip, accepted_at) VALUES (?, ?, ?, ?, ?, ?, "
                           "?)",
                           &s, err);
    if (rc < 0)
        return rc;
    if (login_id)
        store_bind_int64(s, 1, login_id);
    else
        store_bind_null(s, 1);
    store_bind_int64(s, 2, account_id);
    store_bind_int64(s, 3, conn_id);
    store_bind_text(s, 4, domain ? domain : "");
    store_bind_text(s, 5, hex);
    store_bind_text(s, 6, client_ip ? client_ip : "");
    store_bind_int64(s, 7, clock_now());
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

/* ---- budgets of the public endpoints ------------------------------------
 */

#define API_LIMIT_SLOTS 4096

struct budget {
    struct ratelimit *rl; /* NULL = no limit */
    int64_t window_s;
    const char *what;
};

static struct budget budgets[2] = {
    [API_BUDGET_LOOKUP] = {NULL, 60, "lookups"},
    [API_BUDGET_SIGNUP] = {NULL, 3600, "signups"},
};

void api_core_release(void)
{
    for (size_t i = 0; i < sizeof budgets / sizeof budgets[0]; i++) {
        ratelimit_free(budgets[i].rl);
        budgets[i].rl = NULL;
    }
}

static void budget_set(enum api_budget b, unsigned max)
{
    ratelimit_free(budgets[b].rl);
    /* the limiter counts "failures": here every counted use is one */
    budgets[b].rl =
        max ? ratelimit_new(API_LIMIT_SLOTS, max, budgets[b].window_s) : NULL;
}

int api_throttle(struct web_req *r, enum api_budget b, bool count)
{
    struct budget *bu = &budgets[b];
    if (!bu->rl)
        return 0;
    int64_t now = clock_now();
    int64_t wait = ratelimit_blocked(bu->rl, r->client_ip, now);
    if (!wait) {
        if (count)
            ratelimit_fail(bu->rl, r->client_ip, now);
        return 0;
    }
    char ra[32];
    snprintf(ra, sizeof ra, "%lld", (long long)wait);
    web_reply_header(r, "Retry-After", ra);
    rm_log(LOG_WARN, "api: %s throttled for %s (retry in %llds)", bu->what,
           r->client_ip, (long long)wait);
    return api_error(r, 429, API_ERATE, NULL,
                     "too many %s from this address; try again in %lld "
                     "seconds",
                     bu->what, (long long)wait);
}

void api_throttle_count(struct web_req *r, enum api_budget b)
{
    if (budgets[b].rl)
        ratelimit_fail(budgets[b].rl, r->client_ip, clock_now());
}

int api_core_install(struct web_server *srv, const struct api_limits *lim,
                     struct rm_err *err)
{
    const struct web_route *t;
    size_t n;
    struct api_limits def = {API_LOOKUP_PER_MIN_DEFAULT,
                             API_SIGNUPS_PER_HOUR_DEFAULT};

    if (!lim)
        lim = &def;
    budget_set(API_BUDGET_LOOKUP, lim->lookup_per_min);
    budget_set(API_BUDGET_SIGNUP, lim->signups_per_hour);

    t = api_domains_routes(&n);
    web_server_add_routes(srv, t, n);
    t = api_admin_routes(&n);
    web_server_add_routes(srv, t, n);
    t = api_sync_routes(&n);
    web_server_add_routes(srv, t, n);
    t = api_signup_routes(&n);
    web_server_add_routes(srv, t, n);
    t = api_panel_routes(&n);
    web_server_add_routes(srv, t, n);
    return api_metrics_register(web_server_metrics(srv), err);
}
