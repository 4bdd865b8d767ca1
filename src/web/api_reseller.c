/*
 * api_reseller - the reseller tier over the API (contract in
 * api_reseller.h).
 */
#include "web/api_reseller.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/domview.h"
#include "core/ledger.h"
#include "core/money.h"
#include "core/opview.h"
#include "core/reseller.h"
#include "present/present.h"
#include "util/clock.h"
#include "util/secret.h"
#include "web/api.h"
#include "web/api_accounts.h"
#include "web/api_util.h"
#include "web/auth.h"

#define MONEY_MAX (9999999999999LL * 100 + 99) /* money.h bound */

/* me - the caller's reseller account; 403 for a login that is none. */
static int me(struct web_req *r, int64_t *id)
{
    *id = 0;
    if (!r->who || r->who->role != WEB_ROLE_RESELLER)
        return api_error(r, 403, API_EFORBIDDEN, NULL,
                         "only a reseller's login may do this");
    *id = r->who->account_id;
    return 0;
}

static json_t *figures_json(const struct account *a,
                            const struct reseller_figures *f)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(a->id));
    json_object_set_new(j, "name", json_string(a->name));
    json_object_set_new(j, "email", json_string(a->email));
    json_object_set_new(j, "balance", json_integer(f->balance));
    json_object_set_new(j, "credit_limit", json_integer(f->credit_limit));
    json_object_set_new(j, "customers", json_integer(f->customers));
    json_object_set_new(j, "sales", json_integer(f->sales));
    json_object_set_new(j, "wholesale_paid", json_integer(f->wholesale));
    json_object_set_new(j, "margin", json_integer(f->sales - f->wholesale));
    json_object_set_new(j, "markup_pct",
                        f->markup_bp >= 0
                            ? json_real((double)f->markup_bp / 100.0)
                            : json_null());
    return j;
}

static int reply_figures(struct web_req *r, unsigned status, int64_t id)
{
    struct account a;
    struct reseller_figures f;
    struct rm_err e;
    int rc;

    ERR_INIT(e);
    if ((rc = account_get_id(api_app(r), id, &a, &e)) < 0 ||
        (rc = reseller_figures(api_app(r), id, &f, &e)) < 0)
        return api_fail(r, rc, &e);
    return web_reply_json(r, status, figures_json(&a, &f));
}

/* reply_me - the reseller's figures with what it shows its customers. */
static int reply_me(struct web_req *r, int64_t id)
{
    struct account a;
    struct reseller_figures f;
    struct reseller_settings st;
    struct rm_err e;
    int rc;

    ERR_INIT(e);
    if ((rc = account_get_id(api_app(r), id, &a, &e)) < 0 ||
        (rc = reseller_figures(api_app(r), id, &f, &e)) < 0 ||
        (rc = reseller_settings_get(api_app(r), id, &st, &e)) < 0)
        return api_fail(r, rc, &e);
    json_t *j = figures_json(&a, &f), *ns = json_array();
    json_object_set_new(j, "license_text",
                        *st.license_text ? json_string(st.license_text)
                                         : json_null());
    char *save = NULL;
    for (char *t = strtok_r(st.nameservers, ",", &save); t;
         t = strtok_r(NULL, ",", &save))
        json_array_append_new(ns, json_string(t));
    json_object_set_new(j, "nameservers", ns);
    reseller_settings_release(&st);
    return web_reply_json(r, 200, j);
}

static int get_reseller(struct web_req *r)
{
    int64_t id = 0;
    int rc = me(r, &id);
    return rc ? rc : reply_me(r, id);
}

/* PUT settings: {license_text: text|null, nameservers: [..]|[]} - what
 * the reseller's customers are shown and their orders default to. */
static int put_settings(struct web_req *r)
{
    static const char *const fields[] = {"license_text", "nameservers", NULL};
    int64_t id = 0;
    json_t *b, *lt, *nv, *v;
    const char *text = NULL;
    char ns[1024] = "", *nsp = NULL;
    size_t i, len = 0;
    struct rm_err e;
    int rc = me(r, &id);
    if (rc)
        return rc;
    if ((rc = api_body(r, &b)))
        return rc;
    if ((rc = api_only_fields(r, b, fields)))
        goto out;
    if ((lt = json_object_get(b, "license_text"))) {
        if (!json_is_null(lt) && !json_is_string(lt)) {
            rc = api_error(r, 400, API_EWRONG_TYPE, "license_text",
                           "license_text: a string, or null");
            goto out;
        }
        text = json_is_null(lt) ? "" : json_string_value(lt);
        if (json_is_string(lt) && strlen(text) != json_string_length(lt)) {
            rc = api_error(r, 400, API_EINVALID, "license_text",
                           "license_text: no NUL bytes");
            goto out;
        }
    }
    if ((nv = json_object_get(b, "nameservers"))) {
        if (!json_is_array(nv)) {
            rc = api_error(r, 400, API_EWRONG_TYPE, "nameservers",
                           "nameservers: an array of host names");
            goto out;
        }
        json_array_foreach(nv, i, v)
        {
            if (!json_is_string(v) || json_string_length(v) > 253 ||
                strchr(json_string_value(v), ',') ||
                len + json_string_length(v) + 2 >= sizeof ns) {
                rc = api_error(r, 400, API_EINVALID, "nameservers",
                               "nameservers: an array of host names");
                goto out;
            }
            len += (size_t)snprintf(ns + len, sizeof ns - len, "%s%s",
                                    len ? "," : "", json_string_value(v));
        }
        nsp = ns;
    }
    ERR_INIT(e);
    if ((rc = reseller_settings_set(api_app(r), id, text, nsp, &e)) < 0) {
        rc = api_fail(r, rc, &e);
        goto out;
    }
    rc = reply_me(r, id);
out:
    json_decref(b);
    return rc;
}

static int price_item(const struct reseller_price_row *p, void *arg)
{
    json_t *arr = arg;
    json_array_append_new(
        arr, json_pack("{s:s, s:s, s:i, s:I, s:s, s:o, s:o}", "tld", p->tld,
                       "operation", tld_op_name(p->op), "term", p->term,
                       "wholesale", (json_int_t)p->wholesale, "source",
                       p->from_rule ? "rule" : "price", "retail",
                       p->retail >= 0 ? json_integer(p->retail) : json_null(),
                       "price",
                       p->effective >= 0 ? json_integer(p->effective)
                                         : json_null()));
    return 0;
}

static int reply_prices(struct web_req *r, int64_t id)
{
    json_t *arr = json_array();
    struct rm_err e;
    int rc;

    ERR_INIT(e);
    if ((rc = reseller_prices(api_app(r), id, price_item, arr, &e)) < 0) {
        json_decref(arr);
        return api_fail(r, rc, &e);
    }
    json_t *j = json_object();
    json_object_set_new(j, "items", arr);
    if (!id) {
        /* the wholesale list: the rule that prices what has no price */
        struct reseller_wholesale_rule w;
        if ((rc = reseller_wholesale_rule_get(api_app(r), &w, &e)) < 0) {
            json_decref(j);
            return api_fail(r, rc, &e);
        }
        json_object_set_new(j, "rule",
                            w.set
                                ? json_pack("{s:f, s:I, s:I}", "markup_pct",
                                            (double)w.markup_bp / 100.0, "add",
                                            (json_int_t)w.add, "updated_at",
                                            (json_int_t)w.updated_at)
                                : json_null());
    }
    if (id) {
        struct reseller_figures f;
        if ((rc = reseller_figures(api_app(r), id, &f, &e)) < 0) {
            json_decref(j);
            return api_fail(r, rc, &e);
        }
        json_object_set_new(j, "markup_pct",
                            f.markup_bp >= 0
                                ? json_real((double)f.markup_bp / 100.0)
                                : json_null());
    }
    return web_reply_json(r, 200, j);
}

static int get_prices(struct web_req *r)
{
    int64_t id = 0;
    int rc = me(r, &id);
    return rc ? rc : reply_prices(r, id);
}

/* parse_prices - {"register": {"1": 1500, "2": null}} into v (at most
 * max entries); 0 or a 400 reply. */
static int parse_prices(struct web_req *r, json_t *obj,
                        struct reseller_price_set *v, size_t max, size_t *n)
{
    const char *opname, *term;
    json_t *terms, *amt;

    *n = 0;
    if (!json_is_object(obj))
        return api_error(r, 400, API_EWRONG_TYPE, "prices",
                         "prices: {\"register\": {\"1\": 1500}, ...}");
    json_object_foreach(obj, opname, terms)
    {
        enum tld_op op = TLD_NOPS;
        for (int i = 0; i < TLD_NOPS; i++)
            if (strcmp(opname, tld_op_name((enum tld_op)i)) == 0)
                op = (enum tld_op)i;
        if (op != TLD_REGISTER && op != TLD_RENEW && op != TLD_TRANSFER)
            return api_error(r, 400, API_EINVALID, "prices",
                             "prices: register, renew or transfer, not "
                             "\"%.40s\"",
                             opname);
        if (!json_is_object(terms))
            return api_error(r, 400, API_EWRONG_TYPE, "prices",
                             "prices.%s: {\"TERM\": amount}", opname);
        json_object_foreach(terms, term, amt)
        {
            int64_t t;
            if (!api_parse_int64(term, 1, TLD_MAX_TERM, &t))
                return api_error(r, 400, API_ERANGE, "prices",
                                 "prices.%s: terms 1 to %d", opname,
                                 TLD_MAX_TERM);
            if (!json_is_null(amt) &&
                (!json_is_integer(amt) || json_integer_value(amt) < 0 ||
                 json_integer_value(amt) > MONEY_MAX))
                return api_error(r, 400, API_EWRONG_TYPE, "prices",
                                 "prices.%s.%s: an amount in minor units, "
                                 "or null",
                                 opname, term);
            if (*n == max)
                return api_error(r, 400, API_ERANGE, "prices",
                                 "prices: at most %zu at once", max);
            v[*n].op = op;
            v[*n].term = (int)t;
            v[*n].amount =
                json_is_null(amt) ? TLD_NOPRICE : json_integer_value(amt);
            (*n)++;
        }
    }
    return 0;
}

/* put_price_list - PUT of the wholesale list (reseller_id 0) or a
 * reseller's: {tld, prices[, markup_pct]} (markup_pct only for a
 * reseller). */
static int put_price_list(struct web_req *r, int64_t reseller_id)
{
    static const char *const fields[] = {"tld", "prices", "markup_pct", NULL};
    static const char *const wfields[] = {"tld", "prices", NULL};
    struct reseller_price_set v[3 * TLD_MAX_TERM];
    size_t n = 0;
    const char *tld = NULL;
    char t[64];
    json_t *b, *mk;
    int64_t bp = -2; /* -2: not given */
    struct rm_err e;
    int rc;

    ERR_INIT(e);
    if ((rc = api_body(r, &b)))
        return rc;
    if ((rc = api_only_fields(r, b, reseller_id ? fields : wfields)) ||
        (rc = api_get_str(r, b, "tld", false, 1, 64, &tld, NULL)))
        goto out;
    if (json_object_get(b, "prices") &&
        (rc = parse_prices(r, json_object_get(b, "prices"), v,
                           sizeof v / sizeof v[0], &n)))
        goto out;
    if (n && !tld) {
        rc = api_error(r, 400, API_EMISSING, "tld", "tld: the prices' TLD");
        goto out;
    }
    if (tld && tld_normalize(tld, t, sizeof t, &e) < 0) {
        rc = api_error(r, 400, API_EINVALID, "tld", "tld: %s", e.msg);
        goto out;
    }
    if ((mk = json_object_get(b, "markup_pct"))) {
        double pct = json_is_null(mk) ? -1 : json_number_value(mk);
        if (!json_is_null(mk) && (!json_is_number(mk) || pct < 0 ||
                                  pct > RESELLER_MARKUP_MAX_BP / 100.0 ||
                                  fabs(pct * 100 - round(pct * 100)) > 1e-6)) {
            rc = api_error(r, 400, API_ERANGE, "markup_pct",
                           "markup_pct: 0 to %d with 2 decimals at most, or "
                           "null",
                           RESELLER_MARKUP_MAX_BP / 100);
            goto out;
        }
        bp = json_is_null(mk) ? -1 : (int64_t)llround(pct * 100);
    }
    /* the prices in one transaction, then the rule */
    if (n &&
        (rc = reseller_prices_set(api_app(r), reseller_id, t, v, n, &e)) < 0) {
        rc = api_fail(r, rc, &e);
        goto out;
    }
    if (bp != -2 &&
        (rc = reseller_markup_set(api_app(r), reseller_id, bp, &e)) < 0) {
        rc = api_fail(r, rc, &e);
        goto out;
    }
    rc = reply_prices(r, reseller_id);
out:
    json_decref(b);
    return rc;
}

static int put_prices(struct web_req *r)
{
    int64_t id = 0;
    int rc = me(r, &id);
    return rc ? rc : put_price_list(r, id);
}

static int list_customers(struct web_req *r)
{
    int64_t id = 0, *ids = NULL;
    size_t n = 0;
    struct rm_err e;
    int rc = me(r, &id);
    if (rc)
        return rc;
    ERR_INIT(e);
    if ((rc = reseller_customers(api_app(r), id, &ids, &n, &e)) < 0) {
        free(ids);
        return api_fail(r, rc, &e);
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        struct account a;
        if ((rc = account_get_id(api_app(r), ids[i], &a, &e)) < 0) {
            free(ids);
            json_decref(items);
            return api_fail(r, rc, &e);
        }
        json_array_append_new(items, api_account_json(&a));
    }
    free(ids);
    return web_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

static int add_customer(struct web_req *r)
{
    static const char *const fields[] = {"name", "email", "credit_limit",
                                         "auto_renew", NULL};
    const char *name = NULL, *email = NULL;
    int64_t id = 0, cid = 0, limit = 0;
    bool has_limit = false, auto_renew = false;
    char lb[MONEY_STR_MAX];
    struct rm_err e;
    json_t *b;
    int rc = me(r, &id);
    if (rc)
        return rc;
    if ((rc = api_body(r, &b)))
        return rc;
    if ((rc = api_only_fields(r, b, fields)) ||
        (rc = api_get_str(r, b, "name", true, 1, ACCOUNT_NAME_MAX, &name,
                          NULL)) ||
        (rc = api_get_str(r, b, "email", false, 0, ACCOUNT_EMAIL_MAX, &email,
                          NULL)) ||
        (rc = api_get_int(r, b, "credit_limit", false, 0, MONEY_MAX, &limit,
                          &has_limit)) ||
        (rc = api_get_bool(r, b, "auto_renew", false, &auto_renew, NULL))) {
        json_decref(b);
        return rc;
    }
    ERR_INIT(e);
    rc = reseller_customer_add(api_app(r), id, name, email,
                               has_limit ? money_format(limit, lb) : NULL,
                               auto_renew, &cid, &e);
    json_decref(b);
    if (rc < 0)
        return api_fail(r, rc, &e);
    struct account a;
    if ((rc = account_get_id(api_app(r), cid, &a, &e)) < 0)
        return api_fail(r, rc, &e);
    return web_reply_json(r, 201, api_account_json(&a));
}

/* my_customer - the path's account when it is the caller's customer; 404
 * otherwise (another reseller's, the provider's, none). */
static int my_customer(struct web_req *r, struct account *a)
{
    int64_t id = 0, cid = 0, owner = 0;
    struct rm_err e;
    int rc = me(r, &id);
    if (rc)
        return rc;
    if ((rc = api_path_id(r, "id", &cid)))
        return rc;
    ERR_INIT(e);
    if (reseller_of(api_app(r), cid, &owner, &e) < 0 || owner != id ||
        account_get_id(api_app(r), cid, a, &e) < 0)
        return api_error(r, 404, API_ENOTFOUND, NULL, "no such customer");
    return 0;
}

static int credit_customer(struct web_req *r)
{
    static const char *const fields[] = {"amount", "ref", "memo", NULL};
    struct account a;
    const char *ref = NULL, *memo = NULL;
    int64_t amount;
    struct rm_err e;
    json_t *b;
    int rc = my_customer(r, &a);
    if (rc)
        return rc;
    if ((rc = api_body(r, &b)))
        return rc;
    if ((rc = api_only_fields(r, b, fields)) ||
        (rc = api_get_int(r, b, "amount", true, 1, MONEY_MAX, &amount, NULL)) ||
        (rc = api_get_str(r, b, "ref", true, 1, LEDGER_MAX_KEY, &ref, NULL)) ||
        (rc = api_get_str(r, b, "memo", false, 0, LEDGER_MAX_MEMO, &memo,
                          NULL))) {
        json_decref(b);
        return rc;
    }
    /* the key is the reseller's own: another reseller's cannot clash */
    char key[LEDGER_MAX_KEY + 32];
    snprintf(key, sizeof key, "reseller:%" PRId64 ":%s", r->who->account_id,
             ref);
    ERR_INIT(e);
    rc = ledger_credit(r->st, a.id, amount, key, memo, clock_now(), &e);
    json_decref(b);
    if (rc < 0)
        return api_fail(r, rc, &e);
    bool replayed = rc == LEDGER_REPLAYED;
    if ((rc = account_get_id(api_app(r), a.id, &a, &e)) < 0)
        return api_fail(r, rc, &e);
    json_t *j = api_account_json(&a);
    json_object_set_new(j, "replayed", json_boolean(replayed));
    return web_reply_json(r, 200, j);
}

static int add_customer_login(struct web_req *r)
{
    static const char *const fields[] = {"username", "password", NULL};
    struct account a;
    const char *user = NULL, *pw = NULL;
    int64_t login = 0;
    struct rm_err e;
    json_t *b;
    int rc = my_customer(r, &a);
    if (rc)
        return rc;
    if ((rc = api_body(r, &b)))
        return rc;
    if ((rc = api_only_fields(r, b, fields)) ||
        (rc = api_get_str(r, b, "username", true, 1, WEB_USERNAME_MAX, &user,
                          NULL)) ||
        (rc = api_get_str(r, b, "password", true, 1, 1024, &pw, NULL))) {
        json_decref(b);
        return rc;
    }
    ERR_INIT(e);
    rc = auth_login_create(r->st, user, pw, WEB_ROLE_CUSTOMER, a.id,
                           AUTH_COST_INTERACTIVE, &login, &e);
    if (rc < 0) {
        json_decref(b);
        return api_fail(r, rc, &e);
    }
    /* user belongs to b: the answer is built before b is let go */
    json_t *j = json_pack("{s:I, s:s, s:I}", "login_id", (json_int_t)login,
                          "username", user, "account_id", (json_int_t)a.id);
    json_decref(b);
    return web_reply_json(r, 201, j);
}

/* GET and PUT customers/{id}/contacts/{type}: the same bodies and answers
 * as /api/v1/accounts/{id}/contacts/{type}, for the reseller's customer. */
static int get_customer_contact(struct web_req *r)
{
    struct account a;
    int rc = my_customer(r, &a);
    return rc ? rc : api_contact_get(r, a.id);
}

static int put_customer_contact(struct web_req *r)
{
    struct account a;
    int rc = my_customer(r, &a);
    return rc ? rc : api_contact_put(r, a.id);
}

struct dom_items {
    int64_t now;
    json_t *items;
};

static void dom_item(const struct dom_view *v, void *arg)
{
    struct dom_items *d = arg;
    json_array_append_new(d->items,
                          present_domain(v, d->now, false, PRESENT_API));
}

static int customer_domains(struct web_req *r)
{
    struct account a;
    struct api_page p;
    struct rm_err e;
    int rc = my_customer(r, &a);
    if (rc || (rc = api_page_parse(r, &p)))
        return rc;
    struct domview_filter f = {.account_id = a.id};
    struct view_page vp = api_view_page(&p);
    struct dom_items d = {clock_now(), json_array()};
    ERR_INIT(e);
    rc = domview_list(api_app(r), &f, &vp, dom_item, &d, &e);
    return api_reply_items(r, &p, rc, d.items, &e);
}

struct op_items {
    int64_t now;
    json_t *items;
};

static void op_item(const struct op_view *v, void *arg)
{
    struct op_items *o = arg;
    json_array_append_new(o->items, present_op(v, o->now, false, PRESENT_API));
}

/* GET operations: the orders of the reseller's customers, newest first;
 * ?state= (pending: the Async Manager's view, read-only) and ?kind=. */
static int reseller_operations(struct web_req *r)
{
    static const char *const states[] = {"new",       "sending", "pending",
                                         "succeeded", "failed",  "timed_out",
                                         "cancelled", NULL};
    static const char *const kinds[] = {"register", "renew",   "transfer",
                                        "privacy",  "restore", NULL};
    int64_t id = 0;
    struct api_page p;
    const char *state, *kind;
    struct rm_err e;
    int rc = me(r, &id);
    if (rc || (rc = api_page_parse(r, &p)))
        return rc;
    if ((rc = api_query_enum(r, "state", states,
                             "state: new, sending, pending, succeeded, "
                             "failed, timed_out or cancelled",
                             &state)) ||
        (rc = api_query_enum(r, "kind", kinds,
                             "kind: register, renew, transfer, privacy or "
                             "restore",
                             &kind)))
        return rc;
    struct opview_filter f = {.state = state, .kind = kind, .reseller_id = id};
    struct view_page vp = api_view_page(&p);
    struct op_items o = {clock_now(), json_array()};
    ERR_INIT(e);
    rc = opview_list(api_app(r), &f, &vp, op_item, &o, &e);
    return api_reply_items(r, &p, rc, o.items, &e);
}

/* ---- the admin's ---------------------------------------------------------
 */

static int list_resellers(struct web_req *r)
{
    int64_t *ids = NULL;
    size_t n = 0;
    struct rm_err e;
    int rc;

    ERR_INIT(e);
    if ((rc = reseller_list(api_app(r), &ids, &n, &e)) < 0) {
        free(ids);
        return api_fail(r, rc, &e);
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        struct account a;
        struct reseller_figures f;
        if ((rc = account_get_id(api_app(r), ids[i], &a, &e)) < 0 ||
            (rc = reseller_figures(api_app(r), ids[i], &f, &e)) < 0) {
            free(ids);
            json_decref(items);
            return api_fail(r, rc, &e);
        }
        json_array_append_new(items, figures_json(&a, &f));
    }
    free(ids);
    return web_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

static int add_reseller(struct web_req *r)
{
    static const char *const fields[] = {"name", "email", "credit_limit", NULL};
    const char *name = NULL, *email = NULL;
    int64_t id = 0, limit = 0;
    bool has_limit = false;
    char lb[MONEY_STR_MAX];
    struct rm_err e;
    json_t *b;
    int rc;

    if ((rc = api_body(r, &b)))
        return rc;
    if ((rc = api_only_fields(r, b, fields)) ||
        (rc = api_get_str(r, b, "name", true, 1, ACCOUNT_NAME_MAX, &name,
                          NULL)) ||
        (rc = api_get_str(r, b, "email", false, 0, ACCOUNT_EMAIL_MAX, &email,
                          NULL)) ||
        (rc = api_get_int(r, b, "credit_limit", false, 0, MONEY_MAX, &limit,
                          &has_limit))) {
        json_decref(b);
        return rc;
    }
    ERR_INIT(e);
    rc = reseller_add(api_app(r), name, email,
                      has_limit ? money_format(limit, lb) : NULL, &id, &e);
    json_decref(b);
    if (rc < 0)
        return api_fail(r, rc, &e);
    return reply_figures(r, 201, id);
}

static int get_wholesale(struct web_req *r)
{
    return reply_prices(r, 0);
}

/* PUT wholesale: {tld, prices} as a reseller's list, or {rule:
 * {markup_pct, add} | null} - the registrar's cost plus markup_pct %
 * plus add (minor units) for what has no wholesale price; null removes
 * it. Not both in one body (they are separate transactions). */
static int put_wholesale(struct web_req *r)
{
    static const char *const rfields[] = {"markup_pct", "add", NULL};
    json_t *b, *rule, *mk;
    int64_t add = 0;
    struct rm_err e;
    int rc = api_body(r, &b);
    if (rc)
        return rc;
    if (!(rule = json_object_get(b, "rule"))) {
        json_decref(b);
        return put_price_list(r, 0);
    }
    if (json_object_size(b) != 1) {
        rc = api_error(r, 400, API_EINVALID, "rule",
                       "rule: alone in its body, apart from tld and prices");
        goto out;
    }
    ERR_INIT(e);
    if (json_is_null(rule)) {
        if ((rc = reseller_wholesale_rule_clear(api_app(r), &e)) < 0) {
            rc = api_fail(r, rc, &e);
            goto out;
        }
        rc = reply_prices(r, 0);
        goto out;
    }
    if (!json_is_object(rule)) {
        rc = api_error(r, 400, API_EWRONG_TYPE, "rule",
                       "rule: {markup_pct, add}, or null");
        goto out;
    }
    if ((rc = api_only_fields(r, rule, rfields)) ||
        (rc = api_get_int(r, rule, "add", false, 0, RESELLER_RULE_ADD_MAX, &add,
                          NULL)))
        goto out;
    mk = json_object_get(rule, "markup_pct");
    double pct = mk ? json_number_value(mk) : -1;
    if (!mk || !json_is_number(mk) || pct < 0 ||
        pct > RESELLER_MARKUP_MAX_BP / 100.0 ||
        fabs(pct * 100 - round(pct * 100)) > 1e-6) {
        rc = api_error(r, 400, API_ERANGE, "markup_pct",
                       "rule.markup_pct: 0 to %d with 2 decimals at most",
                       RESELLER_MARKUP_MAX_BP / 100);
        goto out;
    }
    if ((rc = reseller_wholesale_rule_set(api_app(r), llround(pct * 100), add,
                                          &e)) < 0) {
        rc = api_fail(r, rc, &e);
        goto out;
    }
    rc = reply_prices(r, 0);
out:
    json_decref(b);
    return rc;
}

static const struct web_route routes[] = {
    {"GET", "/api/v1/reseller", get_reseller, WEB_LOGIN},
    {"PUT", "/api/v1/reseller/settings", put_settings, WEB_LOGIN},
    {"GET", "/api/v1/reseller/prices", get_prices, WEB_LOGIN},
    {"PUT", "/api/v1/reseller/prices", put_prices, WEB_LOGIN},
    {"GET", "/api/v1/reseller/customers", list_customers, WEB_LOGIN},
    {"POST", "/api/v1/reseller/customers", add_customer, WEB_LOGIN},
    {"POST", "/api/v1/reseller/customers/{id}/credit", credit_customer,
     WEB_LOGIN},
    {"POST", "/api/v1/reseller/customers/{id}/logins", add_customer_login,
     WEB_LOGIN},
    {"GET", "/api/v1/reseller/customers/{id}/domains", customer_domains,
     WEB_LOGIN},
    {"GET", "/api/v1/reseller/customers/{id}/contacts/{type}",
     get_customer_contact, WEB_LOGIN},
    {"PUT", "/api/v1/reseller/customers/{id}/contacts/{type}",
     put_customer_contact, WEB_LOGIN},
    {"GET", "/api/v1/reseller/operations", reseller_operations, WEB_LOGIN},
    {"GET", "/api/v1/resellers", list_resellers, WEB_ADMIN},
    {"POST", "/api/v1/resellers", add_reseller, WEB_ADMIN},
    {"GET", "/api/v1/wholesale", get_wholesale, WEB_ADMIN},
    {"PUT", "/api/v1/wholesale", put_wholesale, WEB_ADMIN},
};

const struct web_route *api_reseller_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
