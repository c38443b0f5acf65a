"""Garbage collection of blobs through the tracking API: what goes, what stays."""

from __future__ import annotations

import os
import time
from pathlib import Path

import jupyter_mlops as mlops
from jupyter_mlops.maintenance import gc
from jupyter_mlops.session import current

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
    assert dry.kept_recent == 1 and dry.temp_files == 1  # counted, not removed
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


def test_a_killed_uploads_leftovers_are_counted_and_removed_at_once(tracking):
    import subprocess
    import sys

    from jupyter_mlops.store.artifacts import HOST_ID

    artifacts = current().store.artifacts
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    dead = int(child.stdout)
    tmp = Path(artifacts.root) / "tmp"
    killed = tmp / f"{HOST_ID}-{dead}-0badc0de-0"
    killed.write_bytes(b"x" * 1000)  # fresh, but its writer is gone
    mine = tmp / f"{HOST_ID}-{os.getpid()}-0badc0de-1"
    mine.write_bytes(b"y" * 10)  # a live upload of this very process

    dry = gc(dry_run=True, grace=HOUR)
    assert dry.temp_files == 1 and dry.details["temp_bytes"] == 1000 and killed.exists()
    report = gc(grace=HOUR)
    assert report.temp_files == 1 and not killed.exists() and mine.exists()


def test_a_blob_reused_while_gc_runs_survives(tracking):
    from jupyter_mlops.store.gc import collect

    store = current().store
    artifacts = store.artifacts
    with mlops.start_run(experiment="gc") as run:
        pass
    digest, _ = artifacts.put_bytes(b"reused weights")
    _age(digest, 2 * HOUR)
    calls = []

    def referenced() -> set[str]:
        # The second look comes after gc took its candidates: a writer reuses the blob now.
        calls.append(1)
        if len(calls) == 2:
            assert artifacts.put_bytes(b"reused weights")[0] == digest
            store.runs.add_artifacts(run.id, [("w.bin", digest, 14)], time.time())
        return store.runs.referenced_digests()

    done = collect(artifacts, referenced, grace=HOUR)
    assert done.blobs == [] and artifacts.get_bytes(digest) == b"reused weights"
    assert not list((Path(artifacts.root) / "trash").iterdir())


def test_a_blob_refreshed_before_the_move_is_put_back(tracking):
    from jupyter_mlops.store.gc import collect

    artifacts = current().store.artifacts
    digest, _ = artifacts.put_bytes(b"about to be recorded")
    _age(digest, 2 * HOUR)
    calls = []

    def referenced() -> set[str]:
        calls.append(1)
        if len(calls) == 2:
            # A writer refreshed it just before gc moved it (the move keeps the time).
            trashed = next((Path(artifacts.root) / "trash").iterdir())
            os.utime(trashed)
        return set()

    done = collect(artifacts, referenced, grace=HOUR)
    assert done.blobs == [] and done.restored == 1
    assert artifacts.get_bytes(digest) == b"about to be recorded"


def test_a_gc_killed_halfway_is_finished_by_the_next(tracking):
    from jupyter_mlops.store.gc import _quarantine, collect

    store = current().store
    artifacts = store.artifacts
    with mlops.start_run(experiment="gc") as run:
        kept = run.log_bytes(b"recorded meanwhile", "kept.bin")
    orphan, _ = artifacts.put_bytes(b"nobody's")
    for digest in (kept, orphan):
        _age(digest, 2 * HOUR)
        assert _quarantine(artifacts, digest) is not None  # moved, then the gc died
    assert not artifacts.exists(kept)

    collect(artifacts, store.runs.referenced_digests, grace=HOUR)
    assert artifacts.get_bytes(kept) == b"recorded meanwhile"
    assert not artifacts.exists(orphan)
    assert not list((Path(artifacts.root) / "trash").iterdir())
