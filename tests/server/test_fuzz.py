"""Schemathesis drives a live Jupyter server from the OpenAPI spec: no input yields a 500,
and every answer conforms to the spec (status, media type, body schema).

The workspace holds a finished run with params, metrics and an artifact, a dataset with two
versions, a registered model with two versions and two aliases, and a saved drift report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jupyter_mlops.server.spec import load_spec
from tests.browser.conftest import TOKEN, start_lab, stop_lab

CONFORMANCE = [status_code_conformance, content_type_conformance, response_schema_conformance]

PREPARE = textwrap.dedent(
    """
    import json

    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    import jupyter_mlops as mlops

    with mlops.start_run(experiment="fuzz") as run:
        mlops.log_param("C", 1)
        for i in range(20):
            mlops.log_metric("loss", 1 / (i + 1))
        mlops.log_text("x", "a/b.txt")
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"age": rng.integers(18, 80, 80).astype("int64"),
                          "income": rng.normal(50_000, 9_000, 80),
                          "plan": rng.choice(["basic", "pro"], 80)})
    mlops.version_data(frame, "customers")
    mlops.version_data(frame.assign(income=frame["income"] * 1.5).head(60), "customers")
    with mlops.start_run(experiment="churn"):
        model = LogisticRegression().fit(frame[["age", "income"]], frame["income"] > 50_000)
        logged = mlops.log_model(model, input_example=frame[["age", "income"]].head(5))
    mlops.register_model(logged.uri, "churn", alias="champion", reason="first model")
    mlops.register_model(logged.uri, "churn", description="same model, retrained")
    mlops.set_alias("churn", "staging", 2, reason="try it")
    report = mlops.drift_report("customers@1", "customers@2", model="churn@champion")
    report.save(name="nightly")
    print(json.dumps({"run_id": run.id, "report_id": report.id}))
    """
)


@dataclass
class Live:
    """A running JupyterLab and the ids of what its workspace holds."""

    base: str
    run_id: str
    report_id: str


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    root = tmp_path_factory.mktemp("fuzz")
    (root / ".mlops").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_MLOPS_")}
    made = subprocess.run([sys.executable, "-c", PREPARE], cwd=root, env=env, check=True,
                          capture_output=True, text=True)
    ids = json.loads(made.stdout.strip().splitlines()[-1])
    base, proc = start_lab(root)
    try:
        yield Live(base, ids["run_id"], ids["report_id"])
    finally:
        stop_lab(proc)


def known_values(live: Live) -> tuple[Callable[[str], dict[str, list[Any]]],
                                      dict[str, list[Any]]]:
    """Path values (by route) and query values that name what the workspace holds.

    Random strings almost never name a stored model, dataset, report or column, so the
    routes would only ever see "not found"; mixing these in drives them through real data.
    """

    def path(route: str) -> dict[str, list[Any]]:
        return {
            "run_id": [live.run_id, live.run_id[-8:], live.run_id.upper()],
            "key": ["loss", "C"],
            "path": ["a/b.txt", "a", "a/../a/b.txt"],
            "name": ["customers"] if route.startswith("/datasets") else ["churn"],
            "alias": ["champion", "staging"],
            "report_id": [live.report_id, live.report_id[-8:]],
        }

    query = {
        "experiment": [["fuzz"], ["churn", "fuzz"]],
        "filter": ["metrics.loss < 0.5", "params.C = '1'", "status = 'FINISHED'"],
        "order_by": [["metrics.loss DESC"], ["params.C", "start_time DESC"]],
        "version": [1, 2],
        "alias": ["champion", "staging"],
        "a": [1, 2],
        "b": [1, 2],
        "name": ["nightly"],
        "column": ["age", "income", "plan"],
    }
    return path, query


def test_no_input_makes_the_server_fail(live: Live):
    from hypothesis import given
    from hypothesis import strategies as st

    schema = schemathesis.openapi.from_dict(load_spec())
    schema.config.update(base_url=f"{live.base}/jupyter-mlops/api")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 16
    known_path, known_query = known_values(live)
    for operation in operations:

        @given(case=operation.as_strategy(), data=st.data())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        def check(case, data) -> None:
            # Each parameter names stored data or keeps its fuzzed value (the last choice).
            for name in list(case.path_parameters or {}):
                values = known_path(case.operation.path).get(name, [])
                choice = data.draw(st.sampled_from([*values, None]))
                if choice is not None:
                    case.path_parameters[name] = choice
            for name in list(case.query or {}):
                choice = data.draw(st.sampled_from([*known_query.get(name, []), None]))
                if choice is not None:
                    case.query[name] = choice
            response = case.call(headers={"Authorization": f"token {TOKEN}"})
            assert response.status_code < 500, (case.method, case.path, case.path_parameters,
                                                case.query, case.body, response.text[:300])
            if response.status_code >= 400:
                assert set(response.json()) == {"error"}, response.text[:300]
            # The answer is the one the spec documents: its status, media type and body.
            case.validate_response(response, checks=CONFORMANCE)

        check()
