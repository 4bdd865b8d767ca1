/*
 * clock - UTC epoch seconds with test offsets (contract in clock.h).
 */
#include "util/clock.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/log.h"

static pthread_mutex_t clock_mu = PTHREAD_MUTEX_INITIALIZER;
static int env_read;
static int64_t env_offset;
static struct timespec file_mtime;
static off_t file_size = -1;
static int64_t file_offset;

/* parse_offset - strict signed decimal, |v| <= 100 years. */
static int parse_offset(const char *s, int64_t *out)
{
    char *end;
    long long v;

    while (*s == ' ' || *s == '\t')
        s++;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (end == s || errno)
        return -1;
    while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
        end++;
    if (*end || v > 3155760000LL || v < -3155760000LL)
        return -1;
    *out = v;
    return 0;
}

static void read_file_offset(const char *path)
{
    struct stat sb;
    char text[64];
    FILE *f;
    size_t n;

    if (stat(path, &sb) < 0) {
        file_offset = 0;
        file_size = -1;
        return;
    }
    if (sb.st_size == file_size && sb.st_mtim.tv_sec == file_mtime.tv_sec &&
        sb.st_mtim.tv_nsec == file_mtime.tv_nsec)
        return;
    file_mtime = sb.st_mtim;
    file_size = sb.st_size;
    file_offset = 0;
    if (!(f = fopen(path, "r")))
        return;
    n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    if (parse_offset(text, &file_offset) < 0) {
        file_offset = 0;
        rm_log(LOG_WARN, "clock: %s: not a number of seconds, ignored", path);
    }
}

int64_t clock_now(void)
{
    const char *path;
    int64_t off;

    pthread_mutex_lock(&clock_mu);
    if (!env_read) {
        const char *e = getenv("REGMAN_CLOCK_OFFSET");
        env_read = 1;
        if (e && *e && parse_offset(e, &env_offset) < 0) {
            env_offset = 0;
            rm_log(LOG_WARN, "clock: REGMAN_CLOCK_OFFSET is not a number of "
                             "seconds, ignored");
        }
    }
    off = env_offset;
    path = getenv("REGMAN_CLOCK_FILE");
    if (path && *path) {
        read_file_offset(path);
        off += file_offset;
    }
    pthread_mutex_unlock(&clock_mu);
    return (int64_t)time(NULL) + off;
}

char *clock_format(int64_t t, char *buf, unsigned n)
{
    struct tm tm;
    time_t tt = (time_t)t;

    if (t == 0 || !gmtime_r(&tt, &tm)) {
        snprintf(buf, n, "-");
        return buf;
    }
    strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

int64_t clock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
