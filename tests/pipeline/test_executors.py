"""Executors: the registry, a third party's executor, and Dask on a loopback LocalCluster."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jupyter_mlops.errors import InvalidInput
from jupyter_mlops.pipeline import executors, run_pipeline
from jupyter_mlops.session import current

from .pipeline_helpers import sqlite_only, write_pipeline


@sqlite_only
def test_dask_executor_moves_data_through_the_artifact_store(project: Path):
    pytest.importorskip("distributed")
    result = run_pipeline("pipeline.yaml", executor="dask", jobs=2,
                          executor_options={"processes": False})
    assert result.ok, [(o.step, o.error, o.failure) for o in result.steps]
    assert result.states() == {"prepare": "ran", "train": "ran", "evaluate": "ran"}
    store = current().store
    prepare = store.runs.get(result.outcome("prepare").run_id)
    evaluate = store.runs.get(result.outcome("evaluate").run_id)
    # Steps ran in scratch folders: the raw input went to the worker as an artifact, and the
    # outputs came back through the store onto this disk.
    assert "inputs/data/raw.csv" in {a.path for a in prepare.artifacts}
    assert (project / "data" / "prepared" / "train.csv").is_file()
    assert (project / "models" / "weights.npy").is_file()
    assert (project / "executed" / "evaluate.ipynb").is_file()
    assert 0.8 < evaluate.metrics["accuracy"] <= 1.0
    # The cache does not care where a step ran.
    assert run_pipeline("pipeline.yaml").states() == {
        "prepare": "cached", "train": "cached", "evaluate": "cached"}


class Recording:
    """A third party's executor: local threads, remembering what it ran."""

    name = "recording"
    shares_disk = True
    ran: list[str] = []

    def __init__(self, jobs: int = 1, address: str | None = None) -> None:
        self._local = executors.LocalExecutor(jobs)

    def submit(self, task):
        Recording.ran.append(task.step)
        return self._local.submit(task)

    def kill(self, tokens):
        self._local.kill(tokens)

    def close(self) -> None:
        self._local.close()


@sqlite_only
def test_a_registered_executor_runs_steps_like_the_built_in_ones(project: Path):
    executors.register("recording", Recording)
    try:
        assert {"local", "dask", "recording"} <= set(executors.names())
        write_pipeline(project, """\
            name: one
            steps:
              plain:
                notebook: notebooks/plain.ipynb
            """, "one.yaml")
        result = run_pipeline("one.yaml", executor="recording")
        assert result.ok and Recording.ran == ["plain"]
    finally:
        executors.unregister("recording")
    with pytest.raises(InvalidInput, match=r"No executor named 'recording'\. Known executors: "
                                           r"dask, local"):
        executors.create("recording")
    with pytest.raises(InvalidInput, match="--jobs must be a positive integer"):
        executors.create("local", jobs=0)
    with pytest.raises(InvalidInput, match="takes no --address"):
        executors.create("local", address="tcp://127.0.0.1:8786")


@sqlite_only
def _one_step(project: Path) -> None:
    shutil.rmtree(project / "data")
    write_pipeline(project, """\
        name: one
        steps:
          plain:
            notebook: notebooks/plain.ipynb
            params: {C: 2}
        """, "one.yaml")


def test_process_pool_runs_a_step(project: Path):
    _one_step(project)
    result = run_pipeline("one.yaml", executor_options={"pool": "process"})
    assert result.ok
    assert current().store.runs.get(result.outcome("plain").run_id).metrics == {"double": 4.0}


def test_a_kernel_that_dies_starting_explains_itself_in_the_step_error(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # A module found before ipykernel's own launcher: the kernel process dies as it starts.
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "ipykernel_launcher.py").write_text(
        "import sys\nsys.stderr.write('kernel exploded: no GPU driver\\n')\nsys.exit(3)\n")
    monkeypatch.setenv("PYTHONPATH", str(shadow))
    _one_step(project)
    result = run_pipeline("one.yaml")
    assert not result.ok
    error = result.outcome("plain").error or ""
    assert "kernel exploded: no GPU driver" in error, error
