"""The OpenHands git routes of sandboxd: GET /api/git/changes and
GET /api/git/diff, on real repositories made here with the git binary.

Wire formats and the reference's base-ref rules: docs/files-and-git.md."""
import os
import shutil
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import children_of

# the test's own git works on trees handed to the sandbox user
GIT_ENV = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1",
               GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="safe.directory", GIT_CONFIG_VALUE_0="*",
               GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")


def git(cwd, *args):
    subprocess.run(["git", "-c", "init.defaultBranch=main", *args], cwd=cwd, env=GIT_ENV,
                   check=True, capture_output=True)


def write(path, data, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(data)


@pytest.fixture
def tmp():
    d = tempfile.mkdtemp(prefix="hb-git-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def give_to_sandbox_user(sb, path):
    """sandboxd runs git as the sandbox user, and git refuses repositories
    that user does not own: hand the tree over, as the agent would own it."""
    r = sb.execute_command("id -u")
    assert r["exit_code"] == 0, r
    uid = int(r["stdout"])
    if os.getuid() == 0 and uid != 0:
        subprocess.run(["chown", "-R", "%d:%d" % (uid, uid), path], check=True)
    return uid


def changes(sb, path, **params):
    return sb.get("/api/git/changes", dict(path=path, **params))


def diff(sb, path, **params):
    return sb.get("/api/git/diff", dict(path=path, **params))


def make_repo(root):
    for name in "abcd":
        write(os.path.join(root, name + ".txt"), name + " line\n")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "init")


def test_changes_added_modified_deleted_renamed(sandboxd, tmp):
    make_repo(tmp)
    write(os.path.join(tmp, "a.txt"), "changed\n", "a")      # modified
    os.unlink(os.path.join(tmp, "b.txt"))                     # deleted
    git(tmp, "mv", "c.txt", "c2.txt")                         # renamed
    write(os.path.join(tmp, "new", "e.txt"), "new\n")         # untracked
    write(os.path.join(tmp, "f.txt"), "staged\n")             # added
    git(tmp, "add", "f.txt")
    write(os.path.join(tmp, ".gitignore"), "ignored.log\n")
    write(os.path.join(tmp, "ignored.log"), "x\n")
    give_to_sandbox_user(sandboxd, tmp)
    status, body = changes(sandboxd, tmp)
    assert status == 200, body
    # as the reference: a rename is DELETED + ADDED, sorted by path
    assert body == [
        {"status": "ADDED", "path": ".gitignore"},
        {"status": "UPDATED", "path": "a.txt"},
        {"status": "DELETED", "path": "b.txt"},
        {"status": "DELETED", "path": "c.txt"},
        {"status": "ADDED", "path": "c2.txt"},
        {"status": "ADDED", "path": "f.txt"},
        {"status": "ADDED", "path": "new/e.txt"},
    ]
    # a clean tree has no changes
    git(tmp, "add", "-A")
    git(tmp, "commit", "-qm", "all")
    give_to_sandbox_user(sandboxd, tmp)
    assert changes(sandboxd, tmp) == (200, [])


def test_changes_outside_a_repository(sandboxd, tmp):
    write(os.path.join(tmp, "plain.txt"), "x")
    assert changes(sandboxd, tmp) == (200, [])
    assert changes(sandboxd, os.path.join(tmp, "missing")) == (200, [])
    assert changes(sandboxd, os.path.join(tmp, "plain.txt")) == (200, [])
    status, body = sandboxd.get("/api/git/changes")
    assert status == 422 and "path" in body["detail"]


def test_nested_repositories(sandboxd, tmp):
    make_repo(tmp)
    write(os.path.join(tmp, "lib.txt"), "r\n")
    git(tmp, "add", "lib.txt")
    git(tmp, "commit", "-qm", "lib.txt")
    write(os.path.join(tmp, "lib.txt"), "r2\n", "a")
    lib = os.path.join(tmp, "lib")
    make_repo(lib)
    write(os.path.join(lib, "a.txt"), "more\n", "a")
    write(os.path.join(lib, "z.txt"), "new\n")
    give_to_sandbox_user(sandboxd, tmp)
    # the inner repository's changes under its directory; the outer one
    # does not list that directory as untracked
    assert changes(sandboxd, tmp) == (200, [
        {"status": "UPDATED", "path": "lib.txt"},
        {"status": "UPDATED", "path": "lib/a.txt"},
        {"status": "ADDED", "path": "lib/z.txt"},
    ])


def test_a_plain_directory_above_repositories_has_no_changes(sandboxd, tmp):
    # the reference looks at the path itself first; when that is no
    # repository the answer is [] whatever lies below
    inner = os.path.join(tmp, "inner")
    make_repo(inner)
    write(os.path.join(inner, "a.txt"), "more\n", "a")
    give_to_sandbox_user(sandboxd, tmp)
    assert changes(sandboxd, tmp) == (200, [])
    assert changes(sandboxd, inner) == (200, [{"status": "UPDATED", "path": "a.txt"}])


def test_ref(sandboxd, tmp):
    write(os.path.join(tmp, "one"), "1\n")
    git(tmp, "init", "-q")
    give_to_sandbox_user(sandboxd, tmp)
    # no commit yet: everything is new, with or without ref=HEAD
    assert changes(sandboxd, tmp) == (200, [{"status": "ADDED", "path": "one"}])
    assert changes(sandboxd, tmp, ref="HEAD") == (200, [{"status": "ADDED", "path": "one"}])
    status, body = changes(sandboxd, tmp, ref="no-such-branch")
    assert (status, body) == (400, {"detail": "Git command failed: git --no-pager rev-parse "
                                              "--verify 'no-such-branch^{commit}'"})
    status, body = diff(sandboxd, os.path.join(tmp, "one"), ref="no-such-branch")
    assert status == 400 and "no-such-branch" in body["detail"]


def test_committed_work_stays_visible(sandboxd, tmp):
    origin = os.path.join(tmp, "origin")
    make_repo(origin)
    work = os.path.join(tmp, "work")
    git(tmp, "clone", "-q", origin, work)
    # pushed and clean: compared against the fork point, nothing changed
    give_to_sandbox_user(sandboxd, tmp)
    assert changes(sandboxd, work) == (200, [])
    # a local commit and an edit on top: both show, against origin/main
    write(os.path.join(work, "local.txt"), "local\n")
    git(work, "add", "local.txt")
    git(work, "commit", "-qm", "local")
    write(os.path.join(work, "a.txt"), "edit\n", "a")
    give_to_sandbox_user(sandboxd, tmp)
    assert changes(sandboxd, work) == (200, [
        {"status": "UPDATED", "path": "a.txt"},
        {"status": "ADDED", "path": "local.txt"},
    ])
    # ref=HEAD: only what is not committed
    assert changes(sandboxd, work, ref="HEAD") == (200, [{"status": "UPDATED", "path": "a.txt"}])
    assert diff(sandboxd, os.path.join(work, "local.txt")) == (200, {"modified": "local", "original": ""})
    assert diff(sandboxd, os.path.join(work, "local.txt"), ref="HEAD") == \
        (200, {"modified": "local", "original": "local"})


def test_diff(sandboxd, tmp):
    make_repo(tmp)
    write(os.path.join(tmp, "crlf.txt"), "x\r\ny\r\n")
    write(os.path.join(tmp, "bin"), b"ok\n", "wb")
    git(tmp, "add", ".")
    git(tmp, "commit", "-qm", "more")
    write(os.path.join(tmp, "a.txt"), "second\n", "a")
    write(os.path.join(tmp, "crlf.txt"), "x\r\nz\r\n")
    write(os.path.join(tmp, "bin"), b"\xff\xfe\n", "wb")
    write(os.path.join(tmp, "sub", "new.txt"), "brand\nnew\n\n")
    write(os.path.join(tmp, "big"), "x" * (1024 * 1024 + 1))
    give_to_sandbox_user(sandboxd, tmp)

    # the reference's text: original from git (stripped), current file
    # with its lines joined by \n (no final newline)
    assert diff(sandboxd, os.path.join(tmp, "a.txt")) == \
        (200, {"modified": "a line\nsecond", "original": "a line"})
    assert diff(sandboxd, os.path.join(tmp, "crlf.txt")) == \
        (200, {"modified": "x\nz", "original": "x\ny"})
    assert diff(sandboxd, os.path.join(tmp, "sub", "new.txt")) == \
        (200, {"modified": "brand\nnew\n", "original": ""})
    # not UTF-8: the reference cannot read it and says ""
    assert diff(sandboxd, os.path.join(tmp, "bin")) == (200, {"modified": "", "original": "ok"})
    # errors of the path itself
    missing = os.path.join(tmp, "b-gone.txt")
    assert diff(sandboxd, missing) == (400, {"detail": "File does not exist: %s" % missing})
    assert diff(sandboxd, os.path.join(tmp, "big")) == \
        (400, {"detail": "File too large for git diff: 1048577 bytes (max: 1048576 bytes)"})
    # outside any repository
    outside = tempfile.mkdtemp(prefix="hb-git-out-")
    try:
        write(os.path.join(outside, "f"), "f\n")
        assert diff(sandboxd, os.path.join(outside, "f")) == (200, {"modified": None, "original": None})
    finally:
        shutil.rmtree(outside)


def fake_git(tmp, body):
    """A directory with a `git` script, to put first on sandboxd's PATH."""
    d = os.path.join(tmp, "fakebin")
    os.mkdir(d)
    os.chmod(d, 0o755)
    with open(os.path.join(d, "git"), "w") as f:
        f.write("#!/bin/sh\n" + body)
    os.chmod(os.path.join(d, "git"), 0o755)
    return d


def test_git_runs_as_the_sandbox_user(start_sandboxd, tmp):
    record = os.path.join(tmp, "uids")
    write(record, "")
    os.chmod(record, 0o666)
    real = shutil.which("git")
    fake = fake_git(tmp, 'id -u >> %s\nexec %s "$@"\n' % (record, real))
    sb = start_sandboxd(env={"PATH": fake + ":" + os.environ["PATH"]})
    repo = os.path.join(tmp, "repo")
    make_repo(repo)
    uid = give_to_sandbox_user(sb, repo)
    assert changes(sb, repo) == (200, [])
    with open(record) as f:
        uids = set(f.read().split())
    assert uids == {str(uid)}


def test_a_git_command_that_hangs_is_stopped(start_sandboxd, tmp):
    # the reference's limit is 30 s per git command; then the command
    # counts as failed: here the repository check, so "no repository"
    fake = fake_git(tmp, "exec sleep 600\n")
    sb = start_sandboxd(env={"PATH": fake + ":" + os.environ["PATH"]})
    repo = os.path.join(tmp, "repo")
    make_repo(repo)
    give_to_sandbox_user(sb, repo)
    result = {}
    worker = threading.Thread(target=lambda: result.update(
        answer=sb.get("/api/git/changes", {"path": repo}, timeout=120)))
    worker.start()
    # the server goes on serving meanwhile
    assert sb.get("/health") == (200, {"status": "ok"})
    assert sb.get("/api/handbox/files/stat", {"path": repo})[0] == 200
    worker.join(120)
    assert result.get("answer") == (200, [])
    deadline = time.time() + 20
    while children_of(sb.pid) and time.time() < deadline:
        time.sleep(0.05)
    assert children_of(sb.pid) == [], "the git process was not stopped"


def test_git_not_installed(start_sandboxd, tmp):
    empty = os.path.join(tmp, "empty")
    os.mkdir(empty)
    sb = start_sandboxd(env={"PATH": empty})
    make_repo(os.path.join(tmp, "repo"))
    for route in ("changes", "diff"):
        path = os.path.join(tmp, "repo", "a.txt" if route == "diff" else "")
        status, body = sb.get("/api/git/" + route, {"path": path})
        assert status == 500 and body["detail"].startswith("Git command not found. Is git installed?"), body
