"""test_late_completion - one late completion, step by step (design 4,
rule 9: give up only together with the registrar).

A .ca registration (asynchronous at the sim: its order waits at the
registry for an hour) is cancelled by the admin while the order is
already waiting, so the sim refuses PROCESS_PENDING command=cancel (465).
regman refunds the customer anyway and keeps watching the order. The
clock moves on, the sim completes the registration, a sweep sees it:

  - the customer was refunded exactly once (account history --json), and
    nothing more happens to its money after the completion;
  - the operation is a late completion: in `regman async list --late
    --json` (watch "late", its registrar cost) and in `regman reconcile
    --json` (count, total_exposure);
  - the name is not among the customer's active domains; it is an active
    domain of the provider-held account (`domain list --account
    provider:held --json`) with the registrar's expiry;
  - a replayed sweep changes nothing; `regman audit` is clean; and the
    general reconciliation of test_soak holds.

usage: test_late_completion.py REGMAN OPENSRS_SIM
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import soaklib  # noqa: E402
from soaklib import HELD  # noqa: E402

NAME = "late-order.ca"


def history(w, acct):
    p = w.must("account", "history", acct, "--json")
    return p.json()


def refunds(hist, op):
    return [e for e in hist if e.get("kind") == "refund" and
            e.get("operation_id") == op]


def balance(w, acct):
    return w.must("account", "show", acct, "--json").json()["balance_minor"]


def run(w, t):
    w.start_sim("--async-delay", "3600")
    w.init()
    w.add_connection()
    w.must("tld", "set", ".ca", "--registrar", "sim", "--price",
           "register:1=15", "--price", "renew:1=15")
    w.add_customer("alice", 100)
    w.start_serve()
    w.api_login()

    p = w.rg("domain", "register", NAME, "--account", "alice")
    t.check("the .ca registration is pending (exit 3)", p.rc == 3,
            p.out + p.err)
    pend = w.must("async", "list", "--json").json()
    ops = [e for e in pend if e["domain"] == NAME]
    t.check("listed by async list", len(ops) == 1, pend)
    if not ops:
        return
    op = ops[0]["id"]
    t.check("alice was charged 15.00", balance(w, "alice") == 8500)
    st = w.ctl("GET", "/state")
    order = [o for o in st["orders"].values() if o["domain"] == NAME]
    t.check("the sim's order is waiting at the registry",
            len(order) == 1 and order[0]["status"] == "waiting", order)

    # the admin cancels; the registrar cannot stop a waiting order
    w.ctl("POST", "/counts/reset")
    p = w.rg("async", "cancel", str(op), "--reason", "customer asked")
    t.check("async cancel is accepted (exit 0)", p.rc == 0, p.out + p.err)
    counts = w.ctl("GET", "/counts")
    t.check("the cancel was asked of the registrar (PROCESS_PENDING)",
            counts["domains"].get("PROCESS_PENDING", {}).get(NAME, 0) >= 1 or
            counts["actions"].get("PROCESS_PENDING", 0) >= 1, counts)
    st = w.ctl("GET", "/state")
    order = [o for o in st["orders"].values() if o["domain"] == NAME]
    t.check("the sim's order is still waiting (465: not cancellable)",
            len(order) == 1 and order[0]["status"] == "waiting", order)
    h = history(w, "alice")
    t.check("alice refunded once at the cancel",
            len(refunds(h, op)) == 1 and balance(w, "alice") == 10000, h)
    show = w.rg("async", "show", str(op), "--json").json() or {}
    t.check("the operation is cancelled", show.get("state") == "cancelled",
            show)
    t.check("the operation is watched (async show: watch = watching)",
            show.get("watch") == "watching", show)
    p = w.rg("async", "list", "--watched", "--json")
    t.check("async list --watched --json lists it",
            p.rc == 0 and [e.get("id") for e in p.json() or []] == [op],
            p.out + soaklib.first_line(p.err))

    # the registry completes the order; the sweep sees it
    w.advance(3600 + 600)
    st = w.ctl("GET", "/state")
    t.check("the sim completed the registration for our reseller",
            st["domains"].get(NAME, {}).get("owner") == soaklib.SIM_USER)
    sw = w.rg("async", "sweep", "--json")
    t.check("sweep (exit 0)", sw.rc == 0, sw.out + sw.err)
    # a watched operation is checked every fourth poll interval (4 h here)
    for _ in range(6):
        w.advance(3600)
        w.rg("async", "sweep", "--json")

    h = history(w, "alice")
    t.check("alice still refunded exactly once, balance 100.00",
            len(refunds(h, op)) == 1 and balance(w, "alice") == 10000, h)
    t.check("no charge to alice after the completion",
            len([e for e in h if e.get("kind") == "charge"]) == 1, h)

    p = w.rg("async", "list", "--late", "--json")
    late = p.json() if p.rc == 0 else None
    t.check("async list --late --json answers", late is not None,
            "exit %d: %s" % (p.rc, soaklib.first_line(p.err)))
    mine = [e for e in (late or []) if e.get("id") == op]
    t.check("the operation is listed as a late completion",
            len(mine) == 1, late)
    if mine:
        e = mine[0]
        t.check("late entry: kind register, domain, account alice, "
                "state cancelled, watch late",
                (e.get("kind"), e.get("domain"), e.get("account"),
                 e.get("state"), e.get("watch")) ==
                ("register", NAME, "alice", "cancelled", "late"), e)
        t.check("late entry: registrar_cost an integer > 0",
                isinstance(e.get("registrar_cost"), int) and
                e["registrar_cost"] > 0, e)
    p = w.rg("reconcile", "--json")
    rec = p.json() if p.rc == 0 else None
    t.check("reconcile --json answers", rec is not None,
            "exit %d: %s" % (p.rc, soaklib.first_line(p.err)))
    if rec is not None:
        ids = [o.get("id") for o in rec.get("operations", [])]
        t.check("reconcile lists it: count 1, exposure = its registrar "
                "cost", ids == [op] and rec.get("count") == 1 and
                mine and rec.get("total_exposure") ==
                mine[0].get("registrar_cost"), rec)

    p = w.must("domain", "list", "--account", "alice", "--json")
    act = [d for d in p.json() if d["name"] == NAME and
           d["status"] in ("active", "expired")]
    t.check("not among alice's active domains", not act, p.out)
    p = w.rg("domain", "list", "--account", HELD, "--json")
    held = [d for d in (p.json() or []) if d["name"] == NAME] \
        if p.rc == 0 else []
    sexp = st["domains"].get(NAME, {}).get("expiry")
    t.check("an active domain of %s with the registrar's expiry" % HELD,
            len(held) == 1 and held[0]["status"] == "active" and
            soaklib.parse_time(held[0]["expires_at"]) == sexp,
            "exit %d: %s%s" % (p.rc, p.out, soaklib.first_line(p.err)))

    # a replayed sweep changes nothing
    before = (w.rg("async", "list", "--late", "--json").out,
              w.must("account", "history", "alice", "--json").out,
              w.rg("domain", "list", "--account", HELD, "--json").out)
    w.advance(3600)
    w.rg("async", "sweep", "--json")
    after = (w.rg("async", "list", "--late", "--json").out,
             w.must("account", "history", "alice", "--json").out,
             w.rg("domain", "list", "--account", HELD, "--json").out)
    t.check("a replayed sweep changes nothing", before == after)
    p = w.rg("audit")
    t.check("regman audit is clean", p.rc == 0, p.out + p.err)

    # the general reconciliation
    tr = soaklib.Truth(w)
    fig = soaklib.compare(t, tr)
    rc = w.stop_serve()
    t.check("serve stops cleanly (exit %s)" % rc, rc == 0)
    rc = w.stop_sim()
    t.check("opensrs-sim stops cleanly (exit %s)" % rc, rc == 0)
    san = w.sanitizer_reports()
    t.check("no sanitizer report from any regman run", not san,
            "\n".join("%s: %s" % r for r in san[:2]))
    print("# late completion: late completions %s, exposure %s, unflagged "
          "completions %d" % ("n/a" if fig["late"] is None else fig["late"],
                              soaklib.money(fig["exposure"]),
                              fig["unflagged"]))


if __name__ == "__main__":
    sys.exit(soaklib.scenario_main(run, "regman-late."))
