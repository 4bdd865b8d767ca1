/*
 * test_web - the web frame end to end: web_testd on 127.0.0.1 (port from
 * its ready file) driven with libcurl. Each case names what must hold.
 *
 * Two servers run: "main" (user lockout after 3 failures) and "strict"
 * (IP lockout after 4 failures, cookies marked Secure).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"

struct server {
    pid_t pid;
    char dir[128];
    char base[64]; /* http://127.0.0.1:PORT */
};

static const char *testd_path;
static const char *ui_dir; /* the shipped web/ directory */
static struct server main_srv, strict_srv;
static char root_dir[256];

/* ---- harness ------------------------------------------------------------ */

static int rm_entry(const char *p, const struct stat *st, int flag,
                    struct FTW *f)
{
    return remove(p);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* make_root - a web root with one file of each type, a dotfile, a
 * symlink leading out, and a file beside (outside) the root. */
static void make_root(const char *dir)
{
    char p[512];
    snprintf(root_dir, sizeof(root_dir), "%s/root", dir);
    mkdir(root_dir, 0700);
    snprintf(p, sizeof(p), "%s/admin", root_dir);
    mkdir(p, 0700);
    snprintf(p, sizeof(p), "%s/assets", root_dir);
    mkdir(p, 0700);
    write_file(root_dir, "index.html", "<!doctype html><title>c</title>\n");
    write_file(root_dir, "admin/index.html",
               "<!doctype html><title>admin</title>\n");
    write_file(root_dir, "assets/app.css", "body{margin:0}\n");
    write_file(root_dir, "assets/app.js", "export const x = 1;\n");
    write_file(root_dir, "assets/logo.svg", "<svg></svg>\n");
    write_file(root_dir, ".hidden", "hidden\n");
    write_file(dir, "outside.txt", "outside secret\n");
    char target[512];
    snprintf(target, sizeof(target), "%s/outside.txt", dir);
    snprintf(p, sizeof(p), "%s/link.txt", root_dir);
    assert_int_equal(symlink(target, p), 0);
    snprintf(p, sizeof(p), "%s/assets/up", root_dir);
    assert_int_equal(symlink("..", p), 0);
}

static int start_server(struct server *s, const char *const *extra)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->dir, sizeof(s->dir), "/tmp/regman-web-it-XXXXXX");
    if (!mkdtemp(s->dir))
        return -1;
    char db[256], ready[256], out[256];
    snprintf(db, sizeof(db), "%s/web.db", s->dir);
    snprintf(ready, sizeof(ready), "%s/ready", s->dir);
    snprintf(out, sizeof(out), "%s/testd.log", s->dir);
    make_root(s->dir);
    const char *argv[24];
    int n = 0;
    argv[n++] = testd_path;
    argv[n++] = "--db";
    argv[n++] = db;
    argv[n++] = "--ready-file";
    argv[n++] = ready;
    argv[n++] = "--web-root";
    argv[n++] = root_dir;
    for (int i = 0; extra && extra[i]; i++)
        argv[n++] = extra[i];
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
        execv(testd_path, (char *const *)argv);
        _exit(127);
    }
    /* The ready file appears (atomically, by rename) once the server
     * accepts connections: poll for it, up to 20 s. */
    for (int i = 0; i < 2000; i++) {
        FILE *f = fopen(ready, "r");
        if (f) {
            char line[128] = "";
            if (fgets(line, sizeof(line), f) &&
                strncmp(line, "listen=", 7) == 0) {
                line[strcspn(line, "\r\n")] = '\0';
                snprintf(s->base, sizeof(s->base), "http://%.48s", line + 7);
            }
            fclose(f);
            if (s->base[0])
                return 0;
        }
        int st;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            fprintf(stderr, "web_testd exited early (see %s)\n", out);
            s->pid = 0;
            return -1;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

static void stop_server(struct server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        int st;
        waitpid(s->pid, &st, 0);
        s->pid = 0;
    }
    if (s->dir[0] && !getenv("WEB_IT_KEEP"))
        nftw(s->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

struct resp {
    long status;
    struct buf body, hdrs;
    json_t *json;
};

static size_t sink(char *p, size_t size, size_t n, void *arg)
{
    buf_add(arg, p, size * n);
    return size * n;
}

static void resp_free(struct resp *r)
{
    buf_release(&r->body);
    buf_release(&r->hdrs);
    json_decref(r->json);
    memset(r, 0, sizeof(*r));
}

/* header - the first response header called name ("" if absent); the
 * value is copied to out. */
static const char *header(const struct resp *r, const char *name, char *out,
                          size_t n)
{
    size_t nl = strlen(name);
    out[0] = '\0';
    for (const char *p = r->hdrs.data; *p;) {
        const char *e = strchr(p, '\n');
        if (!e)
            break;
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            size_t vl = (size_t)(e - v);
            if (vl && v[vl - 1] == '\r')
                vl--;
            snprintf(out, n, "%.*s", (int)vl, v);
            return out;
        }
        p = e + 1;
    }
    return out;
}

/* req - one request. hdrs: extra header lines, NULL ended. */
static void req(struct server *s, const char *method, const char *path,
                const char *body, const char *const *hdrs, struct resp *r)
{
    memset(r, 0, sizeof(*r));
    buf_init(&r->body);
    buf_init(&r->hdrs);
    char url[1024];
    snprintf(url, sizeof(url), "%s%s", s->base, path);
    CURL *h = curl_easy_init();
    struct curl_slist *hl = NULL;
    bool own_ctype = false;
    for (int i = 0; hdrs && hdrs[i]; i++)
        own_ctype |= strncasecmp(hdrs[i], "Content-Type:", 13) == 0;
    if (body && !own_ctype)
        hl = curl_slist_append(hl, "Content-Type: application/json");
    for (int i = 0; hdrs && hdrs[i]; i++)
        hl = curl_slist_append(hl, hdrs[i]);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    else
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &r->hdrs);
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK)
        fprintf(stderr, "curl %s %s: %s\n", method, path,
                curl_easy_strerror(rc));
    assert_int_equal(rc, CURLE_OK);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_cleanup(h);
    curl_slist_free_all(hl);
    r->json = json_loadb(r->body.data, r->body.len, 0, NULL);
}

static const char *err_code(const struct resp *r)
{
    return json_string_value(
        json_object_get(json_object_get(r->json, "error"), "code"));
}

static const char *err_field(const struct resp *r)
{
    return json_string_value(
        json_object_get(json_object_get(r->json, "error"), "field"));
}

/* expect_error - status and code, plus the error body's shape. */
static void expect_error(const struct resp *r, long status, const char *code)
{
    if (r->status != status || !err_code(r) || strcmp(err_code(r), code))
        fprintf(stderr, "expected %ld %s, got %ld %s\n", status, code,
                r->status, r->body.data);
    assert_int_equal(r->status, status);
    assert_non_null(r->json);
    json_t *e = json_object_get(r->json, "error");
    assert_true(json_is_string(json_object_get(e, "message")));
    assert_non_null(json_object_get(e, "field"));
    assert_string_equal(err_code(r), code);
}

struct session {
    char cookie[128]; /* "rm_session=..." */
    char csrf[64];
    char set_cookie[256];
};

static long login(struct server *s, const char *user, const char *pw,
                  struct session *out)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}",
             user, pw);
    struct resp r;
    req(s, "POST", "/api/v1/auth/login", body, NULL, &r);
    long st = r.status;
    if (out && st == 200) {
        header(&r, "Set-Cookie", out->set_cookie, sizeof(out->set_cookie));
        snprintf(out->cookie, sizeof(out->cookie), "Cookie: %.*s",
                 (int)strcspn(out->set_cookie, ";"), out->set_cookie);
        snprintf(out->csrf, sizeof(out->csrf), "X-CSRF-Token: %s",
                 json_string_value(json_object_get(r.json, "csrf_token")));
    }
    resp_free(&r);
    return st;
}

static void as(struct session *ss, const char *method, const char *path,
               const char *body, struct resp *r)
{
    const char *h[] = {ss->cookie, ss->csrf, NULL};
    req(&main_srv, method, path, body, h, r);
}

static int64_t account_id_of(struct session *ss)
{
    struct resp r;
    as(ss, "GET", "/api/v1/me", NULL, &r);
    assert_int_equal(r.status, 200);
    int64_t id = json_integer_value(json_object_get(r.json, "account_id"));
    resp_free(&r);
    return id;
}

/* ---- cases -------------------------------------------------------------- */

static void healthz_answers_ok_with_security_headers(void **state)
{
    struct resp r;
    req(&main_srv, "GET", "/healthz", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "status")),
                        "ok");
    char v[512];
    assert_string_equal(header(&r, "X-Frame-Options", v, sizeof(v)), "DENY");
    assert_string_equal(header(&r, "Referrer-Policy", v, sizeof(v)),
                        "no-referrer");
    assert_string_equal(header(&r, "X-Content-Type-Options", v, sizeof(v)),
                        "nosniff");
    header(&r, "Content-Security-Policy", v, sizeof(v));
    assert_non_null(strstr(v, "default-src 'self'"));
    assert_null(strstr(v, "unsafe-inline"));
    assert_string_equal(header(&r, "Cache-Control", v, sizeof(v)), "no-store");
    assert_string_equal(header(&r, "Content-Type", v, sizeof(v)),
                        "application/json");
    resp_free(&r);
}

static void login_sets_strict_httponly_cookie_and_returns_csrf(void **state)
{
    struct session s;
    assert_int_equal(login(&main_srv, "admin", "admin-pass-123", &s), 200);
    assert_non_null(strstr(s.set_cookie, "rm_session="));
    assert_non_null(strstr(s.set_cookie, "HttpOnly"));
    assert_non_null(strstr(s.set_cookie, "SameSite=Strict"));
    assert_non_null(strstr(s.set_cookie, "Path=/"));
    assert_null(strstr(s.set_cookie, "Secure")); /* plain HTTP */
    assert_true(strlen(s.csrf) > strlen("X-CSRF-Token: ") + 30);
    struct resp r;
    as(&s, "GET", "/api/v1/me", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "role")),
                        "admin");
    resp_free(&r);
    as(&s, "GET", "/api/v1/auth/session", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(
        json_string_value(json_object_get(r.json, "csrf_token")),
        s.csrf + strlen("X-CSRF-Token: "));
    resp_free(&r);
}

static void bad_password_and_unknown_user_get_the_same_401(void **state)
{
    struct resp r;
    req(&main_srv, "POST", "/api/v1/auth/login",
        "{\"username\":\"alice\",\"password\":\"wrong-password\"}", NULL, &r);
    expect_error(&r, 401, "bad_credentials");
    char v[256];
    assert_string_equal(header(&r, "Set-Cookie", v, sizeof(v)), "");
    resp_free(&r);
    req(&main_srv, "POST", "/api/v1/auth/login",
        "{\"username\":\"nobody\",\"password\":\"wrong-password\"}", NULL, &r);
    expect_error(&r, 401, "bad_credentials");
    resp_free(&r);
}

static void username_is_locked_after_three_failures(void **state)
{
    for (int i = 0; i < 3; i++)
        assert_int_equal(login(&main_srv, "dave", "not-his-password", NULL),
                         401);
    /* even the right password is refused now, before any hashing */
    struct resp r;
    req(&main_srv, "POST", "/api/v1/auth/login",
        "{\"username\":\"dave\",\"password\":\"dave-pass-1234\"}", NULL, &r);
    expect_error(&r, 429, "rate_limited");
    char v[64];
    assert_true(atoi(header(&r, "Retry-After", v, sizeof(v))) > 0);
    resp_free(&r);
    /* other users are unaffected */
    assert_int_equal(login(&main_srv, "bob", "bob-pass-1234", NULL), 200);
}

static void ip_is_locked_after_its_limit(void **state)
{
    const char *users[] = {"u1", "u2", "u3", "u4"};
    for (int i = 0; i < 4; i++)
        assert_int_equal(login(&strict_srv, users[i], "wrong-password", NULL),
                         401);
    assert_int_equal(login(&strict_srv, "admin", "admin-pass-123", NULL), 429);
}

static void secure_cookie_when_configured(void **state)
{
    /* a server behind a TLS proxy (--cookie-secure) marks it Secure */
    struct server s2;
    const char *extra[] = {"--cookie-secure", NULL};
    assert_int_equal(start_server(&s2, extra), 0);
    struct session s;
    assert_int_equal(login(&s2, "alice", "alice-pass-123", &s), 200);
    assert_non_null(strstr(s.set_cookie, "; Secure"));
    stop_server(&s2);
}

static void protected_route_without_credentials_is_401(void **state)
{
    struct resp r;
    req(&main_srv, "GET", "/api/v1/me", NULL, NULL, &r);
    expect_error(&r, 401, "unauthenticated");
    resp_free(&r);
    const char *h[] = {
        "Cookie: rm_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL};
    req(&main_srv, "GET", "/api/v1/me", NULL, h, &r);
    expect_error(&r, 401, "unauthenticated");
    resp_free(&r);
}

static void state_change_needs_the_csrf_token(void **state)
{
    struct session s;
    assert_int_equal(login(&main_srv, "alice", "alice-pass-123", &s), 200);
    const char *body = "{\"text\":\"hi\",\"count\":2}";
    struct resp r;
    const char *no_csrf[] = {s.cookie, NULL};
    req(&main_srv, "POST", "/api/v1/echo", body, no_csrf, &r);
    expect_error(&r, 403, "csrf_failed");
    resp_free(&r);
    const char *bad_csrf[] = {s.cookie, "X-CSRF-Token: forged", NULL};
    req(&main_srv, "POST", "/api/v1/echo", body, bad_csrf, &r);
    expect_error(&r, 403, "csrf_failed");
    resp_free(&r);
    as(&s, "POST", "/api/v1/echo", body, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "text")),
                        "hi");
    assert_int_equal(json_integer_value(json_object_get(r.json, "count")), 2);
    resp_free(&r);
}

static void api_token_works_without_csrf_and_stops_when_revoked(void **st)
{
    struct session s;
    assert_int_equal(login(&main_srv, "alice", "alice-pass-123", &s), 200);
    struct resp r;
    as(&s, "POST", "/api/v1/auth/tokens", "{\"name\":\"ci\"}", &r);
    assert_int_equal(r.status, 201);
    const char *tok = json_string_value(json_object_get(r.json, "token"));
    assert_non_null(tok);
    assert_int_equal(strncmp(tok, "rmt_", 4), 0);
    int64_t id = json_integer_value(json_object_get(r.json, "id"));
    char authz[128];
    snprintf(authz, sizeof(authz), "Authorization: Bearer %s", tok);
    resp_free(&r);

    const char *h[] = {authz, NULL};
    req(&main_srv, "GET", "/api/v1/me", NULL, h, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "via")),
                        "token");
    assert_string_equal(json_string_value(json_object_get(r.json, "username")),
                        "alice");
    resp_free(&r);
    req(&main_srv, "POST", "/api/v1/echo", "{\"text\":\"t\",\"count\":1}", h,
        &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);

    /* the listing never shows the secret */
    as(&s, "GET", "/api/v1/auth/tokens", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body.data, authz + strlen("Authorization: Bearer ")));
    assert_null(strstr(r.body.data, "token_hash"));
    resp_free(&r);

    char path[64];
    snprintf(path, sizeof(path), "/api/v1/auth/tokens/%lld", (long long)id);
    as(&s, "DELETE", path, NULL, &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    req(&main_srv, "GET", "/api/v1/me", NULL, h, &r);
    expect_error(&r, 401, "unauthenticated");
    resp_free(&r);

    const char *junk[] = {"Authorization: Bearer rmt_nonsense", NULL};
    req(&main_srv, "GET", "/api/v1/me", NULL, junk, &r);
    expect_error(&r, 401, "unauthenticated");
    resp_free(&r);
}

static void customer_cannot_see_or_change_another_account(void **state)
{
    struct session alice, bob, admin;
    assert_int_equal(login(&main_srv, "alice", "alice-pass-123", &alice), 200);
    assert_int_equal(login(&main_srv, "bob", "bob-pass-1234", &bob), 200);
    assert_int_equal(login(&main_srv, "admin", "admin-pass-123", &admin), 200);
    int64_t a = account_id_of(&alice), b = account_id_of(&bob);
    char pa[64], pb[64], pbe[80];
    snprintf(pa, sizeof(pa), "/api/v1/accounts/%lld", (long long)a);
    snprintf(pb, sizeof(pb), "/api/v1/accounts/%lld", (long long)b);
    snprintf(pbe, sizeof(pbe), "/api/v1/accounts/%lld/email", (long long)b);
    struct resp r, missing;
    as(&alice, "GET", pa, NULL, &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    as(&alice, "GET", pb, NULL, &r);
    expect_error(&r, 404, "not_found");
    /* "not yours" looks exactly like "does not exist" */
    as(&alice, "GET", "/api/v1/accounts/999999", NULL, &missing);
    assert_string_equal(r.body.data, missing.body.data);
    resp_free(&r);
    resp_free(&missing);
    as(&alice, "POST", pbe, "{\"email\":\"evil@example.org\"}", &r);
    expect_error(&r, 404, "not_found");
    resp_free(&r);
    as(&admin, "GET", pb, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_true(json_is_null(json_object_get(r.json, "email")));
    resp_free(&r);
    /* the owner may change it */
    as(&bob, "POST", pbe, "{\"email\":\"bob@example.org\"}", &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    /* lists are scoped too */
    as(&alice, "GET", "/api/v1/accounts", NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *items = json_object_get(r.json, "items");
    assert_int_equal(json_array_size(items), 1);
    assert_int_equal(
        json_integer_value(json_object_get(json_array_get(items, 0), "id")), a);
    resp_free(&r);
    /* admin-only routes */
    as(&alice, "POST", "/api/v1/admin/ping", "{}", &r);
    expect_error(&r, 403, "forbidden");
    resp_free(&r);
    as(&admin, "POST", "/api/v1/admin/ping", "{}", &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
}

static void pagination_walks_all_items_once(void **state)
{
    struct session admin;
    assert_int_equal(login(&main_srv, "admin", "admin-pass-123", &admin), 200);
    int64_t seen = 0, offset = 0, pages = 0;
    for (;;) {
        char path[96];
        snprintf(path, sizeof(path), "/api/v1/accounts?limit=4&offset=%lld",
                 (long long)offset);
        struct resp r;
        as(&admin, "GET", path, NULL, &r);
        assert_int_equal(r.status, 200);
        json_t *page = json_object_get(r.json, "page");
        assert_int_equal(json_integer_value(json_object_get(page, "limit")), 4);
        seen += (int64_t)json_array_size(json_object_get(r.json, "items"));
        pages++;
        json_t *next = json_object_get(page, "next_offset");
        if (json_is_null(next)) {
            resp_free(&r);
            break;
        }
        offset = json_integer_value(next);
        resp_free(&r);
    }
    assert_int_equal(seen, 9); /* alice-co, bob-co, acct-01..07 */
    assert_int_equal(pages, 3);

    /* keyset: after the first page's last id */
    struct resp r;
    as(&admin, "GET", "/api/v1/accounts?limit=5", NULL, &r);
    int64_t after = json_integer_value(
        json_object_get(json_object_get(r.json, "page"), "next_after"));
    resp_free(&r);
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/accounts?limit=5&after=%lld",
             (long long)after);
    as(&admin, "GET", path, NULL, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "items")), 4);
    assert_true(json_is_null(
        json_object_get(json_object_get(r.json, "page"), "next_after")));
    resp_free(&r);

    as(&admin, "GET", "/api/v1/accounts?limit=0", NULL, &r);
    expect_error(&r, 400, "out_of_range");
    assert_string_equal(err_field(&r), "limit");
    resp_free(&r);
    as(&admin, "GET", "/api/v1/accounts?offset=x", NULL, &r);
    expect_error(&r, 400, "wrong_type");
    assert_string_equal(err_field(&r), "offset");
    resp_free(&r);
}

struct body_case {
    const char *name;
    const char *body;
    long status;
    const char *code;
    const char *field; /* NULL: no field expected */
};

static void bad_bodies_get_clear_errors(void **state)
{
    static const struct body_case cases[] = {
        {"not json", "{\"text\":", 400, "invalid_json", NULL},
        {"empty", "", 400, "invalid_json", NULL},
        {"array", "[1,2]", 400, "wrong_type", NULL},
        {"text is a number", "{\"text\":5,\"count\":1}", 400, "wrong_type",
         "text"},
        {"count is a string", "{\"text\":\"a\",\"count\":\"1\"}", 400,
         "wrong_type", "count"},
        {"count is a float", "{\"text\":\"a\",\"count\":1.0}", 400,
         "wrong_type", "count"},
        {"flag is 1", "{\"text\":\"a\",\"count\":1,\"flag\":1}", 400,
         "wrong_type", "flag"},
        {"count out of range", "{\"text\":\"a\",\"count\":11}", 400,
         "out_of_range", "count"},
        {"missing count", "{\"text\":\"a\"}", 400, "missing_field", "count"},
        {"unknown field", "{\"text\":\"a\",\"count\":1,\"x\":0}", 400,
         "unknown_field", "x"},
        {"duplicate key", "{\"text\":\"a\",\"text\":\"b\",\"count\":1}", 400,
         "invalid_json", NULL},
        {"text too long",
         "{\"text\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"count\":1}",
         400, "out_of_range", "text"},
    };
    struct session s;
    assert_int_equal(login(&main_srv, "alice", "alice-pass-123", &s), 200);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct body_case *c = &cases[i];
        struct resp r;
        as(&s, "POST", "/api/v1/echo", c->body, &r);
        fprintf(stderr, "case %s: %ld %s\n", c->name, r.status, r.body.data);
        expect_error(&r, c->status, c->code);
        if (c->field)
            assert_string_equal(err_field(&r), c->field);
        else
            assert_true(json_is_null(
                json_object_get(json_object_get(r.json, "error"), "field")));
        resp_free(&r);
    }
}

static char *nested(int depth)
{
    struct buf b;
    buf_init(&b);
    buf_adds(&b, "{\"text\":\"a\",\"count\":1,\"deep\":");
    for (int i = 0; i < depth; i++)
        buf_addc(&b, '[');
    for (int i = 0; i < depth; i++)
        buf_addc(&b, ']');
    buf_addc(&b, '}');
    return buf_detach(&b, NULL);
}

static void json_deeper_than_32_is_refused(void **state)
{
    struct session s;
    assert_int_equal(login(&main_srv, "alice", "alice-pass-123", &s), 200);
    /* 1 (object) + 31 arrays = 32 levels: parsed, then refused as an
     * unknown field; one more level: too deep */
    char *ok = nested(31), *deep = nested(32), *huge = nested(100000);
    struct resp r;
    as(&s, "POST", "/api/v1/echo", ok, &r);
    expect_error(&r, 400, "unknown_field");
    resp_free(&r);
    as(&s, "POST", "/api/v1/echo", deep, &r);
    expect_error(&r, 400, "too_deep");
    resp_free(&r);
    as(&s, "POST", "/api/v1/echo", huge, &r);
    expect_error(&r, 400, "too_deep");
    resp_free(&r);
    free(ok);
    free(deep);
    free(huge);
}

static void oversized_body_is_413_with_and_without_expect(void **state)
{
    struct session s;
    assert_int_equal(login(&main_srv, "alice", "alice-pass-123", &s), 200);
    size_t n = (1 << 20) + 10;
    char *big = malloc(n + 1);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    big[n] = '\0';
    struct resp r;
    as(&s, "POST", "/api/v1/echo", big, &r);
    expect_error(&r, 413, "body_too_large");
    resp_free(&r);
    const char *no_expect[] = {s.cookie, s.csrf, "Expect:", NULL};
    req(&main_srv, "POST", "/api/v1/echo", big, no_expect, &r);
    expect_error(&r, 413, "body_too_large");
    resp_free(&r);
    free(big);
    /* the server still answers on new connections */
    req(&main_srv, "GET", "/healthz", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
}

static void body_must_be_json_content_type(void **state)
{
    struct session s;
    assert_int_equal(login(&main_srv, "alice", "alice-pass-123", &s), 200);
    const char *h[] = {s.cookie, s.csrf, "Content-Type: text/plain", NULL};
    struct resp r;
    req(&main_srv, "POST", "/api/v1/echo", "{\"text\":\"a\",\"count\":1}", h,
        &r);
    expect_error(&r, 415, "unsupported_media_type");
    resp_free(&r);
}

static void unknown_endpoint_404_and_wrong_method_405(void **state)
{
    struct resp r;
    req(&main_srv, "GET", "/api/v1/nope", NULL, NULL, &r);
    expect_error(&r, 404, "not_found");
    resp_free(&r);
    req(&main_srv, "DELETE", "/api/v1/me", NULL, NULL, &r);
    expect_error(&r, 405, "method_not_allowed");
    char v[64];
    assert_string_equal(header(&r, "Allow", v, sizeof(v)), "GET");
    resp_free(&r);
}

struct static_case {
    const char *path;
    long status;
    const char *ctype; /* NULL: not checked */
    const char *cache;
};

static void static_files_have_types_and_caching(void **state)
{
    static const struct static_case cases[] = {
        {"/", 200, "text/html; charset=utf-8", "no-cache"},
        {"/index.html", 200, "text/html; charset=utf-8", "no-cache"},
        {"/admin/", 200, "text/html; charset=utf-8", "no-cache"},
        {"/assets/app.css", 200, "text/css; charset=utf-8",
         "public, max-age=300"},
        {"/assets/app.js", 200, "text/javascript; charset=utf-8",
         "public, max-age=300"},
        {"/assets/logo.svg", 200, "image/svg+xml", "public, max-age=300"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct resp r;
        req(&main_srv, "GET", cases[i].path, NULL, NULL, &r);
        assert_int_equal(r.status, cases[i].status);
        char v[256];
        assert_string_equal(header(&r, "Content-Type", v, sizeof(v)),
                            cases[i].ctype);
        assert_string_equal(header(&r, "Cache-Control", v, sizeof(v)),
                            cases[i].cache);
        assert_string_equal(header(&r, "X-Frame-Options", v, sizeof(v)),
                            "DENY");
        assert_true(strlen(header(&r, "Last-Modified", v, sizeof(v))) > 20);
        char etag[128], inm[160];
        header(&r, "ETag", etag, sizeof(etag));
        assert_true(strlen(etag) > 2 && etag[0] == '"');
        resp_free(&r);
        snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
        const char *h[] = {inm, NULL};
        req(&main_srv, "GET", cases[i].path, NULL, h, &r);
        assert_int_equal(r.status, 304);
        assert_int_equal(r.body.len, 0);
        resp_free(&r);
    }
    struct resp r;
    req(&main_srv, "GET", "/assets/app.css", NULL, NULL, &r);
    assert_string_equal(r.body.data, "body{margin:0}\n");
    resp_free(&r);
    req(&main_srv, "GET", "/admin", NULL, NULL, &r);
    assert_int_equal(r.status, 301);
    char v[64];
    assert_string_equal(header(&r, "Location", v, sizeof(v)), "/admin/");
    resp_free(&r);
}

static void static_paths_cannot_leave_the_root(void **state)
{
    static const char *const bad[] = {
        "/../outside.txt",
        "/%2e%2e/outside.txt",
        "/assets/../../outside.txt",
        "/assets/..%2f..%2foutside.txt",
        "/link.txt",
        "/assets/up/outside.txt",
        "/.hidden",
        "//etc/passwd",
        "/assets\\..\\..\\outside.txt",
        "/nope.html",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct resp r;
        req(&main_srv, "GET", bad[i], NULL, NULL, &r);
        if (r.status != 404)
            fprintf(stderr, "%s -> %ld\n", bad[i], r.status);
        assert_int_equal(r.status, 404);
        assert_null(strstr(r.body.data, "outside secret"));
        assert_null(strstr(r.body.data, "hidden"));
        resp_free(&r);
    }
}

static void metrics_need_an_admin_and_list_families(void **state)
{
    struct resp r;
    req(&main_srv, "GET", "/metrics", NULL, NULL, &r);
    expect_error(&r, 401, "unauthenticated");
    resp_free(&r);
    struct session alice, admin;
    assert_int_equal(login(&main_srv, "alice", "alice-pass-123", &alice), 200);
    as(&alice, "GET", "/metrics", NULL, &r);
    expect_error(&r, 403, "forbidden");
    resp_free(&r);
    assert_int_equal(login(&main_srv, "admin", "admin-pass-123", &admin), 200);
    as(&admin, "GET", "/metrics", NULL, &r);
    assert_int_equal(r.status, 200);
    char v[128];
    assert_string_equal(header(&r, "Content-Type", v, sizeof(v)),
                        "text/plain; version=0.0.4; charset=utf-8");
    assert_non_null(
        strstr(r.body.data, "# TYPE regman_http_requests_total counter\n"));
    assert_non_null(strstr(r.body.data, "regman_http_requests_total{class="
                                        "\"2xx\"} "));
    assert_non_null(strstr(r.body.data, "\nregman_demo_accounts 9\n"));
    assert_non_null(strstr(r.body.data, "regman_logins_total{result=\"ok\"}"));
    resp_free(&r);
}

static void logout_ends_the_session(void **state)
{
    struct session s;
    assert_int_equal(login(&main_srv, "bob", "bob-pass-1234", &s), 200);
    struct resp r;
    const char *no_csrf[] = {s.cookie, NULL};
    req(&main_srv, "POST", "/api/v1/auth/logout", NULL, no_csrf, &r);
    expect_error(&r, 403, "csrf_failed");
    resp_free(&r);
    as(&s, "POST", "/api/v1/auth/logout", NULL, &r);
    assert_int_equal(r.status, 200);
    char v[256];
    header(&r, "Set-Cookie", v, sizeof(v));
    assert_non_null(strstr(v, "Max-Age=0"));
    resp_free(&r);
    as(&s, "GET", "/api/v1/me", NULL, &r);
    expect_error(&r, 401, "unauthenticated");
    resp_free(&r);
}

static void shipped_ui_is_served_with_types(void **state)
{
    static const char *const cases[][2] = {
        {"/", "text/html; charset=utf-8"},
        {"/admin/", "text/html; charset=utf-8"},
        {"/assets/app.css", "text/css; charset=utf-8"},
        {"/assets/js/api.js", "text/javascript; charset=utf-8"},
        {"/assets/js/admin.js", "text/javascript; charset=utf-8"},
        {"/assets/js/customer.js", "text/javascript; charset=utf-8"},
        {"/assets/favicon.svg", "image/svg+xml"},
    };
    struct server ui;
    const char *extra[] = {"--web-root", ui_dir, NULL};
    assert_int_equal(start_server(&ui, extra), 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct resp r;
        req(&ui, "GET", cases[i][0], NULL, NULL, &r);
        char v[128];
        if (r.status != 200)
            fprintf(stderr, "%s -> %ld\n", cases[i][0], r.status);
        assert_int_equal(r.status, 200);
        assert_string_equal(header(&r, "Content-Type", v, sizeof(v)),
                            cases[i][1]);
        assert_true(r.body.len > 0);
        resp_free(&r);
    }
    stop_server(&ui);
}

static int setup(void **state)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (start_server(&main_srv, NULL) < 0)
        return -1;
    const char *extra[] = {"--ip-max-fail", "4", "--user-max-fail", "100",
                           NULL};
    return start_server(&strict_srv, extra);
}

static int teardown(void **state)
{
    stop_server(&main_srv);
    stop_server(&strict_srv);
    curl_global_cleanup();
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test_web WEB_TESTD WEB_DIR\n");
        return 2;
    }
    testd_path = argv[1];
    ui_dir = argv[2];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(healthz_answers_ok_with_security_headers),
        cmocka_unit_test(login_sets_strict_httponly_cookie_and_returns_csrf),
        cmocka_unit_test(bad_password_and_unknown_user_get_the_same_401),
        cmocka_unit_test(username_is_locked_after_three_failures),
        cmocka_unit_test(ip_is_locked_after_its_limit),
        cmocka_unit_test(secure_cookie_when_configured),
        cmocka_unit_test(protected_route_without_credentials_is_401),
        cmocka_unit_test(state_change_needs_the_csrf_token),
        cmocka_unit_test(api_token_works_without_csrf_and_stops_when_revoked),
        cmocka_unit_test(customer_cannot_see_or_change_another_account),
        cmocka_unit_test(pagination_walks_all_items_once),
        cmocka_unit_test(bad_bodies_get_clear_errors),
        cmocka_unit_test(json_deeper_than_32_is_refused),
        cmocka_unit_test(oversized_body_is_413_with_and_without_expect),
        cmocka_unit_test(body_must_be_json_content_type),
        cmocka_unit_test(unknown_endpoint_404_and_wrong_method_405),
        cmocka_unit_test(static_files_have_types_and_caching),
        cmocka_unit_test(static_paths_cannot_leave_the_root),
        cmocka_unit_test(metrics_need_an_admin_and_list_families),
        cmocka_unit_test(logout_ends_the_session),
        cmocka_unit_test(shipped_ui_is_served_with_types),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
