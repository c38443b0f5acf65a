"""Finding the notebook: a real Jupyter server's sessions API, the session name, papermill."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from jupyter_mlops.notebook import notebook_path, papermill_info


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _request(url: str, token: str, method: str = "GET", body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"token {token}")
    request.add_header("Content-Type", "application/json")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


@pytest.fixture
def server(tmp_path, monkeypatch):
    """A real `jupyter server` on loopback with a token and its own runtime folder."""
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    runtime = tmp_path / "runtime"
    port, token = _free_port(), "t0ken-for-tests"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime)}
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0", "--allow-root"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not list(runtime.glob("jpserver-*.json")):
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("jupyter server did not start")
            time.sleep(0.2)
        monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(runtime))
        yield url, token, root
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_sessions_api_names_the_notebook_of_a_kernel(server):
    url, token, root = server
    notebook = root / "sub" / "analysis.ipynb"
    notebook.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4,
                                    "nbformat_minor": 5}))
    session = _request(f"{url}/api/sessions", token, "POST",
                       {"path": "sub/analysis.ipynb", "name": "analysis.ipynb",
                        "type": "notebook", "kernel": {"name": "python3"}})
    try:
        servers = notebook_path.running_servers()
        assert [s["url"].rstrip("/") for s in servers] == [url]
        kernel = session["kernel"]["id"]
        assert notebook_path.notebook_from_servers(kernel) == notebook.resolve()
        assert notebook_path.notebook_from_servers("no-such-kernel") is None
        # A server that refuses the token (a password-only server) gives no sessions.
        assert notebook_path.sessions({"url": url + "/", "token": "wrong"}) == []
    finally:
        _request(f"{url}/api/sessions/{session['id']}", token, "DELETE")


def test_session_name_relative_to_the_server_root(tmp_path):
    notebook = tmp_path / "a" / "b" / "nb.ipynb"
    notebook.parent.mkdir(parents=True)
    notebook.write_text("{}")
    found = notebook_path.notebook_from_session_name("a/b/nb.ipynb", tmp_path / "a" / "b")
    assert found == notebook.resolve()
    assert notebook_path.notebook_from_session_name(str(notebook), Path("/")) == notebook
    assert notebook_path.notebook_from_session_name("a/b/gone.ipynb", tmp_path / "a" / "b") \
        is None


def test_papermill_injected_cell_parsing():
    source = "# Parameters\nalpha = 0.5\nname = \"x\"\nlayers = [1, 2]\nfn = len\n"
    assert papermill_info.parse_parameters(source) == {"alpha": 0.5, "name": "x",
                                                       "layers": [1, 2], "fn": "len"}


def test_papermill_cli_command_line_gives_absolute_paths(tmp_path):
    argv = ["/usr/bin/python3", "/venv/bin/papermill", "in.ipynb", "out/o.ipynb", "-p", "a",
            "1", "--cwd", "/elsewhere"]
    assert papermill_info._cli_paths(argv, str(tmp_path)) == (
        str(tmp_path / "in.ipynb"), str(tmp_path / "out" / "o.ipynb"))
    assert papermill_info._cli_paths(["python", "train.py"], str(tmp_path)) is None
