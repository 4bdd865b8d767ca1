/*
 * log - leveled log lines on stderr (see log.h).
 */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *prog = "regman";
static enum rm_loglevel minlevel = LOG_INFO;
static const char *names[] = {"debug", "info", "warn", "error", "fatal"};

void rm_log_init(const char *progname, enum rm_loglevel min)
{
    prog = progname;
    minlevel = min;
}

void rm_log_set_level(enum rm_loglevel min)
{
    minlevel = min;
}

static void vlog(enum rm_loglevel lvl, const char *fmt, va_list ap)
{
    char line[2048], ts[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    int n = snprintf(line, sizeof(line), "%s %s %s: ", ts, names[lvl], prog);
    if (n < 0 || (size_t)n >= sizeof(line))
        n = 0;
    va_list ap2;
    va_copy(ap2, ap);
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    /* A longer line is written whole (registrar log rows written here as
     * a last resort, core/reglog.h), from the heap. */
    char *big = NULL;
    if (m > 0 && (size_t)m >= sizeof(line) - (size_t)n &&
        (big = malloc((size_t)n + (size_t)m + 1)) != NULL) {
        memcpy(big, line, (size_t)n);
        vsnprintf(big + n, (size_t)m + 1, fmt, ap2);
    }
    va_end(ap2);
    /* One fputs per line keeps concurrent threads' lines whole. */
    fprintf(stderr, "%s\n", big ? big : line);
    free(big);
}

void rm_log(enum rm_loglevel lvl, const char *fmt, ...)
{
    if (lvl < minlevel)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(lvl, fmt, ap);
    va_end(ap);
}

void rm_fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(LOG_FATAL, fmt, ap);
    va_end(ap);
    exit(2);
}
