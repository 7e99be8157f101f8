"""`handbox serve --tls-cert/--tls-key` ends TLS in front of its HTTP
server (src/net/tls_front.c), so that what needs a plain socket works over
https too: WebSocket tunnels with the app's own handshake (a subprotocol,
through the path and the sub-domain), serve's passthrough to sandboxd (a
user shell on a PTY), and long answers relayed intact. Real parts: the
server binary, a Docker sandbox with the scripted agent of
test_serve_proxy.py serving its apps, openssl's certificate."""
import hashlib
import http.client
import json
import os
import re
import ssl
import subprocess
import sys

import pytest
import websocket

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(__file__))
from fake_llm import FakeLLM  # noqa: E402
from sandbox_container import IMAGES, require_engine, require_image  # noqa: E402
from serve_client import RemoteConversation, remove_server_sandboxes, Serve, ServeClient  # noqa: E402
from test_serve_proxy import START, wait_listening  # noqa: E402

IMAGE = IMAGES["debian"]
KEY = "tls-test-key-0123456789"
BIG = 8 << 20


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    require_engine()
    require_image(IMAGE)
    tmp = tmp_path_factory.mktemp("tls")
    cert, key = tmp / "c.pem", tmp / "k.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost"],
                   check=True, capture_output=True)
    ctx = ssl.create_default_context(cafile=str(cert))
    ctx.check_hostname = False
    state = tmp / "state"
    big = "head -c %d /dev/urandom > big.bin && " % BIG
    script = [{"tool_calls": [{"name": "terminal",
                               "arguments": {"command": START.replace("cd $D && ", "cd $D && " + big)}}]},
              {"tool_calls": [{"name": "terminal", "arguments": {"command": "sha256sum $D/big.bin"}}]},
              {"tool_calls": [{"name": "finish", "arguments": {"message": "serving"}}]}]
    e = {"LLM_MODEL": "test-model", "SANDBOX_RUNTIME_CONTAINER_IMAGE": IMAGE,
         "LLM_RETRY_MIN_WAIT": "0.2"}
    try:
        with FakeLLM(script) as llm:
            e["LLM_BASE_URL"] = llm.base_url
            with Serve(state, env=e, args=["--api-key", KEY, "--tls-cert", str(cert),
                                           "--tls-key", str(key)]) as s:
                assert s.url.startswith("https://")
                yield {"port": s.port, "ctx": ctx, "state": state, "llm": llm,
                       "serve": s, "cert": str(cert)}
    finally:
        remove_server_sandboxes(state)


@pytest.fixture(scope="module")
def sandbox(env):
    """The sandbox id once the agent's apps listen, and the digest of the
    file it made, from its command's output."""
    import urllib.request
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=env["ctx"]))
    urllib.request.install_opener(opener)
    try:
        api = ServeClient(env["serve"].url, key=KEY)
        conv = RemoteConversation(api, "serve a site", run=True)
        events = conv.follow(until=("finished", "error"),
                             ws=api.socket(conv.id, session_api_key=KEY, resend_mode="all",
                                           sslopt={"context": env["ctx"]}))
        sid = api.get(conv.id)["sandbox_id"]
        assert sid, events
        wait_listening(api, sid, {8011, 9000})
    finally:
        urllib.request.install_opener(urllib.request.build_opener())
    outputs = [e for e in events if e.get("kind") == "ObservationEvent"]
    digest = [m for o in outputs for m in re.findall(r"\b[0-9a-f]{64}\b", json.dumps(o))]
    return {"id": sid, "sha256": digest[0] if digest else None}


def https(env, path, host=None):
    c = http.client.HTTPSConnection("127.0.0.1", env["port"], context=env["ctx"], timeout=60)
    h = {"X-Session-API-Key": KEY}
    if host:
        h = {"Host": host, "Cookie": "handbox_session=" + KEY}
    c.request("GET", path, headers=h)
    r = c.getresponse()
    out = r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    c.close()
    return out


def wss(env, path, **kw):
    return websocket.create_connection("wss://127.0.0.1:%d%s" % (env["port"], path), timeout=60,
                                       sslopt={"context": env["ctx"]}, **kw)


def test_a_websocket_with_a_subprotocol_over_tls_both_forms(env, sandbox):
    w = wss(env, "/api/sandboxes/%s/ports/9000/ws" % sandbox["id"], subprotocols=["vite-hmr"],
            header=["X-Session-API-Key: " + KEY])
    assert w.getsubprotocol() == "vite-hmr"
    w.send("over tls")
    assert w.recv() == "echo:over tls"
    w.close()
    w = wss(env, "/ws", host="9000-%s.localhost:%d" % (sandbox["id"], env["port"]),
            subprotocols=["vite-hmr"], cookie="handbox_session=" + KEY)
    w.send("sub")
    assert w.recv() == "echo:sub"
    w.close()


def test_the_app_is_told_the_client_came_over_https(env, sandbox):
    status, _, body = https(env, "/api/sandboxes/%s/ports/9000/h" % sandbox["id"])
    assert status == 200, body
    seen = json.loads(body)["headers"]
    assert seen["X-Forwarded-Proto"] == "https", seen
    assert seen["X-Forwarded-For"].split(",")[0].strip() == "127.0.0.1", seen
    assert KEY not in json.dumps(seen)


def test_a_long_answer_arrives_intact(env, sandbox):
    assert sandbox["sha256"], "the agent's sha256sum printed no digest"
    for host in (None, "8011-%s.localhost:%d" % (sandbox["id"], env["port"])):
        path = "/big.bin" if host else "/api/sandboxes/%s/ports/8011/big.bin" % sandbox["id"]
        status, _, body = https(env, path, host)
        assert status == 200 and len(body) == BIG, (status, len(body))
        assert hashlib.sha256(body).hexdigest() == sandbox["sha256"]


def test_a_user_shell_through_the_passthrough_over_tls(env, sandbox):
    w = wss(env, "/api/sandboxes/%s/sandboxd/api/handbox/exec" % sandbox["id"],
            header=["X-Session-API-Key: " + KEY])
    w.send(json.dumps({"type": "start", "argv": ["bash", "-l"], "pty": {"rows": 24, "cols": 80}}))
    w.send(json.dumps({"type": "stdin", "data": "echo tls-$((6*7)); exit 3\r"}))
    out, last = b"", None
    while True:
        op, frame = w.recv_data_frame(True)
        if op == websocket.ABNF.OPCODE_BINARY:
            out += frame.data[1:]
        elif op == websocket.ABNF.OPCODE_TEXT:
            last = json.loads(frame.data)
        else:
            break
    assert b"tls-42\r\n" in out, out
    assert last and last["type"] == "exit" and last["exit_code"] == 3, last


def test_plain_http_on_the_tls_port_is_refused_and_serve_goes_on(env):
    c = http.client.HTTPConnection("127.0.0.1", env["port"], timeout=10)
    try:
        c.request("GET", "/health")
        with pytest.raises((http.client.HTTPException, ConnectionError, OSError)):
            c.getresponse().read()
    finally:
        c.close()
    assert https(env, "/health")[0] == 200
