/*
 * test_xcp_parse - the parser accepts what real peers send
 * (shared/opensrs-xcp.md §1.7, §3.3) and refuses what it must.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/buf.h"
#include "util/xalloc.h"
#include "xcp/xcp.h"

#define PRE_SQ                                                                 \
    "<?xml version='1.0' encoding='UTF-8' standalone='no' ?>\n"                \
    "<!DOCTYPE OPS_envelope SYSTEM 'ops.dtd'>\n"
#define PRE_DQ                                                                 \
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\" ?>\n"          \
    "<!DOCTYPE OPS_envelope SYSTEM \"ops.dtd\">\n"
#define HDR "<OPS_envelope><header><version>0.9</version></header><body>"
#define END "</body></OPS_envelope>"
#define DB(x) HDR "<data_block>" x "</data_block>" END

static struct xcp_msg parse_ok(const char *doc)
{
    struct xcp_msg m;
    struct rm_err err;
    rm_err_clear(&err);
    int rc = xcp_parse(doc, strlen(doc), &m, &err);
    if (rc)
        fail_msg("parse failed: %s\ndoc: %s", err.msg, doc);
    return m;
}

static void parse_fails(const char *doc, size_t len, int code,
                        const char *needle)
{
    struct xcp_msg m;
    struct rm_err err;
    rm_err_clear(&err);
    int rc = xcp_parse(doc, len, &m, &err);
    if (rc == 0)
        fail_msg("parse unexpectedly succeeded: %.200s", doc);
    assert_int_equal(rc, code);
    if (!strstr(err.msg, needle))
        fail_msg("error \"%s\" does not mention \"%s\"", err.msg, needle);
}

/* Table of accepted documents and one fact each must yield. */
struct accept_case {
    const char *name;
    const char *doc;
    const char *path;
    const char *want;
};

static const struct accept_case accepts[] = {
    {"single-quoted preamble and DOCTYPE",
     PRE_SQ DB("<dt_assoc><item key='action'>LOOKUP</item></dt_assoc>"),
     "action", "LOOKUP"},
    {"double-quoted preamble and DOCTYPE",
     PRE_DQ DB("<dt_assoc><item key=\"action\">LOOKUP</item></dt_assoc>"),
     "action", "LOOKUP"},
    {"no XML declaration, no DOCTYPE (Ruby gem)",
     DB("<dt_assoc><item key=\"a\">1</item></dt_assoc>"), "a", "1"},
    {"bare XML declaration without encoding",
     "<?xml version=\"1.0\"?>" DB("<dt_assoc><item key=\"a\">x</item>"
                                  "</dt_assoc>"),
     "a", "x"},
    {"msg_id and msg_type in header (PHP toolkit)",
     "<OPS_envelope><header><version>0.9</version><msg_id>2.21765911726198"
     "</msg_id><msg_type>standard</msg_type></header><body><data_block>"
     "<dt_assoc><item key=\"a\">b</item></dt_assoc></data_block>" END,
     "a", "b"},
    {"header version 1.0 accepted",
     "<OPS_envelope><header><version>1.0</version></header><body>"
     "<data_block><dt_assoc><item key=\"a\">b</item></dt_assoc>"
     "</data_block>" END,
     "a", "b"},
    {"no header at all",
     "<OPS_envelope><body><data_block><dt_assoc><item key=\"a\">b</item>"
     "</dt_assoc></data_block></body></OPS_envelope>",
     "a", "b"},
    {"dt_scalar-wrapped scalar inside item",
     DB("<dt_assoc><item key=\"a\"><dt_scalar>wrapped</dt_scalar></item>"
        "</dt_assoc>"),
     "a", "wrapped"},
    {"dt_scalarref-wrapped scalar inside item",
     DB("<dt_assoc><item key=\"a\"><dt_scalarref>ref</dt_scalarref></item>"
        "</dt_assoc>"),
     "a", "ref"},
    {"self-closing empty item",
     DB("<dt_assoc><item key=\"error\"/></dt_assoc>"), "error", ""},
    {"open-close empty item",
     DB("<dt_assoc><item key=\"permission\"></item></dt_assoc>"), "permission",
     ""},
    {"key with spaces (RENEW)",
     DB("<dt_assoc><item key=\"attributes\"><dt_assoc><item key=\"registration"
        " expiration date\">2027-01-02 03:04:05</item></dt_assoc></item>"
        "</dt_assoc>"),
     "attributes.registration expiration date", "2027-01-02 03:04:05"},
    {"escaped text decoded",
     DB("<dt_assoc><item key=\"t\">a &amp; b &lt;c&gt; &quot;d&quot; "
        "&apos;e&apos;</item></dt_assoc>"),
     "t", "a & b <c> \"d\" 'e'"},
    {"numeric character references decoded",
     DB("<dt_assoc><item key=\"t\">&#65;&#x42;</item></dt_assoc>"), "t", "AB"},
    {"CDATA text kept",
     DB("<dt_assoc><item key=\"t\"><![CDATA[<x&y>]]></item></dt_assoc>"), "t",
     "<x&y>"},
    {"multi-line response_text kept verbatim",
     DB("<dt_assoc><item key=\"response_text\">line one\nline two"
        "</item></dt_assoc>"),
     "response_text", "line one\nline two"},
    {"whitespace inside scalars preserved",
     DB("<dt_assoc><item key=\"t\">  padded  </item></dt_assoc>"), "t",
     "  padded  "},
    {"pretty-printed nesting with whitespace between elements",
     DB("\n  <dt_assoc>\n    <item key=\"a\">\n      <dt_assoc>\n        "
        "<item key=\"b\">c</item>\n      </dt_assoc>\n    </item>\n  "
        "</dt_assoc>\n"),
     "a.b", "c"},
    {"dt_array keys out of order are placed by index",
     DB("<dt_assoc><item key=\"l\"><dt_array><item key=\"1\">one</item>"
        "<item key=\"0\">zero</item></dt_array></item></dt_assoc>"),
     "l[0]", "zero"},
    {"dt_array with 12 items: key 10 after 9 (numeric, not string order)",
     DB("<dt_assoc><item key=\"l\"><dt_array>"
        "<item key=\"10\">ten</item><item key=\"2\">two</item>"
        "<item key=\"0\">0</item><item key=\"1\">1</item>"
        "<item key=\"3\">3</item><item key=\"4\">4</item>"
        "<item key=\"5\">5</item><item key=\"6\">6</item>"
        "<item key=\"7\">7</item><item key=\"8\">8</item>"
        "<item key=\"9\">9</item><item key=\"11\">eleven</item>"
        "</dt_array></item></dt_assoc>"),
     "l[10]", "ten"},
    {"array of assocs (nameserver_list)",
     DB("<dt_assoc><item key=\"nameserver_list\"><dt_array><item key=\"0\">"
        "<dt_assoc><item key=\"name\">ns1.example.net</item><item key="
        "\"sortorder\">1</item></dt_assoc></item></dt_array></item>"
        "</dt_assoc>"),
     "nameserver_list[0].name", "ns1.example.net"},
    {"top-level dt_scalar in data_block",
     DB("<dt_scalar>just text</dt_scalar>"), "", "just text"},
    {"comments and processing instructions ignored",
     DB("<!-- c --><dt_assoc><?pi x?><item key=\"a\">b</item></dt_assoc>"), "a",
     "b"},
    {"ISO-8859-1 declared encoding converted to UTF-8",
     "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" DB(
         "<dt_assoc><item key=\"n\">M\xfcller</item></dt_assoc>"),
     "n", "M\xc3\xbcller"},
    {"UTF-8 text passes through",
     DB("<dt_assoc><item key=\"n\">\xe4\xbe\x8b\xe3\x81\x88</item>"
        "</dt_assoc>"),
     "n", "\xe4\xbe\x8b\xe3\x81\x88"},
    {"item with class attribute",
     DB("<dt_assoc><item key=\"a\" class=\"x\">b</item></dt_assoc>"), "a", "b"},
};

static void test_accepts_what_peers_send(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(accepts) / sizeof(*accepts); i++) {
        const struct accept_case *c = &accepts[i];
        struct xcp_msg m = parse_ok(c->doc);
        const char *got =
            *c->path ? xcp_path_str(m.data, c->path) : xcp_str(m.data);
        if (!got || strcmp(got, c->want) != 0)
            fail_msg("%s: %s = \"%s\", want \"%s\"", c->name, c->path,
                     got ? got : "(null)", c->want);
        xcp_msg_free(&m);
    }
}

static void test_header_fields_read(void **state)
{
    (void)state;
    struct xcp_msg m = parse_ok(
        "<OPS_envelope><header><version>1.0</version><msg_id>42</msg_id>"
        "<msg_type>standard</msg_type></header><body><data_block>"
        "<dt_assoc/></data_block></body></OPS_envelope>");
    assert_string_equal(m.version, "1.0");
    assert_string_equal(m.msg_id, "42");
    assert_string_equal(m.msg_type, "standard");
    assert_int_equal(xcp_type(m.data), XCP_ASSOC);
    assert_int_equal(xcp_len(m.data), 0);
    xcp_msg_free(&m);
}

struct reject_case {
    const char *name;
    const char *doc;
    int code;
    const char *needle;
};

static const struct reject_case rejects[] = {
    {"not XML", "hello", RM_EINVAL, "line 1"},
    {"empty input", "", RM_EINVAL, "line 1"},
    {"truncated document", HDR "<data_block><dt_assoc><item key=\"a\">b",
     RM_EINVAL, "line 1"},
    {"wrong root", "<foo/>", RM_EINVAL, "not <OPS_envelope>"},
    {"internal DTD subset",
     "<!DOCTYPE OPS_envelope [ <!ELEMENT x ANY> ]>" DB("<dt_assoc/>"),
     RM_EINVAL, "internal DTD subset"},
    {"entity declaration (billion laughs)",
     "<!DOCTYPE OPS_envelope [<!ENTITY a \"aaaa\"><!ENTITY b "
     "\"&a;&a;&a;&a;\">]>" DB("<dt_assoc><item key=\"x\">&b;</item>"
                              "</dt_assoc>"),
     RM_EINVAL, "refused"},
    {"external entity (XXE)",
     "<!DOCTYPE OPS_envelope [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>" DB(
         "<dt_assoc><item key=\"x\">&x;</item></dt_assoc>"),
     RM_EINVAL, "refused"},
    {"undefined entity with external DTD",
     PRE_SQ DB("<dt_assoc><item key=\"x\">&nbsp;</item></dt_assoc>"), RM_EINVAL,
     "undefined entity"},
    {"item without key", DB("<dt_assoc><item>x</item></dt_assoc>"), RM_EINVAL,
     "without a key"},
    {"non-index dt_array key",
     DB("<dt_array><item key=\"a\">x</item></dt_array>"), RM_EINVAL,
     "not an index"},
    {"dt_array with a hole",
     DB("<dt_array><item key=\"0\">x</item><item key=\"2\">y</item>"
        "</dt_array>"),
     RM_EINVAL, "not 0..1"},
    {"dt_array duplicate index",
     DB("<dt_array><item key=\"0\">x</item><item key=\"0\">y</item>"
        "</dt_array>"),
     RM_EINVAL, "not 0..1"},
    {"dt_array leading-zero index",
     DB("<dt_array><item key=\"01\">x</item></dt_array>"), RM_EINVAL,
     "not an index"},
    {"unknown element in body", HDR "<junk/>" END, RM_EINVAL,
     "unexpected <junk>"},
    {"text mixed with structure",
     DB("<dt_assoc><item key=\"a\">text<dt_assoc/></item></dt_assoc>"),
     RM_EINVAL, "mixes text"},
    {"text after structure in item",
     DB("<dt_assoc><item key=\"a\"><dt_assoc/>tail</item></dt_assoc>"),
     RM_EINVAL, "mixes text"},
    {"two values in data_block", DB("<dt_assoc/><dt_assoc/>"), RM_EINVAL,
     "more than one value"},
    {"two values in one item",
     DB("<dt_assoc><item key=\"a\"><dt_assoc/><dt_array/></item>"
        "</dt_assoc>"),
     RM_EINVAL, "two values"},
    {"empty data_block", HDR "<data_block></data_block>" END, RM_EINVAL,
     "empty"},
    {"no body", "<OPS_envelope><header/></OPS_envelope>", RM_EINVAL,
     "no <body>"},
    {"stray text in dt_assoc", DB("<dt_assoc>oops</dt_assoc>"), RM_EINVAL,
     "unexpected text"},
    {"element inside a scalar",
     DB("<dt_assoc><item key=\"a\"><dt_scalar><b/></dt_scalar></item>"
        "</dt_assoc>"),
     RM_EINVAL, "inside a text element"},
    {"mismatched tags", HDR "<data_block><dt_assoc></dt_array>" END, RM_EINVAL,
     "mismatched tag"},
};

static void test_rejects_bad_documents_with_location(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rejects) / sizeof(*rejects); i++) {
        const struct reject_case *c = &rejects[i];
        struct xcp_msg m;
        struct rm_err err;
        rm_err_clear(&err);
        int rc = xcp_parse(c->doc, strlen(c->doc), &m, &err);
        if (rc == 0)
            fail_msg("%s: accepted", c->name);
        if (rc != c->code)
            fail_msg("%s: code %d, want %d (%s)", c->name, rc, c->code,
                     err.msg);
        if (!strstr(err.msg, c->needle))
            fail_msg("%s: error \"%s\" lacks \"%s\"", c->name, err.msg,
                     c->needle);
        if (strcmp(c->doc, "") != 0 && !strstr(err.msg, "line ") &&
            !strstr(err.msg, "no <OPS_envelope>"))
            fail_msg("%s: error \"%s\" has no location", c->name, err.msg);
    }
}

static void test_error_names_line_and_column(void **state)
{
    (void)state;
    const char *doc = "<OPS_envelope>\n<body>\n<data_block>\n  <bogus/>\n";
    struct xcp_msg m;
    struct rm_err err;
    assert_int_not_equal(xcp_parse(doc, strlen(doc), &m, &err), 0);
    assert_non_null(strstr(err.msg, "line 4, column 3"));
}

static char *nested(int depth)
{
    struct buf b;
    buf_init(&b);
    buf_adds(&b, HDR "<data_block>");
    for (int i = 0; i < depth; i++)
        buf_adds(&b, "<dt_assoc><item key=\"k\">");
    buf_adds(&b, "x");
    for (int i = 0; i < depth; i++)
        buf_adds(&b, "</item></dt_assoc>");
    buf_adds(&b, "</data_block>" END);
    return buf_detach(&b, NULL);
}

static void test_depth_limit(void **state)
{
    (void)state;
    /* envelope, body, data_block = 3 levels; each assoc+item = 2 */
    char *ok = nested((XCP_MAX_DEPTH - 3) / 2);
    struct xcp_msg m = parse_ok(ok);
    xcp_msg_free(&m);
    free(ok);
    char *deep = nested(XCP_MAX_DEPTH);
    parse_fails(deep, strlen(deep), RM_ELIMIT, "nesting deeper than 32");
    free(deep);
    char *very = nested(100000);
    parse_fails(very, strlen(very), RM_ELIMIT, "nesting deeper");
    free(very);
}

static char *many_items(size_t n)
{
    struct buf b;
    buf_init(&b);
    buf_adds(&b, HDR "<data_block><dt_array>");
    for (size_t i = 0; i < n; i++)
        buf_addf(&b, "<item key=\"%zu\"/>", i);
    buf_adds(&b, "</dt_array></data_block>" END);
    return buf_detach(&b, NULL);
}

static void test_item_count_limit(void **state)
{
    (void)state;
    char *ok = many_items(XCP_MAX_ITEMS);
    struct xcp_msg m = parse_ok(ok);
    assert_int_equal(xcp_len(m.data), XCP_MAX_ITEMS);
    assert_string_equal(xcp_str(xcp_array_get(m.data, 99999)), "");
    xcp_msg_free(&m);
    free(ok);
    char *bad = many_items(XCP_MAX_ITEMS + 1);
    parse_fails(bad, strlen(bad), RM_ELIMIT, "more than 100000 items");
    free(bad);
}

static void test_key_length_limit(void **state)
{
    (void)state;
    char key[XCP_MAX_KEY + 2];
    char doc[1024];
    memset(key, 'k', XCP_MAX_KEY);
    key[XCP_MAX_KEY] = '\0';
    snprintf(doc, sizeof(doc),
             DB("<dt_assoc><item key=\"%s\">v</item>"
                "</dt_assoc>"),
             key);
    struct xcp_msg m = parse_ok(doc);
    assert_string_equal(xcp_str(xcp_assoc_get(m.data, key)), "v");
    xcp_msg_free(&m);
    key[XCP_MAX_KEY] = 'k';
    key[XCP_MAX_KEY + 1] = '\0';
    snprintf(doc, sizeof(doc),
             DB("<dt_assoc><item key=\"%s\">v</item>"
                "</dt_assoc>"),
             key);
    parse_fails(doc, strlen(doc), RM_ELIMIT, "longer than 256");
}

static void test_body_size_limit(void **state)
{
    (void)state;
    size_t n = XCP_MAX_BODY + 1;
    char *big = xmalloc(n);
    memset(big, ' ', n);
    parse_fails(big, n, RM_ELIMIT, "exceeds");
    free(big);
}

static void test_parser_reuse_after_error(void **state)
{
    (void)state;
    struct xcp_parser *p = xcp_parser_new();
    struct xcp_msg m;
    struct rm_err err;
    const char *bad = DB("<dt_assoc><item key=\"a\"><dt_assoc>");
    const char *good = DB("<dt_assoc><item key=\"a\">b</item></dt_assoc>");
    for (int i = 0; i < 50; i++) {
        assert_int_not_equal(xcp_parser_parse(p, bad, strlen(bad), &m, &err),
                             0);
        assert_int_equal(xcp_parser_parse(p, good, strlen(good), &m, &err), 0);
        assert_string_equal(xcp_path_str(m.data, "a"), "b");
        xcp_msg_free(&m);
    }
    xcp_parser_free(p);
}

static void test_truncations_never_crash(void **state)
{
    (void)state;
    /* every prefix of a real response is either an error or (the whole
     * document) a success */
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "id", "1000123");
    struct xcp_value *l = xcp_assoc_set(a, "cancelled_orders", xcp_array_new());
    xcp_array_push(l, xcp_scalar_new("1000100"));
    struct xcp_value *r =
        xcp_response_new("DOMAIN", true, 200, "Registration successful", a);
    struct buf b;
    buf_init(&b);
    xcp_emit(r, &b);
    struct xcp_parser *p = xcp_parser_new();
    size_t end = (size_t)(strstr(b.data, "</OPS_envelope>") - b.data) + 15;
    for (size_t n = 0; n < end; n++) {
        struct xcp_msg m;
        struct rm_err err;
        int rc = xcp_parser_parse(p, b.data, n, &m, &err);
        if (rc == 0)
            fail_msg("prefix of %zu/%zu bytes parsed", n, b.len);
    }
    struct xcp_msg m;
    assert_int_equal(xcp_parser_parse(p, b.data, b.len, &m, NULL), 0);
    assert_true(xcp_equal(m.data, r));
    xcp_msg_free(&m);
    xcp_parser_free(p);
    buf_release(&b);
    xcp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts_what_peers_send),
        cmocka_unit_test(test_header_fields_read),
        cmocka_unit_test(test_rejects_bad_documents_with_location),
        cmocka_unit_test(test_error_names_line_and_column),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_item_count_limit),
        cmocka_unit_test(test_key_length_limit),
        cmocka_unit_test(test_body_size_limit),
        cmocka_unit_test(test_parser_reuse_after_error),
        cmocka_unit_test(test_truncations_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
