"""apilib - helpers of the API integration tests (Python standard library
only): a temp dir, opensrs-sim and `regman serve` on 127.0.0.1 with
OS-chosen ports read from their ready files, an HTTP client that keeps a
session cookie and CSRF token, SQL on the regman database through
tests/lib/testdb.py (REGMAN_TEST_DB picks the backend) and TAP-style results ending in "N passed, N failed"."""

import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
import testdb  # noqa: E402

# An unknown REGMAN_TEST_DB fails every test that imports this module.
try:
    testdb.backend()
except testdb.TestDbError as _e:
    print("not ok - " + str(_e))
    sys.exit(1)

SIM_USER = "test"
TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         "..", "..", "..", "templates")
SIM_KEY = "9a1b2c3d4e5f60718293a4b5c6d7e8f9"


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, desc, cond, detail=""):
        if cond:
            self.passed += 1
            print("ok - " + desc)
        else:
            self.failed += 1
            print("not ok - " + desc)
            if detail:
                for line in str(detail).splitlines()[:20]:
                    print("#   " + line)
        sys.stdout.flush()
        return cond

    def finish(self):
        print("# %d passed, %d failed" % (self.passed, self.failed))
        return 0 if self.failed == 0 else 1


def wait_file(path, proc, what, timeout=20.0):
    end = time.time() + timeout
    while time.time() < end:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            with open(path) as f:
                return f.read()
        if proc.poll() is not None:
            raise RuntimeError("%s exited with %s" % (what, proc.returncode))
        time.sleep(0.01)
    raise RuntimeError("%s did not become ready" % what)


class Env:
    """A private installation: work dir, sim, regman."""

    def __init__(self, regman, sim):
        self.regman = regman
        self.sim_bin = sim
        self.work = tempfile.mkdtemp(prefix="regman-api.")
        self.conf = os.path.join(self.work, "regman.conf")
        # the database as testdb takes it: the SQLite file, or on
        # PostgreSQL the URL of the database init makes (dropped at close)
        self.db = os.path.join(self.work, "regman.db")
        self.pg_db = None
        self.sim = None
        self.serve = None
        self.serve_log = None

    def start_sim(self, *extra):
        ready = os.path.join(self.work, "sim.ready")
        self.sim = subprocess.Popen(
            [self.sim_bin, "--listen", "127.0.0.1:0", "--control",
             "127.0.0.1:0", "--reseller", SIM_USER + ":" + SIM_KEY,
             "--ready-file", ready, "--log",
             os.path.join(self.work, "sim.log")] + list(extra))
        text = wait_file(ready, self.sim, "opensrs-sim")
        for line in text.splitlines():
            if line.startswith("listen=127.0.0.1:"):
                self.sim_port = int(line.split(":")[-1])
            if line.startswith("legacy=127.0.0.1:"):
                self.sim_legacy_port = int(line.split(":")[-1])
            if line.startswith("control="):
                self.ctl = line.split("=", 1)[1]

    def rg(self, *args, stdin=None, check=True):
        p = subprocess.run([self.regman, args[0], "-c", self.conf] +
                           list(args[1:]), input=stdin,
                           capture_output=True, text=True)
        if check and p.returncode != 0:
            raise RuntimeError("regman %s: %s" % (" ".join(args), p.stderr))
        return p

    def init(self):
        cmd = [self.regman, "init", "--dir", self.work]
        if testdb.backend() == "postgresql":
            self.pg_db = testdb.createdb(os.environ["REGMAN_TEST_PG_URL"])
            self.db = self.pg_db
            cmd += ["--database", self.pg_db]
        subprocess.run(cmd, check=True, capture_output=True)
        with open(self.conf) as f:
            text = f.read()
        text = text.replace("timeout_ms = 80000", "timeout_ms = 3000")
        # a From address: without one operations queue no customer mail
        text += "\n[mail]\nfrom = regman@example.net\ntemplates = %s\n" % TEMPLATES
        with open(self.conf, "w") as f:
            f.write(text)

    def start_serve(self, *extra):
        ready = os.path.join(self.work, "serve.ready")
        if os.path.exists(ready):
            os.unlink(ready)
        self.serve_log = open(os.path.join(self.work, "serve.log"), "a")
        self.serve = subprocess.Popen(
            [self.regman, "serve", "-c", self.conf, "--listen",
             "127.0.0.1:0", "--ready-file", ready] + list(extra),
            stdout=self.serve_log, stderr=self.serve_log)
        text = wait_file(ready, self.serve, "regman serve")
        self.port = int(text.strip().split(":")[-1])

    def stop_serve(self, sig=signal.SIGTERM):
        self.serve.send_signal(sig)
        rc = self.serve.wait(timeout=30)
        self.serve = None
        return rc

    def close(self):
        for p in (self.serve, self.sim):
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
        if self.serve_log:
            self.serve_log.close()
        if os.environ.get("KEEP_WORK"):
            print("# work dir kept: " + self.work)
        else:
            shutil.rmtree(self.work, ignore_errors=True)
            if self.pg_db is not None:
                testdb.dropdb(self.pg_db)
                self.pg_db = None

    # --- database ----------------------------------------------------------
    def sql(self, q, *params):
        return testdb.one(self.db, q, *params)

    def sql_rows(self, q, *params):
        return testdb.query(self.db, q, *params)

    def sql_write(self, q, *params):
        """Change the database behind regman's back (tests only)."""
        testdb.execute(self.db, q, *params)

    def dbsig(self):
        """A digest of every row that matters (not the logs, sessions)."""
        return testdb.sig(self.db, (
            "registrar_connections", "tlds", "tld_prices", "accounts",
            "contacts", "domains", "operations", "ledger_postings",
            "ledger_entries", "mail_outbox", "logins", "license_acceptances",
            "api_tokens"))


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def err(self):
        if isinstance(self.json, dict) and isinstance(
                self.json.get("error"), dict):
            return self.json["error"].get("code")
        return None

    def field(self):
        if isinstance(self.json, dict) and isinstance(
                self.json.get("error"), dict):
            return self.json["error"].get("field")
        return None

    def __repr__(self):
        return "%d %s" % (self.status, self.body[:400])


class Client:
    """One browser-like caller: a session cookie and its CSRF token, or a
    Bearer token."""

    def __init__(self, port, host="127.0.0.1"):
        self.host = host
        self.port = port
        self.cookie = None
        self.csrf = None
        self.token = None

    def call(self, method, path, body=None, raw=None, headers=None,
             csrf=True, ctype="application/json"):
        h = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
        if raw is not None:
            data = raw if isinstance(raw, bytes) else raw.encode()
        if data is not None and ctype:
            h["Content-Type"] = ctype
        if self.cookie:
            h["Cookie"] = self.cookie
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        if csrf and self.csrf and method not in ("GET", "HEAD"):
            h["X-CSRF-Token"] = self.csrf
        if headers:
            h.update(headers)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.request(method, path, body=data, headers=h)
            resp = conn.getresponse()
            body_bytes = resp.read()
            hdrs = {k.lower(): v for k, v in resp.getheaders()}
            for k, v in resp.getheaders():
                if k.lower() == "set-cookie" and v.startswith("rm_session="):
                    val = v.split(";", 1)[0]
                    self.cookie = None if val == "rm_session=" else val
            return Reply(resp.status, hdrs,
                         body_bytes.decode("utf-8", "replace"))
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body=body, **kw)

    def login(self, user, password):
        r = self.post("/api/v1/auth/login",
                      {"username": user, "password": password}, csrf=False)
        if r.status == 200:
            self.csrf = r.json.get("csrf_token")
        return r


TOKEN_RE = re.compile(r"/#/verify/([A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{43})\b")


def verify_mails(env, email):
    """The confirmation mails queued for an address, oldest first."""
    return testdb.query(env.db, "SELECT subject, body FROM mail_outbox WHERE "
                        "to_addr = ? AND idem_key LIKE 'verify:%' "
                        "ORDER BY id", email)


def follow_link(env, email, client=None):
    """Confirm the address as its owner would: the newest mailed link."""
    body = verify_mails(env, email)[-1][1]
    token = TOKEN_RE.search(body).group(1)
    return (client or Client(env.port)).post("/api/v1/verify-email",
                                             {"token": token}), token
