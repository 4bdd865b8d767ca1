/*
 * test_utf8 - utf8_seq accepts exactly RFC 3629's sequences: every
 * boundary of each length, and refuses overlong forms, surrogates, code
 * points above U+10FFFF, stray continuation bytes, bad continuations and
 * sequences cut short; utf8_clean leaves valid text alone and replaces
 * each bad byte with U+FFFD.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/utf8.h"

struct row {
    const char *bytes;
    size_t want;
};

static void accepts_and_refuses_by_the_table(void **state)
{
    (void)state;
    static const struct row rows[] = {
        {"a", 1},
        {"\x7f", 1},
        {"\xc2\x80", 2},         /* U+0080, first of two bytes */
        {"\xdf\xbf", 2},         /* U+07FF */
        {"\xe0\xa0\x80", 3},     /* U+0800 */
        {"\xed\x9f\xbf", 3},     /* U+D7FF, below the surrogates */
        {"\xee\x80\x80", 3},     /* U+E000, above them */
        {"\xef\xbf\xbf", 3},     /* U+FFFF */
        {"\xf0\x90\x80\x80", 4}, /* U+10000 */
        {"\xf4\x8f\xbf\xbf", 4}, /* U+10FFFF */
        {"\x80", 0},             /* a continuation byte alone */
        {"\xbf", 0},
        {"\xc0\x80", 0}, /* overlong NUL */
        {"\xc1\xbf", 0}, /* overlong */
        {"\xe0\x9f\xbf", 0},
        {"\xf0\x8f\xbf\xbf", 0},
        {"\xed\xa0\x80", 0},     /* U+D800 */
        {"\xed\xbf\xbf", 0},     /* U+DFFF */
        {"\xf4\x90\x80\x80", 0}, /* U+110000 */
        {"\xf5\x80\x80\x80", 0},
        {"\xff", 0},
        {"\xc3\x28", 0}, /* bad continuation */
        {"\xe2\x82\x28", 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        const unsigned char *p = (const unsigned char *)rows[i].bytes;
        size_t n = strlen(rows[i].bytes);
        if (n == 0)
            n = 1;
        assert_int_equal(utf8_seq(p, n), rows[i].want);
    }
}

static void refuses_a_sequence_cut_short(void **state)
{
    (void)state;
    const unsigned char four[] = {0xf0, 0x9f, 0x98, 0x80}; /* U+1F600 */
    assert_int_equal(utf8_seq(four, 4), 4);
    for (size_t n = 1; n < 4; n++)
        assert_int_equal(utf8_seq(four, n), 0);
}

/* Every code point encoded here is accepted at its length, and every
 * 2-byte pattern is accepted exactly when it decodes to U+0080..U+07FF. */
static void agrees_with_an_encoder_everywhere(void **state)
{
    (void)state;
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        unsigned char b[4];
        size_t len;
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        if (cp < 0x80) {
            b[0] = (unsigned char)cp, len = 1;
        } else if (cp < 0x800) {
            b[0] = (unsigned char)(0xC0 | (cp >> 6));
            b[1] = (unsigned char)(0x80 | (cp & 0x3F)), len = 2;
        } else if (cp < 0x10000) {
            b[0] = (unsigned char)(0xE0 | (cp >> 12));
            b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            b[2] = (unsigned char)(0x80 | (cp & 0x3F)), len = 3;
        } else {
            b[0] = (unsigned char)(0xF0 | (cp >> 18));
            b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
            b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            b[3] = (unsigned char)(0x80 | (cp & 0x3F)), len = 4;
        }
        if (utf8_seq(b, len) != len)
            fail_msg("U+%04X refused", (unsigned)cp);
    }
    for (unsigned a = 0xC0; a <= 0xDF; a++)
        for (unsigned c = 0; c <= 0xFF; c++) {
            unsigned char b[2] = {(unsigned char)a, (unsigned char)c};
            uint32_t cp = ((a & 0x1F) << 6) | (c & 0x3F);
            size_t want = (c & 0xC0) == 0x80 && cp >= 0x80 ? 2 : 0;
            assert_int_equal(utf8_seq(b, 2), want);
        }
}

static void clean_replaces_each_bad_byte(void **state)
{
    (void)state;
    char *c;

    assert_null(utf8_clean(""));
    assert_null(utf8_clean("plain <ok/>"));
    assert_null(utf8_clean("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
    c = utf8_clean("a\xFF"
                   "b");
    assert_string_equal(c, "a\xEF\xBF\xBD"
                           "b");
    free(c);
    /* a sequence cut short: each of its bytes, then what follows */
    c = utf8_clean("\xE2\x82x\xC3");
    assert_string_equal(c, "\xEF\xBF\xBD\xEF\xBF\xBDx\xEF\xBF\xBD");
    free(c);
    /* Latin-1 text as a registrar may send it */
    c = utf8_clean("M\xFCller");
    assert_string_equal(c, "M\xEF\xBF\xBD"
                           "ller");
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_and_refuses_by_the_table),
        cmocka_unit_test(refuses_a_sequence_cut_short),
        cmocka_unit_test(agrees_with_an_encoder_everywhere),
        cmocka_unit_test(clean_replaces_each_bad_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
