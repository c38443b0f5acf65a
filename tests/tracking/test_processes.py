"""A process killed mid-run, interpreter exit, and a child logging into an attached run.

Eight processes writing one workspace at once: tests/reliability/test_concurrent_writers.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import jupyter_mlops as mlops
from jupyter_mlops.records import RunStatus

VICTIM = textwrap.dedent(
    """
    import sys, time
    import jupyter_mlops as mlops
    from jupyter_mlops.session import current

    run = mlops.start_run(experiment="victim")
    for step in range(100):
        mlops.log_metric("loss", 1.0 / (step + 1), step=step)
    current().writer.flush()
    print(run.id, flush=True)
    for step in range(100, 150):
        mlops.log_metric("loss", 1.0 / (step + 1), step=step)
    time.sleep(60)
    """
)


def _env(workspace) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        JUPYTER_MLOPS_URI=workspace.uri,
        JUPYTER_MLOPS_ARTIFACTS=workspace.artifacts,
        JUPYTER_MLOPS_FLUSH_INTERVAL="0.02",
        JUPYTER_MLOPS_HEARTBEAT_INTERVAL="0.2",
        JUPYTER_MLOPS_CAPTURE_GIT="false",
    )
    return env


def test_killed_process_leaves_a_killed_run_with_flushed_metrics(tracking):
    proc = subprocess.Popen([sys.executable, "-c", VICTIM], env=_env(tracking),
                            cwd=tracking.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        run_id = proc.stdout.readline().decode().strip()
        assert len(run_id) == 32, proc.stderr.read().decode()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    record = mlops.get_run(run_id)
    assert record.status is RunStatus.KILLED
    assert record.end_time is not None
    assert "heartbeat" in record.error
    history = mlops.metric_history(run_id, "loss")
    steps = list(history["step"])
    # Everything up to the last flush is intact; anything after it is a clean prefix.
    assert steps[:100] == list(range(100))
    assert steps == list(range(len(steps)))
    assert list(history["value"]) == [1.0 / (s + 1) for s in steps]


def test_interpreter_exit_ends_open_runs_and_writes_their_metrics(tracking):
    code = (
        "import jupyter_mlops as mlops\n"
        "run = mlops.start_run(experiment='exit')\n"
        "for i in range(500): mlops.log_metric('x', i)\n"
        "print(run.id)\n"
    )
    env = _env(tracking) | {"JUPYTER_MLOPS_FLUSH_INTERVAL": "30"}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tracking.root,
                         capture_output=True, text=True, check=True)
    record = mlops.get_run(out.stdout.strip())
    assert record.status is RunStatus.FINISHED
    assert len(mlops.metric_history(record.id, "x")) == 500


def test_a_child_process_logs_into_an_attached_run(tracking):
    """A pipeline step's kernel gets JUPYTER_MLOPS_RUN_ID and logs into the runner's run."""
    owner = mlops.start_run(experiment="pipeline", name="step")
    owner.log_param("from_owner", 1)
    code = (
        "import jupyter_mlops as mlops\n"
        "mlops.log_metric('acc', 0.75)\n"
        "mlops.log_param('C', 0.5)\n"
        "with mlops.start_run(name='inner') as inner:\n"
        "    mlops.log_metric('x', 1)\n"
        "print(inner.id)\n"
    )
    env = _env(tracking) | {"JUPYTER_MLOPS_RUN_ID": owner.id}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tracking.root,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    record = mlops.get_run(owner.id)
    assert record.status is RunStatus.RUNNING  # the child process does not end it
    assert record.metrics == {"acc": 0.75}
    assert record.params == {"from_owner": "1", "C": "0.5"}
    assert mlops.get_run(out.stdout.strip()).parent_id == owner.id
    owner.end()
    assert mlops.get_run(owner.id).status is RunStatus.FINISHED
