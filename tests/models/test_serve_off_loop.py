"""A prediction of many rows runs off the event loop: `/ping` and other clients never wait.

The model holds a request of more rows than the server predicts inline until the test lets
it go, so while it is held the event loop either answers (the prediction is in the thread
pool) or cannot (it is on the loop, and the probes time out). Both protocols: MLflow's
``/invocations`` and the Open Inference Protocol's infer, whose small-bodied request of many
rows (one column of small integers) once predicted on the loop.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

import jupyter_mlops as mlops
from jupyter_mlops import models
from jupyter_mlops.models.serving import BackgroundServer
from jupyter_mlops.models.serving.wire import THREADPOOL_BYTES, THREADPOOL_ROWS

ENTERED = threading.Event()
RELEASE = threading.Event()
HELD_ROWS = THREADPOOL_ROWS + 88


class Gate:
    """Predicts 0 for each row; holds a request of more than THREADPOOL_ROWS rows until let go."""

    def predict(self, rows: Any) -> Any:
        if len(rows) > THREADPOOL_ROWS:
            ENTERED.set()
            RELEASE.wait(120)
        return np.zeros(len(rows), dtype="int64")


def _request(form: str, rows: int) -> tuple[str, dict[str, Any]]:
    if form == "invocations":
        return "/invocations", {"dataframe_split": {"columns": ["x"], "data": [[1]] * rows}}
    return "/v2/models/gate/infer", {"inputs": [{"name": "x", "shape": [rows],
                                                 "datatype": "INT64", "data": [1] * rows}]}


@pytest.mark.parametrize("form", ["invocations", "v2"])
@pytest.mark.parametrize("workspace", ["sqlite"], indirect=True)
def test_a_held_prediction_of_many_rows_never_stalls_the_others(tracking: Any,
                                                                form: str) -> None:
    with mlops.start_run():
        logged = models.log_model(Gate(), input_example=pd.DataFrame({"x": [1, 2, 3]}))
    models.register_model(logged.uri, "gate")
    path, held_body = _request(form, HELD_ROWS)
    # The point is a small body of many rows: parsed inline, predicted in the pool.
    assert len(httpx.Request("POST", "http://x", json=held_body).content) < THREADPOOL_BYTES
    ENTERED.clear()
    RELEASE.clear()
    held: dict[str, Any] = {}
    with BackgroundServer("gate/1", trust=True, log_predictions=False) as server, \
            httpx.Client(base_url=server.url, timeout=30) as client:
        def send() -> None:
            with httpx.Client(base_url=server.url, timeout=180) as own:
                held["answer"] = own.post(path, json=held_body)

        sender = threading.Thread(target=send)
        sender.start()
        try:
            assert ENTERED.wait(60), "the held request never reached the model"
            # The model holds the request; the loop must still answer everyone else.
            assert client.get("/ping").status_code == 200
            assert client.get("/v2/health/ready").status_code == 200
            small_path, small_body = _request(form, 3)
            small = client.post(small_path, json=small_body)
            assert small.status_code == 200, small.text
            assert "answer" not in held  # still held while the others were answered
        finally:
            RELEASE.set()
            sender.join(180)
    answer = held["answer"]
    assert answer.status_code == 200, answer.text
    body = answer.json()
    predictions = (body["predictions"] if form == "invocations"
                   else body["outputs"][0]["data"])
    assert predictions == [0] * HELD_ROWS
