"""Column profiles that stand in for a reference DataFrame: histograms and category counts.

A profile is a plain dict in the format of ``data/profile.py`` (every key below is one of
its keys; a stored version's profile works as it is), so it can come from JSON, from a
stored dataset version or from ``profile_of``::

    {
      "rows": 120000,                         # rows of the profiled data, nulls included
      "columns": {
        "age": {                              # a number: a histogram over the data's range
          "type": "numeric",
          "edges": [18.0, 21.4, ..., 90.0],   # len(counts) + 1 increasing bin edges
          "counts": [311, 2040, ..., 87],     # non-null values per bin (last bin closed)
          "nulls": 12,
          "values": [[0.0, 50], [1.0, 70]],   # optional: every distinct value and its count,
        },                                    #   given when there are few (drives the tests)
        "city": {                             # a category: counts per value
          "type": "categorical",
          "counts": {"Paris": 600, "Lyon": 400},  # or [[value, count], ...] for non-str keys
          "other": 0,                         # optional: non-null rows outside those listed
          "nulls": 0,
        },
        "signup": {"type": "datetime"},       # any other type: listed, explained, not tested
      },
    }

An object with a ``to_dict()`` method returning this shape (a stored profile record) works too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..data.profile import BINS as PROFILE_BINS
from ..data.profile import DRIFT_CATEGORIES as TOP_CATEGORIES
from ..errors import InvalidInput


def as_profile(obj: Any) -> dict[str, Any] | None:
    """``obj`` as a validated profile dict, or None when it is not profile-like.

    Raises
    ------
    InvalidInput
        When ``obj`` looks like a profile but a column entry is malformed.
    """
    if not isinstance(obj, Mapping) and callable(getattr(obj, "to_dict", None)) \
            and not hasattr(obj, "columns"):
        obj = obj.to_dict()
    if not isinstance(obj, Mapping) or not isinstance(obj.get("columns"), Mapping):
        return None
    columns: dict[str, dict[str, Any]] = {}
    for name, entry in obj["columns"].items():
        columns[str(name)] = _column(str(name), entry)
    rows = obj.get("rows")
    if rows is None:
        rows = max((_entry_rows(e) for e in columns.values()), default=0)
    return {"rows": int(rows), "columns": columns}


def _column(name: str, entry: Any) -> dict[str, Any]:
    if not isinstance(entry, Mapping) or not isinstance(entry.get("type"), str):
        raise InvalidInput(
            f"Profile column {name!r} needs a 'type' of 'numeric' or 'categorical'."
        )
    nulls = int(entry.get("nulls") or 0)
    if entry["type"] not in ("numeric", "categorical"):
        # Dates and other kinds are profiled but not tested; the report says so per column.
        kind = "datetime" if entry["type"] == "datetime" else "unsupported"
        return {"type": kind, "nulls": nulls}
    if entry["type"] == "numeric":
        edges = np.asarray(entry.get("edges", []), dtype=np.float64)
        counts = np.asarray(entry.get("counts", []), dtype=np.int64)
        if len(edges) != len(counts) + 1 or len(counts) == 0 or np.any(np.diff(edges) < 0):
            raise InvalidInput(
                f"Profile column {name!r} needs increasing 'edges' and one more edge than "
                "'counts'."
            )
        column: dict[str, Any] = {"type": "numeric", "edges": edges, "counts": counts,
                                  "nulls": nulls}
        if entry.get("values") is not None:
            column["values"] = _pairs(name, entry["values"])
        return column
    return {"type": "categorical", "counts": _pairs(name, entry.get("counts", {})),
            "other": int(entry.get("other", 0)), "nulls": nulls}


def _pairs(name: str, counts: Any) -> dict[Any, int]:
    items = counts.items() if isinstance(counts, Mapping) else counts
    try:
        return {key: int(count) for key, count in items}
    except (TypeError, ValueError):
        raise InvalidInput(
            f"Profile column {name!r}: counts must be a mapping or [value, count] pairs."
        ) from None


def _entry_rows(entry: dict[str, Any]) -> int:
    counts = entry.get("counts", {})
    total = int(counts.sum()) if isinstance(counts, np.ndarray) else sum(counts.values())
    return total + entry.get("other", 0) + entry["nulls"]


def profile_of(frame: Any, bins: int = PROFILE_BINS, top: int = TOP_CATEGORIES) -> dict[str, Any]:
    """A profile of ``frame`` that ``drift_report`` accepts in place of the frame itself.

    It is the profile stored with every DataFrame version (``data/profile.py``: one format for
    both), cut to what a drift report reads.

    Parameters
    ----------
    frame:
        A pandas DataFrame.
    bins:
        Equal-width histogram bins per numeric column.
    top:
        Most frequent categories kept per categorical column; the rest are counted as "other".

    Returns
    -------
    dict
        The profile (see the module docstring), JSON-ready.
    """
    from ..data.profile import drift_shape, profile_frame

    full = profile_frame(frame, bins=bins, categories=top)
    shaped = drift_shape(full)
    # Dates and other kinds stay listed, so the report can say per column why it is not tested.
    columns = {name: shaped["columns"].get(name, {"type": entry["type"], "nulls": entry["nulls"]})
               for name, entry in full["columns"].items()}
    return {"rows": shaped["rows"], "columns": columns}
