"""%%mlops_track and %mlops_track start|stop on a real InteractiveShell."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

import jupyter_mlops as mlops
from jupyter_mlops.records import RunStatus
from jupyter_mlops.store.artifacts import hash_bytes


def _only_run(**kwargs):
    runs = mlops.search_runs(**kwargs)
    assert len(runs) == 1, runs
    return mlops.get_run(runs[0].id)


def test_cell_runs_as_without_the_magic_inside_a_run(shell, cell):
    with capture_output() as captured:
        result = cell(shell, "%%mlops_track -n first -e exp -t team=ml owner=ana -p x,y\n"
                                 "x = 3\ny = [1, 2]\nprint('hello')\nx * 2")
    assert result.success and result.result == 6
    assert shell.user_ns["x"] == 3 and shell.user_ns["_"] == 6
    assert "hello" in captured.stdout
    run = _only_run()
    assert (run.name, run.experiment, run.status) == ("first", "exp", RunStatus.FINISHED)
    assert run.params == {"x": "3", "y": "[1, 2]"}
    assert run.tags["team"] == "ml" and run.tags["owner"] == "ana"
    assert run.source.cell.startswith("%%mlops_track -n first") and "x * 2" in run.source.cell
    assert run.source.execution_count == result.execution_count
    cards = [o for o in captured.outputs if "text/html" in o.data]
    assert cards and run.id in cards[-1].data["text/html"]
    assert "FINISHED" in cards[-1].data["text/plain"]


def test_trailing_semicolon_and_ipython_syntax_behave_as_usual(shell, cell):
    result = cell(shell, "%%mlops_track --no-card\nvalue = %time 40 + 2\nvalue;")
    assert result.success and result.result is None
    assert shell.user_ns["value"] == 42


def test_failing_cell_is_failed_with_traceback_and_raises(shell, cell):
    with capture_output():
        result = cell(shell, "%%mlops_track -n bad\nbefore = 1\n"
                                 "def inner():\n    raise ValueError('boom 42')\ninner()")
    assert isinstance(result.error_in_exec, ValueError)
    assert shell.user_ns["before"] == 1
    run = _only_run()
    assert run.status is RunStatus.FAILED
    assert "ValueError: boom 42" in run.error and "inner()" in run.error
    assert "magics.py" not in run.error and "cell.py" not in run.error


def test_keyboard_interrupt_kills_the_run(shell, cell):
    with capture_output():
        result = cell(shell, "%%mlops_track\nraise KeyboardInterrupt")
    assert isinstance(result.error_in_exec, KeyboardInterrupt)
    run = _only_run()
    assert run.status is RunStatus.KILLED


def test_nested_runs_inside_a_tracked_cell(shell, cell):
    with capture_output():
        result = cell(shell, "%%mlops_track -n parent --no-card\nimport jupyter_mlops as m\n"
                                 "with m.start_run(name='child', nested=True):\n"
                                 "    m.log_metric('loss', 0.5)\n")
    assert result.success
    runs = {r.name: r for r in mlops.search_runs()}
    assert runs["child"].parent_id == runs["parent"].id
    assert runs["parent"].status is RunStatus.FINISHED


def test_unnested_start_run_inside_a_cell_is_refused_not_ending_the_cell_run(shell, cell):
    with capture_output():
        result = cell(shell, "%%mlops_track -n outer --no-card\nimport jupyter_mlops as m\n"
                                 "m.start_run(name='inner')")
    assert isinstance(result.error_in_exec, mlops.MlopsError)
    run = _only_run()
    assert run.name == "outer" and run.status is RunStatus.FAILED


def test_start_and_stop_span_cells_with_tracked_children(shell, cell):
    with capture_output() as captured:
        cell(shell, "%mlops_track start -n span -p lr")
        cell(shell, "lr = 0.01\nimport jupyter_mlops as m\nm.log_metric('acc', 0.9)")
        cell(shell, "%%mlops_track -n step --no-card\nm.log_metric('loss', 1.0)")
        assert mlops.active_run() is not None and mlops.active_run().name == "span"
        cell(shell, "%mlops_track stop")
    assert mlops.active_run() is None
    runs = {r.name: mlops.get_run(r.id) for r in mlops.search_runs()}
    span, step = runs["span"], runs["step"]
    assert span.status is RunStatus.FINISHED and span.params == {"lr": "0.01"}
    assert span.metrics == {"acc": 0.9}
    assert step.parent_id == span.id and step.metrics == {"loss": 1.0}
    assert any(a.path == "cells.py" for a in span.artifacts)
    assert "started" in captured.stdout


def test_stop_without_start_and_bad_options_are_one_line_usage_errors(shell, cell):
    with capture_output() as captured:
        stop = cell(shell, "%mlops_track stop")
        bad = cell(shell, "%%mlops_track --bogus\n1")
        tag = cell(shell, "%%mlops_track -t novalue\n1")
    for result in (stop, bad, tag):
        assert isinstance(result.error_in_exec, UsageError)
    assert "Traceback" not in captured.stdout + captured.stderr
    assert mlops.search_runs() == []


def test_every_magic_has_help(shell, cell):
    for line in ("%mlops_track --help", "%mlops_runs --help", "%mlops_compare -h"):
        with capture_output() as captured:
            assert cell(shell, line).success
        assert "usage:" in captured.stdout.lower()
    assert mlops.search_runs() == []


def test_plain_start_run_records_the_cell_as_source(shell, cell):
    cell(shell, "import jupyter_mlops as m\nwith m.start_run(name='plain'):\n    pass")
    run = _only_run()
    assert "m.start_run(name='plain')" in run.source.cell


def test_override_names_the_notebook_snapshot_and_experiment(shell, cell, tmp_path, monkeypatch):
    notebook = tmp_path / "churn model.ipynb"
    notebook.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4,
                                    "nbformat_minor": 5}))
    monkeypatch.setenv("JUPYTER_MLOPS_NOTEBOOK", str(notebook))
    with capture_output():
        cell(shell, "%%mlops_track\n1")
    run = _only_run()
    assert run.source.path == str(notebook) and run.experiment == "churn model"
    snapshot = {a.path: a for a in run.artifacts}["notebook/churn model.ipynb"]
    assert snapshot.digest == hash_bytes(notebook.read_bytes())


def test_vscode_notebook_variable_is_used(shell, cell, tmp_path):
    notebook = tmp_path / "vs.ipynb"
    notebook.write_text("{}")
    shell.user_ns["__vsc_ipynb_file__"] = str(notebook)
    with capture_output():
        cell(shell, "%%mlops_track --no-card\n1")
    assert _only_run().source.path == str(notebook)


def _git(root, *args):
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def test_notebook_in_another_repository_records_its_git_state(shell, cell, tmp_path, monkeypatch):
    repo = tmp_path / "notebooks"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "t")
    notebook = repo / "nb.ipynb"
    notebook.write_text("{}\n")
    _git(repo, "add", "nb.ipynb")
    _git(repo, "commit", "-qm", "first")
    notebook.write_text('{"changed": true}\n')
    monkeypatch.setenv("JUPYTER_MLOPS_NOTEBOOK", str(notebook))
    with capture_output():
        cell(shell, "%%mlops_track --no-card\n1")
    run = _only_run()
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True,
                            text=True).stdout.strip()
    assert run.tags["mlops.notebook.git.commit"] == commit
    assert run.tags["mlops.notebook.git.dirty"] == "true"
    assert "notebook/git.diff" in {a.path for a in run.artifacts}


HEAVY = ["sklearn", "pandas", "plotly", "ipywidgets", "numpy", "skops", "papermill", "sqlalchemy",
         "fsspec", "pyarrow", "scipy"]


def test_load_ext_imports_nothing_heavy():
    code = ("import sys, json\nfrom IPython.core.interactiveshell import InteractiveShell\n"
            "ip = InteractiveShell.instance()\nip.run_line_magic('load_ext', 'jupyter_mlops')\n"
            "assert 'mlops_track' in ip.magics_manager.magics['cell']\n"
            f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_extension_loads_from_ipython_config(tmp_path):
    profile = tmp_path / "profile"
    profile.mkdir()
    (profile / "ipython_config.py").write_text(
        'c.InteractiveShellApp.extensions = ["jupyter_mlops"]\n')
    code = "print('loaded' if 'mlops_track' in get_ipython().magics_manager.magics['cell'] " \
           "else 'missing')"
    out = subprocess.run([sys.executable, "-m", "IPython", f"--profile-dir={profile}",
                          "--no-banner", "-c", code], capture_output=True, text=True,
                         check=True, cwd=tmp_path)
    assert "loaded" in out.stdout


@pytest.mark.parametrize("line", ["%mlops_track", "%mlops_track start --status X"])
def test_line_form_needs_an_action(shell, cell, line):
    with capture_output():
        result = cell(shell, line)
    assert isinstance(result.error_in_exec, UsageError)
