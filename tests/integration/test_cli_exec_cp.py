"""`handbox sandbox exec` and `handbox sandbox cp` against a real sandbox
(Docker engine, Debian image): the host-side client of src/client/
(docs/sandbox-client.md). Output streams kept apart, exit statuses,
stdin, a terminal, signals, a closed stdout; files and folders copied
both ways byte for byte, cp's rules for where they land, and paths that
try to lead elsewhere."""
import contextlib
import fcntl
import hashlib
import os
import select
import signal
import stat
import struct
import subprocess
import sys
import termios

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from handbox_cli import HANDBOX, Handbox  # noqa: E402
from sandbox_container import IMAGES, require_engine, require_image  # noqa: E402

IMAGE = IMAGES["debian"]
READ_LIMIT_S = 60  # a safety net for reads, not a measurement


@pytest.fixture(scope="module")
def hb(tmp_path_factory):
    require_engine()
    require_image(IMAGE)
    assert os.access(HANDBOX, os.X_OK), "build it first: make"
    h = Handbox(tmp_path_factory.mktemp("state"))
    yield h
    h.rm_all()


@pytest.fixture(scope="module")
def sb(hb):
    s = hb.create("--image", IMAGE)
    yield s
    r = hb.run("sandbox", "rm", s.id, check=True)
    assert "removed " + s.id in r.out
    hb.created.remove(s.id)


def sh(hb, sb, line, *opts, input=None):
    """`sandbox exec [opts] ID -- sh -c LINE`."""
    return hb.run("sandbox", "exec", *opts, sb.id, "--", "sh", "-c", line, input=input)


def remote_sha256(hb, sb, path):
    r = hb.run("sandbox", "exec", sb.id, "--", "sha256sum", path, check=True)
    return r.out.split()[0]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def tree(root):
    """{relative path: ("dir",) | ("file", bytes, executable)} below root."""
    found = {}
    for dirpath, dirs, files in os.walk(root):
        for d in dirs:
            found[os.path.relpath(os.path.join(dirpath, d), root)] = ("dir",)
        for f in files:
            p = os.path.join(dirpath, f)
            with open(p, "rb") as fh:
                found[os.path.relpath(p, root)] = (
                    "file", fh.read(), bool(os.stat(p).st_mode & stat.S_IXUSR))
    return found


# --------------------------------------------------------------------- exec

def test_exec_keeps_stdout_and_stderr_apart_and_returns_the_status(hb, sb):
    r = sh(hb, sb, "echo out; echo err >&2; exit 3")
    assert (r.returncode, r.stdout, r.stderr) == (3, b"out\n", b"err\n")


def test_exec_status_of_a_signal_death(hb, sb):
    assert sh(hb, sb, "kill -9 $$").returncode == 137


def test_exec_runs_as_the_sandbox_user_in_the_workspace(hb, sb):
    r = sh(hb, sb, "id -u; pwd")
    assert r.out.splitlines() == ["1000", "/workspace"]
    r = hb.run("sandbox", "exec", "-u", "root", "-w", "/tmp", "-e", "GREETING=hi there",
               sb.id, "--", "sh", "-c", 'id -u; pwd; echo "$GREETING"')
    assert r.out.splitlines() == ["0", "/tmp", "hi there"]


def test_exec_forwards_stdin_then_end_of_file(hb, sb):
    r = hb.run("sandbox", "exec", "-i", sb.id, "--", "sort", input=b"b\nc\na\n")
    assert (r.returncode, r.stdout) == (0, b"a\nb\nc\n")
    data = os.urandom(20 << 20)
    r = hb.run("sandbox", "exec", "-i", sb.id, "--", "sha256sum", input=data)
    assert r.out.split()[0] == hashlib.sha256(data).hexdigest()


def test_exec_without_i_gives_the_command_no_stdin(hb, sb):
    r = hb.run("sandbox", "exec", sb.id, "--", "cat", input=b"not for the command\n")
    assert (r.returncode, r.stdout) == (0, b"")


def test_exec_with_our_stdin_closed_gives_the_command_an_empty_one(hb, sb):
    # a closed fd 0 must not become whatever handbox opens next (once it
    # was libwebsockets' /dev/urandom, streamed to the command forever)
    r = subprocess.run(["sh", "-c", 'exec "$0" sandbox exec -i "$1" -- wc -c <&-',
                        HANDBOX, sb.id], env=hb.env, capture_output=True,
                       timeout=READ_LIMIT_S)
    assert r.returncode == 0 and r.stdout.split() == [b"0"], r.stderr


def test_exec_streams_a_large_output_exactly(hb, sb):
    r = sh(hb, sb, "head -c 50000000 /dev/zero | tr '\\0' x; echo done >&2")
    assert r.returncode == 0
    assert len(r.stdout) == 50000000 and r.stdout.count(b"x") == 50000000
    assert r.stderr == b"done\n"


def test_exec_sigint_is_forwarded_to_the_command(hb, sb):
    p = subprocess.Popen([HANDBOX, "sandbox", "exec", sb.id, "--", "sh", "-c",
                          "trap 'echo got INT; exit 7' INT; echo ready; "
                          "while :; do sleep 0.1; done"],
                         env=hb.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout.readline() == b"ready\n"
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=READ_LIMIT_S)
    assert (p.returncode, out) == (7, b"got INT\n"), err


def test_exec_reader_going_away_ends_the_command(hb, sb):
    # like `yes | head -1` on one machine: SIGPIPE's status, and the
    # command in the sandbox is killed with the connection
    r = subprocess.run("'%s' sandbox exec %s -- sh -c 'echo $$ > /tmp/yes.pid; exec yes' "
                       "| head -n 1; echo ${PIPESTATUS[0]}" % (HANDBOX, sb.id),
                       shell=True, executable="/bin/bash", env=hb.env,
                       capture_output=True, timeout=READ_LIMIT_S)
    assert r.stdout == b"y\n141\n", r.stderr
    r = sh(hb, sb, "pid=$(cat /tmp/yes.pid); while [ -e /proc/$pid ] && "
                   "! grep -q '^State:.*Z' /proc/$pid/status; do sleep 0.05; done; echo gone")
    assert r.out == "gone\n"


def read_until(fd, want, seen=b""):
    """Reads the pty master until `want` has appeared; returns all read."""
    while want not in seen:
        ready, _, _ = select.select([fd], [], [], READ_LIMIT_S)
        assert ready, "no %r after %r" % (want, seen)
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            chunk = b""
        assert chunk, "the terminal closed before %r: %r" % (want, seen)
        seen += chunk
    return seen


def set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


@contextlib.contextmanager
def on_a_terminal(hb, sb, line):
    """`sandbox exec -t -i ID -- sh -c LINE` on a new terminal of 33×101:
    yields (process, master fd, slave fd, the slave's settings before)."""
    master, slave = os.openpty()
    set_size(master, 33, 101)
    before = termios.tcgetattr(slave)
    p = subprocess.Popen([HANDBOX, "sandbox", "exec", "-t", "-i", sb.id, "--", "sh", "-c",
                          line], env=hb.env, stdin=slave, stdout=slave, stderr=slave)
    try:
        yield p, master, slave, before
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        os.close(master)
        os.close(slave)


def test_exec_tty_has_our_size_follows_resizes_and_restores_our_terminal(hb, sb):
    with on_a_terminal(hb, sb, "stty size; tty; trap 'stty size; exit 5' WINCH; "
                               "echo ready; while :; do sleep 0.1; done") as (p, master,
                                                                              slave, before):
        seen = read_until(master, b"ready\r\n")
        assert b"33 101\r\n" in seen and b"/dev/pts/" in seen
        # ours is raw meanwhile: keys go to the sandbox's terminal
        assert not termios.tcgetattr(slave)[3] & (termios.ECHO | termios.ICANON)
        set_size(master, 40, 120)
        p.send_signal(signal.SIGWINCH)
        read_until(master, b"40 120\r\n", seen)
        assert p.wait(timeout=READ_LIMIT_S) == 5
        assert termios.tcgetattr(slave) == before


def test_exec_tty_passes_keys_through(hb, sb):
    with on_a_terminal(hb, sb, 'echo ready; read line; echo "got $line"; sleep 100') as (
            p, master, _, _):
        read_until(master, b"ready\r\n")
        os.write(master, b"hello\r")
        read_until(master, b"got hello\r\n")
        os.write(master, b"\x03")  # Ctrl-C, as a key: the sandbox's terminal signals
        assert p.wait(timeout=READ_LIMIT_S) == 130


def test_exec_errors_say_what_failed(hb, sb):
    r = hb.run("sandbox", "exec", sb.id, "--", "no-such-program")
    assert r.returncode == 125
    assert "no-such-program" in r.err and "No such file" in r.err
    r = hb.run("sandbox", "exec", "-w", "/nowhere", sb.id, "--", "true")
    assert r.returncode == 125 and "/nowhere" in r.err


# ----------------------------------------------------------------------- cp

def test_cp_20_megabyte_file_round_trip(hb, sb, tmp_path):
    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(20 << 20))
    hb.run("sandbox", "cp", src, "%s:/workspace/big.bin" % sb.id, check=True)
    r = hb.run("sandbox", "exec", sb.id, "--", "stat", "-c", "%u %g %s",
               "/workspace/big.bin", check=True)
    assert r.out == "1000 1000 %d\n" % (20 << 20)
    assert remote_sha256(hb, sb, "/workspace/big.bin") == sha256(src)
    back = tmp_path / "back.bin"
    hb.run("sandbox", "cp", "%s:/workspace/big.bin" % sb.id, back, check=True)
    assert back.read_bytes() == src.read_bytes()
    # to stdout
    r = hb.run("sandbox", "cp", "%s:/workspace/big.bin" % sb.id, "-", check=True)
    assert r.stdout == src.read_bytes()


NAMES = ["plain.txt", "with space.txt", "ünïcödé.txt", "q?h#p%a&+.txt", "-dash",
         ".hidden", "tab\there", "\x7fdel"]


def make_tree(root):
    os.makedirs(root / "sub" / "deeper")
    os.makedirs(root / "empty")
    for i, name in enumerate(NAMES):
        (root / name).write_bytes(("%d %s\n" % (i, name)).encode() * (i + 1))
    (root / "sub" / "deeper" / "data.bin").write_bytes(os.urandom(300000))
    script = root / "sub" / "run.sh"
    script.write_text("#!/bin/sh\necho ran\n")
    script.chmod(0o755)
    return tree(root)


def test_cp_folder_tree_round_trip(hb, sb, tmp_path):
    src = tmp_path / "proj"
    want = make_tree(src)
    # into an existing folder: it lands as /workspace/proj
    hb.run("sandbox", "cp", src, "%s:/workspace" % sb.id, check=True)
    r = sh(hb, sb, "cd /workspace/proj && find . -not -uid 1000 | wc -l; "
                   "./sub/run.sh; test -x sub/deeper/data.bin || echo not-x; "
                   "find . | wc -l")
    assert r.out.splitlines() == ["0", "ran", "not-x", str(len(want) + 1)]
    assert remote_sha256(hb, sb, "/workspace/proj/sub/deeper/data.bin") == \
        sha256(src / "sub" / "deeper" / "data.bin")
    # out to a new local folder: it becomes that folder
    back = tmp_path / "back"
    hb.run("sandbox", "cp", "%s:/workspace/proj" % sb.id, back, check=True)
    assert tree(back) == want
    # again, now that it exists: it goes inside, as cp -r does
    hb.run("sandbox", "cp", "%s:/workspace/proj" % sb.id, back, check=True)
    assert tree(back / "proj") == want


def test_cp_in_does_not_follow_links_out_of_the_folder(hb, sb, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("host-only\n")
    src = tmp_path / "linked"
    src.mkdir()
    (src / "plain.txt").write_text("ok\n")
    os.symlink(secret, src / "creds")
    os.symlink(tmp_path, src / "up")
    hb.run("sandbox", "cp", src, "%s:/tmp/linked" % sb.id, check=True)
    r = sh(hb, sb, "ls -A /tmp/linked; cat /tmp/linked/plain.txt")
    assert r.out.splitlines() == ["plain.txt", "ok"]
    # named as the source itself, a link is followed, as cp does
    hb.run("sandbox", "cp", src / "creds", "%s:/tmp/named" % sb.id, check=True)
    assert sh(hb, sb, "cat /tmp/named").out == "host-only\n"


def test_cp_out_of_a_deep_wide_tree_is_refused_not_hoarded(hb, sb, tmp_path):
    """Each folder keeps its listing while its subfolders are copied: a
    tree of 12 levels of 9,000 entries would make the host hold 108,000
    at once, past the cap, and the copy stops with a message first."""
    made = hb.run("sandbox", "exec", sb.id, "--", "python3", "-c",
                  "import os\n"
                  "d = '/tmp/wide'\n"
                  "for level in range(12):\n"
                  "    os.makedirs(d)\n"
                  "    for i in range(8999):\n"
                  "        open('%s/f%d' % (d, i), 'w').close()\n"
                  "    d += '/sub'\n")
    assert made.returncode == 0, made.err
    r = hb.run("sandbox", "cp", "%s:/tmp/wide" % sb.id, tmp_path / "wide")
    assert r.returncode == 1
    assert "list more than 100000 entries" in r.err, r.err
    # what the cap allows still copies
    r = hb.run("sandbox", "cp", "%s:/tmp/wide/sub/sub/sub/sub/sub/sub/sub/sub/sub" % sb.id,
               tmp_path / "part", check=True)
    assert len(os.listdir(tmp_path / "part")) == 9000
    sh(hb, sb, "rm -rf /tmp/wide")


def test_cp_where_things_land(hb, sb, tmp_path):
    f = tmp_path / "note.txt"
    f.write_text("note\n")
    hb.run("sandbox", "exec", sb.id, "--", "mkdir", "-p", "/workspace/land", check=True)
    hb.run("sandbox", "cp", f, "%s:/workspace/land" % sb.id, check=True)
    hb.run("sandbox", "cp", f, "%s:/workspace/land/renamed.txt" % sb.id, check=True)
    d = tmp_path / "d"
    d.mkdir()
    (d / "inner.txt").write_text("inner\n")
    hb.run("sandbox", "cp", "%s/." % d, "%s:/workspace/land" % sb.id, check=True)
    r = hb.run("sandbox", "exec", sb.id, "--", "ls", "/workspace/land", check=True)
    assert r.out.split() == ["inner.txt", "note.txt", "renamed.txt"]
    # a file into a folder that does not exist is refused, as by cp
    r = hb.run("sandbox", "cp", f, "%s:/workspace/nowhere/x.txt" % sb.id)
    assert r.returncode == 1 and "/workspace/nowhere" in r.err
    # a folder onto a file
    r = hb.run("sandbox", "cp", d, "%s:/workspace/land/note.txt" % sb.id)
    assert r.returncode == 1 and "onto file" in r.err


def test_cp_errors_name_the_path_and_the_reason(hb, sb, tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("x\n")
    r = hb.run("sandbox", "cp", f, "%s:/etc/handbox-x" % sb.id)
    assert r.returncode == 1
    assert "/etc/handbox-x" in r.err and "Permission denied" in r.err
    r = hb.run("sandbox", "cp", "%s:/workspace/missing" % sb.id, tmp_path / "m")
    assert r.returncode == 1 and "/workspace/missing" in r.err and "No such file" in r.err
    r = hb.run("sandbox", "cp", tmp_path / "missing", "%s:/workspace" % sb.id)
    assert r.returncode == 1 and str(tmp_path / "missing") in r.err
    r = hb.run("sandbox", "cp", "%s:/workspace" % sb.id, "-")
    assert r.returncode == 1 and "only a file" in r.err
    assert not (tmp_path / "m").exists()


def test_cp_out_never_writes_outside_the_local_target(hb, sb, tmp_path):
    # links planted in the sandbox lead nowhere on the host: a link to a
    # file is copied as that file's content, a link to a folder is left out
    hb.run("sandbox", "exec", sb.id, "--", "sh", "-c",
           "mkdir -p /workspace/trap/sub && cd /workspace/trap && echo real > sub/f && "
           "ln -s /etc/passwd passwd && ln -s / root && ln -s ../../../../../../tmp up && "
           "ln -s /nowhere dangling", check=True)
    out = tmp_path / "out"
    hb.run("sandbox", "cp", "%s:/workspace/trap" % sb.id, out, check=True)
    assert sorted(os.listdir(out)) == ["passwd", "sub"]
    assert not any(os.path.islink(os.path.join(d, n))
                   for d, dirs, files in os.walk(out) for n in dirs + files)
    assert b"root:" in (out / "passwd").read_bytes()
    # a link already in the local target is not written through
    victim = tmp_path / "victim"
    victim.write_text("untouched\n")
    again = tmp_path / "again"
    (again / "trap" / "sub").mkdir(parents=True)
    os.symlink(victim, again / "trap" / "sub" / "f")
    r = hb.run("sandbox", "cp", "%s:/workspace/trap" % sb.id, again)
    assert r.returncode == 1 and "sub/f" in r.err
    assert victim.read_text() == "untouched\n"
    # "..": named for what it is, never a way up
    r = hb.run("sandbox", "cp", "%s:/workspace/trap/.." % sb.id, again)
    assert r.returncode == 1 and "/workspace/trap/.." in r.err


def test_cp_out_does_not_open_a_fifo_already_in_the_local_target(hb, sb, tmp_path):
    # a FIFO (or device) in the way inside a copied folder is refused, not
    # opened: writing to it would hang the copy or send the bytes elsewhere
    hb.run("sandbox", "exec", sb.id, "--", "sh", "-c",
           "mkdir -p /workspace/fifo && echo x > /workspace/fifo/f", check=True)
    dest = tmp_path / "dest"
    (dest / "fifo").mkdir(parents=True)
    os.mkfifo(dest / "fifo" / "f")
    r = hb.run("sandbox", "cp", "%s:/workspace/fifo" % sb.id, dest, timeout=30)
    assert r.returncode == 1 and "fifo/f: not a regular file" in r.err
    assert stat.S_ISFIFO(os.lstat(dest / "fifo" / "f").st_mode)


def test_cp_refuses_names_the_file_routes_would_change(hb, sb, tmp_path):
    # sandboxd's query parsing ends a path at a line break: rather than
    # write another name, the copy stops and says why
    d = tmp_path / "nl"
    d.mkdir()
    (d / "new\nline").write_text("x\n")
    r = hb.run("sandbox", "cp", d, "%s:/workspace" % sb.id)
    assert r.returncode == 1 and "line break" in r.err
    hb.run("sandbox", "exec", sb.id, "--", "sh", "-c",
           "mkdir -p /workspace/nl2 && touch '/workspace/nl2/a\nb'", check=True)
    r = hb.run("sandbox", "cp", "%s:/workspace/nl2" % sb.id, tmp_path / "out")
    assert r.returncode == 1 and "line break" in r.err
    assert os.listdir(tmp_path / "out") == []
