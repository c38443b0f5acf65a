"""`jupyter mlops artifacts ...`: listing a run's files and copying them out, verified."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

import jupyter_mlops as mlops


def test_list_table_and_json(populated, invoke):
    out = invoke("artifacts", "list", populated.low[-8:]).stdout
    assert "3 file(s)" in out
    for path in ("notes.txt", "plots/roc.txt", "plots/sub/pr.txt"):
        assert path in out
    records = json.loads(invoke("artifacts", "list", populated.low, "plots", "--json").stdout)
    assert [r["path"] for r in records] == ["plots/roc.txt", "plots/sub/pr.txt"]
    assert records[0]["size"] == len("roc curve") and len(records[0]["digest"]) == 64


def test_list_errors(populated, invoke):
    message = invoke.fails("artifacts", "list", populated.low, "nope", code=3)
    assert "no artifact file or folder 'nope'" in message and "plots/roc.txt" in message
    assert "No run" in invoke.fails("artifacts", "list", "abcdef12", code=3)


def test_get_one_file_to_a_folder_a_file_and_the_current_folder(populated, invoke, tmp_path,
                                                                 monkeypatch):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = invoke("artifacts", "get", populated.high, "plots/roc.txt", "-o", str(out_dir))
    assert result.stdout.strip() == str(out_dir / "roc.txt")
    assert (out_dir / "roc.txt").read_text() == "roc curve"
    invoke("artifacts", "get", populated.high, "notes.txt", "-o", str(out_dir / "n" / "x.txt"))
    assert (out_dir / "n" / "x.txt").read_text() == "C was 1.0"
    monkeypatch.chdir(out_dir)
    assert invoke("artifacts", "get", populated.high, "notes.txt").stdout.strip() == "notes.txt"
    assert (out_dir / "notes.txt").read_text() == "C was 1.0"
    assert not list(out_dir.rglob("*.partial"))


def test_get_a_folder_and_everything(populated, invoke, tmp_path, monkeypatch):
    dest = tmp_path / "copy"
    result = invoke("artifacts", "get", populated.low, "plots/", "-o", str(dest))
    assert sorted(result.stdout.split()) == [str(dest / "roc.txt"), str(dest / "sub" / "pr.txt")]
    assert (dest / "sub" / "pr.txt").read_text() == "pr curve"
    monkeypatch.chdir(tmp_path)
    invoke("artifacts", "get", populated.low, "plots")
    assert (tmp_path / "plots" / "sub" / "pr.txt").read_text() == "pr curve"
    everything = tmp_path / "all"
    invoke("artifacts", "get", populated.low, ".", "-o", str(everything))
    files = sorted(p.relative_to(everything).as_posix() for p in everything.rglob("*.txt"))
    assert files == ["notes.txt", "plots/roc.txt", "plots/sub/pr.txt"]
    (tmp_path / "a-file").write_text("x")
    message = invoke.fails("artifacts", "get", populated.low, "plots", "-o",
                           str(tmp_path / "a-file"), code=2)
    assert "give a folder" in message


def test_get_to_stdout(populated, invoke):
    assert invoke("artifacts", "get", populated.low, "notes.txt", "-o", "-").stdout == "C was 0.1"
    message = invoke.fails("artifacts", "get", populated.low, "plots", "-o", "-", code=2)
    assert "writes one file" in message


def _blob(workspace, digest: str) -> Path:
    return Path(workspace.artifacts) / "blobs" / digest[:2] / digest[2:]


def test_corrupt_blob_is_refused_and_leaves_no_file(populated, invoke, tracking, tmp_path):
    record = next(a for a in mlops.get_run(populated.low).artifacts if a.path == "notes.txt")
    blob = _blob(tracking, record.digest)
    blob.chmod(0o644)
    blob.write_text("C was 9.9")
    dest = tmp_path / "dest.txt"
    message = invoke.fails("artifacts", "get", populated.low, "notes.txt", "-o", str(dest),
                           code=1)
    assert "corrupt" in message and record.digest in message
    assert not dest.exists() and not list(tmp_path.glob(".dest.txt*"))


def test_missing_blob_is_not_found(populated, invoke, tracking, tmp_path):
    record = next(a for a in mlops.get_run(populated.low).artifacts if a.path == "notes.txt")
    _blob(tracking, record.digest).unlink()
    message = invoke.fails("artifacts", "get", populated.low, "notes.txt", "-o",
                           str(tmp_path / "x"), code=3)
    assert record.digest in message


def test_large_file_goes_through_the_progress_path(tracking, invoke, tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(9 * 1024 * 1024))
    with mlops.start_run() as run:
        mlops.log_artifact(str(big))
    dest = tmp_path / "back.bin"
    result = invoke("artifacts", "get", run.id, "big.bin", "-o", str(dest))
    assert dest.read_bytes() == big.read_bytes()
    # tqdm draws only on a terminal; a pipe or log gets no progress noise.
    assert result.stderr == ""


@pytest.mark.s3
def test_get_from_an_s3_artifact_store(tracking, invoke, s3_url, tmp_path):
    mlops.set_workspace(tracking.root, uri=tracking.uri, artifacts=s3_url)
    source = tmp_path / "model.txt"
    source.write_text("weights")
    with mlops.start_run() as run:
        mlops.log_artifact(str(source))
    dest = tmp_path / "back.txt"
    invoke("--uri", tracking.uri, "--artifacts", s3_url, "artifacts", "get", run.id,
           "model.txt", "-o", str(dest))
    assert dest.read_text() == "weights"


def test_a_path_leaving_the_destination_is_refused(populated, invoke, tmp_path):
    """Paths are checked when logged; a store written by another tool is not trusted."""
    from jupyter_mlops.session import current

    record = mlops.get_run(populated.low).artifacts[0]
    current().store.runs.add_artifacts(
        populated.low, [("plots/../../evil.txt", record.digest, record.size)], time.time()
    )
    dest = tmp_path / "dest"
    message = invoke.fails("artifacts", "get", populated.low, ".", "-o", str(dest), code=2)
    assert "would leave" in message
    assert not (tmp_path / "evil.txt").exists() and not dest.exists()
