"""A failing ``%%mlops_track`` cell shows the traceback a plain cell would: no frames of ours."""

from __future__ import annotations

import os
import re

import nbformat
import pytest
from IPython.utils.capture import capture_output

import jupyter_mlops as mlops
from jupyter_mlops.records import RunStatus

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _plain(text: str) -> str:
    return _ANSI.sub("", text)


def _assert_only_the_users_lines(text: str) -> None:
    assert "ZeroDivisionError" in text
    assert "1/0" in text
    assert "run_cell_magic" not in text
    assert "jupyter_mlops" not in text


def test_failing_cell_traceback_has_only_the_cells_lines(shell, cell):
    with capture_output() as captured:
        result = cell(shell, "%%mlops_track --no-card\n1/0")
    assert isinstance(result.error_in_exec, ZeroDivisionError)
    _assert_only_the_users_lines(_plain(captured.stdout + captured.stderr))
    (run,) = mlops.search_runs()
    assert mlops.get_run(run.id).status is RunStatus.FAILED


def test_frames_of_functions_the_cell_calls_are_kept(shell, cell):
    source = "%%mlops_track --no-card\ndef divide():\n    return 1/0\ndivide()"
    with capture_output() as captured:
        result = cell(shell, source)
    assert isinstance(result.error_in_exec, ZeroDivisionError)
    text = _plain(captured.stdout + captured.stderr)
    _assert_only_the_users_lines(text)
    assert "divide()" in text and "in divide" in text


@pytest.mark.parametrize("workspace", ["sqlite"], indirect=True)
def test_kernel_error_output_has_only_the_cells_lines(tracking, tmp_path):
    pytest.importorskip("nbclient")
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext jupyter_mlops"),
        nbformat.v4.new_code_cell("%%mlops_track -n fails --no-card\n1/0"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}  # fmt: skip
    env = dict(os.environ)
    env.update({"JUPYTER_MLOPS_URI": tracking.uri, "JUPYTER_MLOPS_ARTIFACTS": tracking.artifacts,
                "JUPYTER_MLOPS_CAPTURE_PACKAGES": "false",
                "JUPYTER_MLOPS_NOTEBOOK": str(tmp_path / "fails.ipynb")})  # fmt: skip
    env.pop("JUPYTER_MLOPS_EXPERIMENT", None)
    client = NotebookClient(nb, timeout=120, allow_errors=True, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})  # fmt: skip
    client.execute(env=env)
    (error,) = [o for o in nb.cells[1].outputs if o.output_type == "error"]
    assert error.ename == "ZeroDivisionError"
    _assert_only_the_users_lines(_plain("\n".join(error.traceback)))
    (run,) = mlops.search_runs()
    assert mlops.get_run(run.id).status is RunStatus.FAILED
