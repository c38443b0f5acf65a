"""A content-addressed blob store over any fsspec filesystem.

Blobs live at ``<root>/blobs/<first two hex>/<rest of the BLAKE3 digest>``. Storing the same
bytes twice stores them once. A blob is written under ``<root>/tmp/`` and moved into place only
when complete, so a half-written blob is never visible (a local rename is atomic; object stores
publish a key only once its upload completes). Every read verifies the digest and raises
``IntegrityError`` on a mismatch instead of returning the bytes.

Local files are copied in without trusting that they still hold what was hashed: the bytes
written are hashed on the way and must match the digest, so a file edited while it is being
stored is refused rather than stored under a name its content does not have. Large files are
written with ``O_DIRECT`` (or cloned where the file system can reflink): a buffered copy would
allocate a second page-cache copy of the whole file, which is what a copy of a large file mostly
waits on in a VM, and would evict the user's working set for bytes nobody reads soon.

What is durable when. Local blobs are never fsynced, neither the file nor its folder:

- once ``put_bytes``, ``put_file`` or ``put_stream`` returns, the blob is whole under its final
  name for every process on the machine, and stays so if the writing process is killed (the
  bytes are in the kernel's page cache, the rename is atomic);
- an operating-system crash or power cut before the kernel writes the page cache back (within
  about 30 seconds on Linux) can leave the blob missing, empty or shorter than its content,
  while the metadata, committed through SQLite's WAL or PostgreSQL, already names it;
- such a blob is never returned: every read verifies the digest and raises ``IntegrityError``,
  and storing the same content again notices the wrong size and writes it afresh.

On an object store (S3) a blob is as durable as the store makes a completed upload, and is
verified against its digest on the way in, as local copies are.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import itertools
import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO

from ..errors import Conflict, IntegrityError, MissingDependency, NotFound
from .digest import check_digest, hash_bytes, hash_file
from .digest import hasher as _hasher
from .digest import is_digest as _is_digest

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

CHUNK = 8 * 1024 * 1024
_S3_SCHEMES = {"s3", "s3a"}
# Names this host in temporary file names, without writing its name into shared storage.
HOST_ID = hashlib.blake2b(socket.gethostname().encode(), digest_size=4).hexdigest()


def _local_root(url: str) -> str | None:
    """The absolute folder of a local store's URL, as fsspec's local filesystem names it."""
    for prefix in ("file://", "local://"):
        if url.startswith(prefix):
            url = url[len(prefix):]
            break
    else:
        if "://" in url or "::" in url:
            return None
    path = os.path.abspath(os.path.expanduser(url or "."))
    return path.replace(os.sep, "/").rstrip("/") or "/"


def _filesystem(url: str) -> tuple[Any, str]:
    import fsspec

    try:
        return fsspec.core.url_to_fs(url)
    except ImportError as exc:
        scheme = url.split("://", 1)[0]
        extra = "s3" if scheme in _S3_SCHEMES else scheme
        raise MissingDependency(
            f"The artifact URL {url!r} needs an fsspec backend that is not installed: "
            f"pip install 'jupyter-mlops[{extra}]'."
        ) from exc


@dataclass(frozen=True)
class BlobInfo:
    """A stored blob: its digest, size and modification time (for the GC grace period)."""

    digest: str
    size: int
    modified: float


class _VerifyingReader(io.RawIOBase):
    """Reads a blob and raises ``IntegrityError`` at the end if its digest is wrong."""

    def __init__(self, handle: IO[bytes], digest: str) -> None:
        self._handle = handle
        self._digest = digest
        self._hasher = _hasher()
        self._error: IntegrityError | None = None
        self._checked = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._handle.read(len(buffer))
        if not data:
            self._verify()
            return 0
        self._hasher.update(data)
        buffer[: len(data)] = data
        return len(data)

    def _verify(self) -> None:
        # A reader that asks again after the error must not take the empty read for a clean
        # end of a good blob.
        if self._error is not None:
            raise self._error
        if self._checked:
            return
        self._checked = True
        actual = self._hasher.hexdigest()
        if actual != self._digest:
            self._error = IntegrityError(
                f"Artifact {self._digest} is corrupt (its content hashes to {actual}). "
                "Restore it from a backup or log it again; `jupyter mlops gc` will not touch it."
            )
            raise self._error

    def close(self) -> None:
        self._handle.close()
        super().close()


class ArtifactStore:
    """Content-addressed blobs under an fsspec URL (a local folder by default)."""

    def __init__(self, url: str) -> None:
        self.url = url
        local = _local_root(url)
        if local is not None:
            # fsspec (and its scan of every installed distribution's entry points) costs a
            # fresh process 25-90 ms; a local store needs it only once something calls ``fs``.
            self.root, self.is_local = local, True
        else:
            self.fs, root = _filesystem(url)
            self.root = root.rstrip("/")
            self.is_local = "file" in (
                self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,)
            )
        # Temporary names: this host and process (so gc can tell a killed writer's leftovers
        # at once), a random part per store object, then a counter (next() on it is atomic).
        self._tmp_prefix, self._tmp_count = uuid.uuid4().hex[:8], itertools.count()
        # Fan-out folders known to exist, so storing a file costs no mkdir.
        self._folders: set[str] = set()
        if self.is_local:
            os.makedirs(f"{self.root}/tmp", exist_ok=True)

    @functools.cached_property
    def fs(self) -> AbstractFileSystem:
        """The fsspec filesystem holding the blobs (a local store makes it on first use)."""
        return _filesystem(self.url)[0]

    def __repr__(self) -> str:
        return f"ArtifactStore({self.url!r})"

    # -- paths -----------------------------------------------------------------------------

    def path(self, digest: str) -> str:
        check_digest(digest)
        return f"{self.root}/blobs/{digest[:2]}/{digest[2:]}"

    def _tmp(self) -> str:
        # The pid is read each time: a forked child writes under its own.
        return (f"{self.root}/tmp/{HOST_ID}-{os.getpid()}-{self._tmp_prefix}-"
                f"{next(self._tmp_count):x}")

    def local_path(self, digest: str) -> Path | None:
        """The blob's file when the store is a local folder (for zero-copy reads), else None."""
        return Path(self.path(digest)) if self.is_local else None

    # -- writing ---------------------------------------------------------------------------

    def exists(self, digest: str) -> bool:
        return bool(self.fs.exists(self.path(digest)))

    def _known(self, digest: str, size: int | None = None) -> bool:
        """Whether the blob is stored whole; if so, refresh its time so GC's grace period
        covers the reference about to be recorded.

        A local blob of the wrong size (torn by a crash, see the module's docstring) counts as
        missing, so that it is written again.
        """
        path = self.path(digest)
        if self.is_local:
            try:
                if size is not None and os.stat(path).st_size != size:
                    return False
                os.utime(path)
                return True
            except FileNotFoundError:
                return False
        # An object's time cannot be refreshed: a marker's time stands in for it. Marked
        # before looking, so a gc that takes the blob after the look finds the mark (gc.py).
        self.fs.pipe_file(self.touch_path(digest), b"")
        return bool(self.fs.exists(path))

    def touch_path(self, digest: str) -> str:
        """Where a remote store marks a blob as just reused (its own time cannot change)."""
        check_digest(digest)
        return f"{self.root}/touched/{digest}"

    def put_bytes(self, data: bytes) -> tuple[str, int]:
        """Store ``data``; returns (digest, size)."""
        digest = hash_bytes(data)
        if not self._known(digest, len(data)):
            self._publish(digest, lambda tmp: self._write_bytes(tmp, data))
        return digest, len(data)

    def _write_bytes(self, tmp: str, data: bytes) -> None:
        if self.is_local:
            # Bare system calls: fsspec's, and even open()'s, per-file overhead shows when
            # versioning thousands of small files.
            from .local_copy import write_all

            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            try:
                write_all(fd, memoryview(data).cast("B"), direct=False)
            finally:
                os.close(fd)
        else:
            self.fs.pipe_file(tmp, data)

    def put_file(
        self, path: str | os.PathLike[str], digest: str | None = None
    ) -> tuple[str, int]:
        """Store a local file, hashing it first so known content is never copied.

        A caller that already knows the file's digest (from a cache of unchanged files) passes
        it as ``digest`` to skip the hashing. A local copy is hashed as it is written and
        refused with ``Conflict`` when the file no longer holds ``digest`` (it changed since).
        """
        source = Path(path)
        if not source.is_file():
            raise NotFound(f"No file at {source}: pass the path of an existing file.")
        digest = hash_file(source) if digest is None else check_digest(digest)
        size = source.stat().st_size
        if not self._known(digest, size):
            self._publish(digest, lambda tmp: self._copy_in(os.fspath(source), tmp, digest))
        return digest, size

    def put_stream(self, stream: BinaryIO) -> tuple[str, int]:
        """Store a stream of unknown length in chunks, never holding it whole in memory."""
        tmp = self._tmp()
        hasher = _hasher()
        size = 0
        try:
            with self.fs.open(tmp, "wb") as out:
                while chunk := stream.read(CHUNK):
                    hasher.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
            digest = hasher.hexdigest()
            if self._known(digest, size):
                self.fs.rm_file(tmp)
            else:
                self._move(tmp, self.path(digest))
        except BaseException:
            self._discard(tmp)
            raise
        return digest, size

    def _copy_in(self, source: str, tmp: str, digest: str) -> None:
        if self.is_local:
            from .local_copy import copy_local

            actual = copy_local(source, tmp)
        else:
            # Hashed as uploaded, like a local copy: what is stored is what was sent.
            hasher = _hasher(os.path.getsize(source))
            with open(source, "rb") as src, self.fs.open(tmp, "wb") as out:
                while chunk := src.read(CHUNK):
                    hasher.update(chunk)
                    out.write(chunk)
            actual = hasher.hexdigest()
        if actual != digest:
            raise Conflict(
                f"{source} changed while it was being stored (it no longer hashes to "
                f"{digest}); store it again once nothing is writing to it."
            )

    def _publish(self, digest: str, write: Any) -> None:
        tmp = self._tmp()
        try:
            write(tmp)
            self._move(tmp, self.path(digest))
        except BaseException:
            self._discard(tmp)
            raise

    def _move(self, tmp: str, final: str) -> None:
        parent = final.rsplit("/", 1)[0]
        if self.is_local:
            if parent not in self._folders:
                os.makedirs(parent, exist_ok=True)
                self._folders.add(parent)
            try:
                os.replace(tmp, final)
            except FileNotFoundError:
                # The folder went away since (the store was wiped by hand): make it again.
                os.makedirs(parent, exist_ok=True)
                os.replace(tmp, final)
        else:
            self.fs.mv(tmp, final)

    def _discard(self, tmp: str) -> None:
        try:
            if self.fs.exists(tmp):
                self.fs.rm_file(tmp)
        except OSError:
            pass

    # -- reading ---------------------------------------------------------------------------

    def open(self, digest: str) -> io.BufferedReader:
        """A binary stream of the blob that raises ``IntegrityError`` at EOF on corruption."""
        path = self.path(digest)
        try:
            handle = self.fs.open(path, "rb")
        except FileNotFoundError as exc:
            raise NotFound(f"No artifact with digest {digest} in {self.url}.") from exc
        return io.BufferedReader(_VerifyingReader(handle, digest), CHUNK)

    def get_bytes(self, digest: str) -> bytes:
        """The blob's bytes, verified against the digest."""
        try:
            data = self.fs.cat_file(self.path(digest))
        except FileNotFoundError as exc:
            raise NotFound(f"No artifact with digest {digest} in {self.url}.") from exc
        actual = hash_bytes(data)
        if actual != digest:
            raise IntegrityError(
                f"Artifact {digest} is corrupt (its content hashes to {actual}). "
                "Restore it from a backup or log it again."
            )
        return data

    def get_file(self, digest: str, dest: str | os.PathLike[str]) -> Path:
        """Copy the blob to ``dest``, verified; ``dest`` appears only once complete and correct."""
        target = Path(dest)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.partial")
        try:
            with self.open(digest) as source, partial.open("wb") as out:
                while chunk := source.read(CHUNK):
                    out.write(chunk)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        return target

    # -- maintenance -----------------------------------------------------------------------

    def blobs(self) -> Iterator[BlobInfo]:
        """Every stored blob with its size and modification time."""
        base = f"{self.root}/blobs"
        if not self.fs.exists(base):
            return
        for path, info in self.fs.find(base, detail=True).items():
            parts = path.rstrip("/").rsplit("/", 2)
            digest = parts[-2] + parts[-1]
            # Skip strays (an editor's backup, .DS_Store): GC would refuse their names anyway.
            if not _is_digest(digest):
                continue
            yield BlobInfo(digest, int(info.get("size") or 0), _mtime(info))

    def delete(self, digest: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm_file(self.path(digest))

    def temp_files(self) -> Iterator[tuple[str, int, float]]:
        """Upload leftovers and uploads in progress: (path, size, modification time)."""
        base = f"{self.root}/tmp"
        if not self.fs.exists(base):
            return
        for path, info in self.fs.find(base, detail=True).items():
            yield path, int(info.get("size") or 0), _mtime(info)


def _mtime(info: dict[str, Any]) -> float:
    value = info.get("mtime") or info.get("LastModified") or info.get("created") or 0
    if hasattr(value, "timestamp"):
        return float(value.timestamp())
    return float(value)
