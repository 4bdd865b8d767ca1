/*
 * shop - "search like a shop": one word or name in, the name in every TLD
 * the provider sells with its availability and price, plus names like it
 * (docs/regman.1 `domain search`, GET /api/v1/search).
 *
 * Input (leading and trailing blanks ignored):
 *   a bare label        "mynewshop"      searched in every TLD sold;
 *   a name in a TLD sold "mynewshop.com" the same, that name first;
 *   a name in a TLD not sold "mynewshop.xyz" the label across the TLDs
 *                        sold (typed_sold false says so);
 * IDN input as name_parse takes it (U-labels or A-labels; the registrar is
 * asked with the A-label). A leading "www." is dropped. Anything else is
 * RM_EINVAL with a message for people: empty, longer than NAME_MAX_INPUT,
 * a label that is not one (".." , 300 characters, a hyphen at an end), or
 * a name below a registrable one in a TLD sold ("a.b.com").
 *
 * Registrar calls, grouped by connection (the TLDs mapped to it): one
 * NAME_SUGGEST (reg_suggest_ex) per connection with the lookup service
 * over all its TLDs (service_override tlds, maximum = their number), the
 * suggestion service over the same TLDs (maximum max) and the premium
 * service (maximum ceil(max/4)). A name the answer does not report is
 * looked up on its own (LOOKUP); a connection whose driver has no
 * suggest_ex, or whose registrar refused the NAME_SUGGEST, gets one
 * LOOKUP per TLD and no suggestions. A registrar that does not answer
 * leaves its TLDs unknown with the reason; nothing is retried then.
 * More than SHOP_TLDS_PER_CALL TLDs on one connection take one call per
 * SHOP_TLDS_PER_CALL (suggestions asked in the first only).
 *
 * Premium names: registration (ops_register) sends no premium price to
 * verify and charges the TLD's price, so it cannot sell a registry
 * premium name; a premium name is never orderable here and carries no
 * price ("premium: not offered"). Premium is known from the NAME_SUGGEST
 * premium service (a name it lists) or from LOOKUP's reason.
 *
 * A name already live in regman (ops_live_domain) is taken whatever the
 * registrar says (its registration or transfer is under way or done
 * here); with account given, its own names say so (mine).
 *
 * Read-only: nothing is written but the registrar log of each exchange.
 */
#ifndef RM_CORE_SHOP_H
#define RM_CORE_SHOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "core/names.h"
#include "core/tld.h"
#include "registrar/registrar.h"

#define SHOP_MAX_DEFAULT 10   /* suggestions when max is 0 */
#define SHOP_MAX_LIMIT 50     /* most suggestions one search may ask */
#define SHOP_TLDS_PER_CALL 50 /* TLDs in one NAME_SUGGEST lookup */
#define SHOP_LABEL_MAX 63

enum shop_avail { SHOP_AVAILABLE, SHOP_TAKEN, SHOP_UNKNOWN };

/* shop_avail_name - "available", "taken", "unknown". */
const char *shop_avail_name(enum shop_avail a);

struct shop_item {
    char name[NAME_MAX_ASCII + 1]; /* A-labels */
    char unicode[NAME_MAX_INPUT + 1];
    struct tld tld; /* the TLD sold, with its prices */
    enum shop_avail availability;
    bool premium;
    /* available, not premium, and a register price for some term */
    bool orderable;
    bool exact; /* the name as typed (its TLD is sold) */
    bool mine;  /* live here and the account's */
    /* register price for 1 year; TLD_NOPRICE when 1 year is not offered
     * or the name is premium */
    int64_t price;
    /* register price per term, index 1..TLD_MAX_TERM; TLD_NOPRICE for a
     * term not offered (all of them for a premium name) */
    int64_t terms[TLD_MAX_TERM + 1];
    /* unknown: why; taken, premium or not orderable: why, for people */
    char reason[REG_TEXT_MAX];
};

struct shop_result {
    char query[NAME_MAX_INPUT + 1]; /* as typed, trimmed */
    char label[SHOP_LABEL_MAX + 1]; /* the A-label searched */
    char label_unicode[NAME_MAX_INPUT + 1];
    char typed_tld[NAME_MAX_ASCII + 1]; /* "" for a bare label */
    bool typed_sold;                    /* typed_tld is sold here */
    struct shop_item *results;          /* one per TLD sold, exact first */
    size_t n;
    struct shop_item *suggestions; /* available names like it */
    size_t nsug;
    int calls;       /* registrar calls made */
    int connections; /* connections asked */
    int answered;    /* connections whose registrar answered at least once */
};

/*
 * shop_search - search text (see above) for account (name or id; NULL:
 * anyone), at most max suggestions (0: SHOP_MAX_DEFAULT; 1..SHOP_MAX_LIMIT).
 * 0 with *out filled (release it with shop_result_release) whether or not
 * the registrars answered (out->answered says); RM_EINVAL bad input,
 * RM_ENOTFOUND no TLD is sold or no such account, or a store error.
 */
int shop_search(struct app *app, const char *text, const char *account, int max,
                struct shop_result *out, struct rm_err *err);
void shop_result_release(struct shop_result *r);

#endif
