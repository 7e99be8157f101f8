#!/usr/bin/python3
"""Round trip of `true` in one sandbox container, side by side:
sandboxd's execute_bash_command (HTTP keep-alive), sandboxd's streaming
exec WebSocket, and `docker exec`. Prints p50/p99 and how many times faster
than docker exec each is. Usage: bench/exec_roundtrip.py [--runs N] [--image IMG]"""
import argparse
import http.client
import json
import subprocess
import sys
import time

import lib


def bench_execute(sb, runs):
    conn = http.client.HTTPConnection("127.0.0.1", sb.port)
    body = json.dumps({"command": "true"})
    hdr = {"Content-Type": "application/json", "X-Session-API-Key": sb.key}
    times = []
    for _ in range(runs + 10):
        t0 = time.perf_counter()
        conn.request("POST", "/api/bash/execute_bash_command", body, hdr)
        r = conn.getresponse()
        data = json.loads(r.read())
        times.append(time.perf_counter() - t0)
        assert r.status == 200 and data["exit_code"] == 0, data
    return times[10:]


def bench_ws(sb, runs):
    import websocket  # Debian python3-websocket
    times = []
    for i in range(runs + 10):
        t0 = time.perf_counter()
        ws = websocket.create_connection(
            "ws://127.0.0.1:%d/api/handbox/exec" % sb.port,
            header=["X-Session-API-Key: " + sb.key])
        ws.send(json.dumps({"type": "start", "argv": ["true"], "stdin": False}))
        code = None
        while code is None:
            op, msg = ws.recv_data()
            if op == websocket.ABNF.OPCODE_TEXT:
                m = json.loads(msg)
                if m.get("type") == "exit":
                    code = m["exit_code"]
                elif m.get("type") == "error":
                    raise RuntimeError(m)
        ws.close()
        times.append(time.perf_counter() - t0)
        assert code == 0
    return times[10:]


def bench_docker_exec(sb, runs):
    times = []
    for _ in range(runs + 3):
        t0 = time.perf_counter()
        subprocess.run(["docker", "exec", sb.name, "true"], check=True)
        times.append(time.perf_counter() - t0)
    return times[3:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--image", default="handbox/debian:bookworm")
    ap.add_argument("--json", help="also write the figures to this file")
    a = ap.parse_args()
    sb = lib.Sandbox(a.image)
    try:
        rows = {
            "docker exec CONTAINER true": lib.summary(bench_docker_exec(sb, a.runs)),
            "sandboxd execute_bash_command (keep-alive)": lib.summary(bench_execute(sb, a.runs)),
            "sandboxd exec WebSocket (new socket each)": lib.summary(bench_ws(sb, a.runs)),
        }
    finally:
        sb.close()
    lib.print_table("round trip of `true` in %s (%d runs each)" % (a.image, a.runs), rows,
                    baseline="docker exec CONTAINER true")
    if a.json:
        lib.dump(a.json, rows)


if __name__ == "__main__":
    sys.exit(main())
