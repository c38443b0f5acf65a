"""`jupyter mlops pipeline ...` and `jupyter mlops reproduce` through click, and a real Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from jupyter_mlops.cli import cli
from jupyter_mlops.records import RunStatus
from jupyter_mlops.session import current
from jupyter_mlops.tracking.queries import search_runs

from .pipeline_helpers import sqlite_only, write_pipeline


def invoke(*args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


@sqlite_only
def test_run_status_dag_show_and_reproduce(project: Path):
    shown = json.loads(invoke("pipeline", "show", "--json", "-p", "train.C=2").stdout)
    assert [s["name"] for s in shown["steps"]] == ["prepare", "train", "evaluate"]
    assert shown["steps"][1]["params"] == {"seed": 0, "C": 2}

    status = invoke("pipeline", "status", "--check", code=1)
    assert status.stdout.count("never run") == 1 and "will rerun" in status.stdout

    ran = invoke("pipeline", "run", "--junit", "report.xml", "--no-progress")
    assert "FINISHED" in ran.stdout and ran.stdout.count(" ran ") == 3
    cases = [c.get("name") for c in ET.parse(project / "report.xml").getroot().iter("testcase")]
    assert cases == ["prepare", "train", "evaluate"]
    invoke("pipeline", "status", "--check")

    dag = invoke("pipeline", "dag", "--status", "--html", "dag.html")
    assert "└─ evaluate" in dag.stdout and "[fresh]" in dag.stdout
    assert "plotly" in (project / "dag.html").read_text()

    failed = invoke("pipeline", "run", "-p", "train.C=-1", "--no-progress", code=1)
    assert "Step 'train' failed in cell 4" in failed.stderr
    assert "model.fit(" in failed.stderr and "skipped" in failed.stdout

    train = search_runs(filter="name = 'train' and status = 'FINISHED'", max_results=1)[0]
    reproduced = invoke("reproduce", train.id)
    assert "metrics match" in reproduced.stdout and "train_accuracy" in reproduced.stdout
    assert current().store.runs.get(train.id).metrics["train_accuracy"] > 0.8


@sqlite_only
def test_invalid_pipeline_lists_every_problem_with_its_line_and_exits_2(project: Path):
    write_pipeline(project, """\
        name: broken
        steps:
          train:
            notebook: notebooks/train.ipynb
            needs: [prepar]
            params: {C: "x"}
        """, "broken.yaml")
    result = invoke("pipeline", "run", "broken.yaml", code=2)
    assert "broken.yaml has 2 problems; nothing was run:" in result.stderr
    assert "broken.yaml:5: step 'train' needs unknown step 'prepar'" in result.stderr
    assert "broken.yaml:6: step 'train': param 'C' is str 'x'" in result.stderr
    assert search_runs() == []
    invoke("pipeline", "run", "missing.yaml", code=2)
    invoke("pipeline", "run", "--executor", "nope", code=2)


@sqlite_only
def test_ctrl_c_stops_the_kernel_and_marks_runs_killed(project: Path, tracking):
    write_pipeline(project, """\
        name: sleepy
        steps:
          nap:
            notebook: notebooks/sleepy.ipynb
          after:
            notebook: notebooks/sleepy.ipynb
            needs: [nap]
        """, "sleepy.yaml")
    env = {**os.environ, "JUPYTER_MLOPS_URI": tracking.uri,
           "JUPYTER_MLOPS_ARTIFACTS": tracking.artifacts}
    process = subprocess.Popen(
        [sys.executable, "-c", "from jupyter_mlops.cli import main; main()", "pipeline", "run",
         "sleepy.yaml", "--no-progress"], cwd=project, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not search_runs(filter="name = 'nap' and status = 'RUNNING'"):
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=45)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    assert "Interrupted" in stderr
    runs = {r.name: r for r in search_runs()}
    assert runs["sleepy"].status is RunStatus.KILLED
    assert runs["nap"].status is RunStatus.KILLED
    assert "after" not in runs


def test_help_of_every_pipeline_command():
    for command in (["pipeline"], ["pipeline", "run"], ["pipeline", "status"],
                    ["pipeline", "dag"], ["pipeline", "show"], ["reproduce"]):
        result = invoke(*command, "--help")
        assert "Usage:" in result.stdout
    assert "--jobs" in invoke("pipeline", "run", "--help").stdout


@pytest.fixture(autouse=True)
def _no_terminal_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")


@sqlite_only
def test_kernel_output_goes_to_a_log_beside_the_executed_notebook(project: Path, tracking):
    env = {**os.environ, "JUPYTER_MLOPS_URI": tracking.uri,
           "JUPYTER_MLOPS_ARTIFACTS": tracking.artifacts}
    done = subprocess.run(
        [sys.executable, "-c", "from jupyter_mlops.cli import main; main()", "pipeline", "run",
         "--no-progress"], cwd=project, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    # ipykernel's start-up warnings would otherwise interleave with the step table.
    assert "IPKernelApp" not in done.stderr + done.stdout
    logs = {p.name: p for p in project.rglob("*.kernel.log")}
    assert set(logs) == {"prepare.kernel.log", "train.kernel.log", "evaluate.kernel.log"}
    assert logs["train.kernel.log"].with_name("train.ipynb").exists()
