"""sandboxd as the sandbox's PID 1 holds against what runs inside it, in
real containers made by `handbox sandbox create`: root in the sandbox
cannot stop it with a signal (the runtime's stop still can), and a command
that prints more than the container's memory holds is the one that pays,
never sandboxd."""
import os
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
