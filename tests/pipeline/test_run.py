"""Running the three-step iris pipeline with real kernels: tracking, caching, failure, resume."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from jupyter_mlops.errors import StepFailed
from jupyter_mlops.pipeline import pipeline_status, run_pipeline
from jupyter_mlops.pipeline.cache import CACHED_FROM_TAG, KEY_TAG, digest_path
from jupyter_mlops.records import RunStatus
from jupyter_mlops.session import current
from jupyter_mlops.tracking.queries import search_runs

from .pipeline_helpers import sqlite_only, write_pipeline


def record(run_id: str):
    return current().store.runs.get(run_id)


def children(pipeline_run_id: str) -> dict[str, object]:
    return {run.name: record(run.id)
            for run in search_runs(filter=f"parent_id = '{pipeline_run_id}'")}


@sqlite_only
def test_first_run_cached_rerun_and_param_change(project: Path):
    first = run_pipeline("pipeline.yaml")
    assert first.ok, first.steps
    assert first.states() == {"prepare": "ran", "train": "ran", "evaluate": "ran"}

    pipeline_run = record(first.run_id)
    assert pipeline_run.status is RunStatus.FINISHED
    assert pipeline_run.params == {"seed": "0"}
    steps = children(first.run_id)
    assert set(steps) == {"prepare", "train", "evaluate"}
    train, evaluate = steps["train"], steps["evaluate"]
    # Params injected by papermill are the step run's params; the kernel logged into it.
    assert train.params == {"seed": "0", "C": "0.5"}
    assert 0.8 < train.metrics["train_accuracy"] <= 1.0
    assert 0.8 < evaluate.metrics["accuracy"] <= 1.0
    assert steps["prepare"].metrics == {"rows_train": 105.0, "rows_test": 45.0}
    assert all(KEY_TAG in run.tags for run in steps.values())
    assert {a.path for a in train.artifacts} >= {"executed/train.ipynb",
                                                 "outputs/models/weights.npy"}
    assert (project / "executed" / "evaluate.ipynb").is_file()
    lineage = {(link.direction, link.ref.rpartition("@")[0]) for link in train.lineage}
    assert lineage == {("input", "data/prepared"), ("output", "models/weights.npy")}
    assert {link.ref.rpartition("@")[0] for link in steps["prepare"].lineage
            if link.direction == "input"} == {"data/raw.csv"}
    assert "inputs/data/raw.csv" in {a.path for a in steps["prepare"].artifacts}

    assert all(not s.stale for s in pipeline_status("pipeline.yaml"))
    model_digest = digest_path(project / "models" / "weights.npy")

    again = run_pipeline("pipeline.yaml")
    assert again.states() == {"prepare": "cached", "train": "cached", "evaluate": "cached"}
    cached = children(again.run_id)
    assert cached["train"].tags[CACHED_FROM_TAG] == train.id

    status = {s.step: s for s in pipeline_status("pipeline.yaml", {"C": 0.7})}
    assert status["prepare"].state == "fresh"
    assert status["train"].reasons == ["param C: 0.5 -> 0.7"]
    assert status["evaluate"].reasons == ["upstream 'train' will rerun"]

    changed = run_pipeline("pipeline.yaml", params={"C": 0.7})
    assert changed.states() == {"prepare": "cached", "train": "ran", "evaluate": "ran"}
    assert children(changed.run_id)["train"].params["C"] == "0.7"
    assert digest_path(project / "models" / "weights.npy") != model_digest

    # Back to C=0.5: the old model comes back from the artifact store; nothing reruns.
    back = run_pipeline("pipeline.yaml")
    assert back.states() == {"prepare": "cached", "train": "cached", "evaluate": "cached"}
    assert digest_path(project / "models" / "weights.npy") == model_digest

    raw = project / "data" / "raw.csv"
    raw.write_text(raw.read_text().replace("5.1,3.5", "5.2,3.5", 1))
    status = {s.step: s for s in pipeline_status("pipeline.yaml")}
    assert status["prepare"].reasons == ["input data/raw.csv changed"]
    assert status["train"].reasons == ["upstream 'prepare' will rerun"]


@sqlite_only
def test_failing_step_skips_dependants_and_the_next_run_resumes(project: Path):
    report = project / "reports" / "junit.xml"
    failed = run_pipeline("pipeline.yaml", params={"train.C": -1.0}, junit=report)
    assert not failed.ok
    assert failed.status is RunStatus.FAILED
    assert failed.states() == {"prepare": "ran", "train": "failed", "evaluate": "skipped"}
    outcome = failed.outcome("train")
    assert outcome.failure is not None
    # The step's own fourth cell (markdown, parameters, imports, this one): papermill's
    # injected cell is not counted.
    assert outcome.failure.cell == 4
    assert "model.fit(" in outcome.failure.source
    assert "C" in outcome.failure.evalue
    assert "model.fit" in outcome.failure.render("train")
    assert failed.outcome("evaluate").reason == "upstream 'train' failed"
    with pytest.raises(StepFailed, match="Step 'train' failed in cell 4"):
        failed.raise_for_status()

    assert record(failed.run_id).status is RunStatus.FAILED
    train_run = record(outcome.run_id)
    assert train_run.status is RunStatus.FAILED
    assert "model.fit" in train_run.error
    # The executed notebook is kept, with papermill's pointer to the failing cell.
    assert "executed/train.ipynb" in {a.path for a in train_run.artifacts}
    assert "An Exception was encountered" in (project / "executed" / "train.ipynb").read_text()

    suite = ET.parse(report).getroot()
    assert suite.get("tests") == "3" and suite.get("failures") == "1"
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert cases["prepare"].find("failure") is None
    assert cases["train"].find("failure").get("message").startswith("cell 4:")
    assert cases["evaluate"].find("skipped") is not None

    resumed = run_pipeline("pipeline.yaml")
    assert resumed.ok
    assert resumed.states() == {"prepare": "cached", "train": "ran", "evaluate": "ran"}


@sqlite_only
def test_independent_steps_run_side_by_side(project: Path):
    write_pipeline(project, """\
        name: parallel
        steps:
          left:
            notebook: notebooks/sleepy.ipynb
            params: {seconds: 1.5}
          right:
            notebook: notebooks/sleepy.ipynb
            params: {seconds: 1.5}
          join:
            notebook: notebooks/sleepy.ipynb
            needs: [left, right]
            params: {seconds: 0}
        """, "parallel.yaml")
    result = run_pipeline("parallel.yaml", jobs=2)
    assert result.states() == {"left": "ran", "right": "ran", "join": "ran"}
    runs = children(result.run_id)
    left, right, join = runs["left"], runs["right"], runs["join"]
    assert left.start_time < right.end_time and right.start_time < left.end_time
    assert join.start_time >= max(left.end_time, right.end_time)


def test_step_kernels_log_into_their_runs_on_every_backend(project: Path):
    write_pipeline(project, """\
        name: one
        steps:
          plain:
            notebook: notebooks/plain.ipynb
            params: {C: 1.5}
        """, "one.yaml")
    result = run_pipeline("one.yaml")
    assert result.ok
    step = record(result.outcome("plain").run_id)
    assert step.parent_id == result.run_id
    assert step.params == {"C": "1.5"}
    assert step.metrics == {"double": 3.0}


@sqlite_only
def test_a_step_that_does_not_write_its_outputs_fails(project: Path):
    write_pipeline(project, """\
        name: liar
        steps:
          plain:
            notebook: notebooks/plain.ipynb
            outputs: [never/written.txt]
        """, "liar.yaml")
    result = run_pipeline("liar.yaml")
    assert result.states() == {"plain": "failed"}
    assert "never/written.txt" in result.outcome("plain").error
    assert record(result.outcome("plain").run_id).status is RunStatus.FAILED
