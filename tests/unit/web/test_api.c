/*
 * test_api - the JSON depth scan, integer parsing and the error body.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "web/api.h"

struct depth_case {
    const char *json;
    int max;
    bool ok;
};

static const struct depth_case depth_cases[] = {
    {"{}", 1, true},
    {"{}", 0, false},
    {"[[1]]", 2, true},
    {"[[1]]", 1, false},
    {"{\"a\":{\"b\":[1,2]}}", 3, true},
    {"{\"a\":{\"b\":[1,2]}}", 2, false},
    /* brackets inside strings do not count */
    {"{\"a\":\"[[[[[[[[\"}", 1, true},
    {"{\"a\":\"\\\"[[[[\"}", 1, true},
    {"[{},{},{},{}]", 2, true},
    {"\"just a string\"", 0, true},
};

static void depth_counts_nesting_outside_strings(void **state)
{
    for (size_t i = 0; i < sizeof(depth_cases) / sizeof(depth_cases[0]); i++) {
        const struct depth_case *c = &depth_cases[i];
        if (api_json_depth_ok(c->json, strlen(c->json), c->max) != c->ok)
            fail_msg("%s (max %d): expected %s", c->json, c->max,
                     c->ok ? "ok" : "too deep");
    }
}

struct int_case {
    const char *s;
    int64_t min, max;
    bool ok;
    int64_t v;
};

static const struct int_case int_cases[] = {
    {"0", 0, 10, true, 0},
    {"10", 0, 10, true, 10},
    {"11", 0, 10, false, 0},
    {"-1", 0, 10, false, 0},
    {"-5", -10, 10, true, -5},
    {"+5", 0, 10, false, 0},
    {" 5", 0, 10, false, 0},
    {"5 ", 0, 10, false, 0},
    {"5x", 0, 10, false, 0},
    {"", 0, 10, false, 0},
    {"99999999999999999999", 0, INT64_MAX, false, 0},
    {"9223372036854775807", 0, INT64_MAX, true, INT64_MAX},
};

static void int64_parsing_is_whole_and_bounded(void **state)
{
    for (size_t i = 0; i < sizeof(int_cases) / sizeof(int_cases[0]); i++) {
        const struct int_case *c = &int_cases[i];
        int64_t v = 0;
        bool ok = api_parse_int64(c->s, c->min, c->max, &v);
        if (ok != c->ok)
            fail_msg("'%s': expected %s", c->s, c->ok ? "ok" : "refused");
        if (ok)
            assert_int_equal(v, c->v);
    }
}

static void error_body_has_code_message_and_field(void **state)
{
    json_t *e = api_error_body("wrong_type", "amount", "amount: expected");
    json_t *o = json_object_get(e, "error");
    assert_string_equal(json_string_value(json_object_get(o, "code")),
                        "wrong_type");
    assert_string_equal(json_string_value(json_object_get(o, "field")),
                        "amount");
    assert_string_equal(json_string_value(json_object_get(o, "message")),
                        "amount: expected");
    json_decref(e);
    e = api_error_body("internal", NULL, "x");
    assert_true(
        json_is_null(json_object_get(json_object_get(e, "error"), "field")));
    json_decref(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(depth_counts_nesting_outside_strings),
        cmocka_unit_test(int64_parsing_is_whole_and_bounded),
        cmocka_unit_test(error_body_has_code_message_and_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
