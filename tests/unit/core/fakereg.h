/*
 * fakereg - a scripted registrar (struct registrar_ops) for core's unit
 * tests, plugged in through app.make_registrar like the real driver.
 *
 * Operations (register, transfer, renew) answer from a script: one
 * struct reg_op_result per send, the last one repeating. The stopping
 * calls (process_pending cancel, cancel_order, cancel_transfer) answer
 * `stop`. Queries answer from the fields below, or not at all while
 * queries_lost is set (REG_UNKNOWN: the answer was lost). Every call is
 * counted, so a test can assert that an order was never sent twice.
 * Counters are updated atomically (the Async Manager polls on worker
 * threads); everything else is set by the test between calls.
 */
#ifndef RM_TESTS_FAKEREG_H
#define RM_TESTS_FAKEREG_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/app.h"
#include "registrar/registrar.h"

#define FAKEREG_SCRIPT_MAX 8

enum fakereg_call {
    FR_REGISTER,
    FR_TRANSFER,
    FR_RENEW,
    FR_PROCESS_PENDING,
    FR_CANCEL_ORDER,
    FR_CANCEL_TRANSFER,
    FR_REVOKE,
    FR_SET_EXPIRE_ACTION,
    FR_LOOKUP,
    FR_SUGGEST,
    FR_TRANSFER_STATUS,
    FR_TRANSFERS_IN,
    FR_ORDER_INFO,
    FR_QUEUE_INFO,
    FR_BELONGS,
    FR_INFO,
    FR_STATUS,
    FR_EXPIRING,
    FR_BALANCE,
    FR_PRICE,
    FR_POLL_EVENTS,
    FR_ACK_EVENT,
    FR_NCALLS
};

#define FAKEREG_EVENTS_MAX 256

struct fakereg {
    /* the answers to the sends, in order; the last one repeats */
    struct reg_op_result send[FAKEREG_SCRIPT_MAX];
    int n_send;
    struct reg_op_result stop; /* process_pending, cancel_* */
    bool queries_lost;         /* every query: REG_UNKNOWN, RM_EIO */
    enum reg_availability availability;
    enum reg_order_state order_state;
    enum reg_queue_state queue_state;
    enum reg_transfer_state transfer_state;
    bool ours;     /* BELONGS_TO_RSP */
    time_t expiry; /* BELONGS_TO_RSP, GET DOMAIN */
    int64_t price, balance;
    /* GET_DOMAINS_BY_EXPIREDATE: the registrar's portfolio */
    struct reg_expiring_item portfolio[16];
    int n_portfolio;

    int query_delay_ms;           /* every query takes this long (0: none) */
    int in_flight, max_in_flight; /* queries at once: now, most (atomic) */

    /* the event stream: the unacknowledged events, oldest first */
    struct reg_event events[FAKEREG_EVENTS_MAX];
    int n_events;
    bool events_lost; /* POLL EVENT: no answer */
    bool acks_fail;   /* ACK EVENT: refused, the event stays */
    bool acks_lost;   /* ACK EVENT: done, but the answer is lost */

    int calls[FR_NCALLS]; /* atomically counted */
    int made;             /* registrars made */
};

extern struct fakereg fakereg;

/* fakereg_reset - no script, every query "nothing known", no calls. */
void fakereg_reset(void);
/* fakereg_calls - how often a call was made (an atomic read). */
int fakereg_calls(enum fakereg_call c);
/* fakereg_sends - register + transfer + renew calls. */
int fakereg_sends(void);

/* The answers a test scripts. */
struct reg_op_result fakereg_done(time_t expiry, const char *order_id);
struct reg_op_result fakereg_failed(int code, const char *order_id);
struct reg_op_result fakereg_pending(enum reg_pending_why why,
                                     const char *order_id,
                                     const char *queue_id);
struct reg_op_result fakereg_not_sent(void);
/* fakereg_lost - sent, no answer came back (timeout after sending). */
struct reg_op_result fakereg_lost(void);

/* fakereg_event - queue an event (kind, order id, domain; the order or
 * transfer state word in status) with id "ev<n>"; returns its index. */
int fakereg_event(enum reg_event_kind kind, const char *order_id,
                  const char *domain, const char *status);

/* fakereg_script - the sends' answers (n at most FAKEREG_SCRIPT_MAX). */
void fakereg_script(const struct reg_op_result *r, int n);

/* fakereg_make - for app.make_registrar. */
int fakereg_make(struct app *app, const struct conn *c, const char *key,
                 reglog_sink_fn *sink, void *sink_arg, struct registrar **out,
                 struct rm_err *err);

#endif
