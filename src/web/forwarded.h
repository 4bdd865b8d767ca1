/*
 * forwarded - the client address of a request that came through trusted
 * reverse proxies ([http] trusted_proxies, regman.conf(5)).
 *
 * A request's client address is its TCP peer, except when the peer is a
 * trusted proxy: then it is read from X-Forwarded-For, whose entries each
 * proxy appends (nginx: $proxy_add_x_forwarded_for). Walking the entries
 * from the right, every one that is itself a trusted proxy is skipped and
 * the first that is not is the client; what lies further left was written
 * by the client or proxies nobody trusts and is never read. When every
 * entry is a trusted proxy, the leftmost is the client. When the peer is
 * trusted but the header is missing or empty, or an entry that must be
 * read is not an address, the client is the peer (a proxy that forwards
 * no address is counted as one client, never as whoever it claims).
 *
 * Entries: an IPv4 or IPv6 address, optionally "[IPv6]", "[IPv6]:PORT" or
 * "IPv4:PORT" (ports are dropped), with spaces or tabs around it. The
 * address handed out is in its canonical text form (inet_ntop), so one
 * client spelled two ways counts once. IPv4-mapped IPv6 addresses
 * (::ffff:192.0.2.1, the peer of a dual-stack socket) match trusted IPv4
 * networks, and a client given that way is handed out as IPv4.
 *
 * Nothing here allocates; no MHD: the frame passes the peer and the
 * header's value (several X-Forwarded-For headers joined with ",").
 */
#ifndef RM_WEB_FORWARDED_H
#define RM_WEB_FORWARDED_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

#define WEB_PROXIES_MAX 64
#define WEB_ADDR_TEXT 46 /* INET6_ADDRSTRLEN */

struct web_net {
    int family;             /* AF_INET or AF_INET6 */
    unsigned char addr[16]; /* network byte order; IPv4 in the first 4 */
    unsigned prefix;        /* bits: 0..32 or 0..128 */
};

struct web_proxies {
    size_t n;
    struct web_net net[WEB_PROXIES_MAX];
};

/*
 * web_proxies_parse - "ADDR[/PREFIX], ..." (IPv4 or IPv6; spaces around
 * items allowed; NULL or blank = no trusted proxy) into *out. RM_EINVAL
 * with a message naming the item when one is not an address, its prefix
 * is not 0..32 (IPv4) or 0..128 (IPv6), bits are set past the prefix
 * (the message names the network meant), an item is empty, or there are
 * more than WEB_PROXIES_MAX.
 */
int web_proxies_parse(const char *spec, struct web_proxies *out,
                      struct rm_err *err);

/* web_proxies_has - addr (text) is inside one of p's networks. */
bool web_proxies_has(const struct web_proxies *p, const char *addr);

/*
 * web_forwarded_client - the client address of a request from peer
 * (text, as the socket gave it) carrying X-Forwarded-For xff (NULL when
 * absent), under the rules above; into out (n >= WEB_ADDR_TEXT). With no
 * trusted proxy, or a peer that is not one, out is peer unchanged.
 */
void web_forwarded_client(const struct web_proxies *p, const char *peer,
                          const char *xff, char *out, size_t n);

#endif
