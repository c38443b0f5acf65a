"""``import_mlflow(URI)``: an MLflow store's experiments, runs, models and registry, moved in.

URI is an MLflow database (``sqlite:///mlflow.db``, ``postgresql://...``), an ``mlruns`` folder
or a tracking server (``http://host:5000``); each has its reader, all read without mlflow.

- A run keeps its MLflow id (32 hex digits, like ours), so ``runs:/<id>/...`` URIs, the
  parent links and an MLflow client pointed at ``jupyter mlops server`` keep working, and a
  second import finds every run already here: it adds nothing.
- Each run is written in one transaction (row, params, tags, the full metric history, its
  artifact rows); its files go into the content-addressed store first. A killed import
  leaves whole runs or none, so running it again ends with exactly one full import's runs.
- MLflow's reserved tags become our fields, as the tracking server maps them:
  ``mlflow.runName`` the name, ``mlflow.parentRunId`` the parent, ``mlflow.source.*`` the
  source; other ``mlflow.*`` tags (user, git commit, log-model history) stay tags.
- Logged models and the registry come after the runs (``mlflow_import_models``).
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from ..errors import InvalidInput
from ..records import RunStatus
from ..session import current
from ..store import schema
from ..store.engine import write
from .mlflow_format import (
    PARENT,
    RUN_NAME,
    SOURCE_NAME,
    SOURCE_TYPE_TAG,
    USER,
    MlflowReader,
    local_path,
)
from .mlflow_format import MlflowRun as _Run
from .mlflow_import_summary import ImportSummary, Trusting, existing_runs

__all__ = ["ImportSummary", "import_mlflow", "open_reader"]

LINEAGE_MODEL = "mlflow.model"  # the tracking server's lineage kind for a run's models
_TO_OURS = {"LOCAL": "script", "NOTEBOOK": "notebook"}
_RESERVED = (RUN_NAME, PARENT, SOURCE_NAME, SOURCE_TYPE_TAG)


def open_reader(uri: str | Path) -> MlflowReader:
    """The reader for an MLflow store URI; one clear line when it is none of the three."""
    text = str(uri).strip()
    if not text:
        raise InvalidInput("Name the MLflow store: an mlruns folder, sqlite:///mlflow.db, "
                           "postgresql://... or http://host:5000.")
    lowered = text.lower()
    if lowered.startswith(("http://", "https://")):
        from .mlflow_import_http import HttpReader

        return HttpReader(text)
    if "://" in text and not lowered.startswith("file://"):
        from .mlflow_import_sql import SqlReader

        return SqlReader(text)
    from .mlflow_import_files import FileReader

    path = local_path(text) or Path(text)
    if path.is_file() and path.suffix in (".db", ".sqlite", ".sqlite3"):
        from .mlflow_import_sql import SqlReader

        return SqlReader(f"sqlite:///{path.resolve()}")
    return FileReader(path.expanduser())


def import_mlflow(uri: str | Path, trust: Trusting = False, progress: bool = True
                  ) -> ImportSummary:
    """Import an MLflow store into the workspace; running it again adds nothing.

    Parameters
    ----------
    uri:
        An MLflow database URI (``sqlite:///mlflow.db``, ``postgresql://user@host/db``), an
        ``mlruns`` folder, or a tracking server URL (``http://host:5000``; a token from
        ``MLFLOW_TRACKING_TOKEN``).
    trust:
        Record the types the imported sklearn models' skops files need as trusted, so they
        load without naming them: True for all, or a function ``(label, types) -> bool``
        asked once per version ("name/version") that needs any. Without it the import lists
        them and loading asks for them; importing again with it records them for versions
        already here. Pickled models stay refused unless loaded with ``trust=True``.
    progress:
        Show a progress bar.

    Returns
    -------
    ImportSummary
        Counts of what came in and what was already here; ``str()`` of it is the report.
    """
    from .mlflow_import_models import import_models

    reader = open_reader(uri)
    summary = ImportSummary(source=reader.label)
    try:
        experiments = [e for e in reader.experiments() if not e.deleted]
        names = _experiments(experiments, summary)
        runs = [run for e in experiments for run in reader.runs(e)]
        _import_runs(reader, runs, names, summary, progress)
        import_models(reader, experiments, names, summary, trust, progress)
    finally:
        reader.close()
    return summary


def _experiments(experiments: list[Any], summary: ImportSummary) -> dict[str, str]:
    """MLflow experiment id -> our experiment name, each created on first sight."""
    store = current().store
    known = {e.name for e in store.runs.experiments()}
    names = {}
    for experiment in experiments:
        names[experiment.id] = experiment.name
        if experiment.name not in known:
            store.runs.experiment_id(experiment.name, experiment.created_at or time.time())
            summary.experiments += 1
    return names


def _ordered(runs: list[_Run]) -> list[_Run]:
    """Parents before their children, else in start order."""
    by_id = {run.id: run for run in runs}
    done: set[str] = set()
    out: list[_Run] = []
    for run in sorted(runs, key=lambda r: (r.start_time, r.id)):
        chain = []
        node: _Run | None = run
        while node is not None and node.id not in done and node not in chain:
            chain.append(node)
            node = by_id.get(node.parent or "")
        for item in reversed(chain):
            done.add(item.id)
            out.append(item)
    return out


def _import_runs(reader: MlflowReader, runs: list[_Run], names: dict[str, str],
                 summary: ImportSummary, progress: bool) -> None:
    from tqdm.auto import tqdm

    present = existing_runs([run.id for run in runs])
    here = set(present)
    with tqdm(total=len(runs), desc="MLflow runs", unit="run", disable=not progress) as bar:
        for run in _ordered(runs):
            if run.id in present:
                summary.runs_present += 1
            else:
                _write_run(reader, run, names[run.experiment_id], here, summary)
                here.add(run.id)
                summary.runs += 1
            bar.update(1)


def _db(value: float) -> float | None:
    return None if math.isnan(value) else value


def _write_run(reader: MlflowReader, run: _Run, experiment: str, here: set[str],
               summary: ImportSummary) -> None:
    store = current().store
    # Files first, into the content-addressed store: a kill leaves only unreferenced blobs.
    files = []
    for path, _, opener in reader.run_files(run):
        with opener() as handle:
            digest, size = store.artifacts.put_stream(handle)
        files.append((path, digest, size))
    history = reader.history(run)
    tags = {k: v for k, v in run.tags.items() if k not in _RESERVED}
    parent = run.parent if run.parent in here else None
    if run.parent and parent is None:
        tags[PARENT] = run.parent  # its parent is not in this store: keep the link as text
    if run.user and USER not in tags:
        tags[USER] = run.user
    kind = run.tags.get(SOURCE_TYPE_TAG)
    status = RunStatus(run.status) if run.status in RunStatus.__members__ else (
        RunStatus.RUNNING)
    now = time.time()
    row: dict[str, Any] = {
        "id": run.id, "experiment_id": store.runs.experiment_id(experiment, run.start_time),
        "name": (run.tags.get(RUN_NAME) or run.name)[:255], "status": status.value,
        "start_time": run.start_time,
        "end_time": run.end_time if status is not RunStatus.RUNNING else None,
        "parent_id": parent,
        # A run still RUNNING there gets a fresh heartbeat: the reaper decides later.
        "heartbeat_at": now if status is RunStatus.RUNNING else run.start_time,
        "deleted_at": (run.end_time or now) if run.deleted else None,
    }
    if kind or SOURCE_NAME in run.tags:
        row.update(source_type=_TO_OURS.get(kind or "", (kind or "unknown").lower()),
                   source_path=run.tags.get(SOURCE_NAME))
    latest: dict[str, tuple[str, float, int, float]] = {}
    stats: dict[str, list[Any]] = {}
    for item in history:
        known = latest.get(item[0])
        if known is None or (item[2], item[3]) >= (known[2], known[3]):
            latest[item[0]] = item
        # Count, lowest, highest: what the store's own writer keeps beside the latest value.
        kept = stats.setdefault(item[0], [0, None, None])
        kept[0] += 1
        if item[1] == item[1]:
            kept[1] = item[1] if kept[1] is None else min(kept[1], item[1])
            kept[2] = item[1] if kept[2] is None else max(kept[2], item[1])
    with write(store.engine) as connection:
        connection.execute(insert(schema.runs), row)
        if run.params:
            connection.execute(insert(schema.params), [
                {"run_id": run.id, "key": k, "value": v} for k, v in run.params.items()])
        if tags:
            connection.execute(insert(schema.tags), [
                {"run_id": run.id, "key": k, "value": v} for k, v in tags.items()])
        if history:
            mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
            connection.exec_driver_sql(
                "INSERT INTO metrics (run_id, key, value, step, timestamp) "
                f"VALUES ({mark}, {mark}, {mark}, {mark}, {mark})",
                [(run.id, k, _db(v), s, t) for k, v, s, t in history])
            connection.execute(insert(schema.latest_metrics), [
                {"run_id": run.id, "key": k, "value": _db(v), "step": s, "timestamp": t,
                 "points": stats[k][0], "min_value": stats[k][1], "max_value": stats[k][2]}
                for k, v, s, t in latest.values()])
        if files:
            connection.execute(insert(schema.artifacts), [
                {"run_id": run.id, "path": p, "digest": d, "size": n, "created_at": now}
                for p, d, n in files])
        for model, step in run.outputs:
            connection.execute(insert(schema.lineage).values(
                run_id=run.id, direction="output", kind=LINEAGE_MODEL, ref=f"{model}:{step}",
                created_at=now))
    summary.metrics += len(history)
    summary.artifacts += len(files)
