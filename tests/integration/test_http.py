"""sandboxd's HTTP front under bad and heavy input: malformed and
mistyped bodies, unknown routes and methods, bodies over the cap, clients
that vanish mid-request, oversized or trickling headers, and hundreds of
keep-alive connections. After each, the server must still answer."""
import http.client
import json
import socket
import threading
import time

import pytest

JSON_LIMIT = 8 << 20
EXEC = "/api/bash/execute_bash_command"
START = "/api/bash/start_bash_command"


def alive(sb):
    return sb.get("/health", key=None) == (200, {"status": "ok"})


def raw_request(sb, data, timeout=10):
    """Sends bytes on a fresh connection; returns what comes back until the
    server closes it or stays silent (b"" when it just closes)."""
    s = socket.create_connection(("127.0.0.1", sb.port), timeout=timeout)
    got = b""
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered and closed before reading it all
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    finally:
        s.close()
    return got


def head(sb, method, path, extra=b"", key=True):
    h = b"%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % (method.encode(), path.encode())
    if key:
        h += b"X-Session-API-Key: " + sb.key.encode() + b"\r\n"
    return h + extra


def status_of(response):
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/") else None


def json_body(response):
    return json.loads(response.split(b"\r\n\r\n", 1)[1])


# ------------------------------------------------------------- bad bodies

@pytest.mark.parametrize("raw", [
    b"{", b"{\"command\": }", b"not json at all", b"\xff\xfe", b"{\"command\": \"a\"} trailing",
    b"[" * 100000,                      # deeper than the parser allows
    b"{\"command\": \"\\u0000\"}",      # NUL inside a string
])
def test_malformed_json_is_422(sandboxd, raw):
    status, body = sandboxd.post(EXEC, raw, headers={"Content-Type": "application/json"})
    assert status == 422
    assert "not valid JSON" in body["detail"]
    assert alive(sandboxd)


@pytest.mark.parametrize("body,field", [
    ({"command": 1}, "command"),
    ({"command": ["ls"]}, "command"),
    ({"command": None}, "command"),
    ({"command": "ls", "cwd": 5}, "cwd"),
    ({"command": "ls", "timeout": "10"}, "timeout"),
    ({"command": "ls", "timeout": 0}, "timeout"),
    ({"command": "ls", "timeout": -5}, "timeout"),
    ({"command": "ls", "timeout": 1e9}, "timeout"),
    ([], "body"),
    ("ls", "body"),
])
def test_wrong_types_are_422(sandboxd, body, field):
    for path in (EXEC, START):
        status, answer = sandboxd.post(path, body)
        assert status == 422
        assert field in answer["detail"]
    # nothing was started
    assert sandboxd.get("/api/bash/bash_events/search")[1]["items"] == []


def test_missing_command_is_422(sandboxd):
    status, body = sandboxd.post(START, {"cwd": "/tmp"})
    assert status == 422 and "command" in body["detail"]
    # no body at all
    status, body = sandboxd.post(START, b"")
    assert status == 422 and "command" in body["detail"]


def test_relative_cwd_is_400(sandboxd):
    # as every sandboxd route given a relative path (API.md: 400 "Path
    # must be absolute"), and nothing is recorded
    for path in (EXEC, START):
        status, body = sandboxd.post(path, {"command": "pwd", "cwd": "tmp/dir"})
        assert status == 400
        assert "Path must be absolute" in body["detail"] and "tmp/dir" in body["detail"]
    assert sandboxd.get("/api/bash/bash_events/search")[1]["items"] == []


def test_command_too_long_for_exec_fails_cleanly(sandboxd):
    # Linux caps one execve argument at 128 KiB: the command cannot start,
    # which is an error output, not a crash
    status, out = sandboxd.post(EXEC, {"command": "echo " + "x" * 200000})
    assert status == 200
    assert out["exit_code"] == -1 and out["stderr"]
    assert alive(sandboxd)


# ------------------------------------------------------ routes and methods

@pytest.mark.parametrize("path", [
    "/", "/nope", "/api", "/api/bash", "/api/bash/unknown", "/healthz", "/health/",
    "/api/bash/bash_events/search/extra", "/%2e%2e/etc/passwd",
])
def test_unknown_routes_are_404_json(sandboxd, path):
    status, body = sandboxd.get(path)
    assert status == 404
    assert body == {"detail": "Not Found"}


@pytest.mark.parametrize("method,path", [
    ("GET", START), ("GET", EXEC), ("PUT", START), ("DELETE", START),
    ("POST", "/health"), ("DELETE", "/alive"), ("POST", "/api/bash/bash_events/search"),
    ("PATCH", "/api/bash/bash_events"), ("OPTIONS", "/health"),
])
def test_wrong_method_is_405(sandboxd, method, path):
    status, body = sandboxd.request(method, path)
    assert status == 405
    assert "detail" in body


def test_path_too_long_is_refused(sandboxd):
    response = raw_request(sandboxd, head(sandboxd, "GET", "/" + "a" * 3000) + b"\r\n")
    assert status_of(response) == 414
    assert "2047" in json_body(response)["detail"]
    assert alive(sandboxd)


# ------------------------------------------------------------ size limits

def test_declared_body_over_8mib_is_413(sandboxd):
    response = raw_request(sandboxd, head(sandboxd, "POST", EXEC,
                                          b"Content-Length: %d\r\n\r\n" % (JSON_LIMIT + 1)))
    assert status_of(response) == 413
    assert "limit" in json_body(response)["detail"]
    assert alive(sandboxd)


def test_sent_body_over_8mib_is_413(sandboxd):
    big = b'{"command": "' + b"x" * (JSON_LIMIT + 1024) + b'"}'
    s = socket.create_connection(("127.0.0.1", sandboxd.port), timeout=20)
    s.sendall(head(sandboxd, "POST", EXEC, b"Content-Length: %d\r\n\r\n" % len(big)))
    response = b""
    try:
        s.sendall(big)
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            response += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()
    assert status_of(response) == 413
    assert alive(sandboxd)


def test_chunked_body_over_8mib_is_413(sandboxd):
    piece = b"x" * 65536
    chunk = b"%x\r\n%s\r\n" % (len(piece), piece)
    s = socket.create_connection(("127.0.0.1", sandboxd.port), timeout=20)
    s.sendall(head(sandboxd, "POST", EXEC, b"Transfer-Encoding: chunked\r\n\r\n"))
    s.sendall(b'd\r\n{"command": "\r\n')
    response = b""
    try:
        for _ in range((JSON_LIMIT // len(piece)) + 8):
            s.sendall(chunk)
        s.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        while True:
            data = s.recv(65536)
            if not data:
                break
            response += data
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()
    assert status_of(response) == 413
    assert alive(sandboxd)


def test_body_just_under_the_cap_is_taken(sandboxd):
    # 8 MiB minus a little: parsed and answered (the command itself is too
    # long to exec, which is an error output, not a refusal)
    body = b'{"command": "' + b"x" * (JSON_LIMIT - 100) + b'"}'
    status, out = sandboxd.post(EXEC, body)
    assert status == 200 and out["exit_code"] == -1


# ------------------------------------------------- clients that go away

def test_client_disconnects_mid_body(sandboxd):
    for _ in range(20):
        s = socket.create_connection(("127.0.0.1", sandboxd.port), timeout=5)
        s.sendall(head(sandboxd, "POST", EXEC, b"Content-Length: 1000\r\n\r\n") +
                  b'{"command": "echo half')
        s.close()
    assert alive(sandboxd)
    # nothing half-received was run
    assert sandboxd.get("/api/bash/bash_events/search")[1]["items"] == []


def test_client_disconnects_while_waiting_for_execute(sandboxd):
    body = json.dumps({"command": "sleep 0.5; echo finished"}).encode()
    s = socket.create_connection(("127.0.0.1", sandboxd.port), timeout=5)
    s.sendall(head(sandboxd, "POST", EXEC, b"Content-Type: application/json\r\n"
                   b"Content-Length: %d\r\n\r\n" % len(body)) + body)
    time.sleep(0.1)
    s.close()
    # the command still runs to its end, and its answer has nowhere to go
    deadline = time.time() + 20
    while time.time() < deadline:
        _, page = sandboxd.get("/api/bash/bash_events/search", {"kind__eq": "BashOutput"})
        if page["items"]:
            break
        time.sleep(0.1)
    assert [(e["stdout"], e["exit_code"]) for e in page["items"]] == [("finished\n", 0)]
    assert alive(sandboxd)


def test_client_disconnects_mid_header(sandboxd):
    for partial in (b"GET /hea", b"POST /api/bash/execute_bash_command HTTP/1.1\r\nContent-Le"):
        s = socket.create_connection(("127.0.0.1", sandboxd.port), timeout=5)
        s.sendall(partial)
        s.close()
    assert alive(sandboxd)


# ------------------------------------------------------------ odd headers

def test_huge_header_is_refused(sandboxd):
    response = raw_request(sandboxd, head(sandboxd, "GET", "/health",
                                          b"X-Filler: " + b"a" * 40000 + b"\r\n\r\n"))
    # libwebsockets drops a request whose headers pass the 16 KiB cap
    assert status_of(response) in (None, 400, 431)
    assert alive(sandboxd)


@pytest.mark.parametrize("header", [
    b"Content-Length: abc\r\n", b"Content-Length: -1\r\n",
    b"Content-Length: 99999999999999999999999\r\n",
    b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
])
def test_bad_length_headers(sandboxd, header):
    raw_request(sandboxd, head(sandboxd, "POST", EXEC, header + b"\r\n") + b'{"command":"true"}',
                timeout=3)
    assert alive(sandboxd)


def test_slow_header_does_not_block_others(sandboxd):
    """A client trickling its request a byte at a time holds one connection,
    not the server: others are answered meanwhile, and the slow request is
    answered when it is complete."""
    request = head(sandboxd, "GET", "/health", key=False) + b"\r\n"
    s = socket.create_connection(("127.0.0.1", sandboxd.port), timeout=10)
    for i, byte in enumerate(request):
        s.sendall(bytes([byte]))
        if i % 8 == 0:
            assert alive(sandboxd)
        time.sleep(0.01)
    response = b""
    while b"\r\n\r\n" not in response:
        response += s.recv(4096)
    s.close()
    assert status_of(response) == 200


# --------------------------------------------------------- many clients

def test_two_hundred_keep_alive_clients(sandboxd):
    conns = [http.client.HTTPConnection("127.0.0.1", sandboxd.port, timeout=30)
             for _ in range(200)]
    headers = {"X-Session-API-Key": sandboxd.key}
    try:
        for round_ in range(3):
            # every request is sent before any answer is read, so all 200
            # connections are open and waiting at once
            for c in conns:
                c.request("GET", "/api/bash/bash_events/search?limit=1", headers=headers)
            for c in conns:
                r = c.getresponse()
                assert r.status == 200
                assert json.loads(r.read())["items"] == []
                assert r.getheader("Connection", "").lower() != "close"
    finally:
        for c in conns:
            c.close()
    assert alive(sandboxd)


def test_concurrent_commands_from_many_threads(sandboxd):
    results, errors = {}, []

    def worker(n):
        try:
            c = http.client.HTTPConnection("127.0.0.1", sandboxd.port, timeout=60)
            for i in range(5):
                body = json.dumps({"command": "echo %d-%d" % (n, i)})
                c.request("POST", EXEC, body=body, headers={
                    "X-Session-API-Key": sandboxd.key, "Content-Type": "application/json"})
                r = c.getresponse()
                results[(n, i)] = (r.status, json.loads(r.read()))
            c.close()
        except Exception as e:  # reported below, with the others
            errors.append(repr(e))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert len(results) == 250
    for (n, i), (status, out) in results.items():
        assert status == 200
        assert (out["stdout"], out["exit_code"]) == ("%d-%d\n" % (n, i), 0)


def test_still_healthy_after_abuse(sandboxd):
    # everything above, once more, on one server
    raw_request(sandboxd, head(sandboxd, "POST", EXEC, b"Content-Length: %d\r\n\r\n"
                               % (JSON_LIMIT * 4)))
    raw_request(sandboxd, head(sandboxd, "GET", "/health", b"X-A: " + b"b" * 50000 + b"\r\n\r\n"))
    raw_request(sandboxd, b"\x00\x01\x02 garbage \r\n\r\n", timeout=3)
    sandboxd.post(EXEC, b"{{{{")
    for _ in range(10):
        s = socket.create_connection(("127.0.0.1", sandboxd.port))
        s.sendall(b"POST " + EXEC.encode() + b" HTTP/1.1\r\nContent-Length: 50\r\n\r\n{")
        s.close()
    assert alive(sandboxd)
    assert sandboxd.post(EXEC, {"command": "echo ok"})[1]["stdout"] == "ok\n"
