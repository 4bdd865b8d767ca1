/*
 * api_conn - registrar connections (admin only).
 *
 *   GET    /api/v1/connections                 admin
 *   POST   /api/v1/connections                 admin  conn_add
 *   GET    /api/v1/connections/{id}            admin
 *   PATCH  /api/v1/connections/{id}            admin  conn_edit
 *   DELETE /api/v1/connections/{id}            admin  conn_remove
 *   POST   /api/v1/connections/{id}/test       admin  GET_BALANCE
 * Request and response bodies: docs/openapi.yaml.
 */
#ifndef RM_WEB_API_CONN_H
#define RM_WEB_API_CONN_H

#include <stddef.h>

#include "web/http.h"

const struct web_route *api_conn_routes(size_t *n);

#endif
