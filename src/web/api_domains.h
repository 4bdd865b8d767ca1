/*
 * api_domains - what customers and admins do with names: register, renew,
 * transfer, follow operations (lookup and sign-up: api_lookup.h).
 *
 *   GET  /api/v1/domains                   login   scoped list
 *   POST /api/v1/domains/register          login   ops_register
 *   POST /api/v1/domains/transfer          login   ops_transfer
 *   GET  /api/v1/domains/{name}            login   scoped, with timeline
 *   PATCH /api/v1/domains/{name}           login   the auto-renew switch
 *   POST /api/v1/domains/{name}/renew      login   ops_renew
 *   GET  /api/v1/domains/{name}/transfer-status  login ops_transfer_status
 *   GET  /api/v1/operations                login   scoped list
 *   GET  /api/v1/operations/{id}           login   scoped
 *   POST /api/v1/operations/{id}/check     admin   ops_check
 *   POST /api/v1/operations/{id}/reset     admin   ops_reset
 *   POST /api/v1/operations/{id}/cancel    admin   ops_cancel
 *   POST /api/v1/operations/{id}/late      admin   watch_resolve
 *   GET  /api/v1/reconcile?since=D         admin   watch_reconcile
 *
 * Orders by customers need the license agreement of the connection that
 * serves the TLD: when the account has not accepted the current text
 * (by its SHA-256) the order is refused with 409 license_required unless
 * the body carries "license_sha256" equal to it, which records the
 * acceptance. An operation that was created answers 201 (202 while it is
 * pending) with the operation; a refusal before anything was written
 * answers 4xx and changes nothing.
 */
#ifndef RM_WEB_API_DOMAINS_H
#define RM_WEB_API_DOMAINS_H

#include <stddef.h>

#include "web/http.h"

const struct web_route *api_domains_routes(size_t *n);

#endif
