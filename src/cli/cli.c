/*
 * cli - shared command plumbing (contract in cli.h).
 */
#include "cli/cli.h"

#include <inttypes.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conn.h"
#include "core/money.h"
#include "core/ops.h"
#include "core/pace.h"
#include "core/reglog.h"
#include "opensrs/srs.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"

static bool match(const char *arg, const char *name, const char **val)
{
    size_t n = strlen(name);

    if (strncmp(arg, "--", 2) != 0 || strncmp(arg + 2, name, n) != 0)
        return false;
    if (arg[2 + n] == '\0') {
        *val = NULL;
        return true;
    }
    if (arg[2 + n] == '=') {
        *val = arg + 3 + n;
        return true;
    }
    return false;
}

int cli_parse(int argc, char **argv, const struct cli_opt *opts,
              struct cli_common *com, const char **pos, size_t maxpos,
              size_t *npos)
{
    bool only_pos = false;

    *npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        bool found = false;

        /* "-5" is an amount (account adjust), not an option */
        if (only_pos || a[0] != '-' || strcmp(a, "-") == 0 ||
            (a[1] >= '0' && a[1] <= '9')) {
            if (*npos >= maxpos) {
                fprintf(stderr, "regman: unexpected argument \"%s\"\n", a);
                return EXIT_USAGE;
            }
            pos[(*npos)++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = true;
            continue;
        }
        if (strcmp(a, "-c") == 0 || match(a, "config", &val)) {
            if (!val) {
                if (i + 1 >= argc) {
                    fprintf(stderr, "regman: %s needs a file\n", a);
                    return EXIT_USAGE;
                }
                val = argv[++i];
            }
            com->conf = val;
            continue;
        }
        if (strcmp(a, "--json") == 0) {
            com->json = true;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            com->help = true;
            continue;
        }
        for (const struct cli_opt *o = opts; o && o->name; o++) {
            if (!match(a, o->name, &val))
                continue;
            found = true;
            if (o->kind == OPT_FLAG) {
                if (val) {
                    fprintf(stderr, "regman: --%s takes no value\n", o->name);
                    return EXIT_USAGE;
                }
                *(bool *)o->dst = true;
                break;
            }
            if (!val) {
                if (i + 1 >= argc) {
                    fprintf(stderr, "regman: --%s needs a value\n", o->name);
                    return EXIT_USAGE;
                }
                val = argv[++i];
            }
            if (o->kind == OPT_VALUE) {
                *(const char **)o->dst = val;
            } else {
                struct cli_list *l = o->dst;
                if (l->n >= CLI_MAX_LIST) {
                    fprintf(stderr, "regman: --%s given too often\n", o->name);
                    return EXIT_USAGE;
                }
                l->v[l->n++] = val;
            }
            break;
        }
        if (!found) {
            fprintf(stderr, "regman: unknown option \"%s\"\n", a);
            return EXIT_USAGE;
        }
    }
    return 0;
}

int cli_exit_for(int rc)
{
    switch (rc) {
    case 0:
        return EXIT_OK;
    case RM_EREFUSED:
        return EXIT_REFUSED;
    case RM_EINVAL:
    case RM_ELIMIT:
    case RM_ENOTFOUND:
        return EXIT_USAGE;
    default:
        return EXIT_SYSTEM;
    }
}

int cli_fail(int rc, const struct rm_err *err)
{
    fprintf(stderr, "regman: %s\n", err->msg);
    return cli_exit_for(rc);
}

int cli_usage(const char *text)
{
    fprintf(stderr, "usage: %s\n", text);
    return EXIT_USAGE;
}

/* --- the OpenSRS driver, wired to core's registrar log ------------------ */

/*
 * The OpenSRS driver for core (app.make_registrar), safe for many threads
 * (regman serve): a bridge (sink, arg) from the transport's exchange log
 * to core's registrar log is shared by every registrar made with the same
 * pair. core passes its struct conn_session as arg, so the pairs in use
 * are bounded by the sessions that can be open at once, and a reused
 * bridge forwards to the same place it did before. Bridges are freed at
 * exit.
 */
struct bridge {
    reglog_sink_fn *sink;
    void *arg;
    struct bridge *next;
};

static pthread_mutex_t bridge_mu = PTHREAD_MUTEX_INITIALIZER;
static struct bridge *bridges;

static void bridges_free(void)
{
    pthread_mutex_lock(&bridge_mu);
    while (bridges) {
        struct bridge *n = bridges->next;
        free(bridges);
        bridges = n;
    }
    pthread_mutex_unlock(&bridge_mu);
}

static struct bridge *bridge_for(reglog_sink_fn *sink, void *arg)
{
    struct bridge *b;
    pthread_mutex_lock(&bridge_mu);
    for (b = bridges; b; b = b->next)
        if (b->sink == sink && b->arg == arg)
            break;
    if (!b) {
        if (!bridges)
            atexit(bridges_free);
        b = xcalloc(1, sizeof *b);
        b->sink = sink;
        b->arg = arg;
        b->next = bridges;
        bridges = b;
    }
    pthread_mutex_unlock(&bridge_mu);
    return b;
}

static void on_exchange(const struct srs_log_entry *e, void *arg)
{
    struct bridge *b = arg;
    struct reglog_entry r = {
        .action = e->action,
        .object = e->object,
        .domain = e->domain,
        .request = e->request,
        .response = e->response,
        .http_status = e->http_status,
        .outcome = srs_outcome_name(e->outcome),
        .duration_ms = (int64_t)e->duration_ms,
        .error = e->error,
    };
    b->sink(&r, b->arg);
}

int cli_make_registrar(struct app *app, const struct conn *c, const char *key,
                       reglog_sink_fn *sink, void *sink_arg,
                       struct registrar **out, struct rm_err *err)
{
    char url[400];
    struct srs_transport_config cfg = {0};

    conn_url(c, url, sizeof url);
    cfg.url = url;
    cfg.user = c->login;
    cfg.key = key;
    cfg.ca_file = c->ca_file[0] ? c->ca_file : NULL;
    cfg.source_ip = c->source_ip[0] ? c->source_ip : NULL;
    cfg.connect_timeout_ms = app->set.connect_timeout_ms;
    cfg.timeout_ms = app->set.timeout_ms;
    cfg.max_handles = 1;
    if (!(*out = srs_registrar_new(&cfg, err)))
        return err->code ? err->code : RM_EINVAL;
    srs_transport_set_log(srs_registrar_transport(*out), on_exchange,
                          bridge_for(sink, sink_arg));
    if (app->pace_calls) {
        /* counted in the database: every node together (core/pace.h) */
        pace_use_database(app->set.database);
        srs_transport_set_pace(srs_registrar_transport(*out), pace_wait,
                               pace_for(c->id, c->rate_per_min));
    }
    return 0;
}

int cli_open(const struct cli_common *com, unsigned flags, struct app **app)
{
    struct rm_err err;
    int rc, n = 0;

    rm_err_clear(&err);
    if ((rc = app_open(com->conf, flags, app, &err)) < 0) {
        fprintf(stderr, "regman: %s\n", err.msg);
        /* RM_EREFUSED: a master key that is not the database's */
        return rc == RM_ENOTFOUND || rc == RM_EINVAL || rc == RM_EREFUSED
                   ? EXIT_USAGE
                   : EXIT_SYSTEM;
    }
    (*app)->make_registrar = cli_make_registrar;
    if (flags & APP_RECOVER) {
        if ((rc = ops_recover(*app, &n, &err)) < 0) {
            fprintf(stderr, "regman: recovery: %s\n", err.msg);
            app_close(*app);
            *app = NULL;
            return EXIT_SYSTEM;
        }
        if (n)
            fprintf(stderr, "regman: recovered %d interrupted operation(s)\n",
                    n);
    }
    return 0;
}

/* --- output ----------------------------------------------------------------
 */

void cli_json_print(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);

    if (s) {
        puts(s);
        free(s);
    }
    json_decref(j);
}

json_t *cli_money(int64_t minor)
{
    char b[MONEY_STR_MAX];
    return json_string(money_format(minor, b));
}

json_t *cli_time(int64_t t)
{
    char b[32];
    if (!t)
        return json_null();
    return json_string(clock_format(t, b, sizeof b));
}

void cli_table_init(struct cli_table *t, size_t ncols, const char **head)
{
    memset(t, 0, sizeof *t);
    t->ncols = ncols;
    t->head = head;
}

void cli_table_row(struct cli_table *t, ...)
{
    va_list ap;

    if (t->nrows == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->cells = xrealloc(t->cells, t->cap * t->ncols * sizeof *t->cells);
    }
    va_start(ap, t);
    for (size_t c = 0; c < t->ncols; c++) {
        const char *v = va_arg(ap, const char *);
        t->cells[t->nrows * t->ncols + c] = xstrdup(v ? v : "");
    }
    va_end(ap);
    t->nrows++;
}

void cli_table_print(struct cli_table *t)
{
    size_t w[32] = {0};

    for (size_t c = 0; c < t->ncols && c < 32; c++) {
        w[c] = strlen(t->head[c]);
        for (size_t r = 0; r < t->nrows; r++) {
            size_t l = strlen(t->cells[r * t->ncols + c]);
            if (l > w[c])
                w[c] = l;
        }
    }
    for (size_t c = 0; c < t->ncols; c++)
        printf("%-*s%s", c + 1 < t->ncols ? (int)w[c] : 0, t->head[c],
               c + 1 < t->ncols ? "  " : "\n");
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++)
            printf("%-*s%s", c + 1 < t->ncols ? (int)w[c] : 0,
                   t->cells[r * t->ncols + c], c + 1 < t->ncols ? "  " : "\n");
    cli_table_free(t);
}

void cli_table_free(struct cli_table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

void cli_kv(const char *key, const char *fmt, ...)
{
    va_list ap;

    printf("%-18s ", key);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}
