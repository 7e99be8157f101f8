"""The C SDK's conversation on `handbox serve` (hb_conversation_open_remote),
measured through tests/sdk/remote_probe.c against the real server, the real
Docker engine and the scripted LLM of tests/lib/fake_llm.py (instant).

  latency  commit → the program's on_event: the time this script reads an
           event's line from the probe's stdout − the event's own timestamp
           (taken just before its commit; one clock), over RUNS
           conversations of STEPS instant steps each.
  end      the run's last event committed → hb_conversation_run() returned
           (the result line read): what asking the server whether the run
           is over costs after an ending status.
  total    open + send + run of such a conversation, wall time (a cold
           sandbox included), next to the same through the Python client of
           the tests (tests/lib/serve_client.py: POST with the task, the
           WebSocket until "finished").

Prints medians and percentiles and writes JSON."""
import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone

from lib import ROOT, Fleet, dump, machine, percentile, print_stats, sandbox_image, stats

sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from fake_llm import FakeLLM  # noqa: E402
from serve_client import RemoteConversation, Serve, ServeClient  # noqa: E402

PROBE = os.path.abspath(os.environ.get("REMOTE_PROBE") or os.path.join(ROOT, "build",
                                                                         "remote_probe"))
KEY = "bench-remote-key-0123456789"


def event_time(ev):
    return datetime.fromisoformat(ev["timestamp"]).replace(tzinfo=timezone.utc).timestamp()


def steps_then_finish(steps):
    """`true # n` until steps tool results, then finish (stateless: by the
    request's tool messages)."""
    def turn(body):
        done = sum(1 for m in body.get("messages", []) if m.get("role") == "tool")
        if done < steps:
            return {"tool_calls": [{"name": "terminal",
                                    "arguments": {"command": "true # %d" % done}}]}
        return {"tool_calls": [{"name": "finish", "arguments": {"message": "done"}}]}
    return turn


def one_probe(url, llm, task):
    """(latencies s, end s, wall s) of one conversation through the probe."""
    env = dict(os.environ, LLM_MODEL="bench", LLM_BASE_URL=llm.base_url, LLM_API_KEY="bench")
    t0 = time.time()
    p = subprocess.Popen([PROBE, url, "--key", KEY, "send", task, "run"], env=env,
                         stdout=subprocess.PIPE, text=True)
    lat, last = [], None
    for line in p.stdout:
        now = time.time()
        o = json.loads(line)
        if "event" in o:
            lat.append(now - event_time(o["event"]))
            last = o["event"]
        else:
            end = now - event_time(last)
            if o["result"]["status"] != "finished":
                raise SystemExit("the probe's run ended %s" % o["result"])
    if p.wait() != 0:
        raise SystemExit("remote_probe failed (exit %d)" % p.returncode)
    return lat, end, time.time() - t0


def one_python(api, task):
    t0 = time.time()
    conv = RemoteConversation(api, task, run=True)
    conv.follow(until=("finished",), ws=api.socket(conv.id, resend_mode="all",
                                                   header=["X-Session-API-Key: " + KEY]))
    return time.time() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10, help="conversations, one after another")
    ap.add_argument("--steps", type=int, default=20, help="steps of each")
    ap.add_argument("--image", help="sandbox image (default: handbox/sandbox:latest)")
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()
    if not os.access(PROBE, os.X_OK):
        raise SystemExit("%s is missing: make %s (or set REMOTE_PROBE)" % (PROBE, PROBE))
    image = a.image or sandbox_image()
    env = {"SANDBOX_RUNTIME_CONTAINER_IMAGE": image, "HANDBOX_TERMINAL_SOFT_TIMEOUT": "120",
           "LLM_MODEL": "bench", "LLM_API_KEY": "bench"}
    lat, ends, walls, py = [], [], [], []
    with Fleet() as fleet, FakeLLM(when_done=steps_then_finish(a.steps)) as llm:
        env["LLM_BASE_URL"] = llm.base_url
        with Serve(fleet.state_dir, env=env, args=["--api-key", KEY, "--max-sandboxes",
                                                   str(2 * a.runs + 1)]) as s:
            api = ServeClient(s.url, key=KEY)
            for i in range(a.runs):
                la, end, wall = one_probe(s.url, llm, "steps %d" % i)
                lat += la
                ends.append(end)
                walls.append(wall)
                py.append(one_python(api, "steps (python) %d" % i))
    ms = [v * 1000 for v in lat]
    out = {"machine": machine(), "image": image, "runs": a.runs, "steps": a.steps,
           "latency": {"events": len(ms), "p50_ms": percentile(ms, 50),
                       "p90_ms": percentile(ms, 90), "p99_ms": percentile(ms, 99),
                       "max_ms": max(ms)},
           "end": stats(ends),
           "total": {"C SDK (hb_conversation_open_remote)": stats(walls),
                     "Python client (tests/lib/serve_client.py)": stats(py)}}
    print("\nremote SDK: event latency, commit → on_event of a C program, %d conversations × "
          "%d instant steps" % (a.runs, a.steps))
    print("  %d events: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.1f ms"
          % (len(ms), out["latency"]["p50_ms"], out["latency"]["p90_ms"],
             out["latency"]["p99_ms"], out["latency"]["max_ms"]))
    print_stats("remote SDK: last event committed → hb_conversation_run() returned",
                {"end of run": out["end"]})
    print_stats("remote SDK: a conversation of %d steps, open to finished (cold sandbox)"
                % a.steps, out["total"], baseline="Python client (tests/lib/serve_client.py)")
    if a.json:
        dump(a.json, out)


if __name__ == "__main__":
    main()
