"""Data versions: fast content hashing, versions of DataFrames, files and folders, profiles,
diffs, pandera validation and lineage.

``import jupyter_mlops.data`` is cheap: each name below is imported on first use, and pandas,
pyarrow and pandera only when a function needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

# name -> module that defines it
_EXPORTS: dict[str, str] = {
    "DataDiff": "jupyter_mlops.data.diff",
    "LogEntry": "jupyter_mlops.data.queries",
    "ValidationFailed": "jupyter_mlops.data.validation",
    "ValidationReport": "jupyter_mlops.data.validation",
    "checkout": "jupyter_mlops.data.versions",
    "data_log": "jupyter_mlops.data.queries",
    "dataset_versions": "jupyter_mlops.data.queries",
    "datasets": "jupyter_mlops.data.queries",
    "diff_data": "jupyter_mlops.data.queries",
    "frame_digest": "jupyter_mlops.data.frames",
    "get_profile": "jupyter_mlops.data.queries",
    "infer_schema": "jupyter_mlops.data.schemas",
    "list_datasets": "jupyter_mlops.data.queries",
    "list_versions": "jupyter_mlops.data.queries",
    "load_data": "jupyter_mlops.data.versions",
    "reference_profile": "jupyter_mlops.data.queries",
    "resolve_version": "jupyter_mlops.data.versions",
    "set_schema": "jupyter_mlops.data.schemas",
    "validate": "jupyter_mlops.data.schemas",
    "version_data": "jupyter_mlops.data.versions",
    "version_from_magic": "jupyter_mlops.data.magic",
}

__all__ = [
    "DataDiff",
    "LogEntry",
    "ValidationFailed",
    "ValidationReport",
    "checkout",
    "data_log",
    "dataset_versions",
    "datasets",
    "diff_data",
    "frame_digest",
    "get_profile",
    "infer_schema",
    "list_datasets",
    "list_versions",
    "load_data",
    "reference_profile",
    "resolve_version",
    "set_schema",
    "validate",
    "version_data",
    "version_from_magic",
]


__getattr__, __dir__ = lazy_exports("jupyter_mlops.data", _EXPORTS, globals(), __all__)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors only
    from .diff import DataDiff
    from .frames import frame_digest
    from .magic import version_from_magic
    from .queries import (
        LogEntry,
        data_log,
        dataset_versions,
        datasets,
        diff_data,
        get_profile,
        list_datasets,
        list_versions,
        reference_profile,
    )
    from .schemas import infer_schema, set_schema, validate
    from .validation import ValidationFailed, ValidationReport
    from .versions import checkout, load_data, resolve_version, version_data
