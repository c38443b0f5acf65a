"""The demo end to end: examples/demo.py runs the example pipeline in a real subprocess.

It runs against a copy of examples/ in a temporary folder holding its own ``.mlops/``
workspace, with real kernels, so the repository's workspace is never touched. The first run
executes every step and prints the summary; the second finds every step cached.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
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


# Two demo runs (real kernels) and the README commands: longer than the default limit.
@pytest.mark.timeout(900)
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

    # The README's tour commands work on this workspace exactly as written.
    for command in readme_commands():
        run_readme_command(project, command)


README = Path(__file__).resolve().parents[2] / "README.md"
# The README shows a run id prefix; the test puts a real one in its place.
README_RUN_ID = "4f2a9c1e"


def readme_commands() -> list[str]:
    """The `jupyter mlops` commands of the tour's bash block, comments and `;` split off."""
    text = README.read_text(encoding="utf-8")
    tour = text[text.index("## Five-minute tour"):]
    block = tour[tour.index("```bash\n") + 8:]
    block = block[:block.index("```")]
    commands = []
    for line in block.splitlines():
        line = line.split("  #")[0].strip()
        commands += [part.strip() for part in line.split(";") if part.strip()]
    assert len(commands) >= 8 and all(c.startswith("jupyter mlops ") for c in commands)
    return commands


def _env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items()
            if not key.startswith("JUPYTER_MLOPS_")}


def run_readme_command(root: Path, command: str) -> None:
    """Run one README command in ``root`` as a user would, and check it did its job."""
    jupyter = str(Path(sys.executable).with_name("jupyter"))
    newest = query(root, "import jupyter_mlops as mlops; print(mlops.runs().iloc[0]['run_id'])")
    argv = [jupyter, *shlex.split(command)[1:]]
    # The list shows the last 8 characters (the first ones are the time, shared by many).
    argv = [newest[-8:] if arg == README_RUN_ID else arg for arg in argv]
    if argv[2:4] == ["serve", "breast-cancer@champion"]:
        serve_once(root, argv)
        return
    done = subprocess.run(argv, cwd=root, env=_env(), capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])
    assert "Traceback" not in done.stderr, command
    assert done.stdout.strip() or done.stderr.strip(), f"{command} printed nothing"
    if argv[2:4] == ["pipeline", "run"]:
        assert "cached" in done.stdout + done.stderr
    if argv[2:4] == ["runs", "list"]:
        assert "train_" in done.stdout or "auc" in done.stdout
    if argv[2:4] == ["runs", "show"]:
        assert newest in done.stdout


def serve_once(root: Path, argv: list[str]) -> None:
    """Start the README's `serve`, predict one row over HTTP, stop it with Ctrl-C."""
    import httpx

    port = _free_port()
    argv = [str(port) if previous == "--port" else arg
            for previous, arg in zip(["", *argv[:-1]], argv, strict=True)]
    process = subprocess.Popen(argv, cwd=root, env=_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/ping", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                time.sleep(0.2)
        rows = query(root, (
            "import jupyter_mlops as mlops, pandas as pd\n"
            "ref = mlops.model_versions('breast-cancer').iloc[0]['datasets'][0]\n"
            "frame = mlops.load_data(ref).drop(columns=['target'], errors='ignore').head(2)\n"
            "print(frame.to_json(orient='split', index=False))\n"))
        answer = httpx.post(f"{url}/invocations", json={"dataframe_split": json.loads(rows)},
                            timeout=30)
        assert answer.status_code == 200, answer.text
        assert len(answer.json()["predictions"]) == 2
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
