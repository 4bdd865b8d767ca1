/*
 * test_names - domain names are validated per RFC 1035/5890 and IDN input
 * is converted to A-labels (UTS #46) with both forms kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/names.h"

struct ok_case {
    const char *in, *ascii, *unicode, *tld;
    size_t labels;
};

static const struct ok_case oks[] = {
    {"example.com", "example.com", "example.com", "com", 2},
    {"Example.COM", "example.com", "example.com", "com", 2},
    {"example.com.", "example.com", "example.com", "com", 2},
    {"a.b.co.uk", "a.b.co.uk", "a.b.co.uk", "uk", 4},
    {"b\xc3\xbc"
     "cher.de",
     "xn--bcher-kva.de",
     "b\xc3\xbc"
     "cher.de",
     "de", 2},
    {"xn--bcher-kva.de", "xn--bcher-kva.de",
     "b\xc3\xbc"
     "cher.de",
     "de", 2},
    {"B\xc3\x9c"
     "CHER.de",
     "xn--bcher-kva.de",
     "b\xc3\xbc"
     "cher.de",
     "de", 2},
    /* non-transitional: sharp s is kept, not mapped to "ss" */
    {"fa\xc3\x9f.de", "xn--fa-hia.de", "fa\xc3\x9f.de", "de", 2},
    {"1-2.com", "1-2.com", "1-2.com", "com", 2},
    {"a.xn--p1ai", "a.xn--p1ai", "a.\xd1\x80\xd1\x84", "xn--p1ai", 2},
};

static void test_valid_names_normalise(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(oks) / sizeof(*oks); i++) {
        struct name n;
        struct rm_err err;
        rm_err_clear(&err);
        if (name_parse(oks[i].in, &n, &err))
            fail_msg("%s: %s", oks[i].in, err.msg);
        assert_string_equal(n.ascii, oks[i].ascii);
        assert_string_equal(n.unicode, oks[i].unicode);
        assert_string_equal(n.tld, oks[i].tld);
        assert_int_equal(n.labels, oks[i].labels);
    }
}

struct bad_case {
    const char *in, *needle;
};

static const struct bad_case bads[] = {
    {"", "empty"},
    {"com", "not a domain name under a TLD"},
    {"-abc.com", "hyphen"},
    {"abc-.com", "hyphen"},
    {"ab--cd.com", "positions 3-4"},
    {"a..com", "empty label"},
    {".com", "empty label"},
    {"a.com..", "empty label"},
    {"under_score.com", "'_'"},
    {"sp ace.com", "space"},
    {"tab\t.com", "space"},
    {"semi;colon.com", "';'"},
    {"x'; DROP TABLE domains;--.com", "space"},
    {"a.123", "numeric"},
    {"xn--zz.com", "invalid"},
    /* decodes (to U+0084, a control character) but is no valid A-label */
    {"tal.xn--eA.p", "invalid IDN label"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com",
     "limit is 63"},
};

static void test_invalid_names_refused_with_reason(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bads) / sizeof(*bads); i++) {
        struct name n;
        struct rm_err err;
        rm_err_clear(&err);
        int rc = name_parse(bads[i].in, &n, &err);
        if (rc != RM_EINVAL)
            fail_msg("\"%s\": rc %d, want RM_EINVAL", bads[i].in, rc);
        if (!strstr(err.msg, bads[i].needle))
            fail_msg("\"%s\": \"%s\" lacks \"%s\"", bads[i].in, err.msg,
                     bads[i].needle);
    }
}

static void test_total_length_limit(void **state)
{
    (void)state;
    char s[400];
    /* 4 labels of 63 + "com": 63*4 + 4 dots + 3 = 259 > 253 */
    size_t p = 0;
    for (int l = 0; l < 4; l++) {
        memset(s + p, 'a', 63);
        p += 63;
        s[p++] = '.';
    }
    memcpy(s + p, "com", 4);
    struct name n;
    struct rm_err err;
    assert_int_equal(name_parse(s, &n, &err), RM_EINVAL);
    assert_non_null(strstr(err.msg, "limit is 253"));
    /* 3 labels of 63 + "a" + "com" = 63*3+1+3+4 = 197: fine */
    s[63 * 3 + 3] = '\0';
    strcat(s, "com");
    assert_int_equal(name_parse(s, &n, &err), 0);
}

static void test_suffixes_for_tld_matching(void **state)
{
    (void)state;
    struct name n;
    assert_int_equal(name_parse("a.b.co.uk", &n, NULL), 0);
    assert_string_equal(name_suffix_of(&n, 0), "a.b.co.uk");
    assert_string_equal(name_suffix_of(&n, 2), "co.uk");
    assert_string_equal(name_suffix_of(&n, 3), "uk");
    assert_null(name_suffix_of(&n, 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_names_normalise),
        cmocka_unit_test(test_invalid_names_refused_with_reason),
        cmocka_unit_test(test_total_length_limit),
        cmocka_unit_test(test_suffixes_for_tld_matching),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
