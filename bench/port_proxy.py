#!/usr/bin/python3
"""The port proxy's cost, side by side in one run: an app (python3 -m
http.server on 8011 inside a bare sandbox that `handbox serve` made with
POST /api/sandboxes) reached

  direct      on its own published port 8011 (Docker's port forwarding),
  serve path  through serve's /api/sandboxes/{id}/ports/8011/…,
  serve sub   through serve's sub-domain, Host 8011-{id}.localhost:PORT
              (sent as a header: no DNS needed),
  sandboxd    through sandboxd's own proxy (/api/handbox/ports/8011/… on
              its published port 8000, with the sandbox's session key): the
              hop serve forwards to, for reference.

serve's answer goes client → serve → sandboxd (its published port 8000)
→ app, so it holds sandboxd's hop as well. Both proxies serve one request
per connection (the app's EOF ends the answer), so every path gets a new
connection per request, direct included. A GET of a 6-byte file, RUNS
times, the paths taken in turn each round: latency p50/p99; a download of
SIZE: MB/s (10^6 bytes per second), median of several. Goal (issue 9):
serve adds under 1 ms p50 to direct and keeps at least half its MB/s.
Usage: bench/port_proxy.py [--runs 300] [--size 100M] [--downloads 5]
[--image IMAGE] [--json F]"""
import argparse
import http.client
import os
import statistics
import subprocess
import sys
import time

import lib

sys.path.insert(0, os.path.join(lib.ROOT, "tests", "lib"))
from serve_client import Serve, ServeClient  # noqa: E402

APP_PORT = 8011


def sandbox_key(container):
    """The session key serve gave the sandbox's sandboxd (its environment)."""
    env = subprocess.run(["docker", "inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}",
                          container], check=True, capture_output=True, text=True).stdout
    for line in env.splitlines():
        if line.startswith("SESSION_API_KEY="):
            return line.split("=", 1)[1]
    raise SystemExit("%s: no SESSION_API_KEY in its environment" % container)


def start_app(container, size):
    subprocess.run(["docker", "exec", container, "sh", "-c",
                    "mkdir -p /tmp/www && echo hello > /tmp/www/small.txt && "
                    "head -c %d /dev/urandom > /tmp/www/big.bin" % size], check=True)
    subprocess.run(["docker", "exec", "-d", "-w", "/tmp/www", container, "python3", "-m",
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


def latency(paths, runs):
    """Each round takes every path once, in an order that rotates, so a
    burst of load on the machine falls on all of them alike."""
    times = {name: [] for name in paths}
    names = list(paths)
    for i in range(runs):
        for name in names[i % len(names):] + names[:i % len(names)]:
            port, prefix, headers = paths[name]
            t0 = time.perf_counter()
            get(port, prefix + "/small.txt", headers)
            times[name].append(time.perf_counter() - t0)
    return {name: lib.summary(t) for name, t in times.items()}


def throughput(paths, size, runs):
    rates = {name: [] for name in paths}
    for _ in range(runs):
        for name, (port, prefix, headers) in paths.items():
            t0 = time.perf_counter()
            got = get(port, prefix + "/big.bin", headers, chunk=1 << 20)
            rates[name].append(got / (time.perf_counter() - t0) / 1e6)
            assert got == size, (name, got, size)
    return {name: sorted(v) for name, v in rates.items()}


def size_bytes(text):
    units = {"K": 1 << 10, "M": 1000 * 1000, "G": 1000 ** 3}
    return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)


def measure(fleet, image, size, runs, downloads):
    with Serve(fleet.state_dir) as s:
        api = ServeClient(s.url)
        sb = api.call("POST", "/api/sandboxes", {"image": image}, expect=(200, 201))
        try:
            start_app(sb["container"], size)
            serve_port = s.port
            paths = {
                "direct (published port)": (sb["ports"][str(APP_PORT)], "", {}),
                "serve, path proxy": (serve_port, "/api/sandboxes/%s/ports/%d" %
                                      (sb["id"], APP_PORT), {}),
                "serve, sub-domain": (serve_port, "", {
                    "Host": "%d-%s.localhost:%d" % (APP_PORT, sb["id"], serve_port)}),
                "sandboxd's proxy (serve's upstream)": (
                    sb["ports"]["8000"], "/api/handbox/ports/%d" % APP_PORT,
                    {"X-Session-API-Key": sandbox_key(sb["container"])}),
            }
            for port, prefix, headers in paths.values():
                wait_app(port, prefix + "/small.txt", headers)
                get(port, prefix + "/small.txt", headers)  # warm up
            lat = latency(paths, runs)
            tput = throughput(paths, size, downloads)
        finally:
            api.call("DELETE", "/api/sandboxes/" + sb["id"])
    return lat, tput


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--size", default="100M")
    ap.add_argument("--downloads", type=int, default=5)
    ap.add_argument("--image", default="handbox/sandbox:latest")
    ap.add_argument("--json")
    a = ap.parse_args()
    size = size_bytes(a.size)
    with lib.Fleet() as fleet:
        lat, tput = measure(fleet, a.image, size, a.runs, a.downloads)
    direct = "direct (published port)"
    print("\nport proxy: GET of a 6-byte file from python3 -m http.server in %s, "
          "a new connection each (%d runs)" % (a.image, a.runs))
    print("%-40s %10s %10s %14s" % ("path", "p50 ms", "p99 ms", "p50 added ms"))
    for name, r in lat.items():
        print("%-40s %10.3f %10.3f %14.3f" % (name, r["p50_ms"], r["p99_ms"],
                                              r["p50_ms"] - lat[direct]["p50_ms"]))
    print("\n%s download (%d runs)" % (a.size, a.downloads))
    print("%-40s %12s %8s %8s %10s" % ("path", "median MB/s", "min", "max", "of direct"))
    med = {name: statistics.median(v) for name, v in tput.items()}
    for name, v in tput.items():
        print("%-40s %12.0f %8.0f %8.0f %9.0f%%" % (name, med[name], v[0], v[-1],
                                                    100 * med[name] / med[direct]))
    print("\ngoal: serve adds < 1 ms p50 (path %.3f, sub-domain %.3f) and keeps >= 50%% of "
          "direct MB/s (path %.0f%%, sub-domain %.0f%%)"
          % (lat["serve, path proxy"]["p50_ms"] - lat[direct]["p50_ms"],
             lat["serve, sub-domain"]["p50_ms"] - lat[direct]["p50_ms"],
             100 * med["serve, path proxy"] / med[direct],
             100 * med["serve, sub-domain"] / med[direct]))
    if a.json:
        lib.dump(a.json, {"machine": lib.machine(), "image": a.image, "latency": lat,
                          "throughput_MBps": {k: {"median": med[k], "runs": v}
                                              for k, v in tput.items()}})


if __name__ == "__main__":
    sys.exit(main())
