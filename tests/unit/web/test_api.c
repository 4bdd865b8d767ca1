/*
 * test_api - the JSON depth scan, integer parsing and the error body.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "util/buf.h"
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

struct body_case {
    const char *json;
    const char *code; /* NULL: accepted */
    size_t len;       /* 0: strlen(json) */
};

static const struct body_case body_cases[] = {
    {"{\"a\":1}", NULL, 0},
    {" {} ", NULL, 0},
    {"", API_EINVALID_JSON, 0},
    {"{", API_EINVALID_JSON, 0},
    {"{\"a\":1,\"a\":2}", API_EINVALID_JSON, 0},
    /* duplicates are found after decoding escapes, at any depth */
    {"{\"a\":1,\"\\u0061\":2}", API_EINVALID_JSON, 0},
    {"{\"x\":{\"k\":1,\"k\":2}}", API_EINVALID_JSON, 0},
    {"{\"s\":\"a\\u0000b\"}", API_EINVALID_JSON, 0},
    {"\"text\"", API_EINVALID_JSON, 0},
    {"[1]", API_EWRONG_TYPE, 0},
    /* a NUL byte is no JSON (jansson alone skips one after a number) */
    {"{\"a\":1\0}", API_EINVALID_JSON, 8},
    {"{\"a\":0\0 }", API_EINVALID_JSON, 9},
};

static void body_is_one_object_without_duplicates(void **state)
{
    for (size_t i = 0; i < sizeof(body_cases) / sizeof(body_cases[0]); i++) {
        const struct body_case *c = &body_cases[i];
        json_t *j = (json_t *)&body_cases;
        const char *code = NULL;
        struct rm_err err = {0};
        size_t len = c->len ? c->len : strlen(c->json);
        int rc = api_parse_body(c->json, len, &j, &code, &err);
        if (!c->code) {
            if (rc != 0 || !json_is_object(j))
                fail_msg("%s: refused: %s", c->json, err.msg);
            json_decref(j);
            continue;
        }
        if (rc != RM_EINVAL || j != NULL || !code || strcmp(code, c->code) ||
            !err.msg[0])
            fail_msg("%s: rc %d code %s, want %s", c->json, rc,
                     code ? code : "(none)", c->code);
    }
}

static void body_deeper_than_the_limit_is_too_deep(void **state)
{
    for (int levels = API_MAX_DEPTH; levels <= API_MAX_DEPTH + 1; levels++) {
        /* {"a": nested levels - 1 times around [] */
        struct buf b;
        buf_init(&b);
        for (int i = 0; i < levels - 1; i++)
            buf_adds(&b, "{\"a\":");
        buf_adds(&b, "[]");
        for (int i = 0; i < levels - 1; i++)
            buf_adds(&b, "}");
        json_t *j = NULL;
        const char *code = NULL;
        struct rm_err err = {0};
        int rc = api_parse_body(b.data, b.len, &j, &code, &err);
        if (levels <= API_MAX_DEPTH) {
            assert_int_equal(rc, 0);
            json_decref(j);
        } else {
            assert_int_equal(rc, RM_ELIMIT);
            assert_string_equal(code, API_ETOO_DEEP);
            assert_null(j);
        }
        buf_release(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(depth_counts_nesting_outside_strings),
        cmocka_unit_test(int64_parsing_is_whole_and_bounded),
        cmocka_unit_test(error_body_has_code_message_and_field),
        cmocka_unit_test(body_is_one_object_without_duplicates),
        cmocka_unit_test(body_deeper_than_the_limit_is_too_deep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
