"""What a sandbox container no longer has, what handbox refuses to make,
and the smaller guards of sandboxd (issue 10, "Containers lose what they
don't need"), each from the position it defends against: the agent user
and root inside a sandbox, a caller of sandboxd's routes, and hostile CLI
input.

The first part needs a Docker engine and the test images; the sandboxd
part starts sandboxd as a local process (root: it acts as another user)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

from conftest import KEY_HEADER  # noqa: F401  (the fixtures below need conftest)
from test_files import needs_root, upload_bytes
from test_git import make_repo
from test_ports_proxy import ECHO_SERVER, PREFIX, raw_request, start_server  # noqa: F401

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from handbox_cli import HANDBOX, Handbox  # noqa: E402
from sandbox_container import IMAGES, require_engine, require_image  # noqa: E402

DEBIAN = IMAGES["debian"]
# CHOWN 0, DAC_OVERRIDE 1, FOWNER 3, FSETID 4, KILL 5, SETGID 6, SETUID 7
KEPT_CAPS = 0xfb
CAP_NET_RAW = 1 << 13


def docker(*args):
    return subprocess.run(["docker"] + list(args), capture_output=True, text=True)


@pytest.fixture(scope="module")
def hb(tmp_path_factory):
    require_engine()
    require_image(DEBIAN)
    assert os.access(HANDBOX, os.X_OK), "build it first: make"
    h = Handbox(tmp_path_factory.mktemp("state"))
    yield h
    h.rm_all()


@pytest.fixture(scope="module")
def sb(hb):
    return hb.create("--image", DEBIAN)


def sh(hb, sb, line, *opts):
    return hb.run("sandbox", "exec", *opts, sb.id, "--", "sh", "-c", line)


def caps(status_text):
    """{"CapEff": int, …, "NoNewPrivs": int} of a /proc/PID/status."""
    out = {}
    for line in status_text.splitlines():
        key, _, value = line.partition(":")
        if key.startswith("Cap"):
            out[key] = int(value.strip(), 16)
        elif key == "NoNewPrivs":
            out[key] = int(value.strip())
    return out


# ------------------------------------------------------------- capabilities

def test_the_container_keeps_only_sandboxds_capabilities(hb, sb):
    hc = json.loads(docker("inspect", "-f", "{{json .HostConfig}}", sb.container).stdout)
    assert hc["CapDrop"] == ["ALL"]
    assert sorted(hc["CapAdd"]) == ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL",
                                    "SETGID", "SETUID"]
    assert "no-new-privileges:true" in hc["SecurityOpt"]
    # PID 1 (sandboxd, root) has exactly those
    r = sh(hb, sb, "cat /proc/1/status")
    assert r.returncode == 0, r.err
    pid1 = caps(r.out)
    assert pid1["CapEff"] == KEPT_CAPS and pid1["CapBnd"] == KEPT_CAPS
    assert pid1["NoNewPrivs"] == 1


def test_the_agent_user_has_no_capability(hb, sb):
    r = sh(hb, sb, "id -u; cat /proc/self/status")
    assert r.out.splitlines()[0] == "1000"
    mine = caps(r.out)
    assert mine["CapEff"] == 0 and mine["CapPrm"] == 0
    assert mine["NoNewPrivs"] == 1


def test_setuid_binaries_raise_nobody(hb, sb):
    # root plants a setuid-root copy of id; the agent user runs it
    r = sh(hb, sb, "cp /usr/bin/id /tmp/suid-id && chmod 4755 /tmp/suid-id && "
           "stat -c %a:%U /tmp/suid-id", "-u", "root")
    assert r.returncode == 0 and r.out.strip() == "4755:root", r.err
    r = sh(hb, sb, "/tmp/suid-id")
    assert r.returncode == 0, r.err
    assert "uid=1000" in r.out and "euid=0" not in r.out, r.out
    # the image's own setuid su cannot make the user root either
    r = sh(hb, sb, "ls -l /bin/su; su -c 'id -u' root </dev/null; echo status=$?")
    assert "rws" in r.out.splitlines()[0]
    assert "status=0" not in r.out


def test_root_in_the_sandbox_cannot_open_raw_sockets(hb, sb):
    r = sh(hb, sb, "cat /proc/self/status", "-u", "root")
    root = caps(r.out)
    assert root["CapEff"] == KEPT_CAPS and not root["CapEff"] & CAP_NET_RAW
    r = hb.run("sandbox", "exec", "-u", "root", sb.id, "--", "python3", "-c",
               "import socket\n"
               "try:\n"
               "    socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)\n"
               "    print('raw socket opened')\n"
               "except PermissionError:\n"
               "    print('refused')\n")
    assert r.out.strip() == "refused", r.out + r.err


def test_what_root_still_can_and_can_no_longer_do(hb, sb):
    # still: act on other users' files (package installs, --user-id 0)
    r = sh(hb, sb, "touch /tmp/theirs && chown 1000:1000 /tmp/theirs && chmod 600 /tmp/theirs"
           " && echo mine > /tmp/theirs && cat /tmp/theirs && kill -0 1 && echo killed-0",
           "-u", "root")
    assert r.returncode == 0 and r.out == "mine\nkilled-0\n", r.err
    # no longer: device nodes, chroot
    r = sh(hb, sb, "mknod /tmp/null c 1 3 2>&1; echo mknod=$?; chroot / true 2>&1; "
           "echo chroot=$?", "-u", "root")
    assert "mknod=0" not in r.out and "chroot=0" not in r.out, r.out


# ------------------------------------------------------------- refusals

def created(hb):
    """The containers this state directory made (refusals make none)."""
    hb.run("sandbox", "ls", check=True)
    with open(os.path.join(hb.state_dir, "server-id")) as f:
        sid = f.read().strip()
    return docker("ps", "-aq", "--filter", "label=handbox.owner=" + sid).stdout.split()


@pytest.fixture
def fresh(tmp_path):
    """A state directory with nothing in it: what a refusal must leave.
    Whatever it made is removed afterwards, even what a refusal that
    failed made."""
    require_engine()
    h = Handbox(tmp_path / "state")
    yield h
    h.rm_all()
    left = [c[len("oh-agent-server-"):] for c in
            docker("ps", "-a", "--format", "{{.Names}}", "--filter",
                   "label=handbox.state_dir=" + h.state_dir).stdout.split()]
    if left:
        h.run("sandbox", "rm", *left)


def engine_socket():
    host = os.environ.get("DOCKER_HOST", "")
    return host[len("unix://"):] if host.startswith("unix://") else "/var/run/docker.sock"


@pytest.mark.parametrize("spec,says", [
    ("/var/run:/x:ro", "/var/run holds the Docker engine's socket"),
    ("/run:/x", "holds the Docker engine's socket"),
    ("/:/host:ro", "/ holds the Docker engine's socket"),
    ("/proc:/hostproc:ro", "/proc is a proc file system"),
    ("/run/hb-test-run-folder:/x:ro", "/run/hb-test-run-folder lies in /run, which holds the sockets"),
])
def test_mounts_that_reach_the_engine_are_refused(fresh, spec, says):
    os.makedirs("/run/hb-test-run-folder", exist_ok=True)     # a folder of /run that exists
    r = fresh.run("sandbox", "create", "--image", DEBIAN, "--volume", spec)
    assert r.returncode == 1, r.out
    assert says in r.err and "mount " + spec.rsplit(":ro", 1)[0] in r.err, r.err
    assert ":ro does not stop" in r.err or "proc" in spec or "lies in /run" in r.err
    assert created(fresh) == []


def engine_data_root():
    r = subprocess.run(["docker", "info", "-f", "{{.DockerRootDir}}"], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


@pytest.mark.parametrize("where,says", [
    ("containers", "lies in"),     # other sandboxes' configurations, keys included
    ("", "lies in"),
    ("..", "holds"),
])
def test_the_engines_data_is_refused(fresh, where, says):
    source = os.path.normpath(os.path.join(engine_data_root(), where))
    r = fresh.run("sandbox", "create", "--image", DEBIAN, "--volume", source + ":/x:ro")
    assert r.returncode == 1, r.out
    assert says in r.err and "the Docker engine's data" in r.err, r.err
    assert created(fresh) == []


def test_the_socket_itself_and_a_link_to_its_folder_are_refused(fresh, tmp_path):
    sock = engine_socket()
    r = fresh.run("sandbox", "create", "--volume", sock + ":/s")
    assert r.returncode == 1 and "is the Docker engine's socket" in r.err, r.err
    link = tmp_path / "innocent"
    os.symlink(os.path.dirname(os.path.realpath(sock)), link)
    r = fresh.run("sandbox", "create", "--volume", "%s:/x:ro" % link)
    assert r.returncode == 1 and "holds the Docker engine's socket" in r.err, r.err
    assert created(fresh) == []


@pytest.mark.parametrize("net,says", [
    ("host", "the sandbox would share the host's network"),
    ("container:abc", "that container's network"),
    ("none", "could not reach its sandboxd"),
])
def test_networks_that_undo_the_sandbox_are_refused(fresh, net, says):
    r = fresh.run("sandbox", "create", "--network", net)
    assert r.returncode == 2
    assert '--network: "%s": ' % net in r.err and says in r.err, r.err


@pytest.mark.parametrize("kv", ["SESSION_API_KEY=mine", "OH_SESSION_API_KEYS_0=mine",
                                "SANDBOX_USER_ID=0"])
def test_env_names_handbox_sets_are_refused(fresh, kv):
    r = fresh.run("sandbox", "create", "--env", kv)
    assert r.returncode == 2
    assert '--env: "%s": a name handbox sets itself' % kv.split("=")[0] in r.err, r.err


def test_line_breaks_in_mounts_are_refused(fresh, tmp_path):
    r = fresh.run("sandbox", "create", "--volume", "%s\n:/x" % tmp_path)
    assert r.returncode == 2 and "line break" in r.err, r.err
    r = fresh.run("sandbox", "create", env={"SANDBOX_VOLUMES": "/tmp:/x\r"})
    assert r.returncode == 1 and "SANDBOX_VOLUMES" in r.err and "line break" in r.err


def test_warnings_reach_the_cli_user(fresh):
    r = fresh.run("sandbox", "create", "--json", "--image", DEBIAN,
                  "--volume", "/etc:/hostetc:ro", "--volume", "/usr/share:/share", "--pids", "0")
    assert r.returncode == 0, r.err
    fresh.created.append(json.loads(r.out)["id"])
    lines = [x for x in r.err.splitlines() if "warning:" in x]
    assert lines == [
        "handbox: warning: mount /etc:/hostetc: /etc is a system folder of this host; "
        "the sandbox can read everything in it",
        "handbox: warning: mount /usr/share:/share: /usr/share lies in /usr, a system folder "
        "of this host; the sandbox can read everything in it and change it (rw)",
        "handbox: warning: --pids 0: no process limit; a fork bomb in the sandbox can take "
        "every process slot of the host",
    ], r.err


# ------------------------------------------------------------- sandbox cp

def test_cp_skips_and_reports_bad_entries_and_copies_the_rest(hb, sb, tmp_path):
    src = tmp_path / "mixed"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("a\n")
    (src / "sub" / "b.txt").write_text("b\n")
    (src / "bad\nname").write_text("x\n")
    os.symlink("/etc/passwd", src / "link")
    os.mkfifo(src / "fifo")
    r = hb.run("sandbox", "cp", src, "%s:/tmp/mixed" % sb.id, timeout=60)
    assert r.returncode == 1, r.err
    err = r.err.splitlines()
    assert "handbox: skipped %s/link: a symlink (not followed out of the folder)" % src in err
    assert "handbox: skipped %s/fifo: not a regular file or folder" % src in err
    assert any(x.startswith("handbox: skipped %s/bad?name: " % src) and "line break" in x
               for x in err), r.err
    assert err[-1] == "handbox: skipped 3 entries (1 could not be copied); copied the rest"
    r = sh(hb, sb, "cd /tmp/mixed && find . | sort")
    assert r.out.split() == [".", "./a.txt", "./sub", "./sub/b.txt"]
    # out of the sandbox: a file the agent user may not read is skipped
    r = sh(hb, sb, "mkdir -p /tmp/o/d && echo 1 > /tmp/o/ok && echo 2 > /tmp/o/d/x && "
           "echo 3 > /tmp/o/locked && chmod 000 /tmp/o/locked && ln -s / /tmp/o/root")
    assert r.returncode == 0, r.err
    out = tmp_path / "out"
    r = hb.run("sandbox", "cp", "%s:/tmp/o" % sb.id, out, timeout=60)
    assert r.returncode == 1, r.err
    assert "handbox: skipped %s/locked: " % out in r.err and "Permission denied" in r.err
    assert "handbox: skipped %s/root: a symlink to a folder (not followed)" % out in r.err
    assert sorted(os.listdir(out)) == ["d", "ok"]
    assert (out / "d" / "x").read_text() == "2\n"


def test_cp_with_only_skips_by_design_succeeds(hb, sb, tmp_path):
    src = tmp_path / "links"
    src.mkdir()
    (src / "f").write_text("f\n")
    os.symlink("f", src / "l")
    r = hb.run("sandbox", "cp", src, "%s:/tmp/links" % sb.id)
    assert r.returncode == 0, r.err
    assert r.err.splitlines()[-1] == \
        "handbox: skipped 1 entry (0 could not be copied); copied the rest"


# ------------------------------------------------------------- sandboxd

@pytest.fixture
def scratch():
    d = tempfile.mkdtemp(prefix="hb-hard-")
    os.chmod(d, 0o777)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.mark.parametrize("name", ["a\nb", "a\rb", "a\n"])
def test_file_routes_refuse_line_breaks_in_paths(sandboxd, scratch, name):
    path = os.path.join(scratch, name)
    status, body = upload_bytes(sandboxd, path, b"x")
    assert status == 400 and "line break" in body["detail"], body
    assert os.listdir(scratch) == [], "a shortened path was written"
    for route in ("/api/file/download", "/api/handbox/files/stat", "/api/handbox/files/list",
                  "/api/git/changes", "/api/git/diff"):
        status, body = sandboxd.get(route, params={"path": path})
        assert status == 400 and "line break" in body["detail"], (route, body)
    status, body = sandboxd.post("/api/handbox/files/remove", {"path": path})
    assert status == 400 and "line break" in body["detail"], body
    status, body = sandboxd.post("/api/handbox/files/move",
                                 {"from": os.path.join(scratch, "x"), "to": path})
    assert status == 400 and "to: the path contains a line break" in body["detail"], body


def test_a_tab_is_an_ordinary_character(sandboxd, scratch):
    status, _ = upload_bytes(sandboxd, os.path.join(scratch, "a\tb"), b"x")
    assert status == 200
    assert os.listdir(scratch) == ["a\tb"]


def test_line_breaks_need_the_key_first(sandboxd, scratch):
    status, _ = sandboxd.get("/api/handbox/files/stat",
                             params={"path": os.path.join(scratch, "a\nb")}, key=None)
    assert status == 401


def test_the_proxy_does_not_forward_the_key_in_the_query(sandboxd, start_server):
    port, _ = start_server(["-c", ECHO_SERVER, "{port}"])
    status, _, data = raw_request(
        sandboxd, "GET", "%s/%d/api?a=1&session_api_key=%s&b=2" % (PREFIX, port, sandboxd.key))
    assert status == 200, data
    got = json.loads(data)
    assert got["path"] == "/api?a=1&b=2"
    assert sandboxd.key not in json.dumps(got)


@needs_root
def test_git_changes_says_when_git_cannot_start(start_sandboxd, scratch):
    # a repository the sandbox user cannot enter: git never runs in it,
    # which says nothing about whether it is a repository
    locked = os.path.join(scratch, "locked")
    repo = os.path.join(locked, "repo")
    os.makedirs(repo)
    make_repo(repo)
    os.chmod(locked, 0o700)
    sb = start_sandboxd(env={"SANDBOX_USER_ID": "1000"})
    status, body = sb.get("/api/git/changes", params={"path": repo})
    assert status == 503, body
    assert "cannot change to directory %s" % repo in body["detail"], body
    # a folder git runs in and finds no repository still answers []
    assert sb.get("/api/git/changes", params={"path": scratch}) == (200, [])



def test_disk_quota_where_the_engine_can_keep_one(fresh):
    info = docker("info", "--format", "{{.Driver}} {{json .DriverStatus}}").stdout
    xfs = info.startswith("overlay2 ") and '"xfs"' in info
    r = fresh.run("sandbox", "create", "--json", "--image", DEBIAN, "--disk", "1g")
    if r.returncode:
        # the engine's storage cannot keep a quota (not xfs, or xfs
        # mounted without pquota): it says why, and nothing is left
        assert "supported only for overlay over xfs with 'pquota'" in r.err, r.err
        assert created(fresh) == []
        return
    assert xfs, "a quota on %s?" % info
    sb = json.loads(r.out)
    fresh.created.append(sb["id"])
    r = fresh.run("sandbox", "exec", sb["id"], "--", "df", "-k", "/")
    assert int(r.out.splitlines()[1].split()[1]) <= 1 << 20
