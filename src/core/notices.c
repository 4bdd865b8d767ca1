/*
 * notices - the customer's mail about an operation that ended (O8 in
 * ops.c) and the plain words of its reason (ops_plain_reason).
 */
#include "core/ops.h"
#include "core/ops_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/account.h"
#include "core/conn.h"
#include "core/ledger.h"
#include "core/money.h"
#include "core/tld.h"
#include "mail/mail.h"
#include "mail/template.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "core/outbox.h"

/* --- the customer's mail about a terminal move (O8) ----------------------
 *
 * Template by kind and outcome (variables in templates/README.md):
 *   register  succeeded                        registration_completed
 *   renew     succeeded                        renewal_completed
 *   transfer  succeeded                        transfer_completed
 *   transfer  failed / timed_out / cancelled   transfer_failed
 *   register, renew  failed / timed_out / cancelled   refund
 *   privacy   succeeded                        none (the owner turned it
 *                                              on and saw it happen, or
 *                                              sees it on the domain)
 *   privacy   failed / timed_out / cancelled   refund
 * An automatic renewal that succeeded gets no mail here: the lifecycle
 * announces it with autorenew_done (once per domain and expiry date);
 * its failures are refunded here like any renewal's.
 *
 * Every template is given the same full set of variables, each with a
 * value (a missing one would be an error, never an empty string): an
 * unknown expiry or reason is said in words.
 *
 * The mail is rendered before the write transaction that makes the move,
 * so no template file is read while the store's write lock is held, and
 * queued inside it (rule 4: move, refund and outbox row commit together).
 * The rendering remembers its inputs; when the row turned out different
 * inside the transaction (an Async Manager poll re-judged there, or a
 * caller's own transaction), it is rendered again in place.
 *
 * Without a [mail] from address nothing can be queued (outbox_queue refuses:
 * the Message-ID is made from its domain and delivery sends with it, see
 * mail.h), so the mail is skipped with a log line - as the lifecycle and
 * the Async Manager's digest do - and the move commits. A template that
 * cannot be rendered is an error: the move does not commit without its
 * mail (mail.h), the operation stays where it was and is retried. */

/* ymd - a date as YYYY-MM-DD (UTC). */
static void ymd(int64_t t, char *buf, size_t n)
{
    struct tm tm;
    time_t tt = (time_t)t;

    if (!gmtime_r(&tt, &tm) || strftime(buf, n, "%Y-%m-%d", &tm) == 0)
        snprintf(buf, n, "%" PRId64, t);
}

/* one_line - s as one line of valid UTF-8 for a mail body: control
 * characters become spaces, bytes that are not UTF-8 become '?', spaces
 * collapse; empty gives dflt. */
static void one_line(const char *s, const char *dflt, char *out, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t k = 0;

    while (*p && k + 5 < n) {
        size_t len = *p < 0x80             ? 1
                     : (*p & 0xe0) == 0xc0 ? 2
                     : (*p & 0xf0) == 0xe0 ? 3
                     : (*p & 0xf8) == 0xf0 ? 4
                                           : 0;
        bool ok = len > 0 && !(len == 2 && *p < 0xc2) && !(*p > 0xf4);
        for (size_t i = 1; ok && i < len; i++)
            ok = (p[i] & 0xc0) == 0x80;
        if (!ok) {
            out[k++] = '?';
            p++;
        } else if (len == 1 && (*p < 0x20 || *p == 0x7f || *p == ' ')) {
            if (k && out[k - 1] != ' ')
                out[k++] = ' ';
            p++;
        } else {
            memcpy(out + k, p, len);
            k += len;
            p += len;
        }
    }
    while (k && out[k - 1] == ' ')
        k--;
    out[k] = '\0';
    if (!k)
        snprintf(out, n, "%s", dflt);
}

/* ops_plain_reason - why an operation ended, in the customer's words: the
 * registrar's codes and the Async Manager's notes stay in the operation
 * (the admin sees them), the mail and the customer's panel say what
 * happened. */
void ops_plain_reason(const char *state, const char *reason, char *out,
                      size_t n)
{
    static const struct {
        int code;
        const char *words;
    } codes[] = {
        {485, "the name is already registered"},
        {487, "the name cannot be transferred at the moment"},
        {541, "the registry's expiry date differs from ours; our record "
              "has been refreshed, please renew again if you still want to"},
        {480, "the registry does not know the name in that state"},
        {445, "the registry refused the request"},
        {465, "the registry refused the data of the request"},
    };
    char text[REG_TEXT_MAX];
    const char *p = reason;
    int code = 0;
    enum ops_state st;
    bool known = ops_state_parse(state, &st) == 0;

    if (known && st == OPS_ST_CANCELLED) {
        snprintf(out, n, "it was cancelled by our staff");
        return;
    }
    if (known && st == OPS_ST_TIMED_OUT) {
        snprintf(out, n, "deadline passed before the registry confirmed it");
        return;
    }
    if (!known || st != OPS_ST_FAILED) {
        one_line(reason, "no reason was given", out, n);
        return;
    }
    if (strncmp(reason, "not sent", 8) == 0 ||
        strncmp(reason, "never sent", 10) == 0) {
        snprintf(out, n,
                 "the registrar could not be reached, so nothing was "
                 "ordered");
        return;
    }
    if (p[0] >= '1' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' &&
        p[2] >= '0' && p[2] <= '9' && (p[3] == ' ' || !p[3])) {
        code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
        p += p[3] ? 4 : 3;
    }
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (codes[i].code == code) {
            snprintf(out, n, "%s", codes[i].words);
            return;
        }
    if (code) {
        /* a registrar's own words, without its code */
        one_line(p, "", text, sizeof text);
        if (text[0] && strlen(text) < 120 && !strchr(text, ':'))
            snprintf(out, n, "the registrar declined it (%s)", text);
        else
            snprintf(out, n, "the registrar declined it");
        return;
    }
    /* the Async Manager's notes name registrar actions ("GET_ORDER_INFO:
     * declined", "transport: ..."): those are for the admin */
    for (const char *q = p; *q; q++)
        if (*q == ':' && q > p &&
            ((q[-1] >= 'A' && q[-1] <= 'Z') ||
             strncmp(p, "transport", 9) == 0)) {
            snprintf(out, n, "the registrar declined it");
            return;
        }
    one_line(reason, "the registrar declined it", out, n);
}

void op_mail_release(struct op_mail *m)
{
    free(m->reason);
    free(m->subject);
    free(m->body);
    memset(m, 0, sizeof *m);
}

/* mail_expiry - the expiry date the mail gives: the one the move writes,
 * else the domain's - except for a renewal, whose old date is not news. */
int64_t op_mail_expiry(const struct op_row *o, enum ops_state state,
                       int64_t expires)
{
    if (expires > 0)
        return expires;
    if (ops_kind_renews(o->kind) && state == OPS_ST_SUCCEEDED)
        return 0;
    return o->domain_expires;
}

/* mail_reason - the reason the move records (and the mail gives): the
 * move's own, else the row's, as long as the row keeps it. */
void op_mail_reason(const struct op_row *o, const struct move_fields *f,
                    char *out, size_t n)
{
    const char *r = f && f->reason ? f->reason : o->reason;
    size_t len = strnlen(r, n - 1); /* cut as o->reason is */

    memcpy(out, r, len);
    out[len] = '\0';
}

bool op_mail_fits(const struct op_mail *m, const struct op_row *o,
                  enum ops_state state, const char *reason, int64_t expires,
                  int64_t refund)
{
    return m->rendered && m->op_id == o->id && m->state == state &&
           !strcmp(m->reason, reason) && m->expires == expires &&
           m->refund == refund;
}

/* op_mail_render - the mail o ending in state will queue, rendered now.
 * expires: the domain's expiry after the move (0 unknown); refund: the
 * amount refunded by it (0 when none). Reads the account and the template
 * file; writes nothing. */
int op_mail_render(struct app *app, const struct op_row *o,
                   enum ops_state state, const char *reason, int64_t expires,
                   int64_t refund, struct op_mail *m, struct rm_err *err)
{
    const struct mail_config *mc = &app->set.mail;
    bool ok = state == OPS_ST_SUCCEEDED;
    bool xfer = o->kind == OPS_K_TRANSFER;
    bool renew = o->kind == OPS_K_RENEW;
    char amount[MONEY_STR_MAX + 16], refunded[MONEY_STR_MAX + 16];
    char m1[MONEY_STR_MAX], m2[MONEY_STR_MAX], exp[32], years[24], opid[24];
    char why[REG_TEXT_MAX];
    const char *name;
    struct account a;
    int rc;

    op_mail_release(m);
    m->op_id = o->id;
    m->state = state;
    m->reason = xstrdup(reason);
    m->expires = expires;
    m->refund = refund;
    if (ok && op_autorenew_key(o->idem_key)) {
        m->rendered = m->skip = true; /* the lifecycle's autorenew_done */
        return 0;
    }
    if (ok && o->kind == OPS_K_PRIVACY) {
        m->rendered = m->skip = true; /* shown where it was turned on */
        return 0;
    }
    if (!mc->from) {
        m->rendered = m->skip = true;
        m->why_skipped = "no [mail] from address is configured";
        return 0;
    }
    if ((rc = account_get_id(app, o->account_id, &a, err)) < 0)
        return rc;
    if (!a.email[0]) {
        m->rendered = m->skip = true;
        m->why_skipped = "the account has no mail address";
        return 0;
    }
    snprintf(m->to, sizeof m->to, "%s", a.email);
    if (ok)
        name = xfer                       ? "transfer_completed"
               : renew                    ? "renewal_completed"
               : o->kind == OPS_K_RESTORE ? "restore_completed"
                                          : "registration_completed";
    else
        name = xfer ? "transfer_failed" : "refund";
    snprintf(amount, sizeof amount, "%s %s", money_format(o->amount, m1),
             app->set.currency);
    snprintf(refunded, sizeof refunded, "%s %s", money_format(refund, m2),
             app->set.currency);
    if (expires > 0)
        ymd(expires, exp, sizeof exp);
    else
        snprintf(exp, sizeof exp, "(not reported yet)");
    snprintf(years, sizeof years, "%" PRId64, o->term);
    snprintf(opid, sizeof opid, "%" PRId64, o->id);
    ops_plain_reason(ops_state_name(state), reason, why, sizeof why);
    const struct tmpl_var vars[] = {
        {"customer", a.name},
        {"domain", o->unicode},
        {"operation", xfer                       ? "transfer"
                      : renew                    ? "renewal"
                      : o->kind == OPS_K_PRIVACY ? "WHOIS privacy"
                      : o->kind == OPS_K_RESTORE ? "restore"
                                                 : "registration"},
        {"operation_id", opid},
        {"term", years},
        {"expires", exp},
        {"amount", amount},
        {"refund", refunded},
        {"reason", why},
    };
    rc = tmpl_mail(mc->templates_dir ? mc->templates_dir : "templates", name,
                   vars, sizeof vars / sizeof vars[0], &m->subject, &m->body,
                   err);
    if (rc < 0)
        rm_err_prefix(err, "customer mail: ");
    m->rendered = rc == 0;
    return rc;
}

/* op_mail_queue - the rendered mail into the outbox, inside the move's
 * transaction; a replay of key op:<id>:<state> adds nothing. */
int op_mail_queue(struct app *app, const struct op_mail *m, int64_t now,
                  struct rm_err *err)
{
    char key[64];

    if (m->skip) {
        if (m->why_skipped) {
            /* Mail switched off is worth a warning once per app, then a
             * line per mail. */
            bool no_from = !app->set.mail.from;
            rm_log(no_from && !app->mail_off_logged ? LOG_WARN : LOG_INFO,
                   "op %" PRId64 ": customer mail (%s) not queued: %s",
                   m->op_id, ops_state_name(m->state), m->why_skipped);
            if (no_from)
                app->mail_off_logged = true;
        }
        return 0;
    }
    snprintf(key, sizeof key, "op:%" PRId64 ":%s", m->op_id,
             ops_state_name(m->state));
    return outbox_queue(app->st, &app->set.mail, key, m->to, m->subject,
                        m->body, now, NULL, err);
}
