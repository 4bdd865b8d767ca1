/*
 * ratelimit - bounded in-memory failure counters (login throttling).
 *
 * A limiter counts failures per key (a username, an IP address) in a
 * fixed window: after max failures within window_s seconds the key is
 * blocked until the window that started with its first failure ends.
 * Memory is bounded: a fixed table of slots; when the probe run for a new
 * key is full the slot with the oldest window is reused, so an attacker
 * spraying keys can only evict old entries, never grow memory.
 * Keys are stored as a 64-bit keyed hash (random per limiter), not as
 * text. Thread-safe (one mutex).
 */
#ifndef RM_WEB_RATELIMIT_H
#define RM_WEB_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ratelimit;

/* ratelimit_new - slots is rounded up to a power of two (min 64). */
struct ratelimit *ratelimit_new(size_t slots, unsigned max, int64_t window_s);
void ratelimit_free(struct ratelimit *rl);

/* ratelimit_blocked - 0 when key may try now, else the seconds until it
 * may (>= 1). */
int64_t ratelimit_blocked(struct ratelimit *rl, const char *key, int64_t now);
/* ratelimit_fail - record one failure of key at now. */
void ratelimit_fail(struct ratelimit *rl, const char *key, int64_t now);
/* ratelimit_clear - forget key (a successful login). */
void ratelimit_clear(struct ratelimit *rl, const char *key);
/* ratelimit_used - slots in use (tests check the bound). */
size_t ratelimit_used(struct ratelimit *rl);

#endif
