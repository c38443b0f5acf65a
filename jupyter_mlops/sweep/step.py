"""Sweeping a pipeline step's parameters: each trial runs the pipeline with papermill, cached.

A trial sets ``<step>.<param>`` overrides and runs the pipeline under the trial's run, so the
pipeline run and its step runs nest beneath it; steps whose cache key is unchanged (the
upstream ones after the first trial) are not run again. The trial's value is the metric the
swept step logged, else the first other step's of that name. Trials take turns (they share
the pipeline's folder); ``jobs``, ``executor`` and ``address`` place each trial's steps.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import InvalidInput, NotFound
from .core import Sweep, sweep


def load_space(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A search space from a YAML file."""
    import yaml

    file = Path(path)
    if not file.is_file():
        raise NotFound(f"No search space file {str(file)!r}: write one such as "
                       "'C: {type: float, low: 0.001, high: 10, log: true}'.")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{file}: not valid YAML ({exc}).") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{file}: a search space is a mapping of parameter to range.")
    return data


def sweep_step(
    pipeline: str | os.PathLike[str],
    step: str,
    space: Mapping[str, Any],
    n_trials: int = 20,
    direction: str = "maximize",
    metric: str = "auc",
    sampler: str = "tpe",
    jobs: int = 1,
    executor: str = "local",
    address: str | None = None,
    name: str | None = None,
    seed: int | None = None,
) -> Sweep:
    """Sweep ``step``'s parameters of ``pipeline`` over ``space``; see ``sweep``."""
    from ..pipeline.spec import load_pipeline
    from ..tracking.queries import get_run

    spec = load_pipeline(pipeline)
    if step not in spec.steps:
        raise NotFound(f"No step {step!r} in {pipeline}. Steps: {', '.join(spec.steps)}.")
    path = str(Path(pipeline).resolve())

    def objective(values: dict[str, Any]) -> float:
        from ..pipeline.runner import run_pipeline

        result = run_pipeline(path, params={f"{step}.{k}": v for k, v in values.items()},
                              jobs=jobs, executor=executor, address=address)
        result.raise_for_status()
        ordered = [result.outcome(step)] + [o for o in result.steps if o.step != step]
        for outcome in ordered:
            if outcome.run_id:
                metrics = get_run(outcome.run_id).metrics
                if metric in metrics:
                    return float(metrics[metric])
        raise InvalidInput(f"No step of {pipeline} logged the metric {metric!r}: log it in "
                           f"{step!r} with mlops.log_metric({metric!r}, value).")

    # Trials of one pipeline write its outputs into one folder, so they take turns; ``jobs``,
    # ``executor`` and ``address`` say where each trial's steps run (a Dask cluster).
    return sweep(objective, space, n_trials=n_trials, direction=direction, metric=metric,
                 sampler=sampler, pruner=None, name=name, seed=seed)
