/*
 * forwarded - trusted proxies and X-Forwarded-For (contract in
 * forwarded.h).
 */
#include "web/forwarded.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0,    0,
                                            0, 0, 0, 0, 0xff, 0xff};

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* parse_ip - the numeric address in s[0..len) into *o (prefix: the full
 * length); an IPv4-mapped IPv6 address becomes IPv4. */
static bool parse_ip(const char *s, size_t len, struct web_net *o)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    memset(o, 0, sizeof(*o));
    if (inet_pton(AF_INET, buf, o->addr) == 1) {
        o->family = AF_INET;
        o->prefix = 32;
        return true;
    }
    if (inet_pton(AF_INET6, buf, o->addr) != 1)
        return false;
    o->family = AF_INET6;
    o->prefix = 128;
    if (memcmp(o->addr, v4_mapped, sizeof v4_mapped) == 0) {
        memmove(o->addr, o->addr + 12, 4);
        memset(o->addr + 4, 0, 12);
        o->family = AF_INET;
        o->prefix = 32;
    }
    return true;
}

static bool in_net(const struct web_net *net, const struct web_net *a)
{
    if (net->family != a->family)
        return false;
    unsigned full = net->prefix / 8, rest = net->prefix % 8;
    if (memcmp(net->addr, a->addr, full) != 0)
        return false;
    if (!rest)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (net->addr[full] & mask) == (a->addr[full] & mask);
}

/* host_bits - bits set past the prefix; *net gets them cleared. */
static bool host_bits(const struct web_net *n, struct web_net *net)
{
    unsigned bytes = n->family == AF_INET ? 4 : 16;
    bool set = false;
    *net = *n;
    for (unsigned i = 0; i < bytes; i++) {
        unsigned lo = i * 8;
        unsigned char keep =
            n->prefix >= lo + 8 ? 0xff
            : n->prefix <= lo   ? 0
                                : (unsigned char)(0xff << (lo + 8 - n->prefix));
        if (n->addr[i] & (unsigned char)~keep)
            set = true;
        net->addr[i] = n->addr[i] & keep;
    }
    return set;
}

static void ntop(const struct web_net *a, char *out, size_t n)
{
    if (!inet_ntop(a->family, a->addr, out, (socklen_t)n))
        snprintf(out, n, "?");
}

/* parse_item - one "ADDR[/PREFIX]" of trusted_proxies. */
static int parse_item(const char *s, size_t len, struct web_net *o,
                      struct rm_err *err)
{
    const char *slash = memchr(s, '/', len);
    size_t alen = slash ? (size_t)(slash - s) : len;
    if (!parse_ip(s, alen, o))
        return rm_err_set(err, RM_EINVAL,
                          "\"%.*s\" is not a numeric IPv4 or IPv6 address",
                          (int)(alen > 64 ? 64 : alen), s);
    /* a mapped address was turned into IPv4: its prefix counts from 96 */
    bool mapped = o->family == AF_INET && memchr(s, ':', alen);
    unsigned max = o->family == AF_INET ? 32 : 128;
    if (slash) {
        const char *p = slash + 1;
        size_t plen = len - alen - 1;
        char num[8];
        char *end;
        if (plen == 0 || plen >= sizeof num || p[0] == '+' || p[0] == '-')
            return rm_err_set(err, RM_EINVAL,
                              "\"%.*s\": expected ADDR/PREFIX with a prefix "
                              "0..%u",
                              (int)(len > 80 ? 80 : len), s,
                              mapped ? 128 : max);
        memcpy(num, p, plen);
        num[plen] = '\0';
        errno = 0;
        long v = strtol(num, &end, 10);
        if (*end || errno || v < 0 || v > (mapped ? 128 : (long)max) ||
            (mapped && v < 96))
            return rm_err_set(err, RM_EINVAL, "\"%.*s\": the prefix must be %s",
                              (int)len, s,
                              mapped      ? "96..128"
                              : max == 32 ? "0..32 for IPv4"
                                          : "0..128 for IPv6");
        o->prefix = (unsigned)(mapped ? v - 96 : v);
    }
    struct web_net net;
    if (host_bits(o, &net)) {
        char a[WEB_ADDR_TEXT];
        ntop(&net, a, sizeof a);
        return rm_err_set(err, RM_EINVAL,
                          "\"%.*s\": bits are set past the prefix (the "
                          "network is %s/%u)",
                          (int)len, s, a, o->prefix);
    }
    return 0;
}

int web_proxies_parse(const char *spec, struct web_proxies *out,
                      struct rm_err *err)
{
    int rc = 0;
    memset(out, 0, sizeof(*out));
    if (!spec)
        return 0;
    const char *p = spec;
    while (is_space(*p))
        p++;
    if (!*p)
        return 0;
    for (;;) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        const char *b = p, *e = end;
        while (b < e && is_space(*b))
            b++;
        while (e > b && is_space(e[-1]))
            e--;
        if (b == e)
            rc = rm_err_set(err, RM_EINVAL,
                            "an empty item (expected ADDR[/PREFIX], ...)");
        else if (out->n == WEB_PROXIES_MAX)
            rc = rm_err_set(err, RM_EINVAL, "more than %d items",
                            WEB_PROXIES_MAX);
        else
            rc = parse_item(b, (size_t)(e - b), &out->net[out->n], err);
        if (rc < 0) {
            memset(out, 0, sizeof(*out)); /* nothing half-read */
            return rc;
        }
        out->n++;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

static bool has(const struct web_proxies *p, const struct web_net *a)
{
    for (size_t i = 0; i < p->n; i++)
        if (in_net(&p->net[i], a))
            return true;
    return false;
}

bool web_proxies_has(const struct web_proxies *p, const char *addr)
{
    struct web_net a;
    return p && addr && parse_ip(addr, strlen(addr), &a) && has(p, &a);
}

/* parse_entry - one X-Forwarded-For entry, spaces trimmed: ADDR, [IPv6],
 * [IPv6]:PORT or IPv4:PORT. */
static bool parse_entry(const char *s, size_t len, struct web_net *a)
{
    while (len && is_space(*s))
        s++, len--;
    while (len && is_space(s[len - 1]))
        len--;
    const char *addr = s, *port = NULL;
    size_t alen = len, plen = 0;
    if (len && s[0] == '[') {
        const char *rb = memchr(s, ']', len);
        if (!rb)
            return false;
        size_t rest = len - (size_t)(rb + 1 - s);
        if (rest) {
            if (rb[1] != ':')
                return false;
            port = rb + 2;
            plen = rest - 1;
        }
        addr = s + 1;
        alen = (size_t)(rb - addr);
        if (!memchr(addr, ':', alen))
            return false; /* brackets hold IPv6 only */
    } else {
        const char *colon = memchr(s, ':', len);
        if (colon && !memchr(colon + 1, ':', len - (size_t)(colon + 1 - s))) {
            alen = (size_t)(colon - s); /* IPv4:PORT */
            port = colon + 1;
            plen = len - alen - 1;
        }
    }
    if (!parse_ip(addr, alen, a))
        return false;
    if (port) {
        if (plen == 0 || plen > 5)
            return false;
        for (size_t i = 0; i < plen; i++)
            if (port[i] < '0' || port[i] > '9')
                return false;
    }
    return true;
}

void web_forwarded_client(const struct web_proxies *p, const char *peer,
                          const char *xff, char *out, size_t n)
{
    snprintf(out, n, "%s", peer ? peer : "");
    if (!p || !p->n || !xff || !web_proxies_has(p, peer))
        return;
    struct web_net a, leftmost;
    bool any = false;
    const char *end = xff + strlen(xff);
    for (;;) {
        const char *b = end;
        while (b > xff && b[-1] != ',')
            b--;
        if (!parse_entry(b, (size_t)(end - b), &a))
            return; /* garbage where an address must be: the peer */
        if (!has(p, &a)) {
            ntop(&a, out, n);
            return;
        }
        leftmost = a;
        any = true;
        if (b == xff)
            break;
        end = b - 1;
    }
    if (any)
        ntop(&leftmost, out, n);
}
