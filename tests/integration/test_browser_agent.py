"""The agent's browser tools end to end (docs/browser.md): `handbox serve`
with the process runtime (sandboxd a local process, so this host's
Chromium is the sandbox's browser), a real headless Chromium with its
DevTools server on a free port (HANDBOX_BROWSER_CDP, passed in the
conversation's sandbox env), and the scripted LLM (tests/lib/fake_llm.py).
The agent writes a page, serves it with `python3 -m http.server` from its
terminal, opens it with browser_navigate, clicks its button, takes a
screenshot and finishes. Checked: the browser tools were offered to the
model (and named in its system prompt), each observation holds what the page showed, the screenshot is a
PNG file named in the event (no image bytes in events)."""
import json
import os
import shutil
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from conftest import free_port  # noqa: E402
from fake_llm import FakeLLM  # noqa: E402
from serve_client import RemoteConversation, Serve, ServeClient  # noqa: E402
from headless_chromium import Chromium  # noqa: E402

PAGE = ("<!doctype html><html><head><title>Agent page</title></head><body>"
        "<h1>Served by the agent</h1><p id=out>waiting</p>"
        "<button onclick=\"out.textContent='pressed by the agent'\">Press</button>"
        "</body></html>")


def call(name, **arguments):
    return {"tool_calls": [{"name": name, "arguments": arguments}]}


def observations(events):
    return [e for e in events if e.get("kind") == "ObservationEvent"]


def text_of(ev):
    return "".join(c["text"] for c in ev["observation"]["content"])


@pytest.fixture
def work():
    """The agent's folder: where the sandbox user (uid 1000) can reach it,
    unlike pytest's root-only temp folders."""
    d = tempfile.mkdtemp(prefix="handbox-browser-test-")
    os.chmod(d, 0o777)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def chromium(tmp_path):
    c = Chromium(str(tmp_path / "chromium"), free_port()).start()
    yield c
    c.stop()


def test_agent_serves_a_page_and_reads_it_in_the_browser(tmp_path, work, chromium):
    app_port = free_port()
    shots = os.path.join(work, "shots")
    script = [
        call("file_editor", command="create", path=os.path.join(work, "index.html"), file_text=PAGE),
        call("terminal", command="cd %s && (python3 -m http.server %d --bind 127.0.0.1 "
             "> server.log 2>&1 &) && sleep 1 && echo started" % (work, app_port)),
        call("browser_navigate", url="http://localhost:%d/" % app_port),
        call("browser_click", index=1),
        call("browser_get_state", include_screenshot=True),
        call("terminal", command="pkill -f 'http.server %d' ; echo stopped" % app_port),
        call("finish", message="the page works"),
    ]
    env = {"RUNTIME": "process", "LLM_MODEL": "test-model", "LLM_RETRY_MIN_WAIT": "0.2"}
    with FakeLLM(script) as llm:
        env["LLM_BASE_URL"] = llm.base_url
        with Serve(tmp_path / "state", env=env) as s:
            api = ServeClient(s.url)
            conv = RemoteConversation(
                api, "serve a page and check it in the browser", run=True,
                sandbox={"volumes": ["%s:%s:rw" % (work, work)],
                         "env": {"HANDBOX_BROWSER_CDP": "127.0.0.1:%d" % chromium.port,
                                 "HANDBOX_BROWSER_SCREENSHOTS": str(shots)}})
            events = conv.follow(until=("finished", "error", "stuck"))
            api.delete(conv.id)
        tools = [t["function"]["name"] for t in llm.chat_requests[0]["body"]["tools"]]
        system = llm.chat_requests[0]["body"]["messages"][0]
    assert "browser_navigate" in tools and "browser_go_back" in tools, tools
    assert system["role"] == "system" and "browser tools" in str(system["content"]), system
    obs = {e["tool_name"]: e for e in observations(events)}
    assert set(obs) >= {"browser_navigate", "browser_click", "browser_get_state"}, list(obs)

    nav = obs["browser_navigate"]["observation"]
    assert nav["kind"] == "BrowserObservation" and not nav["is_error"], nav
    assert "Served by the agent" in text_of(obs["browser_navigate"]), nav
    assert "[1] <button>Press</button>" in text_of(obs["browser_navigate"]), nav
    assert nav["url"] == "http://localhost:%d/" % app_port and nav["title"] == "Agent page"
    assert "pressed by the agent" in text_of(obs["browser_click"]), obs["browser_click"]

    state = obs["browser_get_state"]["observation"]
    assert state["screenshot_data"] is None, "image bytes in the event"
    path = state["screenshot_path"]
    assert path and path.startswith(shots + "/"), state
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert len(json.dumps(obs["browser_get_state"])) < 8000
