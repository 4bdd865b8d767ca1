/*
 * webroot - static files beneath one directory (see webroot.h).
 *
 * Why walk the path with openat(O_NOFOLLOW) instead of realpath() and a
 * prefix test: the walk cannot be raced by a symbolic link swapped in
 * between the check and the open, and it never resolves anything outside
 * the root in the first place.
 */
#include "web/webroot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/xalloc.h"

#define PATH_MAX_LEN 1024
#define SEGMENTS_MAX 32
#define SEGMENT_MAX 255

struct webroot {
    int dirfd;
};

int webroot_open(const char *dir, struct webroot **out, struct rm_err *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return rm_err_set(err, RM_EIO, "web root %s: %s", dir, strerror(errno));
    struct webroot *w = xcalloc(1, sizeof(*w));
    w->dirfd = fd;
    *out = w;
    return 0;
}

void webroot_free(struct webroot *w)
{
    if (!w)
        return;
    close(w->dirfd);
    free(w);
}

bool webroot_path_ok(const char *path)
{
    size_t len = strlen(path);
    if (path[0] != '/' || len > PATH_MAX_LEN)
        return false;
    int segs = 0;
    const char *p = path + 1;
    while (*p) {
        const char *e = strchrnul(p, '/');
        size_t n = (size_t)(e - p);
        /* an empty segment ("//") or a dot-name: refuse */
        if (n == 0 || n > SEGMENT_MAX || p[0] == '.' || ++segs > SEGMENTS_MAX)
            return false;
        for (const char *c = p; c < e; c++)
            if (*c == '\\' || (unsigned char)*c < 0x20 || *c == 0x7f)
                return false;
        p = *e ? e + 1 : e;
    }
    return true;
}

const char *webroot_content_type(const char *path)
{
    static const char *const types[][2] = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"json", "application/json"},
        {"map", "application/json"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"webp", "image/webp"},
        {"ico", "image/x-icon"},
        {"woff2", "font/woff2"},
        {"woff", "font/woff"},
        {"txt", "text/plain; charset=utf-8"},
        {"pdf", "application/pdf"},
    };
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (dot)
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
            if (strcasecmp(dot + 1, types[i][0]) == 0)
                return types[i][1];
    return "application/octet-stream";
}

/* walk - open path's file (or its directory's index.html) beneath the
 * root, following no symbolic link. */
static enum webroot_result walk(struct webroot *w, const char *path, int *fd,
                                const char **index_name)
{
    int dir = dup(w->dirfd);
    if (dir < 0)
        return WEBROOT_NOTFOUND;
    const char *p = path + 1;
    char seg[SEGMENT_MAX + 1];
    while (*p) {
        const char *e = strchrnul(p, '/');
        size_t n = (size_t)(e - p);
        memcpy(seg, p, n);
        seg[n] = '\0';
        int next = openat(dir, seg, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        close(dir);
        if (next < 0)
            return WEBROOT_NOTFOUND;
        struct stat st;
        if (fstat(next, &st) < 0) {
            close(next);
            return WEBROOT_NOTFOUND;
        }
        if (S_ISREG(st.st_mode)) {
            if (*e) { /* a file used as a directory */
                close(next);
                return WEBROOT_NOTFOUND;
            }
            *fd = next;
            return WEBROOT_FILE;
        }
        if (!S_ISDIR(st.st_mode)) {
            close(next);
            return WEBROOT_NOTFOUND;
        }
        if (!*e) { /* a directory named without its trailing slash */
            close(next);
            return WEBROOT_REDIRECT;
        }
        dir = next;
        p = e + 1;
    }
    *index_name = "index.html";
    int f = openat(dir, "index.html", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    close(dir);
    if (f < 0)
        return WEBROOT_NOTFOUND;
    *fd = f;
    return WEBROOT_FILE;
}

enum webroot_result webroot_lookup(struct webroot *w, const char *path,
                                   struct webroot_file *f)
{
    memset(f, 0, sizeof(*f));
    f->fd = -1;
    if (!webroot_path_ok(path))
        return WEBROOT_NOTFOUND;
    const char *index_name = NULL;
    int fd;
    enum webroot_result res = walk(w, path, &fd, &index_name);
    if (res != WEBROOT_FILE)
        return res;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return WEBROOT_NOTFOUND;
    }
    f->fd = fd;
    f->size = (uint64_t)st.st_size;
    f->mtime = (int64_t)st.st_mtim.tv_sec;
    snprintf(f->etag, sizeof(f->etag), "\"%llx-%llx-%llx\"",
             (unsigned long long)st.st_ino, (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL +
                 (unsigned long long)st.st_mtim.tv_nsec);
    f->ctype = webroot_content_type(index_name ? index_name : path);
    f->cache_control = strncmp(f->ctype, "text/html", 9) == 0
                           ? "no-cache"
                           : "public, max-age=300";
    return WEBROOT_FILE;
}

/* ---- conditional requests ----------------------------------------------- */

static bool etag_matches(const char *inm, const char *etag)
{
    /* If-None-Match: a list of entity tags, or "*". Weak comparison. */
    if (strcmp(inm, "*") == 0)
        return true;
    size_t el = strlen(etag);
    for (const char *p = inm; (p = strstr(p, etag)) != NULL; p += el) {
        bool start = p == inm || p[-1] == ' ' || p[-1] == ',' ||
                     (p - inm >= 2 && p[-1] == '/' && p[-2] == 'W');
        char end = p[el];
        if (start && (end == '\0' || end == ',' || end == ' '))
            return true;
    }
    return false;
}

void webroot_http_date(int64_t t, char *out, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, n, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static bool parse_http_date(const char *s, int64_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end)
        return false;
    *out = (int64_t)timegm(&tm);
    return true;
}

bool webroot_fresh(const struct webroot_file *f, const char *if_none_match,
                   const char *if_modified_since)
{
    int64_t since;
    if (if_none_match)
        return etag_matches(if_none_match, f->etag);
    return if_modified_since && parse_http_date(if_modified_since, &since) &&
           f->mtime <= since;
}
