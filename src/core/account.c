/*
 * account - customer accounts and contact profiles (contract in
 * account.h).
 */
#include "core/account.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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
    "a.id AND d.status NOT IN ('failed', 'cancelled', 'transferred_away')) "   \
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
