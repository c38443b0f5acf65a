"""Local files copied into the store: reflink / O_DIRECT / in-memory paths, a file that changes
while it is stored, blobs torn by a crash, concurrent writers."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import blake3
import pytest

from jupyter_mlops.errors import Conflict
from jupyter_mlops.store import local_copy
from jupyter_mlops.store.artifacts import ArtifactStore


@pytest.fixture
def store(tmp_path: Path) -> ArtifactStore:
    """An empty artifact store in a local folder."""
    return ArtifactStore(str(tmp_path / "artifacts"))


@pytest.fixture
def small_slices(monkeypatch: pytest.MonkeyPatch) -> int:
    """Send files from 16 KiB up through the O_DIRECT pipeline, in 8 KiB slices."""
    monkeypatch.setattr(local_copy, "DIRECT_MIN", 16 * 1024)
    monkeypatch.setattr(local_copy, "PIPE_CHUNK", 8 * 1024)
    return 8 * 1024


def _leftovers(store: ArtifactStore) -> list[str]:
    return os.listdir(f"{store.root}/tmp")


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1,
                                  5 * 8 * 1024, 5 * 8 * 1024 + 123, 300_001])
def test_every_copy_path_stores_exactly_the_file(store, tmp_path, small_slices, size):
    data = os.urandom(size)
    source = tmp_path / "data.bin"
    source.write_bytes(data)
    digest, stored = store.put_file(source)
    assert (digest, stored) == (blake3.blake3(data).hexdigest(), size)
    assert Path(store.path(digest)).read_bytes() == data
    assert store.get_bytes(digest) == data
    assert _leftovers(store) == []


@pytest.mark.parametrize("size", [1000, 100_000])
def test_a_file_changed_since_it_was_hashed_is_refused_and_nothing_is_stored(
        store, tmp_path, small_slices, size):
    source = tmp_path / "data.bin"
    source.write_bytes(os.urandom(size))
    hashed_before = blake3.blake3(os.urandom(size)).hexdigest()  # what it held "earlier"
    with pytest.raises(Conflict, match="changed while it was being stored"):
        store.put_file(source, digest=hashed_before)
    assert not store.exists(hashed_before)
    assert _leftovers(store) == []


@pytest.mark.parametrize("size", [1000, 100_000])
def test_a_blob_torn_by_a_crash_is_written_again(store, tmp_path, small_slices, size):
    data = os.urandom(size)
    source = tmp_path / "data.bin"
    source.write_bytes(data)
    digest, _ = store.put_file(source)
    blob = Path(store.path(digest))
    # What a crash after the rename and before the data reached the disk leaves behind.
    with blob.open("r+b") as handle:
        handle.truncate(size // 2)
    assert store.put_file(source, digest=digest) == (digest, size)
    assert store.get_bytes(digest) == data
    with blob.open("r+b") as handle:
        handle.truncate(0)
    assert store.put_bytes(data) == (digest, size)
    assert store.get_bytes(digest) == data


def test_storing_after_the_blob_folders_were_removed_by_hand(store):
    import shutil

    first, _ = store.put_bytes(b"one")
    shutil.rmtree(f"{store.root}/blobs")
    assert store.put_bytes(b"one") == (first, 3)
    assert store.get_bytes(first) == b"one"


def test_concurrent_writers_of_the_same_large_file_store_one_good_blob(store, tmp_path,
                                                                       small_slices):
    data = os.urandom(200_000)
    source = tmp_path / "data.bin"
    source.write_bytes(data)
    digest = blake3.blake3(data).hexdigest()
    stores = [ArtifactStore(store.url) for _ in range(6)]  # as separate processes would
    results, errors = [], []

    def write(each: ArtifactStore) -> None:
        try:
            results.append(each.put_file(source, digest=digest))
        except Exception as exc:  # pragma: no cover - reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(each,)) for each in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results == [(digest, len(data))] * len(stores)
    assert [b.digest for b in store.blobs()] == [digest]
    assert store.get_bytes(digest) == data
    assert _leftovers(store) == []


def test_a_large_copy_reads_back_verified(store, tmp_path):
    """The real thresholds: one file big enough for O_DIRECT with an unaligned tail."""
    data = os.urandom(local_copy.DIRECT_MIN + local_copy.PIPE_CHUNK + 12_345)
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    digest, size = store.put_file(source)
    assert size == len(data)
    out = store.get_file(digest, tmp_path / "out.bin")
    assert out.read_bytes() == data


DURABLE_WRITER = """
import os, sys
from jupyter_mlops.store.artifacts import ArtifactStore

digest, size = ArtifactStore(sys.argv[1]).put_bytes(os.urandom(3 * 1024 * 1024))
print(digest, flush=True)
os.kill(os.getpid(), 9)  # killed the moment put returns: nothing flushed, nothing synced
"""


def test_a_blob_is_whole_once_put_returns_even_if_the_writer_is_killed(tmp_path):
    """The claim of the module's docstring: no fsync, yet whole for every process at once."""
    import subprocess
    import sys

    from jupyter_mlops.store.artifacts import ArtifactStore

    url = str(tmp_path / "artifacts")
    done = subprocess.run([sys.executable, "-c", DURABLE_WRITER, url], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == -9, done.stderr
    digest = done.stdout.strip()
    artifacts = ArtifactStore(url)
    assert len(artifacts.get_bytes(digest)) == 3 * 1024 * 1024  # verified against its digest
    assert list(artifacts.temp_files()) == []
