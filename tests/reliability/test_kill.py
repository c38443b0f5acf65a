"""A process SIGKILLed while logging: the loss is measured, and stays within a flush interval."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import jupyter_mlops as mlops
from jupyter_mlops.records import RunStatus
from jupyter_mlops.store.runs import ESTIMATED_END

FLUSH = 0.5
# Load on a shared machine delays a flush; the loss may exceed the interval by this much.
SLACK = 1.0

VICTIM = textwrap.dedent(
    """
    import sys, time
    import jupyter_mlops as mlops

    run = mlops.start_run(experiment="victim")
    print(run.id, flush=True)
    step = 0
    while True:  # a value every 5 ms, its timestamp when it was logged
        mlops.log_metric("loss", 1.0 / (step + 1), step=step)
        if step == 200:
            print("logging", flush=True)
        step += 1
        time.sleep(0.005)
    """
)


def test_a_sigkill_loses_less_than_the_flush_interval(tracking, env):
    proc = subprocess.Popen([sys.executable, "-c", VICTIM], env=env(flush_interval=str(FLUSH)),
                            cwd=tracking.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        run_id = proc.stdout.readline().strip()
        assert len(run_id) == 32, proc.stderr.read()
        assert proc.stdout.readline() == "logging\n", proc.stderr.read()
        time.sleep(3 * FLUSH)  # several flushes have happened
    finally:
        killed_at = time.time()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    history = mlops.metric_history(run_id, "loss")
    steps = list(history["step"])
    assert steps == list(range(len(steps))) and len(steps) > 200  # a clean prefix, no holes
    assert list(history["value"]) == [1.0 / (s + 1) for s in steps]
    last = history["timestamp"].iloc[-1].timestamp()
    lost_seconds = killed_at - last
    assert lost_seconds < FLUSH + SLACK, f"lost the last {lost_seconds:.2f} s of metrics"

    record = mlops.get_run(run_id)  # its process is gone from this host: reaped at once
    assert record.status is RunStatus.KILLED
    # Its last sign of life: the last metric stored, or a heartbeat after it.
    assert last - 1e-6 <= record.end_time <= killed_at
    assert record.tags[ESTIMATED_END] == "true"
