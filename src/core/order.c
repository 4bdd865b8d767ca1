/*
 * order - placing orders (O1 in ops.c): validation, the funds, the one
 * creating transaction (domain row, operation row, charge) and the hand
 * over to the state machine; lookups and transfer status.
 */
#include "core/ops.h"
#include "core/ops_int.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/account.h"
#include "core/conn.h"
#include "core/ledger.h"
#include "core/lifecycle_int.h"
#include "core/money.h"
#include "core/reseller.h"
#include "core/tld.h"
#include "mail/mail.h"
#include "mail/template.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"

/* --- begin: validation and the one creating transaction ------------------ */

int ops_renewal_taken(struct app *app, int64_t domain_id, int64_t op_id,
                      int64_t expiry_year, bool *taken, struct rm_err *err)
{
    static const char sql[] =
        "SELECT CAST(COUNT(*) AS BIGINT) FROM operations WHERE domain_id = ? "
        "AND kind IN ('renew', 'restore') AND id <> ? AND expiry_year = ? AND "
        "(state = "
        "'succeeded' OR watch IN ('late', 'assigned', 'absorbed'))";
    struct store_stmt *s;
    int rc;

    *taken = false;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, domain_id);
    store_bind_int64(s, 2, op_id);
    store_bind_int64(s, 3, expiry_year);
    if ((rc = store_step(s, err)) == STORE_ROW)
        *taken = store_col_int64(s, 0) > 0;
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int ops_live_domain(struct app *app, const char *name, int64_t *id,
                    struct rm_err *err)
{
    static const char sql[] =
        "SELECT id FROM domains WHERE name = ? AND status NOT IN ('failed', "
        "'cancelled', 'transferred_away', 'deleted')";
    struct store_stmt *s;
    int rc;

    *id = 0;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, name);
    rc = store_step(s, err);
    if (rc == STORE_ROW)
        *id = store_col_int64(s, 0);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

struct begin_req {
    enum ops_kind kind;
    const struct name *name;
    const char *tld;
    int64_t account_id, connection_id, domain_id, term, amount;
    int64_t expiry_year;
    const char *reg_username, *reg_password_enc;
    const char *renew_from_status;
    const char *idem_key; /* operations.idempotency_key; NULL = none */
    const char *actor;    /* operations.actor */
    /* a reseller's customer: the reseller and its wholesale price */
    int64_t reseller_id, wholesale;
};

static int funds_refused(int rc, struct rm_err *err)
{
    /* keep the ledger's message; only the class changes */
    if (rc == RM_ELIMIT) {
        if (err)
            err->code = RM_EREFUSED;
        return RM_EREFUSED;
    }
    return rc;
}

struct begin_tx {
    struct app *app;
    struct begin_req *b;
    int64_t *op_id;
    int64_t now;
};

/* begin_fn - the unit of work of ops_begin. */
static int begin_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char sql_dom[] =
        "INSERT INTO domains (name, unicode_name, tld, account_id, "
        "connection_id, status, reg_username, reg_password_enc, created_at, "
        "updated_at, auto_renew) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "CASE WHEN EXISTS (SELECT 1 FROM accounts WHERE id = ? AND "
        "auto_renew = 1) OR EXISTS (SELECT 1 FROM registrar_connections "
        "WHERE id = ? AND renew_mode = 'auto') THEN 1 ELSE 0 END) "
        "RETURNING id";
    static const char sql_renew[] =
        "UPDATE domains SET status = ?, updated_at = ? WHERE id = ? AND "
        "status = ?";
    static const char sql_op[] =
        "INSERT INTO operations (kind, domain_id, account_id, "
        "connection_id, state, term, amount, expiry_year, created_at, "
        "lease_owner, lease_expires_at, idempotency_key, actor, reseller_id, "
        "wholesale) VALUES (?, ?, ?, ?, 'new', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "RETURNING id";
    struct begin_tx *x = arg;
    struct app *app = x->app;
    struct begin_req *b = x->b;
    int64_t *op_id = x->op_id;
    struct store_stmt *s;
    int64_t now = x->now, other;
    int rc;

    (void)st;
    if (ops_kind_renews(b->kind)) {
        if ((rc = store_prepare(app->st, sql_renew, &s, err)) < 0)
            goto out;
        store_bind_text(s, 1,
                        b->kind == OPS_K_RESTORE ? "restoring" : "renewing");
        store_bind_int64(s, 2, now);
        store_bind_int64(s, 3, b->domain_id);
        store_bind_text(s, 4, b->renew_from_status);
        rc = store_step(s, err);
        store_stmt_release(s);
        if (rc >= 0 && store_changes(app->st) != 1)
            rc = rm_err_set(err, RM_EREFUSED, "%s changed meanwhile; try again",
                            b->name->ascii);
        if (rc < 0)
            goto out;
    } else {
        if ((rc = ops_live_domain(app, b->name->ascii, &other, err)) < 0)
            goto out;
        if (other) {
            rc = rm_err_set(err, RM_EREFUSED,
                            "%s is already registered here or in progress "
                            "(domain %" PRId64 ")",
                            b->name->ascii, other);
            goto out;
        }
        if ((rc = store_prepare(app->st, sql_dom, &s, err)) < 0)
            goto out;
        store_bind_text(s, 1, b->name->ascii);
        store_bind_text(s, 2, b->name->unicode);
        store_bind_text(s, 3, b->tld);
        store_bind_int64(s, 4, b->account_id);
        store_bind_int64(s, 5, b->connection_id);
        store_bind_text(
            s, 6, b->kind == OPS_K_TRANSFER ? "transferring" : "registering");
        store_bind_text(s, 7, b->reg_username);
        store_bind_text(s, 8, b->reg_password_enc);
        store_bind_int64(s, 9, now);
        store_bind_int64(s, 10, now);
        store_bind_int64(s, 11, b->account_id);
        store_bind_int64(s, 12, b->connection_id);
        rc = store_step(s, err);
        if (rc == STORE_ROW)
            b->domain_id = store_col_int64(s, 0);
        store_stmt_release(s);
        if (rc < 0 && store_errkind(app->st) == STORE_ERR_UNIQUE)
            rc = rm_err_set(err, RM_EREFUSED, "%s is already in progress",
                            b->name->ascii);
        if (rc < 0)
            goto out;
    }
    if ((rc = store_prepare(app->st, sql_op, &s, err)) < 0)
        goto out;
    store_bind_text(s, 1, ops_kind_name(b->kind));
    store_bind_int64(s, 2, b->domain_id);
    store_bind_int64(s, 3, b->account_id);
    store_bind_int64(s, 4, b->connection_id);
    store_bind_int64(s, 5, b->term);
    store_bind_int64(s, 6, b->amount);
    if (b->expiry_year)
        store_bind_int64(s, 7, b->expiry_year);
    else
        store_bind_null(s, 7);
    store_bind_int64(s, 8, now);
    store_bind_text(s, 9, app->lease_owner);
    store_bind_int64(s, 10, now + app->set.lease_s);
    store_bind_text(s, 11, b->idem_key);
    store_bind_text(s, 12, b->actor);
    if (b->reseller_id) {
        store_bind_int64(s, 13, b->reseller_id);
        store_bind_int64(s, 14, b->wholesale);
    } else {
        store_bind_null(s, 13);
        store_bind_null(s, 14);
    }
    rc = store_step(s, err);
    if (rc == STORE_ROW)
        *op_id = store_col_int64(s, 0);
    store_stmt_release(s);
    if (rc < 0 && b->idem_key && store_errkind(app->st) == STORE_ERR_UNIQUE)
        rc = rm_err_set(err, RM_EREFUSED,
                        "%s: an operation with key %s exists already",
                        b->name->ascii, b->idem_key);
    if (rc < 0)
        goto out;
    if ((rc = ledger_charge(app->st, *op_id, now, err)) < 0) {
        rc = funds_refused(rc, err);
        goto out;
    }
out:
    return rc < 0 ? rc : 0;
}

/* ops_begin - O1: domain row (or its move to renewing), operation row and
 * charge in one transaction. */
static int ops_begin(struct app *app, struct begin_req *b, int64_t *op_id,
                     struct rm_err *err)
{
    struct begin_tx x = {app, b, op_id, clock_now()};
    int rc;

    if ((rc = store_tx(app->st, STORE_TX_WRITE, begin_fn, &x, err)) < 0)
        return rc;
    rm_log(LOG_INFO, "op %" PRId64 ": %s %s created, charged %" PRId64 " (%s)",
           *op_id, ops_kind_name(b->kind), b->name->ascii, b->amount, "new");
    return 0;
}

static int parse_ns(const struct ops_order_req *r, const char *defaults,
                    char (*ns)[NAME_MAX_ASCII + 1], size_t *n,
                    struct rm_err *err)
{
    struct name nm;
    int rc;

    *n = 0;
    if (r->n_nameservers) {
        if (r->n_nameservers > REG_NS_MAX)
            return rm_err_set(err, RM_ELIMIT, "at most %d nameservers",
                              REG_NS_MAX);
        for (size_t i = 0; i < r->n_nameservers; i++) {
            if ((rc = name_parse(r->nameservers[i], &nm, err)) < 0) {
                rm_err_prefix(err, "nameserver: ");
                return rc;
            }
            snprintf(ns[(*n)++], NAME_MAX_ASCII + 1, "%s", nm.ascii);
        }
        return 0;
    }
    /* the connection's defaults were validated when they were set */
    char *copy = xstrdup(defaults), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t && *n < REG_NS_MAX;
         t = strtok_r(NULL, ",", &save))
        snprintf(ns[(*n)++], NAME_MAX_ASCII + 1, "%s", t);
    free(copy);
    return 0;
}

/* order_extras - what the registry of tld needs about the registrant
 * (checked by registrant_order_check): .ca the CIRA legal type, trademark
 * flag and language; .us the nexus as tld_data. nexus (3) and lang (3)
 * hold what o points into. */
static void order_extras(const char *tld, const struct registrant *x,
                         const struct contact *owner,
                         struct reg_domain_order *o, struct reg_kv *nexus,
                         char *lang)
{
    if (strcmp(tld, "ca") == 0) {
        lang[0] = (char)toupper((unsigned char)owner->lang[0]);
        lang[1] = (char)toupper((unsigned char)owner->lang[1]);
        lang[2] = '\0';
        o->legal_type = x->cira_legal_type;
        o->isa_trademark = x->cira_trademark;
        o->lang_pref = lang;
    } else if (strcmp(tld, "us") == 0) {
        size_t n = 0;
        nexus[n++] = (struct reg_kv){"nexus.category", x->us_nexus_category};
        nexus[n++] = (struct reg_kv){"nexus.app_purpose", x->us_app_purpose};
        if (*x->us_nexus_validator)
            nexus[n++] =
                (struct reg_kv){"nexus.validator", x->us_nexus_validator};
        o->tld_data = nexus;
        o->n_tld_data = n;
    }
}

/* order - register or transfer. */
static int order(struct app *app, enum ops_kind kind,
                 const struct ops_order_req *r, struct ops_result *res,
                 struct rm_err *err)
{
    bool transfer = kind == OPS_K_TRANSFER;
    struct name nm;
    struct tld t;
    struct account a;
    struct contact owner, other[3];
    struct registrant extras;
    struct reg_kv nexus[3];
    char lang[3];
    struct reg_contact rc_owner, rc_other[3];
    const struct reg_contact *slots[3] = {NULL, NULL, NULL};
    static const char *const types[3] = {"admin", "billing", "tech"};
    struct conn c;
    struct conn_session sess = {0};
    char ns[REG_NS_MAX][NAME_MAX_ASCII + 1], who[96];
    const char *nsp[REG_NS_MAX];
    size_t nns = 0;
    struct begin_req b = {0};
    struct send_req q;
    char *user = NULL, *pass = NULL, *pass_enc = NULL;
    int64_t amount, op_id = 0;
    int term = r->term ? r->term : 1, rc;

    memset(res, 0, sizeof *res);
    /* Everything is checked before the first write. */
    if ((rc = name_parse(r->name, &nm, err)) < 0)
        return rc;
    if ((rc = tld_for_name(app, &nm, &t, err)) < 0)
        return rc;
    if ((rc = tld_price_for(&t, transfer ? TLD_TRANSFER : TLD_REGISTER, term,
                            &amount, err)) < 0)
        return rc;
    if ((rc = account_get(app, r->account, &a, err)) < 0)
        return rc;
    if ((rc = contact_get(app, a.id, "owner", &owner, err)) < 0) {
        if (rc == RM_ENOTFOUND)
            rm_err_set(err, RM_EINVAL,
                       "account %s has no owner contact; set one with "
                       "\"regman account contact\"",
                       a.name);
        return rc;
    }
    if ((rc = registrant_get(app, a.id, &extras, err)) < 0)
        return rc;
    if ((rc = registrant_order_check(nm.tld, &extras, &owner, a.name, err)) < 0)
        return rc;
    contact_to_reg(&owner, &rc_owner);
    for (int i = 0; i < 3; i++) {
        struct rm_err ignore;
        if (contact_get(app, a.id, types[i], &other[i], &ignore) == 0) {
            contact_to_reg(&other[i], &rc_other[i]);
            slots[i] = &rc_other[i];
        }
    }
    if (transfer) {
        if (!r->auth_code || !*r->auth_code)
            return rm_err_set(err, RM_EINVAL, "a transfer needs the auth code");
        if ((rc = conn_check_text("auth code", r->auth_code, OPS_AUTH_MAX,
                                  false, err)) < 0)
            return rc;
    }
    if ((rc = conn_get_id(app, t.connection_id, &c, err)) < 0)
        return rc;
    /* a reseller's customer: its reseller's nameservers, when it set some */
    char rns[1024];
    if ((rc = reseller_default_ns(app, a.id, rns, sizeof rns, err)) < 0) {
        conn_release(&c);
        return rc;
    }
    rc = parse_ns(r, rns[0] ? rns : c.default_ns, ns, &nns, err);
    conn_release(&c);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < nns; i++)
        nsp[i] = ns[i];
    if ((rc = ops_live_domain(app, nm.ascii, &b.domain_id, err)) < 0)
        return rc;
    if (b.domain_id)
        return rm_err_set(err, RM_EREFUSED,
                          "%s is already registered here or in progress",
                          nm.ascii);
    /* a reseller's customer pays the reseller's price, the reseller the
     * wholesale one */
    struct reseller_quote rq;
    if ((rc = reseller_quote(app, a.id, t.tld,
                             transfer ? TLD_TRANSFER : TLD_REGISTER, term, &rq,
                             err)) < 0)
        return rc;
    if (rq.reseller_id)
        amount = rq.retail;
    if ((rc = ledger_check_funds(app->st, a.id, amount, err)) < 0)
        return funds_refused(rc, err);
    if ((rc = reseller_check_funds(app, &rq, err)) < 0)
        return rc;
    if ((rc = conn_session_open(app, t.connection_id, &sess, err)) < 0)
        return rc;

    /* The registrant profile OpenSRS keeps per domain. */
    user = secret_random_text(12);
    user[0] = 'r';
    pass = secret_random_text(16);
    if ((rc = secret_seal(&app->key, pass, &pass_enc, err)) < 0)
        goto out;
    b.kind = kind;
    b.name = &nm;
    b.tld = t.tld;
    b.account_id = a.id;
    b.connection_id = t.connection_id;
    b.term = term;
    b.amount = amount;
    b.reseller_id = rq.reseller_id;
    b.wholesale = rq.wholesale;
    b.reg_username = user;
    b.reg_password_enc = pass_enc;
    snprintf(who, sizeof who, "account:%s", a.name);
    b.actor = r->actor ? r->actor : who;
    if ((rc = ops_begin(app, &b, &op_id, err)) < 0)
        goto out;
    app_crash_point("after_charge");

    memset(&q, 0, sizeof q);
    q.order.domain = nm.ascii;
    q.order.period = term;
    q.order.owner = &rc_owner;
    q.order.admin = slots[0];
    q.order.billing = slots[1];
    q.order.tech = slots[2];
    q.order.nameservers = nsp;
    q.order.n_nameservers = nns;
    q.order.reg_username = user;
    q.order.reg_password = pass;
    q.order.auto_renew = false;
    q.order.auth_info = transfer ? r->auth_code : NULL;
    order_extras(nm.tld, &extras, &owner, &q.order, nexus, lang);
    rc = op_run(app, &sess, op_id, &q, res, err);
out:
    conn_session_close(&sess);
    free(user);
    secret_free_text(pass);
    free(pass_enc);
    return rc;
}

int ops_register(struct app *app, const struct ops_order_req *r,
                 struct ops_result *res, struct rm_err *err)
{
    return order(app, OPS_K_REGISTER, r, res, err);
}

int ops_transfer(struct app *app, const struct ops_order_req *r,
                 struct ops_result *res, struct rm_err *err)
{
    return order(app, OPS_K_TRANSFER, r, res, err);
}

struct domain_row {
    int64_t id, account_id, connection_id, expires_at;
    char name[NAME_MAX_ASCII + 1], tld[NAME_MAX_ASCII + 1], status[24];
};

static int domain_live(struct app *app, const char *name, struct domain_row *d,
                       struct rm_err *err)
{
    static const char sql[] =
        "SELECT id, account_id, connection_id, COALESCE(expires_at, 0), "
        "name, tld, status FROM domains WHERE name = ? AND status NOT IN "
        "('failed', 'cancelled', 'transferred_away', 'deleted')";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, name);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        d->id = store_col_int64(s, 0);
        d->account_id = store_col_int64(s, 1);
        d->connection_id = store_col_int64(s, 2);
        d->expires_at = store_col_int64(s, 3);
        op_cpy(d->name, sizeof d->name, s, 4);
        op_cpy(d->tld, sizeof d->tld, s, 5);
        op_cpy(d->status, sizeof d->status, s, 6);
        rc = 0;
    } else if (rc == STORE_DONE) {
        rc = rm_err_set(err, RM_ENOTFOUND, "%s is not a domain here", name);
    }
    store_stmt_release(s);
    return rc;
}

static int store_expiry(struct app *app, int64_t domain_id, int64_t expires,
                        struct rm_err *err)
{
    static const char sql[] =
        "UPDATE domains SET expires_at = ?, updated_at = ? WHERE id = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, expires);
    store_bind_int64(s, 2, clock_now());
    store_bind_int64(s, 3, domain_id);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

/* extend_run - renew and restore, once priced and checked: the creating
 * transaction (the domain renewing/restoring, the operation, both
 * charges) and the hand over to the state machine. customer (may be
 * NULL): the account that asked, recorded as the actor when actor is
 * NULL. */
static int extend_run(struct app *app, struct conn_session *sess,
                      enum ops_kind kind, const struct name *nm,
                      const struct domain_row *d, int term, int64_t amount,
                      const struct reseller_quote *rq, const char *idem_key,
                      const char *actor, const char *customer,
                      struct ops_result *res, struct rm_err *err)
{
    struct begin_req b = {0};
    struct send_req q;
    char who[96];
    int64_t op_id = 0;
    int rc;

    b.kind = kind;
    b.name = nm;
    b.tld = d->tld;
    b.account_id = d->account_id;
    b.connection_id = d->connection_id;
    b.domain_id = d->id;
    b.term = term;
    b.amount = amount;
    b.reseller_id = rq->reseller_id;
    b.wholesale = rq->wholesale;
    b.expiry_year = op_year_of(d->expires_at);
    b.renew_from_status = d->status;
    b.idem_key = idem_key;
    if (!actor && customer)
        snprintf(who, sizeof who, "account:%s", customer);
    b.actor = actor ? actor : customer ? who : "admin";
    if ((rc = ops_begin(app, &b, &op_id, err)) < 0)
        return rc;
    app_crash_point("after_charge");
    memset(&q, 0, sizeof q);
    q.renew.domain = d->name;
    q.renew.current_expiry_year = (int)b.expiry_year;
    q.renew.period = term;
    return op_run(app, sess, op_id, &q, res, err);
}

/* renew - ops_renew and ops_renew_auto: idem_key (may be NULL) goes on
 * the operation; expect_expires > 0 refuses a domain whose expiry moved. */
static int renew(struct app *app, const char *name, const char *account,
                 int term, const char *idem_key, int64_t expect_expires,
                 const char *actor, struct ops_result *res, struct rm_err *err)
{
    struct name nm;
    struct domain_row d;
    struct tld t;
    struct account a;
    struct conn_session sess = {0};
    int64_t amount;
    int rc;

    memset(res, 0, sizeof *res);
    if (!term)
        term = 1;
    if ((rc = name_parse(name, &nm, err)) < 0)
        return rc;
    if ((rc = domain_live(app, nm.ascii, &d, err)) < 0)
        return rc;
    if (account) {
        if ((rc = account_get(app, account, &a, err)) < 0)
            return rc;
        if (a.id != d.account_id)
            return rm_err_set(err, RM_ENOTFOUND,
                              "%s is not a domain of account %s", nm.ascii,
                              a.name);
    }
    if (strcmp(d.status, "redemption") == 0)
        return rm_err_set(err, RM_EREFUSED,
                          "%s is in its redemption period: it can no longer "
                          "be renewed, only restored (regman domain restore)",
                          nm.ascii);
    if (strcmp(d.status, "active") != 0 && strcmp(d.status, "expired") != 0)
        return rm_err_set(err, RM_EREFUSED,
                          "%s is %s; only active or expired domains renew",
                          nm.ascii, d.status);
    if (expect_expires > 0 && d.expires_at != expect_expires)
        return rm_err_set(err, RM_EREFUSED,
                          "%s: the expiry date changed meanwhile", nm.ascii);
    if ((rc = tld_get(app, d.tld, &t, err)) < 0)
        return rc;
    if ((rc = tld_price_for(&t, TLD_RENEW, term, &amount, err)) < 0)
        return rc;
    struct reseller_quote rq;
    if ((rc = reseller_quote(app, d.account_id, d.tld, TLD_RENEW, term, &rq,
                             err)) < 0)
        return rc;
    if (rq.reseller_id)
        amount = rq.retail;
    if (d.expires_at > 0 && d.expires_at <= clock_now()) {
        /* past its expiry: renewable in the grace period only, at the
         * renewal price plus the TLD's grace fee (docs/expiry.md) */
        struct tld_domain_expiry de;
        char until[16];
        if ((rc = tld_domain_expiry(app, d.id, &de, err)) < 0)
            return rc;
        /* refused here only when regman holds it expired (the lifecycle,
         * the sync): an active record with a stale expiry goes to the
         * registrar, whose 541 refreshes it (O5) */
        if (strcmp(d.status, "expired") == 0 &&
            de.dates.renewable_until <= clock_now())
            return rm_err_set(
                err, RM_EREFUSED,
                "%s: its grace period ended on %s; it can no longer be "
                "renewed%s",
                nm.ascii, lc_ymd(de.dates.renewable_until, until, sizeof until),
                de.dates.restorable_until > clock_now()
                    ? ", only restored (regman domain restore)"
                    : "");
        amount += de.cfg.grace_fee;
        if (rq.reseller_id)
            rq.wholesale += de.cfg.grace_fee; /* passed on at both levels */
    }
    if ((rc = ledger_check_funds(app->st, d.account_id, amount, err)) < 0)
        return funds_refused(rc, err);
    if ((rc = reseller_check_funds(app, &rq, err)) < 0)
        return rc;
    /* The domain's own connection, even when the TLD was re-mapped. */
    if ((rc = conn_session_open(app, d.connection_id, &sess, err)) < 0)
        return rc;
    if (!d.expires_at) {
        /* Read-only: learn the expiry the renewal must carry. */
        d.expires_at = op_fetch_expiry(&sess, d.name);
        if (!d.expires_at) {
            rc = rm_err_set(err, RM_EREFUSED,
                            "%s: the expiry date is unknown and the "
                            "registrar did not tell it",
                            d.name);
            goto out;
        }
        if ((rc = store_expiry(app, d.id, d.expires_at, err)) < 0)
            goto out;
    }
    rc = extend_run(app, &sess, OPS_K_RENEW, &nm, &d, term, amount, &rq,
                    idem_key, actor, account ? a.name : NULL, res, err);
out:
    conn_session_close(&sess);
    return rc;
}

/* restore - ops_restore: a domain in redemption, restored through the
 * operation state machine at the TLD's restore fee plus one year's
 * renewal (term 1; the registry adds the year). */
static int restore(struct app *app, const char *name, const char *account,
                   const char *actor, const char *idem_key,
                   struct ops_result *res, struct rm_err *err)
{
    char until[16];
    struct name nm;
    struct domain_row d;
    struct tld t;
    struct tld_domain_expiry de;
    struct account a;
    struct conn_session sess = {0};
    int64_t amount, now = clock_now();
    int rc;

    memset(res, 0, sizeof *res);
    if ((rc = name_parse(name, &nm, err)) < 0)
        return rc;
    if ((rc = domain_live(app, nm.ascii, &d, err)) < 0)
        return rc;
    if (account) {
        if ((rc = account_get(app, account, &a, err)) < 0)
            return rc;
        if (a.id != d.account_id)
            return rm_err_set(err, RM_ENOTFOUND,
                              "%s is not a domain of account %s", nm.ascii,
                              a.name);
    }
    if (strcmp(d.status, "redemption") != 0)
        return rm_err_set(err, RM_EREFUSED,
                          "%s is %s; only a domain in its redemption "
                          "period is restored%s",
                          nm.ascii, d.status,
                          strcmp(d.status, "expired") == 0
                              ? " (renew it: it is in grace)"
                              : "");
    if ((rc = tld_domain_expiry(app, d.id, &de, err)) < 0)
        return rc;
    if (de.cfg.restore_fee < 0)
        return rm_err_set(err, RM_EREFUSED,
                          "%s: restores are not offered for .%s (no restore "
                          "fee: regman tld set .%s --restore-fee AMOUNT)",
                          nm.ascii, d.tld, d.tld);
    if (!de.dates.restorable_until || de.dates.restorable_until <= now)
        return rm_err_set(
            err, RM_EREFUSED,
            "%s: its redemption period ended on %s; it can no "
            "longer be restored",
            nm.ascii, lc_ymd(de.dates.restorable_until, until, sizeof until));
    if ((rc = tld_get(app, d.tld, &t, err)) < 0)
        return rc;
    if ((rc = tld_price_for(&t, TLD_RENEW, 1, &amount, err)) < 0)
        return rc;
    struct reseller_quote rq;
    if ((rc = reseller_quote(app, d.account_id, d.tld, TLD_RENEW, 1, &rq,
                             err)) < 0)
        return rc;
    if (rq.reseller_id) {
        /* the year at the reseller's price; the restore fee passed on at
         * both levels */
        amount = rq.retail;
        rq.wholesale += de.cfg.restore_fee;
    }
    amount += de.cfg.restore_fee;
    if ((rc = ledger_check_funds(app->st, d.account_id, amount, err)) < 0)
        return funds_refused(rc, err);
    if ((rc = reseller_check_funds(app, &rq, err)) < 0)
        return rc;
    if ((rc = conn_session_open(app, d.connection_id, &sess, err)) < 0)
        return rc;
    rc = extend_run(app, &sess, OPS_K_RESTORE, &nm, &d, 1, amount, &rq,
                    idem_key, actor, account ? a.name : NULL, res, err);
    conn_session_close(&sess);
    return rc;
}

int ops_restore(struct app *app, const char *name, const char *account,
                const char *actor, const char *idem_key, struct ops_result *res,
                struct rm_err *err)
{
    if (idem_key && (!*idem_key || op_autorenew_key(idem_key) ||
                     strlen(idem_key) >= OPS_IDEM_MAX)) {
        memset(res, 0, sizeof *res);
        return rm_err_set(err, RM_EINVAL,
                          "a restore's key must be 1 to %d characters and "
                          "not begin with \"" OPS_AUTORENEW_PREFIX "\"",
                          OPS_IDEM_MAX - 1);
    }
    return restore(app, name, account, actor, idem_key, res, err);
}

int ops_renew(struct app *app, const char *name, const char *account, int term,
              struct ops_result *res, struct rm_err *err)
{
    return renew(app, name, account, term, NULL, 0, NULL, res, err);
}

int ops_renew_by(struct app *app, const char *name, const char *account,
                 int term, const char *actor, struct ops_result *res,
                 struct rm_err *err)
{
    return renew(app, name, account, term, NULL, 0, actor, res, err);
}

int ops_renew_keyed(struct app *app, const char *name, const char *account,
                    int term, const char *actor, const char *idem_key,
                    struct ops_result *res, struct rm_err *err)
{
    if (!idem_key || !*idem_key || op_autorenew_key(idem_key) ||
        strlen(idem_key) >= OPS_IDEM_MAX) {
        memset(res, 0, sizeof *res);
        return rm_err_set(err, RM_EINVAL,
                          "a renewal's key must be 1 to %d characters and "
                          "not begin with \"" OPS_AUTORENEW_PREFIX "\"",
                          OPS_IDEM_MAX - 1);
    }
    return renew(app, name, account, term, idem_key, 0, actor, res, err);
}

int ops_renew_auto(struct app *app, const char *name, int term,
                   int64_t expires_at, const char *idem_key,
                   struct ops_result *res, struct rm_err *err)
{
    if (expires_at <= 0 || !idem_key || !op_autorenew_key(idem_key) ||
        strlen(idem_key) >= OPS_IDEM_MAX)
        return rm_err_set(err, RM_EINVAL,
                          "an automatic renewal needs its expiry date and a "
                          "key \"" OPS_AUTORENEW_PREFIX "...\"");
    return renew(app, name, NULL, term, idem_key, expires_at, "lifecycle", res,
                 err);
}

/* --- lookup and transfer status ------------------------------------------ */

int ops_lookup(struct app *app, const char *name, struct ops_lookup *out,
               struct rm_err *err)
{
    struct conn_session sess;
    struct reg_lookup lk;
    struct tld t;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = name_parse(name, &out->name, err)) < 0)
        return rc;
    if ((rc = tld_for_name(app, &out->name, &t, err)) < 0)
        return rc;
    snprintf(out->tld, sizeof out->tld, "%s", t.tld);
    snprintf(out->connection, sizeof out->connection, "%s", t.connection);
    for (int y = 0; y <= TLD_MAX_TERM; y++)
        out->price[y] = (y && (t.allowed_terms & (1u << y)))
                            ? t.price[TLD_REGISTER][y]
                            : TLD_NOPRICE;
    if ((rc = conn_session_open(app, t.connection_id, &sess, err)) < 0)
        return rc;
    memset(&lk, 0, sizeof lk);
    rc = reg_lookup(sess.reg, out->name.ascii, &lk, err);
    conn_session_close(&sess);
    if (rc < 0)
        return rc;
    out->availability = lk.availability;
    out->premium = lk.premium;
    out->has_claim = lk.has_claim;
    snprintf(out->reason, sizeof out->reason, "%s", lk.reply.text);
    return 0;
}

int ops_transfer_status(struct app *app, const char *name, const char *account,
                        struct ops_transfer_status *out, struct rm_err *err)
{
    static const char sql[] =
        "SELECT o.id FROM operations o JOIN domains d ON d.id = o.domain_id "
        "WHERE d.name = ? AND o.kind = 'transfer' AND (? = 0 OR "
        "o.account_id = ?) ORDER BY o.id DESC LIMIT 1";
    struct name nm;
    struct account a = {0};
    struct store_stmt *s;
    struct conn_session sess;
    struct reg_transfer_info ti;
    struct tld t;
    int64_t op_id = 0;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = name_parse(name, &nm, err)) < 0)
        return rc;
    if (account && (rc = account_get(app, account, &a, err)) < 0)
        return rc;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, nm.ascii);
    store_bind_int64(s, 2, a.id);
    store_bind_int64(s, 3, a.id);
    if ((rc = store_step(s, err)) == STORE_ROW)
        op_id = store_col_int64(s, 0);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (op_id) {
        out->own = true;
        rc = ops_check(app, op_id, &out->op, err);
        snprintf(out->status, sizeof out->status, "%s",
                 out->op.transfer_status);
        snprintf(out->reason, sizeof out->reason, "%s", out->op.reason);
        return rc;
    }
    if ((rc = tld_for_name(app, &nm, &t, err)) < 0)
        return rc;
    if ((rc = conn_session_open(app, t.connection_id, &sess, err)) < 0)
        return rc;
    memset(&ti, 0, sizeof ti);
    rc = reg_transfer_status(sess.reg, nm.ascii, &ti, err);
    conn_session_close(&sess);
    if (rc < 0)
        return rc;
    out->transferable = ti.transferable;
    snprintf(out->status, sizeof out->status, "%s", ti.status);
    snprintf(out->reason, sizeof out->reason, "%s", ti.reason);
    return 0;
}
