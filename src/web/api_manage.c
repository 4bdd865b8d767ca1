/*
 * api_manage - an owner's changes after the sale (contract in
 * api_manage.h).
 */
#include "web/api_manage.h"

#include <limits.h>
#include <string.h>

#include "core/account.h"
#include "core/domchange.h"
#include "core/domview.h"
#include "core/names.h"
#include "registrar/registrar.h"
#include "web/api.h"
#include "web/api_util.h"
#include "web/auth.h"

/* held - whether the caller holds a live row of the name. */
static void held_fn(const struct dom_view *v, void *arg)
{
    bool *live = arg;
    if (domview_live(v->status))
        *live = true;
}

/* target - the path's domain as the caller holds it: 0 with *nm and
 * who->account (a customer: its own account's name, kept in *a; an admin:
 * NULL), or a reply - 404 "no such domain" for a bad name, a name nobody
 * holds and another account's domain alike. */
static int target(struct web_req *r, struct name *nm, struct account *a,
                  struct domchange_who *who)
{
    const char *in = web_param(r, "name");
    bool live = false;
    struct rm_err e;
    int rc;

    ERR_INIT(e);
    who->account = NULL;
    if (!in || strlen(in) > NAME_MAX_INPUT || name_parse(in, nm, &e) < 0)
        return api_error(r, 404, API_ENOTFOUND, NULL, "no such domain");
    if ((rc = domview_by_name(api_app(r), nm->ascii, auth_account_filter(r),
                              held_fn, &live, &e)) < 0)
        return api_fail(r, rc, &e);
    if (!live)
        return api_error(r, 404, API_ENOTFOUND, NULL, "no such domain");
    if (auth_is_admin(r))
        return 0;
    if ((rc = api_customer_account(r, a)))
        return rc;
    who->account = a->name;
    return 0;
}

/* core_fail - a core call that recorded nothing: bad input (400 on field),
 * not the caller's (404 as target), the rest as api_fail. */
static int core_fail(struct web_req *r, int rc, const struct rm_err *e,
                     const char *field)
{
    if (rc == RM_EINVAL)
        return api_error(r, 400, API_EINVALID, field, "%s", e->msg);
    if (rc == RM_ENOTFOUND)
        return api_error(r, 404, API_ENOTFOUND, NULL, "no such domain");
    return api_fail(r, rc, e);
}

/* reply_change - a recorded change: 200 succeeded, 202 unknown, 409
 * refused (the error body with the change's fields). */
static int reply_change(struct web_req *r, const struct domchange_result *res)
{
    int o = domchange_outcome(res);
    json_t *j = o == RM_EREFUSED
                    ? api_error_body(API_EREFUSED, NULL,
                                     res->answer[0]
                                         ? res->answer
                                         : "the registrar refused the change")
                    : json_object();
    json_object_set_new(j, "domain", json_string(res->domain));
    json_object_set_new(j, "change", json_integer(res->id));
    json_object_set_new(j, "state", json_string(res->state));
    json_object_set_new(j, "answer", json_string(res->answer));
    if (res->auth_code[0])
        json_object_set_new(j, "auth_code", json_string(res->auth_code));
    return web_reply_json(r, o == 0 ? 200 : o == RM_EREFUSED ? 409 : 202, j);
}

/* read_view - what the registrar says of the path's domain now. */
static int read_view(struct web_req *r, bool auth, struct domchange_view *v)
{
    struct name nm;
    struct account a;
    struct domchange_who who;
    struct rm_err e;
    int rc = target(r, &nm, &a, &who);
    if (rc)
        return rc;
    ERR_INIT(e);
    if ((rc = domchange_read(api_app(r), &who, nm.ascii, auth, v, &e)) < 0)
        return core_fail(r, rc, &e, NULL);
    return 0;
}

static int get_nameservers(struct web_req *r)
{
    struct domchange_view v;
    int rc = read_view(r, false, &v);
    if (rc)
        return rc;
    json_t *ns = json_array();
    for (size_t i = 0; i < v.n_nameservers && i < REG_NS_MAX; i++)
        json_array_append_new(ns, json_string(v.nameservers[i]));
    return web_reply_json(
        r, 200, json_pack("{s:s, s:o}", "domain", v.domain, "nameservers", ns));
}

static int put_nameservers(struct web_req *r)
{
    static const char *const fields[] = {"nameservers", NULL};
    const char *ns[REG_NS_MAX];
    struct name nm;
    struct account a;
    struct domchange_who who;
    struct domchange_result res;
    struct rm_err e;
    json_t *b, *nv, *v;
    size_t i, n;
    int rc = target(r, &nm, &a, &who);
    if (rc || (rc = api_body(r, &b)))
        return rc;
    if ((rc = api_only_fields(r, b, fields)))
        goto out;
    nv = json_object_get(b, "nameservers");
    if (!nv || json_is_null(nv)) {
        rc = api_error(r, 400, API_EMISSING, "nameservers",
                       "nameservers is required");
        goto out;
    }
    if (!json_is_array(nv)) {
        rc = api_error(r, 400, API_EWRONG_TYPE, "nameservers",
                       "nameservers: an array of host names");
        goto out;
    }
    n = json_array_size(nv);
    if (n < REG_NS_MIN || n > REG_NS_MAX) {
        rc = api_error(r, 400, API_ERANGE, "nameservers",
                       "nameservers: a domain needs %d to %d, not %zu",
                       REG_NS_MIN, REG_NS_MAX, n);
        goto out;
    }
    json_array_foreach(nv, i, v)
    {
        if (!json_is_string(v) ||
            strlen(json_string_value(v)) != json_string_length(v)) {
            rc = api_error(r, 400, API_EWRONG_TYPE, "nameservers",
                           "nameservers: an array of host names");
            goto out;
        }
        if (json_string_length(v) > NAME_MAX_ASCII) {
            rc = api_error(r, 400, API_EINVALID, "nameservers",
                           "nameserver %zu: not a host name", i + 1);
            goto out;
        }
        ns[i] = json_string_value(v);
    }
    ERR_INIT(e);
    rc = domchange_nameservers(api_app(r), &who, nm.ascii, ns, n, &res, &e);
    rc = rc < 0 ? core_fail(r, rc, &e, "nameservers") : reply_change(r, &res);
out:
    json_decref(b);
    return rc;
}

static int get_lock(struct web_req *r)
{
    struct domchange_view v;
    int rc = read_view(r, false, &v);
    if (rc)
        return rc;
    return web_reply_json(
        r, 200,
        json_pack("{s:s, s:b}", "domain", v.domain, "locked", (int)v.locked));
}

static int put_lock(struct web_req *r)
{
    static const char *const fields[] = {"locked", NULL};
    struct name nm;
    struct account a;
    struct domchange_who who;
    struct domchange_result res;
    struct rm_err e;
    json_t *b;
    bool on = false;
    int rc = target(r, &nm, &a, &who);
    if (rc || (rc = api_body(r, &b)))
        return rc;
    rc = api_only_fields(r, b, fields);
    if (rc == 0)
        rc = api_get_bool(r, b, "locked", true, &on, NULL);
    json_decref(b);
    if (rc)
        return rc;
    ERR_INIT(e);
    if ((rc = domchange_lock(api_app(r), &who, nm.ascii, on, &res, &e)) < 0)
        return core_fail(r, rc, &e, "locked");
    return reply_change(r, &res);
}

static int get_auth_code(struct web_req *r)
{
    struct domchange_view v;
    int rc = read_view(r, true, &v);
    if (rc)
        return rc;
    return web_reply_json(
        r, 200,
        json_pack("{s:s, s:s}", "domain", v.domain, "auth_code", v.auth_code));
}

/* POST .../auth-code/reset [{"auth_code": "..."}] - the given code, else a
 * random one. */
static int post_auth_reset(struct web_req *r)
{
    static const char *const fields[] = {"auth_code", NULL};
    struct name nm;
    struct account a;
    struct domchange_who who;
    struct domchange_result res;
    struct rm_err e;
    const char *code = NULL;
    json_t *b;
    int rc = target(r, &nm, &a, &who);
    if (rc || (rc = api_opt_body(r, fields, &b)))
        return rc;
    if (b && (rc = api_get_str(r, b, "auth_code", false, DOMCHANGE_AUTH_MIN,
                               DOMCHANGE_AUTH_MAX, &code, NULL)))
        goto out;
    ERR_INIT(e);
    rc = domchange_auth_code_set(api_app(r), &who, nm.ascii, code, &res, &e);
    rc = rc < 0 ? core_fail(r, rc, &e, "auth_code") : reply_change(r, &res);
out:
    json_decref(b);
    return rc;
}

static int post_auth_send(struct web_req *r)
{
    static const char *const none[] = {NULL};
    struct name nm;
    struct account a;
    struct domchange_who who;
    struct domchange_result res;
    struct rm_err e;
    json_t *b;
    int rc = target(r, &nm, &a, &who);
    if (rc || (rc = api_opt_body(r, none, &b)))
        return rc;
    json_decref(b);
    ERR_INIT(e);
    if ((rc = domchange_auth_code_send(api_app(r), &who, nm.ascii, &res, &e)) <
        0)
        return core_fail(r, rc, &e, NULL);
    return reply_change(r, &res);
}

/* the page of changes being built (newest first) */
struct change_page {
    const struct api_page *p;
    int64_t skip;
    json_t *items;
};

static int change_item(const struct domchange_row *row, void *arg)
{
    struct change_page *c = arg;
    if (api_page_skip(c->p, row->id, &c->skip))
        return 0;
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(row->id));
    json_object_set_new(j, "kind", api_text(row->kind));
    json_object_set_new(j, "actor", api_text(row->actor));
    json_object_set_new(j, "request", api_text(row->request));
    json_object_set_new(j, "state", api_text(row->state));
    json_object_set_new(j, "answer", api_text(row->answer));
    json_object_set_new(j, "created_at", api_time(row->created_at));
    json_object_set_new(j, "finished_at", api_time(row->finished_at));
    json_array_append_new(c->items, j);
    return (int64_t)json_array_size(c->items) >= c->p->fetch;
}

static int list_changes(struct web_req *r)
{
    struct name nm;
    struct account a;
    struct domchange_who who;
    struct api_page p;
    struct rm_err e;
    int rc = target(r, &nm, &a, &who);
    if (rc || (rc = api_page_parse(r, &p)))
        return rc;
    struct change_page c = {&p, p.offset, json_array()};
    ERR_INIT(e);
    rc = domchange_history(api_app(r), &who, nm.ascii, INT_MAX, change_item, &c,
                           &e);
    if (rc == RM_ENOTFOUND) {
        json_decref(c.items);
        return api_error(r, 404, API_ENOTFOUND, NULL, "no such domain");
    }
    return api_reply_items(r, &p, rc, c.items, &e);
}

static const struct web_route routes[] = {
    {"GET", "/api/v1/domains/{name}/nameservers", get_nameservers, WEB_LOGIN},
    {"PUT", "/api/v1/domains/{name}/nameservers", put_nameservers, WEB_LOGIN},
    {"GET", "/api/v1/domains/{name}/lock", get_lock, WEB_LOGIN},
    {"PUT", "/api/v1/domains/{name}/lock", put_lock, WEB_LOGIN},
    {"GET", "/api/v1/domains/{name}/auth-code", get_auth_code, WEB_LOGIN},
    {"POST", "/api/v1/domains/{name}/auth-code/reset", post_auth_reset,
     WEB_LOGIN},
    {"POST", "/api/v1/domains/{name}/auth-code/send", post_auth_send,
     WEB_LOGIN},
    {"GET", "/api/v1/domains/{name}/changes", list_changes, WEB_LOGIN},
};

const struct web_route *api_manage_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
