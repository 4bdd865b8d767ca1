/*
 * srs - the OpenSRS driver: request builders, the calls over the
 * transport and the registrar table; the response mappers are in
 * srs_map.c (see srs.h for the contract and the operation mapping table).
 */
#include "opensrs/srs.h"

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

static int drv_suggest(void *impl, const char *search, const char *const *tlds,
                       size_t n_tlds, struct reg_suggest *out,
                       struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    if (!search || !*search || strlen(search) > 253)
        return rm_err_set(err, RM_EINVAL, "opensrs: bad search string");
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "searchstring", search);
    struct xcp_value *tl = xcp_assoc_set(a, "tlds", xcp_array_new());
    for (size_t i = 0; i < n_tlds; i++)
        xcp_array_push(
            tl, xcp_scalar_newf("%s%s", tlds[i][0] == '.' ? "" : ".", tlds[i]));
    struct xcp_value *sv = xcp_assoc_set(a, "services", xcp_array_new());
    xcp_array_push(sv, xcp_scalar_new("lookup"));
    xcp_array_push(sv, xcp_scalar_new("suggestion"));
    struct srs_reply rep;
    int rc = query(impl, xcp_request_new("NAME_SUGGEST", "DOMAIN", a), &rep,
                   &out->reply, err);
    if (!rc)
        rc = srs_map_suggest(&rep.resp, out, err);
    srs_reply_release(&rep);
    return rc;
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
