/*
 * test_ratelimit - failure counting, windows, and the memory bound.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>

#include "web/ratelimit.h"

static void blocks_after_max_failures_until_the_window_ends(void **state)
{
    struct ratelimit *rl = ratelimit_new(64, 3, 100);
    int64_t t = 1000;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(ratelimit_blocked(rl, "alice", t + i), 0);
        ratelimit_fail(rl, "alice", t + i);
    }
    assert_int_equal(ratelimit_blocked(rl, "alice", t + 3), 97);
    assert_int_equal(ratelimit_blocked(rl, "bob", t + 3), 0);
    assert_int_equal(ratelimit_blocked(rl, "alice", t + 100), 0);
    ratelimit_free(rl);
}

static void clear_forgets_a_key(void **state)
{
    struct ratelimit *rl = ratelimit_new(64, 2, 100);
    ratelimit_fail(rl, "k", 10);
    ratelimit_fail(rl, "k", 10);
    assert_true(ratelimit_blocked(rl, "k", 11) > 0);
    ratelimit_clear(rl, "k");
    assert_int_equal(ratelimit_blocked(rl, "k", 11), 0);
    ratelimit_free(rl);
}

static void failures_in_a_new_window_start_over(void **state)
{
    struct ratelimit *rl = ratelimit_new(64, 2, 10);
    ratelimit_fail(rl, "k", 0);
    ratelimit_fail(rl, "k", 20); /* the first failure's window is over */
    assert_int_equal(ratelimit_blocked(rl, "k", 21), 0);
    ratelimit_fail(rl, "k", 21);
    assert_true(ratelimit_blocked(rl, "k", 22) > 0);
    ratelimit_free(rl);
}

static void many_keys_never_grow_past_the_table(void **state)
{
    struct ratelimit *rl = ratelimit_new(100, 3, 1000);
    char key[32];
    for (int i = 0; i < 100000; i++) {
        snprintf(key, sizeof(key), "ip:%d", i);
        ratelimit_fail(rl, key, 5);
    }
    assert_true(ratelimit_used(rl) <= 128);
    ratelimit_free(rl);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blocks_after_max_failures_until_the_window_ends),
        cmocka_unit_test(clear_forgets_a_key),
        cmocka_unit_test(failures_in_a_new_window_start_over),
        cmocka_unit_test(many_keys_never_grow_past_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
