#!/usr/bin/env python3
"""test_bulk_api - bulk actions over the JSON API, against the real regman
serve and opensrs-sim binaries: POST /api/v1/bulk answers 202 at once and
the daemon's `bulk` job works the run; GET /api/v1/bulk/{id} shows the
progress (total, done, succeeded, failed, pending) until it is done, with
one outcome per domain, and the sim holds the result. The admin selects
any domain (a list, or an account's domains); a customer only its own:
another's name fails as "no such domain" like an unknown one, another
account's filter is 404, another's run is 404 and is not listed. Bad
bodies are 400 and record nothing.

usage: test_bulk_api.py REGMAN OPENSRS_SIM
"""

import http.client
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from apilib import SIM_KEY, SIM_USER, Client, Env, Results  # noqa: E402


def main():
    regman, sim = sys.argv[1], sys.argv[2]
    t = Results()
    env = Env(regman, sim)
    try:
        run(env, t)
    except Exception as e:  # a crash is a failure, not a skip
        import traceback
        traceback.print_exc()
        t.check("test ran to the end: %s" % e, False)
    finally:
        env.close()
    return t.finish()


def ctl(env, method, path, body=None):
    host, port = env.ctl.replace("http://", "").split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        h = {}
        data = None
        if body is not None:
            data = json.dumps(body)
            h["Content-Type"] = "application/json"
        c.request(method, path, data, h)
        r = c.getresponse()
        text = r.read().decode()
        return r.status, json.loads(text) if text else None
    finally:
        c.close()


def setup(env):
    env.start_sim()
    env.init()
    env.rg("registrar", "add", "--title", "sim", "--server", "127.0.0.1",
           "--port", str(env.sim_port), "--tls", "no", "--login", SIM_USER,
           "--key", SIM_KEY, "--ns", "ns1.example.net,ns2.example.net")
    env.rg("tld", "set", ".com", "--registrar", "sim", "--price",
           "register:1=12.50", "--price", "renew:1=13")
    env.rg("tld", "set", ".net", "--registrar", "sim", "--price",
           "register:1=11", "--price", "renew:1=11")
    for who in ("alice", "bob"):
        env.rg("account", "add", who, "--email", who + "@example.com")
        env.rg("account", "credit", who, "200", "--ref", "seed-" + who)
        env.rg("account", "contact", who, "--first-name", who.title(),
               "--last-name", "Smith", "--address1", "1 Main St", "--city",
               "Toronto", "--postal-code", "M5V1A1", "--country", "CA",
               "--phone", "+1.4165550123", "--email", who + "@example.com")
        env.rg("login", "add", who, "--role", "customer", "--account", who,
               "--password-stdin", stdin=who + "-password-1\n")
    env.rg("login", "add", "admin", "--role", "admin", "--password-stdin",
           stdin="admin-password-1\n")
    for d in ("a1.com", "a2.com", "a3.com", "a4.net"):
        env.rg("domain", "register", d, "--account", "alice")
    for d in ("b1.com", "b2.com"):
        env.rg("domain", "register", d, "--account", "bob")
    env.start_serve()


def wait_done(client, rid, seen=None):
    """Poll the run until it is done; the progress seen on the way."""
    deadline = time.time() + 60
    while time.time() < deadline:
        r = client.get("/api/v1/bulk/%d" % rid)
        if r.status != 200:
            return r
        if seen is not None:
            seen.append(r.json["done"])
        if r.json["state"] == "done":
            return r
        time.sleep(0.1)
    return r


def runs(env):
    return env.sql("SELECT COUNT(*) FROM bulk_runs")


def run(env, t):
    setup(env)
    admin, a, b = (Client(env.port) for _ in range(3))
    t.check("admin logs in",
            admin.login("admin", "admin-password-1").status == 200)
    t.check("alice logs in", a.login("alice", "alice-password-1").status == 200)
    t.check("bob logs in", b.login("bob", "bob-password-1").status == 200)

    # --- the admin: a lock of several domains of two owners, slow at the
    # sim so the progress is seen moving ---------------------------------
    ctl(env, "POST", "/rules", {"action": "MODIFY", "fault": "delay",
                                "delay_ms": 300, "count": 4})
    r = admin.post("/api/v1/bulk", {"action": "lock", "domains": [
        "a1.com", "a2.com", "b1.com", "nope.com"]})
    t.check("admin: 202 at once", r.status == 202, r)
    rid = r.json["id"]
    t.check("answered before the work: total 4, the unknown one failed",
            r.json["total"] == 4 and r.json["failed"] == 1
            and r.json["state"] == "running", r)
    seen = []
    r = wait_done(admin, rid, seen)
    t.check("the daemon's job finished the run", r.json["state"] == "done", r)
    t.check("progress seen moving to the end",
            seen[-1] == 4 and min(seen) < 4, seen)
    items = {i["domain"]: i for i in r.json["items"]}
    t.check("3 succeeded, 1 failed", r.json["succeeded"] == 3
            and r.json["failed"] == 1 and r.json["pending"] == 0, r)
    t.check("each succeeded one names its change",
            all(items[d]["state"] == "succeeded" and items[d]["change"]
                for d in ("a1.com", "a2.com", "b1.com")), items)
    t.check("the unknown name: no such domain",
            items["nope.com"]["answer"] == "no such domain: nope.com", items)
    st = ctl(env, "GET", "/state")[1]["domains"]
    t.check("locked at the sim", all(
        st[d].get("locked") == 1 for d in ("a1.com", "a2.com", "b1.com")),
        st)
    t.check("not before: a3.com still unlocked at the sim",
            st["a3.com"].get("locked", 0) == 0, st["a3.com"])
    code, _ = ctl(env, "POST", "/transfers/away", {"domain": "b1.com"})
    t.check("a transfer away of b1.com is refused at the sim", code == 409,
            code)

    # --- the admin: an account filter with a TLD --------------------------
    before = env.sql("SELECT balance FROM accounts WHERE name = 'alice'")
    r = admin.post("/api/v1/bulk", {"action": "renew", "account": "alice",
                                    "tld": "com", "term": 1})
    t.check("admin: renew alice's .com domains", r.status == 202, r)
    r = wait_done(admin, r.json["id"])
    t.check("three renewals, each its own operation",
            r.json["succeeded"] == 3 and
            len({i["operation"] for i in r.json["items"]}) == 3, r)
    t.check("alice charged 3 x 13.00",
            before - env.sql("SELECT balance FROM accounts WHERE name = "
                             "'alice'") == 3900)

    # --- a customer: only its own domains ---------------------------------
    r = a.post("/api/v1/bulk", {"action": "auto-renew-on", "domains": [
        "a1.com", "b2.com", "ghost.com"]})
    t.check("alice: 202", r.status == 202, r)
    rid_a = r.json["id"]
    r = wait_done(a, rid_a)
    items = {i["domain"]: i for i in r.json["items"]}
    t.check("alice's own domain done", items["a1.com"]["state"] == "succeeded",
            items)
    t.check("bob's domain fails with the words of an unknown one",
            items["b2.com"]["answer"] == "no such domain: b2.com" and
            items["ghost.com"]["answer"] == "no such domain: ghost.com", items)
    t.check("bob's domain untouched", env.sql(
        "SELECT auto_renew FROM domains WHERE name = 'b2.com'") == 0)
    t.check("the run is alice's", r.json["actor"] == "account:alice", r)
    r = a.post("/api/v1/bulk", {"action": "lock", "account": "bob"})
    t.check("alice: bob's account as a filter is 404", r.status == 404, r)
    r = b.get("/api/v1/bulk/%d" % rid_a)
    t.check("bob: alice's run is 404", r.status == 404, r)
    r = b.get("/api/v1/bulk/999999")
    t.check("bob: an unknown run is 404 alike", r.status == 404, r)
    r = b.get("/api/v1/bulk")
    t.check("bob lists none of alice's runs", r.status == 200 and all(
        x["id"] != rid_a for x in r.json["items"]), r)
    r = a.get("/api/v1/bulk")
    t.check("alice lists her run, not the admin's",
            [x["id"] for x in r.json["items"]] == [rid_a], r)
    r = admin.get("/api/v1/bulk")
    t.check("the admin lists every run", len(r.json["items"]) == 3, r)

    # --- bad bodies record nothing -----------------------------------------
    n = runs(env)
    for body, field in (
            ({"action": "explode", "domains": ["a1.com"]}, "action"),
            ({"action": "lock"}, None),
            ({"action": "lock", "domains": ["a1.com"], "account": "alice"},
             None),
            ({"action": "ns", "domains": ["a1.com"]}, "nameservers"),
            ({"action": "ns", "domains": ["a1.com"],
              "nameservers": ["ns1.example.net"]}, None),
            ({"action": "lock", "domains": ["not a name"]}, None),
            ({"action": "lock", "domains": "a1.com"}, "domains"),
            ({"action": "renew", "domains": ["a1.com"], "term": 11}, "term"),
            ({"action": "lock", "domains": ["a1.com"], "extra": 1}, "extra")):
        r = admin.post("/api/v1/bulk", body)
        t.check("400 for %s" % json.dumps(body), r.status == 400 and
                (field is None or r.field() == field), r)
    t.check("nothing recorded by bad bodies", runs(env) == n)

    # --- ns through the API, read back at the sim ---------------------------
    r = admin.post("/api/v1/bulk", {"action": "ns", "domains": [
        "a2.com", "b2.com"], "nameservers": ["ns3.example.net",
                                             "ns4.example.net"]})
    r = wait_done(admin, r.json["id"])
    st = ctl(env, "GET", "/state")[1]["domains"]
    t.check("both domains hold the new nameservers at the sim", all(
        st[d]["nameservers"] == ["ns3.example.net", "ns4.example.net"]
        for d in ("a2.com", "b2.com")), st)
    p = env.rg("audit", check=False)
    t.check("audit clean", p.returncode == 0, p.stdout + p.stderr)


if __name__ == "__main__":
    sys.exit(main())
