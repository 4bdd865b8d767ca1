/*
 * app - configuration, store, master key and leases (contract in app.h).
 */
#include "core/app.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/currency.h"
#include "core/keycheck.h"
#include "core/reglog.h"
#include "store/pg_sql.h"
#include "util/clock.h"
#include "util/lease.h"
#include "util/log.h"
#include "util/xalloc.h"

int app_find_conf(const char *explicit_path, const char **out,
                  struct rm_err *err)
{
    if (explicit_path) {
        *out = explicit_path;
        return 0;
    }
    if (access(APP_DEFAULT_CONF, F_OK) == 0) {
        *out = APP_DEFAULT_CONF;
        return 0;
    }
    if (access(APP_SYSTEM_CONF, F_OK) == 0) {
        *out = APP_SYSTEM_CONF;
        return 0;
    }
    return rm_err_set(err, RM_ENOTFOUND,
                      "no configuration: ./%s and %s do not exist (run "
                      "\"regman init\" or pass -c FILE)",
                      APP_DEFAULT_CONF, APP_SYSTEM_CONF);
}

/* resolve - path relative to the config file's directory. */
static char *resolve(const char *conf, const char *p)
{
    const char *slash;

    if (p[0] == '/' || strncmp(p, "sqlite:", 7) == 0 ||
        strncmp(p, "postgresql:", 11) == 0 || strncmp(p, "postgres:", 9) == 0)
        return xstrdup(p);
    slash = strrchr(conf, '/');
    if (!slash)
        return xstrdup(p);
    return xasprintf("%.*s/%s", (int)(slash - conf), conf, p);
}

/* entry_line - the line of section's key in cfg, 0 when it is absent. */
static int entry_line(const struct config *cfg, const char *section,
                      const char *key)
{
    for (size_t i = 0; i < cfg->n; i++)
        if (strcmp(cfg->entries[i].section, section) == 0 &&
            strcmp(cfg->entries[i].key, key) == 0)
            return cfg->entries[i].line;
    return 0;
}

/* Sections read here; [http] belongs to regman serve, and [mail] is
 * parsed by mail_config_load (mail.h), both owners of their own keys. */
static const char *const known_sections[] = {"regman", "registrar", "http",
                                             "mail", NULL};

int app_load_settings(const char *path, struct app_settings *set,
                      struct rm_err *err)
{
    struct config cfg;
    const char *v;
    int64_t i;
    int rc;

    memset(set, 0, sizeof *set);
    mail_config_init(&set->mail);
    if ((rc = config_load(path, &cfg, err)) < 0)
        return rc;
    set->conf_path = xstrdup(path);
    v = config_get(&cfg, "regman", "database");
    if (!v || !*v) {
        rc = rm_err_set(err, RM_EINVAL, "%s: [regman] database is required",
                        path);
        goto out;
    }
    set->database = resolve(path, v);
    v = config_get_str(&cfg, "regman", "master_key_file", "master.key");
    set->master_key_file = resolve(path, v);
    v = config_get_str(&cfg, "regman", "currency", "USD");
    if ((rc = currency_check(v, err)) < 0) {
        rm_err_prefix(err, "%s:%d: [regman] ", path,
                      entry_line(&cfg, "regman", "currency"));
        goto out;
    }
    snprintf(set->currency, sizeof set->currency, "%s", v);
    v = config_get_str(&cfg, "regman", "log_level", "warn");
    if (strcmp(v, "debug") == 0)
        rm_log_set_level(LOG_DEBUG);
    else if (strcmp(v, "info") == 0)
        rm_log_set_level(LOG_INFO);
    else if (strcmp(v, "warn") == 0)
        rm_log_set_level(LOG_WARN);
    else if (strcmp(v, "error") == 0)
        rm_log_set_level(LOG_ERROR);
    else {
        rc = rm_err_set(err, RM_EINVAL,
                        "%s: [regman] log_level must be debug, info, warn or "
                        "error",
                        path);
        goto out;
    }
    if ((rc = config_get_int(&cfg, "registrar", "connect_timeout_ms", 15000,
                             100, 600000, &i, err)) < 0)
        goto out;
    set->connect_timeout_ms = (long)i;
    if ((rc = config_get_int(&cfg, "registrar", "timeout_ms", 80000, 100,
                             3600000, &i, err)) < 0)
        goto out;
    set->timeout_ms = (long)i;
    if ((rc = config_get_int(&cfg, "registrar", "send_attempts", 3, 1, 10, &i,
                             err)) < 0)
        goto out;
    set->send_attempts = (int)i;
    if ((rc = config_get_int(&cfg, "registrar", "retry_delay_ms", 500, 0, 60000,
                             &i, err)) < 0)
        goto out;
    set->retry_delay_ms = (long)i;
    /* The lease must outlive every send attempt of one operation, so a
     * live process is never mistaken for a crashed one. */
    if ((rc = config_get_int(&cfg, "registrar", "lease_s", 0, 0, 86400, &i,
                             err)) < 0)
        goto out;
    set->lease_s = i ? i
                     : (int64_t)set->send_attempts *
                               (set->timeout_ms + set->connect_timeout_ms +
                                set->retry_delay_ms * 8) /
                               1000 +
                           60;
    if ((rc = config_get_int(&cfg, "registrar", "log_keep_days", 90, 1, 3650,
                             &i, err)) < 0)
        goto out;
    set->log_keep_days = (int)i;
    if ((rc = config_get_int(&cfg, "registrar", "poll_workers", 0, 0, 256, &i,
                             err)) < 0)
        goto out;
    set->poll_workers = (int)i;
    /* Once, at open: operations render their customer mails from
     * set.mail.templates_dir and queue them with set.mail.from. */
    if ((rc = mail_config_load(&cfg, &set->mail, err)) < 0)
        goto out;
    for (size_t k = 0; k < cfg.n; k++) {
        bool known = false;
        for (size_t s = 0; known_sections[s]; s++)
            known =
                known || strcmp(cfg.entries[k].section, known_sections[s]) == 0;
        if (!known) {
            rc = rm_err_set(err, RM_EINVAL, "%s:%d: unknown section [%s]", path,
                            cfg.entries[k].line, cfg.entries[k].section);
            goto out;
        }
    }
    const struct config_entry *u = NULL;
    for (size_t k = 0; k < cfg.n && !u; k++)
        if (!cfg.entries[k].used &&
            (strcmp(cfg.entries[k].section, "regman") == 0 ||
             strcmp(cfg.entries[k].section, "registrar") == 0))
            u = &cfg.entries[k];
    if (u) {
        rc = rm_err_set(err, RM_EINVAL, "%s:%d: unknown key \"%s\" in [%s]",
                        path, u->line, u->key, u->section);
        goto out;
    }
    rc = 0;
out:
    config_free(&cfg);
    if (rc < 0)
        app_settings_release(set);
    return rc;
}

void app_settings_release(struct app_settings *set)
{
    free(set->conf_path);
    free(set->database);
    free(set->master_key_file);
    mail_config_release(&set->mail);
    memset(set, 0, sizeof *set);
}

int app_open(const char *conf_path, unsigned flags, struct app **out,
             struct rm_err *err)
{
    const char *path;
    struct app *app;
    int rc;

    *out = NULL;
    if ((rc = app_find_conf(conf_path, &path, err)) < 0)
        return rc;
    app = xcalloc(1, sizeof *app);
    if ((rc = app_load_settings(path, &app->set, err)) < 0) {
        free(app);
        return rc;
    }
    /* HOST:PID:BOOT:NODE (util/lease.h): unique across nodes and boots. */
    lease_owner_name(app->lease_owner, sizeof app->lease_owner, 0);
    if (flags & (APP_OPEN_KEY | APP_RECOVER)) {
        if ((rc = secret_key_load(app->set.master_key_file, &app->key, err)) <
            0)
            goto fail;
        app->have_key = true;
    }
    if (flags & (APP_OPEN_STORE | APP_RECOVER)) {
        if ((rc = store_open(app->set.database, NULL, &app->st, err)) < 0) {
            char shown[512]; /* never the password of a database URL */
            store_pg_redact(app->set.database, shown, sizeof shown);
            rm_err_prefix(err, "database %s: ", shown);
            goto fail;
        }
    }
    /* The key must be the database's (core/keycheck.h): a node with another
     * master key would seal secrets no other node can open. */
    if (app->have_key && app->st &&
        (rc = keycheck_verify(app->st, &app->key, app->set.master_key_file,
                              clock_now(), err)) < 0)
        goto fail;
    *out = app;
    return 0;
fail:
    app_close(app);
    return rc;
}

void app_close(struct app *app)
{
    struct rm_err err;
    int n;

    if (!app)
        return;
    /* a last chance for registrar log rows kept in memory (reglog.h) */
    if (app->st && reglog_kept() && reglog_flush(app, &n, &err) < 0)
        rm_log(LOG_WARN, "registrar log: %zu row(s) still kept: %s",
               reglog_kept(), err.msg);
    store_close(app->st);
    secret_key_wipe(&app->key);
    app_settings_release(&app->set);
    free(app);
}

bool app_lease_live(const struct app *app, const char *owner,
                    int64_t expires_at, int64_t now)
{
    (void)app;
    if (!owner || !*owner || expires_at <= now)
        return false;
    /* A lease of a process on this host that is gone is dead at once:
     * a crashed CLI run must not block its operation until expiry. */
    return !lease_owner_gone(owner);
}

void app_crash_point(const char *name)
{
    const char *at = getenv("REGMAN_CRASH_AT");

    if (at && strcmp(at, name) == 0) {
        fprintf(stderr, "regman: REGMAN_CRASH_AT=%s: aborting\n", name);
        abort();
    }
}

static const char conf_template[] =
    "# regman.conf - see regman.conf(5)\n"
    "[regman]\n"
    "# the SQLite database file (relative paths are relative to this "
    "file)\n"
    "database = regman.db\n"
    "# libsodium key sealing registrar keys; mode 0600\n"
    "master_key_file = master.key\n"
    "currency = USD\n"
    "log_level = warn\n"
    "\n"
    "[registrar]\n"
    "connect_timeout_ms = 15000\n"
    "timeout_ms = 80000\n"
    "send_attempts = 3\n"
    "retry_delay_ms = 500\n";

int app_init_dir(const char *dir, struct rm_err *err)
{
    char *conf = xasprintf("%s/regman.conf", dir);
    char *db = xasprintf("%s/regman.db", dir);
    char *key = xasprintf("%s/master.key", dir);
    struct store_open_opts so = {.create = 1};
    struct store *st = NULL;
    int rc = 0, fd = -1;
    size_t len = sizeof conf_template - 1;
    struct stat sb;

    if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
        rc = rm_err_set(err, RM_EINVAL, "%s is not a directory", dir);
        goto out;
    }
    const char *files[] = {conf, db, key};
    for (size_t i = 0; i < 3; i++) {
        if (access(files[i], F_OK) == 0) {
            rc = rm_err_set(err, RM_EREFUSED,
                            "%s already exists; refusing to overwrite",
                            files[i]);
            goto out;
        }
    }
    if ((rc = secret_key_create(key, err)) < 0)
        goto out;
    if ((rc = store_open(db, &so, &st, err)) < 0) {
        unlink(key);
        goto out;
    }
    store_close(st);
    fd = open(conf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0 || write(fd, conf_template, len) != (ssize_t)len) {
        rc = rm_err_set(err, RM_EIO, "%s: %s", conf, strerror(errno));
        goto out;
    }
out:
    if (fd >= 0)
        close(fd);
    free(conf);
    free(db);
    free(key);
    return rc;
}
