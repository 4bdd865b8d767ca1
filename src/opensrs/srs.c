/*
 * srs - the OpenSRS driver: request builders, the calls over the
 * transport and the registrar table; the response mappers are in
 * srs_map.c (see srs.h for the contract and the operation mapping table).
 */
#include "opensrs/srs.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opensrs/srs_int.h"
#include "util/xalloc.h"

struct srs {
    struct srs_transport *t;
};

/* --- request builders ------------------------------------------------- */

/* check_domain - a plausible domain name: 1..253 printable bytes, no
 * spaces. The registrar does the real syntax check (465). */
static int check_domain(const char *d, struct rm_err *err)
{
    if (!d || !*d)
        return rm_err_set(err, RM_EINVAL, "opensrs: no domain given");
    size_t n = strlen(d);
    if (n > 253)
        return rm_err_set(err, RM_EINVAL, "opensrs: domain name too long");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)d[i] <= ' ' || d[i] == 0x7f)
            return rm_err_set(err, RM_EINVAL,
                              "opensrs: bad character in domain name");
    return 0;
}

static struct xcp_value *contact_tree(const struct reg_contact *c)
{
    struct xcp_value *v = xcp_assoc_new();
    const struct {
        const char *key, *val;
    } f[] = {
        {"first_name", c->first_name},
        {"last_name", c->last_name},
        {"org_name", c->org_name},
        {"address1", c->address1},
        {"address2", c->address2},
        {"address3", c->address3},
        {"city", c->city},
        {"state", c->state},
        {"postal_code", c->postal_code},
        {"country", c->country},
        {"phone", c->phone},
        {"fax", c->fax},
        {"email", c->email},
        {"url", c->url},
        {"lang_pref", c->lang_pref},
    };
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
        if (f[i].val)
            xcp_assoc_set_str(v, f[i].key, f[i].val);
    return v;
}

struct xcp_value *srs_req_order(const struct reg_domain_order *o, bool transfer,
                                struct rm_err *err)
{
    if (check_domain(o->domain, err))
        return NULL;
    int period = o->period ? o->period : 1;
    if (period < 1 || period > 10) {
        rm_err_set(err, RM_EINVAL, "opensrs: period must be 1..10 years");
        return NULL;
    }
    if (!o->owner || !o->reg_username || !*o->reg_username ||
        !o->reg_password || !*o->reg_password) {
        rm_err_set(err, RM_EINVAL,
                   "opensrs: SW_REGISTER needs an owner contact, "
                   "reg_username and reg_password");
        return NULL;
    }
    if (o->n_nameservers > REG_NS_MAX) {
        rm_err_set(err, RM_EINVAL, "opensrs: at most %d nameservers",
                   REG_NS_MAX);
        return NULL;
    }
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "domain", o->domain);
    xcp_assoc_set_str(a, "reg_type", transfer ? "transfer" : "new");
    xcp_assoc_set_int(a, "period", period);
    xcp_assoc_set_str(a, "reg_username", o->reg_username);
    xcp_assoc_set_str(a, "reg_password", o->reg_password);
    if (transfer && o->auth_info && *o->auth_info)
        xcp_assoc_set_str(a, "auth_info", o->auth_info);
    struct xcp_value *cs = xcp_assoc_set(a, "contact_set", xcp_assoc_new());
    /* admin and billing default to the owner: every registry wants them */
    xcp_assoc_set(cs, "owner", contact_tree(o->owner));
    xcp_assoc_set(cs, "admin", contact_tree(o->admin ? o->admin : o->owner));
    xcp_assoc_set(cs, "billing",
                  contact_tree(o->billing ? o->billing : o->owner));
    if (o->tech)
        xcp_assoc_set(cs, "tech", contact_tree(o->tech));
    xcp_assoc_set_int(a, "custom_tech_contact", o->tech ? 1 : 0);
    xcp_assoc_set_int(a, "custom_nameservers", o->n_nameservers ? 1 : 0);
    if (transfer)
        xcp_assoc_set_int(a, "custom_transfer_nameservers",
                          o->n_nameservers ? 1 : 0);
    if (o->n_nameservers) {
        struct xcp_value *nsl =
            xcp_assoc_set(a, "nameserver_list", xcp_array_new());
        for (size_t i = 0; i < o->n_nameservers; i++) {
            struct xcp_value *ns = xcp_array_push(nsl, xcp_assoc_new());
            xcp_assoc_set_str(ns, "name", o->nameservers[i]);
            xcp_assoc_set_int(ns, "sortorder", (int64_t)i + 1);
        }
    }
    xcp_assoc_set_int(a, "auto_renew", o->auto_renew);
    xcp_assoc_set_int(a, "f_lock_domain", o->lock);
    xcp_assoc_set_str(a, "handle", o->save_only ? "save" : "process");
    if (o->legal_type) {
        /* top-level attributes, as the OpenSRS toolkit's .CA requirements
         * send them (docs/opensrs-actions.md) */
        xcp_assoc_set_str(a, "legal_type", o->legal_type);
        xcp_assoc_set_int(a, "isa_trademark", o->isa_trademark ? 1 : 0);
        if (o->lang_pref)
            xcp_assoc_set_str(a, "lang_pref", o->lang_pref);
    }
    if (o->n_tld_data) {
        struct xcp_value *td = xcp_assoc_set(a, "tld_data", xcp_assoc_new());
        for (size_t i = 0; i < o->n_tld_data; i++) {
            if (!o->tld_data[i].key || !o->tld_data[i].value ||
                xcp_path_set(td, o->tld_data[i].key,
                             xcp_scalar_new(o->tld_data[i].value), err)) {
                if (!o->tld_data[i].key || !o->tld_data[i].value)
                    rm_err_set(err, RM_EINVAL, "opensrs: empty tld_data");
                xcp_free(a);
                return NULL;
            }
        }
    }
    return xcp_request_new("SW_REGISTER", "DOMAIN", a);
}

struct xcp_value *srs_req_renew(const struct reg_renew_req *r,
                                struct rm_err *err)
{
    if (check_domain(r->domain, err))
        return NULL;
    if (r->current_expiry_year < 1970 || r->current_expiry_year > 9999 ||
        r->period < 1 || r->period > 10) {
        rm_err_set(err, RM_EINVAL,
                   "opensrs: RENEW needs the current expiry year and a "
                   "period of 1..10");
        return NULL;
    }
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "domain", r->domain);
    xcp_assoc_set_int(a, "currentexpirationyear", r->current_expiry_year);
    xcp_assoc_set_int(a, "period", r->period);
    xcp_assoc_set_int(a, "auto_renew", r->auto_renew);
    xcp_assoc_set_str(a, "handle", "process");
    return xcp_request_new("RENEW", "DOMAIN", a);
}

struct xcp_value *srs_req_redeem(const char *domain, struct rm_err *err)
{
    if (check_domain(domain, err))
        return NULL;
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "domain", domain);
    return xcp_request_new("REDEEM", "DOMAIN", a);
}

static struct xcp_value *req1(const char *action, const char *object,
                              const char *key, const char *val)
{
    struct xcp_value *a = xcp_assoc_new();
    if (key)
        xcp_assoc_set_str(a, key, val);
    return xcp_request_new(action, object, a);
}

struct xcp_value *srs_req_poll_events(int limit)
{
    if (limit < 1)
        limit = 1;
    if (limit > SRS_EVENTS_MAX)
        limit = SRS_EVENTS_MAX;
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_int(a, "limit", limit);
    return xcp_request_new("POLL", "EVENT", a);
}

struct xcp_value *srs_req_ack_event(const char *event_id, struct rm_err *err)
{
    if (!srs_event_id_ok(event_id)) {
        rm_err_set(err, RM_EINVAL, "opensrs: bad or missing event id");
        return NULL;
    }
    return req1("ACK", "EVENT", "event_id", event_id);
}

/* --- after the sale: request builders --------------------------------- */

/* check_ip - an IPv4 (v6 false) or IPv6 address in text form. */
static int check_ip(const char *ip, bool v6, struct rm_err *err)
{
    unsigned char bin[16];
    if (inet_pton(v6 ? AF_INET6 : AF_INET, ip, bin) != 1)
        return rm_err_set(err, RM_EINVAL, "opensrs: bad %s address \"%.64s\"",
                          v6 ? "IPv6" : "IPv4", ip);
    return 0;
}

static bool given(const char *s)
{
    return s && *s;
}

/* tld_of - tld as the registry commands want it (".com"), from tld or,
 * when NULL or "", the host's last label. */
static int tld_of(const char *host, const char *tld, char out[64],
                  struct rm_err *err)
{
    if (!given(tld)) {
        const char *dot = strrchr(host, '.');
        if (!dot || !dot[1])
            return rm_err_set(err, RM_EINVAL, "opensrs: no TLD in \"%.64s\"",
                              host);
        tld = dot + 1;
    }
    if (*tld == '.')
        tld++;
    if (!*tld || strlen(tld) > 60 || strchr(tld, ' '))
        return rm_err_set(err, RM_EINVAL, "opensrs: bad TLD");
    snprintf(out, 64, ".%s", tld);
    return 0;
}

struct xcp_value *srs_req_set_nameservers(const char *domain,
                                          const char *const *ns, size_t n,
                                          struct rm_err *err)
{
    if (check_domain(domain, err))
        return NULL;
    if (n < REG_NS_MIN || n > REG_NS_MAX || !ns) {
        rm_err_set(err, RM_EINVAL, "opensrs: %d to %d nameservers, not %zu",
                   REG_NS_MIN, REG_NS_MAX, n);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (check_domain(ns[i], err))
            return NULL;
        for (size_t j = 0; j < i; j++)
            if (strcasecmp(ns[i], ns[j]) == 0) {
                rm_err_set(err, RM_EINVAL, "opensrs: nameserver %.64s twice",
                           ns[i]);
                return NULL;
            }
    }
    struct xcp_value *req =
        req1("ADVANCED_UPDATE_NAMESERVERS", "DOMAIN", "domain", domain);
    struct xcp_value *a = xcp_request_attrs(req);
    xcp_assoc_set_str(a, "op_type", "assign");
    struct xcp_value *l = xcp_assoc_set(a, "assign_ns", xcp_array_new());
    for (size_t i = 0; i < n; i++)
        xcp_array_push(l, xcp_scalar_new(ns[i]));
    return req;
}

struct xcp_value *srs_req_ns_check(const char *host, const char *tld,
                                   struct rm_err *err)
{
    char t[64];
    if (check_domain(host, err) || tld_of(host, tld, t, err))
        return NULL;
    struct xcp_value *req =
        req1("REGISTRY_CHECK_NAMESERVER", "NAMESERVER", "fqdn", host);
    xcp_assoc_set_str(xcp_request_attrs(req), "tld", t);
    return req;
}

struct xcp_value *srs_req_ns_registry_add(const char *host, const char *tld,
                                          bool all, struct rm_err *err)
{
    char t[64];
    if (check_domain(host, err) || tld_of(host, tld, t, err))
        return NULL;
    struct xcp_value *req = req1("REGISTRY_ADD_NS", "NAMESERVER", "fqdn", host);
    struct xcp_value *a = xcp_request_attrs(req);
    xcp_assoc_set_str(a, "tld", t);
    xcp_assoc_set_str(a, "all", all ? "1" : "0");
    return req;
}

/* host_req - CREATE or MODIFY NAMESERVER: domain, name, [new_name],
 * ipaddress and/or ipv6 (one required). */
static struct xcp_value *host_req(const char *action, const struct reg_host *h,
                                  bool modify, struct rm_err *err)
{
    if (!h || check_domain(h->domain, err) || check_domain(h->name, err))
        return NULL;
    if (!given(h->ipv4) && !given(h->ipv6)) {
        rm_err_set(err, RM_EINVAL,
                   "opensrs: a nameserver needs an IPv4 or IPv6 address");
        return NULL;
    }
    if ((given(h->ipv4) && check_ip(h->ipv4, false, err)) ||
        (given(h->ipv6) && check_ip(h->ipv6, true, err)))
        return NULL;
    if (modify && given(h->new_name) && check_domain(h->new_name, err))
        return NULL;
    struct xcp_value *req = req1(action, "NAMESERVER", "domain", h->domain);
    struct xcp_value *a = xcp_request_attrs(req);
    xcp_assoc_set_str(a, "name", h->name);
    if (modify && given(h->new_name))
        xcp_assoc_set_str(a, "new_name", h->new_name);
    if (given(h->ipv4))
        xcp_assoc_set_str(a, "ipaddress", h->ipv4);
    if (given(h->ipv6))
        xcp_assoc_set_str(a, "ipv6", h->ipv6);
    return req;
}

struct xcp_value *srs_req_host_create(const struct reg_host *h,
                                      struct rm_err *err)
{
    return host_req("CREATE", h, false, err);
}

struct xcp_value *srs_req_host_modify(const struct reg_host *h,
                                      struct rm_err *err)
{
    return host_req("MODIFY", h, true, err);
}

struct xcp_value *srs_req_host_delete(const char *domain, const char *name,
                                      struct rm_err *err)
{
    if (check_domain(domain, err) || check_domain(name, err))
        return NULL;
    struct xcp_value *req = req1("DELETE", "NAMESERVER", "domain", domain);
    xcp_assoc_set_str(xcp_request_attrs(req), "name", name);
    return req;
}

struct xcp_value *srs_req_hosts(const char *domain, struct rm_err *err)
{
    if (check_domain(domain, err))
        return NULL;
    struct xcp_value *req = req1("GET", "NAMESERVER", "domain", domain);
    xcp_assoc_set_str(xcp_request_attrs(req), "name", "all");
    return req;
}

struct xcp_value *srs_req_get_domain(const char *domain, const char *type,
                                     struct rm_err *err)
{
    if (check_domain(domain, err))
        return NULL;
    struct xcp_value *req = req1("GET", "DOMAIN", "domain", domain);
    xcp_assoc_set_str(xcp_request_attrs(req), "type", type);
    return req;
}

struct xcp_value *srs_req_update_contacts(const struct reg_contact_update *u,
                                          struct rm_err *err)
{
    if (!u || check_domain(u->domain, err))
        return NULL;
    const struct {
        const char *type;
        const struct reg_contact *c;
    } t[] = {{"owner", u->owner},
             {"admin", u->admin},
             {"billing", u->billing},
             {"tech", u->tech}};
    size_t n = 0;
    for (size_t i = 0; i < 4; i++)
        n += t[i].c != NULL;
    if (!n) {
        rm_err_set(err, RM_EINVAL, "opensrs: no contact to change");
        return NULL;
    }
    struct xcp_value *req =
        req1("UPDATE_CONTACTS", "DOMAIN", "domain", u->domain);
    struct xcp_value *a = xcp_request_attrs(req);
    xcp_assoc_set_str(a, "affect_domains", "0");
    struct xcp_value *types = xcp_assoc_set(a, "types", xcp_array_new());
    struct xcp_value *cs = xcp_assoc_set(a, "contact_set", xcp_assoc_new());
    for (size_t i = 0; i < 4; i++) {
        if (!t[i].c)
            continue;
        xcp_array_push(types, xcp_scalar_new(t[i].type));
        xcp_assoc_set(cs, t[i].type, contact_tree(t[i].c));
    }
    return req;
}

/* modify_req - MODIFY DOMAIN with data and affect_domains=0. */
static struct xcp_value *modify_req(const char *domain, const char *data)
{
    struct xcp_value *req = req1("MODIFY", "DOMAIN", "domain", domain);
    struct xcp_value *a = xcp_request_attrs(req);
    xcp_assoc_set_str(a, "affect_domains", "0");
    xcp_assoc_set_str(a, "data", data);
    return req;
}

struct xcp_value *srs_req_set_lock(const char *domain, bool lock,
                                   struct rm_err *err)
{
    if (check_domain(domain, err))
        return NULL;
    struct xcp_value *req = modify_req(domain, "status");
    xcp_assoc_set_str(xcp_request_attrs(req), "lock_state", lock ? "1" : "0");
    return req;
}

/* nexus_word_ok - 1..7 letters and digits. */
static bool nexus_word_ok(const char *w, bool may_be_empty)
{
    size_t n = strlen(w);
    if (n == 0)
        return may_be_empty;
    if (n > 7)
        return false;
    for (const char *p = w; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
              (*p >= '0' && *p <= '9')))
            return false;
    return true;
}

struct xcp_value *srs_req_set_nexus(const char *domain,
                                    const struct reg_nexus *n,
                                    struct rm_err *err)
{
    if (check_domain(domain, err))
        return NULL;
    if (!nexus_word_ok(n->category, false) ||
        !nexus_word_ok(n->app_purpose, false) ||
        !nexus_word_ok(n->validator, true)) {
        rm_err_set(err, RM_EINVAL,
                   "opensrs: nexus needs a category and a purpose (letters "
                   "and digits)");
        return NULL;
    }
    struct xcp_value *req = modify_req(domain, "nexus_info");
    struct xcp_value *nx =
        xcp_assoc_set(xcp_request_attrs(req), "nexus", xcp_assoc_new());
    xcp_assoc_set_str(nx, "category", n->category);
    xcp_assoc_set_str(nx, "app_purpose", n->app_purpose);
    if (n->validator[0])
        xcp_assoc_set_str(nx, "validator", n->validator);
    return req;
}

struct xcp_value *srs_req_send_authcode(const char *domain, struct rm_err *err)
{
    if (check_domain(domain, err))
        return NULL;
    return req1("SEND_AUTHCODE", "DOMAIN", "domain_name", domain);
}

struct xcp_value *srs_req_set_auth_code(const char *domain, const char *code,
                                        struct rm_err *err)
{
    if (check_domain(domain, err))
        return NULL;
    if (!given(code) || strlen(code) >= REG_AUTH_MAX) {
        rm_err_set(err, RM_EINVAL, "opensrs: auth code empty or too long");
        return NULL;
    }
    for (const char *p = code; *p; p++)
        if ((unsigned char)*p < ' ' || *p == 0x7f) {
            rm_err_set(err, RM_EINVAL,
                       "opensrs: control character in auth code");
            return NULL;
        }
    struct xcp_value *req = modify_req(domain, "domain_auth_info");
    xcp_assoc_set_str(xcp_request_attrs(req), "domain_auth_info", code);
    return req;
}

struct xcp_value *srs_req_set_privacy(const char *domain, bool on,
                                      struct rm_err *err)
{
    if (check_domain(domain, err))
        return NULL;
    struct xcp_value *req = modify_req(domain, "whois_privacy_state");
    xcp_assoc_set_str(xcp_request_attrs(req), "state",
                      on ? "enable" : "disable");
    return req;
}

struct xcp_value *srs_req_transfers_away(const struct reg_away_query *q,
                                         int page, struct rm_err *err)
{
    if (page < 1) {
        rm_err_set(err, RM_EINVAL, "opensrs: pages count from 1");
        return NULL;
    }
    if (q && given(q->domain) && check_domain(q->domain, err))
        return NULL;
    if (q && given(q->status) &&
        reg_transfer_state_parse(q->status) == REG_XFER_UNKNOWN) {
        rm_err_set(err, RM_EINVAL, "opensrs: unknown transfer status %.32s",
                   q->status);
        return NULL;
    }
    struct xcp_value *req = req1("GET_TRANSFERS_AWAY", "DOMAIN", NULL, NULL);
    struct xcp_value *a = xcp_request_attrs(req);
    if (q && given(q->domain))
        xcp_assoc_set_str(a, "domain", q->domain);
    if (q && given(q->status))
        xcp_assoc_set_str(a, "status", q->status);
    xcp_assoc_set_int(a, "limit", SRS_AWAY_PAGE);
    xcp_assoc_set_int(a, "page", page);
    return req;
}

/* tld_list - names as ".tld" into a new array. */
static int tld_list(const char *const *tlds, size_t n, struct xcp_value **out,
                    struct rm_err *err)
{
    *out = NULL;
    if (n > 200)
        return rm_err_set(err, RM_EINVAL, "opensrs: too many TLDs");
    for (size_t i = 0; i < n; i++)
        if (!given(tlds[i]) || strlen(tlds[i]) > 63 || strchr(tlds[i], ' '))
            return rm_err_set(err, RM_EINVAL, "opensrs: bad TLD");
    *out = xcp_array_new();
    for (size_t i = 0; i < n; i++)
        xcp_array_push(
            *out,
            xcp_scalar_newf("%s%s", tlds[i][0] == '.' ? "" : ".", tlds[i]));
    return 0;
}

/* money_text - minor units as the registrar writes prices: "100" for a
 * whole amount, "99.50" otherwise. */
static struct xcp_value *money_text(int64_t v)
{
    if (v % 100 == 0)
        return xcp_scalar_newf("%lld", (long long)(v / 100));
    return xcp_scalar_newf("%lld.%02lld", (long long)(v / 100),
                           (long long)(v % 100));
}

/* service_override - the override of one service; NULL when it has
 * nothing to say. */
static int service_override(const struct reg_suggest_service *sv, int64_t pmin,
                            int64_t pmax, struct xcp_value **out,
                            struct rm_err *err)
{
    *out = NULL;
    if (sv->maximum < 0 || sv->maximum > 1000 || pmin < 0 || pmax < 0 ||
        (pmax && pmin > pmax))
        return rm_err_set(err, RM_EINVAL,
                          "opensrs: bad maximum or price window");
    if (!sv->n_tlds && !sv->maximum && !pmin && !pmax)
        return 0;
    struct xcp_value *o = xcp_assoc_new();
    if (sv->n_tlds) {
        struct xcp_value *l;
        int rc = tld_list(sv->tlds, sv->n_tlds, &l, err);
        if (rc) {
            xcp_free(o);
            return rc;
        }
        xcp_assoc_set(o, "tlds", l);
    }
    if (sv->maximum)
        xcp_assoc_set_int(o, "maximum", sv->maximum);
    if (pmin)
        xcp_assoc_set(o, "price_min", money_text(pmin));
    if (pmax)
        xcp_assoc_set(o, "price_max", money_text(pmax));
    *out = o;
    return 0;
}

struct xcp_value *srs_req_suggest(const struct reg_suggest_req *q,
                                  struct rm_err *err)
{
    if (!q || !given(q->search) || strlen(q->search) > 253) {
        rm_err_set(err, RM_EINVAL, "opensrs: bad search string");
        return NULL;
    }
    struct xcp_value *tl, *ov[3] = {NULL, NULL, NULL};
    if (tld_list(q->tlds, q->n_tlds, &tl, err))
        return NULL;
    if (service_override(&q->lookup, 0, 0, &ov[0], err) ||
        service_override(&q->suggestion, 0, 0, &ov[1], err) ||
        (q->premium && service_override(&q->premium_opts, q->price_min,
                                        q->price_max, &ov[2], err))) {
        xcp_free(tl);
        for (size_t i = 0; i < 3; i++)
            xcp_free(ov[i]);
        return NULL;
    }
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "searchstring", q->search);
    xcp_assoc_set(a, "tlds", tl);
    struct xcp_value *sv = xcp_assoc_set(a, "services", xcp_array_new());
    xcp_array_push(sv, xcp_scalar_new("lookup"));
    xcp_array_push(sv, xcp_scalar_new("suggestion"));
    if (q->premium)
        xcp_array_push(sv, xcp_scalar_new("premium"));
    if (ov[0] || ov[1] || ov[2]) {
        static const char *const names[] = {"lookup", "suggestion", "premium"};
        struct xcp_value *so =
            xcp_assoc_set(a, "service_override", xcp_assoc_new());
        for (size_t i = 0; i < 3; i++)
            if (ov[i])
                xcp_assoc_set(so, names[i], ov[i]);
    }
    return xcp_request_new("NAME_SUGGEST", "DOMAIN", a);
}

/* --- the driver ------------------------------------------------------- */

/* query - send a read-only request (owned) and fill rr on failure. */
static int query(struct srs *s, struct xcp_value *req, struct srs_reply *rep,
                 struct reg_reply *rr, struct rm_err *err)
{
    srs_reply_init(rep);
    int rc = srs_transport_call(s->t, req, true, rep, err);
    xcp_free(req);
    if (rc) {
        memset(rr, 0, sizeof(*rr));
        rr->delivery =
            rep->outcome == SRS_NOT_SENT ? REG_NOT_SENT : REG_UNKNOWN;
        copy(rr->text, sizeof(rr->text), err ? err->msg : "");
    }
    return rc;
}

/* operation - send a request with a side effect (owned) and map it. */
static int operation(struct srs *s, struct xcp_value *req,
                     enum reg_op_kind kind, bool save,
                     struct reg_op_result *out, struct rm_err *err)
{
    struct srs_reply rep;
    struct rm_err e;
    rm_err_clear(&e);
    srs_reply_init(&rep);
    srs_transport_call(s->t, req, false, &rep, &e);
    xcp_free(req);
    srs_map_op_reply(kind, save, &rep, e.msg, out);
    srs_reply_release(&rep);
    return 0;
}

static int invalid_op(struct reg_op_result *out, struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    out->state = REG_OP_NOT_SENT;
    out->reply.delivery = REG_NOT_SENT;
    copy(out->reason, sizeof(out->reason), err ? err->msg : "invalid");
    return RM_EINVAL;
}

static int drv_lookup(void *impl, const char *domain, struct reg_lookup *out,
                      struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    if (check_domain(domain, err))
        return RM_EINVAL;
    struct srs_reply rep;
    struct xcp_value *req = req1("LOOKUP", "DOMAIN", "domain", domain);
    int rc = query(impl, req, &rep, &out->reply, err);
    if (!rc)
        rc = srs_map_lookup(&rep.resp, out, err);
    srs_reply_release(&rep);
    return rc;
}

/* suggest_call - NAME_SUGGEST as q asks. */
static int suggest_call(void *impl, const struct reg_suggest_req *q,
                        struct reg_suggest *out, struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    struct xcp_value *req = srs_req_suggest(q, err);
    if (!req) {
        out->reply.delivery = REG_NOT_SENT;
        return RM_EINVAL;
    }
    struct srs_reply rep;
    int rc = query(impl, req, &rep, &out->reply, err);
    if (!rc)
        rc = srs_map_suggest(&rep.resp, out, err);
    srs_reply_release(&rep);
    return rc;
}

static int drv_suggest(void *impl, const char *search, const char *const *tlds,
                       size_t n_tlds, struct reg_suggest *out,
                       struct rm_err *err)
{
    struct reg_suggest_req q = {
        .search = search, .tlds = tlds, .n_tlds = n_tlds};
    return suggest_call(impl, &q, out, err);
}

static int drv_suggest_ex(void *impl, const struct reg_suggest_req *q,
                          struct reg_suggest *out, struct rm_err *err)
{
    return suggest_call(impl, q, out, err);
}

static int drv_register(void *impl, const struct reg_domain_order *o,
                        struct reg_op_result *out, struct rm_err *err)
{
    struct xcp_value *req = srs_req_order(o, false, err);
    if (!req)
        return invalid_op(out, err);
    return operation(impl, req, REG_KIND_REGISTER, o->save_only, out, err);
}

static int drv_transfer(void *impl, const struct reg_domain_order *o,
                        struct reg_op_result *out, struct rm_err *err)
{
    struct xcp_value *req = srs_req_order(o, true, err);
    if (!req)
        return invalid_op(out, err);
    return operation(impl, req, REG_KIND_TRANSFER, o->save_only, out, err);
}

static int drv_renew(void *impl, const struct reg_renew_req *r,
                     struct reg_op_result *out, struct rm_err *err)
{
    struct xcp_value *req = srs_req_renew(r, err);
    if (!req)
        return invalid_op(out, err);
    return operation(impl, req, REG_KIND_RENEW, false, out, err);
}

static int drv_restore(void *impl, const char *domain,
                       struct reg_op_result *out, struct rm_err *err)
{
    struct xcp_value *req = srs_req_redeem(domain, err);
    if (!req)
        return invalid_op(out, err);
    return operation(impl, req, REG_KIND_RESTORE, false, out, err);
}

static int check_id(const char *id, struct rm_err *err)
{
    if (!id || !*id || strlen(id) >= REG_ID_MAX)
        return rm_err_set(err, RM_EINVAL, "opensrs: bad or missing id");
    for (const char *p = id; *p; p++)
        if (!isdigit((unsigned char)*p))
            return rm_err_set(err, RM_EINVAL,
                              "opensrs: id must be decimal: %.40s", id);
    return 0;
}

static int drv_process_pending(void *impl, const char *order_id,
                               enum reg_op_kind kind, struct reg_op_result *out,
                               struct rm_err *err)
{
    if (check_id(order_id, err))
        return invalid_op(out, err);
    return operation(impl,
                     req1("PROCESS_PENDING", "DOMAIN", "order_id", order_id),
                     kind, false, out, err);
}

static int drv_cancel_order(void *impl, const char *order_id,
                            struct reg_op_result *out, struct rm_err *err)
{
    if (check_id(order_id, err))
        return invalid_op(out, err);
    struct xcp_value *req =
        req1("PROCESS_PENDING", "DOMAIN", "order_id", order_id);
    xcp_assoc_set_str(xcp_request_attrs(req), "command", "cancel");
    return operation(impl, req, REG_KIND_CANCEL, false, out, err);
}

static int drv_cancel_transfer(void *impl, const char *domain,
                               const char *order_id, struct reg_op_result *out,
                               struct rm_err *err)
{
    struct srs *s = impl;
    if ((!domain || !*domain) && (!order_id || !*order_id)) {
        rm_err_set(err, RM_EINVAL,
                   "opensrs: CANCEL_TRANSFER needs a domain or an order id");
        return invalid_op(out, err);
    }
    if ((domain && *domain && check_domain(domain, err)) ||
        (order_id && *order_id && check_id(order_id, err)))
        return invalid_op(out, err);
    struct xcp_value *req = req1("CANCEL_TRANSFER", "TRANSFER", "reseller",
                                 srs_transport_user(s->t));
    struct xcp_value *a = xcp_request_attrs(req);
    if (domain && *domain)
        xcp_assoc_set_str(a, "domain", domain);
    if (order_id && *order_id)
        xcp_assoc_set_str(a, "order_id", order_id);
    return operation(impl, req, REG_KIND_CANCEL, false, out, err);
}

static int drv_revoke(void *impl, const char *domain, struct reg_op_result *out,
                      struct rm_err *err)
{
    struct srs *s = impl;
    if (check_domain(domain, err))
        return invalid_op(out, err);
    struct xcp_value *req = req1("REVOKE", "DOMAIN", "domain", domain);
    xcp_assoc_set_str(xcp_request_attrs(req), "reseller",
                      srs_transport_user(s->t));
    return operation(impl, req, REG_KIND_CANCEL, false, out, err);
}

static int drv_set_expire_action(void *impl, const char *domain,
                                 bool auto_renew, struct reg_op_result *out,
                                 struct rm_err *err)
{
    if (check_domain(domain, err))
        return invalid_op(out, err);
    /* both flags are required; affect_domains is sent although the
     * server defaults it (opensrs-manage.md section 2.6, 15) */
    struct xcp_value *req = req1("MODIFY", "DOMAIN", "domain", domain);
    struct xcp_value *a = xcp_request_attrs(req);
    xcp_assoc_set_str(a, "data", "expire_action");
    xcp_assoc_set_str(a, "affect_domains", "0");
    xcp_assoc_set_str(a, "auto_renew", auto_renew ? "1" : "0");
    xcp_assoc_set_str(a, "let_expire", auto_renew ? "0" : "1");
    return operation(impl, req, REG_KIND_CANCEL, false, out, err);
}

static int drv_transfer_status(void *impl, const char *domain,
                               struct reg_transfer_info *out,
                               struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    if (check_domain(domain, err))
        return RM_EINVAL;
    struct xcp_value *req = req1("CHECK_TRANSFER", "DOMAIN", "domain", domain);
    xcp_assoc_set_int(xcp_request_attrs(req), "check_status", 1);
    struct srs_reply rep;
    int rc = query(impl, req, &rep, &out->reply, err);
    if (!rc)
        rc = srs_map_transfer_check(&rep.resp, out, err);
    srs_reply_release(&rep);
    return rc;
}

static int drv_transfers_in(void *impl, const char *domain,
                            const char *order_id, struct reg_transfers *out,
                            struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    if ((domain && *domain && check_domain(domain, err)) ||
        (order_id && *order_id && check_id(order_id, err)))
        return RM_EINVAL;
    struct xcp_value *req = req1("GET_TRANSFERS_IN", "DOMAIN", NULL, NULL);
    struct xcp_value *a = xcp_request_attrs(req);
    if (domain && *domain)
        xcp_assoc_set_str(a, "domain", domain);
    if (order_id && *order_id)
        xcp_assoc_set_str(a, "order_id", order_id);
    struct srs_reply rep;
    int rc = query(impl, req, &rep, &out->reply, err);
    if (!rc)
        rc = srs_map_transfers_in(&rep.resp, out, err);
    srs_reply_release(&rep);
    return rc;
}

static int drv_order_info(void *impl, const char *order_id,
                          struct reg_order_info *out, struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    if (check_id(order_id, err))
        return RM_EINVAL;
    struct srs_reply rep;
    int rc = query(impl, req1("GET_ORDER_INFO", "DOMAIN", "order_id", order_id),
                   &rep, &out->reply, err);
    if (!rc)
        rc = srs_map_order_info(&rep.resp, out, err);
    if (!rc && !out->order_id[0])
        copy(out->order_id, sizeof(out->order_id), order_id);
    srs_reply_release(&rep);
    return rc;
}

static int drv_queue_info(void *impl, const char *queue_id,
                          struct reg_queue_info *out, struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    if (check_id(queue_id, err))
        return RM_EINVAL;
    struct srs_reply rep;
    int rc = query(
        impl, req1("QUERY_QUEUED_REQUEST", "DOMAIN", "request_id", queue_id),
        &rep, &out->reply, err);
    if (!rc)
        rc = srs_map_queue(&rep.resp, out, err);
    srs_reply_release(&rep);
    return rc;
}

static int drv_belongs(void *impl, const char *domain, struct reg_belongs *out,
                       struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    if (check_domain(domain, err))
        return RM_EINVAL;
    struct srs_reply rep;
    int rc = query(impl, req1("BELONGS_TO_RSP", "DOMAIN", "domain", domain),
                   &rep, &out->reply, err);
    if (!rc)
        rc = srs_map_belongs(&rep.resp, out, err);
    srs_reply_release(&rep);
    return rc;
}

static struct xcp_value *get_domain(const char *domain, const char *type)
{
    struct xcp_value *req = req1("GET", "DOMAIN", "domain", domain);
    xcp_assoc_set_str(xcp_request_attrs(req), "type", type);
    return req;
}

static int drv_info(void *impl, const char *domain, struct reg_domain_info *out,
                    struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    if (check_domain(domain, err))
        return RM_EINVAL;
    struct srs_reply rep;
    int rc =
        query(impl, get_domain(domain, "all_info"), &rep, &out->reply, err);
    if (!rc)
        rc = srs_map_info(&rep.resp, out, err);
    srs_reply_release(&rep);
    return rc;
}

static int drv_status(void *impl, const char *domain,
                      struct reg_domain_status *out, struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    if (check_domain(domain, err))
        return RM_EINVAL;
    struct srs_reply rep;
    int rc = query(impl, get_domain(domain, "status"), &rep, &out->reply, err);
    if (!rc)
        rc = srs_map_status(&rep.resp, out, err);
    srs_reply_release(&rep);
    return rc;
}

static void ymd(time_t t, char out[16])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

static int drv_expiring(void *impl, time_t from, time_t to,
                        struct reg_expiring *out, struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    if (to < from)
        return rm_err_set(err, RM_EINVAL, "opensrs: empty date range");
    char f[16], t[16];
    ymd(from, f);
    ymd(to, t);
    int rc = 0;
    /* Follow `remainder` page by page; the cap on pages stops a registrar
     * that never says "last page". */
    for (int64_t page = 1; page <= SRS_EXPIRING_MAX / SRS_EXPIRING_PAGE;
         page++) {
        struct xcp_value *req =
            req1("GET_DOMAINS_BY_EXPIREDATE", "DOMAIN", "exp_from", f);
        struct xcp_value *a = xcp_request_attrs(req);
        xcp_assoc_set_str(a, "exp_to", t);
        xcp_assoc_set_int(a, "limit", SRS_EXPIRING_PAGE);
        xcp_assoc_set_int(a, "page", page);
        struct srs_reply rep;
        int64_t remainder = 0;
        size_t before = out->n;
        rc = query(impl, req, &rep, &out->reply, err);
        if (!rc)
            rc = srs_map_expiring_page(&rep.resp, out, &remainder, err);
        srs_reply_release(&rep);
        if (rc || remainder <= 0)
            break;
        if (out->n == before) {
            rc = rm_err_set(err, RM_EPROTO,
                            "opensrs: GET_DOMAINS_BY_EXPIREDATE: empty page "
                            "%lld with remainder %lld",
                            (long long)page, (long long)remainder);
            break;
        }
    }
    if (rc) {
        struct reg_reply keep = out->reply;
        reg_expiring_release(out);
        out->reply = keep;
    }
    return rc;
}

static int drv_balance(void *impl, struct reg_balance *out, struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    struct srs_reply rep;
    int rc = query(impl, req1("GET_BALANCE", "BALANCE", NULL, NULL), &rep,
                   &out->reply, err);
    if (!rc)
        rc = srs_map_balance(&rep.resp, out, err);
    srs_reply_release(&rep);
    return rc;
}

static int drv_price(void *impl, const char *domain, enum reg_price_type type,
                     int period, struct reg_price *out, struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    if (check_domain(domain, err))
        return RM_EINVAL;
    if (period < 1 || period > 10)
        return rm_err_set(err, RM_EINVAL, "opensrs: period must be 1..10");
    static const char *const types[] = {"new", "renewal", "transfer"};
    struct xcp_value *req = req1("GET_PRICE", "DOMAIN", "domain", domain);
    struct xcp_value *a = xcp_request_attrs(req);
    xcp_assoc_set_int(a, "period", period);
    xcp_assoc_set_str(a, "reg_type", types[type]);
    struct srs_reply rep;
    int rc = query(impl, req, &rep, &out->reply, err);
    if (!rc)
        rc = srs_map_price(&rep.resp, out, err);
    srs_reply_release(&rep);
    return rc;
}

static int drv_poll_events(void *impl, int limit, struct reg_events *out,
                           struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    out->total = -1;
    struct srs_reply rep;
    int rc = query(impl, srs_req_poll_events(limit), &rep, &out->reply, err);
    if (!rc)
        rc = srs_map_events(&rep.resp, limit, out, err);
    srs_reply_release(&rep);
    return rc;
}

static int drv_ack_event(void *impl, const char *event_id,
                         struct reg_reply *out, struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    struct xcp_value *req = srs_req_ack_event(event_id, err);
    if (!req) {
        out->delivery = REG_NOT_SENT;
        copy(out->text, sizeof(out->text), err ? err->msg : "invalid");
        return RM_EINVAL;
    }
    /* ACK changes what later polls return, but repeating it is harmless:
     * a second ACK is answered 480 (RM_ENOTFOUND, already acknowledged).
     * So, unlike an order, it may go over a pooled connection, where
     * libcurl could resend it. */
    struct srs_reply rep;
    int rc = query(impl, req, &rep, out, err);
    if (!rc)
        rc = srs_map_ack(&rep.resp, out, err);
    srs_reply_release(&rep);
    return rc;
}

/* --- after the sale: the calls --------------------------------------- */

/* write_op - send a built write (NULL: invalid, not sent) and map it. */
static int write_op(void *impl, struct xcp_value *req,
                    struct reg_op_result *out, struct rm_err *err)
{
    if (!req)
        return invalid_op(out, err);
    return operation(impl, req, REG_KIND_CANCEL, false, out, err);
}

static int drv_set_nameservers(void *impl, const char *domain,
                               const char *const *ns, size_t n,
                               struct reg_op_result *out, struct rm_err *err)
{
    return write_op(impl, srs_req_set_nameservers(domain, ns, n, err), out,
                    err);
}

static int drv_ns_registry_add(void *impl, const char *host, const char *tld,
                               bool all, struct reg_op_result *out,
                               struct rm_err *err)
{
    return write_op(impl, srs_req_ns_registry_add(host, tld, all, err), out,
                    err);
}

static int drv_host_create(void *impl, const struct reg_host *h,
                           struct reg_op_result *out, struct rm_err *err)
{
    return write_op(impl, srs_req_host_create(h, err), out, err);
}

static int drv_host_modify(void *impl, const struct reg_host *h,
                           struct reg_op_result *out, struct rm_err *err)
{
    return write_op(impl, srs_req_host_modify(h, err), out, err);
}

static int drv_host_delete(void *impl, const char *domain, const char *name,
                           struct reg_op_result *out, struct rm_err *err)
{
    return write_op(impl, srs_req_host_delete(domain, name, err), out, err);
}

static int drv_set_lock(void *impl, const char *domain, bool lock,
                        struct reg_op_result *out, struct rm_err *err)
{
    return write_op(impl, srs_req_set_lock(domain, lock, err), out, err);
}

static int drv_send_auth_code(void *impl, const char *domain,
                              struct reg_op_result *out, struct rm_err *err)
{
    return write_op(impl, srs_req_send_authcode(domain, err), out, err);
}

static int drv_set_auth_code(void *impl, const char *domain, const char *code,
                             struct reg_op_result *out, struct rm_err *err)
{
    return write_op(impl, srs_req_set_auth_code(domain, code, err), out, err);
}

/* send_write - send req (owned) as an operation; the answer, if any, is
 * left in rep for the caller to map (srs_reply_release it). */
static void send_write(struct srs *s, struct xcp_value *req,
                       struct srs_reply *rep, struct rm_err *e)
{
    rm_err_clear(e);
    srs_reply_init(rep);
    srs_transport_call(s->t, req, false, rep, e);
    xcp_free(req);
}

static int drv_set_contacts(void *impl, const struct reg_contact_update *u,
                            struct reg_op_result *out, struct rm_err *err)
{
    struct xcp_value *req = srs_req_update_contacts(u, err);
    if (!req)
        return invalid_op(out, err);
    struct srs_reply rep;
    struct rm_err e;
    send_write(impl, req, &rep, &e);
    if (rep.outcome == SRS_ANSWERED)
        srs_map_update_contacts(&rep.resp, u->domain, out);
    else
        srs_map_op_reply(REG_KIND_CANCEL, false, &rep, e.msg, out);
    srs_reply_release(&rep);
    return 0;
}

static int drv_set_privacy(void *impl, const char *domain, bool on,
                           struct reg_privacy_result *out, struct rm_err *err)
{
    out->not_offered = false;
    struct xcp_value *req = srs_req_set_privacy(domain, on, err);
    if (!req)
        return invalid_op(&out->op, err);
    struct srs_reply rep;
    struct rm_err e;
    send_write(impl, req, &rep, &e);
    if (rep.outcome == SRS_ANSWERED)
        srs_map_set_privacy(&rep.resp, out);
    else
        srs_map_op_reply(REG_KIND_CANCEL, false, &rep, e.msg, &out->op);
    srs_reply_release(&rep);
    return 0;
}

/* not_sent_query - a query refused before sending. */
static int not_sent_query(struct reg_reply *rr, struct rm_err *err)
{
    rr->delivery = REG_NOT_SENT;
    copy(rr->text, sizeof(rr->text), err ? err->msg : "invalid");
    return RM_EINVAL;
}

static int drv_ns_check(void *impl, const char *host, const char *tld,
                        struct reg_ns_check *out, struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    struct xcp_value *req = srs_req_ns_check(host, tld, err);
    if (!req)
        return not_sent_query(&out->reply, err);
    struct srs_reply rep;
    int rc = query(impl, req, &rep, &out->reply, err);
    if (!rc)
        rc = srs_map_ns_check(&rep.resp, out, err);
    srs_reply_release(&rep);
    return rc;
}

static int drv_hosts(void *impl, const char *domain, struct reg_hosts *out,
                     struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    struct xcp_value *req = srs_req_hosts(domain, err);
    if (!req)
        return not_sent_query(&out->reply, err);
    struct srs_reply rep;
    int rc = query(impl, req, &rep, &out->reply, err);
    if (!rc)
        rc = srs_map_hosts(&rep.resp, out, err);
    srs_reply_release(&rep);
    return rc;
}

static int drv_contacts(void *impl, const char *domain,
                        struct reg_contacts *out, struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    struct xcp_value *req = srs_req_get_domain(domain, "all_info", err);
    if (!req)
        return not_sent_query(&out->reply, err);
    struct srs_reply rep;
    int rc = query(impl, req, &rep, &out->reply, err);
    if (!rc)
        rc = srs_map_contacts(&rep.resp, out, err);
    srs_reply_release(&rep);
    return rc;
}

static int drv_auth_code(void *impl, const char *domain,
                         struct reg_auth_code *out, struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    struct xcp_value *req = srs_req_get_domain(domain, "domain_auth_info", err);
    if (!req)
        return not_sent_query(&out->reply, err);
    struct srs_reply rep;
    int rc = query(impl, req, &rep, &out->reply, err);
    if (!rc)
        rc = srs_map_auth_code(&rep.resp, out, err);
    srs_reply_release(&rep);
    return rc;
}

static int drv_nexus(void *impl, const char *domain, struct reg_nexus_info *out,
                     struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    struct xcp_value *req = srs_req_get_domain(domain, "nexus_info", err);
    if (!req)
        return not_sent_query(&out->reply, err);
    struct srs_reply rep;
    int rc = query(impl, req, &rep, &out->reply, err);
    if (!rc)
        rc = srs_map_nexus(&rep.resp, out, err);
    srs_reply_release(&rep);
    return rc;
}

static int drv_set_nexus(void *impl, const char *domain,
                         const struct reg_nexus *n, struct reg_op_result *out,
                         struct rm_err *err)
{
    return write_op(impl, srs_req_set_nexus(domain, n, err), out, err);
}

static int drv_privacy(void *impl, const char *domain, struct reg_privacy *out,
                       struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    out->state = REG_PRIVACY_UNKNOWN;
    struct xcp_value *req =
        srs_req_get_domain(domain, "whois_privacy_state", err);
    if (!req)
        return not_sent_query(&out->reply, err);
    struct srs_reply rep;
    int rc = query(impl, req, &rep, &out->reply, err);
    if (!rc)
        rc = srs_map_privacy(&rep.resp, out, err);
    srs_reply_release(&rep);
    return rc;
}

static int drv_transfers_away(void *impl, const struct reg_away_query *q,
                              struct reg_transfers_away *out,
                              struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    int rc = 0;
    /* Pages from 1 until the rows collected reach total; the cap on pages
     * stops a registrar whose total never comes. */
    for (int page = 1; page <= SRS_LIST_MAX / SRS_AWAY_PAGE; page++) {
        struct xcp_value *req = srs_req_transfers_away(q, page, err);
        if (!req) {
            rc = not_sent_query(&out->reply, err);
            break;
        }
        struct srs_reply rep;
        int64_t total = -1;
        size_t before = out->n;
        rc = query(impl, req, &rep, &out->reply, err);
        if (!rc)
            rc = srs_map_transfers_away_page(&rep.resp, out, &total, err);
        srs_reply_release(&rep);
        if (rc || total < 0 || (int64_t)out->n >= total)
            break;
        if (out->n == before) {
            rc = rm_err_set(err, RM_EPROTO,
                            "opensrs: GET_TRANSFERS_AWAY: empty page %d with "
                            "%zu of %lld rows read",
                            page, out->n, (long long)total);
            break;
        }
    }
    if (rc) {
        struct reg_reply keep = out->reply;
        reg_transfers_away_release(out);
        out->reply = keep;
    }
    return rc;
}

static void drv_free(void *impl)
{
    struct srs *s = impl;
    srs_transport_free(s->t);
    free(s);
}

static const struct registrar_ops srs_ops = {
    .name = "opensrs",
    .lookup = drv_lookup,
    .suggest = drv_suggest,
    .register_domain = drv_register,
    .transfer = drv_transfer,
    .renew = drv_renew,
    .restore = drv_restore,
    .process_pending = drv_process_pending,
    .cancel_order = drv_cancel_order,
    .cancel_transfer = drv_cancel_transfer,
    .revoke = drv_revoke,
    .set_expire_action = drv_set_expire_action,
    .transfer_status = drv_transfer_status,
    .transfers_in = drv_transfers_in,
    .order_info = drv_order_info,
    .queue_info = drv_queue_info,
    .belongs = drv_belongs,
    .info = drv_info,
    .status = drv_status,
    .expiring = drv_expiring,
    .balance = drv_balance,
    .price = drv_price,
    .poll_events = drv_poll_events,
    .ack_event = drv_ack_event,
    .set_nameservers = drv_set_nameservers,
    .ns_check = drv_ns_check,
    .ns_registry_add = drv_ns_registry_add,
    .host_create = drv_host_create,
    .host_modify = drv_host_modify,
    .host_delete = drv_host_delete,
    .hosts = drv_hosts,
    .contacts = drv_contacts,
    .set_contacts = drv_set_contacts,
    .set_lock = drv_set_lock,
    .nexus = drv_nexus,
    .set_nexus = drv_set_nexus,
    .auth_code = drv_auth_code,
    .send_auth_code = drv_send_auth_code,
    .set_auth_code = drv_set_auth_code,
    .privacy = drv_privacy,
    .set_privacy = drv_set_privacy,
    .transfers_away = drv_transfers_away,
    .suggest_ex = drv_suggest_ex,
    .free = drv_free,
};

struct registrar *srs_registrar_new(const struct srs_transport_config *cfg,
                                    struct rm_err *err)
{
    struct srs_transport *t = srs_transport_new(cfg, err);
    if (!t)
        return NULL;
    struct srs *s = xcalloc(1, sizeof(*s));
    s->t = t;
    struct registrar *r = xcalloc(1, sizeof(*r));
    r->ops = &srs_ops;
    r->impl = s;
    return r;
}

struct srs_transport *srs_registrar_transport(struct registrar *r)
{
    if (!r || r->ops != &srs_ops)
        return NULL;
    return ((struct srs *)r->impl)->t;
}
