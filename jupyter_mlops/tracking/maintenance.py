"""Workspace housekeeping: what is where, and garbage collection of unreferenced blobs."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..session import current

GC_GRACE = 3600.0


@dataclass(frozen=True)
class GcReport:
    """What a garbage collection removed, or would remove on a dry run."""

    dry_run: bool
    purged_runs: list[str]
    blobs: list[str]
    bytes: int
    kept_recent: int
    temp_files: int = 0
    details: dict[str, Any] = field(default_factory=dict)


def info() -> dict[str, Any]:
    """Where the workspace lives, its backend and how much it holds."""
    track = current()
    store = track.store
    return {
        "workspace": str(store.workspace.root),
        "store": store.engine.url.render_as_string(hide_password=True),
        "backend": store.engine.dialect.name,
        "artifacts": store.artifacts.url,
        **store.runs.counts(),
    }


def gc(dry_run: bool = False, purge_deleted: bool = False, older_than: float = 0.0,
       grace: float = GC_GRACE) -> GcReport:
    """Remove artifact blobs no record points at.

    Parameters
    ----------
    dry_run:
        Report what would go without removing anything.
    purge_deleted:
        First remove, for good, runs deleted more than ``older_than`` seconds ago.
    grace:
        Keep unreferenced blobs younger than this many seconds: a writer in another process
        may have stored the blob and not yet recorded it.
    """
    track = current()
    store = track.store
    track.writer.flush()
    purged: list[str] = []
    if purge_deleted and not dry_run:
        purged = store.runs.purge_deleted(time.time() - older_than)
    referenced = store.runs.referenced_digests()
    cutoff = time.time() - grace
    doomed, kept_recent, size = [], 0, 0
    for blob in store.artifacts.blobs():
        if blob.digest in referenced:
            continue
        if blob.modified > cutoff:
            kept_recent += 1
            continue
        doomed.append(blob.digest)
        size += blob.size
    # A run may have started pointing at one of them since the first read.
    referenced = store.runs.referenced_digests()
    doomed = [digest for digest in doomed if digest not in referenced]
    temp_files = 0
    if not dry_run:
        for digest in doomed:
            store.artifacts.delete(digest)
        temp_files = store.artifacts.clean_tmp(grace)
    return GcReport(dry_run, purged, doomed, size, kept_recent, temp_files)
