"""Files and folders copied into the store by every path (in memory, through the O_DIRECT
pipeline), read back intact; a file whose cached digest is stale is refused, not mis-stored."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import jupyter_mlops.data as data
from jupyter_mlops.data import hashing
from jupyter_mlops.errors import Conflict, NotFound
from jupyter_mlops.store import local_copy


@pytest.fixture
def small_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep files of up to 4 KiB in memory while hashing, pipe files from 64 KiB up."""
    monkeypatch.setattr(hashing, "SMALL", 4096)
    monkeypatch.setattr(local_copy, "DIRECT_MIN", 64 * 1024)
    monkeypatch.setattr(local_copy, "PIPE_CHUNK", 16 * 1024)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_folder_of_every_size_round_trips(tracking, tmp_path, age, small_thresholds):
    root = tmp_path / "mixed"
    sizes = {"empty": 0, "tiny": 10, "kept": 4096, "read-whole": 20_000,
             "piped/aligned": 4 * 16 * 1024, "piped/tail": 5 * 16 * 1024 + 777}
    for name, size in sizes.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(os.urandom(size))
    age(root)
    version = data.version_data(root, "mixed")
    assert (version.files, version.bytes) == (len(sizes), sum(sizes.values()))
    assert _tree(data.checkout("mixed", tmp_path / "out")) == _tree(root)


def test_a_large_file_round_trips(tracking, tmp_path, age, small_thresholds):
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(300_001))
    age(path)
    version = data.version_data(path, "big")
    assert version.bytes == 300_001
    assert data.load_data("big").read_bytes() == path.read_bytes()


def test_a_stale_cached_digest_is_refused_and_records_nothing(tracking, tmp_path, age,
                                                               small_thresholds):
    path = tmp_path / "big.bin"
    path.write_bytes(b"a" * 100_000)
    age(path)
    first = data.version_data(path, "big")
    blob = Path(tracking.artifacts) / "blobs" / first.digest[:2] / first.digest[2:]
    blob.unlink()  # so that the next version must copy the file again
    # Other bytes behind the same size, mtime and inode: the stat cache still says `first`.
    before = path.stat()
    with open(path, "r+b") as handle:
        handle.write(b"b" * 100_000)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    with pytest.raises(Conflict, match="changed while it was being stored"):
        data.version_data(path, "other")
    assert not blob.exists()
    with pytest.raises(NotFound):
        data.resolve_version("other")
