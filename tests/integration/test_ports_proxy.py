"""GET /api/handbox/ports and the port proxy /api/handbox/ports/{port}/{path}:
real apps (python3 -m http.server, a small echo server, a hand-made
WebSocket server) listen on 127.0.0.1 and are reached through sandboxd only.
See docs/port-proxy.md."""
import base64
import hashlib
import http.client
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time

import pytest
import websocket

from conftest import KEY_HEADER, free_port, ws_close_status

PREFIX = "/api/handbox/ports"

# An HTTP server that answers every request with what it received: method,
# path (with the query as sent), headers and body (a chunked body decoded).
ECHO_SERVER = r'''
import http.server, json, sys
class Echo(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def answer(self):
        if self.headers.get("Transfer-Encoding") == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if not size:
                    self.rfile.readline()
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            body = b"".join(parts)
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        out = json.dumps({"method": self.command, "path": self.path,
                          "headers": {k.lower(): v for k, v in self.headers.items()},
                          "body_sha256": __import__("hashlib").sha256(body).hexdigest(),
                          "body_len": len(body)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.send_header("X-Echo", "yes")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)
    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = answer
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Echo).serve_forever()
'''


def wait_listening(port, proc, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, "the test server exited with %s" % proc.returncode
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("nothing listens on 127.0.0.1:%d after %d s" % (port, timeout))


@pytest.fixture
def start_server():
    """Starts `python3 ARGS` with a free port as {port}; returns (port, proc)."""
    procs = []

    def start(args, cwd=None):
        port = free_port()
        proc = subprocess.Popen([sys.executable] + [a.replace("{port}", str(port)) for a in args],
                                cwd=cwd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(proc)
        wait_listening(port, proc)
        return port, proc

    yield start
    for proc in procs:
        proc.kill()
        proc.wait()


@pytest.fixture
def site(tmp_path, start_server):
    """python3 -m http.server on 127.0.0.1 serving a temporary directory."""
    (tmp_path / "hello.txt").write_bytes(b"hello from the sandbox\n")
    (tmp_path / "big.bin").write_bytes(os.urandom(20 << 20))
    (tmp_path / "sub dir").mkdir()
    (tmp_path / "sub dir" / "caf\u00e9.txt").write_bytes(b"accents\n")
    port, proc = start_server(["-m", "http.server", "{port}", "--bind", "127.0.0.1"],
                              cwd=str(tmp_path))
    return {"port": port, "pid": proc.pid, "dir": tmp_path}


@pytest.fixture
def echo(start_server):
    port, _ = start_server(["-c", ECHO_SERVER, "{port}"])
    return port


def raw_request(sb, method, path, body=None, headers=None, key=True, timeout=60):
    """(status, headers as a lower-cased dict, body bytes) without following
    redirects or decoding anything."""
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=timeout)
    hdrs = dict(headers or {})
    if key:
        hdrs[KEY_HEADER] = sb.key
    conn.request(method, path, body=body, headers=hdrs)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def rss_peak_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM for pid %d" % pid)


# ------------------------------------------------------------ the listing

def test_ports_lists_the_app_with_its_process(sandboxd, site):
    status, body = sandboxd.get(PREFIX)
    assert status == 200, body
    mine = [p for p in body["ports"] if p["port"] == site["port"]]
    assert mine, body
    with open("/proc/%d/comm" % site["pid"]) as f:
        comm = f.read().strip()
    assert mine[0] == {"port": site["port"], "address": "127.0.0.1", "family": "ipv4",
                       "pid": site["pid"], "command": comm}
    # sandboxd's own socket is left out
    assert sandboxd.port not in [p["port"] for p in body["ports"]]
    assert [p["port"] for p in body["ports"]] == sorted(p["port"] for p in body["ports"])


def test_ports_shows_an_ipv6_listener(sandboxd):
    s = socket.socket(socket.AF_INET6)
    try:
        s.bind(("::1", 0))
    except OSError:
        s.close()
        pytest.fail("this machine has no IPv6 loopback to test with")
    s.listen(1)
    try:
        port = s.getsockname()[1]
        status, body = sandboxd.get(PREFIX)
        assert status == 200
        mine = [p for p in body["ports"] if p["port"] == port]
        assert mine == [{"port": port, "address": "::1", "family": "ipv6",
                         "pid": os.getpid(), "command": mine[0]["command"]}]
        assert mine[0]["command"]
    finally:
        s.close()
    status, body = sandboxd.get(PREFIX)
    assert port not in [p["port"] for p in body["ports"]]


def test_ports_needs_the_key(sandboxd):
    status, body = sandboxd.get(PREFIX, key=None)
    assert (status, body) == (401, {"detail": "Unauthorized"})


# -------------------------------------------------------------- HTTP proxy

def test_get_files_through_the_proxy(sandboxd, site):
    base = "%s/%d" % (PREFIX, site["port"])
    status, headers, data = raw_request(sandboxd, "GET", base + "/hello.txt")
    assert status == 200
    assert data == b"hello from the sandbox\n"
    status, headers, data = raw_request(sandboxd, "GET", base + "/big.bin")
    assert status == 200
    assert int(headers["content-length"]) == 20 << 20
    assert hashlib.sha256(data).digest() == hashlib.sha256((site["dir"] / "big.bin").read_bytes()).digest()
    status, headers, data = raw_request(sandboxd, "GET", base + "/sub%20dir/caf%C3%A9.txt")
    assert (status, data) == (200, b"accents\n")


def test_directory_listing_and_404_pass_through(sandboxd, site):
    base = "%s/%d" % (PREFIX, site["port"])
    status, headers, data = raw_request(sandboxd, "GET", base + "/")
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert b"hello.txt" in data and b"big.bin" in data
    status, headers, data = raw_request(sandboxd, "GET", base + "/no-such-file")
    assert status == 404
    assert b"File not found" in data


def test_port_without_slash_redirects_into_the_app(sandboxd, site):
    status, headers, data = raw_request(sandboxd, "GET", "%s/%d?x=1" % (PREFIX, site["port"]))
    assert status == 308
    assert headers["location"] == "%d/?x=1" % site["port"]


def test_post_body_query_and_headers(sandboxd, echo):
    body = os.urandom(3 << 20)
    status, headers, data = raw_request(
        sandboxd, "POST", "%s/%d/api/items?a=1&b=x%%20y&c=%%26&d=caf%%C3%%A9" % (PREFIX, echo),
        body=body, headers={"Content-Type": "application/octet-stream",
                            "X-Requested-With": "XMLHttpRequest",
                            "Cookie": "sid=42", "Origin": "http://browser.example"})
    assert status == 200, data
    assert headers["x-echo"] == "yes"
    got = json.loads(data)
    assert got["method"] == "POST"
    assert got["path"] == "/api/items?a=1&b=x%20y&c=%26&d=caf%C3%A9"
    assert got["body_len"] == len(body)
    assert got["body_sha256"] == hashlib.sha256(body).hexdigest()
    h = got["headers"]
    assert h["host"] == "127.0.0.1:%d" % echo
    assert h["origin"] == "http://127.0.0.1:%d" % echo
    assert h["content-type"] == "application/octet-stream"
    assert h["x-requested-with"] == "XMLHttpRequest"
    assert h["cookie"] == "sid=42"
    assert h["x-forwarded-host"] == "127.0.0.1:%d" % sandboxd.port
    assert h["x-forwarded-proto"] == "http"
    assert "x-session-api-key" not in h


def test_other_methods_and_chunked_upload(sandboxd, echo):
    base = "%s/%d" % (PREFIX, echo)
    for method in ("PUT", "PATCH", "DELETE", "OPTIONS"):
        status, _, data = raw_request(sandboxd, method, base + "/thing", body=b"x" * 10)
        assert status == 200
        assert json.loads(data)["method"] == method
    status, headers, data = raw_request(sandboxd, "HEAD", base + "/thing")
    assert (status, data, headers["x-echo"]) == (200, b"", "yes")

    chunks = [os.urandom(100000) for _ in range(20)]
    conn = http.client.HTTPConnection("127.0.0.1", sandboxd.port, timeout=60)
    conn.request("POST", base + "/chunked", body=iter(chunks),
                 headers={KEY_HEADER: sandboxd.key}, encode_chunked=True)
    r = conn.getresponse()
    got = json.loads(r.read())
    conn.close()
    assert r.status == 200
    assert got["body_len"] == sum(len(c) for c in chunks)
    assert got["body_sha256"] == hashlib.sha256(b"".join(chunks)).hexdigest()


def test_proxy_needs_the_key(sandboxd, echo):
    status, headers, data = raw_request(sandboxd, "GET", "%s/%d/x" % (PREFIX, echo), key=False)
    assert status == 401
    assert json.loads(data) == {"detail": "Unauthorized"}


def test_errors_nothing_listening_bad_port_and_no_answer(sandboxd):
    closed = free_port()
    status, body = sandboxd.get("%s/%d/x" % (PREFIX, closed))
    assert (status, body) == (502, {"detail": "nothing listens on 127.0.0.1:%d inside the sandbox" % closed})
    for bad in ("0", "65536", "http"):
        status, body = sandboxd.get("%s/%s/x" % (PREFIX, bad))
        assert status == 422
        assert body["detail"] == 'port "%s": expected an integer from 1 to 65535' % bad
    # the kernel completes the connection from the backlog; nobody answers
    mute = socket.socket()
    mute.bind(("127.0.0.1", 0))
    mute.listen(8)
    try:
        port = mute.getsockname()[1]
        status, body = sandboxd.get("%s/%d/x" % (PREFIX, port),
                                    headers={"X-Handbox-Proxy-Timeout": "1"})
        assert (status, body) == (504, {"detail": "the app on 127.0.0.1:%d did not answer within 1 s" % port})
    finally:
        mute.close()
    status, body = sandboxd.get("%s/%d/x" % (PREFIX, closed), headers={"X-Handbox-Proxy-Timeout": "0"})
    assert status == 422


def test_large_download_keeps_memory_bounded(start_sandboxd, start_server, tmp_path):
    size = 100 << 20
    with open(tmp_path / "huge.bin", "wb") as f:
        for i in range(100):
            f.write(bytes([i]) * (1 << 20))
    port, _ = start_server(["-m", "http.server", "{port}", "--bind", "127.0.0.1"], cwd=str(tmp_path))
    # a small sanitizer quarantine, so that a sanitized build measures too
    sb = start_sandboxd(env={"ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=1"})
    before = rss_peak_kb(sb.pid)
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=60)
    conn.request("GET", "%s/%d/huge.bin" % (PREFIX, port), headers={KEY_HEADER: sb.key})
    r = conn.getresponse()
    assert r.status == 200
    digest, got = hashlib.sha256(), 0
    first = r.read(1 << 20)
    digest.update(first)
    got += len(first)
    time.sleep(1)  # a stalled reader: sandboxd must wait, not buffer
    stalled = rss_peak_kb(sb.pid)
    while True:
        chunk = r.read(1 << 20)
        if not chunk:
            break
        digest.update(chunk)
        got += len(chunk)
    conn.close()
    after = rss_peak_kb(sb.pid)
    assert got == size
    want = hashlib.sha256()
    for i in range(100):
        want.update(bytes([i]) * (1 << 20))
    assert digest.hexdigest() == want.hexdigest()
    assert stalled - before < 8 << 10, (before, stalled)
    assert after - before < 8 << 10, (before, after)


# --------------------------------------------------------- WebSocket proxy

class WSApp:
    """A minimal RFC 6455 server on 127.0.0.1: echoes text and binary
    messages as they came; "whoami" answers the handshake's path and
    headers as JSON; "close:CODE:REASON" makes it close so; "drop" makes it
    close the connection without a close frame; "flood:N:SIZE" sends N
    binary messages of SIZE bytes. The close frames it receives are kept in
    .closes, and .ended counts the connections that have ended. With
    protocol, it requires that subprotocol among the client's offer (as
    Vite's HMR server does with vite-hmr) and answers 400 without it."""

    GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    def __init__(self, protocol=None):
        self.protocol = protocol
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.closes = []
        self.closed = threading.Event()
        self.ended = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def wait_ended(self, n, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if self.ended >= n:
                    return True
            time.sleep(0.05)
        return False

    @staticmethod
    def _unmask(data, mask):
        n = len(data)
        if not n:
            return data
        key = (mask * (n // 4 + 1))[:n]
        return (int.from_bytes(data, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")

    def stop(self):
        self.sock.close()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    @staticmethod
    def _exact(f, n):
        data = f.read(n)
        if len(data) != n:
            raise EOFError
        return data

    @staticmethod
    def _send(conn, opcode, payload):
        n = len(payload)
        if n < 126:
            head = struct.pack(">BB", 0x80 | opcode, n)
        elif n < 65536:
            head = struct.pack(">BBH", 0x80 | opcode, 126, n)
        else:
            head = struct.pack(">BBQ", 0x80 | opcode, 127, n)
        conn.sendall(head + payload)

    def _serve(self, conn):
        f = conn.makefile("rb")
        try:
            path = f.readline().decode().split()[1]
            headers = {}
            while True:
                line = f.readline().decode().rstrip("\r\n")
                if not line:
                    break
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
            accept = base64.b64encode(hashlib.sha1(
                (headers["sec-websocket-key"] + self.GUID).encode()).digest()).decode()
            chosen = ""
            if self.protocol:
                offer = [p.strip() for p in headers.get("sec-websocket-protocol", "").split(",")]
                if self.protocol not in offer:
                    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 19\r\n"
                                 b"Connection: close\r\n\r\nsubprotocol needed\n")
                    return
                chosen = "Sec-WebSocket-Protocol: %s\r\n" % self.protocol
            conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                          "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n%s\r\n"
                          % (accept, chosen)).encode())
            message, kind = b"", None
            while True:
                b0, b1 = self._exact(f, 2)
                opcode, n = b0 & 0x0F, b1 & 0x7F
                if n == 126:
                    n = struct.unpack(">H", self._exact(f, 2))[0]
                elif n == 127:
                    n = struct.unpack(">Q", self._exact(f, 8))[0]
                mask = self._exact(f, 4) if b1 & 0x80 else b"\0\0\0\0"
                data = self._exact(f, n)
                data = self._unmask(data, mask)
                if opcode == 8:
                    code = struct.unpack(">H", data[:2])[0] if len(data) >= 2 else None
                    self.closes.append((code, data[2:].decode()))
                    self._send(conn, 8, data[:2])
                    self.closed.set()
                    return
                if opcode == 9:
                    self._send(conn, 10, data)
                    continue
                if opcode in (1, 2):
                    kind, message = opcode, data
                else:
                    message += data
                if not b0 & 0x80:
                    continue
                if kind == 1 and message == b"whoami":
                    self._send(conn, 1, json.dumps({"path": path, "headers": headers}).encode())
                elif kind == 1 and message.startswith(b"close:"):
                    _, code, reason = message.decode().split(":", 2)
                    self._send(conn, 8, struct.pack(">H", int(code)) + reason.encode())
                elif kind == 1 and message == b"drop":
                    return
                elif kind == 1 and message.startswith(b"flood:"):
                    _, count, size = message.decode().split(":")
                    chunk = b"\xab" * int(size)
                    for _ in range(int(count)):
                        self._send(conn, 2, chunk)
                else:
                    self._send(conn, kind, message)
        except (EOFError, OSError, ValueError):
            pass
        finally:
            conn.close()
            with self.lock:
                self.ended += 1


@pytest.fixture
def ws_app():
    app = WSApp()
    yield app
    app.stop()


def test_websocket_messages_both_ways(sandboxd, ws_app):
    ws = sandboxd.ws_connect("%s/%d/socket/path?room=a%%20b&n=1" % (PREFIX, ws_app.port))
    ws.send("hello")
    assert ws.recv_data() == (websocket.ABNF.OPCODE_TEXT, b"hello")
    ws.send_binary(b"\x00\x01\xfe\xff")
    assert ws.recv_data() == (websocket.ABNF.OPCODE_BINARY, b"\x00\x01\xfe\xff")
    big = os.urandom(3 << 20)
    ws.send_binary(big)
    opcode, data = ws.recv_data()
    assert opcode == websocket.ABNF.OPCODE_BINARY and data == big
    text = "\u00e9t\u00e9 " * 50000
    ws.send(text)
    assert ws.recv() == text
    ws.send("whoami")
    seen = json.loads(ws.recv())
    assert seen["path"] == "/socket/path?room=a%20b&n=1"
    assert seen["headers"]["host"] == "127.0.0.1:%d" % ws_app.port
    assert KEY_HEADER.lower() not in seen["headers"]
    ws.close()


def test_websocket_key_in_query_is_not_forwarded(sandboxd, ws_app):
    ws = sandboxd.ws_connect("%s/%d/ws?x=1" % (PREFIX, ws_app.port), query_key=True)
    ws.send("whoami")
    seen = json.loads(ws.recv())
    assert seen["path"] == "/ws?x=1"
    ws.close()


def test_websocket_close_from_the_app_reaches_the_client(sandboxd, ws_app):
    ws = sandboxd.ws_connect("%s/%d/ws" % (PREFIX, ws_app.port))
    ws.send("close:4321:see you")
    assert ws_close_status(ws) == (4321, "see you")


def test_websocket_close_from_the_client_reaches_the_app(sandboxd, ws_app):
    ws = sandboxd.ws_connect("%s/%d/ws" % (PREFIX, ws_app.port))
    ws.send("ping")
    assert ws.recv() == "ping"
    ws.close(status=4000, reason=b"client done")
    assert ws_app.closed.wait(10)
    assert ws_app.closes == [(4000, "client done")]


def test_websocket_to_nothing_closes_with_1014(sandboxd):
    port = free_port()
    ws = sandboxd.ws_connect("%s/%d/ws" % (PREFIX, port))
    code, reason = ws_close_status(ws)
    assert code == 1014
    assert "127.0.0.1:%d" % port in reason


def test_websocket_needs_the_key(sandboxd, ws_app):
    ws = sandboxd.ws_connect("%s/%d/ws" % (PREFIX, ws_app.port), key="wrong")
    assert ws_close_status(ws)[0] == 4001
    assert not ws_app.closes


def test_websocket_needs_the_key_in_the_handshake(sandboxd, ws_app):
    # first-frame auth cannot be tunnelled: the app answers the handshake
    ws = sandboxd.ws_connect("%s/%d/ws" % (PREFIX, ws_app.port), key=None)
    ws.send(json.dumps({"type": "auth", "session_api_key": sandboxd.key}))
    code, reason = ws_close_status(ws)
    assert code == 1008 and "session_api_key" in reason
    assert not ws_app.closes


# ------------------------------------------- subprotocols and the tunnel

@pytest.fixture
def vite_app():
    app = WSApp(protocol="vite-hmr")
    yield app
    app.stop()


def connect_protocols(sb, path, protocols, query_key=False, timeout=30):
    url = "ws://127.0.0.1:%d%s" % (sb.port, path)
    header = []
    if query_key:
        url += "?session_api_key=" + sb.key
    else:
        header.append("%s: %s" % (KEY_HEADER, sb.key))
    return websocket.create_connection(url, header=header, subprotocols=protocols,
                                       timeout=timeout)


def test_websocket_subprotocol_passes_both_ways(sandboxd, vite_app):
    ws = connect_protocols(sandboxd, "%s/%d/" % (PREFIX, vite_app.port),
                           ["vite-hmr", "other"], query_key=True)
    assert ws.getsubprotocol() == "vite-hmr"
    ws.send('{"type":"connected"}')
    assert ws.recv() == '{"type":"connected"}'
    ws.send_binary(b"\x00\xff" * 10)
    assert ws.recv_data() == (websocket.ABNF.OPCODE_BINARY, b"\x00\xff" * 10)
    ws.send("whoami")
    seen = json.loads(ws.recv())
    assert seen["path"] == "/"
    offer = seen["headers"]["sec-websocket-protocol"].split(",")
    assert [p.strip() for p in offer] == ["vite-hmr", "other"]
    assert seen["headers"]["host"] == "127.0.0.1:%d" % vite_app.port
    assert KEY_HEADER.lower() not in seen["headers"]
    ws.close(status=1000)
    assert vite_app.closed.wait(10)
    assert vite_app.closes == [(1000, "")]


def test_websocket_app_refusing_the_handshake_answers_the_client(sandboxd, vite_app):
    # no subprotocol offered: the app's own 400 reaches the client
    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        sandboxd.ws_connect("%s/%d/" % (PREFIX, vite_app.port))
    assert e.value.status_code == 400


def test_websocket_subprotocol_to_nothing_closes_with_1014(sandboxd):
    port = free_port()
    ws = connect_protocols(sandboxd, "%s/%d/" % (PREFIX, port), ["vite-hmr"])
    assert ws.getsubprotocol() == "vite-hmr"
    code, reason = ws_close_status(ws)
    assert (code, reason) == (1014, "nothing listens on 127.0.0.1:%d inside the sandbox" % port)


def test_websocket_big_messages_both_ways(sandboxd, vite_app):
    # over the 8 MiB a message relay would cap: a tunnel has no limit
    ws = connect_protocols(sandboxd, "%s/%d/" % (PREFIX, vite_app.port), ["vite-hmr"])
    big = os.urandom(12 << 20)
    ws.send_binary(big)
    opcode, data = ws.recv_data()
    assert opcode == websocket.ABNF.OPCODE_BINARY and data == big
    ws.close()


def test_websocket_app_dropping_the_connection_ends_the_client(sandboxd, ws_app):
    ws = sandboxd.ws_connect("%s/%d/ws" % (PREFIX, ws_app.port))
    ws.send("drop")
    assert ws_close_status(ws) == (None, None)
    assert ws_app.wait_ended(1)


def test_websocket_client_vanishing_mid_stream(sandboxd, ws_app):
    ws = sandboxd.ws_connect("%s/%d/ws" % (PREFIX, ws_app.port))
    ws.send("flood:200:65536")
    assert len(ws.recv_data()[1]) == 65536
    ws.sock.close()  # no close frame, 12 MB still coming
    assert ws_app.wait_ended(1), "the app's connection stayed open"
    # sandboxd is fine: the next socket works
    ws = sandboxd.ws_connect("%s/%d/ws" % (PREFIX, ws_app.port))
    ws.send("again")
    assert ws.recv() == "again"
    ws.close()


def test_websocket_slow_reader_keeps_memory_bounded(start_sandboxd, ws_app):
    sb = start_sandboxd(env={"ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=1"})
    ws = sb.ws_connect("%s/%d/ws" % (PREFIX, ws_app.port), timeout=60)
    ws.send("flood:1024:65536")  # 64 MiB
    ws.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    before = rss_peak_kb(sb.pid)
    time.sleep(1.5)  # a stalled reader: sandboxd must wait, not buffer
    stalled = rss_peak_kb(sb.pid)
    got = 0
    while got < 1024 * 65536:
        opcode, data = ws.recv_data()
        got += len(data)
    after = rss_peak_kb(sb.pid)
    ws.close()
    assert stalled - before < 8 << 10, (before, stalled)
    assert after - before < 8 << 10, (before, after)


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def test_websocket_many_at_once(sandboxd, vite_app):
    errors = []
    fds = open_fds(sandboxd.pid)

    def one(i):
        try:
            ws = connect_protocols(sandboxd, "%s/%d/c%d" % (PREFIX, vite_app.port, i), ["vite-hmr"])
            for j in range(20):
                msg = "%d:%d:%s" % (i, j, "x" * (j * 100))
                ws.send(msg)
                assert ws.recv() == msg
            ws.close()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append((i, repr(e)))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[:5]
    assert vite_app.wait_ended(64)
    # every tunnel's two sockets are closed
    deadline = time.time() + 10
    while open_fds(sandboxd.pid) > fds and time.time() < deadline:
        time.sleep(0.05)
    assert open_fds(sandboxd.pid) == fds


def test_websocket_app_that_never_answers_closes_with_1014(sandboxd):
    mute = socket.socket()
    mute.bind(("127.0.0.1", 0))
    mute.listen(4)
    try:
        url = "ws://127.0.0.1:%d%s/%d/" % (sandboxd.port, PREFIX, mute.getsockname()[1])
        ws = websocket.create_connection(url, timeout=15, subprotocols=["vite-hmr"], header=[
            "%s: %s" % (KEY_HEADER, sandboxd.key), "X-Handbox-Proxy-Timeout: 1"])
        code, reason = ws_close_status(ws)
        assert (code, reason) == (1014, "the app on 127.0.0.1:%d did not answer within 1 s"
                                  % mute.getsockname()[1])
    finally:
        mute.close()
