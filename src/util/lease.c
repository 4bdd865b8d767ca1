/*
 * lease - lease owner names and when a lease's owner is known to be gone
 * (contract in lease.h).
 */
#include "util/lease.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>
#include <unistd.h>

#define BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"
#define PID_NS_PATH "/proc/self/ns/pid"

static pthread_mutex_t node_mu = PTHREAD_MUTEX_INITIALIZER;
static char node_id[LEASE_NODE_LEN + 1];
static pid_t node_pid;
static char boot_id[LEASE_BOOT_LEN + 1];
static int boot_read;

/* all_digits - s[0..n) is one or more ASCII digits. */
static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* all_hex - s[0..n) is exactly want lower-case hex digits. */
static bool all_hex(const char *s, size_t n, size_t want)
{
    if (n != want)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* fnv1a - 32-bit FNV-1a over s, continuing from h. */
static uint32_t fnv1a(uint32_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

const char *lease_boot_id(void)
{
    pthread_mutex_lock(&node_mu);
    if (!boot_read) {
        char line[64] = "", ns[64] = "";
        FILE *f = fopen(BOOT_ID_PATH, "r");
        ssize_t n;

        if (f) {
            if (!fgets(line, sizeof line, f))
                line[0] = '\0';
            fclose(f);
        }
        line[strcspn(line, "\n")] = '\0';
        /* Containers on one kernel share the boot id but not the pid
         * namespace: a pid means something only inside its namespace. */
        n = readlink(PID_NS_PATH, ns, sizeof ns - 1);
        ns[n > 0 ? n : 0] = '\0';
        boot_id[0] = '\0';
        if (strlen(line) >= LEASE_BOOT_LEN) {
            uint32_t h = fnv1a(fnv1a(2166136261u, line), ns);
            snprintf(boot_id, sizeof boot_id, "%08" PRIx32, h);
        }
        boot_read = 1;
    }
    pthread_mutex_unlock(&node_mu);
    return boot_id;
}

const char *lease_node_id(void)
{
    pthread_mutex_lock(&node_mu);
    if (node_pid != getpid()) {
        unsigned char rnd[LEASE_NODE_LEN / 2];
        size_t got = 0;
        while (got < sizeof rnd) {
            ssize_t k = getrandom(rnd + got, sizeof rnd - got, 0);
            if (k > 0)
                got += (size_t)k;
            else if (k < 0 && errno != EINTR)
                abort(); /* no entropy source: nothing safe to name */
        }
        for (size_t i = 0; i < sizeof rnd; i++)
            snprintf(node_id + 2 * i, 3, "%02x", rnd[i]);
        node_pid = getpid();
    }
    pthread_mutex_unlock(&node_mu);
    return node_id;
}

void lease_owner_name(char *buf, size_t n, long seq)
{
    char host[256] = "localhost", tail[96];
    const char *boot = lease_boot_id();

    if (gethostname(host, sizeof host - 1) < 0)
        snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = '\0';
    if (seq > 0)
        snprintf(tail, sizeof tail, ":%ld:%s:%s:%ld", (long)getpid(),
                 *boot ? boot : "0", lease_node_id(), seq);
    else
        snprintf(tail, sizeof tail, ":%ld:%s:%s", (long)getpid(),
                 *boot ? boot : "0", lease_node_id());
    size_t tl = strlen(tail), hl = strlen(host);
    if (n == 0)
        return;
    if (hl + tl + 1 > n)
        hl = n > tl + 1 ? n - tl - 1 : 0;
    snprintf(buf, n, "%.*s%s", (int)hl, host, tail);
}

bool lease_owner_gone(const char *owner)
{
    char host[256];
    const char *f[6];
    size_t len[6], nf = 0;
    long pid;

    if (!owner)
        return false;
    /* Split at ':' into at most 6 fields. */
    for (const char *p = owner;;) {
        const char *c = strchr(p, ':');
        if (nf == 6)
            return false;
        f[nf] = p;
        len[nf] = c ? (size_t)(c - p) : strlen(p);
        nf++;
        if (!c)
            break;
        p = c + 1;
    }
    if (nf < 2 || !all_digits(f[1], len[1]) || len[1] > 9)
        return false;
    if (nf == 3 && !all_digits(f[2], len[2]))
        return false; /* earlier form HOST:PID:N */
    if (nf >= 4) {
        /* HOST:PID:BOOT:NODE[:N]: the pid says something only on this
         * boot; pids repeat after a reboot. */
        const char *boot = lease_boot_id();
        if (nf == 6 || (nf == 5 && !all_digits(f[4], len[4])) ||
            !all_hex(f[3], len[3], LEASE_NODE_LEN) || !*boot ||
            !all_hex(f[2], len[2], LEASE_BOOT_LEN) ||
            strncmp(f[2], boot, LEASE_BOOT_LEN) != 0)
            return false;
    }
    if (gethostname(host, sizeof host - 1) < 0)
        return false;
    host[sizeof host - 1] = '\0';
    if (strlen(host) != len[0] || strncmp(owner, host, len[0]) != 0)
        return false;
    pid = strtol(f[1], NULL, 10);
    if (pid <= 0)
        return false;
    /* EPERM: it exists, only not ours to signal. */
    return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}
