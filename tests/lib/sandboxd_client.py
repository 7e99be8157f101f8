"""A client of one handbox-sandboxd, wherever it runs (a local process in
tests/integration/conftest.py, a container in sandbox_container.py), for
the integration tests and the benchmarks. Standard library and Debian's
python3-websocket only."""
import json
import urllib.error
import urllib.parse
import urllib.request

import websocket

KEY_HEADER = "X-Session-API-Key"
DEFAULT = object()  # "the right session key"


class SandboxdClient:
    """Subclasses set self.port, self.url and self.key. HTTP helpers return
    (status, body): body is the decoded JSON when the answer is JSON, else
    bytes."""

    # ------------------------------------------------------------ HTTP

    def request(self, method, path, body=None, params=None, key=DEFAULT,
                headers=None, timeout=60):
        """body: a JSON-able value, or bytes sent as they are. key: the
        session key to send (default: the right one; None: none)."""
        url = self.url + path
        if params:
            url += ("&" if "?" in path else "?") + urllib.parse.urlencode(params)
        if body is None or isinstance(body, bytes):
            data = body
        else:
            data = json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method)
        key = self.key if key is DEFAULT else key
        if key is not None:
            req.add_header(KEY_HEADER, key)
        if data is not None and not isinstance(body, bytes):
            req.add_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                raw, status, ctype = r.read(), r.status, r.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            raw, status, ctype = e.read(), e.code, e.headers.get("Content-Type", "")
        if ctype.startswith("application/json"):
            return status, json.loads(raw)
        return status, raw

    def get(self, path, params=None, **kw):
        return self.request("GET", path, params=params, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    # ------------------------------------------------------- WebSockets

    def ws_connect(self, path, key=DEFAULT, query_key=False, timeout=10):
        """A websocket.WebSocket on path, the key sent as the header (or, with
        query_key, as ?session_api_key=); key=None sends none."""
        key = self.key if key is DEFAULT else key
        url = "ws://127.0.0.1:%d%s" % (self.port, path)
        header = []
        if key is not None and query_key:
            url += ("&" if "?" in path else "?") + urllib.parse.urlencode({"session_api_key": key})
        elif key is not None:
            header.append("%s: %s" % (KEY_HEADER, key))
        return websocket.create_connection(url, header=header, timeout=timeout)

    def run(self, command, timeout=60, cwd=None):
        """execute_bash_command: the final BashOutput of the command."""
        body = {"command": command, "timeout": timeout}
        if cwd:
            body["cwd"] = cwd
        status, out = self.post("/api/bash/execute_bash_command", body, timeout=timeout + 30)
        assert status == 200, out
        return out
