/*
 * err - caller-provided error reports (see err.h).
 */
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void rm_err_clear(struct rm_err *err)
{
    if (err) {
        err->code = 0;
        err->msg[0] = '\0';
    }
}

int rm_err_set(struct rm_err *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return code;
}

void rm_err_prefix(struct rm_err *err, const char *fmt, ...)
{
    if (!err)
        return;
    char pre[256], old[sizeof(err->msg)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof(pre), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    /* Concatenate by hand: truncation of the tail is intended. */
    size_t pl = strnlen(pre, sizeof(err->msg) - 1);
    size_t ol = strnlen(old, sizeof(old) - 1);
    if (pl + ol > sizeof(err->msg) - 1)
        ol = sizeof(err->msg) - 1 - pl;
    memcpy(err->msg, pre, pl);
    memcpy(err->msg + pl, old, ol);
    err->msg[pl + ol] = '\0';
}
