"""The routes of the lab's model, drift and dataset views against a real Jupyter server."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from tornado.httpclient import HTTPClientError

import jupyter_mlops as mlops
from jupyter_mlops.session import current

API = ("jupyter-mlops", "api")


@pytest.fixture
def registry(tracking):
    """customers@1/@2 read by a training run, churn v1 and v2, three drift reports, a log."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"age": rng.integers(18, 80, 120).astype("int64"),
                          "income": rng.normal(50_000, 9_000, 120)})
    mlops.version_data(frame, "customers")
    mlops.version_data(frame.assign(income=frame["income"] * 1.4), "customers")
    with mlops.start_run(experiment="churn", name="train-logreg") as run:
        train = mlops.load_data("customers@1")
        model = LogisticRegression().fit(train[["age", "income"]], train["income"] > 50_000)
        mlops.log_metric("auc", 0.91)
        logged = mlops.log_model(model, input_example=train[["age", "income"]].head(3))
    mlops.register_model(logged.uri, "churn", alias="champion", reason="first")
    mlops.register_model(logged.uri, "churn", description="retrained")
    first = mlops.drift_report("customers@1", "customers@2", model="churn@champion")
    first.save(name="nightly")
    pinned = mlops.drift_report("customers@1", "customers@1", model="churn/2")
    pinned.save(name="pinned")
    time.sleep(0.01)  # the move must come after the first report in the audit log
    mlops.set_alias("churn", "champion", 2, reason="v2 wins")
    second = mlops.drift_report("customers@1", "customers@1", model="churn@champion")
    second.save(name="nightly")
    current().store.registry.log_predictions([
        {"name": "churn", "version": 1, "request_id": f"r{i}", "created_at": time.time(),
         "rows": 1, "inputs": json.dumps({"columns": ["age", "income"], "data": [[30, 1.0]]}),
         "predictions": "[true]"} for i in range(3)])
    return {"run": run.id, "first": first.id, "second": second.id, "pinned": pinned.id}


async def get(jp_fetch, *parts, **params):
    response = await jp_fetch(*API, *parts, params=params or None)
    return json.loads(response.body)


async def error_of(jp_fetch, *parts, **params):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(*API, *parts, params=params or None)
    return info.value.code, json.loads(info.value.response.body)["error"]


async def test_lineage_of_a_version_links_data_run_reports_and_log(jp_fetch, registry):
    graph = await get(jp_fetch, "models", "churn", "versions", "1", "lineage")
    kinds = {n["id"]: n["kind"] for n in graph["nodes"]}
    run_node = f"run:{registry['run']}"
    assert kinds == {
        "dataset:customers@1": "dataset", run_node: "run", "model:churn/1": "model",
        # the report saved while @champion named v1; the later one counts for v2
        f"drift:{registry['first']}": "drift", "predictions:churn/1": "predictions"}
    assert {(e["source"], e["target"]) for e in graph["edges"]} == {
        ("dataset:customers@1", run_node), (run_node, "model:churn/1"),
        ("model:churn/1", f"drift:{registry['first']}"),
        ("model:churn/1", "predictions:churn/1")}
    by_id = {n["id"]: n for n in graph["nodes"]}
    assert by_id["predictions:churn/1"]["label"] == "3 logged requests"
    assert by_id[run_node]["ref"] == {"id": registry["run"]}
    assert by_id["dataset:customers@1"]["ref"] == {"name": "customers", "version": 1}
    second = await get(jp_fetch, "models", "churn", "versions", "2", "lineage")
    reports = {n["ref"]["id"] for n in second["nodes"] if n["kind"] == "drift"}
    assert reports == {registry["second"], registry["pinned"]}
    assert not [n for n in second["nodes"] if n["kind"] == "predictions"]


async def test_lineage_refuses_bad_versions_and_unknown_models(jp_fetch, registry):
    code, error = await error_of(jp_fetch, "models", "churn", "versions", "x1", "lineage")
    assert code == 400 and "version must be an integer" in error["message"]
    code, _ = await error_of(jp_fetch, "models", "churn", "versions", "0", "lineage")
    assert code == 400
    code, _ = await error_of(jp_fetch, "models", "churn", "versions", "9", "lineage")
    assert code == 404
    code, error = await error_of(jp_fetch, "models", "nope", "versions", "1", "lineage")
    assert code == 404 and error["type"] == "NotFound"


async def test_drift_over_time_for_an_alias(jp_fetch, registry):
    history = await get(jp_fetch, "models", "churn", "aliases", "champion", "drift")
    assert history["model"] == "churn@champion"
    assert [p["id"] for p in history["points"]] == [registry["first"], registry["second"]]
    assert [p["version"] for p in history["points"]] == [1, 2]
    assert history["points"][0]["drifted"] is True and history["points"][1]["share"] == 0
    empty = await get(jp_fetch, "models", "churn", "aliases", "staging", "drift")
    assert empty["points"] == []
    code, error = await error_of(jp_fetch, "models", "churn", "aliases", "9bad", "drift")
    assert code == 400 and "Invalid alias" in error["message"]
    code, _ = await error_of(jp_fetch, "models", "churn", "aliases", "champion", "drift",
                             limit="0")
    assert code == 400


async def test_dataset_version_with_its_runs(jp_fetch, registry):
    detail = await get(jp_fetch, "datasets", "customers", "versions", "1")
    assert detail["version"]["ref"] == "customers@1" and detail["versions"] == [1, 2]
    assert set(detail["profile"]["columns"]) == {"age", "income"}
    assert [(r["id"], r["direction"], r["name"]) for r in detail["runs"]] == [
        (registry["run"], "input", "train-logreg")]
    unused = await get(jp_fetch, "datasets", "customers", "versions", "2")
    assert unused["runs"] == []
    code, error = await error_of(jp_fetch, "datasets", "customers", "versions", "7")
    assert code == 404 and "its versions: 1, 2" in error["message"]
    code, _ = await error_of(jp_fetch, "datasets", "customers", "versions", "one")
    assert code == 400


async def test_the_view_routes_need_the_token(jp_fetch, registry):
    for parts in (("models", "churn", "versions", "1", "lineage"),
                  ("models", "churn", "aliases", "champion", "drift"),
                  ("datasets", "customers", "versions", "1")):
        with pytest.raises(HTTPClientError) as info:
            await jp_fetch(*API, *parts, headers={"Authorization": ""})
        assert info.value.code == 403
