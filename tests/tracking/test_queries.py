"""Runs back as DataFrames, filtered and sorted in SQL."""

from __future__ import annotations

import pandas as pd
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import NotFound, QuerySyntaxError


@pytest.fixture
def grid(tracking):
    ids = {}
    for c in (0.1, 0.5, 1.0):
        for owner in ("ana", "bo"):
            with mlops.start_run(experiment="grid", name=f"{owner}-{c}",
                                 tags={"owner": owner}) as run:
                mlops.log_param("C", c)
                mlops.log_metric("auc", c / 2 + (0.1 if owner == "ana" else 0.0))
            ids[(c, owner)] = run.id
    with mlops.start_run(experiment="other"):
        mlops.log_metric("auc", 0.99)
    return ids


def test_one_row_per_run_with_prefixed_columns(grid):
    frame = mlops.runs(experiment="grid")
    assert len(frame) == 6
    assert {"run_id", "experiment", "name", "status", "start_time", "end_time", "duration",
            "params.C", "metrics.auc", "tags.owner"} <= set(frame.columns)
    assert frame["metrics.auc"].dtype == "float64"
    assert isinstance(frame["start_time"].dtype, pd.DatetimeTZDtype)
    # Newest first by default.
    assert list(frame["start_time"]) == sorted(frame["start_time"], reverse=True)


def test_issue_example_filter(grid):
    frame = mlops.runs(
        filter="metrics.auc > 0.3 and params.C = '0.5' and tags.owner = 'ana' "
        "and status = 'FINISHED'"
    )
    assert list(frame["run_id"]) == [grid[(0.5, "ana")]]


def test_order_by_metric_and_limit(grid):
    frame = mlops.runs(experiment="grid", order_by=["metrics.auc DESC"], max_results=2)
    assert list(frame["name"]) == ["ana-1.0", "bo-1.0"]
    frame = mlops.runs(order_by="metrics.auc asc")
    assert frame["metrics.auc"].is_monotonic_increasing


def test_several_experiments_and_unknown_experiment(grid):
    assert len(mlops.runs(experiment=["grid", "other"])) == 7
    with pytest.raises(NotFound, match=r"Unknown experiment 'nope'.*grid"):
        mlops.runs(experiment="nope")


def test_bad_filter_points_at_the_token(grid):
    with pytest.raises(QuerySyntaxError) as info:
        mlops.runs(filter="metrics.auc > 0.3 and colour = 'red'")
    assert info.value.position == len("metrics.auc > 0.3 and ")
    assert "colour" in str(info.value)


def test_empty_result_has_the_base_columns(grid):
    frame = mlops.runs(filter="metrics.auc > 100")
    assert frame.empty
    assert "run_id" in frame.columns


def test_experiments_and_delete_restore(grid):
    counts = {e.name: e.run_count for e in mlops.experiments()}
    assert counts["grid"] == 6 and counts["other"] == 1
    victim = grid[(0.1, "bo")]
    assert mlops.delete_runs([victim[-8:]]) == 1
    assert victim not in set(mlops.runs()["run_id"])
    assert list(mlops.runs(deleted=True)["run_id"]) == [victim]
    mlops.restore_runs([victim])
    assert victim in set(mlops.runs()["run_id"])


def test_get_run_by_prefix(grid):
    run_id = grid[(1.0, "ana")]
    assert mlops.get_run(run_id[-8:]).id == run_id
    assert mlops.get_run(run_id[:-1]).id == run_id
    with pytest.raises(NotFound):
        mlops.get_run("f" * 32)
