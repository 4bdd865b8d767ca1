/*
 * fuzz_xcp_parse - libFuzzer target for the OPS envelope parser.
 *
 * Input: arbitrary bytes, handed to one reused xcp_parser (the way the
 * client and opensrs-sim use it, so state left behind by a failed parse
 * is exercised too). When a document parses, every reader of the tree
 * runs over it and these properties must hold (abort otherwise):
 *   F1  parse(emit(tree)) succeeds and equals tree;
 *   F2  emit is a fixed point: emit(parse(emit(tree))) == emit(tree);
 *   F3  xcp_format_json writes valid JSON (jansson accepts it);
 *   F4  xcp_redact leaves the shape of a clone intact (same number of
 *       items at the top) and the redacted clone still round-trips.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "xcp/xcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct xcp_parser *parser;

static void fail(const char *what, const struct rm_err *err)
{
    fprintf(stderr, "fuzz_xcp_parse: property violated: %s%s%s\n", what,
            err ? ": " : "", err ? err->msg : "");
    abort();
}

/* roundtrip - F1/F2 for one tree; emitted is left holding emit(v). */
static void roundtrip(const struct xcp_value *v, struct buf *emitted)
{
    struct rm_err err = {0};
    struct xcp_msg again = {0};
    buf_reset(emitted);
    xcp_emit(v, emitted);
    /* Escaping can make the canonical form longer than the input; past
     * the body limit a refusal is the documented answer, not a bug. */
    if (emitted->len > XCP_MAX_BODY)
        return;
    if (xcp_parser_parse(parser, emitted->data, emitted->len, &again, &err))
        fail("emitted document does not parse", &err);
    if (!xcp_equal(v, again.data))
        fail("parse(emit(tree)) differs from tree", NULL);
    struct buf second;
    buf_init(&second);
    xcp_emit(again.data, &second);
    if (second.len != emitted->len ||
        memcmp(second.data, emitted->data, second.len) != 0)
        fail("emit is not a fixed point", NULL);
    buf_release(&second);
    xcp_msg_free(&again);
}

static void readers(const struct xcp_value *v)
{
    struct rm_err err = {0};
    struct xcp_request req;
    struct xcp_response resp;
    int64_t n;
    /* Both readers must answer 0 or an error for any tree; which one
     * depends on the input, so only crashes and sanitizer reports count. */
    if (xcp_request_read(v, &req, &err) == 0 && req.action[0] == '\0')
        fail("request_read accepted an empty action", NULL);
    if (xcp_response_read(v, &resp, &err) == 0 && !resp.text)
        fail("response_read left text NULL", NULL);
    (void)xcp_path_int(v, "response_code", &n, &err);
    (void)xcp_path_str(v, "attributes.registration expiration date");
    (void)xcp_path(v, "attributes.items[0].domain");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rm_err err = {0};
    struct xcp_msg msg = {0};
    if (!parser)
        parser = xcp_parser_new();
    if (xcp_parser_parse(parser, (const char *)data, size, &msg, &err)) {
        if (err.code >= 0 || err.msg[0] == '\0')
            fail("a refusal without an error code and message", &err);
        return 0;
    }
    if (!msg.data)
        fail("success without a data_block value", NULL);

    readers(msg.data);

    struct buf out;
    buf_init(&out);
    roundtrip(msg.data, &out);

    buf_reset(&out);
    xcp_format_json(msg.data, &out);
    json_error_t jerr;
    json_t *j = json_loadb(out.data, out.len, JSON_DECODE_ANY, &jerr);
    if (!j) {
        fprintf(stderr, "json: %s at %d:%d\n%s\n", jerr.text, jerr.line,
                jerr.column, out.data);
        fail("xcp_format_json wrote invalid JSON", NULL);
    }
    json_decref(j);

    buf_reset(&out);
    xcp_format_tree(msg.data, &out);

    struct xcp_value *c = xcp_clone(msg.data);
    if (!xcp_equal(c, msg.data))
        fail("clone differs from its original", NULL);
    xcp_redact(c);
    if (xcp_type(c) != xcp_type(msg.data) || xcp_len(c) != xcp_len(msg.data))
        fail("redact changed the shape of the tree", NULL);
    roundtrip(c, &out);
    xcp_free(c);

    char sig[33];
    xcp_sign(data, size, "0123456789abcdef", sig);
    if (strlen(sig) != 32)
        fail("signature is not 32 hex digits", NULL);

    buf_release(&out);
    xcp_msg_free(&msg);
    return 0;
}
