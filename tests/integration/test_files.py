"""File routes of sandboxd: the OpenHands upload/download/create_directory
and handbox's /api/handbox/files/ list, stat, remove and move.

The routes act as the sandbox user (uid 1000 by default when sandboxd is
root, as when these tests run as root, as CI does): the tests that check
that the kernel refuses them what that user may not do need root, and fail
saying so otherwise.

Wire formats: docs/files-and-git.md."""
import functools
import hashlib
import http.client
import os
import shutil
import socket
import stat
import sys
import tempfile
import time
import urllib.parse

import pytest

from conftest import KEY_HEADER, SANDBOXD, Sandboxd

BIG = 100 << 20          # the large upload/download
RSS_BOUND = 64 << 20     # sandboxd's peak resident memory while moving it
CHUNK = 1 << 20


@pytest.fixture
def tmp(sandboxd):
    """A scratch directory the sandbox user may write in."""
    d = tempfile.mkdtemp(prefix="hb-files-")
    os.chmod(d, 0o777)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def needs_root(test):
    """Fails a test run without root instead of letting it pass unchecked:
    sandboxd acts as another user only when it is root."""
    @functools.wraps(test)
    def run(*args, **kwargs):
        assert os.getuid() == 0, "needs root: sandboxd acts as another user only when it is root"
        return test(*args, **kwargs)
    return run


def command_uid(sb):
    r = sb.execute_command("id -u")
    assert r["exit_code"] == 0, r
    return int(r["stdout"].strip())


def give_to_user(sb, *paths):
    """Hands trees the test made (as root) to the sandbox user, as if the
    agent had made them: the routes act as that user."""
    uid = command_uid(sb)
    for top in paths:
        os.lchown(top, uid, uid)
        for d, dirs, files in os.walk(top):
            for n in dirs + files:
                os.lchown(os.path.join(d, n), uid, uid)
    return uid


@pytest.fixture
def root_dir():
    """A directory only root may write in (0755, root's), with secret, a
    file only root may read (0600)."""
    d = tempfile.mkdtemp(prefix="hb-root-")
    os.chmod(d, 0o755)
    with open(os.path.join(d, "secret"), "w") as f:
        f.write("root only\n")
    os.chmod(os.path.join(d, "secret"), 0o600)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def fs_ids(pid):
    """(fsuid, fsgid, supplementary groups) of a process."""
    ids = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            ids[key] = value.split()
    return int(ids["Uid"][3]), int(ids["Gid"][3]), sorted(int(g) for g in ids["Groups"])


def vm_hwm(pid):
    """Peak resident set size of a process, in bytes."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc/%d/status" % pid)


def multipart_parts(filename, boundary, field="file"):
    head = ("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n"
            % (boundary, field, filename)).encode()
    tail = ("\r\n--%s--\r\n" % boundary).encode()
    return head, tail


def upload_stream(sb, path, src_path, field="file"):
    """Uploads the file at src_path as multipart, streamed from disk."""
    boundary = "hbtestboundary7f3a9c"
    head, tail = multipart_parts(os.path.basename(src_path), boundary, field)
    size = os.path.getsize(src_path)

    def body():
        yield head
        with open(src_path, "rb") as f:
            while True:
                chunk = f.read(CHUNK)
                if not chunk:
                    break
                yield chunk
        yield tail

    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=120)
    conn.request("POST", "/api/file/upload?" + urllib.parse.urlencode({"path": path}),
                 body=body(), encode_chunked=False,
                 headers={KEY_HEADER: sb.key,
                          "Content-Type": "multipart/form-data; boundary=" + boundary,
                          "Content-Length": str(len(head) + size + len(tail))})
    r = conn.getresponse()
    out = r.status, r.read()
    conn.close()
    return out


def upload_bytes(sb, path, data, field="file", filename="f.bin"):
    boundary = "hbtestboundary7f3a9c"
    head, tail = multipart_parts(filename, boundary, field)
    params = {"path": path} if path is not None else None
    return sb.post("/api/file/upload", head + data + tail, params=params,
                   headers={"Content-Type": "multipart/form-data; boundary=" + boundary})


def download_sha256(sb, path):
    """(status, sha256 hex, length, headers) of a streamed download."""
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=120)
    conn.request("GET", "/api/file/download?" + urllib.parse.urlencode({"path": path}),
                 headers={KEY_HEADER: sb.key})
    r = conn.getresponse()
    h, n = hashlib.sha256(), 0
    while True:
        chunk = r.read(CHUNK)
        if not chunk:
            break
        h.update(chunk)
        n += len(chunk)
    conn.close()
    return r.status, h.hexdigest(), n, r.headers


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def leftovers(d):
    return [n for n in os.listdir(d) if n.startswith(".handbox-upload-")]


# ------------------------------------------------------ upload / download


def test_upload_creates_parents_owned_by_the_sandbox_user(sandboxd, tmp):
    target = os.path.join(tmp, "a", "b", "hello.txt")
    status, body = upload_bytes(sandboxd, target, b"hello\n")
    assert (status, body) == (200, {"success": True})
    with open(target, "rb") as f:
        assert f.read() == b"hello\n"
    uid = command_uid(sandboxd)
    for p in (os.path.join(tmp, "a"), os.path.join(tmp, "a", "b"), target):
        assert os.stat(p).st_uid == uid, p
    # the sandbox user's own commands can change what was uploaded
    r = sandboxd.execute_command("echo more >> '%s' && rm -r '%s'" % (target, os.path.join(tmp, "a")))
    assert r["exit_code"] == 0, r


def test_download_returns_the_bytes(sandboxd, tmp):
    target = os.path.join(tmp, "data.bin")
    data = bytes(range(256)) * 1000
    with open(target, "wb") as f:
        f.write(data)
    status, body = sandboxd.get("/api/file/download", {"path": target})
    assert status == 200
    assert body == data
    status, sha, n, headers = download_sha256(sandboxd, target)
    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["Content-Length"] == str(len(data))
    assert headers["Content-Disposition"] == 'attachment; filename="data.bin"'


def test_download_of_an_empty_file_then_keep_alive(sandboxd, tmp):
    target = os.path.join(tmp, "empty")
    open(target, "wb").close()
    conn = http.client.HTTPConnection("127.0.0.1", sandboxd.port, timeout=30)
    for _ in range(3):
        conn.request("GET", "/api/file/download?path=" + urllib.parse.quote(target),
                     headers={KEY_HEADER: sandboxd.key})
        r = conn.getresponse()
        assert (r.status, r.read()) == (200, b"")
    conn.close()


def test_big_file_round_trip_with_flat_memory(sandboxd, tmp):
    src = os.path.join(tmp, "src.bin")
    with open(src, "wb") as f:
        for _ in range(BIG // CHUNK):
            f.write(os.urandom(CHUNK))
    want = sha256_file(src)
    target = os.path.join(tmp, "dst", "big.bin")

    status, body = upload_stream(sandboxd, target, src)
    assert status == 200, body
    assert os.path.getsize(target) == BIG
    assert sha256_file(target) == want

    status, got, n, _ = download_sha256(sandboxd, target)
    assert (status, n, got) == (200, BIG, want)
    assert vm_hwm(sandboxd.pid) < RSS_BOUND, "sandboxd peaked at %d bytes" % vm_hwm(sandboxd.pid)


def test_upload_replaces_a_file_keeping_its_mode(sandboxd, tmp):
    target = os.path.join(tmp, "run.sh")
    with open(target, "w") as f:
        f.write("old\n")
    os.chmod(target, 0o750)
    status, _ = upload_bytes(sandboxd, target, b"#!/bin/sh\necho new\n")
    assert status == 200
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o750
    # root's file is replaced by one of the sandbox user's, who wrote it
    assert os.stat(target).st_uid == command_uid(sandboxd)
    with open(target, "rb") as f:
        assert f.read() == b"#!/bin/sh\necho new\n"
    assert leftovers(tmp) == []


def test_last_file_part_wins(sandboxd, tmp):
    boundary = "b0undary"
    body = b"".join([
        b"--b0undary\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n",
        b"--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"1\"\r\n\r\nfirst\r\n",
        b"--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"2\"\r\n\r\nsecond\r\n",
        b"--b0undary--\r\n"])
    target = os.path.join(tmp, "two")
    status, _ = sandboxd.post("/api/file/upload", body, params={"path": target},
                              headers={"Content-Type": "multipart/form-data; boundary=" + boundary})
    assert status == 200
    with open(target, "rb") as f:
        assert f.read() == b"second"


@pytest.mark.parametrize("route,method", [
    ("/api/file/upload", "POST"),
    ("/api/file/download", "GET"),
    ("/api/file/create_directory", "POST"),
])
def test_relative_paths_are_refused(sandboxd, tmp, route, method):
    for path in ("relative/file.txt", "", "./x", "../etc/passwd"):
        if route.endswith("upload"):
            status, body = upload_bytes(sandboxd, path, b"x")
        else:
            status, body = sandboxd.request(method, route, params={"path": path})
        assert (status, body) == (400, {"detail": "Path must be absolute"}), path


def test_missing_path_and_nul_bytes(sandboxd, tmp):
    status, body = sandboxd.get("/api/file/download")
    assert status == 422 and "path" in body["detail"]
    # a NUL must never cut a path short: in a query libwebsockets drops the
    # request, in a JSON body it is refused
    sneaky = os.path.join(tmp, "x") + "\0/../../etc/passwd"
    try:
        status, body = sandboxd.get("/api/file/download", {"path": sneaky})
    except http.client.RemoteDisconnected:
        status, body = None, None
    assert status in (None, 400), (status, body)
    status, body = sandboxd.post("/api/handbox/files/remove", {"path": sneaky})
    assert status in (400, 422) and "NUL" in body["detail"], body
    assert sandboxd.get("/health") == (200, {"status": "ok"})


def test_download_errors(sandboxd, tmp):
    assert sandboxd.get("/api/file/download", {"path": os.path.join(tmp, "no", "such", "file")}) \
        == (404, {"detail": "File not found"})
    assert sandboxd.get("/api/file/download", {"path": tmp}) == (400, {"detail": "Path is not a file"})
    os.symlink("/nonexistent-target", os.path.join(tmp, "dangling"))
    assert sandboxd.get("/api/file/download", {"path": os.path.join(tmp, "dangling")}) \
        == (404, {"detail": "File not found"})
    # ".." is resolved by the kernel, as in the reference
    os.mkdir(os.path.join(tmp, "sub"))
    with open(os.path.join(tmp, "f"), "wb") as f:
        f.write(b"dotdot")
    assert sandboxd.get("/api/file/download", {"path": os.path.join(tmp, "sub", "..", "f")}) \
        == (200, b"dotdot")
    assert sandboxd.get("/api/file/download", {"path": os.path.join(tmp, "nosub", "..", "f")}) \
        == (404, {"detail": "File not found"})
    # and the session key is required
    status, _ = sandboxd.get("/api/file/download", {"path": os.path.join(tmp, "f")}, key=None)
    assert status == 401


def test_upload_errors(sandboxd, tmp):
    with open(os.path.join(tmp, "plain"), "w") as f:
        f.write("x")
    # the reference's messages: Python's mkdir(parents=True) errors
    plain = os.path.join(tmp, "plain")
    status, body = upload_bytes(sandboxd, os.path.join(plain, "below"), b"x")
    assert status == 500
    assert body["detail"] == "Failed to upload file: [Errno 17] File exists: '%s'" % plain
    status, body = upload_bytes(sandboxd, os.path.join(plain, "sub", "below"), b"x")
    assert status == 500
    assert body["detail"] == "Failed to upload file: [Errno 20] Not a directory: '%s/sub'" % plain
    status, body = upload_bytes(sandboxd, tmp, b"x")
    assert status == 500
    assert body["detail"] == "Failed to upload file: [Errno 21] Is a directory: '%s'" % tmp
    # not multipart, no "file" field, a body cut before its end
    status, body = sandboxd.post("/api/file/upload", b"raw", params={"path": os.path.join(tmp, "r")},
                                 headers={"Content-Type": "application/octet-stream"})
    assert status == 422 and "multipart" in body["detail"]
    status, body = upload_bytes(sandboxd, os.path.join(tmp, "r"), b"x", field="other")
    assert status == 422 and '"file"' in body["detail"]
    status, body = sandboxd.post(
        "/api/file/upload", b"--bb\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\npartial",
        params={"path": os.path.join(tmp, "r")},
        headers={"Content-Type": "multipart/form-data; boundary=bb"})
    assert status == 400 and "ended inside" in body["detail"]
    assert not os.path.exists(os.path.join(tmp, "r"))
    assert leftovers(tmp) == []


def test_client_gone_mid_upload_leaves_nothing(sandboxd, tmp):
    target = os.path.join(tmp, "cut.bin")
    old = os.path.join(tmp, "old.txt")
    with open(old, "w") as f:
        f.write("keep me")
    for path in (target, old):
        boundary = "cutboundary"
        head, _ = multipart_parts("cut.bin", boundary)
        s = socket.create_connection(("127.0.0.1", sandboxd.port))
        s.sendall(("POST /api/file/upload?path=%s HTTP/1.1\r\nHost: x\r\n%s: %s\r\n"
                   "Content-Type: multipart/form-data; boundary=%s\r\n"
                   "Content-Length: %d\r\n\r\n"
                   % (urllib.parse.quote(path), KEY_HEADER, sandboxd.key, boundary,
                      len(head) + (50 << 20))).encode())
        s.sendall(head)
        for _ in range(4):
            s.sendall(os.urandom(CHUNK))
        # the temporary file exists while the upload runs...
        deadline = time.time() + 30
        while not leftovers(tmp) and time.time() < deadline:
            time.sleep(0.05)
        assert leftovers(tmp), "no temporary file while uploading"
        s.close()
        # ...and is gone once sandboxd sees the client leave
        deadline = time.time() + 30
        while leftovers(tmp) and time.time() < deadline:
            time.sleep(0.05)
        assert leftovers(tmp) == []
    assert not os.path.exists(target)
    with open(old) as f:
        assert f.read() == "keep me"
    # the server still serves
    assert sandboxd.get("/health") == (200, {"status": "ok"})
    status, _ = upload_bytes(sandboxd, target, b"whole")
    assert status == 200
    with open(target, "rb") as f:
        assert f.read() == b"whole"


# ------------------------------------------------------ create_directory


def test_create_directory(sandboxd, tmp):
    d = os.path.join(tmp, "x", "y", "z")
    assert sandboxd.post("/api/file/create_directory", params={"path": d}) == (200, {"success": True})
    assert os.path.isdir(d)
    uid = command_uid(sandboxd)
    assert os.stat(os.path.join(tmp, "x")).st_uid == uid
    with open(os.path.join(d, "keep"), "w") as f:
        f.write("k")
    # idempotent, contents untouched
    assert sandboxd.post("/api/file/create_directory", params={"path": d}) == (200, {"success": True})
    assert os.listdir(d) == ["keep"]
    file_in_the_way = os.path.join(d, "keep")
    for p in (file_in_the_way, os.path.join(file_in_the_way, "below")):
        assert sandboxd.post("/api/file/create_directory", params={"path": p}) \
            == (400, {"detail": "Path exists and is not a directory"})


# ------------------------------------------------- handbox: list / stat


def make_tree(tmp):
    os.mkdir(os.path.join(tmp, "dir"))
    with open(os.path.join(tmp, "file.txt"), "w") as f:
        f.write("12345")
    os.chmod(os.path.join(tmp, "file.txt"), 0o640)
    with open(os.path.join(tmp, ".hidden"), "w") as f:
        f.write("h")
    os.symlink("file.txt", os.path.join(tmp, "link"))


def test_list(sandboxd, tmp):
    make_tree(tmp)
    status, body = sandboxd.get("/api/handbox/files/list", {"path": tmp})
    assert status == 200, body
    assert body["path"] == tmp and body["truncated"] is False
    by_name = {e["name"]: e for e in body["entries"]}
    assert [e["name"] for e in body["entries"]] == [".hidden", "dir", "file.txt", "link"]
    f = by_name["file.txt"]
    assert (f["type"], f["size"], f["mode"], f["mode_octal"]) == ("file", 5, 0o640, "0640")
    assert f["path"] == os.path.join(tmp, "file.txt")
    assert f["mtime"].endswith("Z") and f["mtime"][:4].isdigit()
    assert f["uid"] == os.getuid()
    assert by_name["dir"]["type"] == "dir"
    assert by_name["link"]["type"] == "symlink" and by_name["link"]["link_target"] == "file.txt"

    status, body = sandboxd.get("/api/handbox/files/list", {"path": tmp, "hidden": "false"})
    assert [e["name"] for e in body["entries"]] == ["dir", "file.txt", "link"]
    status, body = sandboxd.get("/api/handbox/files/list", {"path": tmp, "limit": 2})
    assert status == 200 and len(body["entries"]) == 2 and body["truncated"] is True


def test_list_and_stat_errors(sandboxd, tmp):
    make_tree(tmp)
    missing = os.path.join(tmp, "missing")
    status, body = sandboxd.get("/api/handbox/files/list", {"path": missing})
    assert status == 404 and body["detail"] == 'list "%s": No such file or directory' % missing
    status, body = sandboxd.get("/api/handbox/files/list", {"path": os.path.join(tmp, "file.txt")})
    assert status == 400 and "Not a directory" in body["detail"]
    assert sandboxd.get("/api/handbox/files/list", {"path": "rel"}) == (400, {"detail": "Path must be absolute"})
    status, body = sandboxd.get("/api/handbox/files/list", {"path": tmp, "limit": 0})
    assert status == 422 and "limit" in body["detail"]
    status, body = sandboxd.get("/api/handbox/files/stat", {"path": missing})
    assert status == 404 and missing in body["detail"]


def test_stat(sandboxd, tmp):
    make_tree(tmp)
    status, body = sandboxd.get("/api/handbox/files/stat", {"path": os.path.join(tmp, "link")})
    assert status == 200
    assert body["name"] == "link" and body["type"] == "symlink" and body["link_target"] == "file.txt"
    status, body = sandboxd.get("/api/handbox/files/stat", {"path": tmp + "/./dir/"})
    assert status == 200 and body["type"] == "dir" and body["path"] == os.path.join(tmp, "dir")
    status, body = sandboxd.get("/api/handbox/files/stat", {"path": "/"})
    assert status == 200 and body["name"] == "/" and body["type"] == "dir"


# ---------------------------------------------- handbox: remove / move


def test_remove(sandboxd, tmp):
    make_tree(tmp)
    rm = "/api/handbox/files/remove"
    assert sandboxd.post(rm, {"path": os.path.join(tmp, "link")}) == (200, {"success": True, "removed": 1})
    assert os.path.exists(os.path.join(tmp, "file.txt"))  # a link goes, not its target
    assert sandboxd.post(rm, {"path": os.path.join(tmp, "dir")}) == (200, {"success": True, "removed": 1})

    # a tree: refused without recursive, removed with it
    tree = os.path.join(tmp, "tree")
    count = 0
    for i in range(20):
        d = os.path.join(tree, "d%d" % i, "deeper")
        os.makedirs(d)
        count += 2
        for k in range(60):
            with open(os.path.join(d, "f%d" % k), "w") as f:
                f.write("x")
            count += 1
    os.symlink("/", os.path.join(tree, "root-link"))  # must not be followed
    count += 2  # the link and tree itself
    give_to_user(sandboxd, tree)
    status, body = sandboxd.post(rm, {"path": tree})
    assert status == 409 and "recursive" in body["detail"] and tree in body["detail"]
    assert sandboxd.post(rm, {"path": tree, "recursive": True}) == (200, {"success": True, "removed": count})
    assert not os.path.exists(tree)
    assert os.path.exists("/bin") or os.path.exists("/usr")

    status, body = sandboxd.post(rm, {"path": os.path.join(tmp, "gone")})
    assert status == 404 and "No such file or directory" in body["detail"]
    for root in ("/", "/.", "//", tmp + "/" + "/".join([".."] * 10)):
        status, body = sandboxd.post(rm, {"path": root, "recursive": True})
        assert status == 400 and "root directory" in body["detail"], root
    status, body = sandboxd.post(rm, {"path": "relative"})
    assert (status, body) == (400, {"detail": "Path must be absolute"})
    status, body = sandboxd.post(rm, {"path": tmp, "recursive": "yes"})
    assert status == 422 and "recursive" in body["detail"]


def test_move(sandboxd, tmp):
    make_tree(tmp)
    give_to_user(sandboxd, tmp)
    mv = "/api/handbox/files/move"
    a, b = os.path.join(tmp, "file.txt"), os.path.join(tmp, "dir", "moved.txt")
    assert sandboxd.post(mv, {"from": a, "to": b}) == (200, {"success": True})
    assert not os.path.exists(a) and open(b).read() == "12345"
    with open(a, "w") as f:
        f.write("new")
    status, body = sandboxd.post(mv, {"from": a, "to": b})
    assert status == 409 and "overwrite" in body["detail"] and b in body["detail"]
    assert sandboxd.post(mv, {"from": a, "to": b, "overwrite": True}) == (200, {"success": True})
    assert open(b).read() == "new"
    status, body = sandboxd.post(mv, {"from": a, "to": b})
    assert status == 404 and a in body["detail"]
    status, body = sandboxd.post(mv, {"from": os.path.join(tmp, "dir"), "to": os.path.join(tmp, "no", "x")})
    assert status == 404
    status, body = sandboxd.post(mv, {"from": os.path.join(tmp, "dir"),
                                      "to": os.path.join(tmp, "dir", "inside")})
    assert status == 400 and "Invalid argument" in body["detail"]
    status, body = sandboxd.post(mv, {"from": b})
    assert status == 422 and "to" in body["detail"]


def test_move_across_filesystems(sandboxd, tmp):
    other = tempfile.mkdtemp(prefix="hb-files-", dir="/dev/shm")
    try:
        assert os.stat(other).st_dev != os.stat(tmp).st_dev, \
            "/dev/shm and %s must be different filesystems for this test" % tmp
        mv = "/api/handbox/files/move"
        src = os.path.join(tmp, "big")
        with open(src, "wb") as f:
            for _ in range(24):
                f.write(os.urandom(CHUNK))
        os.chmod(src, 0o600)
        give_to_user(sandboxd, tmp, other)
        want = sha256_file(src)
        dst = os.path.join(other, "big")
        assert sandboxd.post(mv, {"from": src, "to": dst}) == (200, {"success": True})
        assert not os.path.exists(src)
        assert sha256_file(dst) == want and stat.S_IMODE(os.stat(dst).st_mode) == 0o600
        assert leftovers(other) == [] and not [n for n in os.listdir(other) if n.startswith(".handbox-")]

        os.symlink("somewhere", os.path.join(tmp, "ln"))
        assert sandboxd.post(mv, {"from": os.path.join(tmp, "ln"), "to": os.path.join(other, "ln")}) \
            == (200, {"success": True})
        assert os.readlink(os.path.join(other, "ln")) == "somewhere"

        os.mkdir(os.path.join(tmp, "d"))
        status, body = sandboxd.post(mv, {"from": os.path.join(tmp, "d"), "to": os.path.join(other, "d")})
        assert status == 409 and "different filesystems" in body["detail"]
        assert os.path.isdir(os.path.join(tmp, "d"))
    finally:
        shutil.rmtree(other, ignore_errors=True)


# ------------------------------------------ the sandbox user's rights


def assert_root_again(sb):
    """sandboxd is root once more after its file work: fsuid and fsgid 0,
    its own supplementary groups back."""
    fsuid, fsgid, _ = fs_ids(sb.pid)
    assert (fsuid, fsgid) == (0, 0)


@needs_root
def test_a_symlink_to_a_root_only_file_is_refused(sandboxd, tmp, root_dir):
    assert command_uid(sandboxd) != 0
    secret = os.path.join(root_dir, "secret")
    link = os.path.join(tmp, "x")
    os.symlink(secret, link)
    before = os.stat(secret)

    for path in (link, secret):
        status, body = sandboxd.get("/api/file/download", {"path": path})
        assert status == 403, (path, status, body)
        assert body["detail"].startswith("Failed to download file: [Errno 13] Permission denied: '%s'" % path)
        assert "may not read" in body["detail"], body

    status, body = upload_bytes(sandboxd, link, b"owned\n")
    assert status == 403, body
    assert "may not create files in '%s'" % root_dir in body["detail"], body
    with open(secret) as f:
        assert f.read() == "root only\n"
    after = os.stat(secret)
    assert (after.st_ino, after.st_uid, stat.S_IMODE(after.st_mode)) == \
        (before.st_ino, 0, 0o600)
    assert os.listdir(root_dir) == ["secret"] and leftovers(tmp) == []
    assert os.path.islink(link)
    assert_root_again(sandboxd)


@needs_root
def test_a_symlink_into_a_closed_directory_is_not_followed(sandboxd, tmp, root_dir):
    # the sandbox user cannot even look into root_dir: neither route may
    # follow the link, and upload must not replace the link instead
    os.chmod(root_dir, 0o700)
    secret = os.path.join(root_dir, "secret")
    link = os.path.join(tmp, "x")
    os.symlink(secret, link)
    status, body = sandboxd.get("/api/file/download", {"path": link})
    assert status == 403 and "Permission denied" in body["detail"], body
    status, body = upload_bytes(sandboxd, link, b"owned\n")
    assert status == 403 and "may not follow the symlink" in body["detail"], body
    assert os.readlink(link) == secret
    with open(secret) as f:
        assert f.read() == "root only\n"
    assert_root_again(sandboxd)


@needs_root
def test_nothing_is_created_where_the_user_may_not_write(sandboxd, root_dir):
    target = os.path.join(root_dir, "new.txt")
    status, body = upload_bytes(sandboxd, target, b"x")
    assert status == 403, body
    assert body["detail"] == (
        "Failed to upload file: [Errno 13] Permission denied: '%s' "
        "(the sandbox user, uid %d, may not create files in '%s')"
        % (target, command_uid(sandboxd), root_dir))
    status, body = upload_bytes(sandboxd, os.path.join(root_dir, "sub", "new.txt"), b"x")
    assert status == 403 and "may not create directories in '%s'" % root_dir in body["detail"], body

    d = os.path.join(root_dir, "d", "e")
    status, body = sandboxd.post("/api/file/create_directory", params={"path": d})
    assert status == 403, body
    assert body["detail"] == (
        "Permission denied: [Errno 13] Permission denied: '%s' "
        "(the sandbox user, uid %d, may not create directories in '%s')"
        % (os.path.join(root_dir, "d"), command_uid(sandboxd), root_dir))
    assert os.listdir(root_dir) == ["secret"]

    # nor removed or moved
    secret = os.path.join(root_dir, "secret")
    status, body = sandboxd.post("/api/handbox/files/remove", {"path": secret})
    assert status == 403 and "sandbox user" in body["detail"], body
    status, body = sandboxd.post("/api/handbox/files/move",
                                 {"from": secret, "to": os.path.join(root_dir, "moved")})
    assert status == 403, body
    assert os.listdir(root_dir) == ["secret"]
    status, body = sandboxd.get("/api/handbox/files/list", {"path": root_dir})
    assert status == 200 and [e["name"] for e in body["entries"]] == ["secret"]
    os.chmod(root_dir, 0o700)
    status, body = sandboxd.get("/api/handbox/files/list", {"path": root_dir})
    assert status == 403, body
    assert_root_again(sandboxd)


@needs_root
def test_roots_groups_are_not_the_users(tmp, root_dir):
    # root is often in supplementary groups (0 among them); the routes must
    # not read a root-group file through them
    wrapper = os.path.join(tmp, "with-groups")
    with open(wrapper, "w") as f:
        f.write("#!%s\nimport os, sys\nos.setgroups([0, 4])\n"
                "os.execv(%r, [%r] + sys.argv[1:])\n" % (sys.executable, SANDBOXD, SANDBOXD))
    os.chmod(wrapper, 0o755)
    group_file = os.path.join(root_dir, "group-readable")
    with open(group_file, "w") as f:
        f.write("root group\n")
    os.chmod(group_file, 0o640)
    sb = Sandboxd(binary=wrapper)
    try:
        assert fs_ids(sb.pid)[2] == [0, 4]
        status, body = sb.get("/api/file/download", {"path": group_file})
        assert status == 403, body
        # a file anyone may read still comes
        os.chmod(group_file, 0o644)
        assert sb.get("/api/file/download", {"path": group_file}) == (200, b"root group\n")
        assert fs_ids(sb.pid) == (0, 0, [0, 4])
    finally:
        assert sb.stop() == 0, sb.log()
