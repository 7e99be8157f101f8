"""`handbox serve` collects orphaned sandboxes when it starts: a sandbox
made for a process that has ended is removed (as `handbox sandbox gc`
does), a kept one (no owner process) stays. Real Docker engine."""
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from handbox_cli import Handbox  # noqa: E402
from sandbox_container import IMAGES, require_engine, require_image  # noqa: E402
from serve_client import Serve  # noqa: E402

IMAGE = IMAGES["busybox"]


@pytest.fixture(scope="module", autouse=True)
def engine():
    require_engine()
    require_image(IMAGE)


def test_serve_removes_orphans_at_start_and_keeps_kept_sandboxes(tmp_path):
    hb = Handbox(tmp_path / "state")
    owner = subprocess.Popen(["sleep", "60"])
    try:
        leased = hb.create("--image", IMAGE, "--owner-pid", owner.pid)
        kept = hb.create("--image", IMAGE)
    finally:
        owner.kill()
        owner.wait()
    try:
        with Serve(tmp_path / "state") as s:
            log = s.read_log()
        ids = {sb["id"] for sb in hb.ls()}
        assert leased.id not in ids, "the orphan is still there:\n" + log
        assert "removed orphaned sandbox %s" % leased.id in log, log
        assert kept.id in ids, "serve removed a kept sandbox:\n" + log
    finally:
        hb.rm_all()
