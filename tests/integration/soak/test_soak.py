"""test_soak - registrar truth: a reconciliation soak of regman against
opensrs-sim.

Several hundred mixed operations (registrations in .com .net .org, which
the sim completes at once, and .ca, which it completes later; renewals;
transfers of names the sim holds for another registrant; admin cancels,
checks and resets of pending operations) go through the JSON API of
`regman serve` and through the CLI, while

  - every fault class of the sim fires at random (fault rules on the
    orders, on the Async Manager's polls and on the cancels: async, queue,
    forced_pending, decline_later, delay, hang, close_before, close_after,
    http_500, malformed, truncated, code_705/486/300/310/400,
    auth_failure), some completing after regman's deadline;
  - one simulated clock (REGMAN_CLOCK_FILE and the sim's /clock/advance)
    moves on, past first checks, poll intervals and deadlines;
  - `regman serve` is SIGKILLed and restarted several times, some of them
    while an order is in flight at the registrar.

Then the clock moves days on with sweeps until nothing is pending, and the
registrar's world (GET /state) is compared with regman's (`domain list
--json`, the operations of the API, `async list --late --json`, `domain
list --account provider:held --json`, `reconcile --json`):

  (1) every domain the sim holds for our reseller is in regman, active for
      the customer whose order succeeded, or provider-held (a late
      completion);
  (2) every live domain in regman is at the sim with the same expiry;
  (3) every order the sim completed is a succeeded operation or a flagged
      late completion (a refunded operation never completes unflagged);
  (4) `regman audit` is clean, here and after every restart;
and: nothing left pending, every order still open at the sim watched, the
late completions and `reconcile` consistent, every CLI sweep exited 0,
no sanitizer report. docs/soak.md has the details.

One line of figures (operations, faults injected, kills, late
completions, exposure) precedes "# N passed, N failed".

Environment:
  REGMAN_SOAK_SEED       random seed (default 20261206; printed)
  REGMAN_SOAK_OPS        operations (default 360; 300 when built with
                         sanitizers, REGMAN_SOAK_SANITIZED=1, which meson
                         sets). The long run: REGMAN_SOAK_OPS=3000
                         (meson test ... --timeout-multiplier 4).
  KEEP_WORK=1            keep the work dir (sim.log, serve.log, regman.db,
                         sim-state.json).

usage: test_soak.py REGMAN OPENSRS_SIM
"""

import os
import random
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import soaklib  # noqa: E402
from soaklib import Results, World, money  # noqa: E402

TLDS = ["com", "net", "org", "ca"]
ORDER_FAULTS = [
    # (fault, weight)
    ("async", 6), ("queue", 5), ("forced_pending", 4), ("decline_later", 4),
    ("delay", 3), ("hang", 1), ("close_before", 4), ("close_after", 5),
    ("http_500", 4), ("malformed", 4), ("truncated", 4), ("code_705", 3),
    ("code_486", 3), ("code_300", 2), ("code_310", 2), ("code_400", 2),
    ("auth_failure", 2),
]
POLL_ACTIONS = ["GET_ORDER_INFO", "QUERY_QUEUED_REQUEST", "BELONGS_TO_RSP",
                "LOOKUP", "CHECK_TRANSFER", "GET"]
CANCEL_ACTIONS = ["PROCESS_PENDING", "CANCEL_TRANSFER"]
READ_FAULTS = ["http_500", "malformed", "truncated", "close_before",
               "close_after", "code_705", "code_400", "auth_failure",
               "delay", "hang"]
# When an async/queue/decline_later order completes at the sim: before
# regman's first check, between polls, or after regman's deadline (3 h).
COMPLETE_AFTER = [300, 1800, 5400, 14400, 43200]


def pick(rnd, weighted):
    total = sum(w for _, w in weighted)
    x = rnd.uniform(0, total)
    for v, w in weighted:
        x -= w
        if x <= 0:
            return v
    return weighted[-1][0]


class Soak:
    def __init__(self, w, rnd, nops):
        self.w = w
        self.rnd = rnd
        self.nops = nops
        self.accounts = {}
        self.names = 0
        self.active = set()       # names believed active (for renewals)
        self.dead = []            # names whose order failed here
        self.transfer_pool = []   # (name, auth_info) held elsewhere
        self.n = {"register": 0, "renew": 0, "transfer": 0, "api": 0,
                  "cli": 0, "cancel": 0, "check": 0, "reset": 0,
                  "sweep": 0, "advance": 0, "rules": 0, "api_lost": 0,
                  "sweep_errors": 0}
        self.audits_bad = []
        self.sweep_errs = []

    # --- set-up --------------------------------------------------------------
    def setup(self):
        w = self.w
        w.add_connection("--first-check", "2m", "--poll-interval", "15m",
                         "--deadline", "3h", "--transfer-deadline", "6h",
                         "--concurrency", "4", "--rate", "0")
        w.must("tld", "set", ".com", "--registrar", "sim", "--terms", "1-2",
               "--price", "register:1=12.50", "--price", "register:2=25",
               "--price", "renew:1=13", "--price", "transfer:1=10")
        w.must("tld", "set", ".net", "--registrar", "sim", "--price",
               "register:1=11", "--price", "renew:1=11", "--price",
               "transfer:1=9")
        # .org transfers time out here before the sim completes them (4 h)
        w.must("tld", "set", ".org", "--registrar", "sim", "--price",
               "register:1=12", "--price", "renew:1=12", "--price",
               "transfer:1=12", "--transfer-deadline", "2h")
        w.must("tld", "set", ".ca", "--registrar", "sim", "--price",
               "register:1=15", "--price", "renew:1=15", "--price",
               "transfer:1=15")
        for name in ("alice", "bob", "carol", "dave"):
            self.accounts[name] = w.add_customer(name, 20000)
        # names registered elsewhere at the sim, to transfer in
        for i in range(max(20, self.nops // 5)):
            tld = self.rnd.choice(TLDS)
            name = "xfer%04d.%s" % (i, tld)
            auth = "auth-%04d" % i
            w.ctl("POST", "/domains", {"name": name, "owner": "other",
                                       "auth_info": auth})
            self.transfer_pool.append((name, auth))
        w.start_serve()
        w.api_login()

    # --- orders --------------------------------------------------------------
    def order_fault(self, action, name):
        if self.rnd.random() >= 0.45:
            return
        f = pick(self.rnd, ORDER_FAULTS)
        rule = {"action": action, "domain": name, "fault": f, "count": 1}
        if f in ("async", "queue", "decline_later"):
            rule["complete_after"] = self.rnd.choice(COMPLETE_AFTER)
        if f == "delay":
            rule["delay_ms"] = self.rnd.choice([50, 300, 800])
        self.w.rule(**rule)
        self.n["rules"] += 1

    def new_name(self):
        self.names += 1
        tld = pick(self.rnd, [("com", 3), ("net", 2), ("org", 2), ("ca", 4)])
        return "n%05d-%d.%s" % (self.names, self.rnd.randrange(1000), tld)

    def via_api(self):
        return self.w.serve is not None and self.rnd.random() < 0.5

    def send(self, kind, name, account, auth=None, api=None):
        """One order through the API or the CLI; returns the outcome
        ('succeeded', 'pending', 'failed', 'refused', 'lost')."""
        w = self.w
        self.n[kind] += 1
        if api is None:
            api = self.via_api()
        if api:
            self.n["api"] += 1
            if kind == "renew":
                path, body = "/api/v1/domains/%s/renew" % name, {"term": 1}
            else:
                path = "/api/v1/domains/" + kind
                body = {"name": name, "account_id": self.accounts[account]}
                if auth:
                    body["auth_code"] = auth
            try:
                st, j = w.api("POST", path, body)
            except (OSError, Exception):  # the daemon died under us
                self.n["api_lost"] += 1
                return "lost"
            if st in (200, 201, 202) and j:
                return j.get("outcome") or j.get("state")
            return "refused"
        self.n["cli"] += 1
        if kind == "renew":
            p = w.rg("domain", "renew", name)
        elif kind == "transfer":
            p = w.rg("domain", "transfer", name, "--account", account,
                     "--auth-code", auth)
        else:
            p = w.rg("domain", "register", name, "--account", account)
        return {0: "succeeded", 3: "pending", 1: "failed"}.get(p.rc,
                                                               "refused")

    def note(self, name, outcome):
        if outcome == "succeeded":
            self.active.add(name)
        elif outcome == "failed":
            self.dead.append(name)

    def do_register(self):
        name = self.new_name()
        self.order_fault("SW_REGISTER", name)
        acct = self.rnd.choice(list(self.accounts))
        self.note(name, self.send("register", name, acct))

    def do_reregister(self):
        if not self.dead:
            return self.do_register()
        name = self.rnd.choice(self.dead)
        self.order_fault("SW_REGISTER", name)
        acct = self.rnd.choice(list(self.accounts))
        self.note(name, self.send("register", name, acct))

    def do_renew(self):
        if not self.active:
            return self.do_register()
        name = self.rnd.choice(sorted(self.active))
        self.order_fault("RENEW", name)
        self.send("renew", name, None)

    def do_transfer(self):
        if not self.transfer_pool:
            return self.do_register()
        name, auth = self.transfer_pool.pop(
            self.rnd.randrange(len(self.transfer_pool)))
        if self.rnd.random() < 0.08:
            auth = "wrong-" + auth  # refused by the registry (487)
        self.order_fault("SW_REGISTER", name)
        acct = self.rnd.choice(list(self.accounts))
        self.send("transfer", name, acct, auth=auth)

    # --- the admin -----------------------------------------------------------
    def pending(self):
        p = self.w.rg("async", "list", "--json")
        return (p.json() or []) if p.rc == 0 else []

    def do_admin(self, what):
        pend = self.pending()
        if not pend:
            return
        op = self.rnd.choice(pend)
        w = self.w
        if what == "cancel":
            self.n["cancel"] += 1
            if self.rnd.random() < 0.3:
                w.rule(action=self.rnd.choice(CANCEL_ACTIONS),
                       domain=op["domain"],
                       fault=self.rnd.choice(READ_FAULTS[:7]), count=1)
                self.n["rules"] += 1
            if self.via_api():
                try:
                    w.api("POST", "/api/v1/operations/%d/cancel" % op["id"],
                          {"reason": "soak"})
                except (OSError, Exception):
                    self.n["api_lost"] += 1
            else:
                w.rg("async", "cancel", str(op["id"]), "--reason", "soak")
        elif what == "check":
            self.n["check"] += 1
            w.rg("async", "check", str(op["id"]))
        else:
            self.n["reset"] += 1
            w.rg("async", "reset", str(op["id"]))

    def read_fault(self):
        w = self.w
        rule = {"action": self.rnd.choice(POLL_ACTIONS + CANCEL_ACTIONS),
                "fault": pick(self.rnd, [(f, 1 if f == "hang" else 4)
                                         for f in READ_FAULTS]),
                "count": self.rnd.randint(1, 3)}
        if rule["fault"] == "delay":
            rule["delay_ms"] = 200
        w.rule(**rule)
        self.n["rules"] += 1

    def sweep(self):
        self.n["sweep"] += 1
        p = self.w.rg("async", "sweep", "--json")
        if p.rc != 0:
            self.n["sweep_errors"] += 1
            if len(self.sweep_errs) < 5:
                self.sweep_errs.append("exit %d: %s %s" % (
                    p.rc, p.out.strip()[:300], p.err.strip()[:600]))

    def audit(self, t, when):
        p = self.w.rg("audit")
        if p.rc != 0:
            self.audits_bad.append((when, p.out + p.err))
        return p.rc == 0

    # --- kills ---------------------------------------------------------------
    def kill_restart(self, t, k):
        w = self.w
        if self.rnd.random() < 0.6:
            # an order in flight: the sim holds the answer back a while
            name = self.new_name()
            w.rule(action="SW_REGISTER", domain=name, fault="delay",
                   delay_ms=self.rnd.choice([300, 600, 900]), count=1)
            self.n["rules"] += 1
            acct = self.rnd.choice(list(self.accounts))
            th = threading.Thread(target=self.send,
                                  args=("register", name, acct),
                                  kwargs={"api": True})
            th.start()
            time.sleep(self.rnd.uniform(0.02, 0.7))
            w.kill_serve()
            th.join(60)
            how = "with %s in flight" % name
        else:
            # maybe inside a sweep of the daemon's runner
            self.w.advance(600)
            time.sleep(self.rnd.uniform(0.0, 1.2))
            w.kill_serve()
            how = "between orders"
        w.start_serve()
        t.check("kill %d (%s): serve restarted, audit clean" % (k, how),
                self.audit(t, "after kill %d" % k),
                self.audits_bad[-1][1] if self.audits_bad else "")

    # --- the run -------------------------------------------------------------
    def orders(self):
        return self.n["register"] + self.n["renew"] + self.n["transfer"]

    def run(self, t):
        rnd = self.rnd
        nkills = max(4, self.nops // 60)
        kill_at = sorted(rnd.sample(range(10, self.nops - 5), nkills))
        actions = [("register", 36), ("reregister", 4), ("renew", 14),
                   ("transfer", 14), ("cancel", 7), ("check", 3),
                   ("reset", 1), ("sweep", 6), ("advance", 10),
                   ("read_fault", 5)]
        step = 0
        while self.orders() < self.nops:
            step += 1
            if kill_at and self.orders() >= kill_at[0]:
                kill_at.pop(0)
                self.kill_restart(t, self.w.kills + 1)
                continue
            a = pick(rnd, actions)
            if a in ("register", "reregister", "renew", "transfer"):
                getattr(self, "do_" + a)()
            elif a in ("cancel", "check", "reset"):
                self.do_admin(a)
            elif a == "sweep":
                self.sweep()
            elif a == "advance":
                self.n["advance"] += 1
                self.w.advance(rnd.choice([900, 1800, 3600, 3 * 3600,
                                           6 * 3600]))
            else:
                self.read_fault()
            self.w.advance(rnd.randrange(0, 240))
            if step % 25 == 0:
                p = self.w.rg("domain", "list", "--status", "active",
                              "--json")
                if p.rc == 0:
                    self.active = {d["name"] for d in p.json()}
        return self.orders()

    def settle(self):
        """No more faults; the clock moves days on with sweeps until
        nothing is pending here and nothing is open at the registrar."""
        w = self.w
        w.ctl("DELETE", "/rules")
        steps = [3600] * 8 + [6 * 3600] * 8 + [86400] * 3
        quiet = 0
        for s in steps:
            w.advance(s)
            self.sweep()
            idle = not self.pending() and \
                not soaklib.sim_open(w.ctl("GET", "/state"))
            quiet = quiet + 1 if idle else 0
            if quiet >= 3:
                break


def main():
    regman, sim = sys.argv[1], sys.argv[2]
    seed = int(os.environ.get("REGMAN_SOAK_SEED", "20261206"))
    sanitized = os.environ.get("REGMAN_SOAK_SANITIZED", "") not in ("", "0")
    nops = int(os.environ.get("REGMAN_SOAK_OPS",
                              "300" if sanitized else "360"))
    print("# seed %d (REGMAN_SOAK_SEED), %d operations (REGMAN_SOAK_OPS)%s"
          % (seed, nops, ", sanitizer build" if sanitized else ""))
    sys.stdout.flush()
    t = Results()
    rnd = random.Random(seed)
    w = World(regman, sim)
    t0 = time.time()
    try:
        w.start_sim("--seed", str(seed % 1000000 + 1), "--async-delay",
                    "1800", "--transfer-owner-delay", "3600",
                    "--transfer-registry-delay", "10800")
        w.init(timeout_ms=1200)
        s = Soak(w, rnd, nops)
        s.setup()
        start_off = w.offset
        orders = s.run(t)
        t.check("no audit failed during the run", not s.audits_bad,
                "\n".join("%s: %s" % a for a in s.audits_bad[:3]))
        s.settle()
        tr = soaklib.Truth(w)
        fig = soaklib.compare(t, tr)
        rc = w.stop_serve()
        t.check("serve stops cleanly on SIGTERM (exit %s)" % rc, rc == 0)
        rc = w.stop_sim()
        t.check("opensrs-sim stops cleanly (exit %s)" % rc, rc == 0)
        san = w.sanitizer_reports()
        t.check("no sanitizer report from any regman run", not san,
                "\n".join("%s: %s" % r for r in san[:2]))
        t.check("every regman async sweep exited 0 (%d of %d did not)" %
                (s.n["sweep_errors"], s.n["sweep"]),
                s.n["sweep_errors"] == 0,
                "\n".join(e.replace("\n", " ") for e in s.sweep_errs))
        faults = w.sim_log_faults()
        nfaults = sum(faults.values())
        print("# faults fired by kind: " + " ".join(
            "%s=%d" % kv for kv in sorted(faults.items())))
        print("# interfaces: api %d (lost in kills %d), cli %d; admin "
              "cancels %d, checks %d, resets %d; sweeps %d (%d exited "
              "non-zero); rules %d; serve starts %d; operations recovered "
              "after a kill %d"
              % (s.n["api"], s.n["api_lost"], s.n["cli"], s.n["cancel"],
                 s.n["check"], s.n["reset"], s.n["sweep"],
                 s.n["sweep_errors"], s.n["rules"], w.serve_starts,
                 w.recovered()))
        print("# soak: seed %d, operations %d (register %d, renew %d, "
              "transfer %d), faults injected %d, kills %d, late "
              "completions %s, exposure %s, still watched %s (at risk %s), "
              "open at the registrar %d, unflagged completions %d "
              "(%s), registrar domains %d, sync corrections %d expiry / %d "
              "missing, simulated %.1f h, wall %.0f s"
              % (seed, orders, s.n["register"], s.n["renew"],
                 s.n["transfer"], nfaults, w.kills,
                 "n/a" if fig["late"] is None else fig["late"],
                 money(fig["exposure"]),
                 "n/a" if fig["watching"] is None else fig["watching"],
                 money(fig["at_risk"]), fig["open"], fig["unflagged"],
                 money(fig["unflagged_cost"]), fig["sim_domains"],
                 fig["sync_expiry"], fig["sync_missing"],
                 (w.offset - start_off) / 3600.0, time.time() - t0))
    except Exception as e:  # a harness failure is a failure, with a trace
        import traceback
        traceback.print_exc()
        t.check("the soak ran to its end", False, repr(e))
    finally:
        w.close()
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
