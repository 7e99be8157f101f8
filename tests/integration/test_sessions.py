"""Persistent bash sessions (/api/handbox/sessions, docs/bash-sessions.md),
driven the way the agent's terminal tool drives them: state that persists
between commands, exit codes and the final cwd, output free of anything
the session machinery types, soft timeouts that leave the command running,
input and keys sent to a running command, `exit`, deletion, and the errors
for unknown sessions and bad bodies."""
import json
import os
import socket
import time
import urllib.error
import uuid

import pytest

from conftest import KEY_HEADER, children_of, process_state, wait_gone

BASE = "/api/handbox/sessions"
OUTPUT_KEEP = 1 << 20


class Shell:
    """One session of the sandboxd of the test."""

    def __init__(self, sb, **create):
        status, body = sb.post(BASE, create)
        assert status == 201, body
        self.sb, self.id, self.info = sb, body["id"], body

    def run(self, command, timeout=None, is_input=None, expect=200):
        body = {"command": command}
        if timeout is not None:
            body["timeout"] = timeout
        if is_input is not None:
            body["is_input"] = is_input
        status, out = self.sb.post("%s/%s/run" % (BASE, self.id), body)
        assert status == expect, out
        return out

    def key(self, text, timeout=None):
        return self.run(text, timeout=timeout, is_input=True)

    def output(self, wait=None):
        params = {"wait": wait} if wait is not None else None
        status, out = self.sb.get("%s/%s/output" % (BASE, self.id), params=params)
        assert status == 200, out
        return out


@pytest.fixture
def shell(sandboxd):
    """A factory of sessions, deleted after the test (an interactive bash
    ignores SIGTERM, so leaving them would slow sandboxd's stop)."""
    made = []

    def make(**create):
        sh = Shell(sandboxd, **create)
        made.append(sh)
        return sh

    yield make
    for sh in made:
        sandboxd.delete("%s/%s" % (BASE, sh.id))


# ------------------------------------------------------------- sessions

def test_create_list_get(sandboxd, shell):
    sh = shell(cwd="/tmp")
    assert uuid.UUID(sh.id).version == 4
    assert sh.info["cwd"] == "/tmp"
    assert sh.info["status"] == "idle"
    assert process_state(sh.info["pid"]) is not None

    status, listed = sandboxd.get(BASE)
    assert status == 200
    assert [s["id"] for s in listed] == [sh.id]
    status, one = sandboxd.get("%s/%s" % (BASE, sh.id))
    assert status == 200
    assert one["pid"] == sh.info["pid"] and one["cwd"] == "/tmp"


def test_cwd_and_exported_variables_persist(shell):
    sh = shell()
    r = sh.run("cd /tmp && export FOO=bar")
    assert r["status"] == "completed" and r["exit_code"] == 0
    assert r["cwd"] == "/tmp"
    r = sh.run("pwd; echo $FOO")
    assert r["output"] == "/tmp\nbar\n"
    # shell variables, functions and arrays persist too
    sh.run("declare -a arr=(x y); greet() { echo hi $1; }")
    assert sh.run("greet ${arr[1]}")["output"] == "hi y\n"


def test_create_with_env_and_terminal_size(shell):
    sh = shell(cwd="/", env={"MYVAR": "from request"}, rows=30, cols=100)
    r = sh.run("echo $MYVAR; stty size; pwd")
    assert r["output"] == "from request\n30 100\n/\n"


@pytest.mark.parametrize("command,code", [
    ("true", 0), ("false", 1), ("(exit 42)", 42), ("nonexistent-command-xyz", 127),
])
def test_exit_codes(shell, command, code):
    r = shell().run(command)
    assert r["status"] == "completed"
    assert r["exit_code"] == code


def test_previous_exit_code_is_kept_for_the_next_command(shell):
    sh = shell()
    sh.run("false")
    assert sh.run("echo $?")["output"] == "1\n"


def test_output_is_only_what_the_command_printed(shell):
    sh = shell()
    assert sh.run("echo hello")["output"] == "hello\n"
    assert sh.run("true")["output"] == ""
    assert sh.run("printf 'a\\nb'; echo 'c!' >&2")["output"] == "a\nbc!\n"
    r = sh.run("for i in 1 2; do echo line $i; done")
    assert r["output"] == "line 1\nline 2\n"
    for r in (sh.run("echo $PS1$PS2"), sh.run("ls / >/dev/null")):
        assert "__hb" not in r["output"] and "253" not in r["output"]
        assert r["output"] in ("\n", "")


def test_heredoc_and_multiline(shell):
    sh = shell()
    r = sh.run("X=1\ncat <<EOF\nplain\n\ttabbed $X\nEOF\nif true; then\n  echo inside\nfi")
    assert r["exit_code"] == 0
    assert r["output"] == "plain\n\ttabbed 1\ninside\n"


def test_long_lines_are_not_cut_by_the_terminal(shell):
    # a terminal reads at most 4095 bytes per line; commands do not go
    # through it
    line = "x" * 10000
    r = shell().run("cat <<'EOF' | wc -c\n%s\nEOF" % line)
    assert r["output"].strip() == "10001"


def test_command_and_input_larger_than_a_pipe(shell):
    # 200 kB: more than a pipe or the terminal holds at once, so both are
    # written in several turns of sandboxd's loop
    sh = shell()
    r = sh.run("cat <<'EOF' | wc -c\n%sEOF" % (("z" * 999 + "\n") * 200), timeout=60)
    assert r["status"] == "completed" and r["output"].strip() == "200000"
    assert sh.run("wc -c", timeout=0.3)["status"] == "running"
    sh.key(("y" * 99 + "\n") * 2000, timeout=0.3)
    r = sh.key("C-d", timeout=60)
    assert r["status"] == "completed" and r["output"].strip() == "200000"


def test_quotes_and_syntax_errors(shell):
    sh = shell()
    assert sh.run('echo "hello!"')["output"] == "hello!\n"
    r = sh.run('echo "unterminated')
    assert r["status"] == "completed" and r["exit_code"] == 2
    assert "unexpected EOF" in r["output"]
    assert sh.run("fi")["exit_code"] == 2
    assert sh.run("echo still here")["output"] == "still here\n"


def test_utf8_output_and_invalid_bytes(shell):
    r = shell().run("echo 'héllo ✓'; printf '\\377\\n'")
    assert r["output"] == "héllo ✓\n\ufffd\n"


# --------------------------------------------- running commands and input

def test_soft_timeout_then_ctrl_c(shell):
    sh = shell()
    r = sh.run("echo started; sleep 30", timeout=1)
    assert r["status"] == "running"
    assert r["exit_code"] is None
    assert r["output"] == "started\n"

    status, err = sh.sb.post("%s/%s/run" % (BASE, sh.id), {"command": "echo hi"})
    assert status == 409
    assert "C-c" in err["detail"]

    r = sh.key("C-c")
    assert r["status"] == "completed"
    assert r["exit_code"] == 130
    assert sh.run("echo usable")["output"] == "usable\n"


def test_ctrl_c_right_after_the_command_is_sent(shell):
    # the key must not reach the terminal before the shell has read the
    # command's trigger line (the terminal would discard the line and the
    # command would never end), and a job bash starts in the instant of the
    # key must not outlive it. A C-c in that instant may be taken by bash
    # itself, as on any terminal: then a second one ends the job.
    sh = shell()
    for i in range(20):
        assert sh.run("sleep 30; echo not reached", timeout=0)["status"] == "running"
        r = sh.key("C-c", timeout=2)
        if r["status"] == "running":
            r = sh.key("C-c", timeout=30)
        assert r["status"] == "completed" and r["exit_code"] == 130, r
        assert "not reached" not in r["output"]
        # a newline may come first: bash's own, for a job ended by C-c
        r = sh.run("echo %d" % i, timeout=30)
        assert r["status"] == "completed" and r["output"].strip() == str(i), r


def test_read_takes_the_next_input(shell):
    sh = shell()
    r = sh.run("read x", timeout=0.5)
    assert r["status"] == "running"
    r = sh.key("hello")
    assert r["status"] == "completed" and r["exit_code"] == 0
    assert r["output"] == ""  # typed input is not echoed
    assert sh.run("echo got $x")["output"] == "got hello\n"


def test_cat_input_then_ctrl_d(shell):
    sh = shell()
    assert sh.run("cat", timeout=0.3)["status"] == "running"
    r = sh.key("first line", timeout=0.5)
    assert r["status"] == "running"
    assert r["output"] == "first line\n"
    r = sh.key("C-d")
    assert r["status"] == "completed" and r["exit_code"] == 0


def test_python_repl(shell):
    sh = shell()
    r = sh.run("python3 -q", timeout=1)
    assert r["status"] == "running"
    r = sh.key("print(6 * 7)", timeout=1)
    assert "42" in r["output"]
    r = sh.key("C-d")
    assert r["status"] == "completed" and r["exit_code"] == 0


def test_ctrl_z_stops_the_job(shell):
    sh = shell()
    assert sh.run("sleep 30", timeout=0.5)["status"] == "running"
    r = sh.key("C-z")
    assert r["status"] == "completed" and r["exit_code"] == 148
    assert "Stopped" in r["output"]
    assert "sleep 30" in sh.run("jobs")["output"]
    sh.run("kill -9 %1")


def test_poll_for_output_until_done(shell):
    sh = shell()
    r = sh.run("for i in 1 2 3; do echo $i; sleep 0.3; done; (exit 5)",
               timeout=0)
    assert r["status"] == "running"
    seen = r["output"]
    while True:
        r = sh.output(wait=10)
        seen += r["output"]
        if r["status"] != "running":
            break
    assert r["status"] == "completed" and r["exit_code"] == 5
    assert seen == "1\n2\n3\n"
    # nothing new since the last answer
    r = sh.output()
    assert r["output"] == "" and r["status"] == "completed"


def test_empty_command_waits_on_the_running_one(shell):
    sh = shell()
    assert sh.run("sleep 0.5; echo done", timeout=0)["status"] == "running"
    r = sh.run("", timeout=10)
    assert r["status"] == "completed" and r["output"] == "done\n"


def test_a_client_that_gives_up_does_not_stop_the_command(sandboxd, shell):
    sh = shell()
    with pytest.raises((urllib.error.URLError, TimeoutError, OSError)):
        sandboxd.post("%s/%s/run" % (BASE, sh.id),
                      {"command": "sleep 2; echo finished", "timeout": 30}, timeout=0.5)
    r = sh.output(wait=30)
    assert r["status"] == "completed"
    assert r["output"] == "finished\n"


def test_huge_output_keeps_the_last_mebibyte(shell):
    r = shell().run("seq 1 400000", timeout=60)
    assert r["status"] == "completed" and r["exit_code"] == 0
    assert r["truncated"] is True
    assert len(r["output"].encode()) <= OUTPUT_KEEP
    assert r["output"].endswith("\n399999\n400000\n")


def send_create(sb, create=None):
    """Sends a create request on a connection of its own, left open."""
    body = json.dumps(create or {}).encode()
    head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s: %s\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            % (BASE, KEY_HEADER, sb.key, len(body)))
    s = socket.create_connection(("127.0.0.1", sb.port), timeout=5)
    s.sendall(head.encode() + body)
    return s


def abandoned_create(sb, create=None):
    """A create request whose client sends it and hangs up at once."""
    send_create(sb, create).close()


@pytest.fixture
def hanging_start(tmp_path):
    """A create body whose bash never gets to its prompt: an interactive
    bash reads its history file at start, and this one is a FIFO nobody
    writes to."""
    fifo = str(tmp_path / "history")
    os.mkfifo(fifo)
    return {"env": {"HISTFILE": fifo}}


def wait_no_sessions(sb, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listed = sb.get(BASE)[1]
        if listed == [] and not children_of(sb.pid):
            return []
        time.sleep(0.1)
    return listed


def test_a_create_whose_client_went_away_leaves_no_session(sandboxd, shell):
    # nobody knows the ids of these sessions: they must go, shell and all
    for _ in range(3):
        abandoned_create(sandboxd)
    assert wait_no_sessions(sandboxd) == []
    assert children_of(sandboxd.pid) == []
    # more of them than there is room for sessions do not use it up
    for _ in range(40):
        abandoned_create(sandboxd)
    assert wait_no_sessions(sandboxd) == []
    sh = shell()
    assert sh.run("echo fine")["output"] == "fine\n"


def test_a_hanging_start_whose_client_went_away_ends_at_once(sandboxd, hanging_start):
    abandoned_create(sandboxd, hanging_start)
    # well within the 10-s start timeout: the shell goes with its client
    assert wait_no_sessions(sandboxd, timeout=5) == []


def test_stop_while_a_create_waits(sandboxd, hanging_start):
    s = send_create(sandboxd, hanging_start)
    try:
        deadline = time.monotonic() + 5
        while not sandboxd.get(BASE)[1] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [x["status"] for x in sandboxd.get(BASE)[1]] == ["starting"]
        assert sandboxd.stop() == 0
    finally:
        s.close()


# ------------------------------------------------------------ the end

def test_exit_ends_the_session(sandboxd, shell):
    sh = shell()
    r = sh.run("exit 3")
    assert r["status"] == "exited" and r["exit_code"] == 3
    status, err = sandboxd.post("%s/%s/run" % (BASE, sh.id), {"command": "true"})
    assert status == 409 and "exited" in err["detail"]
    status, one = sandboxd.get("%s/%s" % (BASE, sh.id))
    assert one["status"] == "exited"
    assert wait_gone(sh.info["pid"])


def test_delete_kills_the_shell_and_its_jobs(sandboxd, shell):
    sh = shell()
    job = int(sh.run("sleep 300 & echo $!")["output"].split()[-1])
    fg = sh.run("sleep 301", timeout=0.3)
    assert fg["status"] == "running"
    status, body = sandboxd.delete("%s/%s" % (BASE, sh.id))
    assert status == 200 and body == {"success": True}
    assert wait_gone(job)
    assert wait_gone(sh.info["pid"])
    status, _ = sandboxd.get("%s/%s" % (BASE, sh.id))
    assert status == 404
    assert sandboxd.get(BASE)[1] == []


# ------------------------------------------------------------- errors

def test_unknown_session_is_404(sandboxd):
    missing = str(uuid.uuid4())
    for method, path, body in [
        ("GET", "/%s" % missing, None),
        ("DELETE", "/%s" % missing, None),
        ("POST", "/%s/run" % missing, {"command": "true"}),
        ("GET", "/%s/output" % missing, None),
        ("POST", "/%s/output" % missing, {}),
    ]:
        status, err = sandboxd.request(method, BASE + path, body=body)
        assert status == 404, (method, path)
        assert missing in err["detail"]


@pytest.mark.parametrize("body,field", [
    ([1], "body"), ({"cwd": "relative"}, "cwd"), ({"cwd": "/no/such/dir"}, "cwd"),
    ({"env": {"1BAD": "x"}}, "env"), ({"env": {"X": 1}}, "env.X"), ({"env": "X=1"}, "env"),
    ({"rows": 0}, "rows"), ({"cols": "wide"}, "cols"),
])
def test_bad_create_bodies_are_422(sandboxd, body, field):
    status, err = sandboxd.post(BASE, body)
    assert status == 422
    assert err["detail"].startswith(field)
    assert sandboxd.get(BASE)[1] == []


@pytest.mark.parametrize("body,field", [
    ({}, "command"), ({"command": 1}, "command"), ([], "body"),
    ({"command": "true", "timeout": -1}, "timeout"),
    ({"command": "true", "timeout": "10"}, "timeout"),
    ({"command": "true", "timeout": 3601}, "timeout"),
    ({"command": "true", "is_input": "yes"}, "is_input"),
])
def test_bad_run_bodies_are_422(sandboxd, shell, body, field):
    sh = shell()
    status, err = sandboxd.post("%s/%s/run" % (BASE, sh.id), body)
    assert status == 422
    assert err["detail"].startswith(field)
    assert sh.run("echo fine")["output"] == "fine\n"


def test_bad_output_wait_is_422(sandboxd, shell):
    sh = shell()
    status, err = sandboxd.get("%s/%s/output" % (BASE, sh.id), params={"wait": "soon"})
    assert status == 422 and "wait" in err["detail"]
    status, err = sandboxd.post("%s/%s/output" % (BASE, sh.id), {"wait": -2})
    assert status == 422 and "wait" in err["detail"]


def test_input_without_a_running_command_is_409(shell):
    sh = shell()
    r = sh.run("C-c", is_input=True, expect=409)
    assert "is_input false" in r["detail"]


def test_routes_need_the_session_key(sandboxd):
    status, body = sandboxd.post(BASE, {}, key=None)
    assert status == 401
    status, body = sandboxd.get(BASE, key="wrong")
    assert status == 401
