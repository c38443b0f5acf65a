"""Performance per time window against a baseline, and outlier shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from jupyter_mlops.errors import InvalidInput
from jupyter_mlops.monitor import outlier_summary, performance_report


@pytest.fixture(scope="module")
def labelled():
    rng = np.random.default_rng(0)
    n = 4000
    x = rng.normal(size=(n, 3))
    y = (x[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(int)
    frame = pd.DataFrame(x, columns=["a", "b", "c"])
    frame["label"] = y
    frame["when"] = pd.Timestamp("2026-01-01") + pd.to_timedelta(np.arange(n) * 10, "min")
    model = LogisticRegression().fit(frame[["a", "b", "c"]].iloc[:1000], y[:1000])
    # The world changes on day 20: the label now follows the other feature.
    late = frame["when"] >= pd.Timestamp("2026-01-20")
    frame.loc[late, "label"] = (frame.loc[late, "b"] > 0).astype(int)
    return model, frame


def test_classification_metrics_per_window_and_degraded_windows(labelled):
    model, frame = labelled
    report = performance_report(model, frame, "label", "when", window="7D",
                                baseline={"accuracy": 0.85, "auc": 0.93})
    table = report.to_frame()
    assert list(table.columns) == ["window", "rows", "accuracy", "f1", "auc"]
    assert table["rows"].sum() == len(frame)
    assert table["accuracy"].iloc[0] > 0.8 and table["accuracy"].iloc[-1] < 0.7
    degraded = report.degraded()
    assert len(degraded) and (degraded["window"] >= pd.Timestamp("2026-01-15")).all()
    assert "accuracy" in degraded["degraded"].iloc[-1]
    figure = report.figure()
    assert [t.name for t in figure.data] == ["accuracy", "f1", "auc"]
    assert len(figure.layout.shapes) == 2  # the two baselines
    assert "<table" in report._repr_html_()


def test_windows_of_rows_and_the_first_window_as_baseline(labelled):
    model, frame = labelled
    report = performance_report(model, frame, "label", "when", window=1000, baseline="first")
    assert list(report.frame["rows"]) == [1000] * 4
    assert report.baseline["accuracy"] == report.frame["accuracy"].iloc[0]


def test_regression_with_precomputed_predictions():
    rng = np.random.default_rng(1)
    x = rng.normal(size=600)
    frame = pd.DataFrame({"x": x, "y": 2 * x + rng.normal(0, 0.1, 600),
                          "t": pd.date_range("2026-01-01", periods=600, freq="h")})
    frame["pred"] = LinearRegression().fit(frame[["x"]], frame["y"]).predict(frame[["x"]])
    frame.loc[300:, "pred"] += 1.0
    report = performance_report(None, frame, "y", "t", window="5D", prediction="pred")
    assert report.task == "regression" and report.metrics == ["rmse", "mae"]
    assert report.frame["mae"].iloc[0] < 0.2 < report.frame["mae"].iloc[-1]


def test_performance_input_errors(labelled):
    model, frame = labelled
    with pytest.raises(InvalidInput, match="No column 'nope'"):
        performance_report(model, frame, "nope", "when")
    with pytest.raises(InvalidInput, match="not a datetime column"):
        performance_report(model, frame, "label", "a")
    with pytest.raises(InvalidInput, match="frequency"):
        performance_report(model, frame, "label", "when", window="fortnightly")
    with pytest.raises(InvalidInput, match="prediction="):
        performance_report(None, frame, "label", "when")


def test_outliers_by_range_and_isolation_forest():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame(rng.normal(0, 1, (3000, 4)), columns=list("abcd"))
    cur = pd.DataFrame(rng.normal(0, 1, (1000, 4)), columns=list("abcd"))
    calm = outlier_summary(ref, cur)
    far = cur.copy()
    far.iloc[:200] += 8.0
    far.loc[0, "a"] = np.nan
    moved = outlier_summary(ref, far)
    assert calm["range_share"] < 0.02 and moved["range_share"] == pytest.approx(0.2, abs=0.01)
    assert set(moved["range_columns"]) >= {"a", "b", "c", "d"}
    assert calm["forest_share"] < 0.05 < 0.18 < moved["forest_share"]
    assert outlier_summary(ref, cur.iloc[0:0])["forest_share"] is None
