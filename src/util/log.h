/*
 * log - the one logging API.
 *
 * Levels have fixed meanings: LOG_DEBUG (developer detail), LOG_INFO
 * (normal events worth a line), LOG_WARN (something went wrong and was
 * handled), LOG_ERROR (an operation failed), LOG_FATAL (the process cannot
 * continue; rm_fatal exits). Lines go to stderr as
 * "2026-11-28T01:02:03Z level prog: message", whatever its length. Lines
 * about an operation start with its id ("op 42: ..."). Secrets never reach
 * a log: callers redact before logging.
 */
#ifndef RM_UTIL_LOG_H
#define RM_UTIL_LOG_H

enum rm_loglevel { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_FATAL };

void rm_log_init(const char *progname, enum rm_loglevel min);
void rm_log_set_level(enum rm_loglevel min);
void rm_log(enum rm_loglevel lvl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
_Noreturn void rm_fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif
