/*
 * test_forwarded - [http] trusted_proxies and the client address taken
 * from X-Forwarded-For (web/forwarded.h), table-driven.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "web/forwarded.h"

struct spec_case {
    const char *spec;
    size_t n;         /* items when valid */
    const char *fail; /* a piece of the message when refused */
};

static void proxies_parse_and_refuse(void **state)
{
    static const struct spec_case cases[] = {
        {NULL, 0, NULL},
        {"", 0, NULL},
        {"   ", 0, NULL},
        {"127.0.0.1", 1, NULL},
        {" 10.0.0.0/8 ,192.168.1.0/24,\t::1 , fd00::/8", 4, NULL},
        {"0.0.0.0/0", 1, NULL},
        {"::/0", 1, NULL},
        {"2001:db8::/32", 1, NULL},
        {"::ffff:10.0.0.0/104", 1, NULL},
        {"10.0.0.1/32", 1, NULL},
        {"localhost", 0, "\"localhost\" is not a numeric"},
        {"10.0.0.0/33", 0, "0..32 for IPv4"},
        {"fd00::/129", 0, "0..128 for IPv6"},
        {"10.0.0.0/", 0, "expected ADDR/PREFIX"},
        {"10.0.0.0/-1", 0, "expected ADDR/PREFIX"},
        {"10.0.0.0/8x", 0, "0..32 for IPv4"},
        {"10.0.0.1/8", 0, "the network is 10.0.0.0/8"},
        {"fd00::1/8", 0, "the network is fd00::/8"},
        {"10.0.0.0/8,,127.0.0.1", 0, "an empty item"},
        {"127.0.0.1,", 0, "an empty item"},
        {"[::1]", 0, "is not a numeric"},
        {"10.0.0.1:80", 0, "is not a numeric"},
        {"1.2.3", 0, "is not a numeric"},
        {"::ffff:10.0.0.0/8", 0, "96..128"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct web_proxies p;
        struct rm_err err;
        rm_err_clear(&err);
        int rc = web_proxies_parse(cases[i].spec, &p, &err);
        if (cases[i].fail) {
            if (rc != RM_EINVAL || !strstr(err.msg, cases[i].fail))
                fail_msg("\"%s\": rc %d, message \"%s\"", cases[i].spec, rc,
                         err.msg);
            assert_int_equal(p.n, 0);
        } else {
            if (rc != 0 || p.n != cases[i].n)
                fail_msg("\"%s\": rc %d n %zu (%s)", cases[i].spec, rc, p.n,
                         err.msg);
        }
    }
}

static void too_many_proxies(void **state)
{
    char spec[2048] = "";
    for (int i = 0; i <= WEB_PROXIES_MAX; i++) {
        char one[24];
        snprintf(one, sizeof one, "%s10.0.%d.1", i ? "," : "", i);
        strcat(spec, one);
    }
    struct web_proxies p;
    struct rm_err err;
    assert_int_equal(web_proxies_parse(spec, &p, &err), RM_EINVAL);
    assert_non_null(strstr(err.msg, "more than"));
}

static void membership(void **state)
{
    struct web_proxies p;
    struct rm_err err;
    assert_int_equal(
        web_proxies_parse("10.0.0.0/8, 192.0.2.1, fd00::/8, 198.51.100.0/25",
                          &p, &err),
        0);
    assert_true(web_proxies_has(&p, "10.1.2.3"));
    assert_true(web_proxies_has(&p, "192.0.2.1"));
    assert_false(web_proxies_has(&p, "192.0.2.2"));
    assert_true(web_proxies_has(&p, "fd12::1"));
    assert_false(web_proxies_has(&p, "fe80::1"));
    assert_true(web_proxies_has(&p, "198.51.100.127"));
    assert_false(web_proxies_has(&p, "198.51.100.128"));
    /* a dual-stack socket's IPv4 peer */
    assert_true(web_proxies_has(&p, "::ffff:10.9.9.9"));
    assert_false(web_proxies_has(&p, "11.0.0.1"));
    assert_false(web_proxies_has(&p, "junk"));
    assert_false(web_proxies_has(&p, NULL));
    assert_false(web_proxies_has(NULL, "10.1.2.3"));
}

struct xff_case {
    const char *peer, *xff, *want;
};

static void client_from_x_forwarded_for(void **state)
{
    struct web_proxies p;
    struct rm_err err;
    assert_int_equal(
        web_proxies_parse("127.0.0.1, 10.0.0.0/8, ::1, fd00::/8", &p, &err), 0);
    static const struct xff_case cases[] = {
        /* an untrusted peer: the header is ignored, whatever it says */
        {"203.0.113.9", "198.51.100.1", "203.0.113.9"},
        {"203.0.113.9", NULL, "203.0.113.9"},
        {"::ffff:203.0.113.9", "198.51.100.1", "::ffff:203.0.113.9"},
        /* a trusted peer */
        {"127.0.0.1", "198.51.100.1", "198.51.100.1"},
        {"127.0.0.1", "  198.51.100.1\t", "198.51.100.1"},
        {"::ffff:127.0.0.1", "198.51.100.1", "198.51.100.1"},
        {"::1", "198.51.100.1", "198.51.100.1"},
        /* the client's own entries on the left are never read */
        {"127.0.0.1", "6.6.6.6, 198.51.100.1", "198.51.100.1"},
        {"127.0.0.1", "garbage, <script>, 198.51.100.1", "198.51.100.1"},
        /* several hops: trusted ones on the right are skipped */
        {"127.0.0.1", "6.6.6.6, 198.51.100.1, 10.0.0.5", "198.51.100.1"},
        {"127.0.0.1", "198.51.100.1,10.0.0.5,10.2.0.1", "198.51.100.1"},
        {"10.0.0.7", "198.51.100.1, fd00::3", "198.51.100.1"},
        /* every hop trusted: the leftmost */
        {"127.0.0.1", "10.0.0.5, 10.0.0.6", "10.0.0.5"},
        /* IPv6, canonical form; brackets and ports */
        {"::1", "2001:DB8:0:0::1", "2001:db8::1"},
        {"::1", "[2001:db8::1]", "2001:db8::1"},
        {"::1", "[2001:db8::1]:4711", "2001:db8::1"},
        {"::1", "198.51.100.1:4711", "198.51.100.1"},
        {"::1", "::ffff:198.51.100.1", "198.51.100.1"},
        {"127.0.0.1", "6.6.6.6, 2001:db8::2, ::1", "2001:db8::2"},
        /* missing, empty or garbage where an address must be: the peer */
        {"127.0.0.1", NULL, "127.0.0.1"},
        {"127.0.0.1", "", "127.0.0.1"},
        {"127.0.0.1", "  ", "127.0.0.1"},
        {"127.0.0.1", "198.51.100.1,", "127.0.0.1"},
        {"127.0.0.1", "unknown", "127.0.0.1"},
        {"127.0.0.1", "198.51.100.1, garbage", "127.0.0.1"},
        {"127.0.0.1", "198.51.100.1 10.0.0.5", "127.0.0.1"},
        {"127.0.0.1", "198.51.100.1, junk, 10.0.0.5", "127.0.0.1"},
        {"127.0.0.1", "[198.51.100.1]", "127.0.0.1"},
        {"127.0.0.1", "[2001:db8::1", "127.0.0.1"},
        {"127.0.0.1", "[2001:db8::1]x", "127.0.0.1"},
        {"127.0.0.1", "198.51.100.1:", "127.0.0.1"},
        {"127.0.0.1", "198.51.100.1:123456", "127.0.0.1"},
        {"127.0.0.1", "198.51.100.1:http", "127.0.0.1"},
        {"127.0.0.1", "fe80::1%eth0", "127.0.0.1"},
        {"127.0.0.1", "198.51.100.256", "127.0.0.1"},
        {"127.0.0.1", "for=198.51.100.1", "127.0.0.1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[WEB_ADDR_TEXT + 8];
        web_forwarded_client(&p, cases[i].peer, cases[i].xff, out, sizeof out);
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("peer %s, X-Forwarded-For \"%s\": got %s, want %s",
                     cases[i].peer, cases[i].xff ? cases[i].xff : "(none)", out,
                     cases[i].want);
    }
}

static void no_trusted_proxy_means_the_peer(void **state)
{
    struct web_proxies none;
    struct rm_err err;
    char out[WEB_ADDR_TEXT + 8];
    assert_int_equal(web_proxies_parse("", &none, &err), 0);
    web_forwarded_client(&none, "127.0.0.1", "198.51.100.1", out, sizeof out);
    assert_string_equal(out, "127.0.0.1");
    web_forwarded_client(NULL, "127.0.0.1", "198.51.100.1", out, sizeof out);
    assert_string_equal(out, "127.0.0.1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(proxies_parse_and_refuse),
        cmocka_unit_test(too_many_proxies),
        cmocka_unit_test(membership),
        cmocka_unit_test(client_from_x_forwarded_for),
        cmocka_unit_test(no_trusted_proxy_means_the_peer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
