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
from apilib import (SIM_KEY, SIM_USER, Client, Env,  # noqa: E402
                    Results, follow_link)

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
    env.start_sim("--listen-legacy", "127.0.0.1:0")
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
    r, _ = follow_link(env, "alice@example.com")
    t.check("she confirms her address", r.status == 200, r)
    admin.post("/api/v1/accounts/%d/credit" % acct, {"amount": 100000})
    a = Client(env.port)
    a.login("alice", "alice-password-1")
    a.call("PUT", "/api/v1/accounts/%d/contacts/owner" % acct, body={
        "first_name": "Ann", "last_name": "Lee", "address1": "1 Main St",
        "city": "Toronto", "postal_code": "M5V1A1", "country": "CA",
        "phone": "+1.4165550123", "email": "alice@example.com",
        "registrant": {"cira_legal_type": "CCT"}})
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
    run_more(env, t, admin, acct, op_ca)


def run_more(env, t, admin, acct, op_ca):
    # --- Async Manager: recently ended operations -------------------------
    r = admin.get("/api/v1/async/ended")
    ended = {x["id"]: x for x in r.json["items"]} if r.status == 200 else {}
    t.check("recently ended: the cancelled operation with its outcome",
            op_ca in ended and ended[op_ca]["state"] == "cancelled" and
            ended[op_ca]["refunded"] is True and
            ended[op_ca]["domain"] == "a-site.ca", r)
    op_com = env.sql("SELECT o.id FROM operations o JOIN domains d ON "
                     "d.id = o.domain_id WHERE d.name = 'a-site.com'")
    t.check("recently ended leaves out what never waited (a-site.com)",
            op_com not in ended, ended.keys())
    env.sql_write("UPDATE operations SET finished_at = finished_at - "
                  "8 * 86400 WHERE id = ?", op_ca)
    r = admin.get("/api/v1/async/ended?days=7")
    t.check("recently ended: only the last 7 days", r.status == 200 and
            op_ca not in [x["id"] for x in r.json["items"]], r)
    r = admin.get("/api/v1/async/ended?days=30")
    t.check("recently ended: ?days=30 reaches further back",
            r.status == 200 and
            op_ca in [x["id"] for x in r.json["items"]], r)
    env.sql_write("UPDATE operations SET finished_at = finished_at + "
                  "8 * 86400 WHERE id = ?", op_ca)
    r = admin.get("/api/v1/async/ended?days=0")
    t.check("recently ended with days=0: 400 field days",
            r.status == 400 and r.field() == "days", r)

    # --- dashboard: what succeeded, and revenue ---------------------------
    r = admin.get("/api/v1/stats?days=7")
    today = r.json["days"][-1] if r.status == 200 else {}
    reg = today.get("ops", {}).get("register", {})
    t.check("stats count succeeded registrations apart from attempts",
            reg.get("created") == 2 and reg.get("succeeded") == 1, reg)
    t.check("stats: revenue = charges - refunds over the window",
            r.json["charged"] == 1250 + 1500 and
            r.json["refunded"] == 1500 and r.json["revenue"] == 1250 and
            today.get("revenue") == 1250, r)

    # --- registrar balance, cached ----------------------------------------
    n0 = env.sql("SELECT COUNT(*) FROM registrar_log WHERE action = "
                 "'GET_BALANCE'")
    r = admin.get("/api/v1/connections/1/balance")
    t.check("the balance of a connection without pressing Test",
            r.status == 200 and r.json["ok"] is True and
            isinstance(r.json["balance"], int) and
            r.json["cached"] is False, r)
    r = admin.get("/api/v1/connections/1/balance")
    t.check("asked again within a minute: the cached answer",
            r.status == 200 and r.json["cached"] is True, r)
    n1 = env.sql("SELECT COUNT(*) FROM registrar_log WHERE action = "
                 "'GET_BALANCE'")
    t.check("two page loads asked the registrar once", n1 == n0 + 1,
            (n0, n1))
    r = admin.get("/api/v1/connections/99/balance")
    t.check("balance of an unknown connection: 404", r.status == 404, r)

    # --- a connection is tested before it is saved ------------------------
    body = {"title": "wrong", "server": "127.0.0.1", "port": env.sim_port,
            "tls": False, "login": SIM_USER, "key": "not-the-key"}
    r = admin.post("/api/v1/connections", body)
    t.check("a connection with a wrong key: 409 connection_test_failed "
            "with the registrar's answer",
            r.status == 409 and r.err() == "connection_test_failed" and
            "GET_BALANCE" in r.json["error"]["message"], r)
    t.check("... and nothing was saved", env.sql(
        "SELECT COUNT(*) FROM registrar_connections WHERE title = 'wrong'")
        == 0)
    r = admin.post("/api/v1/connections", dict(body, force="yes"))
    t.check("force as a string: 400 wrong_type", r.status == 400 and
            r.field() == "force", r)
    r = admin.post("/api/v1/connections", dict(body, force=True))
    t.check("saved anyway with force: 201 with the failed test",
            r.status == 201 and r.json["test"]["ok"] is False and
            r.json["test"]["message"], r)
    cid = r.json["id"] if r.status == 201 else 0
    r = admin.call("PATCH", "/api/v1/connections/%d" % cid,
                   body={"key": SIM_KEY})
    t.check("fixing the key: the test passes and the balance is cached",
            r.status == 200 and r.json["test"]["ok"] is True and
            admin.get("/api/v1/connections/%d/balance" % cid)
            .json["cached"] is True, r)
    r = admin.call("PATCH", "/api/v1/connections/%d" % cid,
                   body={"key": "wrong-again"})
    t.check("an edit to a wrong key: 409, the old key kept",
            r.status == 409 and admin.post(
                "/api/v1/connections/%d/test" % cid).json["ok"] is True, r)
    r = admin.call("PATCH", "/api/v1/connections/%d" % cid,
                   body={"warn_days": 12})
    t.check("an edit that does not touch the connection is not tested",
            r.status == 200 and "test" not in r.json, r)
    r = admin.post("/api/v1/connections",
                   {"title": "good", "server": "127.0.0.1",
                    "port": env.sim_port, "tls": False, "login": SIM_USER,
                    "key": SIM_KEY})
    t.check("a good connection: 201 with its balance",
            r.status == 201 and r.json["test"]["ok"] is True, r)

    # --- the legacy protocol (port 55000) ---------------------------------
    r = admin.post("/api/v1/connections",
                   {"title": "old-style", "server": "127.0.0.1",
                    "port": env.sim_legacy_port, "protocol": "legacy",
                    "login": SIM_USER, "key": SIM_KEY})
    t.check("a legacy-protocol connection: tested over the legacy port, "
            "201 with its balance",
            r.status == 201 and r.json["test"]["ok"] is True and
            r.json["protocol"] == "legacy" and
            r.json["protocol_used"] == "legacy" and
            r.json["url"].startswith("legacy://"), r)
    lid = r.json["id"] if r.status == 201 else 0
    r = admin.call("PATCH", "/api/v1/connections/%d" % lid,
                   body={"protocol": "https"})
    t.check("switched to https on the legacy port: the test fails, 409, "
            "nothing saved",
            r.status == 409 and r.err() == "connection_test_failed" and
            admin.get("/api/v1/connections/%d" % lid)
            .json["protocol"] == "legacy", r)
    r = admin.call("PATCH", "/api/v1/connections/%d" % lid,
                   body={"protocol": "gopher"})
    t.check("an unknown protocol: 400 naming the choices",
            r.status == 400 and "auto, https or legacy" in
            r.json["error"]["message"], r)
    r = admin.post("/api/v1/connections",
                   {"title": "p55000", "server": "127.0.0.1", "port": 55000,
                    "login": SIM_USER, "key": SIM_KEY, "force": True})
    t.check("port 55000 without a protocol: auto, speaking legacy",
            r.status == 201 and r.json["protocol"] == "auto" and
            r.json["protocol_used"] == "legacy", r)

    # --- license acceptances ---------------------------------------------
    r = admin.get("/api/v1/license-acceptances?account_id=%d" % acct)
    items = r.json["items"] if r.status == 200 else []
    t.check("the account's license acceptances with time, address, hash",
            len(items) == 1 and items[0]["account"] == "alice" and
            items[0]["connection"] == "sim" and
            items[0]["license_sha256"] ==
            hashlib.sha256(LICENSE.encode()).hexdigest() and
            items[0]["client_ip"] == "127.0.0.1" and
            items[0]["accepted_at"] > 0 and
            items[0]["domain"] == "a-site.com" and
            items[0]["username"] == "alice", r)
    r = admin.get("/api/v1/license-acceptances?connection_id=1")
    t.check("per connection", r.status == 200 and len(r.json["items"]) == 1,
            r)
    r = admin.get("/api/v1/license-acceptances?connection_id=%d" % cid)
    t.check("another connection has none", r.status == 200 and
            r.json["items"] == [], r)
    r = admin.get("/api/v1/license-acceptances?account_id=x")
    t.check("a bad account id: 400 field account_id", r.status == 400 and
            r.field() == "account_id", r)
    r = admin.get("/api/v1/license-acceptances.csv?account_id=%d" % acct)
    t.check("CSV export of the acceptances", r.status == 200 and
            r.headers.get("content-type", "").startswith("text/csv") and
            r.body.startswith("id,accepted_at,account_id,account") and
            "alice" in r.body and "127.0.0.1" in r.body, r)
    cust = Client(env.port)
    cust.login("alice", "alice-password-1")
    for path in ["/api/v1/license-acceptances",
                 "/api/v1/license-acceptances.csv",
                 "/api/v1/async/ended", "/api/v1/connections/1/balance"]:
        r = cust.get(path)
        t.check("a customer gets 403 from " + path, r.status == 403, r)


if __name__ == "__main__":
    sys.exit(main())
