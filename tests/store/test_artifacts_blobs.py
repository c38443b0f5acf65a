"""Content-addressed blobs on a local folder and on S3: dedup, digests, verified reads."""

from __future__ import annotations

import io
from pathlib import Path

import blake3
import pytest

from jupyter_mlops.errors import IntegrityError, InvalidInput, NotFound
from jupyter_mlops.store.artifacts import ArtifactStore


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> ArtifactStore:
    """An empty artifact store in a local folder or in a bucket of the moto S3 server."""
    if request.param == "local":
        return ArtifactStore(str(tmp_path / "artifacts"))
    return ArtifactStore(request.getfixturevalue("s3_url"))


def _tamper(store: ArtifactStore, digest: str, data: bytes) -> None:
    """Replace a stored blob's bytes behind the store's back."""
    if store.is_local:
        Path(store.path(digest)).write_bytes(data)
    else:
        import s3fs

        endpoint = store.fs.client_kwargs.get("endpoint_url") or store.fs.endpoint_url
        other = s3fs.S3FileSystem(endpoint_url=endpoint, key="testing", secret="testing",
                                  skip_instance_cache=True)
        other.pipe_file(store.path(digest), data)


def test_same_bytes_are_stored_once_under_their_blake3_digest(blobs, tmp_path):
    data = b"model weights " * 1000
    expected = blake3.blake3(data).hexdigest()
    source = tmp_path / "model.bin"
    source.write_bytes(data)
    results = {
        blobs.put_bytes(data),
        blobs.put_bytes(data),
        blobs.put_file(source),
        blobs.put_stream(io.BytesIO(data)),
    }
    assert results == {(expected, len(data))}
    assert [(b.digest, b.size) for b in blobs.blobs()] == [(expected, len(data))]
    assert blobs.exists(expected)

    empty = blobs.put_bytes(b"")
    assert empty == (blake3.blake3(b"").hexdigest(), 0)
    assert blobs.get_bytes(empty[0]) == b""
    assert {b.digest for b in blobs.blobs()} == {expected, empty[0]}
    with pytest.raises(NotFound, match="pass the path of an existing file"):
        blobs.put_file(tmp_path / "missing.bin")


def test_reads_return_the_bytes_and_verify_them(blobs, tmp_path):
    data = bytes(range(256)) * 4096  # 1 MiB
    digest, _ = blobs.put_bytes(data)
    assert blobs.get_bytes(digest) == data
    with blobs.open(digest) as handle:
        assert handle.read() == data
    copy = blobs.get_file(digest, tmp_path / "out" / "copy.bin")
    assert copy.read_bytes() == data
    if blobs.is_local:
        assert blobs.local_path(digest).read_bytes() == data
    else:
        assert blobs.local_path(digest) is None


def test_a_tampered_blob_raises_instead_of_returning_bytes(blobs, tmp_path):
    data = b"the real content" * 100
    digest, _ = blobs.put_bytes(data)
    _tamper(blobs, digest, b"the fake content" * 100)
    with pytest.raises(IntegrityError, match=f"Artifact {digest} is corrupt"):
        blobs.get_bytes(digest)
    with blobs.open(digest) as handle:
        with pytest.raises(IntegrityError):
            handle.read()
        with pytest.raises(IntegrityError):  # asking again does not pass for success
            handle.read()
    target = tmp_path / "dest" / "copy.bin"
    with pytest.raises(IntegrityError):
        blobs.get_file(digest, target)
    assert list(target.parent.iterdir()) == []  # neither the file nor a partial one

    # A truncated blob, too.
    _tamper(blobs, digest, data[:-1])
    with pytest.raises(IntegrityError):
        blobs.get_bytes(digest)


def test_missing_blobs_are_not_found(blobs, tmp_path):
    missing = "0" * 64
    assert not blobs.exists(missing)
    with pytest.raises(NotFound, match=f"No artifact with digest {missing}"):
        blobs.get_bytes(missing)
    with pytest.raises(NotFound):
        blobs.open(missing)
    with pytest.raises(NotFound):
        blobs.get_file(missing, tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_blobs_lists_what_exists_and_delete_removes_it(blobs):
    assert list(blobs.blobs()) == []
    digests = {blobs.put_bytes(f"blob {n}".encode() * (n + 1))[0]: n for n in range(5)}
    listed = {b.digest: b for b in blobs.blobs()}
    assert set(listed) == set(digests)
    for digest, n in digests.items():
        assert listed[digest].size == len(f"blob {n}".encode()) * (n + 1)
        assert listed[digest].modified > 0
    doomed = next(iter(digests))
    blobs.delete(doomed)
    blobs.delete(doomed)  # deleting twice is fine
    assert {b.digest for b in blobs.blobs()} == set(digests) - {doomed}
    assert not blobs.exists(doomed)
    # Files that are not blobs are not listed (GC would trip over their names).
    blobs.fs.makedirs(f"{blobs.root}/blobs/zz", exist_ok=True)
    blobs.fs.pipe_file(f"{blobs.root}/blobs/zz/" + "z" * 62, b"stray")
    blobs.fs.pipe_file(f"{blobs.root}/blobs/{next(iter(digests))[:2]}/.DS_Store", b"stray")
    assert {b.digest for b in blobs.blobs()} == set(digests) - {doomed}


BAD_DIGESTS = ["", "abc", "A" * 64, "g" * 64, "0" * 63, "0" * 65, "../" + "0" * 61,
               "00/" + "0" * 61, None, 12345]


def test_invalid_digests_are_refused(blobs, tmp_path):
    for bad in BAD_DIGESTS:
        for call in (blobs.path, blobs.exists, blobs.get_bytes, blobs.open, blobs.delete,
                     lambda d: blobs.get_file(d, tmp_path / "x")):
            with pytest.raises(InvalidInput, match="Invalid artifact digest"):
                call(bad)
