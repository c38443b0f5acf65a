"""The real MLflow client logs into the workspace through our MLflow-compatible server.

An unchanged MLflow training script (start_run, params, 1,000 stepped metrics, tags, nested
runs, sklearn autolog, register_model, an alias, search_runs, pyfunc.load_model) runs in
MLflow's own environment against a real Jupyter server and against ``jupyter mlops server``;
the runs are then read back through our own API with the same values.
"""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.journeys.conftest import JUPYTER_TOKEN, Journey, free_port, jupyter_server, wait_http
from tests.peers import peer_python, quiet_env
from tests.processes import stop

MLFLOW_CLIENT = ["mlflow-skinny==3.*", "scikit-learn", "skops", "pandas", "scipy"]

SCRIPT = r'''
import json, sys
import numpy as np
import mlflow
from mlflow import MlflowClient
from mlflow.models import infer_signature
from sklearn.linear_model import LogisticRegression

mlflow.set_experiment("mlflow-client")
X = np.random.RandomState(0).rand(60, 3)
y = (X[:, 0] > 0.5).astype(int)
with mlflow.start_run(run_name="parent") as parent:
    mlflow.log_params({"lr": "0.1", "layers": 3})
    for step in range(1000):
        mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
    mlflow.set_tag("team", "fraud")
    with mlflow.start_run(run_name="child", nested=True) as child:
        mlflow.log_param("fold", "1")
        mlflow.log_metric("auc", 0.75)
        explicit = LogisticRegression(C=2.0).fit(X, y)
        logged = mlflow.sklearn.log_model(
            explicit, name="explicit", input_example=X[:2],
            signature=infer_signature(X, explicit.predict(X)))
    mlflow.sklearn.autolog()
    with mlflow.start_run(run_name="fit", nested=True) as fit:
        model = LogisticRegression(C=0.5).fit(X, y)
    mlflow.sklearn.autolog(disable=True)
version = mlflow.register_model(f"runs:/{fit.info.run_id}/model", "x")
client = MlflowClient()
client.set_registered_model_alias("x", "champion", version.version)
found = mlflow.search_runs(experiment_names=["mlflow-client"],
                           filter_string="params.lr = '0.1' and metrics.loss < 0.5",
                           order_by=["metrics.loss ASC"], output_format="list")
nested = mlflow.search_runs(experiment_names=["mlflow-client"],
                            filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'",
                            order_by=["attributes.run_name DESC"], output_format="list")
loaded = mlflow.pyfunc.load_model("models:/x@champion")
by_id = mlflow.pyfunc.load_model(logged.model_uri)
history = client.get_metric_history(parent.info.run_id, "loss")
print(json.dumps({
    "parent": parent.info.run_id, "child": child.info.run_id, "fit": fit.info.run_id,
    "found": [r.info.run_id for r in found], "nested": [r.info.run_name for r in nested],
    "history": [[m.step, m.value] for m in history],
    "fit_params": client.get_run(fit.info.run_id).data.params,
    "fit_metrics": client.get_run(fit.info.run_id).data.metrics,
    "version": version.version,
    "alias": client.get_model_version_by_alias("x", "champion").version,
    "predicted": [int(v) for v in loaded.predict(X[:8])],
    "expected": [int(v) for v in model.predict(X[:8])],
    "explicit": [int(v) for v in by_id.predict(X[:8])] ==
                [int(v) for v in explicit.predict(X[:8])],
    "signature": by_id.metadata.signature.to_dict()["inputs"],
}))
'''

READ_BACK = r'''
import json
import jupyter_mlops as mlops
frame = mlops.runs(experiment="mlflow-client")
out = {}
for _, row in frame.iterrows():
    run = mlops.get_run(row["run_id"])
    history = mlops.metric_history(run.id, "loss") if "loss" in run.metrics else None
    out[run.name] = {
        "id": run.id, "parent": run.parent_id, "status": run.status.value,
        "params": run.params, "metrics": run.metrics,
        "tags": {k: v for k, v in run.tags.items() if not k.startswith("mlflow.")},
        "source": run.source.path if run.source else None,
        "history": None if history is None else history[["step", "value"]].values.tolist(),
    }
print(json.dumps(out))
'''


def _workspace(tmp_path: Path) -> Journey:
    root = tmp_path / "work"
    (root / ".mlops").mkdir(parents=True)
    return Journey(root, {"JUPYTER_MLOPS_CAPTURE_PACKAGES": "false",
                          "JUPYTER_MLOPS_CAPTURE_GIT": "false"})


def _client(python: Path, uri: str, token: str | None, cwd: Path) -> dict:
    script = cwd / "train.py"
    script.write_text(SCRIPT)
    extra = {"MLFLOW_TRACKING_URI": uri, "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"}
    if token:
        extra["MLFLOW_TRACKING_TOKEN"] = token
    done = subprocess.run([str(python), str(script)], cwd=cwd, env=quiet_env(extra),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _check(journey: Journey, result: dict) -> None:
    # What MLflow's client read back from our server.
    assert result["history"] == [[step, 1.0 / (step + 1)] for step in range(1000)]
    assert result["found"] == [result["parent"]]
    assert result["nested"] == ["fit", "child"]
    assert result["predicted"] == result["expected"]
    assert result["explicit"] is True
    assert '"tensor-spec"' in result["signature"]
    assert result["alias"] == result["version"] == "1"
    assert result["fit_params"]["C"] == "0.5"
    assert "training_score" in result["fit_metrics"]
    # The same runs through our own API, in a fresh process.
    ours = json.loads(journey.python(READ_BACK).stdout)
    assert set(ours) == {"parent", "child", "fit"}
    parent, child, fit = ours["parent"], ours["child"], ours["fit"]
    assert parent["id"] == result["parent"] and parent["parent"] is None
    assert child["parent"] == fit["parent"] == parent["id"]
    assert {r["status"] for r in ours.values()} == {"FINISHED"}
    assert parent["params"] == {"lr": "0.1", "layers": "3"}
    assert parent["tags"] == {"team": "fraud"}
    assert parent["history"] == [[float(s), 1.0 / (s + 1)] for s in range(1000)] or \
        parent["history"] == [[s, 1.0 / (s + 1)] for s in range(1000)]
    assert parent["metrics"] == {"loss": 1.0 / 1000}
    assert child["params"] == {"fold": "1"} and child["metrics"] == {"auc": 0.75}
    assert fit["params"] == result["fit_params"]
    assert fit["metrics"] == result["fit_metrics"]
    assert parent["source"].endswith("train.py")


@pytest.fixture(scope="module")
def mlflow_python() -> Path:
    return peer_python(MLFLOW_CLIENT, module="mlflow")


def test_the_mlflow_client_logs_through_jupyter_server(tmp_path, mlflow_python):
    journey = _workspace(tmp_path)
    with jupyter_server(journey) as base:
        uri = f"{base}/jupyter-mlops/mlflow"
        result = _client(mlflow_python, uri, JUPYTER_TOKEN, tmp_path)
        # Without the token Jupyter refuses, in MLflow's error shape.
        request = urllib.request.Request(
            f"{uri}/api/2.0/mlflow/experiments/get?experiment_id=0")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 403
        bearer = urllib.request.Request(
            f"{uri}/api/2.0/mlflow/experiments/get?experiment_id=0",
            headers={"Authorization": f"Bearer {JUPYTER_TOKEN}"})
        with urllib.request.urlopen(bearer, timeout=30) as answer:
            assert json.loads(answer.read())["experiment"]["experiment_id"] == "0"
    _check(journey, result)


def test_the_mlflow_client_logs_through_the_standalone_server(tmp_path, mlflow_python):
    journey = _workspace(tmp_path)
    port = free_port()
    process = journey.start("server", "--port", str(port), "--token", "s3cret")
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/health", process)
        result = _client(mlflow_python, base, "s3cret", tmp_path)
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            request = urllib.request.Request(
                f"{base}/api/2.0/mlflow/experiments/get?experiment_id=0", headers=headers)
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=30)
            assert refused.value.code == 403
            assert json.loads(refused.value.read())["error_code"] == "PERMISSION_DENIED"
    finally:
        stop(process, timeout=30)
    _check(journey, result)

