"""`handbox serve`'s sandbox routes and port proxy (API.md § 2,
docs/serve.md), with real parts: the server binary with a key, a real
Docker engine and the default image, and a conversation whose scripted LLM
(tests/lib/fake_llm.py) starts, in its sandbox, `python3 -m http.server
8011` over an index.html and a small app on the sandbox's 127.0.0.1:9000
that shows the headers it got and echoes WebSocket messages (only for the
`vite-hmr` subprotocol, as Vite's HMR socket). Then the app is reached by
path and by sub-domain (the Host header), with and without the key."""
import http.client
import json
import os
import sys
import time
import urllib.parse

import pytest
import websocket

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from fake_llm import FakeLLM  # noqa: E402
from sandbox_container import IMAGES, require_engine, require_image  # noqa: E402
from serve_client import RemoteConversation, remove_server_sandboxes, Serve, ServeClient  # noqa: E402

IMAGE = IMAGES["debian"]
KEY = "proxy-test-key-0123456789"

APP = r'''
import base64, hashlib, http.server, json, socketserver, struct

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.headers.get("Upgrade", "").lower() == "websocket":
            return self.ws()
        body = json.dumps({"path": self.path, "headers": dict(self.headers.items())}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def ws(self):
        offered = [p.strip() for p in self.headers.get("Sec-WebSocket-Protocol", "").split(",")]
        if "vite-hmr" not in offered:
            self.send_error(400)
            return
        key = self.headers["Sec-WebSocket-Key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept",
                         base64.b64encode(hashlib.sha1(key.encode()).digest()).decode())
        self.send_header("Sec-WebSocket-Protocol", "vite-hmr")
        self.end_headers()
        self.wfile.flush()
        while True:
            h = self.rfile.read(2)
            if len(h) < 2:
                return
            op, n = h[0] & 15, h[1] & 127
            if n == 126:
                n = struct.unpack(">H", self.rfile.read(2))[0]
            mask = self.rfile.read(4)
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(self.rfile.read(n)))
            if op == 8:
                self.wfile.write(b"\x88\x00")
                self.wfile.flush()
                return
            out = b"echo:" + data
            self.wfile.write(bytes([0x81, len(out)]) + out)
            self.wfile.flush()

    def log_message(self, *args):
        pass

class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

S(("127.0.0.1", 9000), H).serve_forever()
'''

START = ("D=$(mktemp -d) && cd $D && echo '<h1>hello from 8011</h1>' > index.html && "
         "(setsid nohup python3 -m http.server 8011 >/dev/null 2>&1 &) && "
         "cat > app.py <<'EOF'\n" + APP + "\nEOF\n"
         "(setsid nohup python3 app.py >app.log 2>&1 &) ; sleep 1; echo started")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    require_engine()
    require_image(IMAGE)
    state = tmp_path_factory.mktemp("proxy") / "state"
    script = [{"tool_calls": [{"name": "terminal", "arguments": {"command": START}}]},
              {"tool_calls": [{"name": "finish", "arguments": {"message": "serving"}}]}]
    e = {"LLM_MODEL": "test-model", "SANDBOX_RUNTIME_CONTAINER_IMAGE": IMAGE,
         "LLM_RETRY_MIN_WAIT": "0.2"}
    try:
        with FakeLLM(script) as llm:
            e["LLM_BASE_URL"] = llm.base_url
            with Serve(state, env=e, args=["--api-key", KEY, "--max-sandboxes", "2"]) as s:
                api = ServeClient(s.url, key=KEY)
                conv = RemoteConversation(api, "serve a site", run=True)
                conv.follow(until=("finished", "error"),
                            ws=api.socket(conv.id, session_api_key=KEY, resend_mode="all"))
                sid = api.get(conv.id)["sandbox_id"]
                assert sid, api.get(conv.id)
                wait_listening(api, sid, {8011, 9000})
                yield {"serve": s, "api": api, "id": sid, "conv": conv.id,
                       "port": s.port}
    finally:
        remove_server_sandboxes(state)


def wait_listening(api, sid, ports, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        sb = api.call("GET", "/api/sandboxes/" + sid)
        seen = {p["port"] for p in sb["listening"]}
        if ports <= seen:
            return sb
        assert time.monotonic() < deadline, sb
        time.sleep(0.5)


def by_host(env, host, path="/", headers=None, method="GET"):
    """(status, headers, body) of a request to serve with this Host."""
    c = http.client.HTTPConnection("127.0.0.1", env["port"], timeout=30)
    h = {"Host": host}
    h.update(headers or {})
    c.request(method, path, headers=h)
    r = c.getresponse()
    out = (r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    c.close()
    return out


def sub(env, port=8011):
    return "%d-%s.localhost:%d" % (port, env["id"], env["port"])


def test_the_sandbox_routes_show_the_conversations_sandbox(env):
    api, sid = env["api"], env["id"]
    sb = api.call("GET", "/api/sandboxes/" + sid)
    assert sb["id"] == sid and sb["status"] == "running"
    assert sb["conversation_id"] == env["conv"]
    assert sb["image"] == IMAGE and sb["container"]
    assert set(sb["ports"]) >= {"8000", "8011", "8012"}
    u = sb["urls"]["8011"]
    assert u["direct"] == "http://127.0.0.1:%d" % sb["ports"]["8011"]
    assert u["proxy"] == "/api/sandboxes/%s/ports/8011/" % sid
    assert u["subdomain"] == "http://8011-%s.localhost:%d/" % (sid, env["port"])
    # a port only inside: proxied, no direct URL
    assert sb["urls"]["9000"]["direct"] is None
    listening = {p["port"]: p for p in sb["listening"]}
    assert listening[9000]["address"] == "127.0.0.1"
    assert "command" in listening[8011]   # null when no process shows it
    assert sb["created_at"]
    items = api.call("GET", "/api/sandboxes")["items"]
    assert [x["id"] for x in items] == [sid]


def test_get_through_the_path_and_the_sub_domain(env):
    api, sid = env["api"], env["id"]
    status, _, body = api.raw("GET", "/api/sandboxes/%s/ports/8011/" % sid)
    assert status == 200 and b"hello from 8011" in body
    status, _, body = api.raw("GET", "/api/sandboxes/%s/ports/8011/index.html" % sid)
    assert status == 200 and b"hello from 8011" in body
    status, _, body = by_host(env, sub(env), headers={"X-Session-API-Key": KEY})
    assert status == 200 and b"hello from 8011" in body, body
    # a port bound to the sandbox's 127.0.0.1
    status, _, body = by_host(env, sub(env, 9000), "/x?a=1", {"X-Session-API-Key": KEY})
    assert status == 200 and json.loads(body)["path"] == "/x?a=1"
    # the prefix without its slash goes into the app
    status, headers, _ = by_host(env, "127.0.0.1:%d" % env["port"],
                                 "/api/sandboxes/%s/ports/8011?q=1" % sid,
                                 {"X-Session-API-Key": KEY})
    assert status == 308 and headers["location"] == "8011/?q=1"


def test_the_key_is_needed_and_never_reaches_the_app(env):
    api, sid = env["api"], env["id"]
    bare = ServeClient(env["serve"].url)
    assert bare.raw("GET", "/api/sandboxes/%s/ports/8011/" % sid)[0] == 401
    assert by_host(env, sub(env))[0] == 401
    assert bare.raw("GET", "/api/sandboxes")[0] == 401
    cookie = {"Cookie": "a=1; handbox_session=%s; b=2" % KEY}
    # (a GET with the key in its query is the cookie hand-off, below)
    status, _, body = by_host(env, sub(env, 9000), "/h?session_api_key=%s&k=v" % KEY,
                              dict(cookie, Authorization="Bearer " + KEY), method="POST")
    assert status == 200, body
    got = json.loads(body)
    assert got["path"] == "/h?k=v"
    headers = {k.lower(): v for k, v in got["headers"].items()}
    assert headers["cookie"] == "a=1; b=2"
    assert "authorization" not in headers and "x-session-api-key" not in headers
    assert KEY not in body.decode()
    # only serve's own cookie: no Cookie header at all
    status, _, body = bare.raw("GET", "/api/sandboxes/%s/ports/9000/" % sid,
                               headers={"Cookie": "handbox_session=" + KEY})
    assert status == 200 and "cookie" not in {k.lower() for k in json.loads(body)["headers"]}
    # an app's own Authorization passes
    status, _, body = api.raw("GET", "/api/sandboxes/%s/ports/9000/" % sid,
                              headers={"Authorization": "Bearer app-token"})
    assert json.loads(body)["headers"]["Authorization"] == "Bearer app-token"


def test_a_link_with_the_key_sets_a_host_only_cookie(env):
    status, headers, _ = by_host(env, sub(env), "/index.html?session_api_key=%s&x=1" % KEY)
    assert status == 303
    assert headers["location"] == "index.html?x=1"
    cookie = headers["set-cookie"]
    assert cookie.startswith("handbox_session=%s;" % KEY)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/;" in cookie
    assert "domain" not in cookie.lower()
    # the UI's link: serve sends the browser to the sub-domain with the key
    status, headers, _ = by_host(env, "localhost:%d" % env["port"],
                                 "/api/sandboxes/%s/open/8011" % env["id"],
                                 {"X-Session-API-Key": KEY})
    assert status == 303
    assert headers["location"] == "http://%s/?session_api_key=%s" % (sub(env), KEY)
    # at a path with its query (VS Code's token, noVNC's arguments), as the
    # VS Code and Desktop tabs open them
    to = "/vnc.html?autoconnect=1&resize=remote&folder=%2Fwork%20space"
    status, headers, _ = by_host(env, "localhost:%d" % env["port"],
                                 "/api/sandboxes/%s/open/8011?to=%s"
                                 % (env["id"], urllib.parse.quote(to, safe="")),
                                 {"X-Session-API-Key": KEY})
    assert status == 303
    assert headers["location"] == "http://%s%s&session_api_key=%s" % (sub(env), to, KEY)
    for bad in ("vnc.html", "//evil.example/", "/a b"):
        status, _, body = by_host(env, "localhost:%d" % env["port"],
                                  "/api/sandboxes/%s/open/8011?to=%s"
                                  % (env["id"], urllib.parse.quote(bad, safe="")),
                                  {"X-Session-API-Key": KEY})
        assert status == 422 and b"to " in body, (bad, status, body)
    # a line break never reaches the headers (the HTTP layer drops such an
    # argument: the link goes to the root)
    status, headers, _ = by_host(env, "localhost:%d" % env["port"],
                                 "/api/sandboxes/%s/open/8011?to=%%2Fx%%0D%%0ASet-Cookie%%3A%%20a%%3Db"
                                 % env["id"], {"X-Session-API-Key": KEY})
    assert status in (303, 422), status
    assert "set-cookie" not in headers and "Set-Cookie: a=b" not in headers.get("location", "")


def test_websocket_with_a_subprotocol_through_both_forms(env):
    sid, port = env["id"], env["port"]
    url = "ws://127.0.0.1:%d/api/sandboxes/%s/ports/9000/ws" % (port, sid)
    ws = websocket.create_connection(url, subprotocols=["vite-hmr"], timeout=30,
                                     header=["X-Session-API-Key: " + KEY])
    assert ws.getsubprotocol() == "vite-hmr"
    ws.send("hi")
    assert ws.recv() == "echo:hi"
    ws.close()
    ws = websocket.create_connection("ws://127.0.0.1:%d/ws" % port, host=sub(env, 9000),
                                     subprotocols=["vite-hmr"], timeout=30,
                                     cookie="handbox_session=" + KEY)
    ws.send("sub")
    assert ws.recv() == "echo:sub"
    ws.close()


def test_errors_404_422_502_and_409_when_paused(env):
    api, sid = env["api"], env["id"]
    status, _, body = api.raw("GET", "/api/sandboxes/0123456789ab/ports/8011/")
    assert status == 404 and "no sandbox" in json.loads(body)["detail"]
    assert by_host(env, "8011-0123456789ab.localhost", headers={"X-Session-API-Key": KEY})[0] == 404
    for bad in ("0", "70000", "x"):
        status, _, body = api.raw("GET", "/api/sandboxes/%s/ports/%s/" % (sid, bad))
        assert status == 422 and "port" in json.loads(body)["detail"]
    status, _, body = by_host(env, "70000-%s.localhost" % sid, headers={"X-Session-API-Key": KEY})
    assert status == 422, body
    status, _, body = api.raw("GET", "/api/sandboxes/%s/ports/8013/" % sid)
    assert status == 502 and "nothing listens" in json.loads(body)["detail"]
    assert api.raw("GET", "/api/sandboxes/0123456789ab")[0] == 404
    # paused and resumed by request: served again
    assert api.call("POST", "/api/sandboxes/%s/pause" % sid)["status"] == "paused"
    assert api.get(env["conv"])["sandbox_status"] == "paused"
    assert api.get(env["conv"])["sandbox_paused"] == "asked"
    assert api.call("POST", "/api/sandboxes/%s/resume" % sid)["status"] == "running"
    status, _, body = api.raw("GET", "/api/sandboxes/%s/ports/8011/" % sid)
    assert status == 200 and b"hello from 8011" in body
    # a request to a conversation's paused sandbox resumes it: 503 with
    # Retry-After meanwhile, then the app's answer
    assert api.call("POST", "/api/sandboxes/%s/pause" % sid)["status"] == "paused"
    status, headers, body = api.raw("GET", "/api/sandboxes/%s/ports/8011/" % sid)
    assert status == 503 and headers["Retry-After"] == "1", body
    deadline = time.monotonic() + 60
    while status != 200 and time.monotonic() < deadline:
        time.sleep(0.25)
        status, _, body = api.raw("GET", "/api/sandboxes/%s/ports/8011/" % sid)
    assert status == 200 and b"hello from 8011" in body
    assert api.call("GET", "/api/sandboxes/" + sid)["status"] == "running"


def test_a_bare_sandbox_counts_and_is_deleted(env):
    api = env["api"]
    # Created: a new resource, as POST /api/conversations answers
    sb = api.call("POST", "/api/sandboxes", {"env": ["HELLO=1"], "memory": "1g"}, expect=(201,))
    try:
        assert sb["status"] == "running" and sb["conversation_id"] is None
        assert sb["urls"]["8011"]["proxy"].endswith("/ports/8011/")
        ids = [x["id"] for x in api.call("GET", "/api/sandboxes")["items"]]
        assert sorted(ids) == sorted([env["id"], sb["id"]])
        # the conversation's and this one: --max-sandboxes 2 is reached
        status, _, body = api.raw("POST", "/api/sandboxes", {})
        assert status == 429 and "--max-sandboxes" in json.loads(body)["detail"]
        status, _, body = api.raw("POST", "/api/sandboxes", {"env": "X=1"})
        assert status == 422 and "env" in json.loads(body)["detail"]
        # a bare sandbox paused stays so until its client resumes it
        assert api.call("POST", "/api/sandboxes/%s/pause" % sb["id"])["status"] == "paused"
        status, _, body = api.raw("GET", "/api/sandboxes/%s/ports/8011/" % sb["id"])
        assert status == 409 and "resume" in json.loads(body)["detail"]
        # a conversation's sandbox goes with its conversation
        status, _, body = api.raw("DELETE", "/api/sandboxes/" + env["id"])
        assert status == 409 and env["conv"] in json.loads(body)["detail"]
    finally:
        assert api.call("DELETE", "/api/sandboxes/" + sb["id"]) == {"success": True}
    assert api.raw("GET", "/api/sandboxes/" + sb["id"])[0] == 404
    assert [x["id"] for x in api.call("GET", "/api/sandboxes")["items"]] == [env["id"]]
