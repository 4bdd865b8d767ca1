/*
 * api - JSON errors, strict body getters and pagination (see api.h).
 */
#include "web/api.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/app.h"
#include "util/log.h"

json_t *api_error_body(const char *code, const char *field, const char *message)
{
    return json_pack("{s:{s:s, s:s, s:s?}}", "error", "code", code, "message",
                     message, "field", field);
}

int api_error(struct web_req *r, unsigned status, const char *code,
              const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    web_reply_json(r, status, api_error_body(code, field, msg));
    return WEB_STOP;
}

int api_error_rm(struct web_req *r, int rc, const struct rm_err *err)
{
    const char *msg = err && err->msg[0] ? err->msg : "request failed";
    switch (rc) {
    case RM_EINVAL:
        return api_error(r, 400, API_EINVALID, NULL, "%s", msg);
    case RM_ELIMIT:
        return api_error(r, 400, API_ERANGE, NULL, "%s", msg);
    case RM_ENOTFOUND:
        return api_error(r, 404, API_ENOTFOUND, NULL, "%s", msg);
    case RM_EREFUSED:
        return api_error(r, 409, API_EREFUSED, NULL, "%s", msg);
    default:
        /* Store and I/O messages may name files, SQL or hosts: log them,
         * answer generically. */
        rm_log(LOG_ERROR, "web: %s %s: %s (%d)", r->method, r->path, msg, rc);
        return api_error(r, 500, API_EINTERNAL, NULL, "internal error");
    }
}

bool api_json_depth_ok(const char *s, size_t len, int max)
{
    int depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++; /* skip the escaped character */
            else if (c == '"')
                in_str = false;
            continue;
        }
        if (c == '"') {
            in_str = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max)
                return false;
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return true;
}

int api_parse_body(const char *buf, size_t len, json_t **out, const char **code,
                   struct rm_err *err)
{
    const char *unused;
    if (!code)
        code = &unused;
    *out = NULL;
    *code = API_EINVALID_JSON;
    if (len == 0)
        return rm_err_set(err, RM_EINVAL, "a JSON object body is required");
    /* No JSON text holds a NUL byte, and jansson skips one after a number
     * ("{\"a\":1\0}" loads), so refuse it before parsing. */
    const char *nul = memchr(buf, '\0', len);
    if (nul)
        return rm_err_set(err, RM_EINVAL, "invalid JSON: a NUL byte at %zu",
                          (size_t)(nul - buf));
    if (!api_json_depth_ok(buf, len, API_MAX_DEPTH)) {
        *code = API_ETOO_DEEP;
        return rm_err_set(err, RM_ELIMIT, "JSON nested deeper than %d levels",
                          API_MAX_DEPTH);
    }
    json_error_t je;
    json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return rm_err_set(err, RM_EINVAL,
                          "invalid JSON at line %d, column %d: %s", je.line,
                          je.column, je.text);
    if (!json_is_object(j)) {
        json_decref(j);
        *code = API_EWRONG_TYPE;
        return rm_err_set(err, RM_EINVAL, "the body must be a JSON object");
    }
    *out = j;
    return 0;
}

int api_body(struct web_req *r, json_t **out)
{
    const char *code;
    struct rm_err err = {0};
    if (api_parse_body(r->body, r->body_len, out, &code, &err))
        return api_error(r, 400, code, NULL, "%s", err.msg);
    return 0;
}

int api_only_fields(struct web_req *r, json_t *obj, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        bool ok = false;
        for (size_t i = 0; allowed[i] && !ok; i++)
            ok = strcmp(allowed[i], key) == 0;
        if (!ok)
            return api_error(r, 400, API_EUNKNOWN, key, "unknown field '%s'",
                             key);
    }
    return 0;
}

/* lookup - the value of key; NULL when absent (or null and optional). */
static int lookup(struct web_req *r, json_t *obj, const char *key,
                  bool required, bool *present, json_t **v)
{
    *v = json_object_get(obj, key);
    if (present)
        *present = false;
    if (!*v || (json_is_null(*v) && !required)) {
        *v = NULL;
        if (required)
            return api_error(r, 400, API_EMISSING, key, "%s is required", key);
        return 0;
    }
    if (present)
        *present = true;
    return 0;
}

int api_get_str(struct web_req *r, json_t *obj, const char *key, bool required,
                size_t minlen, size_t maxlen, const char **out, bool *present)
{
    json_t *v;
    int rc = lookup(r, obj, key, required, present, &v);
    if (rc || !v)
        return rc;
    if (!json_is_string(v))
        return api_error(r, 400, API_EWRONG_TYPE, key, "%s: expected a string",
                         key);
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (strlen(s) != n)
        return api_error(r, 400, API_EINVALID, key,
                         "%s: contains a NUL character", key);
    if (n < minlen || n > maxlen)
        return api_error(r, 400, API_ERANGE, key,
                         "%s: length must be %zu..%zu bytes", key, minlen,
                         maxlen);
    *out = s;
    return 0;
}

int api_get_int(struct web_req *r, json_t *obj, const char *key, bool required,
                int64_t min, int64_t max, int64_t *out, bool *present)
{
    json_t *v;
    int rc = lookup(r, obj, key, required, present, &v);
    if (rc || !v)
        return rc;
    if (!json_is_integer(v))
        return api_error(r, 400, API_EWRONG_TYPE, key,
                         "%s: expected an integer", key);
    json_int_t n = json_integer_value(v);
    if (n < min || n > max)
        return api_error(r, 400, API_ERANGE, key,
                         "%s: must be between %lld and %lld", key,
                         (long long)min, (long long)max);
    *out = (int64_t)n;
    return 0;
}

int api_get_bool(struct web_req *r, json_t *obj, const char *key, bool required,
                 bool *out, bool *present)
{
    json_t *v;
    int rc = lookup(r, obj, key, required, present, &v);
    if (rc || !v)
        return rc;
    if (!json_is_boolean(v))
        return api_error(r, 400, API_EWRONG_TYPE, key,
                         "%s: expected true or false", key);
    *out = json_is_true(v);
    return 0;
}

bool api_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (!s || !*s)
        return false;
    const char *p = s;
    if (*p == '-')
        p++;
    if (*p < '0' || *p > '9')
        return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

int api_path_id(struct web_req *r, const char *name, int64_t *out)
{
    const char *s = web_param(r, name);
    if (!s || !api_parse_int64(s, 1, INT64_MAX, out))
        return api_error(r, 404, API_ENOTFOUND, NULL, "no such object");
    return 0;
}

static int query_int(struct web_req *r, const char *name, int64_t min,
                     int64_t max, int64_t *out, bool *present)
{
    const char *s = web_query(r, name);
    *present = s != NULL;
    if (!s)
        return 0;
    int64_t v;
    if (!api_parse_int64(s, INT64_MIN, INT64_MAX, &v))
        return api_error(r, 400, API_EWRONG_TYPE, name,
                         "%s: expected an integer", name);
    if (v < min || v > max)
        return api_error(r, 400, API_ERANGE, name,
                         "%s: must be between %lld and %lld", name,
                         (long long)min, (long long)max);
    *out = v;
    return 0;
}

int api_page_parse(struct web_req *r, struct api_page *p)
{
    memset(p, 0, sizeof(*p));
    p->limit = API_PAGE_DEFAULT;
    bool have;
    int rc = query_int(r, "limit", 1, API_PAGE_MAX, &p->limit, &have);
    if (rc == 0)
        rc = query_int(r, "offset", 0, API_OFFSET_MAX, &p->offset, &have);
    if (rc == 0)
        rc = query_int(r, "after", 0, INT64_MAX, &p->after, &p->has_after);
    if (rc)
        return rc;
    if (p->has_after)
        p->offset = 0;
    p->fetch = p->limit + 1;
    return 0;
}

int api_reply_page(struct web_req *r, const struct api_page *p, json_t *items)
{
    bool more = (int64_t)json_array_size(items) > p->limit;
    while ((int64_t)json_array_size(items) > p->limit)
        json_array_remove(items, json_array_size(items) - 1);
    json_t *page = json_pack("{s:I, s:I}", "limit", (json_int_t)p->limit,
                             "offset", (json_int_t)p->offset);
    json_t *next_off = json_null(), *next_after = json_null();
    if (more) {
        if (!p->has_after)
            next_off = json_integer(p->offset + p->limit);
        json_t *last = json_array_get(items, json_array_size(items) - 1);
        json_t *id = json_object_get(last, "id");
        if (json_is_integer(id))
            next_after = json_integer(json_integer_value(id));
    }
    json_object_set_new(page, "next_offset", next_off);
    json_object_set_new(page, "next_after", next_after);
    return web_reply_json(
        r, 200, json_pack("{s:o, s:o}", "items", items, "page", page));
}
