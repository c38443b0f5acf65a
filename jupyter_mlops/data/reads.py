"""Reading data versions: resolve a reference, load it, check it out, and record the read.

Inside a run, loading or checking out a version records it as an input of the run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput
from ..records import DatasetVersion
from ..session import current
from . import storage
from .hashing import StatCache
from .refs import parse_ref

if TYPE_CHECKING:
    import pandas as pd

    from ..tracking.run import ActiveRun

CACHE_DIR = Path(".mlops") / "cache"


def current_run() -> ActiveRun | None:
    from ..tracking.run import active_run

    return active_run()


def stat_cache(track: Any | None = None) -> StatCache:
    """The stat cache of this machine for the current workspace (``.mlops/cache/stat.db``)."""
    root = (track or current()).store.workspace.root
    return StatCache(Path(root) / CACHE_DIR / "stat.db")


def link(direction: str, version: DatasetVersion) -> None:
    run = current_run()
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


def load_data(ref: str) -> pd.DataFrame | Path:
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
    link("input", version)
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
    link("input", version)
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
