#!/usr/bin/python3
"""The port proxy's cost, side by side in one sandbox container of IMAGE:
an app (python3 -m http.server on 8011 inside) reached through sandboxd's
proxy (/api/handbox/ports/8011/… on sandboxd's published port 8000) and
directly on its own published port 8011. A small GET (a new connection per
request on both paths: the proxy serves one request per connection):
latency p50/p99; a 100 MB download: MB/s (10^6 bytes per second), median
of several runs. Usage: bench/port_proxy.py [--runs 300] [--size 100M]
[--downloads 5] [--json F]"""
import argparse
import http.client
import subprocess
import sys
import time

import lib

APP_PORT = 8011


def published(sb, port):
    out = subprocess.run(["docker", "port", sb.name, "%d/tcp" % port], check=True,
                         capture_output=True, text=True).stdout
    return int(out.split()[0].rsplit(":", 1)[1])


def start_app(sb, size):
    subprocess.run(["docker", "exec", sb.name, "sh", "-c",
                    "mkdir -p /tmp/www && echo hello > /tmp/www/small.txt && "
                    "head -c %d /dev/urandom > /tmp/www/big.bin" % size], check=True)
    subprocess.run(["docker", "exec", "-d", "-w", "/tmp/www", sb.name, "python3", "-m",
                    "http.server", str(APP_PORT), "--bind", "0.0.0.0"], check=True)


def get(port, path, headers, chunk=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    got = 0
    if chunk:
        while True:
            data = r.read(chunk)
            if not data:
                break
            got += len(data)
    else:
        got = len(r.read())
    conn.close()
    assert r.status == 200, (port, path, r.status)
    return got


def wait_app(port, path, headers):
    deadline = time.time() + 30
    while True:
        try:
            return get(port, path, headers)
        except (OSError, AssertionError, http.client.HTTPException):
            if time.time() > deadline:
                raise
            time.sleep(0.1)


def latency(port, path, headers, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        get(port, path, headers)
        times.append(time.perf_counter() - t0)
    return lib.summary(times)


def throughput(port, path, headers, size, runs):
    rates = []
    for _ in range(runs):
        t0 = time.perf_counter()
        got = get(port, path, headers, chunk=1 << 20)
        rates.append(got / (time.perf_counter() - t0) / 1e6)
        assert got == size, (got, size)
    return sorted(rates)


def size_bytes(text):
    units = {"K": 1 << 10, "M": 1000 * 1000, "G": 1000 ** 3}
    return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--size", default="100M")
    ap.add_argument("--downloads", type=int, default=5)
    ap.add_argument("--image", default="handbox/sandbox:latest")
    ap.add_argument("--json")
    a = ap.parse_args()
    size = size_bytes(a.size)
    sb = lib.SandboxContainer(a.image, extra_args=["-p", "127.0.0.1::%d" % APP_PORT],
                              name_prefix="hb-bench")
    try:
        start_app(sb, size)
        paths = {
            "through sandboxd's proxy": (sb.port, "/api/handbox/ports/%d" % APP_PORT,
                                         {"X-Session-API-Key": sb.key}),
            "published port, direct": (published(sb, APP_PORT), "", {}),
        }
        for port, prefix, headers in paths.values():
            wait_app(port, prefix + "/small.txt", headers)
            get(port, prefix + "/small.txt", headers)  # warm up
        lat = {name: latency(port, prefix + "/small.txt", headers, a.runs)
               for name, (port, prefix, headers) in paths.items()}
        tput = {name: throughput(port, prefix + "/big.bin", headers, size, a.downloads)
                for name, (port, prefix, headers) in paths.items()}
    finally:
        sb.remove()
    print("\nport proxy: GET of a 6-byte file from python3 -m http.server in %s, "
          "a new connection each (%d runs)" % (a.image, a.runs))
    lib.print_table("latency", lat)
    print("\n%s download (%d runs)" % (a.size, a.downloads))
    print("%-44s %12s %10s %10s" % ("method", "median MB/s", "min", "max"))
    for name, v in tput.items():
        print("%-44s %12.0f %10.0f %10.0f" % (name, v[len(v) // 2], v[0], v[-1]))
    if a.json:
        lib.dump(a.json, {"latency": lat,
                          "throughput_MBps": {k: {"median": v[len(v) // 2], "runs": v}
                                              for k, v in tput.items()}})


if __name__ == "__main__":
    sys.exit(main())
