/*
 * api_reports - audit, dashboard, registrar log, job and mail outbox endpoints
 * (contract in api_reports.h).
 */
#include "web/api_reports.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/names.h"
#include "core/outbox.h"
#include "core/reglog.h"
#include "core/report.h"
#include "mail/mail.h"
#include "util/buf.h"
#include "util/clock.h"
#include "web/api.h"
#include "web/api_util.h"
#include "web/auth.h"

/* ---- audit ----------------------------------------------------------------
 */

static int get_audit(struct web_req *r)
{
    struct audit_report rep;
    struct rm_err e;
    ERR_INIT(e);
    int rc = audit_run(api_app(r), &rep, &e);
    if (rc < 0)
        return api_fail(r, rc, &e);
    json_t *j = json_object(), *a = json_array();
    for (int i = 0; i < AUDIT_NCHECKS; i++)
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:I, s:I, s:s}", "id", rep.c[i].id, "what",
                         rep.c[i].what, "checked", (json_int_t)rep.c[i].checked,
                         "failed", (json_int_t)rep.c[i].bad, "detail",
                         rep.c[i].detail.data ? rep.c[i].detail.data : ""));
    json_object_set_new(j, "checks", a);
    json_object_set_new(j, "ok", json_boolean(audit_ok(&rep)));
    audit_release(&rep);
    return web_reply_json(r, 200, j);
}

/* ---- dashboard ------------------------------------------------------ */

/* get_stats - per UTC day of the last ?days=N (1..366, default 30):
 * operations created by kind and how many of them succeeded, refunds
 * (count and amount), revenue, registrar cost and margin (per day and per
 * TLD; cost_unknown counts succeeded operations without a known cost);
 * plus the pending operations now and the customer balances. Days are
 * epoch-day numbers (day * 86400 = its midnight). */
static int get_stats(struct web_req *r)
{
    const char *ds = web_query(r, "days");
    int64_t days = 30, now = clock_now();
    if (ds && !api_parse_int64(ds, 1, 366, &days))
        return api_error(r, 400, API_ERANGE, "days", "days: 1..366");
    int64_t first = now / 86400 - days + 1;
    struct report_stats st;
    struct rm_err e;
    ERR_INIT(e);
    int rc = report_stats(api_app(r), first, now / 86400, &st, &e);
    if (rc < 0)
        return api_fail(r, rc, &e);
    json_t *j = json_object(), *arr = json_array();
    if (st.have_now) {
        int64_t oldest = st.pending_oldest_at;
        json_object_set_new(j, "pending", json_integer(st.pending));
        json_object_set_new(j, "pending_oldest_age_s",
                            json_integer(oldest ? now - oldest : 0));
        json_object_set_new(j, "customer_balances",
                            json_integer(st.customer_balances));
        json_object_set_new(j, "active_domains",
                            json_integer(st.active_domains));
    }
    for (size_t i = 0; i < st.ndays; i++) {
        const struct report_day *d = &st.days[i];
        json_t *ops = json_object();
        for (size_t k = 0; k < d->nops; k++)
            json_object_set_new(
                ops, d->ops[k].kind,
                json_pack("{s:I, s:I, s:I, s:I, s:I}", "created",
                          (json_int_t)d->ops[k].created, "succeeded",
                          (json_int_t)d->ops[k].succeeded, "amount",
                          (json_int_t)d->ops[k].amount, "cost",
                          (json_int_t)d->ops[k].cost, "cost_unknown",
                          (json_int_t)d->ops[k].cost_unknown));
        /* revenue is what was charged and not refunded; margin is revenue
         * less the registrar cost known */
        json_t *day = json_pack(
            "{s:I, s:o, s:I, s:I, s:I, s:I}", "day", (json_int_t)d->day, "ops",
            ops, "refunds", (json_int_t)d->refunds, "refunded",
            (json_int_t)d->refunded, "charged", (json_int_t)d->charged,
            "revenue", (json_int_t)(d->charged - d->refunded));
        json_object_set_new(day, "cost", json_integer(d->cost));
        json_object_set_new(day, "cost_unknown", json_integer(d->cost_unknown));
        json_object_set_new(day, "margin",
                            json_integer(d->charged - d->refunded - d->cost));
        json_array_append_new(arr, day);
    }
    json_t *tlds = json_array();
    for (size_t i = 0; i < st.ntlds; i++) {
        const struct report_tld *t = &st.tlds[i];
        json_t *o =
            json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "tld", t->tld,
                      "charged", (json_int_t)t->charged, "refunded",
                      (json_int_t)t->refunded, "revenue",
                      (json_int_t)(t->charged - t->refunded), "succeeded",
                      (json_int_t)t->succeeded, "cost", (json_int_t)t->cost,
                      "cost_unknown", (json_int_t)t->cost_unknown, "margin",
                      (json_int_t)(t->charged - t->refunded - t->cost));
        json_array_append_new(tlds, o);
    }
    json_object_set_new(j, "days", arr);
    json_object_set_new(j, "tlds", tlds);
    json_object_set_new(j, "charged", json_integer(st.charged));
    json_object_set_new(j, "refunded", json_integer(st.refunded));
    json_object_set_new(j, "revenue", json_integer(st.charged - st.refunded));
    json_object_set_new(j, "cost", json_integer(st.cost));
    json_object_set_new(j, "cost_unknown", json_integer(st.cost_unknown));
    json_object_set_new(j, "margin",
                        json_integer(st.charged - st.refunded - st.cost));
    json_object_set_new(j, "now", json_integer(now));
    report_stats_free(&st);
    return web_reply_json(r, 200, j);
}

/* ---- registrar log --------------------------------------------------------
 */

/* log_filters - ?domain= ?operation_id= ?action= */
static int log_filters(struct web_req *r, const char **domain, int64_t *op,
                       const char **action)
{
    *domain = web_query(r, "domain");
    *action = web_query(r, "action");
    const char *o = web_query(r, "operation_id");
    *op = 0;
    if (*domain && strlen(*domain) > NAME_MAX_INPUT)
        return api_error(r, 400, API_ERANGE, "domain", "domain: too long");
    if (*action && strlen(*action) > 64)
        return api_error(r, 400, API_ERANGE, "action", "action: too long");
    if (o && !api_parse_int64(o, 1, INT64_MAX, op))
        return api_error(r, 400, API_EWRONG_TYPE, "operation_id",
                         "operation_id: expected a positive integer");
    return 0;
}

static void reglog_item(const struct reglog_row *w, void *arg)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(w->id));
    json_object_set_new(j, "at", api_time(w->at));
    json_object_set_new(j, "connection_id", api_time(w->conn_id));
    json_object_set_new(j, "operation_id", api_time(w->op_id));
    json_object_set_new(j, "action", api_text(w->action));
    json_object_set_new(j, "object", api_text(w->object));
    json_object_set_new(j, "domain", api_text(w->domain));
    json_object_set_new(j, "outcome", api_text(w->outcome));
    json_object_set_new(j, "http_status", json_integer(w->http_status));
    json_object_set_new(j, "duration_ms", json_integer(w->duration_ms));
    json_object_set_new(j, "request", api_text(w->request));
    json_object_set_new(j, "response", api_text(w->response));
    json_array_append_new(arg, j);
}

static int list_reglog(struct web_req *r)
{
    struct api_page p;
    const char *domain, *action;
    int64_t op;
    int rc = api_page_parse(r, &p);
    if (rc || (rc = log_filters(r, &domain, &op, &action)))
        return rc;
    struct view_page vp = api_view_page(&p);
    struct rm_err e;
    json_t *items = json_array();
    ERR_INIT(e);
    rc = report_reglog(api_app(r), domain, op, action, &vp, reglog_item, items,
                       &e);
    return api_reply_items(r, &p, rc, items, &e);
}

#define CSV_MAX_ROWS 100000
#define CSV_MAX_BYTES (64u * 1024 * 1024)

struct csv {
    struct buf out;
    const char *action;
    int64_t rows, limit;
    bool truncated;
};

static void csv_field(struct buf *b, const char *s)
{
    buf_addc(b, '"');
    for (; s && *s; s++) {
        if (*s == '"')
            buf_addc(b, '"');
        buf_addc(b, *s);
    }
    buf_addc(b, '"');
}

static int csv_row(const struct reglog_row *w, void *arg)
{
    struct csv *c = arg;
    char at[32];
    if (c->action && strcmp(c->action, w->action) != 0)
        return 0;
    if (c->rows >= c->limit)
        return 1;
    c->rows++;
    if (c->out.len > CSV_MAX_BYTES) {
        c->truncated = true;
        return 1;
    }
    clock_format(w->at, at, sizeof at);
    buf_addf(&c->out, "%" PRId64 ",", w->id);
    csv_field(&c->out, at);
    buf_addf(&c->out, ",%" PRId64 ",", w->op_id);
    const char *f[] = {w->action, w->object, w->domain, w->outcome};
    for (size_t i = 0; i < 4; i++) {
        csv_field(&c->out, f[i]);
        buf_addc(&c->out, ',');
    }
    buf_addf(&c->out, "%" PRId64 ",%" PRId64 ",", w->http_status,
             w->duration_ms);
    csv_field(&c->out, w->request);
    buf_addc(&c->out, ',');
    csv_field(&c->out, w->response);
    buf_adds(&c->out, "\r\n");
    return 0;
}

static int export_reglog(struct web_req *r)
{
    const char *domain, *action, *ls = web_query(r, "limit");
    int64_t op, limit = CSV_MAX_ROWS;
    int rc = log_filters(r, &domain, &op, &action);
    if (rc)
        return rc;
    if (ls && !api_parse_int64(ls, 1, CSV_MAX_ROWS, &limit))
        return api_error(r, 400, API_ERANGE, "limit", "limit: 1..%d",
                         CSV_MAX_ROWS);
    struct csv c = {.action = action, .limit = limit};
    struct rm_err e;
    ERR_INIT(e);
    buf_init(&c.out);
    /* the columns of `regman log --csv` */
    buf_adds(&c.out, "id,at,operation_id,action,object,domain,outcome,"
                     "http_status,duration_ms,request,response\r\n");
    rc = reglog_query(api_app(r), domain, op, action ? 0 : limit, csv_row, &c,
                      &e);
    if (rc < 0) {
        buf_release(&c.out);
        return api_fail(r, rc, &e);
    }
    web_reply_data(r, 200, "text/csv; charset=utf-8", c.out.data, c.out.len);
    web_reply_header(r, "Content-Disposition",
                     "attachment; filename=\"registrar-log.csv\"");
    if (c.truncated)
        web_reply_header(r, "X-Truncated", "1");
    buf_release(&c.out);
    return 0;
}

/* ---- jobs and mail --------------------------------------------------------
 */

static void job_item(const struct report_job *x, void *arg)
{
    int64_t now = clock_now(), lease = x->lease_expires_at;
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(x->id));
    json_object_set_new(j, "kind", api_text(x->kind));
    json_object_set_new(j, "dedup_key", api_text(x->dedup_key));
    json_object_set_new(j, "state", api_text(x->state));
    json_object_set_new(j, "run_at", api_time(x->run_at));
    json_object_set_new(j, "running", json_boolean(lease > now));
    json_object_set_new(j, "lease_owner", api_text(x->lease_owner));
    json_object_set_new(j, "lease_expires_at", api_time(lease));
    json_object_set_new(j, "attempts", json_integer(x->attempts));
    json_object_set_new(j, "last_error", api_text(x->last_error));
    json_object_set_new(j, "created_at", api_time(x->created_at));
    json_object_set_new(j, "updated_at", api_time(x->updated_at));
    json_array_append_new(arg, j);
}

static int list_jobs(struct web_req *r)
{
    static const char *const states[] = {"ready", "held", NULL};
    struct api_page p;
    const char *state;
    int rc = api_page_parse(r, &p);
    if (rc || (rc = api_query_enum(r, "state", states, "state: ready or held",
                                   &state)))
        return rc;
    struct view_page vp = api_view_page(&p);
    struct rm_err e;
    json_t *items = json_array();
    ERR_INIT(e);
    rc = report_jobs(api_app(r), state, &vp, job_item, items, &e);
    return api_reply_items(r, &p, rc, items, &e);
}

static json_t *mail_json(const struct mail_row *m, bool body)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(m->id));
    json_object_set_new(j, "message_id", api_text(m->message_id));
    json_object_set_new(j, "to", api_text(m->to_addr));
    json_object_set_new(j, "subject", api_text(m->subject));
    json_object_set_new(j, "state", api_text(m->state));
    json_object_set_new(j, "attempts", json_integer(m->attempts));
    json_object_set_new(j, "next_attempt_at", api_time(m->next_attempt_at));
    json_object_set_new(j, "created_at", api_time(m->created_at));
    json_object_set_new(j, "sent_at", api_time(m->sent_at));
    json_object_set_new(j, "last_error",
                        m->last_error ? json_string(m->last_error)
                                      : json_null());
    if (body)
        json_object_set_new(j, "body", api_text(m->body));
    return j;
}

static void mail_item(const struct mail_row *m, void *arg)
{
    json_array_append_new(arg, mail_json(m, false));
}

static int list_mail(struct web_req *r)
{
    static const char *const states[] = {"queued", "sent", "failed", NULL};
    struct api_page p;
    const char *state;
    int rc = api_page_parse(r, &p);
    if (rc || (rc = api_query_enum(r, "state", states,
                                   "state: queued, sent or failed", &state)))
        return rc;
    struct view_page vp = api_view_page(&p);
    struct rm_err e;
    json_t *items = json_array();
    ERR_INIT(e);
    rc = report_mail(api_app(r), state, &vp, mail_item, items, &e);
    return api_reply_items(r, &p, rc, items, &e);
}

/* mail_reply - the path's message (retried first when retry) as JSON,
 * with its body when body. */
static int mail_reply(struct web_req *r, bool retry, bool body)
{
    int64_t id;
    int rc = api_path_id(r, "id", &id);
    if (rc)
        return rc;
    struct mail_row m;
    struct rm_err e;
    ERR_INIT(e);
    if ((rc = outbox_get(r->st, id, &m, &e)) < 0)
        return api_fail(r, rc, &e);
    if (retry) {
        mail_row_release(&m);
        if ((rc = outbox_retry(r->st, id, clock_now(), &e)) < 0 ||
            (rc = outbox_get(r->st, id, &m, &e)) < 0)
            return api_fail(r, rc, &e);
    }
    json_t *j = mail_json(&m, body);
    mail_row_release(&m);
    return web_reply_json(r, 200, j);
}

static int get_mail(struct web_req *r)
{
    return mail_reply(r, false, true);
}

static int retry_mail(struct web_req *r)
{
    return mail_reply(r, true, false);
}

static const struct web_route routes[] = {
    {"GET", "/api/v1/audit", get_audit, WEB_ADMIN},
    {"GET", "/api/v1/stats", get_stats, WEB_ADMIN},
    {"GET", "/api/v1/registrar-log", list_reglog, WEB_ADMIN},
    {"GET", "/api/v1/registrar-log.csv", export_reglog, WEB_ADMIN},
    {"GET", "/api/v1/jobs", list_jobs, WEB_ADMIN},
    {"GET", "/api/v1/mail", list_mail, WEB_ADMIN},
    {"GET", "/api/v1/mail/{id}", get_mail, WEB_ADMIN},
    {"POST", "/api/v1/mail/{id}/retry", retry_mail, WEB_ADMIN},
};

const struct web_route *api_reports_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
