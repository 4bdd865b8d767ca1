/*
 * cmd_lifecycle - `regman lifecycle ...` and `regman import` (contract in
 * cmd_lifecycle.h).
 *
 * Exit status: 0 done; 1 some items failed (the step's error names the
 * first; everything else was done) or a refusal; 2 bad usage or input;
 * 4 system error.
 */
#include "cli/cmd_lifecycle.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/conn.h"
#include "core/lifecycle.h"
#include "mail/mail.h"
#include "util/clock.h"
#include "util/xalloc.h"

static const char usage[] =
    "regman lifecycle run [expire|warnings|renew|sync|all ...]\n"
    "       regman lifecycle due warnings|renewals|last-chance "
    "[--limit N]\n"
    "       regman lifecycle auto-renew NAME on|off [--account A]\n"
    "       regman lifecycle unknown [CONNECTION]\n"
    "common: -c FILE, --json";

static const char import_usage[] =
    "regman import CONNECTION --account A [--from YYYY-MM-DD] "
    "[--to YYYY-MM-DD] [--only NAME,NAME...] [--json]";

static const struct {
    const char *name;
    int (*step)(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                struct rm_err *err);
} steps[] = {
    {"expire", lifecycle_expire},
    {"warnings", lifecycle_warnings},
    {"renew", lifecycle_renew},
    {"sync", lifecycle_sync},
};
#define NSTEPS (sizeof steps / sizeof steps[0])

static json_t *stats_json(const struct lifecycle_stats *s)
{
    json_t *j = json_object();
    json_object_set_new(j, "warned", json_integer(s->warned));
    json_object_set_new(j, "renewed", json_integer(s->renewed));
    json_object_set_new(j, "pending", json_integer(s->pending));
    json_object_set_new(j, "failed", json_integer(s->failed));
    json_object_set_new(j, "no_funds", json_integer(s->no_funds));
    json_object_set_new(j, "skipped", json_integer(s->skipped));
    json_object_set_new(j, "done_mails", json_integer(s->done_mails));
    json_object_set_new(j, "last_chance", json_integer(s->last_chance));
    json_object_set_new(j, "expired", json_integer(s->expired));
    json_object_set_new(j, "listed", json_integer(s->listed));
    json_object_set_new(j, "drift", json_integer(s->drift));
    json_object_set_new(j, "missing", json_integer(s->missing));
    json_object_set_new(j, "restored", json_integer(s->restored));
    json_object_set_new(j, "away", json_integer(s->away));
    json_object_set_new(j, "unknown", json_integer(s->unknown));
    json_object_set_new(j, "unknown_new", json_integer(s->unknown_new));
    json_object_set_new(j, "away_pending", json_integer(s->away_pending));
    json_object_set_new(j, "renew_off", json_integer(s->renew_off));
    json_object_set_new(j, "errors", json_integer(s->errors));
    return j;
}

static void stats_print(const char *step, const struct lifecycle_stats *s)
{
    if (strcmp(step, "expire") == 0)
        printf("expire: %" PRId64 " marked expired\n", s->expired);
    else if (strcmp(step, "warnings") == 0)
        printf("warnings: %" PRId64 " sent\n", s->warned);
    else if (strcmp(step, "renew") == 0)
        printf("renew: %" PRId64 " renewed, %" PRId64 " pending, %" PRId64
               " failed, %" PRId64 " waiting for funds, %" PRId64
               " skipped, %" PRId64 " done mails, %" PRId64
               " last-chance alerts\n",
               s->renewed, s->pending, s->failed, s->no_funds, s->skipped,
               s->done_mails, s->last_chance);
    else
        printf("sync: %" PRId64 " listed, %" PRId64 " expiry corrected, "
               "%" PRId64 " missing, %" PRId64 " restored, %" PRId64
               " unknown here (%" PRId64 " new), %" PRId64
               " transferred away, %" PRId64 " transfers away pending, "
               "%" PRId64 " registrar auto-renewals turned off\n",
               s->listed, s->drift, s->missing, s->restored, s->unknown,
               s->unknown_new, s->away, s->away_pending, s->renew_off);
    if (s->errors)
        printf("%s: %" PRId64 " item(s) failed\n", step, s->errors);
}

/* Where unknown_row puts a name: printed, or a JSON array. */
struct unknown_out {
    json_t *rows; /* NULL: print */
    const char *indent;
    int64_t n;
};

static int unknown_row(const struct lifecycle_unknown *u, void *arg)
{
    struct unknown_out *o = arg;
    char exp[32] = "-", first[32];

    o->n++;
    if (o->rows) {
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer(u->id));
        json_object_set_new(j, "name", json_string(u->name));
        json_object_set_new(j, "connection_id", json_integer(u->connection_id));
        json_object_set_new(j, "connection", json_string(u->connection));
        json_object_set_new(j, "expires_at", cli_time(u->expires_at));
        json_object_set_new(j, "first_seen_at", cli_time(u->first_seen_at));
        json_object_set_new(j, "last_seen_at", cli_time(u->last_seen_at));
        json_array_append_new(o->rows, j);
    } else {
        if (u->expires_at > 0) {
            time_t t = (time_t)u->expires_at;
            struct tm tm;
            if (gmtime_r(&t, &tm))
                strftime(exp, sizeof exp, "%Y-%m-%d", &tm);
        }
        printf("%s%-40s expires %-10s %-20s first seen %s\n", o->indent,
               u->name, exp, u->connection,
               clock_format(u->first_seen_at, first, sizeof first));
    }
    return 0;
}

/* sync_names - the names this run's sync found unknown (their rows were
 * written at c->now), printed under the stats line or as JSON. */
static int sync_names(struct app *app, int64_t now, json_t *j,
                      struct rm_err *err)
{
    struct unknown_out o = {j ? json_array() : NULL, "  unknown: ", 0};
    struct lifecycle_unknown_query q = {0};
    int rc;

    q.seen_since = now;
    rc = lifecycle_unknown_list(app, &q, unknown_row, &o, err);
    if (j)
        json_object_set_new(j, "unknown_names", o.rows);
    return rc;
}

static int do_unknown(struct app *app, const struct cli_common *com,
                      const char *connection)
{
    struct unknown_out o = {com->json ? json_array() : NULL, "", 0};
    struct lifecycle_unknown_query q = {0};
    struct rm_err err;
    int rc;

    if (connection) {
        struct conn c;
        if ((rc = conn_get(app, connection, &c, &err)) < 0) {
            json_decref(o.rows);
            return cli_fail(rc, &err);
        }
        q.connection_id = c.id;
        conn_release(&c);
    }
    if ((rc = lifecycle_unknown_list(app, &q, unknown_row, &o, &err)) < 0) {
        json_decref(o.rows);
        return cli_fail(rc, &err);
    }
    if (o.rows) {
        json_t *j = json_object();
        json_object_set_new(j, "unknown", json_integer(o.n));
        json_object_set_new(j, "domains", o.rows);
        cli_json_print(j);
    } else {
        printf("%" PRId64 " unknown here (as of each connection's last "
               "sync)\n",
               o.n);
    }
    return EXIT_OK;
}

static int do_run(struct app *app, const struct cli_common *com,
                  const char **names, size_t nnames)
{
    bool want[NSTEPS] = {false};
    struct rm_err err;
    json_t *out = com->json ? json_object() : NULL;
    int status = EXIT_OK, rc;

    if (nnames == 0)
        for (size_t k = 0; k < NSTEPS; k++)
            want[k] = true;
    for (size_t i = 0; i < nnames; i++) {
        bool found = false;
        for (size_t k = 0; k < NSTEPS; k++)
            if (strcmp(names[i], steps[k].name) == 0 ||
                strcmp(names[i], "all") == 0)
                want[k] = found = true;
        if (!found) {
            json_decref(out);
            fprintf(stderr, "regman: unknown lifecycle step \"%s\"\n",
                    names[i]);
            return cli_usage(usage);
        }
    }
    /* the [mail] section app_open read, as the daily jobs use */
    struct lifecycle_ctx c = {app, &app->set.mail, clock_now(), NULL, NULL};
    for (size_t k = 0; k < NSTEPS; k++) {
        struct lifecycle_stats s;
        if (!want[k])
            continue;
        memset(&s, 0, sizeof s);
        rm_err_clear(&err);
        rc = steps[k].step(&c, &s, &err);
        bool list = steps[k].step == lifecycle_sync && s.unknown;
        struct rm_err e2;
        if (out) {
            json_t *j = stats_json(&s);
            if (rc < 0)
                json_object_set_new(j, "error", json_string(err.msg));
            if (list && sync_names(app, c.now, j, &e2) < 0)
                fprintf(stderr, "regman: unknown names: %s\n", e2.msg);
            json_object_set_new(out, steps[k].name, j);
        } else {
            stats_print(steps[k].name, &s);
            if (list && sync_names(app, c.now, NULL, &e2) < 0)
                fprintf(stderr, "regman: unknown names: %s\n", e2.msg);
        }
        if (rc < 0) {
            fprintf(stderr, "regman: lifecycle %s: %s\n", steps[k].name,
                    err.msg);
            if (rc == RM_EIO || rc == RM_EINTERNAL) {
                status = EXIT_SYSTEM;
                break;
            }
            status = EXIT_REFUSED;
        }
    }
    if (out)
        cli_json_print(out);
    return status;
}

struct due_out {
    json_t *rows; /* NULL: print */
    int64_t n, limit;
};

static int due_row(const struct lifecycle_domain *d, void *arg)
{
    struct due_out *o = arg;
    char exp[32];

    o->n++;
    if (o->limit && o->n > o->limit)
        return 0; /* counted, not shown */
    if (o->rows) {
        json_t *j = json_object();
        json_object_set_new(j, "domain", json_string(d->name));
        json_object_set_new(j, "domain_id", json_integer(d->domain_id));
        json_object_set_new(j, "account_id", json_integer(d->account_id));
        json_object_set_new(j, "expires_at", cli_time(d->expires_at));
        json_object_set_new(j, "status", json_string(d->status));
        json_object_set_new(j, "auto_renew", json_boolean(d->auto_renew));
        json_array_append_new(o->rows, j);
    } else {
        printf("%-40s %s %s%s\n", d->name,
               clock_format(d->expires_at, exp, sizeof exp), d->status,
               d->auto_renew ? " auto-renew" : "");
    }
    return 0;
}

static int do_due(struct app *app, const struct cli_common *com,
                  const char *which, const char *limit)
{
    struct due_out o = {com->json ? json_array() : NULL, 0, 0};
    struct rm_err err;
    struct timespec t0, t1;
    int64_t now = clock_now();
    int rc;

    if (limit && (rc = conn_parse_int("--limit", limit, 0, INT64_MAX, &o.limit,
                                      &err)) < 0) {
        json_decref(o.rows);
        return cli_fail(rc, &err);
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (strcmp(which, "warnings") == 0)
        rc = lifecycle_due_warnings(app, now, due_row, &o, &err);
    else if (strcmp(which, "renewals") == 0)
        rc = lifecycle_due_renewals(app, now, due_row, &o, &err);
    else if (strcmp(which, "last-chance") == 0)
        rc = lifecycle_due_last_chance(app, now, due_row, &o, &err);
    else {
        json_decref(o.rows);
        return cli_usage(usage);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc < 0) {
        json_decref(o.rows);
        return cli_fail(rc, &err);
    }
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
                (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    if (o.rows) {
        json_t *j = json_object();
        json_object_set_new(j, "due", json_integer(o.n));
        json_object_set_new(j, "elapsed_ms", json_integer((json_int_t)ms));
        json_object_set_new(j, "domains", o.rows);
        cli_json_print(j);
    } else {
        printf("%" PRId64 " due (%.1f ms)\n", o.n, ms);
    }
    return EXIT_OK;
}

int cmd_lifecycle(int argc, char **argv)
{
    struct cli_common com = {0};
    const char *account = NULL, *limit = NULL, *pos[8];
    struct cli_opt opts[] = {{"account", OPT_VALUE, &account},
                             {"limit", OPT_VALUE, &limit},
                             {NULL, 0, NULL}};
    struct app *app;
    struct rm_err err;
    size_t npos;
    int rc;

    if ((rc = cli_parse(argc, argv, opts, &com, pos, 8, &npos)))
        return rc;
    if (com.help) {
        printf("usage: %s\n", usage);
        return EXIT_OK;
    }
    if (npos < 1)
        return cli_usage(usage);
    if (strcmp(pos[0], "run") == 0) {
        if ((rc = cli_open(&com, APP_RECOVER, &app)))
            return rc;
        rc = do_run(app, &com, pos + 1, npos - 1);
    } else if (strcmp(pos[0], "due") == 0) {
        if (npos != 2)
            return cli_usage(usage);
        if ((rc = cli_open(&com, APP_OPEN_STORE, &app)))
            return rc;
        rc = do_due(app, &com, pos[1], limit);
    } else if (strcmp(pos[0], "unknown") == 0) {
        if (npos > 2)
            return cli_usage(usage);
        if ((rc = cli_open(&com, APP_OPEN_STORE, &app)))
            return rc;
        rc = do_unknown(app, &com, npos == 2 ? pos[1] : NULL);
    } else if (strcmp(pos[0], "auto-renew") == 0) {
        bool on;
        if (npos != 3)
            return cli_usage(usage);
        if ((rc = conn_parse_bool("auto-renew", pos[2], &on, &err)) < 0)
            return cli_fail(rc, &err);
        if ((rc = cli_open(&com, APP_OPEN_STORE, &app)))
            return rc;
        rc = lifecycle_set_auto_renew(app, pos[1], account, on, &err);
        if (rc < 0)
            rc = cli_fail(rc, &err);
        else if (com.json) {
            json_t *j = json_object();
            json_object_set_new(j, "domain", json_string(pos[1]));
            json_object_set_new(j, "auto_renew", json_boolean(on));
            cli_json_print(j);
        } else
            printf("%s: auto-renew %s\n", pos[1], on ? "on" : "off");
    } else {
        return cli_usage(usage);
    }
    app_close(app);
    return rc;
}

/* --- import ----------------------------------------------------------------
 */

/* progress - a bar on stderr, redrawn in place (stderr is a terminal). */
static void progress(int64_t done, int64_t total, void *arg)
{
    int width = 40, fill;
    (void)arg;
    if (total <= 0) {
        printf("\rimport: nothing listed\n");
        return;
    }
    fill = (int)(done * width / total);
    printf("\rimport: [%.*s%*s] %" PRId64 "/%" PRId64 " (%d%%)", fill,
           "########################################", width - fill, "", done,
           total, (int)(done * 100 / total));
    if (done >= total)
        putchar('\n');
    fflush(stdout);
}

static int parse_day(const char *what, const char *s, int64_t *out,
                     struct rm_err *err)
{
    time_t t;
    if (!s)
        return 0;
    if (strlen(s) != 10 || reg_parse_time(s, &t, err) < 0)
        return rm_err_set(err, RM_EINVAL, "%s: want YYYY-MM-DD, got \"%.40s\"",
                          what, s);
    *out = (int64_t)t;
    return 0;
}

/* split_names - the names of every --only value (comma separated) into
 * *v (pointers into *text; both heap). */
static int split_names(const struct cli_list *l, char **text, const char ***v,
                       size_t *n, struct rm_err *err)
{
    size_t len = 0, cap = 1;

    for (size_t i = 0; i < l->n; i++) {
        len += strlen(l->v[i]) + 1;
        for (const char *p = l->v[i]; *p; p++)
            cap += *p == ',';
        cap++;
    }
    *text = xmalloc(len + 1);
    *v = xcalloc(cap, sizeof **v);
    *n = 0;
    char *w = *text;
    for (size_t i = 0; i < l->n; i++) {
        strcpy(w, l->v[i]);
        for (char *tok = w, *end; tok; tok = end) {
            if ((end = strchr(tok, ',')))
                *end++ = '\0';
            if (*tok)
                (*v)[(*n)++] = tok;
        }
        w += strlen(l->v[i]) + 1;
    }
    if (*n == 0) {
        free(*v);
        free(*text);
        *v = NULL;
        *text = NULL;
        return rm_err_set(err, RM_EINVAL, "--only: no names given");
    }
    return 0;
}

int cmd_import(int argc, char **argv)
{
    struct cli_common com = {0};
    const char *account = NULL, *from = NULL, *to = NULL, *pos[1];
    struct cli_list only = {0};
    struct cli_opt opts[] = {{"account", OPT_VALUE, &account},
                             {"from", OPT_VALUE, &from},
                             {"to", OPT_VALUE, &to},
                             {"only", OPT_LIST, &only},
                             {NULL, 0, NULL}};
    char *names = NULL;
    const char **namev = NULL;
    struct lifecycle_import_req r = {0};
    struct lifecycle_import_result res;
    struct app *app;
    struct rm_err err;
    size_t npos;
    int rc;

    if ((rc = cli_parse(argc, argv, opts, &com, pos, 1, &npos)))
        return rc;
    if (com.help) {
        printf("usage: %s\n", import_usage);
        return EXIT_OK;
    }
    if (npos != 1 || !account)
        return cli_usage(import_usage);
    if ((rc = parse_day("--from", from, &r.from, &err)) < 0 ||
        (rc = parse_day("--to", to, &r.to, &err)) < 0)
        return cli_fail(rc, &err);
    if (r.to)
        r.to += 86399; /* the whole last day */
    r.connection = pos[0];
    r.account = account;
    if (only.n) {
        /* --only a.com,b.com, and may be given again */
        if ((rc = split_names(&only, &names, &namev, &r.n_only, &err)) < 0)
            return cli_fail(rc, &err);
        r.only = namev;
    }
    /* A bar only where a person watches the output: logs, pipes and
     * --json get the summary alone. */
    if (isatty(STDOUT_FILENO) && !com.json)
        r.progress = progress;
    if ((rc = cli_open(&com, APP_RECOVER, &app))) {
        free(namev);
        free(names);
        return rc;
    }
    struct lifecycle_ctx c = {app, NULL, clock_now(), NULL, NULL};
    rc = lifecycle_import(&c, &r, &res, &err);
    free(namev);
    free(names);
    if (rc < 0) {
        rc = cli_fail(rc, &err);
    } else if (com.json) {
        json_t *j = json_object();
        json_object_set_new(j, "import_id", json_integer(res.import_id));
        json_object_set_new(j, "listed", json_integer(res.listed));
        json_object_set_new(j, "adopted", json_integer(res.adopted));
        json_object_set_new(j, "skipped", json_integer(res.skipped));
        cli_json_print(j);
    } else {
        printf("import %" PRId64 ": %" PRId64 " listed, %" PRId64
               " adopted, %" PRId64 " skipped (known already)\n",
               res.import_id, res.listed, res.adopted, res.skipped);
    }
    app_close(app);
    return rc;
}
