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


# A filter over MAX_FILTER_CHARS cannot be passed at all: Linux caps one argument at 128 KiB.
@pytest.mark.parametrize("shape", ["deep", "wide"])
def test_a_filter_past_the_parser_limits_is_one_line_and_exit_2(tracking, executables, shape):
    """Refused by its bounds: no 3,000-line RecursionError, no 'store cannot be reached'."""
    from jupyter_mlops.store.query import MAX_DEPTH, MAX_TERMS

    query, limit = {
        "deep": ("(" * 500 + "metrics.a > 1" + ")" * 500, f"deeper than {MAX_DEPTH}"),
        "wide": (" or ".join(["metrics.a > 1"] * 2000), f"more than {MAX_TERMS} comparisons"),
    }[shape]
    jupyter, _ = executables
    done = _run([str(jupyter), "mlops", "--uri", tracking.uri, "--artifacts", tracking.artifacts,
                 "runs", "list", "--filter", query], cwd=tracking.root)
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1, done.stderr[-2000:]
    assert done.stderr.startswith("Error: ") and limit in done.stderr
    assert "Traceback" not in done.stderr and "cannot be reached" not in done.stderr
