"""The ``mlops`` papermill engine, ``upstream()`` outside a kernel, and ``reproduce``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import NotFound
from jupyter_mlops.pipeline import reproduce, upstream
from jupyter_mlops.pipeline.cache import KEY_TAG, STEP_TAG, digest_path
from jupyter_mlops.pipeline.reproduce import REPRODUCES_TAG, compare_metrics, compare_packages
from jupyter_mlops.pipeline.upstream import UPSTREAM_ENV
from jupyter_mlops.records import Environment, RunStatus
from jupyter_mlops.session import current
from jupyter_mlops.tracking.queries import search_runs

from .pipeline_helpers import NOTEBOOKS, sqlite_only

papermill = pytest.importorskip("papermill")


def newest(experiment: str):
    found = search_runs(experiment=experiment, max_results=1)
    return current().store.runs.get(found[0].id)


@sqlite_only
def test_papermill_engine_tracks_an_execution_and_reproduce_repeats_it(tracking, tmp_path):
    # Imported before papermill: the entry point then finds the engine half-defined.
    import jupyter_mlops.pipeline.papermill_engine  # noqa: F401

    output = tmp_path / "out.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS / "plain.ipynb"), str(output),
                               parameters={"C": 0.25, "label": "y"}, engine_name="mlops",
                               progress_bar=False)
    run = newest("plain")
    assert run.status is RunStatus.FINISHED
    assert run.params == {"C": "0.25", "label": "y"}
    assert run.metrics == {"double": 0.5}
    assert run.source.type == "papermill"
    assert [a.path for a in run.artifacts] == ["executed/plain.ipynb"]
    assert json.loads(output.read_text())["metadata"]["papermill"]["parameters"]["C"] == 0.25

    again = reproduce(run.id[-8:])
    assert again.ok, str(again)
    assert again.original_id == run.id
    assert [(m.key, m.then, m.now, m.equal) for m in again.metrics] == [
        ("double", 0.5, 0.5, True)]
    copy = current().store.runs.get(again.run_id)
    assert copy.tags[REPRODUCES_TAG] == run.id
    # The typed params came back from the snapshot: 0.25 is still a float.
    assert copy.params == {"C": "0.25", "label": "y"}
    text = str(again)
    assert "metrics match" in text and "double" in text and "packages  unchanged" in text


@sqlite_only
def test_papermill_cli_with_the_engine_records_a_failed_run(tracking, tmp_path):
    code = ("import sys, jupyter_mlops.pipeline.papermill_engine; "
            "from papermill.cli import papermill; sys.argv[0] = 'papermill'; papermill()")
    env = {**os.environ, "JUPYTER_MLOPS_URI": tracking.uri,
           "JUPYTER_MLOPS_ARTIFACTS": tracking.artifacts}
    done = subprocess.run(
        [sys.executable, "-c", code, "--engine", "mlops", "--no-progress-bar",
         str(NOTEBOOKS / "plain.ipynb"), str(tmp_path / "out.ipynb"), "-p", "C", "None"],
        capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode != 0
    assert "TypeError" in done.stderr
    run = newest("plain")
    assert run.status is RunStatus.FAILED
    assert "TypeError" in run.error
    assert run.params == {"C": "None"}
    assert "executed/plain.ipynb" in {a.path for a in run.artifacts}


@sqlite_only
def test_upstream_finds_outputs_on_disk_or_in_the_artifact_store(tracking, monkeypatch):
    root = Path(tracking.root)
    (root / "data").mkdir()
    table = root / "data" / "train.csv"
    table.write_text("1,2,3\n")
    digest = digest_path(table)
    with mlops.start_run(name="prepare", tags={STEP_TAG: "prepare", KEY_TAG: "k"}) as run:
        mlops.log_metric("rows", 1)
        run.log_artifact(table, "outputs/data")
        run.log_output("file", f"data/train.csv@{digest}")
    monkeypatch.setenv(UPSTREAM_ENV, json.dumps({"prepare": {
        "run_id": run.id, "outputs": {"data/train.csv": digest}, "params": {"seed": 1}}}))
    found = upstream("prepare")
    assert found["train.csv"] == found["train"] == found["data/train.csv"] == table
    assert found.params == {"seed": 1} and found.metrics == {"rows": 1.0}
    table.unlink()
    assert upstream("prepare")["train"].read_text() == "1,2,3\n"
    with pytest.raises(NotFound, match="does not need step 'train'"):
        upstream("train")
    with pytest.raises(NotFound, match="no output 'model'"):
        found["model"]
    # In a notebook under development, outside any pipeline: the newest finished run.
    monkeypatch.delenv(UPSTREAM_ENV)
    shutil.rmtree(root / "data")
    assert upstream("prepare").run_id == run.id
    assert (root / "data" / "train.csv").is_file()
    with pytest.raises(NotFound, match="No finished run of step 'evaluate'"):
        upstream("evaluate")


def test_metric_and_package_comparisons():
    rows = compare_metrics({"a": 1.0, "b": float("nan"), "c": 2.0, "gone": 1.0},
                           {"a": 1.0 + 1e-9, "b": float("nan"), "c": 2.1, "new": 3.0}, 1e-6)
    assert [(r.key, r.equal) for r in rows] == [("a", True), ("b", True), ("c", False),
                                                ("gone", False), ("new", False)]
    then = Environment("d1", "3.11.7", "linux", {"numpy": "2.0", "old": "1"})
    now = Environment("d2", "3.11.7", "linux", {"numpy": "2.1", "new": "3"})
    assert [(c.name, c.then, c.now) for c in compare_packages(then, now)] == [
        ("new", None, "3"), ("numpy", "2.0", "2.1"), ("old", "1", None)]
