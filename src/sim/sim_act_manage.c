/*
 * sim_act_manage - a domain's life after the sale (opensrs-manage.md
 * §§4, 5, 7, 8): UPDATE_CONTACTS, UPDATE_ALL_INFO, SEND_AUTHCODE,
 * GET_DOMAINS_CONTACTS, GET_ORDERS_BY_DOMAIN, GET_TRANSFERS_AWAY, and the
 * transfer away the control API starts (sim_transfer_away; see
 * sim_actions.h).
 *
 * State: "transfers_away" is an array of {id, reseller, domain, status,
 * gaining_registrar, request_address, req_date, owner_confirm_date}, one
 * per transfer away, oldest first.
 */
#include "sim/sim_actions.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sim/sim_actions_int.h"
#include "util/xalloc.h"

static const char *const contact_types[] = {"owner", "admin", "billing",
                                            "tech"};

static bool is_contact_type(const char *t)
{
    for (size_t i = 0; i < 4; i++)
        if (strcmp(t, contact_types[i]) == 0)
            return true;
    return false;
}

/* fmt_mon - "DD-MON-YYYY HH:MM:SS" (upper-case English month), the form
 * GET_ORDERS_BY_DOMAIN and GET_DELETED_DOMAINS use (§1.4). */
static void fmt_mon(int64_t t, char out[64])
{
    static const char *const mon[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                      "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    snprintf(out, 64, "%02d-%s-%04d %02d:%02d:%02d", tm.tm_mday,
             mon[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
             tm.tm_sec);
}

/* date_filter - a YYYY-MM-DD request filter: absent (true, *out
 * untouched), or a date no later than 2030 (§1.4); false otherwise. */
static bool date_filter(struct ctx *c, const char *key, bool end, int64_t *out)
{
    const char *s = act_astr(c, key);
    if (!s || !*s)
        return true;
    int64_t t;
    if (strlen(s) != 10 || sim_parse_time(s, &t) < 0 ||
        strncmp(s, "2031", 4) >= 0)
        return false;
    *out = end ? t + 86399 : t;
    return true;
}

/* page_reply - the paging members of a list reply. */
static void page_reply(struct xcp_value *a, int64_t page, int64_t limit,
                       int64_t total)
{
    xcp_assoc_set_int(a, "page", page);
    xcp_assoc_set_int(a, "page_size", limit);
    xcp_assoc_set_int(a, "total", total);
}

/* --- contacts ------------------------------------------------------------- */

/* read_types - the "types" of UPDATE_CONTACTS: a dt_array of contact
 * types each present in cs; false with *err otherwise. */
static bool read_types(struct ctx *c, const struct xcp_value *cs, json_t *types,
                       struct xcp_value **err)
{
    const struct xcp_value *tv = act_attr(c, "types");
    if (!tv || xcp_len(tv) == 0) {
        *err = act_fail_field(c, 460, "Missing required field", "types");
        return false;
    }
    size_t n = xcp_type(tv) == XCP_ARRAY ? xcp_len(tv) : 1;
    for (size_t i = 0; i < n; i++) {
        const char *t = xcp_type(tv) == XCP_ARRAY
                            ? xcp_str(xcp_array_get(tv, i))
                            : xcp_str(tv);
        char low[16];
        if (!t || strlen(t) >= sizeof(low)) {
            *err =
                act_fail_field(c, 465, "Invalid data", "unknown contact type");
            return false;
        }
        for (size_t k = 0; k <= strlen(t); k++)
            low[k] = (char)tolower((unsigned char)t[k]);
        if (!is_contact_type(low)) {
            *err =
                act_fail_field(c, 465, "Invalid data", "unknown contact type");
            return false;
        }
        const struct xcp_value *one = xcp_assoc_get(cs, low);
        if (!one || xcp_type(one) != XCP_ASSOC || xcp_len(one) == 0) {
            *err = act_fail_field(c, 460, "Missing required field",
                                  "contact_set lacks a type named in types");
            return false;
        }
        json_array_append_new(types, json_string(low));
    }
    return true;
}

/* detail - one domain's entry of an UPDATE_CONTACTS details block. */
static struct xcp_value *detail(void)
{
    struct xcp_value *e = xcp_assoc_new();
    xcp_assoc_set_int(e, "is_success", 1);
    xcp_assoc_set_int(e, "response_code", 200);
    xcp_assoc_set_str(e, "response_text", "Command completed successfully");
    xcp_assoc_set_int(e, "waiting_requests_no", 0);
    xcp_assoc_set_str(e, "encoding_type", "");
    return e;
}

static void set_contacts(struct ctx *c, json_t *d, const json_t *types,
                         const struct xcp_value *cs)
{
    json_t *have = json_object_get(d, "contact_set");
    if (!json_is_object(have)) {
        have = json_object();
        json_object_set_new(d, "contact_set", have);
    }
    size_t i;
    json_t *t;
    json_array_foreach(types, i, t)
    {
        json_object_set_new(
            have, json_string_value(t),
            sim_xcp_to_json(xcp_assoc_get(cs, json_string_value(t))));
    }
    sim_jset_int(d, "updated", c->now);
}

struct xcp_value *act_contacts_apply(struct ctx *c, const char *name, json_t *d,
                                     const json_t *types,
                                     const struct xcp_value *cs, bool profile)
{
    set_contacts(c, d, types, cs);
    c->sim->dirty = true;
    if (!profile)
        return NULL;
    struct xcp_value *details = xcp_assoc_new();
    xcp_assoc_set(details, name, detail());
    /* every domain of the same profile (§4.1) */
    const char *user = sim_jstr(d, "reg_username", "");
    const char *key;
    json_t *o;
    json_object_foreach(json_object_get(c->sim->state, "domains"), key, o)
    {
        if (strcmp(key, name) == 0 ||
            !act_registered_ours(c->sim, o, c->user) ||
            strcmp(sim_jstr(o, "reg_username", ""), user) != 0)
            continue;
        sim_touch(c->sim, "domains", key);
        set_contacts(c, o, types, cs);
        xcp_assoc_set(details, key, detail());
    }
    return details;
}

struct xcp_value *act_update_contacts(struct ctx *c)
{
    char name[MAX_NAME];
    struct xcp_value *err;
    const struct xcp_value *cs = act_attr(c, "contact_set");
    if (!cs || xcp_type(cs) != XCP_ASSOC || xcp_len(cs) == 0)
        return act_fail_field(c, 460, "Missing required field", "contact_set");
    json_t *types = json_array();
    if (!read_types(c, cs, types, &err)) {
        json_decref(types);
        return err;
    }
    json_t *d = act_target_domain(c, name, &err);
    if (!d) {
        json_decref(types);
        return err;
    }
    struct xcp_value *details = act_contacts_apply(
        c, name, d, types, cs, act_aflag(c, "affect_domains"));
    json_decref(types);
    if (!details) {
        details = xcp_assoc_new();
        xcp_assoc_set(details, name, detail());
    }
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set(a, "details", details);
    return act_reply(c, true, 200, a, "Command completed successfully");
}

/* --- UPDATE_ALL_INFO ------------------------------------------------------ */

/* ip_list - one address of family af (text) as a one-element array, an
 * empty array for absent/empty, NULL when it does not parse. */
static json_t *ip_list(const char *s, int af)
{
    json_t *out = json_array();
    if (!s || !*s)
        return out;
    unsigned char bin[16];
    char text[64];
    if (inet_pton(af, s, bin) != 1 || !inet_ntop(af, bin, text, sizeof(text))) {
        json_decref(out);
        return NULL;
    }
    json_array_append_new(out, json_string(text));
    return out;
}

struct xcp_value *act_update_all_info(struct ctx *c)
{
    char name[MAX_NAME], msg[160];
    struct xcp_value *err;
    const struct xcp_value *cs = act_attr(c, "contact_set");
    if (!cs || xcp_type(cs) != XCP_ASSOC)
        return act_fail_field(c, 460, "Missing required field", "contact_set");
    for (size_t i = 0; i < 4; i++) {
        const struct xcp_value *one = xcp_assoc_get(cs, contact_types[i]);
        if (!one || xcp_type(one) != XCP_ASSOC || xcp_len(one) == 0) {
            snprintf(msg, sizeof(msg), "contact_set.%s", contact_types[i]);
            return act_fail_field(c, 460, "Missing required field", msg);
        }
    }
    const struct xcp_value *nl = act_attr(c, "nameserver_list");
    if (!nl || xcp_type(nl) != XCP_ARRAY || xcp_len(nl) == 0)
        return act_fail_field(c, 460, "Missing required field",
                              "nameserver_list");
    json_t *d = act_target_domain(c, name, &err);
    if (!d)
        return err;
    /* read every entry first: nothing changes unless all are good */
    json_t *names = json_array(), *glue = json_object();
    for (size_t i = 0; i < xcp_len(nl) && i < 13; i++) {
        const struct xcp_value *e = xcp_array_get(nl, i);
        const char *fq = xcp_path_str(e, "fqdn");
        if (!fq || !*fq)
            fq = xcp_path_str(e, "name"); /* HSK's spelling (§4.2) */
        char n[MAX_NAME];
        json_t *v4 = ip_list(xcp_path_str(e, "ipaddress"), AF_INET);
        json_t *v6 = ip_list(xcp_path_str(e, "ipv6"), AF_INET6);
        bool ok = fq && sim_norm_domain(fq, n, sizeof(n)) &&
                  sim_domain_syntax_ok(n) && v4 && v6;
        if (!ok) {
            json_decref(v4);
            json_decref(v6);
            json_decref(names);
            json_decref(glue);
            snprintf(msg, sizeof(msg),
                     "nameserver %zu needs an fqdn and valid addresses", i + 1);
            return act_fail_field(c, 465, "Invalid data", msg);
        }
        json_array_append_new(names, json_string(n));
        size_t hl = strlen(n), dl = strlen(name);
        bool child = hl > dl + 1 && n[hl - dl - 1] == '.' &&
                     strcmp(n + hl - dl, name) == 0;
        if (child && (json_array_size(v4) || json_array_size(v6))) {
            json_t *h = json_object();
            json_object_set_new(h, "ipaddress", v4);
            json_object_set_new(h, "ipv6", v6);
            json_object_set_new(glue, n, h);
        } else {
            json_decref(v4);
            json_decref(v6);
        }
    }
    /* hosts given with addresses under the domain are (re)written; the
     * rest must be known at the registry */
    size_t i;
    json_t *v;
    json_array_foreach(names, i, v)
    {
        const char *n = json_string_value(v);
        if (!json_object_get(glue, n) && !act_host_known(c->sim, n)) {
            struct xcp_value *r =
                act_reply(c, false, 435, NULL,
                          "Name server '%s' is not found at the registry", n);
            json_decref(names);
            json_decref(glue);
            return r;
        }
    }
    json_t *hosts = json_object_get(c->sim->state, "hosts");
    const char *hk;
    json_t *h;
    json_object_foreach(glue, hk, h)
    {
        json_t *have = json_object_get(hosts, hk);
        if (!have) {
            have = json_object();
            sim_jset_str(have, "owner", c->user);
            sim_jset_str(have, "domain", name);
            json_object_set_new(hosts, hk, have);
        }
        /* giving one family drops the other (§4.2) */
        json_object_set(have, "ipaddress", json_object_get(h, "ipaddress"));
        json_object_set(have, "ipv6", json_object_get(h, "ipv6"));
    }
    json_decref(glue);
    json_t *all = json_array();
    for (size_t k = 0; k < 4; k++)
        json_array_append_new(all, json_string(contact_types[k]));
    set_contacts(c, d, all, cs);
    json_decref(all);
    if (!json_equal(json_object_get(d, "nameservers"), names)) {
        json_object_set_new(d, "nameservers", names);
        sim_domain_event(c->sim, "NAMESERVER_UPDATE", name, d, false, 0);
    } else {
        json_decref(names);
    }
    c->sim->dirty = true;
    return act_reply(c, true, 200, NULL, "Command completed successfully");
}

/* --- SEND_AUTHCODE ---------------------------------------------------------
 */

struct xcp_value *act_send_authcode(struct ctx *c)
{
    char name[MAX_NAME];
    const char *dn = act_astr(c, "domain_name");
    if (!dn || !*dn)
        return act_fail_field(c, 460, "Missing required field: domain_name",
                              "domain_name is required");
    if (!sim_norm_domain(dn, name, sizeof(name)) ||
        !sim_domain_syntax_ok(name) || !sim_tld(c->sim, name))
        return act_fail(c, 465, "Invalid domain syntax");
    json_t *d = sim_domain(c->sim, name);
    if (!act_registered_ours(c->sim, d, c->user))
        return act_fail(c, 480, "Domain not found");
    /* the mail goes to the admin contact (§5.1); the sim keeps a note of
     * it for tests (GET /state: authcode_sent_to, authcode_sent_at) */
    sim_jset_str(d, "authcode_sent_to",
                 act_admin_email(json_object_get(d, "contact_set")));
    sim_jset_int(d, "authcode_sent_at", c->now);
    c->sim->dirty = true;
    return act_reply(c, true, 200, NULL, "Message sent");
}

/* --- GET_DOMAINS_CONTACTS --------------------------------------------------
 */

struct xcp_value *act_get_domains_contacts(struct ctx *c)
{
    const struct xcp_value *l = act_attr(c, "domain_list");
    if (!l || xcp_len(l) == 0 || xcp_type(l) == XCP_SCALAR)
        return act_fail_field(c, 460, "Missing required field", "domain_list");
    if (xcp_len(l) > 100)
        return act_fail_field(c, 465, "Invalid data",
                              "at most 100 domains per request");
    struct xcp_value *a = xcp_assoc_new();
    for (size_t i = 0; i < xcp_len(l); i++) {
        const char *raw = xcp_str(xcp_item_value(l, i));
        char name[MAX_NAME];
        if (!raw || !sim_norm_domain(raw, name, sizeof(name)))
            continue;
        struct xcp_value *e = xcp_assoc_new();
        const json_t *d =
            json_object_get(json_object_get(c->sim->state, "domains"), name);
        if (act_registered_ours(c->sim, d, c->user)) {
            struct xcp_value *cs = xcp_assoc_new();
            for (size_t k = 0; k < 4; k++) {
                json_t *one = json_object_get(json_object_get(d, "contact_set"),
                                              contact_types[k]);
                xcp_assoc_set(cs, contact_types[k],
                              one ? sim_json_to_xcp(one) : xcp_assoc_new());
            }
            xcp_assoc_set(e, "contact_set", cs);
            xcp_assoc_set_str(e, "status", "active");
        } else {
            /* a per-domain error inside a 200 (§8.1) */
            char text[200];
            snprintf(text, sizeof(text),
                     "Domain does not belong to the reseller %s", c->user);
            xcp_assoc_set_str(e, "error", text);
        }
        xcp_assoc_set(a, name, e);
    }
    return act_reply(c, true, 200, a, "Command successful");
}

/* --- GET_ORDERS_BY_DOMAIN --------------------------------------------------
 */

static int cmp_id(const void *a, const void *b)
{
    int64_t x = sim_jint(*(json_t *const *)a, "id", 0);
    int64_t y = sim_jint(*(json_t *const *)b, "id", 0);
    return (x > y) - (x < y);
}

struct xcp_value *act_get_orders_by_domain(struct ctx *c)
{
    char name[MAX_NAME];
    struct xcp_value *err;
    if (!act_want_domain(c, name, &err))
        return err;
    int64_t from = 0, to = INT64_MAX, limit, page;
    if (!date_filter(c, "order_from", false, &from) ||
        !date_filter(c, "order_to", true, &to))
        return act_fail_field(c, 465, "Invalid data",
                              "order_from/order_to must be YYYY-MM-DD, "
                              "no later than 2030");
    if (!act_page_args(c, 40, &limit, &page))
        return act_fail(c, 465, "Invalid data: expected integers");
    const char *status = act_astr(c, "status");
    const char *type = act_astr(c, "type");
    json_t *orders = json_object_get(c->sim->state, "orders");
    json_t **v = xmalloc((json_object_size(orders) + 1) * sizeof(*v));
    size_t n = 0;
    const char *key;
    json_t *o;
    json_object_foreach(orders, key, o)
    {
        int64_t when = sim_jint(o, "order_date", 0);
        if (strcmp(sim_jstr(o, "domain", ""), name) != 0 ||
            strcmp(sim_jstr(o, "reseller", ""), c->user) != 0 || when < from ||
            when > to ||
            (status && *status &&
             strcasecmp(sim_jstr(o, "status", ""), status) != 0) ||
            (type && *type &&
             strcasecmp(sim_jstr(o, "reg_type", ""), type) != 0))
            continue;
        json_t *w = json_object();
        sim_jset_int(w, "id", strtoll(key, NULL, 10));
        json_object_set(w, "o", o);
        v[n++] = w;
    }
    qsort(v, n, sizeof(*v), cmp_id);
    struct xcp_value *arr = xcp_array_new();
    for (size_t i = 0; i < n; i++) {
        if ((int64_t)i >= (page - 1) * limit && (int64_t)i < page * limit) {
            json_t *oo = json_object_get(v[i], "o");
            struct xcp_value *e = xcp_assoc_new();
            char when[64];
            fmt_mon(sim_jint(oo, "order_date", 0), when);
            xcp_assoc_set_int(e, "id", sim_jint(v[i], "id", 0));
            xcp_assoc_set_str(e, "order_date", when);
            xcp_assoc_set_int(e, "order_date_epoch",
                              sim_jint(oo, "order_date", 0));
            xcp_assoc_set_str(e, "status", sim_jstr(oo, "status", ""));
            xcp_assoc_set_str(e, "type", sim_jstr(oo, "reg_type", ""));
            xcp_array_push(arr, e);
        }
        json_decref(v[i]);
    }
    free(v);
    struct xcp_value *a = xcp_assoc_new();
    page_reply(a, page, limit, (int64_t)n);
    xcp_assoc_set(a, "orders", arr);
    return act_reply(c, true, 200, a, "Command successful");
}

/* --- transfers away --------------------------------------------------------
 */

struct xcp_value *act_get_transfers_away(struct ctx *c)
{
    int64_t req_from = 0, req_to = INT64_MAX, conf_from = 0,
            conf_to = INT64_MAX, limit, page;
    if (!date_filter(c, "req_from", false, &req_from) ||
        !date_filter(c, "req_to", true, &req_to) ||
        !date_filter(c, "owner_request_from", false, &req_from) ||
        !date_filter(c, "owner_request_to", true, &req_to) ||
        !date_filter(c, "owner_confirm_from", false, &conf_from) ||
        !date_filter(c, "owner_confirm_to", true, &conf_to))
        return act_fail_field(c, 465, "Invalid data",
                              "dates must be YYYY-MM-DD, no later than 2030");
    /* limit at most 40; page 0 and 1 are both the first (§1.5) */
    if (!act_page_args(c, 40, &limit, &page))
        return act_fail(c, 465, "Invalid data: expected integers");
    char one[MAX_NAME] = "";
    const char *dom = act_astr(c, "domain");
    if (dom && *dom && !sim_norm_domain(dom, one, sizeof(one)))
        return act_fail(c, 465, "Invalid domain syntax");
    const char *status = act_astr(c, "status");
    const char *gaining = act_astr(c, "gaining_registrar");
    const char *addr = act_astr(c, "request_address");
    struct xcp_value *arr = xcp_array_new();
    int64_t total = 0;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(c->sim->state, "transfers_away"), i, t)
    {
        int64_t rq = sim_jint(t, "req_date", 0);
        int64_t cf = sim_jint(t, "owner_confirm_date", 0);
        if (strcmp(sim_jstr(t, "reseller", ""), c->user) != 0 ||
            (*one && strcmp(sim_jstr(t, "domain", ""), one) != 0) ||
            (status && *status &&
             strcasecmp(sim_jstr(t, "status", ""), status) != 0) ||
            (gaining && *gaining &&
             fnmatch(gaining, sim_jstr(t, "gaining_registrar", ""),
                     FNM_CASEFOLD) != 0) ||
            (addr && *addr &&
             fnmatch(addr, sim_jstr(t, "request_address", ""), FNM_CASEFOLD) !=
                 0) ||
            rq < req_from || rq > req_to || cf < conf_from || cf > conf_to)
            continue;
        total++;
        if (total <= (page - 1) * limit || (int64_t)xcp_len(arr) >= limit)
            continue;
        struct xcp_value *e = xcp_assoc_new();
        xcp_assoc_set_int(e, "id", sim_jint(t, "id", 0));
        xcp_assoc_set_str(e, "domain", sim_jstr(t, "domain", ""));
        xcp_assoc_set_str(e, "status", sim_jstr(t, "status", ""));
        xcp_assoc_set_str(e, "gaining_registrar",
                          sim_jstr(t, "gaining_registrar", ""));
        xcp_assoc_set_str(e, "request_address",
                          sim_jstr(t, "request_address", ""));
        act_add_time(e, "req_date", rq);
        act_add_time(e, "owner_request_date", rq);
        act_add_time(e, "owner_confirm_date", cf);
        xcp_array_push(arr, e);
    }
    struct xcp_value *a = xcp_assoc_new();
    page_reply(a, page, limit, total);
    xcp_assoc_set(a, "transfers", arr);
    return act_reply(c, true, 200, a, "Command successful");
}

/* pending_record - the pending transfer away record of name, or NULL. */
static json_t *pending_record(struct sim *sim, const char *name)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(sim->state, "transfers_away"), i, t)
    {
        if (strcmp(sim_jstr(t, "domain", ""), name) == 0 &&
            strncmp(sim_jstr(t, "status", ""), "pending", 7) == 0)
            return t;
    }
    return NULL;
}

bool sim_away_pending(struct sim *sim, const char *name)
{
    return pending_record(sim, name) != NULL;
}

static int away_start(struct sim *sim, const char *domain, const char *gaining,
                      bool complete, char *msg, size_t n);

int sim_transfer_away(struct sim *sim, const char *domain, const char *gaining,
                      char *msg, size_t n)
{
    return away_start(sim, domain, gaining, true, msg, n);
}

int sim_transfer_away_pending(struct sim *sim, const char *domain,
                              const char *gaining, char *msg, size_t n)
{
    return away_start(sim, domain, gaining, false, msg, n);
}

static int away_start(struct sim *sim, const char *domain, const char *gaining,
                      bool complete, char *msg, size_t n)
{
    char name[MAX_NAME];
    if (!domain || !sim_norm_domain(domain, name, sizeof(name)) ||
        !sim_domain_syntax_ok(name)) {
        snprintf(msg, n, "\"domain\" must be a valid domain name");
        return SIM_AWAY_BAD;
    }
    if (!gaining || !*gaining || strlen(gaining) > 200) {
        snprintf(msg, n,
                 "\"gaining_registrar\" must be a name (1-200 "
                 "characters)");
        return SIM_AWAY_BAD;
    }
    sim->now = sim_now(sim);
    json_t *d = sim_domain(sim, name);
    const char *owner = sim_jstr(d, "owner", "other");
    if (!d || strcmp(owner, "other") == 0 || !sim_reseller_key(sim, owner)) {
        snprintf(msg, n, "%s is not a domain of a configured reseller", name);
        return SIM_AWAY_BAD;
    }
    if (json_object_get(d, "waiting_order")) {
        snprintf(msg, n, "%s has a request waiting at the registry", name);
        return SIM_AWAY_REFUSED;
    }
    /* a locked domain refuses a transfer away (§2.3, §7.3) */
    if (sim_jint(d, "locked", 0)) {
        snprintf(msg, n, "%s is locked", name);
        return SIM_AWAY_REFUSED;
    }
    char reseller[128];
    snprintf(reseller, sizeof(reseller), "%s", owner);
    json_t *t = pending_record(sim, name);
    if (t) {
        /* the pending one completes (or is asked again) */
        sim_jset_str(t, "gaining_registrar", gaining);
    } else {
        t = json_object();
        sim_jset_int(t, "id", sim_next_id(sim, "transfer"));
        sim_jset_str(t, "reseller", reseller);
        sim_jset_str(t, "domain", name);
        sim_jset_str(t, "gaining_registrar", gaining);
        sim_jset_str(t, "request_address",
                     act_admin_email(json_object_get(d, "contact_set")));
        sim_jset_int(t, "req_date", sim->now);
        json_array_append_new(json_object_get(sim->state, "transfers_away"), t);
    }
    sim->dirty = true;
    if (!complete) {
        sim_jset_str(t, "status", "pending_owner");
        sim_jset_int(t, "owner_confirm_date", 0);
        return 0;
    }
    sim_jset_str(t, "status", "completed");
    sim_jset_int(t, "owner_confirm_date", sim->now);
    /* the domain leaves the account: DOMAIN DELETED for the reseller (the
     * sim's event for a domain leaving it), then it is another
     * registrar's */
    sim_domain_event(sim, "DELETED", name, d, false, 0);
    sim_jset_str(d, "owner", "other");
    sim_jset_int(d, "locked", 0);
    sim_jset_int(d, "updated", sim->now);
    sim->dirty = true;
    return 0;
}
