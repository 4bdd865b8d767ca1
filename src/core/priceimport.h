/*
 * priceimport - the registrar's prices as the cost of each TLD, operation
 * and term, and retail prices proposed (or applied) from them by a rule.
 *
 * For one connection and the TLDs mapped to it (or the ones asked, each
 * of which must be mapped to it): GET_PRICE for register (reg_type new)
 * and renew (renewal) in every term the TLD allows, and transfer for one
 * year, each asked about the probe name PRICEIMPORT_PROBE.<tld>. Every
 * price read is kept as the cost in registrar_prices (connection, TLD,
 * reg_type, period; with the time read), where record_cost (core/ops.c)
 * finds it for the day after. A premium answer or a refusal for one entry
 * is reported in its row and skips that entry; a registrar that does not
 * answer (nothing readable came back) ends the run with RM_EIO before
 * anything is written.
 *
 * The rule: price = cost * (1 + markup / 100) + add, rounded up to the
 * cent, then up to the next amount whose cents are round_cents (e.g. 99:
 * 11.05 -> 11.99, 11.99 stays). markup >= 0 and add >= 0, so a proposal
 * is never below the cost. All in minor units; the markup in hundredths
 * of a percent.
 *
 * One write transaction per run holds the costs and, with apply, the new
 * prices (through tld_set, which joins it): either all of a run's prices
 * apply or none. Only prices that differ are written, so a second run
 * with the same inputs and the same registrar prices changes nothing but
 * the time the costs were read.
 */
#ifndef RM_CORE_PRICEIMPORT_H
#define RM_CORE_PRICEIMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "core/tld.h"
#include "util/err.h"

#define PRICEIMPORT_PROBE "regman-price-check"
#define PRICEIMPORT_MAX_TLDS 64
#define PRICEIMPORT_MAX_MARKUP_BP 100000 /* 1000 % */
#define PRICEIMPORT_NO_ROUND (-1)

/* The rule of a run. */
struct priceimport_rule {
    int64_t markup_bp; /* hundredths of a percent, 0..MAX_MARKUP_BP */
    int64_t add;       /* minor units, >= 0 */
    int round_cents;   /* 0..99, or PRICEIMPORT_NO_ROUND (to the cent) */
};

/* priceimport_parse_markup - "20", "12.5", "7.25" (percent, at most two
 * decimals, 0..1000) into hundredths of a percent; RM_EINVAL naming
 * the markup otherwise. */
int priceimport_parse_markup(const char *s, int64_t *bp, struct rm_err *err);
/* priceimport_parse_round - ".99", "0.99" or "99" into the cents 0..99;
 * RM_EINVAL naming the rounding otherwise. */
int priceimport_parse_round(const char *s, int *cents, struct rm_err *err);
/* priceimport_rule_parse - the three options as people type them (NULL:
 * markup 0, add 0, no rounding); the amount per money.h. */
int priceimport_rule_parse(const char *markup, const char *add,
                           const char *round, struct priceimport_rule *out,
                           struct rm_err *err);
/* priceimport_propose - the proposal for cost under r; RM_ELIMIT when it
 * would exceed the largest amount money.h takes. */
int priceimport_propose(const struct priceimport_rule *r, int64_t cost,
                        int64_t *out, struct rm_err *err);

enum priceimport_status {
    PRICEIMPORT_READ,    /* cost read, proposal made */
    PRICEIMPORT_PREMIUM, /* the registrar answered a premium price */
    PRICEIMPORT_REFUSED  /* the registrar refused to price it */
};

struct priceimport_row {
    char tld[NAME_MAX_ASCII + 1];
    enum tld_op op; /* TLD_REGISTER, TLD_RENEW or TLD_TRANSFER */
    int term;
    enum priceimport_status status;
    int64_t cost;     /* minor units; -1 unless READ */
    int64_t old;      /* the TLD's price before the run; TLD_NOPRICE: none */
    int64_t proposed; /* -1 unless READ */
    bool changed;     /* READ and proposed != old */
    char note[160];   /* why skipped ("" when READ) */
};

struct priceimport_req {
    const char *connection; /* title or id */
    const char **tlds;      /* NULL / 0: every TLD mapped to it */
    size_t ntlds;
    struct priceimport_rule rule;
    bool apply;
};

struct priceimport_result {
    int64_t connection_id;
    char connection[72];
    int64_t read_at;
    struct priceimport_row *rows; /* owned; by TLD, operation, term */
    size_t nrows;
    size_t nread, nchanged, nskipped;
    bool applied; /* apply was asked and the run committed */
};

/* priceimport_run - the run of r into *out (free with
 * priceimport_result_free, also after a failure). RM_ENOTFOUND: unknown
 * connection or TLD; RM_EINVAL: a TLD not mapped to the connection, a bad
 * rule, a TLD with no terms; RM_EIO: the registrar did not answer (nothing
 * written). */
int priceimport_run(struct app *app, const struct priceimport_req *r,
                    struct priceimport_result *out, struct rm_err *err);
void priceimport_result_free(struct priceimport_result *res);

/* priceimport_reg_type - the GET_PRICE reg_type of op ("new", "renewal",
 * "transfer"). */
const char *priceimport_reg_type(enum tld_op op);

#endif
