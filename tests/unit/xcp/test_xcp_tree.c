/*
 * test_xcp_tree - value tree API, paths, canonical emitter, request and
 * response helpers, signature, presentation and redaction.
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
#include "xcp/xcp.h"

static void test_assoc_set_replaces_in_place(void **state)
{
    (void)state;
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "x", "1");
    xcp_assoc_set_str(a, "y", "2");
    xcp_assoc_set_str(a, "x", "3");
    assert_int_equal(xcp_len(a), 2);
    assert_string_equal(xcp_item_key(a, 0), "x");
    assert_string_equal(xcp_str(xcp_item_value(a, 0)), "3");
    assert_true(xcp_assoc_del(a, "x"));
    assert_false(xcp_assoc_del(a, "x"));
    assert_int_equal(xcp_len(a), 1);
    assert_null(xcp_assoc_get(a, "x"));
    xcp_free(a);
}

static void test_array_keys_are_indexes(void **state)
{
    (void)state;
    struct xcp_value *l = xcp_array_new();
    for (int i = 0; i < 12; i++)
        xcp_array_push(l, xcp_int_new(i * 10));
    assert_int_equal(xcp_len(l), 12);
    assert_string_equal(xcp_item_key(l, 11), "11");
    assert_string_equal(xcp_str(xcp_array_get(l, 11)), "110");
    assert_null(xcp_array_get(l, 12));
    xcp_free(l);
}

static void test_wrong_kind_reads_are_null(void **state)
{
    (void)state;
    struct xcp_value *s = xcp_scalar_new("text");
    assert_null(xcp_assoc_get(s, "a"));
    assert_null(xcp_array_get(s, 0));
    assert_null(xcp_item_key(s, 0));
    struct xcp_value *a = xcp_assoc_new();
    assert_null(xcp_str(a));
    assert_null(xcp_array_get(a, 0));
    xcp_free(s);
    xcp_free(a);
}

static void test_paths(void **state)
{
    (void)state;
    struct xcp_value *root = xcp_assoc_new();
    struct rm_err err;
    assert_int_equal(xcp_path_set(root,
                                  "attributes.contact_set.owner.first_name",
                                  xcp_scalar_new("Ada"), &err),
                     0);
    assert_int_equal(xcp_path_set(root, "attributes.nameserver_list[0].name",
                                  xcp_scalar_new("ns1.example.net"), &err),
                     0);
    assert_int_equal(xcp_path_set(root, "attributes.nameserver_list[1].name",
                                  xcp_scalar_new("ns2.example.net"), &err),
                     0);
    assert_int_equal(xcp_path_set(root,
                                  "attributes.registration expiration "
                                  "date",
                                  xcp_scalar_new("2030-01-01 00:00:00"), &err),
                     0);
    assert_string_equal(
        xcp_path_str(root, "attributes.contact_set.owner.first_name"), "Ada");
    assert_string_equal(
        xcp_path_str(root, "attributes.nameserver_list[1].name"),
        "ns2.example.net");
    assert_string_equal(
        xcp_path_str(root, "attributes.registration expiration date"),
        "2030-01-01 00:00:00");
    /* a hole in an array is refused, a wrong kind is refused */
    assert_int_equal(xcp_path_set(root, "attributes.nameserver_list[5].name",
                                  xcp_scalar_new("x"), &err),
                     RM_EINVAL);
    assert_non_null(strstr(err.msg, "hole"));
    assert_int_equal(xcp_path_set(root, "attributes.contact_set[0]",
                                  xcp_scalar_new("x"), &err),
                     RM_EINVAL);
    assert_int_equal(xcp_path_set(root, "a..b", xcp_scalar_new("x"), &err),
                     RM_EINVAL);
    assert_null(xcp_path(root, "attributes.missing.x"));
    assert_null(xcp_path(root, "attributes.nameserver_list[x]"));
    assert_null(xcp_path_str(root, "attributes.contact_set"));
    int64_t n;
    xcp_path_set(root, "n", xcp_scalar_new(" 42 "), &err);
    assert_int_equal(xcp_path_int(root, "n", &n, &err), 0);
    assert_int_equal(n, 42);
    xcp_path_set(root, "bad", xcp_scalar_new("4x2"), &err);
    assert_int_equal(xcp_path_int(root, "bad", &n, &err), RM_EINVAL);
    assert_non_null(strstr(err.msg, "not an integer"));
    assert_int_equal(xcp_path_int(root, "absent", &n, &err), RM_ENOTFOUND);
    assert_int_equal(xcp_path_int(root, "attributes", &n, &err), RM_EINVAL);
    assert_non_null(strstr(err.msg, "expected a number"));
    xcp_free(root);
}

static const char canonical_lookup[] =
    "<?xml version='1.0' encoding='UTF-8' standalone='no' ?>\n"
    "<!DOCTYPE OPS_envelope SYSTEM 'ops.dtd'>\n"
    "<OPS_envelope>\n"
    "<header>\n"
    "<version>0.9</version>\n"
    "</header>\n"
    "<body>\n"
    "<data_block>\n"
    "<dt_assoc>\n"
    "<item key=\"protocol\">XCP</item>\n"
    "<item key=\"action\">LOOKUP</item>\n"
    "<item key=\"object\">DOMAIN</item>\n"
    "<item key=\"attributes\">\n"
    "<dt_assoc>\n"
    "<item key=\"domain\">example-one.com</item>\n"
    "<item key=\"no_cache\">1</item>\n"
    "<item key=\"list\">\n"
    "<dt_array>\n"
    "<item key=\"0\">a &amp; &lt;b&gt; &quot;c&quot; &apos;d&apos;"
    "</item>\n"
    "<item key=\"1\"/>\n"
    "</dt_array>\n"
    "</item>\n"
    "</dt_assoc>\n"
    "</item>\n"
    "</dt_assoc>\n"
    "</data_block>\n"
    "</body>\n"
    "</OPS_envelope>\n";

static void test_emit_canonical_form(void **state)
{
    (void)state;
    struct xcp_value *attrs = xcp_assoc_new();
    xcp_assoc_set_str(attrs, "domain", "example-one.com");
    xcp_assoc_set_str(attrs, "no_cache", "1");
    struct xcp_value *l = xcp_assoc_set(attrs, "list", xcp_array_new());
    xcp_array_push(l, xcp_scalar_new("a & <b> \"c\" 'd'"));
    xcp_array_push(l, xcp_scalar_new(""));
    struct xcp_value *req = xcp_request_new("LOOKUP", "DOMAIN", attrs);
    struct buf b;
    buf_init(&b);
    xcp_emit(req, &b);
    assert_string_equal(b.data, canonical_lookup);
    buf_release(&b);
    xcp_free(req);
}

static void test_emit_replaces_what_xml_cannot_carry(void **state)
{
    (void)state;
    /* control bytes and invalid UTF-8 become U+FFFD; CR survives */
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set(a, "t",
                  xcp_scalar_newn("a\x01"
                                  "b\xff"
                                  "c\r\nd",
                                  8));
    struct buf b;
    buf_init(&b);
    xcp_emit(a, &b);
    assert_non_null(strstr(b.data, "a\xEF\xBF\xBD"
                                   "b\xEF\xBF\xBD"
                                   "c&#13;\nd"));
    struct xcp_msg m;
    assert_int_equal(xcp_parse(b.data, b.len, &m, NULL), 0);
    assert_string_equal(xcp_path_str(m.data, "t"), "a\xEF\xBF\xBD"
                                                   "b\xEF\xBF\xBD"
                                                   "c\r\nd");
    xcp_msg_free(&m);
    buf_release(&b);
    xcp_free(a);
}

static void test_request_read_is_lenient(void **state)
{
    (void)state;
    const char *doc =
        "<OPS_envelope><body><data_block><dt_assoc>"
        "<item key=\"protocol\">XCP</item>"
        "<item key=\"action\">sw_register</item>"
        "<item key=\"object\">domain</item>"
        "<item key=\"cookie\">24128866:3210384</item>"
        "<item key=\"registrant_ip\">192.0.2.10</item>"
        "<item key=\"attributes\"><dt_assoc><item key=\"domain\">x.com</item>"
        "</dt_assoc></item></dt_assoc></data_block></body></OPS_envelope>";
    struct xcp_msg m;
    struct xcp_request r;
    struct rm_err err;
    assert_int_equal(xcp_parse(doc, strlen(doc), &m, &err), 0);
    assert_int_equal(xcp_request_read(m.data, &r, &err), 0);
    assert_string_equal(r.action, "SW_REGISTER");
    assert_string_equal(r.object, "DOMAIN");
    assert_string_equal(r.cookie, "24128866:3210384");
    assert_string_equal(r.registrant_ip, "192.0.2.10");
    assert_string_equal(xcp_path_str(r.attrs, "domain"), "x.com");
    xcp_msg_free(&m);

    /* no object (Net::DRI BELONGS_TO_RSP), empty attributes item */
    const char *doc2 = "<OPS_envelope><body><data_block><dt_assoc>"
                       "<item key=\"action\">BELONGS_TO_RSP</item>"
                       "<item key=\"attributes\"/>"
                       "</dt_assoc></data_block></body></OPS_envelope>";
    assert_int_equal(xcp_parse(doc2, strlen(doc2), &m, &err), 0);
    assert_int_equal(xcp_request_read(m.data, &r, &err), 0);
    assert_string_equal(r.object, "");
    assert_null(r.attrs);
    xcp_msg_free(&m);

    /* wrong types are errors */
    struct xcp_value *bad = xcp_assoc_new();
    assert_int_equal(xcp_request_read(bad, &r, &err), RM_EINVAL);
    assert_non_null(strstr(err.msg, "no action"));
    xcp_assoc_set(bad, "action", xcp_assoc_new());
    assert_int_equal(xcp_request_read(bad, &r, &err), RM_EINVAL);
    assert_non_null(strstr(err.msg, "must be text"));
    xcp_assoc_set_str(bad, "action", "LOOKUP");
    xcp_assoc_set_str(bad, "attributes", "junk");
    assert_int_equal(xcp_request_read(bad, &r, &err), RM_EINVAL);
    assert_non_null(strstr(err.msg, "attributes must be a dt_assoc"));
    xcp_free(bad);
}

struct resp_case {
    const char *name;
    const char *succ;
    const char *code;
    int rc;
    const char *needle;
};

static const struct resp_case resp_cases[] = {
    {"ok 200", "1", "200", 0, NULL},
    {"failure 485", "0", "485", 0, NULL},
    {"empty is_success means 0", "", "415", 0, NULL},
    {"is_success not boolean", "yes", "200", RM_EINVAL, "is_success"},
    {"is_success missing", NULL, "200", RM_EINVAL, "no is_success"},
    {"response_code missing", "1", NULL, RM_EINVAL, "response_code: missing"},
    {"response_code not numeric", "1", "abc", RM_EINVAL, "not an integer"},
    {"response_code negative", "1", "-5", RM_EINVAL, "out of range"},
};

static void test_response_read_validates_types(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(resp_cases) / sizeof(*resp_cases); i++) {
        const struct resp_case *c = &resp_cases[i];
        struct xcp_value *d = xcp_assoc_new();
        if (c->succ)
            xcp_assoc_set_str(d, "is_success", c->succ);
        if (c->code)
            xcp_assoc_set_str(d, "response_code", c->code);
        struct xcp_response r;
        struct rm_err err;
        rm_err_clear(&err);
        int rc = xcp_response_read(d, &r, &err);
        if (rc != c->rc)
            fail_msg("%s: rc %d want %d (%s)", c->name, rc, c->rc, err.msg);
        if (c->needle && !strstr(err.msg, c->needle))
            fail_msg("%s: \"%s\" lacks \"%s\"", c->name, err.msg, c->needle);
        if (rc == 0)
            assert_string_equal(r.text, "");
        xcp_free(d);
    }
    struct xcp_value *d =
        xcp_response_new("DOMAIN", true, 210, "Domain available", NULL);
    struct xcp_response r;
    assert_int_equal(xcp_response_read(d, &r, NULL), 0);
    assert_true(r.is_success);
    assert_int_equal(r.code, 210);
    assert_string_equal(r.text, "Domain available");
    assert_string_equal(r.object, "DOMAIN");
    assert_null(r.attrs);
    xcp_assoc_set(d, "attributes", xcp_array_new());
    xcp_array_push((struct xcp_value *)xcp_assoc_get(d, "attributes"),
                   xcp_scalar_new("x"));
    assert_int_equal(xcp_response_read(d, &r, NULL), RM_EINVAL);
    xcp_free(d);
}

static void test_signature_vectors(void **state)
{
    (void)state;
    char out[33];
    xcp_md5_hex("ConnecttoOpenSRSviaSSL", 22, out);
    assert_string_equal(out, "e787cc1d1951dfec4827cede7b1a0933");
    /* md5_hex(md5_hex("<xml/>abc") . "abc"), computed independently:
     * printf '%s' "$(printf '<xml/>abc' | md5sum | cut -c1-32)abc" | md5sum */
    xcp_sign("<xml/>", 6, "abc", out);
    assert_string_equal(out, "4bdf71b6cf212498c0cf13c75021a66e");
    assert_true(xcp_sign_check("<xml/>", 6, "abc", out));
    assert_false(xcp_sign_check("<xml/>", 6, "abd", out));
    assert_false(xcp_sign_check("<xml/> ", 7, "abc", out));
    assert_false(
        xcp_sign_check("<xml/>", 6, "abc", "4BDF71B6CF212498C0CF13C75021A66E"));
    assert_false(xcp_sign_check("<xml/>", 6, "abc", "short"));
    assert_false(xcp_sign_check("<xml/>", 6, "abc", NULL));
}

static void test_redact_hides_secrets_everywhere(void **state)
{
    (void)state;
    struct xcp_value *r = xcp_assoc_new();
    struct rm_err err;
    xcp_path_set(r, "attributes.reg_password", xcp_scalar_new("s3cret"), &err);
    xcp_path_set(r, "attributes.auth_info", xcp_scalar_new("EPP-123"), &err);
    xcp_path_set(r, "attributes.list[0].password", xcp_scalar_new("pw"), &err);
    xcp_path_set(r, "attributes.domain", xcp_scalar_new("x.com"), &err);
    xcp_redact(r);
    struct buf b;
    buf_init(&b);
    xcp_format_json(r, &b);
    assert_null(strstr(b.data, "s3cret"));
    assert_null(strstr(b.data, "EPP-123"));
    assert_null(strstr(b.data, "\"pw\""));
    assert_non_null(strstr(b.data, "x.com"));
    buf_release(&b);
    xcp_free(r);
}

static void test_format_json_and_tree(void **state)
{
    (void)state;
    struct xcp_value *r = xcp_assoc_new();
    struct rm_err err;
    xcp_path_set(r, "a", xcp_scalar_new("q\"\\\n\x01"), &err);
    xcp_path_set(r, "l[0]", xcp_scalar_new("x"), &err);
    xcp_path_set(r, "e", xcp_assoc_new(), &err);
    struct buf b;
    buf_init(&b);
    xcp_format_json(r, &b);
    assert_string_equal(b.data, "{\n  \"a\": \"q\\\"\\\\\\n\\u0001\",\n"
                                "  \"l\": [\n    \"x\"\n  ],\n"
                                "  \"e\": {}\n}\n");
    buf_reset(&b);
    xcp_format_tree(r, &b);
    assert_string_equal(b.data, "a: q\"\\\n  \x01\nl:\n  [0]: x\ne:\n");
    buf_release(&b);
    xcp_free(r);
}

static void test_clone_and_equal(void **state)
{
    (void)state;
    struct xcp_value *r = xcp_assoc_new();
    struct rm_err err;
    xcp_path_set(r, "a.b[0].c", xcp_scalar_new("1"), &err);
    struct xcp_value *c = xcp_clone(r);
    assert_true(xcp_equal(r, c));
    xcp_path_set(c, "a.b[0].c", xcp_scalar_new("2"), &err);
    assert_false(xcp_equal(r, c));
    xcp_free(c);
    xcp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_assoc_set_replaces_in_place),
        cmocka_unit_test(test_array_keys_are_indexes),
        cmocka_unit_test(test_wrong_kind_reads_are_null),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_emit_canonical_form),
        cmocka_unit_test(test_emit_replaces_what_xml_cannot_carry),
        cmocka_unit_test(test_request_read_is_lenient),
        cmocka_unit_test(test_response_read_validates_types),
        cmocka_unit_test(test_signature_vectors),
        cmocka_unit_test(test_redact_hides_secrets_everywhere),
        cmocka_unit_test(test_format_json_and_tree),
        cmocka_unit_test(test_clone_and_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
