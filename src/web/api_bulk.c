/*
 * api_bulk - bulk actions (contract in api_bulk.h).
 */
#include "web/api_bulk.h"

#include <stdlib.h>
#include <string.h>

#include "core/bulk.h"
#include "core/names.h"
#include "present/present.h"
#include "registrar/registrar.h"
#include "web/api.h"
#include "web/api_util.h"
#include "web/auth.h"

/* scope - NULL for an admin, else the customer's own account name (in
 * a). 0, or a reply. */
static int scope(struct web_req *r, struct account *a, const char **out)
{
    int rc;

    *out = NULL;
    if (auth_is_admin(r))
        return 0;
    if ((rc = api_customer_account(r, a)))
        return rc;
    *out = a->name;
    return 0;
}

/* strings - a JSON array of 1..max strings into v (borrowed from arr). */
static int strings(struct web_req *r, json_t *arr, const char *field,
                   size_t max, const char **v, size_t *n)
{
    size_t i;
    json_t *e;

    if (!json_is_array(arr))
        return api_error(r, 400, API_EWRONG_TYPE, field,
                         "%s must be an array of names", field);
    if (json_array_size(arr) == 0 || json_array_size(arr) > max)
        return api_error(r, 400, API_ERANGE, field, "%s: 1 to %zu names", field,
                         max);
    json_array_foreach(arr, i, e)
    {
        if (!json_is_string(e) || json_string_length(e) == 0 ||
            json_string_length(e) > NAME_MAX_INPUT)
            return api_error(r, 400, API_EWRONG_TYPE, field,
                             "%s: every entry is a name", field);
        v[i] = json_string_value(e);
    }
    *n = json_array_size(arr);
    return 0;
}

static int post_bulk(struct web_req *r)
{
    static const char *const fields[] = {
        "action", "domains", "account", "tld", "term", "nameservers", NULL};
    struct account a;
    struct bulk_req req = {0};
    struct bulk_run run;
    struct rm_err e;
    const char *action = NULL, **names = NULL, *ns[REG_NS_MAX];
    json_t *b, *v;
    int64_t term = 0, id;
    bool has;
    int rc;

    ERR_INIT(e);
    if ((rc = scope(r, &a, &req.scope)) || (rc = api_body(r, &b)))
        return rc;
    if ((rc = api_only_fields(r, b, fields)) ||
        (rc = api_get_str(r, b, "action", true, 1, 32, &action, NULL)))
        goto out;
    if (bulk_action_parse(action, &req.action, &e) < 0) {
        rc = api_error(r, 400, API_EINVALID, "action", "%s", e.msg);
        goto out;
    }
    if ((rc =
             api_get_str(r, b, "account", false, 1, 256, &req.account, NULL)) ||
        (rc = api_get_str(r, b, "tld", false, 1, NAME_MAX_ASCII, &req.tld,
                          NULL)) ||
        (rc = api_get_int(r, b, "term", false, 1, 10, &term, &has)))
        goto out;
    req.term = (int)term;
    v = json_object_get(b, "domains");
    if (v && !json_is_null(v)) {
        names = calloc(BULK_MAX_ITEMS, sizeof *names);
        if (!names)
            abort();
        if ((rc =
                 strings(r, v, "domains", BULK_MAX_ITEMS, names, &req.n_names)))
            goto out;
        req.names = names;
    }
    v = json_object_get(b, "nameservers");
    if (v && !json_is_null(v)) {
        if ((rc = strings(r, v, "nameservers", REG_NS_MAX, ns,
                          &req.n_nameservers)))
            goto out;
        req.nameservers = ns;
    }
    if (req.action == BULK_NS && !req.n_nameservers) {
        rc = api_error(r, 400, API_EMISSING, "nameservers",
                       "nameservers is required for ns");
        goto out;
    }
    req.enqueue = true;
    if ((rc = bulk_create(api_app(r), &req, &id, &e)) < 0) {
        rc = rc == RM_EINVAL || rc == RM_ELIMIT
                 ? api_error(r, 400, API_EINVALID, NULL, "%s", e.msg)
                 : api_fail(r, rc, &e);
        goto out;
    }
    if ((rc = bulk_get(api_app(r), id, req.scope, true, &run, &e)) < 0) {
        rc = api_fail(r, rc, &e);
        goto out;
    }
    rc = web_reply_json(r, 202, present_bulk_run(&run, true, PRESENT_API));
    bulk_run_release(&run);
out:
    free(names);
    json_decref(b);
    return rc;
}

static int get_bulk(struct web_req *r)
{
    struct account a;
    struct bulk_run run;
    struct rm_err e;
    const char *sc;
    int64_t id;
    int rc;

    ERR_INIT(e);
    if ((rc = api_path_id(r, "id", &id)) || (rc = scope(r, &a, &sc)))
        return rc;
    if ((rc = bulk_get(api_app(r), id, sc, true, &run, &e)) < 0)
        return rc == RM_ENOTFOUND
                   ? api_error(r, 404, API_ENOTFOUND, NULL, "no such bulk run")
                   : api_fail(r, rc, &e);
    rc = web_reply_json(r, 200, present_bulk_run(&run, true, PRESENT_API));
    bulk_run_release(&run);
    return rc;
}

struct listing {
    json_t *items;
    const struct api_page *p;
    int64_t skip;
};

static int list_row(const struct bulk_run *run, void *arg)
{
    struct listing *l = arg;

    if (!api_page_skip(l->p, run->id, &l->skip))
        json_array_append_new(l->items,
                              present_bulk_run(run, false, PRESENT_API));
    return (int64_t)json_array_size(l->items) >= l->p->fetch;
}

/* GET /api/v1/bulk - newest first, paged (limit, offset, after) over the
 * newest BULK_LIST_MAX runs. */
#define BULK_LIST_MAX 1000
static int list_bulk(struct web_req *r)
{
    struct account a;
    struct api_page p;
    struct rm_err e;
    const char *sc;
    int rc;

    ERR_INIT(e);
    if ((rc = api_page_parse(r, &p)) || (rc = scope(r, &a, &sc)))
        return rc;
    struct listing l = {json_array(), &p, p.offset};
    rc = bulk_list(api_app(r), sc, BULK_LIST_MAX, list_row, &l, &e);
    return api_reply_items(r, &p, rc, l.items, &e);
}

static const struct web_route routes[] = {
    {"POST", "/api/v1/bulk", post_bulk, WEB_LOGIN},
    {"GET", "/api/v1/bulk", list_bulk, WEB_LOGIN},
    {"GET", "/api/v1/bulk/{id}", get_bulk, WEB_LOGIN},
};

const struct web_route *api_bulk_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
