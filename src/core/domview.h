/*
 * domview - domain rows as the API and the CLI show them: the domain with
 * its account, connection and the state of its last automatic renewal.
 * Read-only; the text of a row is valid only during the callback.
 */
#ifndef RM_CORE_DOMVIEW_H
#define RM_CORE_DOMVIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "core/app.h"
#include "core/tld.h"
#include "core/views.h"
#include "util/err.h"

struct dom_view {
    int64_t id;
    const char *name, *unicode_name, *tld, *status;
    int64_t expires_at; /* 0: not known */
    bool auto_renew;
    int64_t account_id;
    const char *account;
    int64_t connection_id;
    const char *connection; /* its title */
    int64_t created_at, updated_at;
    int64_t check_interval_s; /* the TLD's poll interval, else the
                                 connection's */
    int64_t warn_days, renew_days;
    /* the state of the last automatic renewal of this expiry, NULL when
     * there was none */
    const char *last_autorenew;
    /* a transfer to another registrar pending: the registrar's status
     * of it ("" when none) and when regman read it */
    const char *away_status;
    int64_t away_seen_at;
    /* the TLD's life after expiry (its settings, else the defaults) */
    struct tld_expiry_cfg expiry;
    /* the registrar's phase dates as read at sync (0: not stated) */
    int64_t grace_end_at, redemption_end_at, delete_at;
    int64_t renew_price; /* the TLD's one-year renewal; -1: not sold */
};

/* domview_expiry - v's dates after expiry: the registrar's where it
 * stated them, the TLD's days from the expiry otherwise (core/tld.h). */
void domview_expiry(const struct dom_view *v, struct tld_expiry *out);

typedef void (*dom_view_fn)(const struct dom_view *v, void *arg);

/* domview_live - is a domain in status st still held (not failed,
 * cancelled or transferred away)? */
bool domview_live(const char *status);

/* domview_needs_action - why the customer should act on v now, or NULL:
 *   autorenew_failed  auto-renew is on and the last automatic renewal
 *                     of this expiry ended refunded, or none succeeded a
 *                     day after it was due (lifecycle.c waits for funds);
 *   expired           the expiry date has passed;
 *   redemption        in its redemption period, a restore is offered;
 *   expiring          auto-renew is off and the expiry is within the
 *                     connection's warn_days.
 * Only active and expired domains qualify: anything else is either in
 * progress or over. */
const char *domview_needs_action(const struct dom_view *v, int64_t now);

/* domview_filter - NULL or 0 members do not filter. like: a LIKE pattern
 * of the name. live: live rows only; dead: of each name the account no
 * longer holds, its newest row only. expires_before: an expiry bound. */
struct domview_filter {
    int64_t account_id;
    const char *status, *like;
    bool live, dead;
    int64_t expires_before;
};

/* domview_list - a page of the domain rows matching f, newest first. */
int domview_list(struct app *app, const struct domview_filter *f,
                 const struct view_page *p, dom_view_fn fn, void *arg,
                 struct rm_err *err);

/* domview_by_name - the rows of domain ascii (of account_id only, 0: any
 * account), newest first. */
int domview_by_name(struct app *app, const char *ascii, int64_t account_id,
                    dom_view_fn fn, void *arg, struct rm_err *err);

/* domview_all - every row of account_id (0: any) with status and name
 * (NULL: any), by name and then id. */
int domview_all(struct app *app, int64_t account_id, const char *status,
                const char *name, dom_view_fn fn, void *arg,
                struct rm_err *err);

#endif
