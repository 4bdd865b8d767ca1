/*
 * domview - domain rows as the API and the CLI show them (contract in
 * domview.h).
 */
#include "core/domview.h"

#include <string.h>

#include "core/reseller.h"

/* The one-year renewal price the domain's owner pays: the TLD's, or for a
 * reseller's customer the reseller's (its price, else its markup over
 * wholesale rounded up; never below wholesale; core/reseller.c), where
 * the wholesale is the provider's price, else its rule over the
 * registrar's renewal cost on the TLD's connection
 * (reseller_wholesale_of); -1 when not sold. One SELECT for both
 * backends: y holds the wholesale, x the retail over it. */
#define RENEW_1Y                                                               \
    "COALESCE(CASE WHEN a.reseller_id IS NULL THEN (SELECT p.amount FROM "     \
    "tld_prices p WHERE p.tld = d.tld AND p.operation = 'renew' AND p.term = " \
    "1) ELSE (SELECT CASE WHEN x.retail >= x.w THEN x.retail END FROM "        \
    "(SELECT y.w AS w, COALESCE((SELECT rp.amount FROM reseller_prices rp "    \
    "WHERE rp.reseller_id = a.reseller_id AND rp.tld = d.tld AND "             \
    "rp.operation = 'renew' AND rp.term = 1), (SELECT (y.w * (10000 + "        \
    "r.markup_bp) + 9999) / 10000 FROM accounts r WHERE r.id = "               \
    "a.reseller_id AND r.markup_bp IS NOT NULL)) AS retail FROM (SELECT "      \
    "COALESCE((SELECT w.amount FROM wholesale_prices w WHERE w.tld = d.tld "   \
    "AND w.operation = 'renew' AND w.term = 1), (SELECT " RESELLER_RULE_SQL    \
    " FROM wholesale_rule wr JOIN tlds tc ON tc.tld = d.tld JOIN "             \
    "registrar_prices rgp ON rgp.connection_id = tc.connection_id AND "        \
    "rgp.tld = tc.tld AND rgp.reg_type = 'renewal' AND rgp.period = 1 WHERE "  \
    "wr.id = 1)) AS w) y WHERE y.w IS NOT NULL) x) END, -1)"

#define DOM_COLS                                                               \
    "d.id, d.name, d.unicode_name, d.tld, d.status, "                          \
    "COALESCE(d.expires_at, 0), d.auto_renew, d.account_id, a.name, "          \
    "d.connection_id, c.title, d.created_at, d.updated_at, "                   \
    "COALESCE(t.poll_interval_s, c.poll_interval_s), c.warn_days, "            \
    "c.renew_days, (SELECT o.state FROM operations o WHERE o.domain_id = "     \
    "d.id AND o.kind = 'renew' AND o.idempotency_key LIKE 'autorenew:' || "    \
    "CAST(d.id AS TEXT) || ':' || CAST(d.expires_at AS TEXT) || ':%' "         \
    "ORDER BY o.id DESC LIMIT 1), COALESCE(d.away_status, ''), "               \
    "COALESCE(d.away_seen_at, 0), COALESCE(te.grace_days, -1), "               \
    "COALESCE(te.redemption_days, -1), COALESCE(te.pending_delete_days, -1), " \
    "COALESCE(te.grace_fee, 0), COALESCE(te.restore_fee, -1), "                \
    "COALESCE(d.grace_end_at, 0), COALESCE(d.redemption_end_at, 0), "          \
    "COALESCE(d.delete_at, 0), " RENEW_1Y " FROM domains d "                   \
    "JOIN accounts a ON a.id = d.account_id JOIN registrar_connections c ON "  \
    "c.id = d.connection_id LEFT JOIN tlds t ON t.tld = d.tld AND "            \
    "t.connection_id = d.connection_id LEFT JOIN tlds te ON te.tld = d.tld "

#define DAY_S 86400

static const char *txt(struct store_stmt *s, int col)
{
    const char *v = store_col_text(s, col);
    return v ? v : "";
}

bool domview_live(const char *st)
{
    return strcmp(st, "failed") != 0 && strcmp(st, "cancelled") != 0 &&
           strcmp(st, "transferred_away") != 0 && strcmp(st, "deleted") != 0;
}

const char *domview_needs_action(const struct dom_view *v, int64_t now)
{
    const char *st = v->status, *last = v->last_autorenew;
    int64_t exp = v->expires_at, warn = v->warn_days, renew = v->renew_days;
    bool autorenew = v->auto_renew;
    if (st && strcmp(st, "redemption") == 0)
        return v->expiry.restore_fee >= 0 ? "redemption" : NULL;
    if (!st || (strcmp(st, "active") != 0 && strcmp(st, "expired") != 0))
        return NULL;
    if (autorenew && last &&
        (strcmp(last, "failed") == 0 || strcmp(last, "timed_out") == 0 ||
         strcmp(last, "cancelled") == 0))
        return "autorenew_failed";
    if (autorenew && exp > 0 && exp > now && now > exp - renew * DAY_S + DAY_S)
        return "autorenew_failed";
    if (strcmp(st, "expired") == 0 || (exp > 0 && exp <= now))
        return "expired";
    if (!autorenew && exp > 0 && exp - now <= warn * DAY_S)
        return "expiring";
    return NULL;
}

void domview_expiry(const struct dom_view *v, struct tld_expiry *out)
{
    tld_expiry_dates_cfg(&v->expiry, v->expires_at, out);
    if (v->grace_end_at > 0)
        out->renewable_until = v->grace_end_at;
    if (v->redemption_end_at > 0 && v->expiry.restore_fee >= 0)
        out->restorable_until = v->redemption_end_at;
    if (v->delete_at > 0)
        out->deleted_after = v->delete_at;
}

static void dom_row(struct store_stmt *s, struct dom_view *v)
{
    v->id = store_col_int64(s, 0);
    v->name = txt(s, 1);
    v->unicode_name = txt(s, 2);
    v->tld = txt(s, 3);
    v->status = txt(s, 4);
    v->expires_at = store_col_int64(s, 5);
    v->auto_renew = store_col_int64(s, 6) != 0;
    v->account_id = store_col_int64(s, 7);
    v->account = txt(s, 8);
    v->connection_id = store_col_int64(s, 9);
    v->connection = txt(s, 10);
    v->created_at = store_col_int64(s, 11);
    v->updated_at = store_col_int64(s, 12);
    v->check_interval_s = store_col_int64(s, 13);
    v->warn_days = store_col_int64(s, 14);
    v->renew_days = store_col_int64(s, 15);
    v->last_autorenew = store_col_text(s, 16);
    v->away_status = txt(s, 17);
    v->away_seen_at = store_col_int64(s, 18);
    tld_expiry_resolve(v->tld, (int)store_col_int64(s, 19),
                       (int)store_col_int64(s, 20), (int)store_col_int64(s, 21),
                       store_col_int64(s, 22), store_col_int64(s, 23),
                       &v->expiry);
    v->grace_end_at = store_col_int64(s, 24);
    v->redemption_end_at = store_col_int64(s, 25);
    v->delete_at = store_col_int64(s, 26);
    v->renew_price = store_col_int64(s, 27);
}

static int run_doms(struct store_stmt *s, dom_view_fn fn, void *arg,
                    struct rm_err *err)
{
    int rc;
    while ((rc = store_step(s, err)) == STORE_ROW) {
        struct dom_view v;
        dom_row(s, &v);
        fn(&v, arg);
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int domview_list(struct app *app, const struct domview_filter *f,
                 const struct view_page *p, dom_view_fn fn, void *arg,
                 struct rm_err *err)
{
#define DEAD "('failed', 'cancelled', 'transferred_away', 'deleted')"
    static const char sql[] =
        "SELECT " DOM_COLS "WHERE (? = 0 OR d.account_id = ?) AND "
        "(CAST(? AS TEXT) IS NULL OR d.status = ?) AND (CAST(? AS TEXT) IS "
        "NULL OR d.name LIKE ?) AND (? = 0 OR d.status NOT IN " DEAD ") AND "
        "(? = 0 OR (d.status IN " DEAD " AND NOT EXISTS (SELECT 1 FROM "
        "domains d2 WHERE d2.name = d.name AND d2.account_id = d.account_id "
        "AND (d2.status NOT IN " DEAD " OR d2.id > d.id)))) AND (? = 0 OR "
        "(d.expires_at IS NOT NULL AND d.expires_at < ?)) AND (? = 0 OR "
        "d.id < ?) ORDER BY d.id DESC LIMIT ? OFFSET ?";
#undef DEAD
    struct store_stmt *s;
    int rc = store_prepare(app->st, sql, &s, err);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, f->account_id);
    store_bind_int64(s, 2, f->account_id);
    store_bind_text(s, 3, f->status);
    store_bind_text(s, 4, f->status);
    store_bind_text(s, 5, f->like);
    store_bind_text(s, 6, f->like);
    store_bind_int64(s, 7, f->live);
    store_bind_int64(s, 8, f->dead);
    store_bind_int64(s, 9, f->expires_before);
    store_bind_int64(s, 10, f->expires_before);
    view_bind_page(s, 11, p);
    return run_doms(s, fn, arg, err);
}

int domview_by_name(struct app *app, const char *ascii, int64_t account_id,
                    dom_view_fn fn, void *arg, struct rm_err *err)
{
    /* the rows of one name come in index order (domains_name ends in the
     * id), where an ORDER BY on liveness made SQLite sort them on every
     * call */
    static const char sql[] =
        "SELECT " DOM_COLS "WHERE d.name = ? AND (? = 0 OR d.account_id = ?) "
        "ORDER BY d.id DESC";
    struct store_stmt *s;
    int rc = store_prepare(app->st, sql, &s, err);
    if (rc < 0)
        return rc;
    store_bind_text(s, 1, ascii);
    store_bind_int64(s, 2, account_id);
    store_bind_int64(s, 3, account_id);
    return run_doms(s, fn, arg, err);
}

int domview_all(struct app *app, int64_t account_id, const char *status,
                const char *name, dom_view_fn fn, void *arg, struct rm_err *err)
{
    static const char sql[] =
        "SELECT " DOM_COLS "WHERE (? = 0 OR d.account_id = ?) AND "
        "(CAST(? AS TEXT) IS NULL OR d.status = ?) AND (CAST(? AS TEXT) IS "
        "NULL OR d.name = ?) ORDER BY d.name COLLATE \"C\", d.id";
    struct store_stmt *s;
    int rc = store_prepare(app->st, sql, &s, err);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, account_id);
    store_bind_int64(s, 2, account_id);
    store_bind_text(s, 3, status);
    store_bind_text(s, 4, status);
    store_bind_text(s, 5, name);
    store_bind_text(s, 6, name);
    return run_doms(s, fn, arg, err);
}
