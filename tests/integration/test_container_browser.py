"""The agent's browser route in real images without a browser (the test
images: Debian and busybox; docs/browser.md): /server_info lists no
browser capability, so the agent offers no browser tools, and an action
answers 503 with the sentence that says how to build an image that has
one. (A `--with desktop` image drives its Chromium as test_browser.py
does a host's.)"""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sandbox_container import IMAGES, SandboxContainer  # noqa: E402

MISSING = ("this sandbox's image has no desktop browser: build it with "
           "handbox image build --with desktop")


@pytest.fixture(scope="module", params=sorted(IMAGES))
def box(request):
    c = SandboxContainer(IMAGES[request.param])
    yield c
    c.remove()


def test_no_browser_no_capability_and_the_sentence(box):
    status, info = box.get("/server_info")
    assert status == 200 and "browser" not in info["capabilities"], info
    status, body = box.post("/api/handbox/browser/navigate", {"url": "http://localhost:8011/"})
    assert (status, body) == (503, {"detail": MISSING})
