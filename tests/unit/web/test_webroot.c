/*
 * test_webroot - which paths may name a static file, and their types.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "web/webroot.h"

struct path_case {
    const char *path;
    bool ok;
};

static const struct path_case path_cases[] = {
    {"/", true},
    {"/index.html", true},
    {"/admin/", true},
    {"/assets/js/api.js", true},
    {"", false},
    {"index.html", false},
    {"/..", false},
    {"/../etc/passwd", false},
    {"/a/../b", false},
    {"/a/./b", false},
    {"/.git/config", false},
    {"/.hidden", false},
    {"//etc/passwd", false},
    {"/a//b", false},
    {"/a\\..\\b", false},
    {"/a\tb", false},
};

static void only_plain_segments_are_allowed(void **state)
{
    for (size_t i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++)
        if (webroot_path_ok(path_cases[i].path) != path_cases[i].ok)
            fail_msg("'%s': expected %s", path_cases[i].path,
                     path_cases[i].ok ? "ok" : "refused");
}

static void content_type_follows_the_extension(void **state)
{
    static const char *const cases[][2] = {
        {"/index.html", "text/html; charset=utf-8"},
        {"/a/app.css", "text/css; charset=utf-8"},
        {"/a/app.js", "text/javascript; charset=utf-8"},
        {"/a/LOGO.SVG", "image/svg+xml"},
        {"/a/x.png", "image/png"},
        {"/a/x.woff2", "font/woff2"},
        {"/a/x.json", "application/json"},
        {"/a.dir/noext", "application/octet-stream"},
        {"/a/x.exe", "application/octet-stream"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_string_equal(webroot_content_type(cases[i][0]), cases[i][1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(only_plain_segments_are_allowed),
        cmocka_unit_test(content_type_follows_the_extension),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
