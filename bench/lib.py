"""Shared helpers for the benchmarks: a sandboxd container on the real Docker
engine, percentile maths, and the RSS of a process seen from the host."""
import json
import os
import secrets
import statistics
import subprocess
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SANDBOXD = os.environ.get("SANDBOXD", os.path.join(ROOT, "build", "handbox-sandboxd"))


def percentile(values, p):
    s = sorted(values)
    k = (len(s) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def summary(values_s):
    ms = [v * 1000 for v in values_s]
    return {"n": len(ms), "p50_ms": statistics.median(ms), "p99_ms": percentile(ms, 99)}


class Sandbox:
    """A container of IMAGE whose PID 1 is our sandboxd (bind-mounted, as the
    runtime does), with port 8000 published on a dynamic loopback port."""

    def __init__(self, image, name_prefix="hb-bench"):
        self.image = image
        self.key = secrets.token_hex(16)
        self.name = "%s-%s" % (name_prefix, secrets.token_hex(4))
        subprocess.run(
            ["docker", "run", "-d", "--rm", "--name", self.name,
             "-v", "%s:/.handbox/sandboxd:ro" % SANDBOXD,
             "-p", "127.0.0.1::8000", "-e", "OH_SESSION_API_KEYS_0=" + self.key,
             "--entrypoint", "/.handbox/sandboxd", image, "--host", "0.0.0.0"],
            check=True, stdout=subprocess.DEVNULL)
        out = subprocess.run(["docker", "port", self.name, "8000/tcp"], check=True,
                             capture_output=True, text=True).stdout
        self.port = int(out.split()[0].rsplit(":", 1)[1])
        self.url = "http://127.0.0.1:%d" % self.port
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(self.url + "/health", timeout=1).read()
                break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError("sandboxd in %s never answered" % self.name)
                time.sleep(0.02)
        self.host_pid = int(subprocess.run(
            ["docker", "inspect", "-f", "{{.State.Pid}}", self.name], check=True,
            capture_output=True, text=True).stdout)

    def rss_kb(self):
        return status_kb(self.host_pid, "VmRSS")

    def close(self):
        subprocess.run(["docker", "rm", "-f", self.name], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


def status_kb(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def print_table(title, rows, baseline=None):
    print("\n" + title)
    print("%-44s %6s %10s %10s %8s" % ("method", "n", "p50 ms", "p99 ms", "ratio"))
    base = rows[baseline]["p50_ms"] if baseline else None
    for name, r in rows.items():
        ratio = "%.1fx" % (base / r["p50_ms"]) if base else ""
        print("%-44s %6d %10.3f %10.3f %8s" % (name, r["n"], r["p50_ms"], r["p99_ms"], ratio))


def dump(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(data, f, indent=2)
