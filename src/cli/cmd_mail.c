/*
 * cmd_mail - `regman mail list [--state S] [--limit N]` and `regman mail
 * retry ID` over the outbox (core/outbox.h; docs/regman.1). retry makes a
 * failed (or queued) row due now with its attempts reset; a sent row is
 * refused (exit 2). Exit status as in cli.h.
 */
#include "cli/cmd_mail.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/outbox.h"
#include "mail/mail.h"
#include "util/clock.h"

static const char usage[] =
    "regman mail list [--state queued|sent|failed] [--limit N]\n"
    "       regman mail retry ID\n"
    "common: -c FILE, --json";

static json_t *row_json(const struct mail_row *r)
{
    json_t *j = json_object();

    json_object_set_new(j, "id", json_integer(r->id));
    json_object_set_new(j, "state", json_string(r->state));
    json_object_set_new(j, "to", json_string(r->to_addr));
    json_object_set_new(j, "subject", json_string(r->subject));
    json_object_set_new(j, "message_id", json_string(r->message_id));
    json_object_set_new(j, "idem_key", json_string(r->idem_key));
    json_object_set_new(j, "attempts", json_integer(r->attempts));
    json_object_set_new(j, "created", cli_time(r->created_at));
    json_object_set_new(j, "next_attempt",
                        strcmp(r->state, "queued") == 0
                            ? cli_time(r->next_attempt_at)
                            : json_null());
    json_object_set_new(j, "sent", cli_time(r->sent_at));
    json_object_set_new(j, "last_error",
                        r->last_error ? json_string(r->last_error)
                                      : json_null());
    return j;
}

static int do_list(struct app *app, const struct cli_common *com,
                   const char *state, const char *limit_s)
{
    static const char *head[] = {"ID",      "STATE", "TO",        "SUBJECT",
                                 "CREATED", "TRIES", "LAST ERROR"};
    struct mail_row *rows;
    struct rm_err err;
    long limit = 100;
    int n, rc;

    if (state && strcmp(state, "queued") != 0 && strcmp(state, "sent") != 0 &&
        strcmp(state, "failed") != 0) {
        fprintf(stderr, "regman: --state is queued, sent or failed\n");
        return EXIT_USAGE;
    }
    if (limit_s) {
        char *end;
        limit = strtol(limit_s, &end, 10);
        if (*end || limit < 1 || limit > 10000) {
            fprintf(stderr, "regman: --limit must be 1..10000\n");
            return EXIT_USAGE;
        }
    }
    if ((rc = outbox_list(app->st, state, (int)limit, &rows, &n, &err)) < 0)
        return cli_fail(rc, &err);
    if (com->json) {
        json_t *a = json_array();
        for (int i = 0; i < n; i++)
            json_array_append_new(a, row_json(&rows[i]));
        cli_json_print(a);
    } else {
        struct cli_table t;
        cli_table_init(&t, 7, head);
        for (int i = 0; i < n; i++) {
            char id[24], tries[24], c[32], subj[61], le[61];
            snprintf(id, sizeof id, "%" PRId64, rows[i].id);
            snprintf(tries, sizeof tries, "%" PRId64, rows[i].attempts);
            snprintf(subj, sizeof subj, "%.60s", rows[i].subject);
            snprintf(le, sizeof le, "%.60s",
                     rows[i].last_error ? rows[i].last_error : "-");
            cli_table_row(&t, id, rows[i].state, rows[i].to_addr, subj,
                          clock_format(rows[i].created_at, c, sizeof c), tries,
                          le);
        }
        cli_table_print(&t);
    }
    mail_rows_free(rows, n);
    return EXIT_OK;
}

static int do_retry(struct app *app, const struct cli_common *com,
                    const char *id_s)
{
    struct mail_row row;
    struct rm_err err;
    char *end;
    long long id = strtoll(id_s, &end, 10);
    int rc;

    if (*end || id < 1) {
        fprintf(stderr, "regman: ID must be a mail id (regman mail list)\n");
        return EXIT_USAGE;
    }
    if ((rc = outbox_retry(app->st, id, clock_now(), &err)) < 0)
        return cli_fail(rc, &err);
    if ((rc = outbox_get(app->st, id, &row, &err)) < 0)
        return cli_fail(rc, &err);
    if (com->json)
        cli_json_print(row_json(&row));
    else
        printf("mail %" PRId64 ": %s, due now\n", row.id, row.state);
    mail_row_release(&row);
    return EXIT_OK;
}

int cmd_mail(int argc, char **argv)
{
    struct cli_common com = {0};
    const char *pos[2], *state = NULL, *limit = NULL;
    struct cli_opt opts[] = {{"state", OPT_VALUE, &state},
                             {"limit", OPT_VALUE, &limit},
                             {NULL, 0, NULL}};
    struct app *app = NULL;
    size_t npos;
    int rc, status;

    if ((rc = cli_parse(argc, argv, opts, &com, pos, 2, &npos)))
        return rc;
    if (com.help)
        return printf("usage: %s\n", usage), EXIT_OK;
    if (npos == 1 && strcmp(pos[0], "list") == 0) {
        if ((rc = cli_open(&com, APP_OPEN_STORE, &app)))
            return rc;
        status = do_list(app, &com, state, limit);
    } else if (npos == 2 && strcmp(pos[0], "retry") == 0 && !state && !limit) {
        if ((rc = cli_open(&com, APP_OPEN_STORE, &app)))
            return rc;
        status = do_retry(app, &com, pos[1]);
    } else {
        return cli_usage(usage);
    }
    app_close(app);
    return status;
}
