/*
 * registrar - names of the neutral enums, the call wrappers and the
 * date/money parsers drivers share (see registrar.h).
 */
#include "registrar/registrar.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *reg_delivery_name(enum reg_delivery d)
{
    switch (d) {
    case REG_ANSWERED:
        return "answered";
    case REG_NOT_SENT:
        return "not sent";
    case REG_UNKNOWN:
        return "outcome unknown";
    }
    return "?";
}

const char *reg_op_state_name(enum reg_op_state s)
{
    switch (s) {
    case REG_OP_DONE:
        return "done";
    case REG_OP_FAILED:
        return "failed";
    case REG_OP_PENDING:
        return "pending";
    case REG_OP_NOT_SENT:
        return "not_sent";
    }
    return "?";
}

const char *reg_pending_why_name(enum reg_pending_why w)
{
    static const char *const names[] = {
        [REG_PENDING_NONE] = "none",
        [REG_PENDING_ASYNC] = "async",
        [REG_PENDING_QUEUED] = "queued",
        [REG_PENDING_FORCED] = "forced_pending",
        [REG_PENDING_SAVED] = "saved",
        [REG_PENDING_TRANSFER] = "transfer",
        [REG_PENDING_RETRY] = "retry",
        [REG_PENDING_UNKNOWN] = "unknown",
        [REG_PENDING_TRANSPORT] = "transport",
    };
    if ((size_t)w < sizeof(names) / sizeof(names[0]))
        return names[w];
    return "?";
}

static const char *const xfer_names[] = {
    [REG_XFER_NONE] = "",
    [REG_XFER_PENDING_OWNER] = "pending_owner",
    [REG_XFER_PENDING_ADMIN] = "pending_admin",
    [REG_XFER_PENDING_REGISTRY] = "pending_registry",
    [REG_XFER_COMPLETED] = "completed",
    [REG_XFER_CANCELLED] = "cancelled",
    [REG_XFER_UNKNOWN] = "unknown",
};

const char *reg_transfer_state_name(enum reg_transfer_state s)
{
    if ((size_t)s < sizeof(xfer_names) / sizeof(xfer_names[0]))
        return s == REG_XFER_NONE ? "none" : xfer_names[s];
    return "?";
}

enum reg_transfer_state reg_transfer_state_parse(const char *s)
{
    if (!s || !*s)
        return REG_XFER_NONE;
    for (size_t i = 1; i < sizeof(xfer_names) / sizeof(xfer_names[0]); i++)
        if (i != REG_XFER_UNKNOWN && strcasecmp(s, xfer_names[i]) == 0)
            return (enum reg_transfer_state)i;
    /* The registrar spells it both ways. */
    if (strcasecmp(s, "canceled") == 0)
        return REG_XFER_CANCELLED;
    return REG_XFER_UNKNOWN;
}

static const char *const order_names[] = {
    [REG_ORDER_PENDING] = "pending",   [REG_ORDER_PROCESSED] = "processed",
    [REG_ORDER_WAITING] = "waiting",   [REG_ORDER_COMPLETED] = "completed",
    [REG_ORDER_DECLINED] = "declined", [REG_ORDER_CANCELLED] = "cancelled",
    [REG_ORDER_UNKNOWN] = "unknown",
};

const char *reg_order_state_name(enum reg_order_state s)
{
    if ((size_t)s < sizeof(order_names) / sizeof(order_names[0]))
        return order_names[s];
    return "?";
}

enum reg_order_state reg_order_state_parse(const char *s)
{
    if (!s)
        return REG_ORDER_UNKNOWN;
    for (size_t i = 0; i < REG_ORDER_UNKNOWN; i++)
        if (strcasecmp(s, order_names[i]) == 0)
            return (enum reg_order_state)i;
    if (strcasecmp(s, "canceled") == 0)
        return REG_ORDER_CANCELLED;
    return REG_ORDER_UNKNOWN;
}

const char *reg_queue_state_name(enum reg_queue_state s)
{
    switch (s) {
    case REG_QUEUE_WAITING:
        return "waiting";
    case REG_QUEUE_COMPLETED:
        return "completed";
    case REG_QUEUE_FAILED:
        return "failed";
    case REG_QUEUE_UNKNOWN:
        return "unknown";
    }
    return "?";
}

void reg_suggest_release(struct reg_suggest *s)
{
    free(s->items);
    s->items = NULL;
    s->n = 0;
}

void reg_transfers_release(struct reg_transfers *t)
{
    free(t->items);
    t->items = NULL;
    t->n = 0;
}

void reg_expiring_release(struct reg_expiring *e)
{
    free(e->items);
    e->items = NULL;
    e->n = 0;
}

void reg_free(struct registrar *r)
{
    if (!r)
        return;
    if (r->ops && r->ops->free)
        r->ops->free(r->impl);
    free(r);
}

int reg_lookup(struct registrar *r, const char *domain, struct reg_lookup *out,
               struct rm_err *err)
{
    return r->ops->lookup(r->impl, domain, out, err);
}

int reg_register(struct registrar *r, const struct reg_domain_order *o,
                 struct reg_op_result *out, struct rm_err *err)
{
    return r->ops->register_domain(r->impl, o, out, err);
}

int reg_transfer(struct registrar *r, const struct reg_domain_order *o,
                 struct reg_op_result *out, struct rm_err *err)
{
    return r->ops->transfer(r->impl, o, out, err);
}

int reg_renew(struct registrar *r, const struct reg_renew_req *q,
              struct reg_op_result *out, struct rm_err *err)
{
    return r->ops->renew(r->impl, q, out, err);
}

int reg_restore(struct registrar *r, const char *domain,
                struct reg_op_result *out, struct rm_err *err)
{
    if (!r->ops->restore) {
        memset(out, 0, sizeof *out);
        out->state = REG_OP_NOT_SENT;
        out->reply.delivery = REG_NOT_SENT;
        snprintf(out->reason, sizeof out->reason,
                 "this registrar offers no restore");
        return rm_err_set(err, RM_EINVAL, "this registrar offers no restore");
    }
    return r->ops->restore(r->impl, domain, out, err);
}

const char *reg_phase_name(enum reg_phase p)
{
    static const char *const n[] = {"",           "active",         "expired",
                                    "redemption", "pending_delete", "deleted"};
    return (unsigned)p < sizeof n / sizeof n[0] ? n[p] : "";
}

int reg_transfer_status(struct registrar *r, const char *domain,
                        struct reg_transfer_info *out, struct rm_err *err)
{
    return r->ops->transfer_status(r->impl, domain, out, err);
}

int reg_order_info(struct registrar *r, const char *order_id,
                   struct reg_order_info *out, struct rm_err *err)
{
    return r->ops->order_info(r->impl, order_id, out, err);
}

bool reg_has_events(const struct registrar *r)
{
    return r->ops->poll_events && r->ops->ack_event;
}

int reg_poll_events(struct registrar *r, int limit, struct reg_events *out,
                    struct rm_err *err)
{
    memset(out, 0, sizeof *out);
    out->total = -1;
    if (!reg_has_events(r)) {
        out->reply.delivery = REG_NOT_SENT;
        return rm_err_set(err, RM_EINVAL, "%s: no event stream", r->ops->name);
    }
    return r->ops->poll_events(r->impl, limit, out, err);
}

int reg_ack_event(struct registrar *r, const char *event_id,
                  struct reg_reply *out, struct rm_err *err)
{
    memset(out, 0, sizeof *out);
    if (!reg_has_events(r)) {
        out->delivery = REG_NOT_SENT;
        return rm_err_set(err, RM_EINVAL, "%s: no event stream", r->ops->name);
    }
    return r->ops->ack_event(r->impl, event_id, out, err);
}

void reg_events_release(struct reg_events *e)
{
    if (!e)
        return;
    free(e->items);
    e->items = NULL;
    e->n = 0;
}

const char *reg_event_kind_name(enum reg_event_kind k)
{
    switch (k) {
    case REG_EVENT_ORDER_STATUS:
        return "order_status";
    case REG_EVENT_DOMAIN_REGISTERED:
        return "domain_registered";
    case REG_EVENT_DOMAIN_RENEWED:
        return "domain_renewed";
    case REG_EVENT_DOMAIN_DELETED:
        return "domain_deleted";
    case REG_EVENT_DOMAIN_CHANGED:
        return "domain_changed";
    case REG_EVENT_TRANSFER_STATUS:
        return "transfer_status";
    case REG_EVENT_OTHER:
        break;
    }
    return "other";
}

int reg_belongs(struct registrar *r, const char *domain,
                struct reg_belongs *out, struct rm_err *err)
{
    return r->ops->belongs(r->impl, domain, out, err);
}

int reg_balance(struct registrar *r, struct reg_balance *out,
                struct rm_err *err)
{
    return r->ops->balance(r->impl, out, err);
}

/* digits - parse exactly n decimal digits at s. */
static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int reg_parse_time(const char *s, time_t *out, struct rm_err *err)
{
    if (!s || !*s)
        return rm_err_set(err, RM_EINVAL, "empty date");
    size_t len = strlen(s);
    int y, mo, d, h = 0, mi = 0, se = 0;
    bool all_digits = len <= 12;
    for (size_t i = 0; all_digits && i < len; i++)
        all_digits = isdigit((unsigned char)s[i]);
    if (all_digits) {
        /* Unix seconds; 12 digits is beyond year 33000, enough. */
        *out = (time_t)strtoll(s, NULL, 10);
        return 0;
    }
    /* ISO 8601 with its zone (POLL EVENT's dates: "2014-06-19T15:31:43Z",
     * or an offset "+02:00"); without a zone a 'T' date is ambiguous */
    int off = 0;
    bool iso = len >= 20 && s[10] == 'T';
    if (iso) {
        int oh, om;
        if (len == 20 && s[19] == 'Z')
            len = 19;
        else if (len == 25 && (s[19] == '+' || s[19] == '-') &&
                 digits(s + 20, 2, &oh) && s[22] == ':' &&
                 digits(s + 23, 2, &om) && oh < 24 && om < 60) {
            off = (s[19] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
            len = 19;
        } else {
            return rm_err_set(err, RM_EINVAL, "bad date \"%.64s\"", s);
        }
    }
    bool ok = (len == 10 || len == 19) && digits(s, 4, &y) && s[4] == '-' &&
              digits(s + 5, 2, &mo) && s[7] == '-' && digits(s + 8, 2, &d);
    if (ok && len == 19)
        ok = (s[10] == ' ' || iso) && digits(s + 11, 2, &h) && s[13] == ':' &&
             digits(s + 14, 2, &mi) && s[16] == ':' && digits(s + 17, 2, &se);
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (ok)
        ok = y >= 1970 && mo >= 1 && mo <= 12 && d >= 1 &&
             d <= mdays[mo - 1] + (mo == 2 && leap(y)) && h < 24 && mi < 60 &&
             se < 61;
    if (!ok)
        return rm_err_set(err, RM_EINVAL, "bad date \"%.64s\"", s);
    /* Days from the civil date (Howard Hinnant's algorithm): no timegm,
     * no TZ dependence. */
    int yy = y - (mo <= 2);
    int era = yy / 400;
    int yoe = yy - era * 400;
    int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + doe - 719468;
    *out = (time_t)(days * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + se -
                    off);
    return 0;
}

int reg_parse_money(const char *s, int64_t *out, struct rm_err *err)
{
    if (!s)
        return rm_err_set(err, RM_EINVAL, "missing amount");
    const char *p = s;
    bool neg = false;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    int64_t units = 0;
    int nd = 0;
    while (isdigit((unsigned char)*p)) {
        if (units > (INT64_MAX / 100 - 9) / 10)
            return rm_err_set(err, RM_EINVAL, "amount too large \"%.64s\"", s);
        units = units * 10 + (*p++ - '0');
        nd++;
    }
    int64_t minor = 0;
    int nf = 0;
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p) && nf < 2) {
            minor = minor * 10 + (*p++ - '0');
            nf++;
        }
    }
    if (nf == 1)
        minor *= 10;
    if (*p != '\0' || (nd == 0 && nf == 0))
        return rm_err_set(err, RM_EINVAL, "bad amount \"%.64s\"", s);
    int64_t v = units * 100 + minor;
    *out = neg ? -v : v;
    return 0;
}

/* --- after the sale --------------------------------------------------- */

const char *reg_privacy_state_name(enum reg_privacy_state s)
{
    switch (s) {
    case REG_PRIVACY_DISABLED:
        return "disabled";
    case REG_PRIVACY_ENABLED:
        return "enabled";
    case REG_PRIVACY_ENABLING:
        return "enabling";
    case REG_PRIVACY_DISABLING:
        return "disabling";
    case REG_PRIVACY_UNKNOWN:
        break;
    }
    return "unknown";
}

void reg_hosts_release(struct reg_hosts *h)
{
    if (!h)
        return;
    free(h->items);
    h->items = NULL;
    h->n = 0;
}

void reg_transfers_away_release(struct reg_transfers_away *t)
{
    if (!t)
        return;
    free(t->items);
    t->items = NULL;
    t->n = 0;
}

/* unsupported_op - a write the driver lacks: nothing was sent. */
static int unsupported_op(const struct registrar *r, const char *what,
                          struct reg_op_result *out, struct rm_err *err)
{
    memset(out, 0, sizeof *out);
    out->state = REG_OP_NOT_SENT;
    out->reply.delivery = REG_NOT_SENT;
    snprintf(out->reason, sizeof out->reason,
             "%s: not supported by this registrar's driver", what);
    snprintf(out->reply.text, sizeof out->reply.text, "%s", out->reason);
    return rm_err_set(err, RM_EINVAL,
                      "%s: %s not supported by this registrar's driver",
                      r->ops->name, what);
}

/* unsupported_query - a read the driver lacks: nothing was sent. */
static int unsupported_query(const struct registrar *r, const char *what,
                             struct reg_reply *rr, struct rm_err *err)
{
    rr->delivery = REG_NOT_SENT;
    snprintf(rr->text, sizeof rr->text,
             "%s: not supported by this registrar's driver", what);
    return rm_err_set(err, RM_EINVAL,
                      "%s: %s not supported by this registrar's driver",
                      r->ops->name, what);
}

int reg_set_nameservers(struct registrar *r, const char *domain,
                        const char *const *ns, size_t n,
                        struct reg_op_result *out, struct rm_err *err)
{
    if (!r->ops->set_nameservers)
        return unsupported_op(r, "set_nameservers", out, err);
    return r->ops->set_nameservers(r->impl, domain, ns, n, out, err);
}

int reg_ns_check(struct registrar *r, const char *host, const char *tld,
                 struct reg_ns_check *out, struct rm_err *err)
{
    if (!r->ops->ns_check) {
        memset(out, 0, sizeof *out);
        return unsupported_query(r, "ns_check", &out->reply, err);
    }
    return r->ops->ns_check(r->impl, host, tld, out, err);
}

int reg_ns_registry_add(struct registrar *r, const char *host, const char *tld,
                        bool all, struct reg_op_result *out, struct rm_err *err)
{
    if (!r->ops->ns_registry_add)
        return unsupported_op(r, "ns_registry_add", out, err);
    return r->ops->ns_registry_add(r->impl, host, tld, all, out, err);
}

int reg_host_create(struct registrar *r, const struct reg_host *h,
                    struct reg_op_result *out, struct rm_err *err)
{
    if (!r->ops->host_create)
        return unsupported_op(r, "host_create", out, err);
    return r->ops->host_create(r->impl, h, out, err);
}

int reg_host_modify(struct registrar *r, const struct reg_host *h,
                    struct reg_op_result *out, struct rm_err *err)
{
    if (!r->ops->host_modify)
        return unsupported_op(r, "host_modify", out, err);
    return r->ops->host_modify(r->impl, h, out, err);
}

int reg_host_delete(struct registrar *r, const char *domain, const char *name,
                    struct reg_op_result *out, struct rm_err *err)
{
    if (!r->ops->host_delete)
        return unsupported_op(r, "host_delete", out, err);
    return r->ops->host_delete(r->impl, domain, name, out, err);
}

int reg_hosts(struct registrar *r, const char *domain, struct reg_hosts *out,
              struct rm_err *err)
{
    if (!r->ops->hosts) {
        memset(out, 0, sizeof *out);
        return unsupported_query(r, "hosts", &out->reply, err);
    }
    return r->ops->hosts(r->impl, domain, out, err);
}

int reg_contacts(struct registrar *r, const char *domain,
                 struct reg_contacts *out, struct rm_err *err)
{
    if (!r->ops->contacts) {
        memset(out, 0, sizeof *out);
        return unsupported_query(r, "contacts", &out->reply, err);
    }
    return r->ops->contacts(r->impl, domain, out, err);
}

int reg_set_contacts(struct registrar *r, const struct reg_contact_update *u,
                     struct reg_op_result *out, struct rm_err *err)
{
    if (!r->ops->set_contacts)
        return unsupported_op(r, "set_contacts", out, err);
    return r->ops->set_contacts(r->impl, u, out, err);
}

int reg_set_lock(struct registrar *r, const char *domain, bool lock,
                 struct reg_op_result *out, struct rm_err *err)
{
    if (!r->ops->set_lock)
        return unsupported_op(r, "set_lock", out, err);
    return r->ops->set_lock(r->impl, domain, lock, out, err);
}

int reg_auth_code(struct registrar *r, const char *domain,
                  struct reg_auth_code *out, struct rm_err *err)
{
    if (!r->ops->auth_code) {
        memset(out, 0, sizeof *out);
        return unsupported_query(r, "auth_code", &out->reply, err);
    }
    return r->ops->auth_code(r->impl, domain, out, err);
}

int reg_nexus(struct registrar *r, const char *domain,
              struct reg_nexus_info *out, struct rm_err *err)
{
    if (!r->ops->nexus) {
        memset(out, 0, sizeof *out);
        return unsupported_query(r, "nexus", &out->reply, err);
    }
    return r->ops->nexus(r->impl, domain, out, err);
}

int reg_set_nexus(struct registrar *r, const char *domain,
                  const struct reg_nexus *n, struct reg_op_result *out,
                  struct rm_err *err)
{
    if (!r->ops->set_nexus)
        return unsupported_op(r, "set_nexus", out, err);
    return r->ops->set_nexus(r->impl, domain, n, out, err);
}

int reg_send_auth_code(struct registrar *r, const char *domain,
                       struct reg_op_result *out, struct rm_err *err)
{
    if (!r->ops->send_auth_code)
        return unsupported_op(r, "send_auth_code", out, err);
    return r->ops->send_auth_code(r->impl, domain, out, err);
}

int reg_set_auth_code(struct registrar *r, const char *domain, const char *code,
                      struct reg_op_result *out, struct rm_err *err)
{
    if (!r->ops->set_auth_code)
        return unsupported_op(r, "set_auth_code", out, err);
    return r->ops->set_auth_code(r->impl, domain, code, out, err);
}

int reg_privacy(struct registrar *r, const char *domain,
                struct reg_privacy *out, struct rm_err *err)
{
    if (!r->ops->privacy) {
        memset(out, 0, sizeof *out);
        out->state = REG_PRIVACY_UNKNOWN;
        return unsupported_query(r, "privacy", &out->reply, err);
    }
    return r->ops->privacy(r->impl, domain, out, err);
}

int reg_set_privacy(struct registrar *r, const char *domain, bool on,
                    struct reg_privacy_result *out, struct rm_err *err)
{
    if (!r->ops->set_privacy) {
        out->not_offered = false;
        return unsupported_op(r, "set_privacy", &out->op, err);
    }
    return r->ops->set_privacy(r->impl, domain, on, out, err);
}

int reg_transfers_away(struct registrar *r, const struct reg_away_query *q,
                       struct reg_transfers_away *out, struct rm_err *err)
{
    if (!r->ops->transfers_away) {
        memset(out, 0, sizeof *out);
        return unsupported_query(r, "transfers_away", &out->reply, err);
    }
    return r->ops->transfers_away(r->impl, q, out, err);
}

int reg_suggest_ex(struct registrar *r, const struct reg_suggest_req *q,
                   struct reg_suggest *out, struct rm_err *err)
{
    if (!r->ops->suggest_ex) {
        memset(out, 0, sizeof *out);
        return unsupported_query(r, "suggest_ex", &out->reply, err);
    }
    return r->ops->suggest_ex(r->impl, q, out, err);
}
