/*
 * srs_int.h - what the OpenSRS driver's files share: srs.c (request
 * builders, the calls over the transport and the registrar table) and
 * srs_map.c (the response mappers). Callers use srs.h.
 */
#ifndef RM_OPENSRS_SRS_INT_H
#define RM_OPENSRS_SRS_INT_H

#include <stddef.h>
#include <stdio.h>

#define SRS_EXPIRING_PAGE 500    /* domains asked for per page */
#define SRS_EXPIRING_MAX 1000000 /* total cap over all pages */
#define SRS_LIST_MAX 100000      /* cap on any one list we copy */

/* copy - src (NULL as "") into dst of size bytes, cut to fit. */
static inline void copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

#endif
