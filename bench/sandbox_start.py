#!/usr/bin/python3
"""Sandbox start-up, side by side with the docker CLI: each round times,
wall-clock from the start of the process to its end,

  handbox sandbox create --json   (create, start, wait until /health answers)
  handbox sandbox create --json --network bridge
                                  (the same on the engine's default bridge, as
                                  before sandboxes got handbox-sandboxes and
                                  the host firewall: what isolation costs)
  docker run --rm IMAGE true      (the peer: the goal is create <= 1.2x this)
  docker run --rm -p x5 IMAGE true (the same with the 5 publications a
                                   sandbox has: 8000 8001 8002 8011 8012)
  docker run --rm --network none IMAGE true   (no network set up at all)
  docker run -d IMAGE sleep 3600 + docker exec ID true
                                  (a container one can run a command in)
  docker run -d -p x5 sandboxd, docker port, poll /health
                                  (what `sandbox create` does, by docker CLI)

and then the removals: `handbox sandbox rm ID`, `docker rm -f` of the sleep
container and of the sandboxd one. To show where the time goes, the steps
`sandbox create` makes are also timed one by one by calling the Engine API
directly (create, start, inspect, wait for /health, and then delete), with
the 5 ports published and with none. The variants are interleaved (their
order rotates every round) so the machine's noise hits them alike. Prints
median, p90 and min of each, and the ratio of each median to `docker run
--rm true`.
Usage: bench/sandbox_start.py [--rounds 20] [--image IMG]..."""
import argparse
import sys
import time

import lib

CREATE = "handbox sandbox create --json"
CREATE_BRIDGE = "handbox sandbox create --json --network bridge"
RUN_TRUE = "docker run --rm IMAGE true"
RUN_TRUE_P5 = "docker run --rm -p x5 IMAGE true"
RUN_TRUE_NONET = "docker run --rm --network none IMAGE true"
RUN_EXEC = "docker run -d IMAGE sleep 3600 + docker exec ID true"
RUN_SANDBOXD = "docker run -d -p x5 sandboxd + docker port + /health"
RM = "handbox sandbox rm ID"
RM_SLEEP = "docker rm -f ID (the sleep 3600 container)"
RM_SANDBOXD = "docker rm -f ID (the sandboxd container, 5 ports)"


def handbox_create(fleet, image):
    dt, sb = fleet.create(image)
    if not lib.health_ok(sb["url"]):
        raise RuntimeError("sandbox %s does not answer /health after create" % sb["id"])
    return {CREATE: dt, RM: fleet.rm([sb["id"]])}


def handbox_create_bridge(fleet, image):
    dt, sb = fleet.create(image, "--network", "bridge")
    if not lib.health_ok(sb["url"]):
        raise RuntimeError("sandbox %s does not answer /health after create" % sb["id"])
    fleet.rm([sb["id"]])
    return {CREATE_BRIDGE: dt}


def run_true(fleet, image):
    return {RUN_TRUE: lib.timed(fleet.run_argv(image, ["true"], detach=False))[0]}


def run_true_p5(fleet, image):
    return {RUN_TRUE_P5: lib.timed(fleet.run_argv(image, ["true"], publish=True,
                                                  detach=False))[0]}


def run_true_nonet(fleet, image):
    argv = fleet.run_argv(image, ["true"], detach=False)
    argv[argv.index(image):argv.index(image)] = ["--network", "none"]
    return {RUN_TRUE_NONET: lib.timed(argv)[0]}


def run_exec(fleet, image):
    t0 = time.perf_counter()
    cid = lib.run_checked(fleet.run_argv(image, ["sleep", "3600"])).strip()
    lib.run_checked(["docker", "exec", cid, "true"])
    dt = time.perf_counter() - t0
    return {RUN_EXEC: dt, RM_SLEEP: lib.timed(["docker", "rm", "-f", cid])[0]}


def run_sandboxd(fleet, image):
    """The docker CLI's way to what `sandbox create` does: run sandboxd
    bind-mounted as PID 1 with the 5 ports published, ask where 8000 went,
    poll /health (5 ms apart, as handbox does at first)."""
    argv = fleet.run_argv(image, ["--port", "8000", "--host", "0.0.0.0"], publish=True)
    i = argv.index(image)
    argv[i:i] = ["-v", "%s:/.handbox/sandboxd:ro" % fleet.env["HANDBOX_SANDBOXD"],
                 "--entrypoint", "/.handbox/sandboxd"]
    t0 = time.perf_counter()
    cid = lib.run_checked(argv).strip()
    port = lib.run_checked(["docker", "port", cid, "8000/tcp"]).split()[0].rsplit(":", 1)[1]
    deadline = t0 + 60
    while not lib.health_ok("http://127.0.0.1:%s" % port):
        if time.perf_counter() > deadline:
            raise RuntimeError("sandboxd in %s never answered /health" % cid[:12])
        time.sleep(0.005)
    dt = time.perf_counter() - t0
    return {RUN_SANDBOXD: dt, RM_SANDBOXD: lib.timed(["docker", "rm", "-f", cid])[0]}


STEPS = ("create", "start", "inspect", "/health answers", "delete")


def api_steps(fleet, image, publish):
    """The Engine API calls `sandbox create` makes, timed one by one (and
    the delete `sandbox rm` makes). Without published ports /health is
    polled on the container's own address."""
    key, value = fleet.label.split("=", 1)
    ports = ["%d/tcp" % p for p in lib.SANDBOX_PORTS]
    body = {"Image": image, "Entrypoint": ["/.handbox/sandboxd"],
            "Cmd": ["--port", "8000", "--host", "0.0.0.0"], "Labels": {key: value},
            "ExposedPorts": {p: {} for p in ports},
            "HostConfig": {
                "Mounts": [{"Type": "bind", "Source": fleet.env["HANDBOX_SANDBOXD"],
                            "Target": "/.handbox/sandboxd", "ReadOnly": True}],
                "PortBindings": {p: [{"HostIp": "127.0.0.1", "HostPort": ""}] for p in ports}
                if publish else {}}}

    def call(method, path, ok, body=None):
        status, reply = lib.engine(method, path, body)
        if status != ok:
            raise RuntimeError("%s %s: %d %s" % (method, path, status, reply))
        return reply

    t = [time.perf_counter()]
    cid = call("POST", "/containers/create", 201, body)["Id"]
    t.append(time.perf_counter())
    call("POST", "/containers/%s/start" % cid, 204)
    t.append(time.perf_counter())
    net = call("GET", "/containers/%s/json" % cid, 200)["NetworkSettings"]
    url = ("http://127.0.0.1:%s" % net["Ports"]["8000/tcp"][0]["HostPort"] if publish
           else "http://%s:8000" % net["IPAddress"])
    t.append(time.perf_counter())
    while not lib.health_ok(url):
        if time.perf_counter() > t[0] + 60:
            raise RuntimeError("sandboxd in %s never answered /health" % cid[:12])
        time.sleep(0.005)
    t.append(time.perf_counter())
    call("DELETE", "/containers/%s?force=1&v=1" % cid, 204)
    t.append(time.perf_counter())
    tag = "API, 5 ports: " if publish else "API, no port: "
    steps = {tag + name: t[i + 1] - t[i] for i, name in enumerate(STEPS)}
    steps[tag + "create to ready"] = t[4] - t[0]
    return steps


def api_steps_p5(fleet, image):
    return api_steps(fleet, image, True)


def api_steps_noport(fleet, image):
    return api_steps(fleet, image, False)


VARIANTS = (handbox_create, handbox_create_bridge, run_true, run_true_p5, run_true_nonet, run_exec, run_sandboxd,
            api_steps_p5, api_steps_noport)
ORDER = (CREATE, CREATE_BRIDGE, RUN_TRUE, RUN_TRUE_P5, RUN_TRUE_NONET, RUN_EXEC, RUN_SANDBOXD,
         RM, RM_SLEEP, RM_SANDBOXD)


def bench_image(fleet, image, rounds):
    for v in VARIANTS:  # warm-up: the image and binaries in the page cache
        v(fleet, image)
    times = {}
    for r in range(rounds):
        k = r % len(VARIANTS)
        for v in VARIANTS[k:] + VARIANTS[:k]:
            for name, dt in v(fleet, image).items():
                times.setdefault(name, []).append(dt)
        print("  %s: round %d/%d" % (image, r + 1, rounds), file=sys.stderr, end="\r")
    print(file=sys.stderr)
    rows = {name: lib.stats(times[name]) for name in ORDER}
    steps = {tag: {name: lib.stats(times["API, %s: %s" % (tag, name)])
                   for name in STEPS + ("create to ready",)}
             for tag in ("5 ports", "no port")}
    return rows, steps


def print_steps(title, steps):
    print("\n" + title)
    print("%-30s %18s %18s" % ("Engine API step (median ms)", "5 ports published",
                               "no port"))
    for name in STEPS + ("create to ready",):
        print("%-30s %18.1f %18.1f" % (name, steps["5 ports"][name]["median_ms"],
                                       steps["no port"][name]["median_ms"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=20, help="timed rounds (default 20)")
    lib.add_images_args(ap)
    a = ap.parse_args()
    images = lib.images_of(a)
    result = {"machine": lib.machine(), "rounds": a.rounds, "images": {}}
    with lib.Fleet() as fleet:
        for image in images:
            rows, steps = bench_image(fleet, image, a.rounds)
            result["images"][image] = {"commands": rows, "api_steps": steps}
            lib.print_stats("start-up in %s (%d rounds, interleaved; ratio: median / `%s`)"
                            % (image, a.rounds, RUN_TRUE), rows, baseline=RUN_TRUE)
            c = rows[CREATE]["median_ms"]
            print("handbox create / docker run --rm true: %.2f (goal <= 1.2);"
                  " / docker run --rm -p x5 true: %.2f"
                  % (c / rows[RUN_TRUE]["median_ms"], c / rows[RUN_TRUE_P5]["median_ms"]))
            print("isolation (handbox-sandboxes and the host firewall) against the "
                  "default bridge: %+.1f ms" % (c - rows[CREATE_BRIDGE]["median_ms"]))
            print_steps("where the time goes in %s: `sandbox create`'s Engine API calls, "
                        "timed one by one" % image, steps)
    print("\nmachine: %d CPUs, load average %.2f at the start, docker %s"
          % (result["machine"]["cpus"], result["machine"]["loadavg"][0],
             result["machine"]["docker"]))
    if a.json:
        lib.dump(a.json, result)


if __name__ == "__main__":
    sys.exit(main())
