"""sandboxd as PID 1 of real containers of three images built here without
a registry: busybox only (scratch), Debian (glibc, bash, python3) and a musl
userland. The same static binary must behave the same in each."""
import concurrent.futures
import hashlib
import os
import subprocess
import time

import pytest

from sandbox_container import IMAGES, SANDBOXD, SandboxContainer, exec_ws, multipart


@pytest.fixture(scope="module", params=sorted(IMAGES))
def box(request):
    c = SandboxContainer(IMAGES[request.param])
    yield c
    c.remove()


def test_exec_exit_codes_and_streams(box):
    out = box.run("echo out; echo err >&2; exit 42")
    assert (out["exit_code"], out["stdout"], out["stderr"]) == (42, "out\n", "err\n")
    assert box.run("true")["exit_code"] == 0
    assert box.run("kill -9 $$")["exit_code"] == -9


def test_runs_as_sandbox_user_with_sane_environment(box):
    out = box.run('id -u; echo "$HOME|$USER|$PATH"')
    uid, env = out["stdout"].splitlines()
    assert uid == "1000"
    home, user, path = env.split("|")
    assert home.startswith("/") and user and "/bin" in path
    # the session key guarding the sandbox is not visible to its commands
    assert box.key not in box.run("env")["stdout"]


def test_timeout_keeps_partial_output_and_kills_the_group(box):
    out = box.run("echo before; sleep 1000 & sleep 1000; echo never", timeout=1)
    assert out["exit_code"] == -1
    assert out["stdout"] == "before\n"
    left = box.run("ps -o pid,args 2>/dev/null || ps")["stdout"]
    assert "sleep 1000" not in left


def test_auth_refusals(box):
    status, body = box.request("POST", "/api/bash/execute_bash_command",
                               {"command": "true"}, key=None)
    assert (status, body) == (401, {"detail": "Unauthorized"})
    status, _ = box.request("POST", "/api/bash/execute_bash_command",
                            {"command": "true"}, key="wrong")
    assert status == 401
    assert box.request("GET", "/health", key=None) == (200, {"status": "ok"})


def zombies(box):
    out = box.run("cat /proc/[0-9]*/stat 2>/dev/null | grep -c ') Z ' || true")
    return int(out["stdout"].strip() or 0)


def test_no_zombies_after_a_thousand_commands(box):
    # every command leaves an orphan behind, re-parented to PID 1 (sandboxd)
    cmd = "sleep 0.01 & true"

    def one(_):
        return box.run(cmd)["exit_code"]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(one, range(1000)))
    assert codes == [0] * 1000
    time.sleep(0.5)  # let the last orphans end; sandboxd reaps them at once
    assert zombies(box) == 0


def test_sigterm_stops_cleanly():
    c = SandboxContainer(IMAGES["busybox"])
    try:
        c.request("POST", "/api/bash/start_bash_command", {"command": "sleep 1000"})
        subprocess.run(["docker", "stop", "-t", "20", c.name], check=True,
                       stdout=subprocess.DEVNULL)
        state = c.inspect()["State"]
        # 0: sandboxd handled SIGTERM itself (137 would mean docker had to kill it)
        assert state["ExitCode"] == 0
    finally:
        c.remove()


def test_commands_as_root_when_asked():
    c = SandboxContainer(IMAGES["busybox"], env={"SANDBOX_USER_ID": "0"})
    try:
        assert c.run("id -u")["stdout"] == "0\n"
    finally:
        c.remove()


def test_bad_user_id_fails_at_start_with_a_clear_message():
    r = subprocess.run(
        ["docker", "run", "--rm", "-e", "SANDBOX_USER_ID=abc",
         "-v", "%s:/.handbox/sandboxd:ro" % SANDBOXD,
         "--entrypoint", "/.handbox/sandboxd", IMAGES["busybox"]],
        capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert 'SANDBOX_USER_ID: "abc"' in r.stderr


def test_exec_websocket_streams_stdin_and_exit_code(box):
    out, end = exec_ws(box, {"command": "cat; echo done >&2; exit 7"},
                       send=[b"hello ", {"type": "stdin", "data": "world"}, {"type": "eof"}])
    assert out == {1: b"hello world", 2: b"done\n"}
    assert end["type"] == "exit" and end["exit_code"] == 7


def test_pty_reports_a_terminal_and_its_size(box):
    out, end = exec_ws(box, {"command": "tty; stty size", "pty": {"rows": 33, "cols": 101}})
    lines = out[1].decode().split()
    assert lines[0].startswith("/dev/pts/") and lines[1:] == ["33", "101"]
    assert end["exit_code"] == 0


def test_signal_reaches_the_process_group(box):
    out, end = exec_ws(box, {"command": "echo ready; sleep 1000 & wait"},
                       send=[{"type": "signal", "signal": "SIGTERM"}], after=b"ready\n")
    assert out[1] == b"ready\n"
    assert end["signal"] == "SIGTERM"


def test_upload_and_download_100_megabytes_byte_exact(box):
    data = os.urandom(100 << 20)
    body, ctype = multipart("file", "big.bin", data)
    status, answer = box.request("POST", "/api/file/upload?path=/tmp/sub/big.bin", body,
                                 headers={"Content-Type": ctype}, timeout=300)
    assert (status, answer) == (200, {"success": True})
    status, back = box.request("GET", "/api/file/download?path=/tmp/sub/big.bin", timeout=300)
    assert status == 200
    assert hashlib.sha256(back).digest() == hashlib.sha256(data).digest()
    # the file belongs to the sandbox user, not to root
    assert box.run("stat -c %u /tmp/sub/big.bin")["stdout"] == "1000\n"


def test_port_proxy_reaches_python_http_server_on_sandbox_localhost():
    c = SandboxContainer(IMAGES["debian"])
    try:
        c.run("mkdir -p /tmp/site && echo 'hello from the sandbox' > /tmp/site/index.txt")
        status, _ = c.request("POST", "/api/bash/start_bash_command", {
            "command": "cd /tmp/site && exec python3 -m http.server 8011 --bind 127.0.0.1"})
        assert status == 200
        deadline = time.time() + 30
        while True:
            status, ports = c.request("GET", "/api/handbox/ports")
            if any(p["port"] == 8011 for p in ports["ports"]):
                break
            assert time.time() < deadline, ports
            time.sleep(0.1)
        status, body = c.request("GET", "/api/handbox/ports/8011/index.txt")
        assert (status, body) == (200, b"hello from the sandbox\n")
        # bound to the sandbox's loopback only: the published port 8011 of
        # a container would not reach it, the proxy through 8000 does
        status, body = c.request("GET", "/api/handbox/ports/8011/missing.txt")
        assert status == 404
    finally:
        c.remove()
