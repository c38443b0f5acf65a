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


def test_a_killed_runs_end_is_its_last_sign_of_life_and_says_so(store, add_run):
    from jupyter_mlops.store.runs import ESTIMATED_END

    quiet = add_run(start_time=NOW - 500, host="other-host", pid=1)
    busy = add_run(start_time=NOW - 500, host="other-host", pid=1)
    # The heartbeat stopped at the start; metrics kept coming until much later.
    store.runs.insert_metrics([(busy, "loss", 0.5, 0, NOW - 450), (busy, "loss", 0.4, 1,
                                                                    NOW - 300)])
    assert sorted(store.runs.reap(NOW, DEAD_AFTER, HOST, is_alive)) == sorted([quiet, busy])
    assert store.runs.get(quiet).end_time == NOW - 500
    killed = store.runs.get(busy)
    assert killed.end_time == NOW - 300
    assert killed.tags[ESTIMATED_END] == "true" and "estimate" in killed.error
    # Its process was only slow and ends it: the end is known, the estimate goes.
    store.runs.finish(busy, RunStatus.FINISHED, NOW + 5)
    ended = store.runs.get(busy)
    assert ended.end_time == NOW + 5 and ESTIMATED_END not in ended.tags
