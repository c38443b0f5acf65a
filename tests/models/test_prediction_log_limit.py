"""The prediction log keeps at most ``log_max_rows`` rows of one request, and says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

import jupyter_mlops as mlops
from jupyter_mlops import models
from jupyter_mlops.models.serving import BackgroundServer

from .conftest import register


def _split(frame: pd.DataFrame) -> dict:
    return {"dataframe_split": {"columns": list(frame.columns),
                                "data": frame.to_numpy().tolist()}}


def test_a_large_request_is_logged_as_a_marked_sample(tracking, trained):
    register(trained, alias="champion")
    big, small = trained.X.head(250), trained.X.head(3)
    expected = dict(zip(big.index, trained.good.predict(big).tolist(), strict=True))
    with BackgroundServer("churn@champion", flush_interval=0.05, log_max_rows=40) as server, \
            httpx.Client(base_url=server.url) as client:
        assert client.post("/invocations", json=_split(big)).status_code == 200
        assert client.post("/invocations", json=_split(small)).status_code == 200
        server.app.state.prediction_log.flush()
        assert client.get("/health").json()["prediction_log"]["sampled"] == 1
    first, second = mlops.session.current().store.registry.predictions("churn")
    # The record keeps the request's true size and marks the sample; the small one is whole.
    assert (first.rows, first.inputs["sampled_from"], len(first.inputs["data"])) == (250, 250, 40)
    assert (second.rows, "sampled_from" in second.inputs, len(second.inputs["data"])) == (
        3, False, 3)
    logged = models.predictions("churn")
    assert len(logged) == 43
    sample = logged.head(40)
    # Each kept row still sits beside its own prediction, in request order, without repeats.
    # income is a distinct float per row: it finds each logged row's place in the request.
    where = {round(v, 6): i for i, v in big["income"].items()}
    positions = pd.Series([where[round(v, 6)] for v in sample["income"]])
    assert positions.is_monotonic_increasing and positions.is_unique
    assert list(sample["prediction"]) == [expected[i] for i in positions]
    pd.testing.assert_frame_equal(sample[list(big.columns)].reset_index(drop=True),
                                  big.loc[positions].reset_index(drop=True),
                                  check_dtype=False)


def test_the_numeric_fast_path_is_sampled_too(tracking):
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.normal(size=(500, 2)), columns=["a", "b"])
    model = LinearRegression().fit(X, X["a"] * 2 + X["b"])
    with mlops.start_run():
        models.register_model(models.log_model(model, input_example=X).uri, "lin")
    with BackgroundServer("lin/1", flush_interval=0.05, log_max_rows=25) as server:
        assert httpx.post(f"{server.url}/invocations", json=_split(X)).status_code == 200
    logged = models.predictions("lin")
    assert len(logged) == 25
    np.testing.assert_allclose(logged["prediction"], model.predict(logged[["a", "b"]]))


def test_a_bad_row_limit_is_one_line():
    jupyter = str(Path(sys.executable).with_name("jupyter"))
    done = subprocess.run([jupyter, "mlops", "models", "serve", "churn@champion",
                           "--log-max-rows", "0"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "--log-max-rows" in done.stderr and "Traceback" not in done.stderr


def test_the_help_shows_the_servers_own_defaults():
    # The CLI names them without importing the serving stack; they must not drift apart.
    from jupyter_mlops.cli.models import serve
    from jupyter_mlops.models.serving.app import MAX_BODY
    from jupyter_mlops.models.serving.predlog import MAX_ROWS

    shown = {option.name: getattr(option, "show_default", None) for option in serve.params}
    assert shown["log_max_rows"] == str(MAX_ROWS)
    assert shown["max_body"] == f"{MAX_BODY // 2**20}MiB"
