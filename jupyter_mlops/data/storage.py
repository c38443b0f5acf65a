"""Stored copies of versions: Parquet for DataFrames, blobs for files, blobs per file for folders.

Everything goes through the workspace's content-addressed artifact store, so identical bytes
are stored once whatever the dataset, and every read is verified against its digest. Files
written back out (checkouts, loads) get the version's time as their mtime and go into the stat
cache at once: any later edit moves the mtime, so the cached digest can never be stale.
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput
from ..records import DatasetFile, DatasetVersion
from .hashing import PROGRESS_BYTES, PROGRESS_FILES, WORKERS, StatCache, Tree, progress, stat_file

if TYPE_CHECKING:
    import pandas as pd

PARQUET_COMPRESSION = "zstd"
# Into a local store one thread stores a folder fastest: creating a file is CPU work in the
# kernel, serialised on the store's temp folder, and threads only add contention for it (on
# 2 and 16 cores alike, measured); an object store's latency is what a pool hides.
LOCAL_WORKERS = 1


def write_frame(artifacts: Any, frame: Any) -> tuple[str, int]:
    """Store ``frame`` as Parquet; returns the blob's (digest, size)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pa.Table.from_pandas(frame)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise InvalidInput(
            f"This DataFrame cannot be stored as Parquet ({exc}); convert the columns "
            "holding mixed Python objects, e.g. with .astype(str)."
        ) from exc
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression=PARQUET_COMPRESSION)
    data = sink.getvalue()
    return artifacts.put_bytes(memoryview(data))


def read_frame(artifacts: Any, digest: str) -> pd.DataFrame:
    """The DataFrame stored as Parquet blob ``digest`` (verified before it is parsed)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = artifacts.get_bytes(digest)
    return pq.read_table(pa.BufferReader(data)).to_pandas()


def write_json(artifacts: Any, value: Any) -> str:
    """Store ``value`` as canonical JSON; returns the blob's digest."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return str(artifacts.put_bytes(text.encode("utf-8"))[0])


def read_json(artifacts: Any, digest: str) -> Any:
    return json.loads(artifacts.get_bytes(digest))


def store_tree(artifacts: Any, tree: Tree, show_progress: bool | None = None) -> list[DatasetFile]:
    """Store every file of ``tree`` not stored yet; returns the folder's file list.

    Known blobs (unchanged files of an earlier version) are not copied; small files hashed a
    moment ago are written from the bytes already read.
    """
    show = (len(tree.stats) >= PROGRESS_FILES or tree.size >= PROGRESS_BYTES) \
        if show_progress is None else show_progress
    with progress(len(tree.stats), f"Storing {tree.root.name}", unit="file", show=show) as bar:
        def one(index: int) -> None:
            stat = tree.stats[index]
            data = tree.contents.get(stat.path)
            if data is not None:
                artifacts.put_bytes(data)
            else:
                artifacts.put_file(stat.absolute, digest=tree.digests[stat.path])
            bar.update(1)

        workers = LOCAL_WORKERS if getattr(artifacts, "is_local", False) else WORKERS
        if len(tree.stats) > 16 and workers > 1:
            with ThreadPoolExecutor(workers, thread_name_prefix="mlops-store") as pool:
                list(pool.map(one, range(len(tree.stats))))
        else:
            for index in range(len(tree.stats)):
                one(index)
    return [DatasetFile(s.path, tree.digests[s.path], s.size) for s in tree.stats]


def materialize_file(artifacts: Any, digest: str, target: Path, version: DatasetVersion,
                     cache: StatCache) -> bool:
    """Make ``target`` hold blob ``digest``; False when it already did (nothing copied)."""
    if target.is_file():
        known = cache.lookup([stat_file(target, target.name)])
        if known.get(target.name) == digest:
            return False
    artifacts.get_file(digest, target)
    _settle(target, version, digest, cache)
    return True


def materialize_tree(artifacts: Any, files: list[DatasetFile], dest: Path,
                     version: DatasetVersion, cache: StatCache, clean: bool = False) -> int:
    """Make folder ``dest`` hold ``files``; returns how many were written.

    Files already there with the right content (by the stat cache) are left alone; files of
    ``dest`` that the version does not have are removed only when ``clean``.
    """
    from .hashing import scan

    dest.mkdir(parents=True, exist_ok=True)
    present = scan(dest)
    known = cache.lookup(present.stats, prefix=os.fspath(dest))
    wanted = {f.path for f in files}
    todo = [f for f in files if known.get(f.path) != f.digest]
    show = len(todo) >= PROGRESS_FILES or sum(f.size for f in todo) >= PROGRESS_BYTES
    with progress(len(todo), f"Checking out {version.ref}", unit="file", show=show) as bar:
        def one(item: DatasetFile) -> None:
            target = dest.joinpath(*item.path.split("/"))
            artifacts.get_file(item.digest, target)
            bar.update(1)

        with ThreadPoolExecutor(WORKERS, thread_name_prefix="mlops-checkout") as pool:
            list(pool.map(one, todo))
    _settle_many(dest, todo, version, cache)
    if clean:
        for stat in present.stats:
            if stat.path not in wanted:
                os.remove(stat.absolute)
    return len(todo)


def _version_ns(version: DatasetVersion) -> int:
    return int(version.created_at * 1e9)


def _settle(target: Path, version: DatasetVersion, digest: str, cache: StatCache) -> None:
    # An mtime in the past (the version's) that any later edit replaces with "now": the cached
    # digest is safe to record at once, with no racy window.
    mtime = _version_ns(version)
    os.utime(target, ns=(time.time_ns(), mtime))
    cache.record([(stat_file(target, target.name), digest)], time.time_ns())


def _settle_many(dest: Path, written: list[DatasetFile], version: DatasetVersion,
                 cache: StatCache) -> None:
    mtime = _version_ns(version)
    now = time.time_ns()
    entries = []
    for item in written:
        target = dest.joinpath(*item.path.split("/"))
        os.utime(target, ns=(now, mtime))
        entries.append((stat_file(target, item.path), item.digest))
    cache.record(entries, time.time_ns())
