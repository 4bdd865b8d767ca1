/*
 * test_route - path pattern matching of the router.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "web/http.h"

struct match_case {
    const char *pattern, *path;
    int nparams; /* -1: no match */
    const char *name0, *value0, *name1, *value1;
};

static const struct match_case cases[] = {
    {"/healthz", "/healthz", 0, NULL, NULL, NULL, NULL},
    {"/healthz", "/healthz/", -1, NULL, NULL, NULL, NULL},
    {"/healthz", "/health", -1, NULL, NULL, NULL, NULL},
    {"/healthz", "/healthzz", -1, NULL, NULL, NULL, NULL},
    {"/api/v1/domains/{id}", "/api/v1/domains/42", 1, "id", "42", NULL, NULL},
    {"/api/v1/domains/{id}", "/api/v1/domains/", -1, NULL, NULL, NULL, NULL},
    {"/api/v1/domains/{id}", "/api/v1/domains", -1, NULL, NULL, NULL, NULL},
    {"/api/v1/domains/{id}", "/api/v1/domains/42/x", -1, NULL, NULL, NULL,
     NULL},
    {"/api/v1/domains/{name}", "/api/v1/domains/example.com", 1, "name",
     "example.com", NULL, NULL},
    {"/api/v1/accounts/{id}/ledger/{entry}", "/api/v1/accounts/7/ledger/9", 2,
     "id", "7", "entry", "9"},
    {"/api/v1/accounts/{id}/ledger", "/api/v1/accounts/7/ledgers", -1, NULL,
     NULL, NULL, NULL},
    {"/api/v1/x", "api/v1/x", -1, NULL, NULL, NULL, NULL},
    {"/", "/", 0, NULL, NULL, NULL, NULL},
};

static void check_slice(const struct web_param_slice *p, const char *name,
                        const char *value)
{
    assert_int_equal(p->name_len, strlen(name));
    assert_memory_equal(p->name, name, p->name_len);
    assert_int_equal(p->value_len, strlen(value));
    assert_memory_equal(p->value, value, p->value_len);
}

static void patterns_match_exactly_and_capture_params(void **state)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct match_case *c = &cases[i];
        struct web_param_slice ps[4];
        int n = web_route_match(c->pattern, c->path, ps, 4);
        if (n != c->nparams)
            fail_msg("%s vs %s: got %d, want %d", c->pattern, c->path, n,
                     c->nparams);
        if (n >= 1)
            check_slice(&ps[0], c->name0, c->value0);
        if (n >= 2)
            check_slice(&ps[1], c->name1, c->value1);
    }
}

static void more_params_than_room_is_no_match(void **state)
{
    struct web_param_slice ps[1];
    assert_int_equal(web_route_match("/{a}/{b}", "/x/y", ps, 1), -1);
}

static void security_headers_cover_the_required_set(void **state)
{
    static const char *const need[] = {"Content-Security-Policy",
                                       "X-Frame-Options", "Referrer-Policy",
                                       "X-Content-Type-Options"};
    for (size_t k = 0; k < 4; k++) {
        bool found = false;
        for (size_t i = 0; web_security_headers[i]; i += 2)
            found |= strcmp(web_security_headers[i], need[k]) == 0;
        assert_true(found);
    }
    for (size_t i = 0; web_security_headers[i]; i += 2)
        if (strcmp(web_security_headers[i], "Content-Security-Policy") == 0) {
            assert_non_null(
                strstr(web_security_headers[i + 1], "default-src 'self'"));
            assert_null(strstr(web_security_headers[i + 1], "unsafe"));
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(patterns_match_exactly_and_capture_params),
        cmocka_unit_test(more_params_than_room_is_no_match),
        cmocka_unit_test(security_headers_cover_the_required_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
