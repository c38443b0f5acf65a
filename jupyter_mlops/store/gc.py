"""Garbage collection of artifact blobs, safe against writers running at the same time.

A writer that reuses a stored blob first marks it as used (a local blob's time is refreshed; a
remote store writes a marker under ``touched/``, since an object's time cannot change), and
records its reference afterwards. GC therefore keeps every blob referenced or marked within
the grace period. The race is between GC's look and its delete: a writer may mark the blob just
after GC looked. So GC first moves each candidate out of the way (into ``trash/``), then looks
again, at the references and at the mark, under the same rule: a writer that marked before the
move is seen and the blob is put back; a writer that looks after the move finds no blob and
stores it afresh. Only then is the blob deleted.

Temporary files of uploads are named after their host and process: those of a process gone
from this host are removed at once, others once older than the grace period (a day on this
host, where the process may still be uploading).
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from .artifacts import HOST_ID, ArtifactStore

# A live writer on this host may upload for a long time; its files go after a day all the same
# (its pid may have been reused by another process meanwhile).
LIVE_UPLOAD_MAX_AGE = 86_400.0


@dataclass(frozen=True)
class Collection:
    """What a collection removed (or would remove, on a dry run)."""

    blobs: list[str]
    bytes: int
    kept_recent: int
    temp_files: int
    temp_bytes: int
    restored: int


def collect(artifacts: ArtifactStore, referenced: Callable[[], set[str]], grace: float,
            dry_run: bool = False) -> Collection:
    """Remove blobs that ``referenced()`` does not name and nobody used within ``grace`` s."""
    cutoff = time.time() - grace
    known = referenced()
    marks = _marks(artifacts)
    if not dry_run:
        _settle_trash(artifacts, known, marks, cutoff)
    candidates, kept_recent, sizes = [], 0, {}
    for blob in artifacts.blobs():
        if blob.digest in known:
            continue
        if max(blob.modified, marks.get(blob.digest, 0.0)) > cutoff:
            kept_recent += 1
            continue
        candidates.append(blob.digest)
        sizes[blob.digest] = blob.size
    temp = _temp_leftovers(artifacts, grace)
    if dry_run:
        return Collection(candidates, sum(sizes.values()), kept_recent, len(temp),
                          sum(size for _, size in temp), 0)
    moved = {digest: trashed for digest in candidates
             if (trashed := _quarantine(artifacts, digest)) is not None}
    # Look again, under the writer's rule, now that no writer can find these blobs.
    known = referenced()
    marks = _marks(artifacts)
    removed, restored = [], 0
    for digest, trashed in moved.items():
        used = max(_used_at(artifacts, trashed), marks.get(digest, 0.0))
        if digest in known or used > cutoff:
            _restore(artifacts, digest, trashed)
            restored += 1
        else:
            with contextlib.suppress(FileNotFoundError):
                artifacts.fs.rm_file(trashed)
            removed.append(digest)
    for path, _size in temp:
        with contextlib.suppress(FileNotFoundError):
            artifacts.fs.rm_file(path)
    _drop_old_marks(artifacts, cutoff)
    return Collection(removed, sum(sizes[d] for d in removed), kept_recent + restored,
                      len(temp), sum(size for _, size in temp), restored)


def _settle_trash(artifacts: ArtifactStore, known: set[str], marks: dict[str, float],
                  cutoff: float) -> None:
    """Finish what a gc killed between its move and its second look left in ``trash/``."""
    base = f"{artifacts.root}/trash"
    if not artifacts.fs.exists(base):
        return
    for trashed in artifacts.fs.find(base):
        digest = trashed.rsplit("/", 1)[-1].split("-", 1)[0]
        used = max(_used_at(artifacts, trashed), marks.get(digest, 0.0))
        if digest in known or used > cutoff:
            _restore(artifacts, digest, trashed)
        else:
            with contextlib.suppress(FileNotFoundError):
                artifacts.fs.rm_file(trashed)


def _marks(artifacts: ArtifactStore) -> dict[str, float]:
    if artifacts.is_local:
        return {}  # a local blob's own time is its mark
    from .artifacts import _mtime

    base = f"{artifacts.root}/touched"
    if not artifacts.fs.exists(base):
        return {}
    artifacts.fs.invalidate_cache(base)
    return {path.rsplit("/", 1)[-1]: _mtime(info)
            for path, info in artifacts.fs.find(base, detail=True).items()}


def _drop_old_marks(artifacts: ArtifactStore, cutoff: float) -> None:
    if artifacts.is_local:
        return
    for digest, when in _marks(artifacts).items():
        if when < cutoff:
            with contextlib.suppress(FileNotFoundError):
                artifacts.fs.rm_file(f"{artifacts.root}/touched/{digest}")


def _quarantine(artifacts: ArtifactStore, digest: str) -> str | None:
    trashed = f"{artifacts.root}/trash/{digest}-{uuid.uuid4().hex[:8]}"
    try:
        if artifacts.is_local:
            os.makedirs(f"{artifacts.root}/trash", exist_ok=True)
            os.rename(artifacts.path(digest), trashed)  # atomic: no writer sees half of it
        else:
            artifacts.fs.mv(artifacts.path(digest), trashed)
    except FileNotFoundError:
        return None
    return trashed


def _used_at(artifacts: ArtifactStore, trashed: str) -> float:
    # A rename keeps the time a writer refreshed before it; a remote copy's time is the
    # copy's own, so there the marks alone tell.
    if artifacts.is_local:
        try:
            return os.stat(trashed).st_mtime
        except FileNotFoundError:
            return 0.0
    return 0.0


def _restore(artifacts: ArtifactStore, digest: str, trashed: str) -> None:
    final = artifacts.path(digest)
    if artifacts.is_local:
        os.makedirs(os.path.dirname(final), exist_ok=True)
        # A writer may have stored the same bytes meanwhile: either copy is the blob.
        os.replace(trashed, final)
    elif artifacts.fs.exists(final):
        artifacts.fs.rm_file(trashed)
    else:
        artifacts.fs.mv(trashed, final)


def _temp_leftovers(artifacts: ArtifactStore, grace: float) -> list[tuple[str, int]]:
    now = time.time()
    doomed = []
    for path, size, modified in artifacts.temp_files():
        host, pid = _writer_of(path.rsplit("/", 1)[-1])
        age = now - modified
        if host == HOST_ID and pid is not None:
            gone = not _alive(pid)
            if gone or age > max(grace, LIVE_UPLOAD_MAX_AGE):
                doomed.append((path, size))
        elif age > grace:
            doomed.append((path, size))
    return doomed


def _writer_of(name: str) -> tuple[str | None, int | None]:
    parts = name.split("-")
    if len(parts) == 4 and parts[1].isdigit():
        return parts[0], int(parts[1])
    return None, None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, alive
    return True
