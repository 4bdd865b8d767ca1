/*
 * conn - registrar connections (design section 1): CRUD with validation.
 *
 * An OpenSRS connection: title (unique), server, port, tls, source IP,
 * login, key (sealed under the master key, never returned or printed),
 * license agreement (text or a file path), warn days, renew days, default
 * renew mode, test mode, CA file, async windows (first check, poll
 * interval, deadlines for registrations/renewals and for transfers),
 * concurrency cap, rate limit and default nameservers.
 *
 * Edits are given as text (struct conn_edit: NULL = leave unchanged), so
 * the CLI and the API share one validation. Limits: title 64 bytes, server
 * 253, login 64, key 4096, license text 64 KiB, paths 1024, 13 default
 * nameservers. Durations are seconds or a number with s/m/h/d. A CA file,
 * when given, must exist and hold a PEM certificate (conn_check_ca_file).
 */
#ifndef RM_CORE_CONN_H
#define RM_CORE_CONN_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/app.h"

#define CONN_TITLE_MAX 64
#define CONN_LOGIN_MAX 64
#define CONN_KEY_MAX 4096
#define CONN_LICENSE_MAX 65536
#define CONN_PATH_MAX 1024
#define CONN_CA_FILE_MAX (4 * 1024 * 1024)

struct conn {
    int64_t id;
    char title[CONN_TITLE_MAX + 1];
    char kind[16];
    char server[256];
    int64_t port;
    bool tls;
    char protocol[8]; /* "auto", "https" or "legacy" (conn_protocol) */
    char source_ip[64];
    char login[CONN_LOGIN_MAX + 1];
    char *license_text; /* owned; NULL when none */
    char license_path[CONN_PATH_MAX + 1];
    int64_t warn_days, renew_days;
    char renew_mode[8];
    bool test_mode;
    char ca_file[CONN_PATH_MAX + 1];
    int64_t first_check_s, poll_interval_s, deadline_reg_s, deadline_xfer_s;
    int64_t concurrency, rate_per_min;
    char default_ns[REG_NS_MAX * 254];
    bool events; /* read the registrar's event stream (core/events.h) */
    int64_t created_at, updated_at;
    int64_t domains; /* live domains on it (filled by conn_get/list) */
    int64_t tlds;    /* TLDs mapped to it */
};

struct conn_edit {
    const char *title, *server, *port, *tls, *source_ip, *login, *key;
    const char *license_text, *license_path, *warn_days, *renew_days;
    const char *renew_mode, *test_mode, *ca_file, *first_check;
    const char *poll_interval, *deadline_reg, *deadline_xfer, *concurrency;
    const char *rate_per_min, *default_ns, *events, *protocol;
};

void conn_release(struct conn *c);

/* conn_edit_missing - the first field conn_add requires that e leaves
 * out ("title", "login" or "key"), or NULL when all are there. */
const char *conn_edit_missing(const struct conn_edit *e);

int conn_add(struct app *app, const struct conn_edit *e, int64_t *id,
             struct rm_err *err);
int conn_edit(struct app *app, const char *title_or_id,
              const struct conn_edit *e, struct rm_err *err);
/* conn_remove - RM_EREFUSED while domains or TLDs use it. */
int conn_remove(struct app *app, const char *title_or_id, struct rm_err *err);
/* conn_get - by title or numeric id; RM_ENOTFOUND "unknown connection". */
int conn_get(struct app *app, const char *title_or_id, struct conn *c,
             struct rm_err *err);
int conn_get_id(struct app *app, int64_t id, struct conn *c,
                struct rm_err *err);
/* conn_list - all connections by title; *out owned (conn_list_free). */
int conn_list(struct app *app, struct conn **out, size_t *n,
              struct rm_err *err);
void conn_list_free(struct conn *v, size_t n);
/* conn_key - the decrypted key (secret_free_text it). */
int conn_key(struct app *app, int64_t id, char **key, struct rm_err *err);
/* conn_protocol - how regman speaks to this connection: "legacy" when
 * the protocol is legacy, or auto on port OPENSRS_LEGACY_PORT (55000);
 * else "https" (XCP over HTTP POST). */
const char *conn_protocol(const struct conn *c);
/* conn_url - "https://server:port/" (or http:// when tls is off), or
 * "legacy://server:port/" when conn_protocol says legacy: the transport
 * config's url (opensrs/transport.h). */
void conn_url(const struct conn *c, char *buf, size_t n);

/* conn_parse_duration - "90", "90s", "5m", "1h", "3d" into seconds in
 * [min, max]. */
int conn_parse_duration(const char *what, const char *s, int64_t min,
                        int64_t max, int64_t *out, struct rm_err *err);
/* conn_parse_int - strict decimal in [min, max]. */
int conn_parse_int(const char *what, const char *s, int64_t min, int64_t max,
                   int64_t *out, struct rm_err *err);
/* conn_parse_bool - yes/no/true/false/on/off/1/0. */
int conn_parse_bool(const char *what, const char *s, bool *out,
                    struct rm_err *err);
/* conn_check_text - a bounded single-line printable string. */
int conn_check_text(const char *what, const char *s, size_t max,
                    bool allow_empty, struct rm_err *err);
/* conn_check_ca_file - path names a readable regular file of at most
 * CONN_CA_FILE_MAX bytes holding at least one PEM certificate ("-----BEGIN
 * CERTIFICATE-----"); RM_EINVAL (RM_ELIMIT when too large) naming the
 * path otherwise. conn_add and conn_edit call it for a non-empty CA file,
 * so the CLI and the API refuse the same files. */
int conn_check_ca_file(const char *path, struct rm_err *err);

/* A registrar session: a registrar for one connection whose exchanges are
 * stored in registrar_log with op_id (set it before each call). */
struct conn_session {
    struct app *app;
    struct registrar *reg;
    int64_t conn_id;
    int64_t op_id;
    bool crash_after_send; /* the after_send crash point is armed */
    /* when set, held while an exchange is stored: sessions that call the
     * registrar from several threads at once share one store handle */
    pthread_mutex_t *log_mu;
};

int conn_session_open(struct app *app, int64_t conn_id, struct conn_session *s,
                      struct rm_err *err);
void conn_session_close(struct conn_session *s);

/* conn_probe - ask the registrar for its balance (GET_BALANCE, harmless)
 * with the connection as it would be after e: a new one (title_or_id
 * NULL) or an existing one edited; nothing is stored but the exchange in
 * the registrar log. 0 with *bal filled; or an error in err: with *asked
 * the registrar's refusal (or why it did not answer), without it why the
 * registrar could not be asked (e is invalid, no key). */
int conn_probe(struct app *app, const char *title_or_id,
               const struct conn_edit *e, struct reg_balance *bal, bool *asked,
               struct rm_err *err);

#endif
