"""One dataset version as the lab's Dataset view shows it: its profile, schema and runs."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ..errors import NotFound
from .refs import check_name

# The profile entries shown per column; histograms stay in the blob (the diff reads them).
PROFILE_SUMMARY = ("type", "dtype", "count", "nulls", "distinct", "min", "max", "mean", "std")
# A version read by thousands of runs (a shared training set) lists its newest this many.
MAX_RUNS = 200


def _run_summary(run_id: str, direction: str) -> dict[str, Any]:
    from ..tracking.queries import get_run

    try:
        run = get_run(run_id)
    except NotFound:  # deleted since; the lineage row stays for the record
        return {"id": run_id, "direction": direction, "name": None, "status": None,
                "experiment": None, "start_time": None}
    return {"id": run.id, "direction": direction, "name": run.name,
            "status": run.status.value, "experiment": run.experiment,
            "start_time": run.start_time}


def dataset_version(name: str, version: int) -> dict[str, Any]:
    """A dataset version with its column profile summary, schema and the runs that used it.

    Parameters
    ----------
    name:
        The dataset's name.
    version:
        Its version number.

    Returns
    -------
    dict
        ``{"version": {...DatasetVersion, "ref"}, "profile": {"rows", "columns"} | None,
        "schema": YAML | None, "runs": [{"id", "direction", "name", "status", ...}],
        "versions": [numbers], "more_runs": N}``; ``direction`` is ``output`` for a run that
        wrote it and ``input`` for one that read it.
    """
    from .queries import data_log, get_profile

    check_name(name)
    log = data_log(name)
    entry = next((e for e in log if e.version.version == version), None)
    if entry is None:
        known = ", ".join(str(e.version.version) for e in reversed(log)) or "none"
        raise NotFound(f"Dataset {name!r} has no version {version}; its versions: {known}.")
    record = entry.version
    row = asdict(record)
    row["ref"] = record.ref
    profile = None
    if record.profile_digest is not None:
        stored = get_profile(record.ref)
        profile = {"rows": stored.get("rows"),
                   "columns": {column: {k: e[k] for k in PROFILE_SUMMARY if k in e}
                               for column, e in stored.get("columns", {}).items()}}
    links = [(run_id, "output") for run_id in entry.produced_by]
    links += [(run_id, "input") for run_id in reversed(entry.read_by)]
    if record.run_id and record.run_id not in entry.produced_by:
        links.insert(0, (record.run_id, "output"))
    return {"version": row, "profile": profile, "schema": record.schema,
            "runs": [_run_summary(run_id, d) for run_id, d in links[:MAX_RUNS]],
            "more_runs": max(0, len(links) - MAX_RUNS),
            "versions": [e.version.version for e in reversed(log)]}
