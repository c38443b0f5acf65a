"""`jupyter mlops sweep --executor dask`: a notebook step swept with its steps on a LocalCluster."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import jupyter_mlops as mlops
from jupyter_mlops.pipeline.cache import CACHED_FROM_TAG
from tests.pipeline.pipeline_helpers import NOTEBOOKS, THREE_STEPS, write_pipeline, write_raw_data

if TYPE_CHECKING:
    from distributed.diagnostics.plugin import SchedulerPlugin

CLI = [sys.executable, "-c", "from jupyter_mlops.cli import main; main()"]


def _remember_finished(keys: set[str]) -> SchedulerPlugin:
    """A scheduler plugin adding every task that finishes to ``keys``: what the cluster ran."""
    from distributed.diagnostics.plugin import SchedulerPlugin

    class Finished(SchedulerPlugin):
        name = "finished-keys"

        def transition(self, key: str, start: str, finish: str, *args: object,
                       **kwargs: object) -> None:
            if finish == "memory":
                keys.add(str(key))

    return Finished()


@pytest.mark.timeout(1200)
@pytest.mark.parametrize("workspace", ["sqlite"], indirect=True)
def test_a_step_sweep_runs_its_steps_on_a_dask_cluster(tracking) -> None:
    distributed = pytest.importorskip("distributed")
    root = Path(tracking.root)
    shutil.copytree(NOTEBOOKS, root / "notebooks")
    write_raw_data(root)
    write_pipeline(root, THREE_STEPS)
    (root / "space.yaml").write_text("C: [0.01, 0.1, 1.0]\n")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        finished: set[str] = set()
        cluster.scheduler.add_plugin(_remember_finished(finished))
        done = subprocess.run(
            [*CLI, "sweep", "pipeline.yaml", "--step", "train", "--space", "space.yaml",
             "--metric", "train_accuracy", "--sampler", "grid", "--trials", "3",
             "--name", "on-dask", "--executor", "dask", "--address",
             cluster.scheduler_address, "--jobs", "2", "--json"],
            cwd=root, capture_output=True, text=True, timeout=1000, check=False)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["trials"] == 3
    assert summary["best_params"] == {"C": 1.0}
    runs = mlops.search_runs()
    trials = [r for r in runs if r.parent_id == summary["run_id"]]
    assert len(trials) == 3
    assert {t.tags["mlops.trial.state"] for t in trials} == {"complete"}
    assert sorted(float(t.params["C"]) for t in trials) == [0.01, 0.1, 1.0]
    assert all("train_accuracy" in t.metrics for t in trials)
    pipelines = [r for r in runs if r.parent_id in {t.id for t in trials}]
    assert len(pipelines) == 3 and {p.status.value for p in pipelines} == {"FINISHED"}
    steps = [r for r in runs if r.parent_id in {p.id for p in pipelines}]
    # Every trial's train step ran as a task of the cluster (the executor's key names the step
    # run); prepare ran there once and was taken from the cache after.
    trains = [s for s in steps if s.name == "train"]
    assert len(trains) == 3 and not any(CACHED_FROM_TAG in s.tags for s in trains)
    prepares = [s for s in steps if s.name == "prepare"]
    (ran,) = [s for s in prepares if CACHED_FROM_TAG not in s.tags]
    on_cluster = {s.id for s in steps if f"mlops-step-{s.id}" in finished}
    assert on_cluster >= {t.id for t in trains} | {ran.id}
    assert not on_cluster & {s.id for s in prepares if s.id != ran.id}
    assert (root / "models" / "weights.npy").is_file()
