"""A conversation on `handbox serve` through the C SDK
(hb_conversation_open_remote): tests/sdk/remote_probe.c, compiled with only
include/handbox on its include path, against the real server binary (with
--api-key), a real Docker engine and the scripted LLM of
tests/lib/fake_llm.py. The server gets no LLM settings: the conversation
works only with the LLM the program sends in agent.llm.

What a program sees: every stored event once and in order (the same list
the server stores), "finished", the cost; a refused key, an unreachable
server and a full server each said; pause and interrupt from another
thread; a server killed mid-run failing the run without a hang; a
connection cut mid-run (by a TCP relay between the program and the
server) losing no event; attaching to an existing conversation."""
import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from fake_llm import FakeLLM  # noqa: E402
from handbox_cli import ROOT  # noqa: E402
from sandbox_container import IMAGES, require_engine, require_image  # noqa: E402
from serve_client import ApiError, free_port, remove_server_sandboxes, Serve, ServeClient  # noqa: E402

PROBE = os.path.abspath(os.environ.get("REMOTE_PROBE", os.path.join(ROOT, "build", "remote_probe")))
# examples/remote_conversation.c, built against the installed copy in the
# build's stage/ (make examples)
EXAMPLE = os.path.abspath(os.environ.get("EXAMPLE_REMOTE", os.path.join(
    ROOT, "build", "examples", "remote_conversation")))
IMAGE = IMAGES["debian"]
KEY = "remote-sdk-test-key-0123456789"
LLM_KEY = "llm-secret-key-for-remote-test"
HB_EIO, HB_EPERM, HB_EBUSY, HB_ENOENT = -5, -6, -8, -4


@pytest.fixture(scope="module", autouse=True)
def engine():
    require_engine()
    require_image(IMAGE)
    assert os.access(PROBE, os.X_OK), "build it first: make " + PROBE


@pytest.fixture
def state(tmp_path):
    d = tmp_path / "state"
    yield d
    # the sandboxes of this server's conversations (a conversation on the
    # server outlives the program that made it)
    remove_server_sandboxes(d)


def call(name, **arguments):
    return {"tool_calls": [{"name": name, "arguments": arguments}]}


def serve(state, *args):
    """The server, with no LLM of its own: prices so that cost is known."""
    env = {"SANDBOX_RUNTIME_CONTAINER_IMAGE": IMAGE, "HANDBOX_TERMINAL_SOFT_TIMEOUT": "120",
           "LLM_RETRY_MIN_WAIT": "0.2", "LLM_MODEL": "", "LLM_BASE_URL": "", "LLM_API_KEY": "",
           "LLM_INPUT_COST_PER_TOKEN": "0.000001", "LLM_OUTPUT_COST_PER_TOKEN": "0.000002",
           "HANDBOX_LLM_PRESETS": ""}
    return Serve(state, env=env, args=["--api-key", KEY] + list(args))


def probe_env(llm):
    env = dict(os.environ)
    env.pop("HANDBOX_API_KEY", None)
    env.update({"LLM_MODEL": "test-model", "LLM_BASE_URL": llm.base_url, "LLM_API_KEY": LLM_KEY})
    return env


def parse(out):
    events, result = [], None
    for line in out.splitlines():
        o = json.loads(line)
        if "event" in o:
            events.append(o["event"])
        else:
            result = o["result"]
    return events, result


def probe(url, *args, env=None, key=KEY, expect=0):
    argv = [PROBE, url] + (["--key", key] if key else []) + list(args)
    r = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=180)
    assert r.returncode == expect, "remote_probe %s: exit %d\n%s\n%s" % (
        " ".join(args), r.returncode, r.stdout[-4000:], r.stderr)
    events, result = parse(r.stdout)
    return events, result, r.stdout + r.stderr


class LiveProbe:
    """The probe as a process whose events are read as they come."""

    def __init__(self, url, *args, env=None):
        self.proc = subprocess.Popen([PROBE, url, "--key", KEY] + list(args), env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = []

    def until(self, pred):
        """Reads events up to the first that pred accepts."""
        for line in self.proc.stdout:
            self.lines.append(line)
            o = json.loads(line)
            if "event" in o and pred(o["event"]):
                return o["event"]
        raise AssertionError("the probe ended first:\n" + "".join(self.lines))

    def finish(self, timeout=180):
        out, err = self.proc.communicate(timeout=timeout)
        events, result = parse("".join(self.lines) + out)
        return events, result, err


def kind_is(kind):
    return lambda ev: ev["kind"] == kind


def stored_ids(api, cid):
    return [e["id"] for e in api.events(cid)]


def test_a_remote_run_gives_every_event_once_in_order_with_status_and_cost(state):
    script = [call("terminal", command="echo hello-remote"), call("finish", message="said it"),
              call("finish", message="again")]
    with FakeLLM(script, require_key=LLM_KEY) as llm, serve(state) as s:
        # the third run has nothing to do: the server says nothing, and
        # the run still returns (the server's status is asked)
        events, result, out = probe(s.url, "send", "say hello", "run",
                                    "send", "now once more", "run", "run", env=probe_env(llm))
        api = ServeClient(s.url, key=KEY)
        assert [r["status"] for r in result["runs"]] == ["finished"] * 3, result
        assert [r["rc"] for r in result["runs"]] == [0, 0, 0]
        assert result["status"] == "finished" and result["workspace_is_null"]
        # exactly what the server stored, in its order, each once
        ids = [e["id"] for e in events]
        assert ids == stored_ids(api, result["id"])
        assert len(set(ids)) == len(ids)
        kinds = [e["kind"] for e in events]
        for k in ("SystemPromptEvent", "MessageEvent", "ActionEvent", "ObservationEvent"):
            assert k in kinds, kinds
        assert "full_state" not in json.dumps(events)
        obs = [e for e in events if e["kind"] == "ObservationEvent"]
        assert "hello-remote" in json.dumps(obs[0]["observation"])
        finished = [i for i, e in enumerate(events) if e.get("value") == "finished"]
        assert len(finished) == 2 and finished[-1] == len(events) - 1
        # the cost and counts the server has
        info = api.get(result["id"])
        agent = info["stats"]["usage_to_metrics"]["agent"]
        assert result["cost"] > 0 and result["cost"] == pytest.approx(agent["accumulated_cost"])
        assert result["stats"]["llm_calls"] == agent["llm_calls"] == 3
        assert result["stats"]["prompt_tokens"] == agent["accumulated_token_usage"]["prompt_tokens"]
        # the LLM got the key the program sent; nobody shows it
        assert llm.chat_requests and all(r["headers"]["authorization"] == "Bearer " + LLM_KEY
                                         for r in llm.chat_requests)
        assert LLM_KEY not in out and LLM_KEY not in s.read_log()
        assert KEY not in out and KEY not in s.read_log()
        assert info["title"] == "say hello"


def test_a_refused_or_missing_key_is_said_and_makes_nothing(state):
    with FakeLLM([]) as llm, serve(state) as s:
        _, result, _ = probe(s.url, "send", "x", env=probe_env(llm), key="not-the-key",
                             expect=3)
        assert result["code"] == HB_EPERM
        assert result["error"] == ("handbox serve at %s refused the API key (HTTP 401): give "
                                   "the key it was started with (--api-key or "
                                   "HANDBOX_API_KEY)" % s.url)
        _, result, _ = probe(s.url, env=probe_env(llm), key=None, expect=3)
        assert result["code"] == HB_EPERM and "wants an API key" in result["error"]
        # HANDBOX_API_KEY stands in for a NULL key
        env = probe_env(llm)
        env["HANDBOX_API_KEY"] = KEY
        _, result, _ = probe(s.url, env=env, key=None)
        assert ServeClient(s.url, key=KEY).call("GET", "/api/conversations/count") == 1


def test_an_unreachable_server_is_named():
    port = free_port()
    _, result, _ = probe("http://127.0.0.1:%d" % port, expect=3)
    assert result["code"] == HB_EIO
    assert result["error"].startswith("handbox serve does not answer at http://127.0.0.1:%d "
                                      "(POST /api/conversations): " % port), result
    _, result, _ = probe("127.0.0.1:3000", expect=3)
    assert result["code"] == -2 and "expected http://HOST:PORT" in result["error"]


def test_a_full_server_passes_its_own_sentence(state):
    with FakeLLM([]) as llm, serve(state, "--max-sandboxes", "1") as s:
        probe(s.url, env=probe_env(llm))
        api = ServeClient(s.url, key=KEY)
        with pytest.raises(ApiError) as direct:
            api.create(None, agent={"llm": {"model": "m", "base_url": llm.base_url}})
        assert direct.value.status == 429
        _, result, _ = probe(s.url, env=probe_env(llm), expect=3)
        assert result["code"] == HB_EBUSY
        assert result["error"] == "handbox serve at %s: %s" % (s.url, direct.value.body["detail"])


def test_pause_and_interrupt_from_another_thread(state):
    script = [call("terminal", command="sleep 1; echo slow-one"),
              call("terminal", command="sleep 600"), call("finish", message="never")]
    with FakeLLM(script) as llm, serve(state) as s:
        events, result, _ = probe(s.url, "--pause-on", "ActionEvent", "send", "go", "run",
                                  env=probe_env(llm))
        assert result["runs"] == [{"rc": 0, "error": "", "status": "paused"}], result
        kinds = [e["kind"] for e in events]
        assert "PauseEvent" in kinds
        # the step under way ended (its command's output came); no other began
        assert kinds.count("ActionEvent") == 1 and "slow-one" in json.dumps(events)
        # interrupt cancels the command in flight (sleep 600); on the same
        # conversation, attached by a second program
        events, result, _ = probe(s.url, "--attach", result["id"], "--interrupt-on",
                                  "ActionEvent", "send", "go on", "run", env=probe_env(llm))
        assert result["runs"] == [{"rc": 0, "error": "", "status": "paused"}], result
        acts = [e["action"] for e in events if e["kind"] == "ActionEvent"]
        assert [a.get("command") for a in acts] == ["sleep 600"], acts
        assert llm.remaining == 1   # the finish was never asked for


def test_attach_follows_from_now_and_refuses_an_unknown_id(state):
    with FakeLLM([call("finish", message="one"), call("finish", message="two")]) as llm, \
            serve(state) as s:
        first, result, _ = probe(s.url, "send", "first", "run", env=probe_env(llm))
        cid = result["id"]
        later, result, _ = probe(s.url, "--attach", cid, "send", "second", "run",
                                 env=probe_env(llm))
        assert result["id"] == cid and result["runs"][0]["status"] == "finished"
        api = ServeClient(s.url, key=KEY)
        # the two programs saw the stored events between them, none twice
        assert [e["id"] for e in first + later] == stored_ids(api, cid)
        # as the reference's send_message(): the finished conversation turns
        # idle, then the message
        assert (later[0]["kind"], later[0].get("key"), later[0].get("value")) == \
            ("ConversationStateUpdateEvent", "execution_status", "idle"), later[0]
        assert later[1]["kind"] == "MessageEvent" and "second" in json.dumps(later[1])
        _, result, _ = probe(s.url, "--attach", "00000000-0000-4000-8000-000000000000",
                             env=probe_env(llm), expect=3)
        assert result["code"] == HB_ENOENT and "has no conversation" in result["error"]


def test_a_server_killed_mid_run_fails_the_run_clearly(state):
    script = [call("terminal", command="echo before-the-kill"),
              {"delay": 60, **call("finish", message="never")}]
    with FakeLLM(script) as llm:
        s = serve(state).start()
        p = LiveProbe(s.url, "send", "go", "run", env=probe_env(llm))
        p.until(kind_is("ObservationEvent"))
        s.kill9()
        events, result, _ = p.finish()
        assert p.proc.returncode == 3
        run = result["runs"][0]
        assert run["rc"] == HB_EIO
        assert run["error"].startswith("handbox serve at %s stopped answering during the run "
                                       "and was not back within 15 s (" % s.url), run


class Relay:
    """A TCP relay to a port on 127.0.0.1 that the test can cut: cut()
    closes every connection and refuses (closes at once) new ones until
    release()."""

    def __init__(self, port):
        self.port = port
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = "http://127.0.0.1:%d" % self.sock.getsockname()[1]
        self.lock = threading.Lock()
        self.conns, self.held, self.refused, self.after_release = [], False, 0, 0
        self.released = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                if self.held:
                    self.refused += 1
                    c.close()
                    continue
                if self.released:
                    self.after_release += 1
                u = socket.create_connection(("127.0.0.1", self.port))
                self.conns.append((c, u))
            for a, b in ((c, u), (u, c)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        with self.lock:
            self.held = True
            for c, u in self.conns:
                for s in (c, u):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
            self.conns = []

    def release(self):
        with self.lock:
            self.held = False
            self.released = True

    def close(self):
        self.sock.close()


def test_a_connection_cut_mid_run_loses_no_event(state):
    """The run goes on on the server while the program is cut off; once
    it can connect again it gets the events it missed, then the rest."""
    script = [call("terminal", command="echo one"),
              {"delay": 1, **call("terminal", command="echo two")},
              call("terminal", command="echo three"), call("finish", message="done")]
    with FakeLLM(script) as llm, serve(state) as s:
        relay = Relay(s.port)
        api = ServeClient(s.url, key=KEY)
        try:
            p = LiveProbe(relay.url, "send", "count", "run", env=probe_env(llm))
            first = p.until(kind_is("ObservationEvent"))
            relay.cut()
            cid = None
            while cid is None or api.get(cid)["execution_status"] != "finished":
                found = api.call("GET", "/api/conversations/search")["items"]
                cid = found[0]["id"] if found else None
                time.sleep(0.1)
            # events the program has not had were stored while it was cut off
            stored = stored_ids(api, cid)
            assert stored.index(first["id"]) < len(stored) - 5
            relay.release()
            events, result, err = p.finish()
            assert p.proc.returncode == 0, (result, err)
        finally:
            relay.close()
        assert relay.after_release >= 1
        assert result["runs"] == [{"rc": 0, "error": "", "status": "finished"}]
        ids = [e["id"] for e in events]
        assert ids == stored_ids(api, cid)
        text = json.dumps(events)
        for word in ("echo one", "echo two", "echo three"):
            assert word in text


def test_the_example_runs_a_task_on_the_server(state):
    assert os.access(EXAMPLE, os.X_OK), "build it first: make examples"
    script = [call("terminal", command="echo fact > /workspace/FACTS.txt"),
              call("finish", message="wrote them")]
    with FakeLLM(script) as llm, serve(state) as s:
        env = probe_env(llm)
        env["HANDBOX_API_KEY"] = KEY
        env["LD_LIBRARY_PATH"] = os.path.join(os.path.dirname(os.path.dirname(EXAMPLE)),
                                              "stage", "lib")
        r = subprocess.run([EXAMPLE, s.url, "write the facts"], env=env, capture_output=True,
                           text=True, timeout=180)
        assert r.returncode == 0, r.stdout + r.stderr
        lines = r.stdout.splitlines()
        cid = lines[0].split()[2]
        assert lines[0] == "Conversation ID: %s (open %s/conversations/%s)" % (cid, s.url, cid)
        assert "event ActionEvent" in lines and "event ConversationStateUpdateEvent finished" \
            in lines
        assert lines[-2] == "Agent status: finished"
        assert lines[-1].startswith("EXAMPLE_COST: ") and float(lines[-1].split()[1]) > 0
        api = ServeClient(s.url, key=KEY)
        assert len([x for x in lines if x.startswith("event ")]) == len(api.events(cid))


def test_https_with_the_ca_named_by_ssl_cert_file(state, tmp_path):
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    with FakeLLM([call("finish", message="over tls")]) as llm, \
            serve(state, "--tls-cert", str(cert), "--tls-key", str(key)) as s:
        assert s.url.startswith("https://127.0.0.1:")
        env = probe_env(llm)
        env.pop("SSL_CERT_FILE", None)
        _, result, _ = probe(s.url, env=env, expect=3)
        assert result["code"] == HB_EIO and "certificate" in result["error"], result
        env["SSL_CERT_FILE"] = str(cert)
        events, result, _ = probe(s.url, "send", "hello", "run", env=env)
        assert result["runs"][0]["status"] == "finished"
        api_ids = [e["id"] for e in events]
        assert len(api_ids) == len(set(api_ids)) and events[-1]["value"] == "finished"
