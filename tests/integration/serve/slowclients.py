"""slowclients - a load client for the HTTP deadline tests (Python standard
library only): N sockets from one source address, each sending a request
a byte at a time and never finishing it, watched for the moment the
server closes them; and a probe that times GET /healthz.

Run alone to measure a server by hand:
    python3 slowclients.py PORT [COUNT] [SOURCE] [SECONDS]
"""

import resource
import selectors
import socket
import sys
import threading
import time

# a request header that never ends: the padding header goes on forever
SLOW_HEADER = (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " +
               b"a" * 100000)


def raise_fd_limit(want):
    """Raise the soft RLIMIT_NOFILE to want (at most the hard limit);
    return the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(want, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Slow:
    """One slow client: a socket and what happened to it."""

    def __init__(self, sock, data):
        self.sock = sock
        self.data = data
        self.sent = 0
        self.opened = time.monotonic()
        self.closed = None  # monotonic time the server closed it
        self.answer = b""


class SlowClients:
    """count sockets from source to 127.0.0.1:port; each sends one byte of
    data every interval seconds, starting at once."""

    def __init__(self, port, count, source="127.0.0.2", interval=1.0,
                 data=SLOW_HEADER, dest="127.0.0.1"):
        self.port = port
        self.interval = interval
        self.sel = selectors.DefaultSelector()
        self.clients = []
        self.stop = False
        self.lock = threading.Lock()
        self.connect_errors = 0
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((source, 0))
            s.settimeout(5)
            try:
                s.connect((dest, port))
            except OSError:
                self.connect_errors += 1
                s.close()
                continue
            s.setblocking(False)
            c = Slow(s, data)
            self.clients.append(c)
            self.sel.register(s, selectors.EVENT_READ, c)
            self._send_one(c)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _send_one(self, c):
        if c.closed is not None or c.sent >= len(c.data):
            return
        try:
            c.sock.send(c.data[c.sent:c.sent + 1])
            c.sent += 1
        except BlockingIOError:
            pass
        except OSError:
            self._closed(c)

    def _closed(self, c):
        if c.closed is None:
            c.closed = time.monotonic()
            self.sel.unregister(c.sock)

    def _run(self):
        next_send = time.monotonic() + self.interval
        while not self.stop:
            timeout = max(0.0, next_send - time.monotonic())
            for key, _ in self.sel.select(timeout=min(timeout, 0.05)):
                c = key.data
                try:
                    b = c.sock.recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    b = b""
                with self.lock:
                    if b:
                        c.answer += b
                    else:
                        self._closed(c)
            if time.monotonic() >= next_send:
                with self.lock:
                    for c in self.clients:
                        self._send_one(c)
                next_send += self.interval

    def snapshot(self):
        """(open, closed) counts."""
        with self.lock:
            closed = sum(1 for c in self.clients if c.closed is not None)
        return len(self.clients) - closed, closed

    def close(self):
        self.stop = True
        self.thread.join()
        for c in self.clients:
            c.sock.close()


def healthz(port, host="127.0.0.1", timeout=5.0):
    """One GET /healthz on a new connection: (status line, seconds)."""
    t0 = time.monotonic()
    try:
        s = socket.create_connection((host, port), timeout=timeout)
    except OSError as e:
        return "connect: %s" % e, time.monotonic() - t0
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Connection: close\r\n\r\n")
        buf = b""
        while True:
            b = s.recv(4096)
            if not b:
                break
            buf += b
    except OSError as e:
        return "recv: %s" % e, time.monotonic() - t0
    finally:
        s.close()
    return buf.split(b"\r\n", 1)[0].decode("latin-1"), time.monotonic() - t0


def main():
    port = int(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    source = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.2"
    seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 15
    raise_fd_limit(count + 100)
    sc = SlowClients(port, count, source)
    end = time.monotonic() + seconds
    worst = 0.0
    while time.monotonic() < end:
        status, dt = healthz(port)
        worst = max(worst, dt)
        o, c = sc.snapshot()
        print("%.1fs open=%d closed=%d healthz %s in %.1f ms" %
              (time.monotonic() - sc.clients[0].opened, o, c, status,
               dt * 1000))
        time.sleep(0.5)
    print("worst healthz %.1f ms" % (worst * 1000))
    sc.close()


if __name__ == "__main__":
    main()
