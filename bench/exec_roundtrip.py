#!/usr/bin/python3
"""Round trip of `true` in one sandbox container, side by side:
sandboxd's execute_bash_command (HTTP keep-alive), sandboxd's streaming
exec WebSocket, and `docker exec`. Prints p50/p99 and how many times faster
than docker exec each is. The WebSocket is driven by the C client
$EXEC_WS_BENCH (default build/bench/exec_ws_bench, `make bench-tools`)
when it exists, else by Debian's websocket-client (labelled "Python
fallback"). Usage: bench/exec_roundtrip.py [--runs N] [--image IMG]"""
import argparse
import http.client
import json
import os
import subprocess
import sys
import time

import lib

EXEC_WS_BENCH = os.environ.get("EXEC_WS_BENCH") or os.path.join(
    lib.ROOT, "build", "bench", "exec_ws_bench")


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
    """Returns the row's name and its summary: the C client's, else Python's."""
    if os.access(EXEC_WS_BENCH, os.X_OK):
        return "sandboxd exec WebSocket (C lws client)", bench_ws_c(sb, runs)
    return "sandboxd exec WebSocket (Python fallback)", lib.summary(bench_ws_python(sb, runs))


def bench_ws_c(sb, runs):
    """exec_ws_bench makes its own 10 warm-up runs and computes p50/p99."""
    p = subprocess.run([EXEC_WS_BENCH, "-p", str(sb.port), "--roundtrip", str(runs),
                        "--argv", "true", "--json"],
                       env=dict(os.environ, SESSION_API_KEY=sb.key),
                       capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError("%s failed: %s" % (EXEC_WS_BENCH, p.stderr.strip()))
    return json.loads(p.stdout)


def bench_ws_python(sb, runs):
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
    ap.add_argument("--image", default="handbox/sandbox:latest")
    ap.add_argument("--json", help="also write the figures to this file")
    a = ap.parse_args()
    sb = lib.Sandbox(a.image)
    try:
        rows = {
            "docker exec CONTAINER true": lib.summary(bench_docker_exec(sb, a.runs)),
            "sandboxd execute_bash_command (keep-alive)": lib.summary(bench_execute(sb, a.runs)),
        }
        ws_name, ws = bench_ws(sb, a.runs)
        rows[ws_name] = ws
    finally:
        sb.close()
    lib.print_table("round trip of `true` in %s (%d runs each; a new WebSocket each run)"
                    % (a.image, a.runs), rows, baseline="docker exec CONTAINER true")
    if a.json:
        lib.dump(a.json, rows)


if __name__ == "__main__":
    sys.exit(main())
