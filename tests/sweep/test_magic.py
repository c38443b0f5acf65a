"""%%mlops_sweep on a real IPython shell: the cell is the objective, ``trial`` in its namespace."""

from __future__ import annotations

from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

import jupyter_mlops as mlops

CELL = """
x = trial.suggest_float("x", -3.0, 3.0)
offset = 1.5
loss = (x - offset) ** 2
"""


def test_the_cell_is_the_objective(shell: Any) -> None:
    shell.run_cell_magic("mlops_sweep", "-n 6 --minimize loss --sampler random --pruner none "
                         "--name magic --seed 2 --no-plot", CELL)
    result = shell.user_ns["_sweep"]
    assert len(result.study.trials) == 6
    assert shell.user_ns["offset"] == 1.5  # the cell ran in the user's namespace
    values = [t.value for t in result.study.trials]
    assert result.best_value == min(values)
    children = [r for r in mlops.search_runs() if r.parent_id == result.run_id]
    assert len(children) == 6
    assert all("x" in c.params and "loss" in c.metrics for c in children)
    assert mlops.get_run(result.run_id).metrics["loss"] == pytest.approx(min(values))


PLOTLY = "application/vnd.plotly.v1+json"


def test_the_optimisation_history_is_shown_unless_no_plot(shell: Any) -> None:
    # No renderer set: the magic sends plotly's mime bundle itself, so a shell that is no
    # kernel shows the figures too instead of plotly trying to open a browser.
    with capture_output() as shown:
        shell.run_cell_magic("mlops_sweep", "-n 4 --minimize loss --sampler random "
                             "--pruner none --name plotted --seed 3", CELL)
    result = shell.user_ns["_sweep"]
    figures = [o.data[PLOTLY] for o in shown.outputs if PLOTLY in o.data]
    titles = [f["layout"]["title"]["text"] for f in figures]
    assert titles == ["Optimization History Plot", "Parallel Coordinate Plot",
                      "Hyperparameter Importances"], titles
    history = figures[0]
    assert history["layout"]["title"]["text"] == "Optimization History Plot"
    assert history["layout"]["yaxis"]["title"]["text"] == "loss"
    values = [t.value for t in result.study.trials]
    traces = {trace.get("name"): trace for trace in history["data"]}
    assert list(traces["loss"]["y"]) == pytest.approx(values)
    assert traces["Best Value"]["y"][-1] == pytest.approx(min(values))

    with capture_output() as quiet:
        shell.run_cell_magic("mlops_sweep", "-n 2 --minimize loss --sampler random "
                             "--pruner none --no-plot", CELL)
    assert not quiet.outputs and "best loss" in quiet.stdout


def test_an_error_in_the_cell_is_the_users(shell: Any) -> None:
    with pytest.raises(ZeroDivisionError):
        shell.run_cell_magic("mlops_sweep", "-n 2 --maximize auc --no-plot", "1 / 0")
    with pytest.raises(UsageError, match="not both"):
        shell.run_cell_magic("mlops_sweep", "--maximize a --minimize b", "pass")
    with pytest.raises(UsageError, match="Unknown sweep sampler"):
        shell.run_cell_magic("mlops_sweep", "--sampler nope", "pass")


FIT = """
from sklearn.linear_model import LogisticRegression
C = trial.suggest_float("C", 0.01, 10.0, log=True)
depth = trial.suggest_int("max_iter", 50, 200)
model = LogisticRegression(C=C, max_iter=depth).fit(X, y)
score = model.score(X, y)
"""


def test_a_fitted_model_is_autologged_into_its_trial(shell: Any) -> None:
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import scale

    X, y = load_breast_cancer(return_X_y=True)
    shell.user_ns.update(X=scale(X)[:, :5], y=y)
    with capture_output() as shown:
        shell.run_cell_magic("mlops_sweep", "-n 4 --maximize score --sampler random "
                             "--pruner none --seed 1", FIT)
    result = shell.user_ns["_sweep"]
    assert sum(PLOTLY in o.data for o in shown.outputs) == 3
    assert result.best_model_uri == f"runs:/{result.best_run_id}/model"
    best = mlops.load_model(result.best_model_uri)
    assert best.predict(shell.user_ns["X"][:20]).tolist() == \
        shell.user_ns["model"].__class__(
            C=result.best_params["C"], max_iter=result.best_params["max_iter"]
        ).fit(shell.user_ns["X"], y).predict(shell.user_ns["X"][:20]).tolist()
    with capture_output():
        shell.run_cell_magic("mlops_sweep", "-n 1 --maximize score --sampler random "
                             "--pruner none --no-autolog --no-plot", FIT)
    assert shell.user_ns["_sweep"].best_model_uri is None
