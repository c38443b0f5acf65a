"""A sweep SIGKILLed half-way continues where it stopped, to exactly its number of trials."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from jupyter_mlops.sweep.storage import counted, storage

SCRIPT = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {tests!r})
    import jupyter_mlops as mlops
    from sweep.objective import objective

    def slow(trial):
        time.sleep(0.3)  # room for the kill to land half-way
        return objective(trial)

    mlops.set_workspace({root!r}, uri={uri!r}, artifacts={artifacts!r})
    result = mlops.sweep(slow, None, n_trials=20, sampler="tpe", pruner="median",
                         name="resumable", seed=3)
    print("DONE", result.run_id)
""")


def _study(workspace):
    import optuna

    return optuna.load_study(study_name="resumable", storage=storage(workspace))


@pytest.mark.timeout(600)
def test_killed_sweep_resumes_to_exactly_twenty(workspace, tmp_path: Path) -> None:
    tests = str(Path(__file__).resolve().parents[1])
    script = tmp_path / "sweep_script.py"
    script.write_text(SCRIPT.format(tests=tests, root=str(workspace.root), uri=workspace.uri,
                                    artifacts=workspace.artifacts))
    env = {**os.environ, "PYTHONPATH": tests}
    first = subprocess.Popen([sys.executable, str(script)], cwd=workspace.root, env=env)
    deadline = time.monotonic() + 300
    done = 0
    while time.monotonic() < deadline and first.poll() is None:
        try:
            done = counted(_study(workspace))
        except Exception:  # the study is not created yet
            done = 0
        if done >= 8:
            break
        time.sleep(0.2)
    assert first.poll() is None, "the sweep ended before it could be killed"
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    at_kill = counted(_study(workspace))
    assert 8 <= at_kill < 20

    second = subprocess.run([sys.executable, str(script)], cwd=workspace.root, env=env,
                            capture_output=True, text=True, timeout=500)
    assert second.returncode == 0, second.stderr
    assert "DONE" in second.stdout
    study = _study(workspace)
    assert counted(study) == 20
    import optuna

    assert any(t.state == optuna.trial.TrialState.PRUNED for t in study.trials)
    # The second sweep ran only what was missing, not 20 more.
    from jupyter_mlops.store import Store

    store = Store.open(workspace, cache=False)
    try:
        run_id = second.stdout.split("DONE", 1)[1].strip()
        children = [r for r in store.search(experiments=None, filter=None, order_by=[],
                                            max_results=None, offset=0)
                    if r.parent_id == run_id]
        assert len(children) == 20 - at_kill
    finally:
        store.engine.dispose()
