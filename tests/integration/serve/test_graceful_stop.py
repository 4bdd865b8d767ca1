#!/usr/bin/env python3
"""test_graceful_stop - SIGTERM while orders are under way: opensrs-sim
delays every SW_REGISTER by 2 s, six API orders start together and the
daemon gets SIGTERM 0.5 s later. Every client must get its whole answer
(201 with the operation's JSON), a new connection after the signal is
refused, the daemon exits 0 once they are answered, and the database
holds six succeeded operations, each sent once.

usage: test_graceful_stop.py REGMAN OPENSRS_SIM
"""

import http.client
import json
import os
import signal
import socket
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
from apilib import SIM_KEY, SIM_USER, Client, Env, Results  # noqa: E402

ORDERS = 6
DELAY_MS = 2000


def main():
    t = Results()
    # 4 HTTP threads (the default), then 1: with one thread busy in a
    # handler the other orders wait in the kernel's accept queue, and the
    # stop must take them from there rather than reset them.
    for threads, orders in ((None, ORDERS), (1, 3)):
        print("# [http] threads = %s, %d orders" % (threads or "default",
                                                    orders))
        env = Env(sys.argv[1], sys.argv[2])
        try:
            run(env, t, threads, orders)
        except Exception as e:  # a crash is a failure, not a skip
            import traceback
            traceback.print_exc()
            t.check("test ran to the end: %s" % e, False)
        finally:
            env.close()
    return t.finish()


def ctl(env, method, path, body=None):
    host, port = env.ctl.rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        c.request(method, path, body=None if body is None else
                  json.dumps(body), headers={"Content-Type":
                                             "application/json"})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def setup(env, threads):
    env.start_sim()
    env.init()
    with open(env.conf) as f:
        text = f.read()
    with open(env.conf, "w") as f:  # the stop's steps are logged at info
        f.write(text.replace("log_level = warn", "log_level = info"))
        if threads:
            f.write("\n[http]\nthreads = %d\n" % threads)
    env.rg("registrar", "add", "--title", "sim", "--server", "127.0.0.1",
           "--port", str(env.sim_port), "--tls", "no", "--login", SIM_USER,
           "--key", SIM_KEY, "--ns", "ns1.example.net,ns2.example.net")
    env.rg("tld", "set", ".com", "--registrar", "sim", "--price",
           "register:1=12.50")
    env.rg("account", "add", "alice", "--email", "alice@example.com")
    env.rg("account", "credit", "alice", "1000", "--ref", "seed")
    env.rg("account", "contact", "alice", "--first-name", "Alice",
           "--last-name", "Smith", "--address1", "1 Main St", "--city",
           "Toronto", "--postal-code", "M5V1A1", "--country", "CA",
           "--phone", "+1.4165550123", "--email", "alice@example.com")
    env.rg("login", "add", "admin", "--role", "admin", "--password-stdin",
           stdin="admin-password-1\n")
    env.start_serve()


def order(port, token, name, account, out, i):
    t0 = time.monotonic()
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        c.request("POST", "/api/v1/domains/register",
                  body=json.dumps({"name": name, "account_id": account}),
                  headers={"Content-Type": "application/json",
                           "Authorization": "Bearer " + token})
        r = c.getresponse()
        body = r.read()
        c.close()
        out[i] = (r.status, body, time.monotonic() - t0)
    except Exception as e:
        out[i] = ("%s: %s" % (type(e).__name__, e), b"",
                  time.monotonic() - t0)


def run(env, t, threads, orders):
    setup(env, threads)
    admin = Client(env.port)
    r = admin.login("admin", "admin-password-1")
    t.check("admin logs in", r.status == 200, r)
    r = admin.post("/api/v1/auth/tokens", {"name": "drain"})
    t.check("admin gets an API token", r.status in (200, 201), r)
    token = r.json["token"]
    account = env.sql("SELECT id FROM accounts WHERE name = 'alice'")
    st, body = ctl(env, "POST", "/rules",
                   {"action": "SW_REGISTER", "fault": "delay",
                    "delay_ms": DELAY_MS})
    t.check("the sim delays SW_REGISTER by %d ms" % DELAY_MS,
            200 <= st < 300, body)

    out = [None] * orders
    names = ["drain-%d.com" % i for i in range(orders)]
    clients = [threading.Thread(target=order, args=(
        env.port, token, names[i], account, out, i)) for i in range(orders)]
    for th in clients:
        th.start()
    time.sleep(0.5)
    t_kill = time.monotonic()
    env.serve.send_signal(signal.SIGTERM)

    # a new connection once the daemon has stopped accepting
    time.sleep(0.3)
    try:
        s = socket.create_connection(("127.0.0.1", env.port), timeout=2)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(2)
        got = s.recv(100)
        s.close()
        refused = got == b""
        detail = got
    except OSError as e:
        refused = True
        detail = e
    t.check("a new connection after SIGTERM is refused", refused, detail)

    for th in clients:
        th.join(60)
    try:
        rc = env.serve.wait(timeout=60)
    except Exception:
        rc = "still running"
    t_exit = time.monotonic() - t_kill
    env.serve = None
    for i, (status, body, dt) in enumerate(out):
        try:
            j = json.loads(body)
        except ValueError:
            j = None
        t.check("order %d got its whole answer after %.1f s: 201 succeeded" %
                (i, dt), status == 201 and isinstance(j, dict) and
                j.get("state") == "succeeded" and
                j["operation"]["domain"] == names[i],
                "%s %s" % (status, body[:300]))
    t.check("the daemon exits 0 after SIGTERM", rc == 0, rc)
    t.check("it waited for the orders (%.1f s after the signal)" % t_exit,
            t_exit >= DELAY_MS / 1000.0 - 0.5 - 0.2)
    with open(os.path.join(env.work, "serve.log")) as f:
        log = f.read()
    t.check("the log shows the drain and a clean stop",
            "serve: draining" in log and "serve: drained" in log and
            "serve: stopped" in log, log[-2000:])
    n = env.sql("SELECT COUNT(*) FROM operations WHERE state = 'succeeded'")
    t.check("%d succeeded operations in the database" % orders, n == orders,
            n)
    st, body = ctl(env, "GET", "/counts")
    counts = json.loads(body)["domains"].get("SW_REGISTER", {})
    t.check("each registration reached the registrar once",
            all(counts.get(nm) == 1 for nm in names), counts)
    p = env.rg("audit", check=False)
    t.check("audit is clean after the stop", p.returncode == 0, p.stdout)


if __name__ == "__main__":
    sys.exit(main())
