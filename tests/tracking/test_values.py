"""Values the tracking API refuses before they reach the store, with one clear line each."""

from __future__ import annotations

import math
import secrets

import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidInput
from jupyter_mlops.tracking.values import metric_step, metric_timestamp, param_value, tag_value


@pytest.mark.parametrize("step", [2**63, -(2**63) - 1, 10**30])
def test_steps_beyond_64_bits_are_refused(step):
    with pytest.raises(InvalidInput, match="64-bit"):
        metric_step("loss", step)


@pytest.mark.parametrize("timestamp", [math.nan, math.inf, -1.0, 1e300, "abc", None, True])
def test_timestamps_that_are_no_time_are_refused(timestamp):
    with pytest.raises(InvalidInput, match="Timestamp"):
        metric_timestamp("loss", timestamp)


def test_sane_steps_and_timestamps_pass():
    assert metric_step("loss", 2**63 - 1) == 2**63 - 1
    assert metric_timestamp("loss", 1_700_000_000) == 1_700_000_000.0


@pytest.mark.parametrize("check", [param_value, tag_value])
def test_nul_and_lone_surrogates_are_refused_alike(check):
    with pytest.raises(InvalidInput, match="NUL"):
        check("p", "a\x00b")
    with pytest.raises(InvalidInput, match="surrogate"):
        check("p", "caf\udce9")
    with pytest.raises(InvalidInput, match="limit"):
        check("p", "x" * 70_000)


def test_the_api_refuses_before_buffering(tracking):
    long_param, long_tag = secrets.token_hex(30_000), secrets.token_hex(2_000)
    with mlops.start_run(experiment="values") as run:
        with pytest.raises(InvalidInput, match="64-bit"):
            mlops.log_metric("loss", 1.0, step=2**63)
        with pytest.raises(InvalidInput, match="Timestamp"):
            mlops.log_metric("loss", 1.0, timestamp=math.nan)
        with pytest.raises(InvalidInput, match="Timestamp"):
            mlops.log_metrics({"loss": 1.0}, timestamp="abc")
        with pytest.raises(InvalidInput, match="surrogate"):
            mlops.log_param("path", "caf\udce9")
        with pytest.raises(InvalidInput, match="NUL"):
            mlops.set_tag("note", "a\x00b")
        mlops.log_metric("loss", 0.5, step=3)
        # Incompressible text past PostgreSQL's btree row limit (2,704 bytes).
        mlops.log_param("long", long_param)
        mlops.set_tag("long", long_tag)
    stored = mlops.get_run(run.id)
    assert stored.status == "FINISHED" and stored.metrics == {"loss": 0.5}
    assert stored.params["long"] == long_param and stored.tags["long"] == long_tag
    assert [r.id for r in mlops.search_runs(filter=f"params.long = '{long_param}'")] == [run.id]


def test_a_counted_step_past_64_bits_is_refused_too(tracking, caplog):
    # The writer stores what the API buffered without checking it again, so the step the API
    # counts on from the last one must be checked as a given one is.
    with mlops.start_run(experiment="values") as run:
        mlops.log_metric("loss", 1.0, step=2**63 - 1)
        mlops.log_metrics({"acc": 0.5}, step=2**63 - 1)
        with pytest.raises(InvalidInput, match="64-bit"):
            mlops.log_metric("loss", 2.0)
        with pytest.raises(InvalidInput, match="64-bit"):
            mlops.log_metrics({"acc": 0.6})
        mlops.log_metric("other", 3.0)
    stored = mlops.get_run(run.id)
    assert stored.metrics == {"loss": 1.0, "acc": 0.5, "other": 3.0}
    assert mlops.metric_history(run.id, "loss")["step"].tolist() == [2**63 - 1]
    assert "dropped" not in caplog.text
