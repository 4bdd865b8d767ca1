/*
 * api_lookup - lookup, license, sign-up and "me" endpoints (contract in
 * api_lookup.h).
 */
#include "web/api_lookup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reseller.h"
#include "core/account.h"
#include "core/conn.h"
#include "core/license.h"
#include "core/names.h"
#include "core/ops.h"
#include "core/report.h"
#include "core/tld.h"
#include "present/present.h"
#include "util/clock.h"
#include "util/log.h"
#include "web/api.h"
#include "web/api_signup.h"
#include "web/api_util.h"
#include "web/auth.h"

/* offer - the TLD serving name and its connection's license. 0, or a
 * reply (400 bad name, 404 TLD not offered). */
struct offer {
    struct name name;
    struct tld tld;
    int64_t conn_id;
    char *license;
    char sha[65];
};

static int load_offer(struct web_req *r, const char *input, const char *field,
                      struct offer *o)
{
    struct rm_err e;
    struct conn c;
    int rc;
    ERR_INIT(e);
    memset(o, 0, sizeof *o);
    if (!input)
        return api_error(r, 400, API_EMISSING, field, "%s is required", field);
    if (strlen(input) > NAME_MAX_INPUT)
        return api_error(r, 400, API_ERANGE, field, "%s: too long", field);
    if ((rc = name_parse(input, &o->name, &e)) < 0)
        return api_error(r, 400, API_EINVALID, field, "%s", e.msg);
    if ((rc = tld_for_name(api_app(r), &o->name, &o->tld, &e)) < 0)
        return api_fail(r, rc, &e);
    /* a reseller's customer is shown its reseller's prices */
    if (r->who && r->who->role != WEB_ROLE_ADMIN &&
        (rc = reseller_apply_prices(api_app(r), r->who->account_id, &o->tld,
                                    &e)) < 0)
        return api_fail(r, rc, &e);
    if ((rc = conn_get_id(api_app(r), o->tld.connection_id, &c, &e)) < 0)
        return api_fail(r, rc, &e);
    o->conn_id = c.id;
    /* a reseller's customer accepts its reseller's text too */
    rc = reseller_license(
        api_app(r),
        r->who && r->who->role != WEB_ROLE_ADMIN ? r->who->account_id : 0, &c,
        &o->license, o->sha, &e);
    conn_release(&c);
    if (rc < 0)
        return api_fail(r, rc, &e);
    return 0;
}

static json_t *license_json(const struct offer *o)
{
    return json_pack("{s:I, s:s, s:s}", "connection_id", (json_int_t)o->conn_id,
                     "sha256", o->sha, "text", o->license);
}

static int get_lookup(struct web_req *r)
{
    struct offer o;
    /* every lookup counts: each one is a registrar LOOKUP */
    int rc = api_throttle(r, API_BUDGET_LOOKUP, true);
    if (rc)
        return rc;
    rc = load_offer(r, web_query(r, "name"), "name", &o);
    if (rc)
        return rc;
    struct ops_lookup lk;
    struct rm_err e;
    ERR_INIT(e);
    if ((rc = ops_lookup(api_app(r), o.name.ascii, &lk, &e)) < 0) {
        free(o.license);
        return api_fail(r, rc, &e);
    }
    json_t *j = present_lookup(&lk);
    json_object_set_new(j, "prices", present_tld_prices(&o.tld, PRESENT_API));
    json_object_set_new(j, "license", license_json(&o));
    free(o.license);
    return web_reply_json(r, 200, j);
}

static int get_license(struct web_req *r)
{
    struct offer o;
    int rc = load_offer(r, web_query(r, "domain"), "domain", &o);
    if (rc)
        return rc;
    json_t *j = license_json(&o);
    json_object_set_new(j, "domain", json_string(o.name.ascii));
    json_object_set_new(j, "tld", json_string(o.tld.tld));
    json_object_set_new(j, "prices", present_tld_prices(&o.tld, PRESENT_API));
    free(o.license);
    return web_reply_json(r, 200, j);
}

/* get_license_acceptance - has the caller's account accepted the current
 * agreement serving ?domain=? Lets the panel show the agreement before
 * the charge is confirmed; admins order without one (accepted: true). */
static int get_license_acceptance(struct web_req *r)
{
    struct offer o;
    struct account a;
    struct rm_err e;
    bool yes = true;
    int rc = load_offer(r, web_query(r, "domain"), "domain", &o);
    if (rc)
        return rc;
    free(o.license);
    ERR_INIT(e);
    if (!auth_is_admin(r)) {
        if ((rc = api_customer_account(r, &a)))
            return rc;
        if ((rc = license_accepted(api_app(r), a.id, o.conn_id, o.sha, &yes,
                                   &e)) < 0)
            return api_fail(r, rc, &e);
    }
    return web_reply_json(r, 200,
                          json_pack("{s:s, s:s, s:I, s:s, s:b}", "domain",
                                    o.name.ascii, "tld", o.tld.tld,
                                    "connection_id", (json_int_t)o.conn_id,
                                    "sha256", o.sha, "accepted", yes));
}

/* signup_unit - the account and its confirmation mail (api_signup.h), one
 * unit of work: they commit together or not at all. */
struct signup_unit {
    struct web_req *r;
    const char *user, *email;
    bool verify;
    int64_t acct;
};

static int signup_unit_run(struct store *st, void *arg, struct rm_err *e)
{
    struct signup_unit *u = arg;
    struct app *app = api_app(u->r);
    int rc;
    (void)st; /* app->st */
    u->acct = 0;
    if ((rc = account_add(app, u->user, u->email, NULL, false, &u->acct, e)) <
        0)
        return rc;
    if (u->verify && (rc = api_verify_issue(u->r, app, u->acct, u->user,
                                            u->email, clock_now(), e)) < 0)
        return rc;
    return 0;
}

static int post_signup(struct web_req *r)
{
    static const char *const fields[] = {
        "username",       "password",       "email", "domain",
        "license_sha256", "accept_license", NULL};
    json_t *b;
    const char *user = NULL, *pw = NULL, *email = NULL, *domain = NULL,
               *sha = NULL;
    bool accept = false;
    struct offer o = {0};
    /* refused before any work; only a created account is counted (below) */
    int rc = api_throttle(r, API_BUDGET_SIGNUP, false);
    if (rc)
        return rc;
    if ((rc = api_body(r, &b)))
        return rc;
    if ((rc = api_only_fields(r, b, fields)) ||
        (rc = api_get_str(r, b, "username", true, 1, WEB_USERNAME_MAX, &user,
                          NULL)) ||
        (rc = api_get_str(r, b, "password", true, AUTH_PASSWORD_MIN,
                          AUTH_PASSWORD_MAX, &pw, NULL)) ||
        (rc = api_get_str(r, b, "email", true, 3, ACCOUNT_EMAIL_MAX, &email,
                          NULL)) ||
        (rc = api_get_str(r, b, "domain", true, 1, NAME_MAX_INPUT, &domain,
                          NULL)) ||
        (rc = api_get_str(r, b, "license_sha256", true, 64, 64, &sha, NULL)) ||
        (rc = api_get_bool(r, b, "accept_license", true, &accept, NULL)))
        goto out;
    if (!accept) {
        rc = api_error(r, 400, API_EINVALID, "accept_license",
                       "the license agreement must be accepted");
        goto out;
    }
    if (!auth_username_ok(user)) {
        rc = api_error(r, 400, API_EINVALID, "username",
                       "username: 1..%d characters of A-Z a-z 0-9 . _ @ -",
                       WEB_USERNAME_MAX);
        goto out;
    }
    if ((rc = load_offer(r, domain, "domain", &o)))
        goto out;
    if (strcmp(sha, o.sha) != 0) {
        rc = api_error(r, 409, API_ELICENSE, "license_sha256",
                       "the license agreement has changed; read and accept "
                       "the current one");
        goto out;
    }
    struct rm_err e;
    bool taken = false;
    ERR_INIT(e);
    if ((rc = login_name_taken(api_app(r), user, &taken, &e)) < 0) {
        rc = api_fail(r, rc, &e);
        goto out;
    }
    struct account a;
    if (taken || account_get(api_app(r), user, &a, &e) == 0) {
        rc = api_error(r, 409, API_ECONFLICT, "username",
                       "username %s is taken", user);
        goto out;
    }
    int64_t acct = 0, login = 0;
    bool verify = api_signup_verifies();
    ERR_INIT(e);
    if (verify && !api_app(r)->set.mail.from) {
        rm_log(LOG_ERROR, "api: signup refused: [http] signup_verify needs "
                          "[mail] from to mail the confirmation link");
        rc = api_error(r, 503, API_EUNAVAILABLE, NULL,
                       "sign-up is not available now; contact the provider");
        goto out;
    }
    /* account, then its login, then the acceptance: a login never exists
     * without its account. The account and its confirmation mail
     * (api_signup.h) commit together or not at all. */
    struct signup_unit su = {r, user, email, verify, 0};
    if ((rc = store_tx(r->st, STORE_TX_WRITE, signup_unit_run, &su, &e)) < 0) {
        rc = api_fail(r, rc, &e);
        goto out;
    }
    acct = su.acct;
    api_throttle_count(r, API_BUDGET_SIGNUP);
    if ((rc = auth_login_create(r->st, user, pw, WEB_ROLE_CUSTOMER, acct,
                                AUTH_COST_INTERACTIVE, &login, &e)) < 0) {
        rc = api_fail(r, rc, &e);
        goto out;
    }
    if ((rc = license_record(api_app(r), login, acct, o.conn_id, o.name.ascii,
                             o.sha, r->client_ip, clock_now(), &e)) < 0) {
        rc = api_fail(r, rc, &e);
        goto out;
    }
    if ((rc = account_get_id(api_app(r), acct, &a, &e)) < 0) {
        rc = api_fail(r, rc, &e);
        goto out;
    }
    rc = web_reply_json(r, 201,
                        json_pack("{s:s, s:I, s:o}", "username", user,
                                  "login_id", (json_int_t)login, "account",
                                  api_account_json(&a)));
out:
    free(o.license);
    json_decref(b);
    return rc;
}

static int get_me(struct web_req *r)
{
    const struct web_principal *w = r->who;
    json_t *j =
        json_pack("{s:I, s:s, s:s, s:s}", "login_id", (json_int_t)w->login_id,
                  "username", w->username, "role",
                  w->role == WEB_ROLE_ADMIN      ? "admin"
                  : w->role == WEB_ROLE_RESELLER ? "reseller"
                                                 : "customer",
                  "via", w->via_token ? "token" : "session");
    if (w->role != WEB_ROLE_ADMIN) {
        struct account a;
        int rc = api_customer_account(r, &a);
        if (rc) {
            json_decref(j);
            return rc;
        }
        json_object_set_new(j, "account", api_account_json(&a));
    } else {
        json_object_set_new(j, "account", json_null());
    }
    return web_reply_json(r, 200, j);
}

static const struct web_route routes[] = {
    {"GET", "/api/v1/lookup", get_lookup, WEB_PUBLIC},
    {"GET", "/api/v1/license", get_license, WEB_PUBLIC},
    {"GET", "/api/v1/license/acceptance", get_license_acceptance, WEB_LOGIN},
    {"POST", "/api/v1/signup", post_signup, WEB_PUBLIC},
    {"GET", "/api/v1/me", get_me, WEB_LOGIN},
};

const struct web_route *api_lookup_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
