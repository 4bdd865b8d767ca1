/*
 * unitdb - the database of one unit test (unitdb.h): the store's part.
 */
#include "unitdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

/* admin - run sql on the database of REGMAN_TEST_PG_URL itself. */
static int admin(const char *url, const char *sql, struct rm_err *err)
{
    PGconn *c = PQconnectdb(url);
    int rc = 0;

    if (PQstatus(c) != CONNECTION_OK) {
        rc = rm_err_set(err, RM_EIO, "%s: %s", url, PQerrorMessage(c));
    } else {
        PGresult *r = PQexec(c, sql);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            rc = rm_err_set(err, RM_EIO, "%s: %s", sql, PQerrorMessage(c));
        PQclear(r);
    }
    PQfinish(c);
    return rc;
}

/* with_db - url with its database (the path) replaced by name. */
static int with_db(const char *url, const char *name, char *out, size_t n)
{
    const char *host = strstr(url, "://");
    const char *path, *query;

    if (host == NULL)
        return -1;
    query = strchr(host + 3, '?');
    path = strchr(host + 3, '/');
    if (path != NULL && query != NULL && path > query)
        path = NULL;
    int keep =
        (int)(path ? path - url : (query ? query - url : (long)strlen(url)));
    int w = snprintf(out, n, "%.*s/%s%s", keep, url, name, query ? query : "");
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

int unitdb_make(struct unitdb *db, const char *dir, struct rm_err *err)
{
    static int seq;
    const char *backend = getenv("REGMAN_TEST_DB");
    const char *url = getenv("REGMAN_TEST_PG_URL");
    char sql[128];

    memset(db, 0, sizeof *db);
    if (backend == NULL || *backend == '\0' || strcmp(backend, "sqlite") == 0) {
        snprintf(db->target, sizeof db->target, "%s/regman.db", dir);
        return 0;
    }
    if (strcmp(backend, "postgresql") != 0)
        return rm_err_set(err, RM_EINVAL, "REGMAN_TEST_DB=%s: unknown backend",
                          backend);
    if (url == NULL || *url == '\0')
        return rm_err_set(err, RM_EINVAL,
                          "REGMAN_TEST_DB=postgresql needs REGMAN_TEST_PG_URL");
    db->pg = true;
    snprintf(db->name, sizeof db->name, "rmunit_%ld_%d", (long)getpid(), ++seq);
    if (with_db(url, db->name, db->target, sizeof db->target) != 0)
        return rm_err_set(err, RM_EINVAL, "REGMAN_TEST_PG_URL=%s: not a URL",
                          url);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", db->name);
    if (admin(url, sql, err) != 0) {
        db->name[0] = '\0';
        return -1;
    }
    return 0;
}

void unitdb_drop(struct unitdb *db)
{
    struct rm_err err = {0};
    char sql[160];

    if (!db->pg || db->name[0] == '\0')
        return;
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)",
             db->name);
    if (admin(getenv("REGMAN_TEST_PG_URL"), sql, &err) != 0)
        fprintf(stderr, "unitdb: %s\n", err.msg);
    db->name[0] = '\0';
}
