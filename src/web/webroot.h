/*
 * webroot - static files (the admin and customer UI) from one directory.
 *
 * A request path maps to a file under the root only when every segment is
 * a plain name: no "..", no ".", no empty segment, no segment starting
 * with '.', no backslash or NUL; the file is opened beneath the root's
 * directory descriptor with RESOLVE_BENEATH semantics emulated by
 * O_NOFOLLOW on every component, so neither a ".." nor a symbolic link
 * can leave the root. Directories answer with their index.html (a path
 * to a directory without a trailing slash is redirected to one).
 *
 * Responses: Content-Type from the extension (webroot_content_type),
 * ETag (strong: inode, size, mtime in ns), Last-Modified, Cache-Control
 * ("no-cache" for HTML so a new UI is picked up at once; "public,
 * max-age=300" for assets), 304 on If-None-Match / If-Modified-Since.
 * Only GET and HEAD.
 */
#ifndef RM_WEB_WEBROOT_H
#define RM_WEB_WEBROOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

struct webroot;

int webroot_open(const char *dir, struct webroot **out, struct rm_err *err);
void webroot_free(struct webroot *w);

/* webroot_path_ok - may path (starting with '/') name a file? */
bool webroot_path_ok(const char *path);
/* webroot_content_type - by extension; application/octet-stream when
 * unknown. */
const char *webroot_content_type(const char *path);

enum webroot_result {
    WEBROOT_FILE,     /* fd, size, mtime, etag, ctype, cache set */
    WEBROOT_REDIRECT, /* add a '/' to the path */
    WEBROOT_NOTFOUND,
};

struct webroot_file {
    int fd; /* caller closes (or hands to the response) */
    uint64_t size;
    int64_t mtime;
    char etag[80];
    const char *ctype;
    const char *cache_control;
};

/* webroot_lookup - resolve path under the root. */
enum webroot_result webroot_lookup(struct webroot *w, const char *path,
                                   struct webroot_file *f);

/* webroot_http_date - epoch seconds as an HTTP date (IMF-fixdate). */
void webroot_http_date(int64_t t, char *out, size_t n);
/* webroot_fresh - does the client's copy of f match (answer 304)? An
 * If-None-Match header decides alone (weak comparison, "*" matches);
 * otherwise If-Modified-Since at or after f's mtime. Either may be NULL. */
bool webroot_fresh(const struct webroot_file *f, const char *if_none_match,
                   const char *if_modified_since);

#endif
