/*
 * api_panel - the admin panel's registrar balances, connection test on
 * save, recently ended operations and license acceptances (contract in
 * api_panel.h).
 */
#include "web/api_panel.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/events.h"
#include "core/opview.h"
#include "core/report.h"
#include "present/present.h"
#include "registrar/registrar.h"
#include "util/buf.h"
#include "util/clock.h"
#include "web/api.h"
#include "web/api_util.h"

/* ---- the registrar balance, cached per connection ------------------------
 */

#define BALANCE_SLOTS 64

struct balance_slot {
    int64_t conn_id; /* 0: free */
    int64_t at;
    bool ok;
    int64_t balance, hold;
    char msg[512];
};

static pthread_mutex_t balance_mu = PTHREAD_MUTEX_INITIALIZER;
static struct balance_slot balances[BALANCE_SLOTS];

void api_balance_store(int64_t conn_id, bool ok, const struct reg_balance *b,
                       const char *msg)
{
    struct balance_slot *slot = NULL;

    pthread_mutex_lock(&balance_mu);
    for (size_t i = 0; i < BALANCE_SLOTS; i++) {
        struct balance_slot *x = &balances[i];
        if (x->conn_id == conn_id) {
            slot = x;
            break;
        }
        /* a free slot, else the oldest */
        if (!slot || (slot->conn_id && (!x->conn_id || x->at < slot->at)))
            slot = x;
    }
    memset(slot, 0, sizeof *slot);
    slot->conn_id = conn_id;
    slot->at = clock_now();
    slot->ok = ok;
    if (ok && b) {
        slot->balance = b->balance;
        slot->hold = b->hold;
    }
    snprintf(slot->msg, sizeof slot->msg, "%s", msg ? msg : "");
    pthread_mutex_unlock(&balance_mu);
}

void api_balance_forget(int64_t conn_id)
{
    pthread_mutex_lock(&balance_mu);
    for (size_t i = 0; i < BALANCE_SLOTS; i++)
        if (balances[i].conn_id == conn_id)
            memset(&balances[i], 0, sizeof balances[i]);
    pthread_mutex_unlock(&balance_mu);
}

/* balance_cached - conn_id's balance if asked within the TTL. */
static bool balance_cached(int64_t conn_id, int64_t now,
                           struct balance_slot *out)
{
    bool hit = false;

    pthread_mutex_lock(&balance_mu);
    for (size_t i = 0; i < BALANCE_SLOTS; i++)
        if (balances[i].conn_id == conn_id &&
            now - balances[i].at < API_BALANCE_TTL_S && now >= balances[i].at) {
            *out = balances[i];
            hit = true;
            break;
        }
    pthread_mutex_unlock(&balance_mu);
    return hit;
}

static json_t *balance_json(const struct balance_slot *b, bool cached)
{
    json_t *j = json_object();
    json_object_set_new(j, "ok", json_boolean(b->ok));
    if (b->ok) {
        json_object_set_new(j, "balance", json_integer(b->balance));
        json_object_set_new(j, "hold", json_integer(b->hold));
    } else {
        json_object_set_new(j, "message", json_string(b->msg));
    }
    json_object_set_new(j, "checked_at", json_integer(b->at));
    json_object_set_new(j, "cached", json_boolean(cached));
    return j;
}

static int get_balance(struct web_req *r)
{
    struct app *app = api_app(r);
    struct balance_slot b;
    struct conn_session s;
    struct reg_balance bal;
    struct rm_err e;
    int64_t id;
    int rc;

    if ((rc = api_path_id(r, "id", &id)))
        return rc;
    if (balance_cached(id, clock_now(), &b))
        return web_reply_json(r, 200, balance_json(&b, true));
    rm_err_clear(&e);
    if ((rc = conn_session_open(app, id, &s, &e)) < 0)
        return api_fail(r, rc, &e);
    memset(&bal, 0, sizeof bal);
    rc = reg_balance(s.reg, &bal, &e);
    conn_session_close(&s);
    /* as POST .../test: a registrar that does not answer is the result */
    api_balance_store(id, rc >= 0, &bal, rc < 0 ? e.msg : "");
    if (!balance_cached(id, clock_now(), &b)) {
        memset(&b, 0, sizeof b);
        b.ok = rc >= 0;
        b.balance = bal.balance;
        b.hold = bal.hold;
        b.at = clock_now();
        snprintf(b.msg, sizeof b.msg, "%s", rc < 0 ? e.msg : "");
    }
    return web_reply_json(r, 200, balance_json(&b, false));
}

int api_conn_probe(struct web_req *r, const char *title,
                   const struct conn_edit *e, bool force, json_t **test)
{
    struct reg_balance bal;
    struct rm_err err;
    bool asked;
    int rc;

    *test = NULL;
    rm_err_clear(&err);
    rc = conn_probe(api_app(r), title, e, &bal, &asked, &err);
    if (rc < 0 && !asked)
        /* the edit itself is invalid: the save says so */
        return 0;
    if (rc < 0 && !force)
        return api_error(r, 409, "connection_test_failed", NULL,
                         "The registrar did not accept this connection "
                         "(GET_BALANCE): %s. Nothing was saved: check the "
                         "server, login and key, or save anyway "
                         "(\"force\": true).",
                         err.msg);
    if (rc < 0)
        *test = json_pack("{s:b, s:s}", "ok", 0, "message", err.msg);
    else
        *test =
            json_pack("{s:b, s:I, s:I}", "ok", 1, "balance",
                      (json_int_t)bal.balance, "hold", (json_int_t)bal.hold);
    return 0;
}

/* ---- recently ended operations -------------------------------------------
 */

/* ended_item - an ended operation: the operation as present_op shows it
 * to admins, and whether it was refunded. */
static void ended_item(const struct op_view *v, bool refunded, void *arg)
{
    json_t *j = present_op(v, clock_now(), true, PRESENT_API);
    json_object_set_new(j, "refunded", json_boolean(refunded));
    json_array_append_new(arg, j);
}

static int list_ended(struct web_req *r)
{
    const char *ds = web_query(r, "days");
    int64_t days = 7;
    struct api_page p;
    struct rm_err e;
    int rc = api_page_parse(r, &p);

    if (rc)
        return rc;
    if (ds && !api_parse_int64(ds, 1, 90, &days))
        return api_error(r, 400, API_ERANGE, "days", "days: 1..90");
    rm_err_clear(&e);
    struct view_page vp = api_view_page(&p);
    json_t *items = json_array();
    rc = opview_ended(api_app(r), clock_now() - days * 86400, &vp, ended_item,
                      items, &e);
    return api_reply_items(r, &p, rc, items, &e);
}

/* ---- license acceptances -------------------------------------------------
 */

static void accept_item(const struct license_acceptance *l, void *arg)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(l->id));
    json_object_set_new(j, "accepted_at", api_time(l->accepted_at));
    json_object_set_new(j, "account_id", json_integer(l->account_id));
    json_object_set_new(j, "account", api_text(l->account));
    json_object_set_new(j, "login_id", api_time(l->login_id));
    json_object_set_new(j, "username", api_text(l->username));
    json_object_set_new(j, "connection_id", api_time(l->connection_id));
    json_object_set_new(j, "connection", api_text(l->connection));
    json_object_set_new(j, "domain", api_text(l->domain));
    json_object_set_new(j, "license_sha256", api_text(l->sha256));
    json_object_set_new(j, "client_ip", api_text(l->client_ip));
    json_array_append_new(arg, j);
}

/* accept_filters - ?account_id= ?connection_id= (0: any). */
static int accept_filters(struct web_req *r, int64_t *acct, int64_t *conn)
{
    const char *a = web_query(r, "account_id");
    const char *c = web_query(r, "connection_id");

    *acct = *conn = 0;
    if (a && !api_parse_int64(a, 1, INT64_MAX, acct))
        return api_error(r, 400, API_EWRONG_TYPE, "account_id",
                         "account_id: expected an account id");
    if (c && !api_parse_int64(c, 1, INT64_MAX, conn))
        return api_error(r, 400, API_EWRONG_TYPE, "connection_id",
                         "connection_id: expected a connection id");
    return 0;
}

static int list_acceptances(struct web_req *r)
{
    struct api_page p;
    struct rm_err e;
    int64_t acct, conn;
    int rc = api_page_parse(r, &p);

    if (rc || (rc = accept_filters(r, &acct, &conn)))
        return rc;
    rm_err_clear(&e);
    struct view_page vp = api_view_page(&p);
    json_t *items = json_array();
    rc = report_acceptances(api_app(r), acct, conn, &vp, 0, accept_item, items,
                            &e);
    return api_reply_items(r, &p, rc, items, &e);
}

#define ACCEPT_CSV_MAX_ROWS 100000

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

static void accept_csv(const struct license_acceptance *l, void *arg)
{
    struct buf *out = arg;
    char at[32];
    clock_format(l->accepted_at, at, sizeof at);
    buf_addf(out, "%" PRId64 ",", l->id);
    csv_field(out, at);
    buf_addf(out, ",%" PRId64 ",", l->account_id);
    csv_field(out, l->account);
    buf_addc(out, ',');
    csv_field(out, l->username);
    buf_addf(out, ",%" PRId64 ",", l->connection_id);
    const char *f[] = {l->connection, l->domain, l->sha256, l->client_ip};
    for (size_t i = 0; i < 4; i++) {
        csv_field(out, f[i]);
        buf_adds(out, i < 3 ? "," : "\r\n");
    }
}

static int export_acceptances(struct web_req *r)
{
    struct rm_err e;
    struct buf out;
    int64_t acct, conn;
    int rc = accept_filters(r, &acct, &conn);

    if (rc)
        return rc;
    rm_err_clear(&e);
    buf_init(&out);
    buf_adds(&out, "id,accepted_at,account_id,account,username,"
                   "connection_id,connection,domain,license_sha256,"
                   "client_ip\r\n");
    rc = report_acceptances(api_app(r), acct, conn, NULL, ACCEPT_CSV_MAX_ROWS,
                            accept_csv, &out, &e);
    if (rc < 0) {
        buf_release(&out);
        return api_fail(r, rc, &e);
    }
    web_reply_data(r, 200, "text/csv; charset=utf-8", out.data, out.len);
    web_reply_header(r, "Content-Disposition",
                     "attachment; filename=\"license-acceptances.csv\"");
    buf_release(&out);
    return 0;
}

/* ---- event streams -------------------------------------------------------
 */

static int stream_item(const struct events_health *h, void *arg)
{
    json_t *j = json_object();
    json_object_set_new(j, "connection_id", json_integer(h->connection_id));
    json_object_set_new(j, "connection", api_text(h->title));
    json_object_set_new(j, "events", json_boolean(h->on));
    json_object_set_new(j, "healthy", json_boolean(h->healthy));
    json_object_set_new(j, "why", api_text(h->why));
    json_object_set_new(j, "last_poll_at", api_time(h->last_poll_at));
    json_object_set_new(j, "last_ok_at", api_time(h->last_ok_at));
    json_object_set_new(j, "last_event_at", api_time(h->last_event_at));
    json_object_set_new(j, "failures", json_integer(h->failures));
    json_object_set_new(j, "received", json_integer(h->received));
    json_object_set_new(j, "unknown", json_integer(h->unknown));
    json_array_append_new(arg, j);
    return 0;
}

/* GET /api/v1/events/streams - every connection's event stream. */
static int list_streams(struct web_req *r)
{
    struct rm_err e;
    json_t *items = json_array();
    int rc;

    rm_err_clear(&e);
    rc =
        events_health_list(api_app(r)->st, clock_now(), stream_item, items, &e);
    if (rc < 0) {
        json_decref(items);
        return api_fail(r, rc, &e);
    }
    json_t *body = json_object();
    json_object_set_new(body, "items", items);
    return web_reply_json(r, 200, body);
}

struct event_page {
    const struct api_page *p;
    int64_t skip;
    json_t *items;
};

static int event_item(const struct events_row *x, void *arg)
{
    struct event_page *ep = arg;
    if (api_page_skip(ep->p, x->id, &ep->skip))
        return 0;
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(x->id));
    json_object_set_new(j, "connection_id", json_integer(x->connection_id));
    json_object_set_new(j, "connection", api_text(x->connection));
    json_object_set_new(j, "event_id", api_text(x->event_id));
    json_object_set_new(j, "event", api_text(x->event));
    json_object_set_new(j, "object", api_text(x->object));
    json_object_set_new(j, "kind", api_text(x->kind));
    json_object_set_new(j, "outcome", api_text(x->outcome));
    json_object_set_new(j, "domain",
                        *x->domain ? json_string(x->domain) : json_null());
    json_object_set_new(j, "order_id",
                        *x->order_id ? json_string(x->order_id) : json_null());
    json_object_set_new(j, "status",
                        *x->status ? json_string(x->status) : json_null());
    json_object_set_new(j, "operation_id",
                        x->operation_id ? json_integer(x->operation_id)
                                        : json_null());
    json_object_set_new(j, "event_at", api_time(x->event_at));
    json_object_set_new(j, "received_at", api_time(x->received_at));
    json_object_set_new(j, "acked_at", api_time(x->acked_at));
    json_object_set_new(j, "data", api_text(x->data));
    json_array_append_new(ep->items, j);
    return 0;
}

/* GET /api/v1/events[?outcome=checked|known|unknown|ignored] - the events
 * read, newest first. */
static int list_events(struct web_req *r)
{
    static const char *const outcomes[] = {"checked", "known", "unknown",
                                           "ignored", NULL};
    struct api_page p;
    struct rm_err e;
    const char *outcome = NULL;
    int rc = api_page_parse(r, &p);

    if (rc || (rc = api_query_enum(r, "outcome", outcomes,
                                   "outcome: checked, known, unknown or "
                                   "ignored",
                                   &outcome)))
        return rc;
    rm_err_clear(&e);
    struct event_page ep = {&p, p.offset, json_array()};
    rc = events_list(api_app(r), outcome, p.has_after ? p.after : 0,
                     (int)(p.offset + p.fetch), event_item, &ep, &e);
    return api_reply_items(r, &p, rc, ep.items, &e);
}

static const struct web_route routes[] = {
    {"GET", "/api/v1/events/streams", list_streams, WEB_ADMIN},
    {"GET", "/api/v1/events", list_events, WEB_ADMIN},
    {"GET", "/api/v1/connections/{id}/balance", get_balance, WEB_ADMIN},
    {"GET", "/api/v1/async/ended", list_ended, WEB_ADMIN},
    {"GET", "/api/v1/license-acceptances", list_acceptances, WEB_ADMIN},
    {"GET", "/api/v1/license-acceptances.csv", export_acceptances, WEB_ADMIN},
};

const struct web_route *api_panel_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
