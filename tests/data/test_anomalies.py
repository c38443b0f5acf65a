"""mlops.check: each TFDV anomaly kind with its measurement, environments, displays, CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest
from click.testing import CliRunner

import jupyter_mlops.data as data
from jupyter_mlops.cli import cli
from jupyter_mlops.data.anomalies import (
    FAILED_CHECK,
    MISSING_COLUMN,
    NEW_CATEGORY,
    OUT_OF_RANGE,
    TOO_MANY_NULLS,
    TYPE_CHANGE,
    UNEXPECTED_COLUMN,
    check,
)
from jupyter_mlops.data.schemas import infer_schema
from jupyter_mlops.errors import InvalidInput


@pytest.fixture
def training() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    rows = 300
    return pd.DataFrame({
        "plan": rng.choice(["basic", "pro", "team"], rows),
        "age": rng.integers(18, 80, rows).astype("int64"),
        "income": rng.normal(50_000, 8_000, rows),
        "visits": rng.poisson(3, rows).astype("int64"),
        "churned": rng.integers(0, 2, rows).astype("int64"),
    })


@pytest.fixture
def schema(training):
    return infer_schema(training, label="churned", min_fraction={"income": 0.9})


def test_conforming_data_has_no_anomalies(training, schema):
    report = check(training, schema)
    assert report.ok and bool(report) and len(report) == 0
    assert report.summary() == "DataFrame: no anomalies (300 rows)."
    assert "no anomalies" in report._repr_html_()


def test_every_kind_with_its_measurement(training, schema):
    serving = training.drop(columns=["churned", "visits"]).head(100).copy()
    serving.loc[:9, "plan"] = "enterprise"          # a value the domain lacks
    serving.loc[10:14, "age"] = 130                  # outside the range seen
    serving.loc[15:29, "income"] = np.nan            # 85% present, 90% required
    serving["age"] = serving["age"].astype(str)      # a retyped column
    serving["coupon"] = "spring"                     # not in the schema
    report = check(serving, schema)
    kinds = report.kinds()
    assert kinds == {"plan": [NEW_CATEGORY], "income": [TOO_MANY_NULLS],
                     "age": [TYPE_CHANGE], "visits": [MISSING_COLUMN],
                     "churned": [MISSING_COLUMN], "coupon": [UNEXPECTED_COLUMN]}
    (new,) = report.of("plan")
    assert new.measurement == {"values": ["enterprise"], "distinct": 1, "rows": 10,
                               "fraction": 0.1}
    (nulls,) = report.of("income")
    assert nulls.measurement["present_fraction"] == pytest.approx(0.85)
    assert nulls.measurement["missing"] == 15 and nulls.measurement["min_fraction"] == 0.9
    (retyped,) = report.of("age")
    assert retyped.measurement["expected_type"] == "INT"
    assert retyped.measurement["type"] == "BYTES"
    assert not report.ok and len(report) == 6


def test_out_of_range_measures_what_was_seen(training, schema):
    serving = training.head(50).copy()
    serving.loc[:4, "age"] = 130
    (anomaly,) = check(serving, schema).anomalies
    assert anomaly.kind == OUT_OF_RANGE and anomaly.column == "age"
    assert anomaly.measurement["rows"] == 5 and anomaly.measurement["max"] == 130.0
    assert anomaly.measurement["high"] == float(training["age"].max())
    assert "5 values outside [18, 79]" in anomaly.description


def test_the_serving_environment_does_not_expect_the_label(training, schema):
    serving = training.drop(columns=["churned"])
    assert check(serving, schema, environment="SERVING").ok
    report = check(serving, schema, environment="TRAINING")
    assert report.kinds() == {"churned": [MISSING_COLUMN]}
    assert report.environment == "TRAINING"
    assert "(TRAINING)" in report.summary()


def test_ints_read_back_as_floats_are_still_ints(training, schema):
    # JSON and CSV give an int column with a gap back as floats: not a type change.
    serving = training.astype({"age": "float64"})
    assert check(serving, schema).ok
    halves = training.assign(age=training["age"] + 0.5)
    assert check(halves, schema).kinds()["age"] == [TYPE_CHANGE]


@pytest.mark.filterwarnings("ignore:Only registered checks may be serialized")
def test_user_written_pandera_checks_still_run(training, schema):
    schema = schema.update_column("visits", checks=[*schema.columns["visits"].checks,
                                                    pa.Check(lambda s: s % 2 == 0,
                                                             name="even")])
    report = check(training, schema)
    (failed,) = report.anomalies
    assert failed.kind == FAILED_CHECK and failed.column == "visits"
    assert failed.measurement["rows"] == int((training["visits"] % 2 == 1).sum())


def test_report_as_frame_dict_and_html(training, schema):
    serving = training.assign(plan="enterprise")
    report = check(serving, schema)
    frame = report.to_frame()
    assert list(frame.columns) == ["column", "kind", "description", "measurement"]
    assert frame.loc[0, "kind"] == NEW_CATEGORY
    assert json.loads(json.dumps(report.to_dict()))["anomalies"][0]["measurement"]["rows"] == 300
    html = report._repr_html_()
    assert "<table>" in html and "new_category" in html and "enterprise" in html
    assert "plan: new_category" in str(report)


def test_a_version_against_its_dataset_schema(tracking, training, schema):
    data.version_data(training, "customers", validate=schema)
    data.set_schema("customers", schema)
    data.version_data(training.assign(plan="enterprise"), "customers")
    report = check("customers@2")
    assert report.checked == "customers@2" and report.kinds() == {"plan": [NEW_CATEGORY]}
    with pytest.raises(InvalidInput, match="Pass schema="):
        check(training)


def _run(*args, code=0):
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "200"},
                                prog_name="jupyter mlops")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


def test_cli_infer_schema_then_check_with_exit_codes(tracking, training, tmp_path):
    good = tmp_path / "train.csv"
    training.to_csv(good, index=False)
    schema_file = tmp_path / "schema.yaml"
    out = _run("data", "infer-schema", str(good), "--label", "churned", "--skew", "0.05",
               "-o", str(schema_file)).stdout
    assert "Wrote the schema of" in out and "5 columns" in out
    assert "not_in_environment" in schema_file.read_text()
    assert "no anomalies" in _run("data", "check", str(good), "--schema",
                                  str(schema_file)).stdout
    serving = tmp_path / "serving.csv"
    training.drop(columns=["churned"]).assign(plan="enterprise").to_csv(serving, index=False)
    result = _run("data", "check", str(serving), "--schema", str(schema_file),
                  "-e", "SERVING", code=1)
    assert "new_category" in result.stdout and "churned" not in result.stdout
    assert "1 anomaly against its schema" in result.stderr
    shown = json.loads(_run("data", "check", str(serving), "--schema", str(schema_file),
                            "--json", code=1).stdout)
    assert {a["kind"] for a in shown["anomalies"]} == {"new_category", "missing_column"}
    assert "Pass --schema" in _run("data", "check", str(serving), code=2).stderr
    assert "No file" in _run("data", "check", "nowhere.csv", code=3).stderr
