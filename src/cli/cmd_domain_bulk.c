/*
 * cmd_domain_bulk - `regman domain bulk`: one action on many domains
 * (core/bulk.h; docs/regman.1).
 *
 *   domain bulk ACTION (--file F | --account A) [--tld T] [--term N]
 *               [--ns a,b] [--dry-run]   a new run, worked here
 *
 * --file F names the domains (one per line, '#' comments, blank lines
 * ignored); --account A alone selects all of A's active domains (of
 * --tld T). --file F --account A acts as customer A on the names of F:
 * only A's domains, another's fails "no such domain".
 *   domain bulk resume RUN               continue a run cut short
 *   domain bulk show RUN | list
 *
 * One line per domain as it ends (name, outcome, operation or change,
 * answer), then the summary. Exit status: 0 every item succeeded, 1 any
 * failed, 3 any pending or unknown and none failed, 2 bad usage or input
 * (nothing recorded), 4 system error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/cmd_core.h"
#include "core/bulk.h"
#include "core/conn.h"
#include "core/tld.h"
#include "present/present.h"
#include "registrar/registrar.h"

static const char usage[] =
    "regman domain bulk ACTION (--file F [--account A] | --account A "
    "[--tld T]) [--term N] [--ns a,b,...] [--dry-run]\n"
    "       ACTION: renew | ns | lock | unlock | auto-renew-on | "
    "auto-renew-off\n"
    "       regman domain bulk resume RUN\n"
    "       regman domain bulk show RUN | list\n"
    "common: -c FILE, --json";

#define LINE_MAX_LEN 1024

bool cmd_domain_bulk_wants(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        static const char *const valued[] = {
            "-c", "--config", "--file", "--account", "--tld", "--term", "--ns"};
        bool skip = false;
        for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
            skip = skip || strcmp(argv[i], valued[k]) == 0;
        if (skip) {
            i++;
            continue;
        }
        if (argv[i][0] == '-')
            continue;
        return strcmp(argv[i], "bulk") == 0;
    }
    return false;
}

/* The names of a --file: one per line, '#' starts a comment, blank lines
 * ignored. Owned strings. */
struct names {
    char **v;
    size_t n, cap;
};

static void names_release(struct names *nm)
{
    for (size_t i = 0; i < nm->n; i++)
        free(nm->v[i]);
    free(nm->v);
}

static int read_names(const char *path, struct names *out)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    char line[LINE_MAX_LEN + 2];
    long lineno = 0;
    int rc = 0;

    memset(out, 0, sizeof *out);
    if (!f) {
        fprintf(stderr, "regman: %s: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len > LINE_MAX_LEN && line[len - 1] != '\n') {
            fprintf(stderr, "regman: %s:%ld: line too long\n", path, lineno);
            rc = EXIT_USAGE;
            break;
        }
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *b = line, *e;
        while (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n')
            b++;
        e = b + strlen(b);
        while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
                         e[-1] == '\n'))
            *--e = '\0';
        if (!*b)
            continue;
        if (strpbrk(b, " \t")) {
            fprintf(stderr, "regman: %s:%ld: one domain name per line\n", path,
                    lineno);
            rc = EXIT_USAGE;
            break;
        }
        struct name n;
        struct rm_err err;
        rm_err_clear(&err);
        if (name_parse(b, &n, &err) < 0) {
            fprintf(stderr, "regman: %s:%ld: %s\n", path, lineno, err.msg);
            rc = EXIT_USAGE;
            break;
        }
        if (out->n == BULK_MAX_ITEMS) {
            fprintf(stderr, "regman: %s: at most %d domains in one run\n", path,
                    BULK_MAX_ITEMS);
            rc = EXIT_USAGE;
            break;
        }
        if (out->n == out->cap) {
            out->cap = out->cap ? out->cap * 2 : 32;
            out->v = realloc(out->v, out->cap * sizeof *out->v);
            if (!out->v)
                abort();
        }
        out->v[out->n] = strdup(b);
        if (!out->v[out->n])
            abort();
        out->n++;
    }
    if (!rc && ferror(f)) {
        fprintf(stderr, "regman: %s: %s\n", path, strerror(errno));
        rc = EXIT_USAGE;
    }
    if (f != stdin)
        fclose(f);
    if (!rc && out->n == 0) {
        fprintf(stderr, "regman: %s: no domain names\n", path);
        rc = EXIT_USAGE;
    }
    return rc;
}

/* split - "a,b c" into out (pointers into buf); the count, which may be
 * max + 1 (too many). */
static size_t split(char *buf, const char **out, size_t max)
{
    size_t n = 0;
    char *save = NULL;

    for (char *t = strtok_r(buf, ", ", &save); t && n < max + 1;
         t = strtok_r(NULL, ", ", &save))
        out[n++] = t;
    return n;
}

static void print_item(const struct bulk_item *it)
{
    char ref[32] = "-";

    if (it->operation_id)
        snprintf(ref, sizeof ref, "op %" PRId64, it->operation_id);
    else if (it->change_id)
        snprintf(ref, sizeof ref, "change %" PRId64, it->change_id);
    printf("%-32s %-9s %-12s %s\n", it->domain, it->state, ref, it->answer);
    fflush(stdout);
}

static void on_item(const struct bulk_item *it, void *arg)
{
    bool *json = arg;
    if (!*json)
        print_item(it);
}

static int exit_for_run(const struct bulk_run *r)
{
    if (r->failed)
        return EXIT_REFUSED;
    if (r->pending || r->unknown || r->queued || r->running)
        return EXIT_PENDING;
    return EXIT_OK;
}

static void print_summary(const struct bulk_run *r)
{
    printf("bulk %" PRId64 " (%s): %" PRId64 " succeeded, %" PRId64
           " failed, %" PRId64 " pending/unknown",
           r->id, r->action, r->succeeded, r->failed, r->pending + r->unknown);
    if (r->queued + r->running)
        printf(", %" PRId64 " not done yet", r->queued + r->running);
    printf("\n");
}

/* finish - print the run (all of it with --json; the items not printed
 * yet and the summary otherwise) and say how it went. */
static int finish(struct app *app, int64_t id, bool json, bool all_lines,
                  struct rm_err *err)
{
    struct bulk_run r;
    int rc = bulk_get(app, id, NULL, true, &r, err);

    if (rc < 0)
        return cli_fail(rc, err);
    if (json) {
        cli_json_print(present_bulk_run(&r, true, PRESENT_CLI));
    } else {
        for (size_t i = 0; all_lines && i < r.n_items; i++)
            print_item(&r.items[i]);
        print_summary(&r);
    }
    rc = exit_for_run(&r);
    bulk_run_release(&r);
    return rc;
}

/* failed_from_start - the items refused at creation ("no such domain")
 * are not run; print them first. */
static void print_refused(struct app *app, int64_t id)
{
    struct bulk_run r;
    struct rm_err err;

    rm_err_clear(&err);
    if (bulk_get(app, id, NULL, true, &r, &err) < 0)
        return;
    for (size_t i = 0; i < r.n_items; i++)
        if (strcmp(r.items[i].state, "failed") == 0 && !r.items[i].started_at)
            print_item(&r.items[i]);
    bulk_run_release(&r);
}

static int work(struct app *app, int64_t id, bool json, struct rm_err *err)
{
    struct bulk_exec_opts o = {0};
    int rc;

    o.on_item = on_item;
    o.arg = &json;
    o.wait_others = true;
    rc = bulk_execute(app, id, &o, err);
    if (rc < 0)
        return cli_fail(rc, err);
    return finish(app, id, json, false, err);
}

struct plan {
    bool json;
    json_t *arr;
    int ok, refused;
};

static void plan_line(const char *domain, const char *why, void *arg)
{
    struct plan *p = arg;

    why ? p->refused++ : p->ok++;
    if (p->json) {
        json_t *j = json_object();
        json_object_set_new(j, "domain", json_string(domain));
        json_object_set_new(j, "state", json_string(why ? "failed" : "queued"));
        json_object_set_new(j, "answer", json_string(why ? why : ""));
        json_array_append_new(p->arr, j);
    } else {
        printf("%-32s %s\n", domain, why ? why : "would be done");
    }
}

static int list_row(const struct bulk_run *r, void *arg)
{
    json_t *arr = arg;
    char when[32];
    time_t t = (time_t)r->created_at;
    struct tm tm;

    if (arr) {
        json_array_append_new(arr, present_bulk_run(r, false, PRESENT_CLI));
        return 0;
    }
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
    printf("%-6" PRId64 " %s  %-14s %-8s %-16s %" PRId64 "/%" PRId64
           " done, %" PRId64 " succeeded, %" PRId64 " failed, %" PRId64
           " pending/unknown\n",
           r->id, when, r->action, r->state, r->actor,
           r->total - r->queued - r->running, r->total, r->succeeded, r->failed,
           r->pending + r->unknown);
    return 0;
}

static int parse_run_id(const char *s, int64_t *id)
{
    struct rm_err err;
    rm_err_clear(&err);
    if (conn_parse_int("RUN", s, 1, INT64_MAX, id, &err) < 0)
        return cli_fail(RM_EINVAL, &err);
    return 0;
}

int cmd_domain_bulk(int argc, char **argv)
{
    struct cli_common com = {0};
    const char *pos[3], *file = NULL, *account = NULL, *tld = NULL,
                        *term_s = NULL, *ns_s = NULL;
    bool dry = false;
    struct cli_opt opts[] = {{"file", OPT_VALUE, &file},
                             {"account", OPT_VALUE, &account},
                             {"tld", OPT_VALUE, &tld},
                             {"term", OPT_VALUE, &term_s},
                             {"ns", OPT_VALUE, &ns_s},
                             {"dry-run", OPT_FLAG, &dry},
                             {NULL, 0, NULL}};
    struct bulk_req req = {0};
    struct names names = {0};
    struct rm_err err;
    struct app *app;
    size_t npos;
    int64_t term = 0, id;
    int rc;

    if ((rc = cli_parse(argc, argv, opts, &com, pos, 3, &npos)))
        return rc;
    if (com.help)
        return cli_usage(usage), EXIT_OK;
    if (npos < 2 || strcmp(pos[0], "bulk") != 0)
        return cli_usage(usage);
    rm_err_clear(&err);
    const char *sub = pos[1];
    bool selecting = file || account || tld || term_s || ns_s || dry;

    if (strcmp(sub, "list") == 0) {
        if (npos != 2 || selecting)
            return cli_usage(usage);
        if ((rc = cli_open(&com, APP_OPEN_STORE, &app)))
            return rc;
        json_t *arr = com.json ? json_array() : NULL;
        rc = bulk_list(app, NULL, 0, list_row, arr, &err);
        app_close(app);
        if (rc < 0) {
            json_decref(arr);
            return cli_fail(rc, &err);
        }
        if (arr)
            cli_json_print(arr);
        return EXIT_OK;
    }
    if (strcmp(sub, "show") == 0 || strcmp(sub, "resume") == 0) {
        if (npos != 3 || selecting)
            return cli_usage(usage);
        if ((rc = parse_run_id(pos[2], &id)))
            return rc;
        bool resume = strcmp(sub, "resume") == 0;
        if ((rc = cli_open(&com, resume ? APP_RECOVER : APP_OPEN_STORE, &app)))
            return rc;
        if (resume) {
            struct bulk_run r;
            /* the run must exist before anything is worked */
            if ((rc = bulk_get(app, id, NULL, false, &r, &err)) < 0) {
                app_close(app);
                return cli_fail(rc, &err);
            }
            rc = work(app, id, com.json, &err);
        } else {
            rc = finish(app, id, com.json, true, &err);
        }
        app_close(app);
        return rc;
    }
    /* a new run */
    if (npos != 2)
        return cli_usage(usage);
    if (bulk_action_parse(sub, &req.action, &err) < 0)
        return cli_fail(RM_EINVAL, &err);
    if (!file && !account)
        return cli_usage("bulk: --file F or --account A");
    if (tld && (!account || file))
        return cli_usage("bulk: --tld narrows --account");
    if (term_s && req.action != BULK_RENEW)
        return cli_usage("bulk: --term is for renew");
    if (term_s &&
        conn_parse_int("--term", term_s, 1, TLD_MAX_TERM, &term, &err) < 0)
        return cli_fail(RM_EINVAL, &err);
    if ((ns_s != NULL) != (req.action == BULK_NS))
        return cli_usage("bulk: --ns goes with ns, and ns needs it");
    char nsbuf[REG_NS_MAX * 256 + 1];
    const char *ns[REG_NS_MAX + 1];
    if (ns_s) {
        if (strlen(ns_s) >= sizeof nsbuf)
            return cli_usage("--ns: list too long");
        snprintf(nsbuf, sizeof nsbuf, "%s", ns_s);
        req.n_nameservers = split(nsbuf, ns, REG_NS_MAX);
        if (req.n_nameservers < REG_NS_MIN || req.n_nameservers > REG_NS_MAX) {
            fprintf(stderr,
                    "regman: --ns: a domain needs %d to %d "
                    "nameservers\n",
                    REG_NS_MIN, REG_NS_MAX);
            return EXIT_USAGE;
        }
        req.nameservers = ns;
    }
    if (file && (rc = read_names(file, &names))) {
        names_release(&names);
        return rc;
    }
    req.names = (const char *const *)names.v;
    req.n_names = names.n;
    if (file)
        req.scope = account; /* the names, as that customer */
    else
        req.account = account;
    req.tld = tld;
    req.term = (int)term;
    if ((rc = cli_open(&com, APP_RECOVER, &app))) {
        names_release(&names);
        return rc;
    }
    if (dry) {
        struct plan p = {com.json, com.json ? json_array() : NULL, 0, 0};
        rc = bulk_plan(app, &req, plan_line, &p, &err);
        app_close(app);
        names_release(&names);
        if (rc < 0) {
            json_decref(p.arr);
            return cli_fail(rc, &err);
        }
        if (p.arr)
            cli_json_print(p.arr);
        else
            printf("dry run: %d would be done, %d would fail\n", p.ok,
                   p.refused);
        return EXIT_OK;
    }
    rc = bulk_create(app, &req, &id, &err);
    names_release(&names);
    if (rc < 0) {
        app_close(app);
        return cli_fail(rc, &err);
    }
    if (!com.json) {
        printf("bulk %" PRId64 ": %s\n", id, bulk_action_name(req.action));
        print_refused(app, id);
    }
    rc = work(app, id, com.json, &err);
    app_close(app);
    return rc;
}
