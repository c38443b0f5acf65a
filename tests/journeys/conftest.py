"""Helpers of the journey tests: the real faces, driven as a user drives them.

A notebook executed cell by cell by a real kernel (nbclient), the CLI as a subprocess, a
standalone server as a subprocess reached over HTTP, each in one workspace folder whose store
is SQLite or the test PostgreSQL server. Nothing of ours is called in-process.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

BIN = Path(sys.executable).parent

# The first cells of a wine notebook: the extension, the API, the data split for training.
WINE_SETUP = [
    "%load_ext jupyter_mlops",
    "import jupyter_mlops as mlops\n"
    "from sklearn.datasets import load_wine\n"
    "from sklearn.ensemble import RandomForestClassifier\n"
    "from sklearn.model_selection import train_test_split\n"
    "X, y = load_wine(return_X_y=True, as_frame=True)\n"
    "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
]


@dataclass
class Journey:
    """One user's workspace folder and the environment every face of the journey runs in."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)

    def notebook(self, cells: Sequence[str], name: str = "journey.ipynb",
                 timeout: int = 600) -> Any:
        """Write ``cells`` as a notebook, execute it with a real kernel, return the result."""
        import nbformat
        from nbclient import NotebookClient

        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
        path = self.root / name
        nbformat.write(nb, path)
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(self.root)}})
        # The kernel inherits this environment: the same store as the CLI calls below.
        saved = dict(os.environ)
        os.environ.update(self.env, JUPYTER_MLOPS_NOTEBOOK=str(path))
        try:
            client.execute()
        finally:
            os.environ.clear()
            os.environ.update(saved)
        nbformat.write(nb, path)
        return nb

    def cli(self, *args: str, check: bool = True, timeout: int = 300
            ) -> subprocess.CompletedProcess[str]:
        """``jupyter-mlops ARGS`` as a subprocess in the workspace; fails the test on error."""
        # A wide terminal, as most users have: tables are read line by line below.
        done = subprocess.run([str(BIN / "jupyter-mlops"), *args], cwd=self.root,
                              env={**os.environ, "COLUMNS": "200", **self.env},
                              capture_output=True, text=True,
                              timeout=timeout)
        if check and done.returncode != 0:
            raise AssertionError(f"jupyter-mlops {' '.join(args)} exited {done.returncode}:\n"
                                 f"{done.stdout}\n{done.stderr}")
        return done

    def python(self, code: str, check: bool = True, timeout: int = 300
               ) -> subprocess.CompletedProcess[str]:
        """``python -c CODE`` in a fresh process in the workspace."""
        done = subprocess.run([sys.executable, "-c", code], cwd=self.root,
                              env={**os.environ, **self.env}, capture_output=True, text=True,
                              timeout=timeout)
        if check and done.returncode != 0:
            raise AssertionError(f"python -c exited {done.returncode}:\n{done.stdout}\n"
                                 f"{done.stderr}")
        return done

    def start(self, *args: str) -> subprocess.Popen[str]:
        """``jupyter-mlops ARGS`` left running (a server); the caller stops it."""
        return subprocess.Popen([str(BIN / "jupyter-mlops"), *args], cwd=self.root,
                                env={**os.environ, **self.env}, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)


def outputs(nb: Any, index: int) -> str:
    """The text a notebook cell showed: streams, text/plain results and error lines."""
    parts = []
    for output in nb.cells[index].get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif "data" in output:
            parts.append(str(output["data"].get("text/plain", "")))
        elif output.get("output_type") == "error":
            parts.append("\n".join(output.get("traceback", [])))
    return "\n".join(parts)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, process: subprocess.Popen[str], timeout: float = 120) -> None:
    """Wait until ``url`` answers (or the server process exited, which fails the test)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited {process.returncode}: "
                                 f"{process.stdout.read() if process.stdout else ''}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def post_json(url: str, body: Any) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def journey(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Journey]:
    """A fresh workspace folder; over PostgreSQL the store is a fresh test database."""
    env = {"JUPYTER_MLOPS_CAPTURE_PACKAGES": "false", "JUPYTER_MLOPS_CAPTURE_GIT": "false"}
    root = tmp_path / "work"
    root.mkdir()
    (root / ".mlops").mkdir()
    if request.param == "postgresql":
        env["JUPYTER_MLOPS_URI"] = request.getfixturevalue("postgres_url")
        env["JUPYTER_MLOPS_ARTIFACTS"] = str(root / ".mlops" / "artifacts")
    yield Journey(root, env)


JUPYTER_TOKEN = "journey"


@contextlib.contextmanager
def jupyter_server(journey: Journey) -> Iterator[str]:
    """A real Jupyter server (with the extension) on the workspace; yields its base URL."""
    port = free_port()
    config = journey.root.parent / "jupyter-config"
    config.mkdir(exist_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={JUPYTER_TOKEN}",
         f"--ServerApp.root_dir={journey.root}", "--allow-root"],
        cwd=journey.root, env={**os.environ, **journey.env, "JUPYTER_CONFIG_DIR": str(config)},
        # A file, not a pipe: a server's log must never fill a buffer nobody reads.
        stdout=(config / "server.log").open("w"), stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/api/status?token={JUPYTER_TOKEN}", process)
        yield base
    finally:
        from tests.processes import stop

        stop(process, timeout=30)


def get_json(url: str) -> Any:
    """GET ``url`` with the journey server's token; the decoded JSON answer."""
    request = urllib.request.Request(url, headers={"Authorization": f"token {JUPYTER_TOKEN}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())
