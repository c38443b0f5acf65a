"""`jupyter mlops runs ...`: listing, showing, deleting and restoring runs, metric history."""

from __future__ import annotations

import json

import jupyter_mlops as mlops


def _table_rows(stdout: str) -> list[str]:
    """The body lines of a rich table (after the header rule), stripped."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if set(line.strip()) == {"─"})
    return [line.strip() for line in lines[start + 1:] if line.strip()]


def test_list_table_shows_short_ids_and_common_columns(populated, invoke):
    result = invoke("runs", "list")
    header = result.stdout.splitlines()[0]
    for column in ("Run", "Experiment", "Name", "Status", "Start", "Duration", "params.C",
                   "metrics.auc", "metrics.loss"):
        assert column in header
    rows = _table_rows(result.stdout)
    assert len(rows) == 5
    # Newest first: the nested child was started last.
    assert rows[0].startswith(populated.child[-8:])
    high = next(row for row in rows if row.startswith(populated.high[-8:]))
    assert "grid" in high and "FINISHED" in high and "0.75" in high and "1.0" in high
    failed = next(row for row in rows if row.startswith(populated.failed[-8:]))
    assert "FAILED" in failed


def test_list_filters_orders_and_limits(populated, invoke):
    result = invoke("runs", "list", "-e", "grid", "--order-by", "metrics.auc DESC", "--json")
    assert [r["name"] for r in json.loads(result.stdout)] == ["high", "low"]
    result = invoke("runs", "list", "--filter", "params.C = '0.1'", "--json")
    assert [r["id"] for r in json.loads(result.stdout)] == [populated.low]
    result = invoke("runs", "list", "-e", "grid", "-e", "other", "--max-results", "2", "--json")
    assert len(json.loads(result.stdout)) == 2
    result = invoke("runs", "list", "--max-results", "2")
    assert len(_table_rows(result.stdout)) == 2
    assert "--max-results" in result.stderr


def test_list_chosen_columns(populated, invoke):
    result = invoke("runs", "list", "-e", "grid", "-c", "tags.owner", "-c", "metrics.nan_metric",
                    "-c", "metrics.inf_metric")
    header = result.stdout.splitlines()[0]
    assert "tags.owner" in header and "params.C" not in header
    for row in _table_rows(result.stdout):
        assert "ana" in row and "NaN" in row and "-inf" in row
    message = invoke.fails("runs", "list", "-c", "colour", code=2)
    assert "params.<key>" in message


def test_list_json_is_valid_with_nan_and_infinity(populated, invoke):
    result = invoke("runs", "list", "--json")  # parsed strictly by the fixture
    records = {r["id"]: r for r in json.loads(result.stdout)}
    high = records[populated.high]
    assert high["metrics"]["nan_metric"] == "NaN"
    assert high["metrics"]["inf_metric"] == "-Infinity"
    assert high["metrics"]["auc"] == 0.75
    assert high["params"] == {"C": "1.0"}
    assert high["status"] == "FINISHED"
    assert records[populated.child]["parent_id"] == populated.parent


def test_list_empty_and_unknown_experiment(populated, invoke):
    result = invoke("runs", "list", "--filter", "metrics.auc > 100")
    assert result.stdout == "" and "No runs match" in result.stderr
    assert json.loads(invoke("runs", "list", "--filter", "metrics.auc > 100",
                             "--json").stdout) == []
    message = invoke.fails("runs", "list", "-e", "nope", code=3)
    assert "Unknown experiment 'nope'" in message and "grid" in message


def test_bad_filter_is_a_usage_error_on_one_line(populated, invoke):
    message = invoke.fails("runs", "list", "--filter", "metrics.auc > 0.3 and colour = 'red'",
                           code=2)
    assert "colour" in message and "position 22" in message


def test_show_by_short_id(populated, invoke):
    result = invoke("runs", "show", populated.high[-8:])
    out = result.stdout
    assert populated.high in out
    for text in ("grid", "high", "FINISHED", "Params", "Metrics", "Tags", "owner", "ana",
                 "Artifacts (3 file(s)", "plots/roc.txt", "plots/sub/pr.txt", "notes.txt",
                 "Environment", "Python", "Source"):
        assert text in out, text
    assert "NaN" in out and "-inf" in out


def test_show_failed_run_has_its_error(populated, invoke):
    out = invoke("runs", "show", populated.failed).stdout
    assert "FAILED" in out and "ZeroDivisionError" in out


def test_show_json_has_environment_and_details(populated, invoke):
    data = json.loads(invoke("runs", "show", populated.low[:26], "--json").stdout)
    assert data["id"] == populated.low
    assert data["metrics"]["nan_metric"] == "NaN"
    assert [a["path"] for a in data["artifacts"]] == ["notes.txt", "plots/roc.txt",
                                                      "plots/sub/pr.txt"]
    assert data["environment"]["python"].count(".") == 2
    assert isinstance(data["environment"]["packages"], dict)
    assert data["duration"] >= 0


def test_show_errors(populated, invoke):
    assert "No run" in invoke.fails("runs", "show", "abcdef12", code=3)
    assert "too short" in invoke.fails("runs", "show", "abc", code=2)
    assert "hexadecimal" in invoke.fails("runs", "show", "not-an-id", code=2)


def test_delete_and_restore_with_nested_runs(populated, invoke):
    result = invoke("runs", "delete", populated.parent[-8:])
    assert result.stdout.strip() == "Deleted 2 runs (1 nested)."
    live = {r["id"] for r in json.loads(invoke("runs", "list", "--json").stdout)}
    assert populated.parent not in live and populated.child not in live
    deleted = json.loads(invoke("runs", "list", "--deleted", "--json").stdout)
    assert {r["id"] for r in deleted} == {populated.parent, populated.child}
    assert all(r["deleted"] for r in deleted)
    assert invoke("runs", "restore", populated.parent).stdout.strip() == (
        "Restored 2 runs (1 nested)."
    )
    assert populated.child in {r.id for r in mlops.search_runs()}
    assert "No run" in invoke.fails("runs", "delete", populated.low, "abcdef99", code=3)
    assert populated.low in {r.id for r in mlops.search_runs()}


def test_metric_history(populated, invoke):
    result = invoke("runs", "metric", populated.low[-8:], "loss")
    rows = _table_rows(result.stdout)
    assert [row.split()[:2] for row in rows] == [["0", "1.1"], ["1", "0.6"], ["2", "0.433333"]]
    assert "3 value(s)" in result.stdout
    points = json.loads(invoke("runs", "metric", populated.low, "nan_metric", "--json").stdout)
    assert [p["value"] for p in points] == ["NaN"]
    message = invoke.fails("runs", "metric", populated.low, "nope", code=3)
    assert "no metric 'nope'" in message and "loss" in message


def test_a_narrow_terminal_drops_params_before_metrics(populated, invoke):
    wide = invoke("runs", "list", "-e", "grid").stdout.splitlines()[0]
    assert wide.index("metrics.auc") < wide.index("params.C")
    for width in range(200, 60, -5):
        header = invoke("runs", "list", "-e", "grid", env={"COLUMNS": str(width)}).stdout
        header = header.splitlines()[0]
        if "params.C" not in header:
            break
    else:
        raise AssertionError("no width dropped params.C")
    assert "metrics." in header, header
