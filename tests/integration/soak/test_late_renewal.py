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
one renewal; the soak's reconciliation holds; `regman audit` is clean.

usage: test_late_renewal.py REGMAN OPENSRS_SIM
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import soaklib  # noqa: E402
from soaklib import Results, World  # noqa: E402

NAME = "renewed-once.com"


def run(w, t):
    w.start_sim()
    w.init()
    w.add_connection("--deadline", "3h", "--poll-interval", "1h")
    w.must("tld", "set", ".com", "--registrar", "sim", "--price",
           "register:1=12.50", "--price", "renew:1=13")
    w.add_customer("alice", 100)
    w.start_serve()
    w.api_login()
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


def main():
    t = Results()
    w = World(sys.argv[1], sys.argv[2], prefix="regman-renewal.")
    try:
        run(w, t)
    except Exception as e:
        import traceback
        traceback.print_exc()
        t.check("the scenario ran to its end", False, repr(e))
    finally:
        w.close()
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
