"""One conversion of our values to JSON types, shared by the REST API, the CLI and reports.

NaN and the infinities become the strings "NaN", "Infinity" and "-Infinity" (strict JSON has
no such numbers, and a client must still see them); records and enums become their fields and
values; NumPy scalars and arrays their Python equivalents. A leaf: it imports nothing of ours.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import os
from collections.abc import Mapping
from typing import Any


def jsonable(value: Any) -> Any:
    """``value`` made of JSON types only (``json.dumps(..., allow_nan=False)`` accepts it)."""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist"):  # NumPy arrays and scalars, without importing NumPy
        return jsonable(value.tolist())
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return str(value)
