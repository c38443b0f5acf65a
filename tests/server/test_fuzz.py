"""Schemathesis drives a live Jupyter server from the OpenAPI spec: no input yields a 500."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib import resources

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.browser.conftest import TOKEN, start_lab, stop_lab

PREPARE = textwrap.dedent(
    """
    import jupyter_mlops as mlops
    with mlops.start_run(experiment="fuzz") as run:
        mlops.log_param("C", 1)
        for i in range(20):
            mlops.log_metric("loss", 1 / (i + 1))
        mlops.log_text("x", "a/b.txt")
    print(run.id)
    """
)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("fuzz")
    (root / ".mlops").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_MLOPS_")}
    subprocess.run([sys.executable, "-c", PREPARE], cwd=root, env=env, check=True)
    base, proc = start_lab(root)
    try:
        yield base
    finally:
        stop_lab(proc)


def test_no_input_makes_the_server_fail(live: str):
    from hypothesis import given

    path = resources.files("jupyter_mlops.server").joinpath("openapi.yaml")
    schema = schemathesis.openapi.from_path(str(path))
    schema.config.update(base_url=f"{live}/jupyter-mlops/api")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        def check(case) -> None:
            response = case.call(headers={"Authorization": f"token {TOKEN}"})
            assert response.status_code < 500, (case.path, case.path_parameters, case.query,
                                                response.text[:300])
            if response.status_code >= 400:
                assert set(response.json()) == {"error"}, response.text[:300]

        check()
