/*
 * opview - operations as the API and the CLI show them: one row per
 * operation with its domain, account and the window it is checked in.
 * Read-only; the text of a row is valid only during the callback.
 */
#ifndef RM_CORE_OPVIEW_H
#define RM_CORE_OPVIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "core/app.h"
#include "core/views.h"
#include "util/err.h"

struct op_view {
    int64_t id;
    const char *kind, *state;
    int64_t domain_id;
    const char *domain, *unicode_name;
    int64_t account_id;
    const char *account;
    int64_t connection_id, term, amount;
    const char *order_id, *queue_id, *transfer_status, *pending_reason,
        *last_answer; /* "" when not set */
    int64_t checks, created_at, sent_at, next_check_at, last_check_at,
        deadline_at, finished_at;    /* 0 when not set */
    const char *watch, *stop_answer; /* "" when not set */
    int64_t registrar_cost;          /* -1: not known */
    int64_t late_at, held_domain_id, resolved_op_id, watch_next_at; /* 0 */
    /* the TLD's poll interval while it maps to the connection, else the
     * connection's */
    int64_t check_interval_s;
    /* who asked: "admin", "account:NAME", "lifecycle"; "" when not
     * recorded (before migration 014) */
    const char *actor;
};

typedef void (*op_view_fn)(const struct op_view *v, void *arg);

/* opview_get - operation id: fn called once when it exists. *found
 * (may be NULL) says whether it did. */
int opview_get(struct app *app, int64_t id, op_view_fn fn, void *arg,
               bool *found, struct rm_err *err);

/* opview_of_domain - the operations of domain row domain_id, oldest
 * first. */
int opview_of_domain(struct app *app, int64_t domain_id, op_view_fn fn,
                     void *arg, struct rm_err *err);

/* opview_filter - NULL or 0 members do not filter. */
struct opview_filter {
    int64_t account_id;
    const char *state, *kind, *domain, *watch;
    int64_t reseller_id; /* the orders of this reseller's customers; 0 any */
};

/* opview_list - a page of the operations matching f, newest first. */
int opview_list(struct app *app, const struct opview_filter *f,
                const struct view_page *p, op_view_fn fn, void *arg,
                struct rm_err *err);

/* opview_latest_of_name - the operation a check of domain ascii means: its
 * pending one, else its newest. RM_ENOTFOUND when it has none. */
int opview_latest_of_name(struct app *app, const char *ascii, int64_t *op_id,
                          struct rm_err *err);

/* opview_ended - a page of the operations that went through pending and
 * ended at or after since, the latest ended first; with whether each was
 * refunded. */
int opview_ended(struct app *app, int64_t since, const struct view_page *p,
                 void (*fn)(const struct op_view *v, bool refunded, void *arg),
                 void *arg, struct rm_err *err);

#endif
