/*
 * err - error reports passed up to the caller.
 *
 * Library code never prints or exits on an error: it fills a
 * caller-provided struct rm_err and returns a negative value. The message
 * is complete on its own ("xcp: line 3, column 7: unexpected element <x>").
 * err may be NULL when the caller does not want the text.
 */
#ifndef RM_UTIL_ERR_H
#define RM_UTIL_ERR_H

enum rm_errcode {
    RM_OK = 0,
    RM_EINVAL = -1, /* bad input: syntax, type, range */
    RM_ELIMIT = -2, /* input exceeds a configured limit */
    RM_EIO = -3,    /* file or network I/O failed */
    RM_ENOTFOUND = -4,
    RM_EPROTO = -5,    /* the peer broke the protocol */
    RM_EINTERNAL = -6, /* a bug or an impossible state */
    RM_ECONFLICT = -7, /* a concurrent change won: the whole unit of work
                        * may be run again (store_tx does) */
    RM_EREFUSED = -8   /* a business rule said no (insufficient funds, a
                        * name already registered, a connection still in
                        * use, the registrar said no) */
};

struct rm_err {
    int code;
    char msg[512];
};

void rm_err_clear(struct rm_err *err);
/* rm_err_set - record code and message; returns code so callers can
 * "return rm_err_set(err, RM_EINVAL, ...)". */
int rm_err_set(struct rm_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* rm_err_prefix - prepend context ("config: ") to an existing message. */
void rm_err_prefix(struct rm_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
