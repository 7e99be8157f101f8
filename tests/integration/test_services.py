"""VS Code and the desktop that sandboxd runs (docs/vscode-desktop.md), in
real containers made by `handbox sandbox create`: the URLs of
/api/vscode/url and /api/desktop/url open through sandboxd's token gate
on the published ports 8001 and 8002 (the workbench page and its
WebSocket; noVNC's page and RFB over websockify), also through `handbox
serve`'s port proxy, a wrong token is 403, killed services come back, and
an image without them answers null."""
import http.cookiejar
import json
import os
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
import websocket

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from handbox_cli import CreatedSandbox, Handbox, HANDBOX  # noqa: E402
from sandbox_container import DESKTOP_IMAGE, IMAGES, require_engine, require_image  # noqa: E402
from serve_client import Serve, ServeClient  # noqa: E402

DEBIAN = IMAGES["debian"]
DESKTOP = DESKTOP_IMAGE
# the services answer within seconds; a loaded CI machine gets room
WAIT = 120


@pytest.fixture(scope="module", autouse=True)
def engine():
    require_engine()
    assert os.access(HANDBOX, os.X_OK), "build it first: make"


@pytest.fixture(scope="module")
def hb(tmp_path_factory):
    h = Handbox(tmp_path_factory.mktemp("state"))
    yield h
    h.rm_all()


@pytest.fixture(scope="module")
def desk(hb):
    require_image(DESKTOP)
    return hb.create("--image", DESKTOP)


def browser():
    """An opener that keeps cookies and follows redirects, as a browser."""
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


def fetch(opener, url):
    try:
        with opener.open(url, timeout=30) as r:
            return r.status, r.read().decode(errors="replace"), r.geturl()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace"), url


def until_served(opener, url):
    """GETs url until the service answers (503 while it starts)."""
    deadline = time.time() + WAIT
    while True:
        status, body, final = fetch(opener, url)
        if status != 503 or time.time() > deadline:
            return status, body, final
        time.sleep(0.5)


def services(sb):
    status, body = sb.get("/api/handbox/services")
    assert status == 200, body
    return {s["name"]: s for s in body}


def until_running(sb, names, not_pid=None):
    """Waits until every service in names runs (with another pid than
    not_pid[name], when given); returns the listing."""
    deadline = time.time() + WAIT
    while True:
        now = services(sb)
        if all(now[n]["state"] == "running" and
               (not not_pid or now[n]["pid"] != not_pid[n]) for n in names):
            return now
        assert time.time() < deadline, json.dumps(now, indent=1)
        time.sleep(0.2)


def cookie_header(jar):
    return "; ".join("%s=%s" % (c.name, c.value) for c in jar)


def open_vscode(sb):
    status, body = sb.get("/api/vscode/url",
                          params={"base_url": "http://127.0.0.1:%d" % sb.ports[8001]})
    assert status == 200, body
    opener, jar = browser()
    status, page, final = until_served(opener, body["url"])
    return body["url"], status, page, final, jar


def vscode_ws(sb, jar, **kw):
    """The workbench's WebSocket to its server, as code-server's page opens it."""
    q = urllib.parse.urlencode({"reconnectionToken": str(uuid.uuid4()),
                                "reconnection": "false", "skipWebSocketFrames": "false"})
    return websocket.create_connection("ws://127.0.0.1:%d/?%s" % (sb.ports[8001], q),
                                       cookie=cookie_header(jar), timeout=30, **kw)


def close_of(ws):
    """The close frame the server sends first: (code, reason)."""
    frame = ws.recv_data_frame(control_frame=True)[1]
    ws.close()
    assert frame.opcode == websocket.ABNF.OPCODE_CLOSE, frame
    return struct.unpack("!H", frame.data[:2])[0], frame.data[2:].decode()


def rfb_greeting(sb, jar):
    """The first bytes of the VNC server through websockify's WebSocket."""
    ws = websocket.create_connection("ws://127.0.0.1:%d/websockify" % sb.ports[8002],
                                     cookie=cookie_header(jar), subprotocols=["binary"],
                                     timeout=30)
    try:
        return ws.recv()
    finally:
        ws.close()


def open_desktop(sb):
    status, body = sb.get("/api/desktop/url",
                          params={"base_url": "http://127.0.0.1:%d/" % sb.ports[8002]})
    assert status == 200, body
    opener, jar = browser()
    status, page, final = until_served(opener, body["url"])
    return body["url"], status, page, final, jar


# ---------------------------------------------------------------- tests


def test_an_image_without_them_answers_null(hb):
    require_image(DEBIAN)
    sb = hb.create("--image", DEBIAN)
    assert sb.get("/api/vscode/url") == (200, {"url": None})
    assert sb.get("/api/desktop/url", params={"base_url": "http://x"}) == (200, {"url": None})
    assert sb.get("/api/handbox/services") == (200, [])
    status, body = sb.get("/api/handbox/services/vscode/log")
    assert status == 404 and "its image has no VS Code" in body["detail"]
    caps = sb.get("/server_info", key=None)[1]["capabilities"]
    assert "vscode" not in caps and "desktop" not in caps


def test_the_ports_are_published(desk):
    assert set(desk.ports) >= {8000, 8001, 8002}
    caps = desk.get("/server_info", key=None)[1]["capabilities"]
    assert "vscode" in caps and "desktop" in caps


def test_vscode_opens_the_workbench_with_the_token(desk):
    url, status, page, final, jar = open_vscode(desk)
    assert url.startswith("http://127.0.0.1:%d/?tkn=" % desk.ports[8001])
    assert url.endswith("&folder=/workspace")
    assert status == 200, page
    # the workbench page, and the token gone from the address after the
    # cookie took its place
    assert "vscode-workbench-web-configuration" in page
    assert "workbench.js" in page or "workbench.web.main" in page
    assert "tkn=" not in final and "folder=" in final
    assert [c.name.startswith("handbox_tkn_") for c in jar] == [True]
    # the workbench's WebSocket passes the gate with the cookie
    ws = vscode_ws(desk, jar)
    assert ws.getstatus() == 101
    ws.close()


def test_vscode_refuses_a_wrong_or_missing_token(desk):
    base = "http://127.0.0.1:%d" % desk.ports[8001]
    opener, jar = browser()
    for url in (base + "/", base + "/?tkn=0123&folder=/workspace",
                base + "/static/out/vs/code/browser/workbench/workbench.js"):
        status, body, _ = fetch(opener, url)
        assert status == 403, (url, body)
        assert "needs its token" in json.loads(body)["detail"]
    assert not list(jar)
    # a WebSocket without the cookie is closed with the reason
    assert close_of(vscode_ws(desk, jar)) == (1008, "this needs the sandbox's token "
                                                    "(?tkn= or its cookie)")
    # a cookie with another value is no better
    opener2, jar2 = browser()
    cookie = http.cookiejar.Cookie(0, "handbox_tkn_00000000", "f" * 48, None, False,
                                   "127.0.0.1", False, False, "/", True, False, None,
                                   True, None, None, {})
    jar2.set_cookie(cookie)
    assert fetch(opener2, base + "/")[0] == 403


def test_the_desktop_serves_novnc_and_rfb(desk):
    url, status, page, final, jar = open_desktop(desk)
    assert url.startswith("http://127.0.0.1:%d/vnc.html?autoconnect=1&resize=remote&tkn="
                          % desk.ports[8002])
    assert status == 200, page
    assert "noVNC" in page
    assert "tkn=" not in final and "autoconnect=1" in final
    assert rfb_greeting(desk, jar) == b"RFB 003.008\n"
    # without the token: 403, and no WebSocket
    opener, _ = browser()
    assert fetch(opener, "http://127.0.0.1:%d/vnc.html" % desk.ports[8002])[0] == 403


def test_desktop_url_behind_a_proxy_prefix_names_the_websocket_path(desk):
    status, body = desk.get("/api/desktop/url",
                            params={"base_url": "http://h:3000/api/sandboxes/x/ports/8002/"})
    assert status == 200
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(body["url"]).query)
    assert q["path"] == ["api/sandboxes/x/ports/8002/websockify"]
    assert body["url"].startswith("http://h:3000/api/sandboxes/x/ports/8002/vnc.html?")


def test_services_are_listed_with_their_logs(desk):
    open_vscode(desk)
    open_desktop(desk)
    now = until_running(desk, ["vscode", "xvnc", "wm", "websockify", "chromium"])
    assert all(isinstance(s["pid"], int) for s in now.values())
    status, log = desk.get("/api/handbox/services/vscode/log")
    assert status == 200 and b"[handbox] started as pid" in log and b"HTTP server listening" in log
    # Chromium's DevTools answer on loopback for the agent's browser
    out = desk.run("curl -s http://127.0.0.1:9222/json/version")
    assert "webSocketDebuggerUrl" in out["stdout"], out
    # their sockets are plumbing, not the user's apps: the listening
    # ports (the sandbox panel's list) leave them out, while an app shows
    desk.run("(setsid nohup python3 -m http.server 8011 >/dev/null 2>&1 &) ; sleep 1")
    status, body = desk.get("/api/handbox/ports")
    assert status == 200, body
    listed = {p["port"] for p in body["ports"]}
    assert 8011 in listed and not listed & {5901, 9222, 18001, 18002}, body


def test_killed_services_come_back(desk):
    open_vscode(desk)
    open_desktop(desk)
    before = until_running(desk, ["vscode", "xvnc", "wm", "websockify", "chromium"])
    # as the agent could: its commands run as the same user
    out = desk.run("kill -9 %d %d" % (before["vscode"]["pid"], before["xvnc"]["pid"]))
    assert out["exit_code"] == 0, out
    after = until_running(desk, ["vscode", "xvnc"],
                          not_pid={"vscode": before["vscode"]["pid"],
                                   "xvnc": before["xvnc"]["pid"]})
    assert after["vscode"]["restarts"] >= before["vscode"]["restarts"] + 1
    assert after["vscode"]["last_exit_code"] == -9
    # what ran on the X display went with it and came back too
    until_running(desk, ["wm", "chromium", "websockify"])
    _, status, page, _, jar = open_vscode(desk)
    assert status == 200 and "vscode-workbench-web-configuration" in page
    _, status, _, _, jar = open_desktop(desk)
    assert status == 200
    assert rfb_greeting(desk, jar) == b"RFB 003.008\n"


def test_the_agents_browser_starts_the_desktop(hb):
    """Nothing runs until asked: the first browser action starts the
    desktop and waits for Chromium, then drives it."""
    require_image(DESKTOP)
    sb = hb.create("--image", DESKTOP)
    assert {s["state"] for s in services(sb).values()} == {"stopped"}
    out = sb.run("mkdir -p /tmp/site && echo '<title>T</title><p>served inside</p>' "
                 ">/tmp/site/index.html && cd /tmp/site && "
                 "(python3 -m http.server 8011 >/dev/null 2>&1 &) && sleep 1 && echo up")
    assert out["stdout"] == "up\n", out
    status, page = sb.post("/api/handbox/browser/navigate",
                           {"url": "http://localhost:8011/"}, timeout=WAIT)
    assert status == 200, page
    assert "served inside" in page["text"]
    now = services(sb)
    assert now["chromium"]["state"] == "running" and now["xvnc"]["state"] == "running"
    assert now["vscode"]["state"] == "stopped"


def test_a_service_that_keeps_failing_is_given_up_until_asked_again(hb):
    """code-server cannot listen while something else holds its port: it
    ends at once, SERVICES_GIVE_UP (5) times, then is left failed, with
    the reason, until the URL is asked for again."""
    require_image(DESKTOP)
    sb = hb.create("--image", DESKTOP)
    squat = ("cd /tmp && (python3 -m http.server 18001 --bind 127.0.0.1 >/dev/null 2>&1 &) "
             "&& sleep 1 && curl -s -o /dev/null -w %{http_code} http://127.0.0.1:18001/")
    assert sb.run(squat)["stdout"] == "200"
    status, body = sb.get("/api/vscode/url",
                          params={"base_url": "http://127.0.0.1:%d" % sb.ports[8001]})
    assert status == 200, body
    deadline = time.time() + WAIT
    while services(sb)["vscode"]["state"] != "failed":
        assert time.time() < deadline, services(sb)
        time.sleep(0.2)
    s = services(sb)["vscode"]
    assert s["restarts"] == 4 and s["pid"] is None and s["last_exit_code"] != 0
    assert "ended 5 times in a row within 10 s of its start" in s["detail"], s
    log = sb.get("/api/handbox/services/vscode/log")[1]
    assert log.count(b"[handbox] started as pid") == 5
    assert b"EADDRINUSE" in log and b"[handbox] failed: ended 5 times" in log
    # the gate says so, and does not start it again by itself
    opener, _ = browser()
    status, page, _ = fetch(opener, body["url"])
    assert status == 503 and "failed to start" in page
    assert services(sb)["vscode"]["state"] == "failed"
    # asked again once the port is free: it starts from scratch
    assert sb.run("pkill -f 'http[.]server 18001'; echo done")["stdout"] == "done\n"
    _, status, page, _, _ = open_vscode(sb)
    assert status == 200 and "vscode-workbench-web-configuration" in page
    s = services(sb)["vscode"]
    assert s["state"] == "running" and s["detail"] is None


def test_both_through_serves_port_proxy(tmp_path):
    """Two proxies in front (serve's path proxy, then sandboxd's): the
    redirect, the cookie scoped to the prefix, the WebSockets and noVNC's
    path all hold."""
    require_image(DESKTOP)
    with Serve(tmp_path / "state") as serve:
        api = ServeClient(serve.url)
        sbj = api.call("POST", "/api/sandboxes", {"image": DESKTOP}, expect=(201,))
        # the URLs come from sandboxd itself, with the key the runtime gave it
        env = subprocess.run(["docker", "inspect", "-f", "{{json .Config.Env}}", sbj["container"]],
                             check=True, capture_output=True, text=True).stdout
        key = next(e.split("=", 1)[1] for e in json.loads(env)
                   if e.startswith("SESSION_API_KEY="))
        sb = CreatedSandbox({"id": sbj["id"], "container": sbj["container"],
                             "url": "http://127.0.0.1:%d" % sbj["ports"]["8000"],
                             "session_api_key": key, "ports": sbj["ports"]})
        port = int(serve.url.rsplit(":", 1)[1])
        prefix = "/api/sandboxes/%s/ports" % sb.id
        status, body = sb.get("/api/vscode/url",
                              params={"base_url": serve.url + prefix + "/8001/"})
        assert status == 200, body
        opener, jar = browser()
        status, page, final = until_served(opener, body["url"])
        assert status == 200 and "vscode-workbench-web-configuration" in page, page
        assert final.startswith(serve.url + prefix + "/8001/?folder=")
        assert [c.path for c in jar] == [prefix + "/8001"]
        q = urllib.parse.urlencode({"reconnectionToken": str(uuid.uuid4()),
                                    "reconnection": "false", "skipWebSocketFrames": "false"})
        ws = websocket.create_connection("ws://127.0.0.1:%d%s/8001/?%s" % (port, prefix, q),
                                         cookie=cookie_header(jar), timeout=30)
        assert ws.getstatus() == 101
        ws.close()

        status, body = sb.get("/api/desktop/url",
                              params={"base_url": serve.url + prefix + "/8002"})
        opener, jar = browser()
        status, page, final = until_served(opener, body["url"])
        assert status == 200 and "noVNC" in page
        path = urllib.parse.parse_qs(urllib.parse.urlsplit(final).query)["path"][0]
        assert path == prefix[1:] + "/8002/websockify"
        ws = websocket.create_connection("ws://127.0.0.1:%d/%s" % (port, path),
                                         cookie=cookie_header(jar), subprotocols=["binary"],
                                         timeout=30)
        assert ws.recv() == b"RFB 003.008\n"
        ws.close()
        api.call("DELETE", "/api/sandboxes/" + sb.id, expect=(200, 204))
