"""Creating and ending runs, what a run record carries, and experiments."""

from __future__ import annotations

import pytest

from jupyter_mlops.errors import NotFound
from jupyter_mlops.records import GitState, RunStatus, Source


def test_create_then_finish(store, add_run):
    run_id = add_run(
        experiment="churn", name="baseline", start_time=100.0, host="box", pid=12,
        tags={"owner": "ana"}, source=Source("notebook", "train.ipynb", "fit()", 3),
        git=GitState("c" * 40, "main", True, "d" * 64, "origin"),
    )
    run = store.runs.get(run_id)
    assert (run.experiment, run.name, run.status, run.start_time) == (
        "churn", "baseline", RunStatus.RUNNING, 100.0
    )
    assert run.end_time is None and run.tags == {"owner": "ana"}
    assert run.source == Source("notebook", "train.ipynb", "fit()", 3)
    assert run.git == GitState("c" * 40, "main", True, "d" * 64, "origin")
    assert (run.host, run.pid) == ("box", 12)

    store.runs.finish(run_id, RunStatus.FAILED, 160.0, error="boom")
    done = store.runs.get(run_id)
    assert (done.status, done.duration, done.error) == (RunStatus.FAILED, 60.0, "boom")
    # A run already ended keeps its first end.
    store.runs.finish(run_id, RunStatus.FINISHED, 170.0)
    assert store.runs.get(run_id).end_time == 160.0

    with pytest.raises(NotFound, match="No run"):
        store.runs.finish("f" * 32, RunStatus.FINISHED, 1.0)


def test_ended_and_nested_runs(store, add_run):
    parent = add_run(start_time=10.0, status=RunStatus.FAILED, end_time=12.0, error="bad")
    run = store.runs.get(parent)
    assert (run.status, run.end_time, run.error) == (RunStatus.FAILED, 12.0, "bad")
    child = add_run(parent_id=parent)
    store.runs.set_source(child, Source("script", "train.py"))
    record = store.runs.get(child)
    assert record.parent_id == parent
    assert record.source == Source("script", "train.py", None, None)
    # The cell source is a detail: loaded for one run, left out of searches.
    store.runs.set_source(parent, Source("notebook", "a.ipynb", "x = 1", 1))
    assert store.runs.get(parent).source.cell == "x = 1"
    assert store.search(filter=f"id = '{parent}'")[0].source.cell is None


def test_experiments_are_listed_with_their_live_run_counts(store, add_run):
    for _ in range(3):
        add_run(experiment="b-exp")
    doomed = add_run(experiment="a-exp")
    store.runs.experiment_id("empty", 5.0)
    store.runs.set_deleted([doomed], 1.0)
    listed = store.runs.experiments()
    assert [(e.name, e.run_count) for e in listed] == [("a-exp", 0), ("b-exp", 3), ("empty", 0)]
    assert listed[2].created_at == 5.0
    with pytest.raises(NotFound, match="Known experiments: a-exp, b-exp, empty"):
        store.runs.experiment_id("missing", 0.0, create=False)
