"""The registry as DataFrames: models, versions, the audit log and the prediction log."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..records import ModelVersion
from ..session import current
from .reference import check_model_name

if TYPE_CHECKING:
    import pandas as pd


def _times(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    import pandas as pd

    for column in columns:
        frame[column] = pd.to_datetime(frame[column], unit="s", utc=True)
    return frame


def models() -> pd.DataFrame:
    """Registered models: one row each with the latest version, aliases and version count.

    Returns
    -------
    pandas.DataFrame
        Columns name, description, latest_version, versions, aliases (alias -> version),
        tags, created_at, updated_at, created_by.
    """
    import pandas as pd

    rows = [{
        "name": m.name, "description": m.description,
        "latest_version": m.latest_version, "versions": m.version_count,
        "aliases": dict(m.aliases), "tags": dict(m.tags),
        "created_at": m.created_at, "updated_at": m.updated_at, "created_by": m.created_by,
    } for m in current().store.registry.models()]
    columns = ["name", "description", "latest_version", "versions", "aliases", "tags",
               "created_at", "updated_at", "created_by"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["latest_version"] = frame["latest_version"].astype("Int64")
    return _times(frame, "created_at", "updated_at")


def model_versions(name: str) -> pd.DataFrame:
    """The versions of ``name``: status, aliases, source run, data versions and metrics.

    Parameters
    ----------
    name:
        A registered model.

    Returns
    -------
    pandas.DataFrame
        One row per version, oldest first, with a ``metrics.<key>`` column per metric.
    """
    return versions_frame(current().store.registry.versions(check_model_name(name)))


def versions_frame(versions: Sequence[ModelVersion]) -> pd.DataFrame:
    import pandas as pd

    base = ["name", "version", "status", "aliases", "flavor", "run_id", "datasets",
            "created_at", "created_by", "description", "model_digest"]
    rows: list[dict[str, Any]] = []
    keys: set[str] = set()
    for v in versions:
        row = {"name": v.name, "version": v.version, "status": v.status.value,
               "aliases": list(v.aliases), "flavor": v.flavor, "run_id": v.run_id,
               "datasets": list(v.datasets), "created_at": v.created_at,
               "created_by": v.created_by, "description": v.description,
               "model_digest": v.model_digest}
        for key, value in v.metrics.items():
            row[f"metrics.{key}"] = value
            keys.add(f"metrics.{key}")
        rows.append(row)
    frame = pd.DataFrame(rows, columns=[*base, *sorted(keys)])
    for key in keys:
        frame[key] = frame[key].astype("float64")
    return _times(frame, "created_at")


def audit_log(name: str | None = None, limit: int | None = None) -> pd.DataFrame:
    """The append-only audit log: every registration, alias move and status change.

    Parameters
    ----------
    name:
        Only this model's entries; default: all models.
    limit:
        Only the newest ``limit`` entries.

    Returns
    -------
    pandas.DataFrame
        Columns timestamp, model, action, version, alias, from, to, user, reason; oldest
        first.
    """
    import pandas as pd

    entries = current().store.registry.audit(
        None if name is None else check_model_name(name), limit)
    frame = pd.DataFrame(
        [{"timestamp": e.timestamp, "model": e.name, "action": e.action,
          "version": e.version, "alias": e.alias,
          "from": e.from_value, "to": e.to_value, "user": e.user, "reason": e.reason}
         for e in entries],
        columns=["timestamp", "model", "action", "version", "alias", "from", "to", "user",
                 "reason"],
    )
    return _times(frame, "timestamp")


def predictions(name: str, version: int | None = None, since: float | None = None,
                limit: int | None = None) -> pd.DataFrame:
    """What a served model saw and answered: one row per input row, oldest first.

    Parameters
    ----------
    name:
        The served model.
    version:
        Only requests this version answered.
    since:
        Only requests at or after this time (seconds since the epoch).
    limit:
        Only the newest ``limit`` requests.

    Returns
    -------
    pandas.DataFrame
        The input columns, then ``prediction``, ``version``, ``timestamp`` and
        ``request_id``: the current data for a drift report on the model.
    """
    import pandas as pd

    records = current().store.registry.predictions(check_model_name(name), version, since,
                                                   limit)
    parts = []
    for record in records:
        inputs = record.inputs
        columns = inputs.get("columns")
        part = pd.DataFrame(inputs["data"], columns=columns)
        if columns is None:
            part.columns = [f"input_{i}" for i in range(part.shape[1])]
        outputs = record.predictions
        part["prediction"] = outputs if len(outputs) == len(part) else [
            json.dumps(outputs)] * len(part)
        part["version"] = record.version
        part["timestamp"] = record.timestamp
        part["request_id"] = record.request_id
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=["prediction", "version", "timestamp", "request_id"])
    frame = pd.concat(parts, ignore_index=True)
    return _times(frame, "timestamp")
