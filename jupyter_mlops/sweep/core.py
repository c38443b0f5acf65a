"""``mlops.sweep``: an Optuna study whose trials are runs nested under the sweep's run."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import session as sessions
from ..config import Workspace
from ..errors import InvalidInput
from ..tracking import run as runs
from .plugins import PRUNERS, SAMPLERS
from .space import check_space
from .storage import counted, storage
from .trial import MODEL_ATTR, RUN_ATTR, SWEEP_TAG, TrialPlan, run_trial

if TYPE_CHECKING:
    import optuna
    import pandas as pd
    import plotly.graph_objects as go

EXECUTORS = ("local", "dask")


@dataclass
class Sweep:
    """A finished (or stopped) sweep: its run, its Optuna study, and the best trial."""

    run_id: str
    study: Any
    metric: str

    @property
    def best_params(self) -> dict[str, Any]:
        return dict(self.study.best_trial.params)

    @property
    def best_value(self) -> float:
        return float(self.study.best_trial.value)

    @property
    def best_run_id(self) -> str | None:
        """The run of the best trial (None for a trial run before trials kept their run)."""
        return self.study.best_trial.user_attrs.get(RUN_ATTR)

    @property
    def best_model_uri(self) -> str | None:
        """``runs:/<best trial's run>/model``: the model the best trial logged, or None."""
        return self.study.best_trial.user_attrs.get(MODEL_ATTR)

    def trials(self) -> pd.DataFrame:
        """The trials as a DataFrame (number, value, state, params)."""
        return self.study.trials_dataframe()

    def plot_history(self) -> go.Figure:
        import optuna.visualization as vis

        return vis.plot_optimization_history(self.study, target_name=self.metric)

    def plot_parallel(self) -> go.Figure:
        import optuna.visualization as vis

        return vis.plot_parallel_coordinate(self.study, target_name=self.metric)

    def plot_importances(self) -> go.Figure:
        import optuna.visualization as vis

        return vis.plot_param_importances(self.study, target_name=self.metric)

    def __repr__(self) -> str:
        return (f"<Sweep {self.study.study_name!r} run={self.run_id} "
                f"trials={len(self.study.trials)}>")


def _open_study(workspace: Workspace, name: str, direction: str, sampler: Any,
                pruner: Any) -> optuna.Study:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.create_study(
        storage=storage(workspace), study_name=name, direction=direction,
        sampler=sampler, pruner=pruner, load_if_exists=True,
    )


def _work(workspace: Workspace, name: str, direction: str, sampler_name: str,
          pruner_name: str | None, plan: TrialPlan, budget: int, seed: int | None) -> int:
    """One worker's share of the trials, in whatever thread or process it runs."""
    import optuna

    if sessions.current().workspace != workspace:
        sessions.use(workspace.root, uri=workspace.uri, artifacts=workspace.artifacts)
    sampler = SAMPLERS.get(sampler_name)(plan.space, seed)
    pruner = PRUNERS.get(pruner_name)() if pruner_name else optuna.pruners.NopPruner()
    study = _open_study(workspace, name, direction, sampler, pruner)
    study.optimize(lambda trial: run_trial(plan, trial), n_trials=budget)
    return budget


def _shares(total: int, jobs: int) -> list[int]:
    base, extra = divmod(total, jobs)
    return [base + (1 if i < extra else 0) for i in range(jobs) if base or i < extra]


def _local(shares: list[int], work: Callable[[int, int], int]) -> None:
    if len(shares) == 1:
        work(shares[0], 0)
        return
    errors: list[BaseException] = []

    def one(share: int, index: int) -> None:
        try:
            work(share, index)
        except BaseException as exc:  # re-raised in the caller's thread below
            errors.append(exc)

    # Each thread gets a copy of this context, so the sweep's run is the parent of its trials.
    threads = [threading.Thread(target=contextvars.copy_context().run, args=(one, s, i),
                                daemon=True) for i, s in enumerate(shares)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def _dask(shares: list[int], address: str | None, work: Callable[[int, int], int]) -> None:
    try:
        from distributed import Client
    except ImportError as exc:
        raise InvalidInput(
            "executor='dask' needs distributed: pip install 'jupyter-mlops[dask]'."
        ) from exc
    client = Client(address) if address else Client(processes=False)
    try:
        futures = [client.submit(work, share, i, pure=False) for i, share in enumerate(shares)]
        client.gather(futures)
    finally:
        client.close()


def sweep(
    objective: Callable[..., Any],
    space_or_suggest_fn: Mapping[str, Any] | None = None,
    n_trials: int = 50,
    direction: str = "maximize",
    metric: str = "auc",
    sampler: str = "tpe",
    pruner: str | None = "median",
    jobs: int = 1,
    executor: str = "local",
    address: str | None = None,
    name: str | None = None,
    experiment: str | None = None,
    seed: int | None = None,
) -> Sweep:
    """Search hyperparameters with Optuna; each trial is a run nested under the sweep's run.

    Parameters
    ----------
    objective:
        With a space: called with a dict of the trial's values. Without one: called with the
        Optuna ``trial`` (it suggests its own values). Returns the metric, or logs it with
        ``mlops.log_metric(metric, value, step=...)``; values logged with a step feed the pruner.
    space_or_suggest_fn:
        A search space (see ``jupyter_mlops.sweep.space``), or None when ``objective``
        takes the trial.
    n_trials:
        Trials to finish (complete or pruned), counting those of an earlier, stopped sweep of
        the same ``name``.
    direction, metric:
        ``maximize`` or ``minimize`` the metric called ``metric``.
    sampler, pruner:
        Names from ``SAMPLERS`` (tpe, random, grid, cmaes, qmc) and ``PRUNERS`` (median,
        hyperband) or None.
    jobs, executor, address:
        Workers sharing the study: threads here (``local``) or tasks on a Dask cluster
        (``dask``, at ``address``, or an in-process cluster when None).
    name:
        The study's name; a sweep of an existing name continues it.

    Returns
    -------
    Sweep
        The sweep's run id, the Optuna study and the best trial.
    """
    if direction not in ("maximize", "minimize"):
        raise InvalidInput(f"direction must be 'maximize' or 'minimize', not {direction!r}.")
    if not isinstance(n_trials, int) or n_trials < 1:
        raise InvalidInput(f"n_trials must be a positive whole number, not {n_trials!r}.")
    if not isinstance(jobs, int) or jobs < 1:
        raise InvalidInput(f"jobs must be a positive whole number, not {jobs!r}.")
    if executor not in EXECUTORS:
        raise InvalidInput(f"Unknown executor {executor!r}. Known: {', '.join(EXECUTORS)}.")
    if not callable(objective):
        raise InvalidInput("objective must be a function of the trial (or of the values).")
    space = None if space_or_suggest_fn is None else check_space(space_or_suggest_fn)
    sampler_factory = SAMPLERS.get(sampler)
    pruner_factory = PRUNERS.get(pruner) if pruner else None
    import optuna

    # Built before the sweep's run starts: a sampler that cannot be made (a missing package,
    # a grid without a space) is one clear error, not a FAILED run and a failed trial.
    first_sampler = sampler_factory(space, seed)
    first_pruner = pruner_factory() if pruner_factory else optuna.pruners.NopPruner()
    track = sessions.current()
    workspace = track.workspace
    sweep_run = runs.start_run(name=name, experiment=experiment, nested=runs.active_run()
                               is not None)
    study_name = name or sweep_run.name
    try:
        study = _open_study(workspace, study_name, direction, first_sampler, first_pruner)
        sweep_run.set_tags({SWEEP_TAG: study_name, "mlops.sweep.sampler": sampler,
                            "mlops.sweep.pruner": pruner or "none"})
        sweep_run.log_params({"sweep.n_trials": n_trials, "sweep.direction": direction,
                              "sweep.metric": metric})
        plan = TrialPlan(objective, space, metric, sweep_run.id, sweep_run.experiment,
                         study_name)
        remaining = n_trials - counted(study)

        def work(share: int, index: int) -> int:
            # Distinct seeds, so parallel workers do not propose the same points.
            worker_seed = None if seed is None else seed + index
            return _work(workspace, study_name, direction, sampler, pruner, plan, share,
                         worker_seed)

        if remaining > 0:
            shares = _shares(remaining, jobs)
            if executor == "dask":
                _dask(shares, address, work)
            else:
                _local(shares, work)
        result = Sweep(sweep_run.id, study, metric)
        finished = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
        if finished:
            sweep_run.log_params({f"best.{k}": v for k, v in result.best_params.items()})
            sweep_run.log_metric(metric, result.best_value)
            sweep_run.set_tag("mlops.sweep.best_trial", result.study.best_trial.number)
            best = {"mlops.sweep.best_trial_run": result.best_run_id,
                    "mlops.sweep.best_model_uri": result.best_model_uri}
            sweep_run.set_tags({k: v for k, v in best.items() if v is not None})
    except BaseException as exc:
        sweep_run.__exit__(type(exc), exc, exc.__traceback__)
        raise
    sweep_run.end()
    return result
