"""The agent end to end: `handbox run` with the scripted OpenAI-compatible
server of tests/lib/fake_llm.py (real HTTP on loopback) as the LLM, the
commands in a real container of the default image, the events in the store
of a private state directory. What a user checks: the files the agent made
in the mounted workspace, the events it printed, the exit status, what the
store holds after a kill -9, and that no key reaches the sandbox."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from fake_llm import FakeLLM  # noqa: E402
from handbox_cli import HANDBOX, Handbox  # noqa: E402
from sandbox_container import IMAGES, require_engine, require_image  # noqa: E402

IMAGE = IMAGES["debian"]
KEY = "sk-test-key-0123456789abcdef"


@pytest.fixture(scope="module", autouse=True)
def engine():
    require_engine()
    require_image(IMAGE)


@pytest.fixture
def hb(tmp_path):
    h = Handbox(tmp_path / "state", env={
        "LLM_MODEL": "test-model", "LLM_API_KEY": KEY, "NO_COLOR": "1",
        "HANDBOX_TERMINAL_SOFT_TIMEOUT": "3", "LLM_RETRY_MIN_WAIT": "0.2"})
    yield h
    # every sandbox of this state directory, also one a failed test kept
    h.created += [sb["id"] for sb in mine(h) if sb["id"] not in h.created]
    h.rm_all()


@pytest.fixture
def work(tmp_path):
    d = tmp_path / "work"
    d.mkdir()
    os.chmod(d, 0o777)
    return d


def call(name, **arguments):
    return {"tool_calls": [{"name": name, "arguments": arguments}]}


def finish(message="done"):
    return call("finish", message=message)


def run(hb, llm, work, *args, task="do the task", expect=0, env=None, timeout=240):
    """`handbox run --json`; returns (events, result)."""
    r = hb.run("run", task, "--json", "--image", IMAGE, "--base-url", llm.base_url,
               "--volume", "%s:/workspace:rw" % work, *args, env=env, timeout=timeout)
    events = [json.loads(line) for line in r.out.splitlines() if line.strip()]
    assert r.returncode == expect, "handbox run: exit %d (expected %d)\n%s\n%s" % (
        r.returncode, expect, r.out[-4000:], r.err[-4000:])
    return events, r


def kinds(events, kind):
    return [e for e in events if e["kind"] == kind]


def observation_texts(events):
    return ["".join(c["text"] for c in e["observation"].get("content", []))
            for e in kinds(events, "ObservationEvent")]


def statuses(events):
    return [e["value"] for e in kinds(events, "ConversationStateUpdateEvent")
            if e["key"] == "execution_status"]


def mine(hb):
    """The sandboxes of hb's state directory (other tests may run beside)."""
    path = os.path.join(hb.state_dir, "server-id")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        owner = f.read().strip()
    return [sb for sb in hb.ls() if sb["owner"] == owner]


def no_sandboxes_left(hb):
    assert mine(hb) == [], "sandboxes left behind: %s" % mine(hb)


def start_run(hb, llm, work, task, env=None):
    """`handbox run --json` in the background."""
    return subprocess.Popen([HANDBOX, "run", task, "--json", "--image", IMAGE,
                             "--base-url", llm.base_url, "--volume", "%s:/workspace:rw" % work],
                            env=dict(hb.env, **(env or {})), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def read_until(p, kind, n=1):
    """The events p printed up to its nth event of kind."""
    seen = []
    while len(kinds(seen, kind)) < n:
        line = p.stdout.readline()
        assert line, "handbox run ended early: %s" % p.stderr.read()
        seen.append(json.loads(line))
    return seen


def test_task_creates_edits_and_runs_a_file(hb, work):
    script = [
        call("file_editor", command="create", path="/workspace/hello.py",
             file_text="print('hi')\n"),
        call("file_editor", command="str_replace", path="/workspace/hello.py",
             old_str="'hi'", new_str="'hello from the agent'"),
        call("terminal", command="cd /workspace && python3 hello.py"),
        finish("hello.py prints a greeting"),
    ]
    with FakeLLM(script) as llm:
        events, r = run(hb, llm, work)
        requests = llm.chat_requests
    assert (work / "hello.py").read_text() == "print('hello from the agent')\n"
    texts = observation_texts(events)
    assert any("hello from the agent" in t and "exit code 0" in t for t in texts), texts
    assert statuses(events)[-1] == "finished"
    assert kinds(events, "SystemPromptEvent"), "no system prompt event"
    # the key went to the LLM, and the LLM saw each result
    assert all(q["headers"].get("authorization") == "Bearer " + KEY for q in requests)
    last = requests[-1]["body"]["messages"]
    assert any(m["role"] == "tool" and "hello from the agent" in str(m["content"])
               for m in last), last
    assert "finished" in r.err and "steps" in r.err
    # every event printed is in the store, in order
    conv = kinds(events, "ConversationStateUpdateEvent")
    assert conv
    no_sandboxes_left(hb)


def test_str_replace_with_no_match_and_two_matches(hb, work):
    (work / "dup.txt").write_text("same\nother\nsame\n")
    script = [
        call("file_editor", command="str_replace", path="/workspace/dup.txt",
             old_str="missing", new_str="x"),
        call("file_editor", command="str_replace", path="/workspace/dup.txt",
             old_str="same", new_str="x"),
        finish(),
    ]
    with FakeLLM(script) as llm:
        events, _ = run(hb, llm, work)
    obs = [e["observation"] for e in kinds(events, "ObservationEvent")]
    assert obs[0]["is_error"] and obs[1]["is_error"], obs
    texts = observation_texts(events)
    assert "missing" in texts[0], texts[0]
    assert "1" in texts[1] and "3" in texts[1], texts[1]
    assert (work / "dup.txt").read_text() == "same\nother\nsame\n"


def test_a_command_outlives_its_soft_timeout_and_is_interrupted(hb, work):
    script = [
        call("terminal", command="echo started; sleep 600"),
        call("terminal", command="C-c", is_input=True),
        call("terminal", command="echo after"),
        finish(),
    ]
    with FakeLLM(script) as llm:
        events, _ = run(hb, llm, work)
    texts = observation_texts(events)
    assert "started" in texts[0] and "no new output" in texts[0], texts[0]
    assert kinds(events, "ObservationEvent")[0]["observation"]["exit_code"] in (None, -1)
    assert kinds(events, "ObservationEvent")[1]["observation"]["exit_code"] == 130, texts[1]
    assert "after" in texts[2] and "exit code 0" in texts[2], texts[2]


def test_a_model_without_native_tools_uses_text_calls(hb, work):
    script = [
        {"text_call": "<function=terminal>\n<parameter=command>echo text-call-ok > "
                      "/workspace/t.txt</parameter>\n</function>"},
        {"text_call": "<function=finish>\n<parameter=message>done</parameter>\n"},
    ]
    with FakeLLM(script, refuse_tools=True) as llm:
        events, _ = run(hb, llm, work)
        requests = llm.chat_requests
    assert (work / "t.txt").read_text() == "text-call-ok\n"
    switches = [e for e in kinds(events, "ConversationStateUpdateEvent")
                if e["key"] == "native_tool_calling"]
    assert len(switches) == 1, switches
    later = [q["body"] for q in requests if "tools" not in q["body"]]
    assert later and all("</function" in q.get("stop", []) for q in later)
    assert statuses(events)[-1] == "finished"


def test_server_errors_are_retried(hb, work):
    script = [{"status": 500}, {"status": 500}, call("terminal", command="echo ok"), finish()]
    with FakeLLM(script) as llm:
        events, _ = run(hb, llm, work)
        assert len(llm.chat_requests) == 4
    assert statuses(events)[-1] == "finished"


def test_a_refused_key_ends_the_run_at_once(hb, work):
    with FakeLLM([finish()], require_key="another-key") as llm:
        events, r = run(hb, llm, work, expect=1)
        assert len(llm.chat_requests) == 1, "a 401 must not be retried"
        url = llm.base_url
    errors = kinds(events, "ConversationErrorEvent")
    assert errors and "refused the API key (401)" in errors[-1]["detail"], errors
    assert url in errors[-1]["detail"]
    assert statuses(events)[-1] == "error"
    no_sandboxes_left(hb)


def test_a_stuck_agent_is_stopped(hb, work):
    script = [call("terminal", command="ls /workspace")] * 8
    with FakeLLM(script) as llm:
        events, _ = run(hb, llm, work, expect=1)
        assert len(llm.chat_requests) == 4
    assert statuses(events)[-1] == "stuck"


def test_max_iterations(hb, work):
    script = [call("terminal", command="echo %d" % i) for i in range(10)]
    with FakeLLM(script) as llm:
        events, _ = run(hb, llm, work, "--max-iterations", "3", expect=1)
        assert len(llm.chat_requests) == 3
    errors = kinds(events, "ConversationErrorEvent")
    assert errors and errors[-1]["code"] == "MaxIterationsReached"


def test_keys_and_secrets_never_reach_the_sandbox(hb, work):
    secret = "declared-secret-value-42"
    script = [
        call("terminal", command="env; cat /proc/1/environ | tr '\\0' '\\n'"),
        call("terminal", command="grep -rl -e '%s' -e '%s' / --exclude-dir=proc "
                                 "--exclude-dir=sys 2>/dev/null | head; echo grep-done"
             % (KEY, secret)),
        # a model that somehow writes them: they are hidden before the
        # command goes to the sandbox, and in the events
        call("terminal", command="echo '%s' '%s'" % (KEY, secret)),
        finish(),
    ]
    with FakeLLM(script) as llm:
        events, r = run(hb, llm, work, "--secret", "MY_SECRET",
                        env={"MY_SECRET": secret})
        requests = llm.chat_requests
    texts = observation_texts(events)
    assert "grep-done" in texts[1]
    dump = r.out + r.err
    assert KEY not in dump and secret not in dump
    assert "<secret-hidden>" in texts[2], texts[2]
    commands = [e["action"].get("command") for e in kinds(events, "ActionEvent")]
    assert commands[2] == "echo '<secret-hidden>' '<secret-hidden>'", commands
    for q in requests:
        for m in q["body"]["messages"]:
            if m["role"] == "tool":
                assert KEY not in str(m["content"]) and secret not in str(m["content"])
    store = os.path.join(hb.state_dir, "handbox.db")
    for f in (store, store + "-wal"):
        if os.path.exists(f):
            data = open(f, "rb").read()
            assert KEY.encode() not in data and secret.encode() not in data, f


def test_kill_9_mid_run_then_resume_with_every_event_intact(hb, work):
    script = [call("terminal", command="echo one"), call("terminal", command="echo two"),
              dict(call("terminal", command="echo three"), delay=60)]
    with FakeLLM(script) as llm:
        p = start_run(hb, llm, work, "count")
        try:
            seen = read_until(p, "ObservationEvent", 2)
            # the third answer is delayed: the run waits on the LLM now
            time.sleep(0.5)
        finally:
            p.send_signal(signal.SIGKILL)
            p.wait()
    info = json.loads(hb.run("conversations", "ls", "--json", check=True).out.splitlines()[0])
    conv_id = info["id"]
    assert info["status"] == "paused", info
    stored = [json.loads(l) for l in
              hb.run("conversations", "events", conv_id, "--json", check=True).out.splitlines()]
    stored_ids = [e["id"] for e in stored]
    assert [e["id"] for e in seen] == stored_ids[:len(seen)], "an event shown was lost"
    with FakeLLM([call("terminal", command="echo resumed"), finish()]) as llm:
        r = hb.run("run", "--resume", conv_id, "--json", "--base-url", llm.base_url,
                   timeout=240)
        assert r.returncode == 0, r.err
        first = llm.chat_requests[0]["body"]["messages"]
    assert any("two" in str(m.get("content")) for m in first if m["role"] == "tool")
    after = [json.loads(l) for l in
             hb.run("conversations", "events", conv_id, "--json", check=True).out.splitlines()]
    assert [e["id"] for e in after][:len(stored_ids)] == stored_ids
    assert "resumed" in "".join(observation_texts(after))
    assert statuses(after)[-1] == "finished"
    no_sandboxes_left(hb)


def test_an_empty_answer_gets_one_nudge(hb, work):
    with FakeLLM([{"empty": True}, call("terminal", command="echo go"), finish()]) as llm:
        events, _ = run(hb, llm, work)
    nudges = [e for e in kinds(events, "MessageEvent") if e["source"] == "environment"]
    assert len(nudges) == 1, nudges
    assert statuses(events)[-1] == "finished"


def test_a_context_length_error_condenses_the_history(hb, work):
    script = [call("terminal", command="echo step %d" % i) for i in range(6)] + [
        {"status": 400, "message": "This model's maximum context length is 4096 tokens. "
                                   "However, your messages resulted in 5000 tokens.",
         "code": "context_length_exceeded"},
        finish()]
    with FakeLLM(script) as llm:
        events, _ = run(hb, llm, work)
        after = llm.chat_requests[-1]["body"]["messages"]
    condensations = kinds(events, "Condensation")
    assert len(condensations) == 1 and condensations[0]["forgotten_event_ids"]
    assert "echo step" in condensations[0]["summary"]
    assert any("Summary of" in str(m.get("content")) for m in after), after
    assert statuses(events)[-1] == "finished"


def test_ctrl_c_twice_interrupts_the_llm_call_and_keeps_the_conversation(hb, work):
    script = [call("terminal", command="echo before"),
              dict(call("terminal", command="echo never"), delay=120)]
    with FakeLLM(script) as llm:
        p = start_run(hb, llm, work, "wait")
        seen = read_until(p, "ObservationEvent")
        time.sleep(0.5)
        p.send_signal(signal.SIGINT)       # pause: would wait for the step
        time.sleep(0.3)
        p.send_signal(signal.SIGINT)       # interrupt: ends the LLM call now
        out, err = p.communicate(timeout=60)
    seen += [json.loads(l) for l in out.splitlines() if l.strip()]
    assert p.returncode == 128 + signal.SIGINT, err
    assert statuses(seen)[-1] == "paused", statuses(seen)
    assert "--resume" in err
    info = json.loads(hb.run("conversations", "ls", "--json", check=True).out.splitlines()[0])
    assert info["status"] == "paused"
    kept = mine(hb)
    assert len(kept) == 1, "the paused conversation's sandbox is kept: %s" % kept
    hb.created.append(kept[0]["id"])


def test_ctrl_c_twice_interrupts_a_running_command(hb, work):
    script = [call("terminal", command="echo started; sleep 600"), finish()]
    with FakeLLM(script) as llm:
        p = start_run(hb, llm, work, "long", env={"HANDBOX_TERMINAL_SOFT_TIMEOUT": "120"})
        seen = read_until(p, "ActionEvent")
        time.sleep(1.5)                    # the command is running in the sandbox
        p.send_signal(signal.SIGINT)
        time.sleep(0.3)
        p.send_signal(signal.SIGINT)       # interrupt: the terminal types C-c
        out, err = p.communicate(timeout=60)
        assert len(llm.chat_requests) == 1, "no step after the interrupt"
    seen += [json.loads(l) for l in out.splitlines() if l.strip()]
    assert statuses(seen)[-1] == "paused", (statuses(seen), err)
    assert not kinds(seen, "ObservationEvent"), "the interrupted call has no observation"
    sandbox = mine(hb)[0]
    hb.created.append(sandbox["id"])
    r = hb.run("sandbox", "exec", sandbox["id"], "--", "sh", "-c",
               "ps -eo args | grep -c '^sleep 600' || true")
    assert r.out.strip() == "0", "the command still runs after the interrupt: %s" % r.out
