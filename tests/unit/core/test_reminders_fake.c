/*
 * test_reminders_fake - reminder schedules (core/reminders.h): the input
 * rules (1 to 5 distinct offsets in -365..365), the resolution order
 * (TLD over connection over default over the built-in -30, -7, +3; a
 * connection with warn_days 0 gets none unless a schedule is set for it
 * or its TLD), and setting, showing and resetting them on a real
 * installation (corefix.h; its connection has warn_days 0) where a
 * refused change changes nothing.
 * Table-driven.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/app.h"
#include "core/reminders.h"
#include "corefix.h"

static const struct parse_row {
    const char *in;
    int ok;
    const char *want; /* reminders_text, or a word of the error */
} parse_rows[] = {
    {"-30,-7,3", 1, "-30,-7,+3"},
    {"3, -30", 1, "-30,+3"},
    {"+3", 1, "+3"},
    {"0", 1, "0"},
    {"-365,365", 1, "-365,+365"},
    {"-1,-2,-3,-4,-5", 1, "-5,-4,-3,-2,-1"},
    {"", 0, "at least one"},
    {NULL, 0, "at least one"},
    {"1,2,3,4,5,6", 0, "at most 5"},
    {"-3,-3", 0, "given twice"},
    {"-366", 0, "out of range"},
    {"400", 0, "out of range"},
    {"abc", 0, "want offsets"},
    {"1,,2", 0, "want offsets"},
    {"1;2", 0, "want offsets"},
};

static void parse_follows_the_rules(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof parse_rows / sizeof parse_rows[0]; i++) {
        const struct parse_row *r = &parse_rows[i];
        struct reminder_days d;
        struct rm_err err = {0};
        char buf[64];
        int rc = reminders_parse(r->in, &d, &err);

        print_message("row: \"%s\"\n", r->in ? r->in : "(null)");
        if (r->ok) {
            assert_int_equal(rc, 0);
            assert_string_equal(reminders_text(&d, buf, sizeof buf), r->want);
        } else {
            assert_int_equal(rc, RM_EINVAL);
            if (!strstr(err.msg, r->want))
                fail_msg("error \"%s\" does not say \"%s\"", err.msg, r->want);
        }
    }
}

static struct reminder_schedule sched(enum reminder_scope scope, int64_t conn,
                                      const char *tld, const char *days)
{
    struct reminder_schedule s;
    struct rm_err err;

    memset(&s, 0, sizeof s);
    s.scope = scope;
    s.connection_id = conn;
    snprintf(s.tld, sizeof s.tld, "%s", tld ? tld : "");
    assert_int_equal(reminders_parse(days, &s.days, &err), 0);
    return s;
}

static const struct resolve_row {
    const char *what;
    bool with_default, with_conn, with_tld;
    int64_t connection_id, warn_days;
    const char *tld;
    int want; /* 1: reminders, 0: none */
    enum reminder_scope from;
    const char *days;
} resolve_rows[] = {
    {"nothing set: the built-in default", false, false, false, 1, 30, "com", 1,
     REMINDER_BUILTIN, "-30,-7,+3"},
    {"the default override", true, false, false, 1, 30, "com", 1,
     REMINDER_DEFAULT, "-60"},
    {"the connection over the default", true, true, false, 1, 30, "com", 1,
     REMINDER_CONNECTION, "-14,-1"},
    {"the TLD over the connection", true, true, true, 1, 30, "net", 1,
     REMINDER_TLD, "-10,+5"},
    {"another TLD of the connection: the connection's", true, true, true, 1, 30,
     "com", 1, REMINDER_CONNECTION, "-14,-1"},
    {"another connection: the default", true, true, true, 2, 30, "com", 1,
     REMINDER_DEFAULT, "-60"},
    {"the TLD wins on another connection too", true, true, true, 2, 30, "net",
     1, REMINDER_TLD, "-10,+5"},
    {"warn_days 0: no default reminders", true, false, false, 2, 0, "com", 0,
     REMINDER_BUILTIN, ""},
    {"warn_days 0, built-in only: none", false, false, false, 2, 0, "com", 0,
     REMINDER_BUILTIN, ""},
    {"warn_days 0 but a schedule for the connection", false, true, false, 1, 0,
     "com", 1, REMINDER_CONNECTION, "-14,-1"},
    {"warn_days 0 but a schedule for the TLD", false, false, true, 2, 0, "net",
     1, REMINDER_TLD, "-10,+5"},
};

static void resolution_order(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof resolve_rows / sizeof resolve_rows[0]; i++) {
        const struct resolve_row *r = &resolve_rows[i];
        struct reminder_schedule v[3];
        struct reminders_table t = {v, 0};
        struct reminder_days d;
        enum reminder_scope from = REMINDER_BUILTIN;
        char buf[64];

        print_message("row: %s\n", r->what);
        /* stored order: default, connections, TLDs (reminders_load) */
        if (r->with_default)
            v[t.n++] = sched(REMINDER_DEFAULT, 0, NULL, "-60");
        if (r->with_conn)
            v[t.n++] = sched(REMINDER_CONNECTION, 1, NULL, "-1,-14");
        if (r->with_tld)
            v[t.n++] = sched(REMINDER_TLD, 0, "net", "5,-10");
        int got = reminders_resolve(&t, r->connection_id, r->warn_days, r->tld,
                                    &d, &from);
        assert_int_equal(got, r->want);
        if (got) {
            assert_int_equal(from, r->from);
            assert_string_equal(reminders_text(&d, buf, sizeof buf), r->days);
        }
    }
}

static int64_t schedules(struct corefix *f)
{
    return corefix_int(f,
                       "SELECT CAST(COUNT(*) AS BIGINT) FROM "
                       "reminder_schedules",
                       NULL, 0);
}

static void set_show_reset_on_an_installation(void **state)
{
    struct corefix *f = corefix_open(false);
    struct reminder_days d;
    struct reminder_schedule r;
    struct rm_err err = {0};
    char buf[64];

    (void)state;
    struct reminders_target tld = {false, NULL, ".COM"};
    struct reminders_target conn = {false, "fake", NULL};
    struct reminders_target def = {true, NULL, NULL};
    struct reminders_target bad_tld = {false, NULL, ".nosuch"};
    struct reminders_target bad_conn = {false, "nosuch", NULL};
    struct reminders_target two = {true, "fake", NULL};

    /* corefix's connection has warn_days 0: no reminders by default */
    assert_int_equal(reminders_effective(f->app, &tld, &r, &err), 1);
    assert_int_equal(r.days.n, 0);

    /* refusals change nothing */
    assert_int_equal(reminders_parse("-3", &d, &err), 0);
    assert_int_equal(reminders_set(f->app, &bad_tld, &d, NULL, &err),
                     RM_ENOTFOUND);
    assert_int_equal(reminders_set(f->app, &bad_conn, &d, NULL, &err),
                     RM_ENOTFOUND);
    assert_int_equal(reminders_set(f->app, &two, &d, NULL, &err), RM_EINVAL);
    struct reminder_days six = {6, {1, 2, 3, 4, 5}};
    assert_int_equal(reminders_set(f->app, &def, &six, NULL, &err), RM_EINVAL);
    struct reminder_days dup = {2, {4, 4}};
    assert_int_equal(reminders_set(f->app, &def, &dup, NULL, &err), RM_EINVAL);
    assert_int_equal(schedules(f), 0);

    /* default (not for warn_days 0), then connection, then TLD */
    assert_int_equal(reminders_parse("-60,1", &d, &err), 0);
    assert_int_equal(reminders_set(f->app, &def, &d, NULL, &err), 0);
    assert_int_equal(reminders_effective(f->app, &tld, &r, &err), 1);
    assert_int_equal(reminders_parse("-20", &d, &err), 0);
    assert_int_equal(reminders_set(f->app, &conn, &d, NULL, &err), 0);
    assert_int_equal(reminders_effective(f->app, &tld, &r, &err), 0);
    assert_int_equal(r.scope, REMINDER_CONNECTION);
    assert_int_equal(reminders_parse("-5,-1", &d, &err), 0);
    assert_int_equal(reminders_set(f->app, &tld, &d, &r, &err), 0);
    assert_string_equal(r.tld, "com");
    assert_int_equal(reminders_effective(f->app, &tld, &r, &err), 0);
    assert_int_equal(r.scope, REMINDER_TLD);
    assert_string_equal(reminders_text(&r.days, buf, sizeof buf), "-5,-1");
    /* setting again replaces, never adds a row */
    assert_int_equal(reminders_set(f->app, &tld, &d, NULL, &err), 0);
    assert_int_equal(schedules(f), 3);

    /* the list: the built-in first, then default, connection, TLD */
    struct reminder_schedule *v;
    size_t n;
    assert_int_equal(reminders_list(f->app, &v, &n, &err), 0);
    assert_int_equal(n, 4);
    assert_int_equal(v[0].scope, REMINDER_BUILTIN);
    assert_int_equal(v[1].scope, REMINDER_DEFAULT);
    assert_int_equal(v[2].scope, REMINDER_CONNECTION);
    assert_string_equal(v[2].connection, "fake");
    assert_int_equal(v[3].scope, REMINDER_TLD);
    free(v);

    /* reset: TLD, then connection; a second reset removes nothing */
    assert_int_equal(reminders_reset(f->app, &tld, &err), 1);
    assert_int_equal(reminders_reset(f->app, &tld, &err), 0);
    assert_int_equal(reminders_effective(f->app, &tld, &r, &err), 0);
    assert_int_equal(r.scope, REMINDER_CONNECTION);
    assert_int_equal(reminders_reset(f->app, &conn, &err), 1);
    assert_int_equal(reminders_reset(f->app, &def, &err), 1);
    assert_int_equal(schedules(f), 0);
    corefix_close(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_follows_the_rules),
        cmocka_unit_test(resolution_order),
        cmocka_unit_test(set_show_reset_on_an_installation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
