/*
 * test_xcp_roundtrip - property: parse(emit(v)) equals v for thousands of
 * generated trees (random shapes, keys with spaces and specials, scalars
 * with every escapable character and multi-byte UTF-8).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/buf.h"
#include "xcp/xcp.h"

static uint64_t rng_state;

static uint32_t rnd(void)
{
    /* xorshift64*: deterministic per seed, so a failure reproduces */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ULL) >> 32);
}

static const char *const pieces[] = {
    "a",
    "Z",
    "0",
    " ",
    "&",
    "<",
    ">",
    "\"",
    "'",
    "\n",
    "\t",
    "\xc3\xa9",
    "\xe4\xbe\x8b",
    "\xf0\x9f\x98\x80",
    "]]>",
    "&amp;",
    "key",
    "-",
    "_",
    ".",
};

static void rand_text(struct buf *b, size_t max)
{
    size_t n = rnd() % (max + 1);
    for (size_t i = 0; i < n; i++)
        buf_adds(b, pieces[rnd() % (sizeof(pieces) / sizeof(*pieces))]);
}

static struct xcp_value *rand_tree(int depth)
{
    uint32_t k = rnd() % 10;
    if (depth <= 0 || k < 4) {
        struct buf b;
        buf_init(&b);
        rand_text(&b, 12);
        struct xcp_value *s = xcp_scalar_newn(b.data, b.len);
        buf_release(&b);
        return s;
    }
    size_t n = rnd() % 6;
    if (k < 7) {
        struct xcp_value *a = xcp_assoc_new();
        for (size_t i = 0; i < n; i++) {
            struct buf key;
            buf_init(&key);
            buf_addf(&key, "k%zu", i); /* unique, then random suffix */
            rand_text(&key, 3);
            xcp_assoc_set(a, key.data, rand_tree(depth - 1));
            buf_release(&key);
        }
        return a;
    }
    struct xcp_value *l = xcp_array_new();
    for (size_t i = 0; i < n + (rnd() % 8 == 0 ? 9 : 0); i++)
        xcp_array_push(l, rand_tree(depth - 1));
    return l;
}

static void test_parse_emit_roundtrip(void **state)
{
    (void)state;
    struct xcp_parser *p = xcp_parser_new();
    struct buf b;
    buf_init(&b);
    for (uint64_t seed = 1; seed <= 5000; seed++) {
        rng_state = seed * 0x9E3779B97F4A7C15ULL;
        struct xcp_value *root = rand_tree(8);
        buf_reset(&b);
        xcp_emit(root, &b);
        struct xcp_msg m;
        struct rm_err err;
        if (xcp_parser_parse(p, b.data, b.len, &m, &err))
            fail_msg("seed %llu: %s\n%s", (unsigned long long)seed, err.msg,
                     b.data);
        if (!xcp_equal(root, m.data))
            fail_msg("seed %llu: tree differs after round trip\n%s",
                     (unsigned long long)seed, b.data);
        xcp_msg_free(&m);
        xcp_free(root);
    }
    buf_release(&b);
    xcp_parser_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_emit_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
