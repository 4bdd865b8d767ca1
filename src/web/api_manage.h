/*
 * api_manage - what the owner of a registered domain changes after the
 * sale, over the JSON API (core/domchange.h; the CLI's `regman domain
 * ns|host|contacts|lock|auth-code|changes`).
 *
 *   GET  /api/v1/domains/{name}/nameservers      login  domchange_read
 *   PUT  /api/v1/domains/{name}/nameservers      login  domchange_nameservers
 *   GET  /api/v1/domains/{name}/lock             login  domchange_read
 *   PUT  /api/v1/domains/{name}/lock             login  domchange_lock
 *   GET  /api/v1/domains/{name}/auth-code        login  domchange_read (auth)
 *   POST /api/v1/domains/{name}/auth-code/reset  login  domchange_auth_code_set
 *   POST /api/v1/domains/{name}/auth-code/send   login domchange_auth_code_send
 *   GET  /api/v1/domains/{name}/hosts            login  domchange_hosts
 *   POST /api/v1/domains/{name}/hosts            login  domchange_host_add
 *   PUT  /api/v1/domains/{name}/hosts/{host}     login  domchange_host_set
 *   DELETE /api/v1/domains/{name}/hosts/{host}   login  domchange_host_rm
 *   GET  /api/v1/domains/{name}/contacts         login  domchange_contacts_read
 *   PUT  /api/v1/domains/{name}/contacts         login  domchange_contacts
 *                                  (all_domains: domchange_siblings, each)
 *   GET  /api/v1/domains/{name}/changes          login  domchange_history
 *
 * A customer acts as its own account (core limits every call to its
 * domains); an admin reaches any domain. A name the caller does not hold
 * (unknown, another account's, no longer held) answers 404 "no such
 * domain" before the body is looked at, and nothing is recorded. A bad
 * body is 400 and nothing is recorded or sent.
 *
 * A change that was recorded answers with {domain, change, state, answer}
 * (and auth_code after a reset): 200 when it succeeded, 202 when its
 * outcome is unknown (the answer was lost and the read-back could not
 * tell), 409 refused when the registrar or a check refused it - then the
 * body is the error ({"error": {...}}, message = the answer) together with
 * the change's fields. The reads ask the registrar each time and record
 * nothing; a registrar that did not answer is 502 registrar_error.
 *
 * Contacts with "all_domains": one change per active or expired domain of
 * the account holding {name} ({name} first); 200 with {changes: [{domain,
 * change, state, answer}], succeeded, failed, unknown} whatever each
 * outcome (the counts tell). Values the first domain refuses as bad input
 * are 400 with nothing recorded, as for one domain.
 */
#ifndef RM_WEB_API_MANAGE_H
#define RM_WEB_API_MANAGE_H

#include <stddef.h>

#include "web/http.h"

const struct web_route *api_manage_routes(size_t *n);

#endif
