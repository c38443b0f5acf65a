"""Schemas of datasets: inferring them, storing them as a dataset's contract, validating against.

Where a schema is asked for, any of these works: a pandera ``DataFrameSchema``, its YAML text,
a ``.yaml`` file, or a dataset reference. ``"customers@3"`` means the schema version 3 was
validated against, or failing that one inferred from its data; ``"customers"`` means the
dataset's contract, or failing that the newest version's schema.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput, NotFound
from ..session import current
from .features import SERVING, kind_of_dtype, register_checks
from .refs import parse_ref
from .table_files import read_table
from .validation import (
    ValidationReport,
    check,
    infer_schema_of,
    load_schema,
    schema_yaml,
)

if TYPE_CHECKING:
    import pandas as pd
    from pandera.pandas import Column, DataFrameSchema


def _looks_like_ref(value: Any) -> bool:
    if not isinstance(value, str) or "\n" in value or value.endswith((".yaml", ".yml")):
        return False
    try:
        parse_ref(value)
    except InvalidInput:
        return False
    return True


MAX_DOMAIN_SIZE = 100
"""TFDV's ``max_string_domain_size``: text columns with at most this many values get a domain."""


def infer_schema(ref: Any, *, label: str | Sequence[str] | None = None,
                 skew: float | Mapping[str, float] | None = None,
                 drift: float | Mapping[str, float] | None = None,
                 min_fraction: float | Mapping[str, float] | None = None,
                 max_domain_size: int = MAX_DOMAIN_SIZE) -> DataFrameSchema:
    """A pandera schema inferred from a version's data (or from a DataFrame), in TFDV's terms.

    Each column gets its type, its presence (not nullable when every row has a value: TFDV's
    ``min_fraction`` 1.0), and its domain: the categories seen for categorical and
    low-cardinality text columns, the range seen for numbers. ``mlops.features(schema)``
    reads it back column by column.

    Parameters
    ----------
    ref:
        A DataFrame version like ``"customers@3"``, a table file, or a DataFrame.
    label:
        The label column(s): absent from the SERVING environment (TFDV's
        ``not_in_environment``), so ``check(..., environment="SERVING")`` does not miss them.
    skew, drift:
        Thresholds of the training-serving skew and drift comparators, for every column or
        per column: an L-infinity distance for categorical columns, a Jensen-Shannon
        divergence for numeric ones (``skew_report`` uses them).
    min_fraction:
        The least share of rows that must hold a value, for every column or per column
        (default: 1.0 where none is missing, else no minimum, as TFDV infers).
    max_domain_size:
        Text columns with more distinct values than this (or mostly unique values) get no
        domain.

    Returns
    -------
    pandera.DataFrameSchema
        Editable, and serialisable with ``to_yaml()``; make it the contract with
        ``set_schema``.
    """
    frame = _frame(ref)
    schema = infer_schema_of(frame)
    labels = [label] if isinstance(label, str) else list(label or ())
    _check_columns(frame, labels, "label")
    for option, what in ((skew, "skew"), (drift, "drift"), (min_fraction, "min_fraction")):
        if isinstance(option, Mapping):
            _check_columns(frame, list(option), what)
    columns = {}
    for name, column in schema.columns.items():
        columns[name] = _annotated(frame[name], column, name in labels, _pick(skew, name),
                                   _pick(drift, name), _pick(min_fraction, name),
                                   max_domain_size)
    return schema.__class__(columns, index=schema.index, coerce=False, name=schema.name)


def _check_columns(frame: Any, names: list[str], what: str) -> None:
    unknown = [n for n in names if n not in frame.columns]
    if unknown:
        raise InvalidInput(
            f"No column {unknown[0]!r} for {what}=: the data has "
            f"{', '.join(map(str, frame.columns[:20]))}.")


def _pick(option: float | Mapping[str, float] | None, name: str) -> float | None:
    if isinstance(option, Mapping):
        value = option.get(name)
        return None if value is None else float(value)
    return None if option is None else float(option)


def _annotated(series: Any, column: Any, is_label: bool, skew: float | None,
               drift: float | None, min_fraction: float | None, max_domain: int) -> Column:
    import pandera.pandas as pandera

    register_checks()
    checks = list(column.checks)
    names = {c.name for c in checks}
    values = series.dropna()
    kind = kind_of_dtype(series.dtype)
    if kind == "BYTES" and "isin" not in names and len(values):
        seen = values.unique()
        # TFDV's string domain; ids and free text (mostly unique values) get none.
        if len(seen) <= max_domain and len(seen) * 2 <= len(values):
            checks.append(pandera.Check.isin(sorted(str(v) for v in seen)))
    categorical = kind in ("BYTES", "BOOL") or str(series.dtype) == "category"
    if min_fraction is not None:
        checks.append(pandera.Check.presence(min_fraction=min_fraction))
    if is_label:
        checks.append(pandera.Check.not_in_environment(environments=[SERVING]))
    measure = "infinity_norm" if categorical else "jensen_shannon_divergence"
    for comparator, threshold in (("skew_comparator", skew), ("drift_comparator", drift)):
        if threshold is not None:
            checks.append(getattr(pandera.Check, comparator)(**{measure: threshold}))
    return column.set_checks(checks)


def _frame(data: Any) -> pd.DataFrame:
    from .reads import load_data, resolve_version

    # A path that exists wins over a dataset name that looks like a file name.
    if isinstance(data, os.PathLike) or (isinstance(data, str) and Path(data).is_file()):
        return _read(Path(data))
    if isinstance(data, str):
        version = resolve_version(data)
        if version.kind != "dataframe":
            raise InvalidInput(
                f"{version.ref} is a {version.kind}, not a DataFrame: schemas apply to "
                "DataFrame versions."
            )
        return load_data(version.ref)
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data
    raise InvalidInput(
        f"Cannot validate a {type(data).__name__}: pass a DataFrame or a version like "
        "'customers@3'."
    )


def _read(path: Path) -> pd.DataFrame:
    frame = read_table(path)
    frame.attrs["mlops_ref"] = path.name
    return frame


def schema_of(source: Any) -> DataFrameSchema:
    """The pandera schema ``source`` names (see the module docstring)."""
    register_checks()
    if not _looks_like_ref(source):
        return load_schema(source)
    parsed = parse_ref(source)
    store = current().store.datasets
    if parsed.version is None:
        contract = store.dataset(parsed.name).schema
        if contract:
            return load_schema(contract)
    version = store.get(parsed.name, parsed.version)
    if version.schema:
        return load_schema(version.schema)
    return infer_schema(version.ref)


def contract_for(name: str, validate: Any, frame: Any) -> tuple[Any, bool]:
    """The schema a new version of ``name`` is checked against, and whether it becomes the
    dataset's contract (``version_data``'s ``validate=``)."""
    register_checks()
    if validate is True:
        try:
            contract = current().store.datasets.dataset(name).schema
        except NotFound:
            contract = None
        if contract:
            return load_schema(contract), False
        return infer_schema_of(frame), True
    return schema_of(validate), True


def set_schema(name: str, schema: Any) -> str:
    """Make ``schema`` the contract that ``version_data(..., validate=True)`` checks ``name``
    against.

    Parameters
    ----------
    name:
        An existing dataset.
    schema:
        A pandera schema, its YAML, a ``.yaml`` file or a dataset reference; None removes the
        contract.

    Returns
    -------
    str
        The contract's YAML ("" when removed).
    """
    text = None if schema is None else schema_yaml(schema_of(schema))
    current().store.datasets.set_schema(parse_ref(name).name, text, time.time())
    return text or ""


def validate(df: Any, schema_or_ref: Any) -> ValidationReport:
    """Check data against a schema and report every failing check (nothing is raised).

    Parameters
    ----------
    df:
        A DataFrame, a DataFrame version like ``"customers@4"``, or a CSV, Parquet, Feather
        or JSON file.
    schema_or_ref:
        A pandera schema, its YAML, a ``.yaml`` file, or a dataset reference (see the module
        docstring).

    Returns
    -------
    ValidationReport
        ``ok``, ``failures`` (column, check, failing count, examples), ``to_frame()``.
    """
    frame = _frame(df)
    checked = df if isinstance(df, str) else str(frame.attrs.get("mlops_ref", "DataFrame"))
    return check(frame, schema_of(schema_or_ref), checked)
