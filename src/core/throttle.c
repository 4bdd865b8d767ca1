/*
 * throttle - fixed-window counters in the throttles table (contract in
 * throttle.h).
 */
#include "core/throttle.h"

#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* The context of the key derivation (crypto_kdf: 8 bytes). */
#define KDF_CONTEXT "rmthrotl"
#define KDF_ID 1

void throttle_init(struct throttle *t, const char *scope, int64_t max,
                   int64_t window_s, const unsigned char *secret)
{
    memset(t, 0, sizeof(*t));
    snprintf(t->scope, sizeof(t->scope), "%s", scope);
    t->max = max >= 1 ? max : 1;
    t->window_s = window_s >= 1 ? window_s : 1;
    if (secret)
        crypto_kdf_derive_from_key(t->hkey, sizeof(t->hkey), KDF_ID,
                                   KDF_CONTEXT, secret);
    else
        randombytes_buf(t->hkey, sizeof(t->hkey));
    atomic_init(&t->next_prune, 0);
}

void throttle_key(const struct throttle *t, const char *subject,
                  char out[THROTTLE_KEY_HEX + 1])
{
    unsigned char h[THROTTLE_KEY_BYTES];
    crypto_generichash_state gs;
    /* scope and subject with their NULs: ("a", "bc") and ("ab", "c")
     * differ */
    crypto_generichash_init(&gs, t->hkey, sizeof(t->hkey), sizeof(h));
    crypto_generichash_update(&gs, (const unsigned char *)t->scope,
                              strlen(t->scope) + 1);
    crypto_generichash_update(&gs, (const unsigned char *)subject,
                              strlen(subject) + 1);
    crypto_generichash_final(&gs, h, sizeof(h));
    sodium_bin2hex(out, THROTTLE_KEY_HEX + 1, h, sizeof(h));
}

static int run_stmt(struct store_stmt *s, struct rm_err *err)
{
    int rc;
    while ((rc = store_step(s, err)) == STORE_ROW)
        ;
    return rc < 0 ? rc : 0;
}

int throttle_check(struct store *st, const struct throttle *t,
                   const char *subject, int64_t now, int64_t *wait,
                   struct rm_err *err)
{
    char key[THROTTLE_KEY_HEX + 1];
    struct store_stmt *s;
    int rc;

    *wait = 0;
    throttle_key(t, subject, key);
    rc = store_prepare(st,
                       "SELECT blocked_until FROM throttles "
                       "WHERE scope = ? AND subject = ?",
                       &s, err);
    if (rc < 0)
        return rc;
    store_bind_text(s, 1, t->scope);
    store_bind_text(s, 2, key);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        int64_t until = store_col_int64(s, 0);
        *wait = until > now ? until - now : 0;
        rc = run_stmt(s, err);
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

static int prune_tx(struct store *st, void *arg, struct rm_err *err)
{
    const int64_t *now = arg;
    struct store_stmt *s;
    int rc = store_prepare(st, "DELETE FROM throttles WHERE window_end <= ?",
                           &s, err);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, *now);
    rc = run_stmt(s, err);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    int64_t n = store_changes(st);
    return n > 0x7fffffff ? 0x7fffffff : (int)n;
}

int throttle_prune(struct store *st, int64_t now, int64_t *deleted,
                   struct rm_err *err)
{
    int rc = store_tx(st, STORE_TX_WRITE, prune_tx, &now, err);
    if (deleted)
        *deleted = rc > 0 ? rc : 0;
    return rc < 0 ? rc : 0;
}

struct fail_arg {
    const struct throttle *t;
    const char *key;
    int64_t now;
    int prune;
    int64_t hits;
};

/*
 * The upsert: a new row opens a window at now; on an existing row every
 * SET reads the row as it was, so a window that has ended starts again
 * (excluded's values), else the hit is added and the row is blocked
 * until the window's end once it holds max hits.
 */
static int fail_tx(struct store *st, void *arg, struct rm_err *err)
{
    struct fail_arg *a = arg;
    struct store_stmt *s;
    int rc;

    if (a->prune && (rc = prune_tx(st, &a->now, err)) < 0)
        return rc;
    rc = store_prepare(
        st,
        "INSERT INTO throttles (scope, subject, window_start, window_end, "
        "hits, blocked_until) VALUES (?, ?, ?, ?, 1, ?) "
        "ON CONFLICT (scope, subject) DO UPDATE SET "
        "window_start = CASE WHEN throttles.window_end <= "
        "excluded.window_start THEN excluded.window_start "
        "ELSE throttles.window_start END, "
        "window_end = CASE WHEN throttles.window_end <= "
        "excluded.window_start THEN excluded.window_end "
        "ELSE throttles.window_end END, "
        "hits = CASE WHEN throttles.window_end <= excluded.window_start "
        "THEN 1 ELSE throttles.hits + 1 END, "
        "blocked_until = CASE WHEN throttles.window_end <= "
        "excluded.window_start THEN excluded.blocked_until "
        "WHEN throttles.hits + 1 >= ? THEN throttles.window_end "
        "ELSE throttles.blocked_until END "
        "RETURNING hits",
        &s, err);
    if (rc < 0)
        return rc;
    int64_t end = a->now + a->t->window_s;
    store_bind_text(s, 1, a->t->scope);
    store_bind_text(s, 2, a->key);
    store_bind_int64(s, 3, a->now);
    store_bind_int64(s, 4, end);
    store_bind_int64(s, 5, a->t->max <= 1 ? end : 0);
    store_bind_int64(s, 6, a->t->max);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        a->hits = store_col_int64(s, 0);
        rc = run_stmt(s, err);
    } else if (rc == STORE_DONE) {
        rc = rm_err_set(err, RM_EINTERNAL, "throttle: the upsert gave no row");
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int throttle_fail(struct store *st, struct throttle *t, const char *subject,
                  int64_t now, int64_t *hits, struct rm_err *err)
{
    char key[THROTTLE_KEY_HEX + 1];
    struct fail_arg a = {t, key, now, 0, 0};

    throttle_key(t, subject, key);
    /* lazily, at most once per THROTTLE_PRUNE_EVERY_S: the thread that
     * moves next_prune forward prunes */
    int64_t due = atomic_load(&t->next_prune);
    if (now >= due && atomic_compare_exchange_strong(
                          &t->next_prune, &due, now + THROTTLE_PRUNE_EVERY_S))
        a.prune = 1;
    int rc = store_tx(st, STORE_TX_WRITE, fail_tx, &a, err);
    if (rc < 0)
        return rc;
    if (hits)
        *hits = a.hits;
    return 0;
}

struct clear_arg {
    const char *scope, *key;
};

static int clear_tx(struct store *st, void *arg, struct rm_err *err)
{
    struct clear_arg *a = arg;
    struct store_stmt *s;
    int rc = store_prepare(
        st, "DELETE FROM throttles WHERE scope = ? AND subject = ?", &s, err);
    if (rc < 0)
        return rc;
    store_bind_text(s, 1, a->scope);
    store_bind_text(s, 2, a->key);
    rc = run_stmt(s, err);
    store_stmt_release(s);
    return rc;
}

int throttle_clear(struct store *st, const struct throttle *t,
                   const char *subject, struct rm_err *err)
{
    char key[THROTTLE_KEY_HEX + 1];
    struct clear_arg a = {t->scope, key};

    throttle_key(t, subject, key);
    int rc = store_tx(st, STORE_TX_WRITE, clear_tx, &a, err);
    return rc < 0 ? rc : 0;
}
