/*
 * sim_act_domain - a registered domain's data: GET DOMAIN,
 * GET_DOMAINS_BY_EXPIREDATE, MODIFY, ADVANCED_UPDATE_NAMESERVERS, REVOKE
 * (see sim_actions.h).
 */
#include "sim/sim_actions.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/sim_actions_int.h"
#include "util/xalloc.h"

/* ns_list_value - d's delegation as nameserver_list: {name, ipaddress
 * (the first IPv4 of a child host the sim holds, empty for other hosts),
 * sortorder}. */
static struct xcp_value *ns_list_value(struct sim *sim, const json_t *d)
{
    json_t *hosts = json_object_get(sim->state, "hosts");
    struct xcp_value *arr = xcp_array_new();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(d, "nameservers"), i, v)
    {
        struct xcp_value *e = xcp_assoc_new();
        xcp_assoc_set_str(e, "name", json_string_value(v));
        json_t *v4 = json_object_get(
            json_object_get(hosts, json_string_value(v)), "ipaddress");
        xcp_assoc_set_str(e, "ipaddress",
                          json_array_size(v4)
                              ? json_string_value(json_array_get(v4, 0))
                              : "");
        xcp_assoc_set_int(e, "sortorder", (int64_t)i + 1);
        xcp_array_push(arr, e);
    }
    return arr;
}

/* add_phase - the sim's own lifecycle fields (opensrs-sim.1, "Registry
 * lifecycle"): OpenSRS names no phase in any GET reply. */
static void add_phase(struct ctx *c, const char *name, const json_t *d,
                      struct xcp_value *a)
{
    struct sim_dates x;
    enum sim_phase p = sim_domain_phase(c->sim, name, d, c->now, &x);
    xcp_assoc_set_str(a, "lifecycle_phase", sim_phase_name(p));
    act_add_time(a, "grace_end_date", x.grace_end);
    act_add_time(a, "redemption_end_date", x.redemption_end);
    act_add_time(a, "delete_date", x.delete_at);
}

struct xcp_value *act_get_domain(struct ctx *c)
{
    const char *type = act_astr(c, "type");
    if (!type || !*type)
        return act_fail_field(c, 460, "Missing required field", "type");
    char name[MAX_NAME];
    struct xcp_value *err;
    if (strcasecmp(type, "list") == 0) {
        const char *profile = NULL;
        if (c->req->cookie && *c->req->cookie) {
            json_t *ck = json_object_get(
                json_object_get(c->sim->state, "cookies"), c->req->cookie);
            if (!ck || sim_jint(ck, "expires", 0) < c->now)
                return act_fail(c, 415, "Authentication Error: invalid cookie");
            profile = sim_jstr(ck, "reg_username", "");
        }
        /* not-a-number paging falls back to the defaults here */
        int64_t limit, page;
        (void)act_page_args(c, 1000, &limit, &page);
        struct xcp_value *arr = xcp_array_new();
        int64_t total = 0;
        const char *key;
        json_t *d;
        json_object_foreach(json_object_get(c->sim->state, "domains"), key, d)
        {
            if (!act_registered_ours(c->sim, d, c->user))
                continue;
            if (profile && strcmp(sim_jstr(d, "reg_username", ""), profile))
                continue;
            total++;
            if (total <= (page - 1) * limit || (int64_t)xcp_len(arr) >= limit)
                continue;
            struct xcp_value *e = xcp_assoc_new();
            xcp_assoc_set_str(e, "name", key);
            act_add_time(e, "expiredate", sim_jint(d, "expiry", 0));
            xcp_array_push(arr, e);
        }
        struct xcp_value *a = xcp_assoc_new();
        xcp_assoc_set(a, "domain_list", arr);
        xcp_assoc_set_int(a, "page", page);
        xcp_assoc_set_int(a, "total", total);
        xcp_assoc_set_int(a, "remainder", page * limit < total ? 1 : 0);
        return act_reply(c, true, 200, a, "Query Successful");
    }
    json_t *d = act_target_domain(c, name, &err);
    if (!d)
        return err;
    struct xcp_value *a = xcp_assoc_new();
    if (strcasecmp(type, "all_info") == 0) {
        xcp_assoc_set_int(a, "auto_renew", sim_jint(d, "auto_renew", 0));
        xcp_assoc_set_int(a, "let_expire", sim_jint(d, "let_expire", 0));
        act_add_time(a, "expiredate", sim_jint(d, "expiry", 0));
        act_add_time(a, "registry_createdate", sim_jint(d, "created", 0));
        act_add_time(a, "registry_expiredate", sim_jint(d, "expiry", 0));
        act_add_time(a, "registry_updatedate", sim_jint(d, "updated", 0));
        xcp_assoc_set_int(a, "sponsoring_rsp", 1);
        xcp_assoc_set(a, "contact_set",
                      sim_json_to_xcp(json_object_get(d, "contact_set")));
        xcp_assoc_set(a, "nameserver_list", ns_list_value(c->sim, d));
        act_extras_get(d, type, a);
        add_phase(c, name, d, a);
    } else if (act_extras_get(d, type, a)) {
        /* nexus_info, tld_data */
    } else if (strcasecmp(type, "status") == 0) {
        xcp_assoc_set_int(a, "lock_state", sim_jint(d, "locked", 0));
        xcp_assoc_set_int(a, "can_modify", 1);
        xcp_assoc_set_str(a, "parkp_status", sim_jstr(d, "parkpage", "off"));
        struct xcp_value *sup = xcp_assoc_new();
        xcp_assoc_set_int(sup, "whois_privacy",
                          act_privacy_offered(c->sim, name) ? 1 : 0);
        xcp_assoc_set(a, "domain_supports", sup);
        xcp_assoc_set_int(a, "transfer_away_in_progress",
                          sim_away_pending(c->sim, name) ? 1 : 0);
        xcp_assoc_set_int(a, "auctionescrow", 0);
        add_phase(c, name, d, a);
        xcp_assoc_set_int(a, "restore_pending",
                          json_object_get(d, "restore_due") ? 1 : 0);
    } else if (strcasecmp(type, "whois_privacy_state") == 0) {
        /* a TLD without privacy always answers disabled (§2.4) */
        xcp_assoc_set_str(a, "state",
                          act_privacy_offered(c->sim, name)
                              ? sim_jstr(d, "privacy", "disabled")
                              : "disabled");
    } else if (strcasecmp(type, "nameservers") == 0) {
        xcp_assoc_set(a, "nameserver_list", ns_list_value(c->sim, d));
    } else if (strcasecmp(type, "expire_action") == 0 ||
               strcasecmp(type, "auto_renew_flag") == 0) {
        xcp_assoc_set_int(a, "auto_renew", sim_jint(d, "auto_renew", 0));
        xcp_assoc_set_int(a, "let_expire", sim_jint(d, "let_expire", 0));
    } else if (strcasecmp(type, "registry_dates") == 0) {
        act_add_time(a, "registry_createdate", sim_jint(d, "created", 0));
        act_add_time(a, "registry_expiredate", sim_jint(d, "expiry", 0));
        act_add_time(a, "registry_updatedate", sim_jint(d, "updated", 0));
    } else if (strcasecmp(type, "domain_auth_info") == 0) {
        xcp_assoc_set_str(a, "domain_auth_info", sim_jstr(d, "auth_info", ""));
    } else if (strcasecmp(type, "waiting_history") == 0) {
        struct xcp_value *arr = xcp_array_new();
        const char *key;
        json_t *o;
        json_object_foreach(json_object_get(c->sim->state, "orders"), key, o)
        {
            if (strcmp(sim_jstr(o, "domain", ""), name) != 0 ||
                strcmp(sim_jstr(o, "reseller", ""), c->user) != 0 ||
                !json_object_get(o, "due"))
                continue;
            struct xcp_value *e = xcp_assoc_new();
            xcp_assoc_set_str(e, "order_id", key);
            act_add_time(e, "request_date", sim_jint(o, "order_date", 0));
            xcp_assoc_set_str(e, "request_type", sim_jstr(o, "reg_type", ""));
            xcp_assoc_set_str(e, "status", sim_jstr(o, "status", ""));
            xcp_array_push(arr, e);
        }
        xcp_assoc_set(a, "asynch_requests", arr);
    } else if (strcasecmp(type, "owner") == 0 ||
               strcasecmp(type, "admin") == 0 ||
               strcasecmp(type, "billing") == 0 ||
               strcasecmp(type, "tech") == 0) {
        char lower[16];
        snprintf(lower, sizeof(lower), "%s", type);
        for (char *p = lower; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        struct xcp_value *cs = xcp_assoc_new();
        json_t *one = json_object_get(json_object_get(d, "contact_set"), lower);
        xcp_assoc_set(cs, lower, one ? sim_json_to_xcp(one) : xcp_assoc_new());
        xcp_assoc_set(a, "contact_set", cs);
    } else {
        /* a type the sim does not model (tld_data, dnssec, ...) */
        xcp_free(a);
        return act_unknown(c);
    }
    return act_reply(c, true, 200, a, "Query Successful");
}

static int cmp_expiry(const void *a, const void *b)
{
    json_t *const *x = a, *const *y = b;
    int64_t ex = sim_jint(json_object_get(*x, "d"), "expiry", 0);
    int64_t ey = sim_jint(json_object_get(*y, "d"), "expiry", 0);
    if (ex != ey)
        return (ex > ey) - (ex < ey);
    return strcmp(sim_jstr(*x, "name", ""), sim_jstr(*y, "name", ""));
}

struct xcp_value *act_get_by_expiredate(struct ctx *c)
{
    const char *from = act_astr(c, "exp_from"), *to = act_astr(c, "exp_to");
    if (!from || !*from || !to || !*to)
        return act_fail_field(c, 460, "Missing required field",
                              "exp_from and exp_to are required");
    int64_t f, t;
    if (sim_parse_time(from, &f) < 0 || sim_parse_time(to, &t) < 0)
        return act_fail_field(c, 465, "Invalid data",
                              "exp_from/exp_to must be YYYY-MM-DD");
    if (strlen(to) == 10)
        t += 86399; /* the whole last day */
    int64_t limit, page;
    if (!act_page_args(c, 1000, &limit, &page))
        return act_fail(c, 465, "Invalid data: expected integers");
    json_t *domains = json_object_get(c->sim->state, "domains");
    size_t n = 0;
    json_t **v = xmalloc((json_object_size(domains) + 1) * sizeof(*v));
    const char *key;
    json_t *d;
    json_object_foreach(domains, key, d)
    {
        int64_t e = sim_jint(d, "expiry", 0);
        if (!act_registered_ours(c->sim, d, c->user) || e < f || e > t)
            continue;
        json_t *w = json_object();
        json_object_set(w, "d", d);
        sim_jset_str(w, "name", key);
        v[n++] = w;
    }
    qsort(v, n, sizeof(*v), cmp_expiry);
    struct xcp_value *arr = xcp_array_new();
    for (size_t i = 0; i < n; i++) {
        if ((int64_t)i >= (page - 1) * limit && (int64_t)i < page * limit) {
            json_t *dd = json_object_get(v[i], "d");
            struct xcp_value *e = xcp_assoc_new();
            xcp_assoc_set_str(e, "name", sim_jstr(v[i], "name", ""));
            act_add_time(e, "expiredate", sim_jint(dd, "expiry", 0));
            xcp_assoc_set_str(e, "f_auto_renew",
                              sim_jint(dd, "auto_renew", 0) ? "Y" : "N");
            xcp_assoc_set_str(e, "f_let_expire",
                              sim_jint(dd, "let_expire", 0) ? "Y" : "N");
            xcp_array_push(arr, e);
        }
        json_decref(v[i]);
    }
    free(v);
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set(a, "exp_domains", arr);
    xcp_assoc_set_int(a, "page", page);
    xcp_assoc_set_int(a, "total", (int64_t)n);
    xcp_assoc_set_int(a, "remainder", page * limit < (int64_t)n ? 1 : 0);
    return act_reply(c, true, 200, a, "Command completed successfully");
}

/* set_nameservers - d's list becomes ns (stolen); a change of the list
 * is a DOMAIN NAMESERVER_UPDATE event, the same list again is not. */
static void set_nameservers(struct ctx *c, const char *name, json_t *d,
                            json_t *ns)
{
    bool changed = !json_equal(json_object_get(d, "nameservers"), ns);
    json_object_set_new(d, "nameservers", ns);
    if (changed)
        sim_domain_event(c->sim, "NAMESERVER_UPDATE", name, d, false, 0);
}

struct xcp_value *act_modify(struct ctx *c)
{
    char name[MAX_NAME], msg[256];
    struct xcp_value *err;
    const char *data = act_astr(c, "data");
    if (!data || !*data)
        return act_fail_field(c, 460, "Missing required field", "data");
    json_t *d = act_target_domain(c, name, &err);
    if (!d)
        return err;
    const char *ok_text = "Update successful";
    struct xcp_value *details = NULL;
    if (strcasecmp(data, "status") == 0) {
        const char *ls = act_astr(c, "lock_state");
        if (!ls || (strcmp(ls, "0") != 0 && strcmp(ls, "1") != 0))
            return act_fail_field(c, 465, "Invalid data",
                                  "lock_state must be 0/1");
        sim_jset_int(d, "locked", ls[0] == '1');
    } else if (strcasecmp(data, "whois_privacy_state") == 0) {
        const char *st = act_astr(c, "state");
        bool on;
        if (st && strcasecmp(st, "enable") == 0)
            on = true;
        else if (st && strcasecmp(st, "disable") == 0)
            on = false;
        else
            return act_fail_field(c, 465, "Invalid data",
                                  "state must be enable or disable");
        if (!act_privacy_offered(c->sim, name))
            return act_fail(c, 300, PRIVACY_REFUSED);
        sim_jset_str(d, "privacy", on ? "enabled" : "disabled");
        ok_text = on ? "Whois Privacy successfully enabled"
                     : "Whois Privacy successfully disabled";
    } else if (strcasecmp(data, "parkpage_state") == 0) {
        const char *st = act_astr(c, "state");
        if (!st || (strcasecmp(st, "on") != 0 && strcasecmp(st, "off") != 0))
            return act_fail_field(c, 465, "Invalid data",
                                  "state must be on or off");
        sim_jset_str(d, "parkpage", strcasecmp(st, "on") == 0 ? "on" : "off");
    } else if (strcasecmp(data, "domain_auth_info") == 0) {
        const char *code = act_astr(c, "domain_auth_info");
        size_t len = code ? strlen(code) : 0;
        if (!code || !*code)
            return act_fail_field(c, 460, "Missing required field",
                                  "domain_auth_info");
        /* EPP authInfo: 6 to 32 printable characters, no spaces */
        bool ok = len >= 6 && len <= 32;
        for (size_t i = 0; ok && i < len; i++)
            ok = isgraph((unsigned char)code[i]) != 0;
        if (!ok)
            return act_fail_field(
                c, 465, "Invalid data",
                "domain_auth_info must be 6-32 printable characters");
        sim_jset_str(d, "auth_info", code);
    } else if (strcasecmp(data, "expire_action") == 0) {
        if (act_astr(c, "auto_renew"))
            sim_jset_int(d, "auto_renew", act_aflag(c, "auto_renew"));
        if (act_astr(c, "let_expire"))
            sim_jset_int(d, "let_expire", act_aflag(c, "let_expire"));
    } else if (strcasecmp(data, "contact_info") == 0) {
        const struct xcp_value *cs = act_attr(c, "contact_set");
        if (!cs || xcp_type(cs) != XCP_ASSOC || xcp_len(cs) == 0)
            return act_fail_field(c, 460, "Missing required field",
                                  "contact_set");
        /* every type checked before anything changes */
        json_t *types = json_array();
        for (size_t i = 0; i < xcp_len(cs); i++) {
            const char *t = xcp_item_key(cs, i);
            if (strcmp(t, "owner") && strcmp(t, "admin") &&
                strcmp(t, "billing") && strcmp(t, "tech")) {
                json_decref(types);
                return act_fail_field(c, 465, "Invalid data",
                                      "unknown contact type");
            }
            json_array_append_new(types, json_string(t));
        }
        /* affect_domains=1: the profile's other domains too, each with
         * its result in details (§2.5) */
        details = act_contacts_apply(c, name, d, types, cs,
                                     act_aflag(c, "affect_domains"));
        json_decref(types);
    } else if (strcasecmp(data, "nameserver_list") == 0) {
        json_t *ns =
            act_collect_ns(act_attr(c, "nameserver_list"), msg, sizeof(msg));
        if (!ns)
            return act_fail_field(c, 465, "Invalid data", msg);
        struct xcp_value *r = act_unknown_ns_reply(c, ns);
        if (r)
            return r;
        set_nameservers(c, name, d, ns);
    } else if (strcasecmp(data, "nexus_info") == 0) {
        int rc = act_extras_modify_nexus(c, name, d, msg, sizeof(msg));
        if (rc)
            return act_fail_field(
                c, rc, rc == 460 ? "Missing required field" : "Invalid data",
                msg);
    } else {
        /* a data type the sim does not model (tld_data, dnssec, ...) */
        return act_unknown(c);
    }
    sim_jset_int(d, "updated", c->now);
    c->sim->dirty = true;
    struct xcp_value *a = NULL;
    if (details) {
        a = xcp_assoc_new();
        xcp_assoc_set(a, "details", details);
    }
    return act_reply(c, true, 200, a, "%s", ok_text);
}

/* array_has - is a value equal to v in the JSON array arr? */
static bool array_has(const json_t *arr, const json_t *v)
{
    size_t i;
    json_t *r;
    json_array_foreach(arr, i, r)
    {
        if (json_equal(v, r))
            return true;
    }
    return false;
}

static bool ns_array(const struct xcp_value *v, json_t *out, char *msg,
                     size_t n)
{
    if (!v)
        return true;
    if (xcp_type(v) != XCP_ARRAY) {
        snprintf(msg, n, "nameserver lists must be arrays");
        return false;
    }
    for (size_t i = 0; i < xcp_len(v); i++) {
        const char *s = xcp_str(xcp_array_get(v, i));
        char nm[MAX_NAME];
        if (!s || !sim_norm_domain(s, nm, sizeof(nm)) ||
            !sim_domain_syntax_ok(nm)) {
            snprintf(msg, n, "invalid nameserver name");
            return false;
        }
        json_array_append_new(out, json_string(nm));
    }
    return true;
}

struct xcp_value *act_adv_update_ns(struct ctx *c)
{
    char name[MAX_NAME], msg[128];
    struct xcp_value *err;
    const char *op = act_astr(c, "op_type");
    if (!op || !*op)
        return act_fail_field(c, 460, "Missing required field", "op_type");
    json_t *d = act_target_domain(c, name, &err);
    if (!d)
        return err;
    json_t *result = NULL;
    if (strcasecmp(op, "assign") == 0) {
        if (act_attr(c, "add_ns") || act_attr(c, "remove_ns"))
            return act_fail_field(
                c, 465, "Invalid data",
                "assign_ns cannot be combined with add/remove");
        result = json_array();
        if (!act_attr(c, "assign_ns") ||
            !ns_array(act_attr(c, "assign_ns"), result, msg, sizeof(msg))) {
            json_decref(result);
            return act_fail_field(c, act_attr(c, "assign_ns") ? 465 : 460,
                                  "Invalid data",
                                  act_attr(c, "assign_ns") ? msg : "assign_ns");
        }
    } else if (strcasecmp(op, "add_remove") == 0) {
        json_t *add = json_array(), *rem = json_array();
        if (!ns_array(act_attr(c, "add_ns"), add, msg, sizeof(msg)) ||
            !ns_array(act_attr(c, "remove_ns"), rem, msg, sizeof(msg))) {
            json_decref(add);
            json_decref(rem);
            return act_fail_field(c, 465, "Invalid data", msg);
        }
        result = json_array();
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(d, "nameservers"), i, v)
        {
            if (!array_has(rem, v))
                json_array_append(result, v);
        }
        json_array_foreach(add, i, v)
        {
            if (!array_has(result, v))
                json_array_append(result, v);
        }
        json_decref(add);
        json_decref(rem);
    } else {
        return act_fail_field(c, 465, "Invalid data",
                              "op_type must be assign or add_remove");
    }
    struct xcp_value *r = act_unknown_ns_reply(c, result);
    if (r)
        return r;
    set_nameservers(c, name, d, result);
    sim_jset_int(d, "updated", c->now);
    c->sim->dirty = true;
    return act_reply(c, true, 200, NULL, "Command completed successfully");
}

struct xcp_value *act_revoke(struct ctx *c)
{
    char name[MAX_NAME];
    struct xcp_value *err;
    if (!act_want_domain(c, name, &err))
        return err;
    json_t *d = sim_domain(c->sim, name);
    if (!act_registered_ours(c->sim, d, c->user))
        return act_fail(c, 480, "Domain not found");
    sim_domain_event(c->sim, "DELETED", name, d, false, 0);
    sim_del(c->sim, "domains", name);
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "charge", "0");
    /* the real server leaks a Perl undef here (opensrs-xcp.md §3.3) */
    xcp_assoc_set_str(a, "price", "undef");
    return act_reply(c, true, 200, a, "Domain %s revoked successfully.", name);
}

/*
 * REDEEM - restore a domain in its redemption period (opensrs-manage.md
 * §9.4): 200 "Command completed successfully" and no attributes; every
 * refusal is 400, the code clients treat as "cannot redeem". The reseller
 * pays the TLD's restore fee plus one year's renewal (the registries
 * restore with a renewal), and the expiry moves one year. An "async"
 * fault rule makes the restore take complete_after (or --async-delay)
 * simulated seconds: the answer is then 250 and the domain says
 * restore_pending until the clock completes it.
 */
struct xcp_value *act_redeem(struct ctx *c)
{
    char name[MAX_NAME];
    struct xcp_value *err;
    if (!act_want_domain(c, name, &err))
        return err;
    json_t *d = sim_domain(c->sim, name);
    if (!act_registered_ours(c->sim, d, c->user))
        return act_fail(c, 400,
                        "Domain cannot be redeemed: it is not in your "
                        "account (never registered here, or deleted)");
    if (json_object_get(d, "restore_due"))
        return act_fail(c, 400,
                        "Domain cannot be redeemed: a restore is already in "
                        "progress");
    switch (sim_domain_phase(c->sim, name, d, c->now, NULL)) {
    case SIM_PHASE_ACTIVE:
        return act_fail(c, 400,
                        "Domain cannot be redeemed: it has not expired");
    case SIM_PHASE_EXPIRED:
        return act_fail(c, 400,
                        "Domain cannot be redeemed: it is in its grace "
                        "period and can be renewed");
    case SIM_PHASE_PENDING_DELETE:
    case SIM_PHASE_DELETED:
        return act_fail(c, 400,
                        "Domain cannot be redeemed: its redemption period "
                        "is over");
    case SIM_PHASE_REDEMPTION:
        break;
    }
    const char *tld = sim_tld(c->sim, name);
    struct sim_lifecycle l;
    sim_lifecycle_get(c->sim, tld, &l);
    int64_t renewal = sim_price(c->sim, tld, "renewal", 1);
    int64_t cost = l.restore_fee + (renewal > 0 ? renewal : 0);
    json_t *r = sim_reseller(c->sim, c->user);
    if (sim_jint(r, "balance", 0) - sim_jint(r, "hold_balance", 0) < cost)
        return act_fail(c, 486, "Insufficient funds");
    sim_jset_int(r, "balance", sim_jint(r, "balance", 0) - cost);
    c->sim->dirty = true;
    if (c->mode->fault == SIM_FAULT_ASYNC) {
        int64_t delay = c->mode->complete_after >= 0 ? c->mode->complete_after
                                                     : c->sim->cfg.async_delay;
        sim_jset_int(d, "restore_due", c->now + delay);
        sim_schedule(c->sim, c->now + delay);
        return act_reply(c, true, 250, NULL,
                         "Action submitted successfully for processing to "
                         "asynchronous registry");
    }
    sim_domain_restore(c->sim, name, d, c->now);
    return act_reply(c, true, 200, NULL, "Command completed successfully");
}
