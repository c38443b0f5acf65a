"""A kernel that never answers after it starts is replaced once by a fresh one (issue 15).

CI failed once on "Kernel didn't respond in 60 seconds" from a loaded machine. The kernel here
is a real kernelspec: its first process hangs without answering; every later one is a real
ipykernel. The step must finish with the second kernel and say that it replaced the first.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from jupyter_mlops.cli import cli
from jupyter_mlops.records import RunStatus
from jupyter_mlops.tracking.queries import search_runs

from .pipeline_helpers import sqlite_only, write_pipeline

LAUNCHER = """\
import os, sys, time
marker = sys.argv[1]
try:
    os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
except FileExistsError:
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", "-f", sys.argv[2]])
time.sleep(600)  # the first kernel: started, never answering
"""


def _kernelspec(root: Path, marker: Path, name: str, argv_tail: list[str]) -> None:
    spec = root / "jupyter" / "kernels" / name
    spec.mkdir(parents=True)
    launcher = spec / "launch.py"
    launcher.write_text(LAUNCHER)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, str(launcher), str(marker), *argv_tail],
        "display_name": name, "language": "python"}))


@sqlite_only
def test_a_kernel_that_never_answers_is_replaced_once(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    marker = tmp_path / "first-kernel-started"
    _kernelspec(tmp_path, marker, "hangs-once", ["{connection_file}"])
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_MLOPS_KERNEL_START_TIMEOUT", "4")
    write_pipeline(project, """\
        name: flaky-start
        steps:
          prepare:
            notebook: notebooks/prepare.ipynb
            kernel: hangs-once
            params: {test_size: 0.3}
            inputs: [data/raw.csv]
            outputs: [data/prepared]
        """)
    result = CliRunner().invoke(cli, ["pipeline", "run", "--no-progress"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert marker.exists()
    assert (project / "data" / "prepared").exists()
    assert any("did not answer within 4 s" in r.getMessage() for r in caplog.records)
    runs = search_runs(filter="tags.`mlops.pipeline.step` = 'prepare'")
    assert [r.status for r in runs] == [RunStatus.FINISHED]


@sqlite_only
def test_a_kernel_that_never_answers_twice_fails_the_step_in_one_message(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = tmp_path / "jupyter" / "kernels" / "hangs"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", "import time; time.sleep(600)", "{connection_file}"],
        "display_name": "hangs", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_MLOPS_KERNEL_START_TIMEOUT", "2")
    write_pipeline(project, """\
        name: never-starts
        steps:
          prepare:
            notebook: notebooks/prepare.ipynb
            kernel: hangs
            params: {test_size: 0.3}
            inputs: [data/raw.csv]
            outputs: [data/prepared]
        """)
    result = CliRunner().invoke(cli, ["pipeline", "run", "--no-progress"],
                                catch_exceptions=False)
    assert result.exit_code == 1, result.output
    first = result.stderr.splitlines()[0]
    assert first.startswith("Step 'prepare' failed: RuntimeError: Kernel didn't respond in 2 "
                            "seconds, twice:"), result.stderr
    assert "JUPYTER_MLOPS_KERNEL_START_TIMEOUT" in first
    # What follows is the kernel's own output (its log tail), never a traceback of ours.
    assert "jupyter_mlops" not in result.stderr
