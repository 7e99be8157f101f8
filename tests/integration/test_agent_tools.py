"""The agent's tools (src/agent/tools, docs/agent-tools.md) against a real
sandboxd, through tests/agent/tool_probe ($TOOL_PROBE): the terminal's
persistent session, soft timeout (2 s here), reading more, keys, reset,
hard timeout and output truncation; the file editor's create, view,
view_range, str_replace, insert and undo_edit; the task tracker; aliases."""
import json
import os
import subprocess
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROBE = os.path.abspath(os.environ.get("TOOL_PROBE", os.path.join(ROOT, "build", "tool_probe")))


@pytest.fixture
def workdir():
    # commands and file routes act as the sandbox user (uid 1000 under root)
    d = tempfile.mkdtemp(prefix="handbox-tools-")
    os.chmod(d, 0o777)
    return d


@pytest.fixture
def tools(start_sandboxd, workdir):
    assert os.access(PROBE, os.X_OK), "build it first: make " + PROBE
    sb = start_sandboxd(args=["--workdir", workdir])

    def run(*calls, soft=2):
        lines = "".join(json.dumps({"name": n, "arguments": a}) + "\n" for n, a in calls)
        r = subprocess.run([PROBE, "--url", sb.url, "--key", sb.key, "--workdir", workdir,
                            "--soft-timeout", str(soft)], input=lines, capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        out = [json.loads(line) for line in r.stdout.splitlines()]
        assert len(out) == len(calls), r.stdout
        for o in out:
            assert "fatal" not in o, o
        return out
    return run


def sh(command, **kw):
    return ("terminal", dict(command=command, **kw))


def ed(**kw):
    return ("file_editor", kw)


# ------------------------------------------------------------- terminal

def test_cwd_and_env_persist(tools, workdir):
    a, b = tools(sh("mkdir -p sub && cd sub && export FOO=bar"), sh("echo $FOO; pwd"))
    assert a["action"] == {"kind": "TerminalAction", "command": "mkdir -p sub && cd sub && "
                           "export FOO=bar", "is_input": False, "timeout": None, "reset": False}
    obs = b["observation"]
    assert obs["kind"] == "TerminalObservation"
    assert obs["content"][0]["text"] == "bar\n%s/sub" % workdir
    assert obs["exit_code"] == 0 and obs["timeout"] is False and obs["is_error"] is False
    assert obs["metadata"]["exit_code"] == 0
    assert obs["metadata"]["working_dir"] == workdir + "/sub"
    assert b["text"].endswith("[The command completed with exit code 0.]")
    assert "[Current working directory: %s/sub]" % workdir in b["text"]


def test_failed_command_exit_code(tools):
    (r,) = tools(sh("ls /nonexistent"))
    assert r["observation"]["exit_code"] == 2
    assert r["text"].endswith("[The command completed with exit code 2.]")


def test_soft_timeout_read_more_and_interrupt(tools):
    first, more, stop, after = tools(
        sh("echo started; sleep 60; echo never"),
        sh(""),
        sh("C-c", is_input=True),
        sh("echo next"))
    assert first["observation"]["content"][0]["text"] == "started"
    assert first["observation"]["exit_code"] == -1 and first["observation"]["timeout"] is True
    assert "[The command has no new output after 2 seconds." in first["text"]
    assert "send keys (\"C-c\"" in first["text"]
    assert more["observation"]["exit_code"] == -1
    assert more["text"].startswith("[Below is the output of the previous command.]")
    assert stop["observation"]["exit_code"] == 130
    assert "never" not in stop["text"]
    assert stop["text"].endswith("[The command completed with exit code 130. CTRL+C was sent.]")
    assert after["observation"]["content"][0]["text"] == "next"


def test_output_restarts_the_quiet_clock(tools):
    # prints every second for 4 s: never 2 s silent, so it completes
    (r,) = tools(sh("for i in 1 2 3 4; do echo tick $i; sleep 1; done"))
    assert r["observation"]["exit_code"] == 0
    assert r["observation"]["content"][0]["text"].split("\n") == ["tick 1", "tick 2",
                                                                  "tick 3", "tick 4"]


def test_new_command_while_running_is_refused(tools):
    _, busy, _ = tools(sh("sleep 60"), sh("ls"), sh("C-c", is_input=True))
    assert busy["is_error"] and busy["observation"]["is_error"]
    assert 'Your command "ls" is NOT executed' in busy["text"]
    assert busy["text"].startswith("[An error occurred during execution.]\n")


def test_no_running_command(tools):
    empty, key = tools(sh(""), sh("C-c", is_input=True))
    assert empty["is_error"] and "No previous running command to retrieve logs from." in empty["text"]
    assert key["is_error"] and "No previous running command to interact with." in key["text"]


def test_input_to_running_command(tools):
    _, answered = tools(sh("read -p 'name? ' x; echo hello $x"), sh("world", is_input=True))
    assert answered["observation"]["exit_code"] == 0
    assert "hello world" in answered["observation"]["content"][0]["text"]


def test_hard_timeout_leaves_command_running(tools):
    # as the reference: the model's timeout ends the wait, not the command
    first, stop = tools(sh("echo a; sleep 60", timeout=3), sh("C-c", is_input=True))
    assert "[The command timed out after 3 seconds." in first["text"]
    assert first["observation"]["exit_code"] == -1 and first["observation"]["timeout"]
    assert stop["observation"]["exit_code"] == 130


def test_timeout_replaces_soft_timeout(tools):
    # silent for 3 s, beyond the 2-s soft timeout, but within the timeout given
    (r,) = tools(sh("sleep 3; echo done", timeout=20))
    assert r["observation"]["exit_code"] == 0 and r["observation"]["content"][0]["text"] == "done"


def test_reset(tools, workdir):
    _, reset, after = tools(sh("cd /tmp && export FOO=bar"), sh("", reset=True),
                            sh("echo x$FOO; pwd"))
    assert reset["observation"]["command"] == "[RESET]"
    assert reset["text"].startswith("Terminal session has been reset.")
    assert after["observation"]["content"][0]["text"] == "x\n" + workdir
    (with_cmd,) = tools(sh("echo again", reset=True))
    assert with_cmd["observation"]["command"] == "[RESET] echo again"
    assert "again" in with_cmd["text"]


def test_long_output_keeps_head_and_tail(tools):
    (r,) = tools(sh("python3 -c \"print('H' + 'x' * 40000 + 'T')\""))
    text = r["observation"]["content"][0]["text"]
    assert len(text) == 30000
    assert text.startswith("Hxxx") and text.endswith("xxxT")
    assert "<response clipped><NOTE>Due to the max output limit" in text
    assert r["observation"]["exit_code"] == 0


def test_alias_execute_bash_and_summary(tools):
    (r,) = tools(("execute_bash", {"command": "echo hi", "summary": "say hi",
                                   "security_risk": "LOW"}))
    assert r["tool"] == "terminal" and r["summary"] == "say hi"
    assert r["observation"]["content"][0]["text"] == "hi"


# ----------------------------------------------------------- file editor

def test_create_and_refuse_overwrite(tools, workdir):
    path = workdir + "/pkg/new.py"
    made, again = tools(ed(command="create", path=path, file_text="a = 1\n"),
                        ed(command="create", path=path, file_text="b\n"))
    assert made["text"] == "File created successfully at: " + path
    o = made["observation"]
    assert (o["kind"], o["command"], o["path"], o["prev_exist"]) == \
        ("FileEditorObservation", "create", path, False)
    assert o["new_content"] == "a = 1\n" and o["old_content"] is None
    with open(path) as f:
        assert f.read() == "a = 1\n"
    assert again["is_error"]
    assert ("File already exists at: %s. Cannot overwrite files using command `create`." % path) \
        in again["text"]


def test_view_file_and_range(tools, workdir):
    path = workdir + "/f.txt"
    _, whole, part, to_end, bad = tools(
        ed(command="create", path=path, file_text="l1\nl2\nl3\nl4\n"),
        ed(command="view", path=path),
        ed(command="view", path=path, view_range=[2, 3]),
        ed(command="view", path=path, view_range="[3, -1]"),
        ed(command="view", path=path, view_range=[0, 9]))
    assert whole["text"] == ("Here's the result of running `cat -n` on %s:\n"
                             "     1\tl1\n     2\tl2\n     3\tl3\n     4\tl4\n     5\t\n" % path)
    assert part["text"].endswith("     2\tl2\n     3\tl3\n")
    assert to_end["text"].endswith("     3\tl3\n     4\tl4\n")
    assert bad["is_error"] and "Its first element `0` should be within the range" in bad["text"]


def test_view_directory_two_levels(tools, workdir):
    os.makedirs(workdir + "/a/b/c")
    open(workdir + "/a/b/c/deep.txt", "w").close()
    open(workdir + "/a/top.txt", "w").close()
    open(workdir + "/.hidden", "w").close()
    open(workdir + "/a/.h2", "w").close()
    (r,) = tools(ed(command="view", path=workdir))
    lines = r["text"].split("\n")
    assert lines[0] == ("Here's the files and directories up to 2 levels deep in %s, "
                        "excluding hidden items:" % workdir)
    assert lines[1:4] == [workdir + "/", workdir + "/a/", workdir + "/a/b/"]
    assert workdir + "/a/top.txt" in lines
    assert not any("deep.txt" in x or ".h2" in x or ".hidden" in x for x in lines[:-1])
    assert r["text"].endswith("1 hidden files/directories in this directory are excluded. "
                              "You can use 'ls -la %s' to see them." % workdir)


def test_str_replace_insert_undo(tools, workdir):
    path = workdir + "/e.txt"
    _, none, two, one, ins, undo, undo2 = tools(
        ed(command="create", path=path, file_text="one\ntwo\nthree\ntwo\n"),
        ed(command="str_replace", path=path, old_str="four", new_str="4"),
        ed(command="str_replace", path=path, old_str="two", new_str="2"),
        ed(command="str_replace", path=path, old_str="three", new_str="3"),
        ("str_replace_editor", {"command": "insert", "path": path, "insert_line": "0",
                                "new_str": "zero"}),
        ed(command="undo_edit", path=path),
        ed(command="undo_edit", path=path))
    assert none["is_error"] and "old_str `four` did not appear verbatim in %s." % path in none["text"]
    assert two["is_error"] and "Multiple occurrences of old_str `two` in lines [2, 4]" in two["text"]
    assert one["text"].startswith("The file %s has been edited. Here's the result of running "
                                  "`cat -n` on a snippet of %s:\n" % (path, path))
    assert "     3\t3\n" in one["text"]
    o = one["observation"]
    assert o["old_content"] == "one\ntwo\nthree\ntwo\n" and o["new_content"] == "one\ntwo\n3\ntwo\n"
    assert ins["tool"] == "file_editor" and "     1\tzero\n" in ins["text"]
    assert undo["observation"]["new_content"] == "one\ntwo\n3\ntwo\n"
    assert undo["text"].startswith("Last edit to %s undone successfully." % path)
    assert undo2["observation"]["new_content"] == "one\ntwo\nthree\ntwo\n"
    with open(path) as f:
        assert f.read() == "one\ntwo\nthree\ntwo\n"


def test_editor_errors(tools, workdir):
    missing, rel, dir_edit, args = tools(
        ed(command="view", path=workdir + "/nope"),
        ed(command="view", path="nope.txt"),
        ed(command="str_replace", path=workdir, old_str="a", new_str="b"),
        ed(command="view"))
    assert "The path %s/nope does not exist. Please provide a valid path." % workdir in missing["text"]
    assert "The path should be an absolute path, starting with `/`." in rel["text"]
    assert "is a directory and only the `view` command can be used on directories" in dir_edit["text"]
    assert args["error"] == "file_editor: missing required parameter path"


# ------------------------------------------------- task tracker, finish

def test_task_tracker_plan_then_view(tools):
    empty, plan, view = tools(
        ("task_tracker", {"command": "view"}),
        ("task_tracker", {"command": "plan", "task_list": [
            {"title": "read code", "status": "done"},
            {"title": "fix bug", "status": "in_progress", "notes": "in parser"}]}),
        ("task_tracker", {}))
    assert empty["text"] == 'No task list found. Use the "plan" command to create one.'
    assert plan["text"] == "Task list has been updated with 2 item(s)."
    ids = [t["id"] for t in plan["action"]["task_list"]]
    assert view["observation"]["task_list"][1]["notes"] == "in parser"
    assert view["text"] == ("# Task List\n\n1. \u2705 [%s] read code\n\n"
                            "2. \U0001f504 [%s] fix bug\n   in parser" % tuple(ids))


def test_think_and_finish(tools):
    think, fin = tools(("think", {"thought": "hmm"}), ("finish", {"message": "all done"}))
    assert think["text"] == "Your thought has been logged." and not think["finished"]
    assert fin["finished"] and fin["text"] == "all done"
    assert fin["action"] == {"kind": "FinishAction", "message": "all done"}
