"""%mlops_data, %mlops_drift, %mlops_register, %mlops_models and %mlops_pipeline on a real
InteractiveShell."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

import jupyter_mlops as mlops
from jupyter_mlops.records import RunStatus

MAGICS = ["mlops_data", "mlops_drift", "mlops_register", "mlops_models", "mlops_pipeline"]


def _frames(shell):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    shell.user_ns["train"] = pd.DataFrame({"age": rng.normal(40, 5, 400),
                                           "city": rng.choice(["a", "b"], 400)})
    shell.user_ns["live"] = pd.DataFrame({"age": rng.normal(60, 5, 400),
                                          "city": rng.choice(["a", "b"], 400)})


def test_every_magic_has_help_and_is_removed_on_unload(shell, cell):
    for name in MAGICS:
        with capture_output() as captured:
            assert cell(shell, f"%{name} --help").success
        assert "usage:" in captured.stdout.lower() and name in captured.stdout
    shell.run_line_magic("unload_ext", "jupyter_mlops")
    try:
        assert not set(MAGICS) & set(shell.magics_manager.magics["line"])
    finally:
        shell.run_line_magic("load_ext", "jupyter_mlops")
    assert set(MAGICS) <= set(shell.magics_manager.magics["line"])


def test_data_versions_a_variable_and_a_path(shell, cell, tmp_path):
    _frames(shell)
    with capture_output() as captured:
        result = cell(shell, "%mlops_data customers train -d 'first cut'")
    version = result.result
    assert result.success and (version.name, version.version, version.rows) == ("customers", 1,
                                                                                  400)
    assert version.description == "first cut"
    # Shown once, by the record itself: no tidy line followed by the dataclass dump.
    assert not captured.outputs and captured.stdout.count("customers@1") == 1
    assert "400 rows" in repr(version) and "created_at=" not in captured.stdout
    assert "customers@1" in version._repr_html_() and "<table" in version._repr_html_()

    again = cell(shell, "%mlops_data customers train").result
    assert again.version == 1  # same content, same version

    path = tmp_path / "raw.csv"
    path.write_text("a,b\n1,2\n")
    with capture_output():
        filed = cell(shell, f"%mlops_data rawfile '{path}'").result
    assert filed.kind == "file" and filed.ref == "rawfile@1"


def test_data_refusals_are_one_line_usage_errors(shell, cell, tmp_path):
    path = tmp_path / "raw.csv"
    path.write_text("a\n1\n")
    with capture_output() as captured:
        missing = cell(shell, "%mlops_data customers nosuchvariable")
        path_validate = cell(shell, f"%mlops_data raw {path} --validate")
        no_target = cell(shell, "%mlops_data customers")
    for result in (missing, path_validate, no_target):
        assert isinstance(result.error_in_exec, UsageError)
    assert "neither a variable" in str(missing.error_in_exec)
    assert "--validate applies to DataFrames" in str(path_validate.error_in_exec)
    assert "Traceback" not in captured.stdout + captured.stderr


def test_drift_between_variables_is_shown_and_saved(shell, cell):
    from jupyter_mlops.monitor.saved import list_reports

    _frames(shell)
    with capture_output():
        result = cell(shell, "%mlops_drift train live --columns age,city --save -n weekly")
    report = result.result
    assert result.success and report.drifted and report.drifted_columns == ["age"]
    assert (report.record.reference, report.record.current) == ("train", "live")
    assert shell.user_ns["_"] is report  # shown as the cell's result, by its _repr_html_
    assert "Dataset drift detected" in report._repr_html_()
    assert "mlops_ref" not in shell.user_ns["train"].attrs  # the user's frame is untouched
    saved = list_reports(name="weekly")
    assert [r.id for r in saved] == [report.id]


def test_drift_against_a_dataset_version_a_file_and_with_categorical(shell, cell, tmp_path):
    _frames(shell)
    path = tmp_path / "live data.csv"
    shell.user_ns["live"].to_csv(path, index=False)
    with capture_output():
        cell(shell, "%mlops_data customers train")
        result = cell(shell, "%mlops_drift customers@1 train --categorical age")
        from_file = cell(shell, f"%mlops_drift customers@1 '{path}' --columns age")
    report = result.result
    assert result.success and not report.drifted
    assert report.record.reference == "customers@1"
    assert report.result("age").type == "categorical"
    assert from_file.success and from_file.result.drifted_columns == ["age"]
    assert from_file.result.record.current == str(path)


def test_drift_refusals_are_one_line_usage_errors(shell, cell):
    _frames(shell)
    with capture_output() as captured:
        unknown = cell(shell, "%mlops_drift train live --columns nosuch")
        neither = cell(shell, "%mlops_drift train nosuchthing")
        name_alone = cell(shell, "%mlops_drift train live -n weekly")
        empty = cell(shell, "%mlops_drift train live --columns ,")
    for result in (unknown, neither, name_alone, empty):
        assert isinstance(result.error_in_exec, UsageError)
    assert "No column 'nosuch'" in str(unknown.error_in_exec)
    assert "Traceback" not in captured.stdout + captured.stderr


def _fit(shell):
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    features = np.array([[0.0], [1.0], [2.0], [3.0]])
    shell.user_ns["clf"] = LogisticRegression().fit(features, [0, 0, 1, 1])


def test_register_a_model_variable_then_list_models_and_versions(shell, cell):
    _fit(shell)
    with capture_output() as captured:
        first = cell(shell, "%mlops_register churn clf --alias champion "
                            "--description 'baseline' --reason 'first model'")
    version = first.result
    assert first.success and (version.name, version.version) == ("churn", 1)
    assert version.aliases == ("champion",) and version.description == "baseline"
    # No tracked run fitted clf: one line says a run was made for it, then the record once.
    lines = [line for line in captured.stdout.splitlines() if line.strip()]
    assert lines[0].startswith("No tracked run logged this LogisticRegression: logged it into")
    assert captured.stdout.count("churn/1 @champion READY sklearn") == 1
    assert "created_at=" not in captured.stdout
    assert mlops.get_run(version.run_id).status is RunStatus.FINISHED
    audit = mlops.models.audit_entries("churn")
    assert any(entry.reason == "first model" for entry in audit)

    with capture_output():
        cell(shell, "%mlops_register churn clf")
        listed = cell(shell, "%mlops_models").result
        versions = cell(shell, "%mlops_models churn").result
    assert listed["name"].tolist() == ["churn"] and listed["versions"].tolist() == [2]
    assert versions["version"].tolist() == [1, 2]
    assert versions["aliases"].tolist() == [["champion"], []]


def test_register_uses_the_tracked_run_that_fitted_the_variable(shell, cell):
    cell(shell, "import numpy as np\nfrom sklearn.ensemble import RandomForestClassifier\n"
                "X = np.arange(40.0).reshape(20, 2)\ny = [0] * 10 + [1] * 10")
    with capture_output():
        cell(shell, "%%mlops_track -n forest --no-card\n"
                    "forest = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)\n"
                    "import jupyter_mlops as mlops\nmlops.log_metric('accuracy', 0.75)")
    with capture_output() as captured:
        version = cell(shell, "%mlops_register wine forest").result
    run = next(r for r in mlops.search_runs() if r.name == "forest")
    assert version.run_id == run.id and len(mlops.search_runs()) == 1
    assert version.metrics["accuracy"] == 0.75 and "training_score" in version.metrics
    assert version.params["n_estimators"] == "5"
    assert "No tracked run" not in captured.stdout
    with capture_output():
        refused = mlops.models.promote("wine", 1, require=["accuracy"])
        mlops.set_alias("wine", "champion", 1)
        version2 = cell(shell, "%mlops_register wine forest").result
    assert refused.promoted  # no holder yet: nothing to compare with
    with pytest.warns(UserWarning, match=r"wine version 2 not promoted to @champion: "
                                         r"nosuch: version 2 has no value"):
        outcome = mlops.models.promote("wine", version2.version, require=["nosuch"])
    assert not outcome and "NOT promoted" in repr(outcome) and "nosuch" in repr(outcome)


def test_promote_form_refuses_then_promotes(shell, cell):
    _fit(shell)
    with capture_output():
        cell(shell, "%mlops_register churn clf --alias champion")
        cell(shell, "%mlops_register churn clf")
        form = cell(shell, "%mlops_models churn --promote").result
        no_name = cell(shell, "%mlops_models --promote")
    assert isinstance(no_name.error_in_exec, UsageError)
    assert form.version.value == 2 and "text/html" in form._repr_mimebundle_()
    form.require.value = "auc>="
    form.button.click()
    assert "not promoted to @champion" in form.message.value
    assert "version 2 has no value" in form.message.value
    form.require.value = "auc>=>"
    assert form.promote() is None and "Require metrics as" in form.message.value
    form.require.value = ""
    form.reason.value = "reviewed"
    form.button.click()
    assert "Version 2 now holds @champion" in form.message.value
    holders = {v.version: v.aliases for v in mlops.models.list_versions("churn")}
    assert holders == {1: (), 2: ("champion",)}
    assert any(entry.reason == "reviewed" for entry in mlops.models.audit_entries("churn"))


def test_models_when_none_and_register_refusals(shell, cell):
    shell.user_ns["not_a_model"] = object()
    with capture_output() as captured:
        empty = cell(shell, "%mlops_models")
        unknown_var = cell(shell, "%mlops_register churn nosuchvar")
        bad_name = cell(shell, "%mlops_models 'bad name!'")
        bad_model = cell(shell, "%mlops_register churn not_a_model")
    assert empty.success and empty.result is None
    assert "No models are registered yet" in captured.stdout
    for result in (unknown_var, bad_name, bad_model):
        assert isinstance(result.error_in_exec, UsageError), result.error_in_exec
    assert "not a variable of this notebook" in str(unknown_var.error_in_exec)
    assert "Traceback" not in captured.stdout + captured.stderr


def _notebook(path: Path, body: str) -> None:
    cells = [
        {"cell_type": "code", "execution_count": None, "metadata": {"tags": ["parameters"]},
         "outputs": [], "source": "C = 0.5"},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
         "source": body},
    ]
    path.write_text(json.dumps({
        "cells": cells, "nbformat": 4, "nbformat_minor": 4,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}, "language_info": {"name": "python"}},
    }))


@pytest.mark.parametrize("workspace", ["sqlite"], indirect=True)  # kernels start slowly
def test_pipeline_run_shows_steps_caches_and_reports_failures(shell, cell, tracking):
    # Importing papermill_engine before papermill loads the engine's own entry point while it
    # is half-initialised (a pipeline bug that tests/pipeline catch); papermill first avoids it.
    import papermill.engines  # noqa: F401

    root = Path(tracking.root)
    _notebook(root / "double.ipynb", "import jupyter_mlops as m\nm.log_metric('double', C * 2)")
    _notebook(root / "broken.ipynb", "raise ValueError('broken step')")
    (root / "pipeline.yaml").write_text(textwrap.dedent("""\
        name: demo
        steps:
          double:
            notebook: double.ipynb
          broken:
            notebook: broken.ipynb
    """))
    with capture_output() as captured:
        first = cell(shell, "%mlops_pipeline run --only double -p C=2")
        cached = cell(shell, "%mlops_pipeline run pipeline.yaml --only double -p C=2")
        failed = cell(shell, "%mlops_pipeline run --only broken")
    assert first.success and first.result.states() == {"double": "ran"}
    step_run = mlops.get_run(first.result.outcome("double").run_id)
    assert step_run.metrics == {"double": 4.0}
    assert cached.result.states() == {"double": "cached"}
    tables = [o.data for o in captured.outputs if "text/html" in o.data]
    assert "demo: FINISHED" in tables[0]["text/plain"] and "<td>ran</td>" in tables[0]["text/html"]
    assert "<td>cached</td>" in tables[1]["text/html"]
    assert failed.success and failed.result.states() == {"broken": "failed"}
    assert "demo: FAILED" in tables[2]["text/plain"]
    assert "broken step" in captured.stderr


def test_pipeline_refusals_are_one_line_usage_errors(shell, cell, tracking):
    with capture_output() as captured:
        no_file = cell(shell, "%mlops_pipeline run nosuch.yaml")
        bad_action = cell(shell, "%mlops_pipeline walk")
        bad_param = cell(shell, "%mlops_pipeline run -p novalue")
    for result in (no_file, bad_action, bad_param):
        assert isinstance(result.error_in_exec, UsageError)
    assert "No pipeline file at nosuch.yaml" in str(no_file.error_in_exec)
    assert "Traceback" not in captured.stdout + captured.stderr
    assert mlops.search_runs() == []
