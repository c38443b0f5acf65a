"""Looking at datasets: listings as DataFrames, profiles, diffs and each version's lineage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput
from ..records import Dataset, DatasetVersion
from . import storage
from .diff import DataDiff, diff_profiles, diff_versions
from .frames import column_types
from .profile import drift_shape, profile_frame
from .reads import resolve_version
from .refs import check_name, parse_ref

if TYPE_CHECKING:
    import pandas as pd

    from ..store import Store

VERSION_COLUMNS = ["name", "version", "ref", "kind", "rows", "bytes", "files", "format",
                   "digest", "created_at", "created_by", "run_id", "description", "source"]
DATASET_COLUMNS = ["name", "latest_version", "versions", "kind", "rows", "bytes",
                   "description", "created_at", "updated_at", "has_schema"]


def _store() -> Store:
    from ..session import current

    return current().store


def list_datasets() -> list[Dataset]:
    """Every dataset, by name."""
    return list(_store().datasets.datasets())


def list_versions(name: str) -> list[DatasetVersion]:
    """Every version of dataset ``name``, oldest first."""
    return list(_store().datasets.versions(check_name(name)))


def datasets() -> pd.DataFrame:
    """Every dataset with its newest version, as a DataFrame.

    Returns
    -------
    pandas.DataFrame
        One row per dataset: name, latest_version, versions, kind, rows, bytes, description,
        created_at, updated_at (pandas timestamps, UTC), has_schema.
    """
    import pandas as pd

    store = _store().datasets
    rows = []
    for item in store.datasets():
        latest = store.get(item.name) if item.latest_version else None
        rows.append((item.name, item.latest_version, item.version_count,
                     latest.kind if latest else None, latest.rows if latest else None,
                     latest.bytes if latest else None, item.description, item.created_at,
                     item.updated_at, bool(item.schema)))
    frame = pd.DataFrame(rows, columns=DATASET_COLUMNS)
    for column in ("created_at", "updated_at"):
        frame[column] = pd.to_datetime(frame[column], unit="s", utc=True)
    return frame


def dataset_versions(name: str) -> pd.DataFrame:
    """Every version of dataset ``name``, oldest first, as a DataFrame.

    Parameters
    ----------
    name:
        The dataset's name.

    Returns
    -------
    pandas.DataFrame
        One row per version (see ``VERSION_COLUMNS``); ``created_at`` as UTC timestamps.
    """
    import pandas as pd

    versions = list_versions(name)
    frame = pd.DataFrame([(v.name, v.version, v.ref, v.kind, v.rows, v.bytes, v.files,
                           v.format, v.digest, v.created_at, v.created_by, v.run_id,
                           v.description, v.source) for v in versions], columns=VERSION_COLUMNS)
    frame["created_at"] = pd.to_datetime(frame["created_at"], unit="s", utc=True)
    for column in ("rows", "files"):
        frame[column] = frame[column].astype("Int64")
    return frame


def get_profile(ref: str) -> dict[str, Any]:
    """The stored column profile of a DataFrame version (see ``jupyter_mlops.data.profile``).

    Parameters
    ----------
    ref:
        A version like ``"customers@3"``.

    Returns
    -------
    dict
        ``{"rows": N, "columns": {name: {...}}}``.
    """
    version = resolve_version(ref)
    if version.profile_digest is None:
        raise InvalidInput(f"{version.ref} is a {version.kind}; only DataFrame versions have "
                           "column profiles.")
    return dict(storage.read_json(_store().artifacts, version.profile_digest))


def reference_profile(ref: str) -> dict[str, Any]:
    """A version's profile in the shape ``drift_report`` takes as its reference."""
    return drift_shape(get_profile(ref))


def diff_data(a: Any, b: Any) -> DataDiff:
    """What changed from ``a`` to ``b``: schema, rows, column profiles, or files.

    Parameters
    ----------
    a, b:
        Versions like ``"customers@2"`` and ``"customers@3"``, or DataFrames (profiled on the
        spot).

    Returns
    -------
    DataDiff
        ``to_frame()`` gives one row per change (column, change, a, b, delta); it displays as
        a table in notebooks and ``str()`` gives a one-line summary.
    """
    left, right = _side(a), _side(b)
    if isinstance(left, _Frame) or isinstance(right, _Frame):
        if not (_tabular(left) and _tabular(right)):
            raise InvalidInput("A DataFrame can only be compared with a DataFrame version.")
        left, right = _as_frame_side(left), _as_frame_side(right)
        return diff_profiles(left.label, right.label, left.types, right.types,
                             left.profile, right.profile)
    files = None
    if left.kind != "dataframe" or right.kind != "dataframe":
        files = (_files(left), _files(right))
    return diff_versions(left, right, _profile(left), _profile(right), files)


@dataclass
class _Frame:
    label: str
    types: dict[str, str]
    profile: dict[str, Any]


def _side(value: Any) -> DatasetVersion | _Frame:
    if isinstance(value, str):
        return resolve_version(value)
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return _Frame(str(value.attrs.get("mlops_ref", "DataFrame")), column_types(value),
                      profile_frame(value))
    raise InvalidInput(f"Cannot diff a {type(value).__name__}: pass versions like "
                       "'customers@2' or DataFrames.")


def _as_frame_side(side: DatasetVersion | _Frame) -> _Frame:
    if isinstance(side, _Frame):
        return side
    return _Frame(side.ref, side.columns, _profile(side) or {"rows": side.rows, "columns": {}})


def _tabular(side: DatasetVersion | _Frame) -> bool:
    return isinstance(side, _Frame) or side.kind == "dataframe"


def _profile(version: DatasetVersion) -> dict[str, Any] | None:
    if version.profile_digest is None:
        return None
    return dict(storage.read_json(_store().artifacts, version.profile_digest))


def _files(version: DatasetVersion) -> dict[str, tuple[str, int]]:
    if version.kind == "directory":
        return {f.path: (f.digest, f.size)
                for f in _store().datasets.files(version.name, version.version)}
    label = version.source.rsplit("/", 1)[-1] if version.source else version.ref
    return {label: (version.digest, version.bytes)}


@dataclass(frozen=True)
class LogEntry:
    """One version of a dataset with the runs that wrote and read it."""

    version: DatasetVersion
    produced_by: tuple[str, ...]
    read_by: tuple[str, ...]


def data_log(name: str) -> list[LogEntry]:
    """The history of dataset ``name``, newest first, with each version's lineage.

    Parameters
    ----------
    name:
        A dataset name.

    Returns
    -------
    list of LogEntry
        Each version, the runs that versioned it and the runs that loaded it.
    """
    store = _store().datasets
    versions = store.versions(parse_ref(name).name)
    links = store.lineage([v.ref for v in versions])
    wrote: dict[str, list[str]] = {}
    read: dict[str, list[str]] = {}
    for ref, run_id, direction in links:
        target = wrote if direction == "output" else read
        if run_id not in target.setdefault(ref, []):
            target[ref].append(run_id)
    return [LogEntry(v, tuple(wrote.get(v.ref, ())), tuple(read.get(v.ref, ())))
            for v in reversed(versions)]

