"""Watching a bash session's terminal (WS /api/handbox/sessions/{id}/watch,
docs/bash-sessions.md): the recent output first, then the bytes live, the
agent's commands shown as "$ command"; several watchers at once; a watcher
that does not read is closed while the session goes on; the end of the
shell or of the session closes them; unknown sessions and missing keys
are refused."""
import socket

import websocket

from conftest import ws_close_status

BASE = "/api/handbox/sessions"


def make(sb):
    status, body = sb.post(BASE, {})
    assert status == 201, body
    return body["id"]


def run(sb, sid, command, timeout=30):
    status, out = sb.post("%s/%s/run" % (BASE, sid), {"command": command, "timeout": timeout})
    assert status == 200, out
    return out


def watch(sb, sid, **kw):
    ws = sb.ws_connect("%s/%s/watch" % (BASE, sid), **kw)
    ws.settimeout(30)
    return ws


def read_until(ws, needle, got=b""):
    """Binary frames until needle is in what came; returns all of it."""
    while needle not in got:
        opcode, frame = ws.recv_data_frame(True)
        assert opcode == websocket.ABNF.OPCODE_BINARY, (opcode, frame.data, got)
        got += frame.data
    return got


def test_scrollback_then_live_to_every_watcher(sandboxd):
    sid = make(sandboxd)
    try:
        assert run(sandboxd, sid, "echo before-$((6*7))")["output"] == "before-42\n"
        first = watch(sandboxd, sid)
        got = read_until(first, b"before-42\n")
        # the command as typed, then its output; the set-up line is not shown
        assert got == b"$ echo before-$((6*7))\nbefore-42\n", got
        second = watch(sandboxd, sid)
        read_until(second, b"before-42\n")
        assert run(sandboxd, sid, "printf 'live-%s\\n' $((1+1))")["exit_code"] == 0
        for ws in (first, second):
            got = read_until(ws, b"live-2\n")
            assert got == b"$ printf 'live-%s\\n' $((1+1))\nlive-2\n", got
    finally:
        sandboxd.delete("%s/%s" % (BASE, sid))


def test_scrollback_is_the_last_64_kib(sandboxd):
    sid = make(sandboxd)
    try:
        run(sandboxd, sid, "head -c 200000 /dev/zero | tr '\\0' x; echo; echo END-OF-IT")
        ws = watch(sandboxd, sid)
        got = read_until(ws, b"END-OF-IT\n")
        assert len(got) <= 64 * 1024, len(got)
        assert got.endswith(b"x" * 1000 + b"\nEND-OF-IT\n"), got[-100:]
        ws.close()
    finally:
        sandboxd.delete("%s/%s" % (BASE, sid))


def test_a_watcher_that_does_not_read_is_closed_and_the_session_goes_on(sandboxd):
    sid = make(sandboxd)
    try:
        # a small receive buffer: what the watcher does not read piles up
        # in sandboxd's queue for it, not in the kernel
        slow = websocket.create_connection(
            "ws://127.0.0.1:%d%s/%s/watch" % (sandboxd.port, BASE, sid),
            header=["X-Session-API-Key: %s" % sandboxd.key],
            sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 4096),))
        out = run(sandboxd, sid, "head -c 8000000 /dev/zero | tr '\\0' y; echo; echo done-$((2*3))",
                  timeout=120)
        # the command was not held back by the watcher
        assert out["status"] == "completed" and out["exit_code"] == 0, out["status"]
        assert out["output"].endswith("done-6\n")
        code, reason = ws_close_status(slow, timeout=60)
        assert code == 1008 and "reads too slowly" in reason, (code, reason)
        # a new watcher gets the end of it
        fresh = watch(sandboxd, sid)
        read_until(fresh, b"done-6\n")
        fresh.close()
    finally:
        sandboxd.delete("%s/%s" % (BASE, sid))


def test_exit_and_delete_close_the_watchers(sandboxd):
    sid = make(sandboxd)
    ws = watch(sandboxd, sid)
    out = run(sandboxd, sid, "exit 3")
    assert out["status"] == "exited", out
    assert ws_close_status(ws) == (1000, "the shell exited")
    # an exited session's watcher gets its scrollback, then the close
    late = watch(sandboxd, sid)
    got = read_until(late, b"$ exit 3\n")
    assert got.startswith(b"$ exit 3\n"), got
    assert ws_close_status(late) == (1000, "the shell exited")
    sandboxd.delete("%s/%s" % (BASE, sid))

    sid = make(sandboxd)
    ws = watch(sandboxd, sid)
    run(sandboxd, sid, "true")
    read_until(ws, b"$ true\n")
    status, _ = sandboxd.delete("%s/%s" % (BASE, sid))
    assert status == 200
    assert ws_close_status(ws) == (1000, "the bash session was deleted")


def test_unknown_session_and_missing_key(sandboxd):
    ws = watch(sandboxd, "no-such-session")
    assert ws_close_status(ws) == (4004, "bash session not found")
    sid = make(sandboxd)
    try:
        ws = watch(sandboxd, sid, key=None)
        ws.send('{"type":"auth","session_api_key":"wrong"}')
        assert ws_close_status(ws)[0] == 4001
    finally:
        sandboxd.delete("%s/%s" % (BASE, sid))
