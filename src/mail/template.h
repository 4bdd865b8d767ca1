/*
 * template - mail templates as files and a tiny {{variable}} engine.
 *
 * A template is DIR/NAME.txt (NAME: [a-z0-9_], at most 64 bytes; the file
 * at most TMPL_FILE_MAX bytes of UTF-8). Its first line is
 * "Subject: ...", then one empty line, then the body:
 *
 *   Subject: {{domain}} is registered
 *
 *   Hello {{customer}},
 *   ...
 *
 * "{{name}}" (spaces inside the braces allowed; name is [a-z][a-z0-9_]*,
 * at most 64 bytes) is replaced by the value of variable name, inserted
 * as it is. A variable the caller did not give is an error naming the
 * template, the line and the variable — never an empty string, so a
 * mistake cannot send a half-empty mail. A "{{" that does not open a
 * well-formed variable is an error too; templates have no way to write a
 * literal "{{". Variables given but not used are fine. Values may span
 * lines (the admin digest passes pre-formatted lists). Which variables
 * each template uses is documented in templates/README.md, and a unit
 * test holds the two in step.
 *
 * Ownership: results are heap strings the caller frees; vars are
 * borrowed for the call only.
 */
#ifndef RM_MAIL_TEMPLATE_H
#define RM_MAIL_TEMPLATE_H

#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

#define TMPL_FILE_MAX (64 * 1024)
#define TMPL_NAME_MAX 64

struct tmpl_var {
    const char *name;
    const char *value;
};

/* tmpl_render - text (len bytes) with every {{name}} replaced, appended to
 * out. what names the text in error messages ("expiry_warning.txt").
 * On error out holds a partial result the caller discards. */
int tmpl_render(const char *what, const char *text, size_t len,
                const struct tmpl_var *vars, size_t nvars, struct buf *out,
                struct rm_err *err);

/* tmpl_mail - load DIR/NAME.txt, render it, split subject and body.
 * *subject (one line, trimmed) and *body (the rest) are heap strings the
 * caller frees; both NULL on error. RM_ENOTFOUND when the file is
 * missing, RM_EINVAL for a malformed template or a missing variable,
 * RM_ELIMIT when the file is too big. */
/* tmpl_names - every template regman sends mail from, NULL-ended
 * (templates/README.md documents each; tests check the list against the
 * shipped files). */
extern const char *const tmpl_names[];

/* tmpl_check_dir - every template of tmpl_names is in dir, readable and
 * starts with "Subject: ..." and an empty line; RM_EINVAL (or the read's
 * error) naming the first that is not. `regman check-config` runs it when
 * mail is queued, so a missing template is found before an order needs
 * it (a move does not commit without its mail). */
int tmpl_check_dir(const char *dir, struct rm_err *err);

int tmpl_mail(const char *dir, const char *name, const struct tmpl_var *vars,
              size_t nvars, char **subject, char **body, struct rm_err *err);

#endif
