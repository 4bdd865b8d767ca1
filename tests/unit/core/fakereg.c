/*
 * fakereg - the scripted registrar of core's unit tests (fakereg.h).
 */
#include "fakereg.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fakereg fakereg;

static void count(enum fakereg_call c)
{
    __atomic_fetch_add(&fakereg.calls[c], 1, __ATOMIC_SEQ_CST);
}

int fakereg_calls(enum fakereg_call c)
{
    return __atomic_load_n(&fakereg.calls[c], __ATOMIC_SEQ_CST);
}

int fakereg_sends(void)
{
    return fakereg_calls(FR_REGISTER) + fakereg_calls(FR_TRANSFER) +
           fakereg_calls(FR_RENEW);
}

void fakereg_reset(void)
{
    memset(&fakereg, 0, sizeof fakereg);
    fakereg.availability = REG_AVAILABLE;
    fakereg.order_state = REG_ORDER_UNKNOWN;
    fakereg.queue_state = REG_QUEUE_UNKNOWN;
    fakereg.transfer_state = REG_XFER_NONE;
    fakereg.stop = fakereg_lost();
    fakereg.price = 1000;
    fakereg.balance = 100000;
}

static struct reg_op_result answered(enum reg_op_state st, bool ok, int code,
                                     const char *order_id)
{
    struct reg_op_result r;
    memset(&r, 0, sizeof r);
    r.reply.delivery = REG_ANSWERED;
    r.reply.is_success = ok;
    r.reply.code = code;
    snprintf(r.reply.text, sizeof r.reply.text, "fake %d", code);
    r.state = st;
    snprintf(r.order_id, sizeof r.order_id, "%s", order_id ? order_id : "");
    return r;
}

struct reg_op_result fakereg_done(time_t expiry, const char *order_id)
{
    struct reg_op_result r = answered(REG_OP_DONE, true, 200, order_id);
    r.expiry = expiry;
    return r;
}

struct reg_op_result fakereg_failed(int code, const char *order_id)
{
    struct reg_op_result r = answered(REG_OP_FAILED, false, code, order_id);
    snprintf(r.reason, sizeof r.reason, "refused (%d)", code);
    return r;
}

struct reg_op_result fakereg_pending(enum reg_pending_why why,
                                     const char *order_id, const char *queue_id)
{
    struct reg_op_result r = answered(REG_OP_PENDING, true, 250, order_id);
    r.why = why;
    snprintf(r.queue_id, sizeof r.queue_id, "%s", queue_id ? queue_id : "");
    return r;
}

struct reg_op_result fakereg_not_sent(void)
{
    struct reg_op_result r;
    memset(&r, 0, sizeof r);
    r.reply.delivery = REG_NOT_SENT;
    snprintf(r.reply.text, sizeof r.reply.text, "connection refused");
    r.state = REG_OP_NOT_SENT;
    return r;
}

struct reg_op_result fakereg_lost(void)
{
    struct reg_op_result r;
    memset(&r, 0, sizeof r);
    r.reply.delivery = REG_UNKNOWN;
    snprintf(r.reply.text, sizeof r.reply.text, "timed out after sending");
    r.state = REG_OP_PENDING;
    r.why = REG_PENDING_TRANSPORT;
    return r;
}

void fakereg_script(const struct reg_op_result *r, int n)
{
    if (n > FAKEREG_SCRIPT_MAX)
        abort();
    memcpy(fakereg.send, r, (size_t)n * sizeof *r);
    fakereg.n_send = n;
}

/* the answer to the k-th send (k from 0) */
static int send_answer(enum fakereg_call c, struct reg_op_result *out)
{
    int k = fakereg_sends(); /* the sends before this one */
    count(c);
    if (fakereg.n_send == 0)
        abort(); /* a send the test did not script */
    *out = fakereg.send[k < fakereg.n_send ? k : fakereg.n_send - 1];
    return 0;
}

/* in_flight - a call that takes query_delay_ms, counted while it lasts */
static void in_flight(void)
{
    if (fakereg.query_delay_ms > 0) {
        int now = __atomic_add_fetch(&fakereg.in_flight, 1, __ATOMIC_SEQ_CST);
        int most = __atomic_load_n(&fakereg.max_in_flight, __ATOMIC_SEQ_CST);
        while (now > most && !__atomic_compare_exchange_n(
                                 &fakereg.max_in_flight, &most, now, false,
                                 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
            ;
        struct timespec ts = {fakereg.query_delay_ms / 1000,
                              (long)(fakereg.query_delay_ms % 1000) * 1000000};
        nanosleep(&ts, NULL);
        __atomic_sub_fetch(&fakereg.in_flight, 1, __ATOMIC_SEQ_CST);
    }
}

/* query - an answered query, or the lost answer */
static int query(enum fakereg_call c, struct reg_reply *reply,
                 struct rm_err *err)
{
    count(c);
    in_flight();
    memset(reply, 0, sizeof *reply);
    if (fakereg.queries_lost) {
        reply->delivery = REG_UNKNOWN;
        snprintf(reply->text, sizeof reply->text, "timed out");
        return rm_err_set(err, RM_EIO, "fake: no answer");
    }
    reply->delivery = REG_ANSWERED;
    reply->is_success = true;
    reply->code = 200;
    snprintf(reply->text, sizeof reply->text, "fake query");
    return 0;
}

static int f_lookup(void *impl, const char *domain, struct reg_lookup *out,
                    struct rm_err *err)
{
    memset(out, 0, sizeof *out);
    int rc = query(FR_LOOKUP, &out->reply, err);
    out->availability = fakereg.availability;
    return rc;
}

static int f_suggest(void *impl, const char *search, const char *const *tlds,
                     size_t n_tlds, struct reg_suggest *out, struct rm_err *err)
{
    memset(out, 0, sizeof *out);
    return query(FR_SUGGEST, &out->reply, err);
}

static int f_register(void *impl, const struct reg_domain_order *o,
                      struct reg_op_result *out, struct rm_err *err)
{
    return send_answer(FR_REGISTER, out);
}

static int f_transfer(void *impl, const struct reg_domain_order *o,
                      struct reg_op_result *out, struct rm_err *err)
{
    return send_answer(FR_TRANSFER, out);
}

static int f_renew(void *impl, const struct reg_renew_req *r,
                   struct reg_op_result *out, struct rm_err *err)
{
    return send_answer(FR_RENEW, out);
}

static int f_process_pending(void *impl, const char *order_id,
                             enum reg_op_kind kind, struct reg_op_result *out,
                             struct rm_err *err)
{
    count(FR_PROCESS_PENDING);
    *out = fakereg.stop;
    return 0;
}

static int f_cancel_order(void *impl, const char *order_id,
                          struct reg_op_result *out, struct rm_err *err)
{
    count(FR_CANCEL_ORDER);
    *out = fakereg.stop;
    return 0;
}

static int f_cancel_transfer(void *impl, const char *domain,
                             const char *order_id, struct reg_op_result *out,
                             struct rm_err *err)
{
    count(FR_CANCEL_TRANSFER);
    *out = fakereg.stop;
    return 0;
}

static int f_revoke(void *impl, const char *domain, struct reg_op_result *out,
                    struct rm_err *err)
{
    count(FR_REVOKE);
    *out = fakereg.stop;
    return 0;
}

static int f_set_expire_action(void *impl, const char *domain, bool auto_renew,
                               struct reg_op_result *out, struct rm_err *err)
{
    count(FR_SET_EXPIRE_ACTION);
    *out = fakereg_done(0, NULL);
    return 0;
}

static int f_transfer_status(void *impl, const char *domain,
                             struct reg_transfer_info *out, struct rm_err *err)
{
    memset(out, 0, sizeof *out);
    int rc = query(FR_TRANSFER_STATUS, &out->reply, err);
    out->transferable = true;
    out->state = fakereg.transfer_state;
    return rc;
}

static int f_transfers_in(void *impl, const char *domain, const char *order_id,
                          struct reg_transfers *out, struct rm_err *err)
{
    memset(out, 0, sizeof *out);
    return query(FR_TRANSFERS_IN, &out->reply, err);
}

static int f_order_info(void *impl, const char *order_id,
                        struct reg_order_info *out, struct rm_err *err)
{
    memset(out, 0, sizeof *out);
    int rc = query(FR_ORDER_INFO, &out->reply, err);
    out->state = fakereg.order_state;
    snprintf(out->status, sizeof out->status, "%s",
             reg_order_state_name(fakereg.order_state));
    snprintf(out->order_id, sizeof out->order_id, "%s", order_id);
    return rc;
}

static int f_queue_info(void *impl, const char *queue_id,
                        struct reg_queue_info *out, struct rm_err *err)
{
    memset(out, 0, sizeof *out);
    int rc = query(FR_QUEUE_INFO, &out->reply, err);
    out->state = fakereg.queue_state;
    snprintf(out->status, sizeof out->status, "%s",
             reg_queue_state_name(fakereg.queue_state));
    return rc;
}

static int f_belongs(void *impl, const char *domain, struct reg_belongs *out,
                     struct rm_err *err)
{
    memset(out, 0, sizeof *out);
    int rc = query(FR_BELONGS, &out->reply, err);
    out->ours = fakereg.ours;
    out->expiry = fakereg.ours ? fakereg.expiry : 0;
    return rc;
}

static int f_info(void *impl, const char *domain, struct reg_domain_info *out,
                  struct rm_err *err)
{
    memset(out, 0, sizeof *out);
    int rc = query(FR_INFO, &out->reply, err);
    out->expiry = fakereg.expiry;
    return rc;
}

static int f_status(void *impl, const char *domain,
                    struct reg_domain_status *out, struct rm_err *err)
{
    memset(out, 0, sizeof *out);
    return query(FR_STATUS, &out->reply, err);
}

static int f_expiring(void *impl, time_t from, time_t to,
                      struct reg_expiring *out, struct rm_err *err)
{
    memset(out, 0, sizeof *out);
    int rc = query(FR_EXPIRING, &out->reply, err);
    if (rc < 0)
        return rc;
    out->items = calloc((size_t)fakereg.n_portfolio + 1, sizeof *out->items);
    if (!out->items)
        abort();
    for (int i = 0; i < fakereg.n_portfolio; i++)
        if (fakereg.portfolio[i].expiry >= from &&
            fakereg.portfolio[i].expiry <= to)
            out->items[out->n++] = fakereg.portfolio[i];
    return 0;
}

static int f_balance(void *impl, struct reg_balance *out, struct rm_err *err)
{
    memset(out, 0, sizeof *out);
    int rc = query(FR_BALANCE, &out->reply, err);
    out->balance = fakereg.balance;
    return rc;
}

static int f_price(void *impl, const char *domain, enum reg_price_type type,
                   int period, struct reg_price *out, struct rm_err *err)
{
    memset(out, 0, sizeof *out);
    int rc = query(FR_PRICE, &out->reply, err);
    out->price = fakereg.price;
    return rc;
}

static void f_free(void *impl)
{
}

static int f_poll_events(void *impl, int limit, struct reg_events *out,
                         struct rm_err *err)
{
    int n;

    (void)impl;
    memset(out, 0, sizeof *out);
    out->total = -1;
    if (query(FR_POLL_EVENTS, &out->reply, err) < 0)
        return -1;
    if (fakereg.events_lost) {
        out->reply.delivery = REG_UNKNOWN;
        return rm_err_set(err, RM_EIO, "fake: no answer to POLL EVENT");
    }
    n = fakereg.n_events < limit ? fakereg.n_events : limit;
    out->items = calloc(n ? (size_t)n : 1, sizeof *out->items);
    memcpy(out->items, fakereg.events, (size_t)n * sizeof *out->items);
    out->n = (size_t)n;
    out->total = fakereg.n_events;
    return 0;
}

static int f_ack_event(void *impl, const char *event_id, struct reg_reply *out,
                       struct rm_err *err)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    bool found = false;

    (void)impl;
    count(FR_ACK_EVENT);
    in_flight(); /* acknowledgements may go out at once */
    memset(out, 0, sizeof *out);
    out->delivery = REG_ANSWERED;
    if (fakereg.acks_fail) {
        out->code = 400;
        return rm_err_set(err, RM_EPROTO, "fake: ACK refused");
    }
    pthread_mutex_lock(&mu);
    for (int i = 0; i < fakereg.n_events; i++) {
        if (strcmp(fakereg.events[i].id, event_id) != 0)
            continue;
        memmove(&fakereg.events[i], &fakereg.events[i + 1],
                (size_t)(fakereg.n_events - i - 1) * sizeof fakereg.events[0]);
        fakereg.n_events--;
        found = true;
        break;
    }
    pthread_mutex_unlock(&mu);
    if (!found) {
        out->code = 480;
        return rm_err_set(err, RM_ENOTFOUND, "fake: event not found");
    }
    if (fakereg.acks_lost) {
        out->delivery = REG_UNKNOWN;
        return rm_err_set(err, RM_EIO, "fake: ACK answer lost");
    }
    out->is_success = true;
    out->code = 200;
    return 0;
}

int fakereg_event(enum reg_event_kind kind, const char *order_id,
                  const char *domain, const char *status)
{
    static int seq;
    struct reg_event *e;

    if (fakereg.n_events >= FAKEREG_EVENTS_MAX)
        return -1;
    e = &fakereg.events[fakereg.n_events];
    memset(e, 0, sizeof *e);
    snprintf(e->id, sizeof e->id, "ev%d", ++seq);
    e->kind = kind;
    snprintf(e->order_id, sizeof e->order_id, "%s", order_id ? order_id : "");
    snprintf(e->domain, sizeof e->domain, "%s", domain ? domain : "");
    snprintf(e->status, sizeof e->status, "%s", status ? status : "");
    switch (kind) {
    case REG_EVENT_ORDER_STATUS:
        snprintf(e->event, sizeof e->event, "STATUS_CHANGE");
        snprintf(e->object, sizeof e->object, "ORDER");
        e->order_state = reg_order_state_parse(e->status);
        break;
    case REG_EVENT_TRANSFER_STATUS:
        snprintf(e->event, sizeof e->event, "STATUS_CHANGE");
        snprintf(e->object, sizeof e->object, "TRANSFER");
        e->transfer_state = reg_transfer_state_parse(e->status);
        break;
    case REG_EVENT_DOMAIN_REGISTERED:
        snprintf(e->event, sizeof e->event, "REGISTERED");
        snprintf(e->object, sizeof e->object, "DOMAIN");
        break;
    case REG_EVENT_DOMAIN_RENEWED:
        snprintf(e->event, sizeof e->event, "RENEWED");
        snprintf(e->object, sizeof e->object, "DOMAIN");
        break;
    default:
        snprintf(e->event, sizeof e->event, "OTHER");
        snprintf(e->object, sizeof e->object, "DOMAIN");
        break;
    }
    snprintf(e->data, sizeof e->data, "domain_name=%s", domain ? domain : "");
    return fakereg.n_events++;
}

static const struct registrar_ops fake_ops = {
    .name = "fake",
    .poll_events = f_poll_events,
    .ack_event = f_ack_event,
    .lookup = f_lookup,
    .suggest = f_suggest,
    .register_domain = f_register,
    .transfer = f_transfer,
    .renew = f_renew,
    .process_pending = f_process_pending,
    .cancel_order = f_cancel_order,
    .cancel_transfer = f_cancel_transfer,
    .revoke = f_revoke,
    .set_expire_action = f_set_expire_action,
    .transfer_status = f_transfer_status,
    .transfers_in = f_transfers_in,
    .order_info = f_order_info,
    .queue_info = f_queue_info,
    .belongs = f_belongs,
    .info = f_info,
    .status = f_status,
    .expiring = f_expiring,
    .balance = f_balance,
    .price = f_price,
    .free = f_free,
};

int fakereg_make(struct app *app, const struct conn *c, const char *key,
                 reglog_sink_fn *sink, void *sink_arg, struct registrar **out,
                 struct rm_err *err)
{
    struct registrar *r = calloc(1, sizeof *r);
    if (!r)
        return rm_err_set(err, RM_EINTERNAL, "out of memory");
    r->ops = &fake_ops;
    r->impl = NULL;
    __atomic_fetch_add(&fakereg.made, 1, __ATOMIC_SEQ_CST);
    *out = r;
    return 0;
}
