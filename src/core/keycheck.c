/*
 * keycheck - the master key against the database's check value (see
 * keycheck.h).
 */
#include "core/keycheck.h"

#include <stdlib.h>
#include <string.h>

#define KEYCHECK_TEXT "regman master key check v1"

/* read_one - the first row's text column of sql (one int64 parameter or
 * none when p < 0); *out NULL when no row. */
static int read_one(struct store *st, const char *sql, char **out,
                    struct rm_err *err)
{
    struct store_stmt *s;
    int rc;

    *out = NULL;
    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        const char *t = store_col_text(s, 0);
        *out = t ? strdup(t) : NULL;
        rc = 0;
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int keycheck_present(struct store *st, bool *present, struct rm_err *err)
{
    char *v = NULL;
    int rc = read_one(st, "SELECT sealed FROM key_check WHERE id = 1", &v, err);

    *present = rc == 0 && v != NULL;
    free(v);
    return rc;
}

static int refuse(const char *key_file, const char *what, struct rm_err *err)
{
    return rm_err_set(err, RM_EREFUSED,
                      "the master key %s does not open %s: every regman "
                      "on one database must use the same master key file "
                      "(copy it from a node that uses this database)",
                      key_file, what);
}

struct kc_unit {
    const struct secret_key *key;
    const char *key_file;
    int64_t now;
};

static int kc_run(struct store *st, void *arg, struct rm_err *err)
{
    struct kc_unit *u = arg;
    char *v = NULL, *plain = NULL;
    struct rm_err oe;
    int rc;

    if ((rc = read_one(st, "SELECT sealed FROM key_check WHERE id = 1", &v,
                       err)) < 0)
        return rc;
    if (v != NULL) {
        rc = secret_open(u->key, v, &plain, &oe);
        if (rc == 0 && strcmp(plain, KEYCHECK_TEXT) != 0)
            rc = RM_EINVAL;
        secret_free_text(plain);
        free(v);
        return rc < 0 ? refuse(u->key_file, "this database's secrets", err) : 0;
    }
    /* No check value yet (a database from before migration 009, or a new
     * one): a stored registrar key must open with this key first. */
    if ((rc = read_one(st,
                       "SELECT key_enc FROM registrar_connections "
                       "ORDER BY id LIMIT 1",
                       &v, err)) < 0)
        return rc;
    if (v != NULL) {
        rc = secret_open(u->key, v, &plain, &oe);
        secret_free_text(plain);
        free(v);
        if (rc < 0)
            return refuse(u->key_file, "the registrar keys stored here", err);
    }
    char *sealed = NULL;
    struct store_stmt *s;
    if ((rc = secret_seal(u->key, KEYCHECK_TEXT, &sealed, err)) < 0)
        return rc;
    if ((rc = store_prepare(st,
                            "INSERT INTO key_check (id, sealed, created_at) "
                            "VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING",
                            &s, err)) == 0) {
        store_bind_text(s, 1, sealed);
        store_bind_int64(s, 2, u->now);
        rc = store_step(s, err);
        store_stmt_release(s);
        rc = rc < 0 ? rc : 0;
    }
    free(sealed);
    if (rc == 0 && store_changes(st) == 0)
        return RM_ECONFLICT; /* another node wrote it first: check theirs */
    return rc;
}

int keycheck_verify(struct store *st, const struct secret_key *key,
                    const char *key_file, int64_t now, struct rm_err *err)
{
    struct kc_unit u = {key, key_file, now};
    int rc = store_tx(st, STORE_TX_WRITE, kc_run, &u, err);
    return rc < 0 ? rc : 0;
}
