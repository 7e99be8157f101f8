"""Streaming exec over one WebSocket (WS /api/handbox/exec,
docs/exec-websocket.md), checked as a client would: exit codes and signals,
stdout and stderr kept apart and byte-exact, stdin and EOF, a PTY with its
size, signals to the process group, timeouts, refused start messages and
keys, a disconnect that kills the command, and memory that stays bounded
for a client that stops reading."""
import json
import os
import re
import tempfile
import time

import pytest
import websocket

from conftest import process_group, process_state

PATH = "/api/handbox/exec"
STDOUT, STDERR = 1, 2


class Run:
    """One exec session: start it, talk to it, read it to the end."""

    def __init__(self, sb, start=None, **connect):
        self.ws = sb.ws_connect(PATH, **connect)
        self.ws.settimeout(30)
        self.out = {STDOUT: bytearray(), STDERR: bytearray()}
        self.messages = []
        self.close_code = self.close_reason = None
        if start is not None:
            self.send(dict(start, type="start"))

    def send(self, message):
        self.ws.send(json.dumps(message))

    def send_bytes(self, data):
        self.ws.send_binary(data)

    def read_one(self):
        """Reads one frame; False once the server has closed."""
        if self.close_code is not None:
            return False
        try:
            opcode, frame = self.ws.recv_data_frame(True)
        except websocket.WebSocketConnectionClosedException:
            self.close_code = -1
            return False
        if opcode == websocket.ABNF.OPCODE_BINARY:
            assert frame.data[:1] in (b"\x01", b"\x02"), frame.data[:8]
            self.out[frame.data[0]] += frame.data[1:]
        elif opcode == websocket.ABNF.OPCODE_TEXT:
            self.messages.append(json.loads(frame.data))
        elif opcode == websocket.ABNF.OPCODE_CLOSE:
            data = frame.data or b""
            self.close_code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
            self.close_reason = data[2:].decode()
            return False
        return True

    def started(self):
        """Waits for {"type":"started"}; returns the pid."""
        while not any(m["type"] == "started" for m in self.messages):
            assert self.read_one(), (self.messages, self.close_code)
        return next(m for m in self.messages if m["type"] == "started")["pid"]

    def read_until(self, stream, text):
        while text not in self.out[stream]:
            assert self.read_one(), (self.out, self.messages, self.close_code)

    def finish(self):
        """Reads to the close; returns the exit message (None without one)."""
        while self.read_one():
            pass
        self.ws.shutdown()
        exits = [m for m in self.messages if m["type"] == "exit"]
        assert len(exits) <= 1, self.messages
        return exits[0] if exits else None

    def error(self):
        """Reads to the close; returns the error message's detail."""
        assert self.finish() is None, self.messages
        errors = [m for m in self.messages if m["type"] == "error"]
        assert len(errors) == 1, self.messages
        return errors[0]["detail"]


def run(sb, **start):
    r = Run(sb, start)
    return r, r.finish()


def still_alive_after(pids, limit=15):
    """The pids still alive after waiting up to limit seconds."""
    deadline = time.time() + limit
    alive = list(pids)
    while alive and time.time() < deadline:
        time.sleep(0.05)
        alive = [p for p in alive if (process_state(p) or ("Z",))[0] != "Z"]
    return alive


def vm_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError("no %s in /proc/%d/status" % (field, pid))


# ------------------------------------------------------------ exit, streams

def test_exit_code_and_separate_streams(sandboxd):
    r, exit = run(sandboxd, command="echo out; echo err >&2; echo more; exit 3")
    assert r.messages[0]["type"] == "started" and r.messages[0]["pid"] > 0
    assert r.out[STDOUT] == b"out\nmore\n"
    assert r.out[STDERR] == b"err\n"
    assert exit == {"type": "exit", "exit_code": 3, "signal": None, "timed_out": False,
                    "oom_killed": False}
    assert r.close_code == 1000


def test_argv_is_not_given_to_a_shell(sandboxd):
    r, exit = run(sandboxd, argv=["printf", "%s|", "a  b", "$HOME", "*"])
    assert r.out[STDOUT] == b"a  b|$HOME|*|"
    assert exit["exit_code"] == 0


def test_output_bytes_arrive_exactly(sandboxd):
    data = os.urandom(3 << 20) + bytes(range(256))
    with tempfile.TemporaryDirectory() as d:  # pytest's tmp_path is root-only
        os.chmod(d, 0o755)
        src = os.path.join(d, "blob")
        with open(src, "wb") as f:
            f.write(data)
        os.chmod(src, 0o644)
        r, exit = run(sandboxd, argv=["cat", src])
    assert exit["exit_code"] == 0
    assert r.out[STDOUT] == data
    assert r.out[STDERR] == b""


def test_env_and_cwd(sandboxd):
    r, exit = run(sandboxd, command='echo "$GREETING|${HOME-unset}"; pwd',
                  env={"GREETING": "hi there", "HOME": None}, cwd="/tmp")
    assert r.out[STDOUT] == b"hi there|unset\n/tmp\n"
    assert exit["exit_code"] == 0


def test_user_root_only_when_sandboxd_is_root(sandboxd):
    r, exit = run(sandboxd, command="id -u")
    default_uid = int(r.out[STDOUT])
    r = Run(sandboxd, {"command": "id -u", "user": "root"})
    if os.geteuid() == 0:
        assert default_uid == 1000  # SANDBOX_USER_ID's default
        assert r.finish()["exit_code"] == 0
        assert r.out[STDOUT] == b"0\n"
        r, exit = run(sandboxd, command="id -u; id -g", user=4242)
        assert r.out[STDOUT] == b"4242\n4242\n"
    else:
        assert default_uid == os.geteuid()
        assert "does not run as root" in r.error()
        assert r.close_code == 1008


# --------------------------------------------------------------------- stdin

def test_stdin_binary_and_json_then_eof(sandboxd):
    r = Run(sandboxd, {"argv": ["cat"]})
    r.send_bytes(b"raw\x00\xff bytes|")
    r.send({"type": "stdin", "data": "wörld"})
    r.send({"type": "eof"})
    assert r.finish()["exit_code"] == 0
    assert r.out[STDOUT] == b"raw\x00\xff bytes|" + "wörld".encode()


def test_large_stdin_waits_for_a_slow_command(sandboxd):
    """More stdin than any queue holds, sent before the command reads."""
    r = Run(sandboxd, {"command": "sleep 1; wc -c"})
    chunk = b"x" * (1 << 20)
    for _ in range(24):
        r.send_bytes(chunk)
    r.send({"type": "eof"})
    assert r.finish()["exit_code"] == 0
    assert int(r.out[STDOUT]) == 24 << 20


def test_without_stdin_the_command_reads_dev_null(sandboxd):
    r, exit = run(sandboxd, command="cat; echo done", stdin=False)
    assert r.out[STDOUT] == b"done\n"
    r = Run(sandboxd, {"argv": ["sleep", "30"], "stdin": False})
    r.started()
    r.send_bytes(b"x")
    assert "no stdin" in r.error()
    assert r.close_code == 1008


def test_stdin_after_eof_is_refused(sandboxd):
    r = Run(sandboxd, {"command": "cat >/dev/null; sleep 30"})
    r.send({"type": "eof"})
    r.started()
    r.send({"type": "stdin", "data": "late"})
    assert "eof" in r.error()
    assert r.close_code == 1008


# ----------------------------------------------------------------------- PTY

def test_pty_is_a_terminal(sandboxd):
    r, exit = run(sandboxd, argv=["tty"], pty={"rows": 24, "cols": 80})
    assert re.fullmatch(rb"/dev/pts/\d+\r\n", r.out[STDOUT]), r.out
    assert exit["exit_code"] == 0
    r, exit = run(sandboxd, argv=["tty"])
    assert r.out[STDOUT] == b"not a tty\n"
    assert exit["exit_code"] == 1


def test_pty_size_and_resize(sandboxd):
    r = Run(sandboxd, {"command": "stty size; read line; stty size",
                       "pty": {"rows": 10, "cols": 20}})
    r.read_until(STDOUT, b"10 20\r\n")
    r.send({"type": "resize", "rows": 50, "cols": 132})
    r.send({"type": "stdin", "data": "go\n"})
    assert r.finish()["exit_code"] == 0
    assert r.out[STDOUT].endswith(b"50 132\r\n"), r.out
    assert r.out[STDERR] == b""


def test_pty_eof_is_ctrl_d(sandboxd):
    r = Run(sandboxd, {"command": "cat; echo after-eof", "pty": True})
    r.send({"type": "stdin", "data": "abc\n"})
    r.send({"type": "eof"})
    assert r.finish()["exit_code"] == 0
    assert r.out[STDOUT].endswith(b"after-eof\r\n"), r.out


def test_resize_without_pty_is_ignored(sandboxd):
    r = Run(sandboxd, {"command": "read line; echo got $line"})
    r.send({"type": "resize", "rows": 5, "cols": 5})
    r.send({"type": "stdin", "data": "it\n"})
    assert r.finish()["exit_code"] == 0
    assert r.out[STDOUT] == b"got it\n"


# ------------------------------------------------------------------- signals

@pytest.mark.parametrize("given, name, number", [
    ("SIGINT", "SIGINT", 2), ("term", "SIGTERM", 15), (9, "SIGKILL", 9),
    ("USR1", "SIGUSR1", 10),
])
def test_signal_ends_command(sandboxd, given, name, number):
    r = Run(sandboxd, {"command": "echo partial; exec sleep 100"})
    r.read_until(STDOUT, b"partial\n")
    r.send({"type": "signal", "signal": given})
    exit = r.finish()
    assert exit == {"type": "exit", "exit_code": 128 + number, "signal": name,
                    "timed_out": False,
                    "oom_killed": False}
    assert r.out[STDOUT] == b"partial\n"


def test_signal_reaches_the_whole_group(sandboxd):
    r = Run(sandboxd, {"command": "sleep 100 & echo $!; wait"})
    r.read_until(STDOUT, b"\n")
    background = int(r.out[STDOUT])
    assert process_state(background) is not None
    r.send({"type": "signal", "signal": "TERM"})
    assert r.finish()["signal"] == "SIGTERM"
    assert still_alive_after([background]) == []


def test_signal_that_does_not_end_the_command(sandboxd):
    r = Run(sandboxd, {"command": "trap 'echo caught' USR1; echo ready; "
                                  "while :; do sleep 0.05; done"})
    r.read_until(STDOUT, b"ready\n")
    r.send({"type": "signal", "signal": "SIGUSR1"})
    r.read_until(STDOUT, b"caught\n")
    r.send({"type": "signal", "signal": "KILL"})
    assert r.finish()["signal"] == "SIGKILL"


# ------------------------------------------------------------------- timeout

def test_timeout_terminates_and_keeps_partial_output(sandboxd):
    r, exit = run(sandboxd, command="echo before; sleep 100; echo never", timeout=0.5)
    assert r.out[STDOUT] == b"before\n"
    assert exit == {"type": "exit", "exit_code": 143, "signal": "SIGTERM",
                    "timed_out": True,
                    "oom_killed": False}


def test_timeout_kills_a_command_that_ignores_term(sandboxd):
    r, exit = run(sandboxd, command="trap '' TERM; echo ready; while :; do sleep 0.1; done",
                  timeout=0.3)
    assert r.out[STDOUT] == b"ready\n"
    assert exit["signal"] == "SIGKILL" and exit["timed_out"] is True


# -------------------------------------------------------------------- errors

@pytest.mark.parametrize("message, detail", [
    ("not json", "not valid JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"type": "start"}', 'expected "argv"'),
    ('{"type": "start", "argv": []}', "argv: []"),
    ('{"type": "start", "argv": ["ls", 3]}', "argv[1]: 3"),
    ('{"type": "start", "argv": [""]}', "argv[0]"),
    ('{"type": "start", "argv": ["ls"], "command": "ls"}', "not both"),
    ('{"type": "start", "command": 5}', "command: 5"),
    ('{"type": "start", "argv": ["ls"], "cwd": "tmp"}', 'cwd: "tmp"'),
    ('{"type": "start", "argv": ["ls"], "env": {"1BAD": "x"}}', '"1BAD"'),
    ('{"type": "start", "argv": ["ls"], "env": {"A": 1}}', "env.A: 1"),
    ('{"type": "start", "argv": ["ls"], "timeout": 0}', "timeout: 0"),
    ('{"type": "start", "argv": ["ls"], "user": "bob"}', 'user: "bob"'),
    ('{"type": "start", "argv": ["ls"], "pty": {"rows": 0}}', "pty.rows: 0"),
    ('{"type": "start", "argv": ["ls"], "stdin": "yes"}', 'stdin: "yes"'),
    ('{"type": "start", "argv": ["ls"], "tiemout": 5}', '"tiemout": unknown field'),
    ('{"type": "eof"}', 'expected a "start" message first'),
    ('{"type": "launch"}', 'expected a "start" message first'),
    ('{"type": 1}', "type: 1"),
])
def test_bad_first_message(sandboxd, message, detail):
    r = Run(sandboxd)
    r.ws.send(message)
    assert detail in r.error()
    assert r.close_code == 1008


def test_stdin_before_start_is_refused(sandboxd):
    r = Run(sandboxd)
    r.send_bytes(b"too early")
    assert "start" in r.error()
    assert r.close_code == 1008


@pytest.mark.parametrize("message, detail", [
    ({"type": "start", "argv": ["true"]}, "started already"),
    ({"type": "signal", "signal": "SIGNOPE"}, '"SIGNOPE"'),
    ({"type": "signal", "signal": 65}, "65"),
    ({"type": "resize", "rows": 10}, "cols"),
    ({"type": "stdin", "data": 5}, "data: 5"),
    ({"type": "jump"}, '"jump"'),
])
def test_bad_message_while_running_kills_the_command(sandboxd, message, detail):
    r = Run(sandboxd, {"argv": ["sleep", "100"]})
    pid = r.started()
    r.send(message)
    assert detail in r.error()
    assert r.close_code == 1008
    assert still_alive_after([pid]) == []


def test_command_that_cannot_start(sandboxd):
    r = Run(sandboxd, {"argv": ["ls"], "cwd": "/no/such/dir"})
    assert "/no/such/dir" in r.error()
    assert r.close_code == 1011
    r = Run(sandboxd, {"argv": ["no-such-command-xyz"]})
    assert "no-such-command-xyz" in r.error()
    assert r.close_code == 1011


def test_wrong_or_missing_key_is_refused(sandboxd):
    for connect in ({"key": "wrong"}, {"key": "wrong", "query_key": True}):
        r = Run(sandboxd, **connect)
        assert r.finish() is None
        assert r.close_code == 4001, connect
    r = Run(sandboxd, key=None)
    r.send({"type": "auth", "session_api_key": "wrong"})
    assert r.finish() is None
    assert r.close_code == 4001
    assert r.messages == []


def test_key_in_query_or_first_frame(sandboxd):
    r = Run(sandboxd, {"argv": ["echo", "q"]}, query_key=True)
    assert r.finish()["exit_code"] == 0 and r.out[STDOUT] == b"q\n"
    r = Run(sandboxd, key=None)
    r.send({"type": "auth", "session_api_key": sandboxd.key})
    r.send({"type": "start", "argv": ["echo", "f"]})
    assert r.finish()["exit_code"] == 0 and r.out[STDOUT] == b"f\n"


# ------------------------------------------------------- disconnect, memory

def test_disconnect_kills_the_process_group(sandboxd):
    r = Run(sandboxd, {"command": "sleep 1000 & sleep 1000 & echo up; wait"})
    pid = r.started()
    r.read_until(STDOUT, b"up\n")
    group = process_group(pid)
    assert pid in group and len(group) == 3, group
    r.ws.sock.close()  # no close frame: the client just goes away
    assert still_alive_after(group) == []


def test_memory_stays_bounded_for_a_slow_reader(sandboxd):
    size = 200 << 20
    r = Run(sandboxd, {"argv": ["head", "-c", str(size), "/dev/zero"]})
    pid = r.started()
    time.sleep(2)  # not reading at all
    # the command is held back, not buffered in sandboxd
    assert process_state(pid) is not None and process_state(pid)[0] != "Z"
    assert vm_kib(sandboxd.pid, "VmRSS") < 64 << 10
    frames, received = 0, 0
    while r.read_one():
        frames += 1
        if frames % 400 == 0:
            time.sleep(0.1)  # and then reading slowly
        received += len(r.out[STDOUT])
        r.out[STDOUT] = bytearray()  # counted, not kept
    exit = r.finish()
    assert exit == {"type": "exit", "exit_code": 0, "signal": None, "timed_out": False,
                    "oom_killed": False}
    assert received == size
    assert vm_kib(sandboxd.pid, "VmHWM") < 64 << 10


def test_output_unread_when_the_command_exits_is_delivered(sandboxd):
    """The command ends while the client is not reading and its output is
    paused: what is still in its pipes must arrive all the same."""
    r = Run(sandboxd, {"command": "head -c 100M /dev/zero & sleep 1; echo END >&2; "
                                  "kill $!; wait"})
    pid = r.started()
    assert still_alive_after([pid]) == []  # it ends before a byte is read
    time.sleep(1)
    exit = r.finish()
    assert r.out[STDERR] == b"END\n"
    assert exit["exit_code"] == 0


def test_output_unread_when_the_command_exits_before_its_background(sandboxd):
    """The command exits while output is paused and a background process
    of it still holds its pipes: the command's own output still arrives."""
    r = Run(sandboxd, {"command": "head -c 30M /dev/zero & sleep 1; echo END >&2"})
    pid = r.started()
    assert still_alive_after([pid]) == []
    time.sleep(1)
    exit = r.finish()
    assert r.out[STDERR] == b"END\n"
    assert exit["exit_code"] == 0
