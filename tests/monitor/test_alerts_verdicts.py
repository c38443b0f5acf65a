"""Skew and evaluation rules are told right after the verdict is stored, with no check run.

Against a real loopback receiver: ``skew_report`` over a prediction log written by the
server's own logger, ``evaluate`` with a threshold the model misses, ``replay`` through its
store path; a passing verdict tells only ``condition="any"`` rules.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

import jupyter_mlops as mlops
import jupyter_mlops.data as data
from jupyter_mlops import models
from jupyter_mlops.data.schemas import infer_schema
from jupyter_mlops.monitor.alerts import alert, alert_history, check_alerts
from jupyter_mlops.monitor.skew import skew_report
from jupyter_mlops.session import current

from .test_alerts import Receiver, receiving


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as state:
        yield state


def _customers(rows: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"income": rng.normal(50_000, 10_000, rows),
                          "plan": rng.choice(["basic", "pro"], rows)})
    frame["churned"] = (frame["income"] > 50_000).astype("int64")
    return frame


def _champion(customers: pd.DataFrame):
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    data.version_data(customers, "customers",
                      validate=infer_schema(customers, label="churned", skew={"plan": 0.1}))
    with mlops.start_run(name="train"):
        frame = data.load_data("customers@1")
        X, y = frame.drop(columns=["churned"]), frame["churned"]
        model = make_pipeline(
            ColumnTransformer([("income", StandardScaler(), ["income"]),
                               ("plan", OneHotEncoder(), ["plan"])]),
            LogisticRegression()).fit(X, y)
        logged = models.log_model(model, input_example=X.head(5))
    return models.register_model(logged.uri, "churn", alias="champion")


def test_a_skew_report_tells_its_rule_as_it_is_saved(tracking, receiver):
    from jupyter_mlops.models.serving.predlog import PredictionLogger

    customers = _customers()
    version = _champion(customers)
    failed = alert(on="skew", model="churn@champion", notify=receiver.url)
    every = alert(on="skew", model="churn", notify=receiver.url, condition="any")
    served = customers.drop(columns=["churned"]).head(200).copy()
    served["plan"] = "pro"  # every request of one plan: the L-infinity distance is large
    # The serving prediction log's own writer, as the model server uses it.
    writer = PredictionLogger(current().store.registry, "churn")
    begun = time.time() - 1
    for start in range(0, len(served), 50):
        rows = served.iloc[start:start + 50]
        writer.record(version.version, rows, json.dumps([0] * len(rows)), f"r{start}")
    writer.flush()
    report = skew_report("churn@champion", since=begun)
    assert not report.ok
    # Both rules heard it before skew_report returned.
    told = {b["rule"]["id"]: b for b in receiver.bodies()}
    assert set(told) == {failed.id, every.id}
    assert told[failed.id]["event"]["key"] == f"skew:{report.id}"
    assert "training-serving skew" in told[failed.id]["text"] and "plan" in \
        told[failed.id]["text"]
    assert check_alerts().empty and len(receiver.received) == 2
    # No skew: only the rule on every verdict tells.
    calm = skew_report("churn@champion", since=begun, threshold=0.99)
    assert calm.ok and len(receiver.received) == 3
    assert receiver.bodies()[-1]["rule"]["id"] == every.id
    assert "no skew" in receiver.bodies()[-1]["text"]


def test_an_unblessed_evaluation_tells_its_rule_as_it_is_stored(tracking, receiver):
    customers = _customers()
    _champion(customers)
    rule = alert(on="evaluation", model="churn@champion", notify=receiver.url)
    blessed = mlops.evaluate("churn@champion", customers, label="churned",
                             thresholds={"accuracy": {"lower": 0.5}})
    assert blessed.blessed and receiver.received == []  # a blessing is not news to this rule
    judged = mlops.evaluate("churn@champion", customers, label="churned", slices=["plan"],
                            thresholds={"accuracy": {"lower": 0.9999}})
    assert not judged.blessed
    assert len(receiver.received) == 1
    body = receiver.bodies()[0]
    assert body["event"]["key"] == f"evaluation:{judged.id}" and body["rule"]["id"] == rule.id
    assert "NOT blessed" in body["text"] and "accuracy" in body["text"]
    assert alert_history()["status"].tolist() == ["sent"]
    assert check_alerts().empty and len(receiver.received) == 1
