/*
 * test_regman_xcp - the `regman xcp` command against a real opensrs-sim:
 * exit status 0 / 1 / 2, tree and JSON output, and the outcome class on
 * stderr. argv: REGMAN OPENSRS_SIM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "simctl.h"
#include "util/buf.h"

static const char *regman_path, *sim_path;
static struct simctl http_sim, tls_sim, legacy_sim;

struct run {
    int status;
    struct buf out, err;
};

static void slurp(const char *path, struct buf *b)
{
    buf_init(b);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
        buf_add(b, tmp, n);
    fclose(f);
}

/* run_regman - run regman with args (NULL-terminated); collect output. */
static void run_regman(struct run *r, const char *const *args)
{
    char out[] = "/tmp/regman-xcp-out-XXXXXX";
    char err[] = "/tmp/regman-xcp-err-XXXXXX";
    int fo = mkstemp(out), fe = mkstemp(err);
    assert_true(fo >= 0 && fe >= 0);
    const char *argv[64];
    int n = 0;
    argv[n++] = regman_path;
    for (int i = 0; args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fo, 1);
        dup2(fe, 2);
        execv(regman_path, (char *const *)argv);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    close(fo);
    close(fe);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    slurp(out, &r->out);
    slurp(err, &r->err);
    unlink(out);
    unlink(err);
}

static void run_release(struct run *r)
{
    buf_release(&r->out);
    buf_release(&r->err);
}

#define XCP(sim, ...)                                                          \
    ((const char *const[]){"xcp", "--url", (sim)->url, "--user", SIMCTL_USER,  \
                           "--key-file", (sim)->key_file, __VA_ARGS__, NULL})

static void lookup_prints_a_tree_and_exits_0(void **s)
{
    struct run r;
    run_regman(&r, XCP(&http_sim, "LOOKUP", "DOMAIN", "domain=taken.com"));
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out.data, "response_code: 211"));
    assert_non_null(strstr(r.out.data, "  status: taken"));
    run_release(&r);
}

static void json_output_parses(void **s)
{
    struct run r;
    run_regman(&r, XCP(&http_sim, "--json", "GET_BALANCE", "BALANCE"));
    assert_int_equal(r.status, 0);
    json_error_t je;
    json_t *j = json_loadb(r.out.data, r.out.len, 0, &je);
    if (!j)
        fail_msg("not JSON: %s\n%s", je.text, r.out.data);
    assert_string_equal(json_string_value(json_object_get(j, "is_success")),
                        "1");
    assert_non_null(json_string_value(
        json_object_get(json_object_get(j, "attributes"), "balance")));
    json_decref(j);
    run_release(&r);
}

static void refusal_exits_1(void **s)
{
    struct run r;
    run_regman(&r, XCP(&http_sim, "SW_REGISTER", "DOMAIN", "domain=x.com",
                       "reg_type=new"));
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out.data, "is_success: 0"));
    run_release(&r);
}

static void nested_attributes_build_a_full_registration(void **s)
{
    static const char *const roles[] = {"owner", "admin", "billing"};
    static const char *const fields[][2] = {
        {"first_name", "Jane"},     {"last_name", "Doe"},
        {"address1", "1 Main St"},  {"city", "Toronto"},
        {"country", "CA"},          {"postal_code", "M5V1A1"},
        {"phone", "+1.4165550123"}, {"email", "jane@example.com"}};
    const char *args[80];
    static char words[40][96];
    int n = 0, w = 0;
    args[n++] = "xcp";
    args[n++] = "--url";
    args[n++] = http_sim.url;
    args[n++] = "--user";
    args[n++] = SIMCTL_USER;
    args[n++] = "--key-file";
    args[n++] = http_sim.key_file;
    args[n++] = "SW_REGISTER";
    args[n++] = "DOMAIN";
    args[n++] = "domain=cli-made.com";
    args[n++] = "reg_type=new";
    args[n++] = "period=1";
    args[n++] = "reg_username=jane";
    args[n++] = "reg_password=secret123";
    args[n++] = "custom_nameservers=1";
    args[n++] = "nameserver_list[0].name=ns1.example.net";
    args[n++] = "nameserver_list[0].sortorder=1";
    args[n++] = "registrant_ip=192.0.2.10";
    for (int r = 0; r < 3; r++)
        for (int f = 0; f < 8; f++) {
            snprintf(words[w], sizeof(words[w]), "contact_set.%s.%s=%s",
                     roles[r], fields[f][0], fields[f][1]);
            args[n++] = words[w++];
        }
    args[n] = NULL;
    struct run r;
    run_regman(&r, args);
    if (r.status != 0)
        fail_msg("exit %d\n%s\n%s", r.status, r.out.data, r.err.data);
    run_release(&r);
    run_regman(&r, XCP(&http_sim, "GET", "DOMAIN", "domain=cli-made.com",
                       "type=all_info"));
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out.data, "ns1.example.net"));
    assert_non_null(strstr(r.out.data, "jane@example.com"));
    run_release(&r);
}

static void nothing_listening_exits_2_not_sent(void **s)
{
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", simctl_dead_port());
    const char *args[] = {
        "xcp",        "--url",           url,      "--user", SIMCTL_USER,
        "--key-file", http_sim.key_file, "LOOKUP", "DOMAIN", "domain=a.com",
        NULL};
    struct run r;
    run_regman(&r, args);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err.data, "not sent"));
    assert_int_equal(r.out.len, 0);
    run_release(&r);
}

static void close_after_exits_2_outcome_unknown(void **s)
{
    simctl_ok(&http_sim, "POST", "/rules",
              "{\"action\": \"LOOKUP\", \"fault\": \"close_after\", "
              "\"count\": 1}");
    struct run r;
    run_regman(&r, XCP(&http_sim, "LOOKUP", "DOMAIN", "domain=a.com"));
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err.data, "outcome unknown"));
    run_release(&r);
    simctl_ok(&http_sim, "DELETE", "/rules", NULL);
}

static void https_with_ca_file_exits_0_and_without_exits_2(void **s)
{
    struct run r;
    run_regman(&r, XCP(&tls_sim, "--ca-file", tls_sim.ca_file, "LOOKUP",
                       "DOMAIN", "domain=taken.com"));
    assert_int_equal(r.status, 0);
    run_release(&r);
    run_regman(&r, XCP(&tls_sim, "LOOKUP", "DOMAIN", "domain=taken.com"));
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err.data, "not sent"));
    run_release(&r);
}

/* a legacy:// URL: the legacy protocol, same exits and classes */
static void legacy_url_speaks_the_legacy_protocol(void **s)
{
    struct run r;
    run_regman(&r, XCP(&legacy_sim, "LOOKUP", "DOMAIN", "domain=a.com"));
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out.data, "response_code: 210"));
    run_release(&r);
    assert_int_equal(simctl_count(&legacy_sim, "LOOKUP"), 1);
    simctl_ok(&legacy_sim, "POST", "/rules",
              "{\"action\": \"LOOKUP\", \"fault\": \"close_after\", "
              "\"count\": 1}");
    run_regman(&r, XCP(&legacy_sim, "LOOKUP", "DOMAIN", "domain=b.com"));
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err.data, "outcome unknown"));
    run_release(&r);
    assert_int_equal(simctl_count(&legacy_sim, "LOOKUP"), 2);
    simctl_ok(&legacy_sim, "DELETE", "/rules", NULL);
}

static void bad_input_exits_2_with_a_message(void **s)
{
    const char *const *const cases[] = {
        (const char *const[]){"xcp", NULL},
        (const char *const[]){"xcp", "--url", "http://127.0.0.1:1/", "LOOKUP",
                              "DOMAIN", NULL},
        (const char *const[]){"xcp", "--url", "http://x/", "--user", "u",
                              "--key-file", "/nonexistent/key", "LOOKUP",
                              "DOMAIN", NULL},
        (const char *const[]){"xcp", "--timeout", "-3", NULL},
        (const char *const[]){"xcp", "--bogus", NULL},
        (const char *const[]){"nosuchcommand", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct run r;
        run_regman(&r, cases[i]);
        assert_int_equal(r.status, 2);
        assert_true(r.err.len > 0);
        run_release(&r);
    }
    struct run r;
    run_regman(&r, XCP(&http_sim, "LOOKUP", "DOMAIN", "no-equals-sign"));
    assert_int_equal(r.status, 2);
    run_release(&r);
    run_regman(&r, XCP(&http_sim, "LOOKUP", "DOMAIN", "list[5]=hole"));
    assert_int_equal(r.status, 2);
    run_release(&r);
    run_regman(&r, XCP(&http_sim, "LOOK UP", "DOMAIN"));
    assert_int_equal(r.status, 2);
    run_release(&r);
}

static void world_readable_key_file_warns(void **s)
{
    chmod(http_sim.key_file, 0644);
    struct run r;
    run_regman(&r, XCP(&http_sim, "GET_BALANCE", "BALANCE"));
    chmod(http_sim.key_file, 0600);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err.data, "readable by everyone"));
    run_release(&r);
}

static void help_and_version_exit_0(void **s)
{
    struct run r;
    run_regman(&r, (const char *const[]){"--help", NULL});
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out.data, "xcp"));
    run_release(&r);
    run_regman(&r, (const char *const[]){"xcp", "--help", NULL});
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out.data, "--key-file"));
    run_release(&r);
    run_regman(&r, (const char *const[]){"--version", NULL});
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out.data, "regman "));
    run_release(&r);
}

static int group_setup(void **state)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (simctl_start(&http_sim, sim_path, false) != 0 ||
        simctl_start_legacy(&legacy_sim, sim_path) != 0)
        return -1;
    return simctl_start(&tls_sim, sim_path, true);
}

static int group_teardown(void **state)
{
    simctl_stop(&http_sim);
    simctl_stop(&tls_sim);
    simctl_stop(&legacy_sim);
    curl_global_cleanup();
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s REGMAN OPENSRS_SIM\n", argv[0]);
        return 2;
    }
    regman_path = argv[1];
    sim_path = argv[2];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lookup_prints_a_tree_and_exits_0),
        cmocka_unit_test(json_output_parses),
        cmocka_unit_test(refusal_exits_1),
        cmocka_unit_test(nested_attributes_build_a_full_registration),
        cmocka_unit_test(nothing_listening_exits_2_not_sent),
        cmocka_unit_test(close_after_exits_2_outcome_unknown),
        cmocka_unit_test(https_with_ca_file_exits_0_and_without_exits_2),
        cmocka_unit_test(legacy_url_speaks_the_legacy_protocol),
        cmocka_unit_test(bad_input_exits_2_with_a_message),
        cmocka_unit_test(world_readable_key_file_warns),
        cmocka_unit_test(help_and_version_exit_0),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
