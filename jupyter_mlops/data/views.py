"""What the lab's dataset views show: every version of a dataset with a summary of its column
profile, and the diff of two versions, as JSON-ready values (the REST routes only parse and reply).
"""

from __future__ import annotations

from typing import Any

from . import queries as data_queries
from .lineage import PROFILE_SUMMARY
from .refs import check_name

__all__ = ["PROFILE_SUMMARY", "dataset_detail", "dataset_diff"]


def dataset_detail(name: str) -> dict[str, Any]:
    """Every version of dataset ``name`` with a summary of its stored column profile.

    Parameters
    ----------
    name:
        The dataset's name.

    Returns
    -------
    dict
        ``{"name", "versions": [{...version, "profile": {"rows", "columns"} | None}]}``.
    """
    from dataclasses import asdict

    rows = []
    for version in data_queries.list_versions(name):
        row = asdict(version)
        row["ref"] = version.ref
        row["profile"] = None
        if version.profile_digest is not None:
            profile = data_queries.get_profile(version.ref)
            row["profile"] = {
                "rows": profile.get("rows"),
                "columns": {column: {k: entry[k] for k in PROFILE_SUMMARY if k in entry}
                            for column, entry in profile.get("columns", {}).items()},
            }
        rows.append(row)
    return {"name": name, "versions": rows}


def dataset_diff(name: str, a: int, b: int) -> dict[str, Any]:
    """What changed in dataset ``name`` from version ``a`` to version ``b``.

    Parameters
    ----------
    name:
        The dataset's name.
    a, b:
        Version numbers.

    Returns
    -------
    dict
        The ``DataDiff`` fields, ``changes`` as records, plus ``same`` and ``summary``.
    """
    from .diff import COLUMNS

    diff = data_queries.diff_data(f"{check_name(name)}@{a}", f"{name}@{b}")
    return {
        "a": diff.a, "b": diff.b, "kind": diff.kind, "rows": list(diff.rows),
        "added": list(diff.added), "removed": list(diff.removed),
        "retyped": [{"column": c, "a": x, "b": y} for c, x, y in diff.retyped],
        "changes": [dict(zip(COLUMNS, change, strict=False)) for change in diff.changes],
        "same": diff.same, "summary": diff.summary(),
    }
