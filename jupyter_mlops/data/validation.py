"""Validation of DataFrames with pandera: inferred schemas, YAML, and reports of every failure.

We do not write a schema engine: a schema is a ``pandera.DataFrameSchema``, stored as its YAML
with a dataset (the dataset's contract) or with a version (what it was validated against).
``infer_schema`` starts from pandera's own inference with two changes: ``coerce`` is off (data
must already have the types, or a retyped column would pass silently) and range checks on
time-zone-aware dates are dropped (pandera cannot write them to YAML).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput, MissingDependency
from .features import register_checks

if TYPE_CHECKING:
    from types import ModuleType

    import pandas as pd
    from pandera.pandas import DataFrameSchema

EXAMPLES = 5


def _pandera() -> ModuleType:
    try:
        import pandera.pandas as pandera
    except ImportError:
        raise MissingDependency(
            "Validation needs pandera: pip install pandera."
        ) from None
    return pandera


@dataclass(frozen=True)
class Failure:
    """One failing check: on which column, which check, how many values, and a few of them."""

    column: str | None
    check: str
    failures: int
    examples: tuple[Any, ...] = ()

    def __str__(self) -> str:
        where = self.column if self.column is not None else "<frame>"
        shown = ", ".join(repr(e) for e in self.examples)
        return f"{where}: {self.check} fails {self.failures}" + (f" (e.g. {shown})" if shown
                                                                  else "")


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validating data against a schema: every failing check, or none."""

    failures: tuple[Failure, ...] = ()
    rows: int = 0
    schema: str = ""
    checked: str = "DataFrame"

    @property
    def ok(self) -> bool:
        return not self.failures

    def __bool__(self) -> bool:
        return self.ok

    def to_frame(self) -> pd.DataFrame:
        """The failures as a DataFrame: column, check, failures, examples."""
        import pandas as pd

        return pd.DataFrame(
            [(f.column, f.check, f.failures, list(f.examples)) for f in self.failures],
            columns=["column", "check", "failures", "examples"],
        )

    def summary(self) -> str:
        """One line: passed, or the count of failing checks and each of them."""
        if self.ok:
            return f"{self.checked}: all checks pass ({self.rows} rows)."
        return (f"{self.checked} fails {len(self.failures)} check"
                f"{'s' if len(self.failures) != 1 else ''}: "
                + "; ".join(str(f) for f in self.failures) + ".")

    def __str__(self) -> str:
        return self.summary()

    # Departure from issue 14 (HTML in the notebook face): IPython's display protocol asks the
    # object itself, so this renders in any notebook, extension loaded or not. See
    # docs/architecture.md, "Displays".
    def _repr_html_(self) -> str:
        import html

        if self.ok:
            return f"<p>&#10004; {html.escape(self.summary())}</p>"
        table = self.to_frame().to_html(index=False, escape=True)
        return f"<p><b>&#10008; {html.escape(self.checked)}</b> fails:</p>{table}"


class ValidationFailed(InvalidInput):
    """Data does not satisfy its schema; ``report`` lists every failing check."""

    def __init__(self, report: ValidationReport, what: str) -> None:
        super().__init__(f"{what} refused: {report.summary()} Fix the data, or pass a "
                         "schema that allows it.")
        self.report = report


def infer_schema_of(frame: Any) -> DataFrameSchema:
    """A pandera schema inferred from ``frame`` (types, nullability, ranges, categories).

    Parameters
    ----------
    frame:
        A pandas DataFrame.

    Returns
    -------
    pandera.DataFrameSchema
        Editable, and serialisable with ``to_yaml()``.
    """
    from pandas.api import types

    pandera = _pandera()
    schema = pandera.infer_schema(frame)
    columns = dict(schema.columns)
    for name, column in columns.items():
        series = frame[name]
        if types.is_datetime64_any_dtype(series.dtype) and getattr(series.dtype, "tz", None):
            columns[name] = column.set_checks([])
    return pandera.DataFrameSchema(columns, index=schema.index, coerce=False,
                                   name=schema.name)


def load_schema(schema: Any) -> DataFrameSchema:
    """``schema`` as a pandera ``DataFrameSchema``: one already, YAML text, or a YAML file."""
    pandera = _pandera()
    # pandera drops a check it does not know while reading YAML, without a word: the
    # annotation checks (presence, environments, comparators) must be registered first.
    register_checks()
    if isinstance(schema, pandera.DataFrameSchema):
        return schema
    if isinstance(schema, os.PathLike) or (isinstance(schema, str) and "\n" not in schema \
            and schema.endswith((".yaml", ".yml"))):
        path = Path(schema)
        if not path.is_file():
            raise InvalidInput(f"No schema file {os.fspath(schema)!r}.")
        schema = path.read_text(encoding="utf-8")
    if isinstance(schema, str):
        try:
            return pandera.DataFrameSchema.from_yaml(schema)
        except Exception as exc:  # pandera raises yaml, KeyError or its own errors alike
            raise InvalidInput(f"Not a pandera schema in YAML: {exc}") from exc
    raise InvalidInput(
        f"Cannot use a {type(schema).__name__} as a schema: pass a pandera DataFrameSchema, "
        "its YAML, a .yaml file or a dataset version like 'customers@3'."
    )


def schema_yaml(schema: Any) -> str:
    """The YAML text of a pandera schema."""
    try:
        return str(schema.to_yaml())
    except Exception as exc:  # yaml's RepresenterError for values YAML cannot write
        raise InvalidInput(
            f"This schema cannot be written as YAML ({exc}); remove checks on values such "
            "as time-zone-aware dates."
        ) from exc


def check(frame: Any, schema: Any, checked: str = "DataFrame") -> ValidationReport:
    """Validate ``frame`` against a pandera ``schema``, collecting every failure (lazily).

    Parameters
    ----------
    frame:
        A pandas DataFrame.
    schema:
        A pandera DataFrameSchema.
    checked:
        What the report calls the data ("customers@3", a file name).

    Returns
    -------
    ValidationReport
        Empty ``failures`` when the data passes.
    """
    pandera = _pandera()
    text = _yaml_or_empty(schema)
    try:
        schema.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        return ValidationReport(_failures(exc.failure_cases), len(frame), text, checked)
    except pandera.errors.SchemaError as exc:  # raised eagerly for some frame-level checks
        failure = Failure(None, str(getattr(exc, "check", None) or exc), 1)
        return ValidationReport((failure,), len(frame), text, checked)
    return ValidationReport((), len(frame), text, checked)


def _yaml_or_empty(schema: Any) -> str:
    try:
        return str(schema.to_yaml())
    except Exception:
        return ""


def _failures(cases: Any) -> tuple[Failure, ...]:
    out = []
    # One row per failing value; the column is None for frame-level checks.
    cases = cases.assign(column=cases["column"].astype(object).where(cases["column"].notna(),
                                                                     None))
    grouped = cases.groupby(["column", "check"], dropna=False, sort=False)
    for (column, check_name), group in grouped:
        examples = tuple(_plain(v) for v in group["failure_case"].iloc[:EXAMPLES])
        out.append(Failure(None if _missing(column) else str(column), str(check_name),
                           len(group), examples))
    return tuple(out)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _plain(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            return value.item()
        except (ValueError, AttributeError):
            return value
    return value
