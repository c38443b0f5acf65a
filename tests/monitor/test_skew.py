"""Training-serving skew: TFDV's documented example, the measures, and a served model's log."""

from __future__ import annotations

import json
import time

import httpx
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import jupyter_mlops as mlops
import jupyter_mlops.data as data
from jupyter_mlops import models
from jupyter_mlops.cli import cli
from jupyter_mlops.data.schemas import infer_schema
from jupyter_mlops.errors import InvalidInput
from jupyter_mlops.models.serving import BackgroundServer
from jupyter_mlops.monitor.skew import (
    DEFAULT_THRESHOLDS,
    JENSEN_SHANNON,
    L_INFINITY,
    compare,
    jensen_shannon,
    l_infinity,
    skew_report,
)


def _payments(counts: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame({"payment_type": [v for v, n in counts.items() for _ in range(n)]})


def test_tfdv_documented_l_infinity_example():
    # TFDV's guide: serving data with many more 'Cash' payments than training gives "The
    # L-infinity distance between serving and training is 0.0435984 (up to six significant
    # digits), above the threshold 0.01. The feature value with maximum difference is: Cash".
    # These counts give exactly that distance (1573/3546 - 400/1000).
    training = _payments({"Cash": 400, "Credit Card": 450, "No Charge": 100, "Dispute": 30,
                          "Unknown": 20})
    serving = _payments({"Cash": 1573, "Credit Card": 1489, "No Charge": 330, "Dispute": 100,
                         "Unknown": 54})
    schema = infer_schema(training, skew={"payment_type": 0.01})
    report = compare(training, serving, schema)
    feature = report["payment_type"]
    assert feature.measure == L_INFINITY and feature.source == "schema"
    assert f"{feature.distance:.6g}" == "0.0435984"
    assert feature.threshold == 0.01 and feature.skewed and feature.largest == "Cash"
    assert feature.description == (
        "The L-infinity distance between serving and training is 0.0435984 (up to six "
        "significant digits), above the threshold 0.01. The feature value with maximum "
        "difference is: Cash")
    assert not report.ok and [f.column for f in report.skewed] == ["payment_type"]
    # Without a comparator in the schema the default applies, and 0.04 is well within it.
    relaxed = compare(training, serving)["payment_type"]
    assert relaxed.source == "default" and relaxed.threshold == DEFAULT_THRESHOLDS[L_INFINITY]
    assert not relaxed.skewed


def test_measures_by_hand():
    a = pd.Series(["x", "x", "y", None])
    b = pd.Series(["x", "z", "z", "z"])
    distance, largest = l_infinity(a, b)
    assert (distance, largest) == (pytest.approx(0.75), "z")
    same = pd.Series(np.arange(100.0))
    assert jensen_shannon(same, same) == 0.0
    # Disjoint supports: the divergence is its maximum, 1 bit.
    assert jensen_shannon(pd.Series([0.0] * 50), pd.Series([9.0] * 50)) == pytest.approx(1.0)
    # Half the mass moved into a new bucket: JSD of (1, 0) and (1/2, 1/2) in bits.
    p, q = np.array([1.0, 0.0]), np.array([0.5, 0.5])
    m = (p + q) / 2
    expected = 0.5 * np.sum(p[p > 0] * np.log2(p[p > 0] / m[p > 0])) + 0.5 * np.sum(
        q * np.log2(q / m))
    got = jensen_shannon(pd.Series([0.0] * 10), pd.Series([0.0] * 5 + [1.0] * 5), bins=2)
    assert got == pytest.approx(expected)


def test_numeric_features_use_jensen_shannon_and_the_label_is_skipped():
    rng = np.random.default_rng(5)
    training = pd.DataFrame({"fare": rng.gamma(2.0, 6.0, 2000), "tip": rng.integers(0, 2, 2000)})
    serving = pd.DataFrame({"fare": rng.gamma(2.0, 6.0, 1000) * 3})
    schema = infer_schema(training, label="tip", skew={"fare": 0.05})
    report = compare(training, serving, schema)
    assert [f.column for f in report.features] == ["fare"]
    assert report.skipped == {"tip": "not in the SERVING environment"}
    fare = report["fare"]
    assert fare.measure == JENSEN_SHANNON and fare.skewed and fare.largest is None
    assert "Jensen-Shannon divergence between serving and training" in fare.description
    calm = compare(training, pd.DataFrame({"fare": rng.gamma(2.0, 6.0, 1000)}), schema)
    assert calm.ok and calm["fare"].distance < 0.05


# -- a served model fed shifted traffic ---------------------------------------------------------


@pytest.fixture
def customers() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = 400
    frame = pd.DataFrame({
        "age": rng.integers(18, 80, rows).astype("int64"),
        "income": rng.normal(50_000, 10_000, rows),
        "visits": rng.poisson(3, rows).astype("int64"),
        "plan": rng.choice(["basic", "pro"], rows),
    })
    frame["churned"] = (frame["income"] > 50_000).astype("int64")
    return frame


@pytest.fixture
def champion(tracking, customers):
    """churn@champion trained on customers@1, whose schema sets a skew threshold for plan."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    schema = infer_schema(customers, label="churned", skew={"plan": 0.1})
    data.version_data(customers, "customers", validate=schema)
    with mlops.start_run(name="train"):
        frame = data.load_data("customers@1")
        X, y = frame.drop(columns=["churned"]), frame["churned"]
        model = make_pipeline(
            ColumnTransformer([("numbers", StandardScaler(), ["age", "income", "visits"]),
                               ("plan", OneHotEncoder(), ["plan"])]),
            LogisticRegression()).fit(X, y)
        logged = models.log_model(model, input_example=X.head(5))
    return models.register_model(logged.uri, "churn", alias="champion")


def _send(client: httpx.Client, frame: pd.DataFrame) -> None:
    for start in range(0, len(frame), 50):
        part = frame.iloc[start:start + 50]
        answer = client.post("/invocations", json={"dataframe_split": {
            "columns": list(part.columns), "data": part.to_numpy().tolist()}})
        assert answer.status_code == 200, answer.text


def _logged(rows: int, since: float) -> None:
    deadline = time.time() + 15
    while len(models.predictions("churn", since=since)) < rows:
        assert time.time() < deadline, "the prediction log was not written"
        time.sleep(0.05)


def _stored() -> list:
    """The skew rows of the evaluations table, newest first (read as the table holds them)."""
    from sqlalchemy import select

    from jupyter_mlops.session import current
    from jupyter_mlops.store import schema

    table = schema.evaluations
    with current().store.engine.connect() as connection:
        return list(connection.execute(select(table).where(table.c.kind == "skew").order_by(
            table.c.created_at.desc(), table.c.id.desc())))


def _cli(*args, code=0):
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "200"},
                                prog_name="jupyter mlops")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


def test_skew_of_a_served_model_fed_shifted_traffic(champion, customers):
    features = customers.drop(columns=["churned"])
    shifted = features.head(200).copy()
    shifted["income"] = shifted["income"] * 1.6        # the world changed
    shifted["plan"] = np.where(np.arange(200) % 10 == 0, "basic", "pro")
    begun = time.time()
    with BackgroundServer("churn@champion", flush_interval=0.05) as server, \
            httpx.Client(base_url=server.url) as client:
        _send(client, features)
        _logged(len(features), begun)
        calm = skew_report("churn@champion", since=begun)
        turned = time.time()
        _send(client, shifted)
        _logged(len(shifted), turned)
    assert calm.ok, calm.summary()
    assert calm.training == "customers@1" and calm.model == "churn/1"
    assert calm.skipped == {"churned": "not in the SERVING environment"}
    assert {f.column: f.source for f in calm.features} == {
        "age": "default", "income": "default", "visits": "default", "plan": "schema"}

    report = skew_report("churn@champion", since=turned)
    assert not report.ok
    assert {f.column for f in report.skewed} == {"income", "plan"}
    assert report["plan"].measure == L_INFINITY and report["plan"].largest == "pro"
    assert report["plan"].distance == pytest.approx(
        abs(0.9 - (customers["plan"] == "pro").mean()))
    assert report["income"].measure == JENSEN_SHANNON
    assert not report["age"].skewed and report["age"].serving_rows == 200
    assert "skew in 2 of 4 features" in report.summary()
    assert "<table>" in report._repr_html_()

    # Each report is stored as an evaluation of kind "skew" of churn/1.
    stored = _stored()
    assert [s.id for s in stored] == [report.id, calm.id]
    assert not stored[0].blessed and stored[1].blessed
    assert stored[0].data == "customers@1" and stored[0].rows == 200
    assert (stored[0].name, stored[0].version, stored[0].task) == ("churn", 1, "skew")
    assert any(f.startswith("plan: The L-infinity distance") for f in
               json.loads(stored[0].failures))
    assert json.loads(stored[0].details)["features"][3]["largest"] == "pro"

    # The CLI: a table and exit 1 on skew, JSON for machines, nothing stored with --no-save.
    result = _cli("models", "skew", "churn@champion", "--since", str(turned), code=1)
    assert "SKEW" in result.stdout and "skew in income, plan" in result.stderr.replace(
        "\n", " ")
    shown = json.loads(_cli("models", "skew", "churn@champion", "--since", str(turned),
                            "--json", "--no-save", code=1).stdout)
    assert {f["column"] for f in shown["features"] if f["skewed"]} == {"income", "plan"}
    passed = _cli("models", "skew", "churn@champion", "--since", str(turned),
                  "--threshold", "0.99", "--no-save")
    assert "SKEW" not in passed.stdout
    assert len(_stored()) == 3


def test_clear_errors_without_traffic_or_training_data(champion, customers):
    from sklearn.dummy import DummyClassifier

    with pytest.raises(InvalidInput, match="No logged predictions of churn/1 since 7d"):
        skew_report("churn@champion", since="7d")
    with pytest.raises(InvalidInput, match="is not a window"):
        skew_report("churn@champion", since="soon")
    assert "No logged predictions" in _cli("models", "skew", "churn@champion",
                                           code=2).stderr
    features = customers.drop(columns=["churned"])
    with mlops.start_run(name="no-lineage"):
        logged = models.log_model(DummyClassifier().fit(features, customers["churned"]),
                                  input_example=features.head(5))
    models.register_model(logged.uri, "guess")
    with pytest.raises(InvalidInput, match="records no DataFrame version as training data"):
        skew_report("guess", since="7d")
