/*
 * api_sync - the domains unknown here and their adoption (contract in
 * api_sync.h).
 */
#include "web/api_sync.h"

#include <stdio.h>
#include <string.h>

#include "core/account.h"
#include "core/conn.h"
#include "core/lifecycle.h"
#include "util/clock.h"
#include "util/xalloc.h"
#include "web/api.h"
#include "web/api_util.h"

static json_t *unknown_json(const struct lifecycle_unknown *u)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(u->id));
    json_object_set_new(j, "name", json_string(u->name));
    json_object_set_new(j, "connection_id", json_integer(u->connection_id));
    json_object_set_new(j, "connection", json_string(u->connection));
    json_object_set_new(j, "expires_at", api_time(u->expires_at));
    json_object_set_new(j, "first_seen_at", api_time(u->first_seen_at));
    json_object_set_new(j, "last_seen_at", api_time(u->last_seen_at));
    return j;
}

static int unknown_item(const struct lifecycle_unknown *u, void *arg)
{
    json_array_append_new(arg, unknown_json(u));
    return 0;
}

static int list_unknown(struct web_req *r)
{
    struct api_page p;
    struct lifecycle_unknown_query q = {0};
    const char *cid = web_query(r, "connection_id");
    int rc = api_page_parse(r, &p);
    if (rc)
        return rc;
    if (cid && !api_parse_int64(cid, 1, INT64_MAX, &q.connection_id))
        return api_error(r, 400, API_EWRONG_TYPE, "connection_id",
                         "connection_id: expected a connection id");
    q.after = p.has_after ? p.after : 0;
    q.limit = p.fetch;
    q.offset = p.offset;
    json_t *items = json_array();
    struct rm_err e;
    rm_err_clear(&e);
    if ((rc = lifecycle_unknown_list(api_app(r), &q, unknown_item, items, &e)) <
        0) {
        json_decref(items);
        return api_fail(r, rc, &e);
    }
    return api_reply_page(r, &p, items);
}

/* names_arg - body["names"]: 1..LIFECYCLE_IMPORT_ONLY_MAX strings into *v
 * (pointers into body; heap array). 0, or a reply and WEB_STOP. */
static int names_arg(struct web_req *r, json_t *body, const char ***v,
                     size_t *n)
{
    json_t *a = json_object_get(body, "names"), *x;
    size_t i;

    *v = NULL;
    *n = 0;
    if (!a || json_is_null(a))
        return api_error(r, 400, API_EMISSING, "names", "names is required");
    if (!json_is_array(a))
        return api_error(r, 400, API_EWRONG_TYPE, "names",
                         "names: expected an array of domain names");
    if (json_array_size(a) < 1 ||
        json_array_size(a) > LIFECYCLE_IMPORT_ONLY_MAX)
        return api_error(r, 400, API_ERANGE, "names",
                         "names: 1..%d domain names",
                         LIFECYCLE_IMPORT_ONLY_MAX);
    json_array_foreach(a, i, x)
    {
        if (!json_is_string(x) ||
            strlen(json_string_value(x)) != json_string_length(x))
            return api_error(r, 400, API_EWRONG_TYPE, "names",
                             "names: item %zu is not a domain name", i);
        if (json_string_length(x) > NAME_MAX_INPUT)
            return api_error(r, 400, API_ERANGE, "names",
                             "names: item %zu is longer than %d bytes", i,
                             NAME_MAX_INPUT);
    }
    *v = xcalloc(json_array_size(a), sizeof **v);
    json_array_foreach(a, i, x)(*v)[i] = json_string_value(x);
    *n = json_array_size(a);
    return 0;
}

static int import_names(struct web_req *r)
{
    static const char *const fields[] = {"account_id", "names", NULL};
    struct app *app = api_app(r);
    struct conn c;
    struct account a;
    struct rm_err e;
    json_t *body = NULL;
    const char **names = NULL;
    int64_t conn_id, account_id;
    int rc;

    rm_err_clear(&e);
    if ((rc = api_path_id(r, "id", &conn_id)))
        return rc;
    if ((rc = conn_get_id(app, conn_id, &c, &e)) < 0)
        return api_fail(r, rc, &e);
    conn_release(&c);
    if ((rc = api_body(r, &body)) || (rc = api_only_fields(r, body, fields)) ||
        (rc = api_get_int(r, body, "account_id", true, 1, INT64_MAX,
                          &account_id, NULL)))
        goto out;
    struct lifecycle_import_req q = {0};
    if ((rc = names_arg(r, body, &names, &q.n_only)))
        goto out;
    if (account_get_id(app, account_id, &a, &e) < 0 ||
        strcmp(a.kind, "customer") != 0) {
        rc = api_error(r, 404, API_ENOTFOUND, "account_id",
                       "no such customer account");
        goto out;
    }
    char cid[24];
    struct lifecycle_import_result res;
    struct lifecycle_ctx ctx = {app, NULL, clock_now(), NULL, NULL};
    q.connection = api_int_text(conn_id, cid, sizeof cid);
    q.account = a.name;
    q.only = names;
    if ((rc = lifecycle_import(&ctx, &q, &res, &e)) < 0) {
        /* the names were refused (invalid, or not the registrar's) */
        rc = rc == RM_EINVAL
                 ? api_error(r, 400, API_EINVALID, "names", "%s", e.msg)
                 : api_fail(r, rc, &e);
        goto out;
    }
    rc = web_reply_json(r, 200,
                        json_pack("{s:I, s:I, s:I, s:I, s:I, s:s}", "import_id",
                                  (json_int_t)res.import_id, "listed",
                                  (json_int_t)res.listed, "adopted",
                                  (json_int_t)res.adopted, "skipped",
                                  (json_int_t)res.skipped, "account_id",
                                  (json_int_t)a.id, "account", a.name));
out:
    free(names);
    json_decref(body);
    return rc;
}

static const struct web_route routes[] = {
    {"GET", "/api/v1/unknown-domains", list_unknown, WEB_ADMIN},
    {"POST", "/api/v1/connections/{id}/import", import_names, WEB_ADMIN},
};

const struct web_route *api_sync_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
