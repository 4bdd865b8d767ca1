"""test_late_renewal - a renewal that never reached the registrar is not a
late completion because a later renewal moved the expiry.

The soak found it: a renewal whose request was lost (the sim closes the
connection before reading it: nothing applied) stays pending, times out
at its deadline and, with no order id to stop, is refunded and watched.
The customer renews again; that renewal succeeds. The registrar has
applied ONE renewal, charged once. The watch must not then take the
expiry year the second renewal moved for a late completion of the first
(which would report an exposure that does not exist, and whose "assign"
would charge the customer twice for one renewal).

Checks: the registrar completed one renewal; regman has one succeeded
renewal; the watched one never becomes late (not in `async list --late
--json`, no exposure in `reconcile --json`); the customer paid exactly
one renewal.

The other side of the same ambiguity: a renewal times out and is watched,
the registry then applies it; the customer renews again, this order is
queued and the registrar never applies it (the year it carried is gone);
its poll sees the expiry year the first one moved. The registrar applied
one renewal: regman must count one, succeeded or late, not both.

Then the soak's reconciliation holds and `regman audit` is clean.

usage: test_late_renewal.py REGMAN OPENSRS_SIM
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import soaklib  # noqa: E402

NAME = "renewed-once.com"
NAME2 = "renewed-late.com"


def run(w, t):
    w.start_sim()
    w.init()
    # without the event stream: the second case needs regman to learn of
    # the late renewal only after the customer renewed again (with events
    # it learns at once, the second order carries the moved year and the
    # registrar applies both: two counted, rightly)
    w.add_connection("--deadline", "3h", "--poll-interval", "1h",
                     "--events", "off")
    w.must("tld", "set", ".com", "--registrar", "sim", "--price",
           "register:1=12.50", "--price", "renew:1=13")
    w.add_customer("alice", 100)
    p = w.rg("domain", "register", NAME, "--account", "alice")
    t.check("registered (exit 0)", p.rc == 0, p.out + p.err)

    # the first renewal never reaches the registrar
    w.rule(action="RENEW", domain=NAME, fault="close_before", count=1)
    p = w.rg("domain", "renew", NAME)
    t.check("a renewal whose answer is lost is pending (exit 3)", p.rc == 3,
            p.out + p.err)
    first = w.must("async", "show", NAME, "--json").json()["id"]
    for _ in range(4):  # past its 3 h deadline
        w.advance(3600)
        w.rg("async", "sweep", "--json")
    show = w.must("async", "show", str(first), "--json").json()
    t.check("it timed out, refunded and watched (no order id to stop)",
            show.get("state") == "timed_out" and
            show.get("watch") == "watching", show)

    # the customer renews again: this one the registrar applies
    p = w.rg("domain", "renew", NAME)
    t.check("the second renewal succeeds (exit 0)", p.rc == 0, p.out + p.err)
    for _ in range(8):  # several watch checks (every 4 poll intervals)
        w.advance(3600)
        w.rg("async", "sweep", "--json")

    st = w.ctl("GET", "/state")
    done = [o for o in st["orders"].values()
            if o["domain"] == NAME and o["reg_type"] == "renewal" and
            o["status"] == "completed"]
    t.check("the registrar completed exactly one renewal", len(done) == 1,
            done)
    show = w.must("async", "show", str(first), "--json").json()
    t.check("the lost renewal is not a late completion (watch %s)" %
            show.get("watch"), show.get("watch") != "late", show)
    late = w.must("async", "list", "--late", "--json").json()
    t.check("async list --late is empty", late == [], late)
    rec = w.must("reconcile", "--json").json()
    t.check("reconcile reports no exposure", rec.get("total_exposure") == 0,
            rec)
    hist = w.must("account", "history", "alice", "--json").json()
    charges = [e for e in hist if e.get("kind") == "charge"]
    refunds = [e for e in hist if e.get("kind") == "refund"]
    t.check("alice paid one registration and one renewal (3 charges, 1 "
            "refund)", len(charges) == 3 and len(refunds) == 1, hist)

    # a renewal that completes late, and a second one the registrar does
    # not apply (queued, then refused: the year it carried is gone) but
    # whose poll sees the expiry year the late one moved
    w.must("domain", "register", NAME2, "--account", "alice")
    w.rule(action="RENEW", domain=NAME2, fault="async", count=1,
           complete_after=5 * 3600)
    p = w.rg("domain", "renew", NAME2)
    t.check("%s: an asynchronous renewal is pending (exit 3)" % NAME2,
            p.rc == 3, p.out + p.err)
    a = w.must("async", "show", NAME2, "--json").json()["id"]
    for _ in range(5):  # past its deadline; the registry applies it at 5 h
        w.advance(3600)
        w.rg("async", "sweep", "--json")
    w.advance(600)
    show = w.must("async", "show", str(a), "--json").json()
    t.check("%s: timed out and watched, the registrar applied it since" %
            NAME2, show.get("state") == "timed_out" and
            show.get("watch") == "watching", show)
    w.rule(action="RENEW", domain=NAME2, fault="queue", count=1,
           complete_after=1800)
    p = w.rg("domain", "renew", NAME2)
    t.check("%s: a second renewal, queued at the registrar (exit 3)" % NAME2,
            p.rc == 3, p.out + p.err)
    for _ in range(8):
        w.advance(3600)
        w.rg("async", "sweep", "--json")
    st = w.ctl("GET", "/state")
    done = [o for o in st["orders"].values()
            if o["domain"] == NAME2 and o["reg_type"] == "renewal" and
            o["status"] == "completed"]
    # the daemon (for the API) only now: its job runner's sweeps, run when
    # the clock passes their slot, would race the sweeps above and could
    # learn of the late renewal before the second one is ordered, which
    # is the case this test is not about
    w.start_serve()
    w.api_login()
    ops = [o for o in w.api_all("/api/v1/operations?domain=" + NAME2)
           if o["kind"] == "renew"]
    late = [o for o in ops if o.get("watch") == "late"]
    ok = [o for o in ops if o["state"] == "succeeded"]
    t.check("%s: the registrar applied one renewal; regman counts one "
            "(succeeded %d + late %d)" % (NAME2, len(ok), len(late)),
            len(done) == 1 and len(ok) + len(late) == 1,
            [(o["id"], o["state"], o.get("watch")) for o in ops])

    fig = soaklib.compare(t, soaklib.Truth(w))
    rc = w.stop_serve()
    t.check("serve stops cleanly (exit %s)" % rc, rc == 0)
    rc = w.stop_sim()
    t.check("opensrs-sim stops cleanly (exit %s)" % rc, rc == 0)
    san = w.sanitizer_reports()
    t.check("no sanitizer report from any regman run", not san,
            "\n".join("%s: %s" % r for r in san[:2]))
    print("# late renewal: late completions %s, exposure %s" %
          (fig["late"], soaklib.money(fig["exposure"])))


if __name__ == "__main__":
    sys.exit(soaklib.scenario_main(run, "regman-renewal."))
