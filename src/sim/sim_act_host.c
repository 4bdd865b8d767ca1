/*
 * sim_act_host - child host objects and the registry's host table:
 * CREATE / MODIFY / DELETE / GET NAMESERVER, REGISTRY_CHECK_NAMESERVER,
 * REGISTRY_ADD_NS (opensrs-manage.md §6; see sim_actions.h).
 *
 * State: "hosts" {fqdn: {owner, domain, ipaddress: [...], ipv6: [...]}}
 * holds the child hosts created under the resellers' domains;
 * "registry_hosts" {fqdn: 1|0} the hosts REGISTRY_ADD_NS or the control
 * API marked known (1) or unknown (0) at the registry. Which names the
 * registry knows is act_host_known's rule (sim_actions.c).
 */
#include "sim/sim_actions.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/sim_actions_int.h"

static json_t *hosts(struct sim *sim)
{
    return json_object_get(sim->state, "hosts");
}

/* host_name - attribute key as a normalised, valid host name (with
 * sold_tld, in a TLD the sim sells: a child host; a host a registry is
 * asked about may be anywhere); false (with *err) when absent (460) or not
 * such a host name (465). */
static bool host_name(struct ctx *c, const char *key, const char *missing,
                      bool sold_tld, char out[MAX_NAME], struct xcp_value **err)
{
    const char *v = act_astr(c, key);
    if (!v || !*v) {
        *err = act_fail_field(c, 460, missing, key);
        return false;
    }
    if (!sim_norm_domain(v, out, MAX_NAME) || !sim_domain_syntax_ok(out) ||
        (sold_tld && !sim_tld(c->sim, out))) {
        *err = act_fail_field(c, 465, "Invalid data", "invalid host name");
        return false;
    }
    return true;
}

/* addresses - attribute key (one address, or a dt_array of them) of
 * family af into a new JSON array; NULL when one does not parse. */
static json_t *addresses(struct ctx *c, const char *key, int af)
{
    json_t *out = json_array();
    const struct xcp_value *v = act_attr(c, key);
    if (!v)
        return out;
    size_t n = xcp_type(v) == XCP_ARRAY ? xcp_len(v) : 1;
    for (size_t i = 0; i < n && i < 13; i++) {
        const char *s = xcp_type(v) == XCP_ARRAY ? xcp_str(xcp_array_get(v, i))
                                                 : xcp_str(v);
        if (s && !*s && n == 1)
            break; /* an empty scalar is no address */
        unsigned char bin[16];
        char text[64];
        if (!s || inet_pton(af, s, bin) != 1 ||
            !inet_ntop(af, bin, text, sizeof(text))) {
            json_decref(out);
            return NULL;
        }
        json_array_append_new(out, json_string(text));
    }
    return out;
}

/* read_addresses - ipaddress and ipv6 of the request; at least one must
 * be given (460 "Missing required field: ip"), each must parse (465). */
static bool read_addresses(struct ctx *c, json_t **v4, json_t **v6,
                           struct xcp_value **err)
{
    *v4 = addresses(c, "ipaddress", AF_INET);
    *v6 = addresses(c, "ipv6", AF_INET6);
    if (!*v4 || !*v6) {
        json_decref(*v4);
        json_decref(*v6);
        *err = act_fail_field(c, 465, "Invalid data",
                              "ipaddress must be IPv4, ipv6 IPv6");
        return false;
    }
    if (json_array_size(*v4) == 0 && json_array_size(*v6) == 0) {
        json_decref(*v4);
        json_decref(*v6);
        *err = act_fail_field(c, 460, "Missing required field: ip",
                              "ipaddress or ipv6");
        return false;
    }
    return true;
}

/* in_domain - is host a name strictly under domain? */
static bool in_domain(const char *host, const char *domain)
{
    size_t h = strlen(host), d = strlen(domain);
    return h > d + 1 && host[h - d - 1] == '.' &&
           strcmp(host + h - d, domain) == 0;
}

/* host_in_use - does any domain of the sim delegate to host? */
static bool host_in_use(struct sim *sim, const char *host)
{
    const char *key;
    json_t *d;
    json_object_foreach(json_object_get(sim->state, "domains"), key, d)
    {
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(d, "nameservers"), i, v)
        {
            if (strcmp(json_string_value(v), host) == 0)
                return true;
        }
    }
    return false;
}

/* own_host - the reseller's child host name under domain (the request's),
 * or NULL with *err: 405 text when there is no such host. */
static json_t *own_host(struct ctx *c, const char *domain, const char *name,
                        const char *text, struct xcp_value **err)
{
    json_t *h = json_object_get(hosts(c->sim), name);
    if (!h || strcmp(sim_jstr(h, "domain", ""), domain) != 0 ||
        strcmp(sim_jstr(h, "owner", ""), c->user) != 0) {
        *err = act_fail(c, 405, text);
        return NULL;
    }
    return h;
}

struct xcp_value *act_ns_create(struct ctx *c)
{
    char dom[MAX_NAME], name[MAX_NAME];
    struct xcp_value *err;
    if (!host_name(c, "name", "Missing required field: fqdn", true, name, &err))
        return err;
    json_t *d = act_target_domain(c, dom, &err);
    if (!d)
        return err;
    /* "in the same domain space as the cookie's domain" (§6.1) */
    if (!in_domain(name, dom))
        return act_fail_field(c, 465, "Invalid data",
                              "the name server must be under the domain");
    json_t *v4, *v6;
    if (!read_addresses(c, &v4, &v6, &err))
        return err;
    if (json_object_get(hosts(c->sim), name)) {
        json_decref(v4);
        json_decref(v6);
        return act_fail(c, 405,
                        "Registry error, nameserver creation failed: the "
                        "host exists");
    }
    json_t *h = json_object();
    sim_jset_str(h, "owner", c->user);
    sim_jset_str(h, "domain", dom);
    json_object_set_new(h, "ipaddress", v4);
    json_object_set_new(h, "ipv6", v6);
    json_object_set_new(hosts(c->sim), name, h);
    c->sim->dirty = true;
    return act_reply(c, true, 200, NULL, "Nameserver Created");
}

/* rename_in_domains - every domain delegating to from now names to
 * instead (the registry renames the host object, the delegations follow),
 * each change a DOMAIN NAMESERVER_UPDATE. */
static void rename_in_domains(struct ctx *c, const char *from, const char *to)
{
    json_t *domains = json_object_get(c->sim->state, "domains");
    const char *key;
    json_t *d;
    json_object_foreach(domains, key, d)
    {
        json_t *ns = json_object_get(d, "nameservers");
        size_t i;
        json_t *v;
        bool changed = false;
        json_array_foreach(ns, i, v)
        {
            if (strcmp(json_string_value(v), from) == 0) {
                json_array_set_new(ns, i, json_string(to));
                changed = true;
            }
        }
        if (changed) {
            sim_touch(c->sim, "domains", key);
            sim_jset_int(d, "updated", c->now);
            if (strcmp(sim_jstr(d, "owner", "other"), "other") != 0)
                sim_domain_event(c->sim, "NAMESERVER_UPDATE", key, d, false, 0);
        }
    }
}

struct xcp_value *act_ns_modify(struct ctx *c)
{
    char dom[MAX_NAME], name[MAX_NAME], to[MAX_NAME];
    struct xcp_value *err;
    if (!host_name(c, "name", "Missing required field: fqdn", true, name, &err))
        return err;
    json_t *d = act_target_domain(c, dom, &err);
    if (!d)
        return err;
    json_t *h =
        own_host(c, dom, name, "Unable to modify nameserver record", &err);
    if (!h)
        return err;
    bool rename = false;
    const char *nn = act_astr(c, "new_name");
    if (nn && *nn) {
        if (!sim_norm_domain(nn, to, sizeof(to)) || !sim_domain_syntax_ok(to) ||
            !in_domain(to, dom) ||
            (strcmp(to, name) != 0 && json_object_get(hosts(c->sim), to)))
            return act_reply(c, false, 400, NULL,
                             "Unable to change nameserver hostname to %s", nn);
        rename = strcmp(to, name) != 0;
    }
    json_t *v4, *v6;
    if (!read_addresses(c, &v4, &v6, &err))
        return err;
    /* the address set is replaced: an absent family is dropped (§6.2) */
    json_object_set_new(h, "ipaddress", v4);
    json_object_set_new(h, "ipv6", v6);
    if (rename) {
        json_object_set(hosts(c->sim), to, h);
        json_object_del(hosts(c->sim), name);
        rename_in_domains(c, name, to);
    }
    c->sim->dirty = true;
    return act_reply(c, true, 200, NULL, "Command successful");
}

struct xcp_value *act_ns_delete(struct ctx *c)
{
    char dom[MAX_NAME], name[MAX_NAME];
    struct xcp_value *err;
    if (!host_name(c, "name", "Missing required field: fqdn", true, name, &err))
        return err;
    json_t *d = act_target_domain(c, dom, &err);
    if (!d)
        return err;
    if (!own_host(c, dom, name, "Nameserver deletion failed at registry", &err))
        return err;
    /* a host serving any domain cannot go (§6.3) */
    if (host_in_use(c->sim, name))
        return act_fail_field(c, 405, "Nameserver deletion failed at registry",
                              "the name server is in use by a domain");
    json_object_del(hosts(c->sim), name);
    c->sim->dirty = true;
    return act_reply(c, true, 200, NULL, "Nameserver deleted");
}

struct xcp_value *act_ns_get(struct ctx *c)
{
    char dom[MAX_NAME];
    struct xcp_value *err;
    const char *which = act_astr(c, "name");
    if (!which || !*which)
        return act_fail_field(c, 460, "Missing required field", "name");
    json_t *d = act_target_domain(c, dom, &err);
    if (!d)
        return err;
    char one[MAX_NAME] = "";
    if (strcasecmp(which, "all") != 0 &&
        !sim_norm_domain(which, one, sizeof(one)))
        return act_fail_field(c, 465, "Invalid data", "invalid host name");
    struct xcp_value *arr = xcp_array_new();
    const char *key;
    json_t *h;
    json_object_foreach(hosts(c->sim), key, h)
    {
        if (strcmp(sim_jstr(h, "domain", ""), dom) != 0 ||
            strcmp(sim_jstr(h, "owner", ""), c->user) != 0 ||
            (*one && strcmp(key, one) != 0))
            continue;
        struct xcp_value *e = xcp_assoc_new();
        xcp_assoc_set_str(e, "name", key);
        json_t *v4 = json_object_get(h, "ipaddress");
        json_t *v6 = json_object_get(h, "ipv6");
        xcp_assoc_set_str(e, "ipaddress",
                          json_array_size(v4)
                              ? json_string_value(json_array_get(v4, 0))
                              : "");
        xcp_assoc_set_str(e, "ipv6",
                          json_array_size(v6)
                              ? json_string_value(json_array_get(v6, 0))
                              : "");
        xcp_assoc_set_int(e, "can_delete", host_in_use(c->sim, key) ? 0 : 1);
        xcp_array_push(arr, e);
    }
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set(a, "nameserver_list", arr);
    return act_reply(c, true, 200, a, "Query Successful");
}

/* registry_tld - the "tld" attribute (".com" or "com"), or the TLD of
 * host when absent, copied into out; NULL (with *err 465) when the sim
 * sells no such TLD. */
static const char *registry_tld(struct ctx *c, const char *host,
                                char out[MAX_NAME], struct xcp_value **err)
{
    const struct xcp_value *tv = act_attr(c, "tld");
    const char *t = act_astr(c, "tld");
    const char *tld;
    /* tld may point into low: both live until it is copied out below */
    char probe[MAX_NAME], low[MAX_NAME];
    if (tv && !t) {
        tld = NULL; /* not a scalar */
    } else if (t && *t) {
        snprintf(probe, sizeof(probe), "x.%s", *t == '.' ? t + 1 : t);
        tld = sim_norm_domain(probe, low, sizeof(low)) ? sim_tld(c->sim, low)
                                                       : NULL;
        if (tld && strcmp(tld, low + 2) != 0)
            tld = NULL;
    } else {
        tld = sim_tld(c->sim, host);
    }
    if (!tld) {
        *err = act_fail_field(c, 465, "Invalid data", "unsupported tld");
        return NULL;
    }
    snprintf(out, MAX_NAME, "%s", tld);
    return out;
}

struct xcp_value *act_registry_check_ns(struct ctx *c)
{
    char name[MAX_NAME];
    struct xcp_value *err;
    if (!host_name(c, "fqdn", "Missing required field: fqdn", false, name,
                   &err))
        return err;
    char tldbuf[MAX_NAME];
    if (!registry_tld(c, name, tldbuf, &err))
        return err;
    bool known = act_host_known(c->sim, name);
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_int(a, "is_success", known ? 1 : 0);
    xcp_assoc_set_str(a, "status", known ? "exists" : "not found");
    /* 212 "not at the registry" is an answer, not a failure (§6.5) */
    return known ? act_reply(c, true, 200, a, "Nameserver exists")
                 : act_reply(c, false, 212, a,
                             "Nameserver does not exist at the registry");
}

/* registry_name - what REGISTRY_ADD_NS calls the registry of tld. */
static const char *registry_name(const char *tld)
{
    static const char *const names[][2] = {
        {"com", "NSI"},      {"net", "NSI"},      {"org", "ISOC/PIR"},
        {"info", "Afilias"}, {"biz", "NeuLevel"}, {"us", "NeuStar"},
        {"ca", "CIRA"},      {"uk", "UK"},        {"de", "DENIC"},
        {"tv", "TV"},        {"cc", "NSI .cc"},   {"name", "dotName"}};
    const char *last = strrchr(tld, '.');
    last = last ? last + 1 : tld;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(names[i][0], last) == 0)
            return names[i][1];
    return last;
}

struct xcp_value *act_registry_add_ns(struct ctx *c)
{
    char name[MAX_NAME];
    struct xcp_value *err;
    if (!host_name(c, "fqdn", "Missing required field: fqdn", false, name,
                   &err))
        return err;
    const char *all = act_astr(c, "all");
    if (!all || !*all)
        return act_fail_field(c, 460, "Missing required field", "all");
    if (strcmp(all, "0") != 0 && strcmp(all, "1") != 0)
        return act_fail_field(c, 465, "Invalid data", "all must be 0 or 1");
    if (!act_astr(c, "tld") || !*act_astr(c, "tld"))
        return act_fail_field(c, 460, "Missing required field", "tld");
    char tldbuf[MAX_NAME];
    const char *tld = registry_tld(c, name, tldbuf, &err);
    if (!tld)
        return err;
    /* a host under one of our domains is a child host: CREATE NAMESERVER
     * makes it; this command only adds hosts that exist elsewhere (§6.6) */
    if (!json_object_get(hosts(c->sim), name) && act_host_parent(c->sim, name))
        return act_fail(c, 405,
                        "Registry error, unable to add nameserver: create "
                        "the nameserver first");
    sim_jset_int(json_object_get(c->sim->state, "registry_hosts"), name, 1);
    c->sim->dirty = true;
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "registry_name", registry_name(tld));
    xcp_assoc_set_str(a, "message", "Successfully added.");
    return act_reply(c, true, 200, a, "Successfully added.");
}
