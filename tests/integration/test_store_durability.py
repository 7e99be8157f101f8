"""The event store under kill -9 (src/store, docs/store.md).

tests/store/store_writer ($STORE_WRITER, default build/store_writer)
appends events in a loop and prints "SEQ EVENT_ID" after each append has
returned. These tests kill it with SIGKILL at random moments, one writer or
two sharing the file, and check with Python's own sqlite3 that the file is
intact and holds every event a writer acknowledged; then that a conversation
left "running" by a killed writer is paused by orphan recovery, while a live
writer's is left alone.
"""
import os
import random
import signal
import sqlite3
import subprocess
import time
import uuid

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WRITER = os.path.abspath(os.environ.get("STORE_WRITER", os.path.join(ROOT, "build", "store_writer")))
FIRST_LINE_TIMEOUT = 20


@pytest.fixture
def writer():
    """Starts store_writer processes (stdout to a file, so a kill loses no
    line in a pipe); kills any still running at the end."""
    if not os.access(WRITER, os.X_OK):
        pytest.fail("%s: no such executable (make, or set STORE_WRITER)" % WRITER)
    procs = []

    def start(state_dir, conv, out_path):
        out = open(out_path, "ab")
        p = subprocess.Popen([WRITER, state_dir, "append", conv], stdout=out,
                             stderr=subprocess.PIPE)
        out.close()
        procs.append(p)
        return p

    yield start
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait()
        p.stderr.close()


def wait_for_lines(proc, out_path, n=1):
    """Waits until out_path holds n complete lines (the writer has
    acknowledged n events); fails if the writer exits first."""
    deadline = time.monotonic() + FIRST_LINE_TIMEOUT
    while time.monotonic() < deadline:
        with open(out_path, "rb") as f:
            if f.read().count(b"\n") >= n:
                return
        if proc.poll() is not None:
            pytest.fail("store_writer exited with %s: %s" % (proc.returncode, proc.stderr.read().decode()))
        time.sleep(0.01)
    pytest.fail("store_writer acknowledged no event in %d s" % FIRST_LINE_TIMEOUT)


def acknowledged(out_path):
    """(seq, event id) of every complete line: a line cut by the kill was
    never acknowledged."""
    with open(out_path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")[:-1]
    return [(int(seq), eid.decode()) for seq, eid in (line.split() for line in lines)]


def check_file(db_path, acked):
    """The file is intact, holds every acknowledged event under its seq,
    and each conversation's event_count matches its events."""
    db = sqlite3.connect(db_path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = dict(db.execute("SELECT seq, event_id FROM events"))
        missing = [(seq, eid) for seq, eid in acked if stored.get(seq) != eid]
        assert not missing, "acknowledged events lost: %r" % missing[:5]
        counts = db.execute("SELECT c.id, c.event_count, (SELECT count(*) FROM events e"
                            " WHERE e.cid = c.cid) FROM conversations c").fetchall()
        for conv, counted, present in counts:
            assert counted == present, "conversation %s: event_count %d, %d events" % (conv, counted, present)
        return len(stored)
    finally:
        db.close()


def test_kill9_loses_no_acknowledged_event(tmp_path, writer):
    state = str(tmp_path / "state")
    db_path = os.path.join(state, "handbox.db")
    convs = [str(uuid.uuid4()), str(uuid.uuid4())]
    rng = random.Random()
    acked, total = [], 0
    for rnd in range(10):
        # every other round two writers share the file (busy_timeout)
        procs = []
        for i in range(1 + rnd % 2):
            out = str(tmp_path / ("out-%d-%d" % (rnd, i)))
            open(out, "wb").close()
            procs.append((writer(state, convs[i], out), out))
        for p, out in procs:
            wait_for_lines(p, out)
        time.sleep(rng.uniform(0.0, 0.3))
        for p, _ in procs:
            p.send_signal(signal.SIGKILL)
        for p, out in procs:
            assert p.wait() == -signal.SIGKILL, p.stderr.read().decode()
            acked += acknowledged(out)
        stored = check_file(db_path, acked)
        assert stored >= total
        total = stored
    assert len(acked) >= 10
    assert len({seq for seq, _ in acked}) == len(acked), "a seq was given twice"


def conversation(db_path, conv):
    db = sqlite3.connect(db_path)
    try:
        status, = db.execute("SELECT status FROM conversations WHERE id = ?", (conv,)).fetchone()
        kind, body = db.execute("SELECT e.kind, e.body FROM events e JOIN conversations c"
                                " ON e.cid = c.cid WHERE c.id = ? ORDER BY e.seq DESC LIMIT 1",
                                (conv,)).fetchone()
        return status, kind, body
    finally:
        db.close()


def recover(state):
    out = subprocess.run([WRITER, state, "recover"], capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr.decode()
    return int(out.stdout)


def test_orphan_of_killed_writer_is_paused(tmp_path, writer):
    state = str(tmp_path / "state")
    db_path = os.path.join(state, "handbox.db")
    dead, alive = str(uuid.uuid4()), str(uuid.uuid4())
    out_dead, out_alive = str(tmp_path / "dead"), str(tmp_path / "alive")
    for path in (out_dead, out_alive):
        open(path, "wb").close()
    p = writer(state, dead, out_dead)
    wait_for_lines(p, out_dead, 5)
    p.send_signal(signal.SIGKILL)
    p.wait()
    q = writer(state, alive, out_alive)
    wait_for_lines(q, out_alive)

    assert conversation(db_path, dead)[0] == "running"
    assert recover(state) == 1          # the killed writer's, not the live one's
    status, kind, body = conversation(db_path, dead)
    assert (status, kind) == ("paused", "ConversationStateUpdateEvent")
    assert '"key":"execution_status"' in body and '"value":"paused"' in body
    assert conversation(db_path, alive)[0] == "running"
    assert recover(state) == 0
    q.send_signal(signal.SIGKILL)
    q.wait()
    assert recover(state) == 1
    check_file(db_path, acknowledged(out_dead) + acknowledged(out_alive))
