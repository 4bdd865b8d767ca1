/*
 * xcp - the OpenSRS OPS envelope codec: value tree, parser, emitter,
 * request/response helpers and the X-Signature. Pure: no I/O, no globals
 * besides a lazily fetched EVP_MD.
 *
 * The value tree has three kinds of node (shared/opensrs-xcp.md §3):
 *   XCP_SCALAR  a byte string (UTF-8 text; may be empty)
 *   XCP_ASSOC   ordered (key, value) items       <dt_assoc>
 *   XCP_ARRAY   values indexed 0..n-1            <dt_array>
 *
 * Ownership: a node owns its children. Every *_new returns a node the
 * caller owns; xcp_assoc_set / xcp_array_push take ownership of the child
 * passed in. Readers return borrowed pointers valid until the owning tree
 * is changed or freed.
 */
#ifndef RM_XCP_XCP_H
#define RM_XCP_XCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

/* Limits enforced by the parser (issue "Speak OpenSRS"). */
#define XCP_MAX_BODY (8u * 1024u * 1024u)
#define XCP_MAX_DEPTH 32
#define XCP_MAX_ITEMS 100000
#define XCP_MAX_KEY 256

enum xcp_type { XCP_SCALAR, XCP_ASSOC, XCP_ARRAY };

struct xcp_value;

/* --- building --------------------------------------------------------- */

struct xcp_value *xcp_scalar_new(const char *s);
struct xcp_value *xcp_scalar_newn(const char *s, size_t len);
struct xcp_value *xcp_scalar_newf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
struct xcp_value *xcp_int_new(int64_t n);
struct xcp_value *xcp_assoc_new(void);
struct xcp_value *xcp_array_new(void);
struct xcp_value *xcp_clone(const struct xcp_value *v);
void xcp_free(struct xcp_value *v);

/* xcp_assoc_set - set key to val (owned), replacing an existing item of
 * that key in place. Returns val for chaining. */
struct xcp_value *xcp_assoc_set(struct xcp_value *assoc, const char *key,
                                struct xcp_value *val);
/* xcp_assoc_set_str / _int - shorthands for scalar items. */
void xcp_assoc_set_str(struct xcp_value *assoc, const char *key, const char *s);
void xcp_assoc_set_int(struct xcp_value *assoc, const char *key, int64_t n);
/* xcp_assoc_del - remove key if present; returns true if it was. */
bool xcp_assoc_del(struct xcp_value *assoc, const char *key);
/* xcp_array_push - append val (owned) at index xcp_len(arr). */
struct xcp_value *xcp_array_push(struct xcp_value *arr, struct xcp_value *val);

/* --- reading ---------------------------------------------------------- */

enum xcp_type xcp_type(const struct xcp_value *v);
/* xcp_len - number of items of an assoc/array; byte length of a scalar. */
size_t xcp_len(const struct xcp_value *v);
/* xcp_str - text of a scalar (NUL-terminated), NULL for other kinds. */
const char *xcp_str(const struct xcp_value *v);
/* xcp_assoc_get - value of key, or NULL if absent or v is not an assoc. */
const struct xcp_value *xcp_assoc_get(const struct xcp_value *v,
                                      const char *key);
/* xcp_array_get - element i, or NULL. */
const struct xcp_value *xcp_array_get(const struct xcp_value *v, size_t i);
/* xcp_item_key / xcp_item_value - the i-th item of an assoc or array in
 * order (for arrays the key is the decimal index). */
const char *xcp_item_key(const struct xcp_value *v, size_t i);
const struct xcp_value *xcp_item_value(const struct xcp_value *v, size_t i);

/*
 * xcp_path - follow a path from v: dot-separated assoc keys and [n] array
 * indexes, e.g. "attributes.contact_set.owner.first_name" or
 * "attributes.exp_domains[3].name". Keys may contain spaces
 * ("attributes.registration expiration date"). NULL if any step is
 * missing or of the wrong kind.
 */
const struct xcp_value *xcp_path(const struct xcp_value *v, const char *path);
/* xcp_path_str - scalar text at path, or NULL (missing or not a scalar). */
const char *xcp_path_str(const struct xcp_value *v, const char *path);
/* xcp_path_int - parse the scalar at path as a decimal int64. Returns 0,
 * RM_ENOTFOUND when absent, RM_EINVAL when present but not an integer
 * (the message names the path and the offending text). */
int xcp_path_int(const struct xcp_value *v, const char *path, int64_t *out,
                 struct rm_err *err);
/*
 * xcp_path_set - create or replace the node at path in the tree rooted at
 * root (an assoc), creating intermediate assocs for keys and arrays for
 * [n] (an index may be at most the current length: arrays stay dense).
 * Takes ownership of val. Returns 0 or RM_EINVAL when an existing node on
 * the way has the wrong kind or the index leaves a hole.
 */
int xcp_path_set(struct xcp_value *root, const char *path,
                 struct xcp_value *val, struct rm_err *err);

bool xcp_equal(const struct xcp_value *a, const struct xcp_value *b);

/* --- parsing ---------------------------------------------------------- */

/* A parsed OPS document. header fields are NULL when absent. */
struct xcp_msg {
    char *version;
    char *msg_id;
    char *msg_type;
    struct xcp_value *data; /* the single child of <data_block> */
};

void xcp_msg_free(struct xcp_msg *m);

/*
 * A reusable parser (an expat parser reset between documents). Not
 * thread-safe: one per thread.
 */
struct xcp_parser;
struct xcp_parser *xcp_parser_new(void);
void xcp_parser_free(struct xcp_parser *p);
/*
 * xcp_parser_parse - parse one complete OPS document of len bytes.
 * Accepts either quote style, with or without XML declaration and DOCTYPE,
 * msg_id/msg_type, any header version, dt_scalar/dt_scalarref-wrapped
 * scalars, empty items, keys with spaces. Rejects: bodies over
 * XCP_MAX_BODY, nesting deeper than XCP_MAX_DEPTH, more than XCP_MAX_ITEMS
 * items, keys longer than XCP_MAX_KEY, internal DTD subsets, entity
 * declarations, undefined or external entities, dt_array keys that are not
 * indexes 0..n-1 (in any order), unknown elements, text mixed with
 * structure. On error *out is untouched and err says what and where
 * ("line L, column C: ...").
 */
int xcp_parser_parse(struct xcp_parser *p, const char *buf, size_t len,
                     struct xcp_msg *out, struct rm_err *err);
/* xcp_parse - one-shot convenience wrapper around a fresh parser. */
int xcp_parse(const char *buf, size_t len, struct xcp_msg *out,
              struct rm_err *err);

/* --- emitting --------------------------------------------------------- */

/*
 * xcp_emit - append the canonical OPS document for data_block content
 * `data` to out: the §3.2 preamble (single quotes) and DOCTYPE, header
 * version 0.9, scalars directly inside <item>, dt_array keys 0..n-1,
 * text escaped (& < > " '), keys escaped likewise, one element per line.
 */
void xcp_emit(const struct xcp_value *data, struct buf *out);

/* --- requests and responses ------------------------------------------ */

/* xcp_request_new - {protocol XCP, action, object, attributes} where
 * attributes (owned, may be NULL = empty assoc). */
struct xcp_value *xcp_request_new(const char *action, const char *object,
                                  struct xcp_value *attributes);
/* xcp_request_attrs - the request's attributes assoc (created if absent). */
struct xcp_value *xcp_request_attrs(struct xcp_value *req);

/* A request as a server sees it; strings borrowed from the tree. action
 * and object are upper-cased copies held inside the struct. */
struct xcp_request {
    char action[64];
    char object[64];
    const char *protocol;          /* NULL if absent */
    const char *cookie;            /* NULL if absent */
    const char *registrant_ip;     /* NULL if absent */
    const struct xcp_value *attrs; /* NULL if absent */
};
/* xcp_request_read - validate and read a request tree (data must be an
 * assoc with a scalar action; object optional). */
int xcp_request_read(const struct xcp_value *data, struct xcp_request *r,
                     struct rm_err *err);

/* xcp_response_new - {protocol XCP, action REPLY, object, is_success,
 * response_code, response_text, attributes (owned; omitted if NULL)}. */
struct xcp_value *xcp_response_new(const char *object, bool is_success,
                                   int code, const char *text,
                                   struct xcp_value *attributes);

/* A response as a client sees it; pointers borrowed from the tree. */
struct xcp_response {
    bool is_success;
    int code;                      /* response_code */
    const char *text;              /* response_text, "" if absent */
    const char *object;            /* NULL if absent */
    const struct xcp_value *attrs; /* NULL if absent */
};
/* xcp_response_read - validate and read a response tree: data must be an
 * assoc; is_success must be 0 or 1, response_code an integer, attributes
 * (when present) an assoc. */
int xcp_response_read(const struct xcp_value *data, struct xcp_response *r,
                      struct rm_err *err);

/* --- signature -------------------------------------------------------- */

/* xcp_sign - X-Signature = md5_hex(md5_hex(body || key) || key), lowercase
 * hex, into out[33] (NUL-terminated). key is the ASCII key text. */
void xcp_sign(const void *body, size_t len, const char *key, char out[33]);
/* xcp_sign_check - constant-time comparison of sig (as received) with the
 * signature of body under key. */
bool xcp_sign_check(const void *body, size_t len, const char *key,
                    const char *sig);
/* xcp_md5_hex - md5 of data as 32 lowercase hex chars into out[33]. */
void xcp_md5_hex(const void *data, size_t len, char out[33]);

/* --- presentation ----------------------------------------------------- */

/* xcp_format_tree - indented human-readable tree ("key: value" lines). */
void xcp_format_tree(const struct xcp_value *v, struct buf *out);
/* xcp_format_json - JSON: assoc → object, array → array, scalar → string. */
void xcp_format_json(const struct xcp_value *v, struct buf *out);
/* xcp_redact - replace the values of secret keys anywhere in the tree
 * (key, private_key, reg_password, password, auth_info, auth_code) with
 * "[redacted]". */
void xcp_redact(struct xcp_value *v);

#endif
