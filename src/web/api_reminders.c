/*
 * api_reminders - reminder schedule endpoints (contract in
 * api_reminders.h).
 */
#include "web/api_reminders.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reminders.h"
#include "present/present.h"
#include "web/api.h"
#include "web/api_util.h"
#include "web/auth.h"

static int list_reminders(struct web_req *r)
{
    struct reminder_schedule *v;
    struct rm_err e;
    size_t n;
    int rc;

    ERR_INIT(e);
    if ((rc = reminders_list(api_app(r), &v, &n, &e)) < 0)
        return api_fail(r, rc, &e);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items,
                              present_reminder_schedule(&v[i], PRESENT_API));
    free(v);
    return web_reply_json(r, 200, json_pack("{s:o}", "schedules", items));
}

/* target_field - scope with its connection or tld into *t (borrowing from
 * b); 0 or the reply's status. */
static int target_field(struct web_req *r, json_t *b,
                        struct reminders_target *t)
{
    const char *scope = NULL;
    bool has_conn = false, has_tld = false;
    int rc;

    memset(t, 0, sizeof *t);
    if ((rc = api_get_str(r, b, "scope", true, 1, 16, &scope, NULL)) ||
        (rc = api_get_str(r, b, "connection", false, 1, 80, &t->connection,
                          &has_conn)) ||
        (rc = api_get_str(r, b, "tld", false, 1, 80, &t->tld, &has_tld)))
        return rc;
    if (strcmp(scope, "default") == 0 && !has_conn && !has_tld) {
        t->is_default = true;
        t->connection = t->tld = NULL;
        return 0;
    }
    if (strcmp(scope, "connection") == 0 && has_conn && !has_tld) {
        t->tld = NULL;
        return 0;
    }
    if (strcmp(scope, "tld") == 0 && has_tld && !has_conn) {
        t->connection = NULL;
        return 0;
    }
    return api_error(r, 400, API_EINVALID, "scope",
                     "scope: \"default\" (alone), \"connection\" with "
                     "connection, or \"tld\" with tld");
}

static int put_reminders(struct web_req *r)
{
    static const char *const fields[] = {"scope", "connection", "tld", "days",
                                         NULL};
    struct reminders_target t;
    struct reminder_schedule out;
    struct reminder_days d = {0};
    json_t *b, *days, *v;
    struct rm_err e;
    size_t i;
    int rc;

    if ((rc = api_body(r, &b)))
        return rc;
    ERR_INIT(e);
    if ((rc = api_only_fields(r, b, fields)) || (rc = target_field(r, b, &t)))
        goto out;
    days = json_object_get(b, "days");
    if (!days || !json_is_array(days)) {
        rc = api_error(r, 400, days ? API_EWRONG_TYPE : API_EMISSING, "days",
                       "days: expected an array of offsets, like [-30, -7, "
                       "3]");
        goto out;
    }
    if (json_array_size(days) > REMINDERS_MAX) {
        rc = api_error(r, 400, API_EINVALID, "days",
                       "days: at most %d offsets, %zu given", REMINDERS_MAX,
                       json_array_size(days));
        goto out;
    }
    json_array_foreach(days, i, v)
    {
        if (!json_is_integer(v)) {
            rc = api_error(r, 400, API_EWRONG_TYPE, "days",
                           "days: offsets are whole days");
            goto out;
        }
        d.day[d.n] = json_integer_value(v) > 10000 ? 10000
                     : json_integer_value(v) < -10000
                         ? -10000
                         : (int)json_integer_value(v);
        d.n++;
    }
    if ((rc = reminders_set(api_app(r), &t, &d, &out, &e)) < 0) {
        rc = rc == RM_EINVAL
                 ? api_error(r, 400, API_EINVALID, "days", "%s", e.msg)
                 : api_fail(r, rc, &e);
        goto out;
    }
    rc = web_reply_json(r, 200, present_reminder_schedule(&out, PRESENT_API));
out:
    json_decref(b);
    return rc;
}

static int delete_reminders(struct web_req *r)
{
    static const char *const fields[] = {"scope", "connection", "tld", NULL};
    struct reminders_target t;
    json_t *b;
    struct rm_err e;
    int rc;

    if ((rc = api_body(r, &b)))
        return rc;
    ERR_INIT(e);
    if ((rc = api_only_fields(r, b, fields)) || (rc = target_field(r, b, &t)))
        goto out;
    if ((rc = reminders_reset(api_app(r), &t, &e)) < 0) {
        rc = api_fail(r, rc, &e);
        goto out;
    }
    rc = web_reply_json(r, 200, json_pack("{s:b}", "removed", rc == 1));
out:
    json_decref(b);
    return rc;
}

static const struct web_route routes[] = {
    {"GET", "/api/v1/reminders", list_reminders, WEB_ADMIN},
    {"PUT", "/api/v1/reminders", put_reminders, WEB_ADMIN},
    {"DELETE", "/api/v1/reminders", delete_reminders, WEB_ADMIN},
};

const struct web_route *api_reminders_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
