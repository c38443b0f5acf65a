"""A real `jupyter lab` on a prepared workspace, driven by Debian's Chromium via Playwright."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
TOKEN = "mlops-browser-test"
CHROME_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
OUTPUT = Path(os.environ.get("MLOPS_TEST_OUTPUT", Path(__file__).parents[2] / "test-output"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_lab(root: Path, env_extra: dict[str, str] | None = None) -> tuple[str, subprocess.Popen]:
    """Start JupyterLab on ``root`` with isolated settings; returns (base URL, process)."""
    settings = root / ".lab" / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    # No "Jupyter news?" toast over the UI.
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    port = _free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(root / ".lab" / "config"), **(env_extra or {}))
    log = (root / ".lab" / "lab.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
         f"--ServerApp.root_dir={root}", "--allow-root",
         f"--LabApp.workspaces_dir={root / '.lab' / 'workspaces'}",
         f"--LabApp.user_settings_dir={root / '.lab' / 'settings'}",
         # window.jupyterapp lets a test run JupyterLab commands (switching the theme).
         "--LabApp.expose_app_in_browser=True"],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
            return base, proc
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                raise RuntimeError((root / ".lab" / "lab.log").read_text()) from None
            time.sleep(0.5)


def clean_env() -> dict[str, str]:
    """This environment without the workspace a test session may have chosen."""
    return {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_MLOPS_")}


@contextlib.contextmanager
def prepared_lab(root: Path, script: str) -> Iterator[str]:
    """Run ``script`` in a new workspace at ``root``, then serve it with JupyterLab."""
    (root / ".mlops").mkdir()
    subprocess.run([sys.executable, "-c", script], cwd=root, env=clean_env(), check=True)
    base, proc = start_lab(root)
    try:
        yield base
    finally:
        stop_lab(proc)


def stop_lab(proc: subprocess.Popen) -> None:
    proc.terminate()  # by its own PID, never by name
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"No Chromium at {CHROMIUM}; scripts/test installs Debian's chromium.")
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def output_dir() -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT
