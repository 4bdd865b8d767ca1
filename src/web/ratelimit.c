/*
 * ratelimit - fixed-window failure counters in a bounded open-addressing
 * table (see ratelimit.h).
 */
#include "web/ratelimit.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "util/xalloc.h"

#define PROBES 8

struct slot {
    uint64_t key; /* 0 = empty */
    int64_t window_start;
    unsigned fails;
};

struct ratelimit {
    pthread_mutex_t mu;
    struct slot *slots;
    size_t mask;
    unsigned max;
    int64_t window_s;
    unsigned char hkey[crypto_shorthash_KEYBYTES];
};

struct ratelimit *ratelimit_new(size_t slots, unsigned max, int64_t window_s)
{
    size_t n = 64;
    while (n < slots && n < ((size_t)1 << 24))
        n <<= 1;
    struct ratelimit *rl = xcalloc(1, sizeof(*rl));
    pthread_mutex_init(&rl->mu, NULL);
    rl->slots = xcalloc(n, sizeof(*rl->slots));
    rl->mask = n - 1;
    rl->max = max ? max : 1;
    rl->window_s = window_s > 0 ? window_s : 1;
    /* A per-limiter random hash key: an attacker cannot aim keys at one
     * probe run to evict a victim's counter. */
    randombytes_buf(rl->hkey, sizeof(rl->hkey));
    return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->mu);
    free(rl->slots);
    free(rl);
}

static uint64_t hash(const struct ratelimit *rl, const char *key)
{
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, (const unsigned char *)key, strlen(key), rl->hkey);
    uint64_t v;
    memcpy(&v, h, sizeof(v));
    return v ? v : 1;
}

/* find - the slot holding k, or NULL. */
static struct slot *find(struct ratelimit *rl, uint64_t k)
{
    for (size_t i = 0; i < PROBES; i++) {
        struct slot *s = &rl->slots[(k + i) & rl->mask];
        if (s->key == k)
            return s;
    }
    return NULL;
}

/* claim - a slot for k: an empty or expired one in the probe run, else
 * the one with the oldest window. */
static struct slot *claim(struct ratelimit *rl, uint64_t k, int64_t now)
{
    struct slot *victim = NULL;
    for (size_t i = 0; i < PROBES; i++) {
        struct slot *s = &rl->slots[(k + i) & rl->mask];
        if (s->key == 0 || now - s->window_start >= rl->window_s)
            return s;
        if (!victim || s->window_start < victim->window_start)
            victim = s;
    }
    return victim;
}

int64_t ratelimit_blocked(struct ratelimit *rl, const char *key, int64_t now)
{
    uint64_t k = hash(rl, key);
    int64_t wait = 0;
    pthread_mutex_lock(&rl->mu);
    struct slot *s = find(rl, k);
    if (s && s->fails >= rl->max) {
        int64_t left = s->window_start + rl->window_s - now;
        wait = left > 0 ? left : 0;
    }
    pthread_mutex_unlock(&rl->mu);
    return wait;
}

void ratelimit_fail(struct ratelimit *rl, const char *key, int64_t now)
{
    uint64_t k = hash(rl, key);
    pthread_mutex_lock(&rl->mu);
    struct slot *s = find(rl, k);
    if (s && now - s->window_start >= rl->window_s)
        s->fails = 0, s->window_start = now;
    if (!s) {
        s = claim(rl, k, now);
        s->key = k;
        s->window_start = now;
        s->fails = 0;
    }
    if (s->fails < rl->max)
        s->fails++;
    pthread_mutex_unlock(&rl->mu);
}

void ratelimit_clear(struct ratelimit *rl, const char *key)
{
    uint64_t k = hash(rl, key);
    pthread_mutex_lock(&rl->mu);
    struct slot *s = find(rl, k);
    if (s)
        memset(s, 0, sizeof(*s));
    pthread_mutex_unlock(&rl->mu);
}

size_t ratelimit_used(struct ratelimit *rl)
{
    size_t n = 0;
    pthread_mutex_lock(&rl->mu);
    for (size_t i = 0; i <= rl->mask; i++)
        n += rl->slots[i].key != 0;
    pthread_mutex_unlock(&rl->mu);
    return n;
}
