"""Slow clients against a sandboxd, for tests/integration/test_reachable.py
and bench/slow_clients.py: a thread that holds N TCP connections open to
(host, port) and reopens each one the server closes, so the pressure stays
for as long as it runs. Kinds:

  idle     connects and sends nothing
  trickle  sends the start of a request, then one more header byte per
           second, never finishing the headers

The clients run in a process of their own (this file run as a script): in
the prober's process they would take its interpreter lock and make the
probes look slow. Probes measure what a user sees meanwhile: a fresh
connection's GET /health, or an execute_bash_command, each answered within
a deadline or not. Standard library only."""
import errno
import json
import os
import selectors
import socket
import subprocess
import sys
import threading
import time

TRICKLE_HEAD = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: "


class SlowClients:
    """The clients, in a child process; `with SlowClients(...) as sc:`."""

    def __init__(self, host, port, count, kind="idle", python=None):
        """python: the argv of a Python that reads its program from stdin
        somewhere else, e.g. ["docker", "exec", "-i", NAME, "python3", "-"]
        to hold the connections from inside a sandbox; default: this one."""
        assert kind in ("idle", "trickle")
        args = [host, str(port), str(count), kind]
        if python:
            with open(os.path.abspath(__file__)) as f:
                source = f.read()
            self.proc = subprocess.Popen(python + args, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True)
            self.proc.stdin.write(source)
            self.proc.stdin.close()
        else:
            self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__)] + args,
                                         stdout=subprocess.PIPE, text=True)
        self.open = self.reopened = self.failed = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.open, self.reopened, self.failed = (int(x) for x in line.split())

    def wait_open(self, at_least, timeout=30):
        """Waits until at_least connections are established at once."""
        deadline = time.monotonic() + timeout
        while self.open < at_least and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.open

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class _Clients:
    """The child process's side: holds the connections."""

    def __init__(self, host, port, count, kind, trickle_every=1.0):
        self.addr = (host, port)
        self.count = count
        self.kind = kind
        self.trickle_every = trickle_every
        self.sel = selectors.DefaultSelector()
        self.open = 0          # connections established right now
        self.reopened = 0      # connections the server closed and we reopened
        self.failed = 0        # connects that failed

    # a connection's state: None while connecting, then the next trickle time
    def _connect(self):
        s = socket.socket(socket.AF_INET6 if ":" in self.addr[0] else socket.AF_INET)
        s.setblocking(False)
        try:
            s.connect(self.addr)
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            self.failed += 1
            return
        self.sel.register(s, selectors.EVENT_WRITE, {"up": False, "next": 0.0})

    def _drop(self, s):
        self.sel.unregister(s)
        s.close()
        self._connect()

    def _on_event(self, key, mask, now):
        s, st = key.fileobj, key.data
        if not st["up"]:
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                self.failed += 1
                self._drop(s)
                return
            st["up"] = True
            self.open += 1
            if self.kind == "trickle":
                try:
                    s.send(TRICKLE_HEAD)
                except OSError:
                    pass
                st["next"] = now + self.trickle_every
            self.sel.modify(s, selectors.EVENT_READ, st)
            return
        # readable: the server answered or closed; either way it let go of
        # this connection, so take another
        self.open -= 1
        self.reopened += 1
        self._drop(s)

    def run(self):
        for _ in range(self.count):
            self._connect()
        reported = 0.0
        while True:
            now = time.monotonic()
            for key, mask in self.sel.select(timeout=0.1):
                self._on_event(key, mask, now)
            if self.kind == "trickle":
                self._trickle(now)
            if now - reported >= 0.1:
                print(self.open, self.reopened, self.failed, flush=True)
                reported = now

    def _trickle(self, now):
        for key in list(self.sel.get_map().values()):
            st = key.data
            if st["up"] and st["next"] <= now:
                try:
                    key.fileobj.send(b"a")
                except OSError as e:
                    if e.errno not in (errno.EAGAIN, errno.EWOULDBLOCK):
                        continue
                st["next"] = now + self.trickle_every



def health_within(host, port, deadline_s=1.0):
    """True when a fresh connection's GET /health is answered 200 within
    deadline_s (connect included)."""
    return _request_within(host, port, b"GET /health HTTP/1.1\r\nHost: x\r\n"
                           b"Connection: close\r\n\r\n", deadline_s)


def exec_within(host, port, key, deadline_s=1.0):
    """True when execute_bash_command `echo ok` answers 200 with exit code 0
    within deadline_s."""
    body = json.dumps({"command": "echo ok", "timeout": 10}).encode()
    head = ("POST /api/bash/execute_bash_command HTTP/1.1\r\nHost: x\r\n"
            "Connection: close\r\nContent-Type: application/json\r\n"
            "X-Session-API-Key: %s\r\nContent-Length: %d\r\n\r\n" % (key, len(body)))
    return _request_within(host, port, head.encode() + body, deadline_s,
                           want=b'"exit_code":0')


def _request_within(host, port, request, deadline_s, want=None):
    end = time.monotonic() + deadline_s
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family) as s:
            s.settimeout(deadline_s)
            s.connect((host, port))
            s.sendall(request)
            got = b""
            while time.monotonic() < end:
                s.settimeout(max(0.001, end - time.monotonic()))
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
            ok = got.startswith(b"HTTP/1.1 200")
            return ok and (want is None or want in got)
    except OSError:
        return False


def probe(fn, rounds=10, gap_s=0.2):
    """How many of rounds calls of fn() succeed, gap_s apart."""
    ok = 0
    for _ in range(rounds):
        ok += bool(fn())
        time.sleep(gap_s)
    return ok


if __name__ == "__main__":
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    _Clients(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]).run()
