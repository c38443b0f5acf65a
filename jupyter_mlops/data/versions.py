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
from typing import Any

from ..errors import InvalidInput, NotFound
from ..records import DatasetVersion
from ..session import current
from . import storage
from .frames import check_frame, column_types, frame_digest
from .hashing import StatCache, digest_file, hash_tree, scan
from .refs import check_name, parse_ref

CACHE_DIR = Path(".mlops") / "cache"


def _active_run() -> Any:
    from ..tracking.run import active_run

    return active_run()


def stat_cache(track: Any | None = None) -> StatCache:
    """The stat cache of this machine for the current workspace (``.mlops/cache/stat.db``)."""
    root = (track or current()).store.workspace.root
    return StatCache(Path(root) / CACHE_DIR / "stat.db")


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _link(direction: str, version: DatasetVersion) -> None:
    run = _active_run()
    if run is None:
        return
    if direction == "output":
        run.log_output("dataset", version.ref)
    else:
        run.log_input("dataset", version.ref)


def resolve_version(ref: str) -> DatasetVersion:
    """The version ``ref`` names: ``"customers"``, ``"customers@3"`` or ``"customers@latest"``.

    Parameters
    ----------
    ref:
        A dataset name, optionally with ``@N`` or ``@latest``.

    Returns
    -------
    DatasetVersion
        The stored version (the newest when no number is given).
    """
    parsed = parse_ref(ref)
    return current().store.datasets.get(parsed.name, parsed.version)


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
    _link("output", version)
    return version


def _as_frame(obj: Any) -> Any:
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
    run = _active_run()
    return DatasetVersion(name=name, version=0, kind=kind, digest=digest, bytes=size,
                          created_at=time.time(), created_by=_user(), description=description,
                          run_id=run.id if run is not None else None, **fields)


def _version_frame(frame: Any, name: str, description: str | None,
                   validate: Any) -> DatasetVersion:
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


def load_data(ref: str) -> Any:
    """A version's data: a DataFrame for DataFrames, a local path for files and folders.

    Parameters
    ----------
    ref:
        ``"customers"``, ``"customers@3"`` or ``"customers@latest"``.

    Returns
    -------
    pandas.DataFrame or pathlib.Path
        The DataFrame (``df.attrs["mlops_ref"]`` names the version), or a read-only-by-
        convention copy of the file or folder in the workspace's cache; use ``checkout`` for
        a copy of your own.
    """
    version = resolve_version(ref)
    track = current()
    if version.kind == "dataframe":
        frame = storage.read_frame(track.store.artifacts, version.storage_digest)
        frame.attrs["mlops_ref"] = version.ref
        result: Any = frame
    else:
        place = Path(track.store.workspace.root) / CACHE_DIR / "data" / version.name \
            / str(version.version)
        if version.kind == "file":
            place = place / (Path(version.source).name if version.source else version.name)
        result = _materialize(track, version, place, clean=True)
    _link("input", version)
    return result


def checkout(ref: str, dest: str | os.PathLike[str], clean: bool = False) -> Path:
    """Write a version out to ``dest``: the file, the folder, or a DataFrame as Parquet.

    Parameters
    ----------
    ref:
        ``"customers"``, ``"customers@3"`` or ``"customers@latest"``.
    dest:
        For a file or DataFrame, the file to write or an existing folder to write it into
        (under its original name, or ``NAME@N.parquet``); for a folder version, the folder.
    clean:
        Folder versions: remove files of ``dest`` that the version does not have.

    Returns
    -------
    pathlib.Path
        What was written.
    """
    version = resolve_version(ref)
    track = current()
    target = Path(os.path.abspath(os.path.expanduser(os.fspath(dest))))
    if version.kind != "directory" and target.is_dir():
        original = Path(version.source).name if version.kind == "file" and version.source \
            else f"{version.ref}.parquet"
        target = target / original
    if version.kind == "directory" and target.exists() and not target.is_dir():
        raise InvalidInput(f"{str(target)!r} is a file; a folder version checks out into a "
                           "folder.")
    written = _materialize(track, version, target, clean=clean)
    _link("input", version)
    return written


def _materialize(track: Any, version: DatasetVersion, target: Path, clean: bool) -> Path:
    cache = stat_cache(track)
    artifacts = track.store.artifacts
    if version.kind == "directory":
        files = track.store.datasets.files(version.name, version.version)
        storage.materialize_tree(artifacts, files, target, version, cache, clean=clean)
        return target
    assert version.storage_digest is not None
    storage.materialize_file(artifacts, version.storage_digest, target, version, cache)
    return target
