"""test_sync_race - the portfolio sync against orders that complete while
it runs.

The soak found it: `lifecycle.sync` (the daemon's daily job, or `regman
lifecycle run sync`) first lists the registrar's portfolio, then walks
regman's live domains in one write transaction. An order that completes
in between is judged against the older list: a name registered meanwhile
is flagged `missing` (and reported to the admin) although the registrar
holds it, and a domain renewed meanwhile gets its expiry "corrected"
back to the date before the renewal.

Here the sim holds the listing back (a `delay` rule on
GET_DOMAINS_BY_EXPIREDATE) while a registration and a renewal complete.
Checks: after the sync the new name is active, the renewed one keeps the
registrar's new expiry, and the soak's reconciliation holds.

usage: test_sync_race.py REGMAN OPENSRS_SIM
"""

import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import soaklib  # noqa: E402


def row(w, name):
    p = w.must("domain", "list", "--json")
    rows = [d for d in p.json() if d["name"] == name]
    return rows[-1] if rows else {}


def run(w, t):
    w.start_sim()
    w.init(timeout_ms=20000)
    w.add_connection()
    w.must("tld", "set", ".com", "--registrar", "sim", "--price",
           "register:1=12.50", "--price", "renew:1=13")
    w.add_customer("alice", 100)
    p = w.rg("domain", "register", "old-name.com", "--account", "alice")
    t.check("old-name.com registered", p.rc == 0, p.out + p.err)

    w.rule(action="GET_DOMAINS_BY_EXPIREDATE", fault="delay",
           delay_ms=4000, count=1)
    sync = subprocess.Popen(
        [w.regman, "lifecycle", "-c", w.conf, "run", "sync", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=w.env)
    time.sleep(1.0)  # the listing has left; its answer is held back
    p = w.rg("domain", "register", "new-name.com", "--account", "alice")
    t.check("new-name.com registered while the sync lists", p.rc == 0,
            p.out + p.err)
    p = w.rg("domain", "renew", "old-name.com")
    t.check("old-name.com renewed while the sync lists", p.rc == 0,
            p.out + p.err)
    out, err = sync.communicate(timeout=120)
    t.check("the sync ran (exit %d)" % sync.returncode,
            sync.returncode == 0, out + err)
    st = w.ctl("GET", "/state")["domains"]

    d = row(w, "new-name.com")
    t.check("new-name.com is still active, not flagged missing (%s)" %
            d.get("status"), d.get("status") == "active", d)
    d = row(w, "old-name.com")
    t.check("old-name.com keeps the registrar's expiry after its renewal",
            soaklib.parse_time(d.get("expires_at")) ==
            st["old-name.com"]["expiry"],
            "%s here, %s at the registrar" % (
                d.get("expires_at"),
                time.strftime("%Y-%m-%d %H:%M:%S",
                              time.gmtime(st["old-name.com"]["expiry"]))))

    w.start_serve()
    w.api_login()
    soaklib.compare(t, soaklib.Truth(w))
    rc = w.stop_serve()
    t.check("serve stops cleanly (exit %s)" % rc, rc == 0)
    rc = w.stop_sim()
    t.check("opensrs-sim stops cleanly (exit %s)" % rc, rc == 0)
    san = w.sanitizer_reports()
    t.check("no sanitizer report from any regman run", not san,
            "\n".join("%s: %s" % r for r in san[:2]))


if __name__ == "__main__":
    sys.exit(soaklib.scenario_main(run, "regman-syncrace."))
