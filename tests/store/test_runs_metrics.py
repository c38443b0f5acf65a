"""Metric history, and the latest value: highest step, then newest timestamp."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import select

from jupyter_mlops.errors import NotFound
from jupyter_mlops.store import schema

INF = math.inf


def _latest(store, run_id: str) -> dict[str, tuple[float, int, float]]:
    lm = schema.latest_metrics
    with store.engine.connect() as connection:
        rows = connection.execute(select(lm).where(lm.c.run_id == run_id)).all()
    return {r.key: (r.value, r.step, r.timestamp) for r in rows}


def test_latest_value_is_the_highest_step_then_the_newest(store, add_run):
    run_id, other = add_run(), add_run()
    # Out of order within one batch, and a late write of an earlier step.
    store.runs.insert_metrics(
        [(run_id, "loss", 0.5, 2, 12.0), (run_id, "loss", 0.9, 0, 10.0),
         (other, "loss", 3.0, 7, 1.0)]
    )
    store.runs.insert_metrics([(run_id, "loss", 0.7, 1, 13.0)])
    assert _latest(store, run_id)["loss"] == (0.5, 2, 12.0)
    assert store.runs.get(other).metrics == {"loss": 3.0}
    history = store.runs.metric_history(run_id, "loss")
    assert [(m.step, m.value, m.timestamp) for m in history] == [
        (0, 0.9, 10.0), (1, 0.7, 13.0), (2, 0.5, 12.0)
    ]

    # Equal steps: the newest timestamp wins, within a batch and across batches.
    store.runs.insert_metrics([(run_id, "x", 1.0, 5, 20.0), (run_id, "x", 2.0, 5, 10.0)])
    assert _latest(store, run_id)["x"] == (1.0, 5, 20.0)
    store.runs.insert_metrics([(run_id, "x", 3.0, 5, 15.0)])
    assert _latest(store, run_id)["x"] == (1.0, 5, 20.0)
    store.runs.insert_metrics([(run_id, "x", 4.0, 5, 25.0)])
    assert _latest(store, run_id)["x"] == (4.0, 5, 25.0)
    store.runs.insert_metrics([(run_id, "x", 5.0, 6, 1.0)])  # a higher step, however old
    assert store.runs.get(run_id).metrics == {"loss": 0.5, "x": 5.0}


def test_nan_and_infinities_survive_in_history_and_latest(store, add_run):
    run_id = add_run()
    for key, value in (("nan", math.nan), ("inf", INF), ("ninf", -INF)):
        store.runs.insert_metrics([(run_id, key, 1.0, 0, 1.0), (run_id, key, value, 1, 2.0)])
    metrics = store.runs.get(run_id).metrics
    assert math.isnan(metrics["nan"]) and metrics["inf"] == INF and metrics["ninf"] == -INF
    assert math.isnan(store.runs.metric_history(run_id, "nan")[1].value)
    assert [m.value for m in store.runs.metric_history(run_id, "inf")] == [1.0, INF]
    assert [m.value for m in store.runs.metric_history(run_id, "ninf")] == [1.0, -INF]

    # A NaN latest value is replaced like any other.
    store.runs.insert_metrics([(run_id, "nan", 0.25, 2, 3.0)])
    assert store.runs.get(run_id).metrics["nan"] == 0.25


def test_extreme_numbers_and_unknown_runs(store, add_run):
    run_id = add_run()
    big = 2**53 + 1
    largest = 1.7976931348623157e308
    store.runs.insert_metrics([(run_id, "x", 5e-324, big, 1.0), (run_id, "x", largest, 0, 2.0)])
    history = store.runs.metric_history(run_id, "x")
    assert [(m.step, m.value) for m in history] == [(0, largest), (big, 5e-324)]
    assert store.runs.get(run_id).metrics == {"x": 5e-324}
    assert store.runs.metric_history(run_id, "never") == []
    with pytest.raises(NotFound):
        store.runs.metric_history("c" * 32, "loss")
