/*
 * account - customer accounts and contact profiles (contract in
 * account.h).
 */
#include "core/account.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/conn.h"
#include "core/country.h"
#include "core/money.h"
#include "util/clock.h"
#include "util/xalloc.h"

static void cpy(char *dst, size_t n, struct store_stmt *s, int col)
{
    const char *t = store_col_text(s, col);
    snprintf(dst, n, "%s", t ? t : "");
}

static int check_email(const char *e, struct rm_err *err)
{
    int rc;
    const char *at;

    if ((rc = conn_check_text("email", e, ACCOUNT_EMAIL_MAX, false, err)) < 0)
        return rc;
    at = strchr(e, '@');
    if (!at || at == e || !at[1] || strchr(at + 1, '@') || strchr(e, ' ') ||
        !strchr(at + 1, '.'))
        return rm_err_set(err, RM_EINVAL, "email: \"%.60s\" is not an address",
                          e);
    return 0;
}

int account_add(struct app *app, const char *name, const char *email,
                const char *credit_limit, bool auto_renew, int64_t *id,
                struct rm_err *err)
{
    static const char sql[] =
        "INSERT INTO accounts (name, email, kind, credit_limit, currency, "
        "auto_renew, created_at) VALUES (?, ?, 'customer', ?, ?, ?, ?) "
        "RETURNING id";
    struct store_stmt *s;
    int64_t limit = 0;
    int rc;

    if (!name || !*name)
        return rm_err_set(err, RM_EINVAL, "an account needs a name");
    if (strlen(name) > ACCOUNT_NAME_MAX)
        return rm_err_set(err, RM_ELIMIT, "account name longer than %d bytes",
                          ACCOUNT_NAME_MAX);
    if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789._@-") != strlen(name))
        return rm_err_set(err, RM_EINVAL,
                          "account name \"%.60s\": use letters, digits and "
                          "._@- only",
                          name);
    if (strspn(name, "0123456789") == strlen(name))
        return rm_err_set(err, RM_EINVAL,
                          "account name must not be a number (numbers name "
                          "ids)");
    if (email && *email && (rc = check_email(email, err)) < 0)
        return rc;
    if (credit_limit && (rc = money_parse(credit_limit, &limit, err)) < 0)
        return rc;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, name);
    if (email && *email)
        store_bind_text(s, 2, email);
    else
        store_bind_null(s, 2);
    store_bind_int64(s, 3, limit);
    store_bind_text(s, 4, app->set.currency);
    store_bind_int64(s, 5, auto_renew);
    store_bind_int64(s, 6, clock_now());
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        if (id)
            *id = store_col_int64(s, 0);
        rc = 0;
    }
    store_stmt_release(s);
    if (rc < 0 && store_errkind(app->st) == STORE_ERR_UNIQUE)
        return rm_err_set(err, RM_EREFUSED,
                          "an account named \"%s\" already exists", name);
    return rc;
}

#define ACC_COLS                                                               \
    "a.id, a.name, COALESCE(a.email, ''), a.kind, a.balance, "                 \
    "a.credit_limit, a.currency, a.auto_renew, a.created_at, "                 \
    "a.email_verified, "                                                       \
    "(SELECT CAST(COUNT(*) AS BIGINT) FROM domains d WHERE d.account_id = "    \
    "a.id AND d.status NOT IN ('failed', 'cancelled', 'transferred_away', "    \
    "'deleted')) "                                                             \
    "FROM accounts a "

static void read_acc(struct store_stmt *s, struct account *a)
{
    memset(a, 0, sizeof *a);
    a->id = store_col_int64(s, 0);
    cpy(a->name, sizeof a->name, s, 1);
    cpy(a->email, sizeof a->email, s, 2);
    cpy(a->kind, sizeof a->kind, s, 3);
    a->balance = store_col_int64(s, 4);
    a->credit_limit = store_col_int64(s, 5);
    cpy(a->currency, sizeof a->currency, s, 6);
    a->auto_renew = store_col_int64(s, 7) != 0;
    a->created_at = store_col_int64(s, 8);
    a->email_verified = store_col_int64(s, 9) != 0;
    a->domains = store_col_int64(s, 10);
}

static int get_one(struct app *app, const char *sql, const char *text,
                   int64_t id, struct account *a, struct rm_err *err)
{
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    if (text)
        store_bind_text(s, 1, text);
    else
        store_bind_int64(s, 1, id);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        read_acc(s, a);
        rc = 0;
    } else if (rc == STORE_DONE) {
        rc = 1;
    }
    store_stmt_release(s);
    return rc;
}

int account_get_id(struct app *app, int64_t id, struct account *a,
                   struct rm_err *err)
{
    static const char sql[] = "SELECT " ACC_COLS "WHERE a.id = ?";
    int rc = get_one(app, sql, NULL, id, a, err);

    if (rc > 0)
        return rm_err_set(err, RM_ENOTFOUND, "unknown account %" PRId64, id);
    return rc;
}

int account_get(struct app *app, const char *name_or_id, struct account *a,
                struct rm_err *err)
{
    static const char sql[] =
        "SELECT " ACC_COLS "WHERE a.name = ? AND a.kind = 'customer'";
    struct rm_err ignore;
    int64_t id;
    int rc;

    if (!name_or_id || !*name_or_id)
        return rm_err_set(err, RM_EINVAL, "an account name is required");
    if (strlen(name_or_id) > ACCOUNT_NAME_MAX)
        return rm_err_set(err, RM_ELIMIT, "account name longer than %d bytes",
                          ACCOUNT_NAME_MAX);
    rc = get_one(app, sql, name_or_id, 0, a, err);
    if (rc <= 0)
        return rc;
    if (conn_parse_int("id", name_or_id, 1, INT64_MAX, &id, &ignore) == 0 &&
        account_get_id(app, id, a, &ignore) == 0 &&
        strcmp(a->kind, "customer") == 0)
        return 0;
    return rm_err_set(err, RM_ENOTFOUND, "unknown account \"%s\"", name_or_id);
}

int account_list(struct app *app, bool all, struct account **out, size_t *n,
                 struct rm_err *err)
{
    static const char sql[] =
        "SELECT " ACC_COLS "WHERE ? = 1 OR a.kind = 'customer' "
        "ORDER BY a.name COLLATE \"C\"";
    struct store_stmt *s;
    size_t cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, all);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        read_acc(s, &(*out)[(*n)++]);
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int account_set_limit(struct app *app, int64_t id, const char *limit,
                      struct rm_err *err)
{
    static const char sql[] =
        "UPDATE accounts SET credit_limit = ? WHERE id = ? AND kind = "
        "'customer'";
    struct store_stmt *s;
    int64_t v;
    int rc;

    if ((rc = money_parse(limit, &v, err)) < 0)
        return rc;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, v);
    store_bind_int64(s, 2, id);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

const char *const contact_field_names[] = {
    "first_name", "last_name", "org_name", "address1",    "address2",
    "address3",   "city",      "state",    "postal_code", "country",
    "phone",      "fax",       "email",    "lang",        NULL};

static const size_t field_max[] = {64, 64, 128, 128, 128, 128, 64,
                                   64, 16, 2,   32,  32,  254, 7};
static const bool field_required[] = {1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 1, 0, 1, 0};

static char *field_ptr(struct contact *c, size_t i)
{
    char *const p[] = {c->first_name,  c->last_name, c->org_name, c->address1,
                       c->address2,    c->address3,  c->city,     c->state,
                       c->postal_code, c->country,   c->phone,    c->fax,
                       c->email,       c->lang};
    return p[i];
}

int contact_merge(struct contact *c, const char *const *values,
                  struct rm_err *err)
{
    int rc;

    for (size_t i = 0; contact_field_names[i]; i++) {
        const char *v = values[i];
        if (!v)
            continue;
        if ((rc = conn_check_text(contact_field_names[i], v, field_max[i], true,
                                  err)) < 0)
            return rc;
        snprintf(field_ptr(c, i), field_max[i] + 1, "%s", v);
    }
    for (size_t i = 0; contact_field_names[i]; i++)
        if (field_required[i] && !*field_ptr(c, i))
            return rm_err_set(err, RM_EINVAL, "contact: %s is required",
                              contact_field_names[i]);
    if (!country_assigned(c->country))
        return rm_err_set(err, RM_EINVAL,
                          "contact: country \"%s\" is not an ISO 3166-1 "
                          "alpha-2 country code (two capital letters such as "
                          "CA, US or GB)",
                          c->country);
    if (c->phone[0] != '+' || !strchr(c->phone, '.') ||
        strspn(c->phone + 1, "0123456789.") != strlen(c->phone) - 1)
        return rm_err_set(err, RM_EINVAL,
                          "contact: phone must look like +1.4165550123");
    return check_email(c->email, err);
}

static bool valid_type(const char *t)
{
    return t && (strcmp(t, "owner") == 0 || strcmp(t, "admin") == 0 ||
                 strcmp(t, "billing") == 0 || strcmp(t, "tech") == 0);
}

struct contact_unit {
    struct app *app;
    int64_t account_id;
    const char *type;
    const char *const *values;
};

/* contact_unit - read the contact, merge values over it, write it back:
 * one unit of work, so two edits of one contact cannot lose a field. */
static int contact_unit(struct store *st, void *arg, struct rm_err *err)
{
    static const char sql[] =
        "INSERT INTO contacts (account_id, type, first_name, last_name, "
        "org_name, address1, address2, address3, city, state, postal_code, "
        "country, phone, fax, email, lang, updated_at) VALUES (?, ?, ?, ?, "
        "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, "
        "type) DO UPDATE SET first_name = excluded.first_name, last_name = "
        "excluded.last_name, org_name = excluded.org_name, address1 = "
        "excluded.address1, address2 = excluded.address2, address3 = "
        "excluded.address3, city = excluded.city, state = excluded.state, "
        "postal_code = excluded.postal_code, country = excluded.country, "
        "phone = excluded.phone, fax = excluded.fax, email = "
        "excluded.email, lang = excluded.lang, updated_at = "
        "excluded.updated_at";
    const struct contact_unit *u = arg;
    struct app *app = u->app;
    int64_t account_id = u->account_id;
    const char *type = u->type;
    const char *const *values = u->values;
    struct contact c;
    struct store_stmt *s;
    int rc;

    rc = contact_get(app, account_id, type, &c, err);
    if (rc == RM_ENOTFOUND) {
        memset(&c, 0, sizeof c);
        snprintf(c.lang, sizeof c.lang, "en");
    } else if (rc < 0) {
        return rc;
    }
    if ((rc = contact_merge(&c, values, err)) < 0)
        return rc;
    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, account_id);
    store_bind_text(s, 2, type);
    for (size_t i = 0; contact_field_names[i]; i++)
        store_bind_text(s, (int)i + 3, field_ptr(&c, i));
    store_bind_int64(s, 17, clock_now());
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int contact_set(struct app *app, int64_t account_id, const char *type,
                const char *const *values, struct rm_err *err)
{
    struct contact_unit u = {app, account_id, type, values};

    if (!valid_type(type))
        return rm_err_set(err, RM_EINVAL,
                          "contact type must be owner, admin, billing or "
                          "tech");
    return store_tx(app->st, STORE_TX_WRITE, contact_unit, &u, err);
}

int contact_get(struct app *app, int64_t account_id, const char *type,
                struct contact *c, struct rm_err *err)
{
    static const char sql[] =
        "SELECT first_name, last_name, org_name, address1, address2, "
        "address3, city, state, postal_code, country, phone, fax, email, "
        "lang FROM contacts WHERE account_id = ? AND type = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, account_id);
    store_bind_text(s, 2, type);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        memset(c, 0, sizeof *c);
        snprintf(c->type, sizeof c->type, "%s", type);
        for (size_t i = 0; contact_field_names[i]; i++)
            cpy(field_ptr(c, i), field_max[i] + 1, s, (int)i);
        rc = 0;
    } else if (rc == STORE_DONE) {
        rc = rm_err_set(err, RM_ENOTFOUND,
                        "account %" PRId64 " has no %s contact", account_id,
                        type);
    }
    store_stmt_release(s);
    return rc;
}

static const char *nz(const char *s)
{
    return *s ? s : NULL;
}

void contact_to_reg(const struct contact *c, struct reg_contact *r)
{
    memset(r, 0, sizeof *r);
    r->first_name = c->first_name;
    r->last_name = c->last_name;
    r->org_name = nz(c->org_name);
    r->address1 = c->address1;
    r->address2 = nz(c->address2);
    r->address3 = nz(c->address3);
    r->city = c->city;
    r->state = nz(c->state);
    r->postal_code = c->postal_code;
    r->country = c->country;
    r->phone = c->phone;
    r->fax = nz(c->fax);
    r->email = c->email;
    r->lang_pref = nz(c->lang);
}

/* ---- registrant extras (.ca, .us) ---------------------------------------
 * The lists are those OpenSRS passes on to the registries; where each comes
 * from is in docs/opensrs-actions.md ("Registrant extras"). */

const struct registrant_choice cira_legal_types[] = {
    {"CCT", "Canadian citizen"},
    {"RES", "Permanent resident of Canada"},
    {"CCO", "Canadian corporation"},
    {"GOV", "Government or government entity in Canada"},
    {"EDU", "Canadian educational institution"},
    {"ASS", "Canadian unincorporated association"},
    {"HOP", "Canadian hospital"},
    {"PRT", "Partnership registered in Canada"},
    {"TDM", "Trademark registered in Canada (by a non-Canadian owner)"},
    {"TRD", "Canadian trade union"},
    {"PLT", "Canadian political party"},
    {"LAM", "Canadian library, archive or museum"},
    {"TRS", "Trust established in Canada"},
    {"ABO", "Aboriginal peoples indigenous to Canada"},
    {"INB", "Indian Band recognized by the Indian Act of Canada"},
    {"LGR", "Legal representative of a Canadian citizen or permanent "
            "resident"},
    {"OMK", "Official mark registered in Canada"},
    {"MAJ", "His Majesty the King (the Crown)"},
    {NULL, NULL}};

const struct registrant_choice us_nexus_categories[] = {
    {"C11", "US citizen"},
    {"C12", "Permanent resident of the US"},
    {"C21", "US organization (incorporated or organized in the US)"},
    {"C31", "Foreign entity regularly engaged in lawful activities in the "
            "US"},
    {"C32", "Foreign entity with an office or other facility in the US"},
    {NULL, NULL}};

const struct registrant_choice us_app_purposes[] = {
    {"P1", "Business use for profit"},
    {"P2", "Non-profit business, club, association or religious "
           "organization"},
    {"P3", "Personal use"},
    {"P4", "Educational purposes"},
    {"P5", "Government purposes"},
    {NULL, NULL}};

static bool in_choices(const struct registrant_choice *c, const char *v)
{
    for (; c->code; c++)
        if (strcmp(c->code, v) == 0)
            return true;
    return false;
}

static int choice_err(struct rm_err *err, const char *field, const char *v,
                      const struct registrant_choice *c)
{
    char list[160] = "";
    size_t n = 0;
    for (; c->code && n + 5 < sizeof list; c++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", n ? " " : "",
                              c->code);
    return rm_err_set(err, RM_EINVAL, "%s \"%.16s\" is not one of %s", field, v,
                      list);
}

int registrant_merge(struct registrant *x, const struct registrant_update *u,
                     struct rm_err *err)
{
    struct registrant n = *x;
    const struct {
        const char *v;
        char *dst;
        size_t cap;
    } set[] = {
        {u->cira_legal_type, n.cira_legal_type, sizeof n.cira_legal_type},
        {u->us_nexus_category, n.us_nexus_category, sizeof n.us_nexus_category},
        {u->us_app_purpose, n.us_app_purpose, sizeof n.us_app_purpose},
        {u->us_nexus_validator, n.us_nexus_validator,
         sizeof n.us_nexus_validator},
    };
    static const char *const names[] = {"cira_legal_type", "us_nexus_category",
                                        "us_app_purpose", "us_nexus_validator"};

    for (size_t i = 0; i < sizeof set / sizeof set[0]; i++) {
        if (!set[i].v)
            continue;
        if (strlen(set[i].v) >= set[i].cap)
            return i == 3 ? rm_err_set(err, RM_EINVAL,
                                       "us_nexus_validator \"%.16s\" is not "
                                       "an ISO 3166-1 alpha-2 country code "
                                       "(two capital letters such as CA)",
                                       set[i].v)
                   : i == 0
                       ? choice_err(err, names[i], set[i].v, cira_legal_types)
                   : i == 1
                       ? choice_err(err, names[i], set[i].v,
                                    us_nexus_categories)
                       : choice_err(err, names[i], set[i].v, us_app_purposes);
        snprintf(set[i].dst, set[i].cap, "%s", set[i].v);
    }
    if (u->cira_trademark == 0 || u->cira_trademark == 1)
        n.cira_trademark = u->cira_trademark == 1;
    else if (u->cira_trademark != -1)
        return rm_err_set(err, RM_EINVAL, "cira_trademark is 0 or 1");
    if (*n.cira_legal_type && !in_choices(cira_legal_types, n.cira_legal_type))
        return choice_err(err, names[0], n.cira_legal_type, cira_legal_types);
    if (*n.us_nexus_category &&
        !in_choices(us_nexus_categories, n.us_nexus_category))
        return choice_err(err, names[1], n.us_nexus_category,
                          us_nexus_categories);
    if (*n.us_app_purpose && !in_choices(us_app_purposes, n.us_app_purpose))
        return choice_err(err, names[2], n.us_app_purpose, us_app_purposes);
    if (!*n.us_nexus_category != !*n.us_app_purpose)
        return rm_err_set(err, RM_EINVAL,
                          "the .us nexus needs both a category "
                          "(us_nexus_category) and a purpose "
                          "(us_app_purpose), or neither");
    bool foreign = strcmp(n.us_nexus_category, "C31") == 0 ||
                   strcmp(n.us_nexus_category, "C32") == 0;
    if (*n.us_nexus_validator && !country_assigned(n.us_nexus_validator))
        return rm_err_set(err, RM_EINVAL,
                          "us_nexus_validator \"%s\" is not an ISO 3166-1 "
                          "alpha-2 country code (two capital letters such "
                          "as CA)",
                          n.us_nexus_validator);
    if (foreign && !*n.us_nexus_validator)
        return rm_err_set(err, RM_EINVAL,
                          ".us nexus category %s needs the registrant's "
                          "country (us_nexus_validator, e.g. CA)",
                          n.us_nexus_category);
    if (!foreign && *n.us_nexus_validator)
        return rm_err_set(err, RM_EINVAL,
                          "us_nexus_validator applies to the categories C31 "
                          "and C32 only");
    *x = n;
    return 0;
}

int registrant_get(struct app *app, int64_t account_id, struct registrant *x,
                   struct rm_err *err)
{
    static const char sql[] =
        "SELECT cira_legal_type, cira_trademark, us_nexus_category, "
        "us_app_purpose, us_nexus_validator FROM registrant_extras WHERE "
        "account_id = ?";
    struct store_stmt *s;
    int rc;

    memset(x, 0, sizeof *x);
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, account_id);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        cpy(x->cira_legal_type, sizeof x->cira_legal_type, s, 0);
        x->cira_trademark = store_col_int64(s, 1) == 1;
        cpy(x->us_nexus_category, sizeof x->us_nexus_category, s, 2);
        cpy(x->us_app_purpose, sizeof x->us_app_purpose, s, 3);
        cpy(x->us_nexus_validator, sizeof x->us_nexus_validator, s, 4);
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

struct registrant_unit {
    struct app *app;
    int64_t account_id;
    const char *type;
    const char *const *values;         /* NULL: the contact is kept */
    const struct registrant_update *u; /* NULL: the extras are kept */
};

/* registrant_write - read, merge, write the extras: in the caller's unit. */
static int registrant_write(struct store *st, const struct registrant_unit *w,
                            struct rm_err *err)
{
    static const char sql[] =
        "INSERT INTO registrant_extras (account_id, cira_legal_type, "
        "cira_trademark, us_nexus_category, us_app_purpose, "
        "us_nexus_validator, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON "
        "CONFLICT (account_id) DO UPDATE SET cira_legal_type = "
        "excluded.cira_legal_type, cira_trademark = excluded.cira_trademark, "
        "us_nexus_category = excluded.us_nexus_category, us_app_purpose = "
        "excluded.us_app_purpose, us_nexus_validator = "
        "excluded.us_nexus_validator, updated_at = excluded.updated_at";
    struct registrant x;
    struct store_stmt *s;
    int rc;

    if ((rc = registrant_get(w->app, w->account_id, &x, err)) < 0)
        return rc;
    if ((rc = registrant_merge(&x, w->u, err)) < 0)
        return rc;
    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, w->account_id);
    store_bind_text(s, 2, x.cira_legal_type);
    store_bind_int64(s, 3, x.cira_trademark);
    store_bind_text(s, 4, x.us_nexus_category);
    store_bind_text(s, 5, x.us_app_purpose);
    store_bind_text(s, 6, x.us_nexus_validator);
    store_bind_int64(s, 7, clock_now());
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

static int save_unit(struct store *st, void *arg, struct rm_err *err)
{
    const struct registrant_unit *w = arg;
    int rc;

    if (w->values) {
        struct contact_unit cu = {w->app, w->account_id, w->type, w->values};
        if ((rc = contact_unit(st, &cu, err)) < 0)
            return rc;
    }
    return w->u ? registrant_write(st, w, err) : 0;
}

int registrant_set(struct app *app, int64_t account_id,
                   const struct registrant_update *u, struct rm_err *err)
{
    return contact_save(app, account_id, "owner", NULL, u, err);
}

int contact_save(struct app *app, int64_t account_id, const char *type,
                 const char *const *values, const struct registrant_update *u,
                 struct rm_err *err)
{
    struct registrant_unit w = {app, account_id, type, NULL, u};

    if (!valid_type(type))
        return rm_err_set(err, RM_EINVAL,
                          "contact type must be owner, admin, billing or "
                          "tech");
    if (u && strcmp(type, "owner") != 0)
        return rm_err_set(err, RM_EINVAL,
                          "the .ca and .us registrant details belong to the "
                          "owner contact");
    for (size_t i = 0; values && contact_field_names[i]; i++)
        if (values[i])
            w.values = values;
    return store_tx(app->st, STORE_TX_WRITE, save_unit, &w, err);
}

int registrant_order_check(const char *tld, const struct registrant *x,
                           const struct contact *owner, const char *account,
                           struct rm_err *err)
{
    if (strcmp(tld, "ca") == 0) {
        if (!*x->cira_legal_type)
            return rm_err_set(err, RM_EINVAL,
                              ".ca names need the registrant's CIRA legal "
                              "type (e.g. CCT Canadian citizen, CCO Canadian "
                              "corporation): set it with the owner contact "
                              "(regman account contact %s --cira-legal-type "
                              "TYPE, or \".ca and .us\" on the contact page)",
                              account);
        if (strcasecmp(owner->lang, "en") != 0 &&
            strcasecmp(owner->lang, "fr") != 0)
            return rm_err_set(err, RM_EINVAL,
                              ".ca names need the owner contact's language "
                              "to be en or fr, not \"%s\" (regman account "
                              "contact %s --lang en)",
                              owner->lang, account);
    } else if (strcmp(tld, "us") == 0) {
        if (!*x->us_nexus_category || !*x->us_app_purpose)
            return rm_err_set(err, RM_EINVAL,
                              ".us names need the registrant's nexus "
                              "category and purpose (e.g. C11 US citizen, "
                              "P3 personal use): set them with the owner "
                              "contact (regman account contact %s "
                              "--us-nexus CATEGORY --us-purpose PURPOSE, or "
                              "\".ca and .us\" on the contact page)",
                              account);
    }
    return 0;
}
