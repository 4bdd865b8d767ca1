/*
 * license - the license agreement of a registrar connection and the
 * customers' acceptances of it (by the SHA-256 of its text).
 */
#ifndef RM_CORE_LICENSE_H
#define RM_CORE_LICENSE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/app.h"
#include "core/conn.h"
#include "util/err.h"

/* license_of_conn - the license agreement of connection c (its text, or
 * the file it names) and its SHA-256 (64 hex digits). *text is heap (""
 * when the connection has none). */
int license_of_conn(const struct conn *c, char **text, char hex[65],
                    struct rm_err *err);

/* license_hash - hex SHA-256 of text. */
void license_text_hash(const char *text, char hex[65]);

/* license_accepted - has account_id accepted the agreement with this hash
 * (hex SHA-256) of connection conn_id? */
int license_accepted(struct app *app, int64_t account_id, int64_t conn_id,
                     const char *hex, bool *yes, struct rm_err *err);

/* license_record - store an acceptance at now (its own write transaction,
 * or the caller's). login_id 0: none. */
int license_record(struct app *app, int64_t login_id, int64_t account_id,
                   int64_t conn_id, const char *domain, const char *hex,
                   const char *client_ip, int64_t now, struct rm_err *err);

#endif
