"""One trial: a run nested under the sweep's run, its params, metrics, model and state.

A metric named like the sweep's is reported to Optuna when it is logged with a step, so the
pruner sees the learning curve; a pruned trial's run is FINISHED with ``mlops.trial.state``
``pruned``; the objective's own exceptions fail the trial and its run, and stop the sweep.
A model the objective logs into the trial's run (``mlops.log_model``) is that trial's model:
its ``runs:/`` URI is tagged on the run and kept on the Optuna trial beside the run's id, so
the sweep can point at the best trial's model.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInput
from ..records import RunStatus
from ..tracking import run as runs
from .space import suggest

STATE_TAG = "mlops.trial.state"
SWEEP_TAG = "mlops.sweep"
MODEL_TAG = "mlops.trial.model"
# Optuna user attributes of a trial, stored in the study: they outlive the sweep's process, so
# a resumed sweep still finds the run and model of a best trial an earlier process ran.
RUN_ATTR = "mlops.run_id"
MODEL_ATTR = "mlops.model_uri"


@dataclass(frozen=True)
class TrialPlan:
    """What every trial of one sweep shares; picklable, so Dask workers get it too."""

    objective: Callable[..., Any]
    space: Mapping[str, Any] | None
    metric: str
    parent_id: str
    experiment: str
    study_name: str


def _trial_run(plan: TrialPlan, number: int) -> runs.ActiveRun:
    current = runs.active_run()
    nested = current is not None and current.id == plan.parent_id
    run = runs.start_run(
        name=f"trial-{number}", experiment=plan.experiment, nested=nested,
        tags={SWEEP_TAG: plan.study_name, "mlops.trial.number": number},
    )
    if not nested:
        # A worker thread or process does not hold the sweep's run object; the row only
        # needs its id, and it is written lazily, after this.
        run._parent_id = plan.parent_id
    return run


def _feed_pruner(run: runs.ActiveRun, trial: Any, metric: str, seen: dict[str, float]) -> None:
    """Wrap the run's metric logging so the sweep's metric reaches Optuna as it is logged."""
    import optuna

    log_metric, log_metrics = run.log_metric, run.log_metrics

    def report(value: Any, step: int | None) -> None:
        seen[metric] = float(value)
        if step is not None:
            trial.report(float(value), int(step))
            if trial.should_prune():
                raise optuna.TrialPruned(f"pruned at step {step}")

    def one(key: str, value: Any, step: int | None = None, timestamp: float | None = None) -> None:
        log_metric(key, value, step, timestamp)
        if key == metric:
            report(value, step)

    def many(metrics: Mapping[str, Any], step: int | None = None,
             timestamp: float | None = None) -> None:
        log_metrics(metrics, step, timestamp)
        if metric in metrics:
            report(metrics[metric], step)

    # Instance attributes win over the class's methods, and mlops.log_metric goes through
    # the active run, so the user's plain calls reach the pruner.
    run.log_metric = one  # type: ignore[method-assign]
    run.log_metrics = many  # type: ignore[method-assign]


def _collect_models(run: runs.ActiveRun, models: list[str]) -> None:
    """Wrap the run's output lineage so the models logged into it are known when it ends."""
    log_output = run.log_output

    def output(kind: str, ref: str) -> None:
        log_output(kind, ref)
        if kind == "model":
            models.append(ref)

    # log_model records its URI through the run's log_output, as autolog's does.
    run.log_output = output  # type: ignore[method-assign]


def _trial_model(models: list[str]) -> str | None:
    # The default artifact name wins when the objective logged more than one model.
    default = [uri for uri in models if uri.endswith("/model")]
    return (default or models or [None])[-1]


def _log_suggested(run: runs.ActiveRun, trial: Any, logged: set[str]) -> None:
    # Params are fixed once logged, so each is logged once, whichever way the trial ends.
    fresh = {k: v for k, v in trial.params.items() if k not in logged}
    if fresh and run.status is RunStatus.RUNNING:
        run.log_params(fresh)
        logged.update(fresh)


def run_trial(plan: TrialPlan, trial: Any) -> float:
    """Optuna's objective: run the user's one inside a tracked, nested run."""
    import optuna

    run = _trial_run(plan, trial.number)
    trial.set_user_attr(RUN_ATTR, run.id)
    seen: dict[str, float] = {}
    logged: set[str] = set()
    models: list[str] = []
    _feed_pruner(run, trial, plan.metric, seen)
    _collect_models(run, models)
    try:
        if plan.space is not None:
            values = suggest(trial, plan.space)
            run.log_params(values)
            logged.update(values)
            result = plan.objective(values)
        else:
            result = plan.objective(trial)
            _log_suggested(run, trial, logged)
        if result is None:
            if plan.metric not in seen:
                raise InvalidInput(
                    f"The objective returned nothing and logged no {plan.metric!r} metric: "
                    f"return the value or call mlops.log_metric({plan.metric!r}, value)."
                )
            result = seen[plan.metric]
        else:
            result = float(result)
            if plan.metric not in seen:
                run.log_metric(plan.metric, result)
        if math.isnan(result):
            raise InvalidInput(f"The objective's {plan.metric!r} is NaN.")
    except optuna.TrialPruned:
        _log_suggested(run, trial, logged)
        run.set_tag(STATE_TAG, "pruned")
        run.end(RunStatus.FINISHED)
        raise
    except BaseException as exc:
        _log_suggested(run, trial, logged)
        run.set_tag(STATE_TAG, "failed")
        status = RunStatus.KILLED if isinstance(exc, KeyboardInterrupt) else RunStatus.FAILED
        run.end(status, f"{type(exc).__name__}: {exc}")
        raise
    model = _trial_model(models)
    if model is not None:
        run.set_tag(MODEL_TAG, model)
        trial.set_user_attr(MODEL_ATTR, model)
    run.set_tag(STATE_TAG, "complete")
    run.end(RunStatus.FINISHED)
    return result
