"""GET models/{name}/versions/{version}/evaluations against a real Jupyter server: the model
version view's slices table, chart and blessing."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from tornado.httpclient import HTTPClientError

import jupyter_mlops as mlops
from jupyter_mlops.evaluate import evaluate

API = ("jupyter-mlops", "api")


@pytest.fixture
def evaluated(tracking):
    """churn v1 evaluated twice: first with a slice built to fail (FR, whose labels are
    inverted), then without thresholds; churn v2 never evaluated."""
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"x": rng.normal(size=400),
                          "country": rng.choice(["DE", "FR"], 400, p=[0.7, 0.3])})
    label = frame["x"] > 0
    frame["y"] = np.where(frame["country"] == "FR", ~label, label).astype(int)
    with mlops.start_run(experiment="churn"):
        model = LogisticRegression().fit(frame[["x"]], label.astype(int))
        logged = mlops.log_model(model, input_example=frame[["x"]].head(3))
    mlops.register_model(logged.uri, "churn")
    mlops.register_model(logged.uri, "churn")
    failed = evaluate("churn/1", frame, label="y", slices=["country"],
                      per_slice={"auc": {"lower": 0.7}}, min_slice_size=20)
    plain = evaluate("churn/1", frame, label="y", slices=["country"], min_slice_size=20)
    return {"failed": failed, "plain": plain}


async def get(jp_fetch, *parts, **params):
    response = await jp_fetch(*API, *parts, params=params or None)
    return json.loads(response.body)


async def test_a_version_lists_its_evaluations_newest_first_with_figures(jp_fetch, evaluated):
    body = await get(jp_fetch, "models", "churn", "versions", "1", "evaluations")
    assert (body["name"], body["version"]) == ("churn", 1)
    failed, plain = evaluated["failed"], evaluated["plain"]
    assert [e["id"] for e in body["evaluations"]] == [plain.id, failed.id]
    newest, oldest = body["evaluations"]
    # The blessing is the newest evaluation's verdict: what the promotion gate reads.
    assert body["blessing"]["id"] == plain.id and body["blessing"]["blessed"] is True
    assert body["replay"] is None
    assert oldest["blessed"] is False
    assert any(f.startswith("auc on country=FR") for f in oldest["failures"])
    slices = [s["slice"] for s in oldest["details"]["slices"]]
    assert slices[0] == "overall" and {"country=DE", "country=FR"} <= set(slices)
    checks = {(c["metric"], c["slice"]): c["passed"] for c in oldest["details"]["checks"]}
    assert checks[("auc", "country=FR")] is False and checks[("auc", "country=DE")] is True
    # One bar trace per metric, each bar a slice.
    bars = [t for t in oldest["figure"]["data"] if t["type"] == "bar"]
    assert {t["name"] for t in bars} == set(oldest["details"]["metrics"])
    assert all(len(t["y"]) == len(slices) for t in bars)
    assert newest["figure"]["layout"]["title"]["text"].endswith(": blessed")
    assert oldest["figure"]["layout"]["title"]["text"].endswith(": NOT blessed")


async def test_limit_and_a_version_never_evaluated(jp_fetch, evaluated):
    one = await get(jp_fetch, "models", "churn", "versions", "1", "evaluations", limit="1")
    assert [e["id"] for e in one["evaluations"]] == [evaluated["plain"].id]
    none = await get(jp_fetch, "models", "churn", "versions", "2", "evaluations")
    assert none["evaluations"] == [] and none["blessing"] is None


@pytest.mark.parametrize(("parts", "params", "code"), [
    (("churn", "versions", "9"), {}, 404),
    (("nope", "versions", "1"), {}, 404),
    (("churn", "versions", "one"), {}, 400),
    (("churn", "versions", "1"), {"limit": "0"}, 400),
    (("churn", "versions", "1"), {"limit": "101"}, 400),
])
async def test_unknown_versions_and_bad_limits_are_refused(jp_fetch, evaluated, parts, params,
                                                          code):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(*API, "models", *parts, "evaluations", params=params or None)
    assert info.value.code == code
    assert json.loads(info.value.response.body)["error"]["status"] == code
