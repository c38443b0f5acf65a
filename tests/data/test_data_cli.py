"""`jupyter mlops data ...` through click's runner: output, JSON and exit codes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import jupyter_mlops as mlops
import jupyter_mlops.data as data
from jupyter_mlops.cli import cli


def _run(*args, code=0):
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "200"},
                                prog_name="jupyter mlops")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


@pytest.fixture
def versions(tracking, frame, make_tree):
    data.version_data(frame, "customers", description="first pull", validate=True)
    with mlops.start_run(name="prep") as run:
        data.load_data("customers@1")
        data.version_data(frame.head(30).assign(extra=1, age=frame["age"] + 1_000), "customers")
    data.version_data(make_tree({"a.txt": "a", "sub/b.txt": "b"}), "files")
    return run.id


def test_list_show_and_log(versions):
    out = _run("data", "list").stdout
    assert "customers" in out and "files" in out and "first pull" in out
    listed = json.loads(_run("data", "list", "--json").stdout)
    assert [d["name"] for d in listed] == ["customers", "files"]
    out = _run("data", "show", "customers").stdout
    assert "dataframe" in out and versions[-8:] in out
    out = _run("data", "show", "customers@1").stdout
    assert "segment" in out and "category" in out and "Europe/Paris" in out
    shown = json.loads(_run("data", "show", "customers@2", "--json").stdout)
    assert shown["version"]["rows"] == 30 and "extra" in shown["profile"]["columns"]
    log = _run("data", "log", "customers").stdout
    assert log.index("  2  ") < log.index("  1  ")
    entries = json.loads(_run("data", "log", "customers", "--json").stdout)
    assert entries[0]["produced_by"] == [versions] and entries[1]["read_by"] == [versions]


def test_diff_and_checkout(versions, tmp_path):
    out = _run("data", "diff", "customers@1", "customers@2").stdout
    assert "rows 50 -> 30" in out and "extra" in out
    changes = json.loads(_run("data", "diff", "customers@1", "customers@2", "--json").stdout)
    assert changes["added"] == ["extra"]
    out = _run("data", "checkout", "files@1", str(tmp_path / "out")).stdout
    assert "Checked out files@1" in out
    assert (tmp_path / "out" / "sub" / "b.txt").read_text() == "b"


def test_validate_passes_and_fails(versions, tmp_path):
    assert "all checks pass" in _run("data", "validate", "customers@1").stdout
    result = _run("data", "validate", "customers@2", code=1)
    assert "Failures" in result.stdout
    assert result.stderr.strip().startswith("Error: customers@2 fails")
    yaml_path = tmp_path / "schema.yaml"
    yaml_path.write_text(data.infer_schema("customers@2").to_yaml())
    assert "all checks pass" in _run("data", "validate", "customers@2", "--schema",
                                     str(yaml_path)).stdout


@pytest.mark.parametrize(("args", "code", "words"), [
    (("show", "nobody"), 3, "Unknown dataset 'nobody'"),
    (("show", "customers@9"), 3, "has no version 9"),
    (("show", "bad name@1"), 2, "Invalid dataset name"),
    (("diff", "customers@1", "customers@x"), 2, "Invalid dataset version"),
    (("validate", "customers@1", "--schema", "missing.yaml"), 2, "No schema file"),
])
def test_errors_are_one_line(versions, args, code, words):
    result = _run("data", *args, code=code)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and words in lines[0]
