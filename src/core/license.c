/*
 * license - license agreements and their acceptances (contract in
 * license.h).
 */
#include "core/license.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/xalloc.h"

/* read_license_file - at most CONN_LICENSE_MAX bytes of path. */
static int read_license_file(const char *path, char **out, struct rm_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return rm_err_set(err, RM_EIO, "license file %s: %s", path,
                          strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
        sb.st_size > CONN_LICENSE_MAX) {
        close(fd);
        return rm_err_set(err, RM_EIO,
                          "license file %s: not a regular file of at most "
                          "%d bytes",
                          path, CONN_LICENSE_MAX);
    }
    char *buf = xmalloc((size_t)sb.st_size + 1);
    size_t got = 0;
    while (got < (size_t)sb.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    *out = buf;
    return 0;
}

void license_text_hash(const char *text, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];

    crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
    sodium_bin2hex(hex, 65, h, sizeof h);
}

int license_of_conn(const struct conn *c, char **text, char hex[65],
                    struct rm_err *err)
{
    int rc;

    *text = NULL;
    if (c->license_text)
        *text = xstrdup(c->license_text);
    else if (c->license_path[0] &&
             (rc = read_license_file(c->license_path, text, err)) < 0)
        return rc;
    if (!*text)
        *text = xstrdup("");
    license_text_hash(*text, hex);
    return 0;
}

int license_accepted(struct app *app, int64_t account_id, int64_t conn_id,
                     const char *hex, bool *yes, struct rm_err *err)
{
    struct store_stmt *s;
    int rc = store_prepare(app->st,
                           "SELECT id FROM license_acceptances WHERE "
                           "account_id = ? AND connection_id = ? AND "
                           "license_sha256 = ? LIMIT 1",
                           &s, err);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, account_id);
    store_bind_int64(s, 2, conn_id);
    store_bind_text(s, 3, hex);
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    *yes = rc == STORE_ROW;
    return 0;
}

struct accept_arg {
    int64_t login_id, account_id, conn_id, now;
    const char *domain, *hex, *client_ip;
};

static int record_tx(struct store *st, void *arg, struct rm_err *err)
{
    const struct accept_arg *a = arg;
    struct store_stmt *s;
    int rc = store_prepare(st,
                           "INSERT INTO license_acceptances (login_id, "
                           "account_id, connection_id, domain, license_sha256, "
                           "client_ip, accepted_at) VALUES (?, ?, ?, ?, ?, ?, "
                           "?)",
                           &s, err);
    if (rc < 0)
        return rc;
    if (a->login_id)
        store_bind_int64(s, 1, a->login_id);
    else
        store_bind_null(s, 1);
    store_bind_int64(s, 2, a->account_id);
    store_bind_int64(s, 3, a->conn_id);
    store_bind_text(s, 4, a->domain ? a->domain : "");
    store_bind_text(s, 5, a->hex);
    store_bind_text(s, 6, a->client_ip ? a->client_ip : "");
    store_bind_int64(s, 7, a->now);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int license_record(struct app *app, int64_t login_id, int64_t account_id,
                   int64_t conn_id, const char *domain, const char *hex,
                   const char *client_ip, int64_t now, struct rm_err *err)
{
    struct accept_arg a = {login_id, account_id, conn_id,  now,
                           domain,   hex,        client_ip};
    int rc = store_tx(app->st, STORE_TX_WRITE, record_tx, &a, err);
    return rc < 0 ? rc : 0;
}
