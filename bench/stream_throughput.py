#!/usr/bin/python3
"""stdout throughput of `head -c SIZE /dev/zero` in one sandbox container,
side by side: sandboxd's streaming exec WebSocket (/api/handbox/exec, read
with Debian's websocket-client) and `docker exec` (its output piped to the
benchmark and counted). Prints the median MB/s (10^6 bytes per second) of
several runs. Usage: bench/stream_throughput.py [--size 1G] [--runs 3]

Python reads here, not bench/exec_ws_bench: libwebsockets 4.1's client
parses incoming frames a byte at a time and tops out near 200 MB/s, below
what sandboxd sends (websocket-client reads ~410 MB/s)."""
import argparse
import json
import subprocess
import sys
import time

import websocket

import lib


def size_bytes(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)


def via_ws(sb, size):
    ws = websocket.create_connection(
        "ws://127.0.0.1:%d/api/handbox/exec" % sb.port,
        header=["X-Session-API-Key: " + sb.key])
    ws.send(json.dumps({"type": "start", "argv": ["head", "-c", str(size), "/dev/zero"],
                        "stdin": False}))
    got, t0, t1 = 0, None, None
    while t1 is None:
        op, msg = ws.recv_data()
        if op == websocket.ABNF.OPCODE_BINARY:
            got += len(msg) - 1
        elif op == websocket.ABNF.OPCODE_TEXT:
            m = json.loads(msg)
            if m["type"] == "started":
                t0 = time.perf_counter()
            elif m["type"] == "exit":
                t1 = time.perf_counter()
                assert m["exit_code"] == 0, m
            elif m["type"] == "error":
                raise RuntimeError(m)
    ws.close()
    assert got == size, (got, size)
    return size / (t1 - t0) / 1e6


def via_docker_exec(sb, size):
    t0 = time.perf_counter()
    p = subprocess.Popen(["docker", "exec", sb.name, "head", "-c", str(size), "/dev/zero"],
                         stdout=subprocess.PIPE)
    got = 0
    while True:
        chunk = p.stdout.read1(1 << 20)
        if not chunk:
            break
        got += len(chunk)
    assert p.wait() == 0 and got == size, (got, size)
    return size / (time.perf_counter() - t0) / 1e6


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", default="1G")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--image", default="handbox/sandbox:latest")
    ap.add_argument("--json")
    a = ap.parse_args()
    size = size_bytes(a.size)
    sb = lib.Sandbox(a.image)
    try:
        ws = sorted(via_ws(sb, size) for _ in range(a.runs))
        de = sorted(via_docker_exec(sb, size) for _ in range(a.runs))
    finally:
        sb.close()
    rows = {"sandboxd exec WebSocket": ws, "docker exec": de}
    print("\nstdout throughput of head -c %s /dev/zero in %s (%d runs each)" % (a.size, a.image, a.runs))
    print("%-28s %12s %12s %12s" % ("method", "median MB/s", "min", "max"))
    for name, v in rows.items():
        print("%-28s %12.0f %12.0f %12.0f" % (name, v[len(v) // 2], v[0], v[-1]))
    if a.json:
        lib.dump(a.json, {k: {"median_MBps": v[len(v) // 2], "runs": v} for k, v in rows.items()})


if __name__ == "__main__":
    sys.exit(main())
