/*
 * mail - mail configuration, message checks and format, SMTP delivery; the
 * contract is in mail.h. The outbox (the mail_outbox table) is core's:
 * core/outbox.c.
 */
#include "mail/mail.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <time.h>

#include "mail/template.h"
#include "util/log.h"
#include "util/utf8.h"
#include "util/xalloc.h"

void mail_config_init(struct mail_config *mc)
{
    memset(mc, 0, sizeof(*mc));
    mc->tls = MAIL_TLS_STARTTLS;
    mc->timeout_s = 60;
    mc->retry_min_s = 60;
    mc->retry_max_s = 3600;
    mc->max_attempts = 10;
}

void mail_config_release(struct mail_config *mc)
{
    free(mc->smtp_url);
    free(mc->username);
    if (mc->password) {
        explicit_bzero(mc->password, strlen(mc->password));
        free(mc->password);
    }
    free(mc->ca_file);
    free(mc->from);
    free(mc->from_name);
    free(mc->admin);
    free(mc->templates_dir);
    mail_config_init(mc);
}

/* addr_ok - a bare address local@domain, nothing a header or an SMTP
 * command could be split on. */
static bool addr_ok(const char *a)
{
    size_t n = strlen(a);
    const char *at = strchr(a, '@');
    if (n == 0 || n > MAIL_ADDR_MAX || !at || at == a || !at[1] ||
        strchr(at + 1, '@') || at[1] == '.' || a[n - 1] == '.')
        return false;
    for (const char *p = a; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c >= 0x7f || strchr("<>()[]\\,;:\"", c))
            return false;
    }
    return true;
}

static bool utf8_ok(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t l = utf8_seq(p + i, n - i);
        if (l == 0)
            return false;
        i += l;
    }
    return true;
}

/* text_ok - UTF-8 without control characters (a subject, a name). */
static bool text_ok(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return utf8_ok(s, strlen(s));
}

static int loopback_host(const char *url)
{
    const char *h = strstr(url, "://");
    h = h ? h + 3 : url;
    size_t n = strcspn(h, ":/");
    if (h[0] == '[')
        n = strcspn(h, "]") + 1;
    return (n == 9 && !strncmp(h, "localhost", 9)) ||
           (n == 5 && !strncmp(h, "[::1]", 5)) || !strncmp(h, "127.", 4);
}

static void get_string(struct config *cfg, const char *key, char **out)
{
    const char *v = config_get(cfg, "mail", key);
    if (v && *v) {
        free(*out);
        *out = xstrdup(v);
    }
}

#ifndef REGMAN_DATADIR
#define REGMAN_DATADIR "/usr/local/share"
#endif

static bool is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* default_templates_dir - the installed templates, else the source tree's
 * (a build run from its checkout), else "templates". */
static char *default_templates_dir(void)
{
    char *p = xasprintf("%s/regman/templates", REGMAN_DATADIR);
    if (is_dir(p))
        return p;
    free(p);
#ifdef REGMAN_SOURCE_TEMPLATES
    if (is_dir(REGMAN_SOURCE_TEMPLATES))
        return xstrdup(REGMAN_SOURCE_TEMPLATES);
#endif
    return xstrdup("templates");
}

int mail_config_load(struct config *cfg, struct mail_config *mc,
                     struct rm_err *err)
{
    static const char *const keys[] = {"smtp_url", "username", "password",
                                       "ca_file",  "from",     "from_name",
                                       "admin",    "templates"};
    char **dst[] = {&mc->smtp_url, &mc->username,     &mc->password,
                    &mc->ca_file,  &mc->from,         &mc->from_name,
                    &mc->admin,    &mc->templates_dir};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        get_string(cfg, keys[i], dst[i]);

    const char *where = cfg->path ? cfg->path : "config";
    if (mc->smtp_url) {
        if (!strncmp(mc->smtp_url, "smtps://", 8)) {
            mc->tls = MAIL_TLS_IMPLICIT;
        } else if (!strncmp(mc->smtp_url, "smtp://", 7)) {
            bool starttls = !loopback_host(mc->smtp_url);
            if (config_get_bool(cfg, "mail", "starttls", starttls, &starttls,
                                err) < 0)
                return err ? err->code : RM_EINVAL;
            mc->tls = starttls ? MAIL_TLS_STARTTLS : MAIL_TLS_NONE;
        } else {
            return rm_err_set(err, RM_EINVAL,
                              "%s: [mail] smtp_url must start with smtp:// "
                              "or smtps://",
                              where);
        }
    }
    if (!mc->username != !mc->password)
        return rm_err_set(err, RM_EINVAL,
                          "%s: [mail] username and password go together",
                          where);
    if (mc->from && !addr_ok(mc->from))
        return rm_err_set(err, RM_EINVAL,
                          "%s: [mail] from is not a plain address: %s", where,
                          mc->from);
    if (mc->admin && !addr_ok(mc->admin))
        return rm_err_set(err, RM_EINVAL,
                          "%s: [mail] admin is not a plain address: %s", where,
                          mc->admin);
    if (mc->from_name && !text_ok(mc->from_name))
        return rm_err_set(err, RM_EINVAL,
                          "%s: [mail] from_name has control characters or "
                          "is not UTF-8",
                          where);
    struct {
        const char *key;
        int64_t *v, min, max;
    } ints[] = {
        {"timeout_s", &mc->timeout_s, 1, 3600},
        {"retry_min_s", &mc->retry_min_s, 1, 86400},
        {"retry_max_s", &mc->retry_max_s, 1, 30 * 86400},
        {"max_attempts", &mc->max_attempts, 1, 1000},
    };
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
        if (config_get_int(cfg, "mail", ints[i].key, *ints[i].v, ints[i].min,
                           ints[i].max, ints[i].v, err) < 0)
            return err ? err->code : RM_EINVAL;
    if (mc->retry_max_s < mc->retry_min_s)
        return rm_err_set(err, RM_EINVAL,
                          "%s: [mail] retry_max_s is below retry_min_s", where);
    if (mc->templates_dir && mc->templates_dir[0] != '/' && cfg->path &&
        strchr(cfg->path, '/')) {
        /* relative to the configuration file, not to wherever the daemon
         * happens to be started */
        const char *slash = strrchr(cfg->path, '/');
        char *abs = xasprintf("%.*s/%s", (int)(slash - cfg->path), cfg->path,
                              mc->templates_dir);
        free(mc->templates_dir);
        mc->templates_dir = abs;
    }
    if (!mc->templates_dir)
        mc->templates_dir = default_templates_dir();
    return 0;
}

void mail_row_release(struct mail_row *row)
{
    free(row->idem_key);
    free(row->message_id);
    free(row->to_addr);
    free(row->subject);
    free(row->body);
    free(row->state);
    free(row->last_error);
    memset(row, 0, sizeof(*row));
}

void mail_rows_free(struct mail_row *rows, int n)
{
    for (int i = 0; i < n; i++)
        mail_row_release(&rows[i]);
    free(rows);
}

void mail_new_message_id(const struct mail_config *mc, char *out, size_t n)
{
    const char *from = mc->from;
    unsigned char rnd[16];
    size_t got = 0;
    while (got < sizeof(rnd)) {
        ssize_t r = getrandom(rnd + got, sizeof(rnd) - got, 0);
        if (r > 0)
            got += (size_t)r;
    }
    char hex[33];
    for (size_t i = 0; i < sizeof(rnd); i++)
        snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
    snprintf(out, n, "<%s.regman@%s>", hex, strchr(from, '@') + 1);
}

int mail_check(const struct mail_config *mc, const char *idem_key,
               const char *to, const char *subject, const char *body,
               struct rm_err *err)
{
    if (!mc->from)
        return rm_err_set(err, RM_EINVAL,
                          "mail: no [mail] from address configured");
    if (!idem_key || !*idem_key || strlen(idem_key) > 200)
        return rm_err_set(err, RM_EINVAL,
                          "mail: idempotency key must be 1..200 bytes");
    if (!addr_ok(to))
        return rm_err_set(err, RM_EINVAL,
                          "mail: not a plain mail address: \"%.80s\"", to);
    if (strlen(subject) > MAIL_SUBJECT_MAX)
        return rm_err_set(err, RM_ELIMIT, "mail: subject over %d bytes",
                          MAIL_SUBJECT_MAX);
    if (!text_ok(subject))
        return rm_err_set(err, RM_EINVAL,
                          "mail: subject has control characters or is not "
                          "UTF-8");
    size_t blen = strlen(body);
    if (blen > MAIL_BODY_MAX)
        return rm_err_set(err, RM_ELIMIT, "mail: body over %d bytes",
                          MAIL_BODY_MAX);
    if (!utf8_ok(body, blen))
        return rm_err_set(err, RM_EINVAL, "mail: body is not UTF-8");
    return 0;
}

int64_t mail_backoff(int64_t attempts, int64_t min_s, int64_t max_s)
{
    int64_t d = min_s;
    for (int64_t i = 1; i < attempts && d < max_s; i++)
        d *= 2;
    return d < max_s ? d : max_s;
}

/* --- message building ---------------------------------------------------
 */

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void add_base64(struct buf *out, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        buf_addc(out, b64[(v >> 18) & 63]);
        buf_addc(out, b64[(v >> 12) & 63]);
        buf_addc(out, i + 1 < n ? b64[(v >> 6) & 63] : '=');
        buf_addc(out, i + 2 < n ? b64[v & 63] : '=');
    }
}

static bool plain_ascii(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            return false;
    return !strstr(s, "=?");
}

/*
 * add_encoded_words - s as RFC 2047 encoded-words ("=?UTF-8?B?...?=", each
 * at most 75 characters) separated by CRLF SPACE folds. A word holds at
 * most 45 bytes (60 base64 characters) and never splits a UTF-8 sequence,
 * as RFC 2047 section 5 requires.
 */
static void add_encoded_words(struct buf *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    size_t i = 0;
    bool first = true;
    while (i < n) {
        size_t j = i;
        while (j < n) {
            size_t l = utf8_seq(p + j, n - j);
            if (l == 0)
                l = 1; /* validated at queue time; never here */
            if (j + l - i > 45)
                break;
            j += l;
        }
        if (!first)
            buf_adds(out, "\r\n ");
        buf_adds(out, "=?UTF-8?B?");
        add_base64(out, p + i, j - i);
        buf_adds(out, "?=");
        first = false;
        i = j;
    }
}

static void add_header_text(struct buf *out, const char *name, const char *v)
{
    buf_adds(out, name);
    buf_adds(out, ": ");
    if (plain_ascii(v) && strlen(v) + strlen(name) + 2 <= 78)
        buf_adds(out, v);
    else
        add_encoded_words(out, v);
    buf_adds(out, "\r\n");
}

static void add_date(struct buf *out, int64_t t)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed",
                                       "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
                                         "May", "Jun", "Jul", "Aug",
                                         "Sep", "Oct", "Nov", "Dec"};
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    /* Fixed English names: strftime's %a/%b follow the locale. */
    buf_addf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
             days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void add_from(struct buf *out, const struct mail_config *mc)
{
    buf_adds(out, "From: ");
    if (mc->from_name && *mc->from_name) {
        if (plain_ascii(mc->from_name)) {
            buf_addc(out, '"');
            for (const char *p = mc->from_name; *p; p++) {
                if (*p == '"' || *p == '\\')
                    buf_addc(out, '\\');
                buf_addc(out, *p);
            }
            buf_addc(out, '"');
        } else {
            add_encoded_words(out, mc->from_name);
        }
        buf_addf(out, " <%s>\r\n", mc->from);
    } else {
        buf_addf(out, "%s\r\n", mc->from);
    }
}

/* body_is_7bit - ASCII without NUL and no line over 998 bytes: sendable
 * as it is. */
static bool body_is_7bit(const char *b)
{
    size_t line = 0;
    for (const unsigned char *p = (const unsigned char *)b; *p; p++) {
        if (*p >= 0x80)
            return false;
        if (*p == '\n' || *p == '\r') {
            line = 0;
        } else if (++line > 998) {
            return false;
        }
    }
    return true;
}

/* next_line - the line at *p without its end (LF, CRLF or CR); advances
 * *p past the end. Returns the length. */
static size_t next_line(const char **p)
{
    const char *s = *p;
    size_t n = strcspn(s, "\r\n");
    const char *e = s + n;
    if (e[0] == '\r' && e[1] == '\n')
        e += 2;
    else if (*e)
        e += 1;
    *p = e;
    return n;
}

static void add_body_7bit(struct buf *out, const char *b)
{
    const char *p = b;
    while (*p) {
        const char *start = p;
        size_t n = next_line(&p);
        buf_add(out, start, n);
        buf_adds(out, "\r\n");
    }
}

/* add_body_qp - quoted-printable (RFC 2045 6.7): at most 76 characters a
 * line with "=" soft breaks, "=XX" for 8-bit bytes, '=' and controls, and
 * for a space or tab that ends a line. */
static void add_body_qp(struct buf *out, const char *b)
{
    const char *p = b;
    while (*p) {
        const char *start = p;
        size_t n = next_line(&p);
        size_t col = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)start[i];
            bool last = i + 1 == n;
            bool lit = (c >= 33 && c <= 126 && c != '=') ||
                       ((c == ' ' || c == '\t') && !last);
            size_t w = lit ? 1 : 3;
            /* Keep room for the '=' of a soft break: 75 + 1. */
            if (col + w > 75) {
                buf_adds(out, "=\r\n");
                col = 0;
            }
            if (lit)
                buf_addc(out, (char)c);
            else
                buf_addf(out, "=%02X", c);
            col += w;
        }
        buf_adds(out, "\r\n");
    }
}

int mail_build_message(const struct mail_config *mc, const struct mail_row *row,
                       struct buf *out, struct rm_err *err)
{
    if (!mc->from)
        return rm_err_set(err, RM_EINVAL,
                          "mail: no [mail] from address configured");
    if (!addr_ok(row->to_addr))
        return rm_err_set(err, RM_EINVAL, "mail %lld: bad recipient",
                          (long long)row->id);
    if (!text_ok(row->subject) || !utf8_ok(row->body, strlen(row->body)))
        return rm_err_set(err, RM_EINVAL, "mail %lld: bad subject or body",
                          (long long)row->id);
    add_date(out, row->created_at);
    add_from(out, mc);
    buf_addf(out, "To: %s\r\n", row->to_addr);
    add_header_text(out, "Subject", row->subject);
    buf_addf(out, "Message-ID: %s\r\n", row->message_id);
    buf_adds(out, "MIME-Version: 1.0\r\n"
                  "Content-Type: text/plain; charset=UTF-8\r\n");
    bool seven = body_is_7bit(row->body);
    buf_addf(out, "Content-Transfer-Encoding: %s\r\n",
             seven ? "7bit" : "quoted-printable");
    buf_adds(out, "Auto-Submitted: auto-generated\r\n\r\n");
    if (seven)
        add_body_7bit(out, row->body);
    else
        add_body_qp(out, row->body);
    return 0;
}

/* --- SMTP ----------------------------------------------------------------
 */

struct upload {
    const char *p;
    size_t left;
};

static size_t read_cb(char *dst, size_t size, size_t nmemb, void *arg)
{
    struct upload *u = arg;
    size_t n = size * nmemb;
    if (n > u->left)
        n = u->left;
    memcpy(dst, u->p, n);
    u->p += n;
    u->left -= n;
    return n;
}

static int send_with(CURL *c, const struct mail_config *mc,
                     const struct mail_row *row, struct rm_err *err)
{
    if (!mc->smtp_url)
        return rm_err_set(err, RM_EINVAL, "mail: no [mail] smtp_url set");
    struct buf msg;
    buf_init(&msg);
    int rc = mail_build_message(mc, row, &msg, err);
    if (rc < 0) {
        buf_release(&msg);
        return rc;
    }
    char from[MAIL_ADDR_MAX + 3], to[MAIL_ADDR_MAX + 3];
    snprintf(from, sizeof(from), "<%s>", mc->from);
    snprintf(to, sizeof(to), "<%s>", row->to_addr);
    struct curl_slist *rcpt = curl_slist_append(NULL, to);
    if (!rcpt)
        rm_fatal("out of memory");
    struct upload up = {msg.data, msg.len};
    char ebuf[CURL_ERROR_SIZE] = "";

    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, mc->smtp_url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &up);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg.len);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)mc->timeout_s);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
                     (long)(mc->timeout_s < 15 ? mc->timeout_s : 15));
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
    /* Verification stays on whatever the URL: a CA file is the way to
     * trust a private server. */
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (mc->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, mc->ca_file);
    if (mc->tls == MAIL_TLS_STARTTLS)
        curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (mc->username) {
        curl_easy_setopt(c, CURLOPT_USERNAME, mc->username);
        curl_easy_setopt(c, CURLOPT_PASSWORD, mc->password);
    }
    CURLcode cc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    /* Drop the borrowed pointers before they go out of scope. */
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, NULL);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(rcpt);
    explicit_bzero(msg.data, msg.len);
    buf_release(&msg);
    if (cc != CURLE_OK)
        return rm_err_set(err, RM_EIO, "smtp: %s (last reply %ld)",
                          ebuf[0] ? ebuf : curl_easy_strerror(cc), code);
    return 0;
}

int mail_send(const struct mail_config *mc, const struct mail_row *row,
              struct rm_err *err)
{
    CURL *c = curl_easy_init();
    if (!c)
        return rm_err_set(err, RM_EINTERNAL, "mail: curl_easy_init failed");
    int rc = send_with(c, mc, row, err);
    curl_easy_cleanup(c);
    return rc;
}

struct mail_sender {
    const struct mail_config *mc;
    CURL *c;
};

int mail_sender_new(const struct mail_config *mc, struct mail_sender **out,
                    struct rm_err *err)
{
    struct mail_sender *ms = xcalloc(1, sizeof(*ms));
    ms->mc = mc;
    if (!(ms->c = curl_easy_init())) {
        free(ms);
        *out = NULL;
        return rm_err_set(err, RM_EINTERNAL, "mail: curl_easy_init failed");
    }
    *out = ms;
    return 0;
}

int mail_sender_send(struct mail_sender *ms, const struct mail_row *row,
                     struct rm_err *err)
{
    return send_with(ms->c, ms->mc, row, err);
}

void mail_sender_free(struct mail_sender *ms)
{
    if (!ms)
        return;
    curl_easy_cleanup(ms->c);
    free(ms);
}
