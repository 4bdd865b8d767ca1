/*
 * cmd_demo - `regman demo [--dir D] [--port N] [--ready-file F]`: a
 * complete local installation to try regman with, in one command.
 *
 *  1. D (or a new temporary directory) gets `regman init` when it has no
 *     regman.conf yet, plus a [mail] From and admin address without
 *     smtp_url (customer mails, digests and alerts are queued and shown,
 *     never sent); an existing demo directory is reused.
 *  2. opensrs-sim starts as a child on 127.0.0.1 (OS-chosen ports, HTTPS
 *     with its self-signed CA, .ca asynchronous, state kept in D). The
 *     child dies with us (PR_SET_PDEATHSIG) and is stopped and reaped when
 *     serve returns, so no process outlives the demo.
 *  3. First run: the connection "OpenSRS (local test server)" with a short
 *     license agreement, .com .net .org .ca with prices, the customer
 *     account demo-customer credited 100.00 with an owner contact (a
 *     Canadian corporation, CIRA legal type CCO, for .ca), and
 *     the logins admin and customer with random passwords (kept, mode
 *     0600, in D/demo-logins.txt). Later runs point the connection at the
 *     new sim port and key. Each run's reseller key is written to
 *     D/sim.key (mode 0600), so an admin can add a second connection to
 *     the same sim or talk to it with `regman xcp --key-file`.
 *  4. serve_run on 127.0.0.1:N, printing the URL, logins, the sim's URL
 *     and the key file once it listens. Ctrl-C stops everything; a
 *     temporary directory is removed then, a given one is kept.
 *
 * The port is settled before anything else (demo_port): without --port,
 * 8080 or, when that is in use, the next free one up to DEMO_PORT_LAST; an
 * explicit --port N is taken as meant and refused when in use (exit 1);
 * --port 0 lets the system choose when serve binds. The chosen port is
 * held by a listening socket of ours while the demo prepares and released
 * just before serve binds it, so only another program binding it in that
 * instant can take it (serve then fails to listen, exit 4). The banner
 * and the ready file give the port serve actually bound.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cli.h"
#include "cli/cmd_serve.h"
#include "core/account.h"
#include "core/conn.h"
#include "core/ledger.h"
#include "core/login.h"
#include "core/tld.h"
#include "util/clock.h"
#include "util/secret.h"
#include "util/xalloc.h"

#define DEMO_CONN "OpenSRS (local test server)"
#define DEMO_ACCOUNT "demo-customer"
#define DEMO_USER "demo"
#define DEMO_PORT 8080      /* without --port */
#define DEMO_PORT_LAST 8099 /* the default falls forward up to here */

static const char usage[] =
    "regman demo [--dir DIR] [--port N] [--ready-file FILE]";

/* port_hold - listen on 127.0.0.1:port with SO_REUSEADDR, as the HTTP
 * server will (a port in TIME_WAIT is free, one something listens on is
 * not); *fd is the socket (close-on-exec: the sim does not inherit it).
 * Returns 0 or an errno value. */
static int port_hold(unsigned port, int *fd)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int one = 1, e, s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (s < 0)
        return errno;
    if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
        bind(s, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(s, 1) == 0) {
        *fd = s;
        return 0;
    }
    e = errno;
    close(s);
    return e;
}

/*
 * demo_port - settle the port to serve on (see the top of this file):
 * *port and the socket that holds it in *fd (-1 for port 0), or an exit
 * status after saying why on stderr.
 */
static int demo_port(const char *given, unsigned want, unsigned *port, int *fd)
{
    int e;

    *fd = -1;
    *port = want;
    if (given && want == 0)
        return EXIT_OK;
    if (given) {
        if ((e = port_hold(want, fd)) == 0)
            return EXIT_OK;
        if (e == EADDRINUSE) {
            fprintf(stderr,
                    "regman: demo: port %u on 127.0.0.1 is in use; choose "
                    "another with --port N, or --port 0 for any free "
                    "port\n",
                    want);
            return EXIT_REFUSED;
        }
        fprintf(stderr, "regman: demo: cannot listen on 127.0.0.1:%u: %s\n",
                want, strerror(e));
        return EXIT_SYSTEM;
    }
    for (unsigned p = DEMO_PORT; p <= DEMO_PORT_LAST; p++) {
        if ((e = port_hold(p, fd)) == 0) {
            *port = p;
            return EXIT_OK;
        }
        if (e != EADDRINUSE) {
            fprintf(stderr, "regman: demo: cannot listen on 127.0.0.1:%u: %s\n",
                    p, strerror(e));
            return EXIT_SYSTEM;
        }
    }
    fprintf(stderr,
            "regman: demo: ports %u to %u on 127.0.0.1 are all in use; "
            "choose one with --port N, or --port 0 for any free port\n",
            DEMO_PORT, DEMO_PORT_LAST);
    return EXIT_REFUSED;
}

static const char license_text[] =
    "Demo Registration Agreement\n"
    "\n"
    "1. This is a local test installation: names registered here exist only "
    "in the test server on this computer.\n"
    "2. Registrations are charged to your demo balance and refunded when the "
    "registrar declines them.\n"
    "3. You keep your contact details current and use your domains "
    "lawfully.\n";

/* find_sim - opensrs-sim: $REGMAN_SIM, next to this binary, the build
 * tree's, else by PATH. */
static char *find_sim(void)
{
    const char *env = getenv("REGMAN_SIM");
    char self[PATH_MAX];
    if (env && *env)
        return xstrdup(env);
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            char *p = xasprintf("%s/opensrs-sim", self);
            if (access(p, X_OK) == 0)
                return p;
            free(p);
            p = xasprintf("%s/../sim/opensrs-sim", self);
            if (access(p, X_OK) == 0)
                return p;
            free(p);
        }
    }
    return xstrdup("opensrs-sim");
}

struct sim {
    pid_t pid;
    unsigned port;
    unsigned legacy_port; /* its legacy-protocol listener (port 55000's) */
};

static int sim_start(const char *dir, const char *key, struct sim *s)
{
    char *exe = find_sim();
    char *ready = xasprintf("%s/sim.ready", dir);
    char *tls = xasprintf("%s/tls", dir);
    char *state = xasprintf("%s/sim-state.json", dir);
    char *log = xasprintf("%s/sim.log", dir);
    char *reseller = xasprintf("%s:%s", DEMO_USER, key);
    pid_t parent = getpid();
    int rc = -1;

    unlink(ready);
    s->pid = fork();
    if (s->pid < 0) {
        fprintf(stderr, "regman: fork: %s\n", strerror(errno));
        goto out;
    }
    if (s->pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        /* never outlive the demo, even when it is killed -9 */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(1);
        char *args[] = {exe,           "--listen",
                        "127.0.0.1:0", "--control",
                        "127.0.0.1:0", "--reseller",
                        reseller,      "--tls-self-signed",
                        tls,           "--state",
                        state,         "--ready-file",
                        ready,         "--log",
                        log,           "--async-tlds",
                        "ca",          "--async-delay",
                        "120",         "--listen-legacy",
                        "127.0.0.1:0", NULL};
        execvp(exe, args);
        fprintf(stderr, "regman: cannot run %s: %s\n", exe, strerror(errno));
        _exit(127);
    }
    /* the sim writes its ready file once every socket listens */
    for (int i = 0; i < 1000; i++) {
        FILE *f = fopen(ready, "r");
        if (f) {
            char line[128];
            while (fgets(line, sizeof line, f)) {
                if (sscanf(line, "listen=127.0.0.1:%u", &s->port) == 1)
                    rc = 0;
                sscanf(line, "legacy=127.0.0.1:%u", &s->legacy_port);
            }
            fclose(f);
            if (rc == 0)
                break;
        }
        int st;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            fprintf(stderr, "regman: opensrs-sim (%s) exited; see %s\n", exe,
                    log);
            s->pid = 0;
            goto out;
        }
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    if (rc < 0)
        fprintf(stderr, "regman: opensrs-sim did not start; see %s\n", log);
out:
    free(exe);
    free(ready);
    free(tls);
    free(state);
    free(log);
    free(reseller);
    return rc;
}

static void sim_stop(struct sim *s)
{
    if (s->pid <= 0)
        return;
    kill(s->pid, SIGTERM);
    while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    s->pid = 0;
}

struct logins {
    char admin_pw[40], customer_pw[40];
};

static int save_logins(const char *dir, const struct logins *l)
{
    char *p = xasprintf("%s/demo-logins.txt", dir);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    free(p);
    if (fd < 0)
        return -1;
    dprintf(fd, "admin %s\ncustomer %s\n", l->admin_pw, l->customer_pw);
    close(fd);
    return 0;
}

static void load_logins(const char *dir, struct logins *l)
{
    char *p = xasprintf("%s/demo-logins.txt", dir);
    FILE *f = fopen(p, "r");
    free(p);
    snprintf(l->admin_pw, sizeof l->admin_pw, "(see demo-logins.txt)");
    snprintf(l->customer_pw, sizeof l->customer_pw, "(see demo-logins.txt)");
    if (!f)
        return;
    char user[32], pw[40];
    while (fscanf(f, "%31s %39s", user, pw) == 2) {
        if (strcmp(user, "admin") == 0)
            snprintf(l->admin_pw, sizeof l->admin_pw, "%s", pw);
        else if (strcmp(user, "customer") == 0)
            snprintf(l->customer_pw, sizeof l->customer_pw, "%s", pw);
    }
    fclose(f);
}

/* demo_key - a reseller key as OpenSRS issues them: 112 hex digits. */
static char *demo_key(void)
{
    unsigned char bin[56];
    char *hex = xmalloc(2 * sizeof bin + 1);
    randombytes_buf(bin, sizeof bin);
    sodium_bin2hex(hex, 2 * sizeof bin + 1, bin, sizeof bin);
    return hex;
}

/* save_key - the sim's reseller key, one line, readable by the owner
 * only (an existing file is replaced, its mode set again). */
static int save_key(const char *dir, const char *key, struct rm_err *err)
{
    char *p = xasprintf("%s/sim.key", dir);
    int fd =
        open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    int rc = 0;
    if (fd < 0 || fchmod(fd, 0600) < 0 || dprintf(fd, "%s\n", key) < 0)
        rc = rm_err_set(err, RM_EIO, "%s: %s", p, strerror(errno));
    if (fd >= 0 && close(fd) < 0 && rc == 0)
        rc = rm_err_set(err, RM_EIO, "%s: %s", p, strerror(errno));
    free(p);
    return rc;
}

/* demo_mail - a [mail] section for a fresh demo: a From address, so
 * operations queue their customer mails (nothing is queued without one),
 * an admin address, so the Async Manager's digests and the lifecycle's
 * alerts are queued too, and no smtp_url, so they stay in the outbox (the
 * admin's Mail page) and nothing leaves this computer. */
static int demo_mail(const char *conf, struct rm_err *err)
{
    FILE *f = fopen(conf, "a");

    if (!f)
        return rm_err_set(err, RM_EIO, "%s: %s", conf, strerror(errno));
    fputs("\n[mail]\n"
          "# no smtp_url: mail stays queued, visible in the admin's Mail "
          "page\n"
          "from = regman@localhost\n"
          "admin = admin@localhost\n",
          f);
    if (fclose(f) != 0)
        return rm_err_set(err, RM_EIO, "%s: %s", conf, strerror(errno));
    return 0;
}

/* seed - the demo data of a fresh installation. */
static int seed(struct app *app, const char *dir, unsigned port,
                const char *key, struct logins *l, struct rm_err *err)
{
    char portbuf[16], *ca = xasprintf("%s/tls/ca.pem", dir);
    struct conn_edit e = {
        .title = DEMO_CONN,
        .server = "127.0.0.1",
        .port = portbuf,
        .tls = "yes",
        .login = DEMO_USER,
        .key = key,
        .license_text = license_text,
        .test_mode = "yes",
        .ca_file = ca,
        .default_ns = "ns1.example.net,ns2.example.net",
        /* short windows: the async .ca settles within minutes */
        .first_check = "60",
        .poll_interval = "60",
    };
    int64_t id, acct;
    int rc;

    snprintf(portbuf, sizeof portbuf, "%u", port);
    rc = conn_add(app, &e, &id, err);
    free(ca);
    if (rc < 0)
        return rc;
    static const struct {
        const char *tld;
        const char *prices[6];
    } tlds[] = {
        {".com",
         {"register:1=12.99", "register:2=25.98", "register:5=64.95",
          "renew:1=12.99", "transfer:1=9.99", NULL}},
        {".net",
         {"register:1=13.99", "register:2=27.98", "renew:1=13.99",
          "transfer:1=10.99", NULL, NULL}},
        {".org",
         {"register:1=11.99", "register:2=23.98", "renew:1=11.99",
          "transfer:1=9.99", NULL, NULL}},
        {".ca",
         {"register:1=14.99", "register:2=29.98", "renew:1=14.99",
          "transfer:1=14.99", NULL, NULL}},
    };
    for (size_t i = 0; i < sizeof tlds / sizeof tlds[0]; i++) {
        struct tld_set_req q = {.tld = tlds[i].tld,
                                .connection = DEMO_CONN,
                                .terms = "1-10",
                                .prices = (const char **)tlds[i].prices};
        while (q.nprices < 6 && tlds[i].prices[q.nprices])
            q.nprices++;
        if ((rc = tld_set(app, &q, err)) < 0)
            return rc;
    }
    if ((rc = account_add(app, DEMO_ACCOUNT, "customer@example.com", NULL,
                          false, &acct, err)) < 0 ||
        (rc = ledger_credit(app->st, acct, 10000, "demo:welcome", "demo credit",
                            clock_now(), err)) < 0)
        return rc;
    const char *vals[CONTACT_FIELDS + 1] = {"Ada",
                                            "Lovelace",
                                            "Analytical Engines",
                                            "1 Engine Way",
                                            NULL,
                                            NULL,
                                            "Toronto",
                                            "ON",
                                            "M5V 1A1",
                                            "CA",
                                            "+1.4165550123",
                                            NULL,
                                            "customer@example.com",
                                            "en"};
    /* the demo company is a Canadian corporation: what .ca asks */
    struct registrant_update x = REGISTRANT_UPDATE_KEEP;
    x.cira_legal_type = "CCO";
    if ((rc = contact_save(app, acct, "owner", vals, &x, err)) < 0)
        return rc;
    char *a = secret_random_text(16), *c = secret_random_text(16);
    snprintf(l->admin_pw, sizeof l->admin_pw, "%s", a);
    snprintf(l->customer_pw, sizeof l->customer_pw, "%s", c);
    free(a);
    free(c);
    if ((rc = login_create(app->st, "admin", l->admin_pw, LOGIN_ROLE_ADMIN, 0,
                           LOGIN_COST_INTERACTIVE, NULL, err)) < 0 ||
        (rc = login_create(app->st, "customer", l->customer_pw,
                           LOGIN_ROLE_CUSTOMER, acct, LOGIN_COST_INTERACTIVE,
                           NULL, err)) < 0)
        return rc;
    if (save_logins(dir, l) < 0)
        return rm_err_set(err, RM_EIO, "%s/demo-logins.txt: %s", dir,
                          strerror(errno));
    return 0;
}

/* repoint - a reused demo directory: the new sim's port and key. */
static int repoint(struct app *app, const char *dir, unsigned port,
                   const char *key, struct rm_err *err)
{
    char portbuf[16], *ca = xasprintf("%s/tls/ca.pem", dir);
    struct conn_edit e = {.port = portbuf, .key = key, .ca_file = ca};
    snprintf(portbuf, sizeof portbuf, "%u", port);
    int rc = conn_edit(app, DEMO_CONN, &e, err);
    free(ca);
    return rc;
}

struct banner {
    const char *dir;
    const struct logins *l;
    unsigned sim_port, legacy_port;
    bool temp, fresh;
    bool fell_forward; /* DEMO_PORT was in use */
};

static void on_ready(const char *url, void *arg)
{
    const struct banner *b = arg;
    if (b->fell_forward)
        printf("\nport %u on 127.0.0.1 is in use: serving on the next free "
               "port\n",
               DEMO_PORT);
    printf("\nregman demo is running\n\n"
           "  Customer panel  %s\n"
           "  Admin panel     %sadmin/\n"
           "  API             %sapi/v1/  (docs/openapi.yaml)\n\n"
           "  Admin login     admin / %s\n"
           "  Customer login  customer / %s  (account %s%s)\n\n"
           "  Registrar       opensrs-sim at https://127.0.0.1:%u/ "
           "(.ca is asynchronous)\n"
           "                  and its legacy protocol (port 55000's) on "
           "127.0.0.1:%u\n"
           "  Reseller        %s, key in %s/sim.key (CA %s/tls/ca.pem)\n"
           "  Data            %s%s\n"
           "  CLI             regman domain list -c %s/regman.conf\n\n"
           "Press Ctrl-C to stop.\n",
           url, url, url, b->l->admin_pw, b->l->customer_pw, DEMO_ACCOUNT,
           b->fresh ? ", credited 100.00" : "", b->sim_port, b->legacy_port,
           DEMO_USER, b->dir, b->dir, b->dir,
           b->temp ? " (removed when the demo stops)" : "", b->dir);
    fflush(stdout);
}

static int rm_entry(const char *path, const struct stat *sb, int flag,
                    struct FTW *ftw)
{
    return remove(path);
}

int cmd_demo(int argc, char **argv)
{
    struct cli_common com = {0};
    const char *pos[1], *dir_opt = NULL, *port_s = NULL, *ready = NULL;
    size_t npos;
    struct cli_opt opts[] = {{"dir", OPT_VALUE, &dir_opt},
                             {"port", OPT_VALUE, &port_s},
                             {"ready-file", OPT_VALUE, &ready},
                             {NULL, 0, NULL}};
    struct rm_err err;
    struct sim sim = {0};
    struct logins l;
    struct app *app = NULL;
    char tmpl[] = "/tmp/regman-demo.XXXXXX", *dir = NULL, *conf = NULL;
    int64_t port = DEMO_PORT;
    unsigned serve_port;
    int rc, status = EXIT_SYSTEM, hold = -1;

    if ((rc = cli_parse(argc, argv, opts, &com, pos, 0, &npos)))
        return rc;
    if (com.help)
        return cli_usage(usage), EXIT_OK;
    rm_err_clear(&err);
    if (port_s && conn_parse_int("--port", port_s, 0, 65535, &port, &err) < 0)
        return cli_fail(RM_EINVAL, &err);
    if ((rc = demo_port(port_s, (unsigned)port, &serve_port, &hold)) != EXIT_OK)
        return rc;
    if (dir_opt) {
        if (mkdir(dir_opt, 0700) < 0 && errno != EEXIST) {
            fprintf(stderr, "regman: %s: %s\n", dir_opt, strerror(errno));
            goto out;
        }
        dir = realpath(dir_opt, NULL);
    } else {
        dir = mkdtemp(tmpl) ? xstrdup(tmpl) : NULL;
    }
    if (!dir) {
        fprintf(stderr, "regman: demo directory: %s\n", strerror(errno));
        goto out;
    }
    conf = xasprintf("%s/regman.conf", dir);
    bool fresh = access(conf, F_OK) != 0;
    if (fresh && ((rc = app_init_dir(dir, &err)) < 0 ||
                  (rc = demo_mail(conf, &err)) < 0)) {
        fprintf(stderr, "regman: %s\n", err.msg);
        goto out;
    }
    /* hex, as OpenSRS issues keys: the legacy protocol needs it */
    char *key = demo_key();
    if (save_key(dir, key, &err) < 0) {
        fprintf(stderr, "regman: %s\n", err.msg);
        free(key);
        goto out;
    }
    if (sim_start(dir, key, &sim) < 0) {
        free(key);
        goto out;
    }
    if ((rc = app_open(conf, APP_OPEN_STORE | APP_OPEN_KEY, &app, &err)) == 0)
        rc = fresh ? seed(app, dir, sim.port, key, &l, &err)
                   : repoint(app, dir, sim.port, key, &err);
    free(key);
    app_close(app);
    if (rc < 0) {
        fprintf(stderr, "regman: demo setup: %s\n", err.msg);
        goto out;
    }
    if (!fresh)
        load_logins(dir, &l);

    char listen[32];
    snprintf(listen, sizeof listen, "127.0.0.1:%u", serve_port);
    struct banner b = {dir,
                       &l,
                       sim.port,
                       sim.legacy_port,
                       !dir_opt,
                       fresh,
                       !port_s && serve_port != DEMO_PORT};
    struct serve_opts so = {.conf = conf,
                            .listen = listen,
                            .ready_file = ready,
                            .on_ready = on_ready,
                            .arg = &b};
    /* released at the last moment: serve binds it next */
    if (hold >= 0)
        close(hold);
    hold = -1;
    status = serve_run(&so);
out:
    if (hold >= 0)
        close(hold);
    sim_stop(&sim);
    if (!dir_opt && dir)
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(conf);
    free(dir);
    return status;
}
