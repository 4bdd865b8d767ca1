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

#endif
