#!/usr/bin/env python3
"""test_prices_api - registrar price import and margins over the JSON API,
against the real regman serve and opensrs-sim binaries: POST
/api/v1/connections/{id}/import-prices answers the sim's prices as costs
and the proposals of the rule (cost * (1 + markup_pct/100) + add, rounded
up to the cent and then to the cents of round), changing no price unless
"apply" is true; bad bodies are 400 naming the field and change nothing;
a customer may not call it. After orders, GET /api/v1/stats carries the
registrar cost, revenue and margin per day and per TLD, and says how many
succeeded operations have no known cost.

usage: test_prices_api.py REGMAN OPENSRS_SIM
"""

import json
import os
import sys
import urllib.request

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


def ctl(env, path, body):
    req = urllib.request.Request("http://" + env.ctl + path,
                                 data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"},
                                 method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status


def setup(env):
    env.start_sim()
    env.init()
    env.rg("registrar", "add", "--title", "sim", "--server", "127.0.0.1",
           "--port", str(env.sim_port), "--tls", "no", "--login", SIM_USER,
           "--key", SIM_KEY, "--ns", "ns1.example.net,ns2.example.net")
    env.rg("tld", "set", ".com", "--registrar", "sim", "--terms", "1",
           "--price", "register:1=12.50", "--price", "renew:1=13",
           "--price", "transfer:1=10")
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
    # the sim's prices: com new 8.50, renewal 9.25, transfer 7.80
    for rt, price in (("new", "8.50"), ("renewal", "9.25"),
                      ("transfer", "7.80")):
        ctl(env, "/prices", {"tld": "com", "reg_type": rt, "period": 1,
                             "price": price})
    env.start_serve()


def imp(c, body, cid=1):
    return c.post("/api/v1/connections/%d/import-prices" % cid, body)


def run(env, t):
    setup(env)
    admin, alice = Client(env.port), Client(env.port)
    t.check("admin logs in",
            admin.login("admin", "admin-password-1").status == 200)
    t.check("alice logs in",
            alice.login("alice", "alice-password-1").status == 200)

    # --- the dry run -----------------------------------------------------
    sig = env.dbsig()
    rule = {"tlds": [".com"], "markup_pct": "30", "add": 50, "round": ".99"}
    r = imp(admin, rule)
    rows = r.json.get("rows", []) if r.status == 200 else []
    got = [(w["operation"], w["term"], w["cost"], w["old"], w["proposed"],
            w["changed"]) for w in rows]
    t.check("dry run: the sim's prices and the proposals, minor units",
            got == [("register", 1, 850, 1250, 1199, True),
                    ("renew", 1, 925, 1300, 1299, True),
                    ("transfer", 1, 780, 1000, 1099, True)], r)
    t.check("not applied, counted",
            r.status == 200 and r.json["applied"] is False and
            r.json["read"] == 3 and r.json["changed"] == 3 and
            r.json["skipped"] == 0 and r.json["connection"] == "sim", r)
    t.check("a dry run changes nothing", env.dbsig() == sig)
    t.check("the costs are kept",
            str(env.sql("SELECT price FROM registrar_prices WHERE tld = "
                        "'com' AND reg_type = 'renewal' AND period = 1")) ==
            "925")
    r = imp(admin, {"markup_pct": 12, "round": 0})
    t.check("integer markup and round; every TLD of the connection",
            r.status == 200 and
            [w["proposed"] for w in r.json["rows"]] == [1000, 1100, 900], r)
    r = imp(admin, {"markup_pct": "12.5"})
    t.check("no rounding: up to the cent (8.50 * 1.125 = 9.5625 -> 9.57)",
            r.status == 200 and r.json["rows"][0]["proposed"] == 957, r)

    # --- bad bodies ------------------------------------------------------
    for body, field in (({"markup_pct": -1}, "markup_pct"),
                        ({"markup_pct": "abc"}, "markup_pct"),
                        ({"markup_pct": 1.5}, "markup_pct"),
                        ({"add": -1}, "add"),
                        ({"add": "0.50"}, "add"),
                        ({"round": ".999"}, "round"),
                        ({"round": 100}, "round"),
                        ({"tlds": ".com"}, "tlds"),
                        ({"tlds": [1]}, "tlds"),
                        ({"apply": "yes"}, "apply"),
                        ({"colour": 1}, "colour")):
        body = dict(body, apply=body.get("apply", True))
        r = imp(admin, body)
        t.check("%s: 400 naming %s" % (body, field),
                r.status == 400 and r.field() == field, r)
    r = imp(admin, {"tlds": [".org"], "apply": True})
    t.check("a TLD not offered: 404", r.status == 404, r)
    r = imp(admin, {"apply": True}, cid=99)
    t.check("an unknown connection: 404", r.status == 404, r)
    r = imp(alice, {"apply": True})
    t.check("a customer may not", r.status == 403, r)
    t.check("nothing changed", env.dbsig() == sig)

    # --- apply -----------------------------------------------------------
    r = imp(admin, dict(rule, apply=True))
    t.check("applied", r.status == 200 and r.json["applied"] is True and
            r.json["changed"] == 3, r)
    r = admin.get("/api/v1/tlds/com")
    t.check("the TLD's prices are the proposals",
            r.status == 200 and r.json["prices"]["register"]["1"] == 1199 and
            r.json["prices"]["renew"]["1"] == 1299 and
            r.json["prices"]["transfer"]["1"] == 1099, r)
    sig = env.dbsig()
    r = imp(admin, dict(rule, apply=True))
    t.check("again: nothing to change",
            r.status == 200 and r.json["changed"] == 0, r)
    t.check("and nothing changed", env.dbsig() == sig)

    # --- margins on the dashboard -----------------------------------------
    env.rg("domain", "register", "shop.com", "--account", "alice")
    env.rg("domain", "register", "store.com", "--account", "alice")
    env.rg("domain", "renew", "shop.com", "--account", "alice")
    r = admin.get("/api/v1/stats?days=7")
    s = r.json if r.status == 200 else {}
    # charged 11.99 + 11.99 + 12.99; cost 8.50 + 8.50 + 9.25
    t.check("revenue, cost and margin over the window",
            (s.get("revenue"), s.get("cost"), s.get("margin"),
             s.get("cost_unknown")) == (3697, 2625, 1072, 0), r)
    today = s.get("days", [{}])[-1]
    t.check("today: revenue, cost, margin",
            (today.get("revenue"), today.get("cost"), today.get("margin"),
             today.get("cost_unknown")) == (3697, 2625, 1072, 0), today)
    t.check("per kind: the registrations' cost",
            today.get("ops", {}).get("register", {}).get("cost") == 1700,
            today)
    com = [x for x in s.get("tlds", []) if x["tld"] == "com"]
    t.check("per TLD: .com",
            com and (com[0]["charged"], com[0]["refunded"], com[0]["revenue"],
                     com[0]["succeeded"], com[0]["cost"], com[0]["margin"],
                     com[0]["cost_unknown"]) ==
            (3697, 0, 3697, 3, 2625, 1072, 0), s.get("tlds"))
    # a cost that could not be learnt is said, not invented
    env.sql_write("UPDATE operations SET registrar_cost = NULL WHERE id = "
                  "(SELECT MAX(id) FROM operations)")
    s = admin.get("/api/v1/stats?days=7").json
    t.check("an unknown cost is counted, not guessed",
            (s["cost"], s["cost_unknown"], s["tlds"][0]["cost_unknown"]) ==
            (1700, 1, 1), s)
    r = alice.get("/api/v1/stats")
    t.check("a customer does not see the figures", r.status == 403, r)


if __name__ == "__main__":
    sys.exit(main())
