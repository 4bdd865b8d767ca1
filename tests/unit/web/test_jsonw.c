/*
 * test_jsonw - web_json_dump writes exactly what json_dumps(j,
 * JSON_COMPACT) writes: on hand-picked documents (every escape, UTF-8 at
 * its boundaries, integer extremes, reals, empty containers, key order,
 * the depth where it hands over to jansson) and on thousands of generated
 * trees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "web/jsonw.h"

/* same - the two writers agree on j; j is released. */
static void same(json_t *j)
{
    size_t len = 12345;
    char *want = json_dumps(j, JSON_COMPACT);
    char *got = web_json_dump(j, &len);

    if (!want) {
        assert_null(got);
    } else {
        assert_non_null(got);
        assert_string_equal(got, want);
        assert_int_equal(len, strlen(want));
    }
    free(want);
    free(got);
    json_decref(j);
}

static void agrees_on_scalars_and_escapes(void **state)
{
    (void)state;
    static const char *const docs[] = {
        "{}",
        "[]",
        "{\"a\":null,\"b\":true,\"c\":false}",
        "[0,-1,1,9223372036854775807,-9223372036854775808]",
        "[1.5,-0.0,1e300,3.141592653589793,2.5e-10]",
        "{\"q\":\"\\\"\\\\/\\b\\f\\n\\r\\t\"}",
        "{\"ctl\":\"\\u0001\\u001f\\u007f x\"}",
        "{\"utf8\":\"\\u00e9\\u0800\\uffff\\ud83d\\ude00 caf\\u00e9\"}",
        "{\"\\u00e9t\\u00e9\":{\"\":[{}, [], \"\"]}}",
        "{\"z\":1,\"a\":2,\"m\":{\"y\":[3,{\"b\":4,\"a\":5}]}}",
        "[[[[[[[[[[[[[[[[[[[[\"deep\"]]]]]]]]]]]]]]]]]]]]",
    };
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
        json_error_t e;
        json_t *j = json_loads(docs[i], 0, &e);
        assert_non_null(j);
        same(j);
    }
}

static void agrees_on_strings_with_nul_bytes(void **state)
{
    (void)state;
    json_t *o = json_object();
    json_object_set_new(o, "nul", json_stringn("a\0b", 3));
    json_object_setn_new(o, "k\0ey", 4, json_integer(7));
    same(o);
}

/* Past JSON_FAST_DEPTH jansson writes the document; both still agree. */
static void agrees_past_the_fast_depth(void **state)
{
    (void)state;
    for (int depth = 60; depth <= 70; depth++) {
        json_t *j = json_string("leaf");
        for (int i = 0; i < depth; i++) {
            json_t *a = i % 2 ? json_array() : json_object();
            if (json_is_array(a))
                json_array_append_new(a, j);
            else
                json_object_set_new(a, "k", j);
            j = a;
        }
        same(j);
    }
}

/* A string that is not valid UTF-8 (made without jansson's check): both
 * refuse it, in a value and in a key. */
static void agrees_on_invalid_utf8(void **state)
{
    (void)state;
    static const char *const bad[] = {"\xc3", "\xc0\x80", "\xed\xa0\x80",
                                      "\xf4\x90\x80\x80", "ok\xff"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *o = json_object();
        json_object_set_new_nocheck(o, "v", json_string_nocheck(bad[i]));
        same(o);
        json_t *k = json_object();
        json_object_set_new_nocheck(k, bad[i], json_integer(1));
        same(k);
    }
}

/* --- generated trees ------------------------------------------------------ */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* gen_text - short strings mixing ASCII, escapes and UTF-8 of every
 * length (always valid: jansson's constructors check). */
static void gen_text(char *out, size_t cap)
{
    static const char *const parts[] = {"a",
                                        "Z",
                                        " ",
                                        "/",
                                        "\"",
                                        "\\",
                                        "\n",
                                        "\t",
                                        "\x01",
                                        "\x1f",
                                        "\x7f",
                                        "\xc3\xa9",
                                        "\xe0\xa0\x80",
                                        "\xef\xbf\xbf",
                                        "\xf0\x9f\x98\x80",
                                        "example.com",
                                        "0",
                                        "-"};
    size_t n = next() % 8, len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *p = parts[next() % (sizeof parts / sizeof *parts)];
        size_t l = strlen(p);
        if (len + l + 1 > cap)
            break;
        memcpy(out + len, p, l + 1);
        len += l;
    }
}

static json_t *gen(int depth)
{
    char text[64];
    switch (next() % (depth > 6 ? 6 : 8)) {
    case 0:
        return json_null();
    case 1:
        return json_boolean(next() % 2);
    case 2: {
        int64_t v = (int64_t)next();
        return json_integer(next() % 2 ? v : v % 1000);
    }
    case 3:
        return json_real((double)(int64_t)next() / (double)(next() | 1));
    case 4:
    case 5:
        gen_text(text, sizeof text);
        return json_string(text);
    case 6: {
        json_t *a = json_array();
        for (uint64_t i = next() % 5; i > 0; i--)
            json_array_append_new(a, gen(depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (uint64_t i = next() % 5; i > 0; i--) {
            gen_text(text, sizeof text);
            json_object_set_new(o, text, gen(depth + 1));
        }
        return o;
    }
    }
}

static void agrees_on_generated_trees(void **state)
{
    (void)state;
    for (int i = 0; i < 20000; i++) {
        json_t *top = json_object();
        json_object_set_new(top, "v", gen(0));
        same(top);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(agrees_on_scalars_and_escapes),
        cmocka_unit_test(agrees_on_strings_with_nul_bytes),
        cmocka_unit_test(agrees_past_the_fast_depth),
        cmocka_unit_test(agrees_on_invalid_utf8),
        cmocka_unit_test(agrees_on_generated_trees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
