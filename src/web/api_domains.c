/*
 * api_domains - domains and operations endpoints (contract in
 * api_domains.h).
 */
#include "web/api_domains.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/account.h"
#include "core/conn.h"
#include "core/domadmin.h"
#include "core/domview.h"
#include "core/license.h"
#include "core/lifecycle.h"
#include "core/names.h"
#include "core/ops.h"
#include "core/reseller.h"
#include "core/opview.h"
#include "core/tld.h"
#include "core/watch.h"
#include "present/present.h"
#include "util/clock.h"
#include "util/xalloc.h"
#include "web/api.h"
#include "web/api_signup.h"
#include "web/api_util.h"
#include "web/auth.h"

/* ---- operations and domains as JSON ---------------------------------------
 */

/* op_list - what the callbacks of core's views fill: the operations or
 * domains as JSON, for an admin or a customer. */
struct op_list {
    int64_t now;
    bool admin;
    json_t *items;
};

static void op_item(const struct op_view *v, void *arg)
{
    struct op_list *c = arg;
    json_array_append_new(c->items,
                          present_op(v, c->now, c->admin, PRESENT_API));
}

static void dom_item(const struct dom_view *v, void *arg)
{
    struct op_list *c = arg;
    json_array_append_new(c->items,
                          present_domain(v, c->now, c->admin, PRESENT_API));
}

/* op_one - the operation of opview_get. */
struct op_one {
    bool admin;
    json_t *j;
    int64_t acct;
};

static void op_one_fn(const struct op_view *v, void *arg)
{
    struct op_one *o = arg;
    json_decref(o->j);
    o->j = present_op(v, clock_now(), o->admin, PRESENT_API);
    o->acct = v->account_id;
}

/* load_op - operation id as JSON (*out NULL when there is none) and its
 * account. */
static int load_op(struct web_req *r, int64_t id, bool admin, json_t **out,
                   int64_t *acct, struct rm_err *e)
{
    struct op_one o = {admin, NULL, 0};
    int rc = opview_get(api_app(r), id, op_one_fn, &o, NULL, e);
    *out = NULL;
    if (rc < 0) {
        json_decref(o.j);
        return rc;
    }
    *out = o.j;
    if (acct && o.j)
        *acct = o.acct;
    return 0;
}

/* reply_outcome - the answer to an action that created or looked at an
 * operation: 201 (202 when pending; 200 for a check) with the operation
 * and what the call reported. */
static int reply_outcome(struct web_req *r, int outcome,
                         const struct ops_result *res, bool created,
                         const char *registrar_answer)
{
    json_t *op;
    struct rm_err e;
    ERR_INIT(e);
    int rc = load_op(r, res->op_id, auth_is_admin(r), &op, NULL, &e);
    if (rc < 0)
        return api_fail(r, rc, &e);
    if (!op)
        return api_error(r, 500, API_EINTERNAL, NULL, "operation vanished");
    json_t *j = json_object();
    json_object_set_new(j, "operation", op);
    json_object_set_new(j, "state", json_string(res->state));
    json_object_set_new(
        j, "outcome", json_string(ops_outcome_name((enum ops_outcome)outcome)));
    json_object_set_new(j, "amount", json_integer(res->amount));
    json_object_set_new(j, "refunded",
                        json_boolean(outcome == OPS_FAILED ||
                                     outcome == OPS_TIMED_OUT ||
                                     outcome == OPS_CANCELLED));
    json_object_set_new(j, "expires_at", api_time(res->expires_at));
    json_object_set_new(j, "reason", json_string(res->reason));
    json_object_set_new(j, "attempts", json_integer(res->attempts));
    if (registrar_answer)
        json_object_set_new(j, "registrar_answer",
                            json_string(registrar_answer));
    unsigned status = !created ? 200 : outcome == OPS_PENDING ? 202 : 201;
    return web_reply_json(r, status, j);
}

#define DAY_S 86400

/* q_ok - a search fragment of a name: letters, digits, '-', '.'. */
static bool q_ok(const char *q)
{
    for (; *q; q++)
        if (!((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') ||
              *q == '-' || *q == '.'))
            return false;
    return true;
}

/* filter_account - ?account_id= for admins; customers are always limited
 * to their own account (a different id is simply nothing of theirs). */
static int filter_account(struct web_req *r, int64_t *acct)
{
    const char *a = web_query(r, "account_id");
    *acct = auth_account_filter(r);
    if (!a)
        return 0;
    int64_t v;
    if (!api_parse_int64(a, 1, INT64_MAX, &v))
        return api_error(r, 400, API_EWRONG_TYPE, "account_id",
                         "account_id: expected a positive integer");
    if (*acct && v != *acct)
        v = -1; /* matches no row */
    *acct = v;
    return 0;
}

/* expiry_bound - ?expires_before= (epoch seconds) and
 * ?expires_within_days= (from now) as one bound: the earlier of the two,
 * 0 for none. 0 or a reply. */
static int expiry_bound(struct web_req *r, int64_t now, int64_t *bound)
{
    const char *before = web_query(r, "expires_before"),
               *days = web_query(r, "expires_within_days");
    int64_t v;
    *bound = 0;
    if (before) {
        if (!api_parse_int64(before, 1, INT64_MAX / 2, &v))
            return api_error(r, 400, API_EWRONG_TYPE, "expires_before",
                             "expires_before: epoch seconds");
        *bound = v;
    }
    if (days) {
        if (!api_parse_int64(days, 0, 3660, &v))
            return api_error(r, 400, API_ERANGE, "expires_within_days",
                             "expires_within_days: 0 to 3660");
        v = now + v * DAY_S;
        if (!*bound || v < *bound)
            *bound = v;
    }
    return 0;
}

/* list_domains - ?live=1: live rows only (one per name); ?live=0: past
 * attempts only (failed, cancelled, transferred away), the newest row of
 * each name the account no longer holds; without it every row. Filters
 * status, q (a fragment of the name) and an expiry bound. */
static int list_domains(struct web_req *r)
{
    static const char *const flags[] = {"0", "1", NULL};
    struct api_page p;
    int64_t acct, bound, now = clock_now();
    const char *live;
    int rc = api_page_parse(r, &p);
    if (rc || (rc = filter_account(r, &acct)) ||
        (rc = api_query_enum(r, "live", flags, "live: 0 or 1", &live)) ||
        (rc = expiry_bound(r, now, &bound)))
        return rc;
    const char *status = web_query(r, "status"), *q = web_query(r, "q");
    if (status && strlen(status) > 32)
        return api_error(r, 400, API_ERANGE, "status", "status: too long");
    if (q && (strlen(q) > NAME_MAX_ASCII || !q_ok(q)))
        return api_error(r, 400, API_EINVALID, "q",
                         "q: lowercase letters, digits, '-' and '.'");
    char *like = q ? xasprintf("%%%s%%", q) : NULL;
    struct domview_filter f = {
        .account_id = acct,
        .status = status,
        .like = like,
        .live = live && strcmp(live, "1") == 0,
        .dead = live && strcmp(live, "0") == 0,
        .expires_before = bound,
    };
    struct view_page vp = api_view_page(&p);
    struct op_list c = {now, auth_is_admin(r), json_array()};
    struct rm_err e;
    ERR_INIT(e);
    rc = domview_list(api_app(r), &f, &vp, dom_item, &c, &e);
    free(like);
    return api_reply_items(r, &p, rc, c.items, &e);
}

/* load_domain - the path's domain as the caller may see it: the caller's
 * live row of that name, else its newest row. 0 with *j (and *nm), or
 * a reply: 404 for a bad name, no row, or only other accounts' rows. */
/* dom_pick - of the rows of one name (newest first), the first live
 * row, else the newest. */
struct dom_pick {
    int64_t now;
    bool admin, done;
    json_t *j;
    int64_t acct;
};

static void dom_pick_fn(const struct dom_view *v, void *arg)
{
    struct dom_pick *d = arg;
    bool live = domview_live(v->status);
    if (d->done || (d->j && !live))
        return;
    json_decref(d->j);
    d->j = present_domain(v, d->now, d->admin, PRESENT_API);
    d->acct = v->account_id;
    d->done = live;
}

static int load_domain(struct web_req *r, struct name *nm, json_t **j,
                       int64_t *acct)
{
    struct rm_err e;
    const char *in = web_param(r, "name");
    int rc;
    ERR_INIT(e);
    *j = NULL;
    if (!in || strlen(in) > NAME_MAX_INPUT || name_parse(in, nm, &e) < 0)
        return api_error(r, 404, API_ENOTFOUND, NULL, "no such domain");
    struct dom_pick d = {clock_now(), auth_is_admin(r), false, NULL, 0};
    rc = domview_by_name(api_app(r), nm->ascii, auth_account_filter(r),
                         dom_pick_fn, &d, &e);
    if (rc < 0) {
        json_decref(d.j);
        return api_fail(r, rc, &e);
    }
    if (!d.j)
        return api_error(r, 404, API_ENOTFOUND, NULL, "no such domain");
    *j = d.j;
    if (acct)
        *acct = d.acct;
    return 0;
}

/* timeline - the operations of a domain, and whether one is under way. */
struct timeline {
    struct op_list ops;
    bool pending;
};

static void timeline_fn(const struct op_view *v, void *arg)
{
    struct timeline *t = arg;
    t->pending = t->pending || ops_state_is(v->state, OPS_ST_PENDING) ||
                 ops_state_is(v->state, OPS_ST_SENDING) ||
                 ops_state_is(v->state, OPS_ST_NEW);
    op_item(v, &t->ops);
}

static int get_domain(struct web_req *r)
{
    struct name nm;
    json_t *j;
    int rc = load_domain(r, &nm, &j, NULL);
    if (rc)
        return rc;
    struct rm_err e;
    struct timeline t = {{clock_now(), auth_is_admin(r), json_array()}, false};
    ERR_INIT(e);
    rc = opview_of_domain(api_app(r),
                          json_integer_value(json_object_get(j, "id")),
                          timeline_fn, &t, &e);
    if (rc < 0) {
        json_decref(t.ops.items);
        json_decref(j);
        return api_fail(r, rc, &e);
    }
    json_object_set_new(j, "operations", t.ops.items);
    json_object_set_new(j, "pending", json_boolean(t.pending));
    return web_reply_json(r, 200, j);
}

/* order_account - who an order is for: a customer orders for itself (an
 * "account_id" naming another account is 404, like any object not
 * theirs); an admin names the account. *a filled. */
static int order_account(struct web_req *r, json_t *b, struct account *a)
{
    int64_t id = 0;
    bool present = false;
    int rc = api_get_int(r, b, "account_id", auth_is_admin(r), 1, INT64_MAX,
                         &id, &present);
    if (rc)
        return rc;
    if (!auth_is_admin(r)) {
        if (present && id != r->who->account_id)
            return api_error(r, 404, API_ENOTFOUND, "account_id",
                             "no such account");
        return api_customer_account(r, a);
    }
    struct rm_err e;
    ERR_INIT(e);
    if (account_get_id(api_app(r), id, a, &e) < 0 ||
        strcmp(a->kind, "customer") != 0)
        return api_error(r, 400, API_EINVALID, "account_id",
                         "account_id: no such customer account");
    return 0;
}

/* license_gate - a customer's order needs the current license accepted
 * (recorded before, or now with "license_sha256"). Names and TLDs that
 * core would refuse anyway pass through to core's own error. */
static int license_gate(struct web_req *r, json_t *b, const char *name,
                        const struct account *a)
{
    const char *given = NULL;
    int rc = api_get_str(r, b, "license_sha256", false, 64, 64, &given, NULL);
    if (rc || auth_is_admin(r))
        return rc;
    struct name nm;
    struct tld t;
    struct conn c;
    struct rm_err e;
    char *text = NULL, sha[65];
    bool yes = false;
    ERR_INIT(e);
    if (name_parse(name, &nm, &e) < 0 ||
        tld_for_name(api_app(r), &nm, &t, &e) < 0)
        return 0;
    if ((rc = conn_get_id(api_app(r), t.connection_id, &c, &e)) < 0)
        return api_fail(r, rc, &e);
    rc = reseller_license(api_app(r), a->id, &c, &text, sha, &e);
    conn_release(&c);
    free(text);
    if (rc < 0)
        return api_fail(r, rc, &e);
    if ((rc = license_accepted(api_app(r), a->id, t.connection_id, sha, &yes,
                               &e)) < 0)
        return api_fail(r, rc, &e);
    if (yes)
        return 0;
    if (!given || strcmp(given, sha) != 0)
        return api_error(r, 409, API_ELICENSE, "license_sha256",
                         "accept the license agreement of .%s first "
                         "(GET /api/v1/license?domain=%s)",
                         t.tld, nm.ascii);
    if ((rc = license_record(api_app(r), r->who->login_id, a->id,
                             t.connection_id, nm.ascii, sha, r->client_ip,
                             clock_now(), &e)) < 0)
        return api_fail(r, rc, &e);
    return 0;
}

/* refused_reply - an order core refused before anything was written. A
 * customer short of funds reads what to do, not the ledger's figures
 * (ledger.c funds_ok: "insufficient funds: account ... has a balance of
 * ..."); everything else as api_error_rm. */
static int refused_reply(struct web_req *r, int rc, const struct rm_err *e)
{
    if (rc == RM_EREFUSED && !auth_is_admin(r) &&
        strncmp(e->msg, "insufficient funds", 18) == 0)
        return api_error(r, 409, API_EREFUSED, NULL,
                         "Your balance is too low for this order. Add funds "
                         "to your account first, then order again. Nothing "
                         "was charged.");
    return api_error_rm(r, rc, e);
}

/* own_account - the account name core limits a customer's action to
 * (its own, loaded into *a); NULL for an admin. 0 or a reply. */
static int own_account(struct web_req *r, struct account *a, const char **acct)
{
    *acct = NULL;
    if (auth_is_admin(r))
        return 0;
    int rc = api_customer_account(r, a);
    if (rc == 0)
        *acct = a->name;
    return rc;
}

static int post_order(struct web_req *r, bool transfer)
{
    static const char *const fields[] = {
        "name",      "term",           "account_id", "nameservers",
        "auth_code", "license_sha256", NULL};
    json_t *b;
    const char *name = NULL, *auth = NULL;
    const char *ns[REG_NS_MAX];
    int64_t term = 0;
    struct account a;
    struct ops_order_req q = {0};
    int rc = api_body(r, &b);
    if (rc)
        return rc;
    if ((rc = api_only_fields(r, b, fields)) ||
        (rc =
             api_get_str(r, b, "name", true, 1, NAME_MAX_INPUT, &name, NULL)) ||
        (rc = api_get_int(r, b, "term", false, 1, TLD_MAX_TERM, &term, NULL)) ||
        (rc = api_get_str(r, b, "auth_code", transfer, 1, OPS_AUTH_MAX, &auth,
                          NULL)))
        goto out;
    if (!transfer && auth) {
        rc = api_error(r, 400, API_EUNKNOWN, "auth_code",
                       "auth_code is for transfers only");
        goto out;
    }
    json_t *nv = json_object_get(b, "nameservers");
    if (nv && !json_is_null(nv)) {
        size_t i;
        json_t *v;
        if (!json_is_array(nv) || json_array_size(nv) > REG_NS_MAX) {
            rc = api_error(r, 400, API_EWRONG_TYPE, "nameservers",
                           "nameservers: an array of at most %d host names",
                           REG_NS_MAX);
            goto out;
        }
        json_array_foreach(nv, i, v)
        {
            if (!json_is_string(v) || json_string_length(v) > 253 ||
                strlen(json_string_value(v)) != json_string_length(v)) {
                rc = api_error(r, 400, API_EWRONG_TYPE, "nameservers",
                               "nameservers: an array of host names");
                goto out;
            }
            ns[i] = json_string_value(v);
        }
        q.nameservers = ns;
        q.n_nameservers = json_array_size(nv);
    }
    if ((rc = order_account(r, b, &a)) || (rc = api_verify_gate(r, &a)) ||
        (rc = license_gate(r, b, name, &a)))
        goto out;
    struct ops_result res;
    struct rm_err e;
    ERR_INIT(e);
    q.name = name;
    q.account = a.name;
    q.term = (int)term;
    q.auth_code = auth;
    q.actor = auth_is_admin(r) ? "admin" : NULL;
    int outcome = transfer ? ops_transfer(api_app(r), &q, &res, &e)
                           : ops_register(api_app(r), &q, &res, &e);
    /* a negative outcome: refused before anything was written; RM_EIO
     * here is the store, not the registrar */
    rc = outcome < 0 ? refused_reply(r, outcome, &e)
                     : reply_outcome(r, outcome, &res, true, NULL);
out:
    json_decref(b);
    return rc;
}

static int post_register(struct web_req *r)
{
    return post_order(r, false);
}

static int post_transfer(struct web_req *r)
{
    return post_order(r, true);
}

static int post_renew(struct web_req *r)
{
    static const char *const fields[] = {"term", NULL};
    struct name nm;
    json_t *dom, *b = NULL;
    int64_t term = 0;
    int rc = load_domain(r, &nm, &dom, NULL);
    if (rc)
        return rc;
    json_decref(dom);
    if ((rc = api_opt_body(r, fields, &b)) ||
        (b && (rc = api_get_int(r, b, "term", false, 1, TLD_MAX_TERM, &term,
                                NULL)))) {
        json_decref(b);
        return rc;
    }
    json_decref(b);
    struct account a;
    const char *acct;
    if ((rc = own_account(r, &a, &acct)) ||
        (acct && (rc = api_verify_gate(r, &a))))
        return rc;
    struct ops_result res;
    struct rm_err e;
    ERR_INIT(e);
    int outcome = ops_renew(api_app(r), nm.ascii, acct, (int)term, &res, &e);
    if (outcome < 0)
        return refused_reply(r, outcome, &e);
    return reply_outcome(r, outcome, &res, true, NULL);
}

/* PATCH a domain: the auto-renew switch (lifecycle_set_auto_renew). */
static int patch_domain(struct web_req *r)
{
    static const char *const fields[] = {"auto_renew", NULL};
    struct name nm;
    json_t *dom, *b;
    bool on = false;
    int rc = load_domain(r, &nm, &dom, NULL);
    if (rc)
        return rc;
    json_decref(dom);
    if ((rc = api_body(r, &b)))
        return rc;
    if ((rc = api_only_fields(r, b, fields)) ||
        (rc = api_get_bool(r, b, "auto_renew", true, &on, NULL))) {
        json_decref(b);
        return rc;
    }
    json_decref(b);
    struct account a;
    const char *acct;
    if ((rc = own_account(r, &a, &acct)))
        return rc;
    struct rm_err e;
    ERR_INIT(e);
    if ((rc = lifecycle_set_auto_renew(api_app(r), nm.ascii, acct, on, &e)) < 0)
        return api_fail(r, rc, &e);
    if ((rc = load_domain(r, &nm, &dom, NULL)))
        return rc;
    return web_reply_json(r, 200, dom);
}

static int get_transfer_status(struct web_req *r)
{
    struct name nm;
    struct rm_err e;
    struct account a;
    const char *acct, *in = web_param(r, "name");
    int rc;
    ERR_INIT(e);
    if (!in || strlen(in) > NAME_MAX_INPUT || name_parse(in, &nm, &e) < 0)
        return api_error(r, 404, API_ENOTFOUND, NULL, "no such domain");
    if ((rc = own_account(r, &a, &acct)))
        return rc;
    if (auth_is_admin(r) && web_query(r, "account_id")) {
        int64_t id;
        if (!api_parse_int64(web_query(r, "account_id"), 1, INT64_MAX, &id) ||
            account_get_id(api_app(r), id, &a, &e) < 0)
            return api_error(r, 400, API_EINVALID, "account_id",
                             "account_id: no such account");
        acct = a.name;
    }
    struct ops_transfer_status ts;
    rc = ops_transfer_status(api_app(r), nm.ascii, acct, &ts, &e);
    if (rc < 0)
        return api_fail(r, rc, &e);
    json_t *j = json_object();
    json_object_set_new(j, "domain", json_string(nm.ascii));
    json_object_set_new(j, "own_transfer", json_boolean(ts.own));
    json_object_set_new(j, "transferable", json_boolean(ts.transferable));
    json_object_set_new(j, "status", json_string(ts.status));
    json_object_set_new(j, "reason", json_string(ts.reason));
    json_t *op = NULL;
    if (ts.own && load_op(r, ts.op.op_id, auth_is_admin(r), &op, NULL, &e) < 0)
        op = NULL;
    json_object_set_new(j, "operation", op ? op : json_null());
    return web_reply_json(r, 200, j);
}
/* POST restore: a domain in redemption, restored at the TLD's restore fee
 * plus one year's renewal (ops_restore); no body, or an empty object. */
static int post_restore(struct web_req *r)
{
    static const char *const fields[] = {NULL};
    struct name nm;
    json_t *dom, *b = NULL;
    int rc = load_domain(r, &nm, &dom, NULL);
    if (rc)
        return rc;
    json_decref(dom);
    if ((rc = api_opt_body(r, fields, &b)))
        return rc;
    json_decref(b);
    struct account a;
    const char *acct;
    if ((rc = own_account(r, &a, &acct)) ||
        (acct && (rc = api_verify_gate(r, &a))))
        return rc;
    struct ops_result res;
    struct rm_err e;
    ERR_INIT(e);
    int outcome = ops_restore(api_app(r), nm.ascii, acct, NULL, NULL, &res, &e);
    if (outcome < 0)
        return refused_reply(r, outcome, &e);
    return reply_outcome(r, outcome, &res, true, NULL);
}

static int list_operations(struct web_req *r)
{
    static const char *const watches[] = {"watching", "ended",   "late",
                                          "assigned", "revoked", "expiring",
                                          "absorbed", NULL};
    static const char *const flags[] = {"0", "1", NULL};
    static const char *const states[] = {"new",       "sending", "pending",
                                         "succeeded", "failed",  "timed_out",
                                         "cancelled", NULL};
    static const char *const kinds[] = {"register", "renew",   "transfer",
                                        "privacy",  "restore", NULL};
    struct api_page p;
    int64_t acct;
    int rc = api_page_parse(r, &p);
    if (rc || (rc = filter_account(r, &acct)))
        return rc;
    const char *state, *kind, *dq = web_query(r, "domain");
    if ((rc = api_query_enum(r, "state", states,
                             "state: new, sending, pending, succeeded, "
                             "failed, timed_out or cancelled",
                             &state)) ||
        (rc = api_query_enum(r, "kind", kinds,
                             "kind: register, renew, transfer, privacy or "
                             "restore",
                             &kind)))
        return rc;
    const char *watch, *late;
    if ((rc = api_query_enum(r, "watch", watches,
                             "watch: watching, ended, late, assigned, "
                             "revoked, expiring or absorbed",
                             &watch)) ||
        (rc = api_query_enum(r, "late", flags, "late: 0 or 1", &late)))
        return rc;
    if (late && strcmp(late, "1") == 0) {
        if (watch && strcmp(watch, "late") != 0)
            return api_error(r, 400, API_EINVALID, "late",
                             "late=1 and watch=%s contradict", watch);
        watch = "late";
    }
    if (watch && !auth_is_admin(r))
        return api_error(r, 403, API_EFORBIDDEN, "watch",
                         "only admins filter by watch");
    struct name nm;
    struct rm_err e;
    ERR_INIT(e);
    if (dq && (strlen(dq) > NAME_MAX_INPUT || name_parse(dq, &nm, &e) < 0))
        return api_error(r, 400, API_EINVALID, "domain", "domain: %s",
                         e.msg[0] ? e.msg : "too long");
    struct opview_filter f = {acct,  state, kind, dq ? nm.ascii : NULL,
                              watch, 0};
    struct view_page vp = api_view_page(&p);
    struct op_list c = {clock_now(), auth_is_admin(r), json_array()};
    rc = opview_list(api_app(r), &f, &vp, op_item, &c, &e);
    return api_reply_items(r, &p, rc, c.items, &e);
}

/* path_op - the path's operation, scoped; 0 with *j or a reply. */
static int path_op(struct web_req *r, int64_t *id, json_t **j)
{
    int64_t acct = 0;
    struct rm_err e;
    int rc = api_path_id(r, "id", id);
    if (rc)
        return rc;
    ERR_INIT(e);
    if ((rc = load_op(r, *id, auth_is_admin(r), j, &acct, &e)) < 0)
        return api_fail(r, rc, &e);
    if (!*j)
        return api_error(r, 404, API_ENOTFOUND, NULL, "no such operation");
    if ((rc = auth_scope(r, acct))) {
        json_decref(*j);
        return rc;
    }
    return 0;
}

/* op_target - the path's operation (scoped) an action is taken on. */
static int op_target(struct web_req *r, int64_t *id)
{
    json_t *j;
    int rc = path_op(r, id, &j);
    if (rc == 0)
        json_decref(j);
    return rc;
}

static int get_operation(struct web_req *r)
{
    int64_t id;
    json_t *j;
    int rc = path_op(r, &id, &j);
    if (rc)
        return rc;
    return web_reply_json(r, 200, j);
}

static int post_check(struct web_req *r)
{
    int64_t id;
    json_t *j;
    int rc = path_op(r, &id, &j);
    if (rc)
        return rc;
    /* a watched operation is checked as such (rule 9, core/watch.h) */
    const char *w = json_string_value(json_object_get(j, "watch"));
    bool watching = w && strcmp(w, "watching") == 0;
    json_decref(j);
    struct ops_result res;
    struct rm_err e;
    ERR_INIT(e);
    if (watching) {
        char now_watch[16];
        if ((rc = watch_check(api_app(r), id, now_watch, sizeof now_watch,
                              &e)) < 0)
            return api_fail(r, rc, &e);
    }
    int outcome = ops_check(api_app(r), id, &res, &e);
    if (outcome < 0)
        return api_fail(r, outcome, &e);
    return reply_outcome(r, outcome, &res, false, NULL);
}

/* POST a domain's move to another account (admin; core/domadmin.h). */
static int post_move(struct web_req *r)
{
    static const char *const fields[] = {"account", "reason", NULL};
    struct name nm;
    json_t *dom, *b;
    const char *to = NULL, *reason = NULL;
    int rc = load_domain(r, &nm, &dom, NULL);
    if (rc)
        return rc;
    json_decref(dom);
    if ((rc = api_body(r, &b)))
        return rc;
    if ((rc = api_only_fields(r, b, fields)) ||
        (rc = api_get_str(r, b, "account", true, 1, 64, &to, NULL)) ||
        (rc = api_get_str(r, b, "reason", false, 0, DOMADMIN_REASON_MAX,
                          &reason, NULL))) {
        json_decref(b);
        return rc;
    }
    struct domadmin_move m;
    struct rm_err e;
    ERR_INIT(e);
    rc = domadmin_move(api_app(r), nm.ascii, to, "admin", reason, &m, &e);
    json_decref(b);
    if (rc < 0)
        return api_error_rm(r, rc, &e);
    json_t *j = json_object();
    json_object_set_new(j, "domain", json_string(m.domain));
    json_object_set_new(j, "move", json_integer(m.id));
    json_object_set_new(j, "from", json_string(m.from));
    json_object_set_new(j, "to", json_string(m.to));
    return web_reply_json(r, 200, j);
}

/* POST a domain's sync with the registrar, now (admin;
 * lifecycle_sync_one). */
static int post_sync(struct web_req *r)
{
    static const char *const none[] = {NULL};
    struct name nm;
    json_t *dom, *b = NULL;
    int rc = load_domain(r, &nm, &dom, NULL);
    if (rc)
        return rc;
    json_decref(dom);
    if ((rc = api_opt_body(r, none, &b)))
        return rc;
    json_decref(b);
    struct app *app = api_app(r);
    struct lifecycle_ctx c = {app, &app->set.mail, clock_now(), NULL, NULL};
    struct lifecycle_sync_one o;
    struct rm_err e;
    ERR_INIT(e);
    if ((rc = lifecycle_sync_one(&c, nm.ascii, NULL, &o, &e)) < 0)
        return api_error_rm(r, rc, &e);
    json_t *j = json_object();
    json_object_set_new(j, "domain", json_string(o.domain));
    json_object_set_new(j, "status_before", json_string(o.status_before));
    json_object_set_new(j, "status", json_string(o.status));
    json_object_set_new(j, "expires_before",
                        present_time(PRESENT_API, o.expires_before));
    json_object_set_new(j, "expires", present_time(PRESENT_API, o.expires));
    json_object_set_new(j, "locked", json_boolean(o.locked));
    json_object_set_new(j, "transfer_away",
                        o.away_status[0] ? json_string(o.away_status)
                                         : json_null());
    json_object_set_new(j, "registrar_auto_renew_turned_off",
                        json_boolean(o.renew_off));
    return web_reply_json(r, 200, j);
}

/* Async Manager: reset - a new waiting window from now, check soon. */
static int post_reset(struct web_req *r)
{
    static const char *const none[] = {NULL};
    int64_t id;
    json_t *b;
    int rc = op_target(r, &id);
    if (rc || (rc = api_opt_body(r, none, &b)))
        return rc;
    json_decref(b);
    struct ops_result res;
    struct rm_err e;
    ERR_INIT(e);
    int outcome = ops_reset(api_app(r), id, &res, &e);
    if (outcome < 0)
        return api_error_rm(r, outcome, &e);
    return reply_outcome(r, outcome, &res, false, NULL);
}

/* Async Manager: cancel - at the registrar where it can be done, then
 * cancelled + refund + the domain removed, in one transaction. */
/* POST /api/v1/operations/{id}/late {"action": "assign"|"revoke"|
 * "expire"|"absorb"} - the admin's decision on a late completion
 * (core/watch.h). 409 when it is not one or the registrar refused. */
static int post_late(struct web_req *r)
{
    static const char *const fields[] = {"action", NULL};
    int64_t id, new_op = 0;
    json_t *b;
    const char *act = NULL;
    enum watch_action a;
    struct rm_err e;
    char answer[REG_TEXT_MAX + 64] = "";
    int rc = op_target(r, &id);
    if (rc || (rc = api_opt_body(r, fields, &b)))
        return rc;
    if (!b) {
        rc = api_error(r, 400, API_EMISSING, "action", "action is required");
        return rc;
    }
    if ((rc = api_get_str(r, b, "action", true, 1, 16, &act, NULL))) {
        json_decref(b);
        return rc;
    }
    ERR_INIT(e);
    if (watch_action_parse(act, &a, &e) < 0) {
        json_decref(b);
        return api_error(r, 400, API_EINVALID, "action", "%s", e.msg);
    }
    json_decref(b);
    rc = watch_resolve(api_app(r), id, a, &new_op, answer, sizeof answer, &e);
    if (rc < 0)
        return api_error_rm(r, rc, &e);
    json_t *op;
    if ((rc = load_op(r, id, true, &op, NULL, &e)) < 0)
        return api_fail(r, rc, &e);
    json_t *j = json_object();
    json_object_set_new(j, "operation", op ? op : json_null());
    json_object_set_new(j, "charged_by",
                        new_op ? json_integer(new_op) : json_null());
    json_object_set_new(j, "registrar_answer", json_string(answer));
    return web_reply_json(r, 200, j);
}

/* GET /api/v1/reconcile[?since=YYYY-MM-DD] - the exposure report. */
static int get_reconcile(struct web_req *r)
{
    const char *sq = web_query(r, "since");
    struct reconcile_report rep;
    struct rm_err e;
    time_t since = 0;
    int rc;

    ERR_INIT(e);
    if (sq && (strlen(sq) > 32 || reg_parse_time(sq, &since, &e) < 0))
        return api_error(r, 400, API_EINVALID, "since", "since: %s",
                         e.msg[0] ? e.msg : "too long");
    if ((rc = watch_reconcile(api_app(r), (int64_t)since, &rep, &e)) < 0)
        return api_fail(r, rc, &e);
    json_t *j = present_reconcile(&rep, (int64_t)since,
                                  api_app(r)->set.currency, PRESENT_API);
    watch_reconcile_free(&rep);
    return web_reply_json(r, 200, j);
}

static int post_cancel(struct web_req *r)
{
    static const char *const fields[] = {"reason", NULL};
    int64_t id;
    json_t *b;
    const char *why = NULL;
    int rc = op_target(r, &id);
    if (rc || (rc = api_opt_body(r, fields, &b)))
        return rc;
    if (b && (rc = api_get_str(r, b, "reason", false, 0, 500, &why, NULL))) {
        json_decref(b);
        return rc;
    }
    struct ops_result res;
    struct rm_err e;
    char answer[REG_TEXT_MAX] = "";
    ERR_INIT(e);
    int outcome = ops_cancel(api_app(r), id, why ? why : "cancelled by admin",
                             &res, answer, sizeof answer, &e);
    json_decref(b);
    if (outcome < 0)
        return api_error_rm(r, outcome, &e);
    rc = reply_outcome(r, outcome, &res, false, answer);
    return rc;
}

static const struct web_route routes[] = {
    {"GET", "/api/v1/domains", list_domains, WEB_LOGIN},
    {"POST", "/api/v1/domains/register", post_register, WEB_LOGIN},
    {"POST", "/api/v1/domains/transfer", post_transfer, WEB_LOGIN},
    {"GET", "/api/v1/domains/{name}", get_domain, WEB_LOGIN},
    {"PATCH", "/api/v1/domains/{name}", patch_domain, WEB_LOGIN},
    {"POST", "/api/v1/domains/{name}/renew", post_renew, WEB_LOGIN},
    {"POST", "/api/v1/domains/{name}/restore", post_restore, WEB_LOGIN},
    {"POST", "/api/v1/domains/{name}/move", post_move, WEB_ADMIN},
    {"POST", "/api/v1/domains/{name}/sync", post_sync, WEB_ADMIN},
    {"GET", "/api/v1/domains/{name}/transfer-status", get_transfer_status,
     WEB_LOGIN},
    {"GET", "/api/v1/operations", list_operations, WEB_LOGIN},
    {"GET", "/api/v1/operations/{id}", get_operation, WEB_LOGIN},
    {"POST", "/api/v1/operations/{id}/check", post_check, WEB_ADMIN},
    {"POST", "/api/v1/operations/{id}/reset", post_reset, WEB_ADMIN},
    {"POST", "/api/v1/operations/{id}/cancel", post_cancel, WEB_ADMIN},
    {"POST", "/api/v1/operations/{id}/late", post_late, WEB_ADMIN},
    {"GET", "/api/v1/reconcile", get_reconcile, WEB_ADMIN},
};

const struct web_route *api_domains_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
