"""sklearn autolog inside tracked cells: what a fit records, and that patching is undone."""

from __future__ import annotations

import json

import pytest
from IPython.utils.capture import capture_output

import jupyter_mlops as mlops
from jupyter_mlops.records import RunStatus
from jupyter_mlops.session import current
from jupyter_mlops.tracking import autolog_support

pytest.importorskip("sklearn")
pytest.importorskip("skops")

DATA = (
    "import numpy as np, pandas as pd\n"
    "from sklearn.pipeline import Pipeline\n"
    "from sklearn.preprocessing import StandardScaler\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "from sklearn.model_selection import GridSearchCV\n"
    "rng = np.random.default_rng(0)\n"
    "X = pd.DataFrame(rng.normal(size=(120, 3)), columns=['a', 'b', 'c'])\n"
    "y = (X['a'] + 0.1 * rng.normal(size=120) > 0).astype(int)\n"
)


def _fit_methods():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return [cls.__dict__.get(name) for cls in (Pipeline, StandardScaler, LogisticRegression,
                                               GridSearchCV)
            for name in ("fit", "fit_transform") if name in cls.__dict__]


def _top_runs():
    return {r.name: mlops.get_run(r.id) for r in mlops.search_runs() if r.parent_id is None}


def test_pipeline_fit_records_params_metrics_model_and_signature(shell, cell):
    before = _fit_methods()
    cell(shell, DATA)
    with capture_output():
        result = cell(shell, "%%mlops_track -n pipe --no-card\n"
                             "model = Pipeline([('scale', StandardScaler()),\n"
                             "                  ('clf', LogisticRegression(C=0.5))]).fit(X, y)\n"
                             "model.score(X, y)")
    assert result.success and 0.5 < result.result <= 1.0
    assert _fit_methods() == before  # every patched class attribute restored
    run = _top_runs()["pipe"]
    assert run.params["steps"] == '["scale", "clf"]'
    assert run.params["clf"] == "LogisticRegression" and run.params["clf__C"] == "0.5"
    assert run.params["scale__with_mean"] == "True"
    assert run.metrics["training_score"] == pytest.approx(result.result)
    assert run.metrics["fit_time"] > 0
    artifacts = {a.path: a for a in run.artifacts}
    assert run.tags["mlops.model.digest"] == artifacts["model/model.skops"].digest
    # One way a model is stored: the models capability's model.json beside the flavor file.
    meta = json.loads(current().store.artifacts.get_bytes(artifacts["model/model.json"].digest))
    assert meta["flavor"] == "sklearn" and meta["model_digest"] == run.tags["mlops.model.digest"]
    assert [c["name"] for c in meta["signature"]["inputs"]["columns"]] == list("abc")
    loaded = mlops.load_model(f"runs:/{run.id}/model")
    model = shell.user_ns["model"]
    assert (loaded.predict(shell.user_ns["X"]) == model.predict(shell.user_ns["X"])).all()
    # The pipeline's inner fits are part of its fit, not runs of their own.
    assert len(mlops.search_runs()) == 1


def test_grid_search_logs_best_and_one_child_per_candidate(shell, cell):
    cell(shell, DATA)
    with capture_output():
        result = cell(shell, "%%mlops_track -n search --no-card\n"
                             "search = GridSearchCV(LogisticRegression(), {'C': [0.1, 1.0, 10.0]},"
                             " cv=3).fit(X, y)")
    assert result.success
    search = shell.user_ns["search"]
    run = _top_runs()["search"]
    assert run.params["best_C"] == str(search.best_params_["C"])
    assert run.metrics["best_cv_score"] == pytest.approx(search.best_score_)
    assert run.params["estimator"] == "LogisticRegression"
    children = [mlops.get_run(r.id) for r in mlops.search_runs() if r.parent_id == run.id]
    assert sorted(c.params["C"] for c in children) == ["0.1", "1.0", "10.0"]
    for child in children:
        index = search.cv_results_["params"].index({"C": float(child.params["C"])})
        assert child.metrics["mean_test_score"] == pytest.approx(
            search.cv_results_["mean_test_score"][index])
        assert child.status is RunStatus.FINISHED


def test_second_fit_in_a_cell_gets_a_child_run(shell, cell):
    cell(shell, DATA)
    with capture_output():
        cell(shell, "%%mlops_track -n two --no-card\n"
                    "LogisticRegression(C=1.0).fit(X, y)\nLogisticRegression(C=2.0).fit(X, y)")
    run = _top_runs()["two"]
    children = [mlops.get_run(r.id) for r in mlops.search_runs() if r.parent_id == run.id]
    assert run.params["C"] == "1.0"
    assert [c.params["C"] for c in children] == ["2.0"]


def test_failing_cell_restores_patches_and_records_the_earlier_fit(shell, cell):
    before = _fit_methods()
    cell(shell, DATA)
    with capture_output():
        result = cell(shell, "%%mlops_track -n broken --no-card\n"
                             "LogisticRegression().fit(X, y)\nraise RuntimeError('after fit')")
    assert isinstance(result.error_in_exec, RuntimeError)
    assert _fit_methods() == before
    run = _top_runs()["broken"]
    assert run.status is RunStatus.FAILED and "training_score" in run.metrics


def test_no_autolog_and_untracked_cells_record_nothing(shell, cell):
    cell(shell, DATA)
    with capture_output():
        cell(shell, "%%mlops_track -n quiet --no-card --no-autolog\nLogisticRegression().fit(X, y)")
        cell(shell, "LogisticRegression().fit(X, y)")
    runs = mlops.search_runs()
    assert [r.name for r in runs] == ["quiet"]
    assert mlops.get_run(runs[0].id).params == {}


def test_flatten_params_of_nested_estimators():
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    pre = ColumnTransformer([("num", StandardScaler(), ["a"]), ("cat", OneHotEncoder(), ["b"])])
    flat = autolog_support.flatten_params(Pipeline([("pre", pre),
                                                    ("clf", LogisticRegression())]))
    assert flat["steps"] == ["pre", "clf"]
    assert flat["pre"] == "ColumnTransformer" and flat["pre__transformers"] == ["num", "cat"]
    assert flat["pre__num__with_std"] is True and flat["clf__max_iter"] == 100
