/*
 * test_smtp - mail delivered to a real SMTP server (Debian's Exim, run by
 * scripts/smtp-test-server on 127.0.0.1 with OS-chosen ports), read back
 * from its maildir and decoded by an independent decoder (Python's email
 * package, `smtp-test-server --decode`).
 *
 * argv[1] is the path of scripts/smtp-test-server. The server requires
 * TLS (STARTTLS or smtps) and AUTH, so every delivery that succeeds here
 * proves both were used; its Received header says so too ("esmtpsa").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <dirent.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jobs/mail_job.h"
#include "jobs/runner.h"
#include "mail/mail.h"
#include "store/store.h"
#include "util/log.h"
#include "core/outbox.h"
#include "unitdb.h"

#define USER "regman"
#define PASS "s3cret p@ss"

static const char *server_script;

struct fx {
    char dir[256];
    struct unitdb db; /* REGMAN_TEST_DB's backend */
    char ready[300];
    char maildir[300];
    char ca[300];
    int smtp_port, smtps_port;
    pid_t server;
    struct store *st;
    struct mail_config mc;
    int64_t now;
};

static void msleep(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int start_server(struct fx *f)
{
    char sdir[300];
    snprintf(sdir, sizeof sdir, "%s/smtp", f->dir);
    f->server = fork();
    if (f->server < 0)
        return -1;
    if (f->server == 0) {
        execl(server_script, server_script, "--dir", sdir, "--ready", f->ready,
              "--auth", USER ":" PASS, "--require-tls", (char *)NULL);
        _exit(127);
    }
    /* The ready file is the readiness signal; wait for it to appear. */
    for (int i = 0; i < 600; i++) {
        FILE *in = fopen(f->ready, "r");
        if (in) {
            char key[32], val[256];
            while (fscanf(in, "%31s %255s", key, val) == 2) {
                if (!strcmp(key, "smtp_port"))
                    f->smtp_port = atoi(val);
                else if (!strcmp(key, "smtps_port"))
                    f->smtps_port = atoi(val);
                else if (!strcmp(key, "ca_file"))
                    snprintf(f->ca, sizeof f->ca, "%s", val);
                else if (!strcmp(key, "maildir"))
                    snprintf(f->maildir, sizeof f->maildir, "%s/new", val);
            }
            fclose(in);
            return f->smtp_port && f->smtps_port ? 0 : -1;
        }
        int status;
        if (waitpid(f->server, &status, WNOHANG) == f->server) {
            f->server = 0;
            return -1;
        }
        msleep(50);
    }
    return -1;
}

static void stop_server(struct fx *f)
{
    if (f->server > 0) {
        kill(f->server, SIGTERM);
        waitpid(f->server, NULL, 0);
        f->server = 0;
    }
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%s/rmsmtp.XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    /* Exim runs as its own user when started by root: let it in. */
    chmod(f->dir, 0755);
    snprintf(f->ready, sizeof f->ready, "%s/smtp.ready", f->dir);
    if (start_server(f) != 0) {
        fprintf(stderr, "smtp-test-server did not start\n");
        return -1;
    }
    struct store_open_opts o = {.create = 1};
    struct rm_err err = {0};
    if (unitdb_make(&f->db, f->dir, &err) != 0 ||
        store_open(f->db.target, &o, &f->st, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    mail_config_init(&f->mc);
    char url[64];
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", f->smtp_port);
    f->mc.smtp_url = strdup(url);
    f->mc.tls = MAIL_TLS_STARTTLS;
    f->mc.ca_file = strdup(f->ca);
    f->mc.username = strdup(USER);
    f->mc.password = strdup(PASS);
    f->mc.from = strdup("billing@regman.test");
    f->mc.from_name = strdup("Régman Billing");
    f->mc.timeout_s = 20;
    f->now = 1795828615;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    stop_server(f);
    store_close(f->st);
    unitdb_drop(&f->db);
    mail_config_release(&f->mc);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

static int64_t queue(struct fx *f, const char *key, const char *to,
                     const char *subject, const char *body)
{
    struct rm_err err = {0};
    int64_t id = 0;
    assert_int_equal(store_begin(f->st, STORE_TX_WRITE, &err), 0);
    if (outbox_queue(f->st, &f->mc, key, to, subject, body, f->now, &id, &err))
        fail_msg("outbox_queue: %s", err.msg);
    assert_int_equal(store_commit(f->st, &err), 0);
    return id;
}

static struct mail_deliver_stats deliver(struct fx *f)
{
    struct mail_deliver_stats st;
    struct rm_err err = {0};
    if (outbox_deliver_due(f->st, &f->mc, f->now, 100, NULL, NULL, &st, &err))
        fail_msg("deliver: %s", err.msg);
    return st;
}

static int count_files(const char *dir, char names[][512], int max)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (names && n < max) {
            /* a path that does not fit is cut; the test then fails to
             * open it, which is the right outcome */
            int w =
                snprintf(names[n], 512, "%.*s/%.*s", 250, dir, 250, e->d_name);
            (void)w;
        }
        n++;
    }
    closedir(d);
    return n;
}

/* wait_mail - the maildir's files once there are want of them (Exim
 * delivers before the session ends; the wait covers a slow machine). */
static int wait_mail(struct fx *f, int want, char names[][512])
{
    int n = 0;
    for (int i = 0; i < 400; i++) {
        n = count_files(f->maildir, NULL, 0);
        if (n >= want)
            break;
        msleep(25);
    }
    if (names)
        count_files(f->maildir, names, want);
    return n;
}

/* decoded - one delivered message as the independent decoder reads it. */
static json_t *decoded(const char *file)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "'%s' --decode '%s'", server_script, file);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    json_error_t je;
    json_t *j = json_loadf(p, 0, &je);
    pclose(p);
    if (!j)
        fail_msg("decoder output: %s", je.text);
    return j;
}

static const char *jstr(json_t *j, const char *k)
{
    const char *s = json_string_value(json_object_get(j, k));
    return s ? s : "(null)";
}

static void assert_received_with_tls_and_auth(json_t *j)
{
    json_t *rcv = json_array_get(json_object_get(j, "received"), 0);
    const char *r = json_string_value(rcv);
    assert_non_null(r);
    /* Exim: "esmtps" = ESMTP over TLS, trailing "a" = authenticated;
     * "local-" when the helper relays for an unprivileged user. */
    if (!strstr(r, "with esmtpsa ") && !strstr(r, "with local-esmtpsa "))
        fail_msg("Received: %s", r);
}

static const char subject_ru[] =
    "Домен пример.рф зарегистрирован — ваш заказ №42 выполнен успешно";
static const char body_ru[] =
    "Здравствуйте, Алиса!\n"
    "\n"
    "Домен пример.рф зарегистрирован до 2027-11-28. Списано: 12.00 USD.\n"
    ".a line that starts with a dot\n"
    "..and one with two dots\n"
    ".\n"
    "a = sign, trailing space \n"
    "A long line: "
    "ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé"
    "ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé end\n"
    "-- \n"
    "regman\n";

static void
test_non_ascii_message_arrives_intact_over_starttls_auth(void **state)
{
    struct fx *f = *state;
    int64_t id =
        queue(f, "op:1:done", "alice@example.test", subject_ru, body_ru);
    struct mail_deliver_stats st = deliver(f);
    assert_int_equal(st.sent, 1);
    char names[1][512];
    assert_int_equal(wait_mail(f, 1, names), 1);
    json_t *j = decoded(names[0]);
    assert_string_equal(jstr(j, "subject"), subject_ru);
    assert_string_equal(jstr(j, "body"), body_ru);
    assert_string_equal(jstr(j, "to"), "alice@example.test");
    assert_string_equal(jstr(j, "from"),
                        "Régman Billing <billing@regman.test>");
    assert_string_equal(jstr(j, "content_type"), "text/plain");
    assert_string_equal(jstr(j, "charset"), "utf-8");
    assert_string_equal(jstr(j, "date"), "Sat, 28 Nov 2026 01:16:55 +0000");
    assert_received_with_tls_and_auth(j);
    struct mail_row r = {0};
    struct rm_err err = {0};
    assert_int_equal(outbox_get(f->st, id, &r, &err), 0);
    assert_string_equal(r.state, "sent");
    assert_int_equal(r.attempts, 1);
    assert_int_equal(r.sent_at, f->now);
    assert_string_equal(jstr(j, "message_id"), r.message_id);
    mail_row_release(&r);
    json_decref(j);
    /* nothing more is due */
    st = deliver(f);
    assert_int_equal(st.sent + st.deferred + st.failed, 0);
}

static void test_smtps_with_auth_delivers(void **state)
{
    struct fx *f = *state;
    char url[64];
    snprintf(url, sizeof url, "smtps://127.0.0.1:%d", f->smtps_port);
    free(f->mc.smtp_url);
    f->mc.smtp_url = strdup(url);
    f->mc.tls = MAIL_TLS_IMPLICIT;
    queue(f, "op:2:done", "bob@example.test", "Plain subject", "Hello.\n");
    assert_int_equal(deliver(f).sent, 1);
    char names[1][512];
    assert_int_equal(wait_mail(f, 1, names), 1);
    json_t *j = decoded(names[0]);
    assert_string_equal(jstr(j, "subject"), "Plain subject");
    assert_string_equal(jstr(j, "body"), "Hello.\n");
    assert_string_equal(jstr(j, "cte"), "7bit");
    assert_received_with_tls_and_auth(j);
    json_decref(j);
}

/* Each case: a setting the server refuses; the row must stay queued with
 * one attempt counted, a backoff and the reason, and nothing delivered. */
static void test_refused_settings_are_deferred_not_lost(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *name;
        int no_tls, bad_password, no_ca;
        const char *why; /* fragment of last_error */
    } cases[] = {
        {"no STARTTLS", 1, 0, 0, "smtp:"},
        {"wrong password", 0, 1, 0, "smtp:"},
        {"unknown CA", 0, 0, 1, "smtp:"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mail_config mc = f->mc;
        char nopass[] = "wrong";
        char noca[400];
        snprintf(noca, sizeof noca, "%s/empty-ca.pem", f->dir);
        FILE *e = fopen(noca, "w");
        fclose(e);
        if (cases[i].no_tls)
            mc.tls = MAIL_TLS_NONE;
        if (cases[i].bad_password)
            mc.password = nopass;
        if (cases[i].no_ca)
            mc.ca_file = noca;
        char key[32];
        snprintf(key, sizeof key, "refused:%zu", i);
        struct rm_err err = {0};
        int64_t id = 0;
        assert_int_equal(store_begin(f->st, STORE_TX_WRITE, &err), 0);
        assert_int_equal(outbox_queue(f->st, &mc, key, "c@example.test", "s",
                                      "b\n", f->now, &id, &err),
                         0);
        assert_int_equal(store_commit(f->st, &err), 0);
        struct mail_deliver_stats st;
        assert_int_equal(
            outbox_deliver_due(f->st, &mc, f->now, 10, NULL, NULL, &st, &err),
            0);
        if (st.deferred != 1)
            fail_msg("%s: sent %d deferred %d", cases[i].name, st.sent,
                     st.deferred);
        struct mail_row r = {0};
        assert_int_equal(outbox_get(f->st, id, &r, &err), 0);
        assert_string_equal(r.state, "queued");
        assert_int_equal(r.attempts, 1);
        assert_int_equal(r.next_attempt_at, f->now + 60);
        assert_non_null(strstr(r.last_error, cases[i].why));
        assert_null(strstr(r.last_error, PASS)); /* no secret in errors */
        mail_row_release(&r);
    }
    assert_int_equal(count_files(f->maildir, NULL, 0), 0);
}

static int closed_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
    close(s);
    return ntohs(a.sin_port);
}

static void
test_server_down_then_up_delivers_with_the_same_message_id(void **state)
{
    struct fx *f = *state;
    char *live = f->mc.smtp_url;
    char down[64];
    snprintf(down, sizeof down, "smtp://127.0.0.1:%d", closed_port());
    f->mc.smtp_url = down;
    int64_t id =
        queue(f, "op:7:done", "carol@example.test", "Überweisung", "Grüße\n");
    struct mail_row before = {0};
    struct rm_err err = {0};
    assert_int_equal(outbox_get(f->st, id, &before, &err), 0);
    struct mail_deliver_stats st = deliver(f);
    assert_int_equal(st.deferred, 1);
    struct mail_row r = {0};
    assert_int_equal(outbox_get(f->st, id, &r, &err), 0);
    assert_int_equal(r.attempts, 1);
    assert_int_equal(r.next_attempt_at, f->now + 60);
    mail_row_release(&r);
    f->mc.smtp_url = live;
    assert_int_equal(deliver(f).sent, 0); /* backing off: not yet */
    f->now += 60;
    assert_int_equal(deliver(f).sent, 1);
    char names[1][512];
    assert_int_equal(wait_mail(f, 1, names), 1);
    json_t *j = decoded(names[0]);
    assert_string_equal(jstr(j, "message_id"), before.message_id);
    assert_string_equal(jstr(j, "subject"), "Überweisung");
    assert_string_equal(jstr(j, "body"), "Grüße\n");
    json_decref(j);
    mail_row_release(&before);
}

/* at-least-once: the server accepted the message but the 'sent' outcome
 * was never recorded (a crash in between); the next delivery sends the
 * same message again, recognisable by its Message-ID and Date. */
static void test_resend_after_lost_outcome_has_same_message_id(void **state)
{
    struct fx *f = *state;
    int64_t id =
        queue(f, "op:8:done", "dave@example.test", "Счёт оплачен", "Спасибо\n");
    struct mail_row r = {0};
    struct rm_err err = {0};
    assert_int_equal(outbox_get(f->st, id, &r, &err), 0);
    assert_int_equal(mail_send(&f->mc, &r, &err), 0); /* "crash" now */
    f->now += 3600;                                   /* restart later */
    assert_int_equal(deliver(f).sent, 1);
    char names[2][512];
    assert_int_equal(wait_mail(f, 2, names), 2);
    json_t *a = decoded(names[0]);
    json_t *b = decoded(names[1]);
    assert_string_equal(jstr(a, "message_id"), r.message_id);
    assert_string_equal(jstr(b, "message_id"), r.message_id);
    assert_string_equal(jstr(a, "date"), jstr(b, "date"));
    assert_string_equal(jstr(a, "body"), jstr(b, "body"));
    json_decref(a);
    json_decref(b);
    mail_row_release(&r);
}

static int64_t now_of(void *arg)
{
    return *(int64_t *)arg;
}

static void test_mail_job_in_the_runner_delivers_the_outbox(void **state)
{
    struct fx *f = *state;
    for (int i = 0; i < 5; i++) {
        char key[32], to[64];
        snprintf(key, sizeof key, "digest:%d", i);
        snprintf(to, sizeof to, "admin%d@example.test", i);
        queue(f, key, to, "Digest", "Nothing ended.\n");
    }
    struct runner_opts o = {.owner = "t", .now = now_of, .now_arg = &f->now};
    struct runner *r;
    struct rm_err err = {0};
    assert_int_equal(runner_new(f->st, &o, &r, &err), 0);
    struct mail_job mj = {.mc = &f->mc, .batch = 2};
    assert_int_equal(mail_job_register(r, &mj, 30, &err), 0);
    int ran = 0;
    assert_int_equal(runner_run_due(r, 0, &ran, &err), 0);
    assert_int_equal(ran, 1);
    assert_int_equal(mj.total.sent, 5); /* three batches in one run */
    assert_int_equal(wait_mail(f, 5, NULL), 5);
    runner_free(r);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_smtp SMTP-TEST-SERVER\n");
        return 2;
    }
    server_script = argv[1];
    rm_log_init("test_smtp", LOG_FATAL);
    curl_global_init(CURL_GLOBAL_DEFAULT);
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_non_ascii_message_arrives_intact_over_starttls_auth),
        T(test_smtps_with_auth_delivers),
        T(test_refused_settings_are_deferred_not_lost),
        T(test_server_down_then_up_delivers_with_the_same_message_id),
        T(test_resend_after_lost_outcome_has_same_message_id),
        T(test_mail_job_in_the_runner_delivers_the_outbox),
    };
#undef T
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
