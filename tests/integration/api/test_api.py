#!/usr/bin/env python3
"""test_api - every /api/v1 endpoint of `regman serve` against the real
regman and opensrs-sim binaries on a real SQLite file: the happy path with
its effect checked in the database, authorization (customer A vs B: 404;
customer on an admin endpoint: 403; anonymous: 401), CSRF, bad JSON,
wrong types, unknown fields, oversized bodies, wrong media type - each
refusal with a clear error and nothing changed in the database.

usage: test_api.py REGMAN OPENSRS_SIM
"""

import calendar
import http.client
import json
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from apilib import (SIM_KEY, SIM_USER, TOKEN_RE, Client, Env,  # noqa: E402
                    Results, follow_link, verify_mails)

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
    for fn in (verify_email, verify_off):
        env = Env(regman, sim)
        try:
            fn(env, t)
        except Exception as e:
            import traceback
            traceback.print_exc()
            t.check("%s test ran to the end: %s" % (fn.__name__, e), False)
        finally:
            env.close()
    env = Env(regman, sim)
    try:
        throttle(env, t)
    except Exception as e:
        import traceback
        traceback.print_exc()
        t.check("throttle test ran to the end: %s" % e, False)
    finally:
        env.close()
    return t.finish()


def signup_body(anon, user, domain="v-site.com"):
    sha = anon.get("/api/v1/license?domain=" + domain).json["sha256"]
    return {"username": user, "password": user + "-password-1",
            "email": user + "@example.com", "domain": domain,
            "license_sha256": sha, "accept_license": True}


def money_rows(env):
    return (env.sql("SELECT COUNT(*) FROM operations"),
            env.sql("SELECT COUNT(*) FROM ledger_entries"),
            env.sql("SELECT COUNT(*) FROM domains"))


def verify_email(env, t):
    """A self-signup confirms its address before its first order."""
    setup(env, "[http]\npublic_url = https://panel.example.net/\n"
               "funds_text = Pay by bank transfer to IBAN XX00 1234.\n"
               "funds_url = https://pay.example.net/topup\n")
    admin = Client(env.port)
    admin.login("admin", "admin-password-1")
    anon = Client(env.port)
    r = anon.get("/api/v1/site")
    t.check("site: verification on, the provider's funds text and link",
            r.status == 200 and r.json == {
                "signup_verify": True,
                "funds_text": "Pay by bank transfer to IBAN XX00 1234.",
                "funds_url": "https://pay.example.net/topup"}, r)

    r = anon.post("/api/v1/signup", signup_body(anon, "vera"))
    t.check("signup: 201, the account is not confirmed yet",
            r.status == 201 and
            r.json["account"]["email_verified"] is False, r)
    acct = r.json["account"]["id"]
    mails = verify_mails(env, "vera@example.com")
    t.check("signup queued exactly one confirmation mail", len(mails) == 1,
            mails)
    t.check("the mail names the customer and links to public_url",
            "vera" in mails[0][0] and
            "https://panel.example.net/#/verify/" in mails[0][1] and
            TOKEN_RE.search(mails[0][1]), mails)
    t.check("only the verifier's hash is stored, never the link's token",
            TOKEN_RE.search(mails[0][1]).group(1).split(".")[1] not in
            (env.sql("SELECT verifier_hash FROM email_verifications "
                     "WHERE account_id = ?", acct) or ""))
    t.check("the link expires in 48 hours",
            env.sql("SELECT expires_at - created_at FROM "
                    "email_verifications WHERE account_id = ?", acct) ==
            48 * 3600)

    v = Client(env.port)
    v.login("vera", "vera-password-1")
    t.check("me says the address is not confirmed",
            v.get("/api/v1/me").json["account"]["email_verified"] is False)
    admin.post("/api/v1/accounts/%d/credit" % acct, {"amount": 10000})
    admin.call("PUT", "/api/v1/accounts/%d/contacts/owner" % acct,
               body=contact("vera@example.com"))
    before = money_rows(env)
    for what, path, body in [
            ("register", "/api/v1/domains/register", {"name": "v-site.com"}),
            ("transfer", "/api/v1/domains/transfer",
             {"name": "v-moving.com", "auth_code": "abc123"})]:
        r = v.post(path, body)
        t.check("unconfirmed customer's %s: 403 email_unverified, in "
                "customer words" % what,
                r.status == 403 and r.err() == "email_unverified" and
                "confirm your e-mail address first" in
                r.json["error"]["message"], r)
    t.check("the refused orders charged nothing and created nothing",
            money_rows(env) == before and
            env.sql("SELECT balance FROM accounts WHERE id = ?", acct) ==
            10000)

    r = anon.post("/api/v1/verify-email", {"token": "nonsense"})
    t.check("a malformed token: 404 verify_unknown",
            r.status == 404 and r.err() == "verify_unknown", r)
    token = TOKEN_RE.search(mails[0][1]).group(1)
    forged = token[:17] + ("A" if token[17] != "A" else "B") + token[18:]
    r = anon.post("/api/v1/verify-email", {"token": forged})
    t.check("the right selector with a wrong verifier: 404 verify_unknown",
            r.status == 404 and r.err() == "verify_unknown", r)
    t.check("a wrong token confirmed nothing", env.sql(
        "SELECT email_verified FROM accounts WHERE id = ?", acct) == 0)

    r, _ = follow_link(env, "vera@example.com")
    t.check("the link confirms the address (no login needed)",
            r.status == 200 and r.json["verified"] is True and
            env.sql("SELECT email_verified FROM accounts WHERE id = ?",
                    acct) == 1, r)
    r, _ = follow_link(env, "vera@example.com")
    t.check("the same link again: 409 verify_used, still confirmed",
            r.status == 409 and r.err() == "verify_used" and
            "confirmed" in r.json["error"]["message"] and
            env.sql("SELECT email_verified FROM accounts WHERE id = ?",
                    acct) == 1, r)
    r = v.post("/api/v1/domains/register", {"name": "v-site.com"})
    t.check("once confirmed, the order goes through and is charged",
            r.status == 201 and r.json["state"] == "succeeded" and
            env.sql("SELECT balance FROM accounts WHERE id = ?", acct) ==
            10000 - 1250, r)
    r = v.post("/api/v1/verify-email/resend")
    t.check("a confirmed customer needs no new mail: 409",
            r.status == 409, r)

    # an expired link, then a new mail
    r = anon.post("/api/v1/signup", signup_body(anon, "walt"))
    acct_w = r.json["account"]["id"]
    # the mail was sent 49 hours ago (the store's times, not the clock)
    env.sql_write("UPDATE email_verifications SET created_at = created_at "
                  "- 49 * 3600, expires_at = created_at - 3600 WHERE "
                  "account_id = ?", acct_w)
    r, _ = follow_link(env, "walt@example.com")
    t.check("an expired link: 410 verify_expired, nothing confirmed",
            r.status == 410 and r.err() == "verify_expired" and
            env.sql("SELECT email_verified FROM accounts WHERE id = ?",
                    acct_w) == 0, r)
    w = Client(env.port)
    w.login("walt", "walt-password-1")
    r = w.post("/api/v1/verify-email/resend")
    t.check("resend: 202, a second mail to the same address",
            r.status == 202 and r.json["sent_to"] == "walt@example.com" and
            len(verify_mails(env, "walt@example.com")) == 2, r)
    r = w.post("/api/v1/verify-email/resend")
    t.check("resend again at once: 429 with Retry-After, no third mail",
            r.status == 429 and r.err() == "rate_limited" and
            retry_after(r, 60) and
            len(verify_mails(env, "walt@example.com")) == 2, r)
    r, _ = follow_link(env, "walt@example.com")
    t.check("the new link confirms", r.status == 200, r)

    # accounts made by the admin count as confirmed
    r = admin.post("/api/v1/accounts", {"name": "adam",
                                        "email": "adam@example.com"})
    acct_x = r.json["id"]
    t.check("an account made by the admin is confirmed, no mail",
            r.status == 201 and r.json["email_verified"] is True and
            verify_mails(env, "adam@example.com") == [], r)
    env.rg("account", "add", "cleo", "--email", "cleo@example.com")
    t.check("an account made with the CLI is confirmed",
            env.sql("SELECT email_verified FROM accounts WHERE name = "
                    "'cleo'") == 1)
    env.rg("login", "add", "adam", "--role", "customer", "--account", "adam",
           "--password-stdin", stdin="adam-password-1\n")
    admin.post("/api/v1/accounts/%d/credit" % acct_x, {"amount": 10000})
    admin.call("PUT", "/api/v1/accounts/%d/contacts/owner" % acct_x,
               body=contact("adam@example.com"))
    x = Client(env.port)
    x.login("adam", "adam-password-1")
    sha = x.get("/api/v1/license?domain=adam-site.com").json["sha256"]
    r = x.post("/api/v1/domains/register", {"name": "adam-site.com",
                                            "license_sha256": sha})
    t.check("the admin-made account's customer orders at once",
            r.status == 201 and r.json["state"] == "succeeded", r)


def verify_off(env, t):
    """[http] signup_verify = no: today's behaviour, order at once."""
    setup(env, "[http]\nsignup_verify = no\n")
    admin = Client(env.port)
    admin.login("admin", "admin-password-1")
    anon = Client(env.port)
    t.check("site: verification off, no funds text",
            anon.get("/api/v1/site").json == {
                "signup_verify": False, "funds_text": None,
                "funds_url": None})
    r = anon.post("/api/v1/signup", signup_body(anon, "olga"))
    acct = r.json["account"]["id"]
    t.check("signup_verify = no: confirmed at once, no mail queued",
            r.status == 201 and r.json["account"]["email_verified"] is True
            and verify_mails(env, "olga@example.com") == [], r)
    admin.post("/api/v1/accounts/%d/credit" % acct, {"amount": 10000})
    admin.call("PUT", "/api/v1/accounts/%d/contacts/owner" % acct,
               body=contact("olga@example.com"))
    o = Client(env.port)
    o.login("olga", "olga-password-1")
    r = o.post("/api/v1/domains/register", {"name": "v-site.com"})
    t.check("signup_verify = no: the new customer orders at once",
            r.status == 201 and r.json["state"] == "succeeded", r)
    for bad in ("signup_verify = maybe", "public_url = ftp://x.example",
                "public_url = https://x.example/#/", "funds_url = javascript:x"):
        with open(env.conf) as f:
            good = f.read()
        with open(env.conf, "w") as f:
            f.write(good.replace("signup_verify = no", bad))
        p = env.rg("check-config", check=False)
        t.check("check-config refuses [http] %s naming the key" % bad,
                p.returncode != 0 and bad.split(" ")[0] in p.stderr,
                p.stderr)
        with open(env.conf, "w") as f:
            f.write(good)


def retry_after(r, most):
    v = r.headers.get("retry-after", "")
    return v.isdigit() and 1 <= int(v) <= most


def throttle(env, t):
    """Per-IP budgets of the public lookup and signup endpoints, small
    ones set in [http] so the test is fast."""
    env.start_sim()
    env.init()
    with open(env.conf) as f:
        good = f.read()
    with open(env.conf, "w") as f:
        f.write(good + "\n[http]\nlookup_per_min = -1\n")
    p = env.rg("serve", "--listen", "127.0.0.1:0", check=False)
    t.check("a negative lookup_per_min is a config error (exit 2)",
            p.returncode == 2 and "lookup_per_min" in p.stderr, p.stderr)
    with open(env.conf, "w") as f:
        f.write(good + "\n[http]\nlookup_per_min = 3\n"
                "signups_per_hour = 1\n")
    env.rg("registrar", "add", "--title", "sim", "--server", "127.0.0.1",
           "--port", str(env.sim_port), "--tls", "no", "--login", SIM_USER,
           "--key", SIM_KEY, "--license-text", LICENSE)
    env.rg("tld", "set", ".com", "--registrar", "sim", "--price",
           "register:1=12.50")
    env.start_serve()
    anon = Client(env.port)

    codes = [anon.get("/api/v1/lookup?name=free-%d.com" % i).status
             for i in range(3)]
    t.check("lookups within the budget answer 200", codes == [200] * 3, codes)
    # The daemon's own exchanges (the event stream's POLL, say) land in
    # the same log at times of their own: count the lookups alone.
    lookups = "SELECT COUNT(*) FROM registrar_log WHERE action = 'LOOKUP'"
    calls = env.sql(lookups)
    t.check("each lookup asked the registrar (logged)", calls == 3, calls)
    r = anon.get("/api/v1/lookup?name=free-9.com")
    t.check("a lookup past the budget: 429 rate_limited",
            r.status == 429 and r.err() == "rate_limited", r)
    t.check("the 429 says when to retry (Retry-After 1..60)",
            retry_after(r, 60), r.headers)
    t.check("a throttled lookup does not ask the registrar",
            env.sql(lookups) == calls)
    r = Client(env.port).get("/api/v1/lookup?name=free-9.com")
    t.check("the budget is per address, not per session: still 429",
            r.status == 429, r)

    sha = anon.get("/api/v1/license?domain=x.com").json["sha256"]
    base = {"username": "carol", "password": "carol-password-1",
            "email": "carol@example.com", "domain": "x.com",
            "license_sha256": sha, "accept_license": True}
    r = anon.post("/api/v1/signup", dict(base, password="short"))
    t.check("a refused signup (400) does not use the signup budget",
            r.status == 400, r)
    r = anon.post("/api/v1/signup", base)
    t.check("signup within the budget (lookups throttled meanwhile): 201",
            r.status == 201, r)
    r = anon.post("/api/v1/signup", dict(base, username="dave",
                                         email="dave@example.com"))
    t.check("a signup past the budget: 429 rate_limited",
            r.status == 429 and r.err() == "rate_limited", r)
    t.check("the signup 429 has Retry-After (1..3600)",
            retry_after(r, 3600), r.headers)
    t.check("the throttled signup created nothing",
            env.sql("SELECT COUNT(*) FROM logins WHERE username = 'dave'") ==
            0 and env.sql("SELECT COUNT(*) FROM accounts WHERE name = "
                          "'dave'") == 0)
    r = anon.get("/api/v1/license?domain=x.com")
    t.check("other public endpoints are not throttled", r.status == 200, r)


def setup(env, extra_conf=""):
    env.start_sim()
    env.init()
    if extra_conf:
        with open(env.conf, "a") as f:
            f.write("\n" + extra_conf)
    env.rg("registrar", "add", "--title", "sim", "--server", "127.0.0.1",
           "--port", str(env.sim_port), "--tls", "no", "--login", SIM_USER,
           "--key", SIM_KEY, "--license-text", LICENSE, "--ns",
           "ns1.example.net,ns2.example.net")
    env.rg("tld", "set", ".com", "--registrar", "sim", "--terms", "1-10",
           "--price", "register:1=12.50", "--price", "register:2=25",
           "--price", "renew:1=13", "--price", "transfer:1=10")
    env.rg("tld", "set", ".net", "--registrar", "sim", "--price",
           "register:1=11", "--price", "renew:1=11", "--price",
           "transfer:1=9")
    env.rg("tld", "set", ".ca", "--registrar", "sim", "--price",
           "register:1=15", "--price", "renew:1=15")
    env.rg("login", "add", "admin", "--role", "admin", "--password-stdin",
           stdin="admin-password-1\n")
    env.start_serve()


def contact(email):
    return {"first_name": "Ann", "last_name": "Lee", "address1": "1 Main St",
            "city": "Toronto", "postal_code": "M5V1A1", "country": "CA",
            "phone": "+1.4165550123", "email": email}


def run(env, t):
    setup(env)
    admin = Client(env.port)
    anon = Client(env.port)
    r = admin.login("admin", "admin-password-1")
    t.check("admin logs in", r.status == 200 and admin.csrf, r)

    # --- public: license, lookup, signup ------------------------------------
    r = anon.get("/api/v1/license?domain=a-site.com")
    t.check("license of .com is public", r.status == 200 and
            r.json["text"] == LICENSE, r)
    sha = r.json["sha256"]
    import hashlib
    t.check("license sha256 is the SHA-256 of the text",
            sha == hashlib.sha256(LICENSE.encode()).hexdigest())
    t.check("license lists prices in minor units",
            r.json["prices"]["register"]["1"] == 1250, r)
    r = anon.get("/api/v1/license?domain=x.example")
    t.check("license of an unoffered TLD: 404", r.status == 404, r)
    r = anon.get("/api/v1/license?domain=-bad-.com")
    t.check("license of a bad name: 400 invalid field domain",
            r.status == 400 and r.field() == "domain", r)
    r = anon.get("/api/v1/lookup?name=free-name.com")
    t.check("lookup: available with prices and license",
            r.status == 200 and r.json["available"] is True and
            r.json["prices"]["register"]["2"] == 2500 and
            r.json["license"]["sha256"] == sha, r)
    r = anon.get("/api/v1/lookup?name=taken.com")
    t.check("lookup of a taken name", r.status == 200 and
            r.json["available"] is False and
            r.json["availability"] == "taken", r)
    r = anon.get("/api/v1/lookup")
    t.check("lookup without name: 400 missing_field",
            r.status == 400 and r.err() == "missing_field", r)

    sig = env.dbsig()
    base = {"username": "alice", "password": "alice-password-1",
            "email": "alice@example.com", "domain": "a-site.com",
            "license_sha256": sha, "accept_license": True}
    for desc, body, code in [
        ("signup without accepting", dict(base, accept_license=False),
         "invalid"),
        ("signup with an old license hash", dict(base, license_sha256="0" * 64),
         "license_required"),
        ("signup with a short password", dict(base, password="short"),
         "out_of_range"),
        ("signup with a bad username", dict(base, username="a b"), "invalid"),
        ("signup with a wrong type", dict(base, accept_license="yes"),
         "wrong_type"),
        ("signup with an unknown field", dict(base, admin=True),
         "unknown_field"),
        ("signup with an unoffered TLD", dict(base, domain="a.example"),
         "not_found"),
    ]:
        r = anon.post("/api/v1/signup", body)
        t.check(desc + ": refused (%s)" % code,
                400 <= r.status < 500 and r.err() == code, r)
    t.check("refused signups changed nothing", env.dbsig() == sig)

    r = anon.post("/api/v1/signup", base)
    t.check("signup creates account and login", r.status == 201 and
            r.json["account"]["name"] == "alice", r)
    acct_a = r.json["account"]["id"]
    t.check("signup recorded the license acceptance with its hash",
            env.sql("SELECT COUNT(*) FROM license_acceptances WHERE "
                    "account_id = ? AND license_sha256 = ? AND "
                    "accepted_at > 0", acct_a, sha) == 1)
    r = anon.post("/api/v1/signup", base)
    t.check("signup with a taken username: 409 conflict",
            r.status == 409 and r.err() == "conflict", r)
    r = anon.post("/api/v1/signup", dict(base, username="bob",
                                         email="bob@example.com",
                                         password="bob-password-12"))
    t.check("second customer signs up", r.status == 201, r)
    acct_b = r.json["account"]["id"]
    for who in ("alice", "bob"):
        r, _ = follow_link(env, who + "@example.com")
        t.check("%s confirms the address with the mailed link" % who,
                r.status == 200, r)

    a = Client(env.port)
    b = Client(env.port)
    t.check("customer A logs in", a.login("alice", "alice-password-1")
            .status == 200)
    t.check("customer B logs in", b.login("bob", "bob-password-12")
            .status == 200)

    # --- me --------------------------------------------------------------
    r = a.get("/api/v1/me")
    t.check("me: customer with its account and balance", r.status == 200 and
            r.json["role"] == "customer" and
            r.json["account"]["id"] == acct_a and
            r.json["account"]["balance"] == 0, r)
    r = admin.get("/api/v1/me")
    t.check("me: admin without account", r.status == 200 and
            r.json["role"] == "admin" and r.json["account"] is None, r)
    r = anon.get("/api/v1/me")
    t.check("me anonymous: 401", r.status == 401 and
            r.err() == "unauthenticated", r)

    # --- accounts: credit, adjust, limit, contacts, history -----------------
    r = admin.post("/api/v1/accounts/%d/credit" % acct_a,
                   {"amount": 100000, "ref": "pay-1", "memo": "wire"})
    t.check("credit A 1000.00", r.status == 200 and
            r.json["balance"] == 100000 and r.json["replayed"] is False, r)
    t.check("credit is in the ledger", env.sql(
        "SELECT balance FROM accounts WHERE id = ?", acct_a) == 100000)
    r = admin.post("/api/v1/accounts/%d/credit" % acct_a,
                   {"amount": 100000, "ref": "pay-1", "memo": "wire"})
    t.check("credit replay with the same ref changes nothing",
            r.status == 200 and r.json["replayed"] is True and
            r.json["balance"] == 100000, r)
    r = admin.post("/api/v1/accounts/%d/credit" % acct_b, {"amount": 50000})
    t.check("credit B 500.00", r.status == 200 and
            r.json["balance"] == 50000, r)
    r = admin.post("/api/v1/accounts/%d/adjust" % acct_b,
                   {"amount": -1000, "memo": "fee"})
    t.check("adjust B by -10.00", r.status == 200 and
            r.json["balance"] == 49000, r)
    r = admin.call("PUT", "/api/v1/accounts/%d/limit" % acct_b,
                   body={"credit_limit": 2000})
    t.check("credit limit of B set", r.status == 200 and
            r.json["credit_limit"] == 2000, r)

    sig = env.dbsig()
    credit = "/api/v1/accounts/%d/credit" % acct_a
    for desc, kw, status, code, field in [
        ("invalid JSON", {"raw": '{"amount": '}, 400, "invalid_json", None),
        ("amount as a string", {"body": {"amount": "12"}}, 400, "wrong_type",
         "amount"),
        ("amount as a float", {"body": {"amount": 12.5}}, 400, "wrong_type",
         "amount"),
        ("zero amount", {"body": {"amount": 0}}, 400, "out_of_range",
         "amount"),
        ("negative credit", {"body": {"amount": -5}}, 400, "out_of_range",
         "amount"),
        ("missing amount", {"body": {"memo": "x"}}, 400, "missing_field",
         "amount"),
        ("unknown field", {"body": {"amount": 5, "x": 1}}, 400,
         "unknown_field", "x"),
        ("a JSON array", {"raw": "[1]"}, 400, "wrong_type", None),
        ("too deep", {"raw": "[" * 40 + "]" * 40}, 400, "too_deep", None),
        ("text/plain body", {"raw": '{"amount": 5}', "ctype": "text/plain"},
         415, "unsupported_media_type", None),
        ("duplicate keys", {"raw": '{"amount": 5, "amount": 6}'}, 400,
         "invalid_json", None),
        ("oversized body", {"raw": '{"memo": "' + "x" * (2 << 20) + '"}'},
         413, "body_too_large", None),
    ]:
        r = admin.post(credit, **kw)
        t.check("credit with %s: %d %s" % (desc, status, code),
                r.status == status and r.err() == code and
                (field is None or r.field() == field), r)
    r = admin.post("/api/v1/accounts/%d/adjust" % acct_a, {"amount": 5})
    t.check("adjust without memo: missing_field memo",
            r.status == 400 and r.field() == "memo", r)
    r = admin.post("/api/v1/accounts/999999/credit", {"amount": 5})
    t.check("credit of an unknown account: 404", r.status == 404, r)
    t.check("refused money moves changed nothing", env.dbsig() == sig)

    r = admin.post("/api/v1/accounts", {"name": "carol", "email":
                                        "carol@example.com",
                                        "credit_limit": 500})
    t.check("admin adds an account", r.status == 201 and
            r.json["credit_limit"] == 500, r)
    acct_c = r.json["id"]
    r = admin.call("PUT", "/api/v1/accounts/%d/contacts/owner" % acct_c,
                   body=contact("carol@example.com"))
    t.check("admin sets a customer's contact", r.status == 200, r)
    r = admin.post("/api/v1/accounts", {"name": "carol"})
    t.check("account name taken: 4xx, not 500", 400 <= r.status < 500, r)
    r = admin.get("/api/v1/accounts?limit=2")
    t.check("account list pages", r.status == 200 and
            len(r.json["items"]) == 2 and
            r.json["page"]["next_offset"] == 2, r)
    r = admin.get("/api/v1/accounts?limit=2&offset=2")
    t.check("account list second page", r.status == 200 and
            len(r.json["items"]) == 1 and
            r.json["page"]["next_offset"] is None, r)
    r = admin.get("/api/v1/accounts?limit=0")
    t.check("limit 0: 400 out_of_range", r.status == 400 and
            r.field() == "limit", r)
    r = a.get("/api/v1/accounts")
    t.check("customer's account list holds only its own",
            r.status == 200 and [x["id"] for x in r.json["items"]] == [acct_a],
            r)
    r = a.get("/api/v1/accounts/%d" % acct_a)
    t.check("customer reads its account", r.status == 200 and
            r.json["balance"] == 100000, r)

    r = a.call("PUT", "/api/v1/accounts/%d/contacts/owner" % acct_a,
               body=dict(contact("alice@example.com"),
                         registrant={"cira_legal_type": "CCT"}))
    t.check("customer sets its owner contact", r.status == 200 and
            r.json["email"] == "alice@example.com", r)
    r = b.call("PUT", "/api/v1/accounts/%d/contacts/owner" % acct_b,
               body=contact("bob@example.com"))
    t.check("B sets its owner contact", r.status == 200, r)
    r = a.get("/api/v1/accounts/%d/contacts/owner" % acct_a)
    t.check("customer reads its contact", r.status == 200 and
            r.json["city"] == "Toronto", r)
    r = a.get("/api/v1/accounts/%d/contacts/tech" % acct_a)
    t.check("missing contact type: 404", r.status == 404, r)
    r = a.call("PUT", "/api/v1/accounts/%d/contacts/owner" % acct_a,
               body=dict(contact("x@example.com"), country=5))
    t.check("contact with a wrong type: 400 wrong_type country",
            r.status == 400 and r.field() == "country", r)
    r = a.call("PUT", "/api/v1/accounts/%d/contacts/owner" % acct_a,
               body=dict(contact("x@example.com"), country="XX"))
    t.check("contact with an unassigned country code: 400 naming it",
            r.status == 400 and r.err() == "invalid" and
            'country "XX" is not an ISO 3166-1' in
            r.json["error"]["message"], r)
    r = a.get("/api/v1/accounts/%d/history?limit=1" % acct_a)
    t.check("history, newest first, paged", r.status == 200 and
            len(r.json["items"]) == 1 and
            r.json["items"][0]["kind"] == "credit" and
            r.json["items"][0]["amount"] == 100000, r)

    # --- TLDs -----------------------------------------------------------------
    r = admin.call("PUT", "/api/v1/tlds/.org",
                   body={"connection_id": 1, "terms": [1, 2],
                         "prices": {"register": {"1": 999, "2": 1998},
                                    "renew": {"1": 999}},
                         "first_check_s": 120})
    t.check("admin maps .org with prices", r.status == 200 and
            r.json["prices"]["register"]["2"] == 1998 and
            r.json["overrides"]["first_check_s"] == 120, r)
    t.check(".org price stored in minor units", env.sql(
        "SELECT amount FROM tld_prices WHERE tld = 'org' AND "
        "operation = 'register' AND term = 2") == 1998)
    r = admin.call("PUT", "/api/v1/tlds/org",
                   body={"prices": {"register": {"2": None}},
                         "first_check_s": None})
    t.check("a null price removes it, a null window inherits",
            r.status == 200 and "2" not in r.json["prices"]["register"] and
            r.json["overrides"]["first_check_s"] is None, r)
    sig = env.dbsig()
    for desc, body, field in [
        ("a price as a string", {"prices": {"register": {"1": "9.99"}}},
         "prices"),
        ("an unknown operation", {"prices": {"sell": {"1": 5}}}, "prices"),
        ("a term of 11", {"terms": [11]}, "terms"),
        ("an unknown connection", {"connection_id": 999}, "connection_id"),
    ]:
        r = admin.call("PUT", "/api/v1/tlds/org", body=body)
        t.check("tld with %s: 400 field %s" % (desc, field),
                r.status == 400 and r.field() == field, r)
    t.check("refused TLD edits changed nothing", env.dbsig() == sig)
    r = a.get("/api/v1/tlds")
    t.check("customers see TLD prices without the connection",
            r.status == 200 and len(r.json["items"]) == 4 and
            all("connection" not in x for x in r.json["items"]), r)
    r = admin.get("/api/v1/tlds/com")
    t.check("admin reads one TLD with its connection", r.status == 200 and
            r.json["connection"] == "sim", r)
    r = admin.call("DELETE", "/api/v1/tlds/org")
    t.check("admin removes .org", r.status == 200 and env.sql(
        "SELECT COUNT(*) FROM tlds WHERE tld = 'org'") == 0, r)
    r = admin.get("/api/v1/tlds/org")
    t.check("removed TLD: 404", r.status == 404, r)

    # --- connections ----------------------------------------------------------
    r = admin.get("/api/v1/connections")
    t.check("connections list", r.status == 200 and
            r.json["items"][0]["title"] == "sim", r)
    t.check("the key is never returned", SIM_KEY not in r.body and
            r.json["items"][0]["key_set"] is True, r)
    r = admin.post("/api/v1/connections",
                   {"title": "second", "server": "127.0.0.1",
                    "port": env.sim_port, "tls": False, "login": SIM_USER,
                    "key": SIM_KEY, "license_text": "other terms",
                    "warn_days": 20, "test_mode": True,
                    "default_ns": ["ns1.example.net", "ns2.example.net"]})
    t.check("admin adds a connection", r.status == 201 and
            r.json["warn_days"] == 20 and r.json["test_mode"] is True and
            r.json["default_ns"] == ["ns1.example.net", "ns2.example.net"],
            r)
    t.check("add does not echo the key", SIM_KEY not in r.body)
    cid = r.json["id"]
    t.check("the key is sealed at rest", env.sql(
        "SELECT COUNT(*) FROM registrar_connections WHERE key_enc LIKE ?",
        "%" + SIM_KEY + "%") == 0)
    r = admin.call("PATCH", "/api/v1/connections/%d" % cid,
                   body={"warn_days": 10, "renew_mode": "auto"})
    t.check("admin edits a connection", r.status == 200 and
            r.json["warn_days"] == 10 and r.json["renew_mode"] == "auto", r)
    sig = env.dbsig()
    for desc, body, code in [
        ("a port as a string", {"port": "443"}, "wrong_type"),
        ("tls as a string", {"tls": "yes"}, "wrong_type"),
        ("an unknown field", {"password": "x"}, "unknown_field"),
        ("a bad renew mode", {"renew_mode": "never"}, "invalid"),
        ("a port out of range", {"port": 70000}, None),
        ("a duplicate title", {"title": "sim"}, None),
        ("a CA file that does not exist", {"ca_file": "/nonexistent/ca.pem"},
         None),
        ("a CA file that is not PEM", {"ca_file": "/dev/null"}, None),
    ]:
        r = admin.call("PATCH", "/api/v1/connections/%d" % cid, body=body)
        t.check("connection edit with %s: 4xx %s" % (desc, code or ""),
                400 <= r.status < 500 and (code is None or r.err() == code),
                r)
    r = admin.post("/api/v1/connections", {"title": "x", "login": "u"})
    t.check("connection add without key: missing_field key",
            r.status == 400 and r.field() == "key", r)
    t.check("refused connection edits changed nothing", env.dbsig() == sig)
    r = admin.post("/api/v1/connections/%d/test" % cid)
    t.check("connection test shows the registrar balance",
            r.status == 200 and r.json["ok"] is True and
            isinstance(r.json["balance"], int), r)
    r = admin.call("PATCH", "/api/v1/connections/%d" % cid,
                   body={"key": "wrong-key-123", "force": True})
    r = admin.post("/api/v1/connections/%d/test" % cid)
    t.check("connection test with a wrong key reports failure",
            r.status == 200 and r.json["ok"] is False and r.json["message"],
            r)
    r = admin.call("DELETE", "/api/v1/connections/%d" % cid)
    t.check("admin removes an unused connection", r.status == 200 and
            env.sql("SELECT COUNT(*) FROM registrar_connections WHERE "
                    "id = ?", cid) == 0, r)
    r = admin.call("DELETE", "/api/v1/connections/1")
    t.check("a connection in use cannot be removed: 409 refused",
            r.status == 409 and r.err() == "refused", r)
    r = admin.get("/api/v1/connections/abc")
    t.check("a malformed id: 404", r.status == 404, r)

    # --- domains ----------------------------------------------------------
    r = a.post("/api/v1/domains/register", {"name": "a-site.com", "term": 2})
    t.check("customer A registers a-site.com for 2 years",
            r.status == 201 and r.json["state"] == "succeeded" and
            r.json["amount"] == 2500 and
            r.json["operation"]["account_id"] == acct_a, r)
    op_a = r.json["operation"]["id"]
    t.check("domain active and charged in the database",
            env.sql("SELECT status FROM domains WHERE name = 'a-site.com'")
            == "active" and
            env.sql("SELECT balance FROM accounts WHERE id = ?", acct_a)
            == 100000 - 2500)
    r = b.post("/api/v1/domains/register", {"name": "b-site.com"})
    t.check("B must accept the license of .com first? (accepted at signup)",
            r.status == 201, r)
    op_b = r.json["operation"]["id"]
    r = b.post("/api/v1/domains/register", {"name": "b-site.net"})
    t.check("B registers b-site.net (same connection, license accepted)",
            r.status == 201, r)

    sig = env.dbsig()
    for desc, body, status, code, field in [
        ("term as a string", {"name": "z1.com", "term": "1"}, 400,
         "wrong_type", "term"),
        ("term 0", {"name": "z1.com", "term": 0}, 400, "out_of_range",
         "term"),
        ("no name", {"term": 1}, 400, "missing_field", "name"),
        ("nameservers not a list", {"name": "z1.com", "nameservers": "a"},
         400, "wrong_type", "nameservers"),
        ("an auth code on a registration", {"name": "z1.com",
                                            "auth_code": "x"},
         400, "unknown_field", "auth_code"),
        ("an invalid name", {"name": "bad_name.com"}, 400, "invalid", None),
        ("an unoffered TLD", {"name": "z1.example"}, 404, "not_found", None),
        ("a taken name", {"name": "a-site.com"}, 409, "refused", None),
        ("a term not offered", {"name": "z1.net", "term": 3}, 400, "invalid",
         None),
        ("B's account id", {"name": "z1.com", "account_id": acct_b}, 404,
         "not_found", "account_id"),
    ]:
        r = a.post("/api/v1/domains/register", body)
        t.check("register with %s: %d %s" % (desc, status, code),
                r.status == status and r.err() == code and
                (field is None or r.field() == field), r)
    r = admin.post("/api/v1/domains/register", {"name": "expensive.com",
                                                "account_id": acct_c})
    t.check("insufficient funds: 409 refused",
            r.status == 409 and r.err() == "refused" and
            "funds" in r.json["error"]["message"], r)
    t.check("refused registrations changed nothing", env.dbsig() == sig)

    # admin orders for an account; must name it
    r = admin.post("/api/v1/domains/register", {"name": "c-site.com"})
    t.check("admin register without account_id: missing_field",
            r.status == 400 and r.field() == "account_id", r)
    r = admin.post("/api/v1/domains/register",
                   {"name": "c-site.com", "account_id": acct_a,
                    "nameservers": ["ns1.example.net", "ns2.example.net"]})
    t.check("admin registers for A", r.status == 201 and
            r.json["operation"]["account"] == "alice", r)

    # async TLD: pending, 202
    r = a.post("/api/v1/domains/register", {"name": "a-site.ca"})
    t.check("async .ca registration answers 202 pending",
            r.status == 202 and r.json["state"] == "pending", r)
    op_ca = r.json["operation"]["id"]

    # license change: customer must accept the new text before ordering
    env.rg("registrar", "edit", "sim", "--license-text", "v2 terms")
    r = a.post("/api/v1/domains/register", {"name": "a-new.com"})
    t.check("a changed license blocks the order: 409 license_required",
            r.status == 409 and r.err() == "license_required" and
            r.field() == "license_sha256", r)
    sha2 = a.get("/api/v1/license?domain=a-new.com").json["sha256"]
    r = a.post("/api/v1/domains/register", {"name": "a-new.com",
                                            "license_sha256": sha2})
    t.check("accepting the new license lets the order through",
            r.status == 201 and env.sql(
                "SELECT COUNT(*) FROM license_acceptances WHERE "
                "account_id = ? AND license_sha256 = ?", acct_a, sha2) == 1,
            r)

    r = a.get("/api/v1/domains")
    names = sorted(x["name"] for x in r.json["items"])
    t.check("A's domain list holds only A's domains",
            r.status == 200 and names == ["a-new.com", "a-site.ca",
                                          "a-site.com", "c-site.com"], r)
    t.check("customer's domain list hides the connection",
            "connection" not in r.json["items"][0])
    r = admin.get("/api/v1/domains?account_id=%d" % acct_b)
    t.check("admin filters domains by account", r.status == 200 and
            sorted(x["name"] for x in r.json["items"]) ==
            ["b-site.com", "b-site.net"], r)
    r = admin.get("/api/v1/domains?q=site.c&limit=2")
    t.check("admin searches and pages domains", r.status == 200 and
            len(r.json["items"]) == 2 and r.json["page"]["next_after"], r)
    after = r.json["page"]["next_after"]
    r = admin.get("/api/v1/domains?q=site.c&limit=2&after=%d" % after)
    t.check("keyset page continues below the last id",
            r.status == 200 and all(x["id"] < after
                                    for x in r.json["items"]), r)
    r = a.get("/api/v1/domains/a-site.com")
    t.check("domain show with its operations timeline", r.status == 200 and
            r.json["status"] == "active" and
            r.json["operations"][0]["id"] == op_a and
            r.json["pending"] is False, r)
    r = a.get("/api/v1/domains/a-site.ca")
    t.check("a pending domain says so", r.status == 200 and
            r.json["pending"] is True, r)

    r = a.call("PATCH", "/api/v1/domains/a-site.com",
               body={"auto_renew": True})
    t.check("customer turns auto-renew on", r.status == 200 and
            r.json["auto_renew"] is True and env.sql(
                "SELECT auto_renew FROM domains WHERE name = 'a-site.com'")
            == 1, r)
    r = a.call("PATCH", "/api/v1/domains/a-site.com",
               body={"auto_renew": "yes"})
    t.check("auto-renew as a string: 400 wrong_type", r.status == 400 and
            r.field() == "auto_renew", r)
    r = a.post("/api/v1/domains/a-site.com/renew", {"term": 1})
    t.check("customer renews its domain", r.status == 201 and
            r.json["state"] == "succeeded" and r.json["amount"] == 1300, r)
    r = a.post("/api/v1/domains/a-site.com/renew", {"term": "1"})
    t.check("renew with a wrong type: 400", r.status == 400 and
            r.field() == "term", r)

    r = a.post("/api/v1/domains/transfer", {"name": "moving.com"})
    t.check("transfer without auth_code: missing_field",
            r.status == 400 and r.field() == "auth_code", r)
    r = a.post("/api/v1/domains/transfer", {"name": "moving.com",
                                            "auth_code": "sesame"})
    t.check("transfer is accepted and pending (202)", r.status in (202, 201)
            and r.json["operation"]["kind"] == "transfer", r)
    r = a.get("/api/v1/domains/moving.com/transfer-status")
    t.check("transfer status of the own transfer", r.status == 200 and
            r.json["own_transfer"] is True and r.json["operation"], r)

    # operations
    r = a.get("/api/v1/operations")
    t.check("A's operations only", r.status == 200 and
            all(x["account_id"] == acct_a for x in r.json["items"]) and
            op_b not in [x["id"] for x in r.json["items"]], r)
    r = admin.get("/api/v1/operations?state=pending")
    t.check("admin lists pending operations (Async Manager)",
            r.status == 200 and op_ca in [x["id"] for x in r.json["items"]]
            and all(x["state"] == "pending" for x in r.json["items"]), r)
    r = admin.get("/api/v1/operations?state=bogus")
    t.check("bad state filter: 400 field state", r.status == 400 and
            r.field() == "state", r)
    r = admin.get("/api/v1/operations?domain=a-site.com&kind=renew")
    t.check("operations filtered by domain and kind", r.status == 200 and
            len(r.json["items"]) == 1, r)
    r = a.get("/api/v1/operations/%d" % op_a)
    t.check("A reads its operation", r.status == 200 and
            r.json["domain"] == "a-site.com", r)
    r = admin.post("/api/v1/operations/%d/check" % op_ca)
    t.check("admin checks a pending operation now", r.status == 200 and
            r.json["operation"]["checks"] >= 1, r)
    dl0 = env.sql("SELECT deadline_at FROM operations WHERE id = ?", op_ca)
    env.sql_write("UPDATE operations SET deadline_at = deadline_at - 100000 "
                  "WHERE id = ?", op_ca)
    r = admin.post("/api/v1/operations/%d/reset" % op_ca)
    t.check("admin resets a pending operation: new deadline from now",
            r.status == 200 and r.json["state"] == "pending" and
            env.sql("SELECT deadline_at FROM operations WHERE id = ?",
                    op_ca) >= dl0, r)
    r = admin.post("/api/v1/operations/%d/reset" % op_ca, {"x": 1})
    t.check("reset with an unknown field: 400", r.status == 400 and
            r.err() == "unknown_field", r)
    bal0 = env.sql("SELECT balance FROM accounts WHERE id = ?", acct_a)
    fee = env.sql("SELECT amount FROM operations WHERE id = ?", op_ca)
    r = admin.post("/api/v1/operations/%d/cancel" % op_ca,
                   {"reason": "customer asked"})
    t.check("admin cancels a pending operation: cancelled and refunded",
            r.status == 200 and r.json["state"] == "cancelled" and
            r.json["refunded"] is True and "registrar_answer" in r.json, r)
    t.check("the refund is in the customer's balance",
            env.sql("SELECT balance FROM accounts WHERE id = ?", acct_a) ==
            bal0 + fee)
    t.check("the cancelled domain is gone from the live names",
            env.sql("SELECT status FROM domains WHERE name = 'a-site.ca'")
            == "cancelled")
    r = a.get("/api/v1/accounts/%d/history?limit=1" % acct_a)
    t.check("the refund shows in the customer's history",
            r.status == 200 and r.json["items"][0]["kind"] == "refund", r)
    r = admin.post("/api/v1/operations/%d/cancel" % op_ca)
    t.check("cancel of a settled operation: 409 refused",
            r.status == 409 and r.err() == "refused", r)
    r = admin.post("/api/v1/operations/%d/reset" % op_ca)
    t.check("reset of a settled operation: 409 refused",
            r.status == 409 and r.err() == "refused", r)

    # --- registrar log, audit, jobs, mail --------------------------------
    r = admin.get("/api/v1/registrar-log?domain=a-site.com")
    t.check("registrar log filtered by domain", r.status == 200 and
            len(r.json["items"]) >= 2 and
            all(x["domain"] == "a-site.com" for x in r.json["items"]), r)
    t.check("registrar log redacts the key", SIM_KEY not in r.body)
    r = admin.get("/api/v1/registrar-log?operation_id=%d" % op_a)
    t.check("registrar log filtered by operation", r.status == 200 and
            all(x["operation_id"] == op_a for x in r.json["items"]) and
            r.json["items"], r)
    r = admin.get("/api/v1/registrar-log?operation_id=x")
    t.check("registrar log with a bad operation id: 400",
            r.status == 400 and r.field() == "operation_id", r)
    r = admin.get("/api/v1/registrar-log.csv?domain=a-site.com")
    t.check("registrar log CSV export", r.status == 200 and
            r.headers.get("content-type", "").startswith("text/csv") and
            r.body.startswith("id,at,operation_id,action") and
            "a-site.com" in r.body, r)
    r = admin.get("/api/v1/stats?days=7")
    today = r.json["days"][-1] if r.status == 200 else {}
    t.check("stats: 7 days, today's registrations and refunds",
            r.status == 200 and len(r.json["days"]) == 7 and
            today["ops"]["register"]["created"] == env.sql(
                "SELECT COUNT(*) FROM operations WHERE kind = 'register'")
            and today["refunds"] >= 1 and today["refunded"] > 0 and
            r.json["active_domains"] == env.sql(
                "SELECT COUNT(*) FROM domains WHERE status = 'active'"), r)
    r = admin.get("/api/v1/stats?days=0")
    t.check("stats days=0: 400 field days", r.status == 400 and
            r.field() == "days", r)
    r = admin.get("/api/v1/audit")
    t.check("audit is clean", r.status == 200 and r.json["ok"] is True, r)
    r = admin.get("/api/v1/jobs")
    t.check("jobs list", r.status == 200 and "items" in r.json, r)
    r = admin.get("/api/v1/mail")
    t.check("mail outbox lists the mail of the registrations",
            r.status == 200 and len(r.json["items"]) >= 1, r)
    mail_id = r.json["items"][0]["id"]
    r = admin.get("/api/v1/mail/%d" % mail_id)
    t.check("one mail with its body", r.status == 200 and "body" in r.json,
            r)
    r = admin.post("/api/v1/mail/%d/retry" % mail_id)
    t.check("retry a queued mail", r.status == 200 and
            r.json["state"] == "queued", r)

    # --- the registrar's domains unknown here, adopted by name --------------
    unknown_domains(env, t, admin, b, acct_b)

    # --- the customer's view: live or past, filters, needs_action ---------
    customer_views(env, t, a, b, acct_a)

    # --- tokens and /metrics ----------------------------------------------
    r = admin.post("/api/v1/auth/tokens", {"name": "scraper"})
    t.check("admin creates an API token", r.status in (200, 201) and
            r.json.get("token", "").startswith("rmt_"), r)
    bot = Client(env.port)
    bot.token = r.json.get("token")
    r = bot.get("/metrics")
    body = r.body
    t.check("metrics: operations by state",
            r.status == 200 and 'regman_operations{state="pending"}' in body,
            r)
    for fam in ("regman_operations_pending ",
                "regman_operations_pending_oldest_age_seconds ",
                'regman_registrar_call_duration_seconds_bucket{action="SW_REGISTER",le="+Inf"}',
                "regman_registrar_call_duration_seconds_count",
                'regman_mail_outbox{state="queued"}',
                "regman_jobs_lag_seconds ",
                "# TYPE regman_events_stream_healthy gauge",
                "# TYPE regman_events_received_total counter",
                "# TYPE regman_events_unknown gauge",
                "# TYPE regman_events_last_read_age_seconds gauge",
                'regman_events_stream_healthy{connection="'):
        t.check("metrics has " + fam.strip(), fam in body)
    r = bot.post("/api/v1/accounts/%d/credit" % acct_c, {"amount": 100})
    t.check("a Bearer token needs no CSRF token", r.status == 200, r)

    # --- authorization: every endpoint ----------------------------------
    authz(env, t, admin, a, b, anon, acct_a, acct_b, op_b, mail_id)

    # --- CSRF ------------------------------------------------------------
    sig = env.dbsig()
    r = a.call("PUT", "/api/v1/accounts/%d/contacts/owner" % acct_a,
               body=contact("evil@example.com"), csrf=False)
    t.check("state change without the CSRF token: 403 csrf_failed",
            r.status == 403 and r.err() == "csrf_failed", r)
    r = a.post("/api/v1/domains/register", {"name": "csrf.com"},
               headers={"X-CSRF-Token": "x" * 43}, csrf=False)
    t.check("state change with a wrong CSRF token: 403",
            r.status == 403 and r.err() == "csrf_failed", r)
    r = admin.post("/api/v1/accounts/%d/credit" % acct_a, {"amount": 5},
                   csrf=False)
    t.check("admin credit without CSRF token: 403", r.status == 403, r)
    t.check("CSRF refusals changed nothing", env.dbsig() == sig)

    # --- clean stop ---------------------------------------------------------
    rc = env.stop_serve(signal.SIGTERM)
    t.check("serve stops cleanly on SIGTERM (exit 0)", rc == 0, rc)
    p = env.rg("audit", check=False)
    t.check("regman audit clean after the API session", p.returncode == 0,
            p.stdout + p.stderr)
    with open(os.path.join(env.work, "serve.log")) as f:
        log = f.read()
    t.check("serve's log has no sanitizer report or error line",
            "Sanitizer" not in log and "runtime error" not in log and
            " error regman" not in log, log)


def customer_views(env, t, a, b, acct_a):
    """GET /api/v1/domains as the customer panel asks for it: live rows
    or past attempts (one row per name), search, status and expiry
    filters; needs_action and check_interval_s on domains; customer_reason
    on operations; the agreement's acceptance; no funds in plain words.
    Rows added here behind regman's back are removed again."""
    now = int(time.time())
    live = a.get("/api/v1/domains?live=1&limit=500")
    names = [x["name"] for x in live.json["items"]]
    t.check("live=1: the live domains, one row per name",
            live.status == 200 and len(names) == len(set(names)) and
            "a-site.com" in names and all(
                x["status"] not in ("failed", "cancelled", "transferred_away")
                for x in live.json["items"]), live)
    dom = env.sql("SELECT id FROM domains WHERE name = 'a-site.com' AND "
                  "status = 'active'")
    conn = env.sql("SELECT connection_id FROM domains WHERE id = ?", dom)
    saved = (env.sql("SELECT expires_at FROM domains WHERE id = ?", dom),
             env.sql("SELECT auto_renew FROM domains WHERE id = ?", dom))
    # an adopted name's cancelled attempt, and a name tried twice
    for name, st in (("a-site.com", "cancelled"), ("a-gone.com", "failed"),
                     ("a-gone.com", "cancelled")):
        env.sql_write(
            "INSERT INTO domains (name, unicode_name, tld, account_id, "
            "connection_id, status, created_at, updated_at) VALUES "
            "(?, ?, 'com', ?, ?, ?, ?, ?)", name, name, acct_a, conn, st,
            now, now)
    try:
        r = a.get("/api/v1/domains?live=1&limit=500")
        t.check("live=1 hides the cancelled row of a live name",
                [x["name"] for x in r.json["items"]].count("a-site.com") == 1
                and "a-gone.com" not in [x["name"] for x in r.json["items"]],
                r)
        r = a.get("/api/v1/domains?live=0&limit=500")
        past = [x["name"] for x in r.json["items"]]
        t.check("live=0: past attempts, one row per name, none of a live "
                "name", r.status == 200 and past.count("a-gone.com") == 1 and
                "a-site.com" not in past, r)
        r = a.get("/api/v1/domains?live=2")
        t.check("live=2: 400 naming live", r.status == 400 and
                r.field() == "live", r)
        r = a.get("/api/v1/domains?live=1&q=a-site")
        t.check("q searches within the live domains", r.status == 200 and
                "a-site.com" in [x["name"] for x in r.json["items"]] and
                all("a-site" in x["name"] and x["status"] != "cancelled"
                    for x in r.json["items"]), r)
        r = a.get("/api/v1/domains?live=1&status=active&q=a-site")
        t.check("status filters", r.status == 200 and
                [x["name"] for x in r.json["items"]] == ["a-site.com"], r)

        # expires in two days, auto-renew off: expiring (warn_days 30)
        env.sql_write("UPDATE domains SET expires_at = ?, auto_renew = 0 "
                      "WHERE id = ?", now + 2 * 86400, dom)
        r = a.get("/api/v1/domains?live=1&expires_within_days=7")
        t.check("expires_within_days=7 lists the domain expiring in two days",
                r.status == 200 and
                [x["name"] for x in r.json["items"]] == ["a-site.com"], r)
        r = a.get("/api/v1/domains?live=1&expires_before=%d" % (now + 86400))
        t.check("expires_before before its expiry leaves it out",
                r.status == 200 and "a-site.com" not in
                [x["name"] for x in r.json["items"]], r)
        r = a.get("/api/v1/domains?expires_within_days=x")
        t.check("expires_within_days=x: 400", r.status == 400 and
                r.field() == "expires_within_days", r)
        r = a.get("/api/v1/domains/a-site.com")
        t.check("expiring soon on manual renewal: needs_action expiring",
                r.status == 200 and r.json["needs_action"] == "expiring" and
                r.json["check_interval_s"] == 3600, r)
        env.sql_write("UPDATE domains SET auto_renew = 1 WHERE id = ?", dom)
        r = a.get("/api/v1/domains?live=1&q=a-site.com")
        t.check("auto-renew on and not renewed days after it was due: "
                "needs_action autorenew_failed",
                r.status == 200 and
                r.json["items"][0]["needs_action"] == "autorenew_failed", r)
        env.sql_write("UPDATE domains SET expires_at = ? WHERE id = ?",
                      now + 300 * 86400, dom)
        r = a.get("/api/v1/domains/a-site.com")
        t.check("far from expiry: needs_action null",
                r.status == 200 and r.json["needs_action"] is None, r)
    finally:
        env.sql_write("DELETE FROM domains WHERE account_id = ? AND "
                      "created_at = ? AND import_id IS NULL AND status IN "
                      "('failed', 'cancelled') AND NOT EXISTS (SELECT 1 FROM "
                      "operations o WHERE o.domain_id = domains.id)",
                      acct_a, now)
        env.sql_write("UPDATE domains SET expires_at = ?, auto_renew = ? "
                      "WHERE id = ?", saved[0], saved[1], dom)

    r = a.get("/api/v1/operations?kind=transfer")
    t.check("operations carry check_interval_s (the connection's window)",
            r.status == 200 and r.json["items"] and all(
                x["check_interval_s"] == 3600 for x in r.json["items"]), r)
    r = a.post("/api/v1/domains/transfer", {"name": "taken.com",
                                            "auth_code": "wrong-code"})
    op = r.json["operation"]
    t.check("a refused transfer explains itself in plain words "
            "(customer_reason, no registrar code)",
            r.status == 201 and op["state"] == "failed" and
            op["customer_reason"] and
            not op["customer_reason"][:3].isdigit(), r)
    r = a.get("/api/v1/operations?kind=transfer&state=failed")
    t.check("the transfers list has the same customer_reason",
            r.status == 200 and r.json["items"][0]["customer_reason"] ==
            op["customer_reason"], r)
    r = a.get("/api/v1/license/acceptance?domain=new-one.com")
    t.check("license acceptance: accepted, with the current hash",
            r.status == 200 and r.json["accepted"] is True and
            len(r.json["sha256"]) == 64, r)
    r = Client(env.port).get("/api/v1/license/acceptance?domain=x.com")
    t.check("license acceptance needs a login: 401", r.status == 401, r)
    env.rg("account", "add", "dora", "--email", "dora@example.com")
    env.rg("login", "add", "dora", "--role", "customer", "--account", "dora",
           "--password-stdin", stdin="dora-password-1\n")
    d = Client(env.port)
    d.login("dora", "dora-password-1")
    d.call("PUT", "/api/v1/accounts/%d/contacts/owner" %
           d.get("/api/v1/me").json["account"]["id"],
           body=contact("dora@example.com"))
    sha = d.get("/api/v1/license?domain=dora.com").json["sha256"]
    r = d.get("/api/v1/license/acceptance?domain=dora.com")
    t.check("license acceptance: not yet accepted by a new account",
            r.status == 200 and r.json["accepted"] is False and
            r.json["sha256"] == sha, r)
    r = d.post("/api/v1/domains/register", {"name": "dora.com",
                                            "license_sha256": sha})
    msg = r.json["error"]["message"] if r.status == 409 else ""
    t.check("a customer short of funds reads what to do, not the ledger",
            r.status == 409 and r.err() == "refused" and
            "Add funds" in msg and "dora" not in msg and
            "credit limit" not in msg, r)
    t.check("the refusal charged nothing",
            env.sql("SELECT COUNT(*) FROM operations o JOIN accounts a ON "
                    "a.id = o.account_id WHERE a.name = 'dora'") == 0)


def sim_domain(env, name, expiry, owner=SIM_USER):
    """A domain at the registrar that regman did not register (the sim's
    control API)."""
    host, port = env.ctl.replace("http://", "").split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        c.request("POST", "/domains", json.dumps(
            {"name": name, "owner": owner, "expiry": expiry}),
            {"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        if r.status != 200:
            raise RuntimeError("sim POST /domains %s: %d" % (name, r.status))
    finally:
        c.close()


def unknown_domains(env, t, admin, b, acct_b):
    """GET /api/v1/unknown-domains after a sync, and POST
    /api/v1/connections/{id}/import adopting one name into an account."""
    sim_domain(env, "u-api.com", "2031-05-06 07:08:09")
    sim_domain(env, "u-keep.com", "2032-01-02 03:04:05")
    env.rg("lifecycle", "run", "sync")
    cid = env.sql("SELECT id FROM registrar_connections WHERE title = 'sim'")
    r = admin.get("/api/v1/unknown-domains")
    items = r.json["items"] if r.status == 200 else []
    t.check("unknown-domains lists the registrar's names unknown here",
            sorted(x["name"] for x in items) == ["u-api.com", "u-keep.com"],
            r)
    one = [x for x in items if x["name"] == "u-api.com"]
    t.check("an unknown domain: the registrar's expiry, its connection, "
            "when it was seen",
            one and one[0]["expires_at"] == calendar.timegm(
                (2031, 5, 6, 7, 8, 9)) and one[0]["connection"] == "sim" and
            one[0]["connection_id"] == cid and
            one[0]["first_seen_at"] == one[0]["last_seen_at"] > 0, r)
    r = admin.get("/api/v1/unknown-domains?connection_id=%d" % cid)
    t.check("unknown-domains of the connection", r.status == 200 and
            len(r.json["items"]) == 2, r)
    r = admin.get("/api/v1/unknown-domains?connection_id=%d" % (cid + 99))
    t.check("unknown-domains of another connection: none",
            r.status == 200 and r.json["items"] == [], r)
    r = admin.get("/api/v1/unknown-domains?connection_id=x")
    t.check("unknown-domains with a bad connection_id: 400",
            r.status == 400 and r.field() == "connection_id", r)
    r = admin.get("/api/v1/unknown-domains?limit=1")
    t.check("unknown-domains pages", r.status == 200 and
            len(r.json["items"]) == 1 and
            r.json["page"]["next_after"] == r.json["items"][0]["id"], r)
    r2 = admin.get("/api/v1/unknown-domains?limit=1&after=%d" %
                   r.json["page"]["next_after"])
    t.check("unknown-domains: the next page by after=",
            r2.status == 200 and len(r2.json["items"]) == 1 and
            r2.json["items"][0]["id"] < r.json["items"][0]["id"], r2)

    path = "/api/v1/connections/%d/import" % cid
    sig = env.dbsig()
    imports = env.sql("SELECT COUNT(*) FROM imports")
    for desc, p, body, status, code, field in [
        ("a name not at the registrar", path,
         {"account_id": acct_b, "names": ["u-api.com", "not-there.com"]},
         400, "invalid", "names"),
        ("an invalid name", path,
         {"account_id": acct_b, "names": ["bad..name.com"]},
         400, "invalid", "names"),
        ("no names", path, {"account_id": acct_b, "names": []},
         400, "out_of_range", "names"),
        ("names not an array", path,
         {"account_id": acct_b, "names": "u-api.com"},
         400, "wrong_type", "names"),
        ("a name not a string", path, {"account_id": acct_b, "names": [1]},
         400, "wrong_type", "names"),
        ("no account", path, {"names": ["u-api.com"]},
         400, "missing_field", "account_id"),
        ("an account that does not exist", path,
         {"account_id": 999999, "names": ["u-api.com"]},
         404, "not_found", "account_id"),
        ("an unknown field", path,
         {"account_id": acct_b, "names": ["u-api.com"], "all": True},
         400, "unknown_field", "all"),
        ("a connection that does not exist",
         "/api/v1/connections/%d/import" % (cid + 99),
         {"account_id": acct_b, "names": ["u-api.com"]},
         404, "not_found", None),
    ]:
        r = admin.post(p, body)
        t.check("import refuses %s: %d %s" % (desc, status, code),
                r.status == status and r.err() == code and
                r.field() == field, r)
        if desc == "a name not at the registrar":
            msg = r.json["error"]["message"] if r.json else ""
            t.check("the refusal names the name not at the registrar",
                    "not-there.com" in msg and "u-api.com" not in msg, r)
    t.check("refused imports changed nothing",
            env.dbsig() == sig and
            env.sql("SELECT COUNT(*) FROM imports") == imports)

    r = admin.post(path, {"account_id": acct_b, "names": ["U-API.com"]})
    t.check("import adopts the one name into the account",
            r.status == 200 and r.json["adopted"] == 1 and
            r.json["listed"] == 1 and r.json["skipped"] == 0 and
            r.json["account_id"] == acct_b, r)
    t.check("the adopted domain: the account's, active, the registrar's "
            "expiry, no charge",
            env.sql("SELECT account_id || '/' || status || '/' || expires_at "
                    "FROM domains WHERE name = 'u-api.com' AND import_id IS "
                    "NOT NULL") == "%d/active/%d" % (
                        acct_b, calendar.timegm((2031, 5, 6, 7, 8, 9))) and
            env.sql("SELECT COUNT(*) FROM domains WHERE name = 'u-keep.com'")
            == 0)
    r = admin.get("/api/v1/unknown-domains")
    t.check("the adopted name left the unknown list", r.status == 200 and
            [x["name"] for x in r.json["items"]] == ["u-keep.com"], r)
    r = b.get("/api/v1/domains/u-api.com")
    t.check("the account's customer sees the adopted domain",
            r.status == 200, r)
    r = admin.post(path, {"account_id": acct_b, "names": ["u-api.com"]})
    t.check("importing it again adopts nothing (known: skipped)",
            r.status == 200 and r.json["adopted"] == 0 and
            r.json["skipped"] == 1, r)


def authz(env, t, admin, a, b, anon, acct_a, acct_b, op_b, mail_id):
    # admin-only endpoints: customer → 403, anonymous → 401, nothing changed
    admin_only = [
        ("GET", "/api/v1/connections", None),
        ("POST", "/api/v1/connections", {"title": "x", "login": "l",
                                         "key": "k"}),
        ("GET", "/api/v1/connections/1", None),
        ("PATCH", "/api/v1/connections/1", {"warn_days": 1}),
        ("DELETE", "/api/v1/connections/1", None),
        ("POST", "/api/v1/connections/1/test", None),
        ("PUT", "/api/v1/tlds/com", {"terms": [1]}),
        ("DELETE", "/api/v1/tlds/com", None),
        ("POST", "/api/v1/accounts", {"name": "mallory"}),
        ("POST", "/api/v1/accounts/%d/credit" % acct_a, {"amount": 100}),
        ("POST", "/api/v1/accounts/%d/adjust" % acct_a, {"amount": 100,
                                                         "memo": "x"}),
        ("PUT", "/api/v1/accounts/%d/limit" % acct_a, {"credit_limit": 1}),
        ("GET", "/api/v1/audit", None),
        ("GET", "/api/v1/stats", None),
        ("GET", "/api/v1/registrar-log", None),
        ("GET", "/api/v1/registrar-log.csv", None),
        ("GET", "/api/v1/jobs", None),
        ("GET", "/api/v1/mail", None),
        ("GET", "/api/v1/mail/%d" % mail_id, None),
        ("POST", "/api/v1/mail/%d/retry" % mail_id, None),
        ("POST", "/api/v1/operations/%d/check" % op_b, None),
        ("POST", "/api/v1/operations/%d/reset" % op_b, None),
        ("POST", "/api/v1/operations/%d/cancel" % op_b, None),
        ("GET", "/metrics", None),
        ("GET", "/api/v1/unknown-domains", None),
        ("POST", "/api/v1/connections/1/import",
         {"account_id": acct_a, "names": ["u-keep.com"]}),
    ]
    sig = env.dbsig()
    for m, path, body in admin_only:
        r = a.call(m, path, body=body)
        t.check("customer on admin endpoint %s %s: 403" % (m, path),
                r.status == 403 and r.err() == "forbidden", r)
        r = anon.call(m, path, body=body)
        t.check("anonymous on %s %s: 401" % (m, path), r.status == 401, r)
    t.check("refused admin calls changed nothing", env.dbsig() == sig)

    # B's objects seen by A: 404, as if they did not exist
    scoped = [
        ("GET", "/api/v1/accounts/%d" % acct_b, None),
        ("GET", "/api/v1/accounts/%d/history" % acct_b, None),
        ("GET", "/api/v1/accounts/%d/contacts/owner" % acct_b, None),
        ("PUT", "/api/v1/accounts/%d/contacts/owner" % acct_b,
         contact("evil@example.com")),
        ("GET", "/api/v1/domains/b-site.com", None),
        ("POST", "/api/v1/domains/b-site.com/renew", {"term": 1}),
        ("PATCH", "/api/v1/domains/b-site.com", {"auto_renew": True}),
        ("GET", "/api/v1/operations/%d" % op_b, None),
        ("POST", "/api/v1/domains/register", {"name": "steal.com",
                                              "account_id": acct_b}),
        ("POST", "/api/v1/domains/transfer", {"name": "steal.com",
                                              "auth_code": "x",
                                              "account_id": acct_b}),
    ]
    sig = env.dbsig()
    for m, path, body in scoped:
        r = a.call(m, path, body=body)
        t.check("A on B's %s %s: 404" % (m, path),
                r.status == 404 and r.err() == "not_found", r)
        r = anon.call(m, path, body=body)
        t.check("anonymous on %s %s: 401" % (m, path), r.status == 401, r)
    # B's own objects work for B (the 404s above are about ownership)
    r = b.get("/api/v1/domains/b-site.com")
    t.check("B reads b-site.com", r.status == 200, r)
    r = b.get("/api/v1/operations/%d" % op_b)
    t.check("B reads its operation", r.status == 200, r)
    # lists: nothing of B's leaks into A's
    for path in ("/api/v1/domains", "/api/v1/operations",
                 "/api/v1/accounts"):
        r = a.get(path)
        t.check("A's %s has nothing of B's" % path, r.status == 200 and
                "b-site" not in r.body and '"bob"' not in r.body, r)
        r = a.get(path + "?account_id=%d" % acct_b)
        t.check("A's %s?account_id=B is empty" % path, r.status == 200 and
                r.json["items"] == [], r)
    r = a.get("/api/v1/domains/b-site.com/transfer-status")
    t.check("A's transfer status of B's name shows no operation of B's",
            r.status == 200 and r.json["own_transfer"] is False and
            r.json["operation"] is None, r)
    t.check("refused cross-account calls changed nothing",
            env.dbsig() == sig)


if __name__ == "__main__":
    sys.exit(main())
