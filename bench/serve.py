"""`handbox serve`: the figures a user of the web UI feels, measured against
the real server binary, the real Docker engine and the scripted LLM of
tests/lib/fake_llm.py (which notes the arrival time of every request).

  start    time from POST /api/conversations (a task, run:true) to the
           first LLM request: the conversation's row, a cold sandbox (a new
           container of the sandbox image), the agent opened. Side by side
           with `handbox sandbox create` of the same image, the floor.
           Goal: ≤ 1.5 s.
  events   event latency from the commit to a WebSocket client, with N
           conversations streaming at once: each runs STEPS steps (`true #
           n`, then finish) with a subscriber on /sockets/events/{id};
           latency = the time the client got the event − the event's own
           timestamp (taken just before its commit; one clock). Twice:
           with an instant LLM (every conversation at full speed: a stress
           test) and with one that answers in PACED seconds ± half (closer
           to real models, whose conversations are not in step). Goal:
           p99 ≤ 10 ms.
  rss      the server's resident memory before any conversation, and with
           the N conversations of `events` idle (finished; their sandboxes
           kept).
  resume   a conversation's sandbox paused for being idle (`--idle-pause
           1`, the engine's state polled until "paused"), then: a message
           (run:true) → its sandbox_status "running" event and → the first
           LLM request; and a GET through the port proxy to the app it left
           on 8011 → the first 200 (the first answer is 503 while it
           resumes; asked again every 50 ms; a browser waits its
           Retry-After of 1 s).
  ui       bytes of `/` and every asset it loads (stylesheet, icon,
           scripts and the modules they import), as served to a client
           that takes gzip (as browsers do) and to one that does not.

Prints medians and percentiles and writes JSON."""
import argparse
import json
import multiprocessing
import os
import random
import re
import selectors
import struct
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime, timezone

from lib import (ROOT, Fleet, dump, machine, percentile, proc_kb, sandbox_image, stats,
                 print_stats)

sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from fake_llm import FakeLLM  # noqa: E402
from serve_client import Serve, ServeClient, status_of  # noqa: E402

DONE = ("finished", "error", "stuck")


def event_time(ev):
    return datetime.fromisoformat(ev["timestamp"]).replace(tzinfo=timezone.utc).timestamp()


class NumberedSteps:
    """Stateless (many conversations share one LLM): by the tool results so
    far, `true # n` until steps were run, then finish. Numbered: the same
    command again and again would be stuck."""

    def __init__(self, steps, delay=0.0):
        self.steps = steps
        self.delay = delay

    def __call__(self, body):
        done = sum(1 for m in body.get("messages", []) if m.get("role") == "tool")
        if done < self.steps:
            turn = {"tool_calls": [{"name": "terminal",
                                    "arguments": {"command": "true # %d" % done}}]}
        else:
            turn = {"tool_calls": [{"name": "finish", "arguments": {"message": "done"}}]}
        if self.delay:
            # ± half: 100 conversations started together do not stay in step
            turn["delay"] = self.delay * random.uniform(0.5, 1.5)
        return turn


def _llm_child(steps, delay, conn):
    llm = FakeLLM(when_done=NumberedSteps(steps, delay))
    conn.send(llm.base_url)
    conn.recv()   # until the parent is done
    llm.close()


class LLMProcess:
    """The scripted LLM in a process of its own, so that answering 100
    conversations does not take the GIL from the WebSocket readers whose
    clock is the measure."""

    def __init__(self, steps, delay=0.0):
        self.conn, child = multiprocessing.Pipe()
        self.proc = multiprocessing.get_context("fork").Process(
            target=_llm_child, args=(steps, delay, child), daemon=True)
        self.proc.start()
        self.base_url = self.conn.recv()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.conn.send("stop")
        self.proc.join(10)


def serve_env(llm, image):
    return {"LLM_MODEL": "bench", "LLM_BASE_URL": llm.base_url, "LLM_API_KEY": "bench",
            "SANDBOX_RUNTIME_CONTAINER_IMAGE": image, "HANDBOX_TERMINAL_SOFT_TIMEOUT": "120"}


def task(text, run):
    return {"initial_message": {"role": "user", "content": [{"type": "text", "text": text}],
                                "run": run}}


def wait_status(api, cid, want=DONE, timeout=300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = api.get(cid)
        if info["execution_status"] in want or info.get("sandbox_status") == "error":
            return info
        time.sleep(0.05)
    raise SystemExit("conversation %s did not reach %s in %d s" % (cid, want, timeout))


def sandboxes_of(fleet):
    return len(fleet.leftovers())


# --- resume: an idle-paused sandbox back to work ----------------------------

SITE = ("D=$(mktemp -d) && cd $D && echo ok > index.html && "
        "(setsid nohup python3 -m http.server 8011 >/dev/null 2>&1 &) ; sleep 1; echo up")


def engine_state(container):
    return subprocess.run(["docker", "inspect", "-f", "{{.State.Status}}", container],
                          capture_output=True, text=True).stdout.strip()


def until_paused(container, timeout=60):
    deadline = time.monotonic() + timeout
    while engine_state(container) != "paused":
        if time.monotonic() > deadline:
            raise SystemExit("sandbox %s was not paused in %d s" % (container, timeout))
        time.sleep(0.05)


def resume_latency(fleet, image, runs):
    call = lambda name, **a: {"tool_calls": [{"name": name, "arguments": a}]}  # noqa: E731
    llm = FakeLLM([call("terminal", command=SITE), call("finish", message="up")])
    to_event, to_llm, to_app = [], [], []
    with llm, Serve(fleet.state_dir, env=serve_env(llm, image),
                    args=["--idle-pause", "1"]) as s:
        api = ServeClient(s.url)
        cid = api.create("serve a page", run=True)["id"]
        wait_status(api, cid)
        sid = api.get(cid)["sandbox_id"]
        container = api.call("GET", "/api/sandboxes/" + sid)["container"]
        for i in range(runs):
            until_paused(container)
            ws = api.socket(cid)
            json.loads(ws.recv())
            n0 = len(llm.chat_requests)
            t0 = time.time()
            api.send(cid, "again %d" % i, run=True)
            while True:
                ev = json.loads(ws.recv())
                if ev.get("key") == "sandbox_status" and ev.get("value") == "running":
                    to_event.append(time.time() - t0)
                if status_of(ev) in DONE:
                    break
            ws.close()
            to_llm.append(llm.chat_requests[n0]["time"] - t0)
            until_paused(container)
            t0 = time.monotonic()
            while api.raw("GET", "/api/sandboxes/%s/ports/8011/" % sid)[0] != 200:
                time.sleep(0.05)
            to_app.append(time.monotonic() - t0)
    return {"message → sandbox_status \"running\" event": stats(to_event),
            "message → first LLM request": stats(to_llm),
            "GET through the port proxy → first 200": stats(to_app)}


# --- start: POST to the first LLM request ----------------------------------

def start_latency(fleet, image, runs):
    llm = FakeLLM()   # every answer a finish
    times, posts = [], []
    with llm, Serve(fleet.state_dir, env=serve_env(llm, image)) as s:
        api = ServeClient(s.url)
        for i in range(runs):
            n0 = len(llm.chat_requests)
            t0 = time.time()
            info = api.create("cold start %d" % i, run=True)
            posts.append(time.time() - t0)
            deadline = time.monotonic() + 120
            while len(llm.chat_requests) == n0:
                if time.monotonic() > deadline:
                    raise SystemExit("no LLM request 120 s after POST /api/conversations:\n"
                                     + s.read_log()[-3000:])
                time.sleep(0.002)
            times.append(llm.chat_requests[n0]["time"] - t0)
            wait_status(api, info["id"])
            # cold for the next one: its sandbox gone before the next POST
            api.delete(info["id"])
            deadline = time.monotonic() + 60
            while sandboxes_of(fleet) and time.monotonic() < deadline:
                time.sleep(0.1)
        ui = ui_weight(s.url)
    peer = []
    for _ in range(runs):
        dt, sb = fleet.create(image)
        peer.append(dt)
        fleet.rm([sb["id"]])
    return times, posts, peer, ui


# --- events: commit → WebSocket, N conversations at once --------------------

class Readers:
    """The WebSockets of every conversation read by one thread with
    select(), frames parsed here: the clock is read as the bytes arrive,
    with no thread per socket and no GIL hand-over between them (100
    reader threads made the client, not the server, the figure). The
    handshake and the first frame (full_state) are websocket-client's; it
    reads no further than that frame, so the rest is ours."""

    def __init__(self, api, ids):
        self.sel = selectors.DefaultSelector()
        self.left = len(ids)
        self.out = []
        self.socks = []
        for cid in ids:
            ws = api.socket(cid, timeout=600)
            ws.recv()   # full_state: connected and subscribed
            sock = ws.sock
            sock.setblocking(False)
            self.socks.append(ws)
            self.sel.register(sock, selectors.EVENT_READ, {"buf": b"", "msg": b""})

    def run(self, timeout=900):
        deadline = time.monotonic() + timeout
        while self.left and time.monotonic() < deadline:
            for key, _ in self.sel.select(1):
                try:
                    data = key.fileobj.recv(1 << 20)
                except BlockingIOError:
                    continue
                got = time.time()
                if not data:
                    self.sel.unregister(key.fileobj)
                    self.left -= 1
                    continue
                st = key.data
                st["buf"] += data
                self.frames(key, st, got)
        for ws in self.socks:
            ws.sock.setblocking(True)
            ws.close()
        return self.out

    def frames(self, key, st, got):
        buf = st["buf"]
        while len(buf) >= 2:
            fin, op, n, at = buf[0] & 0x80, buf[0] & 0x0F, buf[1] & 0x7F, 2
            if n == 126:
                if len(buf) < 4:
                    break
                n, at = struct.unpack(">H", buf[2:4])[0], 4
            elif n == 127:
                if len(buf) < 10:
                    break
                n, at = struct.unpack(">Q", buf[2:10])[0], 10
            if len(buf) < at + n:
                break
            payload, buf = buf[at:at + n], buf[at + n:]
            if op in (0, 1):
                st["msg"] += payload
                if fin:
                    ev = json.loads(st["msg"])
                    st["msg"] = b""
                    self.out.append((got - event_time(ev), ev["kind"]))
                    if status_of(ev) in DONE:
                        self.sel.unregister(key.fileobj)
                        self.left -= 1
                        break
            elif op == 8:
                self.sel.unregister(key.fileobj)
                self.left -= 1
                break
        st["buf"] = buf


def streaming(fleet, image, count, steps, delay=0.0):
    llm = LLMProcess(steps, delay)
    args = ["--max-sandboxes", str(count)]
    with llm, Serve(fleet.state_dir, env=serve_env(llm, image), args=args) as s:
        api = ServeClient(s.url)
        pid = s.proc.pid
        rss0 = proc_kb(pid, "VmRSS")
        t0 = time.time()
        ids = [api.create("stream %d" % i, run=False)["id"] for i in range(count)]
        for cid in ids:   # every sandbox up before the clock starts
            while api.get(cid).get("sandbox_status") == "starting":
                time.sleep(0.1)
        sandboxes_s = time.time() - t0
        failed = [c for c in ids if api.get(c).get("sandbox_status") != "running"]
        if failed:
            raise SystemExit("%d sandboxes failed to start:\n%s" % (len(failed),
                                                                    s.read_log()[-3000:]))
        readers = Readers(api, ids)
        got = []
        reader = threading.Thread(target=lambda: got.extend(readers.run()), daemon=True)
        reader.start()
        t1 = time.time()
        for cid in ids:
            # paced: started over one answer's time, as users would, not
            # all in the same millisecond
            if delay:
                time.sleep(delay / count)
            api.run(cid)
        reader.join(900)
        wall = time.time() - t1
        statuses = [api.get(c)["execution_status"] for c in ids]
        time.sleep(2)   # idle: the workers done, the sockets closed
        rss_idle = proc_kb(pid, "VmRSS")
        every = got
    return every, wall, sandboxes_s, statuses, rss0, rss_idle


# --- ui: the bytes of / and its assets --------------------------------------

REFS = re.compile(r'''(?:href|src)="([^"#?]+)"''')
# static imports only: an import() (xterm.js, when the Terminal tab
# opens) is not part of what "/" loads
IMPORTS = re.compile(r'''(?:import|from)\s+['"](\.{1,2}/[^'"]+)['"]''')


def fetch(url, headers):
    """(body as sent, bytes of the status line and headers, its Content-Encoding)"""
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:
        body = r.read()
        head = sum(len(k) + len(v) + 4 for k, v in r.getheaders()) + len("HTTP/1.1 200 OK\r\n")
        return body, head, r.headers.get("Content-Encoding")


def ui_weight(url):
    base = url.rstrip("/") + "/"
    sizes, todo = {}, [""]
    while todo:
        path = todo.pop()
        if path in sizes:
            continue
        body, head, _ = fetch(base + path, {})
        packed, gz_head, coding = fetch(base + path, {"Accept-Encoding": "gzip"})
        sizes[path] = {"body": len(body), "headers": head, "gzip_body": len(packed),
                       "gzip_headers": gz_head, "gzip": coding == "gzip"}
        text = body.decode(errors="replace")
        if path == "":
            found = [p for p in REFS.findall(text) if not p.startswith(("http", "/", "./"))
                     and p.startswith("assets/")]
        elif path.endswith(".js"):
            d = os.path.dirname(path)
            found = [os.path.normpath(os.path.join(d, p)) for p in IMPORTS.findall(text)]
        else:
            found = []
        todo += [p for p in found if p not in sizes]
    return sizes


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10, help="cold starts")
    ap.add_argument("--conversations", type=int, default=100, help="streaming at once")
    ap.add_argument("--steps", type=int, default=20, help="steps of each")
    ap.add_argument("--paced", type=float, default=1.0,
                    help="then again with the LLM answering in this many seconds (0: not)")
    ap.add_argument("--image", help="sandbox image (default: handbox/sandbox:latest)")
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()
    image = a.image or sandbox_image()
    out = {"machine": machine(), "image": image}
    with Fleet() as fleet:
        starts, posts, peer, ui = start_latency(fleet, image, a.runs)
        rows = {"POST /api/conversations → first LLM request": stats(starts),
                "  of it: the POST's answer (201)": stats(posts),
                "`handbox sandbox create`, same image (peer)": stats(peer)}
    print_stats("serve: a new conversation, cold sandbox (goal ≤ 1500 ms)", rows,
                baseline="`handbox sandbox create`, same image (peer)")
    out["start"] = rows
    with Fleet() as fleet:
        out["resume"] = resume_latency(fleet, image, a.runs)
    print_stats("serve: an idle-paused sandbox resumed (--idle-pause 1)", out["resume"])
    events = {}
    for label, delay in (("instant", 0.0), ("paced", a.paced)):
        if label == "paced" and not delay:
            continue
        with Fleet() as fleet:
            every, wall, sb_s, statuses, r0, r1 = streaming(fleet, image, a.conversations,
                                                            a.steps, delay)
        if label == "instant":
            rss0, rss_idle = r0, r1
        ms = [v * 1000 for v, _ in every]
        ev = {"conversations": a.conversations, "steps": a.steps, "llm_delay_s": delay,
              "events": len(ms), "p50_ms": percentile(ms, 50), "p90_ms": percentile(ms, 90),
              "p99_ms": percentile(ms, 99), "max_ms": max(ms), "wall_s": wall,
              "events_per_s": len(ms) / wall, "sandboxes_ready_s": sb_s,
              "statuses": {s: statuses.count(s) for s in set(statuses)}}
        print("\nserve: event latency, commit → WebSocket client, %d conversations × %d steps "
              "streaming at once, %s (goal p99 ≤ 10 ms)"
              % (a.conversations, a.steps, "instant LLM" if not delay
                 else "LLM answering in %.1f s ± half" % delay))
        print("  %d events in %.2f s (%.0f/s): p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, "
              "max %.1f ms" % (len(ms), wall, ev["events_per_s"], ev["p50_ms"], ev["p90_ms"],
                               ev["p99_ms"], ev["max_ms"]))
        print("  (%d sandboxes made in %.1f s before the runs; end states %s)"
              % (a.conversations, sb_s, ev["statuses"]))
        events[label] = ev
    out["events"] = events
    per = (rss_idle - rss0) / a.conversations
    out["rss"] = {"start_kb": rss0, "idle_kb": rss_idle, "conversations": a.conversations,
                  "per_conversation_kb": per}
    print("\nserve: RSS %.1f MB at start, %.1f MB with %d idle conversations (%.0f KiB each)"
          % (rss0 / 1024, rss_idle / 1024, a.conversations, per))
    total = sum(v["body"] for v in ui.values())
    wire = sum(v["body"] + v["headers"] for v in ui.values())
    gz_total = sum(v["gzip_body"] for v in ui.values())
    gz_wire = sum(v["gzip_body"] + v["gzip_headers"] for v in ui.values())
    out["ui"] = {"requests": len(ui), "body_bytes": total, "wire_bytes": wire,
                 "gzip_body_bytes": gz_total, "gzip_wire_bytes": gz_wire, "files": ui}
    print("\nserve: UI weight of /: %d requests; gzip taken: %.1f KB of bodies (%.1f KB with "
          "headers); not taken: %.1f KB (%.1f KB)" % (len(ui), gz_total / 1000, gz_wire / 1000,
                                                      total / 1000, wire / 1000))
    for p, v in sorted(ui.items(), key=lambda kv: -kv[1]["body"]):
        print("  %-28s %7d B  %7d B%s" % (p or "/ (index.html)", v["body"], v["gzip_body"],
                                          " gzip" if v["gzip"] else ""))
    if a.json:
        dump(a.json, out)


if __name__ == "__main__":
    main()
