/*
 * app - one regman process's view of its installation: the parsed
 * regman.conf, the open store, the master key, and the way to reach a
 * registrar connection.
 *
 * regman.conf (docs/regman.conf.5) is INI:
 *   [regman]    database, master_key_file, currency, log_level
 *   [registrar] connect_timeout_ms, timeout_ms, send_attempts,
 *               retry_delay_ms, lease_s, log_keep_days, poll_workers
 *   [mail]      read once here by mail_config_load (mail/mail.h) into
 *               set.mail, so core queues its mails with the same
 *               configuration the daemon delivers them with
 * Relative paths are relative to the directory of the config file. Unknown
 * sections or keys are errors naming FILE:LINE.
 *
 * Core never includes a registrar driver (design section 3): the entry
 * point (cli, later web) sets app.make_registrar, which builds a struct
 * registrar for a connection and routes every exchange to the sink that
 * core passes (reglog.h), so core stores them in registrar_log.
 *
 * Ownership: app_open allocates; app_close releases everything (the key is
 * wiped). One app is used by one thread.
 */
#ifndef RM_CORE_APP_H
#define RM_CORE_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "mail/mail.h"
#include "registrar/registrar.h"
#include "store/store.h"
#include "util/config.h"
#include "util/err.h"
#include "util/secret.h"

#define APP_DEFAULT_CONF "regman.conf"
#define APP_SYSTEM_CONF "/etc/regman/regman.conf"

struct conn;
struct reglog_entry;

/* The sink a driver calls for every exchange (redacted). */
typedef void reglog_sink_fn(const struct reglog_entry *e, void *arg);

struct app_settings {
    char *conf_path;
    char *database; /* resolved path or "sqlite:..." target */
    char *master_key_file;
    char currency[8];
    long connect_timeout_ms;
    long timeout_ms;
    int send_attempts;   /* NOT_SENT retries of one operation, total */
    long retry_delay_ms; /* first backoff; doubles per attempt */
    int64_t lease_s;     /* how long an operation's lease lasts */
    int log_keep_days;   /* registrar_log rows older are pruned (reglog.h) */
    int poll_workers;    /* this process's Async Manager threads per
                          * connection at most; 0: the connection's
                          * concurrency (core/async.h) */
    /* [mail]: from, admin, templates dir... Without `from` nothing can be
     * queued (outbox_queue refuses: the Message-ID is made from its domain,
     * and delivery needs it as the sender); core then skips a mail with a
     * log line rather than failing the state change that causes it. */
    struct mail_config mail;
};

struct app {
    struct app_settings set;
    struct store *st;
    struct secret_key key;
    bool have_key;
    char lease_owner[160]; /* lease_owner_name(): host:pid:boot:node */
    /* Registrars made while set wait for their connection's rate limit
     * before every request (core/pace.h): background work (sweep,
     * lifecycle, import) sets it while it runs. */
    bool pace_calls;
    bool mail_off_logged; /* "no [mail] from" warned once per app */
    /* set by the entry point; NULL → operations needing a registrar fail */
    int (*make_registrar)(struct app *app, const struct conn *c,
                          const char *key, reglog_sink_fn *sink, void *sink_arg,
                          struct registrar **out, struct rm_err *err);
};

enum {
    APP_OPEN_STORE = 1, /* open the database (migrations run) */
    APP_OPEN_KEY = 2,   /* load the master key */
    APP_RECOVER = 4,    /* run ops recovery (design section 4 rule 2) */
};

/* app_find_conf - explicit path, else ./regman.conf, else the system one;
 * RM_ENOTFOUND naming the places tried. *out is borrowed or static. */
int app_find_conf(const char *explicit_path, const char **out,
                  struct rm_err *err);

/* app_load_settings - read and validate a config file (check-config). */
int app_load_settings(const char *path, struct app_settings *set,
                      struct rm_err *err);
void app_settings_release(struct app_settings *set);

/* app_open - settings from conf_path (NULL: app_find_conf), then what
 * flags ask for. */
int app_open(const char *conf_path, unsigned flags, struct app **out,
             struct rm_err *err);
void app_close(struct app *app);

/* app_lease_live - is an operation lease held by a live owner? A lease is
 * live until it expires, unless its owner is a process on this host that
 * no longer exists (a crashed regman; util/lease.h, the rule job leases
 * follow too). */
bool app_lease_live(const struct app *app, const char *owner,
                    int64_t expires_at, int64_t now);

/* app_crash_point - test hook: abort() when REGMAN_CRASH_AT names this
 * point (after_charge, after_sending, after_send, after_answer,
 * before_settle). */
void app_crash_point(const char *name);

/* app_init_dir - `regman init`: create DIR/regman.conf, DIR/regman.db and
 * DIR/master.key; refuses when any exists. */
int app_init_dir(const char *dir, struct rm_err *err);

#endif
