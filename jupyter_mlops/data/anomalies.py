"""``mlops.check``: TFDV's anomalies of a DataFrame against a schema, column by column.

Each anomaly has a kind (``missing_column``, ``unexpected_column``, ``type_change``,
``new_category``, ``out_of_range``, ``too_many_nulls``, or ``failed_check`` for any other
pandera check of the schema) and the raw measurement behind it, so a face can show the number
and a caller can decide. The schema is a pandera one (``infer_schema``): its domain checks are
read as TFDV's domains, and pandera runs whatever other checks a user wrote.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput
from .features import Feature, features, kind_of_series

if TYPE_CHECKING:
    from collections.abc import Iterator

    import pandas as pd

MISSING_COLUMN = "missing_column"
UNEXPECTED_COLUMN = "unexpected_column"
TYPE_CHANGE = "type_change"
NEW_CATEGORY = "new_category"
OUT_OF_RANGE = "out_of_range"
TOO_MANY_NULLS = "too_many_nulls"
FAILED_CHECK = "failed_check"
KINDS = (MISSING_COLUMN, UNEXPECTED_COLUMN, TYPE_CHANGE, NEW_CATEGORY, OUT_OF_RANGE,
         TOO_MANY_NULLS, FAILED_CHECK)
EXAMPLES = 10

# pandera checks whose failures the kinds above already report, measured our way.
_COVERED = ("dtype", "isin", "greater_than_or_equal_to", "less_than_or_equal_to", "in_range",
            "greater_than", "less_than", "not_nullable", "column_in_dataframe",
            "column_in_schema", "coerce_dtype", "presence", "not_in_environment",
            "skew_comparator", "drift_comparator")


@dataclass(frozen=True)
class Anomaly:
    """One anomaly: the column (None for the frame), its kind, a sentence, and the numbers."""

    column: str | None
    kind: str
    description: str
    measurement: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.column or '<frame>'}: {self.kind} ({self.description})"


@dataclass(frozen=True)
class AnomalyReport:
    """The anomalies of data against a schema, in one environment; empty when it conforms."""

    anomalies: tuple[Anomaly, ...] = ()
    rows: int = 0
    checked: str = "DataFrame"
    environment: str | None = None

    @property
    def ok(self) -> bool:
        return not self.anomalies

    def __bool__(self) -> bool:
        return self.ok

    def __len__(self) -> int:
        return len(self.anomalies)

    def __iter__(self) -> Iterator[Anomaly]:
        return iter(self.anomalies)

    def of(self, column: str) -> list[Anomaly]:
        """The anomalies of one column."""
        return [a for a in self.anomalies if a.column == column]

    def kinds(self) -> dict[str | None, list[str]]:
        """Column -> the kinds of its anomalies."""
        out: dict[str | None, list[str]] = {}
        for anomaly in self.anomalies:
            out.setdefault(anomaly.column, []).append(anomaly.kind)
        return out

    def to_frame(self) -> pd.DataFrame:
        """The anomalies as a DataFrame: column, kind, description, measurement."""
        import pandas as pd

        return pd.DataFrame([(a.column, a.kind, a.description, a.measurement)
                             for a in self.anomalies],
                            columns=["column", "kind", "description", "measurement"])

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "rows": self.rows, "checked": self.checked,
                "environment": self.environment,
                "anomalies": [{"column": a.column, "kind": a.kind,
                               "description": a.description, "measurement": a.measurement}
                              for a in self.anomalies]}

    def summary(self) -> str:
        where = f" ({self.environment})" if self.environment else ""
        if self.ok:
            return f"{self.checked}{where}: no anomalies ({self.rows} rows)."
        count = len(self.anomalies)
        return (f"{self.checked}{where}: {count} anomal{'ies' if count != 1 else 'y'}: "
                + "; ".join(str(a) for a in self.anomalies) + ".")

    def __str__(self) -> str:
        return self.summary()

    # Departure from issue 14 (HTML in the notebook face): IPython's display protocol asks the
    # object itself, so this renders in any notebook, extension loaded or not. See
    # docs/architecture.md, "Displays".
    def _repr_html_(self) -> str:
        where = f" ({html.escape(self.environment)})" if self.environment else ""
        if self.ok:
            return (f"<p>&#10004; <b>{html.escape(self.checked)}</b>{where}: no anomalies "
                    f"({self.rows:,} rows).</p>")
        rows = "".join(
            f"<tr><td>{html.escape(a.column or '<frame>')}</td><td>{html.escape(a.kind)}</td>"
            f"<td>{html.escape(a.description)}</td>"
            f"<td><code>{html.escape(_short(a.measurement))}</code></td></tr>"
            for a in self.anomalies)
        return (f"<p><b>&#10008; {html.escape(self.checked)}</b>{where}: "
                f"{len(self.anomalies)} anomalies in {self.rows:,} rows</p>"
                "<table><thead><tr><th>column</th><th>kind</th><th>description</th>"
                f"<th>measurement</th></tr></thead><tbody>{rows}</tbody></table>")


def _short(measurement: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_fmt(v)}" for k, v in measurement.items())


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return repr(value) if isinstance(value, str) else str(value)


def check(data: Any, schema: Any = None, *, environment: str | None = None) -> AnomalyReport:
    """Find TFDV's anomalies of ``data`` against ``schema``, column by column.

    Parameters
    ----------
    data:
        A DataFrame, a DataFrame version like ``"customers@4"``, or a table file.
    schema:
        A pandera schema (``infer_schema``), its YAML, a ``.yaml`` file, a dataset reference,
        or a DataFrame to infer it from; default: ``data``'s dataset's schema.
    environment:
        "TRAINING", "SERVING" or another: columns not in it (a label in SERVING) are neither
        missing nor checked.

    Returns
    -------
    AnomalyReport
        ``ok``, ``anomalies`` (column, kind, description, measurement), ``to_frame()``;
        shown as a table in a notebook.
    """
    import pandas as pd

    from . import schemas

    frame = schemas._frame(data)
    checked = data if isinstance(data, str) else str(frame.attrs.get("mlops_ref", "DataFrame"))
    if schema is None:
        if not isinstance(data, str) or "@" not in data:
            raise InvalidInput("Pass schema=: a pandera schema, a YAML file or a dataset "
                               "version (only a dataset version has one of its own).")
        schema = data.partition("@")[0]
    if isinstance(schema, pd.DataFrame):
        schema = schemas.infer_schema(schema)
    else:
        schema = schemas.schema_of(schema)
    found: list[Anomaly] = []
    known = set()
    for feature in features(schema):
        known.add(feature.name)
        if not feature.in_environment(environment):
            continue
        if feature.name not in frame.columns:
            if schema.columns[feature.name].required:
                found.append(Anomaly(feature.name, MISSING_COLUMN,
                                     "Column is missing from the data",
                                     {"expected_type": feature.kind}))
            continue
        found.extend(_column(feature, frame[feature.name]))
    for name in frame.columns:
        if str(name) not in known:
            found.append(Anomaly(str(name), UNEXPECTED_COLUMN,
                                 "New column: in the data but not in the schema",
                                 {"dtype": str(frame[name].dtype),
                                  "type": kind_of_series(frame[name])}))
    found.extend(_other_checks(frame, schema, {a.column for a in found if a.kind ==
                                               TYPE_CHANGE}))
    return AnomalyReport(tuple(found), len(frame), checked, environment)


def _column(feature: Feature, series: Any) -> list[Anomaly]:
    out = []
    rows = len(series)
    values = series.dropna()
    if rows:
        present = len(values) / rows
        if present < feature.min_fraction:
            out.append(Anomaly(feature.name, TOO_MANY_NULLS,
                               f"Column has a value in {present:.1%} of rows, fewer than the "
                               f"minimum {feature.min_fraction:.1%}",
                               {"present_fraction": present, "missing": rows - len(values),
                                "min_fraction": feature.min_fraction}))
    if not len(values):
        return out
    kind = kind_of_series(values)
    if not _compatible(feature.kind, kind):
        out.append(Anomaly(feature.name, TYPE_CHANGE,
                           f"Expected data of type {feature.kind} but got {kind}",
                           {"expected_type": feature.kind, "type": kind,
                            "dtype": str(series.dtype), "expected_dtype": feature.dtype}))
        return out
    if feature.values is not None:
        out.extend(_new_categories(feature, values))
    if (feature.low is not None or feature.high is not None) and kind in ("INT", "FLOAT"):
        out.extend(_out_of_range(feature, values))
    return out


def _compatible(expected: str, found: str) -> bool:
    # An int column read back as floats is still ints; ints are valid floats.
    if expected == found or (expected == "FLOAT" and found == "INT"):
        return True
    return expected == "INT" and found == "BOOL"


def _new_categories(feature: Feature, values: Any) -> list[Anomaly]:
    allowed = set(feature.values or ())
    allowed_text = {str(v) for v in allowed}
    plain = values.astype(object)
    unseen = ~plain.isin(allowed) & ~plain.astype(str).isin(allowed_text)
    count = int(unseen.sum())
    if not count:
        return []
    new = plain[unseen].value_counts()
    shown = [_plain(v) for v in new.index[:EXAMPLES]]
    return [Anomaly(feature.name, NEW_CATEGORY,
                    f"Unexpected values: {', '.join(map(repr, shown))}"
                    f"{' ...' if len(new) > EXAMPLES else ''} in {count} rows "
                    f"({count / len(values):.1%} of values)",
                    {"values": shown, "distinct": len(new), "rows": count,
                     "fraction": count / len(values)})]


def _out_of_range(feature: Feature, values: Any) -> list[Anomaly]:
    numbers = values.astype(float)
    low = -math.inf if feature.low is None else feature.low
    high = math.inf if feature.high is None else feature.high
    outside = (numbers < low) | (numbers > high)
    count = int(outside.sum())
    if not count:
        return []
    seen_low, seen_high = float(numbers.min()), float(numbers.max())
    return [Anomaly(feature.name, OUT_OF_RANGE,
                    f"{count} values outside [{_fmt(feature.low)}, {_fmt(feature.high)}] "
                    f"(seen {seen_low:.6g} to {seen_high:.6g})",
                    {"min": seen_low, "max": seen_high, "rows": count,
                     "fraction": count / len(values), "low": feature.low,
                     "high": feature.high})]


def _other_checks(frame: Any, schema: Any, retyped: set[str | None]) -> list[Anomaly]:
    from .validation import check as validate

    out = []
    for failure in validate(frame, schema).failures:
        name = failure.check.split("(")[0]
        if name in _COVERED or failure.column in retyped or name.startswith(_COVERED):
            continue
        out.append(Anomaly(failure.column, FAILED_CHECK, f"Fails {failure.check}",
                           {"check": failure.check, "rows": failure.failures,
                            "examples": list(failure.examples)}))
    return out


def _plain(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            return value.item()
        except (ValueError, AttributeError):
            return value
    return value
