"""The Docker backend through `handbox sandbox …`, against the real
engine: containers, published ports, mounts, users, limits, networks,
re-attaching, gc, concurrency, and the errors users meet."""
import concurrent.futures
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from handbox_cli import Handbox, HANDBOX, SANDBOXD  # noqa: E402
from host_http import serve_hello  # noqa: E402
from sandbox_container import IMAGES, require_engine, require_image  # noqa: E402

DEBIAN = IMAGES["debian"]
BUSYBOX = IMAGES["busybox"]


@pytest.fixture(scope="module", autouse=True)
def engine():
    require_engine()
    for image in IMAGES.values():
        require_image(image)
    assert os.access(HANDBOX, os.X_OK), "build it first: make"


@pytest.fixture
def hb(tmp_path):
    h = Handbox(tmp_path / "state")
    yield h
    h.rm_all()


def docker(*args):
    r = subprocess.run(["docker"] + list(args), capture_output=True, text=True)
    return r


def container_exists(name):
    return docker("inspect", name).returncode == 0


def server_id(hb):
    """The server id of hb's state directory (made on first use)."""
    hb.run("sandbox", "ls", check=True)
    with open(os.path.join(hb.state_dir, "server-id")) as f:
        return f.read().strip()


def ours(hb):
    """The containers, running or not, that hb's state directory made."""
    return docker("ps", "-aq", "--filter", "label=handbox.owner=" + server_id(hb)).stdout.split()


def listening_address(port):
    """The local address a TCP listener on `port` is bound to (ss)."""
    out = subprocess.run(["ss", "-Hltn", "sport = :%d" % port], capture_output=True,
                         text=True).stdout
    return [line.split()[3].rsplit(":", 1)[0] for line in out.splitlines()]


@pytest.mark.parametrize("image", sorted(IMAGES))
def test_create_exec_rm_in_each_image(hb, image):
    sb = hb.create("--image", IMAGES[image])
    assert sb.container == "oh-agent-server-" + sb.id
    assert sorted(sb.ports) == [8000, 8001, 8002, 8011, 8012]
    assert len(set(sb.ports.values())) == 5
    out = sb.run("id -u; cat /proc/1/cmdline | tr '\\0' ' '")
    assert out["exit_code"] == 0, out
    assert out["stdout"].splitlines()[0] == "1000"
    assert "/.handbox/sandboxd" in out["stdout"]
    labels = json.loads(docker("inspect", "-f", "{{json .Config.Labels}}", sb.container).stdout)
    assert labels["handbox.sandbox"] == sb.id
    with open(os.path.join(hb.state_dir, "server-id")) as f:
        assert labels["handbox.owner"] == f.read().strip()
    r = hb.run("sandbox", "rm", sb.id, check=True)
    assert "removed " + sb.id in r.out
    hb.created.remove(sb.id)
    assert not container_exists(sb.container)


def test_session_key_required_and_sandboxd_read_only(hb):
    sb = hb.create("--image", BUSYBOX)
    status, _ = sb.post("/api/bash/execute_bash_command", {"command": "true"}, key=None)
    assert status == 401
    status, _ = sb.post("/api/bash/execute_bash_command", {"command": "true"}, key="wrong")
    assert status == 401
    out = sb.run("echo x > /.handbox/sandboxd", timeout=10)
    assert out["exit_code"] != 0
    assert "Read-only file system" in out["stderr"] or "Permission denied" in out["stderr"]
    out = sb.run("env")
    assert sb.key not in out["stdout"], "the session key leaked into commands"
    other = hb.create("--image", BUSYBOX)
    assert other.key != sb.key


def test_app_in_sandbox_reachable_on_published_port(hb):
    sb = hb.create("--image", DEBIAN)
    sb.run("mkdir -p /tmp/site && echo hello-from-8011 > /tmp/site/index.html && "
           "(cd /tmp/site && nohup python3 -m http.server 8011 >/dev/null 2>&1 &)")
    url = "http://127.0.0.1:%d/index.html" % sb.ports[8011]
    body = None
    for _ in range(100):
        try:
            body = urllib.request.urlopen(url, timeout=5).read()
            break
        except OSError:
            sb.run("sleep 0.1")
    assert body == b"hello-from-8011\n"
    r = hb.run("sandbox", "ports", sb.id, check=True)
    assert "8011 http://127.0.0.1:%d" % sb.ports[8011] in r.out


def test_binding_address_loopback_by_default_and_all_when_asked(hb):
    sb = hb.create("--image", BUSYBOX)
    for port in sb.ports.values():
        assert listening_address(port) == ["127.0.0.1"], (port, listening_address(port))
    wide = hb.create("--image", BUSYBOX, env={"SANDBOX_RUNTIME_BINDING_ADDRESS": "0.0.0.0"})
    assert "0.0.0.0" in listening_address(wide.ports[8000])
    assert wide.url.startswith("http://127.0.0.1:")
    status, _ = wide.get("/health")
    assert status == 200


def test_rw_and_ro_mounts_and_host_uid(hb, tmp_path):
    work, data = tmp_path / "work", tmp_path / "data"
    work.mkdir()
    data.mkdir()
    (data / "ref.txt").write_text("reference\n")
    os.chown(work, 4321, 4321)
    sb = hb.create("--image", DEBIAN, "--user-id", "4321",
                   env={"SANDBOX_VOLUMES": "%s:/workspace:rw,%s:/data:ro" % (work, data)})
    out = sb.run("pwd; id -u; echo made > /workspace/new.txt; mkdir /workspace/d; cat /data/ref.txt")
    assert out["exit_code"] == 0, out
    assert out["stdout"] == "/workspace\n4321\nreference\n"
    st = os.stat(work / "new.txt")
    assert (st.st_uid, st.st_gid) == (4321, 4321)
    assert os.stat(work / "d").st_uid == 4321
    assert (work / "new.txt").read_text() == "made\n"
    out = sb.run("echo x > /data/ref.txt")
    assert out["exit_code"] != 0
    assert "Read-only file system" in out["stderr"]
    assert (data / "ref.txt").read_text() == "reference\n"


def test_named_volume_and_legacy_workspace(hb, tmp_path):
    vol = "handbox-test-vol-%d" % os.getpid()
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    os.chown(legacy, 1000, 1000)
    try:
        r = hb.run("sandbox", "create", "--json", "--image", BUSYBOX,
                   env={"WORKSPACE_BASE": str(legacy),
                        "SANDBOX_VOLUMES": "%s:/cache" % vol})
        assert r.returncode == 0, r.err
        assert "WORKSPACE_BASE and WORKSPACE_MOUNT_PATH are deprecated" in r.err
        sb_info = json.loads(r.out)
        hb.created.append(sb_info["id"])
        from handbox_cli import CreatedSandbox
        sb = CreatedSandbox(sb_info)
        out = sb.run("pwd; echo v > /workspace/w; echo c > /cache/c 2>&1 || id")
        assert out["stdout"].splitlines()[0] == "/workspace"
        assert (legacy / "w").read_text() == "v\n"
        assert docker("volume", "inspect", vol).returncode == 0
        hb.rm_all()
        assert docker("volume", "inspect", vol).returncode == 0, "a named volume is the user's"
    finally:
        docker("volume", "rm", "-f", vol)


def test_memory_limit_kills_the_allocation(hb):
    sb = hb.create("--image", DEBIAN, "--memory", "64m")
    mem = docker("inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}",
                 sb.container).stdout.split()
    assert mem == [str(64 << 20)] * 2
    out = sb.run("python3 -c 'b = bytearray(512 << 20); print(len(b))'", timeout=60)
    assert out["exit_code"] == 128 + 9, out
    assert "536870912" not in (out["stdout"] or "")
    # the CLI says why
    r = hb.run("sandbox", "exec", sb.id, "--", "python3", "-c", "b = bytearray(512 << 20)")
    assert r.returncode == 137, r.err
    assert "ran out of memory" in r.err
    r = hb.run("sandbox", "exec", sb.id, "--", "sh", "-c", "kill -9 $$")
    assert r.returncode == 137 and "memory" not in r.err
    # sandboxd (PID 1) survived and still serves
    assert sb.run("echo alive")["stdout"] == "alive\n"
    state = hb.inspect(sb.id)
    assert state["state"] == "running"


def test_limits_and_env_reach_the_container(hb):
    # (--env SESSION_API_KEY=… is refused now: test_hardening.py)
    sb = hb.create("--image", BUSYBOX, "--cpus", "0.5", "--pids", "100",
                   "--env", "FOO=bar baz")
    hc = json.loads(docker("inspect", "-f", "{{json .HostConfig}}", sb.container).stdout)
    assert hc["NanoCpus"] == 500_000_000
    assert hc["PidsLimit"] == 100
    assert "host.docker.internal:host-gateway" in hc["ExtraHosts"]
    assert sb.run("echo $FOO")["stdout"] == "bar baz\n"
    status, _ = sb.get("/api/handbox/ports")
    assert status == 200, "the session key is the one handbox made"


def test_host_reachable_when_allowed_and_isolated_network_has_no_way_out(hb):
    """A normal sandbox reaches a host port it was allowed
    (host.docker.internal, as the reference sets it up); an isolated one
    has no host alias and no route out, and the host still drives it.
    (What sandboxes may not reach: test_isolation.py.)"""
    server = serve_hello()
    port = server.server_address[1]
    try:
        fetch = ("python3 -c \"import urllib.request as u; "
                 "print(u.urlopen('%s', timeout=5).status)\"")
        to_host = fetch % ("http://host.docker.internal:%d" % port)
        sb = hb.create("--image", DEBIAN, "--allow-host-port", str(port))
        assert sb.run(to_host, timeout=30)["stdout"] == "200\n"
        iso = hb.create("--image", DEBIAN, "--network", "isolated")
        out = iso.run(to_host, timeout=30)
        assert out["exit_code"] != 0, "host.docker.internal resolves in an isolated sandbox"
        assert docker("network", "inspect", "-f", "{{.Internal}}",
                      "handbox-isolated").stdout.strip() == "true"
        assert iso.run("echo in")["stdout"] == "in\n"
        assert hb.inspect(iso.id)["url"] == "http://%s:8000" % docker(
            "inspect", "-f", "{{(index .NetworkSettings.Networks \"handbox-isolated\").IPAddress}}",
            iso.container).stdout.strip()
    finally:
        server.shutdown()


def test_reattach_after_the_creating_process_dies(hb):
    sb = hb.create("--image", BUSYBOX)
    # a CLI process killed in the middle of its work
    p = subprocess.Popen([HANDBOX, "sandbox", "exec", sb.id, "--", "sleep", "60"], env=hb.env)
    p.kill()
    p.wait()
    again = hb.inspect(sb.id)
    assert again["session_api_key"] == sb.key
    assert again["url"] == sb.url
    assert again["state"] == "running"
    assert sb.run("echo still")["stdout"] == "still\n"
    # by unique prefix and by container name too
    assert hb.inspect(sb.id[:6])["id"] == sb.id
    assert hb.inspect(sb.container)["id"] == sb.id


def test_lifecycle_stop_start_pause_resume_logs(hb):
    sb = hb.create("--image", BUSYBOX)
    hb.run("sandbox", "pause", sb.id, check=True)
    assert hb.inspect(sb.id)["state"] == "paused"
    hb.run("sandbox", "resume", sb.id, check=True)
    hb.run("sandbox", "stop", sb.id, check=True)
    st = hb.inspect(sb.id)
    assert st["state"] == "exited"
    assert st["exit_code"] == 0, "sandboxd ends cleanly on SIGTERM"
    assert st["oom_killed"] is False
    r = hb.run("sandbox", "exec", sb.id, "--", "true")
    assert r.returncode == 125 and "is exited" in r.err
    hb.run("sandbox", "start", sb.id, check=True)
    st = hb.inspect(sb.id)
    assert st["state"] == "running"
    from handbox_cli import CreatedSandbox
    assert CreatedSandbox(st).run("echo back")["stdout"] == "back\n"
    logs = hb.run("sandbox", "logs", sb.id, check=True).out
    assert logs.count("listening on 0.0.0.0:8000") == 2
    assert "stopping commands" in logs


def test_gc_removes_orphans_and_nothing_else(hb, tmp_path):
    gone_dir = tmp_path / "gone-state"
    other = Handbox(gone_dir)
    orphan_by_dir = other.create("--image", BUSYBOX)
    sleeper = subprocess.Popen(["sleep", "600"])
    orphan_by_pid = hb.create("--image", BUSYBOX, "--owner-pid", sleeper.pid)
    kept_alive = hb.create("--image", BUSYBOX, "--owner-pid", sleeper.pid,
                           env={"SANDBOX_KEEP_RUNTIME_ALIVE": "true"})
    live = hb.create("--image", BUSYBOX)
    bystander = "handbox-test-bystander-%d" % os.getpid()
    assert docker("run", "-d", "--name", bystander, "--label", "handbox.other=1",
                  BUSYBOX, "sleep", "600").returncode == 0
    try:
        r = hb.run("sandbox", "gc", "--json", check=True)
        assert json.loads(r.out)["removed"] == [], "nothing is orphaned yet"
        sleeper.kill()
        sleeper.wait()
        subprocess.run(["rm", "-rf", str(gone_dir)], check=True)
        dry = json.loads(hb.run("sandbox", "gc", "--dry-run", "--json", check=True).out)
        assert sorted(x["id"] for x in dry["removed"]) == sorted([orphan_by_dir.id, orphan_by_pid.id])
        assert container_exists(orphan_by_dir.container)
        r = hb.run("sandbox", "gc", check=True)
        assert "state directory %s is gone" % gone_dir in r.out
        assert "owning process" in r.out
        assert not container_exists(orphan_by_dir.container)
        assert not container_exists(orphan_by_pid.container)
        for kept in (kept_alive, live):
            assert container_exists(kept.container)
        assert container_exists(bystander)
        hb.created = [kept_alive.id, live.id]
    finally:
        docker("rm", "-f", bystander)
        other.rm_all()


def test_gc_and_ls_leave_lookalikes_alone(hb, tmp_path):
    """gc removes by name (prefix + id): a container that carries a
    sandbox's labels under another name (a `docker run` of an image
    committed from a sandbox), or a handbox.sandbox label handbox would
    not write, is no sandbox, and gc must not act on it or on the real
    sandbox whose id it names."""
    live = hb.create("--image", BUSYBOX)
    twin = "handbox-test-twin-%d" % os.getpid()
    odd = "handbox-test-odd-%d" % os.getpid()
    gone = str(tmp_path / "no-such-state-dir")
    assert docker("run", "-d", "--name", twin, "--label", "handbox.sandbox=" + live.id,
                  "--label", "handbox.owner=0", "--label", "handbox.state_dir=" + gone,
                  BUSYBOX, "sleep", "600").returncode == 0
    assert docker("run", "-d", "--name", odd, "--label", "handbox.sandbox=yes",
                  BUSYBOX, "sleep", "600").returncode == 0
    try:
        assert [s["id"] for s in hb.ls()].count(live.id) == 1
        assert hb.inspect(live.id[:8])["container"] == live.container
        r = hb.run("sandbox", "gc", "--json")
        assert r.returncode == 0, r.err
        assert [x["id"] for x in json.loads(r.out)["removed"]] == []
        for name in (live.container, twin, odd):
            assert container_exists(name), name
        assert live.run("echo ok")["stdout"] == "ok\n"
    finally:
        docker("rm", "-f", twin, odd)


def test_interrupted_create_removes_the_container(hb, tmp_path):
    """Ctrl-C while create waits: nobody is left to stop the sandbox, so
    create removes it and exits 128+SIGINT."""
    hang = tmp_path / "hang.sh"
    hang.write_text("#!/bin/sh\nexec sleep 600\n")
    hang.chmod(0o755)
    owner = server_id(hb)
    env = dict(hb.env, HANDBOX_SANDBOXD=str(hang))
    p = subprocess.Popen([HANDBOX, "sandbox", "create", "--image", DEBIAN, "--ready-timeout",
                          "120"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    running = []
    for _ in range(300):
        running = docker("ps", "-q", "--filter", "label=handbox.owner=" + owner).stdout.split()
        if running:
            break
        time.sleep(0.1)
    assert running, "the container never started"
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 128 + signal.SIGINT, err
    assert b"interrupted by signal 2" in err
    assert ours(hb) == []


def test_pause_and_resume_ask_for_a_state(hb):
    sb = hb.create("--image", BUSYBOX)
    for _ in range(2):
        hb.run("sandbox", "pause", sb.id, check=True)
    r = hb.run("sandbox", "exec", sb.id, "--", "true")
    assert r.returncode == 125 and "is paused (handbox sandbox resume %s)" % sb.id in r.err
    for _ in range(2):
        hb.run("sandbox", "resume", sb.id, check=True)
    assert hb.inspect(sb.id)["state"] == "running"
    hb.run("sandbox", "stop", sb.id, check=True)
    for cmd in ("pause", "resume"):
        r = hb.run("sandbox", cmd, sb.id)
        assert r.returncode == 1
        assert "cannot %s sandbox %s: it is exited (handbox sandbox start %s)" % (
            cmd, sb.id, sb.id) in r.err, r.err
    r = hb.run("sandbox", "logs", sb.id, "--tail", "5", check=True)
    assert "listening on" in r.out or "stopping" in r.out


def test_twenty_concurrent_creates_without_port_clash(hb):
    def one(_):
        return hb.run("sandbox", "create", "--json", "--image", BUSYBOX)

    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        results = list(pool.map(one, range(20)))
    infos = []
    for r in results:
        if r.returncode == 0:
            infos.append(json.loads(r.out))
            hb.created.append(infos[-1]["id"])
    assert len(infos) == 20, [r.err for r in results if r.returncode]
    host_ports = [p for i in infos for p in i["ports"].values()]
    assert len(set(host_ports)) == 100
    assert len({i["id"] for i in infos}) == 20
    from handbox_cli import CreatedSandbox
    for i in infos:
        status, _ = CreatedSandbox(i).get("/health")
        assert status == 200
    assert len([s for s in hb.ls() if s["id"] in hb.created]) == 20


def test_clear_errors(hb, tmp_path):
    r = hb.run("sandbox", "create", "--image", "handbox-test/no-such-image:1")
    assert r.returncode == 1
    assert "image handbox-test/no-such-image:1 not found" in r.err
    assert "handbox image build" in r.err
    r = hb.run("sandbox", "create", env={"SANDBOX_VOLUMES": "/src:/workspace:rx"})
    assert r.returncode == 1
    assert 'SANDBOX_VOLUMES: "/src:/workspace:rx": mode must be ro or rw' in r.err
    r = hb.run("sandbox", "create", "--volume", "%s/missing:/workspace" % tmp_path)
    assert r.returncode == 2 or r.returncode == 1
    assert "missing" in r.err and "No such file" in r.err
    r = hb.run("sandbox", "create", "--memory", "lots")
    assert r.returncode == 2 and '--memory: "lots"' in r.err
    r = hb.run("sandbox", "create", "--bogus")
    assert r.returncode == 2 and "--help" in r.err
    r = hb.run("sandbox", "ls", env={"SANDBOX_USER_ID": "-3"})
    assert r.returncode == 1 and 'SANDBOX_USER_ID: "-3"' in r.err
    r = hb.run("sandbox", "rm", "nosuchsandbox")
    assert r.returncode == 1 and 'no sandbox "nosuchsandbox"' in r.err
    # no engine: a socket path with nothing behind it, and a dead socket
    r = hb.run("sandbox", "ls", env={"DOCKER_HOST": "unix://%s/none.sock" % tmp_path})
    assert r.returncode == 1
    assert "no Docker engine answers at %s/none.sock" % tmp_path in r.err
    assert "is dockerd running?" in r.err
    dead = str(tmp_path / "dead.sock")
    s = socket.socket(socket.AF_UNIX)
    s.bind(dead)
    s.close()
    r = hb.run("sandbox", "create", "--image", BUSYBOX, env={"DOCKER_HOST": "unix://" + dead})
    assert r.returncode == 1
    assert "no Docker engine answers at %s: is dockerd running?" % dead in r.err
    r = hb.run("sandbox", "ls", env={"DOCKER_HOST": "tcp://127.0.0.1:2375"})
    assert r.returncode == 1 and "expected unix://" in r.err


def test_refused_inputs_name_the_input(hb, tmp_path):
    # the engine's socket would give the sandbox root on this host
    for sock in ("/var/run/docker.sock", "/run/docker.sock"):
        if os.path.exists(sock):
            r = hb.run("sandbox", "create", "--image", BUSYBOX, "--volume", sock + ":/s")
            assert r.returncode == 1
            assert "%s is the Docker engine's socket" % sock in r.err, r.err
    # a dot-name is neither a volume name nor a ./path (never $PWD/.cache)
    r = hb.run("sandbox", "create", "--volume", ".cache:/cache")
    assert r.returncode == 2 and '--volume: ".cache:/cache": ".cache" is neither' in r.err
    r = hb.run("sandbox", "create", env={"SANDBOX_VOLUMES": "%s:/dev" % tmp_path})
    assert r.returncode == 1 and "cannot mount over /dev" in r.err
    # "0.1" is not "0" (no limit)
    r = hb.run("sandbox", "create", "--memory", "0.1")
    assert r.returncode == 2 and '--memory: "0.1": at least 6m' in r.err
    # values that would be cut short, or end up in Engine API paths
    r = hb.run("sandbox", "create", "--image", "x" * 600)
    assert r.returncode == 2 and "--image" in r.err and "longer than" in r.err
    r = hb.run("sandbox", "ls", env={"HANDBOX_CONTAINER_PREFIX": "../../images/"})
    assert r.returncode == 1 and 'HANDBOX_CONTAINER_PREFIX: "../../images/"' in r.err
    # a usage error leaves the state directory alone
    fresh = Handbox(tmp_path / "fresh-state")
    assert fresh.run("sandbox", "create", "--bogus").returncode == 2
    assert not os.path.exists(fresh.state_dir)
    # exec: 2 could be the command's own status; handbox's is 125
    for args in (["--bogus", "x", "true"], ["-e", "1X=2", "x", "true"], ["x"],
                 ["--timeout", "soon", "x", "true"]):
        r = hb.run("sandbox", "exec", *args)
        assert r.returncode == 125, (args, r.returncode, r.err)
    assert ours(hb) == []


def test_start_failure_reports_the_sandbox_output_and_leaves_nothing(hb, tmp_path):
    before = set(docker("ps", "-aq", "--filter", "label=handbox.sandbox").stdout.split())
    # an "sandboxd" that complains and exits
    r = hb.run("sandbox", "create", "--image", BUSYBOX, env={"HANDBOX_SANDBOXD": "/bin/busybox"})
    assert r.returncode == 1
    assert "stopped (exit code" in r.err and "before it was ready" in r.err
    assert "applet not found" in r.err, r.err
    # one that never answers: the limit is the user's, not a fixed wall
    hang = tmp_path / "hang.sh"
    hang.write_text("#!/bin/sh\nexec sleep 600\n")
    hang.chmod(0o755)
    r = hb.run("sandbox", "create", "--image", DEBIAN, "--ready-timeout", "1.5",
               env={"HANDBOX_SANDBOXD": str(hang)})
    assert r.returncode == 1
    assert "did not answer within 1.5 s" in r.err, r.err
    after = set(docker("ps", "-aq", "--filter", "label=handbox.sandbox").stdout.split())
    assert after <= before, "a failed create left a container behind"


def test_help_everywhere(hb):
    for args in (["--help"], ["sandbox", "--help"], ["image", "build", "--help"]) + tuple(
            ["sandbox", c, "--help"] for c in ("create", "ls", "exec", "ports", "cp", "rm", "gc",
                                               "inspect", "logs", "start")):
        r = hb.run(*args)
        assert r.returncode == 0, (args, r.err)
        assert "usage:" in r.out, args


def test_any_image_works_whatever_its_user_and_entrypoint(hb, tmp_path):
    """An image with its own USER, ENTRYPOINT, CMD and WORKDIR (as most
    images off a registry have) becomes a sandbox with no build step."""
    tag = "handbox-test/odd-image:%d" % os.getpid()
    (tmp_path / "Dockerfile").write_text(
        "FROM %s\nUSER 1000\nWORKDIR /home/nobody-here\n"
        'ENTRYPOINT ["/bin/false"]\nCMD ["--never"]\nENV FROM_IMAGE=kept\n' % BUSYBOX)
    r = subprocess.run(["docker", "build", "-q", "-t", tag, str(tmp_path)],
                       capture_output=True, text=True, env=dict(os.environ, DOCKER_BUILDKIT="0"))
    assert r.returncode == 0, r.stderr
    try:
        # only a sandboxd started as root (despite USER 1000) can switch
        # to another uid
        sb = hb.create("--image", tag, "--user-id", "4321")
        out = sb.run("id -u; echo $FROM_IMAGE; cat /proc/1/cmdline | tr '\\0' ' '")
        assert out["exit_code"] == 0, out
        lines = out["stdout"].splitlines()
        assert lines[0] == "4321" and lines[1] == "kept"
        assert lines[2].startswith("/.handbox/sandboxd "), lines
    finally:
        hb.rm_all()
        docker("rmi", "-f", tag)
