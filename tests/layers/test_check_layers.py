#!/usr/bin/env python3
"""Tests of tools/check-layers on small synthetic trees (never on the real one).

Run:  python3 tests/layers/test_check_layers.py     (exit status 0 = all pass)
  or: python3 -m pytest tests/layers/test_check_layers.py

Each test builds a clean fake tree in a temporary folder (the real
tools/layers.rules and a few .c/.h files per layer), plants one violation,
and runs the checker on it with --root.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CHECKER = os.path.join(REPO, "tools", "check-layers")
RULES = os.path.join(REPO, "tools", "layers.rules")

# A clean tree: every include below is allowed by the rule.
CLEAN = {
    "include/handbox/handbox.h": '#include <stddef.h>\n#include "handbox/error.h"\n',
    "include/handbox/error.h": "#define HB_EINVAL (-22)\n",
    "src/common/buf.h": "#include <stddef.h>\n",
    "src/common/buf.c": '#include "common/buf.h"\n#include "handbox/error.h"\n#include <string.h>\n',
    "src/cli/cli.h": '#include "handbox/handbox.h"\n',
    "src/cli/main.c": ('#include <stdio.h>\n#include "cli/cli.h"\n'
                       '#include "handbox/handbox.h"\n#include "common/buf.h"\n'),
    "src/lib/sandbox.c": ('#include "handbox/handbox.h"\n#include "runtime/runtime.h"\n'
                          '#include "image/image_build.h"\n#include "client/ready.h"\n'),
    "src/engine/docker_api.h": '#include "common/buf.h"\n',
    "src/engine/docker_api.c": '#include "engine/docker_api.h"\n#include <curl/curl.h>\n',
    "src/client/ready.h": '#include "common/buf.h"\n',
    "src/client/ready.c": '#include "client/ready.h"\n',
    "src/image/image_build.h": '#include "engine/docker_api.h"\n',
    "src/image/image_build.c": '#include "image/image_build.h"\n',
    "src/runtime/runtime.h": ("struct runtime_backend;\n"
                              "extern const struct runtime_backend runtime_docker;\n"),
    "src/runtime/runtime.c": ('#include "runtime/runtime.h"\n#include "engine/docker_api.h"\n'
                              '#include "client/ready.h"\n'),
    "src/runtime/settings.c": '#include "runtime/runtime.h"\n',
    "src/runtime/docker/docker.h": '#include "runtime/runtime.h"\n',
    "src/runtime/docker/docker.c": ('#include "runtime/docker/docker.h"\n'
                                    '#include "docker.h"\n#include "engine/docker_api.h"\n'),
    "src/runtime/process/process.h": '#include "runtime/runtime.h"\n',
    "src/runtime/process/process.c": ('#include "runtime/process/process.h"\n'
                                      '#include "client/ready.h"\n'),
    "src/net/http.h": "#include <libwebsockets.h>\n",
    "src/net/http.c": '#include "net/http.h"\n#include <net/if.h>\n#include "common/buf.h"\n',
    "src/sandboxd/main.c": '#include "net/http.h"\n#include "common/buf.h"\n',
    "src/store/store.c": '#include "common/buf.h"\n#include <sqlite3.h>\n',
    "src/agent/loop.c": ('#include "client/ready.h"\n#include "handbox/handbox.h"\n'
                         '#include <jansson.h>\n'),
    "src/server/main.c": ('#include "runtime/runtime.h"\n#include "net/http.h"\n'
                          '#include "image/image_build.h"\n#include "client/ready.h"\n'),
}


class Tree:
    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="check-layers-")
        os.makedirs(os.path.join(self.root, "tools"))
        shutil.copy(RULES, os.path.join(self.root, "tools", "layers.rules"))
        for path, text in CLEAN.items():
            self.write(path, text)

    def write(self, path, text):
        full = os.path.join(self.root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)

    def append(self, path, text):
        """Appends text to a file; returns the line number of its first line."""
        full = os.path.join(self.root, path)
        with open(full) as f:
            n = f.read().count("\n")
        with open(full, "a") as f:
            f.write(text)
        return n + 1

    def run(self, *args):
        p = subprocess.run([CHECKER, "--root", self.root] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=30)
        return p.returncode, p.stdout, p.stderr

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)


def with_tree(fn):
    def test():
        t = Tree()
        try:
            fn(t)
        finally:
            t.close()
    test.__name__ = fn.__name__
    test.__doc__ = fn.__doc__
    return test


def expect_clean(t):
    rc, out, err = t.run()
    assert rc == 0, "expected exit 0, got %d\n%s%s" % (rc, out, err)
    assert "no violation" in out, out


def expect_one_violation(t, path, line, *words):
    rc, out, err = t.run()
    assert rc == 1, "expected exit 1, got %d\n%s%s" % (rc, out, err)
    lines = out.splitlines()
    assert len(lines) == 2, "expected one violation and the count:\n" + out
    assert lines[0].startswith("%s:%d: " % (path, line)), \
        "violation should name %s:%d:\n%s" % (path, line, out)
    for w in words:
        assert w in lines[0], "%r not in %r" % (w, lines[0])
    assert lines[1].startswith("check-layers: 1 violation in "), out
    return lines[0]


# (a) a clean tree passes.
@with_tree
def test_clean_tree_passes(t):
    expect_clean(t)


# (b) each kind of violation fails with exit 1, naming file and line.
@with_tree
def test_cli_includes_runtime(t):
    n = t.append("src/cli/main.c", '#include "runtime/runtime.h"\n')
    msg = expect_one_violation(t, "src/cli/main.c", n, '"runtime/runtime.h"', "(runtime)")
    assert msg.endswith("cli may include handbox, common"), msg


@with_tree
def test_cli_header_includes_runtime(t):
    n = t.append("src/cli/cli.h", '#include "runtime/docker/docker.h"\n')
    expect_one_violation(t, "src/cli/cli.h", n, "(runtime/docker)")


@with_tree
def test_sandboxd_includes_client(t):
    n = t.append("src/sandboxd/main.c", '#include "client/ready.h"\n')
    expect_one_violation(t, "src/sandboxd/main.c", n, '"client/ready.h"', "(client)",
                         "sandboxd may include net, common")


@with_tree
def test_backend_includes_other_backend(t):
    n = t.append("src/runtime/docker/docker.c", '#include "runtime/process/process.h"\n')
    expect_one_violation(t, "src/runtime/docker/docker.c", n, "(runtime/process)")


@with_tree
def test_backend_includes_other_backend_reverse(t):
    n = t.append("src/runtime/process/process.h", '#include "runtime/docker/docker.h"\n')
    expect_one_violation(t, "src/runtime/process/process.h", n, "(runtime/docker)")


@with_tree
def test_runtime_top_level_includes_backend(t):
    # settings.c -> docker.h, the case issue 7 names.
    n = t.append("src/runtime/settings.c", '#include "runtime/docker/docker.h"\n')
    expect_one_violation(t, "src/runtime/settings.c", n, "(runtime/docker)",
                         "runtime may include engine, client, common, handbox")


@with_tree
def test_runtime_c_includes_backend(t):
    n = t.append("src/runtime/runtime.c", '#include "runtime/process/process.h"\n')
    expect_one_violation(t, "src/runtime/runtime.c", n, "(runtime/process)")


@with_tree
def test_agent_includes_store(t):
    t.write("src/store/store.h", "struct store;\n")
    n = t.append("src/agent/loop.c", '#include "store/store.h"\n')
    expect_one_violation(t, "src/agent/loop.c", n, '"store/store.h"', "(store)")


@with_tree
def test_common_includes_net(t):
    n = t.append("src/common/buf.h", '#include "net/http.h"\n')
    expect_one_violation(t, "src/common/buf.h", n, "(net)",
                         "common may include include/handbox/error.h")


@with_tree
def test_common_includes_other_public_header(t):
    # common may include handbox/error.h only, not the rest of the API.
    n = t.append("src/common/buf.c", '#include "handbox/handbox.h"\n')
    expect_one_violation(t, "src/common/buf.c", n, "(handbox)")


@with_tree
def test_quoted_include_of_missing_file(t):
    n = t.append("src/client/ready.c", '#include "common/bfu.h"\n')
    expect_one_violation(t, "src/client/ready.c", n, '"common/bfu.h"', "no such file")


@with_tree
def test_angle_include_of_missing_public_header(t):
    n = t.append("src/cli/main.c", "#include <handbox/nope.h>\n")
    expect_one_violation(t, "src/cli/main.c", n, "<handbox/nope.h>", "no such file")


@with_tree
def test_public_header_includes_src(t):
    n = t.append("include/handbox/handbox.h", '#include "common/buf.h"\n')
    expect_one_violation(t, "include/handbox/handbox.h", n, "(common)",
                         "handbox may include only its own folder")


@with_tree
def test_angle_include_of_project_header_is_checked(t):
    # <runtime/runtime.h> resolves through -Isrc like a quoted include.
    n = t.append("src/cli/main.c", "#include <runtime/runtime.h>\n")
    expect_one_violation(t, "src/cli/main.c", n, "<runtime/runtime.h>", "(runtime)")


@with_tree
def test_relative_path_is_resolved(t):
    n = t.append("src/cli/main.c", '#include "../runtime/runtime.h"\n')
    expect_one_violation(t, "src/cli/main.c", n, "(runtime)")


@with_tree
def test_folder_without_rule(t):
    t.write("src/runtime/swarm/swarm.c", '#include "runtime/runtime.h"\n')
    expect_one_violation(t, "src/runtime/swarm/swarm.c", 1, "src/runtime/swarm/",
                         "no layer")


@with_tree
def test_line_numbers_and_count_with_several(t):
    t.write("src/cli/extra.c", '/* line 1 */\n#include "handbox/handbox.h"\n'
            '#include "engine/docker_api.h"\n\n  #  include "client/ready.h"\n')
    rc, out, _ = t.run()
    assert rc == 1, out
    lines = out.splitlines()
    assert lines[0].startswith("src/cli/extra.c:3: "), out
    assert lines[1].startswith("src/cli/extra.c:5: "), out
    assert lines[2].startswith("check-layers: 2 violations in "), out


# (c) what is allowed stays allowed.
@with_tree
def test_cli_angle_public_header_is_fine(t):
    t.append("src/cli/main.c", "#include <handbox/handbox.h>\n#include <handbox/error.h>\n")
    expect_clean(t)


@with_tree
def test_comments_are_not_includes(t):
    t.append("src/cli/main.c", '// #include "runtime/runtime.h"\n'
             '/*\n#include "engine/docker_api.h"\n*/\n'
             'static const char *s = "#include \\"x.h\\"";\n')
    expect_clean(t)


@with_tree
def test_line_numbers_after_block_comment(t):
    # A comment before the # is white space to the compiler: still a directive.
    n = t.append("src/cli/main.c", '/* a\n b\n c */ #include "runtime/runtime.h"\n'
                 '#include "engine/docker_api.h"\n')
    rc, out, _ = t.run()
    lines = out.splitlines()
    assert rc == 1 and len(lines) == 3, out
    assert lines[0].startswith("src/cli/main.c:%d: " % (n + 2)) and "(runtime)" in lines[0], out
    assert lines[1].startswith("src/cli/main.c:%d: " % (n + 3)) and "(engine)" in lines[1], out


@with_tree
def test_own_folder_and_unqualified_name(t):
    t.append("src/runtime/process/process.c", '#include "process.h"\n')
    t.append("src/sandboxd/main.c", "#include <sys/types.h>\n#include <net/if.h>\n")
    expect_clean(t)


# Usage and rules errors: exit 2.
@with_tree
def test_help_and_usage(t):
    p = subprocess.run([CHECKER, "--help"], stdout=subprocess.PIPE, universal_newlines=True)
    assert p.returncode == 0 and "--root" in p.stdout, p.stdout
    rc, out, err = t.run("--frobnicate")
    assert rc == 2 and "unknown argument" in err, (rc, out, err)
    p = subprocess.run([CHECKER, "--root"], stderr=subprocess.PIPE, universal_newlines=True)
    assert p.returncode == 2, p.stderr
    p = subprocess.run([CHECKER, "--root", os.path.join(t.root, "nowhere")],
                       stderr=subprocess.PIPE, universal_newlines=True)
    assert p.returncode == 2 and "no src/" in p.stderr, p.stderr


@with_tree
def test_rule_pointing_up_is_refused(t):
    t.append("tools/layers.rules", "extra src/extra cli\n")
    rc, out, err = t.run()
    assert rc == 2 and "points up" in err and "layers.rules:" in err, (rc, out, err)


@with_tree
def test_rule_with_unknown_layer_is_refused(t):
    t.write("tools/layers.rules", "cli src/cli handbx\nhandbox include/handbox -\n")
    rc, out, err = t.run()
    assert rc == 2 and "unknown layer 'handbx'" in err, (rc, out, err)


@with_tree
def test_rules_option(t):
    # A rule that also lets cli include runtime: the planted include passes.
    with open(RULES) as f:
        text = f.read().replace("src/cli              handbox common",
                                "src/cli              handbox common runtime")
    assert "common runtime" in text
    other = os.path.join(t.root, "other.rules")
    with open(other, "w") as f:
        f.write(text)
    t.append("src/cli/main.c", '#include "runtime/runtime.h"\n')
    rc, out, _ = t.run()
    assert rc == 1, out
    rc, out, err = t.run("--rules", other)
    assert rc == 0, out + err


def main():
    tests = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_") and callable(f)]
    failed = 0
    for name, fn in tests:
        try:
            fn()
            print("ok   %s" % name)
        except Exception:
            failed += 1
            print("FAIL %s" % name)
            traceback.print_exc(file=sys.stdout)
    print("%d tests, %d failed" % (len(tests), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
