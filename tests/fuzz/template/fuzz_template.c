/*
 * fuzz_template - libFuzzer target for the mail template engine
 * (mail/template.h) with fuzzed template text and fixed variables.
 *
 * Input: template text. It is rendered with tmpl_render, and also written
 * as a template file (its first line as the subject, the rest as the
 * body) and read back with tmpl_mail. A reference renderer written here
 * from the header's grammar ("{{", spaces, [a-z][a-z0-9_]* of at most 64
 * bytes, spaces, "}}") renders the same text. Properties (abort
 * otherwise):
 *   T1  tmpl_render succeeds exactly when the reference does, with the
 *       same output;
 *   T2  a missing variable is an error (RM_EINVAL) naming the template,
 *       the line and {{name}}; a malformed "{{" is an error naming the
 *       template and the line;
 *   T3  no output contains "{{ name }}" of a known variable, nor any
 *       "{{" at all (no value below contains a brace, and the grammar has
 *       no way to write a literal "{{");
 *   T4  tmpl_mail's subject never holds '\r' or '\n' (a value with a
 *       line break cannot add a mail header) and has no surrounding
 *       blanks; when it succeeds, its body is tmpl_render of the body
 *       text.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "mail/template.h"
#include "util/buf.h"
#include "util/err.h"

#define WHAT "fuzz.txt"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Realistic values, none with a brace (T3); two with line breaks, which
 * are fine in a body and must be refused in the subject (T4). */
static const struct tmpl_var vars[] = {
    {"domain", "example.com"},
    {"customer", "Ana M\xc3\xbcller"},
    {"days", "30"},
    {"expires", "2026-03-01"},
    {"amount", "12.50 USD"},
    {"empty", ""},
    {"spaces", "  padded  "},
    {"list", "a.example\nb.example\n"},
    {"crlf", "x\r\nBcc: victim@example.net"},
    {"v2_name", "second"},
};
#define NVARS (sizeof(vars) / sizeof(vars[0]))

static char dir[64];
static int fd = -1;

static void fail(const char *what, const struct rm_err *err)
{
    fprintf(stderr, "fuzz_template: property violated: %s%s%s\n", what,
            err ? ": " : "", err ? err->msg : "");
    abort();
}

static void cleanup(void)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/f.txt", dir);
    if (fd >= 0)
        close(fd);
    unlink(path);
    rmdir(dir);
}

static bool lower(char c)
{
    return c >= 'a' && c <= 'z';
}

static bool digit(char c)
{
    return c >= '0' && c <= '9';
}

enum ref_result { REF_OK, REF_MALFORMED, REF_MISSING };

/* ref_render - the reference; on an error *line and the missing name
 * (name, *nlen) tell where. */
static enum ref_result ref_render(const char *t, size_t len, struct buf *out,
                                  int *line, const char **name, size_t *nlen)
{
    *line = 1;
    for (size_t i = 0; i < len;) {
        if (!(t[i] == '{' && i + 1 < len && t[i + 1] == '{')) {
            if (t[i] == '\n')
                (*line)++;
            buf_addc(out, t[i++]);
            continue;
        }
        size_t j = i + 2;
        while (j < len && t[j] == ' ')
            j++;
        size_t ns = j;
        if (j < len && lower(t[j]))
            for (j++; j < len && (lower(t[j]) || digit(t[j]) || t[j] == '_');)
                j++;
        size_t nl = j - ns;
        while (j < len && t[j] == ' ')
            j++;
        if (nl == 0 || nl > TMPL_NAME_MAX || j + 1 >= len || t[j] != '}' ||
            t[j + 1] != '}')
            return REF_MALFORMED;
        const char *v = NULL;
        for (size_t k = 0; k < NVARS && !v; k++)
            if (strlen(vars[k].name) == nl && !memcmp(vars[k].name, t + ns, nl))
                v = vars[k].value;
        if (!v) {
            *name = t + ns;
            *nlen = nl;
            return REF_MISSING;
        }
        buf_adds(out, v);
        i = j + 2;
    }
    return REF_OK;
}

/* no_braces - T3 on one output. */
static void no_braces(const char *what, const char *s, size_t len)
{
    if (len >= 2 && memmem(s, len, "{{", 2)) {
        fprintf(stderr, "%s: \"%.*s\"\n", what, (int)(len > 200 ? 200 : len),
                s);
        fail("T3: an output holds \"{{\"", NULL);
    }
}

/* render - T1, T2 and T3 for one text; the output is left in out. */
static int render(const char *t, size_t len, struct buf *out)
{
    struct buf want;
    struct rm_err err = {0};
    int line = 0;
    const char *name = NULL;
    size_t nlen = 0;
    buf_init(&want);
    buf_reset(out);
    enum ref_result r = ref_render(t, len, &want, &line, &name, &nlen);
    int rc = tmpl_render(WHAT, t, len, vars, NVARS, out, &err);
    if (r == REF_OK) {
        if (rc)
            fail("T1: refused a text the reference renders", &err);
        if (out->len != want.len || memcmp(out->data, want.data, want.len))
            fail("T1: output differs from the reference", NULL);
        no_braces("render", out->data, out->len);
    } else {
        if (rc != RM_EINVAL)
            fail("T1/T2: a bad text was not refused with RM_EINVAL", &err);
        char where[64];
        snprintf(where, sizeof(where), "template %s line %d", WHAT, line);
        if (!strstr(err.msg, where))
            fail("T2: the refusal does not name the template and line", &err);
        /* Only a well-formed {{name}} can be reported as not given. */
        if (r == REF_MALFORMED && strstr(err.msg, "not given"))
            fail("T2: a malformed \"{{\" reported as a missing variable", &err);
        if (r == REF_MISSING) {
            char var[TMPL_NAME_MAX + 8];
            snprintf(var, sizeof(var), "{{%.*s}}", (int)nlen, name);
            if (!strstr(err.msg, var))
                fail("T2: a missing variable is not named", &err);
        }
    }
    buf_release(&want);
    return rc;
}

static void mail(const uint8_t *data, size_t size)
{
    const char *t = (const char *)data;
    const char *nl = memchr(t, '\n', size);
    size_t slen = nl ? (size_t)(nl - t) : size;
    const char *body = nl ? nl + 1 : t + size;
    size_t blen = size - (size_t)(body - t);

    /* One file, rewritten in place: creating a file per input costs more
     * than the rest of the run on a disk-backed /tmp. */
    struct buf file;
    buf_init(&file);
    buf_adds(&file, "Subject: ");
    buf_add(&file, t, slen);
    buf_adds(&file, "\n\n");
    buf_add(&file, body, blen);
    if (ftruncate(fd, 0) != 0 ||
        pwrite(fd, file.data, file.len, 0) != (ssize_t)file.len)
        fail("cannot write the template file", NULL);
    buf_release(&file);

    char *subject = NULL, *text = NULL;
    struct rm_err err = {0};
    int rc = tmpl_mail(dir, "f", vars, NVARS, &subject, &text, &err);
    if (rc) {
        if (subject || text || err.msg[0] == '\0')
            fail("T4: a refusal with results or without a message", &err);
        if (!memchr(t, '\0', size) && rc != RM_EINVAL)
            fail("T4: a refusal of a small text that is not RM_EINVAL", &err);
        return;
    }
    if (memchr(t, '\0', size))
        fail("T4: a template file with a NUL byte was accepted", NULL);
    if (strpbrk(subject, "\r\n"))
        fail("T4: the subject holds a line break", NULL);
    size_t sl = strlen(subject);
    if (sl && (strchr(" \t", subject[0]) || strchr(" \t", subject[sl - 1]))) {
        fprintf(stderr, "subject: \"%s\"\n", subject);
        fail("T4: the subject is not trimmed", NULL);
    }
    no_braces("subject", subject, sl);
    struct buf b;
    buf_init(&b);
    if (render(body, blen, &b) != 0)
        fail("T4: tmpl_mail accepted a body tmpl_render refuses", NULL);
    if (strlen(text) != b.len || memcmp(text, b.data, b.len) != 0)
        fail("T4: tmpl_mail's body differs from tmpl_render's", NULL);
    buf_release(&b);
    free(subject);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        /* Memory-backed when there is one: the file is rewritten for every
         * input. */
        const char *tmp = getenv("TMPDIR");
        if (access("/dev/shm", W_OK) == 0)
            tmp = "/dev/shm";
        snprintf(dir, sizeof(dir), "%s/fuzztmpl.XXXXXX",
                 tmp && strlen(tmp) < 40 ? tmp : "/tmp");
        if (!mkdtemp(dir))
            fail("mkdtemp failed", NULL);
        atexit(cleanup);
        char path[128];
        snprintf(path, sizeof(path), "%s/f.txt", dir);
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
        if (fd < 0)
            fail("cannot create the template file", NULL);
    }
    /* The file limit of the header; larger texts are the file reader's
     * business, not the engine's. */
    if (size > TMPL_FILE_MAX / 2)
        return 0;
    struct buf out;
    buf_init(&out);
    render((const char *)data, size, &out);
    buf_release(&out);
    mail(data, size);
    return 0;
}
