/*
 * api_signup - e-mail confirmation of self-signed-up customers and the
 * provider's funds text (contract in api_signup.h).
 */
#include "web/api_signup.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/signup.h"
#include "mail/mail.h"
#include "mail/template.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "web/api.h"
#include "web/api_util.h"
#include "web/auth.h"
#include "core/outbox.h"

/* Set once before the server starts, read only afterwards. */
static struct api_site site = {.signup_verify = true};

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void api_site_conf_release(struct api_site *s)
{
    free(s->public_url);
    free(s->funds_text);
    free(s->funds_url);
    free(s->listen_addr);
    memset(s, 0, sizeof *s);
}

void api_site_release(void)
{
    api_site_conf_release(&site);
    site.signup_verify = true;
}

void api_site_set(const struct api_site *s)
{
    api_site_conf_release(&site);
    site.signup_verify = s->signup_verify;
    site.public_url = dup_or_null(s->public_url);
    site.funds_text = dup_or_null(s->funds_text);
    site.funds_url = dup_or_null(s->funds_url);
    site.listen_addr = dup_or_null(s->listen_addr);
    site.tls = s->tls;
}

bool api_signup_verifies(void)
{
    return site.signup_verify;
}

/* link_base - public_url, else the listening address (heap). */
static char *link_base(struct web_req *r)
{
    if (site.public_url)
        return xstrdup(site.public_url);
    const char *a = site.listen_addr ? site.listen_addr : "127.0.0.1";
    return xasprintf(strchr(a, ':') ? "%s://[%s]:%u" : "%s://%s:%u",
                     site.tls ? "https" : "http", a, web_server_port(r->srv));
}

int api_verify_issue(struct web_req *r, struct app *app, int64_t account_id,
                     const char *customer, const char *email, int64_t now,
                     struct rm_err *err)
{
    char sel[SIGNUP_SELECTOR_LEN + 1], ver[SIGNUP_VERIFIER_LEN + 1];
    int64_t row = 0;
    int rc;

    if (!store_in_tx(app->st))
        return rm_err_set(err, RM_EINTERNAL,
                          "api_verify_issue outside a transaction");
    if ((rc = signup_verify_new(app->st, account_id, email, now,
                                API_VERIFY_TTL_S, sel, ver, &row, err)) < 0)
        goto out;

    char *base = link_base(r);
    char *link = xasprintf("%s/#/verify/%s.%s", base, sel, ver);
    char expires[32], key[48];
    time_t t = (time_t)(now + API_VERIFY_TTL_S);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(expires, sizeof expires, "%Y-%m-%d %H:%M UTC", &tm);
    snprintf(key, sizeof key, "verify:%lld", (long long)row);
    struct tmpl_var vars[] = {
        {"customer", customer}, {"link", link}, {"expires", expires}};
    rc = outbox_queue_template(app->st, &app->set.mail, key, email,
                               "verify_email", vars, 3, now, NULL, err);
    sodium_memzero(link, strlen(link));
    free(link);
    free(base);
out:
    sodium_memzero(ver, sizeof ver);
    return rc < 0 ? rc : 0;
}

int api_verify_gate(struct web_req *r, const struct account *a)
{
    if (auth_is_admin(r) || a->email_verified || !site.signup_verify)
        return 0;
    return api_error(r, 403, API_EUNVERIFIED, NULL,
                     "confirm your e-mail address first: open the link "
                     "mailed to %s (your account page can send it again)",
                     a->email);
}

/* ---- endpoints ---------------------------------------------------------- */

static json_t *opt_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

static int get_site(struct web_req *r)
{
    return web_reply_json(r, 200,
                          json_pack("{s:b, s:o, s:o}", "signup_verify",
                                    site.signup_verify, "funds_text",
                                    opt_str(site.funds_text), "funds_url",
                                    opt_str(site.funds_url)));
}

/* split_token - "SELECTOR.VERIFIER" of the expected lengths and alphabet. */
static bool split_token(const char *tok, char sel[SIGNUP_SELECTOR_LEN + 1],
                        char ver[SIGNUP_VERIFIER_LEN + 1])
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
                              "wxyz0123456789-_";
    if (strlen(tok) != SIGNUP_SELECTOR_LEN + 1 + SIGNUP_VERIFIER_LEN ||
        tok[SIGNUP_SELECTOR_LEN] != '.')
        return false;
    memcpy(sel, tok, SIGNUP_SELECTOR_LEN);
    sel[SIGNUP_SELECTOR_LEN] = '\0';
    memcpy(ver, tok + SIGNUP_SELECTOR_LEN + 1, SIGNUP_VERIFIER_LEN);
    ver[SIGNUP_VERIFIER_LEN] = '\0';
    return strspn(sel, b64) == SIGNUP_SELECTOR_LEN &&
           strspn(ver, b64) == SIGNUP_VERIFIER_LEN;
}

static int post_verify(struct web_req *r)
{
    static const char *const fields[] = {"token", NULL};
    char sel[SIGNUP_SELECTOR_LEN + 1], ver[SIGNUP_VERIFIER_LEN + 1],
        acct[ACCOUNT_NAME_MAX + 1];
    const char *tok = NULL;
    json_t *b;
    struct rm_err e;
    enum signup_verdict v = SIGNUP_UNKNOWN;
    int rc = api_body(r, &b);
    if (rc)
        return rc;
    if ((rc = api_only_fields(r, b, fields)) ||
        (rc = api_get_str(r, b, "token", true, 1, 200, &tok, NULL)))
        goto out;
    rm_err_clear(&e);
    if (split_token(tok, sel, ver)) {
        rc = signup_verify_use(r->st, sel, ver, clock_now(), &v, acct,
                               sizeof acct, &e);
        sodium_memzero(ver, sizeof ver);
        if (rc < 0) {
            rc = api_fail(r, rc, &e);
            goto out;
        }
    }
    switch (v) {
    case SIGNUP_VERIFIED:
        rm_log(LOG_INFO, "api: account %s confirmed its e-mail address", acct);
        rc = web_reply_json(
            r, 200, json_pack("{s:b, s:s}", "verified", 1, "account", acct));
        break;
    case SIGNUP_USED:
        rc = api_error(r, 409, API_EVERIFY_USED, "token",
                       "this link was already used: your e-mail address is "
                       "confirmed");
        break;
    case SIGNUP_EXPIRED:
        rc = api_error(r, 410, API_EVERIFY_EXPIRED, "token",
                       "this link has expired: sign in and ask for a new "
                       "mail");
        break;
    default:
        rc = api_error(r, 404, API_EVERIFY_UNKNOWN, "token",
                       "this link is not valid: open the whole link from "
                       "the mail, or sign in and ask for a new mail");
    }
out:
    json_decref(b);
    return rc;
}

struct resend_arg {
    struct web_req *r;
    const struct account *a;
    int64_t now, wait;
};

/* resend_tx - one unit of work: the limit's check and the new mail (so
 * the limit holds across server threads). */
static int resend_tx(struct store *st, void *arg, struct rm_err *err)
{
    struct resend_arg *x = arg;
    int rc = signup_resend_wait(st, x->a->id, x->now, API_VERIFY_RESEND_GAP_S,
                                API_VERIFY_RESEND_PER_DAY, &x->wait, err);
    if (rc < 0 || x->wait > 0)
        return rc;
    return api_verify_issue(x->r, api_app(x->r), x->a->id, x->a->name,
                            x->a->email, x->now, err);
}

static int post_resend(struct web_req *r)
{
    struct account a;
    struct rm_err e;
    int64_t now = clock_now();
    int rc;
    if (auth_is_admin(r))
        return api_error(r, 400, API_EINVALID, NULL,
                         "an admin login has no address to confirm");
    if ((rc = api_customer_account(r, &a)))
        return rc;
    if (a.email_verified || !site.signup_verify)
        return api_error(r, 409, API_ECONFLICT, NULL,
                         "your e-mail address needs no confirmation");
    if (!api_app(r)->set.mail.from)
        return api_error(r, 503, API_EUNAVAILABLE, NULL,
                         "mail cannot be sent now; contact your provider");
    rm_err_clear(&e);
    struct resend_arg x = {.r = r, .a = &a, .now = now};
    if ((rc = store_tx(r->st, STORE_TX_WRITE, resend_tx, &x, &e)) < 0)
        return api_fail(r, rc, &e);
    if (x.wait > 0) {
        char ra[32];
        int64_t wait = x.wait;
        snprintf(ra, sizeof ra, "%lld", (long long)wait);
        web_reply_header(r, "Retry-After", ra);
        return api_error(r, 429, API_ERATE, NULL,
                         "a mail was sent a short while ago; try again in "
                         "%lld seconds",
                         (long long)wait);
    }
    return web_reply_json(r, 202, json_pack("{s:s}", "sent_to", a.email));
}

static const struct web_route routes[] = {
    {"GET", "/api/v1/site", get_site, WEB_PUBLIC},
    {"POST", "/api/v1/verify-email", post_verify, WEB_PUBLIC},
    {"POST", "/api/v1/verify-email/resend", post_resend, WEB_LOGIN},
};

const struct web_route *api_signup_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
