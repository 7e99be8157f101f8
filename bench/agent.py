"""The agent loop's own cost, side by side with sandboxd's bare round trip,
and the memory of idle conversations.

One `handbox run` conversation of STEPS steps against an instant scripted
LLM (tests/lib/fake_llm.py): each answer is a terminal call of `true # N`, the
last a finish. For every step:
  gap      from the moment the LLM answered to the moment the next request
           arrived (both seen by the LLM server, one clock);
  tool     from the ActionEvent to the ObservationEvent (the terminal tool:
           its HTTP round trip to sandboxd's bash session, the command);
  overhead gap - tool: what the agent adds (parsing the answer, committing
           two events to the store, building the next request).
The peer: the same bash-session route called directly over one keep-alive
HTTP connection (`true`), the bare round trip a tool call cannot beat.
Also the whole conversation's time, and (bench/conversation_memory.c, a
program of the SDK) the memory each idle conversation adds to the process
holding it, after a few steps each. Prints medians and writes JSON."""
import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone

from lib import ROOT, dump, summary, print_table

sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from fake_llm import FakeLLM  # noqa: E402

HANDBOX = os.environ.get("HANDBOX", os.path.join(ROOT, "build", "handbox"))
IMAGE = "handbox/sandbox:latest"


def event_time(ev):
    return datetime.fromisoformat(ev["timestamp"]).replace(tzinfo=timezone.utc).timestamp()


class Script:
    """Answers `true # N` until steps answers were given, then finish; keeps the
    arrival time of each request and the time each answer was made."""

    def __init__(self, steps):
        self.steps = steps
        self.arrived, self.answered = [], []
        self.lock = threading.Lock()

    def __call__(self, request):
        with self.lock:
            self.arrived.append(time.time())
            n = len(self.arrived)
            if n <= self.steps:
                # numbered: the same command 4 times would be stuck
                turn = {"tool_calls": [{"name": "terminal",
                                        "arguments": {"command": "true # %d" % n}}]}
            else:
                turn = {"tool_calls": [{"name": "finish", "arguments": {"message": "done"}}]}
            self.answered.append(time.time())
            return turn


def run_conversation(steps, state_dir):
    script = Script(steps)
    env = dict(os.environ, HANDBOX_STATE_DIR=state_dir, LLM_MODEL="bench", LLM_API_KEY="bench",
               NO_COLOR="1")
    with FakeLLM(when_done=script) as llm:
        t0 = time.time()
        r = subprocess.run([HANDBOX, "run", "bench", "--json", "--image", IMAGE,
                            "--max-iterations", str(steps + 10), "--base-url", llm.base_url],
                           env=env, capture_output=True, text=True, timeout=1800)
        wall = time.time() - t0
    if r.returncode != 0:
        sys.exit("handbox run failed (%d): %s" % (r.returncode, r.stderr[-2000:]))
    events = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    return script, events, wall


def per_step(script, events):
    actions = [e for e in events if e["kind"] == "ActionEvent"]
    observations = {e["action_id"]: e for e in events if e["kind"] == "ObservationEvent"}
    gaps, tools, overheads = [], [], []
    for i, a in enumerate(actions[:-1]):
        o = observations.get(a["id"])
        if o is None or i + 1 >= len(script.arrived):
            continue
        gap = script.arrived[i + 1] - script.answered[i]
        tool = event_time(o) - event_time(a)
        gaps.append(gap)
        tools.append(tool)
        overheads.append(gap - tool)
    return gaps, tools, overheads


def bare_session_round_trip(runs):
    """sandboxd's bash-session route called directly: the peer."""
    env = dict(os.environ, HANDBOX_STATE_DIR=tempfile.mkdtemp(prefix="hb-bench-"))
    info = json.loads(subprocess.run([HANDBOX, "sandbox", "create", "--json", "--image", IMAGE],
                                     env=env, check=True, capture_output=True, text=True).stdout)
    try:
        port = info["ports"]["8000"]
        hdr = {"X-Session-API-Key": info["session_api_key"], "Content-Type": "application/json"}
        c = http.client.HTTPConnection("127.0.0.1", port)
        c.request("POST", "/api/handbox/sessions", body="{}", headers=hdr)
        sid = json.loads(c.getresponse().read())["id"]
        body = json.dumps({"command": "true", "timeout": 30})
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            c.request("POST", "/api/handbox/sessions/%s/run" % sid, body=body, headers=hdr)
            c.getresponse().read()
            times.append(time.perf_counter() - t)
        return times
    finally:
        subprocess.run([HANDBOX, "sandbox", "rm", info["id"]], env=env, capture_output=True)


def two_steps_then_finish(body):
    """Stateless, for many conversations at once: by the results so far."""
    done = sum(1 for m in body.get("messages", []) if m.get("role") == "tool")
    if done < 2:
        return {"tool_calls": [{"name": "terminal", "arguments": {"command": "true"}}]}
    return {"tool_calls": [{"name": "finish", "arguments": {"message": "done"}}]}


def idle_memory(count):
    program = os.environ.get("CONV_MEMORY", os.path.join(ROOT, "build", "bench",
                                                         "conversation_memory"))
    env = dict(os.environ, HANDBOX_STATE_DIR=tempfile.mkdtemp(prefix="hb-bench-state-"),
               LLM_MODEL="bench", LLM_API_KEY="bench", SANDBOX_RUNTIME_CONTAINER_IMAGE=IMAGE)
    with FakeLLM(when_done=two_steps_then_finish) as llm:
        env["LLM_BASE_URL"] = llm.base_url
        r = subprocess.run([program, str(count)], env=env, capture_output=True, text=True,
                           timeout=1800)
    if r.returncode != 0:
        sys.exit("conversation_memory failed (%d): %s" % (r.returncode, r.stderr[-2000:]))
    return [json.loads(line) for line in r.stdout.splitlines()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--conversations", type=int, default=20,
                    help="idle conversations held for the memory figure")
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()
    state = tempfile.mkdtemp(prefix="hb-bench-state-")
    script, events, wall = run_conversation(a.steps, state)
    gaps, tools, overheads = per_step(script, events)
    first, last = event_time(events[0]), event_time(events[-1])
    bare = bare_session_round_trip(a.steps)
    rows = {
        "bash session round trip, direct (peer)": summary(bare),
        "agent step: terminal tool (action→observation)": summary(tools),
        "agent step: LLM answer → next request": summary(gaps),
        "agent's own overhead per step (gap - tool)": summary(overheads),
    }
    print_table("agent loop, %d steps, instant LLM" % a.steps, rows)
    print("\nconversation of %d steps: %.2f s from first to last event, %.2f s with sandbox "
          "start and removal (handbox run's wall time)" % (a.steps, last - first, wall))
    memory = idle_memory(a.conversations)
    print("memory: %d KiB per idle conversation (median over %d, each after 2 steps; "
          "the first, with the library's one-time set-up, %d KiB)"
          % (memory[-1]["median_kb_per_idle_conversation"], a.conversations,
             memory[-1]["first_kb"]))
    if a.json:
        dump(a.json, {"rows": rows, "steps": a.steps, "events_s": last - first, "wall_s": wall,
                      "memory": memory})


if __name__ == "__main__":
    main()
