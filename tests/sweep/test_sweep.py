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


def _stepped(trial) -> float:
    """A quadratic reported over five steps, so a pruner has curves to read."""
    x = trial.suggest_float("x", -3.0, 3.0)
    for step in range(5):
        value = -(x - 1.0) ** 2 - 1.0 / (step + 1)
        mlops.log_metric("score", value, step=step)
    return -(x - 1.0) ** 2


@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
def test_the_qmc_sampler_and_the_hyperband_pruner_run_tracked_sweeps(tracking) -> None:
    import optuna

    result = mlops.sweep(_stepped, None, n_trials=8, sampler="qmc", pruner="hyperband",
                         metric="score", name="qmc", seed=3)
    assert isinstance(result.study.sampler, optuna.samplers.QMCSampler)
    assert isinstance(result.study.pruner, optuna.pruners.HyperbandPruner)
    assert len(result.study.trials) == 8 and len(_trials(result.run_id)) == 8
    sweep_run = mlops.get_run(result.run_id)
    assert sweep_run.tags["mlops.sweep.sampler"] == "qmc"
    assert sweep_run.tags["mlops.sweep.pruner"] == "hyperband"
    # Optuna's other two figures, as the notebook shows them.
    assert result.plot_parallel().data and result.plot_importances().data


def test_the_cmaes_sampler_needs_its_package_and_says_so_before_any_run(tracking) -> None:
    import importlib.util

    from jupyter_mlops.errors import MissingDependency

    if importlib.util.find_spec("cmaes") is not None:
        result = mlops.sweep(_stepped, None, n_trials=4, sampler="cmaes", pruner=None,
                             metric="score", seed=1)
        assert len(_trials(result.run_id)) == 4
        return
    before = len(mlops.search_runs())
    with pytest.raises(MissingDependency, match="pip install cmaes"):
        mlops.sweep(_stepped, None, n_trials=4, sampler="cmaes", metric="score")
    assert len(mlops.search_runs()) == before  # no FAILED sweep run, no failed trial
