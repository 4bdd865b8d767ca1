"""test_nodes - several `regman serve` nodes on one PostgreSQL database.

Three nodes (their own config dirs, the same database URL, the same
master.key, each on 127.0.0.1:0) and one opensrs-sim share one simulated
clock (REGMAN_CLOCK_FILE and the sim's /clock/advance). N mixed operations
(registrations in .ca, which the sim completes later, and in .com/.net,
some made asynchronous by fault rules; transfers of names the sim holds
for another registrant; renewals) go through the JSON API, spread over
the three nodes, with fault rules on the Async Manager's polls. The clock
moves on in steps while every node sweeps (REGMAN_SWEEP_INTERVAL_S=2),
first with the connection's event stream on (one node at a time reads
it), then off (each operation polled at its interval);
one node is SIGKILLed while its sweep holds claimed operations (the sim
holds its poll answers back) and is restarted. At the end:

  - `regman audit` is clean and no operation is left new/sending/pending;
  - the sim's request counts show no order sent twice (SW_REGISTER and
    RENEW per domain at most once: every name is ordered once);
  - the nodes' logs (debug: "op N claimed ms=T until=U", "op N poll
    stored ms=T", wall-clock milliseconds) show no operation polled by two
    nodes at once: each claim of an operation by one node starts after the
    previous node's poll of it was stored, or after that node was killed;
  - more than one node polled, and the killed node's claimed operations
    were taken by another (the victim is the first node seen holding
    claims: with the event stream on, the node that read it polls most);
  - every operation that went through pending and ended is digested once:
    no id twice in the admin digests, none left undigested.

PostgreSQL only: REGMAN_TEST_DB=postgresql and REGMAN_TEST_PG_URL are
required; anything else fails the test with a message. meson suite
`nodes`, run by scripts/run-tests in its PostgreSQL pass only.

Environment:
  REGMAN_NODES_OPS   operations (default 1000)
  REGMAN_NODES_SEED  random seed (default 20261206)
  KEEP_WORK=1        keep the work dir (node logs, sim.log)

usage: test_nodes.py REGMAN OPENSRS_SIM
"""

import concurrent.futures
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "lib"))
import testdb  # noqa: E402

SIM_USER = "test"
SIM_KEY = "9a1b2c3d4e5f60718293a4b5c6d7e8f9"
TEMPLATES = os.path.join(HERE, "..", "..", "..", "templates")
ADMIN_PASSWORD = "nodes-admin-password-1"
NODES = 3
SWEEP_S = 2
POLL_ACTIONS = ["GET_ORDER_INFO", "QUERY_QUEUED_REQUEST", "BELONGS_TO_RSP",
                "LOOKUP", "CHECK_TRANSFER", "GET"]
READ_FAULTS = ["http_500", "malformed", "truncated", "close_before",
               "close_after", "code_705", "code_400", "delay"]
# order faults that leave the order open at the sim (no transport fault:
# every order must reach the sim exactly once for the count check)
ORDER_FAULTS = ["async", "queue", "forced_pending", "decline_later"]
COMPLETE_AFTER = [300, 1800, 5400, 14400]


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, desc, cond, detail=""):
        if cond:
            self.passed += 1
            print("ok - " + desc)
        else:
            self.failed += 1
            print("not ok - " + desc)
            for line in str(detail).splitlines()[:20]:
                print("#   " + line)
        sys.stdout.flush()
        return cond

    def finish(self):
        print("# %d passed, %d failed" % (self.passed, self.failed))
        return 0 if self.failed == 0 else 1


def wait_file(path, proc, what, timeout=60.0):
    end = time.time() + timeout
    while time.time() < end:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            with open(path) as f:
                return f.read()
        if proc.poll() is not None:
            raise RuntimeError("%s exited with %s" % (what, proc.returncode))
        time.sleep(0.01)
    raise RuntimeError("%s did not become ready" % what)


class Node:
    def __init__(self, world, i):
        self.w = world
        self.i = i
        self.dir = os.path.join(world.work, "node%d" % i)
        self.conf = os.path.join(self.dir, "regman.conf")
        self.log_path = os.path.join(self.dir, "serve.log")
        self.proc = None
        self.port = None
        self.log = None
        self.kills = []  # wall-clock ms of each SIGKILL

    def start(self):
        ready = os.path.join(self.dir, "serve.ready")
        if os.path.exists(ready):
            os.unlink(ready)
        if self.log is None:
            self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [self.w.regman, "serve", "-c", self.conf, "--listen",
             "127.0.0.1:0", "--ready-file", ready],
            stdout=self.log, stderr=self.log, env=self.w.env)
        text = wait_file(ready, self.proc, "regman serve (node %d)" % self.i)
        self.port = int(text.strip().split(":")[-1])

    def kill(self):
        # the moment of the signal: whatever another node claims after it
        # cannot overlap a poll of this one (that ends with the process)
        self.kills.append(int(time.time() * 1000))
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.proc = None

    def stop(self):
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc = None
        return rc

    def api(self, method, path, body=None, timeout=120):
        conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=timeout)
        try:
            h = {"Authorization": "Bearer " + self.w.token}
            data = None
            if body is not None:
                data = json.dumps(body).encode()
                h["Content-Type"] = "application/json"
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

    def text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()


class World:
    def __init__(self, regman, sim, url):
        self.regman = regman
        self.sim_bin = sim
        self.url = url
        self.work = tempfile.mkdtemp(prefix="regman-nodes.")
        self.clock_file = os.path.join(self.work, "clock")
        self.offset = 0
        self._mtime_ns = 0
        self._write_clock()
        self.env = dict(os.environ, REGMAN_CLOCK_FILE=self.clock_file,
                        REGMAN_SWEEP_INTERVAL_S=str(SWEEP_S))
        self.env.pop("REGMAN_CLOCK_OFFSET", None)
        self.sim = None
        self.token = None
        self.nodes = [Node(self, i + 1) for i in range(NODES)]

    def _write_clock(self):
        tmp = self.clock_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % self.offset)
        ns = max(time.time_ns(), self._mtime_ns + 1000000)
        self._mtime_ns = ns
        os.utime(tmp, ns=(ns, ns))
        os.rename(tmp, self.clock_file)

    def advance(self, seconds):
        self.offset += int(seconds)
        self._write_clock()
        self.ctl("POST", "/clock/advance", {"seconds": int(seconds)})

    def start_sim(self):
        ready = os.path.join(self.work, "sim.ready")
        self.sim = subprocess.Popen(
            [self.sim_bin, "--listen", "127.0.0.1:0", "--control",
             "127.0.0.1:0", "--reseller", SIM_USER + ":" + SIM_KEY,
             "--ready-file", ready, "--log",
             os.path.join(self.work, "sim.log")])
        text = wait_file(ready, self.sim, "opensrs-sim")
        for line in text.splitlines():
            if line.startswith("listen=127.0.0.1:"):
                self.sim_port = int(line.split(":")[-1])
            if line.startswith("control="):
                host, port = line.split("=", 1)[1].rsplit(":", 1)
                self.ctl_addr = (host, int(port))

    def ctl(self, method, path, body=None):
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

    def rg(self, *args, stdin=None, node=0):
        p = subprocess.run([self.regman, args[0], "-c",
                            self.nodes[node].conf] + list(args[1:]),
                           input=stdin, capture_output=True, text=True,
                           env=self.env, timeout=300)
        return p

    def must(self, *args, **kw):
        p = self.rg(*args, **kw)
        if p.returncode != 0:
            raise RuntimeError("regman %s: exit %d: %s%s" %
                               (" ".join(args), p.returncode, p.stdout,
                                p.stderr))
        return p

    def sql(self, q, *params):
        return testdb.query(self.url, q, *params)

    def value(self, q, *params):
        rows = self.sql(q, *params)
        return rows[0][0] if rows else None

    def init(self):
        first = self.nodes[0]
        os.makedirs(first.dir)
        subprocess.run([self.regman, "init", "--dir", first.dir,
                        "--database", self.url], check=True,
                       capture_output=True, env=self.env)
        with open(first.conf) as f:
            text = f.read()
        out = []
        for line in text.splitlines():
            if line.startswith("timeout_ms ="):
                line = "timeout_ms = 1500"
            elif line.startswith("connect_timeout_ms ="):
                line = "connect_timeout_ms = 2000"
            elif line.startswith("retry_delay_ms ="):
                line = "retry_delay_ms = 10"
            elif line.startswith("log_level ="):
                line = "log_level = debug"
            elif line.startswith("[registrar]"):
                # leases longer than the clock moves while a page is
                # polled (900 s a step): a lapse here is a kill's
                line += "\nlease_s = 7200"
            out.append(line)
        out += ["", "[mail]", "from = regman@example.net",
                "admin = admin@example.net", "templates = " + TEMPLATES, ""]
        with open(first.conf, "w") as f:
            f.write("\n".join(out))
        for n in self.nodes[1:]:
            os.makedirs(n.dir, exist_ok=True)
            shutil.copy(first.conf, n.conf)
            key = os.path.join(n.dir, "master.key")
            shutil.copy(os.path.join(first.dir, "master.key"), key)
            os.chmod(key, 0o600)

    def login(self):
        self.must("login", "add", "admin", "--role", "admin",
                  "--password-stdin", stdin=ADMIN_PASSWORD + "\n")
        port = self.nodes[0].port
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
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
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", "/api/v1/auth/tokens",
                     body=json.dumps({"name": "nodes"}),
                     headers={"Content-Type": "application/json",
                              "Cookie": cookie,
                              "X-CSRF-Token": body["csrf_token"]})
        r = conn.getresponse()
        self.token = json.loads(r.read())["token"]
        conn.close()

    def close(self):
        for n in self.nodes:
            if n.proc is not None and n.proc.poll() is None:
                n.proc.terminate()
                try:
                    n.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    n.proc.kill()
                    n.proc.wait()
            if n.log:
                n.log.close()
        if self.sim is not None and self.sim.poll() is None:
            self.sim.terminate()
            self.sim.wait()
        if os.environ.get("KEEP_WORK"):
            print("# work dir kept: " + self.work)
        else:
            shutil.rmtree(self.work, ignore_errors=True)


CLAIM = re.compile(r"async: op (\d+) claimed ms=(\d+) now=(\d+) "
                   r"until=(\d+)")
STORED = re.compile(r"async: op (\d+) (?:poll stored|unclaimed) ms=(\d+)")


def claims_open(node):
    """Operations node has claimed and not stored an answer for."""
    held = set()
    for line in node.text().splitlines():
        m = CLAIM.search(line)
        if m:
            held.add(m.group(1))
            continue
        m = STORED.search(line)
        if m:
            held.discard(m.group(1))
    return held


def poll_intervals(w):
    """{op: [(start_ms, end_ms, node, now, until)]}: each node's polls,
    from the claim to the stored answer or the claim given back unpolled
    (no share of the connection's concurrency), or to the node's kill when
    neither came, with the claim's regman clock and lease end."""
    ops = {}
    for n in w.nodes:
        open_ = {}
        events = []
        for line in n.text().splitlines():
            m = CLAIM.search(line)
            if m:
                events.append((int(m.group(2)), "c", int(m.group(1)),
                               (int(m.group(3)), int(m.group(4)))))
                continue
            m = STORED.search(line)
            if m:
                events.append((int(m.group(2)), "s", int(m.group(1)),
                               None))
        events.sort()
        kills = sorted(n.kills)
        for t, what, op, lease in events:
            if what == "c":
                if op in open_:
                    # claimed again by this node: the earlier poll ended
                    # with a kill (or its answer could not be stored)
                    s, ls = open_.pop(op)
                    end = next((k for k in kills if s <= k <= t), t)
                    ops.setdefault(op, []).append((s, end, n.i) + ls)
                open_[op] = (t, lease)
            elif op in open_:
                s, ls = open_.pop(op)
                ops.setdefault(op, []).append((s, t, n.i) + ls)
        for op, (t, ls) in open_.items():
            end = next((k for k in kills if k >= t), None)
            ops.setdefault(op, []).append(
                (t, end if end is not None else 1 << 62, n.i) + ls)
    return ops


def main():
    if len(sys.argv) != 3:
        print("usage: test_nodes.py REGMAN OPENSRS_SIM", file=sys.stderr)
        return 2
    t = Results()
    db_kind = os.environ.get("REGMAN_TEST_DB", "")
    pg_url = os.environ.get("REGMAN_TEST_PG_URL", "")
    if db_kind != "postgresql" or not pg_url:
        t.check("several nodes need PostgreSQL: REGMAN_TEST_DB=postgresql "
                "and REGMAN_TEST_PG_URL (got REGMAN_TEST_DB=%r, "
                "REGMAN_TEST_PG_URL %s); scripts/run-tests runs this suite "
                "(nodes) in its PostgreSQL pass" %
                (db_kind, "set" if pg_url else "unset"), False)
        return t.finish()
    nops = int(os.environ.get("REGMAN_NODES_OPS", "1000"))
    seed = int(os.environ.get("REGMAN_NODES_SEED", "20261206"))
    rnd = random.Random(seed)
    t0 = time.time()
    w = World(sys.argv[1], sys.argv[2], testdb.createdb(pg_url))
    try:
        return run(w, t, rnd, nops, seed, t0)
    finally:
        w.close()


def run(w, t, rnd, nops, seed, t0):
    w.start_sim()
    w.init()
    w.must("registrar", "add", "--title", "sim", "--server", "127.0.0.1",
           "--port", str(w.sim_port), "--tls", "no", "--login", SIM_USER,
           "--key", SIM_KEY, "--ns", "ns1.example.net,ns2.example.net",
           "--first-check", "2m", "--poll-interval", "15m", "--deadline",
           "3h", "--transfer-deadline", "6h", "--concurrency", "4",
           "--rate", "0")
    for tld in (".com", ".net", ".ca"):
        w.must("tld", "set", tld, "--registrar", "sim", "--price",
               "register:1=10", "--price", "renew:1=10", "--price",
               "transfer:1=10")
    accounts = {}
    for name in ("alice", "bob", "carol"):
        w.must("account", "add", name, "--email", name + "@example.com")
        w.must("account", "credit", name, "100000", "--ref", "seed-" + name)
        w.must("account", "contact", name, "--first-name", name.capitalize(),
               "--last-name", "Smith", "--address1", "1 Main St", "--city",
               "Toronto", "--postal-code", "M5V1A1", "--country", "CA",
               "--phone", "+1.4165550123", "--email", name + "@example.com",
               "--cira-legal-type", "CCT")
        accounts[name] = json.loads(
            w.must("account", "show", name, "--json").stdout)["id"]
    for n in w.nodes:
        n.start()
    w.login()
    print("# seed %d, %d operations over %d nodes" % (seed, nops, NODES))

    # the orders: registrations and transfers first, renewals of names
    # registered at once after them
    n_xfer = nops // 5
    n_renew = nops // 5
    n_reg = nops - n_xfer - n_renew
    plan = []
    for i in range(n_reg):
        tld = rnd.choice(["com", "net", "ca", "ca"])
        name = "n%05d.%s" % (i, tld)
        if tld != "ca" and rnd.random() < 0.4:
            rule = {"action": "SW_REGISTER", "domain": name,
                    "fault": rnd.choice(ORDER_FAULTS), "count": 1}
            if rule["fault"] != "forced_pending":
                rule["complete_after"] = rnd.choice(COMPLETE_AFTER)
            w.rule(**rule)
        plan.append(("register", name, rnd.choice(list(accounts)), None))
    for i in range(n_xfer):
        tld = rnd.choice(["com", "net", "ca"])
        name = "x%05d.%s" % (i, tld)
        auth = "auth-%05d" % i
        w.ctl("POST", "/domains", {"name": name, "owner": "other",
                                   "auth_info": auth})
        plan.append(("transfer", name, rnd.choice(list(accounts)), auth))
    rnd.shuffle(plan)

    outcomes = {}

    def send(k):
        kind, name, acct, auth = plan_all[k]
        node = w.nodes[k % NODES]
        if kind == "renew":
            path, body = "/api/v1/domains/%s/renew" % name, {"term": 1}
        else:
            path = "/api/v1/domains/" + kind
            body = {"name": name, "account_id": accounts[acct]}
            if auth:
                body["auth_code"] = auth
        try:
            st, j = node.api("POST", path, body)
        except OSError as e:
            return k, "lost: %s" % e
        if st in (200, 201, 202) and j:
            return k, j.get("outcome") or j.get("state")
        return k, "refused %d %s" % (st, j)

    plan_all = plan
    t_orders = time.time()
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as ex:
        for k, out in ex.map(send, range(len(plan))):
            outcomes[k] = out
    done = [plan[k][1] for k, o in outcomes.items()
            if o == "succeeded" and plan[k][0] == "register"]
    rnd.shuffle(done)
    renews = [("renew", name, None, None) for name in done[:n_renew]]
    plan_all = plan + renews
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as ex:
        for k, out in ex.map(send, range(len(plan), len(plan_all))):
            outcomes[k] = out
    t_orders = time.time() - t_orders
    kinds = {}
    for k, o in outcomes.items():
        kinds[o] = kinds.get(o, 0) + 1
    print("# %d orders placed in %.1f s: %s" %
          (len(outcomes), t_orders, json.dumps(kinds, sort_keys=True)))
    t.check("every order was answered", not any(
        o.startswith("lost") for o in outcomes.values()),
        [o for o in outcomes.values() if o.startswith("lost")][:5])
    t.check("operations were left pending for the sweeps",
            kinds.get("pending", 0) > nops // 10, kinds)

    # read faults on the polls, some of every kind
    for _ in range(30):
        f = rnd.choice(READ_FAULTS)
        rule = {"action": rnd.choice(POLL_ACTIONS), "fault": f,
                "count": rnd.randint(1, 3)}
        if f == "delay":
            rule["delay_ms"] = 200
        w.rule(**rule)

    def open_ops():
        return int(w.value("SELECT COUNT(*) FROM operations WHERE state IN "
                           "('new', 'sending', 'pending')"))

    # the clock moves on while every node sweeps; one node is killed in
    # the middle of a sweep (its polls held back by the sim) and restarted
    killed = None
    victim = None
    rounds = 0
    while open_ops() > 0 and rounds < 80:
        rounds += 1
        w.advance(900)
        if rounds >= 3 and killed is None:
            if rounds == 3:
                # so far the event stream settled what ended (one node
                # reads it); the stream turned off, every node polls each
                # pending operation at its interval again
                w.must("registrar", "edit", "sim", "--events", "off")
                # the sim holds poll answers back: sweeps last a while
                w.rule(action="GET_ORDER_INFO", fault="delay",
                       delay_ms=1500, count=60)
                w.rule(action="CHECK_TRANSFER", fault="delay",
                       delay_ms=1500, count=30)
            # the victim is whichever node holds claims first: which node
            # polls depends on who read the event stream (its reader
            # marks what ended due and claims it in the same sweep) and
            # on who holds the connection's concurrency
            end = time.time() + 15
            held = 0
            while time.time() < end and not held:
                for n in w.nodes:
                    held = len(claims_open(n))
                    if held:
                        victim = n
                        break
                else:
                    time.sleep(0.05)
            if held:
                victim.kill()
                killed = held
                print("# node %d SIGKILLed holding %d claimed operations "
                      "(clock step %d)" % (victim.i, held, rounds))
                time.sleep(1)
                victim.start()
        time.sleep(SWEEP_S + 1.5)
    # the last sweeps: everything ended is digested
    time.sleep(2 * SWEEP_S + 1)

    left = open_ops()
    t.check("every operation ended (%d clock steps)" % rounds, left == 0,
            w.sql("SELECT id, state, kind FROM operations WHERE state IN "
                  "('new', 'sending', 'pending') ORDER BY id LIMIT 10"))
    t.check("a node was killed in the middle of a sweep",
            killed is not None and killed > 0, killed)
    p = w.rg("audit")
    t.check("regman audit is clean", p.returncode == 0, p.stdout + p.stderr)

    counts = w.ctl("GET", "/counts")
    twice = []
    for action in ("SW_REGISTER", "RENEW", "TRANSFER"):
        for dom, c in counts.get("domains", {}).get(action, {}).items():
            if c > 1:
                twice.append("%s %s x%d" % (action, dom, c))
    t.check("no order sent twice (sim counts per domain)", not twice,
            twice[:10])
    n_ops = int(w.value("SELECT COUNT(*) FROM operations"))
    t.check("every order is one operation", n_ops >= len(plan_all) - sum(
        1 for o in outcomes.values() if o.startswith("refused")),
        "%d operations, %d orders" % (n_ops, len(plan_all)))

    ops = poll_intervals(w)
    overlaps = []
    lapsed = 0
    for op, iv in ops.items():
        iv.sort()
        for a, b in zip(iv, iv[1:]):
            if a[2] == b[2] or b[0] >= a[1]:
                continue
            # b claimed while a still polled: only once a's lease had
            # lapsed (regman's clock, moved by the test, passed its end)
            if b[3] >= a[4]:
                lapsed += 1
                continue
            overlaps.append("op %d: node %d %d..%d (lease to %d), node %d "
                            "from %d (clock %d)" %
                            (op, a[2], a[0], a[1], a[4], b[2], b[0], b[3]))
    polls = sum(len(v) for v in ops.values())
    by_node = {}
    for iv in ops.values():
        for node in (x[2] for x in iv):
            by_node[node] = by_node.get(node, 0) + 1
    print("# polls by node: %s; %d taken over after a lease lapsed" %
          (json.dumps(by_node, sort_keys=True), lapsed))
    t.check("no operation polled by two nodes within one lease (%d polls)"
            % polls,
            polls > 0 and not overlaps, overlaps[:10])
    t.check("more than one node polled", len(by_node) > 1, by_node)
    taken = 0
    for op, iv in ops.items():
        for a, b in zip(iv, iv[1:]):
            if victim and a[2] == victim.i and b[2] != victim.i and \
                    a[1] in victim.kills:
                taken += 1
    t.check("the killed node's claims were taken by other nodes",
            killed == 0 or taken > 0, "%d taken" % taken)

    # the digests: every operation that ended after pending, once
    undigested = int(w.value(
        "SELECT COUNT(*) FROM operations WHERE digested_at IS NULL AND "
        "deadline_at IS NOT NULL AND state IN ('succeeded', 'failed', "
        "'timed_out', 'cancelled')"))
    bodies = [r[0] for r in w.sql(
        "SELECT body FROM mail_outbox WHERE subject LIKE '%igest%' OR "
        "body LIKE '%op %' ORDER BY id")]
    seen, dup = set(), []
    for b in bodies:
        for m in re.finditer(r"^op (\d+) ", b, re.M):
            if m.group(1) in seen:
                dup.append(m.group(1))
            seen.add(m.group(1))
    t.check("every ended operation digested (%d digests, %d listed)" %
            (len(bodies), len(seen)), undigested == 0 and len(seen) > 0,
            "%d undigested" % undigested)
    t.check("no operation in two digests", not dup, dup[:10])

    for n in w.nodes:
        rc = n.stop()
        t.check("node %d stops cleanly" % n.i, rc == 0, rc)
        bad = [ln for ln in n.text().splitlines()
               if " fatal " in ln or "digested by another" in ln]
        t.check("node %d logged no error" % n.i, not bad, "\n".join(bad[:5]))
    print("# %d operations, %d nodes, %.1f s" % (nops, NODES,
                                                 time.time() - t0))
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
