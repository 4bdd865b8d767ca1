#!/usr/bin/env python3
"""test_throttle - the login throttles of `regman serve` live in the
database and the client address comes through trusted proxies only.

1. Failed logins survive a restart: five wrong passwords for one login,
   serve stopped and started again, the login still answers 429 (even
   with the right password) until regman's clock (REGMAN_CLOCK_FILE) is
   past the window; what is stored is a hash, never the name or address.
2. [http] trusted_proxies = 127.0.0.1: this test plays the proxy from
   127.0.0.1 and sends X-Forwarded-For. Two clients behind it are
   throttled apart (20 failures from one lock out that one only, the
   logs name the clients); a peer that is not trusted (127.0.0.2) has its
   forged X-Forwarded-For ignored: it is throttled as itself, however
   many addresses it claims, and cannot borrow a throttled client's.

usage: test_throttle.py REGMAN OPENSRS_SIM
"""

import http.client
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "api"))
from apilib import Env, Reply, Results  # noqa: E402

ADMIN_PW = "admin-password-1"
USER_MAX = 5    # failed logins per username in a window (auth.h defaults)
ADDR_MAX = 20   # per client address
WINDOW = 900


def login(port, user, password, source="127.0.0.1", xff=None):
    """POST /api/v1/auth/login from source, with X-Forwarded-For xff."""
    h = {"Content-Type": "application/json"}
    if xff is not None:
        h["X-Forwarded-For"] = xff
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60,
                                      source_address=(source, 0))
    try:
        conn.request("POST", "/api/v1/auth/login",
                     body=json.dumps({"username": user,
                                      "password": password}).encode(),
                     headers=h)
        resp = conn.getresponse()
        body = resp.read()
        return Reply(resp.status, {k.lower(): v for k, v in
                                   resp.getheaders()},
                     body.decode("utf-8", "replace"))
    finally:
        conn.close()


def retry_after(r):
    v = r.headers.get("retry-after", "")
    return int(v) if v.isdigit() else -1


def set_clock(env, offset):
    tmp = env.clock + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % offset)
    os.replace(tmp, env.clock)


def prepare(env, http_conf=""):
    env.init()
    env.clock = os.path.join(env.work, "clock")
    os.environ["REGMAN_CLOCK_FILE"] = env.clock
    set_clock(env, 0)
    with open(env.conf) as f:
        text = f.read()
    with open(env.conf, "w") as f:  # the login lines are info
        f.write(text.replace("log_level = warn", "log_level = info"))
    if http_conf:
        with open(env.conf, "a") as f:
            f.write("\n[http]\n" + http_conf + "\n")
    env.rg("login", "add", "admin", "--role", "admin", "--password-stdin",
           stdin=ADMIN_PW + "\n")


def serve_log(env):
    with open(os.path.join(env.work, "serve.log")) as f:
        return f.read()


def restart(env, t):
    prepare(env)
    env.start_serve()
    codes = [login(env.port, "admin", "wrong-password-%d" % i).status
             for i in range(USER_MAX)]
    t.check("%d wrong passwords: 401 each" % USER_MAX,
            codes == [401] * USER_MAX, codes)
    r = login(env.port, "admin", ADMIN_PW)
    t.check("then even the right password: 429 rate_limited",
            r.status == 429 and r.err() == "rate_limited", r)
    t.check("  with Retry-After within the window",
            0 < retry_after(r) <= WINDOW, r.headers)
    rows = env.sql_rows("SELECT scope, subject, hits FROM throttles "
                        "ORDER BY scope")
    t.check("the database holds the counters (by name and by address)",
            sorted((s, h) for s, _, h in rows) ==
            [("login_addr", USER_MAX), ("login_user", USER_MAX)], rows)
    t.check("  stored as hashes, never the name or the address",
            all(len(k) == 32 and "admin" not in k and "127." not in k
                for _, k, _ in rows), rows)

    t.check("serve stops", env.stop_serve() == 0)
    env.start_serve()
    r = login(env.port, "admin", ADMIN_PW)
    t.check("after a restart the login is still throttled: 429",
            r.status == 429 and r.err() == "rate_limited", r)
    t.check("  Retry-After still counts down the same window",
            0 < retry_after(r) <= WINDOW, r.headers)
    r = login(env.port, "someone-else", "wrong-password")
    t.check("another name from the same address is not locked out (401)",
            r.status == 401, r)

    set_clock(env, WINDOW - 60)
    r = login(env.port, "admin", ADMIN_PW)
    t.check("moving the clock within the window: still 429, a minute left",
            r.status == 429 and 0 < retry_after(r) <= 60, r)
    set_clock(env, WINDOW + 1)
    r = login(env.port, "admin", ADMIN_PW)
    t.check("past the window the right password logs in: 200",
            r.status == 200, r)
    r = login(env.port, "admin", "wrong-password")
    t.check("a success cleared the name's counter: the next failure is "
            "a plain 401", r.status == 401, r)
    # an old counter is pruned by a later failure (lazily, per process)
    n = env.sql("SELECT COUNT(*) FROM throttles WHERE window_end <= "
                "(SELECT MAX(window_start) FROM throttles)")
    t.check("ended windows do not pile up (pruned by later failures)",
            n == 0, n)


def proxies(env, t):
    prepare(env, "trusted_proxies = 127.0.0.1, 10.0.0.0/8")
    env.start_serve()
    a, b = "198.51.100.7", "203.0.113.9"
    # names vary, so the per-name throttle never kicks in: the address does
    codes = [login(env.port, "nobody%d" % i, "wrong-password",
                   xff="6.6.6.6, %s, 10.1.2.3" % a).status
             for i in range(ADDR_MAX)]
    t.check("%d failures of client A behind the proxy: 401 each" % ADDR_MAX,
            codes == [401] * ADDR_MAX, codes)
    r = login(env.port, "admin", ADMIN_PW, xff=a)
    t.check("client A is now throttled: 429", r.status == 429, r)
    r = login(env.port, "admin", ADMIN_PW, xff="1.1.1.1, " + a)
    t.check("  whatever A writes left of the proxy's entry", r.status == 429,
            r)
    r = login(env.port, "admin", ADMIN_PW, xff=b)
    t.check("client B behind the same proxy logs in: 200", r.status == 200,
            r)
    r = login(env.port, "admin", ADMIN_PW)
    t.check("the proxy itself (no X-Forwarded-For) is not throttled: 200",
            r.status == 200, r)
    log = serve_log(env)
    t.check("the log names client A, not the proxy",
            "auth: failed login for 'nobody0' from %s" % a in log and
            "failed login for 'nobody0' from 127.0.0.1" not in log)
    t.check("  and B's login", "logged in from %s" % b in log)

    r = login(env.port, "admin", ADMIN_PW, source="127.0.0.2", xff=a)
    t.check("an untrusted peer claiming to be A is not A: 200",
            r.status == 200, r)
    codes = [login(env.port, "nobody%d" % i, "wrong-password",
                   source="127.0.0.2", xff="192.0.2.%d" % i).status
             for i in range(ADDR_MAX)]
    t.check("%d failures from the untrusted peer, each forging another "
            "address: 401 each" % ADDR_MAX, codes == [401] * ADDR_MAX, codes)
    r = login(env.port, "admin", ADMIN_PW, source="127.0.0.2",
              xff="192.0.2.200")
    t.check("the forged addresses were ignored: the peer itself is "
            "throttled (429)", r.status == 429, r)
    t.check("  and the log names the peer",
            "failed login for 'nobody1' from 127.0.0.2" in serve_log(env))
    r = login(env.port, "admin", ADMIN_PW, xff=b)
    t.check("client B through the proxy is still fine: 200",
            r.status == 200, r)


def main():
    regman, sim = sys.argv[1], sys.argv[2]
    t = Results()
    for fn in (restart, proxies):
        env = Env(regman, sim)
        try:
            fn(env, t)
        except Exception as e:  # a crash is a failure, not a skip
            import traceback
            traceback.print_exc()
            t.check("%s ran to the end: %s" % (fn.__name__, e), False)
        finally:
            env.close()
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
