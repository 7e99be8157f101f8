"""The image `handbox image build --with vscode,desktop` makes
(handbox/sandbox:desktop, or $HANDBOX_DESKTOP_IMAGE), checked in
containers: what docs/images.md promises sandboxd (the features file and
the fixed paths), that the programs run as the sandbox user, and what must
not be left in it. Nothing is built here: images/build-all.sh builds the
image (CI runs it first); when it is missing the tests fail and say so."""
import glob
import json
import os
import subprocess

import pytest

IMAGE = os.environ.get("HANDBOX_DESKTOP_IMAGE", "handbox/sandbox:desktop")
CODE_SERVER = "/usr/local/lib/node_modules/code-server"


def docker(*args):
    return subprocess.run(["docker"] + list(args), capture_output=True, text=True, timeout=600)


def run(script, *opts):
    """`bash -c script` in a throw-away container of the image (no
    network), as user 1000 unless opts say otherwise; its stdout once it
    exited 0."""
    r = docker("run", "--rm", "--network", "none", *(opts or ("--user", "1000:1000")),
               IMAGE, "bash", "-c", script)
    assert r.returncode == 0, "bash -c %r: exit %d\n%s%s" % (script, r.returncode, r.stdout,
                                                            r.stderr)
    return r.stdout


@pytest.fixture(scope="module")
def image():
    r = docker("image", "inspect", IMAGE)
    assert r.returncode == 0, ("%s is missing: build it with images/build-all.sh (or "
                               "handbox image build --with vscode,desktop)" % IMAGE)
    return json.loads(r.stdout)[0]


def test_the_image_says_what_it_has(image):
    assert run("cat /etc/handbox/features") == "vscode desktop\n"
    labels = image["Config"]["Labels"]
    assert labels["handbox.features"] == "vscode,desktop"
    assert labels["handbox.image"] == "bookworm"
    assert image["Config"]["WorkingDir"] == "/workspace"


def test_the_paths_sandboxd_relies_on_are_there():
    out = run("readlink -f /usr/local/bin/code-server; command -v Xtigervnc websockify"
              " matchbox-window-manager chromium rg; ls /usr/share/novnc/vnc.html")
    assert out.split() == [
        CODE_SERVER + "/out/node/entry.js", "/usr/bin/Xtigervnc", "/usr/bin/websockify",
        "/usr/bin/matchbox-window-manager", "/usr/bin/chromium", "/usr/bin/rg",
        "/usr/share/novnc/vnc.html"]


def test_code_server_serves_as_the_sandbox_user():
    # Started the way sandboxd does (auth none, loopback); /healthz answers
    # once it listens. The loop waits for it; it is not a time limit.
    # (its first run also says it wrote its config file)
    out = run("code-server --version | tail -n1;"
              " code-server --auth none --bind-addr 127.0.0.1:8080 --disable-telemetry"
              " --disable-update-check /workspace >/tmp/cs.log 2>&1 &"
              " for i in $(seq 300); do"
              "   curl -fsS http://127.0.0.1:8080/healthz && exit 0; sleep 0.1; done;"
              " cat /tmp/cs.log; exit 1")
    version, health = out.splitlines()[0], out.splitlines()[-1]
    assert version.startswith("4.89.1 ") and version.endswith(" with Code 1.89.1"), version
    assert json.loads(health)["status"] in ("alive", "expired")


def test_every_native_module_of_code_server_loads():
    # Those compiled in the build root (but the two Windows modules, empty
    # on Linux); the prebuilt ones are for other systems (musl, Windows,
    # macOS) but parcel's glibc one, loaded too.
    out = run("n=0; for f in $(find %s -name '*.node' ! -path '*/prebuilds/*'"
              " ! -path '*/extensions/*' ! -path '*/windows-*') $(find %s -path '*/prebuilds/linux-x64/*glibc.node');"
              " do node -e 'process.dlopen({ exports: {} }, process.argv[1])' \"$f\" || exit 1;"
              " n=$((n + 1)); done; echo $n" % (CODE_SERVER, CODE_SERVER))
    # argon2, kerberos, spdlog, pty, watchdog, parcel's watcher
    assert int(out) == 6


def test_the_desktop_programs_run():
    out = run("Xtigervnc :1 -geometry 800x600 -rfbport 5901 -localhost -SecurityTypes None"
              " -nolisten tcp >/tmp/x.log 2>&1 &"
              " websockify --web /usr/share/novnc 127.0.0.1:6080 127.0.0.1:5901"
              " >/tmp/ws.log 2>&1 &"
              " for i in $(seq 300); do test -S /tmp/.X11-unix/X1 &&"
              "   curl -fsS -o /dev/null http://127.0.0.1:6080/vnc.html && break; sleep 0.1; done;"
              " ls /tmp/.X11-unix; curl -fsS http://127.0.0.1:6080/vnc.html | grep -c noVNC;"
              " chromium --version")
    socket, novnc, chromium = out.splitlines()
    assert socket == "X1"
    assert int(novnc) > 0
    assert chromium.startswith("Chromium ")


def test_nothing_of_the_build_is_left():
    out = run("for c in gcc cc g++ make; do command -v $c; done;"
              " ls -A /root /var/cache/apt/archives /var/lib/apt/lists 2>&1"
              " | grep -E '\\.deb$|_|crt|npm';"
              " dpkg -l build-essential libkrb5-dev 2>/dev/null | grep '^ii'; true",
              "--user", "0")
    assert out == ""


def test_the_hosts_extra_cas_are_not_in_the_image():
    # npm got the host's CA bundle for the build only: a CA this machine
    # adds (a proxy's) must not be trusted inside sandboxes.
    bundle = run("cat /etc/ssl/certs/ca-certificates.crt")
    extra = glob.glob("/usr/local/share/ca-certificates/**/*.crt", recursive=True)
    for path in extra:
        with open(path) as f:
            body = "".join(l.strip() for l in f if "-----" not in l)
        assert body[:200] not in bundle.replace("\n", ""), path


def test_the_size_is_what_docs_say(image):
    # 1.4 GB; an apt cache left behind would make it 2 GB.
    assert image["Size"] < 1.7e9, image["Size"]


def test_the_default_image_has_no_features():
    r = docker("run", "--rm", "--network", "none", "handbox/sandbox:latest", "sh", "-c",
               "test -e /etc/handbox/features || command -v code-server chromium || echo none")
    assert r.returncode == 0 and r.stdout == "none\n", r.stdout + r.stderr
