"""Fixtures shared by every integration test.

`sandboxd`        a fresh handbox-sandboxd ($SANDBOXD, default
                  build/handbox-sandboxd) on a free loopback port with a
                  random session key; stopped with SIGTERM afterwards, and the
                  test fails unless it then exits with status 0.
`start_sandboxd`  a factory for more of them, with extra arguments or
                  environment (`start_sandboxd(args=[...], env={...}, key=None)`).
`ws_connect`      opens a WebSocket to the `sandboxd` of the test.

Files named test_container_*.py need a Docker engine: when none answers,
their tests fail (they are never skipped), so a CI machine without one
cannot pass by accident.

Only the standard library and python3-websocket are used.
"""
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest
import websocket

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))

from sandboxd_client import DEFAULT as _DEFAULT, KEY_HEADER, SandboxdClient  # noqa: E402,F401
SANDBOXD = os.path.abspath(os.environ.get("SANDBOXD", os.path.join(ROOT, "build", "handbox-sandboxd")))
START_TIMEOUT = 10
STOP_TIMEOUT = 15


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_stats():
    """(pid, state letter, parent pid, process group) of every process, from
    /proc/PID/stat."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: split after it
        fields = stat[stat.rindex(")") + 2:].split()
        yield int(entry), fields[0], int(fields[1]), int(fields[2])


def children_of(pid):
    """Every live descendant of pid."""
    parents = {}
    for child, _, parent, _ in proc_stats():
        parents.setdefault(parent, []).append(child)
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def process_group(pgid):
    """Live (non-zombie) processes whose process group is pgid."""
    return [pid for pid, state, _, group in proc_stats() if group == pgid and state != "Z"]


def process_state(pid):
    """(state letter, parent pid) of a process, or None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return fields[0], int(fields[1])


def wait_gone(pid, timeout=10):
    """True once pid no longer exists (reaped), False at the deadline."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process_state(pid) is None:
            return True
        time.sleep(0.05)
    return False


class Sandboxd(SandboxdClient):
    """One running sandboxd process."""

    def __init__(self, args=(), env=None, key=_DEFAULT, binary=SANDBOXD):
        self.key = secrets.token_hex(16) if key is _DEFAULT else key
        base = {k: v for k, v in os.environ.items()
                if not k.startswith("OH_SESSION_API_KEYS_") and k != "SESSION_API_KEY"}
        if self.key:
            base["OH_SESSION_API_KEYS_0"] = self.key
        base.update(env or {})
        self.env = base
        self.stderr = tempfile.TemporaryFile()
        last = None
        for _ in range(5):  # the free port may be taken before we bind it
            self.port = free_port()
            self.url = "http://127.0.0.1:%d" % self.port
            self.proc = subprocess.Popen(
                [binary, "--port", str(self.port)] + list(args), env=base,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.stderr)
            self.pid = self.proc.pid
            last = self._wait_ready()
            if last is None:
                return
        raise AssertionError("sandboxd did not start: %s\n%s" % (last, self.log()))

    def _wait_ready(self):
        deadline = time.time() + START_TIMEOUT
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return "exited with status %d" % self.proc.returncode
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=1) as r:
                    if r.status == 200:
                        return None
            except OSError:
                time.sleep(0.02)
        self.proc.kill()
        self.proc.wait()
        return "no answer on /health within %d s" % START_TIMEOUT

    def log(self):
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")

    # ------------------------------------------------------- bash API

    def execute_command(self, command, cwd=None, timeout=60):
        """What the reference client's RemoteWorkspace.execute_command does:
        start the command, then every 0.1 s fetch the BashOutput events of
        order above the last seen, concatenating stdout and stderr, until
        one carries an exit code; the client itself gives up after
        `timeout` seconds. Returns a dict with exit_code, stdout, stderr,
        the command id and the events seen."""
        body = {"command": command, "timeout": int(timeout)}
        if cwd is not None:
            body["cwd"] = cwd
        status, cmd = self.post("/api/bash/start_bash_command", body, timeout=timeout + 5)
        assert status == 200, (status, cmd)
        command_id = cmd["id"]
        out, err, events, seen = [], [], [], set()
        exit_code, last_order = None, -1
        start = time.time()
        while time.time() - start < timeout:
            params = {"kind__eq": "BashOutput", "sort_order": "TIMESTAMP",
                      "limit": 100, "command_id__eq": command_id}
            if last_order >= 0:
                params["order__gt"] = last_order
            status, page = self.get("/api/bash/bash_events/search", params, timeout=timeout)
            assert status == 200, (status, page)
            for ev in page["items"]:
                assert ev["kind"] == "BashOutput"
                assert ev["id"] not in seen, "duplicate event %s" % ev["id"]
                seen.add(ev["id"])
                events.append(ev)
                if ev["order"] > last_order:
                    last_order = ev["order"]
                if ev.get("stdout"):
                    out.append(ev["stdout"])
                if ev.get("stderr"):
                    err.append(ev["stderr"])
                if ev.get("exit_code") is not None:
                    exit_code = ev["exit_code"]
            if exit_code is not None:
                break
            time.sleep(0.1)
        if exit_code is None:
            exit_code = -1
            err.append("Command timed out after %s seconds" % timeout)
        return {"exit_code": exit_code, "stdout": "".join(out), "stderr": "".join(err),
                "command_id": command_id, "events": events}

    # ------------------------------------------------------------ stop

    def stop(self):
        """SIGTERM, then the exit status (None if it had to be killed).
        Whatever its commands left running is killed too."""
        if self.proc.poll() is not None:
            return self.proc.returncode
        leftovers = children_of(self.pid)
        self.proc.send_signal(signal.SIGTERM)
        try:
            status = self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            status = None
        for pid in leftovers:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        return status


@pytest.fixture
def start_sandboxd():
    started = []

    def start(args=(), env=None, key=_DEFAULT):
        sb = Sandboxd(args=args, env=env, key=key)
        started.append(sb)
        return sb

    yield start
    failures = []
    for sb in started:
        status = sb.stop()
        if status != 0:
            failures.append("sandboxd on port %d: exit status %s after SIGTERM\n%s"
                            % (sb.port, status, sb.log()))
    assert not failures, "\n".join(failures)


@pytest.fixture
def sandboxd(start_sandboxd):
    return start_sandboxd()


@pytest.fixture
def ws_connect(sandboxd):
    return sandboxd.ws_connect


def ws_close_status(ws, timeout=15):
    """Reads until the server's close frame; returns (code, reason). Frames
    before it are ignored. (None, None) when the connection just drops."""
    ws.settimeout(timeout)
    try:
        while True:
            opcode, frame = ws.recv_data_frame(True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                data = frame.data or b""
                if len(data) < 2:
                    return None, None
                return int.from_bytes(data[:2], "big"), data[2:].decode(errors="replace")
    except websocket.WebSocketConnectionClosedException:
        return None, None
    finally:
        ws.shutdown()


# ---------------------------------------------- Docker for container tests

_engine = {}


def docker_engine_error():
    """None when a Docker engine answers, else why not (checked once)."""
    if "error" not in _engine:
        try:
            r = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"],
                               capture_output=True, text=True, timeout=30)
            _engine["error"] = None if r.returncode == 0 else (r.stderr.strip() or r.stdout.strip())
        except (OSError, subprocess.TimeoutExpired) as e:
            _engine["error"] = str(e)
    return _engine["error"]


def pytest_runtest_setup(item):
    if os.path.basename(str(item.fspath)).startswith("test_container_"):
        error = docker_engine_error()
        if error:
            pytest.fail("no Docker engine answers, and container tests need one "
                        "(start dockerd; .ci/setup.sh does): %s" % error, pytrace=False)
