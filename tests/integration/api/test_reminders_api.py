#!/usr/bin/env python3
"""test_reminders_api - reminder schedules over the JSON API, against the
real regman serve and opensrs-sim binaries: GET /api/v1/reminders lists
the built-in default first (marked builtin), PUT sets a schedule for the
default, a connection or a TLD (days sorted), bad input is 400 (or 404 for
an unknown TLD or connection) and changes nothing, DELETE removes one, and
a customer may do none of it.

usage: test_reminders_api.py REGMAN OPENSRS_SIM
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from apilib import SIM_KEY, SIM_USER, Client, Env, Results  # noqa: E402

PATH = "/api/v1/reminders"


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
    env.rg("login", "add", "alice", "--role", "customer", "--account",
           "alice", "--password-stdin", stdin="alice-password-1\n")
    env.rg("login", "add", "admin", "--role", "admin", "--password-stdin",
           stdin="admin-password-1\n")
    env.start_serve()


def scopes(c):
    r = c.get(PATH)
    return [(s["scope"], s["connection"], s["tld"], s["days"])
            for s in r.json["schedules"]]


def run(env, t):
    setup(env)
    admin, alice = Client(env.port), Client(env.port)
    t.check("admin logs in",
            admin.login("admin", "admin-password-1").status == 200)
    t.check("alice logs in",
            alice.login("alice", "alice-password-1").status == 200)

    r = admin.get(PATH)
    t.check("GET: only the built-in default, marked builtin",
            r.status == 200 and r.json["schedules"] == [{
                "scope": "builtin", "builtin": True, "connection": None,
                "connection_id": None, "tld": None, "days": [-30, -7, 3],
                "updated_at": None}])

    r = admin.call("PUT", PATH, body={"scope": "tld", "tld": ".com",
                                      "days": [3, -30, -7, -1]})
    t.check("PUT tld: 200, days sorted",
            r.status == 200 and r.json["scope"] == "tld" and
            r.json["tld"] == "com" and r.json["days"] == [-30, -7, -1, 3])
    r = admin.call("PUT", PATH, body={"scope": "connection",
                                      "connection": "sim", "days": [-14]})
    t.check("PUT connection: 200, named", r.status == 200 and
            r.json["connection"] == "sim" and r.json["days"] == [-14])
    r = admin.call("PUT", PATH, body={"scope": "default", "days": [-60, 5]})
    t.check("PUT default: 200", r.status == 200 and
            r.json["scope"] == "default")
    before = scopes(admin)
    t.check("GET: built-in, default, connection, TLD", [s[0] for s in before]
            == ["builtin", "default", "connection", "tld"])

    bad = [
        ("six offsets", {"scope": "default", "days": [1, 2, 3, 4, 5, 6]},
         400),
        ("no offsets", {"scope": "default", "days": []}, 400),
        ("a duplicate", {"scope": "default", "days": [-3, -3]}, 400),
        ("out of range", {"scope": "default", "days": [-366]}, 400),
        ("not a number", {"scope": "default", "days": ["-3"]}, 400),
        ("no days", {"scope": "default"}, 400),
        ("unknown scope", {"scope": "account", "days": [-3]}, 400),
        ("scope tld without tld", {"scope": "tld", "days": [-3]}, 400),
        ("default with a tld", {"scope": "default", "tld": ".com",
                                "days": [-3]}, 400),
        ("unknown field", {"scope": "default", "days": [-3], "x": 1}, 400),
        ("unknown TLD", {"scope": "tld", "tld": ".nosuch", "days": [-3]},
         404),
        ("unknown connection", {"scope": "connection",
                                "connection": "nosuch", "days": [-3]}, 404),
    ]
    for what, body, want in bad:
        r = admin.call("PUT", PATH, body=body)
        t.check("PUT %s: %d" % (what, want), r.status == want)
    t.check("refused PUTs changed nothing", scopes(admin) == before)

    r = alice.get(PATH)
    t.check("a customer may not read the schedules", r.status == 403)
    r = alice.call("PUT", PATH, body={"scope": "default", "days": [-1]})
    t.check("a customer may not set one", r.status == 403)
    t.check("... and nothing changed", scopes(admin) == before)

    r = admin.call("DELETE", PATH, body={"scope": "tld", "tld": "com"})
    t.check("DELETE tld: removed", r.status == 200 and
            r.json["removed"] is True)
    r = admin.call("DELETE", PATH, body={"scope": "tld", "tld": "com"})
    t.check("DELETE again: nothing to remove", r.status == 200 and
            r.json["removed"] is False)
    t.check("GET: the TLD's schedule is gone",
            [s[0] for s in scopes(admin)] ==
            ["builtin", "default", "connection"])


if __name__ == "__main__":
    sys.exit(main())
