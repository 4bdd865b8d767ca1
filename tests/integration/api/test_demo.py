#!/usr/bin/env python3
"""test_demo - `regman demo` end to end: it starts (opensrs-sim child,
demo data, the daemon), prints the URL and both logins; the admin and the
customer log in through the API; the customer registers a domain after
accepting the license; Ctrl-C (SIGINT) stops everything with exit 0 and
leaves no opensrs-sim behind; a second run reuses the directory.

usage: test_demo.py REGMAN OPENSRS_SIM
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from apilib import Client, Results, wait_file  # noqa: E402


def children(pid):
    """pids whose parent is pid (from /proc)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                out.append(int(d))
        except (OSError, IndexError, ValueError):
            pass
    return out


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def xcp(regman, url, key_file, ca):
    """One signed request to the demo's sim with regman xcp."""
    return subprocess.run([regman, "xcp", "--url", url, "--user", "demo",
                           "--key-file", key_file, "--ca-file", ca,
                           "--timeout", "20", "GET_BALANCE", "BALANCE"],
                          capture_output=True, text=True, timeout=60)


def read_banner(path, timeout=20.0):
    """The demo's output once its banner is complete (the ready file is
    written just before the banner is printed)."""
    end = time.time() + timeout
    while True:
        with open(path) as f:
            text = f.read()
        if "Press Ctrl-C to stop." in text or time.time() > end:
            return text
        time.sleep(0.01)


def start_demo(regman, sim, d, ready):
    if os.path.exists(ready):
        os.unlink(ready)
    env = dict(os.environ, REGMAN_SIM=sim)
    out = open(d + ".out", "w")
    p = subprocess.Popen([regman, "demo", "--dir", d, "--port", "0",
                          "--ready-file", ready], stdout=out,
                         stderr=subprocess.STDOUT, env=env)
    text = wait_file(ready, p, "regman demo", timeout=60)
    return p, int(text.strip().split(":")[-1]), out


def main():
    regman, sim = sys.argv[1], sys.argv[2]
    t = Results()
    top = tempfile.mkdtemp(prefix="regman-demo-test.")
    d = os.path.join(top, "demo")
    ready = os.path.join(top, "ready")
    p = None
    try:
        p, port, out = start_demo(regman, sim, d, ready)
        banner = read_banner(out.name)
        t.check("demo prints the URL", "http://127.0.0.1:%d/" % port in banner,
                banner)
        logins = dict(line.split() for line in
                      open(os.path.join(d, "demo-logins.txt")))
        t.check("demo prints both logins", logins["admin"] in banner and
                logins["customer"] in banner, banner)
        t.check("demo logins file is private",
                os.stat(os.path.join(d, "demo-logins.txt")).st_mode & 0o077
                == 0)
        sims = children(p.pid)
        t.check("one opensrs-sim child runs", len(sims) == 1, sims)
        key_file = os.path.join(d, "sim.key")
        t.check("the sim's reseller key is in DIR/sim.key, mode 0600",
                os.path.isfile(key_file) and
                os.stat(key_file).st_mode & 0o777 == 0o600)
        t.check("demo prints the key file", key_file in banner, banner)
        m = re.search(r"https://127\.0\.0\.1:(\d+)/", banner)
        t.check("demo prints the sim's URL", m is not None, banner)
        if m:
            sim_url = m.group(0)
            ca = os.path.join(d, "tls", "ca.pem")
            x = xcp(regman, sim_url, key_file, ca)
            t.check("the sim accepts a request signed with sim.key",
                    x.returncode == 0 and "is_success" in x.stdout,
                    x.stdout + x.stderr)
            with open(key_file, "w") as f:
                f.write("not-the-key\n")
            os.chmod(key_file, 0o600)
            x = xcp(regman, sim_url, key_file, ca)
            t.check("the sim refuses another key (the check can fail)",
                    x.returncode != 0, x.stdout + x.stderr)

        admin = Client(port)
        r = admin.login("admin", logins["admin"])
        t.check("admin logs in through the API", r.status == 200, r)
        r = admin.get("/api/v1/connections")
        t.check("the demo connection exists", r.status == 200 and
                r.json["items"][0]["title"] == "OpenSRS (local test server)",
                r)
        r = admin.get("/api/v1/tlds")
        t.check("demo TLDs .ca .com .net .org",
                sorted(x["tld"] for x in r.json["items"]) ==
                ["ca", "com", "net", "org"], r)
        r = admin.post("/api/v1/connections/1/test")
        t.check("the demo connection answers (registrar balance)",
                r.status == 200 and r.json["ok"] is True, r)

        cust = Client(port)
        r = cust.login("customer", logins["customer"])
        t.check("customer logs in through the API", r.status == 200, r)
        r = cust.get("/api/v1/me")
        t.check("customer has 100.00", r.status == 200 and
                r.json["account"]["balance"] == 10000, r)
        name = "demo-test-%d.com" % os.getpid()
        r = cust.get("/api/v1/lookup?name=" + name)
        t.check("lookup: available", r.status == 200 and
                r.json["available"] is True, r)
        sha = r.json["license"]["sha256"]
        r = cust.post("/api/v1/domains/register", {"name": name})
        t.check("ordering needs the license accepted",
                r.status == 409 and r.err() == "license_required", r)
        r = cust.post("/api/v1/domains/register",
                      {"name": name, "license_sha256": sha})
        t.check("customer registers a domain", r.status == 201 and
                r.json["state"] == "succeeded", r)
        r = cust.get("/api/v1/domains/" + name)
        t.check("the domain is active", r.status == 200 and
                r.json["status"] == "active", r)
        r = cust.get("/api/v1/me")
        t.check("the fee was charged", r.json["account"]["balance"] ==
                10000 - 1299, r)
        r = cust.post("/api/v1/domains/register",
                      {"name": "demo-async-%d.ca" % os.getpid(),
                       "license_sha256": sha})
        t.check("the .ca TLD is asynchronous (202 pending)",
                r.status == 202 and r.json["state"] == "pending", r)

        p.send_signal(signal.SIGINT)
        rc = p.wait(timeout=30)
        t.check("Ctrl-C stops the demo (exit 0)", rc == 0, rc)
        time.sleep(0.2)
        t.check("no opensrs-sim left behind",
                not any(alive(s) for s in sims), sims)

        # second run: the directory is reused, the same logins work
        p, port, out = start_demo(regman, sim, d, ready)
        cust = Client(port)
        r = cust.login("customer", logins["customer"])
        t.check("a second run reuses the demo directory", r.status == 200, r)
        r = cust.get("/api/v1/domains/" + name)
        t.check("the domain is still there", r.status == 200, r)
        t.check("a second run writes its new key to sim.key (mode 0600)",
                open(key_file).read().strip() != "not-the-key" and
                os.stat(key_file).st_mode & 0o777 == 0o600)
        m = re.findall(r"https://127\.0\.0\.1:\d+/", read_banner(d + ".out"))
        x = xcp(regman, m[-1] if m else "https://127.0.0.1:1/", key_file,
                os.path.join(d, "tls", "ca.pem"))
        t.check("the second run's sim accepts its sim.key",
                x.returncode == 0, x.stdout + x.stderr)
        sims = children(p.pid)
        r = Client(port)
        p.send_signal(signal.SIGTERM)
        t.check("SIGTERM stops the demo (exit 0)", p.wait(timeout=30) == 0)
        t.check("no opensrs-sim left after SIGTERM",
                not any(alive(s) for s in sims), sims)
        p = None
        with open(d + ".out") as f:
            log = f.read()
        t.check("the demo's output has no sanitizer report or error line",
                "Sanitizer" not in log and "runtime error" not in log and
                " error regman" not in log, log)
    except Exception as e:
        import traceback
        traceback.print_exc()
        t.check("test ran to the end: %s" % e, False)
    finally:
        if p is not None and p.poll() is None:
            p.kill()
            p.wait()
        shutil.rmtree(top, ignore_errors=True)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
