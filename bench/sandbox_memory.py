#!/usr/bin/python3
"""Memory of idle sandboxes, side by side with idle docker containers: K of
each kind are made, left to settle, measured one by one from the host, and
removed before the next kind:

  handbox sandbox create          (sandboxd as PID 1, 5 published ports)
  docker run -d IMAGE sleep infinity           (no published port)
  docker run -d -p x5 IMAGE sleep infinity     (the same 5 publications)

Per container: the RSS of its PID 1 (/proc/PID/status, PID from `docker
inspect -f {{.State.Pid}}`); its memory cgroup's usage (v1
memory.usage_in_bytes, v2 memory.current; page cache included) and of that
the anonymous memory (memory.stat total_rss / anon); the engine's
docker-proxy processes listening on its published ports (how many, their
RSS and PSS summed: RSS counts the proxy's shared code once per process,
PSS shares it out); and the RSS and PSS of its containerd-shim (PID 1's
parent), which every container has. Prints the medians.
Usage: bench/sandbox_memory.py [--count 10] [--settle 5] [--image IMG]..."""
import argparse
import statistics
import sys
import time

import lib

HANDBOX = "handbox sandbox (sandboxd, 5 ports)"
SLEEP = "docker run -d sleep infinity (no port)"
SLEEP_P5 = "docker run -d -p x5 sleep infinity"
COLUMNS = (("pid1_rss_kb", "PID 1 RSS"), ("cgroup_usage_kb", "cgroup usage"),
           ("cgroup_anon_kb", "of it anon"), ("proxies", "proxies"),
           ("proxies_rss_kb", "proxies RSS"), ("proxies_pss_kb", "proxies PSS"),
           ("shim_rss_kb", "shim RSS"), ("shim_pss_kb", "shim PSS"))


def measure(name):
    pid, cid = lib.container_pid(name)
    cg = lib.cgroup_memory_kb(pid, cid)
    proxies = lib.docker_proxies(lib.host_ports(name))
    shim = lib.parent_pid(pid)
    return {"pid1_rss_kb": lib.proc_kb(pid, "VmRSS"),
            "cgroup_usage_kb": cg["usage_kb"], "cgroup_anon_kb": cg["anon_kb"],
            "proxies": len(proxies),
            "proxies_rss_kb": sum(lib.proc_kb(p, "VmRSS") for p in proxies),
            "proxies_pss_kb": sum(lib.proc_kb(p, "Pss", "smaps_rollup") for p in proxies),
            "shim_rss_kb": lib.proc_kb(shim, "VmRSS"),
            "shim_pss_kb": lib.proc_kb(shim, "Pss", "smaps_rollup")}


def bench_kind(fleet, kind, image, count, settle):
    """Makes count containers of a kind, measures them once settled, removes them."""
    names = []
    try:
        for _ in range(count):
            if kind == HANDBOX:
                names.append(fleet.create(image)[1]["container"])
            else:
                names.append(fleet.run(image, ["sleep", "infinity"], publish=kind == SLEEP_P5)[1])
        time.sleep(settle)
        samples = [measure(n) for n in names]
    finally:
        if names:
            lib.run_checked(["docker", "rm", "-f", "-v"] + names)
    return {k: statistics.median(s[k] for s in samples) for k, _ in COLUMNS}


def print_rows(title, rows):
    print("\n" + title)
    print("%-40s" % "" + "".join("%13s" % h for _, h in COLUMNS))
    for name, r in rows.items():
        print("%-40s" % name + "".join(
            "%13d" % r[k] if k == "proxies" else "%10.1f MB" % (r[k] / 1024) for k, _ in COLUMNS))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=10, help="containers of each kind (default 10)")
    ap.add_argument("--settle", type=float, default=5,
                    help="seconds to let them settle before measuring (default 5)")
    lib.add_images_args(ap)
    a = ap.parse_args()
    images = lib.images_of(a)
    result = {"machine": lib.machine(), "count": a.count, "images": {}}
    with lib.Fleet() as fleet:
        for image in images:
            rows = {kind: bench_kind(fleet, kind, image, a.count, a.settle)
                    for kind in (HANDBOX, SLEEP, SLEEP_P5)}
            result["images"][image] = rows
            print_rows("idle memory per container in %s (median of %d, after %g s)"
                       % (image, a.count, a.settle), rows)
    if a.json:
        lib.dump(a.json, result)


if __name__ == "__main__":
    sys.exit(main())
