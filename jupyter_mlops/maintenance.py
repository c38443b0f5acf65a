"""Workspace housekeeping: what is where, and garbage collection of unreferenced blobs.

About the whole workspace (runs, data versions, models, artifacts), so it sits beside the
capabilities, above the session, rather than inside ``tracking``, which is about runs only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from .session import current

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
    from .store.gc import collect

    # Safe against writers in other processes: see store/gc.py.
    done = collect(store.artifacts, store.runs.referenced_digests, grace, dry_run=dry_run)
    return GcReport(dry_run, purged, done.blobs, done.bytes, done.kept_recent, done.temp_files,
                    {"temp_bytes": done.temp_bytes, "restored": done.restored})
