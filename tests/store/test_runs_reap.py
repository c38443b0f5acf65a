"""Finding runs whose process died: a stale heartbeat, or a vanished process on this host."""

from __future__ import annotations

import os
import subprocess
import sys

from jupyter_mlops.records import RunStatus
from jupyter_mlops.tracking.host import is_alive

HOST = "this-host"
NOW = 10_000.0
DEAD_AFTER = 60.0


def _vanished_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_reap_marks_dead_runs_killed_and_leaves_live_ones(store, add_run):
    stale = add_run(start_time=NOW - 500, host="other-host", pid=1)
    store.runs.heartbeat([stale], NOW - 120)
    vanished = add_run(start_time=NOW - 5, host=HOST, pid=_vanished_pid())
    alive_here = add_run(start_time=NOW - 5, host=HOST, pid=os.getpid())
    fresh_elsewhere = add_run(start_time=NOW - 5, host="other-host", pid=_vanished_pid())
    beating = add_run(start_time=NOW - 500, host="other-host", pid=1)
    store.runs.heartbeat([beating], NOW - 1)
    finished = add_run(start_time=NOW - 500, host="other-host", pid=1)
    store.runs.finish(finished, RunStatus.FINISHED, NOW - 400)

    reaped = store.runs.reap(NOW, DEAD_AFTER, HOST, is_alive)
    assert sorted(reaped) == sorted([stale, vanished])

    stale_run = store.runs.get(stale)
    assert stale_run.status is RunStatus.KILLED
    assert stale_run.end_time == NOW - 120  # last seen alive, not when it was noticed
    assert "no heartbeat" in stale_run.error
    assert store.runs.get(vanished).status is RunStatus.KILLED
    for run_id in (alive_here, fresh_elsewhere, beating):
        assert store.runs.get(run_id).status is RunStatus.RUNNING
    assert store.runs.get(finished).status is RunStatus.FINISHED
    assert store.runs.reap(NOW, DEAD_AFTER, HOST, is_alive) == []
    # A killed run takes no heartbeat.
    store.runs.heartbeat([stale], NOW)
    assert store.runs.get(stale).status is RunStatus.KILLED

    # A heartbeat arriving while the reaper works saves the run.
    slow = add_run(start_time=NOW - 500, host="other-host", pid=1)
    store.runs.heartbeat([slow], NOW - 120)
    add_run(start_time=NOW, host=HOST, pid=os.getpid())

    def heartbeat_meanwhile(pid: int) -> bool:
        # Runs after the reaper read the candidates and before it writes.
        store.runs.heartbeat([slow], NOW)
        return True

    assert store.runs.reap(NOW, DEAD_AFTER, HOST, heartbeat_meanwhile) == []
    assert store.runs.get(slow).status is RunStatus.RUNNING
