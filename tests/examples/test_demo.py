"""The demo end to end: examples/demo.py runs the example pipeline in a real subprocess.

It runs against a copy of examples/ in a temporary folder holding its own ``.mlops/``
workspace, with real kernels, so the repository's workspace is never touched. The first run
executes every step and prints the summary; the second finds every step cached.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
STEPS = ["prepare", "train_logreg", "train_forest", "evaluate", "monitor"]
# What a run of the demo writes into examples/; a stale copy must not reach the test's folder.
GENERATED = ("data", "scores", "reports", "executed", "__pycache__")


def run_demo(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the copied demo from ``root``, whose .mlops/ is then the workspace."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("JUPYTER_MLOPS_")}
    return subprocess.run([sys.executable, "examples/demo.py", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def query(root: Path, code: str) -> str:
    """Run ``code`` with the public API in ``root``'s workspace; return what it printed."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("JUPYTER_MLOPS_")}
    done = subprocess.run([sys.executable, "-c", code], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    return done.stdout.strip()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of examples/ (without generated files) next to an empty .mlops/ workspace."""
    shutil.copytree(EXAMPLES, tmp_path / "examples", ignore=shutil.ignore_patterns(*GENERATED))
    (tmp_path / ".mlops").mkdir()
    return tmp_path


def test_demo_runs_the_pipeline_then_finds_it_cached(project: Path):
    first = run_demo(project)
    assert first.returncode == 0, first.stdout + first.stderr
    out = first.stdout
    assert f"steps run:    {', '.join(STEPS)}" in out
    assert "steps cached: none" in out
    assert "Runs: 6 produced by this run (1 pipeline run, 5 step runs)" in out
    assert "@champion -> breast-cancer version 1" in out
    assert "Drift: DRIFTED on the shifted batch" in out
    assert f"Workspace: {project.resolve()} (sqlite)" in out
    assert "jupyter lab" in out.splitlines()[-1]
    assert (project / ".mlops" / "mlops.db").is_file()
    for step in STEPS:
        assert (project / "examples" / "executed" / f"{step}.ipynb").is_file()

    evaluation = json.loads((project / "examples/reports/evaluation.json").read_text())
    assert evaluation["promoted"] is True and evaluation["version"] == 1
    assert set(evaluation["candidates"]) == {"train_logreg", "train_forest"}
    assert all(0.9 < c["auc"] <= 1.0 for c in evaluation["candidates"].values())
    drift = json.loads((project / "examples/reports/drift.json").read_text())
    assert drift["verdict"] == "drifted" and drift["prediction_drifted"] is True
    # Only the scaled 'mean' and 'worst' measurements may drift, never the 'error' ones.
    assert drift["drifted_columns"]
    assert all(c.startswith(("mean ", "worst ")) for c in drift["drifted_columns"])

    # The registry holds the winner with the training data version in its lineage, and the
    # drift report is in the workspace.
    found = query(project, (
        "import jupyter_mlops as mlops\n"
        "v = mlops.model_versions('breast-cancer').iloc[0]\n"
        "print(v['aliases'], v['datasets'], mlops.get_run(v['run_id']).metrics['auc'] > 0.9)\n"
        "print(sorted(mlops.runs(experiment='breast-cancer', max_results=100)['status']))\n"
    ))
    assert found.splitlines()[0] == "['champion'] ['breast-cancer-train@1'] True"
    assert found.splitlines()[1] == str(["FINISHED"] * 6)

    second = run_demo(project)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "steps run:    none" in second.stdout
    assert f"steps cached: {', '.join(STEPS)}" in second.stdout
    assert "All steps cached" in second.stdout
    assert "@champion -> breast-cancer version 1" in second.stdout
    assert "breast-cancer, 1 version(s)" in second.stdout
