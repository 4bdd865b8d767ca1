/*
 * sim_act_lookup - availability and price queries: LOOKUP, NAME_SUGGEST,
 * GET_PRICE, BELONGS_TO_RSP (see sim_actions.h).
 */
#include "sim/sim_actions.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/sim_actions_int.h"

/* registry_premium - the price (cents) of a name the registry sells as
 * premium (state "premium_names", set with POST /premium), or -1. */
static int64_t registry_premium(struct sim *sim, const char *name)
{
    json_t *p =
        json_object_get(json_object_get(sim->state, "premium_names"), name);
    return json_is_integer(p) ? json_integer_value(p) : -1;
}

struct xcp_value *act_lookup(struct ctx *c)
{
    char name[MAX_NAME];
    struct xcp_value *err;
    if (!act_want_domain(c, name, &err))
        return err;
    json_t *d = sim_domain(c->sim, name);
    struct xcp_value *a = xcp_assoc_new();
    if (!d) {
        xcp_assoc_set_str(a, "status", "available");
        if (registry_premium(c->sim, name) >= 0)
            xcp_assoc_set_str(a, "reason", "Registry premium name");
        return act_reply(c, true, 210, a, "Domain available");
    }
    xcp_assoc_set_str(a, "status", "taken");
    json_t *w = json_object_get(d, "waiting_order");
    json_t *o = w ? sim_order(c->sim, json_integer_value(w)) : NULL;
    if (o && strcmp(sim_jstr(o, "reg_type", ""), "new") == 0)
        return act_reply(c, true, 221, a,
                         "Domain taken (waiting registration in progress)");
    return act_reply(c, true, 211, a, "Domain taken");
}

static const char *lookup_status(struct sim *sim, const char *name)
{
    return sim_domain(sim, name) ? "taken" : "available";
}

static struct xcp_value *suggest_block(struct xcp_value *items)
{
    struct xcp_value *b = xcp_assoc_new();
    xcp_assoc_set_int(b, "is_success", 1);
    xcp_assoc_set_int(b, "response_code", 200);
    xcp_assoc_set_str(b, "response_text", "Command completed successfully.");
    xcp_assoc_set_int(b, "count", (int64_t)xcp_len(items));
    xcp_assoc_set(b, "items", items);
    return b;
}

static void suggest_item(struct ctx *c, struct xcp_value *items,
                         const char *label, const char *tld)
{
    char name[MAX_NAME];
    int n = snprintf(name, sizeof(name), "%s.%s", label, tld);
    if (n < 0 || (size_t)n >= sizeof(name) || !sim_domain_syntax_ok(name))
        return;
    struct xcp_value *it = xcp_assoc_new();
    xcp_assoc_set_str(it, "domain", name);
    xcp_assoc_set_str(it, "status", lookup_status(c->sim, name));
    xcp_array_push(items, it);
}

/* The most TLDs one NAME_SUGGEST service takes. */
#define SUGGEST_TLDS 100

/* read_tlds - the TLDs of a dt_array v (with or without the leading dot)
 * that the sim sells, into tlds (at most SUGGEST_TLDS, each once; the
 * price list's own strings); returns how many. */
static size_t read_tlds(struct ctx *c, const struct xcp_value *v,
                        const char *tlds[SUGGEST_TLDS])
{
    size_t n = 0;
    if (!v || xcp_type(v) != XCP_ARRAY)
        return 0;
    for (size_t i = 0; i < xcp_len(v) && n < SUGGEST_TLDS; i++) {
        const char *t = xcp_str(xcp_array_get(v, i));
        if (!t)
            continue;
        while (*t == '.')
            t++;
        char low[32];
        if (!sim_norm_domain(t, low, sizeof(low)))
            continue;
        const char *key;
        json_t *p;
        json_object_foreach(json_object_get(c->sim->state, "prices"), key, p)
        {
            bool dup = false;
            for (size_t k = 0; k < n; k++)
                dup = dup || tlds[k] == key;
            if (strcmp(key, low) == 0 && !dup)
                tlds[n++] = key;
        }
    }
    return n;
}

/* One service of a NAME_SUGGEST request, after service_override. */
struct service {
    bool wanted;
    const char *tlds[SUGGEST_TLDS];
    size_t ntld;
    int64_t maximum;
    int64_t price_min, price_max; /* cents; premium only */
};

/* read_override - service_override.<name> (a dt_assoc; an empty one is
 * fine): tlds, maximum (1-100), price_min/price_max (premium). false with
 * *bad naming the problem. */
static bool read_override(struct ctx *c, const char *name, struct service *sv,
                          const char **bad)
{
    const struct xcp_value *all = act_attr(c, "service_override");
    if (!all)
        return true;
    if (xcp_type(all) != XCP_ASSOC) {
        *bad = "service_override must be an associative array";
        return false;
    }
    const struct xcp_value *o = xcp_assoc_get(all, name);
    if (!o)
        return true;
    if (xcp_type(o) == XCP_SCALAR && xcp_len(o) == 0)
        return true; /* <item key="x"/> */
    if (xcp_type(o) != XCP_ASSOC) {
        *bad = "each service_override entry must be an associative array";
        return false;
    }
    const struct xcp_value *t = xcp_assoc_get(o, "tlds");
    if (t) {
        size_t n = read_tlds(c, t, sv->tlds);
        if (n == 0) {
            *bad = "service_override tlds names no TLD the reseller sells";
            return false;
        }
        sv->ntld = n;
    }
    const char *m = xcp_path_str(o, "maximum");
    if (m && *m) {
        char *end;
        long long v = strtoll(m, &end, 10);
        if (*end || v < 1 || v > 100) {
            *bad = "service_override maximum must be 1-100";
            return false;
        }
        sv->maximum = v;
    }
    static const char *const keys[] = {"price_min", "price_max"};
    int64_t *dst[] = {&sv->price_min, &sv->price_max};
    for (size_t i = 0; i < 2; i++) {
        const char *p = xcp_path_str(o, keys[i]);
        if (p && *p && sim_parse_money(p, dst[i]) < 0) {
            *bad = "service_override price_min/price_max must be amounts";
            return false;
        }
    }
    return true;
}

/* premium_cents - the deterministic premium price of name: 100.00 to
 * 9999.00 in whole units (an FNV-1a hash of the name). */
static int64_t premium_cents(const char *name)
{
    uint32_t h = 2166136261u;
    for (const char *p = name; *p; p++) {
        h ^= (unsigned char)*p;
        h *= 16777619u;
    }
    return (int64_t)(100 + h % 9900) * 100;
}

struct xcp_value *act_name_suggest(struct ctx *c)
{
    const char *s = act_astr(c, "searchstring");
    char base[64];
    if (!s || !*s)
        return act_fail_field(c, 460, "Missing required field: searchstring",
                              "searchstring is required");
    /* the search string becomes a label: keep letters, digits, hyphens */
    size_t k = 0;
    /* the sim has no IDN tables: a search in native script is refused
     * rather than answered about its ASCII letters (send the A-label) */
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p >= 0x80)
            return act_fail_field(c, 465, "Invalid searchstring",
                                  "opensrs-sim takes an ASCII search "
                                  "string (an IDN as its xn-- A-label)");
    for (const char *p = s; *p && k < sizeof(base) - 1; p++) {
        unsigned char ch = (unsigned char)*p;
        if (isalnum(ch) || ch == '-')
            base[k++] = (char)tolower(ch);
        else if (ch == '.')
            break;
    }
    base[k] = '\0';
    if (!k || base[0] == '-' || base[k - 1] == '-')
        return act_fail(c, 465, "Invalid searchstring");
    /* an A-label is looked up as it is; names made from it by adding
     * letters would be other (or invalid) IDNs, so no suggestions */
    bool idn = strncmp(base, "xn--", 4) == 0;
    const char *tlds[SUGGEST_TLDS] = {0};
    size_t ntld = read_tlds(c, act_attr(c, "tlds"), tlds);
    if (ntld == 0) {
        tlds[0] = "com";
        tlds[1] = "net";
        tlds[2] = "org";
        ntld = 3;
    }
    int64_t maximum = act_aint(c, "maximum", 20, NULL);
    if (maximum < 1 || maximum > 100)
        maximum = 20;
    /* lookup, suggestion, premium; without services lookup + suggestion */
    static const char *const names[] = {"lookup", "suggestion", "premium"};
    struct service sv[3];
    const struct xcp_value *svc = act_attr(c, "services");
    bool listed = svc && xcp_type(svc) == XCP_ARRAY && xcp_len(svc);
    for (size_t i = 0; i < 3; i++) {
        sv[i] = (struct service){.wanted = !listed && i < 2,
                                 .ntld = ntld,
                                 .maximum = maximum,
                                 .price_min = 0,
                                 .price_max = INT64_MAX};
        memcpy(sv[i].tlds, tlds, sizeof(tlds));
        for (size_t j = 0; listed && j < xcp_len(svc); j++) {
            const char *t = xcp_str(xcp_array_get(svc, j));
            if (t && strcasecmp(t, names[i]) == 0)
                sv[i].wanted = true;
        }
        const char *bad = NULL;
        if (!read_override(c, names[i], &sv[i], &bad))
            return act_fail_field(c, 465, "Invalid data", bad);
    }
    struct xcp_value *a = xcp_assoc_new();
    if (sv[0].wanted) {
        struct xcp_value *items = xcp_array_new();
        for (size_t i = 0; i < sv[0].ntld; i++)
            if ((int64_t)xcp_len(items) < sv[0].maximum)
                suggest_item(c, items, base, sv[0].tlds[i]);
        xcp_assoc_set(a, "lookup", suggest_block(items));
    }
    if (sv[1].wanted) {
        static const char *const forms[] = {"%sonline", "get%s", "my%s",
                                            "%shq",     "the%s", "%sapp"};
        struct xcp_value *items = xcp_array_new();
        for (size_t f = 0; !idn && f < sizeof(forms) / sizeof(forms[0]); f++) {
            for (size_t i = 0; i < sv[1].ntld; i++) {
                if ((int64_t)xcp_len(items) >= sv[1].maximum)
                    break;
                char label[80];
                snprintf(label, sizeof(label), forms[f], base);
                suggest_item(c, items, label, sv[1].tlds[i]);
            }
        }
        xcp_assoc_set(a, "suggestion", suggest_block(items));
    }
    if (sv[2].wanted) {
        /* premium names: forms the suggestions never use, each with its
         * price; registered ones and prices outside the window are left
         * out */
        static const char *const forms[] = {"best%s", "%spro", "%sshop",
                                            "top%s",  "%s24",  "%sworld"};
        struct xcp_value *items = xcp_array_new();
        /* form 0: the search word itself where the registry sells it as
         * premium (POST /premium), at the registry's price */
        for (size_t f = 0; f <= sizeof(forms) / sizeof(forms[0]); f++) {
            if (f && idn)
                break;
            for (size_t i = 0; i < sv[2].ntld; i++) {
                if ((int64_t)xcp_len(items) >= sv[2].maximum)
                    break;
                char label[80], name[MAX_NAME];
                if (f)
                    snprintf(label, sizeof(label), forms[f - 1], base);
                else
                    snprintf(label, sizeof(label), "%s", base);
                int n =
                    snprintf(name, sizeof(name), "%s.%s", label, sv[2].tlds[i]);
                if (n < 0 || (size_t)n >= sizeof(name) ||
                    !sim_domain_syntax_ok(name) || sim_domain(c->sim, name))
                    continue;
                int64_t cents = registry_premium(c->sim, name);
                if (!f && cents < 0)
                    continue;
                if (f)
                    cents = premium_cents(name);
                if (cents < sv[2].price_min || cents > sv[2].price_max)
                    continue;
                struct xcp_value *it = xcp_assoc_new();
                xcp_assoc_set_str(it, "domain", name);
                xcp_assoc_set_str(it, "status", "available");
                act_add_money(it, "price", cents);
                xcp_array_push(items, it);
            }
        }
        struct xcp_value *b = suggest_block(items);
        xcp_assoc_set_str(b, "response_text", "Command Successful");
        xcp_assoc_set(a, "premium", b);
    }
    xcp_assoc_set_int(a, "is_search_completed", 1);
    struct xcp_value *r =
        act_reply(c, true, 200, a, "Command completed successfully");
    xcp_assoc_set_str(r, "request_response_time", "0.001");
    return r;
}

struct xcp_value *act_get_price(struct ctx *c)
{
    char name[MAX_NAME];
    struct xcp_value *err;
    if (!act_want_domain(c, name, &err))
        return err;
    bool bad = false;
    int64_t period = act_aint(c, "period", 1, &bad);
    const char *rt = act_astr(c, "reg_type");
    if (!rt || !*rt)
        rt = "new";
    if (bad || period < 1 || period > 10)
        return act_fail_field(c, 465, "Invalid period", "period must be 1-10");
    const char *tld = sim_tld(c->sim, name);
    int64_t p = sim_price(c->sim, tld, rt, period);
    if (p < 0)
        return act_fail_field(c, 465, "Invalid reg_type",
                              "reg_type must be new, renewal or transfer");
    /* a registry premium name: its price for a registration */
    int64_t prem = registry_premium(c->sim, name);
    bool premium = prem >= 0 && strcmp(rt, "new") == 0;
    if (premium)
        p = prem * period;
    struct xcp_value *a = xcp_assoc_new();
    act_add_money(a, "price", p);
    xcp_assoc_set_int(a, "is_registry_premium", premium ? 1 : 0);
    if (act_aflag(c, "all_periods")) {
        struct xcp_value *ps = xcp_assoc_new();
        for (int64_t y = 1; y <= 10; y++) {
            char key[8];
            snprintf(key, sizeof(key), "%" PRId64, y);
            act_add_money(ps, key, sim_price(c->sim, tld, rt, y));
        }
        xcp_assoc_set(a, "prices", ps);
    }
    return act_reply(c, true, 200, a, "Command completed successfully");
}

struct xcp_value *act_belongs_to_rsp(struct ctx *c)
{
    char name[MAX_NAME];
    struct xcp_value *err;
    if (!act_want_domain(c, name, &err))
        return err;
    json_t *d = sim_domain(c->sim, name);
    struct xcp_value *a = xcp_assoc_new();
    if (act_registered_ours(c->sim, d, c->user) &&
        sim_jint(d, "expiry", 0) >= c->now) {
        xcp_assoc_set_int(a, "belongs_to_rsp", 1);
        act_add_time(a, "domain_expdate", sim_jint(d, "expiry", 0));
        return act_reply(c, true, 200, a, "Query Successful");
    }
    xcp_assoc_set_int(a, "belongs_to_rsp", 0);
    return act_reply(c, true, 200, a, "Unknown Domain");
}
