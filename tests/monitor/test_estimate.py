"""Label-free performance estimation (CBPE) on a served model's real prediction log."""

from __future__ import annotations

import json
import math

import httpx
import numpy as np
import pandas as pd
import pytest

import jupyter_mlops as mlops
from jupyter_mlops import models
from jupyter_mlops.errors import InvalidInput
from jupyter_mlops.models.serving import BackgroundServer
from jupyter_mlops.monitor.estimate import (
    estimate_figure,
    estimate_performance,
    expected_metrics,
    realised_metrics,
)


@pytest.fixture(scope="module")
def digits():
    """scikit-learn's bundled digits ("5 or more?"): a calibrated classifier, a labelled
    reference to calibrate the estimate on, and the rows to serve."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    data = load_digits(as_frame=True)
    X, y = data.data, (data.target >= 5).astype(int)
    order = np.random.default_rng(0).permutation(len(X))
    train, ref, served = order[:700], order[700:1200], order[1200:]
    model = CalibratedClassifierCV(
        make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000)),
        method="sigmoid", cv=3).fit(X.iloc[train], y.iloc[train])
    reference = X.iloc[ref].assign(label=y.iloc[ref].to_numpy())
    return model, reference, X.iloc[served], y.iloc[served]


def _serve(digits, requests: int = 20):
    """Register and serve the model, send the served rows in requests; the labels sent."""
    model, _, X, y = digits
    with mlops.start_run(name="train-digits"):
        logged = models.log_model(model, input_example=X.head(5))
    models.register_model(logged.uri, "digits", alias="champion")
    labels = []
    with BackgroundServer("digits@champion", flush_interval=0.05) as server, \
            httpx.Client(base_url=server.url) as client:
        for number, part in enumerate(np.array_split(np.arange(len(X)), requests)):
            rows = X.iloc[part]
            request_id = f"req-{number:03d}"
            body = {"dataframe_split": {"columns": list(rows.columns),
                                        "data": rows.to_numpy().tolist()}}
            answer = client.post("/invocations", json=body,
                                 headers={"x-request-id": request_id})
            assert answer.status_code == 200, answer.text
            labels += [{"request_id": request_id, "row": i, "label": int(v)}
                       for i, v in enumerate(y.iloc[part])]
    return pd.DataFrame(labels)


def _overall(frame: pd.DataFrame, column: str, weight: str) -> float:
    rows = frame[frame[weight] > 0]
    return float(np.average(rows[column], weights=rows[weight]))


def test_estimate_is_close_to_the_realised_accuracy_of_a_served_calibrated_model(tracking,
                                                                                 digits):
    labels = _serve(digits)
    _, reference, X, y = digits
    frame = estimate_performance("digits@champion", window="1d", since="1d",
                                 reference=reference, labels=labels)
    assert frame["rows"].sum() == len(X) == frame["labelled"].sum()
    assert frame.attrs["calibrated"] is True and frame.attrs["classes"] == [0, 1]
    estimated = _overall(frame, "estimated_accuracy", "rows")
    realised = _overall(frame, "accuracy", "labelled")
    # The served model's realised accuracy, computed here from its own answers.
    truth = models.load_model("digits@champion").predict(X)
    assert realised == pytest.approx(float((truth == y.to_numpy()).mean()))
    assert abs(estimated - realised) < 0.03, (estimated, realised)
    for metric in ("f1", "precision", "recall", "roc_auc"):
        assert abs(_overall(frame, f"estimated_{metric}", "rows")
                   - _overall(frame, metric, "labelled")) < 0.05, metric
    assert (frame["accuracy_low"] <= frame["estimated_accuracy"]).all()
    assert (frame["estimated_accuracy"] <= frame["accuracy_high"]).all()

    # Without labels: estimates only; without a reference: the scores taken as calibrated.
    blind = estimate_performance("digits/1", window="12h", since="1d")
    assert blind.attrs["calibrated"] is False and blind["labelled"].sum() == 0
    assert blind["accuracy"].isna().all() and blind["estimated_accuracy"].notna().all()
    figure = estimate_figure(frame)
    assert {t.name for t in figure.data} >= {"estimated accuracy", "realised accuracy",
                                             "95% band"}


def test_expected_metrics_match_labels_drawn_from_calibrated_probabilities():
    # Labels drawn from the probabilities themselves are calibrated by construction: the
    # expected metrics must agree with the realised ones up to sampling error.
    rng = np.random.default_rng(11)
    classes = np.array(["a", "b", "c"])
    logits = rng.normal(0, 2, (20_000, 3))
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    truth = np.array([rng.choice(classes, p=row) for row in p])
    predicted = classes[p.argmax(axis=1)]
    expected = expected_metrics(p, predicted, classes)
    realised = realised_metrics(truth, predicted, p, classes)
    for metric in ("accuracy", "precision", "recall", "f1", "roc_auc"):
        assert expected[metric] == pytest.approx(realised[metric], abs=0.015), metric
    binary = np.c_[1 - p[:, 0], p[:, 0]]
    truth2 = (rng.random(len(binary)) < binary[:, 1]).astype(int)
    predicted2 = binary.argmax(axis=1)
    expected2 = expected_metrics(binary, predicted2, np.array([0, 1]))
    realised2 = realised_metrics(truth2, predicted2, binary, np.array([0, 1]))
    for metric in ("accuracy", "precision", "recall", "f1", "roc_auc"):
        assert expected2[metric] == pytest.approx(realised2[metric], abs=0.015), metric
    low, high = expected2["accuracy_band"]
    assert low <= realised2["accuracy"] <= high


def test_bad_input_is_one_clear_line(tracking, digits):
    model, _, X, _ = digits
    with mlops.start_run(name="train-digits"):
        logged = models.log_model(model, input_example=X.head(5))
    models.register_model(logged.uri, "digits", alias="champion")
    cases = {
        "No logged predictions of digits@champion": {"model": "digits@champion"},
        "is not a window length": {"model": "digits@champion", "window": "soon"},
        "is a run's model": {"model": "runs:/abc/model"},
        "is not a window": {"model": "digits@champion", "since": "lately"},
    }
    for message, arguments in cases.items():
        with pytest.raises(InvalidInput, match=message) as caught:
            estimate_performance(**arguments)
        assert "\n" not in str(caught.value)
    assert math.isnan(realised_metrics(np.array([]), np.array([]), np.zeros((0, 2)),
                                       np.array([0, 1]))["accuracy"])


def test_every_version_scores_its_own_requests(tracking, digits):
    from jupyter_mlops.models.serving.predlog import PredictionLogger

    model, reference, X, y = digits
    for _ in range(2):
        with mlops.start_run(name="train-digits"):
            logged = models.log_model(model, input_example=X.head(5))
        models.register_model(logged.uri, "digits")
    writer = PredictionLogger(current_store().registry, "digits")
    answers = models.load_model("digits/1").predict(X)
    for version, rows in ((1, slice(0, 300)), (2, slice(300, None))):
        writer.record(version, X.iloc[rows], json.dumps(answers[rows].tolist()), f"v{version}")
    writer.flush()
    every = estimate_performance("digits", window="1d", since="1d", reference=reference)
    two = estimate_performance("digits/2", window="1d", since="1d", reference=reference)
    assert every["rows"].sum() == len(X) and two["rows"].sum() == len(X) - 300
    labels = pd.DataFrame({"request_id": ["v1"] * 300 + ["v2"] * (len(X) - 300),
                           "row": list(range(300)) + list(range(len(X) - 300)),
                           "label": y.to_numpy()})
    known = estimate_performance("digits", window="1d", since="1d", labels=labels)
    assert known["labelled"].sum() == len(X)
    assert _overall(known, "accuracy", "labelled") == pytest.approx(
        float((answers == y.to_numpy()).mean()))


def current_store():
    from jupyter_mlops.session import current

    return current().store
