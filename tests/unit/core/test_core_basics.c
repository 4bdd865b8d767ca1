/*
 * test_core_basics - money parsing, the operation move table, the clock's
 * test offsets and the secretbox sealing of registrar keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/money.h"
#include "core/ops.h"
#include "util/clock.h"
#include "util/secret.h"

static void money_parse_accepts_major_units(void **state)
{
    static const struct {
        const char *in;
        int64_t want;
    } ok[] = {{"0", 0},        {"12", 1200},
              {"12.5", 1250},  {"12.50", 1250},
              {"0.01", 1},     {"1000000", 100000000},
              {"007.10", 710}, {"9999999999999.99", 999999999999999}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int64_t v = -1;
        struct rm_err err;
        assert_int_equal(money_parse(ok[i].in, &v, &err), 0);
        assert_int_equal(v, ok[i].want);
    }
}

static void money_parse_refuses_everything_else(void **state)
{
    static const char *const bad[] = {
        "",      "-1",  "+1", "1.005",          "1.",    ".5",
        "1e3",   " 1",  "1 ", "1,00",           "12abc", "0x10",
        "1.2.3", "--1", "١٢", "99999999999999", "NaN"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t v = 77;
        struct rm_err err;
        assert_int_equal(money_parse(bad[i], &v, &err), RM_EINVAL);
        assert_int_equal(v, 77);
    }
    int64_t v;
    struct rm_err err;
    assert_int_equal(money_parse_signed("-12.5", &v, &err), 0);
    assert_int_equal(v, -1250);
    assert_int_equal(money_parse_signed("--1", &v, &err), RM_EINVAL);
}

static void money_format_round_trips(void **state)
{
    static const int64_t vals[] = {0,    1,     99, 100,
                                   1250, -1250, -1, 999999999999999};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        char buf[MONEY_STR_MAX];
        int64_t back;
        struct rm_err err;
        money_format(vals[i], buf);
        assert_int_equal(money_parse_signed(buf, &back, &err), 0);
        assert_int_equal(back, vals[i]);
    }
}

static void only_the_diagram_moves_are_legal(void **state)
{
    static const char *const states[] = {"new",       "sending", "pending",
                                         "succeeded", "failed",  "timed_out",
                                         "cancelled"};
    static const char *const legal[][2] = {
        {"new", "sending"},       {"new", "failed"},
        {"sending", "succeeded"}, {"sending", "failed"},
        {"sending", "pending"},   {"pending", "succeeded"},
        {"pending", "failed"},    {"pending", "timed_out"},
        {"pending", "cancelled"}};
    for (size_t f = 0; f < 7; f++)
        for (size_t t = 0; t < 7; t++) {
            bool want = false;
            for (size_t i = 0; i < sizeof legal / sizeof legal[0]; i++)
                want = want || (strcmp(legal[i][0], states[f]) == 0 &&
                                strcmp(legal[i][1], states[t]) == 0);
            assert_int_equal(ops_move_allowed(states[f], states[t]), want);
        }
    /* never back to sending: an operation is sent at most once */
    assert_false(ops_move_allowed("pending", "sending"));
    assert_false(ops_move_allowed("succeeded", "failed"));
}

static void clock_file_offset_moves_time(void **state)
{
    char path[] = "/tmp/regman-clock-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "86400\n", 6), 6);
    close(fd);
    setenv("REGMAN_CLOCK_FILE", path, 1);
    int64_t now = clock_now(), real = (int64_t)time(NULL);
    assert_true(now - real >= 86400 - 2 && now - real <= 86400 + 2);
    /* a rewrite (different size) is noticed */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("-3600\n", f);
    fclose(f);
    now = clock_now();
    real = (int64_t)time(NULL);
    assert_true(real - now >= 3600 - 2 && real - now <= 3600 + 2);
    unsetenv("REGMAN_CLOCK_FILE");
    unlink(path);
    char buf[32];
    assert_string_equal(clock_format(0, buf, sizeof buf), "-");
    assert_string_equal(clock_format(1767225600, buf, sizeof buf),
                        "2026-01-01 00:00:00");
}

static void sealed_keys_open_only_under_their_key(void **state)
{
    char dir[] = "/tmp/regman-key-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char p1[64], p2[64];
    snprintf(p1, sizeof p1, "%s/a.key", dir);
    snprintf(p2, sizeof p2, "%s/b.key", dir);
    struct rm_err err;
    assert_int_equal(secret_key_create(p1, &err), 0);
    assert_int_equal(secret_key_create(p2, &err), 0);
    /* never overwritten */
    assert_int_equal(secret_key_create(p1, &err), RM_EINVAL);
    struct secret_key k1, k2;
    assert_int_equal(secret_key_load(p1, &k1, &err), 0);
    assert_int_equal(secret_key_load(p2, &k2, &err), 0);
    char *sealed, *open1, *open2;
    assert_int_equal(secret_seal(&k1, "my-private-key", &sealed, &err), 0);
    assert_null(strstr(sealed, "my-private-key"));
    assert_int_equal(secret_open(&k1, sealed, &open1, &err), 0);
    assert_string_equal(open1, "my-private-key");
    assert_int_equal(secret_open(&k2, sealed, &open2, &err), RM_EINVAL);
    assert_null(open2);
    sealed[5] = sealed[5] == 'A' ? 'B' : 'A';
    assert_int_equal(secret_open(&k1, sealed, &open2, &err), RM_EINVAL);
    secret_free_text(open1);
    free(sealed);
    chmod(p2, 0644);
    assert_int_equal(secret_key_load(p2, &k2, &err), RM_EINVAL);
    unlink(p1);
    unlink(p2);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(money_parse_accepts_major_units),
        cmocka_unit_test(money_parse_refuses_everything_else),
        cmocka_unit_test(money_format_round_trips),
        cmocka_unit_test(only_the_diagram_moves_are_legal),
        cmocka_unit_test(clock_file_offset_moves_time),
        cmocka_unit_test(sealed_keys_open_only_under_their_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
