"""The agent's browser in sandboxd (docs/browser.md): POST
/api/handbox/browser/{action} against a real headless Chromium
(/usr/bin/chromium, its DevTools server on a free loopback port given to
sandboxd in HANDBOX_BROWSER_CDP) showing a real page served by
`python3 -m http.server` (a link, a button that changes the text, a field,
an alert, a tall block). Checked: the capability in /server_info, the
page's text and its numbered elements, a click that changes the page, an
alert accepted and reported, typing into the field, scrolling, a link
followed and go_back, a screenshot that is a PNG file (and never
overwrites another sandboxd's), refusals (an element that is not there, an
unknown action, a bad direction), a Chromium restarted under sandboxd (the
connection is made again), and a sandbox without a browser (the sentence
that says how to get one)."""
import os
import shutil
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from conftest import free_port  # noqa: E402
from headless_chromium import PAGES, Chromium, Site  # noqa: E402

MISSING = ("this sandbox's image has no desktop browser: build it with "
           "handbox image build --with desktop")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    s = Site(str(tmp_path_factory.mktemp("site")), PAGES, free_port())
    yield s.url
    s.stop()


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    c = Chromium(str(tmp_path_factory.mktemp("chromium")), free_port()).start()
    yield c
    c.stop()


@pytest.fixture
def browser(start_sandboxd, chromium):
    # screenshots are written as the sandbox user (uid 1000 under root):
    # a folder it may write in, unlike pytest's root-only ones
    parent = tempfile.mkdtemp(prefix="handbox-browser-test-")
    os.chmod(parent, 0o777)
    sd = start_sandboxd(env={"HANDBOX_BROWSER_CDP": "127.0.0.1:%d" % chromium.port,
                             "HANDBOX_BROWSER_SCREENSHOTS": os.path.join(parent, "shots")})
    sd.shots = os.path.join(parent, "shots")
    yield sd
    shutil.rmtree(parent, ignore_errors=True)


def act(sd, action, **args):
    return sd.post("/api/handbox/browser/" + action, args)


def page(sd, action, **args):
    status, body = act(sd, action, **args)
    assert status == 200, (action, status, body)
    return body


def test_server_info_lists_the_browser(browser):
    status, info = browser.get("/server_info")
    assert status == 200 and "browser" in info["capabilities"], info


def test_navigate_reads_text_and_numbers_elements(browser, site):
    p = page(browser, "navigate", url=site)
    assert p["url"] == site and p["title"] == "Browser test page", p
    text = p["text"]
    assert text.startswith("URL: %s\nTitle: Browser test page\n" % site), text
    assert "Hello from the served page" in text and "not clicked yet" in text, text
    assert '[1] <a href="second.html">Second page</a>' in text, text
    assert "[2] <button>Click me</button>" in text, text
    assert '[3] <input placeholder="your name" value="">' in text, text
    assert p["screenshot"] is None


def test_click_type_scroll_follow_and_go_back(browser, site):
    page(browser, "navigate", url=site)
    clicked = page(browser, "click", index=2)["text"]
    assert "the button was clicked" in clicked and "not clicked yet" not in clicked, clicked

    typed = page(browser, "type", index=3, text="Ada Lovelace")["text"]
    assert '[3] <input placeholder="your name" value="Ada Lovelace">' in typed, typed
    typed = page(browser, "type", index=3, text="Grace")["text"]
    assert 'value="Grace"' in typed, typed   # the old value is replaced

    top = page(browser, "get_state")["text"]
    assert "Scrolled to 0 of " in top, top
    down = page(browser, "scroll", direction="down")["text"]
    assert "Scrolled to 0 of " not in down and "Scrolled to " in down, down
    up = page(browser, "scroll", direction="up")["text"]
    assert "Scrolled to 0 of " in up, up

    second = page(browser, "click", index=1)
    assert second["url"] == site + "second.html", second
    assert "This is the second page." in second["text"], second
    assert "No interactive elements." in second["text"], second

    back = page(browser, "go_back")
    assert back["url"] == site and "Hello from the served page" in back["text"], back


def test_an_alert_is_accepted_and_reported(browser, site):
    page(browser, "navigate", url=site)
    text = page(browser, "click", index=4)["text"]
    assert text.startswith('[The page showed an alert, accepted: "saved!"]\nURL: '), text
    assert "after the alert" in text, text   # the page's script went on
    assert "[The page showed" not in page(browser, "get_state")["text"]


def test_content_with_links(browser, site):
    page(browser, "navigate", url=site)
    text = page(browser, "get_content", extract_links=True)["text"]
    assert "- [Second page](%ssecond.html)" % site in text, text
    assert "[2] <button>" not in text, text


def test_screenshot_is_a_png_file(browser, site):
    page(browser, "navigate", url=site)
    p = page(browser, "get_state", include_screenshot=True)
    path = p["screenshot"]
    assert path and path.startswith(browser.shots + "/") and path.endswith(".png"), p
    # the sandbox user's file, as its commands' would be
    assert os.stat(path).st_uid == (1000 if os.geteuid() == 0 else os.geteuid())
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000, len(data)
    assert "Hello from the served page" in p["text"]


def test_screenshots_never_overwrite(browser, start_sandboxd, chromium, site):
    # another sandboxd writing to the same folder: the process runtime's
    # sandboxes share the host's /tmp
    other = start_sandboxd(env={"HANDBOX_BROWSER_CDP": "127.0.0.1:%d" % chromium.port,
                                "HANDBOX_BROWSER_SCREENSHOTS": browser.shots})
    page(browser, "navigate", url=site)
    first = page(browser, "get_state", include_screenshot=True)["screenshot"]
    second = page(other, "get_state", include_screenshot=True)["screenshot"]
    assert first != second, first
    assert sorted(os.listdir(browser.shots)) == sorted(
        os.path.basename(p) for p in (first, second))


def test_refusals(browser, site):
    page(browser, "navigate", url=site)
    status, body = act(browser, "click", index=99)
    assert status == 422 and "there is no element 99" in body["detail"], body
    status, body = act(browser, "click")
    assert status == 422 and "index" in body["detail"], body
    status, body = act(browser, "scroll", direction="sideways")
    assert status == 422 and "expected up or down" in body["detail"], body
    status, body = act(browser, "fly")
    assert status == 404 and "expected navigate, click" in body["detail"], body
    status, body = act(browser, "navigate", url="http://127.0.0.1:%d/" % free_port())
    assert status == 422 and "ERR_CONNECTION_REFUSED" in body["detail"], body
    status, body = browser.post("/api/handbox/browser/navigate", {"url": site}, key="wrong")
    assert status == 401, body


def test_chromium_restarted_is_found_again(browser, chromium, site):
    page(browser, "navigate", url=site)
    chromium.stop()
    status, body = act(browser, "get_state")
    assert status == 503 and "the desktop browser does not answer" in body["detail"], body
    chromium.start()
    p = page(browser, "navigate", url=site + "second.html")
    assert "This is the second page." in p["text"], p


def test_no_browser_in_the_image(start_sandboxd):
    # a PATH without chromium: sandboxd finds no browser program
    sd = start_sandboxd(env={"PATH": "/nonexistent", "HANDBOX_BROWSER_CDP": "127.0.0.1:9"})
    status, info = sd.get("/server_info")
    assert status == 200 and "browser" not in info["capabilities"], info
    status, body = act(sd, "navigate", url="http://localhost:8011/")
    assert status == 503 and body["detail"] == MISSING, body
