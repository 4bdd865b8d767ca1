/*
 * api_manage - an owner's changes after the sale (contract in
 * api_manage.h).
 */
#include "web/api_manage.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/domchange.h"
#include "present/present.h"
#include "core/domview.h"
#include "core/names.h"
#include "core/tld.h"
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
    if (res->op_id) {
        /* a charged change (privacy on): its operation and the money */
        json_object_set_new(j, "operation", json_integer(res->op_id));
        json_object_set_new(j, "operation_state", json_string(res->op_state));
        json_object_set_new(j, "charged",
                            present_money(PRESENT_API, res->amount));
        json_object_set_new(j, "refunded",
                            present_money(PRESENT_API, res->refunded));
    }
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

/* PUT a .us domain's nexus (domchange_nexus): {category, app_purpose,
 * validator?}. */
static int put_nexus(struct web_req *r)
{
    static const char *const fields[] = {"category", "app_purpose", "validator",
                                         NULL};
    const char *cat = NULL, *pur = NULL, *val = NULL;
    struct name nm;
    struct account a;
    struct domchange_who who;
    struct domchange_result res;
    struct rm_err e;
    json_t *b;
    int rc = target(r, &nm, &a, &who);
    if (rc || (rc = api_body(r, &b)))
        return rc;
    if ((rc = api_only_fields(r, b, fields)) ||
        (rc = api_get_str(r, b, "category", true, 1, 8, &cat, NULL)) ||
        (rc = api_get_str(r, b, "app_purpose", true, 1, 8, &pur, NULL)) ||
        (rc = api_get_str(r, b, "validator", false, 0, 8, &val, NULL))) {
        json_decref(b);
        return rc;
    }
    ERR_INIT(e);
    rc = domchange_nexus(api_app(r), &who, nm.ascii, cat, pur, val, &res, &e);
    json_decref(b);
    if (rc < 0)
        return core_fail(r, rc, &e, NULL);
    return reply_change(r, &res);
}

static int get_privacy(struct web_req *r)
{
    struct name nm;
    struct account a;
    struct domchange_who who;
    struct domchange_privacy_view v;
    struct rm_err e;
    int rc = target(r, &nm, &a, &who);
    if (rc)
        return rc;
    ERR_INIT(e);
    if ((rc = domchange_privacy_read(api_app(r), &who, nm.ascii, &v, &e)) < 0)
        return core_fail(r, rc, &e, NULL);
    json_t *j = json_pack("{s:s, s:b, s:s}", "domain", v.domain, "privacy",
                          (int)v.on, "state", v.state);
    json_object_set_new(j, "offered",
                        v.offered ? json_boolean(v.offered > 0) : json_null());
    /* the yearly price charged when it is turned on; null: free */
    json_object_set_new(j, "price",
                        v.price == TLD_NOPRICE
                            ? json_null()
                            : present_money(PRESENT_API, v.price));
    return web_reply_json(r, 200, j);
}

static int put_privacy(struct web_req *r)
{
    static const char *const fields[] = {"privacy", NULL};
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
        rc = api_get_bool(r, b, "privacy", true, &on, NULL);
    json_decref(b);
    if (rc)
        return rc;
    ERR_INIT(e);
    if ((rc = domchange_privacy(api_app(r), &who, nm.ascii, on, &res, &e)) <
        0) {
        /* a customer short of funds reads what to do, as for orders
         * (api_domains.c refused_reply), not the ledger's figures */
        if (rc == RM_EREFUSED && who.account &&
            strncmp(e.msg, "insufficient funds", 18) == 0)
            return api_error(r, 409, API_EREFUSED, NULL,
                             "Your balance is too low for WHOIS privacy. Add "
                             "funds to your account first, then turn it on "
                             "again. Nothing was charged.");
        return core_fail(r, rc, &e, "privacy");
    }
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

/* --- child nameservers ---------------------------------------------------- */

/* host_json - one child nameserver as listed. */
static json_t *host_json(const struct reg_host_info *h)
{
    json_t *j = json_object();
    json_object_set_new(j, "name", json_string(h->name));
    json_object_set_new(j, "ipv4", json_string(h->ipv4));
    json_object_set_new(j, "ipv6", json_string(h->ipv6));
    json_object_set_new(j, "in_use", json_boolean(!h->can_delete));
    return j;
}

static int get_hosts(struct web_req *r)
{
    struct name nm;
    struct account a;
    struct domchange_who who;
    struct reg_hosts hs;
    struct rm_err e;
    int rc = target(r, &nm, &a, &who);
    if (rc)
        return rc;
    ERR_INIT(e);
    if ((rc = domchange_hosts(api_app(r), &who, nm.ascii, &hs, &e)) < 0)
        return core_fail(r, rc, &e, NULL);
    json_t *items = json_array();
    for (size_t i = 0; i < hs.n; i++)
        json_array_append_new(items, host_json(&hs.items[i]));
    reg_hosts_release(&hs);
    return web_reply_json(
        r, 200, json_pack("{s:s, s:o}", "domain", nm.ascii, "hosts", items));
}

/* host_check - 400 on field unless host is a host name under domain (as
 * core checks it, so the reply names the field that is wrong). */
static int host_check(struct web_req *r, const char *field, const char *host,
                      const char *domain)
{
    struct name h;
    struct rm_err e;
    size_t hl, dl = strlen(domain);

    ERR_INIT(e);
    if (strlen(host) > NAME_MAX_INPUT || name_parse(host, &h, &e) < 0)
        return api_error(r, 400, API_EINVALID, field, "%s: not a host name",
                         field);
    hl = strlen(h.ascii);
    if (hl <= dl + 1 || h.ascii[hl - dl - 1] != '.' ||
        strcmp(h.ascii + hl - dl, domain) != 0)
        return api_error(r, 400, API_EINVALID, field,
                         "%s: a child nameserver of %s is a name under it "
                         "(ns1.%s)",
                         field, domain, domain);
    return 0;
}

/* host_addrs - the body's ipv4 and ipv6 (each optional, at least one)
 * into ip[0..*nip-1]; 400 naming the field otherwise. */
static int host_addrs(struct web_req *r, json_t *b, const char *ip[2],
                      size_t *nip)
{
    static const char *const keys[2] = {"ipv4", "ipv6"};
    static const int af[2] = {AF_INET, AF_INET6};
    unsigned char bin[16];
    int rc;

    *nip = 0;
    for (int k = 0; k < 2; k++) {
        const char *v = NULL;
        bool present = false;
        if ((rc = api_get_str(r, b, keys[k], false, 1, REG_IP_MAX - 1, &v,
                              &present)))
            return rc;
        if (!present)
            continue;
        if (inet_pton(af[k], v, bin) != 1)
            return api_error(r, 400, API_EINVALID, keys[k],
                             "%s: not an %s address", keys[k],
                             k == 0 ? "IPv4" : "IPv6");
        ip[(*nip)++] = v;
    }
    if (*nip == 0)
        return api_error(r, 400, API_EMISSING, "ipv4",
                         "a child nameserver needs ipv4, ipv6 or both");
    return 0;
}

/* POST .../hosts {"name", "ipv4"?, "ipv6"?} - a new child nameserver. */
static int post_host(struct web_req *r)
{
    static const char *const fields[] = {"name", "ipv4", "ipv6", NULL};
    const char *ip[2], *host = NULL;
    size_t nip = 0;
    struct name nm;
    struct account a;
    struct domchange_who who;
    struct domchange_result res;
    struct rm_err e;
    json_t *b;
    int rc = target(r, &nm, &a, &who);
    if (rc || (rc = api_body(r, &b)))
        return rc;
    if ((rc = api_only_fields(r, b, fields)) ||
        (rc =
             api_get_str(r, b, "name", true, 1, NAME_MAX_INPUT, &host, NULL)) ||
        (rc = host_check(r, "name", host, nm.ascii)) ||
        (rc = host_addrs(r, b, ip, &nip)))
        goto out;
    ERR_INIT(e);
    rc =
        domchange_host_add(api_app(r), &who, nm.ascii, host, ip, nip, &res, &e);
    rc = rc < 0 ? core_fail(r, rc, &e, "name") : reply_change(r, &res);
out:
    json_decref(b);
    return rc;
}

/* PUT .../hosts/{host} {"ipv4"?, "ipv6"?, "rename"?} - its addresses
 * replaced, and renamed with rename. */
static int put_host(struct web_req *r)
{
    static const char *const fields[] = {"ipv4", "ipv6", "rename", NULL};
    const char *ip[2], *rename = NULL, *host = web_param(r, "host");
    size_t nip = 0;
    struct name nm;
    struct account a;
    struct domchange_who who;
    struct domchange_result res;
    struct rm_err e;
    json_t *b;
    int rc = target(r, &nm, &a, &who);
    if (rc || (rc = api_body(r, &b)))
        return rc;
    if ((rc = api_only_fields(r, b, fields)) ||
        (rc = host_check(r, "host", host ? host : "", nm.ascii)) ||
        (rc = api_get_str(r, b, "rename", false, 1, NAME_MAX_INPUT, &rename,
                          NULL)) ||
        (rename && (rc = host_check(r, "rename", rename, nm.ascii))) ||
        (rc = host_addrs(r, b, ip, &nip)))
        goto out;
    ERR_INIT(e);
    rc = domchange_host_set(api_app(r), &who, nm.ascii, host, ip, nip, rename,
                            &res, &e);
    rc = rc < 0 ? core_fail(r, rc, &e, "host") : reply_change(r, &res);
out:
    json_decref(b);
    return rc;
}

/* DELETE .../hosts/{host} - the host deleted; one still in use is refused
 * by the registry (409 with the change). */
static int delete_host(struct web_req *r)
{
    const char *host = web_param(r, "host");
    struct name nm;
    struct account a;
    struct domchange_who who;
    struct domchange_result res;
    struct rm_err e;
    int rc = target(r, &nm, &a, &who);
    if (rc || (rc = host_check(r, "host", host ? host : "", nm.ascii)))
        return rc;
    ERR_INIT(e);
    if ((rc = domchange_host_rm(api_app(r), &who, nm.ascii, host, &res, &e)) <
        0)
        return core_fail(r, rc, &e, "host");
    return reply_change(r, &res);
}

/* --- contacts ---------------------------------------------------------------
 */

static const char *const contact_types[] = {"owner", "admin", "billing",
                                            "tech"};

static int get_contacts(struct web_req *r)
{
    struct name nm;
    struct account a;
    struct domchange_who who;
    struct reg_contacts c;
    struct rm_err e;
    int rc = target(r, &nm, &a, &who);
    if (rc)
        return rc;
    ERR_INIT(e);
    if ((rc = domchange_contacts_read(api_app(r), &who, nm.ascii, &c, &e)) < 0)
        return core_fail(r, rc, &e, NULL);
    const struct reg_contact_info *v[4] = {&c.owner, &c.admin, &c.billing,
                                           &c.tech};
    const bool has[4] = {c.has_owner, c.has_admin, c.has_billing, c.has_tech};
    json_t *j = json_pack("{s:s}", "domain", nm.ascii);
    for (int k = 0; k < 4; k++)
        json_object_set_new(j, contact_types[k],
                            has[k] ? present_reg_contact(v[k]) : json_null());
    return web_reply_json(r, 200, j);
}

/* contact_field - the "contact.FIELD" a core message about a contact
 * names (the field found first in it), else "contact". */
static void contact_field(const char *msg, char *out, size_t size)
{
    const char *best = NULL, *at = NULL;

    for (size_t i = 0; contact_field_names[i]; i++) {
        size_t n = strlen(contact_field_names[i]);
        for (const char *p = strstr(msg, contact_field_names[i]); p;
             p = strstr(p + 1, contact_field_names[i])) {
            bool start =
                p == msg || !(p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z') ||
                              (p[-1] >= '0' && p[-1] <= '9'));
            bool end = !(p[n] == '_' || (p[n] >= 'a' && p[n] <= 'z') ||
                         (p[n] >= '0' && p[n] <= '9'));
            if (start && end) {
                if (!at || p < at) {
                    at = p;
                    best = contact_field_names[i];
                }
                break;
            }
        }
    }
    if (best)
        snprintf(out, size, "contact.%s", best);
    else
        snprintf(out, size, "contact");
}

/* contacts_fail - a core contacts call that recorded nothing: bad
 * values name their field, the rest as core_fail. */
static int contacts_fail(struct web_req *r, int rc, const struct rm_err *e)
{
    char field[64];
    if (rc != RM_EINVAL)
        return core_fail(r, rc, e, NULL);
    contact_field(e->msg, field, sizeof field);
    return api_error(r, 400, API_EINVALID, field, "%s", e->msg);
}

/* the domains of "all_domains", collected first */
struct sibling_list {
    char (*names)[NAME_MAX_ASCII + 1];
    size_t n, cap;
    const char *first; /* the path's domain: changed first */
    bool oom;
};

static int sibling_add(const char *domain, void *arg)
{
    struct sibling_list *l = arg;
    if (strcmp(domain, l->first) == 0)
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        void *p = realloc(l->names, cap * sizeof l->names[0]);
        if (!p) {
            l->oom = true;
            return 1;
        }
        l->names = p;
        l->cap = cap;
    }
    snprintf(l->names[l->n++], sizeof l->names[0], "%s", domain);
    return 0;
}

/* put_contacts_all - values to every active or expired domain of the
 * account holding the path's domain (that one first): 200 with each
 * change and the counts. A first domain refusing the values as bad is
 * 400 with nothing recorded. */
static int put_contacts_all(struct web_req *r, const struct domchange_who *who,
                            const char *name, const char *type,
                            const char *const *values)
{
    struct sibling_list l = {NULL, 0, 0, name, false};
    struct rm_err e;
    int ok = 0, failed = 0, unknown = 0;
    int rc;

    ERR_INIT(e);
    rc = domchange_siblings(api_app(r), who, name, sibling_add, &l, &e);
    if (rc >= 0 && l.oom) {
        free(l.names);
        return api_error(r, 500, API_EINTERNAL, NULL, "out of memory");
    }
    if (rc < 0) {
        free(l.names);
        return core_fail(r, rc, &e, NULL);
    }
    json_t *arr = json_array();
    for (size_t i = 0; i <= l.n; i++) {
        const char *d = i == 0 ? name : l.names[i - 1];
        struct domchange_result res;
        ERR_INIT(e);
        rc = domchange_contacts(api_app(r), who, d, type, values, &res, &e);
        if (rc < 0 && i == 0) {
            /* nothing recorded yet: as the single change answers */
            json_decref(arr);
            free(l.names);
            return contacts_fail(r, rc, &e);
        }
        int o = rc < 0 ? RM_EREFUSED : domchange_outcome(&res);
        if (o == 0)
            ok++;
        else if (o == RM_EREFUSED)
            failed++;
        else
            unknown++;
        json_t *j = json_object();
        json_object_set_new(j, "domain", json_string(rc < 0 ? d : res.domain));
        json_object_set_new(j, "change",
                            rc < 0 ? json_null() : json_integer(res.id));
        json_object_set_new(j, "state",
                            json_string(rc < 0 ? "failed" : res.state));
        json_object_set_new(j, "answer",
                            json_string(rc < 0 ? e.msg : res.answer));
        json_array_append_new(arr, j);
    }
    free(l.names);
    return web_reply_json(r, 200,
                          json_pack("{s:o, s:i, s:i, s:i}", "changes", arr,
                                    "succeeded", ok, "failed", failed,
                                    "unknown", unknown));
}

/* PUT .../contacts {"type"?, "contact": {field: value}, "all_domains"?} */
static int put_contacts(struct web_req *r)
{
    static const char *const fields[] = {"type", "contact", "all_domains",
                                         NULL};
    const char *values[CONTACT_FIELDS] = {NULL};
    const char *type = NULL, *key;
    bool all = false;
    struct name nm;
    struct account a;
    struct domchange_who who;
    struct domchange_result res;
    struct rm_err e;
    json_t *b, *cv, *v;
    int rc = target(r, &nm, &a, &who);
    if (rc || (rc = api_body(r, &b)))
        return rc;
    if ((rc = api_only_fields(r, b, fields)) ||
        (rc = api_get_str(r, b, "type", false, 1, 16, &type, NULL)) ||
        (rc = api_get_bool(r, b, "all_domains", false, &all, NULL)))
        goto out;
    if (type && strcmp(type, "owner") && strcmp(type, "admin") &&
        strcmp(type, "billing") && strcmp(type, "tech")) {
        rc = api_error(r, 400, API_EINVALID, "type",
                       "type: owner, admin, billing or tech");
        goto out;
    }
    cv = json_object_get(b, "contact");
    if (!cv || json_is_null(cv)) {
        rc = api_error(r, 400, API_EMISSING, "contact", "contact is required");
        goto out;
    }
    if (!json_is_object(cv) || json_object_size(cv) == 0) {
        rc = api_error(r, 400,
                       json_is_object(cv) ? API_EMISSING : API_EWRONG_TYPE,
                       "contact", "contact: an object of the fields to change");
        goto out;
    }
    json_object_foreach(cv, key, v)
    {
        char field[64];
        size_t i;
        for (i = 0; contact_field_names[i]; i++)
            if (strcmp(key, contact_field_names[i]) == 0)
                break;
        snprintf(field, sizeof field, "contact.%.48s", key);
        if (!contact_field_names[i] || i >= CONTACT_FIELDS) {
            rc = api_error(r, 400, API_EUNKNOWN, field, "%s: no such field",
                           field);
            goto out;
        }
        if (!json_is_string(v) ||
            strlen(json_string_value(v)) != json_string_length(v)) {
            rc = api_error(r, 400, API_EWRONG_TYPE, field, "%s: a string",
                           field);
            goto out;
        }
        values[i] = json_string_value(v);
    }
    if (all) {
        rc = put_contacts_all(r, &who, nm.ascii, type, values);
        goto out;
    }
    ERR_INIT(e);
    rc = domchange_contacts(api_app(r), &who, nm.ascii, type, values, &res, &e);
    rc = rc < 0 ? contacts_fail(r, rc, &e) : reply_change(r, &res);
out:
    json_decref(b);
    return rc;
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
    {"GET", "/api/v1/domains/{name}/privacy", get_privacy, WEB_LOGIN},
    {"PUT", "/api/v1/domains/{name}/privacy", put_privacy, WEB_LOGIN},
    {"GET", "/api/v1/domains/{name}/auth-code", get_auth_code, WEB_LOGIN},
    {"POST", "/api/v1/domains/{name}/auth-code/reset", post_auth_reset,
     WEB_LOGIN},
    {"POST", "/api/v1/domains/{name}/auth-code/send", post_auth_send,
     WEB_LOGIN},
    {"GET", "/api/v1/domains/{name}/hosts", get_hosts, WEB_LOGIN},
    {"POST", "/api/v1/domains/{name}/hosts", post_host, WEB_LOGIN},
    {"PUT", "/api/v1/domains/{name}/hosts/{host}", put_host, WEB_LOGIN},
    {"DELETE", "/api/v1/domains/{name}/hosts/{host}", delete_host, WEB_LOGIN},
    {"GET", "/api/v1/domains/{name}/contacts", get_contacts, WEB_LOGIN},
    {"PUT", "/api/v1/domains/{name}/nexus", put_nexus, WEB_LOGIN},
    {"PUT", "/api/v1/domains/{name}/contacts", put_contacts, WEB_LOGIN},
    {"GET", "/api/v1/domains/{name}/changes", list_changes, WEB_LOGIN},
};

const struct web_route *api_manage_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
