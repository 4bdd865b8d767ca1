#!/usr/bin/env python3
"""test_manage_api - an owner's changes after the sale over the JSON API,
against the real regman and opensrs-sim binaries: nameservers (read back
from the sim), the registrar lock (a transfer away at the sim is refused
while it is on), the auth code (shown, reset, set, sent) and the list of
changes, each as a customer on its own domain and as the admin on any
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
    env.start_sim()
    env.init()
    env.rg("registrar", "add", "--title", "sim", "--server", "127.0.0.1",
           "--port", str(env.sim_port), "--tls", "no", "--login", SIM_USER,
           "--key", SIM_KEY, "--ns", "ns1.example.net,ns2.example.net")
    env.rg("tld", "set", ".com", "--registrar", "sim", "--price",
           "register:1=12.50", "--price", "renew:1=13")
    for who in ("alice", "bob"):
        env.rg("account", "add", who, "--email", who + "@example.com")
        env.rg("account", "credit", who, "100", "--ref", "seed-" + who)
        env.rg("account", "contact", who, "--first-name", who.title(),
               "--last-name", "Smith", "--address1", "1 Main St", "--city",
               "Toronto", "--postal-code", "M5V1A1", "--country", "CA",
               "--phone", "+1.4165550123", "--email", who + "@example.com")
        env.rg("login", "add", who, "--role", "customer", "--account", who,
               "--password-stdin", stdin=who + "-password-1\n")
    env.rg("login", "add", "admin", "--role", "admin", "--password-stdin",
           stdin="admin-password-1\n")
    env.rg("domain", "register", "shop.com", "--account", "alice")
    env.rg("domain", "register", "bobs.com", "--account", "bob")
    env.start_serve()


def run(env, t):
    setup(env)
    admin, a, b, anon = (Client(env.port) for _ in range(4))
    t.check("admin logs in",
            admin.login("admin", "admin-password-1").status == 200)
    t.check("alice logs in",
            a.login("alice", "alice-password-1").status == 200)
    t.check("bob logs in", b.login("bob", "bob-password-1").status == 200)
    t.check("both domains active", env.sql(
        "SELECT COUNT(*) FROM domains WHERE status = 'active'") == 2)

    # alice on her own domain, then the admin on bob's
    owner_changes(env, t, a, "shop.com", "account:alice")
    owner_changes(env, t, admin, "bobs.com", "admin")

    # --- another customer: 404 everywhere, like an unknown name ------------
    before = changes(env)
    ns_before = sim_dom(env, "shop.com")["nameservers"]
    auth_before = sim_dom(env, "shop.com")["auth_info"]
    sends = sim_count(env, "SEND_AUTHCODE", "shop.com")
    calls = [
        ("GET", "nameservers", None),
        ("PUT", "nameservers",
         {"nameservers": ["ns7.example.net", "ns8.example.net"]}),
        ("GET", "lock", None),
        ("PUT", "lock", {"locked": True}),
        ("GET", "auth-code", None),
        ("POST", "auth-code/reset", None),
        ("POST", "auth-code/reset", {"auth_code": "Bobs-Own-Code-1"}),
        ("POST", "auth-code/send", None),
        ("GET", "changes", None),
    ]
    for method, sub, body in calls:
        unknown = b.call(method, BASE + "nosuch-name.com/" + sub, body=body)
        r = b.call(method, BASE + "shop.com/" + sub, body=body)
        t.check("bob: %s %s of alice's domain is 404 like an unknown name"
                % (method, sub),
                r.status == 404 and r.err() == "not_found" and
                unknown.status == 404 and
                r.json["error"] == unknown.json["error"], (r, unknown))
        # a bad body does not tell bob the name exists either
        if body is not None:
            r = b.call(method, BASE + "shop.com/" + sub, body={"x": 1})
            t.check("bob: %s %s with a bad body is 404 too" % (method, sub),
                    r.status == 404 and r.err() == "not_found", r)
    t.check("bob's attempts recorded nothing",
            changes(env) == before and env.sql(
                "SELECT COUNT(*) FROM domain_changes WHERE actor = "
                "'account:bob'") == 0)
    t.check("bob's attempts changed nothing at the sim",
            sim_dom(env, "shop.com")["nameservers"] == ns_before and
            sim_dom(env, "shop.com")["auth_info"] == auth_before and
            sim_count(env, "SEND_AUTHCODE", "shop.com") == sends and
            sim_dom(env, "shop.com")["locked"] == 0)
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


if __name__ == "__main__":
    sys.exit(main())
