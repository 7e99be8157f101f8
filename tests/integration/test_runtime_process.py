"""The process backend (RUNTIME=process) through `handbox sandbox …`: a
sandbox is handbox-sandboxd run as a plain local process, with the same API
as a container sandbox. No Docker engine is needed. Also sandboxd's own
`--port 0 --ready-fd N`, which the backend starts it with.

What is checked from outside the CLI (the record file, /proc) follows
docs/runtime-process.md: records are STATE/process/<id>.json."""
import json
import os
import pathlib
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from conftest import children_of  # noqa: E402
from handbox_cli import Handbox, HANDBOX, SANDBOXD  # noqa: E402

# 192.0.2.0/24 is TEST-NET-1: never an address of this host
FOREIGN_ADDRESS = "192.0.2.1"


@pytest.fixture(scope="module", autouse=True)
def binaries():
    assert os.access(HANDBOX, os.X_OK), "build it first: make (or set HANDBOX)"
    assert os.access(SANDBOXD, os.X_OK), "build it first: make (or set SANDBOXD)"


@pytest.fixture
def hb(tmp_path):
    h = Handbox(tmp_path / "state", env={"RUNTIME": "process"})
    yield h
    cleanup(h)


def cleanup(h):
    """rm every sandbox of h, then make sure no sandboxd of its records is
    left running, whatever the test did."""
    recs = records(h)
    ids = [r["id"] for r in recs] + h.created
    if ids:
        h.run("sandbox", "rm", *sorted(set(ids)))
    for r in recs:
        if proc_alive(r["pid"], r["pid_lease"]):
            os.kill(r["pid"], signal.SIGKILL)


# ------------------------------------------------------------------ helpers

def pdir(h):
    return os.path.join(h.state_dir, "process")


def records(h):
    out = []
    if os.path.isdir(pdir(h)):
        for name in sorted(os.listdir(pdir(h))):
            if name.endswith(".json") and not name.startswith("."):
                with open(os.path.join(pdir(h), name)) as f:
                    out.append(json.load(f))
    return out


def record(h, sid):
    with open(os.path.join(pdir(h), sid + ".json")) as f:
        return json.load(f)


def proc_stat(pid):
    """(state, ppid, pgid, sid, starttime) of pid, or None when it is gone
    (conftest's helpers do not read the session and start time)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    fields = s[s.rindex(")") + 2:].split()
    return fields[0], int(fields[1]), int(fields[2]), int(fields[3]), int(fields[19])


def proc_alive(pid, lease=None):
    """Running (not a zombie), and when lease ("pid:start") is given, still
    that very process."""
    st = proc_stat(pid)
    if st is None or st[0] in "ZX":
        return False
    return lease is None or lease == "%d:%d" % (pid, st[4])


def wait_until(cond, what, limit=30):
    """Waits for cond() (a process to die after SIGKILL, …); the limit only
    keeps a broken build from hanging the run."""
    deadline = time.time() + limit
    while not cond():
        assert time.time() < deadline, "gave up waiting: " + what
        time.sleep(0.02)


def exec_out(h, sid, script):
    r = h.run("sandbox", "exec", sid, "--", "sh", "-c", script)
    return r.returncode, r.out, r.err


def by_id(h, sid):
    return {s["id"]: s for s in h.ls()}.get(sid)


def health(url):
    with urllib.request.urlopen(url + "/health", timeout=30) as r:
        return r.status


# ------------------------------------------------- sandboxd: --port 0 / --ready-fd

def start_ready_fd(*args):
    r, w = os.pipe()
    p = subprocess.Popen([SANDBOXD, "--port", "0", "--ready-fd", str(w)] + list(args),
                         pass_fds=[w], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    os.close(w)
    data = b""
    while True:     # until sandboxd closes its end
        chunk = os.read(r, 64)
        if not chunk:
            break
        data += chunk
    os.close(r)
    return p, data


def test_sandboxd_port_zero_reports_the_port_then_eof():
    p, data = start_ready_fd()
    try:
        assert data.endswith(b"\n") and data[:-1].isdigit(), data
        port = int(data)
        assert 0 < port < 65536
        assert health("http://127.0.0.1:%d" % port) == 200
    finally:
        p.terminate()
        _, err = p.communicate(timeout=30)
    assert p.returncode == 0
    assert ("listening on 127.0.0.1:%d" % port).encode() in err


def test_sandboxd_ready_fd_gets_only_eof_when_it_cannot_listen():
    p, data = start_ready_fd("--host", FOREIGN_ADDRESS)
    _, err = p.communicate(timeout=30)
    assert data == b""
    assert p.returncode == 1
    assert b"cannot listen on " + FOREIGN_ADDRESS.encode() in err


def test_sandboxd_ready_fd_must_be_open_for_writing():
    r, w = os.pipe()
    p = subprocess.run([SANDBOXD, "--port", "0", "--ready-fd", str(r)], pass_fds=[r],
                       capture_output=True, timeout=30)
    os.close(r)
    os.close(w)
    assert p.returncode == 2
    assert b"--ready-fd" in p.stderr and b"not a descriptor open for writing" in p.stderr


# ---------------------------------------------------------------- the backend

def test_create_answers_and_runs_commands(hb):
    sb = hb.create()
    info = sb.info
    assert info["backend"] == "process"
    assert info["container"] == "process-" + sb.id
    assert list(info["ports"]) == ["8000"]
    assert info["url"] == "http://127.0.0.1:%d" % info["ports"]["8000"]
    assert len(sb.key) == 64
    assert health(sb.url) == 200
    # the key guards the API
    status, _ = sb.post("/api/bash/execute_bash_command", {"command": "true"}, key=None)
    assert status == 401
    out = sb.run("echo via-api; pwd")
    assert out["exit_code"] == 0 and out["stdout"].split() == ["via-api", info["workdir"]]
    code, out, _ = exec_out(hb, sb.id, "echo via-exec; exit 3")
    assert (code, out) == (3, "via-exec\n")


def test_cp_in_and_out(hb, tmp_path):
    sb = hb.create()
    src = tmp_path / "in.txt"
    src.write_text("payload\n")
    dst = "%s/copied.txt" % sb.info["workdir"]
    hb.run("sandbox", "cp", str(src), "%s:%s" % (sb.id, dst), check=True)
    assert exec_out(hb, sb.id, "cat copied.txt")[:2] == (0, "payload\n")
    r = hb.run("sandbox", "cp", "%s:%s" % (sb.id, dst), "-", check=True)
    assert r.out == "payload\n"


def test_sandboxd_is_detached_and_listens_where_asked(hb):
    sb = hb.create()
    rec = record(hb, sb.id)
    state, ppid, pgid, sid, start = proc_stat(rec["pid"])
    assert rec["pid_lease"] == "%d:%d" % (rec["pid"], start)
    # its own session and group; not ours, so never our zombie
    assert (pgid, sid) == (rec["pid"], rec["pid"])
    assert ppid != os.getpid()
    assert rec["port"] == sb.port and rec["bind_address"] == "127.0.0.1"
    with open("/proc/%d/cmdline" % rec["pid"], "rb") as f:
        argv = f.read().split(b"\0")
    assert b"handbox.sandbox=" + sb.id.encode() in argv
    assert b"handbox.state_dir=" + hb.state_dir.encode() in argv


def test_record_survives_the_cli(hb):
    sb = hb.create()
    listed = by_id(hb, sb.id)
    assert listed["state"] == "running"
    assert listed["url"] == sb.url and listed["ports"] == {"8000": sb.port}
    again = hb.inspect(sb.id)
    assert again["session_api_key"] == sb.key
    # a prefix finds it too
    assert hb.inspect(sb.id[:6])["id"] == sb.id
    rec = record(hb, sb.id)
    for field in ("id", "pid", "pid_lease", "port", "session_api_key", "workdir", "owner",
                  "state_dir", "lease", "created_us", "image", "log"):
        assert field in rec, field
    assert rec["image"] == "host" and rec["state_dir"] == hb.state_dir
    with open(os.path.join(hb.state_dir, "server-id")) as f:
        assert rec["owner"] == f.read().strip()


def test_session_key_stays_private(hb):
    sb = hb.create("--env", "FOO=bar", env={"LLM_API_KEY": "sk-secret-llm-key"})
    rec = record(hb, sb.id)
    # other users can read neither the record nor the log
    assert stat.S_IMODE(os.stat(pdir(hb)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(pdir(hb), sb.id + ".json")).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(rec["log"]).st_mode) == 0o600
    with open("/proc/%d/cmdline" % rec["pid"], "rb") as f:
        assert sb.key.encode() not in f.read()
    # commands get neither the key nor our environment's secrets
    code, out, _ = exec_out(hb, sb.id, "env")
    assert code == 0
    assert "FOO=bar" in out.splitlines()
    assert sb.key not in out and "SESSION_API_KEY" not in out
    assert "sk-secret-llm-key" not in out and "LLM_API_KEY" not in out
    if os.geteuid() == 0:
        # as root, commands run as SANDBOX_USER_ID (1000): another user
        code, out, _ = exec_out(hb, sb.id, "id -u; cat %s/%s.json /proc/%d/environ"
                                % (pdir(hb), sb.id, rec["pid"]))
        assert out.split()[0] == "1000"
        assert code != 0 and sb.key not in out


def test_rm_stops_everything_and_cleans_up(hb):
    sb = hb.create()
    rec = record(hb, sb.id)
    # a background job, and a daemon in a session of its own
    code, _, err = exec_out(hb, sb.id, "sleep 1001 >/dev/null 2>&1 & "
                            "setsid sh -c 'sleep 1002 & sleep 1003' >/dev/null 2>&1 &")
    assert code == 0, err
    wait_until(lambda: len(children_of(rec["pid"])) >= 4, "the commands to start")
    procs = [(p, proc_stat(p)[4]) for p in children_of(rec["pid"])]
    workdir = sb.info["workdir"]
    assert os.path.isdir(workdir)
    r = hb.run("sandbox", "rm", sb.id)
    assert r.returncode == 0, r.err
    assert not proc_alive(rec["pid"], rec["pid_lease"])
    for pid, start in procs:
        assert not proc_alive(pid, "%d:%d" % (pid, start)), pid
    assert not os.path.exists(os.path.join(pdir(hb), sb.id + ".json"))
    assert not os.path.exists(rec["log"])
    assert not os.path.exists(workdir)
    assert by_id(hb, sb.id) is None
    # nothing was re-parented to us
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


@pytest.fixture
def user_folder():
    """A folder the sandbox user can reach and write (in /tmp: pytest's
    tmp_path is closed to other users)."""
    folder = pathlib.Path(tempfile.mkdtemp(prefix="handbox-test-volume-"))
    if os.geteuid() == 0:
        os.chown(folder, 1000, 1000)
    yield folder
    shutil.rmtree(folder)


def test_volume_is_the_workdir_and_survives_rm(hb, user_folder):
    folder = user_folder
    (folder / "keep.txt").write_text("mine")
    sb = hb.create("--volume", "%s:/workspace" % folder)
    assert sb.info["workdir"] == str(folder)
    code, out, err = exec_out(hb, sb.id, "pwd; cat keep.txt; echo new > made.txt")
    assert code == 0, err
    assert out == "%s\nmine" % folder
    hb.run("sandbox", "rm", sb.id, check=True)
    assert (folder / "keep.txt").read_text() == "mine"
    assert (folder / "made.txt").read_text() == "new\n"


def test_unsupported_volumes_are_refused(hb, tmp_path):
    r = hb.run("sandbox", "create", "--volume", "%s:/workspace:ro" % tmp_path)
    assert r.returncode != 0
    assert "read-only" in r.err and str(tmp_path) in r.err
    r = hb.run("sandbox", "create", "--volume", "%s:/a" % tmp_path,
               "--volume", "%s:/b" % tmp_path)
    assert r.returncode != 0 and "one host folder" in r.err
    assert records(hb) == []


def test_killed_sandboxd_shows_as_exited(hb):
    sb = hb.create()
    rec = record(hb, sb.id)
    os.kill(rec["pid"], signal.SIGKILL)
    wait_until(lambda: not proc_alive(rec["pid"]), "sandboxd to die")
    listed = by_id(hb, sb.id)
    assert listed["state"] == "exited"
    assert "8000" not in listed["ports"]
    r = hb.run("sandbox", "exec", sb.id, "--", "true")
    assert r.returncode != 0 and "is exited" in r.err


def test_stop_start_keeps_id_key_and_workdir(hb):
    sb = hb.create()
    hb.run("sandbox", "stop", sb.id, check=True)
    stopped = hb.inspect(sb.id)
    assert stopped["state"] == "exited"
    assert not proc_alive(record(hb, sb.id)["pid"], record(hb, sb.id)["pid_lease"])
    hb.run("sandbox", "start", sb.id, check=True)
    again = hb.inspect(sb.id)
    assert again["state"] == "running"
    assert again["session_api_key"] == sb.key and again["workdir"] == sb.info["workdir"]
    assert health(again["url"]) == 200
    code, out, _ = exec_out(hb, sb.id, "pwd")
    assert (code, out) == (0, sb.info["workdir"] + "\n")
    logs = hb.run("sandbox", "logs", sb.id, check=True).out
    assert logs.count("listening on 127.0.0.1:") == 2


def test_pause_stops_every_process_and_resume_continues(hb):
    sb = hb.create()
    rec = record(hb, sb.id)
    code, _, err = exec_out(hb, sb.id, "sleep 1001 >/dev/null 2>&1 &")
    assert code == 0, err
    wait_until(lambda: children_of(rec["pid"]), "the command to start")
    tree = [rec["pid"]] + children_of(rec["pid"])
    hb.run("sandbox", "pause", sb.id, check=True)
    assert by_id(hb, sb.id)["state"] == "paused"
    for pid in tree:
        assert proc_stat(pid)[0] == "T", pid
    hb.run("sandbox", "resume", sb.id, check=True)
    assert by_id(hb, sb.id)["state"] == "running"
    for pid in tree:
        assert proc_stat(pid)[0] != "T", pid
    assert exec_out(hb, sb.id, "echo back")[:2] == (0, "back\n")


def test_bad_bind_addresses_fail_clearly(hb):
    r = hb.run("sandbox", "create", "--bind", FOREIGN_ADDRESS)
    assert r.returncode != 0
    # sandboxd's own complaint, from its log
    assert "cannot listen on %s" % FOREIGN_ADDRESS in r.err, r.err
    r = hb.run("sandbox", "create", "--bind", "::1")
    assert r.returncode != 0 and "::1" in r.err and "IPv4" in r.err, r.err
    # nothing is left behind: no record, no log, no workspace, no process
    assert os.listdir(pdir(hb)) == []
    assert hb.ls() == []


def test_bind_all_addresses_is_reached_on_loopback(hb):
    sb = hb.create("--bind", "0.0.0.0")
    assert sb.info["host"] == "127.0.0.1"
    assert record(hb, sb.id)["bind_address"] == "0.0.0.0"
    assert health(sb.url) == 200


def test_gc_removes_a_sandbox_whose_state_dir_is_gone(hb, tmp_path):
    """The record went with its state directory; the running sandboxd is
    found by the labels in its argv and removed by gc from any state dir."""
    lost = Handbox(tmp_path / "lost", env={"RUNTIME": "process"})
    sb = lost.create()
    rec = record(lost, sb.id)
    subprocess.run(["rm", "-rf", lost.state_dir], check=True)
    listed = by_id(hb, sb.id)
    assert listed is not None and listed["state"] == "running" and listed["orphan"]
    r = hb.run("sandbox", "gc", "--json", check=True)
    removed = {x["id"]: x["reason"] for x in json.loads(r.out)["removed"]}
    assert sb.id in removed and "is gone" in removed[sb.id]
    assert not proc_alive(rec["pid"], rec["pid_lease"])
    assert by_id(hb, sb.id) is None
    if rec["workdir"].startswith("/tmp/handbox-"):
        assert not os.path.exists(rec["workdir"])


def test_gc_leaves_a_process_that_only_mentions_the_label(hb):
    """A stray is found by sandboxd's argv, not by a label anywhere in any
    argv: a script or a grep that names one is neither listed nor killed."""
    fake = "0123456789ab"
    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1000)",
                          "--label", "handbox.sandbox=" + fake])
    try:
        time.sleep(0.2)
        assert by_id(hb, fake) is None
        hb.run("sandbox", "gc", check=True)
        assert p.poll() is None
    finally:
        p.kill()
        p.wait()


def test_gc_removes_a_sandbox_whose_owner_ended(hb):
    owner = subprocess.Popen(["sleep", "1000"])
    try:
        sb = hb.create("--owner-pid", str(owner.pid))
        assert record(hb, sb.id)["lease"].startswith("%d:" % owner.pid)
        r = hb.run("sandbox", "gc", "--json", check=True)
        assert sb.id not in [x["id"] for x in json.loads(r.out)["removed"]]
        assert by_id(hb, sb.id)["state"] == "running"
    finally:
        owner.kill()
        owner.wait()
    r = hb.run("sandbox", "gc", "--json", check=True)
    removed = {x["id"]: x["reason"] for x in json.loads(r.out)["removed"]}
    assert "has ended" in removed[sb.id]
    assert by_id(hb, sb.id) is None
