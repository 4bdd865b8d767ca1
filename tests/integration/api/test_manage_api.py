#!/usr/bin/env python3
"""test_manage_api - an owner's changes after the sale over the JSON API,
against the real regman and opensrs-sim binaries: nameservers (read back
from the sim), the registrar lock (a transfer away at the sim is refused
while it is on), the auth code (shown, reset, set, sent), child
nameservers (created, used, refused removal while in use, renamed and
readdressed, removed - each read back from the sim), the contacts (one
type, and on all of the account's domains) and the list of changes, each as a customer on its own domain and as the admin on any
domain; another customer gets 404 on every endpoint exactly like an
unknown name and nothing is recorded; bad bodies are 400 and record
nothing; reads record nothing.

usage: test_manage_api.py REGMAN OPENSRS_SIM
"""

import http.client
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from apilib import SIM_KEY, SIM_USER, Client, Env, Results  # noqa: E402

BASE = "/api/v1/domains/"


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
    """The sim's control API: (status, JSON)."""
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
        try:
            return r.status, json.loads(text) if text else None
        except ValueError:
            return r.status, text
    finally:
        c.close()


def sim_dom(env, name):
    return ctl(env, "GET", "/state")[1]["domains"][name]


def sim_count(env, action, name):
    return ctl(env, "GET", "/counts")[1]["domains"].get(action, {}).get(
        name, 0)


def changes(env, name=None):
    if name is None:
        return env.sql("SELECT COUNT(*) FROM domain_changes")
    return env.sql("SELECT COUNT(*) FROM domain_changes c JOIN domains d ON "
                   "d.id = c.domain_id WHERE d.name = ?", name)


def setup(env):
    # .ca synchronous: shop.ca is registered at once (no WHOIS privacy for
    # .ca at the sim)
    env.start_sim("--async-tlds", "de,co.uk")
    env.init()
    env.rg("registrar", "add", "--title", "sim", "--server", "127.0.0.1",
           "--port", str(env.sim_port), "--tls", "no", "--login", SIM_USER,
           "--key", SIM_KEY, "--ns", "ns1.example.net,ns2.example.net")
    env.rg("tld", "set", ".com", "--registrar", "sim", "--price",
           "register:1=12.50", "--price", "renew:1=13")
    env.rg("tld", "set", ".ca", "--registrar", "sim", "--price",
           "register:1=15")
    for who in ("alice", "bob"):
        env.rg("account", "add", who, "--email", who + "@example.com")
        env.rg("account", "credit", who, "100", "--ref", "seed-" + who)
        env.rg("account", "contact", who, "--first-name", who.title(),
               "--last-name", "Smith", "--address1", "1 Main St", "--city",
               "Toronto", "--postal-code", "M5V1A1", "--country", "CA",
               "--phone", "+1.4165550123", "--email", who + "@example.com",
               "--cira-legal-type", "CCT")
        env.rg("login", "add", who, "--role", "customer", "--account", who,
               "--password-stdin", stdin=who + "-password-1\n")
    env.rg("login", "add", "admin", "--role", "admin", "--password-stdin",
           stdin="admin-password-1\n")
    env.rg("domain", "register", "shop.com", "--account", "alice")
    env.rg("domain", "register", "bobs.com", "--account", "bob")
    env.rg("domain", "register", "shop2.com", "--account", "alice")
    env.rg("domain", "register", "bobs2.com", "--account", "bob")
    env.start_serve()


def run(env, t):
    setup(env)
    admin, a, b, anon = (Client(env.port) for _ in range(4))
    t.check("admin logs in",
            admin.login("admin", "admin-password-1").status == 200)
    t.check("alice logs in",
            a.login("alice", "alice-password-1").status == 200)
    t.check("bob logs in", b.login("bob", "bob-password-1").status == 200)
    t.check("all four domains active", env.sql(
        "SELECT COUNT(*) FROM domains WHERE status = 'active'") == 4)

    # alice on her own domain, then the admin on bob's
    owner_changes(env, t, a, "shop.com", "account:alice")
    owner_changes(env, t, admin, "bobs.com", "admin")
    hosts_contacts(env, t, a, "shop.com", "shop2.com", "Alice")
    hosts_contacts(env, t, admin, "bobs.com", "bobs2.com", "Bob")
    privacy(env, t, a, "shop.com", "customer")
    privacy(env, t, admin, "bobs.com", "admin")
    privacy_not_offered(env, t, a)
    privacy_paid(env, t, a, "shop2.com", "alice", "account:alice")
    privacy_paid(env, t, admin, "bobs2.com", "bob", "admin")

    # --- another customer: 404 everywhere, like an unknown name ------------
    before = changes(env)
    ns_before = sim_dom(env, "shop.com")["nameservers"]
    auth_before = sim_dom(env, "shop.com")["auth_info"]
    hosts_before = ctl(env, "GET", "/state")[1].get("hosts", {})
    contacts_before = [sim_dom(env, d)["contact_set"]
                       for d in ("shop.com", "shop2.com")]
    sends = sim_count(env, "SEND_AUTHCODE", "shop.com")
    calls = [
        ("GET", "nameservers", None),
        ("PUT", "nameservers",
         {"nameservers": ["ns7.example.net", "ns8.example.net"]}),
        ("GET", "lock", None),
        ("PUT", "lock", {"locked": True}),
        ("GET", "privacy", None),
        ("PUT", "privacy", {"privacy": False}),
        ("GET", "auth-code", None),
        ("POST", "auth-code/reset", None),
        ("POST", "auth-code/reset", {"auth_code": "Bobs-Own-Code-1"}),
        ("POST", "auth-code/send", None),
        ("GET", "changes", None),
        ("GET", "hosts", None),
        ("POST", "hosts", {"name": "ns5.shop.com", "ipv4": "192.0.2.50"}),
        ("PUT", "hosts/ns1.shop.com", {"ipv4": "192.0.2.51"}),
        ("DELETE", "hosts/ns1.shop.com", None),
        ("GET", "contacts", None),
        ("PUT", "contacts", {"contact": {"city": "Bobville"}}),
        ("PUT", "contacts", {"type": "tech", "contact": {"city": "Bobville"},
                             "all_domains": True}),
    ]
    for method, sub, body in calls:
        unknown = b.call(method, BASE + "nosuch-name.com/" + sub, body=body)
        r = b.call(method, BASE + "shop.com/" + sub, body=body)
        t.check("bob: %s %s of alice's domain is 404 like an unknown name"
                % (method, sub),
                r.status == 404 and r.err() == "not_found" and
                r.json["error"]["message"] == "no such domain" and
                unknown.status == 404 and
                r.json["error"] == unknown.json["error"], (r, unknown))
        # a bad body does not tell bob the name exists either
        if body is not None:
            r = b.call(method, BASE + "shop.com/" + sub, body={"x": 1})
            t.check("bob: %s %s with a bad body is 404 too" % (method, sub),
                    r.status == 404 and r.err() == "not_found" and
                    r.json["error"]["message"] == "no such domain", r)
    t.check("bob's attempts recorded nothing",
            changes(env) == before and env.sql(
                "SELECT COUNT(*) FROM domain_changes WHERE actor = "
                "'account:bob'") == 0)
    t.check("bob's attempts changed nothing at the sim",
            sim_dom(env, "shop.com")["nameservers"] == ns_before and
            sim_dom(env, "shop.com")["auth_info"] == auth_before and
            sim_count(env, "SEND_AUTHCODE", "shop.com") == sends and
            sim_dom(env, "shop.com")["locked"] == 0 and
            sim_dom(env, "shop.com")["privacy"] == "enabled" and
            ctl(env, "GET", "/state")[1].get("hosts", {}) == hosts_before and
            [sim_dom(env, d)["contact_set"]
             for d in ("shop.com", "shop2.com")] == contacts_before)
    r = b.get(BASE + "bobs.com/changes")
    t.check("bob sees his own domain's changes (made by the admin)",
            r.status == 200 and len(r.json["items"]) > 0 and
            all(i["actor"] == "admin" for i in r.json["items"]), r)

    # --- a lost answer: read back (200), or unknown (202); sent once ------
    ctl(env, "POST", "/rules",
        {"action": "MODIFY", "fault": "close_after", "count": 1})
    sent = sim_count(env, "MODIFY", "shop.com")
    r = a.call("PUT", BASE + "shop.com/lock", body={"locked": True})
    t.check("a lost answer settled by the read-back: 200 succeeded",
            r.status == 200 and r.json["state"] == "succeeded" and
            "read back" in r.json["answer"], r)
    t.check("MODIFY reached the sim once",
            sim_count(env, "MODIFY", "shop.com") == sent + 1 and
            sim_dom(env, "shop.com")["locked"] == 1)
    ctl(env, "POST", "/rules",
        {"action": "MODIFY", "fault": "close_after", "count": 1})
    ctl(env, "POST", "/rules",
        {"action": "GET", "fault": "close_before", "count": 1})
    r = a.call("PUT", BASE + "shop.com/lock", body={"locked": False})
    t.check("answer and read-back lost: 202 unknown with the change",
            r.status == 202 and r.json["state"] == "unknown" and
            isinstance(r.json["change"], int) and "error" not in r.json, r)
    t.check("MODIFY reached the sim once more, and it was unlocked",
            sim_count(env, "MODIFY", "shop.com") == sent + 2 and
            sim_dom(env, "shop.com")["locked"] == 0)
    r = a.get(BASE + "shop.com/changes?limit=2")
    t.check("listed first: the unknown unlock, then the lock read back",
            r.status == 200 and
            [i["state"] for i in r.json["items"]] == ["unknown", "succeeded"],
            r)
    before = changes(env)

    # --- no login, no CSRF token ---------------------------------------------
    for method, sub, body in calls:
        r = anon.call(method, BASE + "shop.com/" + sub, body=body)
        t.check("anonymous %s %s: 401" % (method, sub),
                r.status == 401 and r.err() == "unauthenticated", r)
    r = a.call("PUT", BASE + "shop.com/lock", body={"locked": True},
               csrf=False)
    t.check("a change without the CSRF token: 403 csrf_failed",
            r.status == 403 and r.err() == "csrf_failed", r)
    t.check("anonymous and CSRF-less calls recorded nothing",
            changes(env) == before)


def privacy(env, t, c, name, who):
    """WHOIS privacy on one domain, shown, turned on, seen at the sim."""
    url = BASE + name + "/privacy"
    before = changes(env, name)
    r = c.get(url)
    t.check("%s: privacy off as registered, offered" % who,
            r.status == 200 and r.json == {
                "domain": name, "privacy": False, "state": "disabled",
                "offered": True, "price": None}, r)
    for body, code, field in [
            (None, "invalid_json", None),
            ({}, "missing_field", "privacy"),
            ({"privacy": "on"}, "wrong_type", "privacy"),
            ({"privacy": True, "x": 1}, "unknown_field", "x")]:
        r = c.call("PUT", url, body=body)
        t.check("%s: PUT privacy %s: 400 %s" % (who, json.dumps(body), code),
                r.status == 400 and r.err() == code and r.field() == field, r)
    t.check("%s: the reads and bad bodies recorded nothing" % who,
            changes(env, name) == before)
    r = c.call("PUT", url, body={"privacy": True})
    t.check("%s: privacy on: 200 succeeded" % who,
            r.status == 200 and r.json["state"] == "succeeded" and
            isinstance(r.json["change"], int), r)
    t.check("%s: the sim holds privacy enabled" % who,
            sim_dom(env, name)["privacy"] == "enabled", sim_dom(env, name))
    r = c.get(url)
    t.check("%s: shown on" % who,
            r.status == 200 and r.json["privacy"] is True and
            r.json["state"] == "enabled", r)


def balance(env, account):
    return env.sql("SELECT balance FROM accounts WHERE name = ?", account)


def privacy_paid(env, t, c, name, account, actor):
    """A TLD with a privacy price: shown, charged once on, refunded once
    when refused, nothing charged when it is on already."""
    url = BASE + name + "/privacy"
    env.rg("tld", "set", ".com", "--price", "privacy:1=5")
    r = c.get(url)
    t.check("%s: the privacy price shown before it is on" % actor,
            r.status == 200 and r.json["price"] == 500 and
            r.json["privacy"] is False, r)
    b0 = balance(env, account)
    # refused by the registrar: charged and refunded, once each
    ctl(env, "POST", "/rules",
        {"action": "MODIFY", "domain": name, "fault": "code_400",
         "count": 1})
    r = c.call("PUT", url, body={"privacy": True})
    t.check("%s: refused: 409 with the refund" % actor,
            r.status == 409 and r.err() == "refused" and
            r.json["operation_state"] == "failed" and
            r.json["charged"] == 500 and r.json["refunded"] == 500, r)
    op = r.json.get("operation") if r.json else None
    t.check("%s: refused: charged once, refunded once" % actor,
            env.sql_rows("SELECT kind FROM ledger_postings WHERE "
                         "operation_id = ? ORDER BY id", op) ==
            [("charge",), ("refund",)] and balance(env, account) == b0)
    r = c.call("PUT", url, body={"privacy": True})
    t.check("%s: privacy on: 200, charged the price" % actor,
            r.status == 200 and r.json["state"] == "succeeded" and
            r.json["operation_state"] == "succeeded" and
            r.json["charged"] == 500 and r.json["refunded"] == 0, r)
    op = r.json.get("operation") if r.json else None
    t.check("%s: one privacy operation for the owner, by %s" % (actor, actor),
            env.sql_rows("SELECT o.kind, o.term, o.amount, a.name, o.actor "
                         "FROM operations o JOIN accounts a ON a.id = "
                         "o.account_id WHERE o.id = ?", op) ==
            [("privacy", 1, 500, account, actor)])
    t.check("%s: the balance went down by the price, once" % actor,
            balance(env, account) == b0 - 500)
    t.check("%s: the sim holds privacy on" % actor,
            sim_dom(env, name)["privacy"] == "enabled")
    r = c.call("PUT", url, body={"privacy": True})
    t.check("%s: already on: 409, nothing charged" % actor,
            r.status == 409 and "already on" in r.json["error"]["message"]
            and balance(env, account) == b0 - 500, r)
    r = c.call("PUT", url, body={"privacy": False})
    t.check("%s: off: free" % actor,
            r.status == 200 and "operation" not in r.json and
            balance(env, account) == b0 - 500, r)
    env.rg("tld", "set", ".com", "--no-price", "privacy:1")
    t.check("%s: audit clean" % actor,
            env.rg("audit", check=False).returncode == 0)


def privacy_not_offered(env, t, c):
    """A TLD without WHOIS privacy: refused before anything is sent."""
    url = BASE + "shop.ca/privacy"
    env.rg("domain", "register", "shop.ca", "--account", "alice")
    r = c.get(url)
    t.check("shop.ca: privacy not offered",
            r.status == 200 and r.json["offered"] is False and
            r.json["privacy"] is False, r)
    sent = sim_count(env, "MODIFY", "shop.ca")
    r = c.call("PUT", url, body={"privacy": True})
    t.check("shop.ca: privacy on: 409 refused, saying it is not offered",
            r.status == 409 and r.err() == "refused" and
            "not offered for .ca" in r.json["error"]["message"] and
            r.json["state"] == "failed", r)
    t.check("shop.ca: nothing sent",
            sim_count(env, "MODIFY", "shop.ca") == sent and
            sim_dom(env, "shop.ca").get("privacy", "disabled") == "disabled")


def owner_changes(env, t, c, name, actor):
    """Every endpoint on one domain by one caller (customer or admin)."""
    who = "customer" if actor.startswith("account:") else "admin"
    url = BASE + name

    # --- reads record nothing ------------------------------------------------
    before = changes(env, name)
    r = c.get(url + "/nameservers")
    t.check("%s: nameservers as registered" % who,
            r.status == 200 and r.json == {
                "domain": name,
                "nameservers": ["ns1.example.net", "ns2.example.net"]}, r)
    r = c.get(url + "/lock")
    t.check("%s: unlocked as registered" % who,
            r.status == 200 and r.json == {"domain": name, "locked": False},
            r)
    r = c.get(url + "/auth-code")
    first = (r.json or {}).get("auth_code")
    t.check("%s: the auth code shown is the registry's" % who,
            r.status == 200 and first and
            first == sim_dom(env, name)["auth_info"], r)
    r = c.get(url + "/changes")
    t.check("%s: no changes yet" % who,
            r.status == 200 and r.json["items"] == [], r)
    t.check("%s: the reads recorded nothing" % who,
            changes(env, name) == before)

    # --- bad bodies: 400, nothing recorded or sent ---------------------------
    sim_before = sim_dom(env, name)
    updates = sim_count(env, "ADVANCED_UPDATE_NAMESERVERS", name)
    bad = [
        ("PUT", "nameservers", None, "invalid_json", None),
        ("PUT", "nameservers", "not json", "invalid_json", None),
        ("PUT", "nameservers", [], "wrong_type", None),
        ("PUT", "nameservers", {}, "missing_field", "nameservers"),
        ("PUT", "nameservers", {"nameservers": "ns1.example.net"},
         "wrong_type", "nameservers"),
        ("PUT", "nameservers", {"nameservers": ["ns1.example.net"]},
         "out_of_range", "nameservers"),
        ("PUT", "nameservers",
         {"nameservers": ["ns%d.example.net" % i for i in range(14)]},
         "out_of_range", "nameservers"),
        ("PUT", "nameservers", {"nameservers": ["ns1.example.net", 2]},
         "wrong_type", "nameservers"),
        ("PUT", "nameservers",
         {"nameservers": ["ns1.example.net", "bad host!.net"]},
         "invalid", "nameservers"),
        ("PUT", "nameservers",
         {"nameservers": ["ns1.example.net", "-x-.example.net"]},
         "invalid", "nameservers"),
        ("PUT", "nameservers",
         {"nameservers": ["ns1.example.net", "NS1.example.net"]},
         "invalid", "nameservers"),
        ("PUT", "nameservers",
         {"nameservers": ["ns1.example.net", "a" * 300 + ".net"]},
         "invalid", "nameservers"),
        ("PUT", "nameservers",
         {"nameservers": ["ns5.example.net", "ns6.example.net"], "x": 1},
         "unknown_field", "x"),
        ("PUT", "lock", None, "invalid_json", None),
        ("PUT", "lock", {}, "missing_field", "locked"),
        ("PUT", "lock", {"locked": "yes"}, "wrong_type", "locked"),
        ("PUT", "lock", {"locked": 1}, "wrong_type", "locked"),
        ("PUT", "lock", {"locked": True, "force": True}, "unknown_field",
         "force"),
        ("POST", "auth-code/reset", {"auth_code": "has space 1"}, "invalid",
         "auth_code"),
        ("POST", "auth-code/reset", {"auth_code": 123456}, "wrong_type",
         "auth_code"),
        ("POST", "auth-code/reset", {"auth_code": "abc"}, "out_of_range",
         "auth_code"),
        ("POST", "auth-code/reset", {"auth_code": "x" * 33}, "out_of_range",
         "auth_code"),
        ("POST", "auth-code/reset", {"code": "Good-Code-1"},
         "unknown_field", "code"),
        ("POST", "auth-code/send", {"to": "me@example.com"},
         "unknown_field", "to"),
    ]
    for method, sub, body, code, field in bad:
        if isinstance(body, str):
            r = c.call(method, url + "/" + sub, raw=body)
        else:
            r = c.call(method, url + "/" + sub, body=body)
        t.check("%s: %s %s %s: 400 %s" % (who, method, sub,
                                           json.dumps(body)[:60], code),
                r.status == 400 and r.err() == code and r.field() == field,
                r)
    r = c.get(url + "/changes?limit=0")
    t.check("%s: changes?limit=0: 400 out_of_range" % who,
            r.status == 400 and r.err() == "out_of_range", r)
    t.check("%s: the bad bodies recorded nothing" % who,
            changes(env, name) == before)
    t.check("%s: and sent nothing" % who,
            sim_dom(env, name) == sim_before and
            sim_count(env, "ADVANCED_UPDATE_NAMESERVERS", name) == updates)

    # --- nameservers ---------------------------------------------------------
    want = ["ns3.example.net", "ns4.example.net"]
    r = c.call("PUT", url + "/nameservers", body={"nameservers": want})
    t.check("%s: set nameservers: 200 succeeded with the change" % who,
            r.status == 200 and r.json["state"] == "succeeded" and
            r.json["domain"] == name and
            isinstance(r.json["change"], int) and "error" not in r.json, r)
    t.check("%s: the sim holds the new nameservers" % who,
            sim_dom(env, name)["nameservers"] == want,
            sim_dom(env, name))
    r = c.get(url + "/nameservers")
    t.check("%s: read back through regman" % who,
            r.status == 200 and r.json["nameservers"] == want, r)
    child = "ns1." + name
    r = c.call("PUT", url + "/nameservers",
               body={"nameservers": [child, "ns3.example.net"]})
    t.check("%s: a child host not created yet: 409 refused naming it" % who,
            r.status == 409 and r.err() == "refused" and
            child in r.json["error"]["message"] and
            r.json["state"] == "failed" and child in r.json["answer"] and
            isinstance(r.json["change"], int), r)
    t.check("%s: nothing assigned at the sim" % who,
            sim_dom(env, name)["nameservers"] == want)

    # --- lock ----------------------------------------------------------------
    r = c.call("PUT", url + "/lock", body={"locked": True})
    t.check("%s: lock: 200 succeeded" % who,
            r.status == 200 and r.json["state"] == "succeeded", r)
    r = c.get(url + "/lock")
    t.check("%s: shown locked" % who,
            r.status == 200 and r.json["locked"] is True, r)
    t.check("%s: the sim holds the lock" % who,
            sim_dom(env, name)["locked"] == 1)
    st, _ = ctl(env, "POST", "/transfers/away", {"domain": name})
    t.check("%s: a transfer away is refused at the sim while locked" % who,
            st == 409, st)
    r = c.call("PUT", url + "/lock", body={"locked": False})
    t.check("%s: unlock: 200 succeeded" % who,
            r.status == 200 and r.json["state"] == "succeeded", r)
    t.check("%s: the sim holds it unlocked" % who,
            sim_dom(env, name)["locked"] == 0)
    r = c.get(url + "/lock")
    t.check("%s: shown unlocked" % who,
            r.status == 200 and r.json["locked"] is False, r)

    # --- auth code -----------------------------------------------------------
    r = c.post(url + "/auth-code/reset")
    new = (r.json or {}).get("auth_code")
    t.check("%s: reset: 200 with a new random code" % who,
            r.status == 200 and r.json["state"] == "succeeded" and new and
            new != first and len(new) == 16, r)
    t.check("%s: the sim holds the new code" % who,
            sim_dom(env, name)["auth_info"] == new)
    r = c.get(url + "/auth-code")
    t.check("%s: shown through regman" % who,
            r.status == 200 and r.json["auth_code"] == new, r)
    given = "Given-Code-%s" % ("C" if who == "customer" else "A")
    r = c.post(url + "/auth-code/reset", {"auth_code": given})
    t.check("%s: reset to a given code: 200 with it" % who,
            r.status == 200 and r.json["state"] == "succeeded" and
            r.json["auth_code"] == given, r)
    t.check("%s: the sim holds the given code" % who,
            sim_dom(env, name)["auth_info"] == given)
    r = c.post(url + "/auth-code/send")
    t.check("%s: send: 200 succeeded" % who,
            r.status == 200 and r.json["state"] == "succeeded" and
            "auth_code" not in r.json, r)
    t.check("%s: the sim sent it once" % who,
            sim_count(env, "SEND_AUTHCODE", name) == 1)
    t.check("%s: no code reaches the record" % who, env.sql(
        "SELECT COUNT(*) FROM domain_changes WHERE request LIKE ? OR "
        "request LIKE ?", "%" + new + "%", "%" + given + "%") == 0)

    # --- the record ----------------------------------------------------------
    before = changes(env, name)
    r = c.get(url + "/changes")
    items = r.json["items"] if r.status == 200 else []
    t.check("%s: every change listed, newest first" % who,
            [(i["kind"], i["state"]) for i in items] == [
                ("auth_code_send", "succeeded"),
                ("auth_code", "succeeded"),
                ("auth_code", "succeeded"),
                ("lock", "succeeded"),
                ("lock", "succeeded"),
                ("nameservers", "failed"),
                ("nameservers", "succeeded")] and
            [i["id"] for i in items] == sorted(
                [i["id"] for i in items], reverse=True), r)
    t.check("%s: each with who asked, what, the answer and its times" % who,
            items and all(i["actor"] == actor and i["answer"] and
                          isinstance(i["created_at"], int) and
                          isinstance(i["finished_at"], int) for i in items) and
            json.loads(items[-1]["request"]) == {"nameservers": want} and
            json.loads(items[3]["request"]) == {"lock": False} and
            child in items[-2]["answer"], items)
    r2 = c.get(url + "/changes?limit=2")
    t.check("%s: paged like every list" % who,
            r2.status == 200 and
            [i["id"] for i in r2.json["items"]] ==
            [i["id"] for i in items[:2]] and
            r2.json["page"]["next_after"] == items[1]["id"], r2)
    r3 = c.get(url + "/changes?limit=2&after=%d" %
               r2.json["page"]["next_after"]) if r2.status == 200 else r2
    t.check("%s: the next page after it" % who,
            r3.status == 200 and [i["id"] for i in r3.json["items"]] ==
            [i["id"] for i in items[2:4]], r3)
    t.check("%s: rows match the database" % who,
            before == len(items) and env.sql(
                "SELECT COUNT(*) FROM domain_changes WHERE actor = ? AND "
                "state IN ('new', 'sending')", actor) == 0)


def sim_host(env, host):
    return ctl(env, "GET", "/state")[1].get("hosts", {}).get(host)


def last_kinds(c, url, n):
    r = c.get(url + "/changes?limit=%d" % n)
    return [(i["kind"], i["state"]) for i in r.json["items"]] \
        if r.status == 200 else r


def hosts_contacts(env, t, c, name, sibling, first):
    """Child nameservers and contacts of one domain by one caller."""
    who = "customer" if first == "Alice" else "admin"
    url = BASE + name
    child, renamed = "ns1." + name, "dns1." + name

    # --- reads record nothing ------------------------------------------------
    before = changes(env, name)
    r = c.get(url + "/hosts")
    t.check("%s: no child nameservers yet" % who,
            r.status == 200 and r.json == {"domain": name, "hosts": []}, r)
    r = c.get(url + "/contacts")
    t.check("%s: the contacts as the sim holds them (no tech: null)" % who,
            r.status == 200 and r.json["domain"] == name and
            all(r.json[k]["first_name"] == first and
                r.json[k]["city"] == "Toronto" and
                r.json[k]["country"] == "CA" and
                set(r.json[k]) >= {"last_name", "org_name", "address1",
                                   "address2", "address3", "state",
                                   "postal_code", "phone", "fax", "email",
                                   "url", "lang_pref"}
                for k in ("owner", "admin", "billing")) and
            r.json["tech"] is None and
            "tech" not in sim_dom(env, name)["contact_set"], r)
    t.check("%s: the host and contact reads recorded nothing" % who,
            changes(env, name) == before)

    # --- bad bodies: 400 naming the field, nothing recorded or sent ----------
    sim_before = (sim_dom(env, name), sim_dom(env, sibling),
                  ctl(env, "GET", "/state")[1].get("hosts", {}))
    both = changes(env, name) + changes(env, sibling)
    ok4 = "192.0.2.10"
    bad = [
        ("POST", "hosts", None, "invalid_json", None),
        ("POST", "hosts", {}, "missing_field", "name"),
        ("POST", "hosts", {"name": child}, "missing_field", "ipv4"),
        ("POST", "hosts", {"name": 5, "ipv4": ok4}, "wrong_type", "name"),
        ("POST", "hosts", {"name": child, "ipv4": 1}, "wrong_type", "ipv4"),
        ("POST", "hosts", {"name": child, "ipv4": "300.1.1.1"}, "invalid",
         "ipv4"),
        ("POST", "hosts", {"name": child, "ipv4": "2001:db8::1"}, "invalid",
         "ipv4"),
        ("POST", "hosts", {"name": child, "ipv6": "192.0.2.1"}, "invalid",
         "ipv6"),
        ("POST", "hosts", {"name": "ns1.other.net", "ipv4": ok4}, "invalid",
         "name"),
        ("POST", "hosts", {"name": name, "ipv4": ok4}, "invalid", "name"),
        ("POST", "hosts", {"name": "bad host!." + name, "ipv4": ok4},
         "invalid", "name"),
        ("POST", "hosts", {"name": child, "ipv4": ok4, "ttl": 5},
         "unknown_field", "ttl"),
        ("PUT", "hosts/" + child, None, "invalid_json", None),
        ("PUT", "hosts/" + child, {}, "missing_field", "ipv4"),
        ("PUT", "hosts/" + child, {"rename": renamed}, "missing_field",
         "ipv4"),
        ("PUT", "hosts/" + child, {"ipv4": ok4, "rename": "dns1.other.net"},
         "invalid", "rename"),
        ("PUT", "hosts/" + child, {"ipv4": ok4, "rename": 7}, "wrong_type",
         "rename"),
        ("PUT", "hosts/ns1.other.net", {"ipv4": ok4}, "invalid", "host"),
        ("PUT", "hosts/" + child, {"ipv4": ok4, "x": 1}, "unknown_field",
         "x"),
        ("DELETE", "hosts/ns1.other.net", None, "invalid", "host"),
        ("PUT", "contacts", None, "invalid_json", None),
        ("PUT", "contacts", {}, "missing_field", "contact"),
        ("PUT", "contacts", {"contact": {}}, "missing_field", "contact"),
        ("PUT", "contacts", {"contact": "Ottawa"}, "wrong_type", "contact"),
        ("PUT", "contacts", {"contact": {"town": "Ottawa"}},
         "unknown_field", "contact.town"),
        ("PUT", "contacts", {"contact": {"city": 5}}, "wrong_type",
         "contact.city"),
        ("PUT", "contacts", {"contact": {"phone": "4165550123"}}, "invalid",
         "contact.phone"),
        ("PUT", "contacts", {"type": "admin", "contact": {"country": "XX"}},
         "invalid", "contact.country"),
        ("PUT", "contacts", {"type": "boss", "contact": {"city": "Ottawa"}},
         "invalid", "type"),
        ("PUT", "contacts", {"contact": {"city": "Ottawa"},
                             "all_domains": "yes"}, "wrong_type",
         "all_domains"),
        ("PUT", "contacts", {"contact": {"phone": "4165550123"},
                             "all_domains": True}, "invalid",
         "contact.phone"),
        ("PUT", "contacts", {"contact": {"city": "Ottawa"}, "x": 1},
         "unknown_field", "x"),
    ]
    for method, sub, body, code, field in bad:
        r = c.call(method, url + "/" + sub, body=body)
        t.check("%s: %s %s %s: 400 %s %s" % (who, method, sub,
                                              json.dumps(body)[:60], code,
                                              field),
                r.status == 400 and r.err() == code and r.field() == field,
                r)
    t.check("%s: the bad host and contact bodies recorded nothing" % who,
            changes(env, name) + changes(env, sibling) == both)
    t.check("%s: and changed nothing at the sim" % who,
            (sim_dom(env, name), sim_dom(env, sibling),
             ctl(env, "GET", "/state")[1].get("hosts", {})) == sim_before)

    # --- a child nameserver: created, used, kept while in use ---------------
    r = c.post(url + "/hosts",
               {"name": child, "ipv4": ok4, "ipv6": "2001:db8::10"})
    t.check("%s: create a child host: 200 succeeded with the change" % who,
            r.status == 200 and r.json["state"] == "succeeded" and
            r.json["domain"] == name and
            isinstance(r.json["change"], int) and "error" not in r.json, r)
    h = sim_host(env, child) or {}
    t.check("%s: the sim holds the host with both addresses" % who,
            h.get("ipaddress") == [ok4] and h.get("ipv6") == ["2001:db8::10"],
            h)
    r = c.get(url + "/hosts")
    t.check("%s: listed, not in use" % who,
            r.status == 200 and r.json["hosts"] == [
                {"name": child, "ipv4": ok4, "ipv6": "2001:db8::10",
                 "in_use": False}], r)
    ns = [child, "ns3.example.net"]
    r = c.call("PUT", url + "/nameservers", body={"nameservers": ns})
    t.check("%s: the child host as a nameserver: 200" % who,
            r.status == 200 and r.json["state"] == "succeeded", r)
    t.check("%s: the sim delegates to it" % who,
            sim_dom(env, name)["nameservers"] == ns, sim_dom(env, name))
    r = c.get(url + "/hosts")
    t.check("%s: listed in use" % who,
            r.status == 200 and len(r.json["hosts"]) == 1 and
            r.json["hosts"][0]["in_use"] is True, r)
    r = c.call("DELETE", url + "/hosts/" + child)
    t.check("%s: delete while in use: 409 refused with the change" % who,
            r.status == 409 and r.err() == "refused" and
            r.json["state"] == "failed" and
            isinstance(r.json["change"], int) and r.json["answer"], r)
    t.check("%s: the sim still holds it" % who,
            sim_host(env, child) is not None)

    # --- renamed and readdressed; the delegation follows ---------------------
    r = c.call("PUT", url + "/hosts/" + child,
               body={"ipv4": "192.0.2.20", "rename": renamed})
    t.check("%s: rename and readdress: 200 succeeded" % who,
            r.status == 200 and r.json["state"] == "succeeded", r)
    h = sim_host(env, renamed) or {}
    t.check("%s: the sim holds the renamed host, IPv4 only" % who,
            sim_host(env, child) is None and
            h.get("ipaddress") == ["192.0.2.20"] and not h.get("ipv6"), h)
    t.check("%s: the sim's delegation follows the rename" % who,
            sim_dom(env, name)["nameservers"] == [renamed, "ns3.example.net"],
            sim_dom(env, name))
    r = c.call("PUT", url + "/hosts/" + renamed,
               body={"ipv6": "2001:db8::20", "rename": child})
    t.check("%s: switched back, IPv6 only: 200" % who,
            r.status == 200 and r.json["state"] == "succeeded", r)
    h = sim_host(env, child) or {}
    t.check("%s: the sim holds it back under its name" % who,
            sim_host(env, renamed) is None and not h.get("ipaddress") and
            h.get("ipv6") == ["2001:db8::20"] and
            sim_dom(env, name)["nameservers"] == ns, h)
    r = c.get(url + "/hosts")
    t.check("%s: listed as the sim holds it" % who,
            r.status == 200 and r.json["hosts"] == [
                {"name": child, "ipv4": "", "ipv6": "2001:db8::20",
                 "in_use": True}], r)

    # --- out of use, then removed --------------------------------------------
    ns = ["ns3.example.net", "ns4.example.net"]
    r = c.call("PUT", url + "/nameservers", body={"nameservers": ns})
    t.check("%s: delegation back to external hosts: 200" % who,
            r.status == 200 and sim_dom(env, name)["nameservers"] == ns, r)
    r = c.call("DELETE", url + "/hosts/" + child)
    t.check("%s: delete: 200 succeeded" % who,
            r.status == 200 and r.json["state"] == "succeeded", r)
    t.check("%s: gone from the sim" % who, sim_host(env, child) is None)
    r = c.get(url + "/hosts")
    t.check("%s: none listed" % who,
            r.status == 200 and r.json["hosts"] == [], r)
    t.check("%s: each host change recorded" % who,
            last_kinds(c, url, 6) == [
                ("host_delete", "succeeded"), ("nameservers", "succeeded"),
                ("host_modify", "succeeded"), ("host_modify", "succeeded"),
                ("host_delete", "failed"), ("nameservers", "succeeded")],
            last_kinds(c, url, 6))

    # --- contacts ------------------------------------------------------------
    r = c.call("PUT", url + "/contacts",
               body={"type": "owner",
                     "contact": {"city": "Ottawa", "postal_code": "K1A0B1"}})
    t.check("%s: the owner moves: 200 succeeded" % who,
            r.status == 200 and r.json["state"] == "succeeded" and
            isinstance(r.json["change"], int), r)
    cs = sim_dom(env, name)["contact_set"]
    t.check("%s: the sim holds the owner's new city, the rest kept" % who,
            cs["owner"]["city"] == "Ottawa" and
            cs["owner"]["postal_code"] == "K1A0B1" and
            cs["owner"]["first_name"] == first and
            cs["admin"]["city"] == "Toronto", cs)
    t.check("%s: the other domain untouched" % who,
            sim_dom(env, sibling)["contact_set"]["owner"]["city"] ==
            "Toronto")
    r = c.get(url + "/contacts")
    t.check("%s: read back through regman" % who,
            r.status == 200 and r.json["owner"]["city"] == "Ottawa" and
            r.json["admin"]["city"] == "Toronto", r)
    mail = "hostmaster@%s.example" % first.lower()
    r = c.call("PUT", url + "/contacts",
               body={"type": "admin", "contact": {"email": mail},
                     "all_domains": True})
    items = r.json.get("changes", []) if r.status == 200 else []
    t.check("%s: all domains: 200 with each change and the counts" % who,
            r.status == 200 and r.json["succeeded"] == 2 and
            r.json["failed"] == 0 and r.json["unknown"] == 0 and
            sorted(i["domain"] for i in items) == sorted([name, sibling]) and
            all(i["state"] == "succeeded" and isinstance(i["change"], int)
                for i in items), r)
    t.check("%s: the sim holds the admin email on both" % who,
            all(sim_dom(env, d)["contact_set"]["admin"]["email"] == mail
                for d in (name, sibling)))
    t.check("%s: no contact value reaches the record" % who, env.sql(
        "SELECT COUNT(*) FROM domain_changes WHERE request LIKE ? OR "
        "request LIKE ?", "%Ottawa%", "%" + mail + "%") == 0)


if __name__ == "__main__":
    sys.exit(main())
