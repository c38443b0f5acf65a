"""`jupyter mlops models export kserve`: the manifest the kserve SDK's own models build.

The kserve SDK runs in a peer environment (it pins pandas<3 and psutil): there the same
InferenceService is built from its V1beta1 models and serialised as the SDK sends it to the
cluster, and our file is deserialised into V1beta1InferenceService.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner, Result

import jupyter_mlops as mlops
from jupyter_mlops import models
from jupyter_mlops.cli import cli
from tests.peers import peer_python, quiet_env

sqlite_only = pytest.mark.parametrize("workspace", ["sqlite"], indirect=True)
STORAGE = "s3://team-models/churn/1"

KSERVE_CHECK = r"""
import json, sys
import yaml
from kubernetes.client import V1ObjectMeta
from kserve import (ApiClient, V1beta1InferenceService, V1beta1InferenceServiceSpec,
                    V1beta1ModelFormat, V1beta1ModelSpec, V1beta1PredictorSpec, constants)

job = json.load(sys.stdin)
with open(job["manifest"]) as f:
    ours = yaml.safe_load(f)
client = ApiClient()
built = V1beta1InferenceService(
    api_version=constants.KSERVE_V1BETA1, kind=constants.KSERVE_KIND_INFERENCESERVICE,
    metadata=V1ObjectMeta(name=job["name"], namespace=job["namespace"],
                          annotations=job["annotations"]),
    spec=V1beta1InferenceServiceSpec(predictor=V1beta1PredictorSpec(
        canary_traffic_percent=job["canary"],
        model=V1beta1ModelSpec(model_format=V1beta1ModelFormat(name="sklearn", version="1"),
                               protocol_version="v2", storage_uri=job["storage"]))))
# kserve's deserialiser cannot make V1ObjectMeta (a kubernetes model): read the spec with it.
spec = client._ApiClient__deserialize(ours["spec"], V1beta1InferenceServiceSpec)
model = spec.predictor.model
sent = client.sanitize_for_serialization(built)
# The SDK fills the embedded container's required name with ""; KServe's own examples omit it.
assert sent["spec"]["predictor"]["model"].pop("name") == ""
print(json.dumps({
    "same": sent == ours,
    "sdk": sent,
    "read": [ours["kind"], ours["apiVersion"], model.model_format.name, model.protocol_version,
             model.storage_uri, spec.predictor.canary_traffic_percent],
}))
"""


def invoke(*args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "200"}, catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


@pytest.fixture
def champion(tracking):
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True, as_frame=True)
    with mlops.start_run(name="train"):
        logged = models.log_model(LogisticRegression(max_iter=500).fit(X, y), input_example=X)
    models.register_model(logged.uri, "churn", alias="champion")
    return X


@sqlite_only
def test_the_manifest_is_what_kserves_own_models_build(champion, tmp_path: Path):
    out = tmp_path / "export"
    result = invoke("models", "export", "kserve", "churn@champion", "--storage-uri", STORAGE,
                    "--canary-traffic-percent", "10", "--namespace", "ml", "-o", str(out))
    said = " ".join(result.output.split())  # the terminal wraps long lines
    assert "model.joblib is a pickle" in said and "SHA-256" in said
    assert "kubectl apply -f" in said and "inferenceservice.yaml" in said
    manifest = yaml.safe_load((out / "inferenceservice.yaml").read_text())
    model_file = out / "model" / "model.joblib"
    sha = hashlib.sha256(model_file.read_bytes()).hexdigest()
    assert manifest["metadata"]["annotations"] == {
        "jupyter-mlops/model": "churn/1", "jupyter-mlops/source": "churn@champion",
        "jupyter-mlops/model-sha256": sha}

    python = peer_python(["kserve"], module="kserve")
    job = {"manifest": str(out / "inferenceservice.yaml"), "name": "churn", "namespace": "ml",
           "annotations": manifest["metadata"]["annotations"], "canary": 10,
           "storage": STORAGE}
    done = subprocess.run([str(python), "-c", KSERVE_CHECK], input=json.dumps(job),
                          capture_output=True, text=True, env=quiet_env(), timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    checked = json.loads(done.stdout.strip().splitlines()[-1])
    assert checked["same"], (checked["sdk"], manifest)
    assert checked["read"] == ["InferenceService", "serving.kserve.io/v1beta1", "sklearn", "v2",
                              STORAGE, 10]


@sqlite_only
def test_the_model_file_is_the_registered_model_in_the_sklearn_runtimes_layout(champion,
                                                                              tmp_path: Path):
    import joblib

    out = tmp_path / "export"
    invoke("models", "export", "kserve", "churn@champion", "--storage-uri", STORAGE,
           "-o", str(out))
    manifest = yaml.safe_load((out / "inferenceservice.yaml").read_text())
    assert "canaryTrafficPercent" not in manifest["spec"]["predictor"]
    assert sorted(p.name for p in (out / "model").iterdir()) == ["model.joblib"]
    # KServe's sklearn server loads the folder's model.joblib with joblib.load
    exported = joblib.load(out / "model" / "model.joblib")
    registered = models.load_model("churn@champion")
    assert np.array_equal(exported.predict(champion), registered.predict(champion))


@sqlite_only
def test_bad_export_requests_are_one_clear_line(champion, tmp_path: Path):
    local = subprocess.run(
        [str(Path(sys.executable).parent / "jupyter-mlops"), "models", "export", "kserve",
         "churn@champion", "--storage-uri", str(tmp_path / "here"), "-o",
         str(tmp_path / "out")], capture_output=True, text=True, check=False)
    assert local.returncode == 2
    assert len(local.stderr.strip().splitlines()) == 1
    assert "not a place KServe downloads from" in local.stderr
    assert not (tmp_path / "out").exists()

    missing = invoke("models", "export", "kserve", "fraud@champion", "--storage-uri", STORAGE,
                     "-o", str(tmp_path / "out"), code=3)
    assert "fraud" in missing.output and "Traceback" not in missing.output
    canary = invoke("models", "export", "kserve", "churn@champion", "--storage-uri", STORAGE,
                    "--canary-traffic-percent", "150", "-o", str(tmp_path / "out"), code=2)
    assert "0<=x<=100" in canary.output
    bad_name = invoke("models", "export", "kserve", "churn@champion", "--storage-uri", STORAGE,
                      "--name", "Churn_Model", "-o", str(tmp_path / "out"), code=2)
    assert "is not a Kubernetes name" in bad_name.output
