/*
 * api_conn - registrar connection endpoints (contract in api_conn.h).
 */
#include "web/api_conn.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conn.h"
#include "core/priceimport.h"
#include "present/present.h"
#include "present/present_prices.h"
#include "util/clock.h"
#include "util/secret.h"
#include "util/xalloc.h"
#include "web/api_panel.h"
#include "web/api.h"
#include "web/api_util.h"
#include "web/auth.h"

/* ---- registrar connections ---------------------------------------------- */

/* The text buffers behind a struct conn_edit made from JSON. */
struct conn_bufs {
    char port[24], warn[24], renew[24], first[24], poll[24], dl[24], xdl[24],
        conc[24], rate[24];
    char ns[REG_NS_MAX * 256 + 1];
};

static const char *const conn_fields[] = {"title",
                                          "server",
                                          "port",
                                          "tls",
                                          "protocol",
                                          "source_ip",
                                          "login",
                                          "key",
                                          "license_text",
                                          "license_path",
                                          "warn_days",
                                          "renew_days",
                                          "renew_mode",
                                          "test_mode",
                                          "ca_file",
                                          "first_check_s",
                                          "poll_interval_s",
                                          "deadline_s",
                                          "transfer_deadline_s",
                                          "concurrency",
                                          "rate_per_min",
                                          "default_ns",
                                          "events",
                                          NULL};

static int opt_str(struct web_req *r, json_t *b, const char *key, size_t max,
                   const char **out)
{
    return api_get_str(r, b, key, false, 0, max, out, NULL);
}

static int opt_int(struct web_req *r, json_t *b, const char *key, char *buf,
                   size_t n, const char **out)
{
    int64_t v;
    bool present = false;
    int rc = api_get_int(r, b, key, false, INT64_MIN, INT64_MAX, &v, &present);
    if (rc)
        return rc;
    if (present)
        *out = api_int_text(v, buf, n);
    return 0;
}

static int opt_bool(struct web_req *r, json_t *b, const char *key,
                    const char **out)
{
    bool v = false, present = false;
    int rc = api_get_bool(r, b, key, false, &v, &present);
    if (rc)
        return rc;
    if (present)
        *out = v ? "yes" : "no";
    return 0;
}

/* conn_edit_from_json - body → e (NULL = unchanged). */
static int conn_edit_from_json(struct web_req *r, json_t *b,
                               struct conn_edit *e, struct conn_bufs *x)
{
    int rc;
    memset(e, 0, sizeof *e);
    if ((rc = api_only_fields(r, b, conn_fields)) ||
        (rc = opt_str(r, b, "title", CONN_TITLE_MAX, &e->title)) ||
        (rc = opt_str(r, b, "server", 253, &e->server)) ||
        (rc = opt_int(r, b, "port", x->port, sizeof x->port, &e->port)) ||
        (rc = opt_bool(r, b, "tls", &e->tls)) ||
        (rc = opt_str(r, b, "protocol", 8, &e->protocol)) ||
        (rc = opt_bool(r, b, "events", &e->events)) ||
        (rc = opt_str(r, b, "source_ip", 63, &e->source_ip)) ||
        (rc = opt_str(r, b, "login", CONN_LOGIN_MAX, &e->login)) ||
        (rc = opt_str(r, b, "key", CONN_KEY_MAX, &e->key)) ||
        (rc = opt_str(r, b, "license_text", CONN_LICENSE_MAX,
                      &e->license_text)) ||
        (rc = opt_str(r, b, "license_path", CONN_PATH_MAX, &e->license_path)) ||
        (rc = opt_int(r, b, "warn_days", x->warn, sizeof x->warn,
                      &e->warn_days)) ||
        (rc = opt_int(r, b, "renew_days", x->renew, sizeof x->renew,
                      &e->renew_days)) ||
        (rc = opt_str(r, b, "renew_mode", 8, &e->renew_mode)) ||
        (rc = opt_bool(r, b, "test_mode", &e->test_mode)) ||
        (rc = opt_str(r, b, "ca_file", CONN_PATH_MAX, &e->ca_file)) ||
        (rc = opt_int(r, b, "first_check_s", x->first, sizeof x->first,
                      &e->first_check)) ||
        (rc = opt_int(r, b, "poll_interval_s", x->poll, sizeof x->poll,
                      &e->poll_interval)) ||
        (rc = opt_int(r, b, "deadline_s", x->dl, sizeof x->dl,
                      &e->deadline_reg)) ||
        (rc = opt_int(r, b, "transfer_deadline_s", x->xdl, sizeof x->xdl,
                      &e->deadline_xfer)) ||
        (rc = opt_int(r, b, "concurrency", x->conc, sizeof x->conc,
                      &e->concurrency)) ||
        (rc = opt_int(r, b, "rate_per_min", x->rate, sizeof x->rate,
                      &e->rate_per_min)))
        return rc;
    json_t *ns = json_object_get(b, "default_ns");
    if (ns && !json_is_null(ns)) {
        size_t i, len = 0;
        json_t *v;
        if (!json_is_array(ns))
            return api_error(r, 400, API_EWRONG_TYPE, "default_ns",
                             "default_ns: expected an array of host names");
        if (json_array_size(ns) > REG_NS_MAX)
            return api_error(r, 400, API_ERANGE, "default_ns",
                             "default_ns: at most %d name servers", REG_NS_MAX);
        x->ns[0] = '\0';
        json_array_foreach(ns, i, v)
        {
            if (!json_is_string(v))
                return api_error(r, 400, API_EWRONG_TYPE, "default_ns",
                                 "default_ns: expected an array of strings");
            const char *s = json_string_value(v);
            if (strlen(s) != json_string_length(v) || strlen(s) > 253 ||
                strpbrk(s, ", "))
                return api_error(r, 400, API_EINVALID, "default_ns",
                                 "default_ns: not a host name");
            len += (size_t)snprintf(x->ns + len, sizeof x->ns - len, "%s%s",
                                    i ? "," : "", s);
        }
        e->default_ns = x->ns;
    }
    return 0;
}

/* conn_force - take body["force"] out of b: save even when the registrar
 * refuses the test (api_panel.h). */
static int conn_force(struct web_req *r, json_t *b, bool *force)
{
    json_t *v = json_is_object(b) ? json_object_get(b, "force") : NULL;
    *force = false;
    if (!v)
        return 0;
    if (!json_is_boolean(v))
        return api_error(r, 400, API_EWRONG_TYPE, "force",
                         "force: expected true or false");
    *force = json_is_true(v);
    json_object_del(b, "force");
    return 0;
}

/* conn_touched - does e change how regman reaches the registrar? */
static bool conn_touched(const struct conn_edit *e)
{
    return e->server || e->port || e->tls || e->protocol || e->source_ip ||
           e->login || e->key || e->test_mode || e->ca_file;
}

/* reply_saved - the saved connection with the test's result. */
static int reply_saved(struct web_req *r, unsigned status, int64_t id,
                       json_t *test)
{
    struct conn c;
    struct rm_err e;
    ERR_INIT(e);
    int rc = conn_get_id(api_app(r), id, &c, &e);
    if (rc < 0) {
        json_decref(test);
        return api_fail(r, rc, &e);
    }
    json_t *j = present_conn(&c, PRESENT_API);
    conn_release(&c);
    api_balance_forget(id);
    if (test) {
        json_t *ok = json_object_get(test, "ok");
        if (json_is_true(ok)) {
            struct reg_balance bal = {0};
            bal.balance = json_integer_value(json_object_get(test, "balance"));
            bal.hold = json_integer_value(json_object_get(test, "hold"));
            api_balance_store(id, true, &bal, "");
        }
        json_object_set_new(j, "test", test);
    }
    return web_reply_json(r, status, j);
}

/* load_conn - the connection named by the path id, or a 404 reply. */
static int load_conn(struct web_req *r, struct conn *c)
{
    int64_t id;
    int rc = api_path_id(r, "id", &id);
    if (rc)
        return rc;
    struct rm_err e;
    ERR_INIT(e);
    if ((rc = conn_get_id(api_app(r), id, c, &e)) < 0)
        return api_fail(r, rc, &e);
    return 0;
}

static int list_connections(struct web_req *r)
{
    struct api_page p;
    int rc = api_page_parse(r, &p);
    if (rc)
        return rc;
    struct conn *v;
    size_t n;
    struct rm_err e;
    ERR_INIT(e);
    if ((rc = conn_list(api_app(r), &v, &n, &e)) < 0)
        return api_fail(r, rc, &e);
    json_t *items = json_array();
    int64_t skip = p.offset;
    for (size_t i = 0; i < n && (int64_t)json_array_size(items) < p.fetch; i++)
        if (!api_page_skip(&p, v[i].id, &skip))
            json_array_append_new(items, present_conn(&v[i], PRESENT_API));
    conn_list_free(v, n);
    return api_reply_page(r, &p, items);
}

static int reply_conn(struct web_req *r, unsigned status, int64_t id)
{
    struct conn c;
    struct rm_err e;
    ERR_INIT(e);
    int rc = conn_get_id(api_app(r), id, &c, &e);
    if (rc < 0)
        return api_fail(r, rc, &e);
    json_t *j = present_conn(&c, PRESENT_API);
    conn_release(&c);
    return web_reply_json(r, status, j);
}

static int add_connection(struct web_req *r)
{
    json_t *b;
    struct conn_edit ed;
    struct conn_bufs x;
    bool force;
    int rc = api_body(r, &b);
    if (rc)
        return rc;
    if ((rc = conn_force(r, b, &force)) ||
        (rc = conn_edit_from_json(r, b, &ed, &x))) {
        json_decref(b);
        return rc;
    }
    /* the same required fields as `regman registrar add` */
    const char *missing = conn_edit_missing(&ed);
    if (missing) {
        json_decref(b);
        return api_error(r, 400, API_EMISSING, missing, "%s is required",
                         missing);
    }
    /* tested before it is saved: a wrong key is said at once */
    json_t *test = NULL;
    if ((rc = api_conn_probe(r, NULL, &ed, force, &test))) {
        json_decref(b);
        return rc;
    }
    struct rm_err e;
    int64_t id = 0;
    ERR_INIT(e);
    rc = conn_add(api_app(r), &ed, &id, &e);
    json_decref(b);
    if (rc < 0) {
        json_decref(test);
        return api_fail(r, rc, &e);
    }
    return reply_saved(r, 201, id, test);
}

static int get_connection(struct web_req *r)
{
    int64_t id;
    int rc = api_path_id(r, "id", &id);
    return rc ? rc : reply_conn(r, 200, id);
}

static int edit_connection(struct web_req *r)
{
    struct conn c;
    int rc = load_conn(r, &c);
    if (rc)
        return rc;
    json_t *b;
    struct conn_edit ed;
    struct conn_bufs x;
    bool force;
    if ((rc = api_body(r, &b)) || (rc = conn_force(r, b, &force)) ||
        (rc = conn_edit_from_json(r, b, &ed, &x))) {
        json_decref(b);
        conn_release(&c);
        return rc;
    }
    /* a change of how regman reaches the registrar is tested first */
    json_t *test = NULL;
    if (conn_touched(&ed) &&
        (rc = api_conn_probe(r, c.title, &ed, force, &test))) {
        json_decref(b);
        conn_release(&c);
        return rc;
    }
    struct rm_err e;
    ERR_INIT(e);
    /* by title: titles are unique and resolve before numeric ids */
    rc = conn_edit(api_app(r), c.title, &ed, &e);
    int64_t id = c.id;
    json_decref(b);
    conn_release(&c);
    if (rc < 0) {
        json_decref(test);
        return api_fail(r, rc, &e);
    }
    return reply_saved(r, 200, id, test);
}

static int delete_connection(struct web_req *r)
{
    struct conn c;
    int rc = load_conn(r, &c);
    if (rc)
        return rc;
    struct rm_err e;
    ERR_INIT(e);
    rc = conn_remove(api_app(r), c.title, &e);
    int64_t id = c.id;
    conn_release(&c);
    if (rc < 0)
        return api_fail(r, rc, &e);
    api_balance_forget(id);
    return web_reply_json(r, 200,
                          json_pack("{s:I}", "removed", (json_int_t)id));
}

static int test_connection(struct web_req *r)
{
    struct conn c;
    int rc = load_conn(r, &c);
    if (rc)
        return rc;
    static const char *const none[] = {NULL};
    json_t *b;
    if ((rc = api_opt_body(r, none, &b))) {
        conn_release(&c);
        return rc;
    }
    json_decref(b);
    struct conn_session s;
    struct reg_balance bal;
    struct rm_err e;
    ERR_INIT(e);
    int64_t id = c.id;
    rc = conn_session_open(api_app(r), c.id, &s, &e);
    conn_release(&c);
    if (rc < 0)
        return api_fail(r, rc, &e);
    memset(&bal, 0, sizeof bal);
    rc = reg_balance(s.reg, &bal, &e);
    conn_session_close(&s);
    api_balance_store(id, rc >= 0, &bal, rc < 0 ? e.msg : "");
    /* a registrar that does not answer is the test's result, not a
     * failure of this request (as `regman registrar test` exits 1) */
    if (rc < 0)
        return web_reply_json(
            r, 200, json_pack("{s:b, s:s}", "ok", 0, "message", e.msg));
    return web_reply_json(r, 200,
                          json_pack("{s:b, s:I, s:I}", "ok", 1, "balance",
                                    (json_int_t)bal.balance, "hold",
                                    (json_int_t)bal.hold));
}

/* import_rule - markup_pct (integer or a decimal string such as "12.5"),
 * add (minor units), round (".99" or the cents 0..99) into q->rule. */
static int import_rule(struct web_req *r, json_t *b, struct priceimport_req *q)
{
    json_t *m = json_object_get(b, "markup_pct");
    json_t *rd = json_object_get(b, "round");
    struct rm_err e;
    int64_t v;
    bool present = false;
    int rc;

    ERR_INIT(e);
    q->rule.round_cents = PRICEIMPORT_NO_ROUND;
    if (json_is_integer(m)) {
        if (json_integer_value(m) < 0 || json_integer_value(m) > 1000)
            return api_error(r, 400, API_ERANGE, "markup_pct",
                             "markup_pct: 0 to 1000");
        q->rule.markup_bp = json_integer_value(m) * 100;
    } else if (json_is_string(m)) {
        if (priceimport_parse_markup(json_string_value(m), &q->rule.markup_bp,
                                     &e) < 0)
            return api_error(r, 400, API_EINVALID, "markup_pct", "%s", e.msg);
    } else if (m && !json_is_null(m)) {
        return api_error(r, 400, API_EWRONG_TYPE, "markup_pct",
                         "markup_pct: a number of percent (integer or a "
                         "decimal string)");
    }
    if ((rc = api_get_int(r, b, "add", false, 0, 999999999999999LL, &v,
                          &present)))
        return rc;
    if (present)
        q->rule.add = v;
    if (json_is_integer(rd)) {
        if (json_integer_value(rd) < 0 || json_integer_value(rd) > 99)
            return api_error(r, 400, API_ERANGE, "round", "round: cents 0..99");
        q->rule.round_cents = (int)json_integer_value(rd);
    } else if (json_is_string(rd)) {
        if (priceimport_parse_round(json_string_value(rd), &q->rule.round_cents,
                                    &e) < 0)
            return api_error(r, 400, API_EINVALID, "round", "%s", e.msg);
    } else if (rd && !json_is_null(rd)) {
        return api_error(r, 400, API_EWRONG_TYPE, "round",
                         "round: \".99\" or the cents 0..99");
    }
    return 0;
}

/* import_prices - POST /connections/{id}/import-prices: the registrar's
 * prices as costs and the proposed retail prices (applied with
 * "apply": true); see core/priceimport.h. */
static int import_prices(struct web_req *r)
{
    static const char *const fields[] = {"tlds",  "markup_pct", "add",
                                         "round", "apply",      NULL};
    const char *tlds[PRICEIMPORT_MAX_TLDS];
    struct priceimport_req q = {0};
    struct priceimport_result res;
    char idbuf[24];
    struct conn c;
    json_t *b, *a;
    bool present = false;
    int rc = load_conn(r, &c);
    if (rc)
        return rc;
    snprintf(idbuf, sizeof idbuf, "%" PRId64, c.id);
    conn_release(&c);
    if ((rc = api_opt_body(r, fields, &b)))
        return rc;
    a = json_object_get(b, "tlds");
    if (a && !json_is_null(a)) {
        size_t i;
        json_t *v;
        if (!json_is_array(a) || json_array_size(a) > PRICEIMPORT_MAX_TLDS) {
            json_decref(b);
            return api_error(r, 400, API_EWRONG_TYPE, "tlds",
                             "tlds: an array of at most %d TLDs",
                             PRICEIMPORT_MAX_TLDS);
        }
        json_array_foreach(a, i, v)
        {
            if (!json_is_string(v)) {
                json_decref(b);
                return api_error(r, 400, API_EWRONG_TYPE, "tlds",
                                 "tlds: each a string such as \".com\"");
            }
            tlds[q.ntlds++] = json_string_value(v);
        }
    }
    if ((rc = import_rule(r, b, &q)) ||
        (rc = api_get_bool(r, b, "apply", false, &q.apply, &present))) {
        json_decref(b);
        return rc;
    }
    q.connection = idbuf;
    q.tlds = q.ntlds ? tlds : NULL;
    struct rm_err e;
    ERR_INIT(e);
    rc = priceimport_run(api_app(r), &q, &res, &e);
    json_decref(b);
    if (rc < 0) {
        priceimport_result_free(&res);
        return api_fail(r, rc, &e);
    }
    json_t *j = present_price_import(&res, PRESENT_API);
    priceimport_result_free(&res);
    return web_reply_json(r, 200, j);
}

static const struct web_route routes[] = {
    {"GET", "/api/v1/connections", list_connections, WEB_ADMIN},
    {"POST", "/api/v1/connections", add_connection, WEB_ADMIN},
    {"GET", "/api/v1/connections/{id}", get_connection, WEB_ADMIN},
    {"PATCH", "/api/v1/connections/{id}", edit_connection, WEB_ADMIN},
    {"DELETE", "/api/v1/connections/{id}", delete_connection, WEB_ADMIN},
    {"POST", "/api/v1/connections/{id}/test", test_connection, WEB_ADMIN},
    {"POST", "/api/v1/connections/{id}/import-prices", import_prices,
     WEB_ADMIN},
};

const struct web_route *api_conn_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
