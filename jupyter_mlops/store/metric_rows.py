"""What every backend can store of a buffered metric row, checked without importing SQLAlchemy."""

from __future__ import annotations

import math
from typing import Any

# What every backend can hold: a signed 64-bit step and a finite timestamp (year < 10000).
_MIN_STEP, _MAX_STEP = -(2**63), 2**63 - 1
_MAX_TIMESTAMP = 253_402_300_800.0
_MAX_KEY = 250


def metric_row_problem(row: Any) -> str | None:
    """Why no backend can store ``row``, or None when it can (the writer drops such rows)."""
    try:
        run_id, key, value, step, timestamp = row
    except (TypeError, ValueError):
        return "not a (run, key, value, step, timestamp) row"
    if not isinstance(run_id, str) or not isinstance(key, str):
        return "run id and key must be text"
    if not key or len(key) > _MAX_KEY or "\x00" in key:
        return f"key {key[:40]!r} is not a metric name"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"value {value!r} is not a number"
    if isinstance(step, bool) or not isinstance(step, int) or not _MIN_STEP <= step <= _MAX_STEP:
        return f"step {step!r} is not a 64-bit integer"
    if (isinstance(timestamp, bool) or not isinstance(timestamp, (int, float))
            or not math.isfinite(timestamp)
            or not 0 <= timestamp < _MAX_TIMESTAMP):
        return f"timestamp {timestamp!r} is not a time"
    return None


def split_storable(rows: list[Any]) -> tuple[list[Any], list[Any]]:
    """``rows`` parted into those every backend can store and the others, order kept.

    The same verdict as ``metric_row_problem`` row by row, at a fraction of its cost for the
    rows the tracking API buffers (exact str, float, int and float, keys seen before): a flush
    of a million values must not spend a second re-checking them one ABC test at a time.
    """
    good: list[Any] = []
    bad: list[Any] = []
    keys: set[str] = set()
    for row in rows:
        try:
            run_id, key, value, step, timestamp = row
        except (TypeError, ValueError):
            bad.append(row)
            continue
        # NaN and infinite values are storable; a NaN or infinite timestamp fails the range.
        if (type(value) is float and type(step) is int and type(timestamp) is float
                and type(run_id) is str and type(key) is str and key in keys
                and _MIN_STEP <= step <= _MAX_STEP and 0 <= timestamp < _MAX_TIMESTAMP):
            good.append(row)
        elif metric_row_problem(row) is None:
            good.append(row)
            if type(key) is str:
                keys.add(key)
        else:
            bad.append(row)
    return good, bad
