"""What the lab's model version view shows of evaluations: a version's sliced evaluations and
replays with their figures, and the verdicts the promotion gate reads.
"""

from __future__ import annotations

import json
from typing import Any

from ..models import registry
from ..models.reference import check_model_name
from . import saved as stored_evaluations

__all__ = ["version_evaluations"]


def version_evaluations(name: str, version: int, limit: int) -> dict[str, Any]:
    """A version's sliced evaluations and replays, newest first, and its blessing.

    Parameters
    ----------
    name, version:
        The registered version.
    limit:
        At most this many of each kind.

    Returns
    -------
    dict
        ``{"name", "version", "blessing", "replay", "evaluations"}``: each evaluation is the
        stored record with its per-slice plotly figure (``figure``: ``{"data", "layout"}``);
        ``blessing`` and ``replay`` are the newest of each kind (what the promotion gate
        reads), or None.
    """
    check_model_name(name)
    registry.get_version(f"{name}/{version}")  # an unknown model or version is a 404
    found = [e for kind in ("evaluation", "replay")
             for e in stored_evaluations.evaluations(f"{name}/{version}", kind=kind,
                                                     limit=limit)]
    found.sort(key=lambda e: (e.record.created_at, e.id), reverse=True)
    entries = [{**e.to_dict(), "figure": json.loads(e.figure().to_json())} for e in found]

    def newest(kind: str) -> dict[str, Any] | None:
        for entry in entries:
            if entry["kind"] == kind:
                return {key: entry[key] for key in ("id", "created_at", "blessed", "failures",
                                                    "data", "baseline")}
        return None

    return {"name": name, "version": version, "blessing": newest("evaluation"),
            "replay": newest("replay"), "evaluations": entries}
