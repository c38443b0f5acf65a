"""Diffs between versions: schema changes, row counts and per-column profile changes."""

from __future__ import annotations

import jupyter_mlops.data as data


def test_schema_rows_and_profiles(tracking, frame):
    data.version_data(frame, "customers")
    changed = frame.drop(columns=["active"]).assign(
        id=frame["id"].astype("float64"), city="Paris", score=frame["score"] * 2)
    data.version_data(changed.head(40), "customers")
    diff = data.diff_data("customers@1", "customers@2")
    assert diff.added == ("city",) and diff.removed == ("active",)
    assert diff.retyped == (("id", "int64", "float64"),)
    assert diff.rows == (50, 40)
    table = diff.to_frame()
    assert list(table.columns) == ["column", "change", "a", "b", "delta"]
    rows = table[table["change"] == "rows"].iloc[0]
    assert (rows["a"], rows["b"], rows["delta"]) == (50, 40, -10)
    mean = table[(table["column"] == "score") & (table["change"] == "mean")].iloc[0]
    assert mean["b"] > mean["a"]
    summary = str(diff)
    assert "rows 50 -> 40" in summary and "columns added: city" in summary
    assert "retyped: id int64 -> float64" in summary
    assert "<table" in diff._repr_html_()


def test_same_content_has_no_changes(tracking, frame):
    data.version_data(frame, "a")
    data.version_data(frame, "b")
    diff = data.diff_data("a@1", "b@1")
    assert diff.same and "same data" in diff.summary()


def test_a_dataframe_against_a_version(tracking, frame):
    data.version_data(frame, "customers")
    diff = data.diff_data("customers", frame.head(10))
    assert diff.rows == (50, 10) and diff.b == "DataFrame"


def test_folders_diff_by_file(tracking, make_tree):
    root = make_tree({"keep.txt": "same", "change.txt": "v1", "drop.txt": "bye"})
    data.version_data(root, "files")
    (root / "change.txt").write_text("v2!")
    (root / "drop.txt").unlink()
    (root / "new" ).mkdir()
    (root / "new" / "add.txt").write_text("hello")
    data.version_data(root, "files")
    diff = data.diff_data("files@1", "files@2")
    assert diff.added == ("new/add.txt",) and diff.removed == ("drop.txt",)
    assert {(c[0], c[1]) for c in diff.changes} == {
        ("new/add.txt", "added"), ("drop.txt", "removed"), ("change.txt", "changed")}
