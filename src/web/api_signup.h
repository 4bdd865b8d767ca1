/*
 * api_signup - what a self-signed-up customer needs besides its account:
 * the confirmation of its e-mail address before the first order, and the
 * provider's word on how to add funds.
 *
 * E-mail confirmation ([http] signup_verify, default yes):
 * - POST /api/v1/signup creates the account unconfirmed
 *   (accounts.email_verified = 0) and, in the same write transaction,
 *   a row of email_verifications and the mail verify_email.txt
 *   (api_verify_issue). Accounts made by an admin (CLI, API) are created
 *   confirmed, as is every account when signup_verify = no.
 * - The link is PUBLIC_URL/#/verify/SELECTOR.VERIFIER: the customer panel
 *   reads the token from the fragment (never sent to a server, so it stays
 *   out of access logs and Referer headers) and posts it. SELECTOR
 *   (base64url of 12 random bytes) finds the row; only BLAKE2b-256(VERIFIER)
 *   (hex) is stored and compared with sodium_memcmp (constant time).
 *   VERIFIER is 32 bytes of randombytes_buf, base64url.
 * - PUBLIC_URL is [http] public_url. Unset, it is the address regman
 *   serve listens on (http or https, the bound port) — never the
 *   request's Host header, which any client can set: a Host-made link
 *   would let a sign-up mail point somewhere else.
 * - A link works once and for API_VERIFY_TTL_S. Using it again answers
 *   409 verify_used ("already used; your address is confirmed"), so a
 *   repeated click changes nothing; an expired one 410 verify_expired; a
 *   malformed or unknown one, or a wrong verifier, 404 verify_unknown.
 * - Until confirmed, orders (register, transfer, renew) of the customer
 *   are refused with 403 email_unverified, "confirm your e-mail address
 *   first", before anything is charged (api_verify_gate). An admin
 *   ordering for the account is not refused. With signup_verify = no the
 *   gate is open for every account.
 * - A customer may ask for a new mail: at most one a minute and
 *   API_VERIFY_RESEND_PER_DAY in 24 hours (429 rate_limited with
 *   Retry-After), counted from the rows of email_verifications, so the
 *   limit holds across restarts and server threads (the check and the
 *   insert share one write transaction).
 *
 * Adding funds ([http] funds_text, funds_url): shown to customers where
 * the panel says how to add funds; both optional.
 *
 * Endpoints (api_signup_routes):
 *   GET  /api/v1/site                  public   {signup_verify, funds_text,
 *                                               funds_url}
 *   POST /api/v1/verify-email          public   {"token"} → {verified}
 *   POST /api/v1/verify-email/resend   customer → 202 {sent_to}
 *
 * The settings are process-wide (one server per process): api_site_set
 * copies them before the server starts; api_site_release frees them.
 */
#ifndef RM_WEB_API_SIGNUP_H
#define RM_WEB_API_SIGNUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/account.h"
#include "core/app.h"
#include "util/err.h"
#include "web/http.h"

#define API_VERIFY_TTL_S (48 * 3600)
#define API_VERIFY_RESEND_GAP_S 60
#define API_VERIFY_RESEND_PER_DAY 5
#define API_SITE_URL_MAX 300
#define API_FUNDS_TEXT_MAX 500

#define API_EUNVERIFIED "email_unverified"
#define API_EVERIFY_UNKNOWN "verify_unknown"
#define API_EVERIFY_EXPIRED "verify_expired"
#define API_EVERIFY_USED "verify_used"

/* struct api_site - the [http] keys of this module (serve_conf.h reads
 * them). Strings NULL when unset. */
struct api_site {
    bool signup_verify;
    char *public_url; /* no trailing '/' */
    char *funds_text;
    char *funds_url;
    /* the listen address and scheme, for links without public_url */
    char *listen_addr;
    bool tls;
};

/* api_site_set - copy s as the process's settings (before the server
 * starts). */
void api_site_set(const struct api_site *s);
void api_site_release(void);
/* api_site_conf_release - free the strings of a struct api_site that
 * serve_conf filled. */
void api_site_conf_release(struct api_site *s);

/* api_signup_verifies - is e-mail confirmation on? */
bool api_signup_verifies(void);

/* api_verify_issue - inside the caller's write transaction on app->st:
 * mark the account unconfirmed, store a new link and queue its mail
 * (idempotency key "verify:<row id>"). r gives the listening port when
 * public_url is unset. Fails (nothing to commit) when the mail cannot be
 * queued. */
int api_verify_issue(struct web_req *r, struct app *app, int64_t account_id,
                     const char *customer, const char *email, int64_t now,
                     struct rm_err *err);

/* api_verify_gate - 0 when the principal of r may order for account a;
 * else a 403 email_unverified reply and WEB_STOP. */
int api_verify_gate(struct web_req *r, const struct account *a);

const struct web_route *api_signup_routes(size_t *n);

#endif
