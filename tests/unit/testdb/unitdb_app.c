/*
 * unitdb_app - unitdb_init_dir (unitdb.h): an installation directory on
 * the test's backend, as `regman init --dir DIR [--database URL]` makes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/app.h"
#include "store/store.h"
#include "unitdb.h"

/* point_conf - dir/regman.conf's "database = regman.db" line names url
 * instead. */
static int point_conf(const char *dir, const char *url, struct rm_err *err)
{
    static const char line[] = "\ndatabase = regman.db\n";
    char path[400], *text = NULL, *at;
    FILE *f;
    long len;
    int rc = 0;

    snprintf(path, sizeof path, "%s/regman.conf", dir);
    if ((f = fopen(path, "r")) == NULL || fseek(f, 0, SEEK_END) != 0 ||
        (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        if (f)
            fclose(f);
        return rm_err_set(err, RM_EIO, "%s: cannot read", path);
    }
    text = calloc((size_t)len + 1, 1);
    if (text == NULL || fread(text, 1, (size_t)len, f) != (size_t)len)
        rc = rm_err_set(err, RM_EIO, "%s: short read", path);
    fclose(f);
    if (rc == 0 && (at = strstr(text, line)) == NULL)
        rc = rm_err_set(err, RM_EINTERNAL, "%s: no database line", path);
    if (rc == 0) {
        *at = '\0';
        if ((f = fopen(path, "w")) == NULL ||
            fprintf(f, "%s\ndatabase = %s\n%s", text, url,
                    at + sizeof line - 1) < 0 ||
            fclose(f) != 0)
            rc = rm_err_set(err, RM_EIO, "%s: cannot write", path);
    }
    free(text);
    return rc;
}

int unitdb_init_dir(struct unitdb *db, const char *dir, struct rm_err *err)
{
    char file[400];

    if (unitdb_make(db, dir, err) != 0)
        return -1;
    if (app_init_dir(dir, err) != 0)
        return -1;
    if (!db->pg)
        return 0;
    struct store_open_opts so = {.create = 1};
    struct store *st = NULL;
    if (store_open(db->target, &so, &st, err) < 0)
        return -1;
    store_close(st);
    if (point_conf(dir, db->target, err) != 0)
        return -1;
    for (size_t i = 0; i < 3; i++) {
        static const char *const sfx[] = {"", "-wal", "-shm"};
        snprintf(file, sizeof file, "%s/regman.db%s", dir, sfx[i]);
        unlink(file);
    }
    return 0;
}
