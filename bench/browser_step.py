"""One browser step's round trip (docs/browser.md): each action of
sandboxd's browser route (POST /api/handbox/browser/{action}) timed from
the host over one keep-alive HTTP connection, against a real headless
Chromium (its DevTools server on a free loopback port) showing a page of
`python3 -m http.server` (tests/lib/headless_chromium.py). sandboxd runs
on this machine, as the process runtime runs it; in a desktop sandbox the
route is the same and Chromium draws to the desktop's X server.

Peers: sandboxd's /health over the same connection (the HTTP floor), and
one Runtime.evaluate of document.body.innerText sent straight to Chromium
over its own WebSocket (the DevTools floor: what one command costs).
Prints medians and writes JSON."""
import argparse
import http.client
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from lib import ROOT, dump, print_table, summary

sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from headless_chromium import PAGES, Chromium, Site, answers, wait_for  # noqa: E402

SANDBOXD = os.environ.get("SANDBOXD", os.path.join(ROOT, "build", "handbox-sandboxd"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(conn, key, path, body=None):
    conn.request("POST" if body is not None else "GET", path,
                 body=json.dumps(body) if body is not None else None,
                 headers={"X-Session-API-Key": key, "Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    assert r.status == 200, (path, r.status, data[:300])
    return json.loads(data)


def timed(fn, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return summary(times)


def cdp_floor(port, runs):
    import websocket  # Debian python3-websocket
    with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port, timeout=10) as r:
        page = [t for t in json.load(r) if t["type"] == "page"][0]
    ws = websocket.create_connection(page["webSocketDebuggerUrl"], suppress_origin=True)
    n = [0]

    def one():
        n[0] += 1
        ws.send(json.dumps({"id": n[0], "method": "Runtime.evaluate",
                            "params": {"expression": "document.body.innerText",
                                       "returnByValue": True}}))
        while json.loads(ws.recv()).get("id") != n[0]:
            pass
    try:
        return timed(one, runs)
    finally:
        ws.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--json")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="hb-bench-browser-")
    os.chmod(tmp, 0o777)   # sandboxd writes screenshots as the sandbox user
    chromium = Chromium(os.path.join(tmp, "chromium"), free_port()).start()
    site_dir = os.path.join(tmp, "site")
    os.makedirs(site_dir)
    site = Site(site_dir, PAGES, free_port())
    key = secrets.token_hex(16)
    port = free_port()
    env = dict(os.environ, OH_SESSION_API_KEYS_0=key,
               HANDBOX_BROWSER_CDP="127.0.0.1:%d" % chromium.port,
               HANDBOX_BROWSER_SCREENSHOTS=os.path.join(tmp, "shots"))
    sd = subprocess.Popen([SANDBOXD, "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: answers("http://127.0.0.1:%d/health" % port), "sandboxd")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        b = "/api/handbox/browser/"
        call(conn, key, b + "navigate", {"url": site.url})
        rows = {
            "sandboxd GET /health (HTTP floor)": timed(
                lambda: call(conn, key, "/health"), a.runs),
            "Chromium Runtime.evaluate, direct (CDP floor)": cdp_floor(chromium.port, a.runs),
            "navigate (load + read the page)": timed(
                lambda: call(conn, key, b + "navigate", {"url": site.url}), a.runs),
            "get_state": timed(lambda: call(conn, key, b + "get_state", {}), a.runs),
            "click (button, then read)": timed(
                lambda: call(conn, key, b + "click", {"index": 2}), a.runs),
            "type (field, then read)": timed(
                lambda: call(conn, key, b + "type", {"index": 3, "text": "Ada"}), a.runs),
            "scroll": timed(lambda: call(conn, key, b + "scroll", {"direction": "down"}), a.runs),
            "get_state with a screenshot (PNG file)": timed(
                lambda: call(conn, key, b + "get_state", {"include_screenshot": True}), a.runs),
        }
        conn.close()
    finally:
        sd.terminate()
        sd.wait()
        site.stop()
        chromium.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print_table("Browser step round trip (sandboxd on the host, headless Chromium %s)" %
                "1024x700", rows)
    if a.json:
        dump(a.json, {"runs": a.runs, "rows": rows})


if __name__ == "__main__":
    main()
