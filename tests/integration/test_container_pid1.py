"""sandboxd as the sandbox's PID 1 holds against what runs inside it, in
real containers made by `handbox sandbox create`: root in the sandbox
cannot stop it with a signal (the runtime's stop still can), and a command
that prints more than the container's memory holds is the one that pays,
never sandboxd."""
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from handbox_cli import Handbox, HANDBOX  # noqa: E402
from sandbox_container import IMAGES, require_engine, require_image  # noqa: E402

BUSYBOX = IMAGES["busybox"]
DEBIAN = IMAGES["debian"]


@pytest.fixture(scope="module", autouse=True)
def engine():
    require_engine()
    for image in (BUSYBOX, DEBIAN):
        require_image(image)
    assert os.access(HANDBOX, os.X_OK), "build it first: make"


@pytest.fixture
def hb(tmp_path):
    h = Handbox(tmp_path / "state")
    yield h
    h.rm_all()


def alive(sb):
    return sb.get("/health", key=None) == (200, {"status": "ok"})


@pytest.mark.parametrize("signal", ["TERM", "INT", "HUP"])
def test_root_inside_cannot_stop_sandboxd(hb, signal):
    sb = hb.create("--image", BUSYBOX, "--user-id", "0")
    out = sb.run("id -u; kill -%s 1; echo sent $?" % signal)
    assert out["stdout"] == "0\nsent 0\n", out
    assert alive(sb)
    assert sb.run("echo still")["stdout"] == "still\n"
    assert hb.inspect(sb.id)["state"] == "running"
    logs = hb.run("sandbox", "logs", sb.id, check=True).out
    assert "ignoring signal" in logs and "stopping commands" not in logs
    # the runtime's stop comes from outside the sandbox: sandboxd ends
    # cleanly (0), not killed by the engine after its grace period (137)
    hb.run("sandbox", "stop", sb.id, check=True)
    st = hb.inspect(sb.id)
    assert st["state"] == "exited"
    assert st["exit_code"] == 0
    assert "stopping commands" in hb.run("sandbox", "logs", sb.id, check=True).out


# rt_sigqueueinfo(2) lets root write the siginfo it sends: a pid of 0 (as
# a stop from outside looks) with a queued or invented code must not pass
FORGE = r"""
import ctypes, os, signal, struct
libc = ctypes.CDLL(None, use_errno=True)
SYS_rt_sigqueueinfo = 129                      # x86_64
info = struct.pack("iii4x", signal.SIGTERM, 0, %d) + struct.pack("ii", %d, 0)
info += bytes(128 - len(info))
rc = libc.syscall(SYS_rt_sigqueueinfo, 1, signal.SIGTERM, ctypes.c_char_p(info))
print("sent", rc, ctypes.get_errno())
"""


@pytest.mark.parametrize("code,pid", [(-1, 0), (-4, 4242), (-1, 4242), (-60, 0)])
def test_forged_siginfo_cannot_stop_sandboxd(hb, code, pid):
    sb = hb.create("--image", DEBIAN, "--user-id", "0")
    out = sb.run("python3 -c '%s'" % (FORGE % (code, pid)).replace("'", "'\\''"))
    assert out["stdout"] == "sent 0 0\n", out
    assert alive(sb)
    assert sb.run("echo still")["stdout"] == "still\n"
    assert "ignoring signal" in hb.run("sandbox", "logs", sb.id, check=True).out


def test_big_print_under_a_memory_limit_keeps_the_sandbox(hb):
    """400 MB of output under --memory 200m: sandboxd keeps what fits (an
    eighth of the limit), says what it dropped, and lives on."""
    sb = hb.create("--image", DEBIAN, "--memory", "200m")
    status, last = sb.post("/api/bash/execute_bash_command",
                           {"command": "head -c 400000000 /dev/zero | tr '\\0' a; echo; echo done",
                            "timeout": 240}, timeout=300)
    assert status == 200, last
    assert last["exit_code"] == 0, last
    assert last["stdout"].endswith("done\n")
    # told, in a field and in the output, what is missing
    assert last["dropped_bytes"] > 300000000
    assert last["stdout"].startswith("[handbox: %d bytes of this command's earlier output "
                                     "were dropped" % last["dropped_bytes"])
    assert alive(sb)
    assert hb.inspect(sb.id)["state"] == "running"
    # sandboxd's own peak stayed well inside the limit
    pid = subprocess.run(["docker", "inspect", "-f", "{{.State.Pid}}", sb.container],
                         capture_output=True, text=True, check=True).stdout.strip()
    with open("/proc/%s/status" % pid) as f:
        hwm_kb = int(next(line for line in f if line.startswith("VmHWM:")).split()[1])
    assert hwm_kb < 100 << 10, "sandboxd peaked at %d kB" % hwm_kb
    # the events kept fit the budget, and the command's last ones are there
    status, page = sb.get("/api/bash/bash_events/search",
                          {"command_id__eq": last["command_id"], "kind__eq": "BashOutput",
                           "sort_order": "TIMESTAMP_DESC", "limit": 100})
    assert status == 200
    kept = sum(len(e["stdout"] or "") for e in page["items"])
    assert kept <= 26 << 20
    assert page["items"][0]["id"] == last["id"]
    assert sb.run("echo still")["stdout"] == "still\n"
