"""headless_chromium.py — Debian's Chromium run headless with its DevTools
server on a loopback port, as the desktop of a `--with desktop` image runs
it (docs/browser.md): what sandboxd's browser route drives in the tests
and the benchmark. Standard library only."""
import os
import shutil
import signal
import subprocess
import time
import urllib.request

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def wait_for(cond, what, limit=30):
    """Polls cond(); the limit only ends a hung wait."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def answers(url):
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


class Chromium:
    """A headless Chromium with its DevTools server on 127.0.0.1:port and
    its profile under tmp; stop() kills its whole process group."""

    def __init__(self, tmp, port):
        self.tmp, self.port, self.proc = tmp, port, None

    def start(self):
        assert os.access(CHROMIUM, os.X_OK), "no Chromium at %s (apt install chromium)" % CHROMIUM
        profile = os.path.join(self.tmp, "profile")
        shutil.rmtree(profile, ignore_errors=True)
        os.makedirs(self.tmp, exist_ok=True)
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu",
             "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile,
             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=%d" % self.port,
             "--window-size=1024,700", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        wait_for(lambda: answers("http://127.0.0.1:%d/json/version" % self.port),
                 "Chromium's DevTools server")
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


class Site:
    """`python3 -m http.server` on a free loopback port serving pages
    ({name: html}) from folder; url is http://localhost:PORT/."""

    def __init__(self, folder, pages, port):
        for name, html in pages.items():
            with open(os.path.join(folder, name), "w") as f:
                f.write(html)
        self.proc = subprocess.Popen(["python3", "-m", "http.server", str(port), "--bind",
                                      "127.0.0.1"], cwd=folder, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self.url = "http://localhost:%d/" % port
        wait_for(lambda: answers("http://127.0.0.1:%d/" % port), "the page's server")

    def stop(self):
        self.proc.kill()
        self.proc.wait()


# A page with one of each thing the tools use: text, a link, a button that
# changes the text, a field, a button that opens an alert, and a block tall
# enough to scroll.
INDEX = """<!doctype html><html><head><title>Browser test page</title></head><body>
<h1>Hello from the served page</h1>
<p id="out">not clicked yet</p>
<a href="second.html">Second page</a>
<button onclick="document.getElementById('out').textContent='the button was clicked'">Click me</button>
<input id="name" placeholder="your name">
<button onclick="alert('saved!'); document.getElementById('out').textContent='after the alert'">Save</button>
<div style="height: 4000px">a tall block</div>
</body></html>
"""
SECOND = """<!doctype html><html><head><title>Second</title></head><body>
<p>This is the second page.</p></body></html>
"""
PAGES = {"index.html": INDEX, "second.html": SECOND}
