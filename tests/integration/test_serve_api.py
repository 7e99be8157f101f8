"""`handbox serve` through its API (API.md § 2), with real parts: the
server binary, a real Docker engine and the default sandbox image, the
scripted OpenAI-compatible LLM of tests/lib/fake_llm.py, and an
OpenHands-style RemoteConversation client (tests/lib/serve_client.py)
following /sockets/events/{id}. Each test has its own state directory;
the sandboxes it made are removed at the end."""
import json
import os
import socket
import sys
import time

import pytest
import websocket

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from fake_llm import FakeLLM  # noqa: E402
from sandbox_container import IMAGES, require_engine, require_image  # noqa: E402
from serve_client import (ApiError, RemoteConversation, Serve, ServeClient,  # noqa: E402
                          message, remove_server_sandboxes, status_of)

IMAGE = IMAGES["debian"]
KEY = "serve-test-key-0123456789"
RUN_MSG = "Conversation already running. Wait for completion or pause first."


@pytest.fixture(scope="module", autouse=True)
def engine():
    require_engine()
    require_image(IMAGE)


def call(name, **arguments):
    return {"tool_calls": [{"name": name, "arguments": arguments}]}


def finish(msg="done"):
    return call("finish", message=msg)


@pytest.fixture
def state(tmp_path):
    d = tmp_path / "state"
    yield d
    # every sandbox of this state directory, also those a failed test left
    remove_server_sandboxes(d)


def serve(state, llm, *args, env=None):
    e = {"LLM_MODEL": "test-model", "LLM_BASE_URL": llm.base_url,
         "SANDBOX_RUNTIME_CONTAINER_IMAGE": IMAGE, "HANDBOX_TERMINAL_SOFT_TIMEOUT": "120",
         "LLM_RETRY_MIN_WAIT": "0.2"}
    e.update(env or {})
    return Serve(state, env=e, args=args)


def kinds(events):
    return [e["kind"] for e in events]


def follow_until(ws, pred):
    """Socket events up to the first that pred accepts (reads time out)."""
    seen = []
    while True:
        ev = json.loads(ws.recv())
        seen.append(ev)
        if pred(ev):
            return seen


def test_a_run_streams_its_events_live_in_order_and_is_stored(state):
    script = [call("terminal", command="echo hello-from-serve"), finish("said hello")]
    with FakeLLM(script) as llm, serve(state, llm) as s:
        api = ServeClient(s.url)
        conv = RemoteConversation(api, "say hello", run=True)
        assert conv.info["execution_status"] == "running"
        assert conv.info["sandbox_status"] in ("starting", "running")
        events = conv.follow(until=("finished",))
        first, rest = events[0], events[1:]
        assert first["kind"] == "ConversationStateUpdateEvent" and first["key"] == "full_state"
        assert first["value"]["id"] == conv.id
        assert status_of(rest[-1]) == "finished"
        for k in ("SystemPromptEvent", "MessageEvent", "ActionEvent", "ObservationEvent"):
            assert k in kinds(rest), kinds(rest)
        obs = [e for e in rest if e["kind"] == "ObservationEvent"]
        assert "hello-from-serve" in json.dumps(obs[0]["observation"])
        # the replay and the live events together: each stored event once, in order
        stored = api.events(conv.id)
        ids = [e["id"] for e in rest]
        assert ids == [e["id"] for e in stored][:len(ids)], (kinds(rest), kinds(stored))
        info = api.get(conv.id)
        assert info["execution_status"] == "finished"
        assert info["title"] == "say hello"
        assert info["sandbox_id"] and info["sandbox_status"] == "running"
        agent = info["stats"]["usage_to_metrics"]["agent"]
        assert agent["accumulated_token_usage"]["prompt_tokens"] > 0
        assert info["agent"]["llm"]["model"] == "test-model"


def test_event_search_pages_filters_and_counts(state):
    with FakeLLM([call("terminal", command="echo one"), call("terminal", command="echo two"),
                  finish()]) as llm, serve(state, llm) as s:
        api = ServeClient(s.url)
        conv = RemoteConversation(api, "two commands", run=True)
        conv.follow(until=("finished",))
        every = api.search_events(conv.id, limit=100)["items"]
        assert api.count_events(conv.id) == len(every) > 6
        # pages of 2: the next page starts at next_page_id
        page = api.search_events(conv.id, limit=2)
        assert [e["id"] for e in page["items"]] == [e["id"] for e in every[:2]]
        assert page["next_page_id"] == every[2]["id"]
        nxt = api.search_events(conv.id, limit=2, page_id=page["next_page_id"])
        assert nxt["items"][0]["id"] == every[2]["id"]
        assert [e["id"] for e in api.events(conv.id, limit=3)] == [e["id"] for e in every]
        desc = api.search_events(conv.id, sort_order="TIMESTAMP_DESC", limit=100)["items"]
        assert [e["id"] for e in desc] == [e["id"] for e in reversed(every)]
        actions = api.search_events(conv.id, kind="ActionEvent")["items"]
        assert len(actions) == 3 and all(e["kind"] == "ActionEvent" for e in actions)
        assert api.count_events(conv.id, kind="ActionEvent") == 3
        assert api.count_events(conv.id, source="user") == 1
        hits = api.search_events(conv.id, body="ECHO TWO")["items"]
        assert hits and all("echo two" in json.dumps(e) for e in hits)
        one = api.call("GET", "/api/conversations/%s/events/%s" % (conv.id, every[3]["id"]))
        assert one == every[3]
        with pytest.raises(ApiError) as e:
            api.call("GET", "/api/conversations/%s/events/%s" % (conv.id, conv.id))
        assert e.value.status == 404
        with pytest.raises(ApiError) as e:
            api.search_events(conv.id, limit=101)
        assert e.value.status == 422 and "limit" in e.value.body["detail"]
        # the conversation list
        found = api.call("GET", "/api/conversations/search?limit=10")
        assert [c["id"] for c in found["items"]] == [conv.id]
        assert api.call("GET", "/api/conversations/count") == 1
        assert api.call("GET", "/api/conversations/count?status=finished") == 1
        assert api.call("GET", "/api/conversations/count?status=running") == 0


def test_run_while_running_is_409_then_interrupt_and_pause(state):
    script = [call("terminal", command="sleep 300"), finish()]
    with FakeLLM(script) as llm, serve(state, llm) as s:
        api = ServeClient(s.url)
        conv = RemoteConversation(api, "wait a long time", run=True)
        ws = api.socket(conv.id, resend_mode="all")
        follow_until(ws, lambda e: e["kind"] == "ActionEvent")
        with pytest.raises(ApiError) as e:
            api.run(conv.id)
        assert e.value.status == 409 and e.value.body == {"detail": RUN_MSG}
        assert api.get(conv.id)["execution_status"] == "running"
        assert api.interrupt(conv.id) == {"success": True}
        follow_until(ws, lambda e: status_of(e) == "paused")
        ws.close()
        assert api.get(conv.id)["execution_status"] == "paused"
        assert api.pause(conv.id) == {"success": True}
        # a message with run goes on from the pause
        api.send(conv.id, "go on and finish", run=True)
        ws = api.socket(conv.id)
        follow_until(ws, lambda e: status_of(e) == "finished")
        ws.close()


def test_unknown_ids_bad_json_and_huge_bodies(state):
    with FakeLLM([]) as llm, serve(state, llm) as s:
        api = ServeClient(s.url)
        unknown = "00000000-0000-4000-8000-000000000000"
        assert api.raw("GET", "/api/conversations/" + unknown)[0] == 404
        assert api.raw("DELETE", "/api/conversations/" + unknown)[0] == 400
        assert api.raw("POST", "/api/conversations/%s/pause" % unknown)[0] == 400
        assert api.raw("POST", "/api/conversations/%s/interrupt" % unknown)[0] == 400
        assert api.raw("POST", "/api/conversations/%s/run" % unknown)[0] == 404
        assert api.raw("GET", "/api/conversations/%s/events/search" % unknown)[0] == 404
        st, _, body = api.raw("POST", "/api/conversations", b"{not json",
                              headers={"Content-Type": "application/json"})
        assert st == 422 and "not valid JSON" in json.loads(body)["detail"]
        st, _, body = api.raw("POST", "/api/conversations", {"max_iterations": "many"})
        assert st == 422 and "max_iterations" in json.loads(body)["detail"]
        st, _, body = api.raw("POST", "/api/conversations",
                              {"initial_message": {"role": "user", "content": 5}})
        assert st == 422 and "content" in json.loads(body)["detail"]
        st, _, body = api.raw("POST", "/api/conversations", {"conversation_id": "nope"})
        assert st == 422 and "conversation_id" in json.loads(body)["detail"]
        # the answer comes before the body is sent: a client that waits is told
        with socket.create_connection(("127.0.0.1", s.port), timeout=30) as c:
            c.sendall(b"POST /api/conversations HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n{"
                      % (9 << 20))
            head = c.recv(4096).decode()
        assert head.startswith("HTTP/1.1 413"), head
        # a body sent in chunks (no length known ahead) is cut at the cap too
        with socket.create_connection(("127.0.0.1", s.port), timeout=30) as c:
            c.sendall(b"POST /api/conversations HTTP/1.1\r\nHost: x\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n")
            chunk = b"%x\r\n%s\r\n" % (1 << 20, b"a" * (1 << 20))
            try:
                for _ in range(12):
                    c.sendall(chunk)
            except OSError:
                pass
            head = c.recv(4096).decode()
        assert head.startswith("HTTP/1.1 413"), head
        assert ws_close_code(api, unknown) == 4004
        assert api.call("GET", "/health") == {"status": "ok"}
        assert api.raw("GET", "/assets/nothing-here.js")[0] == 404


def ws_close_code(api, cid, frames=(), **query):
    ws = api.socket(cid, **query)
    for f in frames:
        ws.send(f)
    try:
        while True:
            op, data = ws.recv_data(control_frame=True)
            if op == websocket.ABNF.OPCODE_CLOSE:
                return int.from_bytes(data[:2], "big")
    except websocket.WebSocketConnectionClosedException:
        return None


def test_auth_on_every_route_kind(state):
    with FakeLLM([finish()]) as llm, serve(state, llm, "--api-key", KEY) as s:
        anon = ServeClient(s.url)
        api = ServeClient(s.url, key=KEY)
        conv = api.create("hi", run=False)
        cid = conv["id"]
        for method, path in [("GET", "/api/conversations/search"),
                             ("GET", "/api/conversations/" + cid),
                             ("POST", "/api/conversations/%s/run" % cid),
                             ("GET", "/api/conversations/%s/events/search" % cid),
                             ("GET", "/api/settings"), ("POST", "/api/conversations")]:
            st, _, body = anon.raw(method, path, {} if method == "POST" else None)
            assert (st, json.loads(body)) == (401, {"detail": "Unauthorized"}), (method, path)
        assert anon.call("GET", "/health") == {"status": "ok"}
        wrong = ServeClient(s.url, key="wrong-key")
        assert wrong.raw("GET", "/api/conversations/count")[0] == 401
        bearer = ServeClient(s.url, headers={"Authorization": "Bearer " + KEY})
        assert bearer.call("GET", "/api/conversations/count") == 1
        assert ServeClient(s.url, headers={"Authorization": "Bearer nope"}).raw(
            "GET", "/api/conversations/count")[0] == 401
        # the login page's cookie
        st, headers, _ = anon.raw("POST", "/api/login", {"api_key": "nope"})
        assert st == 401
        st, headers, _ = anon.raw("POST", "/api/login", {"api_key": KEY})
        cookie = headers["Set-Cookie"]
        assert st == 200 and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        browser = ServeClient(s.url, headers={"Cookie": cookie.split(";")[0]})
        assert browser.call("GET", "/api/conversations/count") == 1
        # WebSockets: no key, a wrong key, a bad first frame are closed 4001
        assert ws_close_code(anon, cid, session_api_key="wrong") == 4001
        assert ws_close_code(anon, cid, frames=['{"type":"auth","session_api_key":"x"}']) == 4001
        ws = anon.socket(cid, session_api_key=KEY)
        assert json.loads(ws.recv())["key"] == "full_state"
        ws.close()
        ws = anon.socket(cid)
        ws.send(json.dumps({"type": "auth", "session_api_key": KEY}))
        assert json.loads(ws.recv())["key"] == "full_state"
        ws.close()
        # settings never give the key back in clear
        api.call("POST", "/api/settings", {"llm": {"api_key": "sk-secret-123456789"}})
        got = api.call("GET", "/api/settings")
        assert got["llm"]["api_key"] == "****6789"
        assert "sk-secret" not in json.dumps(api.get(cid))


def test_clients_that_disconnect_mid_stream_do_not_hurt(state):
    script = [call("terminal", command="for i in 1 2 3; do echo line$i; sleep 0.2; done"),
              call("terminal", command="echo second"), finish()]
    with FakeLLM(script) as llm, serve(state, llm) as s:
        api = ServeClient(s.url)
        conv = RemoteConversation(api, "print lines", run=True)
        for _ in range(5):
            ws = api.socket(conv.id, resend_mode="all")
            ws.recv()
            ws.sock.close()          # gone without a close frame
        raw = api.socket(conv.id)
        assert json.loads(raw.recv())["key"] == "full_state"
        raw.send("this is not json")
        reply = follow_until(raw, lambda e: "detail" in e)[-1]
        assert "not JSON" in reply["detail"]
        raw.close()
        events = conv.follow(until=("finished",))
        assert status_of(events[-1]) == "finished"
        assert api.call("GET", "/health") == {"status": "ok"}


def test_kill_9_during_a_run_then_restart_continues(state):
    script = [call("terminal", command="sleep 300"), finish("done after restart")]
    with FakeLLM(script) as llm:
        s = serve(state, llm).start()
        api = ServeClient(s.url)
        conv = RemoteConversation(api, "a long command", run=True)
        ws = api.socket(conv.id, resend_mode="all")
        seen = follow_until(ws, lambda e: e["kind"] == "ActionEvent")
        ws.close()
        s.kill9()
        s2 = serve(state, llm)
        s2.port = s.port
        s2.start()
        try:
            api = ServeClient(s2.url)
            info = api.get(conv.id)
            assert info["execution_status"] == "paused"
            stored = api.events(conv.id)
            live_ids = [e["id"] for e in seen[1:]]
            assert [e["id"] for e in stored][:len(live_ids)] == live_ids
            api.send(conv.id, "please finish now", run=True)
            ws = api.socket(conv.id)
            follow_until(ws, lambda e: status_of(e) == "finished")
            ws.close()
            assert api.get(conv.id)["execution_status"] == "finished"
            assert api.delete(conv.id) == {"success": True}
            assert api.raw("GET", "/api/conversations/" + conv.id)[0] == 404
        finally:
            s2.stop()


def test_a_message_to_a_finished_conversation_turns_it_idle_first(state):
    # as the reference's send_message(): a finished conversation becomes
    # idle with the new message, then runs
    with FakeLLM([finish("one"), call("terminal", command="echo two"), finish("two")]) as llm, \
            serve(state, llm) as s:
        api = ServeClient(s.url)
        conv = RemoteConversation(api, "first", run=True)
        conv.follow(until=("finished",))
        ws = api.socket(conv.id)
        assert json.loads(ws.recv())["key"] == "full_state"
        api.send(conv.id, "second", run=True)
        seen = follow_until(ws, lambda e: status_of(e) == "finished")
        ws.close()
        marks = [status_of(e) or e["kind"] for e in seen
                 if status_of(e) or e["kind"] == "MessageEvent"]
        assert marks[:3] == ["idle", "MessageEvent", "running"], marks
        texts = [e["llm_message"]["content"][0]["text"] for e in api.events(conv.id)
                 if e["kind"] == "MessageEvent" and e["source"] == "user"]
        assert texts == ["first", "second"]


def test_an_initial_message_without_run_is_an_event_at_once(state):
    with FakeLLM([finish("ran")]) as llm, serve(state, llm) as s:
        api = ServeClient(s.url)
        cid = api.create("just keep this", run=False)["id"]
        deadline = time.monotonic() + 90
        while True:
            users = [e for e in api.events(cid)
                     if e["kind"] == "MessageEvent" and e["source"] == "user"]
            if users:
                break
            assert time.monotonic() < deadline, api.get(cid)
            time.sleep(0.25)
        # shown as soon as the sandbox is up; nothing asked of the LLM
        assert users[0]["llm_message"]["content"][0]["text"] == "just keep this"
        assert api.get(cid)["execution_status"] == "idle" and not llm.chat_requests
        # a run takes it up, and it is not shown twice
        ws = api.socket(cid)
        api.run(cid)
        follow_until(ws, lambda e: status_of(e) == "finished")
        ws.close()
        assert len([e for e in api.events(cid) if e["kind"] == "MessageEvent" and
                    e["source"] == "user"]) == 1
        assert len(llm.chat_requests) == 1


def test_max_sandboxes_answers_429_and_never_evicts(state):
    with FakeLLM([]) as llm, serve(state, llm, "--max-sandboxes", "1") as s:
        api = ServeClient(s.url)
        first = api.create("one", run=False)
        st, _, body = api.raw("POST", "/api/conversations", {"initial_message": message("two")})
        detail = json.loads(body)["detail"]
        assert st == 429 and "--max-sandboxes 1" in detail and "delete" in detail.lower()
        assert api.get(first["id"])["sandbox_status"] in ("starting", "running")
        api.delete(first["id"])
        assert api.create("three", run=False)["sandbox_status"] == "starting"


def test_a_sandbox_that_cannot_start_is_an_error_event(state):
    with FakeLLM([]) as llm, serve(state, llm) as s:
        api = ServeClient(s.url)
        conv = RemoteConversation(api, "x", run=True, sandbox={"image": "no-such/image:nope"})
        events = conv.follow(until=("error",))
        errors = [e for e in events if e["kind"] == "ConversationErrorEvent"]
        assert errors and "no-such/image" in errors[0]["detail"], events
        info = api.get(conv.id)
        assert info["execution_status"] == "error" and info["sandbox_status"] == "error"


def test_a_task_whose_sandbox_did_not_start_goes_with_the_next_message(state, tmp_path):
    # the engine is "down" (nothing at DOCKER_HOST), then comes back
    sock = tmp_path / "engine" / "docker.sock"
    sock.parent.mkdir()
    with FakeLLM([{"content": "Both done."}]) as llm, \
            serve(state, llm, env={"DOCKER_HOST": "unix://%s" % sock}) as s:
        api = ServeClient(s.url)
        conv = RemoteConversation(api, "the first task", run=True)
        events = conv.follow(until=("error",))
        errors = [e for e in events if e["kind"] == "ConversationErrorEvent"]
        assert errors and "is dockerd running?" in errors[0]["detail"], events
        assert not llm.chat_requests
        os.symlink("/var/run/docker.sock", sock)
        api.send(conv.id, "and a second one", run=True)
        conv.follow(until=("finished",))
        # the task acknowledged at the first POST was not dropped: the
        # agent got it, before the second message
        asked = [m for m in llm.chat_requests[0]["body"]["messages"] if m["role"] == "user"]
        texts = json.dumps(asked)
        assert "the first task" in texts and "and a second one" in texts, asked
        assert texts.index("the first task") < texts.index("and a second one")
        stored = [e for e in api.events(conv.id) if e["kind"] == "MessageEvent"
                  and e["source"] == "user"]
        assert len(stored) == 2, stored


def test_tls_and_a_base_path(state, tmp_path):
    import ssl
    import subprocess
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost"],
                   check=True, capture_output=True)
    with FakeLLM([]) as llm, serve(state, llm, "--tls-cert", str(cert), "--tls-key", str(key),
                                   "--base-path", "/hb", "--api-key", KEY) as s:
        assert s.url.startswith("https://") and s.url.endswith("/hb")
        ctx = ssl.create_default_context(cafile=str(cert))
        ctx.check_hostname = False
        import urllib.request
        opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx))
        urllib.request.install_opener(opener)
        try:
            api = ServeClient(s.url, key=KEY)
            assert api.call("GET", "/health") == {"status": "ok"}
            assert api.call("GET", "/api/conversations/count") == 0
            st, headers, _ = ServeClient(s.url).raw("POST", "/api/login", {"api_key": KEY})
            assert st == 200 and "Secure" in headers["Set-Cookie"]
            assert "Path=/hb/" in headers["Set-Cookie"]
            # without the prefix too (a proxy may strip it)
            root = ServeClient(s.url[:-len("/hb")], key=KEY)
            assert root.call("GET", "/api/conversations/count") == 0
        finally:
            urllib.request.install_opener(urllib.request.build_opener())


def test_bad_flags_are_named(tmp_path):
    from handbox_cli import HANDBOX
    import subprocess
    env = dict(os.environ, HANDBOX_STATE_DIR=str(tmp_path))
    env.pop("HANDBOX_API_KEY", None)
    for args, words in [(["--bind", "0.0.0.0"], "--insecure"),
                        (["--port", "0"], "--port"),
                        (["--tls-cert", "x.pem"], "--tls-key"),
                        (["--base-path", "nope/"], "--base-path"),
                        (["--max-sandboxes", "0"], "--max-sandboxes"),
                        (["--idle-pause", "abc"], "--idle-pause"),
                        (["--idle-pause", "-5"], "--idle-pause"),
                        (["--idle-pause", "15x"], "15m")]:
        r = subprocess.run([HANDBOX, "serve"] + args, env=env, capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 2 and words in r.stderr, (args, r.stderr)
    r = subprocess.run([HANDBOX, "serve"], env=dict(env, HANDBOX_MAX_SANDBOXES="lots"),
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "HANDBOX_MAX_SANDBOXES" in r.stderr, r.stderr
    r = subprocess.run([HANDBOX, "serve"], env=dict(env, HANDBOX_IDLE_PAUSE="soon"),
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and 'HANDBOX_IDLE_PAUSE: "soon"' in r.stderr, r.stderr
