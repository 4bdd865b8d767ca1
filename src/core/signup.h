/*
 * signup - the e-mail confirmation of a self-signed-up customer: the
 * rows of email_verifications and the account's email_verified flag
 * (the HTTP side, the link and the mail are web/api_signup.h).
 *
 * A confirmation is SELECTOR.VERIFIER: SELECTOR (base64url of 12 random
 * bytes) finds the row; only BLAKE2b-256(VERIFIER) (hex) is stored, and
 * compared in constant time. VERIFIER is base64url of 32 random bytes.
 */
#ifndef RM_CORE_SIGNUP_H
#define RM_CORE_SIGNUP_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/err.h"

#define SIGNUP_SELECTOR_LEN 16 /* base64url, no padding */
#define SIGNUP_VERIFIER_LEN 43

enum signup_verdict {
    SIGNUP_VERIFIED, /* the account is now confirmed */
    SIGNUP_UNKNOWN,  /* no such selector, or the verifier is wrong */
    SIGNUP_USED,     /* already used once */
    SIGNUP_EXPIRED,
};

/* signup_verify_new - inside the caller's write transaction: a new
 * confirmation for account_id sent to email, valid until now + ttl_s,
 * and the account marked unconfirmed. sel and ver receive the two halves
 * of the token (the only copy of the verifier: wipe it after use); *id
 * the row. */
int signup_verify_new(struct store *st, int64_t account_id, const char *email,
                      int64_t now, int64_t ttl_s,
                      char sel[SIGNUP_SELECTOR_LEN + 1],
                      char ver[SIGNUP_VERIFIER_LEN + 1], int64_t *id,
                      struct rm_err *err);

/* signup_verify_use - judge the token sel.ver at now and, when it is
 * good, mark it used and its account confirmed (one unit of work:
 * store_tx). *v the verdict; acct (acctsz bytes) the account's name when
 * the selector is known. */
int signup_verify_use(struct store *st, const char *sel, const char *ver,
                      int64_t now, enum signup_verdict *v, char *acct,
                      size_t acctsz, struct rm_err *err);

/* signup_resend_wait - inside the caller's transaction: seconds until
 * account_id may have another confirmation (0: now), given at most one
 * per gap_s and per_day in 24 hours, counted from its rows. */
int signup_resend_wait(struct store *st, int64_t account_id, int64_t now,
                       int64_t gap_s, int64_t per_day, int64_t *wait,
                       struct rm_err *err);

#endif
