"""Commands are the OOM killer's choice, never sandboxd: whatever
oom_score_adj sandboxd runs with (the runtime makes PID 1's -999), every
command it starts has its own back at 0. Needs root, as in a container."""
import json
import os

import pytest

from conftest import SANDBOXD, Sandboxd

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="sets oom_score_adj as root")


def can_lower_oom_adj():
    """Lowering needs CAP_SYS_RESOURCE, which some hosts' root lacks."""
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("-1")
    except OSError:
        return False
    with open("/proc/self/oom_score_adj", "w") as f:
        f.write("0")
    return True


@pytest.fixture
def adjusted(tmp_path):
    """A sandboxd started with oom_score_adj -500, or +500 where root may
    not lower it: either way not 0, so the children's 0 is their reset."""
    adj = -500 if can_lower_oom_adj() else 500
    wrapper = tmp_path / "adj.sh"
    wrapper.write_text("#!/bin/sh\necho %d > /proc/self/oom_score_adj || exit 3\n"
                       'exec "%s" "$@"\n' % (adj, SANDBOXD))
    wrapper.chmod(0o755)
    sb = Sandboxd(binary=str(wrapper))
    yield sb, adj
    sb.stop()


def test_commands_start_with_oom_score_adj_0(adjusted):
    sb, adj = adjusted
    with open("/proc/%d/oom_score_adj" % sb.pid) as f:
        assert int(f.read()) == adj
    out = sb.run("cat /proc/self/oom_score_adj; id -u")
    assert out["exit_code"] == 0
    adj_child, uid = out["stdout"].split()
    assert adj_child == "0"
    assert uid == "1000", "the command still runs as the sandbox user"
    # the exec WebSocket starts its commands the same way
    ws = sb.ws_connect("/api/handbox/exec")
    ws.send(json.dumps({"type": "start", "argv": ["cat", "/proc/self/oom_score_adj"]}))
    got = b""
    while True:
        msg = ws.recv()
        if isinstance(msg, bytes):
            got += msg[1:]
        elif json.loads(msg)["type"] in ("exit", "error"):
            break
    ws.close()
    assert got == b"0\n"
