/*
 * cmd_domain - `regman domain lookup|register|renew|restore|transfer|
 * transfer-status|check|list|show`.
 *
 * Exit status of the operations: 0 succeeded; 1 refused before anything
 * was written (insufficient funds, name taken here) or failed at the
 * registrar (refunded); 2 invalid input; 3 pending (the outcome is not
 * known yet; the operation is followed up and charged until it ends).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_core.h"
#include "core/account.h"
#include "core/conn.h"
#include "core/domview.h"
#include "core/money.h"
#include "core/ops.h"
#include "core/opview.h"
#include "core/tld.h"
#include "present/present.h"
#include "util/clock.h"

static const char usage[] =
    "regman domain lookup NAME\n"
    "       regman domain register NAME --account A [--term N] [--ns "
    "a,b]\n"
    "       regman domain transfer NAME --account A --auth-code CODE "
    "[--term N]\n"
    "       regman domain renew NAME [--account A] [--term N]\n"
    "       regman domain restore NAME [--account A]\n"
    "       regman domain transfer-status NAME [--account A]\n"
    "       regman domain check NAME | --op N\n"
    "       regman domain list [--account A] [--status S] | show NAME\n"
    "       regman domain ns NAME [--set a,b,...] [--account A]\n"
    "       regman domain host NAME [add|set|rm HOST] [--ip A[,B]] "
    "[--rename NEW] [--account A]\n"
    "       regman domain contacts NAME [--type T] [--first-name F ... (as "
    "account contact)] [--all-domains] [--account A]\n"
    "       regman domain lock NAME [on|off] [--account A]\n"
    "       regman domain privacy NAME [on|off] [--account A]\n"
    "       regman domain auth-code NAME [--send | --reset | --set CODE] "
    "[--account A]\n"
    "       regman domain changes NAME [--account A] [--limit N]\n"
    "       regman domain move NAME --to ACCOUNT [--reason TEXT]\n"
    "       regman domain sync NAME [--account A]\n"
    "       regman domain bulk ACTION (--file F [--account A] | --account A "
    "[--tld T]) [--term N] [--ns a,b] [--dry-run] | resume|show RUN | list\n"
    "       regman domain search TEXT [--max N] [--account A]\n"
    "common: -c FILE, --json";

/* manage_sub - is the subcommand (the first positional) one of
 * cmd_domain_manage's? *admin (may be NULL) says whether it is one of
 * cmd_domain_admin's instead. Options taking a value are skipped with
 * it. */
static bool manage_sub(int argc, char **argv, bool *admin)
{
    static const char *const valued[] = {
        "-c",         "--config",      "--account",    "--set",
        "--limit",    "--term",        "--ns",         "--auth-code",
        "--status",   "--op",          "--ip",         "--rename",
        "--type",     "--first-name",  "--last-name",  "--org-name",
        "--address1", "--address2",    "--address3",   "--city",
        "--state",    "--postal-code", "--country",    "--phone",
        "--fax",      "--email",       "--lang",       "--to",
        "--reason",   "--us-nexus",    "--us-purpose", "--us-validator"};
    static const char *const subs[] = {
        "ns", "host", "contacts", "lock", "privacy", "auth-code", "changes"};
    bool dashdash = false;

    for (int i = 1; i < argc; i++) {
        bool skip = false;
        if (!dashdash && strcmp(argv[i], "--") == 0) {
            dashdash = true;
            continue;
        }
        for (size_t k = 0; !dashdash && k < sizeof valued / sizeof valued[0];
             k++)
            if (strcmp(argv[i], valued[k]) == 0)
                skip = true;
        if (skip) {
            i++;
            continue;
        }
        if (!dashdash && argv[i][0] == '-')
            continue;
        for (size_t k = 0; k < sizeof subs / sizeof subs[0]; k++)
            if (strcmp(argv[i], subs[k]) == 0)
                return true;
        if (admin &&
            (strcmp(argv[i], "move") == 0 || strcmp(argv[i], "sync") == 0))
            *admin = true;
        return false;
    }
    return false;
}

static const char *avail_name(enum reg_availability a)
{
    switch (a) {
    case REG_AVAILABLE:
        return "available";
    case REG_TAKEN:
        return "taken";
    case REG_PENDING_ELSEWHERE:
        return "taken (registration pending elsewhere)";
    case REG_INVALID:
        return "invalid for the registry";
    }
    return "?";
}

static int exit_for_outcome(int outcome)
{
    switch (outcome) {
    case OPS_SUCCEEDED:
        return EXIT_OK;
    case OPS_PENDING:
        return EXIT_PENDING;
    default:
        return EXIT_REFUSED;
    }
}

/* lookup_fail - a registrar that did not answer usefully is a refusal
 * (exit 1) with its message, not bad input. */
static int lookup_fail(int rc, struct rm_err *err)
{
    if (rc == RM_EIO || rc == RM_EPROTO) {
        fprintf(stderr, "regman: %s\n", err->msg);
        return EXIT_REFUSED;
    }
    return cli_fail(rc, err);
}

static json_t *result_json(const char *name, const struct ops_result *r)
{
    json_t *j = json_object();

    json_object_set_new(j, "domain", json_string(name));
    json_object_set_new(j, "operation_id", json_integer(r->op_id));
    json_object_set_new(j, "state", json_string(r->state));
    json_object_set_new(j, "amount", cli_money(r->amount));
    json_object_set_new(j, "expires_at", cli_time(r->expires_at));
    json_object_set_new(j, "order_id", json_string(r->order_id));
    json_object_set_new(j, "queue_id", json_string(r->queue_id));
    json_object_set_new(j, "transfer_status", json_string(r->transfer_status));
    json_object_set_new(j, "reason", json_string(r->reason));
    json_object_set_new(j, "attempts", json_integer(r->attempts));
    return j;
}

static void result_print(const char *what, const char *name,
                         const struct ops_result *r)
{
    char m[MONEY_STR_MAX], t[32];

    printf("%s %s: %s (operation %" PRId64 ", %s charged%s)\n", what, name,
           r->state, r->op_id, money_format(r->amount, m),
           ops_state_refunded(r->state) ? " and refunded" : "");
    if (r->expires_at)
        printf("  expires %s\n", clock_format(r->expires_at, t, sizeof t));
    if (r->order_id[0])
        printf("  order %s\n", r->order_id);
    if (r->queue_id[0])
        printf("  queue request %s\n", r->queue_id);
    if (r->reason[0] && !ops_state_is(r->state, OPS_ST_SUCCEEDED))
        printf("  %s\n", r->reason);
}

/* split_ns - "a,b" → the list (pointers into buf). */
static size_t split_ns(char *buf, const char **out, size_t max)
{
    size_t n = 0;
    char *save = NULL;

    for (char *t = strtok_r(buf, ", ", &save); t && n < max + 1;
         t = strtok_r(NULL, ", ", &save))
        out[n++] = t;
    return n;
}

/* op_line - one operation of a domain: appended to arg (a JSON array)
 * with the presenter the API uses, or (arg NULL) printed one a line. */
static void op_line(const struct op_view *v, void *arg)
{
    json_t *ops = arg;
    char m[MONEY_STR_MAX];
    if (ops) {
        json_array_append_new(ops,
                              present_op(v, clock_now(), true, PRESENT_CLI));
        return;
    }
    printf("  op %" PRId64 " %s %s, %" PRId64 "y, %s%s%s%s%s\n", v->id, v->kind,
           v->state, v->term, money_format(v->amount, m),
           *v->actor ? ", by " : "", v->actor, *v->pending_reason ? ": " : "",
           v->pending_reason);
}

/* dom_list - what list_domains collects from domview_all. */
struct dom_list {
    struct app *app;
    bool json, show;
    json_t *arr;
    struct cli_table t;
    size_t rows;
    int rc;
    struct rm_err *err;
};

static void dom_line(const struct dom_view *v, void *arg)
{
    struct dom_list *l = arg;
    char id[24], exp[32];
    if (l->rc < 0)
        return;
    l->rows++;
    snprintf(id, sizeof id, "%" PRId64, v->id);
    clock_format(v->expires_at, exp, sizeof exp);
    if (l->json) {
        json_t *j = present_domain(v, clock_now(), true, PRESENT_CLI);
        if (l->show) {
            json_t *ops = json_array();
            if ((l->rc = opview_of_domain(l->app, v->id, op_line, ops,
                                          l->err)) < 0) {
                json_decref(ops);
                json_decref(j);
                return;
            }
            json_object_set_new(j, "operations", ops);
        }
        json_array_append_new(l->arr, j);
    } else if (l->show) {
        cli_kv("domain", "%s (%s)", v->name, v->unicode_name);
        cli_kv("id", "%s", id);
        cli_kv("status", "%s", v->status);
        cli_kv("expires", "%s", exp);
        if (v->expires_at) {
            /* the life after expiry: until when, and at what price */
            struct tld_expiry e;
            char d1[32], m1[MONEY_STR_MAX], m2[MONEY_STR_MAX];
            const char *src =
                v->grace_end_at || v->redemption_end_at || v->delete_at
                    ? " (the registrar's dates)"
                    : "";
            domview_expiry(v, &e);
            if (v->renew_price >= 0)
                cli_kv("renewable until", "%s, %s with the grace fee%s",
                       clock_format(e.renewable_until, d1, sizeof d1),
                       money_format(v->renew_price + v->expiry.grace_fee, m1),
                       src);
            else
                cli_kv("renewable until", "%s%s",
                       clock_format(e.renewable_until, d1, sizeof d1), src);
            if (e.restorable_until && v->renew_price >= 0)
                cli_kv("restorable until", "%s, %s (restore fee %s + a year)",
                       clock_format(e.restorable_until, d1, sizeof d1),
                       money_format(v->renew_price + v->expiry.restore_fee, m1),
                       money_format(v->expiry.restore_fee, m2));
            else
                cli_kv("restorable until", "not offered");
            cli_kv("deleted after", "%s",
                   clock_format(e.deleted_after, d1, sizeof d1));
        }
        cli_kv("account", "%s", v->account);
        cli_kv("connection", "%s", v->connection);
        l->rc = opview_of_domain(l->app, v->id, op_line, NULL, l->err);
    } else {
        cli_table_row(&l->t, id, v->name, v->status, exp, v->account,
                      v->connection);
    }
}

static int list_domains(struct app *app, const char *account,
                        const char *status, const char *name, bool json,
                        struct rm_err *err)
{
    struct account a = {0};
    static const char *head[] = {"ID",      "NAME",    "STATUS",
                                 "EXPIRES", "ACCOUNT", "CONNECTION"};
    struct dom_list l = {app, json, name != NULL, NULL, {0}, 0, 0, err};
    int rc;

    if (account && (rc = account_get(app, account, &a, err)) < 0)
        return rc;
    l.arr = json ? json_array() : NULL;
    cli_table_init(&l.t, 6, head);
    rc = domview_all(app, a.id, status, name, dom_line, &l, err);
    if (rc == 0)
        rc = l.rc;
    if (rc < 0) {
        json_decref(l.arr);
        cli_table_print(&l.t);
        return rc;
    }
    if (name && l.rows == 0) {
        json_decref(l.arr);
        cli_table_print(&l.t);
        return rm_err_set(err, RM_ENOTFOUND, "%s is not a domain here", name);
    }
    if (json)
        cli_json_print(name ? json_incref(json_array_get(l.arr, l.rows - 1))
                            : json_incref(l.arr));
    json_decref(l.arr);
    if (!json && !name)
        cli_table_print(&l.t);
    else
        cli_table_print(&(struct cli_table){0});
    return 0;
}

int cmd_domain(int argc, char **argv)
{
    struct cli_common com = {0};
    const char *pos[2], *account = NULL, *term_s = NULL, *ns_s = NULL,
                        *auth = NULL, *status = NULL, *op_s = NULL;
    size_t npos;
    struct rm_err err;
    struct app *app;
    struct cli_opt opts[] = {{"account", OPT_VALUE, &account},
                             {"term", OPT_VALUE, &term_s},
                             {"ns", OPT_VALUE, &ns_s},
                             {"auth-code", OPT_VALUE, &auth},
                             {"status", OPT_VALUE, &status},
                             {"op", OPT_VALUE, &op_s},
                             {NULL, 0, NULL}};
    const char *sub;
    int64_t term = 0;
    int rc, outcome;

    if (cmd_domain_bulk_wants(argc, argv))
        return cmd_domain_bulk(argc, argv);
    bool admin_sub = false;
    if (manage_sub(argc, argv, &admin_sub))
        return cmd_domain_manage(argc, argv);
    if (cmd_domain_is_search(argc, argv))
        return cmd_domain_search(argc, argv);
    if (admin_sub)
        return cmd_domain_admin(argc, argv);
    if ((rc = cli_parse(argc, argv, opts, &com, pos, 2, &npos)))
        return rc;
    if (com.help || npos == 0)
        return cli_usage(usage), com.help ? EXIT_OK : EXIT_USAGE;
    sub = pos[0];
    rm_err_clear(&err);
    bool named =
        strcmp(sub, "list") != 0 && !(strcmp(sub, "check") == 0 && op_s);
    if (named != (npos == 2))
        return cli_usage(usage);
    if (term_s &&
        conn_parse_int("--term", term_s, 1, TLD_MAX_TERM, &term, &err) < 0)
        return cli_fail(RM_EINVAL, &err);
    if (strcmp(sub, "list") == 0 || strcmp(sub, "show") == 0) {
        struct name nm;
        if (strcmp(sub, "show") == 0 &&
            (rc = name_parse(pos[1], &nm, &err)) < 0)
            return cli_fail(rc, &err);
        if (status && strlen(status) > 32)
            return cli_usage("--status: too long");
        if ((rc = cli_open(&com, APP_RECOVER, &app)))
            return rc;
        rc = list_domains(app, account, status,
                          strcmp(sub, "show") == 0 ? nm.ascii : NULL, com.json,
                          &err);
        app_close(app);
        return rc < 0 ? cli_fail(rc, &err) : EXIT_OK;
    }
    if (strcmp(sub, "lookup") == 0) {
        struct ops_lookup lk;
        if ((rc = cli_open(&com, APP_RECOVER, &app)))
            return rc;
        rc = ops_lookup(app, pos[1], &lk, &err);
        app_close(app);
        if (rc < 0)
            return lookup_fail(rc, &err);
        if (com.json) {
            json_t *j = present_lookup(&lk), *p = json_object();
            for (int y = 1; y <= TLD_MAX_TERM; y++) {
                char k[4];
                if (lk.price[y] < 0)
                    continue;
                snprintf(k, sizeof k, "%d", y);
                json_object_set_new(p, k, cli_money(lk.price[y]));
            }
            json_object_set_new(j, "prices", p);
            cli_json_print(j);
        } else {
            printf("%s: %s%s\n", lk.name.unicode, avail_name(lk.availability),
                   lk.premium ? " (premium)" : "");
            for (int y = 1; y <= TLD_MAX_TERM; y++) {
                char m[MONEY_STR_MAX];
                if (lk.price[y] >= 0)
                    printf("  %2d year%s  %s\n", y, y > 1 ? "s" : " ",
                           money_format(lk.price[y], m));
            }
        }
        return lk.availability == REG_AVAILABLE ? EXIT_OK : EXIT_REFUSED;
    }
    if (strcmp(sub, "transfer-status") == 0) {
        struct ops_transfer_status ts;
        if ((rc = cli_open(&com, APP_RECOVER, &app)))
            return rc;
        rc = ops_transfer_status(app, pos[1], account, &ts, &err);
        app_close(app);
        if (rc < 0)
            return lookup_fail(rc, &err);
        if (com.json) {
            json_t *j = ts.own ? result_json(pos[1], &ts.op) : json_object();
            json_object_set_new(j, "own_transfer", json_boolean(ts.own));
            if (!ts.own)
                json_object_set_new(j, "transferable",
                                    json_boolean(ts.transferable));
            json_object_set_new(j, "status", json_string(ts.status));
            json_object_set_new(j, "reason", json_string(ts.reason));
            cli_json_print(j);
        } else if (ts.own) {
            result_print("transfer of", pos[1], &ts.op);
            if (ts.status[0])
                printf("  registrar status: %s\n", ts.status);
        } else {
            printf("%s: %s%s%s%s\n", pos[1],
                   ts.transferable ? "transferable" : "not transferable",
                   ts.status[0] ? " (" : "", ts.status,
                   ts.status[0] ? ")" : "");
            if (ts.reason[0])
                printf("  %s\n", ts.reason);
        }
        return ts.own ? exit_for_outcome(rc)
                      : (ts.transferable ? EXIT_OK : EXIT_REFUSED);
    }

    struct ops_result res;
    const char *what = sub;
    char nsbuf[REG_NS_MAX * 256 + 1];
    const char *nsv[REG_NS_MAX + 1];
    struct ops_order_req r = {0};

    if (strcmp(sub, "register") == 0 || strcmp(sub, "transfer") == 0) {
        if (!account)
            return cli_usage("register and transfer need --account A");
        r.name = pos[1];
        r.account = account;
        r.term = (int)term;
        r.auth_code = auth;
        r.actor = "admin"; /* the provider's own command line */
        if (ns_s) {
            if (strlen(ns_s) >= sizeof nsbuf)
                return cli_usage("--ns: list too long");
            snprintf(nsbuf, sizeof nsbuf, "%s", ns_s);
            r.nameservers = nsv;
            r.n_nameservers = split_ns(nsbuf, nsv, REG_NS_MAX);
        }
    } else if (strcmp(sub, "renew") && strcmp(sub, "check") &&
               strcmp(sub, "restore")) {
        return cli_usage(usage);
    }
    if ((rc = cli_open(&com, APP_RECOVER, &app)))
        return rc;
    if (strcmp(sub, "register") == 0)
        outcome = ops_register(app, &r, &res, &err);
    else if (strcmp(sub, "transfer") == 0)
        outcome = ops_transfer(app, &r, &res, &err);
    else if (strcmp(sub, "renew") == 0)
        outcome =
            ops_renew_by(app, pos[1], account, (int)term, "admin", &res, &err);
    else if (strcmp(sub, "restore") == 0)
        outcome = ops_restore(app, pos[1], account, "admin", NULL, &res, &err);
    else {
        int64_t op_id = 0;
        what = "check of";
        if (op_s) {
            outcome = conn_parse_int("--op", op_s, 1, INT64_MAX, &op_id, &err);
        } else {
            struct name nm;
            outcome = name_parse(pos[1], &nm, &err);
            if (outcome == 0)
                outcome = opview_latest_of_name(app, nm.ascii, &op_id, &err);
        }
        if (outcome == 0)
            outcome = ops_check(app, op_id, &res, &err);
    }
    app_close(app);
    if (outcome < 0)
        return cli_fail(outcome, &err);
    if (com.json)
        cli_json_print(result_json(pos[npos - 1], &res));
    else
        result_print(what, npos == 2 ? pos[1] : "operation", &res);
    return exit_for_outcome(outcome);
}
