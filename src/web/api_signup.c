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

#include "mail/mail.h"
#include "mail/template.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "web/api.h"
#include "web/api_core.h"
#include "web/auth.h"

#define SELECTOR_BYTES 12
#define SELECTOR_LEN 16 /* base64url, no padding */
#define VERIFIER_BYTES 32
#define VERIFIER_LEN 43
#define HASH_HEX 64

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

static void b64url(const unsigned char *raw, size_t n, char *out, size_t outsz)
{
    sodium_bin2base64(out, outsz, raw, n,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void verifier_hash(const char *verifier, char out[HASH_HEX + 1])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)verifier,
                       strlen(verifier), NULL, 0);
    sodium_bin2hex(out, HASH_HEX + 1, h, sizeof h);
}

/* exec_ids - run sql with its n (1 or 2) integer parameters a, b. */
static int exec_ids(struct store *st, const char *sql, int n, int64_t a,
                    int64_t b, struct rm_err *err)
{
    struct store_stmt *s;
    int rc = store_prepare(st, sql, &s, err);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, a);
    if (n > 1)
        store_bind_int64(s, 2, b);
    while ((rc = store_step(s, err)) == STORE_ROW)
        ;
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int api_verify_issue(struct web_req *r, struct app *app, int64_t account_id,
                     const char *customer, const char *email, int64_t now,
                     struct rm_err *err)
{
    unsigned char sraw[SELECTOR_BYTES], vraw[VERIFIER_BYTES];
    char sel[SELECTOR_LEN + 2], ver[VERIFIER_LEN + 2], hash[HASH_HEX + 1];
    struct store_stmt *s;
    int64_t row = 0;
    int rc;

    if (!store_in_tx(app->st))
        return rm_err_set(err, RM_EINTERNAL,
                          "api_verify_issue outside a transaction");
    randombytes_buf(sraw, sizeof sraw);
    randombytes_buf(vraw, sizeof vraw);
    b64url(sraw, sizeof sraw, sel, sizeof sel);
    b64url(vraw, sizeof vraw, ver, sizeof ver);
    sodium_memzero(vraw, sizeof vraw);
    verifier_hash(ver, hash);

    rc = store_prepare(app->st,
                       "INSERT INTO email_verifications (account_id, email, "
                       "selector, verifier_hash, created_at, expires_at) "
                       "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                       &s, err);
    if (rc < 0)
        goto out;
    store_bind_int64(s, 1, account_id);
    store_bind_text(s, 2, email);
    store_bind_text(s, 3, sel);
    store_bind_text(s, 4, hash);
    store_bind_int64(s, 5, now);
    store_bind_int64(s, 6, now + API_VERIFY_TTL_S);
    rc = store_step(s, err);
    if (rc == STORE_ROW)
        row = store_col_int64(s, 0);
    store_stmt_release(s);
    if (rc < 0)
        goto out;
    if ((rc = exec_ids(app->st,
                       "UPDATE accounts SET email_verified = 0 WHERE id = ?", 1,
                       account_id, 0, err)) < 0)
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
    rc = mail_queue_template(app->st, &app->set.mail, key, email,
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
static bool split_token(const char *tok, char sel[SELECTOR_LEN + 1],
                        char ver[VERIFIER_LEN + 1])
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
                              "wxyz0123456789-_";
    if (strlen(tok) != SELECTOR_LEN + 1 + VERIFIER_LEN ||
        tok[SELECTOR_LEN] != '.')
        return false;
    memcpy(sel, tok, SELECTOR_LEN);
    sel[SELECTOR_LEN] = '\0';
    memcpy(ver, tok + SELECTOR_LEN + 1, VERIFIER_LEN);
    ver[VERIFIER_LEN] = '\0';
    return strspn(sel, b64) == SELECTOR_LEN && strspn(ver, b64) == VERIFIER_LEN;
}

enum verdict { V_OK, V_UNKNOWN, V_USED, V_EXPIRED };

/* consume - inside a write transaction: judge the token and, when good,
 * mark it used and its account confirmed. */
static int consume(struct store *st, const char *sel, const char *ver,
                   int64_t now, enum verdict *v, char *acct, size_t acctsz,
                   struct rm_err *err)
{
    struct store_stmt *s;
    char want[HASH_HEX + 1], have[HASH_HEX + 1] = "";
    int64_t id = 0, account = 0, expires = 0, used = 0;
    int rc = store_prepare(
        st,
        "SELECT v.id, v.account_id, v.verifier_hash, v.expires_at, "
        "COALESCE(v.used_at, 0), a.name FROM email_verifications v "
        "JOIN accounts a ON a.id = v.account_id WHERE v.selector = ?",
        &s, err);
    if (rc < 0)
        return rc;
    store_bind_text(s, 1, sel);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        const char *h = store_col_text(s, 2);
        id = store_col_int64(s, 0);
        account = store_col_int64(s, 1);
        snprintf(have, sizeof have, "%s", h ? h : "");
        expires = store_col_int64(s, 3);
        used = store_col_int64(s, 4);
        snprintf(acct, acctsz, "%s", store_col_text(s, 5));
    }
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    verifier_hash(ver, want);
    /* both are 64 hex digits when the row exists; compared in constant
     * time so the answer's timing says nothing about the stored hash */
    if (rc == STORE_DONE || strlen(have) != HASH_HEX ||
        sodium_memcmp(want, have, HASH_HEX) != 0) {
        *v = V_UNKNOWN;
        return 0;
    }
    if (used) {
        *v = V_USED;
        return 0;
    }
    if (expires <= now) {
        *v = V_EXPIRED;
        return 0;
    }
    if ((rc = exec_ids(st,
                       "UPDATE email_verifications SET used_at = ? WHERE "
                       "id = ? AND used_at IS NULL",
                       2, now, id, err)) < 0 ||
        (rc =
             exec_ids(st, "UPDATE accounts SET email_verified = 1 WHERE id = ?",
                      1, account, 0, err)) < 0)
        return rc;
    *v = V_OK;
    return 0;
}

static int post_verify(struct web_req *r)
{
    static const char *const fields[] = {"token", NULL};
    char sel[SELECTOR_LEN + 1], ver[VERIFIER_LEN + 1],
        acct[ACCOUNT_NAME_MAX + 1];
    const char *tok = NULL;
    json_t *b;
    struct rm_err e;
    enum verdict v = V_UNKNOWN;
    int rc = api_body(r, &b);
    if (rc)
        return rc;
    if ((rc = api_only_fields(r, b, fields)) ||
        (rc = api_get_str(r, b, "token", true, 1, 200, &tok, NULL)))
        goto out;
    rm_err_clear(&e);
    if (split_token(tok, sel, ver)) {
        int64_t now = clock_now();
        if ((rc = store_begin(r->st, STORE_TX_WRITE, &e)) < 0 ||
            (rc = consume(r->st, sel, ver, now, &v, acct, sizeof acct, &e)) <
                0 ||
            (v == V_OK && (rc = store_commit(r->st, &e)) < 0)) {
            store_rollback(r->st);
            rc = api_fail(r, rc, &e);
            goto out;
        }
        store_rollback(r->st); /* nothing written unless V_OK */
        sodium_memzero(ver, sizeof ver);
    }
    switch (v) {
    case V_OK:
        rm_log(LOG_INFO, "api: account %s confirmed its e-mail address", acct);
        rc = web_reply_json(
            r, 200, json_pack("{s:b, s:s}", "verified", 1, "account", acct));
        break;
    case V_USED:
        rc = api_error(r, 409, API_EVERIFY_USED, "token",
                       "this link was already used: your e-mail address is "
                       "confirmed");
        break;
    case V_EXPIRED:
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

/* resend_wait - seconds until the account may have another mail (0 now):
 * one a minute, API_VERIFY_RESEND_PER_DAY a day. */
static int resend_wait(struct store *st, int64_t account, int64_t now,
                       int64_t *wait, struct rm_err *err)
{
    struct store_stmt *s;
    int64_t count = 0, last = 0, first = 0;
    int rc = store_prepare(
        st,
        "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(MAX(created_at), 0) "
        "AS BIGINT), CAST(COALESCE(MIN(created_at), 0) AS BIGINT) FROM "
        "email_verifications WHERE account_id = ? AND created_at > ?",
        &s, err);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, account);
    store_bind_int64(s, 2, now - 86400);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        count = store_col_int64(s, 0);
        last = store_col_int64(s, 1);
        first = store_col_int64(s, 2);
    }
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    *wait = 0;
    if (count >= API_VERIFY_RESEND_PER_DAY)
        *wait = first + 86400 - now > 0 ? first + 86400 - now : 1;
    else if (count && last + API_VERIFY_RESEND_GAP_S > now)
        *wait = last + API_VERIFY_RESEND_GAP_S - now;
    return 0;
}

static int post_resend(struct web_req *r)
{
    struct account a;
    struct rm_err e;
    int64_t wait = 0, now = clock_now();
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
    if ((rc = store_begin(r->st, STORE_TX_WRITE, &e)) < 0 ||
        (rc = resend_wait(r->st, a.id, now, &wait, &e)) < 0)
        goto fail;
    if (wait > 0) {
        char ra[32];
        store_rollback(r->st);
        snprintf(ra, sizeof ra, "%lld", (long long)wait);
        web_reply_header(r, "Retry-After", ra);
        return api_error(r, 429, API_ERATE, NULL,
                         "a mail was sent a short while ago; try again in "
                         "%lld seconds",
                         (long long)wait);
    }
    if ((rc = api_verify_issue(r, api_app(r), a.id, a.name, a.email, now, &e)) <
            0 ||
        (rc = store_commit(r->st, &e)) < 0)
        goto fail;
    return web_reply_json(r, 202, json_pack("{s:s}", "sent_to", a.email));
fail:
    store_rollback(r->st);
    return api_fail(r, rc, &e);
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
