/*
 * cmd_registrar - `regman registrar add|list|show|edit|rm|test`.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_core.h"
#include "core/conn.h"
#include "core/money.h"
#include "present/present.h"
#include "util/clock.h"

static const char usage[] =
    "regman registrar add --title T --login L --key K|--key-file F "
    "[fields]\n"
    "       regman registrar edit TITLE [fields]\n"
    "       regman registrar list | show TITLE | rm TITLE | test TITLE\n"
    "fields: --server H --port N --tls yes|no --protocol auto|https|legacy\n"
    "        --source-ip IP "
    "--license-text T\n"
    "        --license-file PATH --warn-days N --renew-days N "
    "--renew-mode auto|manual\n"
    "        --test-mode yes|no --ca-file F --first-check DUR "
    "--poll-interval DUR\n"
    "        --deadline DUR --transfer-deadline DUR --concurrency N "
    "--rate N --ns a,b\n"
    "        --events on|off\n"
    "common: -c FILE, --json";

/* read_key_file - the key from a file (so it stays off the command
 * line, where other users can see it). */
static int read_key_file(const char *path, char *buf, size_t n,
                         struct rm_err *err)
{
    FILE *f = fopen(path, "r");
    size_t got;

    if (!f)
        return rm_err_set(err, RM_EINVAL, "key file %s: cannot open", path);
    got = fread(buf, 1, n - 1, f);
    if (!feof(f)) {
        fclose(f);
        return rm_err_set(err, RM_ELIMIT, "key file %s: too long", path);
    }
    fclose(f);
    buf[got] = '\0';
    while (got && (buf[got - 1] == '\n' || buf[got - 1] == '\r' ||
                   buf[got - 1] == ' '))
        buf[--got] = '\0';
    return 0;
}

static void conn_print(const struct conn *c)
{
    char url[400];

    conn_url(c, url, sizeof url);
    cli_kv("id", "%" PRId64, c->id);
    cli_kv("title", "%s", c->title);
    cli_kv("kind", "%s", c->kind);
    cli_kv("url", "%s", url);
    cli_kv("protocol", "%s%s", conn_protocol(c),
           strcmp(c->protocol, "auto") == 0 ? " (auto)" : "");
    cli_kv("source ip", "%s", c->source_ip[0] ? c->source_ip : "-");
    cli_kv("login", "%s", c->login);
    cli_kv("key", "(set, never shown)");
    cli_kv("license", "%s",
           c->license_text      ? "(text)"
           : c->license_path[0] ? c->license_path
                                : "-");
    cli_kv("warn days", "%" PRId64, c->warn_days);
    cli_kv("renew days", "%" PRId64, c->renew_days);
    cli_kv("renew mode", "%s", c->renew_mode);
    cli_kv("test mode", "%s", c->test_mode ? "yes" : "no");
    cli_kv("ca file", "%s", c->ca_file[0] ? c->ca_file : "-");
    cli_kv("first check", "%" PRId64 " s", c->first_check_s);
    cli_kv("poll interval", "%" PRId64 " s", c->poll_interval_s);
    cli_kv("deadline", "%" PRId64 " s", c->deadline_reg_s);
    cli_kv("transfer deadline", "%" PRId64 " s", c->deadline_xfer_s);
    cli_kv("concurrency", "%" PRId64, c->concurrency);
    cli_kv("rate per minute", "%" PRId64, c->rate_per_min);
    cli_kv("default ns", "%s", c->default_ns[0] ? c->default_ns : "-");
    cli_kv("events", "%s", c->events ? "on" : "off");
    cli_kv("domains", "%" PRId64, c->domains);
    cli_kv("tlds", "%" PRId64, c->tlds);
}

int cmd_registrar(int argc, char **argv)
{
    struct cli_common com = {0};
    struct conn_edit e = {0};
    const char *pos[2], *key_file = NULL;
    char keybuf[CONN_KEY_MAX + 2];
    size_t npos;
    struct rm_err err;
    struct app *app = NULL;
    struct cli_opt opts[] = {{"title", OPT_VALUE, &e.title},
                             {"server", OPT_VALUE, &e.server},
                             {"port", OPT_VALUE, &e.port},
                             {"tls", OPT_VALUE, &e.tls},
                             {"protocol", OPT_VALUE, &e.protocol},
                             {"source-ip", OPT_VALUE, &e.source_ip},
                             {"login", OPT_VALUE, &e.login},
                             {"key", OPT_VALUE, &e.key},
                             {"key-file", OPT_VALUE, &key_file},
                             {"license-text", OPT_VALUE, &e.license_text},
                             {"license-file", OPT_VALUE, &e.license_path},
                             {"warn-days", OPT_VALUE, &e.warn_days},
                             {"renew-days", OPT_VALUE, &e.renew_days},
                             {"renew-mode", OPT_VALUE, &e.renew_mode},
                             {"test-mode", OPT_VALUE, &e.test_mode},
                             {"ca-file", OPT_VALUE, &e.ca_file},
                             {"first-check", OPT_VALUE, &e.first_check},
                             {"poll-interval", OPT_VALUE, &e.poll_interval},
                             {"deadline", OPT_VALUE, &e.deadline_reg},
                             {"transfer-deadline", OPT_VALUE, &e.deadline_xfer},
                             {"concurrency", OPT_VALUE, &e.concurrency},
                             {"rate", OPT_VALUE, &e.rate_per_min},
                             {"ns", OPT_VALUE, &e.default_ns},
                             {"events", OPT_VALUE, &e.events},
                             {NULL, 0, NULL}};
    const char *sub;
    int rc;

    if ((rc = cli_parse(argc, argv, opts, &com, pos, 2, &npos)))
        return rc;
    if (com.help || npos == 0)
        return cli_usage(usage), com.help ? EXIT_OK : EXIT_USAGE;
    sub = pos[0];
    rm_err_clear(&err);
    if (key_file) {
        if ((rc = read_key_file(key_file, keybuf, sizeof keybuf, &err)) < 0)
            return cli_fail(rc, &err);
        e.key = keybuf;
    }
    bool needs_name = strcmp(sub, "add") != 0 && strcmp(sub, "list") != 0;
    if (needs_name != (npos == 2))
        return cli_usage(usage);
    if (strcmp(sub, "add") && strcmp(sub, "edit") && strcmp(sub, "list") &&
        strcmp(sub, "show") && strcmp(sub, "rm") && strcmp(sub, "test"))
        return cli_usage(usage);
    if ((rc = cli_open(&com, APP_OPEN_STORE | APP_OPEN_KEY, &app)))
        return rc;

    if (strcmp(sub, "add") == 0 || strcmp(sub, "edit") == 0) {
        int64_t id = 0;
        struct conn c;
        rc = strcmp(sub, "add") == 0 ? conn_add(app, &e, &id, &err)
                                     : conn_edit(app, pos[1], &e, &err);
        if (rc == 0)
            rc = id ? conn_get_id(app, id, &c, &err)
                    : conn_get(app, e.title ? e.title : pos[1], &c, &err);
        if (rc == 0) {
            if (com.json)
                cli_json_print(present_conn(&c, PRESENT_CLI));
            else
                printf("%s connection %" PRId64 " \"%s\"\n",
                       id ? "added" : "updated", c.id, c.title);
            conn_release(&c);
        }
    } else if (strcmp(sub, "list") == 0) {
        struct conn *v;
        size_t n;
        if ((rc = conn_list(app, &v, &n, &err)) == 0) {
            if (com.json) {
                json_t *a = json_array();
                for (size_t i = 0; i < n; i++)
                    json_array_append_new(a, present_conn(&v[i], PRESENT_CLI));
                cli_json_print(a);
            } else {
                static const char *head[] = {"ID",   "TITLE", "URL",    "LOGIN",
                                             "TEST", "TLDS",  "DOMAINS"};
                struct cli_table t;
                cli_table_init(&t, 7, head);
                for (size_t i = 0; i < n; i++) {
                    char id[24], url[400], nt[24], nd[24];
                    snprintf(id, sizeof id, "%" PRId64, v[i].id);
                    conn_url(&v[i], url, sizeof url);
                    snprintf(nt, sizeof nt, "%" PRId64, v[i].tlds);
                    snprintf(nd, sizeof nd, "%" PRId64, v[i].domains);
                    cli_table_row(&t, id, v[i].title, url, v[i].login,
                                  v[i].test_mode ? "yes" : "no", nt, nd);
                }
                cli_table_print(&t);
            }
            conn_list_free(v, n);
        }
    } else if (strcmp(sub, "show") == 0) {
        struct conn c;
        if ((rc = conn_get(app, pos[1], &c, &err)) == 0) {
            if (com.json)
                cli_json_print(present_conn(&c, PRESENT_CLI));
            else
                conn_print(&c);
            conn_release(&c);
        }
    } else if (strcmp(sub, "rm") == 0) {
        if ((rc = conn_remove(app, pos[1], &err)) == 0) {
            if (com.json) {
                json_t *j = json_object();
                json_object_set_new(j, "removed", json_string(pos[1]));
                cli_json_print(j);
            } else {
                printf("removed connection \"%s\"\n", pos[1]);
            }
        }
    } else {
        struct conn c;
        struct conn_session s;
        struct reg_balance b;
        struct reg_events ev = {0};
        int ev_rc = 0;
        struct rm_err ev_err;
        bool reading = true; /* regman reads the stream (--events on) */
        char m1[MONEY_STR_MAX], m2[MONEY_STR_MAX];
        if ((rc = conn_get(app, pos[1], &c, &err)) == 0) {
            reading = c.events;
            rc = conn_session_open(app, c.id, &s, &err);
            conn_release(&c);
        }
        if (rc == 0) {
            memset(&b, 0, sizeof b);
            rc = reg_balance(s.reg, &b, &err);
            /* Does the event stream answer? One POLL EVENT for one event:
             * a query, it acknowledges nothing. Its answer is reported but
             * does not decide the exit status. */
            rm_err_clear(&ev_err);
            if (rc == 0)
                ev_rc = reg_poll_events(s.reg, 1, &ev, &ev_err);
            reg_events_release(&ev); /* the items; total stays */
            conn_session_close(&s);
            if (rc < 0) {
                /* the registrar did not answer usefully: not bad input */
                fprintf(stderr, "regman: test failed: %s\n", err.msg);
                app_close(app);
                return EXIT_REFUSED;
            }
            if (com.json) {
                json_t *j = json_object();
                json_t *evj = json_object();
                json_object_set_new(j, "ok", json_true());
                json_object_set_new(j, "balance", cli_money(b.balance));
                json_object_set_new(j, "hold", cli_money(b.hold));
                json_object_set_new(evj, "answering", json_boolean(ev_rc == 0));
                json_object_set_new(evj, "waiting",
                                    ev_rc == 0 && ev.total >= 0
                                        ? json_integer(ev.total)
                                        : json_null());
                json_object_set_new(evj, "error",
                                    ev_rc == 0 ? json_null()
                                               : json_string(ev_err.msg));
                json_object_set_new(j, "events", evj);
                cli_json_print(j);
            } else {
                printf("ok: registrar balance %s (on hold %s)\n",
                       money_format(b.balance, m1), money_format(b.hold, m2));
                if (ev_rc < 0)
                    printf("events: not answering: %s", ev_err.msg);
                else if (ev.total >= 0)
                    printf("events: answering (%" PRId64 " waiting)", ev.total);
                else
                    printf("events: answering");
                printf("%s\n", reading ? "" : "; not read: --events off");
            }
        }
    }
    app_close(app);
    return rc < 0 ? cli_fail(rc, &err) : EXIT_OK;
}
