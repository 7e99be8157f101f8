"""`handbox serve --idle-pause`: a conversation's sandbox idle that long is
paused (docker pause) and resumed by the next message, run or request
through the port proxy (docs/serve.md "Idle sandboxes"), with real parts:
the server binary, a real Docker engine and the default image, the scripted
LLM of tests/lib/fake_llm.py. Waits are polls of the engine's state with a
generous deadline, never a measure of speed."""
import json
import os
import subprocess
import sys
import time

import importlib.util

import pytest
import websocket

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from fake_llm import FakeLLM  # noqa: E402
from sandbox_container import IMAGES, require_engine, require_image  # noqa: E402
from serve_client import RemoteConversation, remove_server_sandboxes, Serve, ServeClient, status_of  # noqa: E402

IMAGE = IMAGES["debian"]
DEADLINE_S = 90
# an app the agent leaves running: what a paused sandbox keeps, frozen
SITE = ("D=$(mktemp -d) && cd $D && echo '<h1>hello from idle</h1>' > index.html && "
        "(setsid nohup python3 -m http.server 8011 >/dev/null 2>&1 &) ; sleep 1; echo started")


def proxy_app_start():
    """test_serve_proxy.py's START: an http.server on 8011 and, on the
    sandbox's 127.0.0.1:9000, an app whose WebSocket (subprotocol vite-hmr)
    echoes what it gets."""
    spec = importlib.util.spec_from_file_location(
        "serve_proxy_app", os.path.join(os.path.dirname(__file__), "test_serve_proxy.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.START


@pytest.fixture(scope="module", autouse=True)
def engine():
    require_engine()
    require_image(IMAGE)


def call(name, **arguments):
    return {"tool_calls": [{"name": name, "arguments": arguments}]}


@pytest.fixture
def state(tmp_path):
    d = tmp_path / "state"
    yield d
    remove_server_sandboxes(d)


def serve(state, llm, *args, env=None):
    e = {"LLM_MODEL": "test-model", "LLM_BASE_URL": llm.base_url,
         "SANDBOX_RUNTIME_CONTAINER_IMAGE": IMAGE, "LLM_RETRY_MIN_WAIT": "0.2"}
    e.update(env or {})
    return Serve(state, args=args, env=e)


def engine_state(container):
    r = subprocess.run(["docker", "inspect", "-f", "{{.State.Status}}", container],
                       capture_output=True, text=True, check=True)
    return r.stdout.strip()


def wait_for(what, pred, deadline_s=DEADLINE_S, every=0.25):
    deadline = time.monotonic() + deadline_s
    while True:
        got = pred()
        if got:
            return got
        assert time.monotonic() < deadline, "gave up waiting for " + what
        time.sleep(every)


def finished_with_sandbox(api, text, state_dir):
    """A conversation run to its end; (id, sandbox id, container name)."""
    conv = RemoteConversation(api, text, run=True)
    conv.follow(until=("finished", "error"))
    # the worker says so a moment after the agent's last event
    info = wait_for("the end of the run", lambda: (lambda i: i if i["execution_status"] !=
                                                   "running" else None)(api.get(conv.id)))
    assert info["execution_status"] == "finished", info
    sb = api.call("GET", "/api/sandboxes/" + info["sandbox_id"])
    return conv.id, sb["id"], sb["container"]


def paused_by_idle(api, cid, container):
    wait_for("the idle pause of " + container, lambda: engine_state(container) == "paused")
    # the server's own view follows at once: it paused it
    info = wait_for("the conversation to say paused",
                    lambda: (lambda i: i if i["sandbox_status"] == "paused" else None)(
                        api.get(cid)))
    assert info["sandbox_paused"] == "idle" and info["execution_status"] == "finished"
    return info


def test_an_idle_sandbox_is_paused_and_the_next_message_resumes_it(state):
    script = [call("terminal", command=SITE), call("finish", message="one"),
              call("terminal", command="echo second-$((40+2))"), call("finish", message="two")]
    with FakeLLM(script) as llm, serve(state, llm, "--idle-pause", "2") as s:
        api = ServeClient(s.url)
        cid, sid, container = finished_with_sandbox(api, "serve a page", state)
        paused_by_idle(api, cid, container)
        # the pause is in the event stream, for the UI
        updates = [(e["key"], e["value"]) for e in api.events(cid)
                   if e["kind"] == "ConversationStateUpdateEvent"]
        assert ("sandbox_paused", "idle") in updates and ("sandbox_status", "paused") in updates
        # nothing was lost: the same container, its app frozen, not killed
        assert api.call("GET", "/api/sandboxes/" + sid)["status"] == "paused"
        ws = api.socket(cid)
        assert json.loads(ws.recv())["key"] == "full_state"
        api.send(cid, "and now the second command", run=True)
        seen = []
        while not seen or status_of(seen[-1]) != "finished":
            seen.append(json.loads(ws.recv()))
        ws.close()
        keys = [(e["kind"], e.get("key"), e.get("value")) for e in seen]
        woke = keys.index(("ConversationStateUpdateEvent", "sandbox_status", "running"))
        acted = [i for i, e in enumerate(seen) if e["kind"] == "ActionEvent"]
        assert acted and woke < acted[0], keys
        obs = [e for e in seen if e["kind"] == "ObservationEvent"]
        assert "second-42" in json.dumps(obs[0]["observation"]), obs
        # the app left running in it answers through the proxy again; the
        # sandbox may have been paused once more meanwhile (2 s idle): the
        # request resumes it (503 with Retry-After until it runs)
        wait_for("a paused sandbox again", lambda: engine_state(container) == "paused")
        status, headers, body = api.raw("GET", "/api/sandboxes/%s/ports/8011/" % sid)
        assert status == 503 and headers["Retry-After"] == "1", (status, body)
        assert "resuming" in json.loads(body)["detail"]

        def served():
            st, _, b = api.raw("GET", "/api/sandboxes/%s/ports/8011/" % sid)
            assert st in (200, 503), (st, b)
            return b if st == 200 else None
        # (the 200 is the app's: it ran; it may be paused again by now)
        assert b"hello from idle" in wait_for("the app's answer", served)
        # a browser gets a page that reloads itself meanwhile
        wait_for("a paused sandbox again", lambda: engine_state(container) == "paused")
        status, headers, body = api.raw("GET", "/api/sandboxes/%s/ports/8011/" % sid,
                                        headers={"Accept": "text/html"})
        assert status == 503 and b'http-equiv="refresh"' in body, body
        assert "paused after 2 s idle" in s.read_log()
        # deleting the conversation removes its sandbox, paused or not
        wait_for("a paused sandbox again", lambda: engine_state(container) == "paused")
        assert api.delete(cid) == {"success": True}
        wait_for("the container's removal", lambda: subprocess.run(
            ["docker", "inspect", container], capture_output=True).returncode != 0)


def test_the_limit_holds_on_resume(state):
    script = [call("terminal", command="echo first"), call("finish", message="one"),
              call("terminal", command="echo again-$((1+1))"), call("finish", message="two")]
    with FakeLLM(script) as llm, serve(state, llm, "--idle-pause", "2",
                                       "--max-sandboxes", "1") as s:
        api = ServeClient(s.url)
        cid, sid, container = finished_with_sandbox(api, "one thing", state)
        paused_by_idle(api, cid, container)
        # paused, it does not count: a bare sandbox (never paused for being
        # idle) takes the one place
        bare = api.call("POST", "/api/sandboxes", {}, expect=(201,))
        try:
            for method, path, body in [
                    ("POST", "/api/conversations/%s/events" % cid,
                     {"role": "user", "content": "go on", "run": True}),
                    ("POST", "/api/conversations/%s/run" % cid, None),
                    ("POST", "/api/sandboxes/%s/resume" % sid, None),
                    ("GET", "/api/sandboxes/%s/ports/8011/" % sid, None)]:
                status, _, answer = api.raw(method, path, body)
                detail = json.loads(answer)["detail"]
                assert status == 429 and "--max-sandboxes 1" in detail, (path, answer)
                assert "pause a sandbox" in detail and "delete" in detail
            # never evicted: both are still there as they were
            assert engine_state(container) == "paused"
            assert api.call("GET", "/api/sandboxes/" + bare["id"])["status"] == "running"
        finally:
            assert api.call("DELETE", "/api/sandboxes/" + bare["id"]) == {"success": True}
        # with the place free, the message resumes it and the agent runs
        ws = api.socket(cid)
        api.send(cid, "go on", run=True)
        seen = []
        while not seen or status_of(seen[-1]) != "finished":
            seen.append(json.loads(ws.recv()))
        ws.close()
        obs = [e for e in seen if e["kind"] == "ObservationEvent"]
        assert obs and "again-2" in json.dumps(obs[0]["observation"]), seen


def test_off_pauses_nothing_and_the_flag_wins_over_the_variable(state):
    with FakeLLM([call("finish", message="one")]) as llm, \
            serve(state, llm, "--idle-pause", "off", env={"HANDBOX_IDLE_PAUSE": "1"}) as s:
        api = ServeClient(s.url)
        cid, sid, container = finished_with_sandbox(api, "one thing", state)
        # HANDBOX_IDLE_PAUSE=1 alone would have paused it several times over
        time.sleep(5)
        assert engine_state(container) == "running"
        assert api.get(cid)["sandbox_status"] == "running"
        assert "paused after" not in s.read_log()


def test_bytes_through_a_tunnel_are_activity_an_open_silent_one_is_not(state):
    script = [call("terminal", command=proxy_app_start()), call("finish", message="up")]
    with FakeLLM(script) as llm, serve(state, llm, "--idle-pause", "5") as s:
        api = ServeClient(s.url)
        cid, sid, container = finished_with_sandbox(api, "serve an app", state)
        url = "ws://127.0.0.1:%d/api/sandboxes/%s/ports/9000/ws" % (s.port, sid)

        def connect():
            # refused (1013) while a paused sandbox resumes: asked again
            try:
                ws = websocket.create_connection(url, subprotocols=["vite-hmr"], timeout=30)
                ws.send("hello")
                return ws if ws.recv() == "echo:hello" else None
            except (websocket.WebSocketException, ConnectionError):
                return None
        ws = wait_for("a tunnel to the app", connect)
        # talking through it for well over the idle time: never paused
        for i in range(24):
            ws.send("ping-%d" % i)
            assert ws.recv() == "echo:ping-%d" % i
            assert engine_state(container) == "running", i
            time.sleep(0.5)
        # open but silent: paused, with the tunnel still open, frozen
        wait_for("the idle pause under an open tunnel",
                 lambda: engine_state(container) == "paused")
        assert ws.connected
        ws.close()
