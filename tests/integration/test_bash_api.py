"""The OpenHands bash API of sandboxd, driven the way the reference client
drives it (conftest's Sandboxd.execute_command: start, then poll the
BashOutput events of order above the last seen): exit codes, both streams,
1 MiB chunks, timeouts, event look-up and search, the bash-events
WebSocket, session-key auth, and what commands see of their environment."""
import concurrent.futures
import json
import os
import time
import uuid

import pytest

from conftest import ws_close_status, process_state, children_of, wait_gone

CHUNK = 1 << 20
FFFD = "\ufffd"


def execute(sb, command, timeout=60, **kw):
    status, out = sb.post("/api/bash/execute_bash_command",
                          dict(command=command, timeout=timeout, **kw), timeout=timeout + 30)
    assert status == 200, out
    return out


def zombies_of(pid):
    """Zombie children of pid, from /proc/*/stat."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = process_state(int(entry))
            if st and st[0] == "Z" and st[1] == pid:
                found.append(int(entry))
    return found


# ------------------------------------------------------ exit codes, output

@pytest.mark.parametrize("command,code", [
    ("true", 0), ("exit 1", 1), ("exit 42", 42), ("false", 1),
    ("kill -9 $$", -9), ("kill -TERM $$", -15), ("nonexistent-command-xyz", 127),
])
def test_exit_codes(sandboxd, command, code):
    assert sandboxd.execute_command(command)["exit_code"] == code


def test_stdout_and_stderr_are_kept_apart(sandboxd):
    r = sandboxd.execute_command("echo out; echo err >&2; printf 'no newline'")
    assert r["stdout"] == "out\nno newline"
    assert r["stderr"] == "err\n"
    assert r["exit_code"] == 0


def test_no_output_gives_null_streams(sandboxd):
    r = sandboxd.execute_command("true")
    (last,) = r["events"]
    assert last["stdout"] is None and last["stderr"] is None
    assert last["order"] == 0 and last["exit_code"] == 0


def test_stdin_is_empty(sandboxd):
    # a command reading stdin must see EOF at once, not hang until timeout
    r = sandboxd.execute_command("cat; echo after", timeout=20)
    assert (r["exit_code"], r["stdout"]) == (0, "after\n")


def test_output_is_cut_into_1mib_chunks(sandboxd):
    r = sandboxd.execute_command("head -c 3000000 /dev/zero | tr '\\0' a")
    events = r["events"]
    assert [e["order"] for e in events] == [0, 1, 2]
    assert [len(e["stdout"]) for e in events] == [CHUNK, CHUNK, 3000000 - 2 * CHUNK]
    assert [e["exit_code"] for e in events] == [None, None, 0]
    assert r["stdout"] == "a" * 3000000
    assert all(e["command_id"] == r["command_id"] for e in events)


def test_chunks_never_split_a_character(sandboxd):
    # "é\n" is 3 bytes, so 1 MiB falls inside an "é"; the output ends with
    # the first byte of one, which no later byte completes
    r = sandboxd.execute_command("yes é | head -c 1500001")
    assert r["exit_code"] == 0
    assert r["stdout"] == "é\n" * 500000 + FFFD
    assert len(r["events"]) == 2
    assert all(len(e["stdout"].encode()) <= CHUNK for e in r["events"])


def test_invalid_utf8_becomes_replacement_character(sandboxd):
    r = sandboxd.execute_command("printf 'a\\377b\\n'; printf '\\300\\200x' >&2")
    assert r["stdout"] == "a" + FFFD + "b\n"
    assert r["stderr"] == FFFD + FFFD + "x"


def test_cwd(sandboxd):
    assert sandboxd.execute_command("pwd", cwd="/tmp")["stdout"] == "/tmp\n"
    assert sandboxd.execute_command("pwd", cwd="/")["stdout"] == "/\n"


def test_missing_cwd_is_an_error_output(sandboxd):
    r = sandboxd.execute_command("pwd", cwd="/nonexistent/handbox-dir")
    assert r["exit_code"] == -1
    assert "/nonexistent/handbox-dir" in r["stderr"]
    assert r["stdout"] == ""


def test_background_process_does_not_hold_the_command(sandboxd):
    # `sleep 30 &` keeps the output pipe open; the command still ends
    # (well before its own timeout) once its shell has exited
    r = sandboxd.execute_command("sleep 30 & echo started", timeout=20)
    assert (r["exit_code"], r["stdout"]) == (0, "started\n")


# ----------------------------------------------------------------- timeout

def test_timeout_kills_the_group_and_keeps_output(sandboxd):
    status, cmd = sandboxd.post("/api/bash/start_bash_command",
                                {"command": "sleep 1000 & echo $!; echo before; sleep 10; echo never",
                                 "timeout": 1})
    assert status == 200
    assert cmd["timeout"] == 1
    # poll as the client does, but with time to spare: the server's own
    # exit_code -1 is what is checked, not the client's giving up
    deadline = time.time() + 30
    events = []
    while time.time() < deadline:
        _, page = sandboxd.get("/api/bash/bash_events/search",
                               {"command_id__eq": cmd["id"], "kind__eq": "BashOutput"})
        events = page["items"]
        if events and events[-1]["exit_code"] is not None:
            break
        time.sleep(0.1)
    assert events and events[-1]["exit_code"] == -1
    stdout = "".join(e["stdout"] or "" for e in events)
    background_pid, rest = stdout.split("\n", 1)
    assert rest == "before\n"
    # the background sleep was in the group: it is gone (and reaped)
    assert wait_gone(int(background_pid)), "the background child survived the timeout"


def test_timeout_with_execute_bash_command(sandboxd):
    out = execute(sandboxd, "echo partial; sleep 10", timeout=1)
    assert out["exit_code"] == -1
    assert out["stdout"] == "partial\n"


def test_command_ignoring_sigterm_is_killed(sandboxd):
    out = execute(sandboxd, "trap '' TERM; echo stubborn; sleep 10", timeout=1)
    assert out["exit_code"] == -1
    assert out["stdout"] == "stubborn\n"


# --------------------------------------------------- execute, get, delete

def test_execute_bash_command_returns_the_last_output(sandboxd):
    out = execute(sandboxd, "echo hi; echo oops >&2; exit 3")
    assert out["kind"] == "BashOutput"
    assert (out["exit_code"], out["stdout"], out["stderr"], out["order"]) == (3, "hi\n", "oops\n", 0)
    uuid.UUID(out["id"])
    uuid.UUID(out["command_id"])


def test_start_answers_the_bash_command(sandboxd):
    status, cmd = sandboxd.post("/api/bash/start_bash_command",
                                {"command": "echo x", "cwd": "/tmp", "timeout": 30})
    assert status == 200
    assert cmd["kind"] == "BashCommand"
    assert (cmd["command"], cmd["cwd"], cmd["timeout"]) == ("echo x", "/tmp", 30)
    uuid.UUID(cmd["id"])
    assert cmd["timestamp"].endswith("Z")
    # defaults: the working directory filled in, timeout 300
    status, cmd = sandboxd.post("/api/bash/start_bash_command", {"command": "true"})
    assert cmd["timeout"] == 300
    assert cmd["cwd"].startswith("/")


def test_get_event_by_id(sandboxd):
    status, cmd = sandboxd.post("/api/bash/start_bash_command", {"command": "echo got"})
    r = sandboxd.execute_command("echo second")
    status, again = sandboxd.get("/api/bash/bash_events/" + cmd["id"])
    assert (status, again) == (200, cmd)
    last = r["events"][-1]
    assert sandboxd.get("/api/bash/bash_events/" + last["id"]) == (200, last)


def test_get_unknown_event_is_404(sandboxd):
    status, body = sandboxd.get("/api/bash/bash_events/" + str(uuid.uuid4()))
    assert status == 404
    assert "detail" in body
    status, body = sandboxd.get("/api/bash/bash_events/not-a-uuid")
    assert status == 404


def test_delete_clears_and_counts(sandboxd):
    for i in range(3):
        execute(sandboxd, "echo %d" % i)
    # each command: one BashCommand and one BashOutput
    assert sandboxd.delete("/api/bash/bash_events") == (200, {"cleared_count": 6})
    status, page = sandboxd.get("/api/bash/bash_events/search")
    assert (status, page) == (200, {"items": [], "next_page_id": None})
    assert sandboxd.delete("/api/bash/bash_events") == (200, {"cleared_count": 0})


# ------------------------------------------------------------------ search

@pytest.fixture
def three_commands(sandboxd):
    """Three finished commands; their events in time order."""
    for word in ("one", "two", "three"):
        execute(sandboxd, "echo " + word)
    status, page = sandboxd.get("/api/bash/bash_events/search")
    assert status == 200 and page["next_page_id"] is None
    events = page["items"]
    assert [e["kind"] for e in events] == ["BashCommand", "BashOutput"] * 3
    return events


def ids(items):
    return [e["id"] for e in items]


def test_search_kind_and_command_filters(sandboxd, three_commands):
    ev = three_commands
    _, page = sandboxd.get("/api/bash/bash_events/search", {"kind__eq": "BashCommand"})
    assert [e["command"] for e in page["items"]] == ["echo one", "echo two", "echo three"]
    _, page = sandboxd.get("/api/bash/bash_events/search", {"kind__eq": "BashOutput"})
    assert [e["stdout"] for e in page["items"]] == ["one\n", "two\n", "three\n"]
    _, page = sandboxd.get("/api/bash/bash_events/search", {"command_id__eq": ev[2]["id"]})
    assert ids(page["items"]) == [ev[3]["id"]]
    _, page = sandboxd.get("/api/bash/bash_events/search", {"command_id__eq": str(uuid.uuid4())})
    assert page == {"items": [], "next_page_id": None}


def test_search_sort_order(sandboxd, three_commands):
    _, page = sandboxd.get("/api/bash/bash_events/search", {"sort_order": "TIMESTAMP_DESC"})
    assert ids(page["items"]) == ids(three_commands)[::-1]
    _, page = sandboxd.get("/api/bash/bash_events/search", {"sort_order": "TIMESTAMP"})
    assert ids(page["items"]) == ids(three_commands)


def test_search_paging(sandboxd, three_commands):
    for sort, want in (("TIMESTAMP", ids(three_commands)),
                       ("TIMESTAMP_DESC", ids(three_commands)[::-1])):
        got, params, pages = [], {"limit": 4, "sort_order": sort}, 0
        while True:
            status, page = sandboxd.get("/api/bash/bash_events/search", params)
            assert status == 200 and len(page["items"]) <= 4
            got += ids(page["items"])
            pages += 1
            if page["next_page_id"] is None:
                break
            params["page_id"] = page["next_page_id"]
        assert (got, pages) == (want, 2)


def test_search_timestamps(sandboxd, three_commands):
    ev = three_commands
    _, page = sandboxd.get("/api/bash/bash_events/search",
                           {"timestamp__gte": ev[2]["timestamp"], "timestamp__lt": ev[4]["timestamp"]})
    assert ids(page["items"]) == ids(ev[2:4])
    _, page = sandboxd.get("/api/bash/bash_events/search", {"timestamp__lt": ev[0]["timestamp"]})
    assert page["items"] == []
    _, page = sandboxd.get("/api/bash/bash_events/search", {"timestamp__gte": ev[5]["timestamp"]})
    assert ids(page["items"]) == [ev[5]["id"]]
    # other zones and no fraction are understood
    _, page = sandboxd.get("/api/bash/bash_events/search",
                           {"timestamp__gte": "2000-01-01T02:00:00+02:00"})
    assert len(page["items"]) == 6


def test_search_order_gt(sandboxd):
    r = sandboxd.execute_command("head -c 2500000 /dev/zero | tr '\\0' b")
    assert [e["order"] for e in r["events"]] == [0, 1, 2]
    _, page = sandboxd.get("/api/bash/bash_events/search",
                           {"command_id__eq": r["command_id"], "order__gt": 0})
    assert [e["order"] for e in page["items"]] == [1, 2]
    _, page = sandboxd.get("/api/bash/bash_events/search",
                           {"command_id__eq": r["command_id"], "order__gt": 2})
    assert page["items"] == []


@pytest.mark.parametrize("params", [
    {"limit": 0}, {"limit": 101}, {"limit": "ten"}, {"kind__eq": "BashThing"},
    {"sort_order": "NEWEST"}, {"command_id__eq": "abc"}, {"order__gt": "x"},
    {"timestamp__gte": "yesterday"}, {"timestamp__lt": "2025-13-01T00:00:00Z"},
])
def test_search_rejects_bad_parameters(sandboxd, params):
    status, body = sandboxd.get("/api/bash/bash_events/search", params)
    assert status == 422
    assert list(params)[0] in body["detail"]


# -------------------------------------------------------------- WebSocket

def recv_json(ws):
    return json.loads(ws.recv())


def test_ws_runs_a_command_and_streams_its_events(sandboxd, ws_connect):
    ws = ws_connect("/sockets/bash-events")
    ws.send(json.dumps({"command": "echo from-ws; exit 5"}))
    first = recv_json(ws)
    assert (first["kind"], first["command"]) == ("BashCommand", "echo from-ws; exit 5")
    out = recv_json(ws)
    assert out["kind"] == "BashOutput" and out["command_id"] == first["id"]
    assert (out["stdout"], out["exit_code"]) == ("from-ws\n", 5)
    ws.close()


def test_ws_sees_commands_started_over_http(sandboxd, ws_connect):
    ws = ws_connect("/sockets/bash-events")
    r = sandboxd.execute_command("echo via-http")
    kinds = [recv_json(ws)["kind"], recv_json(ws)["kind"]]
    assert kinds == ["BashCommand", "BashOutput"]
    assert r["exit_code"] == 0
    ws.close()


def test_ws_resend_all_replays_history(sandboxd, ws_connect):
    execute(sandboxd, "echo old-1")
    execute(sandboxd, "echo old-2")
    _, page = sandboxd.get("/api/bash/bash_events/search")
    ws = ws_connect("/sockets/bash-events?resend_mode=all")
    replay = [recv_json(ws) for _ in range(4)]
    assert replay == page["items"]
    ws.close()


def test_ws_bad_frames_answer_bash_error(sandboxd, ws_connect):
    ws = ws_connect("/sockets/bash-events")
    ws.send("not json")
    err = recv_json(ws)
    assert (err["kind"], err["code"]) == ("BashError", "BadRequest")
    ws.send(json.dumps({"command": 7}))
    err = recv_json(ws)
    assert err["kind"] == "BashError" and "command" in err["detail"]
    ws.send(json.dumps({"command": "pwd", "cwd": "relative"}))
    err = recv_json(ws)
    assert err["kind"] == "BashError" and "Path must be absolute" in err["detail"]
    # the socket still works
    ws.send(json.dumps({"command": "echo fine"}))
    assert recv_json(ws)["kind"] == "BashCommand"
    ws.close()


# -------------------------------------------------------------------- auth

def test_http_needs_the_key(sandboxd):
    body = {"command": "true"}
    assert sandboxd.post("/api/bash/start_bash_command", body, key=None) == \
        (401, {"detail": "Unauthorized"})
    assert sandboxd.post("/api/bash/start_bash_command", body, key="wrong")[0] == 401
    assert sandboxd.post("/api/bash/start_bash_command", body, key=sandboxd.key + "x")[0] == 401
    assert sandboxd.post("/api/bash/start_bash_command", body, key=sandboxd.key[:-1])[0] == 401
    assert sandboxd.post("/api/bash/start_bash_command", body, key="")[0] == 401
    assert sandboxd.get("/api/bash/bash_events/search", key=None)[0] == 401
    assert sandboxd.delete("/api/bash/bash_events", key="wrong")[0] == 401
    # nothing ran
    assert sandboxd.get("/api/bash/bash_events/search")[1]["items"] == []


def test_open_routes_need_no_key(sandboxd):
    for path in ("/alive", "/health"):
        assert sandboxd.get(path, key=None) == (200, {"status": "ok"})
    assert sandboxd.get("/ready", key=None) == (200, {"status": "ready"})
    status, info = sandboxd.get("/server_info", key="wrong")
    assert status == 200 and "version" in info and "uptime" in info


def test_ws_wrong_key_closes_4001(sandboxd, ws_connect):
    ws = ws_connect("/sockets/bash-events", key="wrong")
    assert ws_close_status(ws)[0] == 4001
    ws = ws_connect("/sockets/bash-events", key="wrong", query_key=True)
    assert ws_close_status(ws)[0] == 4001


def test_ws_query_key(sandboxd, ws_connect):
    ws = ws_connect("/sockets/bash-events", query_key=True)
    ws.send(json.dumps({"command": "true"}))
    assert recv_json(ws)["kind"] == "BashCommand"
    ws.close()


def test_ws_first_frame_auth(sandboxd, ws_connect):
    ws = ws_connect("/sockets/bash-events", key=None)
    ws.send(json.dumps({"type": "auth", "session_api_key": sandboxd.key}))
    ws.send(json.dumps({"command": "echo authed"}))
    assert recv_json(ws)["kind"] == "BashCommand"
    assert recv_json(ws)["stdout"] == "authed\n"
    ws.close()


@pytest.mark.parametrize("frame", [
    {"command": "echo sneaky"},
    {"type": "auth", "session_api_key": "wrong"},
    {"type": "auth"},
    "not json",
])
def test_ws_wrong_first_frame_closes_4001(sandboxd, ws_connect, frame):
    ws = ws_connect("/sockets/bash-events", key=None)
    ws.send(frame if isinstance(frame, str) else json.dumps(frame))
    assert ws_close_status(ws)[0] == 4001
    # and the command in it did not run
    assert sandboxd.get("/api/bash/bash_events/search")[1]["items"] == []


def test_ws_silent_client_is_closed_after_the_auth_window(sandboxd, ws_connect):
    ws = ws_connect("/sockets/bash-events", key=None, timeout=30)
    assert ws_close_status(ws, timeout=30)[0] == 4001


def test_legacy_session_api_key(start_sandboxd):
    sb = start_sandboxd(key=None, env={"SESSION_API_KEY": "legacy-" + uuid.uuid4().hex})
    key = sb.env["SESSION_API_KEY"]
    assert sb.post("/api/bash/execute_bash_command", {"command": "true"}, key=None)[0] == 401
    status, out = sb.post("/api/bash/execute_bash_command", {"command": "env"}, key=key)
    assert status == 200 and out["exit_code"] == 0
    assert key not in out["stdout"]


# ------------------------------------------------------------ environment

def test_commands_do_not_see_the_session_key(sandboxd):
    r = sandboxd.execute_command("env")
    assert r["exit_code"] == 0 and "PATH=" in r["stdout"]
    assert sandboxd.key not in r["stdout"]
    assert "OH_SESSION_API_KEYS" not in r["stdout"]
    assert sandboxd.key not in sandboxd.execute_command("cat /proc/self/environ")["stdout"]


def test_home_user_path_are_set(sandboxd):
    r = sandboxd.execute_command('echo "$HOME|$USER|$PATH"; id -u')
    env, uid = r["stdout"].splitlines()
    home, user, path = env.split("|")
    assert home.startswith("/") and user
    assert "/usr/bin" in path.split(":") or "/bin" in path.split(":")
    if os.geteuid() == 0:
        # root's sandboxd runs commands as the sandbox user (default 1000)
        assert uid == "1000"
    else:
        assert uid == str(os.geteuid())


# ----------------------------------------------------------------- zombies

def test_no_zombies_after_a_thousand_commands(sandboxd):
    # each command leaves an orphan that sandboxd, the subreaper, must reap
    def one(i):
        return execute(sandboxd, "sleep 0.01 & echo %d" % i)

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        outs = list(pool.map(one, range(1000)))
    assert [o["exit_code"] for o in outs] == [0] * 1000
    assert [o["stdout"] for o in outs] == ["%d\n" % i for i in range(1000)]
    deadline = time.time() + 10
    while time.time() < deadline and (zombies_of(sandboxd.pid) or children_of(sandboxd.pid)):
        time.sleep(0.1)
    assert zombies_of(sandboxd.pid) == []
    assert children_of(sandboxd.pid) == []
