/*
 * test_config - the INI reader accepts the documented syntax and refuses
 * everything else with FILE:LINE.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/config.h"

static const char good[] = "# regman.conf\n"
                           "top = 1\n"
                           "[database]\n"
                           "path = /var/lib/regman/regman.db\n"
                           "  ; indented comment\n"
                           "\n"
                           "[ http ]\r\n"
                           "listen=127.0.0.1:8080\r\n"
                           "banner = \"  spaced  \"\n"
                           "secure = Yes\n"
                           "workers = 8\n";

static void test_reads_sections_keys_and_types(void **state)
{
    (void)state;
    struct config c;
    struct rm_err err;
    assert_int_equal(config_parse("t.conf", good, strlen(good), &c, &err), 0);
    assert_string_equal(config_get(&c, "", "top"), "1");
    assert_string_equal(config_get(&c, "database", "path"),
                        "/var/lib/regman/regman.db");
    assert_string_equal(config_get(&c, "http", "listen"), "127.0.0.1:8080");
    assert_string_equal(config_get(&c, "http", "banner"), "  spaced  ");
    assert_null(config_get(&c, "http", "missing"));
    assert_string_equal(config_get_str(&c, "http", "missing", "d"), "d");
    bool b;
    assert_int_equal(config_get_bool(&c, "http", "secure", false, &b, &err), 0);
    assert_true(b);
    int64_t n;
    assert_int_equal(config_get_int(&c, "http", "workers", 1, 1, 64, &n, &err),
                     0);
    assert_int_equal(n, 8);
    assert_int_equal(config_get_int(&c, "http", "workers", 1, 1, 4, &n, &err),
                     RM_EINVAL);
    assert_non_null(strstr(err.msg, "t.conf:11"));
    assert_int_equal(config_get_int(&c, "http", "nope", 7, 1, 64, &n, &err), 0);
    assert_int_equal(n, 7);
    assert_int_equal(config_get_int(&c, "http", "listen", 1, 1, 64, &n, &err),
                     RM_EINVAL);
    assert_non_null(strstr(err.msg, "not an integer"));
    assert_int_equal(config_get_bool(&c, "", "top", false, &b, &err), 0);
    assert_null(config_unused(&c));
    config_free(&c);
}

static void test_unused_keys_are_reported(void **state)
{
    (void)state;
    struct config c;
    const char *t = "[a]\nknown = 1\ntypo = 2\n";
    assert_int_equal(config_parse("u.conf", t, strlen(t), &c, NULL), 0);
    config_get(&c, "a", "known");
    const struct config_entry *e = config_unused(&c);
    assert_non_null(e);
    assert_string_equal(e->key, "typo");
    assert_int_equal(e->line, 3);
    config_free(&c);
}

struct bad {
    const char *text, *needle;
};

static const struct bad bads[] = {
    {"[a\nk=v\n", "b.conf:1: section header without ']'"},
    {"[]\n", "b.conf:1: bad section name"},
    {"[a b]\n", "bad section name"},
    {"just words\n", "b.conf:1: expected \"key = value\""},
    {"= v\n", "bad key"},
    {"k y = v\n", "bad key"},
    {"[s]\nk = 1\nk = 2\n", "b.conf:3: \"k\" already set on line 2"},
};

static void test_malformed_lines_name_file_and_line(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bads) / sizeof(*bads); i++) {
        struct config c;
        struct rm_err err;
        rm_err_clear(&err);
        int rc = config_parse("b.conf", bads[i].text, strlen(bads[i].text), &c,
                              &err);
        if (rc == 0)
            fail_msg("accepted: %s", bads[i].text);
        if (!strstr(err.msg, bads[i].needle))
            fail_msg("\"%s\" lacks \"%s\"", err.msg, bads[i].needle);
    }
    struct config c;
    struct rm_err err;
    const char nul[] = "k = a\0b\n";
    assert_int_equal(config_parse("n.conf", nul, sizeof(nul) - 1, &c, &err),
                     RM_EINVAL);
    assert_non_null(strstr(err.msg, "NUL"));
}

static void test_limits(void **state)
{
    (void)state;
    struct config c;
    struct rm_err err;
    size_t n = 5000;
    char *line = malloc(n + 8);
    memcpy(line, "k = ", 4);
    memset(line + 4, 'v', n);
    line[n + 4] = '\n';
    assert_int_equal(config_parse("l.conf", line, n + 5, &c, &err), RM_ELIMIT);
    assert_non_null(strstr(err.msg, "longer than 4096"));
    free(line);
    assert_int_equal(config_load("/nonexistent/regman.conf", &c, &err),
                     RM_ENOTFOUND);
    assert_non_null(strstr(err.msg, "/nonexistent/regman.conf"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_sections_keys_and_types),
        cmocka_unit_test(test_unused_keys_are_reported),
        cmocka_unit_test(test_malformed_lines_name_file_and_line),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
