/*
 * api_admin - connections, TLDs, accounts, ledger, contacts, audit,
 * registrar log, jobs and mail outbox endpoints (contract in
 * api_admin.h). Each handler validates the JSON strictly (api.h), turns
 * it into the request core takes (the same one the CLI builds from its
 * options) and calls core.
 */
#include "web/api_admin.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/audit.h"
#include "core/conn.h"
#include "core/ledger.h"
#include "core/money.h"
#include "core/reglog.h"
#include "core/tld.h"
#include "mail/mail.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/secret.h"
#include "util/xalloc.h"
#include "web/api.h"
#include "web/api_core.h"
#include "web/api_panel.h"
#include "web/auth.h"

#define ERR_INIT(e) rm_err_clear(&(e))

/* ---- registrar connections ---------------------------------------------- */

static json_t *ns_array(const char *csv)
{
    json_t *a = json_array();
    char *copy = xstrdup(csv), *save = NULL;
    for (char *t = strtok_r(copy, ", ", &save); t;
         t = strtok_r(NULL, ", ", &save))
        json_array_append_new(a, json_string(t));
    free(copy);
    return a;
}

static json_t *conn_json(const struct conn *c)
{
    json_t *j = json_object();
    char url[400], hex[65];
    char *lic = NULL;
    struct rm_err e;

    conn_url(c, url, sizeof url);
    json_object_set_new(j, "id", json_integer(c->id));
    json_object_set_new(j, "title", json_string(c->title));
    json_object_set_new(j, "kind", json_string(c->kind));
    json_object_set_new(j, "server", json_string(c->server));
    json_object_set_new(j, "port", json_integer(c->port));
    json_object_set_new(j, "tls", json_boolean(c->tls));
    json_object_set_new(j, "url", json_string(url));
    json_object_set_new(j, "source_ip", json_string(c->source_ip));
    json_object_set_new(j, "login", json_string(c->login));
    /* the key is write-only: say that one is set, never what it is */
    json_object_set_new(j, "key_set", json_true());
    json_object_set_new(j, "license_text",
                        c->license_text ? json_string(c->license_text)
                                        : json_null());
    json_object_set_new(j, "license_path", json_string(c->license_path));
    ERR_INIT(e);
    if (api_license(c, &lic, hex, &e) == 0)
        json_object_set_new(j, "license_sha256", json_string(hex));
    else
        json_object_set_new(j, "license_sha256", json_null());
    free(lic);
    json_object_set_new(j, "warn_days", json_integer(c->warn_days));
    json_object_set_new(j, "renew_days", json_integer(c->renew_days));
    json_object_set_new(j, "renew_mode", json_string(c->renew_mode));
    json_object_set_new(j, "test_mode", json_boolean(c->test_mode));
    json_object_set_new(j, "ca_file", json_string(c->ca_file));
    json_object_set_new(j, "first_check_s", json_integer(c->first_check_s));
    json_object_set_new(j, "poll_interval_s", json_integer(c->poll_interval_s));
    json_object_set_new(j, "deadline_s", json_integer(c->deadline_reg_s));
    json_object_set_new(j, "transfer_deadline_s",
                        json_integer(c->deadline_xfer_s));
    json_object_set_new(j, "concurrency", json_integer(c->concurrency));
    json_object_set_new(j, "rate_per_min", json_integer(c->rate_per_min));
    json_object_set_new(j, "default_ns", ns_array(c->default_ns));
    json_object_set_new(j, "domains", json_integer(c->domains));
    json_object_set_new(j, "tlds", json_integer(c->tlds));
    json_object_set_new(j, "created_at", api_time(c->created_at));
    json_object_set_new(j, "updated_at", api_time(c->updated_at));
    return j;
}

/* The text buffers behind a struct conn_edit made from JSON. */
struct conn_bufs {
    char port[24], warn[24], renew[24], first[24], poll[24], dl[24], xdl[24],
        conc[24], rate[24];
    char ns[REG_NS_MAX * 256 + 1];
};

static const char *const conn_fields[] = {
    "title",         "server",
    "port",          "tls",
    "source_ip",     "login",
    "key",           "license_text",
    "license_path",  "warn_days",
    "renew_days",    "renew_mode",
    "test_mode",     "ca_file",
    "first_check_s", "poll_interval_s",
    "deadline_s",    "transfer_deadline_s",
    "concurrency",   "rate_per_min",
    "default_ns",    NULL};

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
    return e->server || e->port || e->tls || e->source_ip || e->login ||
           e->key || e->test_mode || e->ca_file;
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
    json_t *j = conn_json(&c);
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
            json_array_append_new(items, conn_json(&v[i]));
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
    json_t *j = conn_json(&c);
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

/* ---- TLDs -----------------------------------------------------------------
 */

static json_t *tld_json(const struct tld *t, bool admin)
{
    json_t *j = json_object(), *p = json_object(), *terms = json_array();

    json_object_set_new(j, "tld", json_string(t->tld));
    for (int y = 1; y <= TLD_MAX_TERM; y++)
        if (t->allowed_terms & (1u << y))
            json_array_append_new(terms, json_integer(y));
    json_object_set_new(j, "terms", terms);
    for (int o = 0; o < TLD_NOPS; o++) {
        json_t *po = json_object();
        for (int y = 1; y <= TLD_MAX_TERM; y++) {
            char k[4];
            if (t->price[o][y] < 0)
                continue;
            if (!admin && !(t->allowed_terms & (1u << y)))
                continue;
            snprintf(k, sizeof k, "%d", y);
            json_object_set_new(po, k, json_integer(t->price[o][y]));
        }
        json_object_set_new(p, tld_op_name((enum tld_op)o), po);
    }
    json_object_set_new(j, "prices", p);
    if (!admin)
        return j;
    json_object_set_new(j, "connection_id", json_integer(t->connection_id));
    json_object_set_new(j, "connection", json_string(t->connection));
    json_object_set_new(j, "first_check_s", json_integer(t->eff_first_check_s));
    json_object_set_new(j, "poll_interval_s",
                        json_integer(t->eff_poll_interval_s));
    json_object_set_new(j, "deadline_s", json_integer(t->eff_deadline_reg_s));
    json_object_set_new(j, "transfer_deadline_s",
                        json_integer(t->eff_deadline_xfer_s));
    json_t *ov = json_object();
    json_object_set_new(ov, "first_check_s", api_time(t->first_check_s));
    json_object_set_new(ov, "poll_interval_s", api_time(t->poll_interval_s));
    json_object_set_new(ov, "deadline_s", api_time(t->deadline_reg_s));
    json_object_set_new(ov, "transfer_deadline_s",
                        api_time(t->deadline_xfer_s));
    json_object_set_new(j, "overrides", ov);
    return j;
}

static int list_tlds(struct web_req *r)
{
    struct api_page p;
    int rc = api_page_parse(r, &p);
    if (rc)
        return rc;
    struct tld *v = NULL;
    size_t n = 0;
    struct rm_err e;
    ERR_INIT(e);
    if ((rc = tld_list(api_app(r), &v, &n, &e)) < 0)
        return api_fail(r, rc, &e);
    json_t *items = json_array();
    for (size_t i = (size_t)p.offset;
         i < n && (int64_t)json_array_size(items) < p.fetch; i++)
        json_array_append_new(items, tld_json(&v[i], auth_is_admin(r)));
    free(v);
    return api_reply_page(r, &p, items);
}

static int path_tld(struct web_req *r, char *name, size_t n)
{
    struct rm_err e;
    ERR_INIT(e);
    const char *t = web_param(r, "tld");
    if (!t || tld_normalize(t, name, n, &e) < 0)
        return api_error(r, 404, API_ENOTFOUND, NULL, "no such TLD");
    return 0;
}

static int get_tld(struct web_req *r)
{
    char name[NAME_MAX_ASCII + 1];
    struct tld t;
    int rc = path_tld(r, name, sizeof name);
    if (rc)
        return rc;
    struct rm_err e;
    ERR_INIT(e);
    if ((rc = tld_get(api_app(r), name, &t, &e)) < 0)
        return api_fail(r, rc, &e);
    return web_reply_json(r, 200, tld_json(&t, auth_is_admin(r)));
}

/* window_override - "key": seconds → "N"; null → "inherit"; absent → NULL. */
static int window_override(struct web_req *r, json_t *b, const char *key,
                           char *buf, size_t n, const char **out)
{
    json_t *v = json_object_get(b, key);
    if (!v)
        return 0;
    if (json_is_null(v)) {
        *out = "inherit";
        return 0;
    }
    int64_t s;
    int rc = api_get_int(r, b, key, true, 0, 10LL * 365 * 86400, &s, NULL);
    if (rc)
        return rc;
    *out = api_int_text(s, buf, n);
    return 0;
}

static int put_tld(struct web_req *r)
{
    static const char *const fields[] = {"connection_id",
                                         "terms",
                                         "prices",
                                         "first_check_s",
                                         "poll_interval_s",
                                         "deadline_s",
                                         "transfer_deadline_s",
                                         NULL};
    char name[NAME_MAX_ASCII + 1], connbuf[CONN_TITLE_MAX + 1], terms[64];
    char wb[4][24];
    char pricebuf[TLD_NOPS * TLD_MAX_TERM][64];
    const char *prices[TLD_NOPS * TLD_MAX_TERM],
        *unprices[TLD_NOPS * TLD_MAX_TERM];
    struct tld_set_req q = {0};
    json_t *b;
    struct rm_err e;
    int rc = path_tld(r, name, sizeof name);
    if (rc)
        return rc;
    if ((rc = api_body(r, &b)))
        return rc;
    ERR_INIT(e);
    q.tld = name;
    q.prices = prices;
    q.unprices = unprices;
    if ((rc = api_only_fields(r, b, fields)))
        goto out;
    int64_t cid;
    bool has_conn = false;
    if ((rc = api_get_int(r, b, "connection_id", false, 1, INT64_MAX, &cid,
                          &has_conn)))
        goto out;
    if (has_conn) {
        struct conn c;
        if ((rc = conn_get_id(api_app(r), cid, &c, &e)) < 0) {
            rc = api_error(r, 400, API_EINVALID, "connection_id",
                           "connection_id: no such connection");
            goto out;
        }
        snprintf(connbuf, sizeof connbuf, "%s", c.title);
        conn_release(&c);
        q.connection = connbuf;
    }
    json_t *tv = json_object_get(b, "terms");
    if (tv && !json_is_null(tv)) {
        size_t i, len = 0;
        json_t *v;
        if (!json_is_array(tv) || json_array_size(tv) == 0 ||
            json_array_size(tv) > TLD_MAX_TERM) {
            rc = api_error(r, 400, API_EWRONG_TYPE, "terms",
                           "terms: expected an array of 1..%d years",
                           TLD_MAX_TERM);
            goto out;
        }
        json_array_foreach(tv, i, v)
        {
            if (!json_is_integer(v) || json_integer_value(v) < 1 ||
                json_integer_value(v) > TLD_MAX_TERM) {
                rc = api_error(r, 400, API_ERANGE, "terms",
                               "terms: each term is an integer 1..%d",
                               TLD_MAX_TERM);
                goto out;
            }
            len += (size_t)snprintf(terms + len, sizeof terms - len, "%s%d",
                                    i ? "," : "", (int)json_integer_value(v));
        }
        q.terms = terms;
    }
    json_t *pv = json_object_get(b, "prices");
    if (pv && !json_is_null(pv)) {
        const char *op;
        json_t *per;
        if (!json_is_object(pv)) {
            rc = api_error(r, 400, API_EWRONG_TYPE, "prices",
                           "prices: expected {\"register\": {\"1\": 1250}, "
                           "...}");
            goto out;
        }
        json_object_foreach(pv, op, per)
        {
            int o;
            for (o = 0; o < TLD_NOPS; o++)
                if (strcmp(op, tld_op_name((enum tld_op)o)) == 0)
                    break;
            if (o == TLD_NOPS) {
                rc = api_error(r, 400, API_EUNKNOWN, "prices",
                               "prices: unknown operation '%s' (register, "
                               "renew, transfer)",
                               op);
                goto out;
            }
            if (!json_is_object(per)) {
                rc = api_error(r, 400, API_EWRONG_TYPE, "prices",
                               "prices.%s: expected an object of term: "
                               "amount",
                               op);
                goto out;
            }
            const char *term;
            json_t *amt;
            json_object_foreach(per, term, amt)
            {
                int64_t y;
                if (!api_parse_int64(term, 1, TLD_MAX_TERM, &y)) {
                    rc = api_error(r, 400, API_ERANGE, "prices",
                                   "prices.%s: a term is \"1\"..\"%d\"", op,
                                   TLD_MAX_TERM);
                    goto out;
                }
                size_t k = q.nprices + q.nunprices;
                if (json_is_null(amt)) {
                    snprintf(pricebuf[k], sizeof pricebuf[k], "%s:%d", op,
                             (int)y);
                    unprices[q.nunprices++] = pricebuf[k];
                    continue;
                }
                if (!json_is_integer(amt) || json_integer_value(amt) < 0) {
                    rc = api_error(r, 400, API_EWRONG_TYPE, "prices",
                                   "prices.%s.%s: expected an integer of minor "
                                   "units >= 0 or null",
                                   op, term);
                    goto out;
                }
                char m[MONEY_STR_MAX];
                snprintf(pricebuf[k], sizeof pricebuf[k], "%s:%d=%s", op,
                         (int)y, money_format(json_integer_value(amt), m));
                prices[q.nprices++] = pricebuf[k];
            }
        }
    }
    if ((rc = window_override(r, b, "first_check_s", wb[0], sizeof wb[0],
                              &q.first_check)) ||
        (rc = window_override(r, b, "poll_interval_s", wb[1], sizeof wb[1],
                              &q.poll_interval)) ||
        (rc = window_override(r, b, "deadline_s", wb[2], sizeof wb[2],
                              &q.deadline_reg)) ||
        (rc = window_override(r, b, "transfer_deadline_s", wb[3], sizeof wb[3],
                              &q.deadline_xfer)))
        goto out;
    struct tld t;
    if ((rc = tld_set_get(api_app(r), &q, &t, &e)) < 0) {
        rc = api_fail(r, rc, &e);
        goto out;
    }
    rc = web_reply_json(r, 200, tld_json(&t, true));
out:
    json_decref(b);
    return rc;
}

static int delete_tld(struct web_req *r)
{
    char name[NAME_MAX_ASCII + 1];
    int rc = path_tld(r, name, sizeof name);
    if (rc)
        return rc;
    struct rm_err e;
    ERR_INIT(e);
    if ((rc = tld_remove(api_app(r), name, &e)) < 0)
        return api_fail(r, rc, &e);
    return web_reply_json(r, 200, json_pack("{s:s}", "removed", name));
}

/* ---- accounts -------------------------------------------------------------
 */

static int by_id_desc(const void *a, const void *b)
{
    const struct account *x = a, *y = b;
    return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

static int list_accounts(struct web_req *r)
{
    struct api_page p;
    int rc = api_page_parse(r, &p);
    if (rc)
        return rc;
    const char *q = web_query(r, "q");
    if (q && strlen(q) > ACCOUNT_NAME_MAX)
        return api_error(r, 400, API_ERANGE, "q", "q: at most %d bytes",
                         ACCOUNT_NAME_MAX);
    struct account *v;
    size_t n;
    struct rm_err e;
    ERR_INIT(e);
    if ((rc = account_list(api_app(r), false, &v, &n, &e)) < 0)
        return api_fail(r, rc, &e);
    qsort(v, n, sizeof *v, by_id_desc);
    int64_t only = auth_account_filter(r), skip = p.offset, want;
    const char *aq = web_query(r, "account_id");
    if (aq) {
        if (!api_parse_int64(aq, 1, INT64_MAX, &want)) {
            free(v);
            return api_error(r, 400, API_EWRONG_TYPE, "account_id",
                             "account_id: expected a positive integer");
        }
        /* a customer asking for another account gets nothing */
        only = only && want != only ? -1 : want;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n && (int64_t)json_array_size(items) < p.fetch;
         i++) {
        if (only && v[i].id != only)
            continue;
        if (q && *q && !strstr(v[i].name, q) && !strstr(v[i].email, q))
            continue;
        if (api_page_skip(&p, v[i].id, &skip))
            continue;
        json_array_append_new(items, api_account_json(&v[i]));
    }
    free(v);
    return api_reply_page(r, &p, items);
}

/* load_account - the path's account, scoped: 404 when missing or not the
 * caller's. */
static int load_account(struct web_req *r, struct account *a)
{
    int64_t id;
    int rc = api_path_id(r, "id", &id);
    if (rc)
        return rc;
    if ((rc = auth_scope(r, id)))
        return rc;
    struct rm_err e;
    ERR_INIT(e);
    if ((rc = account_get_id(api_app(r), id, a, &e)) < 0)
        return api_fail(r, rc, &e);
    if (strcmp(a->kind, "customer") != 0)
        return api_error(r, 404, API_ENOTFOUND, NULL, "no such account");
    return 0;
}

static int reply_account(struct web_req *r, unsigned status, int64_t id,
                         json_t *extra)
{
    struct account a;
    struct rm_err e;
    ERR_INIT(e);
    int rc = account_get_id(api_app(r), id, &a, &e);
    if (rc < 0) {
        json_decref(extra);
        return api_fail(r, rc, &e);
    }
    json_t *j = api_account_json(&a);
    if (extra)
        json_object_update(j, extra);
    json_decref(extra);
    return web_reply_json(r, status, j);
}

static int add_account(struct web_req *r)
{
    static const char *const fields[] = {"name", "email", "credit_limit",
                                         "auto_renew", NULL};
    json_t *b;
    const char *name = NULL, *email = NULL;
    int64_t limit = 0;
    bool has_limit = false, auto_renew = false;
    char lb[MONEY_STR_MAX];
    int rc = api_body(r, &b);
    if (rc)
        return rc;
    if ((rc = api_only_fields(r, b, fields)) ||
        (rc = api_get_str(r, b, "name", true, 1, ACCOUNT_NAME_MAX, &name,
                          NULL)) ||
        (rc = api_get_str(r, b, "email", false, 0, ACCOUNT_EMAIL_MAX, &email,
                          NULL)) ||
        (rc = api_get_int(r, b, "credit_limit", false, 0, INT64_MAX / 2, &limit,
                          &has_limit)) ||
        (rc = api_get_bool(r, b, "auto_renew", false, &auto_renew, NULL))) {
        json_decref(b);
        return rc;
    }
    struct rm_err e;
    int64_t id;
    ERR_INIT(e);
    rc = account_add(api_app(r), name, email,
                     has_limit ? money_format(limit, lb) : NULL, auto_renew,
                     &id, &e);
    json_decref(b);
    if (rc < 0)
        return api_fail(r, rc, &e);
    return reply_account(r, 201, id, NULL);
}

static int get_account(struct web_req *r)
{
    struct account a;
    int rc = load_account(r, &a);
    if (rc)
        return rc;
    json_t *j = api_account_json(&a);
    struct contact c;
    struct rm_err e;
    ERR_INIT(e);
    json_object_set_new(
        j, "has_owner_contact",
        json_boolean(contact_get(api_app(r), a.id, "owner", &c, &e) == 0));
    return web_reply_json(r, 200, j);
}

/* money_move - credit (signed false) or adjust (signed true). */
static int money_move(struct web_req *r, bool adjust)
{
    static const char *const fields[] = {"amount", "ref", "memo", NULL};
    struct account a;
    int rc = load_account(r, &a);
    if (rc)
        return rc;
    json_t *b;
    const char *ref = NULL, *memo = NULL;
    int64_t amount;
    if ((rc = api_body(r, &b)))
        return rc;
    const int64_t max = 9999999999999LL * 100 + 99; /* money.h bound */
    if ((rc = api_only_fields(r, b, fields)) ||
        (rc = api_get_int(r, b, "amount", true, adjust ? -max : 1, max, &amount,
                          NULL)) ||
        (rc = api_get_str(r, b, "ref", false, 1, LEDGER_MAX_KEY, &ref, NULL)) ||
        (rc = api_get_str(r, b, "memo", adjust, adjust ? 1 : 0, LEDGER_MAX_MEMO,
                          &memo, NULL)))
        goto out;
    if (adjust && amount == 0) {
        rc = api_error(r, 400, API_ERANGE, "amount",
                       "amount: an adjustment is not zero");
        goto out;
    }
    char *gen = NULL;
    if (!ref)
        ref = gen = secret_random_text(16);
    struct rm_err e;
    ERR_INIT(e);
    rc = adjust
             ? ledger_adjust(r->st, a.id, amount, ref, memo, clock_now(), &e)
             : ledger_credit(r->st, a.id, amount, ref, memo, clock_now(), &e);
    if (rc < 0) {
        free(gen);
        rc = api_fail(r, rc, &e);
        goto out;
    }
    json_t *extra =
        json_pack("{s:b, s:s}", "replayed", rc == LEDGER_REPLAYED, "ref", ref);
    free(gen);
    rc = reply_account(r, 200, a.id, extra);
out:
    json_decref(b);
    return rc;
}

static int credit_account(struct web_req *r)
{
    return money_move(r, false);
}

static int adjust_account(struct web_req *r)
{
    return money_move(r, true);
}

static int set_limit(struct web_req *r)
{
    static const char *const fields[] = {"credit_limit", NULL};
    struct account a;
    int rc = load_account(r, &a);
    if (rc)
        return rc;
    json_t *b;
    int64_t limit;
    char lb[MONEY_STR_MAX];
    if ((rc = api_body(r, &b)))
        return rc;
    if ((rc = api_only_fields(r, b, fields)) ||
        (rc = api_get_int(r, b, "credit_limit", true, 0, INT64_MAX / 2, &limit,
                          NULL))) {
        json_decref(b);
        return rc;
    }
    json_decref(b);
    struct rm_err e;
    ERR_INIT(e);
    if ((rc = account_set_limit(api_app(r), a.id, money_format(limit, lb),
                                &e)) < 0)
        return api_fail(r, rc, &e);
    return reply_account(r, 200, a.id, NULL);
}

struct hist {
    const struct api_page *p;
    int64_t skip;
    json_t *items;
};

static int hist_line(const struct ledger_line *l, void *arg)
{
    struct hist *h = arg;
    if (api_page_skip(h->p, l->entry_id, &h->skip))
        return 0;
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(l->entry_id));
    json_object_set_new(j, "posting_id", json_integer(l->posting_id));
    json_object_set_new(j, "kind", json_string(ledger_kind_name(l->kind)));
    json_object_set_new(j, "amount", json_integer(l->amount));
    json_object_set_new(j, "balance_after", json_integer(l->balance_after));
    json_object_set_new(j, "operation_id", api_time(l->operation_id));
    json_object_set_new(j, "ref", api_text(l->idem_key));
    json_object_set_new(j, "memo", api_text(l->memo));
    json_object_set_new(j, "at", api_time(l->created_at));
    json_array_append_new(h->items, j);
    return (int64_t)json_array_size(h->items) >= h->p->fetch ? 1 : 0;
}

static int account_history(struct web_req *r)
{
    struct account a;
    struct api_page p;
    int rc = load_account(r, &a);
    if (rc || (rc = api_page_parse(r, &p)))
        return rc;
    struct hist h = {&p, p.offset, json_array()};
    struct rm_err e;
    ERR_INIT(e);
    if ((rc = ledger_history(r->st, a.id, 0, hist_line, &h, &e)) < 0) {
        json_decref(h.items);
        return api_fail(r, rc, &e);
    }
    return api_reply_page(r, &p, h.items);
}

static json_t *contact_json(const struct contact *c)
{
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
        "s:s, s:s, s:s, s:s}",
        "type", c->type, "first_name", c->first_name, "last_name", c->last_name,
        "org_name", c->org_name, "address1", c->address1, "address2",
        c->address2, "address3", c->address3, "city", c->city, "state",
        c->state, "postal_code", c->postal_code, "country", c->country, "phone",
        c->phone, "fax", c->fax, "email", c->email, "lang", c->lang);
}

static int contact_type(struct web_req *r, const char **type)
{
    static const char *const types[] = {"owner", "admin", "billing", "tech"};
    const char *t = web_param(r, "type");
    for (size_t i = 0; t && i < 4; i++)
        if (strcmp(t, types[i]) == 0) {
            *type = types[i];
            return 0;
        }
    return api_error(r, 404, API_ENOTFOUND, NULL,
                     "contact type is owner, admin, billing or tech");
}

static int get_contact(struct web_req *r)
{
    struct account a;
    const char *type = NULL;
    int rc = load_account(r, &a);
    if (rc || (rc = contact_type(r, &type)))
        return rc;
    struct contact c;
    struct rm_err e;
    ERR_INIT(e);
    if ((rc = contact_get(api_app(r), a.id, type, &c, &e)) < 0)
        return api_fail(r, rc, &e);
    return web_reply_json(r, 200, contact_json(&c));
}

static int put_contact(struct web_req *r)
{
    struct account a;
    const char *type = NULL;
    int rc = load_account(r, &a);
    if (rc || (rc = contact_type(r, &type)))
        return rc;
    json_t *b;
    const char *vals[CONTACT_FIELDS + 1] = {0};
    if ((rc = api_body(r, &b)))
        return rc;
    if ((rc = api_only_fields(r, b, contact_field_names)))
        goto out;
    for (size_t i = 0; contact_field_names[i] && i < CONTACT_FIELDS; i++)
        if ((rc = api_get_str(r, b, contact_field_names[i], false, 0, 254,
                              &vals[i], NULL)))
            goto out;
    struct rm_err e;
    struct contact c;
    ERR_INIT(e);
    if ((rc = contact_set(api_app(r), a.id, type, vals, &e)) < 0 ||
        (rc = contact_get(api_app(r), a.id, type, &c, &e)) < 0) {
        rc = api_fail(r, rc, &e);
        goto out;
    }
    rc = web_reply_json(r, 200, contact_json(&c));
out:
    json_decref(b);
    return rc;
}

/* ---- audit ----------------------------------------------------------------
 */

static int get_audit(struct web_req *r)
{
    struct audit_report rep;
    struct rm_err e;
    ERR_INIT(e);
    int rc = audit_run(api_app(r), &rep, &e);
    if (rc < 0)
        return api_fail(r, rc, &e);
    json_t *j = json_object(), *a = json_array();
    for (int i = 0; i < AUDIT_NCHECKS; i++)
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:I, s:I, s:s}", "id", rep.c[i].id, "what",
                         rep.c[i].what, "checked", (json_int_t)rep.c[i].checked,
                         "failed", (json_int_t)rep.c[i].bad, "detail",
                         rep.c[i].detail.data ? rep.c[i].detail.data : ""));
    json_object_set_new(j, "checks", a);
    json_object_set_new(j, "ok", json_boolean(audit_ok(&rep)));
    audit_release(&rep);
    return web_reply_json(r, 200, j);
}

/* ---- dashboard ------------------------------------------------------ */

/* get_stats - per UTC day of the last ?days=N (1..366, default 30):
 * operations created by kind and how many of them succeeded, refunds
 * (count and amount); plus the pending operations now and the customer
 * balances. Days are epoch-day numbers (day * 86400 = its midnight). */
static int get_stats(struct web_req *r)
{
    static const char sql_ops[] =
        "SELECT created_at / 86400, kind, CAST(COUNT(*) AS BIGINT), "
        "CAST(SUM(CASE WHEN state = 'succeeded' THEN 1 ELSE 0 END) AS "
        "BIGINT), CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM operations "
        "WHERE created_at >= ? GROUP BY created_at / 86400, kind";
    /* charges and refunds of customer accounts per day: a charge is
     * negative there, a refund positive; revenue is what was charged and
     * not refunded */
    static const char sql_refunds[] =
        "SELECT p.created_at / 86400, CAST(COALESCE(SUM(CASE WHEN p.kind = "
        "'refund' THEN 1 ELSE 0 END), 0) AS BIGINT), CAST(COALESCE(SUM(CASE "
        "WHEN p.kind = 'refund' THEN e.amount ELSE 0 END), 0) AS BIGINT), "
        "CAST(COALESCE(SUM(CASE WHEN p.kind = 'charge' THEN -e.amount ELSE 0 "
        "END), 0) AS BIGINT) FROM ledger_postings p JOIN ledger_entries e ON "
        "e.posting_id = p.id JOIN accounts a ON a.id = e.account_id WHERE "
        "p.kind IN ('charge', 'refund') AND a.kind = 'customer' AND "
        "p.created_at >= ? GROUP BY p.created_at / 86400";
    static const char sql_now[] =
        "SELECT (SELECT CAST(COUNT(*) AS BIGINT) FROM operations WHERE "
        "state = 'pending'), (SELECT COALESCE(MIN(created_at), 0) FROM "
        "operations WHERE state = 'pending'), (SELECT CAST(COALESCE("
        "SUM(balance), 0) AS BIGINT) FROM accounts WHERE kind = "
        "'customer'), (SELECT CAST(COUNT(*) AS BIGINT) FROM domains WHERE "
        "status = 'active')";
    const char *ds = web_query(r, "days");
    int64_t days = 30, now = clock_now(), charged = 0, refunded = 0;
    if (ds && !api_parse_int64(ds, 1, 366, &days))
        return api_error(r, 400, API_ERANGE, "days", "days: 1..366");
    int64_t first = now / 86400 - days + 1;
    json_t *byday = json_object(), *j = NULL;
    for (int64_t d = first; d <= now / 86400; d++) {
        char k[24];
        json_object_set_new(byday, api_int_text(d, k, sizeof k),
                            json_pack("{s:I, s:{}, s:I, s:I, s:I, s:I}", "day",
                                      (json_int_t)d, "ops", "refunds",
                                      (json_int_t)0, "refunded", (json_int_t)0,
                                      "charged", (json_int_t)0, "revenue",
                                      (json_int_t)0));
    }
    struct store_stmt *s;
    struct rm_err e;
    int rc;
    ERR_INIT(e);
    /* one snapshot for all figures */
    if ((rc = store_begin(r->st, STORE_TX_READ, &e)) < 0 ||
        (rc = store_prepare(r->st, sql_ops, &s, &e)) < 0)
        goto fail;
    store_bind_int64(s, 1, first * 86400);
    while ((rc = store_step(s, &e)) == STORE_ROW) {
        char k[24];
        json_t *day = json_object_get(
            byday, api_int_text(store_col_int64(s, 0), k, sizeof k));
        if (day)
            json_object_set_new(
                json_object_get(day, "ops"), store_col_text(s, 1),
                json_pack("{s:I, s:I, s:I}", "created",
                          (json_int_t)store_col_int64(s, 2), "succeeded",
                          (json_int_t)store_col_int64(s, 3), "amount",
                          (json_int_t)store_col_int64(s, 4)));
    }
    store_stmt_release(s);
    if (rc < 0 || (rc = store_prepare(r->st, sql_refunds, &s, &e)) < 0)
        goto fail;
    store_bind_int64(s, 1, first * 86400);
    while ((rc = store_step(s, &e)) == STORE_ROW) {
        char k[24];
        json_t *day = json_object_get(
            byday, api_int_text(store_col_int64(s, 0), k, sizeof k));
        if (day) {
            json_object_set_new(day, "refunds",
                                json_integer(store_col_int64(s, 1)));
            json_object_set_new(day, "refunded",
                                json_integer(store_col_int64(s, 2)));
            json_object_set_new(day, "charged",
                                json_integer(store_col_int64(s, 3)));
            json_object_set_new(
                day, "revenue",
                json_integer(store_col_int64(s, 3) - store_col_int64(s, 2)));
            charged += store_col_int64(s, 3);
            refunded += store_col_int64(s, 2);
        }
    }
    store_stmt_release(s);
    if (rc < 0 || (rc = store_prepare(r->st, sql_now, &s, &e)) < 0)
        goto fail;
    j = json_object();
    if ((rc = store_step(s, &e)) == STORE_ROW) {
        int64_t oldest = store_col_int64(s, 1);
        json_object_set_new(j, "pending", json_integer(store_col_int64(s, 0)));
        json_object_set_new(j, "pending_oldest_age_s",
                            json_integer(oldest ? now - oldest : 0));
        json_object_set_new(j, "customer_balances",
                            json_integer(store_col_int64(s, 2)));
        json_object_set_new(j, "active_domains",
                            json_integer(store_col_int64(s, 3)));
    }
    store_stmt_release(s);
    if (rc < 0)
        goto fail;
    store_rollback(r->st);
    json_t *arr = json_array();
    for (int64_t d = first; d <= now / 86400; d++) {
        char k[24];
        json_array_append(arr,
                          json_object_get(byday, api_int_text(d, k, sizeof k)));
    }
    json_decref(byday);
    json_object_set_new(j, "days", arr);
    json_object_set_new(j, "charged", json_integer(charged));
    json_object_set_new(j, "refunded", json_integer(refunded));
    json_object_set_new(j, "revenue", json_integer(charged - refunded));
    json_object_set_new(j, "now", json_integer(now));
    return web_reply_json(r, 200, j);
fail:
    store_rollback(r->st);
    json_decref(j);
    json_decref(byday);
    return api_fail(r, rc, &e);
}

/* ---- registrar log --------------------------------------------------------
 */

/* log_filters - ?domain= ?operation_id= ?action= */
static int log_filters(struct web_req *r, const char **domain, int64_t *op,
                       const char **action)
{
    *domain = web_query(r, "domain");
    *action = web_query(r, "action");
    const char *o = web_query(r, "operation_id");
    *op = 0;
    if (*domain && strlen(*domain) > NAME_MAX_INPUT)
        return api_error(r, 400, API_ERANGE, "domain", "domain: too long");
    if (*action && strlen(*action) > 64)
        return api_error(r, 400, API_ERANGE, "action", "action: too long");
    if (o && !api_parse_int64(o, 1, INT64_MAX, op))
        return api_error(r, 400, API_EWRONG_TYPE, "operation_id",
                         "operation_id: expected a positive integer");
    return 0;
}

static json_t *reglog_json(struct store_stmt *s, void *arg)
{
    json_t *j = json_object();
    (void)arg;
    json_object_set_new(j, "id", json_integer(store_col_int64(s, 0)));
    json_object_set_new(j, "at", api_time(store_col_int64(s, 1)));
    json_object_set_new(j, "connection_id", api_time(store_col_int64(s, 2)));
    json_object_set_new(j, "operation_id", api_time(store_col_int64(s, 3)));
    json_object_set_new(j, "action", api_text(store_col_text(s, 4)));
    json_object_set_new(j, "object", api_text(store_col_text(s, 5)));
    json_object_set_new(j, "domain", api_text(store_col_text(s, 6)));
    json_object_set_new(j, "outcome", api_text(store_col_text(s, 7)));
    json_object_set_new(j, "http_status", json_integer(store_col_int64(s, 8)));
    json_object_set_new(j, "duration_ms", json_integer(store_col_int64(s, 9)));
    json_object_set_new(j, "request", api_text(store_col_text(s, 10)));
    json_object_set_new(j, "response", api_text(store_col_text(s, 11)));
    return j;
}

static int list_reglog(struct web_req *r)
{
    static const char sql[] =
        "SELECT id, at, COALESCE(connection_id, 0), COALESCE(operation_id, 0), "
        "action, object, COALESCE(domain, ''), outcome, "
        "COALESCE(http_status, 0), duration_ms, request, COALESCE(response, "
        "'') FROM registrar_log WHERE (CAST(? AS TEXT) IS NULL OR domain = ?) "
        "AND (? = 0 OR operation_id = ?) AND (CAST(? AS TEXT) IS NULL OR "
        "action = ?) AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ? OFFSET ?";
    struct api_page p;
    const char *domain, *action;
    int64_t op;
    int rc = api_page_parse(r, &p);
    if (rc || (rc = log_filters(r, &domain, &op, &action)))
        return rc;
    struct store_stmt *s;
    struct rm_err e;
    ERR_INIT(e);
    if ((rc = store_prepare(r->st, sql, &s, &e)) < 0)
        return api_fail(r, rc, &e);
    store_bind_text(s, 1, domain);
    store_bind_text(s, 2, domain);
    store_bind_int64(s, 3, op);
    store_bind_int64(s, 4, op);
    store_bind_text(s, 5, action);
    store_bind_text(s, 6, action);
    api_bind_page(s, 7, &p);
    return api_reply_rows(r, &p, s, reglog_json, NULL);
}

#define CSV_MAX_ROWS 100000
#define CSV_MAX_BYTES (64u * 1024 * 1024)

struct csv {
    struct buf out;
    const char *action;
    int64_t rows, limit;
    bool truncated;
};

static void csv_field(struct buf *b, const char *s)
{
    buf_addc(b, '"');
    for (; s && *s; s++) {
        if (*s == '"')
            buf_addc(b, '"');
        buf_addc(b, *s);
    }
    buf_addc(b, '"');
}

static int csv_row(const struct reglog_row *w, void *arg)
{
    struct csv *c = arg;
    char at[32];
    if (c->action && strcmp(c->action, w->action) != 0)
        return 0;
    if (c->rows >= c->limit)
        return 1;
    c->rows++;
    if (c->out.len > CSV_MAX_BYTES) {
        c->truncated = true;
        return 1;
    }
    clock_format(w->at, at, sizeof at);
    buf_addf(&c->out, "%" PRId64 ",", w->id);
    csv_field(&c->out, at);
    buf_addf(&c->out, ",%" PRId64 ",", w->op_id);
    const char *f[] = {w->action, w->object, w->domain, w->outcome};
    for (size_t i = 0; i < 4; i++) {
        csv_field(&c->out, f[i]);
        buf_addc(&c->out, ',');
    }
    buf_addf(&c->out, "%" PRId64 ",%" PRId64 ",", w->http_status,
             w->duration_ms);
    csv_field(&c->out, w->request);
    buf_addc(&c->out, ',');
    csv_field(&c->out, w->response);
    buf_adds(&c->out, "\r\n");
    return 0;
}

static int export_reglog(struct web_req *r)
{
    const char *domain, *action, *ls = web_query(r, "limit");
    int64_t op, limit = CSV_MAX_ROWS;
    int rc = log_filters(r, &domain, &op, &action);
    if (rc)
        return rc;
    if (ls && !api_parse_int64(ls, 1, CSV_MAX_ROWS, &limit))
        return api_error(r, 400, API_ERANGE, "limit", "limit: 1..%d",
                         CSV_MAX_ROWS);
    struct csv c = {.action = action, .limit = limit};
    struct rm_err e;
    ERR_INIT(e);
    buf_init(&c.out);
    /* the columns of `regman log --csv` */
    buf_adds(&c.out, "id,at,operation_id,action,object,domain,outcome,"
                     "http_status,duration_ms,request,response\r\n");
    rc = reglog_query(api_app(r), domain, op, action ? 0 : limit, csv_row, &c,
                      &e);
    if (rc < 0) {
        buf_release(&c.out);
        return api_fail(r, rc, &e);
    }
    web_reply_data(r, 200, "text/csv; charset=utf-8", c.out.data, c.out.len);
    web_reply_header(r, "Content-Disposition",
                     "attachment; filename=\"registrar-log.csv\"");
    if (c.truncated)
        web_reply_header(r, "X-Truncated", "1");
    buf_release(&c.out);
    return 0;
}

/* ---- jobs and mail --------------------------------------------------------
 */

static json_t *job_json(struct store_stmt *s, void *arg)
{
    const int64_t *now = arg;
    int64_t lease = store_col_int64(s, 6);
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(store_col_int64(s, 0)));
    json_object_set_new(j, "kind", api_text(store_col_text(s, 1)));
    json_object_set_new(j, "dedup_key", api_text(store_col_text(s, 2)));
    json_object_set_new(j, "state", api_text(store_col_text(s, 3)));
    json_object_set_new(j, "run_at", api_time(store_col_int64(s, 4)));
    json_object_set_new(j, "running", json_boolean(lease > *now));
    json_object_set_new(j, "lease_owner", api_text(store_col_text(s, 5)));
    json_object_set_new(j, "lease_expires_at", api_time(lease));
    json_object_set_new(j, "attempts", json_integer(store_col_int64(s, 7)));
    json_object_set_new(j, "last_error", api_text(store_col_text(s, 8)));
    json_object_set_new(j, "created_at", api_time(store_col_int64(s, 9)));
    json_object_set_new(j, "updated_at", api_time(store_col_int64(s, 10)));
    return j;
}

/* list_state - ?state= of allowed, then the bound listing of sql (state
 * twice, then the page) answered with row. */
static int list_state(struct web_req *r, const char *sql,
                      const char *const *allowed, const char *msg,
                      json_t *(*row)(struct store_stmt *s, void *arg),
                      void *arg)
{
    struct api_page p;
    const char *state;
    int rc = api_page_parse(r, &p);
    if (rc || (rc = api_query_enum(r, "state", allowed, msg, &state)))
        return rc;
    struct store_stmt *s;
    struct rm_err e;
    ERR_INIT(e);
    if ((rc = store_prepare(r->st, sql, &s, &e)) < 0)
        return api_fail(r, rc, &e);
    store_bind_text(s, 1, state);
    store_bind_text(s, 2, state);
    api_bind_page(s, 3, &p);
    return api_reply_rows(r, &p, s, row, arg);
}

static int list_jobs(struct web_req *r)
{
    static const char sql[] =
        "SELECT id, kind, dedup_key, state, run_at, COALESCE(lease_owner, ''), "
        "COALESCE(lease_expires_at, 0), attempts, COALESCE(last_error, ''), "
        "created_at, updated_at FROM jobs WHERE (CAST(? AS TEXT) IS NULL OR "
        "state = ?) AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ? OFFSET ?";
    static const char *const states[] = {"ready", "held", NULL};
    int64_t now = clock_now();
    return list_state(r, sql, states, "state: ready or held", job_json, &now);
}

static json_t *mail_json(const struct mail_row *m, bool body)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(m->id));
    json_object_set_new(j, "message_id", api_text(m->message_id));
    json_object_set_new(j, "to", api_text(m->to_addr));
    json_object_set_new(j, "subject", api_text(m->subject));
    json_object_set_new(j, "state", api_text(m->state));
    json_object_set_new(j, "attempts", json_integer(m->attempts));
    json_object_set_new(j, "next_attempt_at", api_time(m->next_attempt_at));
    json_object_set_new(j, "created_at", api_time(m->created_at));
    json_object_set_new(j, "sent_at", api_time(m->sent_at));
    json_object_set_new(j, "last_error",
                        m->last_error ? json_string(m->last_error)
                                      : json_null());
    if (body)
        json_object_set_new(j, "body", api_text(m->body));
    return j;
}

static json_t *mail_row_json(struct store_stmt *s, void *arg)
{
    struct mail_row m = {
        .id = store_col_int64(s, 0),
        .message_id = (char *)store_col_text(s, 1),
        .to_addr = (char *)store_col_text(s, 2),
        .subject = (char *)store_col_text(s, 3),
        .state = (char *)store_col_text(s, 4),
        .attempts = store_col_int64(s, 5),
        .next_attempt_at = store_col_int64(s, 6),
        .created_at = store_col_int64(s, 7),
        .sent_at = store_col_int64(s, 8),
        .last_error = (char *)store_col_text(s, 9),
    };
    (void)arg;
    return mail_json(&m, false);
}

static int list_mail(struct web_req *r)
{
    static const char sql[] =
        "SELECT id, message_id, to_addr, subject, state, attempts, "
        "next_attempt_at, created_at, COALESCE(sent_at, 0), last_error "
        "FROM mail_outbox WHERE (CAST(? AS TEXT) IS NULL OR state = ?) AND "
        "(? = 0 OR id < ?) ORDER BY id DESC LIMIT ? OFFSET ?";
    static const char *const states[] = {"queued", "sent", "failed", NULL};
    return list_state(r, sql, states, "state: queued, sent or failed",
                      mail_row_json, NULL);
}

/* mail_reply - the path's message (retried first when retry) as JSON,
 * with its body when body. */
static int mail_reply(struct web_req *r, bool retry, bool body)
{
    int64_t id;
    int rc = api_path_id(r, "id", &id);
    if (rc)
        return rc;
    struct mail_row m;
    struct rm_err e;
    ERR_INIT(e);
    if ((rc = mail_outbox_get(r->st, id, &m, &e)) < 0)
        return api_fail(r, rc, &e);
    if (retry) {
        mail_row_release(&m);
        if ((rc = mail_outbox_retry(r->st, id, clock_now(), &e)) < 0 ||
            (rc = mail_outbox_get(r->st, id, &m, &e)) < 0)
            return api_fail(r, rc, &e);
    }
    json_t *j = mail_json(&m, body);
    mail_row_release(&m);
    return web_reply_json(r, 200, j);
}

static int get_mail(struct web_req *r)
{
    return mail_reply(r, false, true);
}

static int retry_mail(struct web_req *r)
{
    return mail_reply(r, true, false);
}

static const struct web_route routes[] = {
    {"GET", "/api/v1/connections", list_connections, WEB_ADMIN},
    {"POST", "/api/v1/connections", add_connection, WEB_ADMIN},
    {"GET", "/api/v1/connections/{id}", get_connection, WEB_ADMIN},
    {"PATCH", "/api/v1/connections/{id}", edit_connection, WEB_ADMIN},
    {"DELETE", "/api/v1/connections/{id}", delete_connection, WEB_ADMIN},
    {"POST", "/api/v1/connections/{id}/test", test_connection, WEB_ADMIN},
    {"GET", "/api/v1/tlds", list_tlds, WEB_LOGIN},
    {"GET", "/api/v1/tlds/{tld}", get_tld, WEB_LOGIN},
    {"PUT", "/api/v1/tlds/{tld}", put_tld, WEB_ADMIN},
    {"DELETE", "/api/v1/tlds/{tld}", delete_tld, WEB_ADMIN},
    {"GET", "/api/v1/accounts", list_accounts, WEB_LOGIN},
    {"POST", "/api/v1/accounts", add_account, WEB_ADMIN},
    {"GET", "/api/v1/accounts/{id}", get_account, WEB_LOGIN},
    {"POST", "/api/v1/accounts/{id}/credit", credit_account, WEB_ADMIN},
    {"POST", "/api/v1/accounts/{id}/adjust", adjust_account, WEB_ADMIN},
    {"PUT", "/api/v1/accounts/{id}/limit", set_limit, WEB_ADMIN},
    {"GET", "/api/v1/accounts/{id}/history", account_history, WEB_LOGIN},
    {"GET", "/api/v1/accounts/{id}/contacts/{type}", get_contact, WEB_LOGIN},
    {"PUT", "/api/v1/accounts/{id}/contacts/{type}", put_contact, WEB_LOGIN},
    {"GET", "/api/v1/audit", get_audit, WEB_ADMIN},
    {"GET", "/api/v1/stats", get_stats, WEB_ADMIN},
    {"GET", "/api/v1/registrar-log", list_reglog, WEB_ADMIN},
    {"GET", "/api/v1/registrar-log.csv", export_reglog, WEB_ADMIN},
    {"GET", "/api/v1/jobs", list_jobs, WEB_ADMIN},
    {"GET", "/api/v1/mail", list_mail, WEB_ADMIN},
    {"GET", "/api/v1/mail/{id}", get_mail, WEB_ADMIN},
    {"POST", "/api/v1/mail/{id}/retry", retry_mail, WEB_ADMIN},
};

const struct web_route *api_admin_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
