"""A step whose runner was SIGKILLed is reaped KILLED with a real duration, not 0 or the reap.

Its heartbeat is often only its start (one every 10 s by default), so the end recorded is the
best estimate of its last sign of life: here the last metric its kernel logged.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

import jupyter_mlops as mlops
from jupyter_mlops.pipeline.spec import load_pipeline
from jupyter_mlops.pipeline.view import last_run
from jupyter_mlops.records import RunStatus
from jupyter_mlops.session import current
from jupyter_mlops.store.runs import ESTIMATED_END
from jupyter_mlops.tracking.queries import search_runs

from .pipeline_helpers import sqlite_only, write_pipeline
from .test_kernel_pool import _alive, _kernels_of

TICKER = ("import time\nimport jupyter_mlops as mlops\n"
          "for i in range(100_000):\n"
          "    mlops.log_metric('tick', i, step=i)\n"
          "    time.sleep(0.1)")


@sqlite_only
def test_a_reaped_step_ends_at_its_last_sign_of_life(project: Path, tracking):
    book = new_notebook(cells=[new_code_cell(TICKER)], metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(book, str(project / "notebooks" / "ticker.ipynb"))
    write_pipeline(project, """\
        name: ticking
        steps:
          ticker:
            notebook: notebooks/ticker.ipynb
        """, "ticking.yaml")
    env = {**os.environ, "JUPYTER_MLOPS_URI": tracking.uri,
           "JUPYTER_MLOPS_ARTIFACTS": tracking.artifacts}
    process = subprocess.Popen(
        [sys.executable, "-c", "from jupyter_mlops.cli import main; main()", "pipeline", "run",
         "ticking.yaml", "--no-progress"], cwd=project, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        # Several metrics stored: the step has been alive for a while after its start.
        while not search_runs(filter="name = 'ticker' and metrics.tick >= 5"):
            assert process.poll() is None and time.monotonic() < deadline, process.stderr
            time.sleep(0.1)
        kernels = _kernels_of(process.pid)
        process.kill()
        process.wait(timeout=60)
        deadline = time.monotonic() + 60
        while {p for p in kernels if _alive(p)}:
            assert time.monotonic() < deadline, "the step's kernel outlived its runner"
            time.sleep(0.2)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    time.sleep(1.0)  # so that an end taken at the reap could not pass for the last sign
    reaped_at = time.time()

    table = mlops.runs(filter="name = 'ticker'")  # the reap happens here
    [row] = table.to_dict("records")
    assert row["status"] == "KILLED"
    [step] = search_runs(filter="name = 'ticker'")
    history = current().store.runs.metric_history(step.id, "tick")
    last_metric = max(point.timestamp for point in history)
    assert step.status is RunStatus.KILLED and step.tags[ESTIMATED_END] == "true"
    assert "estimate" in step.error
    assert step.start_time < last_metric <= step.end_time < reaped_at
    assert step.duration > 0
    assert row["duration"].total_seconds() == pytest.approx(step.duration)
    # The lab's pipeline view shows the same duration for the killed step.
    shown = last_run(load_pipeline(project / "ticking.yaml"), project)
    assert shown["steps"]["ticker"]["state"] == "killed"
    assert shown["steps"]["ticker"]["duration"] == step.duration
