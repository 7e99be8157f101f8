"""The exec WebSocket's "oom_killed": true when the sandbox's memory limit
killed the command, false for every other death, SIGKILL included. The
container has 64 MiB and no swap (docker run --memory 64m --memory-swap
64m); sandboxd reads its cgroup's OOM-kill counter around each command
(src/sandboxd/cgroup.c)."""
import pytest

from sandbox_container import IMAGES, SandboxContainer, exec_ws

HOG = ["python3", "-c", "b = bytearray(512 << 20)"]


@pytest.fixture(scope="module")
def box():
    c = SandboxContainer(IMAGES["debian"], memory="64m")
    yield c
    c.remove()


def test_memory_limit_kill_is_reported(box):
    out, exit = exec_ws(box, {"argv": HOG})
    assert exit == {"type": "exit", "exit_code": 137, "signal": "SIGKILL",
                    "timed_out": False, "oom_killed": True}, out
    # sandboxd itself survived the sandbox running out of memory
    assert box.get("/health")[0] == 200


def test_kill_9_is_not_an_oom_kill(box):
    # after an OOM kill (the counter is above 0), a plain SIGKILL is still
    # told apart: the counter must grow while the command runs
    _, exit = exec_ws(box, {"argv": HOG})
    assert exit["oom_killed"] is True
    _, exit = exec_ws(box, {"command": "kill -9 $$"})
    assert exit == {"type": "exit", "exit_code": 137, "signal": "SIGKILL",
                    "timed_out": False, "oom_killed": False}


def test_oom_kill_of_a_child_the_command_survives(box):
    # the command itself exits normally: only its child was killed
    out, exit = exec_ws(box, {"command": "python3 -c 'b = bytearray(512 << 20)'; "
                                         "echo child=$?"})
    assert out[1] == b"child=137\n"
    assert exit == {"type": "exit", "exit_code": 0, "signal": None,
                    "timed_out": False, "oom_killed": False}


def test_ordinary_exit(box):
    out, exit = exec_ws(box, {"command": "echo ok; exit 3"})
    assert out[1] == b"ok\n"
    assert exit == {"type": "exit", "exit_code": 3, "signal": None,
                    "timed_out": False, "oom_killed": False}
