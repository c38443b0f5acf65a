"""What the lab's Sweep view reads: a sweep's run summarised and its trials, from the runs alone.

The runs are the record (the Optuna study is the sampler's memory), so the view reads the store:
the sweep's run has the direction, metric, sampler, pruner and best trial; each child run is a
trial with its number, state tag, params and metric. Opening Optuna's storage here would create
its tables on a read, and the runs already hold all the view shows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from ..errors import NotFound
from ..session import current
from ..tracking import queries
from .trial import STATE_TAG, SWEEP_TAG

NUMBER_TAG = "mlops.trial.number"
BEST_TAG = "mlops.sweep.best_trial"
STATES = ("complete", "pruned", "failed", "running")
MAX_TRIALS = 10_000
_INT = re.compile(r"-?\d{1,18}")


def is_sweep(tags: dict[str, str]) -> bool:
    """Whether a run's tags mark it as a sweep's run (its trials carry the sweep tag too)."""
    return SWEEP_TAG in tags and NUMBER_TAG not in tags


def sweep_view(run_id: str) -> dict[str, Any]:
    """A sweep's summary and its trials, for the lab's Sweep view.

    Parameters
    ----------
    run_id:
        The sweep run's id or a unique prefix of it.

    Returns
    -------
    dict
        ``{"sweep": {...}, "trials": [...]}``: the sweep's name, status, direction, metric,
        sampler, pruner, budget, best trial and counts by state; each trial's run id, number,
        state, params (numbers parsed back), value (complete trials only), last logged value,
        how many values of the metric it logged (the pruner's intermediate values) and duration.

    Raises
    ------
    NotFound
        No run has that id, or the run is not a sweep's.
    """
    run = queries.get_run(run_id)
    if not is_sweep(run.tags):
        raise NotFound(f"Run {run.id} is not a sweep: a sweep's run is made by mlops.sweep "
                       "or %%mlops_sweep and carries the mlops.sweep tag.")
    metric = run.params.get("sweep.metric", "")
    direction = run.params.get("sweep.direction", "maximize")
    children = queries.search_runs(None, f"parent_id = '{run.id}'", ["start_time ASC"],
                                   MAX_TRIALS, 0, False)
    children = [c for c in children if NUMBER_TAG in c.tags]
    counts = _metric_counts([c.id for c in children], metric)
    trials = sorted((_trial(c, metric, counts.get(c.id, 0)) for c in children),
                    key=lambda t: (t["number"] is None, t["number"] or 0))
    by_state = {state: 0 for state in STATES}
    for trial in trials:
        by_state[trial["state"]] = by_state.get(trial["state"], 0) + 1
    pruner = run.tags.get("mlops.sweep.pruner")
    return {
        "sweep": {
            "id": run.id, "name": run.name, "study": run.tags[SWEEP_TAG],
            "experiment": run.experiment, "status": run.status.value,
            "start_time": run.start_time, "end_time": run.end_time, "duration": run.duration,
            "direction": direction, "metric": metric,
            "n_trials": _number(run.params.get("sweep.n_trials")),
            "sampler": run.tags.get("mlops.sweep.sampler"),
            "pruner": None if pruner in (None, "none") else pruner,
            "best": _best(run, trials, metric, direction),
            "counts": by_state,
        },
        "trials": trials,
    }


def _trial(run: Any, metric: str, logged: int) -> dict[str, Any]:
    state = run.tags.get(STATE_TAG)
    if state not in STATES:
        # No state tag yet: the trial is still running, or its process died before the end.
        state = "running" if run.status.value == "RUNNING" else "failed"
    last = run.metrics.get(metric)
    return {
        "id": run.id, "name": run.name, "number": _number(run.tags.get(NUMBER_TAG)),
        "state": state, "status": run.status.value,
        "params": {k: _number(v) for k, v in sorted(run.params.items())},
        # Optuna gives a pruned or failed trial no value; its last logged one is shown apart.
        "value": last if state == "complete" else None,
        "last_value": last,
        "intermediate_values": logged,
        "start_time": run.start_time, "duration": run.duration,
    }


def _best(run: Any, trials: list[dict[str, Any]], metric: str,
          direction: str) -> dict[str, Any] | None:
    recorded = _number(run.tags.get(BEST_TAG))
    if recorded is not None and metric in run.metrics:
        # A resumed sweep's best may be a trial of an earlier run of the same study.
        trial = next((t for t in trials if t["number"] == recorded), None)
        params = {k[len("best."):]: _number(v) for k, v in sorted(run.params.items())
                  if k.startswith("best.")}
        return {"trial_id": None if trial is None else trial["id"], "number": recorded,
                "params": params, "value": run.metrics[metric]}
    # A sweep still running has recorded no best yet: the best complete trial so far.
    scored = [t for t in trials if t["value"] is not None and not math.isnan(t["value"])]
    if not scored:
        return None
    pick = max if direction == "maximize" else min
    best = pick(scored, key=lambda t: t["value"])
    return {"trial_id": best["id"], "number": best["number"], "params": best["params"],
            "value": best["value"]}


def _metric_counts(run_ids: Sequence[str], metric: str) -> dict[str, int]:
    """How many values of ``metric`` each run logged, in one query."""
    if not run_ids or not metric:
        return {}
    from sqlalchemy import func, select

    from ..store import schema

    m = schema.metrics
    counts: dict[str, int] = {}
    with current().store.engine.connect() as connection:
        # In chunks: SQLite caps the bound parameters of one statement.
        for start in range(0, len(run_ids), 500):
            chunk = list(run_ids[start:start + 500])
            query = (select(m.c.run_id, func.count()).where(m.c.key == metric)
                     .where(m.c.run_id.in_(chunk)).group_by(m.c.run_id))
            counts.update({run_id: int(n) for run_id, n in connection.execute(query)})
    return counts


def _number(text: str | None) -> float | str | None:
    """A param as it was given: params are stored as text, numbers are read back as numbers."""
    if text is None:
        return None
    if _INT.fullmatch(text):
        return int(text)
    try:
        value = float(text)
    except ValueError:
        return text
    return value if math.isfinite(value) else text
