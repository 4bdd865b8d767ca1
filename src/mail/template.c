/*
 * template - {{variable}} substitution for mail templates; see template.h.
 */
#include "mail/template.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/xalloc.h"

/* name_char - [a-z] first, then [a-z0-9_] (template.h). */
static bool name_char(char c, bool first)
{
    return (c >= 'a' && c <= 'z') ||
           (!first && ((c >= '0' && c <= '9') || c == '_'));
}

static const char *lookup(const struct tmpl_var *vars, size_t n,
                          const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(vars[i].name) == len && !memcmp(vars[i].name, name, len))
            return vars[i].value;
    return NULL;
}

static int render_from(const char *what, int line0, const char *text,
                       size_t len, const struct tmpl_var *vars, size_t nvars,
                       struct buf *out, struct rm_err *err)
{
    int line = line0;
    size_t i = 0;
    while (i < len) {
        if (text[i] == '\n')
            line++;
        if (text[i] != '{' || i + 1 >= len || text[i + 1] != '{') {
            buf_addc(out, text[i++]);
            continue;
        }
        size_t j = i + 2;
        while (j < len && text[j] == ' ')
            j++;
        size_t ns = j;
        while (j < len && j - ns <= TMPL_NAME_MAX &&
               name_char(text[j], j == ns))
            j++;
        size_t nl = j - ns;
        while (j < len && text[j] == ' ')
            j++;
        if (nl == 0 || nl > TMPL_NAME_MAX || j + 1 >= len || text[j] != '}' ||
            text[j + 1] != '}')
            return rm_err_set(err, RM_EINVAL,
                              "template %s line %d: \"{{\" does not open a "
                              "variable {{name}}",
                              what, line);
        const char *v = lookup(vars, nvars, text + ns, nl);
        if (!v)
            return rm_err_set(err, RM_EINVAL,
                              "template %s line %d: variable {{%.*s}} not "
                              "given",
                              what, line, (int)nl, text + ns);
        buf_adds(out, v);
        i = j + 2;
    }
    return 0;
}

int tmpl_render(const char *what, const char *text, size_t len,
                const struct tmpl_var *vars, size_t nvars, struct buf *out,
                struct rm_err *err)
{
    return render_from(what, 1, text, len, vars, nvars, out, err);
}

static bool valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > TMPL_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!name_char(name[i], false))
            return false;
    return true;
}

static int read_file(const char *path, struct buf *b, struct rm_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return rm_err_set(err, errno == ENOENT ? RM_ENOTFOUND : RM_EIO,
                          "template %s: %s", path, strerror(errno));
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (b->len + n > TMPL_FILE_MAX) {
            fclose(f);
            return rm_err_set(err, RM_ELIMIT,
                              "template %s: larger than %d bytes", path,
                              TMPL_FILE_MAX);
        }
        buf_add(b, chunk, n);
    }
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return rm_err_set(err, RM_EIO, "template %s: read error", path);
    if (memchr(b->data, '\0', b->len))
        return rm_err_set(err, RM_EINVAL, "template %s: contains NUL", path);
    return 0;
}

const char *const tmpl_names[] = {"admin_digest",
                                  "admin_late",
                                  "autorenew_done",
                                  "autorenew_failed",
                                  "expiry_warning",
                                  "last_chance",
                                  "last_chance_after",
                                  "late_assigned",
                                  "refund",
                                  "registration_completed",
                                  "reminder_after",
                                  "renewal_completed",
                                  "restore_completed",
                                  "sync_report",
                                  "transfer_completed",
                                  "transfer_failed",
                                  "transferred_away",
                                  "verify_email",
                                  NULL};

int tmpl_check_dir(const char *dir, struct rm_err *err)
{
    int rc = 0;
    for (size_t i = 0; tmpl_names[i] && rc == 0; i++) {
        char *path = xasprintf("%s/%s.txt", dir, tmpl_names[i]);
        struct buf file;
        buf_init(&file);
        if ((rc = read_file(path, &file, err)) == 0) {
            const char *nl = strchr(file.data, '\n');
            if (strncmp(file.data, "Subject:", 8) != 0 || !nl || nl[1] != '\n')
                rc = rm_err_set(err, RM_EINVAL,
                                "template %s: must start with \"Subject: "
                                "...\" and an empty line",
                                path);
        }
        buf_release(&file);
        free(path);
    }
    return rc;
}

int tmpl_mail(const char *dir, const char *name, const struct tmpl_var *vars,
              size_t nvars, char **subject, char **body, struct rm_err *err)
{
    *subject = *body = NULL;
    if (!valid_name(name))
        return rm_err_set(err, RM_EINVAL, "template: bad name \"%.80s\"", name);
    char *path = xasprintf("%s/%s.txt", dir, name);
    struct buf file, subj, text;
    buf_init(&file);
    buf_init(&subj);
    buf_init(&text);
    int rc = read_file(path, &file, err);
    if (rc < 0)
        goto out;
    const char *what = strrchr(path, '/') + 1;
    const char *nl = strchr(file.data, '\n');
    if (strncmp(file.data, "Subject:", 8) != 0 || !nl || nl[1] != '\n') {
        rc = rm_err_set(err, RM_EINVAL,
                        "template %s: must start with \"Subject: ...\" and "
                        "an empty line",
                        what);
        goto out;
    }
    const char *s = file.data + 8;
    while (*s == ' ')
        s++;
    rc = render_from(what, 1, s, (size_t)(nl - s), vars, nvars, &subj, err);
    if (rc < 0)
        goto out;
    /* A value must not be able to add header lines. */
    if (strpbrk(subj.data, "\r\n")) {
        rc = rm_err_set(err, RM_EINVAL,
                        "template %s: the subject has a line break (from a "
                        "variable)",
                        what);
        goto out;
    }
    /* Trim after rendering: a value or a tab can bring blanks the skip of
     * spaces before rendering does not see. */
    while (subj.len &&
           (subj.data[subj.len - 1] == ' ' || subj.data[subj.len - 1] == '\t'))
        subj.data[--subj.len] = '\0';
    size_t lead = strspn(subj.data, " \t");
    if (lead) {
        memmove(subj.data, subj.data + lead, subj.len - lead + 1);
        subj.len -= lead;
    }
    const char *b = nl + 2;
    rc = render_from(what, 3, b, file.len - (size_t)(b - file.data), vars,
                     nvars, &text, err);
    if (rc < 0)
        goto out;
    *subject = buf_detach(&subj, NULL);
    *body = buf_detach(&text, NULL);
out:
    free(path);
    buf_release(&file);
    buf_release(&subj);
    buf_release(&text);
    return rc;
}
