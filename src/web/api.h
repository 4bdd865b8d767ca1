/*
 * api - the JSON side of the API frame: errors, request bodies with
 * strict types, path ids, pagination.
 *
 * Errors (every 4xx/5xx of the API has this body):
 *   {"error": {"code": "wrong_type", "message": "amount: expected an
 *    integer", "field": "amount"}}
 * field is null when the error is not about one field. code is a stable
 * machine-readable word (API_E* below); message is for humans.
 *
 * Bodies: a JSON object, at most API_MAX_DEPTH levels of nesting (checked
 * before jansson parses, so a deep body cannot exhaust the stack), valid
 * UTF-8, no duplicate keys. The getters are strict: a string field must
 * be a JSON string (never a number), an integer an integer (never "12" or
 * 12.0), a boolean true/false. Unknown fields are refused
 * (api_only_fields) so a typo is an error, not a silent no-op.
 *
 * Pagination (list endpoints), documented for clients in docs/api:
 *   ?limit=N   1..API_PAGE_MAX, default API_PAGE_DEFAULT
 *   ?offset=N  0..API_OFFSET_MAX, default 0          (offset paging)
 *   ?after=ID  return items whose id sorts after ID  (keyset paging for
 *              lists ordered by id; offset is then ignored)
 * A handler fetches limit + 1 rows (api_page.fetch) and hands the array
 * to api_reply_page, which trims the extra row and answers
 *   {"items": [...], "page": {"limit": 50, "offset": 0,
 *    "next_offset": 50 | null, "next_after": 123 | null}}
 * next_* are null on the last page; next_after is the id of the last item
 * (items carry an integer "id").
 *
 * All functions that take a struct web_req set an error reply on failure
 * and return WEB_STOP; success returns 0.
 */
#ifndef RM_WEB_API_H
#define RM_WEB_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "web/reply.h"

#define API_MAX_DEPTH 32
#define API_PAGE_DEFAULT 50
#define API_PAGE_MAX 500
#define API_OFFSET_MAX 1000000000LL

/* Error codes. */
#define API_EINVALID_JSON "invalid_json"
#define API_ETOO_DEEP "too_deep"
#define API_EWRONG_TYPE "wrong_type"
#define API_EMISSING "missing_field"
#define API_EUNKNOWN "unknown_field"
#define API_ERANGE "out_of_range"
#define API_EINVALID "invalid"
#define API_ETOO_LARGE "body_too_large"
#define API_EMEDIA "unsupported_media_type"
#define API_EUNAUTH "unauthenticated"
#define API_EFORBIDDEN "forbidden"
#define API_ECSRF "csrf_failed"
#define API_ENOTFOUND "not_found"
#define API_EMETHOD "method_not_allowed"
#define API_ECONFLICT "conflict"
#define API_EREFUSED "refused"
#define API_ERATE "rate_limited"
#define API_EINTERNAL "internal"
#define API_EUNAVAILABLE "unavailable"

/* api_error - reply status with the error body; field may be NULL.
 * Returns WEB_STOP. */
int api_error(struct web_req *r, unsigned status, const char *code,
              const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* api_error_rm - reply for a failed core/store call: RM_EINVAL 400
 * invalid, RM_ELIMIT 400 out_of_range, RM_ENOTFOUND 404 not_found,
 * RM_EREFUSED 409 refused, all with err's message; anything else 500
 * internal with a generic message (err's text goes to the log only, it
 * may name files or SQL). Returns WEB_STOP. */
int api_error_rm(struct web_req *r, int rc, const struct rm_err *err);

/* api_error_body - the error object (for callers outside a request). */
json_t *api_error_body(const char *code, const char *field,
                       const char *message);

/* api_json_depth_ok - is the nesting depth of the JSON text at most max?
 * A lexical scan (strings and escapes respected); does not validate. */
bool api_json_depth_ok(const char *s, size_t len, int max);

/* api_parse_body - the body rules above applied to len bytes of text,
 * without a request (api_body is this plus the 400 reply). On success
 * *out is the object (caller decrefs). On failure *out is NULL, *code
 * (when code is not NULL) is the API_E* word the reply carries
 * (API_EINVALID_JSON: empty or not JSON; API_ETOO_DEEP; API_EWRONG_TYPE:
 * JSON but not an object) and err holds the message: RM_ELIMIT for too
 * deep, RM_EINVAL otherwise. */
int api_parse_body(const char *buf, size_t len, json_t **out, const char **code,
                   struct rm_err *err);

/* api_body - the request body parsed as a JSON object (caller decrefs
 * *out). Empty body, bad JSON, too deep, or not an object: 400. */
int api_body(struct web_req *r, json_t **out);

/* api_only_fields - refuse any key of obj not in allowed (NULL ended). */
int api_only_fields(struct web_req *r, json_t *obj, const char *const *allowed);

/* Strict getters. When the key is absent: required → 400 missing_field;
 * optional → *present (if given) false and *out untouched. null counts as
 * absent for optional fields and as wrong_type for required ones. */
/* api_get_str - a string of 1..maxlen bytes (minlen 0 allows ""); no NUL
 * bytes. *out borrows from obj. */
int api_get_str(struct web_req *r, json_t *obj, const char *key, bool required,
                size_t minlen, size_t maxlen, const char **out, bool *present);
/* api_get_int - an integer in [min, max]. */
int api_get_int(struct web_req *r, json_t *obj, const char *key, bool required,
                int64_t min, int64_t max, int64_t *out, bool *present);
int api_get_bool(struct web_req *r, json_t *obj, const char *key, bool required,
                 bool *out, bool *present);

/* api_path_id - the path parameter name as a positive decimal id; 404
 * not_found otherwise (a malformed id names nothing). */
int api_path_id(struct web_req *r, const char *name, int64_t *out);

struct api_page {
    int64_t limit;
    int64_t offset;
    int64_t after; /* valid when has_after */
    bool has_after;
    int64_t fetch; /* limit + 1: rows to ask the store for */
};

/* api_page_parse - limit/offset/after from the query; 400 out_of_range
 * or wrong_type (field "limit", ...) on bad values. */
int api_page_parse(struct web_req *r, struct api_page *p);
/* api_reply_page - 200 with the page envelope; items is stolen and
 * trimmed to p->limit. */
int api_reply_page(struct web_req *r, const struct api_page *p, json_t *items);

/* api_parse_int64 - a whole decimal string in [min, max] (no sign for
 * min >= 0, no spaces, no leading '+'). */
bool api_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);

#endif
