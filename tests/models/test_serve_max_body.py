"""`jupyter mlops serve --max-body`: the request-size limit, set from the command line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from jupyter_mlops.cli import cli
from tests.processes import stop

from .conftest import Trained, register


def _split(rows: Any) -> dict[str, Any]:
    return {"dataframe_split": {"columns": list(rows.columns), "data": rows.to_numpy().tolist()}}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(tracking: Any, trained: Trained) -> Iterator[str]:
    """The URL of `jupyter mlops serve churn@champion --max-body 4KiB`, in a real process."""
    register(trained, alias="champion")
    port = _free_port()
    env = {
        **os.environ,
        "JUPYTER_MLOPS_URI": tracking.uri,
        "JUPYTER_MLOPS_ARTIFACTS": tracking.artifacts,
    }
    code = "import sys; from jupyter_mlops.cli import cli; cli(sys.argv[1:])"
    args = ["serve", "churn@champion", "--port", str(port), "--no-log", "--max-body", "4KiB"]
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


def test_a_body_over_max_body_is_413_naming_the_option(served: str, trained: Trained) -> None:
    small = httpx.post(served + "/invocations", json=_split(trained.X.head(2)), timeout=60)
    assert small.status_code == 200, small.text
    assert len(small.json()["predictions"]) == 2
    # 300 rows are far past 4 KiB as JSON.
    large = httpx.post(served + "/invocations", json=_split(trained.X), timeout=60)
    assert large.status_code == 413
    error = large.json()
    assert set(error) == {"error_code", "message", "reasons"}
    assert "--max-body" in error["message"] and "4096 bytes" in error["message"]


@pytest.mark.parametrize("value", ["-1", "abc", "0", "10XB"])
def test_a_bad_max_body_is_a_one_line_usage_error(value: str) -> None:
    done = CliRunner().invoke(cli, ["serve", "churn@champion", "--max-body", value])
    assert done.exit_code == 2
    assert "Traceback" not in done.output
    complaint = [line for line in done.output.splitlines() if line.startswith("Error")]
    assert len(complaint) == 1 and "--max-body" in complaint[0] and "is not a size" in complaint[0]


def test_max_body_is_in_the_help() -> None:
    helped = CliRunner().invoke(cli, ["serve", "--help"])
    assert "--max-body" in helped.output and "256MiB" in helped.output
