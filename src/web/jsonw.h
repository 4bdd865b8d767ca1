/*
 * jsonw - the text of a JSON reply: exactly what json_dumps(j,
 * JSON_COMPACT) returns, written faster.
 *
 * json_dumps builds a hash table of the containers it writes (to detect
 * loops) and formats every integer with snprintf: that was about a fifth
 * of the instructions of a GET /api/v1/domains/{name} (docs/bench.md,
 * bench/http). This writer walks the tree itself and leaves to json_dumps
 * whatever it does not reproduce byte for byte: reals (jansson's own
 * number format), strings that are not valid UTF-8, and nesting deeper
 * than JSON_FAST_DEPTH (where jansson also detects a container inside
 * itself). tests/unit/web/test_jsonw.c and the fuzz target fuzz_json
 * compare the two on generated and fuzzed documents.
 */
#ifndef RM_WEB_JSONW_H
#define RM_WEB_JSONW_H

#include <jansson.h>
#include <stddef.h>

/* web_json_dump - j's compact text (malloc'd, NUL-terminated, its length
 * in *len), or NULL where json_dumps fails. The caller frees it. */
char *web_json_dump(const json_t *j, size_t *len);

#endif
