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

#endif
