"""`handbox image build` and `handbox image import` against the real Docker
engine: sandbox images made from Debian packages, with no registry.

The bookworm image is built once for the module (or found up to date:
`images/build-all.sh` normally built it already; a cold build runs
mmdebstrap for several minutes). Test tags are handbox-test/*, removed
afterwards. $HANDBOX names the binary (default build/handbox)."""
import json
import os
import re
import select
import signal
import socket
import subprocess
import tarfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HANDBOX = os.path.abspath(os.environ.get("HANDBOX", os.path.join(ROOT, "build", "handbox")))

SANDBOX = "handbox/sandbox:latest"
TEST_BUSYBOX = "handbox-test/bb:1"
TEST_IMPORT = "handbox-test/import:1"
TEST_FAILED = "handbox-test/failed:1"
# Not a time limit under test: only what stops a wedged build from hanging
# the suite (a cold bookworm build on a loaded 2-core machine takes minutes).
BUILD_TIMEOUT = 3600


def handbox(*args, env=None, timeout=BUILD_TIMEOUT):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([HANDBOX, "image"] + list(args), env=e, capture_output=True,
                          text=True, timeout=timeout)


def docker(*args, check=False):
    return subprocess.run(["docker"] + list(args), capture_output=True, text=True,
                          timeout=600, check=check)


def inspect(ref):
    """The engine's description of an image, or None when it has none."""
    r = docker("image", "inspect", ref)
    return json.loads(r.stdout)[0] if r.returncode == 0 else None


def sh(image, script, *opts):
    """Runs `sh -c script` in a throw-away container; returns its stdout
    after checking it exited 0."""
    r = docker("run", "--rm", *opts, image, "sh", "-c", script)
    assert r.returncode == 0, "in %s: sh -c %r: exit %d\n%s%s" % (
        image, script, r.returncode, r.stdout, r.stderr)
    return r.stdout


def result_line(r):
    """The last line on stdout: TAG ID SIZE MB."""
    lines = r.stdout.strip().splitlines()
    assert lines, "no result line on stdout; stderr:\n" + r.stderr
    return lines[-1].split()


def remove(*tags):
    for tag in tags:
        docker("rmi", "-f", tag)


@pytest.fixture(scope="module", autouse=True)
def engine():
    r = docker("info", "--format", "{{.ServerVersion}}")
    if r.returncode != 0:
        pytest.fail("no Docker engine answers (start dockerd; .ci/setup.sh does): "
                    + r.stderr.strip(), pytrace=False)
    assert os.access(HANDBOX, os.X_OK), "%s is missing: run make first" % HANDBOX
    remove(TEST_BUSYBOX, TEST_IMPORT, TEST_FAILED)
    yield
    remove(TEST_BUSYBOX, TEST_IMPORT, TEST_FAILED)


@pytest.fixture(scope="module")
def sandbox_image():
    r = handbox("build")
    assert r.returncode == 0, r.stderr
    tag, image_id, size, unit = result_line(r)
    info = inspect(SANDBOX)
    assert (tag, image_id, unit) == (SANDBOX, info["Id"], "MB")
    assert float(size) > 0
    return info


# ------------------------------------------------------------ bookworm


def test_sandbox_image_has_an_agents_tools(sandbox_image):
    out = sh(SANDBOX, "node -e 'console.log(6*7)'; npm --version; python3 -c 'print(2**10)';"
             " git --version; curl --version | head -n1; ps -p 1 -o comm=;"
             " test -s /etc/ssl/certs/ca-certificates.crt && echo certs")
    node, npm, python, git, curl, ps, certs = out.splitlines()
    assert node == "42"
    assert re.match(r"^\d+\.\d+\.\d+$", npm), npm
    assert python == "1024"
    assert git.startswith("git version ")
    assert curl.startswith("curl ")
    assert ps == "sh"
    assert certs == "certs"


def test_sandbox_image_has_user_1000_owning_workspace(sandbox_image):
    out = sh(SANDBOX, "id user; getent passwd user | cut -d: -f6,7; stat -c %u:%g /workspace;"
             " pwd; echo $PATH")
    ident, home_shell, owner, cwd, path = out.splitlines()
    assert ident == "uid=1000(user) gid=1000(user) groups=1000(user)"
    assert home_shell == "/home/user:/bin/bash"
    assert owner == "1000:1000"
    assert cwd == "/workspace"
    assert path == "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    # the sandbox user can work in /workspace and in its home
    assert sh(SANDBOX, "touch /workspace/f ~/g && id -u", "--user", "1000") == "1000\n"


def test_sandbox_image_leaves_out_docs_man_pages_and_translations(sandbox_image):
    # (/usr/share/info/dir is install-info's index, not a page)
    out = sh(SANDBOX, "find /usr/share/man /usr/share/info -type f ! -name dir | wc -l;"
             " find /usr/share/doc -type f ! -name copyright | wc -l;"
             " find /usr/share/locale -type f ! -name locale.alias | wc -l;"
             " ls /var/lib/apt/lists | grep -c _ || true")
    assert out.split() == ["0", "0", "0", "0"]


def test_sandbox_image_carries_its_recipe(sandbox_image):
    config = sandbox_image["Config"]
    assert re.match(r"^[0-9a-f]{16}$", config["Labels"]["handbox.recipe"])
    assert config["Labels"]["handbox.image"] == "bookworm"
    assert config["WorkingDir"] == "/workspace"
    assert config["Cmd"] == ["/bin/bash"]


def test_second_build_is_up_to_date_and_keeps_the_image(sandbox_image):
    r = handbox("build")
    assert r.returncode == 0, r.stderr
    assert "handbox/sandbox:latest is up to date" in r.stderr
    assert "mmdebstrap" not in r.stderr and "imported" not in r.stderr
    assert result_line(r)[:2] == [SANDBOX, sandbox_image["Id"]]
    assert inspect(SANDBOX)["Id"] == sandbox_image["Id"]


# ------------------------------------------------------------- busybox


def test_busybox_image_works():
    r = handbox("build", "--base", "busybox", "--tag", TEST_BUSYBOX)
    assert r.returncode == 0, r.stderr
    info = inspect(TEST_BUSYBOX)
    assert result_line(r)[:2] == [TEST_BUSYBOX, info["Id"]]
    assert docker("run", "--rm", TEST_BUSYBOX, "sh", "-c", "echo ok").stdout == "ok\n"
    out = sh(TEST_BUSYBOX, "stat -c %a /tmp; stat -c %u:%g /workspace; cat /etc/passwd;"
             " readlink /bin/sh; readlink /usr/bin/env; pwd")
    assert out.splitlines() == [
        "1777", "1000:1000",
        "root:x:0:0:root:/root:/bin/sh", "user:x:1000:1000:user:/home/user:/bin/sh",
        "/bin/busybox", "/bin/busybox", "/workspace"]
    # nothing but busybox, passwd and group (docker adds its own few files)
    files = sh(TEST_BUSYBOX, "find / -xdev -type f ! -name .dockerenv ! -path '/etc/host*'"
               " ! -path /etc/resolv.conf | sort").split()
    assert files == ["/bin/busybox", "/etc/group", "/etc/passwd"]
    assert info["Config"]["Labels"]["handbox.image"] == "busybox"
    assert info["Size"] < 5 * 1000 * 1000


def test_busybox_up_to_date_then_force_replaces_the_image():
    first = handbox("build", "--base", "busybox", "--tag", TEST_BUSYBOX)
    assert first.returncode == 0, first.stderr
    old = inspect(TEST_BUSYBOX)["Id"]
    again = handbox("build", "--base", "busybox", "--tag", TEST_BUSYBOX)
    assert again.returncode == 0 and "is up to date" in again.stderr
    assert inspect(TEST_BUSYBOX)["Id"] == old
    forced = handbox("build", "--base", "busybox", "--tag", TEST_BUSYBOX, "--force")
    assert forced.returncode == 0, forced.stderr
    new = inspect(TEST_BUSYBOX)["Id"]
    assert new != old and result_line(forced)[1] == new
    # the image the tag named before is gone, not left dangling
    assert inspect(old) is None


# -------------------------------------------------------------- import


def test_import_a_tarball_with_changes(tmp_path):
    tarball = tmp_path / "rootfs.tar"
    with tarfile.open(tarball, "w") as tar:
        tar.add("/bin/busybox", arcname="bin/busybox")
        link = tarfile.TarInfo("bin/sh")
        link.type, link.linkname = tarfile.SYMTYPE, "/bin/busybox"
        tar.addfile(link)
    r = handbox("import", "--tag", TEST_IMPORT, "--change", "WORKDIR /srv",
                "--change", "ENV GREETING=imported", "--change", "LABEL x.y=z", str(tarball))
    assert r.returncode == 0, r.stderr
    info = inspect(TEST_IMPORT)
    assert result_line(r)[:2] == [TEST_IMPORT, info["Id"]]
    assert info["Config"]["WorkingDir"] == "/srv"
    assert info["Config"]["Labels"] == {"x.y": "z"}
    assert sh(TEST_IMPORT, "echo $GREETING $(pwd)") == "imported /srv\n"
    again = handbox("import", "--tag", TEST_IMPORT, str(tarball))
    assert again.returncode == 0, again.stderr
    assert inspect(info["Id"]) is None


def test_import_of_something_not_a_tarball_fails_and_keeps_the_tag(tmp_path):
    before = inspect(TEST_IMPORT) or {}
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"this is not a tar archive\n" * 100)
    r = handbox("import", "--tag", TEST_IMPORT, str(junk))
    assert r.returncode == 1
    assert r.stdout == ""
    assert "handbox: image import: " in r.stderr
    assert (inspect(TEST_IMPORT) or {}).get("Id") == before.get("Id")


# -------------------------------------------------------------- errors


def test_help_names_every_option():
    r = handbox("build", "--help")
    assert r.returncode == 0
    for word in ("--base bookworm|busybox", "--with vscode,desktop", "--tag", "--force",
                 "--no-cache", "handbox/sandbox:latest", "handbox/busybox:latest",
                 "handbox/sandbox:desktop", "handbox/sandbox:vscode",
                 "handbox/sandbox:desktop-only", "/etc/handbox/features", "HANDBOX_CACHE"):
        assert word in r.stdout


# No engine is needed to refuse a bad --with: these run with none.
NO_ENGINE = {"DOCKER_HOST": "unix:///nonexistent.sock"}


@pytest.mark.parametrize("value, why", [
    ("vnc", 'unknown feature "vnc"'),
    ("vscode,Desktop", 'unknown feature "Desktop"'),
    ("vscode,", 'unknown feature ""'),
    ("", 'unknown feature ""'),
    ("desktop,vscode,desktop", 'repeated feature "desktop"'),
])
def test_bad_with_is_a_usage_error_naming_the_features(value, why):
    r = handbox("build", "--with", value, env=NO_ENGINE)
    assert r.returncode == 2, r.stderr
    assert r.stderr == ('handbox: image build: --with: "%s": %s; expected a comma-separated '
                        'list of vscode and desktop, each once\n' % (value, why))
    assert r.stdout == ""


def test_with_on_the_busybox_base_is_a_usage_error():
    r = handbox("build", "--base", "busybox", "--with", "vscode", env=NO_ENGINE)
    assert r.returncode == 2
    assert ("handbox: image build: --with vscode: the busybox base has no features; they "
            "need --base bookworm") in r.stderr
    assert r.stdout == ""


@pytest.mark.parametrize("value", ["vscode", "desktop", "desktop,vscode", "vscode,desktop"])
def test_good_with_goes_on_to_the_engine(value):
    # Parsed, then the build needs the engine: the error is about the engine.
    r = handbox("build", "--with", value, env=NO_ENGINE)
    assert r.returncode == 1, r.stderr
    assert "no Docker engine answers at /nonexistent.sock" in r.stderr


def test_bad_base_is_a_usage_error():
    r = handbox("build", "--base", "alpine")
    assert r.returncode == 2
    assert 'handbox: image build: --base: "alpine": expected bookworm or busybox' in r.stderr
    assert r.stdout == ""


def test_unknown_flag_is_a_usage_error():
    r = handbox("build", "--frobnicate")
    assert r.returncode == 2
    assert 'unknown option "--frobnicate"' in r.stderr


def test_bad_tag_is_a_usage_error():
    r = handbox("build", "--tag", "Not/Lower:case")
    assert r.returncode == 2
    assert '--tag: "Not/Lower:case": expected a lower-case image name' in r.stderr


def test_no_engine_is_said_plainly():
    r = handbox("build", "--base", "busybox", env={"DOCKER_HOST": "unix:///nonexistent.sock"})
    assert r.returncode == 1
    assert "no Docker engine answers at /nonexistent.sock" in r.stderr
    assert r.stdout == ""


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def files_under(path):
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs)


def test_mmdebstrap_failure_shows_its_last_lines_and_leaves_nothing(tmp_path):
    mirror = "http://127.0.0.1:%d/debian" % closed_port()
    r = handbox("build", "--tag", TEST_FAILED, "--no-cache",
                env={"HANDBOX_CACHE": str(tmp_path), "HANDBOX_DEBIAN_MIRROR": mirror})
    assert r.returncode == 1
    assert "handbox: image build: mmdebstrap failed: it exited with status" in r.stderr
    # apt's own words about the mirror are in the error, under it
    error = r.stderr[r.stderr.index("mmdebstrap failed"):]
    assert mirror.split("//")[1].split("/")[0] in error
    assert r.stdout == ""
    assert inspect(TEST_FAILED) is None
    assert files_under(tmp_path) == []


def processes_with(text):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if text.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


def test_interrupted_build_stops_mmdebstrap_and_cleans_up(tmp_path):
    # The usual mirror, spelled as no other build does, to find its
    # processes by.
    mirror = "http://deb.debian.org:80/debian"
    env = dict(os.environ, HANDBOX_CACHE=str(tmp_path), HANDBOX_DEBIAN_MIRROR=mirror)
    p = subprocess.Popen([HANDBOX, "image", "build", "--tag", TEST_FAILED, "--no-cache"],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen, tempdir = [], None
    deadline = time.time() + 600
    while time.time() < deadline:
        ready, _, _ = select.select([p.stderr], [], [], 5)
        line = p.stderr.readline() if ready else None
        if line == "":
            break
        if line:
            seen.append(line)
            m = re.search(r"using (\S+) as tempdir", line)
            tempdir = m.group(1) if m else tempdir
            if "running apt-get update" in line:
                break
    assert tempdir, "mmdebstrap never got going:\n" + "".join(seen)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=300)
    assert p.returncode == 128 + signal.SIGINT, "".join(seen) + err
    assert "interrupted" in err
    # mmdebstrap and everything it started are gone, and so is what it made
    assert processes_with("deb " + mirror) == []
    assert not os.path.exists(tempdir)
    assert files_under(tmp_path) == []
    assert inspect(TEST_FAILED) is None


def chrooted_in(path):
    """Processes whose root directory is path (or below it)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            root = os.readlink("/proc/%s/root" % pid)
        except OSError:
            continue
        if root == path or root.startswith(path + "/"):
            found.append(int(pid))
    return found


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def test_interrupted_code_server_build_leaves_nothing(tmp_path):
    # --with vscode first builds code-server in a throwaway root; Ctrl-C
    # while npm runs in it stops npm and mmdebstrap, and leaves no partial
    # tarball, root or image.
    mirror = "http://deb.debian.org:80/debian"
    env = dict(os.environ, HANDBOX_CACHE=str(tmp_path), HANDBOX_DEBIAN_MIRROR=mirror)
    p = subprocess.Popen([HANDBOX, "image", "build", "--with", "vscode", "--tag", TEST_FAILED],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen, tempdir, npm = [], None, False
    deadline = time.time() + 900
    while time.time() < deadline:
        ready, _, _ = select.select([p.stderr], [], [], 5)
        line = p.stderr.readline() if ready else None
        if line == "":
            break
        if line:
            seen.append(line)
            m = re.search(r"using (\S+) as tempdir", line)
            tempdir = m.group(1) if m else tempdir
            if "code-server: npm install -g code-server@4.89.1" in line:
                npm = True
                break
    assert npm and tempdir, "the code-server build never got to npm:\n" + "".join(seen)
    assert "building code-server 4.89.1 in a throwaway bookworm root" in "".join(seen)
    # npm itself under way in the root
    while time.time() < deadline and not [
            pid for pid in chrooted_in(tempdir) if "npm" in cmdline(pid)]:
        time.sleep(0.1)
    assert chrooted_in(tempdir), "no process ran in the build root"
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=300)
    assert p.returncode == 128 + signal.SIGINT, "".join(seen) + err
    assert "interrupted" in err
    assert chrooted_in(tempdir) == []
    assert processes_with("deb " + mirror) == []
    assert not os.path.exists(tempdir)
    assert files_under(tmp_path) == []
    assert inspect(TEST_FAILED) is None

