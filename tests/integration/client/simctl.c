/*
 * simctl - opensrs-sim harness for integration tests (see simctl.h).
 */
#include "simctl.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"

static int rm_entry(const char *p, const struct stat *st, int flag,
                    struct FTW *f)
{
    return remove(p);
}

static int read_ready(struct simctl *s, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    int tls = -1;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strncmp(line, "listen=", 7) == 0 && !s->listen[0])
            snprintf(s->listen, sizeof(s->listen), "%.63s", line + 7);
        else if (strncmp(line, "legacy=", 7) == 0)
            snprintf(s->legacy_listen, sizeof(s->legacy_listen), "%.63s",
                     line + 7);
        else if (strncmp(line, "control=", 8) == 0)
            snprintf(s->control, sizeof(s->control), "%.63s", line + 8);
        else if (strncmp(line, "tls=", 4) == 0)
            tls = atoi(line + 4);
    }
    fclose(f);
    if (!s->listen[0] || !s->control[0] || tls != (int)s->tls ||
        (s->legacy && !s->legacy_listen[0]))
        return -1;
    return 0;
}

static int start(struct simctl *s, const char *sim_path, bool tls, bool legacy)
{
    memset(s, 0, sizeof(*s));
    s->tls = tls;
    s->legacy = legacy;
    snprintf(s->dir, sizeof(s->dir), "/tmp/regman-client-it-XXXXXX");
    if (!mkdtemp(s->dir))
        return -1;
    char ready[160], log[160], tlsdir[160], out[160], clock[32];
    snprintf(ready, sizeof(ready), "%s/ready", s->dir);
    snprintf(log, sizeof(log), "%s/sim.log", s->dir);
    snprintf(tlsdir, sizeof(tlsdir), "%s/tls", s->dir);
    snprintf(out, sizeof(out), "%s/sim.out", s->dir);
    snprintf(clock, sizeof(clock), "%d", SIMCTL_CLOCK);
    snprintf(s->ca_file, sizeof(s->ca_file), "%s/ca.pem", tlsdir);
    snprintf(s->key_file, sizeof(s->key_file), "%s/key", s->dir);
    FILE *kf = fopen(s->key_file, "w");
    if (!kf)
        return -1;
    fprintf(kf, "%s\n", SIMCTL_KEY);
    fclose(kf);
    chmod(s->key_file, 0600);

    const char *argv[24];
    int n = 0;
    argv[n++] = sim_path;
    argv[n++] = "--listen";
    argv[n++] = "127.0.0.1:0";
    argv[n++] = "--control";
    argv[n++] = "127.0.0.1:0";
    argv[n++] = "--reseller";
    argv[n++] = SIMCTL_USER ":" SIMCTL_KEY;
    argv[n++] = "--ready-file";
    argv[n++] = ready;
    argv[n++] = "--log";
    argv[n++] = log;
    argv[n++] = "--clock";
    argv[n++] = clock;
    argv[n++] = "--seed";
    argv[n++] = "1";
    if (tls) {
        argv[n++] = "--tls-self-signed";
        argv[n++] = tlsdir;
    }
    if (legacy) {
        argv[n++] = "--listen-legacy";
        argv[n++] = "127.0.0.1:0";
        argv[n++] = "--idle-timeout";
        argv[n++] = "2";
    }
    argv[n] = NULL;

    s->pid = fork();
    if (s->pid < 0)
        return -1;
    if (s->pid == 0) {
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(sim_path, (char *const *)argv);
        _exit(127);
    }
    /* Poll for the ready file the sim writes atomically once every
     * socket listens (the readiness signal), up to 20 s. */
    for (int i = 0; i < 2000; i++) {
        if (access(ready, R_OK) == 0 && read_ready(s, ready) == 0)
            break;
        int st;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            fprintf(stderr, "simctl: opensrs-sim exited early (see %s)\n", out);
            s->pid = 0;
            return -1;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (!s->listen[0]) {
        fprintf(stderr, "simctl: opensrs-sim never became ready\n");
        simctl_stop(s);
        return -1;
    }
    if (legacy)
        snprintf(s->url, sizeof(s->url), "legacy://%s/", s->legacy_listen);
    else
        snprintf(s->url, sizeof(s->url), "%s://%s/", tls ? "https" : "http",
                 s->listen);
    return 0;
}

int simctl_start(struct simctl *s, const char *sim_path, bool tls)
{
    return start(s, sim_path, tls, false);
}

int simctl_start_legacy(struct simctl *s, const char *sim_path)
{
    return start(s, sim_path, false, true);
}

void simctl_stop(struct simctl *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        int st;
        waitpid(s->pid, &st, 0);
        s->pid = 0;
    }
    if (s->dir[0] && !getenv("SIMCTL_KEEP"))
        nftw(s->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static size_t sink(char *p, size_t size, size_t n, void *arg)
{
    buf_add(arg, p, size * n);
    return size * n;
}

json_t *simctl_call(struct simctl *s, const char *method, const char *path,
                    const char *body, long *status)
{
    char url[256];
    snprintf(url, sizeof(url), "http://%s%s", s->control, path);
    CURL *h = curl_easy_init();
    struct buf b;
    buf_init(&b);
    struct curl_slist *hd =
        curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
    if (body || strcmp(method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "{}");
    }
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    CURLcode rc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(h);
    curl_slist_free_all(hd);
    if (status)
        *status = code;
    json_t *j = NULL;
    if (rc == CURLE_OK)
        j = json_loadb(b.data, b.len, 0, NULL);
    if (rc != CURLE_OK || !j)
        fprintf(stderr, "simctl: %s %s -> curl %d, HTTP %ld: %.300s\n", method,
                path, (int)rc, code, b.data);
    buf_release(&b);
    return j;
}

void simctl_ok(struct simctl *s, const char *method, const char *path,
               const char *fmt, ...)
{
    char body[4096];
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(body, sizeof(body), fmt, ap);
        va_end(ap);
    }
    long st = 0;
    json_t *j = simctl_call(s, method, path, fmt ? body : NULL, &st);
    if (!j || st != 200) {
        fprintf(stderr, "simctl: %s %s failed (HTTP %ld)\n", method, path, st);
        abort();
    }
    json_decref(j);
}

void simctl_reset(struct simctl *s)
{
    simctl_ok(s, "POST", "/state/reset", NULL);
    simctl_ok(s, "DELETE", "/rules", NULL);
    simctl_ok(s, "POST", "/counts/reset", NULL);
    simctl_ok(s, "POST", "/clock/set", "{\"now\": %d}", SIMCTL_CLOCK);
}

int64_t simctl_count(struct simctl *s, const char *action)
{
    json_t *j = simctl_call(s, "GET", "/counts", NULL, NULL);
    if (!j)
        abort();
    json_t *v = json_object_get(json_object_get(j, "actions"), action);
    int64_t n = json_is_integer(v) ? json_integer_value(v) : 0;
    json_decref(j);
    return n;
}

void simctl_advance(struct simctl *s, int64_t seconds)
{
    simctl_ok(s, "POST", "/clock/advance", "{\"seconds\": %lld}",
              (long long)seconds);
}

int simctl_dead_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(a);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &al) != 0)
        abort();
    close(fd);
    return ntohs(a.sin_port);
}
