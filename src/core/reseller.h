/*
 * reseller - the reseller tier (docs/resellers.md): resellers sell the
 * provider's domains to customers of their own, through the provider's
 * registrar connections, at retail prices they set over the wholesale
 * prices the provider gives them.
 *
 *   reseller          a customer account of the provider (accounts.reseller
 *                     = 1) with its balance and credit limit, and a
 *                     reseller_sales account ("reseller:NAME:sales") that
 *                     receives what its customers pay;
 *   its customers     accounts with reseller_id = the reseller;
 *   wholesale prices  the provider's, per TLD, operation and term
 *                     (wholesale_prices): what a reseller pays; where
 *                     there is none, the provider's wholesale rule
 *                     (wholesale_rule, migration 023) over the
 *                     registrar's cost of it (registrar_prices of the
 *                     TLD's connection), when both exist;
 *   retail prices     the reseller's, per TLD, operation and term
 *                     (reseller_prices), else its markup rule over
 *                     wholesale (accounts.markup_bp); never below
 *                     wholesale.
 *
 * An order of a reseller's customer is quoted at both levels
 * (reseller_quote) and charged in one posting (ledger.c I9): the customer
 * pays retail, the reseller pays wholesale; a refund unwinds both.
 */
#ifndef RM_CORE_RESELLER_H
#define RM_CORE_RESELLER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/app.h"
#include "core/conn.h"
#include "core/tld.h"

#define RESELLER_MARKUP_MAX_BP 1000000 /* 10000 % */

/* What an order costs at both levels. */
struct reseller_quote {
    int64_t reseller_id; /* 0: the account is the provider's own customer */
    int64_t retail;      /* the customer's price */
    int64_t wholesale;   /* the reseller's price */
};

/* reseller_of - the reseller account_id belongs to (0: none). */
int reseller_of(struct app *app, int64_t account_id, int64_t *reseller_id,
                struct rm_err *err);

/* reseller_quote - the prices of op for term years of tld for account_id.
 * Not a reseller's customer: q->reseller_id 0, nothing else set (the
 * TLD's own prices apply). A reseller's customer: retail and wholesale;
 * RM_EREFUSED when the provider has no wholesale price for it, or the
 * reseller no retail price (nor markup rule), or the retail price is
 * below wholesale (the provider raised it since): the customer's message
 * says only that it is not for sale. */
int reseller_quote(struct app *app, int64_t account_id, const char *tld,
                   enum tld_op op, int term, struct reseller_quote *q,
                   struct rm_err *err);

/* reseller_apply_prices - t as account_id sees it: for a reseller's
 * customer, its register, renew and transfer prices become the
 * reseller's (TLD_NOPRICE where it does not sell); unchanged for the
 * provider's own customers (account_id 0: unchanged). */
int reseller_apply_prices(struct app *app, int64_t account_id, struct tld *t,
                          struct rm_err *err);

/* reseller_check_funds - can the reseller pay q->wholesale? 0, or
 * RM_EREFUSED with a message that names no internals (for its customer);
 * the reason is logged for the provider. */
int reseller_check_funds(struct app *app, const struct reseller_quote *q,
                         struct rm_err *err);

/* reseller_add - a reseller account (and its reseller_sales account) in
 * one transaction. Names as account_add. */
int reseller_add(struct app *app, const char *name, const char *email,
                 const char *credit_limit, int64_t *id, struct rm_err *err);

/* reseller_get - the reseller named (or numbered) name_or_id; its id, or
 * RM_ENOTFOUND when there is none or the account is no reseller. */
int reseller_get(struct app *app, const char *name_or_id, int64_t *id,
                 struct rm_err *err);

/* reseller_customer_add - a customer account of reseller_id (as
 * account_add). */
int reseller_customer_add(struct app *app, int64_t reseller_id,
                          const char *name, const char *email,
                          const char *credit_limit, bool auto_renew,
                          int64_t *id, struct rm_err *err);

/* reseller_wholesale_set - the provider's wholesale price of op/term on
 * tld (minor units; TLD_NOPRICE removes it). The TLD must be sold. */
int reseller_wholesale_set(struct app *app, const char *tld, enum tld_op op,
                           int term, int64_t amount, struct rm_err *err);

/* The provider's wholesale rule: for what has no wholesale price, the
 * registrar's cost (registrar_prices of the TLD's connection, reg_type of
 * the operation per priceimport_reg_type, period = term) raised by
 * markup_bp, rounded up to the minor unit, plus add:
 * (cost * (10000 + markup_bp) + 9999) / 10000 + add. No cost: no
 * wholesale price. An explicit wholesale price always wins. */
struct reseller_wholesale_rule {
    bool set;          /* false: no rule (markup_bp, add 0) */
    int64_t markup_bp; /* 0..RESELLER_MARKUP_MAX_BP */
    int64_t add;       /* minor units, 0..RESELLER_RULE_ADD_MAX */
    int64_t updated_at;
};

#define RESELLER_RULE_ADD_MAX 999999999999999LL /* money.h's largest */

/* RESELLER_RULE_SQL - the rule's wholesale in SQL of both backends, over
 * the registrar's cost rgp.price (registrar_prices rgp) and the rule's
 * row wr (wholesale_rule wr); core/domview.c uses it too. */
#define RESELLER_RULE_SQL                                                      \
    "(rgp.price * (10000 + wr.markup_bp) + 9999) / 10000 + wr.add_minor"

/* reseller_wholesale_rule_set - the rule (replacing any); RM_EINVAL for
 * a markup or add out of range (nothing written). */
int reseller_wholesale_rule_set(struct app *app, int64_t markup_bp, int64_t add,
                                struct rm_err *err);
/* reseller_wholesale_rule_clear - no rule (what had no wholesale price is
 * not sold again). */
int reseller_wholesale_rule_clear(struct app *app, struct rm_err *err);
/* reseller_wholesale_rule_get - the rule into *out (out->set false when
 * none). */
int reseller_wholesale_rule_get(struct app *app,
                                struct reseller_wholesale_rule *out,
                                struct rm_err *err);

/* reseller_wholesale_of - the wholesale price of op/term on tld as every
 * order and list sees it: the explicit one, else the rule's over the
 * registrar's cost (*from_rule true; from_rule may be NULL);
 * TLD_NOPRICE when neither. */
int reseller_wholesale_of(struct app *app, const char *tld, enum tld_op op,
                          int term, int64_t *out, bool *from_rule,
                          struct rm_err *err);

/* reseller_price_set - reseller_id's retail price of op/term on tld
 * (TLD_NOPRICE removes it); RM_EINVAL below wholesale or without a
 * wholesale price. */
int reseller_price_set(struct app *app, int64_t reseller_id, const char *tld,
                       enum tld_op op, int term, int64_t amount,
                       struct rm_err *err);

/* One price of a list to set. */
struct reseller_price_set {
    enum tld_op op;
    int term;
    int64_t amount; /* TLD_NOPRICE removes it */
};

/* reseller_prices_set - n prices of tld for reseller_id (0: the
 * wholesale list) in one transaction: all of them, or none (the first
 * refusal's error). */
int reseller_prices_set(struct app *app, int64_t reseller_id, const char *tld,
                        const struct reseller_price_set *v, size_t n,
                        struct rm_err *err);

/* reseller_markup_set - reseller_id's retail rule: bp basis points over
 * wholesale (0..RESELLER_MARKUP_MAX_BP; < 0 removes it). */
int reseller_markup_set(struct app *app, int64_t reseller_id, int64_t bp,
                        struct rm_err *err);

/* One row of a reseller's price list. */
struct reseller_price_row {
    char tld[64];
    enum tld_op op;
    int term;
    int64_t wholesale; /* TLD_NOPRICE: none */
    int64_t retail;    /* the reseller's set price, TLD_NOPRICE: none */
    int64_t effective; /* what its customers pay; TLD_NOPRICE: not sold */
    bool from_rule;    /* wholesale is the provider's rule over the cost */
};

typedef int reseller_price_fn(const struct reseller_price_row *r, void *arg);

/* reseller_prices - every wholesale price with reseller_id's retail and
 * effective price (reseller_id 0: the wholesale list alone), in TLD,
 * operation, term order; fn non-zero stops. The wholesale prices are the
 * explicit ones and, when there is a rule, the rule's for every TLD,
 * operation and term that has a registrar cost but no explicit price
 * (from_rule). */
int reseller_prices(struct app *app, int64_t reseller_id, reseller_price_fn *fn,
                    void *arg, struct rm_err *err);

#define RESELLER_LICENSE_MAX 65536

/* reseller_settings_set - reseller_id's own agreement text (NULL: leave;
 * "": none) and nameservers (NULL: leave; "": the connection's;
 * "a,b": 2 to REG_NS_MAX host names, checked). One transaction. */
int reseller_settings_set(struct app *app, int64_t reseller_id,
                          const char *license_text, const char *nameservers,
                          struct rm_err *err);

/* What a reseller shows its customers. */
struct reseller_settings {
    char *license_text; /* heap, "" when none */
    char nameservers[1024];
};

/* reseller_settings_get - reseller_id's; release with
 * reseller_settings_release. */
int reseller_settings_get(struct app *app, int64_t reseller_id,
                          struct reseller_settings *out, struct rm_err *err);
void reseller_settings_release(struct reseller_settings *s);

/* reseller_license - the agreement account_id accepts for connection c:
 * the registrar's (license_of_conn), followed by its reseller's own text
 * when it is a reseller's customer and the reseller has one; *text heap,
 * hex its SHA-256. */
int reseller_license(struct app *app, int64_t account_id, const struct conn *c,
                     char **text, char hex[65], struct rm_err *err);

/* reseller_default_ns - the nameservers account_id's orders default to
 * when its reseller set some: "a,b" into out, "" when none. */
int reseller_default_ns(struct app *app, int64_t account_id, char *out,
                        size_t n, struct rm_err *err);

/* The figures of one reseller. */
struct reseller_figures {
    int64_t balance, credit_limit; /* with the provider */
    int64_t sales;                 /* its customers paid, net of refunds */
    int64_t wholesale;             /* it paid, net of refunds */
    int64_t customers;
    int64_t markup_bp; /* -1: no rule */
};

int reseller_figures(struct app *app, int64_t reseller_id,
                     struct reseller_figures *f, struct rm_err *err);

/* reseller_customers - the ids of reseller_id's customers (*out, caller
 * frees), newest first. */
int reseller_customers(struct app *app, int64_t reseller_id, int64_t **out,
                       size_t *n, struct rm_err *err);

/* reseller_list - the resellers' ids (*out, caller frees) by name. */
int reseller_list(struct app *app, int64_t **out, size_t *n,
                  struct rm_err *err);

/* reseller_parse_price - "register:1=15.00" (or "=none": TLD_NOPRICE)
 * into op, term and amount; RM_EINVAL naming what is wrong. */
int reseller_parse_price(const char *spec, enum tld_op *op, int *term,
                         int64_t *amount, struct rm_err *err);

#endif
