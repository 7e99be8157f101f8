"""serve_client.py — an OpenHands-style RemoteConversation client of
`handbox serve` (API.md § 2) for tests and benchmarks, and a helper that
starts the server. Standard library plus python3-websocket.

    with Serve(state_dir, env={...}, args=["--api-key", "K"]) as s:
        api = ServeClient(s.url, key="K")
        conv = RemoteConversation(api, "do the task")   # POST, run:true
        events = conv.follow()                          # WS until it stops
        api.events(conv.id)                             # every stored event, paged
"""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import websocket

from handbox_cli import HANDBOX, SANDBOXD, Handbox

DONE = ("finished", "error", "stuck", "paused")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def message(text, run=False):
    return {"role": "user", "content": [{"type": "text", "text": text}], "run": run}


class ApiError(Exception):
    def __init__(self, status, body):
        super().__init__("HTTP %d: %s" % (status, body))
        self.status = status
        self.body = body


class ServeClient:
    """The REST routes; each call returns the parsed answer or raises
    ApiError with the status and the body."""

    def __init__(self, url, key=None, headers=None):
        self.url = url.rstrip("/")
        self.key = key
        self.headers = dict(headers or {})
        if key:
            self.headers.setdefault("X-Session-API-Key", key)

    def raw(self, method, path, data=None, headers=None, timeout=60):
        """(status, headers, body bytes) of one request; never raises on a status."""
        h = dict(self.headers)
        h.update(headers or {})
        if data is not None and not isinstance(data, bytes):
            data = json.dumps(data).encode()
            h.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def call(self, method, path, data=None, expect=(200,), **kw):
        status, _, body = self.raw(method, path, data, **kw)
        parsed = json.loads(body) if body else None
        if status not in expect:
            raise ApiError(status, parsed if parsed is not None else body)
        return parsed

    def create(self, text=None, run=True, expect=(201, 200), **fields):
        body = dict(fields)
        if text is not None:
            body["initial_message"] = message(text, run)
        return self.call("POST", "/api/conversations", body, expect=expect)

    def get(self, cid):
        return self.call("GET", "/api/conversations/" + cid)

    def delete(self, cid):
        return self.call("DELETE", "/api/conversations/" + cid)

    def send(self, cid, text, run=False):
        return self.call("POST", "/api/conversations/%s/events" % cid, message(text, run))

    def run(self, cid):
        return self.call("POST", "/api/conversations/%s/run" % cid)

    def pause(self, cid):
        return self.call("POST", "/api/conversations/%s/pause" % cid)

    def interrupt(self, cid):
        return self.call("POST", "/api/conversations/%s/interrupt" % cid)

    def search_events(self, cid, **params):
        q = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        return self.call("GET", "/api/conversations/%s/events/search?%s" % (cid, q))

    def count_events(self, cid, **params):
        q = urllib.parse.urlencode(params)
        return self.call("GET", "/api/conversations/%s/events/count?%s" % (cid, q))

    def events(self, cid, limit=100, **params):
        """Every event, following next_page_id."""
        out, page = [], None
        while True:
            r = self.search_events(cid, limit=limit, page_id=page, **params)
            out += r["items"]
            page = r["next_page_id"]
            if not page:
                return out

    def socket(self, cid, timeout=120, header=None, sslopt=None, **query):
        ws_url = self.url.replace("http", "ws", 1) + "/sockets/events/" + cid
        if query:
            ws_url += "?" + urllib.parse.urlencode(query)
        return websocket.create_connection(ws_url, timeout=timeout, header=header or [],
                                           sslopt=sslopt)


def status_of(event):
    """The execution_status an event announces, or None."""
    if event.get("kind") != "ConversationStateUpdateEvent":
        return None
    if event.get("key") == "execution_status":
        return event["value"]
    return None


class RemoteConversation:
    """A conversation on the server, followed over its events WebSocket."""

    def __init__(self, api, text=None, run=True, **fields):
        self.api = api
        self.info = api.create(text, run, **fields)
        self.id = self.info["id"]

    def follow(self, until=DONE, ws=None, resend="all"):
        """Events from the socket (the full_state first) until a status in
        until; the socket read has a timeout, so a server that goes quiet
        fails the test rather than hanging it."""
        ws = ws or self.api.socket(self.id, resend_mode=resend)
        events = []
        try:
            while True:
                ev = json.loads(ws.recv())
                events.append(ev)
                if status_of(ev) in until:
                    return events
        finally:
            ws.close()


class Serve:
    """`handbox serve` on a free port with a private state directory."""

    def __init__(self, state_dir, env=None, args=(), port=None):
        self.state_dir = str(state_dir)
        self.port = port or free_port()
        self.env = dict(os.environ)
        for k in ("HANDBOX_API_KEY", "HANDBOX_MAX_SANDBOXES", "SANDBOX_VOLUMES", "RUNTIME"):
            self.env.pop(k, None)
        self.env.update({"HANDBOX_STATE_DIR": self.state_dir, "HANDBOX_SANDBOXD": SANDBOXD})
        self.env.update(env or {})
        self.args = list(args)
        self.url = None
        self.proc = None
        self.log_path = os.path.join(self.state_dir, "serve-%d.log" % self.port)

    def start(self, wait_s=30):
        os.makedirs(self.state_dir, exist_ok=True)
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([HANDBOX, "serve", "--port", str(self.port)] + self.args,
                                     env=self.env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            text = self.read_log()
            if "listening; open " in text:
                self.url = text.split("listening; open ")[-1].split()[0].rstrip("/")
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("handbox serve did not start (exit %s):\n%s" %
                             (self.proc.poll(), self.read_log()))

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log.close()
        return self.proc.returncode if self.proc else None

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def remove_server_sandboxes(state_dir):
    """Removes every sandbox a serve of this state directory made (its
    server id is their owner), also those a failed test left; paused ones
    too (docker rm -f). A conversation on the server outlives whatever
    program made it, so tests clean up by owner, not by id."""
    path = os.path.join(str(state_dir), "server-id")
    if not os.path.exists(path):
        return
    with open(path) as f:
        owner = f.read().strip()
    h = Handbox(state_dir)
    h.created = [sb["id"] for sb in h.ls() if sb["owner"] == owner]
    h.rm_all()
