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
 *
 * After expiry (docs/expiry.md): a grace period of grace_days in which the
 * domain can still be renewed (at the renew price plus grace_fee), then
 * redemption_days in which it can only be restored (at restore_fee), then
 * pending_delete_days before the registry frees the name. The days a TLD
 * does not set come from regman's defaults for it (tld_expiry_default),
 * else the fallback 30/30/5; no grace fee and no restores unless set.
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

#define TLD_MAX_EXPIRY_DAYS 365

/* The life of a TLD's domains after expiry. */
struct tld_expiry_cfg {
    int grace_days, redemption_days, pending_delete_days;
    int64_t grace_fee;   /* minor units added in grace; 0 = none */
    int64_t restore_fee; /* minor units; TLD_NOPRICE: restores not offered */
};

/* The dates of one expiry under a TLD's settings; 0 = none. */
struct tld_expiry {
    int64_t renewable_until;  /* end of the grace period */
    int64_t restorable_until; /* end of redemption; 0 when restores are
                                 not offered or there is no redemption */
    int64_t deleted_after;    /* the registry frees the name after this */
};

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
    /* after expiry: the days as set (-1 = default for the TLD) and fees */
    int set_grace_days, set_redemption_days, set_pending_delete_days;
    struct tld_expiry_cfg expiry; /* effective */
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
    /* days 0..365 or "inherit" (the default for the TLD) */
    const char *grace_days, *redemption_days, *pending_delete_days;
    /* AMOUNT per money.h or "none" (no grace fee; restores not offered) */
    const char *grace_fee, *restore_fee;
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

/* tld_expiry_default - regman's default days for tld ("com", "co.uk";
 * the fallback 30/30/5 for a TLD it has none for), no grace fee, no
 * restores. Returns true when tld has defaults of its own. */
bool tld_expiry_default(const char *tld, struct tld_expiry_cfg *out);

/* tld_expiry_resolve - the effective settings of tld from its stored
 * columns (days < 0: not set; restore_fee TLD_NOPRICE: not offered). */
void tld_expiry_resolve(const char *tld, int grace_days, int redemption_days,
                        int pending_delete_days, int64_t grace_fee,
                        int64_t restore_fee, struct tld_expiry_cfg *out);

/* tld_expiry_dates_cfg - the dates of an expiry at expires_at (epoch
 * seconds) under c; all 0 when expires_at is 0 (not known). */
void tld_expiry_dates_cfg(const struct tld_expiry_cfg *c, int64_t expires_at,
                          struct tld_expiry *out);
/* tld_expiry_dates - tld_expiry_dates_cfg with t's effective settings. */
void tld_expiry_dates(const struct tld *t, int64_t expires_at,
                      struct tld_expiry *out);

/* The phase dates of one domain after its expiry: the registrar's as last
 * read at sync (domains.grace_end_at, redemption_end_at, delete_at) where
 * known, the TLD's days applied to its expiry otherwise. */
struct tld_domain_expiry {
    int64_t expires_at; /* 0: not known (then every date is 0) */
    struct tld_expiry dates;
    struct tld_expiry_cfg cfg; /* the TLD's effective settings and fees */
    bool from_registrar;       /* dates read from the registrar */
    char tld[64];
    char status[24];
    int64_t account_id, connection_id;
    bool auto_renew;
};

/* tld_domain_expiry - *out for the domain domain_id; RM_ENOTFOUND when
 * there is none. A restore fee not offered leaves restorable_until 0
 * even where the registrar states a redemption end. */
int tld_domain_expiry(struct app *app, int64_t domain_id,
                      struct tld_domain_expiry *out, struct rm_err *err);

/* tld_normalize - "  .COM" → "com" (validated as a name suffix). */
int tld_normalize(const char *in, char *out, size_t n, struct rm_err *err);

#endif
