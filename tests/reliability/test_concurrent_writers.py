"""Eight processes log 1,000 metrics each into one workspace: every value kept, in order."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import jupyter_mlops as mlops

PROCESSES = 8
STEPS = 1000

WRITER = textwrap.dedent(
    """
    import sys
    import jupyter_mlops as mlops
    from jupyter_mlops.session import current

    with mlops.start_run(experiment="concurrent", name=sys.argv[1]) as run:
        for step in range(int(sys.argv[2])):
            mlops.log_metric("value", step, step=step)
            if step % 50 == 0:
                current().writer.flush()  # many small writes, interleaved with the others
                mlops.set_tag("progress", step)
    """
)


def test_eight_processes_by_a_thousand_metrics(tracking, env):
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, f"p{i}", str(STEPS)], env=env(),
                         cwd=tracking.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for i in range(PROCESSES)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()
        assert b"Traceback" not in err and b"locked" not in err, err.decode()
    runs = mlops.search_runs(filter="experiment = 'concurrent'")
    assert len(runs) == PROCESSES and {r.status for r in runs} == {"FINISHED"}
    for run in runs:
        history = mlops.metric_history(run.id, "value")
        assert list(history["step"]) == list(range(STEPS)), run.name
        assert list(history["value"]) == [float(s) for s in range(STEPS)]
        assert run.metrics == {"value": STEPS - 1.0}
        assert run.tags["progress"] == str(STEPS - 50)
