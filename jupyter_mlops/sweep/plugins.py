"""The samplers and pruners a sweep can name, registered as a third party's would be.

Each entry is a factory: a sampler factory takes the search space (or None when the objective
suggests its own values) and a seed; a pruner factory takes nothing. The objects are Optuna's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput, MissingDependency
from ..plugins import Registry

if TYPE_CHECKING:
    import optuna

SamplerFactory = Callable[[Mapping[str, Any] | None, int | None], Any]
PrunerFactory = Callable[[], Any]

SAMPLERS: Registry[SamplerFactory] = Registry(
    "jupyter_mlops.samplers", "sweep sampler",
    "Register one with jupyter_mlops.sweep.SAMPLERS.register(name, factory).",
)
PRUNERS: Registry[PrunerFactory] = Registry(
    "jupyter_mlops.pruners", "sweep pruner",
    "Register one with jupyter_mlops.sweep.PRUNERS.register(name, factory).",
)


def _tpe(space: Mapping[str, Any] | None, seed: int | None) -> optuna.samplers.TPESampler:
    import optuna

    return optuna.samplers.TPESampler(seed=seed)


def _random(space: Mapping[str, Any] | None, seed: int | None) -> optuna.samplers.RandomSampler:
    import optuna

    return optuna.samplers.RandomSampler(seed=seed)


def _cmaes(space: Mapping[str, Any] | None, seed: int | None) -> optuna.samplers.CmaEsSampler:
    import importlib.util

    import optuna

    # Optuna makes the sampler without its package and fails inside the first trial.
    if importlib.util.find_spec("cmaes") is None:
        raise MissingDependency("The cmaes sampler needs the cmaes package: pip install cmaes "
                                "(or choose another sampler: tpe, random, qmc, grid).")
    return optuna.samplers.CmaEsSampler(seed=seed)


def _qmc(space: Mapping[str, Any] | None, seed: int | None) -> optuna.samplers.QMCSampler:
    import optuna

    return optuna.samplers.QMCSampler(seed=seed)


def _grid(space: Mapping[str, Any] | None, seed: int | None) -> optuna.samplers.GridSampler:
    import optuna

    from .space import grid_values

    if space is None:
        raise InvalidInput(
            "The grid sampler needs a search space (a dict of choices), not a suggest function."
        )
    return optuna.samplers.GridSampler(grid_values(space), seed=seed)


def _median() -> optuna.pruners.MedianPruner:
    import optuna

    # A few warm-up trials and steps, so the first trials are not pruned against nothing.
    return optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1)


def _hyperband() -> optuna.pruners.HyperbandPruner:
    import optuna

    return optuna.pruners.HyperbandPruner()


for _name, _factory in {"tpe": _tpe, "random": _random, "cmaes": _cmaes, "qmc": _qmc,
                        "grid": _grid}.items():
    SAMPLERS.register(_name, _factory)
PRUNERS.register("median", _median)
PRUNERS.register("hyperband", _hyperband)
