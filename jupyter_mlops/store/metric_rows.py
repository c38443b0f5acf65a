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
