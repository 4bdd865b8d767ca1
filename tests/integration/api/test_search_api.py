#!/usr/bin/env python3
"""test_search_api - GET /api/v1/search ("search like a shop") against the
real regman and opensrs-sim binaries: a bare word lists the word in every
TLD sold with availability and its price in minor units, and suggestions
with theirs; the name typed comes first; a TLD not sold gives the word
across the TLDs sold; a taken name is taken; a registry premium name is
never orderable and carries no price; bad input is 400 naming the field
and asks no registrar; one NAME_SUGGEST per connection; a registrar that
does not answer leaves its names unknown (200, answered false); and the
search is throttled with the lookups, every registrar call counting.

usage: test_search_api.py REGMAN OPENSRS_SIM
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
    for part in (search, throttle):
        env = Env(regman, sim)
        try:
            part(env, t)
        except Exception as e:  # a crash is a failure, not a skip
            import traceback
            traceback.print_exc()
            t.check("%s ran to the end: %s" % (part.__name__, e), False)
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
        return r.status, json.loads(text) if text else None
    finally:
        c.close()


def actions(env, name):
    return ctl(env, "GET", "/counts")[1]["actions"].get(name, 0)


def calls_logged(env):
    """Calls logged, but for the event stream's POLL and ACK, which the
    daemon makes at times of its own."""
    return env.sql("SELECT COUNT(*) FROM registrar_log "
                   "WHERE action NOT IN ('POLL', 'ACK')")


def setup(env, limit):
    env.start_sim()
    env.init()
    with open(env.conf, "a") as f:
        f.write("\n[http]\nlookup_per_min = %d\n" % limit)
    for title, tlds in (("sim", ("com", "net", "org")),
                        ("sim2", ("info", "biz"))):
        env.rg("registrar", "add", "--title", title, "--server", "127.0.0.1",
               "--port", str(env.sim_port), "--tls", "no", "--login",
               SIM_USER, "--key", SIM_KEY)
        for tld in tlds:
            env.rg("tld", "set", "." + tld, "--registrar", title, "--terms",
                   "1-10", "--price", "register:1=12.50", "--price",
                   "register:3=30", "--price", "renew:1=13")
    env.rg("account", "add", "alice", "--email", "alice@example.com")
    env.rg("login", "add", "alice", "--role", "customer", "--account",
           "alice", "--password-stdin", stdin="alice-password-1\n")
    env.start_serve()


def search(env, t):
    setup(env, 0)
    anon, alice = Client(env.port), Client(env.port)
    t.check("alice logs in",
            alice.login("alice", "alice-password-1").status == 200)

    ns, lk = actions(env, "NAME_SUGGEST"), actions(env, "LOOKUP")
    logged = calls_logged(env)
    r = anon.get("/api/v1/search?q=mynewshop")
    t.check("a visitor's search: 200", r.status == 200, r)
    j = r.json
    res = j["results"]
    t.check("every TLD sold, in order",
            [x["name"] for x in res] == ["mynewshop.%s" % x for x in
                                         ("biz", "com", "info", "net",
                                          "org")], res)
    t.check("each available and orderable, its 1-year price in minor units",
            all(x["availability"] == "available" and x["available"] and
                x["orderable"] and x["price"] == 1250 and
                x["currency"] == "USD" for x in res), res)
    t.check("the terms offered with their register prices",
            res[0]["terms"] == {"1": 1250, "3": 3000}, res[0])
    t.check("every operation's prices, as a lookup shows them",
            res[0]["prices"]["renew"] == {"1": 1300}, res[0])
    t.check("a bare word: nothing typed first, no TLD typed",
            not any(x["exact"] for x in res) and j["typed_tld"] is None and
            j["label"] == "mynewshop" and j["query"] == "mynewshop", j)
    sug = j["suggestions"]
    plain = [x for x in sug if not x["premium"]]
    prem = [x for x in sug if x["premium"]]
    t.check("suggestions in the TLDs sold, at most 10",
            3 <= len(sug) <= 10 and
            all(x["tld"] in ("biz", "com", "info", "net", "org") and
                x["availability"] == "available" and
                "mynewshop" in x["name"] for x in sug), sug)
    t.check("plain suggestions are orderable with their price",
            plain and all(x["orderable"] and x["price"] == 1250
                          for x in plain), plain)
    t.check("premium suggestions: not orderable, no price",
            prem and all(not x["orderable"] and x["price"] is None and
                         x["terms"] == {} and "prices" not in x
                         for x in prem), prem)
    t.check("one NAME_SUGGEST per connection, no LOOKUP",
            (actions(env, "NAME_SUGGEST") - ns, actions(env, "LOOKUP") - lk)
            == (2, 0) and j["registrar_calls"] == 2 and
            j["connections"] == 2 and j["answered"] is True, j)
    t.check("both calls in the registrar log",
            calls_logged(env) - logged == 2)

    r = anon.get("/api/v1/search?q=mynewshop.net&max=3")
    t.check("the name typed first; max=3 suggestions at most",
            r.status == 200 and r.json["results"][0]["name"] ==
            "mynewshop.net" and r.json["results"][0]["exact"] and
            r.json["typed_tld_sold"] and len(r.json["suggestions"]) <= 3, r)
    r = anon.get("/api/v1/search?q=mynewshop.xyz")
    t.check("a TLD not sold: said so, the word across the TLDs sold",
            r.status == 200 and r.json["typed_tld"] == "xyz" and
            r.json["typed_tld_sold"] is False and
            len(r.json["results"]) == 5, r)
    r = anon.get("/api/v1/search?q=taken.com")
    t.check("a name registered elsewhere is taken, not orderable",
            r.status == 200 and r.json["results"][0]["availability"] ==
            "taken" and not r.json["results"][0]["orderable"], r)
    r = alice.get("/api/v1/search?q=" + "b%C3%BCcher")
    t.check("IDN: searched with its A-label, shown in both forms",
            r.status == 200 and r.json["label"] == "xn--bcher-kva" and
            r.json["results"][1]["unicode"] == "bücher.com" and
            r.json["results"][1]["name"] == "xn--bcher-kva.com", r)

    ctl(env, "POST", "/premium", {"name": "luxury.net", "price": "2500.00"})
    r = anon.get("/api/v1/search?q=luxury.net")
    x = r.json["results"][0] if r.status == 200 else {}
    t.check("a registry premium name: premium, not orderable, no price",
            x.get("name") == "luxury.net" and x.get("premium") is True and
            x.get("orderable") is False and x.get("price") is None and
            x.get("availability") == "available" and
            "premium" in x.get("reason", ""), r)

    # bad input: 400 naming the field, no registrar asked
    logged = calls_logged(env)
    for q, field, code, why in (
            (None, "q", "missing_field", "no q"),
            ("", "q", "invalid", "an empty q"),
            ("..", "q", "invalid", "q '..'"),
            ("a" * 300, "q", "invalid", "q of 300 characters"),
            ("a" * 1100, "q", "out_of_range", "q past 1024 bytes"),
            ("my%20shop", "q", "invalid", "a label with a space")):
        path = "/api/v1/search" + ("" if q is None else "?q=" + q)
        r = anon.get(path)
        t.check("%s: 400 %s on %s" % (why, code, field),
                r.status == 400 and r.err() == code and r.field() == field, r)
    for m in ("0", "51", "ten"):
        r = anon.get("/api/v1/search?q=mynewshop&max=" + m)
        t.check("max=%s: 400 on max" % m,
                r.status == 400 and r.field() == "max", r)
    t.check("bad input asked no registrar",
            calls_logged(env) == logged)

    # a registrar that does not answer: unknown, never made up
    ctl(env, "POST", "/rules", {"action": "NAME_SUGGEST",
                                "fault": "close_before"})
    ctl(env, "POST", "/rules", {"action": "LOOKUP", "fault": "close_before"})
    r = anon.get("/api/v1/search?q=mynewshop")
    t.check("no registrar answers: 200, answered false, all unknown",
            r.status == 200 and r.json["answered"] is False and
            all(x["availability"] == "unknown" and not x["orderable"] and
                "did not answer" in x["reason"] for x in r.json["results"])
            and r.json["suggestions"] == [], r)
    ctl(env, "DELETE", "/rules")


def throttle(env, t):
    """The lookups' budget (5 a minute here): each registrar call of a
    search counts, two per search on two connections."""
    setup(env, 5)
    anon = Client(env.port)
    codes = [anon.get("/api/v1/search?q=budget%d" % i).status
             for i in range(3)]
    t.check("three searches of two calls each pass a budget of 5",
            codes == [200] * 3, codes)
    asked = "SELECT COUNT(*) FROM registrar_log WHERE action IN " \
        "('NAME_SUGGEST', 'LOOKUP')"
    calls = env.sql(asked)
    t.check("six registrar calls made", calls == 6, calls)
    r = anon.get("/api/v1/search?q=budget9")
    t.check("the next search: 429 rate_limited with Retry-After",
            r.status == 429 and r.err() == "rate_limited" and
            "retry-after" in r.headers, r)
    r = anon.get("/api/v1/lookup?name=budget9.com")
    t.check("the lookups share the budget: 429", r.status == 429, r)
    t.check("a throttled search asks no registrar",
            env.sql(asked) == calls)


if __name__ == "__main__":
    sys.exit(main())
