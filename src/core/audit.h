/*
 * audit - `regman audit`: the invariants of design sections 4 and 5 on
 * real data, in one read snapshot.
 *   I1 every balance = sum of its ledger entries        (ledger.c)
 *   I2 every operation has exactly the legs its state requires (ledger.c)
 *   I3 no operation sits in `new` or `sending` without a live lease (ops.c)
 *   I4 every active domain has a succeeded operation or was adopted by
 *      `regman import` (ops.c, lifecycle.c)
 *   I5 the legs of every posting sum to zero            (ledger.c)
 */
#ifndef RM_CORE_AUDIT_H
#define RM_CORE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/app.h"
#include "util/buf.h"

struct audit_check {
    const char *id;   /* "I1" */
    const char *what; /* one line */
    size_t checked;
    size_t bad;
    struct buf detail; /* one line per finding */
};

#define AUDIT_NCHECKS 5

struct audit_report {
    struct audit_check c[AUDIT_NCHECKS];
};

int audit_run(struct app *app, struct audit_report *rep, struct rm_err *err);
bool audit_ok(const struct audit_report *rep);
void audit_release(struct audit_report *rep);

#endif
