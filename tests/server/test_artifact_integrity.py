"""A corrupt blob is never served as a complete file: REST route and `artifacts get -o -`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from tornado.httpclient import HTTPClientError

import jupyter_mlops as mlops
from jupyter_mlops.cli import cli
from jupyter_mlops.server.routes.artifacts import VERIFY_IN_MEMORY
from jupyter_mlops.session import current

API = ("jupyter-mlops", "api")


def _logged(tmp_path: Path, size: int) -> tuple[str, bytes, Path]:
    data = os.urandom(size)
    source = tmp_path / "blob.bin"
    source.write_bytes(data)
    with mlops.start_run() as run:
        mlops.log_artifact(str(source))
    digest = next(a.digest for a in mlops.get_run(run.id).artifacts if a.path == "blob.bin")
    return run.id, data, Path(current().store.artifacts.path(digest))


def _corrupt(blob: Path) -> None:
    blob.chmod(0o644)
    raw = bytearray(blob.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    blob.write_bytes(bytes(raw))


async def test_a_small_corrupt_blob_is_a_json_500_before_any_byte(jp_fetch, tracking, tmp_path):
    run_id, _, blob = _logged(tmp_path, 3 * 1024 * 1024)
    _corrupt(blob)
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(*API, "runs", run_id, "artifacts", "blob.bin")
    assert info.value.code == 500
    body = json.loads(info.value.response.body)
    assert body["error"]["type"] == "IntegrityError"
    assert info.value.response.headers["Content-Type"] == "application/json"


async def test_a_large_corrupt_blob_never_arrives_complete(jp_fetch, tracking, tmp_path):
    run_id, data, blob = _logged(tmp_path, VERIFY_IN_MEMORY + 3 * 1024 * 1024)
    good = await jp_fetch(*API, "runs", run_id, "artifacts", "blob.bin")
    assert good.body == data
    _corrupt(blob)
    # The connection closes short of Content-Length: the client reports an error, no body.
    with pytest.raises(Exception) as info:  # tornado raises a stream error
        response = await jp_fetch(*API, "runs", run_id, "artifacts", "blob.bin")
        assert len(response.body) < len(data), "a corrupt blob arrived complete"
    assert not isinstance(info.value, AssertionError)


def test_cli_to_stdout_writes_nothing_of_a_corrupt_blob(tracking, tmp_path):
    run_id, data, blob = _logged(tmp_path, 3 * 1024 * 1024)
    ok = CliRunner().invoke(cli, ["artifacts", "get", run_id, "blob.bin", "-o", "-"])
    assert ok.exit_code == 0 and ok.stdout_bytes == data
    _corrupt(blob)
    bad = CliRunner().invoke(cli, ["artifacts", "get", run_id, "blob.bin", "-o", "-"])
    assert bad.exit_code != 0
    assert bad.stdout_bytes == b""


def test_cli_to_stdout_writes_nothing_of_a_corrupt_blob_over_the_spool(tracking, tmp_path):
    """Above SPOOL_IN_MEMORY the blob is verified in a temporary copy: none of it reaches a pipe.

    A real process, so stdout is the file descriptor a shell would pipe on.
    """
    import subprocess
    import sys

    from jupyter_mlops.cli.artifacts import SPOOL_IN_MEMORY

    source = tmp_path / "big.bin"
    with source.open("wb") as handle:  # sparse: seconds to hash and store, not to write
        handle.truncate(SPOOL_IN_MEMORY + 1024 * 1024)
        handle.write(b"head")
    with mlops.start_run() as run:
        mlops.log_artifact(str(source))
    digest = next(a.digest for a in mlops.get_run(run.id).artifacts if a.path == "big.bin")
    _corrupt(Path(current().store.artifacts.path(digest)))
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch), "COLUMNS": "200"}
    jupyter = Path(sys.executable).parent / "jupyter"
    with (tmp_path / "stdout").open("wb") as out:
        done = subprocess.run([str(jupyter), "mlops", "--uri", tracking.uri, "--artifacts",
                               tracking.artifacts, "artifacts", "get", run.id, "big.bin", "-o",
                               "-"], cwd=tracking.root, env=env, stdout=out,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode != 0
    assert (tmp_path / "stdout").stat().st_size == 0, "corrupt bytes reached stdout"
    assert len(done.stderr.splitlines()) == 1, done.stderr[-2000:]
    assert done.stderr.startswith("Error: ") and digest in done.stderr
    assert list(scratch.iterdir()) == [], "the verified copy was left behind"
