"""Validation with pandera: inferred schemas, YAML round trips, contracts, failure reports."""

from __future__ import annotations

import pandas as pd
import pytest

import jupyter_mlops.data as data
from jupyter_mlops.data import ValidationFailed


def _broken(frame):
    bad = frame.copy()
    bad.loc[0, "age"] = -5
    bad.loc[1, "age"] = 1_000
    bad["segment"] = bad["segment"].cat.add_categories(["platinum"])
    bad.loc[[2, 3, 4], "segment"] = "platinum"
    return bad.drop(columns=["active"])


def test_failures_name_column_check_count_and_examples(frame):
    from jupyter_mlops.data.validation import check, infer_schema_of

    report = check(_broken(frame), infer_schema_of(frame), "bad data")
    assert not report.ok and not bool(report)
    found = {(f.column, f.check.split("(")[0]): f for f in report.failures}
    assert found[("age", "greater_than_or_equal_to")].examples == (-5,)
    assert found[("age", "less_than_or_equal_to")].failures == 1
    isin = found[("segment", "isin")]
    assert (isin.failures, isin.examples) == (3, ("platinum",) * 3)
    assert found[(None, "column_in_dataframe")].examples == ("active",)
    table = report.to_frame()
    assert list(table.columns) == ["column", "check", "failures", "examples"]
    assert len(table) == len(report.failures) == 5  # the category dtype too
    assert "bad data fails 5 checks" in report.summary()
    assert "<table" in report._repr_html_()


def test_yaml_round_trip_keeps_the_checks(tracking, frame, tmp_path):
    data.version_data(frame, "customers")
    schema = data.infer_schema("customers@1")
    text = schema.to_yaml()
    path = tmp_path / "customers.yaml"
    path.write_text(text)
    import pandera.pandas as pandera

    again = pandera.DataFrameSchema.from_yaml(text)
    assert again.to_yaml() == text
    assert data.validate(frame, path).ok
    assert data.validate(frame, text).ok
    assert not data.validate(_broken(frame), str(path)).ok
    assert not data.validate(_broken(frame), "customers@1").ok


def test_validate_true_sets_then_enforces_the_contract(tracking, frame, blob_count):
    first = data.version_data(frame, "customers", validate=True)
    assert first.schema and "segment" in first.schema
    assert data.datasets().loc[0, "has_schema"]
    stored = blob_count()
    with pytest.raises(ValidationFailed) as caught:
        data.version_data(_broken(frame), "customers", validate=True)
    error = caught.value
    assert "\n" not in str(error)
    assert "age: greater_than_or_equal_to" in str(error) and "segment: isin" in str(error)
    # From YAML, "category" no longer pins the categories: the isin check still does.
    assert len(error.report.failures) == 4
    assert blob_count() == stored
    assert data.dataset_versions("customers")["version"].tolist() == [1]
    # Valid new data passes and is stored with the contract it was checked against.
    second = data.version_data(frame.head(20), "customers", validate=True)
    assert second.version == 2 and second.schema == first.schema


def test_explicit_schema_becomes_the_contract(tracking, frame):
    import pandera.pandas as pandera

    schema = pandera.DataFrameSchema({"age": pandera.Column("Int64", pandera.Check.ge(0),
                                                            nullable=True)})
    data.version_data(frame, "customers", validate=schema)
    loose = frame.assign(segment=frame["segment"].cat.add_categories(["new"]))
    loose.loc[0, "segment"] = "new"
    assert data.version_data(loose, "customers", validate=True).version == 2
    negative = frame.copy()
    negative.loc[0, "age"] = -1
    with pytest.raises(ValidationFailed, match="age"):
        data.version_data(negative, "customers", validate=True)
    data.set_schema("customers", None)
    assert data.validate(negative, "customers").ok is False  # falls back to the newest's


def test_validate_a_stored_version_and_a_file(tracking, frame, tmp_path):
    data.version_data(frame, "customers", validate=True)
    data.version_data(_broken(frame), "customers-bad")
    report = data.validate("customers-bad@1", "customers")
    assert not report.ok and report.checked == "customers-bad@1"
    csv = tmp_path / "ok.csv"
    pd.DataFrame({"x": [1, 2]}).to_csv(csv, index=False)
    import pandera.pandas as pandera

    schema = pandera.DataFrameSchema({"x": pandera.Column(int, pandera.Check.gt(1))})
    report = data.validate(csv, schema)
    assert [(f.column, f.failures, f.examples) for f in report.failures] == [("x", 1, (1,))]
