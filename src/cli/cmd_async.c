/*
 * cmd_async - `regman async list|show|check|reset|cancel|sweep`: the
 * Async Manager from the command line (core/async.h; docs/regman.1).
 *
 * OP is an operation id or a domain name (its pending operation, else its
 * newest). Exit status: list, show, reset, cancel and sweep 0 when done;
 * check 0 succeeded, 3 still pending, 1 failed / timed out / cancelled;
 * sweep 1 when an operation could not be stored (it stays due); the
 * usual 2 and 4 (cli.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cmd_async.h"
#include "cli/cmd_core.h"
#include "core/async.h"
#include "core/watch.h"
#include "core/money.h"
#include "core/opstate.h"
#include "mail/mail.h"
#include "present/present.h"
#include "util/clock.h"

static const char usage[] =
    "regman async list [--limit N] [--late | --watched | --flagged]\n"
    "       regman async show OP\n"
    "       regman async check OP\n"
    "       regman async reset OP\n"
    "       regman async cancel OP [--reason TEXT]\n"
    "       regman async late OP assign|revoke|expire|absorb\n"
    "       regman async sweep\n"
    "OP: an operation id or a domain name; common: -c FILE, --json\n"
    "--late: refunded operations the registrar completed after all;\n"
    "--watched: refunded operations the registrar may still complete;\n"
    "--flagged: every operation ever watched.";

static json_t *entry_json(const struct async_entry *e)
{
    json_t *j = json_object();

    json_object_set_new(j, "id", json_integer(e->id));
    json_object_set_new(j, "domain", json_string(e->domain));
    json_object_set_new(j, "account", json_string(e->account));
    json_object_set_new(j, "connection", json_string(e->connection));
    json_object_set_new(j, "kind", json_string(e->kind));
    json_object_set_new(j, "state", json_string(e->state));
    json_object_set_new(j, "fee", cli_money(e->amount));
    json_object_set_new(j, "started", cli_time(e->created_at));
    json_object_set_new(j, "last_check", cli_time(e->last_check_at));
    json_object_set_new(j, "next_check",
                        ops_state_is(e->state, OPS_ST_PENDING)
                            ? cli_time(e->next_check_at)
                            : json_null());
    json_object_set_new(j, "deadline", cli_time(e->deadline_at));
    json_object_set_new(j, "finished", cli_time(e->finished_at));
    json_object_set_new(j, "checks", json_integer(e->checks));
    json_object_set_new(j, "order_id", json_string(e->order_id));
    json_object_set_new(j, "queue_id", json_string(e->queue_id));
    json_object_set_new(j, "transfer_status", json_string(e->transfer_status));
    json_object_set_new(j, "last_answer", json_string(e->last_answer));
    json_object_set_new(j, "reason", json_string(e->reason));
    json_object_set_new(j, "watch",
                        e->watch[0] ? json_string(e->watch) : json_null());
    json_object_set_new(j, "stop_answer", json_string(e->stop_answer));
    json_object_set_new(j, "registrar_cost",
                        e->registrar_cost >= 0 ? json_integer(e->registrar_cost)
                                               : json_null());
    json_object_set_new(j, "late_at", cli_time(e->late_at));
    json_object_set_new(j, "next_watch_check",
                        strcmp(e->watch, "watching") == 0
                            ? cli_time(e->watch_next_at)
                            : json_null());
    json_object_set_new(j, "held_domain_id",
                        e->held_domain_id ? json_integer(e->held_domain_id)
                                          : json_null());
    json_object_set_new(j, "resolved_op_id",
                        e->resolved_op_id ? json_integer(e->resolved_op_id)
                                          : json_null());
    return j;
}

static char *tm(int64_t t, char *b, unsigned n)
{
    return clock_format(t, b, n);
}

static int do_list(struct app *app, const struct cli_common *com,
                   const char *limit_s, enum async_list_kind which)
{
    static const char *head[] = {"ID",         "DOMAIN",     "ACCOUNT",
                                 "KIND",       "FEE",        "STARTED",
                                 "LAST CHECK", "NEXT CHECK", "DEADLINE",
                                 "CHECKS",     "LAST ANSWER"};
    struct async_entry *v;
    struct rm_err err;
    size_t n;
    long limit = 0;
    int rc;

    if (limit_s) {
        char *end;
        limit = strtol(limit_s, &end, 10);
        if (*end || limit < 1 || limit > 100000) {
            fprintf(stderr, "regman: --limit must be 1..100000\n");
            return EXIT_USAGE;
        }
    }
    if ((rc = async_list_which(app, which, (int)limit, &v, &n, &err)) < 0)
        return cli_fail(rc, &err);
    if (which != ASYNC_LIST_PENDING && !com->json) {
        static const char *whead[] = {
            "ID",    "DOMAIN", "ACCOUNT",        "KIND",       "STATE",
            "WATCH", "REFUND", "REGISTRAR COST", "STOP ANSWER"};
        struct cli_table t;
        cli_table_init(&t, 9, whead);
        for (size_t i = 0; i < n; i++) {
            char id[24], fee[MONEY_STR_MAX], cost[MONEY_STR_MAX], ans[81];
            snprintf(id, sizeof id, "%" PRId64, v[i].id);
            snprintf(ans, sizeof ans, "%.80s", v[i].stop_answer);
            cli_table_row(&t, id, v[i].domain, v[i].account, v[i].kind,
                          v[i].state, v[i].watch,
                          money_format(v[i].amount, fee),
                          v[i].registrar_cost >= 0
                              ? money_format(v[i].registrar_cost, cost)
                              : "unknown",
                          ans[0] ? ans : "-");
        }
        cli_table_print(&t);
        async_entries_free(v);
        return EXIT_OK;
    }
    if (com->json) {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, entry_json(&v[i]));
        cli_json_print(a);
    } else {
        struct cli_table t;
        cli_table_init(&t, 11, head);
        for (size_t i = 0; i < n; i++) {
            char id[24], fee[MONEY_STR_MAX], a[32], b[32], c[32], d[32];
            char checks[24], ans[81];
            snprintf(id, sizeof id, "%" PRId64, v[i].id);
            snprintf(checks, sizeof checks, "%" PRId64, v[i].checks);
            /* one table line per entry: the answer is cut, --json and
             * show give it whole */
            snprintf(ans, sizeof ans, "%.80s", v[i].last_answer);
            cli_table_row(&t, id, v[i].domain, v[i].account, v[i].kind,
                          money_format(v[i].amount, fee),
                          tm(v[i].created_at, a, sizeof a),
                          tm(v[i].last_check_at, b, sizeof b),
                          tm(v[i].next_check_at, c, sizeof c),
                          tm(v[i].deadline_at, d, sizeof d), checks,
                          ans[0] ? ans : "-");
        }
        cli_table_print(&t);
    }
    async_entries_free(v);
    return EXIT_OK;
}

static void entry_print(const struct async_entry *e)
{
    char b[32], m[MONEY_STR_MAX];

    cli_kv("operation", "%" PRId64, e->id);
    cli_kv("domain", "%s", e->domain);
    cli_kv("account", "%s", e->account);
    cli_kv("connection", "%s", e->connection);
    cli_kv("kind", "%s", e->kind);
    cli_kv("state", "%s", e->state);
    cli_kv("fee", "%s", money_format(e->amount, m));
    cli_kv("started", "%s", tm(e->created_at, b, sizeof b));
    cli_kv("last check", "%s", tm(e->last_check_at, b, sizeof b));
    if (ops_state_is(e->state, OPS_ST_PENDING))
        cli_kv("next check", "%s", tm(e->next_check_at, b, sizeof b));
    cli_kv("deadline", "%s", tm(e->deadline_at, b, sizeof b));
    if (e->finished_at)
        cli_kv("finished", "%s", tm(e->finished_at, b, sizeof b));
    cli_kv("checks", "%" PRId64, e->checks);
    if (e->order_id[0])
        cli_kv("order", "%s", e->order_id);
    if (e->queue_id[0])
        cli_kv("queue request", "%s", e->queue_id);
    if (e->transfer_status[0])
        cli_kv("transfer status", "%s", e->transfer_status);
    cli_kv("last answer", "%s", e->last_answer[0] ? e->last_answer : "-");
    cli_kv("reason", "%s", e->reason[0] ? e->reason : "-");
    if (e->registrar_cost >= 0)
        cli_kv("registrar cost", "%s", money_format(e->registrar_cost, m));
    if (e->stop_answer[0])
        cli_kv("registrar stop", "%s", e->stop_answer);
    if (e->watch[0]) {
        cli_kv("watch", "%s", e->watch);
        if (strcmp(e->watch, "watching") == 0)
            cli_kv("next watch check", "%s", tm(e->watch_next_at, b, sizeof b));
        if (e->late_at)
            cli_kv("completed late", "%s", tm(e->late_at, b, sizeof b));
        if (e->resolved_op_id)
            cli_kv("charged again by", "operation %" PRId64, e->resolved_op_id);
    }
}

static int show(struct app *app, const struct cli_common *com, const char *spec,
                int status)
{
    struct async_entry e;
    struct rm_err err;
    int rc;

    if ((rc = async_get(app, spec, &e, &err)) < 0)
        return cli_fail(rc, &err);
    if (com->json)
        cli_json_print(entry_json(&e));
    else
        entry_print(&e);
    return status;
}

/* do_late - the admin's decision on a late completion. */
static int do_late(struct app *app, const struct cli_common *com,
                   const char *spec, enum watch_action action)
{
    char said[REG_TEXT_MAX + 64] = "";
    struct rm_err err;
    int64_t id, new_op = 0;
    int rc;

    if ((rc = async_resolve(app, spec, &id, &err)) < 0)
        return cli_fail(rc, &err);
    rc = watch_resolve(app, id, action, &new_op, said, sizeof said, &err);
    if (said[0] && !com->json)
        printf("registrar: %s\n", said);
    if (rc < 0)
        return cli_fail(rc, &err);
    if (new_op && !com->json)
        printf("charged again through operation %" PRId64 "\n", new_op);
    return show(app, com, spec, EXIT_OK);
}

static int exit_for_outcome(int outcome)
{
    if (outcome == OPS_SUCCEEDED)
        return EXIT_OK;
    if (outcome == OPS_PENDING)
        return EXIT_PENDING;
    return EXIT_REFUSED;
}

static int do_sweep(struct app *app, const struct cli_common *com)
{
    struct async_sweep_stats st;
    struct rm_err err;
    int rc;

    /* the [mail] section app_open read, as regman serve's sweep uses */
    rc = async_sweep(app, &app->set.mail, NULL, &st, &err);
    if (rc < 0)
        return cli_fail(rc, &err);
    if (com->json) {
        json_t *j = json_object();
        json_object_set_new(j, "polled", json_integer(st.polled));
        json_object_set_new(j, "calls", json_integer(st.calls));
        json_object_set_new(j, "succeeded", json_integer(st.succeeded));
        json_object_set_new(j, "failed", json_integer(st.failed));
        json_object_set_new(j, "timed_out", json_integer(st.timed_out));
        json_object_set_new(j, "waiting", json_integer(st.waiting));
        json_object_set_new(j, "no_answer", json_integer(st.no_answer));
        json_object_set_new(j, "errors", json_integer(st.errors));
        json_object_set_new(j, "digested", json_integer(st.digested));
        json_object_set_new(j, "digest_mail_id",
                            st.digest_mail_id ? json_integer(st.digest_mail_id)
                                              : json_null());
        json_object_set_new(j, "watched", json_integer(st.watched));
        json_object_set_new(j, "late", json_integer(st.late));
        json_object_set_new(j, "changes", json_integer(st.changes));
        json_object_set_new(j, "changes_settled",
                            json_integer(st.changes_settled));
        json_object_set_new(j, "ms", json_integer(st.ms));
        cli_json_print(j);
    } else {
        printf("sweep: polled %d (%d registrar calls) in %" PRId64
               " ms: %d succeeded, %d failed, %d timed out, %d waiting, "
               "%d without answer, %d errors\n",
               st.polled, st.calls, st.ms, st.succeeded, st.failed,
               st.timed_out, st.waiting, st.no_answer, st.errors);
        if (st.watched)
            printf("watched: %d checked, %d completed late\n", st.watched,
                   st.late);
        if (st.changes)
            printf("domain changes left behind: %d looked at, %d settled\n",
                   st.changes, st.changes_settled);
        if (st.digest_mail_id)
            printf("digest: mail %" PRId64 " lists %d operation(s)\n",
                   st.digest_mail_id, st.digested);
    }
    return st.errors ? EXIT_REFUSED : EXIT_OK;
}

int cmd_async(int argc, char **argv)
{
    struct cli_common com = {0};
    const char *pos[4], *limit = NULL, *reason = NULL;
    bool late = false, watched = false, flagged = false;
    struct cli_opt opts[] = {
        {"limit", OPT_VALUE, &limit},    {"reason", OPT_VALUE, &reason},
        {"late", OPT_FLAG, &late},       {"watched", OPT_FLAG, &watched},
        {"flagged", OPT_FLAG, &flagged}, {NULL, 0, NULL}};
    struct app *app = NULL;
    struct ops_result res;
    struct rm_err err;
    size_t npos;
    const char *sub;
    int rc, status;

    if ((rc = cli_parse(argc, argv, opts, &com, pos, 3, &npos)))
        return rc;
    if (com.help)
        return printf("usage: %s\n", usage), EXIT_OK;
    if (npos < 1)
        return cli_usage(usage);
    sub = pos[0];
    bool needs_op = strcmp(sub, "show") == 0 || strcmp(sub, "check") == 0 ||
                    strcmp(sub, "reset") == 0 || strcmp(sub, "cancel") == 0;
    bool decide = strcmp(sub, "late") == 0;
    bool known = needs_op || decide || strcmp(sub, "list") == 0 ||
                 strcmp(sub, "sweep") == 0;
    int nlists = (int)late + (int)watched + (int)flagged;
    if (!known || (needs_op && npos != 2) || (decide && npos != 3) ||
        (!needs_op && !decide && npos != 1) ||
        (limit && strcmp(sub, "list") != 0) ||
        (reason && strcmp(sub, "cancel") != 0) ||
        (nlists && strcmp(sub, "list") != 0) || nlists > 1)
        return cli_usage(usage);
    enum watch_action action = WATCH_ASSIGN;
    if (decide && (rc = watch_action_parse(pos[2], &action, &err)) < 0) {
        fprintf(stderr, "regman: %s\n", err.msg);
        return EXIT_USAGE;
    }
    if ((rc =
             cli_open(&com, APP_OPEN_STORE | APP_OPEN_KEY | APP_RECOVER, &app)))
        return rc;
    if (strcmp(sub, "list") == 0) {
        status = do_list(app, &com, limit,
                         late      ? ASYNC_LIST_LATE
                         : watched ? ASYNC_LIST_WATCHED
                         : flagged ? ASYNC_LIST_FLAGGED
                                   : ASYNC_LIST_PENDING);
    } else if (decide) {
        status = do_late(app, &com, pos[1], action);
    } else if (strcmp(sub, "show") == 0) {
        status = show(app, &com, pos[1], EXIT_OK);
    } else if (strcmp(sub, "sweep") == 0) {
        status = do_sweep(app, &com);
    } else if (strcmp(sub, "check") == 0) {
        if ((rc = async_check(app, pos[1], &res, &err)) < 0)
            status = cli_fail(rc, &err);
        else
            status = show(app, &com, pos[1], exit_for_outcome(rc));
    } else if (strcmp(sub, "reset") == 0) {
        if ((rc = async_reset(app, pos[1], &res, &err)) < 0)
            status = cli_fail(rc, &err);
        else
            status = show(app, &com, pos[1], EXIT_OK);
    } else {
        char said[REG_TEXT_MAX + 64] = "";
        if ((rc = async_cancel(app, pos[1], reason, &res, said, sizeof said,
                               &err)) < 0) {
            status = cli_fail(rc, &err);
        } else {
            if (!com.json)
                printf("registrar: %s\n", said);
            status = show(app, &com, pos[1], EXIT_OK);
        }
    }
    app_close(app);
    return status;
}

/* --- regman reconcile --------------------------------------------------- */

static const char reconcile_usage[] =
    "regman reconcile [--since YYYY-MM-DD] [-c FILE] [--json]\n"
    "Every operation refunded to its customer while the registrar completed\n"
    "it (exposure: paid at the registrar, not recovered) or may still\n"
    "complete it (at risk: watched), with the registrar's cost.";

int cmd_reconcile(int argc, char **argv)
{
    struct cli_common com = {0};
    const char *pos[1], *since_s = NULL;
    struct cli_opt opts[] = {{"since", OPT_VALUE, &since_s}, {NULL, 0, NULL}};
    struct reconcile_report r;
    struct app *app = NULL;
    struct rm_err err;
    time_t since = 0;
    size_t npos;
    int rc;

    if ((rc = cli_parse(argc, argv, opts, &com, pos, 0, &npos)))
        return rc;
    if (com.help)
        return printf("usage: %s\n", reconcile_usage), EXIT_OK;
    if (npos)
        return cli_usage(reconcile_usage);
    if (since_s && reg_parse_time(since_s, &since, &err) < 0) {
        fprintf(stderr, "regman: --since: %s\n", err.msg);
        return EXIT_USAGE;
    }
    if ((rc = cli_open(&com, APP_OPEN_STORE, &app)))
        return rc;
    if ((rc = watch_reconcile(app, (int64_t)since, &r, &err)) < 0) {
        app_close(app);
        return cli_fail(rc, &err);
    }
    if (com.json) {
        json_t *j = present_reconcile(&r, (int64_t)since, app->set.currency,
                                      PRESENT_CLI);
        cli_json_print(j);
    } else {
        static const char *head[] = {
            "ID",    "DOMAIN",   "ACCOUNT",        "KIND",     "STATE",
            "WATCH", "REFUNDED", "REGISTRAR COST", "EXPOSURE", "AT RISK"};
        struct cli_table t;
        char m1[MONEY_STR_MAX], m2[MONEY_STR_MAX];
        cli_table_init(&t, 10, head);
        for (size_t i = 0; i < r.n; i++) {
            const struct reconcile_row *x = &r.rows[i];
            char id[24], a[MONEY_STR_MAX], c[MONEY_STR_MAX], e[MONEY_STR_MAX],
                k[MONEY_STR_MAX];
            snprintf(id, sizeof id, "%" PRId64, x->id);
            cli_table_row(
                &t, id, x->domain, x->account, x->kind, x->state, x->watch,
                money_format(x->amount, a),
                x->registrar_cost >= 0 ? money_format(x->registrar_cost, c)
                                       : "unknown",
                money_format(x->exposure, e), money_format(x->at_risk, k));
        }
        cli_table_print(&t);
        printf("%zu operation(s); exposure %s %s, at risk %s %s%s\n", r.n,
               money_format(r.total_exposure, m1), app->set.currency,
               money_format(r.total_at_risk, m2), app->set.currency,
               r.unknown_cost ? " (some registrar costs unknown)" : "");
    }
    watch_reconcile_free(&r);
    app_close(app);
    return EXIT_OK;
}
