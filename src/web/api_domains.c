/*
 * api_domains - lookup, signup, domains and operations endpoints
 * (contract in api_domains.h).
 */
#include "web/api_domains.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/account.h"
#include "core/conn.h"
#include "core/lifecycle.h"
#include "core/names.h"
#include "core/ops.h"
#include "core/tld.h"
#include "core/watch.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "web/api.h"
#include "web/api_core.h"
#include "web/api_signup.h"
#include "web/auth.h"

#define ERR_INIT(e) rm_err_clear(&(e))

static const char *avail_word(enum reg_availability a)
{
    switch (a) {
    case REG_AVAILABLE:
        return "available";
    case REG_TAKEN:
        return "taken";
    case REG_PENDING_ELSEWHERE:
        return "pending_elsewhere";
    case REG_INVALID:
        return "invalid";
    }
    return "unknown";
}

/* prices_json - {register: {"1": 1250}, renew: {...}, transfer: {...}}
 * with the terms a customer can order. */
static json_t *prices_json(const struct tld *t)
{
    json_t *p = json_object();
    for (int o = 0; o < TLD_NOPS; o++) {
        json_t *po = json_object();
        for (int y = 1; y <= TLD_MAX_TERM; y++) {
            char k[4];
            if (t->price[o][y] < 0 || !(t->allowed_terms & (1u << y)))
                continue;
            snprintf(k, sizeof k, "%d", y);
            json_object_set_new(po, k, json_integer(t->price[o][y]));
        }
        json_object_set_new(p, tld_op_name((enum tld_op)o), po);
    }
    return p;
}

/* offer - the TLD serving name and its connection's license. 0, or a
 * reply (400 bad name, 404 TLD not offered). */
struct offer {
    struct name name;
    struct tld tld;
    int64_t conn_id;
    char *license;
    char sha[65];
};

static int load_offer(struct web_req *r, const char *input, const char *field,
                      struct offer *o)
{
    struct rm_err e;
    struct conn c;
    int rc;
    ERR_INIT(e);
    memset(o, 0, sizeof *o);
    if (!input)
        return api_error(r, 400, API_EMISSING, field, "%s is required", field);
    if (strlen(input) > NAME_MAX_INPUT)
        return api_error(r, 400, API_ERANGE, field, "%s: too long", field);
    if ((rc = name_parse(input, &o->name, &e)) < 0)
        return api_error(r, 400, API_EINVALID, field, "%s", e.msg);
    if ((rc = tld_for_name(api_app(r), &o->name, &o->tld, &e)) < 0)
        return api_fail(r, rc, &e);
    if ((rc = conn_get_id(api_app(r), o->tld.connection_id, &c, &e)) < 0)
        return api_fail(r, rc, &e);
    o->conn_id = c.id;
    rc = api_license(&c, &o->license, o->sha, &e);
    conn_release(&c);
    if (rc < 0)
        return api_fail(r, rc, &e);
    return 0;
}

static json_t *license_json(const struct offer *o)
{
    return json_pack("{s:I, s:s, s:s}", "connection_id", (json_int_t)o->conn_id,
                     "sha256", o->sha, "text", o->license);
}

static int get_lookup(struct web_req *r)
{
    struct offer o;
    /* every lookup counts: each one is a registrar LOOKUP */
    int rc = api_throttle(r, API_BUDGET_LOOKUP, true);
    if (rc)
        return rc;
    rc = load_offer(r, web_query(r, "name"), "name", &o);
    if (rc)
        return rc;
    struct ops_lookup lk;
    struct rm_err e;
    ERR_INIT(e);
    if ((rc = ops_lookup(api_app(r), o.name.ascii, &lk, &e)) < 0) {
        free(o.license);
        return api_fail(r, rc, &e);
    }
    json_t *j = json_object();
    json_object_set_new(j, "domain", json_string(lk.name.ascii));
    json_object_set_new(j, "unicode_name", json_string(lk.name.unicode));
    json_object_set_new(j, "tld", json_string(lk.tld));
    json_object_set_new(j, "available",
                        json_boolean(lk.availability == REG_AVAILABLE));
    json_object_set_new(j, "availability",
                        json_string(avail_word(lk.availability)));
    json_object_set_new(j, "premium", json_boolean(lk.premium));
    json_object_set_new(j, "has_claim", json_boolean(lk.has_claim));
    json_object_set_new(j, "reason", json_string(lk.reason));
    json_object_set_new(j, "prices", prices_json(&o.tld));
    json_object_set_new(j, "license", license_json(&o));
    free(o.license);
    return web_reply_json(r, 200, j);
}

static int get_license(struct web_req *r)
{
    struct offer o;
    int rc = load_offer(r, web_query(r, "domain"), "domain", &o);
    if (rc)
        return rc;
    json_t *j = license_json(&o);
    json_object_set_new(j, "domain", json_string(o.name.ascii));
    json_object_set_new(j, "tld", json_string(o.tld.tld));
    json_object_set_new(j, "prices", prices_json(&o.tld));
    free(o.license);
    return web_reply_json(r, 200, j);
}

/* get_license_acceptance - has the caller's account accepted the current
 * agreement serving ?domain=? Lets the panel show the agreement before
 * the charge is confirmed; admins order without one (accepted: true). */
static int get_license_acceptance(struct web_req *r)
{
    struct offer o;
    struct account a;
    struct rm_err e;
    bool yes = true;
    int rc = load_offer(r, web_query(r, "domain"), "domain", &o);
    if (rc)
        return rc;
    free(o.license);
    ERR_INIT(e);
    if (!auth_is_admin(r)) {
        if ((rc = api_customer_account(r, &a)))
            return rc;
        if ((rc = api_license_accepted(r->st, a.id, o.conn_id, o.sha, &yes,
                                       &e)) < 0)
            return api_fail(r, rc, &e);
    }
    return web_reply_json(r, 200,
                          json_pack("{s:s, s:s, s:I, s:s, s:b}", "domain",
                                    o.name.ascii, "tld", o.tld.tld,
                                    "connection_id", (json_int_t)o.conn_id,
                                    "sha256", o.sha, "accepted", yes));
}

/* username_taken - is there a login with this name? */
static int username_taken(struct store *st, const char *u, bool *yes,
                          struct rm_err *e)
{
    struct store_stmt *s;
    int rc =
        store_prepare(st, "SELECT id FROM logins WHERE username = ?", &s, e);
    if (rc < 0)
        return rc;
    store_bind_text(s, 1, u);
    rc = store_step(s, e);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    *yes = rc == STORE_ROW;
    return 0;
}

static int post_signup(struct web_req *r)
{
    static const char *const fields[] = {
        "username",       "password",       "email", "domain",
        "license_sha256", "accept_license", NULL};
    json_t *b;
    const char *user = NULL, *pw = NULL, *email = NULL, *domain = NULL,
               *sha = NULL;
    bool accept = false;
    struct offer o = {0};
    /* refused before any work; only a created account is counted (below) */
    int rc = api_throttle(r, API_BUDGET_SIGNUP, false);
    if (rc)
        return rc;
    if ((rc = api_body(r, &b)))
        return rc;
    if ((rc = api_only_fields(r, b, fields)) ||
        (rc = api_get_str(r, b, "username", true, 1, WEB_USERNAME_MAX, &user,
                          NULL)) ||
        (rc = api_get_str(r, b, "password", true, AUTH_PASSWORD_MIN,
                          AUTH_PASSWORD_MAX, &pw, NULL)) ||
        (rc = api_get_str(r, b, "email", true, 3, ACCOUNT_EMAIL_MAX, &email,
                          NULL)) ||
        (rc = api_get_str(r, b, "domain", true, 1, NAME_MAX_INPUT, &domain,
                          NULL)) ||
        (rc = api_get_str(r, b, "license_sha256", true, 64, 64, &sha, NULL)) ||
        (rc = api_get_bool(r, b, "accept_license", true, &accept, NULL)))
        goto out;
    if (!accept) {
        rc = api_error(r, 400, API_EINVALID, "accept_license",
                       "the license agreement must be accepted");
        goto out;
    }
    if (!auth_username_ok(user)) {
        rc = api_error(r, 400, API_EINVALID, "username",
                       "username: 1..%d characters of A-Z a-z 0-9 . _ @ -",
                       WEB_USERNAME_MAX);
        goto out;
    }
    if ((rc = load_offer(r, domain, "domain", &o)))
        goto out;
    if (strcmp(sha, o.sha) != 0) {
        rc = api_error(r, 409, API_ELICENSE, "license_sha256",
                       "the license agreement has changed; read and accept "
                       "the current one");
        goto out;
    }
    struct rm_err e;
    bool taken = false;
    ERR_INIT(e);
    if ((rc = username_taken(r->st, user, &taken, &e)) < 0) {
        rc = api_fail(r, rc, &e);
        goto out;
    }
    struct account a;
    if (taken || account_get(api_app(r), user, &a, &e) == 0) {
        rc = api_error(r, 409, API_ECONFLICT, "username",
                       "username %s is taken", user);
        goto out;
    }
    int64_t acct = 0, login = 0;
    bool verify = api_signup_verifies();
    ERR_INIT(e);
    if (verify && !api_app(r)->set.mail.from) {
        rm_log(LOG_ERROR, "api: signup refused: [http] signup_verify needs "
                          "[mail] from to mail the confirmation link");
        rc = api_error(r, 503, API_EUNAVAILABLE, NULL,
                       "sign-up is not available now; contact the provider");
        goto out;
    }
    /* account, then its login, then the acceptance: a login never exists
     * without its account. The account and its confirmation mail
     * (api_signup.h) commit together or not at all. */
    if ((rc = store_begin(r->st, STORE_TX_WRITE, &e)) < 0 ||
        (rc = account_add(api_app(r), user, email, NULL, false, &acct, &e)) <
            0 ||
        (verify && (rc = api_verify_issue(r, api_app(r), acct, user, email,
                                          clock_now(), &e)) < 0) ||
        (rc = store_commit(r->st, &e)) < 0) {
        store_rollback(r->st);
        rc = api_fail(r, rc, &e);
        goto out;
    }
    api_throttle_count(r, API_BUDGET_SIGNUP);
    if ((rc = auth_login_create(r->st, user, pw, WEB_ROLE_CUSTOMER, acct,
                                AUTH_COST_INTERACTIVE, &login, &e)) < 0) {
        rc = api_fail(r, rc, &e);
        goto out;
    }
    if ((rc = api_license_record(r->st, login, acct, o.conn_id, o.name.ascii,
                                 o.sha, r->client_ip, &e)) < 0) {
        rc = api_fail(r, rc, &e);
        goto out;
    }
    if ((rc = account_get_id(api_app(r), acct, &a, &e)) < 0) {
        rc = api_fail(r, rc, &e);
        goto out;
    }
    rc = web_reply_json(r, 201,
                        json_pack("{s:s, s:I, s:o}", "username", user,
                                  "login_id", (json_int_t)login, "account",
                                  api_account_json(&a)));
out:
    free(o.license);
    json_decref(b);
    return rc;
}

static int get_me(struct web_req *r)
{
    const struct web_principal *w = r->who;
    json_t *j = json_pack(
        "{s:I, s:s, s:s, s:s}", "login_id", (json_int_t)w->login_id, "username",
        w->username, "role", w->role == WEB_ROLE_ADMIN ? "admin" : "customer",
        "via", w->via_token ? "token" : "session");
    if (w->role == WEB_ROLE_CUSTOMER) {
        struct account a;
        int rc = api_customer_account(r, &a);
        if (rc) {
            json_decref(j);
            return rc;
        }
        json_object_set_new(j, "account", api_account_json(&a));
    } else {
        json_object_set_new(j, "account", json_null());
    }
    return web_reply_json(r, 200, j);
}

/* ---- operations and domains as JSON ---------------------------------------
 */

#define OP_COLS                                                                \
    "o.id, o.kind, o.state, o.domain_id, d.name, d.unicode_name, "             \
    "o.account_id, a.name, o.connection_id, o.term, o.amount, "                \
    "COALESCE(o.registrar_order_id, ''), COALESCE(o.queue_request_id, ''), "   \
    "COALESCE(o.transfer_status, ''), COALESCE(o.pending_reason, ''), "        \
    "COALESCE(o.last_answer, ''), o.checks, o.created_at, "                    \
    "COALESCE(o.sent_at, 0), COALESCE(o.next_check_at, 0), "                   \
    "COALESCE(o.last_check_at, 0), COALESCE(o.deadline_at, 0), "               \
    "COALESCE(o.finished_at, 0), COALESCE(o.watch, ''), "                      \
    "COALESCE(o.stop_answer, ''), COALESCE(o.registrar_cost, -1), "            \
    "COALESCE(o.late_at, 0), COALESCE(o.held_domain_id, 0), "                  \
    "COALESCE(o.resolved_op_id, 0), COALESCE(o.watch_next_at, 0), "            \
    "COALESCE(t.poll_interval_s, c.poll_interval_s) "                          \
    "FROM operations o JOIN domains d ON d.id = o.domain_id "                  \
    "JOIN accounts a ON a.id = o.account_id "                                  \
    "JOIN registrar_connections c ON c.id = o.connection_id "                  \
    "LEFT JOIN tlds t ON t.tld = d.tld AND t.connection_id = o.connection_id "

/* customer_reason - why a refunded operation ended, in the customer's
 * words (ops_plain_reason); null while it is not over or succeeded. */
static json_t *customer_reason(const char *state, struct store_stmt *s)
{
    char why[512];
    if (!state ||
        (strcmp(state, "failed") != 0 && strcmp(state, "timed_out") != 0 &&
         strcmp(state, "cancelled") != 0))
        return json_null();
    const char *reason = store_col_text(s, 14);
    ops_plain_reason(state, reason ? reason : "", why, sizeof why);
    return json_string(why);
}

static json_t *op_json(struct store_stmt *s, int64_t now, bool admin)
{
    json_t *j = json_object();
    const char *state = store_col_text(s, 2);
    int64_t created = store_col_int64(s, 17), finished = store_col_int64(s, 22);
    json_object_set_new(j, "id", json_integer(store_col_int64(s, 0)));
    json_object_set_new(j, "kind", api_text(store_col_text(s, 1)));
    json_object_set_new(j, "state", api_text(state));
    json_object_set_new(j, "domain_id", json_integer(store_col_int64(s, 3)));
    json_object_set_new(j, "domain", api_text(store_col_text(s, 4)));
    json_object_set_new(j, "unicode_name", api_text(store_col_text(s, 5)));
    json_object_set_new(j, "account_id", json_integer(store_col_int64(s, 6)));
    json_object_set_new(j, "account", api_text(store_col_text(s, 7)));
    json_object_set_new(j, "connection_id",
                        json_integer(store_col_int64(s, 8)));
    json_object_set_new(j, "term", json_integer(store_col_int64(s, 9)));
    json_object_set_new(j, "amount", json_integer(store_col_int64(s, 10)));
    json_object_set_new(j, "order_id", api_text(store_col_text(s, 11)));
    json_object_set_new(j, "queue_id", api_text(store_col_text(s, 12)));
    json_object_set_new(j, "transfer_status", api_text(store_col_text(s, 13)));
    json_object_set_new(j, "pending_reason", api_text(store_col_text(s, 14)));
    json_object_set_new(j, "last_answer", api_text(store_col_text(s, 15)));
    json_object_set_new(j, "checks", json_integer(store_col_int64(s, 16)));
    json_object_set_new(j, "created_at", api_time(created));
    json_object_set_new(j, "sent_at", api_time(store_col_int64(s, 18)));
    json_object_set_new(j, "next_check_at", api_time(store_col_int64(s, 19)));
    json_object_set_new(j, "last_check_at", api_time(store_col_int64(s, 20)));
    json_object_set_new(j, "deadline_at", api_time(store_col_int64(s, 21)));
    json_object_set_new(j, "finished_at", api_time(finished));
    json_object_set_new(j, "age_s",
                        json_integer((finished ? finished : now) - created));
    /* how often a pending order is checked: the TLD's window while it
     * still maps to the connection, else the connection's (ops.c
     * windows_for) */
    json_object_set_new(j, "check_interval_s",
                        json_integer(store_col_int64(s, 30)));
    json_object_set_new(j, "customer_reason", customer_reason(state, s));
    /* rule 9 (core/watch.h): what the registrar did after a refund is the
     * provider's business, shown to admins only */
    if (admin) {
        const char *w = store_col_text(s, 23);
        int64_t cost = store_col_int64(s, 25), held = store_col_int64(s, 27),
                again = store_col_int64(s, 28);
        json_object_set_new(j, "watch", w && *w ? json_string(w) : json_null());
        json_object_set_new(j, "stop_answer", api_text(store_col_text(s, 24)));
        json_object_set_new(j, "registrar_cost",
                            cost >= 0 ? json_integer(cost) : json_null());
        json_object_set_new(j, "late_at", api_time(store_col_int64(s, 26)));
        json_object_set_new(j, "held_domain_id",
                            held ? json_integer(held) : json_null());
        json_object_set_new(j, "resolved_op_id",
                            again ? json_integer(again) : json_null());
        json_object_set_new(j, "watch_next_at",
                            w && strcmp(w, "watching") == 0
                                ? api_time(store_col_int64(s, 29))
                                : json_null());
    }
    return j;
}

/* op_row - op_json for api_reply_rows (arg: struct op_ctx). */
struct op_ctx {
    int64_t now;
    bool admin;
};
static json_t *op_row(struct store_stmt *s, void *arg)
{
    const struct op_ctx *c = arg;
    return op_json(s, c->now, c->admin);
}

static int load_op(struct store *st, int64_t id, bool admin, json_t **out,
                   int64_t *acct, struct rm_err *e)
{
    struct store_stmt *s;
    int rc = store_prepare(st, "SELECT " OP_COLS "WHERE o.id = ?", &s, e);
    *out = NULL;
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, id);
    rc = store_step(s, e);
    if (rc == STORE_ROW) {
        *out = op_json(s, clock_now(), admin);
        if (acct)
            *acct = store_col_int64(s, 6);
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

/* reply_outcome - the answer to an action that created or looked at an
 * operation: 201 (202 when pending; 200 for a check) with the operation
 * and what the call reported. */
static int reply_outcome(struct web_req *r, int outcome,
                         const struct ops_result *res, bool created,
                         const char *registrar_answer)
{
    json_t *op;
    struct rm_err e;
    ERR_INIT(e);
    int rc = load_op(r->st, res->op_id, auth_is_admin(r), &op, NULL, &e);
    if (rc < 0)
        return api_fail(r, rc, &e);
    if (!op)
        return api_error(r, 500, API_EINTERNAL, NULL, "operation vanished");
    json_t *j = json_object();
    json_object_set_new(j, "operation", op);
    json_object_set_new(j, "state", json_string(res->state));
    json_object_set_new(
        j, "outcome", json_string(ops_outcome_name((enum ops_outcome)outcome)));
    json_object_set_new(j, "amount", json_integer(res->amount));
    json_object_set_new(j, "refunded",
                        json_boolean(outcome == OPS_FAILED ||
                                     outcome == OPS_TIMED_OUT ||
                                     outcome == OPS_CANCELLED));
    json_object_set_new(j, "expires_at", api_time(res->expires_at));
    json_object_set_new(j, "reason", json_string(res->reason));
    json_object_set_new(j, "attempts", json_integer(res->attempts));
    if (registrar_answer)
        json_object_set_new(j, "registrar_answer",
                            json_string(registrar_answer));
    unsigned status = !created ? 200 : outcome == OPS_PENDING ? 202 : 201;
    return web_reply_json(r, status, j);
}

#define DOM_COLS                                                               \
    "d.id, d.name, d.unicode_name, d.tld, d.status, "                          \
    "COALESCE(d.expires_at, 0), d.auto_renew, d.account_id, a.name, "          \
    "d.connection_id, c.title, d.created_at, d.updated_at, "                   \
    "COALESCE(t.poll_interval_s, c.poll_interval_s), c.warn_days, "            \
    "c.renew_days, (SELECT o.state FROM operations o WHERE o.domain_id = "     \
    "d.id AND o.kind = 'renew' AND o.idempotency_key LIKE 'autorenew:' || "    \
    "CAST(d.id AS TEXT) || ':' || CAST(d.expires_at AS TEXT) || ':%' "         \
    "ORDER BY o.id DESC LIMIT 1) FROM domains d "                              \
    "JOIN accounts a ON a.id = d.account_id JOIN registrar_connections c ON "  \
    "c.id = d.connection_id LEFT JOIN tlds t ON t.tld = d.tld AND "            \
    "t.connection_id = d.connection_id "

#define DAY_S 86400

/* needs_action - why the customer should act on a domain now, or NULL:
 *   autorenew_failed  auto-renew is on and the last automatic renewal
 *                     of this expiry ended refunded, or none succeeded a
 *                     day after it was due (lifecycle.c waits for funds);
 *   expired           the expiry date has passed;
 *   expiring          auto-renew is off and the expiry is within the
 *                     connection's warn_days.
 * Only active and expired domains qualify: anything else is either in
 * progress or over. */
static const char *needs_action(struct store_stmt *s, int64_t now)
{
    const char *st = store_col_text(s, 4), *last = store_col_text(s, 16);
    int64_t exp = store_col_int64(s, 5), warn = store_col_int64(s, 14),
            renew = store_col_int64(s, 15);
    bool autorenew = store_col_int64(s, 6) != 0;
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

static json_t *dom_json(struct store_stmt *s, bool admin, int64_t now)
{
    const char *act = needs_action(s, now);
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(store_col_int64(s, 0)));
    json_object_set_new(j, "name", api_text(store_col_text(s, 1)));
    json_object_set_new(j, "unicode_name", api_text(store_col_text(s, 2)));
    json_object_set_new(j, "tld", api_text(store_col_text(s, 3)));
    json_object_set_new(j, "status", api_text(store_col_text(s, 4)));
    json_object_set_new(j, "expires_at", api_time(store_col_int64(s, 5)));
    json_object_set_new(j, "auto_renew", json_boolean(store_col_int64(s, 6)));
    json_object_set_new(j, "account_id", json_integer(store_col_int64(s, 7)));
    json_object_set_new(j, "account", api_text(store_col_text(s, 8)));
    if (admin) {
        json_object_set_new(j, "connection_id",
                            json_integer(store_col_int64(s, 9)));
        json_object_set_new(j, "connection", api_text(store_col_text(s, 10)));
    }
    json_object_set_new(j, "created_at", api_time(store_col_int64(s, 11)));
    json_object_set_new(j, "updated_at", api_time(store_col_int64(s, 12)));
    json_object_set_new(j, "needs_action",
                        act ? json_string(act) : json_null());
    json_object_set_new(j, "check_interval_s",
                        json_integer(store_col_int64(s, 13)));
    json_object_set_new(j, "warn_days", json_integer(store_col_int64(s, 14)));
    return j;
}

/* dom_row - dom_json for api_reply_rows (arg: struct op_ctx). */
static json_t *dom_row(struct store_stmt *s, void *arg)
{
    const struct op_ctx *c = arg;
    return dom_json(s, c->admin, c->now);
}

/* q_ok - a search fragment of a name: letters, digits, '-', '.'. */
static bool q_ok(const char *q)
{
    for (; *q; q++)
        if (!((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') ||
              *q == '-' || *q == '.'))
            return false;
    return true;
}

/* filter_account - ?account_id= for admins; customers are always limited
 * to their own account (a different id is simply nothing of theirs). */
static int filter_account(struct web_req *r, int64_t *acct)
{
    const char *a = web_query(r, "account_id");
    *acct = auth_account_filter(r);
    if (!a)
        return 0;
    int64_t v;
    if (!api_parse_int64(a, 1, INT64_MAX, &v))
        return api_error(r, 400, API_EWRONG_TYPE, "account_id",
                         "account_id: expected a positive integer");
    if (*acct && v != *acct)
        v = -1; /* matches no row */
    *acct = v;
    return 0;
}

/* expiry_bound - ?expires_before= (epoch seconds) and
 * ?expires_within_days= (from now) as one bound: the earlier of the two,
 * 0 for none. 0 or a reply. */
static int expiry_bound(struct web_req *r, int64_t now, int64_t *bound)
{
    const char *before = web_query(r, "expires_before"),
               *days = web_query(r, "expires_within_days");
    int64_t v;
    *bound = 0;
    if (before) {
        if (!api_parse_int64(before, 1, INT64_MAX / 2, &v))
            return api_error(r, 400, API_EWRONG_TYPE, "expires_before",
                             "expires_before: epoch seconds");
        *bound = v;
    }
    if (days) {
        if (!api_parse_int64(days, 0, 3660, &v))
            return api_error(r, 400, API_ERANGE, "expires_within_days",
                             "expires_within_days: 0 to 3660");
        v = now + v * DAY_S;
        if (!*bound || v < *bound)
            *bound = v;
    }
    return 0;
}

/* list_domains - ?live=1: live rows only (one per name); ?live=0: past
 * attempts only (failed, cancelled, transferred away), the newest row of
 * each name the account no longer holds; without it every row. Filters
 * status, q (a fragment of the name) and an expiry bound. */
static int list_domains(struct web_req *r)
{
#define DEAD "('failed', 'cancelled', 'transferred_away')"
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
    static const char *const flags[] = {"0", "1", NULL};
    struct api_page p;
    int64_t acct, bound, now = clock_now();
    const char *live;
    int rc = api_page_parse(r, &p);
    if (rc || (rc = filter_account(r, &acct)) ||
        (rc = api_query_enum(r, "live", flags, "live: 0 or 1", &live)) ||
        (rc = expiry_bound(r, now, &bound)))
        return rc;
    const char *status = web_query(r, "status"), *q = web_query(r, "q");
    if (status && strlen(status) > 32)
        return api_error(r, 400, API_ERANGE, "status", "status: too long");
    if (q && (strlen(q) > NAME_MAX_ASCII || !q_ok(q)))
        return api_error(r, 400, API_EINVALID, "q",
                         "q: lowercase letters, digits, '-' and '.'");
    char *like = q ? xasprintf("%%%s%%", q) : NULL;
    struct store_stmt *s;
    struct rm_err e;
    ERR_INIT(e);
    if ((rc = store_prepare(r->st, sql, &s, &e)) < 0) {
        free(like);
        return api_fail(r, rc, &e);
    }
    store_bind_int64(s, 1, acct);
    store_bind_int64(s, 2, acct);
    store_bind_text(s, 3, status);
    store_bind_text(s, 4, status);
    store_bind_text(s, 5, like);
    store_bind_text(s, 6, like);
    store_bind_int64(s, 7, live && strcmp(live, "1") == 0);
    store_bind_int64(s, 8, live && strcmp(live, "0") == 0);
    store_bind_int64(s, 9, bound);
    store_bind_int64(s, 10, bound);
    api_bind_page(s, 11, &p);
    free(like);
    struct op_ctx ctx = {now, auth_is_admin(r)};
    return api_reply_rows(r, &p, s, dom_row, &ctx);
}

/* load_domain - the path's domain as the caller may see it: the caller's
 * live row of that name, else its newest row. 0 with *j (and *nm), or
 * a reply: 404 for a bad name, no row, or only other accounts' rows. */
static int load_domain(struct web_req *r, struct name *nm, json_t **j,
                       int64_t *acct)
{
    /* Newest first, and the first live row wins, else the newest row: the
     * rows of one name come in index order (domains_name ends in the id),
     * where an ORDER BY on liveness made SQLite sort them on every call. */
    static const char sql[] =
        "SELECT " DOM_COLS "WHERE d.name = ? AND (? = 0 OR d.account_id = ?) "
        "ORDER BY d.id DESC";
    struct rm_err e;
    struct store_stmt *s;
    const char *in = web_param(r, "name");
    int rc;
    ERR_INIT(e);
    *j = NULL;
    if (!in || strlen(in) > NAME_MAX_INPUT || name_parse(in, nm, &e) < 0)
        return api_error(r, 404, API_ENOTFOUND, NULL, "no such domain");
    if ((rc = store_prepare(r->st, sql, &s, &e)) < 0)
        return api_fail(r, rc, &e);
    int64_t only = auth_account_filter(r);
    store_bind_text(s, 1, nm->ascii);
    store_bind_int64(s, 2, only);
    store_bind_int64(s, 3, only);
    while ((rc = store_step(s, &e)) == STORE_ROW) {
        const char *st = store_col_text(s, 4);
        bool live = strcmp(st, "failed") != 0 && strcmp(st, "cancelled") != 0 &&
                    strcmp(st, "transferred_away") != 0;
        if (*j && !live)
            continue;
        json_decref(*j);
        *j = dom_json(s, auth_is_admin(r), clock_now());
        if (acct)
            *acct = store_col_int64(s, 7);
        if (live)
            break;
    }
    store_stmt_release(s);
    if (rc < 0) {
        json_decref(*j);
        *j = NULL;
        return api_fail(r, rc, &e);
    }
    if (!*j)
        return api_error(r, 404, API_ENOTFOUND, NULL, "no such domain");
    return 0;
}

static int get_domain(struct web_req *r)
{
    struct name nm;
    json_t *j;
    int rc = load_domain(r, &nm, &j, NULL);
    if (rc)
        return rc;
    struct store_stmt *s;
    struct rm_err e;
    ERR_INIT(e);
    if ((rc = store_prepare(
             r->st, "SELECT " OP_COLS "WHERE o.domain_id = ? ORDER BY o.id", &s,
             &e)) < 0) {
        json_decref(j);
        return api_fail(r, rc, &e);
    }
    store_bind_int64(s, 1, json_integer_value(json_object_get(j, "id")));
    json_t *ops = json_array();
    int64_t now = clock_now();
    bool pending = false;
    while ((rc = store_step(s, &e)) == STORE_ROW) {
        json_t *o = op_json(s, now, auth_is_admin(r));
        const char *st = json_string_value(json_object_get(o, "state"));
        pending = pending || strcmp(st, "pending") == 0 ||
                  strcmp(st, "sending") == 0 || strcmp(st, "new") == 0;
        json_array_append_new(ops, o);
    }
    store_stmt_release(s);
    if (rc < 0) {
        json_decref(ops);
        json_decref(j);
        return api_fail(r, rc, &e);
    }
    json_object_set_new(j, "operations", ops);
    json_object_set_new(j, "pending", json_boolean(pending));
    return web_reply_json(r, 200, j);
}

/* order_account - who an order is for: a customer orders for itself (an
 * "account_id" naming another account is 404, like any object not
 * theirs); an admin names the account. *a filled. */
static int order_account(struct web_req *r, json_t *b, struct account *a)
{
    int64_t id = 0;
    bool present = false;
    int rc = api_get_int(r, b, "account_id", auth_is_admin(r), 1, INT64_MAX,
                         &id, &present);
    if (rc)
        return rc;
    if (!auth_is_admin(r)) {
        if (present && id != r->who->account_id)
            return api_error(r, 404, API_ENOTFOUND, "account_id",
                             "no such account");
        return api_customer_account(r, a);
    }
    struct rm_err e;
    ERR_INIT(e);
    if (account_get_id(api_app(r), id, a, &e) < 0 ||
        strcmp(a->kind, "customer") != 0)
        return api_error(r, 400, API_EINVALID, "account_id",
                         "account_id: no such customer account");
    return 0;
}

/* license_gate - a customer's order needs the current license accepted
 * (recorded before, or now with "license_sha256"). Names and TLDs that
 * core would refuse anyway pass through to core's own error. */
static int license_gate(struct web_req *r, json_t *b, const char *name,
                        const struct account *a)
{
    const char *given = NULL;
    int rc = api_get_str(r, b, "license_sha256", false, 64, 64, &given, NULL);
    if (rc || auth_is_admin(r))
        return rc;
    struct name nm;
    struct tld t;
    struct conn c;
    struct rm_err e;
    char *text = NULL, sha[65];
    bool yes = false;
    ERR_INIT(e);
    if (name_parse(name, &nm, &e) < 0 ||
        tld_for_name(api_app(r), &nm, &t, &e) < 0)
        return 0;
    if ((rc = conn_get_id(api_app(r), t.connection_id, &c, &e)) < 0)
        return api_fail(r, rc, &e);
    rc = api_license(&c, &text, sha, &e);
    conn_release(&c);
    free(text);
    if (rc < 0)
        return api_fail(r, rc, &e);
    if ((rc = api_license_accepted(r->st, a->id, t.connection_id, sha, &yes,
                                   &e)) < 0)
        return api_fail(r, rc, &e);
    if (yes)
        return 0;
    if (!given || strcmp(given, sha) != 0)
        return api_error(r, 409, API_ELICENSE, "license_sha256",
                         "accept the license agreement of .%s first "
                         "(GET /api/v1/license?domain=%s)",
                         t.tld, nm.ascii);
    if ((rc =
             api_license_record(r->st, r->who->login_id, a->id, t.connection_id,
                                nm.ascii, sha, r->client_ip, &e)) < 0)
        return api_fail(r, rc, &e);
    return 0;
}

/* refused_reply - an order core refused before anything was written. A
 * customer short of funds reads what to do, not the ledger's figures
 * (ledger.c funds_ok: "insufficient funds: account ... has a balance of
 * ..."); everything else as api_error_rm. */
static int refused_reply(struct web_req *r, int rc, const struct rm_err *e)
{
    if (rc == RM_EREFUSED && !auth_is_admin(r) &&
        strncmp(e->msg, "insufficient funds", 18) == 0)
        return api_error(r, 409, API_EREFUSED, NULL,
                         "Your balance is too low for this order. Add funds "
                         "to your account first, then order again. Nothing "
                         "was charged.");
    return api_error_rm(r, rc, e);
}

/* own_account - the account name core limits a customer's action to
 * (its own, loaded into *a); NULL for an admin. 0 or a reply. */
static int own_account(struct web_req *r, struct account *a, const char **acct)
{
    *acct = NULL;
    if (auth_is_admin(r))
        return 0;
    int rc = api_customer_account(r, a);
    if (rc == 0)
        *acct = a->name;
    return rc;
}

static int post_order(struct web_req *r, bool transfer)
{
    static const char *const fields[] = {
        "name",      "term",           "account_id", "nameservers",
        "auth_code", "license_sha256", NULL};
    json_t *b;
    const char *name = NULL, *auth = NULL;
    const char *ns[REG_NS_MAX];
    int64_t term = 0;
    struct account a;
    struct ops_order_req q = {0};
    int rc = api_body(r, &b);
    if (rc)
        return rc;
    if ((rc = api_only_fields(r, b, fields)) ||
        (rc =
             api_get_str(r, b, "name", true, 1, NAME_MAX_INPUT, &name, NULL)) ||
        (rc = api_get_int(r, b, "term", false, 1, TLD_MAX_TERM, &term, NULL)) ||
        (rc = api_get_str(r, b, "auth_code", transfer, 1, OPS_AUTH_MAX, &auth,
                          NULL)))
        goto out;
    if (!transfer && auth) {
        rc = api_error(r, 400, API_EUNKNOWN, "auth_code",
                       "auth_code is for transfers only");
        goto out;
    }
    json_t *nv = json_object_get(b, "nameservers");
    if (nv && !json_is_null(nv)) {
        size_t i;
        json_t *v;
        if (!json_is_array(nv) || json_array_size(nv) > REG_NS_MAX) {
            rc = api_error(r, 400, API_EWRONG_TYPE, "nameservers",
                           "nameservers: an array of at most %d host names",
                           REG_NS_MAX);
            goto out;
        }
        json_array_foreach(nv, i, v)
        {
            if (!json_is_string(v) || json_string_length(v) > 253 ||
                strlen(json_string_value(v)) != json_string_length(v)) {
                rc = api_error(r, 400, API_EWRONG_TYPE, "nameservers",
                               "nameservers: an array of host names");
                goto out;
            }
            ns[i] = json_string_value(v);
        }
        q.nameservers = ns;
        q.n_nameservers = json_array_size(nv);
    }
    if ((rc = order_account(r, b, &a)) || (rc = api_verify_gate(r, &a)) ||
        (rc = license_gate(r, b, name, &a)))
        goto out;
    struct ops_result res;
    struct rm_err e;
    ERR_INIT(e);
    q.name = name;
    q.account = a.name;
    q.term = (int)term;
    q.auth_code = auth;
    int outcome = transfer ? ops_transfer(api_app(r), &q, &res, &e)
                           : ops_register(api_app(r), &q, &res, &e);
    /* a negative outcome: refused before anything was written; RM_EIO
     * here is the store, not the registrar */
    rc = outcome < 0 ? refused_reply(r, outcome, &e)
                     : reply_outcome(r, outcome, &res, true, NULL);
out:
    json_decref(b);
    return rc;
}

static int post_register(struct web_req *r)
{
    return post_order(r, false);
}

static int post_transfer(struct web_req *r)
{
    return post_order(r, true);
}

static int post_renew(struct web_req *r)
{
    static const char *const fields[] = {"term", NULL};
    struct name nm;
    json_t *dom, *b = NULL;
    int64_t term = 0;
    int rc = load_domain(r, &nm, &dom, NULL);
    if (rc)
        return rc;
    json_decref(dom);
    if ((rc = api_opt_body(r, fields, &b)) ||
        (b && (rc = api_get_int(r, b, "term", false, 1, TLD_MAX_TERM, &term,
                                NULL)))) {
        json_decref(b);
        return rc;
    }
    json_decref(b);
    struct account a;
    const char *acct;
    if ((rc = own_account(r, &a, &acct)) ||
        (acct && (rc = api_verify_gate(r, &a))))
        return rc;
    struct ops_result res;
    struct rm_err e;
    ERR_INIT(e);
    int outcome = ops_renew(api_app(r), nm.ascii, acct, (int)term, &res, &e);
    if (outcome < 0)
        return refused_reply(r, outcome, &e);
    return reply_outcome(r, outcome, &res, true, NULL);
}

/* PATCH a domain: the auto-renew switch (lifecycle_set_auto_renew). */
static int patch_domain(struct web_req *r)
{
    static const char *const fields[] = {"auto_renew", NULL};
    struct name nm;
    json_t *dom, *b;
    bool on = false;
    int rc = load_domain(r, &nm, &dom, NULL);
    if (rc)
        return rc;
    json_decref(dom);
    if ((rc = api_body(r, &b)))
        return rc;
    if ((rc = api_only_fields(r, b, fields)) ||
        (rc = api_get_bool(r, b, "auto_renew", true, &on, NULL))) {
        json_decref(b);
        return rc;
    }
    json_decref(b);
    struct account a;
    const char *acct;
    if ((rc = own_account(r, &a, &acct)))
        return rc;
    struct rm_err e;
    ERR_INIT(e);
    if ((rc = lifecycle_set_auto_renew(api_app(r), nm.ascii, acct, on, &e)) < 0)
        return api_fail(r, rc, &e);
    if ((rc = load_domain(r, &nm, &dom, NULL)))
        return rc;
    return web_reply_json(r, 200, dom);
}

static int get_transfer_status(struct web_req *r)
{
    struct name nm;
    struct rm_err e;
    struct account a;
    const char *acct, *in = web_param(r, "name");
    int rc;
    ERR_INIT(e);
    if (!in || strlen(in) > NAME_MAX_INPUT || name_parse(in, &nm, &e) < 0)
        return api_error(r, 404, API_ENOTFOUND, NULL, "no such domain");
    if ((rc = own_account(r, &a, &acct)))
        return rc;
    if (auth_is_admin(r) && web_query(r, "account_id")) {
        int64_t id;
        if (!api_parse_int64(web_query(r, "account_id"), 1, INT64_MAX, &id) ||
            account_get_id(api_app(r), id, &a, &e) < 0)
            return api_error(r, 400, API_EINVALID, "account_id",
                             "account_id: no such account");
        acct = a.name;
    }
    struct ops_transfer_status ts;
    rc = ops_transfer_status(api_app(r), nm.ascii, acct, &ts, &e);
    if (rc < 0)
        return api_fail(r, rc, &e);
    json_t *j = json_object();
    json_object_set_new(j, "domain", json_string(nm.ascii));
    json_object_set_new(j, "own_transfer", json_boolean(ts.own));
    json_object_set_new(j, "transferable", json_boolean(ts.transferable));
    json_object_set_new(j, "status", json_string(ts.status));
    json_object_set_new(j, "reason", json_string(ts.reason));
    json_t *op = NULL;
    if (ts.own &&
        load_op(r->st, ts.op.op_id, auth_is_admin(r), &op, NULL, &e) < 0)
        op = NULL;
    json_object_set_new(j, "operation", op ? op : json_null());
    return web_reply_json(r, 200, j);
}

static int list_operations(struct web_req *r)
{
    static const char sql[] =
        "SELECT " OP_COLS
        "WHERE (? = 0 OR o.account_id = ?) AND (CAST(? AS TEXT) IS NULL OR "
        "o.state = ?) AND (CAST(? AS TEXT) IS NULL OR o.kind = ?) AND "
        "(CAST(? AS TEXT) IS NULL OR d.name = ?) AND (CAST(? AS TEXT) IS "
        "NULL OR o.watch = ?) AND (? = 0 OR o.id < ?) "
        "ORDER BY o.id DESC LIMIT ? OFFSET ?";
    static const char *const watches[] = {"watching", "ended",   "late",
                                          "assigned", "revoked", "expiring",
                                          "absorbed", NULL};
    static const char *const flags[] = {"0", "1", NULL};
    static const char *const states[] = {"new",       "sending", "pending",
                                         "succeeded", "failed",  "timed_out",
                                         "cancelled", NULL};
    static const char *const kinds[] = {"register", "renew", "transfer", NULL};
    struct api_page p;
    int64_t acct;
    int rc = api_page_parse(r, &p);
    if (rc || (rc = filter_account(r, &acct)))
        return rc;
    const char *state, *kind, *dq = web_query(r, "domain");
    if ((rc = api_query_enum(r, "state", states,
                             "state: new, sending, pending, succeeded, "
                             "failed, timed_out or cancelled",
                             &state)) ||
        (rc = api_query_enum(r, "kind", kinds,
                             "kind: register, renew or transfer", &kind)))
        return rc;
    const char *watch, *late;
    if ((rc = api_query_enum(r, "watch", watches,
                             "watch: watching, ended, late, assigned, "
                             "revoked, expiring or absorbed",
                             &watch)) ||
        (rc = api_query_enum(r, "late", flags, "late: 0 or 1", &late)))
        return rc;
    if (late && strcmp(late, "1") == 0) {
        if (watch && strcmp(watch, "late") != 0)
            return api_error(r, 400, API_EINVALID, "late",
                             "late=1 and watch=%s contradict", watch);
        watch = "late";
    }
    if (watch && !auth_is_admin(r))
        return api_error(r, 403, API_EFORBIDDEN, "watch",
                         "only admins filter by watch");
    struct name nm;
    struct rm_err e;
    ERR_INIT(e);
    if (dq && (strlen(dq) > NAME_MAX_INPUT || name_parse(dq, &nm, &e) < 0))
        return api_error(r, 400, API_EINVALID, "domain", "domain: %s",
                         e.msg[0] ? e.msg : "too long");
    struct store_stmt *s;
    if ((rc = store_prepare(r->st, sql, &s, &e)) < 0)
        return api_fail(r, rc, &e);
    store_bind_int64(s, 1, acct);
    store_bind_int64(s, 2, acct);
    store_bind_text(s, 3, state);
    store_bind_text(s, 4, state);
    store_bind_text(s, 5, kind);
    store_bind_text(s, 6, kind);
    store_bind_text(s, 7, dq ? nm.ascii : NULL);
    store_bind_text(s, 8, dq ? nm.ascii : NULL);
    store_bind_text(s, 9, watch);
    store_bind_text(s, 10, watch);
    api_bind_page(s, 11, &p);
    struct op_ctx ctx = {clock_now(), auth_is_admin(r)};
    return api_reply_rows(r, &p, s, op_row, &ctx);
}

/* path_op - the path's operation, scoped; 0 with *j or a reply. */
static int path_op(struct web_req *r, int64_t *id, json_t **j)
{
    int64_t acct = 0;
    struct rm_err e;
    int rc = api_path_id(r, "id", id);
    if (rc)
        return rc;
    ERR_INIT(e);
    if ((rc = load_op(r->st, *id, auth_is_admin(r), j, &acct, &e)) < 0)
        return api_fail(r, rc, &e);
    if (!*j)
        return api_error(r, 404, API_ENOTFOUND, NULL, "no such operation");
    if ((rc = auth_scope(r, acct))) {
        json_decref(*j);
        return rc;
    }
    return 0;
}

/* op_target - the path's operation (scoped) an action is taken on. */
static int op_target(struct web_req *r, int64_t *id)
{
    json_t *j;
    int rc = path_op(r, id, &j);
    if (rc == 0)
        json_decref(j);
    return rc;
}

static int get_operation(struct web_req *r)
{
    int64_t id;
    json_t *j;
    int rc = path_op(r, &id, &j);
    if (rc)
        return rc;
    return web_reply_json(r, 200, j);
}

static int post_check(struct web_req *r)
{
    int64_t id;
    json_t *j;
    int rc = path_op(r, &id, &j);
    if (rc)
        return rc;
    /* a watched operation is checked as such (rule 9, core/watch.h) */
    const char *w = json_string_value(json_object_get(j, "watch"));
    bool watching = w && strcmp(w, "watching") == 0;
    json_decref(j);
    struct ops_result res;
    struct rm_err e;
    ERR_INIT(e);
    if (watching) {
        char now_watch[16];
        if ((rc = watch_check(api_app(r), id, now_watch, sizeof now_watch,
                              &e)) < 0)
            return api_fail(r, rc, &e);
    }
    int outcome = ops_check(api_app(r), id, &res, &e);
    if (outcome < 0)
        return api_fail(r, outcome, &e);
    return reply_outcome(r, outcome, &res, false, NULL);
}

/* Async Manager: reset - a new waiting window from now, check soon. */
static int post_reset(struct web_req *r)
{
    static const char *const none[] = {NULL};
    int64_t id;
    json_t *b;
    int rc = op_target(r, &id);
    if (rc || (rc = api_opt_body(r, none, &b)))
        return rc;
    json_decref(b);
    struct ops_result res;
    struct rm_err e;
    ERR_INIT(e);
    int outcome = ops_reset(api_app(r), id, &res, &e);
    if (outcome < 0)
        return api_error_rm(r, outcome, &e);
    return reply_outcome(r, outcome, &res, false, NULL);
}

/* Async Manager: cancel - at the registrar where it can be done, then
 * cancelled + refund + the domain removed, in one transaction. */
/* POST /api/v1/operations/{id}/late {"action": "assign"|"revoke"|
 * "expire"|"absorb"} - the admin's decision on a late completion
 * (core/watch.h). 409 when it is not one or the registrar refused. */
static int post_late(struct web_req *r)
{
    static const char *const fields[] = {"action", NULL};
    int64_t id, new_op = 0;
    json_t *b;
    const char *act = NULL;
    enum watch_action a;
    struct rm_err e;
    char answer[REG_TEXT_MAX + 64] = "";
    int rc = op_target(r, &id);
    if (rc || (rc = api_opt_body(r, fields, &b)))
        return rc;
    if (!b) {
        rc = api_error(r, 400, API_EMISSING, "action", "action is required");
        return rc;
    }
    if ((rc = api_get_str(r, b, "action", true, 1, 16, &act, NULL))) {
        json_decref(b);
        return rc;
    }
    ERR_INIT(e);
    if (watch_action_parse(act, &a, &e) < 0) {
        json_decref(b);
        return api_error(r, 400, API_EINVALID, "action", "%s", e.msg);
    }
    json_decref(b);
    rc = watch_resolve(api_app(r), id, a, &new_op, answer, sizeof answer, &e);
    if (rc < 0)
        return api_error_rm(r, rc, &e);
    json_t *op;
    if ((rc = load_op(r->st, id, true, &op, NULL, &e)) < 0)
        return api_fail(r, rc, &e);
    json_t *j = json_object();
    json_object_set_new(j, "operation", op ? op : json_null());
    json_object_set_new(j, "charged_by",
                        new_op ? json_integer(new_op) : json_null());
    json_object_set_new(j, "registrar_answer", json_string(answer));
    return web_reply_json(r, 200, j);
}

/* GET /api/v1/reconcile[?since=YYYY-MM-DD] - the exposure report. */
static int get_reconcile(struct web_req *r)
{
    const char *sq = web_query(r, "since");
    struct reconcile_report rep;
    struct rm_err e;
    time_t since = 0;
    int rc;

    ERR_INIT(e);
    if (sq && (strlen(sq) > 32 || reg_parse_time(sq, &since, &e) < 0))
        return api_error(r, 400, API_EINVALID, "since", "since: %s",
                         e.msg[0] ? e.msg : "too long");
    if ((rc = watch_reconcile(api_app(r), (int64_t)since, &rep, &e)) < 0)
        return api_fail(r, rc, &e);
    json_t *j = json_object(), *a = json_array();
    for (size_t i = 0; i < rep.n; i++) {
        const struct reconcile_row *x = &rep.rows[i];
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(x->id));
        json_object_set_new(o, "domain", json_string(x->domain));
        json_object_set_new(o, "account", json_string(x->account));
        json_object_set_new(o, "kind", json_string(x->kind));
        json_object_set_new(o, "state", json_string(x->state));
        json_object_set_new(o, "watch", json_string(x->watch));
        json_object_set_new(o, "refunded", json_integer(x->amount));
        json_object_set_new(o, "registrar_cost",
                            x->registrar_cost >= 0
                                ? json_integer(x->registrar_cost)
                                : json_null());
        json_object_set_new(o, "exposure", json_integer(x->exposure));
        json_object_set_new(o, "at_risk", json_integer(x->at_risk));
        json_object_set_new(o, "finished_at", api_time(x->finished_at));
        json_object_set_new(o, "late_at", api_time(x->late_at));
        json_object_set_new(o, "stop_answer", api_text(x->stop_answer));
        json_array_append_new(a, o);
    }
    json_object_set_new(j, "operations", a);
    json_object_set_new(j, "count", json_integer((json_int_t)rep.n));
    json_object_set_new(j, "total_exposure", json_integer(rep.total_exposure));
    json_object_set_new(j, "total_at_risk", json_integer(rep.total_at_risk));
    json_object_set_new(j, "unknown_cost", json_integer(rep.unknown_cost));
    watch_reconcile_free(&rep);
    return web_reply_json(r, 200, j);
}

static int post_cancel(struct web_req *r)
{
    static const char *const fields[] = {"reason", NULL};
    int64_t id;
    json_t *b;
    const char *why = NULL;
    int rc = op_target(r, &id);
    if (rc || (rc = api_opt_body(r, fields, &b)))
        return rc;
    if (b && (rc = api_get_str(r, b, "reason", false, 0, 500, &why, NULL))) {
        json_decref(b);
        return rc;
    }
    struct ops_result res;
    struct rm_err e;
    char answer[REG_TEXT_MAX] = "";
    ERR_INIT(e);
    int outcome = ops_cancel(api_app(r), id, why ? why : "cancelled by admin",
                             &res, answer, sizeof answer, &e);
    json_decref(b);
    if (outcome < 0)
        return api_error_rm(r, outcome, &e);
    rc = reply_outcome(r, outcome, &res, false, answer);
    return rc;
}

static const struct web_route routes[] = {
    {"GET", "/api/v1/lookup", get_lookup, WEB_PUBLIC},
    {"GET", "/api/v1/license", get_license, WEB_PUBLIC},
    {"GET", "/api/v1/license/acceptance", get_license_acceptance, WEB_LOGIN},
    {"POST", "/api/v1/signup", post_signup, WEB_PUBLIC},
    {"GET", "/api/v1/me", get_me, WEB_LOGIN},
    {"GET", "/api/v1/domains", list_domains, WEB_LOGIN},
    {"POST", "/api/v1/domains/register", post_register, WEB_LOGIN},
    {"POST", "/api/v1/domains/transfer", post_transfer, WEB_LOGIN},
    {"GET", "/api/v1/domains/{name}", get_domain, WEB_LOGIN},
    {"PATCH", "/api/v1/domains/{name}", patch_domain, WEB_LOGIN},
    {"POST", "/api/v1/domains/{name}/renew", post_renew, WEB_LOGIN},
    {"GET", "/api/v1/domains/{name}/transfer-status", get_transfer_status,
     WEB_LOGIN},
    {"GET", "/api/v1/operations", list_operations, WEB_LOGIN},
    {"GET", "/api/v1/operations/{id}", get_operation, WEB_LOGIN},
    {"POST", "/api/v1/operations/{id}/check", post_check, WEB_ADMIN},
    {"POST", "/api/v1/operations/{id}/reset", post_reset, WEB_ADMIN},
    {"POST", "/api/v1/operations/{id}/cancel", post_cancel, WEB_ADMIN},
    {"POST", "/api/v1/operations/{id}/late", post_late, WEB_ADMIN},
    {"GET", "/api/v1/reconcile", get_reconcile, WEB_ADMIN},
};

const struct web_route *api_domains_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
