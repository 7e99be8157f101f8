#!/usr/bin/env python3
"""tools/embed-assets and web/: the generated table compiles and holds every
file byte for byte; what is left out is left out; the UI uses relative URLs
only (so --base-path and reverse proxies work). Runs alone or under pytest."""

import os
import re
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, "tools", "embed-assets")
WEB = os.path.join(ROOT, "web")

HARNESS = r"""
#include <stdio.h>
#include "server/web_assets.h"
int main(void)
{
	for (const struct web_asset *a = web_assets; a->path; a++) {
		printf("%s\t%s\t%zu\t", a->path, a->content_type, a->len);
		for (size_t i = 0; i < a->len; i++)
			printf("%02x", a->data[i]);
		printf("\t%d\n", a->data[a->len]);
	}
	return 0;
}
"""


def run(*args, **kw):
    return subprocess.run([sys.executable, TOOL, *args], capture_output=True, text=True, **kw)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


class EmbedAssets(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.web = os.path.join(self.dir, "web")
        self.files = {
            "/index.html": b'<base href="%BASE_PATH%/">\n<p>"quotes" \\ and \xc3\xa9</p>\n',
            "/assets/app.js": b"export const x = 1;\n",
            "/assets/empty.css": b"",
            "/assets/img/logo.png": bytes(range(256)) * 3,
        }
        for url, data in self.files.items():
            write(self.web + url, data)
        write(os.path.join(self.web, ".hidden.js"), b"no")
        write(os.path.join(self.web, "web.mk"), b"no")
        write(os.path.join(self.web, ".git", "x.js"), b"no")
        write(os.path.join(self.web, "package.json"), b"{}")
        write(os.path.join(self.web, "package-lock.json"), b"{}")
        write(os.path.join(self.web, "node_modules", "x", "x.js"), b"no")

    def tearDown(self):
        self.tmp.cleanup()

    def build(self, c_file):
        harness = os.path.join(self.dir, "harness.c")
        with open(harness, "w") as f:
            f.write(HARNESS)
        exe = os.path.join(self.dir, "harness")
        cc = os.environ.get("CC", "cc")
        subprocess.run([cc, "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-I", os.path.join(ROOT, "src"),
                        "-o", exe, harness, c_file], check=True)
        out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
        return [line.split("\t") for line in out.splitlines()]

    def test_table_holds_every_file(self):
        out = os.path.join(self.dir, "gen", "web_assets.c")
        r = run("-o", out, self.web)
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = self.build(out)
        self.assertEqual([row[0] for row in rows], sorted(self.files))
        types = {"/index.html": "text/html; charset=utf-8", "/assets/app.js": "text/javascript; charset=utf-8",
                 "/assets/empty.css": "text/css; charset=utf-8", "/assets/img/logo.png": "image/png"}
        for path, ctype, length, hexdata, nul in rows:
            self.assertEqual(ctype, types[path])
            self.assertEqual(int(length), len(self.files[path]))
            self.assertEqual(bytes.fromhex(hexdata), self.files[path])
            self.assertEqual(nul, "0")

    def test_a_second_dir_under_a_prefix(self):
        vendor = os.path.join(self.dir, "vendor")
        write(os.path.join(vendor, "lib.mjs"), b"export default 1;\n")
        write(os.path.join(vendor, "lib.css"), b".x{}\n")
        out = os.path.join(self.dir, "w.c")
        r = run("-o", out, self.web, "/assets/vendor=" + vendor)
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = {row[0]: row for row in self.build(out)}
        self.assertEqual(sorted(rows), sorted(list(self.files) + ["/assets/vendor/lib.css",
                                                                  "/assets/vendor/lib.mjs"]))
        self.assertEqual(bytes.fromhex(rows["/assets/vendor/lib.mjs"][3]), b"export default 1;\n")
        self.assertEqual(run(self.web, "vendor").returncode, 2)
        self.assertEqual(run(self.web, "/assets/vendor=" + vendor + "-missing").returncode, 2)

    def test_unchanged_output_is_not_rewritten(self):
        out = os.path.join(self.dir, "web_assets.c")
        self.assertEqual(run("-o", out, self.web).stdout.strip(), "GEN " + out)
        os.utime(out, (1, 1))
        self.assertEqual(run("-o", out, self.web).stdout, "")
        self.assertEqual(os.stat(out).st_mtime, 1)
        write(self.web + "/assets/app.js", b"export const x = 2;\n")
        self.assertEqual(run("-o", out, self.web).returncode, 0)
        self.assertNotEqual(os.stat(out).st_mtime, 1)

    def test_list_and_errors(self):
        listed = run("--list", self.web).stdout.split()
        self.assertEqual(sorted(os.path.relpath(p, self.web) for p in listed),
                         sorted(u.lstrip("/") for u in self.files))
        write(os.path.join(self.web, "notes.xyz"), b"?")
        r = run("-o", os.path.join(self.dir, "x.c"), self.web)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no content type known", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "x.c")))
        self.assertEqual(run(os.path.join(self.dir, "missing")).returncode, 2)
        self.assertEqual(run("--bogus", self.web).returncode, 2)


class WebTree(unittest.TestCase):
    def test_the_real_ui_embeds(self):
        with tempfile.TemporaryDirectory() as d:
            r = run("-o", os.path.join(d, "w.c"), WEB)
            self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(os.path.join(WEB, "index.html"), run("--list", WEB).stdout.split())

    def test_relative_urls_only(self):
        with open(os.path.join(WEB, "index.html")) as f:
            html = f.read()
        self.assertIn('<base href="%BASE_PATH%/">', html)
        self.assertEqual(re.findall(r'(?:src|href)="/[^"]*"', html), [])
        for name in os.listdir(os.path.join(WEB, "assets")):
            if not name.endswith(".js"):
                continue
            with open(os.path.join(WEB, "assets", name)) as f:
                js = "\n".join(l for l in f.read().splitlines() if not l.lstrip().startswith("//"))
            # a leading slash would escape the base path
            self.assertEqual(re.findall(r"""[`'"]/(?:api|sockets|assets|conversations|settings)\b""", js), [], name)
            self.assertNotIn("ws://", js, name)


if __name__ == "__main__":
    r = unittest.main(exit=False, verbosity=1).result
    n, bad = r.testsRun, len(r.failures) + len(r.errors)
    print("%d passed, %d failed" % (n - bad, bad))
    sys.exit(1 if bad else 0)
