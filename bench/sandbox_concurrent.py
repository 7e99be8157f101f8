#!/usr/bin/python3
"""Concurrent start-up: N processes started at once (default 20), side by
side with the docker CLI:

  N x handbox sandbox create --json             (each returns once its
                                                sandbox answers /health)
  N x docker run -d -p x5 IMAGE sleep 3600     (the same 5 publications:
                                                8000 8001 8002 8011 8012)
  N x docker run -d IMAGE sleep 3600           (no port: what publishing costs)

For each batch: the wall time until all N processes have ended, the
median and max time of one process, and how busy the machine's CPUs were
meanwhile (/proc/stat: all processes, not only these). The sandboxes are then checked: N
distinct host ports for 8000 (and no host port used twice), every one
answering /health; the docker containers: all running, their ports
distinct. Each batch is then removed by one command, which is timed too
(`handbox sandbox rm ID...`, `docker rm -f ID...`). The batches alternate
over the rounds. Everything made is removed, even on failure or Ctrl-C.
Usage: bench/sandbox_concurrent.py [--count 20] [--rounds 3] [--image IMG]"""
import argparse
import json
import statistics
import subprocess
import sys
import threading
import time

import lib

CREATE = "handbox sandbox create --json"
RUN_P5 = "docker run -d -p x5 IMAGE sleep 3600"
RUN = "docker run -d IMAGE sleep 3600 (no port)"
RM = {CREATE: "handbox sandbox rm ID...", RUN_P5: "docker rm -f ID... (5 ports each)",
      RUN: "docker rm -f ID... (no port)"}


def launch_all(argvs, env=None):
    """Starts every argv at once; returns [(seconds, stdout)] once all have
    ended, the wall time, and how busy the CPUs were meanwhile. A process still running when this is cut
    short (Ctrl-C) is terminated and waited for before the exception goes on."""
    procs, results = [], [None] * len(argvs)
    lock = threading.Lock()

    def one(i, argv):
        t0 = time.perf_counter()
        try:
            with lock:
                p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
                procs.append(p)
            out, err = p.communicate()
            results[i] = (time.perf_counter() - t0, out, p.returncode, err.strip())
        except Exception as e:  # reported by the caller
            results[i] = (time.perf_counter() - t0, "", -1, repr(e))

    threads = [threading.Thread(target=one, args=(i, a)) for i, a in enumerate(argvs)]
    ticks = lib.cpu_ticks()
    t0 = time.perf_counter()
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        with lock:
            for p in procs:
                if p.poll() is None:
                    p.terminate()
        for t in threads:
            t.join()
    wall = time.perf_counter() - t0
    busy = lib.busy_since(ticks)
    failed = [r[3] for r in results if r[2] != 0]
    if failed:
        raise RuntimeError("%d of %d failed, e.g.: %s" % (len(failed), len(argvs), failed[0]))
    return [(r[0], r[1]) for r in results], wall, busy


def check_ports(port_lists, what):
    """port_lists: the host ports of each container, 8000's first."""
    firsts = [ports[0] for ports in port_lists]
    every = [p for ports in port_lists for p in ports]
    if len(set(firsts)) != len(firsts) or len(set(every)) != len(every):
        raise RuntimeError("%s: a host port is used twice: %s" % (what, port_lists))


def batch_handbox(fleet, image, n):
    res, wall, busy = launch_all([fleet.create_argv(image)] * n, fleet.env)
    sbs = [json.loads(out) for _, out in res]
    check_ports([[sb["ports"][str(p)] for p in lib.SANDBOX_PORTS] for sb in sbs], CREATE)
    dead = [sb["id"] for sb in sbs if not lib.health_ok(sb["url"])]
    if dead:
        raise RuntimeError("sandboxes not answering /health: %s" % " ".join(dead))
    return [r[0] for r in res], wall, busy, fleet.rm([sb["id"] for sb in sbs])


def batch_docker(fleet, image, n, publish):
    res, wall, busy = launch_all([fleet.run_argv(image, ["sleep", "3600"], publish=publish)] * n)
    ids = [out.strip() for _, out in res]
    states = lib.run_checked(["docker", "inspect", "-f", "{{.State.Running}}"] + ids).split()
    if states != ["true"] * n:
        raise RuntimeError("not all containers are running: %s" % states)
    if publish:
        ports = []
        for cid in ids:
            out = lib.run_checked(["docker", "port", cid])
            by = {line.split("/")[0]: int(line.rsplit(":", 1)[1]) for line in out.splitlines()}
            ports.append([by[str(p)] for p in lib.SANDBOX_PORTS])
        check_ports(ports, RUN_P5)
    return [r[0] for r in res], wall, busy, lib.timed(["docker", "rm", "-f"] + ids)[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=20, help="processes at once (default 20)")
    ap.add_argument("--rounds", type=int, default=3, help="batches of each kind (default 3)")
    ap.add_argument("--image", help="image (default: the sandbox image, %s)"
                    % " or ".join(lib.SANDBOX_IMAGES))
    ap.add_argument("--json", help="also write the figures to this file")
    a = ap.parse_args()
    image = a.image or lib.sandbox_image()
    batches = [
        (CREATE, lambda f: batch_handbox(f, image, a.count)),
        (RUN_P5, lambda f: batch_docker(f, image, a.count, True)),
        (RUN, lambda f: batch_docker(f, image, a.count, False)),
    ]
    walls, each, busies, rms = {}, {}, {}, {}
    with lib.Fleet() as fleet:
        for r in range(a.rounds):
            k = r % len(batches)
            for name, run in batches[k:] + batches[:k]:
                times, wall, busy, rm = run(fleet)
                walls.setdefault(name, []).append(wall)
                busies.setdefault(name, []).append(busy)
                each.setdefault(name, []).extend(times)
                rms.setdefault(name, []).append(rm)
                print("  round %d: %-45s all ready in %.2f s, CPUs %.0f%% busy"
                      % (r + 1, name, wall, 100 * busy), file=sys.stderr)
    rows = {}
    print("\n%d processes at once in %s (%d rounds; medians over the rounds)"
          % (a.count, image, a.rounds))
    print("%-44s %11s %13s %13s %10s %11s" % ("", "all done s", "one: median s", "one: max s",
                                              "CPUs busy", "rm all s"))
    for name, _ in batches:
        rows[name] = {"wall_s": statistics.median(walls[name]),
                      "one_median_s": statistics.median(each[name]),
                      "one_max_s": max(each[name]),
                      "cpu_busy": statistics.median(busies[name]),
                      "rm_all_s": statistics.median(rms[name]),
                      "walls_s": walls[name]}
        r = rows[name]
        print("%-44s %11.2f %13.2f %13.2f %9.0f%% %11.2f" % (
            name, r["wall_s"], r["one_median_s"], r["one_max_s"], 100 * r["cpu_busy"],
            r["rm_all_s"]))
    print("all %d sandboxes of each round: distinct host ports, all answered /health" % a.count)
    print("handbox / docker run -d -p x5, all done: %.2f"
          % (rows[CREATE]["wall_s"] / rows[RUN_P5]["wall_s"]))
    if a.json:
        lib.dump(a.json, {"machine": lib.machine(), "image": image, "count": a.count,
                          "rounds": a.rounds, "batches": rows})


if __name__ == "__main__":
    sys.exit(main())
