/*
 * store_backend - what a storage backend shares with store.c.
 *
 * Only backends (sqlite.c, pg.c), store.c, the generated migration
 * table and the store tests include this. A backend's handle and statement
 * structs begin with struct store / struct store_stmt so store.c can keep
 * the transaction flag, the error kind and the statement cache once for
 * all backends.
 */
#ifndef RM_STORE_STORE_BACKEND_H
#define RM_STORE_STORE_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct store {
    const struct store_ops *ops;
    int in_tx;
    enum store_errkind errkind;
    struct store_stmt *cache; /* every statement prepared on the handle */
    size_t ncached;
};

struct store_stmt {
    struct store *st;
    char *sql;               /* owned copy: the cache key */
    int in_use;              /* handed out by store_prepare */
    int bind_err;            /* first failed bind, reported by step */
    struct store_stmt *next; /* cache list */
};

/* A migration: version N from migrations/NNN_name.sql (one text run by
 * both backends: sqlite and pg point at the same array) or from the pair
 * NNN_name.sqlite.sql + NNN_name.pg.sql (each backend runs its own). The
 * runner picks the text of the handle's backend. */
struct store_migration {
    int64_t version;
    const char *name;
    const char *sqlite;
    const char *pg;
};

/* Generated at build time from migrations/ (gen_migrations.py). Versions
 * are 1..store_migration_count, in order. */
extern const struct store_migration store_migrations[];
extern const size_t store_migration_count;

/* store_migrate_with - apply list[0..n) to an open handle (store_open uses
 * the compiled-in list; tests pass their own to exercise failures). */
int store_migrate_with(struct store *st, const struct store_migration *list,
                       size_t n, struct rm_err *err);

/* store_open_raw - open without migrating (tests inspect a raw file). */
int store_open_raw(const char *target, const struct store_open_opts *opts,
                   struct store **out, struct rm_err *err);

#endif
