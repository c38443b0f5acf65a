"""A remote (S3) store: copies verified against their digest, and gc against reuse."""

from __future__ import annotations

import pytest

from jupyter_mlops.errors import Conflict
from jupyter_mlops.store.artifacts import ArtifactStore, hash_bytes
from jupyter_mlops.store.gc import collect


def test_a_remote_copy_is_verified_against_its_digest(s3_url, tmp_path):
    artifacts = ArtifactStore(s3_url)
    source = tmp_path / "model.bin"
    source.write_bytes(b"what is on disk now")
    # The digest of what the file held when it was hashed, before it changed.
    stale = hash_bytes(b"what was hashed")
    with pytest.raises(Conflict, match="changed while it was being stored"):
        artifacts.put_file(source, digest=stale)
    assert not artifacts.exists(stale)
    assert list(artifacts.temp_files()) == []
    digest, size = artifacts.put_file(source)
    assert artifacts.get_bytes(digest) == b"what is on disk now" and size == 19


def test_a_remote_blob_reused_while_gc_runs_is_stored_after(s3_url):
    artifacts = ArtifactStore(s3_url)
    digest, _ = artifacts.put_bytes(b"shared weights")
    calls = []

    def referenced() -> set[str]:
        calls.append(1)
        if len(calls) == 2:  # after gc moved its candidates away
            artifacts.put_bytes(b"shared weights")
            return {digest}
        return set()

    # A grace in the future makes every blob a candidate (an object's time cannot be aged).
    done = collect(artifacts, referenced, grace=-3600)
    assert done.blobs == []
    assert artifacts.get_bytes(digest) == b"shared weights"


def test_a_remote_reuse_is_marked_and_keeps_the_blob(s3_url):
    artifacts = ArtifactStore(s3_url)
    digest, _ = artifacts.put_bytes(b"kept")
    artifacts.put_bytes(b"kept")  # reused: marked, since its time cannot be refreshed
    assert artifacts.fs.exists(artifacts.touch_path(digest))
    done = collect(artifacts, set, grace=3600)
    assert done.blobs == [] and done.kept_recent == 1 and artifacts.exists(digest)
