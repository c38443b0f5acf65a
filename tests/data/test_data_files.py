"""File and folder versions: storage, dedup, one-file changes, load and checkout, stat cache."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import jupyter_mlops.data as data
from jupyter_mlops.errors import InvalidInput


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _rewrite_keeping_stat(path: Path, text: str) -> None:
    """Change a file's bytes but not its size, mtime or inode (what the stat cache keys on)."""
    before = path.stat()
    assert len(text.encode()) == before.st_size
    with open(path, "r+b") as handle:  # in place: the inode stays
        handle.write(text.encode())
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == \
        (before.st_size, before.st_mtime_ns, before.st_ino)


def test_file_version_load_and_checkout(tracking, tmp_path):
    source = tmp_path / "sales.csv"
    source.write_text("region,amount\nnorth,10\nsouth,20\n")
    version = data.version_data(source, "sales")
    assert (version.kind, version.format, version.bytes) == ("file", "csv", source.stat().st_size)
    assert version.storage_digest == version.digest
    loaded = data.load_data("sales@1")
    assert isinstance(loaded, Path) and loaded.name == "sales.csv"
    assert loaded.read_bytes() == source.read_bytes()
    target = data.checkout("sales", tmp_path / "out")
    assert target == tmp_path / "out"
    assert target.read_bytes() == source.read_bytes()
    folder = tmp_path / "into"
    folder.mkdir()
    assert data.checkout("sales", folder) == folder / "sales.csv"
    assert data.version_data(str(source), "sales") == version


def test_parquet_file_reports_rows_and_columns(tracking, tmp_path, frame):
    path = tmp_path / "customers.parquet"
    frame.to_parquet(path)
    version = data.version_data(path, "customers-file")
    assert version.rows == 50 and "age" in version.columns


def test_folder_with_nested_files_round_trips(tracking, make_tree, tmp_path):
    files = {"a.txt": "alpha", "sub/b.txt": "beta", "sub/deeper/c.bin": "gamma" * 100,
             "sub/empty.txt": ""}
    root = make_tree(files)
    (root / "empty-dir").mkdir()
    version = data.version_data(root, "corpus", description="texts")
    assert (version.kind, version.files, version.bytes) == ("directory", 4,
                                                            sum(map(len, files.values())))
    loaded = data.load_data("corpus@1")
    assert _tree(loaded) == _tree(root)
    out = data.checkout("corpus@1", tmp_path / "checkout")
    assert _tree(out) == _tree(root)
    # Checking out again over a changed copy repairs it; extra files stay unless clean.
    (out / "sub" / "b.txt").write_text("edited")
    (out / "extra.txt").write_text("mine")
    data.checkout("corpus@1", out)
    assert (out / "sub" / "b.txt").read_text() == "beta"
    assert (out / "extra.txt").exists()
    data.checkout("corpus@1", out, clean=True)
    assert _tree(out) == _tree(root)


def test_one_changed_file_of_a_thousand_stores_one_blob(tracking, make_tree, blob_count):
    root = make_tree({f"part-{i // 100}/file-{i:04d}.txt": f"row {i}\n" for i in range(1000)})
    first = data.version_data(root, "shards")
    assert first.files == 1000
    stored = blob_count()
    assert data.version_data(root, "shards") == first
    assert blob_count() == stored
    (root / "part-3" / "file-0307.txt").write_text("a new row\n")
    second = data.version_data(root, "shards")
    assert second.version == 2 and second.digest != first.digest
    assert blob_count() == stored + 1
    diff = data.diff_data("shards@1", "shards@2")
    assert [(c[0], c[1]) for c in diff.changes] == [("part-3/file-0307.txt", "changed")]


def test_unchanged_file_is_not_read_again(tracking, tmp_path, age):
    path = tmp_path / "big.bin"
    path.write_bytes(b"a" * 100_000)
    age(path)
    first = data.version_data(path, "blob")
    # Same size, mtime and inode but other bytes: only a read could notice, and none happens.
    _rewrite_keeping_stat(path, "b" * 100_000)
    assert data.version_data(path, "blob") == first
    # A touched file is hashed again and the change is found.
    age(path, seconds_ago=1_800)
    second = data.version_data(path, "blob")
    assert second.version == 2
    assert data.load_data("blob@2").read_bytes() == b"b" * 100_000


def test_unchanged_folder_is_not_read_again(tracking, make_tree):
    root = make_tree({f"f{i}.txt": f"{i:05d}" for i in range(50)})
    first = data.version_data(root, "folder")
    _rewrite_keeping_stat(root / "f7.txt", "xxxxx")
    assert data.version_data(root, "folder") == first


def test_freshly_written_file_is_hashed_again(tracking, tmp_path):
    # Written within the racy window (mtime ~ now): its digest is not cached, so an edit that
    # keeps size and mtime is still noticed next time.
    path = tmp_path / "fresh.txt"
    path.write_text("one")
    # Still fresh when hashing starts, however slow a loaded machine is to get there.
    soon = time.time_ns() + 30_000_000_000
    os.utime(path, ns=(soon, soon))
    first = data.version_data(path, "fresh")
    _rewrite_keeping_stat(path, "two")
    second = data.version_data(path, "fresh")
    assert second.version == 2 and second.digest != first.digest


def test_empty_folder_and_validate_on_files_are_refused(tracking, tmp_path):
    (tmp_path / "nothing").mkdir()
    with pytest.raises(InvalidInput, match="holds no files"):
        data.version_data(tmp_path / "nothing", "empty")
    (tmp_path / "x.csv").write_text("a\n1\n")
    with pytest.raises(InvalidInput, match="validate= applies to DataFrames"):
        data.version_data(tmp_path / "x.csv", "x", validate=True)


def test_corrupt_blob_is_not_loaded(tracking, tmp_path):
    from jupyter_mlops.errors import IntegrityError

    path = tmp_path / "data.txt"
    path.write_text("precious")
    version = data.version_data(path, "precious")
    blob = Path(tracking.artifacts) / "blobs" / version.digest[:2] / version.digest[2:]
    blob.write_text("tampered")
    with pytest.raises(IntegrityError):
        data.checkout("precious", tmp_path / "restored.txt")
    assert not (tmp_path / "restored.txt").exists()
