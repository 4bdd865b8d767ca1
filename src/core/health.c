/*
 * health - the database check (see health.h).
 */
#include "core/health.h"

int health_check(struct store *st, struct rm_err *err)
{
    struct store_stmt *s;
    int rc = store_prepare(st, "SELECT 1", &s, err);
    if (rc == 0) {
        rc = store_step(s, err);
        store_stmt_release(s);
    }
    return rc < 0 ? rc : 0;
}
