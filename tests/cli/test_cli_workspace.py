"""`jupyter mlops info`, `gc`, `experiments list` and the global workspace options."""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

import pytest

import jupyter_mlops as mlops
from jupyter_mlops.cli.options import parse_duration


def test_info_table_and_json(populated, invoke, tracking):
    out = invoke("info").stdout
    assert str(tracking.root) in out and "Backend" in out and "Artifact files" in out
    data = json.loads(invoke("info", "--json").stdout)
    assert data["workspace"] == str(tracking.root)
    assert data["backend"] in ("sqlite", "postgresql")
    assert data["artifacts"] == tracking.artifacts
    assert data["runs"] == 5 and data["experiments"] == 2 and data["deleted_runs"] == 0


def test_experiments_list(populated, invoke):
    out = invoke("experiments", "list").stdout
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines()[2:] if line.strip()}
    assert rows == {"grid": "2", "other": "3"}
    data = json.loads(invoke("experiments", "list", "--json").stdout)
    assert [(e["name"], e["run_count"]) for e in data] == [("grid", 2), ("other", 3)]


def test_empty_workspace(tracking, invoke):
    result = invoke("experiments", "list")
    assert result.stdout == "" and "No experiments yet" in result.stderr
    assert invoke("runs", "list").stderr.startswith("No runs yet")


def test_gc_dry_run_then_purge(populated, invoke, tracking):
    blob_count = len(list((Path(tracking.artifacts) / "blobs").rglob("*")))
    assert "Would remove 0 unreferenced blob(s)" in invoke("gc", "--dry-run").stdout
    invoke("runs", "delete", populated.low)
    # notes.txt of the deleted run is its own blob ("C was 0.1"); the plots are shared.
    result = invoke("gc", "--purge-deleted", "--older-than", "1d", "--grace", "0", "--json")
    assert json.loads(result.stdout)["purged_runs"] == []
    result = invoke("gc", "--purge-deleted", "--grace", "0", "--json")
    report = json.loads(result.stdout)
    assert report["purged_runs"] == [populated.low] and len(report["blobs"]) == 1
    assert report["dry_run"] is False and report["bytes"] == len("C was 0.1")
    assert len(list((Path(tracking.artifacts) / "blobs").rglob("*"))) < blob_count
    assert "No run" in invoke.fails("runs", "show", populated.low, code=3)


def test_gc_grace_keeps_young_blobs(tracking, invoke, tmp_path):
    orphan = tmp_path / "orphan.txt"
    orphan.write_text("nobody points at me")
    with mlops.start_run() as run:
        mlops.log_artifact(str(orphan))
    mlops.delete_runs([run.id])
    out = invoke("gc", "--purge-deleted", "--grace", "1h").stdout
    assert "Purged 1 deleted run(s)." in out and "Kept 1 unreferenced blob(s)" in out
    assert "Removed 0 unreferenced blob(s)" in out


def test_gc_option_errors(tracking, invoke):
    result = invoke("gc", "--older-than", "3x", code=2)
    assert "is not a duration" in result.stderr
    message = invoke.fails("gc", "--older-than", "7d", code=2)
    assert "--purge-deleted" in message


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90.0), ("45s", 45.0), ("30m", 1800.0), ("12h", 43200.0), ("7d", 604800.0),
     ("2w", 1209600.0), ("1d12h", 129600.0), ("1.5h", 5400.0), (" 2D ", 172800.0)],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "d", "7x", "-1", "7d and more", "nan"])
def test_bad_durations(text):
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_global_options_choose_another_workspace(tracking, invoke, tmp_path):
    other = tmp_path / "elsewhere"
    (other / ".mlops").mkdir(parents=True)
    (other / "deep" / "folder").mkdir(parents=True)
    data = json.loads(invoke("--workspace", str(other / "deep" / "folder"), "info",
                             "--json").stdout)
    assert data["workspace"] == str(other) and data["runs"] == 0
    assert data["artifacts"] == str(other / ".mlops" / "artifacts")
    uri = f"sqlite:///{tmp_path / 'custom.db'}"
    data = json.loads(invoke("--uri", uri, "--artifacts", str(tmp_path / "blobs"), "info",
                             "--json").stdout)
    assert data["store"] == uri and data["artifacts"] == str(tmp_path / "blobs")
    assert (tmp_path / "custom.db").exists()
    result = invoke("--workspace", str(tmp_path / "missing"), "info", code=2)
    assert "does not exist" in result.stderr


def test_bad_setting_is_one_line_exit_1(tracking, invoke):
    message = invoke.fails("--workspace", str(tracking.root), "info", code=1,
                           env={"JUPYTER_MLOPS_FLUSH_INTERVAL": "soon"})
    assert "JUPYTER_MLOPS_FLUSH_INTERVAL" in message


def test_bad_store_url_is_a_usage_error(tracking, invoke):
    message = invoke.fails("--uri", "not a url", "info", code=2)
    assert "Invalid store URL" in message


@pytest.mark.postgres
def test_unreachable_database_is_one_line_exit_1(tracking, invoke):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port once the probe closes: the connection is refused at once.
    message = invoke.fails("--uri", f"postgresql+psycopg://postgres@127.0.0.1:{port}/x",
                           "info", code=1)
    assert "cannot be reached" in message and "--uri" in message


def test_gc_dry_run_counts_upload_leftovers_without_removing_them(tracking, invoke):
    leftover = Path(tracking.artifacts) / "tmp" / "upload-from-a-killed-process"
    leftover.parent.mkdir(parents=True, exist_ok=True)
    leftover.write_bytes(b"x" * 100)
    old = time.time() - 3 * 86400
    os.utime(leftover, (old, old))
    assert "Would remove 1 leftover upload file(s)" in invoke("gc", "--dry-run").stdout
    assert leftover.exists()
    assert "Removed 1 leftover upload file(s)" in invoke("gc").stdout
    assert not leftover.exists()
