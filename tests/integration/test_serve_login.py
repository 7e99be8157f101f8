"""`handbox serve` with an API key, as a browser meets it (API.md § 2,
docs/serve.md "Auth", docs/web-ui.md): GET /login is the UI's page (open),
POST /api/login refuses a wrong key with 401 and sets an HttpOnly cookie
for the right one, and that cookie opens the API. Also the lines serve
prints at start: the URL, then which LLM it will use (the configured one,
or the local servers it found). No Docker: nothing here makes a sandbox.
Plain http.client, as a browser's requests are plain HTTP."""
import http.client
import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from fake_llm import FakeLLM  # noqa: E402
from serve_client import Serve  # noqa: E402

KEY = "login-test-key-0123456789"


def request(url, method, path, body=None, headers=None):
    """(status, headers as a lower-cased dict, body bytes) of one request."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        h = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        conn.request(method, u.path.rstrip("/") + path, body=data, headers=h)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def test_login_page_wrong_key_then_the_cookie_opens_the_api(tmp_path):
    with Serve(tmp_path / "state", args=["--api-key", KEY]) as s:
        # the page: index.html, open without the key; its script is too
        status, headers, body = request(s.url, "GET", "/login")
        assert status == 200, body
        assert headers["content-type"].startswith("text/html")
        assert b'<base href="/">' in body and b"assets/app.js" in body
        status, headers, body = request(s.url, "GET", "/assets/view-login.js")
        assert status == 200 and b"api/login" in body
        # the API is closed without it
        status, _, body = request(s.url, "GET", "/api/settings")
        assert status == 401 and json.loads(body)["detail"] == "Unauthorized"
        # a wrong key, no key, a key that is not a string: 401, no cookie
        for bad in ({"api_key": "wrong-key-0123456789"}, {}, {"api_key": 12},
                    {"api_key": KEY + "x"}):
            status, headers, body = request(s.url, "POST", "/api/login", bad)
            assert status == 401, (bad, body)
            assert "set-cookie" not in headers
        # the right key: an HttpOnly cookie
        status, headers, body = request(s.url, "POST", "/api/login", {"api_key": KEY})
        assert status == 200 and json.loads(body) == {"success": True}
        cookie = headers["set-cookie"]
        attrs = [a.strip() for a in cookie.split(";")]
        assert attrs[0] == "handbox_session=" + KEY
        assert "HttpOnly" in attrs and "SameSite=Strict" in attrs and "Path=/" in attrs
        assert "Secure" not in attrs  # plain HTTP here
        # which the browser sends back: it opens the API
        status, _, body = request(s.url, "GET", "/api/settings",
                                  headers={"Cookie": attrs[0]})
        assert status == 200, body
        assert "llm" in json.loads(body)
        status, _, _ = request(s.url, "GET", "/api/settings",
                               headers={"Cookie": "handbox_session=wrong-key-0123456789"})
        assert status == 401


def test_pages_without_the_key_go_to_the_sign_in_page(tmp_path):
    with Serve(tmp_path / "state", args=["--api-key", KEY]) as s:
        # a stranger's page load: straight to the sign-in page, which
        # comes back (no API call failing first in the browser's console)
        for page, location in (("/", "/login"),
                               ("/settings", "/login?next=settings"),
                               ("/conversations/a%20b", "/login?next=conversations/a%20b")):
            status, headers, _ = request(s.url, "GET", page)
            assert (status, headers.get("location")) == (303, location), page
            assert headers["cache-control"] == "no-store"
        # a stale cookie is a stranger too; the right key gets the page
        status, _, _ = request(s.url, "GET", "/", headers={"Cookie": "handbox_session=old"})
        assert status == 303
        for h in ({"Cookie": "handbox_session=" + KEY}, {"X-Session-API-Key": KEY}):
            status, headers, body = request(s.url, "GET", "/settings", headers=h)
            assert status == 200 and b"assets/app.js" in body, h
    # without a key there is nothing to sign in to
    with Serve(tmp_path / "open") as s:
        status, _, body = request(s.url, "GET", "/settings")
        assert status == 200 and b"assets/app.js" in body


def test_login_under_a_base_path(tmp_path):
    with Serve(tmp_path / "state", args=["--api-key", KEY, "--base-path", "/hb"]) as s:
        assert s.url.endswith("/hb")
        status, _, body = request(s.url, "GET", "/login")
        assert status == 200 and b'<base href="/hb/">' in body
        status, headers, _ = request(s.url, "GET", "/conversations/x")
        assert (status, headers["location"]) == (303, "/hb/login?next=conversations/x")
        status, headers, _ = request(s.url, "POST", "/api/login", {"api_key": KEY})
        assert status == 200 and "Path=/hb/" in headers["set-cookie"]


def wait_for(s, text, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = s.read_log()
        if text in log:
            return log
        time.sleep(0.05)
    raise AssertionError("no %r in the log of serve:\n%s" % (text, s.read_log()))


def llm_line(log):
    return [line for line in log.splitlines() if line.startswith("handbox serve: LLM: ")]


def test_serve_prints_the_configured_llm(tmp_path):
    env = {"LLM_MODEL": "test-model", "LLM_BASE_URL": "http://127.0.0.1:9/v1"}
    with Serve(tmp_path / "state", env=env) as s:
        log = wait_for(s, "handbox serve: LLM: ")
        assert "listening; open %s/" % s.url in log
        line = llm_line(log)
        assert line == ["handbox serve: LLM: test-model at http://127.0.0.1:9/v1 (change it "
                        "in Settings: %s/settings)" % s.url], log


def test_serve_prints_the_local_llm_servers_it_found(tmp_path):
    with FakeLLM([]) as llm:
        env = {"LLM_MODEL": "", "LLM_BASE_URL": "",
               "HANDBOX_LLM_PRESETS": "Scripted=%s" % llm.base_url}
        t0 = time.monotonic()
        with Serve(tmp_path / "state", env=env) as s:
            # listening comes first, whatever the probes take
            assert time.monotonic() - t0 < 10
            log = wait_for(s, "handbox serve: LLM: ")
            line = llm_line(log)
            assert len(line) == 1, log
            assert "Scripted at %s (1 model)" % llm.base_url in line[0]
            assert line[0].endswith(" \u2014 choose one in Settings: %s/settings" % s.url)
            assert log.index("listening; open ") < log.index("handbox serve: LLM: ")
