"""The C SDK (<handbox/handbox.h>) as a program uses it: tests/sdk/sdk_probe.c,
compiled with only include/handbox on its include path and linked with
libhandbox, opens a workspace on the real Docker engine and reports what it
saw. The commands' output, exit codes and timeouts; mounts, uploads and
downloads; fixed host ports (and VS Code's and the desktop's URLs, null in
an image without them); keep-alive; bad options named; a program killed
without closing leaves a sandbox that gc removes."""
import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from handbox_cli import Handbox, ROOT  # noqa: E402
from sandbox_container import IMAGES, require_engine, require_image  # noqa: E402

BUSYBOX = IMAGES["busybox"]
PROBE = os.path.abspath(os.environ.get("SDK_PROBE", os.path.join(ROOT, "build", "sdk_probe")))


@pytest.fixture(scope="module", autouse=True)
def engine():
    require_engine()
    require_image(BUSYBOX)
    assert os.access(PROBE, os.X_OK), "build it first: make " + PROBE


@pytest.fixture
def hb(tmp_path):
    h = Handbox(tmp_path / "state")
    yield h
    h.rm_all()


def probe(hb, *args, image=BUSYBOX, expect=0, env=None):
    """Runs the probe with hb's environment; returns its JSON report."""
    e = dict(hb.env)
    e.update(env or {})
    r = subprocess.run([PROBE, "--image", image] + [str(a) for a in args], env=e,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == expect, "sdk_probe %s: exit %d\n%s\n%s" % (
        " ".join(map(str, args)), r.returncode, r.stdout, r.stderr)
    return json.loads(r.stdout)


def ids(hb):
    return {sb["id"] for sb in hb.ls()}


def free_ports(n):
    """A first port p with p .. p+n-1 all free on loopback."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            p = s.getsockname()[1]
        if p + n > 65535:
            continue
        try:
            held = []
            for i in range(n):
                t = socket.socket()
                held.append(t)
                t.bind(("127.0.0.1", p + i))
            return p
        except OSError:
            continue
        finally:
            for t in held:
                t.close()
    raise AssertionError("no %d consecutive free ports" % n)


def test_exec_returns_output_apart_exit_code_and_removes_the_sandbox(hb):
    r = probe(hb, "exec", "echo out; echo err >&2; cd /tmp && pwd; exit 3")
    assert r["exit_code"] == 3
    assert r["stdout"] == "out\n/tmp\n"
    assert r["stderr"] == "err\n"
    assert r["timed_out"] is False
    assert r["command"].startswith("echo out")
    assert r["url"].startswith("http://127.0.0.1:")
    assert len(r["key"]) == 64
    assert r["id"] not in ids(hb), "hb_workspace_close must remove the sandbox"


def test_exec_in_a_directory_and_a_timeout(hb):
    r = probe(hb, "exec-at", "pwd", "/tmp", 0)
    assert r["stdout"] == "/tmp\n"
    r = probe(hb, "exec-at", "echo started; sleep 30; echo never", "/", 1)
    assert r["timed_out"] is True
    assert r["stdout"] == "started\n"
    assert r["exit_code"] != 0


def test_output_past_the_cap_is_kept_whole_up_to_it_with_a_note(hb):
    # 70 MB of "a" on stdout: the first 64 MiB are kept, in one piece, and
    # the command still ends normally
    r = probe(hb, "exec", "head -c 70000000 /dev/zero | tr '\\0' a; echo done >&2")
    cap = 64 << 20
    assert r["exit_code"] == 0
    assert len(r["stdout"]) == cap
    assert r["stdout"].count("a") == cap
    assert r["stderr"].startswith("done\n")
    assert "stdout past 64 MiB was dropped" in r["stderr"]


def test_volume_is_the_working_dir_and_files_go_both_ways(hb, tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "notes.txt").write_text("from the host\n")
    # as the README says: commands run as our uid, so files they make in
    # the mount are ours
    r = probe(hb, "--volume", "%s:/workspace" % ws, "exec",
              "cat notes.txt && echo from the sandbox > made.txt",
              env={"SANDBOX_USER_ID": str(os.getuid())})
    assert r["exit_code"] == 0, r["stderr"]
    assert r["working_dir"] == "/workspace"
    assert r["stdout"] == "from the host\n"
    assert (ws / "made.txt").read_text() == "from the sandbox\n"
    assert (ws / "made.txt").stat().st_uid == os.getuid()


def test_upload_and_download_round_trip(hb, tmp_path):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("alpha\n")
    (src / "sub" / "b.bin").write_bytes(bytes(range(256)) * 100)
    out = tmp_path / "out"
    r = probe(hb, "upload", src, "/tmp/up", "exec", "cd /tmp/up && ls -R . && cat a.txt",
              "download", "/tmp/up", out)
    assert "alpha\n" in r["stdout"] and "b.bin" in r["stdout"]
    assert (out / "a.txt").read_text() == "alpha\n"
    assert (out / "sub" / "b.bin").read_bytes() == bytes(range(256)) * 100


def test_fixed_host_port_extra_ports_and_keep_alive(hb):
    port = free_ports(3)
    r = probe(hb, "--host-port", port, "--extra-ports", "--keep-alive", "--urls")
    assert r["url"] == "http://127.0.0.1:%d" % port
    # an image without VS Code and a desktop: both URLs are null, not an error
    assert r["vscode_url"] is None and r["desktop_url"] is None, r
    hb.created.append(r["id"])
    assert r["id"] in ids(hb), "keep_alive: the sandbox outlives the program"
    ports = json.loads(hb.run("sandbox", "ports", r["id"], "--json", check=True).out)
    assert ports["8000"] == port
    assert ports["8001"] == port + 1
    assert ports["8002"] == port + 2


def test_bad_options_are_named(hb, tmp_path):
    r = probe(hb, "--platform", "windows/386", expect=3)
    assert r["code"] == -2
    assert "platform" in r["error"] and "linux/amd64" in r["error"]
    r = probe(hb, "--volume", "%s/missing:/workspace" % tmp_path, expect=3)
    assert "missing" in r["error"]
    r = probe(hb, expect=3, env={"SANDBOX_USER_ID": "abc"})
    assert "SANDBOX_USER_ID" in r["error"] and "abc" in r["error"]
    assert ids(hb) == set(), "a failed open leaves no sandbox"


def test_a_killed_program_leaves_an_orphan_that_gc_removes(hb):
    p = subprocess.Popen([PROBE, "--image", BUSYBOX, "exec", "sleep 60"], env=hb.env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not ids(hb) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = ids(hb)
    assert len(left) == 1, "the probe's sandbox should exist while it runs"
    hb.created.extend(left)
    p.send_signal(signal.SIGKILL)
    p.wait()
    r = hb.run("sandbox", "gc", "--json", check=True)
    removed = json.loads(r.out)["removed"]
    assert [x["id"] for x in removed] == list(left)
    assert "ended" in removed[0]["reason"]
    assert ids(hb) == set()
