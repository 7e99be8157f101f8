"""Shared helpers for the benchmarks: a sandboxd container on the real Docker
engine (tests/lib/sandbox_container.py), percentile maths, tables."""
import json
import os
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))

from sandbox_container import SandboxContainer  # noqa: E402


def percentile(values, p):
    s = sorted(values)
    k = (len(s) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def summary(values_s):
    ms = [v * 1000 for v in values_s]
    return {"n": len(ms), "p50_ms": statistics.median(ms), "p99_ms": percentile(ms, 99)}


class Sandbox(SandboxContainer):
    """A container of IMAGE whose PID 1 is our sandboxd (bind-mounted, as the
    runtime does), with port 8000 published on a dynamic loopback port."""

    def __init__(self, image):
        super().__init__(image, name_prefix="hb-bench")

    def rss_kb(self):
        return self.status_kb("VmRSS")

    def close(self):
        self.remove()


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
