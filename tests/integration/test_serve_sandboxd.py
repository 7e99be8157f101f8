"""`handbox serve`'s sandboxd passthrough (docs/serve.md): the routes of a
sandbox's sandboxd that the web UI uses, reached through serve with
serve's key only. Real parts: the server binary with a key, a real Docker
engine and the default image, and a conversation whose scripted LLM
(tests/lib/fake_llm.py) runs one command in the agent's terminal. Checked:
files listed, a binary file uploaded and downloaded back byte for byte,
the agent's session listed and watched, a user shell over the exec
WebSocket with a PTY; VS Code's and the desktop's URLs (null in this
image); refusals (401 and 4001 without the key, 404 and
4004 for an unknown sandbox, 403 for a route that does not pass, 400 for
a relative path); the sandbox's own key never in an answer."""
import json
import os
import subprocess
import sys
import urllib.parse
import uuid

import pytest
import websocket

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from fake_llm import FakeLLM  # noqa: E402
from sandbox_container import IMAGES, require_engine, require_image  # noqa: E402
from serve_client import RemoteConversation, remove_server_sandboxes, Serve, ServeClient  # noqa: E402

IMAGE = IMAGES["debian"]
KEY = "passthrough-test-key-0123456789"
COMMAND = "echo agent-was-here-$((40+2)) | tee agent.txt"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    require_engine()
    require_image(IMAGE)
    state = tmp_path_factory.mktemp("passthrough") / "state"
    script = [{"tool_calls": [{"name": "terminal", "arguments": {"command": COMMAND}}]},
              {"tool_calls": [{"name": "finish", "arguments": {"message": "done"}}]}]
    e = {"LLM_MODEL": "test-model", "SANDBOX_RUNTIME_CONTAINER_IMAGE": IMAGE,
         "LLM_RETRY_MIN_WAIT": "0.2"}
    try:
        with FakeLLM(script) as llm:
            e["LLM_BASE_URL"] = llm.base_url
            with Serve(state, env=e, args=["--api-key", KEY]) as s:
                api = ServeClient(s.url, key=KEY)
                conv = RemoteConversation(api, "leave a note", run=True)
                conv.follow(until=("finished", "error"),
                            ws=api.socket(conv.id, session_api_key=KEY, resend_mode="all"))
                sid = api.get(conv.id)["sandbox_id"]
                assert sid, api.get(conv.id)
                sb = api.call("GET", "/api/sandboxes/" + sid)
                yield {"serve": s, "api": api, "id": sid, "port": s.port,
                       "base": "/api/sandboxes/%s/sandboxd" % sid,
                       "sandbox_key": sandbox_key(sb["container"])}
    finally:
        remove_server_sandboxes(state)


def sandbox_key(container):
    """The sandbox's own session key, from its container's environment."""
    out = subprocess.run(["docker", "inspect", "--format", "{{json .Config.Env}}", container],
                         check=True, capture_output=True, text=True).stdout
    keys = [v.split("=", 1)[1] for v in json.loads(out) if v.startswith("SESSION_API_KEY=")]
    assert keys and len(keys[0]) >= 16, keys
    return keys[0]


def get(env, path, key=KEY, **kw):
    headers = {} if key else {"X-Session-API-Key": ""}
    api = env["api"] if key else ServeClient(env["api"].url)
    status, h, body = api.raw("GET", env["base"] + path, headers=headers, **kw)
    assert env["sandbox_key"].encode() not in body
    assert not any(env["sandbox_key"] in v for v in h.values())
    return status, h, body


def ws(env, path, key=KEY, **query):
    url = "ws://127.0.0.1:%d%s%s" % (env["port"], env["base"], path)
    if query:
        url += "?" + urllib.parse.urlencode(query)
    header = ["X-Session-API-Key: %s" % key] if key else []
    w = websocket.create_connection(url, header=header, timeout=30)
    return w


def frames(w):
    """(opcode, data) until the server closes; the close's (code, reason) last."""
    while True:
        try:
            op, frame = w.recv_data_frame(True)
        except websocket.WebSocketConnectionClosedException:
            yield "closed", (None, "")
            return
        if op == websocket.ABNF.OPCODE_CLOSE:
            data = frame.data or b""
            yield "closed", (int.from_bytes(data[:2], "big") if len(data) >= 2 else None,
                             data[2:].decode(errors="replace"))
            return
        yield op, frame.data


def workdir(env):
    status, _, body = get(env, "/api/handbox/sessions")
    assert status == 200, body
    sessions = json.loads(body)
    assert len(sessions) == 1, sessions   # the agent's terminal
    return sessions[0]


def test_list_shows_what_the_agent_made(env):
    cwd = workdir(env)["cwd"]
    status, _, body = get(env, "/api/handbox/files/list?" + urllib.parse.urlencode({"path": cwd}))
    assert status == 200, body
    names = [e["name"] for e in json.loads(body)["entries"]]
    assert "agent.txt" in names, names


def test_upload_and_download_round_trip_bytes(env):
    cwd = workdir(env)["cwd"]
    data = bytes(range(256)) * 300 + b"\r\n\x00end"
    boundary = uuid.uuid4().hex
    body = (b"--" + boundary.encode() + b"\r\nContent-Disposition: form-data; name=\"file\"; "
            b"filename=\"blob.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n" + data +
            b"\r\n--" + boundary.encode() + b"--\r\n")
    target = cwd + "/up load/blob.bin"
    status, _, answer = env["api"].raw(
        "POST", env["base"] + "/api/file/upload?" + urllib.parse.urlencode({"path": target}),
        data=body, headers={"Content-Type": "multipart/form-data; boundary=" + boundary})
    assert status == 200 and json.loads(answer) == {"success": True}, answer
    status, h, got = get(env, "/api/file/download?" + urllib.parse.urlencode({"path": target}))
    assert status == 200, got
    assert got == data
    assert h["Content-Disposition"] == 'attachment; filename="blob.bin"', h


def test_hostile_and_unknown(env):
    status, _, body = get(env, "/api/file/download?path=../../etc/passwd")
    assert status == 400 and b"Path must be absolute" in body, body
    # routes the UI does not use stay out of reach, ".." included
    for method, path in (("POST", "/api/handbox/sessions"), ("GET", "/api/handbox/ports"),
                         ("GET", "/api/file/../handbox/ports"),
                         ("POST", "/api/bash/execute_bash_command"),
                         ("POST", "/api/handbox/files/remove")):
        status, _, body = env["api"].raw(method, env["base"] + path, data=b"{}" if method ==
                                         "POST" else None)
        assert status == 403, (method, path, status, body)
        assert b"only the web UI's routes" in body, body
    status, _, body = env["api"].raw("GET", "/api/sandboxes/%s/sandboxd/api/handbox/sessions"
                                     % ("0" * 12))
    assert status == 404 and b"no sandbox" in body, body
    w = websocket.create_connection("ws://127.0.0.1:%d/api/sandboxes/%s/sandboxd/api/handbox/exec"
                                    % (env["port"], "0" * 12),
                                    header=["X-Session-API-Key: " + KEY], timeout=30)
    assert list(frames(w))[-1] == ("closed", (4004, "no such sandbox on this server"))


def test_vscode_and_desktop_urls_pass(env):
    """The VS Code and Desktop tabs ask sandboxd where those answer on their
    sub-domains; the default image has neither, so both are null."""
    for port, route in ((8001, "/api/vscode/url"), (8002, "/api/desktop/url")):
        base = "http://%d-%s.localhost:%d" % (port, env["id"], env["port"])
        q = urllib.parse.urlencode({"base_url": base, "workspace_dir": "/workspace"})
        status, _, body = get(env, route + "?" + q)
        assert status == 200, (route, body)
        assert json.loads(body) == {"url": None}, (route, body)
        status, _, body = env["api"].raw("POST", env["base"] + route, data=b"{}")
        assert status == 403, (route, status, body)


def test_the_key_is_needed(env):
    status, _, body = get(env, "/api/handbox/sessions", key=None)
    assert status == 401, body
    w = ws(env, "/api/handbox/exec", key=None)
    w.send(json.dumps({"type": "auth", "session_api_key": "wrong"}))
    assert list(frames(w))[-1][1][0] == 4001
    # serve's key, never the sandbox's, opens it
    status, _, body = env["api"].raw("GET", env["base"] + "/api/handbox/sessions",
                                     headers={"X-Session-API-Key": env["sandbox_key"]})
    assert status == 401, body


def test_watch_shows_the_agents_command(env):
    sid = workdir(env)["id"]
    w = ws(env, "/api/handbox/sessions/%s/watch" % sid)
    got = b""
    for op, data in frames(w):
        assert op == websocket.ABNF.OPCODE_BINARY, (op, data)
        got += data
        if b"agent-was-here-42\n" in got:
            break
    assert got.startswith(b"$ " + COMMAND.encode() + b"\n"), got
    w.close()


def test_user_shell_with_a_pty(env):
    w = ws(env, "/api/handbox/exec")
    w.send(json.dumps({"type": "start", "argv": ["bash", "-l"], "pty": {"rows": 30, "cols": 90}}))
    w.send(json.dumps({"type": "stdin", "data": "stty size; echo user-$((6*7)); exit 5\r"}))
    out, messages = b"", []
    for op, data in frames(w):
        if op == websocket.ABNF.OPCODE_BINARY:
            assert data[:1] == b"\x01"
            out += data[1:]
        elif op == websocket.ABNF.OPCODE_TEXT:
            messages.append(json.loads(data))
        else:
            assert data == (1000, ""), data
    assert b"30 90\r\n" in out and b"user-42\r\n" in out, out
    assert messages[0]["type"] == "started" and messages[-1]["type"] == "exit", messages
    assert messages[-1]["exit_code"] == 5, messages
