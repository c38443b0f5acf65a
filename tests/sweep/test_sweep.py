"""mlops.sweep on a real Optuna study in the workspace's database, with tracked trials."""

from __future__ import annotations

import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidInput, NotFound

from .objective import objective


def _trials(sweep_run_id: str) -> list:
    return [r for r in mlops.search_runs() if r.parent_id == sweep_run_id]


def test_sweep_tracks_trials_prunes_and_keeps_the_best(tracking) -> None:
    result = mlops.sweep(objective, None, n_trials=20, sampler="tpe", pruner="median",
                         metric="auc", name="sgd", seed=1)
    import optuna

    states = [t.state for t in result.study.trials]
    assert len(states) == 20
    assert optuna.trial.TrialState.PRUNED in states
    children = _trials(result.run_id)
    assert len(children) == 20
    by_state = {c.tags["mlops.trial.state"] for c in children}
    assert by_state == {"complete", "pruned"}
    pruned = [c for c in children if c.tags["mlops.trial.state"] == "pruned"]
    assert len(pruned) == states.count(optuna.trial.TrialState.PRUNED)
    assert all("alpha" in c.params and "eta0" in c.params for c in children)
    sweep_run = mlops.get_run(result.run_id)
    assert sweep_run.status.value == "FINISHED"
    assert float(sweep_run.params["best.alpha"]) == pytest.approx(result.best_params["alpha"])
    assert sweep_run.metrics["auc"] == pytest.approx(result.best_value)
    assert result.best_value == max(t.value for t in result.study.trials
                                    if t.state == optuna.trial.TrialState.COMPLETE)
    assert result.plot_history().data


def test_a_space_and_the_grid_sampler(tracking) -> None:
    seen = []

    def quadratic(values: dict) -> float:
        seen.append(values["x"])
        return -(values["x"] - 2) ** 2

    space = {"x": {"type": "int", "low": 0, "high": 4, "step": 1}}
    result = mlops.sweep(quadratic, space, n_trials=5, sampler="grid", pruner=None,
                         metric="score")
    assert sorted(seen) == [0, 1, 2, 3, 4]
    assert result.best_params == {"x": 2}
    assert mlops.get_run(result.run_id).metrics["score"] == 0


def test_bad_input_is_one_clear_error(tracking) -> None:
    with pytest.raises(NotFound, match="Unknown sweep sampler 'annealing'"):
        mlops.sweep(objective, None, sampler="annealing")
    with pytest.raises(InvalidInput, match="direction"):
        mlops.sweep(objective, None, direction="up")
    with pytest.raises(InvalidInput, match="numeric 'low'"):
        mlops.sweep(objective, {"x": {"type": "float", "high": 1}})
    with pytest.raises(InvalidInput, match="grid sampler needs a step"):
        mlops.sweep(objective, {"x": {"low": 0, "high": 1}}, sampler="grid")


def test_mlops_sweep_stays_callable_once_the_package_is_imported(tracking) -> None:
    import jupyter_mlops.sweep  # noqa: F401  (binds the package on the root)

    result = mlops.sweep(lambda values: values["x"], {"x": [1, 2, 3]}, n_trials=3,
                         sampler="grid", pruner=None, metric="x")
    assert result.best_value == 3
