"""The scoring server over real HTTP on loopback: forms, errors, hot alias switch, the log."""

from __future__ import annotations

import threading
import time

import httpx
import numpy as np
import pytest

from jupyter_mlops import models
from jupyter_mlops.models.serving import BackgroundServer

from .conftest import COLUMNS, register


def _split(frame):
    return {"dataframe_split": {"columns": list(frame.columns),
                                "data": frame.to_numpy().tolist()}}


def test_round_trip_forms_and_errors(tracking, trained):
    register(trained, alias="champion")
    rows = trained.X.head(5)
    expected = trained.good.predict(rows).tolist()
    with BackgroundServer("churn@champion", flush_interval=0.05) as server, \
            httpx.Client(base_url=server.url) as client:
        assert client.get("/health").json()["version"] == 1
        assert client.get("/ping").status_code == 200
        described = client.get("/version").json()
        assert (described["name"], described["version"], described["flavor"]) == (
            "churn", 1, "sklearn")
        records = rows.to_dict(orient="records")
        for body in (_split(rows), {"dataframe_records": records}, {"instances": records},
                     {"inputs": rows.to_dict(orient="list")},
                     {"instances": rows[COLUMNS].to_numpy().tolist()}):
            answer = client.post("/invocations", json=body)
            assert answer.status_code == 200, answer.text
            assert answer.json() == {"predictions": expected}
            assert answer.headers["x-model-version"] == "1"
        csv = client.post("/invocations", content=rows.to_csv(index=False),
                          headers={"content-type": "text/csv"})
        assert csv.json() == {"predictions": expected}

        malformed = client.post("/invocations", content=b'{"dataframe_split": [1,',
                                headers={"content-type": "application/json"})
        assert malformed.status_code == 400
        assert malformed.json()["error_code"] == "MALFORMED_REQUEST"
        for body in ({"columns": ["age"]}, {"dataframe_split": {}, "instances": []},
                     {"dataframe_split": {"columns": ["a", "b"], "data": [[1], [1, 2, 3]]}}):
            assert client.post("/invocations", json=body).status_code == 400, body
        assert client.post("/invocations", content=b"x", headers={
            "content-type": "application/xml"}).status_code == 415

        wrong = client.post("/invocations", json=_split(
            rows.drop(columns=["visits"]).assign(age="old")))
        assert wrong.status_code == 422
        assert wrong.json()["reasons"] == ["missing column 'visits'",
                                           "column 'age' (expected long, got string)"]
        unknown = client.post("/invocations", json=_split(rows.assign(plan="gold")))
        assert unknown.status_code == 422 and "rejected the input" in unknown.json()["message"]
        stats = server.app.state.prediction_log
    # Leaving the block flushed the log: every successful request, none of the failures.
    assert stats.pending == 0 and stats.logged == 6
    logged = models.predictions("churn")
    assert len(logged) == 6 * len(rows)
    assert list(logged["prediction"][:5]) == expected
    assert list(logged.columns[:4]) == COLUMNS
    np.testing.assert_allclose(logged["income"][:5], rows["income"])
    assert set(logged["version"]) == {1}


def test_hot_alias_switch_drops_no_request(tracking, trained):
    register(trained, alias="champion")
    register(trained, model=trained.bad)
    rows = trained.X.head(8)
    answers = {1: trained.good.predict(rows).tolist(), 2: trained.bad.predict(rows).tolist()}
    seen: list[tuple[int, int, list]] = []
    stop = threading.Event()
    with BackgroundServer("churn@champion", poll_interval=0.05, sample=0.5,
                          flush_interval=0.05) as server:

        def stream():
            with httpx.Client(base_url=server.url) as client:
                while not stop.is_set() or len(seen) < 50:
                    answer = client.post("/invocations", json=_split(rows))
                    version = int(answer.headers.get("x-model-version", 0))
                    seen.append((answer.status_code, version, answer.json()["predictions"]))

        clients = [threading.Thread(target=stream) for _ in range(3)]
        for client in clients:
            client.start()
        while len(seen) < 60:
            time.sleep(0.01)
        models.set_alias("churn", "champion", 2, reason="hot switch")
        deadline = time.monotonic() + 10
        while not any(v == 2 for _, v, _ in seen[-10:]) and time.monotonic() < deadline:
            time.sleep(0.02)
        count = len(seen)
        while len(seen) < count + 60:
            time.sleep(0.01)
        stop.set()
        for client in clients:
            client.join()
        health = httpx.get(f"{server.url}/health").json()
    assert {status for status, _, _ in seen} == {200}
    versions = [v for _, v, _ in seen]
    assert 1 in versions and 2 in versions
    # Each answer is the full answer of the version that says it gave it.
    assert all(predictions == answers[v] for _, v, predictions in seen)
    assert versions[-1] == 2 and health["version"] == 2
    # Sampling: about half the requests were logged, from both versions.
    logged = models.predictions("churn")
    requests = logged["request_id"].nunique()
    assert 0.25 * len(seen) < requests < 0.75 * len(seen)
    assert set(logged["version"]) == {1, 2}


def test_fixed_versions_and_logging_off(tracking, trained):
    register(trained, alias="champion")
    with BackgroundServer("churn/1", log_predictions=False) as server:
        assert server.app.state.prediction_log is None
        assert not server.app.state.holder.follows
        answer = httpx.post(f"{server.url}/invocations", json=_split(trained.X.head(2)))
        assert answer.status_code == 200
    assert models.predictions("churn").empty


def test_untrusted_model_does_not_start(tracking):
    import jupyter_mlops as mlops

    from .test_models_integrity import Doubler

    with mlops.start_run():
        models.register_model(models.log_model(Doubler()).uri, "doubler")
    with pytest.raises(models.UntrustedModel):
        BackgroundServer("doubler/1")
    with BackgroundServer("doubler/1", trust=True) as server:
        answer = httpx.post(f"{server.url}/invocations", json={"instances": [[1, 2]]})
    assert answer.json() == {"predictions": [6.0]}


def test_numeric_models_take_the_array_fast_path(tracking):
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    import jupyter_mlops as mlops

    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    model = LogisticRegression().fit(X, (X["a"] - X["c"] > 0).astype(int))
    with mlops.start_run():
        models.register_model(models.log_model(model, input_example=X).uri, "numeric")
    rows = X.head(6)
    expected = model.predict(rows).tolist()
    with BackgroundServer("numeric/1", flush_interval=0.05) as server:
        assert server.app.state.holder.active[1] == ("a", "b", "c")
        for frame in (rows, rows[["c", "a", "b"]]):
            answer = httpx.post(f"{server.url}/invocations", json=_split(frame))
            assert answer.json() == {"predictions": expected}
        # Integers are numbers too; text is still refused with the signature's reasons.
        whole = httpx.post(f"{server.url}/invocations", json={"dataframe_split": {
            "columns": ["a", "b", "c"], "data": [[1, 0, 2]]}})
        assert whole.json() == {"predictions": model.predict(
            pd.DataFrame([[1.0, 0.0, 2.0]], columns=["a", "b", "c"])).tolist()}
        text = httpx.post(f"{server.url}/invocations", json={"dataframe_split": {
            "columns": ["a", "b"], "data": [["x", 1.0]]}})
        assert text.status_code == 422
        assert text.json()["reasons"] == ["missing column 'c'",
                                          "column 'a' (expected double, got string)"]
    logged = models.predictions("numeric")
    assert list(logged.columns[:3]) == ["a", "b", "c"]
    np.testing.assert_allclose(logged[["a", "b", "c"]].to_numpy()[6:12],
                               rows.to_numpy())


def test_hostile_bodies_get_the_json_error(tracking, trained):
    register(trained, alias="champion")
    rows = trained.X.head(3)
    with BackgroundServer("churn@champion", log_predictions=False, max_body=64 * 1024) as server, \
            httpx.Client(base_url=server.url, timeout=60) as client:
        big = client.post("/invocations", content=b"x" * (65 * 1024),
                          headers={"content-type": "application/json"})
        assert big.status_code == 413 and big.json()["error_code"] == "REQUEST_TOO_LARGE"
        deep = client.post("/invocations", content=b"[" * 20_000 + b"]" * 20_000,
                           headers={"content-type": "application/json"})
        assert deep.status_code == 400, deep.text
        assert deep.json()["error_code"] == "MALFORMED_REQUEST"
        huge = _split(rows)
        huge["dataframe_split"]["data"][0][0] = 10**40
        answer = client.post("/invocations", json=huge)
        assert answer.status_code in (400, 422), answer.text
        assert answer.headers["content-type"] == "application/json"
        assert "error_code" in answer.json()
        duplicate = {"dataframe_split": {"columns": [COLUMNS[0], *COLUMNS],
                                         "data": [[1, *row] for row in rows.to_numpy().tolist()]}}
        answer = client.post("/invocations", json=duplicate)
        assert answer.status_code in (400, 422), answer.text
        assert "error_code" in answer.json()
        assert client.get("/ping").status_code == 200


def test_undeclared_params_are_ignored_with_a_warning_and_parquet_is_read(tracking, trained):
    import io

    register(trained, alias="champion")
    rows = trained.X.head(4)
    expected = trained.good.predict(rows).tolist()
    with BackgroundServer("churn@champion", log_predictions=False) as server, \
            httpx.Client(base_url=server.url, timeout=60) as client:
        answer = client.post("/invocations", json={**_split(rows), "params": {"top_k": 3}})
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"predictions": expected}
        assert "top_k" in answer.headers["warning"]
        plain = client.post("/invocations", json=_split(rows))
        assert "warning" not in plain.headers
        buffer = io.BytesIO()
        rows.to_parquet(buffer)
        parquet = client.post("/invocations", content=buffer.getvalue(),
                              headers={"content-type": "application/vnd.apache.parquet"})
        assert parquet.status_code == 200, parquet.text
        assert parquet.json() == {"predictions": expected}
        broken = client.post("/invocations", content=b"PAR1 not really",
                             headers={"content-type": "application/vnd.apache.parquet"})
        assert broken.status_code == 400
        assert broken.json()["error_code"] == "MALFORMED_REQUEST"


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_a_signal_stops_the_server_cleanly_and_loses_no_prediction(tracking, trained, sig):
    import os
    import signal
    import socket
    import subprocess
    import sys

    register(trained, alias="champion")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "JUPYTER_MLOPS_URI": tracking.uri,
           "JUPYTER_MLOPS_ARTIFACTS": tracking.artifacts}
    code = ("from jupyter_mlops.models.serving import serve; "
            f"serve('churn@champion', port={port}, flush_interval=3600, batch_size=10**6)")
    process = subprocess.Popen([sys.executable, "-c", code], cwd=tracking.root, env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                httpx.get(url + "/ping", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        rows = trained.X.head(2)
        for _ in range(5):
            answer = httpx.post(url + "/invocations", json=_split(rows), timeout=60)
            assert answer.status_code == 200
        process.send_signal(getattr(signal, sig))
        assert process.wait(timeout=120) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert len(models.predictions("churn")) == 5 * len(rows)


def test_cli_serve_fails_before_claiming_to_serve(tracking):
    from click.testing import CliRunner

    import jupyter_mlops as mlops
    from jupyter_mlops.cli import cli

    from .test_models_integrity import Doubler

    missing = CliRunner().invoke(cli, ["models", "serve", "nosuchmodel@champion"])
    assert missing.exit_code != 0
    assert "Serving" not in missing.output and "nosuchmodel" in missing.output
    with mlops.start_run():
        models.register_model(models.log_model(Doubler()).uri, "doubler")
    refused = CliRunner().invoke(cli, ["models", "serve", "doubler/1"])
    assert refused.exit_code != 0
    assert "--trust" in refused.output and "Serving" not in refused.output
    assert "Traceback" not in refused.output
    helped = CliRunner().invoke(cli, ["models", "serve", "--help"])
    assert "pickle" in helped.output and "logged elsewhere" in helped.output
