/*
 * mail - mail configuration, the checks and format of a message, and its
 * delivery over SMTP (libcurl). No store access: the outbox (the
 * mail_outbox table, its states and invariants) is core's, core/outbox.h.
 *
 * Mail leaves regman in two steps, so a state change and the mail it causes
 * can never part (design section 4 rule 4):
 *  1. outbox_queue() (core/outbox.h) inserts a row into mail_outbox INSIDE the
 * caller's write transaction, the one that makes the state change. The row
 * carries an idempotency key (a replay of the same change queues nothing new)
 * and a Message-ID chosen once, at insertion, and stored with the row.
 *  2. outbox_deliver_due() (run by the mail sender job, jobs/mail_job.h) sends
 *     due rows, each outside any transaction, then records the outcome in a
 *     short write transaction of its own.
 *
 * Delivery is at least once: a crash between the server's "250 OK" and the
 * commit of 'sent' sends the message again on restart, with the same
 * Message-ID and Date, so the receiving side can recognise the duplicate.
 * Backoff is bounded: retry_min_s doubling per attempt, capped at
 * retry_max_s; after max_attempts the row is 'failed' and stays visible
 * (`regman mail list`) until an admin retries it. Nothing is deleted.
 *
 * Message format (mail_build_message): Date (the row's created_at, RFC 5322,
 * +0000), From, To, Subject (RFC 2047 UTF-8 base64 encoded-words when not
 * plain ASCII), Message-ID, MIME-Version, Content-Type text/plain;
 * charset=UTF-8, Auto-Submitted: auto-generated. The body is sent 7bit when
 * it is ASCII with lines of at most 998 bytes, quoted-printable otherwise:
 * libcurl does not announce BODY=8BITMIME, so 8-bit bytes are never put on
 * the wire raw. Lines end in CRLF. Dot-stuffing ("." at the start of a
 * line) is libcurl's job: its SMTP upload escapes it, and the integration
 * test proves such a line arrives intact.
 *
 * Limits: addresses <= 254 bytes, printable ASCII, one '@', no spaces or
 * <>(),;:"[]\ ; subject <= 998 bytes of UTF-8 without control characters;
 * body <= MAIL_BODY_MAX bytes of UTF-8. Anything else is RM_EINVAL or
 * RM_ELIMIT at mail_check() (outbox_queue calls it), so a bad row never reaches
 * the outbox.
 *
 * Threads: functions use only their arguments; libcurl must have been
 * initialised (curl_global_init) by the program before threads start.
 * Secrets: the SMTP password is never logged nor put in an error message.
 */
#ifndef RM_MAIL_MAIL_H
#define RM_MAIL_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/buf.h"
#include "util/config.h"
#include "util/err.h"

#define MAIL_ADDR_MAX 254
#define MAIL_SUBJECT_MAX 998
#define MAIL_BODY_MAX (1024 * 1024)

enum mail_tls {
    MAIL_TLS_NONE,     /* smtp:// in clear (loopback relays only) */
    MAIL_TLS_STARTTLS, /* smtp:// and STARTTLS is required */
    MAIL_TLS_IMPLICIT, /* smtps://: TLS from the first byte */
};

/*
 * struct mail_config - the [mail] section of regman.conf. Owns its strings;
 * mail_config_release frees them. Keys:
 *   smtp_url       smtp://HOST[:PORT] or smtps://HOST[:PORT] (required to
 *                  deliver; without it mail is queued and stays queued)
 *   starttls       yes|no; default yes for smtp:// except to a loopback
 *                  host; ignored for smtps://
 *   username, password   AUTH credentials (both or neither)
 *   ca_file        CA bundle that verifies the server; default: system CAs.
 *                  Certificate verification cannot be turned off.
 *   from           envelope sender and From address (required to queue)
 *   from_name      display name in From (optional, UTF-8)
 *   admin          the provider's address: admin digests and alerts
 *   templates      directory of mail templates (default "templates")
 *   timeout_s      whole SMTP exchange, default 60
 *   retry_min_s    first backoff, default 60
 *   retry_max_s    backoff cap, default 3600
 *   max_attempts   attempts before 'failed', default 10
 */
struct mail_config {
    char *smtp_url;
    enum mail_tls tls;
    char *username;
    char *password;
    char *ca_file;
    char *from;
    char *from_name;
    char *admin;
    char *templates_dir;
    int64_t timeout_s;
    int64_t retry_min_s;
    int64_t retry_max_s;
    int64_t max_attempts;
};

/* mail_config_init - defaults, no strings. */
void mail_config_init(struct mail_config *mc);
/* mail_config_load - read section [mail] of cfg over the defaults; the
 * caller has called mail_config_init. Bad values are RM_EINVAL naming
 * FILE:LINE. */
int mail_config_load(struct config *cfg, struct mail_config *mc,
                     struct rm_err *err);
void mail_config_release(struct mail_config *mc);

/* One outbox row as outbox_get / outbox_list return it. Owns its
 * strings; mail_row_release frees them. sent_at is 0 while unsent,
 * last_error NULL when none. */
struct mail_row {
    int64_t id;
    char *idem_key;
    char *message_id; /* with the angle brackets: "<...@domain>" */
    char *to_addr;
    char *subject;
    char *body;
    char *state; /* "queued", "sent", "failed" */
    int64_t attempts;
    int64_t next_attempt_at;
    int64_t created_at;
    int64_t sent_at;
    char *last_error;
};

void mail_row_release(struct mail_row *row);
/* mail_rows_free - release n rows and free the array. */
void mail_rows_free(struct mail_row *rows, int n);

/* mail_check - the limits above for a message to queue: mc->from set,
 * idem_key 1..200 bytes, to a plain address, subject and body within their
 * limits and UTF-8. 0 or RM_EINVAL / RM_ELIMIT. */
int mail_check(const struct mail_config *mc, const char *idem_key,
               const char *to, const char *subject, const char *body,
               struct rm_err *err);

/* mail_new_message_id - a fresh "<HEX.regman@DOMAIN>" (16 random bytes,
 * the domain of mc->from, which must be set) into out. */
void mail_new_message_id(const struct mail_config *mc, char *out, size_t n);

/* mail_backoff - seconds to wait after the attempts-th failed attempt
 * (1-based): min * 2^(attempts-1), at most max. Pure. */
int64_t mail_backoff(int64_t attempts, int64_t min_s, int64_t max_s);

/*
 * mail_build_message - the full RFC 5322 message of row (headers, a blank
 * line, the encoded body; CRLF line ends) appended to out. From comes from
 * mc. Deterministic: the same row gives the same bytes (Date is the row's
 * created_at), which is what makes a resend recognisable.
 */
int mail_build_message(const struct mail_config *mc, const struct mail_row *row,
                       struct buf *out, struct rm_err *err);

/* mail_send - deliver one message now over SMTP, no store access. 0 when
 * the server accepted it; RM_EIO (connection, TLS, authentication, a
 * refusal by the server) with curl's reason otherwise. */
int mail_send(const struct mail_config *mc, const struct mail_row *row,
              struct rm_err *err);

/* A delivery session: one SMTP client reused for several messages.
 * mail_sender_new fails only when libcurl cannot make a handle. */
struct mail_sender;
int mail_sender_new(const struct mail_config *mc, struct mail_sender **out,
                    struct rm_err *err);
/* mail_sender_send - mail_send over the session's client. */
int mail_sender_send(struct mail_sender *ms, const struct mail_row *row,
                     struct rm_err *err);
void mail_sender_free(struct mail_sender *ms);

struct mail_deliver_stats {
    int sent;
    int deferred; /* failed, will be retried */
    int failed;   /* failed for the last time: state 'failed' */
};

#endif
