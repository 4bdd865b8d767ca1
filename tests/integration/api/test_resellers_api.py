#!/usr/bin/env python3
"""test_resellers_api - the reseller tier over the JSON API, against the
real regman serve and opensrs-sim: the admin sets wholesale .com at 10.00
and makes two resellers; a reseller logs in, sets its retail price 15.00
(a price below wholesale is refused), adds a customer, credits it and
gives it a login; that customer sees the reseller's price, registers a
.com: its balance drops 15.00 and the reseller's 10.00; a lost-answer
registration that ends refunded restores both; a customer of reseller A
cannot see reseller B's customers or domains, nor B those of A; a
customer cannot use the reseller's endpoints; `regman audit` is clean.

usage: test_resellers_api.py REGMAN OPENSRS_SIM
"""

import json
import os
import subprocess
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


def sim_ctl(env, method, path, body=None):
    req = urllib.request.Request(
        "http://" + env.ctl + path, method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as f:
        return json.loads(f.read() or b"null")


def contact(email):
    return {"first_name": "Ann", "last_name": "Lee", "address1": "1 Main St",
            "city": "Toronto", "postal_code": "M5V1A1", "country": "CA",
            "phone": "+1.4165550123", "email": email}


def setup(env):
    env.start_sim()
    env.init()
    env.rg("registrar", "add", "--title", "sim", "--server", "127.0.0.1",
           "--port", str(env.sim_port), "--tls", "no", "--login", SIM_USER,
           "--key", SIM_KEY, "--ns", "ns1.example.net,ns2.example.net")
    env.rg("tld", "set", ".com", "--registrar", "sim", "--price",
           "register:1=12.50", "--price", "renew:1=13")
    env.rg("login", "add", "admin", "--role", "admin", "--password-stdin",
           stdin="admin-password-1\n")
    env.start_serve()


def balance(c):
    return c.get("/api/v1/me").json["account"]["balance"]


def run(env, t):
    setup(env)
    admin = Client(env.port)
    t.check("admin logs in",
            admin.login("admin", "admin-password-1").status == 200)

    # --- the admin: wholesale prices and two resellers ---------------------
    r = admin.call("PUT", "/api/v1/wholesale",
                   body={"tld": ".com", "prices": {"register": {"1": 1000}}})
    t.check("wholesale .com register 10.00", r.status == 200 and
            r.json["items"][0]["wholesale"] == 1000, r)
    r = admin.call("PUT", "/api/v1/wholesale",
                   body={"tld": ".com", "prices": {"register": {"1": -1}}})
    t.check("a negative wholesale price: 400", r.status == 400, r)
    ids = {}
    for name in ("ra", "rb"):
        r = admin.post("/api/v1/resellers", {"name": name,
                                             "email": name + "@example.com"})
        t.check("reseller %s added" % name, r.status == 201, r)
        ids[name] = r.json["id"]
        admin.post("/api/v1/accounts/%d/credit" % ids[name],
                   {"amount": 10000, "ref": "seed-" + name})
        env.rg("login", "add", name + "-login", "--role", "reseller",
               "--account", name, "--password-stdin",
               stdin=name + "-password-1\n")
    p = env.rg("login", "add", "x-login", "--role", "reseller", "--account",
               "admin", "--password-stdin", stdin="x-password-123\n",
               check=False)
    t.check("a reseller login needs a reseller account", p.returncode != 0,
            p.stderr)
    r = admin.get("/api/v1/resellers")
    t.check("the admin lists both resellers",
            [x["name"] for x in r.json["items"]] == ["ra", "rb"], r)

    # --- reseller A sets its price, adds a customer ------------------------
    ra, rb = Client(env.port), Client(env.port)
    t.check("reseller A logs in",
            ra.login("ra-login", "ra-password-1").status == 200)
    t.check("reseller B logs in",
            rb.login("rb-login", "rb-password-1").status == 200)
    t.check("me: role reseller", ra.get("/api/v1/me").json["role"] ==
            "reseller")
    r = ra.call("PUT", "/api/v1/reseller/prices",
                body={"tld": ".com", "prices": {"register": {"1": 999}}})
    t.check("below wholesale: 400, naming the wholesale price",
            r.status == 400 and "10.00" in r.json["error"]["message"], r)
    r = ra.call("PUT", "/api/v1/reseller/prices",
                body={"tld": ".com", "prices": {"register": {"1": 1500}}})
    t.check("retail 15.00 set", r.status == 200 and
            r.json["items"][0]["price"] == 1500, r)
    r = ra.post("/api/v1/reseller/customers",
                {"name": "ca1", "email": "ca1@example.com"})
    t.check("customer ca1 added", r.status == 201, r)
    ca1_id = r.json["id"]
    r = ra.post("/api/v1/reseller/customers/%d/credit" % ca1_id,
                {"amount": 10000, "ref": "pay-1"})
    t.check("credited 100.00", r.status == 200 and
            r.json["balance"] == 10000, r)
    r = ra.post("/api/v1/reseller/customers/%d/credit" % ca1_id,
                {"amount": 10000, "ref": "pay-1"})
    t.check("the same ref again: replayed, no second credit",
            r.status == 200 and r.json["replayed"] and
            r.json["balance"] == 10000, r)
    r = ra.post("/api/v1/reseller/customers/%d/logins" % ca1_id,
                {"username": "ca1-login", "password": "ca1-password-1"})
    t.check("a login for ca1, the answer naming it", r.status == 201 and
            r.json["username"] == "ca1-login" and
            r.json["account_id"] == ca1_id, r)
    admin.call("PUT", "/api/v1/accounts/%d/contacts/owner" % ca1_id,
               body=contact("ca1@example.com"))
    # reseller B's customer
    r = rb.post("/api/v1/reseller/customers", {"name": "cb1"})
    cb1_id = r.json["id"]
    rb.post("/api/v1/reseller/customers/%d/logins" % cb1_id,
            {"username": "cb1-login", "password": "cb1-password-1"})

    # --- the customer orders at the reseller's price -----------------------
    ca1 = Client(env.port)
    t.check("ca1 logs in",
            ca1.login("ca1-login", "ca1-password-1").status == 200)
    r = ca1.get("/api/v1/tlds/com")
    t.check("ca1 sees the reseller's price 15.00, not the list 12.50",
            r.status == 200 and r.json["prices"]["register"]["1"] == 1500,
            r)
    r = ca1.get("/api/v1/license?domain=ra-one.com")
    t.check("...in the order's offer too",
            r.json["prices"]["register"]["1"] == 1500, r)
    sha = r.json["sha256"]
    r = ca1.get("/api/v1/search?q=ra-one.com")
    ex = r.json["results"][0] if r.status == 200 else {}
    t.check("...and in the search: 15.00, its only term",
            ex.get("name") == "ra-one.com" and ex.get("price") == 1500 and
            ex.get("terms") == {"1": 1500} and ex.get("orderable") and
            ex["prices"]["register"] == {"1": 1500}, r)
    r = admin.get("/api/v1/search?q=ra-one.com")
    t.check("...while the admin's search shows the list price 12.50",
            r.status == 200 and r.json["results"][0]["price"] == 1250, r)
    r = ca1.post("/api/v1/domains/register", {"name": "ra-one.com",
                                              "license_sha256": sha})
    t.check("ca1 registers ra-one.com", r.status == 201, r)
    t.check("ca1's balance dropped 15.00", balance(ca1) == 8500)
    t.check("reseller A's dropped 10.00", balance(ra) == 9000)
    f = ra.get("/api/v1/reseller").json
    t.check("A's figures: sales 15.00, wholesale 10.00, margin 5.00",
            (f["sales"], f["wholesale_paid"], f["margin"]) ==
            (1500, 1000, 500), f)

    # --- a lost answer that ends refunded restores both --------------------
    sim_ctl(env, "POST", "/rules", {"action": "SW_REGISTER",
                                    "domain": "ra-lost.com",
                                    "fault": "close_before", "count": 1})
    r = ca1.post("/api/v1/domains/register", {"name": "ra-lost.com",
                                              "license_sha256": sha})
    t.check("no answer: 202 pending", r.status == 202, r)
    t.check("both charged meanwhile",
            (balance(ca1), balance(ra)) == (7000, 8000))
    p = subprocess.run([env.regman, "domain", "-c", env.conf, "check",
                        "ra-lost.com"], capture_output=True, text=True,
                       env=dict(os.environ, REGMAN_CLOCK_OFFSET="700000"))
    r = ca1.get("/api/v1/domains/ra-lost.com")
    t.check("past the deadline, not at the registrar: timed out",
            r.json["operations"][0]["state"] == "timed_out", (r, p.stderr))
    t.check("both refunded exactly",
            (balance(ca1), balance(ra)) == (8500, 9000))

    # --- scopes --------------------------------------------------------------
    cb1 = Client(env.port)
    cb1.login("cb1-login", "cb1-password-1")
    t.check("B's customer cannot see A's customer's domain",
            cb1.get("/api/v1/domains/ra-one.com").status == 404)
    t.check("...nor A's customer's account",
            cb1.get("/api/v1/accounts/%d" % ca1_id).status == 404)
    t.check("...nor list it", "ra-one.com" not in json.dumps(
        cb1.get("/api/v1/domains").json))
    t.check("reseller B cannot see A's customer's domains",
            rb.get("/api/v1/reseller/customers/%d/domains" %
                   ca1_id).status == 404)
    t.check("...nor credit A's customer",
            rb.post("/api/v1/reseller/customers/%d/credit" % ca1_id,
                    {"amount": 100, "ref": "x"}).status == 404)
    t.check("B's customer list holds only its own",
            [x["name"] for x in rb.get(
                "/api/v1/reseller/customers").json["items"]] == ["cb1"])
    r = ra.get("/api/v1/reseller/customers/%d/domains" % ca1_id)
    t.check("reseller A sees its customer's domains",
            r.status == 200 and "ra-one.com" in
            [d["name"] for d in r.json["items"]], r)
    r = ra.get("/api/v1/reseller/operations")
    t.check("reseller A sees its customers' orders",
            r.status == 200 and sorted(
                (o["domain"], o["state"]) for o in r.json["items"]) ==
            [("ra-lost.com", "timed_out"), ("ra-one.com", "succeeded")], r)
    r = ra.get("/api/v1/reseller/operations?state=pending")
    t.check("...none pending now", r.status == 200 and
            r.json["items"] == [], r)
    r = rb.get("/api/v1/reseller/operations")
    t.check("reseller B sees none of A's customers' orders",
            r.status == 200 and r.json["items"] == [], r)
    t.check("a bad state filter: 400",
            ra.get("/api/v1/reseller/operations?state=x").status == 400)
    t.check("a customer cannot use the reseller's endpoints",
            ca1.get("/api/v1/reseller").status == 403 and
            ca1.call("PUT", "/api/v1/reseller/prices",
                     body={"tld": ".com"}).status == 403)
    t.check("a reseller cannot set wholesale prices",
            ra.call("PUT", "/api/v1/wholesale",
                    body={"tld": ".com"}).status == 403)
    # --- the reseller's agreement and nameservers -------------------------
    r = ra.call("PUT", "/api/v1/reseller/settings",
                body={"license_text": "Reseller A's own terms.",
                      "nameservers": ["ns1.ra-dns.net", "ns2.ra-dns.net"]})
    t.check("A sets its agreement and nameservers", r.status == 200 and
            r.json["nameservers"] == ["ns1.ra-dns.net", "ns2.ra-dns.net"], r)
    r = ra.call("PUT", "/api/v1/reseller/settings",
                body={"nameservers": ["only-one.example"]})
    t.check("one nameserver: 400", r.status == 400, r)
    lic = ca1.get("/api/v1/license?domain=ra-two.com").json
    t.check("ca1 is shown the registrar's agreement and then A's",
            lic["text"].endswith("Reseller A's own terms.") and
            lic["sha256"] != sha, lic)
    anon = Client(env.port)
    t.check("...others are not",
            "Reseller A" not in anon.get(
                "/api/v1/license?domain=ra-two.com").json["text"])
    r = ca1.post("/api/v1/domains/register", {"name": "ra-two.com"})
    t.check("the changed agreement must be accepted again: 409",
            r.status == 409 and
            r.json["error"]["code"] == "license_required", r)
    r = ca1.post("/api/v1/domains/register", {"name": "ra-two.com",
                                              "license_sha256":
                                              lic["sha256"]})
    t.check("accepted: registered", r.status == 201, r)
    st = sim_ctl(env, "GET", "/state")["domains"]["ra-two.com"]
    t.check("with A's nameservers at the registrar",
            st.get("nameservers") == ["ns1.ra-dns.net", "ns2.ra-dns.net"],
            st)
    r = ra.call("PUT", "/api/v1/reseller/settings",
                body={"license_text": None, "nameservers": []})
    t.check("A clears both", r.status == 200 and
            r.json["license_text"] is None and r.json["nameservers"] == [], r)
    # --- the reseller sets its customer's contact details ------------------
    cpath = "/api/v1/reseller/customers/%d/contacts/owner" % ca1_id
    body = dict(contact("owner@ca1.example"), first_name="Bea",
                org_name="Ca1 Ltd")
    r = ra.call("PUT", cpath, body=body)
    t.check("A sets its customer's owner contact", r.status == 200 and
            r.json["first_name"] == "Bea" and
            r.json["email"] == "owner@ca1.example", r)
    r = ra.get(cpath)
    t.check("...and reads it back", r.status == 200 and
            r.json["org_name"] == "Ca1 Ltd", r)
    r = admin.get("/api/v1/accounts/%d/contacts/owner" % ca1_id)
    t.check("...the customer's own contact, as the admin sees it",
            r.status == 200 and r.json["first_name"] == "Bea" and
            r.json == ra.get(cpath).json, r)
    r = ca1.get("/api/v1/accounts/%d/contacts/owner" % ca1_id)
    t.check("...and the customer", r.status == 200 and
            r.json["email"] == "owner@ca1.example", r)
    t.check("reseller B cannot read A's customer's contact: 404",
            rb.get(cpath).status == 404)
    r = rb.call("PUT", cpath, body=contact("x@example.com"))
    t.check("...nor set it: 404, nothing changed", r.status == 404 and
            ra.get(cpath).json["first_name"] == "Bea", r)
    t.check("...nor any account that is no customer of A: 404",
            ra.get("/api/v1/reseller/customers/%d/contacts/owner" %
                   cb1_id).status == 404 and
            ra.get("/api/v1/reseller/customers/%d/contacts/owner" %
                   ids["ra"]).status == 404)
    t.check("a customer is not a reseller: 403",
            ca1.get(cpath).status == 403 and
            ca1.call("PUT", cpath, body=contact("x@example.com")).status ==
            403)
    r = ra.call("PUT", cpath, body={"first_name": "Bea", "colour": "red"})
    t.check("an unknown field: 400 naming it", r.status == 400 and
            r.json["error"].get("field") == "colour", r)
    r = ra.call("PUT", cpath, body={"first_name": 5})
    t.check("a number for a name: 400", r.status == 400 and
            r.json["error"].get("field") == "first_name", r)
    r = ra.call("PUT", cpath, body=dict(contact("not-an-email"),
                                        first_name="Cy"))
    t.check("a bad email: 400, nothing changed", r.status == 400 and
            ra.get(cpath).json["first_name"] == "Bea", r)
    t.check("a contact type that is none: 404",
            ra.get("/api/v1/reseller/customers/%d/contacts/boss" %
                   ca1_id).status == 404)
    r = ra.get("/api/v1/reseller/customers/%d/contacts/tech" % ca1_id)
    t.check("a contact never set: as the accounts endpoint answers",
            r.status == admin.get("/api/v1/accounts/%d/contacts/tech" %
                                  ca1_id).status, r)
    # --- the wholesale rule over the registrar's cost ----------------------
    r = admin.call("PUT", "/api/v1/wholesale",
                   body={"rule": {"markup_pct": 10, "add": 50}})
    t.check("the admin sets the rule: cost + 10 % + 0.50", r.status == 200 and
            r.json["rule"]["markup_pct"] == 10 and r.json["rule"]["add"] == 50
            and all("source" in x for x in r.json["items"]), r)
    t.check("...the explicit price keeps its source",
            [x["source"] for x in r.json["items"]
             if x["operation"] == "register" and x["term"] == 1] == ["price"],
            r)
    for bad in ({"rule": {"markup_pct": -1}}, {"rule": {"markup_pct": 1.234}},
                {"rule": {"add": 5}}, {"rule": 7},
                {"rule": {"markup_pct": 5}, "tld": ".com"}):
        r = admin.call("PUT", "/api/v1/wholesale", body=bad)
        t.check("a bad rule %s: 400" % json.dumps(bad), r.status == 400, r)
    t.check("the rule is still the one set",
            admin.get("/api/v1/wholesale").json["rule"]["markup_pct"] == 10)
    t.check("a reseller cannot set the rule",
            ra.call("PUT", "/api/v1/wholesale",
                    body={"rule": None}).status == 403)
    r = admin.call("PUT", "/api/v1/wholesale", body={"rule": None})
    t.check("the admin removes it", r.status == 200 and r.json["rule"] is None,
            r)
    p = env.rg("audit", check=False)
    t.check("regman audit clean", p.returncode == 0, p.stdout + p.stderr)


if __name__ == "__main__":
    sys.exit(main())
