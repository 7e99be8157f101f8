#!/usr/bin/python3
"""VS Code and the desktop of a sandbox (docs/vscode-desktop.md): how long
until they answer, and what they cost in memory. For each of COUNT
sandboxes of the desktop image, one at a time:

  create     `handbox sandbox create` until it returns (sandboxd answers)
  vscode     from GET /api/vscode/url (which starts code-server) until the
             URL, through the token gate on the published 8001, serves the
             workbench page (200)
  desktop    from GET /api/desktop/url until noVNC's page is served (200)
             and websockify's WebSocket gives the VNC server's "RFB
             003.008" greeting
  both       from `sandbox create` until both answer, the URLs asked for
             right after create

and the container's memory (cgroup usage and anonymous part): idle before
anything is asked (the services start on demand), once both answer and
settled, and with Chromium showing a page (a tab opened over its DevTools
on a page served inside the sandbox). Prints medians.
Usage: bench/services.py [--count 3] [--settle 5] [--image IMG] [--json F]"""
import argparse
import http.cookiejar
import json
import os
import statistics
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import websocket

import lib

DEFAULT_IMAGE = os.environ.get("HANDBOX_DESKTOP_IMAGE", "handbox/sandbox:desktop")
WAIT_S = 120


def sandboxd_get(info, path, params=None):
    url = info["url"] + path + ("?" + urllib.parse.urlencode(params) if params else "")
    req = urllib.request.Request(url, headers={"X-Session-API-Key": info["session_api_key"]})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def served(url):
    """GETs url (cookies kept, redirects followed) until it is not 503;
    returns the cookie jar once it is 200."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    deadline = time.monotonic() + WAIT_S
    while True:
        try:
            with opener.open(url, timeout=30) as r:
                r.read()
                return jar
        except urllib.error.HTTPError as e:
            if e.code != 503 or time.monotonic() > deadline:
                raise RuntimeError("%s: %d %s" % (url, e.code, e.read()[:300])) from None
        time.sleep(0.05)


def rfb(port, jar):
    cookie = "; ".join("%s=%s" % (c.name, c.value) for c in jar)
    ws = websocket.create_connection("ws://127.0.0.1:%d/websockify" % port, cookie=cookie,
                                     subprotocols=["binary"], timeout=30)
    try:
        greeting = ws.recv()
    finally:
        ws.close()
    if greeting != b"RFB 003.008\n":
        raise RuntimeError("websockify answered %r, not the RFB greeting" % greeting)


def memory(name):
    pid, cid = lib.container_pid(name)
    cg = lib.cgroup_memory_kb(pid, cid)
    return cg["usage_kb"] / 1024, cg["anon_kb"] / 1024


def one(fleet, image, settle):
    create_s, info = fleet.create(image)
    ports = {int(k): v for k, v in info["ports"].items()}
    name = info["container"]
    time.sleep(settle)
    idle = memory(name)
    t1 = time.monotonic()
    vs = sandboxd_get(info, "/api/vscode/url",
                      {"base_url": "http://127.0.0.1:%d" % ports[8001]})["url"]
    dk = sandboxd_get(info, "/api/desktop/url",
                      {"base_url": "http://127.0.0.1:%d" % ports[8002]})["url"]
    served(vs)
    vscode_s = time.monotonic() - t1
    rfb(ports[8002], served(dk))
    desktop_s = time.monotonic() - t1
    both_s = create_s + (time.monotonic() - t1)
    time.sleep(settle)
    running = memory(name)
    # a page in the agent's browser: served inside, opened over DevTools
    cmd = ("cd /tmp && (python3 -m http.server 8011 >/dev/null 2>&1 &) && sleep 1 && "
           "curl -s -X PUT 'http://127.0.0.1:9222/json/new?http://localhost:8011/'")
    req = urllib.request.Request(info["url"] + "/api/bash/execute_bash_command",
                                 data=json.dumps({"command": cmd, "timeout": 30}).encode(),
                                 headers={"X-Session-API-Key": info["session_api_key"],
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        out = json.loads(r.read())
    if '"type": "page"' not in (out.get("stdout") or ""):
        raise RuntimeError("Chromium did not open the tab: %s" % out)
    time.sleep(settle)
    browsing = memory(name)
    fleet.rm([info["id"]])
    return {"create_s": create_s, "vscode_s": vscode_s, "desktop_s": desktop_s,
            "both_from_create_s": both_s,
            "idle_mb": idle[0], "idle_anon_mb": idle[1],
            "running_mb": running[0], "running_anon_mb": running[1],
            "browsing_mb": browsing[0], "browsing_anon_mb": browsing[1]}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=3, help="sandboxes, one at a time (default 3)")
    ap.add_argument("--settle", type=float, default=5,
                    help="seconds to let memory settle before each reading (default 5)")
    ap.add_argument("--image", default=DEFAULT_IMAGE, help="default " + DEFAULT_IMAGE)
    ap.add_argument("--json", help="also write the figures to this file")
    a = ap.parse_args()
    if not lib.image_exists(a.image):
        raise SystemExit("%s is missing: handbox image build --with vscode,desktop" % a.image)
    with lib.Fleet() as fleet:
        runs = [one(fleet, a.image, a.settle) for _ in range(a.count)]
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print("VS Code and the desktop in %s (median of %d)" % (a.image, a.count))
    for k in ("create_s", "vscode_s", "desktop_s", "both_from_create_s"):
        print("  %-22s %7.2f s" % (k[:-2], med[k]))
    for k in ("idle", "running", "browsing"):
        print("  memory %-15s %7.1f MB (anon %.1f MB)" % (k, med[k + "_mb"], med[k + "_anon_mb"]))
    if a.json:
        lib.dump(a.json, {"machine": lib.machine(), "image": a.image, "runs": runs,
                          "median": med})


if __name__ == "__main__":
    sys.exit(main())
