"""The column listing behind ``runs()``: the same runs and values as the records, in order.

``RunReads.table`` reads listings straight from the cursor instead of building a ``Run`` per
run; these tests hold it to what ``load`` gives (and the DataFrame to what ``runs_frame``
builds from records) on SQLite and PostgreSQL, for sparse keys, NaN and missing metrics, runs
not ended, nested and deleted runs, and listings past the literal-id limit.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidInput
from jupyter_mlops.records import RunStatus
from jupyter_mlops.store import schema
from jupyter_mlops.store.engine import write
from jupyter_mlops.store.run_reads import MAX_LITERAL_IDS, RunTable
from jupyter_mlops.tracking.queries import runs_frame, search_runs


def _as_table(records) -> RunTable:
    """What the column listing must hold for these records."""
    table = RunTable()
    for index, run in enumerate(records):
        table.run_id.append(run.id)
        table.experiment.append(run.experiment)
        table.name.append(run.name)
        table.status.append(run.status.value)
        table.start_time.append(run.start_time)
        table.end_time.append(run.end_time)
        table.parent_id.append(run.parent_id)
        for columns, values, missing in ((table.params, run.params, None),
                                         (table.metrics, run.metrics, math.nan),
                                         (table.tags, run.tags, None)):
            for key, value in values.items():
                columns.setdefault(key, [missing] * len(records))[index] = value
    return table


def _same(table: RunTable, expected: RunTable) -> None:
    for name in ("run_id", "experiment", "name", "status", "start_time", "end_time",
                 "parent_id", "params", "tags"):
        assert getattr(table, name) == getattr(expected, name), name
    assert set(table.metrics) == set(expected.metrics)
    for key, column in table.metrics.items():
        want = expected.metrics[key]
        assert [math.isnan(v) for v in column] == [math.isnan(v) for v in want], key
        assert [v for v in column if not math.isnan(v)] == [v for v in want if not math.isnan(v)]


def test_the_column_listing_holds_what_the_records_hold(store, add_run):
    first = add_run("a")
    store.runs.log_params(first, {"C": "0.1", "penalty": "l2"})
    store.runs.set_tags(first, {"owner": "ana"})
    store.runs.insert_metrics([(first, "auc", 0.7, 0, 1.0), (first, "loss", math.nan, 3, 2.0)])
    store.runs.finish(first, RunStatus.FINISHED, 1_700_000_100.0)
    child = add_run("a", parent_id=first)
    store.runs.log_params(child, {"lr": "0.01"})
    store.runs.insert_metrics([(child, "loss", 0.25, 0, 1.0)])
    bare = add_run("b")  # no params, metrics or tags; still running
    gone = add_run("b")
    store.runs.log_params(gone, {"only_here": "1"})
    store.runs.set_deleted([gone], 5.0)

    for criteria in ({}, {"order_by": ["metrics.auc DESC"], "max_results": 2},
                     {"filter": "params.C = '0.1'"}, {"deleted": True},
                     {"order_by": ["start_time"]}, {"filter": "name = 'nothing'"}):
        full = {"experiments": None, "filter": None, "order_by": [], "max_results": None,
                "offset": 0, "deleted": False, **criteria}
        expected = _as_table(store.search(**full))
        _same(store.runs.search_table(**full), expected)
    listing = store.runs.search_table(experiments=None, filter=None, order_by=[],
                                      max_results=None, offset=0, deleted=False)
    assert listing.run_id == [bare, child, first] and len(listing) == 3
    assert "only_here" not in listing.params
    assert listing.params["C"] == [None, None, "0.1"]
    assert listing.end_time[0] is None
    assert math.isnan(listing.metrics["auc"][1]) and math.isnan(listing.metrics["loss"][2])


def test_a_listing_past_the_literal_id_limit(store):
    count = MAX_LITERAL_IDS + 7
    experiment = store.runs.experiment_id("many", 0.0)
    runs = [{"id": f"{i:032x}", "experiment_id": experiment, "name": f"r{i}",
             "status": "FINISHED", "start_time": float(i), "end_time": i + 0.5}
            for i in range(count)]
    params = [{"run_id": f"{i:032x}", "key": "k", "value": str(i % 3)}
              for i in range(0, count, 2)]
    metrics = [{"run_id": f"{i:032x}", "key": "m", "value": i / 7, "step": 0,
                "timestamp": 0.0} for i in range(0, count, 3)]
    with write(store.engine) as connection:
        connection.execute(schema.runs.insert(), runs)
        connection.execute(schema.params.insert(), params)
        connection.execute(schema.latest_metrics.insert(), metrics)
    for criteria in ({}, {"order_by": ["metrics.m DESC"]}, {"filter": "params.k = '1'"}):
        full = {"experiments": None, "filter": None, "order_by": [], "max_results": None,
                "offset": 0, "deleted": False, **criteria}
        _same(store.runs.search_table(**full), _as_table(store.search(**full)))


def test_runs_gives_the_frame_the_records_give(tracking):
    with mlops.start_run(experiment="e1", tags={"team": "x"}) as run:
        run.log_params({"C": 0.5, "kernel": "rbf"})
        run.log_metrics({"auc": 0.9, "loss": float("nan")})
        with mlops.start_run(name="inner", nested=True) as inner:
            inner.log_metric("loss", 0.1, step=2)
    with mlops.start_run(experiment="e2") as other:
        other.set_tags({"note": "é ✓"})
    open_run = mlops.start_run(experiment="e2", name="open")
    try:
        for criteria in ({}, {"experiment": "e1"}, {"order_by": "metrics.loss DESC"},
                         {"max_results": 1}, {"filter": "params.C = '0.5'"},
                         {"filter": "name = 'none such'"}, {"deleted": True}):
            got = mlops.runs(**criteria)
            want = runs_frame(search_runs(**criteria))
            pd.testing.assert_frame_equal(got, want)
        assert len(mlops.runs()) == len(search_runs()) >= 3
    finally:
        open_run.end()
    with pytest.raises(InvalidInput, match="max_results must be a non-negative integer"):
        mlops.runs(max_results=-1)
