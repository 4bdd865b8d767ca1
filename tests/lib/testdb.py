"""testdb - the one way tests read or change the regman database directly.

Tests open the database only through regman itself or through this
helper; REGMAN_TEST_DB chooses the backend (unset or "sqlite": the SQLite
file regman.conf names). Any other value is an error that fails the test
that asked, so a suite never passes against a backend it did not reach.

Command line (tests/lib/testdb wraps it):
    testdb backend                   print the backend (fails when unknown)
    testdb query DB SQL [PARAM...]   print the rows
    testdb value DB SQL [PARAM...]   print the first column of the first
                                     row as it is ("" for NULL or no row)
    testdb exec DB SQL [PARAM...]    run a change, print nothing
    testdb sig DB TABLE...           a digest of every row of the tables
    testdb copy DB DEST              a consistent copy of the database at
                                     DEST (a second installation's)
SQL uses ? placeholders; on the command line a PARAM that is a canonical
decimal integer is bound as an integer, anything else as text (Python
callers pass typed values).

Output of query, stable across backends: one line per row, the columns
separated by one TAB, NULL written as the empty string, integers in
decimal, text as stored (a backslash, TAB or newline inside a value is
written as \\\\, \\t or \\n). DB is the database regman.conf names (for
sqlite, the file). Exit status: 0; 1 when the SQL failed; 2 for a usage
error or an unknown backend.

Python tests import this module (backend, query, one, execute, sig,
copy); the browser tests run the command."""

import hashlib
import os
import re
import sys

BACKENDS = ("sqlite",)
_INT = re.compile(r"-?(0|[1-9][0-9]{0,17})\Z")


class TestDbError(Exception):
    """A usage error or a backend this helper does not know."""


def backend():
    """The backend REGMAN_TEST_DB names; TestDbError for an unknown one."""
    b = os.environ.get("REGMAN_TEST_DB", "") or "sqlite"
    if b not in BACKENDS:
        raise TestDbError(
            "REGMAN_TEST_DB=%s: no test database helper for it "
            "(known: %s)" % (b, ", ".join(BACKENDS)))
    return b


def _cli_params(ps):
    """Command-line parameters: a canonical decimal integer binds as one."""
    return [int(p) if _INT.match(p) else p for p in ps]


def _connect(db, write):
    backend()
    import sqlite3
    if write:
        c = sqlite3.connect(db, timeout=30)
    else:
        c = sqlite3.connect("file:" + db + "?mode=ro", uri=True, timeout=30)
    return c


def query(db, sql, *params):
    """Every row of sql as a list of tuples."""
    c = _connect(db, False)
    try:
        return c.execute(sql, params).fetchall()
    finally:
        c.close()


def one(db, sql, *params):
    """The first column of the first row, None when there is none."""
    rows = query(db, sql, *params)
    return rows[0][0] if rows else None


def execute(db, sql, *params):
    """Run one changing statement and commit it (tests only: behind
    regman's back)."""
    c = _connect(db, True)
    try:
        c.execute(sql, params)
        c.commit()
    finally:
        c.close()


def cell(v):
    """One value in the query output's text form."""
    if v is None:
        return ""
    if isinstance(v, bytes):
        return v.hex()
    return str(v).replace("\\", "\\\\").replace("\t", "\\t").replace(
        "\n", "\\n")


def row_text(r):
    return "\t".join(cell(v) for v in r)


def sig(db, tables):
    """A digest of every row of the tables (ordered by the first column)."""
    h = hashlib.sha256()
    for t in tables:
        if not re.match(r"[a-z_]+\Z", t):
            raise TestDbError("bad table name %r" % t)
        h.update(("table " + t + "\n").encode())
        for r in query(db, "SELECT * FROM " + t + " ORDER BY 1"):
            h.update((row_text(r) + "\n").encode())
    return h.hexdigest()


def copy(db, dest):
    """A consistent copy of the database (while regman may be writing)."""
    src = _connect(db, False)
    dst = _connect(dest, True)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


USAGE = ("usage: testdb backend | query DB SQL [PARAM...] | "
         "value DB SQL [PARAM...] | exec DB SQL [PARAM...] | sig DB TABLE... | "
         "copy DB DEST")


def main(argv):
    if argv == ["backend"]:
        try:
            print(backend())
        except TestDbError as e:
            print("testdb: " + str(e), file=sys.stderr)
            return 2
        return 0
    if len(argv) < 3 or argv[0] not in ("query", "value", "exec", "sig", "copy"):
        print(USAGE, file=sys.stderr)
        return 2
    cmd, db = argv[0], argv[1]
    try:
        if cmd == "value":
            v = one(db, argv[2], *_cli_params(argv[3:]))
            print("" if v is None else v)
        elif cmd == "query":
            for r in query(db, argv[2], *_cli_params(argv[3:])):
                print(row_text(r))
        elif cmd == "copy":
            if len(argv) != 3:
                raise TestDbError(USAGE)
            copy(db, argv[2])
        elif cmd == "exec":
            execute(db, argv[2], *_cli_params(argv[3:]))
        else:
            print(sig(db, argv[2:]))
    except TestDbError as e:
        print("testdb: " + str(e), file=sys.stderr)
        return 2
    except Exception as e:  # the backend's own error
        print("testdb: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
