"""The LLM client (src/agent/llm*.c) over real HTTP on loopback, against
tests/lib/fake_llm.py, through tests/agent/llm_probe ($LLM_PROBE, default
build/llm_probe): streamed and not, usage, tool calls, text calls, the
switch to text calls when tools are refused, retries (500, 429 with
Retry-After), 401, unreachable servers, host.docker.internal, timeout,
cancel, cost."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from fake_llm import FakeLLM  # noqa: E402

PROBE = os.path.abspath(os.environ.get("LLM_PROBE", os.path.join(ROOT, "build", "llm_probe")))

MESSAGES = [{"role": "system", "content": "You are a coding agent."},
            {"role": "user", "content": "List the files."}]
TOOLS = [{"type": "function", "function": {
    "name": "terminal", "description": "Run a bash command.",
    "parameters": {"type": "object", "properties": {
        "command": {"type": "string", "description": "the command"}},
        "required": ["command"]}}}]
TERMINAL_LS = {"tool_calls": [{"name": "terminal", "arguments": {"command": "ls -la"}}]}
TEXT_LS = "<function=terminal>\n<parameter=command>ls -la</parameter>\n</function>"
FAST_RETRIES = {"LLM_RETRY_MIN_WAIT": "0.01", "LLM_RETRY_MAX_WAIT": "0.05"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def probe(base_url, env=None, args=(), messages=MESSAGES, tools=TOOLS, model="gpt-4o", timeout=60,
          popen=False):
    """Runs llm_probe; returns (exit status, [one dict per call]), or the
    Popen and its output file when popen."""
    d = tempfile.mkdtemp(prefix="llm-probe-")
    mpath, tpath = os.path.join(d, "m.json"), os.path.join(d, "t.json")
    with open(mpath, "w") as f:
        json.dump(messages, f)
    with open(tpath, "w") as f:
        json.dump(tools, f)
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
    full_env.update({"LLM_MODEL": model, "LLM_BASE_URL": base_url})
    full_env.update(env or {})
    cmd = [PROBE, *args, mpath] + ([tpath] if tools is not None else [])
    if popen:
        return subprocess.Popen(cmd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p = subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=timeout)
    lines = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    assert lines, "llm_probe printed nothing (status %d): %s" % (p.returncode, p.stderr)
    return p.returncode, lines, p.stderr


def one(base_url, **kw):
    st, lines, stderr = probe(base_url, **kw)
    assert len(lines) == 1, lines
    return st, lines[0]


def test_probe_exists():
    assert os.access(PROBE, os.X_OK), "%s: not built (make %s)" % (PROBE, PROBE)


@pytest.mark.parametrize("stream", ["false", "true"])
def test_tool_call_and_usage(stream):
    with FakeLLM([dict(TERMINAL_LS, content="Listing.", reasoning="plan",
                       usage={"prompt_tokens": 1000, "completion_tokens": 100})]) as llm:
        st, r = one(llm.base_url, env={"LLM_STREAM": stream, "LLM_API_KEY": "sk-test"},
                    model="openai/gpt-4o")
        assert st == 0, r
        assert r["content"] == "Listing."
        assert r["reasoning"] == "plan"
        assert r["finish_reason"] == "tool_calls"
        assert [(c["name"], json.loads(c["arguments"])) for c in r["calls"]] == \
            [("terminal", {"command": "ls -la"})]
        assert r["calls"][0]["id"].startswith("call_fake_")
        assert r["usage_known"] and r["usage"]["prompt_tokens"] == 1000
        assert r["usage"]["completion_tokens"] == 100
        # gpt-4o: $2.50 / $10 per million
        assert abs(r["cost"] - (1000 * 2.5e-6 + 100 * 10e-6)) < 1e-9
        assert r["totals"]["calls"] == 1 and abs(r["totals"]["cost"] - r["cost"]) < 1e-12
        (req,) = llm.chat_requests
        body = req["body"]
        assert req["headers"]["authorization"] == "Bearer sk-test"
        assert body["model"] == "gpt-4o"           # the provider prefix is not sent
        assert body["tools"] == TOOLS and body["tool_choice"] == "auto"
        assert "stop" not in body
        if stream == "true":
            assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
        else:
            assert "stream" not in body


def test_no_key_no_authorization_header():
    with FakeLLM([{"content": "hi"}]) as llm:
        st, r = one(llm.base_url)
        assert st == 0 and r["content"] == "hi" and r["calls"] == []
        assert "authorization" not in llm.chat_requests[0]["headers"]


@pytest.mark.parametrize("stream", ["false", "true"])
def test_text_call_in_native_answer(stream):
    with FakeLLM([{"text_call": "<think>look first</think>Sure.\n" + TEXT_LS}]) as llm:
        st, r = one(llm.base_url, env={"LLM_STREAM": stream})
        assert st == 0, r
        assert r["content"] == "Sure."
        assert r["reasoning"] == "look first"
        assert [(c["name"], json.loads(c["arguments"])) for c in r["calls"]] == \
            [("terminal", {"command": "ls -la"})]


def test_refused_tools_switch_once_to_text_calls():
    with FakeLLM([{"text_call": TEXT_LS}, {"content": "done"}], refuse_tools=True) as llm:
        st, lines, _ = probe(llm.base_url, args=["--repeat", "2"])
        assert st == 0, lines
        first, second = lines
        assert first["mode_switch"] is True and first["text_calls"] is True
        assert second["mode_switch"] is False and second["text_calls"] is True
        assert [(c["name"], json.loads(c["arguments"])) for c in first["calls"]] == \
            [("terminal", {"command": "ls -la"})]
        assert second["content"] == "done"
        reqs = llm.chat_requests
        assert len(reqs) == 3                      # the refused one, then one per call
        assert reqs[0]["body"]["tools"] == TOOLS
        for r in reqs[1:]:
            assert "tools" not in r["body"] and "tool_choice" not in r["body"]
            assert r["body"]["stop"] == ["</function"]
            system = r["body"]["messages"][0]
            assert system["role"] == "system" and "## terminal" in system["content"]
            assert "<function=FUNCTION_NAME>" in system["content"]


def test_text_mode_rewrites_history():
    history = MESSAGES + [
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "terminal",
                                                          "arguments": "{\"command\": \"ls\"}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "a.txt\nb.txt"}]
    with FakeLLM([{"content": "ok"}]) as llm:
        st, r = one(llm.base_url, env={"LLM_NATIVE_TOOL_CALLING": "false"}, messages=history)
        assert st == 0, r
        msgs = llm.chat_requests[0]["body"]["messages"]
        assert msgs[2] == {"role": "assistant",
                           "content": "<function=terminal>\n<parameter=command>ls</parameter>\n</function>"}
        assert msgs[3] == {"role": "user", "content": "EXECUTION RESULT of [terminal]:\na.txt\nb.txt"}


def test_native_only_reports_the_refusal():
    with FakeLLM([{"content": "never"}], refuse_tools=True) as llm:
        st, r = one(llm.base_url, env={"LLM_NATIVE_TOOL_CALLING": "true"})
        assert st == 1 and r["code"] == "EINVAL", r
        assert "tools are not supported" in r["error"] and llm.base_url in r["error"]
        assert r["text_calls"] is False
        assert len(llm.chat_requests) == 1


def test_context_error_is_toobig_not_a_switch():
    msg = "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens."
    with FakeLLM([{"status": 400, "message": msg}]) as llm:
        st, r = one(llm.base_url)
        assert r["code"] == "ETOOBIG", r
        assert "maximum context length" in r["error"]
        assert r["text_calls"] is False and len(llm.chat_requests) == 1
    with FakeLLM([{"status": 400, "message": "too long", "code": "context_length_exceeded"}]) as llm:
        assert one(llm.base_url)[1]["code"] == "ETOOBIG"


@pytest.mark.parametrize("stream", ["false", "true"])
def test_500_twice_then_success(stream):
    with FakeLLM([{"status": 500}, {"status": 503, "message": "busy"}, {"content": "fine"}]) as llm:
        st, r = one(llm.base_url, env=dict(FAST_RETRIES, LLM_STREAM=stream))
        assert st == 0 and r["content"] == "fine", r
        assert len(llm.chat_requests) == 3


def test_retries_exhausted():
    with FakeLLM([{"status": 502}] * 10) as llm:
        st, r = one(llm.base_url, env=dict(FAST_RETRIES, LLM_NUM_RETRIES="2"))
        assert r["code"] == "EIO" and "502" in r["error"] and "gave up after 3 attempts" in r["error"], r
        assert len(llm.chat_requests) == 3


def test_429_honours_retry_after():
    with FakeLLM([{"status": 429, "retry_after": 1, "message": "slow down"}, {"content": "ok"}]) as llm:
        st, r = one(llm.base_url, env=FAST_RETRIES)
        assert st == 0 and r["content"] == "ok", r
        reqs = llm.chat_requests
        assert len(reqs) == 2
        # the fast retry settings would have come back in 50 ms at most
        assert reqs[1]["time"] - reqs[0]["time"] >= 0.9


def test_401_fails_at_once_naming_the_url():
    with FakeLLM([{"content": "never"}], require_key="right") as llm:
        st, r = one(llm.base_url, env=dict(FAST_RETRIES, LLM_API_KEY="wrong"))
        assert r["code"] == "EPERM"
        assert r["error"] == "the LLM at %s refused the API key (401)" % llm.base_url
        assert len(llm.chat_requests) == 1
    with FakeLLM([{"content": "yes"}], require_key="right") as llm:
        st, r = one(llm.base_url, env={"LLM_API_KEY": "right"})
        assert st == 0 and r["content"] == "yes"


def test_404_says_what_to_check():
    with FakeLLM([{"status": 404, "message": "model not found"}]) as llm:
        st, r = one(llm.base_url, model="nosuch")
        assert r["code"] == "EINVAL" and "LLM_BASE_URL" in r["error"] and "nosuch" in r["error"], r
        assert len(llm.chat_requests) == 1


def test_answer_that_is_not_json():
    with FakeLLM([{"raw": "<html>proxy error</html>"}]) as llm:
        st, r = one(llm.base_url)
        assert r["code"] == "EIO" and "not JSON" in r["error"] and llm.base_url in r["error"], r


def test_unreachable_names_the_url():
    url = "http://127.0.0.1:%d/v1" % free_port()
    st, r = one(url, env=FAST_RETRIES)
    assert r["code"] == "EIO", r
    assert "cannot reach the LLM at %s" % url in r["error"]
    assert "gave up after 3 attempts" in r["error"]      # connection errors: 2 retries
    assert "localhost works too" not in r["error"]


def test_host_docker_internal_is_this_host():
    with FakeLLM([{"content": "via docker name"}]) as llm:
        url = "http://host.docker.internal:%d/v1" % llm.port
        st, r = one(url)
        assert st == 0 and r["content"] == "via docker name", r
        assert llm.chat_requests[0]["headers"]["host"].startswith("host.docker.internal")
    port = free_port()
    st, r = one("http://host.docker.internal:%d/v1" % port, env=FAST_RETRIES)
    assert r["code"] == "EIO"
    assert "handbox runs on the host" in r["error"]
    assert "http://localhost:%d/v1 works too" % port in r["error"]


def test_timeout_is_not_retried():
    with FakeLLM([{"delay": 5, "content": "late"}, {"content": "never"}]) as llm:
        st, r = one(llm.base_url, env=dict(FAST_RETRIES, LLM_TIMEOUT="0.5"))
        assert r["code"] == "EIO" and "did not answer within 0.5 s" in r["error"], r
        assert len(llm.chat_requests) == 1


@pytest.mark.parametrize("stream", ["false", "true"])
def test_cancel_ends_a_waiting_call(stream):
    with FakeLLM([{"delay": 30, "content": "late"}]) as llm:
        st, r = one(llm.base_url, env={"LLM_STREAM": stream}, args=["--cancel-after-ms", "300"])
        assert r["code"] == "ECANCELED", r
        assert r["elapsed_s"] < 10          # far less than the server's 30 s


def test_sigint_cancels_the_backoff():
    with FakeLLM([{"status": 503}] * 5) as llm:
        p = probe(llm.base_url, env={"LLM_RETRY_MIN_WAIT": "30", "LLM_RETRY_MAX_WAIT": "30"}, popen=True)
        deadline = time.time() + 10
        while not llm.chat_requests and time.time() < deadline:
            time.sleep(0.02)
        assert llm.chat_requests
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=10)
        r = json.loads(out.splitlines()[0])
        assert r["code"] == "ECANCELED" and "waiting to retry" in r["error"], r
        assert len(llm.chat_requests) == 1


def test_cost_unknown_model_is_not_zero():
    with FakeLLM([{"content": "x", "usage": {"prompt_tokens": 10, "completion_tokens": 5}}]) as llm:
        st, r = one(llm.base_url, model="qwen2.5-coder:7b")
        assert st == 0 and r["cost"] < 0 and r["totals"]["cost"] < 0, r
        assert r["totals"]["usage"]["prompt_tokens"] == 10


def test_cost_given_overrides_the_table():
    with FakeLLM([{"content": "x", "usage": {"prompt_tokens": 10, "completion_tokens": 5}}]) as llm:
        st, r = one(llm.base_url, model="gpt-4o",
                    env={"LLM_INPUT_COST_PER_TOKEN": "0.001", "LLM_OUTPUT_COST_PER_TOKEN": "0.002"})
        assert st == 0 and abs(r["cost"] - 0.02) < 1e-12, r


def test_bad_settings_name_the_variable():
    for var, value in [("LLM_NATIVE_TOOL_CALLING", "maybe"), ("LLM_TIMEOUT", "soon"),
                       ("LLM_STREAM", "perhaps"), ("LLM_INPUT_COST_PER_TOKEN", "-1")]:
        st, lines, stderr = probe("http://127.0.0.1:9/v1", env={var: value})
        assert st == 1 and lines[0]["phase"] == "open"
        assert var in stderr and value in stderr, stderr
    st, lines, stderr = probe("ftp://example.com/v1")
    assert st == 1 and "LLM_BASE_URL" in stderr
