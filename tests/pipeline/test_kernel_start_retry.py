"""A kernel that never answers after it starts is replaced once by a fresh one (issue 15).

CI failed once on "Kernel didn't respond in 60 seconds" from a loaded machine. The kernels here
are real kernelspecs: one whose first process hangs without answering while every later one is
a real ipykernel, and one that always hangs. The first step must finish with the second kernel
and say that it replaced the first; the second must fail in one line that says what to do.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from jupyter_mlops.cli import cli
from jupyter_mlops.records import RunStatus
from jupyter_mlops.tracking.queries import search_runs

from .pipeline_helpers import sqlite_only, write_pipeline

# argv[1]: a marker file; argv[2]: the connection file. The first launch makes the marker and
# hangs (started, never answering); a launch that finds it becomes a real ipykernel.
HANGS_ONCE = """\
import os, sys, time
try:
    os.close(os.open(sys.argv[1], os.O_CREAT | os.O_EXCL))
except FileExistsError:
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", "-f", sys.argv[2]])
time.sleep(600)
"""
HANGS = "import time; time.sleep(600)"


def _run_with_kernel(project: Path, jupyter: Path, monkeypatch: pytest.MonkeyPatch,
                     name: str, argv: list[str], timeout: int) -> Result:
    """Run a one-step pipeline whose step uses the kernelspec ``name`` launching ``argv``."""
    spec = jupyter / "kernels" / name
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": argv, "display_name": name, "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter))
    monkeypatch.setenv("JUPYTER_MLOPS_KERNEL_START_TIMEOUT", str(timeout))
    write_pipeline(project, f"""\
        name: kernel-start
        steps:
          prepare:
            notebook: notebooks/prepare.ipynb
            kernel: {name}
            params: {{test_size: 0.3}}
            inputs: [data/raw.csv]
            outputs: [data/prepared]
        """)
    return CliRunner().invoke(cli, ["pipeline", "run", "--no-progress"], catch_exceptions=False)


@sqlite_only
def test_a_kernel_that_never_answers_is_replaced_once(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    marker, launcher = tmp_path / "first-kernel-started", tmp_path / "hangs_once.py"
    launcher.write_text(HANGS_ONCE)
    result = _run_with_kernel(project, tmp_path / "jupyter", monkeypatch, "hangs-once", [
        sys.executable, str(launcher), str(marker), "{connection_file}"], timeout=4)
    assert result.exit_code == 0, result.output
    assert marker.exists()
    assert (project / "data" / "prepared").exists()
    assert any("did not answer within 4 s" in r.getMessage() for r in caplog.records)
    runs = search_runs(filter="tags.`mlops.pipeline.step` = 'prepare'")
    assert [r.status for r in runs] == [RunStatus.FINISHED]


@sqlite_only
def test_a_kernel_that_never_answers_twice_fails_the_step_in_one_message(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run_with_kernel(project, tmp_path / "jupyter", monkeypatch, "hangs", [
        sys.executable, "-c", HANGS, "{connection_file}"], timeout=2)
    assert result.exit_code == 1, result.output
    first = result.stderr.splitlines()[0]
    assert first.startswith("Step 'prepare' failed: RuntimeError: Kernel didn't respond in 2 "
                            "seconds, twice:"), result.stderr
    assert "JUPYTER_MLOPS_KERNEL_START_TIMEOUT" in first
    # What follows is the kernel's own output (its log tail), never a traceback of ours.
    assert "jupyter_mlops" not in result.stderr
