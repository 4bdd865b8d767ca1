/*
 * test_pace - the rate limit of a registrar connection (core/pace.h) as
 * one process keeps it without a database (its fallback): starts evenly
 * spaced with no burst, per connection, a changed rate taking effect from
 * the next call, 0 meaning no limit, and many threads together never
 * starting two calls closer than the spacing. The database schedule and
 * the concurrency shares are tested in test_pace_db.c. Times (ms) are
 * given, not measured, except in pace_wait's test, which only checks a
 * lower bound (a slow machine can only make it longer).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>
#include <pthread.h>

#include "core/pace.h"

#define MS 1LL /* pace counts in ms */

static void spaces_starts_evenly_without_burst(void **state)
{
    (void)state;
    struct pace *p = pace_for(1, 600); /* 100 ms apart */
    int64_t t = 1000 * MS;

    assert_int_equal(pace_take(p, t), t);
    /* three asked at once: 100 ms apart, none in a burst */
    assert_int_equal(pace_take(p, t), t + 100 * MS);
    assert_int_equal(pace_take(p, t), t + 200 * MS);
    assert_int_equal(pace_take(p, t + 1), t + 300 * MS);
    /* asked after a quiet spell: at once, and the spacing counts from it */
    assert_int_equal(pace_take(p, t + 5000 * MS), t + 5000 * MS);
    assert_int_equal(pace_take(p, t + 5010 * MS), t + 5100 * MS);
}

static void connections_are_independent(void **state)
{
    (void)state;
    struct pace *a = pace_for(2, 60), *b = pace_for(3, 60);
    int64_t t = 50000 * MS;

    assert_ptr_not_equal(a, b);
    assert_ptr_equal(pace_for(2, 60), a); /* one limiter per connection */
    assert_int_equal(pace_take(a, t), t);
    assert_int_equal(pace_take(b, t), t);
    assert_int_equal(pace_take(a, t), t + 1000 * MS);
    assert_int_equal(pace_take(b, t), t + 1000 * MS);
}

static void zero_means_no_limit_and_rates_change(void **state)
{
    (void)state;
    struct pace *p = pace_for(4, 0);
    int64_t t = 90000 * MS;

    for (int i = 0; i < 5; i++)
        assert_int_equal(pace_take(p, t), t);
    /* the connection is edited to 120 a minute: 500 ms from now on */
    assert_ptr_equal(pace_for(4, 120), p);
    assert_int_equal(pace_take(p, t), t);
    assert_int_equal(pace_take(p, t), t + 500 * MS);
    /* and back to no limit */
    pace_for(4, 0);
    assert_int_equal(pace_take(p, t), t);
}

/* 4 threads x 50 reservations on one connection at 6000 a minute: every
 * granted start distinct and at least 10 ms from any other. */
#define THREADS 4
#define EACH 50
static int64_t granted[THREADS * EACH];

struct arg {
    struct pace *p;
    int k;
};

static void *taker(void *v)
{
    struct arg *a = v;
    for (int i = 0; i < EACH; i++)
        granted[a->k * EACH + i] = pace_take(a->p, 7 * MS);
    return NULL;
}

static int cmp(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

static void threads_never_start_closer_than_the_spacing(void **state)
{
    (void)state;
    struct pace *p = pace_for(5, 6000);
    pthread_t th[THREADS];
    struct arg args[THREADS];

    for (int k = 0; k < THREADS; k++) {
        args[k] = (struct arg){p, k};
        assert_int_equal(pthread_create(&th[k], NULL, taker, &args[k]), 0);
    }
    for (int k = 0; k < THREADS; k++)
        pthread_join(th[k], NULL);
    qsort(granted, THREADS * EACH, sizeof *granted, cmp);
    assert_int_equal(granted[0], 7 * MS);
    for (int i = 1; i < THREADS * EACH; i++)
        assert_int_equal(granted[i] - granted[i - 1], 10 * MS);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void wait_sleeps_until_the_granted_start(void **state)
{
    (void)state;
    struct pace *p = pace_for(6, 1200); /* 50 ms apart */
    int64_t t0 = mono_ms();

    for (int i = 0; i < 5; i++)
        pace_wait(p);
    /* five starts: the last 4 x 50 ms after the first - less up to a
     * millisecond per wait: each is computed on the wall clock in whole
     * milliseconds and measured here on the monotonic one */
    assert_true(mono_ms() - t0 >= 195);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spaces_starts_evenly_without_burst),
        cmocka_unit_test(connections_are_independent),
        cmocka_unit_test(zero_means_no_limit_and_rates_change),
        cmocka_unit_test(threads_never_start_closer_than_the_spacing),
        cmocka_unit_test(wait_sleeps_until_the_granted_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
