"""MLflow's REST protocol over the workspace: error shape, limits, search, ids, artifacts, auth.

Over HTTP into the standalone server's ASGI app (Starlette's test client), on a real store.
"""

from __future__ import annotations

import base64
import json
import time

import pytest

pytest.importorskip("httpx")
from starlette.testclient import TestClient

API = "/api/2.0/mlflow/"
ART = "/api/2.0/mlflow-artifacts/artifacts"


@pytest.fixture
def client(tracking):
    from jupyter_mlops.interop.mlflow_server.app import create_app

    with TestClient(create_app()) as http:
        yield http


def _post(client, path, body, status=200):
    # json.dumps writes NaN as MLflow's client does (httpx's json= refuses it).
    answer = client.post(API + path, content=json.dumps(body),
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == status, answer.text
    return answer.json()


def _run(client, name="r", experiment="0", **extra):
    body = {"experiment_id": experiment, "run_name": name, **extra}
    return _post(client, "runs/create", body)["run"]["info"]["run_id"]


def test_errors_have_mlflow_shape_and_status(client):
    answer = client.get(API + "runs/get", params={"run_id": "0" * 32})
    assert answer.status_code == 404
    assert answer.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    answer = client.get(API + "runs/get", params={"run_id": "../etc"})
    assert answer.status_code == 400
    assert answer.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    answer = client.post(API + "runs/create", content=b"{not json")
    assert answer.status_code == 400 and answer.json()["error_code"] == "MALFORMED_REQUEST"
    answer = client.post(API + "no/such/call", json={})
    assert answer.status_code == 404 and answer.json()["error_code"] == "ENDPOINT_NOT_FOUND"
    answer = client.get(API + "runs/create")
    assert answer.status_code == 405


def test_existing_names_are_resource_already_exists(client):
    assert _post(client, "experiments/create", {"name": "e"})["experiment_id"] != "0"
    again = _post(client, "experiments/create", {"name": "e"}, status=400)
    assert again["error_code"] == "RESOURCE_ALREADY_EXISTS"
    _post(client, "registered-models/create", {"name": "m"})
    again = _post(client, "registered-models/create", {"name": "m"}, status=400)
    assert again["error_code"] == "RESOURCE_ALREADY_EXISTS"


def test_experiment_ids_are_stable_and_zero_is_the_default(client):
    import jupyter_mlops as mlops

    created = _post(client, "experiments/create", {"name": "churn"})["experiment_id"]
    by_name = client.get(API + "experiments/get-by-name",
                         params={"experiment_name": "churn"}).json()
    assert by_name["experiment"]["experiment_id"] == created
    run = _run(client, experiment=created)
    assert mlops.get_run(run).experiment == "churn"
    default = _run(client, experiment="0")
    assert mlops.get_run(default).experiment == "Default"
    listed = _post(client, "experiments/search", {"filter": "name = 'churn'"})
    assert [e["experiment_id"] for e in listed["experiments"]] == [created]
    missing = client.get(API + "experiments/get", params={"experiment_id": "99999"})
    assert missing.status_code == 404


def test_log_batch_enforces_mlflow_limits(client):
    run = _run(client)
    metric = {"key": "m", "value": 1.0, "timestamp": 1, "step": 0}
    too_many = _post(client, "runs/log-batch", {"run_id": run, "metrics": [metric] * 1001},
                     status=400)
    assert "at most 1000 metrics" in too_many["message"]
    params = [{"key": f"p{i}", "value": "v"} for i in range(101)]
    assert "at most 100 params" in _post(client, "runs/log-batch",
                                         {"run_id": run, "params": params}, 400)["message"]
    tags = [{"key": f"t{i}", "value": "v"} for i in range(100)]
    total = _post(client, "runs/log-batch", {"run_id": run, "metrics": [metric] * 1000,
                                             "tags": tags}, 400)
    assert "1000 total" in total["message"]
    huge = [{"key": f"k{i}", "value": "x" * 8000} for i in range(100)]
    params = [{"key": f"p{i}", "value": "x" * 6000} for i in range(100)]
    big = _post(client, "runs/log-batch", {"run_id": run, "tags": huge, "params": params}, 400)
    assert "bytes" in big["message"]
    long_param = _post(client, "runs/log-batch",
                       {"run_id": run, "params": [{"key": "p", "value": "x" * 6001}]}, 400)
    assert "6000" in long_param["message"]
    bad_key = _post(client, "runs/log-batch",
                    {"run_id": run, "metrics": [{**metric, "key": "../x"}]}, 400)
    assert bad_key["error_code"] == "INVALID_PARAMETER_VALUE"
    # Nothing of the refused batches was written.
    import jupyter_mlops as mlops

    record = mlops.get_run(run)
    assert record.metrics == {} and record.params == {}


def test_log_batch_writes_values_and_params_are_fixed(client):
    import jupyter_mlops as mlops

    run = _run(client)
    metrics = [{"key": "loss", "value": v, "timestamp": 1_700_000_000_000 + i, "step": i}
               for i, v in enumerate([3.0, 2.0, float("nan")])]
    _post(client, "runs/log-batch", {"run_id": run, "metrics": metrics,
                                     "params": [{"key": "lr", "value": "0.1"}],
                                     "tags": [{"key": "team", "value": "a"}]})
    history = client.get(API + "metrics/get-history",
                         params={"run_id": run, "metric_key": "loss"}).json()["metrics"]
    assert [m["step"] for m in history] == [0, 1, 2]
    assert [m["timestamp"] for m in history] == [1_700_000_000_000 + i for i in range(3)]
    assert history[1]["value"] == 2.0 and history[2]["value"] != history[2]["value"]
    record = mlops.get_run(run)
    assert record.params == {"lr": "0.1"} and record.tags["team"] == "a"
    changed = _post(client, "runs/log-parameter", {"run_id": run, "key": "lr", "value": "1"},
                    status=400)
    assert changed["error_code"] == "INVALID_PARAMETER_VALUE"


def test_reserved_tags_are_names_parents_and_sources(client):
    import jupyter_mlops as mlops

    parent = _run(client, name="parent")
    child = _post(client, "runs/create", {"experiment_id": "0", "tags": [
        {"key": "mlflow.runName", "value": "kid"},
        {"key": "mlflow.parentRunId", "value": parent},
        {"key": "mlflow.source.name", "value": "/src/train.py"},
        {"key": "mlflow.source.type", "value": "LOCAL"}]})["run"]
    record = mlops.get_run(child["info"]["run_id"])
    assert (record.name, record.parent_id) == ("kid", parent)
    assert (record.source.type, record.source.path) == ("script", "/src/train.py")
    assert not any(k.startswith("mlflow.runName") for k in record.tags)
    tags = {t["key"]: t["value"] for t in child["data"]["tags"]}
    assert tags["mlflow.parentRunId"] == parent and tags["mlflow.source.type"] == "LOCAL"
    _post(client, "runs/set-tag", {"run_id": record.id, "key": "mlflow.runName",
                                   "value": "renamed"})
    assert mlops.get_run(record.id).name == "renamed"
    _post(client, "runs/update", {"run_id": record.id, "run_name": "again",
                                  "status": "FAILED", "end_time": 1_700_000_000_000})
    again = mlops.get_run(record.id)
    assert (again.name, again.status.value, again.end_time) == ("again", "FAILED",
                                                                1_700_000_000.0)


def test_a_run_created_over_rest_is_alive_though_it_started_long_ago(client):
    import jupyter_mlops as mlops

    an_hour_ago = int((time.time() - 3600) * 1000)
    run = _run(client, start_time=an_hour_ago)
    assert mlops.get_run(run).status.value == "RUNNING"  # get_run reaps dead runs first
    assert mlops.get_run(run).start_time == an_hour_ago / 1000


def test_search_translates_filters_and_orders(client):
    runs = []
    for index, (auc, kind) in enumerate([(0.7, "a"), (0.9, "b"), (0.8, "a")]):
        run = _run(client, name=f"run-{index}", start_time=1_700_000_000_000 + index * 1000)
        _post(client, "runs/log-batch", {
            "run_id": run, "metrics": [{"key": "auc", "value": auc, "timestamp": 1, "step": 0}],
            "params": [{"key": "kind", "value": kind}]})
        runs.append(run)

    def search(**body):
        return _post(client, "runs/search", {"experiment_ids": ["0"], **body})

    found = search(filter="metrics.auc > 0.75 and params.kind = 'a'")
    assert [r["info"]["run_id"] for r in found["runs"]] == [runs[2]]
    ordered = search(order_by=["metrics.auc DESC"])
    assert [r["info"]["run_id"] for r in ordered["runs"]] == [runs[1], runs[2], runs[0]]
    by_name = search(filter="attributes.run_name LIKE 'run-%' and "
                            "attributes.start_time >= 1700000001000",
                     order_by=["run_name ASC"])
    assert [r["info"]["run_name"] for r in by_name["runs"]] == ["run-1", "run-2"]
    assert [r["info"]["run_id"] for r in search(
        filter=f"attributes.run_id IN ('{runs[0]}', '{runs[1]}')",
        order_by=["start_time"])["runs"]] == runs[:2]
    first = search(max_results=2, order_by=["start_time"])
    second = search(max_results=2, order_by=["start_time"], page_token=first["next_page_token"])
    assert [r["info"]["run_id"] for r in first["runs"] + second["runs"]] == runs
    assert "next_page_token" not in second
    for bad in ("metrics.auc > 0.5 OR params.kind = 'a'", "metrics.auc = 'high'",
                "attributes.colour = 'red'", "params.kind > 1", "foo.bar = 'x'"):
        refused = _post(client, "runs/search", {"experiment_ids": ["0"], "filter": bad}, 400)
        assert refused["error_code"] == "INVALID_PARAMETER_VALUE", bad
    _post(client, "runs/delete", {"run_id": runs[0]})
    assert len(search()["runs"]) == 2
    assert [r["info"]["run_id"] for r in search(run_view_type="DELETED_ONLY")["runs"]] == [
        runs[0]]
    assert len(search(run_view_type="ALL")["runs"]) == 3
    _post(client, "runs/restore", {"run_id": runs[0]})
    assert len(search()["runs"]) == 3


def test_artifacts_round_trip_and_never_leave_the_store(client):
    run = _run(client)
    root = f"{ART}/0/{run}/artifacts"
    assert client.put(f"{root}/model/MLmodel", content=b"flavors: {}\n").status_code == 200
    assert client.put(f"{root}/notes.txt", content=b"hello").status_code == 200
    assert client.get(f"{root}/notes.txt").content == b"hello"
    listing = client.get(ART, params={"path": f"0/{run}/artifacts"}).json()["files"]
    assert listing == [{"path": "model", "is_dir": True},
                       {"path": "notes.txt", "is_dir": False, "file_size": 5}]
    inner = client.get(ART, params={"path": f"0/{run}/artifacts/model"}).json()["files"]
    assert inner == [{"path": "MLmodel", "is_dir": False, "file_size": 12}]
    import jupyter_mlops as mlops

    assert {a.path for a in mlops.get_run(run).artifacts} == {"model/MLmodel", "notes.txt"}
    for path in (f"{root}/../../../etc/passwd", f"{root}/a/%2e%2e/b", "0/../x"):
        answer = client.get(f"{ART}/{path.lstrip('/')}" if not path.startswith("/") else path)
        assert answer.status_code in (400, 404), path
    assert client.put(f"{root}/..%2F..%2Fescape", content=b"x").status_code == 400
    assert client.get(f"{root}/not-there").status_code == 404
    other = _post(client, "experiments/create", {"name": "other"})["experiment_id"]
    assert client.get(f"{ART}/{other}/{run}/artifacts/notes.txt").status_code == 404


def test_logged_models_and_the_registry(client):
    import jupyter_mlops as mlops

    run = _run(client)
    model = _post(client, "logged-models", {"experiment_id": "0", "name": "model",
                                            "source_run_id": run})["model"]["info"]
    assert model["status"] == "LOGGED_MODEL_PENDING"
    path = model["artifact_uri"].removeprefix("mlflow-artifacts:/")
    assert client.put(f"{ART}/{path}/MLmodel", content=b"flavors: {}\n").status_code == 200
    answer = client.patch(f"{API}logged-models/{model['model_id']}",
                          json={"model_id": model["model_id"], "status": "LOGGED_MODEL_READY"})
    assert answer.json()["model"]["info"]["status"] == "LOGGED_MODEL_READY"
    found = _post(client, "logged-models/search", {"experiment_ids": ["0"],
                                                   "filter": "name = 'model'"})["models"]
    assert [m["info"]["model_id"] for m in found] == [model["model_id"]]
    _post(client, "registered-models/create", {"name": "fraud"})
    version = _post(client, "model-versions/create", {
        "name": "fraud", "source": f"models:/{model['model_id']}", "run_id": run,
        "model_id": model["model_id"]})["model_version"]
    assert version["version"] == "1" and version["model_id"] == model["model_id"]
    _post(client, "registered-models/alias", {"name": "fraud", "alias": "champion",
                                              "version": "1"})
    by_alias = client.get(API + "registered-models/alias",
                          params={"name": "fraud", "alias": "champion"}).json()
    assert by_alias["model_version"]["aliases"] == ["champion"]
    uri = client.get(API + "model-versions/get-download-uri",
                     params={"name": "fraud", "version": "1"}).json()["artifact_uri"]
    assert uri == model["artifact_uri"]
    # Our registry holds it too, with its audited alias.
    versions = mlops.model_versions("fraud")
    assert list(versions["version"]) == [1]
    audit = mlops.audit_log("fraud")
    assert "champion" in set(audit["alias"].dropna())
    answer = client.request("DELETE", API + "registered-models/alias",
                            json={"name": "fraud", "alias": "champion"})
    assert answer.status_code == 200
    gone = client.get(API + "registered-models/alias",
                      params={"name": "fraud", "alias": "champion"})
    assert gone.status_code == 404 and gone.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_the_token_is_required_when_set(tracking):
    from jupyter_mlops.interop.mlflow_server.app import create_app

    with TestClient(create_app(token="s3cret")) as http:
        url = API + "experiments/get?experiment_id=0"
        assert http.get(url).status_code == 403
        assert http.get(url, headers={"Authorization": "Bearer nope"}).status_code == 403
        assert http.get(url, headers={"Authorization": "Bearer s3cret"}).status_code == 200
        basic = base64.b64encode(b"user:s3cret").decode()
        assert http.get(url, headers={"Authorization": f"Basic {basic}"}).status_code == 200
        assert http.get("/health").status_code == 200
        refused = http.get(url)
        assert json.loads(refused.content)["error_code"] == "PERMISSION_DENIED"
