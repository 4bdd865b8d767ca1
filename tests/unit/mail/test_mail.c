/*
 * test_mail - the mail outbox and message building, on a real SQLite file:
 * header encoding (RFC 2047, RFC 5322 dates), body transfer encoding
 * (7bit / quoted-printable), validation at queue time, idempotent queueing,
 * bounded backoff to 'failed' against a port where nothing listens, the
 * admin's retry, and the [mail] configuration section.
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
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mail/mail.h"
#include "mail/template.h"
#include "store/store.h"
#include "util/log.h"
#include "core/outbox.h"
#include "unitdb.h"

struct fx {
    char dir[256];
    struct unitdb db; /* REGMAN_TEST_DB's backend */
    struct store *st;
    struct mail_config mc;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%s/rmmail.XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    struct store_open_opts o = {.create = 1};
    struct rm_err err = {0};
    if (unitdb_make(&f->db, f->dir, &err) != 0 ||
        store_open(f->db.target, &o, &f->st, &err) != 0) {
        fprintf(stderr, "store_open: %s\n", err.msg);
        return -1;
    }
    mail_config_init(&f->mc);
    f->mc.from = strdup("noreply@regman.test");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->st);
    unitdb_drop(&f->db);
    mail_config_release(&f->mc);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static int64_t queue(struct fx *f, const char *key, const char *to,
                     const char *subject, const char *body, int64_t now,
                     int expect_rc)
{
    struct rm_err err = {0};
    int64_t id = 0;
    assert_int_equal(store_begin(f->st, STORE_TX_WRITE, &err), 0);
    int rc =
        outbox_queue(f->st, &f->mc, key, to, subject, body, now, &id, &err);
    if (rc != expect_rc)
        fail_msg("outbox_queue(%s) = %d (%s), want %d", key, rc, err.msg,
                 expect_rc);
    assert_int_equal(store_commit(f->st, &err), 0);
    return id;
}

static char *build(struct fx *f, const char *subject, const char *body,
                   int64_t created)
{
    struct mail_row row = {
        .id = 1,
        .message_id = "<abc.regman@regman.test>",
        .to_addr = "alice@example.com",
        .subject = (char *)subject,
        .body = (char *)body,
        .created_at = created,
    };
    struct buf b;
    struct rm_err err = {0};
    buf_init(&b);
    if (mail_build_message(&f->mc, &row, &b, &err) != 0)
        fail_msg("build: %s", err.msg);
    return buf_detach(&b, NULL);
}

/* header - the value of header name (unfolded lines kept as they are). */
static char *header(const char *msg, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = msg; p && *p && strncmp(p, "\r\n", 2);) {
        const char *e = strstr(p, "\r\n");
        while (e && (e[2] == ' ' || e[2] == '\t'))
            e = strstr(e + 2, "\r\n");
        if (!strncmp(p, name, n) && p[n] == ':')
            return strndup(p + n + 2, (size_t)(e - p) - n - 2);
        p = e ? e + 2 : NULL;
    }
    return NULL;
}

static const char *body_of(const char *msg)
{
    const char *b = strstr(msg, "\r\n\r\n");
    return b ? b + 4 : "";
}

static void test_ascii_message_is_7bit_with_all_headers(void **state)
{
    struct fx *f = *state;
    char *m = build(f, "Hello", "line one\nline two\r\n.dot\n", 1795828615);
    static const char *const want[][2] = {
        {"Date", "Sat, 28 Nov 2026 01:16:55 +0000"},
        {"From", "noreply@regman.test"},
        {"To", "alice@example.com"},
        {"Subject", "Hello"},
        {"Message-ID", "<abc.regman@regman.test>"},
        {"MIME-Version", "1.0"},
        {"Content-Type", "text/plain; charset=UTF-8"},
        {"Content-Transfer-Encoding", "7bit"},
        {"Auto-Submitted", "auto-generated"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char *v = header(m, want[i][0]);
        if (!v || strcmp(v, want[i][1]))
            fail_msg("%s: got \"%s\", want \"%s\"", want[i][0],
                     v ? v : "(none)", want[i][1]);
        free(v);
    }
    /* Line ends normalised to CRLF; the dot is left to curl. */
    assert_string_equal(body_of(m), "line one\r\nline two\r\n.dot\r\n");
    free(m);
}

static void test_date_header_table(void **state)
{
    struct fx *f = *state;
    static const struct {
        int64_t t;
        const char *want;
    } cases[] = {
        {0, "Thu, 01 Jan 1970 00:00:00 +0000"},
        {951782400, "Tue, 29 Feb 2000 00:00:00 +0000"},
        {1795828615, "Sat, 28 Nov 2026 01:16:55 +0000"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *m = build(f, "x", "y", cases[i].t);
        char *d = header(m, "Date");
        assert_string_equal(d, cases[i].want);
        free(d);
        free(m);
    }
}

static void test_non_ascii_subject_is_rfc2047_encoded(void **state)
{
    struct fx *f = *state;
    char *m = build(f, "Привет мир", "body", 0);
    char *s = header(m, "Subject");
    assert_string_equal(s, "=?UTF-8?B?0J/RgNC40LLQtdGCINC80LjRgA==?=");
    free(s);
    free(m);
}

static int b64val(char c)
{
    const char *t =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = strchr(t, c);
    return p && c ? (int)(p - t) : -1;
}

/* decode_b64 - append the decoding of s[0..n) to out. */
static size_t decode_b64(const char *s, size_t n, unsigned char *out)
{
    size_t o = 0;
    unsigned v = 0;
    int bits = 0;
    for (size_t i = 0; i < n && s[i] != '='; i++) {
        int d = b64val(s[i]);
        assert_true(d >= 0);
        v = (v << 6) | (unsigned)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(v >> bits);
        }
    }
    return o;
}

static void
test_long_subject_folds_into_words_that_keep_utf8_whole(void **state)
{
    struct fx *f = *state;
    /* 40 three-byte characters plus ASCII: several encoded words. */
    char subj[400] = "Ваш домен пример.рф истекает — ";
    for (int i = 0; i < 20; i++)
        strcat(subj, "€");
    strcat(subj, " end");
    char *m = build(f, subj, "b", 0);
    char *s = header(m, "Subject");
    unsigned char all[400];
    size_t alln = 0;
    int words = 0;
    for (char *w = s; (w = strstr(w, "=?UTF-8?B?"));) {
        char *e = strstr(w, "?=");
        assert_non_null(e);
        assert_true(e + 2 - w <= 75); /* RFC 2047: a word <= 75 chars */
        unsigned char part[64] = {0};
        size_t pn = decode_b64(w + 10, (size_t)(e - w - 10), part);
        /* each word decodes to whole UTF-8 characters */
        assert_true((part[0] & 0xc0) != 0x80);
        assert_true(pn == 0 || (part[pn - 1] & 0x80) == 0 ||
                    (part[pn - 1] & 0xc0) == 0x80);
        memcpy(all + alln, part, pn);
        alln += pn;
        words++;
        w = e + 2;
        if (*w) /* words are separated by a fold */
            assert_memory_equal(w, "\r\n ", 3);
    }
    assert_true(words >= 3);
    all[alln] = '\0';
    assert_string_equal((char *)all, subj);
    free(s);
    free(m);
}

static void test_body_quoted_printable_table(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *body;
        const char *want;
    } cases[] = {
        {"Café = ok \n", "Caf=C3=A9 =3D ok=20\r\n"},
        {"tab\t\nü", "tab=09\r\n=C3=BC\r\n"},
        {"é\r\n.dot\r\n", "=C3=A9\r\n.dot\r\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *m = build(f, "s", cases[i].body, 0);
        char *cte = header(m, "Content-Transfer-Encoding");
        assert_string_equal(cte, "quoted-printable");
        assert_string_equal(body_of(m), cases[i].want);
        free(cte);
        free(m);
    }
}

static void test_qp_lines_stay_within_76_chars(void **state)
{
    struct fx *f = *state;
    char body[2000] = "";
    for (int i = 0; i < 150; i++)
        strcat(body, i % 3 ? "é" : "a=");
    char *m = build(f, "s", body, 0);
    const char *b = body_of(m);
    size_t col = 0;
    for (const char *p = b; *p; p++) {
        if (p[0] == '\r' && p[1] == '\n') {
            assert_true(col <= 76);
            col = 0;
            p++;
        } else {
            col++;
        }
    }
    /* Undo the soft breaks and the =XX escapes: the body comes back. */
    char dec[2000];
    size_t o = 0;
    for (const char *p = b; *p;) {
        if (!strncmp(p, "=\r\n", 3)) {
            p += 3;
        } else if (*p == '=') {
            unsigned v;
            sscanf(p + 1, "%2X", &v);
            dec[o++] = (char)v;
            p += 3;
        } else if (!strncmp(p, "\r\n", 2)) {
            p += 2;
        } else {
            dec[o++] = *p++;
        }
    }
    dec[o] = '\0';
    assert_string_equal(dec, body);
    free(m);
}

static void test_long_ascii_line_is_quoted_printable(void **state)
{
    struct fx *f = *state;
    char *body = malloc(1200);
    memset(body, 'x', 1100);
    body[1100] = '\0';
    char *m = build(f, "s", body, 0);
    char *cte = header(m, "Content-Transfer-Encoding");
    assert_string_equal(cte, "quoted-printable");
    free(cte);
    free(m);
    free(body);
}

static void test_from_display_name_table(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *name;
        const char *want;
    } cases[] = {
        {NULL, "noreply@regman.test"},
        {"Regman Billing", "\"Regman Billing\" <noreply@regman.test>"},
        {"Say \"hi\"", "\"Say \\\"hi\\\"\" <noreply@regman.test>"},
        {"Hébergement", "=?UTF-8?B?SMOpYmVyZ2VtZW50?= <noreply@regman.test>"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        free(f->mc.from_name);
        f->mc.from_name = cases[i].name ? strdup(cases[i].name) : NULL;
        char *m = build(f, "s", "b", 0);
        char *v = header(m, "From");
        assert_string_equal(v, cases[i].want);
        free(v);
        free(m);
    }
}

static void test_same_row_builds_same_bytes(void **state)
{
    struct fx *f = *state;
    char *a = build(f, "Grüße", "Zweimal gesendet, einmal gemeint.", 12345);
    char *b = build(f, "Grüße", "Zweimal gesendet, einmal gemeint.", 12345);
    assert_string_equal(a, b);
    free(a);
    free(b);
}

static void test_queue_outside_transaction_is_refused(void **state)
{
    struct fx *f = *state;
    struct rm_err err = {0};
    assert_int_equal(
        outbox_queue(f->st, &f->mc, "k", "a@b.test", "s", "b", 1, NULL, &err),
        RM_EINTERNAL);
}

static void test_queue_refuses_bad_input_table(void **state)
{
    struct fx *f = *state;
    char *big = malloc(MAIL_BODY_MAX + 2);
    memset(big, 'a', MAIL_BODY_MAX + 1);
    big[MAIL_BODY_MAX + 1] = '\0';
    static const char bad_utf8[] = {'a', (char)0xc3, 0};
    const struct {
        const char *to, *subject, *body;
        int rc;
    } cases[] = {
        {"a b@c.test", "s", "b", RM_EINVAL},
        {"a@b@c.test", "s", "b", RM_EINVAL},
        {"<a@c.test>", "s", "b", RM_EINVAL},
        {"a@c.test\r\nBcc: x@y.test", "s", "b", RM_EINVAL},
        {"", "s", "b", RM_EINVAL},
        {"@c.test", "s", "b", RM_EINVAL},
        {"a@", "s", "b", RM_EINVAL},
        {"a@c.test", "two\r\nBcc: x@y.test", "b", RM_EINVAL},
        {"a@c.test", bad_utf8, "b", RM_EINVAL},
        {"a@c.test", "s", bad_utf8, RM_EINVAL},
        {"a@c.test", "s", big, RM_ELIMIT},
        {"ok@c.test", "fine", "fine", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char key[32];
        snprintf(key, sizeof key, "bad:%zu", i);
        queue(f, key, cases[i].to, cases[i].subject, cases[i].body, 1,
              cases[i].rc);
    }
    free(big);
}

static void test_queue_is_idempotent_per_key(void **state)
{
    struct fx *f = *state;
    int64_t a = queue(f, "op:1:done", "a@b.test", "s1", "b1", 10, 0);
    int64_t b = queue(f, "op:1:done", "other@b.test", "s2", "b2", 20, 0);
    int64_t c = queue(f, "op:2:done", "a@b.test", "s1", "b1", 10, 0);
    assert_true(a > 0);
    assert_int_equal(a, b);
    assert_int_not_equal(a, c);
    struct mail_row r = {0}, r2 = {0};
    struct rm_err err = {0};
    assert_int_equal(outbox_get(f->st, a, &r, &err), 0);
    assert_string_equal(r.to_addr, "a@b.test"); /* the first one stays */
    assert_string_equal(r.state, "queued");
    assert_int_equal(r.next_attempt_at, 10);
    assert_int_equal(outbox_get(f->st, c, &r2, &err), 0);
    /* <32 hex>.regman@<domain of from>, unique per row */
    assert_int_equal(strlen(r.message_id), 1 + 32 + 7 + 1 + 11 + 1);
    assert_true(strstr(r.message_id, ".regman@regman.test>") != NULL);
    assert_string_not_equal(r.message_id, r2.message_id);
    mail_row_release(&r);
    mail_row_release(&r2);
}

static void test_backoff_table(void **state)
{
    (void)state;
    static const int64_t cases[][4] = {
        /* attempts, min, max, want */
        {1, 60, 3600, 60},   {2, 60, 3600, 120},    {3, 60, 3600, 240},
        {7, 60, 3600, 3600}, {100, 60, 3600, 3600}, {1000000, 60, 3600, 3600},
        {3, 60, 100, 100},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(mail_backoff(cases[i][0], cases[i][1], cases[i][2]),
                         cases[i][3]);
}

/* closed_port - a loopback port where nothing listens. */
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

static void test_unreachable_server_backs_off_then_fails(void **state)
{
    struct fx *f = *state;
    char url[64];
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", closed_port());
    f->mc.smtp_url = strdup(url);
    f->mc.tls = MAIL_TLS_NONE;
    f->mc.timeout_s = 5;
    f->mc.retry_min_s = 60;
    f->mc.retry_max_s = 200;
    f->mc.max_attempts = 5;
    int64_t id = queue(f, "op:9:done", "a@b.test", "s", "b", 1000, 0);
    /* attempt n happens when due; the wait after it doubles, capped */
    static const int64_t waits[] = {60, 120, 200, 200};
    int64_t now = 1000;
    struct rm_err err = {0};
    struct mail_deliver_stats st;
    for (size_t i = 0; i < 4; i++) {
        /* not due a second early */
        assert_int_equal(outbox_deliver_due(f->st, &f->mc, now - 1, 10, NULL,
                                            NULL, &st, &err),
                         0);
        assert_int_equal(st.sent + st.deferred + st.failed, 0);
        assert_int_equal(
            outbox_deliver_due(f->st, &f->mc, now, 10, NULL, NULL, &st, &err),
            0);
        assert_int_equal(st.deferred, 1);
        struct mail_row r = {0};
        assert_int_equal(outbox_get(f->st, id, &r, &err), 0);
        assert_string_equal(r.state, "queued");
        assert_int_equal(r.attempts, (int64_t)i + 1);
        assert_int_equal(r.next_attempt_at, now + waits[i]);
        assert_non_null(r.last_error);
        assert_true(strstr(r.last_error, "smtp:") == r.last_error);
        mail_row_release(&r);
        now += waits[i];
    }
    assert_int_equal(
        outbox_deliver_due(f->st, &f->mc, now, 10, NULL, NULL, &st, &err), 0);
    assert_int_equal(st.failed, 1);
    struct mail_row r = {0};
    assert_int_equal(outbox_get(f->st, id, &r, &err), 0);
    assert_string_equal(r.state, "failed");
    assert_int_equal(r.attempts, 5);
    mail_row_release(&r);
    /* failed rows are not retried by themselves ... */
    assert_int_equal(outbox_deliver_due(f->st, &f->mc, now + 100000, 10, NULL,
                                        NULL, &st, &err),
                     0);
    assert_int_equal(st.sent + st.deferred + st.failed, 0);
    /* ... and they stay listed */
    struct mail_row *rows;
    int n;
    assert_int_equal(outbox_list(f->st, "failed", 10, &rows, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].id, id);
    mail_rows_free(rows, n);
    /* an admin's retry makes it due again with fresh attempts */
    assert_int_equal(outbox_retry(f->st, id, now + 5, &err), 0);
    assert_int_equal(outbox_get(f->st, id, &r, &err), 0);
    assert_string_equal(r.state, "queued");
    assert_int_equal(r.attempts, 0);
    assert_int_equal(r.next_attempt_at, now + 5);
    mail_row_release(&r);
}

static void test_retry_refuses_sent_and_missing_rows(void **state)
{
    struct fx *f = *state;
    int64_t id = queue(f, "op:3:done", "a@b.test", "s", "b", 1, 0);
    struct rm_err err = {0};
    assert_int_equal(
        store_exec(f->st, "UPDATE mail_outbox SET state = 'sent'", &err), 0);
    assert_int_equal(outbox_retry(f->st, id, 2, &err), RM_EINVAL);
    assert_int_equal(outbox_retry(f->st, id + 100, 2, &err), RM_ENOTFOUND);
}

static const char *templates_dir;

static void test_queue_template_renders_or_queues_nothing(void **state)
{
    struct fx *f = *state;
    free(f->mc.templates_dir);
    f->mc.templates_dir = strdup(templates_dir);
    const struct tmpl_var vars[] = {
        {"customer", "Алиса"},   {"domain", "пример.рф"},
        {"term", "2"},           {"expires", "2028-11-28"},
        {"amount", "24.00 USD"}, {"operation_id", "5"}};
    struct rm_err err = {0};
    int64_t id = 0;
    assert_int_equal(store_begin(f->st, STORE_TX_WRITE, &err), 0);
    assert_int_equal(
        outbox_queue_template(f->st, &f->mc, "op:5:done", "alice@example.test",
                              "registration_completed", vars, 6, 10, &id, &err),
        0);
    /* without "amount" (and the operation id after it): an error, and no
     * row */
    assert_int_equal(outbox_queue_template(
                         f->st, &f->mc, "op:6:done", "alice@example.test",
                         "registration_completed", vars, 4, 10, NULL, &err),
                     RM_EINVAL);
    assert_non_null(strstr(err.msg, "{{amount}}"));
    assert_int_equal(outbox_queue_template(f->st, &f->mc, "op:7:done",
                                           "alice@example.test", "no_such",
                                           vars, 6, 10, NULL, &err),
                     RM_ENOTFOUND);
    assert_int_equal(store_commit(f->st, &err), 0);
    struct mail_row *rows;
    int n;
    assert_int_equal(outbox_list(f->st, NULL, 10, &rows, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].id, id);
    assert_string_equal(rows[0].subject, "пример.рф is registered");
    assert_non_null(strstr(rows[0].body, "Hello Алиса,"));
    assert_non_null(strstr(rows[0].body, "24.00 USD was charged"));
    mail_rows_free(rows, n);
}

static void test_config_table(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int rc;
        enum mail_tls tls;
    } cases[] = {
        {"[mail]\nsmtp_url = smtps://mail.example.com\nfrom = a@b.test\n", 0,
         MAIL_TLS_IMPLICIT},
        {"[mail]\nsmtp_url = smtp://mail.example.com:587\n", 0,
         MAIL_TLS_STARTTLS},
        {"[mail]\nsmtp_url = smtp://127.0.0.1:2525\n", 0, MAIL_TLS_NONE},
        {"[mail]\nsmtp_url = smtp://localhost\nstarttls = yes\n", 0,
         MAIL_TLS_STARTTLS},
        {"[mail]\nsmtp_url = smtp://mx.example.com\nstarttls = no\n", 0,
         MAIL_TLS_NONE},
        {"[mail]\nsmtp_url = http://mail.example.com\n", RM_EINVAL, 0},
        {"[mail]\nusername = u\n", RM_EINVAL, 0},
        {"[mail]\nfrom = not an address\n", RM_EINVAL, 0},
        {"[mail]\nretry_min_s = 600\nretry_max_s = 60\n", RM_EINVAL, 0},
        {"[mail]\nmax_attempts = 0\n", RM_EINVAL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct config cfg;
        struct mail_config mc;
        struct rm_err err = {0};
        assert_int_equal(config_parse("t.conf", cases[i].text,
                                      strlen(cases[i].text), &cfg, &err),
                         0);
        mail_config_init(&mc);
        int rc = mail_config_load(&cfg, &mc, &err);
        if (rc != cases[i].rc)
            fail_msg("case %zu: rc %d (%s), want %d", i, rc, err.msg,
                     cases[i].rc);
        if (rc == 0) {
            assert_int_equal(mc.tls, cases[i].tls);
            /* no templates key: the installed or source-tree templates */
            assert_non_null(strstr(mc.templates_dir, "templates"));
        }
        mail_config_release(&mc);
        config_free(&cfg);
    }

    /* a relative templates path is taken from the config file's dir */
    {
        struct config cfg;
        struct mail_config mc;
        const char *t = "[mail]\ntemplates = tpl\n";
        assert_int_equal(
            config_parse("/etc/regman/regman.conf", t, strlen(t), &cfg, NULL),
            0);
        mail_config_init(&mc);
        assert_int_equal(mail_config_load(&cfg, &mc, NULL), 0);
        assert_string_equal(mc.templates_dir, "/etc/regman/tpl");
        mail_config_release(&mc);
        config_free(&cfg);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_mail TEMPLATES_DIR\n");
        return 2;
    }
    templates_dir = argv[1];
    rm_log_init("test_mail", LOG_FATAL);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_ascii_message_is_7bit_with_all_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_date_header_table, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_non_ascii_subject_is_rfc2047_encoded, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_long_subject_folds_into_words_that_keep_utf8_whole, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_body_quoted_printable_table, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_qp_lines_stay_within_76_chars,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_long_ascii_line_is_quoted_printable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_from_display_name_table, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_same_row_builds_same_bytes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_queue_outside_transaction_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_refuses_bad_input_table,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_is_idempotent_per_key, setup,
                                        teardown),
        cmocka_unit_test(test_backoff_table),
        cmocka_unit_test_setup_teardown(
            test_unreachable_server_backs_off_then_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_retry_refuses_sent_and_missing_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_queue_template_renders_or_queues_nothing, setup, teardown),
        cmocka_unit_test(test_config_table),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
