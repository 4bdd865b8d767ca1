/*
 * pace - per-connection rate limits shared by the process (see pace.h).
 */
#include "core/pace.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "util/xalloc.h"

struct pace {
    int64_t conn_id;
    int64_t spacing_ns; /* 0 = no limit */
    int64_t next_ns;    /* earliest start of the next call */
    struct pace *next;
};

/* The registry: one entry per connection id ever paced, never freed (a
 * process knows a handful of connections). One mutex guards the list and
 * every entry's times: a reservation is a few instructions. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct pace *head;

struct pace *pace_for(int64_t conn_id, int64_t rate_per_min)
{
    struct pace *p;

    pthread_mutex_lock(&mu);
    for (p = head; p && p->conn_id != conn_id; p = p->next)
        ;
    if (!p) {
        p = xcalloc(1, sizeof *p);
        p->conn_id = conn_id;
        p->next = head;
        head = p;
    }
    p->spacing_ns = rate_per_min > 0 ? 60000000000LL / rate_per_min : 0;
    pthread_mutex_unlock(&mu);
    return p;
}

int64_t pace_take(struct pace *p, int64_t now_ns)
{
    int64_t at;

    pthread_mutex_lock(&mu);
    if (!p->spacing_ns) {
        at = now_ns;
    } else {
        at = now_ns > p->next_ns ? now_ns : p->next_ns;
        p->next_ns = at + p->spacing_ns;
    }
    pthread_mutex_unlock(&mu);
    return at;
}

static int64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void pace_wait(void *arg)
{
    int64_t now = mono_ns();
    int64_t at = pace_take(arg, now);

    if (at > now) {
        struct timespec ts = {(time_t)((at - now) / 1000000000LL),
                              (long)((at - now) % 1000000000LL)};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
}
