/*
 * bulk - one action on many domains (contract and invariants in bulk.h).
 */
#include "core/bulk.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/account.h"
#include "core/domchange.h"
#include "core/jobq.h"
#include "core/lifecycle.h"
#include "core/money.h"
#include "core/ops.h"
#include "core/tld.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"

static const char *const action_names[] = {
    [BULK_RENEW] = "renew",
    [BULK_NS] = "ns",
    [BULK_LOCK] = "lock",
    [BULK_UNLOCK] = "unlock",
    [BULK_AUTO_RENEW_ON] = "auto-renew-on",
    [BULK_AUTO_RENEW_OFF] = "auto-renew-off",
};
#define N_ACTIONS (sizeof action_names / sizeof action_names[0])

int bulk_action_parse(const char *s, enum bulk_action *out, struct rm_err *err)
{
    for (size_t i = 0; s && i < N_ACTIONS; i++)
        if (strcmp(s, action_names[i]) == 0) {
            *out = (enum bulk_action)i;
            return 0;
        }
    return rm_err_set(err, RM_EINVAL,
                      "action: renew, ns, lock, unlock, auto-renew-on or "
                      "auto-renew-off");
}

const char *bulk_action_name(enum bulk_action a)
{
    return (size_t)a < N_ACTIONS ? action_names[a] : "?";
}

/* The item's state as it reads now: a pending renewal whose operation
 * ended reads as that end (the Async Manager settled it). */
#define ITEM_STATE                                                             \
    "CASE WHEN i.state = 'pending' AND o.state = 'succeeded' THEN "            \
    "'succeeded' WHEN i.state = 'pending' AND o.state IN ('failed', "          \
    "'timed_out', 'cancelled') THEN 'failed' ELSE i.state END"

/* --- the selection ------------------------------------------------------ */

struct sel {
    char (*names)[NAME_MAX_ASCII + 1];
    int64_t *domain_id; /* 0: fails "no such domain" */
    size_t n, cap;
    char ns[REG_NS_MAX * (NAME_MAX_ASCII + 1) + 1]; /* comma-separated */
    char args[BULK_ARGS_MAX];
    int term;
    int64_t scope_id; /* the customer's account, 0 for the admin */
    char scope[ACCOUNT_NAME_MAX + 1];
};

static void sel_release(struct sel *s)
{
    free(s->names);
    free(s->domain_id);
    memset(s, 0, sizeof *s);
}

/* sel_add - name (ascii) once; RM_ELIMIT past BULK_MAX_ITEMS. */
static int sel_add(struct sel *s, const char *name, struct rm_err *err)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->names[i], name) == 0)
            return 0;
    if (s->n == BULK_MAX_ITEMS)
        return rm_err_set(err, RM_ELIMIT, "at most %d domains in one run",
                          BULK_MAX_ITEMS);
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->names = xrealloc(s->names, s->cap * sizeof *s->names);
        s->domain_id = xrealloc(s->domain_id, s->cap * sizeof *s->domain_id);
    }
    snprintf(s->names[s->n], sizeof s->names[s->n], "%s", name);
    s->domain_id[s->n++] = 0;
    return 0;
}

/* json_str - append "s" (JSON-escaped) to buf. */
static void json_str(char *buf, size_t n, const char *s)
{
    size_t len = strlen(buf);

    if (len + 1 >= n)
        return;
    buf[len++] = '"';
    for (; *s && len + 7 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf[len++] = '\\';
            buf[len++] = (char)c;
        } else if (c < 0x20) {
            len += (size_t)snprintf(buf + len, n - len, "\\u%04x", c);
        } else {
            buf[len++] = (char)c;
        }
    }
    buf[len++] = '"';
    buf[len] = '\0';
}

static void cat(char *buf, size_t n, const char *s)
{
    size_t len = strlen(buf);
    snprintf(buf + len, n - len, "%s", s);
}

/* resolve - which selected names the run may touch: a live domain here,
 * and for a customer's run one of its own (else domain_id stays 0). */
static int resolve(struct app *app, struct sel *s, struct rm_err *err)
{
    static const char sql[] =
        "SELECT id, account_id FROM domains WHERE name = ? AND status NOT IN "
        "('failed', 'cancelled', 'transferred_away', 'deleted')";
    struct store_stmt *st;
    int rc;

    for (size_t i = 0; i < s->n; i++) {
        if ((rc = store_prepare(app->st, sql, &st, err)) < 0)
            return rc;
        store_bind_text(st, 1, s->names[i]);
        rc = store_step(st, err);
        if (rc == STORE_ROW &&
            (!s->scope_id || store_col_int64(st, 1) == s->scope_id))
            s->domain_id[i] = store_col_int64(st, 0);
        store_stmt_release(st);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* by_account - every active or expired domain of the filter's account
 * (of tld when given), by name. */
static int by_account(struct app *app, const struct bulk_req *r, struct sel *s,
                      struct rm_err *err)
{
    static const char sql[] =
        "SELECT name FROM domains WHERE account_id = ? AND status IN "
        "('active', 'expired') AND (? = '' OR tld = ?) ORDER BY name "
        "COLLATE \"C\"";
    struct account a;
    struct store_stmt *st;
    char tld[NAME_MAX_ASCII + 1] = "";
    int rc;

    if ((rc = account_get(app, r->account, &a, err)) < 0)
        return rc == RM_ENOTFOUND
                   ? rm_err_set(err, RM_ENOTFOUND, "no such account: %s",
                                r->account)
                   : rc;
    if (s->scope_id && a.id != s->scope_id)
        return rm_err_set(err, RM_ENOTFOUND, "no such account: %s", r->account);
    if (r->tld && *r->tld &&
        (rc = tld_normalize(r->tld, tld, sizeof tld, err)) < 0)
        return rc;
    if ((rc = store_prepare(app->st, sql, &st, err)) < 0)
        return rc;
    store_bind_int64(st, 1, a.id);
    store_bind_text(st, 2, tld);
    store_bind_text(st, 3, tld);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        const char *n = store_col_text(st, 0);
        if ((rc = sel_add(s, n ? n : "", err)) < 0)
            break;
    }
    store_stmt_release(st);
    if (rc < 0)
        return rc;
    cat(s->args, sizeof s->args, ", \"account\": ");
    json_str(s->args, sizeof s->args, a.name);
    if (tld[0]) {
        cat(s->args, sizeof s->args, ", \"tld\": ");
        json_str(s->args, sizeof s->args, tld);
    }
    if (!s->n)
        return rm_err_set(err, RM_EINVAL,
                          "account %s has no active domains%s%s", a.name,
                          tld[0] ? " in ." : "", tld);
    return 0;
}

/* select_req - check r and make its selection (nothing written). */
static int select_req(struct app *app, const struct bulk_req *r, struct sel *s,
                      struct rm_err *err)
{
    int rc;

    memset(s, 0, sizeof *s);
    if ((size_t)r->action >= N_ACTIONS)
        return rm_err_set(err, RM_EINVAL, "unknown action");
    if (r->scope) {
        struct account a;
        if ((rc = account_get(app, r->scope, &a, err)) < 0)
            return rc;
        s->scope_id = a.id;
        snprintf(s->scope, sizeof s->scope, "%s", a.name);
    }
    if ((r->n_names > 0) == (r->account != NULL))
        return rm_err_set(err, RM_EINVAL,
                          "choose the domains: a list of names or an account");
    if (r->tld && !r->account)
        return rm_err_set(err, RM_EINVAL, "a TLD narrows an account's domains");
    if (r->action != BULK_RENEW && r->term)
        return rm_err_set(err, RM_EINVAL, "a term is for renewals only");
    if (r->action != BULK_NS && r->n_nameservers)
        return rm_err_set(err, RM_EINVAL, "nameservers are for action ns");
    s->term = r->term ? r->term : 1;
    if (s->term < 1 || s->term > TLD_MAX_TERM)
        return rm_err_set(err, RM_EINVAL, "term: 1 to %d years", TLD_MAX_TERM);
    snprintf(s->args, sizeof s->args, "{\"action\": \"%s\"",
             bulk_action_name(r->action));
    if (r->action == BULK_RENEW)
        snprintf(s->args + strlen(s->args), sizeof s->args - strlen(s->args),
                 ", \"term\": %d", s->term);
    if (r->action == BULK_NS) {
        if (r->n_nameservers < REG_NS_MIN || r->n_nameservers > REG_NS_MAX)
            return rm_err_set(err, RM_EINVAL,
                              "nameservers: %d to %d host names", REG_NS_MIN,
                              REG_NS_MAX);
        cat(s->args, sizeof s->args, ", \"nameservers\": [");
        for (size_t i = 0; i < r->n_nameservers; i++) {
            struct name h;
            if (name_parse(r->nameservers[i], &h, err) < 0)
                return rm_err_set(err, RM_EINVAL,
                                  "nameservers: not a host name: %s",
                                  r->nameservers[i]);
            for (size_t k = 0; k < i; k++) {
                struct name o;
                if (name_parse(r->nameservers[k], &o, err) == 0 &&
                    strcmp(o.ascii, h.ascii) == 0)
                    return rm_err_set(err, RM_EINVAL,
                                      "nameservers: %s given twice", h.ascii);
            }
            if (i) {
                cat(s->ns, sizeof s->ns, ",");
                cat(s->args, sizeof s->args, ", ");
            }
            cat(s->ns, sizeof s->ns, h.ascii);
            json_str(s->args, sizeof s->args, h.ascii);
        }
        cat(s->args, sizeof s->args, "]");
    }
    if (r->account) {
        if ((rc = by_account(app, r, s, err)) < 0)
            return rc;
    } else {
        for (size_t i = 0; i < r->n_names; i++) {
            struct name nm;
            if (name_parse(r->names[i], &nm, err) < 0)
                return rm_err_set(err, RM_EINVAL, "not a domain name: %s (%s)",
                                  r->names[i], err->msg);
            if ((rc = sel_add(s, nm.ascii, err)) < 0)
                return rc;
        }
    }
    cat(s->args, sizeof s->args, "}");
    return resolve(app, s, err);
}

int bulk_plan(struct app *app, const struct bulk_req *r,
              void (*fn)(const char *domain, const char *why, void *arg),
              void *arg, struct rm_err *err)
{
    struct sel s;
    char why[NAME_MAX_ASCII + 32];
    int rc = select_req(app, r, &s, err);

    if (rc >= 0)
        for (size_t i = 0; i < s.n; i++) {
            snprintf(why, sizeof why, "no such domain: %s", s.names[i]);
            fn(s.names[i], s.domain_id[i] ? NULL : why, arg);
        }
    sel_release(&s);
    return rc < 0 ? rc : 0;
}

/* --- creating a run ----------------------------------------------------- */

struct create_tx {
    const struct bulk_req *r;
    const struct sel *s;
    int64_t id;
};

static int create_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char run_sql[] =
        "INSERT INTO bulk_runs (action, args, term, nameservers, actor, "
        "account_id, state, total, created_at) VALUES (?, ?, ?, ?, ?, ?, "
        "'running', ?, ?) RETURNING id";
    static const char item_sql[] =
        "INSERT INTO bulk_items (run_id, position, domain, domain_id, state, "
        "answer) VALUES (?, ?, ?, ?, ?, ?)";
    struct create_tx *x = arg;
    struct store_stmt *s;
    char actor[ACCOUNT_NAME_MAX + 16], why[NAME_MAX_ASCII + 32], key[48];
    int64_t now = clock_now();
    int rc;

    if (x->s->scope_id)
        snprintf(actor, sizeof actor, "account:%s", x->s->scope);
    else
        snprintf(actor, sizeof actor, "admin");
    if ((rc = store_prepare(st, run_sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, bulk_action_name(x->r->action));
    store_bind_text(s, 2, x->s->args);
    store_bind_int64(s, 3, x->r->action == BULK_RENEW ? x->s->term : 0);
    store_bind_text(s, 4, x->s->ns);
    store_bind_text(s, 5, actor);
    if (x->s->scope_id)
        store_bind_int64(s, 6, x->s->scope_id);
    else
        store_bind_null(s, 6);
    store_bind_int64(s, 7, (int64_t)x->s->n);
    store_bind_int64(s, 8, now);
    if ((rc = store_step(s, err)) == STORE_ROW)
        x->id = store_col_int64(s, 0);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < x->s->n; i++) {
        if ((rc = store_prepare(st, item_sql, &s, err)) < 0)
            return rc;
        snprintf(why, sizeof why, "no such domain: %s", x->s->names[i]);
        store_bind_int64(s, 1, x->id);
        store_bind_int64(s, 2, (int64_t)i + 1);
        store_bind_text(s, 3, x->s->names[i]);
        if (x->s->domain_id[i])
            store_bind_int64(s, 4, x->s->domain_id[i]);
        else
            store_bind_null(s, 4);
        store_bind_text(s, 5, x->s->domain_id[i] ? "queued" : "failed");
        store_bind_text(s, 6, x->s->domain_id[i] ? "" : why);
        rc = store_step(s, err);
        store_stmt_release(s);
        if (rc < 0)
            return rc;
    }
    if (x->r->enqueue) {
        snprintf(key, sizeof key, "run:%" PRId64, x->id);
        char payload[32];
        snprintf(payload, sizeof payload, "%" PRId64, x->id);
        if ((rc = jobq_insert(st, BULK_JOB_KIND, key, payload, now, now, NULL,
                              err)) < 0)
            return rc;
    }
    return 0;
}

int bulk_create(struct app *app, const struct bulk_req *r, int64_t *id,
                struct rm_err *err)
{
    struct sel s;
    struct create_tx x = {r, &s, 0};
    int rc;

    *id = 0;
    if ((rc = select_req(app, r, &s, err)) >= 0 &&
        (rc = store_tx(app->st, STORE_TX_WRITE, create_fn, &x, err)) >= 0) {
        *id = x.id;
        rm_log(LOG_INFO, "bulk %" PRId64 ": %s of %zu domains created", x.id,
               bulk_action_name(r->action), s.n);
    }
    sel_release(&s);
    return rc < 0 ? rc : 0;
}

/* --- reading runs ------------------------------------------------------- */

#define RUN_COLS                                                               \
    "SELECT r.id, COALESCE(r.account_id, 0), r.total, r.created_at, "          \
    "COALESCE(r.finished_at, 0), r.action, r.state, r.actor, r.args, "         \
    "CAST(COALESCE(SUM(CASE WHEN " ITEM_STATE " = 'queued' THEN 1 ELSE 0 "     \
    "END), 0) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN " ITEM_STATE             \
    " = 'running' THEN 1 ELSE 0 END), 0) AS BIGINT), "                         \
    "CAST(COALESCE(SUM(CASE WHEN " ITEM_STATE " = 'succeeded' THEN 1 ELSE 0 "  \
    "END), 0) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN " ITEM_STATE             \
    " = 'failed' THEN 1 ELSE 0 END), 0) AS BIGINT), "                          \
    "CAST(COALESCE(SUM(CASE WHEN " ITEM_STATE " = 'unknown' THEN 1 ELSE 0 "    \
    "END), 0) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN " ITEM_STATE             \
    " = 'pending' THEN 1 ELSE 0 END), 0) AS BIGINT) FROM bulk_runs r LEFT "    \
    "JOIN bulk_items i ON i.run_id = r.id LEFT JOIN operations o ON o.id = "   \
    "i.operation_id "

static void cpy(char *dst, size_t n, struct store_stmt *s, int col)
{
    const char *t = store_col_text(s, col);
    snprintf(dst, n, "%s", t ? t : "");
}

static void run_from(struct store_stmt *s, struct bulk_run *r)
{
    memset(r, 0, sizeof *r);
    r->id = store_col_int64(s, 0);
    r->account_id = store_col_int64(s, 1);
    r->total = store_col_int64(s, 2);
    r->created_at = store_col_int64(s, 3);
    r->finished_at = store_col_int64(s, 4);
    cpy(r->action, sizeof r->action, s, 5);
    cpy(r->state, sizeof r->state, s, 6);
    cpy(r->actor, sizeof r->actor, s, 7);
    cpy(r->args, sizeof r->args, s, 8);
    r->queued = store_col_int64(s, 9);
    r->running = store_col_int64(s, 10);
    r->succeeded = store_col_int64(s, 11);
    r->failed = store_col_int64(s, 12);
    r->unknown = store_col_int64(s, 13);
    r->pending = store_col_int64(s, 14);
}

void bulk_run_release(struct bulk_run *r)
{
    free(r->items);
    r->items = NULL;
    r->n_items = 0;
}

static int scope_id(struct app *app, const char *scope, int64_t *id,
                    struct rm_err *err)
{
    struct account a;
    int rc;

    *id = 0;
    if (!scope)
        return 0;
    if ((rc = account_get(app, scope, &a, err)) < 0)
        return rc;
    *id = a.id;
    return 0;
}

static int load_items(struct app *app, struct bulk_run *r, struct rm_err *err)
{
    static const char sql[] =
        "SELECT i.id, i.position, COALESCE(i.operation_id, 0), "
        "COALESCE(i.change_id, 0), COALESCE(i.started_at, 0), "
        "COALESCE(i.finished_at, 0), i.domain, " ITEM_STATE ", i.answer "
        "FROM bulk_items i LEFT JOIN operations o ON o.id = i.operation_id "
        "WHERE i.run_id = ? ORDER BY i.position";
    struct store_stmt *s;
    size_t cap = 0;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, r->id);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        if (r->n_items == cap) {
            cap = cap ? cap * 2 : 16;
            r->items = xrealloc(r->items, cap * sizeof *r->items);
        }
        struct bulk_item *it = &r->items[r->n_items++];
        memset(it, 0, sizeof *it);
        it->id = store_col_int64(s, 0);
        it->position = store_col_int64(s, 1);
        it->operation_id = store_col_int64(s, 2);
        it->change_id = store_col_int64(s, 3);
        it->started_at = store_col_int64(s, 4);
        it->finished_at = store_col_int64(s, 5);
        cpy(it->domain, sizeof it->domain, s, 6);
        cpy(it->state, sizeof it->state, s, 7);
        cpy(it->answer, sizeof it->answer, s, 8);
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int bulk_get(struct app *app, int64_t id, const char *scope, bool items,
             struct bulk_run *out, struct rm_err *err)
{
    static const char sql[] = RUN_COLS "WHERE r.id = ? AND (? = 0 OR "
                                       "r.account_id = ?) GROUP BY r.id";
    struct store_stmt *s;
    int64_t sid;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = scope_id(app, scope, &sid, err)) < 0)
        return rc;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, id);
    store_bind_int64(s, 2, sid);
    store_bind_int64(s, 3, sid);
    if ((rc = store_step(s, err)) == STORE_ROW)
        run_from(s, out);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (rc != STORE_ROW)
        return rm_err_set(err, RM_ENOTFOUND, "no such bulk run: %" PRId64, id);
    if (items && (rc = load_items(app, out, err)) < 0) {
        bulk_run_release(out);
        return rc;
    }
    return 0;
}

int bulk_list(struct app *app, const char *scope, int limit,
              int (*fn)(const struct bulk_run *r, void *arg), void *arg,
              struct rm_err *err)
{
    static const char sql[] = RUN_COLS "WHERE (? = 0 OR r.account_id = ?) "
                                       "GROUP BY r.id ORDER BY r.id DESC "
                                       "LIMIT ?";
    struct store_stmt *s;
    struct bulk_run *v = NULL;
    size_t n = 0, cap = 0;
    int64_t sid;
    int rc;

    if ((rc = scope_id(app, scope, &sid, err)) < 0)
        return rc;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, sid);
    store_bind_int64(s, 2, sid);
    store_bind_int64(s, 3, limit > 0 ? limit : 100);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            v = xrealloc(v, cap * sizeof *v);
        }
        run_from(s, &v[n++]);
    }
    store_stmt_release(s);
    for (size_t i = 0; rc >= 0 && i < n; i++)
        if (fn(&v[i], arg))
            break;
    free(v);
    return rc < 0 ? rc : 0;
}

/* --- working a run ------------------------------------------------------ */

/* What every item of the run is done with. */
struct run_ctx {
    int64_t id;
    enum bulk_action action;
    int term;
    char state[16];
    char scope[ACCOUNT_NAME_MAX + 1]; /* "" for the admin */
    char nsbuf[REG_NS_MAX * (NAME_MAX_ASCII + 1) + 1];
    const char *ns[REG_NS_MAX];
    size_t n_ns;
};

static int run_load(struct app *app, int64_t id, struct run_ctx *c,
                    struct rm_err *err)
{
    static const char sql[] =
        "SELECT r.action, r.term, r.nameservers, r.state, "
        "COALESCE(a.name, '') FROM bulk_runs r LEFT JOIN accounts a ON a.id "
        "= r.account_id WHERE r.id = ?";
    struct store_stmt *s;
    char action[16] = "";
    int rc;

    memset(c, 0, sizeof *c);
    c->id = id;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, id);
    if ((rc = store_step(s, err)) == STORE_ROW) {
        cpy(action, sizeof action, s, 0);
        c->term = (int)store_col_int64(s, 1);
        cpy(c->nsbuf, sizeof c->nsbuf, s, 2);
        cpy(c->state, sizeof c->state, s, 3);
        cpy(c->scope, sizeof c->scope, s, 4);
    }
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (rc != STORE_ROW)
        return rm_err_set(err, RM_ENOTFOUND, "no such bulk run: %" PRId64, id);
    if ((rc = bulk_action_parse(action, &c->action, err)) < 0)
        return rc;
    char *save = NULL;
    for (char *t = strtok_r(c->nsbuf, ",", &save); t && c->n_ns < REG_NS_MAX;
         t = strtok_r(NULL, ",", &save))
        c->ns[c->n_ns++] = t;
    return 0;
}

struct claim_tx {
    int64_t run_id, now;
    const char *owner;
    bool got;
    struct bulk_item it;
    int64_t domain_id;
};

/* claim_fn - the next queued item, taken by one conditional UPDATE (B1). */
static int claim_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char pick[] =
        "SELECT id, position, domain, COALESCE(domain_id, 0) FROM bulk_items "
        "WHERE run_id = ? AND state = 'queued' ORDER BY position LIMIT 1 "
        "FOR UPDATE SKIP LOCKED";
    static const char take[] =
        "UPDATE bulk_items SET state = 'running', lease_owner = ?, "
        "lease_expires_at = ?, started_at = ? WHERE id = ? AND state = "
        "'queued'";
    struct claim_tx *x = arg;
    struct store_stmt *s;
    int rc;

    x->got = false;
    memset(&x->it, 0, sizeof x->it);
    if ((rc = store_prepare(st, pick, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, x->run_id);
    if ((rc = store_step(s, err)) == STORE_ROW) {
        x->it.id = store_col_int64(s, 0);
        x->it.position = store_col_int64(s, 1);
        cpy(x->it.domain, sizeof x->it.domain, s, 2);
        x->domain_id = store_col_int64(s, 3);
    }
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (rc != STORE_ROW)
        return 0;
    if ((rc = store_prepare(st, take, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, x->owner);
    store_bind_int64(s, 2, x->now + BULK_LEASE_S);
    store_bind_int64(s, 3, x->now);
    store_bind_int64(s, 4, x->it.id);
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (store_changes(st) != 1)
        return RM_ECONFLICT; /* taken under us: pick again */
    x->got = true;
    x->it.started_at = x->now;
    snprintf(x->it.state, sizeof x->it.state, "running");
    return 0;
}

struct finish_tx {
    const struct bulk_item *it;
    const char *owner; /* who must still hold it */
    bool requeue;
    int64_t changed;
};

/* finish_fn - the item's outcome, only while owner holds it (B1, B2). */
static int finish_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char done[] =
        "UPDATE bulk_items SET state = ?, operation_id = ?, change_id = ?, "
        "answer = ?, finished_at = ?, lease_owner = NULL, lease_expires_at = "
        "NULL WHERE id = ? AND state = 'running' AND lease_owner = ?";
    static const char again[] =
        "UPDATE bulk_items SET state = 'queued', lease_owner = NULL, "
        "lease_expires_at = NULL, started_at = NULL WHERE id = ? AND state = "
        "'running' AND lease_owner = ?";
    struct finish_tx *x = arg;
    struct store_stmt *s;
    int rc;

    if (x->requeue) {
        if ((rc = store_prepare(st, again, &s, err)) < 0)
            return rc;
        store_bind_int64(s, 1, x->it->id);
        store_bind_text(s, 2, x->owner);
    } else {
        if ((rc = store_prepare(st, done, &s, err)) < 0)
            return rc;
        store_bind_text(s, 1, x->it->state);
        if (x->it->operation_id)
            store_bind_int64(s, 2, x->it->operation_id);
        else
            store_bind_null(s, 2);
        if (x->it->change_id)
            store_bind_int64(s, 3, x->it->change_id);
        else
            store_bind_null(s, 3);
        store_bind_text(s, 4, x->it->answer);
        store_bind_int64(s, 5, x->it->finished_at);
        store_bind_int64(s, 6, x->it->id);
        store_bind_text(s, 7, x->owner);
    }
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    x->changed = store_changes(st);
    return 0;
}

/* say - the item's answer (cut to fit). */
__attribute__((format(printf, 2, 3))) static void say(struct bulk_item *it,
                                                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->answer, sizeof it->answer, fmt, ap);
    va_end(ap);
}

static void set_state(struct bulk_item *it, const char *state)
{
    snprintf(it->state, sizeof it->state, "%s", state);
}

/* not_found_words - "no such domain" whatever the call said. */
static void failed_with(struct bulk_item *it, int rc, const struct rm_err *e)
{
    set_state(it, "failed");
    if (rc == RM_ENOTFOUND)
        say(it, "no such domain: %s", it->domain);
    else
        say(it, "%s", e->msg);
}

static void from_change(struct bulk_item *it, const struct domchange_result *r)
{
    it->change_id = r->id;
    set_state(it, r->state);
    say(it, "%s", r->answer);
}

/* act - run the item's action (the existing core call). */
static void act(struct app *app, const struct run_ctx *c, struct bulk_item *it)
{
    struct domchange_who who = {c->scope[0] ? c->scope : NULL};
    struct domchange_result dr;
    struct ops_result orr;
    struct rm_err e;
    int rc;

    rm_err_clear(&e);
    switch (c->action) {
    case BULK_RENEW: {
        /* keyed by the item: a run cut short finds its operation by the
         * key (resolve_held), and it is never charged twice */
        char key[OPS_IDEM_MAX];
        snprintf(key, sizeof key, "bulk:%" PRId64 ":%" PRId64, c->id, it->id);
        rc = ops_renew_keyed(app, it->domain, who.account, c->term,
                             who.account ? NULL : "admin", key, &orr, &e);
    }
        if (rc < 0) {
            failed_with(it, rc, &e);
            break;
        }
        it->operation_id = orr.op_id;
        if (rc == OPS_SUCCEEDED) {
            char amount[32], until[16] = "?";
            time_t t = (time_t)orr.expires_at;
            struct tm tm;
            if (orr.expires_at && gmtime_r(&t, &tm))
                strftime(until, sizeof until, "%Y-%m-%d", &tm);
            set_state(it, "succeeded");
            say(it, "renewed for %d year%s, charged %s, expires %s", c->term,
                c->term == 1 ? "" : "s", money_format(orr.amount, amount),
                until);
        } else if (rc == OPS_PENDING) {
            set_state(it, "pending");
            say(it, "the registrar has not confirmed it yet%s%s",
                orr.reason[0] ? ": " : "", orr.reason);
        } else {
            set_state(it, "failed");
            say(it, "%s (refunded)",
                orr.reason[0] ? orr.reason : "the registrar refused");
        }
        break;
    case BULK_NS:
        rc = domchange_nameservers(app, &who, it->domain, c->ns, c->n_ns, &dr,
                                   &e);
        if (rc < 0)
            failed_with(it, rc, &e);
        else
            from_change(it, &dr);
        break;
    case BULK_LOCK:
    case BULK_UNLOCK:
        rc = domchange_lock(app, &who, it->domain, c->action == BULK_LOCK, &dr,
                            &e);
        if (rc < 0)
            failed_with(it, rc, &e);
        else
            from_change(it, &dr);
        break;
    case BULK_AUTO_RENEW_ON:
    case BULK_AUTO_RENEW_OFF:
        rc = lifecycle_set_auto_renew(app, it->domain, who.account,
                                      c->action == BULK_AUTO_RENEW_ON, &e);
        if (rc < 0) {
            failed_with(it, rc, &e);
        } else {
            set_state(it, "succeeded");
            say(it, "auto-renew %s",
                c->action == BULK_AUTO_RENEW_ON ? "on" : "off");
        }
        break;
    }
}

/* A running item as the sweep of abandoned ones sees it. */
struct held {
    struct bulk_item it;
    int64_t domain_id, lease_expires_at;
    char owner[160];
};

/* same_ns - do the hosts read back equal what the run asked (any order)? */
static bool same_ns(const struct run_ctx *c, const struct domchange_view *v)
{
    if (v->n_nameservers != c->n_ns)
        return false;
    for (size_t i = 0; i < c->n_ns; i++) {
        bool found = false;
        for (size_t k = 0; k < v->n_nameservers && !found; k++)
            found = strcasecmp(c->ns[i], v->nameservers[k]) == 0;
        if (!found)
            return false;
    }
    return true;
}

/* resolve_held - what an abandoned item recorded before its worker went
 * away (B2): its outcome in h->it, or *requeue when it recorded nothing. */
static int resolve_held(struct app *app, const struct run_ctx *c,
                        struct held *h, bool *requeue, struct rm_err *err)
{
    static const char op_sql[] =
        "SELECT id, state FROM operations WHERE domain_id = ? AND kind = "
        "'renew' AND idempotency_key = ?";
    static const char ch_sql[] =
        "SELECT id, state, COALESCE(answer, '') FROM domain_changes WHERE "
        "domain_id = ? AND kind = ? AND created_at >= ? ORDER BY id LIMIT 1";
    struct bulk_item *it = &h->it;
    struct store_stmt *s;
    char state[16] = "";
    int64_t rid = 0;
    int rc;

    *requeue = false;
    if (c->action == BULK_AUTO_RENEW_ON || c->action == BULK_AUTO_RENEW_OFF) {
        /* a flag in our own database, set in one transaction: nothing
         * was sent, so it is simply run (again) */
        *requeue = true;
        return 0;
    }
    bool renew = c->action == BULK_RENEW;
    if ((rc = store_prepare(app->st, renew ? op_sql : ch_sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, h->domain_id);
    if (renew) {
        char key[OPS_IDEM_MAX];
        snprintf(key, sizeof key, "bulk:%" PRId64 ":%" PRId64, c->id, it->id);
        store_bind_text(s, 2, key);
    } else {
        store_bind_text(s, 2, c->action == BULK_NS ? "nameservers" : "lock");
        store_bind_int64(s, 3, it->started_at);
    }
    if ((rc = store_step(s, err)) == STORE_ROW) {
        rid = store_col_int64(s, 0);
        cpy(state, sizeof state, s, 1);
        if (!renew)
            cpy(it->answer, sizeof it->answer, s, 2);
    }
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (!rid) {
        /* the action recorded nothing: nothing was charged or sent */
        *requeue = true;
        return 0;
    }
    it->finished_at = clock_now();
    if (renew) {
        enum ops_state os;
        it->operation_id = rid;
        if (ops_state_parse(state, &os) < 0)
            return rm_err_set(err, RM_EINTERNAL,
                              "operation %" PRId64 ": state %s", rid, state);
        enum ops_outcome o = ops_state_outcome(os);
        set_state(it, o == OPS_SUCCEEDED ? "succeeded"
                      : o == OPS_PENDING ? "pending"
                                         : "failed");
        say(it, "interrupted; its renewal (operation %" PRId64 ") is %s", rid,
            state);
        return 0;
    }
    it->change_id = rid;
    if (strcmp(state, "succeeded") == 0 || strcmp(state, "failed") == 0 ||
        strcmp(state, "unknown") == 0) {
        set_state(it, state);
        return 0;
    }
    if (strcmp(state, "new") == 0) {
        set_state(it, "failed");
        say(it, "interrupted before the change was sent (change %" PRId64 ")",
            rid);
        return 0;
    }
    /* sending: its answer was lost with the worker; read the domain back
     * (never send again) */
    struct domchange_who who = {c->scope[0] ? c->scope : NULL};
    struct domchange_view v;
    struct rm_err e;
    rm_err_clear(&e);
    if (domchange_read(app, &who, it->domain, false, &v, &e) < 0) {
        set_state(it, "unknown");
        say(it,
            "interrupted while sent (change %" PRId64
            "); the read-back failed: %s",
            rid, e.msg);
        return 0;
    }
    bool applied = c->action == BULK_NS ? same_ns(c, &v)
                                        : v.locked == (c->action == BULK_LOCK);
    set_state(it, applied ? "succeeded" : "failed");
    say(it, "interrupted while sent (change %" PRId64 "); read back: %s", rid,
        applied ? "applied" : "not applied");
    return 0;
}

/* sweep_held - resolve the run's items left running by workers that are
 * gone; *live counts those still held by live ones. */
static int sweep_held(struct app *app, const struct run_ctx *c,
                      const struct bulk_exec_opts *o, int *live,
                      struct rm_err *err)
{
    static const char sql[] =
        "SELECT id, position, domain, COALESCE(domain_id, 0), "
        "COALESCE(started_at, 0), COALESCE(lease_owner, ''), "
        "COALESCE(lease_expires_at, 0) FROM bulk_items WHERE run_id = ? AND "
        "state = 'running' ORDER BY position";
    struct store_stmt *s;
    struct held *v = NULL;
    size_t n = 0, cap = 0;
    int64_t now = clock_now();
    int rc;

    *live = 0;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, c->id);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            v = xrealloc(v, cap * sizeof *v);
        }
        struct held *h = &v[n];
        memset(h, 0, sizeof *h);
        h->it.id = store_col_int64(s, 0);
        h->it.position = store_col_int64(s, 1);
        cpy(h->it.domain, sizeof h->it.domain, s, 2);
        h->domain_id = store_col_int64(s, 3);
        h->it.started_at = store_col_int64(s, 4);
        cpy(h->owner, sizeof h->owner, s, 5);
        h->lease_expires_at = store_col_int64(s, 6);
        if (app_lease_live(app, h->owner, h->lease_expires_at, now))
            (*live)++;
        else
            n++;
    }
    store_stmt_release(s);
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        bool requeue;
        if ((rc = resolve_held(app, c, &v[i], &requeue, err)) < 0)
            break;
        struct finish_tx x = {&v[i].it, v[i].owner, requeue, 0};
        if ((rc = store_tx(app->st, STORE_TX_WRITE, finish_fn, &x, err)) < 0)
            break;
        if (!x.changed)
            continue; /* someone else resolved it first */
        rm_log(LOG_INFO, "bulk %" PRId64 ": %s left running by %s: %s", c->id,
               v[i].it.domain, v[i].owner,
               requeue ? "queued again (nothing recorded)" : v[i].it.state);
        if (!requeue && o && o->on_item)
            o->on_item(&v[i].it, o->arg);
    }
    free(v);
    return rc < 0 ? rc : 0;
}

/* close_fn - the run is done once nothing is queued or running (B3). */
static int close_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char sql[] =
        "UPDATE bulk_runs SET state = 'done', finished_at = ? WHERE id = ? "
        "AND state = 'running' AND NOT EXISTS (SELECT 1 FROM bulk_items WHERE "
        "run_id = ? AND state IN ('queued', 'running'))";
    const int64_t *id = arg;
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, clock_now());
    store_bind_int64(s, 2, *id);
    store_bind_int64(s, 3, *id);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int bulk_execute(struct app *app, int64_t id, const struct bulk_exec_opts *o,
                 struct rm_err *err)
{
    struct run_ctx c;
    int rc, live;

    if ((rc = run_load(app, id, &c, err)) < 0)
        return rc;
    if (strcmp(c.state, "done") == 0)
        return 1;
    for (;;) {
        if (o && o->keep_going && !o->keep_going(o->arg))
            return 0;
        if ((rc = sweep_held(app, &c, o, &live, err)) < 0)
            return rc;
        struct claim_tx x = {id, clock_now(), app->lease_owner, false, {0}, 0};
        if ((rc = store_tx(app->st, STORE_TX_WRITE, claim_fn, &x, err)) < 0)
            return rc;
        if (!x.got) {
            if (live) {
                if (!o || !o->wait_others)
                    return 0;
                pause_ms(200);
                continue;
            }
            if ((rc = store_tx(app->st, STORE_TX_WRITE, close_fn, &id, err)) <
                0)
                return rc;
            rm_log(LOG_INFO, "bulk %" PRId64 ": done", id);
            return 1;
        }
        act(app, &c, &x.it);
        x.it.finished_at = clock_now();
        struct finish_tx f = {&x.it, app->lease_owner, false, 0};
        if ((rc = store_tx(app->st, STORE_TX_WRITE, finish_fn, &f, err)) < 0)
            return rc;
        if (!f.changed)
            rm_log(LOG_WARN, "bulk %" PRId64 ": %s: the item was taken over",
                   id, x.it.domain);
        rm_log(LOG_INFO, "bulk %" PRId64 ": %s %s", id, x.it.domain,
               x.it.state);
        if (o && o->on_item)
            o->on_item(&x.it, o->arg);
    }
}
