/*
 * cmd_events - `regman events status|list|read`: the registrars' event
 * streams (core/events.h; docs/regman.1).
 *
 * status: each connection's stream, healthy or why not (exit 0, or 3
 * when a connection with events on is not healthy). list: the events
 * read, newest first (--unknown: those nothing here matches). read: read
 * every stream once now (what a sweep does first), print the counts.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_events.h"
#include "core/events.h"
#include "util/clock.h"

static const char usage[] =
    "regman events status\n"
    "       regman events list [--unknown] [--limit N]\n"
    "       regman events read\n"
    "common: -c FILE, --json\n"
    "status: each connection's event stream, healthy or why not (exit 3\n"
    "when one that is on is not); list: the events read, newest first\n"
    "(--unknown: those about an order or domain regman does not know);\n"
    "read: read every stream once now.";

struct status_ctx {
    const struct cli_common *com;
    json_t *arr;
    struct cli_table t;
    int unhealthy;
};

static int status_row(const struct events_health *h, void *arg)
{
    struct status_ctx *x = arg;

    if (h->on && !h->healthy)
        x->unhealthy++;
    if (x->com->json) {
        json_t *j = json_object();
        json_object_set_new(j, "connection_id", json_integer(h->connection_id));
        json_object_set_new(j, "connection", json_string(h->title));
        json_object_set_new(j, "events", json_boolean(h->on));
        json_object_set_new(j, "healthy", json_boolean(h->healthy));
        json_object_set_new(j, "why", json_string(h->why));
        json_object_set_new(j, "last_poll", cli_time(h->last_poll_at));
        json_object_set_new(j, "last_ok", cli_time(h->last_ok_at));
        json_object_set_new(j, "last_event", cli_time(h->last_event_at));
        json_object_set_new(j, "failures", json_integer(h->failures));
        json_object_set_new(j, "received", json_integer(h->received));
        json_object_set_new(j, "unknown", json_integer(h->unknown));
        json_array_append_new(x->arr, j);
    } else {
        char rec[24], unk[24];
        snprintf(rec, sizeof rec, "%" PRId64, h->received);
        snprintf(unk, sizeof unk, "%" PRId64, h->unknown);
        cli_table_row(&x->t, h->title, h->on ? "on" : "off",
                      !h->on       ? "-"
                      : h->healthy ? "healthy"
                                   : "fallback",
                      rec, unk, h->why);
    }
    return 0;
}

static int do_status(struct app *app, const struct cli_common *com)
{
    static const char *head[] = {"CONNECTION", "EVENTS",  "STREAM",
                                 "RECEIVED",   "UNKNOWN", "WHY"};
    struct status_ctx x = {com, NULL, {0}, 0};
    struct rm_err err;
    int rc;

    if (com->json)
        x.arr = json_array();
    else
        cli_table_init(&x.t, 6, head);
    rc = events_health_list(app->st, clock_now(), status_row, &x, &err);
    if (rc < 0) {
        if (x.arr)
            json_decref(x.arr);
        else
            cli_table_print(&x.t);
        return cli_fail(rc, &err);
    }
    if (com->json)
        cli_json_print(x.arr);
    else
        cli_table_print(&x.t);
    return x.unhealthy ? EXIT_PENDING : EXIT_OK;
}

struct list_ctx {
    const struct cli_common *com;
    json_t *arr;
    struct cli_table t;
};

static int list_row(const struct events_row *r, void *arg)
{
    struct list_ctx *x = arg;

    if (x->com->json) {
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer(r->id));
        json_object_set_new(j, "connection", json_string(r->connection));
        json_object_set_new(j, "event_id", json_string(r->event_id));
        json_object_set_new(j, "event", json_string(r->event));
        json_object_set_new(j, "object", json_string(r->object));
        json_object_set_new(j, "kind", json_string(r->kind));
        json_object_set_new(j, "outcome", json_string(r->outcome));
        json_object_set_new(j, "domain",
                            *r->domain ? json_string(r->domain) : json_null());
        json_object_set_new(j, "order_id",
                            *r->order_id ? json_string(r->order_id)
                                         : json_null());
        json_object_set_new(j, "status",
                            *r->status ? json_string(r->status) : json_null());
        json_object_set_new(j, "operation_id",
                            r->operation_id ? json_integer(r->operation_id)
                                            : json_null());
        json_object_set_new(j, "event_date", cli_time(r->event_at));
        json_object_set_new(j, "received", cli_time(r->received_at));
        json_object_set_new(j, "acked", cli_time(r->acked_at));
        json_object_set_new(j, "data", json_string(r->data));
        json_array_append_new(x->arr, j);
    } else {
        char id[24], op[24];
        snprintf(id, sizeof id, "%" PRId64, r->id);
        if (r->operation_id)
            snprintf(op, sizeof op, "%" PRId64, r->operation_id);
        else
            snprintf(op, sizeof op, "-");
        cli_table_row(&x->t, id, r->connection, r->object, r->event,
                      *r->domain ? r->domain : "-",
                      *r->order_id ? r->order_id : "-",
                      *r->status ? r->status : "-", r->outcome, op);
    }
    return 0;
}

static int do_list(struct app *app, const struct cli_common *com, bool unknown,
                   const char *limit_s)
{
    static const char *head[] = {"ID",     "CONNECTION", "OBJECT",
                                 "EVENT",  "DOMAIN",     "ORDER",
                                 "STATUS", "OUTCOME",    "OP"};
    struct list_ctx x = {com, NULL, {0}};
    struct rm_err err;
    long limit = 50;
    int rc;

    if (limit_s) {
        char *end;
        limit = strtol(limit_s, &end, 10);
        if (*end || limit < 1 || limit > 100000) {
            fprintf(stderr, "regman: --limit must be 1..100000\n");
            return EXIT_USAGE;
        }
    }
    if (com->json)
        x.arr = json_array();
    else
        cli_table_init(&x.t, 9, head);
    rc = events_list(app, unknown ? "unknown" : NULL, 0, (int)limit, list_row,
                     &x, &err);
    if (com->json) {
        if (rc < 0)
            json_decref(x.arr);
        else
            cli_json_print(x.arr);
    } else {
        cli_table_print(&x.t);
    }
    return rc < 0 ? cli_fail(rc, &err) : EXIT_OK;
}

static int do_read(struct app *app, const struct cli_common *com)
{
    struct events_stats st;
    struct rm_err err;
    int rc;

    app->pace_calls = true; /* background work: rate-limited */
    if ((rc = events_read(app, &st, &err)) < 0)
        return cli_fail(rc, &err);
    if (com->json) {
        json_t *j = json_object();
        json_object_set_new(j, "connections", json_integer(st.connections));
        json_object_set_new(j, "polls", json_integer(st.polls));
        json_object_set_new(j, "received", json_integer(st.received));
        json_object_set_new(j, "duplicates", json_integer(st.duplicates));
        json_object_set_new(j, "checked", json_integer(st.checked));
        json_object_set_new(j, "known", json_integer(st.known));
        json_object_set_new(j, "unknown", json_integer(st.unknown));
        json_object_set_new(j, "ignored", json_integer(st.ignored));
        json_object_set_new(j, "acked", json_integer(st.acked));
        json_object_set_new(j, "ack_errors", json_integer(st.ack_errors));
        json_object_set_new(j, "errors", json_integer(st.errors));
        cli_json_print(j);
    } else {
        printf("events: %d stream(s), %d poll(s): %d received (%d "
               "duplicate), %d made an operation due, %d known, %d "
               "unknown, %d ignored; %d acknowledged, %d ack error(s), %d "
               "error(s)\n",
               st.connections, st.polls, st.received, st.duplicates, st.checked,
               st.known, st.unknown, st.ignored, st.acked, st.ack_errors,
               st.errors);
    }
    return st.errors ? EXIT_REFUSED : EXIT_OK;
}

int cmd_events(int argc, char **argv)
{
    struct cli_common com = {0};
    const char *pos[1], *limit = NULL;
    bool unknown = false;
    struct cli_opt opts[] = {{"unknown", OPT_FLAG, &unknown},
                             {"limit", OPT_VALUE, &limit},
                             {NULL, 0, NULL}};
    struct app *app = NULL;
    size_t npos;
    int rc, status;

    if ((rc = cli_parse(argc, argv, opts, &com, pos, 1, &npos)))
        return rc;
    if (com.help)
        return printf("usage: %s\n", usage), EXIT_OK;
    if (npos != 1)
        return cli_usage(usage);
    const char *sub = pos[0];
    if (strcmp(sub, "status") && strcmp(sub, "list") && strcmp(sub, "read"))
        return cli_usage(usage);
    if ((unknown || limit) && strcmp(sub, "list") != 0)
        return cli_usage(usage);
    if ((rc = cli_open(&com, APP_OPEN_STORE | APP_OPEN_KEY, &app)))
        return rc;
    if (strcmp(sub, "status") == 0)
        status = do_status(app, &com);
    else if (strcmp(sub, "list") == 0)
        status = do_list(app, &com, unknown, limit);
    else
        status = do_read(app, &com);
    app_close(app);
    return status;
}
