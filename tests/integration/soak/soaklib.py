"""soaklib - helpers of the reconciliation tests (Python standard library
only): a private installation with opensrs-sim and `regman serve` on
127.0.0.1 (OS-chosen ports from their ready files), ONE simulated clock for
both (REGMAN_CLOCK_FILE for regman, POST /clock/advance for the sim), the
CLI, the JSON API with an admin token, the sim's control API, and the
comparison of the registrar's world (GET /state) with regman's.

Results are TAP-like lines ending in "# N passed, N failed" (apilib's
Results)."""

import calendar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import http.client

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "api"))
from apilib import Results, testdb, wait_file  # noqa: E402

SIM_USER = "test"
SIM_KEY = "9a1b2c3d4e5f60718293a4b5c6d7e8f9"
TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         "..", "..", "..", "templates")
ADMIN_PASSWORD = "soak-admin-password-1"
# The account regman records late completions under (design 4, rule 9).
HELD = "provider:held"
REFUNDED = ("failed", "timed_out", "cancelled")
# sim order reg_type -> regman operation kind
KIND = {"new": "register", "renewal": "renew", "transfer": "transfer"}


def parse_time(s):
    """'YYYY-MM-DD HH:MM:SS' (UTC, as regman prints) -> epoch seconds."""
    if s in (None, "", "-"):
        return 0
    return calendar.timegm(time.strptime(s, "%Y-%m-%d %H:%M:%S"))


# What AddressSanitizer, LeakSanitizer and UBSan print when they find
# something: a CLI run or the daemon's log containing one fails the test.
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:")


def first_line(text):
    lines = text.strip().splitlines()
    return lines[0] if lines else ""


class Proc:
    def __init__(self, rc, out, err):
        self.rc = rc
        self.out = out
        self.err = err

    def json(self):
        try:
            return json.loads(self.out)
        except ValueError:
            return None


class World:
    """opensrs-sim + a regman installation + `regman serve`, one clock."""

    def __init__(self, regman, sim, prefix="regman-soak."):
        self.regman = regman
        self.sim_bin = sim
        self.work = tempfile.mkdtemp(prefix=prefix)
        self.conf = os.path.join(self.work, "regman.conf")
        # the SQLite file, or on PostgreSQL the URL of the database init
        # makes (dropped at close)
        self.db = os.path.join(self.work, "regman.db")
        self.pg_db = None
        self.clock_file = os.path.join(self.work, "clock")
        self.offset = 0
        self._mtime_ns = 0
        self._write_clock()
        self.env = dict(os.environ, REGMAN_CLOCK_FILE=self.clock_file)
        self.env.pop("REGMAN_CLOCK_OFFSET", None)
        self.sim = None
        self.serve = None
        self.serve_log = None
        self.port = None
        self.token = None
        self.kills = 0
        self.serve_starts = 0
        self.sanitizer = []  # (command, report) of sanitizer findings
        self.cli_recovered = 0

    # --- the one clock -------------------------------------------------------
    def _write_clock(self):
        tmp = self.clock_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % self.offset)
        # regman re-reads the file when its size or mtime changes: make the
        # mtime strictly increase even when two moves fall in one tick.
        ns = max(time.time_ns(), self._mtime_ns + 1000000)
        self._mtime_ns = ns
        os.utime(tmp, ns=(ns, ns))
        os.rename(tmp, self.clock_file)

    def advance(self, seconds):
        """Move regman's clock and the sim's together."""
        seconds = int(seconds)
        if seconds <= 0:
            return
        self.offset += seconds
        self._write_clock()
        self.ctl("POST", "/clock/advance", {"seconds": seconds})

    def sim_now(self):
        return self.ctl("GET", "/clock")["now"]

    # --- opensrs-sim ---------------------------------------------------------
    def start_sim(self, *extra):
        ready = os.path.join(self.work, "sim.ready")
        self.sim = subprocess.Popen(
            [self.sim_bin, "--listen", "127.0.0.1:0", "--control",
             "127.0.0.1:0", "--reseller", SIM_USER + ":" + SIM_KEY,
             "--ready-file", ready, "--log",
             os.path.join(self.work, "sim.log")] + list(extra))
        text = wait_file(ready, self.sim, "opensrs-sim")
        for line in text.splitlines():
            if line.startswith("listen=127.0.0.1:"):
                self.sim_port = int(line.split(":")[-1])
            if line.startswith("control="):
                host, port = line.split("=", 1)[1].rsplit(":", 1)
                self.ctl_addr = (host, int(port))

    def ctl(self, method, path, body=None):
        """The sim's control API; the parsed JSON answer."""
        conn = http.client.HTTPConnection(*self.ctl_addr, timeout=60)
        try:
            data = None if body is None else json.dumps(body).encode()
            h = {"Content-Type": "application/json"} if data else {}
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            text = r.read().decode()
            if r.status != 200:
                raise RuntimeError("sim %s %s: %d %s" %
                                   (method, path, r.status, text))
            return json.loads(text) if text else None
        finally:
            conn.close()

    def rule(self, **rule):
        return self.ctl("POST", "/rules", rule)["id"]

    def sim_log_faults(self):
        """{fault: count} of the requests the sim answered with a fault."""
        n = {}
        try:
            with open(os.path.join(self.work, "sim.log")) as f:
                for line in f:
                    i = line.rfind(" fault=")
                    if i < 0:
                        continue
                    k = line[i + 7:].strip()
                    if k and k != "-":
                        n[k] = n.get(k, 0) + 1
        except FileNotFoundError:
            pass
        return n

    # --- regman: the CLI -----------------------------------------------------
    def rg(self, *args, stdin=None, timeout=120):
        p = subprocess.run([self.regman, args[0], "-c", self.conf] +
                           list(args[1:]), input=stdin, capture_output=True,
                           text=True, env=self.env, timeout=timeout)
        if any(m in p.stderr for m in SANITIZER_MARKS):
            self.sanitizer.append((" ".join(args), p.stderr))
        self.cli_recovered += p.stderr.count(": recovered from ")
        return Proc(p.returncode, p.stdout, p.stderr)

    def recovered(self):
        """Operations start-up recovery found in new or sending (the
        daemon's log and the CLI's standard error)."""
        n = self.cli_recovered
        try:
            with open(os.path.join(self.work, "serve.log"),
                      errors="replace") as f:
                n += f.read().count(": recovered from ")
        except FileNotFoundError:
            pass
        return n

    def sanitizer_reports(self):
        """Sanitizer findings of CLI runs and in the daemon's log."""
        found = list(self.sanitizer)
        try:
            with open(os.path.join(self.work, "serve.log"),
                      errors="replace") as f:
                text = f.read()
            if any(m in text for m in SANITIZER_MARKS):
                found.append(("serve", text[-4000:]))
        except FileNotFoundError:
            pass
        return found

    def must(self, *args, **kw):
        p = self.rg(*args, **kw)
        if p.rc != 0:
            raise RuntimeError("regman %s: exit %d: %s%s" %
                               (" ".join(args), p.rc, p.out, p.err))
        return p

    def init(self, timeout_ms=1200):
        cmd = [self.regman, "init", "--dir", self.work]
        if testdb.backend() == "postgresql":
            self.pg_db = testdb.createdb(os.environ["REGMAN_TEST_PG_URL"])
            self.db = self.pg_db
            cmd += ["--database", self.pg_db]
        subprocess.run(cmd, check=True, capture_output=True, env=self.env)
        with open(self.conf) as f:
            text = f.read()
        out = []
        for line in text.splitlines():
            # short timeouts: a "hang" costs this much real time
            if line.startswith("timeout_ms ="):
                line = "timeout_ms = %d" % timeout_ms
            elif line.startswith("connect_timeout_ms ="):
                line = "connect_timeout_ms = 2000"
            elif line.startswith("retry_delay_ms ="):
                line = "retry_delay_ms = 10"
            out.append(line)
        out += ["", "[mail]", "from = regman@example.net",
                "admin = admin@example.net", "templates = " + TEMPLATES, ""]
        with open(self.conf, "w") as f:
            f.write("\n".join(out))

    def add_connection(self, *windows):
        self.must("registrar", "add", "--title", "sim", "--server",
                  "127.0.0.1", "--port", str(self.sim_port), "--tls", "no",
                  "--login", SIM_USER, "--key", SIM_KEY, "--ns",
                  "ns1.example.net,ns2.example.net", *windows)

    def add_customer(self, name, credit):
        self.must("account", "add", name, "--email", name + "@example.com")
        self.must("account", "credit", name, str(credit), "--ref",
                  "seed-" + name)
        self.must("account", "contact", name, "--first-name",
                  name.capitalize(), "--last-name", "Smith", "--address1",
                  "1 Main St", "--city", "Toronto", "--postal-code",
                  "M5V1A1", "--country", "CA", "--phone", "+1.4165550123",
                  "--email", name + "@example.com", "--cira-legal-type",
                  "CCT")
        return self.must("account", "show", name, "--json").json()["id"]

    # --- regman serve and its API -------------------------------------------
    def start_serve(self):
        ready = os.path.join(self.work, "serve.ready")
        if os.path.exists(ready):
            os.unlink(ready)
        if self.serve_log is None:
            self.serve_log = open(os.path.join(self.work, "serve.log"), "a")
        self.serve = subprocess.Popen(
            [self.regman, "serve", "-c", self.conf, "--listen",
             "127.0.0.1:0", "--ready-file", ready],
            stdout=self.serve_log, stderr=self.serve_log, env=self.env)
        text = wait_file(ready, self.serve, "regman serve", timeout=60)
        self.port = int(text.strip().split(":")[-1])
        self.serve_starts += 1

    def kill_serve(self):
        """SIGKILL: no clean-up of any kind."""
        self.serve.send_signal(signal.SIGKILL)
        self.serve.wait(timeout=30)
        self.serve = None
        self.kills += 1

    def stop_serve(self):
        if self.serve is None:
            return None
        self.serve.send_signal(signal.SIGTERM)
        try:
            rc = self.serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.serve.kill()
            rc = self.serve.wait()
        self.serve = None
        return rc

    def stop_sim(self):
        """SIGTERM the sim; its exit status (0 unless something is wrong,
        a sanitizer's report included)."""
        if self.sim is None:
            return None
        self.sim.send_signal(signal.SIGTERM)
        try:
            rc = self.sim.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.sim.kill()
            rc = self.sim.wait()
        self.sim = None
        return rc

    def api(self, method, path, body=None, timeout=60):
        """(status, parsed JSON or None) from the JSON API with the admin
        token; raises OSError / http.client errors when the daemon dies."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=timeout)
        try:
            h = {}
            data = None
            if body is not None:
                data = json.dumps(body).encode()
                h["Content-Type"] = "application/json"
            if self.token:
                h["Authorization"] = "Bearer " + self.token
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            text = r.read().decode("utf-8", "replace")
            try:
                j = json.loads(text) if text else None
            except ValueError:
                j = None
            return r.status, j
        finally:
            conn.close()

    def api_login(self):
        """An admin login and an API token (kept across restarts)."""
        self.must("login", "add", "admin", "--role", "admin",
                  "--password-stdin", stdin=ADMIN_PASSWORD + "\n")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("POST", "/api/v1/auth/login",
                     body=json.dumps({"username": "admin",
                                      "password": ADMIN_PASSWORD}),
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        body = json.loads(r.read())
        cookie = None
        for k, v in r.getheaders():
            if k.lower() == "set-cookie" and v.startswith("rm_session="):
                cookie = v.split(";", 1)[0]
        conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("POST", "/api/v1/auth/tokens",
                     body=json.dumps({"name": "soak"}),
                     headers={"Content-Type": "application/json",
                              "Cookie": cookie,
                              "X-CSRF-Token": body["csrf_token"]})
        r = conn.getresponse()
        self.token = json.loads(r.read())["token"]
        conn.close()

    def api_all(self, path):
        """Every item of a paged list endpoint."""
        items, offset = [], 0
        sep = "&" if "?" in path else "?"
        while True:
            st, j = self.api("GET", "%s%slimit=500&offset=%d" %
                             (path, sep, offset))
            if st != 200:
                raise RuntimeError("GET %s: %d %s" % (path, st, j))
            items += j["items"]
            if j["page"].get("next_offset") is None or not j["items"]:
                return items
            offset = j["page"]["next_offset"]

    def close(self):
        for p in (self.serve, self.sim):
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        if self.serve_log:
            self.serve_log.close()
        if os.environ.get("KEEP_WORK"):
            print("# work dir kept: " + self.work)
        else:
            shutil.rmtree(self.work, ignore_errors=True)
            if self.pg_db is not None:
                testdb.dropdb(self.pg_db)
                self.pg_db = None


# --- the registrar's world against regman's ---------------------------------

def sim_open(state):
    """Orders, queued requests and transfers of our reseller still open."""
    done = ("completed", "declined", "cancelled")
    o = [v for v in state["orders"].values()
         if v.get("reseller") == SIM_USER and v.get("status") not in done]
    q = [v for v in state["queue"].values()
         if v.get("reseller", SIM_USER) == SIM_USER and
         v.get("status") in ("queued", "running")]
    t = [v for v in state["transfers"].values()
         if v.get("status") not in done and
         v.get("reseller", SIM_USER) == SIM_USER]
    return o + q + t


class Truth:
    """Everything the final comparison needs, read once."""

    def __init__(self, w):
        self.state = w.ctl("GET", "/state")
        with open(os.path.join(w.work, "sim-state.json"), "w") as f:
            json.dump(self.state, f, indent=1)
        p = w.must("domain", "list", "--json")
        self.domains = p.json()
        self.ops = w.api_all("/api/v1/operations")
        p = w.rg("async", "list", "--json")
        self.pending = p.json() if p.rc == 0 else None
        # the late-completion interfaces (rule 9)
        p = w.rg("async", "list", "--late", "--json")
        self.late_rc, self.late_err = p.rc, first_line(p.err)
        self.late = p.json() if p.rc == 0 else None
        p = w.rg("domain", "list", "--account", HELD, "--json")
        self.held_rc, self.held_err = p.rc, first_line(p.err)
        self.held = p.json() if p.rc == 0 else None
        # the account is made with the first late registration or transfer
        self.held_absent = p.rc != 0 and "unknown account" in p.err
        if self.held_absent:
            self.held = []
        p = w.rg("reconcile", "--json")
        self.rec_rc, self.rec_err = p.rc, first_line(p.err)
        self.rec = p.json() if p.rc == 0 else None
        p = w.rg("audit")
        self.audit_rc, self.audit_out = p.rc, p.out + p.err
        # what the daily portfolio sync corrected on its own (its reports)
        self.sync_expiry = self.sync_missing = 0
        p = w.rg("mail", "list", "--limit", "10000", "--json")
        for m in (p.json() or []) if p.rc == 0 else []:
            subj = m.get("subject", "")
            if "portfolio sync" in subj:
                for n, what in re.findall(r"(\d+) (expiry changes?|missing)",
                                          subj):
                    if what == "missing":
                        self.sync_missing += int(n)
                    else:
                        self.sync_expiry += int(n)


def compare(t, tr, detail_limit=15):
    """The reconciliation checks (1)-(4) and the late-completion lists;
    returns the figures (late completions, exposure, unflagged)."""
    ours = {n: d for n, d in tr.state["domains"].items()
            if d.get("owner") == SIM_USER}
    live = {}  # name -> regman domain row that is live (not ended)
    for d in tr.domains:
        if d["status"] in ("active", "expired", "missing", "registering",
                           "transferring", "renewing"):
            live.setdefault(d["name"], []).append(d)
    ops_by = {}
    for o in tr.ops:
        ops_by.setdefault((o["domain"], o["kind"]), []).append(o)
    late_ids = set()
    late_ok = tr.late is not None
    if late_ok:
        late_ids = {e["id"] for e in tr.late}
    held_names = set()
    if tr.held is not None:
        held_names = {d["name"] for d in tr.held
                      if d["status"] in ("active", "expired")}

    # nothing left in flight on regman's side
    t.check("nothing pending at regman after the final sweeps",
            tr.pending == [], json.dumps(tr.pending)[:2000])
    transient = [d for ds in live.values() for d in ds
                 if d["status"] not in ("active", "expired", "missing")]
    t.check("no domain left registering/transferring/renewing",
            not transient, json.dumps(transient[:detail_limit]))

    # rule 9: an order is given up only together with the registrar; one
    # the registrar did not confirm stopped stays watched while it is open
    left = sim_open(tr.state)
    followed = {(o["domain"], o["kind"]) for o in tr.ops
                if o.get("watch") == "watching" or o["state"] == "pending"}
    lost = [o for o in left
            if (o.get("domain"), KIND.get(o.get("reg_type"), "transfer"))
            not in followed]
    t.check("every order still open at the registrar is watched by regman "
            "(%d open)" % len(left), not lost,
            "\n".join("%s %s %s %s" % (o.get("id"), o.get("domain"),
                                        o.get("reg_type", "transfer"),
                                        o.get("status"))
                      for o in lost[:detail_limit]))

    # (1) every domain the sim holds for us is in regman: a customer's
    # active domain (the one who paid), or provider-held (late)
    bad1 = []
    for name, sd in sorted(ours.items()):
        rows = [d for d in live.get(name, []) if d["status"] in
                ("active", "expired")]
        if len(rows) != 1:
            bad1.append("%s: at the registrar, regman has %s" %
                        (name, [(d["account"], d["status"])
                                for d in live.get(name, [])] or "nothing"))
            continue
        d = rows[0]
        if d["account"] == HELD:
            continue
        payers = sorted((o for k in ("register", "transfer")
                         for o in ops_by.get((name, k), [])
                         if o["state"] == "succeeded"),
                        key=lambda o: o["id"])
        if not payers or payers[-1]["account"] != d["account"]:
            bad1.append("%s: active for %s, last succeeded order by %s" %
                        (name, d["account"],
                         payers[-1]["account"] if payers else "nobody"))
    t.check("(1) every domain the registrar holds for us is in regman "
            "(%d domains)" % len(ours), not bad1,
            "\n".join(bad1[:detail_limit]) +
            ("\n... %d in all" % len(bad1) if len(bad1) > detail_limit
             else ""))

    # (2) every live domain in regman is at the registrar, same expiry
    bad2 = []
    nlive = 0
    for name, rows in sorted(live.items()):
        for d in rows:
            nlive += 1
            sd = ours.get(name)
            if d["status"] == "missing":
                bad2.append("%s (%s): flagged missing by sync" %
                            (name, d["account"]))
            elif sd is None:
                bad2.append("%s (%s, %s): not ours at the registrar" %
                            (name, d["account"], d["status"]))
            elif parse_time(d["expires_at"]) != sd["expiry"]:
                bad2.append("%s: expiry %s here, %s at the registrar" %
                            (name, d["expires_at"],
                             time.strftime("%Y-%m-%d %H:%M:%S",
                                           time.gmtime(sd["expiry"]))))
    t.check("(2) every live domain in regman is at the registrar with the "
            "same expiry (%d domains)" % nlive, not bad2,
            "\n".join(bad2[:detail_limit]) +
            ("\n... %d in all" % len(bad2) if len(bad2) > detail_limit
             else ""))

    # (3) what the registrar completed = what regman charged for + what it
    # flagged late; a late one is always a refunded operation
    done = {}
    cost = {}
    for o in tr.state["orders"].values():
        if o.get("reseller") != SIM_USER or o.get("status") != "completed":
            continue
        k = (o["domain"], KIND.get(o.get("reg_type"), o.get("reg_type")))
        done[k] = done.get(k, 0) + 1
        cost.setdefault(k, []).append(int(o.get("cost", 0)))
    keys = set(done) | set(ops_by)
    bad3, extra = [], []
    unflagged, unflagged_cost = 0, 0
    for k in sorted(keys):
        ops = ops_by.get(k, [])
        n_ok = sum(1 for o in ops if o["state"] == "succeeded")
        n_late = sum(1 for o in ops if o["id"] in late_ids)
        n_done = done.get(k, 0)
        if n_done > n_ok + n_late:
            miss = n_done - n_ok - n_late
            unflagged += miss
            unflagged_cost += sum(sorted(cost.get(k, []))[:miss])
            bad3.append("%s %s: registrar completed %d, regman succeeded %d"
                        " + late %d (refunded: %s)" %
                        (k[0], k[1], n_done, n_ok, n_late,
                         ",".join("op %d %s" % (o["id"], o["state"])
                                  for o in ops if o["state"] in REFUNDED)
                         or "none"))
        elif n_done < n_ok + n_late:
            extra.append("%s %s: registrar completed %d, regman succeeded "
                         "%d + late %d" % (k[0], k[1], n_done, n_ok, n_late))
    t.check("(3) no refunded operation completed at the registrar "
            "unflagged", not bad3,
            "\n".join(bad3[:detail_limit]) +
            ("\n... %d in all" % len(bad3) if len(bad3) > detail_limit
             else ""))
    t.check("(3b) regman never counts as done what the registrar did not do",
            not extra, "\n".join(extra[:detail_limit]))

    # (4) the audit
    t.check("(4) regman audit is clean", tr.audit_rc == 0, tr.audit_out)

    # the late-completion interfaces themselves
    exposure = None
    t.check("regman async list --late --json answers", late_ok,
            "exit %d: %s" % (tr.late_rc, tr.late_err))
    t.check("regman domain list --account %s --json answers%s" %
            (HELD, " (no such account yet)" if tr.held_absent else ""),
            tr.held is not None, "exit %d: %s" % (tr.held_rc, tr.held_err))
    t.check("regman reconcile --json answers", tr.rec is not None,
            "exit %d: %s" % (tr.rec_rc, tr.rec_err))
    at_risk = watching = unknown_cost = None
    if late_ok:
        op_state = {o["id"]: o for o in tr.ops}
        wrong = [e for e in tr.late
                 if e.get("watch") != "late" or
                 op_state.get(e["id"], {}).get("state") not in REFUNDED or
                 not (e.get("registrar_cost") is None or
                      isinstance(e.get("registrar_cost"), int))]
        t.check("every late completion is a refunded operation, watch "
                "late, with its registrar cost (or null: unknown)",
                not wrong, json.dumps(wrong[:5]))
        if tr.held is not None:
            nohome = [e["domain"] for e in tr.late
                      if e["kind"] in ("register", "transfer") and
                      e["domain"] not in held_names]
            t.check("each late registration or transfer is an active "
                    "domain of %s" % HELD, not nohome, " ".join(nohome[:20]))
        exposure = sum(e.get("registrar_cost") or 0 for e in tr.late)
        unknown_cost = sum(1 for e in tr.late
                           if e.get("registrar_cost") is None)
    if tr.rec is not None:
        rows = tr.rec.get("operations", [])
        rlate = sorted(o["id"] for o in rows if o.get("watch") == "late")
        watching = sum(1 for o in rows if o.get("watch") == "watching")
        at_risk = tr.rec.get("total_at_risk")
        bad = [o for o in rows if o.get("state") not in REFUNDED]
        t.check("reconcile: every row a refunded operation, count and "
                "totals the sums of its rows",
                not bad and tr.rec.get("count") == len(rows) and
                tr.rec.get("total_exposure") ==
                sum(o.get("exposure") or 0 for o in rows) and
                at_risk == sum(o.get("at_risk") or 0 for o in rows),
                json.dumps({k: v for k, v in tr.rec.items()
                            if k != "operations"}) + json.dumps(bad[:3]))
        if late_ok:
            t.check("reconcile: its late rows are exactly the late "
                    "completions, their exposure their registrar cost",
                    rlate == sorted(late_ids) and
                    sum(o.get("exposure") or 0 for o in rows
                        if o.get("watch") == "late") == exposure,
                    "reconcile late %s vs async list --late %s; exposure "
                    "%s vs %s" % (rlate[:20], sorted(late_ids)[:20],
                                  tr.rec.get("total_exposure"), exposure))
            exposure = tr.rec.get("total_exposure")
    return {"late": len(late_ids) if late_ok else None,
            "open": len(left),
            "at_risk": at_risk, "watching": watching,
            "unknown_cost": unknown_cost,
            "sync_expiry": tr.sync_expiry, "sync_missing": tr.sync_missing,
            "exposure": exposure, "unflagged": unflagged,
            "unflagged_cost": unflagged_cost, "sim_domains": len(ours)}


def scenario_main(run, prefix):
    """Run one scenario run(world, results) against the binaries named on
    the command line (REGMAN OPENSRS_SIM); an exception is a failed check.
    Returns the exit status."""
    t = Results()
    w = World(sys.argv[1], sys.argv[2], prefix=prefix)
    try:
        run(w, t)
    except Exception as e:
        import traceback
        traceback.print_exc()
        t.check("the scenario ran to its end", False, repr(e))
    finally:
        w.close()
    return t.finish()


def money(minor):
    if minor is None:
        return "n/a"
    return "%d.%02d" % (minor // 100, minor % 100)
