"""Driving the `handbox` command line from tests and benchmarks: run it
with a private state directory, create sandboxes, and talk to them with
SandboxdClient. Standard library only (plus sandboxd_client)."""
import json
import os
import subprocess

from sandboxd_client import SandboxdClient

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HANDBOX = os.path.abspath(os.environ.get("HANDBOX", os.path.join(ROOT, "build", "handbox")))
SANDBOXD = os.path.abspath(os.environ.get("SANDBOXD", os.path.join(ROOT, "build", "handbox-sandboxd")))


class CreatedSandbox(SandboxdClient):
    """A sandbox as `sandbox create --json` described it."""

    def __init__(self, info):
        self.info = info
        self.id = info["id"]
        self.url = info["url"]
        self.key = info["session_api_key"]
        self.ports = {int(k): v for k, v in info["ports"].items()}
        self.port = self.ports.get(8000)
        self.container = info["container"]


class Handbox:
    """One state directory (one "server id") and its environment."""

    def __init__(self, state_dir, env=None):
        self.state_dir = str(state_dir)
        self.env = dict(os.environ)
        for k in ("SANDBOX_VOLUMES", "WORKSPACE_BASE", "WORKSPACE_MOUNT_PATH",
                  "SANDBOX_USER_ID", "SANDBOX_RUNTIME_BINDING_ADDRESS", "RUNTIME",
                  "SANDBOX_KEEP_RUNTIME_ALIVE", "DOCKER_HOST"):
            self.env.pop(k, None)
        self.env.update({"HANDBOX_STATE_DIR": self.state_dir, "HANDBOX_SANDBOXD": SANDBOXD})
        self.env.update(env or {})
        self.created = []

    def run(self, *args, env=None, input=None, timeout=300, check=False):
        e = dict(self.env)
        e.update(env or {})
        r = subprocess.run([HANDBOX] + [str(a) for a in args], env=e, input=input,
                           capture_output=True, timeout=timeout)
        r.out = r.stdout.decode(errors="replace")
        r.err = r.stderr.decode(errors="replace")
        if check:
            assert r.returncode == 0, "handbox %s: exit %d\n%s" % (
                " ".join(map(str, args)), r.returncode, r.err)
        return r

    def create(self, *args, env=None):
        r = self.run("sandbox", "create", "--json", *args, env=env, check=True)
        sb = CreatedSandbox(json.loads(r.out))
        self.created.append(sb.id)
        return sb

    def ls(self):
        return json.loads(self.run("sandbox", "ls", "--json", check=True).out)

    def inspect(self, sid):
        return json.loads(self.run("sandbox", "inspect", sid, check=True).out)

    def rm_all(self):
        if self.created:
            self.run("sandbox", "rm", *self.created)
        self.created = []
