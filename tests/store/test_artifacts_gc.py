"""Garbage collection of blobs through the tracking API: what goes, what stays."""

from __future__ import annotations

import os
import time
from pathlib import Path

import jupyter_mlops as mlops
from jupyter_mlops.session import current
from jupyter_mlops.tracking.maintenance import gc

HOUR = 3600.0


def _age(digest: str, seconds: float) -> None:
    """Make a blob look ``seconds`` old to the grace period."""
    path = current().store.artifacts.local_path(digest)
    then = time.time() - seconds
    os.utime(path, (then, then))


def _stored() -> set[str]:
    return {blob.digest for blob in current().store.artifacts.blobs()}


def test_gc_removes_old_unreferenced_blobs_only(tracking):
    with mlops.start_run(experiment="gc") as run:
        kept = run.log_bytes(b"the model", "model.bin")
    artifacts = current().store.artifacts
    orphan, orphan_size = artifacts.put_bytes(b"nobody points at me")
    fresh, _ = artifacts.put_bytes(b"being logged right now")
    _age(kept, 2 * HOUR)
    _age(orphan, 2 * HOUR)
    leftover = Path(artifacts.root) / "tmp" / "crashed-upload"
    leftover.write_bytes(b"half")
    os.utime(leftover, (time.time() - 2 * HOUR,) * 2)

    dry = gc(dry_run=True, grace=HOUR)
    assert dry.dry_run and dry.blobs == [orphan] and dry.bytes == orphan_size
    assert dry.kept_recent == 1 and dry.temp_files == 0
    assert _stored() == {kept, orphan, fresh} and leftover.exists()

    report = gc(grace=HOUR)
    assert report.blobs == [orphan] and report.kept_recent == 1 and report.temp_files == 1
    assert _stored() == {kept, fresh}
    assert not leftover.exists()
    assert artifacts.get_bytes(kept) == b"the model"
    assert gc(grace=HOUR).blobs == []


def test_purge_deleted_then_gc_removes_the_deleted_runs_blobs(tracking):
    with mlops.start_run(experiment="gc") as keep:
        shared = keep.log_bytes(b"shared weights", "weights.bin")
    with mlops.start_run(experiment="gc") as doomed:
        own = doomed.log_bytes(b"only the doomed run has this", "notes.txt")
        doomed.log_bytes(b"shared weights", "weights.bin")
        with mlops.start_run(nested=True) as child:
            child_blob = child.log_bytes(b"the child's plot", "plot.png")
    for digest in (shared, own, child_blob):
        _age(digest, 2 * HOUR)
    assert mlops.delete_runs([doomed.id]) == 2

    # Deleted but not purged: a restore must still find the files.
    assert gc(grace=HOUR).blobs == []
    gc(dry_run=True, purge_deleted=True, grace=HOUR)
    assert len(mlops.search_runs(deleted=True)) == 2
    assert _stored() == {shared, own, child_blob}

    report = gc(purge_deleted=True, grace=HOUR)
    assert sorted(report.purged_runs) == sorted([doomed.id, child.id])
    assert sorted(report.blobs) == sorted([own, child_blob])
    assert _stored() == {shared}
    assert mlops.search_runs(deleted=True) == []
    assert mlops.get_run(keep.id).artifacts[0].digest == shared
