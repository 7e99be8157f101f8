"""Shared helpers for the benchmarks: a sandboxd container on the real Docker
engine (tests/lib/sandbox_container.py), percentile maths, tables; for the
sandbox start-up benchmarks, the `handbox` CLI and docker containers that are
always cleaned up (Fleet) and /proc and cgroup readings of containers."""
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

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


# ---------------------------------------------------------------------------
# Sandbox start-up and footprint (bench/sandbox_*.py): the `handbox` CLI side
# by side with the docker CLI, on the same image.

HANDBOX = os.path.abspath(os.environ.get("HANDBOX") or os.path.join(ROOT, "build", "handbox"))
# the ports a sandbox publishes, and the same publications for `docker run`
SANDBOX_PORTS = (8000, 8001, 8002, 8011, 8012)
PUBLISH = [a for p in SANDBOX_PORTS for a in ("-p", "127.0.0.1::%d" % p)]
BUSYBOX_IMAGE = "handbox/busybox:latest"
# the sandbox image, under its new name or its old one
SANDBOX_IMAGES = ("handbox/sandbox:latest", "handbox/debian:bookworm")


def image_exists(image):
    return subprocess.run(["docker", "image", "inspect", image], capture_output=True).returncode == 0


def sandbox_image():
    """handbox/sandbox:latest, or handbox/debian:bookworm before the rename."""
    return next((i for i in SANDBOX_IMAGES if image_exists(i)), SANDBOX_IMAGES[0])


def add_images_args(ap):
    """--image (repeatable) and --json, for the scripts that run on several images."""
    ap.add_argument("--image", action="append",
                    help="image, repeatable (default: %s and the sandbox image, %s)"
                    % (BUSYBOX_IMAGE, " or ".join(SANDBOX_IMAGES)))
    ap.add_argument("--json", help="also write the figures to this file")


def images_of(args):
    return args.image or [BUSYBOX_IMAGE, sandbox_image()]


def stats(values_s):
    """median, p90, min and max of durations in seconds, in ms."""
    ms = [v * 1000 for v in values_s]
    return {"n": len(ms), "median_ms": statistics.median(ms), "p90_ms": percentile(ms, 90),
            "min_ms": min(ms), "max_ms": max(ms)}


def print_stats(title, rows, baseline=None):
    """rows: name -> stats(); the ratio column is median / baseline's median."""
    print("\n" + title)
    print("%-58s %4s %9s %9s %9s %7s" % ("", "n", "median ms", "p90 ms", "min ms", "ratio"))
    base = rows[baseline]["median_ms"] if baseline in rows else None
    for name, r in rows.items():
        ratio = "%.2f" % (r["median_ms"] / base) if base else ""
        print("%-58s %4d %9.1f %9.1f %9.1f %7s" % (name, r["n"], r["median_ms"], r["p90_ms"],
                                                   r["min_ms"], ratio))


def machine():
    """What the figures were measured on, for the JSON and the header."""
    return {"cpus": os.cpu_count(), "loadavg": os.getloadavg(),
            "docker": subprocess.run(["docker", "version", "-f", "{{.Server.Version}}"],
                                     capture_output=True, text=True).stdout.strip()}


def cpu_ticks():
    """(busy, total) clock ticks of all CPUs so far, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]  # idle + iowait
    return sum(v) - idle, sum(v)


def busy_since(ticks):
    """The share of the CPUs' time spent busy since cpu_ticks() gave ticks."""
    busy, total = cpu_ticks()
    return (busy - ticks[0]) / max(1, total - ticks[1])


def run_checked(argv, env=None):
    """Runs argv to its end; its stdout, or RuntimeError with its stderr."""
    p = subprocess.run(argv, capture_output=True, text=True, env=env)
    if p.returncode:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(argv[:4]), p.returncode,
                                                   p.stderr.strip()))
    return p.stdout


def timed(argv, env=None):
    """Wall-clock seconds from the start of process argv to its end, and its stdout."""
    t0 = time.perf_counter()
    out = run_checked(argv, env)
    return time.perf_counter() - t0, out


def health_ok(url):
    try:
        with urllib.request.urlopen(url + "/health", timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


DOCKER_SOCK = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock").replace("unix://", "")


class _UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=60)
        self.sock_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.sock_path)


def engine(method, path, body=None):
    """One Engine API call on the unix socket: (status, decoded JSON or None)."""
    c = _UnixHTTP(DOCKER_SOCK)
    try:
        c.request(method, path, json.dumps(body) if body is not None else None,
                  {"Content-Type": "application/json"} if body is not None else {})
        r = c.getresponse()
        data = r.read()
    finally:
        c.close()
    return r.status, json.loads(data) if data else None


class _Interrupted(BaseException):
    pass


class Fleet:
    """Whatever a benchmark creates, removed when the `with` block ends, even
    on failure, Ctrl-C or SIGTERM: handbox sandboxes (in a private
    HANDBOX_STATE_DIR, whose path the engine keeps as the container label
    handbox.state_dir) and docker containers (label handbox.bench=TOKEN)."""

    def __init__(self):
        if not os.access(HANDBOX, os.X_OK):
            raise SystemExit("%s is missing: run make first (or set HANDBOX)" % HANDBOX)
        sandboxd = os.path.abspath(os.environ.get("HANDBOX_SANDBOXD") or os.path.join(
            os.path.dirname(HANDBOX), "handbox-sandboxd"))
        self.state_dir = tempfile.mkdtemp(prefix="hb-bench-state-")
        self.env = dict(os.environ, HANDBOX_STATE_DIR=self.state_dir, HANDBOX_SANDBOXD=sandboxd)
        self.label = "handbox.bench=" + secrets.token_hex(6)
        self._old = {}

    def __enter__(self):
        def stop(signum, frame):
            raise _Interrupted()
        for s in (signal.SIGTERM, signal.SIGHUP):
            self._old[s] = signal.signal(s, stop)
        return self

    def __exit__(self, *exc):
        interrupted = exc[0] in (_Interrupted, KeyboardInterrupt)
        # a create cut short may still be finishing in the engine: look twice
        self.cleanup(again_after=1 if interrupted else 0)
        for s, h in self._old.items():
            signal.signal(s, h)
        if interrupted:
            raise SystemExit("interrupted: cleaned up")

    # handbox --------------------------------------------------------------
    def handbox_argv(self, *args):
        return [HANDBOX, "sandbox"] + list(args)

    def create_argv(self, image, *extra):
        return self.handbox_argv("create", "--image", image, "--json", *extra)

    def create(self, image, *extra):
        """`handbox sandbox create --json [extra…]`: (seconds, its JSON)."""
        dt, out = timed(self.create_argv(image, *extra), self.env)
        return dt, json.loads(out)

    def rm(self, ids):
        """`handbox sandbox rm ID…`: seconds."""
        return timed(self.handbox_argv("rm", *ids), self.env)[0]

    # docker ---------------------------------------------------------------
    def run_argv(self, image, cmd, publish=False, detach=True):
        """`docker run` of image (labelled ours): -d, or --rm when not detached."""
        return (["docker", "run", "-d" if detach else "--rm", "--label", self.label]
                + (PUBLISH if publish else []) + [image] + list(cmd))

    def run(self, image, cmd, publish=False):
        """`docker run -d`: (seconds, container id)."""
        dt, out = timed(self.run_argv(image, cmd, publish))
        return dt, out.strip()

    def leftovers(self):
        ids = set()
        for label in (self.label, "handbox.state_dir=" + self.state_dir):
            ids.update(subprocess.run(["docker", "ps", "-aq", "--filter", "label=" + label],
                                      capture_output=True, text=True).stdout.split())
        return sorted(ids)

    def cleanup(self, again_after=0):
        # a Ctrl-C repeated during the clean-up must not cut it short
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            for delay in (0, again_after) if again_after else (0,):
                time.sleep(delay)
                ids = self.leftovers()
                if ids:
                    subprocess.run(["docker", "rm", "-f", "-v"] + ids, capture_output=True)
            left = self.leftovers()
            if left:
                print("warning: could not remove containers %s" % " ".join(left), file=sys.stderr)
            shutil.rmtree(self.state_dir, ignore_errors=True)
        finally:
            signal.signal(signal.SIGINT, old)


# /proc and cgroup readings of a container, from the host --------------------

def container_pid(name):
    """The host PID of a container's PID 1, and its full id."""
    out = run_checked(["docker", "inspect", "-f", "{{.State.Pid}} {{.Id}}", name])
    pid, cid = out.split()
    return int(pid), cid


def proc_kb(pid, field, path="status"):
    """A kB field of /proc/PID/status (VmRSS…) or smaps_rollup (Pss…)."""
    with open("/proc/%d/%s" % (pid, path)) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def parent_pid(pid):
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def _cgroup_dirs(pid, cid):
    """Where the memory controller of PID's cgroup may be: the path
    /proc/PID/cgroup names, then the usual docker layouts (v1 and v2)."""
    dirs = []
    with open("/proc/%d/cgroup" % pid) as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            if "memory" in ctrls.split(","):
                dirs.append("/sys/fs/cgroup/memory" + path)
            elif ctrls == "":
                dirs.append("/sys/fs/cgroup" + path)
                dirs.append("/sys/fs/cgroup/unified" + path)
    dirs += ["/sys/fs/cgroup/memory/docker/" + cid,
             "/sys/fs/cgroup/system.slice/docker-%s.scope" % cid,
             "/sys/fs/cgroup/docker/" + cid]
    return dirs


def cgroup_memory_kb(pid, cid):
    """The container's cgroup memory: usage (v1 memory.usage_in_bytes, v2
    memory.current: page cache included), and of it the anonymous memory
    (memory.stat total_rss / anon) and the page cache (total_cache / file)."""
    for d in _cgroup_dirs(pid, cid):
        for usage_file, anon_key, cache_key in (
                ("memory.usage_in_bytes", "total_rss", "total_cache"),
                ("memory.current", "anon", "file")):
            try:
                with open(os.path.join(d, usage_file)) as f:
                    usage = int(f.read())
                with open(os.path.join(d, "memory.stat")) as f:
                    st = dict(line.split() for line in f)
            except OSError:
                continue
            return {"usage_kb": usage // 1024, "anon_kb": int(st[anon_key]) // 1024,
                    "cache_kb": int(st[cache_key]) // 1024}
    raise RuntimeError("no memory cgroup found for PID %d (container %s)" % (pid, cid[:12]))


def docker_proxies(host_ports):
    """PIDs of the engine's docker-proxy processes that listen on host_ports."""
    want = {str(p) for p in host_ports}
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                argv = f.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        if argv and argv[0].endswith("docker-proxy") and "-host-port" in argv:
            i = argv.index("-host-port")
            if i + 1 < len(argv) and argv[i + 1] in want:
                pids.append(int(d))
    return pids


def host_ports(name):
    """The host ports a container's published ports are bound to."""
    out = run_checked(["docker", "port", name])
    return [int(line.rsplit(":", 1)[1]) for line in out.splitlines() if ":" in line]
