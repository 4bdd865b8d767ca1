"""testdb - the one way tests read or change the regman database directly.

Tests open the database only through regman itself or through this
helper; REGMAN_TEST_DB chooses the backend: unset or "sqlite", the SQLite
file regman.conf names; "postgresql", a database on a PostgreSQL server,
named by its URL (postgresql://user@host:port/db), reached through psql
(Debian's postgresql-client; tests/lib/pgcluster makes the test clusters).
Any other value is an error that fails the test that asked, so a suite
never passes against a backend it did not reach.

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
callers pass typed values). SQL is one statement (a trailing ; is fine).

Output of query, stable across backends: one line per row, the columns
separated by one TAB, NULL written as the empty string, integers in
decimal, text as stored (a backslash, TAB or newline inside a value is
written as \\\\, \\t or \\n). DB is the database regman.conf names (for
sqlite, the file; for postgresql, the URL). Exit status: 0; 1 when the
SQL failed; 2 for a usage error or an unknown backend.

PostgreSQL: psql -X -q -A -t -F TAB -v ON_ERROR_STOP=1 runs the SQL; each
? becomes a psql variable written :'testdb_pN', which psql quotes as a
literal (PQescapeLiteral): a value is never spliced into the SQL text, and
the server types it from its place like a quoted constant (None is NULL,
True/False are '1'/'0', bytes '\\x...'). The rows come through COPY (...)
TO STDOUT and their types through \\gdesc: smallint, integer, bigint and
oid are ints, boolean 1 or 0 (as SQLite stores it), numeric an int when
whole else a Decimal, real and double precision floats, bytea bytes, and
every other type its PostgreSQL text (timestamps, dates, json: as psql
prints them). query and value run in a READ ONLY transaction. The SQL
passes through psql: no backslash outside a string literal. copy DB DEST:
DEST is a URL too; its database is made anew (dropped first when there)
from pg_dump of DB. createdb(url) makes a fresh database and returns its
URL (the shell's is `pgcluster createdb`); dropdb(url), `testdb dropdb
URL`, drops one.

Python tests import this module (backend, query, one, execute, sig,
copy, createdb); the browser tests run the command."""

import csv
import decimal
import glob
import hashlib
import io
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

BACKENDS = ("sqlite", "postgresql")
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
    import sqlite3
    if write:
        c = sqlite3.connect(db, timeout=30)
    else:
        c = sqlite3.connect("file:" + db + "?mode=ro", uri=True, timeout=30)
    return c


def query(db, sql, *params):
    """Every row of sql as a list of tuples."""
    if backend() == "postgresql":
        return _pg_query(db, sql, params)
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
    if backend() == "postgresql":
        _pg_exec(db, sql, params)
        return
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
    if backend() == "postgresql":
        _pg_copy(db, dest)
        return
    src = _connect(db, False)
    dst = _connect(dest, True)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


# --- postgresql --------------------------------------------------------------

class PgError(Exception):
    """The SQL failed (psql's error), or it cannot be bound."""


def _pg_tool(name):
    """psql or pg_dump: on PATH, else the highest /usr/lib/postgresql/*/bin."""
    p = shutil.which(name)
    if p:
        return p
    def ver(d):
        v = d.split("/")[-2]
        return [int(x) for x in v.split(".") if x.isdigit()]
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=ver,
                    reverse=True):
        if os.access(os.path.join(d, name), os.X_OK):
            return os.path.join(d, name)
    raise TestDbError("%s not found: install the Debian package "
                      "postgresql-client (scripts/install-deps)" % name)


def _pg_url(db):
    if not re.match(r"postgres(ql)?://", db):
        raise TestDbError("REGMAN_TEST_DB=postgresql: the database is a "
                          "postgresql:// URL, not %r" % db)
    return db


def _pg_literal(v):
    """The text psql quotes for one parameter (None is handled apart)."""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (bytes, bytearray, memoryview)):
        return "\\x" + bytes(v).hex()
    if isinstance(v, float):
        return repr(v)
    return str(v)


_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


def _pg_bind(sql, params):
    """sql with each ? outside literals, quoted identifiers and comments
    replaced by :'testdb_pN' (NULL for None), and psql's -v arguments for
    them. One statement: a trailing ; is dropped."""
    out = []
    args = []
    n = len(sql)
    i = 0
    k = 0
    ended = False
    while i < n:
        c = sql[i]
        if c.isspace():
            out.append(c)
            i += 1
            continue
        if sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            out.append(sql[i:j])
            i = j
            continue
        if sql.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if sql.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif sql.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(sql[i:j])
            i = j
            continue
        if ended:
            raise PgError("one statement at a time: %r" % sql)
        prev = sql[i - 1] if i else " "
        if c == "'":
            esc = prev in "eE" and not (i >= 2 and (sql[i - 2].isalnum()
                                                    or sql[i - 2] == "_"))
            j = i + 1
            while j < n:
                if esc and sql[j] == "\\":
                    j += 2
                elif sql[j] == "'":
                    if sql.startswith("''", j):
                        j += 2
                    else:
                        break
                else:
                    j += 1
            out.append(sql[i:j + 1])
            i = j + 1
        elif c == '"':
            j = i + 1
            while j < n:
                if sql.startswith('""', j):
                    j += 2
                elif sql[j] == '"':
                    break
                else:
                    j += 1
            out.append(sql[i:j + 1])
            i = j + 1
        elif c == "$" and not (prev.isalnum() or prev in "_$") and \
                _DOLLAR.match(sql, i):
            tag = _DOLLAR.match(sql, i).group(0)
            j = sql.find(tag, i + len(tag))
            j = n if j < 0 else j + len(tag)
            out.append(sql[i:j])
            i = j
        elif c == "?":
            if k >= len(params):
                raise PgError("Incorrect number of bindings supplied: more "
                              "than %d ? in %r" % (len(params), sql))
            if params[k] is None:
                out.append("NULL")
            else:
                out.append(":'testdb_p%d'" % (k + 1))
                args += ["-v", "testdb_p%d=%s" % (k + 1,
                                                  _pg_literal(params[k]))]
            k += 1
            i += 1
        elif c == ";":
            ended = True
            i += 1
        elif c == "\\":
            raise PgError("a backslash outside a string literal (psql would "
                          "read a meta-command): %r" % sql)
        else:
            out.append(c)
            i += 1
    if k != len(params):
        raise PgError("Incorrect number of bindings supplied: %d ? for %d "
                      "parameters in %r" % (k, len(params), sql))
    return "".join(out), args


def _pg_psql(db, script, args, stdout=subprocess.PIPE):
    """Run a psql script on db; its output (bytes)."""
    env = dict(os.environ, PGCLIENTENCODING="UTF8")
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    cmd = [_pg_tool("psql"), "-X", "-q", "-A", "-t", "-F", "\t",
           "-v", "ON_ERROR_STOP=1", "-d", _pg_url(db), "-f", "-"] + args
    r = subprocess.run(cmd, input=script.encode(), stdout=stdout,
                       stderr=subprocess.PIPE, env=env)
    if r.returncode != 0:
        raise PgError(r.stderr.decode(errors="replace").strip() or
                      "psql exited with %d" % r.returncode)
    return r.stdout


_COPY_ESC = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t",
             "v": "\v"}


def _copy_field(f):
    """One field of COPY's text format; None for NULL."""
    if f == "\\N":
        return None
    if "\\" not in f:
        return f

    def unesc(m):
        e = m.group(1)
        if e in _COPY_ESC:
            return _COPY_ESC[e]
        if e[0] == "x":
            return chr(int(e[1:], 16))
        if e[0].isdigit():
            return chr(int(e, 8))
        return e
    return re.sub(r"\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)", unesc, f)


_PG_INT = ("smallint", "integer", "bigint", "oid")


def _pg_value(text, typ):
    """A value of PostgreSQL's text form as the Python value it stands for."""
    if text is None:
        return None
    base = typ.split("(")[0].strip()
    if base in _PG_INT:
        return int(text)
    if base == "boolean":
        return 1 if text == "t" else 0
    if base == "numeric":
        return int(text) if _INT.match(text) else decimal.Decimal(text)
    if base in ("real", "double precision"):
        return float(text)
    if base == "bytea" and text.startswith("\\x"):
        return bytes.fromhex(text[2:])
    return text


def _pg_query(db, sql, params):
    body, args = _pg_bind(sql, params)
    fd, desc = tempfile.mkstemp(prefix="testdb.", suffix=".csv")
    os.close(fd)
    try:
        # the column types (\gdesc, as CSV) go to the file; the rows
        # (COPY's text format) to stdout
        script = ("BEGIN TRANSACTION READ ONLY;\n"
                  "\\pset format csv\n"
                  "\\o :testdb_desc\n"
                  "%s\n\\gdesc\n"
                  "\\o\n"
                  "COPY (\n%s\n) TO STDOUT;\n"
                  "COMMIT;\n" % (body, body))
        out = _pg_psql(db, script, args + ["-v", "testdb_desc=" + desc])
        with open(desc, newline="", encoding="utf-8") as fh:
            d = fh.read()
    finally:
        os.unlink(desc)
    # psql's note when there is no column (a name would be quoted: CSV)
    if d.strip() in ("", "The command has no result, or the result has "
                     "no columns."):
        raise PgError("query: the statement returns no rows: %r" % sql)
    types = [r[-1] for r in csv.reader(io.StringIO(d, newline="")) if r]
    # COPY ends every row with a newline: an empty line is a row too (one
    # empty text column)
    lines = out.decode("utf-8").split("\n")
    if lines[-1] != "":
        raise PgError("COPY output without its last newline")
    rows = []
    for line in lines[:-1]:
        fields = [_copy_field(f) for f in line.split("\t")]
        if len(fields) != len(types):
            raise PgError("%d columns in a row, %d described: %r" %
                          (len(fields), len(types), line))
        rows.append(tuple(_pg_value(f, t) for f, t in zip(fields, types)))
    return rows


def _pg_exec(db, sql, params):
    body, args = _pg_bind(sql, params)
    _pg_psql(db, body + "\n;\n", args, stdout=subprocess.DEVNULL)


def _pg_db_url(url, name):
    """url naming the database name instead."""
    u = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(u._replace(path="/" + name))


def _pg_db_name(url):
    name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.lstrip("/"))
    if not re.match(r"[A-Za-z0-9_]{1,63}\Z", name):
        raise TestDbError("a test database name is [A-Za-z0-9_]+: %r" % url)
    return name


def createdb(url, name=None):
    """Make a fresh database (a unique name when none is given) on the
    server of url; its URL."""
    if name is None:
        name = "t_%d_%s" % (os.getpid(), secrets.token_hex(4))
    new = _pg_db_url(_pg_url(url), name)
    _pg_db_name(new)
    _pg_psql(url, 'CREATE DATABASE :"testdb_name";\n',
             ["-v", "testdb_name=" + name], stdout=subprocess.DEVNULL)
    return new


def dropdb(url):
    """Drop the database of url (its connections ended first); nothing when
    it is not there."""
    name = _pg_db_name(_pg_url(url))
    _pg_psql(_pg_db_url(_pg_url(url), "postgres"),
             'DROP DATABASE IF EXISTS :"testdb_name" WITH (FORCE);\n',
             ["-v", "testdb_name=" + name], stdout=subprocess.DEVNULL)


def _pg_copy(db, dest):
    src, dst = _pg_url(db), _pg_url(dest)
    name = _pg_db_name(dst)
    if _pg_db_name(src) == name and \
            urllib.parse.urlsplit(src).netloc == \
            urllib.parse.urlsplit(dst).netloc:
        raise TestDbError("copy: DEST is DB")
    _pg_psql(_pg_db_url(dst, "postgres"),
             'DROP DATABASE IF EXISTS :"testdb_name";\n'
             'CREATE DATABASE :"testdb_name";\n',
             ["-v", "testdb_name=" + name], stdout=subprocess.DEVNULL)
    env = dict(os.environ, PGCLIENTENCODING="UTF8")
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    dump = subprocess.Popen([_pg_tool("pg_dump"), "--no-owner",
                             "--no-privileges", "-d", src],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env)
    load = subprocess.run([_pg_tool("psql"), "-X", "-q", "-v",
                           "ON_ERROR_STOP=1", "-d", dst, "-f", "-"],
                          stdin=dump.stdout, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, env=env)
    dump.stdout.close()
    derr = dump.stderr.read()
    drc = dump.wait()
    if drc != 0:
        raise PgError("pg_dump: " + derr.decode(errors="replace").strip())
    if load.returncode != 0:
        raise PgError("psql: " + load.stderr.decode(errors="replace").strip())


USAGE = ("usage: testdb backend | query DB SQL [PARAM...] | "
         "value DB SQL [PARAM...] | exec DB SQL [PARAM...] | sig DB TABLE... | "
         "copy DB DEST | dropdb URL")


def main(argv):
    if argv == ["backend"]:
        try:
            print(backend())
        except TestDbError as e:
            print("testdb: " + str(e), file=sys.stderr)
            return 2
        return 0
    if len(argv) == 2 and argv[0] == "dropdb":
        try:
            dropdb(argv[1])
        except TestDbError as e:
            print("testdb: " + str(e), file=sys.stderr)
            return 2
        except Exception as e:  # the backend's own error
            print("testdb: %s: %s" % (type(e).__name__, e), file=sys.stderr)
            return 1
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
