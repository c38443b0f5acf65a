"""What the lab's Runs list, Run and Compare views read: a page of runs with the total count,
one run in full with each metric's count and range, its metric histories (all or the named
ones), its children, and a preview of an artifact.

The histories are downsampled in SQL (min and max per bucket of steps) so that a run with 100
metrics of 10,000 steps answers with a few hundred points per metric, not a million rows.
"""

from __future__ import annotations

import concurrent.futures
import io
import json
from collections.abc import Sequence
from typing import Any

from ..errors import InvalidInput
from ..records import Run
from ..session import current
from . import queries

MAX_COMPARE = 20
PREVIEW_BYTES = 256 * 1024
PREVIEW_ROWS = 20
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".svg": "image/svg+xml", ".webp": "image/webp"}
TEXT_TYPES = {".txt", ".md", ".log", ".py", ".yaml", ".yml", ".json", ".toml", ".cfg", ".ini",
              ".sql", ".sh", ".diff", ".patch", ".rst"}


def run_view(run_id: str) -> dict[str, Any]:
    """One run with its environment, dirty diff, children and the model versions it produced.

    Parameters
    ----------
    run_id:
        The run's id or a unique prefix of it.

    Returns
    -------
    dict
        ``{"run", "duration", "environment", "git_diff", "children", "models", "stepped",
        "metric_stats"}``; ``stepped`` names the metrics logged at more than one step (drawn as
        lines), ``metric_stats`` gives each metric's ``total`` points and ``min``/``max`` value,
        so the view draws its metrics table before any history is read.
    """
    from .artifacts import environment_of

    run = queries.get_run(run_id)
    track = current()
    env = environment_of(run)
    diff = None
    if run.git is not None and run.git.diff_digest:
        try:
            with track.store.artifacts.open(run.git.diff_digest) as stream:
                diff = stream.read(PREVIEW_BYTES).decode("utf-8", "replace")
        except Exception:  # a missing diff blob must not hide the rest of the run
            diff = None
    children = queries.search_runs(None, f"parent_id = '{run.id}'", ["start_time ASC"], 500, 0,
                                   False)
    models = _model_versions(run.id)
    stats = _metric_stats(run.id)
    return {
        "run": run.to_dict(),
        "duration": run.duration,
        "environment": None if env is None else {
            "python": env.python, "platform": env.platform, "packages": env.packages},
        "git_diff": diff,
        "children": [{"id": c.id, "name": c.name, "status": c.status.value,
                      "metrics": c.metrics} for c in children],
        "models": models,
        "stepped": sorted(k for k, v in stats.items() if v["total"] > 1),
        "metric_stats": stats,
    }


def _model_versions(run_id: str) -> list[dict[str, Any]]:
    """The registered model versions this run produced."""
    from sqlalchemy import select

    from ..store import schema

    v = schema.model_versions
    query = select(v.c.name, v.c.version).where(v.c.run_id == run_id).order_by(v.c.name,
                                                                               v.c.version)
    with current().store.engine.connect() as connection:
        return [{"name": name, "version": version} for name, version in connection.execute(query)]


def _metric_stats(run_id: str) -> dict[str, dict[str, Any]]:
    """Each metric's number of points and its lowest and highest value (NaN left out).

    Kept beside each metric's latest value on every write (schema v7), so the Run view reads
    one row per key whatever the length of the histories; a key whose count is not known
    (a row an older release imported) is aggregated from its history instead.
    """
    from sqlalchemy import func, select

    from ..store import schema

    m, lm = schema.metrics, schema.latest_metrics
    kept = (select(lm.c.key, lm.c.points, lm.c.min_value, lm.c.max_value)
            .where(lm.c.run_id == run_id).order_by(lm.c.key))
    with current().store.engine.connect() as connection:
        rows = {key: (points, low, high) for key, points, low, high in connection.execute(kept)}
        unknown = sorted(key for key, (points, _, _) in rows.items() if points is None)
        if unknown:
            counted = (select(m.c.key, func.count(), func.min(m.c.value), func.max(m.c.value))
                       .where(m.c.run_id == run_id, m.c.key.in_(unknown)).group_by(m.c.key))
            rows.update({key: (n, low, high) for key, n, low, high in
                         connection.execute(counted)})
    return {key: {"total": points, "min": _finite(low), "max": _finite(high)}
            for key, (points, low, high) in sorted(rows.items())}


def _stepped(run_ids: Sequence[str]) -> dict[str, list[str]]:
    """The metrics of each run logged more than once, without counting their points.

    ``latest_metrics`` holds one row per (run, key); a key is stepped when the run has a row at
    another step or a second row at that step. Both are index seeks on (run_id, key, step), so
    this costs the same for 10 runs of a million values as for 10 runs of ten.
    """
    from sqlalchemy import and_, exists, func, or_, select

    from ..store import schema

    m, latest = schema.metrics, schema.latest_metrics
    same = and_(m.c.run_id == latest.c.run_id, m.c.key == latest.c.key)
    other_step = exists().where(same, m.c.step != latest.c.step)
    twice = (select(func.count()).where(same, m.c.step == latest.c.step)
             .scalar_subquery() > 1)
    query = (select(latest.c.run_id, latest.c.key)
             .where(latest.c.run_id.in_(list(run_ids)), or_(other_step, twice))
             .order_by(latest.c.run_id, latest.c.key))
    out: dict[str, list[str]] = {run_id: [] for run_id in run_ids}
    with current().store.engine.connect() as connection:
        for run_id, key in connection.execute(query):
            out[run_id].append(key)
    return out


def metric_histories(run_id: str, keys: Sequence[str] | None = None,
                     max_points: int = 400) -> dict[str, Any]:
    """Every (or the named) metric history of a run, each downsampled to about ``max_points``.

    Parameters
    ----------
    run_id:
        The run's id or a unique prefix of it.
    keys:
        Metrics to read; None reads all of them.
    max_points:
        About how many points each history keeps: buckets of steps keep their lowest and
        highest value, so spikes survive.

    Returns
    -------
    dict
        ``{"run_id", "histories": {key: {"total", "downsampled", "steps", "values"}}}``.
    """
    if not isinstance(max_points, int) or max_points < 4:
        raise InvalidInput(f"max_points must be an integer of at least 4, not {max_points!r}.")
    track = current()
    full = track.store.runs.resolve_id(run_id)
    track.writer.flush()
    histories = _histories([full], keys, max_points)
    if not histories[full]:
        with track.store.engine.connect() as connection:
            track.store.runs._require(connection, full)
    return {"run_id": full, "histories": histories[full]}


def _histories(run_ids: Sequence[str], keys: Sequence[str] | None,
               max_points: int) -> dict[str, dict[str, dict[str, Any]]]:
    """The downsampled histories of several runs in one grouped query: ``{run: {key: h}}``."""
    from sqlalchemy import and_, case, func, select

    from ..store import schema

    m = schema.metrics
    where = [m.c.run_id.in_(list(run_ids))]
    if keys:
        where.append(m.c.key.in_(list(keys)))
    stats = (select(m.c.run_id, m.c.key, func.min(m.c.step).label("lo"),
                    func.max(m.c.step).label("hi"), func.count().label("n"))
             .where(*where).group_by(m.c.run_id, m.c.key).subquery())
    buckets = max_points // 2
    # Short histories keep every point (bucket = step); long ones share ``buckets`` buckets.
    # Floor division of integers: a cast of a true quotient rounds on PostgreSQL but truncates
    # on SQLite, which would give PostgreSQL one bucket too many.
    bucket = case(
        (stats.c.n <= max_points, m.c.step),
        else_=(m.c.step - stats.c.lo) * buckets // (stats.c.hi - stats.c.lo + 1),
    ).label("b")
    query = (
        select(m.c.run_id, m.c.key, bucket, func.min(m.c.step), func.max(m.c.step),
               func.min(m.c.value), func.max(m.c.value), stats.c.n)
        .join(stats, and_(stats.c.run_id == m.c.run_id, stats.c.key == m.c.key))
        .where(*where).group_by(m.c.run_id, m.c.key, bucket, stats.c.n)
        .order_by(m.c.run_id, m.c.key, bucket)
    )
    out: dict[str, dict[str, dict[str, Any]]] = {run_id: {} for run_id in run_ids}
    with current().store.engine.connect() as connection:
        rows = connection.execute(query).all()
    for run_id, key, _b, first, last, low, high, total in rows:
        h = out[run_id].setdefault(key, {"total": total, "downsampled": total > max_points,
                                         "steps": [], "values": []})
        if first == last or low == high:
            h["steps"].append(first)
            h["values"].append(_finite(high))
        else:
            h["steps"].extend((first, last))
            h["values"].extend((_finite(low), _finite(high)))
    return out


def _finite(value: float | None) -> float | None:
    return None if value is None or value != value else float(value)


def compare_view(run_ids: Sequence[str], max_points: int = 400,
                 keys: Sequence[str] | None = None, histories: bool = True) -> dict[str, Any]:
    """2 to 20 runs side by side: their records and their metric histories, downsampled.

    Parameters
    ----------
    run_ids:
        The runs' ids or unique prefixes.
    max_points:
        About how many points each history keeps.
    keys:
        The metrics whose histories to read (the charts in view); None reads all of them.
    histories:
        False reads none: the view's first answer, whose charts then ask for their own key.

    Returns
    -------
    dict
        ``{"runs": [run dicts], "stepped": {run_id: [keys]}, "histories": {run_id: {key:
        history}}}``; ``stepped`` names each run's metrics logged more than once.
    """
    ids = list(dict.fromkeys(run_ids))
    if not 2 <= len(ids) <= MAX_COMPARE:
        raise InvalidInput(f"Compare takes 2 to {MAX_COMPARE} distinct runs, not {len(ids)}.")
    if not isinstance(max_points, int) or max_points < 4:
        raise InvalidInput(f"max_points must be an integer of at least 4, not {max_points!r}.")
    runs = [queries.get_run(i) for i in ids]
    full = [r.id for r in runs]
    current().writer.flush()
    return {
        "runs": [r.to_dict() for r in runs],
        "stepped": _stepped(full),
        "histories": (_histories(full, keys, max_points) if histories
                      else {run_id: {} for run_id in full}),
    }


def artifact_preview(run_id: str, path: str) -> dict[str, Any]:
    """What the Run view shows of an artifact: its kind and a bounded head of its content.

    Returns
    -------
    dict
        ``{"path", "size", "kind"}`` plus, by kind: ``text`` (text, html, notebook cells as
        text), ``figure`` (plotly JSON), ``columns``/``rows`` (CSV and Parquet heads), or
        ``mime`` for images (fetched from the artifact route).
    """
    artifact, stream = queries.open_artifact(run_id, path)
    name = path.rsplit("/", 1)[-1].lower()
    ext = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    out: dict[str, Any] = {"path": path, "size": artifact.size, "kind": "binary"}
    try:
        if ext in IMAGE_TYPES:
            out.update(kind="image", mime=IMAGE_TYPES[ext])
            return out
        if ext == ".parquet":
            import pandas as pd

            frame = pd.read_parquet(io.BytesIO(stream.read())).head(PREVIEW_ROWS)
            return {**out, **_table(frame)}
        head = stream.read(PREVIEW_BYTES)
        truncated = artifact.size > len(head)
        text = head.decode("utf-8", "replace")
        if ext in {".csv", ".tsv"}:
            import pandas as pd

            frame = pd.read_csv(io.StringIO(text), sep="\t" if ext == ".tsv" else ",",
                                nrows=PREVIEW_ROWS)
            return {**out, **_table(frame)}
        if ext == ".json" and not truncated:
            try:
                data = json.loads(text)
            except ValueError:
                data = None
            if isinstance(data, dict) and "data" in data and isinstance(data["data"], list):
                return {**out, "kind": "plotly", "figure": data}
        if ext == ".ipynb" and not truncated:
            return {**out, "kind": "notebook", "cells": _cells(text)}
        if ext in {".html", ".htm"}:
            return {**out, "kind": "html", "text": text, "truncated": truncated}
        if ext in TEXT_TYPES or "\x00" not in text:
            return {**out, "kind": "text", "text": text, "truncated": truncated}
        return out
    finally:
        stream.close()


def _table(frame: Any) -> dict[str, Any]:
    from ..jsonable import jsonable

    return {"kind": "table", "columns": [str(c) for c in frame.columns],
            "rows": jsonable(frame.astype(object).where(frame.notna(), None).values.tolist())}


def _cells(text: str) -> list[dict[str, Any]]:
    """An executed notebook's cells as source and plain-text outputs (never its HTML/JS)."""
    try:
        nb = json.loads(text)
    except ValueError:
        return []
    cells = []
    for cell in nb.get("cells", [])[:200]:
        source = "".join(cell.get("source", []))
        outputs = []
        for output in cell.get("outputs", []):
            if "text" in output:
                outputs.append("".join(output["text"]))
            elif "text/plain" in output.get("data", {}):
                outputs.append("".join(output["data"]["text/plain"]))
            elif output.get("output_type") == "error":
                outputs.append(f"{output.get('ename')}: {output.get('evalue')}")
        cells.append({"type": cell.get("cell_type"), "source": source, "outputs": outputs})
    return cells


def notebook_location(path: str | None, root_dir: str) -> dict[str, Any] | None:
    """Where a run's notebook lies for the lab: its path relative to the server's root.

    Returns
    -------
    dict or None
        ``{"path", "relative", "exists", "message"}``; ``relative`` is None when the notebook
        lies outside ``root_dir`` and ``message`` then says so in one line.
    """
    import os

    if not path:
        return None
    absolute = os.path.realpath(path)
    root = os.path.realpath(root_dir)
    exists = os.path.isfile(absolute)
    if absolute != root and not absolute.startswith(root + os.sep):
        return {"path": path, "relative": None, "exists": exists,
                "message": f"The notebook {path} lies outside the server's root directory "
                           f"{root_dir}; start JupyterLab from a folder above it to open it."}
    relative = os.path.relpath(absolute, root).replace(os.sep, "/")
    message = None if exists else f"The notebook {relative} no longer exists."
    return {"path": path, "relative": relative, "exists": exists, "message": message}


_counter = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="mlops-count")


def runs_page(experiments: list[str] | None, query: str | None, order_by: list[str],
              limit: int, offset: int, deleted: bool) -> dict[str, Any]:
    """One page of the Runs list and how many runs match in all, the two queries side by side.

    Returns ``{"runs": [summary], "total", "offset", "limit"}``; a summary is what a list row
    shows (ids, names, status, times, parent, params, metrics, tags, ``cached_from``).

    The count walks every match while the page stops after ``limit``; on separate connections
    (SQLite in WAL mode reads concurrently) the page costs nothing on top of the count.
    """
    total = _counter.submit(queries.count_runs, experiments, query, deleted)
    try:
        runs = queries.search_runs(experiments, query, order_by, limit, offset, deleted)
    except BaseException:
        concurrent.futures.wait([total])  # no count outlives its request
        raise
    return {"runs": [_summary(r) for r in runs], "total": total.result(), "offset": offset,
            "limit": limit}


def _summary(run: Run) -> dict[str, Any]:
    return {
        "id": run.id, "experiment": run.experiment, "name": run.name,
        "status": run.status.value, "start_time": run.start_time, "end_time": run.end_time,
        "parent_id": run.parent_id, "params": run.params, "metrics": run.metrics,
        "tags": run.tags,
        # A cached pipeline step: the run whose outputs (and metrics) it reused.
        "cached_from": run.tags.get("mlops.cached_from"),
    }
