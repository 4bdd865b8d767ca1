/*
 * cmd_reminders - `regman reminders show|set|reset`: the reminder
 * schedules of core/reminders.h (docs/expiry.md "Reminder schedules").
 *
 * Exit status: 0 done; 2 bad usage or input (nothing changed); 4 system
 * error.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_core.h"
#include "core/reminders.h"
#include "present/present.h"
#include "util/clock.h"

static const char usage[] =
    "regman reminders show [--default | --connection NAME | --tld .TLD]\n"
    "       regman reminders set (--default | --connection NAME | --tld "
    ".TLD) --days -30,-7,3\n"
    "       regman reminders reset (--default | --connection NAME | --tld "
    ".TLD)\n"
    "days: 1 to 5 distinct offsets from expiry, -365..365 (negative = "
    "before);\n"
    "a TLD's schedule wins over its connection's, a connection's over the "
    "default;\n"
    "common: -c FILE, --json";

static const char *target_text(const struct reminder_schedule *r, char *buf,
                               size_t n)
{
    switch (r->scope) {
    case REMINDER_BUILTIN:
        return "(built-in default)";
    case REMINDER_DEFAULT:
        return "(default)";
    case REMINDER_CONNECTION:
        snprintf(buf, n, "connection %s", r->connection);
        return buf;
    case REMINDER_TLD:
        snprintf(buf, n, "tld .%s", r->tld);
        return buf;
    }
    return "?";
}

static int show_all(struct app *app, const struct cli_common *com)
{
    struct reminder_schedule *v;
    struct rm_err err;
    size_t n;
    int rc;

    if ((rc = reminders_list(app, &v, &n, &err)) < 0)
        return cli_fail(rc, &err);
    if (com->json) {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(
                a, present_reminder_schedule(&v[i], PRESENT_CLI));
        cli_json_print(json_pack("{s:o}", "schedules", a));
    } else {
        bool overridden = n > 1 && v[1].scope == REMINDER_DEFAULT;
        for (size_t i = 0; i < n; i++) {
            char t[320], d[64], up[32];
            printf(
                "%-30s %-24s %s%s\n", target_text(&v[i], t, sizeof t),
                reminders_text(&v[i].days, d, sizeof d),
                v[i].updated_at
                    ? "set "
                    : (overridden ? "overridden by the default " : "in use "),
                v[i].updated_at ? clock_format(v[i].updated_at, up, sizeof up)
                                : "");
        }
    }
    free(v);
    return EXIT_OK;
}

static int show_one(struct app *app, const struct cli_common *com,
                    const struct reminders_target *t)
{
    struct reminder_schedule r;
    struct rm_err err;
    char d[64], buf[320];
    int rc;

    if (t->is_default) {
        struct reminder_schedule *v;
        size_t n;
        if ((rc = reminders_list(app, &v, &n, &err)) < 0)
            return cli_fail(rc, &err);
        r = n > 1 && v[1].scope == REMINDER_DEFAULT ? v[1] : v[0];
        free(v);
        rc = 0;
    } else if ((rc = reminders_effective(app, t, &r, &err)) < 0) {
        return cli_fail(rc, &err);
    }
    if (com->json) {
        json_t *j = present_reminder_schedule(&r, PRESENT_CLI);
        json_object_set_new(j, "reminders", json_boolean(rc == 0));
        cli_json_print(j);
    } else if (rc == 1) {
        printf("no reminders (the connection's warn days are 0 and no "
               "schedule is set for it)\n");
    } else {
        printf("%s (from %s)\n", reminders_text(&r.days, d, sizeof d),
               target_text(&r, buf, sizeof buf));
    }
    return EXIT_OK;
}

int cmd_reminders(int argc, char **argv)
{
    struct cli_common com = {0};
    const char *conn = NULL, *tld = NULL, *days = NULL, *pos[2];
    bool def = false;
    struct cli_opt opts[] = {{"default", OPT_FLAG, &def},
                             {"connection", OPT_VALUE, &conn},
                             {"tld", OPT_VALUE, &tld},
                             {"days", OPT_VALUE, &days},
                             {NULL, 0, NULL}};
    struct reminders_target t = {0};
    struct reminder_days d;
    struct app *app;
    struct rm_err err;
    size_t npos;
    int rc;

    if ((rc = cli_parse(argc, argv, opts, &com, pos, 2, &npos)))
        return rc;
    if (com.help) {
        printf("usage: %s\n", usage);
        return EXIT_OK;
    }
    if (npos != 1)
        return cli_usage(usage);
    t.is_default = def;
    t.connection = conn;
    t.tld = tld;
    int ntargets = (def ? 1 : 0) + (conn ? 1 : 0) + (tld ? 1 : 0);
    bool show = strcmp(pos[0], "show") == 0;
    bool set = strcmp(pos[0], "set") == 0;
    bool reset = strcmp(pos[0], "reset") == 0;
    if ((!show && !set && !reset) || (days && !set))
        return cli_usage(usage);
    if (ntargets > 1 || (!show && ntargets != 1)) {
        fprintf(stderr,
                "regman: reminders %s: give exactly one of "
                "--default, --connection NAME, --tld .TLD\n",
                pos[0]);
        return EXIT_USAGE;
    }
    if (set) {
        if (!days) {
            fprintf(stderr, "regman: reminders set: --days is required "
                            "(like --days -30,-7,3)\n");
            return EXIT_USAGE;
        }
        if ((rc = reminders_parse(days, &d, &err)) < 0)
            return cli_fail(rc, &err);
    }
    if ((rc = cli_open(&com, APP_OPEN_STORE, &app)))
        return rc;
    if (show) {
        rc = ntargets ? show_one(app, &com, &t) : show_all(app, &com);
    } else if (set) {
        struct reminder_schedule r;
        char txt[64], buf[320];
        if ((rc = reminders_set(app, &t, &d, &r, &err)) < 0)
            rc = cli_fail(rc, &err);
        else if (com.json)
            cli_json_print(present_reminder_schedule(&r, PRESENT_CLI));
        else
            printf("%s: reminders %s\n", target_text(&r, buf, sizeof buf),
                   reminders_text(&r.days, txt, sizeof txt));
    } else {
        if ((rc = reminders_reset(app, &t, &err)) < 0) {
            rc = cli_fail(rc, &err);
        } else {
            if (com.json)
                cli_json_print(json_pack("{s:b}", "removed", rc == 1));
            else
                printf("%s\n", rc == 1 ? "schedule removed"
                                       : "no schedule was set: nothing "
                                         "changed");
            rc = EXIT_OK;
        }
    }
    app_close(app);
    return rc;
}
