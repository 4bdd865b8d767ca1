"""testdb_test - tests/lib/testdb (the command) and testdb.py (the module)
on the backend REGMAN_TEST_DB names: sqlite (a file made here), or
postgresql (a database made here on the cluster of REGMAN_TEST_PG_URL;
scripts/run-tests runs this test on both). The expected output is the same
text for both backends. TAP-style lines, then "N passed, N failed"."""

import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import testdb  # noqa: E402

TESTDB = os.path.join(HERE, "testdb")
TRICKY = "it's a\ttab\nnl \\ bs ? :'v' :v ; DROP TABLE t; --"
TRICKY_OUT = "it's a\\ttab\\nnl \\\\ bs ? :'v' :v ; DROP TABLE t; --"

passed = failed = 0


def check(desc, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok - " + desc)
    else:
        failed += 1
        print("not ok - " + desc)
        for line in str(detail).splitlines()[:20]:
            print("#   " + line)
    sys.stdout.flush()


def run(*args, env=None):
    r = subprocess.run([TESTDB] + list(args), capture_output=True,
                       text=True, env=env)
    return r.returncode, r.stdout, r.stderr


def same(desc, got, want):
    check(desc, got == want, "got  %r\nwant %r" % (got, want))


def main():
    try:
        b = testdb.backend()
    except testdb.TestDbError as e:
        check("REGMAN_TEST_DB names a known backend", False, e)
        return 1
    print("# backend " + b)
    work = tempfile.mkdtemp(prefix="testdb_test.")
    try:
        if b == "postgresql":
            url = os.environ.get("REGMAN_TEST_PG_URL", "")
            if not url:
                check("REGMAN_TEST_PG_URL is set for postgresql", False,
                      "start a cluster: tests/lib/pgcluster run ...")
                return 1
            db = testdb.createdb(url)
            dest = db + "_copy"
            blob = "bytea"
        else:
            db = os.path.join(work, "t.db")
            dest = os.path.join(work, "copy.db")
            blob = "BLOB"
        body(b, db, dest, blob)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("# %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


def body(b, db, dest, blob):
    rc, out, err = run("backend")
    same("backend prints the backend", (rc, out), (0, b + "\n"))

    rc, out, err = run("exec", db, "CREATE TABLE t (id INTEGER PRIMARY KEY, "
                       "name TEXT, n INTEGER, b %s)" % blob)
    check("exec makes a table", rc == 0, err)
    rc, out, err = run("exec", db, "INSERT INTO t (id, name, n) "
                       "VALUES (?, ?, ?)", "1", TRICKY, "42")
    check("exec binds ? parameters (quote, TAB, newline, backslash, ?, "
          ":'v', ;)", rc == 0 and out == "", err)
    rc, out, err = run("exec", db, "INSERT INTO t (id, name) VALUES (?, ?);",
                       "2", "")
    check("exec: a trailing ; is fine", rc == 0, err)
    testdb.execute(db, "INSERT INTO t (id, name, n, b) VALUES (?, ?, ?, ?)",
                   3, None, -7, b"\x00\x01\xff")
    testdb.execute(db, "INSERT INTO t (id) VALUES (?) -- a comment", 4)

    rc, out, err = run("query", db, "SELECT id, name, n, b FROM t ORDER BY id")
    same("query: one line a row, TAB-separated, escapes, NULL empty, "
         "blob hex", (rc, out),
         (0, "1\t" + TRICKY_OUT + "\t42\t\n"
             "2\t\t\t\n"
             "3\t\t-7\t0001ff\n"
             "4\t\t\t\n"))
    rc, out, err = run("query", db, "SELECT name FROM t WHERE id = ?", "2")
    same("query: a row of one empty value is one empty line", (rc, out),
         (0, "\n"))
    rc, out, err = run("query", db, "SELECT name FROM t WHERE id = ?", "99")
    same("query: no row, no output", (rc, out), (0, ""))
    rc, out, err = run("query", db, "SELECT '?', id FROM t WHERE n = ?", "42")
    same("query: a ? inside a string literal is no placeholder", (rc, out),
         (0, "?\t1\n"))
    rc, out, err = run("value", db, "SELECT COUNT(*) FROM t WHERE name = ?",
                       TRICKY)
    same("value: the tricky text binds as itself", (rc, out), (0, "1\n"))
    rc, out, err = run("value", db, "SELECT n FROM t WHERE id = ?", "2")
    same("value: NULL is empty", (rc, out), (0, "\n"))
    rc, out, err = run("value", db, "SELECT n FROM t WHERE id = ?", "99")
    same("value: no row is empty", (rc, out), (0, "\n"))
    rc, out, err = run("value", db, "SELECT COUNT(*) FROM t")
    same("the table survived the text that names DROP TABLE", (rc, out),
         (0, "4\n"))

    same("one() gives an int for an integer column",
         testdb.one(db, "SELECT n FROM t WHERE id = ?", 1), 42)
    check("... an int, not text",
          type(testdb.one(db, "SELECT n FROM t WHERE id = ?", 1)) is int)
    same("query() gives tuples: None for NULL, '' for empty, bytes for a blob",
         testdb.query(db, "SELECT id, name, b FROM t WHERE id IN (?, ?) "
                      "ORDER BY id", 2, 3),
         [(2, "", None), (3, None, b"\x00\x01\xff")])
    same("one() with no row is None",
         testdb.one(db, "SELECT n FROM t WHERE id = ?", 99), None)
    same("a None parameter binds NULL",
         testdb.one(db, "SELECT COUNT(*) FROM t WHERE ? IS NULL", None), 4)

    rc, out, err = run("query", db, "SELECT id FROM t WHERE id = ?")
    check("too few parameters: exit 1", rc == 1, err)
    rc, out, err = run("query", db, "SELECT id FROM t", "1")
    check("too many parameters: exit 1", rc == 1, err)
    rc, out, err = run("query", db, "SELECT nosuch FROM t")
    check("an SQL error: exit 1, the error on stderr",
          rc == 1 and out == "" and err.startswith("testdb: "), err)
    rc, out, err = run("exec", db, "DELETE FROM t WHERE id = 4; "
                       "DELETE FROM t")
    check("one statement at a time: exit 1", rc == 1, err)
    rc, out, err = run("query", db, "INSERT INTO t (id) VALUES (9) "
                       "RETURNING id")
    check("query is read-only: a change fails", rc == 1, err)
    rc, out, err = run("value", db, "SELECT COUNT(*) FROM t")
    same("... and changed nothing", (rc, out), (0, "4\n"))
    rc, out, err = run("nosuch", db, "SELECT 1")
    check("an unknown command: exit 2", rc == 2, err)
    rc, out, err = run("backend", env=dict(os.environ, REGMAN_TEST_DB="nosuch"))
    check("an unknown backend: exit 2", rc == 2 and "nosuch" in err, err)

    rc, s1, err = run("sig", db, "t")
    check("sig: a digest", rc == 0 and len(s1.strip()) == 64, err)
    rc, s2, err = run("sig", db, "t")
    same("sig is stable", s2, s1)
    rc, out, err = run("copy", db, dest)
    check("copy", rc == 0, err)
    rc, s3, err = run("sig", dest, "t")
    same("the copy has the same rows", s3, s1)
    rc, out, err = run("exec", db, "UPDATE t SET n = ? WHERE id = ?",
                       "43", "1")
    rc, s4, err = run("sig", db, "t")
    check("sig sees a change", rc == 0 and s4 != s1, err)
    rc, s5, err = run("sig", dest, "t")
    same("... which the copy does not have", s5, s1)
    rc, out, err = run("sig", db, "t; DROP TABLE t")
    check("sig refuses a table name that is not one", rc == 2, err)

    if b == "postgresql":
        pg_only(db)


def pg_only(db):
    """What only PostgreSQL has: its types, the URL, psql's hazards."""
    testdb.execute(db, "CREATE TABLE p (id integer, ok boolean, x numeric, "
                   "y numeric, f double precision, ts timestamptz, "
                   "s smallint, big bigint)")
    testdb.execute(db, "INSERT INTO p VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   1, True, 1500, "1.25", 2.5, "2026-01-02 03:04:05", 7,
                   2 ** 62)
    same("postgresql types: boolean 1/0, numeric int or Decimal, float, text",
         testdb.query(db, "SELECT ok, x, y, f, ts, s, big, NOT ok FROM p"),
         [(1, 1500, testdb.decimal.Decimal("1.25"), 2.5,
           "2026-01-02 03:04:05+00", 7, 2 ** 62, 0)])
    rc, out, err = run("query", db, "SELECT ok, x, y, f FROM p WHERE id = ?",
                       "1")
    same("... and as text", (rc, out), (0, "1\t1500\t1.25\t2.5\n"))
    rc, out, err = run("query", db, "SELECT $$a ? b$$, $t$?$t$, ? "
                       "/* ? */ -- ?\n", "c")
    same("no placeholder in dollar quotes or comments", (rc, out),
         (0, "a ? b\t?\tc\n"))
    rc, out, err = run("query", db, 'SELECT 1 AS "a?b", E\'x\\\'?\', ?', "y")
    same("no placeholder in a quoted name or an E'' string", (rc, out),
         (0, "1\tx'?\ty\n"))
    rc, out, err = run("query", db, "SELECT 1 \\gexec")
    check("a backslash outside a literal is refused: exit 1", rc == 1, err)
    rc, out, err = run("query", "/tmp/nosuch.db", "SELECT 1")
    check("a DB that is no URL: exit 2", rc == 2 and "URL" in err, err)
    gone = testdb.createdb(db)
    rc, out, err = run("dropdb", gone)
    check("dropdb drops a database: exit 0", rc == 0, err)
    rc, out, err = run("value", gone, "SELECT 1")
    check("... which is then gone", rc == 1, out + err)
    rc, out, err = run("dropdb", gone)
    check("... and again is no error", rc == 0, err)


if __name__ == "__main__":
    sys.exit(main())
