"""Versioning data in one line: ``version_data``, ``load_data``, ``checkout`` and their lineage.

A version is identified by its content: versioning content that a version of the same name
already has returns that version and stores nothing. Inside a run, versioning records the
version as an output of the run and loading or checking it out records it as an input.
"""

from __future__ import annotations

import getpass
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput, NotFound
from ..records import DatasetVersion
from ..session import current
from . import storage
from .hashing import digest_file, hash_tree, scan
from .reads import CACHE_DIR, checkout, current_run, link, load_data, resolve_version, stat_cache
from .refs import check_name

if TYPE_CHECKING:
    import pandas as pd

# Reading lives in reads.py (schemas.py needs it without the write path); these names stay
# importable from here, where callers have always found them.
__all__ = ["CACHE_DIR", "checkout", "load_data", "resolve_version", "stat_cache", "version_data"]

def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def version_data(obj: Any, name: str, description: str | None = None,
                 validate: Any = False) -> DatasetVersion:
    """Version a DataFrame, a file or a folder under ``name``; same content, same version.

    Parameters
    ----------
    obj:
        A pandas DataFrame (or Series), or the path of a file or folder.
    name:
        The dataset's name, e.g. ``"customers"``.
    description:
        What this version is; the dataset takes the first description given.
    validate:
        DataFrames only. ``True`` checks the data against the dataset's schema (the first
        validated version's inferred schema becomes it); a pandera schema, its YAML, a
        ``.yaml`` file or a version like ``"customers@2"`` checks against that schema and
        makes it the dataset's. Invalid data is refused with every failing check.

    Returns
    -------
    DatasetVersion
        The new version, or the existing one with the same content.

    Raises
    ------
    ValidationFailed
        When ``validate`` is given and the data fails its schema.
    """
    check_name(name)
    if description is not None and not isinstance(description, str):
        raise InvalidInput("description must be text.")
    if isinstance(obj, (str, os.PathLike)):
        if validate is not False:
            raise InvalidInput(
                "validate= applies to DataFrames; load the file into a DataFrame to validate it."
            )
        path = Path(os.path.abspath(os.path.expanduser(os.fspath(obj))))
        if path.is_dir():
            version = _version_folder(path, name, description)
        elif path.is_file():
            version = _version_file(path, name, description)
        else:
            raise NotFound(f"No file or folder at {os.fspath(obj)!r}: pass an existing path "
                           "or a DataFrame.")
    else:
        version = _version_frame(_as_frame(obj), name, description, validate)
    link("output", version)
    return version


def _as_frame(obj: Any) -> pd.DataFrame:
    import pandas as pd

    if isinstance(obj, pd.DataFrame):
        return obj
    if isinstance(obj, pd.Series):
        return obj.to_frame(name=str(obj.name) if obj.name is not None else "value")
    raise InvalidInput(
        f"Cannot version a {type(obj).__name__}: pass a pandas DataFrame, or the path of a "
        "file or folder."
    )


def _new(name: str, kind: str, digest: str, size: int, description: str | None,
         **fields: Any) -> DatasetVersion:
    run = current_run()
    return DatasetVersion(name=name, version=0, kind=kind, digest=digest, bytes=size,
                          created_at=time.time(), created_by=_user(), description=description,
                          run_id=run.id if run is not None else None, **fields)


def _version_frame(frame: Any, name: str, description: str | None,
                   validate: Any) -> DatasetVersion:
    # Here, not at the top: frames imports NumPy, which versioning a file never needs
    # (a fresh `python -c` versioning an unchanged file spends 70-100 ms on it otherwise).
    from .frames import check_frame, column_types, frame_digest
    from .validation import ValidationFailed, check, schema_yaml

    check_frame(frame)
    track = current()
    records = track.store.datasets
    schema_text = None
    make_contract = False
    if validate is not False and validate is not None:
        from .schemas import contract_for

        schema, make_contract = contract_for(name, validate, frame)
        report = check(frame, schema, f"Data for {name!r}")
        if not report.ok:
            raise ValidationFailed(report, f"New version of {name!r}")
        schema_text = schema_yaml(schema)
    digest = frame_digest(frame)
    version = records.find(name, digest)
    if version is None:
        twin = records.with_digest(digest)
        if twin is not None and twin.kind == "dataframe":
            blob, size, profile = twin.storage_digest, twin.bytes, twin.profile_digest
        else:
            from .profile import profile_frame

            blob, size = storage.write_frame(track.store.artifacts, frame)
            profile = storage.write_json(track.store.artifacts, profile_frame(frame))
        version = records.add(_new(
            name, "dataframe", digest, size, description, storage_digest=blob,
            rows=len(frame), columns=column_types(frame), format="parquet",
            source="DataFrame", profile_digest=profile, schema=schema_text,
        ))
    if make_contract:
        records.set_schema(name, schema_text, time.time())
    return version


def _version_file(path: Path, name: str, description: str | None) -> DatasetVersion:
    track = current()
    digest = digest_file(path, stat_cache(track))
    records = track.store.datasets
    version = records.find(name, digest)
    if version is not None:
        return version
    _, size = track.store.artifacts.put_file(path, digest=digest)
    suffix = path.suffix.lower().lstrip(".") or None
    rows, columns = _parquet_shape(path) if suffix in ("parquet", "pq") else (None, {})
    return records.add(_new(name, "file", digest, size, description, storage_digest=digest,
                            rows=rows, columns=columns, format=suffix, source=str(path)))


def _parquet_shape(path: Path) -> tuple[int | None, dict[str, str]]:
    """Rows and column types from a Parquet file's footer (the data itself is not read)."""
    try:
        import pyarrow.parquet as pq

        meta = pq.read_schema(path)
        return pq.read_metadata(path).num_rows, {n: str(t) for n, t in zip(
            meta.names, meta.types, strict=True)}
    except Exception:  # not really Parquet, or no pyarrow: a plain file then
        return None, {}


def _version_folder(path: Path, name: str, description: str | None) -> DatasetVersion:
    track = current()
    tree = scan(path)
    if not tree.stats:
        raise InvalidInput(f"The folder {str(path)!r} holds no files: there is nothing to "
                           "version.")
    hash_tree(tree, stat_cache(track))
    digest = tree.digest()
    records = track.store.datasets
    version = records.find(name, digest)
    if version is not None:
        return version
    files = storage.store_tree(track.store.artifacts, tree)
    return records.add(_new(name, "directory", digest, tree.size, description,
                            files=len(files), source=str(path)), files)
