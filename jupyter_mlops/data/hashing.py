"""Fast content digests of files and folders: BLAKE3, threaded, and a stat cache.

Large files are memory-mapped and hashed by BLAKE3 on every core; small files are read whole,
with bare system calls, in one thread (a pool only serialises on the Python around each read),
so a folder of thousands of small files is bound by the file system, not by Python. A
machine-local stat cache remembers each file's digest under its
(path, size, mtime, inode): re-versioning an unchanged file or folder reads nothing.

A file modified within ``RACY_NS`` of being hashed is not cached: a write landing in the same
timestamp tick as our ``stat`` would otherwise leave a stale digest behind (git's "racily
clean" problem). Such a file is hashed again next time, and cached then.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..store.digest import THREADED_HASH_MIN as THREADED_MIN
from ..store.digest import hash_bytes, hasher

if TYPE_CHECKING:
    from tqdm.auto import tqdm

# The slice fed to the threaded hasher between progress updates.
SLICE = 256 * 1024 * 1024
# Files at most this big are read whole; their bytes may be kept for storing.
SMALL = 1024 * 1024
KEEP_BUDGET = 256 * 1024 * 1024
RACY_NS = 1_000_000_000
PROGRESS_BYTES = 256 * 1024 * 1024
PROGRESS_FILES = 2_000
# Creating files is bound by the file system's latency, not the CPU: many writers overlap it.
WORKERS = 16
SKIPPED_DIRS = frozenset({".mlops"})


@dataclass(frozen=True)
class FileStat:
    """What the stat cache keys a file's digest on; ``path`` is relative to the folder."""

    path: str
    absolute: str
    size: int
    mtime_ns: int
    inode: int


@dataclass
class Tree:
    """A folder's files, by relative POSIX path, with their digests once known."""

    root: Path
    stats: list[FileStat]
    digests: dict[str, str] = field(default_factory=dict)
    # Bytes of small files read while hashing, so storing them needs no second read.
    contents: dict[str, bytes] = field(default_factory=dict)
    hashed: int = 0

    @property
    def size(self) -> int:
        return sum(s.size for s in self.stats)

    def manifest(self) -> str:
        """The canonical manifest text: one ``path NUL size NUL digest`` line per file."""
        return "".join(f"{s.path}\0{s.size}\0{self.digests[s.path]}\n" for s in self.stats)

    def digest(self) -> str:
        return digest_bytes(self.manifest().encode("utf-8"))


def digest_bytes(data: bytes | memoryview) -> str:
    """The BLAKE3 hex digest of ``data``."""
    return hash_bytes(data)


def progress(total: int, description: str, unit: str = "B", show: bool = True) -> tqdm:
    """A tqdm bar (a notebook widget under Jupyter), or a silent stand-in when not shown."""
    from tqdm.auto import tqdm

    scaled = unit == "B"
    return tqdm(total=total, desc=description, unit=unit, unit_scale=scaled,
                unit_divisor=1024 if scaled else 1000, disable=not show, leave=False)


def hash_file(path: str | os.PathLike[str], size: int | None = None,
              on_bytes: Callable[[int], Any] | None = None) -> str:
    """The BLAKE3 hex digest of a file, memory-mapped and multi-threaded when large.

    Parameters
    ----------
    path:
        A local file.
    size:
        Its size when already known (saves a ``stat``).
    on_bytes:
        Called with the number of bytes hashed after each slice (for a progress bar).

    Returns
    -------
    str
        64 lowercase hex digits.
    """
    size = os.path.getsize(path) if size is None else size
    if size < THREADED_MIN:
        with open(path, "rb") as handle:
            data = handle.read()
        if on_bytes is not None:
            on_bytes(len(data))
        return digest_bytes(data)
    hashing = hasher(size)
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) \
            as mapped:
        view = memoryview(mapped)
        try:
            for start in range(0, len(view), SLICE):
                chunk = view[start:start + SLICE]
                hashing.update(chunk)
                chunk.release()
                if on_bytes is not None:
                    on_bytes(min(SLICE, len(view) - start))
        finally:
            view.release()
    return hashing.hexdigest()


def read_small(path: str, size: int) -> bytes:
    """The bytes of a small file of about ``size`` bytes, in as few system calls as can be.

    Four (open, read, the read that finds the end, close) where ``open().read()`` makes seven:
    it shows in a folder of thousands of small files.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(fd, size + 1 if not chunks else SMALL):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def stat_file(path: Path, name: str | None = None) -> FileStat:
    """The ``FileStat`` of one file (following a symbolic link to it)."""
    info = path.stat()
    return FileStat(name or path.name, os.fspath(path), info.st_size, info.st_mtime_ns,
                    info.st_ino)


def scan(root: Path) -> Tree:
    """Every file under ``root`` (links to files followed, links to folders not), by path.

    A ``.mlops`` folder (a workspace's own store) is skipped.
    """
    stats: list[FileStat] = []

    def walk(folder: str, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in SKIPPED_DIRS:
                        walk(entry.path, f"{prefix}{entry.name}/")
                elif entry.is_file():
                    info = entry.stat()
                    stats.append(FileStat(f"{prefix}{entry.name}", entry.path, info.st_size,
                                          info.st_mtime_ns, info.st_ino))

    walk(os.fspath(root), "")
    stats.sort(key=lambda s: s.path)
    return Tree(root, stats)


def hash_tree(tree: Tree, cache: StatCache, show_progress: bool | None = None) -> Tree:
    """Fill ``tree.digests``: from the stat cache where files are unchanged, else by hashing.

    Hashing reads each changed file once; small files' bytes are kept in ``tree.contents``
    (up to a memory budget) so that storing them reads nothing again. Fresh digests are
    written back to the cache.
    """
    started = time.time_ns()
    tree.digests.update(cache.lookup(tree.stats, prefix=os.fspath(tree.root)))
    todo = [s for s in tree.stats if s.path not in tree.digests]
    if not todo:
        return tree
    total = sum(s.size for s in todo)
    show = (total >= PROGRESS_BYTES or len(todo) >= PROGRESS_FILES) \
        if show_progress is None else show_progress
    kept = 0
    with progress(total, f"Hashing {tree.root.name or tree.root}", show=show) as bar:
        def one(stat: FileStat) -> tuple[str, bytes | None]:
            if stat.size <= SMALL:
                data = read_small(stat.absolute, stat.size)
                bar.update(len(data))
                return digest_bytes(data), data
            return hash_file(stat.absolute, stat.size, bar.update), None

        # One thread: small page-cached files hash faster in a loop than through a pool (the
        # GIL serialises the Python around each read), and large ones use every core anyway.
        for stat in todo:
            digest, data = one(stat)
            tree.digests[stat.path] = digest
            if data is not None and kept + len(data) <= KEEP_BUDGET:
                tree.contents[stat.path] = data
                kept += len(data)
    tree.hashed = len(todo)
    cache.record([(s, tree.digests[s.path]) for s in todo], started)
    return tree


def digest_file(path: Path, cache: StatCache, show_progress: bool | None = None) -> str:
    """The digest of one file, from the stat cache when it is unchanged."""
    started = time.time_ns()
    stat = stat_file(path)
    known = cache.lookup([stat])
    if stat.path in known:
        return known[stat.path]
    show = stat.size >= PROGRESS_BYTES if show_progress is None else show_progress
    with progress(stat.size, f"Hashing {path.name}", show=show) as bar:
        digest = hash_file(path, stat.size, bar.update)
    cache.record([(stat, digest)], started)
    return digest


class StatCache:
    """Digests of local files keyed on (absolute path, size, mtime_ns, inode), in SQLite.

    Machine-local (paths and inodes mean nothing elsewhere), so it lives in the workspace's
    ``.mlops/cache/`` rather than in the shared store. A missing or unreadable cache only costs
    hashing: any SQLite error turns it into a no-op for the rest of the process.
    """

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = None if path is None else Path(path)
        self._broken = False

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection | None]:
        if self.path is None or self._broken:
            yield None
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except (OSError, sqlite3.Error):
            self._broken = True
            yield None
            return
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER, "
                "mtime_ns INTEGER, inode INTEGER, digest TEXT) WITHOUT ROWID"
            )
            yield connection
        except sqlite3.Error:
            self._broken = True
        finally:
            connection.close()

    def lookup(self, stats: Sequence[FileStat], prefix: str | None = None) -> dict[str, str]:
        """Relative path -> digest of each file of ``stats`` whose cached stat still matches.

        With ``prefix`` (the folder all of ``stats`` lie in), one range query reads the whole
        folder's entries instead of one query per file.
        """
        if not stats:
            return {}
        with self._connect() as connection:
            if connection is None:
                return {}
            if prefix is not None:
                base = prefix.rstrip(os.sep) + os.sep
                # Every path under the folder sorts between "<folder>/" and "<folder>0".
                rows = connection.execute(
                    "SELECT path, size, mtime_ns, inode, digest FROM files "
                    "WHERE path >= ? AND path < ?", (base, base[:-1] + chr(ord(os.sep) + 1)),
                ).fetchall()
            else:
                rows = []
                for stat in stats:
                    rows.extend(connection.execute(
                        "SELECT path, size, mtime_ns, inode, digest FROM files WHERE path = ?",
                        (stat.absolute,)).fetchall())
        cached = {row[0]: row[1:] for row in rows}
        found = {}
        for stat in stats:
            entry = cached.get(stat.absolute)
            if entry is not None and entry[:3] == (stat.size, stat.mtime_ns, stat.inode):
                found[stat.path] = entry[3]
        return found

    def record(self, entries: Sequence[tuple[FileStat, str]], started_ns: int) -> None:
        """Remember digests of files hashed since ``started_ns``, except racily fresh ones."""
        rows = [(s.absolute, s.size, s.mtime_ns, s.inode, digest) for s, digest in entries
                if s.mtime_ns < started_ns - RACY_NS]
        if not rows:
            return
        with self._connect() as connection:
            if connection is None:
                return
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?)", rows)
            connection.execute("COMMIT")
