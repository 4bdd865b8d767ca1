/*
 * api_accounts - account, ledger and contact endpoints (contract in
 * api_accounts.h).
 */
#include "web/api_accounts.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/ledger.h"
#include "core/money.h"
#include "present/present.h"
#include "util/clock.h"
#include "web/api.h"
#include "web/api_util.h"
#include "web/auth.h"

/* ---- accounts ------------------------------------------------------------
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
    json_t *j = present_ledger_line(l, PRESENT_API);
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

/* registrant_json - the .ca and .us registrant details (docs/api.md). */
static json_t *registrant_json(const struct registrant *x)
{
    return json_pack("{s:s,s:b,s:{s:s,s:s,s:s}}", "cira_legal_type",
                     x->cira_legal_type, "cira_trademark", x->cira_trademark,
                     "us_nexus", "category", x->us_nexus_category,
                     "app_purpose", x->us_app_purpose, "validator",
                     x->us_nexus_validator);
}

/* registrant_body - a registrant object (as registrant_json shows it; any
 * key may be left out: kept) into u. Strings borrow from obj. */
static int registrant_body(struct web_req *r, json_t *obj,
                           struct registrant_update *u)
{
    static const char *const top[] = {"cira_legal_type", "cira_trademark",
                                      "us_nexus", NULL};
    static const char *const nx[] = {"category", "app_purpose", "validator",
                                     NULL};
    bool tm, has_tm = false;
    int rc;

    *u = (struct registrant_update)REGISTRANT_UPDATE_KEEP;
    if (!json_is_object(obj))
        return api_error(r, 400, API_EWRONG_TYPE, "registrant",
                         "registrant must be an object");
    if ((rc = api_only_fields(r, obj, top)) ||
        (rc = api_get_str(r, obj, "cira_legal_type", false, 0, 8,
                          &u->cira_legal_type, NULL)) ||
        (rc = api_get_bool(r, obj, "cira_trademark", false, &tm, &has_tm)))
        return rc;
    if (has_tm)
        u->cira_trademark = tm ? 1 : 0;
    json_t *n = json_object_get(obj, "us_nexus");
    if (!n || json_is_null(n))
        return 0;
    if (!json_is_object(n))
        return api_error(r, 400, API_EWRONG_TYPE, "us_nexus",
                         "us_nexus must be an object");
    if ((rc = api_only_fields(r, n, nx)) ||
        (rc = api_get_str(r, n, "category", false, 0, 8, &u->us_nexus_category,
                          NULL)) ||
        (rc = api_get_str(r, n, "app_purpose", false, 0, 8, &u->us_app_purpose,
                          NULL)) ||
        (rc = api_get_str(r, n, "validator", false, 0, 8,
                          &u->us_nexus_validator, NULL)))
        return rc;
    return 0;
}

static int get_registrant(struct web_req *r)
{
    struct account a;
    struct registrant x;
    struct rm_err e;
    int rc = load_account(r, &a);
    if (rc)
        return rc;
    ERR_INIT(e);
    if ((rc = registrant_get(api_app(r), a.id, &x, &e)) < 0)
        return api_fail(r, rc, &e);
    return web_reply_json(r, 200, registrant_json(&x));
}

static int put_registrant(struct web_req *r)
{
    struct account a;
    struct registrant x;
    struct registrant_update u;
    struct rm_err e;
    json_t *b;
    int rc = load_account(r, &a);
    if (rc || (rc = api_body(r, &b)))
        return rc;
    ERR_INIT(e);
    if ((rc = registrant_body(r, b, &u)) == 0) {
        if ((rc = registrant_set(api_app(r), a.id, &u, &e)) < 0 ||
            (rc = registrant_get(api_app(r), a.id, &x, &e)) < 0)
            rc = api_fail(r, rc, &e);
        else
            rc = web_reply_json(r, 200, registrant_json(&x));
    }
    json_decref(b);
    return rc;
}

/* api_contact_get - GET .../contacts/{type} of account a (already scoped
 * by the caller). */
int api_contact_get(struct web_req *r, int64_t account_id)
{
    const char *type = NULL;
    int rc = contact_type(r, &type);
    if (rc)
        return rc;
    struct contact c;
    struct rm_err e;
    ERR_INIT(e);
    if ((rc = contact_get(api_app(r), account_id, type, &c, &e)) < 0)
        return api_fail(r, rc, &e);
    return web_reply_json(r, 200, present_contact(&c));
}

/* api_contact_put - PUT .../contacts/{type} of account a (already scoped
 * by the caller). */
int api_contact_put(struct web_req *r, int64_t account_id)
{
    const char *type = NULL;
    int rc = contact_type(r, &type);
    if (rc)
        return rc;
    json_t *b;
    const char *vals[CONTACT_FIELDS + 1] = {0};
    if ((rc = api_body(r, &b)))
        return rc;
    /* the owner's contact may carry its .ca/.us details: one save */
    const char *allowed[CONTACT_FIELDS + 2];
    size_t na = 0;
    for (; contact_field_names[na]; na++)
        allowed[na] = contact_field_names[na];
    allowed[na++] = "registrant";
    allowed[na] = NULL;
    if ((rc = api_only_fields(r, b, allowed)))
        goto out;
    for (size_t i = 0; contact_field_names[i] && i < CONTACT_FIELDS; i++)
        if ((rc = api_get_str(r, b, contact_field_names[i], false, 0, 254,
                              &vals[i], NULL)))
            goto out;
    struct registrant_update u, *up = NULL;
    json_t *reg = json_object_get(b, "registrant");
    if (reg && !json_is_null(reg)) {
        if ((rc = registrant_body(r, reg, &u)))
            goto out;
        up = &u;
    }
    struct rm_err e;
    struct contact c;
    struct registrant x;
    ERR_INIT(e);
    if ((rc = contact_save(api_app(r), account_id, type, vals, up, &e)) < 0 ||
        (rc = contact_get(api_app(r), account_id, type, &c, &e)) < 0 ||
        (up && (rc = registrant_get(api_app(r), account_id, &x, &e)) < 0)) {
        rc = api_fail(r, rc, &e);
        goto out;
    }
    json_t *j = present_contact(&c);
    if (up)
        json_object_set_new(j, "registrant", registrant_json(&x));
    rc = web_reply_json(r, 200, j);
out:
    json_decref(b);
    return rc;
}

static int get_contact(struct web_req *r)
{
    struct account a;
    int rc = load_account(r, &a);
    return rc ? rc : api_contact_get(r, a.id);
}

static int put_contact(struct web_req *r)
{
    struct account a;
    int rc = load_account(r, &a);
    return rc ? rc : api_contact_put(r, a.id);
}

static const struct web_route routes[] = {
    {"GET", "/api/v1/accounts", list_accounts, WEB_LOGIN},
    {"POST", "/api/v1/accounts", add_account, WEB_ADMIN},
    {"GET", "/api/v1/accounts/{id}", get_account, WEB_LOGIN},
    {"POST", "/api/v1/accounts/{id}/credit", credit_account, WEB_ADMIN},
    {"POST", "/api/v1/accounts/{id}/adjust", adjust_account, WEB_ADMIN},
    {"PUT", "/api/v1/accounts/{id}/limit", set_limit, WEB_ADMIN},
    {"GET", "/api/v1/accounts/{id}/history", account_history, WEB_LOGIN},
    {"GET", "/api/v1/accounts/{id}/contacts/{type}", get_contact, WEB_LOGIN},
    {"PUT", "/api/v1/accounts/{id}/contacts/{type}", put_contact, WEB_LOGIN},
    {"GET", "/api/v1/accounts/{id}/registrant", get_registrant, WEB_LOGIN},
    {"PUT", "/api/v1/accounts/{id}/registrant", put_registrant, WEB_LOGIN},
};

const struct web_route *api_accounts_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
