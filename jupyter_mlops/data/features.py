"""TFDV's view of a pandera schema: each column as a feature with type, presence, domain,
environments and skew/drift comparators.

A schema stays one pandera ``DataFrameSchema``, so its YAML is a file pandera itself reads.
What pandera has no word for rides in it as registered checks (pandera writes and reads those
by name): ``presence(min_fraction=...)``, ``not_in_environment(environments=[...])``,
``skew_comparator(...)`` and ``drift_comparator(...)``. They never fail a pandera
``validate`` (presence is measured by ``mlops.check``, which sees the nulls pandera drops
before a check runs); the domain is pandera's own ``isin`` and range checks.
"""

from __future__ import annotations

import contextlib
import inspect
import math
from dataclasses import dataclass, field
from typing import Any

ANNOTATIONS = ("presence", "not_in_environment", "skew_comparator", "drift_comparator")
TRAINING, SERVING = "TRAINING", "SERVING"
"""TFDV's two customary environments; a schema may name others in ``not_in_environment``."""

_registered = False


def register_checks() -> None:
    """Teach pandera the annotation checks (once a process), before any schema is read."""
    global _registered
    if _registered:
        return
    import pandas as pd
    from pandera import extensions

    # Annotations for mlops.check and skew_report: a pandera validate passes them always.
    def presence(series: Any, *, min_fraction: float) -> bool:
        return True

    def not_in_environment(series: Any, *, environments: list[str]) -> bool:
        return True

    def skew_comparator(series: Any, *, infinity_norm: float | None = None,
                        jensen_shannon_divergence: float | None = None) -> bool:
        return True

    def drift_comparator(series: Any, *, infinity_norm: float | None = None,
                         jensen_shannon_divergence: float | None = None) -> bool:
        return True

    for check in (presence, not_in_environment, skew_comparator, drift_comparator):
        statistics = [p for p in inspect.signature(check).parameters if p != "series"]
        # ValueError: already registered in this process (a reload of this module).
        with contextlib.suppress(ValueError):
            extensions.register_check_method(statistics=statistics,
                                             supported_types=pd.Series)(check)
    _registered = True


@dataclass(frozen=True)
class Feature:
    """One column of a schema as TFDV sees it.

    ``kind`` is TFDV's type (INT, FLOAT, BYTES, BOOL, TIMESTAMP); ``values`` the allowed
    categories (None: any); ``low``/``high`` the numeric range (None: open); ``min_fraction``
    the share of rows that must hold a value; ``comparators`` maps "skew"/"drift" to
    ``{"infinity_norm" | "jensen_shannon_divergence": threshold}``.
    """

    name: str
    dtype: str
    kind: str
    min_fraction: float = 0.0
    values: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    not_in_environment: tuple[str, ...] = ()
    comparators: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def categorical(self) -> bool:
        return self.kind in ("BYTES", "BOOL") or self.values is not None

    def in_environment(self, environment: str | None) -> bool:
        return environment is None or environment not in self.not_in_environment

    def threshold(self, comparator: str) -> tuple[str, float] | None:
        """The (measure, threshold) of the "skew" or "drift" comparator, if set."""
        for measure, value in self.comparators.get(comparator, {}).items():
            if value is not None:
                return measure, float(value)
        return None


def kind_of_dtype(dtype: Any) -> str:
    """TFDV's type for a pandas (or pandera) dtype."""
    from pandas.api import types

    text = str(dtype).lower()
    try:
        if types.is_bool_dtype(dtype) or text in ("bool", "boolean"):
            return "BOOL"
        if types.is_integer_dtype(dtype):
            return "INT"
        if types.is_float_dtype(dtype):
            return "FLOAT"
        if types.is_datetime64_any_dtype(dtype):
            return "TIMESTAMP"
    except TypeError:  # a dtype text pandas does not parse: judge by its name
        pass
    if text.startswith(("int", "uint")):
        return "INT"
    if text.startswith("float"):
        return "FLOAT"
    if text.startswith("datetime"):
        return "TIMESTAMP"
    return "BYTES"


def kind_of_series(series: Any) -> str:
    """TFDV's type for data: floats that are all whole numbers (an int column with nulls, as
    JSON and CSV give it back) still count as INT."""
    import numpy as np

    kind = kind_of_dtype(series.dtype)
    if kind == "FLOAT":
        values = series.dropna().to_numpy(dtype=float)
        if len(values) and np.all(np.isfinite(values)) and np.all(values == np.round(values)):
            return "INT"
    if kind == "BYTES" and len(series.dropna()):
        sample = series.dropna()
        if all(isinstance(v, bool) for v in sample.iloc[:100]):
            return "BOOL"
    return kind


def features(schema: Any) -> list[Feature]:
    """Every column of a pandera ``schema`` as a ``Feature``, in the schema's order."""
    out = []
    for name, column in schema.columns.items():
        out.append(_feature(str(name), column))
    return out


def _feature(name: str, column: Any) -> Feature:
    dtype = str(column.dtype) if column.dtype is not None else "object"
    values: tuple[Any, ...] | None = None
    low = high = None
    min_fraction = 0.0 if column.nullable else 1.0
    not_in: tuple[str, ...] = ()
    comparators: dict[str, dict[str, float]] = {}
    for check in column.checks:
        stats = dict(getattr(check, "statistics", None) or {})
        name_of = getattr(check, "name", "")
        if name_of == "isin":
            values = tuple(stats.get("allowed_values", ()))
        elif name_of in ("greater_than_or_equal_to", "greater_than"):
            low = _number(stats.get("min_value"))
        elif name_of in ("less_than_or_equal_to", "less_than"):
            high = _number(stats.get("max_value"))
        elif name_of == "in_range":
            low, high = _number(stats.get("min_value")), _number(stats.get("max_value"))
        elif name_of == "presence":
            min_fraction = float(stats.get("min_fraction") or 0.0)
        elif name_of == "not_in_environment":
            not_in = tuple(str(e) for e in stats.get("environments") or ())
        elif name_of in ("skew_comparator", "drift_comparator"):
            comparators[name_of.split("_")[0]] = {
                k: float(v) for k, v in stats.items() if v is not None}
    return Feature(name, dtype, kind_of_dtype(dtype), min_fraction, values, low, high, not_in,
                   comparators)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None  # a range on dates: not a numeric domain
    return None if math.isnan(number) else number


def environments(schema: Any) -> list[str]:
    """The environments a schema knows: TRAINING, SERVING and any a column names."""
    named = {e for f in features(schema) for e in f.not_in_environment}
    return [TRAINING, SERVING, *sorted(named - {TRAINING, SERVING})]
