#!/usr/bin/env python3
"""test_registrant_api - the .ca and .us registrant details over the JSON
API, against the real regman serve and opensrs-sim binaries: GET and PUT
/api/v1/accounts/{id}/registrant (and the same object saved with the
owner contact, one save for both); bad values are 400 naming the field and
change nothing, another customer's account is 404; a .ca order without a
legal type, or a .us without a nexus, is 400 saying what to fill, with
nothing charged, recorded or sent; with them set, the order carries them
and the sim holds them.

usage: test_registrant_api.py REGMAN OPENSRS_SIM
"""

import http.client
import json
import os
import sys

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


def sim_state(env):
    host, port = env.ctl.replace("http://", "").split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        c.request("GET", "/state")
        return json.loads(c.getresponse().read().decode())
    finally:
        c.close()


def sim_registers(env, name):
    host, port = env.ctl.replace("http://", "").split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        c.request("GET", "/counts")
        j = json.loads(c.getresponse().read().decode())
        return j["domains"].get("SW_REGISTER", {}).get(name, 0)
    finally:
        c.close()


def setup(env):
    # .ca synchronous here: a registration ends at once
    env.start_sim("--async-tlds", "de")
    env.init()
    env.rg("registrar", "add", "--title", "sim", "--server", "127.0.0.1",
           "--port", str(env.sim_port), "--tls", "no", "--login", SIM_USER,
           "--key", SIM_KEY, "--ns", "ns1.example.net,ns2.example.net")
    env.rg("tld", "set", ".ca", "--registrar", "sim", "--price",
           "register:1=15")
    env.rg("tld", "set", ".us", "--registrar", "sim", "--price",
           "register:1=9")
    for who in ("alice", "bob"):
        env.rg("account", "add", who, "--email", who + "@example.com")
        env.rg("account", "credit", who, "100", "--ref", "seed-" + who)
        env.rg("login", "add", who, "--role", "customer", "--account", who,
               "--password-stdin", stdin=who + "-password-1\n")
    env.start_serve()


CONTACT = {"first_name": "Alice", "last_name": "Smith",
           "address1": "1 Main St", "city": "Toronto", "state": "ON",
           "postal_code": "M5V1A1", "country": "CA",
           "phone": "+1.4165550123", "email": "alice@example.com"}
EMPTY = {"cira_legal_type": "", "cira_trademark": False,
         "us_nexus": {"category": "", "app_purpose": "", "validator": ""}}


def message(r):
    return (r.json or {}).get("error", {}).get("message", "")


def register(client, name):
    """Order name, accepting the connection's license agreement."""
    sha = client.get("/api/v1/license?domain=" + name).json["sha256"]
    return client.post("/api/v1/domains/register",
                       {"name": name, "license_sha256": sha})


def money_rows(env):
    return (env.sql("SELECT COUNT(*) FROM operations"),
            env.sql("SELECT COUNT(*) FROM ledger_postings"),
            env.sql("SELECT balance FROM accounts WHERE name = 'alice'"))


def run(env, t):
    setup(env)
    a, b = Client(env.port), Client(env.port)
    t.check("alice logs in", a.login("alice", "alice-password-1").status == 200)
    t.check("bob logs in", b.login("bob", "bob-password-1").status == 200)
    acct = a.get("/api/v1/me").json["account"]["id"]
    path = "/api/v1/accounts/%d/registrant" % acct

    r = a.get(path)
    t.check("none set yet: every field empty", r.status == 200 and
            r.json == EMPTY, r)
    r = a.call("PUT", "/api/v1/accounts/%d/contacts/owner" % acct,
               body=CONTACT)
    t.check("the owner contact alone", r.status == 200, r)

    # --- refused orders: nothing charged, recorded or sent -----------------
    before = money_rows(env)
    r = register(a, "erable.ca")
    t.check(".ca without a legal type: 400 saying what to fill",
            r.status == 400 and "CIRA legal type" in message(r), r)
    r = register(a, "maple.us")
    t.check(".us without a nexus: 400 saying what to fill",
            r.status == 400 and "nexus category and purpose" in message(r), r)
    t.check("nothing charged or recorded", money_rows(env) == before)
    t.check("nothing sent", sim_registers(env, "erable.ca") == 0 and
            sim_registers(env, "maple.us") == 0)

    # --- bad values: 400 naming the field, nothing changed ------------------
    for body, field in [
            ({"cira_legal_type": "XYZ"}, "cira_legal_type"),
            ({"us_nexus": {"category": "C99", "app_purpose": "P1"}},
             "us_nexus_category"),
            ({"us_nexus": {"category": "C11", "app_purpose": "P9"}},
             "us_app_purpose"),
            ({"us_nexus": {"category": "C31", "app_purpose": "P1"}},
             "us_nexus_validator"),
            ({"us_nexus": {"category": "C32", "app_purpose": "P1",
                           "validator": "ZZ"}}, "us_nexus_validator")]:
        r = a.call("PUT", path, body=body)
        t.check("%s: 400 naming %s" % (json.dumps(body), field),
                r.status == 400 and field in message(r), r)
    r = a.call("PUT", path, body={"cira_trademark": "yes"})
    t.check("a trademark flag that is not a boolean: 400",
            r.status == 400 and r.field() == "cira_trademark", r)
    r = a.call("PUT", path, body={"legal_type": "CCT"})
    t.check("an unknown key: 400 unknown_field",
            r.status == 400 and r.err() == "unknown_field", r)
    t.check("nothing stored", a.get(path).json == EMPTY)
    r = b.call("PUT", path, body={"cira_legal_type": "CCT"})
    t.check("another customer's account: 404", r.status == 404, r)
    t.check("another customer reads nothing", b.get(path).status == 404)

    # --- saved with the owner contact, or alone -------------------------------
    r = a.call("PUT", "/api/v1/accounts/%d/contacts/owner" % acct,
               body=dict(CONTACT, registrant={"cira_legal_type": "CCO",
                                              "cira_trademark": True}))
    t.check("saved with the owner contact: both in the answer",
            r.status == 200 and r.json["city"] == "Toronto" and
            r.json["registrant"]["cira_legal_type"] == "CCO", r)
    r = a.call("PUT", "/api/v1/accounts/%d/contacts/owner" % acct,
               body=dict(CONTACT, city="Ottawa",
                         registrant={"cira_legal_type": "BAD"}))
    t.check("a bad extra refuses the contact too: 400", r.status == 400, r)
    t.check("one save: the contact is unchanged", a.get(
        "/api/v1/accounts/%d/contacts/owner" % acct).json["city"] == "Toronto")
    r = a.call("PUT", "/api/v1/accounts/%d/contacts/tech" % acct,
               body=dict(CONTACT, registrant={"cira_legal_type": "CCT"}))
    t.check("the extras belong to the owner: 400 for tech", r.status == 400, r)
    r = a.call("PUT", path, body={"us_nexus": {
        "category": "C32", "app_purpose": "P1", "validator": "CA"}})
    want = {"cira_legal_type": "CCO", "cira_trademark": True,
            "us_nexus": {"category": "C32", "app_purpose": "P1",
                         "validator": "CA"}}
    t.check("PUT registrant: the nexus added, the rest kept",
            r.status == 200 and r.json == want, r)
    t.check("GET reads it back", a.get(path).json == want)

    # --- the orders carry them -------------------------------------------------
    r = register(a, "erable.ca")
    t.check(".ca registered", r.status == 201, r)
    r = register(a, "maple.us")
    t.check(".us registered", r.status == 201, r)
    doms = sim_state(env)["domains"]
    ca, us = doms.get("erable.ca", {}), doms.get("maple.us", {})
    t.check("the sim holds the .ca legal type and trademark flag",
            ca.get("legal_type") == "CCO" and ca.get("isa_trademark") == 1,
            ca)
    t.check("the sim holds the .us nexus",
            us.get("nexus") == {"category": "C32", "app_purpose": "P1",
                                "validator": "CA"}, us)

    # the nexus changed after the sale: PUT /domains/{name}/nexus
    path = "/api/v1/domains/maple.us/nexus"
    r = a.call("PUT", path, {"category": "C12", "app_purpose": "P3"})
    t.check("PUT nexus: 200 succeeded", r.status == 200 and
            r.json["state"] == "succeeded", r)
    us = sim_state(env)["domains"].get("maple.us", {})
    t.check("the sim holds the new nexus", us.get("nexus", {}).get(
        "category") == "C12" and us["nexus"].get("app_purpose") == "P3" and
        not us["nexus"].get("validator"), us)
    r = a.call("PUT", path, {"category": "C99", "app_purpose": "P3"})
    t.check("a bad category: 400", r.status == 400, r)
    r = a.call("PUT", path, {"category": "C12"})
    t.check("no purpose: 400", r.status == 400, r)
    r = a.call("PUT", path, {"category": "C12", "app_purpose": "P3", "x": 1})
    t.check("an unknown key: 400", r.status == 400, r)
    r = b.call("PUT", path, {"category": "C11", "app_purpose": "P1"})
    t.check("another customer's domain: 404", r.status == 404, r)
    r = a.call("PUT", "/api/v1/domains/erable.ca/nexus",
              {"category": "C11", "app_purpose": "P1"})
    t.check("a .ca has no nexus: 400", r.status == 400, r)


if __name__ == "__main__":
    sys.exit(main())
