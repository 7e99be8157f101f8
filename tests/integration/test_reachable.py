"""sandboxd stays reachable under slow clients: connections that send
nothing, or a header byte a second, each reopened as soon as sandboxd
closes it (tests/lib/slow_clients.py). Meanwhile a user's /health and
execute_bash_command must answer within 1 s at least 9 times of 10, and
afterwards the server answers as before. The full 2,000 connections are
in bench/slow_clients.py; here a few hundred, for CI. Before the fix, 200
trickling connections were enough for 0 of 10."""
import http.client
import json
import time

from slow_clients import SlowClients, exec_within, health_within, probe

# more than the 64 header tables libwebsockets was given before
CLIENTS = 300
# one more than sandboxd's waiting_max (main.c), so the list overflows
OVERFLOW = 2048 + 100


def check_reachable(sb, clients, count):
    assert clients.wait_open(count) >= count, "only %d connections opened" % clients.open
    time.sleep(0.5)
    assert probe(lambda: health_within("127.0.0.1", sb.port)) >= 9
    assert probe(lambda: exec_within("127.0.0.1", sb.port, sb.key)) >= 9


def test_idle_connections(sandboxd):
    with SlowClients("127.0.0.1", sandboxd.port, CLIENTS, "idle") as clients:
        check_reachable(sandboxd, clients, CLIENTS)
    assert health_within("127.0.0.1", sandboxd.port)


def test_trickling_connections(sandboxd):
    with SlowClients("127.0.0.1", sandboxd.port, CLIENTS, "trickle") as clients:
        check_reachable(sandboxd, clients, CLIENTS)
    assert health_within("127.0.0.1", sandboxd.port)


def test_idle_and_trickling_together(sandboxd):
    with SlowClients("127.0.0.1", sandboxd.port, CLIENTS, "idle") as idle, \
            SlowClients("127.0.0.1", sandboxd.port, CLIENTS, "trickle") as trickle:
        assert trickle.wait_open(CLIENTS) >= CLIENTS
        check_reachable(sandboxd, idle, CLIENTS)


def test_more_waiting_than_kept(sandboxd):
    """Past the connections sandboxd keeps waiting, the ones that waited
    longest are closed at once (not after the header timeout), and users
    still get through."""
    with SlowClients("127.0.0.1", sandboxd.port, OVERFLOW, "idle") as clients:
        clients.wait_open(OVERFLOW - 200)
        deadline = time.monotonic() + 3
        while clients.reopened < 50 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert clients.reopened >= 50, "sandboxd closed none of %d waiting connections" % OVERFLOW
        assert probe(lambda: health_within("127.0.0.1", sandboxd.port)) >= 9
    assert health_within("127.0.0.1", sandboxd.port)


def test_keepalive_client_served_after_flood(sandboxd):
    """A client that reuses its connection is served across requests; the
    waiting list takes it back between them."""
    with SlowClients("127.0.0.1", sandboxd.port, CLIENTS, "idle") as clients:
        clients.wait_open(CLIENTS)
        conn = http.client.HTTPConnection("127.0.0.1", sandboxd.port, timeout=5)
        body = json.dumps({"command": "echo ok", "timeout": 10})
        for _ in range(5):
            conn.request("POST", "/api/bash/execute_bash_command", body,
                         {"X-Session-API-Key": sandboxd.key,
                          "Content-Type": "application/json"})
            r = conn.getresponse()
            assert r.status == 200 and json.loads(r.read())["exit_code"] == 0
            # the same socket each time: the server kept it open
            assert conn.sock is not None
        conn.close()
