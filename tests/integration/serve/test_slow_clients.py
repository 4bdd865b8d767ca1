#!/usr/bin/env python3
"""test_slow_clients - `regman serve` under 1,000 slow clients from
127.0.0.2, each sending a request header a byte a second and never
finishing it:

- the per-address cap ([http] max_conns_per_ip, default 32) refuses the
  excess at accept time;
- GET /healthz from 127.0.0.1 answers within 1 s, every time, while the
  slow sockets are open;
- the server closes every accepted slow socket once its header deadline
  ([http] header_timeout) has passed although bytes kept arriving;
- a request body sent a byte a second is cut at [http] body_timeout;
- the daemon still serves afterwards and stops with status 0.

usage: test_slow_clients.py REGMAN OPENSRS_SIM
"""

import os
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
sys.path.insert(0, HERE)
from apilib import Env, Results  # noqa: E402
from slowclients import SlowClients, healthz, raise_fd_limit  # noqa: E402

SLOW = 1000
HEADER_TIMEOUT = 4
BODY_TIMEOUT = 4
PER_IP_DEFAULT = 32


def main():
    regman = sys.argv[1]
    t = Results()
    env = Env(regman, sys.argv[2])
    try:
        run(env, t)
    except Exception as e:  # a crash is a failure, not a skip
        import traceback
        traceback.print_exc()
        t.check("test ran to the end: %s" % e, False)
    finally:
        env.close()
    return t.finish()


def run(env, t):
    limit = raise_fd_limit(SLOW + 200)
    if not t.check("the file descriptor limit allows %d sockets (%d)" %
                   (SLOW, limit), limit >= SLOW + 100):
        return
    env.init()
    with open(env.conf, "a") as f:
        f.write("\n[http]\nheader_timeout = %d\nbody_timeout = %d\n" %
                (HEADER_TIMEOUT, BODY_TIMEOUT))
    env.start_serve()
    status, _ = healthz(env.port)
    t.check("healthz answers before the load", status.endswith("200 OK"),
            status)

    t0 = time.monotonic()
    sc = SlowClients(env.port, SLOW, source="127.0.0.2", interval=1.0)
    t.check("%d slow sockets connected from 127.0.0.2 in %.2f s" %
            (SLOW, time.monotonic() - t0),
            sc.connect_errors == 0 and len(sc.clients) == SLOW,
            "connect errors: %d" % sc.connect_errors)
    try:
        slow_phase(env, t, sc)
    finally:
        sc.close()

    body_deadline(env, t)

    status, _ = healthz(env.port)
    t.check("the daemon still serves after the load",
            status.endswith("200 OK"), status)
    with open(os.path.join(env.work, "serve.log")) as f:
        log = f.read()
    t.check("the log reports the header deadline",
            "whose request header took over %d s" % HEADER_TIMEOUT in log)
    t.check("repeated MHD messages are counted, not logged %d times" % SLOW,
            log.count("\n") < 200, "%d log lines" % log.count("\n"))
    rc = env.stop_serve()
    t.check("SIGTERM stops the daemon with status 0", rc == 0, rc)


def slow_phase(env, t, sc):
    time.sleep(0.5)
    # while the slow sockets are open (well before their deadline)
    lat = []
    bad = []
    end = time.monotonic() + 2.0
    while time.monotonic() < end:
        status, dt = healthz(env.port)
        lat.append(dt)
        if not status.endswith("200 OK"):
            bad.append(status)
        time.sleep(0.1)
    opened, closed = sc.snapshot()
    print("# under %d slow sockets (%d open, %d refused): %d healthz, "
          "worst %.1f ms, median %.1f ms" %
          (SLOW, opened, closed, len(lat), max(lat) * 1000,
           sorted(lat)[len(lat) // 2] * 1000))
    t.check("healthz from 127.0.0.1 answers 200 every time (%d calls)" %
            len(lat), not bad, bad[:5])
    t.check("healthz answers within 1 s under the load (worst %.0f ms)" %
            (max(lat) * 1000), max(lat) < 1.0)
    t.check("the per-address cap keeps %d slow sockets open" % PER_IP_DEFAULT,
            opened == PER_IP_DEFAULT, "open %d" % opened)
    t.check("the excess was refused at accept (%d)" % closed,
            closed == SLOW - PER_IP_DEFAULT)
    early = [c for c in sc.clients if c.closed is not None and
             c.closed - c.opened > 1.0]
    t.check("refusals came at once, not later", not early, len(early))

    # keep trickling past the deadline
    deadline = min(c.opened for c in sc.clients) + HEADER_TIMEOUT + 3.0
    while time.monotonic() < deadline and sc.snapshot()[0] > 0:
        time.sleep(0.1)
    opened, _ = sc.snapshot()
    t.check("the server closed every slow socket after the header deadline",
            opened == 0, "still open: %d" % opened)
    kept = [c for c in sc.clients if c.closed is not None and
            c.closed - c.opened > 1.0]
    ages = sorted(c.closed - c.opened for c in kept)
    t.check("each accepted one was closed %d..%d s after connecting" %
            (HEADER_TIMEOUT, HEADER_TIMEOUT + 2),
            len(kept) == PER_IP_DEFAULT and
            ages[0] >= HEADER_TIMEOUT - 0.2 and
            ages[-1] <= HEADER_TIMEOUT + 2,
            "%d closed, ages %s" % (len(kept),
                                    ["%.1f" % a for a in ages[:3] + ages[-3:]]))
    t.check("they had sent bytes until then (the deadline is not idleness)",
            all(c.sent >= HEADER_TIMEOUT for c in kept),
            [c.sent for c in kept[:5]])
    t.check("no slow request was answered",
            not any(c.answer for c in sc.clients))


def body_deadline(env, t):
    head = (b"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
    s = socket.create_connection(("127.0.0.1", env.port), timeout=10)
    s.sendall(head)
    t0 = time.monotonic()
    closed = None
    sent = 0
    s.settimeout(1.0)
    while time.monotonic() - t0 < BODY_TIMEOUT + 4:
        try:
            s.send(b"{" if sent == 0 else b" ")
            sent += 1
        except OSError:
            closed = time.monotonic() - t0
            break
        try:
            if s.recv(4096) == b"":
                closed = time.monotonic() - t0
                break
        except socket.timeout:
            pass
        except OSError:
            closed = time.monotonic() - t0
            break
    s.close()
    t.check("a body sent a byte a second is cut %d..%d s after the header" %
            (BODY_TIMEOUT, BODY_TIMEOUT + 2),
            closed is not None and BODY_TIMEOUT - 0.2 <= closed <=
            BODY_TIMEOUT + 2, "closed after %s s, %d bytes sent" %
            (closed, sent))


if __name__ == "__main__":
    sys.exit(main())
