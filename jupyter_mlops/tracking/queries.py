"""Reading runs back: DataFrames for analysis, records for faces."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, BinaryIO

from ..errors import IntegrityError, InvalidInput, NotFound
from ..records import Artifact, Experiment, Run
from ..session import Session, current
from .host import HOST, is_alive

if TYPE_CHECKING:
    import pandas as pd

    from ..store.run_reads import RunTable

_BASE_COLUMNS = ("run_id", "experiment", "name", "status", "start_time", "end_time",
                 "duration", "parent_id")


def reap(track: Session | None = None) -> list[str]:
    """Mark runs whose process died as KILLED; called before every read of runs."""
    track = track or current()
    return track.store.runs.reap(time.time(), track.settings.dead_after, HOST, is_alive)


def _experiment_ids(track: Session, experiment: str | Sequence[str] | None) -> list[int] | None:
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
    track = current()
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
    if max_results is not None and (not isinstance(max_results, int) or max_results < 0):
        raise InvalidInput(f"max_results must be a non-negative integer, not {max_results!r}.")
    if isinstance(order_by, str):
        order_by = [order_by]
    track = current()
    reap(track)
    table = track.store.runs.search_table(
        experiments=_experiment_ids(track, experiment), filter=filter,
        order_by=list(order_by or []), max_results=max_results, offset=0, deleted=deleted)
    return table_frame(table)


def table_frame(table: RunTable) -> pd.DataFrame:
    """The DataFrame of a ``RunTable``: the frame ``runs_frame`` builds from the same runs."""
    import numpy as np
    import pandas as pd

    start = np.array(table.start_time, dtype="float64")
    # None (a run not ended) becomes NaN, hence NaT, as in runs_frame.
    end = np.array(table.end_time, dtype="float64")
    frame = pd.DataFrame({
        "run_id": table.run_id, "experiment": table.experiment, "name": table.name,
        "status": table.status, "start_time": start, "end_time": end, "duration": end - start,
        "parent_id": table.parent_id,
    })
    for column in ("start_time", "end_time"):
        frame[column] = pd.to_datetime(frame[column], unit="s", utc=True)
    frame["duration"] = pd.to_timedelta(frame["duration"], unit="s")
    extra: dict[str, Any] = {}
    for prefix, columns in (("params.", table.params), ("metrics.", table.metrics),
                            ("tags.", table.tags)):
        for key in sorted(columns):
            values = columns[key]
            extra[prefix + key] = (np.array(values, dtype="float64") if prefix == "metrics."
                                   else values)
    if extra:
        frame = pd.concat([frame, pd.DataFrame(extra, index=frame.index)], axis=1)
    return frame


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
    track = current()
    reap(track)
    return track.store.runs.get(run_id)


def metric_history(run_id: str, key: str) -> pd.DataFrame:
    """Every logged value of one metric of a run: step, value, timestamp."""
    import pandas as pd

    track = current()
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
    return current().store.runs.experiments()


def delete_runs(run_ids: Sequence[str]) -> int:
    """Soft-delete runs (and their nested runs); ``restore_runs`` brings them back."""
    return current().store.runs.set_deleted(list(run_ids), time.time())


def restore_runs(run_ids: Sequence[str]) -> int:
    return current().store.runs.set_deleted(list(run_ids), None)


def metric_points(run_id: str, key: str, max_points: int = 1000) -> dict[str, Any]:
    """A metric's history as plain lists, downsampled to about ``max_points`` points.

    Long histories are cut into buckets that each keep their lowest and highest value (in step
    order), so spikes survive the downsampling that a chart needs.

    Returns
    -------
    dict
        ``{"key", "total", "downsampled", "steps", "values", "timestamps"}``; NaN as None.
    """
    if not isinstance(max_points, int) or max_points < 2:
        raise InvalidInput(f"max_points must be an integer of at least 2, not {max_points!r}.")
    track = current()
    full = track.store.runs.resolve_id(run_id)
    track.writer.flush()
    history = track.store.runs.metric_history(full, key)
    total = len(history)
    if total > max_points:
        buckets = max_points // 2
        size = total / buckets
        kept = []
        for b in range(buckets):
            chunk = history[int(b * size):int((b + 1) * size)] or history[-1:]
            finite = [m for m in chunk if m.value == m.value]
            if not finite:
                kept.append(chunk[0])
                continue
            low = min(finite, key=lambda m: m.value)
            high = max(finite, key=lambda m: m.value)
            kept.extend(sorted({id(low): low, id(high): high}.values(), key=lambda m: m.step))
        history = kept
    return {
        "key": key,
        "total": total,
        "downsampled": total > len(history),
        "steps": [m.step for m in history],
        "values": [None if m.value != m.value else m.value for m in history],
        "timestamps": [m.timestamp for m in history],
    }


def open_artifact(run_id: str, path: str) -> tuple[Artifact, BinaryIO]:
    """The artifact file ``path`` of a run and a verifying binary stream of its bytes.

    Only a path the run recorded resolves, so no user input ever becomes a filesystem path;
    the stream raises ``IntegrityError`` at its end if the stored bytes are corrupt.
    """
    import os

    track = current()
    full = track.store.runs.resolve_id(run_id)
    store = track.store.artifacts
    for artifact in track.store.runs.artifacts(full):
        if artifact.path != path:
            continue
        local = store.local_path(artifact.digest)
        if local is not None:
            # A blob replaced by a link out of the store must not be followed (the digest
            # check would only fail after the bytes were sent).
            root = os.path.realpath(store.root)
            if not os.path.realpath(local).startswith(root + os.sep):
                raise IntegrityError(
                    f"Artifact {artifact.digest} points outside the artifact store; refusing "
                    "to read it. Restore the blob from a backup."
                )
        return artifact, store.open(artifact.digest)
    raise NotFound(f"Run {full} has no artifact file {path!r}.")


def count_runs(
    experiment: str | Sequence[str] | None = None,
    filter: str | None = None,
    deleted: bool = False,
) -> int:
    """How many runs match; with ``search_runs`` it pages a listing."""
    track = current()
    return track.store.count(
        experiments=_experiment_ids(track, experiment), filter=filter, deleted=deleted
    )
