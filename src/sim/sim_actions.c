/*
 * sim_actions - what the XCP action handlers share (replies, request
 * attributes, domain names, name servers at the "registry", paging) and
 * sim_act's dispatch to them; the handlers are in sim_act_*.c by family
 * (see sim_actions.h).
 */
#include "sim/sim_actions.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/sim_actions_int.h"

/* --- replies -------------------------------------------------------------- */

struct xcp_value *sim_error_reply(const char *object, int code,
                                  const char *text)
{
    return xcp_response_new(object && *object ? object : "DOMAIN", false, code,
                            text, NULL);
}

struct xcp_value *act_reply(struct ctx *c, bool ok, int code,
                            struct xcp_value *attrs, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    return xcp_response_new(c->object, ok, code, text, attrs);
}

struct xcp_value *act_fail(struct ctx *c, int code, const char *text)
{
    return act_reply(c, false, code, NULL, "%s", text);
}

/* act_fail_field - 460/465 with attributes.error naming the problem, the way
 * the real server reports contact and field errors. */
struct xcp_value *act_fail_field(struct ctx *c, int code, const char *text,
                                 const char *error)
{
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "error", error);
    return act_reply(c, false, code, a, "%s", text);
}

/* --- request attributes --------------------------------------------------- */

const struct xcp_value *act_attr(struct ctx *c, const char *key)
{
    return c->req->attrs ? xcp_assoc_get(c->req->attrs, key) : NULL;
}

const char *act_astr(struct ctx *c, const char *key)
{
    const struct xcp_value *v = act_attr(c, key);
    return v ? xcp_str(v) : NULL;
}

/* act_aint - integer attribute; def when absent or empty; -1 marks garbage
 * through *bad. */
int64_t act_aint(struct ctx *c, const char *key, int64_t def, bool *bad)
{
    const char *s = act_astr(c, key);
    if (!s || !*s)
        return def;
    char *end;
    long long v = strtoll(s, &end, 10);
    while (*end == ' ')
        end++;
    if (*end || end == s) {
        if (bad)
            *bad = true;
        return def;
    }
    return v;
}

bool act_aflag(struct ctx *c, const char *key)
{
    const char *s = act_astr(c, key);
    return s && (strcmp(s, "1") == 0 || strcasecmp(s, "Y") == 0 ||
                 strcasecmp(s, "true") == 0);
}

bool sim_norm_domain(const char *s, char *out, size_t n)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t len = strlen(s);
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    if (len == 0 || len >= n)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (isspace(ch))
            return false;
        out[i] = (char)tolower(ch);
    }
    out[len] = '\0';
    return true;
}

bool sim_domain_syntax_ok(const char *name)
{
    size_t len = strlen(name);
    if (len < 3 || len > 253)
        return false;
    int labels = 0;
    const char *p = name;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);
        if (l == 0 || l > 63 || p[0] == '-' || p[l - 1] == '-')
            return false;
        for (size_t i = 0; i < l; i++) {
            unsigned char ch = (unsigned char)p[i];
            if (!(islower(ch) || isdigit(ch) || ch == '-'))
                return false;
        }
        labels++;
        if (!dot)
            break;
        p = dot + 1;
        if (!*p)
            return false; /* trailing dot */
    }
    return labels >= 2;
}

/* act_want_domain - the request's domain, normalised and checked; on failure
 * *err_reply holds the answer (465 as the real server gives). */
bool act_want_domain(struct ctx *c, char out[MAX_NAME],
                     struct xcp_value **err_reply)
{
    const char *d = act_astr(c, "domain");
    /* WHMCS-style requests name it domain_name (opensrs-manage.md §1.1) */
    if (!d || !*d)
        d = act_astr(c, "domain_name");
    if (!d || !*d) {
        *err_reply = act_fail_field(c, 460, "Missing required field: domain",
                                    "domain is required");
        return false;
    }
    if (!sim_norm_domain(d, out, MAX_NAME) || !sim_domain_syntax_ok(out)) {
        *err_reply = act_fail(c, 465, "Invalid domain syntax");
        return false;
    }
    if (!sim_tld(c->sim, out)) {
        *err_reply =
            act_fail(c, 465, "Invalid domain syntax: TLD not supported");
        return false;
    }
    return true;
}

/* act_target_domain - the reseller's domain a request works on: by
 * cookie (top level) or by attributes.domain / domain_name; NULL with
 * *err set (415 bad cookie, 465 bad name, 480 not the reseller's). */
json_t *act_target_domain(struct ctx *c, char name[MAX_NAME],
                          struct xcp_value **err)
{
    if (c->req->cookie && *c->req->cookie) {
        json_t *ck = json_object_get(json_object_get(c->sim->state, "cookies"),
                                     c->req->cookie);
        if (!ck || sim_jint(ck, "expires", 0) < c->now) {
            *err = act_fail(c, 415, "Authentication Error: invalid cookie");
            return NULL;
        }
        snprintf(name, MAX_NAME, "%s", sim_jstr(ck, "domain", ""));
    } else if (!act_want_domain(c, name, err)) {
        return NULL;
    }
    json_t *d = sim_domain(c->sim, name);
    if (!act_registered_ours(c->sim, d, c->user)) {
        *err = act_fail(c, 480, "Domain not found");
        return NULL;
    }
    return d;
}

void act_add_time(struct xcp_value *a, const char *key, int64_t t)
{
    char buf[20];
    sim_fmt_time(t, buf);
    xcp_assoc_set_str(a, key, buf);
}

void act_add_money(struct xcp_value *a, const char *key, int64_t cents)
{
    char buf[32];
    sim_fmt_money(cents, buf);
    xcp_assoc_set_str(a, key, buf);
}

bool act_privacy_offered(struct sim *sim, const char *domain)
{
    const char *tld = sim_tld(sim, domain);
    return tld && !sim_in_list(sim->cfg.no_privacy_tlds, tld);
}

bool act_owned_by(const json_t *d, const char *user)
{
    return d && strcmp(sim_jstr(d, "owner", ""), user) == 0;
}

/* act_registered_ours - the reseller's and complete (not an async entry
 * for a new registration). */
bool act_registered_ours(struct sim *sim, const json_t *d, const char *user)
{
    if (!act_owned_by(d, user))
        return false;
    json_t *w = json_object_get(d, "waiting_order");
    if (!w)
        return true;
    const json_t *o = sim_order_peek(sim, json_integer_value(w));
    return !(o && strcmp(sim_jstr(o, "reg_type", ""), "new") == 0);
}

const char *act_admin_email(const json_t *contact_set)
{
    const json_t *admin = json_object_get(contact_set, "admin");
    const char *e = sim_jstr(admin, "email", "");
    if (!*e)
        e = sim_jstr(json_object_get(contact_set, "owner"), "email", "");
    return e;
}

/* act_page_args - "limit" (default 40, and 40 when outside 1..max) and "page"
 * (at least 1); false when either is not an integer. */
bool act_page_args(struct ctx *c, int64_t max, int64_t *limit, int64_t *page)
{
    bool bad = false;
    *limit = act_aint(c, "limit", 40, &bad);
    *page = act_aint(c, "page", 1, &bad);
    if (*limit < 1 || *limit > max)
        *limit = 40;
    if (*page < 1)
        *page = 1;
    return !bad;
}

/* --- nameservers at the "registry" ---------------------------------------- */

/*
 * Which hosts the registry knows (act_host_known), first rule that applies:
 *   1. a child host created with CREATE NAMESERVER (state "hosts"): known;
 *   2. a host marked through REGISTRY_ADD_NS or the control API (state
 *      "registry_hosts", name → 1 known / 0 unknown): as marked;
 *   3. a host under one of the resellers' own domains (a domain of the
 *      state whose owner is not "other"): unknown until created;
 *   4. any other valid host name whose TLD is in the price list (e.g.
 *      ns1.example.net): known; anything else (ns1.example.invalid) is not.
 * Rule 4 keeps the external name servers tests register with working; 3
 * and 1 model child hosts; 2 lets a test make an external host unknown.
 */
const char *act_host_parent(struct sim *sim, const char *host)
{
    json_t *domains = json_object_get(sim->state, "domains");
    for (const char *p = strchr(host, '.'); p; p = strchr(p + 1, '.')) {
        json_t *d = json_object_get(domains, p + 1);
        if (d && strcmp(sim_jstr(d, "owner", "other"), "other") != 0)
            return p + 1;
    }
    return NULL;
}

bool act_host_known(struct sim *sim, const char *host)
{
    char n[MAX_NAME];
    if (!sim_norm_domain(host, n, sizeof(n)) || !sim_domain_syntax_ok(n))
        return false;
    if (json_object_get(json_object_get(sim->state, "hosts"), n))
        return true;
    json_t *mark =
        json_object_get(json_object_get(sim->state, "registry_hosts"), n);
    if (mark)
        return json_integer_value(mark) != 0;
    if (act_host_parent(sim, n))
        return false;
    return sim_tld(sim, n) != NULL;
}

/* act_collect_ns - names of a nameserver_list ([{name, sortorder}] or plain
 * names) into a JSON array; NULL + *bad on a malformed entry. */
json_t *act_collect_ns(const struct xcp_value *list, char *bad, size_t badn)
{
    json_t *out = json_array();
    if (!list)
        return out;
    if (xcp_type(list) != XCP_ARRAY) {
        snprintf(bad, badn, "nameserver list must be an array");
        json_decref(out);
        return NULL;
    }
    for (size_t i = 0; i < xcp_len(list) && i < 13; i++) {
        const struct xcp_value *e = xcp_array_get(list, i);
        const char *name = NULL;
        if (xcp_type(e) == XCP_SCALAR)
            name = xcp_str(e);
        else if (xcp_type(e) == XCP_ASSOC)
            name = xcp_path_str(e, "name");
        char n[MAX_NAME];
        if (!name || !sim_norm_domain(name, n, sizeof(n))) {
            snprintf(bad, badn, "nameserver %zu has no valid name", i + 1);
            json_decref(out);
            return NULL;
        }
        json_array_append_new(out, json_string(n));
    }
    return out;
}

const char *act_first_unknown_ns(struct sim *sim, const json_t *ns)
{
    size_t i;
    json_t *v;
    json_array_foreach(ns, i, v)
    {
        if (!act_host_known(sim, json_string_value(v)))
            return json_string_value(v);
    }
    return NULL;
}

/* act_unknown_ns_reply - the 435 for the first name server of ns the registry
 * does not know (ns is then released), or NULL when it knows them all. */
struct xcp_value *act_unknown_ns_reply(struct ctx *c, json_t *ns)
{
    const char *unknown = act_first_unknown_ns(c->sim, ns);
    if (!unknown)
        return NULL;
    struct xcp_value *r =
        act_reply(c, false, 435, NULL,
                  "Name server '%s' is not found at the registry", unknown);
    json_decref(ns);
    return r;
}

/* --- dispatch ------------------------------------------------------------- */

struct action {
    const char *action;
    const char *object; /* NULL = any object */
    struct xcp_value *(*fn)(struct ctx *c);
};

/* The real server appears to ignore the object for most actions
 * (opensrs-xcp.md §1.7), so only the verbs shared by several objects
 * (GET, SET, DELETE, POLL, ACK, CANCEL, and CREATE/MODIFY for NAMESERVER)
 * look at it; the first matching row answers. */
static const struct action actions[] = {
    {"LOOKUP", NULL, act_lookup},
    {"NAME_SUGGEST", NULL, act_name_suggest},
    {"SW_REGISTER", NULL, act_sw_register},
    {"RENEW", NULL, act_renew},
    {"CHECK_TRANSFER", NULL, act_check_transfer},
    {"GET_TRANSFERS_IN", NULL, act_get_transfers_in},
    {"CANCEL_TRANSFER", NULL, act_cancel_transfer},
    {"GET_ORDER_INFO", NULL, act_get_order_info},
    {"QUERY_QUEUED_REQUEST", NULL, act_query_queued},
    {"PROCESS_PENDING", NULL, act_process_pending},
    {"CANCEL_PENDING_ORDERS", NULL, act_cancel_pending_orders},
    {"BELONGS_TO_RSP", NULL, act_belongs_to_rsp},
    {"GET_DOMAINS_BY_EXPIREDATE", NULL, act_get_by_expiredate},
    {"GET_BALANCE", NULL, act_get_balance},
    {"GET_PRICE", NULL, act_get_price},
    {"CREATE", "NAMESERVER", act_ns_create},
    {"MODIFY", "NAMESERVER", act_ns_modify},
    {"DELETE", "NAMESERVER", act_ns_delete},
    {"GET", "NAMESERVER", act_ns_get},
    {"REGISTRY_CHECK_NAMESERVER", NULL, act_registry_check_ns},
    {"REGISTRY_ADD_NS", NULL, act_registry_add_ns},
    {"UPDATE_CONTACTS", NULL, act_update_contacts},
    {"UPDATE_ALL_INFO", NULL, act_update_all_info},
    {"SEND_AUTHCODE", NULL, act_send_authcode},
    {"GET_DOMAINS_CONTACTS", NULL, act_get_domains_contacts},
    {"GET_ORDERS_BY_DOMAIN", NULL, act_get_orders_by_domain},
    {"GET_TRANSFERS_AWAY", NULL, act_get_transfers_away},
    {"MODIFY", NULL, act_modify},
    {"ADVANCED_UPDATE_NAMESERVERS", NULL, act_adv_update_ns},
    {"REVOKE", NULL, act_revoke},
    {"REDEEM", NULL, act_redeem},
    {"SET", "COOKIE", act_set_cookie},
    {"DELETE", "COOKIE", act_delete_cookie},
    {"GET", "DOMAIN", act_get_domain},
    {"GET", "", act_get_domain},
    {"POLL", "EVENT", act_poll_event},
    {"ACK", "EVENT", act_ack_event},
};

struct xcp_value *sim_act(struct sim *sim, const char *user,
                          const struct xcp_request *req,
                          const struct sim_mode *mode)
{
    static const struct sim_mode none = {SIM_FAULT_NONE, -1};
    struct ctx c = {
        .sim = sim,
        .user = user,
        .req = req,
        .mode = mode ? mode : &none,
        .object = req->object[0] ? req->object : "DOMAIN",
    };
    c.now = sim_now(sim);
    if (req->attrs && xcp_type(req->attrs) != XCP_ASSOC)
        return act_fail(&c, 400, "attributes must be an associative array");
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
        if (strcmp(actions[i].action, req->action) != 0)
            continue;
        if (actions[i].object && strcmp(actions[i].object, req->object) != 0)
            continue;
        return actions[i].fn(&c);
    }
    return act_unknown(&c);
}

/* act_unknown - what OpenSRS answers to a command it does not know: 400
 * "Invalid Command: X" rather than 430, the text form being what the
 * response-code sources quote (opensrs-xcp.md §7). The sim answers the
 * same to every action, object, MODIFY data and GET type it does not
 * model, never a 46x that would tell the client its request was wrong. */
struct xcp_value *act_unknown(struct ctx *c)
{
    return act_reply(c, false, 400, NULL, "Invalid Command: %s",
                     c->req->action);
}
