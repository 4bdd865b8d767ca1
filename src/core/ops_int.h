/*
 * ops_int - the parts the operation modules of core share (ops.c the
 * state machine, order.c placing orders, poll.c the poller, notices.c the
 * customer's mail). Private to src/core: nothing outside it includes this.
 */
#ifndef RM_CORE_OPS_INT_H
#define RM_CORE_OPS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/account.h"
#include "core/conn.h"
#include "core/ops.h"
#include "store/store.h"

struct op_mail;

/* --- the operation row (ops.c) -------------------------------------------- */

struct op_row {
    int64_t id, domain_id, account_id, connection_id, term, amount;
    int64_t expiry_year, checks, created_at, deadline_at, lease_expires_at;
    enum ops_kind kind;
    enum ops_state state;
    char order_id[REG_ID_MAX], queue_id[REG_ID_MAX];
    char transfer_status[64], reason[REG_TEXT_MAX], lease_owner[160];
    char domain[NAME_MAX_ASCII + 1], tld[NAME_MAX_ASCII + 1];
    char unicode[NAME_MAX_INPUT + 1]; /* the domain's U-label form */
    char domain_status[24];
    int64_t domain_expires;
    char idem_key[OPS_IDEM_MAX];
};

/* op_cpy - column col of s (NULL as "") into dst. */
void op_cpy(char *dst, size_t n, struct store_stmt *s, int col);
/* op_load - operation id and its domain. */
int op_load(struct app *app, int64_t id, struct op_row *o, struct rm_err *err);
void op_fill_result(const struct op_row *o, struct ops_result *res);
/* op_reload - the row after a move, as the caller's result. */
int op_reload(struct app *app, int64_t id, struct ops_result *res,
              struct rm_err *err);
/* op_autorenew_key - is key an automatic renewal's (OPS_AUTORENEW_PREFIX)? */
bool op_autorenew_key(const char *key);
/* op_year_of - the UTC year of t (0 when it has none). */
int op_year_of(int64_t t);

/* --- moves (ops.c) ------------------------------------------------------- */

/* What a move writes besides the state; NULL / 0 fields are kept. */
struct move_fields {
    const char *reason;
    const char *last_answer;
    const char *order_id;
    const char *queue_id;
    const char *transfer_status;
    int64_t next_check_at;
    int64_t deadline_at;
    /* rule 9: a refunding move whose registrar order may still complete
     * sets watch = "watching" (with the next watch check and its end);
     * stop_answer is the registrar's answer to the request to stop it */
    const char *watch;
    const char *stop_answer, *stop_state;
    int64_t watch_next_at, watch_until;
};

/* op_finish - one transaction: move o to state, refund, the domain, the
 * customer's mail (ops.c has the details). */
int op_finish(struct app *app, struct op_row *o, enum ops_state state,
              const struct move_fields *f, int64_t expires, struct op_mail *pre,
              struct rm_err *err);

struct windows {
    int64_t first_check, poll, deadline_reg, deadline_xfer;
};
int op_windows_for(struct app *app, const struct op_row *o, struct windows *w,
                   struct rm_err *err);
void op_target_of(const struct op_row *o, struct ops_target *t);
/* op_answer_text - a registrar reply as one line of text. */
void op_answer_text(const struct reg_reply *r, char *buf, size_t n);
/* op_fetch_expiry - GET DOMAIN (read-only): the expiry, 0 when unknown. */
int64_t op_fetch_expiry(struct conn_session *sess, const char *domain);

/* op_to_sending - O2 for a caller that sends the request itself (a
 * charged domain change, core/domchange.c): new -> sending, committed. */
int op_to_sending(struct app *app, struct op_row *o, struct rm_err *err);

struct send_req {
    struct reg_domain_order order; /* register, transfer */
    struct reg_renew_req renew;    /* renew */
};
/* op_run - new -> sending -> the send -> settle (ops.c). */
int op_run(struct app *app, struct conn_session *sess, int64_t op_id,
           const struct send_req *q, struct ops_result *res,
           struct rm_err *err);

/* --- rule 9 (poll.c) ----------------------------------------------------- */

/* op_watch_fields - what the stop's answer p means for the move that
 * refunds o (f): the answer recorded, and watched unless the registrar
 * confirmed the stop. */
int op_watch_fields(struct app *app, const struct op_row *o,
                    const struct ops_poll *p, int64_t now,
                    struct move_fields *f, struct rm_err *err);

/* --- the customer's mail (notices.c) ------------------------------------- */

struct op_mail {
    /* the inputs it was rendered from (op_mail_fits) */
    int64_t op_id;
    enum ops_state state;
    char *reason;
    int64_t expires, refund;
    /* the result: skip, or a rendered message for to */
    bool rendered, skip;
    const char *why_skipped;
    char to[ACCOUNT_EMAIL_MAX + 1];
    char *subject, *body;
};
void op_mail_release(struct op_mail *m);
int64_t op_mail_expiry(const struct op_row *o, enum ops_state state,
                       int64_t expires);
void op_mail_reason(const struct op_row *o, const struct move_fields *f,
                    char *out, size_t n);
bool op_mail_fits(const struct op_mail *m, const struct op_row *o,
                  enum ops_state state, const char *reason, int64_t expires,
                  int64_t refund);
int op_mail_render(struct app *app, const struct op_row *o,
                   enum ops_state state, const char *reason, int64_t expires,
                   int64_t refund, struct op_mail *m, struct rm_err *err);
int op_mail_queue(struct app *app, const struct op_mail *m, int64_t now,
                  struct rm_err *err);

#endif
