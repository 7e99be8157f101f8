#!/usr/bin/python3
"""sandboxd under slow clients: N connections (default 2,000) that send
nothing ("idle") or a header byte a second ("trickle"), each reopened as
soon as sandboxd closes it, from the host to a sandbox container's bridge
address (where another sandbox would connect from). Meanwhile 10 fresh
GET /health and 10 execute_bash_command `echo ok`, 0.2 s apart, each
counted when answered within 1 s; and sandboxd's resident memory (VmRSS
idle, then during the attack, and its peak VmHWM). Run it for several
builds side by side: bench/slow_clients.py --sandboxd new=build/handbox-sandboxd
--sandboxd old=/path/to/old/handbox-sandboxd; --inside holds the
connections from inside the sandbox instead (its python3, against its own
127.0.0.1:8000). Usage: bench/slow_clients.py [--count 2000] [--kind idle
--kind trickle] [--inside] [--image IMG] [--json FILE]"""
import argparse
import os
import sys
import time

import lib
import sandbox_container
from slow_clients import SlowClients, exec_within, health_within, probe


def container_ip(name):
    return lib.run_checked(["docker", "inspect", "-f",
                            "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
                            name]).strip()


def run_one(binary, image, kind, count, inside):
    sandbox_container.SANDBOXD = binary
    sb = lib.Sandbox(image)
    try:
        ip = container_ip(sb.name)
        time.sleep(1)
        idle = sb.rss_kb()
        # from inside: the agent's own processes, against 127.0.0.1:8000
        where = ("127.0.0.1", dict(python=["docker", "exec", "-i", sb.name, "python3", "-"])) \
            if inside else (ip, {})
        with SlowClients(where[0], 8000, count, kind, **where[1]) as clients:
            held = clients.wait_open(count)
            time.sleep(2)
            health = probe(lambda: health_within(ip, 8000))
            execs = probe(lambda: exec_within(ip, 8000, sb.key))
            rss = sb.rss_kb()
            reopened = clients.reopened
        hwm = sb.status_kb("VmHWM")
        time.sleep(0.5)
        after = health_within(ip, 8000)
    finally:
        sb.close()
    return {"held": held, "health_of_10": health, "exec_of_10": execs,
            "idle_rss_kb": idle, "attack_rss_kb": rss, "hwm_kb": hwm,
            "reopened": reopened, "health_after": after}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sandboxd", action="append",
                    help="NAME=PATH of a sandboxd build, repeatable (default: "
                    "this tree's, $SANDBOXD or build/handbox-sandboxd)")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--kind", action="append", choices=("idle", "trickle"))
    ap.add_argument("--image", help="default %s, or the sandbox image with --inside"
                    % lib.BUSYBOX_IMAGE)
    ap.add_argument("--inside", action="store_true",
                    help="hold the connections from inside the sandbox (its python3), "
                    "to its own 127.0.0.1:8000")
    ap.add_argument("--json")
    a = ap.parse_args()
    a.image = a.image or (lib.sandbox_image() if a.inside else lib.BUSYBOX_IMAGE)
    builds = [s.split("=", 1) for s in a.sandboxd or ["this=" + sandbox_container.SANDBOXD]]
    for name, path in builds:
        if not os.access(path, os.X_OK):
            raise SystemExit("--sandboxd %s=%s: no such executable" % (name, path))
    results = {}
    print("%d slow clients against sandboxd in %s (%s); probes from the host, "
          "answered within 1 s" % (a.count, a.image, "from inside, to 127.0.0.1:8000"
                                    if a.inside else "from the host, to the container's "
                                    "bridge address"))
    print("%-10s %-8s %5s %8s %8s %10s %10s %10s %9s" % (
        "build", "kind", "held", "health", "exec", "idle MB", "attack MB", "peak MB", "reopened"))
    for name, path in builds:
        for kind in a.kind or ["idle", "trickle"]:
            r = run_one(os.path.abspath(path), a.image, kind, a.count, a.inside)
            results["%s/%s" % (name, kind)] = r
            print("%-10s %-8s %5d %5d/10 %5d/10 %10.1f %10.1f %10.1f %9d" % (
                name, kind, r["held"], r["health_of_10"], r["exec_of_10"],
                r["idle_rss_kb"] / 1024, r["attack_rss_kb"] / 1024, r["hwm_kb"] / 1024,
                r["reopened"]))
    if a.json:
        lib.dump(a.json, {"count": a.count, "image": a.image, "inside": a.inside,
                          "machine": lib.machine(), "results": results})


if __name__ == "__main__":
    sys.exit(main())
