/*
 * srs_int.h - what the OpenSRS driver's files share: srs.c (request
 * builders, the calls over the transport and the registrar table) and
 * srs_map.c (the response mappers). Callers use srs.h.
 */
#ifndef RM_OPENSRS_SRS_INT_H
#define RM_OPENSRS_SRS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "registrar/registrar.h"

#define SRS_EXPIRING_PAGE 500    /* domains asked for per page */
#define SRS_EXPIRING_MAX 1000000 /* total cap over all pages */
#define SRS_LIST_MAX 100000      /* cap on any one list we copy */

/* copy - src (NULL as "") into dst of size bytes, cut to fit. */
static inline void copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

/* srs_event_id_ok - an event id we can send back in ACK EVENT: 1 to
 * REG_ID_MAX - 1 bytes, none of them white space or a control character.
 * The poll mapper and the ACK builder both use it, so every event a poll
 * accepts can be acknowledged. */
static inline bool srs_event_id_ok(const char *id)
{
    size_t n = 0;
    if (!id)
        return false;
    for (; id[n]; n++)
        if ((unsigned char)id[n] <= ' ' || id[n] == 0x7f || n + 1 >= REG_ID_MAX)
            return false;
    return n > 0;
}

#endif
