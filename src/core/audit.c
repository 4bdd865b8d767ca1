/*
 * audit - the invariants on real data (contract in audit.h).
 */
#include "core/audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/ledger.h"
#include "util/clock.h"

static int audit_leases(struct app *app, struct audit_check *c,
                        struct rm_err *err)
{
    static const char sql[] =
        "SELECT id, state, COALESCE(lease_owner, ''), "
        "COALESCE(lease_expires_at, 0) FROM operations WHERE state IN "
        "('new', 'sending') ORDER BY id";
    struct store_stmt *s;
    int64_t now = clock_now();
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    while ((rc = store_step(s, err)) == STORE_ROW) {
        const char *owner = store_col_text(s, 2);
        c->checked++;
        if (app_lease_live(app, owner, store_col_int64(s, 3), now))
            continue;
        c->bad++;
        buf_addf(&c->detail,
                 "op %" PRId64 ": %s without a live lease (owner %s)\n",
                 store_col_int64(s, 0), store_col_text(s, 1),
                 owner && *owner ? owner : "none");
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

static int audit_domains(struct app *app, struct audit_check *c,
                         struct rm_err *err)
{
    static const char sql[] =
        "SELECT d.id, d.name, (SELECT CAST(COUNT(*) AS BIGINT) FROM "
        "operations o WHERE o.domain_id = d.id AND o.state = 'succeeded') "
        "+ CASE WHEN d.import_id IS NULL THEN 0 ELSE 1 END "
        "+ (SELECT CAST(COUNT(*) AS BIGINT) FROM operations o WHERE "
        "o.held_domain_id = d.id AND o.watch IN ('late', 'expiring')) "
        "FROM domains d WHERE d.status = 'active' ORDER BY d.id";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    while ((rc = store_step(s, err)) == STORE_ROW) {
        c->checked++;
        if (store_col_int64(s, 2) > 0)
            continue;
        c->bad++;
        buf_addf(&c->detail,
                 "domain %" PRId64 " %s: active without a succeeded "
                 "operation, an import or a late completion\n",
                 store_col_int64(s, 0), store_col_text(s, 1));
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

struct audit_unit {
    struct app *app;
    struct audit_report *rep;
};

/* audit_unit - every check in one read snapshot; starts from empty
 * findings, so a re-run reports each finding once. */
static int audit_unit(struct store *st, void *arg, struct rm_err *err)
{
    struct audit_unit *u = arg;
    struct app *app = u->app;
    struct audit_report *rep = u->rep;
    struct ledger_audit la;
    int rc;

    for (int i = 0; i < AUDIT_NCHECKS; i++) {
        rep->c[i].checked = 0;
        rep->c[i].bad = 0;
        buf_reset(&rep->c[i].detail);
    }
    if ((rc = ledger_audit(st, &la, err)) < 0)
        return rc;
    rep->c[0].checked = la.accounts_checked;
    rep->c[0].bad = la.nbad_accounts;
    for (size_t i = 0; i < la.nbad_accounts; i++)
        buf_addf(&rep->c[0].detail,
                 "account %" PRId64 " %s: balance %" PRId64
                 " but entries sum to %" PRId64 "\n",
                 la.bad_accounts[i].account_id, la.bad_accounts[i].name,
                 la.bad_accounts[i].balance, la.bad_accounts[i].sum);
    rep->c[1].checked = la.operations_checked;
    rep->c[1].bad = la.nbad_operations;
    for (size_t i = 0; i < la.nbad_operations; i++)
        buf_addf(&rep->c[1].detail, "op %" PRId64 " (%s): %s\n",
                 la.bad_operations[i].operation_id, la.bad_operations[i].state,
                 la.bad_operations[i].why);
    rep->c[4].checked = la.postings_checked;
    rep->c[4].bad = la.nbad_postings;
    for (size_t i = 0; i < la.nbad_postings; i++)
        buf_addf(&rep->c[4].detail,
                 "posting %" PRId64 ": legs do not sum to zero\n",
                 la.bad_postings[i]);
    ledger_audit_release(&la);
    if ((rc = audit_leases(app, &rep->c[2], err)) < 0)
        return rc;
    return audit_domains(app, &rep->c[3], err);
}

int audit_run(struct app *app, struct audit_report *rep, struct rm_err *err)
{
    static const char *const ids[AUDIT_NCHECKS] = {"I1", "I2", "I3", "I4",
                                                   "I5"};
    static const char *const what[AUDIT_NCHECKS] = {
        "every balance equals the sum of its ledger entries",
        "every operation has exactly the ledger legs its state requires",
        "no operation sits in new or sending without a live lease",
        ("every active domain has a succeeded operation, an import or a "
         "late completion"),
        "the legs of every posting sum to zero",
    };
    struct audit_unit u = {app, rep};

    memset(rep, 0, sizeof *rep);
    for (int i = 0; i < AUDIT_NCHECKS; i++) {
        rep->c[i].id = ids[i];
        rep->c[i].what = what[i];
        buf_init(&rep->c[i].detail);
    }
    return store_tx(app->st, STORE_TX_READ, audit_unit, &u, err);
}

bool audit_ok(const struct audit_report *rep)
{
    for (int i = 0; i < AUDIT_NCHECKS; i++)
        if (rep->c[i].bad)
            return false;
    return true;
}

void audit_release(struct audit_report *rep)
{
    for (int i = 0; i < AUDIT_NCHECKS; i++)
        buf_release(&rep->c[i].detail);
}
