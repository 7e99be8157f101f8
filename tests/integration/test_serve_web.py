"""The web UI's files as `handbox serve` sends them (docs/web-ui.md "How
the assets are embedded", docs/serve.md): the gzip'd copy made at build
time to a client that takes gzip (it inflates to the exact file under
web/), the file as it is to one that does not (no Accept-Encoding,
"gzip;q=0"), an ETag per representation and 304 without a body for a
matching If-None-Match, HEAD as GET without the body, and the page `/`,
whose ETag follows --base-path. No Docker: nothing here makes a sandbox.
Plain http.client on one keep-alive connection per server, so an answer
with a wrong length would also break the requests after it."""
import gzip
import http.client
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from serve_client import Serve  # noqa: E402

WEB = os.path.join(os.path.dirname(__file__), "..", "..", "web")
ASSETS = sorted(n for n in os.listdir(os.path.join(WEB, "assets"))
                if not n.startswith(".") and os.path.isfile(os.path.join(WEB, "assets", n)))


class Client:
    """One keep-alive connection to a server, under its base path."""

    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.prefix = u.path.rstrip("/")
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)

    def request(self, path, method="GET", **headers):
        """(status, headers as a lower-cased dict, body bytes)"""
        self.conn.request(method, self.prefix + path, headers=headers)
        r = self.conn.getresponse()
        body = r.read()
        assert not r.will_close, "serve closed a keep-alive connection after %s %s" % (method, path)
        return r.status, {k.lower(): v for k, v in r.getheaders()}, body


def web_file(name):
    with open(os.path.join(WEB, name), "rb") as f:
        return f.read()


def test_assets_gzip_identity_etag_304_head(tmp_path):
    with Serve(tmp_path / "state") as s:
        c = Client(s.url)
        packed_total = plain_total = 0
        for name in ASSETS:
            path = "/assets/" + name
            data = web_file("assets/" + name)
            # a client that takes gzip (as browsers send it)
            status, h, body = c.request(path, **{"Accept-Encoding": "gzip, deflate, br"})
            assert status == 200, (path, body[:200])
            assert h["cache-control"] == "no-cache"
            etag = h["etag"]
            assert etag.startswith('"') and etag.endswith('"') and not etag.startswith('W/')
            if h.get("content-encoding") == "gzip":
                assert h["vary"] == "Accept-Encoding"
                assert gzip.decompress(body) == data, path
                assert len(body) < len(data) and int(h["content-length"]) == len(body)
                assert etag.endswith('-gz"')
            else:
                assert "content-encoding" not in h and body == data, path
            packed_total += len(body)
            plain_total += len(data)
            # the file as it is: no Accept-Encoding, or gzip refused
            for accept in ({}, {"Accept-Encoding": "gzip;q=0, deflate"},
                           {"Accept-Encoding": "identity"}):
                status, h2, body2 = c.request(path, **accept)
                assert status == 200 and body2 == data, (path, accept)
                assert "content-encoding" not in h2, (path, accept)
                assert int(h2["content-length"]) == len(data)
            plain_tag = h2["etag"]
            if h.get("content-encoding") == "gzip":
                assert plain_tag != etag and h2["vary"] == "Accept-Encoding"
            else:
                assert plain_tag == etag
            # revalidation: 304 with no body for the tag of what would be sent
            status, h3, body3 = c.request(path, **{"Accept-Encoding": "gzip",
                                                  "If-None-Match": '"other", ' + etag})
            assert (status, body3) == (304, b""), path
            assert h3["etag"] == etag and "content-length" not in h3
            assert "content-encoding" not in h3
            status, _, body3 = c.request(path, **{"If-None-Match": plain_tag})
            assert (status, body3) == (304, b""), path
            status, _, body3 = c.request(path, **{"If-None-Match": '"%s"' % ("0" * 16)})
            assert status == 200 and body3 == data, path
            # HEAD: the GET's headers, no body
            status, h4, body4 = c.request(path, "HEAD", **{"Accept-Encoding": "gzip"})
            assert (status, body4) == (200, b""), path
            assert h4["etag"] == etag and h4["content-length"] == h["content-length"]
        # the UI's text shrinks to about a third
        assert packed_total < plain_total / 2, (packed_total, plain_total)
        status, _, body = c.request("/assets/no-such-file.js", **{"Accept-Encoding": "gzip"})
        assert status == 404


def index_tag(url, **headers):
    c = Client(url)
    status, h, body = c.request("/", **headers)
    assert status == 200 and h["cache-control"] == "no-cache"
    return c, h["etag"], h, body


def test_index_etag_follows_the_base_path(tmp_path):
    page = web_file("index.html")
    with Serve(tmp_path / "root") as root:
        c, root_tag, h, body = index_tag(root.url, **{"Accept-Encoding": "gzip"})
        # its text depends on --base-path: sent as it is, never the
        # build-time gzip of the unreplaced page
        assert body == page.replace(b"%BASE_PATH%", b"") and "content-encoding" not in h
        # every page path is the same page, with the same tag
        for p in ("/settings", "/login", "/conversations/0123456789abcdef0123456789abcdef"):
            status, h2, body2 = c.request(p)
            assert (status, h2["etag"], body2) == (200, root_tag, body), p
        status, h2, body2 = c.request("/", **{"If-None-Match": root_tag})
        assert (status, body2) == (304, b"") and h2["etag"] == root_tag
        status, h2, body2 = c.request("/", "HEAD")
        assert (status, body2) == (200, b"") and h2["content-length"] == str(len(body))
    with Serve(tmp_path / "hb", args=["--base-path", "/hb"]) as hb:
        c, hb_tag, h, body = index_tag(hb.url)
        assert b'<base href="/hb/">' in body
        assert hb_tag != root_tag
        # a page cached from the server at the root is not taken for this one
        status, _, body2 = c.request("/", **{"If-None-Match": root_tag})
        assert status == 200 and body2 == body
        status, _, body2 = c.request("/settings", **{"If-None-Match": hb_tag})
        assert (status, body2) == (304, b"")
    with Serve(tmp_path / "hb2", args=["--base-path", "/hb2"]) as hb2:
        _, hb2_tag, _, _ = index_tag(hb2.url)
        assert hb2_tag not in (root_tag, hb_tag)
    with Serve(tmp_path / "root2") as again:
        # the same binary and base path: the same tag (a browser's cached
        # copy survives a restart)
        assert index_tag(again.url)[1] == root_tag
