"""Drift of what a served model really saw: the prediction log as the current data."""

from __future__ import annotations

import time

import httpx
import pytest

from jupyter_mlops import drift_report
from jupyter_mlops.errors import InvalidInput
from jupyter_mlops.models.serving import BackgroundServer

from .conftest import register


def _split(frame):
    return {"dataframe_split": {"columns": list(frame.columns),
                                "data": frame.to_numpy().tolist()}}


def test_served_inputs_drift_against_the_training_data(tracking, trained):
    register(trained, alias="champion")
    shifted = trained.X.head(200).copy()
    shifted["income"] = shifted["income"] * 1.5  # the world changed
    with BackgroundServer("churn@champion", flush_interval=0.05) as server, \
            httpx.Client(base_url=server.url) as client:
        for start in range(0, 200, 20):
            answer = client.post("/invocations", json=_split(shifted.iloc[start:start + 20]))
            assert answer.status_code == 200, answer.text
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                report = drift_report(trained.X, "churn@champion", since="1h",
                                      prediction="prediction")
                break
            except InvalidInput:  # the log is written in the background
                time.sleep(0.1)
    frame = report.to_frame().set_index("column")
    assert bool(frame.loc["income", "drifted"])
    assert not bool(frame.loc["age", "drifted"])
    assert "prediction" not in frame.index or frame.loc["prediction", "type"]


def test_no_logged_inputs_and_bad_windows_are_clear(tracking, trained):
    register(trained, alias="champion")
    with pytest.raises(InvalidInput, match="No logged predictions of model 'churn'"):
        drift_report(trained.X, "churn@champion", since="7d")
    with pytest.raises(InvalidInput, match="is not a window"):
        drift_report(trained.X, "churn@champion", since="soon")


def test_performance_baseline_is_the_registration_time_metric(tracking, trained):
    import pandas as pd

    from jupyter_mlops import performance_report

    register(trained, alias="champion", accuracy=0.97)
    data = trained.X.copy()
    data["churned"] = trained.y
    data["day"] = pd.date_range("2026-01-01", periods=len(data), freq="h")
    report = performance_report("churn@champion", data, target="churned", time_column="day",
                                window="1D")
    assert report.baseline == {"auc": 0.9, "accuracy": 0.97}, report.frame.columns
    assert len(report.frame) >= 12
