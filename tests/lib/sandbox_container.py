"""A real container whose PID 1 is our sandboxd, bind-mounted read-only the
way the runtime does it, with port 8000 published on a dynamic loopback
port. Used by tests/integration/test_container_*.py and by bench/."""
import json
import os
import secrets
import subprocess
import time
import urllib.request

from sandboxd_client import KEY_HEADER, SandboxdClient

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SANDBOXD = os.path.abspath(os.environ.get("SANDBOXD", os.path.join(ROOT, "build", "handbox-sandboxd")))

IMAGES = {
    "busybox": "handbox/busybox:latest",
    "debian": "handbox/sandbox:latest",
    "musl": "handbox/musl:latest",
}
# `handbox image build --with vscode,desktop`: VS Code and the desktop
# (HANDBOX_DESKTOP_IMAGE names another build of it). Apart from IMAGES,
# which tests run over as the images without them.
DESKTOP_IMAGE = os.environ.get("HANDBOX_DESKTOP_IMAGE", "handbox/sandbox:desktop")


def require_engine():
    r = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"],
                       capture_output=True, text=True)
    assert r.returncode == 0, (
        "no Docker engine answers (start dockerd; .ci/setup.sh does): " + r.stderr.strip())


def require_image(image):
    r = subprocess.run(["docker", "image", "inspect", image], capture_output=True)
    assert r.returncode == 0, "image %s is missing: build it with images/build-all.sh" % image


class SandboxContainer(SandboxdClient):
    def __init__(self, image, env=None, extra_args=(), name_prefix="hb-test",
                 memory=None):
        """memory: a limit such as "64m" for the whole container, swap
        included (docker run --memory M --memory-swap M)."""
        require_engine()
        require_image(image)
        self.image = image
        self.key = secrets.token_hex(16)
        self.name = "%s-%s" % (name_prefix, secrets.token_hex(5))
        args = ["docker", "run", "-d", "--name", self.name,
                "--label", "handbox.test=1",
                "-v", "%s:/.handbox/sandboxd:ro" % SANDBOXD,
                "-p", "127.0.0.1::8000",
                "-e", "OH_SESSION_API_KEYS_0=" + self.key]
        for k, v in (env or {}).items():
            args += ["-e", "%s=%s" % (k, v)]
        if memory:
            args += ["--memory", memory, "--memory-swap", memory]
        args += list(extra_args)
        args += ["--entrypoint", "/.handbox/sandboxd", image, "--host", "0.0.0.0"]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        out = subprocess.run(["docker", "port", self.name, "8000/tcp"], check=True,
                             capture_output=True, text=True).stdout
        self.port = int(out.split()[0].rsplit(":", 1)[1])
        self.url = "http://127.0.0.1:%d" % self.port
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(self.url + "/health", timeout=2).read()
                break
            except OSError:
                if time.time() > deadline:
                    logs = subprocess.run(["docker", "logs", self.name],
                                          capture_output=True, text=True)
                    self.remove()
                    raise AssertionError("sandboxd never answered in %s: %s%s"
                                         % (image, logs.stdout, logs.stderr))
                time.sleep(0.05)
        self.host_pid = int(subprocess.run(
            ["docker", "inspect", "-f", "{{.State.Pid}}", self.name], check=True,
            capture_output=True, text=True).stdout)

    def status_kb(self, field):
        """A field of sandboxd's /proc/PID/status (VmRSS, VmHWM…), in kB."""
        with open("/proc/%d/status" % self.host_pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise KeyError(field)

    def inspect(self):
        out = subprocess.run(["docker", "inspect", self.name], check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out)[0]

    def remove(self):
        subprocess.run(["docker", "rm", "-f", self.name], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


def exec_ws(box, start, send=(), after=None, read_timeout=60):
    """Runs one command through WS /api/handbox/exec; `send` is a list of
    messages (dict → JSON text, bytes → stdin) sent after "started", or,
    with `after`, once stdout holds those bytes. Returns (output bytes by
    stream 1/2, the last message: "exit" or "error")."""
    import websocket  # Debian python3-websocket
    ws = websocket.create_connection("ws://127.0.0.1:%d/api/handbox/exec" % box.port,
                                     header=["%s: %s" % (KEY_HEADER, box.key)],
                                     timeout=read_timeout)
    ws.send(json.dumps(dict(start, type="start")))
    out = {1: b"", 2: b""}
    pending = list(send)

    def flush():
        for item in pending:
            if isinstance(item, bytes):
                ws.send_binary(item)
            else:
                ws.send(json.dumps(item))
        pending.clear()

    while True:
        op, msg = ws.recv_data()
        if op == websocket.ABNF.OPCODE_BINARY:
            out[msg[0]] += msg[1:]
            if after is not None and after in out[1]:
                flush()
            continue
        m = json.loads(msg)
        if m["type"] == "started" and after is None:
            flush()
        elif m["type"] in ("exit", "error"):
            ws.close()
            return out, m


def multipart(field, filename, data):
    boundary = "handbox" + secrets.token_hex(8)
    head = ('--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
            'Content-Type: application/octet-stream\r\n\r\n' % (boundary, field, filename)).encode()
    tail = ("\r\n--%s--\r\n" % boundary).encode()
    return head + data + tail, "multipart/form-data; boundary=" + boundary
