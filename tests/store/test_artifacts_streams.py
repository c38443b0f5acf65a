"""Large streams, and writers that fail or are killed half-way: nothing half-written shows."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import blake3
import pytest

from jupyter_mlops.store.artifacts import ArtifactStore

MIB = 1024 * 1024


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> ArtifactStore:
    """An empty artifact store in a local folder or in a bucket of the moto S3 server."""
    if request.param == "local":
        return ArtifactStore(str(tmp_path / "artifacts"))
    return ArtifactStore(request.getfixturevalue("s3_url"))


class Generated:
    """A readable stream of ``size`` pseudo-random bytes, made piece by piece as read."""

    def __init__(self, size: int, seed: int = 7, fail_at: int | None = None) -> None:
        self.left = size
        self.random = random.Random(seed)
        self.fail_at = fail_at
        self.given = 0

    def read(self, n: int = -1) -> bytes:
        if self.fail_at is not None and self.given >= self.fail_at:
            raise ConnectionResetError("the source went away")
        n = self.left if n < 0 else min(n, self.left, MIB)
        self.left -= n
        self.given += n
        return self.random.randbytes(n)


def _expected(size: int, seed: int = 7) -> str:
    hasher = blake3.blake3()
    source = Generated(size, seed)
    while chunk := source.read(MIB):
        hasher.update(chunk)
    return hasher.hexdigest()


def _tmp_files(store: ArtifactStore) -> list[str]:
    base = f"{store.root}/tmp"
    return store.fs.find(base) if store.fs.exists(base) else []


def test_a_large_stream_is_stored_without_holding_it_in_memory(blobs):
    # 64 MiB locally; less through moto, which is slow with big bodies.
    size = 64 * MIB if blobs.is_local else 16 * MIB
    tracemalloc.start()
    try:
        digest, stored = blobs.put_stream(Generated(size))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (digest, stored) == (_expected(size), size)
    if blobs.is_local:  # the moto server shares this process: its memory would count
        assert peak < size // 4
    assert [(b.digest, b.size) for b in blobs.blobs()] == [(digest, size)]
    with blobs.open(digest) as handle:  # read back in pieces, verified at the end
        hasher = blake3.blake3()
        while chunk := handle.read(4 * MIB):
            hasher.update(chunk)
    assert hasher.hexdigest() == digest
    assert _tmp_files(blobs) == []


def test_a_stream_failing_half_way_leaves_nothing(blobs):
    with pytest.raises(ConnectionResetError):
        blobs.put_stream(Generated(20 * MIB, fail_at=10 * MIB))
    assert list(blobs.blobs()) == []
    assert _tmp_files(blobs) == []
    # The same content, complete, stores fine afterwards.
    digest, size = blobs.put_stream(Generated(20 * MIB))
    assert (digest, size) == (_expected(20 * MIB), 20 * MIB)


KILLED_WRITER = textwrap.dedent(
    """
    import random, sys, time
    from jupyter_mlops.store.artifacts import ArtifactStore

    class Stalling:
        def __init__(self):
            self.calls = 0

        def read(self, n=-1):
            self.calls += 1
            if self.calls == 3:
                print("writing", flush=True)
                time.sleep(600)
            return random.randbytes(n if n > 0 else 1024)

    ArtifactStore(sys.argv[1]).put_stream(Stalling())
    """
)


def test_a_writer_killed_mid_write_leaves_only_tmp_leftovers(blobs):
    env = dict(os.environ)
    if not blobs.is_local:
        env["FSSPEC_S3_ENDPOINT_URL"] = blobs.fs.endpoint_url
    url = blobs.url
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, url], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = writer.stdout.readline()
        assert line == "writing\n", writer.stderr.read()
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    assert list(blobs.blobs()) == []
    leftovers = _tmp_files(blobs)
    if blobs.is_local:
        # Two chunks had reached the temporary file.
        assert len(leftovers) == 1 and os.path.getsize(leftovers[0]) > 0
    # Fresh, but its writer is gone from this host: gc counts and removes it at once.
    from jupyter_mlops.store.gc import collect

    dry = collect(blobs, set, grace=3600, dry_run=True)
    assert dry.temp_files == len(leftovers) and len(_tmp_files(blobs)) == len(leftovers)
    if blobs.is_local:
        assert dry.temp_bytes == os.path.getsize(leftovers[0])
    assert collect(blobs, set, grace=3600).temp_files == len(leftovers)
    assert _tmp_files(blobs) == []
    assert list(blobs.blobs()) == []
