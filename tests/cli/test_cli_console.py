"""The installed executables, in real processes: `jupyter mlops` and `jupyter-mlops`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
           "COLUMNS": "200"}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def _refuse(token: str) -> None:
    raise AssertionError(f"not valid JSON: {token}")


@pytest.fixture
def executables() -> tuple[Path, Path]:
    jupyter, console = BIN / "jupyter", BIN / "jupyter-mlops"
    if not console.exists():
        pytest.fail("jupyter-mlops is not installed: run `.venv/bin/pip install -e .`")
    return jupyter, console


def test_jupyter_subcommand_info(populated, tracking, executables):
    jupyter, _ = executables
    done = _run([str(jupyter), "mlops", "--uri", tracking.uri, "--artifacts", tracking.artifacts,
                 "info", "--json"], cwd=tracking.root)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout, parse_constant=_refuse)
    assert data["runs"] == 5 and data["workspace"] == str(tracking.root)
    table = _run([str(jupyter), "mlops", "info"], cwd=tracking.root / ".mlops")
    assert table.returncode == 0, table.stderr
    assert str(tracking.root) in table.stdout


def test_console_script_lists_runs_as_json(populated, tracking, executables):
    _, console = executables
    done = _run([str(console), "--uri", tracking.uri, "--artifacts", tracking.artifacts,
                 "runs", "list", "--json", "-e", "grid"], cwd=tracking.root)
    assert done.returncode == 0, done.stderr
    records = json.loads(done.stdout, parse_constant=_refuse)
    assert {r["id"] for r in records} == {populated.low, populated.high}
    assert all(r["metrics"]["nan_metric"] == "NaN" for r in records)


def test_error_in_a_real_process_is_one_line(tracking, executables):
    jupyter, _ = executables
    done = _run([str(jupyter), "mlops", "--uri", tracking.uri, "--artifacts", tracking.artifacts,
                 "runs", "show", "abcdef12"], cwd=tracking.root)
    assert done.returncode == 3
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("Error: No run")
