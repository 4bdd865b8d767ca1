/*
 * domadmin - the admin's moves of domains between accounts (contract in
 * domadmin.h).
 */
#include "core/domadmin.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/watch.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/log.h"

struct move_tx {
    struct app *app;
    const char *name;
    const struct account *to;
    const char *actor, *reason;
    struct domadmin_move *out;
};

/* move_fn - the unit of work of domadmin_move: read the domain, check,
 * move it only if it is still the old account's (D10), record the move. */
static int move_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char sql_dom[] =
        "SELECT d.id, d.account_id, d.status, a.name, a.kind, "
        "(SELECT COUNT(*) FROM operations o WHERE o.domain_id = d.id AND "
        "o.state IN ('new', 'sending', 'pending')) FROM domains d JOIN "
        "accounts a ON a.id = d.account_id WHERE d.name = ? AND d.status "
        "NOT IN ('failed', 'cancelled', 'transferred_away', 'deleted')";
    static const char sql_upd[] =
        "UPDATE domains SET account_id = ?, updated_at = ? WHERE id = ? AND "
        "account_id = ?";
    static const char sql_rec[] =
        "INSERT INTO domain_moves (domain_id, from_account_id, "
        "to_account_id, actor, reason, created_at) VALUES (?, ?, ?, ?, ?, "
        "?) RETURNING id";
    struct move_tx *x = arg;
    struct store_stmt *s;
    int64_t dom = 0, from = 0, busy = 0, now = clock_now();
    char status[24] = "", from_name[ACCOUNT_NAME_MAX + 1] = "";
    int rc;

    if ((rc = store_prepare(st, sql_dom, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, x->name);
    if ((rc = store_step(s, err)) == STORE_ROW) {
        const char *v;
        dom = store_col_int64(s, 0);
        from = store_col_int64(s, 1);
        v = store_col_text(s, 2);
        snprintf(status, sizeof status, "%s", v ? v : "");
        v = store_col_text(s, 3);
        snprintf(from_name, sizeof from_name, "%s", v ? v : "");
        busy = store_col_int64(s, 5);
    }
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (!dom)
        return rm_err_set(err, RM_ENOTFOUND, "no such domain: %s", x->name);
    if (strcmp(from_name, WATCH_HELD_ACCOUNT) == 0)
        return rm_err_set(err, RM_EREFUSED,
                          "%s is a late completion the provider holds: "
                          "decide it with regman async late OP assign|"
                          "revoke|expire",
                          x->name);
    if (busy || strcmp(status, "registering") == 0 ||
        strcmp(status, "transferring") == 0 || strcmp(status, "renewing") == 0)
        return rm_err_set(err, RM_EREFUSED,
                          "%s has an order in progress (charged to %s); move "
                          "it once the order has ended",
                          x->name, from_name);
    if (from == x->to->id)
        return rm_err_set(err, RM_EREFUSED, "%s already belongs to %s", x->name,
                          x->to->name);
    if ((rc = store_prepare(st, sql_upd, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, x->to->id);
    store_bind_int64(s, 2, now);
    store_bind_int64(s, 3, dom);
    store_bind_int64(s, 4, from);
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (store_changes(st) != 1)
        return rm_err_set(err, RM_EREFUSED, "%s changed meanwhile; try again",
                          x->name);
    if ((rc = store_prepare(st, sql_rec, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, dom);
    store_bind_int64(s, 2, from);
    store_bind_int64(s, 3, x->to->id);
    store_bind_text(s, 4, x->actor);
    store_bind_text(s, 5, x->reason && *x->reason ? x->reason : NULL);
    store_bind_int64(s, 6, now);
    if ((rc = store_step(s, err)) == STORE_ROW)
        x->out->id = store_col_int64(s, 0);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    snprintf(x->out->from, sizeof x->out->from, "%s", from_name);
    return 0;
}

int domadmin_move(struct app *app, const char *name, const char *to,
                  const char *actor, const char *reason,
                  struct domadmin_move *out, struct rm_err *err)
{
    struct name nm;
    struct account a;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = name_parse(name, &nm, err)) < 0)
        return rc;
    if (!to || !*to)
        return rm_err_set(err, RM_EINVAL,
                          "the account to move %s to is "
                          "missing",
                          nm.ascii);
    if (reason && strlen(reason) > DOMADMIN_REASON_MAX)
        return rm_err_set(err, RM_EINVAL,
                          "the reason is longer than %d characters",
                          DOMADMIN_REASON_MAX);
    if ((rc = account_get(app, to, &a, err)) < 0)
        return rc;
    if (strcmp(a.kind, "customer") != 0 ||
        strcmp(a.name, WATCH_HELD_ACCOUNT) == 0)
        return rm_err_set(err, RM_EREFUSED,
                          "%s is not a customer account: domains move only "
                          "to customers",
                          a.name);
    struct move_tx x = {app,    nm.ascii, &a, actor ? actor : "admin",
                        reason, out};
    if ((rc = store_tx(app->st, STORE_TX_WRITE, move_fn, &x, err)) < 0)
        return rc;
    snprintf(out->domain, sizeof out->domain, "%s", nm.ascii);
    snprintf(out->to, sizeof out->to, "%s", a.name);
    rm_log(LOG_INFO, "%s: moved from account %s to %s by %s", nm.ascii,
           out->from, out->to, x.actor);
    return 0;
}
