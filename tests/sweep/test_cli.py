"""`jupyter mlops sweep` as a subprocess: a notebook step's params swept, each trial papermill."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import jupyter_mlops as mlops
from jupyter_mlops.pipeline.cache import CACHED_FROM_TAG
from jupyter_mlops.records import Run
from tests.pipeline.pipeline_helpers import NOTEBOOKS, THREE_STEPS, write_pipeline, write_raw_data

CLI = [sys.executable, "-c", "from jupyter_mlops.cli import main; main()"]


def _steps(trial: Run, pipelines: list[Run], steps: list[Run]) -> dict[str, Run]:
    """The step runs of the pipeline run nested under ``trial``, by step name."""
    (pipeline,) = [p for p in pipelines if p.parent_id == trial.id]
    return {s.name: s for s in steps if s.parent_id == pipeline.id}


def _sweep(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "sweep", "pipeline.yaml", "--step", "train", "--space", "space.yaml",
         "--metric", "train_accuracy", "--sampler", "grid", "--json", *extra],
        cwd=root, capture_output=True, text=True, timeout=900, check=False)


@pytest.mark.timeout(1200)
@pytest.mark.parametrize("workspace", ["sqlite"], indirect=True)
def test_the_cli_sweeps_a_notebook_step(tracking) -> None:
    root = Path(tracking.root)
    shutil.copytree(NOTEBOOKS, root / "notebooks")
    write_raw_data(root)
    write_pipeline(root, THREE_STEPS)
    (root / "space.yaml").write_text("C: [0.01, 1.0]\n")
    done = _sweep(root, "--trials", "2", "--name", "train-C")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["trials"] == 2
    assert summary["best_params"] == {"C": 1.0}  # the stronger fit wins on the train set
    trials = [r for r in mlops.search_runs() if r.parent_id == summary["run_id"]]
    assert sorted(float(t.params["C"]) for t in trials) == [0.01, 1.0]
    # Each trial's pipeline run nests under it, and the step runs under that.
    pipelines = [r for r in mlops.search_runs() if r.parent_id in {t.id for t in trials}]
    assert len(pipelines) == 2
    steps = [r for r in mlops.search_runs() if r.parent_id in {p.id for p in pipelines}]
    assert {s.name for s in steps} >= {"prepare", "train"}
    # The first trial ran every step; the second reused its upstream step from the cache and
    # re-ran only the swept step and what needs it.
    first, second = (_steps(trial, pipelines, steps) for trial in
                     sorted(trials, key=lambda t: int(t.tags["mlops.trial.number"])))
    assert not any(CACHED_FROM_TAG in s.tags for s in first.values())
    assert second["prepare"].tags[CACHED_FROM_TAG] == first["prepare"].id
    assert CACHED_FROM_TAG not in second["train"].tags
    assert CACHED_FROM_TAG not in second["evaluate"].tags
    assert float(second["train"].params["C"]) != float(first["train"].params["C"])

    again = _sweep(root, "--trials", "2", "--name", "train-C")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["trials"] == 2  # finished already: nothing new ran

    bad = subprocess.run([*CLI, "sweep", "pipeline.yaml", "--step", "nope", "--space",
                          "space.yaml"], cwd=root, capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0
    assert "No step 'nope'" in bad.stderr and "Traceback" not in bad.stderr
