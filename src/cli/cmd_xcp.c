/*
 * cmd_xcp - `regman xcp` (see cmd_xcp.h).
 */
#include "cli/cmd_xcp.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opensrs/transport.h"
#include "util/buf.h"
#include "util/xalloc.h"
#include "xcp/xcp.h"

#define KEY_FILE_MAX 4096
#define ARG_MAX_LEN 65536

static const char usage[] =
    "usage: regman xcp --url URL --user USER --key-file FILE\n"
    "                  [--ca-file FILE] [--source-ip IP] [--timeout SECONDS]\n"
    "                  [--json] ACTION OBJECT [ATTR=VALUE ...]\n"
    "\n"
    "Send one signed OpenSRS XCP request and print the response.\n"
    "\n"
    "  --url URL          server, e.g. https://horizon.opensrs.net:55443/,\n"
    "                     or legacy://HOST:55000/ for the legacy protocol\n"
    "  --user USER        reseller username (X-Username)\n"
    "  --key-file FILE    file holding the private key (first line)\n"
    "  --ca-file FILE     trust this CA instead of the system store\n"
    "  --source-ip IP     bind to this local address\n"
    "  --timeout SECONDS  total time limit (default 80)\n"
    "  --json             print the response as JSON\n"
    "  -h, --help         this text\n"
    "\n"
    "ATTR is a path into the request attributes: key, key.sub, key[0],\n"
    "key[0].sub. cookie=... and registrant_ip=... set the request's\n"
    "top-level fields; prefix a name with \"attributes.\" to put a key of\n"
    "that name into the attributes instead.\n"
    "\n"
    "Exit status: 0 is_success=1, 1 is_success=0, 2 bad input or no valid\n"
    "answer (\"not sent\": safe to retry; \"outcome unknown\": the request\n"
    "may have taken effect).\n";

/* read_key - the first line of path, without surrounding whitespace. */
static char *read_key(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "regman xcp: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && (st.st_mode & S_IROTH))
        fprintf(stderr,
                "regman xcp: warning: key file %s is readable by everyone "
                "(chmod 600 it)\n",
                path);
    char buf[KEY_FILE_MAX + 1];
    size_t len = 0;
    ssize_t n;
    while (len < sizeof(buf) &&
           (n = read(fd, buf + len, sizeof(buf) - len)) > 0)
        len += (size_t)n;
    close(fd);
    if (len > KEY_FILE_MAX) {
        fprintf(stderr, "regman xcp: %s: key file larger than %d bytes\n", path,
                KEY_FILE_MAX);
        return NULL;
    }
    buf[len] = '\0';
    char *s = buf;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t k = strcspn(s, "\r\n");
    while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t'))
        k--;
    if (k == 0) {
        fprintf(stderr, "regman xcp: %s: no key in the file\n", path);
        return NULL;
    }
    char *key = xstrndup(s, k);
    memset(buf, 0, sizeof(buf));
    return key;
}

/* add_attr - apply one ATTR=VALUE word to the request. */
static int add_attr(struct xcp_value *req, const char *word)
{
    const char *eq = strchr(word, '=');
    if (!eq || eq == word) {
        fprintf(stderr, "regman xcp: expected ATTR=VALUE, got \"%.100s\"\n",
                word);
        return -1;
    }
    if (strlen(word) > ARG_MAX_LEN) {
        fprintf(stderr, "regman xcp: argument too long\n");
        return -1;
    }
    char *path = xstrndup(word, (size_t)(eq - word));
    const char *val = eq + 1;
    int rc = 0;
    struct rm_err err;
    rm_err_clear(&err);
    if (strcmp(path, "cookie") == 0 || strcmp(path, "registrant_ip") == 0) {
        xcp_assoc_set_str(req, path, val);
    } else {
        const char *p = path;
        if (strncmp(p, "attributes.", 11) == 0 && p[11])
            p += 11;
        rc = xcp_path_set(xcp_request_attrs(req), p, xcp_scalar_new(val), &err);
        if (rc)
            fprintf(stderr, "regman xcp: %s: %s\n", path, err.msg);
    }
    free(path);
    return rc;
}

/* valid_word - ACTION/OBJECT: letters, digits, '_' only. */
static int valid_word(const char *s)
{
    if (!*s || strlen(s) > 63)
        return 0;
    for (; *s; s++)
        if (!(('A' <= *s && *s <= 'Z') || ('a' <= *s && *s <= 'z') ||
              ('0' <= *s && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

int cmd_xcp(int argc, char **argv)
{
    static const struct option opts[] = {
        {"url", required_argument, NULL, 'u'},
        {"user", required_argument, NULL, 'U'},
        {"key-file", required_argument, NULL, 'k'},
        {"ca-file", required_argument, NULL, 'c'},
        {"source-ip", required_argument, NULL, 's'},
        {"timeout", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct srs_transport_config cfg = {0};
    const char *key_file = NULL;
    int json = 0;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'u':
            cfg.url = optarg;
            break;
        case 'U':
            cfg.user = optarg;
            break;
        case 'k':
            key_file = optarg;
            break;
        case 'c':
            cfg.ca_file = optarg;
            break;
        case 's':
            cfg.source_ip = optarg;
            break;
        case 't': {
            char *end;
            errno = 0;
            double s = strtod(optarg, &end);
            if (errno || *end || !(s > 0) || s > 86400) {
                fprintf(stderr, "regman xcp: bad --timeout \"%s\"\n", optarg);
                return 2;
            }
            cfg.timeout_ms = (long)ceil(s * 1000);
            cfg.connect_timeout_ms =
                cfg.timeout_ms < 15000 ? cfg.timeout_ms : 15000;
            break;
        }
        case 'j':
            json = 1;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            fprintf(stderr, "regman xcp: unknown or incomplete option %s\n",
                    argv[optind - 1]);
            fputs(usage, stderr);
            return 2;
        }
    }
    if (!cfg.url || !cfg.user || !key_file) {
        fprintf(stderr, "regman xcp: --url, --user and --key-file are "
                        "required\n");
        fputs(usage, stderr);
        return 2;
    }
    if (argc - optind < 2) {
        fprintf(stderr, "regman xcp: ACTION and OBJECT are required\n");
        fputs(usage, stderr);
        return 2;
    }
    const char *action = argv[optind], *object = argv[optind + 1];
    if (!valid_word(action) || !valid_word(object)) {
        fprintf(stderr, "regman xcp: bad ACTION or OBJECT\n");
        return 2;
    }

    struct xcp_value *req = xcp_request_new(action, object, NULL);
    for (int i = optind + 2; i < argc; i++) {
        if (add_attr(req, argv[i]) != 0) {
            xcp_free(req);
            return 2;
        }
    }
    char *key = read_key(key_file);
    if (!key) {
        xcp_free(req);
        return 2;
    }
    cfg.key = key;
    cfg.max_handles = 1;

    struct rm_err err;
    rm_err_clear(&err);
    struct srs_transport *t = srs_transport_new(&cfg, &err);
    memset(key, 0, strlen(key));
    free(key);
    if (!t) {
        fprintf(stderr, "regman xcp: %s\n", err.msg);
        xcp_free(req);
        return 2;
    }
    struct srs_reply rep;
    srs_reply_init(&rep);
    /* One request from a person: never let curl resend it. */
    int rc = srs_transport_call(t, req, false, &rep, &err);
    int status;
    if (rc != 0) {
        fprintf(stderr, "regman xcp: %s\n", err.msg);
        status = 2;
    } else {
        struct buf out;
        buf_init(&out);
        if (json)
            xcp_format_json(rep.msg.data, &out);
        else
            xcp_format_tree(rep.msg.data, &out);
        fwrite(out.data, 1, out.len, stdout);
        if (out.len == 0 || out.data[out.len - 1] != '\n')
            fputc('\n', stdout);
        buf_release(&out);
        status = rep.resp.is_success ? 0 : 1;
    }
    srs_reply_release(&rep);
    srs_transport_free(t);
    xcp_free(req);
    if (fflush(stdout) != 0 && status == 0)
        status = 2;
    return status;
}
