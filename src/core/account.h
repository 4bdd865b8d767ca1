/*
 * account - customer accounts and their contact profiles. Money moves
 * only through ledger.h; this module creates accounts, resolves names and
 * keeps the contact profile used for registrations.
 */
#ifndef RM_CORE_ACCOUNT_H
#define RM_CORE_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/app.h"
#include "registrar/registrar.h"

#define ACCOUNT_NAME_MAX 64
#define ACCOUNT_EMAIL_MAX 254

struct account {
    int64_t id;
    char name[ACCOUNT_NAME_MAX + 1];
    char email[ACCOUNT_EMAIL_MAX + 1];
    char kind[16];
    int64_t balance, credit_limit;
    char currency[8];
    bool auto_renew;
    int64_t created_at;
    /* false only for a self-signup whose address is not yet confirmed
     * (web/api_signup.h); admin-made accounts are created confirmed */
    bool email_verified;
    int64_t domains; /* live domains */
};

/* account_add - name: [A-Za-z0-9._@-], 1..64, not "system:*". */
int account_add(struct app *app, const char *name, const char *email,
                const char *credit_limit, bool auto_renew, int64_t *id,
                struct rm_err *err);
/* account_get - customer account by name or numeric id. */
int account_get(struct app *app, const char *name_or_id, struct account *a,
                struct rm_err *err);
int account_get_id(struct app *app, int64_t id, struct account *a,
                   struct rm_err *err);
/* account_list - every account (system ones too when all). */
int account_list(struct app *app, bool all, struct account **out, size_t *n,
                 struct rm_err *err);
int account_set_limit(struct app *app, int64_t id, const char *limit,
                      struct rm_err *err);

/* Contact profile: one row per type; the text fields of reg_contact. */
#define CONTACT_FIELDS 15
struct contact {
    char type[16];
    char first_name[65], last_name[65], org_name[129];
    char address1[129], address2[129], address3[129];
    char city[65], state[65], postal_code[17], country[3];
    char phone[33], fax[33], email[ACCOUNT_EMAIL_MAX + 1], lang[8];
};

/* contact_field_names - the settable field names, NULL-terminated
 * ("first_name", ..., "lang"). */
extern const char *const contact_field_names[];

/* contact_set - create or replace the account's contact of type (owner,
 * admin, billing, tech); values[i] belongs to contact_field_names[i]
 * (NULL: keep / empty). Required: first_name last_name address1 city
 * postal_code country phone email. country is an assigned ISO 3166-1
 * alpha-2 code (country.h), phone "+CC.NUMBER". */
int contact_set(struct app *app, int64_t account_id, const char *type,
                const char *const *values, struct rm_err *err);
/* contact_merge - values (as contact_set's; NULL: keep) over c, then c
 * checked as contact_set checks it. */
int contact_merge(struct contact *c, const char *const *values,
                  struct rm_err *err);
/* contact_get - RM_ENOTFOUND when the account has none of that type. */
int contact_get(struct app *app, int64_t account_id, const char *type,
                struct contact *c, struct rm_err *err);
/* contact_to_reg - a registrar contact pointing into c. */
void contact_to_reg(const struct contact *c, struct reg_contact *r);

/* Registrant extras: what the .ca and .us registries need to know about
 * the registrant beyond the owner contact (migration 017). "" is "not
 * set". Sources and the rules behind the checks: docs/opensrs-actions.md,
 * "Registrant extras". */
struct registrant {
    char cira_legal_type[4];    /* CIRA legal type, e.g. CCT, CCO */
    bool cira_trademark;        /* the name is a trademark registered in CA */
    char us_nexus_category[4];  /* C11 C12 C21 C31 C32 */
    char us_app_purpose[3];     /* P1..P5 */
    char us_nexus_validator[3]; /* ISO alpha-2; C31 and C32 only */
};

/* A change of the extras: NULL members are kept, "" clears one;
 * cira_trademark -1 keeps, 0 or 1 sets. */
struct registrant_update {
    const char *cira_legal_type;
    int cira_trademark;
    const char *us_nexus_category, *us_app_purpose, *us_nexus_validator;
};
#define REGISTRANT_UPDATE_KEEP                                                 \
    {                                                                          \
        NULL, -1, NULL, NULL, NULL                                             \
    }

/* A code and its plain-language label, for lists people choose from. */
struct registrant_choice {
    const char *code, *label;
};
/* The accepted values, NULL-code ended, in the order a form shows them. */
extern const struct registrant_choice cira_legal_types[];
extern const struct registrant_choice us_nexus_categories[];
extern const struct registrant_choice us_app_purposes[];

/* registrant_get - the account's extras; all "" (and no trademark) when
 * none were ever set. */
int registrant_get(struct app *app, int64_t account_id, struct registrant *x,
                   struct rm_err *err);
/* registrant_merge - u over x, then x checked: every value from its list
 * (the validator an assigned ISO country), a nexus category and purpose
 * set together, a validator exactly when the category is C31 or C32.
 * RM_EINVAL with a message naming the field; x unchanged then. */
int registrant_merge(struct registrant *x, const struct registrant_update *u,
                     struct rm_err *err);
/* registrant_set - merge u over the stored extras and write them. */
int registrant_set(struct app *app, int64_t account_id,
                   const struct registrant_update *u, struct rm_err *err);
/* contact_save - contact_set (skipped when every value is NULL) and, for
 * the owner, registrant_set (skipped when u is NULL) in one unit of work:
 * both are written or neither. Extras for another type: RM_EINVAL. */
int contact_save(struct app *app, int64_t account_id, const char *type,
                 const char *const *values, const struct registrant_update *u,
                 struct rm_err *err);
/* registrant_order_check - what the registry of name's TLD requires of
 * the registrant before an order may be placed: .ca a CIRA legal type and
 * an owner language of en or fr; .us a nexus category and purpose (and a
 * validator for C31/C32, kept by registrant_merge). Other TLDs: 0.
 * RM_EINVAL names what to fill and where. tld is the last label,
 * lowercase. */
int registrant_order_check(const char *tld, const struct registrant *x,
                           const struct contact *owner, const char *account,
                           struct rm_err *err);

#endif
