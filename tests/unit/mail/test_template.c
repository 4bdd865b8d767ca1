/*
 * test_template - the {{variable}} engine, and the shipped templates held
 * in step with templates/README.md: every template renders with exactly
 * the variables its README section lists, and fails without any one of
 * them (so each listed variable is used, and none unlisted is).
 *
 * argv[1] is the templates directory of the source tree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <unistd.h>

#include "mail/template.h"
#include "util/log.h"

static const char *tdir;

static void test_render_table(void **state)
{
    (void)state;
    const struct tmpl_var vars[] = {
        {"domain", "пример.рф"}, {"n", "3"}, {"empty", ""}, {"x_1", "X"}};
    static const struct {
        const char *text;
        int rc;
        const char *want; /* output, or a fragment of the error */
    } cases[] = {
        {"plain text", 0, "plain text"},
        {"{{domain}}", 0, "пример.рф"},
        {"a {{ domain }} b {{n}}{{n}}", 0, "a пример.рф b 33"},
        {"[{{empty}}]", 0, "[]"},
        {"{{x_1}}", 0, "X"},
        {"single { brace } ok", 0, "single { brace } ok"},
        {"line1\nline2 {{missing}}", RM_EINVAL,
         "line 2: variable {{missing}} not given"},
        {"{{Domain}}", RM_EINVAL, "does not open a variable"},
        {"{{domain}", RM_EINVAL, "does not open a variable"},
        {"{{}}", RM_EINVAL, "does not open a variable"},
        {"{{1x}}", RM_EINVAL, "does not open a variable"},
        {"end {{", RM_EINVAL, "does not open a variable"},
        {"{{a b}}", RM_EINVAL, "does not open a variable"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct buf b;
        struct rm_err err = {0};
        buf_init(&b);
        int rc = tmpl_render("t.txt", cases[i].text, strlen(cases[i].text),
                             vars, sizeof vars / sizeof vars[0], &b, &err);
        if (rc != cases[i].rc)
            fail_msg("case %zu \"%s\": rc %d (%s)", i, cases[i].text, rc,
                     err.msg);
        if (rc == 0)
            assert_string_equal(b.data, cases[i].want);
        else if (!strstr(err.msg, cases[i].want))
            fail_msg("case %zu: error \"%s\" lacks \"%s\"", i, err.msg,
                     cases[i].want);
        buf_release(&b);
    }
}

static char tmp[256];

static void write_file(const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", tmp, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_mail_file_table(void **state)
{
    (void)state;
    const struct tmpl_var vars[] = {{"d", "a.com"}, {"nl", "x\ny"}};
    static const struct {
        const char *file, *text;
        int rc;
        const char *subject, *body;
    } cases[] = {
        {"ok", "Subject: {{d}} done \n\nHi {{d}}\n", 0, "a.com done",
         "Hi a.com\n"},
        {"nosubj", "Hello\n\nbody\n", RM_EINVAL, NULL, NULL},
        {"noblank", "Subject: s\nbody\n", RM_EINVAL, NULL, NULL},
        {"inject", "Subject: {{nl}}\n\nbody\n", RM_EINVAL, NULL, NULL},
        {"bodymiss", "Subject: s\n\n{{zz}}\n", RM_EINVAL, NULL, NULL},
        {"multiline", "Subject: s\n\nlist:\n{{nl}}\n", 0, "s", "list:\nx\ny\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char fname[80];
        snprintf(fname, sizeof fname, "%s.txt", cases[i].file);
        write_file(fname, cases[i].text);
        char *s, *b;
        struct rm_err err = {0};
        int rc = tmpl_mail(tmp, cases[i].file, vars, 2, &s, &b, &err);
        if (rc != cases[i].rc)
            fail_msg("%s: rc %d (%s)", cases[i].file, rc, err.msg);
        if (rc == 0) {
            assert_string_equal(s, cases[i].subject);
            assert_string_equal(b, cases[i].body);
        } else {
            assert_null(s);
            assert_null(b);
        }
        free(s);
        free(b);
    }
    char *s, *b;
    struct rm_err err = {0};
    assert_int_equal(tmpl_mail(tmp, "absent", vars, 2, &s, &b, &err),
                     RM_ENOTFOUND);
    assert_int_equal(tmpl_mail(tmp, "../etc/passwd", vars, 2, &s, &b, &err),
                     RM_EINVAL);
    /* too big */
    char *big = malloc(TMPL_FILE_MAX + 100);
    memset(big, 'a', TMPL_FILE_MAX + 99);
    memcpy(big, "Subject: s\n\n", 12);
    big[TMPL_FILE_MAX + 99] = '\0';
    write_file("big.txt", big);
    free(big);
    assert_int_equal(tmpl_mail(tmp, "big", vars, 2, &s, &b, &err), RM_ELIMIT);
}

/* The README: "## NAME.txt" sections whose "- `var` — ..." lines list
 * the variables. */
struct section {
    char name[64];
    char vars[32][64];
    int n;
};

static int read_readme(struct section *sec, int max)
{
    char p[512];
    snprintf(p, sizeof p, "%s/README.md", tdir);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    char line[1024];
    int n = -1;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "## ", 3)) {
            assert_true(n + 1 < max);
            n++;
            memset(&sec[n], 0, sizeof sec[n]);
            char *dot = strstr(line + 3, ".txt");
            assert_non_null(dot);
            snprintf(sec[n].name, sizeof sec[n].name, "%.*s",
                     (int)(dot - line - 3), line + 3);
        } else if (n >= 0 && !strncmp(line, "- `", 3)) {
            char *e = strchr(line + 3, '`');
            assert_non_null(e);
            assert_true(sec[n].n < 32);
            snprintf(sec[n].vars[sec[n].n++], 64, "%.*s", (int)(e - line - 3),
                     line + 3);
        }
    }
    fclose(f);
    return n + 1;
}

/* tmpl_names is the README's list, the shipped directory passes
 * tmpl_check_dir, and one missing or without its Subject line fails it,
 * naming the file. */
static void test_check_dir_names_the_missing_template(void **state)
{
    (void)state;
    struct section sec[32];
    int ns = read_readme(sec, 32), n = 0;
    for (; tmpl_names[n]; n++) {
        bool found = false;
        for (int j = 0; j < ns; j++)
            found = found || !strcmp(sec[j].name, tmpl_names[n]);
        if (!found)
            fail_msg("tmpl_names has %s, README.md does not", tmpl_names[n]);
    }
    assert_int_equal(n, ns);
    struct rm_err err = {0};
    assert_int_equal(tmpl_check_dir(tdir, &err), 0);

    char dir[] = "/tmp/regman-tmpl.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[512];
    for (int i = 0; tmpl_names[i]; i++) {
        snprintf(path, sizeof path, "%s/%s.txt", dir, tmpl_names[i]);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs("Subject: s\n\nbody\n", f);
        fclose(f);
    }
    assert_int_equal(tmpl_check_dir(dir, &err), 0);
    snprintf(path, sizeof path, "%s/refund.txt", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("no subject\n", f);
    fclose(f);
    assert_true(tmpl_check_dir(dir, &err) < 0);
    assert_non_null(strstr(err.msg, "refund.txt"));
    unlink(path);
    assert_true(tmpl_check_dir(dir, &err) < 0);
    assert_non_null(strstr(err.msg, "refund.txt"));
    for (int i = 0; tmpl_names[i]; i++) {
        snprintf(path, sizeof path, "%s/%s.txt", dir, tmpl_names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void
test_every_template_uses_exactly_its_documented_variables(void **state)
{
    (void)state;
    static const char *const shipped[] = {"registration_completed",
                                          "renewal_completed",
                                          "restore_completed",
                                          "transfer_completed",
                                          "transfer_failed",
                                          "expiry_warning",
                                          "autorenew_done",
                                          "autorenew_failed",
                                          "refund",
                                          "admin_digest",
                                          "admin_late",
                                          "late_assigned",
                                          "last_chance",
                                          "last_chance_after",
                                          "reminder_after",
                                          "sync_report",
                                          "transferred_away",
                                          "verify_email"};
    struct section sec[32];
    int ns = read_readme(sec, 32);
    assert_int_equal(ns, (int)(sizeof shipped / sizeof shipped[0]));
    for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
        struct section *s = NULL;
        for (int j = 0; j < ns; j++)
            if (!strcmp(sec[j].name, shipped[i]))
                s = &sec[j];
        if (!s)
            fail_msg("%s.txt has no section in README.md", shipped[i]);
        assert_true(s->n > 0);
        struct tmpl_var vars[32];
        for (int k = 0; k < s->n; k++)
            vars[k] = (struct tmpl_var){s->vars[k], "VALUE"};
        char *subj, *body;
        struct rm_err err = {0};
        if (tmpl_mail(tdir, shipped[i], vars, (size_t)s->n, &subj, &body,
                      &err) != 0)
            fail_msg("%s with its documented variables: %s", shipped[i],
                     err.msg);
        assert_true(strlen(subj) > 0 && strlen(body) > 0);
        assert_null(strstr(body, "{{"));
        free(subj);
        free(body);
        /* Leave each documented variable out in turn: it must be used. */
        for (int k = 0; k < s->n; k++) {
            struct tmpl_var fewer[32];
            int m = 0;
            for (int q = 0; q < s->n; q++)
                if (q != k)
                    fewer[m++] = vars[q];
            if (tmpl_mail(tdir, shipped[i], fewer, (size_t)m, &subj, &body,
                          &err) != RM_EINVAL)
                fail_msg("%s: documented variable %s is not used", shipped[i],
                         s->vars[k]);
        }
    }
}

int main(int argc, char **argv)
{
    rm_log_init("test_template", LOG_FATAL);
    if (argc < 2) {
        fprintf(stderr, "usage: test_template TEMPLATES_DIR\n");
        return 2;
    }
    tdir = argv[1];
    const char *t = getenv("TMPDIR");
    snprintf(tmp, sizeof tmp, "%s/rmtmpl.XXXXXX", t ? t : "/tmp");
    if (!mkdtemp(tmp))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_table),
        cmocka_unit_test(test_mail_file_table),
        cmocka_unit_test(
            test_every_template_uses_exactly_its_documented_variables),
        cmocka_unit_test(test_check_dir_names_the_missing_template),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        rc = 1;
    return rc;
}
