"""Reading runs back: DataFrames for analysis, records for faces."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput
from ..records import Experiment, Run
from .session import HOST, Tracker, is_alive, tracker

if TYPE_CHECKING:
    import pandas as pd

_BASE_COLUMNS = ("run_id", "experiment", "name", "status", "start_time", "end_time",
                 "duration", "parent_id")


def reap(track: Tracker | None = None) -> list[str]:
    """Mark runs whose process died as KILLED; called before every read of runs."""
    track = track or tracker()
    return track.store.runs.reap(time.time(), track.dead_after, HOST, is_alive)


def _experiment_ids(track: Tracker, experiment: str | Sequence[str] | None) -> list[int] | None:
    if experiment is None:
        return None
    names = [experiment] if isinstance(experiment, str) else list(experiment)
    return [track.store.runs.experiment_id(name, 0.0, create=False) for name in names]


def search_runs(
    experiment: str | Sequence[str] | None = None,
    filter: str | None = None,
    order_by: Sequence[str] | None = None,
    max_results: int | None = None,
    offset: int = 0,
    deleted: bool = False,
) -> list[Run]:
    """Run records matching a filter, newest first unless ``order_by`` says otherwise."""
    if max_results is not None and (not isinstance(max_results, int) or max_results < 0):
        raise InvalidInput(f"max_results must be a non-negative integer, not {max_results!r}.")
    if isinstance(order_by, str):
        order_by = [order_by]
    track = tracker()
    reap(track)
    return track.store.search(
        experiments=_experiment_ids(track, experiment),
        filter=filter,
        order_by=list(order_by or []),
        max_results=max_results,
        offset=offset,
        deleted=deleted,
    )


def runs(
    experiment: str | Sequence[str] | None = None,
    filter: str | None = None,
    order_by: Sequence[str] | None = None,
    max_results: int | None = None,
    deleted: bool = False,
) -> pd.DataFrame:
    """Runs as a DataFrame: one row per run with ``params.*``, ``metrics.*``, ``tags.*`` columns.

    Parameters
    ----------
    experiment:
        One experiment name or several; default: all.
    filter:
        A query such as ``"metrics.auc > 0.8 and params.C = '0.5' and status = 'FINISHED'"``.
    order_by:
        Sort keys such as ``["metrics.auc DESC", "start_time"]``.
    max_results:
        At most this many runs.
    deleted:
        List deleted runs instead of live ones.

    Returns
    -------
    pandas.DataFrame
        Metric columns hold the latest value; times are UTC timestamps.
    """
    return runs_frame(search_runs(experiment, filter, order_by, max_results, deleted=deleted))


def runs_frame(records: Sequence[Run]) -> pd.DataFrame:
    import pandas as pd

    columns: dict[str, list[Any]] = {name: [] for name in _BASE_COLUMNS}
    prefixed: dict[str, dict[int, Any]] = {}
    for index, run in enumerate(records):
        columns["run_id"].append(run.id)
        columns["experiment"].append(run.experiment)
        columns["name"].append(run.name)
        columns["status"].append(run.status.value)
        columns["start_time"].append(run.start_time)
        columns["end_time"].append(run.end_time)
        columns["duration"].append(run.duration)
        columns["parent_id"].append(run.parent_id)
        for prefix, values in (("params.", run.params), ("metrics.", run.metrics),
                               ("tags.", run.tags)):
            for key, value in values.items():
                prefixed.setdefault(prefix + key, {})[index] = value
    frame = pd.DataFrame(columns)
    for column in ("start_time", "end_time"):
        frame[column] = pd.to_datetime(frame[column], unit="s", utc=True)
    frame["duration"] = pd.to_timedelta(frame["duration"], unit="s")
    extra = {}
    count = len(records)
    for name in sorted(prefixed, key=lambda n: (n.split(".", 1)[0] != "params",
                                                n.split(".", 1)[0] != "metrics", n)):
        values = prefixed[name]
        if name.startswith("metrics."):
            extra[name] = pd.array([values.get(i, float("nan")) for i in range(count)],
                                   dtype="float64")
        else:
            extra[name] = [values.get(i) for i in range(count)]
    if extra:
        frame = pd.concat([frame, pd.DataFrame(extra, index=frame.index)], axis=1)
    return frame


def get_run(run_id: str) -> Run:
    """The full record of one run (a unique prefix of its id will do)."""
    track = tracker()
    reap(track)
    return track.store.runs.get(run_id)


def metric_history(run_id: str, key: str) -> pd.DataFrame:
    """Every logged value of one metric of a run: step, value, timestamp."""
    import pandas as pd

    track = tracker()
    full = track.store.runs.resolve_id(run_id)
    track.writer.flush()
    history = track.store.runs.metric_history(full, key)
    frame = pd.DataFrame(
        {
            "step": [m.step for m in history],
            "value": pd.array([m.value for m in history], dtype="float64"),
            "timestamp": pd.to_datetime([m.timestamp for m in history], unit="s", utc=True),
        }
    )
    return frame


def experiments() -> list[Experiment]:
    """Every experiment with its number of live runs."""
    return tracker().store.runs.experiments()


def delete_runs(run_ids: Sequence[str]) -> int:
    """Soft-delete runs (and their nested runs); ``restore_runs`` brings them back."""
    return tracker().store.runs.set_deleted(list(run_ids), time.time())


def restore_runs(run_ids: Sequence[str]) -> int:
    return tracker().store.runs.set_deleted(list(run_ids), None)
