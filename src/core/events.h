/*
 * events - the registrar's event stream (OpenSRS POLL EVENT / ACK EVENT,
 * registrar.h "the event stream"; migration 012): how the Async Manager
 * learns outcomes from one call per 100 events instead of one call per
 * pending operation per poll interval.
 *
 * The reader (events_read; run at the start of every sweep, core/async.h,
 * so by the async.sweep job and every node's own sweep): for each
 * connection with `events` on whose driver has a stream, one process at
 * a time (a lease in conn_events: owner/lease_until, EVENTS_LEASE_S):
 *
 *   page := POLL EVENT limit 100 (paced like all background calls)
 *   for each event, one transaction: the row (connection, event id) is
 *       inserted into registrar_events - a duplicate (the registrar
 *       delivers at least once; a lost ACK answer) finds its row and
 *       changes nothing - and applied (outcome 'checked' for both):
 *       DOMAIN REGISTERED/CREATED (RENEWED) with the new expiry, dated no
 *       earlier than the order, for a pending registration (a renewal or
 * restore, the expiry past the year it extends) settles it as succeeded in that
 * transaction, the registrar having said what BELONGS_TO_RSP (GET DOMAIN) would
 * read back - no call; any other event that says an order, registration,
 * renewal or transfer of a pending operation ended makes that operation due
 * now, and so a watched operation (design §4 rule 9); the sweep then asks the
 * registrar for it with the authoritative check that settles it (ops_poll_run:
 *       an event is never the evidence a charge or refund rests on; a
 *       failure is always read back). Other events about what regman
 *       knows are 'known' or 'ignored' (an order still in progress); an
 *       event about an order or a domain regman does not know is
 *       'unknown', kept for the admin (`regman events list --unknown`),
 *       never dropped
 *   then ACK EVENT for every event of the page (duplicates too), up to
 *       EVENTS_ACK_WORKERS at once within the connection's concurrency
 *       (shared with every node's sweeps, core/pace.h); an ACK that fails
 *       leaves the event to come again, as a duplicate
 *   another page while a full one came and some ACK succeeded, at most
 *       EVENTS_PAGES_MAX, none begun EVENTS_READ_S into the read
 *
 * Health. A connection's stream is healthy when `events` is on, its last
 * poll was answered within EVENTS_STALE_S, none failed since, and it is
 * not quiet: no event for EVENTS_QUIET_S while an operation sent before
 * then is still pending. While healthy, a pending operation's own checks
 * (the per-operation polls, now the fallback) come EVENTS_FALLBACK_FACTOR
 * poll intervals apart instead of one, or twice the operation's age when
 * that is longer (events_next_check), never past its deadline (the
 * final authoritative check of rule 5 keeps its time); otherwise they
 * come at the poll interval as without events, and every sweep brings the
 * checks a healthy stream had spaced out back within one poll interval
 * (so do events turned off). /metrics and `regman events status` say
 * which.
 */
#ifndef RM_CORE_EVENTS_H
#define RM_CORE_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/app.h"
#include "util/err.h"

#define EVENTS_PAGE 100
#define EVENTS_PAGES_MAX 500
#define EVENTS_READ_S 120     /* no page begun later into a read */
#define EVENTS_ACK_WORKERS 16 /* acknowledgements at once, at most */
#define EVENTS_SKEW_S 3600    /* the registrar's clock against ours */
#define EVENTS_LEASE_S 300
#define EVENTS_STALE_S 900
#define EVENTS_QUIET_S (4 * 86400)
#define EVENTS_FALLBACK_FACTOR 24

struct events_stats {
    int connections; /* streams read */
    int polls, received, duplicates;
    int checked, known, unknown, ignored; /* outcomes of new events */
    int settled; /* of the checked: operations the event itself settled */
    int acked, ack_errors, errors;
};

/* events_read - read every connection's stream once (the reader above).
 * Errors of one connection are logged and counted (st->errors) and recorded
 * in its health; the return is negative only for a store failure. */
int events_read(struct app *app, struct events_stats *st, struct rm_err *err);

/* A connection's stream as the admin sees it. */
struct events_health {
    int64_t connection_id;
    char title[72];
    bool on;       /* registrar_connections.events */
    bool healthy;  /* see above */
    char why[320]; /* healthy: "answering"; otherwise the reason */
    int64_t last_poll_at, last_ok_at, last_event_at; /* 0: never */
    int64_t failures, received, unknown;
    char last_error[256];
};

/* events_health - the stream of connection conn_id at now. */
int events_health(struct store *st, int64_t conn_id, int64_t now,
                  struct events_health *out, struct rm_err *err);

/* events_health_list - every connection's, by title; cb returns non-zero
 * to stop (that value is returned). */
int events_health_list(struct store *st, int64_t now,
                       int (*cb)(const struct events_health *h, void *arg),
                       void *arg, struct rm_err *err);

/* events_next_check - when a pending operation of conn_id sent at since,
 * checked at now and still waiting, is checked again: now + poll_s; or
 * with a healthy stream now + the larger of EVENTS_FALLBACK_FACTOR x
 * poll_s and twice its age (now - since), so the checks of an operation
 * that waits long grow rarer (1 day, 3 days, 9 days ... after it was sent
 * at the default hourly interval) - but never after deadline_at (when set
 * and later than now). Health is cached per connection for a few seconds
 * (a sweep notes many operations). */
int64_t events_next_check(struct app *app, int64_t conn_id, int64_t now,
                          int64_t poll_s, int64_t since, int64_t deadline_at);

/* events_first_check - the first check of an order the registrar took
 * (it will be announced): now + first_s, or with a healthy stream as
 * events_next_check at poll_s. */
int64_t events_first_check(struct app *app, int64_t conn_id, int64_t now,
                           int64_t first_s, int64_t poll_s,
                           int64_t deadline_at);

/* One row of registrar_events. */
struct events_row {
    int64_t id, connection_id, operation_id, event_at, received_at, acked_at;
    char connection[72];
    char event_id[64], event[48], object[16], kind[24], outcome[16];
    char domain[256], order_id[64], status[64];
    char data[1024];
};

/* events_list - rows newest first (id below `before` when > 0), of one
 * outcome when outcome is set, at most limit. */
int events_list(struct app *app, const char *outcome, int64_t before, int limit,
                int (*cb)(const struct events_row *r, void *arg), void *arg,
                struct rm_err *err);

#endif
