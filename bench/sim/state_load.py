#!/usr/bin/env python3
"""state_load.py - the cost of one state-changing request to opensrs-sim
running with --state, as its world grows (driven by bench/sim/run state).

The world is grown with SW_REGISTER orders (each adds an order, a domain
and an event, with a full contact set, as regman's orders do) to each size
in --sizes in turn. At each size the script times --requests MODIFY
requests (lock a domain, unlock it: one domain changes per request, the
world keeps its size), --rounds times, and reports the best round: the
sim's CPU time per request (from /proc/PID/stat, user + system, which
includes every write of the state) and requests per second. The ratio of
the largest size to the smallest is what must stay near 1.

The reseller's balance is first raised through the control API, so that
no order is refused for funds. Every answer must be 200; any other counts
as an error (exit 1).

Usage: state_load.py --url http://127.0.0.1:PORT/ --control ADDR:PORT
                     --user U --key K --pid SIM_PID [--state FILE]
                     [--sizes 100,2000] [--requests 2000] [--rounds 3]
"""
import argparse
import hashlib
import http.client
import os
import re
import sys
import time
import urllib.parse

CONTACT = {
    "first_name": "Ada", "last_name": "Lovelace",
    "org_name": "Analytical Engines Ltd", "address1": "12 Marylebone Road",
    "address2": "Suite 4", "city": "Toronto", "state": "ON",
    "postal_code": "M5V 2T6", "country": "CA", "phone": "+1.4165550123",
    "fax": "+1.4165550124", "email": "ada@example.net",
    "url": "http://www.example.net", "lang_pref": "EN",
}


def xml_value(v):
    if isinstance(v, dict):
        items = "".join('<item key="%s">%s</item>' % (k, xml_value(x))
                        for k, x in v.items())
        return "<dt_assoc>%s</dt_assoc>" % items
    return str(v).replace("&", "&amp;").replace("<", "&lt;")


def envelope(action, obj, attrs):
    block = {"protocol": "XCP", "action": action, "object": obj,
             "attributes": attrs}
    return ("<?xml version='1.0' encoding='UTF-8' standalone='no' ?>\n"
            "<!DOCTYPE OPS_envelope SYSTEM 'ops.dtd'>\n<OPS_envelope>"
            "<header><version>0.9</version></header><body><data_block>"
            + xml_value(block) + "</data_block></body></OPS_envelope>\n")


class Client:
    def __init__(self, url, user, key):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.user, self.key = user, key
        self.conn = http.client.HTTPConnection(self.host, self.port)

    def call(self, action, obj, attrs):
        body = envelope(action, obj, attrs).encode()
        k = self.key.encode()
        sig = hashlib.md5(hashlib.md5(body + k).hexdigest().encode()
                          + k).hexdigest()
        headers = {"Content-Type": "text/xml", "X-Username": self.user,
                   "X-Signature": sig}
        self.conn.request("POST", "/", body, headers)
        resp = self.conn.getresponse().read().decode()
        m = re.search(r'<item key="response_code">(\d+)</item>', resp)
        return int(m.group(1)) if m else -1


def sim_cpu(pid):
    """CPU seconds (user + system) the sim has used so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--control", required=True)
    ap.add_argument("--state", default="")
    ap.add_argument("--sizes", default="100,2000")
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    sizes = [int(x) for x in a.sizes.split(",")]
    c = Client(a.url, a.user, a.key)
    ctl = http.client.HTTPConnection(*a.control.rsplit(":", 1))
    ctl.request("POST", "/balance", '{"balance":"100000000.00"}')
    if ctl.getresponse().status != 200:
        print("state_load.py: POST /balance failed", file=sys.stderr)
        return 1
    errors = 0
    have = 0
    results = []
    for n in sizes:
        c0, t0 = sim_cpu(a.pid), time.monotonic()
        grown = n - have
        while have < n:
            attrs = {"domain": "bench%06d.com" % have, "reg_type": "new",
                     "period": "1", "reg_username": "bench",
                     "reg_password": "bench123",
                     "custom_tech_contact": "0", "custom_nameservers": "0",
                     "contact_set": {"owner": CONTACT, "admin": CONTACT,
                                     "billing": CONTACT}}
            if c.call("SW_REGISTER", "DOMAIN", attrs) != 200:
                errors += 1
            have += 1
        reg_cpu = sim_cpu(a.pid) - c0
        reg_wall = time.monotonic() - t0
        best = None
        for r in range(a.rounds):
            c0, t0 = sim_cpu(a.pid), time.monotonic()
            for i in range(a.requests):
                attrs = {"domain": "bench%06d.com" % (i % n),
                         "data": "status", "lock_state": str((i // n + r) % 2)}
                if c.call("MODIFY", "DOMAIN", attrs) != 200:
                    errors += 1
            cpu = sim_cpu(a.pid) - c0
            wall = time.monotonic() - t0
            if best is None or cpu < best[0]:
                best = (cpu, wall)
        cpu, wall = best
        res = {"domains": n, "cpu_us": 1e6 * cpu / a.requests,
               "rate": a.requests / wall,
               "reg_us": 1e6 * reg_cpu / grown if grown else 0,
               "reg_rate": grown / reg_wall if reg_wall > 0 else 0,
               "grown": grown, "state": size(a.state) if a.state else 0,
               "journal": size(a.state + ".journal") if a.state else 0}
        results.append(res)
        print("%6d domains: MODIFY sim cpu %7.1f us/request, %6.0f requests/s"
              " (best of %d x %d); growing to it (%d SW_REGISTER): sim cpu"
              " %7.1f us/order, %5.0f orders/s%s"
              % (n, res["cpu_us"], res["rate"], a.rounds, a.requests, grown,
                 res["reg_us"], res["reg_rate"],
                 "; state file %d bytes, journal %d bytes"
                 % (res["state"], res["journal"]) if a.state else ""),
              flush=True)
    lo, hi = results[0], results[-1]
    reg = ("%.2fx" % (hi["reg_us"] / lo["reg_us"]) if lo["reg_us"] > 0
           else "n/a (too few orders to time)")
    print("ratio %d/%d domains: sim cpu per MODIFY %.2fx, requests/s %.2fx;"
          " sim cpu per SW_REGISTER while growing %s"
          % (hi["domains"], lo["domains"], hi["cpu_us"] / lo["cpu_us"],
             hi["rate"] / lo["rate"], reg))
    print("errors: %d" % errors)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
