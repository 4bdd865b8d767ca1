/*
 * lifecycle_int - helpers lifecycle.c and portfolio.c share. Private to
 * src/core: nothing outside it includes this.
 */
#ifndef RM_CORE_LIFECYCLE_INT_H
#define RM_CORE_LIFECYCLE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/lifecycle.h"
#include "store/store.h"

/* The columns lc_read_domain reads, in its order (domains d). */
#define DOMAIN_COLS                                                            \
    "d.id, d.account_id, d.connection_id, COALESCE(d.expires_at, 0), "         \
    "d.auto_renew, d.name, d.unicode_name, d.tld, d.status "

/* lc_cpy - column col of s (NULL as "") into dst. */
void lc_cpy(char *dst, size_t n, struct store_stmt *s, int col);
/* lc_ymd - t as YYYY-MM-DD (UTC), "-" when unknown; returns buf. */
char *lc_ymd(int64_t t, char *buf, size_t n);
/* lc_can_mail - is there a [mail] from address to queue mail with? */
bool lc_can_mail(const struct lifecycle_ctx *c);
/* lc_keep_going - may the step go on (the caller's keep_going)? */
bool lc_keep_going(const struct lifecycle_ctx *c);
/* lc_note_error - an item failed: log it, keep the first message. */
void lc_note_error(struct lifecycle_stats *s, struct rm_err *first,
                   const char *what, const char *domain,
                   const struct rm_err *e);
/* lc_step_result - 0, or an error naming how many items failed since
 * before and the first one's message. */
int lc_step_result(const struct lifecycle_stats *s, int64_t before,
                   const struct rm_err *first, struct rm_err *err);
/* lc_read_domain - a row of DOMAIN_COLS. */
void lc_read_domain(struct store_stmt *s, struct lifecycle_domain *d);
/* lc_amount_text - v with the currency ("12.00 USD"); returns buf. */
char *lc_amount_text(const struct app *app, int64_t v, char *buf, size_t n);
/* lc_notice_add - INSERT the notice; 1 when it is new, 0 when it was
 * there. Inside the caller's write transaction. */
int lc_notice_add(struct app *app, int64_t domain_id, const char *kind,
                  int64_t expires_at, int64_t now, struct rm_err *err);

/* lc_after_action - what the customer of d can still do after expiry
 * and what it costs, one line: "renew it until DATE for AMOUNT (renewal
 * 13.00 USD + grace fee 5.00 USD)" or "restore it until DATE for AMOUNT
 * (restore fee ... + one year's renewal ...)" (restore), into buf.
 * RM_ENOTFOUND when the TLD has no renew price (reminders.c). */
int lc_after_action(struct app *app, const struct lifecycle_domain *d,
                    bool restore, int64_t until, char *buf, size_t n,
                    struct rm_err *err);

/* Keyset window on one connection for lc_walk_conn: sql selects
 * DOMAIN_COLS with LC_WINDOW, then its own conditions with nextra
 * parameters, then "ORDER BY d.expires_at, d.id LIMIT ?". */
#define LC_WINDOW                                                              \
    "FROM domains d WHERE d.connection_id = ? AND d.expires_at >= ? AND "      \
    "d.expires_at <= ? AND (d.expires_at > ? OR d.id > ?) "
/* lc_walk_conn - the rows of sql on connection conn_id with expires_at in
 * (lo, hi], in keyset batches of LIFECYCLE_BATCH; each batch is read and
 * its statement released before fn sees the rows, so fn may write. */
int lc_walk_conn(struct app *app, const char *sql, int64_t conn_id, int64_t lo,
                 int64_t hi, const int64_t *extra, int nextra,
                 lifecycle_row_fn *fn, void *arg, struct rm_err *err);

#endif
