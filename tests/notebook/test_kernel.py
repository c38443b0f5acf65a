"""The magics in real kernels: papermill's CLI and nbclient executing notebooks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.records import RunStatus

pytest.importorskip("papermill")


def _notebook(path: Path, cells: list[tuple[str, list[str]]]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src, metadata={"tags": tags}) for src, tags in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


def _env(workspace) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"JUPYTER_MLOPS_URI": workspace.uri, "JUPYTER_MLOPS_ARTIFACTS": workspace.artifacts,
                "JUPYTER_MLOPS_CAPTURE_PACKAGES": "false"})
    env.pop("JUPYTER_MLOPS_NOTEBOOK", None)
    env.pop("JUPYTER_MLOPS_EXPERIMENT", None)
    return env


@pytest.mark.parametrize("workspace", ["sqlite"], indirect=True)
def test_papermill_cli_params_paths_span_autolog_and_failure(tracking, tmp_path):
    source = _notebook(tmp_path / "train.ipynb", [
        ("%load_ext jupyter_mlops", []),
        ("alpha = 0.1\nlabel = 'default'", ["parameters"]),
        ("%%mlops_track -n fit -p alpha\n"
         "from sklearn.linear_model import LogisticRegression\n"
         "model = LogisticRegression(C=alpha).fit([[0], [1], [2], [3]], [0, 0, 1, 1])\n"
         "alpha * 2", []),
        ("%mlops_track start -n span", []),
        ("import jupyter_mlops as m\nm.log_metric('acc', 0.75)", []),
        ("%mlops_track stop", []),
        ("%%mlops_track -n broken\nraise ValueError('bad data 7')", []),
    ])
    out = tmp_path / "out" / "train-out.ipynb"
    out.parent.mkdir()
    papermill = Path(sys.executable).with_name("papermill")
    done = subprocess.run([str(papermill), "train.ipynb", "out/train-out.ipynb", "-p", "alpha",
                           "0.5", "-p", "label", "run one", "--cwd", str(tmp_path)],
                          cwd=tmp_path, env=_env(tracking), capture_output=True, text=True,
                          timeout=240)
    assert done.returncode != 0 and "bad data 7" in done.stderr + done.stdout
    runs = {r.name: mlops.get_run(r.id) for r in mlops.search_runs()}
    fit, span, broken = runs["fit"], runs["span"], runs["broken"]
    assert fit.experiment == "train" and fit.status is RunStatus.FINISHED
    assert fit.params["alpha"] == "0.5" and fit.params["label"] == "run one"
    assert fit.params["C"] == "0.5" and "model/model.skops" in {a.path for a in fit.artifacts}
    assert fit.tags["papermill.input_path"] == str(source.resolve())
    assert fit.tags["papermill.output_path"] == str(out.resolve())
    assert fit.source.path == str(source.resolve()) and "alpha * 2" in fit.source.cell
    assert "notebook/train.ipynb" in {a.path for a in fit.artifacts}
    assert span.status is RunStatus.FINISHED and span.metrics == {"acc": 0.75}
    assert broken.status is RunStatus.FAILED and "ValueError: bad data 7" in broken.error
    executed = nbformat.read(out, as_version=4)
    fit_outputs = executed.cells[4].outputs  # after papermill's injected cell
    assert any("1.0" in o.get("data", {}).get("text/plain", "") for o in fit_outputs)
    assert any(fit.id in o.get("data", {}).get("text/html", "") for o in fit_outputs)


@pytest.mark.parametrize("workspace", ["sqlite"], indirect=True)
def test_nbclient_kernel_failure_interrupt_and_nesting(tracking, tmp_path):
    from nbclient import NotebookClient

    path = _notebook(tmp_path / "explore.ipynb", [
        ("%load_ext jupyter_mlops", []),
        ("%%mlops_track -n outer\nimport jupyter_mlops as m\n"
         "with m.start_run(name='inner', nested=True):\n    m.log_param('k', 1)", []),
        ("%%mlops_track -n fails\n1 / 0", []),
        ("%%mlops_track -n stopped\nraise KeyboardInterrupt", []),
        ("after = 'still running'", []),
    ])
    nb = nbformat.read(path, as_version=4)
    env = _env(tracking)
    env["JUPYTER_MLOPS_NOTEBOOK"] = str(path)
    client = NotebookClient(nb, timeout=120, allow_errors=True, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env=env)
    runs = {r.name: mlops.get_run(r.id) for r in mlops.search_runs()}
    assert runs["inner"].parent_id == runs["outer"].id
    assert runs["fails"].status is RunStatus.FAILED
    assert "ZeroDivisionError" in runs["fails"].error
    assert runs["stopped"].status is RunStatus.KILLED
    errors = [o for o in nb.cells[2].outputs if o.output_type == "error"]
    assert errors and errors[0].ename == "ZeroDivisionError"
    assert nb.cells[3].outputs[0].ename == "KeyboardInterrupt"
    assert runs["fails"].source.path == str(path) and runs["fails"].experiment == "explore"
    texts = [o["data"]["text/plain"] for o in nb.cells[2].outputs if "data" in o]
    assert any("FAILED" in t for t in texts)  # the card, as text for nbconvert's text output
