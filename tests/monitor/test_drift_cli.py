"""`jupyter mlops drift`: verdicts, exit codes for CI, JSON, saved reports."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from jupyter_mlops.cli import cli


def run(*args: str, code: int = 0) -> tuple[str, str]:
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "200"},
                                prog_name="jupyter mlops")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result.stdout, result.stderr


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"x": rng.normal(0, 1, 800), "c": rng.choice(list("abc"), 800)})
    same = pd.DataFrame({"x": rng.normal(0, 1, 800), "c": rng.choice(list("abc"), 800)})
    moved = pd.DataFrame({"x": rng.normal(1, 1, 800), "c": rng.choice(list("ab"), 800)})
    ref.to_csv(tmp_path / "ref.csv", index=False)
    same.to_parquet(tmp_path / "same.parquet")
    moved.to_parquet(tmp_path / "moved.parquet")
    return tmp_path


def test_fail_on_drift_exits_1_only_when_drifted(files):
    out, _ = run("drift", str(files / "ref.csv"), str(files / "moved.parquet"))
    assert "DRIFT" in out and "2 of 2 columns drifted" in out
    run("drift", str(files / "ref.csv"), str(files / "moved.parquet"), "--fail-on-drift",
        code=1)
    out, _ = run("drift", str(files / "ref.csv"), str(files / "same.parquet"),
                 "--fail-on-drift")
    assert "no drift" in out


def test_json_output_and_column_choice(files):
    out, _ = run("drift", str(files / "ref.csv"), str(files / "moved.parquet"), "--json",
                 "--columns", "x", "--method", "ks")
    data = json.loads(out)
    assert [r["column"] for r in data["results"]] == ["x"]
    assert data["results"][0]["statistic"] == "ks" and data["drifted"] is True


def test_bad_input_gives_one_error_line_and_its_exit_code(files):
    _, err = run("drift", str(files / "ref.csv"), str(files / "nope.csv"), code=3)
    assert err.startswith("Error: No file") and len(err.splitlines()) == 1
    _, err = run("drift", str(files / "ref.csv"), str(files / "same.parquet"), "--method",
                 "bogus", code=2)
    assert "Known statistics" in err
    _, err = run("drift", str(files / "ref.csv"), str(files / "same.parquet"), "--columns",
                 "typo", code=2)
    assert "No column 'typo'" in err


def test_saved_reports_are_listed_and_shown(files, tracking):
    run("drift", str(files / "ref.csv"), str(files / "moved.parquet"), "--name", "nightly")
    run("drift", str(files / "ref.csv"), str(files / "same.parquet"), "--save")
    out, _ = run("drift", "list", "--json")
    listed = json.loads(out)
    assert [r["drifted"] for r in listed] == [False, True]
    assert listed[1]["name"] == "nightly"
    out, _ = run("drift", "list")
    assert "nightly" in out and listed[1]["id"][-8:] in out
    assert listed[1]["current"].endswith("moved.parquet")
    out, _ = run("drift", "show", listed[1]["id"][-8:])
    assert "2 of 2 columns drifted" in out
    run("drift", "delete", listed[0]["id"])
    assert len(json.loads(run("drift", "list", "--json")[0])) == 1


def test_help_documents_every_subcommand():
    out, _ = run("drift", "--help")
    for name in ("compare", "list", "show", "delete"):
        assert name in out
    out, _ = run("drift", "compare", "--help")
    assert "--fail-on-drift" in out and "--json" in out


@pytest.mark.parametrize(("content", "says"), [
    (b"", "is empty"),
    (b"not a parquet file at all", "Cannot read"),
])
def test_an_empty_or_corrupt_input_is_one_line(files, tracking, content, says):
    bad = files / "bad.parquet"
    bad.write_bytes(content)
    (files / "bad.csv").write_bytes(content if content else b"")
    for target in (bad, files / "bad.csv"):
        _, err = run("drift", str(files / "ref.csv"), str(target), code=2)
        assert err.startswith("Error: ") and len(err.strip().splitlines()) == 1
        # A text file parses as a header-only CSV, which then has no column in common.
        assert says in err or (target.suffix == ".csv" and "no column in common" in err)
        assert "Traceback" not in err


def test_data_validate_of_a_missing_file_says_it_is_missing(tracking, tmp_path):
    _, err = run("data", "validate", str(tmp_path / "missing.csv"), code=3)
    assert "No file" in err and "missing.csv" in err


def test_no_column_in_common_is_an_error_never_no_drift(files, tracking):
    pd.DataFrame({"y": [1, 2, 3]}).to_csv(files / "other.csv", index=False)
    for extra in ((), ("--fail-on-drift",)):
        _, err = run("drift", str(files / "ref.csv"), str(files / "other.csv"), *extra, code=2)
        assert "no column in common" in err and "Reference: x, c; current: y." in err
