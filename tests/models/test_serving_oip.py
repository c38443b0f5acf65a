"""The Open Inference Protocol (KServe V2 REST) on `jupyter mlops serve`.

Triton's own HTTP client (``tritonclient[http]``, which speaks KServe V2) runs in a peer
environment against a real server process; plain HTTP covers the golden metadata, the
2-D form, the prediction log and each error.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest

from jupyter_mlops import models
from jupyter_mlops.models.serving import BackgroundServer
from tests.peers import peer_python, quiet_env
from tests.processes import stop

from .conftest import Trained, register

CLIENT = r"""
import json, sys
import numpy as np
import tritonclient.http as http
from tritonclient.utils import InferenceServerException

job = json.load(sys.stdin)
client = http.InferenceServerClient(job["url"])
out = {"live": client.is_server_live(), "ready": client.is_server_ready(),
       "model_ready": client.is_model_ready("churn"),
       "versioned_ready": client.is_model_ready("churn", model_version="1"),
       "server": client.get_server_metadata(),
       "metadata": client.get_model_metadata("churn"),
       "versioned": client.get_model_metadata("churn", model_version="1")}

def inputs(binary):
    made = []
    for column, datatype in (("age", "INT64"), ("income", "FP64"), ("visits", "INT64"),
                             ("plan", "BYTES")):
        values = job["columns"][column]
        array = (np.array([v.encode() for v in values], dtype=np.object_)
                 if datatype == "BYTES" else np.array(values, dtype=datatype.lower()
                                                      .replace("fp", "float")))
        tensor = http.InferInput(column, [len(values)], datatype)
        tensor.set_data_from_numpy(array, binary_data=binary)
        made.append(tensor)
    return made

for binary in (True, False):
    result = client.infer("churn", inputs(binary), request_id=f"req-{binary}")
    response = result.get_response()
    out[f"binary={binary}"] = {
        "id": response["id"], "model_name": response["model_name"],
        "model_version": response["model_version"],
        "names": [o["name"] for o in response["outputs"]],
        "predict": result.as_numpy("predict").tolist(),
        "proba": result.as_numpy("predict_proba").tolist()}
picked = client.infer("churn", inputs(False), model_version="1",
                      outputs=[http.InferRequestedOutput("predict_proba", binary_data=False)])
out["picked"] = {"names": [o["name"] for o in picked.get_response()["outputs"]],
                 "proba": picked.as_numpy("predict_proba").tolist()}
try:
    client.infer("nope", inputs(False))
except InferenceServerException as error:
    out["unknown"] = {"status": error.status(), "message": error.message()}
print(json.dumps(out))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(tracking: Any, trained: Trained) -> Iterator[str]:
    """The URL of `jupyter mlops serve churn@champion`, in a real process."""
    register(trained, alias="champion")
    port = _free_port()
    env = {**os.environ, "JUPYTER_MLOPS_URI": tracking.uri,
           "JUPYTER_MLOPS_ARTIFACTS": tracking.artifacts}
    code = "import sys; from jupyter_mlops.cli import cli; cli(sys.argv[1:])"
    args = ["serve", "churn@champion", "--port", str(port), "--no-log"]
    process = subprocess.Popen([sys.executable, "-c", code, *args], cwd=tracking.root, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            if process.poll() is not None:
                pytest.fail(f"the server exited with {process.returncode} before answering")
            try:
                httpx.get(url + "/ping", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        stop(process, timeout=60)


def test_tritonclient_infers_what_the_model_predicts(served: str, trained: Trained) -> None:
    python = peer_python(["tritonclient[http]"], module="tritonclient.http")
    rows = trained.X.head(25)
    job = {"url": served.removeprefix("http://"),
           "columns": {c: rows[c].tolist() for c in rows.columns}}
    done = subprocess.run([str(python), "-c", CLIENT], input=json.dumps(job), text=True,
                          capture_output=True, env=quiet_env(), timeout=300)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["live"] and out["ready"] and out["model_ready"] and out["versioned_ready"]
    assert out["server"]["name"] == "jupyter-mlops"
    assert "binary_tensor_data" in out["server"]["extensions"]
    assert out["metadata"] == out["versioned"]
    assert out["metadata"]["versions"] == ["1"]
    assert [(i["name"], i["datatype"]) for i in out["metadata"]["inputs"]] == [
        ("age", "INT64"), ("income", "FP64"), ("visits", "INT64"), ("plan", "BYTES")]
    expected = trained.good.predict(rows).tolist()
    proba = trained.good.predict_proba(rows)
    # Binary tensors (the client's default) and JSON tensors give the model's own answers.
    for binary in (True, False):
        answer = out[f"binary={binary}"]
        assert answer["id"] == f"req-{binary}"
        assert (answer["model_name"], answer["model_version"]) == ("churn", "1")
        assert answer["names"] == ["predict", "predict_proba"]
        assert answer["predict"] == expected
        np.testing.assert_allclose(answer["proba"], proba)
    assert out["picked"]["names"] == ["predict_proba"]
    np.testing.assert_allclose(out["picked"]["proba"], proba)
    assert out["unknown"]["status"] == "404"
    assert "'nope'" in out["unknown"]["message"] and "churn" in out["unknown"]["message"]


def _column_inputs(rows: Any) -> list[dict[str, Any]]:
    types = {"age": "INT64", "income": "FP64", "visits": "INT64", "plan": "BYTES"}
    return [{"name": c, "shape": [len(rows)], "datatype": types[c], "data": rows[c].tolist()}
            for c in rows.columns]


def test_metadata_and_infer_match_the_golden_shapes(tracking: Any, trained: Trained) -> None:
    register(trained, alias="champion")
    rows = trained.X.head(4)
    with BackgroundServer("churn@champion", flush_interval=0.05) as server:
        base = server.url
        assert httpx.get(f"{base}/v2/health/live").json() == {"live": True}
        assert httpx.get(f"{base}/v2/health/ready").json() == {"ready": True}
        assert httpx.get(f"{base}/v2/models/churn/ready").json() == {"name": "churn",
                                                                      "ready": True}
        assert httpx.get(f"{base}/v2/models/churn").json() == {
            "name": "churn", "versions": ["1"], "platform": "sklearn",
            "inputs": [{"name": "age", "datatype": "INT64", "shape": [-1]},
                       {"name": "income", "datatype": "FP64", "shape": [-1]},
                       {"name": "visits", "datatype": "INT64", "shape": [-1]},
                       {"name": "plan", "datatype": "BYTES", "shape": [-1]}],
            "outputs": [{"name": "predict", "datatype": "INT64", "shape": [-1]},
                        {"name": "predict_proba", "datatype": "FP64", "shape": [-1, 2]}]}
        # Nested data and [rows, 1] columns are the same tensors as flat ones.
        inputs = _column_inputs(rows)
        inputs[1] = {**inputs[1], "shape": [4, 1], "data": [[v] for v in inputs[1]["data"]]}
        answer = httpx.post(f"{base}/v2/models/churn/versions/1/infer", json={
            "id": "golden", "inputs": inputs, "outputs": [{"name": "predict"}],
            "parameters": {"note": "ignored"}})
        assert answer.status_code == 200, answer.text
        assert answer.headers["x-model-version"] == "1"
        assert answer.json() == {
            "model_name": "churn", "model_version": "1", "id": "golden",
            "outputs": [{"name": "predict", "datatype": "INT64", "shape": [4],
                         "data": trained.good.predict(rows).tolist()}]}
    # The prediction log gets V2 requests like /invocations ones.
    logged = models.predictions("churn")
    assert len(logged) == 4
    np.testing.assert_allclose(logged["income"].to_numpy(), rows["income"].to_numpy())
    assert logged["plan"].tolist() == rows["plan"].tolist()


def test_one_2d_tensor_feeds_a_numeric_model(tracking: Any) -> None:
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    import jupyter_mlops as mlops

    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    model = LogisticRegression().fit(X, (X["a"] - X["c"] > 0).astype(int))
    with mlops.start_run():
        models.register_model(models.log_model(model, input_example=X).uri, "numeric")
    rows = X.head(5)
    with BackgroundServer("numeric/1", log_predictions=False) as server:
        infer = f"{server.url}/v2/models/numeric/infer"
        answer = httpx.post(infer, json={"inputs": [{
            "name": "features", "shape": [5, 3], "datatype": "FP32",
            "data": rows.to_numpy().ravel().tolist()}]})
        assert answer.status_code == 200, answer.text
        (predict, proba) = answer.json()["outputs"]
        assert predict["data"] == model.predict(rows).tolist()
        assert proba["shape"] == [5, 2]
        wide = httpx.post(infer, json={"inputs": [{
            "name": "features", "shape": [1, 4], "datatype": "FP64", "data": [1, 2, 3, 4]}]})
        assert wide.status_code == 400
        assert wide.json() == {"error": "Input 'features' has 4 columns; the model takes 3: "
                                        "a, b, c."}


def test_numeric_tensors_take_the_array_fast_path_with_the_same_answers(tracking: Any) -> None:
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    import jupyter_mlops as mlops

    rng = np.random.default_rng(4)
    X = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    model = LogisticRegression().fit(X, (X["a"] - X["c"] > 0).astype(int))
    with mlops.start_run():
        models.register_model(models.log_model(model, input_example=X).uri, "numeric")
    rows = X.head(4)
    expected = model.predict(rows).tolist()
    probabilities = model.predict_proba(rows)
    columns = [{"name": c, "shape": [4], "datatype": "FP64", "data": rows[c].tolist()}
               for c in ("c", "a", "b")]  # any order: matched by name
    with BackgroundServer("numeric/1", flush_interval=0.05) as server:
        assert server.app.state.holder.active[1] == ("a", "b", "c")
        infer = f"{server.url}/v2/models/numeric/infer"
        forms = {
            "columns": columns,
            "column [n, 1]": [{**c, "shape": [4, 1]} for c in columns],
            "2-D": [{"name": "x", "shape": [4, 3], "datatype": "FP64",
                     "data": rows.to_numpy().ravel().tolist()}],
            "integers": [{"name": "x", "shape": [1, 3], "datatype": "INT64",
                          "data": [1, 0, 2]}],
        }
        answers = {form: httpx.post(infer, json={"inputs": inputs})
                   for form, inputs in forms.items()}
        # What the fast path does not take still gets the DataFrame path's error.
        short = httpx.post(infer, json={"inputs": columns[:2]})
    for form in ("columns", "column [n, 1]", "2-D"):
        assert answers[form].status_code == 200, answers[form].text
        predict, proba = answers[form].json()["outputs"]
        assert predict["data"] == expected, form
        np.testing.assert_allclose(np.reshape(proba["data"], proba["shape"]), probabilities)
    whole = answers["integers"].json()["outputs"][0]["data"]
    assert whole == model.predict(pd.DataFrame([[1.0, 0.0, 2.0]], columns=list("abc"))).tolist()
    assert short.status_code == 400 and "missing columns: b" in short.json()["error"]
    logged = models.predictions("numeric")
    assert len(logged) == 4 * 3 + 1
    assert list(logged.columns[:3]) == ["a", "b", "c"]
    np.testing.assert_allclose(logged[["a", "b", "c"]].to_numpy()[:4], rows.to_numpy())


@pytest.mark.parametrize(("change", "status", "words"), [
    ({"path": "/v2/models/nope/infer"}, 404, ["'nope'", "'churn'"]),
    ({"path": "/v2/models/churn/versions/7/infer"}, 404, ["version '7'", "version 1"]),
    ({"drop": "plan"}, 400, ["missing columns: plan"]),
    ({"input": ("plan", {"datatype": "FP64", "data": [1.0, 2.0]})}, 400,
     ["datatype FP64", "column 'plan'", "send BYTES"]),
    ({"input": ("age", {"datatype": "INT64", "data": [1.5, 2.0]})}, 400,
     ["INT64 data must be integers"]),
    ({"input": ("age", {"shape": [3]})}, 400, ["shape [3] needs 3 values", "has 2"]),
    ({"input": ("age", {"datatype": "INT7"})}, 400, ["datatype 'INT7'"]),
    ({"input": ("age", {"shape": [1, 2]})}, 400, ["[rows] or [rows, 1]"]),
    ({"input": ("age", {"name": "height"})}, 400, ["'height' is not a column"]),
    ({"outputs": [{"name": "scores"}]}, 400, ["Unknown output 'scores'", "predict_proba"]),
    ({"raw": b"{not json"}, 400, ["not JSON"]),
    ({"raw": b'{"inputs": []}'}, 400, ["needs 'inputs'"]),
    ({"raw": b"x" * 70_000}, 413, ["larger than 65536 bytes", "--max-body"]),
    # Hostile bodies: the protocol's error, never a plain-text 500 or a reset connection.
    ({"raw": b'{"inputs": ' + b"[" * 20_000 + b"]" * 20_000 + b"}"}, 400,
     ["nested too deeply"]),
    ({"input": ("age", {"data": [10**40, 1]})}, 400, ["outside the range of INT64"]),
    ({"twice": "age"}, 400, ["'age' is given more than once"]),
])
def test_bad_requests_get_the_protocols_error(tracking: Any, trained: Trained,
                                              change: dict[str, Any], status: int,
                                              words: list[str]) -> None:
    register(trained, alias="champion")
    inputs = _column_inputs(trained.X.head(2))
    if "twice" in change:
        inputs += [i for i in inputs if i["name"] == change["twice"]]
    if "drop" in change:
        inputs = [i for i in inputs if i["name"] != change["drop"]]
    if "input" in change:
        name, update = change["input"]
        inputs = [{**i, **update} if i["name"] == name else i for i in inputs]
    request: dict[str, Any] = {"inputs": inputs}
    if "outputs" in change:
        request["outputs"] = change["outputs"]
    path = change.get("path", "/v2/models/churn/infer")
    with BackgroundServer("churn@champion", log_predictions=False,
                          max_body=64 * 1024) as server:
        if "raw" in change:
            answer = httpx.post(server.url + path, content=change["raw"])
        else:
            answer = httpx.post(server.url + path, json=request)
        # The server still answers good requests after a bad one.
        good = httpx.post(server.url + "/v2/models/churn/infer",
                          json={"inputs": _column_inputs(trained.X.head(2))})
    assert answer.status_code == status, answer.text
    error = answer.json()
    assert list(error) == ["error"] and "\n" not in error["error"]
    for word in words:
        assert word in error["error"]
    assert good.status_code == 200


def test_unknown_model_metadata_is_404(tracking: Any, trained: Trained) -> None:
    register(trained, alias="champion")
    with BackgroundServer("churn@champion", log_predictions=False) as server:
        for path in ("/v2/models/nope", "/v2/models/nope/ready",
                     "/v2/models/churn/versions/2", "/v2/models/churn/versions/2/ready"):
            answer = httpx.get(server.url + path)
            assert answer.status_code == 404, path
            assert set(answer.json()) == {"error"}
