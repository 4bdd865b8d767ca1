/*
 * unitdb - the database of one unit test, on the backend REGMAN_TEST_DB
 * names (tests/README.md): unset or "sqlite", a file in the test's
 * directory; "postgresql", a new database with a unique name on the
 * cluster of REGMAN_TEST_PG_URL, dropped by unitdb_drop.
 */
#ifndef UNITDB_H
#define UNITDB_H

#include <stdbool.h>

#include "util/err.h"

struct unitdb {
    bool pg;
    char name[64];     /* pg: the database's name */
    char target[1200]; /* what store_open is given */
};

/* unitdb_make - a new, empty database for a test working in dir (the
 * SQLite file is dir/regman.db). 0, or -1 with err set. */
int unitdb_make(struct unitdb *db, const char *dir, struct rm_err *err);

/* unitdb_init_dir - app_init_dir(dir) and, on PostgreSQL, what `regman
 * init --dir DIR --database URL` does besides: a new database, its schema,
 * dir/regman.conf pointed at it and dir/regman.db removed. */
int unitdb_init_dir(struct unitdb *db, const char *dir, struct rm_err *err);

/* unitdb_drop - drop the PostgreSQL database (nothing on SQLite: the
 * test removes its directory). Every handle on it must be closed. */
void unitdb_drop(struct unitdb *db);

#endif
