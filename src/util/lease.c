/*
 * lease - when a lease's owner is known to be gone (contract in lease.h).
 */
#include "util/lease.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* all_digits - s is one or more ASCII digits. */
static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool lease_owner_gone(const char *owner)
{
    char host[256];
    const char *colon, *p, *end;
    size_t hl;
    long pid;

    if (!owner)
        return false;
    colon = strchr(owner, ':');
    if (!colon)
        return false;
    hl = (size_t)(colon - owner);
    p = colon + 1;
    end = strchr(p, ':');
    if (!end)
        end = p + strlen(p);
    else if (!all_digits(end + 1, strlen(end + 1)))
        return false;
    if (!all_digits(p, (size_t)(end - p)) || end - p > 9)
        return false;
    if (gethostname(host, sizeof host - 1) < 0)
        return false;
    host[sizeof host - 1] = '\0';
    if (strlen(host) != hl || strncmp(owner, host, hl) != 0)
        return false;
    pid = strtol(p, NULL, 10);
    if (pid <= 0)
        return false;
    /* EPERM: it exists, only not ours to signal. */
    return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}
