"""Metric history, and the latest value: highest step, then newest timestamp."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import func, select

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


def _stats(store, run_id: str) -> dict[str, tuple]:
    """Each key's (count, lowest, highest) as kept beside its latest value."""
    lm = schema.latest_metrics
    with store.engine.connect() as connection:
        return {key: tuple(rest) for key, *rest in connection.execute(
            select(lm.c.key, lm.c.points, lm.c.min_value, lm.c.max_value)
            .where(lm.c.run_id == run_id))}


def test_count_lowest_and_highest_are_kept_on_every_write(store, add_run):
    run_id, other = add_run(), add_run()
    store.runs.insert_metrics([(run_id, "loss", 0.5, 2, 12.0), (run_id, "loss", 0.9, 0, 10.0),
                               (other, "loss", 3.0, 0, 1.0)])
    # A later batch older than the latest: the count and range still take it in.
    store.runs.insert_metrics([(run_id, "loss", 0.1, 1, 13.0), (run_id, "loss", 2.5, 1, 14.0)])
    assert _stats(store, run_id)["loss"] == (4, 0.1, 2.5)
    assert _latest(store, run_id)["loss"] == (0.5, 2, 12.0)
    assert _stats(store, other)["loss"] == (1, 3.0, 3.0)

    # NaN counts as a point but is never the lowest or highest; infinities are.
    store.runs.insert_metrics([(run_id, "g", math.nan, 0, 1.0)])
    assert _stats(store, run_id)["g"] == (1, None, None)
    store.runs.insert_metrics([(run_id, "g", 4.0, 1, 2.0), (run_id, "g", math.nan, 2, 3.0)])
    assert _stats(store, run_id)["g"] == (3, 4.0, 4.0)
    store.runs.insert_metrics([(run_id, "g", -INF, 3, 4.0), (run_id, "g", INF, 4, 5.0)])
    assert _stats(store, run_id)["g"] == (5, -INF, INF)

    # The count is the history's.
    with store.engine.connect() as connection:
        counted = dict(connection.execute(
            select(schema.metrics.c.key, func.count()).where(schema.metrics.c.run_id == run_id)
            .group_by(schema.metrics.c.key)).all())
    assert counted == {"loss": 4, "g": 5}


def test_a_row_of_unknown_count_is_aggregated_by_the_run_view(tracking):
    import jupyter_mlops as mlops
    from jupyter_mlops.session import current
    from jupyter_mlops.tracking.run_views import _metric_stats

    with mlops.start_run() as run:
        for step, value in enumerate([3.0, 1.0, 2.0]):
            run.log_metric("loss", value, step=step)
    store = current().store
    assert _metric_stats(run.id)["loss"] == {"total": 3, "min": 1.0, "max": 3.0}
    lm = schema.latest_metrics
    with store.engine.begin() as connection:  # as an older release's import left it
        connection.execute(lm.update().where(lm.c.run_id == run.id).values(
            points=None, min_value=None, max_value=None))
    assert _metric_stats(run.id)["loss"] == {"total": 3, "min": 1.0, "max": 3.0}
