"""Schemas of datasets: inferring them, storing them as a dataset's contract, validating against.

Where a schema is asked for, any of these works: a pandera ``DataFrameSchema``, its YAML text,
a ``.yaml`` file, or a dataset reference. ``"customers@3"`` means the schema version 3 was
validated against, or failing that one inferred from its data; ``"customers"`` means the
dataset's contract, or failing that the newest version's schema.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from ..errors import InvalidInput, NotFound
from ..session import current
from .refs import parse_ref
from .table_files import read_table
from .validation import (
    ValidationReport,
    check,
    infer_schema_of,
    load_schema,
    schema_yaml,
)


def _looks_like_ref(value: Any) -> bool:
    if not isinstance(value, str) or "\n" in value or value.endswith((".yaml", ".yml")):
        return False
    try:
        parse_ref(value)
    except InvalidInput:
        return False
    return True


def infer_schema(ref: Any) -> Any:
    """A pandera schema inferred from a version's data (or from a DataFrame).

    Parameters
    ----------
    ref:
        A DataFrame version like ``"customers@3"``, or a DataFrame.

    Returns
    -------
    pandera.DataFrameSchema
        Column types, nullability, value ranges and categories seen; edit it, save it with
        ``schema.to_yaml()`` and make it the contract with ``set_schema``.
    """
    return infer_schema_of(_frame(ref))


def _frame(data: Any) -> Any:
    from .versions import load_data, resolve_version

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


def _read(path: Path) -> Any:
    frame = read_table(path)
    frame.attrs["mlops_ref"] = path.name
    return frame


def schema_of(source: Any) -> Any:
    """The pandera schema ``source`` names (see the module docstring)."""
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
