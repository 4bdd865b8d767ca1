/*
 * signup - e-mail confirmation rows (see signup.h).
 */
#include "core/signup.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define SELECTOR_BYTES 12
#define VERIFIER_BYTES 32
#define HASH_HEX 64

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

int signup_verify_new(struct store *st, int64_t account_id, const char *email,
                      int64_t now, int64_t ttl_s,
                      char sel[SIGNUP_SELECTOR_LEN + 1],
                      char ver[SIGNUP_VERIFIER_LEN + 1], int64_t *id,
                      struct rm_err *err)
{
    unsigned char sraw[SELECTOR_BYTES], vraw[VERIFIER_BYTES];
    char sb[SIGNUP_SELECTOR_LEN + 2], vb[SIGNUP_VERIFIER_LEN + 2];
    char hash[HASH_HEX + 1];
    struct store_stmt *s;

    randombytes_buf(sraw, sizeof sraw);
    randombytes_buf(vraw, sizeof vraw);
    b64url(sraw, sizeof sraw, sb, sizeof sb);
    b64url(vraw, sizeof vraw, vb, sizeof vb);
    sodium_memzero(vraw, sizeof vraw);
    verifier_hash(vb, hash);
    memcpy(sel, sb, SIGNUP_SELECTOR_LEN);
    sel[SIGNUP_SELECTOR_LEN] = '\0';
    memcpy(ver, vb, SIGNUP_VERIFIER_LEN);
    ver[SIGNUP_VERIFIER_LEN] = '\0';
    sodium_memzero(vb, sizeof vb);

    int rc = store_prepare(st,
                           "INSERT INTO email_verifications (account_id, "
                           "email, selector, verifier_hash, created_at, "
                           "expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                           &s, err);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, account_id);
    store_bind_text(s, 2, email);
    store_bind_text(s, 3, sel);
    store_bind_text(s, 4, hash);
    store_bind_int64(s, 5, now);
    store_bind_int64(s, 6, now + ttl_s);
    rc = store_step(s, err);
    if (rc == STORE_ROW)
        *id = store_col_int64(s, 0);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    return exec_ids(st, "UPDATE accounts SET email_verified = 0 WHERE id = ?",
                    1, account_id, 0, err);
}

struct use_arg {
    const char *sel, *ver;
    int64_t now;
    enum signup_verdict v;
    char *acct;
    size_t acctsz;
};

/* use_tx - judge the token and, when good, mark it used and its account
 * confirmed. */
static int use_tx(struct store *st, void *arg, struct rm_err *err)
{
    struct use_arg *u = arg;
    struct store_stmt *s;
    char want[HASH_HEX + 1], have[HASH_HEX + 1] = "";
    int64_t id = 0, account = 0, expires = 0, used = 0;
    u->v = SIGNUP_UNKNOWN;
    int rc = store_prepare(
        st,
        "SELECT v.id, v.account_id, v.verifier_hash, v.expires_at, "
        "COALESCE(v.used_at, 0), a.name FROM email_verifications v "
        "JOIN accounts a ON a.id = v.account_id WHERE v.selector = ?",
        &s, err);
    if (rc < 0)
        return rc;
    store_bind_text(s, 1, u->sel);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        const char *h = store_col_text(s, 2);
        id = store_col_int64(s, 0);
        account = store_col_int64(s, 1);
        snprintf(have, sizeof have, "%s", h ? h : "");
        expires = store_col_int64(s, 3);
        used = store_col_int64(s, 4);
        snprintf(u->acct, u->acctsz, "%s", store_col_text(s, 5));
    }
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    verifier_hash(u->ver, want);
    /* both are 64 hex digits when the row exists; compared in constant
     * time so the answer's timing says nothing about the stored hash */
    if (rc == STORE_DONE || strlen(have) != HASH_HEX ||
        sodium_memcmp(want, have, HASH_HEX) != 0)
        return 0;
    if (used) {
        u->v = SIGNUP_USED;
        return 0;
    }
    if (expires <= u->now) {
        u->v = SIGNUP_EXPIRED;
        return 0;
    }
    if ((rc = exec_ids(st,
                       "UPDATE email_verifications SET used_at = ? WHERE "
                       "id = ? AND used_at IS NULL",
                       2, u->now, id, err)) < 0 ||
        (rc =
             exec_ids(st, "UPDATE accounts SET email_verified = 1 WHERE id = ?",
                      1, account, 0, err)) < 0)
        return rc;
    u->v = SIGNUP_VERIFIED;
    return 0;
}

int signup_verify_use(struct store *st, const char *sel, const char *ver,
                      int64_t now, enum signup_verdict *v, char *acct,
                      size_t acctsz, struct rm_err *err)
{
    struct use_arg u = {.sel = sel,
                        .ver = ver,
                        .now = now,
                        .v = SIGNUP_UNKNOWN,
                        .acct = acct,
                        .acctsz = acctsz};
    int rc = store_tx(st, STORE_TX_WRITE, use_tx, &u, err);
    *v = u.v;
    return rc < 0 ? rc : 0;
}

int signup_resend_wait(struct store *st, int64_t account_id, int64_t now,
                       int64_t gap_s, int64_t per_day, int64_t *wait,
                       struct rm_err *err)
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
    store_bind_int64(s, 1, account_id);
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
    if (count >= per_day)
        *wait = first + 86400 - now > 0 ? first + 86400 - now : 1;
    else if (count && last + gap_s > now)
        *wait = last + gap_s - now;
    return 0;
}
