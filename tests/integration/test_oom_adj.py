"""Commands are the OOM killer's first choice, never sandboxd: every
command sandboxd starts raises its own oom_score_adj to 500 (raising needs
no privilege; lowering PID 1's, which many engines cannot do, is not
needed), whatever sandboxd itself runs with."""
import json

import pytest

from conftest import SANDBOXD, Sandboxd


@pytest.fixture(params=[0, 200, 700])
def adjusted(request, tmp_path):
    """A sandboxd started with oom_score_adj 0 (as in a container), 200, or
    700 (already above what commands get: left as it is)."""
    adj = request.param
    wrapper = tmp_path / "adj.sh"
    wrapper.write_text("#!/bin/sh\necho %d > /proc/self/oom_score_adj || exit 3\n"
                       'exec "%s" "$@"\n' % (adj, SANDBOXD))
    wrapper.chmod(0o755)
    sb = Sandboxd(binary=str(wrapper))
    yield sb, adj
    sb.stop()


def test_commands_start_with_oom_score_adj_500(adjusted):
    sb, adj = adjusted
    with open("/proc/%d/oom_score_adj" % sb.pid) as f:
        assert int(f.read()) == adj
    out = sb.run("cat /proc/self/oom_score_adj; id -u")
    assert out["exit_code"] == 0
    adj_child, uid = out["stdout"].split()
    want = max(adj, 500)
    assert int(adj_child) == want
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
    assert int(got) == want
