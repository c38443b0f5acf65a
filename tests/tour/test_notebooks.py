"""The tour notebooks (notebooks/*.ipynb) execute with papermill and do what they say.

Each runs in real kernels from a fresh temporary folder holding its own ``.mlops/`` workspace
(injected as the ``workspace`` parameter too), so the repository's workspace is never touched.
The checks read the executed notebooks' outputs and query the workspace through the public API
in a separate process, as a user would after running them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import papermill
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
TOUR = ["01-quickstart", "02-monitoring", "03-team"]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder with its own .mlops/ workspace, and no workspace settings."""
    for key in list(os.environ):
        if key.startswith("JUPYTER_MLOPS_"):
            monkeypatch.delenv(key)
    (tmp_path / ".mlops").mkdir()
    return tmp_path


def execute(name: str, folder: Path, **parameters: Any) -> nbformat.NotebookNode:
    """Execute ``notebooks/<name>.ipynb`` from ``folder`` with papermill; return the result."""
    output = folder / f"{name}.executed.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS / f"{name}.ipynb"), str(output),
                               parameters=parameters, cwd=str(folder), kernel_name="python3",
                               progress_bar=False, log_output=False)
    return nbformat.read(output, as_version=4)


def text_of(book: nbformat.NotebookNode, cell_id: str) -> str:
    """The printed and plain-text outputs of one cell, joined."""
    [cell] = [c for c in book.cells if c.get("id") == cell_id]
    parts = []
    for output in cell.outputs:
        parts.append(output.get("text", ""))
        parts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def query(folder: Path, code: str, **env: str) -> Any:
    """Run ``code`` (which prints one JSON value) with the public API from ``folder``."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_MLOPS_")}
    done = subprocess.run([sys.executable, "-c", code], cwd=folder, env={**environment, **env},
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_notebook_has_a_parameters_cell_and_no_stored_outputs():
    found = sorted(path.stem for path in NOTEBOOKS.glob("*.ipynb"))
    assert found == TOUR
    for name in TOUR:
        book = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        nbformat.validate(book)
        tagged = [c for c in book.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, name
        # Committed clean: outputs belong to the executed copies, not the sources.
        assert all(not c.get("outputs") for c in book.cells if c.cell_type == "code"), name
        assert book.metadata["kernelspec"]["name"] == "python3"


def test_quickstart_tracks_compares_versions_registers_and_loads(folder: Path):
    book = execute("01-quickstart", folder, workspace=str(folder))

    versions = text_of(book, "01-quickstart-13")
    assert "v1, same content again -> v1, a column dropped -> v2" in versions
    loaded = text_of(book, "01-quickstart-17")
    assert "<LoadedModel quickstart-breast-cancer@champion flavor=sklearn Pipeline>" in loaded
    assert float(loaded.rsplit("accuracy ", 1)[1].split()[0]) > 0.9

    found = query(folder, (
        "import json, jupyter_mlops as mlops\n"
        "runs = mlops.runs(experiment='quickstart', order_by=['metrics.training_score DESC'])\n"
        "v = mlops.model_versions('quickstart-breast-cancer').iloc[0]\n"
        "print(json.dumps({'names': list(runs['name']), 'status': list(runs['status']),\n"
        "  'C': list(runs['params.C']), 'scores': list(runs['metrics.training_score']),\n"
        "  'version': int(v['version']), 'aliases': list(v['aliases']),\n"
        "  'datasets': list(v['datasets']),\n"
        "  'source': mlops.get_run(v['run_id']).name,\n"
        "  'data': [int(d.version) for d in mlops.dataset_versions('quickstart-train')\n"
        "           .itertuples()]}))\n"
    ))
    # The two tracked cells ran autolog (training_score); the final run has no fit autologged.
    tracked = [n for n in found["names"] if n.startswith("logreg-") and n != "logreg-final"]
    assert sorted(tracked) == ["logreg-first", "logreg-second"]
    assert set(found["status"]) == {"FINISHED"}
    assert found["scores"][0] > found["scores"][1] > 0.9
    assert found["version"] == 1 and found["aliases"] == ["champion"]
    assert found["source"] == "logreg-final"
    assert found["datasets"] == ["quickstart-train@1"]
    assert sorted(found["data"]) == [1, 2]


def test_monitoring_finds_drift_on_the_shifted_columns_and_the_decline(folder: Path):
    book = execute("02-monitoring", folder, workspace=str(folder), days=4)

    assert "dataset drifted: True" in text_of(book, "02-monitoring-9")
    found = query(folder, (
        "import json, jupyter_mlops as mlops\n"
        "from jupyter_mlops.monitor.saved import get_report, list_reports\n"
        "[record] = list_reports('scanner-batch')\n"
        "report = get_report(record.id)\n"
        "frame = report.to_frame()\n"
        "print(json.dumps({'drifted': report.drifted,\n"
        "  'columns': list(frame[frame['drifted'] & (frame['role'] == 'feature')]['column']),\n"
        "  'roles': {r: bool(d) for r, d in zip(frame['role'], frame['drifted'])\n"
        "            if r != 'feature'},\n"
        "  'aliases': list(mlops.model_versions('monitoring-breast-cancer')\n"
        "                  .iloc[0]['aliases'])}))\n"
    ))
    assert found["drifted"] is True
    assert found["aliases"] == ["champion"]
    # Only the scaled size measurements may drift; the 'error' columns are untouched.
    assert found["columns"]
    assert all(c.startswith(("mean ", "worst ")) for c in found["columns"])
    assert found["roles"].get("prediction") is True

    # One window per day; accuracy falls as the scanner drifts further, and is flagged.
    lines = [line.split() for line in text_of(book, "02-monitoring-14").splitlines()]
    rows = [words for words in lines if words and words[0].isdigit()]
    assert len(rows) == 4
    accuracy = [float(row[3]) for row in rows]
    assert accuracy[0] > 0.9 and accuracy[-1] < accuracy[0] - 0.1
    assert "accuracy" in text_of(book, "02-monitoring-16")


def test_team_notebook_writes_to_the_injected_uri_and_artifact_store(folder: Path):
    shared = folder / "shared"
    uri = f"sqlite:///{shared / 'team.db'}"
    artifacts = shared / "bucket"
    shared.mkdir()
    book = execute("03-team", folder, uri=uri, artifacts=str(artifacts))

    assert "teammate sees 1 run(s); champion predicts [0, 0, 0]" in text_of(book, "03-team-10")
    assert any(path.is_file() for path in artifacts.rglob("*"))
    # Configured through the environment alone, another process sees the team's run...
    found = query(folder, (
        "import json, jupyter_mlops as mlops\n"
        "runs = mlops.runs(experiment='team')\n"
        "print(json.dumps({'owner': list(runs['tags.owner']),\n"
        "  'aliases': list(mlops.model_versions('team-wine').iloc[0]['aliases'])}))\n"
    ), JUPYTER_MLOPS_URI=uri, JUPYTER_MLOPS_ARTIFACTS=str(artifacts))
    assert found == {"owner": ["ana"], "aliases": ["champion"]}
    # ...and the folder's own workspace got nothing.
    assert query(folder, "import jupyter_mlops as mlops; print(len(mlops.runs()))") == 0
