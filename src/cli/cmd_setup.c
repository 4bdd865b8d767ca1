/*
 * cmd_setup - `regman init`, `check-config`, `audit`, `log` and `log
 * prune`.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd_core.h"
#include "cli/serve_conf.h"
#include "core/audit.h"
#include "core/conn.h"
#include "core/keycheck.h"
#include "core/reglog.h"
#include "mail/template.h"
#include "store/pg_sql.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/xalloc.h"

static const char DB_LINE_SQLITE[] = "\ndatabase = regman.db\n";
static const char DB_NOTE_SQLITE[] = "# the SQLite database file";

/* use_database - after app_init_dir made DIR with the SQLite default,
 * point DIR/regman.conf at url instead (the same file, mode 0640, with
 * its database line replaced) and remove the unused DIR/regman.db. */
static int use_database(const char *dir, const char *url, struct rm_err *err)
{
    char *conf = xasprintf("%s/regman.conf", dir);
    char *tmp = xasprintf("%s/regman.conf.new", dir);
    char *db = xasprintf("%s/regman.db", dir);
    char *text = NULL, *at, *out = NULL;
    FILE *f = fopen(conf, "r");
    long len;
    int rc = 0, fd = -1;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        rc = rm_err_set(err, RM_EIO, "%s: %s", conf, strerror(errno));
        goto out;
    }
    text = xcalloc((size_t)len + 1, 1);
    if (fread(text, 1, (size_t)len, f) != (size_t)len) {
        rc = rm_err_set(err, RM_EIO, "%s: short read", conf);
        goto out;
    }
    if ((at = strstr(text, DB_LINE_SQLITE)) == NULL) {
        rc = rm_err_set(err, RM_EINTERNAL, "%s: no database line", conf);
        goto out;
    }
    *at = '\0';
    /* its comment, the line above, says what the value is */
    char *note = strstr(text, DB_NOTE_SQLITE);
    if (note != NULL && strchr(note, '\n') == NULL)
        *note = '\0';
    else
        note = NULL;
    out = xasprintf("%s%s\ndatabase = %s\n%s", text,
                    note ? "# the PostgreSQL database (a libpq URL)" : "", url,
                    at + sizeof DB_LINE_SQLITE - 1);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0 || write(fd, out, strlen(out)) != (ssize_t)strlen(out) ||
        fsync(fd) != 0 || rename(tmp, conf) != 0) {
        rc = rm_err_set(err, RM_EIO, "%s: %s", conf, strerror(errno));
        unlink(tmp);
        goto out;
    }
    for (size_t i = 0; i < 3; i++) {
        static const char *const sfx[] = {"", "-wal", "-shm"};
        char *p = xasprintf("%s%s", db, sfx[i]);
        unlink(p);
        free(p);
    }
out:
    if (fd >= 0)
        close(fd);
    if (f != NULL)
        fclose(f);
    free(out);
    free(text);
    free(db);
    free(tmp);
    free(conf);
    return rc;
}

static int is_pg_url(const char *s)
{
    return strncmp(s, "postgresql://", 13) == 0 ||
           strncmp(s, "postgres://", 11) == 0;
}

int cmd_init(int argc, char **argv)
{
    struct cli_common com = {0};
    const char *dir = ".", *database = NULL, *pos[1];
    size_t npos;
    struct rm_err err;
    struct cli_opt opts[] = {{"dir", OPT_VALUE, &dir},
                             {"database", OPT_VALUE, &database},
                             {NULL, 0, NULL}};
    char shown[512];
    int rc;

    if ((rc = cli_parse(argc, argv, opts, &com, pos, 0, &npos)))
        return rc;
    if (com.help)
        return cli_usage("regman init [--dir DIR] [--database URL] [--json]"),
               EXIT_OK;
    rm_err_clear(&err);
    if (database != NULL && !is_pg_url(database)) {
        fprintf(stderr, "regman: --database takes a PostgreSQL URL "
                        "(postgresql://user@host:port/db); without it the "
                        "database is DIR/regman.db\n");
        return EXIT_USAGE;
    }
    if (database != NULL) {
        /* The database must exist; bring its schema up to date first, so
         * nothing is written to DIR when it cannot be reached. */
        struct store_open_opts so = {.create = 1};
        struct store *st = NULL;
        bool taken = false;
        if ((rc = store_open(database, &so, &st, &err)) < 0)
            return cli_fail(rc, &err);
        rc = keycheck_present(st, &taken, &err);
        store_close(st);
        if (rc < 0)
            return cli_fail(rc, &err);
        if (taken) {
            /* A new master key cannot open what the installation sealed. */
            store_pg_redact(database, shown, sizeof shown);
            fprintf(stderr,
                    "regman: %s already belongs to a regman installation; "
                    "for another node, copy regman.conf and master.key "
                    "from one of its nodes instead of running init\n",
                    shown);
            return EXIT_REFUSED;
        }
    }
    if ((rc = app_init_dir(dir, &err)) < 0)
        return cli_fail(rc, &err);
    if (database != NULL && (rc = use_database(dir, database, &err)) < 0)
        return cli_fail(rc, &err);
    if (database != NULL)
        store_pg_redact(database, shown, sizeof shown);
    else
        snprintf(shown, sizeof shown, "%s/regman.db", dir);
    if (com.json) {
        json_t *j = json_object();
        json_object_set_new(j, "dir", json_string(dir));
        json_object_set_new(j, "config", json_string("regman.conf"));
        json_object_set_new(j, "database",
                            json_string(database ? shown : "regman.db"));
        json_object_set_new(j, "master_key", json_string("master.key"));
        cli_json_print(j);
    } else {
        printf("created %s/regman.conf, %s and %s/master.key "
               "(mode 0600)\n",
               dir, shown, dir);
    }
    return EXIT_OK;
}

int cmd_check_config(int argc, char **argv)
{
    struct cli_common com = {0};
    const char *pos[1], *path;
    size_t npos;
    struct rm_err err;
    struct app_settings set;
    struct serve_conf sc;
    struct secret_key key;
    int rc;

    if ((rc = cli_parse(argc, argv, NULL, &com, pos, 0, &npos)))
        return rc;
    if (com.help)
        return cli_usage("regman check-config [-c FILE] [--json]"), EXIT_OK;
    rm_err_clear(&err);
    if ((rc = app_find_conf(com.conf, &path, &err)) < 0 ||
        (rc = app_load_settings(path, &set, &err)) < 0) {
        fprintf(stderr, "regman: %s\n", err.msg);
        return EXIT_USAGE;
    }
    /* [http] through the very function regman serve reads it with */
    if ((rc = serve_conf_load(path, NULL, NULL, &sc, &err)) < 0) {
        fprintf(stderr, "regman: %s\n", err.msg);
        app_settings_release(&set);
        return EXIT_USAGE;
    }
    if ((rc = secret_key_load(set.master_key_file, &key, &err)) < 0) {
        fprintf(stderr, "regman: %s\n", err.msg);
        serve_conf_release(&sc);
        app_settings_release(&set);
        return EXIT_USAGE;
    }
    secret_key_wipe(&key);
    /* with mail queued, every template must be there: a move does not
     * commit without its mail */
    if (set.mail.from && *set.mail.from &&
        (rc = tmpl_check_dir(set.mail.templates_dir ? set.mail.templates_dir
                                                    : "templates",
                             &err)) < 0) {
        fprintf(stderr, "regman: [mail] templates: %s\n", err.msg);
        serve_conf_release(&sc);
        app_settings_release(&set);
        return EXIT_USAGE;
    }
    char listen[128], shown[512];
    store_pg_redact(set.database, shown, sizeof shown); /* no password */
    snprintf(listen, sizeof listen,
             strchr(sc.listen_addr, ':') ? "[%s]:%u" : "%s:%u", sc.listen_addr,
             sc.port);
    if (com.json) {
        json_t *j = json_object();
        json_object_set_new(j, "config", json_string(set.conf_path));
        json_object_set_new(j, "database", json_string(shown));
        json_object_set_new(j, "master_key_file",
                            json_string(set.master_key_file));
        json_object_set_new(j, "currency", json_string(set.currency));
        json_object_set_new(j, "listen", json_string(listen));
        json_object_set_new(j, "ok", json_true());
        cli_json_print(j);
    } else {
        printf("%s: ok (database %s, master key %s, currency %s, listen %s)\n",
               set.conf_path, shown, set.master_key_file, set.currency, listen);
    }
    serve_conf_release(&sc);
    app_settings_release(&set);
    return EXIT_OK;
}

int cmd_audit(int argc, char **argv)
{
    struct cli_common com = {0};
    const char *pos[1];
    size_t npos;
    struct rm_err err;
    struct audit_report rep;
    struct app *app;
    int rc;

    if ((rc = cli_parse(argc, argv, NULL, &com, pos, 0, &npos)))
        return rc;
    if (com.help)
        return cli_usage("regman audit [-c FILE] [--json]"), EXIT_OK;
    if ((rc = cli_open(&com, APP_OPEN_STORE, &app)))
        return rc;
    rm_err_clear(&err);
    if ((rc = audit_run(app, &rep, &err)) < 0) {
        app_close(app);
        return cli_fail(rc, &err);
    }
    bool ok = audit_ok(&rep);
    if (com.json) {
        json_t *j = json_object(), *a = json_array();
        for (int i = 0; i < AUDIT_NCHECKS; i++) {
            json_t *c = json_object();
            json_object_set_new(c, "id", json_string(rep.c[i].id));
            json_object_set_new(c, "what", json_string(rep.c[i].what));
            json_object_set_new(c, "checked",
                                json_integer((json_int_t)rep.c[i].checked));
            json_object_set_new(c, "failed",
                                json_integer((json_int_t)rep.c[i].bad));
            json_object_set_new(c, "detail", json_string(rep.c[i].detail.data));
            json_array_append_new(a, c);
        }
        json_object_set_new(j, "checks", a);
        json_object_set_new(j, "ok", json_boolean(ok));
        cli_json_print(j);
    } else {
        for (int i = 0; i < AUDIT_NCHECKS; i++) {
            printf("%s %-4s %s (%zu checked, %zu failed)\n", rep.c[i].id,
                   rep.c[i].bad ? "FAIL" : "ok", rep.c[i].what,
                   rep.c[i].checked, rep.c[i].bad);
            if (rep.c[i].bad)
                fputs(rep.c[i].detail.data, stdout);
        }
        printf("audit: %s\n", ok ? "clean" : "FAILED");
    }
    audit_release(&rep);
    app_close(app);
    return ok ? EXIT_OK : EXIT_REFUSED;
}

struct log_ctx {
    bool json, csv;
    json_t *arr;
    struct cli_table *t;
};

static void csv_field(const char *s)
{
    putchar('"');
    for (; s && *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

static int log_row(const struct reglog_row *r, void *arg)
{
    struct log_ctx *c = arg;
    char at[32], id[24], op[24], http[16], dur[24];

    clock_format(r->at, at, sizeof at);
    snprintf(id, sizeof id, "%" PRId64, r->id);
    snprintf(op, sizeof op, "%" PRId64, r->op_id);
    snprintf(http, sizeof http, "%" PRId64, r->http_status);
    snprintf(dur, sizeof dur, "%" PRId64, r->duration_ms);
    if (c->json) {
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer(r->id));
        json_object_set_new(j, "at", json_string(at));
        json_object_set_new(j, "connection_id", json_integer(r->conn_id));
        json_object_set_new(j, "operation_id",
                            r->op_id ? json_integer(r->op_id) : json_null());
        json_object_set_new(j, "action", json_string(r->action));
        json_object_set_new(j, "object", json_string(r->object));
        json_object_set_new(j, "domain", json_string(r->domain));
        json_object_set_new(j, "outcome", json_string(r->outcome));
        json_object_set_new(j, "http_status", json_integer(r->http_status));
        json_object_set_new(j, "duration_ms", json_integer(r->duration_ms));
        json_object_set_new(j, "request", json_string(r->request));
        json_object_set_new(j, "response", json_string(r->response));
        json_array_append_new(c->arr, j);
    } else if (c->csv) {
        const char *f[] = {id,        at,         op,         r->action,
                           r->object, r->domain,  r->outcome, http,
                           dur,       r->request, r->response};
        for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
            if (i)
                putchar(',');
            csv_field(f[i]);
        }
        putchar('\n');
    } else {
        cli_table_row(c->t, id, at, r->op_id ? op : "-", r->action, r->domain,
                      r->outcome, http, dur);
    }
    return 0;
}

/* log_prune - `regman log prune`: the reglog.prune job's work, once. */
static int log_prune(const struct cli_common *com, bool dry_run)
{
    struct rm_err err;
    struct app *app;
    struct reglog_prune_opts o = {0};
    int64_t n = 0, now = clock_now(), cutoff;
    char at[32];
    int rc;

    if ((rc = cli_open(com, APP_OPEN_STORE, &app)))
        return rc;
    rm_err_clear(&err);
    o.dry_run = dry_run;
    cutoff = reglog_prune_cutoff(app, now);
    int keep_days = app->set.log_keep_days;
    rc = reglog_prune(app, now, &o, &n, &err);
    app_close(app);
    if (rc < 0) {
        if (n)
            fprintf(stderr,
                    "regman: %" PRId64 " row(s) deleted before the "
                    "error\n",
                    n);
        return cli_fail(rc, &err);
    }
    clock_format(cutoff, at, sizeof at);
    if (com->json) {
        json_t *j = json_object();
        json_object_set_new(j, dry_run ? "would_delete" : "deleted",
                            json_integer(n));
        json_object_set_new(j, "before", json_string(at));
        json_object_set_new(j, "keep_days", json_integer(keep_days));
        json_object_set_new(j, "dry_run", json_boolean(dry_run));
        cli_json_print(j);
    } else {
        printf("log prune: %s %" PRId64 " row(s) older than %s (%d days)\n",
               dry_run ? "would delete" : "deleted", n, at, keep_days);
    }
    return EXIT_OK;
}

int cmd_log(int argc, char **argv)
{
    struct cli_common com = {0};
    const char *pos[1], *domain = NULL, *op = NULL, *limit = NULL;
    bool csv = false, dry_run = false;
    size_t npos;
    struct rm_err err;
    struct app *app;
    struct cli_table t;
    static const char *head[] = {"ID",     "AT",      "OP",   "ACTION",
                                 "DOMAIN", "OUTCOME", "HTTP", "MS"};
    struct cli_opt opts[] = {
        {"domain", OPT_VALUE, &domain},  {"op", OPT_VALUE, &op},
        {"limit", OPT_VALUE, &limit},    {"csv", OPT_FLAG, &csv},
        {"dry-run", OPT_FLAG, &dry_run}, {NULL, 0, NULL}};
    int64_t op_id = 0, lim = 0;
    struct log_ctx ctx = {0};
    int rc;

    if ((rc = cli_parse(argc, argv, opts, &com, pos, 1, &npos)))
        return rc;
    if (com.help)
        return cli_usage("regman log [--domain D] [--op N] [--limit N] "
                         "[--csv | --json] [-c FILE]\n"
                         "       regman log prune [--dry-run] [--json] "
                         "[-c FILE]"),
               EXIT_OK;
    if (npos == 1 && strcmp(pos[0], "prune") != 0)
        return cli_usage("regman log: unknown subcommand (only \"prune\")");
    if (npos == 1 && (domain || op || limit || csv))
        return cli_usage("regman log prune takes only --dry-run, --json "
                         "and -c FILE");
    if (npos == 1)
        return log_prune(&com, dry_run);
    if (dry_run)
        return cli_usage("--dry-run belongs to regman log prune");
    rm_err_clear(&err);
    if (op && conn_parse_int("--op", op, 1, INT64_MAX, &op_id, &err) < 0)
        return cli_fail(RM_EINVAL, &err);
    if (limit && conn_parse_int("--limit", limit, 1, INT64_MAX, &lim, &err) < 0)
        return cli_fail(RM_EINVAL, &err);
    if (domain && strlen(domain) > 1024)
        return cli_usage("--domain: name too long");
    if ((rc = cli_open(&com, APP_OPEN_STORE, &app)))
        return rc;
    ctx.json = com.json;
    ctx.csv = csv;
    if (ctx.json)
        ctx.arr = json_array();
    else if (csv)
        puts("id,at,operation_id,action,object,domain,outcome,http_status,"
             "duration_ms,request,response");
    cli_table_init(&t, 8, head);
    ctx.t = &t;
    rc = reglog_query(app, domain, op_id, lim, log_row, &ctx, &err);
    app_close(app);
    if (rc < 0) {
        json_decref(ctx.arr);
        return cli_fail(rc, &err);
    }
    if (ctx.json)
        cli_json_print(ctx.arr);
    else if (!csv)
        cli_table_print(&t);
    return EXIT_OK;
}
