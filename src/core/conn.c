/*
 * conn - registrar connections (contract in conn.h).
 */
#include "core/conn.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/names.h"
#include "core/reglog.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"

#define OPENSRS_LIVE_SERVER "rr-n1-tor.opensrs.net"
#define OPENSRS_TEST_SERVER "horizon.opensrs.net"
#define OPENSRS_PORT 55443
#define OPENSRS_LEGACY_PORT 55000

int conn_parse_int(const char *what, const char *s, int64_t min, int64_t max,
                   int64_t *out, struct rm_err *err)
{
    char *end;
    long long v;

    if (!s || !*s || !(isdigit((unsigned char)s[0]) || s[0] == '-'))
        return rm_err_set(err, RM_EINVAL, "%s: \"%.40s\" is not a number", what,
                          s ? s : "");
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end)
        return rm_err_set(err, RM_EINVAL, "%s: \"%.40s\" is not a number", what,
                          s);
    if (v < min || v > max)
        return rm_err_set(err, RM_EINVAL,
                          "%s: %lld is out of range %" PRId64 "..%" PRId64,
                          what, v, min, max);
    *out = v;
    return 0;
}

int conn_parse_duration(const char *what, const char *s, int64_t min,
                        int64_t max, int64_t *out, struct rm_err *err)
{
    char num[32];
    size_t n = s ? strlen(s) : 0;
    int64_t mult = 1, v;

    if (n == 0 || n >= sizeof num)
        return rm_err_set(err, RM_EINVAL, "%s: \"%.40s\" is not a duration",
                          what, s ? s : "");
    memcpy(num, s, n + 1);
    switch (num[n - 1]) {
    case 's':
        mult = 1;
        break;
    case 'm':
        mult = 60;
        break;
    case 'h':
        mult = 3600;
        break;
    case 'd':
        mult = 86400;
        break;
    default:
        mult = 0;
    }
    if (mult)
        num[n - 1] = '\0';
    else
        mult = 1;
    if (conn_parse_int(what, num, 0, INT64_MAX / 86400, &v, err) < 0)
        return rm_err_set(err, RM_EINVAL,
                          "%s: \"%.40s\" is not a duration (e.g. 300, 5m, "
                          "1h, 3d)",
                          what, s);
    v *= mult;
    if (v < min || v > max)
        return rm_err_set(err, RM_EINVAL,
                          "%s: %" PRId64 " s is out of range %" PRId64
                          "..%" PRId64 " s",
                          what, v, min, max);
    *out = v;
    return 0;
}

int conn_parse_bool(const char *what, const char *s, bool *out,
                    struct rm_err *err)
{
    static const char *const yes[] = {"1", "yes", "true", "on"};
    static const char *const no[] = {"0", "no", "false", "off"};

    for (size_t i = 0; s && i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return rm_err_set(err, RM_EINVAL, "%s: \"%.40s\" is not yes or no", what,
                      s ? s : "");
}

int conn_check_text(const char *what, const char *s, size_t max,
                    bool allow_empty, struct rm_err *err)
{
    size_t n = strlen(s);

    if (n == 0 && !allow_empty)
        return rm_err_set(err, RM_EINVAL, "%s must not be empty", what);
    if (n > max)
        return rm_err_set(err, RM_ELIMIT, "%s is longer than %zu bytes", what,
                          max);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return rm_err_set(err, RM_EINVAL, "%s contains a control character",
                              what);
    return 0;
}

/*
 * conn_check_ca_file - read the file whole (it is small: a CA or a
 * bundle) rather than trusting its name, so a typo, a directory, a DER
 * file or a private key is refused when the connection is saved, not on
 * its first request.
 */
int conn_check_ca_file(const char *path, struct rm_err *err)
{
    struct stat st;
    char *text;
    size_t len = 0;
    int fd, rc = 0;

    if ((rc = conn_check_text("CA file", path, CONN_PATH_MAX, false, err)) < 0)
        return rc;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return rm_err_set(err, RM_EINVAL, "CA file \"%s\" cannot be read: %s",
                          path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return rm_err_set(err, RM_EINVAL, "CA file \"%s\" is not a file", path);
    }
    if (st.st_size > CONN_CA_FILE_MAX) {
        close(fd);
        return rm_err_set(err, RM_ELIMIT,
                          "CA file \"%s\" is larger than %d bytes", path,
                          CONN_CA_FILE_MAX);
    }
    size_t size = (size_t)st.st_size;
    text = xmalloc(size + 1);
    while (len < size) {
        ssize_t n = read(fd, text + len, size - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = rm_err_set(err, RM_EINVAL, "CA file \"%s\" cannot be read: %s",
                            path, strerror(errno));
        if (n <= 0)
            break; /* a file that shrank is checked as it is now */
        len += (size_t)n;
    }
    close(fd);
    text[len] = '\0';
    /* a NUL byte (DER) ends the search early: such a file is not PEM */
    if (rc == 0 && !strstr(text, "-----BEGIN CERTIFICATE-----"))
        rc = rm_err_set(err, RM_EINVAL,
                        "CA file \"%s\" holds no PEM certificate (no "
                        "\"-----BEGIN CERTIFICATE-----\" line)",
                        path);
    free(text);
    return rc;
}

const char *conn_edit_missing(const struct conn_edit *e)
{
    return !e->title ? "title" : !e->login ? "login" : !e->key ? "key" : NULL;
}

void conn_release(struct conn *c)
{
    free(c->license_text);
    c->license_text = NULL;
}

void conn_list_free(struct conn *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        conn_release(&v[i]);
    free(v);
}

const char *conn_protocol(const struct conn *c)
{
    if (strcmp(c->protocol, "legacy") == 0 ||
        (strcmp(c->protocol, "https") != 0 && c->port == OPENSRS_LEGACY_PORT))
        return "legacy";
    return "https";
}

void conn_url(const struct conn *c, char *buf, size_t n)
{
    bool v6 = strchr(c->server, ':') != NULL;
    bool legacy = strcmp(conn_protocol(c), "legacy") == 0;

    snprintf(buf, n, "%s://%s%s%s:%" PRId64 "/",
             legacy   ? "legacy"
             : c->tls ? "https"
                      : "http",
             v6 ? "[" : "", c->server, v6 ? "]" : "", c->port);
}

#define COLS                                                                   \
    "c.id, c.title, c.kind, c.server, c.port, c.tls, c.source_ip, c.login, "   \
    "c.license_text, c.license_path, c.warn_days, c.renew_days, "              \
    "c.renew_mode, c.test_mode, c.ca_file, c.first_check_s, "                  \
    "c.poll_interval_s, c.deadline_reg_s, c.deadline_xfer_s, c.concurrency, "  \
    "c.rate_per_min, c.default_ns, c.created_at, c.updated_at, "               \
    "(SELECT CAST(COUNT(*) AS BIGINT) FROM domains d WHERE d.connection_id = " \
    "c.id AND d.status NOT IN ('failed', 'cancelled', 'transferred_away', "    \
    "'deleted')), "                                                            \
    "(SELECT CAST(COUNT(*) AS BIGINT) FROM tlds t WHERE t.connection_id = "    \
    "c.id), c.events, c.protocol "

static void cpy(char *dst, size_t n, struct store_stmt *s, int col)
{
    const char *t = store_col_text(s, col);
    snprintf(dst, n, "%s", t ? t : "");
}

static void read_row(struct store_stmt *s, struct conn *c)
{
    const char *lt;

    memset(c, 0, sizeof *c);
    c->id = store_col_int64(s, 0);
    cpy(c->title, sizeof c->title, s, 1);
    cpy(c->kind, sizeof c->kind, s, 2);
    cpy(c->server, sizeof c->server, s, 3);
    c->port = store_col_int64(s, 4);
    c->tls = store_col_int64(s, 5) != 0;
    cpy(c->source_ip, sizeof c->source_ip, s, 6);
    cpy(c->login, sizeof c->login, s, 7);
    lt = store_col_text(s, 8);
    c->license_text = lt ? xstrdup(lt) : NULL;
    cpy(c->license_path, sizeof c->license_path, s, 9);
    c->warn_days = store_col_int64(s, 10);
    c->renew_days = store_col_int64(s, 11);
    cpy(c->renew_mode, sizeof c->renew_mode, s, 12);
    c->test_mode = store_col_int64(s, 13) != 0;
    cpy(c->ca_file, sizeof c->ca_file, s, 14);
    c->first_check_s = store_col_int64(s, 15);
    c->poll_interval_s = store_col_int64(s, 16);
    c->deadline_reg_s = store_col_int64(s, 17);
    c->deadline_xfer_s = store_col_int64(s, 18);
    c->concurrency = store_col_int64(s, 19);
    c->rate_per_min = store_col_int64(s, 20);
    cpy(c->default_ns, sizeof c->default_ns, s, 21);
    c->created_at = store_col_int64(s, 22);
    c->updated_at = store_col_int64(s, 23);
    c->domains = store_col_int64(s, 24);
    c->tlds = store_col_int64(s, 25);
    c->events = store_col_int64(s, 26) != 0;
    cpy(c->protocol, sizeof c->protocol, s, 27);
}

int conn_get_id(struct app *app, int64_t id, struct conn *c, struct rm_err *err)
{
    static const char sql[] =
        "SELECT " COLS "FROM registrar_connections c WHERE c.id = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, id);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        read_row(s, c);
        rc = 0;
    } else if (rc == STORE_DONE) {
        rc = rm_err_set(err, RM_ENOTFOUND, "unknown connection %" PRId64, id);
    }
    store_stmt_release(s);
    return rc;
}

int conn_get(struct app *app, const char *title_or_id, struct conn *c,
             struct rm_err *err)
{
    static const char sql[] =
        "SELECT " COLS "FROM registrar_connections c WHERE c.title = ?";
    struct store_stmt *s;
    int64_t id;
    int rc;

    if (!title_or_id || !*title_or_id)
        return rm_err_set(err, RM_EINVAL, "a connection title is required");
    if (strlen(title_or_id) > CONN_TITLE_MAX)
        return rm_err_set(err, RM_ELIMIT,
                          "connection title longer than %d bytes",
                          CONN_TITLE_MAX);
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, title_or_id);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        read_row(s, c);
        rc = 0;
    } else if (rc == STORE_DONE) {
        rc = 1;
    }
    store_stmt_release(s);
    if (rc <= 0)
        return rc;
    /* not a title: maybe an id */
    struct rm_err ignore;
    if (conn_parse_int("id", title_or_id, 1, INT64_MAX, &id, &ignore) == 0 &&
        conn_get_id(app, id, c, err) == 0)
        return 0;
    return rm_err_set(err, RM_ENOTFOUND, "unknown connection \"%s\"",
                      title_or_id);
}

int conn_list(struct app *app, struct conn **out, size_t *n, struct rm_err *err)
{
    static const char sql[] =
        "SELECT " COLS
        "FROM registrar_connections c ORDER BY c.title COLLATE \"C\"";
    struct store_stmt *s;
    size_t cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    while ((rc = store_step(s, err)) == STORE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        read_row(s, &(*out)[(*n)++]);
    }
    store_stmt_release(s);
    if (rc < 0) {
        conn_list_free(*out, *n);
        *out = NULL;
        *n = 0;
        return rc;
    }
    return 0;
}

/* check_ns_list - comma-separated host names, each a valid name. */
static int check_ns_list(const char *v, char *out, size_t n, struct rm_err *err)
{
    struct buf b;
    char *copy, *tok, *save = NULL;
    size_t count = 0;
    int rc = 0;

    if (strlen(v) > REG_NS_MAX * 254)
        return rm_err_set(err, RM_ELIMIT, "nameserver list too long");
    buf_init(&b);
    copy = xstrdup(v);
    for (tok = strtok_r(copy, ", ", &save); tok;
         tok = strtok_r(NULL, ", ", &save)) {
        struct name nm;
        if (++count > REG_NS_MAX) {
            rc = rm_err_set(err, RM_ELIMIT, "at most %d nameservers",
                            REG_NS_MAX);
            break;
        }
        if ((rc = name_parse(tok, &nm, err)) < 0) {
            rm_err_prefix(err, "nameserver: ");
            break;
        }
        if (b.len)
            buf_addc(&b, ',');
        buf_adds(&b, nm.ascii);
    }
    free(copy);
    if (rc == 0)
        snprintf(out, n, "%s", b.data);
    buf_release(&b);
    return rc;
}

/* apply - validate the edits in e onto c (and *key). */
static int apply(const struct conn_edit *e, struct conn *c, const char **key,
                 struct rm_err *err)
{
    int rc;
    int64_t v;

#define TEXT(field, what, max, empty)                                          \
    do {                                                                       \
        if (e->field) {                                                        \
            if ((rc = conn_check_text(what, e->field, max, empty, err)) < 0)   \
                return rc;                                                     \
            snprintf(c->field, sizeof c->field, "%s", e->field);               \
        }                                                                      \
    } while (0)
#define DUR(field, what, col, min, max)                                        \
    do {                                                                       \
        if (e->field) {                                                        \
            if ((rc = conn_parse_duration(what, e->field, min, max, &v,        \
                                          err)) < 0)                           \
                return rc;                                                     \
            c->col = v;                                                        \
        }                                                                      \
    } while (0)
#define INT(field, what, col, min, max)                                        \
    do {                                                                       \
        if (e->field) {                                                        \
            if ((rc = conn_parse_int(what, e->field, min, max, &v, err)) < 0)  \
                return rc;                                                     \
            c->col = v;                                                        \
        }                                                                      \
    } while (0)

    TEXT(title, "title", CONN_TITLE_MAX, false);
    if (e->title && strspn(e->title, "0123456789") == strlen(e->title))
        return rm_err_set(err, RM_EINVAL,
                          "title must not be a number (numbers name ids)");
    if (e->test_mode && (rc = conn_parse_bool("test mode", e->test_mode,
                                              &c->test_mode, err)) < 0)
        return rc;
    if (e->server) {
        if ((rc = conn_check_text("server", e->server, 253, false, err)) < 0)
            return rc;
        if (strpbrk(e->server, "/ @?#"))
            return rm_err_set(err, RM_EINVAL,
                              "server: a host name or address, not a URL");
        snprintf(c->server, sizeof c->server, "%s", e->server);
    }
    INT(port, "port", port, 1, 65535);
    if (e->events &&
        (rc = conn_parse_bool("events", e->events, &c->events, err)) < 0)
        return rc;
    if (e->tls && (rc = conn_parse_bool("tls", e->tls, &c->tls, err)) < 0)
        return rc;
    if (e->protocol) {
        if (strcmp(e->protocol, "auto") && strcmp(e->protocol, "https") &&
            strcmp(e->protocol, "legacy"))
            return rm_err_set(err, RM_EINVAL,
                              "protocol must be auto, https or legacy");
        snprintf(c->protocol, sizeof c->protocol, "%s", e->protocol);
    }
    TEXT(source_ip, "source IP", 45, true);
    if (e->source_ip && *e->source_ip &&
        strspn(e->source_ip, "0123456789abcdefABCDEF.:") !=
            strlen(e->source_ip))
        return rm_err_set(err, RM_EINVAL,
                          "source IP: \"%s\" is not an IP address",
                          e->source_ip);
    TEXT(login, "login", CONN_LOGIN_MAX, false);
    if (e->key) {
        if ((rc = conn_check_text("key", e->key, CONN_KEY_MAX, false, err)) < 0)
            return rc;
        *key = e->key;
    }
    if (e->license_text) {
        if (strlen(e->license_text) > CONN_LICENSE_MAX)
            return rm_err_set(err, RM_ELIMIT,
                              "license text longer than %d bytes",
                              CONN_LICENSE_MAX);
        free(c->license_text);
        c->license_text = *e->license_text ? xstrdup(e->license_text) : NULL;
    }
    TEXT(license_path, "license path", CONN_PATH_MAX, true);
    INT(warn_days, "warn days", warn_days, 0, 365);
    INT(renew_days, "renew days", renew_days, 0, 365);
    if (e->renew_mode) {
        if (strcmp(e->renew_mode, "auto") && strcmp(e->renew_mode, "manual"))
            return rm_err_set(err, RM_EINVAL,
                              "renew mode must be auto or manual");
        snprintf(c->renew_mode, sizeof c->renew_mode, "%s", e->renew_mode);
    }
    TEXT(ca_file, "CA file", CONN_PATH_MAX, true);
    /* empty = the system trust store; an unchanged one is not read again */
    if (e->ca_file && *e->ca_file &&
        (rc = conn_check_ca_file(e->ca_file, err)) < 0)
        return rc;
    DUR(first_check, "first check", first_check_s, 0, 30 * 86400);
    DUR(poll_interval, "poll interval", poll_interval_s, 1, 30 * 86400);
    DUR(deadline_reg, "registration deadline", deadline_reg_s, 60, 365 * 86400);
    DUR(deadline_xfer, "transfer deadline", deadline_xfer_s, 60, 365 * 86400);
    INT(concurrency, "concurrency", concurrency, 1, 256);
    INT(rate_per_min, "rate per minute", rate_per_min, 0, 100000);
    if (e->default_ns && (rc = check_ns_list(e->default_ns, c->default_ns,
                                             sizeof c->default_ns, err)) < 0)
        return rc;
    /* the legacy protocol keys its cipher from the key's bytes (hex) */
    if (*key && strcmp(conn_protocol(c), "legacy") == 0) {
        size_t kl = strlen(*key);
        if (kl % 2 != 0 || strspn(*key, "0123456789abcdefABCDEF") != kl)
            return rm_err_set(err, RM_EINVAL,
                              "key: the legacy protocol needs the private "
                              "key as hex digits, as OpenSRS issues it");
    }
#undef TEXT
#undef DUR
#undef INT
    return 0;
}

static void defaults(struct conn *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->kind, sizeof c->kind, "opensrs");
    c->port = OPENSRS_PORT;
    c->tls = true;
    snprintf(c->protocol, sizeof c->protocol, "auto");
    c->warn_days = 30;
    c->renew_days = 7;
    snprintf(c->renew_mode, sizeof c->renew_mode, "manual");
    c->first_check_s = 300;
    c->poll_interval_s = 3600;
    c->deadline_reg_s = 72 * 3600;
    c->deadline_xfer_s = 7 * 86400;
    c->concurrency = 4;
    c->events = true;
}

static void bind_opt(struct store_stmt *s, int i, const char *v)
{
    if (v && *v)
        store_bind_text(s, i, v);
    else
        store_bind_null(s, i);
}

/* bind_fields - parameters 1..24 in the order of the INSERT/UPDATE. */
static void bind_fields(struct store_stmt *s, const struct conn *c,
                        const char *key_enc, int64_t now)
{
    store_bind_text(s, 1, c->title);
    store_bind_text(s, 2, c->server);
    store_bind_int64(s, 3, c->port);
    store_bind_int64(s, 4, c->tls);
    bind_opt(s, 5, c->source_ip);
    store_bind_text(s, 6, c->login);
    store_bind_text(s, 7, key_enc);
    bind_opt(s, 8, c->license_text);
    bind_opt(s, 9, c->license_path);
    store_bind_int64(s, 10, c->warn_days);
    store_bind_int64(s, 11, c->renew_days);
    store_bind_text(s, 12, c->renew_mode);
    store_bind_int64(s, 13, c->test_mode);
    bind_opt(s, 14, c->ca_file);
    store_bind_int64(s, 15, c->first_check_s);
    store_bind_int64(s, 16, c->poll_interval_s);
    store_bind_int64(s, 17, c->deadline_reg_s);
    store_bind_int64(s, 18, c->deadline_xfer_s);
    store_bind_int64(s, 19, c->concurrency);
    store_bind_int64(s, 20, c->rate_per_min);
    store_bind_text(s, 21, c->default_ns);
    store_bind_int64(s, 22, c->events);
    store_bind_text(s, 23, c->protocol);
    store_bind_int64(s, 24, now);
}

static int unique_err(struct app *app, int rc, const char *title,
                      struct rm_err *err)
{
    if (rc < 0 && store_errkind(app->st) == STORE_ERR_UNIQUE)
        return rm_err_set(err, RM_EREFUSED,
                          "a connection titled \"%s\" already exists", title);
    return rc;
}

int conn_add(struct app *app, const struct conn_edit *e, int64_t *id,
             struct rm_err *err)
{
    static const char sql[] =
        "INSERT INTO registrar_connections (title, server, port, tls, "
        "source_ip, login, key_enc, license_text, license_path, warn_days, "
        "renew_days, renew_mode, test_mode, ca_file, first_check_s, "
        "poll_interval_s, deadline_reg_s, deadline_xfer_s, concurrency, "
        "rate_per_min, default_ns, events, protocol, updated_at, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?) "
        "RETURNING id";
    struct conn c;
    const char *key = NULL;
    char *key_enc = NULL;
    struct store_stmt *s;
    int64_t now = clock_now();
    int rc;

    defaults(&c);
    if (conn_edit_missing(e)) {
        rc = rm_err_set(err, RM_EINVAL,
                        "a connection needs a title, a login and a key");
        goto out;
    }
    if ((rc = apply(e, &c, &key, err)) < 0)
        goto out;
    if (!e->server)
        snprintf(c.server, sizeof c.server, "%s",
                 c.test_mode ? OPENSRS_TEST_SERVER : OPENSRS_LIVE_SERVER);
    if ((rc = secret_seal(&app->key, key, &key_enc, err)) < 0)
        goto out;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        goto out;
    bind_fields(s, &c, key_enc, now);
    store_bind_int64(s, 25, now);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        if (id)
            *id = store_col_int64(s, 0);
        rc = 0;
    }
    store_stmt_release(s);
    rc = unique_err(app, rc, c.title, err);
out:
    free(key_enc);
    conn_release(&c);
    return rc;
}

int conn_edit(struct app *app, const char *title_or_id,
              const struct conn_edit *e, struct rm_err *err)
{
    static const char sql_key[] =
        "SELECT key_enc FROM registrar_connections WHERE id = ?";
    static const char sql[] =
        "UPDATE registrar_connections SET title = ?, server = ?, port = ?, "
        "tls = ?, source_ip = ?, login = ?, key_enc = ?, license_text = ?, "
        "license_path = ?, warn_days = ?, renew_days = ?, renew_mode = ?, "
        "test_mode = ?, ca_file = ?, first_check_s = ?, poll_interval_s = ?, "
        "deadline_reg_s = ?, deadline_xfer_s = ?, concurrency = ?, "
        "rate_per_min = ?, default_ns = ?, events = ?, protocol = ?, "
        "updated_at = ? WHERE "
        "id = ?";
    struct conn c;
    const char *key = NULL;
    char *key_enc = NULL;
    struct store_stmt *s;
    int rc;

    if ((rc = conn_get(app, title_or_id, &c, err)) < 0)
        return rc;
    if ((rc = apply(e, &c, &key, err)) < 0)
        goto out;
    if (key) {
        if ((rc = secret_seal(&app->key, key, &key_enc, err)) < 0)
            goto out;
    } else {
        if ((rc = store_prepare(app->st, sql_key, &s, err)) < 0)
            goto out;
        store_bind_int64(s, 1, c.id);
        if ((rc = store_step(s, err)) == STORE_ROW)
            key_enc = xstrdup(store_col_text(s, 0));
        store_stmt_release(s);
        if (rc < 0 || !key_enc) {
            rc = rc < 0 ? rc
                        : rm_err_set(err, RM_ENOTFOUND, "connection vanished");
            goto out;
        }
    }
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        goto out;
    bind_fields(s, &c, key_enc, clock_now());
    store_bind_int64(s, 25, c.id);
    rc = store_step(s, err);
    store_stmt_release(s);
    rc = unique_err(app, rc, c.title, err);
    if (rc > 0)
        rc = 0;
out:
    free(key_enc);
    conn_release(&c);
    return rc;
}

struct remove_unit {
    struct app *app;
    const char *title_or_id;
};

/* remove_unit - refuse a connection in use, else delete it. */
static int remove_unit(struct store *st, void *arg, struct rm_err *err)
{
    static const char sql_use[] =
        "SELECT (SELECT CAST(COUNT(*) AS BIGINT) FROM domains WHERE "
        "connection_id = ?), (SELECT CAST(COUNT(*) AS BIGINT) FROM tlds "
        "WHERE connection_id = ?), (SELECT CAST(COUNT(*) AS BIGINT) FROM "
        "operations WHERE connection_id = ?)";
    static const char sql_del[] =
        "DELETE FROM registrar_connections WHERE id = ?";
    struct remove_unit *u = arg;
    struct conn c = {0};
    struct store_stmt *s;
    int64_t nd = 0, nt = 0, no = 0;
    int rc;

    if ((rc = conn_get(u->app, u->title_or_id, &c, err)) < 0)
        goto out;
    if ((rc = store_prepare(st, sql_use, &s, err)) < 0)
        goto out;
    for (int i = 1; i <= 3; i++)
        store_bind_int64(s, i, c.id);
    if ((rc = store_step(s, err)) == STORE_ROW) {
        nd = store_col_int64(s, 0);
        nt = store_col_int64(s, 1);
        no = store_col_int64(s, 2);
        rc = 0;
    }
    store_stmt_release(s);
    if (rc < 0)
        goto out;
    /* Domains (even failed ones) keep their history pointing at the
     * connection, so any domain or operation keeps it. */
    if (nd || no) {
        rc = rm_err_set(err, RM_EREFUSED,
                        "connection \"%s\" has %" PRId64
                        " domain(s); it cannot be removed",
                        c.title, nd);
        goto out;
    }
    if (nt) {
        rc = rm_err_set(err, RM_EREFUSED,
                        "connection \"%s\" serves %" PRId64
                        " TLD(s); map them elsewhere first",
                        c.title, nt);
        goto out;
    }
    if ((rc = store_prepare(st, sql_del, &s, err)) < 0)
        goto out;
    store_bind_int64(s, 1, c.id);
    rc = store_step(s, err);
    store_stmt_release(s);
out:
    conn_release(&c);
    return rc < 0 ? rc : 0;
}

int conn_remove(struct app *app, const char *title_or_id, struct rm_err *err)
{
    struct remove_unit u = {app, title_or_id};
    int rc = store_tx(app->st, STORE_TX_WRITE, remove_unit, &u, err);

    return rc < 0 ? rc : 0;
}

int conn_key(struct app *app, int64_t id, char **key, struct rm_err *err)
{
    static const char sql[] =
        "SELECT key_enc FROM registrar_connections WHERE id = ?";
    struct store_stmt *s;
    int rc;

    *key = NULL;
    if (!app->have_key)
        return rm_err_set(err, RM_EINTERNAL, "master key not loaded");
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, id);
    rc = store_step(s, err);
    if (rc == STORE_ROW)
        rc = secret_open(&app->key, store_col_text(s, 0), key, err);
    else if (rc == STORE_DONE)
        rc = rm_err_set(err, RM_ENOTFOUND, "unknown connection %" PRId64, id);
    store_stmt_release(s);
    return rc;
}

/* session_sink - store one exchange (kept in memory when the write
 * fails, reglog.h); arm the after_send crash point. */
static void session_sink(const struct reglog_entry *e, void *arg)
{
    struct conn_session *s = arg;
    struct rm_err err;
    int rc;

    if (s->log_mu)
        pthread_mutex_lock(s->log_mu);
    rc = reglog_record(s->app, s->conn_id, s->op_id, e, &err);
    if (s->log_mu)
        pthread_mutex_unlock(s->log_mu);
    if (rc != 0)
        rm_log(LOG_WARN,
               "op %" PRId64 ": registrar log row kept in memory, not "
               "stored: %s",
               s->op_id, err.msg);
    if (s->crash_after_send)
        app_crash_point("after_send");
}

int conn_session_open(struct app *app, int64_t conn_id, struct conn_session *s,
                      struct rm_err *err)
{
    struct conn c;
    char *key = NULL;
    int rc;

    memset(s, 0, sizeof *s);
    s->app = app;
    s->conn_id = conn_id;
    if (!app->make_registrar)
        return rm_err_set(err, RM_EINTERNAL, "no registrar driver available");
    if ((rc = conn_get_id(app, conn_id, &c, err)) < 0)
        return rc;
    if ((rc = conn_key(app, conn_id, &key, err)) == 0)
        rc = app->make_registrar(app, &c, key, session_sink, s, &s->reg, err);
    secret_free_text(key);
    conn_release(&c);
    if (rc < 0)
        rm_err_prefix(err, "connection %" PRId64 ": ", conn_id);
    return rc;
}

void conn_session_close(struct conn_session *s)
{
    if (s->reg)
        reg_free(s->reg);
    s->reg = NULL;
}

int conn_probe(struct app *app, const char *title_or_id,
               const struct conn_edit *e, struct reg_balance *bal, bool *asked,
               struct rm_err *err)
{
    struct conn c;
    struct conn_session s;
    const char *key = NULL;
    char *stored = NULL;
    int rc;

    memset(bal, 0, sizeof *bal);
    *asked = false;
    if (title_or_id) {
        if ((rc = conn_get(app, title_or_id, &c, err)) < 0)
            return rc;
    } else {
        defaults(&c);
    }
    if ((rc = apply(e, &c, &key, err)) < 0)
        goto out;
    if (!title_or_id && !e->server)
        snprintf(c.server, sizeof c.server, "%s",
                 c.test_mode ? OPENSRS_TEST_SERVER : OPENSRS_LIVE_SERVER);
    if (!key) {
        if (!title_or_id) {
            rc = rm_err_set(err, RM_EINVAL, "a connection needs a key");
            goto out;
        }
        if ((rc = conn_key(app, c.id, &stored, err)) < 0)
            goto out;
        key = stored;
    }
    if (!app->make_registrar) {
        rc = rm_err_set(err, RM_EINTERNAL, "no registrar driver available");
        goto out;
    }
    /* the exchange is logged like any other (for a connection not yet
     * saved, without one) */
    memset(&s, 0, sizeof s);
    s.app = app;
    s.conn_id = title_or_id ? c.id : 0;
    if ((rc = app->make_registrar(app, &c, key, session_sink, &s, &s.reg,
                                  err)) < 0)
        goto out;
    *asked = true;
    rc = reg_balance(s.reg, bal, err);
    conn_session_close(&s);
out:
    secret_free_text(stored);
    conn_release(&c);
    return rc < 0 ? rc : 0;
}
