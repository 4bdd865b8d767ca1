/*
 * tld - TLDs, the connection serving each, prices and async windows.
 *
 * A TLD ("com", "co.uk"; lowercase A-label without the dot) maps to one
 * connection. Prices are term totals in minor units per operation
 * (register, renew, transfer) and term (1..10 years); a term is offered
 * when it is in the TLD's allowed terms AND has a price for the operation.
 * WHOIS privacy has at most one price, per year (privacy:1, term 1 only;
 * no price = free); it is charged when privacy is turned on
 * (core/domchange.h) and is never an orderable term: the allowed terms do
 * not apply to it, and it is not offered with the terms of an order.
 * Async windows (first check, poll interval, deadlines) inherit from the
 * connection unless the TLD overrides them. Re-mapping a TLD changes only
 * new domains: every domain keeps its own connection_id.
 */
#ifndef RM_CORE_TLD_H
#define RM_CORE_TLD_H

#include <stdbool.h>
#include <stdint.h>

#include "core/app.h"
#include "core/names.h"

#define TLD_MAX_TERM 10
#define TLD_NOPRICE (-1)

enum tld_op { TLD_REGISTER, TLD_RENEW, TLD_TRANSFER, TLD_PRIVACY, TLD_NOPS };

const char *tld_op_name(enum tld_op op);

struct tld {
    char tld[NAME_MAX_ASCII + 1];
    int64_t connection_id;
    char connection[72];    /* title */
    unsigned allowed_terms; /* bit t set when t years are offered */
    /* TLD_NOPRICE when not set; index [op][term] */
    int64_t price[TLD_NOPS][TLD_MAX_TERM + 1];
    /* overrides; 0 = inherit */
    int64_t first_check_s, poll_interval_s, deadline_reg_s, deadline_xfer_s;
    /* effective windows (override or the connection's) */
    int64_t eff_first_check_s, eff_poll_interval_s, eff_deadline_reg_s,
        eff_deadline_xfer_s;
};

/* The request of `regman tld set`: NULL / 0 entries leave things as they
 * are. Prices are "OP:TERM=AMOUNT" (AMOUNT per money.h); an override of
 * "inherit" clears it. */
struct tld_set_req {
    const char *tld;
    const char *connection; /* title or id; required for a new TLD */
    const char *terms;      /* "1,2,3,5,10" or "1-10" */
    const char **prices;
    size_t nprices;
    const char **unprices; /* "OP:TERM" to remove */
    size_t nunprices;
    const char *first_check, *poll_interval, *deadline_reg, *deadline_xfer;
};

int tld_set(struct app *app, const struct tld_set_req *r, struct rm_err *err);
/* tld_set_get - tld_set, then the TLD as stored into *out. */
int tld_set_get(struct app *app, const struct tld_set_req *r, struct tld *out,
                struct rm_err *err);
/* tld_remove - RM_EREFUSED while live domains use the TLD. */
int tld_remove(struct app *app, const char *tld, struct rm_err *err);
int tld_get(struct app *app, const char *tld, struct tld *out,
            struct rm_err *err);
int tld_list(struct app *app, struct tld **out, size_t *n, struct rm_err *err);

/* tld_for_name - the longest mapped TLD that is a suffix of n (below the
 * registrable label); RM_ENOTFOUND "TLD .x is not offered". */
int tld_for_name(struct app *app, const struct name *n, struct tld *out,
                 struct rm_err *err);

/* tld_price_for - price of op for term; RM_EINVAL naming the terms offered
 * when the term is not offered. */
int tld_price_for(const struct tld *t, enum tld_op op, int term,
                  int64_t *amount, struct rm_err *err);

/* tld_privacy_price - the yearly WHOIS privacy price of t, or
 * TLD_NOPRICE when privacy is free there. */
int64_t tld_privacy_price(const struct tld *t);

/* tld_normalize - "  .COM" → "com" (validated as a name suffix). */
int tld_normalize(const char *in, char *out, size_t n, struct rm_err *err);

#endif
