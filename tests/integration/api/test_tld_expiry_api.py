#!/usr/bin/env python3
"""test_tld_expiry_api - a TLD's life after expiry over the JSON API,
against the real regman serve and opensrs-sim binaries: GET and PUT
/api/v1/tlds/{tld} carry expiry {grace_days, redemption_days,
pending_delete_days, grace_fee, restore_fee} (minor units; null days: the
TLD's default, a null restore fee: restores not offered); bad values are
400 naming the field and change nothing; a customer may read them but not
set them; a domain shows renewable_until, restorable_until and the restore
fee computed from its expiry.

usage: test_tld_expiry_api.py REGMAN OPENSRS_SIM
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from apilib import SIM_KEY, SIM_USER, Client, Env, Results  # noqa: E402
import testdb  # noqa: E402

DAY = 86400
EXP = 1798761600  # 2027-01-01T00:00:00Z


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


def setup(env):
    env.start_sim()
    env.init()
    env.rg("registrar", "add", "--title", "sim", "--server", "127.0.0.1",
           "--port", str(env.sim_port), "--tls", "no", "--login", SIM_USER,
           "--key", SIM_KEY, "--ns", "ns1.example.net,ns2.example.net")
    env.rg("tld", "set", ".com", "--registrar", "sim", "--price",
           "register:1=12", "--price", "renew:1=13")
    env.rg("account", "add", "alice", "--email", "alice@example.com")
    env.rg("account", "credit", "alice", "100", "--ref", "seed")
    env.rg("account", "contact", "alice", "--first-name", "Alice",
           "--last-name", "Smith", "--address1", "1 Main St", "--city",
           "Toronto", "--postal-code", "M5V1A1", "--country", "CA",
           "--phone", "+1.4165550123", "--email", "alice@example.com")
    env.rg("login", "add", "alice", "--role", "customer", "--account",
           "alice", "--password-stdin", stdin="alice-password-1\n")
    env.rg("login", "add", "admin", "--role", "admin", "--password-stdin",
           stdin="admin-password-1\n")
    env.rg("domain", "register", "shop.com", "--account", "alice")
    testdb.execute(env.db, "UPDATE domains SET expires_at = ? WHERE name = "
                   "'shop.com'", EXP)
    env.start_serve()


def put(c, tld, body):
    return c.call("PUT", "/api/v1/tlds/" + tld, body=body)


def run(env, t):
    setup(env)
    admin, alice = Client(env.port), Client(env.port)
    t.check("admin logs in",
            admin.login("admin", "admin-password-1").status == 200)
    t.check("alice logs in",
            alice.login("alice", "alice-password-1").status == 200)

    r = admin.get("/api/v1/tlds/com")
    t.check("GET: .com's defaults, no restores",
            r.status == 200 and r.json["expiry"] == {
                "grace_days": 30, "redemption_days": 30,
                "pending_delete_days": 5, "grace_fee": 0,
                "restore_fee": None}, r)

    body = {"expiry": {"grace_days": 40, "redemption_days": 25,
                       "pending_delete_days": 4, "grace_fee": 250,
                       "restore_fee": 8000}}
    r = put(admin, "com", body)
    t.check("PUT: set and answered", r.status == 200 and
            r.json["expiry"] == body["expiry"], r)
    t.check("read back", admin.get("/api/v1/tlds/com").json["expiry"] ==
            body["expiry"])
    t.check("the customer sees them",
            alice.get("/api/v1/tlds/com").json["expiry"] == body["expiry"])
    r = put(alice, "com", {"expiry": {"grace_days": 1}})
    t.check("the customer cannot set them", r.status == 403, r)

    sig = testdb.sig(env.db, ["tlds", "tld_prices"])
    for bad, field in (({"grace_days": 366}, "expiry"),
                       ({"redemption_days": -1}, "expiry"),
                       ({"pending_delete_days": "5"}, "expiry"),
                       ({"grace_fee": -1}, "expiry"),
                       ({"restore_fee": 1.5}, "expiry"),
                       ({"colour": 1}, "expiry")):
        r = put(admin, "com", {"expiry": bad})
        t.check("%s: 400 on %s" % (bad, field),
                r.status == 400 and r.field() == field and
                list(bad)[0] in r.body, r)
    r = put(admin, "com", {"expiry": {"redemption_days": 0}})
    t.check("no redemption with a restore fee: 400 naming the restore fee",
            r.status == 400 and "restore fee" in r.body, r)
    r = put(admin, "com", {"expiry": {"grace_days": 10, "restore_fee": -5}})
    t.check("one bad value among good ones: 400", r.status == 400, r)
    t.check("nothing changed", testdb.sig(env.db, ["tlds", "tld_prices"]) ==
            sig)

    r = alice.get("/api/v1/domains/shop.com")
    d = r.json if r.status == 200 else {}
    t.check("the domain: renewable until expiry + 40 days",
            d.get("renewable_until") == EXP + 40 * DAY, r)
    t.check("restorable until 25 days later",
            d.get("restorable_until") == EXP + 65 * DAY, r)
    t.check("at the restore fee", d.get("restore_fee") == 8000, r)

    r = put(admin, "com", {"expiry": {"grace_days": None,
                                      "redemption_days": None,
                                      "pending_delete_days": None,
                                      "grace_fee": None,
                                      "restore_fee": None}})
    t.check("null clears: the defaults again", r.status == 200 and
            r.json["expiry"]["grace_days"] == 30 and
            r.json["expiry"]["restore_fee"] is None and
            r.json["overrides"]["grace_days"] is None, r)
    d = alice.get("/api/v1/domains/shop.com").json
    t.check("the domain: no restore offered any more",
            d["restorable_until"] is None and d["restore_fee"] is None and
            d["renewable_until"] == EXP + 30 * DAY, d)

    restore_api(env, t, admin, alice)


def sim_ctl(env, method, path, body=None):
    import json
    import urllib.request
    req = urllib.request.Request(
        "http://" + env.ctl + path, method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as f:
        return json.loads(f.read() or b"null")


def msg(r):
    """the error message of an API reply ("" when none)"""
    e = r.json.get("error") if isinstance(r.json, dict) else None
    return e.get("message", "") if isinstance(e, dict) else ""


def restore_api(env, t, admin, alice):
    """POST /api/v1/domains/{name}/restore: refused (409, nothing charged)
    for a domain not in redemption and where restores are not offered;
    a domain in redemption at the sim, read by the sync, is restored by
    its customer at the restore fee plus a year and ends active with the
    sim's new expiry."""
    import time
    r = alice.post("/api/v1/domains/shop.com/restore", body={})
    t.check("restore of an active domain: 409", r.status == 409, r)
    t.check("...saying it is not in redemption",
            "redemption" in msg(r), r)
    r = alice.post("/api/v1/domains/shop.com/restore", body={"term": 2})
    t.check("restore takes no fields: 400", r.status == 400, r)
    # back.com: 35 days past its expiry at the sim (.com there: 40 days
    # of grace... so set 30/30/5 like regman's defaults)
    sim_ctl(env, "POST", "/lifecycle", {"tld": "com", "grace_days": 30,
                                        "redemption_days": 30,
                                        "pending_delete_days": 5,
                                        "restore_fee": "80.00"})
    env.rg("domain", "register", "back.com", "--account", "alice")
    old = int(time.time()) - 35 * DAY
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(old))
    sim_ctl(env, "POST", "/domains", {"name": "back.com", "owner": SIM_USER,
                                      "expiry": when})
    # the sim's registry counts its phases from when it saw the name
    # lapse (now): 35 days on, at the sim only, it is in redemption
    sim_ctl(env, "POST", "/clock/advance", {"seconds": 35 * DAY})
    env.rg("domain", "sync", "back.com")
    d = alice.get("/api/v1/domains/back.com").json
    st = sim_ctl(env, "GET", "/state")["domains"]["back.com"]
    t.check("synced: in redemption with the sim's dates",
            d["status"] == "redemption" and d["phase_from_registrar"] and
            d["expires_at"] == st["expiry"] and
            d["renewable_until"] == st["grace_end"], (d, st))
    t.check("no restore offered: restore_price null, needs no action",
            d["restore_price"] is None and d["needs_action"] is None, d)
    sig = env.dbsig()
    r = alice.post("/api/v1/domains/back.com/restore")
    t.check("restores not offered for .com: 409", r.status == 409 and
            "not offered" in msg(r), r)
    t.check("nothing written", env.dbsig() == sig)
    r = admin.call("PUT", "/api/v1/tlds/com",
                   body={"expiry": {"restore_fee": 8000, "grace_fee": 500}})
    t.check("the admin offers restores at 80.00", r.status == 200, r)
    d = alice.get("/api/v1/domains/back.com").json
    t.check("the customer sees the price: 80.00 + a year 13.00",
            d["restore_price"] == 9300 and d["restore_fee"] == 8000 and
            d["needs_action"] == "redemption", d)
    t.check("restorable until the sim's redemption end",
            d["restorable_until"] == st["redemption_end"], (d, st))
    t.check("and the grace renewal price 13.00 + 5.00",
            d["grace_renew_price"] == 1800, d)
    env.rg("account", "credit", "alice", "100", "--ref", "restore")
    before = alice.get("/api/v1/me").json["account"]["balance"]
    r = alice.post("/api/v1/domains/back.com/restore")
    t.check("restored: 201 succeeded", r.status == 201 and
            r.json.get("state") == "succeeded", r)
    after = alice.get("/api/v1/me").json["account"]["balance"]
    t.check("charged 93.00", before - after == 9300, (before, after))
    d = alice.get("/api/v1/domains/back.com").json
    st = sim_ctl(env, "GET", "/state")["domains"]["back.com"]
    t.check("active with the sim's new expiry",
            d["status"] == "active" and d["expires_at"] == st["expiry"] and
            st["expiry"] > old + 364 * DAY, (d, st))
    t.check("operations list filters by kind restore",
            alice.get("/api/v1/operations?kind=restore").status == 200)
    r = alice.post("/api/v1/domains/back.com/restore")
    t.check("a second restore: 409", r.status == 409, r)


if __name__ == "__main__":
    sys.exit(main())
