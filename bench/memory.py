#!/usr/bin/python3
"""Resident memory of sandboxd in a container: idle, and while N commands
stream output at once through the exec WebSocket (each `head -c SIZE
/dev/zero`, all read concurrently). Prints VmRSS sampled during the run and
VmHWM (the peak). Usage: bench/memory.py [--streams 100] [--size 64M]"""
import argparse
import json
import sys
import threading
import time

import websocket

import lib


def stream(sb, size, done, errors):
    try:
        ws = websocket.create_connection(
            "ws://127.0.0.1:%d/api/handbox/exec" % sb.port,
            header=["X-Session-API-Key: " + sb.key])
        ws.send(json.dumps({"type": "start", "stdin": False,
                            "argv": ["head", "-c", str(size), "/dev/zero"]}))
        got = 0
        while True:
            op, msg = ws.recv_data()
            if op == websocket.ABNF.OPCODE_BINARY:
                got += len(msg) - 1
            elif op == websocket.ABNF.OPCODE_TEXT and json.loads(msg)["type"] in ("exit", "error"):
                break
        ws.close()
        if got != size:
            errors.append("stream got %d of %d bytes" % (got, size))
    except Exception as e:  # reported after the run
        errors.append(repr(e))
    finally:
        done.release()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--streams", type=int, default=100)
    ap.add_argument("--size", default="64M")
    ap.add_argument("--image", default="handbox/sandbox:latest")
    ap.add_argument("--json")
    a = ap.parse_args()
    size = int(a.size[:-1]) << {"K": 10, "M": 20, "G": 30}[a.size[-1]]
    sb = lib.Sandbox(a.image)
    try:
        time.sleep(1)
        idle = sb.rss_kb()
        done, errors, samples = threading.Semaphore(0), [], []
        for _ in range(a.streams):
            threading.Thread(target=stream, args=(sb, size, done, errors), daemon=True).start()
        finished = 0
        while finished < a.streams:
            if done.acquire(timeout=0.2):
                finished += 1
            samples.append(sb.rss_kb())
        peak = sb.status_kb("VmHWM")
    finally:
        sb.close()
    if errors:
        raise SystemExit("streams failed: %s" % errors[:3])
    samples.sort()
    print("\nsandboxd resident memory in %s" % a.image)
    print("idle VmRSS:                                %6.1f MB" % (idle / 1024))
    print("%d streams of %s: median VmRSS            %6.1f MB" % (a.streams, a.size, samples[len(samples) // 2] / 1024))
    print("%d streams of %s: peak VmHWM              %6.1f MB" % (a.streams, a.size, peak / 1024))
    if a.json:
        lib.dump(a.json, {"idle_rss_kb": idle, "streams": a.streams, "size": a.size,
                          "median_rss_kb": samples[len(samples) // 2], "hwm_kb": peak})


if __name__ == "__main__":
    sys.exit(main())
